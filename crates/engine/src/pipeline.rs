//! The face pipeline: decode → detect → align → embed.
//!
//! Stage contracts:
//! - decode: path → [`likeness_imaging::DecodedPhoto`] (upright RGB, EXIF facts) or a typed
//!   per-file error;
//! - detect: upright RGB → MTCNN [`Detection`]s (box, score, 5 landmarks, upright frame);
//! - align: detection landmarks → 150×150 dlib-style chip (exact `get_face_chip` port);
//! - embed: chips from *many photos* in one batch → 128-d [`Embedding`]s.
//!
//! Memory: with `detect_max_side` the detector sees at most that many pixels on the long
//! side (boxes and landmarks are mapped back to the full frame), and with `reduced_decode`
//! big JPEGs are decoded at 1/2–1/8 by DCT scaling; a face whose box is under
//! [`FULL_RES_CHIP_BOX`] pixels in the reduced image gets its chip from a full-resolution
//! decode, bigger ones from the reduced image.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use std::borrow::Cow;

use image::RgbImage;
use likeness_imaging::{
    decode_photo, decode_photo_reduced, load_photo_with, DecodedPhoto, ExifInfo,
};
use likeness_vision::align::ChipAligner;
use likeness_vision::gpu::GpuState;
use likeness_vision::landmarks::ShapePredictor;
use likeness_vision::models::{names, ModelStore};
use likeness_vision::runtime::choose_runtime;
use likeness_vision::{
    open_detector, Detection, DetectorKind, DetectorOptions, Embedding, FaceDetector, FaceEmbedder,
    OrtRuntime, Point, Provider, ProviderPreference, QualityParts, VisionError,
};

use crate::config::{Alignment, EngineConfig};
use crate::error::EngineError;

/// Below this box side (pixels, in the reduced image), a face's chip is cut from a
/// full-resolution decode rather than from the DCT-reduced image: twice the 150 px chip, so the
/// chip is always at least a 2× downsample of the pixels it is cut from (dlib's chip code
/// then low-passes with its own pyramid, as it would at full resolution) and the reduced
/// image's softer detail never reaches the embedder. Measured effect in bench/README.md.
pub const FULL_RES_CHIP_BOX: f64 = 300.0;

/// Long side of the small copy a single-shot detector also sees when the photo is more than
/// twice as big, for faces too big for its anchors (see `detect_with`).
pub const COARSE_SIDE: u32 = 640;

/// One face of a photo.
#[derive(Debug, Clone)]
pub struct FaceRecord {
    pub detection: Detection,
    /// Present when embeddings were requested.
    pub embedding: Option<Embedding>,
    /// Face quality in [0, 1] ([`likeness_vision::QualityParts`]); present when chips were
    /// cut (embeddings requested).
    pub quality: Option<f32>,
    /// What the quality score was made of.
    pub quality_parts: Option<QualityParts>,
}

/// Time spent in each stage.
#[derive(Debug, Clone, Copy, Default)]
pub struct StageTimings {
    pub decode: Duration,
    pub detect: Duration,
    pub align: Duration,
    pub embed: Duration,
}

impl StageTimings {
    fn add(&mut self, other: &StageTimings) {
        self.decode += other.decode;
        self.detect += other.detect;
        self.align += other.align;
        self.embed += other.embed;
    }
}

/// Everything the pipeline found in one photo.
#[derive(Debug, Clone)]
pub struct PhotoFaces {
    pub path: PathBuf,
    /// Upright (oriented) width and height: the frame of every box and landmark.
    pub width: u32,
    pub height: u32,
    pub exif: ExifInfo,
    pub faces: Vec<FaceRecord>,
    pub timings: StageTimings,
}

/// Progress of a batch run, sampled at most ~5 times a second.
#[derive(Debug, Clone, Copy, Default)]
pub struct BatchProgress {
    pub done: usize,
    pub total: usize,
    pub faces: usize,
    pub errors: usize,
}

/// What [`FacePipeline::analyze_bytes`] finds in one photo (no embeddings yet).
#[derive(Debug)]
pub struct BytesAnalysis {
    /// Upright (oriented) size: the frame of every detection.
    pub width: u32,
    pub height: u32,
    /// Pixel size as stored, before EXIF rotation.
    pub stored_size: (u32, u32),
    /// Container format, lower case (`jpeg`, `png`, `heif`, …).
    pub format: String,
    pub exif: ExifInfo,
    pub detections: Vec<Detection>,
    /// One 150×150 chip per detection, ready for [`FacePipeline::embed_chips`].
    pub chips: Vec<RgbImage>,
    /// One quality score per chip ([`likeness_vision::QualityParts::score`]).
    pub quality: Vec<f32>,
    /// The upright image (maybe decoded at reduced size), for thumbnails.
    pub preview: RgbImage,
}

