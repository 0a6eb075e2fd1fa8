//! `likeness … | head -1`: when the reader of stdout goes away, every command ends quietly
//! with exit code 0 — no panic, no backtrace, no error message (issue 13).
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use likeness_testdata::{models_dir, repo_root};

fn likeness(catalog: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_likeness"));
    cmd.arg("--catalog")
        .arg(catalog)
        .args(args)
        .env_remove("LIKENESS_MODELS_DIR")
        .env_remove("LIKENESS_ORT_LIBRARY")
        .env_remove("LIKENESS_CATALOG")
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

fn scratch(name: &str) -> (PathBuf, PathBuf) {
    let dir = repo_root().join("target/test-tmp").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let catalog = dir.join("lib/catalog.sqlite");
    (dir, catalog)
}

/// Waits for the child (killing it after `limit`) and collects its stderr.
fn finish(mut child: Child, limit: Duration) -> Output {
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "still running after {limit:?} with stdout closed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn assert_quiet(args: &[&str], out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{args:?} with stdout closed: {} ({stderr})",
        out.status
    );
    for word in ["panicked", "Broken pipe", "backtrace", "likeness:"] {
        assert!(
            !stderr.contains(word),
            "{args:?} printed {word:?}: {stderr}"
        );
    }
}

/// Runs `args` with stdout a pipe whose reading end is closed before the command writes
/// anything: its first write meets EPIPE.
fn closed_from_the_start(catalog: &Path, args: &[&str]) {
    let mut child = likeness(catalog, args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = finish(child, Duration::from_secs(120));
    assert_quiet(args, &out);
}

/// `likeness … | head -1`: the first line is read, then the pipe is closed.
fn closed_after_first_line(catalog: &Path, args: &[&str]) -> String {
    let mut child = likeness(catalog, args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let out = finish(child, Duration::from_secs(120));
    assert_quiet(args, &out);
    first
}

#[test]
fn commands_end_quietly_when_stdout_is_closed() {
    let (dir, catalog) = scratch("cli-closed-stdout");
    // Many folders: `library list` prints many lines.
    let mut folders = Vec::new();
    for i in 0..300 {
        let folder = dir.join(format!("photos/folder-{i:03}"));
        std::fs::create_dir_all(&folder).unwrap();
        folders.push(folder);
    }
    let added = likeness(&catalog, &["library", "add"])
        .args(&folders)
        .output()
        .unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );

    for args in [
        &["library", "list"][..],
        &["library", "list", "--json"],
        &["people", "list"],
        &["people", "list", "--json"],
        &["people", "history"],
        &["status"],
        &["status", "--json"],
        &["suggestions"],
        &["photos", "--json"],
        &["--help"],
        &["people", "show", "--help"],
    ] {
        closed_from_the_start(&catalog, args);
    }
    let first = closed_after_first_line(&catalog, &["library", "list"]);
    assert!(first.contains("folder-000"), "{first}");
}

#[test]
fn a_watch_streaming_json_stops_quietly_when_its_reader_goes_away() {
    let (dir, catalog) = scratch("cli-closed-stdout-watch");
    let photos = dir.join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    std::fs::copy(
        models_dir().join("test_photos/obama.jpg"),
        photos.join("obama.jpg"),
    )
    .unwrap();
    let added = likeness(&catalog, &["library", "add"])
        .arg(&photos)
        .output()
        .unwrap();
    assert!(added.status.success());
    let models = models_dir();
    let args = [
        "--models-dir",
        models.to_str().unwrap(),
        "index",
        "--watch",
        "--json",
    ];
    // Without the fix the watcher would panic on its first write after the reader left; with
    // it, the watch stops by itself. A new photo makes sure there is such a write even if
    // the watcher had already said everything before the pipe closed.
    let mut child = likeness(&catalog, &args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with('{'), "{first}");
    std::thread::sleep(Duration::from_millis(500));
    std::fs::copy(
        models_dir().join("test_photos/obama2.jpg"),
        photos.join("obama2.jpg"),
    )
    .unwrap();
    let out = finish(child, Duration::from_secs(120));
    assert_quiet(&args, &out);
}
