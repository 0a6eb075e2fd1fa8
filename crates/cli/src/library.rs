//! Library subcommands: `library add|remove|list`, `index [--watch]`, `status`, `photos`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, Subcommand};
use likeness_engine::catalog::PhotoQuery;
use likeness_engine::{
    EngineError, IndexControl, IndexPhase, IndexProgress, JobKind, WatchEvent, WatchOptions,
};

use likeness_api::{
    ClusterDto, IndexDoneDto, PhotoHitDto, ProgressDto, RootDto, StatusDto, WatchEventDto,
};

use crate::session::{install_ctrlc, print_or, LibraryLocation};

#[derive(Debug, Subcommand)]
pub enum LibraryCommand {
    /// Add photo folders to the library (indexed by `likeness index`).
    Add {
        /// The folders (their subfolders are included).
        #[arg(required = true)]
        folders: Vec<PathBuf>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Remove a folder from the library (faces and names are kept for when it comes back).
    Remove {
        /// The folder, as added (see `likeness library list`).
        folder: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List the library's folders.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn library(location: &LibraryLocation, command: LibraryCommand) -> anyhow::Result<ExitCode> {
    match command {
        LibraryCommand::Add { folders, json } => {
            let mut added = Vec::new();
            location.with_session(|lib| {
                for folder in &folders {
                    let root = lib
                        .add_folder(folder)
                        .with_context(|| format!("adding {}", folder.display()))?;
                    added.push(RootDto::from(&root));
                }
                Ok(())
            })?;
            print_or(json, &added, || {
                for r in &added {
                    println!("added {}", r.path);
                }
            })?;
        }
        LibraryCommand::Remove { folder, json } => {
            location.with_session(|lib| Ok(lib.remove_folder(&folder)?))?;
            print_or(json, &serde_json::json!({ "removed": folder }), || {
                println!("removed {}", folder.display());
            })?;
        }
        LibraryCommand::List { json } => {
            let (_, catalog) = location.open_reader()?;
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

pub fn index(location: &LibraryLocation, args: IndexArgs) -> anyhow::Result<ExitCode> {
    location.with_session(|lib| index_in(lib, args))
}

fn index_in(lib: &likeness_engine::Library, args: IndexArgs) -> anyhow::Result<ExitCode> {
    if lib.catalog()?.roots()?.is_empty() {
        anyhow::bail!("the library has no folders yet: run `likeness library add FOLDER` first");
    }
    let job = lib.start_job(if args.watch {
        JobKind::Watch
    } else {
        JobKind::Index
    })?;
    lib.pipeline().context("loading the face pipeline")?;
    let control = Arc::clone(job.control());
    install_ctrlc(&control);
    let mut reporter = ProgressReporter::new(args.json && args.watch, &control);

    if args.watch {
        let options = WatchOptions {
            debounce: Duration::from_millis(args.debounce_ms),
        };
        let json = args.json;
        // The session exports what clustering and the matcher change, once the library is idle.
        lib.watch(&job, &options, &mut |p| reporter.show(p), &mut |e| {
            if json {
                if let Ok(line) = serde_json::to_string(&WatchEventDto::from(e)) {
                    stream_line(&line, &control);
                }
            } else if let WatchEvent::Indexed(s) = e {
                eprintln!(
                    "indexed {} photos ({} faces, {} reused, {} errors)",
                    s.photos, s.faces, s.reused, s.errors
                );
            } else if let WatchEvent::Clustered(s) = e {
                eprintln!("{}", crate::people::cluster_line(&ClusterDto::from(s)));
            }
        })?;
        reporter.finish();
        return Ok(ExitCode::SUCCESS);
    }

    let started = Instant::now();
    let run = lib.index(&job, !args.no_scan, &mut |p| reporter.show(p))?;
    reporter.finish();
    let status = lib.catalog()?.status()?;
    let summary = run.summary;
    let dto = IndexDoneDto::new(
        run.scan.as_ref(),
        &summary,
        Some(status.pending),
        run.provider,
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
        if dto.fell_back_to_cpu {
            println!("the GPU failed during the run: the rest of it ran on the CPU, no photo lost");
        }
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
    /// Print JSON instead of text.
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
    /// Print JSON instead of text.
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

/// One line of the `index --watch --json` stream. When its reader goes away (`| head -1`)
/// the run stops as if cancelled, and the command ends quietly with exit code 0.
fn stream_line(line: &str, control: &IndexControl) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            tracing::warn!(error = %e, "writing to stdout");
        }
        control.cancel();
    }
}

/// A progress bar on a terminal; plain lines (at most one every 2 s, plus the last line of
/// each phase) otherwise; JSON lines in `--watch --json` mode. Lines say only what is known:
/// no count before the scan has found anything, no rate before one was measured, no ETA
/// without a rate, no `0/0`.
struct ProgressReporter {
    bar: Option<indicatif::ProgressBar>,
    json: bool,
    /// Cancelled when the reader of the JSON lines goes away.
    control: Arc<IndexControl>,
    last_line: Option<Instant>,
    /// The phase of the last event shown (or held back).
    phase: Option<IndexPhase>,
    /// A plain line held back by the 2 s limit: printed when the phase changes or at the end,
    /// so the last word of a phase (the scan's final count) is never lost.
    held: Option<String>,
    /// Where the models run, as last said ("on CUDA (GPU)", "on CPU: <why>").
    compute: Option<String>,
}

impl ProgressReporter {
    fn new(json: bool, control: &Arc<IndexControl>) -> Self {
        let bar = (!json && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(spinner_style());
            bar
        });
        Self {
            bar,
            json,
            control: Arc::clone(control),
            last_line: None,
            phase: None,
            held: None,
            compute: None,
        }
    }

    /// Says once where the models run (and why on the CPU), and again when that changes (the
    /// GPU failed during the run).
    fn show_compute(&mut self, p: &IndexProgress) {
        if p.phase != IndexPhase::Indexing {
            return;
        }
        let Some(provider) = p.provider else { return };
        let line = match &p.cpu_reason {
            Some(why) => format!("running on CPU: {why}"),
            None => format!("running on {}", provider.label()),
        };
        if self.compute.as_deref() == Some(line.as_str()) {
            return;
        }
        match &self.bar {
            Some(bar) => bar.println(&line),
            None => eprintln!("{line}"),
        }
        self.compute = Some(line);
    }

    fn show(&mut self, p: &IndexProgress) {
        if self.json {
            let event = WatchEventDto::Progress(ProgressDto::from(p));
            if let Ok(line) = serde_json::to_string(&event) {
                stream_line(&line, &self.control);
            }
            return;
        }
        let new_phase = self.phase != Some(p.phase);
        self.phase = Some(p.phase);
        if new_phase {
            self.flush_held();
        }
        self.show_compute(p);
        let message = progress_message(p, new_phase);
        if let Some(bar) = &self.bar {
            if new_phase {
                // A bar only where there is a known total to fill: indexing.
                bar.set_style(match p.phase {
                    IndexPhase::Indexing | IndexPhase::Done => bar_style(),
                    IndexPhase::Scanning | IndexPhase::Watching => spinner_style(),
                });
            }
            bar.set_prefix(phase_name(p.phase));
            match p.phase {
                IndexPhase::Indexing | IndexPhase::Done => {
                    bar.set_length(p.photos_total);
                    bar.set_position(p.photos_done);
                }
                IndexPhase::Scanning | IndexPhase::Watching => bar.tick(),
            }
            bar.set_message(message);
            return;
        }
        let line = format!("{}: {}", phase_name(p.phase), message);
        let due = self
            .last_line
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(2));
        if due || new_phase || p.phase == IndexPhase::Done {
            eprintln!("{line}");
            self.last_line = Some(Instant::now());
            self.held = None;
        } else {
            self.held = Some(line);
        }
    }

    fn flush_held(&mut self) {
        if let Some(line) = self.held.take() {
            eprintln!("{line}");
            self.last_line = Some(Instant::now());
        }
    }

    fn finish(&mut self) {
        self.flush_held();
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

fn spinner_style() -> indicatif::ProgressStyle {
    indicatif::ProgressStyle::with_template("{spinner} {prefix:9} {msg}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner())
}

fn bar_style() -> indicatif::ProgressStyle {
    match indicatif::ProgressStyle::with_template(
        "{spinner} {prefix:9} [{bar:30}] {pos}/{len} {msg}",
    ) {
        Ok(style) => style.progress_chars("=> "),
        Err(_) => indicatif::ProgressStyle::default_bar(),
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

/// What a progress event honestly says. `phase_start`: the first event of its phase (the
/// scan's first event is sent before it has looked at anything).
fn progress_message(p: &IndexProgress, phase_start: bool) -> String {
    let paused = if p.paused { " (paused)" } else { "" };
    match p.phase {
        IndexPhase::Scanning if phase_start && p.files_found == 0 => {
            format!("looking for photo files in the library's folders…{paused}")
        }
        IndexPhase::Scanning => format!("{} photo files found{paused}", p.files_found),
        IndexPhase::Watching => format!("waiting for changes{paused}"),
        IndexPhase::Indexing | IndexPhase::Done if p.photos_total == 0 => {
            format!("no photos to index{paused}")
        }
        IndexPhase::Indexing => {
            let mut parts = counts(p);
            // The engine measures a rate only after a moment of work: until then there is
            // neither a rate nor a time left to show.
            if p.rate > 0.0 {
                parts.push(format!("{:.1} photos/s", p.rate));
                if let Some(eta) = p.eta.filter(|_| p.photos_done < p.photos_total) {
                    parts.push(format!("about {} left", human_duration(eta)));
                }
            } else if p.photos_done == 0 {
                parts.push("starting".to_string());
            }
            format!("{}{paused}", parts.join(", "))
        }
        IndexPhase::Done => counts(p).join(", "),
    }
}

/// What an indexing line always says: photos done of all, faces, reused (if any), errors.
fn counts(p: &IndexProgress) -> Vec<String> {
    let mut parts = vec![
        format!("{}/{} photos", p.photos_done, p.photos_total),
        format!("{} faces", p.faces_found),
    ];
    if p.reused > 0 {
        parts.push(format!("{} reused", p.reused));
    }
    parts.push(format!("{} errors", p.errors));
    parts
}

fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else if s >= 1 {
        format!("{s}s")
    } else {
        "under 1s".to_string()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scan_says_nothing_about_counts_before_it_found_anything() {
        let p = IndexProgress::new(IndexPhase::Scanning);
        let first = progress_message(&p, true);
        assert!(first.starts_with("looking for photo files"), "{first}");
        assert!(!first.contains('0'), "{first}");
        // Its final word, even when it found nothing, is a count.
        assert_eq!(progress_message(&p, false), "0 photo files found");
        let p = IndexProgress {
            files_found: 2048,
            ..IndexProgress::new(IndexPhase::Scanning)
        };
        assert_eq!(progress_message(&p, false), "2048 photo files found");
    }

    #[test]
    fn indexing_shows_no_rate_or_eta_before_one_was_measured() {
        let p = IndexProgress {
            photos_total: 40,
            ..IndexProgress::new(IndexPhase::Indexing)
        };
        let m = progress_message(&p, true);
        assert_eq!(m, "0/40 photos, 0 faces, 0 errors, starting");
        let p = IndexProgress {
            photos_done: 10,
            faces_found: 12,
            reused: 2,
            errors: 1,
            rate: 2.5,
            eta: Some(Duration::from_secs(12)),
            ..p
        };
        let m = progress_message(&p, false);
        assert_eq!(
            m,
            "10/40 photos, 12 faces, 2 reused, 1 errors, 2.5 photos/s, about 12s left"
        );
        let p = IndexProgress {
            photos_done: 40,
            eta: Some(Duration::ZERO),
            phase: IndexPhase::Done,
            ..p
        };
        let m = progress_message(&p, true);
        assert_eq!(m, "40/40 photos, 12 faces, 2 reused, 1 errors");
    }

    #[test]
    fn nothing_to_do_is_not_zero_of_zero() {
        for phase in [IndexPhase::Indexing, IndexPhase::Done] {
            let m = progress_message(&IndexProgress::new(phase), true);
            assert_eq!(m, "no photos to index");
        }
        assert_eq!(human_duration(Duration::from_millis(300)), "under 1s");
        assert_eq!(human_duration(Duration::from_secs(75)), "1m15s");
    }
}
