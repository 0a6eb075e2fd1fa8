//! Faces of single photos (`likeness detect`, `compare`) and the setup check (`doctor`).

use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

use likeness_engine::{Detection, DoctorReport, EngineError, GpuReport, PhotoFaces};

use crate::error::ApiError;

/// A face the detector found.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DetectedFaceDto {
    /// `[x1, y1, x2, y2]` in the upright image's pixels.
    #[serde(rename = "box")]
    pub bbox: [f64; 4],
    pub score: f32,
    /// Eye (image left), eye (image right), nose tip, mouth corner (image left), mouth corner
    /// (image right).
    pub landmarks: [[f64; 2]; 5],
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub embedding: Option<Vec<f32>>,
}

impl DetectedFaceDto {
    pub fn new(d: &Detection, embedding: Option<&[f32]>) -> Self {
        Self {
            bbox: [d.bbox.x1, d.bbox.y1, d.bbox.x2, d.bbox.y2],
            score: d.score,
            landmarks: d.landmarks.map(|p| [p.x, p.y]),
            embedding: embedding.map(<[f32]>::to_vec),
        }
    }
}

/// One photo of `likeness detect`: its faces, or why it failed.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PhotoDto {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub height: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub orientation: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub faces: Option<Vec<DetectedFaceDto>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub error: Option<ApiError>,
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
                        DetectedFaceDto::new(
                            &f.detection,
                            f.embedding.as_ref().map(|e| e.0.as_slice()),
                        )
                    })
                    .collect(),
            ),
            error: None,
        }
    }

    pub fn failed(path: &Path, e: &EngineError) -> Self {
        Self {
            path: path.display().to_string(),
            width: None,
            height: None,
            orientation: None,
            faces: None,
            error: Some(e.into()),
        }
    }
}

/// `likeness compare`: the distance between the main faces of two photos.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CompareDto {
    pub a: String,
    pub b: String,
    pub distance: f32,
    pub threshold: f32,
    pub same_person: bool,
}

/// A model file `doctor` checked.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ModelCheckDto {
    pub name: String,
    pub path: String,
    pub ok: bool,
    /// Whether the current settings load it (a bad model that is not needed is no problem).
    pub needed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub error: Option<String>,
}

/// Something that stops faces from being found: what is wrong, and what to do.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProblemDto {
    /// One sentence for anyone.
    pub what: String,
    /// Paths, checksums, the loader's error.
    pub detail: String,
    pub fix: String,
}

/// An execution provider `doctor` tried, and why it was not used.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProviderAttemptDto {
    pub provider: String,
    pub used: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reason: Option<String>,
}

/// The GPU: is the pack there, does a GPU run the models, and why not when it does not.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GpuDto {
    /// A GPU pack exists for this system (NVIDIA, Linux x86_64).
    pub pack_available: bool,
    pub pack_title: Option<String>,
    /// What installing downloads, and what the installed pack takes, in bytes.
    pub download_bytes: u64,
    pub installed_bytes: u64,
    /// Where the pack is, or where installing puts it.
    pub pack_dir: Option<String>,
    /// A complete pack is installed.
    pub installed: bool,
    /// The GPU running the models, described; none when they run on the CPU.
    pub device: Option<String>,
    /// The GPU the NVIDIA driver sees, described (whether or not the models run on it).
    pub driver_device: Option<String>,
    /// Why there is no usable NVIDIA driver ("no NVIDIA driver is installed …"); the pack is
    /// of use only once there is one.
    pub driver_problem: Option<String>,
    /// The provider running the embedder ("CPU", "CUDA (GPU)").
    pub provider: Option<String>,
    /// Why the CPU runs the models ("running on CPU: …"); none on the GPU.
    pub cpu_reason: Option<String>,
    /// Where installing downloads from (PyPI, or `LIKENESS_GPU_WHEELS`).
    pub source: String,
}

impl From<&GpuReport> for GpuDto {
    fn from(r: &GpuReport) -> Self {
        Self {
            pack_available: r.pack_available,
            pack_title: r.pack_title.clone(),
            download_bytes: r.download_bytes,
            installed_bytes: r.installed_bytes,
            pack_dir: r.pack_dir.as_ref().map(|p| p.display().to_string()),
            installed: r.installed,
            device: r.device.clone(),
            driver_device: r.driver.as_ref().ok().cloned(),
            driver_problem: r.driver.as_ref().err().cloned(),
            provider: r.provider.map(|p| p.label().to_string()),
            cpu_reason: r.cpu_reason.clone(),
            source: likeness_engine::gpu::pack_source(),
        }
    }
}

