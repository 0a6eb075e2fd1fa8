//! `likeness settings [set …]`: the library's settings, the same `settings.json` the app's
//! Settings screen reads and writes (one source for both front ends).

use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use likeness_api::SettingsInput;
use likeness_engine::{
    parse_clustering, parse_detection, parse_provider, settings_path, DetectorKind, Settings,
};

use crate::session::{print_or, LibraryLocation};

#[derive(Debug, Args)]
pub struct SettingsArgs {
    #[command(subcommand)]
    action: Option<SettingsAction>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum SettingsAction {
    /// Change settings (the ones not given stay as they are).
    Set(SetArgs),
}

#[derive(Debug, Args)]
struct SetArgs {
    /// The face detector: mtcnn, yunet, centerface, retinaface. A new one re-detects every
    /// photo at the next `likeness index`; names, confirmations and rejections carry over.
    #[arg(long, value_parser = ["mtcnn", "yunet", "centerface", "retinaface"])]
    detector: Option<String>,
    /// Smallest faces looked for: low (40 px and more), normal, high.
    #[arg(long, value_parser = ["low", "normal", "high"])]
    detection: Option<String>,
    /// How readily faces are grouped: loose, balanced, strict (applies at the next clustering).
    #[arg(long, value_parser = ["loose", "balanced", "strict"])]
    clustering: Option<String>,
    /// Where models run: auto (GPU when available) or cpu.
    #[arg(long, value_parser = ["auto", "cpu"])]
    provider: Option<String>,
    /// Write face tags to XMP sidecars after every change.
    #[arg(long, value_enum)]
    xmp_auto_export: Option<OnOff>,
    /// Group small and blurry faces too (below the quality bar; applies at the next
    /// clustering).
    #[arg(long, value_enum)]
    include_low_quality: Option<OnOff>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum OnOff {
    On,
    Off,
}

/// `likeness settings`: show them, or change some (in the library's session, so the change
/// is saved atomically and applied like the app's Settings screen does).
pub fn settings(location: &LibraryLocation, args: SettingsArgs) -> anyhow::Result<ExitCode> {
    let (path, now) = location.with_session(|lib| {
        let mut s = lib.settings()?;
        if let Some(SettingsAction::Set(set)) = &args.action {
            apply(&mut s, set);
            lib.set_settings(s)?;
        }
        Ok((settings_path(lib.paths()), s))
    })?;
    let dto = SettingsInput::from(&now);
    print_or(args.json, &dto, || {
        println!("detector         {}", dto.detector);
        println!("detection        {}", dto.detection);
        println!("clustering       {}", dto.clustering);
        println!("provider         {}", dto.provider);
        println!(
            "xmp auto-export  {}",
            if dto.xmp_auto_export { "on" } else { "off" }
        );
        println!(
            "small/blurry     {}",
            if dto.include_low_quality {
                "grouped"
            } else {
                "kept out of groups"
            }
        );
        println!("(saved in {})", path.display());
    })?;
    Ok(ExitCode::SUCCESS)
}

fn apply(s: &mut Settings, set: &SetArgs) {
    // clap has checked the names against the same lists the parsers accept.
    if let Some(d) = set.detector.as_deref().and_then(DetectorKind::parse) {
        s.detector = d;
    }
    if let Some(d) = set.detection.as_deref().and_then(parse_detection) {
        s.detection = d;
    }
    if let Some(c) = set.clustering.as_deref().and_then(parse_clustering) {
        s.clustering = c;
    }
    if let Some(p) = set.provider.as_deref().and_then(parse_provider) {
        s.provider = p;
    }
    if let Some(x) = set.xmp_auto_export {
        s.xmp_auto_export = matches!(x, OnOff::On);
    }
    if let Some(x) = set.include_low_quality {
        s.include_low_quality = matches!(x, OnOff::On);
    }
}
