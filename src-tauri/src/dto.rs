//! DTOs: the only place the desktop wire format is defined (mirrored in `ui/src/api.ts`).
//! Engine and catalog types are not `Serialize`; they are converted here, at the edge.

use serde::Serialize;

use likeness_engine::catalog::{
    CatalogStatus, EditSummary, FaceRow, FailureRow, PersonSummary, PhotoHit, Provenance, Root,
    SuggestionRow,
};
use likeness_engine::people::PersonEdit;
use likeness_engine::{EngineError, IndexPhase, IndexProgress, IndexSummary, ScanSummary};

/// Every command failure: a stable `code` the UI can branch on (the engine's
/// [`EngineError::code`], or one of the shell's own: `indexing_running`, `not_indexing`,
/// `internal`) and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorDto {
    pub code: String,
    pub message: String,
}

impl ErrorDto {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_string(),
            message: message.into(),
        }
    }
}

impl From<EngineError> for ErrorDto {
    fn from(e: EngineError) -> Self {
        Self::new(e.code(), e.to_string())
    }
}

impl From<likeness_engine::catalog::CatalogError> for ErrorDto {
    fn from(e: likeness_engine::catalog::CatalogError) -> Self {
        EngineError::from(e).into()
    }
}

/// A library folder.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
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

/// What the library holds, and whether indexing runs right now.
#[derive(Debug, Clone, Serialize)]
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
            roots: roots.iter().map(RootDto::new).collect(),
            photos: s.photos,
            faces: s.faces,
            people: s.people,
            pending: s.pending,
            failed: s.failed,
            indexing,
        }
    }
}

/// One failed file (the openable error list of the progress panel).
#[derive(Debug, Clone, Serialize)]
pub struct FailureDto {
    pub path: String,
    pub code: String,
    pub message: String,
}

impl FailureDto {
    pub fn new(f: &FailureRow) -> Self {
        Self {
            path: f.path.display().to_string(),
            code: f.code.clone(),
            message: f.message.clone(),
        }
    }
}

/// A progress sample of the indexing job.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgressDto {
    /// scanning | indexing | watching | done.
    pub phase: &'static str,
    pub files_found: u64,
    pub done: u64,
    pub total: u64,
    pub faces: u64,
    pub reused: u64,
    pub errors: u64,
    /// Photos per second.
    pub rate: f64,
    pub eta_seconds: Option<f64>,
    pub paused: bool,
    /// Where the models run ("CPU", "CUDA (GPU)", …), once known.
    pub provider: Option<&'static str>,
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
            done: p.photos_done,
            total: p.photos_total,
            faces: p.faces_found,
            reused: p.reused,
            errors: p.errors,
            rate: p.rate,
            eta_seconds: p.eta.map(|d| d.as_secs_f64()),
            paused: p.paused,
            provider: p.provider.map(|p| p.label()),
        }
    }
}

/// What a finished indexing run did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexDoneDto {
    pub files_found: u64,
    pub photos: u64,
    pub faces: u64,
    pub errors: u64,
    pub cancelled: bool,
    pub seconds: f64,
    /// People groups after the clustering that followed (0 when it did not run).
    pub clusters: u64,
    pub provider: &'static str,
}

impl IndexDoneDto {
    pub fn new(scan: &ScanSummary, s: &IndexSummary, provider: &'static str) -> Self {
        Self {
            files_found: scan.files_found,
            photos: s.photos,
            faces: s.faces,
            errors: s.errors,
            cancelled: s.cancelled || scan.cancelled,
            seconds: s.elapsed.as_secs_f64(),
            clusters: s.clustering.as_ref().map_or(0, |c| c.clusters),
            provider,
        }
    }
}

/// The messages of the watch channel: what changed while the app follows the folders.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", content = "data", rename_all = "camelCase")]
pub enum WatchEventDto {
    /// Following the folders (sent once the watcher runs and after each batch).
    Watching,
    /// New or changed photos were indexed.
    Indexed {
        photos: u64,
        faces: u64,
        errors: u64,
    },
    /// Faces were grouped again: People may have changed.
    Clustered { clusters: u64 },
    /// Watching stopped (cancelled or failed).
    Stopped(Option<ErrorDto>),
}

/// The messages of the indexing channel (`tauri::ipc::Channel`).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", content = "data", rename_all = "camelCase")]
pub enum IndexEvent {
    /// The face models are loading (before the first progress sample).
    Loading,
    Progress(ProgressDto),
    Finished(IndexDoneDto),
    Failed(ErrorDto),
}

