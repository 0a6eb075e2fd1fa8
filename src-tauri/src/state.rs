//! The app's state: the one library this window works on, as an engine [`Session`].
//!
//! Everything a library session needs — the lock (the app is the library's writer, like
//! `likeness index`), the settings, the catalog handles, the pipeline, the one job slot and
//! the XMP export trigger — lives in the engine's [`Session`] (`likeness_engine::Library`),
//! which the CLI uses too. The shell adds only where the location came from and what could
//! not be used at start.

use std::ops::Deref;
use std::sync::Arc;
use std::time::{Duration, Instant};

use likeness_api::ApiError;
use likeness_engine::{
    location_file, resolve_location, EngineConfig, EngineError, Library as Session, LibraryPaths,
    LocationSource, Overrides,
};

/// How long a start waits for the library's lock: `restart_app` (Tauri's restart) starts the
/// new process a moment before the old one exits and lets go of it.
const LOCK_WAIT: Duration = Duration::from_secs(3);

/// Managed by Tauri: the library, or why it could not be opened (every command then returns
/// that error, and the UI shows it).
#[derive(Debug)]
pub struct AppState {
    pub library: Result<Arc<Library>, ApiError>,
}

impl AppState {
    /// Opens the library at `$LIKENESS_CATALOG` (tests use a temporary one), else in the
    /// folder chosen in Settings (`<config dir>/likeness/location.json`), else at the platform
    /// default (`LibraryPaths::platform_default`).
    pub fn from_env() -> Self {
        let location = resolve_location(
            std::env::var_os("LIKENESS_CATALOG"),
            location_file().as_deref(),
        );
        let library = location
            .ok_or(EngineError::NoLibraryLocation)
            .and_then(|l| {
                let session = open_session(&l.paths)?;
                let mut warnings: Vec<String> = l.warning.into_iter().collect();
                warnings.extend(session.warnings().iter().cloned());
                Ok(Library {
                    session,
                    source: l.source,
                    warnings,
                })
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

/// Opens the library session, waiting up to [`LOCK_WAIT`] while another process holds it.
fn open_session(paths: &LibraryPaths) -> Result<Session, EngineError> {
    let started = Instant::now();
    loop {
        match Session::open(paths.clone(), EngineConfig::default(), Overrides::default()) {
            Err(EngineError::LibraryBusy { .. }) if started.elapsed() < LOCK_WAIT => {
                std::thread::sleep(Duration::from_millis(100));
            }
            other => return other,
        }
    }
}

/// One open library: the engine session, plus what the shell shows about its location.
#[derive(Debug)]
pub struct Library {
    session: Session,
    /// Where the location came from (`$LIKENESS_CATALOG`, the user's choice, the default).
    pub source: LocationSource,
    /// Files that could not be used at start (a corrupt settings or location file).
    pub warnings: Vec<String>,
}

impl Deref for Library {
    type Target = Session;
    fn deref(&self) -> &Session {
        &self.session
    }
}
