//! `walk_root`, `file_candidate` and hashing on real temporary folders.

mod common;

use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use common::{child_role, lock_dir, photo_options, put, run_without_dac_override, unlock_dir};
use likeness_scan::{
    file_candidate, hash_bytes, hash_file, walk_root, FileCandidate, ScanError, ScanIssue,
    ScanIssueKind, ScanOptions,
};

fn walk(root: &Path, options: &ScanOptions) -> (Vec<FileCandidate>, Vec<ScanIssue>) {
    let mut files = Vec::new();
    let issues = walk_root(root, options, &AtomicBool::new(false), &mut |c| {
        files.push(c)
    })
    .expect("walk");
    (files, issues)
}

fn rel_set(root: &Path, files: &[FileCandidate]) -> BTreeSet<String> {
    files
        .iter()
        .map(|c| {
            c.path
                .strip_prefix(root)
                .expect("under root")
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

#[test]
fn finds_photos_in_nested_folders_skipping_hidden_and_system_ones() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // A hidden root is still walked: only what is below it is filtered.
    let root = tmp.path().join(".library");
    for rel in [
        "a.jpg",
        "B.JPG",
        "c.Jpeg",
        "sub/d.png",
        "sub/deeper/deepest/e.heic",
        "sub/raw.CR3",
        // not photos
        "notes.txt",
        "noext",
        "sub/x.jpg.part",
        // hidden files, including macOS AppleDouble companions
        ".hidden.jpg",
        "sub/._IMG_1.JPG",
        // hidden and system folders
        ".hiddendir/f.jpg",
        ".Trash-1000/files/g.jpg",
        ".thumbnails/normal/h.png",
        "@eaDir/a.jpg/SYNOPHOTO_THUMB_XL.jpg",
        "sub/@eaDir/i.jpg",
        "#recycle/j.jpg",
        "$RECYCLE.BIN/k.jpg",
        "System Volume Information/l.jpg",
        "lost+found/m.jpg",
    ] {
        put(&root, rel, b"not really a jpeg");
    }
    fs::create_dir_all(root.join("empty/dir")).expect("mkdir");

    let (files, issues) = walk(&root, &photo_options());

    assert!(issues.is_empty(), "{issues:?}");
    let expected: BTreeSet<String> = [
        "a.jpg",
        "B.JPG",
        "c.Jpeg",
        "sub/d.png",
        "sub/deeper/deepest/e.heic",
        "sub/raw.CR3",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(rel_set(&root, &files), expected);
    assert_eq!(files.len(), expected.len(), "no duplicates");
    for c in &files {
        assert_eq!(c, &file_candidate(&c.path).expect("stat"));
        assert_eq!(c.size, 17);
    }

    // The extension list is the caller's.
    let only_png = ScanOptions {
        extensions: vec!["png".into()],
        ..photo_options()
    };
    let (files, _) = walk(&root, &only_png);
    assert_eq!(rel_set(&root, &files), BTreeSet::from(["sub/d.png".into()]));
}

#[test]
fn symlink_loop_is_one_issue_and_the_walk_finishes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    put(root, "x/y/p.jpg", b"p");
    put(root, "z/q.jpg", b"q");
    symlink(root.join("x"), root.join("x/y/back-to-x")).expect("symlink");

    let (files, issues) = walk(root, &photo_options());

    assert_eq!(
        rel_set(root, &files),
        BTreeSet::from(["x/y/p.jpg".into(), "z/q.jpg".into()])
    );
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].kind, ScanIssueKind::SymlinkLoop);
    assert_eq!(issues[0].kind.code(), "symlink_loop");
    assert_eq!(issues[0].path, root.join("x/y/back-to-x"));
}

#[test]
fn symlink_to_a_folder_outside_the_root_is_followed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("root");
    let outside = tmp.path().join("outside");
    put(&root, "own.jpg", b"o");
    put(&outside, "album/linked.jpg", b"l");
    put(&outside, "single.jpg", b"s");
    fs::create_dir_all(root.join("links")).expect("mkdir");
    symlink(outside.join("album"), root.join("links/album")).expect("symlink");
    symlink(outside.join("single.jpg"), root.join("links/single.jpg")).expect("symlink");
    symlink(outside.join("nowhere"), root.join("links/dangling.jpg")).expect("symlink");

    let (files, issues) = walk(&root, &photo_options());
    assert_eq!(
        rel_set(&root, &files),
        BTreeSet::from([
            "own.jpg".into(),
            "links/album/linked.jpg".into(),
            "links/single.jpg".into()
        ])
    );
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].kind, ScanIssueKind::Other);
    assert_eq!(issues[0].path, root.join("links/dangling.jpg"));
    assert!(
        issues[0].message.contains("broken symbolic link"),
        "{issues:?}"
    );

    let no_links = ScanOptions {
        follow_symlinks: false,
        ..photo_options()
    };
    let (files, issues) = walk(&root, &no_links);
    assert_eq!(rel_set(&root, &files), BTreeSet::from(["own.jpg".into()]));
    assert!(issues.is_empty(), "{issues:?}");
}

