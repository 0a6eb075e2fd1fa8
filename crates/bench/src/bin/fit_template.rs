//! Fits each detector's chip template (and a dlib rectangle for the shape predictor) on the
//! shared reference pack, and measures how close each alignment route comes to dlib's own.
//!
//! The dlib ResNet was trained on `dlib.get_face_chip` chips, aligned from dlib's 5-point
//! shape-predictor landmarks. A detector's 5 landmarks mean other points (eye centres, nose
//! tip, mouth corners, each detector with its own idea of where exactly they are), so each
//! detector gets its own template: where its landmarks sit, on average, inside dlib's chip.
//!
//! For every face that dlib (`dlib_image_rs.jsonl`: HOG box, 5 landmarks, descriptor) and the
//! detector both found (the detector runs through the pipeline's own detection route on the
//! `image`-crate pixels; faces are paired when each box's centre lies inside the other, best
//! IoU), the detector's landmarks are mapped into that face's dlib chip frame through dlib's own
//! chip transform (the similarity from dlib's template to dlib's landmarks, `get_face_chip`).
//! Each template point is the mean of its mapped points: the least-squares position.
//!
//! The same pairs give the shape predictor's rectangle: dlib's HOG box (untrimmed) expressed in
//! the chip frame of the detector's landmarks on the fitted template (centre and side, averaged),
//! and for comparison the box-to-box fit `dlib_rect_from_mtcnn` uses (weighted least squares on
//! the detector's box).
//!
//! Then, on the same faces, the dlib ResNet descriptor of each route's chip is compared with
//! dlib's own descriptor (Euclidean distance; same person < 0.6): the old MTCNN template, the
//! fitted template, and the pipeline's two alignments as built now (`FacePipeline::chip`).
//!
//! Never fitted on LFW: LFW is the evaluation set (`lfw` bench).
//!
//! ```text
//! cargo run --release -p likeness-bench --bin fit_template -- --cpu [--detector yunet] [--detector-score 0.5]
//! ```

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Parser;
use image::RgbImage;
use likeness_bench::{machine, outln, CommonArgs, Table};
use likeness_engine::{
    Alignment, Detection, DetectorKind, Embedding, FaceBox, FacePipeline, Point,
};
use serde_json::Value;

/// The single-shot detectors' score cut for the fit (unless `--detector-score`): the LFW
/// runs' YuNet cut, and CenterFace's own.
const FIT_SCORE: f32 = 0.5;

/// Fits per-detector chip templates on the reference pack and compares alignment routes.
#[derive(Debug, Parser)]
#[command(name = "fit_template")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// The reference pack (default: `shared/reference` beside the repository, or
    /// `$LIKENESS_SHARED/reference`).
    #[arg(long, value_name = "DIR")]
    reference: Option<PathBuf>,
}

/// One face of `dlib_image_rs.jsonl`.
struct DlibFace {
    image: String,
    face_index: i64,
    landmarks: [Point; 5],
    /// `box_raw_ltrb` as a box with exclusive right/bottom (dlib width `r − l + 1`).
    raw: FaceBox,
    descriptor: Embedding,
}

/// A similarity between chip and image: `image = centre + scale·R(angle)·(chip − chip_centre)`,
/// read off dlib's `chip_details` (the rectangle is centred at `T(size/2, size/2)` and is
/// `size·scale` wide in dlib's inclusive width).
#[derive(Debug, Clone, Copy)]
struct ChipFrame {
    centre: Point,
    chip_centre: f64,
    scale: f64,
    cos: f64,
    sin: f64,
}

impl ChipFrame {
    fn new(pipeline: &FacePipeline, template: &[Point], landmarks: &[Point]) -> Self {
        let aligner = pipeline.aligner();
        let d = aligner.chip_details(template, landmarks);
        let size = f64::from(aligner.size);
        Self {
            centre: d.rect.center(),
            chip_centre: size / 2.0,
            scale: d.rect.width() / size,
            cos: d.angle.cos(),
            sin: d.angle.sin(),
        }
    }

