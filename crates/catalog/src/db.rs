//! Opening the file: pragmas, migrations, interrupted jobs; the read/write helpers every
//! other module goes through.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::error::{CatalogError, Fault, Res};
use crate::migrations::{self, SCHEMA_VERSION};

/// One SQLite connection to the catalog file. Not `Sync`: one per thread (open more with
/// [`Catalog::open_read_only`]).
#[derive(Debug)]
pub struct Catalog {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
}

/// What [`Catalog::settings`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionSettings {
    pub journal_mode: String,
    /// 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
    pub synchronous: i64,
    pub foreign_keys: bool,
    pub busy_timeout_ms: i64,
}

const BUSY_TIMEOUT: Duration = Duration::from_millis(5000);

impl Catalog {
    /// Opens (creating if missing, with its parent folder) the catalog file, sets WAL,
    /// busy_timeout 5 s, foreign keys and synchronous NORMAL, runs the migrations and marks
    /// jobs left "running" by a previous process as Interrupted.
    pub fn open(path: &Path) -> Result<Catalog, CatalogError> {
        let db = path.to_path_buf();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| CatalogError::Invalid {
                path: db.clone(),
                message: format!("cannot create folder {}: {e}", parent.display()),
            })?;
        }
        let mut conn = Connection::open(path).map_err(|e| Fault::from(e).at(&db))?;
        configure(&conn, true).map_err(|e| e.at(&db))?;
        check_version(&conn, &db)?;
        migrations::migrate(&mut conn).map_err(|e| Fault::from(e).at(&db))?;
        let mut catalog = Catalog { conn, path: db };
        catalog.write(|tx| mark_interrupted(tx))?;
        Ok(catalog)
    }

    /// A read-only handle for lookups from worker threads (WAL lets it read while the
    /// writer writes). The file must exist and be at this build's schema version.
    pub fn open_read_only(path: &Path) -> Result<Catalog, CatalogError> {
        Self::open_existing(path, false, "open it read-write once to migrate")
    }

    /// A second read-write handle on a catalog another handle of this process opened (e.g.
    /// for a background XMP export): sets the same pragmas but neither migrates nor marks
    /// running jobs interrupted (they belong to the first handle). The file must be at this
    /// build's schema version.
    pub fn open_another_writer(path: &Path) -> Result<Catalog, CatalogError> {
        Self::open_existing(path, true, "open it with Catalog::open first")
    }

    /// Opens an existing catalog at this build's schema version without migrating it.
    fn open_existing(path: &Path, writable: bool, if_old: &str) -> Result<Catalog, CatalogError> {
        let db = path.to_path_buf();
        let access = if writable {
            OpenFlags::SQLITE_OPEN_READ_WRITE
        } else {
            OpenFlags::SQLITE_OPEN_READ_ONLY
        };
        let flags = access | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| Fault::from(e).at(&db))?;
        configure(&conn, writable).map_err(|e| e.at(&db))?;
        let found = check_version(&conn, &db)?;
        if found < SCHEMA_VERSION {
            return Err(CatalogError::Invalid {
                path: db,
                message: format!(
                    "schema version {found} is older than this build ({SCHEMA_VERSION}); {if_old}"
                ),
            });
        }
        Ok(Catalog { conn, path: db })
    }

    /// The catalog file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn schema_version(&self) -> Result<u32, CatalogError> {
        self.read(|c| Ok(user_version(c)?))
    }

    /// `PRAGMA integrity_check` first row ("ok" when healthy).
    pub fn integrity_check(&self) -> Result<String, CatalogError> {
        self.read(|c| Ok(c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?))
    }

    /// The connection's settings as SQLite reports them (for `doctor` and tests).
    pub fn settings(&self) -> Result<ConnectionSettings, CatalogError> {
        self.read(|c| {
            let get = |pragma: &str| -> Res<String> {
                let sql = format!("PRAGMA {pragma}");
                Ok(
                    c.query_row(&sql, [], |r| r.get::<_, rusqlite::types::Value>(0))
                        .map(|v| match v {
                            rusqlite::types::Value::Integer(i) => i.to_string(),
                            rusqlite::types::Value::Text(t) => t,
                            other => format!("{other:?}"),
                        })?,
                )
            };
            Ok(ConnectionSettings {
                journal_mode: get("journal_mode")?,
                synchronous: get("synchronous")?.parse().unwrap_or(-1),
                foreign_keys: get("foreign_keys")? == "1",
                busy_timeout_ms: get("busy_timeout")?.parse().unwrap_or(-1),
            })
        })
    }

    /// Runs `f` inside a read transaction (one consistent view for several statements).
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Res<T>) -> Result<T, CatalogError> {
        let run = || -> Res<T> {
            let tx = self.conn.unchecked_transaction()?;
            let out = f(&tx)?;
            tx.finish()?;
            Ok(out)
        };
        run().map_err(|e| e.at(&self.path))
    }

    /// Runs `f` inside one IMMEDIATE write transaction: all of it is stored, or none of it.
    pub(crate) fn write<T>(
        &mut self,
        f: impl FnOnce(&Transaction<'_>) -> Res<T>,
    ) -> Result<T, CatalogError> {
        let run = |conn: &mut Connection| -> Res<T> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        };
        run(&mut self.conn).map_err(|e| e.at(&self.path))
    }

    /// Like [`Catalog::write`], but `f` says whether to keep what it wrote: `false` rolls
    /// the transaction back (dry runs, nothing to record).
    pub(crate) fn write_if<T>(
        &mut self,
        f: impl FnOnce(&Transaction<'_>) -> Res<(T, bool)>,
    ) -> Result<T, CatalogError> {
        let run = |conn: &mut Connection| -> Res<T> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let (out, keep) = f(&tx)?;
            if keep {
                tx.commit()?;
            } else {
                tx.rollback()?;
            }
            Ok(out)
        };
        run(&mut self.conn).map_err(|e| e.at(&self.path))
    }
}

fn configure(conn: &Connection, writable: bool) -> Res<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    if writable {
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Fault::Invalid(format!("journal_mode is {mode}, not wal")));
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
    }
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}

fn user_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

fn check_version(conn: &Connection, db: &Path) -> Result<u32, CatalogError> {
    let found = user_version(conn).map_err(|e| Fault::from(e).at(db))?;
    if found > SCHEMA_VERSION {
        return Err(CatalogError::TooNew {
            path: db.to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(found)
}

/// At open: a job still Running belongs to a process that died (crash, kill). It becomes
/// Interrupted, finished at its last update.
fn mark_interrupted(c: &Connection) -> Res<()> {
    let n = c.execute(
        "UPDATE jobs SET state = 'interrupted', finished_at = updated_at WHERE state = 'running'",
        [],
    )?;
    if n > 0 {
        tracing::info!(
            jobs = n,
            "marked jobs left running by a previous process as interrupted"
        );
    }
    Ok(())
}
