//! Watch latency end to end: from a photo appearing in a watched folder (written elsewhere,
//! then renamed in, as cameras and sync tools do; or written in place) to its faces being
//! stored in the catalog. Runs the real watcher + indexer + catalog in this process and polls
//! the catalog from a second read-only handle.
//!
//! ```text
//! cargo run --release -p likeness-bench --bin watch_index_latency -- [--photos 20]
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use clap::Parser;
use likeness_bench::{machine, open_pipeline, outln, CommonArgs, Table};
use likeness_engine::catalog::Catalog;
use likeness_engine::{
    add_root, open_catalog, IndexControl, Indexer, LibraryPaths, SystemClock, WatchOptions,
};

#[derive(Debug, Parser)]
#[command(name = "watch_index_latency")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Photos dropped in, one at a time.
    #[arg(long, default_value_t = 20)]
    photos: usize,
    /// Debounce of the watcher, milliseconds.
    #[arg(long, default_value_t = 300)]
    debounce_ms: u64,
    #[arg(long, default_value = "target/bench/watch-latency")]
    scratch: PathBuf,
}

fn faces_stored(reader: &Catalog, path: &Path) -> bool {
    matches!(reader.photo_by_path(path), Ok(Some(p)) if p.face_count > 0)
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() -> Result<()> {
    likeness_bench::init_logging();
    let args = Args::parse();
    let sources: Vec<PathBuf> = {
        let dir = args.common.data_dir("celeba-dev")?.join("images");
        let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        v.sort();
        v.into_iter().take(args.photos * 2).collect()
    };
    let _ = std::fs::remove_dir_all(&args.scratch);
    let root = args.scratch.join("photos");
    let staging = args.scratch.join("staging");
    std::fs::create_dir_all(&root)?;
    std::fs::create_dir_all(&staging)?;
    let root = std::fs::canonicalize(&root)?;
    let paths = LibraryPaths::in_dir(&args.scratch.join("library"));
    let mut catalog = open_catalog(&paths)?;
    let clock = SystemClock;
    add_root(&mut catalog, &root, &clock)?;
    let (pipeline, _) = open_pipeline(&args.common.engine_config())?;
    let pipeline = Arc::new(pipeline);
    let control = Arc::new(IndexControl::new());
    let catalog_path = paths.catalog.clone();
    let debounce = Duration::from_millis(args.debounce_ms);

    let watcher = {
        let (pipeline, control, paths) =
            (Arc::clone(&pipeline), Arc::clone(&control), paths.clone());
        std::thread::spawn(move || -> Result<()> {
            let clock = SystemClock;
            let indexer = Indexer::new(&pipeline, &paths, &clock);
            indexer.watch(
                &mut catalog,
                &control,
                &WatchOptions { debounce },
                &mut |_| {},
                &mut |_| {},
            )?;
            Ok(())
        })
    };
    std::thread::sleep(Duration::from_secs(2)); // watcher up, first (empty) scan done
    let reader = Catalog::open_read_only(&catalog_path)?;

    let mut renamed_in = Vec::new();
    let mut written_in_place = Vec::new();
    for (i, src) in sources.iter().enumerate() {
        let name = format!("drop-{i:03}.jpg");
        let target = root.join(&name);
        let start = Instant::now();
        if i % 2 == 0 {
            let tmp = staging.join(&name);
            std::fs::copy(src, &tmp)?;
            let start = Instant::now();
            std::fs::rename(&tmp, &target)?;
            wait(&reader, &target, start, &mut renamed_in)?;
        } else {
            std::fs::copy(src, &target)?;
            wait(&reader, &target, start, &mut written_in_place)?;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    control.cancel();
    watcher
        .join()
        .map_err(|_| anyhow::anyhow!("watch thread panicked"))??;

    outln(&format!(
        "## Watch latency: photo appears → faces stored ({}; debounce {} ms)\n",
        machine(),
        args.debounce_ms
    ));
    let mut t = Table::new(&["how the photo arrives", "photos", "p50", "p95", "max"]);
    for (label, v) in [
        ("renamed into the folder", &mut renamed_in),
        ("copied into the folder", &mut written_in_place),
    ] {
        v.sort_by(f64::total_cmp);
        t.row([
            label.to_string(),
            v.len().to_string(),
            format!("{:.0} ms", percentile(v, 0.5) * 1000.0),
            format!("{:.0} ms", percentile(v, 0.95) * 1000.0),
            format!("{:.0} ms", v.last().copied().unwrap_or(f64::NAN) * 1000.0),
        ]);
    }
    t.print();
    Ok(())
}

fn wait(reader: &Catalog, target: &Path, start: Instant, out: &mut Vec<f64>) -> Result<()> {
    loop {
        if faces_stored(reader, target) {
            out.push(start.elapsed().as_secs_f64());
            return Ok(());
        }
        if start.elapsed() > Duration::from_secs(30) {
            // A photo with no detectable face never shows faces: count it as a miss.
            eprintln!("{}: no faces stored after 30 s", target.display());
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}
