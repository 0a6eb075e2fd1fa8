//! Library roots: the folders the user added.

use std::path::Path;

use rusqlite::{params, Connection, Row};

use crate::db::Catalog;
use crate::error::{CatalogError, Res};
use crate::paths;
use crate::types::{Root, RootId};

impl Catalog {
    /// Adds a library folder; idempotent (an existing root is returned as it is).
    /// `path` is absolute and canonical (the caller canonicalises). Roots may nest: a file
    /// belongs to the deepest root containing it.
    pub fn add_root(&mut self, path: &Path, now: i64) -> Result<Root, CatalogError> {
        self.write(|tx| {
            let blob = paths::to_blob(path)?;
            tx.execute(
                "INSERT INTO roots (path, added_at) VALUES (?1, ?2) ON CONFLICT (path) DO NOTHING",
                params![blob, now],
            )?;
            Ok(tx.query_row(
                "SELECT id, path, added_at, last_scan_at FROM roots WHERE path = ?1",
                [&blob],
                root_from_row,
            )?)
        })
    }

    pub fn roots(&self) -> Result<Vec<Root>, CatalogError> {
        self.read(all_roots)
    }

    /// The root containing `path` (longest prefix match on path components).
    pub fn root_for(&self, path: &Path) -> Result<Option<Root>, CatalogError> {
        self.read(|c| {
            let blob = paths::to_blob(path)?;
            Ok(deepest_root(all_roots(c)?, &blob))
        })
    }
}

pub(crate) fn all_roots(c: &Connection) -> Res<Vec<Root>> {
    let mut st =
        c.prepare_cached("SELECT id, path, added_at, last_scan_at FROM roots ORDER BY path")?;
    let rows = st.query_map([], root_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The id of the deepest root containing the stored path `blob`.
pub(crate) fn root_id_for(c: &Connection, blob: &[u8]) -> Res<Option<RootId>> {
    Ok(deepest_root(all_roots(c)?, blob).map(|r| r.id))
}

fn deepest_root(roots: Vec<Root>, blob: &[u8]) -> Option<Root> {
    roots
        .into_iter()
        .filter_map(|r| {
            let rb = paths::to_blob(&r.path).ok()?;
            contains(&rb, blob).then_some((rb.len(), r))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, r)| r)
}

/// `dir` is `path` or one of its ancestors (whole components only).
fn contains(dir: &[u8], path: &[u8]) -> bool {
    if path == dir {
        return true;
    }
    let (lo, hi) = paths::under_range(dir);
    path >= lo.as_slice() && path < hi.as_slice()
}

fn root_from_row(r: &Row<'_>) -> rusqlite::Result<Root> {
    Ok(Root {
        id: r.get(0)?,
        path: paths::from_blob(r.get(1)?),
        added_at: r.get(2)?,
        last_scan_at: r.get(3)?,
    })
}
