//! Indexing outcomes, user decisions surviving content changes, and the photo queries.

mod common;

use common::*;
use likeness_catalog::*;

fn confirm(f: &mut Fixture, face: FaceId, person: PersonId) {
    assign(&mut f.cat, face, person, Provenance::Confirmed, None, 700).expect("assign");
}

fn face_ids(f: &Fixture, photo: PhotoId) -> Vec<FaceId> {
    f.cat
        .faces_of_photo(photo)
        .expect("faces")
        .iter()
        .map(|x| x.id)
        .collect()
}

#[test]
fn analyzed_photo_round_trips_meta_and_faces() {
    let mut f = fixture();
    let ids = f.add_files(&["a.jpg"]);
    let new = photo(7, &[BOX_A, BOX_B]);
    let id = f.analyze(ids[0], 7, &[BOX_A, BOX_B]);
    let row = f.cat.photo(id).expect("photo").expect("some");
    assert_eq!(
        (row.hash, &row.meta, row.model.as_str()),
        (hash(7), &new.meta, MODEL)
    );
    assert_eq!(row.face_count, 2);
    let faces = f.cat.faces_of_photo(id).expect("faces");
    assert_eq!(faces.len(), 2);
    for (got, want) in faces.iter().zip(&new.faces) {
        assert_eq!(got.bbox, want.bbox);
        assert_eq!(got.landmarks, want.landmarks);
        assert_eq!(got.embedding, want.embedding);
        assert_eq!((got.score, got.photo, got.person), (want.score, id, None));
    }
    assert_eq!(f.cat.face(faces[1].id).expect("face").expect("some").idx, 1);
    assert_eq!(f.cat.indexed_photo(&hash(7), MODEL).expect("q"), Some(id));
    assert_eq!(
        f.cat.indexed_photo(&hash(7), "other-model").expect("q"),
        None
    );
}

#[test]
fn commit_batch_is_all_or_nothing() {
    let mut f = fixture();
    let ids = f.add_files(&["a.jpg", "b.jpg"]);
    let before = f.cat.snapshot().expect("snapshot");
    let good = IndexOutcome::Analyzed {
        file: ids[0],
        size: 1000,
        mtime_ns: 1,
        photo: photo(1, &[BOX_A]),
    };
    // A photo id that does not exist: the foreign key on files.photo_id refuses it.
    let bad = IndexOutcome::Linked {
        file: ids[1],
        size: 1000,
        mtime_ns: 1,
        photo: 987_654,
    };
    let err = f
        .cat
        .commit_batch(&[good.clone(), bad], 300)
        .expect_err("FK violation");
    assert!(matches!(err, CatalogError::Sqlite { .. }), "{err}");
    assert_eq!(err.path(), f.db.as_path());
    let after = f.cat.snapshot().expect("snapshot");
    assert_eq!(before, after, "{:#?}", before.diff(&after));
    assert_eq!(f.cat.count_pending().expect("pending"), 2);
    assert_eq!(f.cat.indexed_photo(&hash(1), MODEL).expect("q"), None);

    // The same good outcome alone goes through; a deleted file is skipped silently.
    let gone = IndexOutcome::Failed {
        file: 55_555,
        size: 1,
        mtime_ns: 1,
        code: "x".into(),
        message: "y".into(),
    };
    f.cat.commit_batch(&[good, gone], 300).expect("commit");
    assert_eq!(f.cat.count_pending().expect("pending"), 1);
}

