//! "Nothing leaves this computer", for the desktop app. A whole desktop session runs inside a
//! network namespace that has only loopback, under strace (likeness-nettrace): Xvfb,
//! tauri-driver, WebKitWebDriver, the REAL `likeness-desktop` binary with its WebKit processes,
//! and the driver itself (this test binary, re-run as `session_driver`). The session is what a
//! new user does in the first minutes: first start, Add folder, indexing on the real models,
//! name a person, the Photos screen and the viewer, Settings — and it keeps running for at
//! least 75 s (ONNX Runtime's telemetry was seen resolving its collector within 25 s).
//!
//! Any DNS query, and any connection or datagram to an address outside loopback, by any
//! process or thread of the session fails the test, which prints what was attempted, by which
//! thread, from which library. Loopback traffic (WebDriver) is allowed, and counted: it shows
//! that the trace saw the session.
//!
//! A missing prerequisite (root for the namespace, strace, the GUI tools, the shared photos)
//! fails the test (`likeness_testdata::skip_or_fail`; `LIKENESS_ALLOW_SKIP=1` makes it a skip
//! outside CI).
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use likeness_nettrace::{read_report, NetTracer};
use likeness_testdata::skip_or_fail;
use likeness_webdriver::{cards, Desktop, Prerequisites, TestLibrary};
use serde_json::json;

/// Set (to `driver`) in the environment of the traced re-run of this binary.
const ROLE: &str = "LIKENESS_PRIVACY_ROLE";
/// How long the traced session lasts at least, from the app's start.
const SESSION: Duration = Duration::from_secs(75);

#[test]
fn desktop_session_makes_no_outbound_attempt() {
    // No stacks: unwinding every WebKit IPC message makes the window unusable; attempts are
    // attributed by process and thread instead. A hung session is ended after 7 minutes.
    let tracer = match NetTracer::find() {
        Ok(t) => t
            .with_stacks(false)
            .with_time_limit(Duration::from_secs(420)),
        Err(why) => return skip_or_fail(&format!("privacy harness unavailable: {why}")),
    };
    // The driver checks these too; checking here keeps a skip a skip.
    let Some(lib) = TestLibrary::new("privacy") else {
        return;
    };
    if Prerequisites::find().is_none() {
        return;
    }
    let mut inner = Command::new(std::env::current_exe().unwrap());
    inner
        .args(["--exact", "session_driver", "--ignored", "--nocapture"])
        .args(["--test-threads", "1"])
        // As on a user's machine: a developer's own switch must not hide a regression.
        .env_remove("ORT_DISABLE_TELEMETRY")
        .env(ROLE, "driver");
    let trace = lib.work.join("trace.txt");
    let started = Instant::now();
    let status = tracer
        .wrap(&inner, &trace, &lib.work.join("nettrace"))
        .unwrap()
        .status()
        .unwrap();
    let took = started.elapsed();
    assert!(
        status.success(),
        "the traced desktop session failed ({status}); its output is above"
    );
    let report = read_report(&trace).unwrap();
    println!(
        "traced desktop session: {took:.0?}, trace {}\n{}",
        trace.display(),
        report.render()
    );
    assert!(took >= SESSION, "the session ended early: {took:?}");
    // The trace saw the session: WebDriver's loopback traffic, the app and its WebKit
    // processes.
    assert!(
        !report.loopback.is_empty(),
        "no loopback traffic traced: the trace did not see the session"
    );
    for program in [
        "likeness-desktop",
        "WebKitWebProcess",
        "WebKitNetworkProcess",
    ] {
        assert!(
            report.programs.contains_key(program),
            "{program} is not in the trace: {:?}",
            report.programs
        );
    }
    assert!(
        report.is_clean(),
        "the desktop session tried to reach the network:\n{}",
        report.render()
    );
}

