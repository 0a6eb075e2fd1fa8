//! The user's settings of one library (`settings.json` beside its catalog) and the per-user
//! choice of where the library lives (`<config dir>/likeness/location.json`).
//!
//! Settings are a few coarse choices a person makes in the app, each mapped onto
//! [`EngineConfig`] by [`Settings::apply`]: how hard the detector looks for small faces, how
//! strict clustering is (`Balanced` = the engine's defaults exactly), GPU or CPU, and whether
//! people edits are written to XMP sidecars at once. Files are written atomically (a temporary
//! file in the same folder, then a rename). A file that cannot be read or parsed never stops
//! the app: [`load_settings`] returns the defaults and a warning saying why.
//!
//! The on-disk JSON is private to this module (`SettingsFile`, `LocationFile`): the public
//! types are plain data, like every core type.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use likeness_vision::{DetectorKind, ProviderPreference};

use crate::config::EngineConfig;
use crate::error::EngineError;
use crate::library::LibraryPaths;
use crate::people::PeopleConfig;

/// The settings file's name, beside the catalog.
pub const SETTINGS_FILE: &str = "settings.json";

/// How hard the detector looks for faces: the smallest face side it searches for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DetectionSensitivity {
    /// Faces of 40 px and more: fewer false faces in crowds and textures, faster.
    Low,
    /// 20 px (the engine's default).
    #[default]
    Normal,
    /// 12 px: small faces in group photos too; slower and more false faces.
    High,
}

impl DetectionSensitivity {
    /// [`EngineConfig::min_face_size`] for this level.
    pub fn min_face_size(self) -> f64 {
        match self {
            Self::Low => 40.0,
            Self::Normal => 20.0,
            Self::High => 12.0,
        }
    }
}

/// How readily faces are grouped and matched to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClusteringStrictness {
    /// Bigger groups, more suggestions: fewer clusters to merge, more faces to correct.
    Loose,
    /// The engine's defaults ([`PeopleConfig::default`]).
    #[default]
    Balanced,
    /// Smaller, purer groups, fewer suggestions: more clusters to merge by hand.
    Strict,
}

impl ClusteringStrictness {
    /// The clustering and matching thresholds for this level, on top of `base` (whose switches
    /// — `match_new_faces`, `auto_cluster`, `settle` — are kept).
    pub fn people_config(self, base: &PeopleConfig) -> PeopleConfig {
        let d = PeopleConfig::default();
        // Every distance moves by the same step around the defaults.
        let step = match self {
            Self::Loose => 0.04,
            Self::Balanced => 0.0,
            Self::Strict => -0.04,
        };
        let mut c = base.clone();
        c.cluster.eps = d.cluster.eps + step;
        c.cluster.merge_threshold = d.cluster.merge_threshold + step;
        c.cluster.attach_threshold = d.cluster.attach_threshold + step;
        if d.cluster.merge_spread > 0.0 {
            c.cluster.merge_spread = d.cluster.merge_spread + step;
        }
        c.merge_suggest = d.merge_suggest + step;
        c.auto = d.auto + step;
        c.suggest = d.suggest + step;
        c.suggest_cluster = d.suggest_cluster + step;
        c.incremental_strict = d.incremental_strict + step;
        c
    }
}

/// One library's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Settings {
    /// Which face detector indexes photos. Changing it re-detects every photo in the
    /// background at the next indexing run; the user's decisions carry over by box overlap.
    pub detector: DetectorKind,
    pub detection: DetectionSensitivity,
    pub clustering: ClusteringStrictness,
    /// GPU when available, or the CPU only.
    pub provider: ProviderPreference,
    /// Write people edits to XMP sidecars automatically. Default off in the app.
    pub xmp_auto_export: bool,
    /// "Include small and blurry faces": group faces below the quality bar too
    /// ([`PeopleConfig::min_quality`] 0). Default off.
    pub include_low_quality: bool,
}

