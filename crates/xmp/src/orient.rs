//! EXIF orientation: the upright (oriented) pixel frame Likeness stores boxes in ↔ the stored
//! (unrotated) frame XMP regions refer to. Formulas in the crate docs.

use crate::NormArea;

/// Maps a normalised point of the stored frame to the upright frame.
fn stored_to_upright(u: f64, v: f64, orientation: u16) -> (f64, f64) {
    match orientation {
        2 => (1.0 - u, v),
        3 => (1.0 - u, 1.0 - v),
        4 => (u, 1.0 - v),
        5 => (v, u),
        6 => (1.0 - v, u),
        7 => (1.0 - v, 1.0 - u),
        8 => (v, 1.0 - u),
        _ => (u, v),
    }
}

/// Maps a normalised point of the upright frame to the stored frame (inverse of the above).
fn upright_to_stored(p: f64, q: f64, orientation: u16) -> (f64, f64) {
    match orientation {
        2 => (1.0 - p, q),
        3 => (1.0 - p, 1.0 - q),
        4 => (p, 1.0 - q),
        5 => (q, p),
        6 => (q, 1.0 - p),
        7 => (1.0 - q, 1.0 - p),
        8 => (1.0 - q, p),
        _ => (p, q),
    }
}

/// True for the orientations that swap width and height (5–8).
pub fn swaps_axes(orientation: u16) -> bool {
    matches!(orientation, 5..=8)
}

fn safe_div(a: f64, b: u32) -> f64 {
    if b == 0 {
        0.0
    } else {
        a / f64::from(b)
    }
}

/// Upright pixel box `[x1, y1, x2, y2]` of an upright image of `oriented_dims` (w, h) → MWG area
/// (centre, normalised) in the stored frame of a photo with EXIF `orientation` (1..=8; anything
/// else is treated as 1). Not clipped: see [`NormArea::clamped`].
pub fn oriented_box_to_stored_area(
    b: [f64; 4],
    oriented_dims: (u32, u32),
    orientation: u16,
) -> NormArea {
    let (ow, oh) = oriented_dims;
    let p1 = safe_div(b[0].min(b[2]), ow);
    let p2 = safe_div(b[0].max(b[2]), ow);
    let q1 = safe_div(b[1].min(b[3]), oh);
    let q2 = safe_div(b[1].max(b[3]), oh);
    let (cx, cy) = upright_to_stored((p1 + p2) / 2.0, (q1 + q2) / 2.0, orientation);
    let (w, h) = if swaps_axes(orientation) {
        (q2 - q1, p2 - p1)
    } else {
        (p2 - p1, q2 - q1)
    };
    NormArea { x: cx, y: cy, w, h }
}

/// Stored-frame MWG area → upright pixel box `[x1, y1, x2, y2]` of an upright image of
/// `oriented_dims` (w, h). Inverse of [`oriented_box_to_stored_area`].
pub fn stored_area_to_oriented_box(
    a: &NormArea,
    oriented_dims: (u32, u32),
    orientation: u16,
) -> [f64; 4] {
    let (ow, oh) = (f64::from(oriented_dims.0), f64::from(oriented_dims.1));
    let (cp, cq) = stored_to_upright(a.x, a.y, orientation);
    let (wp, hq) = if swaps_axes(orientation) {
        (a.h.abs(), a.w.abs())
    } else {
        (a.w.abs(), a.h.abs())
    };
    [
        (cp - wp / 2.0) * ow,
        (cq - hq / 2.0) * oh,
        (cp + wp / 2.0) * ow,
        (cq + hq / 2.0) * oh,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_maps_are_inverse() {
        for o in 1..=8u16 {
            for &(u, v) in &[(0.1, 0.7), (0.9, 0.2), (0.5, 0.5), (0.0, 1.0)] {
                let (p, q) = stored_to_upright(u, v, o);
                let (u2, v2) = upright_to_stored(p, q, o);
                assert!((u - u2).abs() < 1e-12 && (v - v2).abs() < 1e-12, "o={o}");
            }
        }
    }

    #[test]
    fn orientation_6_top_left_goes_top_right() {
        // Orientation 6: the stored image must be rotated 90° clockwise to be upright.
        assert_eq!(stored_to_upright(0.0, 0.0, 6), (1.0, 0.0));
        assert_eq!(stored_to_upright(0.0, 0.0, 8), (0.0, 1.0));
    }
}
