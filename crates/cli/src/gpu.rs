//! `likeness gpu`: the NVIDIA GPU pack (status, install, verify, remove).

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use clap::Subcommand;
use likeness_api::{GpuDto, GpuInstallProgressDto};
use likeness_engine::gpu::{FetchPhase, FetchProgress};
use likeness_engine::{doctor, EngineConfig, EngineError};

#[derive(Debug, Subcommand)]
pub enum GpuCommand {
    /// Is the GPU pack installed, does a GPU run the models, and if not, why.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Download the NVIDIA GPU pack (ONNX Runtime for CUDA and NVIDIA's libraries, from PyPI)
    /// into the per-user data folder. Likeness uses it from its next start.
    Install,
    /// Check every library of the installed pack against its pinned SHA-256.
    Verify,
    /// Remove the installed GPU pack.
    Remove,
}

/// Bytes as "1.57 GB".
pub fn gigabytes(bytes: u64) -> String {
    format!("{:.2} GB", bytes as f64 / 1e9)
}

/// The GPU lines of `likeness doctor` and `likeness gpu status`.
pub fn print_gpu(gpu: &GpuDto) {
    match (&gpu.device, &gpu.cpu_reason) {
        (Some(device), None) => println!(
            "[ok ] GPU: {device} runs the models ({})",
            gpu.provider.as_deref().unwrap_or("GPU")
        ),
        (_, Some(why)) => println!("[-- ] running on CPU: {why}"),
        (None, None) => println!(
            "[ok ] models run on {}",
            gpu.provider.as_deref().unwrap_or("the GPU")
        ),
    }
    if !gpu.pack_available {
        return;
    }
    let title = gpu.pack_title.as_deref().unwrap_or("GPU pack");
    let dir = gpu.pack_dir.as_deref().unwrap_or("the user data folder");
    if gpu.installed {
        println!("[ok ] {title} installed at {dir}");
    } else {
        println!(
            "[-- ] {title} not installed: 'likeness gpu install' downloads {} from {} (it takes {} in {dir})",
            gigabytes(gpu.download_bytes),
            gpu.source,
            gigabytes(gpu.installed_bytes)
        );
    }
}

pub fn gpu_command(config: &EngineConfig, command: GpuCommand) -> anyhow::Result<ExitCode> {
    match command {
        GpuCommand::Status { json } => {
            let dto = GpuDto::from(&doctor(config).gpu);
            if json {
                println!("{}", serde_json::to_string_pretty(&dto)?);
            } else {
                print_gpu(&dto);
            }
            Ok(ExitCode::SUCCESS)
        }
        GpuCommand::Install => install(),
        GpuCommand::Verify => {
            let bad = likeness_engine::gpu::verify_pack()?;
            if bad.is_empty() {
                println!("every library of the GPU pack matches its SHA-256");
                Ok(ExitCode::SUCCESS)
            } else {
                println!(
                    "damaged or missing: {} (run 'likeness gpu install' again)",
                    bad.join(", ")
                );
                Ok(ExitCode::from(1))
            }
        }
        GpuCommand::Remove => {
            if likeness_engine::gpu::remove_pack()? {
                println!("the GPU pack is removed; Likeness runs on the CPU from its next start");
            } else {
                println!("no GPU pack was installed");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn install() -> anyhow::Result<ExitCode> {
    let (manifest, target) = likeness_engine::gpu::pack_target()?;
    if likeness_engine::gpu::is_installed(&target) {
        println!(
            "the GPU pack is already installed at {} ('likeness gpu verify' checks it; 'likeness gpu remove' then 'likeness gpu install' installs it again)",
            target.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    if let Err(why) = likeness_engine::gpu::probe_driver() {
        eprintln!(
            "Note: {why}. The pack is used once an NVIDIA driver {} or newer is installed.",
            manifest.min_driver_linux
        );
    }
    eprintln!(
        "Installing the {}: {} to download from {}, {} on disk in {}",
        manifest.title,
        gigabytes(manifest.download_bytes()),
        likeness_engine::gpu::pack_source(),
        gigabytes(manifest.installed_bytes()),
        target.display()
    );
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(manifest.download_bytes());
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{prefix:11} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {msg}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    });
    let mut last_line = std::time::Instant::now();
    let mut last_item = String::new();
    let cancel = AtomicBool::new(false);
    let result = likeness_engine::gpu::install_pack(&cancel, &mut |p: &FetchProgress| {
        let dto = GpuInstallProgressDto::from(p);
        match &bar {
            Some(bar) => {
                bar.set_prefix(dto.phase.clone());
                bar.set_position(p.bytes_done);
                bar.set_message(p.item.clone());
            }
            None => {
                // Plain lines: one per wheel and phase, and one every 5 s.
                let key = format!("{}{}", dto.phase, dto.item);
                if key != last_item
                    || last_line.elapsed().as_secs() >= 5
                    || p.phase == FetchPhase::Done
                {
                    eprintln!(
                        "{}: {} of {} {}",
                        dto.phase,
                        gigabytes(p.bytes_done),
                        gigabytes(p.bytes_total),
                        p.item
                    );
                    last_item = key;
                    last_line = std::time::Instant::now();
                }
            }
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    match result {
        Ok(summary) => {
            println!(
                "GPU pack installed at {} ({} downloaded in {:.0} s{}). Likeness uses it from its next start; 'likeness doctor' says whether a GPU answers.",
                summary.pack.display(),
                gigabytes(summary.downloaded),
                summary.elapsed.as_secs_f64(),
                if summary.resumed > 0 {
                    format!(", {} wheels kept from an earlier try", summary.resumed)
                } else {
                    String::new()
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(EngineError::Cancelled) => Ok(ExitCode::from(130)),
        Err(e) => Err(e.into()),
    }
}
