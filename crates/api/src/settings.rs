//! The library's settings (the desktop's Settings screen) and what the app found about its
//! setup.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use likeness_engine::{
    clustering_name, detection_name, parse_clustering, parse_detection, parse_provider,
    provider_name, ClusteringStrictness, DetectionSensitivity, DetectorKind, LocationSource,
    ProviderPreference, Settings,
};

use crate::error::ApiError;

/// Detection sensitivity: `low` (faces of 40 px and more) | `normal` | `high`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Detection {
    Low,
    Normal,
    High,
}

impl From<DetectionSensitivity> for Detection {
    fn from(d: DetectionSensitivity) -> Self {
        match d {
            DetectionSensitivity::Low => Self::Low,
            DetectionSensitivity::Normal => Self::Normal,
            DetectionSensitivity::High => Self::High,
        }
    }
}

/// Clustering strictness: `loose` | `balanced` | `strict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Clustering {
    Loose,
    Balanced,
    Strict,
}

impl From<ClusteringStrictness> for Clustering {
    fn from(c: ClusteringStrictness) -> Self {
        match c {
            ClusteringStrictness::Loose => Self::Loose,
            ClusteringStrictness::Balanced => Self::Balanced,
            ClusteringStrictness::Strict => Self::Strict,
        }
    }
}

/// Where the models run: `auto` (GPU when available) | `cpu`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ProviderChoice {
    Auto,
    Cpu,
}

impl From<ProviderPreference> for ProviderChoice {
    fn from(p: ProviderPreference) -> Self {
        match p {
            ProviderPreference::Auto => Self::Auto,
            ProviderPreference::CpuOnly => Self::Cpu,
        }
    }
}

/// Why the library is where it is: `environment` ($LIKENESS_CATALOG) | `chosen` | `default`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "LocationSource")]
pub enum LocationSourceDto {
    Environment,
    Chosen,
    Default,
}

impl From<LocationSource> for LocationSourceDto {
    fn from(s: LocationSource) -> Self {
        match s {
            LocationSource::Environment => Self::Environment,
            LocationSource::Chosen => Self::Chosen,
            LocationSource::Default => Self::Default,
        }
    }
}

/// The library's settings (as their wire names) and what the app found about its setup
/// (catalog location, models, provider, files it could not use).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SettingsDto {
    /// The face detector (`mtcnn`, `yunet`, `centerface`, `retinaface`).
    pub detector: String,
    /// Every detector this build can run, in display order.
    pub detectors: Vec<String>,
    pub detection: Detection,
    pub clustering: Clustering,
    pub provider: ProviderChoice,
    pub xmp_auto_export: bool,
    /// "Include small and blurry faces" when grouping.
    pub include_low_quality: bool,
    pub settings_file: String,
    pub catalog: String,
    pub cache: String,
    pub location_source: LocationSourceDto,
    /// The per-user file holding the chosen library folder.
    pub location_file: Option<String>,
    /// The library folder chosen for the next start, if any.
    pub next_library: Option<String>,
    pub models_dir: Option<String>,
    pub models_error: Option<String>,
    pub models: Vec<ModelFileDto>,
    /// The execution provider of the loaded pipeline (none before the first indexing).
    pub active_provider: Option<String>,
    pub warnings: Vec<String>,
}

/// A model this build accepts.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ModelFileDto {
    pub name: String,
    pub kind: String,
    pub file: String,
}

/// The library's own settings, as their wire names: what the Settings screen sends back
/// (`settings_set`) and what `likeness settings --json` prints.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SettingsInput {
    pub detector: String,
    pub detection: String,
    pub clustering: String,
    pub provider: String,
    pub xmp_auto_export: bool,
    pub include_low_quality: bool,
}

impl From<&Settings> for SettingsInput {
    fn from(s: &Settings) -> Self {
        Self {
            detector: s.detector.name().into(),
            detection: detection_name(s.detection).into(),
            clustering: clustering_name(s.clustering).into(),
            provider: provider_name(s.provider).into(),
            xmp_auto_export: s.xmp_auto_export,
            include_low_quality: s.include_low_quality,
        }
    }
}

impl TryFrom<&SettingsInput> for Settings {
    type Error = ApiError;

    /// An unknown wire name is `invalid`.
    fn try_from(input: &SettingsInput) -> Result<Self, ApiError> {
        let bad = |what: &str, v: &str| ApiError::new("invalid", format!("unknown {what} “{v}”"));
        Ok(Settings {
            detector: DetectorKind::parse(&input.detector)
                .ok_or_else(|| bad("detector", &input.detector))?,
            detection: parse_detection(&input.detection)
                .ok_or_else(|| bad("detection sensitivity", &input.detection))?,
            clustering: parse_clustering(&input.clustering)
                .ok_or_else(|| bad("clustering strictness", &input.clustering))?,
            provider: parse_provider(&input.provider)
                .ok_or_else(|| bad("provider", &input.provider))?,
            xmp_auto_export: input.xmp_auto_export,
            include_low_quality: input.include_low_quality,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn wire_names_parse_and_unknown_ones_are_invalid() {
        let input = SettingsInput {
            detector: "yunet".into(),
            detection: "high".into(),
            clustering: "strict".into(),
            provider: "cpu".into(),
            xmp_auto_export: true,
            include_low_quality: false,
        };
        let s = Settings::try_from(&input).unwrap();
        assert_eq!(s.detector, DetectorKind::Yunet);
        assert_eq!(s.detection, DetectionSensitivity::High);
        assert_eq!(s.clustering, ClusteringStrictness::Strict);
        assert_eq!(s.provider, ProviderPreference::CpuOnly);
        assert!(s.xmp_auto_export);
        // The names read back are the names written.
        let json = serde_json::to_value(Detection::from(s.detection)).unwrap();
        assert_eq!(json, serde_json::json!("high"));
        let json = serde_json::to_value(ProviderChoice::from(s.provider)).unwrap();
        assert_eq!(json, serde_json::json!("cpu"));
        let bad = SettingsInput {
            clustering: "tight".into(),
            ..input
        };
        assert_eq!(Settings::try_from(&bad).unwrap_err().code, "invalid");
        let bad = SettingsInput {
            detector: "haar".into(),
            clustering: "strict".into(),
            ..bad
        };
        assert_eq!(Settings::try_from(&bad).unwrap_err().code, "invalid");
    }
}