/// Test hook: `LIKENESS_TEST_GPU_FAULT_AFTER=N` makes the pipeline's first sessions fail from
/// their (N+1)-th model run on, as a GPU that runs out of memory or loses its driver would, so
/// that the fall-back to the CPU can be tested on machines without a GPU. Unset in normal use.
pub const GPU_FAULT_ENV: &str = "LIKENESS_TEST_GPU_FAULT_AFTER";

/// The model sessions: one detector per worker and the embedder.
#[derive(Debug)]
struct Stages {
    detectors: Vec<Box<dyn FaceDetector>>,
    embedder: FaceEmbedder,
}

/// Detector sessions on a GPU: workers share them (`worker % sessions`). Every session holds
/// its own CUDA memory arena and cuDNN/cuBLAS handles, so one per worker (16 on a 16-core
/// machine, × 3 MTCNN nets) would take gigabytes of a consumer GPU's memory; decoding still
/// runs on every worker.
pub const GPU_DETECTOR_SESSIONS: usize = 4;

impl Stages {
    /// One detector session per worker on the CPU, [`GPU_DETECTOR_SESSIONS`] at most on a GPU.
    fn open(
        detector_runtime: &OrtRuntime,
        runtime: &OrtRuntime,
        store: &ModelStore,
        config: &EngineConfig,
    ) -> Result<Self, EngineError> {
        // Single-shot detectors may see an enlarged image: the minimum face size is applied
        // here, in the photo's frame (`detect_with`).
        let options = DetectorOptions {
            min_face_size: if config.detector == DetectorKind::Mtcnn {
                config.min_face_size
            } else {
                0.0
            },
            score_threshold: config.detector_score_threshold,
        };
        let workers = config.workers.max(1);
        let first = open_detector(config.detector, detector_runtime, store, &options)?;
        let sessions = if first.provider().is_gpu() {
            workers.min(GPU_DETECTOR_SESSIONS)
        } else {
            workers
        };
        let mut detectors = vec![first];
        for _ in 1..sessions {
            detectors.push(open_detector(
                config.detector,
                detector_runtime,
                store,
                &options,
            )?);
        }
        let (embed_manifest, embed_path) = store.resolve(names::DLIB_RESNET)?;
        let embedder = FaceEmbedder::new(runtime, &embed_manifest, &embed_path)?
            .with_max_batch(config.embed_batch);
        Ok(Self {
            detectors,
            embedder,
        })
    }

    fn on_gpu(&self) -> bool {
        self.embedder.provider().is_gpu() || self.detectors.iter().any(|d| d.provider().is_gpu())
    }
}

/// The injected failure of [`GPU_FAULT_ENV`].
#[derive(Debug)]
struct FaultHook {
    after: u64,
    runs: AtomicU64,
}

impl FaultHook {
    fn from_env() -> Option<Self> {
        let after = std::env::var(GPU_FAULT_ENV).ok()?.trim().parse().ok()?;
        tracing::warn!(
            after,
            "test hook {GPU_FAULT_ENV}: the first sessions will fail"
        );
        Some(Self {
            after,
            runs: AtomicU64::new(0),
        })
    }

    /// Counts a model run; the error it must fail with, once past `after`.
    fn trip(&self) -> Option<VisionError> {
        let n = self.runs.fetch_add(1, Ordering::SeqCst);
        (n >= self.after).then(|| VisionError::Inference {
            model: "gpu session".into(),
            message: format!("CUDA failure 2: out of memory (simulated by {GPU_FAULT_ENV})"),
        })
    }
}

/// Where the models run, and why not on the GPU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComputeStatus {
    /// The embedder's execution provider now.
    pub provider: Provider,
    /// The GPU in use, described ("NVIDIA H100 …, 79.2 GiB, driver CUDA 13.0").
    pub device: Option<String>,
    /// Why the CPU runs the models, when it does: the GPU is not used at all (no pack, no
    /// driver, CPU chosen…) or failed during this run.
    pub cpu_reason: Option<String>,
    /// The GPU failed during the current run and the rest of it is on the CPU.
    pub fell_back: bool,
}

/// The loaded face pipeline. Cheap to share by reference across threads.
#[derive(Debug)]
pub struct FacePipeline {
    runtime: OrtRuntime,
    /// The first sessions: on the GPU when it is there. Photos run in parallel, one detector
    /// per worker (the detector nets are small; one intra-op thread each).
    primary: Stages,
    /// CPU sessions, opened when the primary ones fail on the GPU during a run.
    cpu: OnceLock<Stages>,
    /// Serialises opening `cpu`.
    cpu_opening: Mutex<()>,
    /// Set when the GPU failed during the current run: everything goes to `cpu`.
    fell_back: AtomicBool,
    fall_back_reason: Mutex<Option<String>>,
    fault: Option<FaultHook>,
    /// Whether `primary` runs on a GPU (any of its sessions): model runs that fail there fall
    /// back to the CPU.
    primary_on_gpu: bool,
    /// How the runtime was chosen (the GPU pack or the CPU runtime, and why).
    gpu: GpuState,
    library: PathBuf,
    store: ModelStore,
    aligner: ChipAligner,
    /// Present when `config.alignment` is `ShapePredictor`.
    shape_predictor: Option<ShapePredictor>,
    config: EngineConfig,
}

