//! Reduced-size JPEG decoding (DCT scaling).
#![allow(clippy::print_stdout)] // tests print their measured numbers

mod common;

use common::{
    exif_block, jpeg_bytes, mean_abs_diff, photo_rgb, temp_dir, with_exif_app1, ExifSpec,
};
use likeness_imaging::{
    decode_photo, decode_photo_reduced, jpeg_reduction_for, DecodeLimits, OrientationMode,
};

fn big() -> image::RgbImage {
    let img = photo_rgb("obama.jpg"); // 910×1137
    image::imageops::resize(&img, 2730, 3411, image::imageops::FilterType::Triangle)
}

#[test]
fn reduction_keeps_the_long_side_at_least_the_minimum() {
    assert_eq!(jpeg_reduction_for(6000, 4000, 0), 1);
    assert_eq!(jpeg_reduction_for(6000, 4000, 1600), 2);
    assert_eq!(jpeg_reduction_for(6000, 4000, 1500), 4);
    assert_eq!(jpeg_reduction_for(4000, 6000, 750), 8);
    assert_eq!(jpeg_reduction_for(3000, 2000, 1600), 1);
    assert_eq!(jpeg_reduction_for(3201, 100, 1600), 2);
}

#[test]
fn reduced_jpeg_matches_a_downscaled_full_decode() {
    let img = big();
    let bytes = jpeg_bytes(&img);
    let path = temp_dir("reduced").join("big.jpg");
    let limits = DecodeLimits::default();
    let full = decode_photo(&bytes, &path, &limits, OrientationMode::Apply).expect("full");
    assert_eq!(full.reduction, 1);
    assert_eq!(full.full_size, (2730, 3411));
    for (min, want_reduction) in [(400, 8), (800, 4), (1600, 2), (1800, 1)] {
        let r = decode_photo_reduced(&bytes, &path, &limits, OrientationMode::Apply, min)
            .expect("reduced");
        assert_eq!(r.reduction, want_reduction, "min {min}");
        assert_eq!(r.full_size, (2730, 3411));
        assert_eq!(r.stored_size, (2730, 3411));
        let (w, h) = (
            2730u32.div_ceil(want_reduction),
            3411u32.div_ceil(want_reduction),
        );
        assert_eq!(r.image.dimensions(), (w, h), "min {min}");
        assert!(w.max(h) >= min);
        let down = image::imageops::thumbnail(&full.image, w, h);
        let diff = mean_abs_diff(&r.image, &down);
        println!(
            "1/{want_reduction}: {w}×{h}, mean abs diff to a downscaled full decode {diff:.2}"
        );
        assert!(diff < 4.0, "1/{want_reduction}: {diff}");
    }
}

#[test]
fn reduced_decode_applies_orientation_and_reports_the_upright_full_size() {
    let img = big();
    let spec = ExifSpec {
        orientation: Some(6),
        ..ExifSpec::default()
    };
    let bytes = with_exif_app1(&jpeg_bytes(&img), &exif_block(&spec, true));
    let path = temp_dir("reduced-o6").join("big.jpg");
    let limits = DecodeLimits::default();
    let r =
        decode_photo_reduced(&bytes, &path, &limits, OrientationMode::Apply, 800).expect("reduced");
    assert_eq!(r.reduction, 4);
    assert_eq!(r.full_size, (3411, 2730));
    assert_eq!(r.image.dimensions(), (853, 683));
    let kept = decode_photo_reduced(&bytes, &path, &limits, OrientationMode::Ignore, 800)
        .expect("reduced");
    assert_eq!(kept.full_size, (2730, 3411));
    assert_eq!(kept.image.dimensions(), (683, 853));
}

#[test]
fn other_formats_stay_full_size() {
    let dir = temp_dir("reduced-other");
    let img = big();
    let limits = DecodeLimits::default();
    let png = dir.join("big.png");
    img.save(&png).expect("png");
    let bytes = std::fs::read(&png).expect("read");
    let r = decode_photo_reduced(&bytes, &png, &limits, OrientationMode::Apply, 400).expect("png");
    assert_eq!(r.reduction, 1);
    assert_eq!(r.image.dimensions(), (2730, 3411));
}
