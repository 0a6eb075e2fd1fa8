//! Shared helpers of the Likeness benchmark programs (`lfw`, `widerface`, `throughput`):
//! finding the data sets, opening the pipeline with the options every program shares,
//! running a batch with progress on stderr, simple statistics, peak RSS, and Markdown tables
//! on stdout.
//!
//! Data are read in place from `../shared/data` beside the repository (or `$LIKENESS_DATA`,
//! or `--data`); nothing is ever copied into the repository.

pub mod cluster_data;
pub mod detect_eval;
pub mod synthetic;
pub mod verify;
pub mod what_if;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use likeness_engine::{
    Alignment, DetectorKind, EngineConfig, EngineError, FacePipeline, FaceRecord, PhotoFaces,
    ProviderPreference,
};

/// Options every benchmark program accepts.
#[derive(Debug, Clone, clap::Args)]
pub struct CommonArgs {
    /// Folder holding the data sets (default: `$LIKENESS_DATA`, else `../shared/data` beside
    /// the repository).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Run on the CPU even when a GPU execution provider is available.
    #[arg(long)]
    pub cpu: bool,
    /// ONNX Runtime intra-op threads (default: all cores): the embedder uses all of them,
    /// each worker's detector `threads / workers`.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Photos processed in parallel, each worker with its own detector (default: the
    /// engine's, one per core).
    #[arg(long, value_name = "N")]
    pub workers: Option<usize>,
    /// Keep ONNX Runtime's CPU memory arena (faster, about twice the peak memory).
    #[arg(long)]
    pub cpu_arena: bool,
    /// Chips per embedder run (default: the engine's).
    #[arg(long, value_name = "N")]
    pub embed_batch: Option<usize>,
    /// Face alignment before embedding (default: the engine's).
    #[arg(long, value_enum)]
    pub align: Option<AlignArg>,
    /// Face detector: mtcnn, yunet, centerface, retinaface (default: the engine's).
    #[arg(long, value_parser = ["mtcnn", "yunet", "centerface", "retinaface"])]
    pub detector: Option<String>,
    /// The detector's score cut (default: the engine's for that detector).
    #[arg(long, value_name = "SCORE")]
    pub detector_score: Option<f32>,
    /// Enlarge smaller photos (≤ 2×) to this long side before a single-shot detector
    /// (default: the engine's).
    #[arg(long, value_name = "PX")]
    pub detect_min_side: Option<u32>,
}

/// `--align` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AlignArg {
    /// dlib's 5-point shape predictor inside the MTCNN box, dlib's chip template.
    ShapePredictor,
    /// MTCNN's own landmarks on a template fitted to dlib chips.
    Mtcnn,
}

/// Human-readable name of an alignment, for the tables.
pub fn alignment_label(a: Alignment) -> &'static str {
    match a {
        Alignment::ShapePredictor => "dlib 5-point shape predictor in the MTCNN box",
        Alignment::MtcnnTemplate => "MTCNN landmarks on the dlib chip template",
    }
}

impl CommonArgs {
    /// The engine configuration these options describe (everything else at its default).
    pub fn engine_config(&self) -> EngineConfig {
        let mut config = EngineConfig::default();
        if self.cpu {
            config.provider = ProviderPreference::CpuOnly;
        }
        if let Some(n) = self.threads {
            config.inference_threads = n.max(1);
        }
        if let Some(n) = self.workers {
            config.workers = n.max(1);
        }
        config.cpu_memory_arena = self.cpu_arena;
        if let Some(n) = self.embed_batch {
            config.embed_batch = n;
        }
        if let Some(d) = self.detector.as_deref().and_then(DetectorKind::parse) {
            config.set_detector(d);
        }
        if let Some(px) = self.detect_min_side {
            config.detect_min_side = px;
        }
        if self.detector_score.is_some() {
            config.detector_score_threshold = self.detector_score;
        }
        match self.align {
            Some(AlignArg::ShapePredictor) => config.alignment = Alignment::ShapePredictor,
            Some(AlignArg::Mtcnn) => config.alignment = Alignment::MtcnnTemplate,
            None => {}
        }
        config
    }

