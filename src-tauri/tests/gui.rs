//! End-to-end test of the desktop app: the REAL `likeness-desktop` binary in a real WebKitGTK
//! window, driven over WebDriver (`tauri-driver` → `WebKitWebDriver`), under an Xvfb display
//! the test starts itself when `DISPLAY` is unset. It adds a folder of reference photos
//! through the UI, waits for indexing in the progress panel, names a cluster on the People
//! page, merges two people, undoes and redoes (toast button and Ctrl+Z / Ctrl+Shift+Z) —
//! asserting on what the window shows — and saves a screenshot of every screen to
//! `target/gui-screenshots/`.
//!
//! Outside CI a missing prerequisite (tauri-driver, WebKitWebDriver, Xvfb, the shared photos)
//! skips the test with a message; with `CI=true` it fails.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The photos the test library holds: 8 of one woman, 3 of Obama, Biden, a couple.
const PHOTOS: &[&str] = &[
    "face_recognition_test_images/obama.jpg",
    "face_recognition_test_images/obama2.jpg",
    "face_recognition_test_images/obama3.jpg",
    "face_recognition_test_images/biden.jpg",
    "deepface_testset/img1.jpg",
    "deepface_testset/img2.jpg",
    "deepface_testset/img4.jpg",
    "deepface_testset/img5.jpg",
    "deepface_testset/img6.jpg",
    "deepface_testset/img7.jpg",
    "deepface_testset/img10.jpg",
    "deepface_testset/couple.jpg",
];

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Skips (outside CI) or fails (in CI) for a missing prerequisite.
fn missing(what: &str) -> Option<PathBuf> {
    assert!(
        !in_ci(),
        "{what} is missing (run scripts/setup-gui.sh); CI=true so this is a failure, not a skip"
    );
    eprintln!("SKIP gui test: {what} is missing (run scripts/setup-gui.sh)");
    None
}

/// `name` on PATH or in ~/.cargo/bin.
fn find_program(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    dirs.into_iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .or_else(|| missing(name))
}

