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
        f.score, f.embedding, p.model, a.person_id, a.provenance, f.not_face, f.source
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
        "INSERT INTO faces (photo_id, idx, x1, y1, x2, y2, landmarks, score, embedding)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
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
        ])?;
    }
    Ok(())
}

/// Inserts a manual face (an imported region) on `photo` after its last face and counts it in
/// the photo's `face_count`. Returns its id.
pub(crate) fn insert_manual_face(c: &Connection, photo: PhotoId, face: &NewFace) -> Res<FaceId> {
    let [x1, y1, x2, y2] = face.bbox;
    c.prepare_cached(
        "INSERT INTO faces (photo_id, idx, x1, y1, x2, y2, landmarks, score, embedding, source)
         SELECT ?1, coalesce(max(idx) + 1, 0), ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'manual'
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

/// The user's decisions on one face, with its box normalised to [0, 1] by the photo size.
#[derive(Debug, Clone)]
pub(crate) struct FaceDecisions {
    bbox: [f32; 4],
    /// (person, confidence, decided_at) of a Confirmed assignment.
    confirmed: Option<(PersonId, Option<f32>, i64)>,
    /// (person, decided_at) of each rejection.
    rejected: Vec<(PersonId, i64)>,
    /// Marked "not a face".
    not_face: bool,
}

/// Every face of `photo` that carries a user decision (confirmed assignment, rejection or
/// "not a face" mark).
pub(crate) fn decisions_of(c: &Connection, photo: PhotoId) -> Res<Vec<FaceDecisions>> {
    let mut st = c.prepare_cached(
        "SELECT f.id, f.x1 / p.width, f.y1 / p.height, f.x2 / p.width, f.y2 / p.height,
                a.person_id, a.confidence, a.decided_at, f.not_face
         FROM faces f JOIN photos p ON p.id = f.photo_id
         LEFT JOIN assignments a ON a.face_id = f.id AND a.provenance = 'confirmed'
         WHERE f.photo_id = ?1
           AND (a.face_id IS NOT NULL OR f.not_face = 1
                OR EXISTS (SELECT 1 FROM rejections WHERE face_id = f.id))
         ORDER BY f.idx",
    )?;
    let rows = st.query_map([photo], |r| {
        let confirmed = match r.get::<_, Option<PersonId>>(5)? {
            Some(p) => Some((p, r.get(6)?, r.get(7)?)),
            None => None,
        };
        let bbox = [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?];
        Ok((
            r.get::<_, FaceId>(0)?,
            bbox,
            confirmed,
            r.get::<_, bool>(8)?,
        ))
    })?;
    let mut out = Vec::new();
    let mut rej = c.prepare_cached(
        "SELECT person_id, decided_at FROM rejections WHERE face_id = ?1 ORDER BY person_id",
    )?;
    for row in rows {
        let (face, bbox, confirmed, not_face) = row?;
        let rejected = rej
            .query_map([face], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        out.push(FaceDecisions {
            bbox,
            confirmed,
            rejected,
            not_face,
        });
    }
    Ok(out)
}

/// Gives each decision to the face of `photo` whose normalised box overlaps it best
/// (IoU ≥ 0.5). A face already confirmed by the user keeps its own decision.
pub(crate) fn apply_decisions(
    c: &Connection,
    photo: PhotoId,
    decisions: &[FaceDecisions],
) -> Res<()> {
    if decisions.is_empty() {
        return Ok(());
    }
    let targets = normalised_boxes(c, photo)?;
    for d in decisions {
        let Some(face) = best_match(&targets, &d.bbox) else {
            continue;
        };
        if let Some((person, confidence, at)) = d.confirmed {
            carry_confirmed(c, face, person, confidence, at)?;
        }
        if d.not_face {
            carry_not_face(c, face)?;
        }
        for &(person, at) in &d.rejected {
            carry_rejection(c, face, person, at)?;
        }
    }
    Ok(())
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

fn best_match(targets: &[(FaceId, [f32; 4])], bbox: &[f32; 4]) -> Option<FaceId> {
    targets
        .iter()
        .map(|(id, b)| (*id, likeness_geometry::iou_f32(*b, *bbox)))
        .filter(|(_, v)| *v >= 0.5)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(id, _)| id)
}

fn carry_confirmed(
    c: &Connection,
    face: FaceId,
    person: PersonId,
    confidence: Option<f32>,
    at: i64,
) -> Res<()> {
    if !user_decided(c, face, person)? {
        put_assignment(c, face, person, Provenance::Confirmed, confidence, at)?;
    }
    Ok(())
}

/// Marks `face` "not a face" (dropping an automatic or suggested assignment) unless the user
/// confirmed it to someone (a decision carried from another old face wins).
fn carry_not_face(c: &Connection, face: FaceId) -> Res<()> {
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
    Ok(())
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

fn carry_rejection(c: &Connection, face: FaceId, person: PersonId, at: i64) -> Res<()> {
    let confirmed_same: bool = c
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM assignments
                            WHERE face_id = ?1 AND person_id = ?2 AND provenance = 'confirmed')",
        )?
        .query_row(params![face, person], |r| r.get(0))?;
    if confirmed_same {
        return Ok(());
    }
    c.prepare_cached("DELETE FROM assignments WHERE face_id = ?1 AND person_id = ?2")?
        .execute(params![face, person])?;
    c.prepare_cached(
        "INSERT INTO rejections (face_id, person_id, decided_at) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
    )?
    .execute(params![face, person, at])?;
    Ok(())
}
