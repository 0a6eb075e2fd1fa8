//! Likeness engine: the headless API over imaging and vision.
//!
//! The CLI, the Tauri shell and the tests all drive Likeness through this crate. It owns
//! configuration (where models and the runtime are, which execution provider, limits) and
//! the face pipeline: decode → detect → align → embed (batched across photos).
//! It knows nothing of `ort` (that is `likeness-vision`), SQL, or any UI; its types are plain
//! data, converted to DTOs by whoever serialises them.

mod config;
mod doctor;
mod error;
mod pipeline;

pub use config::{Alignment, EngineConfig, DEFAULT_DETECT_MAX_SIDE};
pub use doctor::{doctor, DoctorReport, ModelCheck};
pub use error::EngineError;
pub use likeness_imaging::{probe_photo, PhotoFormat, PhotoProbe, RawFormat, PHOTO_EXTENSIONS};
pub use likeness_imaging::{DecodeLimits, ExifInfo, ImagingError, Orientation, OrientationMode};
pub use likeness_vision::{
    Detection, Embedding, FaceBox, Point, Provider, ProviderPreference, VisionError,
};
pub use pipeline::FULL_RES_CHIP_BOX;
pub use pipeline::{
    total_timings, BatchProgress, FacePipeline, FaceRecord, PhotoFaces, StageTimings,
};
