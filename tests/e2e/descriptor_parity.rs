//! Parity of alignment + embedding with dlib / face_recognition on the reference pack.
//! - chips: dlib's own 150×150 chips → our ONNX ResNet → within 1e-4 of dlib's descriptors;
//! - end to end on `image`-crate pixels: image + dlib's 5 landmarks → our chip (byte-equal to
//!   dlib's) → descriptor within 1e-4.
#![allow(clippy::print_stdout)] // tests print their measured numbers

use likeness_e2e::{pipeline, read_jsonl, reference_dir};
use likeness_vision::align::ChipAligner;
use likeness_vision::Point;
use sha2::{Digest, Sha256};

fn descriptor(v: &serde_json::Value) -> Vec<f32> {
    v["descriptor"]
        .as_array()
        .expect("descriptor")
        .iter()
        .map(|x| x.as_f64().expect("f64") as f32)
        .collect()
}

fn max_abs(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn descriptors_of_dlib_chips_match_dlib() {
    let Some(reference) = reference_dir() else {
        return;
    };
    let lines = read_jsonl(&reference.join("dlib.jsonl"));
    let chips: Vec<image::RgbImage> = lines
        .iter()
        .map(|l| {
            let p = reference.join(l["chip"].as_str().expect("chip"));
            image::open(&p)
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
                .to_rgb8()
        })
        .collect();
    let refs: Vec<&image::RgbImage> = chips.iter().collect();
    let ours = pipeline().embed_chips(&refs).expect("embed");
    assert_eq!(ours.len(), lines.len());
    let mut worst = 0f32;
    for (l, e) in lines.iter().zip(&ours) {
        let d = max_abs(&e.0, &descriptor(l));
        worst = worst.max(d);
        assert!(
            d < 1e-4,
            "{} face {}: max abs diff {d}",
            l["image"],
            l["face_index"]
        );
    }
    println!(
        "{} chips: worst max-abs component difference {worst:.3e}",
        lines.len()
    );
}

#[test]
fn end_to_end_from_landmarks_matches_dlib() {
    let Some(reference) = reference_dir() else {
        return;
    };
    let lines = read_jsonl(&reference.join("dlib_image_rs.jsonl"));
    let images: std::collections::HashMap<String, serde_json::Value> =
        read_jsonl(&reference.join("images.jsonl"))
            .into_iter()
            .map(|v| (v["image"].as_str().expect("image").to_string(), v))
            .collect();
    let aligner = ChipAligner::default();
    let mut chips = Vec::new();
    let mut current: Option<(String, image::RgbImage)> = None;
    for l in &lines {
        let name = l["image"].as_str().expect("image").to_string();
        if current.as_ref().map(|(n, _)| n != &name).unwrap_or(true) {
            let img = image::ImageReader::open(reference.join(&name))
                .expect("open")
                .with_guessed_format()
                .expect("sniff")
                .decode()
                .expect("decode")
                .to_rgb8();
            let hash = hex::encode(Sha256::digest(img.as_raw()));
            assert_eq!(
                hash,
                images[&name]["rgb_sha256_image_rs"].as_str().expect("hash"),
                "{name}: decoder differs"
            );
            current = Some((name.clone(), img));
        }
        let img = &current.as_ref().expect("image").1;
        let pts: Vec<Point> = l["landmarks5"]
            .as_array()
            .expect("landmarks")
            .iter()
            .map(|p| Point::new(p[0].as_f64().expect("x"), p[1].as_f64().expect("y")))
            .collect();
        let chip = aligner.chip_from_dlib_landmarks(img, &[pts[0], pts[1], pts[2], pts[3], pts[4]]);
        let hash = hex::encode(Sha256::digest(chip.as_raw()));
        assert_eq!(
            hash,
            l["chip_rgb_sha256"].as_str().expect("chip hash"),
            "{name} face {}: chip differs",
            l["face_index"]
        );
        chips.push(chip);
    }
    let refs: Vec<&image::RgbImage> = chips.iter().collect();
    let ours = pipeline().embed_chips(&refs).expect("embed");
    let mut worst = 0f32;
    let mut worst_dist = 0f32;
    for (l, e) in lines.iter().zip(&ours) {
        let theirs = descriptor(l);
        let d = max_abs(&e.0, &theirs);
        let dist = e.distance(&likeness_engine::Embedding(theirs));
        worst = worst.max(d);
        worst_dist = worst_dist.max(dist);
        assert!(
            d < 1e-4,
            "{} face {}: max abs diff {d}",
            l["image"],
            l["face_index"]
        );
        assert!(dist < 1e-3);
    }
    println!("{} faces end to end: chips byte-identical, worst component diff {worst:.3e}, worst distance {worst_dist:.3e}", lines.len());
}
