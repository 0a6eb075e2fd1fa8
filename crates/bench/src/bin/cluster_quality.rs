//! People-clustering quality on celeba-dev (issue 4): an ablation of likeness-cluster's stages
//! (DBSCAN alone over an eps grid, + merge, + attach), exact vs IVF index, and the Python peer
//! (face_recognition + scikit-learn DBSCAN, `bench/peer/cluster_peer.py`) in the same table.
//!
//! ```text
//! cargo run --release -p likeness-bench --bin cluster_quality -- [--skip-peer] [--grid]
//! ```
//! Faces come from the celeba-dev catalog `<scratch>/library/catalog.sqlite` (indexed with the
//! engine first if missing). Scoring: see `likeness_bench::cluster_data`.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Parser;
use likeness_bench::cluster_data::{load_celeba, score_celeba, Celeba, Score};
use likeness_bench::{outln, repo_root, CommonArgs, Table};
use likeness_cluster::{
    attach_noise, cluster, dbscan, merge_clusters, neighbour_recall, ClusterParams, IndexKind,
};

#[derive(Debug, Parser)]
#[command(name = "cluster_quality")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Folder holding `library/catalog.sqlite` of celeba-dev (made if missing).
    #[arg(long, default_value = "target/bench/index-library")]
    scratch: PathBuf,
    /// Do not run the Python peer.
    #[arg(long)]
    skip_peer: bool,
    /// Peer's encodings cache.
    #[arg(long, default_value = "target/bench/cluster-peer")]
    peer_cache: PathBuf,
    /// Also print the tuning grid (eps × merge × attach) the defaults were chosen on.
    #[arg(long)]
    grid: bool,
}

const HEADERS: [&str; 19] = [
    "method", "eps", "min", "merge", "attach", "index", "bP", "bR", "bF", "pP", "pR", "pF",
    "clusters", "split", "mixed", "noise", "misses", "largest", "ms",
];

fn f(x: f64) -> String {
    format!("{x:.4}")
}

fn row(table: &mut Table, cfg: [String; 6], s: &Score, ms: String) {
    let mut cells: Vec<String> = cfg.to_vec();
    cells.extend([s.bp, s.br, s.bf, s.pp, s.pr, s.pf].map(f));
    cells.extend(
        [s.clusters, s.split, s.mixed, s.noise, s.misses, s.largest].map(|v| v.to_string()),
    );
    cells.push(ms);
    table.row(cells);
}

fn index_label(k: IndexKind) -> String {
    match k {
        IndexKind::Auto => "auto".into(),
        IndexKind::Exact => "exact".into(),
        IndexKind::Ivf { lists, probes } => format!("ivf {lists}/{probes}"),
    }
}

/// Runs the stages one by one so each ablation row is exactly one stage more.
fn staged(
    c: &Celeba,
    eps: f32,
    min: usize,
    merge: Option<f32>,
    attach: Option<f32>,
    index: IndexKind,
) -> Result<(Vec<Option<u32>>, u128)> {
    let t = Instant::now();
    let cancel = AtomicBool::new(false);
    let mut labels = dbscan(&c.embeddings, c.dim, eps, min, index, &cancel)?;
    if let Some(m) = merge {
        let p = ClusterParams {
            merge_threshold: m,
            ..ClusterParams::default()
        };
        merge_clusters(&c.embeddings, c.dim, None, &mut labels, &p)?;
    }
    if let Some(a) = attach {
        let p = ClusterParams {
            attach_threshold: a,
            ..ClusterParams::default()
        };
        attach_noise(&c.embeddings, c.dim, None, &mut labels, &p)?;
    }
    Ok((labels, t.elapsed().as_millis()))
}

fn opt(x: Option<f32>) -> String {
    x.map_or("–".into(), |v| format!("{v:.2}"))
}

fn peer(args: &Args, table: &mut Table) -> Result<usize> {
    let root = repo_root();
    let python = root.join(".cache/peer-venv/bin/python");
    let script = root.join("bench/peer/cluster_peer.py");
    if !python.exists() || !script.exists() {
        eprintln!(
            "peer skipped: {} or {} missing",
            python.display(),
            script.display()
        );
        return Ok(0);
    }
    let data = args.common.data_dir("celeba-dev")?;
    eprintln!(
        "running the peer (first run encodes every photo; cached in {})",
        args.peer_cache.display()
    );
    let out = Command::new(&python)
        .arg(&script)
        .arg("--data")
        .arg(&data)
        .arg("--cache")
        .arg(&args.peer_cache)
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("running the peer")?;
    if !out.status.success() {
        anyhow::bail!("peer failed: {}", out.status);
    }
    let mut rows = 0;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let num = |k: &str| v[k].as_f64().unwrap_or(f64::NAN);
        let int = |k: &str| v[k].as_u64().unwrap_or(0) as usize;
        let s = Score {
            bp: num("bP"),
            br: num("bR"),
            bf: num("bF"),
            pp: num("pP"),
            pr: num("pR"),
            pf: num("pF"),
            clusters: int("clusters"),
            split: int("split"),
            mixed: int("mixed"),
            noise: int("noise"),
            misses: int("misses"),
            largest: int("largest"),
        };
        let method = format!("peer: {}", v["method"].as_str().unwrap_or("?"));
        let cfg = [
            method,
            format!("{:.2}", num("eps")),
            int("min_samples").to_string(),
            "–".into(),
            "–".into(),
            "–".into(),
        ];
        row(table, cfg, &s, "–".into());
        rows += 1;
    }
    Ok(rows)
}

