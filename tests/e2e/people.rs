//! People on a real library: the reference photos indexed with the real models into a real
//! SQLite catalog, clustered, then named, merged, corrected — and every decision must hold
//! through re-clustering and re-indexing, and every edit must undo to exactly the catalog it
//! started from.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

use likeness_e2e::{
    indexed_reference_library, jpeg_with_comment, placed_decisions, rejected_but_assigned,
    PlacedDecisions, TestLibrary,
};
use likeness_engine::catalog::{Catalog, FaceId, JobState, PersonId, Provenance};
use likeness_engine::people::{self, MoveTarget};
use likeness_engine::{recluster, EngineError, PeopleConfig, SystemClock};

/// Runs `op`, then checks that undo restores exactly the catalog before it (snapshot and
/// decisions) and redo exactly the catalog after it. Leaves the catalog as after `op`.
fn undoable<T>(catalog: &mut Catalog, what: &str, op: impl FnOnce(&mut Catalog) -> T) -> T {
    let clock = SystemClock;
    let (before, decided_before) = (catalog.snapshot().unwrap(), catalog.decisions().unwrap());
    let out = op(catalog);
    let (after, decided_after) = (catalog.snapshot().unwrap(), catalog.decisions().unwrap());
    assert!(!before.diff(&after).is_empty(), "{what} changed nothing");
    let undone = people::undo(catalog, &clock).unwrap();
    let diff = catalog.snapshot().unwrap().diff(&before);
    assert!(diff.is_empty(), "undo of {what}:\n{}", diff.join("\n"));
    assert_eq!(
        catalog.decisions().unwrap(),
        decided_before,
        "undo of {what}"
    );
    let redone = people::redo(catalog, &clock).unwrap();
    assert_eq!(undone.id, redone.id);
    let diff = catalog.snapshot().unwrap().diff(&after);
    assert!(diff.is_empty(), "redo of {what}:\n{}", diff.join("\n"));
    assert_eq!(
        catalog.decisions().unwrap(),
        decided_after,
        "redo of {what}"
    );
    println!("{what}: {} — undo and redo exact", undone.label);
    out
}

fn faces_of(catalog: &Catalog, person: PersonId) -> Vec<(FaceId, Provenance)> {
    catalog
        .person_faces(person, usize::MAX, 0)
        .unwrap()
        .into_iter()
        .filter_map(|f| f.person.map(|(_, p)| (f.id, p)))
        .collect()
}

fn assert_rules_hold(catalog: &Catalog) {
    assert_eq!(rejected_but_assigned(catalog), Vec::<(i64, i64)>::new());
    for face in catalog.decisions().unwrap().not_face {
        let row = catalog.face(face).unwrap().unwrap();
        assert_eq!(row.person, None, "face {face} is not a face but assigned");
    }
}

/// The relative path of the file holding `face`.
fn file_of(catalog: &Catalog, lib: &TestLibrary, face: FaceId) -> std::path::PathBuf {
    let photo = catalog.face(face).unwrap().unwrap().photo;
    let path = catalog.photo(photo).unwrap().unwrap().paths[0].clone();
    path.strip_prefix(&lib.photos).unwrap().to_path_buf()
}

