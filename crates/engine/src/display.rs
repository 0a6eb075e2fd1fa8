//! The full photo for a viewer: upright (EXIF orientation applied; HEIF and RAW previews
//! decoded, which a webview cannot show), at most [`DISPLAY_MAX_SIDE`] pixels on its long
//! side, as JPEG bytes. Rendered on demand, never written to disk.
//!
//! [`display_file`] is the only way from a photo id to a file for the viewer: the catalog's
//! live paths of that photo, kept only if they lie inside a *current* library root (checked
//! here on every request, lexically, with no `..` component), so a stale row or a removed
//! folder never exposes a file outside the library.

use std::path::{Component, Path, PathBuf};

use likeness_catalog::{Catalog, PhotoId};
use likeness_imaging::{load_photo_reduced, DecodeLimits, OrientationMode};

use crate::error::EngineError;
use crate::thumbs::{encode_jpeg, shrink_to};

/// Long side of the viewer's image, in pixels (sharp full-screen on most displays).
pub const DISPLAY_MAX_SIDE: u32 = 2560;
const DISPLAY_JPEG_QUALITY: u8 = 88;

/// A live file of `photo` that lies inside one of the catalog's current roots; `None` when the
/// photo is unknown, an orphan, or none of its files is inside a root.
pub fn display_file(catalog: &Catalog, photo: PhotoId) -> Result<Option<PathBuf>, EngineError> {
    let Some(row) = catalog.photo(photo)? else {
        return Ok(None);
    };
    let roots = catalog.roots()?;
    Ok(row
        .paths
        .into_iter()
        .find(|p| roots.iter().any(|r| inside(p, &r.path))))
}

/// `path` is strictly below `root`, and neither has a `.` or `..` component.
fn inside(path: &Path, root: &Path) -> bool {
    let plain = |p: &Path| {
        p.is_absolute()
            && p.components()
                .all(|c| !matches!(c, Component::ParentDir | Component::CurDir))
    };
    plain(path) && plain(root) && path != root && path.starts_with(root)
}

/// Decodes `path` upright and encodes it as a JPEG whose long side is at most `max_side`
/// (big JPEGs are decoded DCT-reduced, then area-averaged down).
pub fn render_display(
    path: &Path,
    limits: &DecodeLimits,
    max_side: u32,
) -> Result<Vec<u8>, EngineError> {
    let decoded = load_photo_reduced(path, limits, OrientationMode::Apply, max_side)?;
    let image = shrink_to(decoded.image, max_side);
    let bytes = encode_jpeg(&image, DISPLAY_JPEG_QUALITY, path)?;
    tracing::debug!(
        path = %path.display(),
        w = image.width(),
        h = image.height(),
        bytes = bytes.len(),
        "rendered for display"
    );
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::RgbImage;

    #[test]
    fn only_paths_strictly_inside_a_root_count() {
        let root = Path::new("/photos/lib");
        assert!(inside(Path::new("/photos/lib/a.jpg"), root));
        assert!(inside(Path::new("/photos/lib/x/y/a.jpg"), root));
        assert!(!inside(Path::new("/photos/lib"), root));
        assert!(!inside(Path::new("/photos/library/a.jpg"), root));
        assert!(!inside(Path::new("/photos/lib/../etc/passwd"), root));
        assert!(!inside(Path::new("/etc/passwd"), root));
        assert!(!inside(
            Path::new("photos/lib/a.jpg"),
            Path::new("photos/lib")
        ));
    }

    #[test]
    fn big_images_shrink_to_the_long_side_keeping_the_aspect() {
        let img = shrink_to(RgbImage::new(4000, 3000), 2560);
        assert_eq!(img.dimensions(), (2560, 1920));
        let img = shrink_to(RgbImage::new(1000, 3000), 2560);
        assert_eq!(img.dimensions(), (853, 2560));
        let img = shrink_to(RgbImage::new(800, 600), 2560);
        assert_eq!(img.dimensions(), (800, 600));
    }

    #[test]
    fn a_reference_photo_renders_within_the_cap_in_the_upright_frame() {
        let Some(reference) = likeness_testdata::reference_dir() else {
            return;
        };
        let path = reference.join("images/face_recognition_test_images/obama.jpg");
        let bytes = render_display(&path, &DecodeLimits::default(), 300).expect("render");
        let img = image::load_from_memory(&bytes).expect("jpeg").to_rgb8();
        assert!(img.width().max(img.height()) <= 300);
        let probe = likeness_imaging::load_photo(&path, &DecodeLimits::default()).expect("decode");
        let (pw, ph) = probe.image.dimensions();
        // Same upright aspect as the decoder's oriented frame.
        let a = f64::from(img.width()) / f64::from(img.height());
        assert!(
            (a - f64::from(pw) / f64::from(ph)).abs() < 0.02,
            "{a} vs {pw}x{ph}"
        );
    }
}
