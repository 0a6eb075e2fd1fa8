//! One open library: the session both front ends (the desktop app and the CLI) work through.
//!
//! A [`Library`] holds, for as long as it lives:
//! - the library's [`LibraryLock`] (it is the library's one writer),
//! - the library's settings (`settings.json` beside the catalog) applied to the engine
//!   configuration, with the front end's explicit [`Overrides`] on top,
//! - a read-write catalog handle for edits and reads, and a read-only one for thumbnails,
//! - the face pipeline, loaded on first use and kept,
//! - one job slot: indexing, watching and clustering never run at the same time,
//! - the XMP export trigger (when automatic export is on).
//!
//! Every change goes through a method of the session, and each of them fires the XMP trigger
//! itself: no front end has to remember it. The writer handle is never handed out for
//! writing; reads get a guard that only dereferences to `&Catalog`.

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};

use likeness_catalog::{Catalog, EditSummary, FaceId, PersonId, Root};
use likeness_vision::{DetectorKind, ProviderPreference};

use crate::clock::{Clock, SystemClock};
use crate::config::EngineConfig;
use crate::error::EngineError;
use crate::index::{
    IndexControl, IndexProgress, IndexSummary, Indexer, ScanSummary, WatchEvent, WatchOptions,
};
use crate::library::{add_root, open_catalog, remove_root, LibraryLock, LibraryPaths};
use crate::people::{self, MoveTarget, PersonEdit, ReclusterSummary};
use crate::pipeline::FacePipeline;
use crate::settings::{load_settings, save_settings, settings_path, Settings};
use crate::xmp::{self, ExportSummary, ImportSummary, XmpAutoExport};

/// What a front end decides over the library's saved settings (command-line flags).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `--cpu`: the CPU whatever the settings say.
    pub provider: Option<ProviderPreference>,
    /// `--no-xmp-export` / `--xmp-export`.
    pub xmp_auto_export: Option<bool>,
    /// `--detector`: this detector for this command only.
    pub detector: Option<DetectorKind>,
}

/// Which long job holds the library's one job slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Scan and index (then cluster when due).
    Index,
    /// Follow the folders (live mode).
    Watch,
    /// Group the undecided faces again.
    Cluster,
}

impl JobKind {
    pub fn label(self) -> &'static str {
        match self {
            JobKind::Index => "indexing",
            JobKind::Watch => "watching",
            JobKind::Cluster => "clustering",
        }
    }
}

type JobSlot = Arc<Mutex<Option<(JobKind, Arc<IndexControl>)>>>;

/// The running job's handle: pause, resume, cancel through [`Job::control`]; the slot is free
/// again when it is dropped.
#[derive(Debug)]
pub struct Job {
    kind: JobKind,
    control: Arc<IndexControl>,
    slot: JobSlot,
}

impl Job {
    pub fn kind(&self) -> JobKind {
        self.kind
    }

    pub fn control(&self) -> &Arc<IndexControl> {
        &self.control
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        if let Ok(mut slot) = self.slot.lock() {
            *slot = None;
        }
    }
}

/// What [`Library::index`] did.
#[derive(Debug, Clone)]
pub struct IndexRun {
    /// `None` when only pending files were indexed (no scan).
    pub scan: Option<ScanSummary>,
    pub summary: IndexSummary,
    /// Where the models ran ("CPU", "CUDA (GPU)", …).
    pub provider: &'static str,
}

/// Read access to the catalog: dereferences to `&Catalog` only, so nothing changes the
/// library past the session (and its XMP trigger).
#[derive(Debug)]
pub struct CatalogRead<'a>(MutexGuard<'a, Catalog>);

impl Deref for CatalogRead<'_> {
    type Target = Catalog;
    fn deref(&self) -> &Catalog {
        &self.0
    }
}

struct Current {
    settings: Settings,
    config: EngineConfig,
}

/// One open library (see the module docs).
pub struct Library {
    paths: LibraryPaths,
    warnings: Vec<String>,
    base: EngineConfig,
    overrides: Overrides,
    current: Mutex<Current>,
    xmp: Mutex<Option<XmpAutoExport>>,
    catalog: Mutex<Catalog>,
    reader: Mutex<Catalog>,
    job: JobSlot,
    pipeline: Mutex<Option<Arc<FacePipeline>>>,
    clock: Arc<dyn Clock>,
    // Dropped last: the lock outlives every handle above.
    _lock: LibraryLock,
}

