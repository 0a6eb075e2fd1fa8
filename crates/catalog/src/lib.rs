//! The Likeness catalog: one SQLite file (rusqlite, bundled SQLite); the only crate that
//! holds SQL.
//!
//! **Job.** Remember what the library contains and what the user decided: library roots,
//! the files under them, the photos (distinct contents) those files hold, the faces found in
//! the photos with their embeddings, people, each face's person and why, rejections, jobs and
//! scan problems; answer the app's queries (photos of a person, photos with ALL of several
//! people, by date, counts per person).
//!
//! **What it must not know.** Pixels, models, the file system (it never reads a photo or
//! walks a folder: callers pass hashes, sizes, mtimes, faces), the UI, the clock (every write
//! that records a time takes `now: i64`, unix seconds, from the caller — the only exception is
//! the orphaned-at time of `remove_root`/`remove_path`/`rename_path`, whose `*_at` variants take
//! it and whose plain forms use SQLite's `unixepoch()`). No dependency on other likeness
//! crates: plain data in, plain data out; types are not `Serialize`.
//!
//! # Schema (migrations.rs; `PRAGMA user_version` = number of steps run)
//! ```text
//! roots        id, path UNIQUE, added_at, last_scan_at
//! files        id, root_id → roots, path UNIQUE, size, mtime_ns,
//!              state pending|indexed|failed, photo_id → photos (NULL until indexed),
//!              error_code, error_message, seen_at, state_at
//! photos       id, hash UNIQUE (BLAKE3, 32 B), model, width, height, stored_width/height,
//!              orientation, format, taken_at (sortable text), taken_source exif|file_time,
//!              camera_make/model, gps_lat/lon, file_size, face_count, created_at, orphaned_at
//! faces        id (from counters 'face', never reused), photo_id → photos, idx (UNIQUE per
//!              photo; detections first, faces kept through a re-detection after them),
//!              x1 y1 x2 y2 (oriented px), landmarks (10 LE f32), score,
//!              embedding (LE f32 BLOB; 128 → 512 B), not_face (the user said "not a
//!              face"), source detected|manual (manual = an imported XMP region no detection
//!              matched; counted in photos.face_count)
//! people       id (from counters 'person', never reused), name (UNIQUE ignoring ASCII
//!              case, NULL = unnamed cluster), hidden, cover_face_id, created_at
//! assignments  face_id PK → faces, person_id → people, provenance confirmed|automatic|
//!              suggested, confidence, decided_at; copies of the photo's photo_id, taken_at
//!              and live (= the photo has a file), kept in step by triggers on photos
//! rejections   (face_id, person_id) PK, decided_at — "this face is not that person"
//! jobs         id, kind, state running|completed|cancelled|interrupted|failed, started_at,
//!              updated_at, finished_at, photos_done/total, faces, errors
//! scan_issues  root_id → roots, path, code, message, at (replaced by each scan of the root)
//! counters     name PK, value — 'person' / 'face': the last person / face id handed out
//! edits        id, kind, label, state done|undone, at, state_at, before, after (JSON row
//!              images of every row the edit touched) — the undo/redo history
//! xmp_exports  photo_id PK → photos, digest (the exporter's), written_at — what was last
//!              written to the photo's XMP
//! xmp_dirty    photo_id PK (no FK) — photos whose exported content may have changed,
//!              filled by triggers on assignments and people (V4), taken by the exporter
//! ```
//! Indexes that carry the queries: `assignments_person_taken (person_id, taken_at, photo_id)
//! WHERE provenance <> 'suggested' AND live = 1` (person → photos, newest first, straight off
//! the index), `assignments_person_photo (person_id, photo_id, provenance, live)` (covering
//! probe "is person X in photo P" for ALL-of queries, counts per person),
//! `photos_live_taken (taken_at, id, face_count, orphaned_at) WHERE orphaned_at IS NULL`
//! (all photos by date, status), `files_state (state, id)` (the indexer's queue),
//! `files.path UNIQUE` (lookups and directory ranges), `people_cover (cover_face_id) WHERE
//! cover_face_id IS NOT NULL` (covers a re-detection moves; the FK's `SET NULL` on a face
//! delete).
//!
//! # Invariants
//! - **User decisions are never overwritten by automation.** The user's decisions are
//!   Confirmed assignments, rejections ("this face is not that person"), "not a face" marks,
//!   names, hidden flags and covers ([`Catalog::decisions`]). An Automatic or Suggested
//!   assignment is ignored on a face the user confirmed or marked "not a face", and for a
//!   person the user rejected on that face — checked in SQL inside the writing transaction
//!   ([`Catalog::apply_clustering`], [`Catalog::assign_automatic`]). Only the user's edits replace
//!   a Confirmed assignment, lift a rejection or a mark.
//! - **Content changes and re-detection keep every decision.** Old faces are paired one to
//!   one with new faces whose boxes, normalised by the photo size, overlap with IoU ≥ 0.5:
//!   the user's confirmed faces pick first, then faces with other decisions and manual faces,
//!   then automation's; best IoU first. When a file's content changes, the paired face gets
//!   the old face's confirmed assignment, rejections and "not a face" mark (a decision already
//!   on it wins); the old photo keeps its own faces and decisions. When a photo is
//!   re-analysed by another model (re-detection; [`Catalog::requeue_other_models`] makes
//!   every file of another model pending), its faces are replaced: a paired old face hands
//!   over its decisions, the covers it is and an Automatic/Suggested assignment, then goes;
//!   an old face with a user decision (confirmed, rejection, "not a face", a cover) or a
//!   manual face that no new face took is KEPT unchanged (id, box, embedding, rows on it)
//!   after the new faces. A manual face a detection overlaps hands over to it (the import
//!   would have matched that detection). So a re-detection loses nothing the user decided,
//!   and a cover never names a deleted face.
//! - **Face ids are never reused** (the 'face' counter, V5): an edit's images, covers and the
//!   desktop's face thumbnails name faces by id, so an id always means the same face; undo
//!   and redo skip (and count) a face that no longer exists, and never write onto another.
//! - **Undo/redo of the user's people edits.** Each edit (`name_person`, `merge_people`,
//!   `move_faces`, `new_person_with_faces`, `reject_faces`, `set_not_face`, `set_hidden`,
//!   `set_cover`, `accept_suggestions`, `reject_suggestions`, `create_person`, `import_faces`)
//!   is one transaction that also stores
//!   an `edits` row with before/after images of every row it touched (people rows, including
//!   every person a touched assignment or rejection refers to; assignments by face;
//!   rejections by (face, person); marks by face; the manual face rows an import created).
//!   Undo writes the before image, redo the
//!   after image; a new edit drops the undone ones; the latest [`KEEP_EDITS`] done edits are
//!   kept. Faces that no longer exist are skipped (counted): an edit made before a
//!   re-detection does not follow a face to the new face that took its decisions (a cover
//!   naming a gone face leaves the person's current cover; a manual face a detection took
//!   over is not re-created). Clustering is not an edit.
//!   A batch is one edit: hiding N people, rejecting or moving N faces is one undo.
//!   The only public writes of people data that are not edits are automation's:
//!   [`Catalog::apply_clustering`] and [`Catalog::assign_automatic`] (Automatic/Suggested
//!   only — a Confirmed assignment is always the user's, recorded edit).
//! - **XMP export marks.** Whatever changes a photo's exported faces (a Confirmed or
//!   Automatic assignment to a named person; a person's name or hidden flag) marks the photo
//!   in `xmp_dirty`, whoever writes it (edits, undo/redo, clustering, the matcher, decisions
//!   carried to new faces): SQL triggers, so no writer can forget. [`Catalog::xmp_photos`]
//!   with `XmpScope::Dirty` takes the marks. An import ([`Catalog::import_faces`]) never
//!   overrides a user decision: conflicts are returned, not applied.
//! - **Person ids are never reused.** Every new person takes its id from `counters`, so undo
//!   can re-create a deleted person (merged away, or an unnamed cluster that emptied) with its
//!   old id and nothing else ever had that id.
//! - **No empty unnamed clusters.** An unnamed, non-hidden person left without assignments
//!   (by clustering, an edit, undo or redo) is deleted.
//! - **Orphans are kept.** Faces hang off photos (contents), not files. A photo whose last
//!   file goes (deleted, moved out of every root, root removed, file now fails to decode)
//!   keeps its faces and decisions with `orphaned_at` set; the same content re-appearing
//!   (same hash) links to it again and gets its faces and names back. Only `purge_orphans`
//!   deletes them. Orphans are never listed by queries or counted as photos.
//! - **Renames keep everything.** A file or directory rename updates paths in place: file ids,
//!   photo links, faces and names stay; nothing is re-embedded.
//! - **One transaction per batch.** Every public write is one IMMEDIATE transaction: a batch
//!   of index outcomes (`commit_batch`), a scan (`apply_scan`), a rename of a whole directory
//!   are stored entirely or not at all; a crash leaves the catalog as it was before the call.
//!   Jobs still "running" when the catalog is opened read-write are marked Interrupted.
//! - Connections: WAL, busy_timeout 5 s, foreign keys ON, synchronous NORMAL. One writer
//!   (`Catalog::open`), any number of readers (`Catalog::open_read_only`) — a second process
//!   that only reads should open read-only, since a read-write open marks running jobs
//!   interrupted.
//!
//! # Modules, lowest first (a module only uses modules before it; a test in
//! `likeness-testdata` fails on any cycle)
//! ```text
//! error, types, paths          shared types, errors, path ↔ BLOB
//! migrations, db               the schema; Catalog, open, read/write (marks interrupted jobs)
//! jobs, status, roots          jobs; counts; roots (add, list, find)
//! files                        file rows, scans, renames, removing a root, orphaning
//! faces, photos                face rows and decisions carried on content change and
//!                              re-detection; photos, index outcomes, requeueing other models
//! query, timeline, snapshot    the app's reads
//! people, clustering           people rows and reads, automatic assignments; clustering
//! edits                        the undo/redo history (Keys, Recorder, undo, redo)
//! people_edits, xmp            the user's recorded edits; XMP export marks and import
//! ```
//!
//! # Paths
//! Stored as BLOBs of the OS bytes (`OsStrExt` on Unix), so non-UTF-8 names round-trip
//! exactly and are never renamed lossily. On other platforms paths must be valid Unicode
//! (`CatalogError::NonUnicodePath` otherwise). "Under directory D" is the byte range
//! `[D + "/", D + "0")`, so `/a/b` never matches `/a/bc`.
//!
//! # Dates
//! `taken_at` is `YYYY-MM-DDTHH:MM:SS` text compared as text. `PhotoQuery::to` is inclusive as
//! a prefix ("2020-12" includes all of December 2020). Undated photos sort last.

mod clustering;
mod db;
mod edits;
mod error;
mod faces;
mod files;
mod jobs;
mod migrations;
mod paths;
mod people;
mod people_edits;
mod photos;
mod query;
mod roots;
mod snapshot;
mod status;
mod timeline;
mod types;
mod xmp;

pub use db::{Catalog, ConnectionSettings, Migration};
pub use edits::KEEP_EDITS;
pub use error::CatalogError;
pub use migrations::SCHEMA_VERSION;
pub use snapshot::{
    CatalogSnapshot, SnapshotAssignment, SnapshotFace, SnapshotFile, SnapshotIssue, SnapshotPerson,
    SnapshotPhoto, SnapshotRejection,
};
pub use timeline::{PhotoView, TimelineCursor, TimelineDay, ViewFace, ViewPerson};
pub use types::*;
