//! Face detection on the WIDER FACE validation subset `widerface-val200` (200 photos
//! stretched to 416×416, official boxes scaled into that frame in `boxes_416.csv`).
//!
//! Scored ground truth: faces with `invalid == 0` whose scaled box is at least 20 px **wide
//! and tall** (both sides, the data set's own "valid faces ≥ 20 px" rule: 346 faces). Every
//! other box (smaller, or flagged invalid) is an ignore region. Matching and the
//! precision rule are documented in `likeness_bench::detect_eval`.
//!
//! ```text
//! cargo run --release -p likeness-bench --bin widerface -- [--limit N] [--min-face 20,12]
//! ```

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::Parser;
use likeness_bench::detect_eval::{
    average_precision, best_cut_at_precision, match_image, Counts, GtBox, Outcome,
};
use likeness_bench::{
    machine, mib, ms, open_pipeline, outln, parse, pct, peak_rss_kib, run_batch, CommonArgs, Csv,
    Table,
};
use likeness_engine::FaceBox;

/// WIDER FACE val200: recall (faces ≥ 20 px), precision, AP, time per image.
#[derive(Debug, Parser)]
#[command(name = "widerface")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Use only the first N images (sorted by file name).
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// Detector minimum face sizes to run, one pipeline each (comma-separated).
    #[arg(long, value_delimiter = ',', default_values_t = vec![20.0, 12.0])]
    min_face: Vec<f64>,
    /// Detection score cuts to report for every run (0 = everything the detector returns).
    #[arg(long, value_delimiter = ',', default_values_t = vec![0.0, 0.95])]
    score_cuts: Vec<f32>,
    /// Smallest scored ground-truth side (width and height), in 416×416 pixels.
    #[arg(long, default_value_t = 20.0)]
    gt_min: f64,
    /// IoU needed for a match.
    #[arg(long, default_value_t = 0.5)]
    iou: f64,
    /// Print every false positive (image, box, score) to stderr, for inspection.
    #[arg(long)]
    list_fp: bool,
}

/// WIDER FACE attribute flags for the recall breakdown: column, value names.
const ATTRIBUTES: [(&str, &[&str]); 3] = [
    ("blur", &["clear", "normal blur", "heavy blur"]),
    (
        "occlusion",
        &["no occlusion", "partial occlusion", "heavy occlusion"],
    ),
    ("pose", &["typical pose", "atypical pose"]),
];

/// Ground-truth size buckets (smaller box side) for the recall breakdown.
const BUCKETS: [(f64, f64, &str); 3] = [
    (0.0, 32.0, "20–32 px"),
    (32.0, 64.0, "32–64 px"),
    (64.0, f64::INFINITY, "≥ 64 px"),
];

