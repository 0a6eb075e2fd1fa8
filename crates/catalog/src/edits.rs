//! Undo/redo of the user's people edits by row images.
//!
//! An edit names the rows it may touch ([`Keys`]: people by id, assignments by face,
//! rejections by (face, person), "not a face" marks by face) before it changes anything; the
//! rows' state is captured before and after ([`Image`], stored as JSON in `edits`). Undo
//! writes the before image, redo the after image: people that must exist first (with their
//! old ids; ids are never reused), then assignments, rejections and marks, then the people the
//! image says did not exist are deleted. Faces that no longer exist are skipped and counted (a
//! cover naming one leaves the person's current cover).
//! Unnamed, visible people of the image left without any assignment (automation moved their
//! faces since) are deleted, as clustering would.

use std::collections::BTreeSet;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::db::Catalog;
use crate::error::{CatalogError, Fault, Res};
use crate::faces::{f32s, le_bytes, recount_faces};
use crate::people::drop_empty_unnamed;
use crate::types::{EditId, EditKind, EditRow, EditState, EditSummary, FaceId, PersonId, PhotoId};

/// Done edits kept for undo; older ones are dropped.
pub const KEEP_EDITS: u32 = 200;

/// The rows an edit may touch.
#[derive(Debug, Default, Clone)]
pub(crate) struct Keys {
    pub people: BTreeSet<PersonId>,
    pub assignments: BTreeSet<FaceId>,
    pub rejections: BTreeSet<(FaceId, PersonId)>,
    pub not_face: BTreeSet<FaceId>,
    /// Face rows themselves: only manual faces an edit creates (XMP import).
    pub faces: BTreeSet<FaceId>,
    /// "Not the same person" pairs, `(a, b)` with `a < b`.
    pub distinct: BTreeSet<(PersonId, PersonId)>,
}

impl Keys {
    /// Adds the people the current rows of these keys refer to (assignment owners, rejected
    /// people), so their rows are in both images. Call before changing anything.
    pub fn close(&mut self, c: &Connection) -> Res<()> {
        let mut st = c.prepare_cached("SELECT person_id FROM assignments WHERE face_id = ?1")?;
        for face in &self.assignments {
            if let Some(p) = st.query_row([face], |r| r.get(0)).optional()? {
                self.people.insert(p);
            }
        }
        for &(_, p) in &self.rejections {
            self.people.insert(p);
        }
        Ok(())
    }

