//! End-to-end test of the Photos screen and the viewer in the REAL `likeness-desktop` window
//! (WebKitGTK over WebDriver, Xvfb when `DISPLAY` is unset; harness: `likeness-webdriver`).
//! It indexes 12 reference photos through the UI, opens Photos (date headers, 12 tiles with
//! thumbnails from `thumb:`), opens the viewer (the upright full photo from
//! `thumb://localhost/full/<id>`, face boxes scaled with it), names a face from the viewer,
//! says "not this person" and "not a face" and undoes each from the toast, walks ←/→ and
//! closes with Esc — asserting on what the window shows — and saves `p*.png` screenshots to
//! `target/gui-screenshots/`.
//!
//! A missing prerequisite (tauri-driver, WebKitWebDriver, Xvfb, the shared photos) fails the
//! test (`likeness_testdata::skip_or_fail`; `LIKENESS_ALLOW_SKIP=1` makes it a skip outside CI).
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::path::PathBuf;
use std::time::Duration;

use likeness_webdriver::{Desktop, Prerequisites, TestLibrary, WebDriver};
use serde_json::{json, Value};

const ARROW_LEFT: &str = "\u{E012}";
const ARROW_RIGHT: &str = "\u{E014}";
const ESCAPE: &str = "\u{E00C}";
const ENTER: &str = "\u{E007}";

/// The viewer's state: photo id, position text, image size and load state, frame size, faces.
const VIEWER: &str = "const v = document.querySelector('[data-testid=\"viewer\"]'); \
    if (!v) return null; \
    const img = v.querySelector('[data-testid=\"viewer-image\"]'); \
    const frame = v.querySelector('.viewer-frame'); \
    return { photo: Number(v.dataset.photo || 0), \
      position: v.querySelector('.viewer-position').textContent, \
      loaded: img.complete && img.naturalWidth > 0, nw: img.naturalWidth, nh: img.naturalHeight, \
      fw: frame.clientWidth, fh: frame.clientHeight, \
      faces: [...v.querySelectorAll('[data-testid=\"viewer-face\"]')].map(f => ({ \
        id: Number(f.dataset.face), person: f.dataset.person, \
        label: f.querySelector('[data-testid=\"viewer-face-label\"]').textContent })) };";

fn viewer(wd: &WebDriver) -> Value {
    wd.js(VIEWER, json!([]))
}

/// Waits until the viewer shows a loaded photo with at least one face box; returns its state.
/// Waits until the viewer says it shows photo `n` of the 12.
fn wait_position(wd: &WebDriver, what: &str, n: u32) {
    wd.wait_for(
        what,
        Duration::from_secs(20),
        "const v = document.querySelector('[data-testid=\"viewer\"] .viewer-position'); \
         return v && v.textContent === `${arguments[0]} of 12`;",
        json!([n]),
    );
}

fn wait_viewer_loaded(wd: &WebDriver, what: &str) -> Value {
    wd.wait_for(
        what,
        Duration::from_secs(30),
        &format!(
            "const s = (() => {{ {VIEWER} }})(); \
             return s && s.loaded && s.photo > 0 && s.faces.length > 0 && s;"
        ),
        json!([]),
    )
}

fn face_label(wd: &WebDriver, face: i64) -> Option<String> {
    wd.js(
        "const f = document.querySelector(`[data-testid=\"viewer-face\"][data-face=\"${arguments[0]}\"]`); \
         return f ? f.querySelector('[data-testid=\"viewer-face-label\"]').textContent : null;",
        json!([face]),
    )
    .as_str()
    .map(str::to_string)
}

fn wait_label(wd: &WebDriver, what: &str, face: i64, label: &str) {
    wd.wait_for(
        what,
        Duration::from_secs(20),
        "const f = document.querySelector(`[data-testid=\"viewer-face\"][data-face=\"${arguments[0]}\"]`); \
         return !!f && f.querySelector('[data-testid=\"viewer-face-label\"]').textContent === arguments[1];",
        json!([face, label]),
    );
}