impl FacePipeline {
    /// Loads the runtime (the GPU pack's when it can run, [`choose_runtime`]), the configured
    /// detector and the dlib ResNet.
    pub fn open(config: &EngineConfig) -> Result<Self, EngineError> {
        let choice = choose_runtime(config.provider, config.ort_library.as_deref())?;
        let library = choice.library;
        let runtime = OrtRuntime::load(&library, config.provider)?
            .with_intra_threads(config.inference_threads)
            .with_cpu_arena(config.cpu_memory_arena);
        let workers = config.workers.max(1);
        let detector_runtime = OrtRuntime::load(&library, config.provider)?
            .with_intra_threads((config.inference_threads / workers).max(1))
            .with_cpu_arena(config.cpu_memory_arena);
        let store = match &config.models_dir {
            Some(dir) => ModelStore::at(dir),
            None => ModelStore::discover()?,
        };
        let primary = Stages::open(&detector_runtime, &runtime, &store, config)?;
        let shape_predictor = match config.alignment {
            Alignment::ShapePredictor => {
                let (_, path) = store.resolve(names::SHAPE_PREDICTOR_5)?;
                Some(ShapePredictor::load(&path)?)
            }
            Alignment::MtcnnTemplate => None,
        };
        Ok(Self {
            runtime,
            primary_on_gpu: primary.on_gpu(),
            primary,
            cpu: OnceLock::new(),
            cpu_opening: Mutex::new(()),
            fell_back: AtomicBool::new(false),
            fall_back_reason: Mutex::new(None),
            fault: FaultHook::from_env(),
            gpu: choice.gpu,
            library,
            store,
            aligner: ChipAligner::default(),
            shape_predictor,
            config: config.clone(),
        })
    }

    /// The sessions in use now.
    fn stages(&self) -> &Stages {
        if self.fell_back.load(Ordering::Acquire) {
            if let Some(cpu) = self.cpu.get() {
                return cpu;
            }
        }
        &self.primary
    }

    /// Runs `op` (one model run) on the sessions in use. When the first sessions are on the
    /// GPU (or the fault hook is set) and `op` fails there, the pipeline falls back to CPU
    /// sessions for the rest of the run and `op` runs again on them: the photo is not lost.
    fn infer<T>(&self, op: impl Fn(&Stages) -> Result<T, VisionError>) -> Result<T, EngineError> {
        if !self.fell_back.load(Ordering::Acquire) {
            if !(self.primary_on_gpu || self.fault.is_some()) {
                return Ok(op(&self.primary)?);
            }
            let result = match self.fault.as_ref().and_then(FaultHook::trip) {
                Some(injected) => Err(injected),
                None => op(&self.primary),
            };
            match result {
                Ok(v) => return Ok(v),
                Err(e) => self.fall_back(&e)?,
            }
        }
        let cpu = self.cpu.get().ok_or_else(|| EngineError::Invalid {
            message: "the CPU sessions are not open".into(),
        })?;
        Ok(op(cpu)?)
    }

    /// Opens the CPU sessions (once) and sends every later model run of this run to them.
    fn fall_back(&self, error: &VisionError) -> Result<(), EngineError> {
        let _guard = self.cpu_opening.lock().unwrap_or_else(|p| p.into_inner());
        if self.cpu.get().is_none() {
            let runtime = OrtRuntime::load(&self.library, ProviderPreference::CpuOnly)?
                .with_intra_threads(self.config.inference_threads)
                .with_cpu_arena(self.config.cpu_memory_arena);
            let workers = self.config.workers.max(1);
            let detector_runtime = OrtRuntime::load(&self.library, ProviderPreference::CpuOnly)?
                .with_intra_threads((self.config.inference_threads / workers).max(1))
                .with_cpu_arena(self.config.cpu_memory_arena);
            let stages = Stages::open(&detector_runtime, &runtime, &self.store, &self.config)?;
            let _ = self.cpu.set(stages);
        }
        if !self.fell_back.swap(true, Ordering::AcqRel) {
            let reason = format!(
                "the GPU failed during this run ({error}); the rest of the run is on the CPU, and no photo is lost"
            );
            tracing::warn!(%reason, "falling back to the CPU");
            *self
                .fall_back_reason
                .lock()
                .unwrap_or_else(|p| p.into_inner()) = Some(reason);
        }
        Ok(())
    }

