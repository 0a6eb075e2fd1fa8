//! Likeness vision: find, align and embed faces.
//!
//! This is the only crate that imports `ort`. It knows nothing of files on disk beyond model
//! files, nothing of the catalog, and nothing of any UI. Input is an oriented RGB image
//! (`image::RgbImage`), output is plain data: [`Detection`]s, 150×150 chips and 128-d
//! [`Embedding`]s.

pub mod align;
pub mod detector;
pub mod embed;
pub mod error;
pub mod gpu;
pub mod install;
pub mod landmarks;
pub mod models;
pub mod mtcnn;
pub mod quality;
pub mod runtime;
pub mod types;

pub use detector::{open_detector, DetectorKind, DetectorOptions, FaceDetector};
pub use embed::FaceEmbedder;
pub use error::VisionError;
pub use models::{ModelManifest, ModelStore};
pub use quality::QualityParts;
pub use runtime::{OrtRuntime, Provider, ProviderPreference};
pub use types::{Detection, Embedding, FaceBox, Point};
