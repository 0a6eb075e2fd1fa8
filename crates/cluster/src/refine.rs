//! The two stages after DBSCAN.
//!
//! **Merge**: agglomerative average linkage over DBSCAN's clusters, but only along candidate
//! edges: each cluster's [`MERGE_CANDIDATES`] nearest cluster centroids (found through the
//! same kind of index as DBSCAN) whose centroid distance is below the threshold. The bound is
//! exact: the mean of ‖a − b‖ over member pairs is at least ‖mean a − mean b‖ (convexity), so
//! a pair whose centroids are farther apart can never merge. Linkage is the mean distance
//! between the clusters' samples: the [`SAMPLE`] members with the smallest hash of their index
//! (a bottom-k sketch, so the sample of a union is the bottom-k of the two samples: merging
//! never re-reads members, and it is deterministic). Clusters of at most `SAMPLE` members are
//! measured exactly. The closest pair below the threshold merges first; the merged cluster's
//! links to the union of both neighbour sets are re-measured.
//!
//! **Attach**: every noise point looks up its [`ATTACH_CANDIDATES`] nearest cluster centroids
//! (the mean squared distance to a cluster's members is the squared distance to its centroid
//! plus the cluster's spread, so the nearest centroids are the natural candidates); it joins
//! the candidate with the smallest mean distance to its sample if that mean is below the
//! threshold. One pass against the clusters as they
//! were after merging (attached points do not attract others), in parallel.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::index::{Index, Plan};
use crate::kernel::{l2sq, Matrix};
use crate::ClusterError;

/// Members per cluster the average linkage is estimated on.
pub const SAMPLE: usize = 32;
/// Nearest centroids each cluster considers merging with.
pub const MERGE_CANDIDATES: usize = 12;
/// Nearest cluster centroids a noise point considers joining.
pub const ATTACH_CANDIDATES: usize = 8;

fn hash(i: u32) -> u64 {
    // splitmix64 finaliser
    let mut z = u64::from(i).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Keeps the `SAMPLE` ids with the smallest hash, sorted by hash.
fn bottom_k(mut ids: Vec<u32>) -> Vec<u32> {
    ids.sort_unstable_by_key(|&i| (hash(i), i));
    ids.dedup();
    ids.truncate(SAMPLE);
    ids
}

/// Mean distance between the members of two samples.
fn linkage(m: &Matrix<'_>, a: &[u32], b: &[u32]) -> f32 {
    let mut sum = 0f64;
    for &x in a {
        let xr = m.row(x as usize);
        for &y in b {
            sum += f64::from(l2sq(xr, m.row(y as usize)).sqrt());
        }
    }
    (sum / (a.len() * b.len()).max(1) as f64) as f32
}

/// Share of the cross distances a merge's spread is measured at (see [`spread`]).
pub const SPREAD_QUANTILE: f64 = 0.9;

/// The [`SPREAD_QUANTILE`] quantile of the distances between the members of two samples: a
/// complete-linkage that one outlier pair cannot decide. Two look-alikes whose average
/// distance is just under the merge threshold still have many far pairs; two halves of one
/// person do not.
fn spread(m: &Matrix<'_>, a: &[u32], b: &[u32]) -> f32 {
    let mut ds: Vec<f32> = Vec::with_capacity(a.len() * b.len());
    for &x in a {
        let xr = m.row(x as usize);
        for &y in b {
            ds.push(l2sq(xr, m.row(y as usize)).sqrt());
        }
    }
    if ds.is_empty() {
        return 0.0;
    }
    let k = ((ds.len() - 1) as f64 * SPREAD_QUANTILE).round() as usize;
    *ds.select_nth_unstable_by(k, f32::total_cmp).1
}

/// Cannot-link groups (a photo per point): points of one group never share a cluster.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Groups<'a>(pub(crate) Option<&'a [u32]>);

impl Groups<'_> {
    fn of(&self, p: u32) -> Option<u32> {
        self.0.map(|g| g[p as usize])
    }

    /// Sorted, deduplicated groups of `members`.
    fn set(&self, members: &[u32]) -> Vec<u32> {
        let Some(g) = self.0 else {
            return Vec::new();
        };
        let mut s: Vec<u32> = members.iter().map(|&p| g[p as usize]).collect();
        s.sort_unstable();
        s.dedup();
        s
    }
}

