//! Data and scoring for the people-clustering benchmarks (`cluster_quality`, `cluster_scale`):
//! celeba-dev's face descriptors read from an indexed catalog (indexed here if missing),
//! BCubed / pairwise scoring, and synthetic descriptors with planted identities.
//!
//! Scoring follows issue 4's contract (`/tmp/issue4/metrics.py`): items are the rows of
//! `identities.csv`; an item's face is the largest-area face of its photo; the item's cluster is
//! its face's cluster; a noise face or a photo without a face is a singleton.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use likeness_engine::catalog::{Catalog, FaceId, PhotoId};
use likeness_engine::{add_root, open_catalog, IndexControl, Indexer, LibraryPaths, SystemClock};

use crate::{open_pipeline, CommonArgs};

/// celeba-dev's faces and labelled items.
#[derive(Debug)]
pub struct Celeba {
    /// Every face of the catalog, row-major `faces × dim`.
    pub embeddings: Vec<f32>,
    pub dim: usize,
    /// One per row of identities.csv: the row's main face (index into the faces), if any.
    pub items: Vec<(Option<usize>, u32)>,
    /// Identity of each face's photo's items, when the face is its photo's main face.
    pub face_identity: Vec<Option<u32>>,
    /// Number of distinct identities.
    pub identities: usize,
    /// The photo of each face, dense `0..photos` (the cannot-link group of the face).
    pub face_photo: Vec<u32>,
}

impl Celeba {
    pub fn faces(&self) -> usize {
        self.embeddings.len() / self.dim.max(1)
    }
}

/// The celeba-dev catalog: `<scratch>/library/catalog.sqlite`, indexed from
/// `<data>/celeba-dev/images` with the engine (add_root + Indexer::run) when it does not exist.
pub fn celeba_catalog(common: &CommonArgs, scratch: &Path) -> Result<PathBuf> {
    let lib = scratch.join("library");
    let paths = LibraryPaths::in_dir(&lib);
    if paths.catalog.exists() {
        return Ok(paths.catalog);
    }
    let folder = common.data_dir("celeba-dev")?.join("images");
    eprintln!(
        "indexing {} into {} (once)",
        folder.display(),
        lib.display()
    );
    let mut catalog = open_catalog(&paths)?;
    let clock = SystemClock;
    add_root(&mut catalog, &folder, &clock)?;
    let (pipeline, _) = open_pipeline(&common.engine_config())?;
    let indexer = Indexer::new(&pipeline, &paths, &clock);
    indexer.run(&mut catalog, &IndexControl::new(), &mut |_| {})?;
    Ok(paths.catalog)
}

/// Reads every face of the catalog and the items of celeba-dev's identities.csv.
pub fn load_celeba(common: &CommonArgs, scratch: &Path) -> Result<Celeba> {
    let data = common.data_dir("celeba-dev")?;
    let path = celeba_catalog(common, scratch)?;
    // A catalog of an older schema cannot be opened read-only: open (and migrate) it then.
    let catalog = match Catalog::open_read_only(&path) {
        Ok(c) => c,
        Err(_) => Catalog::open(&path).with_context(|| path.display().to_string())?,
    };
    let mut embeddings = Vec::new();
    let mut dim = 0;
    // Largest face (box area) per photo, first in id order on ties.
    let mut best: HashMap<PhotoId, (f32, usize)> = HashMap::new();
    let mut photos = Vec::new();
    let mut after: FaceId = 0;
    let mut n = 0usize;
    let mut face_photo = Vec::new();
    let mut photo_index: HashMap<PhotoId, u32> = HashMap::new();
    loop {
        let page = catalog.faces_after(after, 4096)?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for f in &page {
            dim = f.embedding.len();
            embeddings.extend_from_slice(&f.embedding);
            let next = photo_index.len() as u32;
            face_photo.push(*photo_index.entry(f.photo).or_insert(next));
            let area = (f.bbox[2] - f.bbox[0]) * (f.bbox[3] - f.bbox[1]);
            let key = f.photo;
            match best.get(&key) {
                Some(&(a, _)) if a >= area => {}
                _ => {
                    if !best.contains_key(&key) {
                        photos.push(f.photo);
                    }
                    best.insert(key, (area, n));
                }
            }
            n += 1;
        }
    }
    // File name → main face.
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for p in photos {
        let Some(row) = catalog.photo(p)? else {
            continue;
        };
        let Some(&(_, face)) = best.get(&p) else {
            continue;
        };
        for path in &row.paths {
            if let Some(name) = path.file_name().and_then(|s| s.to_str()) {
                by_name.insert(name.to_string(), face);
            }
        }
    }
    let csv = std::fs::read_to_string(data.join("identities.csv"))
        .with_context(|| data.join("identities.csv").display().to_string())?;
    let mut ids: HashMap<String, u32> = HashMap::new();
    let mut items = Vec::new();
    let mut face_identity = vec![None; n];
    for line in csv.lines().skip(1) {
        let Some((file, identity)) = line.trim().split_once(',') else {
            continue;
        };
        let next = ids.len() as u32;
        let id = *ids.entry(identity.to_string()).or_insert(next);
        let name = Path::new(file)
            .file_name()
            .and_then(|s| s.to_str())
            .unwrap_or(file);
        let face = by_name.get(name).copied();
        if let Some(f) = face {
            face_identity[f] = Some(id);
        }
        items.push((face, id));
    }
    Ok(Celeba {
        embeddings,
        dim,
        items,
        face_identity,
        identities: ids.len(),
        face_photo,
    })
}