impl std::fmt::Debug for Library {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Library")
            .field("paths", &self.paths)
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}

impl Library {
    /// Opens (creating if needed) the library at `paths` as its writer: takes the lock (or
    /// fails with `LibraryBusy`), loads its settings over `base` (a corrupt settings file is a
    /// warning and the defaults), applies `overrides`, and starts the XMP trigger when
    /// automatic export is on.
    pub fn open(
        paths: LibraryPaths,
        base: EngineConfig,
        overrides: Overrides,
    ) -> Result<Self, EngineError> {
        Self::open_with_clock(paths, base, overrides, Arc::new(SystemClock))
    }

    /// [`Library::open`] with the clock edits and jobs are stamped with (tests).
    pub fn open_with_clock(
        paths: LibraryPaths,
        base: EngineConfig,
        overrides: Overrides,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, EngineError> {
        // Lock before opening: a read-write open marks a running job interrupted.
        let lock = LibraryLock::acquire(&paths)?;
        let catalog = open_catalog(&paths)?;
        let reader = Catalog::open_read_only(&paths.catalog)?;
        let loaded = load_settings(&settings_path(&paths));
        let config = configure(&base, &loaded.settings, &overrides);
        let mut warnings: Vec<String> = loaded.warning.into_iter().collect();
        if let Some(m) = catalog.migration() {
            warnings.push(format!(
                "This library was made by an older version of Likeness and was updated (catalog version {} to {}); a copy of it as it was is kept at {}",
                m.from,
                m.to,
                m.backup.display()
            ));
        }
        let lib = Self {
            warnings,
            current: Mutex::new(Current {
                settings: loaded.settings,
                config,
            }),
            paths,
            base,
            overrides,
            xmp: Mutex::new(None),
            catalog: Mutex::new(catalog),
            reader: Mutex::new(reader),
            job: Arc::new(Mutex::new(None)),
            pipeline: Mutex::new(None),
            clock,
            _lock: lock,
        };
        lib.switch_xmp()?;
        // Marks left by the last session (it may have quit inside the debounce time).
        lib.changed();
        Ok(lib)
    }

    pub fn paths(&self) -> &LibraryPaths {
        &self.paths
    }

    /// Files that could not be used at start (a corrupt settings file).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    pub fn clock(&self) -> &dyn Clock {
        &*self.clock
    }

    /// The saved settings of this library.
    pub fn settings(&self) -> Result<Settings, EngineError> {
        Ok(lock(&self.current)?.settings)
    }

    /// The engine configuration: the front end's base, the settings, then the overrides.
    pub fn config(&self) -> Result<EngineConfig, EngineError> {
        Ok(lock(&self.current)?.config.clone())
    }

    /// Saves `new` (atomically) and applies it. A new detection level or provider drops the
    /// loaded pipeline so the next job loads it with them (a running job keeps the one it
    /// has); the XMP trigger starts or stops with `xmp_auto_export`.
    pub fn set_settings(&self, new: Settings) -> Result<(), EngineError> {
        let mut current = lock(&self.current)?;
        save_settings(&settings_path(&self.paths), &new)?;
        let reload = new.detection != current.settings.detection
            || new.provider != current.settings.provider;
        current.config = configure(&self.base, &new, &self.overrides);
        current.settings = new;
        drop(current);
        if reload {
            *lock(&self.pipeline)? = None;
        }
        self.switch_xmp()?;
        self.changed();
        Ok(())
    }

    fn switch_xmp(&self) -> Result<(), EngineError> {
        let config = self.config()?;
        let mut slot = lock(&self.xmp)?;
        if config.xmp.auto_export && slot.is_none() {
            *slot = Some(XmpAutoExport::start(
                &self.paths.catalog,
                config.xmp.options,
                config.xmp.debounce,
                Arc::clone(&self.clock),
            ));
        } else if !config.xmp.auto_export {
            // Dropping it exports what is pending, then stops its thread.
            *slot = None;
        }
        Ok(())
    }

