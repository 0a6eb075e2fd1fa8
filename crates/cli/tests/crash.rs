//! Crash safety: `likeness index` is killed with SIGKILL at random moments (≥ 20 times) and
//! restarted until it finishes. The catalog must then pass `PRAGMA integrity_check`, hold no
//! duplicate faces and equal the catalog of an uninterrupted run.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use likeness_engine::catalog::Catalog;
use likeness_testdata::{reference_dir, repo_root};

fn likeness(catalog: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_likeness"));
    cmd.arg("--catalog")
        .arg(catalog)
        .env_remove("LIKENESS_MODELS_DIR")
        .env_remove("LIKENESS_ORT_LIBRARY")
        .env_remove("LIKENESS_CATALOG")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

fn fresh(name: &str) -> PathBuf {
    let dir = repo_root().join("target/test-tmp").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("catalog.sqlite")
}

fn add_library(catalog: &Path, folder: &Path) {
    let status = likeness(catalog)
        .args(["library", "add"])
        .arg(folder)
        .status()
        .unwrap();
    assert!(status.success());
}

/// A small deterministic generator (no external RNG needed for a fixed, reproducible schedule).
struct Lcg(u64);
impl Lcg {
    fn next_f64(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[test]
fn kill_dash_nine_at_random_points_loses_nothing_and_duplicates_nothing() {
    let images = reference_dir()
        .expect("../shared/reference is needed for this test")
        .join("images");

    // The reference: one uninterrupted run.
    let calm = fresh("crash-calm");
    add_library(&calm, &images);
    let started = Instant::now();
    assert!(likeness(&calm).arg("index").status().unwrap().success());
    let calm_time = started.elapsed();
    println!("uninterrupted run: {calm_time:?}");

    // The crash run: SIGKILL at random moments until a run completes on its own.
    let crashy = fresh("crash-killed");
    add_library(&crashy, &images);
    let seed = std::env::var("LIKENESS_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_u64);
    let mut rng = Lcg(seed);
    let (mut kills, mut runs, mut stalled) = (0, 0, 0);
    // Kills come at random moments up to `max_delay` into a run. A photo that takes longer
    // to process than the window (a big one, on a slow machine) would be killed forever, so
    // every kill that left the catalog unchanged widens the window for the next run; any
    // progress narrows it back. Each run still dies at a random point of its own.
    let base_delay = (calm_time.as_secs_f64() / 8.0).clamp(0.3, 3.0);
    let mut max_delay = base_delay;
    let mut widest = base_delay;
    let mut last_seen = progress(&crashy);
    loop {
        runs += 1;
        assert!(
            runs < 200,
            "no progress after {runs} runs ({stalled} kills without progress)"
        );
        let mut child = likeness(&crashy).arg("index").spawn().unwrap();
        let delay = Duration::from_secs_f64(0.05 + rng.next_f64() * max_delay);
        std::thread::sleep(delay);
        match child.try_wait().unwrap() {
            Some(status) => {
                assert!(status.success(), "run {runs} failed: {status}");
                if kills >= 20 {
                    break;
                }
                // Finished before we had killed it 20 times: not enough crashes yet, so
                // start over on a fresh catalog (the kills so far still had to be survived).
                println!("run {runs} finished after {kills} kills; checking, then starting over");
                check_against(&crashy, &calm);
                std::fs::remove_file(&crashy).unwrap();
                for ext in ["-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{ext}", crashy.display()));
                }
                add_library(&crashy, &images);
                max_delay = base_delay;
                last_seen = progress(&crashy);
            }
            None => {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                kills += 1;
                let now = progress(&crashy);
                if now == last_seen {
                    stalled += 1;
                    max_delay = (max_delay * 1.5).min(calm_time.as_secs_f64() * 2.0);
                    widest = widest.max(max_delay);
                } else {
                    max_delay = base_delay;
                }
                last_seen = now;
            }
        }
    }
    // One more clean run must find nothing left to do.
    assert!(likeness(&crashy).arg("index").status().unwrap().success());
    println!(
        "{kills} kills over {runs} runs ({stalled} without progress; delay window {base_delay:.2} s, widest {widest:.2} s)"
    );
    assert!(kills >= 20);
    check_against(&crashy, &calm);
}

/// What a run has visibly done so far: files found, files still pending, faces, people.
fn progress(catalog: &Path) -> Option<(u64, u64, u64, u64)> {
    let c = Catalog::open_read_only(catalog).ok()?;
    let s = c.status().ok()?;
    Some((s.files, s.pending, s.faces, s.people))
}

fn check_against(crashy: &Path, calm: &Path) {
    let a = Catalog::open_read_only(crashy).unwrap();
    let b = Catalog::open_read_only(calm).unwrap();
    assert_eq!(a.integrity_check().unwrap(), "ok");
    let (sa, sb) = (a.status().unwrap(), b.status().unwrap());
    println!("crashed: {sa:?}\ncalm:    {sb:?}");
    assert_eq!(sa.pending, 0);
    let (snap_a, snap_b) = (a.snapshot().unwrap(), b.snapshot().unwrap());
    let diff = snap_a.diff(&snap_b);
    assert!(diff.is_empty(), "catalogs differ:\n{}", diff.join("\n"));
}