/// What the unreadable-folder walk found, as lines the child process can hand back.
fn unreadable_findings(root: &Path) -> String {
    let (files, issues) = walk(root, &photo_options());
    let mut lines: Vec<String> = rel_set(root, &files)
        .into_iter()
        .map(|f| format!("file {f}"))
        .collect();
    for issue in issues {
        let rel = issue.path.strip_prefix(root).expect("under root");
        lines.push(format!("issue {} {}", issue.kind.code(), rel.display()));
    }
    match walk_root(
        &root.join("locked"),
        &photo_options(),
        &AtomicBool::new(false),
        &mut |_| {},
    ) {
        Err(e @ ScanError::RootUnreadable { .. }) => lines.push(format!(
            "root_error {} {}",
            e.code(),
            e.path() == root.join("locked")
        )),
        other => lines.push(format!("root_result {other:?}")),
    }
    lines.sort();
    lines.join("\n")
}

#[test]
fn unreadable_folder_is_an_issue() {
    if let Some((root, out)) = child_role() {
        // Running without CAP_DAC_OVERRIDE (see below).
        fs::write(out, unreadable_findings(&root)).expect("write findings");
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("root");
    put(&root, "ok.jpg", b"o");
    put(&root, "locked/secret.jpg", b"s");
    put(&root, "locked/inner/deep.jpg", b"d");
    put(&root, "after/z.jpg", b"z");
    let privileged = lock_dir(&root.join("locked"));
    let findings = if privileged {
        // Root ignores mode 000: re-run this test without the capabilities that allow it.
        run_without_dac_override(
            "unreadable_folder_is_an_issue",
            &root,
            &tmp.path().join("findings.txt"),
        )
    } else {
        unreadable_findings(&root)
    };
    unlock_dir(&root.join("locked"));
    assert_eq!(
        findings,
        "file after/z.jpg\nfile ok.jpg\nissue unreadable locked\nroot_error root_unreadable true"
    );
}

#[test]
fn root_errors_carry_the_path() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let missing = tmp.path().join("missing");
    let file = put(tmp.path(), "file.jpg", b"f");
    let cancel = AtomicBool::new(false);
    let err =
        walk_root(&missing, &photo_options(), &cancel, &mut |_| {}).expect_err("missing root");
    assert!(matches!(err, ScanError::RootMissing { .. }), "{err:?}");
    assert_eq!(err.path(), missing);
    let err = walk_root(&file, &photo_options(), &cancel, &mut |_| {}).expect_err("file root");
    assert!(matches!(err, ScanError::NotADirectory { .. }), "{err:?}");
    assert_eq!(err.path(), file);
    assert!(err.to_string().contains("file.jpg"), "{err}");
}

#[test]
fn file_deleted_between_listing_and_stat_is_vanished() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let all: Vec<PathBuf> = (0..50)
        .map(|i| put(root, &format!("album/{i:02}.jpg"), b"x"))
        .collect();
    // The directory listing is read in one go; on the first file reported, delete every
    // other one, so each is listed but gone when it is stat'ed.
    let mut files = Vec::new();
    let mut deleted = HashSet::new();
    let issues = walk_root(root, &photo_options(), &AtomicBool::new(false), &mut |c| {
        if files.is_empty() {
            for p in &all {
                if *p != c.path {
                    fs::remove_file(p).expect("delete");
                    deleted.insert(p.clone());
                }
            }
        }
        files.push(c);
    })
    .expect("a vanished file is not an error");
    assert_eq!(files.len(), 1);
    assert_eq!(issues.len(), 49, "{issues:?}");
    for issue in &issues {
        assert_eq!(issue.kind, ScanIssueKind::Vanished, "{issue}");
        assert_eq!(issue.kind.code(), "vanished");
        assert!(deleted.contains(&issue.path), "{issue}");
    }
}