#[test]
fn reappearing_content_relinks_to_the_orphan_with_faces_and_names() {
    let mut f = fixture();
    let ids = f.add_files(&["a.jpg"]);
    let photo_id = f.analyze(ids[0], 1, &[BOX_A, BOX_B]);
    let faces = face_ids(&f, photo_id);
    let ann = f.cat.create_person("Ann", 1).expect("person");
    let bob = f.cat.create_person("Bob", 1).expect("person");
    confirm(&mut f, faces[0], ann);
    reject(&mut f.cat, faces[1], bob, 701).expect("reject");
    assign(
        &mut f.cat,
        faces[1],
        ann,
        Provenance::Automatic,
        Some(0.8),
        702,
    )
    .expect("auto");

    assert_eq!(
        f.cat
            .remove_path_at(&f.p("a.jpg"), Some(1000))
            .expect("delete"),
        1
    );
    assert_eq!(f.cat.count_orphan_photos().expect("orphans"), 1);
    let one = PhotoQuery {
        people: vec![ann],
        ..Default::default()
    };
    assert_eq!(
        f.cat.count_photos(&one).expect("count"),
        0,
        "orphans are not listed"
    );
    assert_eq!(f.cat.people_counts().expect("counts")[0].photos, 0);

    // The same bytes come back under another name: analysed again (e.g. no lookup first).
    let ids = f.add_files(&["back/again.jpg"]);
    let again = f.analyze(ids[0], 1, &[BOX_A, BOX_B]);
    assert_eq!(again, photo_id);
    assert_eq!(face_ids(&f, again), faces, "same face rows");
    let rows = f.cat.faces_of_photo(again).expect("faces");
    assert_eq!(rows[0].person, Some((ann, Provenance::Confirmed)));
    assert_eq!(rows[1].person, Some((ann, Provenance::Automatic)));
    assert_eq!(f.cat.count_orphan_photos().expect("orphans"), 0);
    assert_eq!(f.cat.count_photos(&one).expect("count"), 1);
    // The rejection of Bob is still there: Bob cannot be auto-assigned to that face.
    assign(&mut f.cat, faces[1], bob, Provenance::Automatic, None, 800).expect("auto");
    assert_eq!(
        f.cat.face(faces[1]).expect("face").expect("some").person,
        Some((ann, Provenance::Automatic))
    );
}

#[test]
fn content_change_carries_confirmed_decisions_by_iou() {
    let mut f = fixture();
    let ids = f.add_files(&["a.jpg"]);
    let far = [800.0, 600.0, 900.0, 700.0];
    let old = f.analyze(ids[0], 1, &[BOX_A, BOX_B, far]);
    let faces = face_ids(&f, old);
    let ann = f.cat.create_person("Ann", 1).expect("person");
    let bob = f.cat.create_person("Bob", 1).expect("person");
    let cy = f.cat.create_person("Cy", 1).expect("person");
    confirm(&mut f, faces[0], ann);
    reject(&mut f.cat, faces[1], bob, 701).expect("reject");
    assign(
        &mut f.cat,
        faces[2],
        cy,
        Provenance::Automatic,
        Some(0.9),
        702,
    )
    .expect("auto");

    // Edited: same faces slightly moved (IoU > 0.5), plus a new face; the far one is gone.
    let moved_a = [105.0, 102.0, 205.0, 222.0];
    let moved_b = [510.0, 310.0, 625.0, 455.0];
    let new_face = [300.0, 300.0, 350.0, 360.0];
    f.cat
        .upsert_file(&cand(&f.p("a.jpg"), 2000, 9), 800)
        .expect("changed");
    let out = IndexOutcome::Analyzed {
        file: ids[0],
        size: 2000,
        mtime_ns: 9,
        photo: photo(2, &[new_face, moved_b, moved_a]),
    };
    f.cat.commit_batch(&[out], 900).expect("commit");
    let new = f.photo_of(ids[0]);
    assert_ne!(new, old);
    let rows = f.cat.faces_of_photo(new).expect("faces");
    assert_eq!(rows[0].person, None, "a new face gets nothing");
    assert_eq!(rows[1].person, None);
    assert_eq!(rows[2].person, Some((ann, Provenance::Confirmed)));
    // Bob's rejection moved to the face at moved_b: Bob cannot be auto-assigned there.
    assign(
        &mut f.cat,
        rows[1].id,
        bob,
        Provenance::Suggested,
        None,
        950,
    )
    .expect("suggest");
    assert_eq!(
        f.cat.face(rows[1].id).expect("face").expect("some").person,
        None
    );
    // The old photo is an orphan and keeps its own decisions.
    assert_eq!(f.cat.count_orphan_photos().expect("orphans"), 1);
    let old_rows = f.cat.faces_of_photo(old).expect("faces");
    assert_eq!(old_rows[0].person, Some((ann, Provenance::Confirmed)));
    assert_eq!(old_rows[2].person, Some((cy, Provenance::Automatic)));
    let snap = f.cat.snapshot().expect("snapshot");
    assert_eq!(snap.rejections.len(), 2, "{:?}", snap.rejections);
}

