//! The GPU, as the front ends see it: is the pack installed, does a GPU answer, why the CPU
//! runs the models when it does, and installing or removing the pack (the download itself is
//! `likeness-fetch`, the only code that uses the network, run only on the user's request).

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use likeness_fetch::PackSource;
use likeness_vision::gpu::{check_pack, discover_pack, user_pack_dir, GpuPackManifest, GpuState};
use likeness_vision::runtime::ProviderAttempt;
use likeness_vision::{Provider, ProviderPreference};

use crate::error::EngineError;

pub use likeness_fetch::{FetchError, FetchPhase, FetchProgress, InstallSummary, WHEELS_ENV};
pub use likeness_vision::gpu::GPU_PACK_ENV;

/// The GPU as `doctor`, Settings and `likeness gpu status` show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpuReport {
    /// Whether a GPU pack exists for this system (NVIDIA on Linux x86_64).
    pub pack_available: bool,
    /// "NVIDIA GPU pack (CUDA 13, cuDNN 9)".
    pub pack_title: Option<String>,
    /// Bytes `install` downloads, and the pack's size once installed.
    pub download_bytes: u64,
    pub installed_bytes: u64,
    /// Where the pack is (found), else where `install` puts it.
    pub pack_dir: Option<PathBuf>,
    /// A complete pack is there.
    pub installed: bool,
    /// The GPU in use ("NVIDIA H100 …, 79.2 GiB, driver CUDA 13.0"), when the models run on it.
    pub device: Option<String>,
    /// What the NVIDIA driver reports: the GPU it sees, described, or why there is none
    /// ("no NVIDIA driver is installed …") — the pack is of use only with a driver.
    pub driver: Result<String, String>,
    /// The provider the embedder runs on (None when nothing could be loaded).
    pub provider: Option<Provider>,
    /// Why the models run on the CPU, in words; None when they run on the GPU.
    pub cpu_reason: Option<String>,
}

impl GpuReport {
    /// Builds the report from how the runtime was chosen (`state`) and what the embedder's
    /// session opened on.
    pub fn new(
        state: Option<&GpuState>,
        provider: Option<Provider>,
        attempts: &[ProviderAttempt],
        preference: ProviderPreference,
    ) -> Self {
        let manifest = GpuPackManifest::for_this_system();
        let found = manifest.and_then(discover_pack);
        let installed = match (manifest, &found) {
            (Some(m), Some(dir)) => check_pack(dir, m).is_ok(),
            _ => false,
        };
        let on_gpu = provider.is_some_and(Provider::is_gpu);
        let device = match (state, on_gpu) {
            (Some(GpuState::Ready { device, .. }), true) => Some(device.describe()),
            _ => None,
        };
        let cpu_reason = why_cpu(state, provider, attempts, preference);
        let driver = if manifest.is_some() {
            likeness_vision::gpu::probe_driver().map(|d| d.describe())
        } else {
            Err("no GPU pack exists for this system".into())
        };
        Self {
            driver,
            pack_available: manifest.is_some(),
            pack_title: manifest.map(|m| m.title.clone()),
            download_bytes: manifest.map_or(0, GpuPackManifest::download_bytes),
            installed_bytes: manifest.map_or(0, GpuPackManifest::installed_bytes),
            pack_dir: found.or_else(|| manifest.and_then(user_pack_dir)),
            installed,
            device,
            provider,
            cpu_reason,
        }
    }
}

/// Why the CPU runs the models, in words; `None` when `provider` is a GPU. `state`: how the
/// runtime was chosen; `attempts`: the providers the embedder's session tried.
pub(crate) fn why_cpu(
    state: Option<&GpuState>,
    provider: Option<Provider>,
    attempts: &[ProviderAttempt],
    preference: ProviderPreference,
) -> Option<String> {
    if provider.is_some_and(Provider::is_gpu) {
        None
    } else if preference == ProviderPreference::CpuOnly {
        Some(likeness_vision::runtime::CPU_CHOSEN.into())
    } else if let Some(r) = state.and_then(GpuState::reason) {
        Some(r.to_string())
    } else if let Some(e) = attempts.iter().find_map(|a| a.outcome.as_ref().err()) {
        Some(format!("the GPU did not start: {e}"))
    } else if provider.is_none() {
        Some("the face models could not be loaded".into())
    } else {
        Some("no GPU execution provider is available".into())
    }
}

/// Where `install` puts the pack for this user.
pub fn pack_target() -> Result<(&'static GpuPackManifest, PathBuf), EngineError> {
    let manifest = GpuPackManifest::for_this_system().ok_or_else(|| EngineError::Invalid {
        message: "there is no GPU pack for this system: the NVIDIA pack is for Linux x86_64 (see the README's GPU section for Windows and macOS)".into(),
    })?;
    let target = user_pack_dir(manifest).ok_or_else(|| EngineError::Invalid {
        message: "no per-user data folder (HOME is not set)".into(),
    })?;
    Ok((manifest, target))
}

/// Whether a complete pack (the one this build needs) is at `target`.
pub fn is_installed(target: &std::path::Path) -> bool {
    GpuPackManifest::for_this_system().is_some_and(|m| check_pack(target, m).is_ok())
}

/// What the NVIDIA driver reports: the GPU, described, or why there is none.
pub fn probe_driver() -> Result<String, String> {
    likeness_vision::gpu::probe_driver().map(|d| d.describe())
}

/// Downloads and installs the GPU pack into the per-user data folder, from PyPI or
/// `$LIKENESS_GPU_WHEELS`. Takes effect the next time Likeness starts.
pub fn install_pack(
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&FetchProgress),
) -> Result<InstallSummary, EngineError> {
    let (manifest, target) = pack_target()?;
    let source = PackSource::from_env();
    tracing::info!(target = %target.display(), source = %source.describe(), "installing the GPU pack");
    likeness_fetch::install_pack(manifest, &target, &source, cancel, progress).map_err(fetch_error)
}

/// Removes the per-user GPU pack (and any unfinished install). Returns whether one was there.
pub fn remove_pack() -> Result<bool, EngineError> {
    let (_, target) = pack_target()?;
    likeness_fetch::remove_pack(&target).map_err(fetch_error)
}

/// Hashes every library of the installed pack; returns the ones that differ from the manifest.
pub fn verify_pack() -> Result<Vec<String>, EngineError> {
    let (manifest, target) = pack_target()?;
    let root = discover_pack(manifest).unwrap_or(target);
    likeness_fetch::verify_pack(manifest, &root).map_err(fetch_error)
}

/// Where the wheels come from, for messages.
pub fn pack_source() -> String {
    PackSource::from_env().describe()
}

fn fetch_error(e: FetchError) -> EngineError {
    match e {
        FetchError::Cancelled => EngineError::Cancelled,
        other => EngineError::Invalid {
            message: other.to_string(),
        },
    }
}
