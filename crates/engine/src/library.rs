//! Where a library keeps its catalog and its thumbnail cache, and its folders (roots).

use std::path::{Path, PathBuf};

use likeness_catalog::{Catalog, Root};

use crate::clock::Clock;
use crate::error::EngineError;

/// The catalog file and the cache folder of one library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryPaths {
    /// The SQLite catalog.
    pub catalog: PathBuf,
    /// Thumbnails (photos and faces), keyed by content hash; safe to delete.
    pub cache: PathBuf,
}

impl LibraryPaths {
    /// The platform default: the catalog in the user data folder
    /// (`~/.local/share/likeness/catalog.sqlite` on Linux), thumbnails in the user cache folder
    /// (`~/.cache/likeness`). `None` when the platform has no such folders.
    pub fn platform_default() -> Option<Self> {
        let data = dirs::data_dir()?;
        let cache = dirs::cache_dir()?;
        Some(Self {
            catalog: data.join("likeness").join("catalog.sqlite"),
            cache: cache.join("likeness"),
        })
    }

    /// A self-contained library folder: `dir/catalog.sqlite` and `dir/cache/`.
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            catalog: dir.join("catalog.sqlite"),
            cache: dir.join("cache"),
        }
    }

    /// A catalog at `catalog` with its cache beside it (`<catalog dir>/cache`).
    pub fn for_catalog(catalog: &Path) -> Self {
        let dir = catalog.parent().unwrap_or(Path::new("."));
        Self {
            catalog: catalog.to_path_buf(),
            cache: dir.join("cache"),
        }
    }
}

/// Opens (creating if needed) the catalog of `paths`, creating its folder.
pub fn open_catalog(paths: &LibraryPaths) -> Result<Catalog, EngineError> {
    if let Some(dir) = paths.catalog.parent() {
        std::fs::create_dir_all(dir).map_err(|source| EngineError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    Ok(Catalog::open(&paths.catalog)?)
}

/// Adds a photo folder to the library (stored canonical). Adding the same folder twice is a
/// no-op; a folder inside or around an existing root is refused, so no file is owned twice.
pub fn add_root(
    catalog: &mut Catalog,
    folder: &Path,
    clock: &dyn Clock,
) -> Result<Root, EngineError> {
    let io = |source| EngineError::Io {
        path: folder.to_path_buf(),
        source,
    };
    let path = std::fs::canonicalize(folder).map_err(io)?;
    if !path.is_dir() {
        return Err(EngineError::NotALibraryFolder { path });
    }
    for root in catalog.roots()? {
        if root.path == path {
            return Ok(root);
        }
        if path.starts_with(&root.path) || root.path.starts_with(&path) {
            return Err(EngineError::OverlappingRoot {
                path,
                existing: root.path,
            });
        }
    }
    Ok(catalog.add_root(&path, clock.now())?)
}

/// Removes a folder from the library. Its photos' faces and names stay in the catalog (as
/// orphans) so adding the folder back restores them.
pub fn remove_root(catalog: &mut Catalog, folder: &Path) -> Result<(), EngineError> {
    let path = std::fs::canonicalize(folder).unwrap_or_else(|_| folder.to_path_buf());
    if catalog.remove_root(&path)? || catalog.remove_root(folder)? {
        Ok(())
    } else {
        Err(EngineError::NotALibraryFolder { path })
    }
}

/// Held by whoever runs library jobs (index, watch) on a catalog, so two indexers never work
/// on one library at once (a second `likeness index`, or the CLI while the app indexes).
/// Released when dropped or when the process dies (an OS file lock, not a marker file).
#[derive(Debug)]
pub struct LibraryLock {
    _file: std::fs::File,
}

impl LibraryLock {
    /// Takes the lock of `paths`' catalog, or fails at once with `LibraryBusy`.
    pub fn acquire(paths: &LibraryPaths) -> Result<Self, EngineError> {
        let path = paths.catalog.with_extension("lock");
        let io = |source| EngineError::Io {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(EngineError::LibraryBusy {
                catalog: paths.catalog.clone(),
            }),
            Err(std::fs::TryLockError::Error(e)) => Err(io(e)),
        }
    }
}