#[test]
fn content_change_carries_decisions_across_a_resize() {
    let mut f = fixture();
    let ids = f.add_files(&["a.jpg"]);
    let old = f.analyze(ids[0], 1, &[BOX_A]);
    let ann = f.cat.create_person("Ann", 1).expect("person");
    let face = face_ids(&f, old)[0];
    confirm(&mut f, face, ann);
    // Re-exported at half size: same normalised box.
    let mut half = photo(2, &[[50.0, 50.0, 100.0, 110.0]]);
    half.meta.width = 500;
    half.meta.height = 400;
    let out = IndexOutcome::Analyzed {
        file: ids[0],
        size: 500,
        mtime_ns: 2,
        photo: half,
    };
    f.cat.commit_batch(&[out], 900).expect("commit");
    let rows = f.cat.faces_of_photo(f.photo_of(ids[0])).expect("faces");
    assert_eq!(rows[0].person, Some((ann, Provenance::Confirmed)));
}

#[test]
fn a_new_model_replaces_faces_and_keeps_confirmed_names() {
    let mut f = fixture();
    let ids = f.add_files(&["a.jpg"]);
    let id = f.analyze(ids[0], 1, &[BOX_A, BOX_B]);
    let ann = f.cat.create_person("Ann", 1).expect("person");
    let bob = f.cat.create_person("Bob", 1).expect("person");
    let faces = face_ids(&f, id);
    confirm(&mut f, faces[1], ann);
    assign(&mut f.cat, faces[0], bob, Provenance::Automatic, None, 1).expect("auto");
    let mut redo = photo(1, &[BOX_B]);
    redo.model = "model-v2".into();
    redo.faces[0].embedding = vec![0.5; 128];
    let out = IndexOutcome::Analyzed {
        file: ids[0],
        size: 1000,
        mtime_ns: 1,
        photo: redo,
    };
    f.cat.commit_batch(&[out], 900).expect("commit");
    assert_eq!(f.photo_of(ids[0]), id, "same photo row");
    let rows = f.cat.faces_of_photo(id).expect("faces");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].model.as_str(), rows[0].embedding[0]),
        ("model-v2", 0.5)
    );
    assert_eq!(rows[0].person, Some((ann, Provenance::Confirmed)));
    assert_eq!(f.cat.photo(id).expect("p").expect("some").face_count, 1);
    assert_eq!(f.cat.indexed_photo(&hash(1), MODEL).expect("q"), None);
    assert_eq!(
        f.cat.indexed_photo(&hash(1), "model-v2").expect("q"),
        Some(id)
    );
}

#[test]
fn failed_outcome_drops_the_link_and_purge_removes_old_orphans() {
    let mut f = fixture();
    let ids = f.add_files(&["a.jpg", "b.jpg"]);
    let pa = f.analyze(ids[0], 1, &[BOX_A]);
    f.analyze(ids[1], 2, &[BOX_A]);
    let ann = f.cat.create_person("Ann", 1).expect("person");
    let face = face_ids(&f, pa)[0];
    confirm(&mut f, face, ann);
    let fail = IndexOutcome::Failed {
        file: ids[0],
        size: 3,
        mtime_ns: 4,
        code: "decode".into(),
        message: "bad".into(),
    };
    f.cat.commit_batch(&[fail], 1000).expect("commit");
    assert!(f.cat.photo_by_path(&f.p("a.jpg")).expect("q").is_none());
    f.cat
        .remove_path_at(&f.p("b.jpg"), Some(2000))
        .expect("remove");
    assert_eq!(f.cat.count_orphan_photos().expect("orphans"), 2);
    assert_eq!(
        f.cat.purge_orphans(1500).expect("purge"),
        1,
        "only the one orphaned at 1000"
    );
    assert!(f.cat.photo(pa).expect("q").is_none());
    assert_eq!(f.cat.people_counts().expect("counts")[0].faces, 0);
    assert_eq!(f.cat.purge_orphans(i64::MAX).expect("purge"), 1);
    assert_eq!(f.cat.count_orphan_photos().expect("orphans"), 0);
    assert_eq!(f.cat.snapshot().expect("s").faces.len(), 0);
}

