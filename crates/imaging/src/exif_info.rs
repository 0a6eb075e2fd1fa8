//! EXIF facts Likeness uses, read with `kamadak-exif`. A missing or broken EXIF block is not
//! an error: the photo simply has no such facts (logged at debug level).

use std::io::Cursor;
use std::path::Path;

/// EXIF orientation value 1–8 (1 = upright, stored as shown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Orientation(pub u8);

impl Default for Orientation {
    fn default() -> Self {
        Orientation(1)
    }
}

impl Orientation {
    /// Whether width and height swap between the stored and the upright frame.
    pub fn swaps_axes(self) -> bool {
        matches!(self.0, 5..=8)
    }
}

/// What Likeness keeps from a photo's EXIF block.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExifInfo {
    pub orientation: Orientation,
    /// `DateTimeOriginal` (or `DateTime`) as written, `YYYY:MM:DD HH:MM:SS`.
    pub date_taken: Option<String>,
    pub camera_make: Option<String>,
    pub camera_model: Option<String>,
}

pub(crate) fn read(bytes: &[u8], path: &Path) -> ExifInfo {
    let exif = match exif::Reader::new().read_from_container(&mut Cursor::new(bytes)) {
        Ok(exif) => exif,
        Err(exif::Error::NotFound(_)) => return ExifInfo::default(),
        Err(e) => {
            tracing::debug!(path = %path.display(), error = %e, "unreadable EXIF ignored");
            return ExifInfo::default();
        }
    };
    let orientation = exif
        .get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
        .and_then(|v| u8::try_from(v).ok())
        .filter(|v| (1..=8).contains(v))
        .map(Orientation)
        .unwrap_or_default();
    let text = |tag| {
        exif.get_field(tag, exif::In::PRIMARY)
            .and_then(|f| match &f.value {
                exif::Value::Ascii(parts) => parts
                    .first()
                    .map(|p| {
                        String::from_utf8_lossy(p)
                            .trim()
                            .trim_end_matches('\0')
                            .to_string()
                    })
                    .filter(|s| !s.is_empty()),
                _ => None,
            })
    };
    ExifInfo {
        orientation,
        date_taken: text(exif::Tag::DateTimeOriginal).or_else(|| text(exif::Tag::DateTime)),
        camera_make: text(exif::Tag::Make),
        camera_model: text(exif::Tag::Model),
    }
}
