//! "What if" runs for the throughput profile, built only on the engine's public API (the
//! engine itself is untouched): several pipelines working on different photos at once, and
//! detection on a downscaled copy of large photos.
//!
//! Downscaled detection: the photo is decoded at full size, a copy whose longer side is at
//! most `max_side` is made with `image::imageops::thumbnail` (area averaging), MTCNN runs on
//! the copy, boxes and landmarks are scaled back, and the chip is cut from the **full-size**
//! photo, so descriptors stay full quality. Faces smaller than `min_face × scale` in the
//! original are given up, which is why the run reports how many photos changed face count and
//! how far the main face's descriptor moved.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use anyhow::Result;
use image::RgbImage;
use likeness_engine::{Detection, Embedding, EngineConfig, FacePipeline, FaceRecord, Point};

use crate::central_face;

/// What one photo gave.
#[derive(Debug, Clone, Default)]
pub struct PhotoOutcome {
    pub ok: bool,
    pub faces: usize,
    /// Descriptor of the face closest to the photo centre.
    pub main: Option<Embedding>,
}

/// Result of a what-if run.
#[derive(Debug, Clone)]
pub struct WhatIf {
    pub wall: Duration,
    /// Per input photo, input order.
    pub photos: Vec<PhotoOutcome>,
}

impl WhatIf {
    pub fn photos_ok(&self) -> usize {
        self.photos.iter().filter(|p| p.ok).count()
    }
    pub fn faces(&self) -> usize {
        self.photos.iter().map(|p| p.faces).sum()
    }
    pub fn no_face(&self) -> usize {
        self.photos.iter().filter(|p| p.ok && p.faces == 0).count()
    }
}

/// Runs `workers` independent pipelines (each opened with `config`), photo `i` going to
/// worker `i % workers`, with detection on a copy at most `max_side` px long when given.
pub fn run(
    config: &EngineConfig,
    paths: &[PathBuf],
    workers: usize,
    max_side: Option<u32>,
) -> Result<WhatIf> {
    let workers = workers.max(1);
    let pipelines: Vec<FacePipeline> = (0..workers)
        .map(|_| FacePipeline::open(config))
        .collect::<Result<_, _>>()?;
    // Warm-up, untimed, on every pipeline.
    for p in &pipelines {
        let _ = p.analyze(&paths[0], true);
    }
    let start = Instant::now();
    let parts: Vec<Vec<(usize, PhotoOutcome)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = pipelines
            .iter()
            .enumerate()
            .map(|(w, pipeline)| {
                scope.spawn(move || {
                    let mine: Vec<usize> = (w..paths.len()).step_by(workers).collect();
                    match max_side {
                        None => full_batch(pipeline, paths, &mine),
                        Some(side) => downscaled(pipeline, paths, &mine, side),
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let wall = start.elapsed();
    let mut photos = vec![PhotoOutcome::default(); paths.len()];
    for (i, o) in parts.into_iter().flatten() {
        photos[i] = o;
    }
    Ok(WhatIf { wall, photos })
}

fn outcome(faces: &[FaceRecord], main: Option<&FaceRecord>) -> PhotoOutcome {
    PhotoOutcome {
        ok: true,
        faces: faces.len(),
        main: main.and_then(|f| f.embedding.clone()),
    }
}

fn full_batch(
    pipeline: &FacePipeline,
    paths: &[PathBuf],
    mine: &[usize],
) -> Vec<(usize, PhotoOutcome)> {
    let subset: Vec<PathBuf> = mine.iter().map(|&i| paths[i].clone()).collect();
    let never = AtomicBool::new(false);
    let results = pipeline.analyze_batch(&subset, true, &never, &mut |_| {});
    mine.iter()
        .zip(results)
        .map(|(&i, r)| {
            let o = match r {
                Ok(p) => outcome(&p.faces, central_face(&p)),
                Err(_) => PhotoOutcome::default(),
            };
            (i, o)
        })
        .collect()
}

fn scale_detection(d: &Detection, s: f64) -> Detection {
    let mut out = d.clone();
    out.bbox.x1 *= s;
    out.bbox.y1 *= s;
    out.bbox.x2 *= s;
    out.bbox.y2 *= s;
    for (o, p) in out.landmarks.iter_mut().zip(&d.landmarks) {
        *o = Point::new(p.x * s, p.y * s);
    }
    out
}

fn downscaled(
    pipeline: &FacePipeline,
    paths: &[PathBuf],
    mine: &[usize],
    max_side: u32,
) -> Vec<(usize, PhotoOutcome)> {
    let mut out: Vec<(usize, PhotoOutcome)> = Vec::with_capacity(mine.len());
    // Chips waiting for a batch: (slot in `out`, is-main-face, chip).
    let mut pending: Vec<(usize, bool, RgbImage)> = Vec::new();
    let flush = |pending: &mut Vec<(usize, bool, RgbImage)>,
                 out: &mut Vec<(usize, PhotoOutcome)>| {
        if pending.is_empty() {
            return;
        }
        let refs: Vec<&RgbImage> = pending.iter().map(|(_, _, c)| c).collect();
        match pipeline.embed_chips(&refs) {
            Ok(embeddings) => {
                for ((slot, main, _), e) in pending.iter().zip(embeddings) {
                    if *main {
                        out[*slot].1.main = Some(e);
                    }
                }
            }
            Err(_) => {
                for (slot, _, _) in pending.iter() {
                    out[*slot].1.ok = false;
                }
            }
        }
        pending.clear();
    };
    for &i in mine {
        let Ok(photo) = pipeline.decode(&paths[i]) else {
            out.push((i, PhotoOutcome::default()));
            continue;
        };
        let full = &photo.image;
        let long = full.width().max(full.height());
        let (detections, scale) = if long > max_side {
            let s = f64::from(max_side) / f64::from(long);
            let w = ((f64::from(full.width()) * s).round() as u32).max(1);
            let h = ((f64::from(full.height()) * s).round() as u32).max(1);
            let small = image::imageops::thumbnail(full, w, h);
            let sx = f64::from(full.width()) / f64::from(w);
            (pipeline.detect(&small), sx)
        } else {
            (pipeline.detect(full), 1.0)
        };
        let Ok(detections) = detections else {
            out.push((i, PhotoOutcome::default()));
            continue;
        };
        let detections: Vec<Detection> = detections
            .iter()
            .map(|d| scale_detection(d, scale))
            .collect();
        let records: Vec<FaceRecord> = detections
            .iter()
            .map(|d| FaceRecord {
                detection: d.clone(),
                embedding: None,
                quality: None,
                quality_parts: None,
            })
            .collect();
        let fake = likeness_engine::PhotoFaces {
            path: paths[i].clone(),
            width: full.width(),
            height: full.height(),
            exif: photo.exif.clone(),
            faces: records,
            timings: Default::default(),
        };
        let main_index =
            central_face(&fake).and_then(|m| fake.faces.iter().position(|f| std::ptr::eq(f, m)));
        let slot = out.len();
        out.push((
            i,
            PhotoOutcome {
                ok: true,
                faces: detections.len(),
                main: None,
            },
        ));
        for (f, d) in detections.iter().enumerate() {
            pending.push((slot, Some(f) == main_index, pipeline.chip(full, d)));
        }
        if pending.len() >= 64 {
            flush(&mut pending, &mut out);
        }
    }
    flush(&mut pending, &mut out);
    out
}
