//! Scan: walk every root and diff it against the catalog in memory, then write only the
//! differences in one transaction per root.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use likeness_catalog::{Catalog, FileCandidate, FileStamp, Root, ScanChanges, ScanIssueRecord};
use likeness_scan::{walk_root, ScanIssueKind};

use super::{photo_scan_options, IndexControl, IndexPhase, IndexProgress, ProgressGate};
use crate::clock::Clock;
use crate::error::EngineError;

/// What a scan found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanSummary {
    pub roots: usize,
    /// Photo files present under the roots.
    pub files_found: u64,
    pub added: u64,
    pub changed: u64,
    pub removed: u64,
    /// Problems recorded (unreadable folders, symlink loops, unavailable roots…).
    pub issues: u64,
    pub cancelled: bool,
}

/// Walks every root of the catalog and records new, changed and removed photo files.
///
/// Unchanged files (same size and mtime) cost one `stat` and nothing else. A root that cannot
/// be walked (unplugged drive) is recorded as an issue and its files are left alone; files
/// under a folder that could not be read are not treated as deleted either.
pub fn scan_library(
    catalog: &mut Catalog,
    control: &IndexControl,
    clock: &dyn Clock,
    progress: &mut dyn FnMut(&IndexProgress),
) -> Result<ScanSummary, EngineError> {
    let roots = catalog.roots()?;
    let mut summary = ScanSummary {
        roots: roots.len(),
        ..ScanSummary::default()
    };
    let mut gate = ProgressGate::new();
    let mut p = IndexProgress::new(IndexPhase::Scanning);
    gate.offer(&mut p, true, progress);
    for root in &roots {
        if !control.checkpoint() {
            summary.cancelled = true;
            break;
        }
        scan_root(catalog, root, control, clock, &mut summary, &mut |found| {
            p.files_found = found;
            gate.offer(&mut p, false, progress);
        })?;
    }
    p.files_found = summary.files_found;
    gate.offer(&mut p, true, progress);
    tracing::info!(?summary, "scan finished");
    Ok(summary)
}

/// The photo files below `folder`, sorted, found by the library's own walk
/// (`likeness_scan::walk_root` with [`photo_scan_options`]: the decoder's extensions, hidden
/// and system folders skipped, symbolic links followed with loop detection). Problems are
/// logged and skipped; an unusable folder gives nothing. For front ends and XMP import that
/// take a folder outside the library.
pub fn photos_in_folder(folder: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let cancel = std::sync::atomic::AtomicBool::new(false);
    match walk_root(folder, &photo_scan_options(), &cancel, &mut |c| {
        found.push(c.path)
    }) {
        Ok(issues) => {
            for issue in issues {
                tracing::warn!(%issue, "skipped while walking");
            }
        }
        Err(e) => tracing::warn!(error = %e, "folder skipped"),
    }
    found.sort();
    found
}

/// Scans one root (also used by the watcher when it lost track of a folder).
pub(crate) fn scan_root(
    catalog: &mut Catalog,
    root: &Root,
    control: &IndexControl,
    clock: &dyn Clock,
    summary: &mut ScanSummary,
    on_found: &mut dyn FnMut(u64),
) -> Result<(), EngineError> {
    let options = photo_scan_options();
    let mut known: HashMap<PathBuf, FileStamp> = catalog.file_stamps(root.id)?;
    let mut changes = ScanChanges::default();
    let mut found = summary.files_found;
    let walked = walk_root(&root.path, &options, control.cancel_flag(), &mut |file| {
        found += 1;
        if found.is_multiple_of(1024) {
            on_found(found);
        }
        match known.remove(&file.path) {
            Some(stamp) if stamp.size == file.size && stamp.mtime_ns == file.mtime_ns => {}
            Some(_) => {
                changes.upsert.push(candidate(file));
                summary.changed += 1;
            }
            None => {
                changes.upsert.push(candidate(file));
                summary.added += 1;
            }
        }
    });
    summary.files_found = found;
    let issues = match walked {
        Ok(issues) => issues,
        Err(e) => {
            // The root itself is unusable (unplugged, deleted, permission): keep its files.
            tracing::warn!(root = %root.path.display(), error = %e, "root not scanned");
            summary.issues += 1;
            changes.upsert.clear();
            changes.issues.push(ScanIssueRecord {
                path: root.path.clone(),
                code: "root_unavailable".to_string(),
                message: e.to_string(),
            });
            catalog.apply_scan(root.id, &changes, clock.now())?;
            return Ok(());
        }
    };
    if control.is_cancelled() {
        // A partial walk says nothing about deletions; record only what was seen.
        summary.cancelled = true;
    } else {
        let blind: Vec<&Path> = issues
            .iter()
            .filter(|i| i.kind != ScanIssueKind::Vanished)
            .map(|i| i.path.as_path())
            .collect();
        for path in known.into_keys() {
            if blind.iter().any(|dir| path.starts_with(dir)) {
                continue;
            }
            changes.removed.push(path);
        }
        summary.removed += changes.removed.len() as u64;
    }
    summary.issues += issues.len() as u64;
    changes.issues = issues
        .into_iter()
        .map(|i| ScanIssueRecord {
            code: i.kind.code().to_string(),
            message: i.message,
            path: i.path,
        })
        .collect();
    let applied = catalog.apply_scan(root.id, &changes, clock.now())?;
    tracing::debug!(root = %root.path.display(), ?applied, "root scanned");
    Ok(())
}

pub(super) fn candidate(file: likeness_scan::FileCandidate) -> FileCandidate {
    FileCandidate {
        path: file.path,
        size: file.size,
        mtime_ns: file.mtime_ns,
    }
}
