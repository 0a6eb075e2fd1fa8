//! Re-detection of an existing library (another detector or alignment: another model id) on
//! real SQLite files: what makes indexed files pending again, and every kind of user decision
//! surviving the replacement of a photo's faces.

mod common;

use common::*;
use likeness_catalog::*;

const V2: &str = "model-v2";

/// Re-analyses `file` (content `seed`, already indexed) with model `model`: faces at `boxes`.
fn redetect(f: &mut Fixture, file: FileId, seed: u8, boxes: &[[f32; 4]], model: &str) {
    let mut p = photo(seed, boxes);
    p.model = model.into();
    // Embeddings the old model did not give, to tell new faces from kept ones.
    for face in &mut p.faces {
        face.embedding = vec![0.5; 128];
    }
    let out = IndexOutcome::Analyzed {
        file,
        size: 1000,
        mtime_ns: 1,
        photo: p,
    };
    f.cat.commit_batch(&[out], 5000).expect("commit");
}

fn faces(f: &Fixture, photo: PhotoId) -> Vec<FaceRow> {
    f.cat.faces_of_photo(photo).expect("faces")
}

/// The face of `photo` whose box is `bbox`.
fn at(f: &Fixture, photo: PhotoId, bbox: [f32; 4]) -> FaceRow {
    faces(f, photo)
        .into_iter()
        .find(|x| x.bbox == bbox)
        .unwrap_or_else(|| panic!("no face at {bbox:?}"))
}

fn shifted(b: [f32; 4], d: f32) -> [f32; 4] {
    [b[0] + d, b[1] + d, b[2] + d, b[3] + d]
}

const BOX_C: [f32; 4] = [300.0, 100.0, 400.0, 220.0];
const BOX_D: [f32; 4] = [700.0, 100.0, 800.0, 220.0];
const BOX_E: [f32; 4] = [100.0, 500.0, 200.0, 620.0];
const FAR: [f32; 4] = [850.0, 650.0, 950.0, 780.0];

fn automatic(f: &mut Fixture, face: FaceId, person: PersonId) {
    assign(
        &mut f.cat,
        face,
        person,
        Provenance::Automatic,
        Some(0.8),
        600,
    )
    .expect("automatic");
}

#[test]
fn requeue_makes_only_indexed_files_of_another_model_pending() {
    let mut f = fixture();
    let ids = f.add_files(&["a.jpg", "b.jpg", "c.jpg", "d.jpg", "gone.jpg"]);
    f.analyze(ids[0], 1, &[BOX_A]);
    redetect(&mut f, ids[1], 2, &[BOX_A], V2);
    f.analyze(ids[4], 5, &[BOX_A]);
    f.cat.remove_path(&f.p("gone.jpg")).expect("orphaned");
    let fail = IndexOutcome::Failed {
        file: ids[3],
        size: 1,
        mtime_ns: 1,
        code: "decode".into(),
        message: "bad".into(),
    };
    f.cat.commit_batch(&[fail], 400).expect("failed");
    // c.jpg is still pending, d.jpg failed, gone.jpg's photo is an orphan of MODEL.
    assert_eq!(f.cat.count_pending().expect("pending"), 1);
    assert_eq!(f.cat.requeue_other_models(V2, 4000).expect("requeue"), 1);
    let stamps = f.cat.file_stamps(f.root.id).expect("stamps");
    let state = |rel: &str| stamps[&f.p(rel)].state;
    assert_eq!(
        [
            state("a.jpg"),
            state("b.jpg"),
            state("c.jpg"),
            state("d.jpg")
        ],
        [
            FileState::Pending,
            FileState::Indexed,
            FileState::Pending,
            FileState::Failed
        ]
    );
    let pending: Vec<FileId> = f
        .cat
        .pending_files(0, 10)
        .expect("pending")
        .iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(pending, vec![ids[0], ids[2]]);
    // The file keeps its photo (and so its faces and names) until it is re-analysed.
    assert!(f.cat.photo_by_path(&f.p("a.jpg")).expect("q").is_some());
    // Idempotent; nothing left once the file is re-analysed with the new model.
    assert_eq!(f.cat.requeue_other_models(V2, 4001).expect("again"), 0);
    redetect(&mut f, ids[0], 1, &[BOX_A], V2);
    assert_eq!(f.cat.requeue_other_models(V2, 4002).expect("after"), 0);
    assert_eq!(f.cat.count_pending().expect("pending"), 1, "c.jpg only");
    // Back to the first model: both indexed files go again.
    assert_eq!(f.cat.requeue_other_models(MODEL, 4003).expect("back"), 2);
}

