//! End-to-end test of the People page's Unsorted faces view and its "Are these the same
//! person?" questions in the REAL desktop app (`likeness-desktop` in a WebKitGTK window over
//! WebDriver, like `gui_people.rs`), on the 12 indexed reference photos:
//! - Unsorted: two faces are selected (click, Ctrl-click) and named "Stranger" in one edit: the
//!   count goes down by two and Stranger is a person on the People page; Undo (the toast's
//!   button) brings the count back, and the view is the same element (refreshed in place);
//! - two faces are selected (click, Shift-click) and dismissed as "not a face" in one edit;
//!   Ctrl+Z brings them back;
//! - merge questions: the 12 photos give none by themselves (their groups are different
//!   people), so the test makes them as a user would: it names the biggest group "Anna" and
//!   moves three of her faces to "Other" on her page. "Is Other Anna?" is asked; "Not the
//!   same" answers it for good. Two more of her faces go to "Third": that question is asked,
//!   "Same person" merges Third away in one edit, and Undo brings Third back.
//!
//! Screenshots `u01-…` to `u14-…` go to `target/gui-screenshots/`.
//!
//! A missing prerequisite (tauri-driver, WebKitWebDriver, Xvfb, the shared photos) fails the
//! test (`likeness_testdata::skip_or_fail`; `LIKENESS_ALLOW_SKIP=1` makes it a skip outside CI).
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use likeness_webdriver::{cards, Desktop, Prerequisites, TestLibrary, WebDriver};
use serde_json::{json, Value};

const SHORT: Duration = Duration::from_secs(20);

fn blur(wd: &WebDriver) {
    wd.js(
        "document.activeElement && document.activeElement.blur();",
        json!([]),
    );
}

/// Clicks `css` from JS with modifier keys held (`{ctrlKey: true}`, `{shiftKey: true}`).
fn click_with(wd: &WebDriver, css: &str, modifiers: Value) {
    wd.js(
        "const e = document.querySelector(arguments[0]); \
         e.dispatchEvent(new MouseEvent('click', Object.assign({bubbles: true, cancelable: true}, arguments[1])));",
        json!([css, modifiers]),
    );
}

/// The Unsorted view's total once its faces are shown (the grid's `data-total`).
fn wait_unsorted_total(wd: &WebDriver, what: &str, want: Option<u64>) -> u64 {
    wd.wait_for(
        what,
        SHORT,
        "const g = document.querySelector('[data-testid=\"unsorted-grid\"]'); \
         if (!g || !g.isConnected || g.dataset.total === undefined) return null; \
         const total = Number(g.dataset.total); \
         const tiles = document.querySelectorAll('[data-testid=\"unsorted-face\"]').length; \
         if (tiles !== Math.min(total, 200)) return null; \
         return (arguments[0] === null || total === arguments[0]) ? String(total) : null;",
        json!([want]),
    )
    .as_str()
    .unwrap()
    .parse()
    .unwrap()
}

/// The face ids of the Unsorted view, in page order.
fn unsorted_faces(wd: &WebDriver) -> Vec<i64> {
    wd.js(
        "return [...document.querySelectorAll('[data-testid=\"unsorted-face\"]')].map(t => Number(t.dataset.face));",
        json!([]),
    )
    .as_array()
    .unwrap()
    .iter()
    .map(|v| v.as_i64().unwrap())
    .collect()
}

/// The person card named `name` (its id), once the People grid shows it.
fn wait_card_named(wd: &WebDriver, name: &str) -> i64 {
    wd.wait_for(
        &format!("a card named {name}"),
        SHORT,
        "const c = [...document.querySelectorAll('[data-testid=\"person-card\"]')] \
           .find(c => c.querySelector('.name-input').value === arguments[0]); \
         return c ? Number(c.dataset.person) : null;",
        json!([name]),
    )
    .as_i64()
    .unwrap()
}

/// The merge questions shown: `(from, into)` person ids.
fn merge_pairs(wd: &WebDriver) -> Vec<(i64, i64)> {
    wd.js(
        "const s = document.querySelector('[data-testid=\"merge-suggestions\"]'); \
         if (!s || s.hidden) return []; \
         return [...s.querySelectorAll('[data-testid=\"merge-suggestion\"]')] \
           .map(c => [Number(c.dataset.from), Number(c.dataset.into)]);",
        json!([]),
    )
    .as_array()
    .unwrap()
    .iter()
    .map(|p| (p[0].as_i64().unwrap(), p[1].as_i64().unwrap()))
    .collect()
}

