//! The user's edits of people. Each is ONE IMMEDIATE transaction that also records its edit
//! (before/after row images, see `edits`) and returns an [`EditSummary`].
//!
//! Edits that take faces away from an unnamed, non-hidden person delete it when it is left
//! with no assignment (undo re-creates it with its id).

use std::collections::BTreeSet;

use rusqlite::{params, Connection, OptionalExtension};

use crate::db::Catalog;
use crate::edits::{emptiable_owners, Keys, Recorder};
use crate::error::{CatalogError, Fault, Res};
use crate::faces::put_assignment;
use crate::people::{
    check_name, confirm, drop_empty_unnamed, get_person, insert_person, label_of, next_person_id,
    rejected, require_faces,
};
use crate::types::{EditKind, EditSummary, FaceId, PersonId, Provenance};

impl Catalog {
    /// Creates a named person. Names are unique ignoring ASCII case (NameTaken otherwise).
    /// Recorded as an edit (undo deletes the person again). The id comes from the
    /// never-reused person counter.
    pub fn create_person(&mut self, name: &str, now: i64) -> Result<PersonId, CatalogError> {
        self.write(|tx| {
            let name = check_name(tx, name, None)?;
            let id = next_person_id(tx)?;
            let keys = Keys {
                people: [id].into(),
                ..Keys::default()
            };
            let rec = Recorder::start(tx, keys)?;
            insert_person(tx, id, Some(&name), now)?;
            rec.finish(tx, EditKind::CreatePerson, format!("created {name:?}"), now)?;
            Ok(id)
        })
    }

    /// Sets or changes a person's name (trimmed). Naming an UNNAMED person also confirms its
    /// Automatic faces (the user accepted the group). NameTaken if another person has the
    /// name (ignoring ASCII case), Invalid if empty, NotFound for an unknown person.
    pub fn name_person(
        &mut self,
        person: PersonId,
        name: &str,
        now: i64,
    ) -> Result<EditSummary, CatalogError> {
        self.write(|tx| {
            let row = get_person(tx, person)?;
            let name = check_name(tx, name, Some(person))?;
            let mut keys = Keys::default();
            keys.people.insert(person);
            if row.name.is_none() {
                keys.assignments
                    .extend(faces_of(tx, person, Some(Provenance::Automatic))?);
            }
            let rec = Recorder::start(tx, keys)?;
            tx.prepare_cached("UPDATE people SET name = ?2 WHERE id = ?1")?
                .execute(params![person, name])?;
            if row.name.is_none() {
                tx.prepare_cached(
                    "UPDATE assignments SET provenance = 'confirmed', decided_at = ?2
                     WHERE person_id = ?1 AND provenance = 'automatic'",
                )?
                .execute(params![person, now])?;
            }
            let label = match &row.name {
                None => format!("named person {person} {name:?}"),
                Some(old) => format!("renamed {old:?} to {name:?}"),
            };
            rec.finish(tx, EditKind::Name, label, now)
        })
    }