#[test]
fn user_decisions_are_never_overwritten_by_automation() {
    let mut f = fixture();
    let ids = f.add_files(&["a.jpg"]);
    let id = f.analyze(ids[0], 1, &[BOX_A]);
    let face = face_ids(&f, id)[0];
    let ann = f.cat.create_person("Ann", 1).expect("person");
    let bob = f.cat.create_person("Bob", 1).expect("person");
    let person_of = |f: &Fixture| f.cat.face(face).expect("face").expect("some").person;

    assign(&mut f.cat, face, bob, Provenance::Suggested, Some(0.4), 1).expect("suggest");
    assert_eq!(person_of(&f), Some((bob, Provenance::Suggested)));
    confirm(&mut f, face, ann);
    assign(&mut f.cat, face, bob, Provenance::Automatic, Some(0.99), 2).expect("auto");
    assert_eq!(person_of(&f), Some((ann, Provenance::Confirmed)));
    reject(&mut f.cat, face, ann, 3).expect("reject");
    assert_eq!(person_of(&f), None);
    assign(&mut f.cat, face, ann, Provenance::Automatic, None, 4).expect("auto");
    assert_eq!(person_of(&f), None, "rejected person stays off");
    confirm(&mut f, face, ann);
    assert_eq!(
        person_of(&f),
        Some((ann, Provenance::Confirmed)),
        "the user can change their mind"
    );
    assert!(f.cat.snapshot().expect("s").rejections.is_empty());

    assert!(matches!(
        assign(&mut f.cat, face, 999, Provenance::Confirmed, None, 5),
        Err(CatalogError::NotFound { .. })
    ));
    assert!(matches!(
        reject(&mut f.cat, 999, ann, 5),
        Err(CatalogError::NotFound { .. })
    ));
    assert!(matches!(
        f.cat.create_person("ANN", 6),
        Err(CatalogError::NameTaken { .. })
    ));
    assert_eq!(
        f.cat.person_by_name("aNn").expect("q").map(|p| p.id),
        Some(ann)
    );
    assert!(f.cat.person_by_name("Zed").expect("q").is_none());
}

/// Photos: 1 Ann (2019), 2 Ann+Bob (2020-03), 3 Bob (2020-07), 4 Ann+Bob (2021),
/// 5 Ann twice (2020-12-31), 6 Ann suggested only, 7 Ann rejected then Bob auto, 8 no date Ann.
struct Library {
    f: Fixture,
    ann: PersonId,
    bob: PersonId,
    photos: Vec<PhotoId>,
}

fn library() -> Library {
    let mut f = fixture();
    let names = [
        "1.jpg", "2.jpg", "3.jpg", "4.jpg", "5.jpg", "6.jpg", "7.jpg", "8.jpg",
    ];
    let ids = f.add_files(&names);
    let dates = [
        Some("2019-05-01T10:00:00"),
        Some("2020-03-01T10:00:00"),
        Some("2020-07-01T10:00:00"),
        Some("2021-01-01T10:00:00"),
        Some("2020-12-31T23:59:59"),
        Some("2020-08-01T10:00:00"),
        Some("2020-09-01T10:00:00"),
        None,
    ];
    let outcomes: Vec<_> = ids
        .iter()
        .zip(dates)
        .enumerate()
        .map(|(i, (&file, date))| IndexOutcome::Analyzed {
            file,
            size: 1000,
            mtime_ns: 1,
            photo: photo_taken(i as u8 + 1, &[BOX_A, BOX_B], date),
        })
        .collect();
    f.cat.commit_batch(&outcomes, 300).expect("commit");
    let photos: Vec<PhotoId> = ids.iter().map(|&i| f.photo_of(i)).collect();
    let ann = f.cat.create_person("Ann", 1).expect("person");
    let bob = f.cat.create_person("Bob", 1).expect("person");
    let face = |f: &Fixture, p: usize, i: usize| face_ids(f, photos[p])[i];
    let auto = Provenance::Automatic;
    for (p, i, who, prov) in [
        (0, 0, ann, Provenance::Confirmed),
        (1, 0, ann, auto),
        (1, 1, bob, Provenance::Confirmed),
        (2, 1, bob, auto),
        (3, 0, bob, auto),
        (3, 1, ann, auto),
        (4, 0, ann, auto),
        (4, 1, ann, Provenance::Confirmed),
        (5, 0, ann, Provenance::Suggested),
        (6, 0, ann, auto),
        (6, 1, bob, auto),
        (7, 0, ann, auto),
    ] {
        let id = face(&f, p, i);
        assign(&mut f.cat, id, who, prov, Some(0.7), 5).expect("assign");
    }
    let rejected = face(&f, 6, 0);
    reject(&mut f.cat, rejected, ann, 6).expect("reject");
    Library {
        f,
        ann,
        bob,
        photos,
    }
}

