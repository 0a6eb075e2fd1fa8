//! dlib-exact face chip extraction: a bit-identical port of
//! `dlib.get_face_chip(img, shape5, size=150, padding=0.25)` (dlib 20.0.1), which is what the
//! dlib ResNet embedder was trained on, plus the same extraction driven by any detector's 5
//! landmarks on that detector's own template ([`template_chip150`], fitted per
//! [`DetectorKind`] on the reference pack by `likeness-bench`'s `fit_template`), and the
//! rectangle for dlib's shape predictor derived from those landmarks
//! ([`ChipAligner::dlib_rect_from_landmarks`]).
//!
//! The pipeline is dlib's, function by function:
//!
//! 1. [`ChipAligner::dlib_template`]: `get_face_chip_details`' 5-point template, padded.
//! 2. [`find_similarity_transform`]: least-squares similarity (Umeyama) from chip to image.
//! 3. [`ChipDetails::from_points`]: the `chip_details` constructor: angle, and a rectangle
//!    of side `size·s − 1` centred at `T(size/2, size/2)`.
//! 4. [`extract_image_chip`]: `extract_image_chip`/`extract_image_chips`: optional
//!    `pyramid_down<2>` levels, then `transform_image` with `interpolate_bilinear`.
//!
//! # The details that decide bit-exactness
//!
//! Chips are compared byte for byte, and a single ulp in the transform can flip a truncated
//! pixel, so the arithmetic follows dlib's expression templates exactly:
//!
//! * **Matrix ÷ scalar is a multiply by the reciprocal.** In dlib, `matrix / s` for floating
//!   types is `matrix_mul_scal_exp(m, 1/s)`. So the template points are
//!   `(padding + p) · (1/(2·padding+1)) · size` and the covariance is `cov · (1/n)`. But
//!   `dlib::vector::operator/=` (used for the means) and plain `double /=` (the sigmas) really
//!   divide.
//! * **Scalars percolate out of matrix products.** `c*r*mean_from` is evaluated as
//!   `(r·mean_from)·c`, not `(c·r)·mean_from`.
//! * **dlib's SVD is its own**: for these small matrices `svd3` always calls `svd4`, a C
//!   translation of the Golub–Reinsch Algol routine (Householder bidiagonalisation, implicit
//!   QR with shifts, singular values *not* sorted). It is ported here line by line, because
//!   the LAPACK answer differs in the last bits. The reflection fix-up uses `det` of 2×2
//!   matrices as `a·d − b·c` and picks the smaller of the unsorted `d(0,0)`, `d(1,1)`.
//! * **`find_affine_transform` goes through `pinv`** (`Q · pinv(P)`, with `pinv` from the same
//!   SVD, `round_zeros` at `3·eps·max(w)`, and `v·diag(1/w)·uᵀ`), not through a closed-form
//!   inverse: the three chip corners map only approximately onto the rotated rectangle.
//! * **Rectangles**: `drectangle` width is `r − l + 1`; `centered_drect` subtracts 1 from the
//!   width first; the bounding box of the rotated rectangle, grown by 2 (+2·2ᵏ+… per pyramid
//!   level: `grow = 2·grow + 2`) and clipped to the image, is converted to an integer
//!   `rectangle` with `lround`, and the whole sampling happens in that sub-image — pixels
//!   outside it count as "outside the image" (black), even if the image has them.
//! * **Pyramid depth**: starting from `rect_down(rect)`, one level per `rect_down` whose area
//!   is still larger than `rows·cols`; `rect_down` maps corners with `p/2 − (1.25, 0.75)`
//!   (not a pixel-exact mapping, but it is the one the sampling transform uses). The level
//!   chosen for the chip is recomputed on the rectangle translated into the sub-image.
//! * **`pyramid_down<2>` on RGB** (its own overload): rows filtered with [1 4 6 4 1] into
//!   `uint16` (no normalisation), output `(nc−3)/2` columns, taking source columns
//!   `2c…2c+4`; then columns filtered on rows `2, 4, …, < nr−2`, giving `(nr−3)/2` rows, and
//!   the 16-bit sum divided by 256 **truncating** (no rounding). Images with `nr ≤ 8` or
//!   `nc ≤ 8` shrink to 0×0.
//! * **Bilinear**: `floor` of the mapped point, black unless all four neighbours are inside,
//!   `(1−ty)·((1−tx)·tl + tx·tr) + ty·((1−tx)·bl + tx·br)` in double, then
//!   `static_cast<unsigned char>` (truncation) per channel.
//! * `sin`, `cos`, `atan2` come from the platform libm (glibc here, as in the reference), and
//!   `length(p)` is `sqrt(x·x + y·y)` (not `hypot`).
//!
//! * dlib-bin's `find_affine_transform` evidently does not go through LAPACK/BLAS: the plain
//!   `svd4` port of the 3×3 `pinv` reproduces every reference chip.
//!
//! Verified against the reference pack (`dlib_image_rs.jsonl`): 143 of 143 chips
//! byte-identical, faces 36–1150 px wide (87 of them through one or more pyramid levels);
//! see `tests/align_parity.rs`.
//!
//! Landmarks that are non-finite or degenerate (all identical, zero scale) give a black chip
//! rather than a panic, as do faces entirely outside the image.

use crate::detector::DetectorKind;
use crate::types::Point;
use image::RgbImage;

/// dlib's 5-point template (`get_face_chip_details`), as fractions of the unpadded chip, in
/// dlib's `shape_predictor_5_face_landmarks` order: outer and inner corner of the eye on the
/// image's right, outer and inner corner of the eye on the image's left, bottom of the nose.
pub const DLIB_TEMPLATE_UNPADDED: [Point; 5] = [
    Point::new(0.8595674595992, 0.2134981538014),
    Point::new(0.6460604764104, 0.2289674387677),
    Point::new(0.1205750620789, 0.2137274526848),
    Point::new(0.3340850613712, 0.2290642403242),
    Point::new(0.4901123135679, 0.6277975316475),
];

/// Where MTCNN's 5 landmarks sit inside dlib's 150-px chip with padding 0.25, in the
/// detectors' common order: eye on the image's left, eye on the image's right, nose tip, mouth
/// corner image-left, mouth corner image-right. The mean positions over the 68 faces of the
/// reference pack's group photos (`dlib_faces_det`), fitted when the aligner was ported
/// (`shared/MODELS.md`; `fit_template` reproduces them within 0.5 px on the `image`-crate
/// pixels). The anchor of the other detectors' templates ([`template_chip150`]).
pub const MTCNN_TEMPLATE_CHIP150: [Point; 5] = [
    Point::new(48.30, 46.52),
    Point::new(102.04, 45.94),
    Point::new(74.37, 77.80),
    Point::new(50.98, 104.45),
    Point::new(101.22, 103.76),
];

