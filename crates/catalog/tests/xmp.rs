//! XMP support in the catalog, on real SQLite files: the re-export marks the V4 triggers
//! keep, the export reads, and importing named regions as one undoable edit.

mod common;

use common::*;
use likeness_catalog::*;

struct World {
    f: Fixture,
    photos: Vec<PhotoId>,
    faces: Vec<[FaceId; 2]>,
}

fn world() -> World {
    let mut f = fixture();
    let ids = f.add_files(&["a.jpg", "b.jpg", "c.jpg"]);
    let mut photos = Vec::new();
    let mut faces = Vec::new();
    for (i, &file) in ids.iter().enumerate() {
        let photo = f.analyze(file, i as u8 + 1, &[BOX_A, BOX_B]);
        let rows = f.cat.faces_of_photo(photo).expect("faces");
        faces.push([rows[0].id, rows[1].id]);
        photos.push(photo);
    }
    World { f, photos, faces }
}

fn dirty(f: &mut Fixture) -> Vec<PhotoId> {
    f.cat.xmp_photos(XmpScope::Dirty).expect("dirty")
}

#[test]
fn every_change_of_an_exported_face_marks_its_photo_and_nothing_else_does() {
    let World {
        mut f,
        photos,
        faces,
    } = world();
    assert!(dirty(&mut f).is_empty(), "indexing marks nothing");
    // A suggestion or an unnamed cluster is not exported: no mark.
    let plan = ClusteringPlan {
        faces: vec![faces[0][0], faces[1][0]],
        clusters: vec![PlannedCluster {
            target: ClusterTarget::Unnamed(None),
            faces: vec![(faces[0][0], 0.9), (faces[1][0], 0.9)],
        }],
        suggestions: vec![],
    };
    f.cat.apply_clustering(&plan, 10).expect("cluster");
    assert!(dirty(&mut f).is_empty(), "unnamed cluster");
    let u = f
        .cat
        .face(faces[0][0])
        .expect("face")
        .expect("row")
        .person
        .expect("p")
        .0;
    // Naming the cluster marks both photos.
    f.cat.name_person(u, "Ann", 11).expect("name");
    assert_eq!(dirty(&mut f), vec![photos[0], photos[1]]);
    assert!(dirty(&mut f).is_empty(), "marks are taken");
    // Moving a face to Ann marks its photo; a suggestion for Ann does not.
    f.cat.move_faces(&[faces[2][1]], u, 12).expect("move");
    assert_eq!(dirty(&mut f), vec![photos[2]]);
    f.cat
        .assign_automatic(
            &[FaceAssignment {
                face: faces[2][0],
                person: u,
                provenance: Provenance::Suggested,
                confidence: Some(0.5),
            }],
            13,
        )
        .expect("suggest");
    assert!(dirty(&mut f).is_empty(), "suggestion");
    // Rename: every photo of the person; undo and redo too.
    f.cat.name_person(u, "Anna", 14).expect("rename");
    assert_eq!(dirty(&mut f), vec![photos[0], photos[1], photos[2]]);
    f.cat.undo(15).expect("undo").expect("edit");
    assert_eq!(dirty(&mut f), vec![photos[0], photos[1], photos[2]]);
    // Hidden / rejected / merged away.
    f.cat.set_hidden(&[u], true, 16).expect("hide");
    assert_eq!(dirty(&mut f).len(), 3);
    f.cat.reject_faces(&[faces[1][0]], u, 17).expect("reject");
    assert_eq!(dirty(&mut f), vec![photos[1]]);
    let bob = f.cat.create_person("Bob", 18).expect("bob");
    assert!(dirty(&mut f).is_empty(), "an empty person");
    f.cat.merge_people(&[u], bob, 19).expect("merge");
    assert_eq!(dirty(&mut f), vec![photos[0], photos[2]]);
    // A purge of a photo with exported faces must not fail on the mark.
    f.cat.remove_path(&f.p("a.jpg")).expect("remove");
    assert!(dirty(&mut f).is_empty(), "orphans are not exported");
    f.cat.purge_orphans(i64::MAX).expect("purge");
    f.cat.mark_xmp_dirty(&[photos[0]]).expect("mark");
    assert!(dirty(&mut f).is_empty(), "a purged photo's mark is dropped");
}