    /// Goes back to the first (GPU) sessions: called at the start of every indexing run, so a
    /// GPU that failed once (out of memory on a huge batch) is tried again next run.
    pub fn reset_fall_back(&self) {
        if self.fell_back.swap(false, Ordering::AcqRel) {
            tracing::info!("GPU sessions tried again for this run");
        }
        *self
            .fall_back_reason
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Where the models run now, and why not on the GPU.
    pub fn compute(&self) -> ComputeStatus {
        let fell_back = self.fell_back.load(Ordering::Acquire);
        let provider = self.provider();
        let device = match (&self.gpu, provider.is_gpu()) {
            (GpuState::Ready { device, .. }, true) => Some(device.describe()),
            _ => None,
        };
        let cpu_reason = if fell_back {
            self.fall_back_reason
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone()
        } else {
            crate::gpu::why_cpu(
                Some(&self.gpu),
                Some(provider),
                self.primary.embedder.attempts(),
                self.config.provider,
            )
        };
        ComputeStatus {
            provider,
            device,
            cpu_reason,
            fell_back,
        }
    }

    /// The execution provider running the embedder (the heaviest model).
    pub fn provider(&self) -> Provider {
        self.stages().embedder.provider()
    }

    /// The execution provider running the detector.
    pub fn detector_provider(&self) -> Provider {
        self.stages()
            .detectors
            .first()
            .map_or(Provider::Cpu, |d| d.provider())
    }

    /// The loaded ONNX Runtime.
    pub fn runtime(&self) -> &OrtRuntime {
        &self.runtime
    }

    /// Distance below which two embeddings are the same person.
    pub fn default_threshold(&self) -> f32 {
        self.primary.embedder.default_threshold()
    }

    /// Parallel workers: each decodes, detects and aligns whole photos (with its own detector
    /// on the CPU; sharing [`GPU_DETECTOR_SESSIONS`] on a GPU).
    pub fn workers(&self) -> usize {
        self.config.workers.max(1)
    }

    /// The configuration the pipeline was opened with.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Decoding limits in force.
    pub fn limits(&self) -> &likeness_imaging::DecodeLimits {
        &self.config.limits
    }

    /// Identifies the models and alignment that produce the stored faces and embeddings;
    /// content indexed under another id is indexed again.
    pub fn model_id(&self) -> String {
        let align = match self.config.alignment {
            Alignment::MtcnnTemplate => "mtcnn-template",
            // "-lm": the rectangle comes from the detector's landmarks (embeddings differ from
            // the earlier MTCNN-box rectangle's, so those libraries are re-detected).
            Alignment::ShapePredictor => "dlib-5pt-lm",
        };
        format!(
            "{}+{}/{align}",
            self.config.detector.name(),
            names::DLIB_RESNET
        )
    }

    /// Decode (upright), detect with `worker`'s detector and cut chips, from a photo's bytes
    /// (already read, e.g. to hash them). `path` names the file in errors. The same route as
    /// [`Self::analyze_batch`]: reduced decoding, capped detection, full-resolution chips for
    /// small faces.
    pub fn analyze_bytes(
        &self,
        worker: usize,
        bytes: &[u8],
        path: &Path,
    ) -> Result<BytesAnalysis, EngineError> {
        let mut timings = StageTimings::default();
        let a = self.analyze_impl(worker, bytes, path, true, &mut timings)?;
        Ok(BytesAnalysis {
            width: a.photo.full_size.0,
            height: a.photo.full_size.1,
            stored_size: a.photo.stored_size,
            format: a.photo.format.name().to_string(),
            exif: a.photo.exif,
            detections: a.detections,
            chips: a.chips,
            quality: a.quality,
            preview: a.photo.image,
        })
    }

    /// Reads a photo file's bytes, refusing files over the size limit before reading them.
    fn read(&self, path: &Path) -> Result<Vec<u8>, EngineError> {
        let io = |source| likeness_imaging::ImagingError::Io {
            path: path.to_path_buf(),
            source,
        };
        let len = std::fs::metadata(path).map_err(io)?.len();
        if len > self.config.limits.max_file_bytes {
            return Err(likeness_imaging::ImagingError::FileTooLarge {
                path: path.to_path_buf(),
                bytes: len,
                limit: self.config.limits.max_file_bytes,
            }
            .into());
        }
        Ok(std::fs::read(path).map_err(io)?)
    }

    /// Decodes a photo as the pipeline would (upright, limited).
    pub fn decode(&self, path: &Path) -> Result<DecodedPhoto, EngineError> {
        Ok(load_photo_with(
            path,
            &self.config.limits,
            self.config.orientation,
        )?)
    }

    /// Detects faces on an already decoded upright image (downscaled first when its long side
    /// exceeds `detect_max_side`); detections are in `image`'s frame.
    pub fn detect(&self, image: &RgbImage) -> Result<Vec<Detection>, EngineError> {
        self.detect_with(0, image)
    }

    fn detect_with(&self, worker: usize, image: &RgbImage) -> Result<Vec<Detection>, EngineError> {
        let single_shot = self.config.detector != DetectorKind::Mtcnn;
        let detect = |image: &RgbImage| {
            self.infer(|s| s.detectors[worker % s.detectors.len()].detect(image))
        };
        let seen = if single_shot {
            sized(
                image,
                self.config.detect_min_side,
                self.config.detect_max_side,
            )
        } else {
            capped(image, self.config.detect_max_side)
        };
        let mut detections = detect(&seen)?;
        if seen.dimensions() != image.dimensions() {
            let (from, to) = (seen.dimensions(), image.dimensions());
            detections = detections.iter().map(|d| rescale(d, from, to)).collect();
        }
        if single_shot && seen.width().max(seen.height()) > 2 * COARSE_SIDE {
            // Single-shot detectors were trained on faces up to a few hundred pixels: a face
            // filling a big photo is found on a small copy, and added where it overlaps no
            // face found at full size.
            let coarse = capped(image, COARSE_SIDE);
            let (from, to) = (coarse.dimensions(), image.dimensions());
            for d in detect(&coarse)? {
                let d = rescale(&d, from, to);
                if detections.iter().all(|f| f.bbox.iou(&d.bbox) < 0.3) {
                    detections.push(d);
                }
            }
            detections.sort_by(|a, b| b.score.total_cmp(&a.score));
        }
        if single_shot {
            let min = self.config.min_face_size;
            detections.retain(|d| d.bbox.width().max(d.bbox.height()) >= min);
        }
        Ok(detections)
    }

    /// The 150×150 chip of a detected face.
    ///
    /// [`Alignment::MtcnnTemplate`] (default): the running detector's 5 landmarks on that
    /// detector's own chip template (`ChipAligner::chip_from_landmarks`, fitted per detector).
    /// [`Alignment::ShapePredictor`]: dlib's 5 landmarks predicted inside a dlib-like box
    /// derived from the detection, then dlib's own chip template.
    pub fn chip(&self, image: &RgbImage, detection: &Detection) -> RgbImage {
        let kind = self.config.detector;
        match &self.shape_predictor {
            Some(predictor) => {
                let rect = self
                    .aligner
                    .dlib_rect_from_landmarks(&detection.landmarks, kind);
                let landmarks = predictor.predict(image, rect);
                self.aligner.chip_from_dlib_landmarks(image, &landmarks)
            }
            None => self
                .aligner
                .chip_from_landmarks(image, &detection.landmarks, kind),
        }
    }

    /// The chip aligner (size, padding, per-detector templates).
    pub fn aligner(&self) -> &ChipAligner {
        &self.aligner
    }

    /// Embeds chips (any number, batched internally).
    pub fn embed_chips(&self, chips: &[&RgbImage]) -> Result<Vec<Embedding>, EngineError> {
        self.infer(|s| s.embedder.embed(chips))
    }

    /// Runs the whole pipeline on one photo.
    pub fn analyze(&self, path: &Path, with_embeddings: bool) -> Result<PhotoFaces, EngineError> {
        let never = AtomicBool::new(false);
        let mut out =
            self.analyze_batch(&[path.to_path_buf()], with_embeddings, &never, &mut |_| {});
        out.pop().unwrap_or(Err(EngineError::Cancelled))
    }

    /// Runs the pipeline over many photos. `workers` threads each decode, detect and align
    /// whole photos (each with its own detector); this thread embeds the chips of many
    /// photos together. Returns one result per input, in input order; a bad photo is an
    /// `Err` in its slot and never stops the batch. `cancel` stops the run (remaining slots
    /// become `EngineError::Cancelled`).
    pub fn analyze_batch(
        &self,
        paths: &[PathBuf],
        with_embeddings: bool,
        cancel: &AtomicBool,
        progress: &mut dyn FnMut(BatchProgress),
    ) -> Vec<Result<PhotoFaces, EngineError>> {
        let mut results: Vec<Option<Result<PhotoFaces, EngineError>>> =
            (0..paths.len()).map(|_| None).collect();
        let next = AtomicUsize::new(0);
        let workers = self.workers().min(paths.len().max(1));
        let (tx, rx) =
            mpsc::sync_channel::<(usize, Result<AnalyzedPhoto, EngineError>)>(workers * 2);
        let mut pending = PendingChips::default();
        let mut counts = BatchProgress {
            total: paths.len(),
            ..BatchProgress::default()
        };
        let mut last_report = Instant::now();

        std::thread::scope(|scope| {
            for worker in 0..workers {
                let tx = tx.clone();
                let next = &next;
                scope.spawn(move || loop {
                    if cancel.load(Ordering::Relaxed) {
                        break;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = paths.get(i) else { break };
                    let analyzed = self.analyze_one(worker, path, with_embeddings);
                    if tx.send((i, analyzed)).is_err() {
                        break;
                    }
                });
            }
            drop(tx);

            for (i, analyzed) in rx {
                let outcome = analyzed.map(|a| {
                    for (f, chip) in a.chips.into_iter().enumerate() {
                        pending.push(i, f, chip);
                    }
                    a.photo
                });
                match &outcome {
                    Ok(p) => counts.faces += p.faces.len(),
                    Err(e) => {
                        counts.errors += 1;
                        tracing::warn!(path = %paths[i].display(), error = %e, "photo skipped");
                    }
                }
                results[i] = Some(outcome);
                counts.done += 1;
                if pending.len() >= likeness_vision::embed::MAX_BATCH {
                    pending.flush(self, &mut results);
                }
                if last_report.elapsed() >= Duration::from_millis(200) {
                    progress(counts);
                    last_report = Instant::now();
                }
            }
        });
        pending.flush(self, &mut results);
        progress(counts);

        results
            .into_iter()
            .map(|r| r.unwrap_or(Err(EngineError::Cancelled)))
            .collect()
    }

    /// Decode, detect and (when embeddings are wanted) cut chips for one photo.
    fn analyze_one(
        &self,
        worker: usize,
        path: &Path,
        with_embeddings: bool,
    ) -> Result<AnalyzedPhoto, EngineError> {
        let t = Instant::now();
        let bytes = self.read(path)?;
        let mut timings = StageTimings {
            decode: t.elapsed(),
            ..StageTimings::default()
        };
        let a = self.analyze_impl(worker, &bytes, path, with_embeddings, &mut timings)?;
        Ok(AnalyzedPhoto {
            photo: PhotoFaces {
                path: path.to_path_buf(),
                width: a.photo.full_size.0,
                height: a.photo.full_size.1,
                exif: a.photo.exif,
                faces: a
                    .detections
                    .into_iter()
                    .enumerate()
                    .map(|(i, detection)| FaceRecord {
                        detection,
                        embedding: None,
                        quality: a.quality.get(i).copied(),
                        quality_parts: a.quality_parts.get(i).copied(),
                    })
                    .collect(),
                timings,
            },
            chips: a.chips,
        })
    }

    /// The one route every analysis takes: decode (DCT-reduced for big JPEGs when
    /// `reduced_decode`), detect on a copy capped at `detect_max_side`, map detections to the
    /// full upright frame, cut chips (from a full-resolution decode for small faces).
    fn analyze_impl(
        &self,
        worker: usize,
        bytes: &[u8],
        path: &Path,
        with_chips: bool,
        timings: &mut StageTimings,
    ) -> Result<Analysis, EngineError> {
        let t = Instant::now();
        let cap = self.config.detect_max_side;
        let (limits, orientation) = (&self.config.limits, self.config.orientation);
        let photo = if cap > 0 && self.config.reduced_decode {
            decode_photo_reduced(bytes, path, limits, orientation, cap)?
        } else {
            decode_photo(bytes, path, limits, orientation)?
        };
        timings.decode += t.elapsed();
        let t = Instant::now();
        // Detections in the decoded image's frame, then in the full frame.
        let mut decoded = self.detect_with(worker, &photo.image)?;
        if decoded.is_empty() && self.may_be_sideways(bytes, &photo) {
            if let Some((turn, found)) = self.detect_turned(worker, &photo.image)? {
                tracing::debug!(
                    path = %path.display(),
                    degrees = turn.degrees(),
                    faces = found.len(),
                    "no face upright: faces found on the photo turned"
                );
                decoded = found;
            }
        }
        let full = photo.full_size;
        let detections: Vec<Detection> = if photo.reduction == 1 {
            decoded.clone()
        } else {
            decoded
                .iter()
                .map(|d| rescale(d, photo.image.dimensions(), full))
                .collect()
        };
        timings.detect += t.elapsed();
        let t = Instant::now();
        let chips = if with_chips {
            self.chips_for(bytes, path, &photo, &decoded, &detections, timings)?
        } else {
            Vec::new()
        };
        let kind = self.config.detector;
        let quality_parts: Vec<QualityParts> = detections
            .iter()
            .zip(&chips)
            .map(|(d, chip)| QualityParts::measure(d, chip))
            .collect();
        let quality = quality_parts.iter().map(|q| q.score(kind)).collect();
        timings.align += t.elapsed();
        Ok(Analysis {
            photo,
            detections,
            chips,
            quality,
            quality_parts,
        })
    }

    /// Whether a photo with no face upright gets the sideways retry: `try_rotations` is on,
    /// the alignment is [`Alignment::MtcnnTemplate`] (dlib's shape predictor runs in an
    /// axis-aligned rectangle and expects an upright face in it, so a sideways face would get
    /// wrong landmarks and a wrong chip), and the file carries no EXIF orientation tag at all
    /// (a tag, even 1, means the camera knew which way was up). Files whose metadata the
    /// `image` crate cannot open (HEIF, RAW containers) are never retried.
    fn may_be_sideways(&self, bytes: &[u8], photo: &DecodedPhoto) -> bool {
        self.config.try_rotations
            && self.shape_predictor.is_none()
            && photo.exif.orientation.0 == 1
            && orientation_tag(bytes) == Some(false)
    }

    /// Runs the detector on the image turned 90° clockwise and 270° clockwise; keeps the turn
    /// whose best detection scores highest, with its detections mapped back to `image`'s
    /// frame (`None` when neither finds a face).
    fn detect_turned(
        &self,
        worker: usize,
        image: &RgbImage,
    ) -> Result<Option<(Turn, Vec<Detection>)>, EngineError> {
        let mut best: Option<(Turn, Vec<Detection>)> = None;
        for turn in [Turn::Cw90, Turn::Cw270] {
            let found = self.detect_with(worker, &turn.apply(image))?;
            let score = |d: &[Detection]| d.iter().map(|d| d.score).fold(f32::MIN, f32::max);
            if !found.is_empty() && best.as_ref().is_none_or(|(_, b)| score(&found) > score(b)) {
                best = Some((turn, found));
            }
        }
        let size = image.dimensions();
        Ok(best.map(|(turn, found)| {
            let back = found.iter().map(|d| turn.unturn(d, size)).collect();
            (turn, back)
        }))
    }

    /// One chip per face: from the decoded image when it is full resolution or the face is
    /// big enough in it, else from a full-resolution decode made once for the photo.
    fn chips_for(
        &self,
        bytes: &[u8],
        path: &Path,
        photo: &DecodedPhoto,
        decoded: &[Detection],
        full_frame: &[Detection],
        timings: &mut StageTimings,
    ) -> Result<Vec<RgbImage>, EngineError> {
        let mut full_res: Option<DecodedPhoto> = None;
        let mut chips = Vec::with_capacity(decoded.len());
        for (d, f) in decoded.iter().zip(full_frame) {
            let side = (d.bbox.x2 - d.bbox.x1).max(d.bbox.y2 - d.bbox.y1);
            if photo.reduction == 1 || side >= FULL_RES_CHIP_BOX {
                chips.push(self.chip(&photo.image, d));
                continue;
            }
            let full = match &full_res {
                Some(p) => p,
                None => {
                    let t = Instant::now();
                    let p =
                        decode_photo(bytes, path, &self.config.limits, self.config.orientation)?;
                    timings.decode += t.elapsed();
                    tracing::debug!(path = %path.display(), side, "small face: chip from full resolution");
                    full_res.insert(p)
                }
            };
            chips.push(self.chip(&full.image, f));
        }
        Ok(chips)
    }
}

/// Decoded photo, detections in the full upright frame, chips.
struct Analysis {
    photo: DecodedPhoto,
    detections: Vec<Detection>,
    chips: Vec<RgbImage>,
    /// One per chip.
    quality: Vec<f32>,
    quality_parts: Vec<QualityParts>,
}

/// `image` itself when its long side is within `max_side` (or there is no cap), else a copy
/// scaled (area averaging) so that its long side is `max_side`.
/// `image` enlarged (at most 2×) until its long side reaches `min_side`, else [`capped`].
fn sized(image: &RgbImage, min_side: u32, max_side: u32) -> Cow<'_, RgbImage> {
    let (w, h) = image.dimensions();
    let long = w.max(h);
    if min_side == 0 || long == 0 || long >= min_side {
        return capped(image, max_side);
    }
    let mut scale = (f64::from(min_side) / f64::from(long)).min(2.0);
    if max_side > 0 {
        scale = scale.min(f64::from(max_side) / f64::from(long));
    }
    if scale <= 1.0 {
        return Cow::Borrowed(image);
    }
    let side = |s: u32| ((f64::from(s) * scale).round() as u32).max(1);
    Cow::Owned(image::imageops::resize(
        image,
        side(w),
        side(h),
        image::imageops::FilterType::Triangle,
    ))
}

fn capped(image: &RgbImage, max_side: u32) -> Cow<'_, RgbImage> {
    let (w, h) = image.dimensions();
    let long = w.max(h);
    if max_side == 0 || long <= max_side {
        return Cow::Borrowed(image);
    }
    let scale = f64::from(max_side) / f64::from(long);
    let side = |s: u32| ((f64::from(s) * scale).round() as u32).clamp(1, max_side);
    Cow::Owned(image::imageops::thumbnail(image, side(w), side(h)))
}

