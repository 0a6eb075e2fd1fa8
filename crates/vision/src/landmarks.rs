//! dlib's 5-point `shape_predictor` (an ensemble of regression trees, Kazemi & Sullivan 2014),
//! ported to Rust, for the CC0 model `shape_predictor_5_face_landmarks.dat`
//! (face_recognition_models 0.3.0). No dlib code or bindings: the file is parsed here and the
//! cascade is evaluated with dlib 20.0.1's order of floating-point operations, so that the
//! integer landmarks are identical to `dlib.shape_predictor(img, rect)` on the same pixels
//! (143 of 143 faces of the reference pack, `tests/landmarks_parity.rs`).
//!
//! # How the predictor works (dlib `shape_predictor::operator()`)
//!
//! The shape (5 points, 10 floats) lives in a box-normalised frame where the detection
//! rectangle's top-left corner is (0, 0) and its bottom-right corner is (1, 1). It starts at
//! the mean shape; each of the cascade's levels (15 here)
//!
//! 1. fits a similarity transform from the mean shape to the current shape
//!    ([`find_similarity_transform`], Umeyama) and casts its 2×2 matrix to `f32`;
//! 2. places its feature pixels (500 here): each is stored as an anchor landmark and an offset
//!    from it in the mean shape; it is moved with the current shape (`M·delta + anchor`, in `f32`),
//!    mapped to the image with the rectangle's affine transform (`f64`) and rounded to a
//!    pixel with `floor(v + 0.5)`; its value is the grey level `(r + g + b) / 3` (integer
//!    division, dlib's `get_pixel_intensity` of an `rgb_pixel`), or 0 outside the image;
//! 3. runs its trees (500 of depth 4 here): at each split, go left when
//!    `value[idx1] − value[idx2] > thresh` (`f32`), and add the leaf's 10-vector to the shape
//!    (`f32`, tree by tree).
//!
//! Finally the points go through the rectangle's transform to image pixels. dlib returns them
//! as integer `point`s (`floor(v + 0.5)`); [`ShapePredictor::predict`] returns the unrounded
//! values, [`ShapePredictor::predict_rounded`] dlib's integers.
//!
//! # The details that decide exactness
//!
//! * The rectangle's transform is `unnormalizing_tform(rect)`: dlib's `find_affine_transform`
//!   from (0,0), (1,0), (1,1) to the rectangle's top-left, top-right and bottom-right corners
//!   (as `vector<float,2>`), i.e. `Q·pinv(P)` through dlib's own SVD, not the closed form
//!   `l + x·(r − l)`. Width and height are `r − l` and `b − t` (the corners), not dlib's
//!   `r − l + 1`.
//! * The shapes are `f32`, but `find_similarity_transform` promotes them to `f64` (dlib's
//!   `vector` arithmetic), so the transform is computed in `f64` and only then cast to `f32`.
//! * `M·delta + anchor` is evaluated in `f32` as `(m00·dx + m01·dy) + ax` (no fused
//!   multiply-add), then widened to `f64` for the image transform.
//! * Rounding is `floor(v + 0.5)` (dlib's float→integer `vector` conversion), not `lround`.
//! * The split compares an integer difference (exact in `f32`) with an `f32` threshold, so it
//!   is done here in integers against `floor(thresh)` (same branch for every possible
//!   difference; see `pack_split`).
//! * Feature pixels outside the image read 0 (`get_rect(img).contains(p)` on the rounded
//!   point), so faces at the border behave as in dlib.
//!
//! # Speed
//!
//! The trees and leaves are ~6 MB, more than L2, and each face touches one leaf in every
//! tree: memory, not arithmetic, sets the pace. So each depth-4 tree's 15 splits are packed
//! into one 64-byte line (`idx1`, `idx2`, integer threshold in 32 bits), each leaf gets its
//! own line (one miss per tree instead of 1.5), and trees are walked 8 at a time, one depth
//! at a time, before their leaves are added in dlib's order. Measured on a busy 2-core
//! EPYC VM: ~0.15 ms per face with warm caches, ~0.3–0.45 ms cycling through the 143 faces
//! of the reference pack (release build).
//!
//! # File format (dlib `serialize`)
//!
//! `int version (1)`, `matrix<float,0,1> initial_shape`,
//! `vector<vector<regression_tree>> forests`, `vector<vector<unsigned long>> anchor_idx`,
//! `vector<vector<vector<float,2>>> deltas`; a `regression_tree` is
//! `vector<split_feature{unsigned long idx1, idx2; float thresh}> splits` and
//! `vector<matrix<float,0,1>> leaf_values`. Integers are a control byte (low nibble = number
//! of little-endian magnitude bytes, 0x80 = negative) and the bytes; floats are an `int64`
//! mantissa and an `int16` exponent (`ldexp((float)mantissa, exponent)`; exponents
//! 32000/32001/32002+ mean +inf/−inf/NaN); matrices store `−rows`, `−cols` then the elements
//! row-major; vectors their length then the elements. The 5-point model: 15 cascade levels ×
//! 500 trees of depth 4 (15 splits, 16 leaves), 500 feature pixels per level, 9,150,489 bytes,
//! read to the last byte.