/// The session itself; only runs inside the traced namespace (see above).
#[test]
#[ignore = "run by desktop_session_makes_no_outbound_attempt inside its network namespace"]
fn session_driver() {
    if std::env::var(ROLE).as_deref() != Ok("driver") {
        return;
    }
    let lib = TestLibrary::new("privacy-session").expect("the reference photos");
    let pre = Prerequisites::find().expect("tauri-driver, WebKitWebDriver and Xvfb");
    let (shots, work) = (&lib.shots, &lib.work);
    let app = PathBuf::from(env!("CARGO_BIN_EXE_likeness-desktop"));
    let started = Instant::now();
    // The real folder dialog (GTK's file chooser, through the dialog plugin), not the test
    // hook that answers instead of it: it is part of what a user runs.
    let mut env: Vec<_> = lib
        .env()
        .into_iter()
        .filter(|(k, _)| *k != "LIKENESS_PICK_FOLDER")
        .collect();
    // Where ONNX Runtime's telemetry would keep its offline event store.
    let cache = work.join("xdg-cache");
    env.push(("XDG_CACHE_HOME", likeness_webdriver::os(&cache)));
    let desktop = Desktop::launch(&pre, &app, &env, work);
    let wd = &desktop.wd;
    let short = Duration::from_secs(20);

    // First start: the welcome screen; Add folder picks the folder in the native dialog;
    // indexing on the real models to the end.
    wd.wait_css("[data-testid=\"empty-state\"]", short);
    wd.click("[data-testid=\"add-folder\"]");
    choose_folder_in_dialog(&desktop.display, &lib.photos, shots);
    let headline = wd.wait_indexing_done();
    assert!(
        headline.starts_with("Done: 12 photos indexed"),
        "{headline}"
    );
    println!("{:>5.1?} indexed: {headline}", started.elapsed());

    // People: name the biggest cluster.
    wd.click("[data-testid=\"nav-people\"]");
    wd.wait_for(
        "people cards",
        short,
        "return document.querySelectorAll('[data-testid=\"person-card\"]').length >= 2;",
        json!([]),
    );
    wd.name_card(cards(wd)[0].0, "Angelina Jolie");
    wd.screenshot(shots, "privacy-01-named");
    println!("{:>5.1?} named", started.elapsed());

    // Photos and the viewer (the full photo through thumb:, face boxes and names).
    wd.click("[data-testid=\"nav-photos\"]");
    wd.wait_css("[data-testid=\"timeline-tile\"][data-index=\"0\"]", short);
    wd.js(
        "document.querySelector('[data-testid=\"timeline-tile\"][data-index=\"0\"]').focus();",
        json!([]),
    );
    wd.key("\u{E007}");
    wd.wait_for(
        "the viewer's photo",
        short,
        "const i = document.querySelector('[data-testid=\"viewer-image\"]'); \
         return i && i.complete && i.naturalWidth > 0;",
        json!([]),
    );
    wd.screenshot(shots, "privacy-02-viewer");
    wd.key("\u{E00C}");
    println!("{:>5.1?} viewer", started.elapsed());

    // Settings.
    wd.click("[data-testid=\"nav-settings\"]");
    wd.wait_css("[data-testid=\"settings-detection\"]", short);
    wd.screenshot(shots, "privacy-03-settings");
    println!("{:>5.1?} settings", started.elapsed());

    // What a page could trigger: a fetch, an image, a stylesheet, a DNS-prefetch hint and a
    // link to outside hosts. The content security policy refuses the loads; the trace (checked
    // by the parent) shows whether WebKit resolved any of the names anyway.
    let page = wd.js_async(
        "const done = arguments[arguments.length - 1]; \
         const results = {}; \
         const a = document.createElement('a'); a.href = 'https://link-canary.likeness.invalid/'; \
         a.textContent = 'outside'; document.body.appendChild(a); \
         const hint = document.createElement('link'); hint.rel = 'dns-prefetch'; \
         hint.href = '//prefetch-canary.likeness.invalid'; document.head.appendChild(hint); \
         const pre = document.createElement('link'); pre.rel = 'preconnect'; \
         pre.href = 'https://preconnect-canary.likeness.invalid'; document.head.appendChild(pre); \
         const css = document.createElement('link'); css.rel = 'stylesheet'; \
         css.href = 'https://css-canary.likeness.invalid/x.css'; \
         css.onerror = () => { results.css = 'refused'; }; document.head.appendChild(css); \
         const img = new Promise(r => { const i = new Image(); \
           i.onload = () => r('loaded'); i.onerror = () => r('refused'); \
           i.src = 'https://img-canary.likeness.invalid/x.png'; }); \
         const f = fetch('https://fetch-canary.likeness.invalid/').then(() => 'loaded', () => 'refused'); \
         Promise.all([img, f]).then(([i, g]) => { results.img = i; results.fetch = g; \
           setTimeout(() => { a.remove(); hint.remove(); pre.remove(); css.remove(); done(results); }, 3000); });",
        json!([]),
    );
    println!(
        "{:>5.1?} remote loads from the page: {page}",
        started.elapsed()
    );
    assert_eq!(page["img"], json!("refused"), "{page}");
    assert_eq!(page["fetch"], json!("refused"), "{page}");

    // Back to People, and stay open until the session has lasted long enough.
    wd.click("[data-testid=\"nav-people\"]");
    while started.elapsed() < SESSION {
        std::thread::sleep(Duration::from_millis(500));
    }
    wd.wait_css("[data-testid=\"person-card\"]", short);
    println!("{:>5.1?} done", started.elapsed());
    wd.quit();
    drop(desktop);
    // (ONNX Runtime 1.32 writes Microsoft/DeveloperTools/.onnxruntime/onnxruntime.db there.)
    let mut stack = vec![cache.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            assert!(
                !path.to_string_lossy().contains("onnxruntime"),
                "ONNX Runtime's telemetry store was written: {}",
                path.display()
            );
            if path.is_dir() {
                stack.push(path);
            }
        }
    }
}