#[test]
fn export_reads_named_visible_faces_and_remembers_digests() {
    let World {
        mut f,
        photos,
        faces,
    } = world();
    let ann = f.cat.create_person("Ann", 10).expect("ann");
    let hidden = f.cat.create_person("Hid", 10).expect("hid");
    f.cat
        .move_faces(&[faces[0][0], faces[1][1]], ann, 11)
        .expect("move");
    f.cat.move_faces(&[faces[0][1]], hidden, 11).expect("move");
    f.cat.set_hidden(&[hidden], true, 12).expect("hide");
    assert_eq!(
        f.cat.xmp_photos(XmpScope::All).expect("all"),
        vec![photos[0], photos[1]]
    );
    assert_eq!(
        f.cat.xmp_photos(XmpScope::Person(hidden)).expect("person"),
        vec![photos[0]]
    );
    let x = f.cat.xmp_photo(photos[0]).expect("read").expect("photo");
    assert_eq!(x.faces.len(), 1);
    assert_eq!(
        (x.faces[0].face, x.faces[0].name.as_str(), x.faces[0].bbox),
        (faces[0][0], "Ann", BOX_A)
    );
    assert_eq!(x.exported, None);
    assert_eq!(x.photo.paths, vec![f.p("a.jpg")]);
    f.cat
        .record_xmp_export(photos[2], Some(b"d1"), 20)
        .expect("record");
    let x = f.cat.xmp_photo(photos[2]).expect("read").expect("photo");
    assert_eq!(x.exported.as_deref(), Some(&b"d1"[..]));
    // Exported before: still in "all" (its regions may have to be removed).
    assert_eq!(f.cat.xmp_photos(XmpScope::All).expect("all").len(), 3);
    f.cat
        .record_xmp_export(photos[2], None, 21)
        .expect("forget");
    assert_eq!(f.cat.xmp_photos(XmpScope::All).expect("all").len(), 2);
    // A renamed file of an exported photo needs its sidecar at the new path; of a photo
    // never exported, nothing.
    f.cat
        .record_xmp_export(photos[0], Some(b"d0"), 22)
        .expect("record");
    f.cat
        .xmp_photos(XmpScope::Dirty)
        .expect("take the edits' marks");
    f.cat
        .rename_path(&f.p("a.jpg"), &f.p("a2.jpg"))
        .expect("rename");
    f.cat
        .rename_path(&f.p("b.jpg"), &f.p("b2.jpg"))
        .expect("rename");
    assert_eq!(
        f.cat.xmp_photos(XmpScope::Dirty).expect("dirty"),
        vec![photos[0]]
    );
}

