//! The indexing job: pending files → faces in the catalog.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use image::RgbImage;
use likeness_catalog::{
    Catalog, ContentHash, FaceAssignment, FaceId, IndexOutcome, JobCounts, JobState, NewFace,
    NewPhoto, PendingFile, PersonId, PhotoId, PhotoMeta, TakenSource,
};
use likeness_vision::Detection;

use super::scan::{scan_library, ScanSummary};
use super::{IndexControl, IndexPhase, IndexProgress, ProgressGate};
use crate::clock::{iso_utc, Clock};
use crate::error::EngineError;
use crate::library::LibraryPaths;
use crate::people::{
    clustering_due, quality_passes, recluster, IncrementalMatcher, PeopleConfig, ReclusterSummary,
};
use crate::pipeline::FacePipeline;
use crate::thumbs::{face_thumbnail_jpeg, ThumbnailCache};

/// Puts where the models run (and why not on the GPU) into a progress sample.
fn set_compute(p: &mut IndexProgress, pipeline: &FacePipeline) {
    let compute = pipeline.compute();
    p.provider = Some(compute.provider);
    p.cpu_reason = compute.cpu_reason;
    p.fell_back = compute.fell_back;
}

/// Photos committed per transaction at most.
const COMMIT_PHOTOS: usize = 64;
/// Chips embedded together at most before a commit is forced.
const COMMIT_CHIPS: usize = 128;
/// Longest time finished work waits before it is committed.
const COMMIT_INTERVAL: Duration = Duration::from_secs(1);
/// Pending files read from the catalog at a time.
const FEED_PAGE: usize = 256;

/// What an indexing run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexSummary {
    /// Photos finished (analysed + reused + failed).
    pub photos: u64,
    /// Photos decoded and run through the face pipeline.
    pub analyzed: u64,
    /// Photos whose content was already in the catalog (moved, renamed, duplicated).
    pub reused: u64,
    /// Files made pending at the start of the run because their photo's faces were found by
    /// another model (another detector or alignment): re-detected in this run (or, when it is
    /// cancelled, in the next), every user decision carried over. Counted in `photos` once
    /// done, like any pending file.
    pub requeued: u64,
    pub faces: u64,
    pub errors: u64,
    /// New faces matched at once to a person the user confirmed (Automatic, strict match).
    pub matched: u64,
    /// New faces suggested at once for a person ("Is this X?").
    pub suggested: u64,
    pub cancelled: bool,
    /// The GPU failed during the run and the rest of it ran on the CPU (no photo lost).
    pub fell_back_to_cpu: bool,
    pub elapsed: Duration,
    /// The clustering run `Indexer::run` started once indexing settled (faces changed since
    /// the last one), if any.
    pub clustering: Option<ReclusterSummary>,
}

/// Runs the face pipeline over the catalog's pending files.
#[derive(Debug)]
pub struct Indexer<'a> {
    pipeline: &'a FacePipeline,
    thumbs: ThumbnailCache,
    clock: &'a dyn Clock,
    model: String,
    people: PeopleConfig,
}

/// A photo whose faces are found and whose chips wait for the embedder.
struct Analyzed {
    file: PendingFile,
    size: u64,
    mtime_ns: i64,
    hash: ContentHash,
    meta: PhotoMeta,
    detections: Vec<Detection>,
    chips: Vec<RgbImage>,
    /// One quality score per detection.
    quality: Vec<f32>,
    /// Set when the content is in the catalog with faces of another model (re-detection).
    redetected: Option<OldFaceThumbs>,
}

/// The face thumbnails of a re-detected photo's old faces, cut from the new decode: the
/// catalog keeps some old faces (a decision no new face took, a manual face) after the new
/// ones, at indexes known only once the batch is committed ([`Indexer::place_kept_thumbnails`]).
struct OldFaceThumbs {
    /// How many faces the photo had (thumbnail indexes that may be left over).
    faces: usize,
    /// JPEG bytes by old face id.
    thumbs: Vec<(FaceId, Vec<u8>)>,
}

