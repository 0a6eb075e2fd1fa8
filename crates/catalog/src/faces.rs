//! Faces of a photo, and carrying the user's decisions from old faces to new ones.

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::db::Catalog;
use crate::error::{CatalogError, Res};
use crate::types::{FaceId, FaceRow, NewFace, PersonId, PhotoId, Provenance};

impl Catalog {
    /// The faces of a photo by index, with each face's person (if any).
    pub fn faces_of_photo(&self, photo: PhotoId) -> Result<Vec<FaceRow>, CatalogError> {
        self.read(|c| {
            let sql = format!("{FACE_SELECT} WHERE f.photo_id = ?1 ORDER BY f.idx");
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map([photo], face_from_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Every face (of any photo, orphans included) with id > `after`, ascending id, at most
    /// `limit`: paging over all embeddings, e.g. for clustering.
    pub fn faces_after(&self, after: FaceId, limit: usize) -> Result<Vec<FaceRow>, CatalogError> {
        self.read(|c| {
            let sql = format!("{FACE_SELECT} WHERE f.id > ?1 ORDER BY f.id LIMIT ?2");
            let mut st = c.prepare_cached(&sql)?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = st.query_map([after, limit], face_from_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    pub fn face(&self, id: FaceId) -> Result<Option<FaceRow>, CatalogError> {
        self.read(|c| {
            let sql = format!("{FACE_SELECT} WHERE f.id = ?1");
            Ok(c.prepare_cached(&sql)?
                .query_row([id], face_from_row)
                .optional()?)
        })
    }
}

pub(crate) const FACE_SELECT: &str =
    "SELECT f.id, f.photo_id, f.idx, f.x1, f.y1, f.x2, f.y2, f.landmarks,
        f.score, f.embedding, p.model, a.person_id, a.provenance, f.not_face, f.source, f.quality
    FROM faces f JOIN photos p ON p.id = f.photo_id LEFT JOIN assignments a ON a.face_id = f.id";

pub(crate) fn face_from_row(r: &Row<'_>) -> rusqlite::Result<FaceRow> {
    let landmarks = f32s(&r.get::<_, Vec<u8>>(7)?);
    let person = match r.get::<_, Option<PersonId>>(11)? {
        Some(p) => Some((p, r.get::<_, Provenance>(12)?)),
        None => None,
    };
    Ok(FaceRow {
        id: r.get(0)?,
        photo: r.get(1)?,
        idx: r.get(2)?,
        bbox: [r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?],
        landmarks: std::array::from_fn(|i| landmarks.get(i).copied().unwrap_or(f32::NAN)),
        score: r.get(8)?,
        embedding: f32s(&r.get::<_, Vec<u8>>(9)?),
        model: r.get(10)?,
        person,
        not_face: r.get(13)?,
        manual: r.get::<_, String>(14)? == "manual",
        quality: r.get(15)?,
    })
}

/// Little-endian f32 bytes.
pub(crate) fn le_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

pub(crate) fn f32s(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

pub(crate) fn insert_faces(c: &Connection, photo: PhotoId, faces: &[NewFace]) -> Res<()> {
    let mut st = c.prepare_cached(
        "INSERT INTO faces (id, photo_id, idx, x1, y1, x2, y2, landmarks, score, embedding,
                quality)
         VALUES ((SELECT value + 1 FROM counters WHERE name = 'face'),
                 ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for (idx, f) in faces.iter().enumerate() {
        let [x1, y1, x2, y2] = f.bbox;
        st.execute(params![
            photo,
            idx as i64,
            x1,
            y1,
            x2,
            y2,
            le_bytes(&f.landmarks),
            f.score,
            le_bytes(&f.embedding),
            f.quality,
        ])?;
    }
    Ok(())
}

/// Inserts a manual face (an imported region) on `photo` after its last face and counts it in
/// the photo's `face_count`. Returns its id.
pub(crate) fn insert_manual_face(c: &Connection, photo: PhotoId, face: &NewFace) -> Res<FaceId> {
    let [x1, y1, x2, y2] = face.bbox;
    c.prepare_cached(
        "INSERT INTO faces (id, photo_id, idx, x1, y1, x2, y2, landmarks, score, embedding,
                source)
         SELECT (SELECT value + 1 FROM counters WHERE name = 'face'), ?1,
                coalesce(max(idx) + 1, 0), ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'manual'
         FROM faces WHERE photo_id = ?1",
    )?
    .execute(params![
        photo,
        x1,
        y1,
        x2,
        y2,
        le_bytes(&face.landmarks),
        face.score,
        le_bytes(&face.embedding),
    ])?;
    let id = c.last_insert_rowid();
    recount_faces(c, photo)?;
    Ok(id)
}

/// `photos.face_count` = the photo's face rows (after a manual face came or went).
pub(crate) fn recount_faces(c: &Connection, photo: PhotoId) -> Res<()> {
    c.prepare_cached(
        "UPDATE photos SET face_count = (SELECT count(*) FROM faces WHERE photo_id = ?1)
         WHERE id = ?1",
    )?
    .execute([photo])?;
    Ok(())
}

/// Stores `face` → `person` (replacing the face's assignment); photo_id, taken_at and live
/// are copied from the face's photo. Returns false if the face does not exist.
pub(crate) fn put_assignment(
    c: &Connection,
    face: FaceId,
    person: PersonId,
    provenance: Provenance,
    confidence: Option<f32>,
    decided_at: i64,
) -> Res<bool> {
    let n = c
        .prepare_cached(
            "INSERT INTO assignments (face_id, person_id, provenance, confidence, decided_at,
                    photo_id, taken_at, live)
             SELECT f.id, ?2, ?3, ?4, ?5, f.photo_id, p.taken_at, p.orphaned_at IS NULL
             FROM faces f JOIN photos p ON p.id = f.photo_id
             WHERE f.id = ?1
             ON CONFLICT (face_id) DO UPDATE SET person_id = excluded.person_id,
                 provenance = excluded.provenance, confidence = excluded.confidence,
                 decided_at = excluded.decided_at",
        )?
        .execute(params![face, person, provenance, confidence, decided_at])?;
    Ok(n > 0)
}

/// An assignment as stored.
#[derive(Debug, Clone, Copy)]
struct Held {
    person: PersonId,
    provenance: Provenance,
    confidence: Option<f32>,
    decided_at: i64,
}

/// A face whose photo is being re-analysed (re-detection) or whose file's content changed,
/// with everything that hangs on it; its box also normalised to [0, 1] by its photo's size.
#[derive(Debug, Clone)]
pub(crate) struct OldFace {
    id: FaceId,
    /// Pixels, in the photo's upright frame as it was.
    bbox: [f32; 4],
    landmarks: Vec<f32>,
    nbox: [f32; 4],
    /// The photo's (width, height) when the face was read.
    size: (f32, f32),
    manual: bool,
    not_face: bool,
    assignment: Option<Held>,
    /// (person, decided_at) of each rejection.
    rejected: Vec<(PersonId, i64)>,
    /// People whose explicit cover this face is, and who it is assigned to (not suggested):
    /// a cover the people page would not show is not a decision worth keeping a face for.
    covers: Vec<PersonId>,
}

impl OldFace {
    fn confirmed(&self) -> Option<Held> {
        self.assignment
            .filter(|a| a.provenance == Provenance::Confirmed)
    }

    /// Confirmed assignment, rejection or "not a face" mark: what a content change carries.
    fn has_decisions(&self) -> bool {
        self.confirmed().is_some() || self.not_face || !self.rejected.is_empty()
    }

    /// What must not disappear with a re-detection unless a new face took it over: a user
    /// decision (the above, or a cover) or an imported (manual) face.
    fn must_survive(&self) -> bool {
        self.has_decisions() || !self.covers.is_empty() || self.manual
    }

    /// Who picks a new face first: the user's confirmed faces, then other decisions and
    /// manual faces, then faces automation placed; 0 = nothing to carry.
    fn rank(&self) -> u8 {
        if self.confirmed().is_some() {
            3
        } else if self.must_survive() {
            2
        } else if self.assignment.is_some() {
            1
        } else {
            0
        }
    }
}

/// Every face of `photo`, by index, with its assignment, rejections and covers.
pub(crate) fn old_faces(c: &Connection, photo: PhotoId) -> Res<Vec<OldFace>> {
    let mut st = c.prepare_cached(
        "SELECT f.id, f.x1, f.y1, f.x2, f.y2, f.landmarks, p.width, p.height,
                f.source = 'manual', f.not_face,
                a.person_id, a.provenance, a.confidence, a.decided_at
         FROM faces f JOIN photos p ON p.id = f.photo_id
         LEFT JOIN assignments a ON a.face_id = f.id
         WHERE f.photo_id = ?1 ORDER BY f.idx",
    )?;
    let rows = st.query_map([photo], |r| {
        let bbox: [f32; 4] = [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?];
        let size: (f32, f32) = (r.get(6)?, r.get(7)?);
        let (w, h) = (size.0.max(1.0), size.1.max(1.0));
        let assignment = match r.get::<_, Option<PersonId>>(10)? {
            Some(person) => Some(Held {
                person,
                provenance: r.get(11)?,
                confidence: r.get(12)?,
                decided_at: r.get(13)?,
            }),
            None => None,
        };
        Ok(OldFace {
            id: r.get(0)?,
            bbox,
            landmarks: f32s(&r.get::<_, Vec<u8>>(5)?),
            nbox: [bbox[0] / w, bbox[1] / h, bbox[2] / w, bbox[3] / h],
            size,
            manual: r.get(8)?,
            not_face: r.get(9)?,
            assignment,
            rejected: Vec::new(),
            covers: Vec::new(),
        })
    })?;
    let mut out: Vec<OldFace> = rows.collect::<Result<_, _>>()?;
    let mut rejections = c.prepare_cached(
        "SELECT person_id, decided_at FROM rejections WHERE face_id = ?1 ORDER BY person_id",
    )?;
    // `people_cover` (V5) makes this a probe, not a scan of people.
    let mut covers = c.prepare_cached(
        "SELECT pe.id FROM people pe JOIN assignments a
             ON a.face_id = pe.cover_face_id AND a.person_id = pe.id
         WHERE pe.cover_face_id = ?1 AND a.provenance <> 'suggested' ORDER BY pe.id",
    )?;
    for f in &mut out {
        f.rejected = rejections
            .query_map([f.id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        f.covers = covers
            .query_map([f.id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
    }
    Ok(out)
}

/// Content change: the file now holds `to`, it held `from` (kept, maybe as an orphan, with its
/// own faces and decisions). Each face of `from` with a user decision (confirmed assignment,
/// rejections, "not a face") is paired with a face of `to` ([`pair`]) and its decisions are
/// copied there; a decision already on that face wins. Covers stay on `from`'s faces.
pub(crate) fn carry_to_new_content(c: &Connection, from: PhotoId, to: PhotoId) -> Res<()> {
    let old: Vec<OldFace> = old_faces(c, from)?
        .into_iter()
        .filter(OldFace::has_decisions)
        .collect();
    if old.is_empty() {
        return Ok(());
    }
    let targets = normalised_boxes(c, to)?;
    for (face, target) in old.iter().zip(pair(&old, &targets)) {
        if let Some(target) = target {
            carry_decisions(c, face, target)?;
        }
    }
    Ok(())
}

/// What [`replace_faces`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Replaced {
    /// Old faces whose decisions, covers and automatic assignments moved to a new face.
    pub carried: usize,
    /// Old faces kept beside the new ones (a decision no new face took, or a manual face).
    pub kept: usize,
}

/// Re-detection: `photo`'s faces (`old`, read before its size was updated) are replaced by
/// `faces`, found by another model — nothing the user decided is lost.
///
/// The new faces take indexes 0..n in detection order (the indexer's face thumbnails use the
/// same numbers) and fresh ids (ids are never reused, V5). Old faces are paired one to one with
/// new ones ([`pair`]). A paired old face hands over everything: its confirmed assignment,
/// rejections and "not a face" mark, the covers it is, and an Automatic or Suggested
/// assignment too (automation's, so the People page does not empty while a library is
/// re-detected; the next clustering run re-decides it) — then it is deleted.
///
/// An old face is KEPT, unchanged (id, box, landmarks, score, embedding, mark, source,
/// assignment, rejections, covers), after the new faces (indexes n..) when it must survive
/// and could not be handed over: it has a user decision (confirmed assignment, rejection,
/// "not a face", a cover) or is a manual face, and no new face overlaps it with IoU ≥ 0.5
/// (or a decision did not land). Its box and landmarks are rescaled when the photo's size
/// changed.
///
/// Manual faces (imported XMP regions no detection matched) follow the same rule, on
/// purpose: a new detection that overlaps one with IoU ≥ 0.5 is the face the import would
/// have matched had the old detector found it (the import pairs regions with faces at
/// IoU ≥ 0.5 too), so the detection takes the manual face's person and decisions and the
/// manual face goes: one face, with a detector's landmarks and embedding, never two faces
/// for one region. An unmatched manual face stays as it is. (The exported region then is the
/// detection's box; the photo is marked for XMP export by the assignment triggers.)
///
/// Old faces with nothing on them are deleted. Edits that refer to a deleted face skip it on
/// undo/redo (counted) — its id is never given to another face.
pub(crate) fn replace_faces(
    c: &Connection,
    photo: PhotoId,
    old: &[OldFace],
    faces: &[NewFace],
) -> Res<Replaced> {
    // Old faces step aside (negative indexes) so the new ones take 0..n.
    c.prepare_cached("UPDATE faces SET idx = -1 - idx WHERE photo_id = ?1")?
        .execute([photo])?;
    insert_faces(c, photo, faces)?;
    let (w, h): (f32, f32) = c
        .prepare_cached("SELECT width, height FROM photos WHERE id = ?1")?
        .query_row([photo], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let targets: Vec<(FaceId, [f32; 4])> = normalised_boxes(c, photo)?
        .into_iter()
        .filter(|(id, _)| old.iter().all(|o| o.id != *id))
        .collect();
    let mut out = Replaced::default();
    let mut kept: Vec<&OldFace> = Vec::new();
    for (face, target) in old.iter().zip(pair(old, &targets)) {
        let handed_over = match target {
            Some(target) => {
                let landed = carry_decisions(c, face, target)?;
                carry_automation(c, face, target)?;
                let covered = carry_covers(c, face, target)?;
                landed && covered
            }
            None => false,
        };
        if handed_over {
            out.carried += 1;
        }
        if face.must_survive() && !handed_over {
            kept.push(face);
        } else {
            c.prepare_cached("DELETE FROM faces WHERE id = ?1")?
                .execute([face.id])?;
        }
    }
    let n = faces.len();
    for (k, face) in kept.iter().enumerate() {
        let (sx, sy) = (w / face.size.0.max(1.0), h / face.size.1.max(1.0));
        let [x1, y1, x2, y2] = face.bbox;
        let landmarks: Vec<f32> = face
            .landmarks
            .iter()
            .enumerate()
            .map(|(i, v)| if i % 2 == 0 { v * sx } else { v * sy })
            .collect();
        c.prepare_cached(
            "UPDATE faces SET idx = ?2, x1 = ?3, y1 = ?4, x2 = ?5, y2 = ?6, landmarks = ?7
             WHERE id = ?1",
        )?
        .execute(params![
            face.id,
            (n + k) as i64,
            x1 * sx,
            y1 * sy,
            x2 * sx,
            y2 * sy,
            le_bytes(&landmarks),
        ])?;
    }
    out.kept = kept.len();
    recount_faces(c, photo)?;
    Ok(out)
}

fn normalised_boxes(c: &Connection, photo: PhotoId) -> Res<Vec<(FaceId, [f32; 4])>> {
    let mut st = c.prepare_cached(
        "SELECT f.id, f.x1 / p.width, f.y1 / p.height, f.x2 / p.width, f.y2 / p.height
         FROM faces f JOIN photos p ON p.id = f.photo_id WHERE f.photo_id = ?1 ORDER BY f.idx",
    )?;
    let rows = st.query_map([photo], |r| {
        Ok((r.get(0)?, [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?]))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Pairs old faces with `targets` one to one: among every (old, target) whose normalised
/// boxes overlap with IoU ≥ 0.5, the old face of highest [`OldFace::rank`] picks first (the
/// user's confirmed faces before other decisions, before automation's), then the highest
/// IoU, then index order. So two old faces over one new face never fight over it: the
/// stronger decision takes it and the other finds another face or is left unpaired.
fn pair(old: &[OldFace], targets: &[(FaceId, [f32; 4])]) -> Vec<Option<FaceId>> {
    let mut pairs: Vec<(u8, f32, usize, usize)> = Vec::new();
    for (o, face) in old.iter().enumerate() {
        let rank = face.rank();
        if rank == 0 {
            continue;
        }
        for (t, (_, b)) in targets.iter().enumerate() {
            let v = likeness_geometry::iou_f32(*b, face.nbox);
            if v >= 0.5 {
                pairs.push((rank, v, o, t));
            }
        }
    }
    pairs.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.1.total_cmp(&a.1))
            .then(a.2.cmp(&b.2))
            .then(a.3.cmp(&b.3))
    });
    let mut out = vec![None; old.len()];
    let mut used = vec![false; targets.len()];
    for (_, _, o, t) in pairs {
        if out[o].is_none() && !used[t] {
            out[o] = Some(targets[t].0);
            used[t] = true;
        }
    }
    out
}

/// Copies `face`'s user decisions to `target`. Returns whether every one of them is now on
/// `target` (false when a decision already there won).
fn carry_decisions(c: &Connection, face: &OldFace, target: FaceId) -> Res<bool> {
    let mut landed = true;
    if let Some(a) = face.confirmed() {
        landed &= carry_confirmed(c, target, a.person, a.confidence, a.decided_at)?;
    }
    if face.not_face {
        landed &= carry_not_face(c, target)?;
    }
    for &(person, at) in &face.rejected {
        landed &= carry_rejection(c, target, person, at)?;
    }
    Ok(landed)
}

/// Copies an Automatic or Suggested assignment to `target` when it has none and the user
/// decided nothing against it.
fn carry_automation(c: &Connection, face: &OldFace, target: FaceId) -> Res<()> {
    let Some(a) = face
        .assignment
        .filter(|a| a.provenance != Provenance::Confirmed)
    else {
        return Ok(());
    };
    let assigned: bool = c
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM assignments WHERE face_id = ?1)")?
        .query_row([target], |r| r.get(0))?;
    if !assigned && !user_decided(c, target, a.person)? {
        put_assignment(
            c,
            target,
            a.person,
            a.provenance,
            a.confidence,
            a.decided_at,
        )?;
    }
    Ok(())
}

/// Points the covers `face` is at `target`, for each person `target` is now assigned to
/// (not suggested). Returns whether every cover moved.
fn carry_covers(c: &Connection, face: &OldFace, target: FaceId) -> Res<bool> {
    let mut moved = true;
    for &person in &face.covers {
        let n = c
            .prepare_cached(
                "UPDATE people SET cover_face_id = ?3 WHERE id = ?1 AND cover_face_id = ?2
                   AND EXISTS (SELECT 1 FROM assignments WHERE face_id = ?3 AND person_id = ?1
                               AND provenance <> 'suggested')",
            )?
            .execute(params![person, face.id, target])?;
        moved &= n > 0;
    }
    Ok(moved)
}

/// Confirms `face` to `person` unless the user decided on it already (a decision already on
/// the face wins). Returns whether `face` is now confirmed to `person`.
fn carry_confirmed(
    c: &Connection,
    face: FaceId,
    person: PersonId,
    confidence: Option<f32>,
    at: i64,
) -> Res<bool> {
    if !user_decided(c, face, person)? {
        put_assignment(c, face, person, Provenance::Confirmed, confidence, at)?;
        return Ok(true);
    }
    Ok(c.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM assignments
                        WHERE face_id = ?1 AND person_id = ?2 AND provenance = 'confirmed')",
    )?
    .query_row(params![face, person], |r| r.get(0))?)
}

/// Marks `face` "not a face" (dropping an automatic or suggested assignment) unless the user
/// confirmed it to someone (a decision already on the face wins). Returns whether `face` is
/// now marked.
fn carry_not_face(c: &Connection, face: FaceId) -> Res<bool> {
    let n = c
        .prepare_cached(
            "UPDATE faces SET not_face = 1 WHERE id = ?1 AND NOT EXISTS
                 (SELECT 1 FROM assignments WHERE face_id = ?1 AND provenance = 'confirmed')",
        )?
        .execute([face])?;
    if n > 0 {
        c.prepare_cached("DELETE FROM assignments WHERE face_id = ?1")?
            .execute([face])?;
    }
    Ok(n > 0)
}

/// The user confirmed `face` (to anyone), marked it "not a face", or rejected `person` on it.
pub(crate) fn user_decided(c: &Connection, face: FaceId, person: PersonId) -> Res<bool> {
    Ok(c.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM assignments WHERE face_id = ?1 AND provenance = 'confirmed')
             OR EXISTS (SELECT 1 FROM faces WHERE id = ?1 AND not_face = 1)
             OR EXISTS (SELECT 1 FROM rejections WHERE face_id = ?1 AND person_id = ?2)",
    )?
    .query_row(params![face, person], |r| r.get(0))?)
}

/// "Not `person`" on `face` (dropping an automatic or suggested assignment to them) unless the
/// user confirmed `face` to `person`. Returns whether the rejection is now on `face`.
fn carry_rejection(c: &Connection, face: FaceId, person: PersonId, at: i64) -> Res<bool> {
    let confirmed_same: bool = c
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM assignments
                            WHERE face_id = ?1 AND person_id = ?2 AND provenance = 'confirmed')",
        )?
        .query_row(params![face, person], |r| r.get(0))?;
    if confirmed_same {
        return Ok(false);
    }
    c.prepare_cached("DELETE FROM assignments WHERE face_id = ?1 AND person_id = ?2")?
        .execute(params![face, person])?;
    c.prepare_cached(
        "INSERT INTO rejections (face_id, person_id, decided_at) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
    )?
    .execute(params![face, person, at])?;
    Ok(true)
}
