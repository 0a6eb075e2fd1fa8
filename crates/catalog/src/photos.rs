//! Photos (one row per distinct content) and storing the indexer's batches.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::db::Catalog;
use crate::error::{CatalogError, Res};
use crate::faces;
use crate::files::{orphan_if_unlinked, unorphan};
use crate::paths;
use crate::types::{ContentHash, FileId, IndexOutcome, NewPhoto, PhotoId, PhotoMeta, PhotoRow};

impl Catalog {
    /// A photo with this content hash whose faces were computed by `model`: a moved, renamed,
    /// duplicated or re-appearing file just links to it (no decode, no embedding).
    pub fn indexed_photo(
        &self,
        hash: &ContentHash,
        model: &str,
    ) -> Result<Option<PhotoId>, CatalogError> {
        self.read(|c| {
            Ok(
                c.prepare_cached("SELECT id FROM photos WHERE hash = ?1 AND model = ?2")?
                    .query_row(params![hash.0, model], |r| r.get(0))
                    .optional()?,
            )
        })
    }

    /// The photo of this content, whichever model found its faces (see [`Catalog::indexed_photo`]
    /// for "already done by this model").
    pub fn photo_with_hash(&self, hash: &ContentHash) -> Result<Option<PhotoId>, CatalogError> {
        self.read(|c| {
            Ok(c.prepare_cached("SELECT id FROM photos WHERE hash = ?1")?
                .query_row([hash.0], |r| r.get(0))
                .optional()?)
        })
    }

    /// Re-detection: every Indexed file whose photo's faces were computed by a model other
    /// than `model` becomes Pending again (one transaction), so the next indexing pass
    /// re-analyses it; [`Catalog::commit_batch`] then replaces the photo's faces keeping every
    /// user decision. Returns how many files were requeued. Pending and failed files are left
    /// alone, and so are orphans (no file): they are re-detected if their content comes back.
    ///
    /// Cheap enough for the start of every run: when every photo has `model`, the cost is one
    /// pass over `photos` (no index on the model; ~0.2 s per million photos, warm cache).
    pub fn requeue_other_models(&mut self, model: &str, now: i64) -> Result<u64, CatalogError> {
        self.write(|tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE files SET state = 'pending', state_at = ?2
                     WHERE state = 'indexed'
                       AND photo_id IN (SELECT id FROM photos WHERE model <> ?1)",
                )?
                .execute(params![model, now])?;
            Ok(n as u64)
        })
    }

    /// Stores a batch of outcomes in ONE transaction: all of it, or nothing (an error
    /// rolls the whole batch back). A file id that no longer exists is skipped.
    ///
    /// - `Linked`: file → existing photo; Indexed; stamp updated.
    /// - `Analyzed`: the photo is inserted by hash (an existing photo with the same model is
    ///   just linked; with another model its faces are re-detected: replaced, every user
    ///   decision carried to the new faces or kept on its old face — see
    ///   `faces::replace_faces`); file linked, Indexed, error cleared. If the file pointed at
    ///   another photo before (content changed), confirmed assignments, rejections and "not a
    ///   face" marks are copied to the paired new face (IoU ≥ 0.5 of boxes normalised by
    ///   photo size, one to one, confirmed faces first); the old photo keeps its own.
    /// - `Failed`: Failed with code + message; stamp updated; the photo link is dropped (the
    ///   old photo stays, as an orphan if no other file has it).
    pub fn commit_batch(&mut self, batch: &[IndexOutcome], now: i64) -> Result<(), CatalogError> {
        self.write(|tx| {
            for outcome in batch {
                store_outcome(tx, outcome, now)?;
            }
            Ok(())
        })
    }

    pub fn photo(&self, id: PhotoId) -> Result<Option<PhotoRow>, CatalogError> {
        self.read(|c| photo_row(c, id))
    }

    /// The photo a live file currently points at (None if unknown or not indexed).
    pub fn photo_by_path(&self, path: &Path) -> Result<Option<PhotoRow>, CatalogError> {
        self.read(|c| {
            let blob = paths::to_blob(path)?;
            let id: Option<Option<PhotoId>> = c
                .query_row("SELECT photo_id FROM files WHERE path = ?1", [blob], |r| {
                    r.get(0)
                })
                .optional()?;
            match id.flatten() {
                Some(id) => photo_row(c, id),
                None => Ok(None),
            }
        })
    }

    /// Photos with no live file (kept so re-appearing content gets its faces/names back).
    pub fn count_orphan_photos(&self) -> Result<u64, CatalogError> {
        self.read(|c| {
            let n: i64 = c.query_row(
                "SELECT count(*) FROM photos WHERE orphaned_at IS NOT NULL",
                [],
                |r| r.get(0),
            )?;
            Ok(n as u64)
        })
    }

    /// Deletes photos orphaned before `before` with their faces and decisions. Returns count.
    pub fn purge_orphans(&mut self, before: i64) -> Result<u64, CatalogError> {
        self.write(|tx| {
            let n = tx.execute(
                "DELETE FROM photos WHERE orphaned_at IS NOT NULL AND orphaned_at < ?1",
                [before],
            )?;
            Ok(n as u64)
        })
    }
}

