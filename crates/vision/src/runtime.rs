//! ONNX Runtime: finding the shared library, creating the environment once per process, and
//! building sessions on the best execution provider that actually registers.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ort::environment::Environment;
use ort::ep::ExecutionProvider;
use ort::session::builder::{GraphOptimizationLevel, SessionBuilder};
use ort::session::Session;

use crate::error::VisionError;
use crate::gpu::{GpuPackManifest, GpuState, PACK_LIB_DIR};

/// Name of the ONNX Runtime shared library on this platform.
#[cfg(target_os = "windows")]
pub const ORT_LIBRARY_NAME: &str = "onnxruntime.dll";
#[cfg(target_vendor = "apple")]
pub const ORT_LIBRARY_NAME: &str = "libonnxruntime.dylib";
#[cfg(not(any(target_os = "windows", target_vendor = "apple")))]
pub const ORT_LIBRARY_NAME: &str = "libonnxruntime.so";

pub use crate::install::ORT_LIBRARY_ENV;

/// The switch ONNX Runtime reads (when the library is loaded and when an environment is made) to
/// keep its telemetry uploader from starting. ONNX Runtime 1.32 on Linux ships a 1DS uploader
/// (`OneDsTelemetry`) that is on by default: it resolves and posts to Microsoft's event
/// collector and keeps an offline event store under `$XDG_CACHE_HOME`. `DisableTelemetryEvents`
/// on the environment alone comes too late for the events sent at initialisation.
pub const ORT_TELEMETRY_SWITCH: &str = "ORT_DISABLE_TELEMETRY";

/// Sets `ORT_DISABLE_TELEMETRY=1` in this process's environment, whatever the user had (`0`
/// included): Likeness never sends anything. Call it at the start of `main`, before any thread
/// starts; [`OrtRuntime::load`] calls it again before loading the library, for embedders that
/// did not.
pub fn forbid_telemetry() {
    if std::env::var_os(ORT_TELEMETRY_SWITCH).is_none_or(|v| v != "1") {
        std::env::set_var(ORT_TELEMETRY_SWITCH, "1");
    }
}

/// An execution provider Likeness knows how to ask for, in order of preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Cuda,
    DirectMl,
    CoreMl,
    Cpu,
}

impl Provider {
    /// Human-readable name, as shown by `likeness doctor` and the GUI.
    pub fn label(self) -> &'static str {
        match self {
            Provider::Cuda => "CUDA (GPU)",
            Provider::DirectMl => "DirectML (GPU)",
            Provider::CoreMl => "CoreML (GPU/ANE)",
            Provider::Cpu => "CPU",
        }
    }

    /// Whether this provider runs on an accelerator.
    pub fn is_gpu(self) -> bool {
        !matches!(self, Provider::Cpu)
    }
}

/// What the user asked for: the best available, or CPU only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProviderPreference {
    #[default]
    Auto,
    CpuOnly,
}

/// Why a provider was not used, for `doctor`.
#[derive(Debug, Clone)]
pub struct ProviderAttempt {
    pub provider: Provider,
    pub outcome: Result<(), String>,
}

/// A loaded ONNX Runtime: the library path, its environment, and session-building policy.
#[derive(Debug)]
pub struct OrtRuntime {
    library: PathBuf,
    environment: Environment,
    preference: ProviderPreference,
    intra_threads: usize,
    cpu_arena: bool,
}

static LOADED: OnceLock<Result<(PathBuf, Environment), String>> = OnceLock::new();

impl OrtRuntime {
    /// Loads the ONNX Runtime library at `library` (once per process: ONNX Runtime cannot be
    /// loaded twice; a second call with another path reports the first one).
    pub fn load(library: &Path, preference: ProviderPreference) -> Result<Self, VisionError> {
        let loaded = LOADED.get_or_init(|| {
            // Telemetry off before the library is loaded, and again on the environment: ONNX
            // Runtime sends nothing, on the CPU and on every execution provider (they all run
            // in this one environment).
            forbid_telemetry();
            let builder = ort::init_from(library).map_err(|e| e.to_string())?;
            let environment = builder
                .with_name("likeness")
                .with_telemetry(false)
                .build()
                .map_err(|e| e.to_string())?;
            Ok((library.to_path_buf(), environment))
        });
        match loaded {
            Ok((path, environment)) => Ok(Self {
                library: path.clone(),
                environment: environment.clone(),
                preference,
                intra_threads: default_threads(),
                cpu_arena: false,
            }),
            Err(message) => Err(VisionError::Runtime {
                path: library.to_path_buf(),
                message: message.clone(),
            }),
        }
    }