fn open_menu(wd: &WebDriver, face: i64) {
    wd.click(&format!(
        "[data-testid=\"viewer-face\"][data-face=\"{face}\"]"
    ));
    wd.wait_css(
        &format!("[data-testid=\"face-menu\"][data-face=\"{face}\"]"),
        Duration::from_secs(10),
    );
}

fn toast(wd: &WebDriver) -> String {
    wd.text("toast-message").unwrap_or_default()
}

#[test]
fn photos_timeline_and_viewer_in_the_real_window() {
    let Some(lib) = TestLibrary::new("gui-photos") else {
        return;
    };
    let Some(pre) = Prerequisites::find() else {
        return;
    };
    let (shots, work) = (&lib.shots, &lib.work);
    let app = PathBuf::from(env!("CARGO_BIN_EXE_likeness-desktop"));
    let desktop = Desktop::launch(&pre, &app, &lib.env(), work);
    let wd = &desktop.wd;
    let short = Duration::from_secs(20);

    // Add the folder; indexing (and clustering) runs to the end.
    wd.click("[data-testid=\"add-folder\"]");
    let headline = wd.wait_indexing_done();
    assert!(
        headline.starts_with("Done: 12 photos indexed"),
        "{headline}"
    );

    // Photos: first in the sidebar; date headers and 12 tiles with their thumbnails.
    let first_nav = wd.js(
        "return document.querySelector('.nav [data-nav]').dataset.testid;",
        json!([]),
    );
    assert_eq!(first_nav, json!("nav-photos"));
    wd.click("[data-testid=\"nav-photos\"]");
    // The page command answers the UI's shape (printed: the first thing to look at if not).
    let page = wd.js_async(
        "const done = arguments[arguments.length - 1]; \
         window.__TAURI_INTERNALS__.invoke('timeline_page', {from: {kind: 'start'}, skip: 0, limit: 2}) \
           .then(r => done({ok: r}), e => done({err: e}));",
        json!([]),
    );
    println!("timeline_page: {page}");
    wd.wait_for(
        "the timeline",
        short,
        "return document.documentElement.dataset.timelineReady === '1';",
        json!([]),
    );
    // Only the rows in view (+ overscan) exist: walk the timeline top to bottom and collect
    // every photo and day header, each once the tiles in view have their photo.
    let walk = wd.js_async(
        "const done = arguments[arguments.length - 1]; \
         const t = document.querySelector('[data-testid=\"timeline\"]'); \
         const photos = new Set(), days = new Map(); let rendered = 0; \
         const settle = () => new Promise(r => { const check = () => { \
           const tiles = [...t.querySelectorAll('[data-testid=\"timeline-tile\"]')]; \
           const imgs = tiles.map(e => e.querySelector('img')); \
           if (tiles.length && imgs.every(i => i && i.complete && i.naturalWidth > 0)) r(tiles); \
           else setTimeout(check, 50); }; check(); }); \
         (async () => { \
           for (let y = 0; ; y += t.clientHeight) { \
             t.scrollTop = y; await new Promise(r => requestAnimationFrame(() => r())); \
             const tiles = await settle(); rendered = Math.max(rendered, tiles.length); \
             tiles.forEach(e => photos.add(Number(e.dataset.photo))); \
             t.querySelectorAll('[data-testid=\"timeline-day\"]').forEach(d => days.set(d.dataset.day, d.querySelector('.timeline-day-count').textContent)); \
             if (y + t.clientHeight >= t.scrollHeight) break; } \
           t.scrollTop = 0; \
           done({ photos: photos.size, days: [...days.values()], rendered, \
             overflow: getComputedStyle(t).overflowY, \
             canvas: t.firstElementChild.getBoundingClientRect().height, scroll: t.scrollHeight, \
             count: document.querySelector('[data-testid=\"timeline-count\"]').textContent, \
             square: [...t.querySelectorAll('[data-testid=\"timeline-tile\"]')] \
               .every(e => Math.abs(e.clientWidth - e.clientHeight) <= 1) }); })();",
        json!([]),
    );
    println!("timeline: {walk}");
    assert_eq!(
        walk["overflow"],
        json!("auto"),
        "the timeline is the scroller"
    );
    assert_eq!(
        walk["photos"],
        json!(12),
        "every photo once, thumbnails loaded"
    );
    assert_eq!(walk["count"], json!("12 photos"));
    assert_eq!(walk["square"], json!(true));
    let days = walk["days"].as_array().unwrap();
    assert!(!days.is_empty(), "date headers");
    let in_headers: u64 = days
        .iter()
        .map(|d| {
            let t = d.as_str().unwrap();
            t.split(' ').next().unwrap().parse::<u64>().unwrap()
        })
        .sum();
    assert_eq!(
        in_headers, 12,
        "the day headers count every photo: {days:?}"
    );
    wd.screenshot(shots, "p01-photos");

    // The webview reaches nothing but ids: unknown ids and paths are refused.
    let refused = wd.js_async(
        "const done = arguments[arguments.length - 1]; \
         const urls = ['thumb://localhost/full/999999', 'thumb://localhost/full/..%2F..%2Fetc%2Fpasswd', \
                       'thumb://localhost/full/', 'thumb://localhost/etc/passwd']; \
         Promise.all(urls.map(u => new Promise(r => { const i = new Image(); \
           i.onload = () => r('loaded ' + u); i.onerror = () => r('refused'); i.src = u; }))) \
           .then(done);",
        json!([]),
    );
    assert_eq!(refused, json!(["refused", "refused", "refused", "refused"]));

    // Keyboard: focus the first tile, → moves to the second, Enter opens the viewer there.
    wd.js(
        "document.querySelector('[data-testid=\"timeline-tile\"][data-index=\"0\"]').focus();",
        json!([]),
    );
    wd.key(ARROW_RIGHT);
    let focused = wd.js("return document.activeElement.dataset.index;", json!([]));
    assert_eq!(focused, json!("1"));
    wd.key(ENTER);
    let first = wait_viewer_loaded(wd, "the viewer on photo 2");
    assert_eq!(first["position"], json!("2 of 12"));
    // Upright and scaled: the frame (boxes' reference) has the image's aspect ratio.
    let (nw, nh) = (first["nw"].as_f64().unwrap(), first["nh"].as_f64().unwrap());
    let (fw, fh) = (first["fw"].as_f64().unwrap(), first["fh"].as_f64().unwrap());
    assert!(
        (nw / nh - fw / fh).abs() < 0.02,
        "image {nw}x{nh}, frame {fw}x{fh}"
    );
    assert!(nw.max(nh) <= 2560.0);
    let dialog = wd.js(
        "const v = document.querySelector('[data-testid=\"viewer\"]'); \
         return [v.getAttribute('role'), v.getAttribute('aria-modal'), v.contains(document.activeElement)];",
        json!([]),
    );
    assert_eq!(dialog, json!(["dialog", "true", true]));
    wd.screenshot(shots, "p02-viewer");

    // ← / → walk the timeline (the prev button too).
    wd.key(ARROW_LEFT);
    wait_position(wd, "photo 1", 1);
    assert_eq!(
        wd.js(
            "return document.querySelector('[data-testid=\"viewer-prev\"]').disabled;",
            json!([])
        ),
        json!(true)
    );
    wd.key(ARROW_RIGHT);
    wd.key(ARROW_RIGHT);
    wait_position(wd, "photo 3", 3);
    wd.click("[data-testid=\"viewer-prev\"]");
    wait_position(wd, "photo 2 again", 2);
    let state = wait_viewer_loaded(wd, "photo 2 loaded again");
    assert_eq!(state["photo"], first["photo"]);

    // Name a face from the viewer: its label (and its cluster) get the name.
    let face = state["faces"][0]["id"].as_i64().unwrap();
    open_menu(wd, face);
    let focus_in_menu = wd.js("return document.activeElement.dataset.testid;", json!([]));
    assert_eq!(focus_in_menu, json!("face-menu-name"));
    wd.screenshot(shots, "p03-face-menu");
    wd.type_into(
        "[data-testid=\"face-menu-name\"]",
        &format!("Viewer Person{ENTER}"),
    );
    wait_label(wd, "the name on the face", face, "Viewer Person");
    assert!(toast(wd).contains("Viewer Person"), "toast: {}", toast(wd));
    assert!(wd
        .js(
            "return !document.querySelector('[data-testid=\"face-menu\"]');",
            json!([])
        )
        .as_bool()
        .unwrap());
    wd.screenshot(shots, "p04-named");

    // "Not this person" → the face loses the name; Undo (toast) gives it back.
    open_menu(wd, face);
    wd.click("[data-testid=\"face-menu-reject\"]");
    wd.wait_for(
        "the face without its person",
        short,
        "const f = document.querySelector(`[data-testid=\"viewer-face\"][data-face=\"${arguments[0]}\"]`); \
         return !!f && f.dataset.person === '';",
        json!([face]),
    );
    assert_eq!(face_label(wd, face).as_deref(), Some("Add a name"));
    wd.screenshot(shots, "p05-not-this-person");
    wd.click("[data-testid=\"toast-action\"]");
    wait_label(wd, "the undo of the rejection", face, "Viewer Person");
    assert!(toast(wd).starts_with("Undone:"), "toast: {}", toast(wd));
    wd.screenshot(shots, "p06-undone");

    // "Not a face" on another photo's face → its box goes; Undo brings it back.
    wd.js(
        "document.querySelector('[data-testid=\"viewer\"]').focus();",
        json!([]),
    );
    wd.key(ARROW_RIGHT);
    wait_position(wd, "photo 3", 3);
    let third = wait_viewer_loaded(wd, "photo 3 loaded");
    let boxes = third["faces"].as_array().unwrap().len();
    let other = third["faces"][0]["id"].as_i64().unwrap();
    open_menu(wd, other);
    wd.click("[data-testid=\"face-menu-not-a-face\"]");
    wd.wait_for(
        "the box to go",
        short,
        "return !document.querySelector(`[data-testid=\"viewer-face\"][data-face=\"${arguments[0]}\"]`);",
        json!([other]),
    );
    assert_eq!(
        viewer(wd)["faces"].as_array().unwrap().len(),
        boxes - 1,
        "one box less"
    );
    wd.screenshot(shots, "p07-not-a-face");
    wd.click("[data-testid=\"toast-action\"]");
    wd.wait_css(
        &format!("[data-testid=\"viewer-face\"][data-face=\"{other}\"]"),
        short,
    );
    assert_eq!(viewer(wd)["faces"].as_array().unwrap().len(), boxes);

    // "Move to…" an existing name: the face joins that person.
    open_menu(wd, other);
    wd.click("[data-testid=\"face-menu-move\"]");
    assert_eq!(
        wd.js(
            "return [document.querySelector('[data-testid=\"face-menu-move\"]').getAttribute('aria-pressed'), \
                     document.activeElement.dataset.testid];",
            json!([]),
        ),
        json!(["true", "face-menu-name"])
    );
    wd.type_into(
        "[data-testid=\"face-menu-name\"]",
        &format!("Viewer Person{ENTER}"),
    );
    wait_label(wd, "the moved face", other, "Viewer Person");
    wd.screenshot(shots, "p08-moved");

    // Esc closes the face menu first, then the viewer; the focus goes back to the grid.
    open_menu(wd, other);
    wd.key(ESCAPE);
    wd.wait_for(
        "the menu to close",
        short,
        "return !document.querySelector('[data-testid=\"face-menu\"]') \
         && !!document.querySelector('[data-testid=\"viewer\"]');",
        json!([]),
    );
    wd.key(ESCAPE);
    wd.wait_for(
        "the viewer to close",
        short,
        "return !document.querySelector('[data-testid=\"viewer\"]') \
         && document.activeElement.dataset.testid === 'timeline-tile' \
         && document.activeElement.dataset.index === '2';",
        json!([]),
    );
    // Roving tabindex: one tile in the Tab order, the focused one.
    let tabbable = wd.js(
        "return [...document.querySelectorAll('[data-testid=\"timeline-tile\"]')] \
           .filter(e => e.tabIndex === 0).map(e => e.dataset.index);",
        json!([]),
    );
    assert_eq!(tabbable, json!(["2"]));
    wd.screenshot(shots, "p09-closed");
    wd.quit();
}
