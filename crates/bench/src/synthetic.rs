//! Synthetic catalogs for the benchmarks that need a big library without indexing one
//! (`catalog_query`, `gui_bench`). Built through the catalog's own API (`apply_scan`,
//! `commit_batch`, then `assign_automatic` + `move_faces`, or `apply_clustering` — the same
//! calls the indexer, the people edits and the clusterer make) into a file later runs reuse.
//! Data: 0–6 faces per photo (mean 3), 512-byte random embeddings (or empty ones), ~70 % of
//! faces assigned to `people` people or clusters with Zipf (s = 1) sizes; taken_at uniform
//! over 2005–2024, 2 % undated; files under the root `/synthetic/library`, which does not
//! exist (a missing root keeps its files, so the desktop app can open the catalog without
//! losing them).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Result;
use likeness_catalog::{
    Catalog, ClusterTarget, ClusteringPlan, ContentHash, FaceAssignment, FaceId, FileCandidate,
    IndexOutcome, JobCounts, JobState, NewFace, NewPhoto, PhotoMeta, PlannedCluster, Provenance,
    ScanChanges, TakenSource,
};

/// The job row that marks a finished build.
pub const BUILD_JOB: &str = "bench-build";
const BATCH: usize = 20_000;
/// The synthetic library's root (not a real folder).
pub const ROOT: &str = "/synthetic/library";

/// How the faces are grouped into people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeopleMode {
    /// Named people with Confirmed/Automatic/Suggested assignments (`catalog_query`).
    Named,
    /// Unnamed clusters, as after a first indexing run (`gui_bench`'s People page).
    Unnamed,
}

/// What to build.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub photos: u64,
    pub people: u64,
    pub people_mode: PeopleMode,
    /// Random 128-d embeddings (else empty ones: a much smaller file).
    pub embeddings: bool,
}

pub fn complete(path: &Path) -> Result<bool> {
    if !path.exists() {
        return Ok(false);
    }
    let cat = Catalog::open(path)?;
    Ok(cat
        .last_job(BUILD_JOB)?
        .is_some_and(|j| j.state == JobState::Completed))
}

pub fn build(path: &Path, spec: &Spec) -> Result<()> {
    for ext in ["", "-wal", "-shm"] {
        let mut p = path.to_path_buf().into_os_string();
        p.push(ext);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
    let started = Instant::now();
    let t0 = unix_now();
    let mut cat = Catalog::open(path)?;
    let job = cat.begin_job(BUILD_JOB, t0)?;
    let root = cat.add_root(Path::new(ROOT), t0)?;
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);

    eprintln!("files…");
    let mut n = 0u64;
    while n < spec.photos {
        let upto = (n + BATCH as u64).min(spec.photos);
        let upsert = (n..upto)
            .map(|i| FileCandidate {
                path: PathBuf::from(format!("{ROOT}/{:03}/{:07}.jpg", i / 10_000, i)),
                size: 2_000_000 + i,
                mtime_ns: 1_500_000_000_000_000_000 + i as i64,
            })
            .collect();
        cat.apply_scan(
            root.id,
            &ScanChanges {
                upsert,
                ..Default::default()
            },
            t0,
        )?;
        n = upto;
    }

    eprintln!("photos and faces… ({:.0?})", started.elapsed());
    let mut after = 0;
    let mut faces = 0u64;
    loop {
        let pending = cat.pending_files(after, BATCH)?;
        let Some(last) = pending.last() else { break };
        after = last.id;
        let batch: Vec<IndexOutcome> = pending
            .iter()
            .map(|f| {
                let photo = synthetic_photo(&mut rng, f.id as u64, spec.embeddings);
                faces += photo.faces.len() as u64;
                IndexOutcome::Analyzed {
                    file: f.id,
                    size: f.size,
                    mtime_ns: f.mtime_ns,
                    photo,
                }
            })
            .collect();
        cat.commit_batch(&batch, t0)?;
        if after % 200_000 < BATCH as i64 {
            eprintln!("  {after} photos ({:.0?})", started.elapsed());
        }
    }

    eprintln!("people and assignments… ({:.0?})", started.elapsed());
    match spec.people_mode {
        PeopleMode::Named => named_people(&mut cat, spec, &mut rng, t0)?,
        PeopleMode::Unnamed => unnamed_clusters(&mut cat, spec, &mut rng, t0)?,
    }
    let counts = JobCounts {
        photos_done: spec.photos,
        photos_total: spec.photos,
        faces,
        errors: 0,
    };
    let t1 = t0 + started.elapsed().as_secs() as i64;
    cat.finish_job(job, JobState::Completed, &counts, t1)?;
    eprintln!("built in {:.1?}", started.elapsed());
    Ok(())
}

