//! The reference's non-maximum suppression (`MTCNN.__nms`), quirks included.
//!
//! * Areas and overlaps use the 1-based inclusive convention: `(x2 − x1 + 1)·(y2 − y1 + 1)`.
//! * Candidates are visited in `np.argsort(scores)` order from the end; ties are broken the
//!   way NumPy's default (unstable) argsort breaks them, see [`super::argsort`].
//! * A box is dropped when its overlap is **not** `<= threshold` (so NaN overlaps drop it).
//! * `"Union"`: `inter / (area_i + area_j − inter)`; `"Min"`: `inter / min(area_i, area_j)`.
//! * Picks are stored in an `int16` array, so an index ≥ 32768 wraps around and then
//!   indexes from the end, as NumPy's negative indices do.

use super::argsort::argsort_f64;

/// Overlap measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Union,
    Min,
}

/// NumPy's `np.maximum` (NaN-propagating).
#[inline]
fn np_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a >= b {
        a
    } else {
        b
    }
}

/// NumPy's `np.minimum` (NaN-propagating).
#[inline]
fn np_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a <= b {
        a
    } else {
        b
    }
}

/// Runs NMS on `[x1, y1, x2, y2, score]` rows and returns the indices to keep, in pick order
/// (the reference's `pick`, already resolved to valid indices).
pub(crate) fn nms(boxes: &[[f64; 5]], threshold: f64, method: Method) -> Vec<usize> {
    let n = boxes.len();
    if n == 0 {
        return Vec::new();
    }
    let area: Vec<f64> = boxes
        .iter()
        .map(|b| (b[2] - b[0] + 1.0) * (b[3] - b[1] + 1.0))
        .collect();
    let scores: Vec<f64> = boxes.iter().map(|b| b[4]).collect();
    let mut order = argsort_f64(&scores);
    let mut pick = Vec::new();
    while let Some(&i) = order.last() {
        pick.push(i);
        order.pop();
        let bi = &boxes[i];
        let ai = area[i];
        order.retain(|&j| {
            let bj = &boxes[j];
            let xx1 = np_max(bi[0], bj[0]);
            let yy1 = np_max(bi[1], bj[1]);
            let xx2 = np_min(bi[2], bj[2]);
            let yy2 = np_min(bi[3], bj[3]);
            let w = np_max(0.0, xx2 - xx1 + 1.0);
            let h = np_max(0.0, yy2 - yy1 + 1.0);
            let inter = w * h;
            let o = match method {
                Method::Min => inter / np_min(ai, area[j]),
                Method::Union => inter / (ai + area[j] - inter),
            };
            o <= threshold
        });
    }
    // `pick = np.zeros_like(s, dtype=np.int16)`: indices wrap at 32768, then index from the end.
    pick.into_iter()
        .map(|i| {
            let k = i as i16 as isize;
            if k < 0 {
                (n as isize + k).max(0) as usize
            } else {
                k as usize
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suppresses_overlaps_keeps_order() {
        let boxes = [
            [0.0, 0.0, 10.0, 10.0, 0.9],
            [1.0, 1.0, 11.0, 11.0, 0.95],
            [50.0, 50.0, 60.0, 60.0, 0.5],
        ];
        assert_eq!(nms(&boxes, 0.5, Method::Union), vec![1, 2]);
        assert_eq!(nms(&[], 0.5, Method::Union), Vec::<usize>::new());
    }

    #[test]
    fn picks_wrap_like_int16() {
        // 40 001 identical boxes; the best is index 40 000 and suppresses all others. Stored
        // in int16 it becomes −25 536, i.e. index 40 001 − 25 536 = 14 465.
        let mut boxes = vec![[0.0, 0.0, 10.0, 10.0, 0.5]; 40_001];
        boxes[40_000][4] = 0.9;
        assert_eq!(nms(&boxes, 0.5, Method::Union), vec![14_465]);
    }

    #[test]
    fn min_method_uses_smaller_area() {
        // a small box inside a big one: Union overlap is small, Min overlap is 1.
        let boxes = [[0.0, 0.0, 99.0, 99.0, 0.9], [10.0, 10.0, 19.0, 19.0, 0.8]];
        assert_eq!(nms(&boxes, 0.7, Method::Union), vec![0, 1]);
        assert_eq!(nms(&boxes, 0.7, Method::Min), vec![0]);
    }
}