impl Settings {
    /// Puts these settings into `config` (minimum face size, people thresholds, provider,
    /// automatic XMP export). Detection applies to the next indexing run, clustering to the
    /// next clustering run, the provider to the next time the pipeline is loaded.
    pub fn apply(&self, config: &mut EngineConfig) {
        config.set_detector(self.detector);
        config.min_face_size = self.detection.min_face_size();
        config.people = self.clustering.people_config(&config.people);
        if self.include_low_quality {
            config.people.min_quality = 0.0;
        }
        config.provider = self.provider;
        config.xmp.auto_export = self.xmp_auto_export;
    }
}

/// [`load_settings`]'s answer: the settings, and why the file was not used if it was not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedSettings {
    pub settings: Settings,
    /// Set when a file exists but could not be read or parsed (the defaults are used).
    pub warning: Option<String>,
}

/// Where `paths`' settings live: `settings.json` beside the catalog.
pub fn settings_path(paths: &LibraryPaths) -> PathBuf {
    paths.catalog.with_file_name(SETTINGS_FILE)
}

/// Reads the settings at `path`. A missing file is the defaults; an unreadable or corrupt one
/// is the defaults and a warning (logged too), never an error.
pub fn load_settings(path: &Path) -> LoadedSettings {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return LoadedSettings {
                settings: Settings::default(),
                warning: None,
            }
        }
        Err(e) => return defaults_because(path, &e.to_string()),
    };
    match serde_json::from_str::<SettingsFile>(&text) {
        Ok(file) => LoadedSettings {
            settings: file.into_settings(),
            warning: None,
        },
        Err(e) => defaults_because(path, &e.to_string()),
    }
}

fn defaults_because(path: &Path, why: &str) -> LoadedSettings {
    let warning = format!(
        "the settings file {} could not be read ({why}); the defaults are used",
        path.display()
    );
    tracing::warn!(path = %path.display(), error = why, "settings file ignored");
    LoadedSettings {
        settings: Settings::default(),
        warning: Some(warning),
    }
}

/// Writes `settings` to `path` atomically (creating its folder).
pub fn save_settings(path: &Path, settings: &Settings) -> Result<(), EngineError> {
    let json = serde_json::to_vec_pretty(&SettingsFile::from(settings)).map_err(|e| {
        EngineError::Invalid {
            message: format!("settings: {e}"),
        }
    })?;
    write_atomic(path, &json)
}

/// The per-user file that says where the library is: `<config dir>/likeness/location.json`
/// (`$XDG_CONFIG_HOME` on Linux). `None` when the platform has no config folder.
pub fn location_file() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("likeness").join("location.json"))
}

/// Where a library comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocationSource {
    /// `$LIKENESS_CATALOG` (it wins over everything; the app cannot change it).
    Environment,
    /// The folder the user chose (location file).
    Chosen,
    /// The platform default ([`LibraryPaths::platform_default`]).
    Default,
}

/// The library to open and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryLocation {
    pub paths: LibraryPaths,
    pub source: LocationSource,
    /// The location file existed but could not be used.
    pub warning: Option<String>,
}

/// Decides where the library is: `env_catalog` (`$LIKENESS_CATALOG`) if set, else the folder
/// chosen in `location_file`, else the platform default. `None` when none exists.
pub fn resolve_location(
    env_catalog: Option<OsString>,
    location_file: Option<&Path>,
) -> Option<LibraryLocation> {
    if let Some(c) = env_catalog.filter(|c| !c.is_empty()) {
        return Some(LibraryLocation {
            paths: LibraryPaths::for_catalog(&PathBuf::from(c)),
            source: LocationSource::Environment,
            warning: None,
        });
    }
    let (chosen, warning) = match location_file.map(read_location) {
        Some(Ok(chosen)) => (chosen, None),
        Some(Err(w)) => (None, Some(w)),
        None => (None, None),
    };
    match chosen {
        Some(folder) => Some(LibraryLocation {
            paths: LibraryPaths::in_dir(&folder),
            source: LocationSource::Chosen,
            warning,
        }),
        None => LibraryPaths::platform_default().map(|paths| LibraryLocation {
            paths,
            source: LocationSource::Default,
            warning,
        }),
    }
}

