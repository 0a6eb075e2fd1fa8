//! The effort to a clean people library: a simulated user labels celeba-dev through the
//! engine's people API (the same operations the People page offers) until every main face is
//! correctly labelled, and every click is counted.
//!
//! ```text
//! cargo run --release -p likeness-bench --bin cluster_effort -- [--catalog FILE] [--max-rounds N]
//! ```
//!
//! Works on a **copy** of the celeba-dev catalog (default source:
//! `target/bench/index-library/library/catalog.sqlite`, made by `--bin index_library`; built here
//! with `add_root` + `Indexer::run` when it is missing). Ground truth: the main face (largest box
//! area, oriented px) of each photo of `identities.csv` has the photo's identity; other faces
//! are unlabelled and ignored (no action ever touches them on purpose, and they are not scored).
//!
//! The simulated user, each round (a round starts with a re-cluster, which is automatic and
//! free):
//! 1. People page, biggest first. For each **unnamed** cluster with labelled faces, X = the
//!    identity most of its labelled faces have. Faces of other identities → "move selected
//!    faces" to their identity's person (1 action per target person; creating that person with
//!    its name is part of the same action). Then: X has no person yet → name the cluster
//!    (1 action), else merge it into X's person (1 action). Clusters without labelled faces are
//!    skipped (0 actions).
//! 2. Each **named** person's page: labelled faces the clustering added automatically that are
//!    someone else → "move selected faces" to the right person (1 action per target person).
//! 3. Each named person's suggestions ("Is this X?"): the wrong ones rejected in one bulk action
//!    (if any), the right ones accepted in one bulk action (if any). Unlabelled suggested faces
//!    are left alone.
//!
//! Rounds repeat until one takes no action (or `--max-rounds`). Then the main faces that are
//! still not assigned (confirmed or automatic) to their identity's person are fixed in the
//! "unassigned faces" view: select all of one person's faces, assign — 1 action per target
//! person (the table also shows how many faces that was, i.e. the cost one by one). The run asserts, reading the catalog, that 100 % of main faces end up
//! correctly labelled, and prints actions per person (total / identities; target ≤ 1.5).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::{bail, ensure, Context, Result};
use clap::Parser;
use likeness_bench::{machine, open_pipeline, outln, CommonArgs, Csv, Table};
use likeness_engine::catalog::{Catalog, FaceId, PersonId, PhotoId, Provenance, SuggestionRow};
use likeness_engine::people;
use likeness_engine::{
    add_root, open_catalog, EngineConfig, IndexControl, Indexer, LibraryPaths, PeopleConfig,
    SystemClock,
};

#[derive(Debug, Parser)]
#[command(name = "cluster_effort")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// celeba-dev catalog to copy (default: index_library's, built here when missing).
    #[arg(long)]
    catalog: Option<PathBuf>,
    /// Scratch folder for the copy (and for building the source catalog when missing).
    #[arg(long, default_value = "target/bench/cluster-effort")]
    scratch: PathBuf,
    /// Stop the review loop after this many rounds even if the last one still acted.
    #[arg(long, default_value_t = 20)]
    max_rounds: usize,
    /// Override PeopleConfig::suggest ("Is this X?" below this distance; default the engine's).
    #[arg(long)]
    suggest: Option<f32>,
    /// Override PeopleConfig::suggest_cluster (a whole cluster suggested below this median).
    #[arg(long)]
    suggest_cluster: Option<f32>,
    /// Override PeopleConfig::auto (a cluster goes to a person below this; default the engine's).
    #[arg(long)]
    auto: Option<f32>,
    /// Override PeopleConfig::merge_suggest ("Are these the same person?" below this).
    #[arg(long)]
    merge_suggest: Option<f32>,
    /// Override the clustering's eps.
    #[arg(long)]
    eps: Option<f32>,
    /// Override the clustering's merge threshold.
    #[arg(long)]
    merge: Option<f32>,
    /// Override the clustering's attach threshold.
    #[arg(long)]
    attach: Option<f32>,
    /// Override the clustering's merge spread check (0 = off).
    #[arg(long)]
    merge_spread: Option<f32>,
    /// Override the clustering's attach nearest-member check (0 = off).
    #[arg(long)]
    attach_nearest: Option<f32>,
}

