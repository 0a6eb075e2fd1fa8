//! `doctor`: is everything the pipeline needs present, intact and loadable, and which
//! execution provider will run it?

use std::path::PathBuf;

use likeness_vision::models::{builtin_manifests, ModelStore};
use likeness_vision::runtime::{discover_library, ProviderAttempt};
use likeness_vision::{OrtRuntime, Provider};

use crate::config::EngineConfig;

/// One model file's state.
#[derive(Debug, Clone)]
pub struct ModelCheck {
    pub name: String,
    pub path: PathBuf,
    /// `Ok` when present and its sha256 matches the manifest built into this binary.
    pub status: Result<(), String>,
}

/// What `doctor` found.
#[derive(Debug, Clone)]
pub struct DoctorReport {
    pub runtime_library: Result<PathBuf, String>,
    pub runtime_version: Option<String>,
    pub models_dir: Result<PathBuf, String>,
    pub models: Vec<ModelCheck>,
    /// Every execution provider tried, in order, with why it was or was not used.
    pub provider_attempts: Vec<ProviderAttempt>,
    pub active_provider: Option<Provider>,
}

impl DoctorReport {
    /// True when the pipeline can run.
    pub fn ok(&self) -> bool {
        self.runtime_library.is_ok()
            && self.runtime_version.is_some()
            && self.models_dir.is_ok()
            && self.models.iter().all(|m| m.status.is_ok())
            && self.active_provider.is_some()
    }
}

/// Checks the runtime library, every model file (sha256) and the execution providers.
pub fn doctor(config: &EngineConfig) -> DoctorReport {
    let runtime_library = match &config.ort_library {
        Some(p) if p.is_file() => Ok(p.clone()),
        Some(p) => Err(format!("{} does not exist", p.display())),
        None => discover_library().map_err(|e| e.to_string()),
    };
    let runtime = runtime_library
        .as_ref()
        .ok()
        .map(|lib| OrtRuntime::load(lib, config.provider).map_err(|e| e.to_string()));
    let (runtime_version, runtime) = match runtime {
        Some(Ok(rt)) => (Some(rt.version()), Some(rt)),
        _ => (None, None),
    };
    let store = match &config.models_dir {
        Some(d) => Ok(ModelStore::at(d)),
        None => ModelStore::discover().map_err(|e| e.to_string()),
    };
    let models_dir = store
        .as_ref()
        .map(|s| s.dir().to_path_buf())
        .map_err(Clone::clone);
    let mut models = Vec::new();
    match builtin_manifests() {
        Ok(manifests) => {
            for m in manifests {
                let (path, status) = match &store {
                    Ok(s) => (s.path_of(&m), s.verify(&m).map_err(|e| e.to_string())),
                    Err(e) => (PathBuf::from(&m.file), Err(e.clone())),
                };
                models.push(ModelCheck {
                    name: m.name.clone(),
                    path,
                    status,
                });
            }
        }
        Err(e) => models.push(ModelCheck {
            name: "manifests".into(),
            path: PathBuf::from("models"),
            status: Err(e.to_string()),
        }),
    }
    let mut provider_attempts = Vec::new();
    let mut active_provider = None;
    if let (Some(rt), Ok(store)) = (&runtime, &store) {
        if let Ok((_, path)) = store.resolve(likeness_vision::models::names::DLIB_RESNET) {
            match rt.open_session(&path) {
                Ok((_, provider, attempts)) => {
                    active_provider = Some(provider);
                    provider_attempts = attempts;
                }
                Err(e) => provider_attempts.push(ProviderAttempt {
                    provider: Provider::Cpu,
                    outcome: Err(e.to_string()),
                }),
            }
        }
    }
    DoctorReport {
        runtime_library: runtime_library.map_err(|e| e.to_string()),
        runtime_version,
        models_dir,
        models,
        provider_attempts,
        active_provider,
    }
}
