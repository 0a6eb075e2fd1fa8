//! File rows: what scans and the watcher report, and the indexer's queue (state Pending);
//! removing a root with its file rows (`roots` only adds and reads roots).
//!
//! Whenever a file row goes away or stops pointing at a photo, the photo is checked: with no
//! file left it becomes an orphan (`photos.orphaned_at`), kept with its faces and decisions.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension, ToSql, Transaction};

use crate::db::Catalog;
use crate::error::{CatalogError, Fault, Res};
use crate::paths;
use crate::roots;
use crate::types::{
    FileCandidate, FileId, FileStamp, FileState, PendingFile, PhotoId, RootId, ScanApplied,
    ScanChanges,
};

impl Catalog {
    /// Removes the root and its file rows. Photo contents stay as orphans with their faces and
    /// decisions, so re-adding the folder brings everything back. Ok(false) if unknown.
    pub fn remove_root(&mut self, path: &Path) -> Result<bool, CatalogError> {
        self.remove_root_at(path, None)
    }

    /// [`Catalog::remove_root`] with the clock passed in (`None`: SQLite's `unixepoch()`),
    /// used as the orphaned-at time of photos left without a file.
    pub fn remove_root_at(&mut self, path: &Path, now: Option<i64>) -> Result<bool, CatalogError> {
        self.write(|tx| {
            let blob = paths::to_blob(path)?;
            let Some(id) = tx
                .query_row("SELECT id FROM roots WHERE path = ?1", [&blob], |r| {
                    r.get::<_, RootId>(0)
                })
                .optional()?
            else {
                return Ok(false);
            };
            delete_files(tx, "root_id = ?1", &[&id], now)?;
            tx.execute("DELETE FROM roots WHERE id = ?1", [id])?;
            Ok(true)
        })
    }

