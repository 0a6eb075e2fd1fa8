//! What the catalog holds, and what went wrong (failed files, scan issues).

use rusqlite::Connection;

use crate::db::Catalog;
use crate::error::{CatalogError, Res};
use crate::paths;
use crate::types::{CatalogStatus, FailureRow, FileState, ScanIssueRow};

impl Catalog {
    pub fn status(&self) -> Result<CatalogStatus, CatalogError> {
        self.read(|c| {
            let mut s = CatalogStatus {
                roots: count(c, "SELECT count(*) FROM roots")?,
                people: count(c, "SELECT count(*) FROM people")?,
                orphan_photos: count(c, "SELECT count(*) FROM photos WHERE orphaned_at IS NOT NULL")?,
                scan_issues: count(c, "SELECT count(*) FROM scan_issues")?,
                ..CatalogStatus::default()
            };
            let mut st = c.prepare_cached("SELECT state, count(*) FROM files GROUP BY state")?;
            let rows = st.query_map([], |r| Ok((r.get::<_, FileState>(0)?, r.get::<_, i64>(1)?)))?;
            for row in rows {
                let (state, n) = row?;
                match state {
                    FileState::Pending => s.pending = n as u64,
                    FileState::Indexed => s.indexed = n as u64,
                    FileState::Failed => s.failed = n as u64,
                }
            }
            s.files = s.pending + s.indexed + s.failed;
            let (photos, faces): (i64, i64) = c.query_row(
                "SELECT count(*), coalesce(sum(face_count), 0) FROM photos WHERE orphaned_at IS NULL",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            s.photos = photos as u64;
            s.faces = faces as u64;
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
