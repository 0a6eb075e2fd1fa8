//! The library and its jobs: folders, counts, scanning, indexing progress and results, the
//! watch stream, `status`.

use serde::Serialize;
use ts_rs::TS;

use likeness_engine::catalog::{CatalogStatus, FailureRow, JobRow, JobState, Root, ScanIssueRow};
use likeness_engine::{
    IndexPhase, IndexProgress, IndexSummary, LibraryPaths, ScanSummary, WatchEvent,
};

use crate::error::ApiError;
use crate::people::ClusterDto;

/// What the UI shows about the app itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// Product name, as in `tauri.conf.json`.
    pub name: String,
    /// Version of this build, as in `tauri.conf.json` (which follows the crate version).
    pub version: String,
}

/// A library folder.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RootDto {
    pub path: String,
    pub added_at: i64,
    pub last_scan_at: Option<i64>,
}

impl From<&Root> for RootDto {
    fn from(r: &Root) -> Self {
        Self {
            path: r.path.display().to_string(),
            added_at: r.added_at,
            last_scan_at: r.last_scan_at,
        }
    }
}

/// What the library holds, and whether indexing runs right now.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LibraryDto {
    pub roots: Vec<RootDto>,
    pub photos: u64,
    pub faces: u64,
    pub people: u64,
    pub pending: u64,
    pub failed: u64,
    pub indexing: bool,
}

impl LibraryDto {
    pub fn new(roots: &[Root], s: &CatalogStatus, indexing: bool) -> Self {
        Self {
            roots: roots.iter().map(RootDto::from).collect(),
            photos: s.photos,
            faces: s.faces,
            people: s.people,
            pending: s.pending,
            failed: s.failed,
            indexing,
        }
    }
}

/// One failed file, or one problem of a scan (a folder that could not be read…).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FailureDto {
    pub path: String,
    pub code: String,
    pub message: String,
}

impl From<&FailureRow> for FailureDto {
    fn from(f: &FailureRow) -> Self {
        Self {
            path: f.path.display().to_string(),
            code: f.code.clone(),
            message: f.message.clone(),
        }
    }
}

impl From<&ScanIssueRow> for FailureDto {
    fn from(i: &ScanIssueRow) -> Self {
        Self {
            path: i.path.display().to_string(),
            code: i.code.clone(),
            message: i.message.clone(),
        }
    }
}

/// What a scan of the folders found.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ScanDto {
    #[ts(type = "number")]
    pub roots: usize,
    pub files_found: u64,
    pub added: u64,
    pub changed: u64,
    pub removed: u64,
    pub issues: u64,
    pub cancelled: bool,
}

impl From<&ScanSummary> for ScanDto {
    fn from(s: &ScanSummary) -> Self {
        Self {
            roots: s.roots,
            files_found: s.files_found,
            added: s.added,
            changed: s.changed,
            removed: s.removed,
            issues: s.issues,
            cancelled: s.cancelled,
        }
    }
}

/// Where an indexing job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "IndexPhase")]
pub enum IndexPhaseDto {
    Scanning,
    Indexing,
    Watching,
    Done,
}

impl From<IndexPhase> for IndexPhaseDto {
    fn from(p: IndexPhase) -> Self {
        match p {
            IndexPhase::Scanning => Self::Scanning,
            IndexPhase::Indexing => Self::Indexing,
            IndexPhase::Watching => Self::Watching,
            IndexPhase::Done => Self::Done,
        }
    }
}

/// A progress sample of the indexing job.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProgressDto {
    pub phase: IndexPhaseDto,
    pub files_found: u64,
    /// Photos finished.
    pub done: u64,
    /// Photos to do in this run.
    pub total: u64,
    /// Faces found so far.
    pub faces: u64,
    pub reused: u64,
    pub errors: u64,
    /// Photos per second.
    pub rate: f64,
    pub eta_seconds: Option<f64>,
    pub paused: bool,
    /// Where the models run ("CPU", "CUDA (GPU)", …), once known.
    pub provider: Option<String>,
    /// Why they run on the CPU, when they do ("running on CPU: …").
    pub cpu_reason: Option<String>,
    /// The GPU failed during this run; the rest of it runs on the CPU, no photo lost.
    pub fell_back: bool,
}

