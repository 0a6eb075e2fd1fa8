//! People and the face ↔ person decisions (minimal: the people issue extends it).
//!
//! Invariant: automation never overrides the user. An Automatic or Suggested assignment is
//! ignored for a face the user confirmed, and for a person the user rejected on that face.

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::db::Catalog;
use crate::error::{CatalogError, Fault, Res};
use crate::faces::{put_assignment, user_decided};
use crate::types::{FaceAssignment, FaceId, PersonCount, PersonId, PersonRow, Provenance};

impl Catalog {
    /// Creates a named person. Names are unique ignoring ASCII case (NameTaken otherwise).
    pub fn create_person(&mut self, name: &str, now: i64) -> Result<PersonId, CatalogError> {
        self.write(|tx| {
            if find_by_name(tx, name)?.is_some() {
                return Err(Fault::NameTaken(name.to_owned()));
            }
            tx.execute(
                "INSERT INTO people (name, created_at) VALUES (?1, ?2)",
                params![name, now],
            )?;
            Ok(tx.last_insert_rowid())
        })
    }

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

    /// Says `face` is `person`. Confirmed (the user) replaces any assignment and lifts a
    /// rejection of that person; Automatic/Suggested are ignored when the user confirmed the
    /// face or rejected this person on it.
    pub fn assign_face(
        &mut self,
        face: FaceId,
        person: PersonId,
        provenance: Provenance,
        confidence: Option<f32>,
        now: i64,
    ) -> Result<(), CatalogError> {
        self.write(|tx| {
            require(tx, "faces", face, "face")?;
            assign_one(tx, face, person, provenance, confidence, now)?;
            Ok(())
        })
    }

    /// [`Catalog::assign_face`] for many faces in one transaction (e.g. a clustering run).
    /// Faces that no longer exist are skipped; an unknown person fails the whole batch.
    /// Returns how many assignments were stored (ignored ones — user decisions — excluded).
    pub fn assign_faces(
        &mut self,
        assignments: &[FaceAssignment],
        now: i64,
    ) -> Result<u64, CatalogError> {
        self.write(|tx| {
            let mut stored = 0;
            for a in assignments {
                if assign_one(tx, a.face, a.person, a.provenance, a.confidence, now)? {
                    stored += 1;
                }
            }
            Ok(stored)
        })
    }

    /// "Not this person": drops the face's assignment if it is to `person` and records the
    /// rejection.
    pub fn reject_face(
        &mut self,
        face: FaceId,
        person: PersonId,
        now: i64,
    ) -> Result<(), CatalogError> {
        self.write(|tx| {
            require(tx, "people", person, "person")?;
            require(tx, "faces", face, "face")?;
            tx.execute(
                "DELETE FROM assignments WHERE face_id = ?1 AND person_id = ?2",
                params![face, person],
            )?;
            tx.execute(
                "INSERT INTO rejections (face_id, person_id, decided_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (face_id, person_id) DO UPDATE SET decided_at = excluded.decided_at",
                params![face, person, now],
            )?;
            Ok(())
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

/// Stores one assignment unless automation would override a user decision. Returns
/// whether it was stored (false also when the face does not exist).
fn assign_one(
    c: &Connection,
    face: FaceId,
    person: PersonId,
    provenance: Provenance,
    confidence: Option<f32>,
    now: i64,
) -> Res<bool> {
    require(c, "people", person, "person")?;
    if provenance == Provenance::Confirmed {
        c.prepare_cached("DELETE FROM rejections WHERE face_id = ?1 AND person_id = ?2")?
            .execute(params![face, person])?;
    } else if user_decided(c, face, person)? {
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

fn find_by_name(c: &Connection, name: &str) -> Res<Option<PersonRow>> {
    let sql = format!("{PERSON_SELECT} WHERE name = ?1 COLLATE NOCASE");
    Ok(c.prepare_cached(&sql)?
        .query_row([name], person_from_row)
        .optional()?)
}

/// NotFound unless `table` has a row with `id`.
fn require(c: &Connection, table: &str, id: i64, what: &str) -> Res<()> {
    let sql = format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE id = ?1)");
    let found: bool = c.prepare_cached(&sql)?.query_row([id], |r| r.get(0))?;
    if found {
        Ok(())
    } else {
        Err(Fault::NotFound(format!("{what} {id}")))
    }
}
