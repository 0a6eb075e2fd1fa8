//! The user's people operations and the reads behind the People page. Each write is one
//! catalog transaction recorded as one undoable edit.

use likeness_catalog::{
    Catalog, CatalogError, EditRow, EditSummary, FaceId, FaceRow, PersonId, PersonRow,
    PersonSummary, Provenance, SuggestionRow,
};

use crate::clock::Clock;
use crate::error::EngineError;

/// What naming, moving or merging ended up doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonEdit {
    pub edit: EditSummary,
    /// The person the faces now belong to (for a name that was taken: the person who had it).
    pub person: PersonId,
    /// The name was another person's, so this person was merged into that one.
    pub merged: bool,
    /// A new person was created for the faces.
    pub created: bool,
}

/// Where [`move_faces`] puts faces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveTarget<'a> {
    /// An existing person.
    Person(PersonId),
    /// The person with this name; created when nobody has it yet.
    Named(&'a str),
}

/// One person and the faces the People page shows for it.
#[derive(Debug, Clone)]
pub struct PersonDetail {
    pub person: PersonRow,
    /// Counts and cover (None only if the person vanished between the two reads).
    pub summary: Option<PersonSummary>,
    /// Faces of any provenance, newest photo first (`limit`/`offset` applied).
    pub faces: Vec<FaceRow>,
    /// Its open "Is this X?" suggestions, most confident first.
    pub suggestions: Vec<SuggestionRow>,
}

/// Names (or renames) `person`. If another person already has `name`, the two are the same
/// person: `person` is merged into that one (one undoable edit either way). Naming an
/// unnamed cluster also confirms its faces.
pub fn name(
    catalog: &mut Catalog,
    clock: &dyn Clock,
    person: PersonId,
    name: &str,
) -> Result<PersonEdit, EngineError> {
    let name = valid_name(name)?;
    require_person(catalog, person)?;
    if let Some(other) = catalog.person_by_name(name)? {
        if other.id != person {
            let edit = catalog
                .merge_people(&[person], other.id, clock.now())
                .map_err(op_error)?;
            return Ok(PersonEdit {
                edit,
                person: other.id,
                merged: true,
                created: false,
            });
        }
    }
    let edit = catalog
        .name_person(person, name, clock.now())
        .map_err(op_error)?;
    Ok(PersonEdit {
        edit,
        person,
        merged: false,
        created: false,
    })
}

/// Changes a person's name; `NameTaken` if another person has it (use [`name`] or [`merge`]
/// to say they are the same person).
pub fn rename(
    catalog: &mut Catalog,
    clock: &dyn Clock,
    person: PersonId,
    new_name: &str,
) -> Result<EditSummary, EngineError> {
    let new_name = valid_name(new_name)?;
    require_person(catalog, person)?;
    if let Some(other) = catalog.person_by_name(new_name)? {
        if other.id != person {
            return Err(EngineError::NameTaken {
                name: other.name.unwrap_or_else(|| new_name.to_string()),
            });
        }
    }
    catalog
        .name_person(person, new_name, clock.now())
        .map_err(op_error)
}

/// Merges `from` into `into`: their faces become `into`'s (confirmed), their rejections are
/// carried over, and they are deleted. Undo restores them exactly.
pub fn merge(
    catalog: &mut Catalog,
    clock: &dyn Clock,
    from: &[PersonId],
    into: PersonId,
) -> Result<EditSummary, EngineError> {
    if from.is_empty() {
        return Err(invalid("merge needs at least one person to merge"));
    }
    if from.contains(&into) {
        return Err(invalid("cannot merge a person into itself"));
    }
    require_person(catalog, into)?;
    for &p in from {
        require_person(catalog, p)?;
    }
    catalog
        .merge_people(from, into, clock.now())
        .map_err(op_error)
}

/// Says these faces are `to` (confirmed; lifts a rejection of that person).
pub fn move_faces(
    catalog: &mut Catalog,
    clock: &dyn Clock,
    faces: &[FaceId],
    to: MoveTarget<'_>,
) -> Result<PersonEdit, EngineError> {
    require_faces(catalog, faces)?;
    let existing = match to {
        MoveTarget::Person(p) => {
            require_person(catalog, p)?;
            Some(p)
        }
        MoveTarget::Named(name) => catalog.person_by_name(valid_name(name)?)?.map(|p| p.id),
    };
    if let Some(person) = existing {
        let edit = catalog
            .move_faces(faces, person, clock.now())
            .map_err(op_error)?;
        return Ok(PersonEdit {
            edit,
            person,
            merged: false,
            created: false,
        });
    }
    let name = match to {
        MoveTarget::Named(name) => valid_name(name)?,
        MoveTarget::Person(_) => return Err(invalid("no target person")),
    };
    let (person, edit) = catalog
        .new_person_with_faces(Some(name), faces, clock.now())
        .map_err(op_error)?;
    Ok(PersonEdit {
        edit,
        person,
        merged: false,
        created: true,
    })
}