#[test]
fn an_import_is_one_edit_that_undoes_exactly_and_never_overrides_the_user() {
    let World {
        mut f,
        photos,
        faces,
    } = world();
    let bob = f.cat.create_person("Bob", 10).expect("bob");
    f.cat
        .move_faces(&[faces[1][0]], bob, 11)
        .expect("bob's face");
    let cy = f.cat.create_person("Cy", 10).expect("cy");
    f.cat.reject_faces(&[faces[2][0]], cy, 12).expect("not cy");
    f.cat
        .set_not_face(&[faces[2][1]], true, 12)
        .expect("not a face");
    let before = f.cat.snapshot().expect("snapshot");
    let decided = f.cat.decisions().expect("decisions");
    let history = f.cat.edits(100).expect("edits");
    let new_face = NewFace {
        bbox: [300.0, 50.0, 380.0, 150.0],
        landmarks: [1.0; 10],
        score: 0.0,
        embedding: vec![0.25; 128],
        quality: None,
    };
    let items = vec![
        ImportItem {
            target: ImportTarget::Face(faces[0][0]),
            name: "ann".into(),
        },
        ImportItem {
            target: ImportTarget::Face(faces[0][1]),
            name: "Bob".into(),
        },
        ImportItem {
            target: ImportTarget::Face(faces[1][0]),
            name: "Ann".into(),
        },
        ImportItem {
            target: ImportTarget::Face(faces[2][0]),
            name: "Cy".into(),
        },
        ImportItem {
            target: ImportTarget::Face(faces[2][1]),
            name: "Dee".into(),
        },
        ImportItem {
            target: ImportTarget::NewFace {
                photo: photos[2],
                face: new_face.clone(),
            },
            name: "Ann".into(),
        },
    ];
    // A dry run says the same and writes nothing.
    let dry = f
        .cat
        .import_faces(&items, "import", 20, true)
        .expect("dry run");
    assert_eq!(
        f.cat.snapshot().expect("snapshot").diff(&before),
        Vec::<String>::new()
    );
    assert_eq!(f.cat.edits(100).expect("edits"), history);
    let got = f
        .cat
        .import_faces(&items, "import", 20, false)
        .expect("import");
    assert_eq!(dry.conflicts, got.conflicts);
    assert_eq!(dry.confirmed.len(), got.confirmed.len());
    let edit = got.edit.clone().expect("one edit");
    assert_eq!(edit.kind, EditKind::ImportXmp);
    assert_eq!(got.created_people.len(), 1, "{got:?}");
    let ann = got.created_people[0].0;
    assert_eq!(
        got.confirmed,
        vec![(0, faces[0][0], ann), (1, faces[0][1], bob)]
    );
    let reasons: Vec<(usize, ImportConflictReason)> = got
        .conflicts
        .iter()
        .map(|c| (c.item, c.reason.clone()))
        .collect();
    assert_eq!(
        reasons,
        vec![
            (
                2,
                ImportConflictReason::ConfirmedToOther {
                    person: bob,
                    name: Some("Bob".into())
                }
            ),
            (3, ImportConflictReason::Rejected),
            (4, ImportConflictReason::NotAFace),
        ]
    );
    assert_eq!(got.created_faces.len(), 1);
    let manual = f
        .cat
        .face(got.created_faces[0].1)
        .expect("face")
        .expect("row");
    assert!(manual.manual);
    assert_eq!(manual.idx, 2);
    assert_eq!(manual.person, Some((ann, Provenance::Confirmed)));
    assert_eq!(manual.embedding, new_face.embedding);
    assert_eq!(
        f.cat.photo(photos[2]).expect("p").expect("row").face_count,
        3
    );
    let after = f.cat.snapshot().expect("snapshot");
    // The same import again changes nothing and records nothing.
    let again_items: Vec<ImportItem> = items[..5]
        .iter()
        .cloned()
        .chain([ImportItem {
            target: ImportTarget::Face(manual.id),
            name: "Ann".into(),
        }])
        .collect();
    let again = f
        .cat
        .import_faces(&again_items, "import", 21, false)
        .expect("again");
    assert_eq!(again.edit, None);
    assert_eq!(again.unchanged, vec![0, 1, 5]);
    assert_eq!(
        f.cat.snapshot().expect("snapshot").diff(&after),
        Vec::<String>::new()
    );
    // Undo restores the catalog exactly, redo the import exactly (same face id).
    let undone = f.cat.undo(30).expect("undo").expect("edit");
    assert_eq!(undone.id, edit.id);
    assert_eq!(
        f.cat.snapshot().expect("snapshot").diff(&before),
        Vec::<String>::new()
    );
    assert_eq!(f.cat.decisions().expect("decisions"), decided);
    assert!(f.cat.face(manual.id).expect("face").is_none());
    f.cat.redo(31).expect("redo").expect("edit");
    assert_eq!(
        f.cat.snapshot().expect("snapshot").diff(&after),
        Vec::<String>::new()
    );
    assert_eq!(
        f.cat.face(manual.id).expect("face").expect("row").person,
        Some((ann, Provenance::Confirmed))
    );
}

