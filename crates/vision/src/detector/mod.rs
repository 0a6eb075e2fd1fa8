//! One interface over the face detectors.
//!
//! Every detector takes an upright RGB image and returns [`Detection`]s in that image's pixel
//! frame, highest score first, with five landmarks in one order: eye on the image's left, eye on
//! the image's right, nose tip, mouth corner image-left, mouth corner image-right. What differs
//! is inside: MTCNN is a three-stage cascade over an image pyramid ([`crate::mtcnn`]); YuNet,
//! CenterFace and RetinaFace are single-shot networks run once on the whole image
//! ([`SingleShotDetector`]), each decoded exactly as its reference code does
//! (`models/detector_reference.py`, checked by `tests/detector_parity.rs`).

mod nms;
mod single_shot;

use std::fmt;

use image::RgbImage;

use crate::error::VisionError;
use crate::models::{names, ModelStore};
use crate::mtcnn::{MtcnnConfig, MtcnnDetector};
use crate::runtime::{OrtRuntime, Provider};
use crate::types::Detection;

pub use nms::{opencv_nms_boxes, OpenCvRect};
pub use single_shot::SingleShotDetector;

/// The detectors Likeness can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DetectorKind {
    /// MTCNN (2016), three cascaded networks over an image pyramid.
    #[default]
    Mtcnn,
    /// YuNet 2023mar (OpenCV Zoo): anchor-free, strides 8/16/32, 232 KB.
    Yunet,
    /// CenterFace: heatmap at stride 4.
    Centerface,
    /// RetinaFace with a MobileNet-0.25 backbone: anchors at strides 8/16/32.
    Retinaface,
}

impl DetectorKind {
    /// Every detector, in the order the user sees them.
    pub const ALL: [DetectorKind; 4] = [
        DetectorKind::Mtcnn,
        DetectorKind::Yunet,
        DetectorKind::Centerface,
        DetectorKind::Retinaface,
    ];

    /// The stable name used in settings, the CLI and model ids.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mtcnn => "mtcnn",
            Self::Yunet => "yunet",
            Self::Centerface => "centerface",
            Self::Retinaface => "retinaface",
        }
    }

    /// Parses [`Self::name`].
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The model files it needs (builtin manifest names).
    pub fn models(self) -> &'static [&'static str] {
        match self {
            Self::Mtcnn => &[names::PNET, names::RNET, names::ONET],
            Self::Yunet => &[names::YUNET],
            Self::Centerface => &[names::CENTERFACE],
            Self::Retinaface => &[names::RETINAFACE],
        }
    }

    /// The score cut of the model's own reference code (what the parity test uses).
    pub fn reference_score_threshold(self) -> f32 {
        match self {
            Self::Mtcnn => 0.7,
            Self::Yunet => 0.9,
            Self::Centerface => 0.5,
            Self::Retinaface => 0.9,
        }
    }

    /// The NMS overlap of the model's own reference code.
    pub fn reference_nms_threshold(self) -> f32 {
        match self {
            Self::Mtcnn => 0.7,
            Self::Yunet => 0.3,
            Self::Centerface => 0.3,
            Self::Retinaface => 0.4,
        }
    }
}

impl fmt::Display for DetectorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a detector is run.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectorOptions {
    /// Smallest face side, in pixels: MTCNN's pyramid starts there; the single-shot detectors
    /// drop boxes whose longer side is smaller.
    pub min_face_size: f64,
    /// Faces scoring below this are not reported; `None` = the reference's own cut
    /// ([`DetectorKind::reference_score_threshold`]). Ignored by MTCNN (its cascade thresholds
    /// are part of the model).
    pub score_threshold: Option<f32>,
}

impl Default for DetectorOptions {
    fn default() -> Self {
        Self {
            min_face_size: 20.0,
            score_threshold: None,
        }
    }
}

/// A loaded face detector.
pub trait FaceDetector: fmt::Debug + Send + Sync {
    /// Which detector this is.
    fn kind(&self) -> DetectorKind;
    /// Faces in an upright RGB image, highest score first.
    fn detect(&self, image: &RgbImage) -> Result<Vec<Detection>, VisionError>;
    /// The execution provider running it.
    fn provider(&self) -> Provider;
}

impl FaceDetector for MtcnnDetector {
    fn kind(&self) -> DetectorKind {
        DetectorKind::Mtcnn
    }
    fn detect(&self, image: &RgbImage) -> Result<Vec<Detection>, VisionError> {
        MtcnnDetector::detect(self, image)
    }
    fn provider(&self) -> Provider {
        MtcnnDetector::provider(self)
    }
}

/// Opens `kind`'s models from `store` on `runtime`.
pub fn open_detector(
    kind: DetectorKind,
    runtime: &OrtRuntime,
    store: &ModelStore,
    options: &DetectorOptions,
) -> Result<Box<dyn FaceDetector>, VisionError> {
    match kind {
        DetectorKind::Mtcnn => {
            let (_, pnet) = store.resolve(names::PNET)?;
            let (_, rnet) = store.resolve(names::RNET)?;
            let (_, onet) = store.resolve(names::ONET)?;
            let config = MtcnnConfig {
                min_face_size: options.min_face_size,
                ..MtcnnConfig::default()
            };
            Ok(Box::new(MtcnnDetector::new(
                runtime, &pnet, &rnet, &onet, config,
            )?))
        }
        single => {
            let (manifest, path) = store.resolve(single.models()[0])?;
            Ok(Box::new(SingleShotDetector::new(
                single, runtime, &manifest, &path, options,
            )?))
        }
    }
}
