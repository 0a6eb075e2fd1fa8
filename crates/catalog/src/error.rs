//! Typed errors; every variant carries the catalog file's path.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("catalog {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("catalog {path}: schema version {found} is newer than this build ({supported})")]
    TooNew {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("catalog {path}: {message}")]
    Invalid { path: PathBuf, message: String },
    /// A face, person, photo or job id the caller passed does not exist.
    #[error("catalog {path}: no {what}")]
    NotFound { path: PathBuf, what: String },
    /// Person names are unique, ignoring ASCII case.
    #[error("catalog {path}: a person named {name:?} already exists")]
    NameTaken { path: PathBuf, name: String },
    /// Only on platforms whose paths are not bytes (Windows): the path is not valid Unicode.
    #[error("catalog {path}: file path {file:?} is not valid Unicode")]
    NonUnicodePath { path: PathBuf, file: PathBuf },
}

impl CatalogError {
    /// The catalog file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            CatalogError::Sqlite { path, .. }
            | CatalogError::TooNew { path, .. }
            | CatalogError::Invalid { path, .. }
            | CatalogError::NotFound { path, .. }
            | CatalogError::NameTaken { path, .. }
            | CatalogError::NonUnicodePath { path, .. } => path,
        }
    }
}

/// An error inside the crate, before the catalog path is attached (at the public boundary).
#[derive(Debug)]
pub(crate) enum Fault {
    Sql(rusqlite::Error),
    Invalid(String),
    NotFound(String),
    NameTaken(String),
    #[cfg_attr(unix, allow(dead_code))]
    NonUnicodePath(PathBuf),
}

impl From<rusqlite::Error> for Fault {
    fn from(e: rusqlite::Error) -> Self {
        Fault::Sql(e)
    }
}

impl Fault {
    pub(crate) fn at(self, db: &Path) -> CatalogError {
        let path = db.to_path_buf();
        match self {
            Fault::Sql(source) => CatalogError::Sqlite { path, source },
            Fault::Invalid(message) => CatalogError::Invalid { path, message },
            Fault::NotFound(what) => CatalogError::NotFound { path, what },
            Fault::NameTaken(name) => CatalogError::NameTaken { path, name },
            Fault::NonUnicodePath(file) => CatalogError::NonUnicodePath { path, file },
        }
    }
}

pub(crate) type Res<T> = Result<T, Fault>;