#[test]
fn decisions_hold_through_reclustering_and_reindexing_and_every_edit_undoes_exactly() {
    let lib = indexed_reference_library("people-e2e");
    let mut cat = lib.open();
    let clock = SystemClock;
    let config = PeopleConfig::default();
    let cancel = AtomicBool::new(false);

    // Indexing clustered by itself once it was done.
    let job = cat
        .last_job("cluster")
        .unwrap()
        .expect("indexing clustered");
    assert_eq!(job.state, JobState::Completed);
    let overview = people::overview(&cat, true).unwrap();
    for p in &overview {
        println!(
            "{:?} #{}: {} faces, {} photos",
            p.name, p.id, p.faces, p.photos
        );
    }
    let groups: Vec<PersonId> = overview
        .iter()
        .filter(|p| p.name.is_none() && p.faces >= 2)
        .map(|p| p.id)
        .collect();
    assert!(groups.len() >= 4, "clusters of 2+ faces: {groups:?}");

    // Clustering the same faces again changes nothing: unnamed clusters keep their ids.
    let before = cat.snapshot().unwrap();
    let again = recluster(&mut cat, &config, &clock, &cancel).unwrap();
    println!("{again:?}");
    let diff = cat.snapshot().unwrap().diff(&before);
    assert!(
        diff.is_empty(),
        "re-clustering moved things:\n{}",
        diff.join("\n")
    );
    assert_eq!((again.people_created, again.people_removed), (0, 0));

    // Name a cluster: its faces become confirmed.
    let automatic = faces_of(&cat, groups[0]);
    let named = undoable(&mut cat, "name", |c| {
        people::name(c, &clock, groups[0], "Anna").unwrap()
    });
    let anna = named.person;
    assert_eq!((anna, named.merged), (groups[0], false));
    let anna_faces = faces_of(&cat, anna);
    assert_eq!(anna_faces.len(), automatic.len());
    assert!(anna_faces.iter().all(|(_, p)| *p == Provenance::Confirmed));

    let bea = undoable(&mut cat, "name a second cluster", |c| {
        people::name(c, &clock, groups[1], "Bea").unwrap()
    })
    .person;
    // A name someone already has: the two are the same person.
    let merged = undoable(&mut cat, "name with a taken name (merges)", |c| {
        people::name(c, &clock, groups[2], "bea").unwrap()
    });
    assert!(merged.merged);
    assert_eq!(merged.person, bea);
    assert!(cat.person(groups[2]).unwrap().is_none());
    // rename refuses a taken name with a typed error.
    let taken = people::rename(&mut cat, &clock, bea, "ANNA").unwrap_err();
    assert_eq!(taken.code(), "name_taken");
    let dora = undoable(&mut cat, "name a fourth cluster", |c| {
        people::name(c, &clock, groups[3], "Dora").unwrap()
    })
    .person;
    let dora_faces = faces_of(&cat, dora).len();
    let bea_faces = faces_of(&cat, bea).len();
    undoable(&mut cat, "merge", |c| {
        people::merge(c, &clock, &[dora], bea).unwrap()
    });
    assert_eq!(faces_of(&cat, bea).len(), bea_faces + dora_faces);
    assert!(cat.person(dora).unwrap().is_none());
    undoable(&mut cat, "rename", |c| {
        people::rename(c, &clock, bea, "Beatrice").unwrap()
    });

    // Reject one of Anna's faces.
    let rejected = anna_faces[0].0;
    undoable(&mut cat, "reject", |c| {
        people::reject(c, &clock, &[rejected], anna).unwrap()
    });
    assert_ne!(
        cat.face(rejected).unwrap().unwrap().person.map(|p| p.0),
        Some(anna)
    );

    // Move a face that is not Anna's to Anna, and another to a new person.
    let others: Vec<FaceId> = cat
        .faces_after(0, usize::MAX)
        .unwrap()
        .into_iter()
        .filter(|f| f.person.is_none_or(|(p, _)| p != anna && p != bea))
        .map(|f| f.id)
        .collect();
    assert!(others.len() >= 4);
    let moved = undoable(&mut cat, "move to a person", |c| {
        people::move_faces(c, &clock, &[others[0]], MoveTarget::Person(anna)).unwrap()
    });
    assert_eq!(moved.person, anna);
    assert_eq!(
        cat.face(others[0]).unwrap().unwrap().person,
        Some((anna, Provenance::Confirmed))
    );
    let cleo = undoable(&mut cat, "move to a new person", |c| {
        people::move_faces(c, &clock, &[others[1]], MoveTarget::Named("Cleo")).unwrap()
    });
    assert!(cleo.created);
    let cleo = cleo.person;

    // Not a face; hide; cover.
    let not_face = others[2];
    undoable(&mut cat, "not a face", |c| {
        people::not_a_face(c, &clock, &[not_face], true).unwrap()
    });
    undoable(&mut cat, "hide", |c| {
        people::set_hidden(c, &clock, &[cleo], true).unwrap()
    });
    assert!(people::overview(&cat, false)
        .unwrap()
        .iter()
        .all(|p| p.id != cleo));
    let cover = faces_of(&cat, anna).last().unwrap().0;
    undoable(&mut cat, "cover", |c| {
        people::set_cover(c, &clock, anna, cover).unwrap()
    });
    // A suggestion accepted, if clustering made any.
    let suggestions = people::suggestions(&cat, None, 10).unwrap();
    println!("suggestions: {suggestions:?}");
    if let Some(s) = suggestions.first() {
        undoable(&mut cat, "accept a suggestion", |c| {
            people::accept_suggestions(c, &clock, &[s.face]).unwrap()
        });
    }
    // Errors are typed.
    assert_eq!(
        people::redo(&mut cat, &clock).unwrap_err().code(),
        "nothing_to_redo"
    );
    assert!(matches!(
        people::merge(&mut cat, &clock, &[anna], anna),
        Err(EngineError::Invalid { .. })
    ));
    assert_eq!(
        people::reject(&mut cat, &clock, &[i64::MAX], anna)
            .unwrap_err()
            .code(),
        "unknown_face"
    );
    assert_eq!(
        people::find_person(&cat, "Nobody").unwrap_err().code(),
        "unknown_person"
    );
    assert_eq!(
        people::find_person(&cat, &format!("#{anna}")).unwrap().id,
        anna
    );
    assert_eq!(people::find_person(&cat, "beatrice").unwrap().id, bea);
    assert_rules_hold(&cat);
    println!("history: {:#?}", people::history(&cat, 50).unwrap());

    // Re-cluster: every decision holds.
    let decided = cat.decisions().unwrap();
    let placed = placed_decisions(&cat, &lib.photos);
    let s = recluster(&mut cat, &config, &clock, &cancel).unwrap();
    println!("after corrections: {s:?}");
    assert_eq!(cat.decisions().unwrap(), decided);
    assert_rules_hold(&cat);
    assert_ne!(
        cat.face(rejected).unwrap().unwrap().person.map(|p| p.0),
        Some(anna),
        "a rejected face never comes back"
    );

    // Re-index after a rename (a file with one of Anna's faces) and a content change (the
    // file with the rejected face rewritten: other bytes, same pixels).
    let renamed_from = file_of(&cat, &lib, anna_faces[1].0);
    let rewritten = file_of(&cat, &lib, rejected);
    assert_ne!(renamed_from, rewritten, "pick two different files");
    let renamed_to = std::path::PathBuf::from("renamed").join(renamed_from.file_name().unwrap());
    std::fs::create_dir_all(lib.photos.join("renamed")).unwrap();
    std::fs::rename(lib.photos.join(&renamed_from), lib.photos.join(&renamed_to)).unwrap();
    let bytes = std::fs::read(lib.photos.join(&rewritten)).unwrap();
    std::fs::write(
        lib.photos.join(&rewritten),
        jpeg_with_comment(&bytes, "edited"),
    )
    .unwrap();
    let (scan, index) = lib.index(&mut cat);
    println!("{scan:?}\n{index:?}");
    assert_eq!((index.analyzed, index.reused), (1, 1));
    let mut expected = placed.clone();
    rename_places(&mut expected, &renamed_from, &renamed_to);
    let got = placed_decisions(&cat, &lib.photos);
    assert_eq!(got, expected, "decisions after re-indexing");
    assert_rules_hold(&cat);
    // And after one more clustering run.
    recluster(&mut cat, &config, &clock, &cancel).unwrap();
    assert_eq!(placed_decisions(&cat, &lib.photos), expected);
    assert_rules_hold(&cat);
}