#[test]
fn deleting_files_from_another_thread_while_walking_is_not_an_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().to_path_buf();
    let mut all = Vec::new();
    for d in 0..40 {
        for f in 0..500 {
            all.push(put(&root, &format!("d{d:02}/f{f:03}.jpg"), b"x"));
        }
    }
    let deleted = Arc::new(Mutex::new(HashSet::new()));
    let start = Arc::new(Barrier::new(2));
    let deleter = {
        let deleted = Arc::clone(&deleted);
        let start = Arc::clone(&start);
        // Every other file, newest folders first, while the walk runs.
        let victims: Vec<PathBuf> = all.iter().rev().step_by(2).cloned().collect();
        std::thread::spawn(move || {
            start.wait();
            for p in victims {
                // Record first: a reported candidate that is gone must be in the set.
                deleted.lock().expect("lock").insert(p.clone());
                fs::remove_file(&p).expect("delete");
            }
        })
    };
    let mut files = Vec::new();
    start.wait();
    let issues = walk_root(&root, &photo_options(), &AtomicBool::new(false), &mut |c| {
        files.push(c)
    })
    .expect("walk while deleting");
    deleter.join().expect("deleter");

    let deleted = deleted.lock().expect("lock");
    eprintln!(
        "{} candidates, {} vanished while walking {} files ({} deleted)",
        files.len(),
        issues.len(),
        all.len(),
        deleted.len()
    );
    assert_eq!(deleted.len(), all.len() / 2);
    for c in &files {
        assert!(c.path.exists() || deleted.contains(&c.path), "{c:?}");
    }
    for issue in &issues {
        assert_eq!(issue.kind, ScanIssueKind::Vanished, "{issue}");
        assert!(deleted.contains(&issue.path), "{issue}");
    }
    // Every file that survived was found.
    let found: HashSet<&PathBuf> = files.iter().map(|c| &c.path).collect();
    for p in all.iter().filter(|p| !deleted.contains(*p)) {
        assert!(found.contains(p), "missed {}", p.display());
    }
}

#[test]
fn cancel_stops_the_walk_with_what_it_had() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for i in 0..100 {
        put(tmp.path(), &format!("{}/{i}.jpg", i % 7), b"x");
    }
    let cancel = AtomicBool::new(false);
    let mut files = Vec::new();
    let issues = walk_root(tmp.path(), &photo_options(), &cancel, &mut |c| {
        files.push(c);
        if files.len() == 10 {
            cancel.store(true, Ordering::Relaxed);
        }
    })
    .expect("cancelled walk is Ok");
    assert_eq!(files.len(), 10);
    assert!(issues.is_empty());
}

#[test]
fn file_candidate_reports_size_and_mtime_in_nanoseconds() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = put(tmp.path(), "a.jpg", &[7u8; 1234]);
    let when = UNIX_EPOCH + Duration::new(1_700_000_000, 123_456_789);
    fs::File::options()
        .write(true)
        .open(&path)
        .expect("open")
        .set_modified(when)
        .expect("set mtime");
    let c = file_candidate(&path).expect("stat");
    assert_eq!(c.path, path);
    assert_eq!(c.size, 1234);
    assert_eq!(c.mtime_ns, 1_700_000_000_123_456_789);
    assert_eq!(
        file_candidate(&tmp.path().join("nope.jpg"))
            .expect_err("missing")
            .kind(),
        std::io::ErrorKind::NotFound
    );
}

#[test]
fn hash_is_blake3_of_the_whole_file() {
    // Official BLAKE3 test vector for the empty input.
    let empty = "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262";
    let hex = |h: [u8; 32]| h.iter().map(|b| format!("{b:02x}")).collect::<String>();
    assert_eq!(hex(hash_bytes(b"")), empty);

    let tmp = tempfile::tempdir().expect("tempdir");
    // Larger than any read buffer, so streaming is exercised.
    let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i * 31 % 251) as u8).collect();
    let path = put(tmp.path(), "big.jpg", &bytes);
    assert_eq!(hash_file(&path).expect("hash"), hash_bytes(&bytes));
    assert_eq!(
        hex(hash_file(&put(tmp.path(), "e.jpg", b"")).expect("hash")),
        empty
    );
    let missing = tmp.path().join("missing.jpg");
    let err = hash_file(&missing).expect_err("missing");
    assert_eq!(err.path(), missing);
    assert_eq!(err.code(), "read_failed");
}
