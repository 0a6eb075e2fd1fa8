//! Person → photos queries on a synthetic catalog of 1,000,000 photos / 3,000,000 faces.
//!
//! The catalog is built through the catalog's own API (`apply_scan`, `commit_batch`,
//! `assign_automatic`/`move_faces`, the same calls the indexer, the people edits and the
//! clusterer make) into a file that is reused by later runs (`--rebuild` to start over). Data: 0–6 faces per photo (mean 3),
//! 512-byte random embeddings (`--no-embeddings` stores empty ones), ~70 % of faces assigned
//! to 5,000 people with Zipf (s = 1) sizes, of which 25 % Confirmed, 65 % Automatic and 10 %
//! Suggested; taken_at uniform over 2005–2024, 2 % undated.
//!
//! Then every query runs warm (3 untimed runs, then `--runs` timed) and the table shows the
//! median and p95.
//!
//! ```text
//! cargo run --release -p likeness-bench --bin catalog_query -- [PATH] [--runs 50] [--explain]
//! ```

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Parser;
use likeness_bench::synthetic::{build, complete, PeopleMode, Spec, BUILD_JOB};
use likeness_bench::{machine, outln, Table};
use likeness_catalog::{Catalog, PersonCount, PhotoQuery};

/// Times the catalog's photo queries on a synthetic 1M-photo library.
#[derive(Debug, Parser)]
#[command(name = "catalog_query")]
struct Args {
    /// Catalog file (built if missing or incomplete, else reused).
    #[arg(default_value = "target/bench/catalog-1m.sqlite")]
    path: PathBuf,
    #[arg(long, default_value_t = 1_000_000)]
    photos: u64,
    #[arg(long, default_value_t = 5_000)]
    people: u64,
    /// Timed runs per query (after 3 untimed ones).
    #[arg(long, default_value_t = 50)]
    runs: usize,
    /// Store empty embeddings (a much smaller file).
    #[arg(long)]
    no_embeddings: bool,
    /// Delete the file and build it again.
    #[arg(long)]
    rebuild: bool,
    /// Print EXPLAIN QUERY PLAN of the person queries.
    #[arg(long)]
    explain: bool,
}