impl From<&IndexProgress> for ProgressDto {
    fn from(p: &IndexProgress) -> Self {
        Self {
            phase: p.phase.into(),
            files_found: p.files_found,
            done: p.photos_done,
            total: p.photos_total,
            faces: p.faces_found,
            reused: p.reused,
            errors: p.errors,
            rate: p.rate,
            eta_seconds: p.eta.map(|d| d.as_secs_f64()),
            paused: p.paused,
            provider: p.provider.map(|p| p.label().to_string()),
            cpu_reason: p.cpu_reason.clone(),
            fell_back: p.fell_back,
        }
    }
}

/// What a finished indexing run did (`likeness index`, the desktop's `finished` event).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IndexDoneDto {
    /// The scan that came first (none with `--no-scan`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub scan: Option<ScanDto>,
    /// Photo files under the folders (0 without a scan).
    pub files_found: u64,
    pub photos: u64,
    pub analyzed: u64,
    pub reused: u64,
    pub faces: u64,
    pub errors: u64,
    pub cancelled: bool,
    pub seconds: f64,
    /// Files still waiting (after a cancel), when the front end looked.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub pending: Option<u64>,
    pub provider: String,
    /// The GPU failed during the run and the rest ran on the CPU (no photo lost).
    pub fell_back_to_cpu: bool,
    /// New faces matched at once to a confirmed person / suggested for one.
    pub matched: u64,
    pub suggested: u64,
    /// People groups after the clustering that followed (0 when it did not run).
    pub clusters: u64,
    /// The clustering run that followed (faces had changed), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub clustering: Option<ClusterDto>,
}

impl IndexDoneDto {
    /// `seconds`: the whole run as the front end timed it (scan included), or `s.elapsed`.
    pub fn new(
        scan: Option<&ScanSummary>,
        s: &IndexSummary,
        pending: Option<u64>,
        provider: &str,
        seconds: f64,
    ) -> Self {
        Self {
            scan: scan.map(ScanDto::from),
            files_found: scan.map_or(0, |s| s.files_found),
            photos: s.photos,
            analyzed: s.analyzed,
            reused: s.reused,
            faces: s.faces,
            errors: s.errors,
            cancelled: s.cancelled || scan.is_some_and(|s| s.cancelled),
            seconds,
            pending,
            provider: provider.to_string(),
            fell_back_to_cpu: s.fell_back_to_cpu,
            matched: s.matched,
            suggested: s.suggested,
            clusters: s.clustering.as_ref().map_or(0, |c| c.clusters),
            clustering: s.clustering.as_ref().map(ClusterDto::from),
        }
    }
}

/// The messages of the desktop's indexing channel.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "event", content = "data", rename_all = "camelCase")]
pub enum IndexEvent {
    /// The face models are loading (before the first progress sample).
    Loading,
    Progress(ProgressDto),
    Finished(IndexDoneDto),
    Failed(ApiError),
}

/// What happens while the folders are followed (`likeness index --watch --json` lines, the
/// desktop's watch channel).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(
    tag = "event",
    content = "data",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
#[ts(rename = "WatchEvent")]
pub enum WatchEventDto {
    /// The first scan finished.
    Scanned(ScanDto),
    /// A batch of file-system changes was applied to the catalog.
    Applied {
        upserted: u64,
        removed: u64,
        moved: u64,
        rescanned: u64,
    },
    /// New or changed photos were indexed.
    Indexed {
        photos: u64,
        analyzed: u64,
        reused: u64,
        faces: u64,
        errors: u64,
        seconds: f64,
        /// New faces matched at once to a confirmed person / suggested.
        matched: u64,
        suggested: u64,
    },
    /// Faces were grouped again: People may have changed.
    Clustered(ClusterDto),
    /// Nothing left to do until the next change.
    Idle,
    /// Following the folders (the desktop sends it once the watcher runs and after each batch).
    Watching,
    /// A progress sample (the CLI's `--progress json`).
    Progress(ProgressDto),
    /// Watching stopped (cancelled, or failed with the error).
    Stopped(Option<ApiError>),
}

