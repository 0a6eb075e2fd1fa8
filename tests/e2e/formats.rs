//! Photo formats and memory-saving paths end to end: RAW previews and HEIC give the faces of
//! the photo they hold; big photos keep their faces with the detection cap and reduced
//! decoding, and each chip comes from the pixels it should (full resolution for small faces).
#![allow(clippy::print_stdout)] // tests print their measured numbers

#[path = "../../crates/imaging/tests/common/containers.rs"]
mod containers;

use std::path::Path;

use containers::{cr3, raf, tiff_raw, TiffRaw};
use image::RgbImage;
use likeness_e2e::{iou, models_dir, ort_library, pipeline, temp_dir, test_photo};
use likeness_engine::{DecodeLimits, EngineConfig, FacePipeline, PhotoFaces, FULL_RES_CHIP_BOX};

fn jpeg(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92);
    img.write_with_encoder(enc).expect("encode");
    out
}

fn bbox(f: &likeness_engine::FaceRecord) -> [f64; 4] {
    let b = &f.detection.bbox;
    [b.x1, b.y1, b.x2, b.y2]
}

fn analyze(p: &FacePipeline, path: &Path) -> PhotoFaces {
    p.analyze(path, true)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Faces of `got` match `want` one to one (same order): box IoU and descriptor distance.
fn assert_close(got: &PhotoFaces, want: &PhotoFaces, min_iou: f64, max_dist: f32, what: &str) {
    assert_eq!(got.faces.len(), want.faces.len(), "{what}: face count");
    for (g, w) in got.faces.iter().zip(&want.faces) {
        let overlap = iou(bbox(g), bbox(w));
        let d = g
            .embedding
            .as_ref()
            .expect("embedded")
            .distance(w.embedding.as_ref().expect("embedded"));
        println!("{what}: IoU {overlap:.3}, descriptor distance {d:.4}");
        assert!(overlap >= min_iou, "{what}: IoU {overlap}");
        assert!(d <= max_dist, "{what}: distance {d}");
    }
}

#[test]
fn raw_previews_give_exactly_the_faces_of_the_jpeg_itself() {
    let dir = temp_dir("formats-raw");
    let img = image::open(test_photo("obama3.jpg"))
        .expect("photo")
        .to_rgb8();
    let preview = jpeg(&img);
    let thumb = jpeg(&image::imageops::thumbnail(&img, 160, 120));
    let reference = dir.join("reference.jpg");
    std::fs::write(&reference, &preview).expect("write");
    let want = analyze(pipeline(), &reference);
    assert!(!want.faces.is_empty(), "no face in the reference");
    let mut files: Vec<(String, Vec<u8>)> = [
        TiffRaw::Cr2,
        TiffRaw::Nef,
        TiffRaw::Arw,
        TiffRaw::Dng,
        TiffRaw::Orf,
        TiffRaw::Rw2,
    ]
    .into_iter()
    .map(|k| {
        (
            format!("photo.{}", k.extension()),
            tiff_raw(k, &preview, &thumb, 1),
        )
    })
    .collect();
    files.push(("photo.raf".into(), raf(&preview)));
    files.push(("photo.cr3".into(), cr3(&preview, &thumb, 1)));
    for (name, bytes) in files {
        let path = dir.join(&name);
        std::fs::write(&path, bytes).expect("write");
        let got = analyze(pipeline(), &path);
        assert_eq!((got.width, got.height), (want.width, want.height), "{name}");
        assert_eq!(got.faces.len(), want.faces.len(), "{name}");
        for (g, w) in got.faces.iter().zip(&want.faces) {
            assert_eq!(g.detection, w.detection, "{name}");
            assert_eq!(g.embedding, w.embedding, "{name}");
        }
        println!("{name}: {} faces identical to the JPEG's", got.faces.len());
    }
}

#[test]
fn heic_gives_the_faces_of_its_source_photo() {
    let dir = temp_dir("formats-heic");
    let img = image::open(test_photo("obama.jpg"))
        .expect("photo")
        .to_rgb8();
    let png = dir.join("obama.png");
    img.save(&png).expect("png");
    let heic = dir.join("obama.heic");
    let status = std::process::Command::new("heif-enc")
        .args(["-q", "90", "-o"])
        .arg(&heic)
        .arg(&png)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("heif-enc (Debian libheif-examples) runs: run scripts/setup.sh");
    assert!(status.success());
    let want = analyze(pipeline(), &png);
    let got = analyze(pipeline(), &heic);
    assert!(!got.faces.is_empty(), "no face found in the HEIC");
    assert_close(&got, &want, 0.9, 0.15, "HEIC vs PNG");
}

fn custom(detect_max_side: u32, reduced_decode: bool) -> FacePipeline {
    FacePipeline::open(&EngineConfig {
        models_dir: Some(models_dir()),
        ort_library: Some(ort_library()),
        workers: 1,
        detect_max_side,
        reduced_decode,
        ..EngineConfig::default()
    })
    .expect("pipeline loads")
}

/// A 6000×4000 photo holding a real photo pasted at its own size: its faces are small in the
/// frame (about 250 px), as in a wide shot.
fn wide_shot(path: &Path) {
    let person = image::open(test_photo("obama2.jpg"))
        .expect("photo")
        .to_rgb8();
    let mut canvas = RgbImage::from_pixel(6000, 4000, image::Rgb([96, 110, 90]));
    image::imageops::overlay(&mut canvas, &person, 3100, 1900);
    std::fs::write(path, jpeg(&canvas)).expect("write");
}

/// A portrait upscaled to 3585×5833 (20.9 MP): a big face.
fn big_portrait(path: &Path) {
    let img = image::open(test_photo("obama3.jpg"))
        .expect("photo")
        .to_rgb8();
    let big = image::imageops::resize(&img, 3585, 5833, image::imageops::FilterType::Triangle);
    std::fs::write(path, jpeg(&big)).expect("write");
}

#[test]
fn capped_detection_keeps_the_faces_of_big_photos() {
    let dir = temp_dir("formats-cap");
    let wide = dir.join("wide.jpg");
    let portrait = dir.join("portrait.jpg");
    wide_shot(&wide);
    big_portrait(&portrait);
    let uncapped = custom(0, false);
    let capped = custom(1600, false);
    for path in [&wide, &portrait] {
        let full = analyze(&uncapped, path);
        let cap = analyze(&capped, path);
        let red = analyze(pipeline(), path);
        assert!(!full.faces.is_empty(), "{}: no face", path.display());
        assert_eq!((cap.width, cap.height), (full.width, full.height));
        assert_eq!((red.width, red.height), (full.width, full.height));
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        assert_close(&cap, &full, 0.8, 0.2, &format!("{name} cap 1600 vs none"));
        assert_close(
            &red,
            &cap,
            0.8,
            0.2,
            &format!("{name} reduced vs full decode"),
        );
    }
}

#[test]
fn chips_come_from_full_resolution_for_small_faces_only() {
    let dir = temp_dir("formats-chips");
    let wide = dir.join("wide.jpg");
    let portrait = dir.join("portrait.jpg");
    wide_shot(&wide);
    big_portrait(&portrait);
    let p = pipeline();
    let limits = DecodeLimits::default();
    let full = p.decode(&wide).expect("decode");
    let reduced = likeness_imaging::load_photo_reduced(
        &portrait,
        &limits,
        likeness_engine::OrientationMode::Apply,
        likeness_engine::DEFAULT_DETECT_MAX_SIDE,
    )
    .expect("reduced");
    assert_eq!(reduced.reduction, 2, "5833 px → 2917 px");

    // Small face (≈ 125 px in the 1/2 image): its chip is cut from the full-resolution image
    // with the full-frame detection.
    let got = analyze(p, &wide);
    assert_eq!(got.faces.len(), 1);
    let face = &got.faces[0];
    let side = (face.detection.bbox.x2 - face.detection.bbox.x1) / 2.0;
    assert!(side < FULL_RES_CHIP_BOX, "box {side} in the reduced frame");
    let chip = p.chip(&full.image, &face.detection);
    let own = &p.embed_chips(&[&chip]).expect("embed")[0];
    let d = own.distance(face.embedding.as_ref().expect("embedded"));
    println!("small face: distance to the full-resolution chip {d:.2e}");
    assert!(d < 1e-4, "{d}");

    // Big face: the chip is cut from the reduced image, in its frame.
    let got = analyze(p, &portrait);
    assert_eq!(got.faces.len(), 1);
    let face = &got.faces[0];
    let mut in_reduced = face.detection.clone();
    let (sx, sy) = (
        f64::from(reduced.image.width()) / f64::from(got.width),
        f64::from(reduced.image.height()) / f64::from(got.height),
    );
    let m = |v: f64, s: f64| (v + 0.5) * s - 0.5;
    in_reduced.bbox.x1 = m(in_reduced.bbox.x1, sx);
    in_reduced.bbox.x2 = m(in_reduced.bbox.x2, sx);
    in_reduced.bbox.y1 = m(in_reduced.bbox.y1, sy);
    in_reduced.bbox.y2 = m(in_reduced.bbox.y2, sy);
    for l in in_reduced.landmarks.iter_mut() {
        *l = likeness_engine::Point::new(m(l.x, sx), m(l.y, sy));
    }
    let side = in_reduced.bbox.x2 - in_reduced.bbox.x1;
    assert!(side >= FULL_RES_CHIP_BOX, "box {side} in the reduced frame");
    let chip = p.chip(&reduced.image, &in_reduced);
    let own = &p.embed_chips(&[&chip]).expect("embed")[0];
    let d = own.distance(face.embedding.as_ref().expect("embedded"));
    println!("big face: distance to the reduced-image chip {d:.2e}");
    assert!(d < 1e-3, "{d}");
}