fn listed(lib: &Library, q: &PhotoQuery) -> Vec<usize> {
    let hits = lib.f.cat.photos(q).expect("photos");
    let n = lib
        .f
        .cat
        .count_photos(&PhotoQuery {
            limit: None,
            offset: 0,
            ..q.clone()
        })
        .expect("count");
    if q.limit.is_none() && q.offset == 0 {
        assert_eq!(n as usize, hits.len(), "count_photos agrees with photos()");
    }
    hits.iter()
        .map(|h| {
            let i = lib
                .photos
                .iter()
                .position(|&p| p == h.photo)
                .expect("known photo");
            assert_eq!(h.path, lib.f.p(&format!("{}.jpg", i + 1)));
            i + 1
        })
        .collect()
}

#[test]
fn photos_of_one_person_newest_first_without_suggested_or_rejected() {
    let lib = library();
    let q = PhotoQuery {
        people: vec![lib.ann],
        ..Default::default()
    };
    assert_eq!(
        listed(&lib, &q),
        vec![4, 5, 2, 1, 8],
        "5 once though Ann is there twice; 8 undated last"
    );
    let q = PhotoQuery {
        people: vec![lib.bob],
        ..Default::default()
    };
    assert_eq!(listed(&lib, &q), vec![4, 7, 3, 2]);
}

#[test]
fn photos_with_all_of_several_people() {
    let lib = library();
    let q = PhotoQuery {
        people: vec![lib.ann, lib.bob],
        ..Default::default()
    };
    assert_eq!(listed(&lib, &q), vec![4, 2]);
    let q = PhotoQuery {
        people: vec![lib.bob, lib.ann, lib.bob],
        ..Default::default()
    };
    assert_eq!(
        listed(&lib, &q),
        vec![4, 2],
        "order and repeats do not matter"
    );
    let nobody = lib.f.cat.people().expect("people").len() as PersonId + 100;
    let q = PhotoQuery {
        people: vec![lib.ann, nobody],
        ..Default::default()
    };
    assert!(listed(&lib, &q).is_empty());
}

#[test]
fn photos_by_date_range_inclusive() {
    let lib = library();
    let ann = |from: Option<&str>, to: Option<&str>| PhotoQuery {
        people: vec![lib.ann],
        from: from.map(str::to_owned),
        to: to.map(str::to_owned),
        ..Default::default()
    };
    assert_eq!(
        listed(&lib, &ann(Some("2020-01-01"), Some("2020-12-31"))),
        vec![5, 2]
    );
    assert_eq!(
        listed(
            &lib,
            &ann(Some("2020-03-01T10:00:00"), Some("2020-03-01T10:00:00"))
        ),
        vec![2]
    );
    assert_eq!(listed(&lib, &ann(Some("2020"), None)), vec![4, 5, 2]);
    assert_eq!(listed(&lib, &ann(None, Some("2019"))), vec![1]);
    let all = PhotoQuery {
        from: Some("2020-07".into()),
        to: Some("2020-09".into()),
        ..Default::default()
    };
    assert_eq!(listed(&lib, &all), vec![7, 6, 3]);
}