/// Whether two sorted group sets share a group.
fn intersects(a: &[u32], b: &[u32]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

/// Makes every cluster hold at most one point per group: of several points of one group, the
/// one nearest the cluster's centroid stays and the others become noise (attach may still
/// place them elsewhere). Returns the number of points sent to noise.
pub(crate) fn enforce(m: &Matrix<'_>, labels: &mut [Option<u32>], groups: Groups<'_>) -> usize {
    let Some(g) = groups.0 else {
        return 0;
    };
    let members = members_of(labels);
    let dim = m.dim;
    let mut ejected = 0;
    for ms in &members {
        let mut seen: Vec<u32> = ms.iter().map(|&p| g[p as usize]).collect();
        seen.sort_unstable();
        if seen.windows(2).all(|w| w[0] != w[1]) {
            continue;
        }
        let mut c = vec![0f64; dim];
        for &p in ms {
            for (a, x) in c.iter_mut().zip(m.row(p as usize)) {
                *a += f64::from(*x);
            }
        }
        let c: Vec<f32> = c.iter().map(|a| (a / ms.len() as f64) as f32).collect();
        let mut by_group: Vec<(u32, f32, u32)> = ms
            .iter()
            .map(|&p| (g[p as usize], l2sq(&c, m.row(p as usize)), p))
            .collect();
        by_group.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
        for w in 1..by_group.len() {
            if by_group[w].0 == by_group[w - 1].0 {
                labels[by_group[w].2 as usize] = None;
                ejected += 1;
            }
        }
    }
    ejected
}

/// Makes the points of one-member clusters noise (what is left of a cluster after
/// [`enforce`] ejected the others).
pub(crate) fn drop_singletons(labels: &mut [Option<u32>]) {
    let members = members_of(labels);
    for l in labels.iter_mut() {
        if l.is_some_and(|x| members[x as usize].len() < 2) {
            *l = None;
        }
    }
}

/// Clusters that hold two points of one group (0 after every stage of this crate).
pub(crate) fn violations(labels: &[Option<u32>], groups: &[u32]) -> usize {
    let mut pairs: Vec<(u32, u32)> = labels
        .iter()
        .zip(groups)
        .filter_map(|(l, &g)| l.map(|l| (l, g)))
        .collect();
    pairs.sort_unstable();
    let mut bad: Vec<u32> = pairs
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0].0)
        .collect();
    bad.dedup();
    bad.len()
}

/// Mean distance from one point to the members of a sample.
fn mean_distance(m: &Matrix<'_>, q: &[f32], sample: &[u32]) -> f32 {
    let sum: f64 = sample
        .iter()
        .map(|&y| f64::from(l2sq(q, m.row(y as usize)).sqrt()))
        .sum();
    (sum / sample.len().max(1) as f64) as f32
}

/// Distance from one point to the nearest member of a sample.
fn nearest_distance(m: &Matrix<'_>, q: &[f32], sample: &[u32]) -> f32 {
    sample
        .iter()
        .map(|&y| l2sq(q, m.row(y as usize)))
        .min_by(f32::total_cmp)
        .map_or(f32::INFINITY, f32::sqrt)
}

/// Members of each cluster, by label.
fn members_of(labels: &[Option<u32>]) -> Vec<Vec<u32>> {
    let k = labels
        .iter()
        .flatten()
        .map(|&l| l as usize + 1)
        .max()
        .unwrap_or(0);
    let mut members = vec![Vec::new(); k];
    for (i, l) in labels.iter().enumerate() {
        if let Some(l) = l {
            members[*l as usize].push(i as u32);
        }
    }
    members
}

/// Renumbers labels densely in order of first appearance.
pub(crate) fn relabel(labels: &mut [Option<u32>]) -> usize {
    let k = labels
        .iter()
        .flatten()
        .map(|&l| l as usize + 1)
        .max()
        .unwrap_or(0);
    let mut map = vec![u32::MAX; k];
    let mut next = 0u32;
    for l in labels.iter_mut().flatten() {
        let slot = &mut map[*l as usize];
        if *slot == u32::MAX {
            *slot = next;
            next += 1;
        }
        *l = *slot;
    }
    next as usize
}

#[derive(Debug, PartialEq, PartialOrd, Eq, Ord)]
struct Edge {
    /// Linkage as ordered bits (non-negative floats order like their bits).
    linkage: u32,
    a: u32,
    b: u32,
    va: u32,
    vb: u32,
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let p = parent[x as usize];
        parent[x as usize] = parent[p as usize];
        x = p;
    }
    x
}

/// The merge and attach rules besides their thresholds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rules<'a> {
    pub(crate) groups: Groups<'a>,
    /// A merge also needs the [`spread`] of the two samples below this (0: no check).
    pub(crate) merge_spread: f32,
    /// An attach also needs the point's nearest sampled member closer than this (0: no check).
    pub(crate) attach_nearest: f32,
}

