//! Tauri commands: the whole API the UI sees. Each command is a thin call into the engine and
//! a conversion to a DTO of `likeness-api`; failures are `{code, message}` ([`ApiError`]).
//! Commands are `async` so none runs on the UI thread; long work (indexing) runs on its own
//! thread and reports over a [`Channel`]. The TypeScript types are generated from
//! `likeness-api` (`ui/src/generated/api.ts`); `ui/src/api.ts` wraps the commands.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use tauri::ipc::Channel;
use tauri::State;
use tauri_plugin_dialog::DialogExt;

use likeness_engine::catalog::{FaceId, PersonId, PhotoQuery};
use likeness_engine::people::{self, MoveTarget};
use likeness_engine::{
    EngineConfig, IndexControl, IndexPhase, Job, JobKind, WatchEvent, WatchOptions,
};

use crate::state::{AppState, Library};
use likeness_api::{
    ApiError, AppInfo, ClusterDto, DoctorDto, EditDto, FailureDto, IndexDoneDto, IndexEvent,
    LibraryDto, MergeSuggestionDto, PersonDetailDto, PersonDto, PersonEditDto, PhotoHitDto,
    ProgressDto, RootDto, UnsortedDto, WatchEventDto,
};

type CmdResult<T> = Result<T, ApiError>;

/// Name and version of the running app.
#[tauri::command]
pub fn app_info<R: tauri::Runtime>(app: tauri::AppHandle<R>) -> AppInfo {
    let package = app.package_info();
    AppInfo {
        name: package.name.clone(),
        version: package.version.to_string(),
    }
}

/// Can faces be found here: the runtime, the models the settings need (SHA-256 checked) and an
/// execution provider — the same check and words as `likeness doctor`. The app runs it at
/// start and shows any problem full window.
#[tauri::command(async)]
pub fn setup_check(state: State<'_, AppState>) -> CmdResult<DoctorDto> {
    let config = match state.library() {
        Ok(lib) => lib.config()?,
        Err(_) => EngineConfig::default(),
    };
    Ok(DoctorDto::from(&likeness_engine::doctor(&config)))
}

// ---- library -----------------------------------------------------------------------------

/// Folders, counts, and whether indexing runs.
#[tauri::command(async)]
pub fn library_info(state: State<'_, AppState>) -> CmdResult<LibraryDto> {
    let lib = state.library()?;
    let indexing = lib.job().is_some();
    let catalog = lib.catalog()?;
    Ok(LibraryDto::new(
        &catalog.roots()?,
        &catalog.status()?,
        indexing,
    ))
}

/// The native folder picker. `None` when the user cancelled. `$LIKENESS_PICK_FOLDER` answers
/// instead of the dialog, so end-to-end tests drive the real button.
#[tauri::command(async)]
pub fn pick_folder<R: tauri::Runtime>(app: tauri::AppHandle<R>) -> CmdResult<Option<String>> {
    if let Some(p) = std::env::var_os("LIKENESS_PICK_FOLDER").filter(|p| !p.is_empty()) {
        return Ok(Some(PathBuf::from(p).display().to_string()));
    }
    let mut dialog = app.dialog().file().set_title("Add a photo folder");
    // Where photos usually are (GTK's chooser would open on "Recent", empty for a new user).
    if let Some(start) = dirs::picture_dir()
        .filter(|d| d.is_dir())
        .or_else(dirs::home_dir)
    {
        dialog = dialog.set_directory(start);
    }
    let picked = dialog.blocking_pick_folder();
    match picked {
        None => Ok(None),
        Some(p) => p
            .into_path()
            .map(|p| Some(p.display().to_string()))
            .map_err(|e| ApiError::new("not_found", e.to_string())),
    }
}

/// Adds a photo folder (stored canonical; overlapping folders are refused).
#[tauri::command(async)]
pub fn library_add(state: State<'_, AppState>, path: String) -> CmdResult<RootDto> {
    let root = state.library()?.add_folder(&PathBuf::from(path))?;
    Ok(RootDto::from(&root))
}

/// Removes a folder (its faces and names are kept for when it comes back).
#[tauri::command(async)]
pub fn library_remove(state: State<'_, AppState>, path: String) -> CmdResult<()> {
    state.library()?.remove_folder(&PathBuf::from(path))?;
    Ok(())
}

