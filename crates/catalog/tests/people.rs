//! People edits with undo/redo, clustering storage, and the people reads — on real SQLite
//! files.

mod common;

use common::*;
use likeness_catalog::*;

/// Six photos with two faces each, and people:
/// Ann (named): f[0][0], f[1][0] confirmed, f[2][0] automatic, f[4][0] suggested;
/// Bob (named): f[0][1] confirmed, f[3][0] suggested; rejection f[5][1] not Ann;
/// unnamed U: f[3][1], f[4][1], f[5][0] automatic; unnamed V: f[2][1] automatic.
struct World {
    f: Fixture,
    faces: Vec<[FaceId; 2]>,
    photos: Vec<PhotoId>,
    ann: PersonId,
    bob: PersonId,
    u: PersonId,
    v: PersonId,
}

fn world() -> World {
    let mut f = fixture();
    let names = ["p0.jpg", "p1.jpg", "p2.jpg", "p3.jpg", "p4.jpg", "p5.jpg"];
    let ids = f.add_files(&names);
    let mut faces = Vec::new();
    let mut photos = Vec::new();
    for (i, &file) in ids.iter().enumerate() {
        let photo = f.analyze(file, i as u8 + 1, &[BOX_A, BOX_B]);
        let rows = f.cat.faces_of_photo(photo).expect("faces");
        faces.push([rows[0].id, rows[1].id]);
        photos.push(photo);
    }
    let ann = f.cat.create_person("Ann", 10).expect("ann");
    let bob = f.cat.create_person("Bob", 11).expect("bob");
    f.cat
        .move_faces(&[faces[0][0], faces[1][0]], ann, 12)
        .expect("move");
    f.cat.move_faces(&[faces[0][1]], bob, 13).expect("move");
    f.cat.reject_faces(&[faces[5][1]], ann, 14).expect("reject");
    let plan = ClusteringPlan {
        faces: vec![
            faces[2][0],
            faces[2][1],
            faces[3][0],
            faces[3][1],
            faces[4][0],
            faces[4][1],
            faces[5][0],
            faces[5][1],
        ],
        clusters: vec![
            PlannedCluster {
                target: ClusterTarget::Person(ann, Provenance::Automatic),
                faces: vec![(faces[2][0], 0.9)],
            },
            PlannedCluster {
                target: ClusterTarget::Unnamed(None),
                faces: vec![(faces[3][1], 0.8), (faces[4][1], 0.8), (faces[5][0], 0.7)],
            },
            PlannedCluster {
                target: ClusterTarget::Unnamed(None),
                faces: vec![(faces[2][1], 0.6)],
            },
        ],
        suggestions: vec![
            suggestion(faces[3][0], bob, 0.7),
            suggestion(faces[4][0], ann, 0.8),
        ],
    };
    let applied = f.cat.apply_clustering(&plan, 20).expect("cluster");
    assert_eq!(
        (applied.assigned, applied.suggested, applied.people_created),
        (5, 2, 2),
        "{applied:?}"
    );
    let u = person_of(&f, faces[3][1]);
    let v = person_of(&f, faces[2][1]);
    World {
        f,
        faces,
        photos,
        ann,
        bob,
        u,
        v,
    }
}

fn suggestion(face: FaceId, person: PersonId, confidence: f32) -> FaceAssignment {
    FaceAssignment {
        face,
        person,
        provenance: Provenance::Suggested,
        confidence: Some(confidence),
    }
}

fn person_of(f: &Fixture, face: FaceId) -> PersonId {
    f.cat
        .face(face)
        .expect("face")
        .expect("exists")
        .person
        .expect("assigned")
        .0
}

fn assignment(f: &Fixture, face: FaceId) -> Option<(PersonId, Provenance)> {
    f.cat.face(face).expect("face").expect("exists").person
}

type State = (CatalogSnapshot, Decisions, Vec<PersonRow>);

fn state(f: &Fixture) -> State {
    let people = f.cat.people().expect("people");
    (
        f.cat.snapshot().expect("snapshot"),
        f.cat.decisions().expect("decisions"),
        people,
    )
}

fn assert_same(a: &State, b: &State, what: &str) {
    assert_eq!(a.0.diff(&b.0), Vec::<String>::new(), "{what}: snapshot");
    assert_eq!(a.1, b.1, "{what}: decisions");
    let ids = |p: &[PersonRow]| {
        p.iter()
            .map(|r| (r.id, r.name.clone(), r.hidden, r.cover_face, r.created_at))
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&a.2), ids(&b.2), "{what}: people rows");
}

