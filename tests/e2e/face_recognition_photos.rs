//! The face_recognition 1.3.0 test photos (fetched by set-up from the PyPI sdist): the three
//! Obama photos are the same person, Biden is nobody else.
#![allow(clippy::print_stdout)] // tests print their measured numbers

use likeness_e2e::{pipeline, test_photo};
use likeness_engine::Embedding;

fn main_face(name: &str) -> Embedding {
    let photo = pipeline().analyze(&test_photo(name), true).expect(name);
    let face = photo
        .faces
        .iter()
        .max_by(|a, b| a.detection.bbox.area().total_cmp(&b.detection.bbox.area()))
        .unwrap_or_else(|| panic!("{name}: no face"));
    face.embedding.clone().expect("embedded")
}

#[test]
fn obama_photos_match_each_other_and_biden_matches_none() {
    let threshold = pipeline().default_threshold();
    assert!((threshold - 0.6).abs() < 1e-6);
    let obama = ["obama.jpg", "obama2.jpg", "obama3.jpg"].map(|n| (n, main_face(n)));
    let biden = main_face("biden.jpg");
    for i in 0..3 {
        for j in i + 1..3 {
            let d = obama[i].1.distance(&obama[j].1);
            println!("{} vs {}: {d:.4}", obama[i].0, obama[j].0);
            assert!(
                d < threshold,
                "{} vs {} distance {d}",
                obama[i].0,
                obama[j].0
            );
        }
        let d = obama[i].1.distance(&biden);
        println!("{} vs biden.jpg: {d:.4}", obama[i].0);
        assert!(d >= threshold, "{} vs biden distance {d}", obama[i].0);
    }
}

#[test]
fn partial_faces_are_still_obama() {
    let reference = main_face("obama.jpg");
    for name in ["obama_partial_face.jpg", "obama_partial_face2.jpg"] {
        let d = main_face(name).distance(&reference);
        println!("{name} vs obama.jpg: {d:.4}");
        assert!(d < pipeline().default_threshold(), "{name}: {d}");
    }
}
