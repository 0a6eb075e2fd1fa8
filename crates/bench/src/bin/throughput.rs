//! Throughput of the full pipeline with embeddings on the first photos of `celeba-dev`
//! (in the order of `identities.csv`, which is ascending file name), side by side with the
//! Python face_recognition library run on the same files in the same invocation
//! (`bench/peer_throughput.py` in the peer venv made by `scripts/setup-peer.sh`).
//!
//! Both sides exclude model loading and run one untimed warm-up photo (the first) first.
//! They run one after the other, never concurrently.
//!
//! ```text
//! cargo run --release -p likeness-bench --bin throughput -- [--limit 300] [--skip-peer]
//! ```

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use clap::Parser;
use likeness_bench::{
    machine, mib, open_pipeline, outln, peak_rss_kib, repo_root, run_batch, CommonArgs, Csv, Table,
};
use serde_json::Value;

/// Likeness photos/s vs face_recognition photos/s on the same photos.
#[derive(Debug, Parser)]
#[command(name = "throughput")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Number of photos (the first N of identities.csv).
    #[arg(long, value_name = "N", default_value_t = 300)]
    limit: usize,
    /// Do not run the face_recognition peer.
    #[arg(long)]
    skip_peer: bool,
    /// Peer processes, each on its own contiguous share of the photos, all at once — what
    /// face_recognition's CLI does with `--cpus N` (default 2: both cores, like Likeness).
    #[arg(long, default_value_t = 2)]
    peer_processes: usize,
    /// Python of the peer venv (default: .cache/peer-venv/bin/python in the repository).
    #[arg(long, value_name = "PATH")]
    peer_python: Option<PathBuf>,
    /// Skip the untimed warm-up photo on both sides.
    #[arg(long)]
    no_warmup: bool,
    /// Smallest face side, in pixels, the detector looks for.
    #[arg(long, default_value_t = 20.0)]
    min_face: f64,
    /// After the comparison, time Likeness variants built on the engine's public API
    /// (1 intra-op thread; 2 pipelines on alternate photos; detection on a downscaled copy).
    #[arg(long)]
    what_if: bool,
    /// Longest side of the detection copy in the --what-if runs.
    #[arg(long, default_value_t = 1280)]
    what_if_max_side: u32,
}

/// Time spent on one photo (seconds).
#[derive(Debug, Clone, Copy)]
struct PhotoTime {
    pixels: u64,
    width: u32,
    height: u32,
    faces: usize,
    decode: f64,
    detect: f64,
    /// Align + embed (Likeness) or landmarks + encode (peer).
    rest: f64,
}

impl PhotoTime {
    fn total(&self) -> f64 {
        self.decode + self.detect + self.rest
    }
}

/// Photo-size buckets (megapixels) for the breakdown.
const SIZE_BUCKETS: [(f64, f64, &str); 4] = [
    (0.0, 0.25, "< 0.25 MP"),
    (0.25, 1.0, "0.25–1 MP"),
    (1.0, 4.0, "1–4 MP"),
    (4.0, f64::INFINITY, "≥ 4 MP"),
];

/// One side of the comparison.
struct Side {
    name: String,
    photos: usize,
    errors: usize,
    faces: usize,
    no_face: usize,
    wall: f64,
    decode: f64,
    detect: f64,
    align: f64,
    embed: f64,
    peak_rss_kib: Option<u64>,
}

impl Side {
    fn photos_per_s(&self) -> f64 {
        self.photos as f64 / self.wall.max(1e-9)
    }
    fn faces_per_s(&self) -> f64 {
        self.faces as f64 / self.wall.max(1e-9)
    }
}