    /// The detector these options run, for tables' titles: `yunet (score cut 0.5)`.
    pub fn detector_label(&self) -> String {
        let config = self.engine_config();
        match config.detector_score_threshold {
            Some(t) => format!("{} (score cut {t})", config.detector),
            None => config.detector.to_string(),
        }
    }

    /// A data set folder, e.g. `lfw-pairs`.
    pub fn data_dir(&self, name: &str) -> Result<PathBuf> {
        data_dir(self.data.as_deref(), name)
    }
}

/// The repository root (this crate lives at `crates/bench`).
pub fn repo_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    here.canonicalize().unwrap_or(here)
}

/// Finds `<root>/<name>`: `root` if given, else `$LIKENESS_DATA`, else `../shared/data`
/// beside the repository.
pub fn data_dir(root: Option<&Path>, name: &str) -> Result<PathBuf> {
    let root = match root {
        Some(r) => r.to_path_buf(),
        None => match std::env::var_os("LIKENESS_DATA") {
            Some(r) => PathBuf::from(r),
            None => repo_root().join("../shared/data"),
        },
    };
    let dir = root.join(name);
    if !dir.is_dir() {
        bail!(
            "data set {name} not found at {} (pass --data DIR or set LIKENESS_DATA)",
            dir.display()
        );
    }
    Ok(dir.canonicalize().unwrap_or(dir))
}

/// A small CSV file without quoted fields (all the data sets' CSVs are like that).
#[derive(Debug, Clone)]
pub struct Csv {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Csv {
    /// Reads `path`; the first line is the header.
    pub fn read(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let mut lines = text
            .lines()
            .map(|l| l.trim_end_matches('\r'))
            .filter(|l| !l.is_empty());
        let header: Vec<String> = lines
            .next()
            .with_context(|| format!("{} is empty", path.display()))?
            .split(',')
            .map(str::to_string)
            .collect();
        let mut rows = Vec::new();
        for (n, line) in lines.enumerate() {
            let row: Vec<String> = line.split(',').map(str::to_string).collect();
            if row.len() != header.len() {
                bail!(
                    "{} line {}: {} fields, header has {}",
                    path.display(),
                    n + 2,
                    row.len(),
                    header.len()
                );
            }
            rows.push(row);
        }
        Ok(Self { header, rows })
    }

    /// Index of column `name`.
    pub fn col(&self, name: &str) -> Result<usize> {
        self.header
            .iter()
            .position(|h| h == name)
            .with_context(|| format!("no column {name} (columns: {})", self.header.join(",")))
    }
}

/// Parses a field, naming it in the error.
pub fn parse<T: std::str::FromStr>(field: &str, what: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    field
        .trim()
        .parse::<T>()
        .map_err(|e| anyhow::anyhow!("bad {what} {field:?}: {e}"))
}

/// Peak resident set size of this process in KiB (`VmHWM` in `/proc/self/status`).
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// `1234 KiB` as `1.2 MiB`-style text in MiB.
pub fn mib(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

/// The CPU model, logical core count and current load average (other work on the machine
/// skews every timing), for the result footers.
pub fn machine() -> String {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into());
    format!("{model}, {cores} logical cores, 1-min load average {load} at the end")
}

/// Sends the engine's log to stderr, filtered by `RUST_LOG` (default: warnings only), e.g.
/// `RUST_LOG=likeness_vision=debug` shows the detector's per-stage candidates and times.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .try_init();
}

/// Opens the pipeline, reporting how long loading took.
pub fn open_pipeline(config: &EngineConfig) -> Result<(FacePipeline, Duration)> {
    let start = Instant::now();
    let pipeline = FacePipeline::open(config).context("opening the face pipeline (models in models/data, runtime in models/runtime: run scripts/setup.sh)")?;
    let took = start.elapsed();
    eprintln!(
        "pipeline: embedder on {}, detector on {}, {} inference threads, {} workers, min face {} px, alignment: {}, opened in {:.2} s",
        pipeline.provider().label(),
        pipeline.detector_provider().label(),
        config.inference_threads,
        config.workers,
        config.min_face_size,
        alignment_label(config.alignment),
        took.as_secs_f64()
    );
    Ok((pipeline, took))
}

