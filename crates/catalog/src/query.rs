//! Photos by people and date: the queries the app lists photos with.
//!
//! With people, the query walks one person's listed assignments (the one with the fewest)
//! backwards on the partial index `assignments_person_taken` (person, taken_at, photo), which
//! is already newest-first, so a page stops after `offset + limit` rows without sorting;
//! every other person is an index probe on `assignments_person_photo`. A photo where the
//! driving person appears twice is listed once: `DISTINCT (taken_at, photo_id)` follows the
//! index order, so SQLite removes duplicates by comparing neighbours (no temporary B-tree).

use rusqlite::types::Value;
use rusqlite::Connection;

use crate::db::Catalog;
use crate::error::{CatalogError, Res};
use crate::paths;
use crate::status::count;
use crate::types::{ContentHash, PersonId, PhotoHit, PhotoQuery};

/// Counting a person's assignments to pick the driver stops here (cheap for big people).
const DRIVER_PROBE: i64 = 2000;

/// An assignment counts in queries: not a suggestion, on a photo with a live file. These
/// terms are the WHERE of the partial index; they must appear as such for it to be used.
fn listed(alias: &str) -> String {
    format!("{alias}provenance <> 'suggested' AND {alias}live = 1")
}

impl Catalog {
    /// Photos (one row per photo, with one live file path) with ALL of `q.people` in them
    /// (Confirmed or Automatic; not Suggested, not rejected), with taken_at in [from, to]
    /// (text comparison; `to` is inclusive as a prefix), newest first (no date last), paged.
    /// Empty `people` = all photos.
    pub fn photos(&self, q: &PhotoQuery) -> Result<Vec<PhotoHit>, CatalogError> {
        self.read(|c| {
            let Some((sql, args)) = hits_sql(c, q)? else {
                return Ok(Vec::new());
            };
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map(rusqlite::params_from_iter(args), |r| {
                let Some(path) = r.get::<_, Option<Vec<u8>>>(5)? else {
                    return Ok(None);
                };
                Ok(Some(PhotoHit {
                    photo: r.get(0)?,
                    taken_at: r.get(1)?,
                    width: r.get(2)?,
                    height: r.get(3)?,
                    hash: ContentHash(r.get(4)?),
                    path: paths::from_blob(path),
                }))
            })?;
            let mut hits = Vec::new();
            for row in rows {
                match row? {
                    Some(hit) => hits.push(hit),
                    None => tracing::warn!("live photo without a file; skipped"),
                }
            }
            Ok(hits)
        })
    }

    /// How many photos [`Catalog::photos`] would list without paging.
    pub fn count_photos(&self, q: &PhotoQuery) -> Result<u64, CatalogError> {
        self.read(|c| {
            if q.people.is_empty() && q.from.is_none() && q.to.is_none() {
                // Whole-table counts are cheap; orphans are few (partial index).
                let all = count(c, "SELECT count(*) FROM photos")?;
                let orphans = count(
                    c,
                    "SELECT count(*) FROM photos WHERE orphaned_at IS NOT NULL",
                )?;
                return Ok(all - orphans);
            }
            let Some((ids_sql, args)) = plan(c, q)? else {
                return Ok(0);
            };
            let sql = format!("SELECT count(*) FROM ({ids_sql})");
            let n: i64 = c
                .prepare_cached(&sql)?
                .query_row(rusqlite::params_from_iter(args), |r| r.get(0))?;
            Ok(n as u64)
        })
    }
}

impl Catalog {
    /// `EXPLAIN QUERY PLAN` of the statement [`Catalog::photos`] runs for `q` (one line per
    /// plan step, indented by depth), for diagnostics and the benchmark.
    pub fn explain_photos(&self, q: &PhotoQuery) -> Result<Vec<String>, CatalogError> {
        self.read(|c| {
            let Some((sql, args)) = hits_sql(c, q)? else {
                return Ok(vec!["(nothing can match)".into()]);
            };
            let mut st = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
            let rows = st.query_map(rusqlite::params_from_iter(args), |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(3)?,
                ))
            })?;
            let mut depth: Vec<(i64, usize)> = Vec::new();
            let mut out = Vec::new();
            for row in rows {
                let (id, parent, detail) = row?;
                let d = depth
                    .iter()
                    .find(|(i, _)| *i == parent)
                    .map_or(0, |(_, d)| d + 1);
                depth.push((id, d));
                out.push(format!("{}{detail}", "  ".repeat(d)));
            }
            Ok(out)
        })
    }
}