fn store_outcome(c: &Connection, outcome: &IndexOutcome, now: i64) -> Res<()> {
    match outcome {
        IndexOutcome::Linked {
            file,
            size,
            mtime_ns,
            photo,
        } => {
            let Some(old) = current_link(c, *file)? else {
                return Ok(());
            };
            set_indexed(c, *file, *size, *mtime_ns, *photo, now)?;
            relinked(c, old, *photo, now)
        }
        IndexOutcome::Analyzed {
            file,
            size,
            mtime_ns,
            photo,
        } => {
            let Some(old) = current_link(c, *file)? else {
                return Ok(());
            };
            let id = store_photo(c, photo, now)?;
            set_indexed(c, *file, *size, *mtime_ns, id, now)?;
            if let Some(old) = old.filter(|&o| o != id) {
                faces::carry_to_new_content(c, old, id)?;
            }
            relinked(c, old, id, now)
        }
        IndexOutcome::Failed {
            file,
            size,
            mtime_ns,
            code,
            message,
        } => {
            let Some(old) = current_link(c, *file)? else {
                return Ok(());
            };
            c.prepare_cached(
                "UPDATE files SET state = 'failed', size = ?2, mtime_ns = ?3, photo_id = NULL,
                        error_code = ?4, error_message = ?5, state_at = ?6
                 WHERE id = ?1",
            )?
            .execute(params![file, *size as i64, mtime_ns, code, message, now])?;
            match old {
                Some(old) => orphan_if_unlinked(c, old, Some(now)),
                None => Ok(()),
            }
        }
    }
}

/// `Some(photo link)` of an existing file row, `None` if the row is gone.
fn current_link(c: &Connection, file: FileId) -> Res<Option<Option<PhotoId>>> {
    Ok(
        c.prepare_cached("SELECT photo_id FROM files WHERE id = ?1")?
            .query_row([file], |r| r.get(0))
            .optional()?,
    )
}

fn set_indexed(
    c: &Connection,
    file: FileId,
    size: u64,
    mtime_ns: i64,
    photo: PhotoId,
    now: i64,
) -> Res<()> {
    c.prepare_cached(
        "UPDATE files SET state = 'indexed', size = ?2, mtime_ns = ?3, photo_id = ?4,
                error_code = NULL, error_message = NULL, state_at = ?5
         WHERE id = ?1",
    )?
    .execute(params![file, size as i64, mtime_ns, photo, now])?;
    Ok(())
}

/// After a file moved from photo `old` to `new`: `new` is live, `old` maybe orphaned.
fn relinked(c: &Connection, old: Option<PhotoId>, new: PhotoId, now: i64) -> Res<()> {
    unorphan(c, new)?;
    match old {
        Some(old) if old != new => orphan_if_unlinked(c, old, Some(now)),
        _ => Ok(()),
    }
}