/// Runs `op`, then undo (back to before), redo (back to after), undo, redo.
fn round_trip(w: &mut World, what: &str, op: impl FnOnce(&mut World) -> EditSummary) {
    let before = state(&w.f);
    let edit = op(w);
    let after = state(&w.f);
    assert_ne!(
        before.0.diff(&after.0),
        Vec::<String>::new(),
        "{what} changed nothing"
    );
    let undone =
        w.f.cat
            .undo(1000)
            .expect("undo")
            .expect("something to undo");
    assert_eq!((undone.id, undone.kind), (edit.id, edit.kind), "{what}");
    assert_eq!(undone.skipped_faces, 0);
    assert_same(&state(&w.f), &before, &format!("{what} undone"));
    let redone =
        w.f.cat
            .redo(1001)
            .expect("redo")
            .expect("something to redo");
    assert_eq!(redone.id, edit.id);
    assert_same(&state(&w.f), &after, &format!("{what} redone"));
    w.f.cat.undo(1002).expect("undo").expect("again");
    assert_same(&state(&w.f), &before, &format!("{what} undone twice"));
    w.f.cat.redo(1003).expect("redo").expect("again");
    assert_same(&state(&w.f), &after, &format!("{what} redone twice"));
    assert!(
        w.f.cat.redo(1004).expect("redo").is_none(),
        "nothing more to redo"
    );
}

#[test]
fn world_is_as_described() {
    let w = world();
    assert_eq!(
        assignment(&w.f, w.faces[0][0]),
        Some((w.ann, Provenance::Confirmed))
    );
    assert_eq!(
        assignment(&w.f, w.faces[2][0]),
        Some((w.ann, Provenance::Automatic))
    );
    assert_eq!(
        assignment(&w.f, w.faces[4][0]),
        Some((w.ann, Provenance::Suggested))
    );
    assert_eq!(assignment(&w.f, w.faces[5][1]), None, "rejected from Ann");
    assert_eq!(person_of(&w.f, w.faces[5][0]), w.u);
    assert_ne!(w.u, w.v);
    let d = w.f.cat.decisions().expect("decisions");
    assert_eq!(d.people.len(), 2, "named only: {d:?}");
    assert_eq!(d.confirmed.len(), 3);
    assert_eq!(
        d.rejections.iter().copied().collect::<Vec<_>>(),
        vec![(w.faces[5][1], w.ann)]
    );
    assert!(d.not_face.is_empty());
    // The history holds the user's edits only (not the clustering run).
    let kinds: Vec<EditKind> =
        w.f.cat
            .edits(10)
            .expect("edits")
            .iter()
            .map(|e| e.kind)
            .collect();
    assert_eq!(
        kinds,
        vec![
            EditKind::Reject,
            EditKind::MoveFaces,
            EditKind::MoveFaces,
            EditKind::CreatePerson,
            EditKind::CreatePerson
        ]
    );
}

#[test]
fn naming_an_unnamed_person_confirms_its_faces_and_undo_restores() {
    let mut w = world();
    let u = w.u;
    round_trip(&mut w, "name unnamed", |w| {
        w.f.cat.name_person(u, "  Cleo ", 100).expect("name")
    });
    assert_eq!(
        w.f.cat.person(u).expect("p").expect("some").name.as_deref(),
        Some("Cleo")
    );
    for face in [w.faces[3][1], w.faces[4][1], w.faces[5][0]] {
        assert_eq!(assignment(&w.f, face), Some((u, Provenance::Confirmed)));
    }
    let ann = w.ann;
    round_trip(&mut w, "rename", |w| {
        w.f.cat.name_person(ann, "Anne", 101).expect("rename")
    });
    // Changing only the case of one's own name is allowed.
    w.f.cat.name_person(ann, "ANNE", 102).expect("case");
}

#[test]
fn names_are_validated() {
    let mut w = world();
    let err = w.f.cat.name_person(w.u, "ann", 100).expect_err("taken");
    assert!(
        matches!(err, CatalogError::NameTaken { ref name, .. } if name == "ann"),
        "{err}"
    );
    let err = w.f.cat.name_person(w.u, "   ", 100).expect_err("empty");
    assert!(matches!(err, CatalogError::Invalid { .. }), "{err}");
    let err = w.f.cat.name_person(9999, "Zed", 100).expect_err("unknown");
    assert!(matches!(err, CatalogError::NotFound { .. }), "{err}");
    let err = w.f.cat.create_person("BOB", 100).expect_err("taken");
    assert!(matches!(err, CatalogError::NameTaken { .. }), "{err}");
    let err =
        w.f.cat
            .new_person_with_faces(Some("bob"), &[w.faces[1][1]], 100)
            .expect_err("taken");
    assert!(matches!(err, CatalogError::NameTaken { .. }), "{err}");
    let err =
        w.f.cat
            .move_faces(&[w.faces[1][1], 99_999], w.bob, 100)
            .expect_err("face");
    assert!(matches!(err, CatalogError::NotFound { .. }), "{err}");
    let err = w.f.cat.move_faces(&[], w.bob, 100).expect_err("no faces");
    assert!(matches!(err, CatalogError::Invalid { .. }), "{err}");
    let err =
        w.f.cat
            .set_cover(w.ann, w.faces[0][1], 100)
            .expect_err("Bob's face");
    assert!(matches!(err, CatalogError::Invalid { .. }), "{err}");
    let err =
        w.f.cat
            .set_cover(w.ann, w.faces[4][0], 100)
            .expect_err("suggested");
    assert!(matches!(err, CatalogError::Invalid { .. }), "{err}");
    let err =
        w.f.cat
            .merge_people(&[w.ann], w.ann, 100)
            .expect_err("itself");
    assert!(matches!(err, CatalogError::Invalid { .. }), "{err}");
    let err =
        w.f.cat
            .merge_people(&[4242], w.ann, 100)
            .expect_err("unknown");
    assert!(matches!(err, CatalogError::NotFound { .. }), "{err}");
    let err =
        w.f.cat
            .accept_suggestions(&[w.faces[0][0]], 100)
            .expect_err("none");
    assert!(matches!(err, CatalogError::Invalid { .. }), "{err}");
    // Failed edits record nothing.
    assert_eq!(w.f.cat.edits(100).expect("edits").len(), 5);
}

