//! Opening, migrations, roots, scans and watcher events on real SQLite files.

mod common;

use std::path::Path;

use common::*;
use likeness_catalog::*;

#[test]
fn open_creates_the_latest_schema_and_reopen_is_a_no_op() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("nested/folder/catalog.sqlite");
    let cat = Catalog::open(&db).expect("open");
    assert_eq!(cat.schema_version().expect("version"), SCHEMA_VERSION);
    assert_eq!(SCHEMA_VERSION, 7);
    assert_eq!(cat.integrity_check().expect("check"), "ok");
    drop(cat);

    let raw = rusqlite::Connection::open(&db).expect("raw");
    let tables_before: i64 = raw
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .expect("schema");
    let mode: String = raw
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
    drop(raw);

    let cat = Catalog::open(&db).expect("reopen");
    assert_eq!(cat.schema_version().expect("version"), SCHEMA_VERSION);
    let raw = rusqlite::Connection::open(&db).expect("raw");
    let tables_after: i64 = raw
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .expect("schema");
    assert_eq!(tables_before, tables_after);
}

#[test]
fn connection_pragmas_are_set() {
    let f = fixture();
    let want = ConnectionSettings {
        journal_mode: "wal".into(),
        synchronous: 1,
        foreign_keys: true,
        busy_timeout_ms: 5000,
    };
    assert_eq!(f.cat.settings().expect("settings"), want);
    let ro = Catalog::open_read_only(&f.db).expect("ro");
    let got = ro.settings().expect("settings");
    assert_eq!(
        (got.journal_mode.as_str(), got.busy_timeout_ms),
        ("wal", 5000)
    );
}

#[test]
fn a_file_from_a_newer_build_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("catalog.sqlite");
    let raw = rusqlite::Connection::open(&db).expect("raw");
    raw.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .expect("set version");
    drop(raw);
    match Catalog::open(&db) {
        Err(CatalogError::TooNew {
            path,
            found,
            supported,
        }) if found == SCHEMA_VERSION + 1 => {
            assert_eq!((path.as_path(), supported), (db.as_path(), SCHEMA_VERSION))
        }
        other => panic!("expected TooNew, got {other:?}"),
    }
    assert!(matches!(
        Catalog::open_read_only(&db),
        Err(CatalogError::TooNew { .. })
    ));
}

#[test]
fn read_only_handle_sees_committed_writes_and_refuses_unmigrated_files() {
    let mut f = fixture();
    let ro = Catalog::open_read_only(&f.db).expect("ro");
    f.add_files(&["a.jpg"]);
    assert_eq!(ro.count_pending().expect("pending"), 1);

    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty.sqlite");
    drop(rusqlite::Connection::open(&empty).expect("create"));
    assert!(matches!(
        Catalog::open_read_only(&empty),
        Err(CatalogError::Invalid { .. })
    ));
}

#[test]
fn roots_are_idempotent_and_matched_by_whole_components() {
    let mut f = fixture();
    let again = f.cat.add_root(&f.root.path.clone(), 999).expect("again");
    assert_eq!(again, f.root);
    let nested = f.cat.add_root(&f.p("trips"), 101).expect("nested");
    assert_eq!(f.cat.roots().expect("roots").len(), 2);

    let root_of = |p: &Path| f.cat.root_for(p).expect("root_for").map(|r| r.id);
    assert_eq!(root_of(&f.p("x.jpg")), Some(f.root.id));
    assert_eq!(root_of(&f.p("trips/x.jpg")), Some(nested.id));
    assert_eq!(root_of(&f.p("tripsx/x.jpg")), Some(f.root.id));
    let sibling = f.dir.path().join("library/x.jpg");
    assert_eq!(root_of(&sibling), None);
    let prefix_sibling = f.dir.path().join("lib2/x.jpg");
    assert_eq!(root_of(&prefix_sibling), None);
}

