//! End-to-end test of Settings and the People / person-page flows in the REAL desktop app
//! (`likeness-desktop` in a WebKitGTK window over WebDriver, like `gui.rs`): a setting changed
//! on the Settings screen survives a restart of the app; with XMP auto-export on, naming a
//! cluster writes a sidecar with the name; dragging a cluster onto another merges them (undone
//! with Ctrl+Z); hiding two selected people is one edit (one Ctrl+Z shows both); on a person page two faces are selected (click, Shift-click range, click) and
//! moved to a new name, then undone; the "Is this X?" review is answered with the Y and N keys.
//! Screenshots `s01-…` to `s09-…` go to `target/gui-screenshots/`. Her photos are shown as
//! photos too.
//!
//! A missing prerequisite (tauri-driver, WebKitWebDriver, Xvfb, the shared photos) fails the
//! test (`likeness_testdata::skip_or_fail`; `LIKENESS_ALLOW_SKIP=1` makes it a skip outside CI).
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use likeness_engine::catalog::{Catalog, PhotoQuery};
use likeness_webdriver::{cards, Desktop, Prerequisites, TestLibrary, WebDriver};
use serde_json::json;

fn blur(wd: &WebDriver) {
    wd.js(
        "document.activeElement && document.activeElement.blur();",
        json!([]),
    );
}

/// The `.xmp` sidecars in `dir` that contain `text`.
fn sidecars_with(dir: &Path, text: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xmp"))
        .filter(|p| {
            std::fs::read_to_string(p)
                .map(|t| t.contains(text))
                .unwrap_or(false)
        })
        .collect();
    found.sort();
    found
}

fn launch(pre: &Prerequisites, env: &[(&str, OsString)], logs: &Path) -> Desktop {
    let app = PathBuf::from(env!("CARGO_BIN_EXE_likeness-desktop"));
    Desktop::launch(pre, &app, env, logs)
}