#[test]
fn merge_and_unmerge() {
    let mut w = world();
    // Bob rejected on a face of U: the rejection must follow U into Bob... and U's own
    // rejection (face 5/1 not U) must be carried to Bob.
    w.f.cat
        .reject_faces(&[w.faces[5][1]], w.u, 50)
        .expect("reject");
    let (u, v, bob) = (w.u, w.v, w.bob);
    round_trip(&mut w, "merge", |w| {
        w.f.cat.merge_people(&[u, v], bob, 100).expect("merge")
    });
    assert!(w.f.cat.person(u).expect("q").is_none());
    assert!(w.f.cat.person(v).expect("q").is_none());
    for face in [w.faces[3][1], w.faces[4][1], w.faces[5][0], w.faces[2][1]] {
        assert_eq!(assignment(&w.f, face), Some((bob, Provenance::Confirmed)));
    }
    assert_eq!(
        assignment(&w.f, w.faces[3][0]),
        Some((bob, Provenance::Suggested)),
        "Bob's own suggestion stays"
    );
    let d = w.f.cat.decisions().expect("d");
    assert!(d.rejections.contains(&(w.faces[5][1], bob)), "{d:?}");
    // Unmerge brings back U and V with their ids and faces.
    w.f.cat.undo(200).expect("undo").expect("merge");
    assert_eq!(person_of(&w.f, w.faces[3][1]), u);
    assert_eq!(person_of(&w.f, w.faces[2][1]), v);
    assert_eq!(
        assignment(&w.f, w.faces[3][1]),
        Some((u, Provenance::Automatic))
    );
}

#[test]
fn merging_a_named_person_into_an_unnamed_one_keeps_the_name_and_respects_rejections() {
    let mut w = world();
    // The user rejected face 2/0 (Ann's automatic) from U before.
    w.f.cat
        .reject_faces(&[w.faces[2][0]], w.u, 50)
        .expect("reject");
    let (ann, u) = (w.ann, w.u);
    round_trip(&mut w, "merge into unnamed", |w| {
        w.f.cat.merge_people(&[ann], u, 100).expect("merge")
    });
    let row = w.f.cat.person(u).expect("q").expect("some");
    assert_eq!(row.name.as_deref(), Some("Ann"));
    assert_eq!(
        assignment(&w.f, w.faces[0][0]),
        Some((u, Provenance::Confirmed))
    );
    assert_eq!(
        assignment(&w.f, w.faces[2][0]),
        None,
        "automatic face rejected from U"
    );
    assert_eq!(
        assignment(&w.f, w.faces[4][0]),
        Some((u, Provenance::Suggested))
    );
    assert!(w
        .f
        .cat
        .decisions()
        .expect("d")
        .rejections
        .contains(&(w.faces[5][1], u)));
}

#[test]
fn moving_faces_and_new_people_and_empty_unnamed_people() {
    let mut w = world();
    let (v, bob) = (w.v, w.bob);
    let face = w.faces[2][1];
    // V's only face moves to Bob: V is left empty and goes; undo brings it back.
    round_trip(&mut w, "move", |w| {
        w.f.cat.move_faces(&[face], bob, 100).expect("move")
    });
    assert!(w.f.cat.person(v).expect("q").is_none());
    assert_eq!(assignment(&w.f, face), Some((bob, Provenance::Confirmed)));
    w.f.cat.undo(101).expect("undo");
    assert_eq!(assignment(&w.f, face), Some((v, Provenance::Automatic)));
    w.f.cat.redo(102).expect("redo");

    // A rejected face moved to the person it was rejected from: the rejection is lifted.
    let (ann, rejected) = (w.ann, w.faces[5][1]);
    round_trip(&mut w, "move rejected", |w| {
        w.f.cat.move_faces(&[rejected], ann, 103).expect("move")
    });
    assert!(w.f.cat.decisions().expect("d").rejections.is_empty());

    let faces = [w.faces[1][1], w.faces[3][1]];
    let mut created = 0;
    round_trip(&mut w, "new named person", |w| {
        let (id, e) =
            w.f.cat
                .new_person_with_faces(Some("Dan"), &faces, 104)
                .expect("new");
        created = id;
        e
    });
    assert_eq!(person_of(&w.f, faces[0]), created);
    let before_ids: Vec<PersonId> = w.f.cat.people().expect("p").iter().map(|p| p.id).collect();
    assert!(
        created
            > *before_ids
                .iter()
                .filter(|&&i| i != created)
                .max()
                .unwrap_or(&0)
    );
    let lone = w.faces[4][1];
    round_trip(&mut w, "new unnamed person", |w| {
        w.f.cat
            .new_person_with_faces(None, &[lone], 105)
            .expect("new")
            .1
    });
    let err =
        w.f.cat
            .new_person_with_faces(None, &[], 106)
            .expect_err("empty");
    assert!(matches!(err, CatalogError::Invalid { .. }), "{err}");
}