/// YuNet 2023mar's landmarks inside dlib's 150/0.25 chip (same order as
/// [`MTCNN_TEMPLATE_CHIP150`]): its mouth corners lie 1.8 and 2.1 px further in than MTCNN's,
/// its nose 0.8 px lower.
/// Fit and residuals in [`template_chip150`].
pub const YUNET_TEMPLATE_CHIP150: [Point; 5] = [
    Point::new(48.37, 46.78),
    Point::new(102.20, 46.51),
    Point::new(74.44, 78.55),
    Point::new(52.79, 103.73),
    Point::new(99.15, 103.95),
];

/// CenterFace's landmarks inside dlib's 150/0.25 chip: its eyes lie lower than MTCNN's (2.6 px
/// image-left, 1.3 px image-right) and 2.6 px further apart, its nose 1.8 px lower.
/// Fit and residuals in [`template_chip150`].
pub const CENTERFACE_TEMPLATE_CHIP150: [Point; 5] = [
    Point::new(47.41, 49.14),
    Point::new(103.71, 47.25),
    Point::new(74.56, 79.60),
    Point::new(52.30, 104.77),
    Point::new(100.48, 102.95),
];

/// RetinaFace-mnet0.25's landmarks inside dlib's 150/0.25 chip: its mouth corners lie 1.5 and
/// 1.8 px further in and 1.2 px higher than MTCNN's. Fit and residuals in [`template_chip150`].
pub const RETINAFACE_TEMPLATE_CHIP150: [Point; 5] = [
    Point::new(48.34, 47.24),
    Point::new(101.92, 46.31),
    Point::new(73.98, 77.79),
    Point::new(52.50, 103.25),
    Point::new(99.45, 102.57),
];

/// The chip template of `kind`'s landmarks: where that detector's 5 points sit, on average,
/// inside the chip dlib cuts from its own 5 landmarks (150 px, padding 0.25). The pipeline's
/// default alignment puts the running detector's landmarks on its own template
/// ([`ChipAligner::chip_from_landmarks`]).
///
/// **Fit** (reference pack, never LFW; `cargo run --release -p likeness-bench --bin
/// fit_template -- --cpu` prints the tables and these constants): every detector runs through
/// the pipeline's detection route on the `image`-crate pixels (score cut 0.5 for the
/// single-shot detectors) and is paired with dlib's faces of `dlib_image_rs.jsonl` (each box's
/// centre inside the other; 142 of 143 faces for every detector). Its landmarks are mapped into
/// that face's dlib chip frame by dlib's own chip transform (the similarity from
/// [`ChipAligner::dlib_template`] to dlib's landmarks). MTCNN keeps
/// [`MTCNN_TEMPLATE_CHIP150`]; each other detector's template is MTCNN's moved by the mean,
/// over the same faces, of its landmark minus MTCNN's landmark in that frame.
///
/// **Why relative to MTCNN's**: where a landmark falls in dlib's chip depends on the faces
/// more than on the detector. MTCNN's mouth corners lie about 3 px higher on the pack's portraits
/// (`deepface_testset`) than on its group photos, more than any detector's largest shift from
/// MTCNN's (YuNet 2.1, CenterFace 2.8, RetinaFace 2.1 px). Per-face differences between two
/// detectors cancel pose, expression and image set: their scatter around the mean shift is a
/// median 2.9–4.0 px, so each shift is known to about ±0.4 px. Templates fitted as plain means
/// over all 142 faces scored lower on LFW (MTCNN 98.92 % against 99.03 % with its own
/// template; RetinaFace 98.87, CenterFace 98.80, YuNet 98.83 %).
///
/// **Residuals** (150-px chip): a landmark around its all-faces mean, median 3.2–4.2 px, 90 %
/// 8.3–10.3 px; the chips these templates give lie a median 3.5 (MTCNN), 4.9 (YuNet), 5.2
/// (CenterFace), 4.5 px (RetinaFace) from dlib's own chip (mean displacement over the face
/// square), their descriptors a median 0.137 / 0.160 / 0.168 / 0.156 from dlib's own.
///
/// **LFW** (`lfw --cpu --align mtcnn`, 10-fold, bench/README.md): MTCNN 99.03 % (unchanged),
/// YuNet@0.5 98.88 % (98.77 % on MTCNN's template), CenterFace 98.92 % (98.90 %), RetinaFace
/// 98.95 % (98.97 %): all within the benchmark's noise (±0.1 point is 6 of 6,000 pairs).
pub fn template_chip150(kind: DetectorKind) -> [Point; 5] {
    match kind {
        DetectorKind::Mtcnn => MTCNN_TEMPLATE_CHIP150,
        DetectorKind::Yunet => YUNET_TEMPLATE_CHIP150,
        DetectorKind::Centerface => CENTERFACE_TEMPLATE_CHIP150,
        DetectorKind::Retinaface => RETINAFACE_TEMPLATE_CHIP150,
    }
}

/// A square in a 150-px chip frame (padding 0.25): centre and side (dlib's inclusive width,
/// `r − l + 1`), in chip pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChipRect {
    pub cx: f64,
    pub cy: f64,
    pub side: f64,
}

impl ChipRect {
    pub const fn new(cx: f64, cy: f64, side: f64) -> Self {
        Self { cx, cy, side }
    }
}

/// Where dlib's HOG detector puts its face rectangle (untrimmed) in the chip frame of MTCNN's
/// landmarks on [`MTCNN_TEMPLATE_CHIP150`]; fit and residuals in [`dlib_rect_chip150`].
pub const MTCNN_DLIB_RECT_CHIP150: ChipRect = ChipRect::new(73.70, 73.40, 132.17);
/// The same for YuNet's landmarks on [`YUNET_TEMPLATE_CHIP150`].
pub const YUNET_DLIB_RECT_CHIP150: ChipRect = ChipRect::new(73.62, 73.34, 132.06);
/// The same for CenterFace's landmarks on [`CENTERFACE_TEMPLATE_CHIP150`].
pub const CENTERFACE_DLIB_RECT_CHIP150: ChipRect = ChipRect::new(73.56, 73.52, 132.82);
/// The same for RetinaFace's landmarks on [`RETINAFACE_TEMPLATE_CHIP150`].
pub const RETINAFACE_DLIB_RECT_CHIP150: ChipRect = ChipRect::new(73.72, 73.33, 132.25);

