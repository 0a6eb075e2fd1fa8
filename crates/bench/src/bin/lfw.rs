//! LFW verification (official 6,000 pairs, 10 folds) with the Likeness pipeline.
//!
//! Every distinct image of `lfw-pairs/pairs_with_folds.csv` is embedded once. Its "main" face
//! is the detected face closest to the image centre (the LFW label belongs to the central
//! face). A pair whose image has no face (or failed) is a wrong answer at every threshold.
//!
//! ```text
//! cargo run --release -p likeness-bench --bin lfw -- [--limit N] [--cpu] [--threads N]
//! ```

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Parser;
use likeness_bench::verify::{accuracy_at, k_fold, tar_at_far, ScoredPair};
use likeness_bench::{
    central_face, machine, mean_std, median, mib, ms, open_pipeline, outln, parse, pct,
    peak_rss_kib, run_batch, CommonArgs, Csv, Table,
};
use likeness_engine::Embedding;

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