/// Progress of a GPU pack install.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GpuInstallProgressDto {
    /// `downloading`, `unpacking` or `done`.
    pub phase: String,
    /// The wheel being worked on.
    pub item: String,
    pub bytes_done: u64,
    pub bytes_total: u64,
}

impl From<&likeness_engine::gpu::FetchProgress> for GpuInstallProgressDto {
    fn from(p: &likeness_engine::gpu::FetchProgress) -> Self {
        use likeness_engine::gpu::FetchPhase;
        Self {
            phase: match p.phase {
                FetchPhase::Downloading => "downloading",
                FetchPhase::Unpacking => "unpacking",
                FetchPhase::Done => "done",
            }
            .into(),
            item: p.item.clone(),
            bytes_done: p.bytes_done,
            bytes_total: p.bytes_total,
        }
    }
}

/// What a GPU pack install did (`likeness_engine::gpu::InstallSummary`).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GpuInstalledDto {
    /// The installed pack folder.
    pub pack_dir: String,
    /// Bytes downloaded by this try (less than the whole when an earlier try was resumed).
    pub downloaded_bytes: u64,
    /// Wheels an earlier try had already unpacked.
    pub resumed: usize,
    pub seconds: f64,
}

impl From<&likeness_engine::gpu::InstallSummary> for GpuInstalledDto {
    fn from(s: &likeness_engine::gpu::InstallSummary) -> Self {
        Self {
            pack_dir: s.pack.display().to_string(),
            downloaded_bytes: s.downloaded,
            resumed: s.resumed,
            seconds: s.elapsed.as_secs_f64(),
        }
    }
}

/// The messages of a GPU pack install in the desktop app (its `gpu-install` event): progress,
/// then one of `installed`, `cancelled` or `failed`.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "event", content = "data", rename_all = "camelCase")]
pub enum GpuInstallEvent {
    Progress(GpuInstallProgressDto),
    /// The pack is complete; it is used from the next start of the app.
    Installed(GpuInstalledDto),
    /// Stopped on request; what was unpacked is kept for the next try.
    Cancelled,
    Failed(ApiError),
}

/// `likeness doctor`: can the face pipeline run here, and on what.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DoctorDto {
    pub ok: bool,
    /// `{"Ok": path}` or `{"Err": why}`.
    pub runtime_library: Result<String, String>,
    pub runtime_version: Option<String>,
    pub models_dir: Result<String, String>,
    pub models: Vec<ModelCheckDto>,
    pub providers_tried: Vec<ProviderAttemptDto>,
    pub active_provider: Option<String>,
    /// How this copy is installed: `package`, `checkout` or `other`.
    pub install: String,
    /// Empty when faces can be found here.
    pub problems: Vec<ProblemDto>,
    /// The GPU pack and the GPU (not using the GPU is never a problem).
    pub gpu: GpuDto,
}

impl From<&DoctorReport> for DoctorDto {
    fn from(report: &DoctorReport) -> Self {
        Self {
            ok: report.ok(),
            runtime_library: report
                .runtime_library
                .as_ref()
                .map(|p| p.display().to_string())
                .map_err(Clone::clone),
            runtime_version: report.runtime_version.clone(),
            models_dir: report
                .models_dir
                .as_ref()
                .map(|p| p.display().to_string())
                .map_err(Clone::clone),
            models: report
                .models
                .iter()
                .map(|m| ModelCheckDto {
                    name: m.name.clone(),
                    path: m.path.display().to_string(),
                    ok: m.status.is_ok(),
                    needed: m.needed,
                    error: m.status.as_ref().err().cloned(),
                })
                .collect(),
            providers_tried: report
                .provider_attempts
                .iter()
                .map(|a| ProviderAttemptDto {
                    provider: a.provider.label().to_string(),
                    used: a.outcome.is_ok(),
                    reason: a.outcome.as_ref().err().cloned(),
                })
                .collect(),
            active_provider: report.active_provider.map(|p| p.label().to_string()),
            install: report.install.label().to_string(),
            gpu: GpuDto::from(&report.gpu),
            problems: report
                .problems
                .iter()
                .map(|p| ProblemDto {
                    what: p.what.clone(),
                    detail: p.detail.clone(),
                    fix: p.fix.clone(),
                })
                .collect(),
        }
    }
}