/// dlib's HOG face rectangle (the box the 5-point shape predictor was trained in) in the
/// chip frame of `kind`'s landmarks on `kind`'s template: [`ChipAligner::dlib_rect_from_landmarks`]
/// maps it into the image, rotating with the face but staying upright like dlib's boxes.
///
/// Fitted with the templates on the same paired faces (`fit_template`): dlib's untrimmed box
/// (`box_raw_ltrb`) mapped into the chip frame that the detector's landmarks give on its
/// template; centre and side averaged. It replaces, for the pipeline's shape-predictor
/// alignment, [`crate::landmarks::dlib_rect_from_mtcnn`] (fitted on MTCNN's boxes only; other
/// detectors' boxes are drawn differently).
///
/// **Residuals** (|fitted − dlib| / dlib side, median / 90 %, 142 faces each): centre x
/// 0.025–0.030 / 0.060–0.067, centre y 0.028–0.030 / 0.068–0.075, side 0.070–0.078 /
/// 0.160–0.189 over the four detectors; `dlib_rect_from_mtcnn` on MTCNN's boxes: 0.039 /
/// 0.105, 0.038 / 0.081, 0.069 / 0.128 (the same box model refitted per detector: centre x
/// 0.041–0.049 / 0.098–0.110). **Descriptors** of the chips the shape predictor then gives,
/// against dlib's own: median 0.044–0.048, 90 % 0.088–0.106, max 0.217–0.308; with
/// `dlib_rect_from_mtcnn` on each detector's box the tails were longer (max 0.234 MTCNN,
/// 0.50–0.82 for the others). **LFW** (`lfw --cpu --align shape-predictor`): MTCNN 98.98 %, YuNet@0.5
/// 98.83 %, CenterFace 98.95 %, RetinaFace 98.87 % (from the MTCNN-box fit: 98.90, 98.80, –,
/// 98.87 %).
pub fn dlib_rect_chip150(kind: DetectorKind) -> ChipRect {
    match kind {
        DetectorKind::Mtcnn => MTCNN_DLIB_RECT_CHIP150,
        DetectorKind::Yunet => YUNET_DLIB_RECT_CHIP150,
        DetectorKind::Centerface => CENTERFACE_DLIB_RECT_CHIP150,
        DetectorKind::Retinaface => RETINAFACE_DLIB_RECT_CHIP150,
    }
}

/// Chip size and padding of `dlib.get_face_chip`; `Default` is the embedder's 150 / 0.25.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChipAligner {
    pub size: u32,
    pub padding: f64,
}

impl Default for ChipAligner {
    fn default() -> Self {
        Self {
            size: 150,
            padding: 0.25,
        }
    }
}

impl ChipAligner {
    /// dlib's template in chip pixel coordinates, computed as `get_face_chip_details` does:
    /// `((padding + p) · (1/(2·padding + 1))) · size`.
    pub fn dlib_template(&self) -> [Point; 5] {
        let inv = 1.0 / (2.0 * self.padding + 1.0);
        let size = f64::from(self.size);
        DLIB_TEMPLATE_UNPADDED.map(|p| {
            Point::new(
                ((self.padding + p.x) * inv) * size,
                ((self.padding + p.y) * inv) * size,
            )
        })
    }

    /// `kind`'s template ([`template_chip150`]) in this aligner's chip pixel coordinates:
    /// exactly the constants for 150 / 0.25; other sizes and paddings are converted through
    /// the unpadded frame.
    pub fn template_for(&self, kind: DetectorKind) -> [Point; 5] {
        let chip150 = template_chip150(kind);
        if self.size == 150 && self.padding == 0.25 {
            return chip150;
        }
        let size = f64::from(self.size);
        let denom = 2.0 * self.padding + 1.0;
        chip150.map(|p| {
            // unpadded fraction f = p/150·1.5 − 0.25, then re-padded like dlib's template.
            let fx = p.x / 150.0 * 1.5 - 0.25;
            let fy = p.y / 150.0 * 1.5 - 0.25;
            Point::new(
                (self.padding + fx) / denom * size,
                (self.padding + fy) / denom * size,
            )
        })
    }

    /// The MTCNN template in chip pixel coordinates (`template_for(DetectorKind::Mtcnn)`).
    pub fn mtcnn_template(&self) -> [Point; 5] {
        self.template_for(DetectorKind::Mtcnn)
    }

    /// `get_face_chip_details` for arbitrary template points (chip coordinates) and the
    /// matching image points.
    pub fn chip_details(&self, template: &[Point], landmarks: &[Point]) -> ChipDetails {
        ChipDetails::from_points(template, landmarks, self.size, self.size)
    }

    /// `dlib.get_face_chip(image, shape5, size, padding)` for dlib's 5 landmarks (in
    /// `shape_predictor_5_face_landmarks` order). Bit-identical to dlib.
    pub fn chip_from_dlib_landmarks(&self, image: &RgbImage, landmarks: &[Point; 5]) -> RgbImage {
        let details = self.chip_details(&self.dlib_template(), landmarks);
        extract_image_chip(image, &details)
    }

    /// The chip of a face found by `kind`: its 5 landmarks (the detectors' common order)
    /// aligned by least squares to that detector's template ([`Self::template_for`]), then
    /// dlib's extraction.
    pub fn chip_from_landmarks(
        &self,
        image: &RgbImage,
        landmarks: &[Point; 5],
        kind: DetectorKind,
    ) -> RgbImage {
        self.chip_with_template(image, &self.template_for(kind), landmarks)
    }

    /// The chip extraction for any template (chip coordinates) and the matching image points.
    pub fn chip_with_template(
        &self,
        image: &RgbImage,
        template: &[Point],
        landmarks: &[Point],
    ) -> RgbImage {
        let details = self.chip_details(template, landmarks);
        extract_image_chip(image, &details)
    }

    /// The rectangle dlib's HOG detector would most likely have drawn around the face whose
    /// landmarks `kind` found: [`dlib_rect_chip150`] through the similarity from `kind`'s
    /// 150-px template to the landmarks (centre mapped, side scaled; upright, not rounded).
    /// For [`crate::landmarks::ShapePredictor::predict`].
    pub fn dlib_rect_from_landmarks(&self, landmarks: &[Point; 5], kind: DetectorKind) -> DRect {
        let rect = dlib_rect_chip150(kind);
        let tform = find_similarity_transform(&template_chip150(kind), landmarks);
        let centre = tform.apply(Point::new(rect.cx, rect.cy));
        let scale = (tform.m[0][0] * tform.m[0][0] + tform.m[1][0] * tform.m[1][0]).sqrt();
        // dlib width = r − l + 1.
        let half = (rect.side * scale - 1.0) / 2.0;
        DRect {
            l: centre.x - half,
            t: centre.y - half,
            r: centre.x + half,
            b: centre.y + half,
        }
    }

    /// MTCNN's 5 landmarks aligned to [`MTCNN_TEMPLATE_CHIP150`]
    /// (`chip_from_landmarks(image, landmarks, DetectorKind::Mtcnn)`).
    pub fn chip_from_mtcnn_landmarks(&self, image: &RgbImage, landmarks: &[Point; 5]) -> RgbImage {
        self.chip_from_landmarks(image, landmarks, DetectorKind::Mtcnn)
    }
}

// ---------------------------------------------------------------------------------------------
// Geometry

/// dlib's `drectangle`: inclusive bounds, `width = r − l + 1`, empty when `t > b || l > r`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DRect {
    pub l: f64,
    pub t: f64,
    pub r: f64,
    pub b: f64,
}

impl DRect {
    const EMPTY: DRect = DRect {
        l: 0.0,
        t: 0.0,
        r: -1.0,
        b: -1.0,
    };

