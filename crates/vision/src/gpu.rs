//! The GPU pack: ONNX Runtime's CUDA build and the NVIDIA libraries it needs, installed as one
//! folder (`<pack>/lib/*.so*` plus `<pack>/pack.toml`), and the checks that decide whether this
//! process runs on the GPU.
//!
//! The pack is described by a manifest compiled into the binary
//! (`models/gpu/cuda13-linux-x86_64.toml`): every PyPI wheel it comes from, and every library
//! taken from each wheel with its size and SHA-256. Installing it (downloading the wheels) is
//! the engine's business (`likeness_engine::gpu`); this module only finds, checks and loads it.
//!
//! [`prepare`] runs before ONNX Runtime is loaded, once per process:
//! 1. a pack is found (`$LIKENESS_GPU_PACK`, `lib/likeness/gpu/<name>` or
//!    `models/runtime/gpu/<name>` above the program, or the per-user data folder's
//!    `gpu/<name>`) and every library in it has its manifest size;
//! 2. the NVIDIA driver answers: `libcuda.so.1` loads, `cuInit` succeeds, it supports the pack's
//!    CUDA version and sees at least one device;
//! 3. the pack's libraries are loaded in the manifest's `preload` order with `RTLD_GLOBAL`, so
//!    the CUDA execution provider (which ONNX Runtime loads from its own folder) and cuDNN find
//!    them by soname without `LD_LIBRARY_PATH`.
//!
//! Any step that fails gives a [`GpuState::NotUsed`] with the reason in words, and the process
//! loads the CPU runtime instead.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::error::VisionError;

/// Environment variable naming a GPU pack folder (the one with `pack.toml`), overriding
/// discovery.
pub use crate::install::GPU_PACK_ENV;

/// The file, inside a pack folder, that marks it complete: a copy of the manifest, written last.
pub const PACK_MARKER: &str = "pack.toml";

/// The folder, inside a pack, that holds its libraries.
pub const PACK_LIB_DIR: &str = "lib";

/// The NVIDIA GPU pack manifest for Linux x86_64, as compiled into the binary.
pub const CUDA_LINUX_X86_64: &str = include_str!("../../../models/gpu/cuda13-linux-x86_64.toml");

/// One library taken from a wheel.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct PackMember {
    /// Its path inside the wheel (a zip file).
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

impl PackMember {
    /// The file name it gets in the pack's `lib/` folder.
    pub fn file_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

/// One PyPI wheel the pack takes libraries from.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct PackWheel {
    pub package: String,
    pub version: String,
    /// The wheel's file name on PyPI.
    pub file: String,
    /// Where PyPI serves it (files.pythonhosted.org).
    pub url: String,
    pub size: u64,
    pub sha256: String,
    #[serde(rename = "member")]
    pub members: Vec<PackMember>,
}

/// A GPU pack manifest (`models/gpu/*.toml`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct GpuPackManifest {
    /// Folder name of the installed pack, e.g. `cuda13-linux-x86_64`.
    pub name: String,
    /// What users see, e.g. "NVIDIA GPU pack (CUDA 13, cuDNN 9)".
    pub title: String,
    pub os: String,
    pub arch: String,
    /// The ONNX Runtime version the pack holds.
    pub onnxruntime: String,
    /// The lowest ONNX Runtime API version `ort` accepts (`ort::MINOR_VERSION`).
    pub min_ort_api: u32,
    /// The ONNX Runtime library's file name in `lib/`.
    pub library: String,
    /// The CUDA version the pack is built for.
    pub cuda: String,
    /// The lowest driver CUDA version (`cuDriverGetVersion`: 1000 × major + 10 × minor).
    pub min_driver_cuda: i32,
    /// The lowest Linux driver release that has it, for messages.
    pub min_driver_linux: String,
    /// Library file names, in the order they are loaded.
    pub preload: Vec<String>,
    #[serde(rename = "wheel")]
    pub wheels: Vec<PackWheel>,
}

impl GpuPackManifest {
    /// Parses a manifest; `origin` names it in errors.
    pub fn parse(text: &str, origin: &Path) -> Result<Self, VisionError> {
        toml::from_str(text).map_err(|e| VisionError::Manifest {
            path: origin.to_path_buf(),
            message: e.to_string(),
        })
    }

