//! Bad input never panics: each file gives a correct result or a typed error naming it.
#![allow(clippy::print_stdout)] // tests print their measured numbers

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use likeness_e2e::{cmyk_jpeg, huge_png, pipeline, reference_dir, temp_dir, test_photo};
use likeness_engine::{EngineError, ImagingError, PhotoFaces};

fn analyze(path: &Path) -> Result<PhotoFaces, EngineError> {
    pipeline().analyze(path, true)
}

fn assert_names_file(e: &EngineError, path: &Path) {
    let msg = e.to_string();
    assert!(
        msg.contains(&path.display().to_string()),
        "error does not name the file: {msg}"
    );
}

fn obama() -> image::RgbImage {
    image::open(test_photo("obama.jpg"))
        .expect("decode")
        .to_rgb8()
}

#[test]
fn zero_byte_file_is_empty() {
    let dir = temp_dir("bad-empty");
    let p = dir.join("empty.jpg");
    std::fs::write(&p, b"").expect("write");
    let e = analyze(&p).expect_err("empty file must fail");
    assert!(
        matches!(e, EngineError::Imaging(ImagingError::Empty { .. })),
        "{e}"
    );
    assert_names_file(&e, &p);
}

#[test]
fn text_named_jpg_is_unknown_format() {
    let dir = temp_dir("bad-text");
    let p = dir.join("notes.jpg");
    std::fs::write(&p, "these are not pixels\n".repeat(50)).expect("write");
    let e = analyze(&p).expect_err("text must fail");
    assert!(
        matches!(e, EngineError::Imaging(ImagingError::UnknownFormat { .. })),
        "{e}"
    );
    assert_names_file(&e, &p);
}

#[test]
fn truncated_jpeg_is_a_decode_error_or_a_partial_image() {
    let dir = temp_dir("bad-truncated");
    let bytes = std::fs::read(test_photo("obama.jpg")).expect("read");
    for (i, keep) in [bytes.len() / 2, 1000, 200].into_iter().enumerate() {
        let p = dir.join(format!("truncated{i}.jpg"));
        std::fs::write(&p, &bytes[..keep]).expect("write");
        match analyze(&p) {
            Ok(photo) => println!(
                "{}: decoded partially, {} faces",
                p.display(),
                photo.faces.len()
            ),
            Err(e) => {
                println!("{e}");
                assert!(
                    matches!(e, EngineError::Imaging(ImagingError::Decode { .. })),
                    "{e}"
                );
                assert_names_file(&e, &p);
            }
        }
    }
}

#[test]
fn decompression_bomb_is_refused_before_decoding() {
    let dir = temp_dir("bad-bomb");
    let p = dir.join("huge.png");
    huge_png(&p, 20_000, 20_000);
    let size = std::fs::metadata(&p).expect("meta").len();
    println!("20000×20000 PNG is {size} bytes on disk");
    let e = analyze(&p).expect_err("bomb must be refused");
    assert!(
        matches!(
            e,
            EngineError::Imaging(ImagingError::TooLarge {
                width: 20_000,
                height: 20_000,
                ..
            })
        ),
        "{e}"
    );
    assert_names_file(&e, &p);
}

fn faces_like_original(path: &Path) {
    let photo = analyze(path).unwrap_or_else(|e| panic!("{e}"));
    let original = analyze(&test_photo("obama.jpg")).expect("original");
    let main = |p: &PhotoFaces| {
        p.faces
            .iter()
            .max_by(|a, b| a.detection.bbox.area().total_cmp(&b.detection.bbox.area()))
            .cloned()
            .expect("a face")
    };
    let (a, b) = (main(&photo), main(&original));
    let iou = a.detection.bbox.iou(&b.detection.bbox);
    let d = a
        .embedding
        .as_ref()
        .expect("emb")
        .distance(b.embedding.as_ref().expect("emb"));
    println!(
        "{}: {} faces, main face IoU {iou:.3}, distance {d:.3}",
        path.display(),
        photo.faces.len()
    );
    assert!(iou > 0.8, "{}: IoU {iou}", path.display());
    assert!(d < 0.6, "{}: distance {d}", path.display());
}

#[test]
fn grayscale_png_finds_the_face() {
    let dir = temp_dir("bad-grey");
    let p = dir.join("grey.png");
    image::DynamicImage::ImageRgb8(obama())
        .to_luma8()
        .save(&p)
        .expect("save");
    faces_like_original(&p);
}

#[test]
fn sixteen_bit_png_finds_the_face() {
    let dir = temp_dir("bad-16bit");
    let p = dir.join("rgb16.png");
    image::DynamicImage::ImageRgb8(obama())
        .to_rgb16()
        .save(&p)
        .expect("save");
    faces_like_original(&p);
}

#[test]
fn png_with_alpha_finds_the_face() {
    let dir = temp_dir("bad-alpha");
    let p = dir.join("rgba.png");
    let mut rgba = image::DynamicImage::ImageRgb8(obama()).to_rgba8();
    for (x, _, px) in rgba.enumerate_pixels_mut() {
        px.0[3] = if x % 2 == 0 { 255 } else { 128 };
    }
    rgba.save(&p).expect("save");
    faces_like_original(&p);
}

#[test]
fn cmyk_jpeg_finds_the_face() {
    let dir = temp_dir("bad-cmyk");
    let p = dir.join("cmyk.jpg");
    cmyk_jpeg(&p, &obama());
    faces_like_original(&p);
}

#[test]
fn photo_without_a_face_gives_no_face() {
    let path: PathBuf = match reference_dir() {
        Some(r) => r.join("images/dlib_faces_det/dogs.jpg"),
        None => return,
    };
    let photo = analyze(&path).expect("dogs decode");
    assert!(
        photo.faces.is_empty(),
        "found {} faces on dogs.jpg",
        photo.faces.len()
    );
}

#[test]
fn a_batch_with_every_bad_file_finishes_and_reports_each() {
    let dir = temp_dir("bad-batch");
    let empty = dir.join("empty.jpg");
    std::fs::write(&empty, b"").expect("write");
    let text = dir.join("text.jpg");
    std::fs::write(&text, "hello").expect("write");
    let bomb = dir.join("bomb.png");
    huge_png(&bomb, 20_000, 20_000);
    let missing = dir.join("missing.jpg");
    let good = test_photo("obama.jpg");
    let paths = vec![empty, good.clone(), text, bomb, missing, good];
    let results = pipeline().analyze_batch(&paths, true, &AtomicBool::new(false), &mut |_| {});
    assert_eq!(results.len(), paths.len());
    let ok: Vec<bool> = results.iter().map(Result::is_ok).collect();
    assert_eq!(ok, vec![false, true, false, false, false, true]);
    for (p, r) in paths.iter().zip(&results) {
        if let Err(e) = r {
            assert_names_file(e, p);
        }
    }
    assert!(results[1]
        .as_ref()
        .expect("good")
        .faces
        .iter()
        .all(|f| f.embedding.is_some()));
}