    pub fn is_empty(&self) -> bool {
        self.t > self.b || self.l > self.r
    }
    pub fn width(&self) -> f64 {
        if self.is_empty() {
            0.0
        } else {
            self.r - self.l + 1.0
        }
    }
    pub fn height(&self) -> f64 {
        if self.is_empty() {
            0.0
        } else {
            self.b - self.t + 1.0
        }
    }
    pub fn area(&self) -> f64 {
        self.width() * self.height()
    }
    pub fn center(&self) -> Point {
        Point::new((self.l + self.r) / 2.0, (self.t + self.b) / 2.0)
    }
    fn tl(&self) -> Point {
        Point::new(self.l, self.t)
    }
    fn tr(&self) -> Point {
        Point::new(self.r, self.t)
    }
    fn bl(&self) -> Point {
        Point::new(self.l, self.b)
    }
    fn br(&self) -> Point {
        Point::new(self.r, self.b)
    }
    /// `drectangle + drectangle(p)`.
    fn add_point(self, p: Point) -> DRect {
        let pr = DRect {
            l: p.x,
            t: p.y,
            r: p.x,
            b: p.y,
        };
        if pr.is_empty() {
            self
        } else if self.is_empty() {
            pr
        } else {
            DRect {
                l: self.l.min(p.x),
                t: self.t.min(p.y),
                r: self.r.max(p.x),
                b: self.b.max(p.y),
            }
        }
    }
    fn intersect(&self, o: &DRect) -> DRect {
        DRect {
            l: self.l.max(o.l),
            t: self.t.max(o.t),
            r: self.r.min(o.r),
            b: self.b.min(o.b),
        }
    }
    fn grow(&self, n: f64) -> DRect {
        DRect {
            l: self.l - n,
            t: self.t - n,
            r: self.r + n,
            b: self.b + n,
        }
    }
    fn translate(&self, dx: f64, dy: f64) -> DRect {
        DRect {
            l: self.l + dx,
            t: self.t + dy,
            r: self.r + dx,
            b: self.b + dy,
        }
    }
    /// `pyramid_down<2>::rect_down`: both corners through `p/2 − (1.25, 0.75)`.
    fn rect_down(&self) -> DRect {
        DRect {
            l: self.l / 2.0 - 1.25,
            t: self.t / 2.0 - 0.75,
            r: self.r / 2.0 - 1.25,
            b: self.b / 2.0 - 0.75,
        }
    }
    /// `operator rectangle()`: every side through `std::lround`.
    fn to_irect(self) -> IRect {
        IRect {
            l: lround(self.l),
            t: lround(self.t),
            r: lround(self.r),
            b: lround(self.b),
        }
    }
    fn is_finite(&self) -> bool {
        self.l.is_finite() && self.t.is_finite() && self.r.is_finite() && self.b.is_finite()
    }
}

/// dlib's integer `rectangle` (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct IRect {
    l: i64,
    t: i64,
    r: i64,
    b: i64,
}

impl IRect {
    const EMPTY: IRect = IRect {
        l: 0,
        t: 0,
        r: -1,
        b: -1,
    };
    fn is_empty(&self) -> bool {
        self.t > self.b || self.l > self.r
    }
    fn intersect(&self, o: &IRect) -> IRect {
        IRect {
            l: self.l.max(o.l),
            t: self.t.max(o.t),
            r: self.r.min(o.r),
            b: self.b.min(o.b),
        }
    }
    fn width(&self) -> i64 {
        if self.is_empty() {
            0
        } else {
            self.r - self.l + 1
        }
    }
    fn height(&self) -> i64 {
        if self.is_empty() {
            0
        } else {
            self.b - self.t + 1
        }
    }
}

fn lround(v: f64) -> i64 {
    // std::lround: half away from zero. Out-of-range values saturate (UB in C++).
    v.round() as i64
}

/// dlib's `point_transform_affine`: `p ↦ m·p + b`, evaluated as
/// `(m00·x + m01·y) + b0` like dlib's expression templates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AffineTransform {
    pub m: [[f64; 2]; 2],
    pub b: [f64; 2],
}

impl AffineTransform {
    pub fn apply(&self, p: Point) -> Point {
        Point::new(
            (self.m[0][0] * p.x + self.m[0][1] * p.y) + self.b[0],
            (self.m[1][0] * p.x + self.m[1][1] * p.y) + self.b[1],
        )
    }
}

/// `rotate_point(center, p, angle)` with a precomputed `point_rotator`.
#[derive(Clone, Copy)]
struct Rotator {
    sin: f64,
    cos: f64,
}

impl Rotator {
    fn new(angle: f64) -> Self {
        Self {
            sin: angle.sin(),
            cos: angle.cos(),
        }
    }
    fn rotate(&self, center: Point, p: Point) -> Point {
        let dx = p.x - center.x;
        let dy = p.y - center.y;
        let x = self.cos * dx - self.sin * dy;
        let y = self.sin * dx + self.cos * dy;
        Point::new(x + center.x, y + center.y)
    }
}

// ---------------------------------------------------------------------------------------------
// Linear algebra (dlib's svd4 / pinv / similarity)

