//! The crate's error type: each variant names the path it is about.

use std::path::{Path, PathBuf};

/// Why a root could not be walked or watched, or a file could not be hashed.
///
/// Problems *below* a root are not errors but [`crate::ScanIssue`]s.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The root does not exist (or a component of its path does not).
    #[error("library folder {path} does not exist")]
    RootMissing {
        /// The root as given.
        path: PathBuf,
    },
    /// The root exists but is not a directory.
    #[error("library folder {path} is not a directory")]
    NotADirectory {
        /// The root as given.
        path: PathBuf,
    },
    /// The root exists but cannot be listed (permissions, I/O error).
    #[error("cannot read library folder {path}: {source}")]
    RootUnreadable {
        /// The root as given.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be opened or read (hashing).
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The OS watcher could not be created, or a root could not be watched or unwatched.
    #[error("cannot watch {path}: {source}")]
    Watch {
        /// The root (empty when creating the watcher itself failed).
        path: PathBuf,
        /// What notify said.
        #[source]
        source: notify::Error,
    },
}

impl ScanError {
    /// The path this error is about.
    pub fn path(&self) -> &Path {
        match self {
            ScanError::RootMissing { path }
            | ScanError::NotADirectory { path }
            | ScanError::RootUnreadable { path, .. }
            | ScanError::Read { path, .. }
            | ScanError::Watch { path, .. } => path,
        }
    }

    /// A stable machine-readable code for front ends (`"root_missing"`, …).
    pub fn code(&self) -> &'static str {
        match self {
            ScanError::RootMissing { .. } => "root_missing",
            ScanError::NotADirectory { .. } => "not_a_directory",
            ScanError::RootUnreadable { .. } => "root_unreadable",
            ScanError::Read { .. } => "read_failed",
            ScanError::Watch { .. } => "watch_failed",
        }
    }

    /// Classifies a failure to `stat` or list a root.
    pub(crate) fn from_root_io(path: &Path, source: std::io::Error) -> Self {
        match source.kind() {
            std::io::ErrorKind::NotFound => ScanError::RootMissing {
                path: path.to_path_buf(),
            },
            std::io::ErrorKind::NotADirectory => ScanError::NotADirectory {
                path: path.to_path_buf(),
            },
            _ => ScanError::RootUnreadable {
                path: path.to_path_buf(),
                source,
            },
        }
    }
}
