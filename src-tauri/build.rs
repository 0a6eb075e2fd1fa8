//! Compiles the Tauri config, capabilities and icons into the crate (`tauri::generate_context!`).

fn main() {
    tauri_build::build();
}