use std::path::{Path, PathBuf};

use image::RgbImage;

use crate::align::{find_affine_transform, find_similarity_transform, AffineTransform, DRect};
use crate::error::VisionError;
use crate::types::{FaceBox, Point};

/// Number of landmarks of the 5-point model.
pub const NUM_PARTS: usize = 5;
const SHAPE_LEN: usize = NUM_PARTS * 2;

/// A split as read from the file.
#[derive(Debug, Clone, Copy)]
struct RawSplit {
    idx1: u64,
    idx2: u64,
    thresh: f32,
}

/// Most feature pixels per level that a packed split can address.
const MAX_FEATURE_PIXELS: usize = 1 << 11;

/// A split packed into 32 bits: `idx1` (bits 0–10), `idx2` (11–21), `thr + 256` (22–31).
///
/// Feature values are integers in 0..=255, so their difference `d` is an integer in
/// −255..=255, exact in `f32`, and `d > thresh` ⟺ `d > floor(thresh)`; `thr` is
/// `floor(thresh)` clamped to −256..=255, which keeps the answer for every possible `d`
/// (NaN and +∞ never split left: 255; −∞ always: −256). Same branches as dlib, a quarter
/// of the memory: a depth-4 tree's 15 splits fit one cache line.
fn pack_split(s: &RawSplit) -> u32 {
    let thr: i32 = if s.thresh.is_nan() {
        255
    } else {
        (s.thresh.floor().clamp(-256.0, 255.0)) as i32
    };
    (s.idx1 as u32) | ((s.idx2 as u32) << 11) | (((thr + 256) as u32) << 22)
}

/// 16 packed splits, cache-line aligned.
#[derive(Debug, Clone, Copy)]
#[repr(align(64))]
struct SplitLine([u32; 16]);

/// One level of the cascade: its feature pixels and its trees (all of the same depth).
#[derive(Debug, Clone)]
struct Level {
    /// Landmark each feature pixel is anchored to.
    anchor: Vec<u32>,
    /// Offset of each feature pixel from its anchor, in the mean shape's frame.
    deltas: Vec<[f32; 2]>,
    num_trees: usize,
    /// Depth of every tree.
    depth: u32,
    /// Number of splits per tree (`2^depth − 1`).
    splits_per_tree: usize,
    /// Cache lines per tree in `splits` (`ceil(splits_per_tree / 16)`).
    lines_per_tree: usize,
    /// Packed splits, each tree's nodes in dlib's heap order, each tree starting a line.
    splits: Vec<SplitLine>,
    /// `num_trees × (splits_per_tree + 1)` leaves.
    leaves: Vec<Leaf>,
}

/// A leaf's shape increment, alone in its cache line (one miss per tree, not 1.5).
#[derive(Debug, Clone, Copy)]
#[repr(align(64))]
struct Leaf([f32; SHAPE_LEN]);

/// dlib's `shape_predictor` for a 5-landmark model (`shape_predictor_5_face_landmarks.dat`).
///
/// Landmarks are in dlib's order: 0 = outer corner of the eye on the image's right, 1 = inner
/// corner of that eye, 2 = outer corner of the eye on the image's left, 3 = inner corner of
/// that eye, 4 = bottom of the nose.
#[derive(Debug, Clone)]
pub struct ShapePredictor {
    initial_shape: [f32; SHAPE_LEN],
    levels: Vec<Level>,
}

