//! LFW verification (official 6,000 pairs, 10 folds) with the Likeness pipeline.
//!
//! Every distinct image of `lfw-pairs/pairs_with_folds.csv` is embedded once. Its "main" face
//! is the detected face closest to the image centre (the LFW label belongs to the central
//! face). A pair whose image has no face (or failed) is a wrong answer at every threshold.
//!
//! ```text
//! cargo run --release -p likeness-bench --bin lfw -- [--limit N] [--cpu] [--threads N] [--flip]
//! ```
//!
//! `--flip` measures flip test-time augmentation: the central face's chip is cut again, mirrored
//! left–right and embedded, and the pair's distance uses the mean of the two descriptors.
//! `--jitter N` measures dlib's jittering (`num_jitters`): the descriptor is the mean over N
//! copies of the chip, each slightly rotated, zoomed, moved and, half of them, mirrored
//! (`dlib::jitter_image`); dlib reaches its published 99.38 % that way, with 100 jitters.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use clap::Parser;
use likeness_bench::verify::{accuracy_at, k_fold, tar_at_far, ScoredPair};
use likeness_bench::{
    central_face, machine, mean_std, median, mib, ms, open_pipeline, outln, parse, pct,
    peak_rss_kib, run_batch, CommonArgs, Csv, Table,
};
use likeness_engine::{Embedding, FacePipeline, PhotoFaces};

/// LFW 10-fold verification accuracy, accuracy at the default threshold, TAR at FAR 1e-3.
#[derive(Debug, Parser)]
#[command(name = "lfw")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Use only the first N/2 same and N/2 different pairs of each fold (quick run).
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// Smallest face side, in pixels, the detector looks for.
    #[arg(long, default_value_t = 20.0)]
    min_face: f64,
    /// Average each face's descriptor with that of its mirrored chip (flip test-time
    /// augmentation; a measurement, not what the product does).
    #[arg(long)]
    flip: bool,
    /// Replace each face's descriptor by the mean over N jittered copies of its chip (dlib's
    /// `num_jitters`; a measurement, not what the product does).
    #[arg(long, value_name = "N", conflicts_with = "flip")]
    jitter: Option<usize>,
}

struct Pair {
    fold: usize,
    a: String,
    b: String,
    same: bool,
}

