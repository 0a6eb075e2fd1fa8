//! `likeness`: the command-line face of the engine. It parses arguments, drives
//! `likeness-engine`, and prints the DTOs of `likeness-api` (the one wire format, shared with
//! the desktop shell); it holds no pipeline logic.
#![allow(clippy::print_stdout)]

mod commands;
mod gpu;
mod library;
mod people;
mod session;
mod settings;
mod xmp;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use likeness_engine::{Overrides, ProviderPreference};

#[derive(Debug, Parser)]
#[command(
    name = "likeness",
    version,
    about = "Private, local-first face recognition for your photo library"
)]
struct Cli {
    /// Folder holding the model files (default: $LIKENESS_MODELS_DIR, else found beside the executable or in the user data folder).
    #[arg(long, global = true)]
    models_dir: Option<PathBuf>,
    /// ONNX Runtime shared library (default: $LIKENESS_ORT_LIBRARY, else found beside the executable or in the user data folder).
    #[arg(long, global = true)]
    ort_library: Option<PathBuf>,
    /// Run models on the CPU even when a GPU execution provider is available.
    #[arg(long, global = true)]
    cpu: bool,
    /// How faces are aligned before embedding: `mtcnn` (MTCNN's landmarks on a fitted
    /// template, the default) or `dlib` (dlib's 5-point shape predictor inside the MTCNN box).
    #[arg(long, global = true, value_enum, default_value_t = AlignArg::Mtcnn)]
    align: AlignArg,
    /// The face detector for this command: mtcnn, yunet, centerface or retinaface (default:
    /// the library's setting, `likeness settings set --detector`; without a library, the
    /// engine's default).
    #[arg(long, global = true, value_parser = ["mtcnn", "yunet", "centerface", "retinaface"])]
    detector: Option<String>,
    /// The library catalog (default: $LIKENESS_CATALOG, else the user data folder,
    /// ~/.local/share/likeness/catalog.sqlite on Linux). Thumbnails go to `cache/` beside it.
    #[arg(long, global = true, env = "LIKENESS_CATALOG")]
    catalog: Option<PathBuf>,
    /// Where thumbnails are cached (default: beside the catalog, or ~/.cache/likeness).
    #[arg(long, global = true)]
    cache_dir: Option<PathBuf>,
    /// Do not update XMP sidecars after commands that change faces or names, whatever the
    /// library's settings say (see `likeness xmp export`).
    #[arg(long, global = true, env = "LIKENESS_NO_XMP_EXPORT", value_parser = clap::builder::BoolishValueParser::new(), conflicts_with = "xmp_export")]
    no_xmp_export: bool,
    /// Update XMP sidecars after commands that change faces or names, whatever the library's
    /// settings say. Without either flag the library's setting decides (the app's Settings,
    /// "Write face tags to XMP automatically"; off by default).
    #[arg(long, global = true)]
    xmp_export: bool,
    /// More logging (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum AlignArg {
    Dlib,
    Mtcnn,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Detect faces in photos (files or folders) and print JSON: box, score, landmarks.
    Faces(commands::FacesArgs),
    /// Compare the main face of two photos: distance and same/different person.
    Compare(commands::CompareArgs),
    /// Check the runtime library, the models and the execution provider.
    Doctor(commands::DoctorArgs),
    /// The NVIDIA GPU pack: status, install (a download from PyPI), verify, remove.
    #[command(subcommand)]
    Gpu(gpu::GpuCommand),
    /// Manage the library's photo folders.
    #[command(subcommand)]
    Library(library::LibraryCommand),
    /// Find new, changed and deleted photos in the library's folders and index their faces.
    Index(library::IndexArgs),
    /// What the library holds, the last indexing run, failed files.
    Status(library::StatusArgs),
    /// Photos with one or several people (all together), by date.
    Photos(library::PhotosArgs),
    /// Group the faces into people again (indexing also does this by itself).
    Cluster(people::ClusterArgs),
    /// People: list, show, name, rename, merge, move faces, reject, not a face, hide, cover,
    /// undo, redo, history.
    #[command(subcommand)]
    People(people::PeopleCommand),
    /// "Is this X?": list open suggestions, or accept / reject them; with --merges, "Are these
    /// the same person?" for pairs of people.
    Suggestions(people::SuggestionsArgs),
    /// Faces in no person (loners, small and blurry faces, strangers): list them, name them,
    /// or dismiss them in bulk.
    Unsorted(people::UnsortedArgs),
    /// XMP face regions (MWG): export names to sidecars, import regions other tools wrote.
    #[command(subcommand)]
    Xmp(xmp::XmpCommand),
    /// Show or change the library's settings (the same ones as the app's Settings screen).
    Settings(settings::SettingsArgs),
}