#[test]
fn all_photos_and_paging() {
    let mut lib = library();
    let all = PhotoQuery::default();
    assert_eq!(listed(&lib, &all), vec![4, 5, 7, 6, 3, 2, 1, 8]);
    let page = |lib: &Library, offset, limit| {
        let q = PhotoQuery {
            people: vec![lib.ann],
            limit: Some(limit),
            offset,
            ..Default::default()
        };
        listed(lib, &q)
    };
    assert_eq!(page(&lib, 0, 2), vec![4, 5]);
    assert_eq!(page(&lib, 2, 2), vec![2, 1]);
    assert_eq!(page(&lib, 4, 2), vec![8]);
    assert_eq!(page(&lib, 6, 2), Vec::<usize>::new());
    // A duplicate file of photo 2 does not duplicate the hit.
    let ids = lib.f.add_files(&["copy-of-2.jpg"]);
    let link = IndexOutcome::Linked {
        file: ids[0],
        size: 1000,
        mtime_ns: 1,
        photo: lib.photos[1],
    };
    lib.f.cat.commit_batch(&[link], 400).expect("link");
    assert_eq!(
        listed(
            &lib,
            &PhotoQuery {
                people: vec![lib.bob],
                ..Default::default()
            }
        ),
        vec![4, 7, 3, 2]
    );
}

#[test]
fn people_counts_biggest_first() {
    let lib = library();
    let counts = lib.f.cat.people_counts().expect("counts");
    let got: Vec<_> = counts
        .iter()
        .map(|c| (c.name.clone(), c.faces, c.photos, c.hidden))
        .collect();
    assert_eq!(
        got,
        vec![
            (Some("Ann".into()), 6, 5, false),
            (Some("Bob".into()), 4, 4, false)
        ]
    );
    assert_eq!(lib.f.cat.status().expect("status").people, 2);
}

#[test]
fn snapshots_of_equal_catalogs_are_equal_and_diff_names_changes() {
    let a = library();
    let mut b = library();
    let (sa, sb) = (
        a.f.cat.snapshot().expect("a"),
        b.f.cat.snapshot().expect("b"),
    );
    assert_ne!(a.f.root.path, b.f.root.path, "different temp folders");
    // Paths differ (each fixture has its own folder); everything else is equal.
    assert_eq!(sa.faces, sb.faces);
    assert_eq!(sa.assignments, sb.assignments);
    assert_eq!(sa.rejections, sb.rejections);
    assert_eq!(sa.photos, sb.photos);
    assert_eq!(sa.people, sb.people);

    let before = b.f.cat.snapshot().expect("before");
    assert!(before.diff(&before).is_empty());
    let face = face_ids(&b.f, b.photos[2])[0];
    assign(&mut b.f.cat, face, b.ann, Provenance::Confirmed, None, 9).expect("assign");
    let after = b.f.cat.snapshot().expect("after");
    assert_ne!(before, after);
    let diff = before.diff(&after);
    assert_eq!(diff.len(), 1, "{diff:#?}");
    assert!(
        diff[0].starts_with("+ assignment:") && diff[0].contains("Ann"),
        "{diff:?}"
    );
}

#[test]
fn assign_faces_in_one_batch_respects_user_decisions_and_skips_missing_faces() {
    let mut lib = library();
    let cy = lib.f.cat.create_person("Cy", 1).expect("person");
    let all: Vec<FaceRow> = lib.f.cat.faces_after(0, 1000).expect("faces");
    assert_eq!(all.len(), 16);
    assert!(all.windows(2).all(|w| w[0].id < w[1].id));
    let page = lib.f.cat.faces_after(all[9].id, 3).expect("page");
    assert_eq!(
        page.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![all[10].id, all[11].id, all[12].id]
    );

    let batch: Vec<FaceAssignment> = all
        .iter()
        .map(|x| x.id)
        .chain([999_999])
        .map(|face| FaceAssignment {
            face,
            person: cy,
            provenance: Provenance::Automatic,
            confidence: None,
        })
        .collect();
    let stored = lib.f.cat.assign_automatic(&batch, 10).expect("batch");
    // Confirmed faces in the library: photo 1 #0, photo 2 #1, photo 5 #1 (3 faces) keep theirs.
    assert_eq!(stored, 13);
    let confirmed = lib
        .f
        .cat
        .faces_after(0, 1000)
        .expect("faces")
        .iter()
        .filter(|x| matches!(x.person, Some((_, Provenance::Confirmed))))
        .count();
    assert_eq!(confirmed, 3);
    let bad = [FaceAssignment {
        face: all[0].id,
        person: 424_242,
        provenance: Provenance::Automatic,
        confidence: None,
    }];
    assert!(matches!(
        lib.f.cat.assign_automatic(&bad, 11),
        Err(CatalogError::NotFound { .. })
    ));
}
