//! Rescan of an unchanged library: how fast `likeness_scan::walk_root` lists a large tree
//! of small photos with the page cache warm (the catalog's size + mtime comparison comes
//! on top; target for the whole rescan of 100,000 files: ≤ 5 s, for the walk alone well
//! under 2 s).
//!
//! The tree (N tiny valid JPEGs in ~1,000 folders, two levels deep) is synthesised once
//! into the folder given and reused by later runs when it matches. One untimed walk warms
//! the cache, then the median of the timed runs is reported.
//!
//! ```text
//! cargo run --release -p likeness-bench --bin rescan -- [DIR] [--files 100000] [--runs 5]
//! ```

use std::fs;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Parser;
use image::{codecs::jpeg::JpegEncoder, GrayImage};
use likeness_bench::{init_logging, machine, median, outln, repo_root, Table};
use likeness_scan::{walk_root, ScanOptions};

/// Times a warm walk over N synthesised photo files.
#[derive(Debug, Parser)]
#[command(name = "rescan")]
struct Args {
    /// Folder for the synthetic library (created, or reused when it already matches).
    /// Default: target/bench/rescan-100k in the repository.
    dir: Option<PathBuf>,
    /// Number of photo files.
    #[arg(long, default_value_t = 100_000)]
    files: usize,
    /// Number of leaf folders (spread over top-level folders of 100 each).
    #[arg(long, default_value_t = 1_000)]
    dirs: usize,
    /// Timed walks (after one untimed warm-up).
    #[arg(long, default_value_t = 5)]
    runs: usize,
}

/// Marks a finished synthesis; hidden, so the walk never reports it.
const MARKER: &str = ".likeness-bench-rescan";

fn main() -> Result<()> {
    init_logging();
    let args = Args::parse();
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| repo_root().join("target/bench/rescan-100k"));
    let dirs = args.dirs.max(1);
    let synth_time = synthesise(&dir, args.files, dirs)?;

    let options = ScanOptions::new(likeness_engine::PHOTO_EXTENSIONS);
    let cancel = AtomicBool::new(false);
    let walk = || -> Result<(usize, usize, f64)> {
        let mut found = 0usize;
        let start = Instant::now();
        let issues = walk_root(&dir, &options, &cancel, &mut |_| found += 1)
            .with_context(|| format!("walking {}", dir.display()))?;
        Ok((found, issues.len(), start.elapsed().as_secs_f64()))
    };
    let (warm_found, _, warm_secs) = walk()?;
    eprintln!("warm-up walk: {warm_found} files in {warm_secs:.3} s");

    let mut table = Table::new(&["run", "files found", "issues", "time", "files/s"]);
    let mut times = Vec::new();
    for run in 1..=args.runs.max(1) {
        let (found, issues, secs) = walk()?;
        anyhow::ensure!(
            found == args.files,
            "walk found {found} files, expected {}",
            args.files
        );
        times.push(secs);
        table.row([
            run.to_string(),
            found.to_string(),
            issues.to_string(),
            format!("{:.3} s", secs),
            format!("{:.0}", found as f64 / secs),
        ]);
    }
    let med = median(&times);
    table.row([
        "median".to_string(),
        args.files.to_string(),
        String::new(),
        format!("{med:.3} s"),
        format!("{:.0}", args.files as f64 / med),
    ]);

    outln(&format!(
        "## Rescan walk: {} files in {} folders (warm cache)\n",
        args.files, dirs
    ));
    table.print();
    outln("");
    outln(&format!(
        "`walk_root` with the default options (photo extensions, follow symbolic links): one \
         readdir per folder, one stat per file. Library at `{}`{}.",
        dir.display(),
        match synth_time {
            Some(s) => format!(" (synthesised in {s:.1} s)"),
            None => " (reused)".into(),
        }
    ));
    outln(&format!("Machine: {}.", machine()));

    catalog_rescan(&dir, args.files, args.runs.max(1))?;
    Ok(())
}

