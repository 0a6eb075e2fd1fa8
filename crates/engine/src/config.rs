//! Engine configuration: passed in, never read from globals inside the logic.

use std::path::{Path, PathBuf};
use std::time::Duration;

use likeness_imaging::{DecodeLimits, OrientationMode};
use likeness_vision::{DetectorKind, ProviderPreference};

use crate::people::PeopleConfig;

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

/// Default [`EngineConfig::detect_max_side`] (chosen from the measurements in
/// bench/README.md, "Memory and reduced decoding").
pub const DEFAULT_DETECT_MAX_SIDE: u32 = 1600;

/// How to build the face pipeline.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Folder of model files; `None` = discover (env var, beside the executable, user data).
    pub models_dir: Option<PathBuf>,
    /// ONNX Runtime library; `None` = discover.
    pub ort_library: Option<PathBuf>,
    /// GPU when available (default) or CPU only.
    pub provider: ProviderPreference,
    /// Which face detector runs.
    pub detector: DetectorKind,
    /// The detector's score cut; `None` = its reference code's own
    /// ([`DetectorKind::reference_score_threshold`]).
    pub detector_score_threshold: Option<f32>,
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
    /// Chips embedded per ONNX Runtime run (1–64). Bigger batches are slightly faster and
    /// cost memory: the runtime keeps activation buffers for the largest batch it ran.
    pub embed_batch: usize,
    /// Keep ONNX Runtime's CPU memory arena: ~6 % faster on the CPU, twice the peak memory
    /// (1.57 vs 0.75 GB on celeba-dev). Off by default.
    pub cpu_memory_arena: bool,
    /// Threads ONNX Runtime uses inside one model run: the embedder gets all of them, each
    /// worker's detector `inference_threads / workers` (at least 1).
    pub inference_threads: usize,
    /// Longest side, in pixels, of the image the detector sees (0 = no cap). Larger photos are
    /// downscaled (area averaging) before MTCNN and the boxes and landmarks mapped back to
    /// the full frame; chips are still cut at full resolution. This bounds the detector's
    /// buffers (each MTCNN keeps ONNX buffers sized by its largest pyramid level: ~1.5 GB per
    /// worker on a 20 MP photo) at the cost of faces smaller than
    /// `min_face_size × long side / detect_max_side` (bench/README.md).
    pub detect_max_side: u32,
    /// Smaller photos are enlarged (at most 2×, bilinear) until their long side reaches this
    /// before a single-shot detector sees them, so faces below its smallest anchor are found
    /// (0 = never). MTCNN ignores it: its pyramid already starts at `min_face_size`.
    pub detect_min_side: u32,
    /// With a cap, decode JPEGs (and RAW previews) at 1/2, 1/4 or 1/8 by DCT scaling when the
    /// long side stays ≥ `detect_max_side`; faces too small in the reduced image get their
    /// chip from a full-resolution decode.
    pub reduced_decode: bool,
    /// When a photo without any EXIF orientation tag (scans, old cameras) has no face
    /// upright, also run the detector on it turned 90° and 270° and keep the turn whose best
    /// face scores highest (boxes and landmarks mapped back to the upright frame; chips are cut
    /// upright by the landmark alignment). Only with [`Alignment::MtcnnTemplate`]: the shape
    /// predictor expects an upright face. Off by default: the retry runs on every photo
    /// without a face and costs two more detections there (bench/README.md, "Sideways
    /// photos").
    pub try_rotations: bool,
    /// Clustering and matching faces to people (thresholds, clustering parameters, whether
    /// indexing clusters by itself).
    pub people: PeopleConfig,
    /// XMP face regions: automatic export after people edits and what it writes.
    pub xmp: XmpConfig,
}

impl EngineConfig {
    /// Runs `kind`, with its quality bar ([`crate::people::quality_bar`]) unless the bar is
    /// off (0: "include small and blurry faces").
    pub fn set_detector(&mut self, kind: DetectorKind) {
        self.detector = kind;
        if self.people.min_quality > 0.0 {
            self.people.min_quality = crate::people::quality_bar(kind);
        }
    }
}

/// Default chips per embedder run (see bench/README.md, "Memory").
pub const DEFAULT_EMBED_BATCH: usize = 64;

impl Default for EngineConfig {
    fn default() -> Self {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        Self {
            models_dir: None,
            ort_library: None,
            provider: ProviderPreference::Auto,
            detector: DetectorKind::default(),
            detector_score_threshold: None,
            alignment: Alignment::default(),
            min_face_size: 20.0,
            limits: DecodeLimits::default(),
            orientation: OrientationMode::Apply,
            workers: cores,
            inference_threads: cores,
            embed_batch: DEFAULT_EMBED_BATCH,
            cpu_memory_arena: false,
            detect_max_side: DEFAULT_DETECT_MAX_SIDE,
            detect_min_side: 0,
            reduced_decode: true,
            try_rotations: false,
            people: PeopleConfig::default(),
            xmp: XmpConfig::default(),
        }
    }
}

/// Where a photo's sidecar lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SidecarStyle {
    /// `photo.jpg.xmp` (default: unambiguous when `photo.jpg` and `photo.cr2` sit together;
    /// darktable, digiKam).
    #[default]
    PhotoJpgXmp,
    /// `photo.xmp` (Lightroom, exiftool's `%d%f.xmp`).
    PhotoXmp,
}

impl SidecarStyle {
    /// The sidecar path of `photo` in this style.
    pub fn sidecar_path(self, photo: &Path) -> PathBuf {
        match self {
            SidecarStyle::PhotoJpgXmp => {
                let mut s = photo.as_os_str().to_owned();
                s.push(".xmp");
                PathBuf::from(s)
            }
            SidecarStyle::PhotoXmp => photo.with_extension("xmp"),
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SidecarStyle::PhotoJpgXmp => "jpg-xmp",
            SidecarStyle::PhotoXmp => "xmp",
        }
    }
}

/// How an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct XmpOptions {
    pub sidecar_style: SidecarStyle,
    /// Write into JPEG files themselves instead of a sidecar (other formats still get a
    /// sidecar). Off by default: it changes the photo's bytes, so the next scan sees new
    /// content (decisions follow the faces by IoU).
    pub embed_in_jpeg: bool,
    /// Also write `dc:subject` `Name` and `lr:hierarchicalSubject` `People|Name`.
    pub keywords: bool,
    /// Report what would change; write nothing (no file, no catalog row).
    pub dry_run: bool,
}

/// Automatic export after people edits (in `EngineConfig::xmp`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmpConfig {
    /// Export the marked photos after people edits and clustering. Default ON (sidecars only):
    /// the issue asks for "automatic on every people edit"; a user who does not want sidecars
    /// turns it off (CLI: `--no-xmp-export` / `LIKENESS_NO_XMP_EXPORT=1`).
    pub auto_export: bool,
    /// Quiet time after the last edit before the automatic export runs. Default 2 s.
    pub debounce: Duration,
    /// What the automatic export writes (never `dry_run`).
    pub options: XmpOptions,
}

impl Default for XmpConfig {
    fn default() -> Self {
        Self {
            auto_export: true,
            debounce: Duration::from_secs(2),
            options: XmpOptions::default(),
        }
    }
}
