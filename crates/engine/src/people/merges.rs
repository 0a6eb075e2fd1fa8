//! "Are these the same person?": pairs of people (named or unnamed groups) that are probably
//! one person, ranked by how sure we are. Accepting one is one merge; turning one down records
//! "not the same person" so the pair is never offered again.

use std::collections::{BTreeSet, HashMap, HashSet};

use likeness_catalog::{Catalog, PersonId, PhotoId, Provenance};

use super::matcher::squared_l2;
use super::{confidence, PeopleConfig};
use crate::error::EngineError;

/// Faces per person the pair distances are measured on (evenly spaced, deterministic).
const SAMPLE: usize = 32;
/// Nearest people (by face centroid) each person is compared with.
const CANDIDATES: usize = 8;

/// One "Are these the same person?" question.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeSuggestion {
    /// Merged away on "yes": the unnamed one, else the smaller.
    pub from: PersonId,
    /// Kept on "yes".
    pub into: PersonId,
    /// Mean distance between the two people's (sampled) faces.
    pub distance: f32,
    /// [`confidence`] of `distance`.
    pub confidence: f32,
}

struct Person {
    id: PersonId,
    named: bool,
    faces: usize,
    photos: HashSet<PhotoId>,
    sample: Vec<Vec<f32>>,
    centroid: Vec<f32>,
}

fn l2(a: &[f32], b: &[f32]) -> f32 {
    squared_l2(a, b).sqrt()
}

/// Pairs of visible people whose faces sit closer than `config.merge_suggest` on average,
/// never two people seen together on one photo (two faces of one photo are two people) nor a
/// pair the user said are not the same person; most confident first, at most `limit`.
/// Faces counted are the listed ones (confirmed and automatic) on live photos. Each person
/// is merged away in one question at most (its most likely match).
pub fn merge_suggestions(
    catalog: &Catalog,
    config: &PeopleConfig,
    limit: usize,
) -> Result<Vec<MergeSuggestion>, EngineError> {
    let rows = catalog.people()?;
    let hidden: HashSet<PersonId> = rows.iter().filter(|p| p.hidden).map(|p| p.id).collect();
    let named: HashSet<PersonId> = rows
        .iter()
        .filter(|p| p.name.is_some())
        .map(|p| p.id)
        .collect();
    let distinct: HashSet<(PersonId, PersonId)> = catalog.distinct_pairs()?.into_iter().collect();
    let mut by_person: HashMap<PersonId, (Vec<Vec<f32>>, HashSet<PhotoId>)> = HashMap::new();
    for f in catalog.clustering_input()? {
        if f.not_face || f.embedding.is_empty() {
            continue;
        }
        if let Some((p, prov)) = f.assignment {
            if prov != Provenance::Suggested && !hidden.contains(&p) {
                let e = by_person.entry(p).or_default();
                e.0.push(f.embedding);
                e.1.insert(f.photo);
            }
        }
    }
    let dim = by_person
        .values()
        .find_map(|(faces, _)| faces.first().map(Vec::len))
        .unwrap_or(0);
    let mut people: Vec<Person> = by_person
        .into_iter()
        .map(|(id, (faces, photos))| {
            let faces: Vec<Vec<f32>> = faces.into_iter().filter(|f| f.len() == dim).collect();
            let mut centroid = vec![0f64; dim];
            for f in &faces {
                for (c, x) in centroid.iter_mut().zip(f) {
                    *c += f64::from(*x);
                }
            }
            let n = faces.len().max(1) as f64;
            let step = faces.len().div_ceil(SAMPLE).max(1);
            Person {
                id,
                named: named.contains(&id),
                faces: faces.len(),
                photos,
                sample: faces.iter().step_by(step).cloned().collect(),
                centroid: centroid.iter().map(|c| (c / n) as f32).collect(),
            }
        })
        .filter(|p| p.faces > 0)
        .collect();
    people.sort_by_key(|p| p.id);
    let bound = config.merge_suggest;
    let mut pairs: BTreeSet<(usize, usize)> = BTreeSet::new();
    for (i, p) in people.iter().enumerate() {
        // The mean of the pairwise distances is at least the distance of the centroids, so
        // people whose centroids are farther apart than the bound can never qualify.
        let mut near: Vec<(f32, usize)> = people
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(j, q)| (l2(&p.centroid, &q.centroid), j))
            .filter(|(d, _)| *d < bound)
            .collect();
        near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for &(_, j) in near.iter().take(CANDIDATES) {
            pairs.insert((i.min(j), i.max(j)));
        }
    }
    let mut out = Vec::new();
    for (i, j) in pairs {
        let (a, b) = (&people[i], &people[j]);
        if distinct.contains(&(a.id.min(b.id), a.id.max(b.id))) {
            continue;
        }
        // Seen together on one photo: two people.
        if a.photos.iter().any(|ph| b.photos.contains(ph)) {
            continue;
        }
        let mut sum = 0f64;
        for x in &a.sample {
            for y in &b.sample {
                sum += f64::from(l2(x, y));
            }
        }
        let d = (sum / (a.sample.len() * b.sample.len()).max(1) as f64) as f32;
        if d >= bound {
            continue;
        }
        // The named one stays; between two of a kind, the bigger one.
        let a_stays = match (a.named, b.named) {
            (true, false) => true,
            (false, true) => false,
            _ => (a.faces, std::cmp::Reverse(a.id)) >= (b.faces, std::cmp::Reverse(b.id)),
        };
        let (into, from) = if a_stays { (a.id, b.id) } else { (b.id, a.id) };
        out.push(MergeSuggestion {
            from,
            into,
            distance: d,
            confidence: confidence(d),
        });
    }
    out.sort_by(|x, y| {
        x.distance
            .total_cmp(&y.distance)
            .then(x.from.cmp(&y.from))
            .then(x.into.cmp(&y.into))
    });
    // One question per person merged away: its most likely match (after "yes", the other
    // candidates are asked about against the merged person on the next look).
    let mut asked: HashSet<PersonId> = HashSet::new();
    out.retain(|m| asked.insert(m.from));
    out.truncate(limit);
    Ok(out)
}