/// Files that failed to index, with their error.
#[tauri::command(async)]
pub fn library_failures(state: State<'_, AppState>, limit: usize) -> CmdResult<Vec<FailureDto>> {
    let lib = state.library()?;
    let catalog = lib.catalog()?;
    Ok(catalog
        .failures(limit)?
        .iter()
        .map(FailureDto::from)
        .collect())
}

// ---- indexing ----------------------------------------------------------------------------

/// Scans every folder and indexes what changed, on a background thread; progress, then
/// `finished` or `failed`, arrive on `on_event`. Clustering follows by itself.
#[tauri::command(async)]
pub fn index_start(state: State<'_, AppState>, on_event: Channel<IndexEvent>) -> CmdResult<()> {
    let lib = state.library()?;
    let job = lib.start_job(JobKind::Index)?;
    let spawned = std::thread::Builder::new()
        .name("likeness-index".into())
        .spawn(move || {
            let result = run_indexing(&lib, &job, &on_event);
            drop(job);
            let event = match result {
                Ok(done) => IndexEvent::Finished(done),
                Err(e) => IndexEvent::Failed(e),
            };
            if let Err(e) = on_event.send(event) {
                tracing::warn!(error = %e, "the window did not take the end of indexing");
            }
        });
    spawned
        .map(|_| ())
        .map_err(|e| ApiError::new("internal", format!("cannot start indexing: {e}")))
}

fn run_indexing(
    lib: &Library,
    job: &Job,
    channel: &Channel<IndexEvent>,
) -> CmdResult<IndexDoneDto> {
    let _ = channel.send(IndexEvent::Loading);
    let run = lib.index(job, true, &mut |p| {
        // The engine sends at most ~5 samples a second: each goes straight to the window.
        let _ = channel.send(IndexEvent::Progress(ProgressDto::from(p)));
    })?;
    Ok(IndexDoneDto::new(
        run.scan.as_ref(),
        &run.summary,
        None,
        run.provider,
        run.summary.elapsed.as_secs_f64(),
    ))
}

/// Follows the library's folders (live mode): new, changed, moved and deleted photos are
/// indexed and their faces join people without a restart. Runs on its own thread until
/// `index_cancel` (it takes the same slot as indexing: one library job at a time).
#[tauri::command(async)]
pub fn watch_start(state: State<'_, AppState>, on_event: Channel<WatchEventDto>) -> CmdResult<()> {
    let lib = state.library()?;
    let job = lib.start_job(JobKind::Watch)?;
    let spawned = std::thread::Builder::new()
        .name("likeness-watch".into())
        .spawn(move || {
            let result = run_watch(&lib, &job, &on_event);
            drop(job);
            let _ = on_event.send(WatchEventDto::Stopped(result.err()));
        });
    spawned
        .map(|_| ())
        .map_err(|e| ApiError::new("internal", format!("cannot start watching: {e}")))
}

fn run_watch(lib: &Library, job: &Job, channel: &Channel<WatchEventDto>) -> CmdResult<()> {
    let mut watching = false;
    lib.watch(
        job,
        &WatchOptions::default(),
        &mut |p| {
            // Only the switch to idle matters here; the panel belongs to explicit runs.
            let now = p.phase == IndexPhase::Watching;
            if now && !watching {
                let _ = channel.send(WatchEventDto::Watching);
            }
            watching = now;
        },
        &mut |e| {
            let dto = match e {
                WatchEvent::Indexed(s) if s.photos > 0 => WatchEventDto::from(e),
                WatchEvent::Clustered(_) => WatchEventDto::from(e),
                _ => return,
            };
            let _ = channel.send(dto);
        },
    )?;
    Ok(())
}

fn running(lib: &Library) -> CmdResult<Arc<IndexControl>> {
    lib.job()
        .map(|(_, control)| control)
        .ok_or_else(|| likeness_engine::EngineError::NoJob.into())
}

/// Holds indexing at the next photo (work done so far is committed).
#[tauri::command(async)]
pub fn index_pause(state: State<'_, AppState>) -> CmdResult<()> {
    running(&*state.library()?)?.pause();
    Ok(())
}

#[tauri::command(async)]
pub fn index_resume(state: State<'_, AppState>) -> CmdResult<()> {
    running(&*state.library()?)?.resume();
    Ok(())
}