#[test]
fn settings_xmp_drag_merge_move_faces_and_review_keys_in_the_real_window() {
    let Some(lib) = TestLibrary::new("gui-people") else {
        return;
    };
    let Some(pre) = Prerequisites::find() else {
        return;
    };
    let started = Instant::now();
    let (shots, work, photos, catalog) = (&lib.shots, &lib.work, &lib.photos, &lib.catalog);
    let env = lib.env();
    let short = Duration::from_secs(20);

    // ---- first session: index, then change settings ---------------------------------------
    let desktop = launch(&pre, &env, &work.join("logs-1"));
    let wd = &desktop.wd;
    wd.click("[data-testid=\"add-folder\"]");
    assert!(wd
        .wait_indexing_done()
        .starts_with("Done: 12 photos indexed"));

    wd.click("[data-testid=\"nav-settings\"]");
    wd.wait_css("[data-testid=\"settings-detection\"]", short);
    let shown = wd.js(
        "const v = id => document.querySelector(`[data-testid=\"${id}\"]`); \
         return {detection: v('settings-detection').value, clustering: v('settings-clustering').value, \
         provider: v('settings-provider').value, xmp: v('settings-xmp-auto').checked, \
         catalog: v('settings-catalog').textContent, models: v('settings-models-dir').textContent, \
         active: v('settings-active-provider').textContent, \
         source: v('settings-location-source').textContent};",
        json!([]),
    );
    println!("settings at first: {shown}");
    assert_eq!(shown["detection"], "normal");
    assert_eq!(shown["clustering"], "balanced");
    assert_eq!(shown["provider"], "auto");
    assert_eq!(shown["xmp"], false, "XMP auto-export is off by default");
    assert_eq!(shown["catalog"], json!(catalog.display().to_string()));
    assert!(shown["active"].as_str().unwrap().contains("CPU"));
    assert!(shown["source"]
        .as_str()
        .unwrap()
        .contains("LIKENESS_CATALOG"));
    wd.screenshot(shots, "s01-settings");

    // Detection sensitivity → High; XMP auto-export on. Each change is saved at once.
    wd.js(
        "const s = document.querySelector('[data-testid=\"settings-detection\"]'); \
         s.value = 'high'; s.dispatchEvent(new Event('change', {bubbles: true}));",
        json!([]),
    );
    wd.wait_for(
        "the detection change to be saved",
        short,
        "return document.querySelector('[data-testid=\"settings-saved\"]').textContent === 'Saved.';",
        json!([]),
    );
    wd.click("[data-testid=\"settings-xmp-auto\"]");
    let settings_file = catalog.with_file_name("settings.json");
    let deadline = Instant::now() + short;
    loop {
        let text = std::fs::read_to_string(&settings_file).unwrap_or_default();
        if text.contains("\"xmpAutoExport\": true") && text.contains("\"detection\": \"high\"") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "settings.json never said so: {text}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Library location for the next start: the folder picker (answered by
    // LIKENESS_PICK_FOLDER) writes the per-user location file; "Use the default place" removes it.
    let location = work.join("config/likeness/location.json");
    wd.click("[data-testid=\"settings-location-choose\"]");
    wd.wait_for(
        "the next library folder",
        short,
        "const e = document.querySelector('[data-testid=\"settings-next-library\"]'); \
         return e && e.textContent === arguments[0];",
        json!([photos.display().to_string()]),
    );
    assert!(std::fs::read_to_string(&location)
        .unwrap()
        .contains(&photos.display().to_string()));
    wd.click("[data-testid=\"settings-location-default\"]");
    wd.wait_for(
        "the default place again",
        short,
        "return document.querySelector('[data-testid=\"settings-next-library\"]').textContent === 'the default place';",
        json!([]),
    );
    assert!(!location.exists());

    wd.quit();
    drop(desktop);
    // The app is gone once its library lock is free.
    let paths = likeness_engine::LibraryPaths::for_catalog(catalog);
    let deadline = Instant::now() + short;
    while likeness_engine::LibraryLock::acquire(&paths).is_err() {
        assert!(Instant::now() < deadline, "the first app never quit");
        std::thread::sleep(Duration::from_millis(100));
    }

    // ---- second session on the same catalog: the settings are back ------------------------
    let desktop = launch(&pre, &env, &work.join("logs-2"));
    let wd = &desktop.wd;
    wd.click("[data-testid=\"nav-settings\"]");
    wd.wait_css("[data-testid=\"settings-detection\"]", short);
    let shown = wd.js(
        "return [document.querySelector('[data-testid=\"settings-detection\"]').value, \
         document.querySelector('[data-testid=\"settings-xmp-auto\"]').checked];",
        json!([]),
    );
    assert_eq!(shown, json!(["high", true]), "settings after a restart");
    wd.screenshot(shots, "s02-settings-after-restart");

    // ---- People: name a cluster → its sidecars get the name --------------------------------
    wd.click("[data-testid=\"nav-people\"]");
    wd.wait_people_painted(short);
    let before = cards(wd);
    println!("people: {before:?}");
    assert_eq!(before[0].2, "8 photos");
    let (big, other) = (before[0].0, before[1].0);
    let named_at = Instant::now();
    wd.type_into(
        &format!("[data-testid=\"person-name-{big}\"]"),
        "Angelina Jolie\u{E007}",
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let written = loop {
        let found = sidecars_with(photos, "Angelina Jolie");
        if found.len() == 8 {
            break found;
        }
        assert!(
            Instant::now() < deadline,
            "sidecars with the name: {found:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    println!(
        "XMP auto-export: {} sidecars with the name {:.1} s after naming, e.g. {}",
        written.len(),
        named_at.elapsed().as_secs_f64(),
        written[0].display()
    );
    wd.screenshot(shots, "s03-named-with-xmp");

    // ---- drag a cluster onto another: merged; Ctrl+Z undoes ---------------------------------
    // WebKitWebDriver does not turn WebDriver pointer actions into HTML5 drag and drop (GTK
    // runs a native drag session the synthetic pointer never enters), so the drag is
    // dispatched from JS: the same DragEvents, with one DataTransfer, that a real drag fires.
    let count_is = |n: usize| {
        format!("return document.querySelectorAll('[data-testid=\"person-card\"]').length === {n};")
    };
    wd.js(
        "const [from, to] = arguments; \
         const src = document.querySelector(`[data-testid=\"person-open-${from}\"]`); \
         const dst = document.querySelector(`[data-person=\"${to}\"] .cover`); \
         const dt = new DataTransfer(); \
         window.__drag = {src, dst, dt}; \
         src.dispatchEvent(new DragEvent('dragstart', {bubbles: true, cancelable: true, dataTransfer: dt})); \
         dst.dispatchEvent(new DragEvent('dragenter', {bubbles: true, cancelable: true, dataTransfer: dt})); \
         dst.dispatchEvent(new DragEvent('dragover', {bubbles: true, cancelable: true, dataTransfer: dt}));",
        json!([other, big]),
    );
    assert_eq!(
        wd.js(
            "return document.querySelector(`[data-person=\"${arguments[0]}\"]`).classList.contains('drop-target');",
            json!([big])
        ),
        json!(true),
        "the card under the drag is shown as the drop target"
    );
    wd.screenshot(shots, "s04-drag-over");
    wd.js(
        "const {src, dst, dt} = window.__drag; \
         dst.dispatchEvent(new DragEvent('drop', {bubbles: true, cancelable: true, dataTransfer: dt})); \
         src.dispatchEvent(new DragEvent('dragend', {bubbles: true, dataTransfer: dt}));",
        json!([]),
    );
    wd.wait_for(
        "the merge by drop",
        short,
        &count_is(before.len() - 1),
        json!([]),
    );
    let merged = cards(wd);
    assert_eq!(
        merged[0],
        (big, "Angelina Jolie".into(), "11 photos".into())
    );
    assert!(merged.iter().all(|c| c.0 != other));
    wd.screenshot(shots, "s05-dropped");
    blur(wd);
    wd.ctrl_key("z", false);
    wd.wait_for("the drop undone", short, &count_is(before.len()), json!([]));
    assert!(wd.text("toast-message").unwrap().starts_with("Undone:"));

    // Probe: does a real WebDriver pointer drag reach HTML5 drag and drop here? (Printed, not
    // asserted: it depends on the WebKitWebDriver build.)
    let element = "element-6066-11e4-a52e-4f735466cecf";
    let from = wd.find(&format!("[data-testid=\"person-open-{other}\"]"));
    let to = wd.find(&format!("[data-person=\"{big}\"] .cover"));
    wd.call(
        "POST",
        "/actions",
        Some(json!({"actions": [{"type": "pointer", "id": "mouse",
            "parameters": {"pointerType": "mouse"}, "actions": [
            {"type": "pointerMove", "duration": 0, "origin": {element: from}, "x": 0, "y": 0},
            {"type": "pointerDown", "button": 0},
            {"type": "pointerMove", "duration": 200, "origin": {element: from}, "x": 20, "y": 20},
            {"type": "pointerMove", "duration": 300, "origin": {element: to}, "x": 0, "y": 0},
            {"type": "pointerMove", "duration": 100, "origin": {element: to}, "x": 5, "y": 5},
            {"type": "pointerUp", "button": 0}]}]})),
    );
    wd.call("DELETE", "/actions", None);
    std::thread::sleep(Duration::from_millis(1500));
    let after = cards(wd).len();
    println!(
        "pointer drag through WebDriver: {}",
        if after < before.len() {
            "merged (real HTML5 drag and drop)"
        } else {
            "no drop (WebKitWebDriver does not start HTML5 drags)"
        }
    );
    if after < before.len() {
        blur(wd);
        wd.ctrl_key("z", false);
        wd.wait_for(
            "the pointer drop undone",
            short,
            &count_is(before.len()),
            json!([]),
        );
    }
    // Whatever the pointer did, the person page comes from a fresh People page.
    wd.click("[data-testid=\"nav-people\"]");
    wd.wait_for("the People page", short, &count_is(before.len()), json!([]));

    // ---- Hide on two selected people is one edit: one Ctrl+Z brings both back -------------
    let shown = cards(wd);
    let pair: Vec<i64> = shown.iter().rev().take(2).map(|c| c.0).collect();
    assert_eq!(pair.len(), 2, "{shown:?}");
    for id in &pair {
        wd.click(&format!("[data-testid=\"person-select-{id}\"]"));
    }
    wd.click("[data-testid=\"hide-selected\"]");
    wd.wait_for(
        "two people hidden",
        short,
        &count_is(before.len() - 2),
        json!([]),
    );
    assert!(
        wd.text("toast-message").unwrap().contains("2 people"),
        "{:?}",
        wd.text("toast-message")
    );
    blur(wd);
    wd.ctrl_key("z", false);
    wd.wait_for(
        "both shown again by one undo",
        short,
        &count_is(before.len()),
        json!([]),
    );
    assert!(wd.text("toast-message").unwrap().starts_with("Undone:"));

    // ---- person page: select two faces, move them to a new name, undo ----------------------
    wd.click(&format!("[data-testid=\"person-open-{big}\"]"));
    let tiles_are = |n: usize| {
        format!("return document.querySelectorAll('[data-testid=\"face-tile\"]').length === {n};")
    };
    wd.wait_for("her 8 faces", short, &tiles_are(8), json!([]));
    let faces: Vec<i64> = wd
        .js(
            "return [...document.querySelectorAll('[data-testid=\"face-tile\"]')].map(t => Number(t.dataset.face));",
            json!([]),
        )
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    let pick = |f: i64| format!("[data-testid=\"face-pick-{f}\"]");
    wd.click(&pick(faces[0]));
    // Shift-click: the range from the first to the third face.
    wd.js(
        "document.querySelector(arguments[0]).dispatchEvent(new MouseEvent('click', {bubbles: true, shiftKey: true}));",
        json!([pick(faces[2])]),
    );
    assert_eq!(wd.text("faces-selected-count").unwrap(), "3 faces selected");
    wd.click(&pick(faces[1]));
    assert_eq!(wd.text("faces-selected-count").unwrap(), "2 faces selected");
    wd.screenshot(shots, "s06-faces-selected");
    wd.type_into("[data-testid=\"faces-move-name\"]", "Jane Doe");
    wd.click("[data-testid=\"faces-move\"]");
    wd.wait_for("two faces moved away", short, &tiles_are(6), json!([]));
    let toast = wd.text("toast-message").unwrap();
    println!("move toast: {toast}");
    assert!(toast.contains("Jane Doe"), "toast: {toast}");
    assert_eq!(
        wd.js(
            "return document.querySelectorAll('.face-tile.picked').length;",
            json!([])
        ),
        json!(0)
    );
    wd.screenshot(shots, "s07-moved");
    blur(wd);
    wd.ctrl_key("z", false);
    wd.wait_for("the move undone", short, &tiles_are(8), json!([]));
    // Her photos, as photos.
    wd.click("[data-testid=\"person-view-photos\"]");
    wd.wait_for(
        "her 8 photos",
        short,
        "const imgs = [...document.querySelectorAll('[data-testid=\"person-photo\"] img')]; \
         return imgs.length === 8 && imgs.every(i => i.complete && i.naturalWidth > 0);",
        json!([]),
    );
    wd.screenshot(shots, "s07b-person-photos");
    wd.click("[data-testid=\"person-view-faces\"]");
    wd.wait_for("her faces again", short, &tiles_are(8), json!([]));

    // ---- review with the keyboard -----------------------------------------------------------
    // Deterministic suggestions: obama.jpg's face becomes "Barack Obama"; re-clustered, his two
    // other faces are no cluster of their own (0.40 apart or more) but each is nearer than
    // 0.55 to him: two "Is this Barack Obama?" suggestions.
    let obama_photo = {
        let c = Catalog::open_read_only(catalog).unwrap();
        let hits = c
            .photos(&PhotoQuery {
                people: vec![other],
                from: None,
                to: None,
                limit: Some(10),
                offset: 0,
            })
            .unwrap();
        hits.iter()
            .find(|h| h.path.file_name().unwrap() == "obama.jpg")
            .unwrap()
            .photo
    };
    wd.click("[data-testid=\"person-back\"]");
    wd.click(&format!("[data-testid=\"person-open-{other}\"]"));
    wd.wait_for("his 3 faces", short, &tiles_are(3), json!([]));
    let face = wd.js(
        "return Number(document.querySelector(`[data-testid=\"face-tile\"][data-photo=\"${arguments[0]}\"]`).dataset.face);",
        json!([obama_photo]),
    );
    wd.click(&pick(face.as_i64().unwrap()));
    wd.type_into("[data-testid=\"faces-move-name\"]", "Barack Obama\u{E007}");
    wd.wait_for("one face moved to him", short, &tiles_are(2), json!([]));
    wd.click("[data-testid=\"nav-settings\"]");
    wd.click("[data-testid=\"settings-recluster\"]");
    let done = wd.wait_for(
        "the re-clustering",
        Duration::from_secs(60),
        "const e = document.querySelector('[data-testid=\"settings-reclustered\"]'); \
         return e && e.textContent.startsWith('Done') && e.textContent;",
        json!([]),
    );
    println!("re-cluster: {done}");
    wd.click("[data-testid=\"nav-people\"]");
    let obama = wd.wait_for(
        "Barack Obama with suggestions",
        short,
        "const c = [...document.querySelectorAll('[data-testid=\"person-card\"]')] \
           .find(c => c.querySelector('.name-input').value === 'Barack Obama'); \
         return c && c.querySelector('[data-testid=\"person-sub\"]').textContent.includes('2 to confirm') \
           && Number(c.dataset.person);",
        json!([]),
    );
    wd.click(&format!("[data-testid=\"person-open-{obama}\"]"));
    let suggestions_are = |n: usize| {
        format!(
            "return document.querySelectorAll('[data-testid=\"suggestions\"] [data-index]').length === {n};"
        )
    };
    wd.wait_for("two suggestions", short, &suggestions_are(2), json!([]));
    assert!(wd.text("review-hint").unwrap().contains("yes to all"));
    blur(wd);
    wd.key("k"); // → the second suggestion
    let focused = wd.js(
        "return document.activeElement && document.activeElement.dataset.index;",
        json!([]),
    );
    assert_eq!(
        focused,
        json!("1"),
        "K moves the focus to the next suggestion"
    );
    wd.screenshot(shots, "s08-review");
    wd.key("y"); // yes to the second one
    wd.wait_for("one suggestion left", short, &suggestions_are(1), json!([]));
    let focused = wd.js(
        "return document.activeElement && document.activeElement.dataset.index;",
        json!([]),
    );
    assert_eq!(focused, json!("0"), "the focus stays in the review");
    wd.key("n"); // no to the other
    wd.wait_for(
        "the review done",
        short,
        "return document.querySelector('[data-testid=\"suggestions\"]') === null && \
         document.querySelectorAll('[data-testid=\"face-tile\"]').length === 2;",
        json!([]),
    );
    wd.screenshot(shots, "s09-reviewed");

    wd.quit();
    drop(desktop);
    let _ = std::fs::remove_dir_all(work);
    println!(
        "gui_people test took {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