fn main() -> Result<()> {
    let args = Args::parse();
    likeness_bench::init_logging();
    let reused = !args.rebuild && complete(&args.path)?;
    if !reused {
        let spec = Spec {
            photos: args.photos,
            people: args.people,
            people_mode: PeopleMode::Named,
            embeddings: !args.no_embeddings,
        };
        build(&args.path, &spec)?;
    }
    let cat = Catalog::open(&args.path)?;
    let job = cat.last_job(BUILD_JOB)?.context("build job row")?;
    let status = cat.status()?;
    let size = file_size(&args.path);

    outln(&format!(
        "Catalog `{}` ({}): {} photos, {} faces, {} people, schema v{}; file {:.0} MiB; \
         built in {} s ({} photos/s through commit_batch + assign_automatic/move_faces){}.",
        args.path.display(),
        if reused { "reused" } else { "built now" },
        status.photos,
        status.faces,
        status.people,
        cat.schema_version()?,
        size as f64 / (1024.0 * 1024.0),
        job.updated_at - job.started_at,
        status.photos / (job.updated_at - job.started_at).max(1) as u64,
        match cat
            .faces_after(0, 1)?
            .first()
            .map_or(0, |f| f.embedding.len() * 4)
        {
            0 => ", embeddings EMPTY (--no-embeddings)".to_string(),
            n => format!(", {n}-byte embeddings"),
        },
    ));
    let counts = cat.people_counts()?;
    let pick = |i: usize| -> &PersonCount { &counts[i.min(counts.len() - 1)] };
    let (big, second, median, small) = (
        pick(0),
        pick(1),
        pick(counts.len() / 2),
        pick(counts.len() - 1),
    );
    outln(&format!(
        "People used: big #{} ({} photos), second #{} ({}), median #{} ({}), small #{} ({}).\n",
        big.person,
        big.photos,
        second.person,
        second.photos,
        median.person,
        median.photos,
        small.person,
        small.photos
    ));

    let page = Some(200);
    let person = |p: &PersonCount, limit: Option<u32>| PhotoQuery {
        people: vec![p.person],
        limit,
        ..Default::default()
    };
    let pair = |a: &PersonCount, b: &PersonCount| PhotoQuery {
        people: vec![a.person, b.person],
        limit: page,
        ..Default::default()
    };
    let dated = PhotoQuery {
        from: Some("2015-01-01".into()),
        to: Some("2015-12-31".into()),
        ..person(big, page)
    };
    let cases: Vec<(String, PhotoQuery)> = vec![
        ("big person, first 200".into(), person(big, page)),
        ("big person, full list".into(), person(big, None)),
        ("median person, first 200".into(), person(median, page)),
        ("median person, full list".into(), person(median, None)),
        ("small person, first 200".into(), person(small, page)),
        ("small person, full list".into(), person(small, None)),
        ("big + second together, first 200".into(), pair(big, second)),
        ("big + median together, first 200".into(), pair(big, median)),
        ("big + small together, first 200".into(), pair(big, small)),
        ("big person in 2015, first 200".into(), dated.clone()),
        (
            "all photos, first 200".into(),
            PhotoQuery {
                limit: page,
                ..Default::default()
            },
        ),
    ];

    let mut table = Table::new(&["query", "rows", "median", "p95"]);
    for (name, q) in &cases {
        let (rows, t) = time(args.runs, || Ok(cat.photos(q)?.len() as u64))?;
        table.row([
            format!("photos: {name}"),
            rows.to_string(),
            ms(t.0),
            ms(t.1),
        ]);
    }
    let counted: Vec<(&str, PhotoQuery)> = vec![
        ("big person", person(big, None)),
        ("median person", person(median, None)),
        (
            "big + second",
            PhotoQuery {
                limit: None,
                ..pair(big, second)
            },
        ),
        (
            "big person in 2015",
            PhotoQuery {
                limit: None,
                ..dated
            },
        ),
        ("all photos", PhotoQuery::default()),
    ];
    for (name, q) in &counted {
        let (rows, t) = time(args.runs, || Ok(cat.count_photos(q)?))?;
        table.row([
            format!("count_photos: {name}"),
            rows.to_string(),
            ms(t.0),
            ms(t.1),
        ]);
    }
    let (rows, t) = time(args.runs, || Ok(cat.people_counts()?.len() as u64))?;
    table.row([
        "people_counts (all people)".to_string(),
        rows.to_string(),
        ms(t.0),
        ms(t.1),
    ]);
    let (_, t) = time(args.runs, || Ok(cat.status()?.photos))?;
    table.row(["status".to_string(), "1".into(), ms(t.0), ms(t.1)]);
    let root = cat.roots()?.first().context("root")?.id;
    let runs = args.runs.min(10);
    let (rows, t) = time(runs, || Ok(cat.file_stamps(root)?.len() as u64))?;
    table.row([
        format!("file_stamps (rescan diff input; {runs} runs)"),
        rows.to_string(),
        ms(t.0),
        ms(t.1),
    ]);
    table.print();
    outln(&format!(
        "\n{} timed runs per query after 3 untimed (warm cache); one connection, release build. {}.",
        args.runs,
        machine()
    ));

    if args.explain {
        for (name, q) in cases.iter().filter(|(n, _)| !n.contains("full")) {
            outln(&format!("\nEXPLAIN QUERY PLAN — {name}:"));
            for line in cat.explain_photos(q)? {
                outln(&format!("    {line}"));
            }
        }
    }
    Ok(())
}

/// The file holds a finished build.
/// (median, p95) of `runs` calls after 3 untimed ones; also the call's last result.
fn time(runs: usize, mut f: impl FnMut() -> Result<u64>) -> Result<(u64, (Duration, Duration))> {
    let mut rows = 0;
    for _ in 0..3 {
        rows = f()?;
    }
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        rows = f()?;
        times.push(t.elapsed());
    }
    times.sort();
    let p95 = times[((runs as f64 * 0.95).ceil() as usize).clamp(1, runs) - 1];
    Ok((rows, (times[runs / 2], p95)))
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}
