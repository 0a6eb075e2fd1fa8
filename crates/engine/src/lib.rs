//! Likeness engine: the headless API over imaging, vision, the catalog and the scanner.
//!
//! The CLI, the Tauri shell and the tests all drive Likeness through this crate. It owns
//! configuration (where models, the runtime and the library are, which execution provider,
//! limits), the face pipeline (decode → detect → align → embed, batched across photos) and the
//! library jobs (scan → index → watch) that keep the catalog current, and people: clustering,
//! naming and the user's corrections (`people`), and XMP face regions: export, import,
//! automatic export after people edits (`xmp`).
//! It knows nothing of `ort` (that is `likeness-vision`), SQL (`likeness-catalog`), or any UI;
//! its types are plain data, converted to DTOs by whoever serialises them.

mod clock;
mod config;
mod display;
mod doctor;
mod error;
pub mod gpu;
mod index;
mod library;
pub mod people;
mod pipeline;
mod session;
mod settings;
mod thumbs;
pub mod xmp;

pub use clock::{iso_utc, Clock, SystemClock};
pub use config::{Alignment, EngineConfig, DEFAULT_DETECT_MAX_SIDE, DEFAULT_EMBED_BATCH};
pub use display::{display_file, render_display, DISPLAY_MAX_SIDE};
pub use doctor::{doctor, needed_models, DoctorReport, ModelCheck, Problem};
pub use error::EngineError;
pub use index::{
    photos_in_folder, scan_library, IndexControl, IndexPhase, IndexProgress, IndexSummary, Indexer,
    ScanSummary, WatchEvent, WatchOptions,
};
pub use library::{add_root, open_catalog, remove_root, LibraryLock, LibraryPaths};
/// The catalog types the front ends need: ids, the rows its reads return, the query, cursor
/// and error types, and `Catalog` itself for reads (a session hands out `&Catalog` only).
/// The catalog's writes are the session's business ([`Library`]); tests and benchmarks that
/// build catalogs by hand depend on `likeness-catalog` directly.
pub mod catalog {
    pub use likeness_catalog::{
        Catalog, CatalogError, CatalogStatus, EditRow, EditSummary, FaceId, FaceRow, FailureRow,
        FileState, ImportConflictReason, JobRow, JobState, PersonId, PersonSummary, PhotoHit,
        PhotoId, PhotoQuery, PhotoView, Provenance, Root, ScanIssueRow, SuggestionRow,
        TimelineCursor, TimelineDay, ViewFace,
    };
}
pub use gpu::GpuReport;
pub use likeness_geometry as geometry;
pub use likeness_imaging::{probe_photo, PhotoFormat, PhotoProbe, RawFormat, PHOTO_EXTENSIONS};
pub use likeness_imaging::{DecodeLimits, ExifInfo, ImagingError, Orientation, OrientationMode};
pub use likeness_vision::runtime::forbid_telemetry as forbid_onnx_telemetry;
pub use likeness_vision::{
    Detection, DetectorKind, Embedding, FaceBox, Point, Provider, ProviderPreference, QualityParts,
    VisionError,
};
pub use people::{recluster, PeopleConfig, ReclusterSummary};
pub use pipeline::{
    total_timings, BatchProgress, BytesAnalysis, FacePipeline, FaceRecord, PhotoFaces, StageTimings,
};
pub use pipeline::{ComputeStatus, FULL_RES_CHIP_BOX, GPU_FAULT_ENV};
pub use session::{CatalogRead, IndexRun, Job, JobKind, Library, Overrides};
pub use settings::{
    clustering_name, detection_name, load_settings, location_file, model_files, parse_clustering,
    parse_detection, parse_provider, provider_name, read_location, resolve_location, save_settings,
    settings_path, write_location, ClusteringStrictness, DetectionSensitivity, LibraryLocation,
    LoadedSettings, LocationSource, ModelFiles, Settings, SETTINGS_FILE,
};
pub use thumbs::{ThumbnailCache, FACE_THUMB_SIDE, PHOTO_THUMB_SIDE};
pub use xmp::{XmpAutoExport, XmpConfig, XmpOptions};