fn main() -> Result<()> {
    let args = Args::parse();
    likeness_bench::init_logging();
    let dir = args.common.data_dir("widerface-val200")?;

    // Ground truth per image (key: `images/<file>` as in the CSV).
    let csv = Csv::read(&dir.join("boxes_416.csv"))?;
    let (c_img, c_x, c_y, c_w, c_h, c_inv) = (
        csv.col("image")?,
        csv.col("x")?,
        csv.col("y")?,
        csv.col("w")?,
        csv.col("h")?,
        csv.col("invalid")?,
    );
    let attr_cols: Vec<usize> = ATTRIBUTES
        .iter()
        .map(|(name, _)| csv.col(name))
        .collect::<Result<_>>()?;
    let mut gt: HashMap<String, Vec<GtBox>> = HashMap::new();
    // Per ground-truth box (same order as `gt`): blur, occlusion, pose flags.
    let mut attrs: HashMap<String, Vec<Vec<u8>>> = HashMap::new();
    for row in &csv.rows {
        let (x, y, w, h): (f64, f64, f64, f64) = (
            parse(&row[c_x], "x")?,
            parse(&row[c_y], "y")?,
            parse(&row[c_w], "w")?,
            parse(&row[c_h], "h")?,
        );
        let invalid: u8 = parse(&row[c_inv], "invalid")?;
        let flags: Vec<u8> = attr_cols
            .iter()
            .map(|&c| parse::<u8>(&row[c], "attribute flag"))
            .collect::<Result<_>>()?;
        attrs.entry(row[c_img].clone()).or_default().push(flags);
        gt.entry(row[c_img].clone()).or_default().push(GtBox {
            bbox: FaceBox {
                x1: x,
                y1: y,
                x2: x + w,
                y2: y + h,
            },
            scored: invalid == 0 && w >= args.gt_min && h >= args.gt_min,
        });
    }

    let mut names: Vec<String> = std::fs::read_dir(dir.join("images"))
        .with_context(|| format!("listing {}", dir.join("images").display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.to_ascii_lowercase().ends_with(".jpg"))
        .collect();
    names.sort();
    if let Some(limit) = args.limit {
        names.truncate(limit);
    }
    if names.is_empty() {
        bail!("no images in {}", dir.join("images").display());
    }
    let keys: Vec<String> = names.iter().map(|n| format!("images/{n}")).collect();
    let paths: Vec<PathBuf> = keys.iter().map(|k| dir.join(k)).collect();
    let empty: Vec<GtBox> = Vec::new();
    let gt_of = |k: &str| gt.get(k).unwrap_or(&empty);
    let n_gt_all: usize = keys.iter().map(|k| gt_of(k).len()).sum();
    let n_scored: usize = keys
        .iter()
        .map(|k| gt_of(k).iter().filter(|b| b.scored).count())
        .sum();
    let bucket_sizes: Vec<usize> = BUCKETS
        .iter()
        .map(|(lo, hi, _)| {
            keys.iter()
                .flat_map(|k| gt_of(k).iter())
                .filter(|b| b.scored && in_bucket(&b.bbox, *lo, *hi))
                .count()
        })
        .collect();
    // Cross-check the scored set with the data set's own count of valid faces ≥ 20 px.
    if args.gt_min == 20.0 {
        let counts = Csv::read(&dir.join("per_image_counts.csv"))?;
        let (c_i, c_n) = (
            counts.col("image")?,
            counts.col("n_faces_min20px_416_valid")?,
        );
        let mut expected = 0usize;
        for row in counts.rows.iter().filter(|r| keys.contains(&r[c_i])) {
            expected += parse::<usize>(&row[c_n], "n_faces_min20px_416_valid")?;
        }
        if expected != n_scored {
            bail!("{n_scored} scored faces, but per_image_counts.csv says {expected}: the size rule differs");
        }
    }
    eprintln!(
        "widerface: {} images, {n_gt_all} ground-truth faces, {n_scored} scored (valid, ≥ {} px wide and tall)",
        paths.len(),
        args.gt_min
    );

    struct Run {
        min_face: f64,
        outcomes: Vec<(f32, Outcome)>,
        bucket_hits: Vec<usize>,
        /// Per attribute, per value: (scored faces, matched).
        attr_hits: Vec<Vec<(usize, usize)>>,
        wall: Duration,
        detect: Duration,
        failed: usize,
        provider: String,
        threads: usize,
        workers: usize,
    }
    let mut runs = Vec::new();
    for &min_face in &args.min_face {
        let mut config = args.common.engine_config();
        config.min_face_size = min_face;
        let (pipeline, _) = open_pipeline(&config)?;
        // Warm-up (not timed): first-run allocations of ONNX Runtime.
        let _ = pipeline.analyze(&paths[0], false);
        let (results, wall) = run_batch(
            &pipeline,
            &paths,
            false,
            &format!("widerface min_face {min_face}"),
        );
        let mut outcomes = Vec::new();
        let mut bucket_hits = vec![0usize; BUCKETS.len()];
        let mut attr_hits: Vec<Vec<(usize, usize)>> = ATTRIBUTES
            .iter()
            .map(|(_, v)| vec![(0, 0); v.len()])
            .collect();
        let mut failed = 0;
        let mut detect = Duration::ZERO;
        for (key, r) in keys.iter().zip(&results) {
            let photo = match r {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("widerface: {key}: {e}");
                    failed += 1;
                    continue;
                }
            };
            detect += photo.timings.detect;
            let dets: Vec<(FaceBox, f32)> = photo
                .faces
                .iter()
                .map(|f| (f.detection.bbox, f.detection.score))
                .collect();
            let boxes = gt_of(key);
            let m = match_image(boxes, &dets, args.iou);
            if args.list_fp {
                for ((b, score), o) in dets.iter().zip(&m.outcomes) {
                    if *o == Outcome::FalsePositive {
                        eprintln!(
                            "FP min_face={min_face} {key} {:.1} {:.1} {:.1} {:.1} score={score:.4}",
                            b.x1, b.y1, b.x2, b.y2
                        );
                    }
                }
            }
            outcomes.extend(dets.iter().map(|d| d.1).zip(m.outcomes));
            let no_flags: Vec<Vec<u8>> = Vec::new();
            let flags = attrs.get(key.as_str()).unwrap_or(&no_flags);
            for ((b, hit), f) in boxes.iter().zip(&m.matched_by).zip(flags) {
                if !b.scored {
                    continue;
                }
                for (a, v) in f.iter().enumerate() {
                    if let Some(cell) = attr_hits
                        .get_mut(a)
                        .and_then(|vals| vals.get_mut(usize::from(*v)))
                    {
                        cell.0 += 1;
                        cell.1 += usize::from(hit.is_some());
                    }
                }
            }
            for (b, hit) in boxes.iter().zip(&m.matched_by) {
                if hit.is_some() {
                    for (i, (lo, hi, _)) in BUCKETS.iter().enumerate() {
                        if in_bucket(&b.bbox, *lo, *hi) {
                            bucket_hits[i] += 1;
                        }
                    }
                }
            }
        }
        runs.push(Run {
            min_face,
            outcomes,
            bucket_hits,
            attr_hits,
            wall,
            detect,
            failed,
            provider: pipeline.detector_provider().label().to_string(),
            threads: config.inference_threads,
            workers: config.workers,
        });
    }

    outln(&format!(
        "## WIDER FACE val200 — Likeness {}, {} photos (416×416), {n_scored} scored faces of {n_gt_all} (valid, ≥ {} px wide and tall), IoU ≥ {}\n",
        args.common.detector_label(),
        paths.len(),
        args.gt_min,
        args.iou
    ));
    let n = paths.len() as u32;
    let mut t = Table::new(&[
        "min face",
        "score ≥",
        "detections",
        "TP",
        "FP",
        "ignored",
        "recall (≥ 20 px)",
        "precision",
        "AP",
        "best recall at precision ≥ 95 % (cut)",
        "time / image (wall)",
        "detect / image (summed over workers)",
    ]);
    for run in &runs {
        let ap = average_precision(&run.outcomes, n_scored);
        let best = match best_cut_at_precision(&run.outcomes, 0.95) {
            Some((cut, c)) => format!("{} ({cut:.3})", pct(c.recall(n_scored))),
            None => "—".to_string(),
        };
        for &cut in &args.score_cuts {
            let c = Counts::at(&run.outcomes, cut);
            t.row([
                format!("{} px", run.min_face),
                if cut <= 0.0 {
                    "all".to_string()
                } else {
                    format!("{cut}")
                },
                c.detections.to_string(),
                c.true_positives.to_string(),
                c.false_positives.to_string(),
                c.ignored.to_string(),
                format!("**{}**", pct(c.recall(n_scored))),
                pct(c.precision()),
                format!("{:.3}", ap),
                best.clone(),
                ms(run.wall / n),
                ms(run.detect / n),
            ]);
        }
    }
    t.print();

    outln("\nRecall by face size (smaller side of the scaled ground-truth box, all detections):\n");
    let mut headers = vec!["min face".to_string()];
    headers.extend(
        BUCKETS
            .iter()
            .zip(&bucket_sizes)
            .map(|((_, _, name), n)| format!("{name} ({n} faces)")),
    );
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut b = Table::new(&header_refs);
    for run in &runs {
        let mut row = vec![format!("{} px", run.min_face)];
        row.extend(
            run.bucket_hits
                .iter()
                .zip(&bucket_sizes)
                .map(|(hit, size)| pct(*hit as f64 / (*size).max(1) as f64)),
        );
        b.row(row);
    }
    b.print();

    outln("\nRecall by WIDER FACE attribute (scored faces, all detections):\n");
    let mut headers = vec!["attribute".to_string(), "faces".to_string()];
    headers.extend(
        runs.iter()
            .map(|r| format!("recall, min face {} px", r.min_face)),
    );
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut a = Table::new(&header_refs);
    for (ai, (_, values)) in ATTRIBUTES.iter().enumerate() {
        for (vi, value) in values.iter().enumerate() {
            let faces = runs.first().map_or(0, |r| r.attr_hits[ai][vi].0);
            let mut row = vec![value.to_string(), faces.to_string()];
            row.extend(runs.iter().map(|r| {
                let (n, hit) = r.attr_hits[ai][vi];
                if n == 0 {
                    "—".to_string()
                } else {
                    pct(hit as f64 / n as f64)
                }
            }));
            a.row(row);
        }
    }
    a.print();

    let failed: usize = runs.iter().map(|r| r.failed).sum();
    outln(&format!(
        "\nDetector on {} with {} inference threads and {} workers; {} photo failures; peak RSS {}; {}.",
        runs.first().map_or("?", |r| r.provider.as_str()),
        runs.first().map_or(0, |r| r.threads),
        runs.first().map_or(0, |r| r.workers),
        failed,
        peak_rss_kib().map(mib).unwrap_or_else(|| "?".into()),
        machine()
    ));
    Ok(())
}

fn in_bucket(b: &FaceBox, lo: f64, hi: f64) -> bool {
    let side = b.width().min(b.height());
    side >= lo && side < hi
}
