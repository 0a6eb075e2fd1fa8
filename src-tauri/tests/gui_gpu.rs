//! End-to-end test of the GPU section of Settings and of the progress panel's GPU lines in the
//! REAL desktop app (`likeness-desktop` in a WebKitGTK window over WebDriver, like `gui.rs`),
//! offline: `LIKENESS_GPU_PACK` names an empty folder (a pack that is not installed
//! completely) and `LIKENESS_GPU_WHEELS` an empty one (an install fails at once, naming the
//! wheel it lacks); the install target is under the test's own `XDG_DATA_HOME`.
//!
//! It indexes the 12 reference photos (the panel says why the CPU runs the models), then on
//! Settings: the section says "Running on CPU: …" with that reason and offers "Use my NVIDIA
//! GPU" with the download and disk sizes; clicking it shows the error in words and the button
//! again; the error is still there after leaving Settings and coming back; a second try fails
//! the same way (the one install slot was freed). Last, `restart_app` starts a new app that
//! opens the same library (it waits for the old one to let go of its lock). A second session
//! downloads from a slow loopback mirror: the progress line and bar, then Cancel. Screenshots
//! `gpu-00-indexed.png` … `gpu-03-downloading.png` go to `target/gui-screenshots/`.
//!
//! A missing prerequisite (tauri-driver, WebKitWebDriver, Xvfb, the shared photos) fails the
//! test (`likeness_testdata::skip_or_fail`; `LIKENESS_ALLOW_SKIP=1` makes it a skip outside CI).
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use likeness_engine::{LibraryLock, LibraryPaths};
use likeness_webdriver::{os, Desktop, Prerequisites, TestLibrary, WebDriver};
use serde_json::json;

/// Whether the element with `testid` exists and is shown (neither it nor a parent hidden).
fn shown(wd: &WebDriver, testid: &str) -> bool {
    wd.js(
        "const e = document.querySelector(`[data-testid=\"${arguments[0]}\"]`); \
         return !!e && e.getClientRects().length > 0;",
        json!([testid]),
    ) == json!(true)
}

fn scroll_into_view(wd: &WebDriver, testid: &str) {
    wd.js(
        "document.querySelector(`[data-testid=\"${arguments[0]}\"]`).scrollIntoView({block: 'center'});",
        json!([testid]),
    );
}

/// Waits for the install's error and the button back; returns the error's text.
fn wait_install_failed(wd: &WebDriver, timeout: Duration) -> String {
    wd.wait_for(
        "the install's error and the button back",
        timeout,
        "const v = id => document.querySelector(`[data-testid=\"${id}\"]`); \
         const seen = e => !!e && e.getClientRects().length > 0; \
         return seen(v('gpu-error')) && seen(v('gpu-install')) && v('gpu-error').textContent;",
        json!([]),
    )
    .as_str()
    .unwrap()
    .to_string()
}