    fn to_chip(self, p: Point) -> Point {
        let (dx, dy) = (p.x - self.centre.x, p.y - self.centre.y);
        Point::new(
            (self.cos * dx + self.sin * dy) / self.scale + self.chip_centre,
            (-self.sin * dx + self.cos * dy) / self.scale + self.chip_centre,
        )
    }

    fn to_image(self, p: Point) -> Point {
        let (dx, dy) = (
            (p.x - self.chip_centre) * self.scale,
            (p.y - self.chip_centre) * self.scale,
        );
        Point::new(
            self.cos * dx - self.sin * dy + self.centre.x,
            self.sin * dx + self.cos * dy + self.centre.y,
        )
    }
}

/// A dlib face and the detection paired with it.
struct Pair<'a> {
    dlib: &'a DlibFace,
    detection: Detection,
    /// dlib's chip frame (from dlib's landmarks on dlib's template).
    dlib_frame: ChipFrame,
    /// The detection's landmarks in that frame.
    in_chip: [Point; 5],
}

fn main() -> Result<()> {
    let args = Args::parse();
    likeness_bench::init_logging();
    let root = match &args.reference {
        Some(dir) => dir.clone(),
        None => std::env::var_os("LIKENESS_SHARED")
            .map(PathBuf::from)
            .unwrap_or_else(|| likeness_bench::repo_root().join("../shared"))
            .join("reference"),
    };
    let faces = read_dlib(&root.join("dlib_image_rs.jsonl"))?;
    let mut by_image: BTreeMap<&str, Vec<&DlibFace>> = BTreeMap::new();
    for f in &faces {
        by_image.entry(f.image.as_str()).or_default().push(f);
    }
    let mut images = BTreeMap::new();
    for rel in by_image.keys() {
        images.insert(*rel, decode(&root.join(rel))?);
    }
    eprintln!(
        "fit_template: {} dlib faces in {} images of {}",
        faces.len(),
        images.len(),
        root.display()
    );
    // MTCNN first: its template is the anchor the others are measured against.
    let mut kinds = vec![DetectorKind::Mtcnn];
    match args.common.detector.as_deref() {
        Some(name) => {
            let kind = DetectorKind::parse(name).context("unknown detector")?;
            if kind != DetectorKind::Mtcnn {
                kinds.push(kind);
            }
        }
        None => kinds.extend(DetectorKind::ALL.into_iter().skip(1)),
    }

    let points = [
        "eye image-left",
        "eye image-right",
        "nose tip",
        "mouth image-left",
        "mouth image-right",
    ];
    let mut absolute_table = Table::new(
        &[
            ["detector", "image set", "faces"].as_slice(),
            points.as_slice(),
        ]
        .concat(),
    );
    let mut template_table = Table::new(
        &[
            ["detector", "faces"].as_slice(),
            points.as_slice(),
            &["largest shift from MTCNN's, px"],
        ]
        .concat(),
    );
    let mut residual_table = Table::new(&[
        "detector",
        "landmark around the set mean, px: median / 90 % / max",
        "offset from MTCNN's landmark around its mean, px",
        "chip offset vs dlib's chip, px: MTCNN template",
        "set mean",
        "template",
    ]);
    let mut rect_table = Table::new(&[
        "detector",
        "rect in the landmarks' chip frame (cx, cy, side; 150-px chip)",
        "|residual| / dlib side: centre x, centre y, side (median / 90 %)",
        "box fit (cx·w, cy·h, side = a·w + b·h + c)",
        "box fit |residual| / dlib side (median / 90 %)",
    ]);
    let mut descriptor_table = Table::new(&[
        "detector",
        "faces",
        "MTCNN template",
        "set mean",
        "template",
        "pipeline: template",
        "pipeline: shape predictor",
    ]);
    let mut constants = String::new();
    // MTCNN's landmarks in dlib's chip frame, per dlib face.
    let mut anchor: HashMap<(String, i64), [Point; 5]> = HashMap::new();
    let fmt_pt = |p: Point| format!("({:.2}, {:.2})", p.x, p.y);

    for kind in kinds {
        let mut config = args.common.engine_config();
        config.detector = kind;
        // Pairing with dlib's faces drops false positives, so a low cut only adds real faces.
        config.detector_score_threshold = Some(
            args.common
                .detector_score
                .unwrap_or_else(|| kind.reference_score_threshold().min(FIT_SCORE)),
        );
        config.alignment = Alignment::MtcnnTemplate;
        let pipeline = FacePipeline::open(&config).context("opening the pipeline")?;
        config.alignment = Alignment::ShapePredictor;
        let predictor_pipeline = FacePipeline::open(&config).context("opening the pipeline")?;
        let dlib_template = pipeline.aligner().dlib_template();
        let mtcnn_template = pipeline.aligner().template_for(DetectorKind::Mtcnn);

        // Detect and pair.
        let mut pairs: Vec<Pair<'_>> = Vec::new();
        for (rel, dlib_faces) in &by_image {
            let image = &images[rel];
            let detections = pipeline.detect(image)?;
            for &d in dlib_faces {
                let Some(det) = partner(&d.raw, &detections) else {
                    continue;
                };
                let dlib_frame = ChipFrame::new(&pipeline, &dlib_template, &d.landmarks);
                let in_chip = det.landmarks.map(|p| dlib_frame.to_chip(p));
                pairs.push(Pair {
                    dlib: d,
                    detection: det.clone(),
                    dlib_frame,
                    in_chip,
                });
            }
        }
        if pairs.len() < 10 {
            bail!("{kind}: only {} faces paired with dlib's", pairs.len());
        }
        let n = pairs.len() as f64;
        let key = |p: &Pair<'_>| (p.dlib.image.clone(), p.dlib.face_index);

        // Where the landmarks sit in dlib's chip, on average over a set of faces.
        let mean_of = |set: Option<&str>| -> (usize, [Point; 5]) {
            let chosen: Vec<&[Point; 5]> = pairs
                .iter()
                .filter(|p| set.is_none_or(|s| p.dlib.image.split('/').nth(1) == Some(s)))
                .map(|p| &p.in_chip)
                .collect();
            (chosen.len(), mean_points(&chosen))
        };
        let (_, set_mean) = mean_of(None);
        for set in [None, Some("dlib_faces_det"), Some("deepface_testset")] {
            let (count, mean) = mean_of(set);
            absolute_table.row(
                [
                    kind.name().to_string(),
                    set.unwrap_or("all").to_string(),
                    count.to_string(),
                ]
                .into_iter()
                .chain(mean.iter().map(|p| fmt_pt(*p))),
            );
        }
        let mut point_res = Vec::new();
        for p in &pairs {
            for k in 0..5 {
                point_res.push(dist(p.in_chip[k], set_mean[k]));
            }
        }

        // The template: MTCNN's, moved by this detector's mean offset from MTCNN's landmarks
        // on the same faces (per-face differences, so pose, expression and the image set cancel).
        let (template, common, offset_res) = if kind == DetectorKind::Mtcnn {
            anchor = pairs.iter().map(|p| (key(p), p.in_chip)).collect();
            (mtcnn_template, pairs.len(), Vec::new())
        } else {
            let shifts: Vec<[Point; 5]> = pairs
                .iter()
                .filter_map(|p| {
                    let a = anchor.get(&key(p))?;
                    Some(std::array::from_fn(|k| {
                        Point::new(p.in_chip[k].x - a[k].x, p.in_chip[k].y - a[k].y)
                    }))
                })
                .collect();
            let refs: Vec<&[Point; 5]> = shifts.iter().collect();
            let shift = mean_points(&refs);
            let res = shifts
                .iter()
                .flat_map(|d| (0..5).map(move |k| (d[k], k)))
                .map(|(d, k)| dist(d, shift[k]))
                .collect();
            let template = std::array::from_fn(|k| {
                Point::new(
                    round2(mtcnn_template[k].x + shift[k].x),
                    round2(mtcnn_template[k].y + shift[k].y),
                )
            });
            (template, shifts.len(), res)
        };
        let largest_shift = (0..5)
            .map(|k| dist(template[k], mtcnn_template[k]))
            .fold(0.0, f64::max);
        template_table.row(
            [kind.name().to_string(), common.to_string()]
                .into_iter()
                .chain(template.iter().map(|p| fmt_pt(*p)))
                .chain([format!("{largest_shift:.2}")]),
        );
        let size = f64::from(pipeline.aligner().size);
        let offset = |t: &[Point; 5]| -> Vec<f64> {
            pairs
                .iter()
                .map(|p| chip_offset(t, &p.in_chip, size))
                .collect()
        };
        residual_table.row([
            kind.name().to_string(),
            spread(&point_res, 2),
            if offset_res.is_empty() {
                "(the anchor)".to_string()
            } else {
                spread(&offset_res, 2)
            },
            spread(&offset(&mtcnn_template), 2),
            spread(&offset(&set_mean), 2),
            spread(&offset(&template), 2),
        ]);
        constants.push_str(&format!(
            "pub const {}_TEMPLATE_CHIP150: [Point; 5] = [\n",
            kind.name().to_uppercase()
        ));
        for p in &template {
            constants.push_str(&format!("    Point::new({:.2}, {:.2}),\n", p.x, p.y));
        }
        constants.push_str("];\n");

        // dlib's HOG rectangle in the chip frame of the detector's landmarks on the template.
        let frames: Vec<ChipFrame> = pairs
            .iter()
            .map(|p| ChipFrame::new(&pipeline, &template, &p.detection.landmarks))
            .collect();
        let (mut rcx, mut rcy, mut rside) = (0.0, 0.0, 0.0);
        for (p, f) in pairs.iter().zip(&frames) {
            let c = f.to_chip(centre(&p.dlib.raw));
            rcx += c.x / n;
            rcy += c.y / n;
            rside += side(&p.dlib.raw) / f.scale / n;
        }
        let (mut ex, mut ey, mut es) = (Vec::new(), Vec::new(), Vec::new());
        for (p, f) in pairs.iter().zip(&frames) {
            let s = side(&p.dlib.raw);
            let c = f.to_image(Point::new(rcx, rcy));
            let want = centre(&p.dlib.raw);
            ex.push((c.x - want.x).abs() / s);
            ey.push((c.y - want.y).abs() / s);
            es.push((rside * f.scale - s).abs() / s);
        }
        // The box-to-box fit of `dlib_rect_from_mtcnn`, on this detector's boxes.
        let (mut cx_rows, mut cy_rows, mut side_rows) = (Vec::new(), Vec::new(), Vec::new());
        for p in &pairs {
            let b = &p.detection.bbox;
            let (w, h) = (b.width(), b.height());
            let s = side(&p.dlib.raw);
            let c = centre(&p.dlib.raw);
            cx_rows.push(([w], c.x - (b.x1 + b.x2) / 2.0, s));
            cy_rows.push(([h], c.y - (b.y1 + b.y2) / 2.0, s));
            side_rows.push(([w, h, 1.0], s, s));
        }
        let (ccx, bx) = wls(&cx_rows);
        let (ccy, by) = wls(&cy_rows);
        let (cs, bs) = wls(&side_rows);
        let abs = |v: Vec<f64>| v.into_iter().map(f64::abs).collect::<Vec<_>>();
        let med90 = |v: &[f64]| {
            let s = sorted(v);
            format!("{:.3} / {:.3}", quantile(&s, 0.5), quantile(&s, 0.9))
        };
        rect_table.row([
            kind.name().to_string(),
            format!("({rcx:.2}, {rcy:.2}, {rside:.2})"),
            format!("{}, {}, {}", med90(&ex), med90(&ey), med90(&es)),
            format!(
                "{:.5}, {:.5}, {:.5}·w + {:.5}·h + {:.4}",
                ccx[0], ccy[0], cs[0], cs[1], cs[2]
            ),
            format!(
                "{}, {}, {}",
                med90(&abs(bx)),
                med90(&abs(by)),
                med90(&abs(bs))
            ),
        ]);
        constants.push_str(&format!(
            "pub const {}_DLIB_RECT_CHIP150: ChipRect = ChipRect::new({rcx:.2}, {rcy:.2}, {rside:.2});\n",
            kind.name().to_uppercase()
        ));

        // Descriptors of each route's chip against dlib's own.
        let mut routes: [Vec<RgbImage>; 5] = Default::default();
        for p in &pairs {
            let image = &images[p.dlib.image.as_str()];
            let lm = &p.detection.landmarks;
            let aligner = pipeline.aligner();
            routes[0].push(aligner.chip_with_template(image, &mtcnn_template, lm));
            routes[1].push(aligner.chip_with_template(image, &set_mean, lm));
            routes[2].push(aligner.chip_with_template(image, &template, lm));
            routes[3].push(pipeline.chip(image, &p.detection));
            routes[4].push(predictor_pipeline.chip(image, &p.detection));
        }
        let mut cells = vec![kind.name().to_string(), pairs.len().to_string()];
        for chips in &routes {
            let refs: Vec<&RgbImage> = chips.iter().collect();
            let embeddings = pipeline.embed_chips(&refs)?;
            let d: Vec<f64> = embeddings
                .iter()
                .zip(&pairs)
                .map(|(e, p)| f64::from(e.distance(&p.dlib.descriptor)))
                .collect();
            cells.push(spread(&d, 3));
        }
        descriptor_table.row(cells);
        let worst = pairs
            .iter()
            .map(|p| {
                let r = (0..5)
                    .map(|k| dist(p.in_chip[k], set_mean[k]))
                    .fold(0.0, f64::max);
                (r, p)
            })
            .max_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((r, p)) = worst {
            eprintln!(
                "fit_template: {kind}: {} pairs; largest point residual {r:.1} px at {} #{} (dlib chip scale {:.2} px/px)",
                pairs.len(),
                p.dlib.image,
                p.dlib.face_index,
                p.dlib_frame.scale
            );
        }
    }

    outln("## Detector landmarks inside dlib's chip (150 px, padding 0.25), reference pack\n");
    outln("Mean position of each landmark in dlib's own chip frame (the chip dlib cuts from its own 5 landmarks), px, over all paired faces and per image set (dlib_faces_det: small faces in group photos; deepface_testset: portraits):\n");
    absolute_table.print();
    outln("\nTemplates: MTCNN's (fitted once on dlib_faces_det) moved by each detector's mean offset from MTCNN's landmarks on the same faces, px:\n");
    template_table.print();
    outln("\nScatter, px (median / 90 % / max): each landmark around the all-faces mean; each offset from MTCNN's landmark around the mean offset; and how far the chip a template gives lies from dlib's own chip (mean displacement of a 3×3 grid over the chip's face square, 25–125 px):\n");
    residual_table.print();
    outln("\nThe shape predictor's rectangle (dlib's untrimmed HOG box) from the detector's landmarks on its template, and from its box:\n");
    rect_table.print();
    outln("\nDescriptor distance from dlib's own (median / 90 % / max; same person < 0.6):\n");
    descriptor_table.print();
    outln(&format!("\nmachine: {}\n", machine()));
    outln("```rust");
    likeness_bench::out(&constants);
    outln("```");
    Ok(())
}