impl From<&WatchEvent> for WatchEventDto {
    fn from(e: &WatchEvent) -> Self {
        match e {
            WatchEvent::Scanned(s) => Self::Scanned(s.into()),
            WatchEvent::Applied {
                upserted,
                removed,
                moved,
                rescanned,
            } => Self::Applied {
                upserted: *upserted,
                removed: *removed,
                moved: *moved,
                rescanned: *rescanned,
            },
            WatchEvent::Indexed(s) => Self::Indexed {
                photos: s.photos,
                analyzed: s.analyzed,
                reused: s.reused,
                faces: s.faces,
                errors: s.errors,
                seconds: s.elapsed.as_secs_f64(),
                matched: s.matched,
                suggested: s.suggested,
            },
            WatchEvent::Clustered(s) => Self::Clustered(s.into()),
            WatchEvent::Idle => Self::Idle,
        }
    }
}

/// running | completed | cancelled | interrupted | failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "JobState")]
pub enum JobStateDto {
    Running,
    Completed,
    Cancelled,
    Interrupted,
    Failed,
}

impl From<JobState> for JobStateDto {
    fn from(s: JobState) -> Self {
        match s {
            JobState::Running => Self::Running,
            JobState::Completed => Self::Completed,
            JobState::Cancelled => Self::Cancelled,
            JobState::Interrupted => Self::Interrupted,
            JobState::Failed => Self::Failed,
        }
    }
}

impl JobStateDto {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
            Self::Interrupted => "interrupted",
            Self::Failed => "failed",
        }
    }
}

/// The last indexing job.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct JobDto {
    pub state: JobStateDto,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub photos_done: u64,
    pub photos_total: u64,
    pub faces: u64,
    pub errors: u64,
}

impl From<&JobRow> for JobDto {
    fn from(j: &JobRow) -> Self {
        Self {
            state: j.state.into(),
            started_at: j.started_at,
            finished_at: j.finished_at,
            photos_done: j.counts.photos_done,
            photos_total: j.counts.photos_total,
            faces: j.counts.faces,
            errors: j.counts.errors,
        }
    }
}

/// `likeness status`: where the library is and what it holds.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StatusDto {
    pub catalog: String,
    pub cache: String,
    pub roots: Vec<String>,
    pub files: u64,
    pub pending: u64,
    pub indexed: u64,
    pub failed: u64,
    pub photos: u64,
    pub faces: u64,
    pub people: u64,
    pub orphan_photos: u64,
    pub scan_issues: u64,
    pub last_index_job: Option<JobDto>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<FailureDto>>", optional)]
    pub failures: Vec<FailureDto>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<FailureDto>>", optional)]
    pub problems: Vec<FailureDto>,
}

impl StatusDto {
    pub fn new(
        paths: &LibraryPaths,
        roots: &[Root],
        s: &CatalogStatus,
        job: Option<&JobRow>,
        failures: &[FailureRow],
        issues: &[ScanIssueRow],
    ) -> Self {
        Self {
            catalog: paths.catalog.display().to_string(),
            cache: paths.cache.display().to_string(),
            roots: roots.iter().map(|r| r.path.display().to_string()).collect(),
            files: s.files,
            pending: s.pending,
            indexed: s.indexed,
            failed: s.failed,
            photos: s.photos,
            faces: s.faces,
            people: s.people,
            orphan_photos: s.orphan_photos,
            scan_issues: s.scan_issues,
            last_index_job: job.map(JobDto::from),
            failures: failures.iter().map(FailureDto::from).collect(),
            problems: issues.iter().map(FailureDto::from).collect(),
        }
    }
}
