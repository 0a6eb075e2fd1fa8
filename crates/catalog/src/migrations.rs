//! The schema, as an append-only list of migrations. `PRAGMA user_version` holds how many
//! have run. Never edit a released step: add a new one.

use rusqlite::Connection;

/// Step `i` (0-based) takes the schema from version `i` to version `i + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5, V6, V7];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

const V1: &str = r#"
-- Library folders. Paths are the OS bytes of an absolute, canonical path (see `paths`).
CREATE TABLE roots (
    id           INTEGER PRIMARY KEY,
    path         BLOB    NOT NULL UNIQUE,
    added_at     INTEGER NOT NULL,
    last_scan_at INTEGER
);

-- One row per distinct content (BLAKE3 of the file). Faces hang off photos, so renamed,
-- moved, duplicated or re-appearing files keep faces and names. A photo that no file points
-- at is an orphan: kept (orphaned_at = when its last file went) until purged.
CREATE TABLE photos (
    id            INTEGER PRIMARY KEY,
    hash          BLOB    NOT NULL UNIQUE CHECK (length(hash) = 32),
    model         TEXT    NOT NULL,
    width         INTEGER NOT NULL,
    height        INTEGER NOT NULL,
    stored_width  INTEGER NOT NULL,
    stored_height INTEGER NOT NULL,
    orientation   INTEGER NOT NULL,
    format        TEXT    NOT NULL,
    taken_at      TEXT,
    taken_source  TEXT    NOT NULL CHECK (taken_source IN ('exif', 'file_time')),
    camera_make   TEXT,
    camera_model  TEXT,
    gps_lat       REAL,
    gps_lon       REAL,
    file_size     INTEGER NOT NULL,
    face_count    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    orphaned_at   INTEGER
);
CREATE INDEX photos_taken_at ON photos (taken_at);
CREATE INDEX photos_orphaned ON photos (orphaned_at) WHERE orphaned_at IS NOT NULL;

-- Files found under roots. photo_id is NULL until indexed (and after a failure).
CREATE TABLE files (
    id            INTEGER PRIMARY KEY,
    root_id       INTEGER NOT NULL REFERENCES roots (id) ON DELETE CASCADE,
    path          BLOB    NOT NULL UNIQUE,
    size          INTEGER NOT NULL,
    mtime_ns      INTEGER NOT NULL,
    state         TEXT    NOT NULL CHECK (state IN ('pending', 'indexed', 'failed')),
    photo_id      INTEGER REFERENCES photos (id) ON DELETE SET NULL,
    error_code    TEXT,
    error_message TEXT,
    seen_at       INTEGER NOT NULL,
    state_at      INTEGER NOT NULL
);
CREATE INDEX files_state ON files (state, id);
CREATE INDEX files_root ON files (root_id);
CREATE INDEX files_photo ON files (photo_id) WHERE photo_id IS NOT NULL;

-- Faces in the ORIENTED frame of their photo. Embedding: little-endian f32 BLOB;
-- landmarks: 10 little-endian f32 (x0, y0 .. x4, y4). The model is the photo's.
CREATE TABLE faces (
    id        INTEGER PRIMARY KEY,
    photo_id  INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    idx       INTEGER NOT NULL,
    x1        REAL    NOT NULL,
    y1        REAL    NOT NULL,
    x2        REAL    NOT NULL,
    y2        REAL    NOT NULL,
    landmarks BLOB    NOT NULL CHECK (length(landmarks) = 40),
    score     REAL    NOT NULL,
    embedding BLOB    NOT NULL,
    UNIQUE (photo_id, idx)
);

