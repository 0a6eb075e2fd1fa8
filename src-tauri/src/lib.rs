//! Likeness desktop shell: the Tauri v2 window over the Likeness engine.
//!
//! This crate is registration and translation only: it builds the Tauri app, manages the
//! library state ([`state`]), registers the commands ([`commands`], [`settings`], [`photos`],
//! [`gpu`]) and the `thumb:` protocol ([`thumbs`]), and loads the frontend from `ui/`. It holds
//! no business logic; commands convert engine results into the DTOs of `likeness-api` (the one
//! wire format, shared with the CLI), and only this crate imports `tauri`.

pub mod commands;
pub mod gpu;
pub mod photos;
pub mod settings;
pub mod state;
pub mod thumbs;
pub mod webview_privacy;

use tauri::Manager;

/// Registers the plugins, state, protocol and commands on `builder` and runs the app until its
/// last window closes. Tests pass a mock builder (`tauri::test::mock_builder()`).
pub fn run_app<R: tauri::Runtime>(builder: tauri::Builder<R>, context: tauri::Context<R>) {
    let result = builder
        .setup(|app| {
            // Before the page asks for anything: no connection hints reach the network.
            for window in app.webview_windows().values() {
                webview_privacy::harden(window);
            }
            Ok(())
        })
        .plugin(tauri_plugin_dialog::init())
        .manage(state::AppState::from_env())
        .manage(gpu::GpuInstallSlot::default())
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
            commands::setup_check,
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
            commands::people_hide,
            commands::person_cover,
            commands::suggestions_accept,
            commands::suggestions_reject,
            commands::people_merge_suggestions,
            commands::people_not_same,
            commands::people_unsorted,
            commands::photos_search,
            commands::edit_undo,
            commands::edit_redo,
            commands::people_recluster,
            gpu::gpu_status,
            gpu::gpu_install,
            gpu::gpu_install_cancel,
            gpu::gpu_install_last,
            gpu::gpu_remove,
            gpu::restart_app,
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

/// Whether WebKitGTK's accelerated compositing should be turned off: on Linux, when the
/// machine has no GPU render node (`/dev/dri/renderD*`), WebKit composites through a software
/// GL (llvmpipe) and every scrolled frame costs 20–70 ms; its non-composited path keeps a
/// 100,000-photo timeline at the display's frame rate (bench/README.md, "Desktop app"). A value
/// the user set for `WEBKIT_DISABLE_COMPOSITING_MODE` is always kept.
pub fn software_rendering_tweak(dri: &std::path::Path, user_set: bool) -> bool {
    if user_set || !cfg!(target_os = "linux") {
        return false;
    }
    let has_render_node = std::fs::read_dir(dri).is_ok_and(|entries| {
        entries
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    });
    !has_render_node
}

/// Starts the desktop app with the configuration in `tauri.conf.json`. Logs go to stderr
/// (`$LIKENESS_LOG` filters, e.g. `info`).
pub fn run() {
    // Before any thread starts: ONNX Runtime's telemetry uploader never starts (the promise
    // "nothing leaves this computer"; src-tauri/tests/privacy.rs checks it).
    likeness_engine::forbid_onnx_telemetry();
    // Before any thread starts (WebKit reads it when the first web view is created).
    let user_set = std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_some();
    let tweak = software_rendering_tweak(std::path::Path::new("/dev/dri"), user_set);
    if tweak {
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
    let filter = tracing_subscriber::EnvFilter::try_from_env("LIKENESS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,ort=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    if tweak {
        tracing::info!("no GPU render node: WebKit's accelerated compositing is off");
    }
    run_app(tauri::Builder::default(), tauri::generate_context!());
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::software_rendering_tweak;

    #[test]
    fn compositing_is_turned_off_only_without_a_render_node_and_never_over_the_user() {
        let dir = std::env::temp_dir().join(format!("likeness-dri-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let linux = cfg!(target_os = "linux");
        // No /dev/dri at all, or only a card node: software GL.
        assert_eq!(software_rendering_tweak(&dir.join("missing"), false), linux);
        std::fs::write(dir.join("card0"), b"").unwrap();
        assert_eq!(software_rendering_tweak(&dir, false), linux);
        // The user's own setting wins.
        assert!(!software_rendering_tweak(&dir, true));
        // A render node: the GPU composites.
        std::fs::write(dir.join("renderD128"), b"").unwrap();
        assert!(!software_rendering_tweak(&dir, false));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
