//! Walking one library root.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use walkdir::WalkDir;

use crate::filter::{is_hidden, is_photo_path, is_skipped_dir};
use crate::ScanError;

/// A photo file found on disk: what the catalog compares to decide whether to re-index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCandidate {
    /// The path as reached from the root (through symbolic links, not canonicalised).
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch (negative before 1970).
    pub mtime_ns: i64,
}

/// What went wrong with one entry below a root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanIssueKind {
    /// A symbolic link leads back to one of its own ancestors; it was not followed.
    SymlinkLoop,
    /// A folder (or file) could not be read: permissions or an I/O error.
    Unreadable,
    /// The entry was listed but gone when it was looked at (deleted or moved mid-scan).
    Vanished,
    /// Something listed as a folder turned out not to be one.
    NotADirectory,
    /// Anything else (a broken symbolic link, an unexpected OS error).
    Other,
}

impl ScanIssueKind {
    /// A stable machine-readable code: `"symlink_loop"`, `"unreadable"`, `"vanished"`,
    /// `"not_a_directory"`, `"other"`.
    pub fn code(&self) -> &'static str {
        match self {
            ScanIssueKind::SymlinkLoop => "symlink_loop",
            ScanIssueKind::Unreadable => "unreadable",
            ScanIssueKind::Vanished => "vanished",
            ScanIssueKind::NotADirectory => "not_a_directory",
            ScanIssueKind::Other => "other",
        }
    }
}

/// A problem below a root, recorded instead of failing the walk.
#[derive(Debug, Clone)]
pub struct ScanIssue {
    /// The entry the problem is about.
    pub path: PathBuf,
    /// Its class.
    pub kind: ScanIssueKind,
    /// A human-readable explanation (the OS error, the loop's target).
    pub message: String,
}

impl std::fmt::Display for ScanIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} ({})",
            self.path.display(),
            self.message,
            self.kind.code()
        )
    }
}

/// How to walk (and watch) a root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanOptions {
    /// Lower-case extensions of the files to report. This crate has no list of its own: the
    /// caller passes the decoder's (`likeness_imaging::PHOTO_EXTENSIONS`).
    pub extensions: Vec<String>,
    /// Follow symbolic links to folders and files (`true` from [`ScanOptions::new`]; loops
    /// are detected).
    pub follow_symlinks: bool,
}

impl ScanOptions {
    /// Report files with these (lower-case) extensions, following symbolic links.
    pub fn new(extensions: &[&str]) -> Self {
        ScanOptions {
            extensions: extensions.iter().map(|e| (*e).to_owned()).collect(),
            follow_symlinks: true,
        }
    }

    /// The extensions as the `&[&str]` that [`is_photo_path`] takes.
    pub fn extension_refs(&self) -> Vec<&str> {
        self.extensions.iter().map(String::as_str).collect()
    }
}

/// `stat` (following symbolic links) → the candidate's size and modification time.
pub fn file_candidate(path: &Path) -> io::Result<FileCandidate> {
    let meta = fs::metadata(path)?;
    Ok(FileCandidate {
        path: path.to_path_buf(),
        size: meta.len(),
        mtime_ns: mtime_ns(&meta),
    })
}

/// Modification time in nanoseconds since the epoch; 0 where the platform has none.
pub(crate) fn mtime_ns(meta: &fs::Metadata) -> i64 {
    match meta.modified() {
        Ok(t) => system_time_ns(t),
        Err(_) => 0,
    }
}

pub(crate) fn system_time_ns(t: SystemTime) -> i64 {
    let ns = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    };
    ns.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

