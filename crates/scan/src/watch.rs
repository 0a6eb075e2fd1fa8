//! Watching library roots: debounced, filtered file system changes.
//!
//! Three threads: notify's (reads the kernel's events), the debouncer's (pairs renames,
//! merges events per path and releases them `debounce` after they happened) and ours, the
//! translator: it filters to photos and folders in scope, turns events into [`FsChange`]s
//! and holds each upsert until the file has settled.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, PoisonError, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use notify::event::{AccessKind, AccessMode, EventKind, ModifyKind, RemoveKind, RenameMode};
use notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{
    new_debouncer_opt, DebounceEventResult, DebouncedEvent, Debouncer, RecommendedCache,
};

use crate::filter::{is_photo_path, is_skipped_dir};
use crate::walk::{system_time_ns, ScanIssue, ScanIssueKind, ScanOptions};
use crate::ScanError;

/// The debounce [`LibraryWatcher::start`] is meant to get unless there is a reason: long
/// enough to pair renames and merge bursts, short enough that file creation → faces stored
/// stays within 2 s (the watcher's own part is measured by the `watch_latency` bench).
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(300);

/// Deepest folder nesting the fallback watcher descends (protects against link cycles that
/// canonicalisation cannot see).
const MAX_FALLBACK_DEPTH: usize = 256;

/// A change below a watched root, as the watcher reports it: already debounced and filtered
/// to photo files (by extension) and folders, with hidden and skipped folders ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FsChange {
    /// A photo file created or modified, reported once its writes have settled (the file has
    /// not changed for the debounce time).
    Upserted(PathBuf),
    /// A file or a folder removed (or moved out of the roots, or renamed to a hidden or
    /// non-photo name): the consumer removes every row at or under this path. It may name a
    /// path that never held photos.
    Removed(PathBuf),
    /// A photo file or a folder renamed or moved within the watched roots: rows at or under
    /// `from` now live at or under `to`. A file moved in from outside arrives as
    /// [`FsChange::Upserted`], a folder as [`FsChange::Rescan`]; a move out as
    /// [`FsChange::Removed`].
    Renamed {
        /// The old path.
        from: PathBuf,
        /// The new path.
        to: PathBuf,
    },
    /// The watcher may have missed changes at or under this path (a new or moved-in folder,
    /// a kernel queue overflow, the root itself moved or deleted): walk it again and compare.
    Rescan(PathBuf),
}

/// Watches library roots recursively and reports batches of [`FsChange`]s.
///
/// Dropping it stops the watching threads; the receiver then reports disconnection.
pub struct LibraryWatcher {
    debouncer: Option<Debouncer<RecommendedWatcher, RecommendedCache>>,
    scope: Arc<RwLock<Scope>>,
    /// Per root, the paths registered with notify (normally just the root, recursively).
    registrations: HashMap<PathBuf, Vec<PathBuf>>,
    follow_symlinks: bool,
    issues: Vec<ScanIssue>,
    translator: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for LibraryWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LibraryWatcher")
            .field("registrations", &self.registrations)
            .field("issues", &self.issues)
            .finish_non_exhaustive()
    }
}

impl LibraryWatcher {
    /// Starts watching `roots` recursively. Batches of changes arrive on the returned
    /// receiver `debounce` after they happen (upserts once the file has not changed for
    /// `debounce`); use [`DEFAULT_DEBOUNCE`] unless there is a reason. `options` gives the
    /// photo extensions and whether symbolic links to folders are followed.
    ///
    /// Fails when a root is missing or not a folder, or the OS watcher cannot be created.
    /// Event paths start with the root exactly as given here.
    pub fn start(
        roots: &[PathBuf],
        options: &ScanOptions,
        debounce: Duration,
    ) -> Result<(LibraryWatcher, Receiver<Vec<FsChange>>), ScanError> {
        let debounce = debounce.max(Duration::from_millis(10));
        // The debouncer checks for due events every tick: a short tick keeps latency close
        // to `debounce` at the cost of a few idle wake-ups a second.
        let tick = (debounce / 4).min(Duration::from_millis(50));
        let watch_err = |source| ScanError::Watch {
            path: PathBuf::new(),
            source,
        };
        let (raw_tx, raw_rx) = mpsc::channel::<DebounceEventResult>();
        let config = notify::Config::default().with_follow_symlinks(options.follow_symlinks);
        let debouncer = new_debouncer_opt::<_, RecommendedWatcher, RecommendedCache>(
            debounce,
            Some(tick),
            raw_tx,
            RecommendedCache::new(),
            config,
        )
        .map_err(watch_err)?;
        let scope = Arc::new(RwLock::new(Scope {
            roots: Vec::new(),
            extensions: options.extensions.clone(),
        }));
        let (tx, rx) = mpsc::channel();
        let translator = Translator {
            scope: Arc::clone(&scope),
            settle: debounce,
            pending: HashMap::new(),
            released: HashMap::new(),
        };
        let handle = std::thread::Builder::new()
            .name("likeness-scan watcher".into())
            .spawn(move || translator.run(raw_rx, tx))
            .map_err(|e| watch_err(notify::Error::io(e)))?;
        let mut watcher = LibraryWatcher {
            debouncer: Some(debouncer),
            scope,
            registrations: HashMap::new(),
            follow_symlinks: options.follow_symlinks,
            issues: Vec::new(),
            translator: Some(handle),
        };
        for root in roots {
            watcher.add_root(root)?;
        }
        Ok((watcher, rx))
    }

