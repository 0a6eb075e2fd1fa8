//! Model manifests and where model files live.
//!
//! Each model has a TOML manifest in the repository's `models/` folder (name, file, sha256,
//! input/output contract). The manifests are compiled into the binary, so a build knows the
//! exact bytes it expects; only the folder holding the files is looked up at run time.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};
use std::time::SystemTime;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::VisionError;
use crate::install::Install;

pub use crate::install::MODELS_DIR_ENV;

/// Input tensor contract of a model.
#[derive(Debug, Clone, Deserialize)]
pub struct InputSpec {
    pub name: String,
    pub layout: String,
    pub shape: Vec<i64>,
}

/// Output tensor contract of a model.
#[derive(Debug, Clone, Deserialize)]
pub struct OutputSpec {
    pub name: Option<String>,
    pub names: Option<Vec<String>>,
    pub embedding_size: Option<usize>,
    pub metric: Option<String>,
    pub default_threshold: Option<f32>,
}

/// One model's manifest (`models/<name>.toml`).
#[derive(Debug, Clone, Deserialize)]
pub struct ModelManifest {
    pub name: String,
    pub kind: String,
    pub file: String,
    pub sha256: String,
    pub license: Option<String>,
    /// Tensor contracts; absent for models that are not run by ONNX Runtime.
    pub input: Option<InputSpec>,
    pub output: Option<OutputSpec>,
}

/// The manifests this build was made with.
const BUILTIN_MANIFESTS: &[(&str, &str)] = &[
    (
        "mtcnn_pnet",
        include_str!("../../../models/mtcnn_pnet.toml"),
    ),
    (
        "mtcnn_rnet",
        include_str!("../../../models/mtcnn_rnet.toml"),
    ),
    (
        "mtcnn_onet",
        include_str!("../../../models/mtcnn_onet.toml"),
    ),
    (
        "dlib_resnet_v1",
        include_str!("../../../models/dlib_resnet_v1.toml"),
    ),
    (
        "yunet_2023mar",
        include_str!("../../../models/yunet_2023mar.toml"),
    ),
    (
        "centerface",
        include_str!("../../../models/centerface.toml"),
    ),
    (
        "retinaface_mnet025",
        include_str!("../../../models/retinaface_mnet025.toml"),
    ),
    (
        "shape_predictor_5",
        include_str!("../../../models/shape_predictor_5.toml"),
    ),
];

/// Names of the models of the default pipeline.
pub mod names {
    pub const PNET: &str = "mtcnn_pnet";
    pub const RNET: &str = "mtcnn_rnet";
    pub const ONET: &str = "mtcnn_onet";
    pub const DLIB_RESNET: &str = "dlib_resnet_v1";
    pub const SHAPE_PREDICTOR_5: &str = "shape_predictor_5";
    pub const YUNET: &str = "yunet_2023mar";
    pub const CENTERFACE: &str = "centerface";
    pub const RETINAFACE: &str = "retinaface_mnet025";
}

/// Parses a builtin manifest by name.
pub fn builtin_manifest(name: &str) -> Result<ModelManifest, VisionError> {
    let (_, text) = BUILTIN_MANIFESTS
        .iter()
        .find(|(n, _)| *n == name)
        .ok_or_else(|| VisionError::Manifest {
            path: PathBuf::from(format!("models/{name}.toml")),
            message: "no such builtin model".into(),
        })?;
    toml::from_str(text).map_err(|e| VisionError::Manifest {
        path: PathBuf::from(format!("models/{name}.toml")),
        message: e.to_string(),
    })
}

/// All builtin manifests.
pub fn builtin_manifests() -> Result<Vec<ModelManifest>, VisionError> {
    BUILTIN_MANIFESTS
        .iter()
        .map(|(n, _)| builtin_manifest(n))
        .collect()
}

/// A folder of model files plus the manifests that describe them.
#[derive(Debug, Clone)]
pub struct ModelStore {
    dir: PathBuf,
}

