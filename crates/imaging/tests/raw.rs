//! Camera RAW files: the largest embedded JPEG preview is decoded and oriented by the RAW's
//! own EXIF. Containers are built in-test around real JPEGs of a reference photo.

mod common;

use common::containers::{cr3, raf, tiff_raw, TiffRaw};
use common::{
    exif_block, jpeg_bytes, photo_rgb, stored_for_orientation, temp_dir, with_exif_app1, ExifSpec,
};
use likeness_imaging::{
    load_photo, probe_photo, sniff_photo_format, DecodeLimits, ImagingError, PhotoFormat, RawFormat,
};

/// The preview as the camera would store it (pixels in sensor orientation) with a *wrong*
/// EXIF orientation inside the preview itself, which must be ignored; the same JPEG carrying
/// the right orientation, as a standalone file, is the expected result.
struct Fixture {
    preview: Vec<u8>,
    thumb: Vec<u8>,
    reference: std::path::PathBuf,
}

fn fixture(dir: &std::path::Path, orientation: u16) -> Fixture {
    let up = photo_rgb("obama.jpg");
    let stored = stored_for_orientation(&up, orientation);
    let plain = jpeg_bytes(&stored);
    let wrong = ExifSpec {
        orientation: Some(if orientation == 3 { 1 } else { 3 }),
        ..ExifSpec::default()
    };
    let right = ExifSpec {
        orientation: Some(orientation),
        ..ExifSpec::default()
    };
    let reference = dir.join(format!("reference-o{orientation}.jpg"));
    std::fs::write(
        &reference,
        with_exif_app1(&plain, &exif_block(&right, true)),
    )
    .expect("w");
    let thumb = jpeg_bytes(&image::imageops::thumbnail(&stored, 160, 120));
    Fixture {
        preview: with_exif_app1(&plain, &exif_block(&wrong, true)),
        thumb,
        reference,
    }
}

fn expected(f: &Fixture) -> image::RgbImage {
    load_photo(&f.reference, &DecodeLimits::default())
        .expect("reference")
        .image
}

#[test]
fn tiff_based_raws_decode_their_largest_preview_with_ifd0_orientation() {
    let dir = temp_dir("raw-tiff");
    let f = fixture(&dir, 6);
    let want = expected(&f);
    for (kind, format) in [
        (TiffRaw::Cr2, RawFormat::Cr2),
        (TiffRaw::Nef, RawFormat::Nef),
        (TiffRaw::Arw, RawFormat::Arw),
        (TiffRaw::Dng, RawFormat::Dng),
        (TiffRaw::Orf, RawFormat::Orf),
        (TiffRaw::Rw2, RawFormat::Rw2),
    ] {
        let path = dir.join(format!("photo.{}", kind.extension()));
        std::fs::write(&path, tiff_raw(kind, &f.preview, &f.thumb, 6)).expect("write");
        let photo =
            load_photo(&path, &DecodeLimits::default()).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert_eq!(photo.format, PhotoFormat::Raw(format), "{kind:?}");
        assert_eq!(photo.exif.orientation.0, 6, "{kind:?}");
        assert_eq!(photo.exif.camera_model.as_deref(), Some("Test Body"));
        assert_eq!(
            photo.exif.taken_at_iso().as_deref(),
            Some("2022-08-09T10:11:12")
        );
        assert!(
            photo.image == want,
            "{kind:?}: pixels differ from the JPEG itself"
        );
        let probe = probe_photo(&path, &DecodeLimits::default()).expect("probe");
        assert_eq!(probe.format, PhotoFormat::Raw(format));
        assert_eq!(probe.stored_size, photo.stored_size);
        assert_eq!(photo.stored_size, (want.height(), want.width()));
    }
}

#[test]
fn cr2_and_dng_are_recognised_from_bytes_whatever_the_name() {
    let dir = temp_dir("raw-sniff");
    let f = fixture(&dir, 1);
    let cr2 = tiff_raw(TiffRaw::Cr2, &f.preview, &f.thumb, 1);
    let dng = tiff_raw(TiffRaw::Dng, &f.preview, &f.thumb, 1);
    let nef = tiff_raw(TiffRaw::Nef, &f.preview, &f.thumb, 1);
    let named = std::path::Path::new("x.tif");
    assert_eq!(
        sniff_photo_format(&cr2, named),
        Some(PhotoFormat::Raw(RawFormat::Cr2))
    );
    assert_eq!(
        sniff_photo_format(&dng, named),
        Some(PhotoFormat::Raw(RawFormat::Dng))
    );
    // A NEF is a TIFF by its bytes: only the extension tells.
    assert_eq!(sniff_photo_format(&nef, named), Some(PhotoFormat::Tiff));
    assert_eq!(
        sniff_photo_format(&nef, std::path::Path::new("x.NEF")),
        Some(PhotoFormat::Raw(RawFormat::Nef))
    );
    // RAF and CR3 are known from their magic even under a wrong name.
    assert_eq!(
        sniff_photo_format(&raf(&f.preview), named),
        Some(PhotoFormat::Raw(RawFormat::Raf))
    );
    assert_eq!(
        sniff_photo_format(&cr3(&f.preview, &f.thumb, 1), named),
        Some(PhotoFormat::Raw(RawFormat::Cr3))
    );
}