#[test]
fn every_decision_moves_to_the_overlapping_new_face() {
    let mut f = fixture();
    let ids = f.add_files(&["a.jpg"]);
    let photo_id = f.analyze(ids[0], 1, &[BOX_A, BOX_B, BOX_C, BOX_D, BOX_E]);
    let old = faces(&f, photo_id);
    let old_max = old.iter().map(|x| x.id).max().expect("faces");
    let ann = f.cat.create_person("Ann", 500).expect("ann");
    let bob = f.cat.create_person("Bob", 500).expect("bob");
    let cy = f.cat.create_person("Cy", 500).expect("cy");
    let dee = f.cat.create_person("Dee", 500).expect("dee");
    f.cat.move_faces(&[old[0].id], ann, 501).expect("confirm");
    f.cat.set_cover(ann, old[0].id, 502).expect("cover");
    automatic(&mut f, old[1].id, cy);
    f.cat.reject_faces(&[old[1].id], bob, 503).expect("reject");
    f.cat
        .set_not_face(&[old[2].id], true, 504)
        .expect("not a face");
    // An automatic face the user picked as cover: the cover is the decision.
    automatic(&mut f, old[3].id, dee);
    f.cat.set_cover(dee, old[3].id, 505).expect("cover");
    f.cat.set_hidden(&[dee], true, 506).expect("hide");
    // BOX_E has nothing on it and is not found again.

    // The new detector: same faces, boxes moved a little (IoU > 0.5), another order.
    let (a2, b2, c2, d2) = (
        shifted(BOX_A, 8.0),
        shifted(BOX_B, -6.0),
        shifted(BOX_C, 5.0),
        shifted(BOX_D, 4.0),
    );
    assert_eq!(f.cat.requeue_other_models(V2, 4000).expect("requeue"), 1);
    redetect(&mut f, ids[0], 1, &[d2, c2, b2, a2], V2);

    let row = f.cat.photo(photo_id).expect("photo").expect("row");
    assert_eq!((row.model.as_str(), row.face_count), (V2, 4));
    let now = faces(&f, photo_id);
    assert_eq!(
        now.iter().map(|x| x.idx).collect::<Vec<_>>(),
        vec![0, 1, 2, 3]
    );
    assert!(
        now.iter()
            .all(|x| x.id > old_max && !x.manual && x.embedding == vec![0.5; 128]),
        "only new faces, with new ids: {now:?}"
    );
    assert_eq!(
        at(&f, photo_id, a2).person,
        Some((ann, Provenance::Confirmed))
    );
    assert_eq!(
        at(&f, photo_id, b2).person,
        Some((cy, Provenance::Automatic))
    );
    assert!(at(&f, photo_id, c2).not_face);
    assert_eq!(
        at(&f, photo_id, d2).person,
        Some((dee, Provenance::Automatic))
    );
    let d = f.cat.decisions().expect("decisions");
    let by_face = |b: [f32; 4]| at(&f, photo_id, b).id;
    assert_eq!(
        d.confirmed.into_iter().collect::<Vec<_>>(),
        vec![(by_face(a2), ann)]
    );
    assert_eq!(
        d.rejections.into_iter().collect::<Vec<_>>(),
        vec![(by_face(b2), bob)]
    );
    assert_eq!(
        d.not_face.into_iter().collect::<Vec<_>>(),
        vec![by_face(c2)]
    );
    assert_eq!(d.people[&ann].cover, Some(by_face(a2)));
    assert_eq!(d.people[&dee].cover, Some(by_face(d2)));
    assert!(d.people[&dee].hidden);
    // Bob's rejection holds on the new face: automation cannot put Bob there.
    let b2_id = by_face(b2);
    automatic(&mut f, b2_id, bob);
    assert_eq!(
        at(&f, photo_id, b2).person,
        Some((cy, Provenance::Automatic))
    );
    assert_eq!(f.cat.integrity_check().expect("check"), "ok");
}

