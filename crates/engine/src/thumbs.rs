//! The on-disk thumbnail cache the GUI reads: one photo thumbnail and one thumbnail per face,
//! keyed by the photo's content hash, so moved or renamed photos keep them.
//!
//! Layout: `<cache>/photos/<hh>/<hash>.jpg` (long side [`PHOTO_THUMB_SIDE`]) and
//! `<cache>/faces/<hh>/<hash>-<face index>.jpg` ([`FACE_THUMB_SIDE`] square). Files are written
//! to a temporary name and renamed, so a reader never sees half a thumbnail.

use std::io::Write;
use std::path::{Path, PathBuf};

use image::RgbImage;

use crate::error::EngineError;

/// Long side of a photo thumbnail, in pixels (sharp in a grid cell of ~200 px on a 2× screen).
pub const PHOTO_THUMB_SIDE: u32 = 400;
/// Side of a square face thumbnail.
pub const FACE_THUMB_SIDE: u32 = 160;
const JPEG_QUALITY: u8 = 82;

/// Where thumbnails live.
#[derive(Debug, Clone)]
pub struct ThumbnailCache {
    root: PathBuf,
}

impl ThumbnailCache {
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Path of the photo thumbnail of content `hash_hex`.
    pub fn photo_path(&self, hash_hex: &str) -> PathBuf {
        self.root
            .join("photos")
            .join(shard(hash_hex))
            .join(format!("{hash_hex}.jpg"))
    }

    /// Path of the thumbnail of face `index` of content `hash_hex`.
    pub fn face_path(&self, hash_hex: &str, index: u32) -> PathBuf {
        self.root
            .join("faces")
            .join(shard(hash_hex))
            .join(format!("{hash_hex}-{index}.jpg"))
    }

    /// Writes the photo thumbnail and one thumbnail per face box (`[x1, y1, x2, y2]` in the
    /// frame of `image`, which is upright). An existing photo thumbnail is kept (same content,
    /// same pixels); face thumbnails are always written: a re-detection (another model) gives
    /// other faces for the same indexes.
    pub fn write(
        &self,
        hash_hex: &str,
        image: &RgbImage,
        face_boxes: &[[f32; 4]],
    ) -> Result<(), EngineError> {
        let photo = self.photo_path(hash_hex);
        if !photo.exists() {
            let small = shrink_to(image.clone(), PHOTO_THUMB_SIDE);
            write_jpeg(&photo, &small)?;
        }
        for (i, b) in face_boxes.iter().enumerate() {
            write_jpeg(&self.face_path(hash_hex, i as u32), &face_crop(image, b))?;
        }
        Ok(())
    }

    /// Writes face thumbnail `index` of `hash_hex` from bytes made by [`face_thumbnail_jpeg`].
    pub(crate) fn write_face_jpeg(
        &self,
        hash_hex: &str,
        index: u32,
        jpeg: &[u8],
    ) -> Result<(), EngineError> {
        write_file(&self.face_path(hash_hex, index), jpeg)
    }

    /// Removes face thumbnail `index` of `hash_hex`, if there is one.
    pub(crate) fn remove_face(&self, hash_hex: &str, index: u32) -> Result<(), EngineError> {
        let path = self.face_path(hash_hex, index);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(EngineError::Io { path, source: e })
            }
            _ => Ok(()),
        }
    }
}

/// The face thumbnail of box `b` (in the frame of the upright `image`), JPEG-encoded: for a
/// face whose index is known only later (kept through a re-detection).
pub(crate) fn face_thumbnail_jpeg(image: &RgbImage, b: &[f32; 4]) -> Result<Vec<u8>, EngineError> {
    encode_jpeg(
        &face_crop(image, b),
        JPEG_QUALITY,
        Path::new("face thumbnail"),
    )
}

fn shard(hash_hex: &str) -> &str {
    hash_hex.get(..2).unwrap_or("00")
}

/// Scales (w, h) so the long side is at most `side`.
fn fit(w: u32, h: u32, side: u32) -> (u32, u32) {
    let long = w.max(h);
    if long <= side {
        return (w.max(1), h.max(1));
    }
    let s = f64::from(side) / f64::from(long);
    (
        ((f64::from(w) * s).round() as u32).max(1),
        ((f64::from(h) * s).round() as u32).max(1),
    )
}

/// `image` area-averaged down so its long side is at most `side` (unchanged when it already
/// fits, or when `side` is 0).
pub(crate) fn shrink_to(image: RgbImage, side: u32) -> RgbImage {
    let (w, h) = fit(image.width(), image.height(), side);
    if side == 0 || (w, h) == image.dimensions() {
        return image;
    }
    image::imageops::thumbnail(&image, w, h)
}

/// `image` as JPEG bytes at `quality`; `path` names the file in the error.
pub(crate) fn encode_jpeg(
    image: &RgbImage,
    quality: u8,
    path: &Path,
) -> Result<Vec<u8>, EngineError> {
    let mut bytes = Vec::with_capacity(32 * 1024);
    let (w, h) = (
        u16::try_from(image.width()).unwrap_or(u16::MAX),
        u16::try_from(image.height()).unwrap_or(u16::MAX),
    );
    // `jpeg-encoder` (SIMD) is ~5× faster than `image`'s encoder.
    jpeg_encoder::Encoder::new(&mut bytes, quality)
        .encode(image.as_raw(), w, h, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| EngineError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        })?;
    Ok(bytes)
}

