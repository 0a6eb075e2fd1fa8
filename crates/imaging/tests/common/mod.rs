//! Fixtures shared by the imaging tests: real photos re-encoded, EXIF blocks written with
//! kamadak-exif's writer, and hand-built RAW containers. Everything is made at test time.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;

use exif::experimental::Writer;
use exif::{Field, In, Rational, Tag, Value};
use image::RgbImage;

/// A face_recognition test photo (fetched by set-up).
pub fn test_photo(name: &str) -> PathBuf {
    let p = likeness_testdata::models_dir()
        .join("test_photos")
        .join(name);
    assert!(p.is_file(), "{} missing: run scripts/setup.sh", p.display());
    p
}

/// A fresh folder under target/test-tmp.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = likeness_testdata::repo_root()
        .join("target/test-tmp/imaging")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn photo_rgb(name: &str) -> RgbImage {
    image::open(test_photo(name)).unwrap().to_rgb8()
}

/// Plain baseline JPEG bytes (quality 92) of `img`.
pub fn jpeg_bytes(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92);
    img.write_with_encoder(enc).unwrap();
    out
}

/// `jpeg` with an APP1 `Exif` segment holding the TIFF block `tiff`, right after SOI.
pub fn with_exif_app1(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn ascii(tag: Tag, s: &str) -> Field {
    Field {
        tag,
        ifd_num: In::PRIMARY,
        value: Value::Ascii(vec![s.as_bytes().to_vec()]),
    }
}

fn dms(tag: Tag, deg: f64) -> Field {
    let d = deg.trunc();
    let m = ((deg - d) * 60.0).trunc();
    let s = ((deg - d) * 60.0 - m) * 60.0;
    Field {
        tag,
        ifd_num: In::PRIMARY,
        value: Value::Rational(vec![
            Rational::from((d as u32, 1)),
            Rational::from((m as u32, 1)),
            Rational::from(((s * 10_000.0).round() as u32, 10_000)),
        ]),
    }
}

/// What to put in a test EXIF block.
#[derive(Debug, Default, Clone)]
pub struct ExifSpec {
    pub orientation: Option<u16>,
    pub make: Option<&'static str>,
    pub model: Option<&'static str>,
    pub date_time: Option<&'static str>,
    pub date_time_original: Option<&'static str>,
    /// Signed degrees; written as magnitude + N/S, E/W reference.
    pub gps: Option<(f64, f64)>,
}

/// A TIFF/EXIF block written by kamadak-exif's writer (IFD0, Exif IFD, GPS IFD).
pub fn exif_block(spec: &ExifSpec, little_endian: bool) -> Vec<u8> {
    let mut fields = Vec::new();
    if let Some(o) = spec.orientation {
        fields.push(Field {
            tag: Tag::Orientation,
            ifd_num: In::PRIMARY,
            value: Value::Short(vec![o]),
        });
    }
    if let Some(s) = spec.make {
        fields.push(ascii(Tag::Make, s));
    }
    if let Some(s) = spec.model {
        fields.push(ascii(Tag::Model, s));
    }
    if let Some(s) = spec.date_time {
        fields.push(ascii(Tag::DateTime, s));
    }
    if let Some(s) = spec.date_time_original {
        fields.push(ascii(Tag::DateTimeOriginal, s));
    }
    if let Some((lat, lon)) = spec.gps {
        fields.push(ascii(
            Tag::GPSLatitudeRef,
            if lat < 0.0 { "S" } else { "N" },
        ));
        fields.push(dms(Tag::GPSLatitude, lat.abs()));
        fields.push(ascii(
            Tag::GPSLongitudeRef,
            if lon < 0.0 { "W" } else { "E" },
        ));
        fields.push(dms(Tag::GPSLongitude, lon.abs()));
    }
    let mut writer = Writer::new();
    for f in &fields {
        writer.push_field(f);
    }
    let mut out = std::io::Cursor::new(Vec::new());
    writer.write(&mut out, little_endian).unwrap();
    out.into_inner()
}
