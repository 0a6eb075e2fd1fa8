//! Plain data in and out of the catalog (no serde: DTOs live at the edges).

use std::path::PathBuf;

pub type RootId = i64;
pub type FileId = i64;
pub type PhotoId = i64;
pub type FaceId = i64;
pub type PersonId = i64;
pub type JobId = i64;

/// BLAKE3 of the whole file; computed by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContentHash(pub [u8; 32]);

impl ContentHash {
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    pub id: RootId,
    pub path: PathBuf,
    pub added_at: i64,
    pub last_scan_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCandidate {
    pub path: PathBuf,
    pub size: u64,
    pub mtime_ns: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileState {
    Pending,
    Indexed,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    pub id: FileId,
    pub size: u64,
    pub mtime_ns: i64,
    pub state: FileState,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanIssueRecord {
    pub path: PathBuf,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, Default)]
pub struct ScanChanges {
    pub upsert: Vec<FileCandidate>,
    pub removed: Vec<PathBuf>,
    pub issues: Vec<ScanIssueRecord>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanApplied {
    pub added: u64,
    pub changed: u64,
    pub removed: u64,
}

#[derive(Debug, Clone)]
pub struct PendingFile {
    pub id: FileId,
    pub path: PathBuf,
    pub size: u64,
    pub mtime_ns: i64,
    pub photo: Option<PhotoId>,
}

/// Facts about a photo; boxes/landmarks of its faces are in the ORIENTED (upright) frame of
/// width × height. stored_width/height = pixel size before EXIF rotation.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoMeta {
    pub width: u32,
    pub height: u32,
    pub stored_width: u32,
    pub stored_height: u32,
    pub orientation: u8,
    pub format: String,
    /// "YYYY-MM-DDTHH:MM:SS" (EXIF DateTimeOriginal, else file mtime UTC); sortable text.
    pub taken_at: Option<String>,
    pub taken_source: TakenSource,
    pub camera_make: Option<String>,
    pub camera_model: Option<String>,
    /// Latitude, longitude in degrees.
    pub gps: Option<(f64, f64)>,
    pub file_size: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TakenSource {
    Exif,
    FileTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewFace {
    /// x1, y1, x2, y2 in oriented pixels.
    pub bbox: [f32; 4],
    /// x0, y0 .. x4, y4 in oriented pixels.
    pub landmarks: [f32; 10],
    pub score: f32,
    /// 128 values for the dlib ResNet (any length is stored as given).
    pub embedding: Vec<f32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewPhoto {
    pub hash: ContentHash,
    pub meta: PhotoMeta,
    pub model: String,
    pub faces: Vec<NewFace>,
}

#[derive(Debug, Clone)]
pub enum IndexOutcome {
    Linked {
        file: FileId,
        size: u64,
        mtime_ns: i64,
        photo: PhotoId,
    },
    Analyzed {
        file: FileId,
        size: u64,
        mtime_ns: i64,
        photo: NewPhoto,
    },
    Failed {
        file: FileId,
        size: u64,
        mtime_ns: i64,
        code: String,
        message: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Running,
    Completed,
    Cancelled,
    Interrupted,
    Failed,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobCounts {
    pub photos_done: u64,
    pub photos_total: u64,
    pub faces: u64,
    pub errors: u64,
}

#[derive(Debug, Clone)]
pub struct JobRow {
    pub id: JobId,
    pub kind: String,
    pub state: JobState,
    pub started_at: i64,
    pub updated_at: i64,
    pub finished_at: Option<i64>,
    pub counts: JobCounts,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogStatus {
    pub roots: u64,
    pub files: u64,
    pub pending: u64,
    pub indexed: u64,
    pub failed: u64,
    /// Photos with a live file.
    pub photos: u64,
    /// Faces on photos with a live file.
    pub faces: u64,
    pub people: u64,
    pub orphan_photos: u64,
    pub scan_issues: u64,
}

#[derive(Debug, Clone)]
pub struct FailureRow {
    pub path: PathBuf,
    pub code: String,
    pub message: String,
    pub at: i64,
}

#[derive(Debug, Clone)]
pub struct ScanIssueRow {
    pub root: PathBuf,
    pub path: PathBuf,
    pub code: String,
    pub message: String,
    pub at: i64,
}

#[derive(Debug, Clone)]
pub struct PhotoRow {
    pub id: PhotoId,
    pub hash: ContentHash,
    pub meta: PhotoMeta,
    pub model: String,
    pub face_count: u32,
    /// Live files with this content, sorted.
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct FaceRow {
    pub id: FaceId,
    pub photo: PhotoId,
    pub idx: u32,
    pub bbox: [f32; 4],
    pub landmarks: [f32; 10],
    pub score: f32,
    pub embedding: Vec<f32>,
    pub model: String,
    pub person: Option<(PersonId, Provenance)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Provenance {
    Confirmed,
    Suggested,
    Automatic,
}

/// One face → person decision for [`crate::Catalog::assign_faces`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceAssignment {
    pub face: FaceId,
    pub person: PersonId,
    pub provenance: Provenance,
    pub confidence: Option<f32>,
}

#[derive(Debug, Clone)]
pub struct PersonRow {
    pub id: PersonId,
    pub name: Option<String>,
    pub hidden: bool,
    pub cover_face: Option<FaceId>,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct PersonCount {
    pub person: PersonId,
    pub name: Option<String>,
    pub hidden: bool,
    pub faces: u64,
    pub photos: u64,
}

#[derive(Debug, Clone, Default)]
pub struct PhotoQuery {
    pub people: Vec<PersonId>,
    /// Inclusive lower bound on taken_at (text comparison).
    pub from: Option<String>,
    /// Inclusive upper bound on taken_at; a prefix such as "2020-12" or "2020-12-31" includes
    /// everything that starts with it.
    pub to: Option<String>,
    pub limit: Option<u32>,
    pub offset: u32,
}

#[derive(Debug, Clone)]
pub struct PhotoHit {
    pub photo: PhotoId,
    pub path: PathBuf,
    pub taken_at: Option<String>,
    pub width: u32,
    pub height: u32,
    pub hash: ContentHash,
}

// ---- text codes stored in the database ------------------------------------------------

impl FileState {
    pub(crate) fn as_sql(self) -> &'static str {
        match self {
            FileState::Pending => "pending",
            FileState::Indexed => "indexed",
            FileState::Failed => "failed",
        }
    }
    pub(crate) fn from_sql(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(FileState::Pending),
            "indexed" => Some(FileState::Indexed),
            "failed" => Some(FileState::Failed),
            _ => None,
        }
    }
}

impl JobState {
    pub(crate) fn as_sql(self) -> &'static str {
        match self {
            JobState::Running => "running",
            JobState::Completed => "completed",
            JobState::Cancelled => "cancelled",
            JobState::Interrupted => "interrupted",
            JobState::Failed => "failed",
        }
    }
    pub(crate) fn from_sql(s: &str) -> Option<Self> {
        match s {
            "running" => Some(JobState::Running),
            "completed" => Some(JobState::Completed),
            "cancelled" => Some(JobState::Cancelled),
            "interrupted" => Some(JobState::Interrupted),
            "failed" => Some(JobState::Failed),
            _ => None,
        }
    }
}

impl Provenance {
    pub(crate) fn as_sql(self) -> &'static str {
        match self {
            Provenance::Confirmed => "confirmed",
            Provenance::Suggested => "suggested",
            Provenance::Automatic => "automatic",
        }
    }
    pub(crate) fn from_sql(s: &str) -> Option<Self> {
        match s {
            "confirmed" => Some(Provenance::Confirmed),
            "suggested" => Some(Provenance::Suggested),
            "automatic" => Some(Provenance::Automatic),
            _ => None,
        }
    }
}

impl TakenSource {
    pub(crate) fn as_sql(self) -> &'static str {
        match self {
            TakenSource::Exif => "exif",
            TakenSource::FileTime => "file_time",
        }
    }
    pub(crate) fn from_sql(s: &str) -> Option<Self> {
        match s {
            "exif" => Some(TakenSource::Exif),
            "file_time" => Some(TakenSource::FileTime),
            _ => None,
        }
    }
}

// The enums travel as their text codes.
macro_rules! sql_text_code {
    ($t:ty) => {
        impl rusqlite::types::ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::Borrowed(
                    rusqlite::types::ValueRef::Text(self.as_sql().as_bytes()),
                ))
            }
        }
        impl rusqlite::types::FromSql for $t {
            fn column_result(
                value: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                let text = value.as_str()?;
                <$t>::from_sql(text).ok_or_else(|| {
                    rusqlite::types::FromSqlError::Other(
                        format!("unknown {} code {text:?}", stringify!($t)).into(),
                    )
                })
            }
        }
    };
}
sql_text_code!(FileState);
sql_text_code!(JobState);
sql_text_code!(Provenance);
sql_text_code!(TakenSource);