/// A rectangle as dlib's `rectangle`: inclusive integer bounds, e.g. a HOG detection
/// (`left = l`, `top = t`, `right = r`, `bottom = b` of face_recognition's `[t, r, b, l]`).
pub fn dlib_rect(left: i64, top: i64, right: i64, bottom: i64) -> DRect {
    DRect {
        l: left as f64,
        t: top as f64,
        r: right as f64,
        b: bottom as f64,
    }
}

/// dlib's float → integer point conversion: `floor(v + 0.5)` per coordinate.
pub fn dlib_round(p: Point) -> [i64; 2] {
    [floor_i64(p.x + 0.5), floor_i64(p.y + 0.5)]
}

/// `floor(v) as i64` without a libm call (baseline x86-64 has no `roundsd`): exact for
/// |v| < 2⁶³; NaN gives 0 and out-of-range values saturate, as `as` does.
#[inline]
fn floor_i64(v: f64) -> i64 {
    let t = v as i64;
    if (t as f64) > v {
        t - 1
    } else {
        t
    }
}

impl ShapePredictor {
    /// Parses a dlib `shape_predictor` file (to its last byte). Only 5-landmark models are
    /// accepted.
    pub fn load(path: &Path) -> Result<Self, VisionError> {
        let bytes = std::fs::read(path).map_err(|e| VisionError::Model {
            path: path.to_path_buf(),
            message: format!("cannot read: {e}"),
        })?;
        Self::from_bytes(&bytes, path)
    }

