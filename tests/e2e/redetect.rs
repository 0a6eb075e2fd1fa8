//! Re-detection of an existing library, end to end: real photos indexed with MTCNN into a
//! real SQLite catalog, every kind of user decision made through the engine's people and XMP
//! APIs, then the same library indexed again with another detector (YuNet: another model id,
//! boxes that really move). Every photo must be re-detected, and nothing the user decided may
//! be lost.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use likeness_e2e::{
    copy_tree, iou, models_dir, ort_library, pipeline, rejected_but_assigned, temp_dir,
};
use likeness_engine::catalog::{Catalog, FaceId, FaceRow, FileState, PersonId, Provenance};
use likeness_engine::people::{self, MoveTarget};
use likeness_engine::xmp::SidecarStyle;
use likeness_engine::{
    add_root, xmp, DetectorKind, EngineConfig, EngineError, FacePipeline, IndexControl, IndexPhase,
    Indexer, LibraryPaths, PeopleConfig, SystemClock, ThumbnailCache,
};

/// A face as the user sees it: which file, where.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
struct Place {
    path: PathBuf,
    bbox: [f32; 4],
}

fn place(cat: &Catalog, face: FaceId) -> Place {
    let row = cat.face(face).unwrap().unwrap();
    let photo = cat.photo(row.photo).unwrap().unwrap();
    Place {
        path: photo.paths[0].clone(),
        bbox: row.bbox,
    }
}

fn faces_at(cat: &Catalog, path: &Path) -> Vec<FaceRow> {
    let photo = cat.photo_by_path(path).unwrap().unwrap();
    cat.faces_of_photo(photo.id).unwrap()
}

/// The face of `at`'s photo that stands for the old face at `at` now, among those `ok`
/// accepts: the same box (kept) or the best overlap of at least 0.5 (carried).
fn found_again(cat: &Catalog, at: &Place, ok: impl Fn(&FaceRow) -> bool) -> Option<FaceRow> {
    let b = |x: [f32; 4]| x.map(f64::from);
    faces_at(cat, &at.path)
        .into_iter()
        .filter(|f| ok(f) && (f.bbox == at.bbox || iou(b(f.bbox), b(at.bbox)) >= 0.5))
        .max_by(|x, y| iou(b(x.bbox), b(at.bbox)).total_cmp(&iou(b(y.bbox), b(at.bbox))))
}

/// Every user decision, by place instead of face id (ids change with a re-detection).
#[derive(Debug, Default)]
struct Placed {
    /// person → (name, hidden).
    people: BTreeMap<PersonId, (Option<String>, bool)>,
    confirmed: Vec<(Place, PersonId)>,
    rejections: Vec<(Place, PersonId)>,
    not_face: Vec<Place>,
    /// Manual faces (imported regions) and their person.
    manual: Vec<(Place, Option<PersonId>)>,
    covers: BTreeMap<PersonId, Place>,
}

fn placed(cat: &Catalog, photos: &[PathBuf]) -> Placed {
    let d = cat.decisions().unwrap();
    let mut out = Placed::default();
    for (id, p) in &d.people {
        out.people.insert(*id, (p.name.clone(), p.hidden));
        if let Some(face) = p.cover {
            out.covers.insert(*id, place(cat, face));
        }
    }
    for (face, person) in &d.confirmed {
        out.confirmed.push((place(cat, *face), *person));
    }
    for (face, person) in &d.rejections {
        out.rejections.push((place(cat, *face), *person));
    }
    for face in &d.not_face {
        out.not_face.push(place(cat, *face));
    }
    for path in photos {
        for f in faces_at(cat, path) {
            if f.manual {
                out.manual.push((place(cat, f.id), f.person.map(|p| p.0)));
            }
        }
    }
    out
}

