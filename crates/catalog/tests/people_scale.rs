//! Scale check of `clustering_input` (slow: run with `cargo test --release -p
//! likeness-catalog --test people_scale -- --ignored --nocapture`; LIKENESS_SCALE_FACES sets
//! the number of faces, default 1,000,000).

mod common;

use std::time::Instant;

use common::*;
use likeness_catalog::*;

#[test]
#[ignore = "slow: builds a catalog with a million faces"]
fn clustering_input_loads_a_million_faces_in_seconds() {
    let total: usize = std::env::var("LIKENESS_SCALE_FACES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let per_photo = 10;
    let photos = total / per_photo;
    let mut f = fixture();
    let names: Vec<String> = (0..photos)
        .map(|i| format!("d{}/p{i}.jpg", i % 100))
        .collect();
    let start = Instant::now();
    for chunk in names.chunks(10_000) {
        let rels: Vec<&str> = chunk.iter().map(String::as_str).collect();
        let changes = ScanChanges {
            upsert: rels.iter().map(|r| cand(&f.p(r), 1000, 1)).collect(),
            ..Default::default()
        };
        f.cat.apply_scan(f.root.id, &changes, 200).expect("scan");
    }
    let stamps = f.cat.file_stamps(f.root.id).expect("stamps");
    let boxes: Vec<[f32; 4]> = (0..per_photo)
        .map(|i| {
            let x = 10.0 + 90.0 * i as f32;
            [x, 10.0, x + 80.0, 90.0]
        })
        .collect();
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
        if outcomes.len() == 5_000 {
            f.cat.commit_batch(&outcomes, 300).expect("commit");
            outcomes.clear();
        }
    }
    f.cat.commit_batch(&outcomes, 300).expect("commit");
    eprintln!(
        "built {total} faces in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let start = Instant::now();
    let input = f.cat.clustering_input().expect("input");
    let secs = start.elapsed().as_secs_f64();
    eprintln!("clustering_input: {} faces in {secs:.2} s", input.len());
    assert_eq!(input.len(), photos * per_photo);
    assert!(input.iter().all(|c| c.embedding.len() == 128));

    // Store a clustering of everything: clusters of 50 faces (unnamed people).
    let plan = ClusteringPlan {
        faces: input.iter().map(|c| c.face).collect(),
        clusters: input
            .chunks(50)
            .map(|c| PlannedCluster {
                target: ClusterTarget::Unnamed(None),
                faces: c.iter().map(|x| (x.face, 0.9)).collect(),
            })
            .collect(),
        suggestions: vec![],
    };
    let start = Instant::now();
    let applied = f.cat.apply_clustering(&plan, 400).expect("apply");
    eprintln!(
        "apply_clustering (first run): {applied:?} in {:.2} s",
        start.elapsed().as_secs_f64()
    );
    // Again, reusing the unnamed people.
    let input = f.cat.clustering_input().expect("input");
    let plan = ClusteringPlan {
        faces: input.iter().map(|c| c.face).collect(),
        clusters: input
            .chunks(50)
            .map(|c| PlannedCluster {
                target: ClusterTarget::Unnamed(c[0].assignment.map(|a| a.0)),
                faces: c.iter().map(|x| (x.face, 0.9)).collect(),
            })
            .collect(),
        suggestions: vec![],
    };
    let start = Instant::now();
    let applied = f.cat.apply_clustering(&plan, 500).expect("apply");
    eprintln!(
        "apply_clustering (re-run): {applied:?} in {:.2} s",
        start.elapsed().as_secs_f64()
    );
    assert_eq!(applied.people_created, 0);
    let start = Instant::now();
    let overview = f.cat.people_overview(false).expect("overview");
    eprintln!(
        "people_overview: {} people in {:.2} s",
        overview.len(),
        start.elapsed().as_secs_f64()
    );
    let start = Instant::now();
    let d = f.cat.decisions().expect("decisions");
    eprintln!(
        "decisions: {} in {:.3} s",
        d.confirmed.len(),
        start.elapsed().as_secs_f64()
    );
    let person = overview[0].id;
    let start = Instant::now();
    let e = f.cat.name_person(person, "Ann", 600).expect("name");
    eprintln!(
        "name_person: {e:?} in {:.3} s",
        start.elapsed().as_secs_f64()
    );
    let start = Instant::now();
    f.cat
        .merge_people(&[overview[1].id, overview[2].id], person, 601)
        .expect("merge");
    f.cat.undo(602).expect("undo");
    eprintln!("merge + undo: {:.3} s", start.elapsed().as_secs_f64());
}