    /// Parses the bytes of a dlib `shape_predictor` file; `path` only names it in errors.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self, VisionError> {
        let mut r = Reader {
            buf: bytes,
            pos: 0,
            path: path.to_path_buf(),
        };
        let sp = parse(&mut r)?;
        if r.pos != bytes.len() {
            return Err(r.err(format!(
                "{} trailing bytes after the shape predictor",
                bytes.len() - r.pos
            )));
        }
        Ok(sp)
    }

    /// Number of cascade levels.
    pub fn num_levels(&self) -> usize {
        self.levels.len()
    }

    /// Total number of trees over all levels.
    pub fn num_trees(&self) -> usize {
        self.levels.iter().map(|l| l.num_trees).sum()
    }

    /// The mean shape in the rectangle's normalised frame ((0,0) = top-left, (1,1) =
    /// bottom-right corner).
    pub fn mean_shape(&self) -> [Point; NUM_PARTS] {
        std::array::from_fn(|i| {
            Point::new(
                f64::from(self.initial_shape[2 * i]),
                f64::from(self.initial_shape[2 * i + 1]),
            )
        })
    }

    /// The five landmarks of the face in `rect` (a dlib rectangle: inclusive bounds; its
    /// corners are used as `f32`, as dlib does), at full precision, in image pixels
    /// (x = column, y = row, pixel centres at integers). `dlib_round` of each point gives
    /// dlib's `full_object_detection` parts.
    pub fn predict(&self, image: &RgbImage, rect: DRect) -> [Point; NUM_PARTS] {
        let to_img = unnormalizing_tform(&rect);
        let shape = self.run_cascade(image, &to_img);
        std::array::from_fn(|i| {
            to_img.apply(Point::new(
                f64::from(shape[2 * i]),
                f64::from(shape[2 * i + 1]),
            ))
        })
    }

    /// [`predict`](Self::predict) rounded the way dlib rounds its parts (`floor(v + 0.5)`):
    /// what `dlib.shape_predictor(img, rect).parts()` returns.
    pub fn predict_rounded(&self, image: &RgbImage, rect: DRect) -> [[i64; 2]; NUM_PARTS] {
        self.predict(image, rect).map(dlib_round)
    }

    fn run_cascade(&self, image: &RgbImage, to_img: &AffineTransform) -> [f32; SHAPE_LEN] {
        let mean = self.mean_shape();
        let mut shape = self.initial_shape;
        let (w, h) = (i64::from(image.width()), i64::from(image.height()));
        let data: &[u8] = image.as_raw();
        let stride = image.width() as usize * 3;
        // Indexed with 11-bit masks, so no bounds checks.
        let mut values = [0i32; MAX_FEATURE_PIXELS];
        let mut leaf_idx: Vec<u32> = Vec::new();
        for level in &self.levels {
            // find_tform_between_shapes(initial_shape, current_shape), cast to float.
            let current: [Point; NUM_PARTS] = std::array::from_fn(|i| {
                Point::new(f64::from(shape[2 * i]), f64::from(shape[2 * i + 1]))
            });
            let t = find_similarity_transform(&mean, &current);
            let m = [
                [t.m[0][0] as f32, t.m[0][1] as f32],
                [t.m[1][0] as f32, t.m[1][1] as f32],
            ];
            // extract_feature_pixel_values
            for ((v, &a), d) in values.iter_mut().zip(&level.anchor).zip(&level.deltas) {
                let a = a as usize;
                let x = (m[0][0] * d[0] + m[0][1] * d[1]) + shape[2 * a];
                let y = (m[1][0] * d[0] + m[1][1] * d[1]) + shape[2 * a + 1];
                let p = to_img.apply(Point::new(f64::from(x), f64::from(y)));
                let [px, py] = dlib_round(p);
                *v = if px >= 0 && px < w && py >= 0 && py < h {
                    let i = py as usize * stride + px as usize * 3;
                    match data.get(i..i + 3) {
                        Some(&[r, g, b]) => {
                            ((u32::from(r) + u32::from(g) + u32::from(b)) / 3) as i32
                        }
                        _ => 0,
                    }
                } else {
                    0
                };
            }
            // Every tree of the level. The walks depend only on `values`, so all leaves are
            // found first, walking LANES trees side by side one depth at a time (independent
            // loads, served in parallel), then added in tree order, as dlib does.
            let n = level.splits_per_tree;
            leaf_idx.clear();
            if n == 0 {
                leaf_idx.extend(0..level.num_trees as u32);
            } else if level.lines_per_tree == 1 {
                // Trees of depth ≤ 4, one cache line each (the 5-point model).
                let mut groups = level.splits.chunks_exact(LANES);
                let mut t = 0usize;
                for group in groups.by_ref() {
                    if let Ok(group) = <&[SplitLine; LANES]>::try_from(group) {
                        for i in walk_lanes(group, &values, level.depth) {
                            leaf_idx.push((t * (n + 1) + i - n) as u32);
                            t += 1;
                        }
                    }
                }
                for line in groups.remainder() {
                    let [i] = walk_lanes(std::array::from_ref(line), &values, level.depth);
                    leaf_idx.push((t * (n + 1) + i - n) as u32);
                    t += 1;
                }
            } else {
                // Deeper trees: node i of tree t is word i % 16 of line t·lpt + i / 16.
                let lpt = level.lines_per_tree;
                for (t, tree) in level.splits.chunks_exact(lpt).enumerate() {
                    let mut i = 0usize;
                    while i < n {
                        i = 2 * i + 2 - usize::from(goes_left(tree[i >> 4].0[i & 15], &values));
                    }
                    leaf_idx.push((t * (n + 1) + i - n) as u32);
                }
            }
            for &li in &leaf_idx {
                let leaf = &level.leaves[li as usize].0;
                for (v, d) in shape.iter_mut().zip(leaf) {
                    *v += *d;
                }
            }
        }
        shape
    }
}

/// Trees walked side by side.
const LANES: usize = 8;

/// dlib's split test `values[idx1] − values[idx2] > thresh` on a packed split.
#[inline(always)]
fn goes_left(sp: u32, values: &[i32; MAX_FEATURE_PIXELS]) -> bool {
    let d = values[(sp & 0x7ff) as usize] - values[((sp >> 11) & 0x7ff) as usize];
    d > (sp >> 22) as i32 - 256
}

/// Walks `L` single-line trees of the given depth one depth at a time (their loads are
/// independent, so the memory system serves them in parallel); returns each tree's final
/// node index (`splits + leaf`).
#[inline(always)]
fn walk_lanes<const L: usize>(
    trees: &[SplitLine; L],
    values: &[i32; MAX_FEATURE_PIXELS],
    depth: u32,
) -> [usize; L] {
    let mut idx = [0usize; L];
    for _ in 0..depth {
        for (i, line) in idx.iter_mut().zip(trees) {
            *i = 2 * *i + 2 - usize::from(goes_left(line.0[*i & 15], values));
        }
    }
    idx
}