fn main() -> Result<()> {
    let args = Args::parse();
    likeness_bench::init_logging();
    let dir = args.common.data_dir("celeba-dev")?;
    let csv = Csv::read(&dir.join("identities.csv"))?;
    let c_path = csv.col("path")?;
    let paths: Vec<PathBuf> = csv
        .rows
        .iter()
        .take(args.limit)
        .map(|r| dir.join(&r[c_path]))
        .collect();
    if paths.is_empty() {
        bail!("no photos");
    }
    eprintln!("throughput: {} photos of {}", paths.len(), dir.display());

    // Likeness.
    let mut config = args.common.engine_config();
    config.min_face_size = args.min_face;
    let (pipeline, open_time) = open_pipeline(&config)?;
    if !args.no_warmup {
        let _ = pipeline.analyze(&paths[0], true);
    }
    let (results, wall) = run_batch(&pipeline, &paths, true, "likeness");
    let ok: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    for (r, p) in results.iter().zip(&paths) {
        if let Err(e) = r {
            eprintln!("likeness: {}: {e}", p.display());
        }
    }
    let t = likeness_engine::total_timings(ok.iter().copied());
    let likeness_photos: Vec<Option<PhotoTime>> = results
        .iter()
        .map(|r| {
            r.as_ref().ok().map(|p| PhotoTime {
                pixels: u64::from(p.width) * u64::from(p.height),
                width: p.width,
                height: p.height,
                faces: p.faces.len(),
                decode: p.timings.decode.as_secs_f64(),
                detect: p.timings.detect.as_secs_f64(),
                rest: (p.timings.align + p.timings.embed).as_secs_f64(),
            })
        })
        .collect();
    let likeness = Side {
        name: format!(
            "Likeness ({} + dlib ResNet, ONNX Runtime)",
            args.common.detector_label()
        ),
        photos: ok.len(),
        errors: results.len() - ok.len(),
        faces: ok.iter().map(|p| p.faces.len()).sum(),
        no_face: ok.iter().filter(|p| p.faces.is_empty()).count(),
        wall: wall.as_secs_f64(),
        decode: t.decode.as_secs_f64(),
        detect: t.detect.as_secs_f64(),
        align: t.align.as_secs_f64(),
        embed: t.embed.as_secs_f64(),
        peak_rss_kib: peak_rss_kib(),
    };
    let baseline_main: Vec<Option<likeness_engine::Embedding>> = results
        .iter()
        .map(|r| {
            r.as_ref()
                .ok()
                .and_then(|p| likeness_bench::central_face(p))
                .and_then(|f| f.embedding.clone())
        })
        .collect();
    let baseline_faces: Vec<Option<usize>> = results
        .iter()
        .map(|r| r.as_ref().ok().map(|p| p.faces.len()))
        .collect();
    let provider = pipeline.provider().label();
    let detector_provider = pipeline.detector_provider().label();
    drop(pipeline);

    // The peer, after Likeness has finished (never concurrently).
    let peer = if args.skip_peer {
        None
    } else {
        Some(run_peer(&args, &paths)?)
    };

    outln(&format!(
        "## Throughput — first {} photos of celeba-dev (identities.csv order), with embeddings\n",
        paths.len()
    ));
    let mut table = Table::new(&[
        "pipeline",
        "photos",
        "faces",
        "photos with no face",
        "wall",
        "photos/s",
        "faces/s",
        "peak RSS",
    ]);
    let sides: Vec<&Side> = std::iter::once(&likeness)
        .chain(peer.as_ref().map(|(s, _, _)| s))
        .collect();
    for s in &sides {
        table.row([
            s.name.clone(),
            if s.errors > 0 {
                format!("{} (+{} failed)", s.photos, s.errors)
            } else {
                s.photos.to_string()
            },
            s.faces.to_string(),
            s.no_face.to_string(),
            format!("{:.1} s", s.wall),
            format!("**{:.2}**", s.photos_per_s()),
            format!("{:.2}", s.faces_per_s()),
            s.peak_rss_kib.map(mib).unwrap_or_else(|| "?".into()),
        ]);
    }
    table.print();
    if let Some((p, _, _)) = &peer {
        let ratio = likeness.photos_per_s() / p.photos_per_s().max(1e-9);
        outln(&format!(
            "\n**Ratio (Likeness photos/s ÷ face_recognition photos/s): {ratio:.2}×** (faces/s ratio {:.2}×; target ≥ 5×)",
            likeness.faces_per_s() / p.faces_per_s().max(1e-9)
        ));
    }

    outln("\nTime per stage (sums of per-photo times; Likeness runs several photos at once, so its stages add up to more than its wall time):\n");
    let mut stages = Table::new(&[
        "stage",
        "Likeness ms/photo",
        "Likeness ms/face",
        "face_recognition ms/photo",
        "face_recognition ms/face",
    ]);
    let per = |s: &Side, v: f64| {
        (
            format!("{:.1}", v * 1000.0 / s.photos.max(1) as f64),
            format!("{:.1}", v * 1000.0 / s.faces.max(1) as f64),
        )
    };
    let names = [
        (
            "decode",
            "decode (Likeness: imaging crate; peer: PIL load_image_file)",
        ),
        (
            "detect",
            "detect (Likeness: MTCNN P/R/O-Net; peer: HOG, upsample 1)",
        ),
        (
            "align",
            "align (Likeness: 5 landmarks + dlib chip; peer: 5-point shape predictor)",
        ),
        (
            "embed",
            "embed (Likeness: batched ResNet; peer: chip + ResNet per face)",
        ),
    ];
    for (key, label) in names {
        let value = |s: &Side| match key {
            "decode" => s.decode,
            "detect" => s.detect,
            "align" => s.align,
            _ => s.embed,
        };
        let (lp, lf) = per(&likeness, value(&likeness));
        let (pp, pf) = peer
            .as_ref()
            .map(|(p, _, _)| per(p, value(p)))
            .unwrap_or_else(|| ("—".into(), "—".into()));
        stages.row([label.to_string(), lp, lf, pp, pf]);
    }
    let (lp, lf) = per(&likeness, likeness.wall);
    let (pp, pf) = peer
        .as_ref()
        .map(|(p, _, _)| per(p, p.wall))
        .unwrap_or_else(|| ("—".into(), "—".into()));
    stages.row(["**wall clock**".to_string(), lp, lf, pp, pf]);
    stages.print();

    let peer_photos = peer.as_ref().map(|(_, _, p)| p.as_slice()).unwrap_or(&[]);
    size_breakdown(&likeness_photos, peer_photos);
    slowest(&likeness_photos, peer_photos, &paths, 8);

    outln("\nSet-up:\n");
    let mut setup = Table::new(&["", "Likeness", "face_recognition"]);
    let peer_info = |key: &str| -> String {
        peer.as_ref()
            .and_then(|(_, j, _)| j.get(key))
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .unwrap_or_else(|| "—".into())
    };
    setup.row([
        "execution".to_string(),
        format!("ONNX Runtime, embedder on {provider}, detector on {detector_provider}"),
        format!(
            "dlib {} (BLAS {}, CUDA {}), face_recognition {}, Python {}",
            peer_info("dlib_version"),
            peer_info("dlib_use_blas"),
            peer_info("dlib_use_cuda"),
            peer_info("face_recognition_version"),
            peer_info("python")
        ),
    ]);
    setup.row([
        "threads".to_string(),
        format!(
            "{} intra-op threads (embedder; detectors get threads ÷ workers), {} workers (photos in parallel)",
            config.inference_threads, config.workers
        ),
        format!(
            "1 Python thread (HOG single-threaded); OpenBLAS threads: {}",
            peer_info("openblas_num_threads")
        ),
    ]);
    setup.row([
        "detector".to_string(),
        format!("{}, min face {} px", config.detector, config.min_face_size),
        peer_info("detector"),
    ]);
    setup.row([
        "alignment".to_string(),
        likeness_bench::alignment_label(config.alignment).to_string(),
        "5-point shape predictor in the HOG box".to_string(),
    ]);
    setup.row([
        "model loading (not timed)".to_string(),
        format!("{:.2} s", open_time.as_secs_f64()),
        "at import".to_string(),
    ]);
    setup.row([
        "warm-up photo (not timed)".to_string(),
        (!args.no_warmup).to_string(),
        peer_info("warmup"),
    ]);
    setup.row(["machine".to_string(), machine(), String::new()]);
    setup.print();

    if args.what_if {
        let peer_rate = peer.as_ref().map(|(p, _, _)| p.photos_per_s());
        what_if(
            &args,
            &config,
            &paths,
            &likeness,
            &baseline_faces,
            &baseline_main,
            peer_rate,
        )?;
    }
    Ok(())
}