/// Answers GTK's "Add a photo folder" dialog as a person would, with the keyboard: Ctrl+L, the
/// folder's path, Enter (xdotool, on the session's X display).
fn choose_folder_in_dialog(display: &str, folder: &Path, shots: &Path) {
    let xdotool = likeness_webdriver::find_program("xdotool").expect("xdotool (setup-gui.sh)");
    let x = |args: &[&str]| {
        let out = Command::new(&xdotool)
            .args(args)
            .env("DISPLAY", display)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let started = Instant::now();
    let window = loop {
        let found = x(&["search", "--onlyvisible", "--name", "Add a photo folder"]);
        if let Some(w) = found.lines().next().filter(|w| !w.is_empty()) {
            break w.to_string();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the folder dialog did not open"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    std::thread::sleep(Duration::from_millis(500));
    x(&["windowfocus", "--sync", &window]);
    // The home folder (Alt+Home; the dialog opens in Pictures, else home), then the path with a trailing
    // slash in the location bar: Enter goes into it; Enter again, with the location empty,
    // chooses the folder shown (GTK's file chooser in folder mode).
    x(&["key", "--clearmodifiers", "alt+Home"]);
    std::thread::sleep(Duration::from_millis(500));
    x(&["key", "--clearmodifiers", "ctrl+l"]);
    std::thread::sleep(Duration::from_millis(300));
    x(&["type", "--delay", "5", &format!("{}/", folder.display())]);
    std::thread::sleep(Duration::from_millis(500));
    // The whole screen (the dialog is a native window WebDriver cannot see).
    let screen = |name: &str| {
        let png = shots.join(format!("{name}.png"));
        let _ = Command::new("import")
            .args(["-window", "root"])
            .arg(&png)
            .env("DISPLAY", display)
            .status();
        println!("screenshot {}", png.display());
    };
    screen("privacy-00-folder-dialog");
    let started = Instant::now();
    let mut presses = 0;
    while !x(&["search", "--onlyvisible", "--name", "Add a photo folder"]).is_empty() {
        if started.elapsed() > Duration::from_secs(20) {
            screen("privacy-00-folder-dialog-stuck");
            panic!("the folder dialog did not close after {presses} Enter presses");
        }
        x(&["key", "Return"]);
        presses += 1;
        if presses == 1 {
            std::thread::sleep(Duration::from_millis(700));
            screen("privacy-00-folder-dialog-inside");
        }
        std::thread::sleep(Duration::from_millis(1000));
    }
    println!("folder chosen in the dialog: {}", folder.display());
}
