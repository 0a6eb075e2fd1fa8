//! HEIF/HEIC through libheif, on reference photos encoded in-test with `heif-enc`.
#![allow(clippy::print_stdout)] // tests print their measured numbers

mod common;

use common::{
    add_irot, exif_block, heif_enc, jpeg_bytes, mean_abs_diff, photo_rgb, stored_for_orientation,
    temp_dir, with_exif_app1, ExifSpec,
};
use likeness_imaging::{load_photo, load_photo_with, probe_photo, DecodeLimits, ImagingError};
use likeness_imaging::{OrientationMode, PhotoFormat};

#[test]
fn heic_decodes_to_the_photo_it_was_made_from() {
    let dir = temp_dir("heif-plain");
    let img = photo_rgb("obama.jpg");
    let png = dir.join("obama.png");
    img.save(&png).expect("png");
    // Named .jpg on purpose: the format is sniffed from the bytes.
    let heic = dir.join("obama-really-heic.jpg");
    heif_enc(&png, &heic, &[]);
    let photo = load_photo(&heic, &DecodeLimits::default()).expect("decode");
    assert_eq!(photo.format, PhotoFormat::Heif);
    assert_eq!(photo.stored_size, img.dimensions());
    let diff = mean_abs_diff(&photo.image, &img);
    println!("HEIC vs source: mean abs diff {diff:.2}");
    assert!(diff < 4.0, "mean abs diff {diff}");
    let probe = probe_photo(&heic, &DecodeLimits::default()).expect("probe");
    assert_eq!(probe.format, PhotoFormat::Heif);
    assert_eq!(probe.stored_size, img.dimensions());
}

#[test]
fn heic_orientation_is_applied_exactly_once() {
    let dir = temp_dir("heif-orientation");
    let up = photo_rgb("obama2.jpg");
    for o in [3u16, 6, 8] {
        // Phone-style HEIC: pixels stored rotated, the rotation in the container (`irot`) *and*
        // in the EXIF Orientation tag. heif-enc 1.15 keeps the stored pixels and copies the
        // EXIF block; the irot property is added here.
        let stored = stored_for_orientation(&up, o);
        let spec = ExifSpec {
            orientation: Some(o),
            make: Some("Apple"),
            ..ExifSpec::default()
        };
        let jpeg = dir.join(format!("o{o}.jpg"));
        std::fs::write(
            &jpeg,
            with_exif_app1(&jpeg_bytes(&stored), &exif_block(&spec, false)),
        )
        .expect("write");
        let plain = dir.join(format!("o{o}-no-irot.heic"));
        heif_enc(&jpeg, &plain, &[]);
        // EXIF 3 = 180°, 6 = display rotated 90° clockwise, 8 = 90° anti-clockwise; irot
        // counts anti-clockwise quarter turns.
        let angle = match o {
            3 => 2,
            6 => 3,
            _ => 1,
        };
        let heic = dir.join(format!("o{o}.heic"));
        std::fs::write(
            &heic,
            add_irot(&std::fs::read(&plain).expect("read"), angle),
        )
        .expect("write");
        for mode in [OrientationMode::Apply, OrientationMode::Ignore] {
            let photo = load_photo_with(&heic, &DecodeLimits::default(), mode).expect("decode");
            assert_eq!(photo.image.dimensions(), up.dimensions(), "o={o} {mode:?}");
            let diff = mean_abs_diff(&photo.image, &up);
            println!(
                "o={o} {mode:?}: EXIF orientation read {}, stored {:?}, mean abs diff to upright {diff:.2}",
                photo.exif.orientation.0, photo.stored_size
            );
            assert!(diff < 6.0, "o={o}: not upright (diff {diff})");
            assert_eq!(photo.exif.camera_make.as_deref(), Some("Apple"));
            assert_eq!(
                photo.exif.orientation.0 as u16, o,
                "EXIF tag still reported"
            );
            assert_eq!(photo.stored_size, stored.dimensions());
        }
        // Without irot the EXIF tag alone is not applied (HEIF readers ignore it): the
        // stored pixels come out as stored.
        let photo = load_photo(&plain, &DecodeLimits::default()).expect("decode");
        assert_eq!(photo.image.dimensions(), stored.dimensions());
        assert!(mean_abs_diff(&photo.image, &stored) < 6.0);
    }
}

#[test]
fn ten_bit_heic_decodes_to_8_bit_rgb() {
    let dir = temp_dir("heif-10bit");
    let img = photo_rgb("obama2.jpg");
    let wide = image::DynamicImage::ImageRgb8(img.clone()).to_rgb16();
    let png = dir.join("deep.png");
    wide.save(&png).expect("png16");
    let heic = dir.join("deep.heic");
    heif_enc(&png, &heic, &["-b", "10"]);
    let photo = load_photo(&heic, &DecodeLimits::default()).expect("decode");
    let diff = mean_abs_diff(&photo.image, &img);
    println!("10-bit HEIC vs source: mean abs diff {diff:.2}");
    assert!(diff < 4.0, "mean abs diff {diff}");
}

#[test]
fn pixel_limit_applies_to_heic_headers() {
    let dir = temp_dir("heif-limit");
    let img = photo_rgb("obama2.jpg");
    let png = dir.join("p.png");
    img.save(&png).expect("png");
    let heic = dir.join("p.heic");
    heif_enc(&png, &heic, &[]);
    let limits = DecodeLimits {
        max_pixels: u64::from(img.width()) * u64::from(img.height()) - 1,
        ..DecodeLimits::default()
    };
    for e in [
        load_photo(&heic, &limits).expect_err("over the limit"),
        probe_photo(&heic, &limits).expect_err("over the limit"),
    ] {
        assert!(matches!(e, ImagingError::TooLarge { .. }), "{e}");
        assert_eq!(e.path(), heic.as_path());
    }
}

#[test]
fn truncated_heic_is_a_decode_error_naming_the_file() {
    let dir = temp_dir("heif-truncated");
    let img = photo_rgb("obama2.jpg");
    let png = dir.join("p.png");
    img.save(&png).expect("png");
    let heic = dir.join("p.heic");
    heif_enc(&png, &heic, &[]);
    let bytes = std::fs::read(&heic).expect("read");
    let cut = dir.join("cut.heic");
    std::fs::write(&cut, &bytes[..bytes.len() / 3]).expect("write");
    let e = load_photo(&cut, &DecodeLimits::default()).expect_err("truncated");
    assert!(matches!(e, ImagingError::Decode { .. }), "{e}");
    assert!(e.to_string().contains("cut.heic"), "{e}");
}