/// Walks one root and calls `on_file` for every photo file below it.
///
/// Hidden files and folders and [`is_skipped_dir`] folders are not entered (the root itself
/// always is). Problems below the root become [`ScanIssue`]s (returned at the end); only an
/// unusable root (missing, not a folder, unreadable) is an `Err`. `cancel` is checked before
/// every entry; once set, the walk stops and returns `Ok` with the issues so far.
///
/// Cost: one `readdir` per folder and one `stat` per photo file (plus one per followed
/// symbolic link); nothing is read from the files.
pub fn walk_root(
    root: &Path,
    options: &ScanOptions,
    cancel: &AtomicBool,
    on_file: &mut dyn FnMut(FileCandidate),
) -> Result<Vec<ScanIssue>, ScanError> {
    let meta = fs::metadata(root).map_err(|e| ScanError::from_root_io(root, e))?;
    if !meta.is_dir() {
        return Err(ScanError::NotADirectory {
            path: root.to_path_buf(),
        });
    }
    let extensions = options.extension_refs();
    let mut issues = Vec::new();
    let walker = WalkDir::new(root)
        .follow_links(options.follow_symlinks)
        .into_iter()
        .filter_entry(|entry| entry.depth() == 0 || !is_skipped_entry(entry));
    for item in walker {
        if cancel.load(Ordering::Relaxed) {
            tracing::debug!(root = %root.display(), "walk cancelled");
            break;
        }
        let entry = match item {
            Ok(entry) => entry,
            Err(err) => {
                if err.depth() == 0 {
                    return Err(root_error(root, err));
                }
                if let Some(issue) = issue_from_walk_error(root, err) {
                    tracing::warn!(%issue, "scan issue");
                    issues.push(issue);
                }
                continue;
            }
        };
        // With `follow_links`, a link's file type is its target's, so linked photos count.
        if !entry.file_type().is_file() || !is_photo_path(entry.path(), &extensions) {
            continue;
        }
        match entry.metadata() {
            Ok(meta) => on_file(FileCandidate {
                size: meta.len(),
                mtime_ns: mtime_ns(&meta),
                path: entry.into_path(),
            }),
            Err(err) => {
                if let Some(issue) = issue_from_walk_error(root, err) {
                    tracing::warn!(%issue, "scan issue");
                    issues.push(issue);
                }
            }
        }
    }
    Ok(issues)
}

fn is_skipped_entry(entry: &walkdir::DirEntry) -> bool {
    if entry.file_type().is_dir() {
        is_skipped_dir(entry.file_name())
    } else {
        is_hidden(entry.file_name())
    }
}

fn root_error(root: &Path, err: walkdir::Error) -> ScanError {
    match err.into_io_error() {
        Some(io) => ScanError::from_root_io(root, io),
        None => ScanError::RootUnreadable {
            path: root.to_path_buf(),
            source: io::Error::other("symbolic link loop at the library root"),
        },
    }
}

/// Classifies a walk error; `None` when it lies inside a folder that is skipped anyway
/// (walkdir reports a link's loop before the entry filter sees its name).
fn issue_from_walk_error(root: &Path, err: walkdir::Error) -> Option<ScanIssue> {
    let path = err.path().map(Path::to_path_buf).unwrap_or_default();
    if let Ok(rel) = path.strip_prefix(root) {
        if rel.components().any(|c| is_skipped_dir(c.as_os_str())) {
            return None;
        }
    }
    if let Some(ancestor) = err.loop_ancestor() {
        let message = format!(
            "symbolic link loops back to its ancestor {}",
            ancestor.display()
        );
        return Some(ScanIssue {
            path,
            kind: ScanIssueKind::SymlinkLoop,
            message,
        });
    }
    let (kind, message) = match err.io_error() {
        Some(io) => {
            let kind = match io.kind() {
                io::ErrorKind::PermissionDenied => ScanIssueKind::Unreadable,
                io::ErrorKind::NotFound => {
                    if is_broken_link(&path) {
                        return Some(ScanIssue {
                            message: format!("broken symbolic link: {io}"),
                            path,
                            kind: ScanIssueKind::Other,
                        });
                    }
                    ScanIssueKind::Vanished
                }
                io::ErrorKind::NotADirectory => ScanIssueKind::NotADirectory,
                _ => ScanIssueKind::Other,
            };
            (kind, io.to_string())
        }
        None => (ScanIssueKind::Other, err.to_string()),
    };
    Some(ScanIssue {
        path,
        kind,
        message,
    })
}

fn is_broken_link(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) && !path.exists()
}