#[test]
fn gpu_section_offers_the_pack_and_reports_a_failed_install_in_words() {
    let Some(lib) = TestLibrary::new("gui-gpu") else {
        return;
    };
    let Some(pre) = Prerequisites::find() else {
        return;
    };
    let started = Instant::now();
    let (shots, work) = (&lib.shots, &lib.work);
    let pack = work.join("gpu-pack");
    let wheels = work.join("gpu-wheels");
    std::fs::create_dir_all(&pack).unwrap();
    std::fs::create_dir_all(&wheels).unwrap();
    // The runtime is found as a user's would be (beside the program): an ONNX Runtime named
    // by LIKENESS_ORT_LIBRARY would rule the GPU pack out before it is looked at.
    let mut env: Vec<_> = lib
        .env()
        .into_iter()
        .filter(|(k, _)| *k != "LIKENESS_ORT_LIBRARY")
        .collect();
    env.push(("LIKENESS_GPU_PACK", os(&pack)));
    env.push(("LIKENESS_GPU_WHEELS", os(&wheels)));
    // Where an install goes: never the real user's data folder.
    env.push(("XDG_DATA_HOME", os(work.join("data"))));
    env.push(("LIKENESS_LOG", os("info")));
    let app = PathBuf::from(env!("CARGO_BIN_EXE_likeness-desktop"));
    let logs = work.join("logs");
    let desktop = Desktop::launch(&pre, &app, &env, &logs);
    let wd = &desktop.wd;
    let short = Duration::from_secs(20);

    // ---- indexing: the panel says why the CPU runs the models ------------------------------
    wd.click("[data-testid=\"add-folder\"]");
    let headline = wd.wait_indexing_done();
    assert!(
        headline.starts_with("Done: 12 photos indexed"),
        "{headline}"
    );
    let cpu = wd.text("progress-cpu-reason").unwrap();
    println!("progress panel: {cpu}");
    assert!(shown(wd, "progress-cpu-reason"), "the CPU line is hidden");
    assert!(cpu.starts_with("Running on CPU: "), "{cpu}");
    assert!(!shown(wd, "gpu-fallback"), "no GPU ran, so none failed");
    wd.screenshot(shots, "gpu-00-indexed");
    wd.click("[data-testid=\"progress-close\"]");

    // ---- Settings: what runs the models, and the offer ---------------------------------------
    wd.click("[data-testid=\"nav-settings\"]");
    let status = wd
        .wait_for(
            "the GPU status",
            short,
            "const e = document.querySelector('[data-testid=\"gpu-status\"]'); \
             return e && e.textContent !== 'Checking…' && e.textContent;",
            json!([]),
        )
        .as_str()
        .unwrap()
        .to_string();
    println!("GPU status: {status}");
    assert!(status.starts_with("Running on CPU: "), "{status}");
    assert!(
        status.contains("is not installed completely"),
        "the reason names the incomplete pack: {status}"
    );
    assert!(shown(wd, "gpu-install"), "no install button");
    assert_eq!(wd.text("gpu-install").unwrap(), "Use my NVIDIA GPU");
    let note = wd.text("gpu-install-note").unwrap();
    println!("offer: {note}");
    assert!(note.starts_with("Downloads 1.57 GB from "), "{note}");
    assert!(note.contains(&wheels.display().to_string()), "{note}");
    assert!(note.ends_with("and takes 2.47 GB on disk"), "{note}");
    // What the driver says comes before the download: the GPU found, or why the pack would
    // not be used yet (these machines have no NVIDIA GPU).
    let driver = wd.text("gpu-driver").unwrap();
    println!("driver: {driver}");
    assert!(shown(wd, "gpu-driver"), "the driver line is hidden");
    assert!(
        driver.starts_with("Found: ") || driver.starts_with("No usable NVIDIA GPU was found: "),
        "{driver}"
    );
    assert!(!shown(wd, "gpu-progress") && !shown(wd, "gpu-error") && !shown(wd, "gpu-restart"));
    assert!(
        !shown(wd, "gpu-unavailable"),
        "the pack exists for Linux x86_64"
    );
    scroll_into_view(wd, "gpu-section");
    wd.screenshot(shots, "gpu-01-settings");

    // ---- install: fails at once (no wheels), in words; the button comes back ---------------
    wd.click("[data-testid=\"gpu-install\"]");
    let error = wait_install_failed(wd, short);
    println!("install error: {error}");
    assert!(
        error.starts_with("The GPU pack could not be installed: "),
        "{error}"
    );
    assert!(error.contains(".whl"), "the error names the wheel: {error}");
    assert!(!shown(wd, "gpu-progress"), "the progress is gone");
    scroll_into_view(wd, "gpu-section");
    wd.screenshot(shots, "gpu-02-install-failed");

    // A Settings screen opened later shows how the install ended.
    wd.click("[data-testid=\"nav-people\"]");
    wd.click("[data-testid=\"nav-settings\"]");
    let again = wait_install_failed(wd, short);
    assert_eq!(again, error, "the error after coming back");
    // The slot is free: a second try runs (and fails the same way), never "already running".
    wd.js(
        "document.querySelector('[data-testid=\"gpu-error\"]').textContent = '';",
        json!([]),
    );
    wd.click("[data-testid=\"gpu-install\"]");
    let second = wait_install_failed(wd, short);
    assert_eq!(second, error, "the second try");
    // Nothing was installed: the target's staging folder holds no pack.
    let target = work.join("data/likeness/gpu");
    assert!(
        !target.join("cuda13-linux-x86_64/pack.toml").exists(),
        "a pack appeared"
    );

    // ---- restart: a new app opens the same library ------------------------------------------
    restart_opens_the_library(wd, &app, &lib.catalog);
    drop(desktop);
    let log = std::fs::read_to_string(logs.join("driver.err.log")).unwrap_or_default();
    assert!(
        !log.contains("library not opened"),
        "an app could not open the library:\n{log}"
    );

    // ---- a download that takes its time: progress, then Cancel ------------------------------
    let mirror = slow_mirror();
    for (k, v) in &mut env {
        if *k == "LIKENESS_GPU_WHEELS" {
            *v = os(&mirror);
        }
    }
    let desktop = Desktop::launch(&pre, &app, &env, &work.join("logs-2"));
    let wd = &desktop.wd;
    wd.click("[data-testid=\"nav-settings\"]");
    wd.wait_css("[data-testid=\"gpu-install\"]", short);
    wd.wait_for(
        "the offer",
        short,
        "const e = document.querySelector('[data-testid=\"gpu-install-note\"]'); \
         return e && e.textContent.includes(arguments[0]);",
        json!([mirror]),
    );
    wd.click("[data-testid=\"gpu-install\"]");
    let line = wd
        .wait_for(
            "download progress",
            short,
            "const e = document.querySelector('[data-testid=\"gpu-progress-text\"]'); \
             return e && e.getClientRects().length > 0 && /^Downloading \\w+: \\d\\.\\d\\d of 1\\.57 GB \\([1-9]\\d*%\\)$/.test(e.textContent) && e.textContent;",
            json!([]),
        )
        .as_str()
        .unwrap()
        .to_string();
    println!("progress: {line}");
    assert!(!shown(wd, "gpu-install"), "the button hides while it runs");
    assert!(shown(wd, "gpu-progress-bar") && shown(wd, "gpu-cancel"));
    scroll_into_view(wd, "gpu-section");
    wd.screenshot(shots, "gpu-03-downloading");
    wd.click("[data-testid=\"gpu-cancel\"]");
    let message = wd
        .wait_for(
            "the cancel",
            short,
            "const v = id => document.querySelector(`[data-testid=\"${id}\"]`); \
             const seen = e => !!e && e.getClientRects().length > 0; \
             return seen(v('gpu-install')) && !seen(v('gpu-progress')) && v('gpu-message').textContent;",
            json!([]),
        )
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.starts_with("Cancelled."), "{message}");
    assert!(!shown(wd, "gpu-error"), "a cancel is no error");
    wd.quit();
    drop(desktop);
    println!("gui_gpu passed in {:.0?}", started.elapsed());
}