/// dlib's `impl::unnormalizing_tform(rect)`: (0,0) → top-left, (1,0) → top-right, (1,1) →
/// bottom-right corner, through `find_affine_transform` (corners as `vector<float,2>`).
fn unnormalizing_tform(rect: &DRect) -> AffineTransform {
    let f = |v: f64| f64::from(v as f32);
    let from = [
        Point::new(0.0, 0.0),
        Point::new(1.0, 0.0),
        Point::new(1.0, 1.0),
    ];
    let to = [
        Point::new(f(rect.l), f(rect.t)),
        Point::new(f(rect.r), f(rect.t)),
        Point::new(f(rect.r), f(rect.b)),
    ];
    find_affine_transform(&from, &to)
}

// ---------------------------------------------------------------------------------------------
// MTCNN box → dlib HOG rectangle

// Fitted by weighted least squares (each residual divided by the dlib box side, so large and
// small faces count alike) on the 142 faces of the reference pack where dlib's HOG detector
// (`dlib.jsonl`, `box_raw_ltrb`, untrimmed) and MTCNN (`mtcnn.jsonl`, `box_x1y1x2y2`) found the
// same face (each box's centre inside the other; best IoU); refitted and checked by
// `tests/landmarks_parity.rs` (`mtcnn_to_dlib_rect_fit`).

/// Centre x offset of the dlib box from the MTCNN box centre, as a fraction of the MTCNN box
/// width `w = x2 − x1` (see [`dlib_rect_from_mtcnn`]).
pub const MTCNN_TO_DLIB_CX: f64 = -0.00914;
/// Centre y offset as a fraction of the MTCNN box height `h = y2 − y1` (dlib boxes sit lower:
/// MTCNN's include the forehead).
pub const MTCNN_TO_DLIB_CY: f64 = 0.06250;
/// Side of the dlib box (`r − l + 1`): this times `w`, …
pub const MTCNN_TO_DLIB_SIDE_W: f64 = 0.50153;
/// … plus this times `h`, …
pub const MTCNN_TO_DLIB_SIDE_H: f64 = 0.38595;
/// … plus this many pixels (HOG boxes of small faces are relatively larger).
pub const MTCNN_TO_DLIB_SIDE_C: f64 = 5.6865;

/// The rectangle dlib's HOG detector would most likely have drawn around the face that MTCNN
/// boxed as `bbox` (raw reference frame `[x1, y1, x2, y2]`), to run [`ShapePredictor::predict`]
/// in (the box the model was trained with). A square:
///
/// ```text
/// centre = ((x1+x2)/2 − 0.00914·w,  (y1+y2)/2 + 0.06250·h)
/// side   = 0.50153·w + 0.38595·h + 5.6865        (dlib width r − l + 1; w = x2−x1, h = y2−y1)
/// ```
///
/// Not rounded to integers (the predictor does not need it; dlib's would be).
///
/// **Fit residuals** (|fitted − dlib| as a fraction of the dlib side, 142 faces):
/// centre x median 0.039, 90 % 0.105, max 0.226; centre y median 0.038, 90 % 0.081, max
/// 0.155; side median 0.069, 90 % 0.128, max 0.344. Much of this is dlib's, not the fit's: HOG
/// box sizes come in pyramid steps of 6/5 (±9 %), and turned faces shift the two detectors'
/// boxes differently (the largest x residuals are profile faces). Simpler side models fit
/// worse (relative rms 0.103 for side = 1.086·w, 0.109 for 0.794·h, against 0.088) and, run
/// through the predictor, give similar landmarks but worse descriptor tails (90 % ≈ 0.10,
/// max ≈ 0.30, against 0.094 and 0.234 below).
///
/// **Landmarks from this box vs dlib's from its own HOG box** (the `*_image_rs` files, same
/// pixels, 142 faces): per landmark median 0.57 px, 90 % 1.9 px, max 9.9 px; worst landmark
/// per face median 0.93 px, 90 % 3.4 px, max 9.9 px, or 0.014 / 0.053 / 0.32 of the
/// inter-ocular distance. For comparison, decoding the JPEGs with libjpeg-turbo instead of
/// the `image` crate moves dlib's own landmarks by a median 1 px (max 6).
///
/// **Descriptors**: chips aligned on these (unrounded) landmarks give dlib ResNet descriptors
/// at a Euclidean distance from dlib's own of median 0.044, 90 % 0.094, max 0.234, against
/// 0.136 / 0.183 / 0.318 when the MTCNN landmarks are aligned to their fitted template
/// (same-person threshold 0.6; the decoder alone moves them by a median 0.037).
pub fn dlib_rect_from_mtcnn(bbox: &FaceBox) -> DRect {
    let (w, h) = (bbox.width(), bbox.height());
    let cx = (bbox.x1 + bbox.x2) / 2.0 + MTCNN_TO_DLIB_CX * w;
    let cy = (bbox.y1 + bbox.y2) / 2.0 + MTCNN_TO_DLIB_CY * h;
    let side = MTCNN_TO_DLIB_SIDE_W * w + MTCNN_TO_DLIB_SIDE_H * h + MTCNN_TO_DLIB_SIDE_C;
    // dlib width = r − l + 1.
    let half = (side - 1.0) / 2.0;
    DRect {
        l: cx - half,
        t: cy - half,
        r: cx + half,
        b: cy + half,
    }
}

