//! People rows and the reads of the People page; automatic assignments (the matcher's);
//! the helpers the edits build on. The user's edits themselves are in `people_edits`
//! (above `edits`, which records them); nothing here records an edit.
//!
//! Invariant: automation never overrides the user. An Automatic or Suggested assignment is
//! ignored for a face the user confirmed or marked "not a face", and for a person the user
//! rejected on that face.

use std::collections::BTreeSet;

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::db::Catalog;
use crate::error::{CatalogError, Fault, Res};
use crate::faces::{face_from_row, put_assignment, user_decided, FACE_SELECT};
use crate::types::{
    DecidedPerson, Decisions, FaceAssignment, FaceId, FaceRow, PersonCount, PersonId, PersonRow,
    PersonSummary, Provenance, SuggestionRow,
};

impl Catalog {
    /// The person with this name, ignoring ASCII case.
    pub fn person_by_name(&self, name: &str) -> Result<Option<PersonRow>, CatalogError> {
        self.read(|c| find_by_name(c, name))
    }

    pub fn person(&self, id: PersonId) -> Result<Option<PersonRow>, CatalogError> {
        self.read(|c| {
            let sql = format!("{PERSON_SELECT} WHERE id = ?1");
            Ok(c.prepare_cached(&sql)?
                .query_row([id], person_from_row)
                .optional()?)
        })
    }

