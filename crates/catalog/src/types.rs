//! Plain data in and out of the catalog (no serde: DTOs live at the edges).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

pub type RootId = i64;
pub type FileId = i64;
pub type PhotoId = i64;
pub type FaceId = i64;
pub type PersonId = i64;
pub type JobId = i64;
pub type EditId = i64;

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
    /// Face quality in [0, 1]; `None` = not measured (manual faces, faces indexed before
    /// quality existed), which clustering treats as good enough.
    pub quality: Option<f32>,
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
    /// The user said this is not a face.
    pub not_face: bool,
    /// Created from an imported XMP region, not found by the detector.
    pub manual: bool,
    /// Face quality in [0, 1] (`None`: not measured).
    pub quality: Option<f32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Provenance {
    Confirmed,
    Suggested,
    Automatic,
}

/// One automatic face → person assignment for [`crate::Catalog::assign_automatic`].
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

// ---- people: edits, clustering, overview -----------------------------------------------

/// What a user edit of people did (recorded for undo/redo).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EditKind {
    /// [`crate::Catalog::create_person`].
    CreatePerson,
    /// [`crate::Catalog::name_person`].
    Name,
    /// [`crate::Catalog::merge_people`].
    Merge,
    /// [`crate::Catalog::move_faces`].
    MoveFaces,
    /// [`crate::Catalog::new_person_with_faces`].
    NewPerson,
    /// [`crate::Catalog::reject_faces`].
    Reject,
    /// [`crate::Catalog::set_not_face`].
    NotFace,
    /// [`crate::Catalog::set_hidden`].
    Hidden,
    /// [`crate::Catalog::set_cover`].
    Cover,
    /// [`crate::Catalog::accept_suggestions`].
    AcceptSuggestions,
    /// [`crate::Catalog::import_faces`] (XMP face regions).
    ImportXmp,
    /// [`crate::Catalog::set_distinct`] ("not the same person").
    Distinct,
}

impl EditKind {
    /// The stable text code (stored in the catalog; fit for JSON).
    pub fn as_str(self) -> &'static str {
        self.as_sql()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditState {
    /// Applied (undo would revert it).
    Done,
    /// Reverted by undo (redo would apply it again).
    Undone,
}

impl EditState {
    pub fn as_str(self) -> &'static str {
        self.as_sql()
    }
}

/// What an edit, undo or redo did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditSummary {
    pub id: EditId,
    pub kind: EditKind,
    /// Human-readable, e.g. `named person 3 "Ann"`.
    pub label: String,
    /// Undo/redo only: faces in the edit that no longer exist (photo purged or re-analysed),
    /// skipped. Always 0 for a new edit.
    pub skipped_faces: u64,
}

/// One row of the edit history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditRow {
    pub id: EditId,
    pub kind: EditKind,
    pub label: String,
    pub state: EditState,
    /// When the edit was made.
    pub at: i64,
    /// When it was last done, undone or redone.
    pub state_at: i64,
}

/// One face as clustering sees it ([`crate::Catalog::clustering_input`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterFace {
    pub face: FaceId,
    pub photo: PhotoId,
    pub embedding: Vec<f32>,
    pub assignment: Option<(PersonId, Provenance)>,
    pub not_face: bool,
    /// People the user said this face is not, ascending.
    pub rejected: Vec<PersonId>,
    /// Face quality in [0, 1] (`None`: not measured).
    pub quality: Option<f32>,
}

impl ClusterFace {
    /// Confirmed by the user or marked "not a face": clustering leaves it alone.
    pub fn decided(&self) -> bool {
        self.not_face || matches!(self.assignment, Some((_, Provenance::Confirmed)))
    }
}

/// A clustering run's result, stored by [`crate::Catalog::apply_clustering`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusteringPlan {
    /// The undecided faces that were clustered: their Automatic and Suggested assignments
    /// are replaced by this plan.
    pub faces: Vec<FaceId>,
    pub clusters: Vec<PlannedCluster>,
    /// Applied after the clusters; a suggestion never replaces an assignment.
    pub suggestions: Vec<FaceAssignment>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedCluster {
    pub target: ClusterTarget,
    /// (face, confidence).
    pub faces: Vec<(FaceId, f32)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterTarget {
    /// An unnamed person: this one if it still exists and is still unnamed, else a new one.
    Unnamed(Option<PersonId>),
    /// An existing person, with provenance Automatic or Suggested (Confirmed is Invalid).
    Person(PersonId, Provenance),
}

/// What [`crate::Catalog::apply_clustering`] stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClusteringApplied {
    /// Automatic assignments written.
    pub assigned: u64,
    /// Suggested assignments written.
    pub suggested: u64,
    pub people_created: u64,
    /// Unnamed, non-hidden people left without any assignment, deleted.
    pub people_removed: u64,
    /// Planned (face, person) pairs not written: the face is gone, confirmed, marked not a
    /// face, the person is rejected on it or no longer exists, or (suggestions) the face
    /// already has an assignment.
    pub skipped: u64,
}

/// A "Is this X?" suggestion ([`crate::Catalog::suggestions`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SuggestionRow {
    pub face: FaceId,
    pub photo: PhotoId,
    pub person: PersonId,
    pub name: String,
    pub confidence: Option<f32>,
}