impl ModelStore {
    /// A store over an explicit folder.
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// Finds the model folder without configuration: `$LIKENESS_MODELS_DIR`, then, in the
    /// executable's folder or any folder above it, the package's `lib/likeness/models` (an
    /// installed or extracted package: `<prefix>/bin/likeness` finds
    /// `<prefix>/lib/likeness/models`) or a checkout's `models/data` (a dev build in `target/`
    /// finds the repository's), then the per-user data folder.
    pub fn discover() -> Result<Self, VisionError> {
        let probe = |dir: &Path| dir.join(format!("{}.onnx", names::DLIB_RESNET)).is_file();
        let package = format!("{}/models", crate::install::PACKAGE_LIB_DIR);
        discover_dir(MODELS_DIR_ENV, &[&package, "models/data", "models"], probe)
            .map(Self::at)
            .ok_or_else(|| VisionError::Manifest {
                path: PathBuf::from("models"),
                message: format!(
                    "the face models were not found (looked in {package} and models/data beside and above the program, and in the user data folder); {}",
                    Install::detect().repair_hint()
                ),
            })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Path of a builtin model's file in this store.
    pub fn path_of(&self, manifest: &ModelManifest) -> PathBuf {
        self.dir.join(&manifest.file)
    }

    /// Resolves a builtin model for loading: manifest plus path, checking that the file
    /// exists and that its SHA-256 is the manifest's ([`ModelStore::verify`]: a damaged or
    /// swapped file is never loaded).
    pub fn resolve(&self, name: &str) -> Result<(ModelManifest, PathBuf), VisionError> {
        let manifest = builtin_manifest(name)?;
        let path = self.path_of(&manifest);
        if !path.is_file() {
            return Err(VisionError::Model {
                path,
                message: format!("missing; {}", Install::detect().repair_hint()),
            });
        }
        self.verify(&manifest)?;
        Ok((manifest, path))
    }

    /// Hashes a model file and compares with its manifest. A file this process already found
    /// matching, unchanged since (same size and modification time), is not hashed again.
    pub fn verify(&self, manifest: &ModelManifest) -> Result<(), VisionError> {
        let path = self.path_of(manifest);
        let stamp = file_stamp(&path);
        let key = (path.clone(), manifest.sha256.to_ascii_lowercase());
        let known =
            |verified: &HashMap<_, _>| stamp.is_some() && verified.get(&key) == stamp.as_ref();
        if VERIFIED.lock().map(|v| known(&v)).unwrap_or(false) {
            return Ok(());
        }
        let actual = sha256_file(&path)?;
        if actual.eq_ignore_ascii_case(&manifest.sha256) {
            if let (Some(stamp), Ok(mut verified)) = (stamp, VERIFIED.lock()) {
                verified.insert(key, stamp);
            }
            Ok(())
        } else {
            Err(VisionError::Checksum {
                path,
                expected: manifest.sha256.clone(),
                actual,
            })
        }
    }
}

/// Model files this process hashed and found matching: (path, expected sha256) → the file's
/// (size, modification time) then.
static VERIFIED: LazyLock<Mutex<HashMap<(PathBuf, String), FileStamp>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// A file's size and modification time.
type FileStamp = (u64, SystemTime);

fn file_stamp(path: &Path) -> Option<FileStamp> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.len(), meta.modified().ok()?))
}

/// SHA-256 of a file, hex.
pub fn sha256_file(path: &Path) -> Result<String, VisionError> {
    use std::io::Read;
    let err = |e: std::io::Error| VisionError::Model {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut file = std::fs::File::open(path).map_err(err)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(err)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Finds a folder or file: `$env`, then `rel` under the executable's folder and each folder
/// above it, then under the per-user data folder (`$XDG_DATA_HOME/likeness` or
/// `~/.local/share/likeness`, `%APPDATA%\likeness`, `~/Library/Application Support/likeness`).
pub(crate) fn discover_dir(
    env: &str,
    rels: &[&str],
    accept: impl Fn(&Path) -> bool,
) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env) {
        return Some(PathBuf::from(p));
    }
    let mut roots: Vec<PathBuf> = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        let exe = exe.canonicalize().unwrap_or(exe);
        roots.extend(exe.ancestors().skip(1).map(Path::to_path_buf));
    }
    if let Some(data) = user_data_dir() {
        roots.push(data);
    }
    roots
        .iter()
        .flat_map(|root| rels.iter().map(move |rel| root.join(rel)))
        .find(|candidate| accept(candidate))
}

/// The per-user data folder of Likeness.
pub fn user_data_dir() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    if cfg!(windows) {
        std::env::var_os("APPDATA").map(|p| PathBuf::from(p).join("likeness"))
    } else if cfg!(target_vendor = "apple") {
        home.map(|h| h.join("Library/Application Support/likeness"))
    } else {
        std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .or_else(|| home.map(|h| h.join(".local/share")))
            .map(|p| p.join("likeness"))
    }
}