    /// The pack for this system, if there is one (NVIDIA on Linux x86_64 only).
    pub fn for_this_system() -> Option<&'static GpuPackManifest> {
        static BUILTIN: OnceLock<Option<GpuPackManifest>> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                if !(cfg!(target_os = "linux") && cfg!(target_arch = "x86_64")) {
                    return None;
                }
                match Self::parse(CUDA_LINUX_X86_64, Path::new("models/gpu/cuda13-linux-x86_64.toml")) {
                    Ok(m) => Some(m),
                    Err(e) => {
                        tracing::error!(error = %e, "the built-in GPU pack manifest does not parse");
                        None
                    }
                }
            })
            .as_ref()
    }

    /// Bytes to download (every wheel).
    pub fn download_bytes(&self) -> u64 {
        self.wheels.iter().map(|w| w.size).sum()
    }

    /// Bytes the installed pack takes (every library).
    pub fn installed_bytes(&self) -> u64 {
        self.members().map(|m| m.size).sum()
    }

    /// Every library of the pack.
    pub fn members(&self) -> impl Iterator<Item = &PackMember> {
        self.wheels.iter().flat_map(|w| w.members.iter())
    }

    /// The manifest's own consistency: names unique, every preloaded library and the ONNX
    /// Runtime library in the pack, sums are 64 hex digits.
    pub fn validate(&self) -> Result<(), String> {
        let mut names: Vec<&str> = self.members().map(PackMember::file_name).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(format!("{} is in the pack twice", w[0]));
        }
        for lib in self.preload.iter().chain(std::iter::once(&self.library)) {
            if names.binary_search(&lib.as_str()).is_err() {
                return Err(format!("{lib} is not taken from any wheel"));
            }
        }
        let is_sum = |s: &str| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
        for w in &self.wheels {
            if !is_sum(&w.sha256) || w.members.iter().any(|m| !is_sum(&m.sha256)) {
                return Err(format!("{}: a sha256 is not 64 hex digits", w.file));
            }
        }
        Ok(())
    }
}

/// Where the pack lives for the current user (the install target): `<user data>/gpu/<name>`.
pub fn user_pack_dir(manifest: &GpuPackManifest) -> Option<PathBuf> {
    crate::models::user_data_dir().map(|d| d.join("gpu").join(&manifest.name))
}

/// Finds an installed pack: `$LIKENESS_GPU_PACK`, then `lib/likeness/gpu/<name>`,
/// `models/runtime/gpu/<name>` or `gpu/<name>` above the program, then the per-user data
/// folder. A folder counts when it has `pack.toml`.
pub fn discover_pack(manifest: &GpuPackManifest) -> Option<PathBuf> {
    let rels = [
        format!("{}/gpu/{}", crate::install::PACKAGE_LIB_DIR, manifest.name),
        format!("models/runtime/gpu/{}", manifest.name),
        format!("gpu/{}", manifest.name),
    ];
    let rels: Vec<&str> = rels.iter().map(String::as_str).collect();
    crate::models::discover_dir(GPU_PACK_ENV, &rels, |p| p.join(PACK_MARKER).is_file())
}

/// Checks an installed pack without reading the libraries: the marker names the same pack
/// (same libraries, same sums) and every library is there with its manifest size.
pub fn check_pack(root: &Path, manifest: &GpuPackManifest) -> Result<(), String> {
    let marker = root.join(PACK_MARKER);
    let text = std::fs::read_to_string(&marker).map_err(|e| {
        tracing::debug!(marker = %marker.display(), error = %e, "GPU pack marker not readable");
        format!(
            "the GPU pack at {} is not installed completely",
            root.display()
        )
    })?;
    let installed = GpuPackManifest::parse(&text, &marker).map_err(|e| e.to_string())?;
    let sums = |m: &GpuPackManifest| {
        let mut v: Vec<(String, String)> = m
            .members()
            .map(|p| (p.file_name().to_string(), p.sha256.clone()))
            .collect();
        v.sort();
        v
    };
    if installed.name != manifest.name || sums(&installed) != sums(manifest) {
        return Err(format!(
            "the GPU pack at {} is another version ({} with ONNX Runtime {}; this Likeness needs {} with ONNX Runtime {})",
            root.display(),
            installed.name,
            installed.onnxruntime,
            manifest.name,
            manifest.onnxruntime
        ));
    }
    let lib = root.join(PACK_LIB_DIR);
    let mut missing = Vec::new();
    for m in manifest.members() {
        let path = lib.join(m.file_name());
        match std::fs::metadata(&path) {
            Ok(meta) if meta.len() == m.size => {}
            Ok(meta) => {
                return Err(format!(
                    "the GPU pack is damaged: {} has {} bytes, not {}",
                    path.display(),
                    meta.len(),
                    m.size
                ))
            }
            Err(_) => missing.push(m.file_name().to_string()),
        }
    }
    if !missing.is_empty() {
        return Err(format!(
            "the GPU pack at {} is incomplete: {} missing",
            root.display(),
            missing.join(", ")
        ));
    }
    Ok(())
}

