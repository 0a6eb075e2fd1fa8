//! Subcommands: each turns arguments into engine calls and engine results into DTOs.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::{bail, Context};
use clap::Args;
use likeness_engine::{
    doctor as run_doctor, EngineConfig, FacePipeline, PhotoFaces, ProviderPreference,
};

use likeness_api::{CompareDto, DoctorDto, PhotoDto};

pub fn engine_config(
    models_dir: Option<PathBuf>,
    ort_library: Option<PathBuf>,
    cpu: bool,
) -> EngineConfig {
    EngineConfig {
        models_dir,
        ort_library,
        provider: if cpu {
            ProviderPreference::CpuOnly
        } else {
            ProviderPreference::Auto
        },
        ..EngineConfig::default()
    }
}

#[derive(Debug, Args)]
pub struct FacesArgs {
    /// Photos or folders (folders are walked recursively).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Add each face's 128-d descriptor.
    #[arg(long)]
    embeddings: bool,
    /// Smallest face side to look for, in pixels.
    #[arg(long, default_value_t = 20.0)]
    min_face: f64,
    /// Keep the stored pixel order instead of applying EXIF orientation.
    #[arg(long)]
    no_orientation: bool,
    /// Print one JSON object per line instead of one pretty document.
    #[arg(long)]
    jsonl: bool,
}

/// Files named on the command line are always tried (their format is sniffed from the
/// bytes); a folder gives the photos the library would find in it
/// (`likeness_engine::photos_in_folder`: the decoder's extensions, hidden and system folders
/// skipped), sorted.
fn expand_paths(inputs: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for input in inputs {
        if input.is_dir() {
            out.extend(likeness_engine::photos_in_folder(input));
        } else {
            out.push(input.clone());
        }
    }
    out
}

pub fn faces(config: &EngineConfig, args: FacesArgs) -> anyhow::Result<ExitCode> {
    let mut config = config.clone();
    config.min_face_size = args.min_face;
    if args.no_orientation {
        config.orientation = likeness_engine::OrientationMode::Ignore;
    }
    let paths = expand_paths(&args.paths);
    if paths.is_empty() {
        bail!("no photos found in {:?}", args.paths);
    }
    let pipeline = FacePipeline::open(&config).context("loading the face pipeline")?;
    let interactive = std::io::stderr().is_terminal() && paths.len() > 1;
    let start = Instant::now();
    let cancel = AtomicBool::new(false);
    let results = pipeline.analyze_batch(&paths, args.embeddings, &cancel, &mut |p| {
        if interactive {
            eprint!(
                "\r{}/{} photos, {} faces, {} errors",
                p.done, p.total, p.faces, p.errors
            );
        }
    });
    if interactive {
        eprintln!();
    }
    let elapsed = start.elapsed().as_secs_f64();
    let mut failed = 0usize;
    let mut face_count = 0usize;
    let dtos: Vec<PhotoDto> = paths
        .iter()
        .zip(&results)
        .map(|(path, r)| match r {
            Ok(p) => {
                face_count += p.faces.len();
                PhotoDto::ok(p)
            }
            Err(e) => {
                failed += 1;
                PhotoDto::failed(path, e)
            }
        })
        .collect();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.jsonl {
        for d in &dtos {
            serde_json::to_writer(&mut out, d)?;
            writeln!(out)?;
        }
    } else {
        serde_json::to_writer_pretty(&mut out, &dtos)?;
        writeln!(out)?;
    }
    if paths.len() > 1 {
        eprintln!(
            "likeness: {} photos, {} faces, {} errors in {:.1} s ({:.1} photos/s) on {}",
            paths.len(),
            face_count,
            failed,
            elapsed,
            paths.len() as f64 / elapsed.max(1e-9),
            pipeline.provider().label()
        );
    }
    Ok(if failed > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The first photo (its biggest face is compared).
    a: PathBuf,
    /// The second photo (its biggest face is compared).
    b: PathBuf,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Distance below which faces are the same person (default: the model's, 0.6).
    #[arg(long)]
    threshold: Option<f32>,
}

fn main_face(pipeline: &FacePipeline, path: &Path) -> anyhow::Result<likeness_engine::Embedding> {
    let photo: PhotoFaces = pipeline.analyze(path, true)?;
    let face = photo
        .faces
        .iter()
        .max_by(|x, y| x.detection.bbox.area().total_cmp(&y.detection.bbox.area()))
        .with_context(|| format!("{}: no face found", path.display()))?;
    face.embedding
        .clone()
        .with_context(|| format!("{}: face was not embedded", path.display()))
}

pub fn compare(config: &EngineConfig, args: CompareArgs) -> anyhow::Result<ExitCode> {
    let pipeline = FacePipeline::open(config).context("loading the face pipeline")?;
    let a = main_face(&pipeline, &args.a)?;
    let b = main_face(&pipeline, &args.b)?;
    let threshold = args
        .threshold
        .unwrap_or_else(|| pipeline.default_threshold());
    let distance = a.distance(&b);
    let dto = CompareDto {
        a: args.a.display().to_string(),
        b: args.b.display().to_string(),
        distance,
        threshold,
        same_person: distance < threshold,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&dto)?);
    } else {
        println!(
            "distance {:.4} (threshold {:.2}): {}",
            dto.distance,
            dto.threshold,
            if dto.same_person {
                "same person"
            } else {
                "different people"
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub fn doctor(config: &EngineConfig, args: DoctorArgs) -> anyhow::Result<ExitCode> {
    let report = run_doctor(config);
    let dto = DoctorDto::from(&report);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&dto)?);
    } else {
        let mark = |ok: bool| if ok { "ok " } else { "BAD" };
        match &dto.runtime_library {
            Ok(p) => println!(
                "[{}] ONNX Runtime {} at {p}",
                mark(dto.runtime_version.is_some()),
                dto.runtime_version.as_deref().unwrap_or("(failed to load)")
            ),
            Err(e) => println!("[BAD] ONNX Runtime: {e}"),
        }
        match &dto.models_dir {
            Ok(p) => println!("[ok ] models folder {p}"),
            Err(e) => println!("[BAD] models folder: {e}"),
        }
        for m in &dto.models {
            match (&m.error, m.needed) {
                (None, _) => println!("[ok ] model {} ({}) sha256 verified", m.name, m.path),
                (Some(e), true) => println!("[BAD] model {}: {e}", m.name),
                (Some(e), false) => println!(
                    "[-- ] model {} (not used by the current settings): {e}",
                    m.name
                ),
            }
        }
        for p in &dto.providers_tried {
            match &p.reason {
                None => println!("[ok ] execution provider: {} (active)", p.provider),
                Some(r) => println!("[-- ] execution provider {} not used: {r}", p.provider),
            }
        }
        crate::gpu::print_gpu(&dto.gpu);
        if dto.ok {
            println!("all good");
        } else {
            println!("\nLikeness cannot find faces yet:");
            for p in &dto.problems {
                println!(
                    "  - {}\n    Details: {}\n    What to do: {}",
                    p.what, p.detail, p.fix
                );
            }
        }
    }
    Ok(if dto.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
