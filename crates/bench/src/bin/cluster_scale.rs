//! People-clustering at library scale (issue 4): `likeness_cluster::cluster` with the default
//! parameters on 10k / 100k / 1M descriptors — celeba-dev's real faces plus synthetic faces
//! with planted identities drawn at the real descriptors' scale — with the time per stage,
//! peak RSS and agreement with the planted labels (BCubed).
//!
//! ```text
//! cargo run --release -p likeness-bench --bin cluster_scale -- [--sizes 10000,100000,1000000]
//!     [--index auto|exact|ivf] [--lists N] [--probes N] [--lone 0.2] [--seed 1]
//! ```
//! Each size runs in its own process (this program re-runs itself with `--one`) so peak RSS
//! (VmHWM) is per size.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Parser, ValueEnum};
use likeness_bench::cluster_data::{load_celeba, real_scale, score_planted, synthesize};
use likeness_bench::{machine, mib, outln, peak_rss_kib, CommonArgs, Table};
use likeness_cluster::{cluster, ClusterParams, IndexKind};
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum IndexArg {
    Auto,
    Exact,
    Ivf,
}

#[derive(Debug, Parser)]
#[command(name = "cluster_scale")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Folder holding `library/catalog.sqlite` of celeba-dev (made if missing).
    #[arg(long, default_value = "target/bench/index-library")]
    scratch: PathBuf,
    /// Library sizes (faces), comma separated.
    #[arg(long, value_delimiter = ',', default_value = "10000,100000,1000000")]
    sizes: Vec<usize>,
    #[arg(long, value_enum, default_value_t = IndexArg::Auto)]
    index: IndexArg,
    /// IVF lists (0 = 4√n).
    #[arg(long, default_value_t = 0)]
    lists: usize,
    /// IVF lists probed per query.
    #[arg(long, default_value_t = 2)]
    probes: usize,
    /// Share of synthetic identities that are lone faces (one photo, no cluster).
    #[arg(long, default_value_t = 0.2)]
    lone: f64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Internal: run one size and print a JSON line.
    #[arg(long, hide = true)]
    one: Option<usize>,
}

fn index_kind(args: &Args) -> IndexKind {
    match args.index {
        IndexArg::Auto => IndexKind::Auto,
        IndexArg::Exact => IndexKind::Exact,
        IndexArg::Ivf => IndexKind::Ivf {
            lists: args.lists,
            probes: args.probes,
        },
    }
}

fn run_one(args: &Args, n: usize) -> Result<Value> {
    let celeba = load_celeba(&args.common, &args.scratch)?;
    let scale = real_scale(&celeba);
    let dim = celeba.dim;
    let real = celeba.faces().min(n);
    let mut points = celeba.embeddings[..real * dim].to_vec();
    // Real faces: their item's identity, or a singleton label when not a main face.
    let mut next = celeba.identities as u32;
    let mut truth: Vec<u32> = celeba.face_identity[..real]
        .iter()
        .map(|t| {
            t.unwrap_or_else(|| {
                next += 1;
                next - 1
            })
        })
        .collect();
    let real_ids = celeba.face_identity[..real]
        .iter()
        .flatten()
        .collect::<std::collections::HashSet<_>>()
        .len();
    drop(celeba);
    points.reserve((n - real) * dim);
    let planted = synthesize(
        &scale,
        n - real,
        args.lone,
        args.seed,
        &mut points,
        &mut truth,
        next,
    );
    let params = ClusterParams {
        index: index_kind(args),
        ..ClusterParams::default()
    };
    let cancel = AtomicBool::new(false);
    let t = Instant::now();
    let r = cluster(&points, dim, &params, &cancel)?;
    let total = t.elapsed().as_secs_f64();
    let s = score_planted(&r.labels, &truth);
    let st = r.stats;
    Ok(json!({
        "points": n, "real": real, "planted": planted + real_ids,
        "index_ms": st.index_ms, "dbscan_ms": st.dbscan_ms, "merge_ms": st.merge_ms,
        "attach_ms": st.attach_ms, "total_s": total, "clusters": st.clusters, "noise": st.noise,
        "peak_rss_kib": peak_rss_kib(), "bp": s.bp, "br": s.br, "bf": s.bf,
        "scale": {
            "norm_mean": scale.norm_mean, "within": scale.within, "between": scale.between,
            "sd_within": scale.sd_within, "sd_centre": scale.sd_centre,
        },
    }))
}

fn child(n: usize) -> Result<Value> {
    let exe = std::env::current_exe()?;
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let out = Command::new(exe)
        .args(&raw)
        .args(["--one", &n.to_string()])
        .stderr(std::process::Stdio::inherit())
        .output()?;
    if !out.status.success() {
        bail!("size {n} failed: {}", out.status);
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().context("no output")?;
    Ok(serde_json::from_str(line)?)
}

fn main() -> Result<()> {
    likeness_bench::init_logging();
    let args = Args::parse();
    if let Some(n) = args.one {
        outln(&run_one(&args, n)?.to_string());
        return Ok(());
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let mut table = Table::new(&[
        "points",
        "planted clusters",
        "index build ms",
        "dbscan ms",
        "merge ms",
        "attach ms",
        "total s",
        "clusters",
        "noise",
        "peak RSS",
        "BCubed P",
        "BCubed R",
        "BCubed F1",
    ]);
    let mut scale = Value::Null;
    for &n in &args.sizes {
        eprintln!("clustering {n} points …");
        let v = child(n)?;
        let u = |k: &str| v[k].as_u64().unwrap_or(0).to_string();
        let f = |k: &str| format!("{:.4}", v[k].as_f64().unwrap_or(f64::NAN));
        table.row([
            u("points"),
            u("planted"),
            u("index_ms"),
            u("dbscan_ms"),
            u("merge_ms"),
            u("attach_ms"),
            format!("{:.1}", v["total_s"].as_f64().unwrap_or(f64::NAN)),
            u("clusters"),
            u("noise"),
            mib(v["peak_rss_kib"].as_u64().unwrap_or(0)),
            f("bp"),
            f("br"),
            f("bf"),
        ]);
        scale = v["scale"].clone();
    }
    outln(&format!(
        "## People clustering at scale — likeness_cluster::cluster, defaults, index {:?} (lists {}, probes {})\n\n{}; load average before: {}\n",
        args.index, args.lists, args.probes, machine(), load.trim()
    ));
    table.print();
    outln(&format!(
        "\nPoints = celeba-dev's real faces + synthetic faces. Synthetic model fitted on celeba-dev main faces \
         (mean descriptor norm {:.3}; within-identity distance p10/p50/p90 {}; between identities {}): \
         centre = real mean + N(0, {:.4}²·I), member = centre + N(0, {:.4}²·I); identity sizes 2 + 398·u⁴, \
         {:.0} % lone faces. peak RSS includes the points themselves (n × 512 B).",
        scale["norm_mean"].as_f64().unwrap_or(0.0),
        scale["within"], scale["between"],
        scale["sd_centre"].as_f64().unwrap_or(0.0),
        scale["sd_within"].as_f64().unwrap_or(0.0),
        args.lone * 100.0
    ));
    Ok(())
}