fn main() -> Result<()> {
    let args = Args::parse();
    likeness_bench::init_logging();
    let dir = args.common.data_dir("lfw-pairs")?;
    let csv = Csv::read(&dir.join("pairs_with_folds.csv"))?;
    let (c_fold, c_a, c_b, c_same) = (
        csv.col("fold")?,
        csv.col("path_a")?,
        csv.col("path_b")?,
        csv.col("same")?,
    );
    let mut pairs = Vec::with_capacity(csv.rows.len());
    for row in &csv.rows {
        pairs.push(Pair {
            fold: parse(&row[c_fold], "fold")?,
            a: row[c_a].clone(),
            b: row[c_b].clone(),
            same: parse::<u8>(&row[c_same], "same")? == 1,
        });
    }
    if let Some(limit) = args.limit {
        let mut taken: HashMap<(usize, bool), usize> = HashMap::new();
        pairs.retain(|p| {
            let n = taken.entry((p.fold, p.same)).or_default();
            *n += 1;
            *n <= limit.div_ceil(2)
        });
    }
    if pairs.is_empty() {
        bail!("no pairs");
    }

    // Distinct images, in first-seen order.
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut images: Vec<&str> = Vec::new();
    for p in &pairs {
        for path in [p.a.as_str(), p.b.as_str()] {
            if !index.contains_key(path) {
                index.insert(path, images.len());
                images.push(path);
            }
        }
    }
    let paths: Vec<PathBuf> = images.iter().map(|p| dir.join(p)).collect();
    eprintln!(
        "lfw: {} pairs, {} distinct images in {}",
        pairs.len(),
        paths.len(),
        dir.display()
    );

    let mut config = args.common.engine_config();
    config.min_face_size = args.min_face;
    let (pipeline, open_time) = open_pipeline(&config)?;
    let (results, wall) = run_batch(&pipeline, &paths, true, "lfw");

    let mut embeddings: Vec<Option<Embedding>> = Vec::with_capacity(results.len());
    let (mut no_face, mut failed, mut multi) = (0usize, 0usize, 0usize);
    let mut no_face_names = Vec::new();
    for (r, name) in results.iter().zip(&images) {
        match r {
            Ok(photo) => {
                if photo.faces.len() > 1 {
                    multi += 1;
                }
                let e = central_face(photo).and_then(|f| f.embedding.clone());
                if e.is_none() {
                    no_face += 1;
                    no_face_names.push(*name);
                }
                embeddings.push(e);
            }
            Err(e) => {
                failed += 1;
                eprintln!("lfw: {name}: {e}");
                embeddings.push(None);
            }
        }
    }

    let augmentation = match (args.flip, args.jitter) {
        (true, _) => Some(Augmentation::Mirror),
        (false, Some(n)) if n > 0 => Some(Augmentation::Jitter(n)),
        _ => None,
    };
    let augment_cost = match augmentation {
        Some(how) => Some(augment(&pipeline, &paths, &results, &mut embeddings, how)?),
        None => None,
    };

    let scored: Vec<ScoredPair> = pairs
        .iter()
        .map(|p| {
            let ea = &embeddings[index[p.a.as_str()]];
            let eb = &embeddings[index[p.b.as_str()]];
            ScoredPair {
                fold: p.fold,
                same: p.same,
                distance: match (ea, eb) {
                    (Some(a), Some(b)) => Some(f64::from(a.distance(b))),
                    _ => None,
                },
            }
        })
        .collect();
    let missing_pairs = scored.iter().filter(|p| p.distance.is_none()).count();
    let folds = k_fold(&scored);
    let accs: Vec<f64> = folds.iter().map(|f| f.accuracy).collect();
    let thresholds: Vec<f64> = folds.iter().map(|f| f.threshold).collect();
    let (acc_mean, acc_std) = mean_std(&accs);
    let (thr_mean, thr_std) = mean_std(&thresholds);
    let default_t = f64::from(pipeline.default_threshold());
    let acc_default = accuracy_at(&scored, default_t);
    let tar = tar_at_far(&scored, 1e-3);
    let same_d: Vec<f64> = scored
        .iter()
        .filter(|p| p.same)
        .filter_map(|p| p.distance)
        .collect();
    let diff_d: Vec<f64> = scored
        .iter()
        .filter(|p| !p.same)
        .filter_map(|p| p.distance)
        .collect();
    let n_same = scored.iter().filter(|p| p.same).count();
    let n_folds = folds.len();
    let timings = likeness_engine::total_timings(results.iter().filter_map(|r| r.as_ref().ok()));
    let n_img = paths.len().max(1) as u32;

    outln(&format!(
        "## LFW verification — Likeness (MTCNN → dlib chip → dlib ResNet), {} pairs in {} folds\n",
        scored.len(),
        n_folds
    ));
    let mut t = Table::new(&["metric", "value"]);
    t.row([
        format!("{n_folds}-fold accuracy (threshold chosen on the other folds)"),
        format!("**{} ± {}**", pct(acc_mean), pct(acc_std)),
    ]);
    t.row([
        "chosen thresholds (mean ± std)".to_string(),
        format!("{thr_mean:.3} ± {thr_std:.3}"),
    ]);
    t.row([
        format!("accuracy at the default threshold {default_t:.2}"),
        pct(acc_default),
    ]);
    t.row([
        "TAR @ FAR 1e-3 (all pairs)".to_string(),
        format!(
            "{} (threshold {:.3}, {} of {} different pairs accepted)",
            pct(tar.tar),
            tar.threshold,
            tar.false_accepts,
            scored.len() - n_same
        ),
    ]);
    t.row([
        "median distance, same / different".to_string(),
        format!("{:.3} / {:.3}", median(&same_d), median(&diff_d)),
    ]);
    t.row([
        "images with no face found (+ failed to decode)".to_string(),
        format!("{no_face} of {} (+ {failed})", paths.len()),
    ]);
    t.row([
        "pairs with a missing face (counted as wrong answers)".to_string(),
        format!("{missing_pairs} of {}", scored.len()),
    ]);
    t.row([
        "images with more than one face (central one used)".to_string(),
        multi.to_string(),
    ]);
    t.row([
        "time: embed all images (wall)".to_string(),
        format!(
            "{:.1} s ({:.1} images/s, {} / image), model loading {:.1} s",
            wall.as_secs_f64(),
            paths.len() as f64 / wall.as_secs_f64().max(1e-9),
            ms(wall / n_img),
            open_time.as_secs_f64()
        ),
    ]);
    t.row([
        "stage time per image: decode / detect / align / embed".to_string(),
        format!(
            "{} / {} / {} / {}",
            ms(timings.decode / n_img),
            ms(timings.detect / n_img),
            ms(timings.align / n_img),
            ms(timings.embed / n_img)
        ),
    ]);
    t.row([
        "execution provider, threads".to_string(),
        format!(
            "{} (detector {}), {} inference threads, {} workers",
            pipeline.provider().label(),
            pipeline.detector_provider().label(),
            config.inference_threads,
            config.workers
        ),
    ]);
    t.row([
        "alignment".to_string(),
        likeness_bench::alignment_label(config.alignment).to_string(),
    ]);
    if let Some(cost) = &augment_cost {
        t.row([
            "test-time augmentation".to_string(),
            format!(
                "{}: {} faces; re-cutting {} / image (decode + align, not needed in the product), embedding the extra chips {} / image",
                cost.label,
                cost.faces,
                ms(cost.cut / n_img),
                ms(cost.embed / n_img)
            ),
        ]);
    }
    t.row([
        "peak RSS".to_string(),
        peak_rss_kib().map(mib).unwrap_or_else(|| "?".into()),
    ]);
    t.row(["machine".to_string(), machine()]);
    t.print();

    outln("\nPer fold:\n");
    let mut f = Table::new(&["fold", "threshold", "accuracy"]);
    for r in &folds {
        f.row([
            r.fold.to_string(),
            format!("{:.3}", r.threshold),
            pct(r.accuracy),
        ]);
    }
    f.print();
    if !no_face_names.is_empty() {
        let shown: Vec<&str> = no_face_names.iter().take(20).copied().collect();
        eprintln!(
            "lfw: no face in {} images{}: {}",
            no_face_names.len(),
            if no_face_names.len() > shown.len() {
                " (first 20)"
            } else {
                ""
            },
            shown.join(", ")
        );
    }
    Ok(())
}

