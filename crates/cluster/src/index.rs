//! Neighbour indexes over a subset of the rows of a [`Matrix`]: an exact one (blocked brute
//! force) and an approximate one (IVF: a k-means coarse quantiser trained on a deterministic
//! sample; each point lives in the list of its nearest centroid; a query scans the lists of
//! its `probes` nearest centroids).
//!
//! The all-points range search DBSCAN needs is done in one parallel batch
//! ([`Index::range_graph`]) and handed to linfa's DBSCAN through [`crate::nn`].

use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::kernel::{dot, l2sq, norms, range_block, Matrix};
use crate::ClusterError;

/// Below this many points [`crate::IndexKind::Auto`] uses the exact index.
pub(crate) const AUTO_EXACT_BELOW: usize = 20_000;
/// Automatic number of lists: this many times √n (small lists keep the scans short; the
/// coarse index over the centroids keeps finding the lists cheap).
pub(crate) const AUTO_LISTS_PER_SQRT: f64 = 4.0;
/// Below this many centroids merge and attach search them exactly.
pub(crate) const CENTROIDS_EXACT_BELOW: usize = 2_000;
/// Lists probed in an IVF over centroids (√n lists). A missed candidate leaves a face
/// unattached: on 1M synthetic faces (12k clusters) 4 probes gave BCubed F1 0.949 (attach 16 s),
/// 6 → 0.969 (21 s), 10 → 0.990 (42 s, over the 120 s budget).
pub(crate) const CENTROIDS_PROBES: usize = 6;
/// Lists probed by the automatic IVF index.
pub(crate) const AUTO_PROBES: usize = 2;
/// Training sample: this many points per list (capped at the indexed points).
const SAMPLE_PER_LIST: usize = 8;
/// k-means iterations of the coarse quantiser.
const KMEANS_ITERATIONS: usize = 5;

/// How an index searches, resolved from [`crate::IndexKind`] for a given size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plan {
    Exact,
    Ivf { lists: usize, probes: usize },
}

impl Plan {
    pub(crate) fn resolve(kind: crate::IndexKind, n: usize) -> Plan {
        match kind {
            crate::IndexKind::Exact => Plan::Exact,
            crate::IndexKind::Auto if n < AUTO_EXACT_BELOW => Plan::Exact,
            crate::IndexKind::Auto => Plan::ivf(0, AUTO_PROBES, n),
            crate::IndexKind::Ivf { lists, probes } => Plan::ivf(lists, probes, n),
        }
    }

    /// For an index over cluster centroids that every noise point or cluster queries: exact
    /// only while small (a query costs the whole index), IVF from [`CENTROIDS_EXACT_BELOW`].
    pub(crate) fn for_centroids(n: usize) -> Plan {
        if n < CENTROIDS_EXACT_BELOW {
            Plan::Exact
        } else {
            // Few, well-probed lists: a missed candidate cluster is a face left unattached.
            Plan::ivf((n as f64).sqrt().round() as usize, CENTROIDS_PROBES, n)
        }
    }

    fn ivf(lists: usize, probes: usize, n: usize) -> Plan {
        let lists = if lists == 0 {
            (AUTO_LISTS_PER_SQRT * (n as f64).sqrt()).round() as usize
        } else {
            lists
        };
        let lists = lists.clamp(1, n.max(1));
        Plan::Ivf {
            lists,
            probes: probes.clamp(1, lists),
        }
    }
}

/// A neighbour index over `ids` (rows of a matrix).
#[derive(Debug)]
pub(crate) struct Index {
    /// The indexed rows.
    ids: Vec<u32>,
    /// Coarse centroids, `lists × dim` (empty for the exact index).
    centroids: Vec<f32>,
    centroid_norms: Vec<f32>,
    /// For big quantisers, an index over the centroids finds a query's lists.
    coarse: Option<Box<Index>>,
    /// Members of each list (one list holding every id for the exact index).
    lists: Vec<Vec<u32>>,
    probes: usize,
    /// The probed lists of every indexed row (`ids.len() × probes`, nearest first), computed
    /// once while building (the first is the row's own list).
    probes_of: Vec<u32>,
}

/// From this many lists up, the lists of a query are found through an IVF over the centroids
/// (√lists lists, [`COARSE_PROBES`] probes) instead of comparing with every centroid.
const COARSE_FROM: usize = 256;
const COARSE_PROBES: usize = 4;

fn cancelled(cancel: &AtomicBool) -> bool {
    cancel.load(Ordering::Relaxed)
}

/// The `k` smallest `(score, id)` of `scores`, ascending (ties by id).
fn smallest_k(scores: impl Iterator<Item = (f32, u32)>, k: usize) -> Vec<(f32, u32)> {
    let mut v: Vec<(f32, u32)> = scores.collect();
    let cmp = |a: &(f32, u32), b: &(f32, u32)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
    if v.len() > k && k > 0 {
        v.select_nth_unstable_by(k - 1, cmp);
        v.truncate(k);
    }
    v.sort_unstable_by(cmp);
    v.truncate(k);
    // The candidates' buffer is large; callers keep (or collect in place from) the result.
    v.shrink_to_fit();
    v
}

