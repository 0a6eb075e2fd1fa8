//! How usable a detected face is for recognising its person: one score in [0, 1] from the
//! detector's confidence, the face's size in the photo, the sharpness of its chip and how
//! frontal it is.
//!
//! Faces below the library's quality bar are kept (viewer, search, naming by hand) but never
//! seed or join a cluster by themselves; see the engine's `PeopleConfig::min_quality`.
//!
//! Each part is mapped onto [0, 1] by a linear ramp between a "useless" and a "good" value,
//! and the score is their product, so any one weak part pulls the whole score down. The ramps' ends are round numbers read off the distributions of real faces and
//! of junk detections (hands, logos, background strangers) in celeba-dev; the bar on the
//! combined score is chosen by cross-validation over identities (bench/README.md, "Face
//! quality").

use image::RgbImage;

use crate::detector::DetectorKind;
use crate::types::{Detection, Point};

/// The four parts of a face's quality, as measured (before the ramps).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QualityParts {
    /// The detector's score.
    pub confidence: f32,
    /// The longer side of the face box, in the photo's pixels.
    pub size: f32,
    /// Variance of the Laplacian of the 150×150 chip's grey levels.
    pub sharpness: f32,
    /// 1 for a frontal face, 0 for a profile (from the nose's offset between the eyes and
    /// between the mouth corners, relative to their spans).
    pub frontal: f32,
}

/// Ramp ends (useless, good): size in pixels, log10 of the Laplacian variance (≈ 6 → 50),
/// frontalness (a profile keeps 0.63 of this part: turned faces are real faces).
const SIZE_RAMP: (f32, f32) = (16.0, 40.0);
const SHARPNESS_RAMP: (f32, f32) = (0.8, 1.7);
const FRONTAL_RAMP: (f32, f32) = (-0.5, 0.3);

/// (useless, good) detector scores: each detector's scores live on its own scale. YuNet's were
/// read off celeba-dev (real faces: 10th percentile 0.92; the junk group: median 0.70); the
/// others' are placed the same way relative to their reference cuts, not measured.
fn confidence_ramp(kind: DetectorKind) -> (f32, f32) {
    match kind {
        DetectorKind::Mtcnn => (0.8, 0.98),
        DetectorKind::Yunet => (0.7, 0.9),
        DetectorKind::Centerface => (0.3, 0.6),
        DetectorKind::Retinaface => (0.7, 0.97),
    }
}

fn ramp(v: f32, (lo, hi): (f32, f32)) -> f32 {
    if !v.is_finite() {
        return 0.0;
    }
    ((v - lo) / (hi - lo)).clamp(0.0, 1.0)
}

impl QualityParts {
    /// Measures a detection and its chip. `scale` maps the detection's frame to the photo's
    /// (1 when the detection is in the photo's full frame).
    pub fn measure(detection: &Detection, chip: &RgbImage) -> Self {
        Self {
            confidence: detection.score,
            size: detection.bbox.width().max(detection.bbox.height()) as f32,
            sharpness: laplacian_variance(chip),
            frontal: frontalness(&detection.landmarks),
        }
    }

    /// The four ramps, each in [0, 1]: confidence, size, sharpness, frontal.
    pub fn ramps(&self, kind: DetectorKind) -> [f32; 4] {
        [
            ramp(self.confidence, confidence_ramp(kind)),
            ramp(self.size, SIZE_RAMP),
            ramp(self.sharpness.max(1e-6).log10(), SHARPNESS_RAMP),
            ramp(self.frontal, FRONTAL_RAMP),
        ]
    }

    /// The combined score in [0, 1]: the product of the four ramps, so every weak part
    /// counts (a floor of 0.02 per part keeps an order among faces that fail one completely).
    pub fn score(&self, kind: DetectorKind) -> f32 {
        self.ramps(kind).iter().map(|p| p.max(0.02)).product()
    }
}