/// Test-time augmentation of the central face's descriptor.
#[derive(Debug, Clone, Copy)]
enum Augmentation {
    /// Mean of the chip's and its mirror image's descriptors.
    Mirror,
    /// Mean over this many jittered chips (dlib's `num_jitters`).
    Jitter(usize),
}

/// What the augmentation pass cost.
struct AugmentCost {
    label: String,
    faces: usize,
    /// Decoding the photos again and cutting the chips (the product has them already).
    cut: Duration,
    /// Embedding the extra chips: the real extra cost.
    embed: Duration,
}

/// Replaces each central face's descriptor by the augmented one.
fn augment(
    pipeline: &FacePipeline,
    paths: &[PathBuf],
    results: &[Result<PhotoFaces, likeness_engine::EngineError>],
    embeddings: &mut [Option<Embedding>],
    how: Augmentation,
) -> Result<AugmentCost> {
    const CHUNK: usize = 64;
    let mut cost = AugmentCost {
        label: match how {
            Augmentation::Mirror => "flip (chip + mirror)".to_string(),
            Augmentation::Jitter(n) => format!("{n} dlib jitters"),
        },
        faces: 0,
        cut: Duration::ZERO,
        embed: Duration::ZERO,
    };
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let slots: Vec<usize> = (0..results.len())
        .filter(|&i| embeddings[i].is_some())
        .collect();
    for chunk in slots.chunks(CHUNK) {
        let t = Instant::now();
        let mut extra: Vec<(usize, image::RgbImage)> = Vec::new();
        for &i in chunk {
            let Ok(photo) = &results[i] else { continue };
            let Some(face) = central_face(photo) else {
                continue;
            };
            let decoded = pipeline.decode(&paths[i])?;
            let chip = pipeline.chip(&decoded.image, &face.detection);
            match how {
                Augmentation::Mirror => {
                    extra.push((i, image::imageops::flip_horizontal(&chip)));
                }
                Augmentation::Jitter(n) => {
                    for _ in 0..n {
                        extra.push((i, jitter(pipeline, &chip, &mut rng)));
                    }
                }
            }
        }
        cost.cut += t.elapsed();
        let t = Instant::now();
        let refs: Vec<&image::RgbImage> = extra.iter().map(|(_, c)| c).collect();
        let descriptors = pipeline.embed_chips(&refs)?;
        cost.embed += t.elapsed();
        // Sum per face, then average (with the original descriptor for the mirror).
        let mut sums: Vec<(usize, Vec<f32>, f32)> = Vec::new();
        for ((i, _), d) in extra.iter().zip(descriptors) {
            match sums.last_mut() {
                Some((j, sum, n)) if j == i => {
                    for (a, b) in sum.iter_mut().zip(&d.0) {
                        *a += b;
                    }
                    *n += 1.0;
                }
                _ => sums.push((*i, d.0, 1.0)),
            }
        }
        for (i, sum, n) in sums {
            let Some(e) = &mut embeddings[i] else {
                continue;
            };
            match how {
                Augmentation::Mirror => {
                    for (a, b) in e.0.iter_mut().zip(&sum) {
                        *a = (*a + b) / 2.0;
                    }
                }
                Augmentation::Jitter(_) => {
                    e.0 = sum.iter().map(|v| v / n).collect();
                }
            }
            cost.faces += 1;
        }
    }
    eprintln!(
        "lfw: {}: {} faces, cut {:.1} s, embedded {:.1} s",
        cost.label,
        cost.faces,
        cost.cut.as_secs_f64(),
        cost.embed.as_secs_f64()
    );
    Ok(cost)
}

