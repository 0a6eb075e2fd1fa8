//! Detection scoring: greedy IoU matching with "ignore" regions, recall, precision and
//! average precision.
//!
//! Rules (the WIDER FACE easy/medium practice of ignoring boxes outside the scored set):
//! - Ground-truth boxes are either **scored** (count for recall) or **ignored** (too small,
//!   flagged invalid, …).
//! - Detections are taken highest score first. A detection matches the unmatched scored box
//!   with the highest IoU, if that IoU is ≥ the threshold: a true positive.
//! - Otherwise, if it overlaps an ignored box with IoU ≥ the threshold, it is **ignored**:
//!   neither rewarded nor penalised (several detections may fall on one ignored box).
//! - Otherwise it is a false positive; this includes a second detection of an
//!   already-matched scored face.
//!
//! Because matching is greedy by score, matching once and then dropping detections below a
//! score cut gives the same outcome as matching the cut list: one matching serves every
//! operating point and the precision–recall curve.

use likeness_engine::FaceBox;

/// One ground-truth face.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GtBox {
    pub bbox: FaceBox,
    /// Counts for recall; otherwise an ignore region.
    pub scored: bool,
}

/// What a detection turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    TruePositive,
    FalsePositive,
    Ignored,
}

/// Matching of one image.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageMatch {
    /// Per detection, in the order given.
    pub outcomes: Vec<Outcome>,
    /// Per ground-truth box: the score of the detection that matched it (scored boxes only).
    pub matched_by: Vec<Option<f32>>,
}

/// Greedy matching of `detections` (box, score) against `gt` at `iou_min`.
pub fn match_image(gt: &[GtBox], detections: &[(FaceBox, f32)], iou_min: f64) -> ImageMatch {
    let mut order: Vec<usize> = (0..detections.len()).collect();
    order.sort_by(|&a, &b| detections[b].1.total_cmp(&detections[a].1));
    let mut outcomes = vec![Outcome::FalsePositive; detections.len()];
    let mut matched_by: Vec<Option<f32>> = vec![None; gt.len()];
    for d in order {
        let (dbox, score) = detections[d];
        let best = gt
            .iter()
            .enumerate()
            .filter(|(g, b)| b.scored && matched_by[*g].is_none())
            .map(|(g, b)| (g, b.bbox.iou(&dbox)))
            .filter(|(_, iou)| *iou >= iou_min)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        outcomes[d] = if let Some((g, _)) = best {
            matched_by[g] = Some(score);
            Outcome::TruePositive
        } else if gt.iter().any(|b| !b.scored && b.bbox.iou(&dbox) >= iou_min) {
            Outcome::Ignored
        } else {
            Outcome::FalsePositive
        };
    }
    ImageMatch {
        outcomes,
        matched_by,
    }
}

/// Counts at one score cut.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Counts {
    pub detections: usize,
    pub true_positives: usize,
    pub false_positives: usize,
    pub ignored: usize,
}

impl Counts {
    /// Counts the outcomes of detections scoring at least `min_score`.
    pub fn at(outcomes: &[(f32, Outcome)], min_score: f32) -> Self {
        let mut c = Counts::default();
        for (s, o) in outcomes {
            if *s < min_score {
                continue;
            }
            c.detections += 1;
            match o {
                Outcome::TruePositive => c.true_positives += 1,
                Outcome::FalsePositive => c.false_positives += 1,
                Outcome::Ignored => c.ignored += 1,
            }
        }
        c
    }

    /// True positives ÷ scored ground-truth faces.
    pub fn recall(&self, n_scored: usize) -> f64 {
        self.true_positives as f64 / n_scored.max(1) as f64
    }

    /// True positives ÷ (true + false positives); ignored detections are left out.
    pub fn precision(&self) -> f64 {
        let judged = self.true_positives + self.false_positives;
        if judged == 0 {
            f64::NAN
        } else {
            self.true_positives as f64 / judged as f64
        }
    }
}

/// The score cut with the highest recall whose precision is at least `min_precision`:
/// `(cut, counts at that cut)`, or `None` when no cut reaches it. Cuts are the detections' own
/// scores (a cut keeps scores ≥ it).
pub fn best_cut_at_precision(
    outcomes: &[(f32, Outcome)],
    min_precision: f64,
) -> Option<(f32, Counts)> {
    let mut scores: Vec<f32> = outcomes.iter().map(|(s, _)| *s).collect();
    scores.sort_by(|a, b| b.total_cmp(a));
    scores.dedup();
    let mut best: Option<(f32, Counts)> = None;
    for cut in scores {
        let c = Counts::at(outcomes, cut);
        let better = best
            .as_ref()
            .is_none_or(|(_, b)| c.true_positives > b.true_positives);
        if c.precision() >= min_precision && better {
            best = Some((cut, c));
        }
    }
    best
}