/// An NVIDIA GPU as the driver reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpuDevice {
    /// Device 0's name, e.g. "NVIDIA H100 80GB HBM3".
    pub name: String,
    /// Device 0's memory.
    pub memory_bytes: u64,
    /// Devices the driver sees.
    pub count: i32,
    /// The CUDA version the driver supports (1000 × major + 10 × minor).
    pub driver_cuda: i32,
}

impl GpuDevice {
    /// "NVIDIA H100 80GB HBM3, 79.2 GiB, driver CUDA 13.0".
    pub fn describe(&self) -> String {
        format!(
            "{}, {:.1} GiB, driver CUDA {}",
            self.name,
            self.memory_bytes as f64 / (1u64 << 30) as f64,
            cuda_version(self.driver_cuda)
        )
    }
}

/// 13000 → "13.0".
pub fn cuda_version(v: i32) -> String {
    format!("{}.{}", v / 1000, (v % 1000) / 10)
}

/// Asks the NVIDIA driver (`libcuda.so.1`, the system's own) for its CUDA version and devices.
/// Asked once per process (the runtime choice, doctor and Settings all want the answer, and a
/// driver does not come or go under a running program).
pub fn probe_driver() -> Result<GpuDevice, String> {
    static ANSWER: OnceLock<Result<GpuDevice, String>> = OnceLock::new();
    ANSWER
        .get_or_init(|| {
            #[cfg(target_os = "linux")]
            {
                driver::probe()
            }
            #[cfg(not(target_os = "linux"))]
            {
                Err("the GPU pack is for Linux only".into())
            }
        })
        .clone()
}

/// Whether this process runs ONNX Runtime from the GPU pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GpuState {
    /// The pack's libraries are loaded and a GPU answered.
    Ready { pack: PathBuf, device: GpuDevice },
    /// The CPU runtime is used; why, in words.
    NotUsed(String),
}

impl GpuState {
    /// The reason the GPU is not used, if it is not.
    pub fn reason(&self) -> Option<&str> {
        match self {
            GpuState::Ready { .. } => None,
            GpuState::NotUsed(r) => Some(r),
        }
    }
}

/// Finds and checks the pack, asks the driver, and loads the pack's libraries. On
/// [`GpuState::Ready`], ONNX Runtime must be loaded from `<pack>/lib/<manifest.library>`.
/// Loading is for the life of the process; call it once, before ONNX Runtime is loaded.
pub fn prepare(manifest: Option<&GpuPackManifest>) -> GpuState {
    let Some(manifest) = manifest else {
        return GpuState::NotUsed(
            "no GPU pack exists for this system (the NVIDIA pack is for Linux x86_64)".into(),
        );
    };
    let Some(root) = discover_pack(manifest) else {
        // Say first what the user can act on: without an NVIDIA driver the pack would not help.
        return GpuState::NotUsed(match probe_driver() {
            Ok(device) => format!("the GPU pack is not installed (found {})", device.name),
            Err(why) => why,
        });
    };
    if let Err(why) = check_pack(&root, manifest) {
        // What to do (install it again) is the front ends' to say, beside their install button.
        return GpuState::NotUsed(why);
    }
    let device = match probe_driver() {
        Ok(d) => d,
        Err(why) => return GpuState::NotUsed(why),
    };
    if device.driver_cuda < manifest.min_driver_cuda {
        return GpuState::NotUsed(format!(
            "the NVIDIA driver supports CUDA {}; the GPU pack needs CUDA {} (driver {} or newer)",
            cuda_version(device.driver_cuda),
            manifest.cuda,
            manifest.min_driver_linux
        ));
    }
    if let Err(why) = preload(&root.join(PACK_LIB_DIR), &manifest.preload) {
        return GpuState::NotUsed(why);
    }
    tracing::info!(pack = %root.display(), device = %device.describe(), "GPU pack loaded");
    GpuState::Ready { pack: root, device }
}

