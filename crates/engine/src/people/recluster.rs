//! Clustering the undecided faces and handing each cluster to a person, a suggestion or a
//! stable unnamed cluster.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use likeness_catalog::{
    Catalog, ClusterFace, ClusterTarget, ClusteringPlan, FaceAssignment, FaceId, JobCounts,
    JobState, PersonId, PhotoId, PlannedCluster, Provenance,
};

use super::matcher::{squared_l2, IncrementalMatcher};
use super::{confidence, quality_passes, PeopleConfig};
use crate::clock::Clock;
use crate::error::EngineError;

/// Members sampled per cluster (evenly, deterministically) for the median distance to a
/// person's anchors.
const MEDIAN_SAMPLE: usize = 32;
/// People considered per cluster: those whose anchors come nearest its centroid.
const CANDIDATES: usize = 4;

/// What a clustering run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReclusterSummary {
    /// Faces on live photos.
    pub faces: u64,
    /// Confirmed faces (the anchors of their people).
    pub anchors: u64,
    /// Faces marked "not a face".
    pub not_faces: u64,
    /// Undecided faces below the quality bar: left out of clustering and suggestions.
    pub low_quality: u64,
    /// Undecided faces that were clustered.
    pub clustered: u64,
    /// Clusters found among them.
    pub clusters: u64,
    /// Faces left in no cluster.
    pub noise: u64,
    /// Clusters given to a person (Automatic).
    pub to_people: u64,
    /// Clusters suggested for a person.
    pub suggested_clusters: u64,
    /// Clusters kept as unnamed people.
    pub unnamed: u64,
    /// Assignments written (Automatic), as the catalog counted them.
    pub assigned: u64,
    /// Suggestions written.
    pub suggested: u64,
    pub people_created: u64,
    pub people_removed: u64,
    /// Time in `likeness_cluster::cluster`.
    pub cluster_time: Duration,
    /// Time in `apply_clustering` (the write).
    pub apply_time: Duration,
    pub elapsed: Duration,
}

/// Re-clusters every undecided face of the live photos and applies the result (one
/// transaction; recorded as a `jobs` row of kind "cluster", not as an undoable edit).
///
/// Confirmed faces are the anchors of their person. `likeness_cluster::cluster` groups the
/// undecided faces; for each cluster and each of the 4 people whose anchors come nearest its
/// centroid, the median over (up to 32 sampled) members of the distance to that person's
/// nearest anchor decides (the cost is one pass over the anchors per cluster, plus the
/// candidates' anchors per sampled member, and one pass per noise face): below `config.auto` the
/// cluster is that person's (Automatic), below `config.suggest_cluster` it is suggested, otherwise it
/// stays an unnamed person — the unnamed person most of its members had before, so an
/// unnamed cluster keeps its id from run to run. Members rejected from the chosen person are
/// left out of it (and handled like noise). Noise faces are suggested for the person of
/// their nearest anchor when it is closer than `config.suggest` (closer than `config.auto`
/// once the user has rejected the face for someone).
pub fn recluster(
    catalog: &mut Catalog,
    config: &PeopleConfig,
    clock: &dyn Clock,
    cancel: &AtomicBool,
) -> Result<ReclusterSummary, EngineError> {
    let started = Instant::now();
    let job = catalog.begin_job("cluster", clock.now())?;
    let result = run(catalog, config, clock, cancel);
    let (state, counts) = match &result {
        Ok(s) => (
            JobState::Completed,
            JobCounts {
                photos_done: s.clustered,
                photos_total: s.faces,
                faces: s.assigned + s.suggested,
                errors: 0,
            },
        ),
        Err(EngineError::Cancelled) => (JobState::Cancelled, JobCounts::default()),
        Err(_) => (JobState::Failed, JobCounts::default()),
    };
    catalog.finish_job(job, state, &counts, clock.now())?;
    let mut summary = result?;
    summary.elapsed = started.elapsed();
    tracing::info!(?summary, "clustering finished");
    Ok(summary)
}

/// Whether faces were added or removed since the last completed clustering run: an indexing
/// job (which only exists when files were pending) newer than it, or no clustering run yet
/// while the library has faces, or the last one did not complete.
pub fn clustering_due(catalog: &Catalog) -> Result<bool, EngineError> {
    let last_index = catalog.last_job("index")?;
    Ok(match catalog.last_job("cluster")? {
        None => catalog.status()?.faces > 0,
        Some(c) if c.state != JobState::Completed => true,
        Some(c) => last_index.is_some_and(|i| i.id > c.id && i.counts.photos_done > 0),
    })
}