    /// Merges `from` into `into`: from's Automatic and Confirmed faces go to `into` as
    /// Confirmed (an Automatic face the user had rejected from `into` is left unassigned; a
    /// Confirmed one lifts that rejection), Suggested ones stay Suggested; from's rejections
    /// are carried to `into` (unless the face is confirmed to `into`); the `from` rows are
    /// deleted. An unnamed `into` takes the first named `from`'s name; an `into` without a
    /// cover takes the first `from` cover. Undo (= unmerge) restores everything exactly.
    pub fn merge_people(
        &mut self,
        from: &[PersonId],
        into: PersonId,
        now: i64,
    ) -> Result<EditSummary, CatalogError> {
        self.write(|tx| {
            let target = get_person(tx, into)?;
            let from: BTreeSet<PersonId> = from.iter().copied().collect();
            if from.is_empty() {
                return Err(Fault::Invalid("no people to merge".into()));
            }
            if from.contains(&into) {
                return Err(Fault::Invalid(format!(
                    "cannot merge person {into} into itself"
                )));
            }
            let mut sources = Vec::new();
            for &p in &from {
                sources.push(get_person(tx, p)?);
            }
            let mut keys = Keys::default();
            keys.people.insert(into);
            let mut moved: Vec<(FaceId, Provenance, Option<f32>)> = Vec::new();
            let mut carried: Vec<(FaceId, i64)> = Vec::new();
            for &p in &from {
                keys.add_deletable(tx, p)?;
                moved.extend(assignments_of(tx, p)?);
                carried.extend(rejections_of(tx, p)?);
            }
            for &(f, _, _) in &moved {
                keys.assignments.insert(f);
                keys.rejections.insert((f, into));
            }
            for &(f, _) in &carried {
                keys.assignments.insert(f);
                keys.rejections.insert((f, into));
            }
            let rec = Recorder::start(tx, keys)?;

            for &(face, provenance, confidence) in &moved {
                match provenance {
                    Provenance::Confirmed => confirm(tx, face, into, confidence, now)?,
                    _ if rejected(tx, face, into)? => delete_assignment(tx, face)?,
                    Provenance::Automatic => {
                        put_assignment(tx, face, into, Provenance::Confirmed, confidence, now)?;
                    }
                    Provenance::Suggested => {
                        put_assignment(tx, face, into, Provenance::Suggested, confidence, now)?;
                    }
                }
            }
            for &(face, at) in &carried {
                let confirmed_into: bool = tx
                    .prepare_cached(
                        "SELECT EXISTS (SELECT 1 FROM assignments WHERE face_id = ?1
                             AND person_id = ?2 AND provenance = 'confirmed')",
                    )?
                    .query_row(params![face, into], |r| r.get(0))?;
                if confirmed_into {
                    continue;
                }
                tx.prepare_cached("DELETE FROM assignments WHERE face_id = ?1 AND person_id = ?2")?
                    .execute(params![face, into])?;
                tx.prepare_cached(
                    "INSERT INTO rejections (face_id, person_id, decided_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT DO NOTHING",
                )?
                .execute(params![face, into, at])?;
            }
            for p in &sources {
                tx.prepare_cached("DELETE FROM people WHERE id = ?1")?
                    .execute([p.id])?;
            }
            if target.name.is_none() {
                if let Some(name) = sources.iter().find_map(|p| p.name.as_deref()) {
                    tx.prepare_cached("UPDATE people SET name = ?2 WHERE id = ?1")?
                        .execute(params![into, name])?;
                }
            }
            if target.cover_face.is_none() {
                for cover in sources.iter().filter_map(|p| p.cover_face) {
                    let n = tx
                        .prepare_cached(
                            "UPDATE people SET cover_face_id = ?2 WHERE id = ?1 AND EXISTS (
                                 SELECT 1 FROM assignments WHERE face_id = ?2
                                     AND person_id = ?1 AND provenance <> 'suggested')",
                        )?
                        .execute(params![into, cover])?;
                    if n > 0 {
                        break;
                    }
                }
            }
            let names: Vec<String> = sources.iter().map(label_of).collect();
            let label = format!("merged {} into {}", names.join(", "), label_of(&target));
            rec.finish(tx, EditKind::Merge, label, now)
        })
    }

    /// The user says these faces are `to`: Confirmed (lifting a rejection of `to` and a
    /// "not a face" mark).
    pub fn move_faces(
        &mut self,
        faces: &[FaceId],
        to: PersonId,
        now: i64,
    ) -> Result<EditSummary, CatalogError> {
        self.write(|tx| {
            let target = get_person(tx, to)?;
            let faces = require_faces(tx, faces)?;
            let mut keys = Keys::default();
            let rec_keys = move_keys(tx, &faces, to, &mut keys)?;
            let rec = Recorder::start(tx, keys)?;
            move_into(tx, &faces, to, &rec_keys, now)?;
            let label = format!("moved {} to {}", n_faces(faces.len()), label_of(&target));
            rec.finish(tx, EditKind::MoveFaces, label, now)
        })
    }

    /// A new person (named, or unnamed with `None`) with these faces Confirmed to it. Invalid
    /// when unnamed and without faces.
    pub fn new_person_with_faces(
        &mut self,
        name: Option<&str>,
        faces: &[FaceId],
        now: i64,
    ) -> Result<(PersonId, EditSummary), CatalogError> {
        self.write(|tx| {
            let name = name.map(|n| check_name(tx, n, None)).transpose()?;
            let faces = if faces.is_empty() && name.is_some() {
                Vec::new()
            } else {
                require_faces(tx, faces)?
            };
            let id = next_person_id(tx)?;
            let mut keys = Keys::default();
            keys.people.insert(id);
            let owners = move_keys(tx, &faces, id, &mut keys)?;
            let rec = Recorder::start(tx, keys)?;
            insert_person(tx, id, name.as_deref(), now)?;
            move_into(tx, &faces, id, &owners, now)?;
            let who = match &name {
                Some(n) => format!("{n:?}"),
                None => format!("unnamed person {id}"),
            };
            let label = format!("new person {who} with {}", n_faces(faces.len()));
            Ok((id, rec.finish(tx, EditKind::NewPerson, label, now)?))
        })
    }

    /// "Not this person": drops each face's assignment if it is to `person` and records the
    /// rejections.
    pub fn reject_faces(
        &mut self,
        faces: &[FaceId],
        person: PersonId,
        now: i64,
    ) -> Result<EditSummary, CatalogError> {
        self.write(|tx| {
            let row = get_person(tx, person)?;
            let faces = require_faces(tx, faces)?;
            let mut keys = Keys::default();
            let mut candidates = BTreeSet::new();
            if row.name.is_none() && !row.hidden {
                keys.add_deletable(tx, person)?;
                candidates.insert(person);
            } else {
                keys.people.insert(person);
            }
            for &f in &faces {
                keys.assignments.insert(f);
                keys.rejections.insert((f, person));
            }
            let rec = Recorder::start(tx, keys)?;
            for &f in &faces {
                tx.prepare_cached("DELETE FROM assignments WHERE face_id = ?1 AND person_id = ?2")?
                    .execute(params![f, person])?;
                tx.prepare_cached(
                    "INSERT INTO rejections (face_id, person_id, decided_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (face_id, person_id) DO UPDATE SET decided_at = excluded.decided_at",
                )?
                .execute(params![f, person, now])?;
            }
            drop_empty_unnamed(tx, &candidates)?;
            let label = format!("{} not {}", n_faces(faces.len()), label_of(&row));
            rec.finish(tx, EditKind::Reject, label, now)
        })
    }

    /// Marks (`true`) or unmarks faces "not a face". Marking drops the face's assignment.
    pub fn set_not_face(
        &mut self,
        faces: &[FaceId],
        not_face: bool,
        now: i64,
    ) -> Result<EditSummary, CatalogError> {
        self.write(|tx| {
            let faces = require_faces(tx, faces)?;
            let mut keys = Keys::default();
            keys.not_face.extend(&faces);
            let mut candidates = BTreeSet::new();
            if not_face {
                keys.assignments.extend(&faces);
                candidates = emptiable_owners(tx, &faces, None, &mut keys)?;
            }
            let rec = Recorder::start(tx, keys)?;
            for &f in &faces {
                tx.prepare_cached("UPDATE faces SET not_face = ?2 WHERE id = ?1")?
                    .execute(params![f, not_face])?;
                if not_face {
                    delete_assignment(tx, f)?;
                }
            }
            drop_empty_unnamed(tx, &candidates)?;
            let label = if not_face {
                format!("marked {} not a face", n_faces(faces.len()))
            } else {
                format!("unmarked {} not a face", n_faces(faces.len()))
            };
            rec.finish(tx, EditKind::NotFace, label, now)
        })
    }

    /// "Not the same person" for each pair (or, with `distinct` false, takes that back): ONE
    /// edit for all of them. Merge suggestions never offer such a pair again, and clustering
    /// never hands a group that was one of them to the other. NotFound for an unknown
    /// person, Invalid for a pair of one person or no pair.
    pub fn set_distinct(
        &mut self,
        pairs: &[(PersonId, PersonId)],
        distinct: bool,
        now: i64,
    ) -> Result<EditSummary, CatalogError> {
        self.write(|tx| {
            let mut keys = Keys::default();
            let mut rows = Vec::new();
            for &(x, y) in pairs {
                if x == y {
                    return Err(Fault::Invalid(format!(
                        "person {x} cannot be told apart from itself"
                    )));
                }
                let (a, b) = (x.min(y), x.max(y));
                if keys.distinct.insert((a, b)) {
                    rows.push((get_person(tx, a)?, get_person(tx, b)?));
                }
                keys.people.insert(a);
                keys.people.insert(b);
            }
            let label = match rows.as_slice() {
                [] => return Err(Fault::Invalid("no pair of people given".into())),
                [(a, b)] if distinct => {
                    format!(
                        "{} and {} are not the same person",
                        label_of(a),
                        label_of(b)
                    )
                }
                [(a, b)] => format!("{} and {} may be the same person", label_of(a), label_of(b)),
                many if distinct => format!("{} pairs are not the same person", many.len()),
                many => format!("{} pairs may be the same person", many.len()),
            };
            let pairs: Vec<(PersonId, PersonId)> = keys.distinct.iter().copied().collect();
            let rec = Recorder::start(tx, keys)?;
            for (a, b) in pairs {
                if distinct {
                    tx.prepare_cached(
                        "INSERT INTO distinct_people (a, b, decided_at) VALUES (?1, ?2, ?3)
                         ON CONFLICT (a, b) DO NOTHING",
                    )?
                    .execute(params![a, b, now])?;
                } else {
                    tx.prepare_cached("DELETE FROM distinct_people WHERE a = ?1 AND b = ?2")?
                        .execute(params![a, b])?;
                }
            }
            rec.finish(tx, EditKind::Distinct, label, now)
        })
    }

    /// Hides or shows people on the People page: ONE edit for all of them (one undo shows
    /// or hides them all again). Duplicates are ignored; Invalid if none is given, NotFound
    /// (nothing changed) for an unknown person.
    pub fn set_hidden(
        &mut self,
        people: &[PersonId],
        hidden: bool,
        now: i64,
    ) -> Result<EditSummary, CatalogError> {
        self.write(|tx| {
            let ids: BTreeSet<PersonId> = people.iter().copied().collect();
            let rows = ids
                .iter()
                .map(|&p| get_person(tx, p))
                .collect::<Res<Vec<_>>>()?;
            let who = match rows.as_slice() {
                [] => return Err(Fault::Invalid("no people given".into())),
                [one] => label_of(one),
                many => format!("{} people", many.len()),
            };
            let keys = Keys {
                people: ids.clone(),
                ..Keys::default()
            };
            let rec = Recorder::start(tx, keys)?;
            let mut st = tx.prepare_cached("UPDATE people SET hidden = ?2 WHERE id = ?1")?;
            for p in &ids {
                st.execute(params![p, hidden])?;
            }
            let verb = if hidden { "hid" } else { "showed" };
            rec.finish(tx, EditKind::Hidden, format!("{verb} {who}"), now)
        })
    }

    /// Sets a person's cover face. Invalid unless the face is assigned (Confirmed or
    /// Automatic, not Suggested) to that person.
    pub fn set_cover(
        &mut self,
        person: PersonId,
        face: FaceId,
        now: i64,
    ) -> Result<EditSummary, CatalogError> {
        self.write(|tx| {
            let row = get_person(tx, person)?;
            require_faces(tx, &[face])?;
            let assigned: bool = tx
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM assignments WHERE face_id = ?1
                         AND person_id = ?2 AND provenance <> 'suggested')",
                )?
                .query_row(params![face, person], |r| r.get(0))?;
            if !assigned {
                return Err(Fault::Invalid(format!(
                    "face {face} is not assigned to person {person}"
                )));
            }
            let keys = Keys {
                people: [person].into(),
                ..Keys::default()
            };
            let rec = Recorder::start(tx, keys)?;
            tx.prepare_cached("UPDATE people SET cover_face_id = ?2 WHERE id = ?1")?
                .execute(params![person, face])?;
            let label = format!("cover of {} set to face {face}", label_of(&row));
            rec.finish(tx, EditKind::Cover, label, now)
        })
    }

    /// Accepts each face's suggestion: Suggested → Confirmed. Faces without a suggestion are
    /// skipped; Invalid if none of them has one.
    pub fn accept_suggestions(
        &mut self,
        faces: &[FaceId],
        now: i64,
    ) -> Result<EditSummary, CatalogError> {
        self.write(|tx| {
            let faces = require_faces(tx, faces)?;
            let mut keys = Keys::default();
            let mut accepted = Vec::new();
            for &f in &faces {
                if let Some(p) = suggested_person(tx, f)? {
                    keys.assignments.insert(f);
                    keys.rejections.insert((f, p));
                    accepted.push((f, p));
                }
            }
            if accepted.is_empty() {
                return Err(Fault::Invalid(
                    "none of these faces has a suggestion".into(),
                ));
            }
            let rec = Recorder::start(tx, keys)?;
            for &(f, p) in &accepted {
                tx.prepare_cached(
                    "UPDATE assignments SET provenance = 'confirmed', decided_at = ?2
                     WHERE face_id = ?1",
                )?
                .execute(params![f, now])?;
                tx.prepare_cached("DELETE FROM rejections WHERE face_id = ?1 AND person_id = ?2")?
                    .execute(params![f, p])?;
            }
            let label = format!("accepted {}", plural(accepted.len(), "suggestion"));
            rec.finish(tx, EditKind::AcceptSuggestions, label, now)
        })
    }

    /// "No, that is not X" for many suggestions: each face's Suggested assignment goes and
    /// the face is rejected for that person — ONE edit (`Reject`) for all of them, whatever
    /// the people. Faces without a suggestion are skipped; Invalid if none of them has one.
    pub fn reject_suggestions(
        &mut self,
        faces: &[FaceId],
        now: i64,
    ) -> Result<EditSummary, CatalogError> {
        self.write(|tx| {
            let faces = require_faces(tx, faces)?;
            let mut keys = Keys::default();
            let mut rejected = Vec::new();
            for &f in &faces {
                if let Some(p) = suggested_person(tx, f)? {
                    rejected.push((f, p));
                }
            }
            if rejected.is_empty() {
                return Err(Fault::Invalid(
                    "none of these faces has a suggestion".into(),
                ));
            }
            // A suggestion's person may be an unnamed cluster the rejection leaves empty.
            let mut candidates = BTreeSet::new();
            for &(f, p) in &rejected {
                keys.assignments.insert(f);
                keys.rejections.insert((f, p));
                let row = get_person(tx, p)?;
                if row.name.is_none() && !row.hidden {
                    if candidates.insert(p) {
                        keys.add_deletable(tx, p)?;
                    }
                } else {
                    keys.people.insert(p);
                }
            }
            let rec = Recorder::start(tx, keys)?;
            for &(f, p) in &rejected {
                tx.prepare_cached("DELETE FROM assignments WHERE face_id = ?1 AND person_id = ?2")?
                    .execute(params![f, p])?;
                tx.prepare_cached(
                    "INSERT INTO rejections (face_id, person_id, decided_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (face_id, person_id) DO UPDATE SET decided_at = excluded.decided_at",
                )?
                .execute(params![f, p, now])?;
            }
            drop_empty_unnamed(tx, &candidates)?;
            let label = format!("rejected {}", plural(rejected.len(), "suggestion"));
            rec.finish(tx, EditKind::Reject, label, now)
        })
    }
}

