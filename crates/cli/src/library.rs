//! Library subcommands: `library add|remove|list`, `index [--watch]`, `status`, `photos`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, Subcommand};
use likeness_engine::catalog::{Catalog, PhotoQuery};
use likeness_engine::{
    add_root, open_catalog, remove_root, EngineConfig, EngineError, FacePipeline, IndexControl,
    IndexPhase, IndexProgress, Indexer, LibraryLock, LibraryPaths, SystemClock, WatchEvent,
    WatchOptions, XmpAutoExport,
};

use likeness_api::{
    ClusterDto, IndexDoneDto, PhotoHitDto, ProgressDto, RootDto, StatusDto, WatchEventDto,
};

/// Where the catalog and cache are, from the global options.
#[derive(Debug, Clone)]
pub struct LibraryLocation {
    pub catalog: Option<PathBuf>,
    pub cache_dir: Option<PathBuf>,
}

impl LibraryLocation {
    pub(crate) fn paths(&self) -> anyhow::Result<LibraryPaths> {
        let mut paths = match &self.catalog {
            Some(c) => LibraryPaths::for_catalog(c),
            None => LibraryPaths::platform_default().ok_or(EngineError::NoLibraryLocation)?,
        };
        if let Some(cache) = &self.cache_dir {
            paths.cache = cache.clone();
        }
        Ok(paths)
    }

    fn open(&self) -> anyhow::Result<(LibraryPaths, Catalog)> {
        let paths = self.paths()?;
        let catalog = open_catalog(&paths)?;
        Ok((paths, catalog))
    }

    /// For commands that only read: a read-only handle, so running them while an indexer
    /// works never disturbs it (a read-write open marks running jobs interrupted).
    pub(crate) fn open_reader(&self) -> anyhow::Result<(LibraryPaths, Catalog)> {
        let paths = self.paths()?;
        if !paths.catalog.is_file() {
            return self.open();
        }
        let catalog = Catalog::open_read_only(&paths.catalog)?;
        Ok((paths, catalog))
    }
}

