//! `LibraryWatcher` on real temporary folders with the real OS watcher (inotify).
//!
//! Every wait is on the receiver with a generous timeout (the machine may be loaded); the
//! latency itself is measured by the `watch_latency` bench, not here.

mod common;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use common::{child_role, lock_dir, photo_options, put, run_without_dac_override, unlock_dir};
use likeness_scan::{FsChange, LibraryWatcher, ScanError, ScanIssueKind, DEFAULT_DEBOUNCE};

/// How long to wait for an expected change before failing.
const TIMEOUT: Duration = Duration::from_secs(10);
/// After the expected change: how long the receiver must stay silent for "nothing else".
const QUIET: Duration = Duration::from_millis(1200);

fn start(roots: &[PathBuf]) -> (LibraryWatcher, Receiver<Vec<FsChange>>) {
    LibraryWatcher::start(roots, &photo_options(), DEFAULT_DEBOUNCE).expect("start")
}

/// Collects changes until `done` holds for what was collected (panics after TIMEOUT).
fn wait_for(
    rx: &Receiver<Vec<FsChange>>,
    what: &str,
    done: impl Fn(&[FsChange]) -> bool,
) -> Vec<FsChange> {
    let deadline = Instant::now() + TIMEOUT;
    let mut seen = Vec::new();
    while !done(&seen) {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(batch) => seen.extend(batch),
            Err(RecvTimeoutError::Timeout) => {
                panic!("timed out waiting for {what}; got {seen:?}")
            }
            Err(RecvTimeoutError::Disconnected) => panic!("watcher stopped; got {seen:?}"),
        }
    }
    seen
}

/// Collects until the receiver has been silent for QUIET.
fn drain_quiet(rx: &Receiver<Vec<FsChange>>) -> Vec<FsChange> {
    let mut seen = Vec::new();
    while let Ok(batch) = rx.recv_timeout(QUIET) {
        seen.extend(batch);
    }
    seen
}

fn has(change: FsChange) -> impl Fn(&[FsChange]) -> bool {
    move |seen| seen.contains(&change)
}

fn upserted(p: &Path) -> FsChange {
    FsChange::Upserted(p.to_path_buf())
}

fn removed(p: &Path) -> FsChange {
    FsChange::Removed(p.to_path_buf())
}

#[test]
fn create_modify_delete_a_photo() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().to_path_buf();
    // (A file created right after its folder may beat the folder's watch: that case is
    // `new_folder_is_rescanned`.)
    fs::create_dir(root.join("album")).expect("mkdir");
    let (_watcher, rx) = start(std::slice::from_ref(&root));

    let photo = put(&root, "album/a.jpg", b"first version");
    let seen = wait_for(&rx, "create", has(upserted(&photo)));
    assert_eq!(
        seen.iter().filter(|c| **c == upserted(&photo)).count(),
        1,
        "{seen:?}"
    );

    fs::OpenOptions::new()
        .append(true)
        .open(&photo)
        .expect("open")
        .write_all(b", more")
        .expect("append");
    wait_for(&rx, "modify", has(upserted(&photo)));

    fs::remove_file(&photo).expect("delete");
    let seen = wait_for(&rx, "delete", has(removed(&photo)));
    assert!(!seen.contains(&upserted(&photo)), "{seen:?}");
}

