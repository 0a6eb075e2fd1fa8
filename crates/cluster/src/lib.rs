//! Face clustering for Likeness: pure math over face descriptors, no catalog, no ONNX.
//!
//! [`cluster`] runs three stages over `n × dim` row-major `f32` points (128-d dlib
//! descriptors, compared with plain L2 — the scale of face_recognition's 0.6):
//!
//! 1. **DBSCAN** — linfa-clustering's `Dbscan::params_with(min_points, L2Dist, …)` over our own
//!    `linfa_nn::NearestNeighbour` ([`IndexKind`]: exact blocked brute force, or an IVF index
//!    for large libraries). A point is a neighbour when `‖a − b‖ < eps` (strict, plain — not
//!    squared — distance, as linfa's `LinearSearch` with `L2Dist`), and `min_points` **counts
//!    the point itself** (linfa's rule, the same as scikit-learn's `min_samples`): with
//!    `min_points = 2` a point is a core point when it has one other point within `eps`.
//! 2. **Merge** ([`merge_clusters`]) — average linkage between DBSCAN's clusters (mean of
//!    pairwise member distances, estimated on ≤ 32 deterministically sampled members), closest
//!    pair first, while below `merge_threshold`; candidate pairs come from nearest centroids.
//! 3. **Attach** ([`attach_noise`]) — each noise point joins the cluster with the smallest mean
//!    distance to its (sampled) members, among the clusters with the nearest centroids, if that
//!    mean is below `attach_threshold`.
//!
//! Output is deterministic for the same input; `cancel` is polled throughout.
//!
//! **Cannot-link groups** ([`cluster_constrained`]): each point may carry a group (the photo a
//! face is on), and two points of one group never share a cluster — after DBSCAN (a cluster
//! keeps the point nearest its centroid per group; the points it lets go are clustered again
//! among the noise), in merge (clusters sharing a group never merge) and in attach. A merge
//! must also leave the group tight: the 90th percentile of the cross distances of the two
//! samples below `merge_spread`.
//!
//! ## Defaults (issue 15): cross-validated
//! `eps 0.38, min_points 2, merge 0.55, merge_spread 0.70, attach 0.625`, chosen by 2-fold
//! cross-validation over celeba-dev's identities, 3 repeats (bench `cluster_cv`): the grid
//! point with the best BCubed F1 on one half's photos, scored on the other half's. Held-out
//! BCubed F1 0.9654 ± 0.0066 (P 0.9871, R 0.9445); the same procedure on all 80 identities
//! picks these values (in-sample F1 0.9613). Chinese whispers (dlib's method, with the same
//! photo groups) scores 0.9496 held out. See bench/README.md, "People clustering,
//! cross-validated".
//!
//! ## Earlier defaults (issue 4), and the numbers they were chosen on
//! `eps 0.40, min_points 2, merge_threshold 0.55, attach_threshold 0.60, IndexKind::Auto`.
//! On celeba-dev (1,790 photos of 80 identities, 1,916 faces; `cluster_quality` in
//! crates/bench, scored on each photo's largest face):
//!
//! | stages | BCubed P | R | F1 | clusters | noise |
//! |---|---|---|---|---|---|
//! | DBSCAN 0.40 / 2 alone | 1.000 | 0.596 | 0.747 | 114 | 415 |
//! | best DBSCAN alone (eps 0.48 / 2) | 0.930 | 0.873 | 0.901 | 83 | 106 |
//! | + merge 0.55 | 1.000 | 0.632 | 0.775 | 82 | 415 |
//! | + merge 0.55 + attach 0.60 (**default**) | **0.988** | **0.928** | **0.957** | 84 | 45 |
//! | peer: sklearn DBSCAN (best eps 0.475 / 3) | 0.934 | 0.828 | 0.878 | 71 | 119 |
//!
//! A grid over eps 0.36–0.44 × merge 0.50–0.60 × attach 0.55–0.65 (min 2 and 3) peaks at
//! F1 0.961 (eps 0.38, merge 0.55, attach 0.625) but with lower precision (0.980, 14 mixed
//! clusters instead of 7); a wrong face in a person costs the user more than a split (one
//! merge), so the defaults keep the precise setting. The IVF index gives the same result on
//! celeba-dev (neighbour recall 0.981 at eps 0.40 with 2 probes).
//!
//! ## Scale
//! linfa's DBSCAN asks range queries one at a time; [`IndexKind`]'s indexes answer all of them
//! up front in one parallel, cache-blocked pass (see the `nn` module), so DBSCAN itself is a
//! graph walk. Cost is dominated by the IVF build (k-means on 8 points per list, 5 rounds; the
//! lists of every point found through a coarse IVF over the centroids) and the range scan.
//! Measured numbers: bench `cluster_scale`.