/// How the simulated user reviews "Is this X?" suggestions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Review {
    /// On each named person's page: reject its wrong ones in bulk, accept its right ones in
    /// bulk (up to 2 actions per person per round).
    PerPerson,
    /// On one page listing every suggestion: reject all wrong ones in one bulk action, accept
    /// all right ones in another (up to 2 actions per round).
    AllAtOnce,
    /// All at once, and a cluster of an identity that already has a person is left for the
    /// next re-cluster to give it to that person (Automatic or Suggested); merged by hand only
    /// if it is still an unnamed cluster one round later.
    AllAtOnceMergesWait,
    /// All at once, merges wait a round, and then the People page's "Are these the same
    /// person?" list: each right pair accepted (1 action each), wrong pairs ignored (0); the
    /// final pass happens in the unsorted-faces view (select one person's faces, name them: 1
    /// action per target person).
    Toolbox,
}

impl Review {
    fn label(self) -> &'static str {
        match self {
            Review::PerPerson => "per person",
            Review::AllAtOnce => "all at once",
            Review::AllAtOnceMergesWait => "all at once, merges wait a round",
            Review::Toolbox => "all at once + merge suggestions + unsorted view",
        }
    }

    fn waits(self) -> bool {
        matches!(self, Review::AllAtOnceMergesWait | Review::Toolbox)
    }
}

/// Kinds of user action, in table order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Action {
    NameCluster,
    MergeCluster,
    MoveFaces,
    RejectSuggestions,
    AcceptSuggestions,
    AcceptMerge,
    FixFace,
}

impl Action {
    const ALL: [Action; 7] = [
        Action::NameCluster,
        Action::MergeCluster,
        Action::MoveFaces,
        Action::RejectSuggestions,
        Action::AcceptSuggestions,
        Action::AcceptMerge,
        Action::FixFace,
    ];

    fn label(self) -> &'static str {
        match self {
            Action::NameCluster => "name a cluster",
            Action::MergeCluster => "merge a cluster into a named person",
            Action::MoveFaces => "move selected faces to a person",
            Action::RejectSuggestions => "reject suggestions (bulk)",
            Action::AcceptSuggestions => "accept suggestions (bulk)",
            Action::AcceptMerge => "\"Are these the same person?\" → yes (1 per pair)",
            Action::FixFace => "final: select a person's leftover faces, assign (1 per person)",
        }
    }
}

/// Ground truth: identity of each labelled (main) face.
struct Truth {
    identity_of: HashMap<FaceId, String>,
    identities: usize,
    photos: usize,
    photos_without_face: usize,
    not_in_catalog: usize,
}

fn person_name(identity: &str) -> String {
    format!("celeb {identity}")
}