/// Quality of a clustering against identities (see the module docs).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Score {
    pub bp: f64,
    pub br: f64,
    pub bf: f64,
    pub pp: f64,
    pub pr: f64,
    pub pf: f64,
    /// Real clusters (holding at least one item).
    pub clusters: usize,
    /// Identities whose items fall in more than one real cluster.
    pub split: usize,
    /// Real clusters whose items are not all one identity.
    pub mixed: usize,
    /// Items that are singletons because their face is noise.
    pub noise: usize,
    /// Items without a face.
    pub misses: usize,
    /// Items in the largest real cluster.
    pub largest: usize,
}

/// An item's cluster for scoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    Cluster(u32),
    Noise(usize),
    Miss(usize),
}

/// Scores items `(cluster key, truth)`.
pub fn score_keys(items: &[(Key, u32)]) -> Score {
    let n = items.len();
    if n == 0 {
        return Score::default();
    }
    let mut cluster_size: HashMap<Key, usize> = HashMap::new();
    let mut truth_size: HashMap<u32, usize> = HashMap::new();
    let mut joint: HashMap<(Key, u32), usize> = HashMap::new();
    for &(k, t) in items {
        *cluster_size.entry(k).or_default() += 1;
        *truth_size.entry(t).or_default() += 1;
        *joint.entry((k, t)).or_default() += 1;
    }
    let (mut p, mut r) = (0f64, 0f64);
    let mut tp = 0f64;
    for (&(k, t), &m) in &joint {
        let m = m as f64;
        p += m * m / cluster_size[&k] as f64;
        r += m * m / truth_size[&t] as f64;
        tp += m * (m - 1.0) / 2.0;
    }
    let (bp, br) = (p / n as f64, r / n as f64);
    let bf = if bp + br > 0.0 {
        2.0 * bp * br / (bp + br)
    } else {
        0.0
    };
    let pairs = |s: usize| (s as f64) * (s as f64 - 1.0) / 2.0;
    let pc: f64 = cluster_size.values().map(|&s| pairs(s)).sum();
    let pt: f64 = truth_size.values().map(|&s| pairs(s)).sum();
    let pp = if pc > 0.0 { tp / pc } else { 1.0 };
    let pr = if pt > 0.0 { tp / pt } else { 1.0 };
    let pf = if pp + pr > 0.0 {
        2.0 * pp * pr / (pp + pr)
    } else {
        0.0
    };
    let real = |k: &Key| matches!(k, Key::Cluster(_));
    let clusters = cluster_size.keys().filter(|k| real(k)).count();
    let mut clusters_of_truth: HashMap<u32, usize> = HashMap::new();
    let mut identities_in: HashMap<Key, usize> = HashMap::new();
    for &(k, t) in joint.keys() {
        if real(&k) {
            *clusters_of_truth.entry(t).or_default() += 1;
            *identities_in.entry(k).or_default() += 1;
        }
    }
    Score {
        bp,
        br,
        bf,
        pp,
        pr,
        pf,
        clusters,
        split: clusters_of_truth.values().filter(|&&c| c > 1).count(),
        mixed: identities_in.values().filter(|&&c| c > 1).count(),
        noise: items
            .iter()
            .filter(|(k, _)| matches!(k, Key::Noise(_)))
            .count(),
        misses: items
            .iter()
            .filter(|(k, _)| matches!(k, Key::Miss(_)))
            .count(),
        largest: cluster_size
            .iter()
            .filter(|(k, _)| real(k))
            .map(|(_, &s)| s)
            .max()
            .unwrap_or(0),
    }
}

/// Scores a clustering of all of celeba-dev's faces on its items.
pub fn score_celeba(celeba: &Celeba, labels: &[Option<u32>]) -> Score {
    score_items(&celeba.items, labels)
}

/// Scores `labels` (one per face) on items `(main face, identity)`: an item without a face is
/// a miss, a noise face a singleton.
pub fn score_items(items: &[(Option<usize>, u32)], labels: &[Option<u32>]) -> Score {
    let items: Vec<(Key, u32)> = items
        .iter()
        .enumerate()
        .map(|(i, &(face, t))| {
            let key = match face {
                None => Key::Miss(i),
                Some(f) => match labels.get(f).copied().flatten() {
                    Some(c) => Key::Cluster(c),
                    None => Key::Noise(i),
                },
            };
            (key, t)
        })
        .collect();
    score_keys(&items)
}

