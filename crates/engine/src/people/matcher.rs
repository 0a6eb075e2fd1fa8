//! Matching one new face against the people the user confirmed, without a clustering run.

use std::collections::HashMap;

use likeness_catalog::{PersonId, Provenance};

use super::{confidence, PeopleConfig};

/// The best person for a face, as [`IncrementalMatcher::match_face`] decides.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceMatch {
    pub person: PersonId,
    /// Automatic (strict match) or Suggested ("Is this X?").
    pub provenance: Provenance,
    /// L2 distance to the person's nearest confirmed face.
    pub distance: f32,
    /// Second-best person's nearest distance (`f32::INFINITY` when there is none).
    pub runner_up: f32,
    /// [`confidence`] of `distance`.
    pub confidence: f32,
}

/// Brute-force nearest anchor over the confirmed faces ("anchors") of every person.
///
/// A new face whose nearest anchor (person P, distance d1) is closer than
/// `incremental_strict` **and** at least `incremental_margin` closer than the nearest anchor of
/// any other person (d2 − d1 ≥ margin) is Automatic; otherwise, if d1 < `suggest`, it is
/// Suggested. Built once per indexing run (anchors only change by user decisions); the cost
/// per face is one pass over the anchors (128 multiply-adds each), which is negligible next to
/// the face pipeline for up to tens of thousands of confirmed faces.
#[derive(Debug, Clone)]
pub struct IncrementalMatcher {
    dim: usize,
    /// Per person (sorted by id), its anchors' embeddings back to back.
    people: Vec<(PersonId, Vec<f32>)>,
    anchors: usize,
    strict: f32,
    margin: f32,
    suggest: f32,
}

impl IncrementalMatcher {
    /// An empty matcher with `config`'s thresholds.
    pub fn new(config: &PeopleConfig) -> Self {
        Self {
            dim: 0,
            people: Vec::new(),
            anchors: 0,
            strict: config.incremental_strict,
            margin: config.incremental_margin,
            suggest: config.suggest,
        }
    }

    /// Adds a confirmed face of `person`. Embeddings of another length than the first one are
    /// ignored (another model).
    pub fn add_anchor(&mut self, person: PersonId, embedding: &[f32]) {
        if embedding.is_empty() {
            return;
        }
        if self.dim == 0 {
            self.dim = embedding.len();
        }
        if embedding.len() != self.dim {
            return;
        }
        let at = match self.people.binary_search_by_key(&person, |p| p.0) {
            Ok(i) => i,
            Err(i) => {
                self.people.insert(i, (person, Vec::new()));
                i
            }
        };
        self.people[at].1.extend_from_slice(embedding);
        self.anchors += 1;
    }

    /// Confirmed faces held.
    pub fn anchors(&self) -> usize {
        self.anchors
    }

    pub fn is_empty(&self) -> bool {
        self.anchors == 0
    }

    /// Distance from `embedding` to `person`'s nearest anchor (None without anchors).
    pub fn nearest_of(&self, person: PersonId, embedding: &[f32]) -> Option<f32> {
        if self.dim == 0 || embedding.len() != self.dim {
            return None;
        }
        let i = self.people.binary_search_by_key(&person, |p| p.0).ok()?;
        nearest_in(&self.people[i].1, self.dim, embedding)
    }

    /// Nearest anchor distance per person, for `embedding` (people listed in `excluded` —
    /// e.g. the user rejected this face for them — are left out).
    pub fn nearest_per_person(
        &self,
        embedding: &[f32],
        excluded: &[PersonId],
    ) -> HashMap<PersonId, f32> {
        let mut best = HashMap::new();
        if self.dim == 0 || embedding.len() != self.dim {
            return best;
        }
        for (person, rows) in &self.people {
            if excluded.contains(person) {
                continue;
            }
            if let Some(d) = nearest_in(rows, self.dim, embedding) {
                best.insert(*person, d);
            }
        }
        best
    }

    /// The person this face is, if any (see the type's docs for the rule).
    pub fn match_face(&self, embedding: &[f32], excluded: &[PersonId]) -> Option<FaceMatch> {
        let per_person = self.nearest_per_person(embedding, excluded);
        let mut ranked: Vec<(PersonId, f32)> = per_person.into_iter().collect();
        ranked.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        let &(person, d1) = ranked.first()?;
        let d2 = ranked.get(1).map_or(f32::INFINITY, |r| r.1);
        let provenance = if d1 < self.strict && d2 - d1 >= self.margin {
            Provenance::Automatic
        } else if d1 < self.suggest {
            Provenance::Suggested
        } else {
            return None;
        };
        Some(FaceMatch {
            person,
            provenance,
            distance: d1,
            runner_up: d2,
            confidence: confidence(d1),
        })
    }
}

/// Smallest L2 distance from `embedding` to the rows of `rows`.
fn nearest_in(rows: &[f32], dim: usize, embedding: &[f32]) -> Option<f32> {
    rows.chunks_exact(dim)
        .map(|row| squared_l2(row, embedding))
        .min_by(f32::total_cmp)
        .map(f32::sqrt)
}

/// Squared L2 distance. Eight independent accumulators let the compiler vectorise the loop
/// (one running f32 sum cannot be reordered); the same inputs always give the same result.
pub(crate) fn squared_l2(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            let d = x[i] - y[i];
            acc[i] += d * d;
        }
    }
    let mut sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (x, y) in ra.iter().zip(rb) {
        let d = x - y;
        sum += d * d;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(x: f32) -> Vec<f32> {
        let mut v = vec![0.0; 4];
        v[0] = x;
        v
    }

    #[test]
    fn squared_l2_matches_the_plain_sum() {
        let a: Vec<f32> = (0..131).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..131).map(|i| (i as f32 * 0.11).cos()).collect();
        let plain: f32 = a.iter().zip(&b).map(|(x, y)| (x - y) * (x - y)).sum();
        assert!((squared_l2(&a, &b) - plain).abs() < 1e-4 * plain);
    }

    #[test]
    fn strict_needs_a_margin_over_the_second_person() {
        let config = PeopleConfig::default();
        let mut m = IncrementalMatcher::new(&config);
        m.add_anchor(1, &point(0.0));
        m.add_anchor(2, &point(1.0));
        // 0.1 from person 1, 0.9 from person 2: automatic.
        let hit = m.match_face(&point(0.1), &[]).expect("match");
        assert_eq!((hit.person, hit.provenance), (1, Provenance::Automatic));
        // 0.48 / 0.52: close to both → only a suggestion.
        let hit = m.match_face(&point(0.48), &[]).expect("match");
        assert_eq!((hit.person, hit.provenance), (1, Provenance::Suggested));
        // Rejected person 1: person 2 at 0.9 is too far.
        assert!(m.match_face(&point(0.1), &[1]).is_none());
        // Far from everyone.
        assert!(m.match_face(&point(-1.0), &[]).is_none());
        // Another length: ignored.
        assert!(m.match_face(&[0.0; 3], &[]).is_none());
    }
}
