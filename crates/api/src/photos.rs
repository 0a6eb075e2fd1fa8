//! Photos: search hits, the timeline (per-day counts, keyset pages) and the viewer.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use likeness_engine::catalog::{
    PhotoHit, PhotoId, PhotoView, TimelineCursor, TimelineDay, ViewFace,
};

use crate::people::ProvenanceDto;

/// A photo found by a search or a timeline page (thumbnail: `thumb://…/photo/<id>`).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PhotoHitDto {
    pub id: i64,
    pub path: String,
    pub taken_at: Option<String>,
    pub width: u32,
    pub height: u32,
    /// BLAKE3 of the content (hex).
    pub hash: String,
}

impl From<&PhotoHit> for PhotoHitDto {
    fn from(h: &PhotoHit) -> Self {
        Self {
            id: h.photo,
            path: h.path.display().to_string(),
            taken_at: h.taken_at.clone(),
            width: h.width,
            height: h.height,
            hash: h.hash.to_hex(),
        }
    }
}

/// Photos taken on one day (`day: null` = no date).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TimelineDayDto {
    pub day: Option<String>,
    pub count: u64,
}

impl From<&TimelineDay> for TimelineDayDto {
    fn from(d: &TimelineDay) -> Self {
        Self {
            day: d.day.clone(),
            count: d.count,
        }
    }
}

/// Where a timeline page starts: the newest photo, after a photo (keyset), or a day's first
/// photo.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum TimelineFrom {
    Start,
    After {
        taken_at: Option<String>,
        photo: PhotoId,
    },
    Day {
        day: Option<String>,
    },
}

impl TimelineFrom {
    /// The catalog's cursor (`None`: from the newest photo).
    pub fn cursor(&self) -> Option<TimelineCursor> {
        match self {
            Self::Start => None,
            Self::After { taken_at, photo } => Some(TimelineCursor {
                taken_at: taken_at.clone(),
                photo: *photo,
            }),
            Self::Day { day } => Some(TimelineCursor::day_start(day.as_deref())),
        }
    }
}

/// A photo in the viewer.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PhotoDetailDto {
    pub id: i64,
    pub taken_at: Option<String>,
    /// Upright full size: the frame of the face boxes.
    pub width: u32,
    pub height: u32,
    pub format: String,
    pub camera: Option<String>,
    /// File name only (the webview never gets to open paths).
    pub file_name: Option<String>,
    pub faces: Vec<ViewFaceDto>,
}

impl From<&PhotoView> for PhotoDetailDto {
    fn from(v: &PhotoView) -> Self {
        Self {
            id: v.photo,
            taken_at: v.taken_at.clone(),
            width: v.width,
            height: v.height,
            format: v.format.clone(),
            camera: v.camera.clone(),
            file_name: v
                .path
                .as_ref()
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned()),
            faces: v.faces.iter().map(ViewFaceDto::from).collect(),
        }
    }
}

/// A face box in the viewer, with its person.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ViewFaceDto {
    pub id: i64,
    /// `[x1, y1, x2, y2]` in upright pixels of `width × height`.
    pub bbox: [f32; 4],
    pub person: Option<i64>,
    pub name: Option<String>,
    pub provenance: Option<ProvenanceDto>,
    pub not_face: bool,
}

impl From<&ViewFace> for ViewFaceDto {
    fn from(f: &ViewFace) -> Self {
        Self {
            id: f.id,
            bbox: f.bbox,
            person: f.person.as_ref().map(|p| p.id),
            name: f.person.as_ref().and_then(|p| p.name.clone()),
            provenance: f.person.as_ref().map(|p| p.provenance.into()),
            not_face: f.not_face,
        }
    }
}
