//! Settings commands: read and change the library's settings (`settings.json` beside the
//! catalog, through the engine's settings store), and choose the library folder for the next
//! start (the per-user location file). Detection and provider changes take effect at the next
//! indexing run, clustering strictness at the next clustering (or `people_recluster`), the
//! library folder after a restart; XMP auto-export at once.

use std::path::{Path, PathBuf};

use tauri::State;

use likeness_engine::{
    location_file, model_files, parse_clustering, parse_detection, parse_provider, read_location,
    settings_path, write_location, ClusteringStrictness, DetectionSensitivity, LocationSource,
    ProviderPreference, Settings,
};

use crate::dto::{ErrorDto, ModelDto, SettingsDto, SettingsInput};
use crate::state::{AppState, Library};

type CmdResult<T> = Result<T, ErrorDto>;

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
    lib.set_settings(parse(&settings)?)?;
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
        ErrorDto::new(
            "no_library_location",
            "this system has no folder for per-user settings",
        )
    })?;
    let folder = folder.filter(|f| !f.trim().is_empty()).map(PathBuf::from);
    write_location(&file, folder.as_deref())?;
    settings_dto(&lib)
}

fn parse(input: &SettingsInput) -> CmdResult<Settings> {
    let bad = |what: &str, v: &str| ErrorDto::new("invalid", format!("unknown {what} “{v}”"));
    Ok(Settings {
        detection: parse_detection(&input.detection)
            .ok_or_else(|| bad("detection sensitivity", &input.detection))?,
        clustering: parse_clustering(&input.clustering)
            .ok_or_else(|| bad("clustering strictness", &input.clustering))?,
        provider: parse_provider(&input.provider)
            .ok_or_else(|| bad("provider", &input.provider))?,
        xmp_auto_export: input.xmp_auto_export,
    })
}

fn settings_dto(lib: &Library) -> CmdResult<SettingsDto> {
    let s = lib.settings()?;
    let config = lib.engine_config()?;
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
        detection: match s.detection {
            DetectionSensitivity::Low => "low",
            DetectionSensitivity::Normal => "normal",
            DetectionSensitivity::High => "high",
        },
        clustering: match s.clustering {
            ClusteringStrictness::Loose => "loose",
            ClusteringStrictness::Balanced => "balanced",
            ClusteringStrictness::Strict => "strict",
        },
        provider: match s.provider {
            ProviderPreference::Auto => "auto",
            ProviderPreference::CpuOnly => "cpu",
        },
        xmp_auto_export: s.xmp_auto_export,
        settings_file: shown(&settings_path(&lib.paths)),
        catalog: shown(&lib.paths.catalog),
        cache: shown(&lib.paths.cache),
        location_source: match lib.source {
            LocationSource::Environment => "environment",
            LocationSource::Chosen => "chosen",
            LocationSource::Default => "default",
        },
        location_file: file.as_deref().map(shown),
        next_library: next.as_deref().map(shown),
        models_dir,
        models_error,
        models: models
            .models
            .into_iter()
            .map(|(name, kind, file)| ModelDto { name, kind, file })
            .collect(),
        active_provider: lib.active_provider().map(str::to_string),
        warnings: lib.warnings.clone(),
    })
}

fn shown(p: &Path) -> String {
    p.display().to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn wire_names_parse_and_unknown_ones_are_invalid() {
        let input = SettingsInput {
            detection: "high".into(),
            clustering: "strict".into(),
            provider: "cpu".into(),
            xmp_auto_export: true,
        };
        let s = parse(&input).unwrap();
        assert_eq!(s.detection, DetectionSensitivity::High);
        assert_eq!(s.clustering, ClusteringStrictness::Strict);
        assert_eq!(s.provider, ProviderPreference::CpuOnly);
        assert!(s.xmp_auto_export);
        let bad = SettingsInput {
            clustering: "tight".into(),
            ..input
        };
        assert_eq!(parse(&bad).unwrap_err().code, "invalid");
    }
}
