//! Face embedder: the dlib ResNet (converted to ONNX by `models/convert_dlib_resnet.py`),
//! run on 150×150 chips in batches that may mix chips from many photos.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use image::RgbImage;
use ort::session::Session;
use ort::value::Tensor;

use crate::error::VisionError;
use crate::models::ModelManifest;
use crate::runtime::{OrtRuntime, Provider};
use crate::types::Embedding;

/// Chip side the dlib ResNet expects.
pub const CHIP_SIZE: u32 = 150;

/// Largest batch this embedder accepts (64 chips ≈ 17 MB of input); the batch actually used
/// is [`FaceEmbedder::with_max_batch`]'s, which bounds ONNX Runtime's activation memory.
pub const MAX_BATCH: usize = 64;

/// Embeds aligned chips into descriptors.
#[derive(Debug)]
pub struct FaceEmbedder {
    session: Mutex<Session>,
    provider: Provider,
    /// Every execution provider tried when the session was opened, and why each was or was
    /// not used.
    attempts: Vec<crate::runtime::ProviderAttempt>,
    path: PathBuf,
    input_name: String,
    output_name: String,
    embedding_size: usize,
    default_threshold: f32,
    max_batch: usize,
}

impl FaceEmbedder {
    /// Opens the embedder described by `manifest` at `path`.
    pub fn new(
        runtime: &OrtRuntime,
        manifest: &ModelManifest,
        path: &Path,
    ) -> Result<Self, VisionError> {
        let manifest_err = |message: &str| VisionError::Manifest {
            path: PathBuf::from(format!("models/{}.toml", manifest.name)),
            message: message.to_string(),
        };
        let output = manifest
            .output
            .as_ref()
            .ok_or_else(|| manifest_err("embedder without [output]"))?;
        let input = manifest
            .input
            .as_ref()
            .ok_or_else(|| manifest_err("embedder without [input]"))?;
        let embedding_size = output
            .embedding_size
            .ok_or_else(|| manifest_err("embedder without output.embedding_size"))?;
        let output_name = output
            .name
            .clone()
            .ok_or_else(|| manifest_err("embedder without output.name"))?;
        let (session, provider, attempts) = runtime.open_session(path)?;
        tracing::info!(model = %manifest.name, provider = provider.label(), "embedder ready");
        Ok(Self {
            session: Mutex::new(session),
            provider,
            attempts,
            path: path.to_path_buf(),
            input_name: input.name.clone(),
            output_name,
            embedding_size,
            default_threshold: output.default_threshold.unwrap_or(0.6),
            max_batch: MAX_BATCH,
        })
    }

    /// Sends at most `n` chips (1..=[`MAX_BATCH`]) to ONNX Runtime per run. Peak memory grows
    /// with the batch (the runtime keeps activation buffers for the largest batch it ran);
    /// results do not depend on it.
    pub fn with_max_batch(mut self, n: usize) -> Self {
        self.max_batch = n.clamp(1, MAX_BATCH);
        self
    }

    /// The execution provider running this model.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// The execution providers tried when the session was opened.
    pub fn attempts(&self) -> &[crate::runtime::ProviderAttempt] {
        &self.attempts
    }

    /// Euclidean distance below which two faces are the same person.
    pub fn default_threshold(&self) -> f32 {
        self.default_threshold
    }

    /// Length of each descriptor.
    pub fn embedding_size(&self) -> usize {
        self.embedding_size
    }

    /// Embeds any number of chips (each must be 150×150), `max_batch` at a time.
    pub fn embed(&self, chips: &[&RgbImage]) -> Result<Vec<Embedding>, VisionError> {
        let mut out = Vec::with_capacity(chips.len());
        for batch in chips.chunks(self.max_batch) {
            out.extend(self.embed_batch(batch)?);
        }
        Ok(out)
    }

    fn embed_batch(&self, chips: &[&RgbImage]) -> Result<Vec<Embedding>, VisionError> {
        if chips.is_empty() {
            return Ok(Vec::new());
        }
        let side = CHIP_SIZE as usize;
        let plane = side * side;
        let mut data = vec![0f32; chips.len() * 3 * plane];
        for (i, chip) in chips.iter().enumerate() {
            if chip.dimensions() != (CHIP_SIZE, CHIP_SIZE) {
                return Err(self.inference_error(format!(
                    "chip {i} is {}×{}, expected {CHIP_SIZE}×{CHIP_SIZE}",
                    chip.width(),
                    chip.height()
                )));
            }
            let base = i * 3 * plane;
            let (r, rest) = data[base..base + 3 * plane].split_at_mut(plane);
            let (g, b) = rest.split_at_mut(plane);
            for (j, px) in chip.as_raw().chunks_exact(3).enumerate() {
                r[j] = f32::from(px[0]);
                g[j] = f32::from(px[1]);
                b[j] = f32::from(px[2]);
            }
        }
        let shape = vec![chips.len() as i64, 3, side as i64, side as i64];
        let tensor =
            Tensor::from_array((shape, data)).map_err(|e| self.inference_error(e.to_string()))?;
        let mut session = self
            .session
            .lock()
            .map_err(|_| self.inference_error("session lock poisoned".into()))?;
        let outputs = session
            .run(ort::inputs![self.input_name.as_str() => tensor])
            .map_err(|e| self.inference_error(e.to_string()))?;
        let (shape, values) = outputs[self.output_name.as_str()]
            .try_extract_tensor::<f32>()
            .map_err(|e| self.inference_error(e.to_string()))?;
        let dim = self.embedding_size;
        if values.len() != chips.len() * dim {
            return Err(self.inference_error(format!("unexpected output shape {shape:?}")));
        }
        Ok(values
            .chunks_exact(dim)
            .map(|c| Embedding(c.to_vec()))
            .collect())
    }

    fn inference_error(&self, message: String) -> VisionError {
        VisionError::Inference {
            model: self.path.display().to_string(),
            message,
        }
    }
}
