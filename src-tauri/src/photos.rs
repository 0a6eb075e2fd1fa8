//! The Photos screen and the viewer: the timeline (per-day counts, keyset pages) and one
//! photo's faces, each a catalog read plus a DTO of `likeness-api`. The full photo
//! itself is served by the `thumb:` protocol (`thumb://localhost/full/<id>`, [`crate::thumbs`]).
//! Face edits from the viewer use the People commands (`person_name`, `faces_move`,
//! `faces_reject`, `faces_not_a_face`).

use tauri::State;

use likeness_api::{ApiError, PhotoDetailDto, PhotoHitDto, TimelineDayDto, TimelineFrom};
use likeness_engine::catalog::PhotoId;

use crate::state::AppState;

type CmdResult<T> = Result<T, ApiError>;

/// Most photos one `timeline_page` call returns.
const MAX_PAGE: u32 = 1000;

/// Live photos per day, newest first, undated last: the UI lays the grid out from these.
#[tauri::command(async)]
pub fn timeline_days(state: State<'_, AppState>) -> CmdResult<Vec<TimelineDayDto>> {
    let lib = state.library()?;
    let catalog = lib.catalog()?;
    Ok(catalog
        .timeline_days()?
        .iter()
        .map(TimelineDayDto::from)
        .collect())
}

/// Up to `limit` (≤ 1000) photos in timeline order from `from`, after skipping `skip`.
#[tauri::command(async)]
pub fn timeline_page(
    state: State<'_, AppState>,
    from: TimelineFrom,
    skip: u32,
    limit: u32,
) -> CmdResult<Vec<PhotoHitDto>> {
    let lib = state.library()?;
    let catalog = lib.catalog()?;
    let cursor = from.cursor();
    Ok(catalog
        .timeline_page(cursor.as_ref(), skip, limit.min(MAX_PAGE))?
        .iter()
        .map(PhotoHitDto::from)
        .collect())
}

/// One photo with its faces; `not_found` if the catalog has no such photo.
#[tauri::command(async)]
pub fn photo_detail(state: State<'_, AppState>, photo: PhotoId) -> CmdResult<PhotoDetailDto> {
    let lib = state.library()?;
    let catalog = lib.catalog()?;
    match catalog.photo_view(photo)? {
        Some(v) => Ok(PhotoDetailDto::from(&v)),
        None => Err(ApiError::new("not_found", format!("no photo {photo}"))),
    }
}