#[test]
fn new_faces_of_a_confirmed_person_are_recognised_at_once_while_indexing() {
    let lib = indexed_reference_library("people-incremental");
    let mut cat = lib.open();
    let clock = SystemClock;
    let overview = people::overview(&cat, true).unwrap();
    let group = overview
        .iter()
        .find(|p| p.name.is_none() && p.faces >= 2)
        .expect("a cluster")
        .id;
    let anna = people::name(&mut cat, &clock, group, "Anna")
        .unwrap()
        .person;
    let face = faces_of(&cat, anna)[0].0;
    // The same picture under another name with other bytes: a new photo, new faces.
    let file = file_of(&cat, &lib, face);
    let bytes = std::fs::read(lib.photos.join(&file)).unwrap();
    std::fs::write(
        lib.photos.join("copy-of-anna.jpg"),
        jpeg_with_comment(&bytes, "copy"),
    )
    .unwrap();
    let jobs_before = cat.last_job("cluster").unwrap().map(|j| j.id);
    let matching_only = PeopleConfig {
        auto_cluster: false,
        ..PeopleConfig::default()
    };
    let (_, index) = lib.index_with(&mut cat, matching_only);
    println!("{index:?}");
    assert_eq!(index.analyzed, 1);
    assert!(index.matched >= 1, "{index:?}");
    assert_eq!(cat.last_job("cluster").unwrap().map(|j| j.id), jobs_before);
    let copy = cat
        .photo_by_path(&lib.photos.join("copy-of-anna.jpg"))
        .unwrap()
        .unwrap();
    let original = cat.face(face).unwrap().unwrap();
    let twin = cat
        .faces_of_photo(copy.id)
        .unwrap()
        .into_iter()
        .find(|f| f.idx == original.idx)
        .unwrap();
    assert_eq!(twin.person, Some((anna, Provenance::Automatic)));
    assert_rules_hold(&cat);
}

