//! The typed error of this crate.

use std::path::PathBuf;

/// Why an XMP packet, a sidecar or a JPEG could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum XmpError {
    /// Not well-formed XML, not RDF/XMP where it must be, or a broken JPEG segment structure.
    #[error("malformed XMP: {reason}")]
    Malformed {
        /// What is wrong, with the byte offset where known.
        reason: String,
    },
    /// Bigger than the limit: refused before parsing ([`crate::MAX_XMP_BYTES`]), or a packet too
    /// big to fit one JPEG APP1 segment.
    #[error("XMP too large: {bytes} bytes (limit {limit})")]
    TooLarge {
        /// Size of the input.
        bytes: usize,
        /// The limit it exceeded.
        limit: usize,
    },
    /// A construct that is never accepted: a DOCTYPE or a non-predefined entity reference
    /// (no entity is ever expanded), or nesting deeper than [`crate::MAX_XMP_DEPTH`].
    #[error("forbidden in XMP: {what}")]
    Forbidden {
        /// What was found, e.g. "DOCTYPE/entity".
        what: &'static str,
    },
    /// The input is not a JPEG (for the JPEG functions).
    #[error("not a JPEG: {reason}")]
    NotJpeg {
        /// What is wrong.
        reason: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl XmpError {
    /// A stable code for front ends (`malformed`, `too_large`, `forbidden`, `not_jpeg`, `io`).
    pub fn code(&self) -> &'static str {
        match self {
            XmpError::Malformed { .. } => "malformed",
            XmpError::TooLarge { .. } => "too_large",
            XmpError::Forbidden { .. } => "forbidden",
            XmpError::NotJpeg { .. } => "not_jpeg",
            XmpError::Io { .. } => "io",
        }
    }

    pub(crate) fn malformed(reason: impl Into<String>) -> Self {
        XmpError::Malformed {
            reason: reason.into(),
        }
    }
}
