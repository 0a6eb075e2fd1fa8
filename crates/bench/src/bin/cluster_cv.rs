//! People clustering, cross-validated over identities (issue 15): parameters are chosen on
//! some of celeba-dev's identities and scored on the others, so the headline is a number the
//! parameters were not tuned on.
//!
//! ```text
//! cargo run --release -p likeness-bench --bin cluster_cv -- [--folds 2] [--repeats 3]
//! ```
//!
//! Three families compete, each with its own grid, through the same folds:
//! - **constrained**: `likeness_cluster::cluster_constrained` (DBSCAN → merge → attach, faces
//!   of one photo never in one cluster), with the spread check on merges and the nearest-member
//!   check on attaches in the grid (0 = off);
//! - **unconstrained**: the same pipeline without photo groups or checks (the rules before
//!   issue 15);
//! - **chinese whispers** (dlib's face-clustering method) with photo groups, over its edge
//!   threshold.
//!
//! Identities are shuffled by a seeded hash and dealt into `--folds` folds; each fold is held
//! out once per repeat. Tuning clusters only the training identities' photos (all their faces,
//! background strangers included) and keeps the grid point with the best BCubed F1 there; the
//! held-out identities' photos are then clustered alone with it and scored. Each photo is
//! scored on its largest face, a photo without a face is a miss (every photo counts), as
//! `cluster_quality` does. A subset of identities is easier to cluster than all 80 (fewer
//! look-alikes), so the table also shows each family's choice on the whole set.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::Result;
use clap::Parser;
use likeness_bench::cluster_data::{load_celeba, score_items, Celeba, Score};
use likeness_bench::{outln, CommonArgs, Table};
use likeness_cluster::{
    chinese_whispers, cluster, cluster_constrained, group_violations, ClusterParams, IndexKind,
};
use rayon::prelude::*;

#[derive(Debug, Parser)]
#[command(name = "cluster_cv")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Folder holding `library/catalog.sqlite` of celeba-dev (made if missing).
    #[arg(long, default_value = "target/bench/index-library")]
    scratch: PathBuf,
    /// Folds the identities are dealt into.
    #[arg(long, default_value_t = 2)]
    folds: usize,
    /// Repeats with another shuffle of the identities.
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    /// A smaller grid (for a quick look).
    #[arg(long)]
    quick: bool,
}

/// The photos of some identities: their faces, photo groups and scored items.
struct Subset {
    points: Vec<f32>,
    groups: Vec<u32>,
    /// (main face index into `points`, identity) per item.
    items: Vec<(Option<usize>, u32)>,
}

fn subset(c: &Celeba, keep: &HashSet<u32>) -> Subset {
    let photos: HashSet<u32> = c
        .items
        .iter()
        .filter(|(_, id)| keep.contains(id))
        .filter_map(|(f, _)| f.map(|f| c.face_photo[f]))
        .collect();
    let mut index = HashMap::new();
    let mut points = Vec::new();
    let mut groups = Vec::new();
    for (f, &photo) in c.face_photo.iter().enumerate() {
        if photos.contains(&photo) {
            index.insert(f, groups.len());
            groups.push(photo);
            points.extend_from_slice(&c.embeddings[f * c.dim..(f + 1) * c.dim]);
        }
    }
    let items = c
        .items
        .iter()
        .filter(|(_, id)| keep.contains(id))
        .map(|&(f, id)| (f.and_then(|f| index.get(&f).copied()), id))
        .collect();
    Subset {
        points,
        groups,
        items,
    }
}