#[test]
fn reject_not_face_hide_cover_accept_round_trip() {
    let mut w = world();
    let (ann, u) = (w.ann, w.u);
    let faces = [w.faces[0][0], w.faces[2][0], w.faces[1][1]];
    round_trip(&mut w, "reject", |w| {
        w.f.cat.reject_faces(&faces, ann, 100).expect("reject")
    });
    assert_eq!(assignment(&w.f, faces[0]), None);
    assert_eq!(assignment(&w.f, faces[1]), None);

    // Rejecting all of an unnamed person's faces removes it; undo re-creates it.
    let ufaces = [w.faces[3][1], w.faces[4][1], w.faces[5][0]];
    round_trip(&mut w, "reject unnamed", |w| {
        w.f.cat.reject_faces(&ufaces, u, 101).expect("reject")
    });
    assert!(w.f.cat.person(u).expect("q").is_none());

    let marked = [w.faces[1][0], w.faces[2][1], w.faces[3][0]];
    round_trip(&mut w, "not a face", |w| {
        w.f.cat.set_not_face(&marked, true, 102).expect("mark")
    });
    for f in marked {
        assert_eq!(assignment(&w.f, f), None);
        assert!(w.f.cat.face(f).expect("f").expect("some").not_face);
    }
    assert_eq!(w.f.cat.decisions().expect("d").not_face.len(), 3);
    round_trip(&mut w, "unmark", |w| {
        w.f.cat
            .set_not_face(&marked[..1], false, 103)
            .expect("unmark")
    });

    let bob = w.bob;
    round_trip(&mut w, "hide", |w| {
        w.f.cat.set_hidden(&[bob], true, 104).expect("hide")
    });
    assert!(w
        .f
        .cat
        .people_overview(false)
        .expect("o")
        .iter()
        .all(|p| p.id != bob));
    assert!(w
        .f
        .cat
        .people_overview(true)
        .expect("o")
        .iter()
        .any(|p| p.id == bob));

    let cover = w.faces[0][1];
    round_trip(&mut w, "cover", |w| {
        w.f.cat.set_cover(bob, cover, 105).expect("cover")
    });

    let suggested = [w.faces[4][0], w.faces[0][1]];
    round_trip(&mut w, "accept", |w| {
        w.f.cat.accept_suggestions(&suggested, 106).expect("accept")
    });
    assert_eq!(
        assignment(&w.f, w.faces[4][0]),
        Some((ann, Provenance::Confirmed))
    );
}

#[test]
fn a_new_edit_drops_the_redo_stack() {
    let mut w = world();
    let (ann, bob) = (w.ann, w.bob);
    w.f.cat.set_hidden(&[ann], true, 100).expect("hide");
    w.f.cat.set_hidden(&[bob], true, 101).expect("hide");
    w.f.cat.undo(102).expect("undo").expect("one");
    w.f.cat.undo(103).expect("undo").expect("two");
    let states: Vec<EditState> =
        w.f.cat
            .edits(2)
            .expect("e")
            .iter()
            .map(|e| e.state)
            .collect();
    assert_eq!(states, vec![EditState::Undone, EditState::Undone]);
    w.f.cat.name_person(bob, "Robert", 104).expect("rename");
    assert!(w.f.cat.redo(105).expect("redo").is_none());
    let rows = w.f.cat.edits(100).expect("e");
    assert!(rows.iter().all(|e| e.state == EditState::Done), "{rows:?}");
    assert_eq!(rows[0].kind, EditKind::Name);
    assert_eq!(rows[0].label, "renamed \"Bob\" to \"Robert\"");
}

#[test]
fn undo_of_everything_returns_to_an_empty_catalog_of_people() {
    let mut w = world();
    let start_decisions = Decisions::default();
    // Undo the 5 edits of the world (moves, reject, creations); the clustering run stays
    // but its people referenced by edits are left as the images say.
    while w.f.cat.undo(100).expect("undo").is_some() {}
    let d = w.f.cat.decisions().expect("d");
    assert_eq!(d, start_decisions);
    while w.f.cat.redo(101).expect("redo").is_some() {}
    let d = w.f.cat.decisions().expect("d");
    assert_eq!(d.confirmed.len(), 3);
    assert_eq!(d.rejections.len(), 1);
}

