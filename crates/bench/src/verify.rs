//! Face-verification scoring: accuracy at a threshold, best threshold on training folds,
//! k-fold accuracy, and TAR at a fixed FAR.
//!
//! A pair is accepted ("same person") when its distance is **strictly below** the threshold.
//! A pair with no distance (a face was not found in one of its images, or the image failed)
//! is always a wrong answer: it is neither accepted nor correctly rejected, whatever the
//! threshold, and it stays in every denominator.

/// One scored pair.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredPair {
    pub fold: usize,
    pub same: bool,
    /// Descriptor distance, `None` when either image has no usable face.
    pub distance: Option<f64>,
}

/// Fraction of `pairs` answered correctly at `threshold`.
pub fn accuracy_at<'a>(pairs: impl IntoIterator<Item = &'a ScoredPair>, threshold: f64) -> f64 {
    let (mut correct, mut total) = (0usize, 0usize);
    for p in pairs {
        total += 1;
        if let Some(d) = p.distance {
            if (d < threshold) == p.same {
                correct += 1;
            }
        }
    }
    if total == 0 {
        f64::NAN
    } else {
        correct as f64 / total as f64
    }
}

/// The threshold maximising accuracy on `pairs`: a sweep over the sorted distances, the
/// threshold placed half-way between the last accepted and the first rejected distance.
/// Among equally good cut points the lowest is kept.
pub fn best_threshold(pairs: &[&ScoredPair]) -> f64 {
    let mut scored: Vec<(f64, bool)> = pairs
        .iter()
        .filter_map(|p| p.distance.map(|d| (d, p.same)))
        .collect();
    if scored.is_empty() {
        return 0.0;
    }
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Threshold below every distance: everything rejected, the different pairs are right.
    let mut correct: i64 = scored.iter().filter(|(_, same)| !same).count() as i64;
    let mut best = (correct, scored[0].0 - 1e-6);
    let mut i = 0;
    while i < scored.len() {
        // Accept the whole group of equal distances at once.
        let d = scored[i].0;
        while i < scored.len() && scored[i].0 == d {
            correct += if scored[i].1 { 1 } else { -1 };
            i += 1;
        }
        let next = scored.get(i).map_or(d + 1e-6, |n| n.0);
        if correct > best.0 {
            best = (correct, (d + next) / 2.0);
        }
    }
    best.1
}

/// Result of one held-out fold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FoldResult {
    pub fold: usize,
    /// Threshold chosen on the other folds.
    pub threshold: f64,
    /// Accuracy on this fold at that threshold.
    pub accuracy: f64,
}

/// K-fold protocol: for each fold, the threshold maximising accuracy on all the other folds,
/// applied to the held-out fold. Folds are reported in ascending order.
pub fn k_fold(pairs: &[ScoredPair]) -> Vec<FoldResult> {
    let mut folds: Vec<usize> = pairs.iter().map(|p| p.fold).collect();
    folds.sort_unstable();
    folds.dedup();
    folds
        .into_iter()
        .map(|fold| {
            let train: Vec<&ScoredPair> = pairs.iter().filter(|p| p.fold != fold).collect();
            let threshold = best_threshold(&train);
            let accuracy = accuracy_at(pairs.iter().filter(|p| p.fold == fold), threshold);
            FoldResult {
                fold,
                threshold,
                accuracy,
            }
        })
        .collect()
}

/// True accept rate at a false accept rate of at most `far`, over all pairs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TarAtFar {
    pub tar: f64,
    /// Achieved FAR (≤ the target).
    pub far: f64,
    pub threshold: f64,
    /// Different-person pairs accepted at that threshold.
    pub false_accepts: usize,
}

