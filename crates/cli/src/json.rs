//! DTOs: the only place the CLI's wire format is defined. Core types are converted here.

use serde::Serialize;

use likeness_engine::catalog::{
    CatalogStatus, EditRow, EditSummary, FaceRow, FailureRow, JobRow, JobState, PersonSummary,
    PhotoHit, Provenance, Root, ScanIssueRow, SuggestionRow,
};
use likeness_engine::catalog::{FaceId, ImportConflictReason};
use likeness_engine::people::PersonEdit;
use likeness_engine::xmp::{
    ExportOutcome, ExportSummary, ImportAction, ImportSummary, ImportWarning, ManualEmbedding,
    RegionOrigin,
};
use likeness_engine::PhotoFaces;
use likeness_engine::ReclusterSummary;
use likeness_engine::{
    Detection, EngineError, IndexPhase, IndexProgress, LibraryPaths, ScanSummary, WatchEvent,
};

#[derive(Debug, Serialize)]
pub struct FaceDto {
    /// `[x1, y1, x2, y2]` in the upright image's pixels.
    #[serde(rename = "box")]
    pub bbox: [f64; 4],
    pub score: f32,
    /// Eye (image left), eye (image right), nose tip, mouth corner (image left), mouth corner (image right).
    pub landmarks: [[f64; 2]; 5],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embedding: Option<Vec<f32>>,
}