/// Variance of the 4-neighbour Laplacian of the image's grey levels (BT.601 luma), over the
/// interior pixels. 0 for images smaller than 3×3.
pub fn laplacian_variance(image: &RgbImage) -> f32 {
    let (w, h) = (image.width() as usize, image.height() as usize);
    if w < 3 || h < 3 {
        return 0.0;
    }
    let grey: Vec<f32> = image
        .pixels()
        .map(|p| 0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2]))
        .collect();
    let (mut sum, mut sum2, mut n) = (0f64, 0f64, 0f64);
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let i = y * w + x;
            let l = grey[i - 1] + grey[i + 1] + grey[i - w] + grey[i + w] - 4.0 * grey[i];
            let l = f64::from(l);
            sum += l;
            sum2 += l * l;
            n += 1.0;
        }
    }
    let mean = sum / n;
    ((sum2 / n) - mean * mean).max(0.0) as f32
}

/// How frontal a face is, from its five landmarks (Likeness order: eye image-left, eye
/// image-right, nose, mouth image-left, mouth image-right): the nose's horizontal offset from
/// the middle of the eyes and from the middle of the mouth, as a fraction of half the eye span
/// and half the mouth span (measured along the eye line, so a tilted head is not penalised).
/// 1 = nose centred, 0 = nose at (or beyond) an eye or a mouth corner.
pub fn frontalness(lm: &[Point; 5]) -> f32 {
    let (le, re, nose, lm_, rm) = (lm[0], lm[1], lm[2], lm[3], lm[4]);
    let (dx, dy) = (re.x - le.x, re.y - le.y);
    let span = (dx * dx + dy * dy).sqrt();
    if span < 1e-6 {
        return 0.0;
    }
    let (ux, uy) = (dx / span, dy / span);
    let along = |p: Point| p.x * ux + p.y * uy;
    let offset = |a: Point, b: Point| {
        let (pa, pb) = (along(a), along(b));
        let half = (pb - pa).abs() / 2.0;
        if half < 1e-6 {
            1.0
        } else {
            ((along(nose) - (pa + pb) / 2.0).abs() / half).min(1.0)
        }
    };
    let worst = offset(le, re).max(offset(lm_, rm));
    (1.0 - worst) as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::FaceBox;

    fn lm(nose_x: f64) -> [Point; 5] {
        [
            Point::new(40.0, 50.0),
            Point::new(80.0, 50.0),
            Point::new(nose_x, 70.0),
            Point::new(45.0, 90.0),
            Point::new(75.0, 90.0),
        ]
    }

    #[test]
    fn frontal_faces_score_one_and_profiles_zero() {
        assert!((frontalness(&lm(60.0)) - 1.0).abs() < 1e-6);
        assert!(frontalness(&lm(70.0)) < 0.4);
        assert_eq!(frontalness(&lm(85.0)), 0.0);
        // a tilted frontal face is still frontal
        let t = lm(60.0).map(|p| Point::new(p.x + 0.3 * p.y, p.y - 0.3 * p.x));
        assert!(frontalness(&t) > 0.95);
    }

    #[test]
    fn laplacian_variance_sees_edges_not_flat_grey() {
        let flat = RgbImage::from_pixel(20, 20, image::Rgb([90, 90, 90]));
        assert_eq!(laplacian_variance(&flat), 0.0);
        let stripes = RgbImage::from_fn(20, 20, |x, _| {
            if x % 2 == 0 {
                image::Rgb([0, 0, 0])
            } else {
                image::Rgb([255, 255, 255])
            }
        });
        assert!(laplacian_variance(&stripes) > 1e4);
    }

    #[test]
    fn a_big_sharp_confident_frontal_face_beats_a_small_blurred_one() {
        let good = QualityParts {
            confidence: 0.95,
            size: 200.0,
            sharpness: 500.0,
            frontal: 0.9,
        };
        let small = QualityParts {
            size: 18.0,
            sharpness: 8.0,
            ..good
        };
        let (g, s) = (
            good.score(DetectorKind::Yunet),
            small.score(DetectorKind::Yunet),
        );
        assert!(g > 0.99 && s < 0.2, "{g} {s}");
        let d = Detection {
            bbox: FaceBox {
                x1: 0.0,
                y1: 0.0,
                x2: 30.0,
                y2: 40.0,
            },
            score: 0.8,
            landmarks: lm(60.0),
        };
        let parts = QualityParts::measure(&d, &RgbImage::new(150, 150));
        assert_eq!(parts.size, 40.0);
        assert_eq!(parts.sharpness, 0.0);
    }
}