/// The photo for `photo.hash`: inserted with its faces if new; re-detected when the stored
/// faces come from another model (faces replaced, nothing the user decided lost:
/// [`faces::replace_faces`]); else left as it is.
fn store_photo(c: &Connection, photo: &NewPhoto, now: i64) -> Res<PhotoId> {
    let existing: Option<(PhotoId, String)> = c
        .prepare_cached("SELECT id, model FROM photos WHERE hash = ?1")?
        .query_row([photo.hash.0], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match existing {
        Some((id, model)) if model == photo.model => Ok(id),
        Some((id, model)) => {
            // Read before the size is updated: old boxes are normalised by the old size.
            let old = faces::old_faces(c, id)?;
            update_meta(c, id, photo)?;
            let replaced = faces::replace_faces(c, id, &old, &photo.faces)?;
            tracing::debug!(
                photo = id,
                from = %model,
                to = %photo.model,
                old = old.len(),
                new = photo.faces.len(),
                carried = replaced.carried,
                kept = replaced.kept,
                "faces re-detected"
            );
            Ok(id)
        }
        None => {
            let id = insert_photo(c, photo, now)?;
            faces::insert_faces(c, id, &photo.faces)?;
            Ok(id)
        }
    }
}

fn insert_photo(c: &Connection, photo: &NewPhoto, now: i64) -> Res<PhotoId> {
    let m = &photo.meta;
    c.prepare_cached(
        "INSERT INTO photos (hash, model, width, height, stored_width, stored_height,
                orientation, format, taken_at, taken_source, camera_make, camera_model,
                gps_lat, gps_lon, file_size, face_count, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    )?
    .execute(params![
        photo.hash.0,
        photo.model,
        m.width,
        m.height,
        m.stored_width,
        m.stored_height,
        m.orientation,
        m.format,
        m.taken_at,
        m.taken_source,
        m.camera_make,
        m.camera_model,
        m.gps.map(|g| g.0),
        m.gps.map(|g| g.1),
        m.file_size as i64,
        photo.faces.len() as i64,
        now,
    ])?;
    Ok(c.last_insert_rowid())
}

fn update_meta(c: &Connection, id: PhotoId, photo: &NewPhoto) -> Res<()> {
    let m = &photo.meta;
    c.prepare_cached(
        "UPDATE photos SET model = ?2, width = ?3, height = ?4, stored_width = ?5,
                stored_height = ?6, orientation = ?7, format = ?8, taken_at = ?9,
                taken_source = ?10, camera_make = ?11, camera_model = ?12, gps_lat = ?13,
                gps_lon = ?14, file_size = ?15, face_count = ?16
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        photo.model,
        m.width,
        m.height,
        m.stored_width,
        m.stored_height,
        m.orientation,
        m.format,
        m.taken_at,
        m.taken_source,
        m.camera_make,
        m.camera_model,
        m.gps.map(|g| g.0),
        m.gps.map(|g| g.1),
        m.file_size as i64,
        photo.faces.len() as i64,
    ])?;
    Ok(())
}

pub(crate) const PHOTO_COLUMNS: &str = "id, hash, model, width, height, stored_width,
    stored_height, orientation, format, taken_at, taken_source, camera_make, camera_model,
    gps_lat, gps_lon, file_size, face_count";

/// Reads the row selected with [`PHOTO_COLUMNS`] (paths left empty).
pub(crate) fn photo_from_row(r: &Row<'_>) -> rusqlite::Result<PhotoRow> {
    let gps = match (r.get::<_, Option<f64>>(13)?, r.get::<_, Option<f64>>(14)?) {
        (Some(lat), Some(lon)) => Some((lat, lon)),
        _ => None,
    };
    Ok(PhotoRow {
        id: r.get(0)?,
        hash: ContentHash(r.get(1)?),
        model: r.get(2)?,
        meta: PhotoMeta {
            width: r.get(3)?,
            height: r.get(4)?,
            stored_width: r.get(5)?,
            stored_height: r.get(6)?,
            orientation: r.get(7)?,
            format: r.get(8)?,
            taken_at: r.get(9)?,
            taken_source: r.get(10)?,
            camera_make: r.get(11)?,
            camera_model: r.get(12)?,
            gps,
            file_size: r.get::<_, i64>(15)? as u64,
        },
        face_count: r.get(16)?,
        paths: Vec::new(),
    })
}

pub(crate) fn photo_row(c: &Connection, id: PhotoId) -> Res<Option<PhotoRow>> {
    let sql = format!("SELECT {PHOTO_COLUMNS} FROM photos WHERE id = ?1");
    let Some(mut row) = c
        .prepare_cached(&sql)?
        .query_row([id], photo_from_row)
        .optional()?
    else {
        return Ok(None);
    };
    let mut st = c.prepare_cached("SELECT path FROM files WHERE photo_id = ?1 ORDER BY path")?;
    let paths = st.query_map([id], |r| Ok(paths::from_blob(r.get(0)?)))?;
    row.paths = paths.collect::<Result<_, _>>()?;
    Ok(Some(row))
}