/// A square crop around the face with some context (1.6× the box), clamped to the image,
/// scaled to [`FACE_THUMB_SIDE`].
fn face_crop(image: &RgbImage, b: &[f32; 4]) -> RgbImage {
    let (iw, ih) = (image.width() as f32, image.height() as f32);
    let cx = (b[0] + b[2]) / 2.0;
    let cy = (b[1] + b[3]) / 2.0;
    let side = ((b[2] - b[0]).max(b[3] - b[1]) * 1.6).clamp(1.0, iw.min(ih).max(1.0));
    let x = (cx - side / 2.0).clamp(0.0, (iw - side).max(0.0));
    let y = (cy - side / 2.0).clamp(0.0, (ih - side).max(0.0));
    let (x, y) = (x as u32, y as u32);
    let w = (side as u32).clamp(1, image.width().saturating_sub(x).max(1));
    let h = (side as u32).clamp(1, image.height().saturating_sub(y).max(1));
    let crop = image::imageops::crop_imm(image, x, y, w, h);
    if w >= FACE_THUMB_SIDE && h >= FACE_THUMB_SIDE {
        // Area averaging straight from the view: fast and sharp when shrinking.
        image::imageops::thumbnail(&*crop, FACE_THUMB_SIDE, FACE_THUMB_SIDE)
    } else {
        image::imageops::resize(
            &*crop,
            FACE_THUMB_SIDE,
            FACE_THUMB_SIDE,
            image::imageops::FilterType::Triangle,
        )
    }
}

fn write_jpeg(path: &Path, image: &RgbImage) -> Result<(), EngineError> {
    write_file(path, &encode_jpeg(image, JPEG_QUALITY, path)?)
}

/// Writes `bytes` to a temporary name beside `path`, then renames it over `path`.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), EngineError> {
    let io_err = |source: std::io::Error| EngineError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io_err)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut file = std::fs::File::create(&tmp).map_err(io_err)?;
    file.write_all(bytes).map_err(io_err)?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(io_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_photo_and_face_thumbnails() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = ThumbnailCache::new(dir.path());
        let image = RgbImage::from_fn(1200, 800, |x, y| image::Rgb([x as u8, y as u8, 7]));
        cache
            .write(
                "abcdef",
                &image,
                &[[100.0, 100.0, 300.0, 340.0], [1150.0, 10.0, 1199.0, 60.0]],
            )
            .expect("write");
        let photo = image::open(cache.photo_path("abcdef")).expect("photo thumb");
        assert_eq!((photo.width(), photo.height()), (400, 267));
        for i in 0..2 {
            let face = image::open(cache.face_path("abcdef", i)).expect("face thumb");
            assert_eq!(
                (face.width(), face.height()),
                (FACE_THUMB_SIDE, FACE_THUMB_SIDE)
            );
        }
        assert!(cache
            .photo_path("abcdef")
            .starts_with(dir.path().join("photos").join("ab")));
    }

    #[test]
    fn face_thumbnails_are_rewritten_and_kept_ones_placed_by_index() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = ThumbnailCache::new(dir.path());
        let image = RgbImage::from_fn(1200, 800, |x, y| image::Rgb([x as u8, y as u8, 7]));
        let (a, b) = ([100.0, 100.0, 300.0, 340.0], [800.0, 300.0, 900.0, 420.0]);
        cache.write("abcdef", &image, &[a, b]).expect("first");
        let first = std::fs::read(cache.face_path("abcdef", 0)).expect("face 0");
        // Another model: other faces for the same indexes replace the old thumbnails.
        cache.write("abcdef", &image, &[b]).expect("again");
        let again = std::fs::read(cache.face_path("abcdef", 0)).expect("face 0");
        assert_ne!(first, again);
        assert_eq!(
            again,
            std::fs::read(cache.face_path("abcdef", 1)).expect("face 1")
        );
        // A kept face's thumbnail, made before its index is known, then placed.
        let kept = face_thumbnail_jpeg(&image, &a).expect("jpeg");
        assert_eq!(kept, first, "the same picture as the one written by index");
        cache.write_face_jpeg("abcdef", 1, &kept).expect("place");
        assert_eq!(
            std::fs::read(cache.face_path("abcdef", 1)).expect("face 1"),
            first
        );
        cache.remove_face("abcdef", 1).expect("remove");
        assert!(!cache.face_path("abcdef", 1).exists());
        cache
            .remove_face("abcdef", 1)
            .expect("removing nothing is fine");
    }

    #[test]
    fn fit_keeps_small_images() {
        assert_eq!(fit(300, 200, 400), (300, 200));
        assert_eq!(fit(4000, 3000, 400), (400, 300));
        assert_eq!(fit(10, 4000, 400), (1, 400));
    }
}
