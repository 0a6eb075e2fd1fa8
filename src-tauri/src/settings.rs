//! Settings commands: read and change the library's settings (`settings.json` beside the
//! catalog, through the engine's settings store), and choose the library folder for the next
//! start (the per-user location file). Detection and provider changes take effect at the next
//! indexing run, clustering strictness at the next clustering (or `people_recluster`), the
//! library folder after a restart; XMP auto-export at once.

use std::path::{Path, PathBuf};

use tauri::State;

use likeness_api::{ApiError, ModelFileDto, SettingsDto, SettingsInput};
use likeness_engine::{
    location_file, model_files, read_location, settings_path, write_location, Settings,
};

use crate::state::{AppState, Library};

type CmdResult<T> = Result<T, ApiError>;

/// The library's settings and what the app knows about its setup.
#[tauri::command(async)]
pub fn settings_get(state: State<'_, AppState>) -> CmdResult<SettingsDto> {
    let lib = state.library()?;
    settings_dto(&lib)
}

/// Saves and applies new settings; answers with the settings now in force.
#[tauri::command(async)]
pub fn settings_set(state: State<'_, AppState>, settings: SettingsInput) -> CmdResult<SettingsDto> {
    let lib = state.library()?;
    lib.set_settings(Settings::try_from(&settings)?)?;
    settings_dto(&lib)
}

/// Chooses the folder the library lives in from the next start (`None`: the default place).
/// The current library is not moved or copied: a new folder starts a new library.
#[tauri::command(async)]
pub fn library_location_set(
    state: State<'_, AppState>,
    folder: Option<String>,
) -> CmdResult<SettingsDto> {
    let lib = state.library()?;
    let file = location_file().ok_or_else(|| {
        ApiError::new(
            "no_library_location",
            "this system has no folder for per-user settings",
        )
    })?;
    let folder = folder.filter(|f| !f.trim().is_empty()).map(PathBuf::from);
    write_location(&file, folder.as_deref())?;
    settings_dto(&lib)
}

fn settings_dto(lib: &Library) -> CmdResult<SettingsDto> {
    let s = lib.settings()?;
    let config = lib.config()?;
    let models = model_files(&config);
    let file = location_file();
    let next = file
        .as_deref()
        .and_then(|f| read_location(f).ok().flatten());
    let (models_dir, models_error) = match models.dir {
        Ok(d) => (Some(shown(&d)), None),
        Err(e) => (None, Some(e)),
    };
    Ok(SettingsDto {
        detector: s.detector.name().into(),
        detectors: likeness_engine::DetectorKind::ALL
            .iter()
            .map(|d| d.name().to_string())
            .collect(),
        detection: s.detection.into(),
        clustering: s.clustering.into(),
        provider: s.provider.into(),
        xmp_auto_export: s.xmp_auto_export,
        include_low_quality: s.include_low_quality,
        settings_file: shown(&settings_path(lib.paths())),
        catalog: shown(&lib.paths().catalog),
        cache: shown(&lib.paths().cache),
        location_source: lib.source.into(),
        location_file: file.as_deref().map(shown),
        next_library: next.as_deref().map(shown),
        models_dir,
        models_error,
        models: models
            .models
            .into_iter()
            .map(|(name, kind, file)| ModelFileDto { name, kind, file })
            .collect(),
        active_provider: lib.active_provider().map(str::to_string),
        warnings: lib.warnings.clone(),
    })
}

fn shown(p: &Path) -> String {
    p.display().to_string()
}