pub(crate) fn merge(
    m: &Matrix<'_>,
    labels: &mut [Option<u32>],
    threshold: f32,
    rules: Rules<'_>,
    cancel: &AtomicBool,
) -> Result<(), ClusterError> {
    let members = members_of(labels);
    let k = members.len();
    if k < 2 || threshold <= 0.0 {
        relabel(labels);
        return Ok(());
    }
    let dim = m.dim;
    let mut samples: Vec<Vec<u32>> = members.par_iter().map(|ms| bottom_k(ms.clone())).collect();
    let mut sizes: Vec<usize> = members.iter().map(Vec::len).collect();
    let mut gsets: Vec<Vec<u32>> = members.iter().map(|ms| rules.groups.set(ms)).collect();
    // A pair may merge: below the threshold on average, tight enough, and no shared group.
    let passes = |samples: &[Vec<u32>], gsets: &[Vec<u32>], a: usize, b: usize| -> Option<f32> {
        if intersects(&gsets[a], &gsets[b]) {
            return None;
        }
        let l = linkage(m, &samples[a], &samples[b]);
        if l >= threshold {
            return None;
        }
        if rules.merge_spread > 0.0 && spread(m, &samples[a], &samples[b]) >= rules.merge_spread {
            return None;
        }
        Some(l)
    };
    let mut sums: Vec<f64> = vec![0.0; k * dim];
    for (c, ms) in members.iter().enumerate() {
        let s = &mut sums[c * dim..(c + 1) * dim];
        for &p in ms {
            for (a, x) in s.iter_mut().zip(m.row(p as usize)) {
                *a += f64::from(*x);
            }
        }
    }
    drop(members);
    let centroid = |sums: &[f64], sizes: &[usize], c: usize| -> Vec<f32> {
        sums[c * dim..(c + 1) * dim]
            .iter()
            .map(|s| (*s / sizes[c].max(1) as f64) as f32)
            .collect()
    };
    let cdata: Vec<f32> = (0..k).flat_map(|c| centroid(&sums, &sizes, c)).collect();
    let cm = Matrix::new(&cdata, dim);
    let cids: Vec<u32> = (0..k as u32).collect();
    let index = Index::build(&cm, &cids, Plan::for_centroids(k), cancel)?;
    let t2 = threshold * threshold;
    let mut adjacency: Vec<Vec<u32>> = cids
        .par_iter()
        .map(|&c| {
            if cancel.load(Ordering::Relaxed) {
                return Vec::new();
            }
            index
                .knn(&cm, cm.row(c as usize), MERGE_CANDIDATES + 1)
                .into_iter()
                .filter(|&(d2, o)| o != c && d2 < t2)
                .map(|(_, o)| o)
                .collect()
        })
        .collect();
    if cancel.load(Ordering::Relaxed) {
        return Err(ClusterError::Cancelled);
    }
    // Symmetric adjacency.
    for c in 0..k {
        for i in 0..adjacency[c].len() {
            let o = adjacency[c][i] as usize;
            adjacency[o].push(c as u32);
        }
    }
    for adj in &mut adjacency {
        adj.sort_unstable();
        adj.dedup();
    }
    let pairs: Vec<(u32, u32)> = adjacency
        .iter()
        .enumerate()
        .flat_map(|(c, adj)| {
            adj.iter()
                .filter(move |&&o| o as usize > c)
                .map(move |&o| (c as u32, o))
        })
        .collect();
    let mut heap: BinaryHeap<Reverse<Edge>> = pairs
        .par_iter()
        .filter_map(|&(a, b)| {
            let l = passes(&samples, &gsets, a as usize, b as usize)?;
            Some(Reverse(Edge {
                linkage: l.to_bits(),
                a,
                b,
                va: 0,
                vb: 0,
            }))
        })
        .collect::<Vec<_>>()
        .into();
    let mut parent: Vec<u32> = cids.clone();
    let mut version = vec![0u32; k];
    let mut alive = vec![true; k];
    let mut merges = 0usize;
    while let Some(Reverse(e)) = heap.pop() {
        let (a, b) = (e.a as usize, e.b as usize);
        if !alive[a] || !alive[b] || version[a] != e.va || version[b] != e.vb {
            continue;
        }
        if merges.is_multiple_of(256) && cancel.load(Ordering::Relaxed) {
            return Err(ClusterError::Cancelled);
        }
        merges += 1;
        let (root, other) = (a.min(b), a.max(b));
        alive[other] = false;
        parent[other] = root as u32;
        version[root] += 1;
        let mut joined = std::mem::take(&mut samples[root]);
        joined.extend_from_slice(&samples[other]);
        samples[root] = bottom_k(joined);
        samples[other] = Vec::new();
        sizes[root] += sizes[other];
        if rules.groups.0.is_some() {
            let mut g = std::mem::take(&mut gsets[root]);
            g.extend(std::mem::take(&mut gsets[other]));
            g.sort_unstable();
            g.dedup();
            gsets[root] = g;
        }
        for j in 0..dim {
            sums[root * dim + j] += sums[other * dim + j];
        }
        let mut adj = std::mem::take(&mut adjacency[root]);
        adj.extend(std::mem::take(&mut adjacency[other]));
        let mut adj: Vec<u32> = adj.into_iter().map(|x| find(&mut parent, x)).collect();
        adj.sort_unstable();
        adj.dedup();
        adj.retain(|&x| x as usize != root);
        for &o in &adj {
            let o = o as usize;
            if let Some(l) = passes(&samples, &gsets, root, o) {
                let (x, y) = (root.min(o), root.max(o));
                heap.push(Reverse(Edge {
                    linkage: l.to_bits(),
                    a: x as u32,
                    b: y as u32,
                    va: version[x],
                    vb: version[y],
                }));
            }
        }
        adjacency[root] = adj;
    }
    for l in labels.iter_mut().flatten() {
        *l = find(&mut parent, *l);
    }
    relabel(labels);
    tracing::debug!(clusters = k, merges, "merged clusters");
    Ok(())
}

