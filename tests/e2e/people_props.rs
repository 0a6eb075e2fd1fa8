//! Property test: seeded random sequences of the user's people operations, interleaved with
//! re-clustering and re-indexing (a file renamed, a file rewritten with other bytes but the
//! same pixels), on a real catalog built once from the reference photos and copied for each
//! sequence. After every step:
//! - no face is assigned to a person it is rejected from, and no "not a face" is assigned;
//! - no confirmed face changed person, except by the operation just made (its faces, or
//!   the people it names/merges), or by undo/redo;
//! - after a re-cluster, no person holds two faces of one photo unless both are confirmed (the
//!   user's own merge or move);
//!
//! and at the end of a sequence, undoing every edit gives back the starting `decisions()`.
//!
//! `LIKENESS_PROPS_SEQUENCES` / `LIKENESS_PROPS_STEPS` / `LIKENESS_PROPS_SEED` change the
//! size and seed (defaults 40 × 25, seed 0x1ce).
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use likeness_e2e::{
    copy_tree, face_place, indexed_reference_library, jpeg_with_comment, reference_images,
    rejected_but_assigned, TestLibrary,
};
use likeness_engine::catalog::{Catalog, FaceId, PersonId, Provenance};
use likeness_engine::people::{self, MoveTarget};
use likeness_engine::{recluster, EngineError, PeopleConfig, SystemClock};

/// SplitMix64: small, seeded, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> Option<T> {
        (!items.is_empty()).then(|| items[self.below(items.len())])
    }
}

const NAMES: &[&str] = &["Ann", "Ben", "Cai", "Dee", "Eve", "Fay"];

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Confirmed faces by place (path under the root, face index) → person.
fn confirmed_by_place(cat: &Catalog, root: &Path) -> BTreeMap<(String, u32), (PersonId, FaceId)> {
    let mut out = BTreeMap::new();
    for (face, person) in cat.decisions().unwrap().confirmed {
        if let Some(place) = face_place(cat, root, face) {
            out.insert(place, (person, face));
        }
    }
    out
}

/// What the step just made may change: these faces, and the confirmed faces of these people.
#[derive(Debug, Default)]
struct Allowed {
    anything: bool,
    faces: BTreeSet<FaceId>,
    people: BTreeSet<PersonId>,
}

#[derive(Debug, Default)]
struct Tally {
    steps: u64,
    ops: BTreeMap<&'static str, u64>,
    refused: BTreeMap<&'static str, u64>,
    violations: Vec<String>,
    undone_at_end: u64,
    content_changes: u64,
    extra_on_new_faces: u64,
}

#[test]
fn random_edits_reclustering_and_reindexing_keep_every_decision() {
    let sequences = env_or("LIKENESS_PROPS_SEQUENCES", 40);
    let steps = env_or("LIKENESS_PROPS_STEPS", 25);
    let seed = env_or("LIKENESS_PROPS_SEED", 0x1ce);
    let started = Instant::now();
    let lib = indexed_reference_library("people-props");
    // The pristine catalog, closed (checkpointed) and kept aside.
    let pristine = lib.dir.join("pristine.sqlite");
    std::fs::copy(&lib.paths.catalog, &pristine).unwrap();
    println!("library built in {:.1} s", started.elapsed().as_secs_f64());

    let mut tally = Tally::default();
    for s in 0..sequences {
        reset(&lib, &pristine);
        let mut rng = Rng(seed ^ (s.wrapping_mul(0x51_7cc1_b727_220a)));
        run_sequence(&lib, &mut rng, steps, &mut tally, s);
    }
    println!(
        "people props: {sequences} sequences × {steps} steps = {} steps in {:.1} s; ops {:?}; \
         refused (typed errors) {:?}; {} content changes; {} edits undone at the ends; \
         {} decisions carried to re-analysed faces outlived undo; {} violations",
        tally.steps,
        started.elapsed().as_secs_f64(),
        tally.ops,
        tally.refused,
        tally.content_changes,
        tally.undone_at_end,
        tally.extra_on_new_faces,
        tally.violations.len()
    );
    for v in tally.violations.iter().take(20) {
        println!("VIOLATION {v}");
    }
    assert!(
        tally.violations.is_empty(),
        "{} violations",
        tally.violations.len()
    );
}