CREATE TABLE people (
    id            INTEGER PRIMARY KEY,
    name          TEXT,
    hidden        INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    cover_face_id INTEGER REFERENCES faces (id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX people_name ON people (name COLLATE NOCASE) WHERE name IS NOT NULL;

-- A face's person (at most one). photo_id, taken_at and live are copies of the photo's
-- (live = the photo has a file) so that person → photos never touches faces or photos;
-- the triggers below keep them in step.
CREATE TABLE assignments (
    face_id    INTEGER PRIMARY KEY REFERENCES faces (id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    provenance TEXT    NOT NULL CHECK (provenance IN ('confirmed', 'automatic', 'suggested')),
    confidence REAL,
    decided_at INTEGER NOT NULL,
    photo_id   INTEGER NOT NULL,
    taken_at   TEXT,
    live       INTEGER NOT NULL CHECK (live IN (0, 1))
);
-- "Listed" assignments (counted in queries): not a suggestion, on a photo with a file.
CREATE INDEX assignments_person_taken ON assignments (person_id, taken_at, photo_id)
    WHERE provenance <> 'suggested' AND live = 1;
-- Covering index for "is person X in photo P" probes (ALL-of queries), counts per person
-- and the people table's ON DELETE CASCADE.
CREATE INDEX assignments_person_photo ON assignments (person_id, photo_id, provenance, live);
CREATE INDEX assignments_photo ON assignments (photo_id);

CREATE TRIGGER photos_live_to_assignments
AFTER UPDATE OF orphaned_at ON photos
WHEN (OLD.orphaned_at IS NULL) <> (NEW.orphaned_at IS NULL)
BEGIN
    UPDATE assignments SET live = (NEW.orphaned_at IS NULL) WHERE photo_id = NEW.id;
END;

CREATE TRIGGER photos_taken_at_to_assignments
AFTER UPDATE OF taken_at ON photos
WHEN OLD.taken_at IS NOT NEW.taken_at
BEGIN
    UPDATE assignments SET taken_at = NEW.taken_at WHERE photo_id = NEW.id;
END;

-- "This face is not that person": a user decision, never overwritten by automation.
CREATE TABLE rejections (
    face_id    INTEGER NOT NULL REFERENCES faces (id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    decided_at INTEGER NOT NULL,
    PRIMARY KEY (face_id, person_id)
) WITHOUT ROWID;
CREATE INDEX rejections_person ON rejections (person_id);

CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL,
    state        TEXT    NOT NULL
                 CHECK (state IN ('running', 'completed', 'cancelled', 'interrupted', 'failed')),
    started_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    photos_done  INTEGER NOT NULL DEFAULT 0,
    photos_total INTEGER NOT NULL DEFAULT 0,
    faces        INTEGER NOT NULL DEFAULT 0,
    errors       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX jobs_kind ON jobs (kind, id);
CREATE INDEX jobs_running ON jobs (state) WHERE state = 'running';

-- Problems met while walking a root (unreadable folder, symlink loop, ...); replaced by
-- every scan of that root.
CREATE TABLE scan_issues (
    id      INTEGER PRIMARY KEY,
    root_id INTEGER NOT NULL REFERENCES roots (id) ON DELETE CASCADE,
    path    BLOB    NOT NULL,
    code    TEXT    NOT NULL,
    message TEXT    NOT NULL,
    at      INTEGER NOT NULL
);
CREATE INDEX scan_issues_root ON scan_issues (root_id);
"#;

/// Listing and counting all photos, and status, read only live photos: a partial index on
/// them, covering (id right after taken_at keeps "taken_at DESC, id DESC" in index order;
/// face_count serves status's face total; orphaned_at, always NULL here, makes the
/// partial-index condition itself answerable from the index).
const V2: &str = r#"
DROP INDEX photos_taken_at;
CREATE INDEX photos_live_taken ON photos (taken_at, id, face_count, orphaned_at)
    WHERE orphaned_at IS NULL;
"#;

/// People: "not a face" marks, person ids that are never reused (undo re-creates a deleted
/// person with its old id), the undo/redo history of the user's people edits, and indexes for
/// the user's decisions and the suggestions list.
const V3: &str = r#"
ALTER TABLE faces ADD COLUMN not_face INTEGER NOT NULL DEFAULT 0 CHECK (not_face IN (0, 1));
CREATE INDEX faces_not_face ON faces (id) WHERE not_face = 1;

-- Monotonic counters. 'person': the last person id handed out; every insert into people
-- takes the next one, so a deleted person's id is never given to another person.
CREATE TABLE counters (
    name  TEXT    PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters (name, value) SELECT 'person', coalesce(max(id), 0) FROM people;
-- Safety net: the counter never falls behind an id that was inserted explicitly.
CREATE TRIGGER people_id_counter AFTER INSERT ON people
BEGIN
    UPDATE counters SET value = max(value, NEW.id) WHERE name = 'person';
END;

-- One row per user edit of people (name, merge, move, reject, ...): JSON images of every row
-- it touched, before and after. Undo writes `before`, redo writes `after`.
CREATE TABLE edits (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    kind     TEXT    NOT NULL,
    label    TEXT    NOT NULL,
    state    TEXT    NOT NULL CHECK (state IN ('done', 'undone')),
    at       INTEGER NOT NULL,
    state_at INTEGER NOT NULL,
    before   TEXT    NOT NULL,
    after    TEXT    NOT NULL
);
CREATE INDEX edits_state ON edits (state, id);

CREATE INDEX assignments_confirmed ON assignments (face_id, person_id)
    WHERE provenance = 'confirmed';
CREATE INDEX assignments_suggested ON assignments (confidence, face_id)
    WHERE provenance = 'suggested' AND live = 1;
"#;

/// XMP face regions: faces created from an imported region without a detection (`source`
/// 'manual'), what was last exported per photo, and the photos whose exported content may
/// have changed (`xmp_dirty`, filled by triggers so that every writer — the user's edits,
/// undo/redo, clustering, the matcher, decisions carried to new faces — marks them).
///
/// A photo's exported content is its faces with a Confirmed or Automatic assignment to a
/// NAMED person. The triggers mark a photo when that can have changed: an assignment row
/// whose exported person (person if not suggested and named, else none) differs between
/// OLD and NEW; a person renamed, (un)named, hidden or shown; a named person deleted; a file
/// of a photo exported before renamed, moved or newly linked to it (a copy).
/// `xmp_dirty` has no foreign key on purpose: a purge cascading to assignments must not fail
/// on the photo being deleted (stale rows are dropped by the exporter).
const V4: &str = r#"
ALTER TABLE faces ADD COLUMN source TEXT NOT NULL DEFAULT 'detected'
    CHECK (source IN ('detected', 'manual'));

CREATE TABLE xmp_exports (
    photo_id   INTEGER PRIMARY KEY REFERENCES photos (id) ON DELETE CASCADE,
    digest     BLOB    NOT NULL,
    written_at INTEGER NOT NULL
);

CREATE TABLE xmp_dirty (
    photo_id INTEGER PRIMARY KEY
) WITHOUT ROWID;

CREATE TRIGGER assignments_xmp_insert AFTER INSERT ON assignments
WHEN NEW.provenance <> 'suggested'
 AND EXISTS (SELECT 1 FROM people WHERE id = NEW.person_id AND name IS NOT NULL)
BEGIN
    INSERT INTO xmp_dirty (photo_id) SELECT NEW.photo_id
        WHERE NOT EXISTS (SELECT 1 FROM xmp_dirty WHERE photo_id = NEW.photo_id);
END;

CREATE TRIGGER assignments_xmp_update AFTER UPDATE OF person_id, provenance ON assignments
WHEN (CASE WHEN OLD.provenance <> 'suggested' AND EXISTS
            (SELECT 1 FROM people WHERE id = OLD.person_id AND name IS NOT NULL)
       THEN OLD.person_id END)
  IS NOT
     (CASE WHEN NEW.provenance <> 'suggested' AND EXISTS
            (SELECT 1 FROM people WHERE id = NEW.person_id AND name IS NOT NULL)
       THEN NEW.person_id END)
BEGIN
    INSERT INTO xmp_dirty (photo_id) SELECT NEW.photo_id
        WHERE NOT EXISTS (SELECT 1 FROM xmp_dirty WHERE photo_id = NEW.photo_id);
END;

-- A person deleted with its rows (cascade) is handled by people_xmp_delete below.
CREATE TRIGGER assignments_xmp_delete AFTER DELETE ON assignments
WHEN OLD.provenance <> 'suggested'
 AND EXISTS (SELECT 1 FROM people WHERE id = OLD.person_id AND name IS NOT NULL)
BEGIN
    INSERT INTO xmp_dirty (photo_id) SELECT OLD.photo_id
        WHERE NOT EXISTS (SELECT 1 FROM xmp_dirty WHERE photo_id = OLD.photo_id);
END;

CREATE TRIGGER people_xmp_update AFTER UPDATE OF name, hidden ON people
WHEN OLD.name IS NOT NEW.name OR OLD.hidden <> NEW.hidden
BEGIN
    INSERT INTO xmp_dirty (photo_id)
        SELECT DISTINCT photo_id FROM assignments
        WHERE person_id = NEW.id AND provenance <> 'suggested'
          AND photo_id NOT IN (SELECT photo_id FROM xmp_dirty);
END;

-- A file of an exported photo renamed or moved, or another file linked to it (a copy): its
-- sidecar belongs beside the new path.
CREATE TRIGGER files_xmp_link AFTER UPDATE OF path, photo_id ON files
WHEN NEW.photo_id IS NOT NULL
 AND (OLD.path IS NOT NEW.path OR OLD.photo_id IS NOT NEW.photo_id)
 AND EXISTS (SELECT 1 FROM xmp_exports WHERE photo_id = NEW.photo_id)
BEGIN
    INSERT INTO xmp_dirty (photo_id) SELECT NEW.photo_id
        WHERE NOT EXISTS (SELECT 1 FROM xmp_dirty WHERE photo_id = NEW.photo_id);
END;

CREATE TRIGGER people_xmp_delete BEFORE DELETE ON people
WHEN OLD.name IS NOT NULL
BEGIN
    INSERT INTO xmp_dirty (photo_id)
        SELECT DISTINCT photo_id FROM assignments
        WHERE person_id = OLD.id AND provenance <> 'suggested'
          AND photo_id NOT IN (SELECT photo_id FROM xmp_dirty);
END;
"#;

/// Face ids are never reused. A face row's id is what the undo history (`edits` images), the
/// people covers and the desktop's face thumbnails (`thumb://…/face/<id>`, cached by the
/// webview) refer to; SQLite hands out `max(id) + 1`, so before V5 the id of a deleted face
/// that had the highest id (a re-detection finding fewer faces, a purge, an undone import)
/// went to the next new face, and an old edit's undo could write onto it. Every insert now
/// takes the next id from the 'face' counter; the trigger keeps the counter at or above any id
/// inserted explicitly (undo/redo re-creating a manual face with its old id).
///
/// `people_cover`: which people a face is the cover of (re-detection moves covers with their
/// faces), and the lookup SQLite's `ON DELETE SET NULL` of `cover_face_id` makes for every
/// deleted face — a scan of `people` per face before. Partial: few people have a cover.
const V5: &str = r#"
INSERT INTO counters (name, value) SELECT 'face', coalesce(max(id), 0) FROM faces;
CREATE TRIGGER faces_id_counter AFTER INSERT ON faces
BEGIN
    UPDATE counters SET value = max(value, NEW.id) WHERE name = 'face';
END;
CREATE INDEX people_cover ON people (cover_face_id) WHERE cover_face_id IS NOT NULL;
"#;

/// Face quality in [0, 1] (detector confidence, size, sharpness, frontalness; the vision
/// crate's `quality` module). NULL for faces indexed before it and for manual faces: clustering
/// treats those as good enough. Faces below the library's bar are kept but never clustered or
/// matched automatically.
const V6: &str = r#"
ALTER TABLE faces ADD COLUMN quality REAL;
"#;

/// "Not the same person": the user turned down a merge suggestion for these two people
/// (`a < b`). Merge suggestions never offer the pair again; clustering never gives a group
/// that was one of them to the other. Rows go with their people (a merge's undo brings them
/// back from its edit image).
const V7: &str = r#"
CREATE TABLE distinct_people (
    a          INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    b          INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    decided_at INTEGER NOT NULL,
    PRIMARY KEY (a, b),
    CHECK (a < b)
) WITHOUT ROWID;
CREATE INDEX distinct_people_b ON distinct_people (b);
"#;

/// Undoes the newest step ([`rewind_newest`]): what turns a current catalog back into the one
/// the previous version of Likeness left. Must change with every new step (a test compares the
/// result with a file made by the older steps).
const UNDO_NEWEST: &str = "DROP INDEX distinct_people_b; DROP TABLE distinct_people;";

/// Turns the current catalog at `conn` back into the previous version's (for upgrade tests:
/// the library an older package left). Returns that version.
pub(crate) fn rewind_newest(conn: &mut Connection) -> rusqlite::Result<u32> {
    let previous = SCHEMA_VERSION - 1;
    let tx = conn.transaction()?;
    tx.execute_batch(UNDO_NEWEST)?;
    tx.pragma_update(None, "user_version", previous)?;
    tx.commit()?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(previous)
}

/// Runs every step above the file's version, each in its own transaction together with its
/// `user_version` bump. Returns the version found before migrating.
pub(crate) fn migrate(conn: &mut Connection) -> rusqlite::Result<u32> {
    let found: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as u32)?;
        tx.commit()?;
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalog;

    /// A file left at `version` by an older build, with one live indexed photo in it.
    fn old_file(dir: &std::path::Path, version: usize) -> std::path::PathBuf {
        let path = dir.join(format!("v{version}.sqlite"));
        let conn = Connection::open(&path).expect("create");
        for sql in &MIGRATIONS[..version] {
            conn.execute_batch(sql).expect("old step");
        }
        conn.pragma_update(None, "user_version", version as u32)
            .expect("version");
        if version >= 1 {
            conn.execute_batch(
                "INSERT INTO roots (id, path, added_at) VALUES (1, CAST('/lib' AS BLOB), 1);
                 INSERT INTO photos (id, hash, model, width, height, stored_width, stored_height,
                     orientation, format, taken_at, taken_source, file_size, face_count, created_at)
                 VALUES (1, zeroblob(32), 'm', 10, 10, 10, 10, 1, 'jpeg', '2020-01-01T00:00:00',
                     'exif', 5, 2, 1);
                 INSERT INTO files (root_id, path, size, mtime_ns, state, photo_id, seen_at, state_at)
                 VALUES (1, CAST('/lib/a.jpg' AS BLOB), 5, 1, 'indexed', 1, 1, 1);
                 INSERT INTO faces (photo_id, idx, x1, y1, x2, y2, landmarks, score, embedding)
                 VALUES (1, 0, 1, 1, 4, 4, zeroblob(40), 0.9, zeroblob(512)),
                        (1, 1, 5, 5, 9, 9, zeroblob(40), 0.9, zeroblob(512));",
            )
            .expect("data");
        }
        path
    }

    #[test]
    fn every_older_version_migrates_to_the_latest_keeping_data() {
        let dir = tempfile::tempdir().expect("tempdir");
        for version in 0..MIGRATIONS.len() {
            let path = old_file(dir.path(), version);
            let cat = Catalog::open(&path).expect("open migrates");
            assert_eq!(cat.schema_version().expect("version"), SCHEMA_VERSION);
            assert_eq!(cat.integrity_check().expect("check"), "ok");
            let status = cat.status().expect("status");
            let expected = u64::from(version >= 1);
            assert_eq!(
                (status.photos, status.faces / 2),
                (expected, expected),
                "from v{version}"
            );
            drop(cat);
            let again = Catalog::open(&path).expect("reopen");
            assert_eq!(again.schema_version().expect("version"), SCHEMA_VERSION);
        }
    }

    fn schema(path: &std::path::Path) -> Vec<(String, String)> {
        let conn = Connection::open(path).expect("open");
        let mut st = conn
            .prepare("SELECT name, COALESCE(sql, '') FROM sqlite_master ORDER BY name")
            .expect("prepare");
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<Result<Vec<_>, _>>()
            .expect("rows");
        rows
    }

    #[test]
    fn rewinding_the_newest_step_gives_the_previous_versions_schema() {
        let dir = tempfile::tempdir().expect("tempdir");
        let current = dir.path().join("current.sqlite");
        drop(Catalog::open(&current).expect("create"));
        let previous = Catalog::rewind_newest(&current).expect("rewind");
        assert_eq!(previous, SCHEMA_VERSION - 1);
        let old = old_file(dir.path(), previous as usize);
        // old_file adds rows, not schema: the two files must have the same tables and indexes.
        assert_eq!(schema(&current), schema(&old), "UNDO_NEWEST is out of date");
        assert!(Catalog::is_older(&current).expect("header"));
    }

    #[test]
    fn an_older_catalog_is_copied_whole_before_it_is_migrated_and_never_overwritten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let old = SCHEMA_VERSION as usize - 1;
        let path = old_file(dir.path(), old);
        {
            let conn = Connection::open(&path).expect("raw");
            conn.execute_batch("INSERT INTO people (id, name, created_at) VALUES (1, 'Ann', 1);")
                .expect("a named person");
        }
        assert!(Catalog::is_older(&path).expect("header"));
        let cat = Catalog::open(&path).expect("open migrates");
        let m = cat.migration().expect("migrated").clone();
        assert_eq!((m.from, m.to), (old as u32, SCHEMA_VERSION));
        assert_eq!(
            m.backup,
            dir.path().join(format!("v{old}-v{old}-backup.sqlite"))
        );
        assert!(!Catalog::is_older(&path).expect("header"));
        // The backup is the old file as it was: its version, its person, intact.
        let backup = Connection::open(&m.backup).expect("backup opens");
        let version: u32 = backup
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version");
        assert_eq!(version, old as u32);
        let name: String = backup
            .query_row("SELECT name FROM people WHERE id = 1", [], |r| r.get(0))
            .expect("person");
        assert_eq!(name, "Ann");
        let check: String = backup
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("check");
        assert_eq!(check, "ok");
        drop(backup);
        // Reopening a current file makes no backup.
        drop(cat);
        assert!(Catalog::open(&path).expect("reopen").migration().is_none());
        // A second old file of the same name: the first backup stays, the new one is "-2".
        std::fs::remove_file(&path).expect("remove");
        let path = old_file(dir.path(), old);
        let again = Catalog::open(&path).expect("open migrates");
        let second = again.migration().expect("migrated").backup.clone();
        assert_eq!(
            second,
            dir.path().join(format!("v{old}-v{old}-backup-2.sqlite"))
        );
        assert!(m.backup.is_file());
        // A new file is not "older", and no backup is made for it.
        let fresh = dir.path().join("fresh.sqlite");
        assert!(!Catalog::is_older(&fresh).expect("missing"));
        assert!(Catalog::open(&fresh).expect("create").migration().is_none());
    }

    #[test]
    fn v3_on_a_v2_file_with_people_keeps_decisions_and_never_reuses_ids() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = old_file(dir.path(), 2);
        {
            let conn = Connection::open(&path).expect("raw");
            // Person 7 was deleted by the old build: ids 1 and 5 remain.
            conn.execute_batch(
                "INSERT INTO people (id, name, created_at) VALUES (1, 'Ann', 1), (5, NULL, 2);
                 INSERT INTO assignments (face_id, person_id, provenance, decided_at, photo_id,
                     taken_at, live)
                 VALUES (1, 1, 'confirmed', 3, 1, '2020-01-01T00:00:00', 1),
                        (2, 5, 'automatic', 3, 1, '2020-01-01T00:00:00', 1);
                 INSERT INTO rejections (face_id, person_id, decided_at) VALUES (2, 1, 4);",
            )
            .expect("v2 people");
        }
        let mut cat = Catalog::open(&path).expect("open migrates");
        assert_eq!(cat.schema_version().expect("version"), SCHEMA_VERSION);
        assert_eq!(cat.integrity_check().expect("check"), "ok");
        let d = cat.decisions().expect("decisions");
        assert_eq!(d.people.len(), 1);
        assert_eq!(d.confirmed.into_iter().collect::<Vec<_>>(), vec![(1, 1)]);
        assert_eq!(d.rejections.into_iter().collect::<Vec<_>>(), vec![(2, 1)]);
        assert!(d.not_face.is_empty());
        let input = cat.clustering_input().expect("input");
        assert_eq!(input.len(), 2);
        assert!(input
            .iter()
            .all(|f| !f.not_face && f.embedding.len() == 128));
        assert!(cat.edits(10).expect("edits").is_empty());
        assert!(cat.undo(5).expect("undo").is_none());
        let bob = cat.create_person("Bob", 6).expect("bob");
        assert_eq!(bob, 6, "after the highest id left by v2");
        let overview = cat.people_overview(true).expect("overview");
        assert_eq!(overview.len(), 3);
        cat.undo(7).expect("undo").expect("create");
        assert_eq!(cat.create_person("Cy", 8).expect("cy"), 7);
    }

    #[test]
    fn v4_on_a_v3_file_with_people_and_edits_keeps_them_and_marks_from_then_on() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = old_file(dir.path(), 3);
        {
            // A v3 build's catalog: a named person, a confirmed face, one recorded edit.
            let conn = Connection::open(&path).expect("raw");
            conn.execute_batch(
                "INSERT INTO people (id, name, created_at) VALUES (1, 'Ann', 1);
                 INSERT INTO assignments (face_id, person_id, provenance, decided_at, photo_id,
                     taken_at, live)
                 VALUES (1, 1, 'confirmed', 3, 1, '2020-01-01T00:00:00', 1);
                 INSERT INTO edits (kind, label, state, at, state_at, before, after)
                 VALUES ('create_person', 'created \"Ann\"', 'done', 1, 1,
                     '{\"people\":[[1,null]],\"assignments\":[],\"rejections\":[],\"not_face\":[]}',
                     '{\"people\":[[1,{\"name\":\"Ann\",\"hidden\":false,\"cover\":null,\"created_at\":1}]],\"assignments\":[],\"rejections\":[],\"not_face\":[]}');",
            )
            .expect("v3 data");
        }
        let mut cat = Catalog::open(&path).expect("open migrates");
        assert_eq!(cat.schema_version().expect("version"), SCHEMA_VERSION);
        assert_eq!(cat.integrity_check().expect("check"), "ok");
        let faces = cat.faces_of_photo(1).expect("faces");
        assert_eq!(faces.len(), 2);
        assert!(
            faces.iter().all(|f| !f.manual),
            "old faces are detected ones"
        );
        assert_eq!(faces[0].person, Some((1, crate::Provenance::Confirmed)));
        // Nothing is marked by the migration itself; an export of everything finds Ann.
        assert_eq!(cat.xmp_dirty_count().expect("dirty"), 0);
        assert_eq!(cat.xmp_photos(crate::XmpScope::All).expect("all"), vec![1]);
        // The v3 edit (no face images) still undoes; the triggers mark from now on.
        cat.move_faces(&[2], 1, 5).expect("move");
        assert_eq!(
            cat.xmp_photos(crate::XmpScope::Dirty).expect("dirty"),
            vec![1]
        );
        cat.undo(6).expect("undo").expect("move");
        cat.undo(7).expect("undo").expect("create");
        assert!(cat.person(1).expect("person").is_none());
        assert_eq!(
            cat.xmp_photos(crate::XmpScope::Dirty).expect("dirty"),
            vec![1]
        );
    }

    #[test]
    fn v5_on_a_v4_file_never_gives_a_deleted_face_id_again() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = old_file(dir.path(), 4);
        let mut cat = Catalog::open(&path).expect("open migrates");
        assert_eq!(cat.schema_version().expect("version"), SCHEMA_VERSION);
        assert_eq!(cat.integrity_check().expect("check"), "ok");
        {
            // Face 2, the highest id, goes (as a purge or a re-detection would delete it).
            let conn = Connection::open(&path).expect("raw");
            conn.execute("DELETE FROM faces WHERE id = 2", [])
                .expect("delete");
            let plan: String = conn
                .query_row(
                    "EXPLAIN QUERY PLAN SELECT id FROM people WHERE cover_face_id = 2",
                    [],
                    |r| r.get(3),
                )
                .expect("plan");
            assert!(plan.contains("people_cover"), "{plan}");
        }
        cat.add_root(std::path::Path::new("/lib2"), 2)
            .expect("root");
        let changes = crate::ScanChanges {
            upsert: vec![crate::FileCandidate {
                path: "/lib2/b.jpg".into(),
                size: 5,
                mtime_ns: 1,
            }],
            ..Default::default()
        };
        let root = cat.roots().expect("roots")[1].id;
        cat.apply_scan(root, &changes, 3).expect("scan");
        let file = cat.pending_files(0, 10).expect("pending")[0].id;
        let face = crate::NewFace {
            bbox: [1.0, 1.0, 4.0, 4.0],
            landmarks: [0.0; 10],
            score: 0.9,
            embedding: vec![0.0; 128],
            quality: None,
        };
        let photo = crate::NewPhoto {
            hash: crate::ContentHash([7; 32]),
            meta: cat.photo(1).expect("photo").expect("row").meta,
            model: "m".into(),
            faces: vec![face.clone(), face],
        };
        let out = crate::IndexOutcome::Analyzed {
            file,
            size: 5,
            mtime_ns: 1,
            photo,
        };
        cat.commit_batch(&[out], 4).expect("commit");
        let id = cat
            .indexed_photo(&crate::ContentHash([7; 32]), "m")
            .expect("q");
        let ids: Vec<i64> = cat
            .faces_of_photo(id.expect("indexed"))
            .expect("faces")
            .iter()
            .map(|f| f.id)
            .collect();
        assert_eq!(ids, vec![3, 4], "id 2 is not given again");
    }

    #[test]
    fn v2_replaces_the_taken_at_index_with_the_live_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = old_file(dir.path(), 1);
        drop(Catalog::open(&path).expect("open"));
        let conn = Connection::open(&path).expect("raw");
        let names: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'photos'")
            .expect("prepare")
            .query_map([], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert!(
            names.contains(&"photos_live_taken".to_string()),
            "{names:?}"
        );
        assert!(!names.contains(&"photos_taken_at".to_string()), "{names:?}");
    }
}