/// `spec.people` named people; ~70 % of faces assigned with Zipf sizes (25 % Confirmed, 65 %
/// Automatic, 10 % Suggested): Automatic and Suggested through `assign_automatic` (as the
/// matcher writes them), Confirmed through one `move_faces` edit per person (as the user's
/// edits write them).
fn named_people(cat: &mut Catalog, spec: &Spec, rng: &mut Rng, t0: i64) -> Result<()> {
    let zipf = Zipf::new(spec.people as usize);
    let mut people = Vec::with_capacity(spec.people as usize);
    for i in 0..spec.people {
        people.push(cat.create_person(&format!("Person {i:05}"), t0)?);
    }
    let mut confirmed: Vec<Vec<FaceId>> = vec![Vec::new(); people.len()];
    let mut after = 0;
    loop {
        let page = cat.faces_after(after, BATCH)?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let mut assignments = Vec::with_capacity(page.len());
        for face in &page {
            if rng.unit() >= 0.70 {
                continue;
            }
            let r = rng.unit();
            let provenance = if r < 0.25 {
                Provenance::Confirmed
            } else if r < 0.90 {
                Provenance::Automatic
            } else {
                Provenance::Suggested
            };
            let who = zipf.sample(rng.unit());
            let confidence = Some(0.5 + rng.unit() as f32 / 2.0);
            if provenance == Provenance::Confirmed {
                confirmed[who].push(face.id);
                continue;
            }
            assignments.push(FaceAssignment {
                face: face.id,
                person: people[who],
                provenance,
                confidence,
            });
        }
        cat.assign_automatic(&assignments, t0)?;
    }
    for (person, faces) in people.iter().zip(&confirmed) {
        if !faces.is_empty() {
            cat.move_faces(faces, *person, t0)?;
        }
    }
    Ok(())
}

/// `spec.people` unnamed clusters written by `apply_clustering` (as the clusterer writes them):
/// ~70 % of faces, Zipf sizes, all Automatic.
fn unnamed_clusters(cat: &mut Catalog, spec: &Spec, rng: &mut Rng, t0: i64) -> Result<()> {
    let zipf = Zipf::new(spec.people as usize);
    let mut clusters: Vec<Vec<(FaceId, f32)>> = vec![Vec::new(); spec.people as usize];
    let mut faces = Vec::new();
    let mut after = 0;
    loop {
        let page = cat.faces_after(after, BATCH)?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for face in &page {
            if rng.unit() >= 0.70 {
                continue;
            }
            faces.push(face.id);
            clusters[zipf.sample(rng.unit())].push((face.id, 0.5 + rng.unit() as f32 / 2.0));
        }
    }
    let plan = ClusteringPlan {
        faces,
        clusters: clusters
            .into_iter()
            .filter(|c| !c.is_empty())
            .map(|faces| PlannedCluster {
                target: ClusterTarget::Unnamed(None),
                faces,
            })
            .collect(),
        suggestions: Vec::new(),
    };
    cat.apply_clustering(&plan, t0)?;
    Ok(())
}

pub fn synthetic_photo(rng: &mut Rng, seed: u64, embeddings: bool) -> NewPhoto {
    let mut hash = [0u8; 32];
    let mut h = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0xdead_beef);
    for chunk in hash.chunks_mut(8) {
        chunk.copy_from_slice(&h.next_u64().to_le_bytes());
    }
    let taken_at = (rng.unit() >= 0.02).then(|| {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            2005 + rng.below(20),
            1 + rng.below(12),
            1 + rng.below(28),
            rng.below(24),
            rng.below(60),
            rng.below(60)
        )
    });
    let n_faces = rng.below(7);
    let faces = (0..n_faces)
        .map(|i| {
            let x = 100.0 + 600.0 * i as f32;
            let b = [x, 400.0, x + 300.0, 800.0];
            NewFace {
                bbox: b,
                landmarks: [
                    x + 90.0,
                    550.0,
                    x + 210.0,
                    550.0,
                    x + 150.0,
                    620.0,
                    x + 100.0,
                    700.0,
                    x + 200.0,
                    700.0,
                ],
                score: 0.9 + rng.unit() as f32 / 10.0,
                embedding: if embeddings {
                    (0..128).map(|_| rng.unit() as f32 - 0.5).collect()
                } else {
                    Vec::new()
                },
                quality: None,
            }
        })
        .collect();
    NewPhoto {
        hash: ContentHash(hash),
        meta: PhotoMeta {
            width: 4000,
            height: 3000,
            stored_width: 4000,
            stored_height: 3000,
            orientation: 1,
            format: "jpeg".into(),
            taken_at,
            taken_source: TakenSource::Exif,
            camera_make: Some("Canon".into()),
            camera_model: Some("EOS 6D".into()),
            gps: None,
            file_size: 2_000_000 + seed,
        },
        model: "mtcnn+dlib-resnet-v1".into(),
        faces,
    }
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// SplitMix64: deterministic data without a dependency.
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// Person rank with probability ∝ 1 / (rank + 1).
#[derive(Debug, Clone)]
pub struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    pub fn new(n: usize) -> Self {
        let mut sum = 0.0;
        let cumulative = (1..=n)
            .map(|r| {
                sum += 1.0 / r as f64;
                sum
            })
            .collect::<Vec<_>>();
        let total = sum;
        Zipf {
            cumulative: cumulative.into_iter().map(|c| c / total).collect(),
        }
    }
    pub fn sample(&self, u: f64) -> usize {
        self.cumulative
            .partition_point(|&c| c <= u)
            .min(self.cumulative.len() - 1)
    }
}
