//! End-to-end test of live mode in the REAL desktop app (`likeness-desktop` in a WebKitGTK
//! window over WebDriver, like `gui.rs`): while the user is half-way through typing a name into
//! a person card, a new photo arrives in the watched folder; the app indexes it and refreshes
//! the People page (the big cluster's count changes), and the card keeps the half-typed text
//! and the focus — the page is refreshed by key, not rebuilt. Typing on then saves the name.
//! Screenshots `l01-…` to `l03-…` go to `target/gui-screenshots/`.
//!
//! A missing prerequisite (tauri-driver, WebKitWebDriver, Xvfb, the shared photos) fails the
//! test (`likeness_testdata::skip_or_fail`; `LIKENESS_ALLOW_SKIP=1` makes it a skip outside CI).
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::path::PathBuf;
use std::time::Duration;

use likeness_webdriver::{cards, Desktop, Prerequisites, TestLibrary, WebDriver};
use serde_json::{json, Value};

/// Types `text` into whatever has the focus (Actions API: no element is focused first, so the
/// keys land only where the focus really is).
fn type_keys(wd: &WebDriver, text: &str) {
    let actions: Vec<Value> = text
        .chars()
        .flat_map(|c| {
            let k = c.to_string();
            [
                json!({"type": "keyDown", "value": k}),
                json!({"type": "keyUp", "value": k}),
            ]
        })
        .collect();
    wd.call(
        "POST",
        "/actions",
        Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})),
    );
    wd.call("DELETE", "/actions", None);
}

/// The name field of `person`: its value, whether it has the focus, and the page's scroll.
fn field(wd: &WebDriver, person: i64) -> Value {
    wd.js(
        "const e = document.querySelector(`[data-testid=\"person-name-${arguments[0]}\"]`); \
         const a = document.activeElement; \
         return {exists: !!e, value: e ? e.value : null, focused: !!e && a === e, \
         active: a ? (a.dataset.testid || a.tagName) : null};",
        json!([person]),
    )
}

#[test]
fn a_half_typed_name_survives_a_live_refresh_in_the_real_window() {
    let Some(lib) = TestLibrary::new("gui-live") else {
        return;
    };
    let Some(pre) = Prerequisites::find() else {
        return;
    };
    let new_photo = lib.reference.join("images/deepface_testset/img11.jpg");
    if !new_photo.is_file() {
        likeness_testdata::skip_or_fail(&format!(
            "gui_live: the reference photo {} is missing",
            new_photo.display()
        ));
        return;
    }
    let (shots, work, photos) = (&lib.shots, &lib.work, &lib.photos);
    let env = lib.env();
    let short = Duration::from_secs(20);

    let app = PathBuf::from(env!("CARGO_BIN_EXE_likeness-desktop"));
    let desktop = Desktop::launch(&pre, &app, &env, &work.join("logs"));
    let wd = &desktop.wd;
    wd.click("[data-testid=\"add-folder\"]");
    let done = wd.wait_indexing_done();
    assert!(done.starts_with("Done: 12 photos indexed"), "{done}");

    // Live mode follows a finished run.
    wd.click("[data-testid=\"nav-people\"]");
    wd.wait_watching(short);
    wd.wait_people_painted(short);
    let before = cards(wd);
    println!("people before: {before:?}");
    assert_eq!(before[0].2, "8 photos", "the big cluster first");
    assert!(before.iter().all(|c| c.1.is_empty()), "nobody named yet");
    let big = before[0].0;
    // The second card (Obama, 3 photos): unnamed, and not the one the new photo joins.
    let (person, _, sub) = before[1].clone();
    println!("typing into person {person} ({sub})");

    // Click into the name field and type half a name.
    let input = format!("[data-testid=\"person-name-{person}\"]");
    wd.click(&input);
    type_keys(wd, "Barack O");
    let typed = field(wd, person);
    assert_eq!(typed["value"], "Barack O", "{typed}");
    assert_eq!(typed["focused"], true, "{typed}");
    // Mark the card's DOM node: a keyed refresh keeps it, a rebuild loses the mark.
    wd.js(
        "document.querySelector(`[data-person=\"${arguments[0]}\"]`).__kept = true;",
        json!([person]),
    );
    wd.screenshot(shots, "l01-half-typed");

    // A new photo of the big cluster's woman arrives in the watched folder.
    std::fs::copy(&new_photo, photos.join("img11.jpg")).unwrap();
    let sub = wd.wait_card_sub_changes(
        "the new photo to be indexed and the People page refreshed",
        big,
        "8 photos",
        Duration::from_secs(90),
    );
    println!("the big cluster after the new photo: {sub}");
    assert!(
        sub == json!("9 photos") || sub == json!("8 photos · 1 to confirm"),
        "{sub}"
    );
    // The "clustered" event that follows "indexed" refreshes once more: let it land.
    std::thread::sleep(Duration::from_secs(3));
    let after = field(wd, person);
    println!("the field after the refresh: {after}");
    wd.screenshot(shots, "l02-after-live-refresh");
    assert_eq!(
        after["value"], "Barack O",
        "the half-typed name was lost by the refresh: {after}"
    );
    assert_eq!(
        after["focused"], true,
        "the name field lost the focus in the refresh: {after}"
    );
    assert_eq!(
        wd.js(
            "const c = document.querySelector(`[data-person=\"${arguments[0]}\"]`); return !!c && c.__kept === true;",
            json!([person])
        ),
        json!(true),
        "the card was rebuilt instead of updated in place"
    );

    // Finish the name (keys go to the focused field) and Enter: it is saved.
    type_keys(wd, "bama\u{E007}");
    wd.wait_for(
        "the name to stick",
        short,
        "const e = document.querySelector(`[data-testid=\"person-name-${arguments[0]}\"]`); \
         return e && e.value === 'Barack Obama' && document.activeElement !== e;",
        json!([person]),
    );
    // Saved in the catalog: leave People and come back (a fresh load).
    wd.click("[data-testid=\"nav-photos\"]");
    wd.wait_css("[data-screen=\"photos\"]", short);
    wd.click("[data-testid=\"nav-people\"]");
    wd.wait_for(
        "the People page again, with the name",
        short,
        "const e = document.querySelector(`[data-testid=\"person-name-${arguments[0]}\"]`); \
         return e && e.value === 'Barack Obama';",
        json!([person]),
    );
    let named = cards(wd);
    println!("people after naming: {named:?}");
    assert!(named.iter().any(|c| c.0 == person && c.1 == "Barack Obama"));
    wd.screenshot(shots, "l03-named");

    wd.quit();
}