#[test]
fn person_ids_are_never_reused() {
    let mut w = world();
    let top =
        w.f.cat
            .people()
            .expect("p")
            .iter()
            .map(|p| p.id)
            .max()
            .expect("some");
    let cleo = w.f.cat.create_person("Cleo", 100).expect("cleo");
    assert_eq!(cleo, top + 1);
    w.f.cat.undo(101).expect("undo").expect("creation");
    assert!(w.f.cat.person(cleo).expect("q").is_none());
    let dan = w.f.cat.create_person("Dan", 102).expect("dan");
    assert_eq!(
        dan,
        cleo + 1,
        "the undone id is not given to another person"
    );
    // Survives a reopen.
    let db = w.f.db.clone();
    drop(w.f.cat);
    let mut cat = Catalog::open(&db).expect("reopen");
    assert_eq!(cat.create_person("Eve", 103).expect("eve"), dan + 1);
}

#[test]
fn apply_clustering_respects_the_user_and_reuses_unnamed_people() {
    let mut w = world();
    let (ann, bob, u, v) = (w.ann, w.bob, w.u, w.v);
    // User decisions after the plan was "read".
    w.f.cat
        .set_not_face(&[w.faces[4][1]], true, 100)
        .expect("mark");
    w.f.cat
        .move_faces(&[w.faces[5][0]], bob, 101)
        .expect("confirm");
    let decisions = w.f.cat.decisions().expect("d");
    let all: Vec<FaceId> = w.faces.iter().flatten().copied().collect();
    let plan = ClusteringPlan {
        faces: all.clone(),
        clusters: vec![
            // U reused: its faces, plus confirmed / not-a-face ones that must be skipped.
            PlannedCluster {
                target: ClusterTarget::Unnamed(Some(u)),
                faces: vec![
                    (w.faces[3][1], 0.9),
                    (w.faces[4][1], 0.9),
                    (w.faces[5][0], 0.9),
                    (w.faces[0][0], 0.9),
                ],
            },
            // Ann: 5/1 is rejected from Ann — never assigned.
            PlannedCluster {
                target: ClusterTarget::Person(ann, Provenance::Automatic),
                faces: vec![(w.faces[5][1], 0.9), (w.faces[2][0], 0.9)],
            },
            // Bob named now: a new unnamed person instead of reusing it.
            PlannedCluster {
                target: ClusterTarget::Unnamed(Some(bob)),
                faces: vec![(w.faces[1][1], 0.5)],
            },
            // A person that no longer exists.
            PlannedCluster {
                target: ClusterTarget::Person(9999, Provenance::Automatic),
                faces: vec![(w.faces[3][0], 0.5)],
            },
        ],
        // V's face gets nothing: V empties and is removed.
        suggestions: vec![
            suggestion(w.faces[2][1], ann, 0.6),
            suggestion(w.faces[2][0], bob, 0.6),
        ],
    };
    let applied = w.f.cat.apply_clustering(&plan, 200).expect("apply");
    assert_eq!(applied.assigned, 3, "{applied:?}"); // 3/1, 2/0, 1/1
    assert_eq!(applied.suggested, 1, "{applied:?}"); // 2/1 → Ann; 2/0 already assigned
    assert_eq!(applied.people_created, 1, "{applied:?}");
    assert_eq!(applied.people_removed, 1, "V: {applied:?}");
    assert_eq!(applied.skipped, 6, "{applied:?}");
    assert_eq!(
        assignment(&w.f, w.faces[3][1]),
        Some((u, Provenance::Automatic))
    );
    assert_eq!(assignment(&w.f, w.faces[4][1]), None, "not a face");
    assert_eq!(
        assignment(&w.f, w.faces[5][0]),
        Some((bob, Provenance::Confirmed))
    );
    assert_eq!(
        assignment(&w.f, w.faces[0][0]),
        Some((ann, Provenance::Confirmed))
    );
    assert_eq!(assignment(&w.f, w.faces[5][1]), None, "rejected");
    assert_eq!(
        assignment(&w.f, w.faces[3][0]),
        None,
        "old suggestion dropped, target gone"
    );
    let new = person_of(&w.f, w.faces[1][1]);
    assert!(new > v);
    assert!(w
        .f
        .cat
        .person(new)
        .expect("q")
        .expect("some")
        .name
        .is_none());
    assert!(w.f.cat.person(v).expect("q").is_none());
    assert_eq!(
        w.f.cat.decisions().expect("d"),
        decisions,
        "automation decides nothing"
    );

    let err =
        w.f.cat
            .apply_clustering(
                &ClusteringPlan {
                    clusters: vec![PlannedCluster {
                        target: ClusterTarget::Person(ann, Provenance::Confirmed),
                        faces: vec![(w.faces[1][1], 1.0)],
                    }],
                    ..ClusteringPlan::default()
                },
                300,
            )
            .expect_err("confirmed");
    assert!(matches!(err, CatalogError::Invalid { .. }), "{err}");
    let _ = w.photos;
}