/// What the V4 marking triggers cost where assignments are written in bulk (slow: run with
/// `cargo test -p likeness-catalog --test xmp -- --ignored --nocapture`;
/// LIKENESS_SCALE_FACES, default 200,000). The same work on a copy without the triggers
/// is the baseline.
#[test]
#[ignore = "slow: builds a catalog with 200,000 faces, twice"]
fn marking_triggers_cost_little_on_bulk_assignment_writes() {
    let total: usize = std::env::var("LIKENESS_SCALE_FACES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let mut times = Vec::new();
    for with_triggers in [true, false] {
        let mut f = fixture();
        let per_photo = 10;
        let names: Vec<String> = (0..total / per_photo)
            .map(|i| format!("p{i}.jpg"))
            .collect();
        let rels: Vec<&str> = names.iter().map(String::as_str).collect();
        let changes = ScanChanges {
            upsert: rels.iter().map(|r| cand(&f.p(r), 1000, 1)).collect(),
            ..Default::default()
        };
        f.cat.apply_scan(f.root.id, &changes, 200).expect("scan");
        let boxes: Vec<[f32; 4]> = (0..per_photo)
            .map(|i| {
                let x = 10.0 + 90.0 * i as f32;
                [x, 10.0, x + 80.0, 90.0]
            })
            .collect();
        let stamps = f.cat.file_stamps(f.root.id).expect("stamps");
        let mut outcomes = Vec::new();
        for (i, stamp) in stamps.values().enumerate() {
            let mut p = photo(0, &boxes);
            let mut hash = [0u8; 32];
            hash[..8].copy_from_slice(&(i as u64).to_le_bytes());
            p.hash = ContentHash(hash);
            outcomes.push(IndexOutcome::Analyzed {
                file: stamp.id,
                size: 1000,
                mtime_ns: 1,
                photo: p,
            });
        }
        f.cat.commit_batch(&outcomes, 300).expect("commit");
        if !with_triggers {
            let raw = rusqlite::Connection::open(&f.db).expect("raw");
            raw.execute_batch(
                "DROP TRIGGER assignments_xmp_insert; DROP TRIGGER assignments_xmp_update;
                 DROP TRIGGER assignments_xmp_delete; DROP TRIGGER people_xmp_update;
                 DROP TRIGGER people_xmp_delete;",
            )
            .expect("drop");
        }
        let ann = f.cat.create_person("Ann", 10).expect("ann");
        let faces: Vec<FaceId> = (1..=total as i64).collect();
        let half = faces.len() / 2;
        let plan = ClusteringPlan {
            faces: faces.clone(),
            clusters: vec![
                PlannedCluster {
                    target: ClusterTarget::Person(ann, Provenance::Automatic),
                    faces: faces[..half].iter().map(|&f| (f, 0.9)).collect(),
                },
                PlannedCluster {
                    target: ClusterTarget::Unnamed(None),
                    faces: faces[half..].iter().map(|&f| (f, 0.9)).collect(),
                },
            ],
            suggestions: vec![],
        };
        let t = std::time::Instant::now();
        f.cat.apply_clustering(&plan, 20).expect("cluster");
        let cluster = t.elapsed();
        let t = std::time::Instant::now();
        f.cat.name_person(ann, "Anna", 21).expect("rename");
        let rename = t.elapsed();
        let t = std::time::Instant::now();
        let marked = f.cat.xmp_photos(XmpScope::Dirty).expect("dirty").len();
        let take = t.elapsed();
        eprintln!(
            "{total} faces, triggers {with_triggers}: clustering applied in {:.2} s, rename of a \
             person with {half} faces {:.2} s, {marked} marks taken in {:.3} s",
            cluster.as_secs_f64(),
            rename.as_secs_f64(),
            take.as_secs_f64()
        );
        times.push(cluster.as_secs_f64());
    }
    assert!(times[0] < times[1] * 2.0 + 1.0, "{times:?}");
}