#[test]
fn raf_uses_the_header_jpeg_and_its_exif() {
    let dir = temp_dir("raw-raf");
    let up = photo_rgb("obama.jpg");
    let stored = stored_for_orientation(&up, 8);
    let spec = ExifSpec {
        orientation: Some(8),
        make: Some("FUJIFILM"),
        date_time_original: Some("2020:10:11 12:13:14"),
        gps: Some((35.0, 139.5)),
        ..ExifSpec::default()
    };
    let jpeg = with_exif_app1(&jpeg_bytes(&stored), &exif_block(&spec, false));
    let reference = dir.join("reference.jpg");
    std::fs::write(&reference, &jpeg).expect("w");
    let path = dir.join("DSCF0001.RAF");
    std::fs::write(&path, raf(&jpeg)).expect("w");
    let photo = load_photo(&path, &DecodeLimits::default()).expect("decode");
    let want = load_photo(&reference, &DecodeLimits::default()).expect("decode");
    assert_eq!(photo.format, PhotoFormat::Raw(RawFormat::Raf));
    assert_eq!(photo.exif, want.exif);
    assert!(photo.image == want.image);
    assert_eq!(photo.image.dimensions(), up.dimensions());
}

#[test]
fn cr3_takes_the_larger_of_prvw_and_thmb_with_cmt_exif() {
    let dir = temp_dir("raw-cr3");
    let f = fixture(&dir, 8);
    let want = expected(&f);
    let path = dir.join("IMG_0001.CR3");
    std::fs::write(&path, cr3(&f.preview, &f.thumb, 8)).expect("w");
    let photo = load_photo(&path, &DecodeLimits::default()).expect("decode");
    assert_eq!(photo.format, PhotoFormat::Raw(RawFormat::Cr3));
    assert_eq!(photo.exif.orientation.0, 8);
    assert_eq!(photo.exif.camera_model.as_deref(), Some("Canon EOS R6"));
    assert_eq!(
        photo.exif.taken_at_iso().as_deref(),
        Some("2023-04-05T06:07:08")
    );
    let (lat, lon) = photo.exif.gps.expect("CMT4 GPS");
    assert!(
        (lat + (35.0 + 39.0 / 60.0 + 31.05 / 3600.0)).abs() < 1e-9,
        "{lat}"
    );
    assert!(
        (lon - (139.0 + 42.0 / 60.0 + 4.5 / 3600.0)).abs() < 1e-9,
        "{lon}"
    );
    assert!(photo.image == want);
    // With the PRVW box gone, THMB is what is left.
    let mut no_prvw = cr3(&f.preview, &f.thumb, 8);
    let at = no_prvw.windows(4).position(|w| w == b"PRVW").expect("PRVW");
    no_prvw[at..at + 4].copy_from_slice(b"XXXX");
    let path = dir.join("thumb-only.cr3");
    std::fs::write(&path, no_prvw).expect("w");
    let photo = load_photo(&path, &DecodeLimits::default()).expect("decode");
    assert_eq!(photo.stored_size, (160, 120));
    // Orientation 8 still applies: the upright thumbnail is 120 wide.
    assert_eq!(photo.image.dimensions(), (120, 160));
}

#[test]
fn raw_without_preview_is_a_typed_error() {
    let dir = temp_dir("raw-none");
    let f = fixture(&dir, 1);
    let path = dir.join("sensor-only.nef");
    std::fs::write(
        &path,
        tiff_raw(TiffRaw::NefWithoutPreview, &f.preview, &f.thumb, 1),
    )
    .expect("w");
    // The thumbnail blob is present but referenced by nothing: only sensor data is.
    for e in [
        load_photo(&path, &DecodeLimits::default()).expect_err("no preview"),
        probe_photo(&path, &DecodeLimits::default())
            .map(|_| ())
            .expect_err("no preview"),
    ] {
        assert!(
            matches!(&e, ImagingError::NoPreview { path: p, .. } if p == &path),
            "{e}"
        );
        assert!(e.to_string().contains("sensor-only.nef"));
    }
    // A RAF whose JPEG pointer leads outside the file.
    let mut broken = raf(&f.preview);
    broken[0x54..0x58].copy_from_slice(&u32::MAX.to_be_bytes());
    let path = dir.join("broken.raf");
    std::fs::write(&path, broken).expect("w");
    let e = load_photo(&path, &DecodeLimits::default()).expect_err("no preview");
    assert!(matches!(e, ImagingError::NoPreview { .. }), "{e}");
}

#[test]
fn pixel_limit_applies_to_the_preview() {
    let dir = temp_dir("raw-limit");
    let f = fixture(&dir, 1);
    let path = dir.join("big.arw");
    std::fs::write(&path, tiff_raw(TiffRaw::Arw, &f.preview, &f.thumb, 1)).expect("w");
    let full = load_photo(&path, &DecodeLimits::default()).expect("decode");
    let (w, h) = full.stored_size;
    let limits = DecodeLimits {
        max_pixels: u64::from(w) * u64::from(h) - 1,
        ..DecodeLimits::default()
    };
    let e = load_photo(&path, &limits).expect_err("too large");
    assert!(matches!(e, ImagingError::TooLarge { .. }), "{e}");
}