    /// Starts watching one more root (recursively). Watching a root twice is a no-op.
    ///
    /// A folder below the root that cannot be watched (unreadable) does not fail the call:
    /// its siblings are watched one by one and the folder is recorded in [`Self::issues`].
    pub fn add_root(&mut self, root: &Path) -> Result<(), ScanError> {
        let meta = fs::metadata(root).map_err(|e| ScanError::from_root_io(root, e))?;
        if !meta.is_dir() {
            return Err(ScanError::NotADirectory {
                path: root.to_path_buf(),
            });
        }
        if self.registrations.contains_key(root) {
            return Ok(());
        }
        let Some(debouncer) = self.debouncer.as_mut() else {
            return Ok(());
        };
        let mut registered = Vec::new();
        let mut visited = HashSet::new();
        let mut tree = WatchTree {
            debouncer,
            follow_symlinks: self.follow_symlinks,
            registered: &mut registered,
            issues: &mut self.issues,
            visited: &mut visited,
        };
        tree.watch(root, 0).map_err(|source| ScanError::Watch {
            path: root.to_path_buf(),
            source,
        })?;
        tracing::debug!(root = %root.display(), registrations = registered.len(), "watching");
        self.registrations.insert(root.to_path_buf(), registered);
        self.scope
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .roots
            .push(root.to_path_buf());
        Ok(())
    }

    /// Stops watching a root (a root that is not watched is a no-op). Changes under it that
    /// are still in flight are dropped.
    pub fn remove_root(&mut self, root: &Path) -> Result<(), ScanError> {
        self.scope
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .roots
            .retain(|r| r != root);
        let Some(registered) = self.registrations.remove(root) else {
            return Ok(());
        };
        let Some(debouncer) = self.debouncer.as_mut() else {
            return Ok(());
        };
        for path in registered {
            match debouncer.unwatch(&path) {
                Ok(()) => {}
                // Already gone (the folder was deleted): nothing left to unwatch.
                Err(e) if matches!(e.kind, notify::ErrorKind::WatchNotFound) => {}
                Err(source) => {
                    return Err(ScanError::Watch {
                        path: root.to_path_buf(),
                        source,
                    })
                }
            }
        }
        Ok(())
    }

    /// The watched roots, as given.
    pub fn roots(&self) -> Vec<PathBuf> {
        self.scope
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .roots
            .clone()
    }

    /// Folders that could not be watched when their root was added (unreadable, or the
    /// inotify watch limit reached). Changes there are only seen by a rescan.
    pub fn issues(&self) -> &[ScanIssue] {
        &self.issues
    }
}

impl Drop for LibraryWatcher {
    fn drop(&mut self) {
        // Stopping the debouncer ends its thread, which drops the sender the translator
        // reads from; the translator then ends too.
        if let Some(debouncer) = self.debouncer.take() {
            debouncer.stop();
        }
        if let Some(handle) = self.translator.take() {
            if handle.join().is_err() {
                tracing::error!("watcher translator thread panicked");
            }
        }
    }
}

/// Registers a root with notify: recursively in one call when every folder can be watched,
/// otherwise folder by folder around the ones that cannot.
struct WatchTree<'a> {
    debouncer: &'a mut Debouncer<RecommendedWatcher, RecommendedCache>,
    follow_symlinks: bool,
    registered: &'a mut Vec<PathBuf>,
    issues: &'a mut Vec<ScanIssue>,
    visited: &'a mut HashSet<PathBuf>,
}

