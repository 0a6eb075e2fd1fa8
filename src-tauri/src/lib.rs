//! Likeness desktop shell: the Tauri v2 window over the Likeness engine.
//!
//! This crate is registration and translation only: it builds the Tauri app, manages the
//! library state ([`state`]), registers the commands ([`commands`]) and the `thumb:` protocol
//! ([`thumbs`]), and loads the frontend from `ui/`. It holds no business logic; commands convert
//! engine results into DTOs ([`dto`]) at this edge, and only this crate imports `tauri`.

pub mod commands;
pub mod dto;
pub mod photos;
pub mod settings;
pub mod state;
pub mod thumbs;

use tauri::Manager;

/// Registers the plugins, state, protocol and commands on `builder` and runs the app until its
/// last window closes. Tests pass a mock builder (`tauri::test::mock_builder()`).
pub fn run_app<R: tauri::Runtime>(builder: tauri::Builder<R>, context: tauri::Context<R>) {
    let result = builder
        .plugin(tauri_plugin_dialog::init())
        .manage(state::AppState::from_env())
        .register_asynchronous_uri_scheme_protocol("thumb", |ctx, request, responder| {
            let app = ctx.app_handle().clone();
            let path = request.uri().path().to_string();
            tauri::async_runtime::spawn_blocking(move || {
                let state = app.state::<state::AppState>();
                let lib = state.library.as_ref().ok();
                responder.respond(thumbs::respond(lib.map(|l| l.as_ref()), &path));
            });
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::library_info,
            commands::pick_folder,
            commands::library_add,
            commands::library_remove,
            commands::library_failures,
            commands::index_start,
            commands::index_pause,
            commands::index_resume,
            commands::index_cancel,
            commands::watch_start,
            commands::people_overview,
            commands::person_detail,
            commands::person_name,
            commands::person_rename,
            commands::people_merge,
            commands::faces_move,
            commands::faces_reject,
            commands::faces_not_a_face,
            commands::person_hide,
            commands::person_cover,
            commands::suggestions_accept,
            commands::suggestions_reject,
            commands::photos_search,
            commands::edit_undo,
            commands::edit_redo,
            commands::people_recluster,
            settings::settings_get,
            settings::settings_set,
            settings::library_location_set,
            photos::timeline_days,
            photos::timeline_page,
            photos::photo_detail,
        ])
        .run(context);
    if let Err(error) = result {
        // There is no window left to show this in: stderr is all we have.
        eprintln!("likeness-desktop: failed to run the app: {error}");
        std::process::exit(1);
    }
}

/// Starts the desktop app with the configuration in `tauri.conf.json`. Logs go to stderr
/// (`$LIKENESS_LOG` filters, e.g. `info`).
pub fn run() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LIKENESS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,ort=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    run_app(tauri::Builder::default(), tauri::generate_context!());
}