    /// Every file row under a root, keyed by path, for the in-memory diff of a rescan.
    pub fn file_stamps(&self, root: RootId) -> Result<HashMap<PathBuf, FileStamp>, CatalogError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT path, id, size, mtime_ns, state FROM files WHERE root_id = ?1",
            )?;
            let rows = st.query_map([root], |r| {
                let stamp = FileStamp {
                    id: r.get(1)?,
                    size: r.get::<_, i64>(2)? as u64,
                    mtime_ns: r.get(3)?,
                    state: r.get(4)?,
                };
                Ok((paths::from_blob(r.get(0)?), stamp))
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// One transaction: `upsert` rows become Pending with the new size/mtime (an existing row
    /// keeps its id and photo link until re-indexed); `removed` paths are deleted; the root's
    /// scan issues are replaced by `issues`; the root's last_scan_at = now.
    pub fn apply_scan(
        &mut self,
        root: RootId,
        changes: &ScanChanges,
        now: i64,
    ) -> Result<ScanApplied, CatalogError> {
        self.write(|tx| {
            let known: Option<i64> = tx
                .query_row("SELECT id FROM roots WHERE id = ?1", [root], |r| r.get(0))
                .optional()?;
            if known.is_none() {
                return Err(Fault::NotFound(format!("root {root}")));
            }
            let mut applied = ScanApplied::default();
            for file in &changes.upsert {
                let blob = paths::to_blob(&file.path)?;
                match file_id(tx, &blob)? {
                    Some(id) => {
                        mark_pending(tx, id, root, file, now)?;
                        applied.changed += 1;
                    }
                    None => {
                        insert_pending(tx, root, &blob, file, now)?;
                        applied.added += 1;
                    }
                }
            }
            for path in &changes.removed {
                let blob = paths::to_blob(path)?;
                applied.removed += delete_files(tx, "path = ?1", &[&blob], Some(now))? as u64;
            }
            replace_issues(tx, root, changes, now)?;
            tx.execute(
                "UPDATE roots SET last_scan_at = ?2 WHERE id = ?1",
                params![root, now],
            )?;
            Ok(applied)
        })
    }

    /// Watcher: a created or modified file. Inserts it, or marks it Pending when its
    /// size/mtime differ. Returns true when the file needs indexing (new, changed, or still
    /// Pending); Ok(false) when unchanged or under no root.
    pub fn upsert_file(&mut self, file: &FileCandidate, now: i64) -> Result<bool, CatalogError> {
        self.write(|tx| {
            let blob = paths::to_blob(&file.path)?;
            let Some(root) = roots::root_id_for(tx, &blob)? else {
                return Ok(false);
            };
            let existing = tx
                .query_row(
                    "SELECT id, size, mtime_ns, state FROM files WHERE path = ?1",
                    [&blob],
                    |r| {
                        Ok((
                            r.get::<_, FileId>(0)?,
                            r.get::<_, i64>(1)?,
                            r.get::<_, i64>(2)?,
                            r.get::<_, FileState>(3)?,
                        ))
                    },
                )
                .optional()?;
            match existing {
                None => insert_pending(tx, root, &blob, file, now)?,
                Some((id, size, mtime, state)) => {
                    let same = size == file.size as i64 && mtime == file.mtime_ns;
                    if same && state != FileState::Pending {
                        return Ok(false);
                    }
                    mark_pending(tx, id, root, file, now)?;
                }
            }
            Ok(true)
        })
    }

    /// Watcher: removes the file row at `path`, or every row under it when it was a
    /// directory. Returns rows removed.
    pub fn remove_path(&mut self, path: &Path) -> Result<usize, CatalogError> {
        self.remove_path_at(path, None)
    }

    /// [`Catalog::remove_path`] with the clock passed in (`None`: SQLite's `unixepoch()`).
    pub fn remove_path_at(&mut self, path: &Path, now: Option<i64>) -> Result<usize, CatalogError> {
        self.write(|tx| {
            let blob = paths::to_blob(path)?;
            let (lo, hi) = paths::under_range(&blob);
            let cond = paths::at_or_under("path", 1, 2, 3);
            delete_files(tx, &cond, &[&blob, &lo, &hi], now)
        })
    }

    /// Watcher: a rename/move of a file or a directory. Every row at or under `from` moves to
    /// the same relative place under `to`, keeping its id, photo link and so its faces. Rows
    /// already at or under `to` are replaced. A row landing under another root is
    /// re-parented; one landing under no root is removed. Returns rows moved or removed.
    pub fn rename_path(&mut self, from: &Path, to: &Path) -> Result<usize, CatalogError> {
        self.rename_path_at(from, to, None)
    }

    /// [`Catalog::rename_path`] with the clock passed in (`None`: SQLite's `unixepoch()`).
    pub fn rename_path_at(
        &mut self,
        from: &Path,
        to: &Path,
        now: Option<i64>,
    ) -> Result<usize, CatalogError> {
        self.write(|tx| {
            let (from_b, to_b) = (paths::to_blob(from)?, paths::to_blob(to)?);
            if from_b == to_b {
                return Ok(0);
            }
            if from.starts_with(to) || to.starts_with(from) {
                return Err(Fault::Invalid(format!(
                    "cannot move {} into itself ({})",
                    from.display(),
                    to.display()
                )));
            }
            let moving = rows_at_or_under(tx, &from_b)?;
            if moving.is_empty() {
                return Ok(0);
            }
            let (lo, hi) = paths::under_range(&to_b);
            let cond = paths::at_or_under("path", 1, 2, 3);
            delete_files(tx, &cond, &[&to_b, &lo, &hi], now)?;
            for (id, old) in &moving {
                let new = paths::rebase(old, &from_b, &to_b);
                match roots::root_id_for(tx, &new)? {
                    Some(root) => {
                        tx.prepare_cached(
                            "UPDATE files SET path = ?2, root_id = ?3 WHERE id = ?1",
                        )?
                        .execute(params![id, new, root])?;
                    }
                    None => {
                        delete_files(tx, "id = ?1", &[id], now)?;
                    }
                }
            }
            Ok(moving.len())
        })
    }

    /// Pending files with id > `after`, ascending id, at most `limit`.
    pub fn pending_files(
        &self,
        after: FileId,
        limit: usize,
    ) -> Result<Vec<PendingFile>, CatalogError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT id, path, size, mtime_ns, photo_id FROM files
                 WHERE state = 'pending' AND id > ?1 ORDER BY id LIMIT ?2",
            )?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = st.query_map(params![after, limit], |r| {
                Ok(PendingFile {
                    id: r.get(0)?,
                    path: paths::from_blob(r.get(1)?),
                    size: r.get::<_, i64>(2)? as u64,
                    mtime_ns: r.get(3)?,
                    photo: r.get(4)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    pub fn count_pending(&self) -> Result<u64, CatalogError> {
        self.read(|c| {
            let n: i64 = c.query_row(
                "SELECT count(*) FROM files WHERE state = 'pending'",
                [],
                |r| r.get(0),
            )?;
            Ok(n as u64)
        })
    }
}

fn file_id(c: &Connection, blob: &[u8]) -> Res<Option<FileId>> {
    Ok(c.prepare_cached("SELECT id FROM files WHERE path = ?1")?
        .query_row([blob], |r| r.get(0))
        .optional()?)
}

fn insert_pending(
    c: &Connection,
    root: RootId,
    blob: &[u8],
    file: &FileCandidate,
    now: i64,
) -> Res<()> {
    c.prepare_cached(
        "INSERT INTO files (root_id, path, size, mtime_ns, state, seen_at, state_at)
         VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?5)",
    )?
    .execute(params![root, blob, file.size as i64, file.mtime_ns, now])?;
    Ok(())
}

fn mark_pending(
    c: &Connection,
    id: FileId,
    root: RootId,
    file: &FileCandidate,
    now: i64,
) -> Res<()> {
    c.prepare_cached(
        "UPDATE files SET root_id = ?2, size = ?3, mtime_ns = ?4, state = 'pending',
                error_code = NULL, error_message = NULL, seen_at = ?5, state_at = ?5
         WHERE id = ?1",
    )?
    .execute(params![id, root, file.size as i64, file.mtime_ns, now])?;
    Ok(())
}

fn replace_issues(tx: &Transaction<'_>, root: RootId, changes: &ScanChanges, now: i64) -> Res<()> {
    tx.execute("DELETE FROM scan_issues WHERE root_id = ?1", [root])?;
    let mut st = tx.prepare_cached(
        "INSERT INTO scan_issues (root_id, path, code, message, at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for issue in &changes.issues {
        let blob = paths::to_blob(&issue.path)?;
        st.execute(params![root, blob, issue.code, issue.message, now])?;
    }
    Ok(())
}

/// (id, path) of every row at `blob` or under it.
fn rows_at_or_under(c: &Connection, blob: &[u8]) -> Res<Vec<(FileId, Vec<u8>)>> {
    let (lo, hi) = paths::under_range(blob);
    let sql = format!(
        "SELECT id, path FROM files WHERE {}",
        paths::at_or_under("path", 1, 2, 3)
    );
    let mut st = c.prepare_cached(&sql)?;
    let rows = st.query_map(params![blob, lo, hi], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Deletes the file rows matching `cond` (SQL over `files`), then orphans the photos left
/// without a file. `now: None` = SQLite's clock. Returns rows deleted.
pub(crate) fn delete_files(
    c: &Connection,
    cond: &str,
    args: &[&dyn ToSql],
    now: Option<i64>,
) -> Res<usize> {
    let photos: Vec<PhotoId> = {
        let sql =
            format!("SELECT DISTINCT photo_id FROM files WHERE ({cond}) AND photo_id IS NOT NULL");
        let mut st = c.prepare_cached(&sql)?;
        let rows = st.query_map(args, |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let deleted = c
        .prepare_cached(&format!("DELETE FROM files WHERE {cond}"))?
        .execute(args)?;
    for photo in photos {
        orphan_if_unlinked(c, photo, now)?;
    }
    Ok(deleted)
}

/// Marks `photo` orphaned (at `now`, or SQLite's clock) if no file points at it any more.
pub(crate) fn orphan_if_unlinked(c: &Connection, photo: PhotoId, now: Option<i64>) -> Res<()> {
    c.prepare_cached(
        "UPDATE photos SET orphaned_at = coalesce(?2, unixepoch())
         WHERE id = ?1 AND orphaned_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM files WHERE photo_id = ?1)",
    )?
    .execute(params![photo, now])?;
    Ok(())
}

/// A file points at `photo` again: it is no longer an orphan.
pub(crate) fn unorphan(c: &Connection, photo: PhotoId) -> Res<()> {
    c.prepare_cached(
        "UPDATE photos SET orphaned_at = NULL WHERE id = ?1 AND orphaned_at IS NOT NULL",
    )?
    .execute([photo])?;
    Ok(())
}