/// The library folder chosen in `path`, `None` without a file; a corrupt file is an `Err`
/// with the warning to show.
pub fn read_location(path: &Path) -> Result<Option<PathBuf>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let file: LocationFile = serde_json::from_str(&text)
        .map_err(|e| format!("{}: {e}; the default location is used", path.display()))?;
    if file.library.as_os_str().is_empty() || !file.library.is_absolute() {
        return Err(format!(
            "{}: the library folder must be an absolute path",
            path.display()
        ));
    }
    Ok(Some(file.library))
}

/// Chooses the library folder for the next start (`None`: back to the default), written to
/// `path` atomically. The folder must be an absolute path; it is created when the library
/// opens.
pub fn write_location(path: &Path, library: Option<&Path>) -> Result<(), EngineError> {
    match library {
        None => match std::fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(EngineError::Io {
                path: path.to_path_buf(),
                source,
            }),
        },
        Some(folder) => {
            if !folder.is_absolute() {
                return Err(EngineError::Invalid {
                    message: format!("{} is not an absolute path", folder.display()),
                });
            }
            let json = serde_json::to_vec_pretty(&LocationFile {
                library: folder.to_path_buf(),
            })
            .map_err(|e| EngineError::Invalid {
                message: format!("location: {e}"),
            })?;
            write_atomic(path, &json)
        }
    }
}

/// Creates `path`'s folder, then replaces `path` atomically ([`likeness_xmp::write_atomic`]:
/// temporary file, fsync, rename).
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), EngineError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| EngineError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    likeness_xmp::write_atomic(path, bytes).map_err(|e| match e {
        likeness_xmp::XmpError::Io { path, source } => EngineError::Io { path, source },
        other => EngineError::from(other),
    })
}

/// The models the pipeline loads, for display: the folder they are found in (or why none was
/// found) and, per model, its name, kind and file name. Nothing is read or hashed (`doctor`
/// does that).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelFiles {
    pub dir: Result<PathBuf, String>,
    /// `(name, kind, file)` of each model this build accepts.
    pub models: Vec<(String, String, String)>,
}

/// Where `config`'s models are and which they are.
pub fn model_files(config: &EngineConfig) -> ModelFiles {
    let dir = match &config.models_dir {
        Some(d) => Ok(d.clone()),
        None => likeness_vision::ModelStore::discover()
            .map(|s| s.dir().to_path_buf())
            .map_err(|e| e.to_string()),
    };
    let models = likeness_vision::models::builtin_manifests()
        .map(|ms| ms.into_iter().map(|m| (m.name, m.kind, m.file)).collect())
        .unwrap_or_default();
    ModelFiles { dir, models }
}

// ---- the files (private) ------------------------------------------------------------------

#[derive(Debug, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct SettingsFile {
    version: u32,
    detector: String,
    detection: String,
    clustering: String,
    provider: String,
    xmp_auto_export: bool,
    include_low_quality: bool,
}

impl Default for SettingsFile {
    fn default() -> Self {
        Self::from(&Settings::default())
    }
}

impl From<&Settings> for SettingsFile {
    fn from(s: &Settings) -> Self {
        Self {
            version: 1,
            detector: s.detector.name().into(),
            detection: detection_name(s.detection).into(),
            clustering: clustering_name(s.clustering).into(),
            provider: provider_name(s.provider).into(),
            xmp_auto_export: s.xmp_auto_export,
            include_low_quality: s.include_low_quality,
        }
    }
}