/// A GPU that fails in the middle of indexing (the engine's test hook
/// `LIKENESS_TEST_GPU_FAULT_AFTER` makes the first sessions fail after 10 model runs, through
/// the path a CUDA error takes): the run finishes with every photo, and the progress panel
/// says that the GPU failed and the rest ran on the CPU. Screenshot `gpu-04-fell-back.png`.
#[test]
fn a_gpu_failing_mid_run_is_shown_in_the_panel_and_no_photo_is_lost() {
    let Some(lib) = TestLibrary::new("gui-gpu-fallback") else {
        return;
    };
    let Some(pre) = Prerequisites::find() else {
        return;
    };
    let mut env = lib.env();
    env.push(("LIKENESS_TEST_GPU_FAULT_AFTER", os("10")));
    let app = PathBuf::from(env!("CARGO_BIN_EXE_likeness-desktop"));
    let desktop = Desktop::launch(&pre, &app, &env, &lib.work.join("logs"));
    let wd = &desktop.wd;
    wd.click("[data-testid=\"add-folder\"]");
    let headline = wd.wait_indexing_done();
    println!("headline: {headline}");
    assert!(
        headline.starts_with("Done: 12 photos indexed"),
        "{headline}"
    );
    let errors = wd.text("progress-errors").unwrap_or_default();
    assert!(
        !shown(wd, "progress-errors") || errors.starts_with('0'),
        "errors: {errors}"
    );
    assert!(shown(wd, "gpu-fallback"), "the fall-back notice is hidden");
    let notice = wd.text("gpu-fallback").unwrap();
    println!("notice: {notice}");
    assert!(
        notice.contains("GPU failed") && notice.contains("No photo is lost"),
        "{notice}"
    );
    let reason = wd.text("progress-cpu-reason").unwrap();
    assert!(
        reason.contains("the GPU failed during this run"),
        "{reason}"
    );
    wd.screenshot(&lib.shots, "gpu-04-fell-back");
    wd.quit();
}