/// A sidecar with MWG face regions (`name`, upright box in pixels of a `w`×`h` photo).
fn write_sidecar(photo: &Path, w: u32, h: u32, regions: &[(&str, [f32; 4])]) {
    let mut items = String::new();
    for (name, b) in regions {
        let (bw, bh) = ((b[2] - b[0]) / w as f32, (b[3] - b[1]) / h as f32);
        let (cx, cy) = (
            (b[0] + b[2]) / 2.0 / w as f32,
            (b[1] + b[3]) / 2.0 / h as f32,
        );
        items.push_str(&format!(
            "<rdf:li rdf:parseType='Resource'><mwg-rs:Area rdf:parseType='Resource'>\
             <stArea:x>{cx}</stArea:x><stArea:y>{cy}</stArea:y><stArea:w>{bw}</stArea:w>\
             <stArea:h>{bh}</stArea:h><stArea:unit>normalized</stArea:unit></mwg-rs:Area>\
             <mwg-rs:Name>{name}</mwg-rs:Name><mwg-rs:Type>Face</mwg-rs:Type></rdf:li>"
        ));
    }
    let xmp = format!(
        "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF \
         xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>\
         <rdf:Description rdf:about='' \
         xmlns:mwg-rs='http://www.metadataworkinggroup.com/schemas/regions/' \
         xmlns:stArea='http://ns.adobe.com/xmp/sType/Area#' \
         xmlns:stDim='http://ns.adobe.com/xap/1.0/sType/Dimensions#'>\
         <mwg-rs:Regions rdf:parseType='Resource'>\
         <mwg-rs:AppliedToDimensions rdf:parseType='Resource'><stDim:w>{w}</stDim:w>\
         <stDim:h>{h}</stDim:h><stDim:unit>pixel</stDim:unit></mwg-rs:AppliedToDimensions>\
         <mwg-rs:RegionList><rdf:Bag>{items}</rdf:Bag></mwg-rs:RegionList></mwg-rs:Regions>\
         </rdf:Description></rdf:RDF></x:xmpmeta>"
    );
    std::fs::write(SidecarStyle::PhotoJpgXmp.sidecar_path(photo), xmp).unwrap();
}

fn index(
    pipeline: &FacePipeline,
    paths: &LibraryPaths,
    cat: &mut Catalog,
) -> likeness_engine::IndexSummary {
    let clock = SystemClock;
    let indexer = Indexer::new(pipeline, paths, &clock).with_people(PeopleConfig::default());
    let (_, summary) = indexer.run(cat, &IndexControl::new(), &mut |_| {}).unwrap();
    println!("{} {summary:?}", pipeline.model_id());
    summary
}