#[test]
fn undo_after_clustering_recreates_a_person_it_removed() {
    let mut w = world();
    let (bob, u) = (w.bob, w.u);
    // The user takes one face out of U ...
    let taken = w.faces[3][1];
    w.f.cat.move_faces(&[taken], bob, 100).expect("move");
    // ... then clustering moves U's other faces to Ann: U is empty and removed.
    let rest = [w.faces[4][1], w.faces[5][0]];
    let plan = ClusteringPlan {
        faces: rest.to_vec(),
        clusters: vec![PlannedCluster {
            target: ClusterTarget::Person(w.ann, Provenance::Automatic),
            faces: rest.iter().map(|&f| (f, 0.9)).collect(),
        }],
        suggestions: vec![],
    };
    let applied = w.f.cat.apply_clustering(&plan, 200).expect("apply");
    assert_eq!(applied.people_removed, 1);
    assert!(w.f.cat.person(u).expect("q").is_none());
    // Undo puts the face back on U, which is re-created with its id.
    w.f.cat.undo(300).expect("undo").expect("move");
    assert_eq!(assignment(&w.f, taken), Some((u, Provenance::Automatic)));
    assert!(w.f.cat.person(u).expect("q").is_some());
    assert_eq!(
        assignment(&w.f, rest[0]),
        Some((w.ann, Provenance::Automatic))
    );
    // Redo moves it to Bob again and removes U again.
    w.f.cat.redo(301).expect("redo").expect("move");
    assert_eq!(assignment(&w.f, taken), Some((bob, Provenance::Confirmed)));
    assert!(w.f.cat.person(u).expect("q").is_none());
}

#[test]
fn undo_skips_faces_that_no_longer_exist() {
    let mut w = world();
    let ann = w.ann;
    let faces = [w.faces[1][1], w.faces[2][1]];
    w.f.cat.move_faces(&faces, ann, 100).expect("move");
    // p1.jpg goes and its orphan photo is purged: face 1/1 is gone.
    w.f.cat
        .remove_path_at(&w.f.p("p1.jpg"), Some(150))
        .expect("remove");
    assert_eq!(w.f.cat.purge_orphans(i64::MAX).expect("purge"), 1);
    let undone = w.f.cat.undo(200).expect("undo").expect("move");
    assert_eq!(undone.skipped_faces, 1);
    assert_eq!(
        assignment(&w.f, faces[1]),
        Some((w.v, Provenance::Automatic))
    );
    let redone = w.f.cat.redo(201).expect("redo").expect("move");
    assert_eq!(redone.skipped_faces, 1);
    assert_eq!(
        assignment(&w.f, faces[1]),
        Some((ann, Provenance::Confirmed))
    );
}

#[test]
fn history_keeps_the_latest_edits() {
    let mut w = world();
    let ann = w.ann;
    for i in 0..(KEEP_EDITS as i64 + 30) {
        w.f.cat
            .set_hidden(&[ann], i % 2 == 0, 100 + i)
            .expect("toggle");
    }
    let rows = w.f.cat.edits(1000).expect("edits");
    assert_eq!(rows.len(), KEEP_EDITS as usize);
    assert_eq!(rows[0].at, 100 + KEEP_EDITS as i64 + 29);
    let mut undone = 0;
    while w.f.cat.undo(5000).expect("undo").is_some() {
        undone += 1;
    }
    assert_eq!(undone, KEEP_EDITS);
    // The oldest kept edit (i = 30) is undone: Ann is as edit 29 (odd: shown) left her.
    assert!(!w.f.cat.person(ann).expect("q").expect("some").hidden);
    assert_eq!(
        w.f.cat.edits(1000).expect("edits").len(),
        KEEP_EDITS as usize
    );
}

#[test]
fn not_face_marks_follow_a_content_change() {
    let mut w = world();
    let file = w.f.file_id("p2.jpg");
    w.f.cat
        .set_not_face(&[w.faces[2][1]], true, 100)
        .expect("mark");
    w.f.cat
        .upsert_file(&cand(&w.f.p("p2.jpg"), 2000, 9), 800)
        .expect("changed");
    let moved_b = [510.0, 310.0, 625.0, 455.0];
    let out = IndexOutcome::Analyzed {
        file,
        size: 2000,
        mtime_ns: 9,
        photo: photo(77, &[moved_b, BOX_A]),
    };
    w.f.cat.commit_batch(&[out], 900).expect("commit");
    let rows = w.f.cat.faces_of_photo(w.f.photo_of(file)).expect("faces");
    assert!(rows[0].not_face, "the mark moved to the overlapping face");
    assert!(!rows[1].not_face);
    // And clustering leaves it alone.
    let input = w.f.cat.clustering_input().expect("input");
    let new = input.iter().find(|c| c.face == rows[0].id).expect("listed");
    assert!(new.not_face && new.decided());
    assert!(
        input.iter().all(|c| c.face != w.faces[2][1]),
        "the orphan is not listed"
    );
    let applied =
        w.f.cat
            .apply_clustering(
                &ClusteringPlan {
                    faces: vec![rows[0].id],
                    clusters: vec![PlannedCluster {
                        target: ClusterTarget::Unnamed(None),
                        faces: vec![(rows[0].id, 0.9)],
                    }],
                    suggestions: vec![],
                },
                1000,
            )
            .expect("apply");
    assert_eq!((applied.assigned, applied.people_created), (0, 0));
}