// ---------------------------------------------------------------------------------------------
// Parser

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    path: PathBuf,
}

impl Reader<'_> {
    fn err(&self, message: String) -> VisionError {
        VisionError::Model {
            path: self.path.clone(),
            message: format!("shape predictor, byte {}: {message}", self.pos),
        }
    }

    fn byte(&mut self) -> Result<u8, VisionError> {
        let b = *self
            .buf
            .get(self.pos)
            .ok_or_else(|| self.err("unexpected end of file".into()))?;
        self.pos += 1;
        Ok(b)
    }

    /// dlib's packed integer: (negative, magnitude).
    fn int_raw(&mut self) -> Result<(bool, u64), VisionError> {
        let start = self.pos;
        let ctrl = self.byte()?;
        if ctrl & 0x70 != 0 {
            self.pos = start;
            return Err(self.err(format!("bad integer control byte {ctrl:#04x}")));
        }
        let size = usize::from(ctrl & 0x0f);
        if size > 8 {
            self.pos = start;
            return Err(self.err(format!("integer of {size} bytes")));
        }
        let mut v = 0u64;
        for i in 0..size {
            v |= u64::from(self.byte()?) << (8 * i);
        }
        Ok((ctrl & 0x80 != 0, v))
    }

    fn int(&mut self) -> Result<i64, VisionError> {
        let start = self.pos;
        let (neg, mag) = self.int_raw()?;
        let Ok(v) = i64::try_from(mag) else {
            self.pos = start;
            return Err(self.err(format!("integer {mag} out of range")));
        };
        Ok(if neg { -v } else { v })
    }

    fn uint(&mut self) -> Result<u64, VisionError> {
        let start = self.pos;
        let (neg, mag) = self.int_raw()?;
        if neg && mag != 0 {
            self.pos = start;
            return Err(self.err("negative value for an unsigned integer".into()));
        }
        Ok(mag)
    }

    fn len(&mut self, what: &str) -> Result<usize, VisionError> {
        let start = self.pos;
        let n = self.uint()?;
        // Every element takes at least one byte, which bounds allocations on corrupt files.
        if n > (self.buf.len() - self.pos) as u64 {
            self.pos = start;
            return Err(self.err(format!("{what} length {n} exceeds the file")));
        }
        Ok(n as usize)
    }

    /// dlib's `float_details` → `float`.
    fn float(&mut self) -> Result<f32, VisionError> {
        let start = self.pos;
        let mantissa = self.int()?;
        let exponent = self.int()?;
        let exponent = i16::try_from(exponent).map_err(|_| {
            self.pos = start;
            self.err(format!("float exponent {exponent} out of range"))
        })?;
        Ok(match exponent {
            32000 => f32::INFINITY,
            32001 => f32::NEG_INFINITY,
            e if e > 32001 => f32::NAN,
            e => {
                // ldexp((float)mantissa, e): the product is exact in f64, then rounded once.
                let m = mantissa as f32;
                if m == 0.0 {
                    m
                } else {
                    (f64::from(m) * 2f64.powi(i32::from(e))) as f32
                }
            }
        })
    }

    /// `matrix<float,0,1>`.
    fn column(&mut self) -> Result<Vec<f32>, VisionError> {
        let start = self.pos;
        let nr = self.int()?.unsigned_abs();
        let nc = self.int()?.unsigned_abs();
        if nc != 1 && nr != 0 {
            self.pos = start;
            return Err(self.err(format!("expected a column vector, found {nr}×{nc}")));
        }
        if nr > (self.buf.len() - self.pos) as u64 {
            self.pos = start;
            return Err(self.err(format!("matrix of {nr} rows exceeds the file")));
        }
        (0..nr).map(|_| self.float()).collect()
    }
}