/// `dlib::jitter_image`: the chip resampled from a square 3 px inside its border, moved by up
/// to ±2 %, zoomed out by 0–3 %, rotated by up to ±3°, and mirrored half of the time.
fn jitter(pipeline: &FacePipeline, chip: &image::RgbImage, rng: &mut XorShift) -> image::RgbImage {
    let side = f64::from(chip.width());
    let inner = side - 6.0;
    let (tx, ty) = (
        rng.range(-0.02, 0.02) * inner,
        rng.range(-0.02, 0.02) * inner,
    );
    let zoom = rng.range(0.97, 0.99999);
    let angle = rng.range(-3.0, 3.0).to_radians();
    let mirror = rng.next_f64() > 0.5;
    let scale = inner / zoom / side;
    let (c, s) = (angle.cos() * scale, angle.sin() * scale);
    let centre = side / 2.0;
    let to_source = |p: likeness_engine::Point| {
        let (dx, dy) = (p.x - centre, p.y - centre);
        likeness_engine::Point::new(c * dx - s * dy + centre + tx, s * dx + c * dy + centre + ty)
    };
    let aligner = pipeline.aligner();
    let template = aligner.dlib_template();
    let source = template.map(to_source);
    let out = aligner.chip_with_template(chip, &template, &source);
    if mirror {
        image::imageops::flip_horizontal(&out)
    } else {
        out
    }
}

/// A small deterministic generator (xorshift64*), so runs repeat.
struct XorShift(u64);

impl XorShift {
    fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let v = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (v >> 11) as f64 / (1u64 << 53) as f64
    }

    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next_f64()
    }
}