/// The whole rescan as the indexer runs it: walk + in-memory diff against the catalog's
/// stamps + one transaction (empty when nothing changed), on a real catalog file holding
/// every file of the tree.
fn catalog_rescan(dir: &Path, files: usize, runs: usize) -> Result<()> {
    use likeness_engine::{
        add_root, open_catalog, scan_library, IndexControl, LibraryPaths, SystemClock,
    };
    let lib = dir.with_extension("library");
    let _ = fs::remove_dir_all(&lib);
    let paths = LibraryPaths::in_dir(&lib);
    let mut catalog = open_catalog(&paths)?;
    let clock = SystemClock;
    add_root(&mut catalog, dir, &clock)?;
    let control = IndexControl::new();
    let start = Instant::now();
    let first = scan_library(&mut catalog, &control, &clock, &mut |_| {})?;
    let first_secs = start.elapsed().as_secs_f64();
    anyhow::ensure!(
        first.added as usize == files,
        "first scan added {}",
        first.added
    );

    let mut table = Table::new(&["run", "files", "added", "changed", "removed", "time"]);
    table.row([
        "first scan (catalog empty)".to_string(),
        first.files_found.to_string(),
        first.added.to_string(),
        first.changed.to_string(),
        first.removed.to_string(),
        format!("{first_secs:.3} s"),
    ]);
    let mut times = Vec::new();
    for run in 1..=runs {
        let start = Instant::now();
        let s = scan_library(&mut catalog, &control, &clock, &mut |_| {})?;
        let secs = start.elapsed().as_secs_f64();
        anyhow::ensure!(
            s.added + s.changed + s.removed == 0,
            "unchanged tree reported changes: {s:?}"
        );
        times.push(secs);
        table.row([
            format!("rescan {run} (nothing changed)"),
            s.files_found.to_string(),
            s.added.to_string(),
            s.changed.to_string(),
            s.removed.to_string(),
            format!("{secs:.3} s"),
        ]);
    }
    table.row([
        "median rescan".to_string(),
        files.to_string(),
        String::new(),
        String::new(),
        String::new(),
        format!("{:.3} s", median(&times)),
    ]);
    outln(&format!(
        "\n## Whole rescan through the catalog: {files} unchanged files (target ≤ 5 s)\n"
    ));
    table.print();
    outln(&format!(
        "\n`likeness_engine::scan_library`: walk + diff against the catalog's size/mtime stamps \
         (one query per root) + one transaction. Catalog `{}`.",
        paths.catalog.display()
    ));
    Ok(())
}

/// Writes `files` copies of a tiny valid JPEG into `dirs` leaf folders under `dir` unless
/// the marker says the same tree is already there. Returns the time taken, `None` if reused.
fn synthesise(dir: &Path, files: usize, dirs: usize) -> Result<Option<f64>> {
    let spec = format!("files={files} dirs={dirs}\n");
    let marker = dir.join(MARKER);
    if fs::read_to_string(&marker).ok().as_deref() == Some(spec.as_str()) {
        return Ok(None);
    }
    let start = Instant::now();
    if dir.exists() {
        fs::remove_dir_all(dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    let jpeg = tiny_jpeg()?;
    for i in 0..files {
        let leaf = i % dirs;
        let folder = dir.join(format!("{:03}/{:03}", leaf / 100, leaf % 100));
        if i < dirs {
            fs::create_dir_all(&folder)
                .with_context(|| format!("creating {}", folder.display()))?;
        }
        let path = folder.join(format!("IMG_{i:06}.jpg"));
        fs::write(&path, &jpeg).with_context(|| format!("writing {}", path.display()))?;
        if (i + 1) % 20_000 == 0 {
            eprintln!("synthesised {} / {files}", i + 1);
        }
    }
    fs::write(&marker, spec).with_context(|| format!("writing {}", marker.display()))?;
    Ok(Some(start.elapsed().as_secs_f64()))
}

/// A 16×16 grey gradient as a baseline JPEG (a few hundred bytes).
fn tiny_jpeg() -> Result<Vec<u8>> {
    let img = GrayImage::from_fn(16, 16, |x, y| image::Luma([(x * 16 + y) as u8]));
    let mut bytes = Cursor::new(Vec::new());
    img.write_with_encoder(JpegEncoder::new_with_quality(&mut bytes, 80))
        .context("encoding the sample JPEG")?;
    Ok(bytes.into_inner())
}