impl Index {
    /// Builds the index. `ids` must be distinct rows of `m`.
    pub(crate) fn build(
        m: &Matrix<'_>,
        ids: &[u32],
        plan: Plan,
        cancel: &AtomicBool,
    ) -> Result<Index, ClusterError> {
        match plan {
            Plan::Exact => Ok(Index {
                ids: ids.to_vec(),
                centroids: Vec::new(),
                centroid_norms: Vec::new(),
                coarse: None,
                lists: vec![ids.to_vec()],
                probes: 1,
                probes_of: Vec::new(),
            }),
            Plan::Ivf { lists, probes } => Self::build_ivf(m, ids, lists, probes, cancel),
        }
    }

    fn build_ivf(
        m: &Matrix<'_>,
        ids: &[u32],
        lists: usize,
        probes: usize,
        cancel: &AtomicBool,
    ) -> Result<Index, ClusterError> {
        Self::build_ivf_with(m, ids, lists, probes, KMEANS_ITERATIONS, cancel)
    }

    fn build_ivf_with(
        m: &Matrix<'_>,
        ids: &[u32],
        lists: usize,
        probes: usize,
        iterations: usize,
        cancel: &AtomicBool,
    ) -> Result<Index, ClusterError> {
        let dim = m.dim;
        let lists = lists.clamp(1, ids.len().max(1));
        let probes = probes.clamp(1, lists);
        // Deterministic sample: evenly spaced ids.
        let sample_len = (lists * SAMPLE_PER_LIST).min(ids.len());
        let sample: Vec<u32> = (0..sample_len)
            .map(|i| ids[i * ids.len() / sample_len])
            .collect();
        let mut centroids: Vec<f32> = Vec::with_capacity(lists * dim);
        for c in 0..lists {
            centroids.extend_from_slice(m.row(sample[c * sample_len / lists] as usize));
        }
        for _ in 0..iterations {
            if cancelled(cancel) {
                return Err(ClusterError::Cancelled);
            }
            let cn = norms(&centroids, dim);
            let coarse = Self::coarse(&centroids, &cn, dim, cancel)?;
            let assign: Vec<u32> = sample
                .par_iter()
                .map(|&p| {
                    let q = m.row(p as usize);
                    match &coarse {
                        Some(c) => {
                            let cm = Matrix::with_norms(&centroids, dim, &cn);
                            c.knn(&cm, q, 1).first().map_or(0, |x| x.1)
                        }
                        None => nearest_centroids(q, &centroids, &cn, 1)[0].1,
                    }
                })
                .collect();
            let mut sums = vec![0f64; lists * dim];
            let mut counts = vec![0usize; lists];
            for (&p, &c) in sample.iter().zip(&assign) {
                let c = c as usize;
                counts[c] += 1;
                for (s, x) in sums[c * dim..(c + 1) * dim]
                    .iter_mut()
                    .zip(m.row(p as usize))
                {
                    *s += f64::from(*x);
                }
            }
            for c in 0..lists {
                if counts[c] > 0 {
                    for j in 0..dim {
                        centroids[c * dim + j] = (sums[c * dim + j] / counts[c] as f64) as f32;
                    }
                }
            }
        }
        let centroid_norms = norms(&centroids, dim);
        let coarse = Self::coarse(&centroids, &centroid_norms, dim, cancel)?;

        let mut index = Index {
            ids: ids.to_vec(),
            centroids,
            centroid_norms,
            coarse,
            lists: Vec::new(),
            probes,
            probes_of: Vec::new(),
        };
        let probes_of: Vec<Vec<u32>> = ids
            .par_iter()
            .map(|&p| {
                if cancelled(cancel) {
                    return vec![0; probes];
                }
                let mut v = index.probe_lists(m.row(p as usize));
                v.resize(probes, v.first().copied().unwrap_or(0));
                v
            })
            .collect();
        if cancelled(cancel) {
            return Err(ClusterError::Cancelled);
        }
        let mut members = vec![Vec::new(); lists];
        for (&p, ls) in ids.iter().zip(&probes_of) {
            members[ls[0] as usize].push(p);
        }
        let largest = members.iter().map(Vec::len).max().unwrap_or(0);
        let imbalance = members
            .iter()
            .map(|l| (l.len() * l.len()) as f64)
            .sum::<f64>()
            * lists as f64
            / (ids.len() as f64).powi(2).max(1.0);
        tracing::debug!(points = ids.len(), lists, largest, imbalance, "IVF built");
        index.lists = members;
        index.probes_of = probes_of.concat();
        Ok(index)
    }

    /// For many centroids, an IVF over them (√lists lists, [`COARSE_PROBES`] probes).
    fn coarse(
        centroids: &[f32],
        norms: &[f32],
        dim: usize,
        cancel: &AtomicBool,
    ) -> Result<Option<Box<Index>>, ClusterError> {
        let lists = norms.len();
        if lists < COARSE_FROM {
            return Ok(None);
        }
        let cm = Matrix::with_norms(centroids, dim, norms);
        let cids: Vec<u32> = (0..lists as u32).collect();
        // Sampled centroids as they are: k-means over centroids in 128-d pulls its means
        // towards the middle, where they attract most points (lists 20× unbalanced).
        let coarse_lists = (lists as f64).sqrt() as usize;
        Ok(Some(Box::new(Index::build_ivf_with(
            &cm,
            &cids,
            coarse_lists,
            COARSE_PROBES,
            0,
            cancel,
        )?)))
    }