/// The detection paired with a dlib box: each box's centre inside the other, best IoU.
fn partner<'a>(raw: &FaceBox, detections: &'a [Detection]) -> Option<&'a Detection> {
    let c = centre(raw);
    let inside = |b: &FaceBox, p: Point| b.x1 <= p.x && p.x <= b.x2 && b.y1 <= p.y && p.y <= b.y2;
    detections
        .iter()
        .filter(|d| {
            let b = &d.bbox;
            inside(b, c) && inside(raw, Point::new((b.x1 + b.x2) / 2.0, (b.y1 + b.y2) / 2.0))
        })
        .max_by(|a, b| a.bbox.iou(raw).total_cmp(&b.bbox.iou(raw)))
}

/// Where chip alignment is measured: a 3×3 grid over the face square of the chip (the
/// unpadded part, 25–125 px of the 150 px chip with padding 0.25).
fn probes(size: f64) -> [Point; 9] {
    let at = |i: usize| size * (1.0 / 6.0 + i as f64 / 3.0);
    std::array::from_fn(|k| Point::new(at(k % 3), at(k / 3)))
}

/// The least-squares similarity `z ↦ a·z + b` (complex numbers: rotation and scale in `a`)
/// from `from` to `to`; what dlib's `find_similarity_transform` computes, without its
/// bit-level details.
fn similarity(from: &[Point; 5], to: &[Point; 5]) -> ([f64; 2], [f64; 2]) {
    let mean = |p: &[Point; 5]| {
        let (x, y) = p.iter().fold((0.0, 0.0), |a, q| (a.0 + q.x, a.1 + q.y));
        (x / 5.0, y / 5.0)
    };
    let (fx, fy) = mean(from);
    let (tx, ty) = mean(to);
    let (mut re, mut im, mut norm) = (0.0, 0.0, 0.0);
    for (f, t) in from.iter().zip(to) {
        let (ax, ay) = (f.x - fx, f.y - fy);
        let (bx, by) = (t.x - tx, t.y - ty);
        // conj(a)·b
        re += ax * bx + ay * by;
        im += ax * by - ay * bx;
        norm += ax * ax + ay * ay;
    }
    let a = [re / norm, im / norm];
    let b = [tx - (a[0] * fx - a[1] * fy), ty - (a[1] * fx + a[0] * fy)];
    (a, b)
}

