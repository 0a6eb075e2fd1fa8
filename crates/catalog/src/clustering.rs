//! What clustering reads and how its result is stored. Automation: never an edit, never
//! overrides the user (confirmed faces, "not a face" marks and rejections are re-checked in
//! SQL inside the transaction that stores the plan).

use std::collections::{HashMap, HashSet};

use rusqlite::types::Type;
use rusqlite::{params, Connection, OptionalExtension};

use crate::db::Catalog;
use crate::error::{CatalogError, Fault, Res};
use crate::people::{insert_person, next_person_id};
use crate::types::{
    ClusterFace, ClusterTarget, ClusteringApplied, ClusteringPlan, FaceId, PersonId, Provenance,
};

impl Catalog {
    /// Every face on a live photo, ascending id, with its embedding, assignment, "not a face"
    /// mark and rejections. One pass over the faces (a million load in seconds).
    pub fn clustering_input(&self) -> Result<Vec<ClusterFace>, CatalogError> {
        self.read(|c| {
            let mut rejected: HashMap<FaceId, Vec<PersonId>> = HashMap::new();
            let mut st = c.prepare(
                "SELECT j.face_id, j.person_id FROM rejections j
                 JOIN faces f ON f.id = j.face_id JOIN photos p ON p.id = f.photo_id
                 WHERE p.orphaned_at IS NULL ORDER BY j.face_id, j.person_id",
            )?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                rejected.entry(r.get(0)?).or_default().push(r.get(1)?);
            }
            let n: i64 = c.query_row("SELECT count(*) FROM faces", [], |r| r.get(0))?;
            let mut out = Vec::with_capacity(usize::try_from(n).unwrap_or(0));
            let mut st = c.prepare(
                "SELECT f.id, f.photo_id, f.embedding, a.person_id, a.provenance, f.not_face,
                        f.quality
                 FROM photos p JOIN faces f ON f.photo_id = p.id
                 LEFT JOIN assignments a ON a.face_id = f.id
                 WHERE p.orphaned_at IS NULL ORDER BY f.id",
            )?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let face: FaceId = r.get(0)?;
                let blob = r.get_ref(2)?.as_blob().map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(2, Type::Blob, Box::new(e))
                })?;
                let embedding = blob
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect();
                let assignment = match r.get::<_, Option<PersonId>>(3)? {
                    Some(p) => Some((p, r.get::<_, Provenance>(4)?)),
                    None => None,
                };
                out.push(ClusterFace {
                    face,
                    photo: r.get(1)?,
                    embedding,
                    assignment,
                    not_face: r.get(5)?,
                    rejected: rejected.remove(&face).unwrap_or_default(),
                    quality: r.get(6)?,
                });
            }
            Ok(out)
        })
    }

    /// Stores a clustering run in one transaction: writes each cluster (Automatic to an
    /// unnamed person — reused if it still exists and is still unnamed, else created — or the
    /// target's provenance to an existing person), drops the Automatic and Suggested assignments of
    /// the other faces of `plan.faces`, writes the suggestions (never replacing an
    /// assignment), and finally deletes unnamed, non-hidden people left with no assignment.
    /// Every rule is re-checked here: a face confirmed or marked "not a face" since the plan
    /// was read is skipped, a rejected (face, person) pair is never written, a person that no
    /// longer exists is skipped. Not an edit (not undoable). Invalid for a Confirmed
    /// provenance in the plan.
    pub fn apply_clustering(
        &mut self,
        plan: &ClusteringPlan,
        now: i64,
    ) -> Result<ClusteringApplied, CatalogError> {
        self.write(|tx| {
            let mut out = ClusteringApplied::default();
            let confirmed_in_plan = plan
                .clusters
                .iter()
                .any(|c| matches!(c.target, ClusterTarget::Person(_, Provenance::Confirmed)))
                || plan
                    .suggestions
                    .iter()
                    .any(|s| s.provenance == Provenance::Confirmed);
            if confirmed_in_plan {
                return Err(Fault::Invalid(
                    "clustering cannot write Confirmed assignments".into(),
                ));
            }
            // Faces written by this run; the other faces of the plan lose their Automatic
            // and Suggested assignments before the suggestions are written.
            let mut written: HashSet<FaceId> = HashSet::new();
            for cluster in &plan.clusters {
                let (mut person, provenance) = match cluster.target {
                    ClusterTarget::Unnamed(Some(id)) if still_unnamed(tx, id)? => {
                        (Some(id), Provenance::Automatic)
                    }
                    ClusterTarget::Unnamed(_) => (None, Provenance::Automatic),
                    ClusterTarget::Person(id, prov) => {
                        if !exists(tx, id)? {
                            out.skipped += cluster.faces.len() as u64;
                            continue;
                        }
                        (Some(id), prov)
                    }
                };
                for &(face, confidence) in &cluster.faces {
                    let id = match person {
                        Some(id) => id,
                        None if assignable(tx, face)? => {
                            let id = next_person_id(tx)?;
                            insert_person(tx, id, None, now)?;
                            out.people_created += 1;
                            person = Some(id);
                            id
                        }
                        None => {
                            out.skipped += 1;
                            continue;
                        }
                    };
                    if put_automatic(tx, face, id, provenance, Some(confidence), now, false)? {
                        written.insert(face);
                        match provenance {
                            Provenance::Suggested => out.suggested += 1,
                            _ => out.assigned += 1,
                        }
                    } else {
                        out.skipped += 1;
                    }
                }
            }
            {
                let mut st = tx.prepare_cached(
                    "DELETE FROM assignments WHERE face_id = ?1 AND provenance <> 'confirmed'",
                )?;
                for f in plan.faces.iter().filter(|f| !written.contains(f)) {
                    st.execute([f])?;
                }
            }
            for s in &plan.suggestions {
                if exists(tx, s.person)?
                    && put_automatic(tx, s.face, s.person, s.provenance, s.confidence, now, true)?
                {
                    match s.provenance {
                        Provenance::Suggested => out.suggested += 1,
                        _ => out.assigned += 1,
                    }
                } else {
                    out.skipped += 1;
                }
            }
            out.people_removed = tx
                .prepare_cached(
                    "DELETE FROM people WHERE name IS NULL AND hidden = 0
                         AND NOT EXISTS (SELECT 1 FROM assignments WHERE person_id = people.id)",
                )?
                .execute([])? as u64;
            tracing::debug!(?out, "clustering applied");
            Ok(out)
        })
    }
}