/// dlib's `svd4(SVD_SKINNY_U, true, a, u, q, v)` for an `M×N` matrix with `M ≥ N`
/// (Golub–Reinsch, translated from the Algol original; singular values are not sorted).
/// Returns `(u, q, v)` with `a = u · diag(q) · vᵀ`. When it fails to converge within 300
/// iterations dlib returns an error code that its callers ignore; so do we (partial result).
fn svd4<const M: usize, const N: usize>(
    a: &[[f64; N]; M],
) -> ([[f64; N]; M], [f64; N], [[f64; N]; N]) {
    let m = M;
    let n = N;
    let mut eps = f64::EPSILON;
    let tol = f64::MIN_POSITIVE / eps;

    let mut e = [0.0f64; N];
    let mut q = [0.0f64; N];
    let mut u = *a;
    let mut v = [[0.0f64; N]; N];

    let (mut c, mut f, mut g, mut h, mut s, mut x, mut y, mut z): (
        f64,
        f64,
        f64,
        f64,
        f64,
        f64,
        f64,
        f64,
    );
    let mut l: usize = 0;

    // Householder's reduction to bidiagonal form.
    g = 0.0;
    x = 0.0;
    for i in 0..n {
        e[i] = g;
        s = 0.0;
        l = i + 1;
        for j in i..m {
            s += u[j][i] * u[j][i];
        }
        if s < tol {
            g = 0.0;
        } else {
            f = u[i][i];
            g = if f < 0.0 { s.sqrt() } else { -s.sqrt() };
            h = f * g - s;
            u[i][i] = f - g;
            for j in l..n {
                s = 0.0;
                for k in i..m {
                    s += u[k][i] * u[k][j];
                }
                f = s / h;
                for k in i..m {
                    u[k][j] += f * u[k][i];
                }
            }
        }
        q[i] = g;
        s = 0.0;
        for j in l..n {
            s += u[i][j] * u[i][j];
        }
        if s < tol {
            g = 0.0;
        } else {
            f = u[i][i + 1];
            g = if f < 0.0 { s.sqrt() } else { -s.sqrt() };
            h = f * g - s;
            u[i][i + 1] = f - g;
            for j in l..n {
                e[j] = u[i][j] / h;
            }
            for j in l..m {
                s = 0.0;
                for k in l..n {
                    s += u[j][k] * u[i][k];
                }
                for k in l..n {
                    u[j][k] += s * e[k];
                }
            }
        }
        y = q[i].abs() + e[i].abs();
        if y > x {
            x = y;
        }
    }

    // Accumulation of right-hand transformations.
    for i in (0..n).rev() {
        if g != 0.0 && i + 1 < n {
            h = u[i][i + 1] * g;
            for j in l..n {
                v[j][i] = u[i][j] / h;
            }
            for j in l..n {
                s = 0.0;
                for k in l..n {
                    s += u[i][k] * v[k][j];
                }
                for k in l..n {
                    v[k][j] += s * v[k][i];
                }
            }
        }
        for j in l..n {
            v[i][j] = 0.0;
            v[j][i] = 0.0;
        }
        v[i][i] = 1.0;
        g = e[i];
        l = i;
    }

    // Accumulation of left-hand transformations (skinny U: nothing to pad).
    for i in (0..n).rev() {
        l = i + 1;
        g = q[i];
        for j in l..n {
            u[i][j] = 0.0;
        }
        if g != 0.0 {
            h = u[i][i] * g;
            for j in l..n {
                s = 0.0;
                for k in l..m {
                    s += u[k][i] * u[k][j];
                }
                f = s / h;
                for k in i..m {
                    u[k][j] += f * u[k][i];
                }
            }
            for j in i..m {
                u[j][i] /= g;
            }
        } else {
            for j in i..m {
                u[j][i] = 0.0;
            }
        }
        u[i][i] += 1.0;
    }

    // Diagonalization of the bidiagonal form.
    eps *= x;
    'k_loop: for k in (0..n).rev() {
        let mut iter = 0;
        loop {
            // test_f_splitting
            let mut ll = k;
            let mut cancel = false;
            loop {
                if e[ll].abs() <= eps {
                    break;
                }
                if ll == 0 {
                    // dlib would read q(-1) here; e(0) is always 0, so this is unreachable
                    // for finite input. Treat as converged.
                    break;
                }
                if q[ll - 1].abs() <= eps {
                    cancel = true;
                    break;
                }
                ll -= 1;
            }
            l = ll;
            if cancel {
                // cancellation of e(l) if l > 0
                c = 0.0;
                s = 1.0;
                let l1 = l - 1;
                for i in l..=k {
                    f = s * e[i];
                    e[i] *= c;
                    if f.abs() <= eps {
                        break;
                    }
                    g = q[i];
                    h = (f * f + g * g).sqrt();
                    q[i] = h;
                    c = g / h;
                    s = -f / h;
                    for j in 0..m {
                        y = u[j][l1];
                        z = u[j][i];
                        u[j][l1] = y * c + z * s;
                        u[j][i] = -y * s + z * c;
                    }
                }
            }
            // test_f_convergence
            z = q[k];
            if l == k {
                // convergence
                if z < 0.0 {
                    q[k] = -z;
                    for j in 0..n {
                        v[j][k] = -v[j][k];
                    }
                }
                break;
            }
            // shift from bottom 2x2 minor
            iter += 1;
            if iter > 300 {
                break 'k_loop;
            }
            x = q[l];
            y = q[k - 1];
            g = e[k - 1];
            h = e[k];
            f = ((y - z) * (y + z) + (g - h) * (g + h)) / (2.0 * h * y);
            g = (f * f + 1.0).sqrt();
            f = ((x - z) * (x + z) + h * (y / (if f < 0.0 { f - g } else { f + g }) - h)) / x;

            // next QR transformation
            c = 1.0;
            s = 1.0;
            for i in (l + 1)..=k {
                g = e[i];
                y = q[i];
                h = s * g;
                g *= c;
                z = (f * f + h * h).sqrt();
                e[i - 1] = z;
                c = f / z;
                s = h / z;
                f = x * c + g * s;
                g = -x * s + g * c;
                h = y * s;
                y *= c;
                for j in 0..n {
                    x = v[j][i - 1];
                    z = v[j][i];
                    v[j][i - 1] = x * c + z * s;
                    v[j][i] = -x * s + z * c;
                }
                z = (f * f + h * h).sqrt();
                q[i - 1] = z;
                if z != 0.0 {
                    c = f / z;
                    s = h / z;
                }
                f = c * g + s * y;
                x = -s * g + c * y;
                for j in 0..m {
                    y = u[j][i - 1];
                    z = u[j][i];
                    u[j][i - 1] = y * c + z * s;
                    u[j][i] = -y * s + z * c;
                }
            }
            e[l] = 0.0;
            e[k] = f;
            q[k] = x;
        }
    }
    (u, q, v)
}

/// dlib's `find_similarity_transform(from, to)` (Umeyama, eqs. 34–43), with dlib's order of
/// floating-point operations. Uses the first `min(from.len(), to.len())` pairs; with none it
/// returns the identity.
pub fn find_similarity_transform(from: &[Point], to: &[Point]) -> AffineTransform {
    let n = from.len().min(to.len());
    if n == 0 {
        return AffineTransform {
            m: [[1.0, 0.0], [0.0, 1.0]],
            b: [0.0, 0.0],
        };
    }
    let nf = n as f64;
    let (from, to) = (&from[..n], &to[..n]);

    let mut mean_from = Point::default();
    let mut mean_to = Point::default();
    for i in 0..n {
        mean_from.x += from[i].x;
        mean_from.y += from[i].y;
        mean_to.x += to[i].x;
        mean_to.y += to[i].y;
    }
    // dlib::vector::operator/= divides.
    mean_from.x /= nf;
    mean_from.y /= nf;
    mean_to.x /= nf;
    mean_to.y /= nf;

    let mut sigma_from = 0.0f64;
    let mut sigma_to = 0.0f64;
    let mut cov = [[0.0f64; 2]; 2];
    for i in 0..n {
        let df = (from[i].x - mean_from.x, from[i].y - mean_from.y);
        let dt = (to[i].x - mean_to.x, to[i].y - mean_to.y);
        sigma_from += df.0 * df.0 + df.1 * df.1;
        sigma_to += dt.0 * dt.0 + dt.1 * dt.1;
        cov[0][0] += dt.0 * df.0;
        cov[0][1] += dt.0 * df.1;
        cov[1][0] += dt.1 * df.0;
        cov[1][1] += dt.1 * df.1;
    }
    sigma_from /= nf;
    // sigma_to is computed by dlib but unused.
    let _ = sigma_to / nf;
    // matrix /= scalar is a multiply by the reciprocal in dlib.
    let inv_n = 1.0 / nf;
    for row in cov.iter_mut() {
        for v in row.iter_mut() {
            *v *= inv_n;
        }
    }

    let (u, w, v) = svd4::<2, 2>(&cov);
    let det2 = |a: &[[f64; 2]; 2]| a[0][0] * a[1][1] - a[0][1] * a[1][0];
    let mut s = [1.0f64, 1.0f64]; // diagonal of s
    let dc = det2(&cov);
    if dc < 0.0 || (dc == 0.0 && det2(&u) * det2(&v) < 0.0) {
        if w[1] < w[0] {
            s[1] = -1.0;
        } else {
            s[0] = -1.0;
        }
    }

    // r = u*s*trans(v); with s diagonal ±1, (u*s)(i,k) = u(i,0)*s(0,k) + u(i,1)*s(1,k).
    let sm = [[s[0], 0.0], [0.0, s[1]]];
    let mut us = [[0.0f64; 2]; 2];
    for i in 0..2 {
        for k in 0..2 {
            us[i][k] = u[i][0] * sm[0][k] + u[i][1] * sm[1][k];
        }
    }
    let mut r = [[0.0f64; 2]; 2];
    for i in 0..2 {
        for j in 0..2 {
            r[i][j] = us[i][0] * v[j][0] + us[i][1] * v[j][1];
        }
    }

    let mut c = 1.0f64;
    if sigma_from != 0.0 {
        // trace(d*s) = sum of the diagonal of the product, starting from 0.
        let ds00 = w[0] * sm[0][0] + 0.0 * sm[1][0];
        let ds11 = 0.0 * sm[0][1] + w[1] * sm[1][1];
        let trace = 0.0 + ds00 + ds11;
        c = 1.0 / sigma_from * trace;
    }
    // t = mean_to - c*r*mean_from, evaluated as mean_to - (r*mean_from)*c.
    let rm0 = r[0][0] * mean_from.x + r[0][1] * mean_from.y;
    let rm1 = r[1][0] * mean_from.x + r[1][1] * mean_from.y;
    let t = [mean_to.x - rm0 * c, mean_to.y - rm1 * c];
    AffineTransform {
        m: [[r[0][0] * c, r[0][1] * c], [r[1][0] * c, r[1][1] * c]],
        b: t,
    }
}