/// Waits for a merge question that merges `from` away; returns its `into`.
fn wait_merge_from(wd: &WebDriver, from: i64) -> i64 {
    wd.wait_for(
        &format!("a merge question for person {from}"),
        SHORT,
        "const s = document.querySelector('[data-testid=\"merge-suggestions\"]'); \
         const c = s && !s.hidden && s.querySelector(`[data-testid=\"merge-suggestion\"][data-from=\"${arguments[0]}\"]`); \
         return c ? Number(c.dataset.into) : null;",
        json!([from]),
    )
    .as_i64()
    .unwrap()
}

fn face_tiles(wd: &WebDriver) -> Vec<i64> {
    wd.js(
        "return [...document.querySelectorAll('[data-testid=\"face-tile\"]')].map(t => Number(t.dataset.face));",
        json!([]),
    )
    .as_array()
    .unwrap()
    .iter()
    .map(|v| v.as_i64().unwrap())
    .collect()
}

fn tiles_are(n: usize) -> String {
    format!("return document.querySelectorAll('[data-testid=\"face-tile\"]').length === {n};")
}

/// On person `person`'s page: moves their first `n` faces (click the first, Shift-click the
/// n-th) to `name`, then goes back to the People grid.
fn split_off(wd: &WebDriver, person: i64, had: usize, n: usize, name: &str) {
    wd.click(&format!("[data-testid=\"person-open-{person}\"]"));
    wd.wait_for(
        &format!("{had} faces on the person page"),
        SHORT,
        &tiles_are(had),
        json!([]),
    );
    let faces = face_tiles(wd);
    let pick = |f: i64| format!("[data-testid=\"face-pick-{f}\"]");
    wd.click(&pick(faces[0]));
    click_with(wd, &pick(faces[n - 1]), json!({"shiftKey": true}));
    assert_eq!(
        wd.text("faces-selected-count").unwrap(),
        format!("{n} faces selected")
    );
    wd.type_into(
        "[data-testid=\"faces-move-name\"]",
        &format!("{name}\u{E007}"),
    );
    wd.wait_for(
        &format!("{n} faces moved to {name}"),
        SHORT,
        &tiles_are(had - n),
        json!([]),
    );
    wd.click("[data-testid=\"person-back\"]");
    wd.wait_people_painted(SHORT);
}

