//! Helpers shared by the integration tests: tree building and running a test body without
//! the capabilities that let root read any folder.

#![allow(dead_code)]

use std::ffi::OsString;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Environment variable naming the role of a re-executed test binary.
pub const CHILD_ENV: &str = "LIKENESS_SCAN_TEST_CHILD_DIR";
/// Environment variable naming the file the child writes its findings to.
pub const CHILD_OUT_ENV: &str = "LIKENESS_SCAN_TEST_CHILD_OUT";

/// The options the engine walks with: the decoder's extension list, symbolic links followed.
pub fn photo_options() -> likeness_scan::ScanOptions {
    likeness_scan::ScanOptions::new(likeness_imaging::PHOTO_EXTENSIONS)
}

/// Writes `bytes` at `root/rel`, creating parent folders.
pub fn put(root: &Path, rel: &str, bytes: &[u8]) -> PathBuf {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(&path, bytes).expect("write");
    path
}

/// Makes `dir` unreadable (mode 000) and tells whether this process can still list it
/// (true for root with CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH).
pub fn lock_dir(dir: &Path) -> bool {
    fs::set_permissions(dir, fs::Permissions::from_mode(0o000)).expect("chmod 000");
    fs::read_dir(dir).is_ok()
}

/// Restores `dir`'s mode so the temporary folder can be deleted.
pub fn unlock_dir(dir: &Path) {
    let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o755));
}

/// In a child role: `Some((dir, out))` from the environment.
pub fn child_role() -> Option<(PathBuf, PathBuf)> {
    let dir = std::env::var_os(CHILD_ENV)?;
    let out = std::env::var_os(CHILD_OUT_ENV)?;
    Some((PathBuf::from(dir), PathBuf::from(out)))
}

/// Re-runs the single test `test_name` of this test binary under `setpriv` with
/// CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH dropped (so `chmod 000` binds even as root),
/// pointing it at `dir`; returns what the child wrote to its output file.
pub fn run_without_dac_override(test_name: &str, dir: &Path, out: &Path) -> String {
    let exe = std::env::current_exe().expect("current exe");
    let status = Command::new("setpriv")
        .arg("--inh-caps=-dac_override,-dac_read_search")
        .arg("--bounding-set=-dac_override,-dac_read_search")
        .arg(&exe)
        .args([test_name, "--exact", "--test-threads=1", "--nocapture"])
        .env(CHILD_ENV, OsString::from(dir))
        .env(CHILD_OUT_ENV, OsString::from(out))
        .status()
        .expect(
            "running as root: need `setpriv` (util-linux) to drop CAP_DAC_OVERRIDE so an \
             unreadable folder is really unreadable",
        );
    assert!(status.success(), "child test {test_name} failed: {status}");
    fs::read_to_string(out).unwrap_or_else(|e| {
        panic!(
            "child test {test_name} wrote no findings to {}: {e}",
            out.display()
        )
    })
}
