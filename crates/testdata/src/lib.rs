//! Test-only helpers for Likeness: where the shared reference pack, the benchmark data sets,
//! the fetched models and the ONNX Runtime library live, and the one rule for a missing
//! prerequisite.
//!
//! **Tests are strict by default.** A missing prerequisite — the shared reference pack or a data
//! set, a tool such as exiftool, heif-enc, strace or Xvfb — fails the test ([`skip_or_fail`]).
//! A developer without them may opt out with `LIKENESS_ALLOW_SKIP=1`: the test then prints
//! `SKIP: …` and returns early (passes). `CI=true` (or `CI=1`) is always strict, opt-out or not.
//! Models and the ONNX Runtime library are part of set-up: a missing one always fails.
//!
//! Every test that may return early on a missing prerequisite decides it here, never with its
//! own `CI` check or a quiet `return`.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::path::{Path, PathBuf};

/// The repository root (this crate lives at `crates/testdata`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

/// True under continuous integration (`CI=true` or `CI=1`).
pub fn in_ci() -> bool {
    is_on(std::env::var("CI").ok().as_deref())
}

/// True when a missing prerequisite may be a skip: `LIKENESS_ALLOW_SKIP=1` (or `true`) and not
/// in CI.
pub fn skips_allowed() -> bool {
    decide(
        std::env::var("CI").ok().as_deref(),
        std::env::var("LIKENESS_ALLOW_SKIP").ok().as_deref(),
    ) == Missing::Skip
}

fn is_on(v: Option<&str>) -> bool {
    matches!(v, Some("1" | "true"))
}

/// What a missing prerequisite is.
#[derive(Debug, PartialEq, Eq)]
enum Missing {
    /// CI: always a failure.
    FailInCi,
    /// The default: a failure.
    Fail,
    /// The developer opted out (`LIKENESS_ALLOW_SKIP=1`, not in CI).
    Skip,
}

/// The rule, from the values of `CI` and `LIKENESS_ALLOW_SKIP`.
fn decide(ci: Option<&str>, allow_skip: Option<&str>) -> Missing {
    if is_on(ci) {
        Missing::FailInCi
    } else if is_on(allow_skip) {
        Missing::Skip
    } else {
        Missing::Fail
    }
}

/// A prerequisite of a test is missing. Strict (the default, and always with `CI=true`): this
/// panics, so the test fails with `what`. With `LIKENESS_ALLOW_SKIP=1` outside CI it prints
/// `SKIP: what` and returns; the caller then returns early.
pub fn skip_or_fail(what: &str) {
    match decide(
        std::env::var("CI").ok().as_deref(),
        std::env::var("LIKENESS_ALLOW_SKIP").ok().as_deref(),
    ) {
        Missing::FailInCi => panic!("{what}; CI=true, so this is a failure, not a skip"),
        Missing::Fail => {
            panic!("{what} (set LIKENESS_ALLOW_SKIP=1 to skip this test instead of failing)")
        }
        Missing::Skip => eprintln!("SKIP: {what}"),
    }
}

/// True when `program` runs (`program version_arg` exits 0). Missing: [`skip_or_fail`] with
/// `install` as the hint, then false.
pub fn have_program(program: &str, version_arg: &str, install: &str) -> bool {
    let ok = std::process::Command::new(program)
        .arg(version_arg)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        skip_or_fail(&format!("{program} not found ({install})"));
    }
    ok
}

/// `../shared` beside the repository, or `$LIKENESS_SHARED`. Absent: [`skip_or_fail`] (a
/// failure unless skips are allowed), then `None`.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("LIKENESS_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared"));
    if dir.join("reference/README.md").is_file() {
        return Some(dir);
    }
    skip_or_fail(&format!(
        "shared data not found at {} (set LIKENESS_SHARED)",
        dir.display()
    ));
    None
}

/// The reference pack (`shared/reference`).
pub fn reference_dir() -> Option<PathBuf> {
    shared_dir().map(|d| d.join("reference"))
}