#[test]
fn a_decision_no_new_face_overlaps_keeps_its_old_face_unchanged() {
    let mut f = fixture();
    let ids = f.add_files(&["a.jpg"]);
    let photo_id = f.analyze(ids[0], 1, &[BOX_A, BOX_B, BOX_C, BOX_D]);
    let old = faces(&f, photo_id);
    let ann = f.cat.create_person("Ann", 500).expect("ann");
    let bob = f.cat.create_person("Bob", 500).expect("bob");
    let cy = f.cat.create_person("Cy", 500).expect("cy");
    f.cat.move_faces(&[old[0].id], ann, 501).expect("confirm");
    f.cat.reject_faces(&[old[1].id], bob, 502).expect("reject");
    f.cat
        .set_not_face(&[old[2].id], true, 503)
        .expect("not a face");
    automatic(&mut f, old[3].id, cy);
    let decided = f.cat.decisions().expect("decisions");

    // The new detector finds one face elsewhere, and none of the old ones.
    redetect(&mut f, ids[0], 1, &[FAR], V2);

    let now = faces(&f, photo_id);
    assert_eq!(
        now.len(),
        4,
        "the new face + the three decided ones: {now:?}"
    );
    assert_eq!(
        f.cat.photo(photo_id).expect("p").expect("row").face_count,
        4
    );
    assert_eq!((now[0].bbox, now[0].idx, now[0].person), (FAR, 0, None));
    // Kept after the new face, in their old order, with their ids and everything else.
    for (k, (got, was)) in now[1..].iter().zip(&old[..3]).enumerate() {
        assert_eq!(got.idx, 1 + k as u32);
        assert_eq!(
            (
                got.id,
                got.bbox,
                got.landmarks,
                got.score,
                &got.embedding,
                got.manual
            ),
            (
                was.id,
                was.bbox,
                was.landmarks,
                was.score,
                &was.embedding,
                was.manual
            )
        );
    }
    assert_eq!(now[1].person, Some((ann, Provenance::Confirmed)));
    assert!(now[3].not_face);
    // Nothing the user decided changed, not even a face id.
    assert_eq!(f.cat.decisions().expect("decisions"), decided);
    // The automatic face was not a decision: gone with its assignment.
    assert!(f.cat.face(old[3].id).expect("q").is_none());
    assert_eq!(f.cat.integrity_check().expect("check"), "ok");
}

#[test]
fn a_kept_face_follows_a_change_of_the_photo_size() {
    let mut f = fixture();
    let ids = f.add_files(&["a.jpg"]);
    let photo_id = f.analyze(ids[0], 1, &[BOX_A]);
    let face = faces(&f, photo_id)[0].clone();
    let ann = f.cat.create_person("Ann", 500).expect("ann");
    f.cat.move_faces(&[face.id], ann, 501).expect("confirm");
    // A decoder that now gives the photo at half size (e.g. another RAW preview).
    let mut p = photo(1, &[]);
    p.model = V2.into();
    p.meta.width = 500;
    p.meta.height = 400;
    let out = IndexOutcome::Analyzed {
        file: ids[0],
        size: 1000,
        mtime_ns: 1,
        photo: p,
    };
    f.cat.commit_batch(&[out], 5000).expect("commit");
    let kept = f.cat.face(face.id).expect("q").expect("kept");
    assert_eq!(kept.bbox, BOX_A.map(|v| v / 2.0));
    assert_eq!(kept.landmarks, face.landmarks.map(|v| v / 2.0));
    assert_eq!(kept.person, Some((ann, Provenance::Confirmed)));
}