/// "Not this person": the faces leave `person` (if they were assigned to it) and are never
/// assigned to it again by clustering.
pub fn reject(
    catalog: &mut Catalog,
    clock: &dyn Clock,
    faces: &[FaceId],
    person: PersonId,
) -> Result<EditSummary, EngineError> {
    require_faces(catalog, faces)?;
    require_person(catalog, person)?;
    catalog
        .reject_faces(faces, person, clock.now())
        .map_err(op_error)
}

/// Marks (or unmarks) faces as "not a face": they leave their person and clustering ignores
/// them.
pub fn not_a_face(
    catalog: &mut Catalog,
    clock: &dyn Clock,
    faces: &[FaceId],
    mark: bool,
) -> Result<EditSummary, EngineError> {
    require_faces(catalog, faces)?;
    catalog
        .set_not_face(faces, mark, clock.now())
        .map_err(op_error)
}

/// Hides people from the People page (faces and names stay), or shows them again with
/// `hidden` false: ONE undoable edit for all of them.
pub fn set_hidden(
    catalog: &mut Catalog,
    clock: &dyn Clock,
    people: &[PersonId],
    hidden: bool,
) -> Result<EditSummary, EngineError> {
    if people.is_empty() {
        return Err(invalid(if hidden {
            "no person to hide"
        } else {
            "no person to show"
        }));
    }
    for &p in people {
        require_person(catalog, p)?;
    }
    catalog
        .set_hidden(people, hidden, clock.now())
        .map_err(op_error)
}

/// The face shown for a person; it must be one of the person's (not a suggestion).
pub fn set_cover(
    catalog: &mut Catalog,
    clock: &dyn Clock,
    person: PersonId,
    face: FaceId,
) -> Result<EditSummary, EngineError> {
    require_person(catalog, person)?;
    require_faces(catalog, &[face])?;
    catalog
        .set_cover(person, face, clock.now())
        .map_err(op_error)
}

/// Reverts the latest edit still done.
pub fn undo(catalog: &mut Catalog, clock: &dyn Clock) -> Result<EditSummary, EngineError> {
    catalog
        .undo(clock.now())
        .map_err(op_error)?
        .ok_or(EngineError::NothingToUndo)
}

/// Applies again the edit undone last.
pub fn redo(catalog: &mut Catalog, clock: &dyn Clock) -> Result<EditSummary, EngineError> {
    catalog
        .redo(clock.now())
        .map_err(op_error)?
        .ok_or(EngineError::NothingToRedo)
}

/// The latest edits, newest first.
pub fn history(catalog: &Catalog, limit: usize) -> Result<Vec<EditRow>, EngineError> {
    Ok(catalog.edits(limit)?)
}

/// Open "Is this X?" suggestions (of one person, or all), most confident first.
pub fn suggestions(
    catalog: &Catalog,
    person: Option<PersonId>,
    limit: usize,
) -> Result<Vec<SuggestionRow>, EngineError> {
    if let Some(p) = person {
        require_person(catalog, p)?;
    }
    Ok(catalog.suggestions(person, limit)?)
}

/// "Yes, that is X": each face's suggested person becomes confirmed (one edit).
pub fn accept_suggestions(
    catalog: &mut Catalog,
    clock: &dyn Clock,
    faces: &[FaceId],
) -> Result<EditSummary, EngineError> {
    if faces.is_empty() {
        return Err(invalid("no suggestion to accept"));
    }
    require_faces(catalog, faces)?;
    catalog
        .accept_suggestions(faces, clock.now())
        .map_err(op_error)
}

/// "No, that is not X": each face is rejected for its suggested person — ONE undoable edit
/// for all of them, whichever people were suggested. Faces without a suggestion are
/// `Invalid`.
pub fn reject_suggestions(
    catalog: &mut Catalog,
    clock: &dyn Clock,
    faces: &[FaceId],
) -> Result<EditSummary, EngineError> {
    if faces.is_empty() {
        return Err(invalid("no suggestion to reject"));
    }
    for &face in faces {
        let row = catalog
            .face(face)?
            .ok_or(EngineError::UnknownFace { id: face })?;
        if !matches!(row.person, Some((_, Provenance::Suggested))) {
            return Err(invalid(&format!("face {face} has no suggestion")));
        }
    }
    catalog
        .reject_suggestions(faces, clock.now())
        .map_err(op_error)
}

/// "No, these are not the same person" for each `(from, into)` pair of merge suggestions
/// (ONE undoable edit): the pairs are never suggested again, and clustering never hands a
/// group of one to the other.
pub fn not_same_person(
    catalog: &mut Catalog,
    clock: &dyn Clock,
    pairs: &[(PersonId, PersonId)],
) -> Result<EditSummary, EngineError> {
    if pairs.is_empty() {
        return Err(invalid("no pair of people given"));
    }
    for &(a, b) in pairs {
        require_person(catalog, a)?;
        require_person(catalog, b)?;
    }
    catalog
        .set_distinct(pairs, true, clock.now())
        .map_err(op_error)
}