/// Kills and reaps a child process when dropped (also when the test panics).
struct Reaped(Child, &'static str);

impl Drop for Reaped {
    /// SIGTERM first, so tauri-driver stops its WebKitWebDriver and Xvfb removes its lock
    /// file; SIGKILL after 5 s.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.0.id().to_string())
            .stderr(Stdio::null())
            .status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.0.try_wait() {
                eprintln!("gui: stopped {}", self.1);
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
        eprintln!("gui: killed {}", self.1);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts Xvfb on the first free display from :90, waiting for its socket.
fn start_xvfb(xvfb: &Path) -> (Reaped, String) {
    for n in 90..140 {
        if Path::new(&format!("/tmp/.X{n}-lock")).exists()
            || Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
        {
            continue;
        }
        let child = Command::new(xvfb)
            .args([
                format!(":{n}").as_str(),
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let child = Reaped(child, "Xvfb");
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if socket.exists() {
                return (child, format!(":{n}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        drop(child);
    }
    panic!("no free X display for Xvfb in :90..:140");
}

// ---- a minimal WebDriver client (HTTP/1.1 over localhost) --------------------------------

struct WebDriver {
    port: u16,
    session: String,
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// One WebDriver request. tauri-driver sometimes answers with a closed connection when its
/// pooled connection to WebKitWebDriver went stale ("client error (SendRequest)": the request
/// never reached the browser), so an empty answer is retried.
fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Value {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    for attempt in 1..=4 {
        let Some(payload) = http_once(port, method, path, &body) else {
            eprintln!("gui: {method} {path}: empty answer (attempt {attempt}), retrying");
            std::thread::sleep(Duration::from_millis(250));
            continue;
        };
        let value: Value = serde_json::from_str(&payload)
            .unwrap_or_else(|e| panic!("{method} {path}: bad response ({e}): {payload}"));
        if let Some(err) = value["value"].get("error") {
            panic!("{method} {path}: WebDriver error {err}: {}", value["value"]);
        }
        return value["value"].clone();
    }
    panic!("{method} {path}: no answer from tauri-driver");
}

/// One request on a fresh connection. No `Connection: close`: tauri-driver forwards headers to
/// WebKitWebDriver, which then closes the connection tauri-driver keeps pooled, and the next
/// request fails on it. The answer is read by its length (or chunks) instead of to EOF.
fn http_once(port: u16, method: &str, path: &str, body: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    loop {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        response.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&response);
        let Some((head, rest)) = text.split_once("\r\n\r\n") else {
            continue;
        };
        let head = head.to_ascii_lowercase();
        if head.contains("transfer-encoding: chunked") {
            if rest.ends_with("0\r\n\r\n") {
                return Some(dechunk(rest)).filter(|p| !p.is_empty());
            }
            continue;
        }
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok())?;
        if rest.len() >= length {
            return Some(rest[..length].to_string()).filter(|p| !p.is_empty());
        }
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

impl WebDriver {
    fn connect(port: u16, application: &Path) -> Self {
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "wry",
            "tauri:options": {"application": application},
        }}});
        let started = Instant::now();
        loop {
            // tauri-driver needs a moment to listen.
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "tauri-driver did not listen"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let value = http(port, "POST", "/session", Some(&caps));
        let session = value["sessionId"].as_str().unwrap().to_string();
        Self { port, session }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        http(
            self.port,
            method,
            &format!("/session/{}{path}", self.session),
            body.as_ref(),
        )
    }

    /// Runs `script` (a function body; `arguments` are `args`) in the window.
    fn js(&self, script: &str, args: Value) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    fn find(&self, css: &str) -> String {
        let v = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        match v[ELEMENT].as_str() {
            Some(id) => id.to_string(),
            None => panic!("find {css}: unexpected answer {v}"),
        }
    }

    /// Clicks the element once it is there (up to 20 s).
    fn click(&self, css: &str) {
        self.wait_for(
            css,
            Duration::from_secs(20),
            "return document.querySelector(arguments[0]) !== null;",
            json!([css]),
        );
        let id = self.find(css);
        self.call("POST", &format!("/element/{id}/click"), Some(json!({})));
    }

    fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.call(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({"text": text})),
        );
    }

    /// Presses `key` with Control (and Shift) held, through the Actions API.
    fn ctrl_key(&self, key: &str, shift: bool) {
        let mut down = vec![json!({"type": "keyDown", "value": "\u{E009}"})];
        if shift {
            down.push(json!({"type": "keyDown", "value": "\u{E008}"}));
        }
        down.push(json!({"type": "keyDown", "value": key}));
        down.push(json!({"type": "keyUp", "value": key}));
        if shift {
            down.push(json!({"type": "keyUp", "value": "\u{E008}"}));
        }
        down.push(json!({"type": "keyUp", "value": "\u{E009}"}));
        self.call(
            "POST",
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": down}]})),
        );
        self.call("DELETE", "/actions", None);
    }

    /// The text of the element with `data-testid`, or null.
    fn text(&self, testid: &str) -> Option<String> {
        self.js(
            "const e = document.querySelector(`[data-testid=\"${arguments[0]}\"]`); \
             return e ? e.textContent : null;",
            json!([testid]),
        )
        .as_str()
        .map(str::to_string)
    }

    /// Polls `script` until it returns something truthy; returns it.
    fn wait_for(&self, what: &str, timeout: Duration, script: &str, args: Value) -> Value {
        let started = Instant::now();
        loop {
            let v = self.js(script, args.clone());
            let truthy = match &v {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::Array(a) => !a.is_empty(),
                Value::String(s) => !s.is_empty(),
                _ => true,
            };
            if truthy {
                return v;
            }
            if started.elapsed() > timeout {
                let body = self.js("return document.body.innerText;", json!([]));
                panic!("timed out waiting for {what}; the window shows:\n{body}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits two animation frames (or the screenshot may show the previous frame), then saves
    /// a PNG.
    fn screenshot(&self, dir: &Path, name: &str) {
        self.call(
            "POST",
            "/execute/async",
            Some(
                json!({"script": "const done = arguments[arguments.length - 1]; \
                requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                "args": []}),
            ),
        );
        let b64 = self.call("GET", "/screenshot", None);
        let png = base64_decode(b64.as_str().unwrap());
        assert!(png.starts_with(b"\x89PNG"), "screenshot is not a PNG");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        println!("screenshot {}", path.display());
    }

    fn quit(&self) {
        let _ = http(
            self.port,
            "DELETE",
            &format!("/session/{}", self.session),
            None,
        );
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let digits: Vec<u32> = s.bytes().filter_map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let mut n = 0u32;
        for (i, d) in chunk.iter().enumerate() {
            n |= d << (18 - 6 * i);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len().saturating_sub(1)]);
    }
    out
}

/// The People page's cards: `[{id, name, sub}]`, in page order.
const CARDS: &str =
    "return [...document.querySelectorAll('[data-testid=\"person-card\"]')].map(c => ({\
    id: Number(c.dataset.person), \
    name: c.querySelector('.name-input').value, \
    sub: c.querySelector('[data-testid=\"person-sub\"]').textContent}));";

fn cards(wd: &WebDriver) -> Vec<(i64, String, String)> {
    wd.js(CARDS, json!([]))
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_i64().unwrap(),
                c["name"].as_str().unwrap().to_string(),
                c["sub"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn first_run_index_name_merge_undo_in_the_real_window() {
    let Some(reference) = likeness_testdata::reference_dir() else {
        return;
    };
    let Some(driver) = find_program("tauri-driver") else {
        return;
    };
    let Some(native) = find_program("WebKitWebDriver") else {
        return;
    };
    let xvfb = match std::env::var_os("DISPLAY") {
        Some(d) if !d.is_empty() => None,
        _ => match find_program("Xvfb") {
            Some(x) => Some(x),
            None => return,
        },
    };
    let started = Instant::now();
    let root = likeness_testdata::repo_root();
    let shots = root.join("target/gui-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let work = root.join(format!("target/test-tmp/gui-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let photos = work.join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    for p in PHOTOS {
        let from = reference.join("images").join(p);
        std::fs::copy(&from, photos.join(Path::new(p).file_name().unwrap())).unwrap();
    }

    let (_xvfb, display) = match &xvfb {
        Some(x) => {
            let (child, display) = start_xvfb(x);
            (Some(child), display)
        }
        None => (None, std::env::var("DISPLAY").unwrap()),
    };
    let port = free_port();
    let native_port = free_port();
    let app = PathBuf::from(env!("CARGO_BIN_EXE_likeness-desktop"));
    let driver = Command::new(driver)
        .args(["--port", &port.to_string()])
        .args(["--native-port", &native_port.to_string()])
        .arg("--native-driver")
        .arg(&native)
        .env("DISPLAY", &display)
        .env("LIKENESS_CATALOG", work.join("library/catalog.sqlite"))
        .env("LIKENESS_PICK_FOLDER", &photos)
        .env("LIKENESS_MODELS_DIR", likeness_testdata::models_dir())
        .env("LIKENESS_ORT_LIBRARY", likeness_testdata::ort_library())
        // Dark mode off: screenshots in the light theme (the app follows the system).
        .env("GTK_THEME", "Adwaita")
        // The app's and the drivers' logs; a file, so no orphan can hold the test's pipes.
        .stdout(std::fs::File::create(work.join("driver.log")).unwrap())
        .stderr(std::fs::File::create(work.join("driver.err.log")).unwrap())
        .spawn()
        .unwrap();
    let _driver = Reaped(driver, "tauri-driver");
    let wd = WebDriver::connect(port, &app);
    let short = Duration::from_secs(20);

    // First run: the welcome screen with "Add folder…".
    wd.wait_for(
        "the first-run screen",
        short,
        "return document.querySelector('[data-testid=\"empty-state\"]') !== null;",
        json!([]),
    );
    wd.screenshot(&shots, "01-first-run");

    // Add folder → indexing starts at once; the progress panel follows it to the end.
    wd.click("[data-testid=\"add-folder\"]");
    wd.wait_for(
        "the progress panel",
        short,
        "const p = document.querySelector('[data-testid=\"progress-panel\"]'); \
         return p && !p.hidden && p.dataset.state;",
        json!([]),
    );
    wd.screenshot(&shots, "02-indexing");
    // Pause and resume while it runs (12 photos take a few seconds: the run may be over first).
    let state = wd.js(
        "return document.querySelector('[data-testid=\"progress-panel\"]').dataset.state;",
        json!([]),
    );
    if state == json!("running") {
        wd.click("[data-testid=\"index-pause\"]");
        let state = wd.wait_for(
            "the pause",
            short,
            "const s = document.querySelector('[data-testid=\"progress-panel\"]').dataset.state; \
             return (s === 'paused' || s === 'finished') && s;",
            json!([]),
        );
        if state == json!("paused") {
            assert_eq!(wd.text("progress-headline").unwrap(), "Paused");
            wd.screenshot(&shots, "02-paused");
            wd.click("[data-testid=\"index-resume\"]");
        }
        println!("pause while indexing: {state}");
    }
    wd.wait_for(
        "indexing to finish",
        Duration::from_secs(240),
        "const p = document.querySelector('[data-testid=\"progress-panel\"]'); \
         return p.dataset.state === 'finished' || p.dataset.state === 'failed';",
        json!([]),
    );
    let headline = wd.text("progress-headline").unwrap();
    assert!(
        headline.starts_with("Done: 12 photos indexed"),
        "headline: {headline}"
    );
    let faces: u64 = wd.text("progress-faces").unwrap().parse().unwrap();
    assert!(faces >= 11, "faces found: {faces}");
    assert_eq!(wd.text("progress-errors").unwrap(), "0");
    assert!(wd.text("progress-provider").unwrap().contains("CPU"));
    assert_eq!(
        wd.js(
            "return document.querySelectorAll('[data-testid=\"folder-row\"]').length;",
            json!([])
        ),
        json!(1)
    );
    wd.wait_for(
        "the library counts",
        short,
        "const e = document.querySelector('[data-testid=\"library-counts\"]'); \
         return e && e.textContent.startsWith('12 photos');",
        json!([]),
    );
    wd.screenshot(&shots, "03-indexed");

    // People: unnamed clusters, biggest first, each with a cover thumbnail from thumb:.
    wd.click("[data-testid=\"nav-people\"]");
    wd.wait_for(
        "two people cards",
        short,
        "return document.querySelectorAll('[data-testid=\"person-card\"]').length >= 2;",
        json!([]),
    );
    wd.wait_for(
        "cover thumbnails to load",
        short,
        "const imgs = [...document.querySelectorAll('img.cover')]; \
         return imgs.length >= 2 && imgs.every(i => i.complete && i.naturalWidth === 160);",
        json!([]),
    );
    let before = cards(&wd);
    println!("people: {before:?}");
    assert!(before.iter().all(|(_, name, _)| name.is_empty()));
    assert_eq!(before[0].2, "8 photos", "biggest cluster first");
    wd.screenshot(&shots, "04-people");

    // Name the biggest cluster inline.
    let (big, _, _) = before[0].clone();
    wd.type_into(
        &format!("[data-testid=\"person-name-{big}\"]"),
        "Angelina Jolie\u{E007}",
    );
    wd.wait_for(
        "the name to stick",
        short,
        "const e = document.querySelector(`[data-testid=\"person-name-${arguments[0]}\"]`); \
         return e && e.value === 'Angelina Jolie' && document.activeElement !== e;",
        json!([big]),
    );
    let toast = wd.text("toast-message").unwrap();
    assert!(toast.contains("Angelina Jolie"), "toast: {toast}");
    wd.screenshot(&shots, "05-named");

    // Merge the second cluster into her: select both, Merge.
    let (other, _, _) = before[1].clone();
    wd.click(&format!("[data-testid=\"person-select-{big}\"]"));
    wd.click(&format!("[data-testid=\"person-select-{other}\"]"));
    assert_eq!(wd.text("selected-count").unwrap(), "2 selected");
    wd.screenshot(&shots, "06-selected");
    wd.click("[data-testid=\"merge-selected\"]");
    let count_is = |n: usize| {
        format!(
            "return document.querySelectorAll('[data-testid=\"person-card\"]').length === {n} \
             && document.querySelector('[data-testid=\"selection-bar\"]').hidden;"
        )
    };
    wd.wait_for("the merge", short, &count_is(before.len() - 1), json!([]));
    let merged = cards(&wd);
    assert_eq!(merged[0].0, big);
    assert_eq!(merged[0].1, "Angelina Jolie");
    assert_eq!(merged[0].2, "11 photos");
    assert!(merged.iter().all(|c| c.0 != other));
    wd.screenshot(&shots, "07-merged");

    // Undo from the toast: both people are back as they were.
    wd.click("[data-testid=\"toast-action\"]");
    wd.wait_for("the undo", short, &count_is(before.len()), json!([]));
    let undone = cards(&wd);
    assert_eq!(undone[0], (big, "Angelina Jolie".into(), "8 photos".into()));
    assert!(undone.iter().any(|c| c.0 == other && c.1.is_empty()));
    assert!(wd.text("toast-message").unwrap().starts_with("Undone:"));
    wd.screenshot(&shots, "08-undone");

    // Keyboard: Ctrl+Shift+Z redoes the merge, Ctrl+Z undoes it again.
    wd.js(
        "document.activeElement && document.activeElement.blur();",
        json!([]),
    );
    wd.ctrl_key("z", true);
    wd.wait_for("the redo", short, &count_is(before.len() - 1), json!([]));
    assert!(wd.text("toast-message").unwrap().starts_with("Redone:"));
    wd.ctrl_key("z", false);
    wd.wait_for("the second undo", short, &count_is(before.len()), json!([]));

    // Typing a name someone already has says they are the same person: merged (then undone).
    wd.type_into(
        &format!("[data-testid=\"person-name-{other}\"]"),
        "Angelina Jolie\u{E007}",
    );
    wd.wait_for(
        "the merge by name",
        short,
        &count_is(before.len() - 1),
        json!([]),
    );
    assert_eq!(cards(&wd)[0].2, "11 photos");
    wd.js(
        "document.activeElement && document.activeElement.blur();",
        json!([]),
    );
    wd.ctrl_key("z", false);
    wd.wait_for(
        "the merge by name undone",
        short,
        &count_is(before.len()),
        json!([]),
    );

    // The person page shows her faces.
    wd.click(&format!("[data-testid=\"person-open-{big}\"]"));
    wd.wait_for(
        "the person page",
        short,
        "const t = document.querySelector('[data-testid=\"person-title\"]'); \
         return t && t.textContent === 'Angelina Jolie' && \
         document.querySelectorAll('[data-testid=\"face-tile\"]').length === 8;",
        json!([]),
    );
    wd.screenshot(&shots, "09-person");

    // "Not this person" on one face, then Undo from the toast.
    let face = wd.js(
        "return document.querySelector('[data-testid^=\"face-reject-\"]').dataset.testid;",
        json!([]),
    );
    wd.click(&format!("[data-testid=\"{}\"]", face.as_str().unwrap()));
    let tiles_are = |n: usize| {
        format!("return document.querySelectorAll('[data-testid=\"face-tile\"]').length === {n};")
    };
    wd.wait_for("the rejection", short, &tiles_are(7), json!([]));
    assert!(wd.text("toast-message").unwrap().contains("Angelina Jolie"));
    wd.screenshot(&shots, "10-rejected");
    wd.click("[data-testid=\"toast-action\"]");
    wd.wait_for("the rejection undone", short, &tiles_are(8), json!([]));

    // "Not a face" on one face, undone with Ctrl+Z.
    let face = wd.js(
        "return document.querySelector('[data-testid^=\"face-not-a-face-\"]').dataset.testid;",
        json!([]),
    );
    wd.click(&format!("[data-testid=\"{}\"]", face.as_str().unwrap()));
    wd.wait_for("the not-a-face", short, &tiles_are(7), json!([]));
    wd.js(
        "document.activeElement && document.activeElement.blur();",
        json!([]),
    );
    wd.ctrl_key("z", false);
    wd.wait_for("the not-a-face undone", short, &tiles_are(8), json!([]));

    // Search: name the other cluster, then photos of her, of both together, of him.
    wd.click("[data-testid=\"person-back\"]");
    wd.type_into(
        &format!("[data-testid=\"person-name-{other}\"]"),
        "Barack Obama\u{E007}",
    );
    wd.wait_for(
        "the second name",
        short,
        "const e = document.querySelector(`[data-testid=\"person-name-${arguments[0]}\"]`); \
         return e && e.value === 'Barack Obama' && document.activeElement !== e;",
        json!([other]),
    );
    wd.click("[data-testid=\"nav-search\"]");
    let hits_are = |count: &str, n: usize| {
        format!(
            "const c = document.querySelector('[data-testid=\"search-count\"]'); \
             return c && c.textContent === '{count}' && \
             document.querySelectorAll('[data-testid=\"search-hit\"]').length === {n};"
        )
    };
    wd.click(&format!("[data-testid=\"search-person-{big}\"]"));
    wd.wait_for("her photos", short, &hits_are("8 photos", 8), json!([]));
    wd.wait_for(
        "photo thumbnails to load",
        short,
        "const imgs = [...document.querySelectorAll('[data-testid=\"search-hit\"] img')]; \
         return imgs.length === 8 && imgs.every(i => i.complete && i.naturalWidth > 0);",
        json!([]),
    );
    wd.screenshot(&shots, "11-search");
    wd.click(&format!("[data-testid=\"search-person-{other}\"]"));
    wd.wait_for(
        "nobody together",
        short,
        &hits_are("No photos with all of them together.", 0),
        json!([]),
    );
    wd.click(&format!("[data-testid=\"search-person-{big}\"]"));
    wd.wait_for("his photos", short, &hits_are("3 photos", 3), json!([]));

    // Live: a photo dropped into the folder is indexed and joins her, without a restart.
    wd.click("[data-testid=\"nav-people\"]");
    wd.wait_for(
        "watch mode",
        short,
        "const s = document.querySelector('[data-testid=\"watch-status\"]'); \
         return s && !s.hidden && s.textContent === 'Watching your folders';",
        json!([]),
    );
    std::fs::copy(
        reference.join("images/deepface_testset/img11.jpg"),
        photos.join("img11.jpg"),
    )
    .unwrap();
    let sub = wd.wait_for(
        "the new photo to join her",
        Duration::from_secs(60),
        "const c = document.querySelector(`[data-person=\"${arguments[0]}\"] [data-testid=\"person-sub\"]`); \
         return c && c.textContent !== '8 photos' && c.textContent;",
        json!([big]),
    );
    println!("after a new photo: {sub}");
    assert!(
        sub == json!("9 photos") || sub == json!("8 photos · 1 to confirm"),
        "{sub}"
    );
    wd.screenshot(&shots, "12-live");

    wd.quit();
    let _ = std::fs::remove_dir_all(&work);
    println!("gui test took {:.1} s", started.elapsed().as_secs_f64());
}