/// Times Likeness variants (public engine API only) and prints them against the default run.
fn what_if(
    args: &Args,
    config: &likeness_engine::EngineConfig,
    paths: &[PathBuf],
    baseline: &Side,
    baseline_faces: &[Option<usize>],
    baseline_main: &[Option<likeness_engine::Embedding>],
    peer_rate: Option<f64>,
) -> Result<()> {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    // Separate pipelines, one per core, each with one worker and one intra-op thread: the
    // frame the downscaled-detection path (which drives decode/detect/chip/embed itself) runs in.
    let single = likeness_engine::EngineConfig {
        inference_threads: 1,
        workers: 1,
        ..config.clone()
    };
    let sequential = likeness_engine::EngineConfig {
        workers: 1,
        inference_threads: cores,
        ..config.clone()
    };
    let side = args.what_if_max_side;
    let variants: Vec<(String, likeness_engine::EngineConfig, usize, Option<u32>)> = vec![
        (
            format!("1 worker, {cores} intra-op threads (photos one at a time)"),
            sequential,
            1,
            None,
        ),
        (
            format!("{cores} separate pipelines × 1 thread, alternate photos"),
            single.clone(),
            cores,
            None,
        ),
        (
            format!("same + detect on a copy ≤ {side} px (chip from full size)"),
            single,
            cores,
            Some(side),
        ),
    ];
    let mut t = Table::new(&[
        "Likeness variant",
        "wall",
        "photos/s",
        "speed-up",
        "vs face_recognition",
        "faces",
        "no face",
        "photos with another face count",
        "main-face descriptor shift (median / max)",
    ]);
    let vs_peer =
        |rate: f64| peer_rate.map_or("—".to_string(), |p| format!("{:.2}×", rate / p.max(1e-9)));
    t.row([
        format!(
            "default ({} workers, {} intra-op threads)",
            config.workers, config.inference_threads
        ),
        format!("{:.1} s", baseline.wall),
        format!("{:.2}", baseline.photos_per_s()),
        "1.00×".to_string(),
        vs_peer(baseline.photos_per_s()),
        baseline.faces.to_string(),
        baseline.no_face.to_string(),
        "—".to_string(),
        "—".to_string(),
    ]);
    for (name, cfg, workers, max_side) in variants {
        eprintln!("what-if: {name}");
        let r = likeness_bench::what_if::run(&cfg, paths, workers, max_side)?;
        let rate = r.photos_ok() as f64 / r.wall.as_secs_f64().max(1e-9);
        let changed = r
            .photos
            .iter()
            .zip(baseline_faces)
            .filter(|(p, b)| p.ok && b.is_some_and(|b| b != p.faces))
            .count();
        let shifts: Vec<f64> = r
            .photos
            .iter()
            .zip(baseline_main)
            .filter_map(|(p, b)| match (&p.main, b) {
                (Some(a), Some(b)) => Some(f64::from(a.distance(b))),
                _ => None,
            })
            .collect();
        let max_shift = shifts.iter().copied().fold(0.0, f64::max);
        for (i, (p, b)) in r.photos.iter().zip(baseline_faces).enumerate() {
            let shift = match (&p.main, &baseline_main[i]) {
                (Some(a), Some(b)) => f64::from(a.distance(b)),
                _ => 0.0,
            };
            if p.ok && (b.is_some_and(|b| b != p.faces) || shift > 0.05) {
                eprintln!(
                    "what-if: {}: {} faces (default run {}), main-face descriptor shift {shift:.3}",
                    paths[i].display(),
                    p.faces,
                    b.map_or("failed".to_string(), |b| b.to_string())
                );
            }
        }
        t.row([
            name,
            format!("{:.1} s", r.wall.as_secs_f64()),
            format!("{rate:.2}"),
            format!("{:.2}×", rate / baseline.photos_per_s().max(1e-9)),
            vs_peer(rate),
            r.faces().to_string(),
            r.no_face().to_string(),
            changed.to_string(),
            format!("{:.3} / {:.3}", likeness_bench::median(&shifts), max_shift),
        ]);
    }
    outln("\nWhat if (Likeness variants on the same photos, built on the public engine API; warm-up untimed):\n");
    t.print();
    Ok(())
}