/// Scores a clustering of points against planted labels (every point an item).
pub fn score_planted(labels: &[Option<u32>], truth: &[u32]) -> Score {
    let items: Vec<(Key, u32)> = labels
        .iter()
        .zip(truth)
        .enumerate()
        .map(|(i, (l, &t))| (l.map_or(Key::Noise(i), Key::Cluster), t))
        .collect();
    score_keys(&items)
}

/// Small deterministic generator (xorshift64*), uniform and Gaussian.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    pub fn gauss(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// Distance statistics of real descriptors, the scale synthetic points are drawn to.
#[derive(Debug, Clone)]
pub struct RealScale {
    pub mean: Vec<f32>,
    pub norm_mean: f64,
    /// Quantiles 10 / 50 / 90 % of distances between main faces of one identity.
    pub within: [f64; 3],
    /// Quantiles 10 / 50 / 90 % of distances between main faces of different identities.
    pub between: [f64; 3],
    /// Per-coordinate spreads of the model: member = centre + N(0, sd_within²),
    /// centre = mean + N(0, sd_centre²).
    pub sd_within: f64,
    pub sd_centre: f64,
}

fn quantiles(mut v: Vec<f64>) -> [f64; 3] {
    v.sort_by(f64::total_cmp);
    let q = |p: f64| {
        v.get(((v.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or(0.0)
    };
    [q(0.1), q(0.5), q(0.9)]
}

/// Measures celeba-dev and fits the isotropic Gaussian model: in `d` dimensions the distance
/// between two draws of N(c, s²) is about s·√(2d), so `sd_within` = median within / √(2d) and
/// `sd_centre` = √((median between / √(2d))² − sd_within²).
pub fn real_scale(celeba: &Celeba) -> RealScale {
    let dim = celeba.dim;
    let faces = celeba.faces();
    let mut mean = vec![0f64; dim];
    let mut norm = 0f64;
    for r in celeba.embeddings.chunks_exact(dim) {
        for (m, x) in mean.iter_mut().zip(r) {
            *m += f64::from(*x);
        }
        norm += r.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    }
    let mean: Vec<f32> = mean
        .iter()
        .map(|m| (m / faces.max(1) as f64) as f32)
        .collect();
    let main: Vec<(usize, u32)> = celeba
        .face_identity
        .iter()
        .enumerate()
        .filter_map(|(f, t)| t.map(|t| (f, t)))
        .collect();
    let row = |f: usize| &celeba.embeddings[f * dim..(f + 1) * dim];
    let (mut within, mut between) = (Vec::new(), Vec::new());
    for (i, &(a, ta)) in main.iter().enumerate() {
        for &(b, tb) in &main[i + 1..] {
            let d = f64::from(likeness_cluster::l2(row(a), row(b)));
            if ta == tb {
                within.push(d);
            } else if (a + b) % 7 == 0 {
                between.push(d);
            }
        }
    }
    let within = quantiles(within);
    let between = quantiles(between);
    let k = (2.0 * dim as f64).sqrt();
    let sd_within = within[1] / k;
    let sd_centre = ((between[1] / k).powi(2) - sd_within.powi(2))
        .max(0.0)
        .sqrt();
    RealScale {
        mean,
        norm_mean: norm / faces.max(1) as f64,
        within,
        between,
        sd_within,
        sd_centre,
    }
}

/// Appends `n` synthetic points to `points` / `truth`: planted identities with heavy-tailed
/// sizes (2 … 400, most small) and a share of lone faces (`lone`), labels from `first_label`.
/// Returns the number of planted identities (lone faces excluded).
pub fn synthesize(
    scale: &RealScale,
    n: usize,
    lone: f64,
    seed: u64,
    points: &mut Vec<f32>,
    truth: &mut Vec<u32>,
    first_label: u32,
) -> usize {
    let dim = scale.mean.len();
    let mut rng = Rng::new(seed);
    let mut label = first_label;
    let mut made = 0usize;
    let mut planted = 0usize;
    let mut centre = vec![0f32; dim];
    while made < n {
        let size = if rng.uniform() < lone {
            1
        } else {
            // Pareto-like: 2 + 398·u⁴ (median ≈ 27, mean ≈ 82 … trimmed by n).
            (2.0 + 398.0 * rng.uniform().powi(4)) as usize
        }
        .min(n - made);
        for (c, m) in centre.iter_mut().zip(&scale.mean) {
            *c = m + (rng.gauss() * scale.sd_centre) as f32;
        }
        for _ in 0..size {
            points.extend(
                centre
                    .iter()
                    .map(|c| c + (rng.gauss() * scale.sd_within) as f32),
            );
            truth.push(label);
        }
        if size > 1 {
            planted += 1;
        }
        label += 1;
        made += size;
    }
    planted
}