fn run(
    catalog: &mut Catalog,
    config: &PeopleConfig,
    clock: &dyn Clock,
    cancel: &AtomicBool,
) -> Result<ReclusterSummary, EngineError> {
    let input = catalog.clustering_input()?;
    let unnamed: HashSet<PersonId> = catalog
        .people()?
        .into_iter()
        .filter(|p| p.name.is_none())
        .map(|p| p.id)
        .collect();
    let mut summary = ReclusterSummary {
        faces: input.len() as u64,
        ..ReclusterSummary::default()
    };
    let dim = common_dim(&input);
    let mut anchors = IncrementalMatcher::new(config);
    // The photos each person is already on (their confirmed faces, then what this plan gives
    // them): no second face of such a photo goes to that person.
    let mut taken: HashMap<PersonId, HashSet<PhotoId>> = HashMap::new();
    let mut undecided: Vec<&ClusterFace> = Vec::new();
    let mut low_quality: Vec<FaceId> = Vec::new();
    for f in &input {
        if f.not_face {
            summary.not_faces += 1;
            continue;
        }
        match f.assignment {
            Some((person, Provenance::Confirmed)) => {
                anchors.add_anchor(person, &f.embedding);
                taken.entry(person).or_default().insert(f.photo);
                summary.anchors += 1;
            }
            _ if f.embedding.len() == dim && dim > 0 => {
                if quality_passes(f.quality, config.min_quality) {
                    undecided.push(f);
                } else {
                    // Kept, never grouped or suggested by itself: its automatic assignment
                    // (from a lower bar) is dropped with the plan below.
                    low_quality.push(f.face);
                }
            }
            _ => {}
        }
    }
    summary.low_quality = low_quality.len() as u64;
    // A content order (not face ids, which differ between two catalogs of the same photos):
    // the same faces cluster the same way and unnamed clusters are created in the same order.
    undecided.sort_by(|a, b| cmp_embedding(&a.embedding, &b.embedding).then(a.face.cmp(&b.face)));
    summary.clustered = undecided.len() as u64;
    let mut points = Vec::with_capacity(undecided.len() * dim);
    // Each face's photo, as a dense cannot-link group: two faces of one photo are never put
    // in one cluster (the user can still say they are one person: mirrors, photos of photos).
    let mut photo_group: HashMap<PhotoId, u32> = HashMap::new();
    let mut groups = Vec::with_capacity(undecided.len());
    for f in &undecided {
        points.extend_from_slice(&f.embedding);
        let next = photo_group.len() as u32;
        groups.push(*photo_group.entry(f.photo).or_insert(next));
    }
    let t = Instant::now();
    let labels = if undecided.is_empty() {
        Vec::new()
    } else {
        likeness_cluster::cluster_constrained(&points, dim, Some(&groups), &config.cluster, cancel)?
            .labels
    };
    summary.cluster_time = t.elapsed();
    drop(points);
    if cancel.load(Ordering::SeqCst) {
        return Err(EngineError::Cancelled);
    }

    // Per label: (position of its first member in content order, members).
    let mut groups: BTreeMap<u32, (usize, Vec<&ClusterFace>)> = BTreeMap::new();
    let mut singles: Vec<&ClusterFace> = Vec::new();
    for (i, (f, label)) in undecided.iter().zip(&labels).enumerate() {
        match label {
            Some(l) => groups
                .entry(*l)
                .or_insert_with(|| (i, Vec::new()))
                .1
                .push(f),
            None => singles.push(f),
        }
    }
    summary.clusters = groups.len() as u64;
    summary.noise = singles.len() as u64;
    // Biggest clusters first (they claim their stable unnamed id first), then content order.
    let mut groups: Vec<(usize, Vec<&ClusterFace>)> = groups.into_values().collect();
    groups.sort_by_key(|(first, g)| (std::cmp::Reverse(g.len()), *first));

    let mut distinct: HashMap<PersonId, HashSet<PersonId>> = HashMap::new();
    for (a, b) in catalog.distinct_pairs()? {
        distinct.entry(a).or_default().insert(b);
        distinct.entry(b).or_default().insert(a);
    }
    let mut clusters = Vec::new();
    let mut claimed: HashSet<PersonId> = HashSet::new();
    for (_, members) in groups {
        // The user said the group this cluster was is not these people: never theirs.
        let vetoed: Vec<PersonId> = stable_unnamed(&members, &unnamed, &claimed)
            .and_then(|u| distinct.get(&u))
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        let (target, mut kept, mut left_out) =
            place_cluster(&members, &anchors, &taken, &vetoed, config, |m| {
                stable_unnamed(m, &unnamed, &claimed)
            });
        // The person the faces go to, when it exists already (a named one, or the unnamed
        // group the cluster keeps — which may hold confirmed faces the user moved there): no
        // second face of a photo it is on, and no later cluster takes the same unnamed id.
        let owner = match target {
            ClusterTarget::Person(p, _) => Some(p),
            ClusterTarget::Unnamed(id) => id,
        };
        if let Some(owner) = owner {
            claimed.insert(owner);
            let photos = taken.entry(owner).or_default();
            let by_face: HashMap<FaceId, &ClusterFace> =
                members.iter().map(|m| (m.face, *m)).collect();
            kept.retain(|(face, _)| match by_face.get(face) {
                Some(m) if !photos.insert(m.photo) => {
                    left_out.push(m);
                    false
                }
                _ => true,
            });
        }
        match target {
            ClusterTarget::Person(_, Provenance::Automatic) => summary.to_people += 1,
            ClusterTarget::Person(..) => summary.suggested_clusters += 1,
            ClusterTarget::Unnamed(_) => summary.unnamed += 1,
        }
        singles.extend(left_out);
        if !kept.is_empty() {
            clusters.push(PlannedCluster {
                target,
                faces: kept,
            });
        }
    }
    if cancel.load(Ordering::SeqCst) {
        return Err(EngineError::Cancelled);
    }
    // Each single face's best person, never one already on its photo; then the nearest
    // face of a photo first, so two faces of one photo are never both "Is this X?".
    let mut candidates: Vec<(f32, PersonId, &ClusterFace)> = Vec::new();
    for f in singles {
        let best = anchors
            .nearest_per_person(&f.embedding, &f.rejected)
            .into_iter()
            .filter(|(p, _)| !taken.get(p).is_some_and(|ph| ph.contains(&f.photo)))
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        // A face the user already turned down for someone is asked about again only when
        // the next person is a confident match: no "Is this B?", "Is this C?" round after round.
        let limit = if f.rejected.is_empty() {
            config.suggest
        } else {
            config.auto
        };
        if let Some((person, d)) = best.filter(|(_, d)| *d < limit) {
            candidates.push((d, person, f));
        }
    }
    candidates.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.2.face.cmp(&b.2.face)));
    let mut suggestions = Vec::new();
    for (d, person, f) in candidates {
        if !taken.entry(person).or_default().insert(f.photo) {
            continue;
        }
        suggestions.push(FaceAssignment {
            face: f.face,
            person,
            provenance: Provenance::Suggested,
            confidence: Some(confidence(d)),
        });
    }
    let plan = ClusteringPlan {
        faces: undecided
            .iter()
            .map(|f| f.face)
            .chain(low_quality.iter().copied())
            .collect(),
        clusters,
        suggestions,
    };
    let t = Instant::now();
    let applied = catalog.apply_clustering(&plan, clock.now())?;
    summary.apply_time = t.elapsed();
    summary.assigned = applied.assigned;
    summary.suggested = applied.suggested;
    summary.people_created = applied.people_created;
    summary.people_removed = applied.people_removed;
    Ok(summary)
}

