//! Helpers shared by the vision crate's integration tests.
#![allow(clippy::unwrap_used, dead_code)]

use std::path::Path;

/// Decodes a photo with the `image` crate into RGB (the pixels every parity oracle was made on).
pub fn load_rgb(path: &Path) -> image::RgbImage {
    image::ImageReader::open(path)
        .unwrap()
        .with_guessed_format()
        .unwrap()
        .decode()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8()
}
