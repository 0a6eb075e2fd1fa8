//! Where the library is and how a command opens it: read-only for commands that only read,
//! the engine's `Library` session (the desktop app's too) for every command that changes it.
//! The session brings the library's saved settings (`settings.json`, what the app's Settings
//! screen wrote) with the command line's flags on top, and its XMP trigger: what a command
//! changed reaches the sidecars when it closes, with no per-command export code.
//!
//! This module sits below the command modules (`library`, `people`, `xmp`): they use it, it
//! uses none of them.

use std::path::PathBuf;
use std::sync::Arc;

use likeness_engine::catalog::Catalog;
use likeness_engine::xmp::ExportOutcome;
use likeness_engine::{
    open_catalog, EngineConfig, EngineError, IndexControl, Library, LibraryPaths, Overrides,
};

/// Where the catalog and cache are, and what the global options say about the engine.
#[derive(Debug, Clone)]
pub struct LibraryLocation {
    pub catalog: Option<PathBuf>,
    pub cache_dir: Option<PathBuf>,
    /// The engine configuration from the global options (before the library's settings).
    pub config: EngineConfig,
    /// What the global options decide over the library's settings (`--cpu`, `--no-xmp-export`).
    pub overrides: Overrides,
}

impl LibraryLocation {
    pub(crate) fn paths(&self) -> anyhow::Result<LibraryPaths> {
        let mut paths = match &self.catalog {
            Some(c) => LibraryPaths::for_catalog(c),
            None => LibraryPaths::platform_default().ok_or(EngineError::NoLibraryLocation)?,
        };
        if let Some(cache) = &self.cache_dir {
            paths.cache = cache.clone();
        }
        Ok(paths)
    }

    /// For commands that only read: a read-only handle, so running them while an indexer
    /// works never disturbs it (a read-write open marks running jobs interrupted).
    pub(crate) fn open_reader(&self) -> anyhow::Result<(LibraryPaths, Catalog)> {
        let paths = self.paths()?;
        if !paths.catalog.is_file() {
            let catalog = open_catalog(&paths)?;
            return Ok((paths, catalog));
        }
        if Catalog::is_older(&paths.catalog)? {
            // A library from an older version: updated once (after a backup), then read.
            let catalog = open_catalog(&paths)?;
            if let Some(m) = catalog.migration() {
                eprintln!(
                    "likeness: updated this library from an older version (catalog {} to {}); the old copy is at {}",
                    m.from,
                    m.to,
                    m.backup.display()
                );
            }
        }
        let catalog = Catalog::open_read_only(&paths.catalog)?;
        Ok((paths, catalog))
    }

    /// Runs `f` in a session on this library (taking its lock: `library_busy` while the app
    /// or another command writes), then closes it: with automatic XMP export on, what `f`
    /// changed is written to the sidecars now. An export problem is a warning on stderr,
    /// never the command's failure.
    pub(crate) fn with_session<T>(
        &self,
        f: impl FnOnce(&Library) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let lib = Library::open(self.paths()?, self.config.clone(), self.overrides)?;
        for w in lib.warnings() {
            eprintln!("likeness: {w}");
        }
        let result = f(&lib);
        match lib.close() {
            None => {}
            Some(Ok(s)) => {
                if s.written > 0 {
                    eprintln!("XMP: updated {} sidecar files", s.written);
                }
                for p in &s.photos {
                    for f in &p.files {
                        if let ExportOutcome::Failed { message, .. } = &f.outcome {
                            eprintln!(
                                "likeness: XMP export of {} failed: {message}",
                                f.target.display()
                            );
                        }
                    }
                }
            }
            Some(Err(e)) => eprintln!("likeness: XMP auto-export failed: {e}"),
        }
        result
    }
}

/// JSON of `value` with `--json`, else the plain text.
pub(crate) fn print_or<T: serde::Serialize>(
    json: bool,
    value: &T,
    plain: impl FnOnce(),
) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(value)?);
    } else {
        plain();
    }
    Ok(())
}

/// First Ctrl+C cancels gracefully (work done so far is committed); a second one exits.
pub(crate) fn install_ctrlc(control: &Arc<IndexControl>) {
    let control = Arc::clone(control);
    let result = ctrlc::set_handler(move || {
        if control.is_cancelled() {
            std::process::exit(130);
        }
        eprintln!("\nstopping after the current photos… (Ctrl+C again to quit now)");
        control.cancel();
    });
    if let Err(e) = result {
        tracing::warn!(error = %e, "Ctrl+C handler not installed");
    }
}