impl WatchTree<'_> {
    /// `Err` only when `dir` is the root (depth 0) and cannot be watched at all.
    fn watch(&mut self, dir: &Path, depth: usize) -> Result<(), notify::Error> {
        if let Ok(canonical) = fs::canonicalize(dir) {
            if !self.visited.insert(canonical) {
                return Ok(());
            }
        }
        let recursive_err = match self.debouncer.watch(dir, RecursiveMode::Recursive) {
            Ok(()) => {
                self.registered.push(dir.to_path_buf());
                return Ok(());
            }
            Err(err) => err,
        };
        // notify stops at the first folder it cannot watch; drop what it added and go on
        // folder by folder. (Not found: nothing was added.)
        let _ = self.debouncer.unwatch(dir);
        if matches!(recursive_err.kind, notify::ErrorKind::MaxFilesWatch) {
            self.issue(
                dir,
                ScanIssueKind::Other,
                "inotify watch limit reached (raise fs.inotify.max_user_watches); \
                 changes here are only seen by a rescan"
                    .into(),
            );
            return if depth == 0 {
                Err(recursive_err)
            } else {
                Ok(())
            };
        }
        if let Err(err) = self.debouncer.watch(dir, RecursiveMode::NonRecursive) {
            if depth == 0 {
                return Err(err);
            }
            self.issue(dir, ScanIssueKind::Unreadable, err.to_string());
            return Ok(());
        }
        self.registered.push(dir.to_path_buf());
        tracing::debug!(dir = %dir.display(), error = %recursive_err,
            "recursive watch failed below; watching folder by folder");
        if depth >= MAX_FALLBACK_DEPTH {
            return Ok(());
        }
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(err) => {
                self.issue(dir, ScanIssueKind::Unreadable, err.to_string());
                return Ok(());
            }
        };
        for entry in entries.flatten() {
            if is_skipped_dir(&entry.file_name()) {
                continue;
            }
            let path = entry.path();
            let is_dir = match entry.file_type() {
                Ok(t) if t.is_symlink() => self.follow_symlinks && path.is_dir(),
                Ok(t) => t.is_dir(),
                Err(_) => false,
            };
            if is_dir {
                self.watch(&path, depth + 1)?;
            }
        }
        Ok(())
    }

    fn issue(&mut self, path: &Path, kind: ScanIssueKind, message: String) {
        let issue = ScanIssue {
            path: path.to_path_buf(),
            kind,
            message,
        };
        tracing::warn!(%issue, "folder not watched");
        self.issues.push(issue);
    }
}

/// What the translator filters by; shared with [`LibraryWatcher`], which edits the roots.
#[derive(Debug)]
struct Scope {
    roots: Vec<PathBuf>,
    extensions: Vec<String>,
}

impl Scope {
    /// The innermost root holding `path`.
    fn root_of(&self, path: &Path) -> Option<&Path> {
        self.roots
            .iter()
            .filter(|r| path.starts_with(r))
            .max_by_key(|r| r.components().count())
            .map(PathBuf::as_path)
    }

    fn is_root(&self, path: &Path) -> bool {
        self.roots.iter().any(|r| r == path)
    }

    /// Under a root, with no hidden or skipped component below it.
    fn in_scope(&self, path: &Path) -> bool {
        let Some(root) = self.root_of(path) else {
            return false;
        };
        path.strip_prefix(root)
            .is_ok_and(|rel| !rel.components().any(|c| is_skipped_dir(c.as_os_str())))
    }

    fn is_photo(&self, path: &Path) -> bool {
        is_photo_path(path, &self.extensions) && self.in_scope(path)
    }
}

/// A photo waiting for its writes to settle.
#[derive(Debug)]
struct Pending {
    /// Size and change time at the last look, and since when they have been unchanged.
    signature: Option<(u64, i64)>,
    unchanged_since: Instant,
}

struct Translator {
    scope: Arc<RwLock<Scope>>,
    settle: Duration,
    pending: HashMap<PathBuf, Pending>,
    /// Recently reported upserts: the file's signature then, and when. The debouncer may
    /// release the tail of a burst (the final close after the last write) a tick after the
    /// rest; if the file is unchanged since its report, that tail is not reported again.
    released: HashMap<PathBuf, ((u64, i64), Instant)>,
}