/// Puts the pristine catalog and photos back (same paths, so the catalog's root still fits).
fn reset(lib: &TestLibrary, pristine: &Path) {
    for ext in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", lib.paths.catalog.display()));
    }
    std::fs::copy(pristine, &lib.paths.catalog).unwrap();
    std::fs::remove_dir_all(&lib.photos).unwrap();
    copy_tree(&reference_images(), &lib.photos);
}

fn run_sequence(lib: &TestLibrary, rng: &mut Rng, steps: u64, tally: &mut Tally, seq: u64) {
    let clock = SystemClock;
    let config = PeopleConfig::default();
    let cancel = AtomicBool::new(false);
    let mut cat = lib.open();
    let start = cat.decisions().unwrap();
    let start_faces: BTreeSet<FaceId> = cat
        .faces_after(0, usize::MAX)
        .unwrap()
        .iter()
        .map(|f| f.id)
        .collect();
    for step in 0..steps {
        let before = confirmed_by_place(&cat, &lib.photos);
        let mut renamed: Option<(String, String)> = None;
        let (name, allowed, outcome) = step_once(
            lib,
            &mut cat,
            rng,
            &clock,
            &config,
            &cancel,
            &mut renamed,
            tally,
        );
        tally.steps += 1;
        *tally.ops.entry(name).or_default() += 1;
        if let Err(e) = &outcome {
            match e {
                EngineError::Catalog(_) | EngineError::Io { .. } | EngineError::Cluster(_) => {
                    tally
                        .violations
                        .push(format!("seq {seq} step {step} {name}: error {e}"));
                }
                _ => *tally.refused.entry(name).or_default() += 1,
            }
        }
        // No rejected pair assigned, no "not a face" assigned.
        for (face, person) in rejected_but_assigned(&cat) {
            tally.violations.push(format!(
                "seq {seq} step {step} {name}: face {face} rejected from {person} but assigned"
            ));
        }
        for face in cat.decisions().unwrap().not_face {
            if cat.face(face).unwrap().and_then(|f| f.person).is_some() {
                tally.violations.push(format!(
                    "seq {seq} step {step} {name}: face {face} is not a face but assigned"
                ));
            }
        }
        // After clustering, no person holds two faces of one photo unless both are the
        // user's (a merge or a move they made): automation never puts them together.
        if name == "recluster" && outcome.is_ok() {
            let mut on: BTreeMap<(PersonId, i64), Vec<Provenance>> = BTreeMap::new();
            for f in cat.clustering_input().unwrap() {
                if let Some((p, prov)) = f.assignment {
                    on.entry((p, f.photo)).or_default().push(prov);
                }
            }
            for ((person, photo), provs) in on {
                if provs.len() > 1 && provs.iter().any(|p| *p != Provenance::Confirmed) {
                    tally.violations.push(format!(
                        "seq {seq} step {step}: person {person} holds {provs:?} faces of photo {photo}"
                    ));
                }
            }
        }
        // No confirmed face changed person except by this step's own op.
        if !allowed.anything {
            let after = confirmed_by_place(&cat, &lib.photos);
            for (place, (person, face)) in &before {
                let place = match &renamed {
                    Some((from, to)) if &place.0 == from => (to.clone(), place.1),
                    _ => place.clone(),
                };
                let now = after.get(&place).map(|(p, _)| *p);
                if now != Some(*person)
                    && !allowed.faces.contains(face)
                    && !allowed.people.contains(person)
                {
                    tally.violations.push(format!(
                        "seq {seq} step {step} {name}: confirmed face {face} at {place:?} was \
                         {person}, now {now:?}"
                    ));
                }
            }
        }
    }
    // Undo everything: the starting decisions come back (on the faces that existed at the
    // start; a content change re-creates a photo's faces, and what was carried to the new
    // faces is not part of any edit).
    while people::undo(&mut cat, &clock).is_ok() {
        tally.undone_at_end += 1;
    }
    let end = cat.decisions().unwrap();
    let mut restricted = end.clone();
    restricted.confirmed.retain(|f, _| start_faces.contains(f));
    restricted
        .rejections
        .retain(|(f, _)| start_faces.contains(f));
    restricted.not_face.retain(|f| start_faces.contains(f));
    tally.extra_on_new_faces += (end.confirmed.len() + end.rejections.len() + end.not_face.len()
        - restricted.confirmed.len()
        - restricted.rejections.len()
        - restricted.not_face.len()) as u64;
    if restricted != start {
        tally.violations.push(format!(
            "seq {seq}: after undoing everything, decisions differ:\nstart {start:?}\nend   {restricted:?}"
        ));
    }
}