/// Decides one cluster's target. Returns the target, the members it keeps (with their
/// confidence) and the members left out (rejected from the target person).
fn place_cluster<'f>(
    members: &[&'f ClusterFace],
    anchors: &IncrementalMatcher,
    taken: &HashMap<PersonId, HashSet<PhotoId>>,
    vetoed: &[PersonId],
    config: &PeopleConfig,
    stable: impl FnOnce(&[&ClusterFace]) -> Option<PersonId>,
) -> (ClusterTarget, Vec<(FaceId, f32)>, Vec<&'f ClusterFace>) {
    // Candidates: the people whose anchors come nearest the cluster's centroid (one pass
    // over the anchors per cluster); the medians are then taken for those only.
    let centroid = centroid(members);
    let mut near: Vec<(PersonId, f32)> = anchors
        .nearest_per_person(&centroid, vetoed)
        .into_iter()
        .collect();
    near.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    near.truncate(CANDIDATES);
    let step = members.len().div_ceil(MEDIAN_SAMPLE).max(1);
    let mut per_person: HashMap<PersonId, Vec<f32>> = HashMap::new();
    for m in members.iter().step_by(step) {
        for &(person, _) in &near {
            if m.rejected.contains(&person) {
                continue;
            }
            if let Some(d) = anchors.nearest_of(person, &m.embedding) {
                per_person.entry(person).or_default().push(d);
            }
        }
    }
    let best = per_person
        .into_iter()
        .map(|(person, mut ds)| (person, median(&mut ds)))
        .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    if let Some((person, m)) = best.filter(|(_, m)| *m < config.suggest_cluster) {
        let provenance = if m < config.auto {
            Provenance::Automatic
        } else {
            Provenance::Suggested
        };
        let (mut kept, mut left_out) = (Vec::new(), Vec::new());
        let on = taken.get(&person);
        for f in members {
            let photo_taken = on.is_some_and(|photos| photos.contains(&f.photo));
            match anchors.nearest_of(person, &f.embedding) {
                Some(d) if !f.rejected.contains(&person) && !photo_taken => {
                    kept.push((f.face, confidence(d)))
                }
                _ => left_out.push(*f),
            }
        }
        return (ClusterTarget::Person(person, provenance), kept, left_out);
    }
    let id = stable(members);
    let (mut kept, mut left_out) = (Vec::new(), Vec::new());
    for f in members {
        if id.is_some_and(|id| f.rejected.contains(&id)) {
            left_out.push(*f);
        } else {
            let d = squared_l2(&centroid, &f.embedding).sqrt();
            kept.push((f.face, confidence(d)));
        }
    }
    (ClusterTarget::Unnamed(id), kept, left_out)
}