/// Maps a detection from an image of size `from` to the same picture at size `to`, pixel
/// centres to pixel centres (`x' = (x + 0.5)·s − 0.5`).
fn rescale(d: &Detection, from: (u32, u32), to: (u32, u32)) -> Detection {
    let sx = f64::from(to.0) / f64::from(from.0);
    let sy = f64::from(to.1) / f64::from(from.1);
    let mx = |x: f64| (x + 0.5) * sx - 0.5;
    let my = |y: f64| (y + 0.5) * sy - 0.5;
    let mut out = d.clone();
    out.bbox.x1 = mx(d.bbox.x1);
    out.bbox.y1 = my(d.bbox.y1);
    out.bbox.x2 = mx(d.bbox.x2);
    out.bbox.y2 = my(d.bbox.y2);
    for (o, p) in out.landmarks.iter_mut().zip(&d.landmarks) {
        *o = Point::new(mx(p.x), my(p.y));
    }
    out
}

/// A quarter turn the sideways retry tries (`EngineConfig::try_rotations`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Turn {
    /// 90° clockwise (`image::imageops::rotate90`).
    Cw90,
    /// 270° clockwise, i.e. 90° counter-clockwise (`image::imageops::rotate270`).
    Cw270,
}

impl Turn {
    fn degrees(self) -> u32 {
        match self {
            Turn::Cw90 => 90,
            Turn::Cw270 => 270,
        }
    }