    /// The library this process loaded.
    pub fn library(&self) -> &Path {
        &self.library
    }

    /// Version of the loaded library (from its file name, e.g. `libonnxruntime.so.1.32.0`,
    /// else `unknown`) followed by the build information the library reports.
    pub fn version(&self) -> String {
        let resolved = self
            .library
            .canonicalize()
            .unwrap_or_else(|_| self.library.clone());
        let name = resolved
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let version = name
            .rsplit_once(".so.")
            .map(|(_, v)| v)
            .or_else(|| {
                name.strip_prefix("libonnxruntime.")
                    .and_then(|v| v.strip_suffix(".dylib"))
            })
            .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()))
            .unwrap_or("unknown");
        let info = ort::info();
        let build = info.strip_prefix("ORT Build Info: ").unwrap_or(info);
        format!("{version} ({build})")
    }

    /// Sets the number of intra-op threads per session (default: all cores).
    /// Keep ONNX Runtime's CPU memory arena (off by default: see `open_session`'s CPU path;
    /// on makes CPU runs ~6 % faster and doubles peak memory).
    pub fn with_cpu_arena(mut self, enable: bool) -> Self {
        self.cpu_arena = enable;
        self
    }

    pub fn with_intra_threads(mut self, threads: usize) -> Self {
        self.intra_threads = threads.max(1);
        self
    }

    fn base_builder(&self, path: &Path) -> Result<SessionBuilder, VisionError> {
        let err = |e: ort::Error| VisionError::Model {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let builder = Session::builder(&self.environment).map_err(err)?;
        let builder = builder
            .with_optimization_level(GraphOptimizationLevel::Level3)
            .map_err(|e| err(e.into()))?;
        let builder = builder
            .with_intra_threads(self.intra_threads)
            .map_err(|e| err(e.into()))?;
        Ok(builder)
    }

    /// Opens `path` on the first execution provider that registers and builds, falling back to
    /// the CPU. Returns the session and the provider that is running it.
    pub fn open_session(
        &self,
        path: &Path,
    ) -> Result<(Session, Provider, Vec<ProviderAttempt>), VisionError> {
        let mut attempts = Vec::new();
        if self.preference == ProviderPreference::Auto {
            for provider in accelerated_candidates() {
                match self.try_provider(path, provider) {
                    Ok(session) => {
                        attempts.push(ProviderAttempt {
                            provider,
                            outcome: Ok(()),
                        });
                        return Ok((session, provider, attempts));
                    }
                    Err(message) => {
                        tracing::debug!(provider = provider.label(), %message, "execution provider not used");
                        attempts.push(ProviderAttempt {
                            provider,
                            outcome: Err(message),
                        });
                    }
                }
            }
        }
        let mut builder = self.base_builder(path)?;
        if !self.cpu_arena {
            // Without the arena, buffers go back to the system after each run instead of
            // staying at the high-water mark of every input shape seen (MTCNN's pyramid sees
            // many): peak RSS 0.75 GB instead of 1.57 GB on celeba-dev, ~6 % slower.
            use ort::ep::ExecutionProvider;
            ort::ep::CPU::default()
                .with_arena_allocator(false)
                .register(&mut builder)
                .map_err(|e| VisionError::Model {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                })?;
            builder = builder
                .with_memory_pattern(false)
                .map_err(|e| VisionError::Model {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                })?;
        }
        let session = builder
            .commit_from_file(path)
            .map_err(|e| VisionError::Model {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
        attempts.push(ProviderAttempt {
            provider: Provider::Cpu,
            outcome: Ok(()),
        });
        Ok((session, Provider::Cpu, attempts))
    }

    fn try_provider(&self, path: &Path, provider: Provider) -> Result<Session, String> {
        let mut builder = self.base_builder(path).map_err(|e| e.to_string())?;
        register(provider, &mut builder).map_err(|e| summarize_provider_error(&e))?;
        builder
            .commit_from_file(path)
            .map_err(|e| summarize_provider_error(&e.to_string()))
    }
}

fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Accelerated providers compiled into this build, in order of preference.
pub fn accelerated_candidates() -> Vec<Provider> {
    let mut v = Vec::new();
    if cfg!(feature = "cuda") {
        v.push(Provider::Cuda);
    }
    if cfg!(windows) {
        v.push(Provider::DirectMl);
    }
    if cfg!(target_vendor = "apple") {
        v.push(Provider::CoreMl);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::summarize_provider_error;

    #[test]
    fn provider_errors_are_said_in_a_few_words() {
        let cuda = "/onnxruntime_src/onnxruntime/core/providers/cuda/cuda_call.cc:154 std::conditional_t<THRW, void, onnxruntime::common::Status> onnxruntime::CudaCall(ERRTYPE, const char*, const char*, SUCCTYPE, const char*, const char*, int) [with ERRTYPE = cudaError; bool THRW = true] CUDA failure 36: API call is not supported in the installed CUDA driver ; GPU=-1 ; hostname=vm ; file=/onnxruntime_src/onnxruntime/core/providers/cuda/cuda_execution_provider.cc ; line=355 ; expr=cudaSetDevice(info_.device_id); \n\n";
        assert_eq!(
            summarize_provider_error(cuda),
            "CUDA failure 36: API call is not supported in the installed CUDA driver (in cudaSetDevice(info_.device_id))"
        );
        let load = "/onnxruntime_src/onnxruntime/core/session/provider_bridge_ort.cc:2043 onnxruntime::Provider& onnxruntime::ProviderLibrary::Get() [ONNXRuntimeError] : 1 : FAIL : Failed to load library /x/libonnxruntime_providers_cuda.so with error: libcublasLt.so.13: cannot open shared object file: No such file or directory\n";
        assert_eq!(
            summarize_provider_error(load),
            "Failed to load library /x/libonnxruntime_providers_cuda.so with error: libcublasLt.so.13: cannot open shared object file: No such file or directory"
        );
        assert_eq!(
            summarize_provider_error("x.cc:1 f() [ONNXRuntimeError] : 1 : FAIL : out of memory"),
            "out of memory"
        );
        assert_eq!(summarize_provider_error("plain words"), "plain words");
    }
}

#[allow(unused_variables)]
fn register(provider: Provider, builder: &mut SessionBuilder) -> Result<(), String> {
    match provider {
        #[cfg(feature = "cuda")]
        Provider::Cuda => {
            // Heuristic cuDNN algorithm choice: photos come in many sizes (and MTCNN runs a
            // pyramid), and an exhaustive search would benchmark every new input shape. No TF32:
            // GPU descriptors stay within 1e-3 of the CPU's.
            let ep = ort::ep::CUDA::default()
                .with_conv_algorithm_search(ort::ep::cuda::ConvAlgorithmSearch::Heuristic)
                .with_tf32(false);
            if !ort::ep::CUDA::is_available().map_err(|e| e.to_string())? {
                return Err(
                    "this ONNX Runtime build has no CUDA execution provider (the GPU pack is not in use)"
                        .into(),
                );
            }
            ep.register(builder).map_err(|e| e.to_string())
        }
        #[cfg(windows)]
        Provider::DirectMl => {
            let ep = ort::ep::DirectML::default();
            if !ort::ep::DirectML::is_available().map_err(|e| e.to_string())? {
                return Err("this ONNX Runtime build has no DirectML execution provider".into());
            }
            ep.register(builder).map_err(|e| e.to_string())
        }
        #[cfg(target_vendor = "apple")]
        Provider::CoreMl => {
            let ep = ort::ep::CoreML::default();
            if !ort::ep::CoreML::is_available().map_err(|e| e.to_string())? {
                return Err("this ONNX Runtime build has no CoreML execution provider".into());
            }
            ep.register(builder).map_err(|e| e.to_string())
        }
        Provider::Cpu => Ok(()),
        #[allow(unreachable_patterns)]
        _ => Err("not compiled into this build".into()),
    }
}

/// The ONNX Runtime library this process loads, and whether it is the GPU pack's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeChoice {
    pub library: PathBuf,
    pub gpu: GpuState,
}

/// The reason given when the user asked for the CPU.
pub const CPU_CHOSEN: &str = "CPU only is chosen (Settings → \"Run models on\", or --cpu)";

/// The GPU decision of this process: made once (the pack's libraries, once loaded, stay), with
/// the preference it was made under.
static GPU: OnceLock<(ProviderPreference, GpuState)> = OnceLock::new();

/// Decides which ONNX Runtime library to load: the GPU pack's when `preference` allows it, the
/// pack is installed and complete and an NVIDIA GPU answers ([`crate::gpu::prepare`], which
/// also loads the pack's CUDA libraries); otherwise `explicit`, or the CPU runtime found by
/// [`discover_library`], with the reason the GPU is not used.
///
/// The GPU decision is made once per process: a later call with another preference gets the
/// first decision, and a reason that says a restart is needed.
pub fn choose_runtime(
    preference: ProviderPreference,
    explicit: Option<&Path>,
) -> Result<RuntimeChoice, VisionError> {
    let from_env = std::env::var_os(ORT_LIBRARY_ENV).map(PathBuf::from);
    if let Some(library) = explicit.map(Path::to_path_buf).or(from_env) {
        let gpu = GpuState::NotUsed(format!(
            "the ONNX Runtime library is set explicitly ({}); the GPU pack is used only when it is not",
            library.display()
        ));
        return Ok(RuntimeChoice { library, gpu });
    }
    let (decided_for, decided) = GPU.get_or_init(|| {
        let state = match preference {
            ProviderPreference::CpuOnly => GpuState::NotUsed(CPU_CHOSEN.into()),
            ProviderPreference::Auto => crate::gpu::prepare(GpuPackManifest::for_this_system()),
        };
        (preference, state)
    });
    // Once the pack's libraries are loaded, its ONNX Runtime is the one to load, whatever the
    // preference now (it runs on the CPU as well).
    let pack_library = match decided {
        GpuState::Ready { pack, .. } => {
            GpuPackManifest::for_this_system().map(|m| pack.join(PACK_LIB_DIR).join(&m.library))
        }
        GpuState::NotUsed(_) => None,
    };
    let gpu = match (decided_for, preference, decided) {
        (ProviderPreference::CpuOnly, ProviderPreference::Auto, _) => GpuState::NotUsed(
            "CPU only was chosen when Likeness started; restart Likeness to use the GPU".into(),
        ),
        (ProviderPreference::Auto, ProviderPreference::CpuOnly, GpuState::Ready { .. }) => {
            GpuState::NotUsed(CPU_CHOSEN.into())
        }
        _ => decided.clone(),
    };
    let library = match pack_library {
        Some(library) => library,
        None => discover_library()?,
    };
    Ok(RuntimeChoice { library, gpu })
}

/// The GPU decision this process made, if [`choose_runtime`] ran.
pub fn gpu_state() -> Option<&'static GpuState> {
    GPU.get().map(|(_, s)| s)
}

/// ONNX Runtime's error for an execution provider that did not start, in a few words: the CUDA
/// failure and the call that failed, or the library that did not load, without the C++
/// template signatures around them.
pub fn summarize_provider_error(message: &str) -> String {
    if let Some(at) = message.find("CUDA failure") {
        let rest = &message[at..];
        let failure = rest.split(" ; ").next().unwrap_or(rest).trim();
        let call = rest
            .split(" ; ")
            .find_map(|part| part.trim().strip_prefix("expr="))
            .map(|e| format!(" (in {})", e.trim().trim_end_matches(';')))
            .unwrap_or_default();
        return format!("{failure}{call}");
    }
    if let Some(at) = message.find("Failed to load library") {
        return message[at..]
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
    }
    let first = message.lines().next().unwrap_or(message).trim();
    // "/onnxruntime_src/...cc:123 <signature> [ONNXRuntimeError] : 1 : FAIL : what" → "what"
    first
        .rsplit(" : ")
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(first)
        .to_string()
}

/// Finds the ONNX Runtime library without configuration: `$LIKENESS_ORT_LIBRARY`, then the
/// package's `lib/likeness/`, a checkout's `models/runtime/`, `lib/`, `runtime/` or the
/// executable's own folder, walking up from the executable, then the per-user data folder.
pub fn discover_library() -> Result<PathBuf, VisionError> {
    let rels = [
        format!("{}/{ORT_LIBRARY_NAME}", crate::install::PACKAGE_LIB_DIR),
        format!("models/runtime/{ORT_LIBRARY_NAME}"),
        format!("lib/{ORT_LIBRARY_NAME}"),
        format!("runtime/{ORT_LIBRARY_NAME}"),
        ORT_LIBRARY_NAME.to_string(),
    ];
    let rels: Vec<&str> = rels.iter().map(String::as_str).collect();
    crate::models::discover_dir(ORT_LIBRARY_ENV, &rels, |p| p.is_file()).ok_or_else(|| VisionError::Runtime {
        path: PathBuf::from(ORT_LIBRARY_NAME),
        message: format!(
            "the ONNX Runtime library was not found beside or above the program or in the user data folder; {}",
            crate::install::Install::detect().repair_hint()
        ),
    })
}