/// One JSON result from several peer processes that ran at the same time: counts, stage times
/// and peak RSS add up, the wall time is the slowest process's, per-photo rows are concatenated
/// (the processes had contiguous shares, so the order is the input's).
fn merge_peer_parts(parts: Vec<Value>) -> Value {
    let mut parts = parts.into_iter();
    let Some(mut merged) = parts.next() else {
        return Value::Null;
    };
    for p in parts {
        for k in ["photos", "errors", "faces", "no_face", "peak_rss_kib"] {
            let sum = merged.get(k).and_then(Value::as_u64).unwrap_or(0)
                + p.get(k).and_then(Value::as_u64).unwrap_or(0);
            merged[k] = Value::from(sum);
        }
        let wall = merged["wall_s"]
            .as_f64()
            .unwrap_or(0.0)
            .max(p["wall_s"].as_f64().unwrap_or(0.0));
        merged["wall_s"] = Value::from(wall);
        if let (Some(a), Some(b)) = (
            merged["stages_s"].as_object().cloned(),
            p["stages_s"].as_object(),
        ) {
            let mut out = a.clone();
            for (k, v) in b {
                let sum =
                    a.get(k).and_then(Value::as_f64).unwrap_or(0.0) + v.as_f64().unwrap_or(0.0);
                out.insert(k.clone(), Value::from(sum));
            }
            merged["stages_s"] = Value::Object(out);
        }
        if let (Some(a), Some(b)) = (
            merged["per_photo"].as_array().cloned(),
            p["per_photo"].as_array(),
        ) {
            let mut out = a;
            out.extend(b.iter().cloned());
            merged["per_photo"] = Value::Array(out);
        }
        let procs = merged.get("processes").and_then(Value::as_u64).unwrap_or(1) + 1;
        merged["processes"] = Value::from(procs);
    }
    merged
}

