//! Watch mode: keep the catalog in step with the file system while the app runs.
//!
//! The watcher is started before the first scan, so nothing that happens during the scan is
//! missed. Each debounced batch of changes is applied to the catalog (a rename is a move: the
//! row keeps its photo, faces and names; nothing is re-embedded), then pending files are
//! indexed. Once nothing new has come for `PeopleConfig::settle` (3 s) after faces changed,
//! the faces are clustered again.
//!
//! Like [`Indexer::run`], it first makes pending the files whose faces another model found
//! (re-detection in the background, user decisions carried over); the watcher itself only
//! marks files pending when their size or mtime change, so it never undoes that.

use std::path::{Path, PathBuf};
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use likeness_catalog::Catalog;
use likeness_scan::{FsChange, LibraryWatcher};

use super::run::{IndexSummary, Indexer};
use super::scan::{candidate, scan_library, scan_root, ScanSummary};
use super::{photo_scan_options, IndexControl, IndexPhase, IndexProgress};
use crate::error::EngineError;
use crate::people::ReclusterSummary;

/// How watch mode behaves.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// Quiet time after the last file-system event before a batch is applied.
    pub debounce: Duration,
}

impl Default for WatchOptions {
    fn default() -> Self {
        Self {
            debounce: Duration::from_millis(300),
        }
    }
}

/// What watch mode did, for logs, the CLI and the GUI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchEvent {
    /// The first scan finished.
    Scanned(ScanSummary),
    /// A batch of file-system changes was applied to the catalog.
    Applied {
        upserted: u64,
        removed: u64,
        moved: u64,
        rescanned: u64,
    },
    /// Pending files were indexed.
    Indexed(IndexSummary),
    /// Faces were clustered again (changes had settled).
    Clustered(ReclusterSummary),
    /// Watching, nothing to do.
    Idle,
}

impl Indexer<'_> {
    /// Scans, indexes, then follows the file system until `control` is cancelled.
    pub fn watch(
        &self,
        catalog: &mut Catalog,
        control: &IndexControl,
        options: &WatchOptions,
        progress: &mut dyn FnMut(&IndexProgress),
        events: &mut dyn FnMut(&WatchEvent),
    ) -> Result<(), EngineError> {
        let roots: Vec<PathBuf> = catalog.roots()?.into_iter().map(|r| r.path).collect();
        let scan_options = photo_scan_options();
        let (_watcher, changes) = LibraryWatcher::start(&roots, &scan_options, options.debounce)?;

        let requeued = self.requeue_other_models(catalog)?;
        let scan = scan_library(catalog, control, self.clock(), progress)?;
        let removed = scan.removed > 0;
        events(&WatchEvent::Scanned(scan));
        self.index_and_report(catalog, control, progress, events, requeued)?;
        let mut idle = IndexProgress::new(IndexPhase::Watching);
        progress(&idle);
        // Faces changed and not clustered since (checked once nothing new came for a while).
        let mut unclustered = removed || crate::people::clustering_due(catalog)?;
        let mut last_work = Instant::now();

        while !control.is_cancelled() {
            let first = match changes.recv_timeout(Duration::from_millis(200)) {
                Ok(batch) => batch,
                Err(RecvTimeoutError::Timeout) => {
                    if unclustered && last_work.elapsed() >= self.people_config().settle {
                        unclustered = false;
                        if let Some(s) = self.cluster_if_due(catalog, control, true)? {
                            events(&WatchEvent::Clustered(s));
                        }
                    }
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            };
            let mut batch = first;
            while let Ok(more) = changes.try_recv() {
                batch.extend(more);
            }
            let applied = self.apply(catalog, control, &batch)?;
            if matches!(applied, WatchEvent::Applied { removed, .. } if removed > 0) {
                unclustered = true;
            }
            events(&applied);
            if self.index_and_report(catalog, control, progress, events, 0)? {
                unclustered = true;
            }
            last_work = Instant::now();
            idle.paused = control.is_paused();
            progress(&idle);
            events(&WatchEvent::Idle);
        }
        Ok(())
    }

    /// Indexes what is pending, if anything; `requeued` goes into the summary reported.
    fn index_and_report(
        &self,
        catalog: &mut Catalog,
        control: &IndexControl,
        progress: &mut dyn FnMut(&IndexProgress),
        events: &mut dyn FnMut(&WatchEvent),
        requeued: u64,
    ) -> Result<bool, EngineError> {
        if catalog.count_pending()? > 0 {
            let mut summary = self.index_pending(catalog, control, progress)?;
            summary.requeued = requeued;
            let worked = summary.photos > 0;
            events(&WatchEvent::Indexed(summary));
            return Ok(worked);
        }
        Ok(false)
    }

    /// Applies one debounced batch of changes to the catalog.
    fn apply(
        &self,
        catalog: &mut Catalog,
        control: &IndexControl,
        batch: &[FsChange],
    ) -> Result<WatchEvent, EngineError> {
        let now = self.clock().now();
        let (mut upserted, mut removed, mut moved, mut rescanned) = (0, 0, 0, 0);
        for change in batch {
            tracing::debug!(?change, "file-system change");
            match change {
                FsChange::Upserted(path) => match likeness_scan::file_candidate(path) {
                    Ok(c) => upserted += u64::from(catalog.upsert_file(&candidate(c), now)?),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        removed += catalog.remove_path(path)? as u64;
                    }
                    Err(e) => {
                        tracing::warn!(path = %path.display(), error = %e, "changed file unreadable")
                    }
                },
                FsChange::Removed(path) => removed += catalog.remove_path(path)? as u64,
                FsChange::Renamed { from, to } => {
                    let n = catalog.rename_path(from, to)?;
                    moved += n as u64;
                    if n == 0 {
                        // Not known under its old name (e.g. an editor's temp file renamed
                        // over the photo): treat the destination as new or changed.
                        if to.is_dir() {
                            rescanned += self.rescan(catalog, control, to)?;
                        } else if let Ok(c) = likeness_scan::file_candidate(to) {
                            upserted += u64::from(catalog.upsert_file(&candidate(c), now)?);
                        }
                    }
                }
                FsChange::Rescan(path) => rescanned += self.rescan(catalog, control, path)?,
            }
        }
        Ok(WatchEvent::Applied {
            upserted,
            removed,
            moved,
            rescanned,
        })
    }

    /// Rescans the root that holds `path`. Returns 1 when a root was rescanned.
    fn rescan(
        &self,
        catalog: &mut Catalog,
        control: &IndexControl,
        path: &Path,
    ) -> Result<u64, EngineError> {
        let Some(root) = catalog.root_for(path)? else {
            return Ok(0);
        };
        let mut summary = ScanSummary::default();
        scan_root(
            catalog,
            &root,
            control,
            self.clock(),
            &mut summary,
            &mut |_| {},
        )?;
        Ok(1)
    }
}
