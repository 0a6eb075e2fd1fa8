//! The app's state: the one library this window works on, and the indexing job if one runs.
//!
//! The app holds the library's [`LibraryLock`] for its whole life (it is the library's writer,
//! like `likeness index`), one read-write catalog handle for the commands and one read-only
//! handle for the thumbnail protocol. Indexing runs on its own thread with its own handle.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use likeness_engine::catalog::Catalog;
use likeness_engine::{
    open_catalog, EngineConfig, EngineError, FacePipeline, IndexControl, LibraryLock, LibraryPaths,
};

use crate::dto::ErrorDto;

/// Managed by Tauri: the library, or why it could not be opened (every command then returns
/// that error, and the UI shows it).
#[derive(Debug)]
pub struct AppState {
    pub library: Result<Arc<Library>, ErrorDto>,
}

impl AppState {
    /// Opens the library at `$LIKENESS_CATALOG` (tests use a temporary one), else at the
    /// platform default ([`LibraryPaths::platform_default`]).
    pub fn from_env() -> Self {
        let paths = match std::env::var_os("LIKENESS_CATALOG") {
            Some(c) if !c.is_empty() => Some(LibraryPaths::for_catalog(&PathBuf::from(c))),
            _ => LibraryPaths::platform_default(),
        };
        let library = paths
            .ok_or(EngineError::NoLibraryLocation)
            .and_then(|p| Library::open(p, EngineConfig::default()))
            .map(Arc::new)
            .map_err(ErrorDto::from);
        if let Err(e) = &library {
            tracing::error!(code = %e.code, message = %e.message, "library not opened");
        }
        Self { library }
    }

    pub fn library(&self) -> Result<Arc<Library>, ErrorDto> {
        self.library.clone()
    }
}

/// One open library.
#[derive(Debug)]
pub struct Library {
    pub paths: LibraryPaths,
    pub config: EngineConfig,
    _lock: LibraryLock,
    catalog: Mutex<Catalog>,
    reader: Mutex<Catalog>,
    indexing: Mutex<Option<Arc<IndexControl>>>,
    pipeline: Mutex<Option<Arc<FacePipeline>>>,
}

impl Library {
    fn open(paths: LibraryPaths, config: EngineConfig) -> Result<Self, EngineError> {
        // Lock before opening: a read-write open marks a running job interrupted.
        let lock = LibraryLock::acquire(&paths)?;
        let catalog = open_catalog(&paths)?;
        let reader = Catalog::open_read_only(&paths.catalog)?;
        Ok(Self {
            paths,
            config,
            _lock: lock,
            catalog: Mutex::new(catalog),
            reader: Mutex::new(reader),
            indexing: Mutex::new(None),
            pipeline: Mutex::new(None),
        })
    }

    /// The commands' catalog handle (people edits and reads).
    pub fn catalog(&self) -> Result<MutexGuard<'_, Catalog>, ErrorDto> {
        self.catalog.lock().map_err(|_| poisoned())
    }

    /// The read-only handle of the thumbnail protocol.
    pub fn reader(&self) -> Result<MutexGuard<'_, Catalog>, ErrorDto> {
        self.reader.lock().map_err(|_| poisoned())
    }

    /// The running indexing job's control, if any.
    pub fn indexing(&self) -> Option<Arc<IndexControl>> {
        self.indexing.lock().ok().and_then(|g| g.clone())
    }

    /// Registers a new indexing job; `indexing_running` if one runs already.
    pub fn begin_indexing(&self) -> Result<Arc<IndexControl>, ErrorDto> {
        let mut slot = self.indexing.lock().map_err(|_| poisoned())?;
        if slot.is_some() {
            return Err(ErrorDto::new(
                "indexing_running",
                "the library is being indexed already",
            ));
        }
        let control = Arc::new(IndexControl::new());
        *slot = Some(Arc::clone(&control));
        Ok(control)
    }

    pub fn end_indexing(&self) {
        if let Ok(mut slot) = self.indexing.lock() {
            *slot = None;
        }
    }

    /// The face pipeline, loaded on first use and kept for the next runs.
    pub fn pipeline(&self) -> Result<Arc<FacePipeline>, ErrorDto> {
        let mut slot = self.pipeline.lock().map_err(|_| poisoned())?;
        if let Some(p) = slot.as_ref() {
            return Ok(Arc::clone(p));
        }
        let pipeline = Arc::new(FacePipeline::open(&self.config)?);
        *slot = Some(Arc::clone(&pipeline));
        Ok(pipeline)
    }
}

fn poisoned() -> ErrorDto {
    ErrorDto::new(
        "internal",
        "an earlier command failed badly: restart Likeness",
    )
}