#[test]
fn clustering_input_lists_live_faces_with_decisions() {
    let w = world();
    let input = w.f.cat.clustering_input().expect("input");
    assert_eq!(input.len(), 12);
    assert!(input.windows(2).all(|p| p[0].face < p[1].face));
    let by = |f: FaceId| input.iter().find(|c| c.face == f).expect("face");
    let first = by(w.faces[0][0]);
    assert_eq!(first.assignment, Some((w.ann, Provenance::Confirmed)));
    assert!(first.decided());
    assert_eq!(first.embedding.len(), 128);
    assert_eq!(
        first.embedding,
        w.f.cat
            .face(w.faces[0][0])
            .expect("f")
            .expect("s")
            .embedding
    );
    assert_eq!(by(w.faces[5][1]).rejected, vec![w.ann]);
    assert_eq!(
        by(w.faces[5][0]).assignment,
        Some((w.u, Provenance::Automatic))
    );
    assert!(!by(w.faces[5][0]).decided());
    assert_eq!(by(w.faces[3][0]).photo, w.photos[3]);
}

#[test]
fn people_overview_and_suggestions() {
    let mut w = world();
    let rows = w.f.cat.people_overview(false).expect("overview");
    let summary = |id: PersonId| rows.iter().find(|p| p.id == id).expect("listed").clone();
    let ids: Vec<PersonId> = rows.iter().map(|p| p.id).collect();
    // Ann 3 photos, U 3 photos (3 faces), Bob 1, V 1: ties by faces then id.
    assert_eq!(ids, vec![w.ann, w.u, w.bob, w.v]);
    let ann = summary(w.ann);
    assert_eq!((ann.faces, ann.photos, ann.suggested), (3, 3, 1));
    assert!(ann.cover_face.is_some());
    assert_eq!(summary(w.bob).cover_face, Some(w.faces[0][1]));
    w.f.cat.set_cover(w.ann, w.faces[2][0], 100).expect("cover");
    let rows = w.f.cat.people_overview(false).expect("overview");
    assert_eq!(rows[0].cover_face, Some(w.faces[2][0]));
    // The explicit cover no longer assigned → a best-scoring face instead.
    w.f.cat
        .reject_faces(&[w.faces[2][0]], w.ann, 101)
        .expect("reject");
    let rows = w.f.cat.people_overview(false).expect("overview");
    let cover = rows.iter().find(|p| p.id == w.ann).expect("ann").cover_face;
    assert!(
        cover == Some(w.faces[0][0]) || cover == Some(w.faces[1][0]),
        "{cover:?}"
    );

    let all = w.f.cat.suggestions(None, 10).expect("suggestions");
    let listed: Vec<(FaceId, PersonId)> = all.iter().map(|s| (s.face, s.person)).collect();
    assert_eq!(listed, vec![(w.faces[4][0], w.ann), (w.faces[3][0], w.bob)]);
    assert_eq!(all[0].name, "Ann");
    assert_eq!(all[0].confidence, Some(0.8));
    let bobs = w.f.cat.suggestions(Some(w.bob), 10).expect("suggestions");
    assert_eq!(bobs.len(), 1);

    let faces = w.f.cat.person_faces(w.ann, 10, 0).expect("faces");
    assert_eq!(faces.len(), 3, "2 confirmed + 1 suggested");
    assert_eq!(w.f.cat.person_faces(w.ann, 2, 2).expect("page").len(), 1);
}

/// Edits recorded since `before` (the history's newest id then).
fn edits_since(f: &Fixture, before: Option<EditId>) -> Vec<EditRow> {
    let all = f.cat.edits(100).expect("edits");
    all.into_iter().filter(|e| Some(e.id) > before).collect()
}

fn newest_edit(f: &Fixture) -> Option<EditId> {
    f.cat.edits(1).expect("edits").first().map(|e| e.id)
}