#[test]
fn manual_faces_stay_unless_a_detection_takes_them_over() {
    let mut f = fixture();
    let ids = f.add_files(&["a.jpg"]);
    let photo_id = f.analyze(ids[0], 1, &[BOX_A]);
    let manual = |b: [f32; 4]| NewFace {
        bbox: b,
        landmarks: [1.0; 10],
        score: 0.0,
        embedding: vec![0.25; 128],
        quality: None,
    };
    let items = vec![
        ImportItem {
            target: ImportTarget::NewFace {
                photo: photo_id,
                face: manual(BOX_C),
            },
            name: "Ann".into(),
        },
        ImportItem {
            target: ImportTarget::NewFace {
                photo: photo_id,
                face: manual(BOX_D),
            },
            name: "Bob".into(),
        },
    ];
    let imported = f
        .cat
        .import_faces(&items, "import", 600, false)
        .expect("import");
    assert_eq!(imported.created_faces.len(), 2);
    let (m_c, m_d) = (at(&f, photo_id, BOX_C), at(&f, photo_id, BOX_D));
    assert!(m_c.manual && m_d.manual);
    let (ann, bob) = (m_c.person.expect("ann").0, m_d.person.expect("bob").0);

    // The new detector finds BOX_A and, now, the face at BOX_C (moved a little).
    let c2 = shifted(BOX_C, 6.0);
    redetect(&mut f, ids[0], 1, &[BOX_A, c2], V2);

    let now = faces(&f, photo_id);
    assert_eq!(now.len(), 3, "{now:?}");
    // BOX_C: one face — the detection took the manual face's person over.
    let took = at(&f, photo_id, c2);
    assert!(!took.manual);
    assert_eq!(took.person, Some((ann, Provenance::Confirmed)));
    assert!(f.cat.face(m_c.id).expect("q").is_none());
    assert_eq!(
        now.iter()
            .filter(|x| x.person.map(|p| p.0) == Some(ann))
            .count(),
        1,
        "no second face for the region"
    );
    // BOX_D: nothing found there; the manual face stays exactly as it was.
    let kept = f.cat.face(m_d.id).expect("q").expect("kept");
    assert_eq!(
        (
            kept.manual,
            kept.bbox,
            kept.landmarks,
            &kept.embedding,
            kept.person
        ),
        (
            true,
            BOX_D,
            m_d.landmarks,
            &m_d.embedding,
            Some((bob, Provenance::Confirmed))
        )
    );
    assert_eq!(kept.idx, 2);
    // Undoing the import after the re-detection: the manual face and both people go,
    // the detection stays (without the person the import had created).
    let undone = f.cat.undo(700).expect("undo").expect("import");
    assert_eq!(undone.kind, EditKind::ImportXmp);
    assert!(f.cat.face(m_d.id).expect("q").is_none());
    assert!(f.cat.person(ann).expect("q").is_none());
    assert_eq!(at(&f, photo_id, c2).person, None);
    assert_eq!(faces(&f, photo_id).len(), 2);
    // Redo re-creates the kept manual face (its old index is taken now: after the last).
    let redone = f.cat.redo(701).expect("redo").expect("import");
    assert_eq!(
        redone.skipped_faces, 1,
        "the taken-over manual face is gone"
    );
    let back = f.cat.face(m_d.id).expect("q").expect("re-created");
    assert_eq!((back.manual, back.bbox, back.idx), (true, BOX_D, 2));
    assert_eq!(back.person, Some((bob, Provenance::Confirmed)));
    assert_eq!(f.cat.integrity_check().expect("check"), "ok");
}

#[test]
fn covers_follow_their_face_or_stay_on_the_kept_face() {
    let mut f = fixture();
    let ids = f.add_files(&["a.jpg", "b.jpg"]);
    let pa = f.analyze(ids[0], 1, &[BOX_A, BOX_B]);
    let pb = f.analyze(ids[1], 2, &[BOX_A]);
    let (fa, fb) = (faces(&f, pa), faces(&f, pb));
    let ann = f.cat.create_person("Ann", 500).expect("ann");
    let bob = f.cat.create_person("Bob", 500).expect("bob");
    f.cat
        .move_faces(&[fa[0].id, fb[0].id], ann, 501)
        .expect("confirm");
    f.cat.set_cover(ann, fa[0].id, 502).expect("ann's cover");
    automatic(&mut f, fa[1].id, bob);
    f.cat.set_cover(bob, fa[1].id, 503).expect("bob's cover");
    // BOX_A is found again, BOX_B (Bob's automatic cover face) is not.
    let a2 = shifted(BOX_A, 5.0);
    redetect(&mut f, ids[0], 1, &[a2], V2);
    let new_a = at(&f, pa, a2);
    let overview = f.cat.people_overview(true).expect("overview");
    let cover = |p: PersonId| {
        overview
            .iter()
            .find(|s| s.id == p)
            .expect("person")
            .cover_face
    };
    assert_eq!(cover(ann), Some(new_a.id), "the cover moved with its face");
    assert_eq!(
        cover(bob),
        Some(fa[1].id),
        "the cover face was kept, with its automatic assignment"
    );
    let d = f.cat.decisions().expect("decisions");
    assert_eq!(d.people[&ann].cover, Some(new_a.id));
    assert_eq!(d.people[&bob].cover, Some(fa[1].id));
    assert_eq!(
        f.cat.face(fa[1].id).expect("q").expect("kept").person,
        Some((bob, Provenance::Automatic))
    );
    // Every cover points at an existing face.
    for p in f.cat.people().expect("people") {
        if let Some(face) = p.cover_face {
            assert!(f.cat.face(face).expect("q").is_some(), "{p:?}");
        }
    }
}