#[test]
fn renaming_a_file_is_one_rename() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().to_path_buf();
    let a = put(&root, "a.jpg", b"a");
    fs::create_dir(root.join("sub")).expect("mkdir");
    let (_watcher, rx) = start(std::slice::from_ref(&root));

    let b = root.join("b.JPG");
    fs::rename(&a, &b).expect("rename");
    let renamed = FsChange::Renamed {
        from: a.clone(),
        to: b.clone(),
    };
    let mut seen = wait_for(&rx, "rename", has(renamed.clone()));
    seen.extend(drain_quiet(&rx));
    assert_eq!(seen, vec![renamed], "not a remove plus an add");

    // Into a sub-folder of the same root: still a move.
    let c = root.join("sub/c.jpg");
    fs::rename(&b, &c).expect("move");
    let moved = FsChange::Renamed {
        from: b.clone(),
        to: c.clone(),
    };
    let mut seen = wait_for(&rx, "move", has(moved.clone()));
    seen.extend(drain_quiet(&rx));
    assert_eq!(seen, vec![moved]);

    // Renamed to a non-photo name: for the library, it is gone.
    let txt = root.join("sub/c.txt");
    fs::rename(&c, &txt).expect("rename");
    wait_for(&rx, "rename to non-photo", has(removed(&c)));
}

#[test]
fn renaming_a_folder_is_one_rename_and_it_stays_watched() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().to_path_buf();
    put(&root, "album/1.jpg", b"1");
    put(&root, "album/2.jpg", b"2");
    put(&root, "album/nested/3.jpg", b"3");
    let (_watcher, rx) = start(std::slice::from_ref(&root));

    let from = root.join("album");
    let to = root.join("Album 2019");
    fs::rename(&from, &to).expect("rename dir");
    let renamed = FsChange::Renamed {
        from: from.clone(),
        to: to.clone(),
    };
    let mut seen = wait_for(&rx, "folder rename", has(renamed.clone()));
    seen.extend(drain_quiet(&rx));
    assert_eq!(seen, vec![renamed]);

    // The watches followed the folder to its new name.
    let new = put(&to, "nested/4.jpg", b"4");
    wait_for(&rx, "file in renamed folder", has(upserted(&new)));

    // Renamed to a hidden name: gone for the library.
    let hidden = root.join(".album");
    fs::rename(&to, &hidden).expect("hide");
    let mut seen = wait_for(&rx, "hidden rename", has(removed(&to)));
    seen.extend(drain_quiet(&rx));
    assert_eq!(seen, vec![removed(&to)]);
}

#[test]
fn moving_in_and_out_of_the_root() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("root");
    let outside = tmp.path().join("outside");
    fs::create_dir(&root).expect("mkdir");
    let x = put(&outside, "x.jpg", b"x");
    put(&outside, "trip/1.jpg", b"1");
    let (_watcher, rx) = start(std::slice::from_ref(&root));

    // A file moved in is new to the library.
    let inside = root.join("x.jpg");
    fs::rename(&x, &inside).expect("move in");
    wait_for(&rx, "file moved in", has(upserted(&inside)));

    // A file moved out is removed.
    fs::rename(&inside, outside.join("y.jpg")).expect("move out");
    wait_for(&rx, "file moved out", has(removed(&inside)));

    // A folder moved in must be walked.
    let trip = root.join("trip");
    fs::rename(outside.join("trip"), &trip).expect("move dir in");
    wait_for(&rx, "folder moved in", has(FsChange::Rescan(trip.clone())));
    // … and is watched from then on.
    let later = put(&trip, "2.jpg", b"2");
    wait_for(&rx, "file in moved-in folder", has(upserted(&later)));

    fs::rename(&trip, outside.join("trip-back")).expect("move dir out");
    wait_for(&rx, "folder moved out", has(removed(&trip)));
}

#[test]
fn non_photos_and_hidden_or_system_folders_are_ignored() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().to_path_buf();
    for dir in [".hiddendir", "@eaDir", "#recycle", "album"] {
        fs::create_dir(root.join(dir)).expect("mkdir");
    }
    let (_watcher, rx) = start(std::slice::from_ref(&root));

    let txt = put(&root, "album/notes.txt", b"notes");
    fs::write(&txt, b"more notes").expect("modify");
    fs::remove_file(&txt).expect("delete");
    put(&root, "album/.hidden.jpg", b"h");
    put(&root, "album/._IMG_1.JPG", b"appledouble");
    put(&root, ".hiddendir/a.jpg", b"a");
    put(&root, "@eaDir/b.jpg", b"b");
    let r = put(&root, "#recycle/c.jpg", b"c");
    fs::remove_file(r).expect("delete");
    put(&root, ".newhidden/d.jpg", b"d");
    put(&root, "album/@eaDir/e.jpg", b"e");

    // The sentinel is written last; everything above happened before it.
    let sentinel = put(&root, "album/sentinel.jpg", b"s");
    let mut seen = wait_for(&rx, "sentinel", has(upserted(&sentinel)));
    seen.extend(drain_quiet(&rx));
    assert_eq!(seen, vec![upserted(&sentinel)]);
}