/// What a worker hands back for one file.
enum WorkerResult {
    /// Linked to known content, or failed: ready to commit.
    Ready(IndexOutcome),
    /// Needs its chips embedded first.
    Analyzed(Analyzed),
}

impl<'a> Indexer<'a> {
    pub fn new(pipeline: &'a FacePipeline, paths: &LibraryPaths, clock: &'a dyn Clock) -> Self {
        Self {
            pipeline,
            thumbs: ThumbnailCache::new(&paths.cache),
            clock,
            model: pipeline.model_id(),
            people: pipeline.config().people.clone(),
        }
    }

    /// Uses these people settings instead of the pipeline configuration's (e.g.
    /// `auto_cluster: false` to index without clustering).
    pub fn with_people(mut self, people: PeopleConfig) -> Self {
        self.people = people;
        self
    }

    pub fn people_config(&self) -> &PeopleConfig {
        &self.people
    }

    /// The model id stored with every face (content indexed by another model is redone).
    pub fn model_id(&self) -> &str {
        &self.model
    }

    pub(crate) fn clock(&self) -> &dyn Clock {
        self.clock
    }

    pub fn thumbnails(&self) -> &ThumbnailCache {
        &self.thumbs
    }

    /// Scans every root, then indexes what is pending, then — unless cancelled, or
    /// `auto_cluster` is off — clusters the faces when they changed since the last clustering
    /// run (`IndexSummary::clustering`).
    ///
    /// First, files whose photo's faces were found by another model (the detector or the
    /// alignment changed, or a new default) are made pending again
    /// (`IndexSummary::requeued`): this run re-detects them, and the catalog carries every
    /// user decision to the new faces (or keeps the old face that holds it). A cancelled run
    /// leaves the rest pending; the next run goes on with them.
    pub fn run(
        &self,
        catalog: &mut Catalog,
        control: &IndexControl,
        progress: &mut dyn FnMut(&IndexProgress),
    ) -> Result<(ScanSummary, IndexSummary), EngineError> {
        let requeued = self.requeue_other_models(catalog)?;
        let scan = scan_library(catalog, control, self.clock, progress)?;
        if scan.cancelled {
            return Ok((
                scan,
                IndexSummary {
                    requeued,
                    cancelled: true,
                    ..IndexSummary::default()
                },
            ));
        }
        let mut index = self.index_pending(catalog, control, progress)?;
        index.requeued = requeued;
        if !index.cancelled && !control.is_cancelled() {
            index.clustering = self.cluster_if_due(catalog, control, scan.removed > 0)?;
        }
        Ok((scan, index))
    }

    /// Makes pending the indexed files whose faces another model found (re-detection).
    /// Returns how many.
    pub(crate) fn requeue_other_models(&self, catalog: &mut Catalog) -> Result<u64, EngineError> {
        let requeued = catalog.requeue_other_models(&self.model, self.clock.now())?;
        if requeued > 0 {
            tracing::info!(
                requeued,
                model = %self.model,
                "files indexed by another model queued for re-detection (decisions carry over)"
            );
        }
        Ok(requeued)
    }