/// Loads `names` from `dir` in order, each with `RTLD_NOW | RTLD_GLOBAL`, for the life of the
/// process.
#[allow(unsafe_code)] // dlopen: there is no safe way to load a shared library.
fn preload(dir: &Path, names: &[String]) -> Result<(), String> {
    #[cfg(unix)]
    {
        use libloading::os::unix::{Library, RTLD_GLOBAL, RTLD_NOW};
        static KEPT: std::sync::Mutex<Vec<Library>> = std::sync::Mutex::new(Vec::new());
        for name in names {
            let path = dir.join(name);
            // SAFETY: these are NVIDIA's libraries from the checked pack; their initialisers
            // only register themselves. They stay loaded (KEPT) for the life of the process.
            let lib = unsafe { Library::open(Some(&path), RTLD_NOW | RTLD_GLOBAL) }
                .map_err(|e| format!("the GPU pack's {name} did not load: {e}"))?;
            match KEPT.lock() {
                Ok(mut kept) => kept.push(lib),
                Err(poisoned) => poisoned.into_inner().push(lib),
            }
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        let _ = (dir, names);
        Err("the GPU pack is for Linux only".into())
    }
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)] // the CUDA driver API is C, reached through dlopen/dlsym.
mod driver {
    use std::ffi::{c_char, c_int, CStr};

    use libloading::os::unix::{Library, RTLD_NOW};

    use super::GpuDevice;

    type CuInit = unsafe extern "C" fn(u32) -> c_int;
    type CuDriverGetVersion = unsafe extern "C" fn(*mut c_int) -> c_int;
    type CuDeviceGetCount = unsafe extern "C" fn(*mut c_int) -> c_int;
    type CuDeviceGet = unsafe extern "C" fn(*mut c_int, c_int) -> c_int;
    type CuDeviceGetName = unsafe extern "C" fn(*mut c_char, c_int, c_int) -> c_int;
    type CuDeviceTotalMem = unsafe extern "C" fn(*mut usize, c_int) -> c_int;

    /// CUDA driver API error names for the codes a user may meet here.
    fn error_name(code: c_int) -> String {
        let name = match code {
            3 => "CUDA_ERROR_NOT_INITIALIZED",
            35 => "CUDA_ERROR_INSUFFICIENT_DRIVER",
            100 => "CUDA_ERROR_NO_DEVICE",
            101 => "CUDA_ERROR_INVALID_DEVICE",
            304 => "CUDA_ERROR_OPERATING_SYSTEM",
            999 => "CUDA_ERROR_UNKNOWN",
            _ => "",
        };
        if name.is_empty() {
            format!("CUDA error {code}")
        } else {
            format!("{name} ({code})")
        }
    }