/// Average precision: area under the precision–recall curve with precision made monotone
/// (the all-points interpolation of PASCAL VOC 2010+), ignored detections skipped.
pub fn average_precision(outcomes: &[(f32, Outcome)], n_scored: usize) -> f64 {
    if n_scored == 0 {
        return f64::NAN;
    }
    let mut sorted: Vec<(f32, Outcome)> = outcomes
        .iter()
        .copied()
        .filter(|(_, o)| *o != Outcome::Ignored)
        .collect();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut points: Vec<(f64, f64)> = Vec::with_capacity(sorted.len());
    for (_, o) in &sorted {
        if *o == Outcome::TruePositive {
            tp += 1;
        } else {
            fp += 1;
        }
        points.push((tp as f64 / n_scored as f64, tp as f64 / (tp + fp) as f64));
    }
    // Monotone precision envelope from the right.
    for i in (0..points.len().saturating_sub(1)).rev() {
        points[i].1 = points[i].1.max(points[i + 1].1);
    }
    let mut ap = 0.0;
    let mut prev_recall = 0.0;
    for (r, p) in points {
        ap += (r - prev_recall) * p;
        prev_recall = r;
    }
    ap
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn best_cut_is_the_lowest_cut_that_keeps_precision() {
        use Outcome::*;
        let o = [
            (0.9, TruePositive),
            (0.8, TruePositive),
            (0.7, FalsePositive),
            (0.6, TruePositive),
            (0.5, FalsePositive),
            (0.4, FalsePositive),
        ];
        let (cut, c) = best_cut_at_precision(&o, 0.75).unwrap();
        assert_eq!((cut, c.true_positives, c.false_positives), (0.6, 3, 1));
        let (cut, _) = best_cut_at_precision(&o, 0.95).unwrap();
        assert_eq!(cut, 0.8);
        assert!(best_cut_at_precision(&[(0.5, FalsePositive)], 0.5).is_none());
    }

    fn b(x: f64, y: f64, s: f64) -> FaceBox {
        FaceBox {
            x1: x,
            y1: y,
            x2: x + s,
            y2: y + s,
        }
    }

    #[test]
    fn greedy_matching_with_ignore_regions() {
        let gt = [
            GtBox {
                bbox: b(0.0, 0.0, 40.0),
                scored: true,
            },
            GtBox {
                bbox: b(100.0, 100.0, 10.0),
                scored: false,
            },
        ];
        let dets = [
            (b(1.0, 1.0, 40.0), 0.9),      // TP
            (b(0.0, 0.0, 39.0), 0.95),     // higher score: takes the match first
            (b(100.0, 100.0, 11.0), 0.8),  // on the ignored face
            (b(300.0, 300.0, 30.0), 0.99), // nothing there
        ];
        let m = match_image(&gt, &dets, 0.5);
        assert_eq!(
            m.outcomes,
            vec![
                Outcome::FalsePositive,
                Outcome::TruePositive,
                Outcome::Ignored,
                Outcome::FalsePositive
            ]
        );
        assert_eq!(m.matched_by, vec![Some(0.95), None]);
    }

    #[test]
    fn counts_and_ap() {
        let outcomes = [
            (0.99, Outcome::TruePositive),
            (0.98, Outcome::FalsePositive),
            (0.97, Outcome::Ignored),
            (0.90, Outcome::TruePositive),
        ];
        let c = Counts::at(&outcomes, 0.0);
        assert_eq!((c.true_positives, c.false_positives, c.ignored), (2, 1, 1));
        assert!((c.precision() - 2.0 / 3.0).abs() < 1e-12);
        assert!((c.recall(4) - 0.5).abs() < 1e-12);
        let high = Counts::at(&outcomes, 0.985);
        assert_eq!(high.detections, 1);
        // Curve: (0.25, 1.0), (0.25, 0.5), (0.5, 0.667) → envelope 1.0 then 0.667.
        let ap = average_precision(&outcomes, 4);
        assert!((ap - (0.25 * 1.0 + 0.25 * 2.0 / 3.0)).abs() < 1e-12, "{ap}");
    }
}
