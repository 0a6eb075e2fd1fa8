//! `doctor`: is everything the pipeline needs present, intact and loadable, and which
//! execution provider will run it?

use std::path::PathBuf;

use likeness_vision::install::Install;
use likeness_vision::models::{builtin_manifests, names, ModelStore};
use likeness_vision::runtime::{choose_runtime, ProviderAttempt};
use likeness_vision::{OrtRuntime, Provider};

use crate::config::{Alignment, EngineConfig};
use crate::gpu::GpuReport;

/// One model file's state.
#[derive(Debug, Clone)]
pub struct ModelCheck {
    pub name: String,
    pub path: PathBuf,
    /// `Ok` when present and its sha256 matches the manifest built into this binary.
    pub status: Result<(), String>,
    /// Whether the current settings load it (the chosen detector, the embedder, the shape
    /// predictor when it aligns). A bad model that is not needed is reported, not a failure.
    pub needed: bool,
}

/// Something that stops faces from being found, in words for a person: what is wrong and
/// what to do about it. The app shows these full width; `likeness doctor` prints them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// One sentence for anyone.
    pub what: String,
    /// The technical particulars (paths, checksums, the loader's error), for a bug report.
    pub detail: String,
    pub fix: String,
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
    /// The GPU pack, the GPU, and why the CPU runs the models when it does.
    pub gpu: GpuReport,
    /// How this copy is installed (decides the repair advice).
    pub install: Install,
    /// Why faces cannot be found here, with what to do; empty when the pipeline can run.
    pub problems: Vec<Problem>,
}

impl DoctorReport {
    /// True when the pipeline can run.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The builtin models `config` loads.
pub fn needed_models(config: &EngineConfig) -> Vec<&'static str> {
    let mut needed: Vec<&'static str> = config.detector.models().to_vec();
    needed.push(names::DLIB_RESNET);
    if config.alignment == Alignment::ShapePredictor {
        needed.push(names::SHAPE_PREDICTOR_5);
    }
    needed
}

/// Checks the runtime library, every model file (sha256) and the execution providers.
pub fn doctor(config: &EngineConfig) -> DoctorReport {
    let choice = match &config.ort_library {
        Some(p) if !p.is_file() => Err(format!("{} does not exist", p.display())),
        explicit => choose_runtime(config.provider, explicit.as_deref()).map_err(|e| e.to_string()),
    };
    let runtime_library = choice
        .as_ref()
        .map(|c| c.library.clone())
        .map_err(Clone::clone);
    let gpu_state = choice.ok().map(|c| c.gpu);
    let runtime = runtime_library
        .as_ref()
        .ok()
        .map(|lib| OrtRuntime::load(lib, config.provider).map_err(|e| e.to_string()));
    let (runtime_version, runtime, runtime_error) = match runtime {
        Some(Ok(rt)) => (Some(rt.version()), Some(rt), None),
        Some(Err(e)) => (None, None, Some(e)),
        None => (None, None, None),
    };
    let store = match &config.models_dir {
        Some(d) => Ok(ModelStore::at(d)),
        None => ModelStore::discover().map_err(|e| e.to_string()),
    };
    let models_dir = store
        .as_ref()
        .map(|s| s.dir().to_path_buf())
        .map_err(Clone::clone);
    let needed = needed_models(config);
    let mut models = Vec::new();
    match builtin_manifests() {
        Ok(manifests) => {
            for m in manifests {
                let (path, status) = match &store {
                    Ok(s) => (s.path_of(&m), s.verify(&m).map_err(|e| e.to_string())),
                    Err(e) => (PathBuf::from(&m.file), Err(e.clone())),
                };
                models.push(ModelCheck {
                    needed: needed.contains(&m.name.as_str()),
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
            needed: true,
        }),
    }
    let embedder_ok = models
        .iter()
        .any(|m| m.name == names::DLIB_RESNET && m.status.is_ok());
    let mut provider_attempts = Vec::new();
    let mut active_provider = None;
    if let (Some(rt), Ok(store), true) = (&runtime, &store, embedder_ok) {
        if let Ok((_, path)) = store.resolve(names::DLIB_RESNET) {
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
    let install = Install::detect();
    let fix = install.repair_hint();
    let mut problems = Vec::new();
    match (&runtime_library, &runtime_error) {
        (Err(e), _) if config.ort_library.is_some() => problems.push(Problem {
            what: "The face-recognition runtime (ONNX Runtime) is missing.".into(),
            detail: e.clone(),
            fix: fix.clone(),
        }),
        (Err(_), _) => problems.push(Problem {
            what: "The face-recognition runtime (ONNX Runtime) is missing.".into(),
            detail: format!(
                "{} was looked for beside and above {} and in {}",
                likeness_vision::runtime::ORT_LIBRARY_NAME,
                std::env::current_exe()
                    .ok()
                    .and_then(|p| p.parent().map(|d| d.display().to_string()))
                    .unwrap_or_else(|| "the program".into()),
                likeness_vision::models::user_data_dir().map_or_else(
                    || "the user data folder".into(),
                    |d| d.display().to_string()
                )
            ),
            fix: fix.clone(),
        }),
        (Ok(path), Some(e)) => problems.push(Problem {
            what: "The face-recognition runtime (ONNX Runtime) could not be loaded.".into(),
            detail: format!("{}: {e}", path.display()),
            fix: format!("{fix}; then restart Likeness"),
        }),
        _ => {}
    }
    if let Err(e) = &models_dir {
        problems.push(Problem {
            what: "The face models are missing.".into(),
            detail: e.clone(),
            fix: fix.clone(),
        });
    } else {
        for m in models.iter().filter(|m| m.needed) {
            if let Err(e) = &m.status {
                let (what, detail) = if m.path.is_file() {
                    (
                        format!(
                            "The face model {} is damaged: it is not the file this version of Likeness was made with.",
                            m.name
                        ),
                        e.clone(),
                    )
                } else {
                    (
                        format!("The face model {} is missing.", m.name),
                        format!("{} does not exist", m.path.display()),
                    )
                };
                problems.push(Problem {
                    what,
                    detail,
                    fix: fix.clone(),
                });
            }
        }
    }
    if problems.is_empty() && active_provider.is_none() {
        let why = provider_attempts
            .iter()
            .filter_map(|a| a.outcome.as_ref().err())
            .cloned()
            .collect::<Vec<_>>()
            .join("; ");
        problems.push(Problem {
            what: "The face models could not be started on this computer.".into(),
            detail: why,
            fix,
        });
    }
    let gpu = GpuReport::new(
        gpu_state.as_ref(),
        active_provider,
        &provider_attempts,
        config.provider,
    );
    DoctorReport {
        gpu,
        runtime_library: runtime_library.map_err(|e| e.to_string()),
        runtime_version,
        models_dir,
        models,
        provider_attempts,
        active_provider,
        install,
        problems,
    }
}
