//! Unit tests on small hand-made and seeded synthetic data.

use std::sync::atomic::AtomicBool;

use linfa::prelude::Transformer;
use linfa::ParamGuard;
use linfa_clustering::Dbscan;
use linfa_nn::distance::L2Dist;
use linfa_nn::CommonNearestNeighbour;

use crate::index::{Index, Plan};
use crate::kernel::{l2sq, Matrix};
use crate::*;

/// Small deterministic Gaussian generator (xorshift64* + Box–Muller).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn gauss(&mut self) -> f32 {
        let (u, v) = (self.next(), self.next());
        ((-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()) as f32
    }
}

/// `clusters` planted clusters of `size` points around N(0, centre_sd²) centres with
/// per-coordinate spread `sd`, then `noise` lone points.
fn planted(dim: usize, clusters: usize, size: usize, sd: f32, noise: usize, seed: u64) -> Vec<f32> {
    let mut r = Rng(seed);
    let mut out = Vec::new();
    for _ in 0..clusters {
        let c: Vec<f32> = (0..dim).map(|_| r.gauss() * 0.13).collect();
        for _ in 0..size {
            out.extend(c.iter().map(|x| x + r.gauss() * sd));
        }
    }
    for _ in 0..noise * dim {
        out.push(r.gauss() * 0.13);
    }
    out
}

fn no_cancel() -> AtomicBool {
    AtomicBool::new(false)
}

fn linfa_reference(points: &[f32], dim: usize, eps: f32, min_points: usize) -> Vec<Option<u32>> {
    let view = ndarray::ArrayView2::from_shape((points.len() / dim, dim), points).expect("shape");
    let params = Dbscan::params_with(min_points, L2Dist, CommonNearestNeighbour::LinearSearch)
        .tolerance(eps)
        .check()
        .expect("params");
    let mut labels: Vec<Option<u32>> = params
        .transform(&view)
        .iter()
        .map(|l| l.map(|c| c as u32))
        .collect();
    refine::relabel(&mut labels);
    labels
}

#[test]
fn tolerance_is_a_plain_strict_distance() {
    // Two points 0.5 apart.
    let pts = [0.0f32, 0.0, 0.5, 0.0];
    let c = no_cancel();
    // Squared semantics would put them within 0.3 (0.25 < 0.3): they must not be.
    assert_eq!(
        dbscan(&pts, 2, 0.3, 2, IndexKind::Exact, &c).expect("run"),
        vec![None, None]
    );
    // Strict: exactly 0.5 is not within 0.5 (as linfa's LinearSearch).
    assert_eq!(
        dbscan(&pts, 2, 0.5, 2, IndexKind::Exact, &c).expect("run"),
        vec![None, None]
    );
    assert_eq!(linfa_reference(&pts, 2, 0.5, 2), vec![None, None]);
    assert_eq!(
        dbscan(&pts, 2, 0.5001, 2, IndexKind::Exact, &c).expect("run"),
        vec![Some(0), Some(0)]
    );
    // min_points counts the point itself: 3 needs two others.
    assert_eq!(
        dbscan(&pts, 2, 0.6, 3, IndexKind::Exact, &c).expect("run"),
        vec![None, None]
    );
}

#[test]
fn dbscan_equals_linfa_linear_search() {
    let dim = 128;
    let pts = planted(dim, 12, 9, 0.025, 30, 7);
    let c = no_cancel();
    for (eps, min) in [(0.35, 2), (0.40, 2), (0.45, 3)] {
        let ours = dbscan(&pts, dim, eps, min, IndexKind::Exact, &c).expect("run");
        assert_eq!(
            ours,
            linfa_reference(&pts, dim, eps, min),
            "eps {eps} min {min}"
        );
        assert!(ours.iter().flatten().count() > 0);
    }
}

fn brute_force(m: &Matrix<'_>, eps: f32) -> Vec<Vec<u32>> {
    (0..m.len())
        .map(|i| {
            (0..m.len() as u32)
                .filter(|&j| l2sq(m.row(i), m.row(j as usize)) < eps * eps)
                .collect()
        })
        .collect()
}

#[test]
fn exact_index_equals_brute_force() {
    let dim = 128;
    let pts = planted(dim, 20, 15, 0.03, 100, 11);
    let m = Matrix::new(&pts, dim);
    let ids: Vec<u32> = (0..m.len() as u32).collect();
    let c = no_cancel();
    let index = Index::build(&m, &ids, Plan::Exact, &c).expect("build");
    let graph = index.range_graph(&m, 0.4, &c).expect("graph");
    let want = brute_force(&m, 0.4);
    for i in 0..m.len() {
        assert_eq!(graph.of(i), want[i].as_slice(), "row {i}");
    }
    // k nearest: itself first, then ascending.
    let knn = index.knn(&m, m.row(5), 4);
    assert_eq!(knn[0].1, 5);
    assert!(knn.windows(2).all(|w| w[0].0 <= w[1].0));
}