impl Translator {
    fn run(mut self, raw: Receiver<DebounceEventResult>, tx: Sender<Vec<FsChange>>) {
        let mut wait: Option<Duration> = None;
        loop {
            let mut out = Vec::new();
            let first = match wait {
                None => raw.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(timeout) => raw.recv_timeout(timeout),
            };
            match first {
                Ok(result) => self.handle(result, &mut out),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            while let Ok(result) = raw.try_recv() {
                self.handle(result, &mut out);
            }
            wait = self.release_settled(&mut out);
            if !out.is_empty() {
                tracing::debug!(changes = ?out, "watch batch");
                if tx.send(out).is_err() {
                    return; // nobody listens any more
                }
            }
        }
    }

    fn handle(&mut self, result: DebounceEventResult, out: &mut Vec<FsChange>) {
        let scope = Arc::clone(&self.scope);
        let scope = scope.read().unwrap_or_else(PoisonError::into_inner);
        match result {
            Ok(events) => {
                for event in events {
                    self.translate(&scope, &event, out);
                }
            }
            Err(errors) => {
                for error in errors {
                    tracing::warn!(%error, "file watcher error");
                    for path in &error.paths {
                        if scope.in_scope(path) {
                            push(out, FsChange::Rescan(path.clone()));
                        }
                    }
                }
            }
        }
    }

    fn translate(&mut self, scope: &Scope, event: &DebouncedEvent, out: &mut Vec<FsChange>) {
        if event.need_rescan() {
            for root in &scope.roots {
                push(out, FsChange::Rescan(root.clone()));
            }
            return;
        }
        let Some(path) = event.paths.first() else {
            return;
        };
        match event.kind {
            EventKind::Create(_) => self.appeared(scope, path, out),
            EventKind::Modify(ModifyKind::Name(mode)) => match (mode, event.paths.get(1)) {
                (RenameMode::Both, Some(to)) => self.renamed(scope, path, to, out),
                (RenameMode::To, _) => self.appeared(scope, path, out),
                (RenameMode::From, _) => self.vanished(scope, path, None, out),
                _ => {
                    if path.exists() {
                        self.appeared(scope, path, out);
                    } else {
                        self.vanished(scope, path, None, out);
                    }
                }
            },
            EventKind::Modify(_) | EventKind::Access(AccessKind::Close(AccessMode::Write)) => {
                if scope.is_photo(path) {
                    self.pend(path);
                }
            }
            EventKind::Remove(kind) => self.vanished(scope, path, Some(kind), out),
            // Opens and reads (the indexer's own among them) and meta events.
            EventKind::Access(_) | EventKind::Any | EventKind::Other => {}
        }
    }

    /// Created or moved in from outside the roots.
    fn appeared(&mut self, scope: &Scope, path: &Path, out: &mut Vec<FsChange>) {
        if path.is_dir() {
            // Files may have landed in it before its watch was in place.
            if scope.in_scope(path) && !scope.is_root(path) {
                push(out, FsChange::Rescan(path.to_path_buf()));
            }
        } else if scope.is_photo(path) {
            self.pend(path);
        }
    }

    /// Removed, or moved out of the roots (`kind` None: we cannot know what it was).
    fn vanished(
        &mut self,
        scope: &Scope,
        path: &Path,
        kind: Option<RemoveKind>,
        out: &mut Vec<FsChange>,
    ) {
        self.drop_pending_under(path);
        if scope.is_root(path) {
            // The root itself went away (unmounted, moved, deleted): let the consumer look
            // rather than have it forget the whole library.
            push(out, FsChange::Rescan(path.to_path_buf()));
            return;
        }
        let relevant = match kind {
            Some(RemoveKind::File) => scope.is_photo(path),
            _ => scope.in_scope(path),
        };
        if relevant {
            push(out, FsChange::Removed(path.to_path_buf()));
        }
    }

    fn renamed(&mut self, scope: &Scope, from: &Path, to: &Path, out: &mut Vec<FsChange>) {
        let (from_ok, to_ok, is_dir) = match fs::metadata(to) {
            Ok(meta) if meta.is_dir() => (
                scope.in_scope(from) && !scope.is_root(from),
                scope.in_scope(to),
                true,
            ),
            Ok(_) => (scope.is_photo(from), scope.is_photo(to), false),
            // Gone again already; whatever happened to `to` comes as its own event.
            Err(_) => return self.vanished(scope, from, None, out),
        };
        match (from_ok, to_ok) {
            (true, true) => {
                self.move_pending(from, to);
                push(
                    out,
                    FsChange::Renamed {
                        from: from.to_path_buf(),
                        to: to.to_path_buf(),
                    },
                );
            }
            (true, false) => self.vanished(scope, from, None, out),
            (false, true) => {
                self.drop_pending_under(from);
                if is_dir {
                    push(out, FsChange::Rescan(to.to_path_buf()));
                } else {
                    self.pend(to);
                }
            }
            (false, false) => self.drop_pending_under(from),
        }
    }

    fn pend(&mut self, path: &Path) {
        self.pending
            .entry(path.to_path_buf())
            .or_insert_with(|| Pending {
                signature: None,
                unchanged_since: Instant::now(),
            });
    }

    fn drop_pending_under(&mut self, path: &Path) {
        self.pending.retain(|p, _| !p.starts_with(path));
    }

    fn move_pending(&mut self, from: &Path, to: &Path) {
        let moved: Vec<PathBuf> = self
            .pending
            .keys()
            .filter(|p| p.starts_with(from))
            .cloned()
            .collect();
        for old in moved {
            if let (Some(entry), Ok(rest)) = (self.pending.remove(&old), old.strip_prefix(from)) {
                let new = if rest.as_os_str().is_empty() {
                    to.to_path_buf()
                } else {
                    to.join(rest)
                };
                self.pending.insert(new, entry);
            }
        }
    }

    /// Moves every pending photo whose last change is at least `settle` old to `out`;
    /// returns how long until the next one may be due (`None`: nothing pending).
    fn release_settled(&mut self, out: &mut Vec<FsChange>) -> Option<Duration> {
        let now = Instant::now();
        let now_ns = system_time_ns(SystemTime::now());
        let mut next: Option<Duration> = None;
        let mut ready = Vec::new();
        let settle = self.settle;
        // The debouncer lags events by at most `settle` plus a tick.
        self.released
            .retain(|_, (_, at)| now.saturating_duration_since(*at) < settle * 4);
        let released = &mut self.released;
        self.pending.retain(|path, pending| {
            let meta = match fs::metadata(path) {
                Ok(meta) => meta,
                // Deleted before it settled: its removal (if it was ever known) is an event
                // of its own.
                Err(e) if e.kind() == io::ErrorKind::NotFound => return false,
                Err(_) => {
                    ready.push(path.clone()); // the consumer records why it cannot read it
                    return false;
                }
            };
            if meta.is_dir() {
                return false;
            }
            let changed_ns = change_time_ns(&meta);
            let signature = (meta.len(), changed_ns);
            if pending.signature != Some(signature) {
                pending.signature = Some(signature);
                pending.unchanged_since = now;
            }
            let age_ns = now_ns.saturating_sub(changed_ns);
            let remaining = if age_ns >= 0 {
                settle.saturating_sub(Duration::from_nanos(age_ns.unsigned_abs()))
            } else {
                // Change time in the future (clock skew): fall back to our own observation.
                settle.saturating_sub(now.saturating_duration_since(pending.unchanged_since))
            };
            if remaining.is_zero() {
                let repeat = released.get(path).is_some_and(|(sig, _)| *sig == signature);
                if !repeat {
                    released.insert(path.clone(), (signature, now));
                    ready.push(path.clone());
                }
                false
            } else {
                next = Some(next.map_or(remaining, |n| n.min(remaining)));
                true
            }
        });
        ready.sort();
        for path in ready {
            push(out, FsChange::Upserted(path));
        }
        next.map(|n| n.max(Duration::from_millis(5)))
    }
}

/// Appends unless it repeats the previous change.
fn push(out: &mut Vec<FsChange>, change: FsChange) {
    if out.last() != Some(&change) {
        out.push(change);
    }
}

/// When the file last changed in any way. On Unix the inode change time, which every
/// write updates and which, unlike the modification time, cannot be set by `touch -d` or
/// preserved by a copy.
#[cfg(unix)]
fn change_time_ns(meta: &fs::Metadata) -> i64 {
    use std::os::unix::fs::MetadataExt;
    meta.ctime()
        .saturating_mul(1_000_000_000)
        .saturating_add(meta.ctime_nsec())
}

#[cfg(not(unix))]
fn change_time_ns(meta: &fs::Metadata) -> i64 {
    crate::walk::mtime_ns(meta)
}