fn read_truth(cat: &Catalog, data: &Path) -> Result<Truth> {
    let csv = Csv::read(&data.join("identities.csv"))?;
    let (pc, ic) = (csv.col("path")?, csv.col("identity")?);
    let mut by_file: HashMap<String, String> = HashMap::new();
    for row in &csv.rows {
        let name = Path::new(&row[pc])
            .file_name()
            .context("identities.csv path without a file name")?
            .to_string_lossy()
            .into_owned();
        by_file.insert(name, row[ic].clone());
    }
    // Largest face of every photo, paging over all faces.
    let mut main: HashMap<PhotoId, (FaceId, f32)> = HashMap::new();
    let mut after = 0;
    loop {
        let page = cat.faces_after(after, 10_000)?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for f in &page {
            let [x1, y1, x2, y2] = f.bbox;
            let area = (x2 - x1).max(0.0) * (y2 - y1).max(0.0);
            let e = main.entry(f.photo).or_insert((f.id, area));
            if area > e.1 || (area == e.1 && f.id < e.0) {
                *e = (f.id, area);
            }
        }
    }
    let mut identity_of = HashMap::new();
    let mut seen_files = std::collections::HashSet::new();
    for (&photo, &(face, _)) in &main {
        let row = cat.photo(photo)?.context("photo of a face is missing")?;
        let mut identity = None;
        for p in &row.paths {
            if let Some(name) = p.file_name().map(|n| n.to_string_lossy().into_owned()) {
                if let Some(id) = by_file.get(&name) {
                    seen_files.insert(name);
                    identity = Some(id.clone());
                }
            }
        }
        if let Some(id) = identity {
            identity_of.insert(face, id);
        }
    }
    let identities = identity_of
        .values()
        .collect::<std::collections::HashSet<_>>()
        .len();
    let photos = by_file.len();
    // Files of identities.csv whose photo has no face (or is not in the catalog at all).
    let mut without_face = 0;
    let mut not_in_catalog = 0;
    for row in &csv.rows {
        let name = Path::new(&row[pc])
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if seen_files.contains(&name) {
            continue;
        }
        match cat.photo_by_path(&data.join(&row[pc]))? {
            Some(_) => without_face += 1,
            None => not_in_catalog += 1,
        }
    }
    Ok(Truth {
        identity_of,
        identities,
        photos,
        photos_without_face: without_face,
        not_in_catalog,
    })
}

/// Makes sure the source catalog exists (indexing celeba-dev's images like index_library)
/// and returns its path.
fn prepare_catalog(args: &Args, data: &Path) -> Result<PathBuf> {
    let source = match &args.catalog {
        Some(c) => c.clone(),
        None => PathBuf::from("target/bench/index-library/library/catalog.sqlite"),
    };
    let source = if source.is_file() {
        source
    } else if args.catalog.is_some() {
        bail!("catalog {} not found", source.display());
    } else {
        let lib = args.scratch.join("source-library");
        let paths = LibraryPaths::in_dir(&lib);
        if !paths.catalog.is_file() {
            eprintln!(
                "effort: no celeba-dev catalog at {}; indexing {} into {}",
                source.display(),
                data.join("images").display(),
                lib.display()
            );
            let _ = std::fs::remove_dir_all(&lib);
            let mut catalog = open_catalog(&paths)?;
            let clock = SystemClock;
            add_root(&mut catalog, &data.join("images"), &clock)?;
            let (pipeline, _) = open_pipeline(&args.common.engine_config())?;
            let indexer = Indexer::new(&pipeline, &paths, &clock);
            let control = IndexControl::new();
            indexer.run(&mut catalog, &control, &mut |_| {})?;
        }
        paths.catalog
    };
    Ok(source)
}

/// A fresh copy of `source` (with its WAL, if any) at `copy`.
fn copy_catalog(source: &Path, copy: &Path) -> Result<()> {
    if let Some(dir) = copy.parent() {
        std::fs::create_dir_all(dir)?;
    }
    for suffix in ["", "-wal", "-shm"] {
        let dst = PathBuf::from(format!("{}{suffix}", copy.display()));
        let _ = std::fs::remove_file(&dst);
        let src = PathBuf::from(format!("{}{suffix}", source.display()));
        if src.is_file() {
            std::fs::copy(&src, &dst)
                .with_context(|| format!("copying {} to {}", src.display(), dst.display()))?;
        }
    }
    Ok(())
}

/// The simulated user's state and tally.
struct User<'a> {
    cat: &'a mut Catalog,
    clock: SystemClock,
    truth: &'a Truth,
    /// Identity → its named person.
    person_of: HashMap<String, PersonId>,
    actions: BTreeMap<Action, usize>,
    review: Review,
    /// Unnamed clusters left for the re-cluster once (AllAtOnceMergesWait).
    waited: HashSet<PersonId>,
    config: PeopleConfig,
    /// Merge suggestions accepted (right) and left open at the end (wrong).
    merges_right: usize,
    merges_wrong_left: usize,
}