#[test]
fn apply_scan_adds_changes_removes_and_replaces_issues() {
    let mut f = fixture();
    let changes = ScanChanges {
        upsert: vec![cand(&f.p("a.jpg"), 10, 1), cand(&f.p("d/b.jpg"), 20, 2)],
        removed: vec![],
        issues: vec![ScanIssueRecord {
            path: f.p("locked"),
            code: "unreadable".into(),
            message: "permission denied".into(),
        }],
    };
    let applied = f.cat.apply_scan(f.root.id, &changes, 500).expect("scan");
    assert_eq!(
        applied,
        ScanApplied {
            added: 2,
            changed: 0,
            removed: 0
        }
    );
    let stamps = f.cat.file_stamps(f.root.id).expect("stamps");
    let a = stamps[&f.p("a.jpg")];
    assert_eq!((a.size, a.mtime_ns, a.state), (10, 1, FileState::Pending));
    assert_eq!(f.cat.scan_issues(10).expect("issues").len(), 1);
    assert_eq!(f.cat.roots().expect("roots")[0].last_scan_at, Some(500));

    let changes = ScanChanges {
        upsert: vec![cand(&f.p("a.jpg"), 11, 5)],
        removed: vec![f.p("d/b.jpg")],
        issues: vec![],
    };
    let applied = f.cat.apply_scan(f.root.id, &changes, 600).expect("rescan");
    assert_eq!(
        applied,
        ScanApplied {
            added: 0,
            changed: 1,
            removed: 1
        }
    );
    let stamps = f.cat.file_stamps(f.root.id).expect("stamps");
    assert_eq!(stamps.len(), 1);
    assert_eq!(
        stamps[&f.p("a.jpg")].id,
        a.id,
        "a changed file keeps its id"
    );
    assert_eq!(stamps[&f.p("a.jpg")].size, 11);
    assert!(f.cat.scan_issues(10).expect("issues").is_empty());
    assert!(matches!(
        f.cat.apply_scan(9999, &ScanChanges::default(), 1),
        Err(CatalogError::NotFound { .. })
    ));
}

#[test]
fn upsert_file_reports_whether_indexing_is_needed() {
    let mut f = fixture();
    let a = f.p("a.jpg");
    assert!(f.cat.upsert_file(&cand(&a, 10, 1), 1).expect("new"));
    assert!(f
        .cat
        .upsert_file(&cand(&a, 10, 1), 2)
        .expect("still pending"));
    let id = f.file_id("a.jpg");
    f.analyze(id, 1, &[BOX_A]);
    assert!(!f.cat.upsert_file(&cand(&a, 1000, 1), 3).expect("unchanged"));
    assert!(f.cat.upsert_file(&cand(&a, 1001, 1), 4).expect("changed"));
    assert_eq!(
        f.cat.file_stamps(f.root.id).expect("stamps")[&a].state,
        FileState::Pending
    );
    let pending = f.cat.pending_files(0, 10).expect("pending");
    assert_eq!(
        pending[0].photo,
        Some(f.photo_of(id)),
        "keeps its photo link until re-indexed"
    );
    let outside = f.dir.path().join("elsewhere/x.jpg");
    assert!(!f
        .cat
        .upsert_file(&cand(&outside, 1, 1), 5)
        .expect("outside"));
}

#[test]
fn remove_path_of_a_directory_does_not_touch_a_sibling_with_the_same_prefix() {
    let mut f = fixture();
    f.add_files(&[
        "a/b/1.jpg",
        "a/b/c/2.jpg",
        "a/bc/3.jpg",
        "a/b.jpg",
        "a/b-x/4.jpg",
    ]);
    assert_eq!(f.cat.remove_path(&f.p("a/b")).expect("remove"), 2);
    let mut left: Vec<_> = f
        .cat
        .file_stamps(f.root.id)
        .expect("stamps")
        .into_keys()
        .collect();
    left.sort();
    assert_eq!(
        left,
        vec![f.p("a/b-x/4.jpg"), f.p("a/b.jpg"), f.p("a/bc/3.jpg")]
    );
    assert_eq!(f.cat.remove_path(&f.p("a/b.jpg")).expect("file"), 1);
    assert_eq!(f.cat.remove_path(&f.p("nothing")).expect("unknown"), 0);
}

#[test]
fn rename_of_a_file_keeps_its_id_photo_and_faces() {
    let mut f = fixture();
    let ids = f.add_files(&["a.jpg", "other.jpg"]);
    let photo = f.analyze(ids[0], 1, &[BOX_A, BOX_B]);
    let faces_before = f.cat.faces_of_photo(photo).expect("faces");

    assert_eq!(
        f.cat
            .rename_path(&f.p("a.jpg"), &f.p("renamed.jpg"))
            .expect("rename"),
        1
    );
    let stamps = f.cat.file_stamps(f.root.id).expect("stamps");
    assert_eq!(stamps[&f.p("renamed.jpg")].id, ids[0]);
    assert_eq!(stamps[&f.p("renamed.jpg")].state, FileState::Indexed);
    let row = f
        .cat
        .photo_by_path(&f.p("renamed.jpg"))
        .expect("q")
        .expect("photo");
    assert_eq!(row.id, photo);
    assert_eq!(row.paths, vec![f.p("renamed.jpg")]);
    let faces_after = f.cat.faces_of_photo(photo).expect("faces");
    assert_eq!(
        faces_before.iter().map(|x| x.id).collect::<Vec<_>>(),
        faces_after.iter().map(|x| x.id).collect::<Vec<_>>()
    );
    assert_eq!(f.cat.count_pending().expect("pending"), 1, "only other.jpg");

    // Onto an existing file: the destination row is replaced.
    assert_eq!(
        f.cat
            .rename_path(&f.p("renamed.jpg"), &f.p("other.jpg"))
            .expect("rename"),
        1
    );
    let stamps = f.cat.file_stamps(f.root.id).expect("stamps");
    assert_eq!(stamps.len(), 1);
    assert_eq!(stamps[&f.p("other.jpg")].id, ids[0]);
}