#[test]
fn the_confirmed_face_takes_a_contested_new_face_and_the_other_is_kept() {
    let mut f = fixture();
    let ids = f.add_files(&["a.jpg"]);
    // Two old detections of one face (a duplicate): the user confirmed one to Ann and marked
    // the other "not a face". The new detector finds the face once, closer to the duplicate.
    let dup = shifted(BOX_A, 14.0);
    let photo_id = f.analyze(ids[0], 1, &[BOX_A, dup]);
    let old = faces(&f, photo_id);
    let ann = f.cat.create_person("Ann", 500).expect("ann");
    f.cat.move_faces(&[old[0].id], ann, 501).expect("confirm");
    f.cat.set_not_face(&[old[1].id], true, 502).expect("dup");
    let x = shifted(BOX_A, 12.0);
    let iou = |a: [f32; 4], b: [f32; 4]| {
        let w = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
        let h = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
        let area = |r: [f32; 4]| (r[2] - r[0]) * (r[3] - r[1]);
        w * h / (area(a) + area(b) - w * h)
    };
    assert!(iou(x, dup) > iou(x, BOX_A) && iou(x, BOX_A) >= 0.5);
    redetect(&mut f, ids[0], 1, &[x], V2);
    // The confirmed face claims the new face although the duplicate overlaps it more...
    assert_eq!(
        at(&f, photo_id, x).person,
        Some((ann, Provenance::Confirmed))
    );
    assert!(!at(&f, photo_id, x).not_face);
    // ...and the "not a face" mark is not lost: its face stays.
    let kept = f.cat.face(old[1].id).expect("q").expect("kept");
    assert!(kept.not_face);
    assert!(f.cat.face(old[0].id).expect("q").is_none());
    assert_eq!(faces(&f, photo_id).len(), 2);
}

#[test]
fn on_a_content_change_a_decision_already_on_the_new_face_wins() {
    let mut f = fixture();
    let ids = f.add_files(&["a.jpg", "b.jpg"]);
    let pa = f.analyze(ids[0], 1, &[BOX_A]);
    let pb = f.analyze(ids[1], 2, &[BOX_A]);
    let ann = f.cat.create_person("Ann", 500).expect("ann");
    let bob = f.cat.create_person("Bob", 500).expect("bob");
    let (fa, fb) = (faces(&f, pa)[0].id, faces(&f, pb)[0].id);
    f.cat.move_faces(&[fa], ann, 501).expect("ann");
    f.cat.move_faces(&[fb], bob, 502).expect("bob");
    // a.jpg is overwritten with b.jpg's bytes: its decision meets Bob's face.
    f.cat
        .upsert_file(&cand(&f.p("a.jpg"), 1000, 2), 800)
        .expect("changed");
    let out = IndexOutcome::Analyzed {
        file: ids[0],
        size: 1000,
        mtime_ns: 2,
        photo: photo(2, &[BOX_A]),
    };
    f.cat.commit_batch(&[out], 900).expect("commit");
    assert_eq!(f.photo_of(ids[0]), pb);
    assert_eq!(
        f.cat.face(fb).expect("q").expect("row").person,
        Some((bob, Provenance::Confirmed))
    );
    // Ann's decision stays on the old content (an orphan now), not lost.
    assert_eq!(
        f.cat.face(fa).expect("q").expect("row").person,
        Some((ann, Provenance::Confirmed))
    );
}

