//! Face quality and the quality bar on celeba-dev: how many photos have no face, what the
//! quality score looks like for the labelled main faces and for every other detection, and
//! which bar on it keeps junk (hands, logos, blurred strangers) out of the people groups.
//!
//! ```text
//! cargo run --release -p likeness-bench --bin face_quality -- --detector yunet [--sheet PATH]
//! ```
//! Every photo runs through the engine's pipeline (the configured detector, chips, quality,
//! embeddings). Faces at or above a bar are clustered with the engine's default parameters (two faces of
//! one photo never in one group);
//! faces below it stay out of every group, as in the app. The score, per bar:
//! - **all-faces BCubed F1**: every face counts; the labelled main face of a photo (the largest)
//!   has its identity, every other face is a stranger of its own (so a group of junk or of
//!   strangers costs precision, and leaving a stranger out costs nothing);
//! - **main-face BCubed F1** (only the labelled faces, the rest ignored) and **main faces kept**;
//! - **junk groups**: groups of 5 or more faces whose majority are not labelled main faces.
//!
//! The bar is chosen by 2-fold cross-validation over identities (photos split by their
//! identity): each half chooses the bar that maximises its all-faces F1, which is then scored
//! on the other half. The held-out scores are the headline.
//! With `--sheet`, a contact sheet (PNG) of the 10 biggest groups at the chosen bar.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result};
use clap::Parser;
use image::{imageops, RgbImage};
use likeness_bench::{open_pipeline, outln, pct, run_batch, CommonArgs, Csv, Table};
use likeness_cluster::{cluster_constrained, ClusterParams};

#[derive(Debug, Parser)]
#[command(name = "face_quality")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Use only the first N photos (sorted by file name).
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// Quality bars to try.
    #[arg(long, value_delimiter = ',', default_values_t = vec![0.0, 0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7])]
    bars: Vec<f32>,
    /// Write every face's quality parts and group (at bar 0) to this CSV.
    #[arg(long)]
    dump: Option<PathBuf>,
    /// Write a contact sheet of the 10 biggest groups (at the chosen bar) to this PNG.
    #[arg(long)]
    sheet: Option<PathBuf>,
}

/// One detected face.
struct Face {
    photo: usize,
    /// Identity of the photo's main face; `None` for every other face.
    identity: Option<u32>,
    quality: f32,
    parts: Option<likeness_engine::QualityParts>,
    embedding: Vec<f32>,
    bbox: [f64; 4],
}

#[derive(Debug, Clone, Copy, Default)]
struct Score {
    all_f1: f64,
    main_f1: f64,
    main_kept: f64,
    junk_groups: usize,
    groups: usize,
}