#[derive(Debug, Subcommand)]
pub enum LibraryCommand {
    /// Add photo folders to the library (indexed by `likeness index`).
    Add {
        #[arg(required = true)]
        folders: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Remove a folder from the library (faces and names are kept for when it comes back).
    Remove {
        folder: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// List the library's folders.
    List {
        #[arg(long)]
        json: bool,
    },
}

pub fn library(location: &LibraryLocation, command: LibraryCommand) -> anyhow::Result<ExitCode> {
    let (_, mut catalog) = location.open()?;
    let clock = SystemClock;
    match command {
        LibraryCommand::Add { folders, json } => {
            let mut added = Vec::new();
            for folder in &folders {
                let root = add_root(&mut catalog, folder, &clock)
                    .with_context(|| format!("adding {}", folder.display()))?;
                added.push(RootDto::from(&root));
            }
            print_or(json, &added, || {
                for r in &added {
                    println!("added {}", r.path);
                }
            })?;
        }
        LibraryCommand::Remove { folder, json } => {
            remove_root(&mut catalog, &folder)?;
            print_or(json, &serde_json::json!({ "removed": folder }), || {
                println!("removed {}", folder.display());
            })?;
        }
        LibraryCommand::List { json } => {
            let roots: Vec<RootDto> = catalog.roots()?.iter().map(RootDto::from).collect();
            print_or(json, &roots, || {
                for r in &roots {
                    println!("{}", r.path);
                }
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Keep running: follow added, changed, moved and deleted photos until Ctrl+C.
    #[arg(long)]
    watch: bool,
    /// Skip the scan and only index files already pending.
    #[arg(long)]
    no_scan: bool,
    /// Print JSON: the final summary (with --watch: one event per line).
    #[arg(long)]
    json: bool,
    /// Quiet time after the last change before watch mode acts, in milliseconds.
    #[arg(long, default_value_t = 300)]
    debounce_ms: u64,
}

pub fn index(
    config: &EngineConfig,
    location: &LibraryLocation,
    args: IndexArgs,
) -> anyhow::Result<ExitCode> {
    // Lock before opening: a read-write open marks a running job interrupted.
    let paths = location.paths()?;
    let _lock = LibraryLock::acquire(&paths)?;
    let mut catalog = open_catalog(&paths)?;
    if catalog.roots()?.is_empty() {
        anyhow::bail!("the library has no folders yet: run `likeness library add FOLDER` first");
    }
    let pipeline = FacePipeline::open(config).context("loading the face pipeline")?;
    let clock = SystemClock;
    let indexer = Indexer::new(&pipeline, &paths, &clock);
    let control = Arc::new(IndexControl::new());
    install_ctrlc(&control);
    let mut reporter = ProgressReporter::new(args.json && args.watch);

    if args.watch {
        let options = WatchOptions {
            debounce: Duration::from_millis(args.debounce_ms),
        };
        let json = args.json;
        // Sidecars follow what clustering and the matcher change, once the library is idle.
        let auto_export = config.xmp.auto_export.then(|| {
            XmpAutoExport::start(
                &paths.catalog,
                config.xmp.options,
                config.xmp.debounce,
                Arc::new(SystemClock),
            )
        });
        indexer.watch(
            &mut catalog,
            &control,
            &options,
            &mut |p| reporter.show(p),
            &mut |e| {
                if let (Some(x), WatchEvent::Indexed(_) | WatchEvent::Clustered(_)) =
                    (&auto_export, e)
                {
                    x.poke();
                }
                if json {
                    if let Ok(line) = serde_json::to_string(&WatchEventDto::from(e)) {
                        println!("{line}");
                    }
                } else if let WatchEvent::Indexed(s) = e {
                    eprintln!(
                        "indexed {} photos ({} faces, {} reused, {} errors)",
                        s.photos, s.faces, s.reused, s.errors
                    );
                } else if let WatchEvent::Clustered(s) = e {
                    eprintln!("{}", crate::people::cluster_line(&ClusterDto::from(s)));
                }
            },
        )?;
        reporter.finish();
        return Ok(ExitCode::SUCCESS);
    }

    let started = Instant::now();
    let (scan, summary) = if args.no_scan {
        let s = indexer.index_pending(&mut catalog, &control, &mut |p| reporter.show(p))?;
        (None, s)
    } else {
        let (scan, s) = indexer.run(&mut catalog, &control, &mut |p| reporter.show(p))?;
        (Some(scan), s)
    };
    reporter.finish();
    let status = catalog.status()?;
    let dto = IndexDoneDto::new(
        scan.as_ref(),
        &summary,
        Some(status.pending),
        pipeline.provider().label(),
        started.elapsed().as_secs_f64(),
    );
    print_or(args.json, &dto, || {
        if let Some(s) = &dto.scan {
            println!(
                "scanned {} folders: {} photo files ({} new, {} changed, {} removed, {} problems)",
                s.roots, s.files_found, s.added, s.changed, s.removed, s.issues
            );
        }
        println!(
            "indexed {} photos in {:.1} s: {} faces, {} reused, {} errors{}",
            dto.photos,
            dto.seconds,
            dto.faces,
            dto.reused,
            dto.errors,
            if dto.cancelled { " (cancelled)" } else { "" }
        );
        if dto.matched + dto.suggested > 0 {
            println!(
                "new faces: {} recognised, {} suggested (see `likeness suggestions`)",
                dto.matched, dto.suggested
            );
        }
        if let Some(c) = &dto.clustering {
            println!("{}", crate::people::cluster_line(c));
        }
        if dto.errors > 0 {
            println!("see `likeness status --errors` for the failed files");
        }
    })?;
    Ok(if summary.cancelled {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    })
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Also list up to N failed files and scan problems.
    #[arg(long, num_args = 0..=1, default_missing_value = "50")]
    errors: Option<usize>,
    #[arg(long)]
    json: bool,
}

pub fn status(location: &LibraryLocation, args: StatusArgs) -> anyhow::Result<ExitCode> {
    let (paths, catalog) = location.open_reader()?;
    let limit = args.errors.unwrap_or(0);
    let dto = StatusDto::new(
        &paths,
        &catalog.roots()?,
        &catalog.status()?,
        catalog.last_job("index")?.as_ref(),
        &catalog.failures(limit)?,
        &catalog.scan_issues(limit)?,
    );
    print_or(args.json, &dto, || print_status(&dto))?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Args)]
pub struct PhotosArgs {
    /// Photos with this person (repeat: photos with ALL of them together).
    #[arg(long = "person")]
    people: Vec<String>,
    /// Taken on or after this date (YYYY-MM-DD or a full YYYY-MM-DDTHH:MM:SS).
    #[arg(long)]
    from: Option<String>,
    /// Taken on or before this date (a bare date includes the whole day).
    #[arg(long)]
    to: Option<String>,
    /// At most this many photos.
    #[arg(long)]
    limit: Option<u32>,
    #[arg(long)]
    json: bool,
}

pub fn photos(location: &LibraryLocation, args: PhotosArgs) -> anyhow::Result<ExitCode> {
    let (_, catalog) = location.open_reader()?;
    let mut people = Vec::new();
    for name in &args.people {
        let person = catalog
            .person_by_name(name)?
            .ok_or_else(|| EngineError::UnknownPerson { name: name.clone() })?;
        people.push(person.id);
    }
    let query = PhotoQuery {
        people,
        from: args.from.as_deref().map(|d| date_bound(d, false)),
        to: args.to.as_deref().map(|d| date_bound(d, true)),
        limit: args.limit,
        offset: 0,
    };
    let hits: Vec<PhotoHitDto> = catalog
        .photos(&query)?
        .iter()
        .map(PhotoHitDto::from)
        .collect();
    print_or(args.json, &hits, || {
        for h in &hits {
            println!("{}\t{}", h.taken_at.as_deref().unwrap_or("-"), h.path);
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

/// A bare `YYYY-MM-DD` upper bound covers the whole day.
fn date_bound(d: &str, upper: bool) -> String {
    if d.len() == 10 {
        if upper {
            format!("{d}T23:59:59")
        } else {
            format!("{d}T00:00:00")
        }
    } else {
        d.to_string()
    }
}

pub(crate) fn print_or<T: serde::Serialize>(
    json: bool,
    value: &T,
    plain: impl FnOnce(),
) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(value)?);
    } else {
        plain();
    }
    Ok(())
}

/// First Ctrl+C cancels gracefully (work done so far is committed); a second one exits.
pub(crate) fn install_ctrlc(control: &Arc<IndexControl>) {
    let control = Arc::clone(control);
    let result = ctrlc::set_handler(move || {
        if control.is_cancelled() {
            std::process::exit(130);
        }
        eprintln!("\nstopping after the current photos… (Ctrl+C again to quit now)");
        control.cancel();
    });
    if let Err(e) = result {
        tracing::warn!(error = %e, "Ctrl+C handler not installed");
    }
}

/// A progress bar on a terminal; plain lines (at most one every 2 s) otherwise; JSON lines in
/// `--watch --json` mode.
struct ProgressReporter {
    bar: Option<indicatif::ProgressBar>,
    json: bool,
    last_line: Option<Instant>,
}

impl ProgressReporter {
    fn new(json: bool) -> Self {
        let bar = (!json && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(0);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{spinner} {prefix:9} [{bar:30}] {pos}/{len} {msg}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        Self {
            bar,
            json,
            last_line: None,
        }
    }

    fn show(&mut self, p: &IndexProgress) {
        if self.json {
            let event = WatchEventDto::Progress(ProgressDto::from(p));
            if let Ok(line) = serde_json::to_string(&event) {
                println!("{line}");
            }
            return;
        }
        let message = progress_message(p);
        if let Some(bar) = &self.bar {
            bar.set_prefix(phase_name(p.phase));
            match p.phase {
                IndexPhase::Scanning => {
                    bar.set_length(p.files_found);
                    bar.set_position(p.files_found);
                }
                _ => {
                    bar.set_length(p.photos_total);
                    bar.set_position(p.photos_done);
                }
            }
            bar.set_message(message);
            return;
        }
        let due = self
            .last_line
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(2));
        if due || p.phase == IndexPhase::Done {
            eprintln!("{}: {}", phase_name(p.phase), message);
            self.last_line = Some(Instant::now());
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

fn phase_name(phase: IndexPhase) -> &'static str {
    match phase {
        IndexPhase::Scanning => "scanning",
        IndexPhase::Indexing => "indexing",
        IndexPhase::Watching => "watching",
        IndexPhase::Done => "done",
    }
}

fn progress_message(p: &IndexProgress) -> String {
    match p.phase {
        IndexPhase::Scanning => format!("{} photo files found", p.files_found),
        IndexPhase::Watching => "waiting for changes".to_string(),
        _ => {
            let eta = p
                .eta
                .map(|d| format!(", ETA {}", human_duration(d)))
                .unwrap_or_default();
            format!(
                "{}/{} photos, {} faces, {:.1} photos/s{eta}, {} errors{}",
                p.photos_done,
                p.photos_total,
                p.faces_found,
                p.rate,
                p.errors,
                if p.paused { " (paused)" } else { "" }
            )
        }
    }
}

fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// `likeness status` for people.
fn print_status(status: &StatusDto) {
    println!("catalog  {}", status.catalog);
    println!("cache    {}", status.cache);
    for r in &status.roots {
        println!("folder   {r}");
    }
    println!(
        "files    {} ({} indexed, {} pending, {} failed)",
        status.files, status.indexed, status.pending, status.failed
    );
    println!("photos   {} with {} faces", status.photos, status.faces);
    println!("people   {}", status.people);
    if let Some(j) = &status.last_index_job {
        println!(
            "last run {}: {}/{} photos, {} faces, {} errors",
            j.state.as_str(),
            j.photos_done,
            j.photos_total,
            j.faces,
            j.errors
        );
    }
    if status.scan_issues > 0 {
        println!(
            "problems {} (folders that could not be read…)",
            status.scan_issues
        );
    }
    for f in &status.failures {
        println!("failed   {} [{}] {}", f.path, f.code, f.message);
    }
    for f in &status.problems {
        println!("problem  {} [{}] {}", f.path, f.code, f.message);
    }
}