/// A benchmark data set folder (`shared/data/<name>`), or `$LIKENESS_DATA/<name>`. Absent:
/// [`skip_or_fail`], then `None`.
pub fn data_dir(name: &str) -> Option<PathBuf> {
    if let Some(root) = std::env::var_os("LIKENESS_DATA") {
        let p = PathBuf::from(root).join(name);
        if p.is_dir() {
            return Some(p);
        }
    }
    let dir = shared_dir()?.join("data").join(name);
    if dir.is_dir() {
        return Some(dir);
    }
    skip_or_fail(&format!(
        "data set {name} not found at {} (set LIKENESS_DATA)",
        dir.display()
    ));
    None
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

/// The Debian package `scripts/package.sh` built (`target/package/likeness_*.deb`), or
/// `$LIKENESS_DEB`. Absent: [`skip_or_fail`] (scripts/test.sh builds it before the tests), then
/// `None`.
pub fn package_deb() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LIKENESS_DEB").map(PathBuf::from) {
        if p.is_file() {
            return Some(p);
        }
        skip_or_fail(&format!("LIKENESS_DEB={} does not exist", p.display()));
        return None;
    }
    let dir = repo_root().join("target/package");
    let found = std::fs::read_dir(&dir).ok().and_then(|entries| {
        entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "deb"))
    });
    if found.is_none() {
        skip_or_fail(&format!(
            "no package in {} (build it with: bash scripts/package.sh)",
            dir.display()
        ));
    }
    found
}

/// Extracts `deb` into `dest` (emptied first) with `dpkg-deb -x`, as a test's own install
/// prefix: the programs are then at `dest/usr/bin/`. Panics when dpkg-deb fails.
pub fn extract_package(deb: &Path, dest: &Path) {
    let _ = std::fs::remove_dir_all(dest);
    std::fs::create_dir_all(dest).unwrap_or_else(|e| panic!("create {}: {e}", dest.display()));
    let status = std::process::Command::new("dpkg-deb")
        .arg("-x")
        .arg(deb)
        .arg(dest)
        .status()
        .unwrap_or_else(|e| panic!("dpkg-deb: {e}"));
    assert!(status.success(), "dpkg-deb -x {} failed", deb.display());
}

/// Copies the folder tree `from` into `to` (created), files and subfolders.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("create {}: {e}", to.display()));
    let entries =
        std::fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|e| panic!("read {}: {e}", from.display()))
            .path();
        let Some(name) = path.file_name() else {
            continue;
        };
        let dest = to.join(name);
        if path.is_dir() {
            copy_tree(&path, &dest);
        } else {
            std::fs::copy(&path, &dest).unwrap_or_else(|e| panic!("copy {}: {e}", path.display()));
        }
    }
}

/// The GPU pack fetched by `scripts/fetch-models.sh --gpu` (run by scripts/test.sh), or
/// [`skip_or_fail`] and `None`.
pub fn gpu_pack() -> Option<PathBuf> {
    let dir = repo_root().join("models/runtime/gpu/cuda13-linux-x86_64");
    if dir.join("pack.toml").is_file() {
        return Some(dir);
    }
    skip_or_fail(&format!(
        "the GPU pack is not at {} (bash scripts/fetch-models.sh --gpu)",
        dir.display()
    ));
    None
}

/// Builds the stand-in NVIDIA driver (`crates/cli/tests/data/stub_libcuda.c`) with `cc` into
/// a folder of its own, once per test process; returns the folder (for `LD_LIBRARY_PATH`).
pub fn stub_libcuda() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let dir = repo_root().join(format!(
                "target/test-tmp/stub-libcuda-{}",
                std::process::id()
            ));
            std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            let source = repo_root().join("crates/cli/tests/data/stub_libcuda.c");
            let out = output_of(
                std::process::Command::new("cc")
                    .args(["-shared", "-fPIC", "-O1", "-Wl,-soname,libcuda.so.1", "-o"])
                    .arg(dir.join("libcuda.so.1"))
                    .arg(&source),
            );
            assert!(
                out.status.success(),
                "cc: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            dir
        })
        .clone()
}

/// Runs `cmd` to the end and returns its output, failing the test when the program panicked
/// (exit status 101: a panic is never an acceptable answer, whatever the test expects).
pub fn output_of(cmd: &mut std::process::Command) -> std::process::Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {:?}: {e}", cmd.get_program()));
    assert_ne!(
        out.status.code(),
        Some(101),
        "{:?} panicked: {}",
        cmd.get_program(),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Reads a JSON-lines file into values.
pub fn read_jsonl(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{decide, Missing};

    #[test]
    fn strict_by_default_skip_only_when_asked_and_never_in_ci() {
        assert_eq!(decide(None, None), Missing::Fail);
        assert_eq!(decide(Some("false"), Some("0")), Missing::Fail);
        assert_eq!(decide(None, Some("1")), Missing::Skip);
        assert_eq!(decide(Some("0"), Some("true")), Missing::Skip);
        assert_eq!(decide(Some("true"), Some("1")), Missing::FailInCi);
        assert_eq!(decide(Some("1"), None), Missing::FailInCi);
    }
}
