//! File paths as stored: the OS bytes of the path in a BLOB.
//!
//! On Unix a path is any byte string, so it is stored as is (`OsStrExt::as_bytes`): a
//! non-UTF-8 file name round-trips exactly and is never lossily renamed. On other platforms
//! the path must be valid Unicode and is stored as UTF-8; otherwise the call fails with
//! `CatalogError::NonUnicodePath` (the caller records it as a per-file problem).
//!
//! Directory prefixes are byte ranges: everything strictly under `/a/b` is
//! `[b"/a/b/", b"/a/b0")` (`'0'` is the byte after `'/'`), so `/a/bc` never matches.

use std::path::{Path, PathBuf};

#[cfg(not(unix))]
use crate::error::Fault;
use crate::error::Res;

#[cfg(unix)]
pub(crate) fn to_blob(p: &Path) -> Res<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    Ok(p.as_os_str().as_bytes().to_vec())
}

#[cfg(unix)]
pub(crate) fn from_blob(b: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(std::ffi::OsString::from_vec(b))
}

#[cfg(not(unix))]
pub(crate) fn to_blob(p: &Path) -> Res<Vec<u8>> {
    p.to_str()
        .map(|s| s.as_bytes().to_vec())
        .ok_or_else(|| Fault::NonUnicodePath(p.to_path_buf()))
}

#[cfg(not(unix))]
pub(crate) fn from_blob(b: Vec<u8>) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(&b).into_owned())
}

const SEP: u8 = std::path::MAIN_SEPARATOR as u8;

/// The byte range `[lo, hi)` of every path strictly under the directory `dir`.
pub(crate) fn under_range(dir: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut lo = dir.to_vec();
    if lo.last() != Some(&SEP) {
        lo.push(SEP);
    }
    let mut hi = lo.clone();
    if let Some(last) = hi.last_mut() {
        *last = SEP + 1;
    }
    (lo, hi)
}

/// SQL condition matching `col` equal to ?a or strictly under it (?b = lo, ?c = hi).
pub(crate) fn at_or_under(col: &str, a: usize, b: usize, c: usize) -> String {
    format!("({col} = ?{a} OR ({col} >= ?{b} AND {col} < ?{c}))")
}

/// `path` with its leading `from` replaced by `to` (byte-wise; `path` is `from` or under it).
pub(crate) fn rebase(path: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = to.to_vec();
    out.extend_from_slice(&path[from.len()..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_excludes_sibling_with_common_prefix() {
        let (lo, hi) = under_range(b"/a/b");
        let inside = |p: &[u8]| p >= lo.as_slice() && p < hi.as_slice();
        assert!(inside(b"/a/b/x.jpg"));
        assert!(inside(b"/a/b/c/d.jpg"));
        assert!(!inside(b"/a/bc/x.jpg"));
        assert!(!inside(b"/a/b"));
        assert!(!inside(b"/a/b.jpg"));
        assert!(!inside(b"/a/b-1/x.jpg"));
    }

    #[test]
    fn rebase_keeps_the_tail() {
        assert_eq!(rebase(b"/a/b/c.jpg", b"/a/b", b"/z"), b"/z/c.jpg".to_vec());
        assert_eq!(rebase(b"/a/b", b"/a/b", b"/z"), b"/z".to_vec());
    }
}
