//! XMP face regions: what to export per photo, what was exported, the photos marked for
//! re-export (by the V4 triggers), and importing named regions as ONE undoable edit.
//!
//! The catalog does no XML and no geometry beyond what it stores: callers pass boxes in the
//! oriented frame (as every face is stored) and digests they computed.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{params, Connection, OptionalExtension};

use crate::db::Catalog;
use crate::edits::{emptiable_owners, Keys, Recorder};
use crate::error::{CatalogError, Fault, Res};
use crate::faces::insert_manual_face;
use crate::people::{
    confirm, drop_empty_unnamed, find_by_name, insert_person, next_person_id, rejected, require,
};
use crate::types::{
    EditKind, FaceId, ImportApplied, ImportConflict, ImportConflictReason, ImportItem,
    ImportTarget, PersonId, PhotoId, Provenance, XmpFace, XmpPhoto, XmpScope,
};

impl Catalog {
    /// The photos an export looks at, ascending id. `Dirty` TAKES the marks: they are removed
    /// in the same transaction (a mark made after this call stays for the next export), and
    /// marks of photos that no longer exist or have no live file are dropped.
    pub fn xmp_photos(&mut self, scope: XmpScope) -> Result<Vec<PhotoId>, CatalogError> {
        self.write(|tx| {
            let ids: Vec<PhotoId> = match scope {
                XmpScope::All => {
                    let mut st = tx.prepare(
                        "SELECT DISTINCT a.photo_id FROM assignments a
                         JOIN people p ON p.id = a.person_id
                         WHERE a.live = 1 AND a.provenance <> 'suggested'
                           AND p.name IS NOT NULL AND p.hidden = 0
                         UNION
                         SELECT x.photo_id FROM xmp_exports x JOIN photos p ON p.id = x.photo_id
                         WHERE p.orphaned_at IS NULL
                         ORDER BY 1",
                    )?;
                    let rows = st.query_map([], |r| r.get(0))?;
                    rows.collect::<Result<_, _>>()?
                }
                XmpScope::Person(person) => {
                    require(tx, "people", person, "person")?;
                    let mut st = tx.prepare(
                        "SELECT DISTINCT photo_id FROM assignments
                         WHERE person_id = ?1 AND live = 1 AND provenance <> 'suggested'
                         ORDER BY 1",
                    )?;
                    let rows = st.query_map([person], |r| r.get(0))?;
                    rows.collect::<Result<_, _>>()?
                }
                XmpScope::Dirty => {
                    let mut st = tx.prepare(
                        "DELETE FROM xmp_dirty RETURNING photo_id,
                             EXISTS (SELECT 1 FROM photos p WHERE p.id = photo_id
                                     AND p.orphaned_at IS NULL)",
                    )?;
                    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get::<_, bool>(1)?)))?;
                    let mut out: Vec<PhotoId> = Vec::new();
                    for row in rows {
                        let (id, live) = row?;
                        if live {
                            out.push(id);
                        }
                    }
                    out.sort_unstable();
                    out
                }
            };
            Ok(ids)
        })
    }

    /// Photos marked for re-export (not taken).
    pub fn xmp_dirty_count(&self) -> Result<u64, CatalogError> {
        self.read(|c| {
            let n: i64 = c.query_row("SELECT count(*) FROM xmp_dirty", [], |r| r.get(0))?;
            Ok(n as u64)
        })
    }

    /// Marks photos for re-export (e.g. an export that failed and should be retried).
    pub fn mark_xmp_dirty(&mut self, photos: &[PhotoId]) -> Result<(), CatalogError> {
        self.write(|tx| {
            let mut st =
                tx.prepare_cached("INSERT OR IGNORE INTO xmp_dirty (photo_id) VALUES (?1)")?;
            for p in photos {
                st.execute([p])?;
            }
            Ok(())
        })
    }

    /// One photo's exported faces (Confirmed or Automatic, to a named, visible person, not
    /// marked "not a face"), by face index, with the digest of its last export. `None` for an
    /// unknown photo.
    pub fn xmp_photo(&self, photo: PhotoId) -> Result<Option<XmpPhoto>, CatalogError> {
        self.read(|c| {
            let Some(row) = crate::photos::photo_row(c, photo)? else {
                return Ok(None);
            };
            let mut st = c.prepare_cached(
                "SELECT f.id, f.x1, f.y1, f.x2, f.y2, a.person_id, p.name, a.provenance
                 FROM faces f JOIN assignments a ON a.face_id = f.id
                 JOIN people p ON p.id = a.person_id
                 WHERE f.photo_id = ?1 AND f.not_face = 0 AND a.provenance <> 'suggested'
                   AND p.name IS NOT NULL AND p.hidden = 0
                 ORDER BY f.idx",
            )?;
            let faces = st
                .query_map([photo], |r| {
                    Ok(XmpFace {
                        face: r.get(0)?,
                        bbox: [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?],
                        person: r.get(5)?,
                        name: r.get(6)?,
                        provenance: r.get(7)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
            let exported = c
                .prepare_cached("SELECT digest FROM xmp_exports WHERE photo_id = ?1")?
                .query_row([photo], |r| r.get(0))
                .optional()?;
            Ok(Some(XmpPhoto {
                photo: row,
                faces,
                exported,
            }))
        })
    }

    /// Records what was exported for a photo (`Some(digest)`), or that nothing of ours is in
    /// its files any more (`None`: the record is dropped).
    pub fn record_xmp_export(
        &mut self,
        photo: PhotoId,
        digest: Option<&[u8]>,
        now: i64,
    ) -> Result<(), CatalogError> {
        self.write(|tx| {
            match digest {
                Some(d) => {
                    tx.prepare_cached(
                        "INSERT INTO xmp_exports (photo_id, digest, written_at)
                         SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM photos WHERE id = ?1)
                         ON CONFLICT (photo_id) DO UPDATE SET digest = excluded.digest,
                             written_at = excluded.written_at",
                    )?
                    .execute(params![photo, d, now])?;
                }
                None => {
                    tx.prepare_cached("DELETE FROM xmp_exports WHERE photo_id = ?1")?
                        .execute([photo])?;
                }
            }
            Ok(())
        })
    }

    /// Applies named regions read from files: each item's face is confirmed to the person
    /// with that name (created when nobody has it, names compared ignoring ASCII case), and
    /// a `NewFace` item first creates a manual face. The user's decisions win: a face
    /// confirmed to another person, a face the user said is not that person, or one marked
    /// "not a face" is left as it is and reported as a conflict. Items already true change
    /// nothing. All of it is ONE transaction and ONE undoable edit (`ImportXmp`: undo
    /// deletes the manual faces and the people it created and restores every assignment);
    /// no edit is recorded when nothing changed. `dry_run` computes the same result and rolls
    /// back (face and person ids in it are then provisional).
    pub fn import_faces(
        &mut self,
        items: &[ImportItem],
        label: &str,
        now: i64,
        dry_run: bool,
    ) -> Result<ImportApplied, CatalogError> {
        self.write_if(|tx| {
            let mut out = ImportApplied::default();
            // Keys of every existing face the import may touch (and owners it may empty).
            let mut keys = Keys::default();
            let mut existing: BTreeSet<FaceId> = BTreeSet::new();
            for item in items {
                match &item.target {
                    ImportTarget::Face(f) => {
                        require(tx, "faces", *f, "face")?;
                        existing.insert(*f);
                    }
                    ImportTarget::NewFace { photo, .. } => require(tx, "photos", *photo, "photo")?,
                }
                if item.name.trim().is_empty() {
                    return Err(Fault::Invalid("an imported name is empty".into()));
                }
            }
            let mut named: BTreeMap<String, PersonId> = BTreeMap::new();
            for item in items {
                if let Some(p) = find_by_name(tx, item.name.trim())? {
                    keys.people.insert(p.id);
                    named.insert(item.name.trim().to_ascii_lowercase(), p.id);
                }
            }
            for &f in &existing {
                keys.assignments.insert(f);
                keys.not_face.insert(f);
                for &p in named.values() {
                    keys.rejections.insert((f, p));
                }
            }
            let faces: Vec<FaceId> = existing.iter().copied().collect();
            let emptiable = emptiable_owners(tx, &faces, None, &mut keys)?;
            let mut rec = Recorder::start(tx, keys)?;
            let mut changed = false;
            let mut done_faces: BTreeSet<FaceId> = BTreeSet::new();

            for (i, item) in items.iter().enumerate() {
                let name = item.name.trim();
                let key = name.to_ascii_lowercase();
                let person = named.get(&key).copied();
                match &item.target {
                    ImportTarget::Face(face) => {
                        let face = *face;
                        if let Some(reason) = conflict(tx, face, person)? {
                            out.conflicts.push(ImportConflict {
                                item: i,
                                face,
                                name: name.to_owned(),
                                reason,
                            });
                            continue;
                        }
                        let current: Option<(PersonId, Provenance)> = tx
                            .prepare_cached(
                                "SELECT person_id, provenance FROM assignments WHERE face_id = ?1",
                            )?
                            .query_row([face], |r| Ok((r.get(0)?, r.get(1)?)))
                            .optional()?;
                        if person.is_some() && current == person.map(|p| (p, Provenance::Confirmed))
                        {
                            out.unchanged.push(i);
                            continue;
                        }
                        if !done_faces.insert(face) {
                            // A second name for a face this import already confirmed.
                            let (p, _) = current.unwrap_or((0, Provenance::Confirmed));
                            out.conflicts.push(ImportConflict {
                                item: i,
                                face,
                                name: name.to_owned(),
                                reason: ImportConflictReason::ConfirmedToOther {
                                    person: p,
                                    name: person_name(tx, p)?,
                                },
                            });
                            continue;
                        }
                        let person = match person {
                            Some(p) => p,
                            None => create(tx, &mut rec, &mut named, &mut out, name, now)?,
                        };
                        confirm(tx, face, person, None, now)?;
                        out.confirmed.push((i, face, person));
                        changed = true;
                    }
                    ImportTarget::NewFace { photo, face } => {
                        let person = match person {
                            Some(p) => p,
                            None => create(tx, &mut rec, &mut named, &mut out, name, now)?,
                        };
                        let id = insert_manual_face(tx, *photo, face)?;
                        rec.add_new_face(id);
                        confirm(tx, id, person, None, now)?;
                        out.created_faces.push((i, id, person));
                        changed = true;
                    }
                }
            }
            drop_empty_unnamed(tx, &emptiable)?;
            if !changed || dry_run {
                return Ok((out, false));
            }
            let label = format!(
                "{label}: {} confirmed, {} new faces, {} new people",
                out.confirmed.len(),
                out.created_faces.len(),
                out.created_people.len()
            );
            out.edit = Some(rec.finish(tx, EditKind::ImportXmp, label, now)?);
            Ok((out, true))
        })
    }
}

/// Why the user's decisions forbid confirming `face` to `person` (`None`: a person still to
/// be created, who can have no decision yet).
fn conflict(
    c: &Connection,
    face: FaceId,
    person: Option<PersonId>,
) -> Res<Option<ImportConflictReason>> {
    let not_face: bool = c
        .prepare_cached("SELECT not_face FROM faces WHERE id = ?1")?
        .query_row([face], |r| r.get(0))?;
    if not_face {
        return Ok(Some(ImportConflictReason::NotAFace));
    }
    let confirmed: Option<PersonId> = c
        .prepare_cached(
            "SELECT person_id FROM assignments WHERE face_id = ?1 AND provenance = 'confirmed'",
        )?
        .query_row([face], |r| r.get(0))
        .optional()?;
    if let Some(other) = confirmed.filter(|&o| Some(o) != person) {
        return Ok(Some(ImportConflictReason::ConfirmedToOther {
            person: other,
            name: person_name(c, other)?,
        }));
    }
    if let Some(p) = person {
        if rejected(c, face, p)? {
            return Ok(Some(ImportConflictReason::Rejected));
        }
    }
    Ok(None)
}

fn person_name(c: &Connection, id: PersonId) -> Res<Option<String>> {
    Ok(c.prepare_cached("SELECT name FROM people WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?
        .flatten())
}

fn create(
    c: &Connection,
    rec: &mut Recorder,
    named: &mut BTreeMap<String, PersonId>,
    out: &mut ImportApplied,
    name: &str,
    now: i64,
) -> Res<PersonId> {
    let id = next_person_id(c)?;
    rec.add_new_person(id);
    insert_person(c, id, Some(name), now)?;
    named.insert(name.to_ascii_lowercase(), id);
    out.created_people.push((id, name.to_owned()));
    Ok(id)
}