mod index;
mod kernel;
mod nn;
mod refine;
mod whispers;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use linfa::prelude::Transformer;
use linfa::ParamGuard;
use linfa_clustering::Dbscan;
use linfa_nn::distance::L2Dist;

pub use refine::{ATTACH_CANDIDATES, MERGE_CANDIDATES, SAMPLE, SPREAD_QUANTILE};
pub use whispers::ROUNDS as WHISPERS_ROUNDS;

use refine::{Groups, Rules};

/// Clustering parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClusterParams {
    /// DBSCAN radius (plain L2 distance, strict `<`).
    pub eps: f32,
    /// DBSCAN core-point size, counting the point itself (≥ 2).
    pub min_points: usize,
    /// Clusters merge while their average linkage is below this (0 disables merging).
    pub merge_threshold: f32,
    /// A noise point joins a cluster whose mean member distance is below this (0 disables).
    pub attach_threshold: f32,
    /// Tightness check on a merge: the 90th percentile of the distances between the two
    /// clusters' sampled members must also be below this (0 disables).
    pub merge_spread: f32,
    /// Tightness check on an attach: the point's nearest sampled member must also be closer
    /// than this (0 disables).
    pub attach_nearest: f32,
    /// Neighbour index.
    pub index: IndexKind,
}

impl Default for ClusterParams {
    /// `eps 0.38, min_points 2, merge 0.55 (spread 0.70), attach 0.625, IndexKind::Auto`:
    /// chosen by cross-validation over celeba-dev's identities (bench `cluster_cv`).
    fn default() -> Self {
        ClusterParams {
            eps: 0.38,
            min_points: 2,
            merge_threshold: 0.55,
            attach_threshold: 0.625,
            merge_spread: 0.70,
            attach_nearest: 0.0,
            index: IndexKind::Auto,
        }
    }
}

/// Which neighbour index DBSCAN (and the merge / attach look-ups) use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IndexKind {
    /// Exact below 20,000 points, IVF (`lists` = 4√n, 2 probes) from there.
    #[default]
    Auto,
    /// Blocked brute force: exact, O(n²).
    Exact,
    /// Inverted file: k-means coarse quantiser with `lists` lists (0 = 4√n); each query scans
    /// the `probes` lists with the nearest centroids. Approximate (may miss neighbours).
    Ivf { lists: usize, probes: usize },
}

/// Result of [`cluster`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clustering {
    /// Cluster of each point, dense `0..stats.clusters`; `None` = noise.
    pub labels: Vec<Option<u32>>,
    pub stats: ClusterStats,
}

/// Sizes and stage timings of a run (milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClusterStats {
    pub points: usize,
    pub clusters: usize,
    pub noise: usize,
    /// Building the neighbour index (IVF quantiser training and assignment).
    pub index_ms: u64,
    /// DBSCAN: all range queries plus linfa's expansion.
    pub dbscan_ms: u64,
    pub merge_ms: u64,
    pub attach_ms: u64,
}

/// Clustering errors.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("clustering cancelled")]
    Cancelled,
    #[error("bad input: {0}")]
    BadInput(String),
}

/// Plain L2 distance.
pub fn l2(a: &[f32], b: &[f32]) -> f32 {
    kernel::l2sq(a, b).sqrt()
}

fn check_points(points: &[f32], dim: usize) -> Result<usize, ClusterError> {
    if dim == 0 {
        return Err(ClusterError::BadInput("dimension 0".into()));
    }
    if !points.len().is_multiple_of(dim) {
        return Err(ClusterError::BadInput(format!(
            "{} values are not a whole number of {dim}-d points",
            points.len()
        )));
    }
    let n = points.len() / dim;
    if n > u32::MAX as usize {
        return Err(ClusterError::BadInput(format!("{n} points is too many")));
    }
    if points.iter().any(|x| !x.is_finite()) {
        return Err(ClusterError::BadInput(
            "a coordinate is NaN or infinite".into(),
        ));
    }
    Ok(n)
}