impl SettingsFile {
    /// Unknown values (a newer version's) fall back to the default of that one setting.
    fn into_settings(self) -> Settings {
        let mut s = Settings::default();
        if let Some(v) = DetectorKind::parse(&self.detector) {
            s.detector = v;
        }
        if let Some(v) = parse_detection(&self.detection) {
            s.detection = v;
        }
        if let Some(v) = parse_clustering(&self.clustering) {
            s.clustering = v;
        }
        if let Some(v) = parse_provider(&self.provider) {
            s.provider = v;
        }
        s.xmp_auto_export = self.xmp_auto_export;
        s.include_low_quality = self.include_low_quality;
        s
    }
}

/// `low` / `normal` / `high`.
/// The wire name of a detection level (what [`parse_detection`] reads back).
pub fn detection_name(d: DetectionSensitivity) -> &'static str {
    match d {
        DetectionSensitivity::Low => "low",
        DetectionSensitivity::Normal => "normal",
        DetectionSensitivity::High => "high",
    }
}

/// The wire name of a clustering level (what [`parse_clustering`] reads back).
pub fn clustering_name(c: ClusteringStrictness) -> &'static str {
    match c {
        ClusteringStrictness::Loose => "loose",
        ClusteringStrictness::Balanced => "balanced",
        ClusteringStrictness::Strict => "strict",
    }
}

/// The wire name of a provider preference (what [`parse_provider`] reads back).
pub fn provider_name(p: ProviderPreference) -> &'static str {
    match p {
        ProviderPreference::Auto => "auto",
        ProviderPreference::CpuOnly => "cpu",
    }
}

pub fn parse_detection(s: &str) -> Option<DetectionSensitivity> {
    Some(match s {
        "low" => DetectionSensitivity::Low,
        "normal" => DetectionSensitivity::Normal,
        "high" => DetectionSensitivity::High,
        _ => return None,
    })
}

/// `loose` / `balanced` / `strict`.
pub fn parse_clustering(s: &str) -> Option<ClusteringStrictness> {
    Some(match s {
        "loose" => ClusteringStrictness::Loose,
        "balanced" => ClusteringStrictness::Balanced,
        "strict" => ClusteringStrictness::Strict,
        _ => return None,
    })
}

/// `auto` (GPU when available) / `cpu`.
pub fn parse_provider(s: &str) -> Option<ProviderPreference> {
    Some(match s {
        "auto" => ProviderPreference::Auto,
        "cpu" => ProviderPreference::CpuOnly,
        _ => return None,
    })
}

