//! Engine configuration: passed in, never read from globals inside the logic.

use std::path::PathBuf;

use likeness_imaging::{DecodeLimits, OrientationMode};
use likeness_vision::ProviderPreference;

/// How to build the face pipeline.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Folder of model files; `None` = discover (env var, beside the executable, user data).
    pub models_dir: Option<PathBuf>,
    /// ONNX Runtime library; `None` = discover.
    pub ort_library: Option<PathBuf>,
    /// GPU when available (default) or CPU only.
    pub provider: ProviderPreference,
    /// Smallest face side, in pixels, the detector looks for.
    pub min_face_size: f64,
    /// Decoding limits (decompression bombs).
    pub limits: DecodeLimits,
    /// Apply EXIF orientation (default) or keep stored pixels.
    pub orientation: OrientationMode,
    /// Threads decoding photos ahead of the detector in batch runs.
    pub decode_threads: usize,
    /// Threads ONNX Runtime uses inside one model run.
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
            min_face_size: 20.0,
            limits: DecodeLimits::default(),
            orientation: OrientationMode::Apply,
            decode_threads: 1,
            inference_threads: cores,
        }
    }
}