/// One person on the People page ([`crate::Catalog::people_overview`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonSummary {
    pub id: PersonId,
    pub name: Option<String>,
    pub hidden: bool,
    /// Confirmed + Automatic faces on live photos.
    pub faces: u64,
    /// Distinct live photos of those faces.
    pub photos: u64,
    /// Suggested faces on live photos.
    pub suggested: u64,
    /// The explicit cover if still assigned (not suggested) to the person, else the
    /// best-scoring Confirmed/Automatic face on a live photo.
    pub cover_face: Option<FaceId>,
}

/// What the user decided ([`crate::Catalog::decisions`]): comparable with `==`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decisions {
    /// Named people, and hidden unnamed people.
    pub people: BTreeMap<PersonId, DecidedPerson>,
    /// Confirmed assignments: face → person.
    pub confirmed: BTreeMap<FaceId, PersonId>,
    /// (face, person): "this face is not that person".
    pub rejections: BTreeSet<(FaceId, PersonId)>,
    /// Faces marked "not a face".
    pub not_face: BTreeSet<FaceId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecidedPerson {
    pub name: Option<String>,
    pub hidden: bool,
    /// The explicit cover face, as stored.
    pub cover: Option<FaceId>,
}

// ---- XMP face regions: export and import -----------------------------------------------

/// Which photos an XMP export looks at ([`crate::Catalog::xmp_photos`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XmpScope {
    /// Every live photo with an exported face, or exported before (its regions may have to go).
    All,
    /// Live photos with a Confirmed or Automatic face of this person.
    Person(PersonId),
    /// Photos marked since the last export (taken: the marks are removed as they are read).
    Dirty,
}

/// One face as it is exported: Confirmed or Automatic, to a named, visible person.
#[derive(Debug, Clone, PartialEq)]
pub struct XmpFace {
    pub face: FaceId,
    /// x1, y1, x2, y2 in oriented (upright) pixels.
    pub bbox: [f32; 4],
    pub person: PersonId,
    pub name: String,
    pub provenance: Provenance,
}

/// What an export needs to know about one photo ([`crate::Catalog::xmp_photo`]).
#[derive(Debug, Clone)]
pub struct XmpPhoto {
    /// Sizes, orientation, live paths.
    pub photo: PhotoRow,
    /// Exported faces, by face index.
    pub faces: Vec<XmpFace>,
    /// Digest recorded by the last export of this photo (`None`: never exported).
    pub exported: Option<Vec<u8>>,
}

/// What an import wants for one face.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportTarget {
    /// An existing face (matched by IoU).
    Face(FaceId),
    /// A new manual face on this photo (a region no detection matched).
    NewFace { photo: PhotoId, face: NewFace },
}

/// "This face is the person named `name`" from a file ([`crate::Catalog::import_faces`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportItem {
    pub target: ImportTarget,
    pub name: String,
}

/// Why an imported name was not applied: the user decided otherwise, and the user wins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportConflictReason {
    /// The face is confirmed to another person.
    ConfirmedToOther {
        person: PersonId,
        name: Option<String>,
    },
    /// The user said this face is not that person.
    Rejected,
    /// The user marked the face "not a face".
    NotAFace,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportConflict {
    /// Index of the item in the request.
    pub item: usize,
    pub face: FaceId,
    pub name: String,
    pub reason: ImportConflictReason,
}

/// What [`crate::Catalog::import_faces`] did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportApplied {
    /// The one edit recording the import; `None` when nothing changed (or a dry run).
    pub edit: Option<EditSummary>,
    /// Existing faces newly confirmed to the named person.
    pub confirmed: Vec<(usize, FaceId, PersonId)>,
    /// Manual faces created (item, face, person); face ids are provisional in a dry run.
    pub created_faces: Vec<(usize, FaceId, PersonId)>,
    /// People created by name.
    pub created_people: Vec<(PersonId, String)>,
    /// Items already true (the face is confirmed to that person).
    pub unchanged: Vec<usize>,
    pub conflicts: Vec<ImportConflict>,
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

impl EditKind {
    pub(crate) fn as_sql(self) -> &'static str {
        match self {
            EditKind::CreatePerson => "create_person",
            EditKind::Name => "name",
            EditKind::Merge => "merge",
            EditKind::MoveFaces => "move_faces",
            EditKind::NewPerson => "new_person",
            EditKind::Reject => "reject",
            EditKind::NotFace => "not_face",
            EditKind::Hidden => "hidden",
            EditKind::Cover => "cover",
            EditKind::AcceptSuggestions => "accept_suggestions",
            EditKind::ImportXmp => "import_xmp",
            EditKind::Distinct => "distinct",
        }
    }
    pub(crate) fn from_sql(s: &str) -> Option<Self> {
        Some(match s {
            "create_person" => EditKind::CreatePerson,
            "name" => EditKind::Name,
            "merge" => EditKind::Merge,
            "move_faces" => EditKind::MoveFaces,
            "new_person" => EditKind::NewPerson,
            "reject" => EditKind::Reject,
            "not_face" => EditKind::NotFace,
            "hidden" => EditKind::Hidden,
            "cover" => EditKind::Cover,
            "accept_suggestions" => EditKind::AcceptSuggestions,
            "import_xmp" => EditKind::ImportXmp,
            "distinct" => EditKind::Distinct,
            _ => return None,
        })
    }
}

impl EditState {
    pub(crate) fn as_sql(self) -> &'static str {
        match self {
            EditState::Done => "done",
            EditState::Undone => "undone",
        }
    }
    pub(crate) fn from_sql(s: &str) -> Option<Self> {
        match s {
            "done" => Some(EditState::Done),
            "undone" => Some(EditState::Undone),
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
sql_text_code!(EditKind);
sql_text_code!(EditState);