#[test]
fn rename_of_a_directory_moves_every_row_under_it_and_only_those() {
    let mut f = fixture();
    let ids = f.add_files(&["trip/1.jpg", "trip/day2/2.jpg", "tripx/3.jpg"]);
    let photo = f.analyze(ids[1], 2, &[BOX_A]);
    let face_ids: Vec<_> = f
        .cat
        .faces_of_photo(photo)
        .expect("faces")
        .iter()
        .map(|x| x.id)
        .collect();

    assert_eq!(
        f.cat
            .rename_path(&f.p("trip"), &f.p("2020/trip"))
            .expect("rename"),
        2
    );
    let stamps = f.cat.file_stamps(f.root.id).expect("stamps");
    assert_eq!(stamps[&f.p("2020/trip/1.jpg")].id, ids[0]);
    assert_eq!(stamps[&f.p("2020/trip/day2/2.jpg")].id, ids[1]);
    assert_eq!(stamps[&f.p("tripx/3.jpg")].id, ids[2]);
    assert_eq!(stamps.len(), 3);
    let row = f
        .cat
        .photo_by_path(&f.p("2020/trip/day2/2.jpg"))
        .expect("q")
        .expect("photo");
    assert_eq!(row.id, photo);
    let after: Vec<_> = f
        .cat
        .faces_of_photo(photo)
        .expect("faces")
        .iter()
        .map(|x| x.id)
        .collect();
    assert_eq!(face_ids, after);
    assert!(matches!(
        f.cat.rename_path(&f.p("2020"), &f.p("2020/inside")),
        Err(CatalogError::Invalid { .. })
    ));
}

#[test]
fn rename_across_roots_reparents_and_out_of_every_root_removes() {
    let mut f = fixture();
    let other = f
        .cat
        .add_root(&f.dir.path().join("other"), 1)
        .expect("root");
    let ids = f.add_files(&["a.jpg", "b.jpg"]);
    let photo = f.analyze(ids[0], 1, &[BOX_A]);
    let dest = other.path.join("a.jpg");
    assert_eq!(f.cat.rename_path(&f.p("a.jpg"), &dest).expect("move"), 1);
    assert_eq!(
        f.cat.file_stamps(other.id).expect("stamps")[&dest].id,
        ids[0]
    );
    assert_eq!(
        f.cat.root_for(&dest).expect("root").map(|r| r.id),
        Some(other.id)
    );

    let gone = f.dir.path().join("outside/a.jpg");
    assert_eq!(
        f.cat.rename_path_at(&dest, &gone, Some(900)).expect("out"),
        1
    );
    assert!(f.cat.file_stamps(other.id).expect("stamps").is_empty());
    assert_eq!(f.cat.count_orphan_photos().expect("orphans"), 1);
    assert!(f
        .cat
        .photo(photo)
        .expect("photo")
        .expect("kept")
        .paths
        .is_empty());
}

#[test]
fn pending_files_page_by_id() {
    let mut f = fixture();
    let ids = f.add_files(&["1.jpg", "2.jpg", "3.jpg", "4.jpg", "5.jpg"]);
    let first = f.cat.pending_files(0, 2).expect("page");
    assert_eq!(
        first.iter().map(|p| p.id).collect::<Vec<_>>(),
        ids[..2].to_vec()
    );
    let next = f.cat.pending_files(first[1].id, 10).expect("page");
    assert_eq!(next.len(), 3);
    f.analyze(ids[2], 3, &[]);
    assert_eq!(f.cat.count_pending().expect("count"), 4);
    assert_eq!(f.cat.pending_files(first[1].id, 10).expect("page").len(), 2);
}

