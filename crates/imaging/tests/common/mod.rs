//! Fixtures shared by the imaging tests: real photos re-encoded, EXIF blocks written with
//! kamadak-exif's writer, and hand-built RAW containers. Everything is made at test time.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;

pub mod containers;

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

/// Encodes `input` (JPEG or PNG) to HEIC with libheif's `heif-enc` (Debian
/// `libheif-examples`, installed by scripts/setup.sh).
pub fn heif_enc(input: &std::path::Path, output: &std::path::Path, extra: &[&str]) {
    let status = std::process::Command::new("heif-enc")
        .args(extra)
        .arg("-q")
        .arg("90")
        .arg("-o")
        .arg(output)
        .arg(input)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("heif-enc not runnable ({e}): run scripts/setup.sh"));
    assert!(status.success(), "heif-enc failed on {}", input.display());
}

/// Mean absolute difference per channel value of two equally sized images.
pub fn mean_abs_diff(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let total: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    total as f64 / a.as_raw().len() as f64
}

/// Stored pixels that, displayed with EXIF `orientation`, look like `upright`.
pub fn stored_for_orientation(upright: &RgbImage, orientation: u16) -> RgbImage {
    use image::imageops::{flip_horizontal, flip_vertical, rotate180, rotate270, rotate90};
    match orientation {
        1 => upright.clone(),
        2 => flip_horizontal(upright),
        3 => rotate180(upright),
        4 => flip_vertical(upright),
        5 => flip_horizontal(&rotate90(upright)),
        6 => rotate270(upright),
        7 => flip_horizontal(&rotate270(upright)),
        8 => rotate90(upright),
        _ => panic!("orientation {orientation}"),
    }
}

/// ISO-BMFF child boxes of `b`: (4CC, whole box bytes).
fn bmff_children(b: &[u8]) -> Vec<([u8; 4], &[u8])> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 8 <= b.len() {
        let size = u32::from_be_bytes(b[at..at + 4].try_into().unwrap()) as usize;
        assert!(size >= 8 && at + size <= b.len(), "box size {size}");
        out.push((b[at + 4..at + 8].try_into().unwrap(), &b[at..at + size]));
        at += size;
    }
    out
}

fn bmff_box(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(payload.len() + 8)
        .unwrap()
        .to_be_bytes()
        .to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(payload);
    out
}

fn read_be(b: &[u8], at: usize, size: usize) -> u64 {
    b[at..at + size]
        .iter()
        .fold(0u64, |acc, &x| (acc << 8) | u64::from(x))
}

fn write_be(b: &mut [u8], at: usize, size: usize, v: u64) {
    for i in 0..size {
        b[at + i] = (v >> (8 * (size - 1 - i))) as u8;
    }
}

/// Adds an essential `irot` property (`angle` × 90° anti-clockwise) to the primary item of a
/// single-image HEIF written by heif-enc (whose `meta` precedes `mdat`), fixing the sizes of
/// the enclosing boxes and the `iloc` file offsets that the larger `meta` shifts. This is what
/// phones write: pixels stored as the sensor saw them, rotation in the container.
pub fn add_irot(heif: &[u8], angle: u8) -> Vec<u8> {
    let top = bmff_children(heif);
    let mut out = Vec::new();
    let mut meta_seen = false;
    for (kind, whole) in &top {
        if kind != b"meta" {
            if meta_seen {
                assert_ne!(kind, b"meta");
            }
            out.extend_from_slice(whole);
            continue;
        }
        meta_seen = true;
        let version_flags = &whole[8..12];
        let children = bmff_children(&whole[12..]);
        let primary = children
            .iter()
            .find(|(k, _)| k == b"pitm")
            .map(|(_, b)| read_be(b, 12, 2))
            .expect("pitm");
        let mut meta_payload = version_flags.to_vec();
        for (k, b) in &children {
            if k != b"iprp" {
                meta_payload.extend_from_slice(b);
                continue;
            }
            let mut iprp_payload = Vec::new();
            let mut index = 0usize;
            for (k2, b2) in bmff_children(&b[8..]) {
                match &k2 {
                    b"ipco" => {
                        index = bmff_children(&b2[8..]).len() + 1;
                        let mut p = b2[8..].to_vec();
                        p.extend_from_slice(&bmff_box(b"irot", &[angle & 3]));
                        iprp_payload.extend_from_slice(&bmff_box(b"ipco", &p));
                    }
                    b"ipma" => {
                        let p = &b2[8..];
                        let version = p[0];
                        let wide = p[3] & 1 == 1;
                        let entries = read_be(p, 4, 4);
                        let mut np = p[..8].to_vec();
                        let mut at = 8;
                        for _ in 0..entries {
                            let id_size = if version < 1 { 2 } else { 4 };
                            let id = read_be(p, at, id_size);
                            let n = usize::from(p[at + id_size]);
                            let assoc = if wide { 2 } else { 1 };
                            let end = at + id_size + 1 + n * assoc;
                            let mut entry = p[at..end].to_vec();
                            if id == primary {
                                assert!(index > 0, "ipco before ipma");
                                entry[id_size] += 1;
                                if wide {
                                    entry.extend_from_slice(
                                        &(0x8000u16 | index as u16).to_be_bytes(),
                                    );
                                } else {
                                    entry.push(0x80 | index as u8);
                                }
                            }
                            np.extend_from_slice(&entry);
                            at = end;
                        }
                        iprp_payload.extend_from_slice(&bmff_box(b"ipma", &np));
                    }
                    _ => iprp_payload.extend_from_slice(b2),
                }
            }
            meta_payload.extend_from_slice(&bmff_box(b"iprp", &iprp_payload));
        }
        let mut meta = bmff_box(b"meta", &meta_payload);
        let delta = (meta.len() - whole.len()) as u64;
        // Shift iloc file offsets (construction method 0) by what meta grew.
        let mut at = 12;
        let children = bmff_children(&meta[12..])
            .iter()
            .map(|(k, b)| (*k, b.len()))
            .collect::<Vec<_>>();
        for (k, len) in children {
            if &k == b"iloc" {
                let p = at + 8;
                let version = meta[p];
                let offset_size = usize::from(meta[p + 4] >> 4);
                let length_size = usize::from(meta[p + 4] & 15);
                let base_size = usize::from(meta[p + 5] >> 4);
                let index_size = if version >= 1 {
                    usize::from(meta[p + 5] & 15)
                } else {
                    0
                };
                let count_size = if version < 2 { 2 } else { 4 };
                let items = read_be(&meta, p + 6, count_size);
                let mut q = p + 6 + count_size;
                for _ in 0..items {
                    q += count_size; // item ID has the same width as the count
                    let mut method = 0;
                    if version >= 1 {
                        method = read_be(&meta, q, 2) & 15;
                        q += 2;
                    }
                    q += 2; // data reference index
                    let base = read_be(&meta, q, base_size);
                    if method == 0 && base_size > 0 && base > 0 {
                        write_be(&mut meta, q, base_size, base + delta);
                    }
                    q += base_size;
                    let extents = read_be(&meta, q, 2);
                    q += 2;
                    for _ in 0..extents {
                        q += index_size;
                        if method == 0 && !(base_size > 0 && base > 0) {
                            let off = read_be(&meta, q, offset_size);
                            write_be(&mut meta, q, offset_size, off + delta);
                        }
                        q += offset_size + length_size;
                    }
                }
            }
            at += len;
        }
        out.extend_from_slice(&meta);
    }
    assert!(meta_seen, "no meta box");
    out
}