#[test]
fn hiding_many_people_is_one_edit_and_one_undo() {
    let mut w = world();
    let three = [w.ann, w.bob, w.u];
    let hidden_of = |f: &Fixture| {
        f.cat
            .people()
            .expect("people")
            .iter()
            .filter(|p| three.contains(&p.id))
            .map(|p| p.hidden)
            .collect::<Vec<_>>()
    };
    let start = newest_edit(&w.f);
    round_trip(&mut w, "hide 3", |w| {
        // A duplicate is ignored.
        w.f.cat
            .set_hidden(&[w.ann, w.bob, w.u, w.ann], true, 100)
            .expect("hide")
    });
    let recorded = edits_since(&w.f, start);
    assert_eq!(recorded.len(), 1, "{recorded:#?}");
    assert_eq!(recorded[0].kind, EditKind::Hidden);
    assert_eq!(recorded[0].label, "hid 3 people");
    assert_eq!(hidden_of(&w.f), vec![true; 3]);
    w.f.cat.undo(200).expect("undo").expect("one");
    assert_eq!(hidden_of(&w.f), vec![false; 3], "one undo shows all three");

    // Show them again in one edit too.
    w.f.cat.set_hidden(&three, true, 201).expect("hide");
    let shown = w.f.cat.set_hidden(&three, false, 202).expect("show");
    assert_eq!(shown.label, "showed 3 people");
    assert_eq!(hidden_of(&w.f), vec![false; 3]);
    w.f.cat.undo(203).expect("undo").expect("one");
    assert_eq!(hidden_of(&w.f), vec![true; 3]);

    // Nothing given, or an unknown person: refused, nothing recorded.
    let before = newest_edit(&w.f);
    assert!(matches!(
        w.f.cat.set_hidden(&[], true, 204),
        Err(CatalogError::Invalid { .. })
    ));
    assert!(matches!(
        w.f.cat.set_hidden(&[w.ann, 424_242], false, 205),
        Err(CatalogError::NotFound { .. })
    ));
    assert_eq!(newest_edit(&w.f), before);
    assert_eq!(hidden_of(&w.f), vec![true; 3]);
}

#[test]
fn rejecting_and_moving_many_faces_are_one_edit_each() {
    let mut w = world();
    // Reject three of Ann's faces (two confirmed, one automatic) in one call.
    let ann_faces = [w.faces[0][0], w.faces[1][0], w.faces[2][0]];
    let start = newest_edit(&w.f);
    let ann = w.ann;
    round_trip(&mut w, "reject 3", |w| {
        w.f.cat.reject_faces(&ann_faces, ann, 100).expect("reject")
    });
    assert_eq!(edits_since(&w.f, start).len(), 1);
    assert!(ann_faces.iter().all(|&f| assignment(&w.f, f).is_none()));
    w.f.cat.undo(200).expect("undo").expect("one");
    for f in ann_faces {
        assert_eq!(assignment(&w.f, f).map(|a| a.0), Some(ann), "face {f} back");
    }

    // Move four faces of three owners to Bob in one call.
    let moved = [w.faces[0][0], w.faces[2][1], w.faces[3][1], w.faces[5][0]];
    let bob = w.bob;
    let start = newest_edit(&w.f);
    let before: Vec<_> = moved.iter().map(|&f| assignment(&w.f, f)).collect();
    round_trip(&mut w, "move 4", |w| {
        w.f.cat.move_faces(&moved, bob, 300).expect("move")
    });
    assert_eq!(edits_since(&w.f, start).len(), 1);
    for f in moved {
        assert_eq!(assignment(&w.f, f), Some((bob, Provenance::Confirmed)));
    }
    w.f.cat.undo(400).expect("undo").expect("one");
    let after_undo: Vec<_> = moved.iter().map(|&f| assignment(&w.f, f)).collect();
    assert_eq!(after_undo, before, "one undo puts all four back");
}

#[test]
fn rejecting_suggestions_of_several_people_is_one_edit() {
    let mut w = world();
    // f[3][0] is suggested Bob, f[4][0] suggested Ann; f[0][0] has no suggestion.
    let (bob_face, ann_face) = (w.faces[3][0], w.faces[4][0]);
    let start = newest_edit(&w.f);
    round_trip(&mut w, "reject suggestions", |w| {
        w.f.cat
            .reject_suggestions(&[bob_face, ann_face, w.faces[0][0]], 100)
            .expect("reject")
    });
    let recorded = edits_since(&w.f, start);
    assert_eq!(recorded.len(), 1, "{recorded:#?}");
    assert_eq!(recorded[0].label, "rejected 2 suggestions");
    assert_eq!(assignment(&w.f, bob_face), None);
    assert_eq!(assignment(&w.f, ann_face), None);
    // World has one rejection (f[5][1] not Ann); two more now.
    assert_eq!(w.f.cat.snapshot().expect("snapshot").rejections.len(), 3);
    assert!(matches!(
        w.f.cat.reject_suggestions(&[w.faces[0][0]], 101),
        Err(CatalogError::Invalid { .. })
    ));
}

#[test]
fn automatic_assignments_cannot_confirm() {
    let mut w = world();
    let one = FaceAssignment {
        face: w.faces[2][1],
        person: w.bob,
        provenance: Provenance::Confirmed,
        confidence: None,
    };
    assert!(matches!(
        w.f.cat.assign_automatic(&[one], 100),
        Err(CatalogError::Invalid { .. })
    ));
    assert_eq!(
        assignment(&w.f, w.faces[2][1]),
        Some((w.v, Provenance::Automatic))
    );
}