impl User<'_> {
    fn act(&mut self, kind: Action) {
        *self.actions.entry(kind).or_default() += 1;
    }

    fn total(&self) -> usize {
        self.actions.values().sum()
    }

    /// "Move selected faces" to `identity`'s person, creating it (named) when it has none.
    fn move_to_identity(&mut self, faces: &[FaceId], identity: &str, kind: Action) -> Result<()> {
        if faces.is_empty() {
            return Ok(());
        }
        let name = person_name(identity);
        let target = match self.person_of.get(identity) {
            Some(&p) => people::MoveTarget::Person(p),
            None => people::MoveTarget::Named(&name),
        };
        let edit = people::move_faces(self.cat, &self.clock, faces, target)?;
        self.person_of.insert(identity.to_string(), edit.person);
        self.act(kind);
        Ok(())
    }

    /// Every face of `person` (any provenance), all pages.
    fn faces_of(&self, person: PersonId) -> Result<Vec<(FaceId, Provenance)>> {
        let mut out = Vec::new();
        let page = 1000;
        loop {
            let rows = people::person_detail(self.cat, person, page, out.len())?.faces;
            let n = rows.len();
            out.extend(rows.into_iter().filter_map(|f| match f.person {
                Some((p, prov)) if p == person => Some((f.id, prov)),
                _ => None,
            }));
            if n < page {
                break;
            }
        }
        Ok(out)
    }

    /// Labelled faces grouped by identity.
    fn by_identity(&self, faces: &[FaceId]) -> BTreeMap<String, Vec<FaceId>> {
        let mut out: BTreeMap<String, Vec<FaceId>> = BTreeMap::new();
        for f in faces {
            if let Some(id) = self.truth.identity_of.get(f) {
                out.entry(id.clone()).or_default().push(*f);
            }
        }
        out
    }

    /// One review round; returns the number of actions it took.
    fn round(&mut self) -> Result<usize> {
        let before = self.total();
        // 1. Unnamed clusters, biggest first (the overview's order).
        let overview = people::overview(self.cat, false)?;
        for summary in overview.iter().filter(|s| s.name.is_none()) {
            let faces: Vec<FaceId> = self
                .faces_of(summary.id)?
                .into_iter()
                .filter(|(_, prov)| *prov != Provenance::Suggested)
                .map(|(f, _)| f)
                .collect();
            let groups = self.by_identity(&faces);
            let Some(major) = groups
                .iter()
                .max_by(|a, b| a.1.len().cmp(&b.1.len()).then(b.0.cmp(a.0)))
                .map(|(id, _)| id.clone())
            else {
                continue; // nothing labelled: skipped
            };
            for (identity, wrong) in &groups {
                if *identity != major {
                    self.move_to_identity(wrong, identity, Action::MoveFaces)?;
                }
            }
            match self.person_of.get(&major) {
                None => {
                    let edit =
                        people::name(self.cat, &self.clock, summary.id, &person_name(&major))?;
                    self.person_of.insert(major, edit.person);
                    self.act(Action::NameCluster);
                }
                Some(_) if self.review.waits() && self.waited.insert(summary.id) => {}
                Some(&into) => {
                    people::merge(self.cat, &self.clock, &[summary.id], into)?;
                    self.act(Action::MergeCluster);
                }
            }
        }
        // 2. Named people: automatic faces of someone else.
        let named: Vec<(String, PersonId)> = self
            .person_of
            .iter()
            .map(|(i, p)| (i.clone(), *p))
            .collect::<BTreeMap<_, _>>()
            .into_iter()
            .collect();
        for (identity, person) in &named {
            let automatic: Vec<FaceId> = self
                .faces_of(*person)?
                .into_iter()
                .filter(|(_, prov)| *prov == Provenance::Automatic)
                .map(|(f, _)| f)
                .collect();
            for (other, wrong) in self.by_identity(&automatic) {
                if other != *identity {
                    self.move_to_identity(&wrong, &other, Action::MoveFaces)?;
                }
            }
        }
        // 3. Suggestions, per named person or all on one page.
        let batches: Vec<(Option<PersonId>, Vec<SuggestionRow>)> = match self.review {
            Review::PerPerson => named
                .iter()
                .map(|(_, p)| {
                    Ok((
                        Some(*p),
                        people::suggestions(self.cat, Some(*p), usize::MAX)?,
                    ))
                })
                .collect::<Result<_>>()?,
            Review::AllAtOnce | Review::AllAtOnceMergesWait | Review::Toolbox => {
                vec![(None, people::suggestions(self.cat, None, usize::MAX)?)]
            }
        };
        let identity_of_person: HashMap<PersonId, &String> =
            named.iter().map(|(i, p)| (*p, i)).collect();
        for (_, rows) in batches {
            let (mut right, mut wrong) = (Vec::new(), Vec::new());
            for r in &rows {
                let (Some(truth), Some(shown)) = (
                    self.truth.identity_of.get(&r.face),
                    identity_of_person.get(&r.person),
                ) else {
                    continue; // unlabelled face (or a person the user never named): left alone
                };
                if truth == *shown {
                    right.push(r.face);
                } else {
                    wrong.push(r.face);
                }
            }
            if !wrong.is_empty() {
                people::reject_suggestions(self.cat, &self.clock, &wrong)?;
                self.act(Action::RejectSuggestions);
            }
            if !right.is_empty() {
                people::accept_suggestions(self.cat, &self.clock, &right)?;
                self.act(Action::AcceptSuggestions);
            }
        }
        // 4. "Are these the same person?": yes for the pairs of one identity (the identity
        //    most of a person's labelled faces have), the others are left alone.
        if self.review == Review::Toolbox {
            let config = self.config.clone();
            loop {
                let found = people::merge_suggestions(self.cat, &config, usize::MAX)?;
                let mut acted = false;
                for m in &found {
                    let (a, b) = (self.identity_of(m.from)?, self.identity_of(m.into)?);
                    match (a, b) {
                        (Some(a), Some(b)) if a == b => {
                            people::merge(self.cat, &self.clock, &[m.from], m.into)?;
                            if let Some(p) = self.person_of.get_mut(&a) {
                                if *p == m.from {
                                    *p = m.into;
                                }
                            }
                            self.act(Action::AcceptMerge);
                            self.merges_right += 1;
                            acted = true;
                            // The list changes after a merge: look again.
                            break;
                        }
                        _ => {}
                    }
                }
                if !acted {
                    self.merges_wrong_left = found.len();
                    break;
                }
            }
        }
        Ok(self.total() - before)
    }

    /// The identity most of a person's labelled listed faces have.
    fn identity_of(&self, person: PersonId) -> Result<Option<String>> {
        let faces: Vec<FaceId> = self
            .faces_of(person)?
            .into_iter()
            .filter(|(_, prov)| *prov != Provenance::Suggested)
            .map(|(f, _)| f)
            .collect();
        Ok(self
            .by_identity(&faces)
            .into_iter()
            .max_by(|a, b| a.1.len().cmp(&b.1.len()).then(b.0.cmp(&a.0)))
            .map(|(id, _)| id))
    }

    /// Main faces not assigned (confirmed or automatic) to their identity's person.
    fn wrong_main_faces(&self) -> Result<Vec<(FaceId, String)>> {
        let mut out = Vec::new();
        let mut faces: Vec<(&FaceId, &String)> = self.truth.identity_of.iter().collect();
        faces.sort();
        for (&face, identity) in faces {
            let row = self.cat.face(face)?.context("labelled face vanished")?;
            let ok = match (row.person, self.person_of.get(identity)) {
                (Some((p, prov)), Some(&want)) => p == want && prov != Provenance::Suggested,
                _ => false,
            };
            if !ok {
                out.push((face, identity.clone()));
            }
        }
        Ok(out)
    }
}