/// dlib's `pinv` of a 3×3 matrix: `v · diag(1/round_zeros(w, 3·eps·max w)) · uᵀ`.
fn pinv3(p: &[[f64; 3]; 3]) -> [[f64; 3]; 3] {
    let (u, w, v) = svd4::<3, 3>(p);
    let mut maxw = w[0];
    for &x in &w[1..] {
        if x > maxw {
            maxw = x;
        }
    }
    let eps = f64::EPSILON * 3.0 * maxw;
    let mut rw = [0.0f64; 3];
    for i in 0..3 {
        let z = if w[i] >= eps || w[i] <= -eps {
            w[i]
        } else {
            0.0
        };
        rw[i] = if z != 0.0 { 1.0 / z } else { 0.0 };
    }
    let mut vs = [[0.0f64; 3]; 3];
    for r in 0..3 {
        for c in 0..3 {
            vs[r][c] = v[r][c] * rw[c];
        }
    }
    let mut out = [[0.0f64; 3]; 3];
    for r in 0..3 {
        for c in 0..3 {
            let mut acc = vs[r][0] * u[c][0];
            acc += vs[r][1] * u[c][1];
            acc += vs[r][2] * u[c][2];
            out[r][c] = acc;
        }
    }
    out
}

/// dlib's `find_affine_transform(from, to)` for exactly three point pairs: `Q · pinv(P)`.
pub fn find_affine_transform(from: &[Point; 3], to: &[Point; 3]) -> AffineTransform {
    let p = [
        [from[0].x, from[1].x, from[2].x],
        [from[0].y, from[1].y, from[2].y],
        [1.0, 1.0, 1.0],
    ];
    let q = [[to[0].x, to[1].x, to[2].x], [to[0].y, to[1].y, to[2].y]];
    let pi = pinv3(&p);
    let mut m = [[0.0f64; 3]; 2];
    for r in 0..2 {
        for c in 0..3 {
            let mut acc = q[r][0] * pi[0][c];
            acc += q[r][1] * pi[1][c];
            acc += q[r][2] * pi[2][c];
            m[r][c] = acc;
        }
    }
    AffineTransform {
        m: [[m[0][0], m[0][1]], [m[1][0], m[1][1]]],
        b: [m[0][2], m[1][2]],
    }
}

// ---------------------------------------------------------------------------------------------
// chip_details

/// dlib's `chip_details`: where in the image a `rows×cols` chip comes from (a rectangle,
/// rotated by `angle` about its centre).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChipDetails {
    pub rect: DRect,
    pub angle: f64,
    pub rows: u32,
    pub cols: u32,
}

impl ChipDetails {
    /// The `chip_details(chip_points, img_points, dims)` constructor: a similarity transform
    /// from chip to image; the angle of `m·(1,0)`, the scale `|m·(1,0)|`, and a rectangle of
    /// size `cols·s × rows·s` (minus one, `centered_drect`) centred at `T(cols/2, rows/2)`.
    pub fn from_points(chip_points: &[Point], img_points: &[Point], rows: u32, cols: u32) -> Self {
        let tform = find_similarity_transform(chip_points, img_points);
        let px = tform.m[0][0] * 1.0 + tform.m[0][1] * 0.0;
        let py = tform.m[1][0] * 1.0 + tform.m[1][1] * 0.0;
        let angle = py.atan2(px);
        let scale = (px * px + py * py).sqrt();
        let center = tform.apply(Point::new(f64::from(cols) / 2.0, f64::from(rows) / 2.0));
        let width = f64::from(cols) * scale - 1.0;
        let height = f64::from(rows) * scale - 1.0;
        let rect = DRect {
            l: center.x - width / 2.0,
            t: center.y - height / 2.0,
            r: center.x + width / 2.0,
            b: center.y + height / 2.0,
        };
        Self {
            rect,
            angle,
            rows,
            cols,
        }
    }

    /// `rows·cols`, dlib's `chip_details::size()`.
    pub fn size(&self) -> f64 {
        f64::from(self.rows) * f64::from(self.cols)
    }
}

// ---------------------------------------------------------------------------------------------
// Images

/// A borrowed RGB image region (3 bytes per pixel, `stride` bytes per row).
#[derive(Clone, Copy)]
struct View<'a> {
    data: &'a [u8],
    offset: usize,
    stride: usize,
    w: usize,
    h: usize,
}

impl View<'_> {
    #[inline]
    fn idx(&self, r: usize, c: usize) -> usize {
        self.offset + r * self.stride + c * 3
    }
}

/// An owned RGB pyramid level.
struct Level {
    data: Vec<u8>,
    w: usize,
    h: usize,
}

impl Level {
    fn view(&self) -> View<'_> {
        View {
            data: &self.data,
            offset: 0,
            stride: self.w * 3,
            w: self.w,
            h: self.h,
        }
    }
}

