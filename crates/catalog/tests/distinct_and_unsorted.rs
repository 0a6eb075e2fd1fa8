//! "Not the same person" pairs (merge suggestions turned down) and the unsorted faces, on a
//! real SQLite file: undo/redo, a merge's undo bringing the pairs back, and the unsorted list.

mod common;

use common::*;
use likeness_catalog::*;

#[test]
fn not_the_same_person_is_one_edit_and_survives_a_merge_undo() {
    let mut f = fixture();
    let ann = f.cat.create_person("Ann", 1).expect("ann");
    let bob = f.cat.create_person("Bob", 1).expect("bob");
    let cy = f.cat.create_person("Cy", 1).expect("cy");
    let edit = f
        .cat
        .set_distinct(&[(bob, ann), (ann, cy), (ann, bob)], true, 2)
        .expect("distinct");
    assert_eq!(edit.kind, EditKind::Distinct);
    assert_eq!(edit.label, "2 pairs are not the same person");
    assert_eq!(
        f.cat.distinct_pairs().expect("pairs"),
        vec![(ann.min(bob), ann.max(bob)), (ann.min(cy), ann.max(cy))]
    );
    f.cat.undo(3).expect("undo").expect("an edit");
    assert!(
        f.cat.distinct_pairs().expect("pairs").is_empty(),
        "one undo takes both back"
    );
    f.cat.redo(4).expect("redo").expect("an edit");
    assert_eq!(f.cat.distinct_pairs().expect("pairs").len(), 2);
    // Merging Ann into Dave deletes Ann and her pairs; undoing the merge brings them back.
    let dave = f.cat.create_person("Dave", 5).expect("dave");
    f.cat.merge_people(&[ann], dave, 6).expect("merge");
    assert!(f.cat.distinct_pairs().expect("pairs").is_empty());
    f.cat.undo(7).expect("undo").expect("an edit");
    assert_eq!(f.cat.distinct_pairs().expect("pairs").len(), 2);
    // Taking it back is an edit too.
    f.cat
        .set_distinct(&[(ann, cy)], false, 8)
        .expect("undistinct");
    assert_eq!(
        f.cat.distinct_pairs().expect("pairs"),
        vec![(ann.min(bob), ann.max(bob))]
    );
    assert!(f.cat.set_distinct(&[(ann, ann)], true, 9).is_err());
    assert!(f.cat.set_distinct(&[], true, 9).is_err());
    assert!(f.cat.set_distinct(&[(ann, 9_999)], true, 9).is_err());
}

#[test]
fn unsorted_faces_are_the_faces_of_nobody() {
    let mut f = fixture();
    let files = f.add_files(&["a.jpg", "b.jpg"]);
    let boxes = [
        [0.0, 0.0, 10.0, 10.0],
        [20.0, 0.0, 30.0, 10.0],
        [40.0, 0.0, 50.0, 10.0],
    ];
    let pa = f.analyze(files[0], 1, &boxes);
    let pb = f.analyze(files[1], 2, &boxes[..1]);
    let faces_a = f.cat.faces_of_photo(pa).expect("faces");
    let face_b = f.cat.faces_of_photo(pb).expect("faces")[0].id;
    assert_eq!(f.cat.unsorted_count().expect("count"), 4);
    // One named, one "not a face": two left, plus photo b's face.
    f.cat
        .new_person_with_faces(Some("Ann"), &[faces_a[0].id], 1)
        .expect("name");
    f.cat
        .set_not_face(&[faces_a[1].id], true, 2)
        .expect("not a face");
    let unsorted: Vec<FaceId> = f
        .cat
        .unsorted_faces(100, 0)
        .expect("unsorted")
        .iter()
        .map(|r| r.id)
        .collect();
    let mut want = vec![faces_a[2].id, face_b];
    want.sort_unstable();
    let mut got = unsorted.clone();
    got.sort_unstable();
    assert_eq!(got, want);
    assert_eq!(f.cat.unsorted_count().expect("count"), 2);
    assert_eq!(f.cat.unsorted_faces(1, 1).expect("page").len(), 1);
}