/// Keys of moving `faces` to `to`; returns the unnamed owners the move may leave empty.
fn move_keys(
    c: &Connection,
    faces: &[FaceId],
    to: PersonId,
    keys: &mut Keys,
) -> Res<BTreeSet<PersonId>> {
    keys.people.insert(to);
    for &f in faces {
        keys.assignments.insert(f);
        keys.rejections.insert((f, to));
        keys.not_face.insert(f);
    }
    emptiable_owners(c, faces, Some(to), keys)
}

fn move_into(
    c: &Connection,
    faces: &[FaceId],
    to: PersonId,
    owners: &BTreeSet<PersonId>,
    now: i64,
) -> Res<()> {
    for &f in faces {
        confirm(c, f, to, None, now)?;
    }
    drop_empty_unnamed(c, owners)?;
    Ok(())
}

/// Face ids assigned to `person` (with that provenance, or any).
fn faces_of(c: &Connection, person: PersonId, provenance: Option<Provenance>) -> Res<Vec<FaceId>> {
    let mut st = c.prepare_cached(
        "SELECT face_id FROM assignments WHERE person_id = ?1 AND (?2 IS NULL OR provenance = ?2)",
    )?;
    let rows = st.query_map(params![person, provenance], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn assignments_of(c: &Connection, person: PersonId) -> Res<Vec<(FaceId, Provenance, Option<f32>)>> {
    let mut st = c.prepare_cached(
        "SELECT face_id, provenance, confidence FROM assignments WHERE person_id = ?1",
    )?;
    let rows = st.query_map([person], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn rejections_of(c: &Connection, person: PersonId) -> Res<Vec<(FaceId, i64)>> {
    let mut st =
        c.prepare_cached("SELECT face_id, decided_at FROM rejections WHERE person_id = ?1")?;
    let rows = st.query_map([person], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The person `face` is suggested for, if it has a suggestion.
fn suggested_person(c: &Connection, face: FaceId) -> Res<Option<PersonId>> {
    Ok(c.prepare_cached(
        "SELECT person_id FROM assignments WHERE face_id = ?1 AND provenance = 'suggested'",
    )?
    .query_row([face], |r| r.get(0))
    .optional()?)
}

fn delete_assignment(c: &Connection, face: FaceId) -> Res<()> {
    c.prepare_cached("DELETE FROM assignments WHERE face_id = ?1")?
        .execute([face])?;
    Ok(())
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn n_faces(n: usize) -> String {
    plural(n, "face")
}