#[test]
fn a_file_written_in_chunks_is_reported_after_the_writes_settle() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().to_path_buf();
    let (_watcher, rx) = start(std::slice::from_ref(&root));

    let path = root.join("slow.jpg");
    let chunk = vec![0xABu8; 64 * 1024];
    let chunks = 6;
    let mut file = fs::File::create(&path).expect("create");
    let mut last = Instant::now();
    let mut max_gap = Duration::ZERO;
    for i in 0..chunks {
        if i > 0 {
            std::thread::sleep(Duration::from_millis(180));
        }
        file.write_all(&chunk).expect("write");
        file.flush().expect("flush");
        max_gap = max_gap.max(last.elapsed());
        last = Instant::now();
        // Nothing may be reported while the writes go on.
        if let Ok(batch) = rx.try_recv() {
            assert!(
                max_gap >= DEFAULT_DEBOUNCE,
                "reported {batch:?} mid-write (longest gap {max_gap:?})"
            );
        }
    }
    drop(file);
    let done = Instant::now();
    let full = (chunk.len() * chunks) as u64;

    let first = wait_for(&rx, "upsert", has(upserted(&path)));
    assert!(done.elapsed() >= DEFAULT_DEBOUNCE / 2, "reported too soon");
    assert_eq!(fs::metadata(&path).expect("stat").len(), full);
    let more = drain_quiet(&rx);
    let count = first
        .iter()
        .chain(&more)
        .filter(|c| **c == upserted(&path))
        .count();
    if max_gap < DEFAULT_DEBOUNCE {
        // The writer never paused as long as the debounce: exactly one report.
        assert_eq!(count, 1, "{first:?} {more:?}");
    } else {
        eprintln!("writer paused {max_gap:?} (loaded machine): {count} reports");
    }
}

#[test]
fn new_folder_is_rescanned() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().to_path_buf();
    let (_watcher, rx) = start(std::slice::from_ref(&root));
    // Files written right after mkdir may land before the new folder's watch exists.
    let new = put(&root, "2024/06/IMG_1.jpg", b"1");
    let seen = wait_for(
        &rx,
        "rescan of new folder",
        has(FsChange::Rescan(root.join("2024"))),
    );
    assert!(
        seen.iter().all(|c| match c {
            FsChange::Rescan(p) => p.starts_with(root.join("2024")),
            FsChange::Upserted(p) => *p == new,
            _ => false,
        }),
        "{seen:?}"
    );
}

#[test]
fn roots_can_be_added_and_removed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let one = tmp.path().join("one");
    let two = tmp.path().join("two");
    fs::create_dir(&one).expect("mkdir");
    fs::create_dir(&two).expect("mkdir");
    let (mut watcher, rx) = start(&[]);
    watcher.add_root(&one).expect("add one");
    watcher.add_root(&two).expect("add two");
    watcher.add_root(&two).expect("adding twice is a no-op");
    assert_eq!(watcher.roots(), vec![one.clone(), two.clone()]);

    let a = put(&one, "a.jpg", b"a");
    wait_for(&rx, "change in first root", has(upserted(&a)));

    watcher.remove_root(&one).expect("remove one");
    put(&one, "b.jpg", b"b");
    let sentinel = put(&two, "s.jpg", b"s");
    let mut seen = wait_for(&rx, "sentinel", has(upserted(&sentinel)));
    seen.extend(drain_quiet(&rx));
    assert_eq!(
        seen,
        vec![upserted(&sentinel)],
        "removed root still reported"
    );

    let err = watcher
        .add_root(&tmp.path().join("missing"))
        .expect_err("missing");
    assert!(matches!(err, ScanError::RootMissing { .. }), "{err:?}");
    let err = watcher.add_root(&a).expect_err("a file");
    assert!(matches!(err, ScanError::NotADirectory { .. }), "{err:?}");
    assert_eq!(err.path(), a);
}