/// What one simulated review produced.
struct Outcome {
    review: Review,
    actions: BTreeMap<Action, usize>,
    total: usize,
    /// (round, actions, main faces wrong before the round's review, after).
    rounds: Vec<(usize, usize, usize, usize)>,
    /// Main faces still wrong after the loop, by state: unassigned, suggested, assigned.
    leftovers: [usize; 3],
    /// Median distance of those faces to their identity's nearest confirmed face.
    leftover_median_distance: f64,
    correct: usize,
    seconds: f64,
    recluster_seconds: f64,
    merges_right: usize,
    merges_wrong_left: usize,
    /// Most people holding two faces of one photo after any re-cluster.
    same_photo: usize,
}

fn simulate(
    copy: &Path,
    truth: &Truth,
    review: Review,
    config: &PeopleConfig,
    max_rounds: usize,
) -> Result<Outcome> {
    let mut cat = Catalog::open(copy)?;
    let cancel = AtomicBool::new(false);
    let start = Instant::now();
    let mut user = User {
        cat: &mut cat,
        clock: SystemClock,
        truth,
        person_of: HashMap::new(),
        actions: BTreeMap::new(),
        review,
        waited: HashSet::new(),
        config: config.clone(),
        merges_right: 0,
        merges_wrong_left: 0,
    };
    let mut rounds = Vec::new();
    let mut recluster_seconds = 0.0;
    let mut same_photo = 0;
    for round in 1..=max_rounds {
        let t = Instant::now();
        let summary = people::recluster(user.cat, config, &user.clock, &cancel)?;
        recluster_seconds += t.elapsed().as_secs_f64();
        same_photo = same_photo.max(people_on_one_photo_twice(user.cat)?);
        let wrong_before = user.wrong_main_faces()?.len();
        let acted = user.round()?;
        let wrong_after = user.wrong_main_faces()?.len();
        eprintln!(
            "effort ({}): round {round}: re-cluster: {} clustered, {} clusters, {} noise, {} to people, {} suggested, {} unnamed; {acted} actions; main faces not correctly labelled {wrong_before} → {wrong_after}",
            review.label(),
            summary.clustered,
            summary.clusters,
            summary.noise,
            summary.to_people,
            summary.suggested,
            summary.unnamed,
        );
        rounds.push((round, acted, wrong_before, wrong_after));
        if acted == 0 {
            break;
        }
    }
    // Whatever is still wrong or unlabelled: one action per face.
    let leftovers = user.wrong_main_faces()?;
    let mut states = [0; 3];
    let mut distances = Vec::new();
    for (face, identity) in &leftovers {
        let row = user.cat.face(*face)?.context("labelled face vanished")?;
        states[match row.person {
            None => 0,
            Some((_, Provenance::Suggested)) => 1,
            Some(_) => 2,
        }] += 1;
        if let Some(&p) = user.person_of.get(identity) {
            let mut nearest = f32::INFINITY;
            for (f, prov) in user.faces_of(p)? {
                if prov == Provenance::Confirmed {
                    if let Some(other) = user.cat.face(f)? {
                        nearest = nearest.min(l2(&row.embedding, &other.embedding));
                    }
                }
            }
            if nearest.is_finite() {
                distances.push(f64::from(nearest));
            }
        }
    }
    // The "unassigned faces" view: the user selects every leftover face of one person and
    // assigns them together — one action per target person, like "move selected faces".
    let mut by_identity: BTreeMap<&str, Vec<FaceId>> = BTreeMap::new();
    for (face, identity) in &leftovers {
        by_identity
            .entry(identity.as_str())
            .or_default()
            .push(*face);
    }
    for (identity, faces) in &by_identity {
        user.move_to_identity(faces, identity, Action::FixFace)?;
    }
    // One last automatic re-cluster must not undo anything the user decided.
    let t = Instant::now();
    people::recluster(user.cat, config, &user.clock, &cancel)?;
    recluster_seconds += t.elapsed().as_secs_f64();
    let still_wrong = user.wrong_main_faces()?;
    ensure!(
        still_wrong.is_empty(),
        "{} main faces are still not correctly labelled at the end ({})",
        still_wrong.len(),
        review.label()
    );
    Ok(Outcome {
        review,
        actions: user.actions.clone(),
        total: user.total(),
        rounds,
        leftovers: states,
        leftover_median_distance: likeness_bench::median(&distances),
        correct: truth.identity_of.len() - still_wrong.len(),
        seconds: start.elapsed().as_secs_f64(),
        recluster_seconds,
        merges_right: user.merges_right,
        merges_wrong_left: user.merges_wrong_left,
        same_photo,
    })
}