#[test]
fn undo_after_a_redetection_skips_the_faces_that_went() {
    let mut f = fixture();
    let ids = f.add_files(&["a.jpg"]);
    let photo_id = f.analyze(ids[0], 1, &[BOX_A, BOX_B]);
    let old = faces(&f, photo_id);
    let ann = f.cat.create_person("Ann", 500).expect("ann");
    let bob = f.cat.create_person("Bob", 500).expect("bob");
    f.cat.move_faces(&[old[0].id], ann, 501).expect("ann");
    f.cat.move_faces(&[old[0].id], bob, 502).expect("bob");
    let a2 = shifted(BOX_A, 5.0);
    redetect(&mut f, ids[0], 1, &[a2, BOX_B], V2);
    let new_a = at(&f, photo_id, a2).id;
    assert_eq!(
        f.cat.face(new_a).expect("q").expect("row").person,
        Some((bob, Provenance::Confirmed))
    );
    // The edits name the old face: undo and redo skip it (counted) and touch nothing else.
    let before = f.cat.snapshot().expect("snapshot");
    let undone = f.cat.undo(600).expect("undo").expect("edit");
    assert_eq!(undone.skipped_faces, 1);
    let redone = f.cat.redo(601).expect("redo").expect("edit");
    assert_eq!(redone.skipped_faces, 1);
    assert_eq!(
        f.cat.snapshot().expect("snapshot").diff(&before),
        Vec::<String>::new()
    );
    assert_eq!(f.cat.integrity_check().expect("check"), "ok");
}

#[test]
fn undo_after_a_redetection_keeps_the_cover_that_moved() {
    let mut f = fixture();
    let ids = f.add_files(&["a.jpg"]);
    let photo_id = f.analyze(ids[0], 1, &[BOX_A, BOX_B]);
    let old = faces(&f, photo_id);
    let ann = f.cat.create_person("Ann", 500).expect("ann");
    f.cat.move_faces(&[old[0].id], ann, 501).expect("ann");
    f.cat.set_cover(ann, old[0].id, 502).expect("cover");
    // An edit that captures Ann's row (with the cover at old[0]) in both its images.
    f.cat.move_faces(&[old[1].id], ann, 503).expect("move");
    let (a2, b2) = (shifted(BOX_A, 5.0), shifted(BOX_B, 5.0));
    redetect(&mut f, ids[0], 1, &[a2, b2], V2);
    let cover = at(&f, photo_id, a2).id;
    assert_eq!(
        f.cat.person(ann).expect("q").expect("ann").cover_face,
        Some(cover)
    );
    let undone = f.cat.undo(600).expect("undo").expect("move");
    assert_eq!(undone.skipped_faces, 2, "old[1] and the old cover");
    assert_eq!(
        f.cat.person(ann).expect("q").expect("ann").cover_face,
        Some(cover),
        "an undo naming the old cover face keeps the cover it moved to"
    );
    f.cat.redo(601).expect("redo").expect("move");
    assert_eq!(
        f.cat.person(ann).expect("q").expect("ann").cover_face,
        Some(cover)
    );
}

#[test]
fn a_deleted_face_id_is_never_given_to_another_face() {
    let mut f = fixture();
    let ids = f.add_files(&["a.jpg", "b.jpg"]);
    let pa = f.analyze(ids[0], 1, &[BOX_A, BOX_B]);
    let top = faces(&f, pa)[1].id;
    let ann = f.cat.create_person("Ann", 500).expect("ann");
    // An edit on the face with the highest id, undone: the redo stack names it.
    f.cat.move_faces(&[top], ann, 501).expect("move");
    f.cat.undo(502).expect("undo").expect("edit");
    // Re-detection finds no face: both faces (nothing on them now) are deleted, the one with
    // the highest id among them.
    redetect(&mut f, ids[0], 1, &[], V2);
    assert!(f.cat.face(top).expect("q").is_none());
    // A new photo's faces must not take those ids, or the redo would land on one of them.
    let pb = f.analyze(ids[1], 2, &[BOX_A, BOX_B]);
    let new_faces = faces(&f, pb);
    assert!(
        new_faces.iter().all(|x| x.id > top),
        "{new_faces:?} reuse an old id (≤ {top})"
    );
    let redone = f.cat.redo(503).expect("redo").expect("edit");
    assert_eq!(redone.skipped_faces, 1);
    assert!(faces(&f, pb).iter().all(|x| x.person.is_none()));
}