/// The unnamed person most members had before (not yet claimed by a bigger cluster; ties go
/// to the lower id).
fn stable_unnamed(
    members: &[&ClusterFace],
    unnamed: &HashSet<PersonId>,
    claimed: &HashSet<PersonId>,
) -> Option<PersonId> {
    let mut votes: BTreeMap<PersonId, usize> = BTreeMap::new();
    for m in members {
        if let Some((p, _)) = m.assignment {
            if unnamed.contains(&p) && !claimed.contains(&p) {
                *votes.entry(p).or_default() += 1;
            }
        }
    }
    votes
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(p, _)| p)
}

fn median(values: &mut [f32]) -> f32 {
    values.sort_by(f32::total_cmp);
    let n = values.len();
    match n {
        0 => f32::INFINITY,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// The members' mean, summed in f64 so the result does not depend on the members' order
/// (face ids, hence the order, differ between two catalogs of the same photos).
fn centroid(members: &[&ClusterFace]) -> Vec<f32> {
    let dim = members.first().map_or(0, |m| m.embedding.len());
    let mut c = vec![0f64; dim];
    for m in members {
        for (a, b) in c.iter_mut().zip(&m.embedding) {
            *a += f64::from(*b);
        }
    }
    let n = members.len().max(1) as f64;
    c.iter().map(|a| (a / n) as f32).collect()
}

/// Lexicographic order of two embeddings (total order on f32).
fn cmp_embedding(a: &[f32], b: &[f32]) -> std::cmp::Ordering {
    a.iter()
        .zip(b)
        .map(|(x, y)| x.total_cmp(y))
        .find(|o| o.is_ne())
        .unwrap_or_else(|| a.len().cmp(&b.len()))
}

/// The embedding length most faces have (faces of another length are left alone).
fn common_dim(input: &[ClusterFace]) -> usize {
    let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
    for f in input.iter().filter(|f| !f.embedding.is_empty()) {
        *counts.entry(f.embedding.len()).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map_or(0, |(d, _)| d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(id: FaceId, x: f32, assignment: Option<(PersonId, Provenance)>) -> ClusterFace {
        let mut embedding = vec![0.0; 8];
        embedding[0] = x;
        embedding[1] = (id as f32) * 0.001;
        ClusterFace {
            face: id,
            photo: id,
            embedding,
            assignment,
            not_face: false,
            rejected: Vec::new(),
            quality: None,
        }
    }

    #[test]
    fn clusters_go_to_the_person_they_sit_on_rejected_members_stay_out() {
        let config = PeopleConfig::default();
        let mut anchors = IncrementalMatcher::new(&config);
        anchors.add_anchor(1, &face(100, 0.0, None).embedding);
        anchors.add_anchor(2, &face(101, 2.0, None).embedding);
        let mut members: Vec<ClusterFace> = (0..5).map(|i| face(i, 0.1, None)).collect();
        members[3].rejected = vec![1];
        let refs: Vec<&ClusterFace> = members.iter().collect();
        let (target, kept, left_out) =
            place_cluster(&refs, &anchors, &HashMap::new(), &[], &config, |_| None);
        assert_eq!(target, ClusterTarget::Person(1, Provenance::Automatic));
        assert_eq!(kept.len(), 4);
        assert_eq!(left_out.len(), 1);
        assert_eq!(left_out[0].face, 3);
        // Between auto and suggest: a suggestion.
        let members: Vec<ClusterFace> = (0..3).map(|i| face(i, 0.5, None)).collect();
        let refs: Vec<&ClusterFace> = members.iter().collect();
        let (target, _, _) =
            place_cluster(&refs, &anchors, &HashMap::new(), &[], &config, |_| None);
        assert_eq!(target, ClusterTarget::Person(1, Provenance::Suggested));
        // Far from everyone: unnamed, keeping the id most members had.
        let unnamed: HashSet<PersonId> = [7, 8].into();
        let members = [
            face(10, 1.0, Some((7, Provenance::Automatic))),
            face(11, 1.0, Some((8, Provenance::Automatic))),
            face(12, 1.0, Some((8, Provenance::Suggested))),
        ];
        let refs: Vec<&ClusterFace> = members.iter().collect();
        let (target, kept, _) =
            place_cluster(&refs, &anchors, &HashMap::new(), &[], &config, |m| {
                stable_unnamed(m, &unnamed, &HashSet::new())
            });
        assert_eq!(target, ClusterTarget::Unnamed(Some(8)));
        assert_eq!(kept.len(), 3);
        // …unless a bigger cluster claimed it already.
        let claimed: HashSet<PersonId> = [8].into();
        assert_eq!(stable_unnamed(&refs, &unnamed, &claimed), Some(7));
    }

    #[test]
    fn medians() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&mut []).is_infinite());
    }
}

/// Scale check (ignored by default): `cargo test --release -p likeness-engine --lib
/// recluster_scale -- --ignored --nocapture` (LIKENESS_SCALE_FACES, default 100 000).
#[cfg(test)]
#[allow(clippy::print_stdout)]
mod scale {
    use std::time::Instant;

    use likeness_catalog::{
        ContentHash, FileCandidate, IndexOutcome, NewFace, NewPhoto, PhotoMeta, ScanChanges,
        TakenSource,
    };

    use super::*;
    use crate::clock::SystemClock;

    /// Deterministic normal-ish numbers (sum of uniforms).
    struct Noise(u64);
    impl Noise {
        fn uniform(&mut self) -> f32 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 40) as f32) / ((1u64 << 24) as f32)
        }
        fn normal(&mut self) -> f32 {
            (0..4).map(|_| self.uniform()).sum::<f32>() - 2.0
        }
        /// A 128-d embedding at `centre` on the first axis, with noise of scale `sd` on the
        /// others.
        fn face_at(&mut self, centre: f32, sd: f32) -> Vec<f32> {
            (0..128)
                .map(|k| if k == 0 { centre } else { self.normal() * sd })
                .collect()
        }
    }

    /// A file's analysis with one 100×100 photo (content `n`) holding one face.
    fn one_face_photo(
        file: likeness_catalog::FileId,
        n: u64,
        embedding: Vec<f32>,
        quality: Option<f32>,
    ) -> IndexOutcome {
        photo_with_faces(file, n, vec![(embedding, quality)])
    }

    /// A file's analysis with one 100×100 photo (content `n`) holding these faces.
    fn photo_with_faces(
        file: likeness_catalog::FileId,
        n: u64,
        faces: Vec<(Vec<f32>, Option<f32>)>,
    ) -> IndexOutcome {
        let mut hash = [0u8; 32];
        hash[..8].copy_from_slice(&n.to_le_bytes());
        IndexOutcome::Analyzed {
            file,
            size: 1,
            mtime_ns: 1,
            photo: NewPhoto {
                hash: ContentHash(hash),
                meta: PhotoMeta {
                    width: 100,
                    height: 100,
                    stored_width: 100,
                    stored_height: 100,
                    orientation: 1,
                    format: "jpeg".into(),
                    taken_at: None,
                    taken_source: TakenSource::FileTime,
                    camera_make: None,
                    camera_model: None,
                    gps: None,
                    file_size: 1,
                },
                model: "m".into(),
                faces: faces
                    .into_iter()
                    .enumerate()
                    .map(|(i, (embedding, quality))| {
                        let x = 10.0 + 30.0 * i as f32;
                        NewFace {
                            bbox: [x, 10.0, x + 25.0, 35.0],
                            landmarks: [0.0; 10],
                            score: 0.99,
                            embedding,
                            quality,
                        }
                    })
                    .collect(),
            },
        }
    }

    /// A catalog with one photo per face: (embedding, quality).
    fn catalog_of(dir: &std::path::Path, faces: &[(Vec<f32>, Option<f32>)]) -> Catalog {
        let photos: Vec<Vec<(Vec<f32>, Option<f32>)>> =
            faces.iter().map(|f| vec![f.clone()]).collect();
        catalog_of_photos(dir, &photos)
    }

    /// A catalog with these photos, each holding its faces: (embedding, quality).
    fn catalog_of_photos(dir: &std::path::Path, faces: &[Vec<(Vec<f32>, Option<f32>)>]) -> Catalog {
        let mut cat = Catalog::open(&dir.join("c.sqlite")).expect("open");
        let root = cat.add_root(&dir.join("p"), 0).expect("root");
        let upsert: Vec<FileCandidate> = (0..faces.len())
            .map(|i| FileCandidate {
                path: dir.join(format!("p/{i}.jpg")),
                size: 1,
                mtime_ns: 1,
            })
            .collect();
        let changes = ScanChanges {
            upsert,
            ..ScanChanges::default()
        };
        cat.apply_scan(root.id, &changes, 0).expect("scan");
        let pending = cat.pending_files(0, 1000).expect("pending");
        let batch: Vec<IndexOutcome> = pending
            .iter()
            .zip(faces)
            .enumerate()
            .map(|(n, (f, faces))| photo_with_faces(f.id, n as u64, faces.clone()))
            .collect();
        cat.commit_batch(&batch, 0).expect("commit");
        cat
    }

    #[test]
    fn faces_below_the_quality_bar_are_never_grouped_by_themselves() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut noise = Noise(3);
        let mut faces = Vec::new();
        // Two tight identities far apart; B's faces are below the bar, two are unmeasured.
        for (centre, quality) in [(0.0f32, Some(0.9)), (1.0, Some(0.01))] {
            for _ in 0..6 {
                faces.push((noise.face_at(centre, 0.005), quality));
            }
        }
        faces[0].1 = None;
        let mut cat = catalog_of(dir.path(), &faces);
        let clock = SystemClock;
        let cancel = AtomicBool::new(false);
        let assigned = |cat: &Catalog| -> Vec<bool> {
            (0..faces.len())
                .map(|i| {
                    // Photos were stored one per face, in order, from id 1.
                    let photo = (i + 1) as likeness_catalog::PhotoId;
                    cat.faces_of_photo(photo).expect("faces")[0]
                        .person
                        .is_some()
                })
                .collect()
        };
        let config = PeopleConfig::default();
        let s = recluster(&mut cat, &config, &clock, &cancel).expect("cluster");
        assert_eq!(s.low_quality, 6);
        assert_eq!(s.clusters, 1, "{s:?}");
        let a = assigned(&cat);
        assert!(a[..6].iter().all(|&x| x), "{a:?}");
        assert!(a[6..].iter().all(|&x| !x), "{a:?}");
        // "Include small and blurry faces": B is grouped too.
        let all = PeopleConfig {
            min_quality: 0.0,
            ..PeopleConfig::default()
        };
        let s = recluster(&mut cat, &all, &clock, &cancel).expect("cluster");
        assert_eq!((s.low_quality, s.clusters), (0, 2), "{s:?}");
        assert!(assigned(&cat).iter().all(|&x| x));
        // And back: B's automatic assignments go.
        recluster(&mut cat, &config, &clock, &cancel).expect("cluster");
        let a = assigned(&cat);
        assert!(a[6..].iter().all(|&x| !x), "{a:?}");
    }

    /// Look-alikes (twins) photographed together: however close their faces are, the two
    /// faces of one photo never end in one person, not by clustering, not by a suggestion.
    #[test]
    fn two_faces_of_one_photo_are_never_one_person() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut noise = Noise(11);
        let mut face = |centre: f32| (noise.face_at(centre, 0.01), None);
        // Twin A at 0.0, twin B at 0.2 (closer than DBSCAN's eps): 8 photos of both, and
        // 3 photos of A alone.
        let mut photos: Vec<Vec<(Vec<f32>, Option<f32>)>> =
            (0..8).map(|_| vec![face(0.0), face(0.2)]).collect();
        photos.extend((0..3).map(|_| vec![face(0.0)]));
        let mut cat = catalog_of_photos(dir.path(), &photos);
        let clock = SystemClock;
        let cancel = AtomicBool::new(false);
        let config = PeopleConfig::default();
        // Every person's faces, by photo: no photo twice.
        let check = |cat: &Catalog| {
            let mut seen: HashSet<(PersonId, likeness_catalog::PhotoId)> = HashSet::new();
            for photo in 1..=photos.len() as likeness_catalog::PhotoId {
                for f in cat.faces_of_photo(photo).expect("faces") {
                    if let Some((p, _)) = f.person {
                        assert!(seen.insert((p, photo)), "person {p} twice on photo {photo}");
                    }
                }
            }
            seen.len()
        };
        let s = recluster(&mut cat, &config, &clock, &cancel).expect("cluster");
        assert!(s.clusters >= 2, "{s:?}");
        assert_eq!(
            check(&cat),
            19,
            "every face has a person, none twice on a photo"
        );
        // The user names twin A on the first photo: B's faces are not suggested as A.
        let a = cat.faces_of_photo(1).expect("faces")[0].id;
        let (ann, _) = cat
            .new_person_with_faces(Some("Ann"), &[a], 1)
            .expect("name");
        recluster(&mut cat, &config, &clock, &cancel).expect("cluster");
        check(&cat);
        let b = cat.faces_of_photo(1).expect("faces")[1].clone();
        assert_ne!(b.person.map(|p| p.0), Some(ann));
    }

    /// "Are these the same person?": two groups of one identity are asked about (the unnamed
    /// one goes into the named one), a far person is not, a pair seen together on one photo
    /// is not, and "no" is remembered, also by clustering.
    #[test]
    fn merge_suggestions_pair_the_split_parts_of_one_person() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut noise = Noise(5);
        let mut face = |centre: f32| (noise.face_at(centre, 0.02), None);
        // Photos 1–4: Ann; 5–7: Ann again (a split); 8–10: Cy, far away; 11: Ann beside Dee
        // (Dee at 0.3 from Ann).
        let mut photos: Vec<Vec<(Vec<f32>, Option<f32>)>> = Vec::new();
        photos.extend((0..7).map(|_| vec![face(0.0)]));
        photos.extend((0..3).map(|_| vec![face(3.0)]));
        photos.push(vec![face(0.0), face(0.3)]);
        let mut cat = catalog_of_photos(dir.path(), &photos);
        let first =
            |cat: &Catalog, photo: i64, i: usize| cat.faces_of_photo(photo).expect("f")[i].id;
        let ids = |cat: &Catalog, r: std::ops::RangeInclusive<i64>| -> Vec<FaceId> {
            r.map(|p| first(cat, p, 0)).collect()
        };
        let (ann, _) = cat
            .new_person_with_faces(Some("Ann"), &ids(&cat, 1..=4), 1)
            .expect("ann");
        let (split, _) = cat
            .new_person_with_faces(None, &ids(&cat, 5..=7), 1)
            .expect("split");
        let (cy, _) = cat
            .new_person_with_faces(Some("Cy"), &ids(&cat, 8..=10), 1)
            .expect("cy");
        let (dee, _) = cat
            .new_person_with_faces(Some("Dee"), &[first(&cat, 11, 1)], 1)
            .expect("dee");
        cat.move_faces(&[first(&cat, 11, 0)], ann, 1)
            .expect("ann on 11");
        let config = PeopleConfig::default();
        let got = crate::people::merge_suggestions(&cat, &config, 10).expect("suggest");
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!((got[0].from, got[0].into), (split, ann));
        assert!(got[0].distance < 0.4 && got[0].confidence > 0.6, "{got:?}");
        let _ = cy;
        // "No": never asked again; the group stays its own on the next clustering.
        crate::people::not_same_person(&mut cat, &SystemClock, &[(split, ann)]).expect("no");
        // Next best for the split group: Dee, the look-alike (never seen with it).
        let got = crate::people::merge_suggestions(&cat, &config, 10).expect("suggest");
        assert_eq!(
            got.iter().map(|m| (m.from, m.into)).collect::<Vec<_>>(),
            vec![(split, dee)]
        );
        crate::people::not_same_person(&mut cat, &SystemClock, &[(split, dee)]).expect("no");
        assert!(crate::people::merge_suggestions(&cat, &config, 10)
            .expect("suggest")
            .is_empty());
        // Clustering again: the group sits right on Ann (it would be hers), but the user said
        // it is not Ann (nor Dee): it stays the same unnamed group.
        let cancel = AtomicBool::new(false);
        recluster(&mut cat, &config, &SystemClock, &cancel).expect("cluster");
        for f in ids(&cat, 5..=7) {
            let row = cat.face(f).expect("face").expect("exists");
            assert_eq!(row.person.map(|p| p.0), Some(split), "{row:?}");
        }
    }

    #[test]
    #[ignore = "scale measurement"]
    fn recluster_scale() {
        let faces: usize = std::env::var("LIKENESS_SCALE_FACES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(100_000);
        let dir = tempfile::tempdir().expect("tmp");
        let mut cat = Catalog::open(&dir.path().join("c.sqlite")).expect("open");
        let root = cat.add_root(&dir.path().join("p"), 0).expect("root");
        let people = faces / 20;
        let mut noise = Noise(7);
        // Planted identities: centres ~ N(0, 0.06²) per dim (≈ 0.96 apart), members at
        // σ 0.02 (≈ 0.32 from each other), like real within/between-identity distances.
        let centres: Vec<Vec<f32>> = (0..people)
            .map(|_| (0..128).map(|_| noise.normal() * 0.06 / 0.577).collect())
            .collect();
        let t = Instant::now();
        let upsert: Vec<FileCandidate> = (0..faces)
            .map(|i| FileCandidate {
                path: dir.path().join(format!("p/{i}.jpg")),
                size: 1,
                mtime_ns: 1,
            })
            .collect();
        let changes = ScanChanges {
            upsert,
            ..ScanChanges::default()
        };
        cat.apply_scan(root.id, &changes, 0).expect("scan");
        let mut after = 0;
        let mut n = 0usize;
        loop {
            let page = cat.pending_files(after, 5000).expect("pending");
            if page.is_empty() {
                break;
            }
            let mut batch = Vec::new();
            for f in page {
                after = f.id;
                let centre = &centres[n % people];
                let embedding: Vec<f32> = centre
                    .iter()
                    .map(|c| c + noise.normal() * 0.02 / 0.577)
                    .collect();
                batch.push(one_face_photo(f.id, n as u64, embedding, None));
                n += 1;
            }
            cat.commit_batch(&batch, 0).expect("commit");
        }
        println!("{faces} faces stored in {:.1} s", t.elapsed().as_secs_f64());
        let clock = SystemClock;
        let config = PeopleConfig::default();
        let cancel = AtomicBool::new(false);
        let t = Instant::now();
        let first = recluster(&mut cat, &config, &clock, &cancel).expect("cluster");
        println!("first run {:.1} s: {first:?}", t.elapsed().as_secs_f64());
        // Name a tenth of the clusters (their faces become anchors), then re-cluster.
        let t = Instant::now();
        let overview = cat.people_overview(true).expect("overview");
        for (i, p) in overview.iter().take(overview.len() / 10).enumerate() {
            cat.name_person(p.id, &format!("P{i}"), 0).expect("name");
        }
        println!(
            "named {} in {:.1} s",
            overview.len() / 10,
            t.elapsed().as_secs_f64()
        );
        let t = Instant::now();
        let second = recluster(&mut cat, &config, &clock, &cancel).expect("cluster");
        println!(
            "with anchors {:.1} s: {second:?}",
            t.elapsed().as_secs_f64()
        );
        let t = Instant::now();
        let input = cat.clustering_input().expect("input");
        println!(
            "clustering_input alone: {} faces in {:.1} s",
            input.len(),
            t.elapsed().as_secs_f64()
        );
        // What the People page asks on every refresh.
        let t = Instant::now();
        let merges = crate::people::merge_suggestions(&cat, &config, 50).expect("merges");
        println!(
            "merge_suggestions over {} people: {} in {:.2} s",
            overview.len(),
            merges.len(),
            t.elapsed().as_secs_f64()
        );
    }
}