    /// Adds `person` and all its rejections: for a person the edit may delete (whose
    /// rejections then go with it).
    pub fn add_deletable(&mut self, c: &Connection, person: PersonId) -> Res<()> {
        self.people.insert(person);
        let mut st = c.prepare_cached("SELECT face_id FROM rejections WHERE person_id = ?1")?;
        let faces = st.query_map([person], |r| r.get::<_, FaceId>(0))?;
        for f in faces {
            self.rejections.insert((f?, person));
        }
        let mut st = c.prepare_cached("SELECT a, b FROM distinct_people WHERE a = ?1 OR b = ?1")?;
        for pair in st.query_map([person], |r| Ok((r.get(0)?, r.get(1)?)))? {
            let (a, b): (PersonId, PersonId) = pair?;
            self.distinct.insert((a, b));
            self.people.insert(a);
            self.people.insert(b);
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PersonImage {
    name: Option<String>,
    hidden: bool,
    cover: Option<FaceId>,
    created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct AssignmentImage {
    person: PersonId,
    /// Provenance text code.
    provenance: String,
    confidence: Option<f64>,
    decided_at: i64,
}

/// A manual face row (created by an XMP import).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct FaceImage {
    photo: PhotoId,
    idx: u32,
    bbox: [f32; 4],
    landmarks: Vec<f32>,
    score: f32,
    embedding: Vec<f32>,
    manual: bool,
}

/// The state of every keyed row; `None` = the row does not exist.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Image {
    /// Face rows (absent in edits made before V4).
    #[serde(default)]
    faces: Vec<(FaceId, Option<FaceImage>)>,
    people: Vec<(PersonId, Option<PersonImage>)>,
    assignments: Vec<(FaceId, Option<AssignmentImage>)>,
    /// (face, person, decided_at).
    rejections: Vec<(FaceId, PersonId, Option<i64>)>,
    /// `None`: the face did not exist.
    not_face: Vec<(FaceId, Option<bool>)>,
    /// (a, b, decided_at): "not the same person" (absent in edits made before V7).
    #[serde(default)]
    distinct: Vec<(PersonId, PersonId, Option<i64>)>,
}

fn capture_person(c: &Connection, id: PersonId) -> Res<Option<PersonImage>> {
    Ok(c.prepare_cached(
        "SELECT name, hidden, cover_face_id, created_at FROM people WHERE id = ?1",
    )?
    .query_row([id], |r| {
        Ok(PersonImage {
            name: r.get(0)?,
            hidden: r.get(1)?,
            cover: r.get(2)?,
            created_at: r.get(3)?,
        })
    })
    .optional()?)
}

fn capture_face(c: &Connection, id: FaceId) -> Res<Option<FaceImage>> {
    Ok(c.prepare_cached(
        "SELECT photo_id, idx, x1, y1, x2, y2, landmarks, score, embedding, source
         FROM faces WHERE id = ?1",
    )?
    .query_row([id], |r| {
        Ok(FaceImage {
            photo: r.get(0)?,
            idx: r.get(1)?,
            bbox: [r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?],
            landmarks: f32s(&r.get::<_, Vec<u8>>(6)?),
            score: r.get(7)?,
            embedding: f32s(&r.get::<_, Vec<u8>>(8)?),
            manual: r.get::<_, String>(9)? == "manual",
        })
    })
    .optional()?)
}

fn capture(c: &Connection, keys: &Keys) -> Res<Image> {
    let mut image = Image::default();
    for &id in &keys.faces {
        image.faces.push((id, capture_face(c, id)?));
    }
    for &id in &keys.people {
        image.people.push((id, capture_person(c, id)?));
    }
    let mut st = c.prepare_cached(
        "SELECT person_id, provenance, confidence, decided_at FROM assignments WHERE face_id = ?1",
    )?;
    for &face in &keys.assignments {
        let row = st
            .query_row([face], |r| {
                Ok(AssignmentImage {
                    person: r.get(0)?,
                    provenance: r.get(1)?,
                    confidence: r.get(2)?,
                    decided_at: r.get(3)?,
                })
            })
            .optional()?;
        image.assignments.push((face, row));
    }
    let mut st = c.prepare_cached(
        "SELECT decided_at FROM rejections WHERE face_id = ?1 AND person_id = ?2",
    )?;
    for &(face, person) in &keys.rejections {
        let at = st
            .query_row(params![face, person], |r| r.get(0))
            .optional()?;
        image.rejections.push((face, person, at));
    }
    let mut st = c.prepare_cached("SELECT not_face FROM faces WHERE id = ?1")?;
    for &face in &keys.not_face {
        let mark = st.query_row([face], |r| r.get(0)).optional()?;
        image.not_face.push((face, mark));
    }
    let mut st =
        c.prepare_cached("SELECT decided_at FROM distinct_people WHERE a = ?1 AND b = ?2")?;
    for &(a, b) in &keys.distinct {
        let at = st.query_row(params![a, b], |r| r.get(0)).optional()?;
        image.distinct.push((a, b, at));
    }
    Ok(image)
}

impl Image {
    /// People referred to by the image's assignments and rejections.
    fn referenced(&self) -> BTreeSet<PersonId> {
        let mut out: BTreeSet<PersonId> = self
            .assignments
            .iter()
            .filter_map(|(_, a)| a.as_ref().map(|a| a.person))
            .collect();
        out.extend(
            self.rejections
                .iter()
                .filter(|r| r.2.is_some())
                .map(|r| r.1),
        );
        out
    }

    /// Writes the image. Returns how many distinct faces were skipped (no longer exist).
    fn write(&self, c: &Connection) -> Res<u64> {
        let mut skipped: BTreeSet<FaceId> = BTreeSet::new();
        // 0. Face rows the image has (manual faces an import created): re-created with their
        //    ids (ids are never reused, V5), at their old index or, when another face took
        //    that index meanwhile (a re-detection renumbers faces), after the photo's last
        //    face. Skipped, with every other row of that face id: an id held by a face of
        //    another photo or index (possible only for ids handed out before V5), and a face
        //    that a detection overlapping it (IoU >= 0.5) took over in a re-detection (the
        //    import itself would have matched that detection, not made a manual face).
        let mut foreign: BTreeSet<FaceId> = BTreeSet::new();
        for (id, row) in &self.faces {
            let Some(f) = row else { continue };
            let current = capture_face(c, *id)?;
            match current {
                Some(cur) if cur.photo == f.photo && cur.idx == f.idx => {}
                Some(_) => {
                    foreign.insert(*id);
                }
                None if taken_over(c, f)? => {
                    foreign.insert(*id);
                }
                None => {
                    let [x1, y1, x2, y2] = f.bbox;
                    let n = c
                        .prepare_cached(
                            "INSERT INTO faces (id, photo_id, idx, x1, y1, x2, y2, landmarks,
                                    score, embedding, source)
                             SELECT ?1, ?2,
                                    CASE WHEN EXISTS (SELECT 1 FROM faces
                                                      WHERE photo_id = ?2 AND idx = ?3)
                                         THEN (SELECT max(idx) + 1 FROM faces
                                               WHERE photo_id = ?2)
                                         ELSE ?3 END,
                                    ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11
                             WHERE EXISTS (SELECT 1 FROM photos WHERE id = ?2)",
                        )?
                        .execute(params![
                            id,
                            f.photo,
                            f.idx,
                            x1,
                            y1,
                            x2,
                            y2,
                            le_bytes(&f.landmarks),
                            f.score,
                            le_bytes(&f.embedding),
                            if f.manual { "manual" } else { "detected" },
                        ])?;
                    if n == 0 {
                        foreign.insert(*id);
                    } else {
                        recount_faces(c, f.photo)?;
                    }
                }
            }
        }
        skipped.extend(&foreign);
        let face_exists = |face: FaceId| -> Res<bool> {
            Ok(
                c.prepare_cached("SELECT EXISTS (SELECT 1 FROM faces WHERE id = ?1)")?
                    .query_row([face], |r| r.get(0))?,
            )
        };
        // 1. People that exist in the image: free names first (two people may swap), then
        //    insert missing rows with their old ids or update existing ones.
        for (id, _) in &self.people {
            c.prepare_cached("UPDATE people SET name = NULL WHERE id = ?1 AND name IS NOT NULL")?
                .execute([id])?;
        }
        for (id, row) in &self.people {
            let Some(p) = row else { continue };
            // A cover face that no longer exists is skipped (counted): the person keeps the
            // cover it has now — after a re-detection, the face the old cover moved to.
            let cover = match p.cover {
                Some(f) if face_exists(f)? => Some(f),
                Some(f) => {
                    skipped.insert(f);
                    c.prepare_cached("SELECT cover_face_id FROM people WHERE id = ?1")?
                        .query_row([id], |r| r.get::<_, Option<FaceId>>(0))
                        .optional()?
                        .flatten()
                }
                None => None,
            };
            if let Some(name) = &p.name {
                let taken: Option<PersonId> = c
                    .prepare_cached("SELECT id FROM people WHERE name = ?1 COLLATE NOCASE")?
                    .query_row([name], |r| r.get(0))
                    .optional()?;
                if taken.is_some_and(|t| t != *id) {
                    return Err(Fault::NameTaken(name.clone()));
                }
            }
            c.prepare_cached(
                "INSERT INTO people (id, name, hidden, cover_face_id, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, hidden = excluded.hidden,
                     cover_face_id = excluded.cover_face_id, created_at = excluded.created_at",
            )?
            .execute(params![id, p.name, p.hidden, cover, p.created_at])?;
        }
        // 2. Assignments, rejections, marks.
        for (face, row) in &self.assignments {
            if foreign.contains(face) {
                continue;
            }
            match row {
                Some(a) => {
                    let n = c
                        .prepare_cached(
                            "INSERT INTO assignments (face_id, person_id, provenance, confidence,
                                    decided_at, photo_id, taken_at, live)
                             SELECT f.id, ?2, ?3, ?4, ?5, f.photo_id, p.taken_at,
                                    p.orphaned_at IS NULL
                             FROM faces f JOIN photos p ON p.id = f.photo_id
                             WHERE f.id = ?1
                             ON CONFLICT (face_id) DO UPDATE SET person_id = excluded.person_id,
                                 provenance = excluded.provenance,
                                 confidence = excluded.confidence,
                                 decided_at = excluded.decided_at",
                        )?
                        .execute(params![
                            face,
                            a.person,
                            a.provenance,
                            a.confidence,
                            a.decided_at
                        ])?;
                    if n == 0 {
                        skipped.insert(*face);
                    }
                }
                None => {
                    c.prepare_cached("DELETE FROM assignments WHERE face_id = ?1")?
                        .execute([face])?;
                }
            }
        }
        for &(face, person, at) in &self.rejections {
            if foreign.contains(&face) {
                continue;
            }
            match at {
                Some(at) => {
                    let n = c
                        .prepare_cached(
                            "INSERT INTO rejections (face_id, person_id, decided_at)
                             SELECT ?1, ?2, ?3
                             WHERE EXISTS (SELECT 1 FROM faces WHERE id = ?1)
                               AND EXISTS (SELECT 1 FROM people WHERE id = ?2)
                             ON CONFLICT (face_id, person_id)
                                 DO UPDATE SET decided_at = excluded.decided_at",
                        )?
                        .execute(params![face, person, at])?;
                    if n == 0 && !face_exists(face)? {
                        skipped.insert(face);
                    }
                }
                None => {
                    c.prepare_cached(
                        "DELETE FROM rejections WHERE face_id = ?1 AND person_id = ?2",
                    )?
                    .execute(params![face, person])?;
                }
            }
        }
        for &(face, mark) in &self.not_face {
            let Some(mark) = mark else { continue };
            if foreign.contains(&face) {
                continue;
            }
            let n = c
                .prepare_cached("UPDATE faces SET not_face = ?2 WHERE id = ?1")?
                .execute(params![face, mark])?;
            if n == 0 {
                skipped.insert(face);
            }
        }
        for &(a, b, at) in &self.distinct {
            match at {
                Some(at) => {
                    c.prepare_cached(
                        "INSERT INTO distinct_people (a, b, decided_at)
                         SELECT ?1, ?2, ?3
                         WHERE EXISTS (SELECT 1 FROM people WHERE id = ?1)
                           AND EXISTS (SELECT 1 FROM people WHERE id = ?2)
                         ON CONFLICT (a, b) DO UPDATE SET decided_at = excluded.decided_at",
                    )?
                    .execute(params![a, b, at])?;
                }
                None => {
                    c.prepare_cached("DELETE FROM distinct_people WHERE a = ?1 AND b = ?2")?
                        .execute(params![a, b])?;
                }
            }
        }
        // Manual face rows that did not exist (their assignments and rejections go with them).
        for (id, row) in &self.faces {
            if row.is_some() {
                continue;
            }
            let photo: Option<PhotoId> = c
                .prepare_cached(
                    "DELETE FROM faces WHERE id = ?1 AND source = 'manual' RETURNING photo_id",
                )?
                .query_row([id], |r| r.get(0))
                .optional()?;
            if let Some(photo) = photo {
                recount_faces(c, photo)?;
            }
        }
        // 3. People that did not exist; unnamed, visible people that automation emptied since
        //    (the rule clustering keeps: no empty unnamed person on the People page).
        let mut present = BTreeSet::new();
        for (id, row) in &self.people {
            if row.is_none() {
                c.prepare_cached("DELETE FROM people WHERE id = ?1")?
                    .execute([id])?;
            } else {
                present.insert(*id);
            }
        }
        drop_empty_unnamed(c, &present)?;
        Ok(skipped.len() as u64)
    }
}

