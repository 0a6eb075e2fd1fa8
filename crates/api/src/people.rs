//! People: clustering runs, people and their faces, suggestions, undoable edits.

use serde::Serialize;
use ts_rs::TS;

use likeness_engine::catalog::{
    EditRow, EditSummary, FaceRow, PersonId, PersonSummary, PhotoId, Provenance, SuggestionRow,
};
use likeness_engine::people::{
    quality_passes, MergeSuggestion, PersonDetail, PersonEdit, Unsorted,
};
use likeness_engine::ReclusterSummary;

/// Why a face belongs to a person: the user said so, clustering matched it, or it is an open
/// "Is this X?" suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "Provenance")]
pub enum ProvenanceDto {
    Confirmed,
    Automatic,
    Suggested,
}

impl ProvenanceDto {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirmed => "confirmed",
            Self::Automatic => "automatic",
            Self::Suggested => "suggested",
        }
    }
}

impl From<Provenance> for ProvenanceDto {
    fn from(p: Provenance) -> Self {
        match p {
            Provenance::Confirmed => Self::Confirmed,
            Provenance::Automatic => Self::Automatic,
            Provenance::Suggested => Self::Suggested,
        }
    }
}

/// What a clustering run did (`likeness cluster`, after indexing, Settings' "Re-cluster now").
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
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

impl From<&ReclusterSummary> for ClusterDto {
    fn from(s: &ReclusterSummary) -> Self {
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

/// One person (a card of the People page).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
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
    /// The face shown on the card (`thumb://…/face/<id>`).
    pub cover_face: Option<i64>,
}

impl From<&PersonSummary> for PersonDto {
    fn from(p: &PersonSummary) -> Self {
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
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "FaceDto")]
pub struct PersonFaceDto {
    pub id: i64,
    pub photo: i64,
    /// A live file holding the photo (the CLI says; the desktop never hands paths out).
    pub path: Option<String>,
    /// `[x1, y1, x2, y2]` in upright pixels.
    #[serde(rename = "box")]
    pub bbox: [f32; 4],
    pub score: f32,
    /// null: nobody's.
    pub provenance: Option<ProvenanceDto>,
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
            provenance: f.person.map(|(_, p)| p.into()),
            not_face: f.not_face,
        }
    }
}

/// "Is this X?"
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SuggestionDto {
    pub face: i64,
    pub photo: i64,
    /// A live file holding the photo (the CLI says; the desktop never hands paths out).
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

/// One person with faces and open suggestions (`likeness people show`, the person page).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PersonDetailDto {
    pub person: PersonDto,
    /// At most `limit` of the person's faces (any provenance, suggested included).
    pub faces: Vec<PersonFaceDto>,
    /// How many faces the person has in all (`faces` may list fewer).
    pub faces_total: u64,
    /// The limit in force (`null`: no limit).
    #[ts(type = "number | null")]
    pub limit: Option<usize>,
    pub suggestions: Vec<SuggestionDto>,
}

impl PersonDetailDto {
    /// `path` finds a live file of a photo (or says none).
    pub fn new(
        id: PersonId,
        d: &PersonDetail,
        limit: Option<usize>,
        mut path: impl FnMut(PhotoId) -> Option<String>,
    ) -> Self {
        let person = d
            .summary
            .as_ref()
            .map(PersonDto::from)
            .unwrap_or(PersonDto {
                id,
                name: d.person.name.clone(),
                hidden: d.person.hidden,
                faces: 0,
                photos: 0,
                suggested: 0,
                cover_face: d.person.cover_face,
            });
        // Every live face of the person, of any provenance: what `faces` lists.
        let listed = u64::try_from(d.faces.len()).unwrap_or(u64::MAX);
        let faces_total = (person.faces + person.suggested).max(listed);
        Self {
            person,
            faces: d
                .faces
                .iter()
                .map(|f| PersonFaceDto::new(f, path(f.photo)))
                .collect(),
            faces_total,
            limit,
            suggestions: d
                .suggestions
                .iter()
                .map(|s| SuggestionDto::new(s, path(s.photo)))
                .collect(),
        }
    }
}

