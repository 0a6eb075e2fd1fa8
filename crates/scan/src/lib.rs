//! Finds photo files under library roots and watches them for changes.
//!
//! This crate's whole job is the file system side of a library: which files are photos,
//! which folders are never entered, what a file's size, modification time and content hash
//! are, and what changed while the app runs. It knows nothing of databases, images or
//! pixels: it never opens a photo to look inside (only [`hash_file`] reads bytes, to hash
//! them), and it hands out plain data ([`FileCandidate`], [`ScanIssue`], [`FsChange`]) that
//! the catalog and the indexer interpret.
//!
//! # Walking ([`walk_root`])
//! - A file is a photo when its extension (case-insensitively) is in
//!   [`ScanOptions::extensions`]; the content is never sniffed here. The list is the caller's:
//!   the engine passes `likeness_imaging::PHOTO_EXTENSIONS` (what the decoder decodes), the
//!   only photo-extension list of the project.
//! - Hidden entries (name starting with `.`) and system, trash and thumbnail folders
//!   ([`is_skipped_dir`]: `@eaDir`, `#recycle`, `$RECYCLE.BIN`, `lost+found`, …) are never
//!   entered; the root itself is exempt (a root may be a hidden folder).
//! - Symbolic links are followed by default, loops are detected and reported once per loop
//!   as [`ScanIssueKind::SymlinkLoop`]; a file reachable through two links is reported under
//!   both paths (the content hash tells they are the same photo).
//! - A problem below the root (unreadable folder, entry vanishing between the directory
//!   listing and its `stat`, broken link) is a [`ScanIssue`] and the walk goes on; only an
//!   unusable root is an `Err`. Cancelling returns `Ok` with what was found so far.
//!
//! ```
//! use std::sync::atomic::AtomicBool;
//! use likeness_scan::{walk_root, ScanOptions};
//! # let dir = tempfile::tempdir()?;
//! # std::fs::write(dir.path().join("IMG_0001.JPG"), b"jpeg bytes")?;
//! # std::fs::write(dir.path().join("notes.txt"), b"text")?;
//! # let root = dir.path();
//! let cancel = AtomicBool::new(false);
//! let mut found = Vec::new();
//! let options = ScanOptions::new(&["jpg", "png"]);
//! let issues = walk_root(root, &options, &cancel, &mut |c| found.push(c))?;
//! assert_eq!(found.len(), 1); // IMG_0001.JPG, with its size and mtime
//! assert!(issues.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Watching ([`LibraryWatcher`])
//! Built on `notify` (inotify on Linux, FSEvents on macOS, ReadDirectoryChangesW on
//! Windows) and `notify-debouncer-full`, which pairs the two halves of a rename. On top of
//! that this crate filters to photo files and folders outside skipped folders, turns raw
//! events into [`FsChange`]s, and holds each [`FsChange::Upserted`] back until the file has
//! not changed for the debounce time (its change time, `ctime`, is that old), so a file
//! copied or written in pieces is reported once, after the writes settle.
//!
//! What the watcher cannot see, and what the caller must cover with a rescan
//! ([`walk_root`] plus the catalog's size + mtime comparison):
//! - changes made while the app is not running;
//! - network shares (SMB, NFS, sshfs) and most FUSE file systems: the kernel sends no
//!   events for changes made by other machines;
//! - anything after the kernel queue overflows or the inotify watch limit
//!   (`fs.inotify.max_user_watches`) is reached: the watcher then reports
//!   [`FsChange::Rescan`] for the roots, or logs the error;
//! - files created inside a brand-new folder before its watch is in place: every new or
//!   moved-in folder is therefore reported as [`FsChange::Rescan`];
//! - a folder that cannot be read is not watched (it is logged and kept in
//!   [`LibraryWatcher::issues`]).
//!
//! A path in [`FsChange::Removed`] may name something that never held photos (a folder, or
//! a non-photo file moved out of a root, whose type can no longer be known); removing
//! whatever the catalog holds under it is always correct.

mod error;
mod filter;
mod hash;
mod walk;
mod watch;

pub use error::ScanError;
pub use filter::{is_photo_path, is_skipped_dir};
pub use hash::{hash_bytes, hash_file};
pub use walk::{file_candidate, walk_root, FileCandidate, ScanIssue, ScanIssueKind, ScanOptions};
pub use watch::{FsChange, LibraryWatcher, DEFAULT_DEBOUNCE};
