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
    /// Set when [`Catalog::open`] migrated a file an older build made.
    migration: Option<Migration>,
}

/// What [`Catalog::open`] did to a catalog an older version of Likeness made: it copied it
/// whole to `backup` (a consistent SQLite copy, `VACUUM INTO`), then migrated it in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    pub from: u32,
    pub to: u32,
    pub backup: PathBuf,
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
    /// jobs left "running" by a previous process as Interrupted. A file from an older build is
    /// first copied whole beside itself (`catalog-v6-backup.sqlite`; [`Catalog::migration`]):
    /// if the copy fails, nothing is migrated and the error says why.
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
        let found = check_version(&conn, &db)?;
        let migration = if found > 0 && found < SCHEMA_VERSION {
            let backup = backup_before_migrating(&conn, &db, found)?;
            tracing::info!(
                catalog = %db.display(),
                backup = %backup.display(),
                from = found,
                to = SCHEMA_VERSION,
                "catalog from an older version: backed up, migrating"
            );
            Some(Migration {
                from: found,
                to: SCHEMA_VERSION,
                backup,
            })
        } else {
            None
        };
        migrations::migrate(&mut conn).map_err(|e| Fault::from(e).at(&db))?;
        let mut catalog = Catalog {
            conn,
            path: db,
            migration,
        };
        catalog.write(|tx| mark_interrupted(tx))?;
        Ok(catalog)
    }

    /// The migration [`Catalog::open`] ran on this file, if it was from an older version.
    pub fn migration(&self) -> Option<&Migration> {
        self.migration.as_ref()
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
        Ok(Catalog {
            conn,
            path: db,
            migration: None,
        })
    }

    /// Whether the catalog at `path` was made by an older build ([`Catalog::open`] would back
    /// it up and migrate it). Reads only its header; `false` for a new or missing file.
    pub fn is_older(path: &Path) -> Result<bool, CatalogError> {
        if !path.is_file() {
            return Ok(false);
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| Fault::from(e).at(path))?;
        let found = user_version(&conn).map_err(|e| Fault::from(e).at(path))?;
        Ok(found > 0 && found < SCHEMA_VERSION)
    }

    /// Turns the current catalog at `path` (not open elsewhere) back into the one the previous
    /// version of Likeness left, its rows kept: for upgrade tests of the installed package.
    /// Returns that version.
    pub fn rewind_newest(path: &Path) -> Result<u32, CatalogError> {
        let mut conn = Connection::open(path).map_err(|e| Fault::from(e).at(path))?;
        check_version(&conn, path)?;
        migrations::rewind_newest(&mut conn).map_err(|e| Fault::from(e).at(path))
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

/// Copies the catalog at schema `version` to a new file beside it, `<stem>-v<version>-backup.sqlite`
/// (`-2`, `-3`… when that name is taken: an earlier backup is never overwritten).
fn backup_before_migrating(
    conn: &Connection,
    db: &Path,
    version: u32,
) -> Result<PathBuf, CatalogError> {
    let stem = db
        .file_stem()
        .map_or_else(|| "catalog".into(), |s| s.to_string_lossy().into_owned());
    let dir = db.parent().unwrap_or(Path::new("."));
    let backup = (1..)
        .map(|n| {
            let suffix = if n == 1 {
                String::new()
            } else {
                format!("-{n}")
            };
            dir.join(format!("{stem}-v{version}-backup{suffix}.sqlite"))
        })
        .find(|p| !p.exists())
        .unwrap_or_else(|| dir.join(format!("{stem}-v{version}-backup.sqlite")));
    let target = backup.to_string_lossy().into_owned();
    conn.execute("VACUUM INTO ?1", [&target])
        .map_err(|e| CatalogError::Invalid {
            path: db.to_path_buf(),
            message: format!(
                "this catalog is from an older version (schema {version}); it was left as it was because the backup before updating it failed ({}): {e}",
                backup.display()
            ),
        })?;
    Ok(backup)
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
