//! Indexing a library from cold, next to the bare face pipeline on the same photos:
//! photos/s, faces/s, peak RSS, catalog and thumbnail size. Each side runs in its own process
//! (this program re-runs itself with `--mode`), so peak RSS is per side.
//!
//! ```text
//! cargo run --release -p likeness-bench --bin index_library -- [--limit N] [--folder DIR]
//! ```
//! Default folder: `../shared/data/celeba-dev/images` (1,790 photos).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Parser, ValueEnum};
use likeness_bench::{
    machine, mib, open_pipeline, outln, peak_rss_kib, run_batch, CommonArgs, Table,
};
use likeness_engine::{add_root, open_catalog, IndexControl, Indexer, LibraryPaths, SystemClock};
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    Both,
    Bare,
    Index,
}

#[derive(Debug, Parser)]
#[command(name = "index_library")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Folder of photos (default: celeba-dev's images).
    #[arg(long)]
    folder: Option<PathBuf>,
    /// Only the first N photos (by name), linked into a scratch folder.
    #[arg(long)]
    limit: Option<usize>,
    #[arg(long, value_enum, default_value_t = Mode::Both)]
    mode: Mode,
    /// Scratch folder for the catalog, thumbnails and the --limit links.
    #[arg(long, default_value = "target/bench/index-library")]
    scratch: PathBuf,
}

fn photos_in(folder: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(folder).with_context(|| folder.display().to_string())? {
        let p = e?.path();
        if p.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| ["jpg", "jpeg", "png"].contains(&e.to_ascii_lowercase().as_str()))
        {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

/// The library folder to index: the folder itself, or a scratch folder of links to its first
/// `limit` photos.
fn library_folder(args: &Args) -> Result<PathBuf> {
    let folder = match &args.folder {
        Some(f) => f.clone(),
        None => args.common.data_dir("celeba-dev")?.join("images"),
    };
    let Some(limit) = args.limit else {
        return Ok(folder);
    };
    let links = args.scratch.join(format!("first-{limit}"));
    let _ = std::fs::remove_dir_all(&links);
    std::fs::create_dir_all(&links)?;
    for p in photos_in(&folder)?.into_iter().take(limit) {
        let name = p.file_name().context("file name")?;
        std::os::unix::fs::symlink(&p, links.join(name))?;
    }
    Ok(links)
}

fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            total += if p.is_dir() {
                dir_size(&p)
            } else {
                e.metadata().map(|m| m.len()).unwrap_or(0)
            };
        }
    }
    total
}

fn run_bare(args: &Args, folder: &Path) -> Result<Value> {
    let paths = photos_in(folder)?;
    let (pipeline, _) = open_pipeline(&args.common.engine_config())?;
    let (results, took) = run_batch(&pipeline, &paths, true, "bare pipeline");
    let faces: usize = results.iter().flatten().map(|p| p.faces.len()).sum();
    let errors = results.iter().filter(|r| r.is_err()).count();
    Ok(json!({
        "photos": paths.len(), "faces": faces, "errors": errors,
        "seconds": took.as_secs_f64(), "peak_rss_kib": peak_rss_kib(),
    }))
}

fn run_index(args: &Args, folder: &Path) -> Result<Value> {
    let lib = args.scratch.join("library");
    let _ = std::fs::remove_dir_all(&lib);
    let paths = LibraryPaths::in_dir(&lib);
    let mut catalog = open_catalog(&paths)?;
    let clock = SystemClock;
    add_root(&mut catalog, folder, &clock)?;
    let (pipeline, _) = open_pipeline(&args.common.engine_config())?;
    let indexer = Indexer::new(&pipeline, &paths, &clock);
    let control = IndexControl::new();
    let start = Instant::now();
    let mut last = Instant::now();
    let (scan, summary) = indexer.run(&mut catalog, &control, &mut |p| {
        if last.elapsed().as_secs() >= 15 {
            eprintln!(
                "index: {}/{} photos, {:.1} photos/s",
                p.photos_done, p.photos_total, p.rate
            );
            last = Instant::now();
        }
    })?;
    let took = start.elapsed();
    drop(catalog);
    let catalog_bytes = ["", "-wal", "-shm"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", paths.catalog.display())).ok())
        .map(|m| m.len())
        .sum::<u64>();
    Ok(json!({
        "photos": summary.photos, "faces": summary.faces, "errors": summary.errors,
        "files_found": scan.files_found,
        "seconds": took.as_secs_f64(), "peak_rss_kib": peak_rss_kib(),
        "catalog_bytes": catalog_bytes, "thumbnail_bytes": dir_size(&paths.cache),
    }))
}

fn child(mode: &str, raw: &[String]) -> Result<Value> {
    let exe = std::env::current_exe()?;
    let out = Command::new(exe)
        .args(raw)
        .args(["--mode", mode])
        .stderr(std::process::Stdio::inherit())
        .output()?;
    if !out.status.success() {
        bail!("{mode} run failed: {}", out.status);
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().context("no output")?;
    Ok(serde_json::from_str(line)?)
}

fn main() -> Result<()> {
    likeness_bench::init_logging();
    let args = Args::parse();
    let folder = library_folder(&args)?;
    match args.mode {
        Mode::Bare => {
            outln(&run_bare(&args, &folder)?.to_string());
            return Ok(());
        }
        Mode::Index => {
            outln(&run_index(&args, &folder)?.to_string());
            return Ok(());
        }
        Mode::Both => {}
    }
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let bare = child("bare", &raw)?;
    let index = child("index", &raw)?;
    let rate = |v: &Value, key: &str| {
        v[key].as_f64().unwrap_or(0.0) / v["seconds"].as_f64().unwrap_or(1.0).max(1e-9)
    };
    let rss = |v: &Value| {
        v["peak_rss_kib"]
            .as_u64()
            .map(mib)
            .unwrap_or_else(|| "?".into())
    };
    outln(&format!(
        "## Indexing {} ({})\n",
        folder.display(),
        machine()
    ));
    let mut t = Table::new(&[
        "run", "photos", "faces", "errors", "seconds", "photos/s", "faces/s", "peak RSS",
    ]);
    for (name, v) in [
        ("bare pipeline (analyze_batch)", &bare),
        ("index (scan + pipeline + catalog + thumbnails)", &index),
    ] {
        t.row([
            name.to_string(),
            v["photos"].to_string(),
            v["faces"].to_string(),
            v["errors"].to_string(),
            format!("{:.1}", v["seconds"].as_f64().unwrap_or(0.0)),
            format!("{:.2}", rate(v, "photos")),
            format!("{:.2}", rate(v, "faces")),
            rss(v),
        ]);
    }
    t.print();
    let ratio = rate(&index, "photos") / rate(&bare, "photos").max(1e-9);
    outln(&format!(
        "\nindexing throughput = {:.1} % of the bare pipeline's; catalog {:.1} MiB, thumbnails {:.1} MiB",
        ratio * 100.0,
        index["catalog_bytes"].as_f64().unwrap_or(0.0) / 1048576.0,
        index["thumbnail_bytes"].as_f64().unwrap_or(0.0) / 1048576.0,
    ));
    Ok(())
}
