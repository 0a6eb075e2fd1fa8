//! Sideways photos (`EngineConfig::try_rotations`): the first N photos of celeba-dev, upright
//! and turned 90° clockwise (JPEG quality 95, no EXIF), through the pipeline with the retry
//! off and on. Prints the gain (photos with a face, same person as upright) and the cost
//! (time per photo; retries run on upright photos with no face and their time).
#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;
use likeness_bench::{central_face, init_logging, open_pipeline, repo_root, run_batch, CommonArgs};
use likeness_engine::{EngineError, PhotoFaces};

#[derive(Parser)]
#[command(about = "Gain and cost of retrying photos with no face at 90° and 270°")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Photos of celeba-dev (first N by file name).
    #[arg(long, default_value_t = 300)]
    limit: usize,
}

type Results = Vec<Result<PhotoFaces, EngineError>>;

fn main() -> Result<()> {
    init_logging();
    let args = Args::parse();
    let images = args.common.data_dir("celeba-dev")?.join("images");
    let mut upright: Vec<PathBuf> = std::fs::read_dir(&images)
        .with_context(|| format!("listing {}", images.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    upright.sort();
    upright.truncate(args.limit);

    let scratch = repo_root().join("target/bench/sideways");
    std::fs::create_dir_all(&scratch)?;
    let mut sideways = Vec::with_capacity(upright.len());
    for p in &upright {
        let img = image::open(p)
            .with_context(|| format!("decoding {}", p.display()))?
            .to_rgb8();
        let turned = image::imageops::rotate90(&img);
        let out = scratch.join(p.file_name().context("file name")?);
        let mut bytes = Vec::new();
        let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 95);
        turned.write_with_encoder(enc)?;
        std::fs::write(&out, bytes)?;
        sideways.push(out);
    }
    eprintln!(
        "{} sideways copies in {}",
        sideways.len(),
        scratch.display()
    );

    let mut config = args.common.engine_config();
    config.try_rotations = false;
    let (off, _) = open_pipeline(&config)?;
    config.try_rotations = true;
    let (on, _) = open_pipeline(&config)?;

    // Warm-up (first runs pay for allocations), then each condition once.
    let warm = &upright[..upright.len().min(20)];
    run_batch(&off, warm, true, "warm-up off");
    run_batch(&on, warm, true, "warm-up on");
    let (up_off, t_up_off) = run_batch(&off, &upright, true, "upright, retry off");
    let (up_on, t_up_on) = run_batch(&on, &upright, true, "upright, retry on");
    let (side_off, t_side_off) = run_batch(&off, &sideways, true, "sideways, retry off");
    let (side_on, t_side_on) = run_batch(&on, &sideways, true, "sideways, retry on");

    let n = upright.len();
    println!(
        "## Sideways photos: first {n} photos of celeba-dev, turned 90° clockwise (JPEG q95, no EXIF)\n"
    );
    println!("machine: {}\n", likeness_bench::machine());
    println!("| photos | retry | photos with ≥ 1 face | faces | same person as upright (central face < 0.6) | median distance to upright | wall ms / photo | detect ms / photo (sum over workers) |");
    println!("|---|---|---|---|---|---|---|---|");
    for (label, retry, results, took) in [
        ("upright", "off", &up_off, t_up_off),
        ("upright", "on", &up_on, t_up_on),
        ("sideways", "off", &side_off, t_side_off),
        ("sideways", "on", &side_on, t_side_on),
    ] {
        let (same, median) = same_person(&up_off, results);
        println!(
            "| {label} | {retry} | {} | {} | {same} | {median} | {:.1} | {:.1} |",
            with_face(results),
            faces(results),
            per_photo(took, n),
            per_photo(detect(results), n),
        );
    }

    // The cost on upright photos: the retry runs only where no face is found upright.
    let no_face: Vec<usize> = (0..n)
        .filter(|&i| up_off[i].as_ref().is_ok_and(|p| p.faces.is_empty()))
        .collect();
    let extra: Duration = no_face
        .iter()
        .map(|&i| {
            let t = |r: &Result<PhotoFaces, EngineError>| {
                r.as_ref().map(|p| p.timings.detect).unwrap_or_default()
            };
            t(&up_on[i]).saturating_sub(t(&up_off[i]))
        })
        .sum();
    let found = no_face
        .iter()
        .filter(|&&i| up_on[i].as_ref().is_ok_and(|p| !p.faces.is_empty()))
        .count();
    let retried: Vec<usize> = (0..n)
        .filter(|&i| side_off[i].as_ref().is_ok_and(|p| p.faces.is_empty()))
        .collect();
    let t = |r: &Result<PhotoFaces, EngineError>| {
        r.as_ref().map(|p| p.timings.detect).unwrap_or_default()
    };
    let retry_time: Duration = retried
        .iter()
        .map(|&i| t(&side_on[i]).saturating_sub(t(&side_off[i])))
        .sum();
    let recovered = retried
        .iter()
        .filter(|&&i| {
            let (Ok(a), Ok(b)) = (&up_off[i], &side_on[i]) else {
                return false;
            };
            let (Some(a), Some(b)) = (central_face(a), central_face(b)) else {
                return false;
            };
            a.embedding
                .as_ref()
                .zip(b.embedding.as_ref())
                .is_some_and(|(a, b)| a.distance(b) < 0.6)
        })
        .count();
    let per_retry = per_photo(retry_time, retried.len().max(1));
    let upright_detect = per_photo(detect(&up_off), n);
    println!();
    println!(
        "Upright photos with no face (each gets one retry when on): {} of {n}; the retries added {:.0} ms of detection in all ({:.1} ms per retried photo, {:.1}× an upright photo's {:.1} ms detection) and found a face on {found} of them.",
        no_face.len(),
        extra.as_secs_f64() * 1e3,
        per_photo(extra, no_face.len().max(1)),
        per_photo(extra, no_face.len().max(1)) / upright_detect.max(1e-9),
        upright_detect,
    );
    println!(
        "Sideways photos with no face without the retry (each retried when on): {} of {n}; the retry found the same person as upright on {recovered} of them; it cost {per_retry:.1} ms of detection per retried photo ({:.1}× the same photo's detection without it).",
        retried.len(),
        per_retry / per_photo(retried.iter().map(|&i| t(&side_off[i])).sum(), retried.len().max(1)).max(1e-9),
    );
    Ok(())
}

fn with_face(r: &Results) -> usize {
    r.iter()
        .filter(|p| p.as_ref().is_ok_and(|p| !p.faces.is_empty()))
        .count()
}

fn faces(r: &Results) -> usize {
    r.iter().flatten().map(|p| p.faces.len()).sum()
}

fn detect(r: &Results) -> Duration {
    r.iter().flatten().map(|p| p.timings.detect).sum()
}

fn per_photo(d: Duration, n: usize) -> f64 {
    d.as_secs_f64() * 1e3 / n.max(1) as f64
}

/// Photos whose central face is within 0.6 of the upright photo's central face, and the
/// median of those distances (over photos with a face in both).
fn same_person(reference: &Results, r: &Results) -> (usize, String) {
    let mut distances: Vec<f64> = reference
        .iter()
        .zip(r)
        .filter_map(|(a, b)| {
            let a = central_face(a.as_ref().ok()?)?.embedding.as_ref()?;
            let b = central_face(b.as_ref().ok()?)?.embedding.as_ref()?;
            Some(f64::from(a.distance(b)))
        })
        .collect();
    let same = distances.iter().filter(|&&d| d < 0.6).count();
    if distances.is_empty() {
        return (0, "–".into());
    }
    distances.sort_by(f64::total_cmp);
    (same, format!("{:.3}", likeness_bench::median(&distances)))
}