/// A loopback "mirror" that answers every wheel with a long body sent slowly (256 KiB every
/// 20 ms, ~13 MB/s: 1% of the pack in about a second), so an install stays in its download.
/// Returns its base URL.
fn slow_mirror() -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request);
                let head = "HTTP/1.1 200 OK\r\nContent-Length: 200000000\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n";
                if stream.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let block = vec![0u8; 256 << 10];
                // Until the app hangs up (its cancel), or the 200 MB are sent.
                for _ in 0..(200_000_000 / (256 << 10)) {
                    if stream.write_all(&block).is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
            });
        }
    });
    base
}

/// The running app processes of `app` on `catalog` (by `/proc`: executable and environment).
fn app_pids(app: &Path, catalog: &Path) -> Vec<u32> {
    let app = app.canonicalize().unwrap();
    let wanted = format!("LIKENESS_CATALOG={}", catalog.display());
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let dir = entry.path();
        // A zombie has no executable link: it has exited.
        if std::fs::read_link(dir.join("exe")).ok().as_deref() != Some(app.as_path()) {
            continue;
        }
        let environ = std::fs::read(dir.join("environ")).unwrap_or_default();
        if environ.split(|b| *b == 0).any(|v| v == wanted.as_bytes()) {
            pids.push(pid);
        }
    }
    pids
}

/// `restart_app` ends this app and starts a new one, which takes the library's lock (it waits
/// for the old one to let it go). The new app is stopped at the end (by its process id).
fn restart_opens_the_library(wd: &WebDriver, app: &Path, catalog: &Path) {
    let before = app_pids(app, catalog);
    assert_eq!(before.len(), 1, "one app runs: {before:?}");
    // The command never answers (the process ends): fire it from the page a moment after
    // this script has answered, and go on.
    wd.js(
        "setTimeout(() => window.__TAURI_INTERNALS__.invoke('restart_app').catch(() => {}), 300); \
         return true;",
        json!([]),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let new = loop {
        let now = app_pids(app, catalog);
        if !now.contains(&before[0]) {
            if let [pid] = now[..] {
                break pid;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no new app after the restart (apps: {now:?}, old {})",
            before[0]
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    println!("restarted: app {} → {new}", before[0]);
    // The new app holds the library's lock: it opened it.
    let paths = LibraryPaths::for_catalog(catalog);
    let deadline = Instant::now() + Duration::from_secs(30);
    while let Ok(lock) = LibraryLock::acquire(&paths) {
        drop(lock);
        assert!(
            Instant::now() < deadline,
            "the new app never took the library's lock"
        );
        assert!(
            app_pids(app, catalog).contains(&new),
            "the new app ended without taking the library"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Stop it (our own child's child, by its id) and wait until it let go of the library.
    let status = std::process::Command::new("kill")
        .arg(new.to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    while LibraryLock::acquire(&paths).is_err() {
        assert!(Instant::now() < deadline, "the new app did not stop");
        std::thread::sleep(Duration::from_millis(100));
    }
}
