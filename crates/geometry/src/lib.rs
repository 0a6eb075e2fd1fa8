//! Face-box geometry shared by the Likeness crates: one intersection-over-union, used by the
//! catalog (decisions follow the new face with the best IoU ≥ 0.5 on a content change), the
//! detector's box type, XMP import (region ↔ face matching) and the tests.
//!
//! A leaf crate with no dependencies, so that even `likeness-catalog` (which depends on no
//! other likeness crate but this) can use it. Boxes are `[x1, y1, x2, y2]` in pixels (or any
//! one unit); it knows nothing of images, faces or catalogs. MTCNN's non-maximum suppression
//! keeps its own overlap formula (the reference's `+1` areas): that is part of the port, not a
//! box IoU.

/// Area of an `[x1, y1, x2, y2]` box; 0 for an empty or inverted box.
pub fn area(b: [f64; 4]) -> f64 {
    (b[2] - b[0]).max(0.0) * (b[3] - b[1]).max(0.0)
}

/// Intersection over union of two `[x1, y1, x2, y2]` boxes, in `0.0..=1.0`; 0 when they do
/// not overlap or both are empty (never NaN).
pub fn iou(a: [f64; 4], b: [f64; 4]) -> f64 {
    let w = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let h = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = w * h;
    let union = area(a) + area(b) - inter;
    if union > 0.0 {
        inter / union
    } else {
        0.0
    }
}

/// [`iou`] of boxes stored as `f32` (the catalog's face rows).
pub fn iou_f32(a: [f32; 4], b: [f32; 4]) -> f32 {
    iou(a.map(f64::from), b.map(f64::from)) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iou_cases() {
        let a = [0.0, 0.0, 2.0, 2.0];
        assert_eq!(iou(a, a), 1.0);
        assert_eq!(iou(a, [2.0, 2.0, 3.0, 3.0]), 0.0, "touching corners");
        assert!((iou(a, [1.0, 0.0, 3.0, 2.0]) - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(iou(a, [0.5, 0.5, 1.5, 1.5]), 0.25, "one inside the other");
        assert_eq!(
            iou([1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]),
            0.0,
            "empty, not NaN"
        );
        assert_eq!(iou([2.0, 2.0, 0.0, 0.0], a), 0.0, "inverted box");
        assert_eq!(iou(a, [1.0, 0.0, 3.0, 2.0]), iou([1.0, 0.0, 3.0, 2.0], a));
        assert!((iou_f32([0.0, 0.0, 2.0, 2.0], [1.0, 0.0, 3.0, 2.0]) - 1.0 / 3.0).abs() < 1e-6);
        assert_eq!(area([0.0, 0.0, 2.0, 3.0]), 6.0);
    }
}
