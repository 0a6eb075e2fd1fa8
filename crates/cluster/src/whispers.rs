//! Chinese whispers (Biemann 2006), as dlib's `chinese_whispers` runs it for face clustering:
//! an unweighted graph with an edge between every two faces closer than a threshold (each
//! face linked to itself too), every node starting in its own label, then rounds in which each
//! node, in a shuffled order, takes the label most of its neighbours hold. Our version is
//! deterministic (the shuffle is a hash of round and node) and keeps the cannot-link groups:
//! a cluster that ends up with two points of one group keeps the one nearest its centroid.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::index::{Index, Plan};
use crate::kernel::Matrix;
use crate::refine::{drop_singletons, enforce, relabel, Groups};
use crate::ClusterError;

/// Rounds, as dlib's default.
pub const ROUNDS: usize = 100;

fn mix(round: u64, node: u64) -> u64 {
    let mut z = (round << 32 ^ node).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub(crate) fn run(
    m: &Matrix<'_>,
    threshold: f32,
    groups: Groups<'_>,
    index: crate::IndexKind,
    cancel: &AtomicBool,
) -> Result<Vec<Option<u32>>, ClusterError> {
    let n = m.len();
    let ids: Vec<u32> = (0..n as u32).collect();
    let graph = Index::build(m, &ids, Plan::resolve(index, n), cancel)?
        .range_graph(m, threshold, cancel)?;
    let mut label: Vec<u32> = ids.clone();
    let mut votes: HashMap<u32, u32> = HashMap::new();
    for round in 0..ROUNDS {
        if cancel.load(Ordering::Relaxed) {
            return Err(ClusterError::Cancelled);
        }
        let mut order = ids.clone();
        order.sort_unstable_by_key(|&i| (mix(round as u64, u64::from(i)), i));
        let mut changed = 0usize;
        for &i in &order {
            votes.clear();
            for &j in graph.of(i as usize) {
                *votes.entry(label[j as usize]).or_default() += 1;
            }
            // Most votes; ties go to the smaller label, so the result does not depend on the
            // map's order.
            if let Some((&best, _)) = votes.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))) {
                if best != label[i as usize] {
                    label[i as usize] = best;
                    changed += 1;
                }
            }
        }
        if changed == 0 {
            break;
        }
    }
    let mut sizes: HashMap<u32, usize> = HashMap::new();
    for &l in &label {
        *sizes.entry(l).or_default() += 1;
    }
    // A label held by one point is no cluster: noise, as DBSCAN would say.
    let mut labels: Vec<Option<u32>> = label.iter().map(|l| (sizes[l] > 1).then_some(*l)).collect();
    if enforce(m, &mut labels, groups) > 0 {
        drop_singletons(&mut labels);
    }
    relabel(&mut labels);
    Ok(labels)
}