    pub(super) fn probe() -> Result<GpuDevice, String> {
        // SAFETY: libcuda.so.1 is the NVIDIA driver's user-space library; loading it runs no
        // code of ours. It stays loaded: dropping it while CUDA is initialised is not allowed.
        let lib = unsafe { Library::open(Some("libcuda.so.1"), RTLD_NOW) }.map_err(|e| {
            tracing::debug!(error = %e, "libcuda.so.1 did not load");
            "no NVIDIA driver is installed (libcuda.so.1 not found)".to_string()
        })?;
        let lib = Box::leak(Box::new(lib));
        // SAFETY: the signatures are the CUDA driver API's (cuda.h), stable since CUDA 4.
        unsafe {
            let sym = |name: &str| format!("the NVIDIA driver has no {name}");
            let cu_init = lib.get::<CuInit>("cuInit").map_err(|_| sym("cuInit"))?;
            let rc = cu_init(0);
            if rc != 0 {
                return Err(format!(
                    "the NVIDIA driver found no usable GPU (cuInit: {})",
                    error_name(rc)
                ));
            }
            let mut version: c_int = 0;
            let get_version = lib
                .get::<CuDriverGetVersion>("cuDriverGetVersion")
                .map_err(|_| sym("cuDriverGetVersion"))?;
            let rc = get_version(&mut version);
            if rc != 0 {
                return Err(format!("cuDriverGetVersion: {}", error_name(rc)));
            }
            let mut count: c_int = 0;
            let get_count = lib
                .get::<CuDeviceGetCount>("cuDeviceGetCount")
                .map_err(|_| sym("cuDeviceGetCount"))?;
            let rc = get_count(&mut count);
            if rc != 0 || count < 1 {
                return Err(format!(
                    "the NVIDIA driver sees no GPU (cuDeviceGetCount: {}, {count} devices)",
                    error_name(rc)
                ));
            }
            let mut device: c_int = 0;
            let get = lib
                .get::<CuDeviceGet>("cuDeviceGet")
                .map_err(|_| sym("cuDeviceGet"))?;
            let rc = get(&mut device, 0);
            if rc != 0 {
                return Err(format!("cuDeviceGet: {}", error_name(rc)));
            }
            let mut name = [0 as c_char; 256];
            let get_name = lib
                .get::<CuDeviceGetName>("cuDeviceGetName")
                .map_err(|_| sym("cuDeviceGetName"))?;
            let name = if get_name(name.as_mut_ptr(), name.len() as c_int, device) == 0 {
                CStr::from_ptr(name.as_ptr()).to_string_lossy().into_owned()
            } else {
                "NVIDIA GPU".to_string()
            };
            let mut memory: usize = 0;
            if let Ok(total) = lib.get::<CuDeviceTotalMem>("cuDeviceTotalMem_v2") {
                if total(&mut memory, device) != 0 {
                    memory = 0;
                }
            }
            Ok(GpuDevice {
                name,
                memory_bytes: memory as u64,
                count,
                driver_cuda: version,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> GpuPackManifest {
        GpuPackManifest::parse(CUDA_LINUX_X86_64, Path::new("builtin")).expect("parses")
    }

    #[test]
    fn the_builtin_manifest_is_consistent_and_accepted_by_ort() {
        let m = builtin();
        m.validate().expect("consistent");
        assert!(
            m.min_ort_api >= ort::MINOR_VERSION,
            "ort needs ONNX Runtime API {}, the pack says {}",
            ort::MINOR_VERSION,
            m.min_ort_api
        );
        let minor: u32 = m
            .onnxruntime
            .split('.')
            .nth(1)
            .and_then(|v| v.parse().ok())
            .expect("version 1.N.x");
        assert!(
            minor >= ort::MINOR_VERSION,
            "ONNX Runtime {} is older than ort accepts",
            m.onnxruntime
        );
        assert_eq!(m.library, format!("libonnxruntime.so.{}", m.onnxruntime));
        // The CUDA provider is in the pack beside the runtime (ONNX Runtime loads it from there).
        assert!(m
            .members()
            .any(|p| p.file_name() == "libonnxruntime_providers_cuda.so"));
        assert!(m
            .members()
            .any(|p| p.file_name() == "libonnxruntime_providers_shared.so"));
        assert!(m.download_bytes() > 1_000_000_000 && m.installed_bytes() > m.download_bytes());
    }

    #[test]
    fn a_pack_folder_is_checked_before_anything_is_loaded() {
        let m = builtin();
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join(&m.name);
        std::fs::create_dir_all(root.join(PACK_LIB_DIR)).expect("mkdir");
        let no_marker = check_pack(&root, &m).expect_err("no marker");
        assert!(
            no_marker.contains("not installed completely"),
            "{no_marker}"
        );

        std::fs::write(root.join(PACK_MARKER), CUDA_LINUX_X86_64).expect("marker");
        let empty = check_pack(&root, &m).expect_err("no libraries");
        assert!(
            empty.contains("incomplete") && empty.contains("libcudart.so.13"),
            "{empty}"
        );

        // One library of the wrong size is "damaged", named with its path.
        let first = m.members().next().expect("a member");
        std::fs::write(
            root.join(PACK_LIB_DIR).join(first.file_name()),
            b"not a library",
        )
        .expect("write");
        let damaged = check_pack(&root, &m).expect_err("damaged");
        assert!(
            damaged.contains("damaged") && damaged.contains(first.file_name()),
            "{damaged}"
        );

        // A marker of another pack version is refused before its files are looked at.
        let other = CUDA_LINUX_X86_64.replacen(&first.sha256, &"0".repeat(64), 1);
        std::fs::write(root.join(PACK_MARKER), other).expect("marker");
        let outdated = check_pack(&root, &m).expect_err("other version");
        assert!(outdated.contains("another version"), "{outdated}");
    }

    #[test]
    fn no_pack_means_the_cpu_with_a_reason() {
        let mut m = builtin();
        m.name = "no-such-pack-anywhere".into();
        if std::env::var_os(GPU_PACK_ENV).is_none() {
            let state = prepare(Some(&m));
            let reason = state.reason().expect("not used");
            // Without a driver that comes first; with one, the missing pack.
            let expected = match probe_driver() {
                Ok(_) => "the GPU pack is not installed",
                Err(_) => "no NVIDIA driver",
            };
            assert!(reason.starts_with(expected), "{reason}");
        }
        assert!(prepare(None)
            .reason()
            .is_some_and(|r| r.contains("Linux x86_64")));
    }
}
