//! DTOs: the only place the CLI's wire format is defined. Core types are converted here.

use serde::Serialize;

use likeness_engine::{Detection, EngineError, ImagingError, PhotoFaces};

#[derive(Debug, Serialize)]
pub struct FaceDto {
    /// `[x1, y1, x2, y2]` in the upright image's pixels.
    #[serde(rename = "box")]
    pub bbox: [f64; 4],
    pub score: f32,
    /// Eye (image left), eye (image right), nose tip, mouth corner (image left), mouth corner (image right).
    pub landmarks: [[f64; 2]; 5],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embedding: Option<Vec<f32>>,
}

impl FaceDto {
    pub fn new(d: &Detection, embedding: Option<&[f32]>) -> Self {
        Self {
            bbox: [d.bbox.x1, d.bbox.y1, d.bbox.x2, d.bbox.y2],
            score: d.score,
            landmarks: d.landmarks.map(|p| [p.x, p.y]),
            embedding: embedding.map(<[f32]>::to_vec),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ErrorDto {
    /// Stable machine-readable class: io, empty, unknown_format, unsupported_format,
    /// too_large, file_too_large, decode, model, runtime, inference, cancelled.
    pub code: &'static str,
    pub message: String,
}

impl ErrorDto {
    pub fn new(e: &EngineError) -> Self {
        let code = match e {
            EngineError::Imaging(i) => match i {
                ImagingError::Io { .. } => "io",
                ImagingError::Empty { .. } => "empty",
                ImagingError::UnknownFormat { .. } => "unknown_format",
                ImagingError::UnsupportedFormat { .. } => "unsupported_format",
                ImagingError::TooLarge { .. } => "too_large",
                ImagingError::FileTooLarge { .. } => "file_too_large",
                ImagingError::Decode { .. } => "decode",
                ImagingError::NoPreview { .. } => "no_preview",
            },
            EngineError::Vision(v) => match v {
                likeness_engine::VisionError::Runtime { .. } => "runtime",
                likeness_engine::VisionError::Inference { .. } => "inference",
                _ => "model",
            },
            EngineError::Cancelled => "cancelled",
        };
        Self {
            code,
            message: e.to_string(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct PhotoDto {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orientation: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub faces: Option<Vec<FaceDto>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDto>,
}

impl PhotoDto {
    pub fn ok(p: &PhotoFaces) -> Self {
        Self {
            path: p.path.display().to_string(),
            width: Some(p.width),
            height: Some(p.height),
            orientation: Some(p.exif.orientation.0),
            faces: Some(
                p.faces
                    .iter()
                    .map(|f| {
                        FaceDto::new(&f.detection, f.embedding.as_ref().map(|e| e.0.as_slice()))
                    })
                    .collect(),
            ),
            error: None,
        }
    }

    pub fn failed(path: &std::path::Path, e: &EngineError) -> Self {
        Self {
            path: path.display().to_string(),
            width: None,
            height: None,
            orientation: None,
            faces: None,
            error: Some(ErrorDto::new(e)),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct CompareDto {
    pub a: String,
    pub b: String,
    pub distance: f32,
    pub threshold: f32,
    pub same_person: bool,
}

#[derive(Debug, Serialize)]
pub struct ModelDto {
    pub name: String,
    pub path: String,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ProviderDto {
    pub provider: &'static str,
    pub used: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct DoctorDto {
    pub ok: bool,
    pub runtime_library: Result<String, String>,
    pub runtime_version: Option<String>,
    pub models_dir: Result<String, String>,
    pub models: Vec<ModelDto>,
    pub providers_tried: Vec<ProviderDto>,
    pub active_provider: Option<&'static str>,
}
