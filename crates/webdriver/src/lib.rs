//! The harness the desktop app's end-to-end tests and GUI benchmarks share: it finds
//! `tauri-driver`, `WebKitWebDriver` and `Xvfb`, starts an Xvfb display when `DISPLAY` is unset,
//! starts tauri-driver with the app's environment, and drives the REAL `likeness-desktop`
//! binary in a WebKitGTK window through a minimal WebDriver client (HTTP/1.1 over localhost).
//!
//! This is test and benchmark support: a failed WebDriver call panics with what went wrong
//! (the test fails with that message), so `unwrap` is the point here, not a shortcut.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::expect_used)]

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// A missing prerequisite: fails, or skips with `LIKENESS_ALLOW_SKIP=1` outside CI
/// (`likeness_testdata::skip_or_fail`).
pub fn missing(what: &str) -> Option<PathBuf> {
    likeness_testdata::skip_or_fail(&format!(
        "gui test: {what} is missing (run scripts/setup-gui.sh)"
    ));
    None
}

/// `name` on PATH or in ~/.cargo/bin.
pub fn find_program(name: &str) -> Option<PathBuf> {
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
#[derive(Debug)]
pub struct Reaped(pub Child, pub &'static str);

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

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts Xvfb on the first free display from :90, waiting for its socket. The display is
/// ours only when its lock file names our Xvfb: two tests starting at once (tests of one binary
/// run in parallel) could both see :90 free, and the loser's Xvfb exits while the winner's
/// socket is there — the loser's app would then live on the other test's display and die with
/// it. Starts are also serialised within the process.
pub fn start_xvfb(xvfb: &Path) -> (Reaped, String) {
    static STARTING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = STARTING.lock().unwrap_or_else(|p| p.into_inner());
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
        let lock = PathBuf::from(format!("/tmp/.X{n}-lock"));
        let ours = child.0.id();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            // The lock file holds the server's pid (right-aligned, 10 characters).
            let owner = std::fs::read_to_string(&lock)
                .ok()
                .and_then(|t| t.trim().parse::<u32>().ok());
            match owner {
                Some(pid) if pid == ours && socket.exists() => return (child, format!(":{n}")),
                Some(pid) if pid != ours => break, // another server has this display
                _ => {}
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        drop(child);
    }
    panic!("no free X display for Xvfb in :90..:140");
}

// ---- a minimal WebDriver client (HTTP/1.1 over localhost) --------------------------------

#[derive(Debug)]
pub struct WebDriver {
    pub port: u16,
    pub session: String,
    /// When the new-session request (which starts the app) was sent: the zero of cold-start
    /// timings.
    pub requested_at: std::time::SystemTime,
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// One WebDriver request. tauri-driver sometimes answers with a closed connection when its
/// pooled connection to WebKitWebDriver went stale ("client error (SendRequest)": the request
/// never reached the browser), so an empty answer is retried.
fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Value {
    http_result(port, method, path, body)
        .unwrap_or_else(|err| panic!("{method} {path}: WebDriver error {}: {err}", err["error"]))
}

/// [`http`], with a WebDriver error (the answer's `value`, which holds `error` and `message`)
/// returned instead of panicking.
fn http_result(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value, Value> {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    for attempt in 1..=4 {
        let Some(payload) = http_once(port, method, path, &body) else {
            eprintln!("gui: {method} {path}: empty answer (attempt {attempt}), retrying");
            std::thread::sleep(Duration::from_millis(250));
            continue;
        };
        let value: Value = serde_json::from_str(&payload)
            .unwrap_or_else(|e| panic!("{method} {path}: bad response ({e}): {payload}"));
        if value["value"].get("error").is_some() {
            return Err(value["value"].clone());
        }
        return Ok(value["value"].clone());
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
    pub fn connect(port: u16, application: &Path) -> Self {
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
        let requested_at = std::time::SystemTime::now();
        let value = http(port, "POST", "/session", Some(&caps));
        let session = value["sessionId"].as_str().unwrap().to_string();
        Self {
            port,
            session,
            requested_at,
        }
    }

    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        http(
            self.port,
            method,
            &format!("/session/{}{path}", self.session),
            body.as_ref(),
        )
    }

    /// Runs `script` (a function body; `arguments` are `args`) in the window.
    pub fn js(&self, script: &str, args: Value) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    pub fn find(&self, css: &str) -> String {
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
    pub fn click(&self, css: &str) {
        self.wait_for(
            css,
            Duration::from_secs(20),
            "return document.querySelector(arguments[0]) !== null;",
            json!([css]),
        );
        // The page may replace the element between the find and the click (a screen that
        // redraws on an event): find it again, a few times, before giving up.
        for attempt in 1..=5 {
            let id = self.find(css);
            let path = format!("/session/{}/element/{id}/click", self.session);
            match http_result(self.port, "POST", &path, Some(&json!({}))) {
                Ok(_) => return,
                Err(err) if err["error"] == "stale element reference" && attempt < 5 => {
                    eprintln!("gui: click {css}: the element was replaced, finding it again");
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(err) => panic!("POST {path}: WebDriver error {}: {err}", err["error"]),
            }
        }
    }

    pub fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.call(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({"text": text})),
        );
    }

    /// Presses `key` with Control (and Shift) held, through the Actions API.
    pub fn ctrl_key(&self, key: &str, shift: bool) {
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
    pub fn text(&self, testid: &str) -> Option<String> {
        self.js(
            "const e = document.querySelector(`[data-testid=\"${arguments[0]}\"]`); \
             return e ? e.textContent : null;",
            json!([testid]),
        )
        .as_str()
        .map(str::to_string)
    }

    /// Polls `script` until it returns something truthy; returns it.
    pub fn wait_for(&self, what: &str, timeout: Duration, script: &str, args: Value) -> Value {
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
    pub fn screenshot(&self, dir: &Path, name: &str) {
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

    pub fn quit(&self) {
        let _ = http(
            self.port,
            "DELETE",
            &format!("/session/{}", self.session),
            None,
        );
    }
}

pub fn base64_decode(s: &str) -> Vec<u8> {
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

impl WebDriver {
    /// Runs `script` asynchronously: it calls `arguments[arguments.length - 1](value)` when
    /// done; returns that value.
    pub fn js_async(&self, script: &str, args: Value) -> Value {
        self.call(
            "POST",
            "/execute/async",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Presses and releases `key` (a character, or a WebDriver key code such as `\u{E012}`
    /// for ArrowLeft) on whatever has the focus, through the Actions API.
    pub fn key(&self, key: &str) {
        let actions = vec![
            json!({"type": "keyDown", "value": key}),
            json!({"type": "keyUp", "value": key}),
        ];
        self.call(
            "POST",
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})),
        );
        self.call("DELETE", "/actions", None);
    }

    /// Waits (up to 240 s) until the progress panel says indexing finished or failed; returns
    /// its headline ("Done: 12 photos indexed, …").
    pub fn wait_indexing_done(&self) -> String {
        self.wait_for(
            "indexing to finish",
            Duration::from_secs(240),
            "const p = document.querySelector('[data-testid=\"progress-panel\"]'); \
             return p && (p.dataset.state === 'finished' || p.dataset.state === 'failed');",
            json!([]),
        );
        self.text("progress-headline").unwrap_or_default()
    }

    /// Types `name` and Enter into person `person`'s card on the People page and waits until
    /// the name sticks (the field keeps it and loses the focus).
    pub fn name_card(&self, person: i64, name: &str) {
        self.type_into(
            &format!("[data-testid=\"person-name-{person}\"]"),
            &format!("{name}\u{E007}"),
        );
        self.wait_for(
            "the name to stick",
            Duration::from_secs(20),
            "const e = document.querySelector(`[data-testid=\"person-name-${arguments[0]}\"]`); \
             return e && e.value === arguments[1] && document.activeElement !== e;",
            json!([person, name]),
        );
    }

    /// Waits until the sidebar says live mode runs ("Watching your folders").
    pub fn wait_watching(&self, timeout: Duration) {
        self.wait_for(
            "watch mode",
            timeout,
            "const s = document.querySelector('[data-testid=\"watch-status\"]'); \
             return s && !s.hidden && s.textContent === 'Watching your folders';",
            json!([]),
        );
    }

    /// Waits until the People page is painted with at least two cards.
    pub fn wait_people_painted(&self, timeout: Duration) {
        self.wait_for(
            "the People page to be painted",
            timeout,
            "return document.documentElement.dataset.peopleReady === '1' && \
             document.querySelectorAll('[data-testid=\"person-card\"]').length >= 2;",
            json!([]),
        );
    }

    /// Waits until person `person`'s card no longer reads `was` under its name (a live
    /// refresh reached it); returns what it reads now.
    pub fn wait_card_sub_changes(
        &self,
        what: &str,
        person: i64,
        was: &str,
        timeout: Duration,
    ) -> Value {
        self.wait_for(
            what,
            timeout,
            "const c = document.querySelector(`[data-person=\"${arguments[0]}\"] [data-testid=\"person-sub\"]`); \
             return c && c.textContent !== arguments[1] && c.textContent;",
            json!([person, was]),
        )
    }

    /// Waits until an element matching `css` exists (up to `timeout`).
    pub fn wait_css(&self, css: &str, timeout: Duration) {
        self.wait_for(
            css,
            timeout,
            "return document.querySelector(arguments[0]) !== null;",
            json!([css]),
        );
    }
}

/// The programs a desktop session needs: tauri-driver, WebKitWebDriver and (without a
/// `DISPLAY`) Xvfb.
#[derive(Debug, Clone)]
pub struct Prerequisites {
    pub driver: PathBuf,
    pub native: PathBuf,
    pub xvfb: Option<PathBuf>,
}

impl Prerequisites {
    /// Finds them; a missing one panics, or is `None` (a skip) with `LIKENESS_ALLOW_SKIP=1`.
    pub fn find() -> Option<Self> {
        let driver = find_program("tauri-driver")?;
        let native = find_program("WebKitWebDriver")?;
        let xvfb = match std::env::var_os("DISPLAY") {
            Some(d) if !d.is_empty() => None,
            _ => Some(find_program("Xvfb")?),
        };
        Some(Self {
            driver,
            native,
            xvfb,
        })
    }
}

/// A running desktop app under WebDriver. Dropping it stops tauri-driver (which closes the app
/// and WebKitWebDriver), then Xvfb; call [`WebDriver::quit`] first for a clean end.
#[derive(Debug)]
pub struct Desktop {
    pub wd: WebDriver,
    _driver: Reaped,
    _xvfb: Option<Reaped>,
    pub display: String,
}

impl Desktop {
    /// Starts Xvfb (if needed) and tauri-driver with `env` for the app, and opens a session on
    /// `app` (the `likeness-desktop` binary) — which starts the app. Logs of the drivers and the
    /// app go to `logs/driver.log` and `logs/driver.err.log`.
    ///
    /// For tests: WebKit keeps its accelerated compositing (`WEBKIT_DISABLE_COMPOSITING_MODE=0`,
    /// which the app respects). Without a GPU the app would turn it off, and WebKitWebDriver's
    /// screenshot command then never answers on an idle page (seen: 120 s and more on the
    /// first-run screen). [`Desktop::launch_as_user`] keeps the app's own choice.
    pub fn launch(pre: &Prerequisites, app: &Path, env: &[(&str, OsString)], logs: &Path) -> Self {
        Self::spawn(pre, app, &with_compositing(env), false, logs)
    }

    /// [`Desktop::launch`] without the compositing override: the app renders as it would for a
    /// user of this machine (benchmarks).
    pub fn launch_as_user(
        pre: &Prerequisites,
        app: &Path,
        env: &[(&str, OsString)],
        logs: &Path,
    ) -> Self {
        Self::spawn(pre, app, env, false, logs)
    }

    /// [`Desktop::launch`] as a new user of an installed package: the app gets none of this
    /// process's `LIKENESS_*` or `XDG_*_HOME` variables (so it finds its runtime, models,
    /// library and settings as it would on a clean account: under the `HOME` in `env`), only
    /// `env` plus what the display and the drivers need.
    pub fn launch_clean(
        pre: &Prerequisites,
        app: &Path,
        env: &[(&str, OsString)],
        logs: &Path,
    ) -> Self {
        Self::spawn(pre, app, &with_compositing(env), true, logs)
    }

    fn spawn(
        pre: &Prerequisites,
        app: &Path,
        env: &[(&str, OsString)],
        clean: bool,
        logs: &Path,
    ) -> Self {
        let (xvfb, display) = match &pre.xvfb {
            Some(x) => {
                let (child, display) = start_xvfb(x);
                (Some(child), display)
            }
            None => (None, std::env::var("DISPLAY").unwrap()),
        };
        let port = free_port();
        let native_port = free_port();
        std::fs::create_dir_all(logs).unwrap();
        let mut command = Command::new(&pre.driver);
        command
            .args(["--port", &port.to_string()])
            .args(["--native-port", &native_port.to_string()])
            .arg("--native-driver")
            .arg(&pre.native)
            .env("DISPLAY", &display)
            // Dark mode off: screenshots in the light theme (the app follows the system).
            .env("GTK_THEME", "Adwaita")
            // Logs to files, so no orphan can hold the caller's pipes.
            .stdout(std::fs::File::create(logs.join("driver.log")).unwrap())
            .stderr(std::fs::File::create(logs.join("driver.err.log")).unwrap());
        if clean {
            for (k, _) in std::env::vars_os() {
                let k = k.to_string_lossy();
                if k.starts_with("LIKENESS_")
                    || (k.starts_with("XDG_") && k.ends_with("_HOME"))
                    || k == "CARGO_TARGET_DIR"
                {
                    command.env_remove(k.as_ref());
                }
            }
        }
        for (k, v) in env {
            command.env(k, v);
        }
        let driver = Reaped(command.spawn().unwrap(), "tauri-driver");
        let wd = WebDriver::connect(port, app);
        Self {
            wd,
            _driver: driver,
            _xvfb: xvfb,
            display,
        }
    }
}

/// `env` with WebKit's accelerated compositing kept on unless `env` says otherwise (see
/// [`Desktop::launch`]).
fn with_compositing<'a>(env: &[(&'a str, OsString)]) -> Vec<(&'a str, OsString)> {
    let mut env = env.to_vec();
    if !env
        .iter()
        .any(|(k, _)| *k == "WEBKIT_DISABLE_COMPOSITING_MODE")
    {
        env.push(("WEBKIT_DISABLE_COMPOSITING_MODE", os("0")));
    }
    env
}

/// Copies `names` (paths under the reference pack's `images/`) flat into `dir`.
pub fn copy_photos(reference: &Path, names: &[&str], dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for p in names {
        let from = reference.join("images").join(p);
        std::fs::copy(&from, dir.join(Path::new(p).file_name().unwrap()))
            .unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
    }
}

/// `OsString` from anything path-like, for [`Desktop::launch`]'s environment.
pub fn os(v: impl AsRef<std::ffi::OsStr>) -> OsString {
    v.as_ref().to_os_string()
}

/// The 12 reference photos the GUI tests index: 8 of one woman, 3 of Obama, Biden, a couple.
pub const TEST_PHOTOS: &[&str] = &[
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

/// A GUI test's scratch library: `target/test-tmp/<name>-<pid>/` (emptied first) whose
/// `photos/` holds [`TEST_PHOTOS`]; screenshots go to `target/gui-screenshots/`.
#[derive(Debug, Clone)]
pub struct TestLibrary {
    /// The shared reference pack.
    pub reference: PathBuf,
    pub work: PathBuf,
    pub photos: PathBuf,
    pub catalog: PathBuf,
    pub shots: PathBuf,
}

impl TestLibrary {
    /// A missing reference pack panics, or is `None` (a skip) with `LIKENESS_ALLOW_SKIP=1`.
    pub fn new(name: &str) -> Option<Self> {
        let reference = likeness_testdata::reference_dir()?;
        let root = likeness_testdata::repo_root();
        let shots = root.join("target/gui-screenshots");
        std::fs::create_dir_all(&shots).unwrap();
        let work = root.join(format!("target/test-tmp/{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&work);
        let photos = work.join("photos");
        copy_photos(&reference, TEST_PHOTOS, &photos);
        Some(Self {
            reference,
            catalog: work.join("library/catalog.sqlite"),
            work,
            photos,
            shots,
        })
    }

    /// The app's environment: this library's catalog, `photos/` as what "Add folder…" picks,
    /// the project's models and ONNX Runtime, and `work/config` as the per-user config folder
    /// (the library-location file goes there, never into the real user's config).
    pub fn env(&self) -> Vec<(&'static str, OsString)> {
        vec![
            ("XDG_CONFIG_HOME", os(self.work.join("config"))),
            ("LIKENESS_CATALOG", os(&self.catalog)),
            ("LIKENESS_PICK_FOLDER", os(&self.photos)),
            ("LIKENESS_MODELS_DIR", os(likeness_testdata::models_dir())),
            ("LIKENESS_ORT_LIBRARY", os(likeness_testdata::ort_library())),
        ]
    }
}

/// The People page's cards in page order: `(person id, name field, subtitle)`.
pub fn cards(wd: &WebDriver) -> Vec<(i64, String, String)> {
    const CARDS: &str =
        "return [...document.querySelectorAll('[data-testid=\"person-card\"]')].map(c => ({\
        id: Number(c.dataset.person), \
        name: c.querySelector('.name-input').value, \
        sub: c.querySelector('[data-testid=\"person-sub\"]').textContent}));";
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
