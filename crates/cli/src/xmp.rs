//! `likeness xmp export|import`. (The automatic export after a change is the session's:
//! `crate::session`.)
#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use likeness_engine::people;
use likeness_engine::xmp::{ExportScope, SidecarStyle};
use likeness_engine::{IndexControl, Library, XmpOptions};

use crate::session::{install_ctrlc, print_or, LibraryLocation};
use likeness_api::{XmpExportDto, XmpImportDto};

#[derive(Debug, Subcommand)]
pub enum XmpCommand {
    /// Write named faces as MWG face regions (+ PersonInImage) into XMP sidecars beside the
    /// photos (`photo.jpg.xmp`), merging with what other tools wrote. Photos are never
    /// touched unless --embed.
    Export(ExportArgs),
    /// Read face regions (MWG, Microsoft Photo) from sidecars and JPEGs' own XMP: matched
    /// faces are confirmed to people by name (created on demand), unmatched regions become
    /// manual faces. One undoable edit; a face you confirmed to someone else stays theirs.
    Import(ImportArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StyleArg {
    /// photo.jpg.xmp
    JpgXmp,
    /// photo.xmp
    Xmp,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Every photo with a named face (the default).
    #[arg(long, conflicts_with_all = ["person", "changed"])]
    all: bool,
    /// Only this person's photos (name or #id).
    #[arg(long)]
    person: Option<String>,
    /// Only the photos changed since the last export (what the automatic export does).
    #[arg(long, conflicts_with = "person")]
    changed: bool,
    /// How a sidecar is named when a photo has none yet (an existing one is always used).
    #[arg(long, value_enum, default_value_t = StyleArg::JpgXmp)]
    sidecar_style: StyleArg,
    /// Write into JPEG files themselves (other formats get a sidecar). Changes the photos'
    /// bytes: the next index sees new contents (names follow the faces).
    #[arg(long)]
    embed: bool,
    /// Also write keywords: dc:subject `Name`, lr:hierarchicalSubject `People|Name`.
    #[arg(long)]
    keywords: bool,
    /// Print what would change, write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print every photo looked at, not only those with a change.
    #[arg(long)]
    verbose_photos: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Photos, their sidecars, or folders (walked recursively). Photos must be indexed.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Print what would change, change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn xmp_command(location: &LibraryLocation, command: XmpCommand) -> anyhow::Result<ExitCode> {
    match command {
        XmpCommand::Export(args) => export(location, args),
        XmpCommand::Import(args) => import(location, args),
    }
}

fn export(location: &LibraryLocation, args: ExportArgs) -> anyhow::Result<ExitCode> {
    // This command is the export: the automatic one stays off in its session (a --dry-run
    // must write nothing, and marks are cleared by what this run writes).
    let mut location = location.clone();
    location.overrides.xmp_auto_export = Some(false);
    location.with_session(|lib| export_in(lib, args))
}

fn export_in(lib: &Library, args: ExportArgs) -> anyhow::Result<ExitCode> {
    let scope = match (&args.person, args.changed) {
        (Some(p), _) => ExportScope::Person(people::find_person(&*lib.catalog()?, p)?.id),
        (None, true) => ExportScope::Dirty,
        (None, false) => ExportScope::All,
    };
    let opts = XmpOptions {
        sidecar_style: match args.sidecar_style {
            StyleArg::JpgXmp => SidecarStyle::PhotoJpgXmp,
            StyleArg::Xmp => SidecarStyle::PhotoXmp,
        },
        embed_in_jpeg: args.embed,
        keywords: args.keywords,
        dry_run: args.dry_run,
    };
    let control = Arc::new(IndexControl::new());
    install_ctrlc(&control);
    let summary = lib.export_xmp(scope, &opts, control.cancel_flag())?;
    let dto = XmpExportDto::new(&summary, args.verbose_photos);
    print_or(args.json, &dto, || {
        for p in &dto.photos {
            for f in &p.files {
                let what = match f.outcome {
                    "written" => "wrote",
                    "would_write" => "would write",
                    "unchanged" => "unchanged",
                    "skipped" => "skipped",
                    _ => "FAILED",
                };
                let detail = f
                    .message
                    .as_deref()
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default();
                println!("{what} {} ({}){detail}", f.path, p.names.join(", "));
            }
            if let Some(reason) = &p.skipped {
                println!("skipped photo {}: {reason}", p.photo);
            }
        }
        println!(
            "{}{} files {}, {} unchanged, {} failed in {:.2} s",
            if dto.dry_run { "dry run: " } else { "" },
            dto.written,
            if dto.dry_run {
                "would be written"
            } else {
                "written"
            },
            dto.unchanged,
            dto.failed,
            dto.seconds
        );
    })?;
    Ok(if summary.failed > 0 {
        ExitCode::from(2)
    } else if summary.cancelled {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    })
}

fn import(location: &LibraryLocation, args: ImportArgs) -> anyhow::Result<ExitCode> {
    // Closing the session exports what the import changed (with automatic export on).
    location.with_session(|lib| import_in(lib, args))
}

fn import_in(lib: &Library, args: ImportArgs) -> anyhow::Result<ExitCode> {
    // The pipeline is only needed for regions no detected face matches (manual faces).
    if !args.dry_run {
        lib.pipeline().context("loading the face pipeline")?;
    }
    let control = Arc::new(IndexControl::new());
    install_ctrlc(&control);
    let summary = lib.import_xmp(
        &args.paths,
        args.dry_run,
        !args.dry_run,
        control.cancel_flag(),
    )?;
    let dto = XmpImportDto::new(&summary);
    print_or(args.json, &dto, || print_import(&dto))?;
    Ok(if summary.warnings > 0 || summary.not_in_catalog > 0 {
        ExitCode::from(2)
    } else if summary.cancelled {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_import(dto: &XmpImportDto) {
    let verb = |done: &'static str, would: &'static str| if dto.dry_run { would } else { done };
    for p in &dto.photos {
        if p.photo.is_none() {
            println!("{}: not in the catalog (index it first)", p.path);
            continue;
        }
        for a in &p.actions {
            let line = match a.action {
                "confirmed" => format!(
                    "{} face {} as {}{}",
                    verb("confirmed", "would confirm"),
                    a.face,
                    a.name,
                    if a.person_created {
                        " (new person)"
                    } else {
                        ""
                    }
                ),
                "manual_face" => format!(
                    "{} a manual face for {}{} (embedding: {})",
                    verb("added", "would add"),
                    a.name,
                    if a.person_created {
                        " (new person)"
                    } else {
                        ""
                    },
                    a.embedding.unwrap_or("?")
                ),
                "unchanged" => format!("face {} is already {}", a.face, a.name),
                _ => format!(
                    "CONFLICT face {}: the file says {}, you said {} — kept yours",
                    a.face,
                    a.name,
                    a.kept.as_deref().unwrap_or(match a.conflict {
                        Some("rejected") => "it is not them",
                        _ => "it is not a face",
                    })
                ),
            };
            println!("{}: {line}", p.path);
        }
        for w in &p.warnings {
            println!("{}: warning: {}", p.path, w.message);
        }
    }
    println!(
        "{}{} confirmed, {} manual faces, {} new people, {} unchanged, {} conflicts, {} warnings, {} not in the catalog",
        if dto.dry_run { "dry run: " } else { "" },
        dto.confirmed,
        dto.manual_faces,
        dto.people_created,
        dto.unchanged,
        dto.conflicts,
        dto.warnings,
        dto.not_in_catalog
    );
    if dto.edit.is_some() {
        eprintln!("(undo the whole import with `likeness people undo`)");
    }
}