/// dlib's `pyramid_down<2>` RGB→RGB overload, bit-exact.
///
/// dlib filters rows first ([1 4 6 4 1] over source columns `2c..2c+4`, into `uint16`), then
/// columns (rows `2dr..2dr+4`), and divides the 16-bit sum by 256, truncating. The sums are
/// exact integers (at most 16·16·255 = 65280, no wrap), so doing the column pass first gives
/// the same bytes and lets the compiler vectorise the wide pass.
fn pyramid_down2(src: View<'_>, vbuf: &mut Vec<u16>) -> Level {
    let (nr, nc) = (src.h, src.w);
    if nr <= 8 || nc <= 8 {
        return Level {
            data: Vec::new(),
            w: 0,
            h: 0,
        };
    }
    let tw = (nc - 3) / 2;
    let dh = (nr - 3) / 2;
    let rw = nc * 3;
    vbuf.clear();
    vbuf.resize(rw, 0);
    let mut data = vec![0u8; dh * tw * 3];
    for dr in 0..dh {
        let r = 2 * dr + 2;
        let row = |k: usize| {
            let i = src.idx(k, 0);
            &src.data[i..i + rw]
        };
        let (a, b, c, d, e) = (row(r - 2), row(r - 1), row(r), row(r + 1), row(r + 2));
        for i in 0..rw {
            vbuf[i] = u16::from(a[i])
                + u16::from(b[i]) * 4
                + u16::from(c[i]) * 6
                + u16::from(d[i]) * 4
                + u16::from(e[i]);
        }
        let out = &mut data[dr * tw * 3..(dr + 1) * tw * 3];
        for (col, px) in out.chunks_exact_mut(3).enumerate() {
            let o = col * 6;
            for (ch, dst) in px.iter_mut().enumerate() {
                let j = o + ch;
                let sum = u32::from(vbuf[j])
                    + u32::from(vbuf[j + 3]) * 4
                    + u32::from(vbuf[j + 6]) * 6
                    + u32::from(vbuf[j + 9]) * 4
                    + u32::from(vbuf[j + 12]);
                *dst = (sum / 256) as u8;
            }
        }
    }
    Level { data, w: tw, h: dh }
}

/// dlib's `transform_image(src, chip, interpolate_bilinear(), tform)` with a black background.
fn transform_bilinear(
    src: View<'_>,
    tform: &AffineTransform,
    rows: usize,
    cols: usize,
    out: &mut [u8],
) {
    let (nr, nc) = (src.h as i64, src.w as i64);
    let [[m00, m01], [m10, m11]] = tform.m;
    let [b0, b1] = tform.b;
    for r in 0..rows {
        let rf = r as f64;
        for c in 0..cols {
            let cf = c as f64;
            let px = (m00 * cf + m01 * rf) + b0;
            let py = (m10 * cf + m11 * rf) + b1;
            let left = floor_i64(px);
            let top = floor_i64(py);
            let right = left + 1;
            let bottom = top + 1;
            let o = (r * cols + c) * 3;
            let dst = &mut out[o..o + 3];
            if !(left >= 0 && top >= 0 && right < nc && bottom < nr) {
                dst.fill(0);
                continue;
            }
            let lr = px - left as f64;
            let tb = py - top as f64;
            let (ilr, itb) = (1.0 - lr, 1.0 - tb);
            let itl = src.idx(top as usize, left as usize);
            let ibl = src.idx(bottom as usize, left as usize);
            let t = &src.data[itl..itl + 6];
            let b = &src.data[ibl..ibl + 6];
            for ch in 0..3 {
                let tl = f64::from(t[ch]);
                let tr = f64::from(t[ch + 3]);
                let bl = f64::from(b[ch]);
                let br = f64::from(b[ch + 3]);
                let v = itb * (ilr * tl + lr * tr) + tb * (ilr * bl + lr * br);
                dst[ch] = v as u8;
            }
        }
    }
}

/// `static_cast<long>(std::floor(v))` without a libm call: truncate, then step down when the
/// truncation went up. Identical for every finite `v` in `i64` range.
#[inline]
fn floor_i64(v: f64) -> i64 {
    let t = v as i64;
    if (t as f64) > v {
        t - 1
    } else {
        t
    }
}

/// dlib's `impl::basic_extract_image_chip`: a plain copy of an axis-aligned integer rectangle,
/// black outside the image.
fn basic_extract(image: &RgbImage, location: IRect) -> RgbImage {
    let (w, h) = (location.width().max(0), location.height().max(0));
    let mut chip = RgbImage::new(w as u32, h as u32);
    let img_rect = IRect {
        l: 0,
        t: 0,
        r: i64::from(image.width()) - 1,
        b: i64::from(image.height()) - 1,
    };
    let area = location.intersect(&img_rect);
    if area.is_empty() {
        return chip;
    }
    let src = image.as_raw();
    let iw = image.width() as usize;
    let out = chip.as_mut();
    for rr in area.t..=area.b {
        let r = (rr - location.t) as usize;
        let c0 = (area.l - location.l) as usize;
        let n = (area.r - area.l + 1) as usize;
        let s = (rr as usize * iw + area.l as usize) * 3;
        let d = (r * w as usize + c0) * 3;
        out[d..d + n * 3].copy_from_slice(&src[s..s + n * 3]);
    }
    chip
}

/// The most pyramid levels we will build; a chip rectangle that needs more (a face far larger
/// than any image) is treated like dlib's deepest level anyway.
const MAX_PYRAMID_DEPTH: usize = 62;