fn check_threshold(name: &str, t: f32) -> Result<(), ClusterError> {
    if t.is_finite() && t >= 0.0 {
        Ok(())
    } else {
        Err(ClusterError::BadInput(format!(
            "{name} must be finite and ≥ 0, got {t}"
        )))
    }
}

/// Clusters `points` (row-major `n × dim`): DBSCAN, merge, attach. `cancel` is polled
/// regularly; when set the run stops with [`ClusterError::Cancelled`].
pub fn cluster(
    points: &[f32],
    dim: usize,
    params: &ClusterParams,
    cancel: &AtomicBool,
) -> Result<Clustering, ClusterError> {
    cluster_constrained(points, dim, None, params, cancel)
}

/// [`cluster`] with cannot-link groups: `groups[i]` is point `i`'s group (the photo a face is
/// on), and two points of one group never end in one cluster — a hard rule in every stage.
/// After DBSCAN, a cluster holding several points of one group keeps the one nearest its
/// centroid (the others become noise); a merge of two clusters sharing a group is refused;
/// a noise point never joins a cluster holding its group, and of two noise points of one
/// group choosing the same cluster only the nearer joins.
pub fn cluster_constrained(
    points: &[f32],
    dim: usize,
    groups: Option<&[u32]>,
    params: &ClusterParams,
    cancel: &AtomicBool,
) -> Result<Clustering, ClusterError> {
    let n = check_points(points, dim)?;
    check_groups(n, groups)?;
    check_threshold("merge_threshold", params.merge_threshold)?;
    check_threshold("attach_threshold", params.attach_threshold)?;
    check_threshold("merge_spread", params.merge_spread)?;
    check_threshold("attach_nearest", params.attach_nearest)?;
    let rules = Rules {
        groups: Groups(groups),
        merge_spread: params.merge_spread,
        attach_nearest: params.attach_nearest,
    };
    let (mut labels, index_ms, dbscan_ms) = dbscan_timed(
        points,
        dim,
        params.eps,
        params.min_points,
        params.index,
        cancel,
    )?;
    let m = kernel::Matrix::new(points, dim);
    let ejected = split_groups(&m, &mut labels, rules.groups, params, cancel)?;
    tracing::debug!(rss_kib = nn::rss_kib(), ejected, "dbscan done");
    let t = Instant::now();
    refine::merge(&m, &mut labels, params.merge_threshold, rules, cancel)?;
    let merge_ms = nn::ms(t.elapsed());
    tracing::debug!(rss_kib = nn::rss_kib(), "merged");
    let t = Instant::now();
    refine::attach(&m, &mut labels, params.attach_threshold, rules, cancel)?;
    let attach_ms = nn::ms(t.elapsed());
    let clusters = refine::relabel(&mut labels);
    let noise = labels.iter().filter(|l| l.is_none()).count();
    tracing::debug!(
        points = n,
        clusters,
        noise,
        index_ms,
        dbscan_ms,
        merge_ms,
        attach_ms,
        "clustered"
    );
    Ok(Clustering {
        labels,
        stats: ClusterStats {
            points: n,
            clusters,
            noise,
            index_ms,
            dbscan_ms,
            merge_ms,
            attach_ms,
        },
    })
}

/// DBSCAN alone (linfa-clustering over our index): labels dense in order of discovery.
pub fn dbscan(
    points: &[f32],
    dim: usize,
    eps: f32,
    min_points: usize,
    index: IndexKind,
    cancel: &AtomicBool,
) -> Result<Vec<Option<u32>>, ClusterError> {
    dbscan_timed(points, dim, eps, min_points, index, cancel).map(|(l, _, _)| l)
}