/// The unsorted faces: in no person (loners, faces below the quality bar, strangers; a
/// suggestion does not count as a person), not "not a face". Best quality first; `limit`
/// from `offset`, with the total.
#[derive(Debug, Clone)]
pub struct Unsorted {
    pub faces: Vec<FaceRow>,
    pub total: u64,
}

/// See [`Unsorted`].
pub fn unsorted(catalog: &Catalog, limit: usize, offset: usize) -> Result<Unsorted, EngineError> {
    Ok(Unsorted {
        faces: catalog.unsorted_faces(limit, offset)?,
        total: catalog.unsorted_count()?,
    })
}

/// The People page: every person (hidden ones too if asked), biggest first.
pub fn overview(
    catalog: &Catalog,
    include_hidden: bool,
) -> Result<Vec<PersonSummary>, EngineError> {
    Ok(catalog.people_overview(include_hidden)?)
}

/// One person: counts, faces (`limit` from `offset`, newest photo first) and suggestions.
pub fn person_detail(
    catalog: &Catalog,
    person: PersonId,
    limit: usize,
    offset: usize,
) -> Result<PersonDetail, EngineError> {
    let row = catalog
        .person(person)?
        .ok_or(EngineError::UnknownPersonId { id: person })?;
    let summary = catalog
        .people_overview(true)?
        .into_iter()
        .find(|s| s.id == person);
    Ok(PersonDetail {
        person: row,
        summary,
        faces: catalog.person_faces(person, limit, offset)?,
        suggestions: catalog.suggestions(Some(person), limit)?,
    })
}

fn valid_name(name: &str) -> Result<&str, EngineError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(invalid("a name cannot be empty"));
    }
    if name.starts_with('#') || name.parse::<i64>().is_ok() {
        return Err(invalid(&format!(
            "{name:?} would read as a person id: choose a name that is not a number"
        )));
    }
    Ok(name)
}

fn invalid(message: &str) -> EngineError {
    EngineError::Invalid {
        message: message.to_string(),
    }
}

fn require_person(catalog: &Catalog, person: PersonId) -> Result<(), EngineError> {
    match catalog.person(person)? {
        Some(_) => Ok(()),
        None => Err(EngineError::UnknownPersonId { id: person }),
    }
}

fn require_faces(catalog: &Catalog, faces: &[FaceId]) -> Result<(), EngineError> {
    if faces.is_empty() {
        return Err(invalid("no face given"));
    }
    for &face in faces {
        if catalog.face(face)?.is_none() {
            return Err(EngineError::UnknownFace { id: face });
        }
    }
    Ok(())
}

/// A catalog operation's refusal → the engine's typed error (other failures stay Catalog).
fn op_error(e: CatalogError) -> EngineError {
    match e {
        CatalogError::NotFound { what, .. } => {
            let id = what
                .rsplit(' ')
                .next()
                .and_then(|n| n.parse::<i64>().ok())
                .unwrap_or(0);
            if what.starts_with("person") {
                EngineError::UnknownPersonId { id }
            } else if what.starts_with("face") {
                EngineError::UnknownFace { id }
            } else {
                EngineError::Invalid {
                    message: format!("no {what}"),
                }
            }
        }
        CatalogError::NameTaken { name, .. } => EngineError::NameTaken { name },
        CatalogError::Invalid { message, .. } => EngineError::Invalid { message },
        other => EngineError::Catalog(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct At(i64);

    impl Clock for At {
        fn now(&self) -> i64 {
            self.0
        }
    }

    #[test]
    fn hiding_three_people_is_one_edit_and_one_undo() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut cat = Catalog::open(&dir.path().join("c.sqlite")).expect("open");
        let people: Vec<PersonId> = ["Ann", "Bob", "Cy"]
            .iter()
            .map(|n| cat.create_person(n, 1).expect("person"))
            .collect();
        let hidden = |cat: &Catalog| -> Vec<bool> {
            let rows = cat.people().expect("people");
            rows.iter().map(|p| p.hidden).collect()
        };
        let before = history(&cat, 100).expect("history").len();
        let edit = set_hidden(&mut cat, &At(2), &people, true).expect("hide");
        assert_eq!(edit.label, "hid 3 people");
        assert_eq!(history(&cat, 100).expect("history").len(), before + 1);
        assert_eq!(hidden(&cat), vec![true; 3]);
        let undone = undo(&mut cat, &At(3)).expect("undo");
        assert_eq!(undone.id, edit.id);
        assert_eq!(hidden(&cat), vec![false; 3], "one undo shows all three");
        redo(&mut cat, &At(4)).expect("redo");
        assert_eq!(hidden(&cat), vec![true; 3]);
        set_hidden(&mut cat, &At(5), &people, false).expect("show");
        assert_eq!(hidden(&cat), vec![false; 3]);
        assert!(matches!(
            set_hidden(&mut cat, &At(6), &[], true),
            Err(EngineError::Invalid { .. })
        ));
        assert!(set_hidden(&mut cat, &At(6), &[people[0], 9_999], true).is_err());
        assert_eq!(
            hidden(&cat),
            vec![false; 3],
            "an unknown person changes nothing"
        );
    }
}