#[test]
fn redetecting_a_library_with_another_detector_keeps_every_user_decision() {
    let Some(reference) = likeness_e2e::reference_dir() else {
        return;
    };
    let images = reference.join("images");
    let dir = temp_dir("redetect");
    let photos_dir = dir.join("photos");
    copy_tree(&images.join("face_recognition_test_images"), &photos_dir);
    let mut deepface: Vec<PathBuf> = std::fs::read_dir(images.join("deepface_testset"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    deepface.sort();
    for p in deepface.iter().take(24) {
        std::fs::copy(p, photos_dir.join(p.file_name().unwrap())).unwrap();
    }
    let root = std::fs::canonicalize(&photos_dir).unwrap();
    let mut photos: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    photos.sort();
    let paths = LibraryPaths::in_dir(&dir.join("lib"));
    let mut cat = likeness_engine::open_catalog(&paths).unwrap();
    let clock = SystemClock;
    add_root(&mut cat, &root, &clock).unwrap();

    // 1. Indexed with MTCNN (the default), clustered.
    let first = index(pipeline(), &paths, &mut cat);
    assert_eq!(first.errors, 0, "{first:?}");
    let old_model = pipeline().model_id();
    assert!(old_model.starts_with("mtcnn+"), "{old_model}");
    let groups: Vec<PersonId> = people::overview(&cat, true)
        .unwrap()
        .iter()
        .filter(|p| p.name.is_none() && p.faces >= 2)
        .map(|p| p.id)
        .collect();
    assert!(groups.len() >= 4, "clusters of 2+ faces: {groups:?}");

    // 2. Every kind of user decision.
    let ann = people::name(&mut cat, &clock, groups[0], "Ann")
        .unwrap()
        .person;
    let bea = people::name(&mut cat, &clock, groups[1], "Bea")
        .unwrap()
        .person;
    people::merge(&mut cat, &clock, &[groups[2]], bea).unwrap();
    let cy = people::name(&mut cat, &clock, groups[3], "Cy")
        .unwrap()
        .person;
    people::set_hidden(&mut cat, &clock, &[cy], true).unwrap();
    let faces_of = |cat: &Catalog, p: PersonId| cat.person_faces(p, usize::MAX, 0).unwrap();
    // Faces no one was given (or a clustered face of another person): one moved to Ann, one
    // marked "not a face".
    let all: Vec<FaceRow> = photos.iter().flat_map(|p| faces_at(&cat, p)).collect();
    let free: Vec<&FaceRow> = all
        .iter()
        .filter(|f| !matches!(f.person, Some((p, _)) if [ann, bea, cy].contains(&p)))
        .collect();
    assert!(free.len() >= 2, "faces outside Ann, Bea and Cy: {free:?}");
    people::move_faces(&mut cat, &clock, &[free[0].id], MoveTarget::Person(ann)).unwrap();
    people::not_a_face(&mut cat, &clock, &[free[1].id], true).unwrap();
    // One of Bea's faces is not Bea.
    let bea_faces = faces_of(&cat, bea);
    assert!(bea_faces.len() >= 3, "{bea_faces:?}");
    let not_bea = bea_faces.last().unwrap().id;
    people::reject(&mut cat, &clock, &[not_bea], bea).unwrap();
    // Ann's cover: her smallest face other than the one shown by default (the best-scoring).
    let mut ann_faces = faces_of(&cat, ann);
    ann_faces.sort_by(|a, b| b.score.total_cmp(&a.score));
    let area = |f: &FaceRow| (f.bbox[2] - f.bbox[0]) * (f.bbox[3] - f.bbox[1]);
    let ann_cover = ann_faces[1..]
        .iter()
        .min_by(|a, b| area(a).total_cmp(&area(b)))
        .unwrap()
        .id;
    people::set_cover(&mut cat, &clock, ann, ann_cover).unwrap();
    // An imported XMP region where no face was detected: a manual face, confirmed to "Eve".
    let obama = root.join("obama.jpg");
    let meta = cat.photo_by_path(&obama).unwrap().unwrap().meta;
    let (w, h) = (meta.width as f32, meta.height as f32);
    let ghost = [w * 0.02, h * 0.02, w * 0.02 + 60.0, h * 0.02 + 70.0];
    assert!(faces_at(&cat, &obama)
        .iter()
        .all(|f| iou(f.bbox.map(f64::from), ghost.map(f64::from)) < 0.1));
    write_sidecar(&obama, meta.width, meta.height, &[("Eve", ghost)]);
    let imported = xmp::import(
        &mut cat,
        Some(pipeline()),
        std::slice::from_ref(&obama),
        false,
        &clock,
        &AtomicBool::new(false),
    )
    .unwrap();
    assert_eq!(imported.manual_faces, 1, "{imported:#?}");
    let eve = cat.person_by_name("Eve").unwrap().unwrap().id;

    let before = placed(&cat, &photos);
    println!(
        "decisions: {} people, {} confirmed, {} rejections, {} not a face, {} manual, {} covers",
        before.people.len(),
        before.confirmed.len(),
        before.rejections.len(),
        before.not_face.len(),
        before.manual.len(),
        before.covers.len()
    );
    assert!(before.people.contains_key(&eve) && before.people[&cy].1);
    assert_eq!(before.manual.len(), 1);
    assert!(before.covers.contains_key(&ann));
    assert!(before.confirmed.len() >= 6);
    assert_eq!((before.rejections.len(), before.not_face.len()), (1, 1));
    let old_max_face = photos
        .iter()
        .flat_map(|p| faces_at(&cat, p))
        .map(|f| f.id)
        .max()
        .unwrap();
    let history = people::history(&cat, 100).unwrap().len();
    let thumbs = ThumbnailCache::new(&paths.cache);
    let thumb_of = |cat: &Catalog, f: &FaceRow| {
        let hash = cat.photo(f.photo).unwrap().unwrap().hash.to_hex();
        std::fs::read(thumbs.face_path(&hash, f.idx)).ok()
    };
    let old_thumbs: BTreeMap<FaceId, Vec<u8>> = photos
        .iter()
        .flat_map(|p| faces_at(&cat, p))
        .filter_map(|f| thumb_of(&cat, &f).map(|t| (f.id, t)))
        .collect();
    assert_eq!(
        old_thumbs.len(),
        all.len(),
        "every detected face has a thumbnail"
    );

    // 3. The same library, indexed with YuNet: every photo is re-detected — first in a run
    // cancelled once some photos are done (the rest stays pending), then in one that finishes.
    let yunet = FacePipeline::open(&EngineConfig {
        models_dir: Some(models_dir()),
        ort_library: Some(ort_library()),
        detector: DetectorKind::Yunet,
        ..EngineConfig::default()
    })
    .unwrap();
    let new_model = yunet.model_id();
    assert_ne!(new_model, old_model);
    let indexed = photos
        .iter()
        .filter(|p| cat.photo_by_path(p).unwrap().is_some())
        .count() as u64;
    // Every thumbnail there is now is dated long ago: a new face's must be written again.
    let long_ago = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(86_400);
    for f in photos.iter().flat_map(|p| faces_at(&cat, p)) {
        let hash = cat.photo(f.photo).unwrap().unwrap().hash.to_hex();
        for idx in 0..8 {
            if let Ok(file) = std::fs::File::options()
                .write(true)
                .open(thumbs.face_path(&hash, idx))
            {
                file.set_modified(long_ago).unwrap();
            }
        }
    }
    let control = IndexControl::new();
    let mut totals = Vec::new();
    let (_, cancelled) = Indexer::new(&yunet, &paths, &clock)
        .run(&mut cat, &control, &mut |p| {
            if p.phase == IndexPhase::Indexing {
                totals.push(p.photos_total);
                if p.photos_done > 0 {
                    control.cancel();
                }
            }
        })
        .unwrap();
    println!("cancelled run: {cancelled:?}");
    assert!(
        cancelled.cancelled && cancelled.errors == 0,
        "{cancelled:?}"
    );
    assert_eq!(cancelled.requeued, indexed, "{cancelled:?}");
    assert!(totals.iter().all(|&t| t == indexed), "{totals:?}");
    let left = cat.status().unwrap().pending;
    assert_eq!(left + cancelled.photos, indexed, "{cancelled:?}");
    for p in &photos {
        let row = cat.photo_by_path(p).unwrap().unwrap();
        let pending = cat
            .pending_files(0, 1000)
            .unwrap()
            .iter()
            .any(|f| &f.path == p);
        assert_eq!(row.model == new_model, !pending, "{}", p.display());
    }
    println!("{} re-detected, {left} left pending", cancelled.photos);
    let second = index(&yunet, &paths, &mut cat);
    assert_eq!(second.errors, 0, "{second:?}");
    assert_eq!(second.requeued, 0, "{second:?}");
    assert_eq!((second.analyzed, second.photos), (left, left), "{second:?}");
    assert_eq!(cat.status().unwrap().pending, 0);
    for p in &photos {
        let row = cat.photo_by_path(p).unwrap().unwrap();
        assert_eq!(row.model, new_model, "{}", p.display());
    }
    let stamps = cat.file_stamps(cat.roots().unwrap()[0].id).unwrap();
    assert!(stamps.values().all(|s| s.state == FileState::Indexed));
    let now: Vec<FaceRow> = photos.iter().flat_map(|p| faces_at(&cat, p)).collect();
    let kept: Vec<&FaceRow> = now.iter().filter(|f| f.id <= old_max_face).collect();
    let moved = now
        .iter()
        .filter(|f| f.id > old_max_face && !all.iter().any(|o| o.bbox == f.bbox))
        .count();
    println!(
        "{} detected faces before, {} faces after: {} new boxes, {} old faces kept",
        all.len(),
        now.len(),
        moved,
        kept.len()
    );
    assert!(moved > 0, "YuNet's boxes should differ from MTCNN's");

    // Face thumbnails (by content hash and face index) follow: one per face, each face its
    // own — a kept face's is the same picture as before, at its new index — none left over.
    for p in &photos {
        let faces = faces_at(&cat, p);
        let hash = cat.photo_by_path(p).unwrap().unwrap().hash.to_hex();
        for f in &faces {
            let thumb = thumb_of(&cat, f);
            assert!(
                thumb.is_some(),
                "face {} of {} has no thumbnail",
                f.id,
                p.display()
            );
            if let Some(old) = old_thumbs.get(&f.id) {
                assert!(
                    thumb.as_ref() == Some(old),
                    "kept face {}: another thumbnail",
                    f.id
                );
            }
            // A new face: its thumbnail was written by the re-detection, not left from before.
            if f.id > old_max_face {
                let path = thumbs.face_path(&hash, f.idx);
                let written = std::fs::metadata(&path).unwrap().modified().unwrap();
                assert!(written > long_ago, "stale {}", path.display());
            }
        }
        for idx in faces.len()..faces.len() + 8 {
            let stale = thumbs.face_path(&hash, idx as u32);
            assert!(!stale.exists(), "{} left over", stale.display());
        }
    }

    // 4. Nothing the user decided is lost.
    let after = placed(&cat, &photos);
    assert_eq!(after.people, before.people, "names and hidden flags");
    assert_eq!(after.confirmed.len(), before.confirmed.len(), "confirmed");
    assert_eq!(
        after.rejections.len(),
        before.rejections.len(),
        "rejections"
    );
    assert_eq!(after.not_face.len(), before.not_face.len(), "not a face");
    for (at, person) in &before.confirmed {
        let ok = |f: &FaceRow| f.person == Some((*person, Provenance::Confirmed));
        assert!(
            found_again(&cat, at, ok).is_some(),
            "confirmed {person} at {at:?} lost"
        );
    }
    let d = cat.decisions().unwrap();
    for (at, person) in &before.rejections {
        let ok = |f: &FaceRow| d.rejections.contains(&(f.id, *person));
        assert!(found_again(&cat, at, ok).is_some(), "rejection {at:?} lost");
    }
    for at in &before.not_face {
        let ok = |f: &FaceRow| f.not_face;
        assert!(
            found_again(&cat, at, ok).is_some(),
            "not a face {at:?} lost"
        );
    }
    for (at, person) in &before.manual {
        let kept_manual = |f: &FaceRow| f.manual && f.bbox == at.bbox;
        let taken_over =
            |f: &FaceRow| f.person.map(|p| p.0) == *person && f.person.is_some() && !f.manual;
        let now = found_again(&cat, at, |f| kept_manual(f) || taken_over(f));
        assert!(now.is_some(), "manual face {at:?} lost");
        assert_eq!(now.unwrap().person.map(|p| p.0), *person);
    }
    let overview = people::overview(&cat, true).unwrap();
    let ann_now = d.people[&ann].cover;
    println!(
        "Ann's cover: face {ann_cover} → {ann_now:?} ({})",
        if ann_now == Some(ann_cover) {
            "kept"
        } else {
            "moved to the new face"
        }
    );
    for (person, at) in &before.covers {
        let cover = d.people[person].cover.expect("cover kept");
        let row = cat.face(cover).unwrap().expect("the cover face exists");
        assert!(
            matches!(row.person, Some((p, prov)) if p == *person && prov != Provenance::Suggested),
            "cover {cover} of {person} is not theirs: {row:?}"
        );
        let shown = overview
            .iter()
            .find(|s| s.id == *person)
            .unwrap()
            .cover_face;
        assert_eq!(shown, Some(cover));
        let now_at = place(&cat, cover);
        assert_eq!(now_at.path, at.path);
        assert!(
            now_at.bbox == at.bbox
                || iou(now_at.bbox.map(f64::from), at.bbox.map(f64::from)) >= 0.5
        );
    }
    for p in cat.people().unwrap() {
        if let Some(face) = p.cover_face {
            assert!(cat.face(face).unwrap().is_some(), "{p:?}");
        }
    }
    assert_eq!(rejected_but_assigned(&cat), Vec::<(i64, i64)>::new());
    for face in &d.not_face {
        assert_eq!(cat.face(*face).unwrap().unwrap().person, None);
    }
    assert_eq!(cat.integrity_check().unwrap(), "ok");

    // 5. The undo history still works on the re-detected catalog: edits naming faces that went
    // skip them (counted) and nothing fails. Undone and redone, every decision is back —
    // except a cover whose face went: its redo is skipped like any write to a face that no
    // longer exists (the person shows its default cover), and no cover names a gone face.
    let decided = cat.decisions().unwrap();
    let mut skipped = 0;
    for _ in 0..history {
        let e = people::undo(&mut cat, &clock).unwrap();
        println!("undo {}: {} faces skipped", e.label, e.skipped_faces);
        skipped += e.skipped_faces;
    }
    assert!(matches!(
        people::undo(&mut cat, &clock),
        Err(EngineError::NothingToUndo)
    ));
    assert!(skipped > 0, "the edits name old faces");
    assert_eq!(cat.integrity_check().unwrap(), "ok");
    for _ in 0..history {
        people::redo(&mut cat, &clock).unwrap();
    }
    let redone = cat.decisions().unwrap();
    let (mut a, mut b) = (redone.clone(), decided.clone());
    for p in a.people.values_mut().chain(b.people.values_mut()) {
        p.cover = None;
    }
    assert_eq!(a, b, "decisions after undoing and redoing every edit");
    for (person, p) in &redone.people {
        match (p.cover, decided.people[person].cover) {
            (Some(face), was) => assert_eq!(Some(face), was),
            (None, Some(was)) => {
                println!("cover of {person} (face {was}) after undo/redo: default")
            }
            (None, None) => {}
        }
    }
    assert_eq!(cat.integrity_check().unwrap(), "ok");

    // 6. Nothing is left to re-detect.
    let third = index(&yunet, &paths, &mut cat);
    assert_eq!((third.requeued, third.photos), (0, 0), "{third:?}");
}