/// People (groups) holding two faces of one photo where automation put at least one of the
/// two there (Automatic or Suggested; two confirmed ones are the user's own decision, e.g. a
/// merge of two groups that each had a face of the photo).
fn people_on_one_photo_twice(cat: &Catalog) -> Result<usize> {
    let mut seen: HashMap<(PersonId, PhotoId), Vec<Provenance>> = HashMap::new();
    for f in cat.clustering_input()? {
        if let Some((p, prov)) = f.assignment {
            seen.entry((p, f.photo)).or_default().push(prov);
        }
    }
    let bad: HashSet<PersonId> = seen
        .into_iter()
        .filter(|(_, provs)| provs.len() > 1 && provs.iter().any(|p| *p != Provenance::Confirmed))
        .map(|((p, _), _)| p)
        .collect();
    Ok(bad.len())
}

fn l2(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f32>()
        .sqrt()
}

fn main() -> Result<()> {
    likeness_bench::init_logging();
    let args = Args::parse();
    let data = args.common.data_dir("celeba-dev")?;
    let source = prepare_catalog(&args, &data)?;
    let mut config = EngineConfig::default().people;
    if let Some(v) = args.suggest {
        config.suggest = v;
    }
    if let Some(v) = args.suggest_cluster {
        config.suggest_cluster = v;
    }
    if let Some(v) = args.auto {
        config.auto = v;
    }
    if let Some(v) = args.merge_suggest {
        config.merge_suggest = v;
    }
    let c = &mut config.cluster;
    for (value, field) in [
        (args.eps, &mut c.eps),
        (args.merge, &mut c.merge_threshold),
        (args.attach, &mut c.attach_threshold),
        (args.merge_spread, &mut c.merge_spread),
        (args.attach_nearest, &mut c.attach_nearest),
    ] {
        if let Some(v) = value {
            *field = v;
        }
    }
    eprintln!(
        "effort: people config: auto {}, suggest {}, cluster {:?}",
        config.auto, config.suggest, config.cluster
    );
    let mut outcomes = Vec::new();
    let mut truth = None;
    for review in [
        Review::PerPerson,
        Review::AllAtOnce,
        Review::AllAtOnceMergesWait,
        Review::Toolbox,
    ] {
        let copy = args.scratch.join(match review {
            Review::PerPerson => "per-person/catalog.sqlite",
            Review::AllAtOnce => "all-at-once/catalog.sqlite",
            Review::AllAtOnceMergesWait => "merges-wait/catalog.sqlite",
            Review::Toolbox => "toolbox/catalog.sqlite",
        });
        copy_catalog(&source, &copy)?;
        eprintln!(
            "effort: working on a copy of {} at {}",
            source.display(),
            copy.display()
        );
        if truth.is_none() {
            let t = read_truth(&Catalog::open(&copy)?, &data)?;
            eprintln!(
                "effort: {} files in identities.csv, {} labelled main faces of {} identities, {} files without a face, {} not in the catalog",
                t.photos,
                t.identity_of.len(),
                t.identities,
                t.photos_without_face,
                t.not_in_catalog
            );
            truth = Some(t);
        }
        let truth = truth.as_ref().context("ground truth")?;
        outcomes.push(simulate(&copy, truth, review, &config, args.max_rounds)?);
    }
    let truth = truth.context("ground truth")?;
    report(&truth, &config, &outcomes);
    Ok(())
}