#[derive(Debug, Serialize, Deserialize)]
struct LocationFile {
    library: PathBuf,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn missing_file_is_the_defaults_without_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let loaded = load_settings(&dir.path().join(SETTINGS_FILE));
        assert_eq!(loaded.settings, Settings::default());
        assert!(loaded.warning.is_none());
        assert!(
            !loaded.settings.xmp_auto_export,
            "auto export is off by default"
        );
    }

    #[test]
    fn saved_settings_read_back_and_leave_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lib").join(SETTINGS_FILE);
        let s = Settings {
            detector: DetectorKind::Centerface,
            detection: DetectionSensitivity::High,
            clustering: ClusteringStrictness::Strict,
            provider: ProviderPreference::CpuOnly,
            xmp_auto_export: true,
            include_low_quality: true,
        };
        save_settings(&path, &s).unwrap();
        assert_eq!(
            load_settings(&path),
            LoadedSettings {
                settings: s,
                warning: None
            }
        );
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![OsString::from(SETTINGS_FILE)]);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"xmpAutoExport\": true"), "{text}");
        assert!(text.contains("\"detector\": \"centerface\""), "{text}");
        // Overwriting replaces the file.
        save_settings(&path, &Settings::default()).unwrap();
        assert_eq!(load_settings(&path).settings, Settings::default());
    }

    #[test]
    fn corrupt_file_is_the_defaults_and_a_warning_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(SETTINGS_FILE);
        std::fs::write(&path, b"{\"detection\": \"high\", oops").unwrap();
        let loaded = load_settings(&path);
        assert_eq!(loaded.settings, Settings::default());
        let w = loaded.warning.unwrap();
        assert!(w.contains(&path.display().to_string()), "{w}");
        // Saving over a corrupt file repairs it.
        save_settings(&path, &Settings::default()).unwrap();
        assert!(load_settings(&path).warning.is_none());
    }

    #[test]
    fn unknown_values_and_missing_fields_fall_back_one_by_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(SETTINGS_FILE);
        std::fs::write(
            &path,
            br#"{"detection": "extreme", "clustering": "strict"}"#,
        )
        .unwrap();
        let loaded = load_settings(&path);
        assert!(loaded.warning.is_none());
        assert_eq!(loaded.settings.detection, DetectionSensitivity::Normal);
        assert_eq!(loaded.settings.clustering, ClusteringStrictness::Strict);
        assert_eq!(loaded.settings.provider, ProviderPreference::Auto);
    }

    #[test]
    fn balanced_is_the_engine_defaults_exactly_and_the_levels_are_ordered() {
        let mut config = EngineConfig::default();
        Settings::default().apply(&mut config);
        let d = PeopleConfig::default();
        let c = &config.people;
        assert_eq!(c.cluster, d.cluster);
        assert_eq!(
            (c.auto, c.suggest, c.suggest_cluster, c.incremental_strict),
            (d.auto, d.suggest, d.suggest_cluster, d.incremental_strict)
        );
        assert_eq!(config.min_face_size, EngineConfig::default().min_face_size);
        assert!(!config.xmp.auto_export);

        let loose = ClusteringStrictness::Loose.people_config(&d);
        let strict = ClusteringStrictness::Strict.people_config(&d);
        assert!(strict.cluster.eps < d.cluster.eps && d.cluster.eps < loose.cluster.eps);
        assert!(strict.auto < d.auto && d.auto < loose.auto);
        // The ordering between thresholds is kept at every level.
        for c in [&loose, &strict] {
            assert!(c.incremental_strict < c.auto && c.auto < c.suggest);
            assert!(c.suggest < c.suggest_cluster);
        }
        assert!(
            DetectionSensitivity::High.min_face_size() < DetectionSensitivity::Low.min_face_size()
        );
    }

    #[test]
    fn location_env_wins_then_the_chosen_folder_then_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("likeness").join("location.json");
        let chosen = dir.path().join("Pictures library");
        let env = Some(OsString::from("/tmp/elsewhere/catalog.sqlite"));

        // No file: the platform default (when the platform has one).
        let none = resolve_location(None, Some(&file));
        if let Some(l) = &none {
            assert_eq!(l.source, LocationSource::Default);
            assert!(l.warning.is_none());
        }
        write_location(&file, Some(&chosen)).unwrap();
        let l = resolve_location(None, Some(&file)).unwrap();
        assert_eq!(l.source, LocationSource::Chosen);
        assert_eq!(l.paths, LibraryPaths::in_dir(&chosen));
        let l = resolve_location(env.clone(), Some(&file)).unwrap();
        assert_eq!(l.source, LocationSource::Environment);
        assert_eq!(
            l.paths.catalog,
            PathBuf::from("/tmp/elsewhere/catalog.sqlite")
        );
        // Back to the default: the file is gone.
        write_location(&file, None).unwrap();
        assert!(!file.exists());
        write_location(&file, None).unwrap();
        assert!(write_location(&file, Some(Path::new("relative/dir"))).is_err());
    }

    #[test]
    fn corrupt_location_file_is_a_warning_and_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("location.json");
        std::fs::write(&file, b"not json").unwrap();
        assert!(read_location(&file).is_err());
        if let Some(l) = resolve_location(None, Some(&file)) {
            assert_eq!(l.source, LocationSource::Default);
            assert!(l.warning.unwrap().contains("location.json"));
        }
        std::fs::write(&file, br#"{"library": "relative"}"#).unwrap();
        assert!(read_location(&file).is_err());
    }
}