impl FaceDto {
    pub fn new(d: &Detection, embedding: Option<&[f32]>) -> Self {
        Self {
            bbox: [d.bbox.x1, d.bbox.y1, d.bbox.x2, d.bbox.y2],
            score: d.score,
            landmarks: d.landmarks.map(|p| [p.x, p.y]),
            embedding: embedding.map(<[f32]>::to_vec),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ErrorDto {
    /// Stable machine-readable class (`EngineError::code`): not_found, permission_denied, io,
    /// empty, unknown_format, unsupported_format, too_large, file_too_large, decode,
    /// no_preview, model, runtime, inference, catalog, scan, cancelled, …
    pub code: &'static str,
    pub message: String,
}

impl ErrorDto {
    pub fn new(e: &EngineError) -> Self {
        Self {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct PhotoDto {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orientation: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub faces: Option<Vec<FaceDto>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDto>,
}

impl PhotoDto {
    pub fn ok(p: &PhotoFaces) -> Self {
        Self {
            path: p.path.display().to_string(),
            width: Some(p.width),
            height: Some(p.height),
            orientation: Some(p.exif.orientation.0),
            faces: Some(
                p.faces
                    .iter()
                    .map(|f| {
                        FaceDto::new(&f.detection, f.embedding.as_ref().map(|e| e.0.as_slice()))
                    })
                    .collect(),
            ),
            error: None,
        }
    }

    pub fn failed(path: &std::path::Path, e: &EngineError) -> Self {
        Self {
            path: path.display().to_string(),
            width: None,
            height: None,
            orientation: None,
            faces: None,
            error: Some(ErrorDto::new(e)),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct CompareDto {
    pub a: String,
    pub b: String,
    pub distance: f32,
    pub threshold: f32,
    pub same_person: bool,
}

#[derive(Debug, Serialize)]
pub struct ModelDto {
    pub name: String,
    pub path: String,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ProviderDto {
    pub provider: &'static str,
    pub used: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct DoctorDto {
    pub ok: bool,
    pub runtime_library: Result<String, String>,
    pub runtime_version: Option<String>,
    pub models_dir: Result<String, String>,
    pub models: Vec<ModelDto>,
    pub providers_tried: Vec<ProviderDto>,
    pub active_provider: Option<&'static str>,
}

#[derive(Debug, Serialize)]
pub struct RootDto {
    pub path: String,
    pub added_at: i64,
    pub last_scan_at: Option<i64>,
}

impl RootDto {
    pub fn new(r: &Root) -> Self {
        Self {
            path: r.path.display().to_string(),
            added_at: r.added_at,
            last_scan_at: r.last_scan_at,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ScanDto {
    pub roots: usize,
    pub files_found: u64,
    pub added: u64,
    pub changed: u64,
    pub removed: u64,
    pub issues: u64,
    pub cancelled: bool,
}

impl ScanDto {
    pub fn new(s: &ScanSummary) -> Self {
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

#[derive(Debug, Serialize)]
pub struct IndexDto {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan: Option<ScanDto>,
    pub photos: u64,
    pub analyzed: u64,
    pub reused: u64,
    pub faces: u64,
    pub errors: u64,
    pub cancelled: bool,
    pub seconds: f64,
    /// Files still waiting (after a cancel).
    pub pending: u64,
    pub provider: String,
    /// New faces matched at once to a confirmed person / suggested for one.
    pub matched: u64,
    pub suggested: u64,
    /// The clustering run that followed (faces had changed), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clustering: Option<ClusterDto>,
}

#[derive(Debug, Serialize)]
#[serde(tag = "event", content = "data", rename_all = "snake_case")]
pub enum WatchEventDto {
    Scanned(ScanDto),
    Applied {
        upserted: u64,
        removed: u64,
        moved: u64,
        rescanned: u64,
    },
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
    Clustered(ClusterDto),
    Idle,
    Progress(ProgressDto),
}

impl WatchEventDto {
    pub fn new(e: &WatchEvent) -> Self {
        match e {
            WatchEvent::Scanned(s) => Self::Scanned(ScanDto::new(s)),
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
            WatchEvent::Clustered(s) => Self::Clustered(ClusterDto::new(s)),
            WatchEvent::Idle => Self::Idle,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ProgressDto {
    pub phase: &'static str,
    pub files_found: u64,
    pub photos_done: u64,
    pub photos_total: u64,
    pub faces_found: u64,
    pub reused: u64,
    pub errors: u64,
    pub rate: f64,
    pub eta_seconds: Option<f64>,
    pub paused: bool,
    pub provider: Option<String>,
}

impl ProgressDto {
    pub fn new(p: &IndexProgress) -> Self {
        Self {
            phase: match p.phase {
                IndexPhase::Scanning => "scanning",
                IndexPhase::Indexing => "indexing",
                IndexPhase::Watching => "watching",
                IndexPhase::Done => "done",
            },
            files_found: p.files_found,
            photos_done: p.photos_done,
            photos_total: p.photos_total,
            faces_found: p.faces_found,
            reused: p.reused,
            errors: p.errors,
            rate: p.rate,
            eta_seconds: p.eta.map(|d| d.as_secs_f64()),
            paused: p.paused,
            provider: p.provider.map(|p| p.label().to_string()),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct FailureDto {
    pub path: String,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Serialize)]
pub struct JobDto {
    pub state: &'static str,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub photos_done: u64,
    pub photos_total: u64,
    pub faces: u64,
    pub errors: u64,
}

#[derive(Debug, Serialize)]
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
    pub failures: Vec<FailureDto>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
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
            last_index_job: job.map(|j| JobDto {
                state: match j.state {
                    JobState::Running => "running",
                    JobState::Completed => "completed",
                    JobState::Cancelled => "cancelled",
                    JobState::Interrupted => "interrupted",
                    JobState::Failed => "failed",
                },
                started_at: j.started_at,
                finished_at: j.finished_at,
                photos_done: j.counts.photos_done,
                photos_total: j.counts.photos_total,
                faces: j.counts.faces,
                errors: j.counts.errors,
            }),
            failures: failures
                .iter()
                .map(|f| FailureDto {
                    path: f.path.display().to_string(),
                    code: f.code.clone(),
                    message: f.message.clone(),
                })
                .collect(),
            problems: issues
                .iter()
                .map(|i| FailureDto {
                    path: i.path.display().to_string(),
                    code: i.code.clone(),
                    message: i.message.clone(),
                })
                .collect(),
        }
    }

    pub fn print(&self) {
        println!("catalog  {}", self.catalog);
        println!("cache    {}", self.cache);
        for r in &self.roots {
            println!("folder   {r}");
        }
        println!(
            "files    {} ({} indexed, {} pending, {} failed)",
            self.files, self.indexed, self.pending, self.failed
        );
        println!("photos   {} with {} faces", self.photos, self.faces);
        println!("people   {}", self.people);
        if let Some(j) = &self.last_index_job {
            println!(
                "last run {}: {}/{} photos, {} faces, {} errors",
                j.state, j.photos_done, j.photos_total, j.faces, j.errors
            );
        }
        if self.scan_issues > 0 {
            println!(
                "problems {} (folders that could not be read…)",
                self.scan_issues
            );
        }
        for f in &self.failures {
            println!("failed   {} [{}] {}", f.path, f.code, f.message);
        }
        for f in &self.problems {
            println!("problem  {} [{}] {}", f.path, f.code, f.message);
        }
    }
}

#[derive(Debug, Serialize)]
pub struct PhotoHitDto {
    pub path: String,
    pub taken_at: Option<String>,
    pub width: u32,
    pub height: u32,
    pub hash: String,
}

impl PhotoHitDto {
    pub fn new(h: &PhotoHit) -> Self {
        Self {
            path: h.path.display().to_string(),
            taken_at: h.taken_at.clone(),
            width: h.width,
            height: h.height,
            hash: h.hash.to_hex(),
        }
    }
}

// ---- people ------------------------------------------------------------------------------

fn provenance(p: Provenance) -> &'static str {
    match p {
        Provenance::Confirmed => "confirmed",
        Provenance::Automatic => "automatic",
        Provenance::Suggested => "suggested",
    }
}

/// What `likeness cluster` (or indexing, once it settled) did.
#[derive(Debug, Serialize)]
pub struct ClusterDto {
    pub faces: u64,
    pub anchors: u64,
    pub not_faces: u64,
    pub clustered: u64,
    pub clusters: u64,
    pub noise: u64,
    pub to_people: u64,
    pub suggested_clusters: u64,
    pub unnamed: u64,
    pub assigned: u64,
    pub suggested: u64,
    pub people_created: u64,
    pub people_removed: u64,
    pub seconds: f64,
}

impl ClusterDto {
    pub fn new(s: &ReclusterSummary) -> Self {
        Self {
            faces: s.faces,
            anchors: s.anchors,
            not_faces: s.not_faces,
            clustered: s.clustered,
            clusters: s.clusters,
            noise: s.noise,
            to_people: s.to_people,
            suggested_clusters: s.suggested_clusters,
            unnamed: s.unnamed,
            assigned: s.assigned,
            suggested: s.suggested,
            people_created: s.people_created,
            people_removed: s.people_removed,
            seconds: s.elapsed.as_secs_f64(),
        }
    }
}

/// One person on the People page.
#[derive(Debug, Serialize)]
pub struct PersonDto {
    pub id: i64,
    /// `null` for an unnamed cluster.
    pub name: Option<String>,
    pub hidden: bool,
    /// Confirmed + automatic faces on live photos.
    pub faces: u64,
    pub photos: u64,
    /// Open "Is this X?" suggestions.
    pub suggested: u64,
    pub cover_face: Option<i64>,
}

impl PersonDto {
    pub fn new(p: &PersonSummary) -> Self {
        Self {
            id: p.id,
            name: p.name.clone(),
            hidden: p.hidden,
            faces: p.faces,
            photos: p.photos,
            suggested: p.suggested,
            cover_face: p.cover_face,
        }
    }
}

/// A face as the people commands show it.
#[derive(Debug, Serialize)]
pub struct PersonFaceDto {
    pub id: i64,
    pub photo: i64,
    /// A live file holding the photo (if any).
    pub path: Option<String>,
    #[serde(rename = "box")]
    pub bbox: [f32; 4],
    pub score: f32,
    /// confirmed | automatic | suggested.
    pub provenance: Option<&'static str>,
    pub not_face: bool,
}

impl PersonFaceDto {
    pub fn new(f: &FaceRow, path: Option<String>) -> Self {
        Self {
            id: f.id,
            photo: f.photo,
            path,
            bbox: f.bbox,
            score: f.score,
            provenance: f.person.map(|(_, p)| provenance(p)),
            not_face: f.not_face,
        }
    }
}

/// "Is this X?"
#[derive(Debug, Serialize)]
pub struct SuggestionDto {
    pub face: i64,
    pub photo: i64,
    pub path: Option<String>,
    pub person: i64,
    pub name: String,
    pub confidence: Option<f32>,
}

impl SuggestionDto {
    pub fn new(s: &SuggestionRow, path: Option<String>) -> Self {
        Self {
            face: s.face,
            photo: s.photo,
            path,
            person: s.person,
            name: s.name.clone(),
            confidence: s.confidence,
        }
    }
}

/// `likeness people show`.
#[derive(Debug, Serialize)]
pub struct PersonDetailDto {
    pub person: PersonDto,
    pub faces: Vec<PersonFaceDto>,
    pub suggestions: Vec<SuggestionDto>,
}

/// One undoable edit (or what undo/redo reverted/re-applied).
#[derive(Debug, Serialize)]
pub struct EditDto {
    pub id: i64,
    pub kind: &'static str,
    pub label: String,
    /// Undo/redo: faces of the edit that no longer exist.
    pub skipped_faces: u64,
}

impl EditDto {
    pub fn new(e: &EditSummary) -> Self {
        Self {
            id: e.id,
            kind: e.kind.as_str(),
            label: e.label.clone(),
            skipped_faces: e.skipped_faces,
        }
    }
}

/// name / move: the edit and where the faces ended up.
#[derive(Debug, Serialize)]
pub struct PersonEditDto {
    pub edit: EditDto,
    pub person: i64,
    /// The name belonged to another person, so this one was merged into it.
    pub merged: bool,
    /// A new person was created.
    pub created: bool,
}

impl PersonEditDto {
    pub fn new(e: &PersonEdit) -> Self {
        Self {
            edit: EditDto::new(&e.edit),
            person: e.person,
            merged: e.merged,
            created: e.created,
        }
    }
}

/// One row of `likeness people history`.
#[derive(Debug, Serialize)]
pub struct HistoryDto {
    pub id: i64,
    pub kind: &'static str,
    pub label: String,
    /// done | undone.
    pub state: &'static str,
    pub at: i64,
    pub state_at: i64,
}

impl HistoryDto {
    pub fn new(e: &EditRow) -> Self {
        Self {
            id: e.id,
            kind: e.kind.as_str(),
            label: e.label.clone(),
            state: e.state.as_str(),
            at: e.at,
            state_at: e.state_at,
        }
    }
}

// ---- xmp ------------------------------------------------------------------------------

/// `likeness xmp export --json`.
#[derive(Debug, Serialize)]
pub struct XmpExportDto {
    pub dry_run: bool,
    /// Files written (in a dry run: that would be written).
    pub written: u64,
    pub unchanged: u64,
    pub skipped: u64,
    pub failed: u64,
    pub cancelled: bool,
    pub seconds: f64,
    /// Photos with at least one file written, failed, or skipped for a reason.
    pub photos: Vec<XmpPhotoExportDto>,
}

#[derive(Debug, Serialize)]
pub struct XmpPhotoExportDto {
    pub photo: i64,
    /// Names exported (one per face).
    pub names: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    pub files: Vec<XmpFileExportDto>,
}

#[derive(Debug, Serialize)]
pub struct XmpFileExportDto {
    pub path: String,
    /// written | would_write | unchanged | skipped | failed
    pub outcome: &'static str,
    /// failed: malformed | too_large | forbidden | not_jpeg | io
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl XmpExportDto {
    /// With `all_photos` false, photos whose files are all unchanged are left out.
    pub fn new(s: &ExportSummary, all_photos: bool) -> Self {
        let photos = s
            .photos
            .iter()
            .filter(|p| {
                all_photos
                    || p.files
                        .iter()
                        .any(|f| !matches!(f.outcome, ExportOutcome::Unchanged))
            })
            .map(|p| XmpPhotoExportDto {
                photo: p.photo,
                names: p.regions.iter().map(|r| r.0.clone()).collect(),
                skipped: p.skipped.clone(),
                files: p
                    .files
                    .iter()
                    .map(|f| {
                        let (outcome, code, message) = match &f.outcome {
                            ExportOutcome::Written => ("written", None, None),
                            ExportOutcome::WouldWrite => ("would_write", None, None),
                            ExportOutcome::Unchanged => ("unchanged", None, None),
                            ExportOutcome::Skipped { reason } => {
                                ("skipped", None, Some(reason.clone()))
                            }
                            ExportOutcome::Failed { code, message } => {
                                ("failed", Some(*code), Some(message.clone()))
                            }
                        };
                        XmpFileExportDto {
                            path: f.target.display().to_string(),
                            outcome,
                            code,
                            message,
                        }
                    })
                    .collect(),
            })
            .collect();
        Self {
            dry_run: s.dry_run,
            written: s.written,
            unchanged: s.unchanged,
            skipped: s.skipped,
            failed: s.failed,
            cancelled: s.cancelled,
            seconds: s.elapsed.as_secs_f64(),
            photos,
        }
    }
}

/// `likeness xmp import --json`.
#[derive(Debug, Serialize)]
pub struct XmpImportDto {
    pub dry_run: bool,
    /// The undoable edit (`likeness people undo` reverts the whole import).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edit: Option<EditDto>,
    pub confirmed: u64,
    pub manual_faces: u64,
    pub people_created: u64,
    pub unchanged: u64,
    pub conflicts: u64,
    pub warnings: u64,
    pub not_in_catalog: u64,
    pub cancelled: bool,
    pub seconds: f64,
    pub photos: Vec<XmpPhotoImportDto>,
}

#[derive(Debug, Serialize)]
pub struct XmpPhotoImportDto {
    pub path: String,
    /// null: not in the catalog (index it first).
    pub photo: Option<i64>,
    pub sources: Vec<String>,
    pub regions: usize,
    pub actions: Vec<XmpImportActionDto>,
    pub warnings: Vec<XmpImportWarningDto>,
}

#[derive(Debug, Serialize)]
pub struct XmpImportActionDto {
    /// confirmed | manual_face | unchanged | conflict
    pub action: &'static str,
    pub face: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person: Option<i64>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub person_created: bool,
    /// manual_face: detected (the detector found it in the region) | estimated_landmarks |
    /// not_computed (dry run)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embedding: Option<&'static str>,
    /// conflict: confirmed_to_other | rejected | not_a_face
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflict: Option<&'static str>,
    /// conflict with confirmed_to_other: who the user said it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct XmpImportWarningDto {
    /// unreadable | ignored | names_without_region | manual_face_failed
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub message: String,
}

fn origin(o: &RegionOrigin) -> String {
    match o {
        RegionOrigin::Sidecar(p) => p.display().to_string(),
        RegionOrigin::Embedded => "embedded".into(),
    }
}

impl XmpImportActionDto {
    pub fn new(a: &ImportAction) -> Self {
        let base = |action, face: FaceId, name: &str| XmpImportActionDto {
            action,
            face,
            name: name.to_string(),
            person: None,
            person_created: false,
            embedding: None,
            conflict: None,
            kept: None,
        };
        match a {
            ImportAction::Confirmed {
                face,
                name,
                person,
                person_created,
            } => XmpImportActionDto {
                person: Some(*person),
                person_created: *person_created,
                ..base("confirmed", *face, name)
            },
            ImportAction::ManualFace {
                face,
                name,
                person,
                person_created,
                embedding,
                ..
            } => XmpImportActionDto {
                person: Some(*person),
                person_created: *person_created,
                embedding: Some(match embedding {
                    ManualEmbedding::Detected { .. } => "detected",
                    ManualEmbedding::EstimatedLandmarks => "estimated_landmarks",
                    ManualEmbedding::NotComputed => "not_computed",
                }),
                ..base("manual_face", *face, name)
            },
            ImportAction::Unchanged { face, name } => base("unchanged", *face, name),
            ImportAction::Conflict { face, name, reason } => {
                let (conflict, kept) = match reason {
                    ImportConflictReason::ConfirmedToOther { person, name } => (
                        "confirmed_to_other",
                        Some(name.clone().unwrap_or_else(|| format!("#{person}"))),
                    ),
                    ImportConflictReason::Rejected => ("rejected", None),
                    ImportConflictReason::NotAFace => ("not_a_face", None),
                };
                XmpImportActionDto {
                    conflict: Some(conflict),
                    kept,
                    ..base("conflict", *face, name)
                }
            }
        }
    }
}

impl XmpImportWarningDto {
    pub fn new(w: &ImportWarning) -> Self {
        match w {
            ImportWarning::Unreadable {
                origin: o,
                code,
                message,
            } => Self {
                kind: "unreadable",
                code: Some(code),
                source: Some(origin(o)),
                message: message.clone(),
            },
            ImportWarning::Ignored {
                origin: o,
                name,
                reason,
            } => Self {
                kind: "ignored",
                code: None,
                source: Some(origin(o)),
                message: match name {
                    Some(n) => format!("{n}: {reason}"),
                    None => reason.clone(),
                },
            },
            ImportWarning::NamesWithoutRegion { names } => Self {
                kind: "names_without_region",
                code: None,
                source: None,
                message: format!(
                    "named in the file without a face region (not assigned): {}",
                    names.join(", ")
                ),
            },
            ImportWarning::ManualFaceFailed { name, message } => Self {
                kind: "manual_face_failed",
                code: None,
                source: None,
                message: format!("{name}: {message}"),
            },
        }
    }
}

impl XmpImportDto {
    pub fn new(s: &ImportSummary) -> Self {
        Self {
            dry_run: s.dry_run,
            edit: s.edit.as_ref().map(EditDto::new),
            confirmed: s.confirmed,
            manual_faces: s.manual_faces,
            people_created: s.people_created,
            unchanged: s.unchanged,
            conflicts: s.conflicts,
            warnings: s.warnings,
            not_in_catalog: s.not_in_catalog,
            cancelled: s.cancelled,
            seconds: s.elapsed.as_secs_f64(),
            photos: s
                .photos
                .iter()
                .map(|p| XmpPhotoImportDto {
                    path: p.path.display().to_string(),
                    photo: p.photo,
                    sources: p.sources.iter().map(origin).collect(),
                    regions: p.regions,
                    actions: p.actions.iter().map(XmpImportActionDto::new).collect(),
                    warnings: p.warnings.iter().map(XmpImportWarningDto::new).collect(),
                })
                .collect(),
        }
    }
}
