//! Engine configuration: passed in, never read from globals inside the logic.

use std::path::PathBuf;

use likeness_imaging::{DecodeLimits, OrientationMode};
use likeness_vision::ProviderPreference;

/// How a detected face is aligned into the 150×150 chip the embedder reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Alignment {
    /// dlib's 5-point shape predictor run inside the MTCNN box, then dlib's own chip template.
    /// Closer to dlib's descriptors on the reference pack, but 98.90 % on LFW (bench/README.md).
    ShapePredictor,
    /// MTCNN's own 5 landmarks placed on a template fitted to dlib chips: 99.03 % on LFW
    /// (default).
    #[default]
    MtcnnTemplate,
}

/// How to build the face pipeline.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Folder of model files; `None` = discover (env var, beside the executable, user data).
    pub models_dir: Option<PathBuf>,
    /// ONNX Runtime library; `None` = discover.
    pub ort_library: Option<PathBuf>,
    /// GPU when available (default) or CPU only.
    pub provider: ProviderPreference,
    /// How faces are aligned before embedding.
    pub alignment: Alignment,
    /// Smallest face side, in pixels, the detector looks for.
    pub min_face_size: f64,
    /// Decoding limits (decompression bombs).
    pub limits: DecodeLimits,
    /// Apply EXIF orientation (default) or keep stored pixels.
    pub orientation: OrientationMode,
    /// Photos processed in parallel in batch runs (each worker decodes, detects and aligns
    /// whole photos with its own detector). Default: one per core.
    pub workers: usize,
    /// Threads ONNX Runtime uses inside one model run: the embedder gets all of them, each
    /// worker's detector `inference_threads / workers` (at least 1).
    pub inference_threads: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        Self {
            models_dir: None,
            ort_library: None,
            provider: ProviderPreference::Auto,
            alignment: Alignment::default(),
            min_face_size: 20.0,
            limits: DecodeLimits::default(),
            orientation: OrientationMode::Apply,
            workers: cores,
            inference_threads: cores,
        }
    }
}
