//! A GPU that fails in the middle of a run (out of memory, a driver error) sends the rest of
//! the run to the CPU: no photo is lost, the faces are the ones a CPU-only run finds, and the
//! progress says so. There is no GPU here, so the test hook `LIKENESS_TEST_GPU_FAULT_AFTER`
//! makes the pipeline's first sessions fail after some model runs, through the same path a
//! real CUDA error takes (`FacePipeline::infer`).
//!
//! One test per binary: the hook is an environment variable, read when a pipeline opens.
#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use likeness_e2e::{reference_dir, temp_dir};
use likeness_engine::catalog::Catalog;
use likeness_engine::{
    add_root, open_catalog, EngineConfig, FacePipeline, IndexControl, IndexProgress, Indexer,
    LibraryPaths, SystemClock, GPU_FAULT_ENV,
};

fn config() -> EngineConfig {
    EngineConfig {
        models_dir: Some(likeness_testdata::models_dir()),
        ort_library: Some(likeness_testdata::ort_library()),
        ..EngineConfig::default()
    }
}

/// Faces per photo file name: (count, embeddings).
type Faces = BTreeMap<String, Vec<Vec<f32>>>;

fn index(
    pipeline: &FacePipeline,
    images: &Path,
    name: &str,
) -> (Faces, Vec<IndexProgress>, u64, bool) {
    let dir = temp_dir(name);
    let paths = LibraryPaths::in_dir(&dir.join("lib"));
    let mut catalog = open_catalog(&paths).expect("catalog");
    let clock = SystemClock;
    add_root(&mut catalog, images, &clock).expect("root");
    let indexer = Indexer::new(pipeline, &paths, &clock);
    let mut samples = Vec::new();
    let (_, summary) = indexer
        .run(&mut catalog, &IndexControl::new(), &mut |p| {
            samples.push(p.clone())
        })
        .expect("indexed");
    println!("{name}: {summary:?}");
    assert_eq!(summary.errors, 0, "{name}: no photo may fail");
    (
        faces_of(&catalog, images),
        samples,
        summary.photos,
        summary.fell_back_to_cpu,
    )
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn faces_of(catalog: &Catalog, images: &Path) -> Faces {
    let canonical = std::fs::canonicalize(images).expect("canonical");
    let mut files = Vec::new();
    walk(&canonical, &mut files);
    let mut out = Faces::new();
    for file in files {
        let Some(photo) = catalog.photo_by_path(&file).expect("photo") else {
            continue;
        };
        let name = file
            .strip_prefix(&canonical)
            .expect("under")
            .display()
            .to_string();
        let faces = catalog.faces_of_photo(photo.id).expect("faces");
        out.insert(name, faces.into_iter().map(|f| f.embedding).collect());
    }
    out
}

#[test]
fn a_gpu_failure_mid_run_moves_the_rest_of_the_run_to_the_cpu_and_loses_no_photo() {
    let images = reference_dir()
        .expect("../shared/reference is needed for this test")
        .join("images");
    std::env::remove_var(GPU_FAULT_ENV);
    let plain = FacePipeline::open(&config()).expect("pipeline");
    let (want, plain_samples, photos, fell) = index(&plain, &images, "gpu-fallback-plain");
    assert!(!fell);
    assert!(plain_samples.iter().all(|p| !p.fell_back));
    drop(plain);

    // 40 model runs in: a few dozen photos are done, most are not.
    std::env::set_var(GPU_FAULT_ENV, "40");
    let failing = FacePipeline::open(&config()).expect("pipeline");
    std::env::remove_var(GPU_FAULT_ENV);
    let (got, samples, photos_after, fell) = index(&failing, &images, "gpu-fallback-failing");
    assert!(fell, "the run must report the fall-back");
    assert_eq!(photos_after, photos, "every photo is done");
    assert_eq!(got.len(), want.len(), "every photo is in the catalog");

    // The same faces as the CPU-only run (both run on the CPU here; batches may differ).
    let mut worst = 0f32;
    for (name, faces) in &want {
        let other = got.get(name).unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(other.len(), faces.len(), "{name}: face count");
        for (a, b) in faces.iter().zip(other) {
            for (x, y) in a.iter().zip(b) {
                worst = worst.max((x - y).abs());
            }
        }
    }
    println!("{} photos, worst embedding difference {worst:e}", got.len());
    assert!(worst < 1e-4, "embedding difference {worst}");

    // The progress shows the switch, with the reason, from the first sample after it on.
    let first = samples
        .iter()
        .position(|p| p.fell_back)
        .expect("a sample after the fall-back");
    assert!(first > 0, "the run started on the first sessions");
    let reason = samples[first].cpu_reason.clone().unwrap_or_default();
    println!("progress says: running on CPU: {reason}");
    assert!(
        reason.contains("GPU failed during this run") && reason.contains("no photo is lost"),
        "{reason}"
    );
    assert!(samples[first..].iter().all(|p| p.fell_back));

    // The next run tries the first sessions again (they fail at once, the hook being past its
    // count, and fall back again: the run still completes).
    assert!(failing.compute().fell_back);
    failing.reset_fall_back();
    assert!(!failing.compute().fell_back);
}