/// Stops indexing at the next photo; the rest stays pending for the next run.
#[tauri::command(async)]
pub fn index_cancel(state: State<'_, AppState>) -> CmdResult<()> {
    running(&*state.library()?)?.cancel();
    Ok(())
}

// ---- people ------------------------------------------------------------------------------

/// Named people and unnamed clusters, biggest first.
#[tauri::command(async)]
pub fn people_overview(
    state: State<'_, AppState>,
    include_hidden: bool,
) -> CmdResult<Vec<PersonDto>> {
    let lib = state.library()?;
    let catalog = lib.catalog()?;
    Ok(people::overview(&catalog, include_hidden)?
        .iter()
        .map(PersonDto::from)
        .collect())
}

/// One person: counts, faces (`limit`, newest photo first) and open suggestions.
#[tauri::command(async)]
pub fn person_detail(
    state: State<'_, AppState>,
    person: PersonId,
    limit: usize,
) -> CmdResult<PersonDetailDto> {
    let lib = state.library()?;
    let catalog = lib.catalog()?;
    let d = people::person_detail(&catalog, person, limit, 0)?;
    // The webview never gets paths.
    Ok(PersonDetailDto::new(person, &d, Some(limit), |_| None))
}

/// Names a person; a name someone else has merges the two (the engine's `name`).
#[tauri::command(async)]
pub fn person_name(
    state: State<'_, AppState>,
    person: PersonId,
    name: String,
) -> CmdResult<PersonEditDto> {
    let done = state.library()?.name(person, &name)?;
    Ok(PersonEditDto::from(&done))
}

/// Changes a name; `name_taken` if another person has it.
#[tauri::command(async)]
pub fn person_rename(
    state: State<'_, AppState>,
    person: PersonId,
    name: String,
) -> CmdResult<EditDto> {
    Ok(EditDto::from(&state.library()?.rename(person, &name)?))
}

/// Merges `from` into `into`.
#[tauri::command(async)]
pub fn people_merge(
    state: State<'_, AppState>,
    from: Vec<PersonId>,
    into: PersonId,
) -> CmdResult<EditDto> {
    Ok(EditDto::from(&state.library()?.merge(&from, into)?))
}

/// Says these faces are `to`, or the person named `newName` (created when nobody has it).
#[tauri::command(async)]
pub fn faces_move(
    state: State<'_, AppState>,
    faces: Vec<FaceId>,
    to: Option<PersonId>,
    new_name: Option<String>,
) -> CmdResult<PersonEditDto> {
    let target = match (to, new_name.as_deref()) {
        (Some(id), _) => MoveTarget::Person(id),
        (None, Some(name)) => MoveTarget::Named(name),
        (None, None) => {
            return Err(ApiError::new(
                "invalid",
                "say where the faces go: a person or a new name",
            ))
        }
    };
    let done = state.library()?.move_faces(&faces, target)?;
    Ok(PersonEditDto::from(&done))
}

/// "Not this person".
#[tauri::command(async)]
pub fn faces_reject(
    state: State<'_, AppState>,
    person: PersonId,
    faces: Vec<FaceId>,
) -> CmdResult<EditDto> {
    Ok(EditDto::from(&state.library()?.reject(&faces, person)?))
}

/// "Not a face" (or, with `mark: false`, a face after all).
#[tauri::command(async)]
pub fn faces_not_a_face(
    state: State<'_, AppState>,
    faces: Vec<FaceId>,
    mark: bool,
) -> CmdResult<EditDto> {
    Ok(EditDto::from(&state.library()?.not_a_face(&faces, mark)?))
}

/// Hides people from the People page (or shows them again): one edit, one undo.
#[tauri::command(async)]
pub fn people_hide(
    state: State<'_, AppState>,
    people: Vec<PersonId>,
    hidden: bool,
) -> CmdResult<EditDto> {
    Ok(EditDto::from(
        &state.library()?.set_hidden(&people, hidden)?,
    ))
}

/// Chooses the face shown on a person's card.
#[tauri::command(async)]
pub fn person_cover(
    state: State<'_, AppState>,
    person: PersonId,
    face: FaceId,
) -> CmdResult<EditDto> {
    Ok(EditDto::from(&state.library()?.set_cover(person, face)?))
}