fn main() -> Result<()> {
    let args = Args::parse();
    likeness_bench::init_logging();
    let dir = args.common.data_dir("celeba-dev")?;
    let csv = Csv::read(&dir.join("identities.csv"))?;
    let (c_path, c_id) = (csv.col("path")?, csv.col("identity")?);
    let mut rows: Vec<(String, String)> = csv
        .rows
        .iter()
        .map(|r| (r[c_path].clone(), r[c_id].clone()))
        .collect();
    rows.sort();
    if let Some(n) = args.limit {
        rows.truncate(n);
    }
    let mut ids: HashMap<String, u32> = HashMap::new();
    let photo_identity: Vec<u32> = rows
        .iter()
        .map(|(_, id)| {
            let next = ids.len() as u32;
            *ids.entry(id.clone()).or_insert(next)
        })
        .collect();
    let paths: Vec<PathBuf> = rows.iter().map(|(p, _)| dir.join(p)).collect();

    let config = args.common.engine_config();
    let (pipeline, _) = open_pipeline(&config)?;
    let (results, wall) = run_batch(&pipeline, &paths, true, "celeba-dev");
    let mut faces: Vec<Face> = Vec::new();
    let (mut no_face, mut failed) = (0usize, 0usize);
    for (i, r) in results.iter().enumerate() {
        let Ok(photo) = r else {
            failed += 1;
            continue;
        };
        if photo.faces.is_empty() {
            no_face += 1;
            continue;
        }
        let area = |b: &likeness_engine::FaceBox| b.width() * b.height();
        let main = photo
            .faces
            .iter()
            .enumerate()
            .max_by(|a, b| area(&a.1.detection.bbox).total_cmp(&area(&b.1.detection.bbox)))
            .map(|(k, _)| k);
        for (k, f) in photo.faces.iter().enumerate() {
            let Some(e) = &f.embedding else { continue };
            faces.push(Face {
                photo: i,
                identity: (Some(k) == main).then_some(photo_identity[i]),
                quality: f.quality.unwrap_or(1.0),
                parts: f.quality_parts,
                embedding: e.0.clone(),
                bbox: f.detection.bbox.corners(),
            });
        }
    }
    let n_main = faces.iter().filter(|f| f.identity.is_some()).count();
    outln(&format!(
        "## Face quality on celeba-dev — {} ({} photos, {:.0} s)\n",
        args.common.detector_label(),
        paths.len(),
        wall.as_secs_f64()
    ));
    outln(&format!(
        "Photos with no face: **{no_face} of {} ({})**, failed to decode: {failed}. Faces: {} ({n_main} main, {} others).\n",
        paths.len(),
        pct(no_face as f64 / paths.len().max(1) as f64),
        faces.len(),
        faces.len() - n_main
    ));

    // Quality distributions.
    let mut t = Table::new(&["faces", "n", "p10", "p25", "median", "p75", "p90"]);
    for (label, main) in [("main (labelled)", true), ("other detections", false)] {
        let mut q: Vec<f32> = faces
            .iter()
            .filter(|f| f.identity.is_some() == main)
            .map(|f| f.quality)
            .collect();
        q.sort_by(f32::total_cmp);
        let at = |p: f64| {
            q.get(((q.len().max(1) - 1) as f64 * p).round() as usize)
                .map_or("—".to_string(), |v| format!("{v:.3}"))
        };
        t.row([
            label.to_string(),
            q.len().to_string(),
            at(0.1),
            at(0.25),
            at(0.5),
            at(0.75),
            at(0.9),
        ]);
    }
    t.print();

    let params = config.people.cluster;
    let all: Vec<usize> = (0..faces.len()).collect();
    outln("\nEvery bar on all photos:\n");
    let mut t = Table::new(&[
        "bar",
        "all-faces BCubed F1",
        "main-face BCubed F1",
        "main faces kept",
        "groups",
        "junk groups (≥ 5, mostly not main faces)",
    ]);
    for &bar in &args.bars {
        let (s, _) = score(&faces, &all, bar, &params)?;
        t.row(score_row(bar, &s));
    }
    t.print();

    // 2-fold cross-validation over identities.
    let fold_of = |f: &Face| photo_identity[f.photo] % 2;
    let halves: [Vec<usize>; 2] = [0, 1].map(|k| {
        (0..faces.len())
            .filter(|&i| fold_of(&faces[i]) == k)
            .collect()
    });
    outln("\nCross-validation over identities (bar chosen on one half, scored on the other):\n");
    let mut t = Table::new(&[
        "chosen on",
        "bar",
        "held-out all-faces F1",
        "held-out main-face F1",
        "held-out main kept",
        "held-out junk groups",
        "same half at bar 0: all-faces F1 / junk groups",
    ]);
    let mut chosen = Vec::new();
    for k in 0..2 {
        let mut best = (f64::MIN, 0.0f32);
        for &bar in &args.bars {
            let (s, _) = score(&faces, &halves[k], bar, &params)?;
            if s.all_f1 > best.0 {
                best = (s.all_f1, bar);
            }
        }
        let bar = best.1;
        chosen.push(bar);
        let other = &halves[1 - k];
        let (held, _) = score(&faces, other, bar, &params)?;
        let (base, _) = score(&faces, other, 0.0, &params)?;
        t.row([
            format!("half {k}"),
            format!("{bar}"),
            format!("**{:.4}**", held.all_f1),
            format!("{:.4}", held.main_f1),
            pct(held.main_kept),
            held.junk_groups.to_string(),
            format!("{:.4} / {}", base.all_f1, base.junk_groups),
        ]);
    }
    t.print();
    let bar = chosen.iter().sum::<f32>() / chosen.len() as f32;
    outln(&format!(
        "\nBar for the app: mean of the two halves' choices = {bar:.3}.\n"
    ));

    if let Some(dump) = &args.dump {
        let (_, labels) = score(&faces, &all, 0.0, &params)?;
        let mut sizes: HashMap<u32, usize> = HashMap::new();
        for l in labels.iter().flatten() {
            *sizes.entry(*l).or_default() += 1;
        }
        let mut text =
            String::from("photo,main,group,group_size,quality,confidence,size,sharpness,frontal\n");
        for (i, f) in faces.iter().enumerate() {
            let p = f.parts;
            text.push_str(&format!(
                "{},{},{},{},{:.4},{:.4},{:.1},{:.2},{:.3}\n",
                paths[f.photo]
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or(""),
                u8::from(f.identity.is_some()),
                labels[i].map_or(-1, i64::from),
                labels[i].map_or(0, |l| sizes[&l]),
                f.quality,
                p.map_or(f32::NAN, |p| p.confidence),
                p.map_or(f32::NAN, |p| p.size),
                p.map_or(f32::NAN, |p| p.sharpness),
                p.map_or(f32::NAN, |p| p.frontal),
            ));
        }
        std::fs::write(dump, text).with_context(|| dump.display().to_string())?;
    }
    if let Some(sheet) = &args.sheet {
        let (_, labels) = score(&faces, &all, bar, &params)?;
        contact_sheet(&faces, &all, &labels, &paths, sheet)?;
        outln(&format!(
            "Contact sheet of the 10 biggest groups: {}",
            sheet.display()
        ));
    }
    Ok(())
}