fn report(truth: &Truth, config: &PeopleConfig, outcomes: &[Outcome]) {
    outln(&format!(
        "## Effort to a clean library: celeba-dev ({} identities, {} main faces)\n",
        truth.identities,
        truth.identity_of.len()
    ));
    outln(&format!(
        "People config: auto {}, suggest {} (faces) / {} (clusters), merge suggestions below {}; clustering eps {}, min points {}, merge {} (spread check {}), attach {} (nearest check {}); two faces of one photo never one person.\n",
        config.auto,
        config.suggest,
        config.suggest_cluster,
        config.merge_suggest,
        config.cluster.eps,
        config.cluster.min_points,
        config.cluster.merge_threshold,
        config.cluster.merge_spread,
        config.cluster.attach_threshold,
        config.cluster.attach_nearest
    ));
    let mut headers = vec!["suggestions reviewed".to_string()];
    headers.extend(outcomes.iter().map(|o| o.review.label().to_string()));
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut t = Table::new(&headers);
    let mut row = |label: &str, cell: &dyn Fn(&Outcome) -> String| {
        let mut r = vec![label.to_string()];
        r.extend(outcomes.iter().map(cell));
        t.row(r);
    };
    row("identities", &|_| truth.identities.to_string());
    row("main faces (labelled)", &|_| {
        truth.identity_of.len().to_string()
    });
    row("files without a face (cannot be labelled)", &|_| {
        truth.photos_without_face.to_string()
    });
    row("actions, total", &|o| o.total.to_string());
    row("**actions per person** (target ≤ 1.25)", &|o| {
        format!("**{:.2}**", o.total as f64 / truth.identities.max(1) as f64)
    });
    for kind in Action::ALL {
        row(&format!("· {}", kind.label()), &|o| {
            o.actions.get(&kind).copied().unwrap_or(0).to_string()
        });
    }
    row(
        "review rounds (until one takes no action)",
        &|o| match o.rounds.last() {
            Some((_, acted, _, _)) if *acted > 0 => {
                format!("{} (--max-rounds reached)", o.rounds.len())
            }
            _ => o.rounds.len().to_string(),
        },
    );
    row(
        "left for the final pass: unassigned / suggested / assigned wrong",
        &|o| {
            format!(
                "{} / {} / {}",
                o.leftovers[0], o.leftovers[1], o.leftovers[2]
            )
        },
    );
    row(
        "· their median distance to own person's nearest confirmed face",
        &|o| format!("{:.3}", o.leftover_median_distance),
    );
    row(
        "merge suggestions: accepted (right) / left open at the end (wrong)",
        &|o| format!("{} / {}", o.merges_right, o.merges_wrong_left),
    );
    row(
        "people given a second face of one photo by automation (most after any re-cluster)",
        &|o| o.same_photo.to_string(),
    );
    row("final: main faces correctly labelled", &|o| {
        format!("{} / {} (100 %)", o.correct, truth.identity_of.len())
    });
    row("seconds (of which re-clustering)", &|o| {
        format!("{:.1} ({:.1})", o.seconds, o.recluster_seconds)
    });
    t.print();
    for o in outcomes {
        outln(&format!(
            "\nRounds, suggestions reviewed {}:\n",
            o.review.label()
        ));
        let mut r = Table::new(&["round", "actions", "main faces wrong before", "after"]);
        for (round, acted, before, after) in &o.rounds {
            r.row([
                round.to_string(),
                acted.to_string(),
                before.to_string(),
                after.to_string(),
            ]);
        }
        r.print();
    }
    outln(&format!("\n{}", machine()));
}
