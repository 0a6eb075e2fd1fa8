//! Engine errors: typed, each naming the file or model it is about.

use likeness_imaging::ImagingError;
use likeness_vision::VisionError;

/// Why a photo or the pipeline failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The photo could not be read or decoded (a per-photo warning, never fatal for a batch).
    #[error(transparent)]
    Imaging(#[from] ImagingError),
    /// A model or the runtime failed.
    #[error(transparent)]
    Vision(#[from] VisionError),
    /// The operation was cancelled by the caller.
    #[error("cancelled")]
    Cancelled,
}
