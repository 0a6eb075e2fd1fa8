//! What the catalog holds, and what went wrong (failed files, scan issues).

use rusqlite::Connection;

use crate::db::Catalog;
use crate::error::{CatalogError, Res};
use crate::paths;
use crate::types::{CatalogStatus, FailureRow, ScanIssueRow};

impl Catalog {
    pub fn status(&self) -> Result<CatalogStatus, CatalogError> {
        self.read(|c| {
            let mut s = CatalogStatus {
                roots: count(c, "SELECT count(*) FROM roots")?,
                people: count(c, "SELECT count(*) FROM people")?,
                orphan_photos: count(
                    c,
                    "SELECT count(*) FROM photos WHERE orphaned_at IS NOT NULL",
                )?,
                scan_issues: count(c, "SELECT count(*) FROM scan_issues")?,
                ..CatalogStatus::default()
            };
            // Whole-table counts are cheap in SQLite; ranges are paid per row, so only the
            // small groups (pending, failed, orphans) are counted by range.
            s.files = count(c, "SELECT count(*) FROM files")?;
            s.pending = count(c, "SELECT count(*) FROM files WHERE state = 'pending'")?;
            s.failed = count(c, "SELECT count(*) FROM files WHERE state = 'failed'")?;
            s.indexed = s.files - s.pending - s.failed;
            let all_photos = count(c, "SELECT count(*) FROM photos")?;
            s.photos = all_photos - s.orphan_photos;
            let all_faces = count(c, "SELECT count(*) FROM faces")?;
            let orphan_faces = count(
                c,
                "SELECT coalesce(sum(face_count), 0) FROM photos WHERE orphaned_at IS NOT NULL",
            )?;
            s.faces = all_faces.saturating_sub(orphan_faces);
            Ok(s)
        })
    }

    /// Failed files (path, code, message), newest first.
    pub fn failures(&self, limit: usize) -> Result<Vec<FailureRow>, CatalogError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT path, coalesce(error_code, ''), coalesce(error_message, ''), state_at
                 FROM files WHERE state = 'failed' ORDER BY state_at DESC, id DESC LIMIT ?1",
            )?;
            let rows = st.query_map([sql_limit(limit)], |r| {
                Ok(FailureRow {
                    path: paths::from_blob(r.get(0)?),
                    code: r.get(1)?,
                    message: r.get(2)?,
                    at: r.get(3)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Problems met while walking the roots (latest scan of each), by root and path.
    pub fn scan_issues(&self, limit: usize) -> Result<Vec<ScanIssueRow>, CatalogError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT r.path, s.path, s.code, s.message, s.at
                 FROM scan_issues s JOIN roots r ON r.id = s.root_id
                 ORDER BY r.path, s.path LIMIT ?1",
            )?;
            let rows = st.query_map([sql_limit(limit)], |r| {
                Ok(ScanIssueRow {
                    root: paths::from_blob(r.get(0)?),
                    path: paths::from_blob(r.get(1)?),
                    code: r.get(2)?,
                    message: r.get(3)?,
                    at: r.get(4)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }
}

pub(crate) fn count(c: &Connection, sql: &str) -> Res<u64> {
    let n: i64 = c.prepare_cached(sql)?.query_row([], |r| r.get(0))?;
    Ok(n as u64)
}

pub(crate) fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}
