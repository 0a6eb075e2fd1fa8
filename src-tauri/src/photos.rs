//! The Photos screen and the viewer: the timeline (per-day counts, keyset pages) and one
//! photo's faces, each a catalog read plus a DTO (mirrored in `ui/src/api.ts`). The full photo
//! itself is served by the `thumb:` protocol (`thumb://localhost/full/<id>`, [`crate::thumbs`]).
//! Face edits from the viewer use the People commands (`person_name`, `faces_move`,
//! `faces_reject`, `faces_not_a_face`).

use serde::{Deserialize, Serialize};
use tauri::State;

use likeness_engine::catalog::{
    PhotoId, PhotoView, Provenance, TimelineCursor, TimelineDay, ViewFace,
};

use crate::dto::{ErrorDto, PhotoHitDto};
use crate::state::AppState;

type CmdResult<T> = Result<T, ErrorDto>;

/// Most photos one `timeline_page` call returns.
const MAX_PAGE: u32 = 1000;

/// Photos taken on one day (`day: null` = no date).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineDayDto {
    pub day: Option<String>,
    pub count: u64,
}

impl TimelineDayDto {
    pub fn new(d: &TimelineDay) -> Self {
        Self {
            day: d.day.clone(),
            count: d.count,
        }
    }
}

/// Where a page starts: the newest photo, after a photo (keyset), or a day's first photo.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum TimelineFromDto {
    Start,
    After {
        taken_at: Option<String>,
        photo: PhotoId,
    },
    Day {
        day: Option<String>,
    },
}

impl TimelineFromDto {
    fn cursor(&self) -> Option<TimelineCursor> {
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
#[derive(Debug, Clone, Serialize)]
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

/// A face box in the viewer, with its person.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ViewFaceDto {
    pub id: i64,
    /// `[x1, y1, x2, y2]` in upright pixels of `width × height`.
    pub bbox: [f32; 4],
    pub person: Option<i64>,
    pub name: Option<String>,
    pub provenance: Option<&'static str>,
    pub not_face: bool,
}

impl PhotoDetailDto {
    pub fn new(v: &PhotoView) -> Self {
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
            faces: v.faces.iter().map(ViewFaceDto::new).collect(),
        }
    }
}

impl ViewFaceDto {
    fn new(f: &ViewFace) -> Self {
        Self {
            id: f.id,
            bbox: f.bbox,
            person: f.person.as_ref().map(|p| p.id),
            name: f.person.as_ref().and_then(|p| p.name.clone()),
            provenance: f.person.as_ref().map(|p| match p.provenance {
                Provenance::Confirmed => "confirmed",
                Provenance::Automatic => "automatic",
                Provenance::Suggested => "suggested",
            }),
            not_face: f.not_face,
        }
    }
}

/// Live photos per day, newest first, undated last: the UI lays the grid out from these.
#[tauri::command(async)]
pub fn timeline_days(state: State<'_, AppState>) -> CmdResult<Vec<TimelineDayDto>> {
    let lib = state.library()?;
    let catalog = lib.catalog()?;
    Ok(catalog
        .timeline_days()?
        .iter()
        .map(TimelineDayDto::new)
        .collect())
}

/// Up to `limit` (≤ 1000) photos in timeline order from `from`, after skipping `skip`.
#[tauri::command(async)]
pub fn timeline_page(
    state: State<'_, AppState>,
    from: TimelineFromDto,
    skip: u32,
    limit: u32,
) -> CmdResult<Vec<PhotoHitDto>> {
    let lib = state.library()?;
    let catalog = lib.catalog()?;
    let cursor = from.cursor();
    Ok(catalog
        .timeline_page(cursor.as_ref(), skip, limit.min(MAX_PAGE))?
        .iter()
        .map(PhotoHitDto::new)
        .collect())
}

/// One photo with its faces; `not_found` if the catalog has no such photo.
#[tauri::command(async)]
pub fn photo_detail(state: State<'_, AppState>, photo: PhotoId) -> CmdResult<PhotoDetailDto> {
    let lib = state.library()?;
    let catalog = lib.catalog()?;
    match catalog.photo_view(photo)? {
        Some(v) => Ok(PhotoDetailDto::new(&v)),
        None => Err(ErrorDto::new("not_found", format!("no photo {photo}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_starts_deserialise_from_the_ui_shapes() {
        let parse = |s: &str| serde_json::from_str::<TimelineFromDto>(s).expect("parses");
        assert_eq!(parse(r#"{"kind":"start"}"#), TimelineFromDto::Start);
        assert_eq!(
            parse(r#"{"kind":"after","takenAt":"2020-01-02T03:04:05","photo":7}"#),
            TimelineFromDto::After {
                taken_at: Some("2020-01-02T03:04:05".into()),
                photo: 7
            }
        );
        assert_eq!(
            parse(r#"{"kind":"day","day":null}"#),
            TimelineFromDto::Day { day: None }
        );
        assert_eq!(
            parse(r#"{"kind":"day","day":"2020-01-02"}"#).cursor(),
            Some(TimelineCursor::day_start(Some("2020-01-02")))
        );
    }
}
