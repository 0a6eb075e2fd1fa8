//! The app's state: the one library this window works on, and the indexing job if one runs.
//!
//! The app holds the library's [`LibraryLock`] for its whole life (it is the library's writer,
//! like `likeness index`), one read-write catalog handle for the commands and one read-only
//! handle for the thumbnail protocol. Indexing runs on its own thread with its own handle.
//!
//! The library's settings (`settings.json` beside the catalog) are loaded at start and applied
//! to its [`EngineConfig`]; with XMP auto-export on, the library holds an [`XmpAutoExport`]
//! that the commands poke after every people edit, indexing run and clustering.

use std::sync::{Arc, Mutex, MutexGuard};

use likeness_engine::catalog::Catalog;
use likeness_engine::{
    load_settings, location_file, open_catalog, resolve_location, save_settings, settings_path,
    EngineConfig, EngineError, FacePipeline, IndexControl, LibraryLock, LibraryPaths,
    LocationSource, Settings, SystemClock, XmpAutoExport,
};

use likeness_api::ApiError;

/// Managed by Tauri: the library, or why it could not be opened (every command then returns
/// that error, and the UI shows it).
#[derive(Debug)]
pub struct AppState {
    pub library: Result<Arc<Library>, ApiError>,
}

impl AppState {
    /// Opens the library at `$LIKENESS_CATALOG` (tests use a temporary one), else in the
    /// folder chosen in Settings (`<config dir>/likeness/location.json`), else at the platform
    /// default ([`LibraryPaths::platform_default`]).
    pub fn from_env() -> Self {
        let location = resolve_location(
            std::env::var_os("LIKENESS_CATALOG"),
            location_file().as_deref(),
        );
        let library = location
            .ok_or(EngineError::NoLibraryLocation)
            .and_then(|l| {
                let mut warnings = Vec::new();
                warnings.extend(l.warning);
                Library::open(l.paths, l.source, warnings, EngineConfig::default())
            })
            .map(Arc::new)
            .map_err(ApiError::from);
        if let Err(e) = &library {
            tracing::error!(code = %e.code, message = %e.message, "library not opened");
        }
        Self { library }
    }

    pub fn library(&self) -> Result<Arc<Library>, ApiError> {
        self.library.clone()
    }
}

/// One open library.
#[derive(Debug)]
pub struct Library {
    pub paths: LibraryPaths,
    /// Where the location came from (`$LIKENESS_CATALOG`, the user's choice, the default).
    pub source: LocationSource,
    /// Files that could not be used at start (a corrupt settings or location file).
    pub warnings: Vec<String>,
    /// The engine configuration, settings applied ([`Library::engine_config`]).
    current: Mutex<EngineConfig>,
    settings: Mutex<Settings>,
    xmp: Mutex<Option<XmpAutoExport>>,
    _lock: LibraryLock,
    catalog: Mutex<Catalog>,
    reader: Mutex<Catalog>,
    indexing: Mutex<Option<Arc<IndexControl>>>,
    pipeline: Mutex<Option<Arc<FacePipeline>>>,
}

impl Library {
    fn open(
        paths: LibraryPaths,
        source: LocationSource,
        mut warnings: Vec<String>,
        mut config: EngineConfig,
    ) -> Result<Self, EngineError> {
        // Lock before opening: a read-write open marks a running job interrupted.
        let lock = LibraryLock::acquire(&paths)?;
        let catalog = open_catalog(&paths)?;
        let reader = Catalog::open_read_only(&paths.catalog)?;
        let loaded = load_settings(&settings_path(&paths));
        warnings.extend(loaded.warning);
        loaded.settings.apply(&mut config);
        let lib = Self {
            paths,
            source,
            warnings,
            current: Mutex::new(config),
            settings: Mutex::new(loaded.settings),
            xmp: Mutex::new(None),
            _lock: lock,
            catalog: Mutex::new(catalog),
            reader: Mutex::new(reader),
            indexing: Mutex::new(None),
            pipeline: Mutex::new(None),
        };
        lib.switch_xmp(loaded.settings.xmp_auto_export);
        // Marks left by the last session (it may have quit inside the debounce time).
        lib.poke_xmp();
        Ok(lib)
    }

