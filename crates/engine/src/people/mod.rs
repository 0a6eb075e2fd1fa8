//! People: clustering faces into people, naming them, and the corrections that stick.
//!
//! Everything here is a thin layer over the catalog's people operations (which hold the SQL,
//! the rules and undo/redo) and `likeness-cluster` (pure math):
//! - [`ops`]: the user's operations — name (merging into the person who already has the
//!   name), rename, merge, move faces, reject, not a face, hide, cover, accept/reject
//!   suggestions, undo/redo, history — and the reads the front ends show (overview, one
//!   person, suggestions). Persons are addressed by id or name ([`find_person`]).
//! - [`recluster`]: the automatic side. Confirmed faces are *anchors*; only undecided faces
//!   (no confirmed assignment, not marked "not a face") are clustered, and every cluster is
//!   either given to the person whose anchors it sits on (Automatic, or Suggested when less
//!   sure) or kept as an unnamed cluster whose id stays stable across runs.
//! - [`merge_suggestions`]: "Are these the same person?" for pairs of people that are
//!   probably one; "no" is remembered ("not the same person", undoable).
//! - [`IncrementalMatcher`]: right after each indexing batch, new faces are matched against
//!   the anchors so they are suggested at once, before the next clustering run.
//!
//! **Invariant:** automation only ever touches undecided faces and never assigns a face to a
//! person the user rejected it from; the catalog re-checks both in SQL when it applies a plan.

mod matcher;
mod merges;
mod ops;
mod recluster;

use std::time::Duration;

use likeness_catalog::{Catalog, PersonId, PersonRow};
pub use likeness_cluster::{ClusterParams, IndexKind};

use crate::error::EngineError;

pub use matcher::{FaceMatch, IncrementalMatcher};
pub use merges::{merge_suggestions, MergeSuggestion};
pub use ops::*;
pub use recluster::{clustering_due, recluster, ReclusterSummary};

/// The quality bar of the default detector ([`quality_bar`]).
pub const DEFAULT_MIN_QUALITY: f32 = 0.1;

/// The quality bar for faces found by `kind`: each detector's scores sit on their own scale,
/// so the bar is chosen per detector, by 2-fold cross-validation over identities on
/// celeba-dev (the mean of the two halves' choices; bench/README.md, "Face quality").
pub fn quality_bar(kind: likeness_vision::DetectorKind) -> f32 {
    use likeness_vision::DetectorKind::*;
    match kind {
        Mtcnn => 0.1,
        Yunet => 0.25,
        Centerface => 0.225,
        Retinaface => 0.35,
    }
}

/// Whether a face of this quality may be clustered or matched automatically (`None`, not
/// measured, may).
pub fn quality_passes(quality: Option<f32>, min_quality: f32) -> bool {
    quality.is_none_or(|q| q >= min_quality)
}

/// How faces become people. Defaults are the measured ones (bench/README.md, "People").
#[derive(Debug, Clone)]
pub struct PeopleConfig {
    /// DBSCAN → average-linkage merge → noise attachment parameters (`likeness-cluster`).
    pub cluster: ClusterParams,
    /// A cluster whose median distance to a person's nearest confirmed face is below this is
    /// that person's (Automatic). Default 0.45.
    pub auto: f32,
    /// Below this (and not below `auto`): "Is this X?" (Suggested) for single faces (noise,
    /// new faces). Default 0.55.
    pub suggest: f32,
    /// The same bound for a whole cluster (its median member distance): "Is this cluster X?".
    /// A median is steadier than one face, so it may be looser: default 0.60, dlib's own
    /// same-person distance. It turns most split parts of a named person into one bulk
    /// acceptance instead of a merge each (bench/README.md, "Effort").
    pub suggest_cluster: f32,
    /// A new face is Automatic at once when its nearest confirmed face is closer than this…
    /// Default 0.40.
    pub incremental_strict: f32,
    /// …and at least this much closer than any other person's. Default 0.10.
    pub incremental_margin: f32,
    /// "Are these the same person?" is asked for two people whose faces are closer than this
    /// on average (and never seen together on one photo). Default 0.65.
    pub merge_suggest: f32,
    /// Faces whose quality ([`likeness_vision::QualityParts`]) is below this are kept but never
    /// clustered, matched or suggested by themselves; the user can still name them. 0 = every
    /// face. Default [`DEFAULT_MIN_QUALITY`].
    pub min_quality: f32,
    /// Match each indexing batch's new faces to confirmed people at once.
    pub match_new_faces: bool,
    /// Cluster by itself when indexing settles (end of `Indexer::run`, watch mode idle).
    pub auto_cluster: bool,
    /// Watch mode: quiet time after the last indexed change before clustering. Default 3 s.
    pub settle: Duration,
}

impl Default for PeopleConfig {
    fn default() -> Self {
        Self {
            cluster: ClusterParams::default(),
            auto: 0.45,
            suggest: 0.55,
            suggest_cluster: 0.60,
            incremental_strict: 0.40,
            incremental_margin: 0.10,
            merge_suggest: 0.65,
            min_quality: DEFAULT_MIN_QUALITY,
            match_new_faces: true,
            auto_cluster: true,
            settle: Duration::from_secs(3),
        }
    }
}

/// A distance → a 0–1 confidence for display: 1 at distance 0, 0.5 at 0.6 (the usual
/// same-person threshold of dlib descriptors), 0 at 1.2 and beyond.
pub fn confidence(distance: f32) -> f32 {
    (1.0 - distance / 1.2).clamp(0.0, 1.0)
}

/// The person `key` names: `#12` or `12` is an id (when such a person exists), anything else
/// a name (ignoring ASCII case).
pub fn find_person(catalog: &Catalog, key: &str) -> Result<PersonRow, EngineError> {
    let key = key.trim();
    let digits = key.strip_prefix('#').unwrap_or(key);
    if let Ok(id) = digits.parse::<PersonId>() {
        if let Some(row) = catalog.person(id)? {
            return Ok(row);
        }
        if key.starts_with('#') {
            return Err(EngineError::UnknownPersonId { id });
        }
    }
    catalog
        .person_by_name(key)?
        .ok_or_else(|| EngineError::UnknownPerson {
            name: key.to_string(),
        })
}

/// How a person is shown to the user: the name, or "unnamed #id".
pub fn display_name(id: PersonId, name: Option<&str>) -> String {
    match name {
        Some(n) => n.to_string(),
        None => format!("unnamed #{id}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_bar_is_the_default_detectors() {
        assert_eq!(
            PeopleConfig::default().min_quality,
            quality_bar(likeness_vision::DetectorKind::default())
        );
    }
}