/// The largest threshold whose FAR (different-person pairs accepted ÷ all different-person
/// pairs) is at most `far`, and the TAR (same-person pairs accepted ÷ all same-person pairs)
/// there. Pairs without a distance are never accepted.
pub fn tar_at_far(pairs: &[ScoredPair], far: f64) -> TarAtFar {
    let n_diff = pairs.iter().filter(|p| !p.same).count();
    let n_same = pairs.iter().filter(|p| p.same).count();
    let mut diff: Vec<f64> = pairs
        .iter()
        .filter(|p| !p.same)
        .filter_map(|p| p.distance)
        .collect();
    diff.sort_by(f64::total_cmp);
    let allowed = (far * n_diff as f64 + 1e-9).floor() as usize;
    // Accepting means d < threshold: the threshold at the (allowed+1)-th smallest different
    // distance accepts at most `allowed` of them.
    let threshold = diff.get(allowed).copied().unwrap_or(f64::INFINITY);
    let false_accepts = diff.iter().filter(|d| **d < threshold).count();
    let true_accepts = pairs
        .iter()
        .filter(|p| p.same && p.distance.is_some_and(|d| d < threshold))
        .count();
    TarAtFar {
        tar: true_accepts as f64 / n_same.max(1) as f64,
        far: false_accepts as f64 / n_diff.max(1) as f64,
        threshold,
        false_accepts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(fold: usize, same: bool, d: Option<f64>) -> ScoredPair {
        ScoredPair {
            fold,
            same,
            distance: d,
        }
    }

    #[test]
    fn missing_faces_are_wrong_answers() {
        let pairs = [
            p(1, true, Some(0.3)),
            p(1, false, Some(0.8)),
            p(1, false, None),
            p(1, true, None),
        ];
        assert_eq!(accuracy_at(&pairs, 0.6), 0.5);
    }

    #[test]
    fn best_threshold_separates() {
        let pairs = [
            p(1, true, Some(0.3)),
            p(1, true, Some(0.5)),
            p(1, false, Some(0.7)),
            p(1, false, Some(0.9)),
        ];
        let refs: Vec<&ScoredPair> = pairs.iter().collect();
        let t = best_threshold(&refs);
        assert!((t - 0.6).abs() < 1e-12, "{t}");
        assert_eq!(accuracy_at(&pairs, t), 1.0);
    }

    #[test]
    fn best_threshold_with_overlap() {
        // Same: 0.2 0.4 0.65; different: 0.5 0.7 0.8. Best: accept < 0.45 (5/6) or < 0.675 (5/6);
        // the lowest good cut is kept.
        let pairs = [
            p(1, true, Some(0.2)),
            p(1, true, Some(0.4)),
            p(1, true, Some(0.65)),
            p(1, false, Some(0.5)),
            p(1, false, Some(0.7)),
            p(1, false, Some(0.8)),
        ];
        let refs: Vec<&ScoredPair> = pairs.iter().collect();
        let t = best_threshold(&refs);
        assert!((t - 0.45).abs() < 1e-12, "{t}");
    }

    #[test]
    fn k_fold_uses_other_folds() {
        let mut pairs = Vec::new();
        for fold in 1..=3 {
            pairs.push(p(fold, true, Some(0.3)));
            pairs.push(p(fold, false, Some(0.9)));
        }
        let r = k_fold(&pairs);
        assert_eq!(r.len(), 3);
        assert!(r
            .iter()
            .all(|f| f.accuracy == 1.0 && (f.threshold - 0.6).abs() < 1e-12));
    }

    #[test]
    fn tar_at_far_counts_false_accepts() {
        // 4 different pairs, FAR 0.25 allows one false accept.
        let pairs = [
            p(1, false, Some(0.4)),
            p(1, false, Some(0.6)),
            p(1, false, Some(0.7)),
            p(1, false, None),
            p(1, true, Some(0.3)),
            p(1, true, Some(0.5)),
            p(1, true, Some(0.65)),
            p(1, true, None),
        ];
        let r = tar_at_far(&pairs, 0.25);
        assert_eq!(r.false_accepts, 1);
        assert!((r.threshold - 0.6).abs() < 1e-12);
        assert_eq!(r.tar, 0.5);
        let strict = tar_at_far(&pairs, 0.0);
        assert_eq!(strict.false_accepts, 0);
        assert_eq!(strict.tar, 0.25);
    }
}