fn exists(c: &Connection, person: PersonId) -> Res<bool> {
    Ok(
        c.prepare_cached("SELECT EXISTS (SELECT 1 FROM people WHERE id = ?1)")?
            .query_row([person], |r| r.get(0))?,
    )
}

fn still_unnamed(c: &Connection, person: PersonId) -> Res<bool> {
    Ok(
        c.prepare_cached("SELECT name IS NULL FROM people WHERE id = ?1")?
            .query_row([person], |r| r.get::<_, bool>(0))
            .optional()?
            .unwrap_or(false),
    )
}

/// The face exists, is not marked "not a face" and is not confirmed.
fn assignable(c: &Connection, face: FaceId) -> Res<bool> {
    Ok(c.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM faces WHERE id = ?1 AND not_face = 0)
            AND NOT EXISTS (SELECT 1 FROM assignments WHERE face_id = ?1
                            AND provenance = 'confirmed')",
    )?
    .query_row([face], |r| r.get(0))?)
}

/// Writes an automatic/suggested assignment unless the user decided otherwise (confirmed,
/// not a face, rejected this person); with `only_new`, unless the face has any assignment.
/// Returns whether the face now has that assignment (an identical one is left untouched,
/// keeping its decided_at).
fn put_automatic(
    c: &Connection,
    face: FaceId,
    person: PersonId,
    provenance: Provenance,
    confidence: Option<f32>,
    now: i64,
    only_new: bool,
) -> Res<bool> {
    let n = c
        .prepare_cached(
            "INSERT INTO assignments (face_id, person_id, provenance, confidence, decided_at,
                    photo_id, taken_at, live)
             SELECT f.id, ?2, ?3, ?4, ?5, f.photo_id, p.taken_at, p.orphaned_at IS NULL
             FROM faces f JOIN photos p ON p.id = f.photo_id
             WHERE f.id = ?1 AND f.not_face = 0
               AND NOT EXISTS (SELECT 1 FROM rejections WHERE face_id = ?1 AND person_id = ?2)
               AND NOT EXISTS (SELECT 1 FROM assignments
                               WHERE face_id = ?1 AND (?6 OR provenance = 'confirmed'))
             ON CONFLICT (face_id) DO UPDATE SET person_id = excluded.person_id,
                 provenance = excluded.provenance, confidence = excluded.confidence,
                 decided_at = excluded.decided_at
             WHERE person_id <> excluded.person_id OR provenance <> excluded.provenance
                OR confidence IS NOT excluded.confidence",
        )?
        .execute(params![face, person, provenance, confidence, now, only_new])?;
    if n > 0 {
        return Ok(true);
    }
    if only_new {
        return Ok(false);
    }
    // Nothing written: blocked by a rule, or the same assignment is already there.
    Ok(c.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM assignments
                        WHERE face_id = ?1 AND person_id = ?2 AND provenance = ?3)",
    )?
    .query_row(params![face, person, provenance], |r| r.get(0))?)
}
