//! XMP face tags: what `likeness xmp export` / `import` did. Outcome, action and warning
//! names are values (`would_write`, `manual_face`, …), not keys.

use serde::Serialize;
use ts_rs::TS;

use likeness_engine::catalog::{FaceId, ImportConflictReason};
use likeness_engine::xmp::{
    ExportOutcome, ExportSummary, ImportAction, ImportSummary, ImportWarning, ManualEmbedding,
    RegionOrigin,
};

use crate::people::EditDto;

/// `likeness xmp export --json`.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct XmpExportDto {
    pub dry_run: bool,
    /// Files written (in a dry run: that would be written).
    pub written: u64,
    pub unchanged: u64,
    pub skipped: u64,
    pub failed: u64,
    pub cancelled: bool,
    pub seconds: f64,
    /// Photos with at least one file written, failed, or skipped for a reason.
    pub photos: Vec<XmpPhotoExportDto>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct XmpPhotoExportDto {
    pub photo: i64,
    /// Names exported (one per face).
    pub names: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub skipped: Option<String>,
    pub files: Vec<XmpFileExportDto>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct XmpFileExportDto {
    pub path: String,
    /// written | would_write | unchanged | skipped | failed
    pub outcome: &'static str,
    /// failed: malformed | too_large | forbidden | not_jpeg | io
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub message: Option<String>,
}

impl XmpExportDto {
    /// With `all_photos` false, photos whose files are all unchanged are left out.
    pub fn new(s: &ExportSummary, all_photos: bool) -> Self {
        let photos = s
            .photos
            .iter()
            .filter(|p| {
                all_photos
                    || p.files
                        .iter()
                        .any(|f| !matches!(f.outcome, ExportOutcome::Unchanged))
            })
            .map(|p| XmpPhotoExportDto {
                photo: p.photo,
                names: p.regions.iter().map(|r| r.0.clone()).collect(),
                skipped: p.skipped.clone(),
                files: p
                    .files
                    .iter()
                    .map(|f| {
                        let (outcome, code, message) = match &f.outcome {
                            ExportOutcome::Written => ("written", None, None),
                            ExportOutcome::WouldWrite => ("would_write", None, None),
                            ExportOutcome::Unchanged => ("unchanged", None, None),
                            ExportOutcome::Skipped { reason } => {
                                ("skipped", None, Some(reason.clone()))
                            }
                            ExportOutcome::Failed { code, message } => {
                                ("failed", Some(*code), Some(message.clone()))
                            }
                        };
                        XmpFileExportDto {
                            path: f.target.display().to_string(),
                            outcome,
                            code,
                            message,
                        }
                    })
                    .collect(),
            })
            .collect();
        Self {
            dry_run: s.dry_run,
            written: s.written,
            unchanged: s.unchanged,
            skipped: s.skipped,
            failed: s.failed,
            cancelled: s.cancelled,
            seconds: s.elapsed.as_secs_f64(),
            photos,
        }
    }
}

/// `likeness xmp import --json`.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct XmpImportDto {
    pub dry_run: bool,
    /// The undoable edit (`likeness people undo` reverts the whole import).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub edit: Option<EditDto>,
    pub confirmed: u64,
    pub manual_faces: u64,
    pub people_created: u64,
    pub unchanged: u64,
    pub conflicts: u64,
    pub warnings: u64,
    pub not_in_catalog: u64,
    pub cancelled: bool,
    pub seconds: f64,
    pub photos: Vec<XmpPhotoImportDto>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct XmpPhotoImportDto {
    pub path: String,
    /// null: not in the catalog (index it first).
    pub photo: Option<i64>,
    pub sources: Vec<String>,
    #[ts(type = "number")]
    pub regions: usize,
    pub actions: Vec<XmpImportActionDto>,
    pub warnings: Vec<XmpImportWarningDto>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct XmpImportActionDto {
    /// confirmed | manual_face | unchanged | conflict
    pub action: &'static str,
    pub face: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub person: Option<i64>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[ts(as = "Option<bool>", optional)]
    pub person_created: bool,
    /// manual_face: detected (the detector found it in the region) | estimated_landmarks |
    /// not_computed (dry run)
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub embedding: Option<&'static str>,
    /// conflict: confirmed_to_other | rejected | not_a_face
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub conflict: Option<&'static str>,
    /// conflict with confirmed_to_other: who the user said it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub kept: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct XmpImportWarningDto {
    /// unreadable | ignored | names_without_region | manual_face_failed
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub source: Option<String>,
    pub message: String,
}

fn origin(o: &RegionOrigin) -> String {
    match o {
        RegionOrigin::Sidecar(p) => p.display().to_string(),
        RegionOrigin::Embedded => "embedded".into(),
    }
}

impl XmpImportActionDto {
    pub fn new(a: &ImportAction) -> Self {
        let base = |action, face: FaceId, name: &str| XmpImportActionDto {
            action,
            face,
            name: name.to_string(),
            person: None,
            person_created: false,
            embedding: None,
            conflict: None,
            kept: None,
        };
        match a {
            ImportAction::Confirmed {
                face,
                name,
                person,
                person_created,
            } => XmpImportActionDto {
                person: Some(*person),
                person_created: *person_created,
                ..base("confirmed", *face, name)
            },
            ImportAction::ManualFace {
                face,
                name,
                person,
                person_created,
                embedding,
                ..
            } => XmpImportActionDto {
                person: Some(*person),
                person_created: *person_created,
                embedding: Some(match embedding {
                    ManualEmbedding::Detected { .. } => "detected",
                    ManualEmbedding::EstimatedLandmarks => "estimated_landmarks",
                    ManualEmbedding::NotComputed => "not_computed",
                }),
                ..base("manual_face", *face, name)
            },
            ImportAction::Unchanged { face, name } => base("unchanged", *face, name),
            ImportAction::Conflict { face, name, reason } => {
                let (conflict, kept) = match reason {
                    ImportConflictReason::ConfirmedToOther { person, name } => (
                        "confirmed_to_other",
                        Some(name.clone().unwrap_or_else(|| format!("#{person}"))),
                    ),
                    ImportConflictReason::Rejected => ("rejected", None),
                    ImportConflictReason::NotAFace => ("not_a_face", None),
                };
                XmpImportActionDto {
                    conflict: Some(conflict),
                    kept,
                    ..base("conflict", *face, name)
                }
            }
        }
    }
}

impl XmpImportWarningDto {
    pub fn new(w: &ImportWarning) -> Self {
        match w {
            ImportWarning::Unreadable {
                origin: o,
                code,
                message,
            } => Self {
                kind: "unreadable",
                code: Some(code),
                source: Some(origin(o)),
                message: message.clone(),
            },
            ImportWarning::Ignored {
                origin: o,
                name,
                reason,
            } => Self {
                kind: "ignored",
                code: None,
                source: Some(origin(o)),
                message: match name {
                    Some(n) => format!("{n}: {reason}"),
                    None => reason.clone(),
                },
            },
            ImportWarning::NamesWithoutRegion { names } => Self {
                kind: "names_without_region",
                code: None,
                source: None,
                message: format!(
                    "named in the file without a face region (not assigned): {}",
                    names.join(", ")
                ),
            },
            ImportWarning::ManualFaceFailed { name, message } => Self {
                kind: "manual_face_failed",
                code: None,
                source: None,
                message: format!("{name}: {message}"),
            },
        }
    }
}

impl XmpImportDto {
    pub fn new(s: &ImportSummary) -> Self {
        Self {
            dry_run: s.dry_run,
            edit: s.edit.as_ref().map(EditDto::from),
            confirmed: s.confirmed,
            manual_faces: s.manual_faces,
            people_created: s.people_created,
            unchanged: s.unchanged,
            conflicts: s.conflicts,
            warnings: s.warnings,
            not_in_catalog: s.not_in_catalog,
            cancelled: s.cancelled,
            seconds: s.elapsed.as_secs_f64(),
            photos: s
                .photos
                .iter()
                .map(|p| XmpPhotoImportDto {
                    path: p.path.display().to_string(),
                    photo: p.photo,
                    sources: p.sources.iter().map(origin).collect(),
                    regions: p.regions,
                    actions: p.actions.iter().map(XmpImportActionDto::new).collect(),
                    warnings: p.warnings.iter().map(XmpImportWarningDto::new).collect(),
                })
                .collect(),
        }
    }
}