#[test]
fn unsorted_faces_named_and_dismissed_and_merge_questions_answered_in_the_real_window() {
    let Some(lib) = TestLibrary::new("gui-unsorted") else {
        return;
    };
    let Some(pre) = Prerequisites::find() else {
        return;
    };
    let started = Instant::now();
    let (shots, work) = (&lib.shots, &lib.work);
    let env = lib.env();
    let app = PathBuf::from(env!("CARGO_BIN_EXE_likeness-desktop"));
    let desktop = Desktop::launch(&pre, &app, &env, &work.join("logs"));
    let wd = &desktop.wd;

    wd.click("[data-testid=\"add-folder\"]");
    let done = wd.wait_indexing_done();
    assert!(done.starts_with("Done: 12 photos indexed"), "{done}");
    wd.click("[data-testid=\"nav-people\"]");
    wd.wait_people_painted(SHORT);
    let people = cards(wd);
    println!("people: {people:?}");
    // The tab says how many faces are unsorted.
    let tab = wd.wait_for(
        "the unsorted count on the tab",
        SHORT,
        "const c = document.querySelector('[data-testid=\"unsorted-tab-count\"]'); \
         return c && c.textContent;",
        json!([]),
    );
    println!(
        "unsorted tab count: {tab}; merge questions at first: {:?}",
        merge_pairs(wd)
    );
    wd.screenshot(shots, "u01-people");
    let tab_at = || {
        wd.js(
            "const r = document.querySelector('[data-testid=\"unsorted-tab\"]').getBoundingClientRect(); \
             const g = document.querySelector('.face-grid, .people-grid').getBoundingClientRect(); \
             return [Math.round(r.left), Math.round(r.top), Math.round(g.top)];",
            json!([]),
        )
    };
    let on_people = tab_at();

    // ---- (a) Unsorted: select two faces, name them, undo ------------------------------------
    wd.click("[data-testid=\"unsorted-tab\"]");
    wd.wait_css("[data-testid=\"unsorted-view\"]", SHORT);
    let total = wait_unsorted_total(wd, "the unsorted faces", None);
    assert_eq!(tab.as_str().unwrap(), total.to_string());
    let on_unsorted = tab_at();
    assert_eq!(
        (&on_people[0], &on_people[1]),
        (&on_unsorted[0], &on_unsorted[1]),
        "the switch stays in place: {on_people} vs {on_unsorted}"
    );
    println!(
        "grid tops: people {} / unsorted {}",
        on_people[2], on_unsorted[2]
    );
    let faces = unsorted_faces(wd);
    let info = wd.js(
        "return {low: document.querySelectorAll('[data-testid=\"unsorted-low-quality\"]').length, \
         hints: [...document.querySelectorAll('[data-testid=\"unsorted-hint\"]')].map(e => e.textContent), \
         count: document.querySelector('[data-testid=\"unsorted-count\"]').textContent};",
        json!([]),
    );
    println!("unsorted: {total} faces {faces:?}, {info}");
    assert!(total >= 2, "the 12 photos have faces in no person: {total}");
    assert_eq!(
        info["count"].as_str().unwrap(),
        format!("{total} unsorted faces")
    );
    wd.screenshot(shots, "u02-unsorted");
    // The view is refreshed in place after edits: the same element all along.
    wd.js(
        "window.__unsortedView = document.querySelector('[data-testid=\"unsorted-view\"]');",
        json!([]),
    );
    let pick = |f: i64| format!("[data-testid=\"unsorted-pick-{f}\"]");
    wd.click(&pick(faces[0]));
    click_with(wd, &pick(faces[1]), json!({"ctrlKey": true}));
    assert_eq!(
        wd.text("unsorted-selected-count").unwrap(),
        "2 faces selected"
    );
    wd.type_into("[data-testid=\"unsorted-name-input\"]", "Stranger");
    wd.screenshot(shots, "u03-unsorted-selected");
    wd.click("[data-testid=\"unsorted-name\"]");
    wait_unsorted_total(wd, "two faces named", Some(total - 2));
    let toast = wd.text("toast-message").unwrap();
    println!("name toast: {toast}");
    assert!(toast.contains("Stranger"), "{toast}");
    assert!(!unsorted_faces(wd).contains(&faces[0]));
    assert_eq!(
        wd.js(
            "return document.querySelector('[data-testid=\"unsorted-view\"]') === window.__unsortedView \
               && document.querySelectorAll('.unsorted-tile.picked').length === 0 \
               && document.querySelector('[data-testid=\"unsorted-name-input\"]').value === '';",
            json!([])
        ),
        json!(true),
        "the view is refreshed in place, the selection and the field emptied"
    );
    wd.screenshot(shots, "u04-named");
    // Stranger is a person now (2 faces, maybe on one photo).
    wd.click("[data-testid=\"people-tab\"]");
    let stranger = wait_card_named(wd, "Stranger");
    println!("Stranger is person {stranger}");
    wd.screenshot(shots, "u05-stranger-on-people");
    // Undo (the toast's button): Stranger goes, the faces are unsorted again.
    wd.click("[data-testid=\"toast-action\"]");
    wd.wait_for(
        "Stranger undone",
        SHORT,
        "return ![...document.querySelectorAll('[data-testid=\"person-card\"] .name-input')].some(i => i.value === 'Stranger');",
        json!([]),
    );
    assert!(wd.text("toast-message").unwrap().starts_with("Undone:"));
    wd.click("[data-testid=\"unsorted-tab\"]");
    wait_unsorted_total(wd, "the named faces unsorted again", Some(total));
    assert!(unsorted_faces(wd).contains(&faces[0]));
    assert_eq!(
        wd.js(
            "return document.querySelector('[data-testid=\"unsorted-view\"]') === window.__unsortedView;",
            json!([])
        ),
        json!(true),
        "the Unsorted view is kept while the People screen is"
    );

    // ---- (b) dismiss two faces in bulk (click, Shift-click), Ctrl+Z ------------------------
    let faces = unsorted_faces(wd);
    wd.click(&pick(faces[0]));
    click_with(wd, &pick(faces[1]), json!({"shiftKey": true}));
    assert_eq!(
        wd.text("unsorted-selected-count").unwrap(),
        "2 faces selected"
    );
    wd.screenshot(shots, "u06-dismiss-selected");
    wd.click("[data-testid=\"unsorted-dismiss\"]");
    wait_unsorted_total(wd, "two faces dismissed", Some(total - 2));
    let toast = wd.text("toast-message").unwrap();
    println!("dismiss toast: {toast}");
    assert!(toast.contains('2'), "{toast}");
    wd.screenshot(shots, "u07-dismissed");
    blur(wd);
    wd.ctrl_key("z", false);
    wait_unsorted_total(wd, "the dismissal undone", Some(total));
    assert!(wd.text("toast-message").unwrap().starts_with("Undone:"));

    // ---- (c) merge questions ------------------------------------------------------------------
    wd.click("[data-testid=\"people-tab\"]");
    wd.wait_people_painted(SHORT);
    let before = cards(wd);
    let (anna, anna_faces) = (before[0].0, 8usize);
    assert_eq!(before[0].2, "8 photos", "{before:?}");
    wd.name_card(anna, "Anna");
    // Three of her faces become "Other": "Are Other and Anna the same person?".
    split_off(wd, anna, anna_faces, 3, "Other");
    let other = wait_card_named(wd, "Other");
    let into = wait_merge_from(wd, other);
    assert_eq!(into, anna, "Other would be merged into Anna");
    let question = wd.js(
        "const c = document.querySelector(`[data-testid=\"merge-suggestion\"][data-from=\"${arguments[0]}\"]`); \
         return {label: c.getAttribute('aria-label'), text: c.innerText, \
           faces: [...c.querySelectorAll('img.merge-face')].map(i => i.complete && i.naturalWidth > 0)};",
        json!([other]),
    );
    println!("question: {question}");
    assert_eq!(
        question["label"],
        "Are Other (3 photos) and Anna (5 photos) the same person?"
    );
    assert_eq!(
        question["faces"],
        json!([true, true]),
        "both cover faces show"
    );
    wd.screenshot(shots, "u08-merge-question");
    // "Not the same": the question goes, for good.
    click_in_question(wd, other, "merge-no");
    wd.wait_for(
        "the question answered",
        SHORT,
        "return !document.querySelector(`[data-testid=\"merge-suggestion\"][data-from=\"${arguments[0]}\"]`);",
        json!([other]),
    );
    let toast = wd.text("toast-message").unwrap();
    println!("not-the-same toast: {toast}");
    assert!(
        !wd.text("toast-message").unwrap().starts_with("Undone"),
        "{toast}"
    );
    wd.screenshot(shots, "u09-declined");
    // Two more of her faces become "Third": a question about Third.
    split_off(wd, anna, anna_faces - 3, 2, "Third");
    let third = wait_card_named(wd, "Third");
    let third_into = wait_merge_from(wd, third);
    let pairs = merge_pairs(wd);
    println!("questions after the second split: {pairs:?}");
    assert!(
        !pairs.contains(&(other, anna)) && !pairs.contains(&(anna, other)),
        "Other and Anna are never asked about again: {pairs:?}"
    );
    assert!(third_into == anna || third_into == other, "{pairs:?}");
    wd.screenshot(shots, "u10-second-question");
    // "Same person": one merge, Third is gone; Undo brings Third back.
    let count_before = cards(wd).len();
    click_in_question(wd, third, "merge-yes");
    wd.wait_for(
        "Third merged away",
        SHORT,
        "return !document.querySelector(`[data-person=\"${arguments[0]}\"]`) && \
           !document.querySelector(`[data-testid=\"merge-suggestion\"][data-from=\"${arguments[0]}\"]`);",
        json!([third]),
    );
    let after = cards(wd);
    assert_eq!(after.len(), count_before - 1, "{after:?}");
    let kept = after.iter().find(|c| c.0 == third_into).unwrap();
    println!("merged: {kept:?}; toast: {:?}", wd.text("toast-message"));
    wd.screenshot(shots, "u11-accepted");
    wd.click("[data-testid=\"toast-action\"]");
    wait_card_named(wd, "Third");
    wait_merge_from(wd, third);
    assert!(wd.text("toast-message").unwrap().starts_with("Undone:"));
    wd.screenshot(shots, "u12-accept-undone");

    // A question's face opens that person's page.
    click_in_question(wd, third, "merge-open-from");
    wd.wait_for(
        "Third's page",
        SHORT,
        "const t = document.querySelector('[data-testid=\"person-title\"]'); return t && t.textContent === 'Third';",
        json!([]),
    );
    wd.wait_for("Third's 2 faces", SHORT, &tiles_are(2), json!([]));
    wd.screenshot(shots, "u13-opened-from-question");

    wd.quit();
    drop(desktop);
    let _ = std::fs::remove_dir_all(work);
    println!(
        "gui_unsorted test took {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// Clicks the button `testid` of the merge question about person `from`.
fn click_in_question(wd: &WebDriver, from: i64, testid: &str) {
    wd.click(&format!(
        "[data-testid=\"merge-suggestion\"][data-from=\"{from}\"] [data-testid=\"{testid}\"]"
    ));
}
