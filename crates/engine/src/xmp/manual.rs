//! A manual face from an imported region: its embedding.
//!
//! The region is cut from the decoded (upright) photo with a margin of half its longer side
//! on each side (then 1.5× if nothing was found: a small face at a crop edge), and the
//! detector runs on that crop. The best detection inside the region (its centre in the
//! region, highest IoU, at least 0.3) gives the landmarks and the chip — the same alignment
//! as every detected face. When none is found (a profile, a blurred or
//! tiny face, a region drawn around the back of a head), the five landmarks are estimated
//! from the region box with the mean positions MTCNN gives inside its own boxes, and the chip
//! is aligned from them (with the shape-predictor alignment, dlib's predictor runs inside the
//! region box instead). Either way the face keeps the REGION's box (what the user drew), so a
//! re-import matches it and an export writes back what was read.

use image::RgbImage;
use likeness_catalog::NewFace;
use likeness_vision::{Detection, FaceBox, Point};

use crate::error::EngineError;
use crate::pipeline::FacePipeline;
use likeness_geometry::iou;

/// How a manual face's embedding was computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ManualEmbedding {
    /// The detector found the face inside the region (its score).
    Detected { score: f32 },
    /// No detection: landmarks estimated from the region box.
    EstimatedLandmarks,
    /// Not computed (dry run).
    NotComputed,
}

/// MTCNN landmark positions as fractions of its box (x, y): eye image-left, eye image-right,
/// nose, mouth image-left, mouth image-right. Means over 279 faces MTCNN found in the
/// reference pack (its boxes sit slightly left of the face centre, hence the asymmetry).
pub(crate) const LANDMARK_TEMPLATE: [(f64, f64); 5] = [
    (0.290, 0.398),
    (0.740, 0.395),
    (0.519, 0.594),
    (0.309, 0.754),
    (0.722, 0.750),
];

/// The manual face for the upright region `bbox` (pixels) of `image` (the decoded, upright
/// photo). With `detect` false the detector is not tried (the fallback alone; for tests and
/// measurements).
pub fn manual_face(
    pipeline: &FacePipeline,
    image: &RgbImage,
    bbox: [f64; 4],
    detect: bool,
) -> Result<(NewFace, ManualEmbedding), EngineError> {
    let (iw, ih) = (f64::from(image.width()), f64::from(image.height()));
    if bbox[2].min(iw) - bbox[0].max(0.0) < 2.0 || bbox[3].min(ih) - bbox[1].max(0.0) < 2.0 {
        return Err(EngineError::Invalid {
            message: format!("region {bbox:?} lies outside the photo ({iw}×{ih})"),
        });
    }
    let mut best: Option<Detection> = None;
    if detect {
        // Half the region's longer side around it first; a wider context if MTCNN found
        // nothing there (a small face at a crop edge).
        for margin in [0.5, 1.5] {
            best = detect_in_region(pipeline, image, bbox, margin)?;
            if best.is_some() {
                break;
            }
        }
    }
    let (detection, how) = match best {
        Some(d) => {
            let score = d.score;
            (d, ManualEmbedding::Detected { score })
        }
        None => (estimated(bbox), ManualEmbedding::EstimatedLandmarks),
    };
    let chip = pipeline.chip(image, &detection);
    let embedding = pipeline
        .embed_chips(&[&chip])?
        .pop()
        .ok_or_else(|| EngineError::Invalid {
            message: "the embedder returned nothing".into(),
        })?;
    let mut landmarks = [0f32; 10];
    for (i, p) in detection.landmarks.iter().enumerate() {
        landmarks[2 * i] = p.x as f32;
        landmarks[2 * i + 1] = p.y as f32;
    }
    let score = match how {
        ManualEmbedding::Detected { score } => score,
        _ => 0.0,
    };
    Ok((
        NewFace {
            bbox: bbox.map(|v| v as f32),
            landmarks,
            score,
            embedding: embedding.0,
            quality: None,
        },
        how,
    ))
}

/// The best detection (full-frame coordinates) in a crop of the region with `margin` × its
/// longer side around it: centre inside the region, IoU ≥ 0.3, highest IoU.
fn detect_in_region(
    pipeline: &FacePipeline,
    image: &RgbImage,
    bbox: [f64; 4],
    margin: f64,
) -> Result<Option<Detection>, EngineError> {
    let (iw, ih) = (f64::from(image.width()), f64::from(image.height()));
    let m = margin * (bbox[2] - bbox[0]).max(bbox[3] - bbox[1]);
    let x0 = (bbox[0] - m).floor().clamp(0.0, iw);
    let y0 = (bbox[1] - m).floor().clamp(0.0, ih);
    let x1 = (bbox[2] + m).ceil().clamp(0.0, iw);
    let y1 = (bbox[3] + m).ceil().clamp(0.0, ih);
    if x1 - x0 < 12.0 || y1 - y0 < 12.0 {
        return Ok(None);
    }
    let crop = image::imageops::crop_imm(
        image,
        x0 as u32,
        y0 as u32,
        (x1 - x0) as u32,
        (y1 - y0) as u32,
    )
    .to_image();
    let best = pipeline
        .detect(&crop)?
        .into_iter()
        .map(|d| Detection {
            bbox: FaceBox {
                x1: d.bbox.x1 + x0,
                y1: d.bbox.y1 + y0,
                x2: d.bbox.x2 + x0,
                y2: d.bbox.y2 + y0,
            },
            score: d.score,
            landmarks: d.landmarks.map(|p| Point {
                x: p.x + x0,
                y: p.y + y0,
            }),
        })
        .filter_map(|d| {
            let b = [d.bbox.x1, d.bbox.y1, d.bbox.x2, d.bbox.y2];
            let (cx, cy) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
            let inside = cx >= bbox[0] && cx <= bbox[2] && cy >= bbox[1] && cy <= bbox[3];
            let v = iou(b, bbox);
            (inside && v >= 0.3).then_some((v, d))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, d)| d);
    Ok(best)
}

/// A detection on box `b` with the template's landmarks.
fn estimated(b: [f64; 4]) -> Detection {
    let (w, h) = (b[2] - b[0], b[3] - b[1]);
    Detection {
        bbox: FaceBox {
            x1: b[0],
            y1: b[1],
            x2: b[2],
            y2: b[3],
        },
        score: 0.0,
        landmarks: LANDMARK_TEMPLATE.map(|(fx, fy)| Point {
            x: b[0] + fx * w,
            y: b[1] + fy * h,
        }),
    }
}
