//! The `likeness-desktop` binary: everything lives in the library so tests can drive it.

// Without a console window on Windows release builds; harmless elsewhere.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    likeness_desktop::run();
}
