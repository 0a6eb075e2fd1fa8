//! Watcher latency: from a photo file's creation (write + close returned) to its
//! `FsChange::Upserted` arriving from `likeness_scan::LibraryWatcher`, with the debounce the
//! app uses. This is the watcher's share of the "file created → faces stored ≤ 2 s" target;
//! decoding, detection, embedding and the catalog write come on top.
//!
//! Two patterns: files created one at a time (each waits for the previous report, then a
//! deterministic 0–49 ms pause so creations do not all fall at the same point of the
//! debouncer's tick), and a burst of files created back to back.
//!
//! ```text
//! cargo run --release -p likeness-bench --bin watch_latency -- [--files 20] [--debounce-ms 300] [--dir DIR]
//! ```

use std::collections::HashMap;
use std::fs;
use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Parser;
use likeness_bench::{init_logging, machine, outln, repo_root, Table};
use likeness_scan::{FsChange, LibraryWatcher, ScanOptions, DEFAULT_DEBOUNCE};

/// Latency from file creation to the watcher's report.
#[derive(Debug, Parser)]
#[command(name = "watch_latency")]
struct Args {
    /// Files per pattern.
    #[arg(long, default_value_t = 20)]
    files: usize,
    /// Watcher debounce in milliseconds (default: the crate's DEFAULT_DEBOUNCE).
    #[arg(long)]
    debounce_ms: Option<u64>,
    /// Parent folder for the watched folder (default: target/bench in the repository).
    #[arg(long)]
    dir: Option<PathBuf>,
}

/// Longest wait for one report before giving up.
const TIMEOUT: Duration = Duration::from_secs(30);

fn main() -> Result<()> {
    init_logging();
    let args = Args::parse();
    let debounce = args
        .debounce_ms
        .map_or(DEFAULT_DEBOUNCE, Duration::from_millis);
    let parent = args
        .dir
        .clone()
        .unwrap_or_else(|| repo_root().join("target/bench"));
    let root = parent.join(format!("watch-latency-{}", std::process::id()));
    fs::create_dir_all(&root).with_context(|| format!("creating {}", root.display()))?;
    let result = run(&args, &root, debounce);
    let _ = fs::remove_dir_all(&root);
    let rows = result?;

    let mut table = Table::new(&["pattern", "files", "p50", "p95", "max", "min"]);
    for (pattern, mut lat) in rows {
        lat.sort();
        table.row([
            pattern.to_string(),
            lat.len().to_string(),
            millis(percentile(&lat, 0.50)),
            millis(percentile(&lat, 0.95)),
            millis(lat.last().copied().unwrap_or_default()),
            millis(lat.first().copied().unwrap_or_default()),
        ]);
    }
    outln(&format!(
        "## Watch latency: file created → Upserted (debounce {} ms)\n",
        debounce.as_millis()
    ));
    table.print();
    outln("");
    outln(
        "From `fs::write` returning (create, write, close) to the `Upserted` batch arriving on \
         the receiver: inotify → notify-debouncer-full (pairs renames, releases events \
         `debounce` after they happen, ticking every min(debounce/4, 50 ms)) → the settle check \
         (the file's ctime is `debounce` old).",
    );
    outln(&format!("Machine: {}.", machine()));
    Ok(())
}

fn run(
    args: &Args,
    root: &std::path::Path,
    debounce: Duration,
) -> Result<Vec<(&'static str, Vec<Duration>)>> {
    let (watcher, rx) = LibraryWatcher::start(
        &[root.to_path_buf()],
        &ScanOptions::new(likeness_engine::PHOTO_EXTENSIONS),
        debounce,
    )
    .context("starting the watcher")?;
    let bytes = vec![0xFFu8; 4096];

    // Each creation would otherwise follow the previous report, i.e. a debouncer tick, by
    // the same few microseconds: spread the start over the tick (0–49 ms, deterministic).
    let jitter = |i: usize| Duration::from_millis((i as u64 * 17) % 50);
    let mut sequential = Vec::new();
    for i in 0..args.files {
        std::thread::sleep(jitter(i));
        let path = root.join(format!("seq_{i:03}.jpg"));
        fs::write(&path, &bytes).with_context(|| format!("writing {}", path.display()))?;
        let created = Instant::now();
        let mut waiting = HashMap::from([(path, created)]);
        sequential.extend(wait_all(&rx, &mut waiting)?);
    }

    let mut waiting = HashMap::new();
    std::thread::sleep(jitter(1));
    for i in 0..args.files {
        let path = root.join(format!("burst_{i:03}.jpg"));
        fs::write(&path, &bytes).with_context(|| format!("writing {}", path.display()))?;
        waiting.insert(path, Instant::now());
    }
    let burst = wait_all(&rx, &mut waiting)?;
    drop(watcher);
    Ok(vec![("one at a time", sequential), ("burst", burst)])
}

/// Waits until every path in `waiting` is reported upserted; returns the latencies.
fn wait_all(
    rx: &Receiver<Vec<FsChange>>,
    waiting: &mut HashMap<PathBuf, Instant>,
) -> Result<Vec<Duration>> {
    let mut latencies = Vec::new();
    while !waiting.is_empty() {
        let batch = match rx.recv_timeout(TIMEOUT) {
            Ok(batch) => batch,
            Err(e) => bail!(
                "no report within {TIMEOUT:?} for {} files: {e}",
                waiting.len()
            ),
        };
        let arrived = Instant::now();
        for change in batch {
            if let FsChange::Upserted(path) = change {
                if let Some(created) = waiting.remove(&path) {
                    latencies.push(arrived - created);
                }
            }
        }
    }
    Ok(latencies)
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn millis(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}