/// One random step. Returns its name, what it may change, and its outcome.
#[allow(clippy::too_many_arguments)]
fn step_once(
    lib: &TestLibrary,
    cat: &mut Catalog,
    rng: &mut Rng,
    clock: &SystemClock,
    config: &PeopleConfig,
    cancel: &AtomicBool,
    renamed: &mut Option<(String, String)>,
    tally: &mut Tally,
) -> (&'static str, Allowed, Result<(), EngineError>) {
    let people_ids: Vec<PersonId> = cat.people().unwrap().iter().map(|p| p.id).collect();
    let faces: Vec<(FaceId, Option<(PersonId, Provenance)>)> = cat
        .faces_after(0, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|f| (f.id, f.person))
        .collect();
    let face_ids: Vec<FaceId> = faces.iter().map(|f| f.0).collect();
    let some_faces = |rng: &mut Rng| -> Vec<FaceId> {
        let n = 1 + rng.below(3);
        (0..n).filter_map(|_| rng.pick(&face_ids)).collect()
    };
    let mut allowed = Allowed::default();
    let roll = rng.below(100);
    let (name, outcome): (&'static str, Result<(), EngineError>) = match roll {
        0..=11 => {
            let Some(p) = rng.pick(&people_ids) else {
                return ("name", allowed, Ok(()));
            };
            let n = NAMES[rng.below(NAMES.len())];
            allowed.people.insert(p);
            ("name", people::name(cat, clock, p, n).map(|_| ()))
        }
        12..=16 => {
            let Some(p) = rng.pick(&people_ids) else {
                return ("rename", allowed, Ok(()));
            };
            let n = NAMES[rng.below(NAMES.len())];
            ("rename", people::rename(cat, clock, p, n).map(|_| ()))
        }
        17..=24 => {
            let (Some(a), Some(b)) = (rng.pick(&people_ids), rng.pick(&people_ids)) else {
                return ("merge", allowed, Ok(()));
            };
            allowed.people.extend([a, b]);
            ("merge", people::merge(cat, clock, &[a], b).map(|_| ()))
        }
        25..=34 => {
            let fs = some_faces(rng);
            allowed.faces.extend(fs.iter().copied());
            let to = if rng.below(4) == 0 {
                MoveTarget::Named(NAMES[rng.below(NAMES.len())])
            } else {
                match rng.pick(&people_ids) {
                    Some(p) => MoveTarget::Person(p),
                    None => MoveTarget::Named("Ann"),
                }
            };
            ("move", people::move_faces(cat, clock, &fs, to).map(|_| ()))
        }
        35..=44 => {
            // Mostly faces that are the person's, sometimes any face.
            let Some(p) = rng.pick(&people_ids) else {
                return ("reject", allowed, Ok(()));
            };
            let own: Vec<FaceId> = faces
                .iter()
                .filter(|f| f.1.is_some_and(|(q, _)| q == p))
                .map(|f| f.0)
                .collect();
            let fs = if own.is_empty() || rng.below(4) == 0 {
                some_faces(rng)
            } else {
                vec![rng.pick(&own).unwrap_or(face_ids[0])]
            };
            allowed.faces.extend(fs.iter().copied());
            ("reject", people::reject(cat, clock, &fs, p).map(|_| ()))
        }
        45..=50 => {
            let fs = some_faces(rng);
            allowed.faces.extend(fs.iter().copied());
            let mark = rng.below(4) != 0;
            (
                "not_a_face",
                people::not_a_face(cat, clock, &fs, mark).map(|_| ()),
            )
        }
        51..=55 => {
            let Some(p) = rng.pick(&people_ids) else {
                return ("hide", allowed, Ok(()));
            };
            let hidden = cat.person(p).unwrap().is_some_and(|r| r.hidden);
            let r = people::set_hidden(cat, clock, &[p], !hidden);
            ("hide", r.map(|_| ()))
        }
        56..=60 => {
            let assigned: Vec<(FaceId, PersonId)> = faces
                .iter()
                .filter_map(|f| match f.1 {
                    Some((p, Provenance::Confirmed | Provenance::Automatic)) => Some((f.0, p)),
                    _ => None,
                })
                .collect();
            let Some((face, person)) = rng.pick(&assigned) else {
                return ("cover (no face)", allowed, Ok(()));
            };
            (
                "cover",
                people::set_cover(cat, clock, person, face).map(|_| ()),
            )
        }
        61..=67 => {
            let open: Vec<FaceId> = people::suggestions(cat, None, 1000)
                .unwrap()
                .iter()
                .map(|s| s.face)
                .collect();
            if open.is_empty() {
                return ("accept (none open)", allowed, Ok(()));
            }
            let fs: Vec<FaceId> = (0..1 + rng.below(3))
                .filter_map(|_| rng.pick(&open))
                .collect();
            if rng.below(3) == 0 {
                allowed.faces.extend(fs.iter().copied());
                (
                    "reject_suggestions",
                    people::reject_suggestions(cat, clock, &fs).map(|_| ()),
                )
            } else {
                (
                    "accept",
                    people::accept_suggestions(cat, clock, &fs).map(|_| ()),
                )
            }
        }
        68..=77 => {
            allowed.anything = true;
            ("undo", people::undo(cat, clock).map(|_| ()))
        }
        78..=84 => {
            allowed.anything = true;
            ("redo", people::redo(cat, clock).map(|_| ()))
        }
        85..=92 => (
            "recluster",
            recluster(cat, config, clock, cancel).map(|_| ()),
        ),
        _ => {
            let files = photo_files(&lib.photos);
            let Some(file) = rng.pick(&files.iter().collect::<Vec<_>>()).cloned() else {
                return ("reindex", allowed, Ok(()));
            };
            let rel = file
                .strip_prefix(&lib.photos)
                .unwrap()
                .display()
                .to_string();
            if rng.below(2) == 0 {
                let to = file.with_file_name(format!(
                    "r{}-{}",
                    rng.below(1000),
                    file.file_name().unwrap().to_string_lossy()
                ));
                std::fs::rename(&file, &to).unwrap();
                let to_rel = to.strip_prefix(&lib.photos).unwrap().display().to_string();
                *renamed = Some((rel, to_rel));
            } else {
                let bytes = std::fs::read(&file).unwrap();
                if bytes.starts_with(b"\xff\xd8") {
                    std::fs::write(
                        &file,
                        jpeg_with_comment(&bytes, &format!("edit {}", rng.next())),
                    )
                    .unwrap();
                    tally.content_changes += 1;
                }
            }
            let (_, index) = lib.index(cat);
            if index.errors > 0 {
                tally
                    .violations
                    .push(format!("re-indexing failed files: {index:?}"));
            }
            ("reindex", Ok(()))
        }
    };
    (name, allowed, outcome)
}

fn photo_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(photo_files(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}
