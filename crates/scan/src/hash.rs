//! The content hash the catalog keys photos by: BLAKE3 of the whole file.

use std::fs::File;
use std::path::Path;

use crate::ScanError;

/// BLAKE3 of `bytes`.
pub fn hash_bytes(bytes: &[u8]) -> [u8; 32] {
    *blake3::hash(bytes).as_bytes()
}

/// BLAKE3 of the file's bytes, streamed (memory stays flat for any file size). Equals
/// [`hash_bytes`] of the file's content.
pub fn hash_file(path: &Path) -> Result<[u8; 32], ScanError> {
    let read_err = |source| ScanError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(read_err)?;
    let mut hasher = blake3::Hasher::new();
    hasher.update_reader(file).map_err(read_err)?;
    Ok(*hasher.finalize().as_bytes())
}