/// Runs `bench/peer_throughput.py` on `paths` (in `--peer-processes` processes at once) and
/// reads its JSON.
fn run_peer(args: &Args, paths: &[PathBuf]) -> Result<(Side, Value, Vec<Option<PhotoTime>>)> {
    let root = repo_root();
    let python = args
        .peer_python
        .clone()
        .unwrap_or_else(|| root.join(".cache/peer-venv/bin/python"));
    let script = root.join("bench/peer_throughput.py");
    if !python.exists() {
        bail!(
            "peer python not found at {}: run scripts/setup-peer.sh (or pass --peer-python, or --skip-peer)",
            python.display()
        );
    }
    let n = args.peer_processes.clamp(1, paths.len().max(1));
    eprintln!(
        "peer: {} {} × {n} processes",
        python.display(),
        script.display()
    );
    // Spawn every process first, then feed each its share, so they run together.
    let share = paths.len().div_ceil(n);
    let mut children = Vec::new();
    for chunk in paths.chunks(share.max(1)) {
        let mut cmd = Command::new(&python);
        cmd.arg(&script);
        if args.no_warmup {
            cmd.arg("--no-warmup");
        }
        let child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {}", python.display()))?;
        children.push((child, chunk));
    }
    for (child, chunk) in &mut children {
        let mut stdin = child.stdin.take().context("peer stdin")?;
        let list: String = chunk.iter().map(|p| format!("{}\n", p.display())).collect();
        stdin
            .write_all(list.as_bytes())
            .context("writing the photo list to the peer")?;
    }
    let mut parts: Vec<Value> = Vec::new();
    for (child, _) in children {
        let output = child.wait_with_output().context("waiting for the peer")?;
        if !output.status.success() {
            bail!("peer failed ({}); see its messages above", output.status);
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        let line = stdout
            .lines()
            .rev()
            .find(|l| l.trim_start().starts_with('{'))
            .context("the peer printed no JSON")?;
        parts.push(serde_json::from_str(line).context("parsing the peer's JSON")?);
    }
    let json = merge_peer_parts(parts);
    let num = |v: &Value, k: &str| v.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN);
    let count = |k: &str| json.get(k).and_then(Value::as_u64).unwrap_or(0) as usize;
    let stages = json.get("stages_s").cloned().unwrap_or(Value::Null);
    let side = Side {
        name: format!(
            "face_recognition {} (dlib HOG + dlib ResNet), {} processes",
            json.get("face_recognition_version")
                .and_then(Value::as_str)
                .unwrap_or("?"),
            json.get("processes").and_then(Value::as_u64).unwrap_or(1)
        ),
        photos: count("photos"),
        errors: count("errors"),
        faces: count("faces"),
        no_face: count("no_face"),
        wall: num(&json, "wall_s"),
        decode: num(&stages, "decode"),
        detect: num(&stages, "detect"),
        align: num(&stages, "landmarks"),
        embed: num(&stages, "encode"),
        peak_rss_kib: json.get("peak_rss_kib").and_then(Value::as_u64),
    };
    let num0 = |v: &Value, k: &str| v.get(k).and_then(Value::as_f64).unwrap_or(0.0);
    let per_photo: Vec<Option<PhotoTime>> = json
        .get("per_photo")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|p| {
                    p.as_object().map(|_| {
                        let (w, h) = (num0(p, "width") as u32, num0(p, "height") as u32);
                        PhotoTime {
                            pixels: u64::from(w) * u64::from(h),
                            width: w,
                            height: h,
                            faces: num0(p, "faces") as usize,
                            decode: num0(p, "decode"),
                            detect: num0(p, "detect"),
                            rest: num0(p, "landmarks") + num0(p, "encode"),
                        }
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Ok((side, json, per_photo))
}

fn bucket_of(t: &PhotoTime) -> usize {
    let mp = t.pixels as f64 / 1e6;
    SIZE_BUCKETS
        .iter()
        .position(|(lo, hi, _)| mp >= *lo && mp < *hi)
        .unwrap_or(0)
}

/// Time per photo by photo size, on the photos both sides processed.
fn size_breakdown(likeness: &[Option<PhotoTime>], peer: &[Option<PhotoTime>]) {
    let have_peer = !peer.is_empty();
    outln("\nBy photo size (ms per photo; decode + detect + align/embed summed per photo, so without the decode overlap):\n");
    let mut t = Table::new(&[
        "photo size",
        "photos",
        "share of Likeness time",
        "Likeness detect",
        "Likeness total",
        "face_recognition detect",
        "face_recognition total",
        "ratio (total)",
    ]);
    let all_total: f64 = likeness.iter().flatten().map(PhotoTime::total).sum();
    for (b, (_, _, name)) in SIZE_BUCKETS.iter().enumerate() {
        let idx: Vec<usize> = (0..likeness.len())
            .filter(|&i| likeness[i].as_ref().is_some_and(|p| bucket_of(p) == b))
            .filter(|&i| !have_peer || peer.get(i).is_some_and(Option::is_some))
            .collect();
        if idx.is_empty() {
            continue;
        }
        let n = idx.len() as f64;
        let sum = |v: &[Option<PhotoTime>], f: fn(&PhotoTime) -> f64| -> f64 {
            idx.iter()
                .filter_map(|&i| v.get(i).copied().flatten())
                .map(|p| f(&p))
                .sum()
        };
        let l_detect = sum(likeness, |p| p.detect);
        let l_total = sum(likeness, PhotoTime::total);
        let (p_detect, p_total) = if have_peer {
            (sum(peer, |p| p.detect), sum(peer, PhotoTime::total))
        } else {
            (f64::NAN, f64::NAN)
        };
        let cell = |v: f64| {
            if v.is_nan() {
                "—".to_string()
            } else {
                format!("{:.1}", v * 1000.0 / n)
            }
        };
        t.row([
            name.to_string(),
            idx.len().to_string(),
            format!("{:.0} %", 100.0 * l_total / all_total.max(1e-12)),
            cell(l_detect),
            cell(l_total),
            cell(p_detect),
            cell(p_total),
            if have_peer {
                format!("{:.2}×", p_total / l_total.max(1e-12))
            } else {
                "—".into()
            },
        ]);
    }
    t.print();
}

/// The photos Likeness spent longest on.
fn slowest(
    likeness: &[Option<PhotoTime>],
    peer: &[Option<PhotoTime>],
    paths: &[PathBuf],
    n: usize,
) {
    let mut idx: Vec<usize> = (0..likeness.len())
        .filter(|&i| likeness[i].is_some())
        .collect();
    idx.sort_by(|&a, &b| {
        let t = |i: usize| likeness[i].map_or(0.0, |p| p.total());
        t(b).total_cmp(&t(a))
    });
    idx.truncate(n);
    outln(&format!(
        "\nSlowest {} photos for Likeness (ms):\n",
        idx.len()
    ));
    let mut t = Table::new(&[
        "photo",
        "size",
        "faces (L / fr)",
        "Likeness decode",
        "Likeness detect",
        "Likeness align+embed",
        "face_recognition decode",
        "face_recognition detect",
        "face_recognition landmarks+encode",
    ]);
    let ms = |v: f64| format!("{:.0}", v * 1000.0);
    for i in idx {
        let Some(l) = likeness[i] else { continue };
        let p = peer.get(i).copied().flatten();
        let name = paths[i]
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        t.row([
            name,
            format!("{}×{}", l.width, l.height),
            format!(
                "{} / {}",
                l.faces,
                p.map_or("—".to_string(), |p| p.faces.to_string())
            ),
            ms(l.decode),
            ms(l.detect),
            ms(l.rest),
            p.map_or("—".into(), |p| ms(p.decode)),
            p.map_or("—".into(), |p| ms(p.detect)),
            p.map_or("—".into(), |p| ms(p.rest)),
        ]);
    }
    t.print();
}
