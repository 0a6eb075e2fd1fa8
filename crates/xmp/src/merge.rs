//! Merging Likeness's faces into an existing packet.
use crate::{ExportOptions, OwnRegion, XmpError};

/// Merges `own` into `existing` sidecar bytes (None = new file); see the crate docs for the
/// rules. Returns the new bytes; identical bytes mean nothing changed.
pub fn merge_sidecar(
    existing: Option<&[u8]>,
    dims: (u32, u32),
    own: &[OwnRegion],
    opts: &ExportOptions,
) -> Result<Vec<u8>, XmpError> {
    let _ = (existing, dims, own, opts);
    Err(XmpError::malformed("not implemented yet"))
}

/// Same as [`merge_sidecar`] for the packet embedded in a JPEG: returns the whole new JPEG,
/// with only the XMP APP1 segment replaced (or inserted).
pub fn merge_into_jpeg(
    jpeg: &[u8],
    dims: (u32, u32),
    own: &[OwnRegion],
    opts: &ExportOptions,
) -> Result<Vec<u8>, XmpError> {
    let _ = (jpeg, dims, own, opts);
    Err(XmpError::malformed("not implemented yet"))
}