    /// Clusters when `auto_cluster` is on and faces changed since the last clustering run
    /// (or `changed` says so). A cancelled run is not an error (None).
    pub(crate) fn cluster_if_due(
        &self,
        catalog: &mut Catalog,
        control: &IndexControl,
        changed: bool,
    ) -> Result<Option<ReclusterSummary>, EngineError> {
        if !self.people.auto_cluster || !(changed || clustering_due(catalog)?) {
            return Ok(None);
        }
        match recluster(catalog, &self.people, self.clock, control.cancel_flag()) {
            Ok(summary) => Ok(Some(summary)),
            Err(EngineError::Cancelled) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Indexes every pending file. Returns when none is left, or when cancelled (work done so
    /// far is committed; the rest stays pending for the next run).
    pub fn index_pending(
        &self,
        catalog: &mut Catalog,
        control: &IndexControl,
        progress: &mut dyn FnMut(&IndexProgress),
    ) -> Result<IndexSummary, EngineError> {
        let started = Instant::now();
        let total = catalog.count_pending()?;
        let mut summary = IndexSummary::default();
        if total == 0 {
            return Ok(summary);
        }
        let job = catalog.begin_job("index", self.clock.now())?;
        self.pipeline.reset_fall_back();
        let mut p = IndexProgress::new(IndexPhase::Indexing);
        p.photos_total = total;
        set_compute(&mut p, self.pipeline);
        let mut gate = ProgressGate::new();
        gate.offer(&mut p, true, progress);

        let workers = self.pipeline.workers().max(1);
        let abort = AtomicBool::new(false);
        let fed = AtomicU64::new(0);
        let catalog_path = catalog.path().to_path_buf();
        let (work_tx, work_rx) = mpsc::sync_channel::<PendingFile>(workers * 4);
        let work_rx = Mutex::new(work_rx);
        let (done_tx, done_rx) = mpsc::sync_channel::<WorkerResult>(workers * 2);
        let mut run = RunState {
            job,
            total,
            matching: NewFaceMatching::default(),
            summary: &mut summary,
            progress: &mut p,
            gate: &mut gate,
            sink: &mut *progress,
        };
        let result = std::thread::scope(|scope| -> Result<(), EngineError> {
            let feeder = scope.spawn(|| feed(&catalog_path, work_tx, control, &abort, &fed));
            for worker in 0..workers {
                let done_tx = done_tx.clone();
                let (work_rx, catalog_path, abort) = (&work_rx, &catalog_path, &abort);
                scope.spawn(move || {
                    self.work(worker, catalog_path, work_rx, &done_tx, control, abort)
                });
            }
            drop(done_tx);
            let outcome = self.collect(catalog, &done_rx, control, &fed, &mut run);
            if outcome.is_err() {
                abort.store(true, Ordering::SeqCst);
            }
            // Let every worker hang up (a worker blocked on a full queue needs it drained).
            while done_rx.recv().is_ok() {}
            let fed_result = match feeder.join() {
                Ok(r) => r,
                Err(_) => {
                    tracing::error!("the feeder thread panicked");
                    Ok(())
                }
            };
            outcome.and(fed_result)
        });

        summary.cancelled = control.is_cancelled();
        summary.fell_back_to_cpu = self.pipeline.compute().fell_back;
        summary.elapsed = started.elapsed();
        let state = match (&result, summary.cancelled) {
            (Err(_), _) => JobState::Failed,
            (Ok(()), true) => JobState::Cancelled,
            (Ok(()), false) => JobState::Completed,
        };
        let counts = job_counts(&summary, total.max(fed.load(Ordering::SeqCst)));
        catalog.finish_job(job, state, &counts, self.clock.now())?;
        result?;
        p.phase = IndexPhase::Done;
        p.photos_done = summary.photos;
        p.faces_found = summary.faces;
        p.reused = summary.reused;
        p.errors = summary.errors;
        gate.offer(&mut p, true, progress);
        tracing::info!(?summary, "indexing finished");
        Ok(summary)
    }

    /// One worker: takes files off the queue until it closes, the job is cancelled or aborted.
    fn work(
        &self,
        worker: usize,
        catalog_path: &Path,
        work_rx: &Mutex<mpsc::Receiver<PendingFile>>,
        done_tx: &SyncSender<WorkerResult>,
        control: &IndexControl,
        abort: &AtomicBool,
    ) {
        let reader = match Catalog::open_read_only(catalog_path) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "worker cannot read the catalog");
                abort.store(true, Ordering::SeqCst);
                return;
            }
        };
        loop {
            if !control.checkpoint() || abort.load(Ordering::SeqCst) {
                return;
            }
            let next = match work_rx.lock() {
                Ok(rx) => rx.recv_timeout(Duration::from_millis(100)),
                Err(_) => return,
            };
            let file = match next {
                Ok(f) => f,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => return,
            };
            if done_tx
                .send(self.process_guarded(worker, &reader, file))
                .is_err()
            {
                return;
            }
        }
    }

