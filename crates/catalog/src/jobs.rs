//! Job rows: what a long operation did, so work resumes and status can say what happened.

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::db::Catalog;
use crate::error::{CatalogError, Fault, Res};
use crate::types::{JobCounts, JobId, JobRow, JobState};

impl Catalog {
    /// Starts a job of `kind` (e.g. "index") in state Running.
    pub fn begin_job(&mut self, kind: &str, now: i64) -> Result<JobId, CatalogError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO jobs (kind, state, started_at, updated_at) VALUES (?1, 'running', ?2, ?2)",
                params![kind, now],
            )?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// Saves progress counts of a running job.
    pub fn update_job(
        &mut self,
        job: JobId,
        counts: &JobCounts,
        now: i64,
    ) -> Result<(), CatalogError> {
        self.write(|tx| set_job(tx, job, None, counts, now))
    }

    /// Ends a job with `state` (and finished_at = now, unless the state is Running).
    pub fn finish_job(
        &mut self,
        job: JobId,
        state: JobState,
        counts: &JobCounts,
        now: i64,
    ) -> Result<(), CatalogError> {
        self.write(|tx| set_job(tx, job, Some(state), counts, now))
    }

    /// The newest job of `kind`.
    pub fn last_job(&self, kind: &str) -> Result<Option<JobRow>, CatalogError> {
        self.read(|c| {
            Ok(c.prepare_cached(
                "SELECT id, kind, state, started_at, updated_at, finished_at, photos_done,
                        photos_total, faces, errors
                 FROM jobs WHERE kind = ?1 ORDER BY id DESC LIMIT 1",
            )?
            .query_row([kind], job_from_row)
            .optional()?)
        })
    }
}

fn set_job(
    c: &Connection,
    job: JobId,
    state: Option<JobState>,
    counts: &JobCounts,
    now: i64,
) -> Res<()> {
    let finished = state.filter(|s| *s != JobState::Running).map(|_| now);
    let n = c
        .prepare_cached(
            "UPDATE jobs SET state = coalesce(?2, state), finished_at = coalesce(?3, finished_at),
                    updated_at = ?4, photos_done = ?5, photos_total = ?6, faces = ?7, errors = ?8
             WHERE id = ?1",
        )?
        .execute(params![
            job,
            state,
            finished,
            now,
            counts.photos_done as i64,
            counts.photos_total as i64,
            counts.faces as i64,
            counts.errors as i64,
        ])?;
    if n == 0 {
        return Err(Fault::NotFound(format!("job {job}")));
    }
    Ok(())
}

fn job_from_row(r: &Row<'_>) -> rusqlite::Result<JobRow> {
    Ok(JobRow {
        id: r.get(0)?,
        kind: r.get(1)?,
        state: r.get(2)?,
        started_at: r.get(3)?,
        updated_at: r.get(4)?,
        finished_at: r.get(5)?,
        counts: JobCounts {
            photos_done: r.get::<_, i64>(6)? as u64,
            photos_total: r.get::<_, i64>(7)? as u64,
            faces: r.get::<_, i64>(8)? as u64,
            errors: r.get::<_, i64>(9)? as u64,
        },
    })
}