fn parse(r: &mut Reader<'_>) -> Result<ShapePredictor, VisionError> {
    let version = r.int()?;
    if version != 1 {
        return Err(r.err(format!(
            "unexpected shape_predictor version {version} (expected 1)"
        )));
    }
    let init = r.column()?;
    let initial_shape: [f32; SHAPE_LEN] = init.as_slice().try_into().map_err(|_| {
        r.err(format!(
            "initial shape has {} values; only {NUM_PARTS}-landmark models ({SHAPE_LEN} values) are supported",
            init.len()
        ))
    })?;

    // forests
    let num_levels = r.len("forests")?;
    type Forest = (usize, usize, Vec<RawSplit>, Vec<Leaf>);
    let mut forests: Vec<Forest> = Vec::with_capacity(num_levels);
    let mut max_idx: Vec<u64> = Vec::with_capacity(num_levels);
    for level in 0..num_levels {
        let num_trees = r.len("trees")?;
        let mut splits_per_tree = None;
        let mut splits = Vec::new();
        let mut leaves = Vec::new();
        let mut level_max = 0u64;
        for tree in 0..num_trees {
            let ns = r.len("splits")?;
            match splits_per_tree {
                None => {
                    if !(ns + 1).is_power_of_two() {
                        return Err(r.err(format!(
                            "level {level} tree {tree}: {ns} splits is not a full binary tree"
                        )));
                    }
                    splits_per_tree = Some(ns);
                }
                Some(n) if n != ns => {
                    return Err(r.err(format!(
                        "level {level} tree {tree}: {ns} splits, other trees have {n}"
                    )))
                }
                Some(_) => {}
            }
            for _ in 0..ns {
                let idx1 = r.uint()?;
                let idx2 = r.uint()?;
                let thresh = r.float()?;
                level_max = level_max.max(idx1).max(idx2);
                splits.push(RawSplit { idx1, idx2, thresh });
            }
            let nl = r.len("leaves")?;
            if nl != ns + 1 {
                return Err(r.err(format!(
                    "level {level} tree {tree}: {nl} leaves for {ns} splits"
                )));
            }
            for _ in 0..nl {
                let v = r.column()?;
                let leaf: [f32; SHAPE_LEN] = v.as_slice().try_into().map_err(|_| {
                    r.err(format!(
                        "level {level} tree {tree}: leaf of {} values, expected {SHAPE_LEN}",
                        v.len()
                    ))
                })?;
                leaves.push(Leaf(leaf));
            }
        }
        forests.push((num_trees, splits_per_tree.unwrap_or(0), splits, leaves));
        max_idx.push(level_max);
    }

    // anchor_idx
    let n = r.len("anchor_idx")?;
    if n != num_levels {
        return Err(r.err(format!("{n} anchor lists for {num_levels} cascade levels")));
    }
    let mut anchors = Vec::with_capacity(n);
    for level in 0..n {
        let np = r.len("anchors")?;
        let mut a = Vec::with_capacity(np);
        for _ in 0..np {
            let v = r.uint()?;
            if v >= NUM_PARTS as u64 {
                return Err(r.err(format!("level {level}: anchor landmark {v} ≥ {NUM_PARTS}")));
            }
            a.push(v as u32);
        }
        anchors.push(a);
    }

    // deltas
    let n = r.len("deltas")?;
    if n != num_levels {
        return Err(r.err(format!("{n} delta lists for {num_levels} cascade levels")));
    }
    let mut levels = Vec::with_capacity(n);
    for (level, ((anchor, (num_trees, splits_per_tree, raw, leaves)), max_idx)) in
        anchors.into_iter().zip(forests).zip(max_idx).enumerate()
    {
        let np = r.len("deltas")?;
        if np != anchor.len() {
            return Err(r.err(format!(
                "level {level}: {np} pixel offsets for {} anchors",
                anchor.len()
            )));
        }
        if !raw.is_empty() && max_idx >= np as u64 {
            return Err(r.err(format!(
                "level {level}: a split uses feature pixel {max_idx}, the level has {np}"
            )));
        }
        if np > MAX_FEATURE_PIXELS {
            return Err(r.err(format!(
                "level {level}: {np} feature pixels, at most {MAX_FEATURE_PIXELS} are supported"
            )));
        }
        let mut deltas = Vec::with_capacity(np);
        for _ in 0..np {
            let x = r.float()?;
            let y = r.float()?;
            deltas.push([x, y]);
        }
        let lines_per_tree = splits_per_tree.div_ceil(16);
        let mut splits = vec![SplitLine([0; 16]); num_trees * lines_per_tree];
        if splits_per_tree > 0 {
            for (t, tree) in raw.chunks_exact(splits_per_tree).enumerate() {
                for (i, sp) in tree.iter().enumerate() {
                    splits[t * lines_per_tree + i / 16].0[i % 16] = pack_split(sp);
                }
            }
        }
        levels.push(Level {
            anchor,
            deltas,
            num_trees,
            depth: (splits_per_tree + 1).trailing_zeros(),
            splits_per_tree,
            lines_per_tree,
            splits,
            leaves,
        });
    }
    Ok(ShapePredictor {
        initial_shape,
        levels,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The packed integer split takes the same branch as dlib's float test for every
    /// possible difference of two grey levels.
    #[test]
    fn packed_threshold_matches_float_comparison() {
        let mut thresholds = vec![
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            -1e9,
            -300.0,
            -256.0,
            -255.5,
            -255.0,
            -0.5,
            -0.0,
            0.0,
            1e-7,
            0.5,
            1.0,
            254.9,
            255.0,
            255.5,
            1e9,
        ];
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            thresholds.push(((x >> 40) as f32 / (1u64 << 24) as f32) * 700.0 - 350.0);
        }
        let mut values = [0i32; MAX_FEATURE_PIXELS];
        values[3] = 255;
        for &thresh in &thresholds {
            let sp = pack_split(&RawSplit {
                idx1: 1,
                idx2: 2,
                thresh,
            });
            for a in 0..=255 {
                for b in [0, 1, 127, 254, 255] {
                    values[1] = a;
                    values[2] = b;
                    let want = (a - b) as f32 > thresh;
                    assert_eq!(goes_left(sp, &values), want, "thresh {thresh}, {a} − {b}");
                }
            }
        }
    }

    #[test]
    fn dlib_float_and_integer_encodings() {
        let parse = |bytes: &[u8]| {
            let mut r = Reader {
                buf: bytes,
                pos: 0,
                path: PathBuf::from("x"),
            };
            (r.float().unwrap(), r.pos)
        };
        assert_eq!(parse(&[0x01, 0x10, 0x81, 0x04]), (1.0, 4));
        assert_eq!(parse(&[0x01, 0x00, 0x01, 0x0b]), (0.0, 4));
        assert_eq!(parse(&[0x81, 0x03, 0x01, 0x00]), (-3.0, 4));
        assert!(parse(&[0x01, 0x00, 0x02, 0x02, 0x7d]).0.is_nan()); // exponent 32002
        let mut r = Reader {
            buf: &[0x02, 0x00, 0x01, 0x81, 0x04, 0x01, 0x00],
            pos: 0,
            path: PathBuf::from("x"),
        };
        assert_eq!(r.int().unwrap(), 256);
        assert_eq!(r.int().unwrap(), -4);
        assert_eq!(r.int().unwrap(), 0);
        assert!(r.int().is_err());
    }

    #[test]
    fn rounding_is_floor_plus_half() {
        let r = |x: f64| dlib_round(Point::new(x, 0.0))[0];
        assert_eq!(
            [r(2.5), r(-2.5), r(2.4999), r(-0.5), r(-0.51), r(7.0)],
            [3, -2, 2, 0, -1, 7]
        );
    }
}