/// One card of the People page.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonDto {
    pub id: i64,
    /// `null` for an unnamed cluster.
    pub name: Option<String>,
    pub hidden: bool,
    pub faces: u64,
    pub photos: u64,
    /// Open "Is this X?" suggestions.
    pub suggested: u64,
    /// The face shown on the card (`thumb://…/face/<id>`).
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

/// A face of a person.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FaceDto {
    pub id: i64,
    pub photo: i64,
    /// confirmed | automatic | suggested (null: nobody's).
    pub provenance: Option<&'static str>,
    pub score: f32,
}

impl FaceDto {
    pub fn new(f: &FaceRow) -> Self {
        Self {
            id: f.id,
            photo: f.photo,
            provenance: f.person.map(|(_, p)| provenance(p)),
            score: f.score,
        }
    }
}

/// "Is this X?"
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SuggestionDto {
    pub face: i64,
    pub photo: i64,
    pub person: i64,
    pub name: String,
    pub confidence: Option<f32>,
}

impl SuggestionDto {
    pub fn new(s: &SuggestionRow) -> Self {
        Self {
            face: s.face,
            photo: s.photo,
            person: s.person,
            name: s.name.clone(),
            confidence: s.confidence,
        }
    }
}

/// The person page.
#[derive(Debug, Clone, Serialize)]
pub struct PersonDetailDto {
    pub person: PersonDto,
    pub faces: Vec<FaceDto>,
    pub suggestions: Vec<SuggestionDto>,
}

/// An undoable edit: its label is what the toast shows.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EditDto {
    pub id: i64,
    pub kind: &'static str,
    pub label: String,
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

/// name / move_faces: the edit and where the faces went.
#[derive(Debug, Clone, Serialize)]
pub struct PersonEditDto {
    pub edit: EditDto,
    pub person: i64,
    /// The name was another person's: the two were merged.
    pub merged: bool,
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

/// A photo found by a search (thumbnail: `thumb://…/photo/<id>`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhotoHitDto {
    pub id: i64,
    pub path: String,
    pub taken_at: Option<String>,
    pub width: u32,
    pub height: u32,
}

impl PhotoHitDto {
    pub fn new(h: &PhotoHit) -> Self {
        Self {
            id: h.photo,
            path: h.path.display().to_string(),
            taken_at: h.taken_at.clone(),
            width: h.width,
            height: h.height,
        }
    }
}

fn provenance(p: Provenance) -> &'static str {
    match p {
        Provenance::Confirmed => "confirmed",
        Provenance::Automatic => "automatic",
        Provenance::Suggested => "suggested",
    }
}

/// The Settings screen: the library's settings (as their wire names) and what the app found
/// about its setup (catalog location, models, provider, files it could not use).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsDto {
    /// `low` | `normal` | `high`.
    pub detection: &'static str,
    /// `loose` | `balanced` | `strict`.
    pub clustering: &'static str,
    /// `auto` (GPU when available) | `cpu`.
    pub provider: &'static str,
    pub xmp_auto_export: bool,
    pub settings_file: String,
    pub catalog: String,
    pub cache: String,
    /// `environment` ($LIKENESS_CATALOG) | `chosen` | `default`.
    pub location_source: &'static str,
    /// The per-user file holding the chosen library folder.
    pub location_file: Option<String>,
    /// The library folder chosen for the next start, if any.
    pub next_library: Option<String>,
    pub models_dir: Option<String>,
    pub models_error: Option<String>,
    pub models: Vec<ModelDto>,
    /// The execution provider of the loaded pipeline (none before the first indexing).
    pub active_provider: Option<String>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelDto {
    pub name: String,
    pub kind: String,
    pub file: String,
}

/// What the Settings screen sends back (wire names as in [`SettingsDto`]).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsInput {
    pub detection: String,
    pub clustering: String,
    pub provider: String,
    pub xmp_auto_export: bool,
}

/// A clustering run started from Settings.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReclusterDto {
    pub clusters: u64,
    pub clustered: u64,
    pub noise: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_errors_keep_their_code() {
        let e: ErrorDto = EngineError::NothingToUndo.into();
        assert_eq!(e, ErrorDto::new("nothing_to_undo", "nothing to undo"));
        let json = serde_json::to_value(&e).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({"code": "nothing_to_undo", "message": "nothing to undo"})
        );
    }

    #[test]
    fn index_events_are_tagged() {
        let json = serde_json::to_value(IndexEvent::Loading).expect("serialises");
        assert_eq!(json, serde_json::json!({"event": "loading"}));
        let json = serde_json::to_value(IndexEvent::Failed(ErrorDto::new("model", "x")))
            .expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({"event": "failed", "data": {"code": "model", "message": "x"}})
        );
    }
}
