//! Test-only helpers for Likeness: where the shared reference pack, the benchmark data sets,
//! the fetched models and the ONNX Runtime library live.
//!
//! Outside CI a test may skip when shared data are absent (it prints why); with `CI=true` the
//! data are always there, so a missing folder panics instead of skipping.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::path::{Path, PathBuf};

/// The repository root (this crate lives at `crates/testdata`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

fn in_ci() -> bool {
    std::env::var("CI")
        .map(|v| v == "true" || v == "1")
        .unwrap_or(false)
}

/// A prerequisite of a test is missing: outside CI the test skips (prints why, the caller
/// returns); with `CI=true` it must be there, so this panics and the test fails.
pub fn skip_or_fail(what: &str) {
    assert!(!in_ci(), "{what}; CI=true so this is a failure, not a skip");
    eprintln!("SKIP: {what}");
}

/// `../shared` beside the repository, or `$LIKENESS_SHARED`. `None` (with a message) when it
/// is absent outside CI; panics when absent in CI.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("LIKENESS_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared"));
    if dir.join("reference/README.md").is_file() {
        return Some(dir);
    }
    if in_ci() {
        panic!(
            "shared data not found at {} (set LIKENESS_SHARED); CI=true so this is a failure, not a skip",
            dir.display()
        );
    }
    eprintln!(
        "SKIP: shared data not found at {} (set LIKENESS_SHARED to run this test)",
        dir.display()
    );
    None
}

/// The reference pack (`shared/reference`).
pub fn reference_dir() -> Option<PathBuf> {
    shared_dir().map(|d| d.join("reference"))
}

/// A benchmark data set folder (`shared/data/<name>`), or `$LIKENESS_DATA/<name>`.
pub fn data_dir(name: &str) -> Option<PathBuf> {
    if let Some(root) = std::env::var_os("LIKENESS_DATA") {
        let p = PathBuf::from(root).join(name);
        if p.is_dir() {
            return Some(p);
        }
    }
    shared_dir().map(|d| d.join("data").join(name))
}

/// Folder the set-up script fetched models into (`models/data`), or `$LIKENESS_MODELS_DIR`.
/// Models are part of set-up, so a missing one is always a failure.
pub fn models_dir() -> PathBuf {
    let dir = std::env::var_os("LIKENESS_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("models/data"));
    assert!(
        dir.is_dir(),
        "models not found at {}: run scripts/setup.sh first",
        dir.display()
    );
    dir
}

/// The ONNX Runtime library fetched by set-up, or `$LIKENESS_ORT_LIBRARY`.
pub fn ort_library() -> PathBuf {
    let p = std::env::var_os("LIKENESS_ORT_LIBRARY")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("models/runtime/libonnxruntime.so"));
    assert!(
        p.exists(),
        "ONNX Runtime not found at {}: run scripts/setup.sh first",
        p.display()
    );
    p
}

/// Reads a JSON-lines file into values.
pub fn read_jsonl(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .collect()
}