/// How far the chip cut with `template` from landmarks that lie at `in_chip` in dlib's chip
/// frame is from dlib's chip: the displacement of each probe point (x and y residuals).
fn offsets(template: &[Point; 5], in_chip: &[Point; 5], size: f64, out: &mut Vec<f64>) {
    let (a, b) = similarity(template, in_chip);
    for p in probes(size) {
        out.push(a[0] * p.x - a[1] * p.y + b[0] - p.x);
        out.push(a[1] * p.x + a[0] * p.y + b[1] - p.y);
    }
}

/// Mean probe displacement (chip px) of one face's chip against dlib's.
fn chip_offset(template: &[Point; 5], in_chip: &[Point; 5], size: f64) -> f64 {
    let mut r = Vec::new();
    offsets(template, in_chip, size, &mut r);
    r.chunks_exact(2)
        .map(|d| (d[0] * d[0] + d[1] * d[1]).sqrt())
        .sum::<f64>()
        / (r.len() / 2) as f64
}

/// The mean of each of the 5 points.
fn mean_points(sets: &[&[Point; 5]]) -> [Point; 5] {
    let n = sets.len().max(1) as f64;
    std::array::from_fn(|k| {
        let (x, y) = sets
            .iter()
            .fold((0.0, 0.0), |(x, y), p| (x + p[k].x, y + p[k].y));
        Point::new(x / n, y / n)
    })
}