/// dlib's `extract_image_chip(img, details, chip)` with bilinear interpolation: bit-identical.
/// Returns a `cols×rows` chip; black where the source lies outside the image. Degenerate or
/// non-finite details give a black chip.
pub fn extract_image_chip(image: &RgbImage, details: &ChipDetails) -> RgbImage {
    let rows = details.rows as usize;
    let cols = details.cols as usize;
    let mut chip = RgbImage::new(details.cols, details.rows);
    if rows == 0
        || cols == 0
        || !details.rect.is_finite()
        || !details.angle.is_finite()
        || details.rect.is_empty()
    {
        return chip;
    }
    let rect = details.rect;

    // Axis-aligned, unscaled: dlib just copies.
    if details.angle == 0.0
        && f64::from(details.rows) == rect.height()
        && f64::from(details.cols) == rect.width()
    {
        return basic_extract(image, rect.to_irect());
    }

    let size = details.size();

    // How deep the pyramid has to be.
    let mut depth = 0usize;
    let mut grow = 2.0f64;
    let mut r = rect.rect_down();
    while r.area() > size && depth < MAX_PYRAMID_DEPTH {
        r = r.rect_down();
        depth += 1;
        grow = grow * 2.0 + 2.0;
    }

    let rot = Rotator::new(details.angle);
    let cent = rect.center();
    let rot_rect = DRect::EMPTY
        .add_point(rot.rotate(cent, rect.tl()))
        .add_point(rot.rotate(cent, rect.tr()))
        .add_point(rot.rotate(cent, rect.bl()))
        .add_point(rot.rotate(cent, rect.br()));
    let img_w = i64::from(image.width());
    let img_h = i64::from(image.height());
    let img_drect = DRect {
        l: 0.0,
        t: 0.0,
        r: (img_w - 1) as f64,
        b: (img_h - 1) as f64,
    };
    let bb_candidate = rot_rect.grow(grow).intersect(&img_drect).to_irect();
    // rectangle() + rhs: an empty rhs leaves the default (empty) rectangle.
    let bounding_box = if bb_candidate.is_empty() {
        IRect::EMPTY
    } else {
        bb_candidate
    };
    // sub_image() clips to the image again.
    let img_rect = IRect {
        l: 0,
        t: 0,
        r: img_w - 1,
        b: img_h - 1,
    };
    let sub_rect = bounding_box.intersect(&img_rect);
    let sub = if sub_rect.is_empty() {
        View {
            data: &[],
            offset: 0,
            stride: 0,
            w: 0,
            h: 0,
        }
    } else {
        View {
            data: image.as_raw(),
            offset: (sub_rect.t as usize * image.width() as usize + sub_rect.l as usize) * 3,
            stride: image.width() as usize * 3,
            w: sub_rect.width() as usize,
            h: sub_rect.height() as usize,
        }
    };

    // Which level to sample, and the rectangle in that level's coordinates.
    let mut level: isize = -1;
    let mut r = rect.translate(-(bounding_box.l as f64), -(bounding_box.t as f64));
    while r.rect_down().area() > size && (level as i64) < MAX_PYRAMID_DEPTH as i64 {
        level += 1;
        r = r.rect_down();
    }

    // Build only the levels needed (dlib builds max_depth = depth levels; the chip uses
    // levels[level], which is the same as long as level < depth).
    let needed = if level < 0 {
        0
    } else {
        (level as usize + 1).min(depth.max(1))
    };
    let mut levels: Vec<Level> = Vec::with_capacity(needed);
    let mut temp: Vec<u16> = Vec::new();
    for i in 0..needed {
        let src = if i == 0 { sub } else { levels[i - 1].view() };
        let lv = pyramid_down2(src, &mut temp);
        levels.push(lv);
    }

    let from = [
        Point::new(0.0, 0.0),
        Point::new((cols - 1) as f64, 0.0),
        Point::new(0.0, (rows - 1) as f64),
    ];
    let rc = r.center();
    let to = [
        rot.rotate(rc, r.tl()),
        rot.rotate(rc, r.tr()),
        rot.rotate(rc, r.bl()),
    ];
    let trns = find_affine_transform(&from, &to);

    let src = if level < 0 {
        sub
    } else {
        match levels.last() {
            Some(l) => l.view(),
            None => return chip,
        }
    };
    transform_bilinear(src, &trns, rows, cols, chip.as_mut());
    chip
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svd_reconstructs() {
        let a = [[3.0, 1.0], [-2.0, 4.5]];
        let (u, w, v) = svd4::<2, 2>(&a);
        for i in 0..2 {
            for j in 0..2 {
                let x = u[i][0] * w[0] * v[j][0] + u[i][1] * w[1] * v[j][1];
                assert!((x - a[i][j]).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn similarity_recovers_transform() {
        let from = [
            Point::new(0.0, 0.0),
            Point::new(10.0, 0.0),
            Point::new(0.0, 10.0),
            Point::new(3.0, 7.0),
        ];
        let (s, a) = (2.0f64, 0.3f64);
        let to: Vec<Point> = from
            .iter()
            .map(|p| {
                Point::new(
                    s * (a.cos() * p.x - a.sin() * p.y) + 5.0,
                    s * (a.sin() * p.x + a.cos() * p.y) - 1.0,
                )
            })
            .collect();
        let t = find_similarity_transform(&from, &to);
        assert!((t.m[0][0] - s * a.cos()).abs() < 1e-9);
        assert!((t.m[1][0] - s * a.sin()).abs() < 1e-9);
        assert!((t.b[0] - 5.0).abs() < 1e-9 && (t.b[1] + 1.0).abs() < 1e-9);
    }

    #[test]
    fn templates_per_detector() {
        let a = ChipAligner::default();
        assert_eq!(a.mtcnn_template(), MTCNN_TEMPLATE_CHIP150);
        for kind in DetectorKind::ALL {
            let t = a.template_for(kind);
            assert_eq!(t, template_chip150(kind));
            // Same padding, other size: the template scales with the chip.
            let big = ChipAligner {
                size: 300,
                padding: 0.25,
            }
            .template_for(kind);
            for (p, q) in t.iter().zip(&big) {
                assert!((p.x * 2.0 - q.x).abs() < 1e-9 && (p.y * 2.0 - q.y).abs() < 1e-9);
            }
            // Eyes above the nose above the mouth, image-left before image-right.
            assert!(t[0].x < t[1].x && t[3].x < t[4].x);
            assert!(t[0].y < t[2].y && t[1].y < t[2].y && t[2].y < t[3].y && t[2].y < t[4].y);
        }
    }

    #[test]
    fn dlib_rect_follows_the_landmarks() {
        let a = ChipAligner::default();
        for kind in DetectorKind::ALL {
            let r = dlib_rect_chip150(kind);
            // Landmarks exactly on the template: the rectangle is the chip-frame one.
            let same = a.dlib_rect_from_landmarks(&template_chip150(kind), kind);
            assert!((same.center().x - r.cx).abs() < 1e-6);
            assert!((same.center().y - r.cy).abs() < 1e-6);
            assert!((same.width() - r.side).abs() < 1e-6);
            // Twice as large, rotated by 90° and moved: centre follows, side doubles, upright.
            let moved =
                template_chip150(kind).map(|p| Point::new(500.0 - 2.0 * p.y, 2.0 * p.x + 40.0));
            let got = a.dlib_rect_from_landmarks(&moved, kind);
            assert!((got.center().x - (500.0 - 2.0 * r.cy)).abs() < 1e-6);
            assert!((got.center().y - (2.0 * r.cx + 40.0)).abs() < 1e-6);
            assert!((got.width() - 2.0 * r.side).abs() < 1e-6);
            assert!((got.height() - 2.0 * r.side).abs() < 1e-6);
        }
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        let img = RgbImage::from_pixel(64, 48, image::Rgb([200, 100, 50]));
        let a = ChipAligner::default();
        let same = [Point::new(10.0, 10.0); 5];
        let chip = a.chip_from_dlib_landmarks(&img, &same);
        assert_eq!(chip.dimensions(), (150, 150));
        let line = [0.0, 1.0, 2.0, 3.0, 4.0].map(|i| Point::new(10.0 + i, 10.0 + i));
        let _ = a.chip_from_dlib_landmarks(&img, &line);
        let nan = [Point::new(f64::NAN, 1.0); 5];
        let _ = a.chip_from_mtcnn_landmarks(&img, &nan);
        let _ = a.chip_from_landmarks(&img, &nan, DetectorKind::Retinaface);
        let _ = a.dlib_rect_from_landmarks(&nan, DetectorKind::Yunet);
        let huge = [
            Point::new(1e7, 1e5),
            Point::new(5e6, 1e5),
            Point::new(-1e7, 1e5),
            Point::new(-5e6, 1e5),
            Point::new(0.0, 5e6),
        ];
        let _ = a.chip_from_dlib_landmarks(&img, &huge);
        let tiny = RgbImage::new(1, 1);
        let _ = a.chip_from_dlib_landmarks(&tiny, &line);
        let empty = RgbImage::new(0, 0);
        let _ = a.chip_from_dlib_landmarks(&empty, &line);
        let inf = [Point::new(f64::INFINITY, 1.0); 5];
        let _ = a.chip_from_dlib_landmarks(&img, &inf);
    }
}