#[test]
fn ivf_recall_on_planted_data() {
    let dim = 128;
    let pts = planted(dim, 150, 12, 0.03, 500, 3);
    let m = Matrix::new(&pts, dim);
    let ids: Vec<u32> = (0..m.len() as u32).collect();
    let c = no_cancel();
    let plan = Plan::resolve(
        IndexKind::Ivf {
            lists: 0,
            probes: 3,
        },
        m.len(),
    );
    let index = Index::build(&m, &ids, plan, &c).expect("build");
    let graph = index.range_graph(&m, 0.4, &c).expect("graph");
    let want = brute_force(&m, 0.4);
    let total: usize = want.iter().map(Vec::len).sum();
    let mut found = 0;
    for i in 0..m.len() {
        let got = graph.of(i);
        // Never a false neighbour.
        assert!(got.iter().all(|j| want[i].contains(j)));
        found += got.len();
    }
    let recall = found as f64 / total as f64;
    assert!(recall > 0.95, "recall {recall}");
    // The whole pipeline on IVF agrees with exact on this easy data.
    let p = ClusterParams {
        index: IndexKind::Ivf {
            lists: 0,
            probes: 3,
        },
        ..Default::default()
    };
    let e = ClusterParams {
        index: IndexKind::Exact,
        ..Default::default()
    };
    let a = cluster(&pts, dim, &p, &c).expect("ivf");
    let b = cluster(&pts, dim, &e, &c).expect("exact");
    assert_eq!(a.stats.clusters, b.stats.clusters);
}

/// Points on a line in 2-d: group A at x = 0, 0.1; group B at x = 0.5, 0.6 (average linkage
/// A–B = 0.5); group C far away; a loner at x = 1.05 (mean distance to B 0.5, to A 1.0).
fn line() -> (Vec<f32>, Vec<Option<u32>>) {
    let xs = [0.0f32, 0.1, 0.5, 0.6, 5.0, 5.1, 1.05];
    let pts = xs.iter().flat_map(|&x| [x, 0.0]).collect();
    let labels = vec![Some(0), Some(0), Some(1), Some(1), Some(2), Some(2), None];
    (pts, labels)
}

#[test]
fn merge_joins_clusters_below_the_average_linkage() {
    let (pts, labels) = line();
    let mut l = labels.clone();
    merge_clusters(&pts, 2, &mut l, 0.45).expect("merge");
    assert_eq!(l, labels, "linkage 0.5 is not below 0.45");
    let mut l = labels.clone();
    merge_clusters(&pts, 2, &mut l, 0.55).expect("merge");
    assert_eq!(
        l,
        vec![Some(0), Some(0), Some(0), Some(0), Some(1), Some(1), None]
    );
}

#[test]
fn attach_uses_the_mean_distance_to_members() {
    let (pts, labels) = line();
    let mut l = labels.clone();
    attach_noise(&pts, 2, &mut l, 0.45).expect("attach");
    assert_eq!(l, labels, "mean 0.5 is not below 0.45");
    let mut l = labels.clone();
    attach_noise(&pts, 2, &mut l, 0.6).expect("attach");
    assert_eq!(l[6], Some(1));
}

#[test]
fn full_pipeline_recovers_planted_clusters_deterministically() {
    let dim = 128;
    let pts = planted(dim, 30, 10, 0.022, 0, 5);
    let c = no_cancel();
    let a = cluster(&pts, dim, &ClusterParams::default(), &c).expect("run");
    let b = cluster(&pts, dim, &ClusterParams::default(), &c).expect("run");
    assert_eq!(a.labels, b.labels);
    assert_eq!(a.stats.clusters, 30);
    assert_eq!(a.stats.noise, 0);
    for k in 0..30 {
        let l = a.labels[k * 10];
        assert!(a.labels[k * 10..(k + 1) * 10].iter().all(|x| *x == l));
    }
}

#[test]
fn cancel_stops_every_stage() {
    let dim = 128;
    let pts = planted(dim, 10, 10, 0.03, 10, 9);
    let c = AtomicBool::new(true);
    for index in [
        IndexKind::Exact,
        IndexKind::Ivf {
            lists: 4,
            probes: 2,
        },
    ] {
        let p = ClusterParams {
            index,
            ..Default::default()
        };
        assert!(matches!(
            cluster(&pts, dim, &p, &c),
            Err(ClusterError::Cancelled)
        ));
        assert!(matches!(
            dbscan(&pts, dim, 0.4, 2, index, &c),
            Err(ClusterError::Cancelled)
        ));
    }
}

#[test]
fn empty_one_point_and_bad_input() {
    let c = no_cancel();
    let p = ClusterParams::default();
    let r = cluster(&[], 128, &p, &c).expect("empty");
    assert!(r.labels.is_empty());
    assert_eq!(r.stats.clusters, 0);
    let r = cluster(&[0.1; 128], 128, &p, &c).expect("one");
    assert_eq!(r.labels, vec![None]);
    assert_eq!(r.stats.noise, 1);
    assert!(matches!(
        cluster(&[0.1; 5], 2, &p, &c),
        Err(ClusterError::BadInput(_))
    ));
    assert!(matches!(
        cluster(&[0.1; 4], 0, &p, &c),
        Err(ClusterError::BadInput(_))
    ));
    assert!(matches!(
        cluster(&[f32::NAN, 0.0], 2, &p, &c),
        Err(ClusterError::BadInput(_))
    ));
    let bad = ClusterParams {
        min_points: 1,
        ..Default::default()
    };
    assert!(matches!(
        cluster(&[0.1; 4], 2, &bad, &c),
        Err(ClusterError::BadInput(_))
    ));
}