/// "Are these the same person?" (`likeness suggestions --merges`, the People page).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MergeSuggestionDto {
    /// Merged away on "yes" (the unnamed one, else the smaller).
    pub from: PersonDto,
    /// Kept on "yes".
    pub into: PersonDto,
    /// Mean distance between their faces.
    pub distance: f32,
    /// 0–1, for display.
    pub confidence: f32,
}

impl MergeSuggestionDto {
    /// `None` when one of the two people is gone from `people` (the overview, hidden ones
    /// included).
    pub fn new(m: &MergeSuggestion, people: &[PersonSummary]) -> Option<Self> {
        let find = |id: PersonId| people.iter().find(|p| p.id == id).map(PersonDto::from);
        Some(Self {
            from: find(m.from)?,
            into: find(m.into)?,
            distance: m.distance,
            confidence: m.confidence,
        })
    }
}

/// A face in no person: a loner, a face below the quality bar, a stranger.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UnsortedFaceDto {
    pub id: i64,
    pub photo: i64,
    /// A live file holding the photo (the CLI says; the desktop never hands paths out).
    pub path: Option<String>,
    /// `[x1, y1, x2, y2]` in upright pixels.
    #[serde(rename = "box")]
    pub bbox: [f32; 4],
    /// Face quality 0–1 (`null`: not measured, e.g. a face drawn by hand).
    pub quality: Option<f32>,
    /// Below the library's quality bar: never grouped by itself.
    pub low_quality: bool,
    /// An open "Is this X?" for it.
    pub suggested: Option<SuggestedPersonDto>,
}

/// The person a face is suggested for.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SuggestedPersonDto {
    pub person: i64,
    pub name: Option<String>,
}

/// The unsorted faces, a page of them (`likeness unsorted`, People → Unsorted).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UnsortedDto {
    pub faces: Vec<UnsortedFaceDto>,
    /// How many there are in all.
    pub total: u64,
    #[ts(type = "number")]
    pub offset: usize,
}

impl UnsortedDto {
    /// `min_quality`: the library's bar; `name` finds a person's name; `path` a live file.
    pub fn new(
        u: &Unsorted,
        offset: usize,
        min_quality: f32,
        mut name: impl FnMut(PersonId) -> Option<String>,
        mut path: impl FnMut(PhotoId) -> Option<String>,
    ) -> Self {
        Self {
            faces: u
                .faces
                .iter()
                .map(|f| UnsortedFaceDto {
                    id: f.id,
                    photo: f.photo,
                    path: path(f.photo),
                    bbox: f.bbox,
                    quality: f.quality,
                    low_quality: !quality_passes(f.quality, min_quality),
                    suggested: f.person.map(|(p, _)| SuggestedPersonDto {
                        person: p,
                        name: name(p),
                    }),
                })
                .collect(),
            total: u.total,
            offset,
        }
    }
}

/// One undoable edit (or what undo/redo reverted/re-applied): its label is what a toast shows.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EditDto {
    pub id: i64,
    pub kind: String,
    pub label: String,
    /// Undo/redo: faces of the edit that no longer exist.
    pub skipped_faces: u64,
}

impl From<&EditSummary> for EditDto {
    fn from(e: &EditSummary) -> Self {
        Self {
            id: e.id,
            kind: e.kind.as_str().to_string(),
            label: e.label.clone(),
            skipped_faces: e.skipped_faces,
        }
    }
}

/// name / move: the edit and where the faces ended up.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PersonEditDto {
    pub edit: EditDto,
    pub person: i64,
    /// The name belonged to another person, so this one was merged into it.
    pub merged: bool,
    /// A new person was created.
    pub created: bool,
}

impl From<&PersonEdit> for PersonEditDto {
    fn from(e: &PersonEdit) -> Self {
        Self {
            edit: (&e.edit).into(),
            person: e.person,
            merged: e.merged,
            created: e.created,
        }
    }
}

/// One row of the edit history (`likeness people history`).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HistoryDto {
    pub id: i64,
    pub kind: String,
    pub label: String,
    /// done | undone.
    pub state: String,
    pub at: i64,
    pub state_at: i64,
}

impl From<&EditRow> for HistoryDto {
    fn from(e: &EditRow) -> Self {
        Self {
            id: e.id,
            kind: e.kind.as_str().to_string(),
            label: e.label.clone(),
            state: e.state.as_str().to_string(),
            at: e.at,
            state_at: e.state_at,
        }
    }
}