/// Runs `analyze_batch` over `paths` with progress on stderr; returns results (input order)
/// and the wall time.
pub fn run_batch(
    pipeline: &FacePipeline,
    paths: &[PathBuf],
    with_embeddings: bool,
    label: &str,
) -> (Vec<Result<PhotoFaces, EngineError>>, Duration) {
    let cancel = AtomicBool::new(false);
    let start = Instant::now();
    let terminal = std::io::stderr().is_terminal();
    let every = Duration::from_secs(if terminal { 1 } else { 15 });
    let mut last: Option<Instant> = None;
    let mut report = |p: likeness_engine::BatchProgress| {
        if last.is_some_and(|t| t.elapsed() < every) && p.done < p.total {
            return;
        }
        last = Some(Instant::now());
        let secs = start.elapsed().as_secs_f64().max(1e-9);
        let text = format!(
            "{label}: {}/{} photos, {} faces, {} errors, {:.1} photos/s",
            p.done,
            p.total,
            p.faces,
            p.errors,
            p.done as f64 / secs
        );
        if terminal {
            eprint!("\r{text}   ");
        } else {
            eprintln!("{text}");
        }
    };
    let results = pipeline.analyze_batch(paths, with_embeddings, &cancel, &mut report);
    let took = start.elapsed();
    if terminal {
        eprintln!();
    }
    (results, took)
}

/// The face whose box centre is closest to the image centre (the labelled face of LFW and
/// the "main" face of a portrait).
pub fn central_face(photo: &PhotoFaces) -> Option<&FaceRecord> {
    let (cx, cy) = (f64::from(photo.width) / 2.0, f64::from(photo.height) / 2.0);
    let dist = |f: &FaceRecord| {
        let b = &f.detection.bbox;
        let (x, y) = ((b.x1 + b.x2) / 2.0 - cx, (b.y1 + b.y2) / 2.0 - cy);
        x * x + y * y
    };
    photo
        .faces
        .iter()
        .min_by(|a, b| dist(a).total_cmp(&dist(b)))
}

/// Median of a slice (`NaN` when empty).
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Mean and sample standard deviation.
pub fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    if values.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

/// `0.98765` as `98.77 %`.
pub fn pct(x: f64) -> String {
    format!("{:.2} %", x * 100.0)
}

/// A duration in milliseconds with one decimal.
pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// A Markdown table, printed to stdout.
#[derive(Debug, Clone, Default)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Self {
        Self {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (missing cells are left blank, extra cells are dropped).
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) -> &mut Self {
        let mut row: Vec<String> = cells.into_iter().map(Into::into).collect();
        row.resize(self.headers.len(), String::new());
        self.rows.push(row);
        self
    }

    /// The table as Markdown, columns padded for reading in a terminal.
    pub fn render(&self) -> String {
        let widths: Vec<usize> = (0..self.headers.len())
            .map(|c| {
                self.rows
                    .iter()
                    .map(|r| r[c].chars().count())
                    .chain([self.headers[c].chars().count(), 3])
                    .max()
                    .unwrap_or(3)
            })
            .collect();
        let line = |cells: &[String]| {
            let padded: Vec<String> = cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
                .collect();
            format!("| {} |\n", padded.join(" | "))
        };
        let mut out = line(&self.headers);
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        out.push_str(&format!("|-{}-|\n", rule.join("-|-")));
        for r in &self.rows {
            out.push_str(&line(r));
        }
        out
    }

    /// Prints the table to stdout.
    pub fn print(&self) {
        out(&self.render());
    }
}

/// Writes text to stdout (the tables' channel; progress goes to stderr).
pub fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// Writes a line to stdout.
pub fn outln(text: &str) {
    out(&format!("{text}\n"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_spread() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        let (m, s) = mean_std(&[1.0, 2.0, 3.0]);
        assert!((m - 2.0).abs() < 1e-12 && (s - 1.0).abs() < 1e-12);
    }

    #[test]
    fn table_renders_markdown() {
        let mut t = Table::new(&["a", "long header"]);
        t.row(["1", "2"]);
        let text = t.render();
        assert!(text.starts_with("| a   | long header |\n|-----|-------------|\n| 1   | 2"));
    }

    #[test]
    fn peak_rss_is_read() {
        assert!(peak_rss_kib().is_some_and(|k| k > 0));
    }
}