    /// The engine configuration with the settings applied.
    pub fn engine_config(&self) -> Result<EngineConfig, ApiError> {
        Ok(self.current.lock().map_err(|_| poisoned())?.clone())
    }

    pub fn settings(&self) -> Result<Settings, ApiError> {
        Ok(*self.settings.lock().map_err(|_| poisoned())?)
    }

    /// Saves `new` (atomically), applies it to the configuration, and starts or stops the XMP
    /// auto-export. A new detection level or provider drops the loaded pipeline so the next
    /// run loads it with them (a running job keeps the one it has).
    pub fn set_settings(&self, new: Settings) -> Result<(), ApiError> {
        let mut current = self.settings.lock().map_err(|_| poisoned())?;
        save_settings(&settings_path(&self.paths), &new)?;
        let reload = new.detection != current.detection || new.provider != current.provider;
        new.apply(&mut *self.current.lock().map_err(|_| poisoned())?);
        *current = new;
        drop(current);
        if reload {
            *self.pipeline.lock().map_err(|_| poisoned())? = None;
        }
        self.switch_xmp(new.xmp_auto_export);
        if new.xmp_auto_export {
            self.poke_xmp();
        }
        Ok(())
    }

    fn switch_xmp(&self, on: bool) {
        let Ok(mut slot) = self.xmp.lock() else {
            return;
        };
        if on && slot.is_none() {
            let (options, debounce) = match self.current.lock() {
                Ok(c) => (c.xmp.options, c.xmp.debounce),
                Err(_) => return,
            };
            *slot = Some(XmpAutoExport::start(
                &self.paths.catalog,
                options,
                debounce,
                Arc::new(SystemClock),
            ));
        } else if !on {
            // Dropping it exports what is pending, then stops its thread.
            *slot = None;
        }
    }

    /// Something that may change exported faces happened: the auto-export (when on) writes
    /// the photos the catalog marked once edits have been quiet for its debounce time.
    pub fn poke_xmp(&self) {
        if let Ok(slot) = self.xmp.lock() {
            if let Some(x) = slot.as_ref() {
                x.poke();
            }
        }
    }

    /// The loaded pipeline's execution provider, if one is loaded.
    pub fn active_provider(&self) -> Option<&'static str> {
        let slot = self.pipeline.lock().ok()?;
        slot.as_ref().map(|p| p.provider().label())
    }

    /// The commands' catalog handle (people edits and reads).
    pub fn catalog(&self) -> Result<MutexGuard<'_, Catalog>, ApiError> {
        self.catalog.lock().map_err(|_| poisoned())
    }

    /// The read-only handle of the thumbnail protocol.
    pub fn reader(&self) -> Result<MutexGuard<'_, Catalog>, ApiError> {
        self.reader.lock().map_err(|_| poisoned())
    }

    /// The running indexing job's control, if any.
    pub fn indexing(&self) -> Option<Arc<IndexControl>> {
        self.indexing.lock().ok().and_then(|g| g.clone())
    }

    /// Registers a new indexing job; `indexing_running` if one runs already.
    pub fn begin_indexing(&self) -> Result<Arc<IndexControl>, ApiError> {
        let mut slot = self.indexing.lock().map_err(|_| poisoned())?;
        if slot.is_some() {
            return Err(ApiError::new(
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
    pub fn pipeline(&self) -> Result<Arc<FacePipeline>, ApiError> {
        let mut slot = self.pipeline.lock().map_err(|_| poisoned())?;
        if let Some(p) = slot.as_ref() {
            return Ok(Arc::clone(p));
        }
        let pipeline = Arc::new(FacePipeline::open(&self.engine_config()?)?);
        *slot = Some(Arc::clone(&pipeline));
        Ok(pipeline)
    }
}

fn poisoned() -> ApiError {
    ApiError::new(
        "internal",
        "an earlier command failed badly: restart Likeness",
    )
}