    fn apply(self, image: &RgbImage) -> RgbImage {
        match self {
            Turn::Cw90 => image::imageops::rotate90(image),
            Turn::Cw270 => image::imageops::rotate270(image),
        }
    }

    /// Maps a detection made on the turned image back to the unturned image of size
    /// `(w, h)`: every landmark point, and the box as the axis-aligned box of the turned box
    /// (exact for quarter turns). Pixel centres map to pixel centres: `rotate90` sends
    /// `(x, y)` to `(h − 1 − y, x)`, `rotate270` sends it to `(y, w − 1 − x)`.
    fn unturn(self, d: &Detection, (w, h): (u32, u32)) -> Detection {
        let (w, h) = (f64::from(w), f64::from(h));
        let back = |u: f64, v: f64| match self {
            Turn::Cw90 => Point::new(v, h - 1.0 - u),
            Turn::Cw270 => Point::new(w - 1.0 - v, u),
        };
        let mut out = d.clone();
        let (a, b) = (back(d.bbox.x1, d.bbox.y1), back(d.bbox.x2, d.bbox.y2));
        out.bbox.x1 = a.x.min(b.x);
        out.bbox.y1 = a.y.min(b.y);
        out.bbox.x2 = a.x.max(b.x);
        out.bbox.y2 = a.y.max(b.y);
        for (o, p) in out.landmarks.iter_mut().zip(&d.landmarks) {
            *o = back(p.x, p.y);
        }
        out
    }
}