fn dbscan_timed(
    points: &[f32],
    dim: usize,
    eps: f32,
    min_points: usize,
    index: IndexKind,
    cancel: &AtomicBool,
) -> Result<(Vec<Option<u32>>, u64, u64), ClusterError> {
    let n = check_points(points, dim)?;
    if !(eps.is_finite() && eps > 0.0) {
        return Err(ClusterError::BadInput(format!(
            "eps must be finite and > 0, got {eps}"
        )));
    }
    if n == 0 {
        return Ok((Vec::new(), 0, 0));
    }
    let t = Instant::now();
    let view = ndarray::ArrayView2::from_shape((n, dim), points)
        .map_err(|e| ClusterError::BadInput(e.to_string()))?;
    let index_ms = AtomicU64::new(0);
    let graph_ms = AtomicU64::new(0);
    let nn = nn::GraphNn {
        data: points,
        dim,
        eps,
        plan: index::Plan::resolve(index, n),
        cancel,
        index_ms: &index_ms,
        graph_ms: &graph_ms,
    };
    let params = Dbscan::params_with(min_points, L2Dist, nn)
        .tolerance(eps)
        .check()
        .map_err(|e| ClusterError::BadInput(e.to_string()))?;
    let raw = params.transform(&view);
    if cancel.load(Ordering::Relaxed) {
        return Err(ClusterError::Cancelled);
    }
    let mut labels: Vec<Option<u32>> = raw.iter().map(|l| l.map(|c| c as u32)).collect();
    refine::relabel(&mut labels);
    let index_ms = index_ms.load(Ordering::Relaxed);
    let total = nn::ms(t.elapsed());
    Ok((labels, index_ms, total.saturating_sub(index_ms)))
}

/// Merges clusters while their average linkage is below `params.merge_threshold` (and their
/// spread below `params.merge_spread`, when set), never two that share a group (see the
/// crate docs).
pub fn merge_clusters(
    points: &[f32],
    dim: usize,
    groups: Option<&[u32]>,
    labels: &mut [Option<u32>],
    params: &ClusterParams,
) -> Result<(), ClusterError> {
    let n = check_points(points, dim)?;
    check_labels(n, labels)?;
    check_groups(n, groups)?;
    check_threshold("merge_threshold", params.merge_threshold)?;
    check_threshold("merge_spread", params.merge_spread)?;
    refine::merge(
        &kernel::Matrix::new(points, dim),
        labels,
        params.merge_threshold,
        rules_of(groups, params),
        &AtomicBool::new(false),
    )
}

/// Attaches noise points to the cluster with the smallest mean member distance below
/// `params.attach_threshold` (and a member nearer than `params.attach_nearest`, when set),
/// never to a cluster holding the point's group (see the crate docs). Labels stay as they
/// were otherwise.
pub fn attach_noise(
    points: &[f32],
    dim: usize,
    groups: Option<&[u32]>,
    labels: &mut [Option<u32>],
    params: &ClusterParams,
) -> Result<(), ClusterError> {
    let n = check_points(points, dim)?;
    check_labels(n, labels)?;
    check_groups(n, groups)?;
    check_threshold("attach_threshold", params.attach_threshold)?;
    check_threshold("attach_nearest", params.attach_nearest)?;
    refine::attach(
        &kernel::Matrix::new(points, dim),
        labels,
        params.attach_threshold,
        rules_of(groups, params),
        &AtomicBool::new(false),
    )
}

/// Makes every cluster hold at most one point per group, as [`cluster_constrained`] does
/// after DBSCAN: the point nearest the centroid stays, the others (and what is left as a
/// cluster of one) become noise. Returns how many points were ejected.
pub fn enforce_groups(
    points: &[f32],
    dim: usize,
    groups: &[u32],
    labels: &mut [Option<u32>],
) -> Result<usize, ClusterError> {
    let n = check_points(points, dim)?;
    check_labels(n, labels)?;
    check_groups(n, Some(groups))?;
    let ejected = refine::enforce(
        &kernel::Matrix::new(points, dim),
        labels,
        Groups(Some(groups)),
    );
    if ejected > 0 {
        refine::drop_singletons(labels);
        refine::relabel(labels);
    }
    Ok(ejected)
}

/// Chinese whispers over the graph of pairs closer than `threshold` (dlib's face-clustering
/// method; see the `whispers` module), with the same cannot-link rule. Labels dense; a point
/// alone in its label is noise.
pub fn chinese_whispers(
    points: &[f32],
    dim: usize,
    groups: Option<&[u32]>,
    threshold: f32,
    index: IndexKind,
    cancel: &AtomicBool,
) -> Result<Vec<Option<u32>>, ClusterError> {
    let n = check_points(points, dim)?;
    check_groups(n, groups)?;
    if !(threshold.is_finite() && threshold > 0.0) {
        return Err(ClusterError::BadInput(format!(
            "threshold must be finite and > 0, got {threshold}"
        )));
    }
    if n == 0 {
        return Ok(Vec::new());
    }
    whispers::run(
        &kernel::Matrix::new(points, dim),
        threshold,
        Groups(groups),
        index,
        cancel,
    )
}