    /// Lists a query scans, nearest first.
    fn probe_lists(&self, q: &[f32]) -> Vec<u32> {
        if self.centroids.is_empty() {
            return vec![0];
        }
        let found = match &self.coarse {
            Some(coarse) => {
                let cm = Matrix::with_norms(&self.centroids, q.len(), &self.centroid_norms);
                coarse.knn(&cm, q, self.probes)
            }
            None => nearest_centroids(q, &self.centroids, &self.centroid_norms, self.probes),
        };
        found.into_iter().map(|(_, c)| c).collect()
    }

    /// The `k` nearest indexed points to `q` (among the probed lists), ascending by distance
    /// (ties by id), as `(squared distance, id)`.
    pub(crate) fn knn(&self, m: &Matrix<'_>, q: &[f32], k: usize) -> Vec<(f32, u32)> {
        let lists = self.probe_lists(q);
        let cands = lists
            .iter()
            .flat_map(|&l| self.lists[l as usize].iter())
            .map(|&p| (l2sq(q, m.row(p as usize)), p));
        smallest_k(cands, k)
    }

    /// For every indexed point, all indexed points closer than `eps` (`‖a − b‖² < eps²`,
    /// itself included), as a CSR graph over the rows `0..m.len()` (rows not indexed have
    /// no neighbours). IVF results are made symmetric (a pair found from either side counts).
    pub(crate) fn range_graph(
        &self,
        m: &Matrix<'_>,
        eps: f32,
        cancel: &AtomicBool,
    ) -> Result<Graph, ClusterError> {
        let eps2 = eps * eps;
        let n = m.len();
        let ids = &self.ids;
        let mut pairs: Vec<(u32, u32)> = if self.centroids.is_empty() {
            // Exact: every query against every member, parallel over query blocks.
            let members = &self.lists[0];
            let blocks: Vec<Vec<(u32, u32)>> = ids
                .par_chunks(64)
                .map(|qs| {
                    let mut out = Vec::new();
                    if !cancelled(cancel) {
                        range_block(m, qs, members, eps2, &mut out);
                    }
                    out
                })
                .collect();
            blocks.concat()
        } else {
            // IVF: invert "query q probes list l" so each list is scanned once by all its
            // queries (the list's rows stay in cache).
            let mut queries_of = vec![Vec::new(); self.lists.len()];
            for (&q, ls) in ids.iter().zip(self.probes_of.chunks_exact(self.probes)) {
                for &l in ls {
                    queries_of[l as usize].push(q);
                }
            }
            let tasks: Vec<(usize, &[u32])> = queries_of
                .iter()
                .enumerate()
                .flat_map(|(l, qs)| qs.chunks(256).map(move |c| (l, c)))
                .collect();
            let blocks: Vec<Vec<(u32, u32)>> = tasks
                .par_iter()
                .map(|&(l, qs)| {
                    let mut out = Vec::new();
                    if !cancelled(cancel) {
                        range_block(m, qs, &self.lists[l], eps2, &mut out);
                    }
                    out
                })
                .collect();
            let mut pairs = blocks.concat();
            let len = pairs.len();
            for i in 0..len {
                let (a, b) = pairs[i];
                if a != b {
                    pairs.push((b, a));
                }
            }
            pairs
        };
        if cancelled(cancel) {
            return Err(ClusterError::Cancelled);
        }
        pairs.par_sort_unstable();
        pairs.dedup();
        tracing::debug!(points = ids.len(), pairs = pairs.len(), "range graph");
        let mut offsets = vec![0usize; n + 1];
        for &(a, _) in &pairs {
            offsets[a as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let neighbours = pairs.into_iter().map(|(_, b)| b).collect();
        Ok(Graph {
            offsets,
            neighbours,
        })
    }
}

/// The `k` nearest centroids to `q`, as `(score, list)` where score = ‖c‖² − 2q·c.
fn nearest_centroids(q: &[f32], centroids: &[f32], norms: &[f32], k: usize) -> Vec<(f32, u32)> {
    let dim = q.len();
    let scores = centroids
        .chunks_exact(dim)
        .zip(norms)
        .enumerate()
        .map(|(c, (row, &n))| (n - 2.0 * dot(q, row), c as u32));
    smallest_k(scores, k)
}

/// A neighbour graph in compressed sparse rows.
#[derive(Debug, Default)]
pub(crate) struct Graph {
    pub(crate) offsets: Vec<usize>,
    pub(crate) neighbours: Vec<u32>,
}

impl Graph {
    pub(crate) fn of(&self, i: usize) -> &[u32] {
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&a), Some(&b)) => &self.neighbours[a..b],
            _ => &[],
        }
    }
}