#[test]
fn non_utf8_file_names_round_trip() {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let mut f = fixture();
        let name = std::ffi::OsStr::from_bytes(b"caf\xe9.jpg");
        let path = f.root.path.join(name);
        assert!(f.cat.upsert_file(&cand(&path, 1, 1), 1).expect("upsert"));
        let pending = f.cat.pending_files(0, 10).expect("pending");
        assert_eq!(pending[0].path, path);
        assert!(f
            .cat
            .file_stamps(f.root.id)
            .expect("stamps")
            .contains_key(&path));
    }
}

#[test]
fn remove_root_keeps_photos_as_orphans_and_readding_relinks() {
    let mut f = fixture();
    let ids = f.add_files(&["a.jpg"]);
    let photo = f.analyze(ids[0], 1, &[BOX_A]);
    assert!(f
        .cat
        .remove_root_at(&f.root.path.clone(), Some(1000))
        .expect("remove"));
    assert!(!f.cat.remove_root(&f.root.path.clone()).expect("again"));
    let st = f.cat.status().expect("status");
    assert_eq!(
        (st.roots, st.files, st.photos, st.faces, st.orphan_photos),
        (0, 0, 0, 0, 1)
    );
    assert_eq!(
        f.cat.count_photos(&PhotoQuery::default()).expect("count"),
        0
    );

    let root = f.cat.add_root(&f.root.path.clone(), 2000).expect("re-add");
    f.root = root;
    let ids = f.add_files(&["a.jpg"]);
    assert_eq!(
        f.cat.indexed_photo(&hash(1), MODEL).expect("lookup"),
        Some(photo)
    );
    let link = IndexOutcome::Linked {
        file: ids[0],
        size: 1000,
        mtime_ns: 1,
        photo,
    };
    f.cat.commit_batch(&[link], 2100).expect("link");
    let st = f.cat.status().expect("status");
    assert_eq!((st.photos, st.faces, st.orphan_photos), (1, 1, 0));
    assert_eq!(
        f.cat.count_photos(&PhotoQuery::default()).expect("count"),
        1
    );
}

#[test]
fn interrupted_job_is_marked_on_reopen() {
    let mut f = fixture();
    let done = f.cat.begin_job("index", 10).expect("job");
    let counts = JobCounts {
        photos_done: 5,
        photos_total: 5,
        faces: 7,
        errors: 0,
    };
    f.cat
        .finish_job(done, JobState::Completed, &counts, 20)
        .expect("finish");
    let job = f.cat.begin_job("index", 30).expect("job");
    let counts = JobCounts {
        photos_done: 3,
        photos_total: 10,
        faces: 4,
        errors: 1,
    };
    f.cat.update_job(job, &counts, 40).expect("update");
    let last = f.cat.last_job("index").expect("last").expect("some");
    assert_eq!(
        (last.id, last.state, last.finished_at),
        (job, JobState::Running, None)
    );
    drop(f.cat); // the process "dies" with the job running

    let cat = Catalog::open(&f.db).expect("reopen");
    let last = cat.last_job("index").expect("last").expect("some");
    assert_eq!(last.state, JobState::Interrupted);
    assert_eq!(last.counts, counts);
    assert_eq!((last.updated_at, last.finished_at), (40, Some(40)));
    assert!(cat.last_job("scan").expect("none").is_none());
}

#[test]
fn status_counts_every_kind_of_row() {
    let mut f = fixture();
    let ids = f.add_files(&["a.jpg", "b.jpg", "c.jpg", "dup.jpg"]);
    let photo = f.analyze(ids[0], 1, &[BOX_A, BOX_B]);
    let failed = IndexOutcome::Failed {
        file: ids[1],
        size: 5,
        mtime_ns: 6,
        code: "decode".into(),
        message: "truncated JPEG".into(),
    };
    let dup = IndexOutcome::Linked {
        file: ids[3],
        size: 1000,
        mtime_ns: 1,
        photo,
    };
    f.cat.commit_batch(&[failed, dup], 400).expect("commit");
    let st = f.cat.status().expect("status");
    assert_eq!(
        st,
        CatalogStatus {
            roots: 1,
            files: 4,
            pending: 1,
            indexed: 2,
            failed: 1,
            photos: 1,
            faces: 2,
            people: 0,
            orphan_photos: 0,
            scan_issues: 0,
        }
    );
    let failures = f.cat.failures(10).expect("failures");
    assert_eq!(failures.len(), 1);
    assert_eq!(
        (failures[0].path.clone(), failures[0].code.as_str()),
        (f.p("b.jpg"), "decode")
    );
    assert_eq!(failures[0].at, 400);
    let row = f.cat.photo(photo).expect("photo").expect("some");
    assert_eq!(row.paths, vec![f.p("a.jpg"), f.p("dup.jpg")]);
}