/// A face of `f`'s photo overlaps the box of the manual face `f` with IoU >= 0.5 (the
/// threshold at which an import matches a region with a face).
fn taken_over(c: &Connection, f: &FaceImage) -> Res<bool> {
    let mut st = c.prepare_cached("SELECT x1, y1, x2, y2 FROM faces WHERE photo_id = ?1")?;
    let boxes = st.query_map([f.photo], |r| {
        Ok([r.get::<_, f32>(0)?, r.get(1)?, r.get(2)?, r.get(3)?])
    })?;
    for b in boxes {
        if likeness_geometry::iou_f32(b?, f.bbox) >= 0.5 {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Unnamed, non-hidden current owners of `faces` other than `except`: people an edit may
/// leave empty (and then deletes). Added to `keys` with their rejections.
pub(crate) fn emptiable_owners(
    c: &Connection,
    faces: &[FaceId],
    except: Option<PersonId>,
    keys: &mut Keys,
) -> Res<BTreeSet<PersonId>> {
    let mut st = c.prepare_cached(
        "SELECT p.id FROM assignments a JOIN people p ON p.id = a.person_id
         WHERE a.face_id = ?1 AND p.name IS NULL AND p.hidden = 0",
    )?;
    let mut out = BTreeSet::new();
    for &f in faces {
        if let Some(p) = st.query_row([f], |r| r.get::<_, PersonId>(0)).optional()? {
            if Some(p) != except {
                out.insert(p);
            }
        }
    }
    for &p in &out {
        keys.add_deletable(c, p)?;
    }
    Ok(out)
}

/// An edit in progress: the before image, taken when it starts.
#[derive(Debug)]
pub(crate) struct Recorder {
    keys: Keys,
    before: Image,
}

impl Recorder {
    /// Adds a person the edit creates (before image: absent). Call before inserting it.
    pub fn add_new_person(&mut self, id: PersonId) {
        if self.keys.people.insert(id) {
            self.before.people.push((id, None));
        }
    }

    /// Adds a face the edit creates, and its assignment (before image: both absent).
    pub fn add_new_face(&mut self, id: FaceId) {
        if self.keys.faces.insert(id) {
            self.before.faces.push((id, None));
        }
        if self.keys.assignments.insert(id) {
            self.before.assignments.push((id, None));
        }
    }

    /// Closes `keys` over the people they refer to and captures the before image. Call
    /// before changing anything.
    pub fn start(c: &Connection, mut keys: Keys) -> Res<Recorder> {
        keys.close(c)?;
        let before = capture(c, &keys)?;
        Ok(Recorder { keys, before })
    }

    /// Captures the after image and stores the edit (dropping every undone edit and the
    /// done edits beyond [`KEEP_EDITS`]).
    pub fn finish(
        mut self,
        c: &Connection,
        kind: EditKind,
        label: String,
        now: i64,
    ) -> Res<EditSummary> {
        let mut after = capture(c, &self.keys)?;
        // People the edit made rows refer to without touching their rows: the same row in
        // both images.
        let extra: Vec<PersonId> = after
            .referenced()
            .difference(&self.keys.people)
            .copied()
            .collect();
        for id in extra {
            let row = capture_person(c, id)?;
            self.before.people.push((id, row.clone()));
            after.people.push((id, row));
            self.keys.people.insert(id);
        }
        let before = to_json(&self.before)?;
        let after = to_json(&after)?;
        c.prepare_cached("DELETE FROM edits WHERE state = 'undone'")?
            .execute([])?;
        c.prepare_cached(
            "INSERT INTO edits (kind, label, state, at, state_at, before, after)
             VALUES (?1, ?2, 'done', ?3, ?3, ?4, ?5)",
        )?
        .execute(params![kind, label, now, before, after])?;
        let id = c.last_insert_rowid();
        c.prepare_cached(
            "DELETE FROM edits WHERE state = 'done' AND id <= (
                 SELECT id FROM edits WHERE state = 'done' ORDER BY id DESC LIMIT 1 OFFSET ?1)",
        )?
        .execute([KEEP_EDITS])?;
        tracing::debug!(edit = id, kind = kind.as_sql(), %label, "people edit");
        Ok(EditSummary {
            id,
            kind,
            label,
            skipped_faces: 0,
        })
    }
}

fn to_json(image: &Image) -> Res<String> {
    serde_json::to_string(image).map_err(|e| Fault::Invalid(format!("edit image: {e}")))
}

fn from_json(text: &str, edit: EditId) -> Res<Image> {
    serde_json::from_str(text).map_err(|e| Fault::Invalid(format!("edit {edit} image: {e}")))
}

impl Catalog {
    /// Reverts the latest done edit by writing its before image. `None` when there is
    /// nothing to undo. Faces that no longer exist are skipped (`skipped_faces`).
    pub fn undo(&mut self, now: i64) -> Result<Option<EditSummary>, CatalogError> {
        self.write(|tx| {
            let row: Option<(EditId, EditKind, String, String)> = tx
                .prepare_cached(
                    "SELECT id, kind, label, before FROM edits WHERE state = 'done'
                     ORDER BY id DESC LIMIT 1",
                )?
                .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .optional()?;
            let Some((id, kind, label, before)) = row else {
                return Ok(None);
            };
            let skipped_faces = from_json(&before, id)?.write(tx)?;
            tx.prepare_cached("UPDATE edits SET state = 'undone', state_at = ?2 WHERE id = ?1")?
                .execute(params![id, now])?;
            tracing::debug!(edit = id, skipped_faces, "undo");
            Ok(Some(EditSummary {
                id,
                kind,
                label,
                skipped_faces,
            }))
        })
    }

    /// Applies again the earliest undone edit by writing its after image. `None` when there
    /// is nothing to redo (a new edit drops every undone one).
    pub fn redo(&mut self, now: i64) -> Result<Option<EditSummary>, CatalogError> {
        self.write(|tx| {
            let row: Option<(EditId, EditKind, String, String)> = tx
                .prepare_cached(
                    "SELECT id, kind, label, after FROM edits WHERE state = 'undone'
                     ORDER BY id LIMIT 1",
                )?
                .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .optional()?;
            let Some((id, kind, label, after)) = row else {
                return Ok(None);
            };
            let skipped_faces = from_json(&after, id)?.write(tx)?;
            tx.prepare_cached("UPDATE edits SET state = 'done', state_at = ?2 WHERE id = ?1")?
                .execute(params![id, now])?;
            tracing::debug!(edit = id, skipped_faces, "redo");
            Ok(Some(EditSummary {
                id,
                kind,
                label,
                skipped_faces,
            }))
        })
    }

    /// The edit history, newest first, at most `limit` rows (undone edits included: they
    /// are the redo stack).
    pub fn edits(&self, limit: usize) -> Result<Vec<EditRow>, CatalogError> {
        self.read(|c| {
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let mut st = c.prepare_cached(
                "SELECT id, kind, label, state, at, state_at FROM edits ORDER BY id DESC LIMIT ?1",
            )?;
            let rows = st.query_map([limit], |r| {
                Ok(EditRow {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    label: r.get(2)?,
                    state: r.get::<_, EditState>(3)?,
                    at: r.get(4)?,
                    state_at: r.get(5)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }
}