/// Whether the photo's EXIF block has an Orientation tag (`Some(false)`: no EXIF, or EXIF
/// without one); `None` when the `image` crate cannot read the container's metadata.
fn orientation_tag(bytes: &[u8]) -> Option<bool> {
    use image::ImageDecoder;
    let reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .ok()?;
    let mut decoder = reader.into_decoder().ok()?;
    let exif = decoder.exif_metadata().ok()?;
    Some(exif.is_some_and(|chunk| image::metadata::Orientation::from_exif_chunk(&chunk).is_some()))
}

/// A photo whose faces are found and whose chips wait for the embedder.
struct AnalyzedPhoto {
    photo: PhotoFaces,
    chips: Vec<RgbImage>,
}

/// Chips waiting to be embedded, with the (photo, face) slot each belongs to.
#[derive(Default)]
struct PendingChips {
    slots: Vec<(usize, usize)>,
    chips: Vec<RgbImage>,
}

impl PendingChips {
    fn push(&mut self, photo: usize, face: usize, chip: RgbImage) {
        self.slots.push((photo, face));
        self.chips.push(chip);
    }

    fn len(&self) -> usize {
        self.chips.len()
    }

    /// Embeds every pending chip in one batch and stores the descriptors in their photos.
    /// A failed batch marks each photo involved as failed (an error, never a panic).
    fn flush(
        &mut self,
        pipeline: &FacePipeline,
        results: &mut [Option<Result<PhotoFaces, EngineError>>],
    ) {
        if self.chips.is_empty() {
            return;
        }
        let start = Instant::now();
        let refs: Vec<&RgbImage> = self.chips.iter().collect();
        let embedded = pipeline.embed_chips(&refs);
        let elapsed = start.elapsed();
        let per_chip = elapsed / (self.chips.len() as u32).max(1);
        match embedded {
            Ok(embeddings) => {
                for ((photo, face), embedding) in self.slots.drain(..).zip(embeddings) {
                    if let Some(Some(Ok(p))) = results.get_mut(photo) {
                        p.timings.embed += per_chip;
                        if let Some(rec) = p.faces.get_mut(face) {
                            rec.embedding = Some(embedding);
                        }
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "embedding batch failed");
                let message = e.to_string();
                for (photo, _) in self.slots.drain(..) {
                    if let Some(slot) = results.get_mut(photo) {
                        if matches!(slot, Some(Ok(_))) {
                            *slot = Some(Err(EngineError::Vision(
                                likeness_vision::VisionError::Inference {
                                    model: names::DLIB_RESNET.to_string(),
                                    message: message.clone(),
                                },
                            )));
                        }
                    }
                }
            }
        }
        self.chips.clear();
    }
}

/// Sums per-photo stage timings.
pub fn total_timings<'a>(photos: impl IntoIterator<Item = &'a PhotoFaces>) -> StageTimings {
    let mut total = StageTimings::default();
    for p in photos {
        total.add(&p.timings);
    }
    total
}