    /// This thread: gathers worker results, embeds and commits them in batches, reports
    /// progress. Returns when every worker has hung up.
    fn collect(
        &self,
        catalog: &mut Catalog,
        done_rx: &mpsc::Receiver<WorkerResult>,
        control: &IndexControl,
        fed: &AtomicU64,
        run: &mut RunState<'_>,
    ) -> Result<(), EngineError> {
        let mut batch = Batch::default();
        let mut last_commit = Instant::now();
        loop {
            let (idle, finished) = match done_rx.recv_timeout(Duration::from_millis(100)) {
                Ok(r) => {
                    batch.push(r);
                    (false, false)
                }
                Err(RecvTimeoutError::Timeout) => (true, false),
                Err(RecvTimeoutError::Disconnected) => (true, true),
            };
            let due = batch.photos() >= COMMIT_PHOTOS
                || batch.chips >= COMMIT_CHIPS
                || last_commit.elapsed() >= COMMIT_INTERVAL
                || idle;
            let total = run.total.max(fed.load(Ordering::SeqCst));
            if due && batch.photos() > 0 {
                self.commit(catalog, &mut batch, run.summary, &mut run.matching)?;
                last_commit = Instant::now();
                catalog.update_job(run.job, &job_counts(run.summary, total), self.clock.now())?;
            }
            let p = &mut *run.progress;
            p.photos_done = run.summary.photos;
            p.photos_total = total;
            p.faces_found = run.summary.faces;
            p.reused = run.summary.reused;
            p.errors = run.summary.errors;
            p.paused = control.is_paused();
            let fell_back = p.fell_back;
            set_compute(p, self.pipeline);
            // The switch to the CPU is shown at once, not at the next sample.
            run.gate
                .offer(p, finished || p.fell_back != fell_back, run.sink);
            if finished {
                return Ok(());
            }
        }
    }

    /// Embeds the batch's chips and commits everything in one transaction.
    fn commit(
        &self,
        catalog: &mut Catalog,
        batch: &mut Batch,
        summary: &mut IndexSummary,
        matching: &mut NewFaceMatching,
    ) -> Result<(), EngineError> {
        let mut outcomes = std::mem::take(&mut batch.ready);
        let analyzed = std::mem::take(&mut batch.analyzed);
        batch.chips = 0;
        let chips: Vec<&RgbImage> = analyzed.iter().flat_map(|a| a.chips.iter()).collect();
        let mut redetected = Vec::new();
        let embedded = if chips.is_empty() {
            Ok(Vec::new())
        } else {
            self.pipeline.embed_chips(&chips)
        };
        drop(chips);
        match embedded {
            Ok(embeddings) => {
                let mut embeddings = embeddings.into_iter();
                for mut a in analyzed {
                    if let Some(old) = a.redetected.take() {
                        redetected.push((a.hash, a.detections.len(), old));
                    }
                    let faces = a
                        .detections
                        .iter()
                        .enumerate()
                        .map(|(i, d)| {
                            let e = embeddings.next().map(|e| e.0).unwrap_or_default();
                            new_face(d, e, a.quality.get(i).copied())
                        })
                        .collect::<Vec<_>>();
                    summary.faces += faces.len() as u64;
                    summary.analyzed += 1;
                    outcomes.push(IndexOutcome::Analyzed {
                        file: a.file.id,
                        size: a.size,
                        mtime_ns: a.mtime_ns,
                        photo: NewPhoto {
                            hash: a.hash,
                            meta: a.meta,
                            model: self.model.clone(),
                            faces,
                        },
                    });
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "embedding batch failed");
                for a in analyzed {
                    outcomes.push(IndexOutcome::Failed {
                        file: a.file.id,
                        size: a.size,
                        mtime_ns: a.mtime_ns,
                        code: e.code().to_string(),
                        message: e.to_string(),
                    });
                }
            }
        }
        for o in &outcomes {
            summary.photos += 1;
            match o {
                IndexOutcome::Linked { .. } => summary.reused += 1,
                IndexOutcome::Failed { .. } => summary.errors += 1,
                IndexOutcome::Analyzed { .. } => {}
            }
        }
        catalog.commit_batch(&outcomes, self.clock.now())?;
        for (hash, new_faces, old) in redetected {
            if let Err(e) = self.place_kept_thumbnails(catalog, &hash, new_faces, &old) {
                tracing::warn!(error = %e, "thumbnails of kept faces not written");
            }
        }
        self.match_new_faces(catalog, &outcomes, matching, summary)?;
        Ok(())
    }

