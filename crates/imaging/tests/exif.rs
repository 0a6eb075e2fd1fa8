//! EXIF facts read from real photos carrying EXIF blocks written by kamadak-exif's writer.

mod common;

use common::{exif_block, jpeg_bytes, photo_rgb, temp_dir, with_exif_app1, ExifSpec};
use likeness_imaging::{load_photo, DecodeLimits};

fn load(name: &str, bytes: &[u8]) -> likeness_imaging::DecodedPhoto {
    // One folder per file: `temp_dir` empties its folder, and the tests run in parallel.
    let path = temp_dir(&format!("exif-{name}")).join(name);
    std::fs::write(&path, bytes).expect("write");
    load_photo(&path, &DecodeLimits::default()).expect("decode")
}

#[test]
fn gps_date_camera_and_orientation_are_read() {
    let img = photo_rgb("obama2.jpg");
    for (i, (lat, lon)) in [
        (48.858_37, 2.294_481),
        (-33.856_784, 151.215_297),
        (40.689_247, -74.044_502),
        (-22.951_916, -43.210_487),
    ]
    .into_iter()
    .enumerate()
    {
        let spec = ExifSpec {
            orientation: Some(1),
            make: Some("Canon"),
            model: Some("Canon EOS R5"),
            date_time: Some("2023:01:02 03:04:05"),
            date_time_original: Some("2021:06:21 12:30:45"),
            gps: Some((lat, lon)),
        };
        let bytes = with_exif_app1(&jpeg_bytes(&img), &exif_block(&spec, i % 2 == 0));
        let photo = load(&format!("gps{i}.jpg"), &bytes);
        let exif = &photo.exif;
        let (got_lat, got_lon) = exif.gps.expect("gps read");
        assert!((got_lat - lat).abs() < 1e-6, "{got_lat} vs {lat}");
        assert!((got_lon - lon).abs() < 1e-6, "{got_lon} vs {lon}");
        assert_eq!(exif.date_taken.as_deref(), Some("2021:06:21 12:30:45"));
        assert_eq!(exif.taken_at_iso().as_deref(), Some("2021-06-21T12:30:45"));
        assert_eq!(exif.camera_make.as_deref(), Some("Canon"));
        assert_eq!(exif.camera_model.as_deref(), Some("Canon EOS R5"));
        assert_eq!(photo.image.dimensions(), img.dimensions());
    }
}

#[test]
fn date_time_is_the_fallback_and_missing_gps_is_none() {
    let img = photo_rgb("obama2.jpg");
    let spec = ExifSpec {
        orientation: Some(6),
        date_time: Some("2018:11:30 07:08:09"),
        ..ExifSpec::default()
    };
    let bytes = with_exif_app1(&jpeg_bytes(&img), &exif_block(&spec, false));
    let photo = load("fallback.jpg", &bytes);
    assert_eq!(
        photo.exif.date_taken.as_deref(),
        Some("2018:11:30 07:08:09")
    );
    assert_eq!(
        photo.exif.taken_at_iso().as_deref(),
        Some("2018-11-30T07:08:09")
    );
    assert_eq!(photo.exif.gps, None);
    assert_eq!(photo.exif.orientation.0, 6);
    // Orientation 6 swaps axes in the upright frame.
    assert_eq!(photo.image.width(), img.height());
}

#[test]
fn zeroed_date_has_no_iso_form() {
    let img = photo_rgb("obama2.jpg");
    let spec = ExifSpec {
        date_time_original: Some("0000:00:00 00:00:00"),
        ..ExifSpec::default()
    };
    let bytes = with_exif_app1(&jpeg_bytes(&img), &exif_block(&spec, true));
    let photo = load("zeroed.jpg", &bytes);
    assert_eq!(
        photo.exif.date_taken.as_deref(),
        Some("0000:00:00 00:00:00")
    );
    assert_eq!(photo.exif.taken_at_iso(), None);
}

#[test]
fn real_camera_exif_of_a_reference_photo() {
    // obama.jpg carries its original Canon EOS 5D Mark III EXIF.
    let photo =
        likeness_imaging::load_photo(&common::test_photo("obama.jpg"), &DecodeLimits::default())
            .expect("decode");
    assert_eq!(photo.exif.camera_make.as_deref(), Some("Canon"));
    assert_eq!(
        photo.exif.camera_model.as_deref(),
        Some("Canon EOS 5D Mark III")
    );
    // DateTimeOriginal wins over the later DateTime (2017:03:02 16:27:12, an edit).
    assert_eq!(
        photo.exif.date_taken.as_deref(),
        Some("2012:12:06 15:46:01")
    );
    assert_eq!(
        photo.exif.taken_at_iso().as_deref(),
        Some("2012-12-06T15:46:01")
    );
    assert_eq!(photo.exif.gps, None);
}