#[test]
fn deleting_a_folder_is_one_removal() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().to_path_buf();
    for i in 0..20 {
        put(&root, &format!("album/{i}.jpg"), b"x");
        put(&root, &format!("album/sub/{i}.jpg"), b"x");
    }
    let (_watcher, rx) = start(std::slice::from_ref(&root));
    let album = root.join("album");
    fs::remove_dir_all(&album).expect("rm -r");
    let mut seen = wait_for(&rx, "folder removal", has(removed(&album)));
    seen.extend(drain_quiet(&rx));
    assert_eq!(seen, vec![removed(&album)]);
}

#[test]
fn the_root_going_away_asks_for_a_rescan_not_a_removal() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("root");
    put(&root, "a.jpg", b"a");
    let (_watcher, rx) = start(std::slice::from_ref(&root));
    // E.g. a drive unmounted or a folder renamed outside the app: the consumer looks
    // again instead of forgetting the library.
    fs::rename(&root, tmp.path().join("elsewhere")).expect("move root");
    let mut seen = wait_for(&rx, "rescan", has(FsChange::Rescan(root.clone())));
    seen.extend(drain_quiet(&rx));
    assert_eq!(seen, vec![FsChange::Rescan(root)]);
}

#[test]
fn dropping_the_watcher_disconnects_the_receiver() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (watcher, rx) = start(&[tmp.path().to_path_buf()]);
    drop(watcher);
    assert_eq!(
        rx.recv_timeout(TIMEOUT),
        Err(RecvTimeoutError::Disconnected)
    );
}

/// Starts a watcher on `root` (which holds an unreadable folder) and reports, as lines,
/// its issues and whether a change beside the unreadable folder is still seen.
fn unreadable_watch_findings(root: &Path) -> String {
    let (watcher, rx) = start(&[root.to_path_buf()]);
    let mut lines: Vec<String> = watcher
        .issues()
        .iter()
        .map(|i| {
            format!(
                "issue {} {}",
                i.kind.code(),
                i.path.strip_prefix(root).expect("under root").display()
            )
        })
        .collect();
    assert!(watcher
        .issues()
        .iter()
        .all(|i| i.kind == ScanIssueKind::Unreadable));
    for rel in ["ok/deep/new.jpg", "top.jpg"] {
        let p = put(root, rel, b"n");
        wait_for(&rx, rel, has(upserted(&p)));
        lines.push(format!("seen {rel}"));
    }
    lines.join("\n")
}

#[test]
fn unreadable_folder_does_not_stop_watching_the_rest() {
    if let Some((root, out)) = child_role() {
        fs::write(out, unreadable_watch_findings(&root)).expect("write findings");
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("root");
    put(&root, "ok/deep/old.jpg", b"o");
    put(&root, "locked/inner/secret.jpg", b"s");
    let privileged = lock_dir(&root.join("locked"));
    let findings = if privileged {
        run_without_dac_override(
            "unreadable_folder_does_not_stop_watching_the_rest",
            &root,
            &tmp.path().join("findings.txt"),
        )
    } else {
        unreadable_watch_findings(&root)
    };
    unlock_dir(&root.join("locked"));
    assert_eq!(
        findings,
        "issue unreadable locked\nseen ok/deep/new.jpg\nseen top.jpg"
    );
}