fn centre(b: &FaceBox) -> Point {
    // Inclusive dlib rectangle l..=r is stored as x1 = l, x2 = r + 1.
    Point::new((b.x1 + b.x2 - 1.0) / 2.0, (b.y1 + b.y2 - 1.0) / 2.0)
}

/// dlib's box side, `(width + height) / 2` with inclusive widths.
fn side(b: &FaceBox) -> f64 {
    (b.width() + b.height()) / 2.0
}

fn dist(a: Point, b: Point) -> f64 {
    ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn sorted(v: &[f64]) -> Vec<f64> {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// `median / 90 % / max` with `digits` decimals.
fn spread(v: &[f64], digits: usize) -> String {
    let s = sorted(v);
    format!(
        "{:.digits$} / {:.digits$} / {:.digits$}",
        quantile(&s, 0.5),
        quantile(&s, 0.9),
        quantile(&s, 1.0)
    )
}

/// Weighted least squares `y ≈ X·c`, each row divided by `s` (errors relative to face size),
/// as `dlib_rect_from_mtcnn` was fitted. Returns the coefficients and the relative residuals.
fn wls<const K: usize>(rows: &[([f64; K], f64, f64)]) -> ([f64; K], Vec<f64>) {
    let mut a = [[0.0f64; K]; K];
    let mut b = [0.0f64; K];
    for (x, y, s) in rows {
        for i in 0..K {
            b[i] += x[i] / s * (y / s);
            for j in 0..K {
                a[i][j] += x[i] / s * (x[j] / s);
            }
        }
    }
    // Gaussian elimination with partial pivoting.
    for col in 0..K {
        let mut p = col;
        for r in col + 1..K {
            if a[r][col].abs() > a[p][col].abs() {
                p = r;
            }
        }
        a.swap(col, p);
        b.swap(col, p);
        for r in col + 1..K {
            let f = a[r][col] / a[col][col];
            for k in col..K {
                a[r][k] -= f * a[col][k];
            }
            b[r] -= f * b[col];
        }
    }
    let mut c = [0.0f64; K];
    for r in (0..K).rev() {
        let mut acc = b[r];
        for k in r + 1..K {
            acc -= a[r][k] * c[k];
        }
        c[r] = acc / a[r][r];
    }
    let res = rows
        .iter()
        .map(|(x, y, s)| (x.iter().zip(&c).map(|(a, b)| a * b).sum::<f64>() - y) / s)
        .collect();
    (c, res)
}

fn decode(path: &Path) -> Result<RgbImage> {
    Ok(image::ImageReader::open(path)
        .with_context(|| format!("opening {}", path.display()))?
        .with_guessed_format()
        .with_context(|| format!("reading {}", path.display()))?
        .decode()
        .with_context(|| format!("decoding {}", path.display()))?
        .to_rgb8())
}

fn read_dlib(path: &Path) -> Result<Vec<DlibFace>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let v: Value = serde_json::from_str(line)
            .with_context(|| format!("{} line {}", path.display(), n + 1))?;
        let bad = || format!("{} line {}: unexpected fields", path.display(), n + 1);
        let num = |v: &Value| v.as_f64().with_context(bad);
        let lm = v["landmarks5"].as_array().with_context(bad)?;
        if lm.len() != 5 {
            bail!(bad());
        }
        let mut landmarks = [Point::default(); 5];
        for (k, p) in lm.iter().enumerate() {
            landmarks[k] = Point::new(num(&p[0])?, num(&p[1])?);
        }
        let r = v["box_raw_ltrb"].as_array().with_context(bad)?;
        if r.len() != 4 {
            bail!(bad());
        }
        let raw = FaceBox {
            x1: num(&r[0])?,
            y1: num(&r[1])?,
            x2: num(&r[2])? + 1.0,
            y2: num(&r[3])? + 1.0,
        };
        let descriptor = v["descriptor"]
            .as_array()
            .with_context(bad)?
            .iter()
            .map(|x| num(x).map(|f| f as f32))
            .collect::<Result<Vec<f32>>>()?;
        out.push(DlibFace {
            image: v["image"].as_str().with_context(bad)?.to_string(),
            face_index: v["face_index"].as_i64().with_context(bad)?,
            landmarks,
            raw,
            descriptor: Embedding(descriptor),
        });
    }
    Ok(out)
}