/// "Yes, this is them": the suggested faces become their suggested person's (one edit).
#[tauri::command(async)]
pub fn suggestions_accept(state: State<'_, AppState>, faces: Vec<FaceId>) -> CmdResult<EditDto> {
    Ok(EditDto::from(&state.library()?.accept_suggestions(&faces)?))
}

/// "No": the faces are rejected for their suggested person (one edit for all of them).
#[tauri::command(async)]
pub fn suggestions_reject(state: State<'_, AppState>, faces: Vec<FaceId>) -> CmdResult<EditDto> {
    Ok(EditDto::from(&state.library()?.reject_suggestions(&faces)?))
}

/// "Are these the same person?": pairs of people (named or not) whose faces look alike, most
/// confident first. "Yes" is `people_merge([from], into)`; "no" is `people_not_same`.
#[tauri::command(async)]
pub fn people_merge_suggestions(
    state: State<'_, AppState>,
    limit: usize,
) -> CmdResult<Vec<MergeSuggestionDto>> {
    let lib = state.library()?;
    let found = lib.merge_suggestions(limit)?;
    let people = people::overview(&*lib.catalog()?, true)?;
    Ok(found
        .iter()
        .filter_map(|m| MergeSuggestionDto::new(m, &people))
        .collect())
}

/// "Not the same person" for each `(from, into)` pair: one edit, never asked again.
#[tauri::command(async)]
pub fn people_not_same(
    state: State<'_, AppState>,
    pairs: Vec<(PersonId, PersonId)>,
) -> CmdResult<EditDto> {
    Ok(EditDto::from(&state.library()?.not_same_person(&pairs)?))
}

/// A page of the faces in no person (loners, small or blurry faces, strangers), best
/// quality first. Naming them is `faces_move`; dismissing them `faces_not_a_face`.
#[tauri::command(async)]
pub fn people_unsorted(
    state: State<'_, AppState>,
    limit: usize,
    offset: usize,
) -> CmdResult<UnsortedDto> {
    let lib = state.library()?;
    let bar = lib.config()?.people.min_quality;
    let catalog = lib.catalog()?;
    let list = people::unsorted(&catalog, limit, offset)?;
    let names: HashMap<PersonId, Option<String>> = catalog
        .people()?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    // The webview never gets paths.
    Ok(UnsortedDto::new(
        &list,
        offset,
        bar,
        |p| names.get(&p).cloned().flatten(),
        |_| None,
    ))
}

/// Photos with ALL of `people` together, taken between `from` and `to` (inclusive; a bare
/// `YYYY-MM-DD` or `YYYY-MM` bound is a prefix, as the catalog's query takes it), newest first.
#[tauri::command(async)]
pub fn photos_search(
    state: State<'_, AppState>,
    people: Vec<PersonId>,
    from: Option<String>,
    to: Option<String>,
    limit: u32,
) -> CmdResult<Vec<PhotoHitDto>> {
    let lib = state.library()?;
    let catalog = lib.catalog()?;
    let query = PhotoQuery {
        people,
        from: from.filter(|d| !d.is_empty()),
        to: to.filter(|d| !d.is_empty()),
        limit: Some(limit),
        offset: 0,
    };
    Ok(catalog
        .photos(&query)?
        .iter()
        .map(PhotoHitDto::from)
        .collect())
}

/// Undoes the last people edit.
#[tauri::command(async)]
pub fn edit_undo(state: State<'_, AppState>) -> CmdResult<EditDto> {
    Ok(EditDto::from(&state.library()?.undo()?))
}

/// Redoes the edit undone last.
#[tauri::command(async)]
pub fn edit_redo(state: State<'_, AppState>) -> CmdResult<EditDto> {
    Ok(EditDto::from(&state.library()?.redo()?))
}

/// Re-clusters every undecided face now with the current clustering strictness, on its own
/// catalog handle (people commands keep working meanwhile). Names and confirmations are kept.
#[tauri::command(async)]
pub fn people_recluster(state: State<'_, AppState>) -> CmdResult<ClusterDto> {
    // Takes the library's job slot: refused (`indexing_running`) while indexing or watching
    // runs, which cluster by themselves.
    Ok(ClusterDto::from(&state.library()?.recluster()?))
}