/// How many clusters hold two points of one group (0 for everything this crate returns
/// with groups).
pub fn group_violations(labels: &[Option<u32>], groups: &[u32]) -> usize {
    refine::violations(labels, groups)
}

/// Rounds of [`split_groups`] at most.
const SPLIT_ROUNDS: usize = 4;

/// After DBSCAN: a cluster holding several faces of one photo keeps the one nearest its
/// centroid, and the faces it lets go (usually someone standing beside that person, a
/// sibling, a look-alike) are clustered again among the noise, by DBSCAN with the same
/// parameters: they form their own cluster instead of staying loose. Repeated while a round
/// ejects faces (at most [`SPLIT_ROUNDS`]). Returns the faces ejected in the first round.
fn split_groups(
    m: &kernel::Matrix<'_>,
    labels: &mut [Option<u32>],
    groups: Groups<'_>,
    params: &ClusterParams,
    cancel: &AtomicBool,
) -> Result<usize, ClusterError> {
    let first = refine::enforce(m, labels, groups);
    let mut ejected = first;
    let mut round = 0;
    while ejected > 0 && round < SPLIT_ROUNDS {
        round += 1;
        refine::drop_singletons(labels);
        let noise: Vec<usize> = (0..labels.len()).filter(|&i| labels[i].is_none()).collect();
        let mut sub = Vec::with_capacity(noise.len() * m.dim);
        for &i in &noise {
            sub.extend_from_slice(m.row(i));
        }
        let (sub_labels, _, _) = dbscan_timed(
            &sub,
            m.dim,
            params.eps,
            params.min_points,
            params.index,
            cancel,
        )?;
        let offset = labels.iter().flatten().map(|&l| l + 1).max().unwrap_or(0);
        for (&i, l) in noise.iter().zip(sub_labels) {
            if let Some(l) = l {
                labels[i] = Some(offset + l);
            }
        }
        ejected = refine::enforce(m, labels, groups);
    }
    refine::drop_singletons(labels);
    refine::relabel(labels);
    Ok(first)
}

fn rules_of<'a>(groups: Option<&'a [u32]>, params: &ClusterParams) -> Rules<'a> {
    Rules {
        groups: Groups(groups),
        merge_spread: params.merge_spread,
        attach_nearest: params.attach_nearest,
    }
}

fn check_groups(n: usize, groups: Option<&[u32]>) -> Result<(), ClusterError> {
    match groups {
        Some(g) if g.len() != n => Err(ClusterError::BadInput(format!(
            "{} groups for {n} points",
            g.len()
        ))),
        _ => Ok(()),
    }
}

/// Share of the true `eps`-neighbour pairs (exact brute force) an index finds: 1.0 for
/// [`IndexKind::Exact`]. For benchmarks (O(n²) reference).
pub fn neighbour_recall(
    points: &[f32],
    dim: usize,
    eps: f32,
    index: IndexKind,
    cancel: &AtomicBool,
) -> Result<f64, ClusterError> {
    let n = check_points(points, dim)?;
    let m = kernel::Matrix::new(points, dim);
    let ids: Vec<u32> = (0..n as u32).collect();
    let exact =
        index::Index::build(&m, &ids, index::Plan::Exact, cancel)?.range_graph(&m, eps, cancel)?;
    let approx = index::Index::build(&m, &ids, index::Plan::resolve(index, n), cancel)?
        .range_graph(&m, eps, cancel)?;
    // Both graphs hold every point itself; count only pairs of distinct points.
    let want = exact.neighbours.len().saturating_sub(n);
    let got = approx.neighbours.len().saturating_sub(n);
    Ok(if want == 0 {
        1.0
    } else {
        got as f64 / want as f64
    })
}

fn check_labels(n: usize, labels: &[Option<u32>]) -> Result<(), ClusterError> {
    if labels.len() == n {
        Ok(())
    } else {
        Err(ClusterError::BadInput(format!(
            "{} labels for {n} points",
            labels.len()
        )))
    }
}

#[cfg(test)]
mod tests;