pub(crate) fn attach(
    m: &Matrix<'_>,
    labels: &mut [Option<u32>],
    threshold: f32,
    rules: Rules<'_>,
    cancel: &AtomicBool,
) -> Result<(), ClusterError> {
    let members = members_of(labels);
    let gsets: Vec<Vec<u32>> = members.iter().map(|ms| rules.groups.set(ms)).collect();
    let noise: Vec<u32> = labels
        .iter()
        .enumerate()
        .filter(|(_, l)| l.is_none())
        .map(|(i, _)| i as u32)
        .collect();
    if members.is_empty() || noise.is_empty() || threshold <= 0.0 {
        return Ok(());
    }
    let samples: Vec<Vec<u32>> = members.par_iter().map(|ms| bottom_k(ms.clone())).collect();
    let dim = m.dim;
    let centroids: Vec<f32> = members
        .par_iter()
        .flat_map_iter(|ms| {
            let mut sum = vec![0f64; dim];
            for &p in ms {
                for (s, x) in sum.iter_mut().zip(m.row(p as usize)) {
                    *s += f64::from(*x);
                }
            }
            let k = ms.len().max(1) as f64;
            sum.into_iter().map(move |s| (s / k) as f32)
        })
        .collect();
    let k = members.len();
    drop(members);
    let cm = Matrix::new(&centroids, dim);
    let cids: Vec<u32> = (0..k as u32).collect();
    let index = Index::build(&cm, &cids, Plan::for_centroids(k), cancel)?;
    let decided: Vec<(u32, Option<(f32, u32)>)> = noise
        .par_iter()
        .map(|&q| {
            if cancel.load(Ordering::Relaxed) {
                return (q, None);
            }
            let qr = m.row(q as usize);
            let group = rules.groups.of(q);
            let cands: Vec<u32> = index
                .knn(&cm, qr, ATTACH_CANDIDATES)
                .into_iter()
                .map(|(_, c)| c)
                .filter(|&c| group.is_none_or(|g| gsets[c as usize].binary_search(&g).is_err()))
                .collect();
            let best = cands
                .into_iter()
                .map(|c| (mean_distance(m, qr, &samples[c as usize]), c))
                .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let best = best.filter(|&(d, c)| {
                d < threshold
                    && (rules.attach_nearest <= 0.0
                        || nearest_distance(m, qr, &samples[c as usize]) < rules.attach_nearest)
            });
            (q, best)
        })
        .collect();
    if cancel.load(Ordering::Relaxed) {
        return Err(ClusterError::Cancelled);
    }
    // Two noise points of one group may pick the same cluster: the nearer one joins.
    let mut joins: Vec<(u32, u32, f32, u32)> = decided
        .into_iter()
        .filter_map(|(q, best)| {
            best.map(|(d, c)| (c, rules.groups.of(q).unwrap_or(u32::MAX - q), d, q))
        })
        .collect();
    joins.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(a.1.cmp(&b.1))
            .then(a.2.total_cmp(&b.2))
            .then(a.3.cmp(&b.3))
    });
    let mut last: Option<(u32, u32)> = None;
    for (c, g, _, q) in joins {
        if rules.groups.0.is_some() && last == Some((c, g)) {
            continue;
        }
        last = Some((c, g));
        labels[q as usize] = Some(c);
    }
    Ok(())
}
