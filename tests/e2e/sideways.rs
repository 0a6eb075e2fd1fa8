//! Sideways photos (`EngineConfig::try_rotations`): a photo turned a quarter without any EXIF
//! orientation tag has no face upright; with the retry on, the face is found in the photo's
//! own frame and gives the same person's descriptor. A photo that carries an orientation
//! tag (even 1) is never retried.
#![allow(clippy::print_stdout)] // tests print their measured numbers

use std::sync::OnceLock;

use likeness_e2e::{iou, jpeg_with_orientation, models_dir, ort_library, temp_dir, test_photo};
use likeness_engine::{EngineConfig, FacePipeline, PhotoFaces};

/// One pipeline per setting (engine defaults otherwise: the default detector, CPU).
fn pipeline(try_rotations: bool) -> &'static FacePipeline {
    static OFF: OnceLock<FacePipeline> = OnceLock::new();
    static ON: OnceLock<FacePipeline> = OnceLock::new();
    let cell = if try_rotations { &ON } else { &OFF };
    cell.get_or_init(|| {
        let config = EngineConfig {
            models_dir: Some(models_dir()),
            ort_library: Some(ort_library()),
            provider: likeness_engine::ProviderPreference::CpuOnly,
            try_rotations,
            ..EngineConfig::default()
        };
        FacePipeline::open(&config).expect("pipeline loads")
    })
}

/// Index of the highest-scoring face (obama.jpg also gives MTCNN a weak second detection).
fn best(p: &PhotoFaces) -> Option<usize> {
    (0..p.faces.len()).max_by(|&a, &b| {
        p.faces[a]
            .detection
            .score
            .total_cmp(&p.faces[b].detection.score)
    })
}

fn bbox(p: &PhotoFaces, i: usize) -> [f64; 4] {
    let b = &p.faces[i].detection.bbox;
    [b.x1, b.y1, b.x2, b.y2]
}

/// `b`, a box in an image of width `w`, in that image turned 90° counter-clockwise
/// (`image::imageops::rotate270`: `(x, y)` → `(y, w − 1 − x)`).
fn turned_ccw90(b: [f64; 4], w: u32) -> [f64; 4] {
    let w = f64::from(w) - 1.0;
    [b[1], w - b[2], b[3], w - b[0]]
}

/// Plain JPEG (quality 95, no EXIF at all).
fn plain_jpeg(img: &image::RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95);
    img.write_with_encoder(enc).expect("encode");
    out
}

#[test]
fn a_sideways_photo_without_exif_is_found_turned_only_with_the_retry() {
    let dir = temp_dir("sideways");
    let up = image::open(test_photo("obama.jpg"))
        .expect("decode")
        .to_rgb8();
    let upright = pipeline(false)
        .analyze(&test_photo("obama.jpg"), true)
        .expect("upright");
    for f in &upright.faces {
        println!("upright: {:?} {}", f.detection.bbox, f.detection.score);
    }
    let main = best(&upright).expect("a face upright");

    // Turned 90° counter-clockwise: turned 90° clockwise, MTCNN still finds this face by
    // itself (score 0.74), so the retry would not run.
    let sideways = image::imageops::rotate270(&up);
    let path = dir.join("obama-ccw90.jpg");
    std::fs::write(&path, plain_jpeg(&sideways)).expect("write");

    let off = pipeline(false).analyze(&path, true).expect("retry off");
    for f in &off.faces {
        println!("retry off: {:?} {}", f.detection.bbox, f.detection.score);
    }
    assert!(
        off.faces.is_empty(),
        "the detector finds the sideways face by itself"
    );

    let on = pipeline(true).analyze(&path, true).expect("retry on");
    assert_eq!(
        (on.width, on.height),
        sideways.dimensions(),
        "frame unchanged"
    );
    // The turn gives what MTCNN finds upright: the face and the same weak second detection.
    assert_eq!(
        on.faces.len(),
        upright.faces.len(),
        "the retry finds the faces"
    );
    let found = best(&on).expect("a face");
    let expected = turned_ccw90(bbox(&upright, main), up.width());
    let overlap = iou(bbox(&on, found), expected);
    let distance = on.faces[found]
        .embedding
        .as_ref()
        .expect("embedding")
        .distance(upright.faces[main].embedding.as_ref().expect("embedding"));
    println!(
        "retry on: box {:?} vs upright box turned {expected:?}: IoU {overlap:.3}; descriptor distance to upright {distance:.3}",
        bbox(&on, found)
    );
    assert!(overlap > 0.7, "IoU {overlap}");
    assert!(distance < 0.35, "distance {distance}");
    let lm = &on.faces[found].detection.landmarks;
    // Turned 90° counter-clockwise, the top of the head points left: eyes left of the mouth.
    assert!(lm[0].x < lm[3].x && lm[1].x < lm[4].x, "landmarks {lm:?}");

    // The chip of the face found turned is upright (written for a look).
    let decoded = pipeline(true).decode(&path).expect("decode");
    let chip = pipeline(true).chip(&decoded.image, &on.faces[found].detection);
    chip.save(dir.join("chip-from-sideways.png")).expect("png");
    let chip_up = pipeline(false).chip(&up, &upright.faces[main].detection);
    chip_up.save(dir.join("chip-upright.png")).expect("png");
    println!("chips in {}", dir.display());
}

#[test]
fn a_photo_with_an_orientation_tag_is_not_retried() {
    let dir = temp_dir("sideways-tagged");
    let up = image::open(test_photo("obama.jpg"))
        .expect("decode")
        .to_rgb8();
    let sideways = image::imageops::rotate270(&up);
    // Orientation 1: the camera said the stored pixels are upright; trust it.
    let path = dir.join("obama-ccw90-o1.jpg");
    std::fs::write(&path, jpeg_with_orientation(&sideways, 1)).expect("write");
    let on = pipeline(true).analyze(&path, true).expect("analyze");
    assert_eq!(on.exif.orientation.0, 1);
    assert!(on.faces.is_empty(), "a tagged photo was retried");
}
