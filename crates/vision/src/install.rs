//! How this copy of Likeness was installed, so that a missing or damaged part comes with the
//! right repair: an installed package is reinstalled, a developer checkout runs its set-up.
//!
//! The package (scripts/package.sh) lays files out as
//! `<prefix>/bin/{likeness,likeness-desktop}` and `<prefix>/lib/likeness/` (the ONNX Runtime
//! library beside `models/`). Everything is found relative to the executable, so an extracted
//! package works from any folder.

use std::path::{Path, PathBuf};

/// The package's private folder, relative to the prefix (`/usr`).
pub const PACKAGE_LIB_DIR: &str = "lib/likeness";

/// The Debian package name (the Tauri bundler's, from `productName`).
pub const PACKAGE_NAME: &str = "likeness";

/// Environment variable that overrides the model folder.
pub const MODELS_DIR_ENV: &str = "LIKENESS_MODELS_DIR";

/// Environment variable that overrides the ONNX Runtime library.
pub const ORT_LIBRARY_ENV: &str = "LIKENESS_ORT_LIBRARY";

/// Environment variable that names the GPU pack folder (the one holding `pack.toml`).
pub const GPU_PACK_ENV: &str = "LIKENESS_GPU_PACK";

/// Where the running executable comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Install {
    /// An installed (or extracted) package: `lib_dir` is `<prefix>/lib/likeness`.
    Package { lib_dir: PathBuf },
    /// A build inside a source checkout (`target/...` under the repository root).
    Checkout { root: PathBuf },
    /// Anything else (a binary copied by hand).
    Other,
}

impl Install {
    /// Looks at the running executable.
    pub fn detect() -> Self {
        match std::env::current_exe() {
            Ok(exe) => Self::of_executable(&exe.canonicalize().unwrap_or(exe)),
            Err(_) => Self::Other,
        }
    }

    /// Looks at `exe`: a package when `<exe dir>/../lib/likeness` exists, a checkout when a
    /// folder above it has `scripts/setup.sh` and `models/fetch.py`.
    pub fn of_executable(exe: &Path) -> Self {
        let Some(dir) = exe.parent() else {
            return Self::Other;
        };
        if let Some(prefix) = dir.parent() {
            let lib_dir = prefix.join(PACKAGE_LIB_DIR);
            if lib_dir.is_dir() {
                return Self::Package { lib_dir };
            }
        }
        dir.ancestors()
            .find(|d| d.join("scripts/setup.sh").is_file() && d.join("models/fetch.py").is_file())
            .map_or(Self::Other, |root| Self::Checkout {
                root: root.to_path_buf(),
            })
    }

    /// What a person does to get a missing or damaged runtime or model back.
    pub fn repair_hint(&self) -> String {
        match self {
            Self::Package { .. } => format!(
                "reinstall Likeness: open the package file again in your software installer, or run 'sudo apt install --reinstall {PACKAGE_NAME}'"
            ),
            Self::Checkout { root } => format!(
                "run 'bash scripts/setup.sh' in {} (it fetches and checks the runtime and the models)",
                root.display()
            ),
            Self::Other => format!(
                "reinstall Likeness, or point {ORT_LIBRARY_ENV} and {MODELS_DIR_ENV} at the runtime and the models"
            ),
        }
    }

    /// One word for reports: `package`, `checkout`, `other`.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Package { .. } => "package",
            Self::Checkout { .. } => "checkout",
            Self::Other => "other",
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_package_layout_is_recognised_wherever_it_was_extracted() {
        let root = std::env::temp_dir().join(format!("likeness-install-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let prefix = root.join("somewhere/usr");
        std::fs::create_dir_all(prefix.join("bin")).unwrap();
        std::fs::create_dir_all(prefix.join(PACKAGE_LIB_DIR)).unwrap();
        let exe = prefix.join("bin/likeness");
        assert_eq!(
            Install::of_executable(&exe),
            Install::Package {
                lib_dir: prefix.join(PACKAGE_LIB_DIR)
            }
        );
        assert!(Install::of_executable(&exe)
            .repair_hint()
            .contains("reinstall"));
        // The same binary without the lib folder beside it: nothing to go on.
        let loose = root.join("loose/likeness");
        std::fs::create_dir_all(loose.parent().unwrap()).unwrap();
        assert_eq!(Install::of_executable(&loose), Install::Other);
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn a_build_in_this_checkout_points_at_the_setup_script() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let repo = repo.canonicalize().unwrap();
        let exe = repo.join("target/debug/likeness");
        assert_eq!(
            Install::of_executable(&exe),
            Install::Checkout { root: repo.clone() }
        );
        assert!(Install::of_executable(&exe)
            .repair_hint()
            .contains("scripts/setup.sh"));
    }
}
