//! Likeness desktop shell: the Tauri v2 window over the Likeness engine.
//!
//! This crate is registration only: it builds the Tauri app, registers the commands from
//! [`commands`] and loads the frontend from `ui/`. It holds no business logic; commands convert
//! engine results into serialisable DTOs at this edge, and only this crate imports `tauri`.

pub mod commands;

/// Registers the plugins, state and commands on `builder` and runs the app until its last
/// window closes. Tests pass a mock builder (`tauri::test::mock_builder()`).
pub fn run_app<R: tauri::Runtime>(builder: tauri::Builder<R>, context: tauri::Context<R>) {
    let result = builder
        .invoke_handler(tauri::generate_handler![commands::app_info])
        .run(context);
    if let Err(error) = result {
        // There is no window left to show this in: stderr is all we have.
        eprintln!("likeness-desktop: failed to run the app: {error}");
        std::process::exit(1);
    }
}

/// Starts the desktop app with the configuration in `tauri.conf.json`.
pub fn run() {
    run_app(tauri::Builder::default(), tauri::generate_context!());
}