    /// The XMP trigger: something that may change exported faces happened. Every change of
    /// the session calls it; the export runs once edits have been quiet for the debounce.
    fn changed(&self) {
        if let Ok(slot) = self.xmp.lock() {
            if let Some(x) = slot.as_ref() {
                x.poke();
            }
        }
    }

    /// Ends the session: with automatic export on, writes what is pending now and says what
    /// it did (`None` when export is off).
    pub fn close(self) -> Option<Result<ExportSummary, EngineError>> {
        let auto = self.xmp.lock().ok()?.take()?;
        Some(auto.flush())
    }

    /// Reads through the session's handle (sees its own edits at once).
    pub fn catalog(&self) -> Result<CatalogRead<'_>, EngineError> {
        Ok(CatalogRead(lock(&self.catalog)?))
    }

    /// The read-only handle (thumbnails, the timeline): never waits for an edit.
    pub fn reader(&self) -> Result<CatalogRead<'_>, EngineError> {
        Ok(CatalogRead(lock(&self.reader)?))
    }

    /// Every change: one catalog operation, then the XMP trigger.
    fn change<T>(
        &self,
        op: impl FnOnce(&mut Catalog, &dyn Clock) -> Result<T, EngineError>,
    ) -> Result<T, EngineError> {
        let mut catalog = lock(&self.catalog)?;
        let done = op(&mut catalog, &*self.clock);
        drop(catalog);
        if done.is_ok() {
            self.changed();
        }
        done
    }

    // ---- folders -------------------------------------------------------------------------

    /// Adds a photo folder (stored canonical; overlapping folders are refused).
    pub fn add_folder(&self, folder: &Path) -> Result<Root, EngineError> {
        self.change(|c, clock| add_root(c, folder, clock))
    }

    /// Removes a folder (its faces and names are kept for when it comes back).
    pub fn remove_folder(&self, folder: &Path) -> Result<(), EngineError> {
        self.change(|c, _| remove_root(c, folder))
    }

    // ---- people edits (each is one undoable edit) ----------------------------------------

    /// Names a person; a name someone else has merges the two.
    pub fn name(&self, person: PersonId, name: &str) -> Result<PersonEdit, EngineError> {
        self.change(|c, clock| people::name(c, clock, person, name))
    }

    /// Changes a name; `name_taken` if another person has it.
    pub fn rename(&self, person: PersonId, name: &str) -> Result<EditSummary, EngineError> {
        self.change(|c, clock| people::rename(c, clock, person, name))
    }

    /// Merges `from` into `into`.
    pub fn merge(&self, from: &[PersonId], into: PersonId) -> Result<EditSummary, EngineError> {
        self.change(|c, clock| people::merge(c, clock, from, into))
    }

    /// Says these faces are `to`.
    pub fn move_faces(
        &self,
        faces: &[FaceId],
        to: MoveTarget<'_>,
    ) -> Result<PersonEdit, EngineError> {
        self.change(|c, clock| people::move_faces(c, clock, faces, to))
    }

    /// "Not this person".
    pub fn reject(&self, faces: &[FaceId], person: PersonId) -> Result<EditSummary, EngineError> {
        self.change(|c, clock| people::reject(c, clock, faces, person))
    }

    /// "Not a face" (or, with `mark` false, a face after all).
    pub fn not_a_face(&self, faces: &[FaceId], mark: bool) -> Result<EditSummary, EngineError> {
        self.change(|c, clock| people::not_a_face(c, clock, faces, mark))
    }

    /// Hides people from the People page (or shows them again): one edit for all of them.
    pub fn set_hidden(
        &self,
        persons: &[PersonId],
        hidden: bool,
    ) -> Result<EditSummary, EngineError> {
        self.change(|c, clock| people::set_hidden(c, clock, persons, hidden))
    }

    /// Chooses the face shown on a person's card.
    pub fn set_cover(&self, person: PersonId, face: FaceId) -> Result<EditSummary, EngineError> {
        self.change(|c, clock| people::set_cover(c, clock, person, face))
    }

    /// "Yes, this is them" for suggested faces (one edit).
    pub fn accept_suggestions(&self, faces: &[FaceId]) -> Result<EditSummary, EngineError> {
        self.change(|c, clock| people::accept_suggestions(c, clock, faces))
    }

    /// "No" for suggested faces (one edit, whoever was suggested).
    pub fn reject_suggestions(&self, faces: &[FaceId]) -> Result<EditSummary, EngineError> {
        self.change(|c, clock| people::reject_suggestions(c, clock, faces))
    }

    /// "Not the same person" for merge suggestions `(from, into)` (one edit).
    pub fn not_same_person(
        &self,
        pairs: &[(PersonId, PersonId)],
    ) -> Result<EditSummary, EngineError> {
        self.change(|c, clock| people::not_same_person(c, clock, pairs))
    }

    /// "Are these the same person?", most confident first (the thresholds of the settings).
    pub fn merge_suggestions(
        &self,
        limit: usize,
    ) -> Result<Vec<people::MergeSuggestion>, EngineError> {
        let config = self.config()?;
        // The read-only handle: reading every face's embedding must not hold up an edit.
        let catalog = self.reader()?;
        people::merge_suggestions(&catalog, &config.people, limit)
    }

    /// Undoes the last edit.
    pub fn undo(&self) -> Result<EditSummary, EngineError> {
        self.change(|c, clock| people::undo(c, clock))
    }

    /// Redoes the edit undone last.
    pub fn redo(&self) -> Result<EditSummary, EngineError> {
        self.change(|c, clock| people::redo(c, clock))
    }

    /// Reads face regions from the XMP of `paths` (sidecars or embedded); with a pipeline
    /// loaded, manual regions get an embedding. One undoable edit.
    pub fn import_xmp(
        &self,
        paths: &[PathBuf],
        dry_run: bool,
        with_pipeline: bool,
        cancel: &AtomicBool,
    ) -> Result<ImportSummary, EngineError> {
        let pipeline = if with_pipeline {
            Some(self.pipeline()?)
        } else {
            None
        };
        self.change(|c, clock| xmp::import(c, pipeline.as_deref(), paths, dry_run, clock, cancel))
    }

    /// Writes face regions to XMP (sidecars, or into JPEGs with `embed_in_jpeg`) for `scope`;
    /// clears the export marks of what it wrote.
    pub fn export_xmp(
        &self,
        scope: xmp::ExportScope,
        options: &crate::XmpOptions,
        cancel: &AtomicBool,
    ) -> Result<ExportSummary, EngineError> {
        let mut catalog = lock(&self.catalog)?;
        xmp::export(&mut catalog, scope, options, &*self.clock, cancel)
    }

    // ---- jobs ----------------------------------------------------------------------------

    /// Takes the job slot, or fails with `JobRunning` naming the job that holds it.
    pub fn start_job(&self, kind: JobKind) -> Result<Job, EngineError> {
        let mut slot = lock(&self.job)?;
        if let Some((running, _)) = slot.as_ref() {
            return Err(EngineError::JobRunning {
                job: running.label(),
            });
        }
        let control = Arc::new(IndexControl::new());
        *slot = Some((kind, Arc::clone(&control)));
        Ok(Job {
            kind,
            control,
            slot: Arc::clone(&self.job),
        })
    }

    /// The running job and its control, if any.
    pub fn job(&self) -> Option<(JobKind, Arc<IndexControl>)> {
        self.job.lock().ok().and_then(|g| g.clone())
    }

    /// The face pipeline, loaded on first use and kept for the next jobs.
    pub fn pipeline(&self) -> Result<Arc<FacePipeline>, EngineError> {
        let mut slot = lock(&self.pipeline)?;
        if let Some(p) = slot.as_ref() {
            return Ok(Arc::clone(p));
        }
        let pipeline = Arc::new(FacePipeline::open(&self.config()?)?);
        *slot = Some(Arc::clone(&pipeline));
        Ok(pipeline)
    }

    /// The loaded pipeline's execution provider, if one is loaded.
    pub fn active_provider(&self) -> Option<&'static str> {
        let slot = self.pipeline.lock().ok()?;
        slot.as_ref().map(|p| p.provider().label())
    }

    /// Where the models run and why not on the GPU: from the loaded pipeline (which knows
    /// about a fall-back during a run), else from a `doctor` check of the current settings.
    pub fn gpu_report(&self) -> Result<crate::gpu::GpuReport, EngineError> {
        let config = self.config()?;
        let loaded = self.pipeline.lock().ok().and_then(|slot| slot.clone());
        Ok(match loaded {
            Some(pipeline) => {
                let compute = pipeline.compute();
                let mut report = crate::gpu::GpuReport::new(
                    likeness_vision::runtime::gpu_state(),
                    Some(compute.provider),
                    &[],
                    config.provider,
                );
                report.device = compute.device;
                report.cpu_reason = compute.cpu_reason;
                report
            }
            None => crate::doctor(&config).gpu,
        })
    }

    /// A second writer handle for a long job, so edits and reads go on meanwhile.
    fn job_catalog(&self) -> Result<Catalog, EngineError> {
        Ok(Catalog::open_another_writer(&self.paths.catalog)?)
    }

    /// Scans every folder (unless `scan` is false: pending files only), indexes what changed,
    /// and clusters when due; `job` must be an [`JobKind::Index`] job of this library.
    pub fn index(
        &self,
        job: &Job,
        scan: bool,
        progress: &mut dyn FnMut(&IndexProgress),
    ) -> Result<IndexRun, EngineError> {
        let pipeline = self.pipeline()?;
        let mut catalog = self.job_catalog()?;
        let config = self.config()?;
        let indexer = Indexer::new(&pipeline, &self.paths, &*self.clock).with_people(config.people);
        let result = if scan {
            indexer
                .run(&mut catalog, job.control(), progress)
                .map(|(s, i)| (Some(s), i))
        } else {
            indexer
                .index_pending(&mut catalog, job.control(), progress)
                .map(|i| (None, i))
        };
        // Clustering and matching may have named faces, even in a run that failed later.
        self.changed();
        let (scan, summary) = result?;
        Ok(IndexRun {
            scan,
            summary,
            provider: pipeline.provider().label(),
        })
    }

    /// Follows the folders until `job` is cancelled: new, changed, moved and deleted photos
    /// are indexed and their faces join people.
    pub fn watch(
        &self,
        job: &Job,
        options: &WatchOptions,
        progress: &mut dyn FnMut(&IndexProgress),
        events: &mut dyn FnMut(&WatchEvent),
    ) -> Result<(), EngineError> {
        let pipeline = self.pipeline()?;
        let mut catalog = self.job_catalog()?;
        let config = self.config()?;
        let indexer = Indexer::new(&pipeline, &self.paths, &*self.clock).with_people(config.people);
        indexer.watch(&mut catalog, job.control(), options, progress, &mut |e| {
            if matches!(e, WatchEvent::Indexed(_) | WatchEvent::Clustered(_)) {
                self.changed();
            }
            events(e);
        })
    }

    /// Groups every undecided face again with the current clustering strictness. Names and
    /// confirmations are kept. Takes the job slot itself.
    pub fn recluster(&self) -> Result<ReclusterSummary, EngineError> {
        let job = self.start_job(JobKind::Cluster)?;
        self.recluster_in(&job)
    }

    /// [`Library::recluster`] inside a job the caller holds (to cancel it).
    pub fn recluster_in(&self, job: &Job) -> Result<ReclusterSummary, EngineError> {
        let config = self.config()?;
        let mut catalog = self.job_catalog()?;
        let done = people::recluster(
            &mut catalog,
            &config.people,
            &*self.clock,
            job.control().cancel_flag(),
        );
        self.changed();
        done
    }
}

/// `base`, then the saved settings, then the front end's overrides.
fn configure(base: &EngineConfig, settings: &Settings, overrides: &Overrides) -> EngineConfig {
    let mut config = base.clone();
    settings.apply(&mut config);
    if let Some(p) = overrides.provider {
        config.provider = p;
    }
    if let Some(x) = overrides.xmp_auto_export {
        config.xmp.auto_export = x;
    }
    if let Some(d) = overrides.detector {
        config.set_detector(d);
    }
    config
}

fn lock<T>(m: &Mutex<T>) -> Result<MutexGuard<'_, T>, EngineError> {
    m.lock().map_err(|_| EngineError::Poisoned)
}