fn score(s: &Subset, labels: &[Option<u32>]) -> Score {
    score_items(&s.items, labels)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Family {
    Constrained,
    Unconstrained,
    Whispers,
}

impl Family {
    fn label(self) -> &'static str {
        match self {
            Family::Constrained => "constrained DBSCAN → merge → attach",
            Family::Unconstrained => "unconstrained (rules before issue 15)",
            Family::Whispers => "chinese whispers (photo groups)",
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Method {
    Pipeline(ClusterParams, bool),
    Whispers(f32),
}

impl Method {
    fn describe(&self) -> String {
        match self {
            Method::Pipeline(p, _) => format!(
                "eps {:.2} merge {:.3} attach {:.3} spread {:.2} nearest {:.2}",
                p.eps, p.merge_threshold, p.attach_threshold, p.merge_spread, p.attach_nearest
            ),
            Method::Whispers(t) => format!("threshold {t:.2}"),
        }
    }

    fn run(&self, s: &Subset) -> Result<Vec<Option<u32>>> {
        let dim = 128;
        let cancel = AtomicBool::new(false);
        Ok(match *self {
            Method::Pipeline(p, true) => {
                cluster_constrained(&s.points, dim, Some(&s.groups), &p, &cancel)?.labels
            }
            Method::Pipeline(p, false) => cluster(&s.points, dim, &p, &cancel)?.labels,
            Method::Whispers(t) => chinese_whispers(
                &s.points,
                dim,
                Some(&s.groups),
                t,
                IndexKind::Exact,
                &cancel,
            )?,
        })
    }
}

fn grid(family: Family, quick: bool) -> Vec<Method> {
    let base = ClusterParams {
        index: IndexKind::Exact,
        ..ClusterParams::default()
    };
    let eps: &[f32] = if quick {
        &[0.38, 0.40, 0.42]
    } else {
        &[0.36, 0.38, 0.40, 0.42, 0.44]
    };
    let merge: &[f32] = if quick {
        &[0.50, 0.55, 0.60]
    } else {
        &[0.50, 0.525, 0.55, 0.575, 0.60, 0.625, 0.65]
    };
    let attach: &[f32] = if quick {
        &[0.0, 0.55, 0.60]
    } else {
        &[0.0, 0.55, 0.575, 0.60, 0.625, 0.65]
    };
    let mut out = Vec::new();
    match family {
        Family::Whispers => {
            for i in 0..=20 {
                out.push(Method::Whispers(0.40 + 0.01 * i as f32));
            }
        }
        Family::Unconstrained | Family::Constrained => {
            let constrained = family == Family::Constrained;
            let spreads: &[f32] = if !constrained {
                &[0.0]
            } else if quick {
                &[0.0, 0.70]
            } else {
                &[0.0, 0.65, 0.70, 0.75]
            };
            let nearests: &[f32] = if !constrained {
                &[0.0]
            } else if quick {
                &[0.0, 0.50]
            } else {
                &[0.0, 0.45, 0.50, 0.55]
            };
            for &e in eps {
                for &m in merge {
                    for &a in attach {
                        for &sp in spreads {
                            for &nr in nearests {
                                if a == 0.0 && nr > 0.0 {
                                    continue;
                                }
                                out.push(Method::Pipeline(
                                    ClusterParams {
                                        eps: e,
                                        merge_threshold: m,
                                        attach_threshold: a,
                                        merge_spread: sp,
                                        attach_nearest: nr,
                                        ..base
                                    },
                                    constrained,
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

/// The grid point with the best BCubed F1 on `s` (ties: higher precision, then grid order).
fn tune(methods: &[Method], s: &Subset) -> Result<(Method, Score)> {
    let scored: Vec<(usize, Score)> = methods
        .par_iter()
        .enumerate()
        .map(|(i, m)| m.run(s).map(|l| (i, score(s, &l))))
        .collect::<Result<_>>()?;
    let best = scored
        .iter()
        .max_by(|a, b| {
            a.1.bf
                .total_cmp(&b.1.bf)
                .then(a.1.bp.total_cmp(&b.1.bp))
                .then(b.0.cmp(&a.0))
        })
        .copied()
        .ok_or_else(|| anyhow::anyhow!("empty grid"))?;
    Ok((methods[best.0], best.1))
}

fn mix(seed: u64, id: u32) -> u64 {
    let mut z = (seed << 32 ^ u64::from(id)).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn f4(x: f64) -> String {
    format!("{x:.4}")
}

fn main() -> Result<()> {
    likeness_bench::init_logging();
    let args = Args::parse();
    let c = load_celeba(&args.common, &args.scratch)?;
    let started = Instant::now();
    let identities: Vec<u32> = (0..c.identities as u32).collect();
    let families = [Family::Constrained, Family::Unconstrained, Family::Whispers];
    let grids: BTreeMap<Family, Vec<Method>> =
        families.iter().map(|&f| (f, grid(f, args.quick))).collect();
    let shipped = Method::Pipeline(
        ClusterParams {
            index: IndexKind::Exact,
            ..ClusterParams::default()
        },
        true,
    );
    outln(&format!(
        "## People clustering, cross-validated over identities — celeba-dev\n\n{} photos, {} identities, {} faces; {} folds × {} repeats; grids: {}\n",
        c.items.len(),
        c.identities,
        c.faces(),
        args.folds,
        args.repeats,
        families
            .iter()
            .map(|f| format!("{} {} points", f.label(), grids[f].len()))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    // Per family: (held-out score, in-sample score, chosen) per (repeat, fold).
    let mut runs: BTreeMap<Family, Vec<(Score, Score, Method)>> = BTreeMap::new();
    let mut shipped_out: Vec<Score> = Vec::new();
    let mut folds_table = Table::new(&[
        "repeat",
        "fold",
        "family",
        "held-out ids",
        "chosen on the other folds",
        "in-sample bF",
        "held-out bP",
        "held-out bR",
        "held-out bF",
    ]);
    for r in 0..args.repeats {
        let mut order = identities.clone();
        order.sort_by_key(|&id| (mix(r as u64 + 1, id), id));
        for k in 0..args.folds {
            let test: HashSet<u32> = order
                .iter()
                .enumerate()
                .filter(|(i, _)| i % args.folds == k)
                .map(|(_, &id)| id)
                .collect();
            let train: HashSet<u32> = identities
                .iter()
                .copied()
                .filter(|id| !test.contains(id))
                .collect();
            let (tr, te) = (subset(&c, &train), subset(&c, &test));
            for &family in &families {
                let (chosen, inside) = tune(&grids[&family], &tr)?;
                let held = score(&te, &chosen.run(&te)?);
                folds_table.row([
                    r.to_string(),
                    k.to_string(),
                    family.label().to_string(),
                    test.len().to_string(),
                    chosen.describe(),
                    f4(inside.bf),
                    f4(held.bp),
                    f4(held.br),
                    f4(held.bf),
                ]);
                runs.entry(family).or_default().push((held, inside, chosen));
            }
            shipped_out.push(score(&te, &shipped.run(&te)?));
            eprintln!(
                "repeat {r} fold {k} done ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
        }
    }
    // Each family's choice on the whole set, and what it does there.
    let all = subset(&c, &identities.iter().copied().collect());
    let mut summary = Table::new(&[
        "family",
        "held-out bP",
        "held-out bR",
        "**held-out bF** (mean ± sd)",
        "in-sample bF",
        "chosen on all 80",
        "all-80 bF (in-sample)",
        "clusters",
        "split",
        "mixed",
        "noise",
        "groups with 2 faces of a photo",
    ]);
    let mean_sd = |v: &[f64]| {
        let n = v.len().max(1) as f64;
        let m = v.iter().sum::<f64>() / n;
        let sd = (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n).sqrt();
        (m, sd)
    };
    // One summary row: held-out scores (mean, and sd of F1), in-sample F1, and the method
    // run on all 80.
    let mut summary_row = |label: &str,
                           held: &[Score],
                           inside: Option<f64>,
                           method: Method,
                           whole: Score|
     -> Result<()> {
        let (hp, _) = mean_sd(&held.iter().map(|s| s.bp).collect::<Vec<_>>());
        let (hr, _) = mean_sd(&held.iter().map(|s| s.br).collect::<Vec<_>>());
        let (hf, hsd) = mean_sd(&held.iter().map(|s| s.bf).collect::<Vec<_>>());
        let labels = method.run(&all)?;
        summary.row([
            label.to_string(),
            f4(hp),
            f4(hr),
            format!("**{hf:.4}** ± {hsd:.4}"),
            inside.map_or("–".into(), f4),
            method.describe(),
            f4(whole.bf),
            whole.clusters.to_string(),
            whole.split.to_string(),
            whole.mixed.to_string(),
            whole.noise.to_string(),
            group_violations(&labels, &all.groups).to_string(),
        ]);
        Ok(())
    };
    for &family in &families {
        let rs = &runs[&family];
        let held: Vec<Score> = rs.iter().map(|x| x.0).collect();
        let (inside, _) = mean_sd(&rs.iter().map(|x| x.1.bf).collect::<Vec<_>>());
        let (chosen, whole) = tune(&grids[&family], &all)?;
        summary_row(family.label(), &held, Some(inside), chosen, whole)?;
    }
    let whole = score(&all, &shipped.run(&all)?);
    summary_row(
        "shipped defaults (`ClusterParams::default()`, constrained), not tuned per fold",
        &shipped_out,
        None,
        shipped,
        whole,
    )?;
    summary.print();
    outln("");
    folds_table.print();
    outln(&format!(
        "\n{:.0} s in all",
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}