fn score_row(bar: f32, s: &Score) -> Vec<String> {
    vec![
        format!("{bar}"),
        format!("{:.4}", s.all_f1),
        format!("{:.4}", s.main_f1),
        pct(s.main_kept),
        s.groups.to_string(),
        s.junk_groups.to_string(),
    ]
}

/// Clusters the faces `subset` at or above `bar` and scores them. Returns the score and each
/// subset face's group (`None`: below the bar or noise).
fn score(
    faces: &[Face],
    subset: &[usize],
    bar: f32,
    params: &ClusterParams,
) -> Result<(Score, Vec<Option<u32>>)> {
    let kept: Vec<usize> = subset
        .iter()
        .copied()
        .filter(|&i| faces[i].quality >= bar)
        .collect();
    let dim = faces.first().map_or(128, |f| f.embedding.len());
    let mut points = Vec::with_capacity(kept.len() * dim);
    for &i in &kept {
        points.extend_from_slice(&faces[i].embedding);
    }
    // Each face's photo: two faces of one photo are never grouped, as in the app.
    let groups: Vec<u32> = kept.iter().map(|&i| faces[i].photo as u32).collect();
    let mut labels: Vec<Option<u32>> = vec![None; subset.len()];
    if !kept.is_empty() {
        let c = cluster_constrained(&points, dim, Some(&groups), params, &AtomicBool::new(false))
            .context("clustering")?;
        let pos: HashMap<usize, usize> = subset.iter().enumerate().map(|(p, &i)| (i, p)).collect();
        for (k, &i) in kept.iter().enumerate() {
            labels[pos[&i]] = c.labels[k];
        }
    }
    // Items: (truth, group). Noise and faces below the bar are groups of their own.
    let truth: Vec<Truth> = subset
        .iter()
        .map(|&i| match faces[i].identity {
            Some(id) => Truth::Person(id),
            None => Truth::Stranger(i),
        })
        .collect();
    let group: Vec<Group> = labels
        .iter()
        .enumerate()
        .map(|(p, l)| match l {
            Some(c) => Group::Cluster(*c),
            None => Group::Alone(p),
        })
        .collect();
    let all_f1 = bcubed_f1(&truth, &group, |_| true);
    let main_f1 = bcubed_f1(&truth, &group, |t| matches!(t, Truth::Person(_)));
    let n_main = truth
        .iter()
        .filter(|t| matches!(t, Truth::Person(_)))
        .count();
    let main_kept = subset
        .iter()
        .filter(|&&i| faces[i].identity.is_some() && faces[i].quality >= bar)
        .count() as f64
        / n_main.max(1) as f64;
    let mut members: HashMap<u32, (usize, usize)> = HashMap::new();
    for (p, l) in labels.iter().enumerate() {
        if let Some(c) = l {
            let e = members.entry(*c).or_default();
            e.0 += 1;
            if matches!(truth[p], Truth::Person(_)) {
                e.1 += 1;
            }
        }
    }
    let junk_groups = members
        .values()
        .filter(|(n, main)| *n >= 5 && main * 2 <= *n)
        .count();
    Ok((
        Score {
            all_f1,
            main_f1,
            main_kept,
            junk_groups,
            groups: members.len(),
        },
        labels,
    ))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Truth {
    Person(u32),
    Stranger(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Group {
    Cluster(u32),
    Alone(usize),
}

/// BCubed F1 over the items `counted` selects (precision and recall averaged over them, each
/// item's group and class restricted to counted items).
fn bcubed_f1(truth: &[Truth], group: &[Group], counted: impl Fn(&Truth) -> bool) -> f64 {
    let items: Vec<usize> = (0..truth.len()).filter(|&i| counted(&truth[i])).collect();
    if items.is_empty() {
        return f64::NAN;
    }
    let mut by_group: HashMap<Group, HashMap<Truth, usize>> = HashMap::new();
    let mut by_truth: HashMap<Truth, usize> = HashMap::new();
    for &i in &items {
        *by_group
            .entry(group[i])
            .or_default()
            .entry(truth[i])
            .or_default() += 1;
        *by_truth.entry(truth[i]).or_default() += 1;
    }
    let (mut p, mut r) = (0.0, 0.0);
    for &i in &items {
        let g = &by_group[&group[i]];
        let same = g[&truth[i]] as f64;
        p += same / g.values().sum::<usize>() as f64;
        r += same / by_truth[&truth[i]] as f64;
    }
    let n = items.len() as f64;
    let (p, r) = (p / n, r / n);
    2.0 * p * r / (p + r)
}

/// Rows of up to 14 faces (72 px) for the 10 biggest groups; a green bar under labelled main
/// faces, red under the others.
fn contact_sheet(
    faces: &[Face],
    subset: &[usize],
    labels: &[Option<u32>],
    paths: &[PathBuf],
    out: &std::path::Path,
) -> Result<()> {
    const CELL: u32 = 72;
    const PER_ROW: usize = 14;
    let mut groups: HashMap<u32, Vec<usize>> = HashMap::new();
    for (p, l) in labels.iter().enumerate() {
        if let Some(c) = l {
            groups.entry(*c).or_default().push(subset[p]);
        }
    }
    let mut groups: Vec<Vec<usize>> = groups.into_values().collect();
    groups.sort_by_key(|g| std::cmp::Reverse(g.len()));
    groups.truncate(10);
    let mut sheet = RgbImage::from_pixel(
        CELL * PER_ROW as u32 + 60,
        (CELL + 8) * groups.len().max(1) as u32,
        image::Rgb([255, 255, 255]),
    );
    for (row, g) in groups.iter().enumerate() {
        let y0 = row as u32 * (CELL + 8);
        // group size as a bar on the left (1 px per face, at most 56)
        for x in 0..(g.len() as u32).min(56) {
            for y in 0..6 {
                sheet.put_pixel(x + 2, y0 + 2 + y, image::Rgb([40, 40, 160]));
            }
        }
        for (k, &i) in g.iter().take(PER_ROW).enumerate() {
            let f = &faces[i];
            let img = image::open(&paths[f.photo])
                .with_context(|| paths[f.photo].display().to_string())?
                .to_rgb8();
            let [x1, y1, x2, y2] = f.bbox;
            let (x, y) = (x1.max(0.0) as u32, y1.max(0.0) as u32);
            let w = ((x2 - x1).max(1.0) as u32).min(img.width().saturating_sub(x).max(1));
            let h = ((y2 - y1).max(1.0) as u32).min(img.height().saturating_sub(y).max(1));
            let crop = imageops::crop_imm(&img, x, y, w, h).to_image();
            let thumb = imageops::resize(&crop, CELL - 4, CELL - 4, imageops::FilterType::Triangle);
            let x0 = 60 + k as u32 * CELL;
            imageops::replace(&mut sheet, &thumb, i64::from(x0), i64::from(y0));
            let colour = if f.identity.is_some() {
                image::Rgb([0, 160, 0])
            } else {
                image::Rgb([200, 0, 0])
            };
            for x in x0..x0 + CELL - 4 {
                for y in y0 + CELL - 3..y0 + CELL {
                    sheet.put_pixel(x, y, colour);
                }
            }
        }
    }
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    sheet.save(out).with_context(|| out.display().to_string())?;
    Ok(())
}
