//! Library indexing: scan the roots into the catalog, then run the face pipeline over every
//! pending file, and (in watch mode) keep up with the file system.
//!
//! Stages and what passes between them (each queue bounded, so memory stays flat however big
//! the library is):
//! ```text
//! catalog.pending_files ──(feeder)──▶ PendingFile ──▶ workers × N: stat, read, BLAKE3,
//!   known content? ─yes─▶ Linked ─────────────────────────────────────────────┐
//!                  └no──▶ decode → detect → chips + thumbnails ──▶ Analyzed ──┤
//!                                                                             ▼
//!                     this thread: embed chips of many photos together → commit_batch
//!                     (one transaction per batch: a crash loses at most the open batch,
//!                      whose files are still Pending and are redone on the next run)
//! ```

mod run;
mod scan;
mod watch;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use likeness_vision::Provider;

pub use run::{IndexSummary, Indexer};
pub use scan::{photos_in_folder, scan_library, ScanSummary};
pub use watch::{WatchEvent, WatchOptions};

/// Pause, resume and cancel for long library work, shared between the caller and the job.
#[derive(Debug, Default)]
pub struct IndexControl {
    cancel: AtomicBool,
    paused: Mutex<bool>,
    wake: Condvar,
}

impl IndexControl {
    pub fn new() -> Self {
        Self::default()
    }

    /// Stops the job at the next photo boundary; work committed so far stays.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::SeqCst);
        self.wake.notify_all();
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }

    /// The raw flag, for APIs that take `&AtomicBool`.
    pub fn cancel_flag(&self) -> &AtomicBool {
        &self.cancel
    }

    /// Holds the job at the next photo boundary (after committing what is done).
    pub fn pause(&self) {
        if let Ok(mut p) = self.paused.lock() {
            *p = true;
        }
    }

    pub fn resume(&self) {
        if let Ok(mut p) = self.paused.lock() {
            *p = false;
        }
        self.wake.notify_all();
    }

    pub fn is_paused(&self) -> bool {
        self.paused.lock().map(|p| *p).unwrap_or(false)
    }

    /// Blocks while paused. Returns `false` when the job should stop (cancelled).
    pub fn checkpoint(&self) -> bool {
        let Ok(mut paused) = self.paused.lock() else {
            return !self.is_cancelled();
        };
        while *paused && !self.is_cancelled() {
            match self.wake.wait_timeout(paused, Duration::from_millis(200)) {
                Ok((guard, _)) => paused = guard,
                Err(_) => return !self.is_cancelled(),
            }
        }
        !self.is_cancelled()
    }
}

/// What the library job is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexPhase {
    /// Walking the roots and diffing them against the catalog.
    Scanning,
    /// Running the face pipeline over pending files.
    Indexing,
    /// Idle, watching the roots for changes.
    Watching,
    /// Finished (or cancelled).
    Done,
}

/// A progress sample, sent at most ~5 times a second (and once at every phase change).
#[derive(Debug, Clone)]
pub struct IndexProgress {
    pub phase: IndexPhase,
    /// Photo files seen by the scan so far.
    pub files_found: u64,
    /// Photos finished in this run (indexed, reused or failed).
    pub photos_done: u64,
    /// Photos this run has to do (pending when it started, plus any queued while it ran).
    pub photos_total: u64,
    /// Faces found in this run.
    pub faces_found: u64,
    /// Photos whose content was already known (moved, renamed, duplicated): no decode.
    pub reused: u64,
    /// Photos that failed (recorded in the catalog with their error).
    pub errors: u64,
    /// Photos per second over the last few seconds.
    pub rate: f64,
    /// Time left at the current rate.
    pub eta: Option<Duration>,
    pub paused: bool,
    /// Where the embedder runs (GPU provider or CPU).
    pub provider: Option<Provider>,
    /// Why the models run on the CPU ("running on CPU: …"), when they do.
    pub cpu_reason: Option<String>,
    /// The GPU failed during this run; the rest of it runs on the CPU.
    pub fell_back: bool,
}

impl IndexProgress {
    /// A sample of `phase` with nothing counted yet.
    pub fn new(phase: IndexPhase) -> Self {
        Self {
            phase,
            files_found: 0,
            photos_done: 0,
            photos_total: 0,
            faces_found: 0,
            reused: 0,
            errors: 0,
            rate: 0.0,
            eta: None,
            paused: false,
            provider: None,
            cpu_reason: None,
            fell_back: false,
        }
    }
}

/// Rate-limits progress callbacks to one per [`ProgressGate::INTERVAL`] and keeps a rate over a
/// sliding window.
#[derive(Debug)]
struct ProgressGate {
    last: Option<Instant>,
    window: Vec<(Instant, u64)>,
}

impl ProgressGate {
    const INTERVAL: Duration = Duration::from_millis(200);
    const WINDOW: Duration = Duration::from_secs(10);

    fn new() -> Self {
        Self {
            last: None,
            window: Vec::new(),
        }
    }

    /// Updates rate/ETA and calls `sink` if enough time passed (or `force`).
    fn offer(&mut self, p: &mut IndexProgress, force: bool, sink: &mut dyn FnMut(&IndexProgress)) {
        let now = Instant::now();
        let due = self
            .last
            .is_none_or(|t| now.duration_since(t) >= Self::INTERVAL);
        if !(due || force) {
            return;
        }
        self.window.push((now, p.photos_done));
        self.window
            .retain(|(t, _)| now.duration_since(*t) <= Self::WINDOW);
        if let (Some(&(t0, d0)), Some(&(t1, d1))) = (self.window.first(), self.window.last()) {
            let secs = t1.duration_since(t0).as_secs_f64();
            if secs >= 0.5 {
                p.rate = (d1.saturating_sub(d0)) as f64 / secs;
            }
        }
        let left = p.photos_total.saturating_sub(p.photos_done);
        p.eta = (p.rate > 0.0).then(|| Duration::from_secs_f64(left as f64 / p.rate));
        self.last = Some(now);
        sink(p);
    }
}

/// How every walk and watch of the engine finds photos: the decoder's extension list
/// (`likeness_imaging::PHOTO_EXTENSIONS`, the only one), symbolic links followed.
pub(crate) fn photo_scan_options() -> likeness_scan::ScanOptions {
    likeness_scan::ScanOptions::new(likeness_imaging::PHOTO_EXTENSIONS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn checkpoint_blocks_while_paused_and_releases_on_resume_or_cancel() {
        let control = Arc::new(IndexControl::new());
        control.pause();
        let c = Arc::clone(&control);
        let waiter = std::thread::spawn(move || {
            let t = Instant::now();
            (c.checkpoint(), t.elapsed())
        });
        std::thread::sleep(Duration::from_millis(300));
        control.resume();
        let (go_on, waited) = waiter.join().expect("join");
        assert!(go_on);
        assert!(waited >= Duration::from_millis(250), "{waited:?}");

        control.pause();
        let c = Arc::clone(&control);
        let waiter = std::thread::spawn(move || c.checkpoint());
        std::thread::sleep(Duration::from_millis(100));
        control.cancel();
        assert!(!waiter.join().expect("join"));
    }

    #[test]
    fn progress_gate_limits_rate() {
        let mut gate = ProgressGate::new();
        let mut p = IndexProgress::new(IndexPhase::Indexing);
        let mut calls = 0;
        for i in 0..1000 {
            p.photos_done = i;
            gate.offer(&mut p, false, &mut |_| calls += 1);
        }
        assert!(calls <= 2, "{calls} callbacks in a tight loop");
        gate.offer(&mut p, true, &mut |_| calls += 1);
        assert!(calls <= 3);
    }
}