fn main() -> ExitCode {
    // Before any thread starts: ONNX Runtime's telemetry uploader never starts
    // (crates/cli/tests/privacy.rs checks that nothing leaves the machine).
    likeness_engine::forbid_onnx_telemetry();
    quiet_on_closed_output();
    let cli = Cli::parse();
    let level = match cli.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("LIKENESS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("{level},ort=warn")));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();

    let mut config = commands::engine_config(cli.models_dir, cli.ort_library, cli.cpu);
    config.alignment = match cli.align {
        AlignArg::Dlib => likeness_engine::Alignment::ShapePredictor,
        AlignArg::Mtcnn => likeness_engine::Alignment::MtcnnTemplate,
    };
    let detector = cli
        .detector
        .as_deref()
        .and_then(likeness_engine::DetectorKind::parse);
    if let Some(d) = detector {
        config.set_detector(d);
    }
    // Commands on a library work in its session: its saved settings (the app's Settings
    // screen) apply, and only what was said on the command line overrides them.
    let overrides = Overrides {
        provider: cli.cpu.then_some(ProviderPreference::CpuOnly),
        detector,
        xmp_auto_export: match (cli.xmp_export, cli.no_xmp_export) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
    };
    let location = session::LibraryLocation {
        catalog: cli.catalog,
        cache_dir: cli.cache_dir,
        config: config.clone(),
        overrides,
    };
    let result = until_output_closed(|| match cli.command {
        Command::Faces(args) => commands::faces(&config, args),
        Command::Compare(args) => commands::compare(&config, args),
        Command::Doctor(args) => commands::doctor(&config, args),
        Command::Gpu(command) => gpu::gpu_command(&config, command),
        Command::Library(command) => library::library(&location, command),
        Command::Index(args) => library::index(&location, args),
        Command::Status(args) => library::status(&location, args),
        Command::Photos(args) => library::photos(&location, args),
        Command::Cluster(args) => people::cluster(&location, args),
        Command::People(command) => people::people_command(&location, command),
        Command::Suggestions(args) => people::suggestions(&location, args),
        Command::Unsorted(args) => people::unsorted(&location, args),
        Command::Xmp(command) => xmp::xmp_command(&location, command),
        Command::Settings(args) => settings::settings(&location, args),
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("likeness: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Whether a panic is std's "failed printing to stdout/stderr" on a reader that went away
/// (`likeness people list | head -1`: EPIPE, as Rust ignores SIGPIPE).
fn is_closed_output(payload: &(dyn std::any::Any + Send)) -> bool {
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied());
    message.is_some_and(|m| {
        m.starts_with("failed printing to std")
            && (m.contains("Broken pipe") || m.contains("os error 32"))
    })
}

/// Output to a closed stdout ends a command quietly with exit code 0, as ripgrep and git do:
/// no panic message, no backtrace. On the main thread the panic unwinds to
/// [`until_output_closed`] (locks and the catalog close as usual); elsewhere the process
/// exits at once.
fn quiet_on_closed_output() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !is_closed_output(info.payload()) {
            default(info);
        } else if std::thread::current().name() != Some("main") {
            std::process::exit(0);
        }
    }));
}

/// Runs a command; if its output's reader went away (see [`quiet_on_closed_output`]), that
/// is a success. Any other panic goes on as before.
fn until_output_closed(
    command: impl FnOnce() -> anyhow::Result<ExitCode>,
) -> anyhow::Result<ExitCode> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(command)) {
        Ok(result) => result,
        Err(payload) if is_closed_output(payload.as_ref()) => Ok(ExitCode::SUCCESS),
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// `likeness … ARG` for every argument (positional or flag) without help text, and every
    /// subcommand without a description.
    fn undocumented(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            if matches!(id, "help" | "version") {
                continue;
            }
            if arg.get_help().is_none() && arg.get_long_help().is_none() {
                out.push(format!("{path} {id}"));
            }
        }
        for sub in cmd.get_subcommands() {
            if sub.get_name() == "help" {
                continue;
            }
            let path = format!("{path} {}", sub.get_name());
            if sub.get_about().is_none() && sub.get_long_about().is_none() {
                out.push(format!("{path} (the subcommand)"));
            }
            undocumented(sub, &path, out);
        }
    }

    #[test]
    fn every_argument_and_subcommand_has_help_text() {
        let mut cmd = Cli::command();
        cmd.build();
        cmd.clone().debug_assert();
        let mut missing = Vec::new();
        undocumented(&cmd, "likeness", &mut missing);
        assert!(missing.is_empty(), "no help text: {missing:#?}");
    }

    #[test]
    fn the_walk_sees_every_subcommand() {
        let mut cmd = Cli::command();
        cmd.build();
        let names: Vec<&str> = cmd.get_subcommands().map(clap::Command::get_name).collect();
        for expected in ["faces", "library", "index", "people", "suggestions", "xmp"] {
            assert!(names.contains(&expected), "{names:?}");
        }
        let people = cmd
            .find_subcommand("people")
            .map(|p| p.get_subcommands().count());
        assert!(people.is_some_and(|n| n >= 10), "{people:?}");
    }
}
