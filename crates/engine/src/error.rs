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
    /// A person id the user gave does not exist.
    #[error("no person #{id}")]
    UnknownPersonId { id: likeness_catalog::PersonId },
    /// A face id the user gave does not exist.
    #[error("no face {id}")]
    UnknownFace { id: likeness_catalog::FaceId },
    /// Another person already has this name (names are unique, ignoring ASCII case).
    #[error("a person named {name:?} already exists")]
    NameTaken { name: String },
    /// The request makes no sense as given (empty name, merging a person into itself, a cover
    /// face that is not the person's…).
    #[error("{message}")]
    Invalid { message: String },
    /// Undo with no edit left to undo.
    #[error("nothing to undo")]
    NothingToUndo,
    /// Redo with no undone edit to redo.
    #[error("nothing to redo")]
    NothingToRedo,
    /// Clustering failed (bad input; cancellation is [`EngineError::Cancelled`]).
    #[error("clustering: {0}")]
    Cluster(likeness_cluster::ClusterError),
    /// An XMP packet or sidecar could not be read or written.
    #[error(transparent)]
    Xmp(#[from] likeness_xmp::XmpError),
    /// The operation was cancelled by the caller.
    #[error("cancelled")]
    Cancelled,
    /// The library's one job slot is taken (indexing, watching or clustering runs).
    #[error("the library is busy {job} already")]
    JobRunning { job: &'static str },
    /// Pause, resume or cancel with no job running.
    #[error("no indexing is running")]
    NoJob,
    /// An earlier operation panicked while it held part of the session.
    #[error("an earlier operation failed badly: restart Likeness")]
    Poisoned,
}

impl From<likeness_cluster::ClusterError> for EngineError {
    fn from(e: likeness_cluster::ClusterError) -> Self {
        match e {
            likeness_cluster::ClusterError::Cancelled => EngineError::Cancelled,
            other => EngineError::Cluster(other),
        }
    }
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
            EngineError::Catalog(c) => match c {
                CatalogError::NotFound { what, .. } if what.starts_with("person") => {
                    "unknown_person"
                }
                CatalogError::NotFound { what, .. } if what.starts_with("face") => "unknown_face",
                CatalogError::NotFound { .. } => "not_found",
                CatalogError::NameTaken { .. } => "name_taken",
                _ => "catalog",
            },
            EngineError::Scan(_) => "scan",
            EngineError::Io { source, .. } => match source.kind() {
                std::io::ErrorKind::NotFound => "not_found",
                std::io::ErrorKind::PermissionDenied => "permission_denied",
                _ => "io",
            },
            EngineError::NoLibraryLocation => "no_library_location",
            EngineError::NotALibraryFolder { .. } => "not_a_library_folder",
            EngineError::OverlappingRoot { .. } => "overlapping_root",
            EngineError::UnknownPerson { .. } | EngineError::UnknownPersonId { .. } => {
                "unknown_person"
            }
            EngineError::UnknownFace { .. } => "unknown_face",
            EngineError::NameTaken { .. } => "name_taken",
            EngineError::Invalid { .. } => "invalid",
            EngineError::NothingToUndo => "nothing_to_undo",
            EngineError::NothingToRedo => "nothing_to_redo",
            EngineError::Cluster(_) => "cluster",
            EngineError::LibraryBusy { .. } => "library_busy",
            EngineError::Xmp(x) => x.code(),
            EngineError::Cancelled => "cancelled",
            // The UI's names from before the engine had a job slot.
            EngineError::JobRunning { .. } => "indexing_running",
            EngineError::NoJob => "not_indexing",
            EngineError::Poisoned => "internal",
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
