//! `probe_photo` reads headers only; `PHOTO_EXTENSIONS` lists what we decode.

mod common;

use common::{photo_rgb, temp_dir};
use likeness_imaging::{
    load_photo, probe_photo, DecodeLimits, ImagingError, PhotoFormat, PHOTO_EXTENSIONS,
};

#[test]
fn probe_gives_format_and_stored_size_of_each_image_crate_format() {
    let dir = temp_dir("probe");
    let img = photo_rgb("obama2.jpg");
    for (ext, format) in [
        ("jpg", PhotoFormat::Jpeg),
        ("png", PhotoFormat::Png),
        ("webp", PhotoFormat::WebP),
        ("tiff", PhotoFormat::Tiff),
        ("bmp", PhotoFormat::Bmp),
        ("gif", PhotoFormat::Gif),
    ] {
        let path = dir.join(format!("p.{ext}"));
        img.save(&path).expect("save");
        // Renamed: the format comes from the bytes.
        let renamed = dir.join(format!("{ext}-file.bin"));
        std::fs::rename(&path, &renamed).expect("rename");
        let probe = probe_photo(&renamed, &DecodeLimits::default()).expect("probe");
        assert_eq!(probe.format, format, "{ext}");
        assert_eq!(probe.stored_size, img.dimensions(), "{ext}");
        assert!(PHOTO_EXTENSIONS.contains(&ext), "{ext} listed");
    }
}

#[test]
fn probe_reads_only_the_header() {
    let dir = temp_dir("probe-header");
    let bytes = std::fs::read(common::test_photo("obama.jpg")).expect("read");
    // Keep the headers (APP1 EXIF, tables, SOF) but cut the entropy-coded data short (the
    // last SOS: the EXIF thumbnail has its own).
    let sos = bytes
        .windows(2)
        .rposition(|w| w == [0xFF, 0xDA])
        .expect("SOS");
    let path = dir.join("cut.jpg");
    std::fs::write(&path, &bytes[..sos + 64]).expect("write");
    let probe = probe_photo(&path, &DecodeLimits::default()).expect("probe");
    assert_eq!(probe.format, PhotoFormat::Jpeg);
    assert_eq!(probe.stored_size, (910, 1137));
    // The same limits as decoding: over the pixel limit is refused from the header.
    let limits = DecodeLimits {
        max_pixels: 910 * 1137 - 1,
        ..DecodeLimits::default()
    };
    let e = probe_photo(&path, &limits).expect_err("limit");
    assert!(matches!(e, ImagingError::TooLarge { .. }), "{e}");
}

#[test]
fn probe_errors_are_typed_and_name_the_file() {
    let dir = temp_dir("probe-bad");
    let empty = dir.join("empty.heic");
    std::fs::write(&empty, b"").expect("write");
    let text = dir.join("notes.cr3");
    std::fs::write(&text, "not a photo ".repeat(40)).expect("write");
    let missing = dir.join("missing.jpg");
    let e = probe_photo(&empty, &DecodeLimits::default()).expect_err("empty");
    assert!(matches!(e, ImagingError::Empty { .. }), "{e}");
    let e = probe_photo(&text, &DecodeLimits::default()).expect_err("text");
    assert!(matches!(e, ImagingError::UnknownFormat { .. }), "{e}");
    assert_eq!(e.path(), text.as_path());
    let e = probe_photo(&missing, &DecodeLimits::default()).expect_err("missing");
    assert!(matches!(e, ImagingError::Io { .. }), "{e}");
}

#[test]
fn extensions_are_lowercase_unique_and_cover_every_container() {
    let mut seen = std::collections::HashSet::new();
    for ext in PHOTO_EXTENSIONS {
        assert_eq!(*ext, ext.to_ascii_lowercase());
        assert!(!ext.starts_with('.'));
        assert!(seen.insert(*ext), "{ext} twice");
    }
    for ext in [
        "jpg", "jpeg", "png", "webp", "tif", "tiff", "bmp", "gif", "heic", "heif", "cr2", "cr3",
        "nef", "arw", "dng", "orf", "raf", "rw2",
    ] {
        assert!(PHOTO_EXTENSIONS.contains(&ext), "{ext} missing");
    }
    // And they decode: a JPEG named with each RAW-less, HEIF-less extension still loads.
    let dir = temp_dir("probe-ext");
    let src = common::test_photo("obama2.jpg");
    for ext in ["jpe", "jfif"] {
        let p = dir.join(format!("x.{ext}"));
        std::fs::copy(&src, &p).expect("copy");
        assert!(load_photo(&p, &DecodeLimits::default()).is_ok(), "{ext}");
    }
}