/// The full statement of [`Catalog::photos`] with its arguments.
fn hits_sql(c: &Connection, q: &PhotoQuery) -> Res<Option<(String, Vec<Value>)>> {
    let Some((ids_sql, mut args)) = plan(c, q)? else {
        return Ok(None);
    };
    args.push(Value::Integer(q.limit.map_or(-1, i64::from)));
    args.push(Value::Integer(i64::from(q.offset)));
    let sql = format!(
        "SELECT h.photo_id, p.taken_at, p.width, p.height, p.hash,
                (SELECT min(path) FROM files WHERE photo_id = h.photo_id)
         FROM ({ids_sql} LIMIT ? OFFSET ?) h JOIN photos p ON p.id = h.photo_id
         ORDER BY h.taken_at DESC, h.photo_id DESC"
    );
    Ok(Some((sql, args)))
}

/// SQL selecting (photo_id, taken_at) of the matching photos in list order, with its
/// arguments; None when nothing can match (a person with no listed photo).
fn plan(c: &Connection, q: &PhotoQuery) -> Res<Option<(String, Vec<Value>)>> {
    let mut people = q.people.clone();
    people.sort_unstable();
    people.dedup();
    if people.is_empty() {
        return Ok(Some(all_photos(q)));
    }
    let mut sizes = Vec::with_capacity(people.len());
    for &p in &people {
        let n = listed_probe(c, p)?;
        if n == 0 {
            return Ok(None);
        }
        sizes.push((n, p));
    }
    sizes.sort_unstable();
    let driver = sizes[0].1;
    let others: Vec<PersonId> = sizes[1..].iter().map(|s| s.1).collect();
    Ok(Some(with_people(driver, &others, q)))
}

/// Listed assignments of `person`, counted up to [`DRIVER_PROBE`].
fn listed_probe(c: &Connection, person: PersonId) -> Res<i64> {
    let sql = format!(
        "SELECT count(*) FROM (SELECT 1 FROM assignments
                               WHERE person_id = ?1 AND {} LIMIT ?2)",
        listed("")
    );
    Ok(c.prepare_cached(&sql)?
        .query_row([person, DRIVER_PROBE], |r| r.get(0))?)
}

fn all_photos(q: &PhotoQuery) -> (String, Vec<Value>) {
    let mut args = Vec::new();
    let dates = date_terms("taken_at", q, &mut args);
    let sql = format!(
        "SELECT id AS photo_id, taken_at FROM photos
         WHERE orphaned_at IS NULL{dates}
         ORDER BY taken_at DESC, id DESC"
    );
    (sql, args)
}

fn with_people(driver: PersonId, others: &[PersonId], q: &PhotoQuery) -> (String, Vec<Value>) {
    let mut args = vec![Value::Integer(driver)];
    let dates = date_terms("a.taken_at", q, &mut args);
    let mut sql = format!(
        "SELECT DISTINCT a.taken_at, a.photo_id
         FROM assignments a INDEXED BY assignments_person_taken
         WHERE a.person_id = ?1 AND {}{dates}",
        listed("a.")
    );
    for &other in others {
        args.push(Value::Integer(other));
        sql.push_str(&format!(
            "
           AND EXISTS (SELECT 1 FROM assignments o
                       WHERE o.person_id = ?{} AND o.photo_id = a.photo_id AND {})",
            args.len(),
            listed("o.")
        ));
    }
    sql.push_str("\n         ORDER BY a.taken_at DESC, a.photo_id DESC");
    (sql, args)
}

/// ` AND col >= from AND col < to + U+10FFFF` (so `to` is inclusive as a prefix).
fn date_terms(col: &str, q: &PhotoQuery, args: &mut Vec<Value>) -> String {
    let mut sql = String::new();
    if let Some(from) = &q.from {
        args.push(Value::Text(from.clone()));
        sql.push_str(&format!(" AND {col} >= ?{}", args.len()));
    }
    if let Some(to) = &q.to {
        args.push(Value::Text(format!("{to}{}", char::MAX)));
        sql.push_str(&format!(" AND {col} < ?{}", args.len()));
    }
    sql
}

#[cfg(test)]
mod tests {
    #[test]
    fn to_bound_includes_everything_with_that_prefix() {
        let hi = format!("2020-12-31{}", char::MAX);
        assert!("2020-12-31T23:59:59" < hi.as_str());
        assert!("2020-12-31" < hi.as_str());
        assert!("2021-01-01T00:00:00" > hi.as_str());
    }
}