fn main() -> Result<()> {
    likeness_bench::init_logging();
    let args = Args::parse();
    let c = load_celeba(&args.common, &args.scratch)?;
    let misses = c.items.iter().filter(|(f, _)| f.is_none()).count();
    outln(&format!(
        "## People clustering quality — celeba-dev\n\n{} items (identities.csv rows), {} identities, {} faces in the catalog, {} items without a face\n",
        c.items.len(),
        c.identities,
        c.faces(),
        misses
    ));
    let d = ClusterParams::default();
    let mut table = Table::new(&HEADERS);
    for min in [2usize, 3] {
        for eps in [0.35f32, 0.38, 0.40, 0.42, 0.45, 0.48, 0.50, 0.55] {
            let (labels, ms) = staged(&c, eps, min, None, None, IndexKind::Exact)?;
            let cfg = [
                "dbscan".into(),
                format!("{eps:.2}"),
                min.to_string(),
                opt(None),
                opt(None),
                "exact".into(),
            ];
            row(&mut table, cfg, &score_celeba(&c, &labels), ms.to_string());
        }
    }
    let stages: [(&str, Option<f32>, Option<f32>); 3] = [
        ("dbscan + merge", Some(d.merge_threshold), None),
        ("dbscan + attach", None, Some(d.attach_threshold)),
        (
            "dbscan + merge + attach",
            Some(d.merge_threshold),
            Some(d.attach_threshold),
        ),
    ];
    for (name, m, a) in stages {
        let (labels, ms) = staged(&c, d.eps, d.min_points, m, a, IndexKind::Exact)?;
        let cfg = [
            name.into(),
            format!("{:.2}", d.eps),
            d.min_points.to_string(),
            opt(m),
            opt(a),
            "exact".into(),
        ];
        row(&mut table, cfg, &score_celeba(&c, &labels), ms.to_string());
    }
    let cancel = AtomicBool::new(false);
    let mut recalls = Vec::new();
    for index in [
        IndexKind::Exact,
        IndexKind::Ivf {
            lists: 0,
            probes: 1,
        },
        IndexKind::Ivf {
            lists: 0,
            probes: 2,
        },
        IndexKind::Ivf {
            lists: 0,
            probes: 3,
        },
        IndexKind::Ivf {
            lists: 0,
            probes: 5,
        },
        IndexKind::Ivf {
            lists: 300,
            probes: 3,
        },
    ] {
        let p = ClusterParams { index, ..d };
        let t = Instant::now();
        let r = cluster(&c.embeddings, c.dim, &p, &cancel)?;
        let ms = t.elapsed().as_millis();
        let cfg = [
            "cluster() (default)".into(),
            format!("{:.2}", p.eps),
            p.min_points.to_string(),
            opt(Some(p.merge_threshold)),
            opt(Some(p.attach_threshold)),
            index_label(index),
        ];
        row(
            &mut table,
            cfg,
            &score_celeba(&c, &r.labels),
            ms.to_string(),
        );
        recalls.push((
            index,
            neighbour_recall(&c.embeddings, c.dim, d.eps, index, &cancel)?,
        ));
    }
    let peer_rows = if args.skip_peer {
        0
    } else {
        peer(&args, &mut table)?
    };
    table.print();
    outln(&format!(
        "\nAll faces ({}) are clustered; scored on each item's main face. ms = our clustering time for the row. {} peer rows.\n",
        c.faces(),
        peer_rows
    ));
    let mut rt = Table::new(&["index", &format!("neighbour recall at eps {:.2}", d.eps)]);
    for (k, r) in recalls {
        rt.row([index_label(k), format!("{r:.4}")]);
    }
    rt.print();
    if args.grid {
        let mut g = Table::new(&HEADERS);
        for min in [2usize, 3] {
            for eps in [0.36f32, 0.38, 0.40, 0.42, 0.44] {
                for merge in [0.50f32, 0.525, 0.55, 0.575, 0.60] {
                    for attach in [0.55f32, 0.575, 0.60, 0.625, 0.65] {
                        let (labels, ms) =
                            staged(&c, eps, min, Some(merge), Some(attach), IndexKind::Exact)?;
                        let s = score_celeba(&c, &labels);
                        let cfg = [
                            "grid".into(),
                            format!("{eps:.2}"),
                            min.to_string(),
                            format!("{merge:.3}"),
                            format!("{attach:.3}"),
                            "exact".into(),
                        ];
                        row(&mut g, cfg, &s, ms.to_string());
                    }
                }
            }
        }
        outln("\n### Tuning grid (exact index)\n");
        g.print();
    }
    Ok(())
}