    /// Every person, by id.
    pub fn people(&self) -> Result<Vec<PersonRow>, CatalogError> {
        self.read(|c| {
            let sql = format!("{PERSON_SELECT} ORDER BY id");
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map([], person_from_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Stores automatic assignments — Automatic or Suggested, never Confirmed (a user
    /// decision is an edit: [`Catalog::move_faces`]) — for many faces in one transaction, as
    /// the incremental matcher writes them. Not recorded as an edit (automation, like
    /// clustering). Each is ignored when the user confirmed the face, marked it "not a face"
    /// or rejected that person on it. Faces that no longer exist are skipped; an unknown
    /// person fails the whole batch, a Confirmed provenance is Invalid. Returns how many
    /// assignments were stored.
    pub fn assign_automatic(
        &mut self,
        assignments: &[FaceAssignment],
        now: i64,
    ) -> Result<u64, CatalogError> {
        self.write(|tx| {
            let mut stored = 0;
            for a in assignments {
                if a.provenance == Provenance::Confirmed {
                    return Err(Fault::Invalid(format!(
                        "face {}: a confirmed assignment is the user's edit, not automatic",
                        a.face
                    )));
                }
                if assign_automatic(tx, a.face, a.person, a.provenance, a.confidence, now)? {
                    stored += 1;
                }
            }
            Ok(stored)
        })
    }

    /// Per person: faces (Confirmed or Automatic) and distinct photos, on photos with a live
    /// file; hidden flag. Biggest first (photos, then faces, then id).
    pub fn people_counts(&self) -> Result<Vec<PersonCount>, CatalogError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT p.id, p.name, p.hidden, coalesce(n.faces, 0), coalesce(n.photos, 0)
                 FROM people p LEFT JOIN (
                     SELECT person_id, count(*) AS faces, count(DISTINCT photo_id) AS photos
                     FROM assignments WHERE provenance <> 'suggested' AND live = 1
                     GROUP BY person_id
                 ) n ON n.person_id = p.id
                 ORDER BY 5 DESC, 4 DESC, p.id",
            )?;
            let rows = st.query_map([], |r| {
                Ok(PersonCount {
                    person: r.get(0)?,
                    name: r.get(1)?,
                    hidden: r.get(2)?,
                    faces: r.get::<_, i64>(3)? as u64,
                    photos: r.get::<_, i64>(4)? as u64,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }
}

/// Stores one Automatic/Suggested assignment unless it would override a user decision.
/// Returns whether it was stored (false also when the face does not exist).
fn assign_automatic(
    c: &Connection,
    face: FaceId,
    person: PersonId,
    provenance: Provenance,
    confidence: Option<f32>,
    now: i64,
) -> Res<bool> {
    require(c, "people", person, "person")?;
    if user_decided(c, face, person)? {
        return Ok(false);
    }
    put_assignment(c, face, person, provenance, confidence, now)
}

const PERSON_SELECT: &str = "SELECT id, name, hidden, cover_face_id, created_at FROM people";

fn person_from_row(r: &Row<'_>) -> rusqlite::Result<PersonRow> {
    Ok(PersonRow {
        id: r.get(0)?,
        name: r.get(1)?,
        hidden: r.get(2)?,
        cover_face: r.get(3)?,
        created_at: r.get(4)?,
    })
}

pub(crate) fn find_by_name(c: &Connection, name: &str) -> Res<Option<PersonRow>> {
    let sql = format!("{PERSON_SELECT} WHERE name = ?1 COLLATE NOCASE");
    Ok(c.prepare_cached(&sql)?
        .query_row([name], person_from_row)
        .optional()?)
}

/// NotFound unless `table` has a row with `id`.
pub(crate) fn require(c: &Connection, table: &str, id: i64, what: &str) -> Res<()> {
    let sql = format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE id = ?1)");
    let found: bool = c.prepare_cached(&sql)?.query_row([id], |r| r.get(0))?;
    if found {
        Ok(())
    } else {
        Err(Fault::NotFound(format!("{what} {id}")))
    }
}

/// Takes the next id from the never-reused person counter.
pub(crate) fn next_person_id(c: &Connection) -> Res<PersonId> {
    Ok(c.prepare_cached(
        "UPDATE counters SET value = value + 1 WHERE name = 'person' RETURNING value",
    )?
    .query_row([], |r| r.get(0))?)
}

pub(crate) fn insert_person(c: &Connection, id: PersonId, name: Option<&str>, now: i64) -> Res<()> {
    c.prepare_cached("INSERT INTO people (id, name, created_at) VALUES (?1, ?2, ?3)")?
        .execute(params![id, name, now])?;
    Ok(())
}

/// The trimmed name; Invalid if empty, NameTaken if a person other than `except` has it
/// (ignoring ASCII case).
pub(crate) fn check_name(c: &Connection, name: &str, except: Option<PersonId>) -> Res<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Fault::Invalid("a person's name cannot be empty".into()));
    }
    match find_by_name(c, name)? {
        Some(other) if Some(other.id) != except => Err(Fault::NameTaken(name.to_owned())),
        _ => Ok(name.to_owned()),
    }
}

/// The person's row, NotFound if it does not exist.
pub(crate) fn get_person(c: &Connection, id: PersonId) -> Res<PersonRow> {
    let sql = format!("{PERSON_SELECT} WHERE id = ?1");
    c.prepare_cached(&sql)?
        .query_row([id], person_from_row)
        .optional()?
        .ok_or_else(|| Fault::NotFound(format!("person {id}")))
}

/// `"Ann"` or `unnamed person 12`, for edit labels.
pub(crate) fn label_of(p: &PersonRow) -> String {
    match &p.name {
        Some(n) => format!("{n:?}"),
        None => format!("unnamed person {}", p.id),
    }
}

/// The faces, deduplicated and sorted; Invalid if none, NotFound for an unknown one.
pub(crate) fn require_faces(c: &Connection, faces: &[FaceId]) -> Res<Vec<FaceId>> {
    let set: BTreeSet<FaceId> = faces.iter().copied().collect();
    if set.is_empty() {
        return Err(Fault::Invalid("no faces given".into()));
    }
    for &f in &set {
        require(c, "faces", f, "face")?;
    }
    Ok(set.into_iter().collect())
}

/// Deletes those of `candidates` that are unnamed, not hidden and have no assignment left.
pub(crate) fn drop_empty_unnamed(c: &Connection, candidates: &BTreeSet<PersonId>) -> Res<u64> {
    let mut st = c.prepare_cached(
        "DELETE FROM people WHERE id = ?1 AND name IS NULL AND hidden = 0
             AND NOT EXISTS (SELECT 1 FROM assignments WHERE person_id = ?1)",
    )?;
    let mut n = 0;
    for p in candidates {
        n += st.execute([p])? as u64;
    }
    Ok(n)
}

/// The user says `face` is `person`: confirmed, lifting a rejection and a "not a face" mark.
pub(crate) fn confirm(
    c: &Connection,
    face: FaceId,
    person: PersonId,
    confidence: Option<f32>,
    now: i64,
) -> Res<()> {
    c.prepare_cached("DELETE FROM rejections WHERE face_id = ?1 AND person_id = ?2")?
        .execute(params![face, person])?;
    c.prepare_cached("UPDATE faces SET not_face = 0 WHERE id = ?1 AND not_face = 1")?
        .execute([face])?;
    put_assignment(c, face, person, Provenance::Confirmed, confidence, now)?;
    Ok(())
}

pub(crate) fn rejected(c: &Connection, face: FaceId, person: PersonId) -> Res<bool> {
    Ok(c.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM rejections WHERE face_id = ?1 AND person_id = ?2)",
    )?
    .query_row(params![face, person], |r| r.get(0))?)
}

impl Catalog {
    /// The People page: every person (hidden ones only with `include_hidden`), biggest first
    /// (photos, then faces, then id). Counts are over live photos; see [`PersonSummary`].
    pub fn people_overview(
        &self,
        include_hidden: bool,
    ) -> Result<Vec<PersonSummary>, CatalogError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT p.id, p.name, p.hidden, coalesce(n.faces, 0), coalesce(n.photos, 0),
                        coalesce(s.n, 0),
                        coalesce(
                            (SELECT a.face_id FROM assignments a
                             WHERE a.face_id = p.cover_face_id AND a.person_id = p.id
                               AND a.provenance <> 'suggested'),
                            (SELECT a.face_id FROM assignments a JOIN faces f ON f.id = a.face_id
                             WHERE a.person_id = p.id AND a.provenance <> 'suggested'
                               AND a.live = 1
                             ORDER BY f.score DESC, a.face_id LIMIT 1))
                 FROM people p
                 LEFT JOIN (
                     SELECT person_id, count(*) AS faces, count(DISTINCT photo_id) AS photos
                     FROM assignments WHERE provenance <> 'suggested' AND live = 1
                     GROUP BY person_id
                 ) n ON n.person_id = p.id
                 LEFT JOIN (
                     SELECT person_id, count(*) AS n FROM assignments
                     WHERE provenance = 'suggested' AND live = 1 GROUP BY person_id
                 ) s ON s.person_id = p.id
                 WHERE ?1 OR p.hidden = 0
                 ORDER BY 5 DESC, 4 DESC, p.id",
            )?;
            let rows = st.query_map([include_hidden], |r| {
                Ok(PersonSummary {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    hidden: r.get(2)?,
                    faces: r.get::<_, i64>(3)? as u64,
                    photos: r.get::<_, i64>(4)? as u64,
                    suggested: r.get::<_, i64>(5)? as u64,
                    cover_face: r.get(6)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// A person's faces (any provenance) on live photos, newest photo first (undated last),
    /// then by face id; paged.
    pub fn person_faces(
        &self,
        person: PersonId,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<FaceRow>, CatalogError> {
        self.read(|c| {
            let sql = format!(
                "{FACE_SELECT} WHERE a.person_id = ?1 AND a.live = 1
                 ORDER BY a.taken_at IS NULL, a.taken_at DESC, a.photo_id DESC, f.id
                 LIMIT ?2 OFFSET ?3"
            );
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let offset = i64::try_from(offset).unwrap_or(i64::MAX);
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map(params![person, limit, offset], face_from_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// "Is this X?": Suggested assignments to named people on live photos (of `person`, or
    /// of everyone), most confident first, at most `limit`.
    pub fn suggestions(
        &self,
        person: Option<PersonId>,
        limit: usize,
    ) -> Result<Vec<SuggestionRow>, CatalogError> {
        self.read(|c| {
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let mut st = c.prepare_cached(
                "SELECT a.face_id, a.photo_id, a.person_id, p.name, a.confidence
                 FROM assignments a JOIN people p ON p.id = a.person_id
                 WHERE a.provenance = 'suggested' AND a.live = 1 AND p.name IS NOT NULL
                   AND (?1 IS NULL OR a.person_id = ?1)
                 ORDER BY a.confidence IS NULL, a.confidence DESC, a.face_id
                 LIMIT ?2",
            )?;
            let rows = st.query_map(params![person, limit], |r| {
                Ok(SuggestionRow {
                    face: r.get(0)?,
                    photo: r.get(1)?,
                    person: r.get(2)?,
                    name: r.get(3)?,
                    confidence: r.get(4)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Every "not the same person" pair `(a, b)`, `a < b`.
    pub fn distinct_pairs(&self) -> Result<Vec<(PersonId, PersonId)>, CatalogError> {
        self.read(|c| {
            let mut st = c.prepare_cached("SELECT a, b FROM distinct_people ORDER BY a, b")?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Unsorted faces: faces of live photos that belong to nobody (no assignment, or only a
    /// suggestion) and are not marked "not a face" — loners, faces under the quality bar,
    /// strangers. Best quality first (unmeasured faces, e.g. manual ones, count as best),
    /// then by id; paged.
    pub fn unsorted_faces(
        &self,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<FaceRow>, CatalogError> {
        self.read(|c| {
            let sql = format!(
                "{FACE_SELECT} WHERE f.not_face = 0 AND p.orphaned_at IS NULL
                   AND (a.face_id IS NULL OR a.provenance = 'suggested')
                 ORDER BY coalesce(f.quality, 1.0) DESC, f.id
                 LIMIT ?1 OFFSET ?2"
            );
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let offset = i64::try_from(offset).unwrap_or(i64::MAX);
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map(params![limit, offset], face_from_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// How many faces [`Self::unsorted_faces`] lists in all.
    pub fn unsorted_count(&self) -> Result<u64, CatalogError> {
        self.read(|c| {
            Ok(c.prepare_cached(
                "SELECT count(*) FROM faces f JOIN photos p ON p.id = f.photo_id
                 LEFT JOIN assignments a ON a.face_id = f.id
                 WHERE f.not_face = 0 AND p.orphaned_at IS NULL
                   AND (a.face_id IS NULL OR a.provenance = 'suggested')",
            )?
            .query_row([], |r| r.get::<_, i64>(0))? as u64)
        })
    }

    /// What the user decided; see [`Decisions`].
    pub fn decisions(&self) -> Result<Decisions, CatalogError> {
        self.read(|c| {
            let mut out = Decisions::default();
            let mut st = c.prepare_cached(
                "SELECT id, name, hidden, cover_face_id FROM people
                 WHERE name IS NOT NULL OR hidden = 1",
            )?;
            let rows = st.query_map([], |r| {
                Ok((
                    r.get::<_, PersonId>(0)?,
                    DecidedPerson {
                        name: r.get(1)?,
                        hidden: r.get(2)?,
                        cover: r.get(3)?,
                    },
                ))
            })?;
            for row in rows {
                let (id, p) = row?;
                out.people.insert(id, p);
            }
            let mut st = c.prepare_cached(
                "SELECT face_id, person_id FROM assignments WHERE provenance = 'confirmed'",
            )?;
            for row in st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))? {
                let (f, p) = row?;
                out.confirmed.insert(f, p);
            }
            let mut st = c.prepare_cached("SELECT face_id, person_id FROM rejections")?;
            for row in st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))? {
                out.rejections.insert(row?);
            }
            let mut st = c.prepare_cached("SELECT id FROM faces WHERE not_face = 1")?;
            for row in st.query_map([], |r| r.get(0))? {
                out.not_face.insert(row?);
            }
            Ok(out)
        })
    }
}
