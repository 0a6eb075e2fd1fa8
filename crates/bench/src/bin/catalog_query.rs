//! Person → photos queries on a synthetic catalog of 1,000,000 photos / 3,000,000 faces.
//!
//! The catalog is built through the catalog's own API (`apply_scan`, `commit_batch`,
//! `assign_faces`, the same calls the indexer and the clusterer make) into a file that is
//! reused by later runs (`--rebuild` to start over). Data: 0–6 faces per photo (mean 3),
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
use likeness_bench::{machine, outln, Table};
use likeness_catalog::{
    Catalog, ContentHash, FaceAssignment, FileCandidate, IndexOutcome, JobCounts, JobState,
    NewFace, NewPhoto, PersonCount, PhotoMeta, PhotoQuery, Provenance, ScanChanges, TakenSource,
};

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

const BUILD_JOB: &str = "bench-build";
const BATCH: usize = 20_000;
const ROOT: &str = "/synthetic/library";

fn main() -> Result<()> {
    let args = Args::parse();
    likeness_bench::init_logging();
    let reused = !args.rebuild && complete(&args.path)?;
    if !reused {
        build(&args)?;
    }
    let cat = Catalog::open(&args.path)?;
    let job = cat.last_job(BUILD_JOB)?.context("build job row")?;
    let status = cat.status()?;
    let size = file_size(&args.path);

    outln(&format!(
        "Catalog `{}` ({}): {} photos, {} faces, {} people, schema v{}; file {:.0} MiB; \
         built in {} s ({} photos/s through commit_batch + assign_faces){}.",
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
fn complete(path: &Path) -> Result<bool> {
    if !path.exists() {
        return Ok(false);
    }
    let cat = Catalog::open(path)?;
    Ok(cat
        .last_job(BUILD_JOB)?
        .is_some_and(|j| j.state == JobState::Completed))
}

fn build(args: &Args) -> Result<()> {
    for ext in ["", "-wal", "-shm"] {
        let mut p = args.path.clone().into_os_string();
        p.push(ext);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
    let started = Instant::now();
    let t0 = unix_now();
    let mut cat = Catalog::open(&args.path)?;
    let job = cat.begin_job(BUILD_JOB, t0)?;
    let root = cat.add_root(Path::new(ROOT), t0)?;
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);

    eprintln!("files…");
    let mut n = 0u64;
    while n < args.photos {
        let upto = (n + BATCH as u64).min(args.photos);
        let upsert = (n..upto)
            .map(|i| FileCandidate {
                path: PathBuf::from(format!("{ROOT}/{:03}/{:07}.jpg", i / 10_000, i)),
                size: 2_000_000 + i,
                mtime_ns: 1_500_000_000_000_000_000 + i as i64,
            })
            .collect();
        cat.apply_scan(
            root.id,
            &ScanChanges {
                upsert,
                ..Default::default()
            },
            t0,
        )?;
        n = upto;
    }

    eprintln!("photos and faces… ({:.0?})", started.elapsed());
    let mut after = 0;
    let mut faces = 0u64;
    loop {
        let pending = cat.pending_files(after, BATCH)?;
        let Some(last) = pending.last() else { break };
        after = last.id;
        let batch: Vec<IndexOutcome> = pending
            .iter()
            .map(|f| {
                let photo = synthetic_photo(&mut rng, f.id as u64, !args.no_embeddings);
                faces += photo.faces.len() as u64;
                IndexOutcome::Analyzed {
                    file: f.id,
                    size: f.size,
                    mtime_ns: f.mtime_ns,
                    photo,
                }
            })
            .collect();
        cat.commit_batch(&batch, t0)?;
        if after % 200_000 < BATCH as i64 {
            eprintln!("  {after} photos ({:.0?})", started.elapsed());
        }
    }

    eprintln!("people and assignments… ({:.0?})", started.elapsed());
    let zipf = Zipf::new(args.people as usize);
    let mut people = Vec::with_capacity(args.people as usize);
    for i in 0..args.people {
        people.push(cat.create_person(&format!("Person {i:05}"), t0)?);
    }
    let mut after = 0;
    loop {
        let page = cat.faces_after(after, BATCH)?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let mut assignments = Vec::with_capacity(page.len());
        for face in &page {
            if rng.unit() >= 0.70 {
                continue;
            }
            let r = rng.unit();
            let provenance = if r < 0.25 {
                Provenance::Confirmed
            } else if r < 0.90 {
                Provenance::Automatic
            } else {
                Provenance::Suggested
            };
            assignments.push(FaceAssignment {
                face: face.id,
                person: people[zipf.sample(rng.unit())],
                provenance,
                confidence: Some(0.5 + rng.unit() as f32 / 2.0),
            });
        }
        cat.assign_faces(&assignments, t0)?;
    }
    let counts = JobCounts {
        photos_done: args.photos,
        photos_total: args.photos,
        faces,
        errors: 0,
    };
    let t1 = t0 + started.elapsed().as_secs() as i64;
    cat.finish_job(job, JobState::Completed, &counts, t1)?;
    eprintln!("built in {:.1?}", started.elapsed());
    Ok(())
}

fn synthetic_photo(rng: &mut Rng, seed: u64, embeddings: bool) -> NewPhoto {
    let mut hash = [0u8; 32];
    let mut h = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0xdead_beef);
    for chunk in hash.chunks_mut(8) {
        chunk.copy_from_slice(&h.next().to_le_bytes());
    }
    let taken_at = (rng.unit() >= 0.02).then(|| {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            2005 + rng.below(20),
            1 + rng.below(12),
            1 + rng.below(28),
            rng.below(24),
            rng.below(60),
            rng.below(60)
        )
    });
    let n_faces = rng.below(7);
    let faces = (0..n_faces)
        .map(|i| {
            let x = 100.0 + 600.0 * i as f32;
            let b = [x, 400.0, x + 300.0, 800.0];
            NewFace {
                bbox: b,
                landmarks: [
                    x + 90.0,
                    550.0,
                    x + 210.0,
                    550.0,
                    x + 150.0,
                    620.0,
                    x + 100.0,
                    700.0,
                    x + 200.0,
                    700.0,
                ],
                score: 0.9 + rng.unit() as f32 / 10.0,
                embedding: if embeddings {
                    (0..128).map(|_| rng.unit() as f32 - 0.5).collect()
                } else {
                    Vec::new()
                },
            }
        })
        .collect();
    NewPhoto {
        hash: ContentHash(hash),
        meta: PhotoMeta {
            width: 4000,
            height: 3000,
            stored_width: 4000,
            stored_height: 3000,
            orientation: 1,
            format: "jpeg".into(),
            taken_at,
            taken_source: TakenSource::Exif,
            camera_make: Some("Canon".into()),
            camera_model: Some("EOS 6D".into()),
            gps: None,
            file_size: 2_000_000 + seed,
        },
        model: "mtcnn+dlib-resnet-v1".into(),
        faces,
    }
}

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

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// SplitMix64: deterministic data without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Person rank with probability ∝ 1 / (rank + 1).
struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(n: usize) -> Self {
        let mut sum = 0.0;
        let cumulative = (1..=n)
            .map(|r| {
                sum += 1.0 / r as f64;
                sum
            })
            .collect::<Vec<_>>();
        let total = sum;
        Zipf {
            cumulative: cumulative.into_iter().map(|c| c / total).collect(),
        }
    }
    fn sample(&self, u: f64) -> usize {
        self.cumulative
            .partition_point(|&c| c <= u)
            .min(self.cumulative.len() - 1)
    }
}