    /// After a re-detection is committed: the old faces the catalog kept (after the
    /// `new_faces` new ones) get their thumbnails at their new indexes, and thumbnails of
    /// indexes the photo no longer has are removed — no face shows another face's thumbnail.
    fn place_kept_thumbnails(
        &self,
        catalog: &Catalog,
        hash: &ContentHash,
        new_faces: usize,
        old: &OldFaceThumbs,
    ) -> Result<(), EngineError> {
        let Some(photo) = catalog.indexed_photo(hash, &self.model)? else {
            return Ok(());
        };
        let hex = hash.to_hex();
        let faces = catalog.faces_of_photo(photo)?;
        for face in faces.iter().filter(|f| f.idx as usize >= new_faces) {
            match old.thumbs.iter().find(|(id, _)| *id == face.id) {
                Some((_, jpeg)) => self.thumbs.write_face_jpeg(&hex, face.idx, jpeg)?,
                // A face added meanwhile (an import during the run): no thumbnail rather
                // than an old one of another face.
                None => self.thumbs.remove_face(&hex, face.idx)?,
            }
        }
        for idx in faces.len()..old.faces.max(faces.len()) {
            self.thumbs.remove_face(&hex, idx as u32)?;
        }
        Ok(())
    }

    /// Right after a commit: the batch's faces that have no person yet are matched against
    /// the confirmed faces (Automatic when strict, else Suggested), so they show up at once.
    /// The matcher is built once per run, on the first batch that needs it.
    fn match_new_faces(
        &self,
        catalog: &mut Catalog,
        outcomes: &[IndexOutcome],
        matching: &mut NewFaceMatching,
        summary: &mut IndexSummary,
    ) -> Result<(), EngineError> {
        if !self.people.match_new_faces {
            return Ok(());
        }
        let matcher = match &matching.matcher {
            Some(m) => m,
            None => matching
                .matcher
                .insert(anchor_matcher(catalog, &self.people)?),
        };
        if matcher.is_empty() {
            return Ok(());
        }
        let mut photos: Vec<PhotoId> = Vec::new();
        for o in outcomes {
            match o {
                IndexOutcome::Linked { photo, .. } => photos.push(*photo),
                IndexOutcome::Analyzed { photo, .. } if !photo.faces.is_empty() => {
                    photos.extend(catalog.indexed_photo(&photo.hash, &photo.model)?);
                }
                _ => {}
            }
        }
        let mut assignments = Vec::new();
        for photo in photos {
            let faces = catalog.faces_of_photo(photo)?;
            // Two faces of one photo are never one person: people already on the photo are
            // left out, and of two new faces matching one person the nearer one wins.
            let mut on_photo: Vec<PersonId> =
                faces.iter().filter_map(|f| f.person).map(|p| p.0).collect();
            let mut hits = Vec::new();
            for face in &faces {
                if face.person.is_some()
                    || face.not_face
                    || !quality_passes(face.quality, self.people.min_quality)
                {
                    continue;
                }
                if let Some(hit) = matcher.match_face(&face.embedding, &on_photo) {
                    hits.push((hit, face.id));
                }
            }
            hits.sort_by(|a, b| a.0.distance.total_cmp(&b.0.distance).then(a.1.cmp(&b.1)));
            for (hit, face) in hits {
                if on_photo.contains(&hit.person) {
                    continue;
                }
                on_photo.push(hit.person);
                assignments.push(FaceAssignment {
                    face,
                    person: hit.person,
                    provenance: hit.provenance,
                    confidence: Some(hit.confidence),
                });
            }
        }
        if assignments.is_empty() {
            return Ok(());
        }
        // Automatic and Suggested stored apart, so the counts say what was stored (the
        // catalog skips a pair the user decided meanwhile).
        let (automatic, suggested): (Vec<_>, Vec<_>) = assignments
            .into_iter()
            .partition(|a| a.provenance == likeness_catalog::Provenance::Automatic);
        for (batch, count) in [
            (automatic, &mut summary.matched),
            (suggested, &mut summary.suggested),
        ] {
            if batch.is_empty() {
                continue;
            }
            match catalog.assign_automatic(&batch, self.clock.now()) {
                Ok(stored) => *count += stored,
                Err(likeness_catalog::CatalogError::NotFound { what, .. }) => {
                    // A person merged or deleted since the matcher was built (the app edits
                    // people while indexing): rebuild it for the next batch; clustering will
                    // place these faces.
                    tracing::info!(%what, "people changed during indexing; matcher rebuilt");
                    matching.matcher = None;
                    return Ok(());
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// [`Self::process`], with a panic in a third-party decoder turned into a recorded failure.
    fn process_guarded(&self, worker: usize, reader: &Catalog, file: PendingFile) -> WorkerResult {
        let (id, size, mtime_ns, path) = (file.id, file.size, file.mtime_ns, file.path.clone());
        match catch_unwind(AssertUnwindSafe(|| self.process(worker, reader, file))) {
            Ok(r) => r,
            Err(_) => {
                tracing::error!(path = %path.display(), "decoder panicked; photo skipped");
                WorkerResult::Ready(IndexOutcome::Failed {
                    file: id,
                    size,
                    mtime_ns,
                    code: "panic".to_string(),
                    message: format!("{}: the decoder crashed on this file", path.display()),
                })
            }
        }
    }

    /// Stat, read, hash; link to known content or run decode → detect → chips + thumbnails.
    fn process(&self, worker: usize, reader: &Catalog, file: PendingFile) -> WorkerResult {
        let failed = |size: u64, mtime_ns: i64, e: &EngineError| {
            tracing::warn!(path = %file.path.display(), error = %e, "photo not indexed");
            WorkerResult::Ready(IndexOutcome::Failed {
                file: file.id,
                size,
                mtime_ns,
                code: e.code().to_string(),
                message: e.to_string(),
            })
        };
        let io = |source| EngineError::Io {
            path: file.path.clone(),
            source,
        };
        let before = match likeness_scan::file_candidate(&file.path) {
            Ok(c) => c,
            Err(e) => return failed(file.size, file.mtime_ns, &io(e)),
        };
        let (size, mtime_ns) = (before.size, before.mtime_ns);
        let limits = self.pipeline.limits();
        if size > limits.max_file_bytes {
            let e = EngineError::Imaging(likeness_imaging::ImagingError::FileTooLarge {
                path: file.path.clone(),
                bytes: size,
                limit: limits.max_file_bytes,
            });
            return failed(size, mtime_ns, &e);
        }
        let bytes = match std::fs::read(&file.path) {
            Ok(b) => b,
            Err(e) => return failed(size, mtime_ns, &io(e)),
        };
        match likeness_scan::file_candidate(&file.path) {
            Ok(after) if after.size == size && after.mtime_ns == mtime_ns => {}
            _ => {
                // Still being written (or replaced): record it with the stamp seen first, so
                // the next scan or watcher event (new stamp) retries it once it settles.
                let e = io(std::io::Error::other(
                    "the file changed while it was read (still being written?)",
                ));
                return WorkerResult::Ready(IndexOutcome::Failed {
                    file: file.id,
                    size,
                    mtime_ns,
                    code: "changing".to_string(),
                    message: e.to_string(),
                });
            }
        }
        let hash = ContentHash(likeness_scan::hash_bytes(&bytes));
        match reader.indexed_photo(&hash, &self.model) {
            Ok(Some(photo)) => {
                return WorkerResult::Ready(IndexOutcome::Linked {
                    file: file.id,
                    size,
                    mtime_ns,
                    photo,
                })
            }
            Ok(None) => {}
            Err(e) => return failed(size, mtime_ns, &EngineError::Catalog(e)),
        }
        let analysis = match self.pipeline.analyze_bytes(worker, &bytes, &file.path) {
            Ok(a) => a,
            Err(e) => return failed(size, mtime_ns, &e),
        };
        drop(bytes);
        let redetected = match reader.photo_with_hash(&hash) {
            Ok(Some(photo)) => Some(old_face_thumbs(reader, photo, &analysis)),
            Ok(None) => None,
            Err(e) => return failed(size, mtime_ns, &EngineError::Catalog(e)),
        };
        let boxes: Vec<[f32; 4]> = analysis
            .detections
            .iter()
            .map(|d| new_face(d, Vec::new(), None).bbox)
            .collect();
        if let Err(e) = self.thumbs.write(
            &hash.to_hex(),
            &analysis.preview,
            &scale_boxes(&boxes, &analysis),
        ) {
            tracing::warn!(path = %file.path.display(), error = %e, "thumbnails not written");
        }
        let exif = &analysis.exif;
        let (taken_at, taken_source) = match exif.taken_at_iso() {
            Some(t) => (Some(t), TakenSource::Exif),
            None => (
                Some(iso_utc(mtime_ns.div_euclid(1_000_000_000))),
                TakenSource::FileTime,
            ),
        };
        let meta = PhotoMeta {
            width: analysis.width,
            height: analysis.height,
            stored_width: analysis.stored_size.0,
            stored_height: analysis.stored_size.1,
            orientation: exif.orientation.0,
            format: analysis.format.clone(),
            taken_at,
            taken_source,
            camera_make: exif.camera_make.clone(),
            camera_model: exif.camera_model.clone(),
            gps: exif.gps,
            file_size: size,
        };
        WorkerResult::Analyzed(Analyzed {
            file,
            size,
            mtime_ns,
            hash,
            meta,
            detections: analysis.detections,
            chips: analysis.chips,
            quality: analysis.quality,
            redetected,
        })
    }
}

/// The thumbnails of `photo`'s current faces (found by another model), cut from the new
/// decode. A face whose thumbnail cannot be made is left out (it gets none).
fn old_face_thumbs(
    reader: &Catalog,
    photo: PhotoId,
    analysis: &crate::pipeline::BytesAnalysis,
) -> OldFaceThumbs {
    let rows = match (reader.faces_of_photo(photo), reader.photo(photo)) {
        (Ok(rows), Ok(Some(row))) => Some((rows, row.meta.width)),
        _ => None,
    };
    let Some((rows, old_width)) = rows else {
        return OldFaceThumbs {
            faces: 0,
            thumbs: Vec::new(),
        };
    };
    // Old boxes are in the old size's frame (the same as the new one unless the decoder
    // changed): scale them to the preview.
    let s = analysis.preview.width() as f32 / old_width.max(1) as f32;
    let thumbs = rows
        .iter()
        .filter_map(|f| {
            let b = f.bbox.map(|v| v * s);
            face_thumbnail_jpeg(&analysis.preview, &b)
                .ok()
                .map(|jpeg| (f.id, jpeg))
        })
        .collect();
    OldFaceThumbs {
        faces: rows.len(),
        thumbs,
    }
}

/// Boxes in the full upright frame → the preview's frame (the preview may be smaller).
fn scale_boxes(boxes: &[[f32; 4]], a: &crate::pipeline::BytesAnalysis) -> Vec<[f32; 4]> {
    let s = a.preview.width() as f32 / a.width.max(1) as f32;
    boxes
        .iter()
        .map(|b| [b[0] * s, b[1] * s, b[2] * s, b[3] * s])
        .collect()
}

fn new_face(d: &Detection, embedding: Vec<f32>, quality: Option<f32>) -> NewFace {
    let mut landmarks = [0f32; 10];
    for (i, p) in d.landmarks.iter().enumerate() {
        landmarks[2 * i] = p.x as f32;
        landmarks[2 * i + 1] = p.y as f32;
    }
    NewFace {
        bbox: [
            d.bbox.x1 as f32,
            d.bbox.y1 as f32,
            d.bbox.x2 as f32,
            d.bbox.y2 as f32,
        ],
        landmarks,
        score: d.score,
        embedding,
        quality,
    }
}

fn job_counts(s: &IndexSummary, total: u64) -> JobCounts {
    JobCounts {
        photos_done: s.photos,
        photos_total: total,
        faces: s.faces,
        errors: s.errors,
    }
}

/// Work finished by the workers, waiting to be committed.
#[derive(Default)]
struct Batch {
    ready: Vec<IndexOutcome>,
    analyzed: Vec<Analyzed>,
    chips: usize,
}

impl Batch {
    fn push(&mut self, r: WorkerResult) {
        match r {
            WorkerResult::Ready(o) => self.ready.push(o),
            WorkerResult::Analyzed(a) => {
                self.chips += a.chips.len();
                self.analyzed.push(a);
            }
        }
    }

    fn photos(&self) -> usize {
        self.ready.len() + self.analyzed.len()
    }
}

/// The confirmed faces new faces are matched against, built on first use in a run.
#[derive(Default)]
struct NewFaceMatching {
    matcher: Option<IncrementalMatcher>,
}

/// A matcher over every confirmed face (read from the user's decisions, one face at a time:
/// the cost follows the number of confirmed faces, not the library's size).
fn anchor_matcher(
    catalog: &Catalog,
    config: &PeopleConfig,
) -> Result<IncrementalMatcher, EngineError> {
    let mut matcher = IncrementalMatcher::new(config);
    for (face, person) in catalog.decisions()?.confirmed {
        if let Some(row) = catalog.face(face)? {
            if !row.not_face {
                matcher.add_anchor(person, &row.embedding);
            }
        }
    }
    Ok(matcher)
}

/// The counters and sinks of one run, threaded through [`Indexer::collect`].
struct RunState<'r> {
    job: likeness_catalog::JobId,
    total: u64,
    matching: NewFaceMatching,
    summary: &'r mut IndexSummary,
    progress: &'r mut IndexProgress,
    gate: &'r mut ProgressGate,
    sink: &'r mut dyn FnMut(&IndexProgress),
}

/// Reads pending files page by page and hands them to the workers.
fn feed(
    catalog_path: &Path,
    tx: SyncSender<PendingFile>,
    control: &IndexControl,
    abort: &AtomicBool,
    fed: &AtomicU64,
) -> Result<(), EngineError> {
    let reader = Catalog::open_read_only(catalog_path)?;
    let mut after = 0;
    loop {
        let page = reader.pending_files(after, FEED_PAGE)?;
        if page.is_empty() {
            return Ok(());
        }
        for file in page {
            after = file.id;
            let mut item = file;
            loop {
                if !control.checkpoint() || abort.load(Ordering::SeqCst) {
                    return Ok(());
                }
                match tx.try_send(item) {
                    Ok(()) => break,
                    Err(TrySendError::Full(back)) => {
                        item = back;
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    Err(TrySendError::Disconnected(_)) => return Ok(()),
                }
            }
            fed.fetch_add(1, Ordering::SeqCst);
        }
    }
}
