//! `likeness`: the command-line face of the engine. It parses arguments, drives
//! `likeness-engine`, and prints the DTOs of `likeness-api` (the one wire format, shared with
//! the desktop shell); it holds no pipeline logic.
#![allow(clippy::print_stdout)]

mod commands;
mod library;
mod people;
mod xmp;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    /// The library catalog (default: $LIKENESS_CATALOG, else the user data folder,
    /// ~/.local/share/likeness/catalog.sqlite on Linux). Thumbnails go to `cache/` beside it.
    #[arg(long, global = true, env = "LIKENESS_CATALOG")]
    catalog: Option<PathBuf>,
    /// Where thumbnails are cached (default: beside the catalog, or ~/.cache/likeness).
    #[arg(long, global = true)]
    cache_dir: Option<PathBuf>,
    /// Do not update XMP sidecars automatically after people commands (they are by default:
    /// see `likeness xmp export`).
    #[arg(long, global = true, env = "LIKENESS_NO_XMP_EXPORT", value_parser = clap::builder::BoolishValueParser::new())]
    no_xmp_export: bool,
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
    /// "Is this X?": list open suggestions, or accept / reject them.
    Suggestions(people::SuggestionsArgs),
    /// XMP face regions (MWG): export names to sidecars, import regions other tools wrote.
    #[command(subcommand)]
    Xmp(xmp::XmpCommand),
}

fn main() -> ExitCode {
    // Before any thread starts: ONNX Runtime's telemetry uploader never starts
    // (crates/cli/tests/privacy.rs checks that nothing leaves the machine).
    likeness_engine::forbid_onnx_telemetry();
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
    config.xmp.auto_export = !cli.no_xmp_export;
    let location = library::LibraryLocation {
        catalog: cli.catalog,
        cache_dir: cli.cache_dir,
    };
    let result = match cli.command {
        Command::Faces(args) => commands::faces(&config, args),
        Command::Compare(args) => commands::compare(&config, args),
        Command::Doctor(args) => commands::doctor(&config, args),
        Command::Library(command) => library::library(&location, command),
        Command::Index(args) => {
            let r = library::index(&config, &location, args);
            xmp::auto_export_after(&config, &location);
            r
        }
        Command::Status(args) => library::status(&location, args),
        Command::Photos(args) => library::photos(&location, args),
        Command::Cluster(args) => {
            let r = people::cluster(&config, &location, args);
            xmp::auto_export_after(&config, &location);
            r
        }
        Command::People(command) => {
            let r = people::people_command(&location, command);
            xmp::auto_export_after(&config, &location);
            r
        }
        Command::Suggestions(args) => {
            let r = people::suggestions(&location, args);
            xmp::auto_export_after(&config, &location);
            r
        }
        Command::Xmp(command) => xmp::xmp_command(&config, &location, command),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("likeness: {e:#}");
            ExitCode::from(1)
        }
    }
}