fn rename_places(d: &mut PlacedDecisions, from: &std::path::Path, to: &std::path::Path) {
    let (from, to) = (from.display().to_string(), to.display().to_string());
    let fix = |place: &(String, u32)| {
        if place.0 == from {
            (to.clone(), place.1)
        } else {
            place.clone()
        }
    };
    d.confirmed = d
        .confirmed
        .iter()
        .map(|(k, v)| (fix(k), *v))
        .collect::<BTreeMap<_, _>>();
    d.rejections = d.rejections.iter().map(|(k, p)| (fix(k), *p)).collect();
    d.not_face = d.not_face.iter().map(fix).collect();
}

#[test]
fn watch_mode_clusters_once_changes_settle() {
    use likeness_e2e::{pipeline, temp_dir, test_photo};
    use likeness_engine::{IndexControl, Indexer, LibraryPaths, WatchEvent, WatchOptions};
    use std::sync::{mpsc, Arc};
    use std::time::{Duration, Instant};

    let dir = temp_dir("people-watch");
    let root = dir.join("photos");
    std::fs::create_dir_all(&root).unwrap();
    for name in ["obama.jpg", "obama2.jpg", "biden.jpg"] {
        std::fs::copy(test_photo(name), root.join(name)).unwrap();
    }
    let root = std::fs::canonicalize(&root).unwrap();
    let paths = LibraryPaths::in_dir(&dir.join("lib"));
    let mut catalog = likeness_engine::open_catalog(&paths).unwrap();
    likeness_engine::add_root(&mut catalog, &root, &SystemClock).unwrap();
    let settle = Duration::from_millis(1500);
    let control = Arc::new(IndexControl::new());
    let (tx, rx) = mpsc::channel::<(Instant, WatchEvent)>();
    let watcher = {
        let (control, paths) = (Arc::clone(&control), paths.clone());
        std::thread::spawn(move || {
            let clock = SystemClock;
            let people = PeopleConfig {
                settle,
                ..PeopleConfig::default()
            };
            let indexer = Indexer::new(pipeline(), &paths, &clock).with_people(people);
            indexer
                .watch(
                    &mut catalog,
                    &control,
                    &WatchOptions::default(),
                    &mut |_| {},
                    &mut |e| {
                        let _ = tx.send((Instant::now(), e.clone()));
                    },
                )
                .unwrap();
        })
    };
    let next_clustering = |rx: &mpsc::Receiver<(Instant, WatchEvent)>| {
        let mut last_indexed = None;
        loop {
            let (at, e) = rx.recv_timeout(Duration::from_secs(60)).expect("an event");
            match e {
                WatchEvent::Indexed(_) => last_indexed = Some(at),
                WatchEvent::Clustered(s) => return (at, last_indexed, s),
                _ => {}
            }
        }
    };
    // The first indexing settles: clustered once, after `settle` without work.
    let (at, indexed, first) = next_clustering(&rx);
    println!("{first:?}");
    assert!(first.faces >= 3);
    assert!(at.duration_since(indexed.expect("indexed first")) >= settle);
    // A new photo: indexed, then clustered again once things settle.
    std::fs::copy(test_photo("obama3.jpg"), root.join("obama3.jpg")).unwrap();
    let (at, indexed, second) = next_clustering(&rx);
    println!("{second:?}");
    assert_eq!(second.faces, first.faces + 1);
    assert!(at.duration_since(indexed.expect("indexed the new photo")) >= settle);
    control.cancel();
    watcher.join().unwrap();

    let reader = Catalog::open_read_only(&paths.catalog).unwrap();
    let person_of = |file: &str| {
        let photo = reader.photo_by_path(&root.join(file)).unwrap().unwrap();
        reader.faces_of_photo(photo.id).unwrap()[0]
            .person
            .map(|p| p.0)
    };
    let obama = person_of("obama.jpg");
    assert!(obama.is_some());
    assert_eq!(person_of("obama2.jpg"), obama);
    assert_eq!(person_of("obama3.jpg"), obama);
    assert_ne!(person_of("biden.jpg"), obama);
}
