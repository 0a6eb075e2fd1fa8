//! EXIF orientation: the same photo stored with each of the 8 orientation values gives the
//! same faces, in the upright frame.
#![allow(clippy::print_stdout)] // tests print their measured numbers

use likeness_e2e::{
    iou, jpeg_with_orientation, pipeline, png_with_orientation, stored_for_orientation, temp_dir,
    test_photo,
};
use likeness_engine::PhotoFaces;

fn upright() -> image::RgbImage {
    image::open(test_photo("obama2.jpg"))
        .expect("decode")
        .to_rgb8()
}

fn boxes(p: &PhotoFaces) -> Vec<[f64; 4]> {
    p.faces
        .iter()
        .map(|f| {
            [
                f.detection.bbox.x1,
                f.detection.bbox.y1,
                f.detection.bbox.x2,
                f.detection.bbox.y2,
            ]
        })
        .collect()
}

#[test]
fn png_with_each_orientation_gives_identical_faces() {
    let dir = temp_dir("orientation-png");
    let up = upright();
    let base_path = dir.join("upright.png");
    std::fs::write(&base_path, png_with_orientation(&up, 1)).expect("write");
    let base = pipeline().analyze(&base_path, true).expect("upright");
    assert!(!base.faces.is_empty(), "no face in the upright photo");
    for o in 1..=8u16 {
        let stored = stored_for_orientation(&up, o);
        let path = dir.join(format!("o{o}.png"));
        std::fs::write(&path, png_with_orientation(&stored, o)).expect("write");
        let got = pipeline().analyze(&path, true).expect("analyze");
        assert_eq!(
            got.exif.orientation.0 as u16, o,
            "orientation tag read back"
        );
        assert_eq!(
            (got.width, got.height),
            (up.width(), up.height()),
            "upright size for o={o}"
        );
        assert_eq!(got.faces.len(), base.faces.len(), "face count for o={o}");
        for (a, b) in got.faces.iter().zip(&base.faces) {
            // Same pixels after orientation → bit-identical detections and descriptors.
            assert_eq!(a.detection, b.detection, "o={o}");
            assert_eq!(a.embedding, b.embedding, "o={o}");
        }
        println!("orientation {o}: {} faces identical", got.faces.len());
    }
}

#[test]
fn jpeg_with_each_orientation_gives_the_same_faces() {
    let dir = temp_dir("orientation-jpeg");
    let up = upright();
    let base_path = dir.join("o1.jpg");
    std::fs::write(&base_path, jpeg_with_orientation(&up, 1)).expect("write");
    let base = pipeline().analyze(&base_path, true).expect("upright");
    let base_boxes = boxes(&base);
    for o in 2..=8u16 {
        let stored = stored_for_orientation(&up, o);
        let path = dir.join(format!("o{o}.jpg"));
        std::fs::write(&path, jpeg_with_orientation(&stored, o)).expect("write");
        let got = pipeline().analyze(&path, true).expect("analyze");
        assert_eq!(got.exif.orientation.0 as u16, o);
        assert_eq!((got.width, got.height), (up.width(), up.height()));
        assert_eq!(got.faces.len(), base.faces.len(), "face count for o={o}");
        // JPEG blocks fall differently on rotated pixels, so allow encoder noise.
        for (f, b) in got.faces.iter().zip(&base_boxes) {
            let gb = [
                f.detection.bbox.x1,
                f.detection.bbox.y1,
                f.detection.bbox.x2,
                f.detection.bbox.y2,
            ];
            let overlap = iou(gb, *b);
            assert!(overlap > 0.9, "o={o}: IoU {overlap}");
        }
        let d = got.faces[0]
            .embedding
            .as_ref()
            .expect("embedded")
            .distance(base.faces[0].embedding.as_ref().expect("embedded"));
        println!("orientation {o}: IoU ok, descriptor distance to upright {d:.4}");
        assert!(d < 0.15, "o={o}: descriptor moved by {d}");
    }
}
