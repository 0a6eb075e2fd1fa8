//! Engine errors: typed, each naming the file, model or catalog it is about.

use std::path::PathBuf;

use likeness_catalog::CatalogError;
use likeness_imaging::ImagingError;
use likeness_scan::ScanError;
use likeness_vision::VisionError;

/// Why a photo, the pipeline or a library operation failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The photo could not be read or decoded (a per-photo warning, never fatal for a batch).
    #[error(transparent)]
    Imaging(#[from] ImagingError),
    /// A model or the runtime failed.
    #[error(transparent)]
    Vision(#[from] VisionError),
    /// The catalog could not be read or written.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// A library root could not be walked or watched.
    #[error(transparent)]
    Scan(#[from] ScanError),
    /// A file or folder of the library or its cache could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// No place for the catalog was given and the platform has no user data folder.
    #[error("no catalog location: pass one explicitly (the platform has no user data folder)")]
    NoLibraryLocation,
    /// A path the user named is not a folder of the library.
    #[error("{path}: not a library folder")]
    NotALibraryFolder { path: PathBuf },
    /// A folder inside (or around) a folder already in the library.
    #[error("{path} overlaps {existing}, which is already in the library")]
    OverlappingRoot { path: PathBuf, existing: PathBuf },
    /// Another process is already indexing this library.
    #[error("{catalog}: another Likeness process is indexing this library")]
    LibraryBusy { catalog: PathBuf },
    /// A person named by the user does not exist.
    #[error("no person named {name:?}")]
    UnknownPerson { name: String },
    /// The operation was cancelled by the caller.
    #[error("cancelled")]
    Cancelled,
}

impl EngineError {
    /// A stable, machine-readable class of the error, for DTOs (`{code, message}`) and for the
    /// catalog's record of failed files.
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::Imaging(i) => imaging_code(i),
            EngineError::Vision(v) => match v {
                VisionError::Runtime { .. } => "runtime",
                VisionError::Inference { .. } => "inference",
                _ => "model",
            },
            EngineError::Catalog(_) => "catalog",
            EngineError::Scan(_) => "scan",
            EngineError::Io { source, .. } => match source.kind() {
                std::io::ErrorKind::NotFound => "not_found",
                std::io::ErrorKind::PermissionDenied => "permission_denied",
                _ => "io",
            },
            EngineError::NoLibraryLocation => "no_library_location",
            EngineError::NotALibraryFolder { .. } => "not_a_library_folder",
            EngineError::OverlappingRoot { .. } => "overlapping_root",
            EngineError::UnknownPerson { .. } => "unknown_person",
            EngineError::LibraryBusy { .. } => "library_busy",
            EngineError::Cancelled => "cancelled",
        }
    }
}

fn imaging_code(e: &ImagingError) -> &'static str {
    match e {
        ImagingError::Io { source, .. } => match source.kind() {
            std::io::ErrorKind::NotFound => "not_found",
            std::io::ErrorKind::PermissionDenied => "permission_denied",
            _ => "io",
        },
        ImagingError::Empty { .. } => "empty",
        ImagingError::UnknownFormat { .. } => "unknown_format",
        ImagingError::UnsupportedFormat { .. } => "unsupported_format",
        ImagingError::TooLarge { .. } => "too_large",
        ImagingError::FileTooLarge { .. } => "file_too_large",
        ImagingError::Decode { .. } => "decode",
        ImagingError::NoPreview { .. } => "no_preview",
    }
}
