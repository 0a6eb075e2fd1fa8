//! End-to-end test of the desktop app: the REAL `likeness-desktop` binary in a real WebKitGTK
//! window, driven over WebDriver (`tauri-driver` → `WebKitWebDriver`), under an Xvfb display
//! the test starts itself when `DISPLAY` is unset. It adds a folder of reference photos (and
//! one damaged file) through the UI, waits for indexing in the progress panel (pause/resume,
//! the failed-files list), names a cluster on the People page, merges two people, undoes and
//! redoes (toast button and Ctrl+Z / Ctrl+Shift+Z), filters, hides and unhides, rejects a face
//! and marks one "not a face" on the person page, searches one and two people and a date
//! range, opens a result in the viewer, and sees a photo dropped into the folder join her —
//! asserting on what the window shows — and saves a screenshot of every screen to
//! `target/gui-screenshots/`. `gui_photos.rs` and `gui_people.rs` cover the other screens.
//!
//! A missing prerequisite (tauri-driver, WebKitWebDriver, Xvfb, the shared photos) fails the
//! test (`likeness_testdata::skip_or_fail`; `LIKENESS_ALLOW_SKIP=1` makes it a skip outside CI).
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use likeness_webdriver::{cards, Desktop, Prerequisites, TestLibrary};
use serde_json::json;

#[test]
fn first_run_index_name_merge_undo_in_the_real_window() {
    let Some(lib) = TestLibrary::new("gui") else {
        return;
    };
    let Some(pre) = Prerequisites::find() else {
        return;
    };
    let started = Instant::now();
    let (reference, shots, work, photos) = (&lib.reference, &lib.shots, &lib.work, &lib.photos);
    // One damaged photo (a JPEG header, then garbage): a recorded failure, listed in the
    // progress panel. (A JPEG merely cut short still decodes, grey below the cut.)
    let mut damaged = vec![0xFF, 0xD8, 0xFF, 0xE0];
    damaged.extend(b"this is not a photo".repeat(50));
    std::fs::write(photos.join("damaged.jpg"), damaged).unwrap();
    let app = PathBuf::from(env!("CARGO_BIN_EXE_likeness-desktop"));
    let desktop = Desktop::launch(&pre, &app, &lib.env(), work);
    let wd = &desktop.wd;
    let short = Duration::from_secs(20);

    // First run: the welcome screen with "Add folder…".
    wd.wait_for(
        "the first-run screen",
        short,
        "return document.querySelector('[data-testid=\"empty-state\"]') !== null;",
        json!([]),
    );
    wd.screenshot(shots, "01-first-run");

    // Add folder → indexing starts at once; the progress panel follows it to the end.
    wd.click("[data-testid=\"add-folder\"]");
    wd.wait_for(
        "the progress panel",
        short,
        "const p = document.querySelector('[data-testid=\"progress-panel\"]'); \
         return p && !p.hidden && p.dataset.state;",
        json!([]),
    );
    wd.screenshot(shots, "02-indexing");
    // Pause and resume while it runs (12 photos take a few seconds: the run may be over first).
    // Past the model loading, where Pause is disabled.
    let state = wd.wait_for(
        "the run past loading",
        short,
        "const s = document.querySelector('[data-testid=\"progress-panel\"]').dataset.state; \
         return s !== 'loading' && s;",
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
            wd.screenshot(shots, "02-paused");
            wd.click("[data-testid=\"index-resume\"]");
        }
        println!("pause while indexing: {state}");
    }
    let headline = wd.wait_indexing_done();
    assert!(
        headline.starts_with("Done: 12 photos indexed"),
        "headline: {headline}"
    );
    let faces: u64 = wd.text("progress-faces").unwrap().parse().unwrap();
    assert!(faces >= 11, "faces found: {faces}");
    // The damaged photo: one error, and the button opens the list of failed files.
    assert_eq!(wd.text("progress-errors").unwrap(), "1");
    wd.click("[data-testid=\"progress-errors\"]");
    let failure = wd.wait_for(
        "the failed files list",
        short,
        "const l = document.querySelector('[data-testid=\"progress-failures\"]'); \
         const f = document.querySelector('[data-testid=\"failure\"]'); \
         return l && !l.hidden && f && f.textContent;",
        json!([]),
    );
    println!("failure listed: {failure}");
    assert!(
        failure.as_str().unwrap().contains("damaged.jpg"),
        "{failure}"
    );
    wd.screenshot(shots, "03-failed-files");
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
         return e && e.textContent.startsWith('12 photos') && e.textContent.endsWith('1 file failed');",
        json!([]),
    );
    wd.screenshot(shots, "03-indexed");

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
    let before = cards(wd);
    println!("people: {before:?}");
    assert!(before.iter().all(|(_, name, _)| name.is_empty()));
    assert_eq!(before[0].2, "8 photos", "biggest cluster first");
    wd.screenshot(shots, "04-people");

    // Name the biggest cluster inline.
    let (big, _, _) = before[0].clone();
    wd.name_card(big, "Angelina Jolie");
    let toast = wd.text("toast-message").unwrap();
    assert!(toast.contains("Angelina Jolie"), "toast: {toast}");
    wd.screenshot(shots, "05-named");

    // Merge the second cluster into her: select both, Merge.
    let (other, _, _) = before[1].clone();
    wd.click(&format!("[data-testid=\"person-select-{big}\"]"));
    wd.click(&format!("[data-testid=\"person-select-{other}\"]"));
    assert_eq!(wd.text("selected-count").unwrap(), "2 selected");
    wd.screenshot(shots, "06-selected");
    wd.click("[data-testid=\"merge-selected\"]");
    let count_is = |n: usize| {
        format!(
            "return document.querySelectorAll('[data-testid=\"person-card\"]').length === {n} \
             && document.querySelector('[data-testid=\"selection-bar\"]').hidden;"
        )
    };
    wd.wait_for("the merge", short, &count_is(before.len() - 1), json!([]));
    let merged = cards(wd);
    assert_eq!(merged[0].0, big);
    assert_eq!(merged[0].1, "Angelina Jolie");
    assert_eq!(merged[0].2, "11 photos");
    assert!(merged.iter().all(|c| c.0 != other));
    wd.screenshot(shots, "07-merged");

    // Undo from the toast: both people are back as they were.
    wd.click("[data-testid=\"toast-action\"]");
    wd.wait_for("the undo", short, &count_is(before.len()), json!([]));
    let undone = cards(wd);
    assert_eq!(undone[0], (big, "Angelina Jolie".into(), "8 photos".into()));
    assert!(undone.iter().any(|c| c.0 == other && c.1.is_empty()));
    assert!(wd.text("toast-message").unwrap().starts_with("Undone:"));
    wd.screenshot(shots, "08-undone");

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
    assert_eq!(cards(wd)[0].2, "11 photos");
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

    // The filter box: only the people whose name matches.
    let set_filter = |text: &str| {
        wd.js(
            "const f = document.querySelector('[data-testid=\"people-filter\"]'); \
             f.value = arguments[0]; f.dispatchEvent(new Event('input', {bubbles: true}));",
            json!([text]),
        );
    };
    set_filter("angel");
    wd.wait_for(
        "the filter",
        short,
        "const c = [...document.querySelectorAll('[data-testid=\"person-card\"]')]; \
         return c.length === 1 && c[0].dataset.person === String(arguments[0]);",
        json!([big]),
    );
    wd.screenshot(shots, "08b-filtered");
    set_filter("");
    wd.wait_for(
        "the filter cleared",
        short,
        &count_is(before.len()),
        json!([]),
    );

    // Hide the other person: gone from the page, back with "Show hidden", unhidden by Ctrl+Z.
    wd.click(&format!("[data-testid=\"person-select-{other}\"]"));
    wd.click("[data-testid=\"hide-selected\"]");
    wd.wait_for("the hide", short, &count_is(before.len() - 1), json!([]));
    assert!(cards(wd).iter().all(|c| c.0 != other));
    wd.click("[data-testid=\"show-hidden\"]");
    wd.wait_for(
        "the hidden person shown",
        short,
        "return document.querySelector(`[data-testid=\"person-card\"][data-person=\"${arguments[0]}\"]`) !== null;",
        json!([other]),
    );
    wd.screenshot(shots, "08c-hidden-shown");
    wd.click("[data-testid=\"show-hidden\"]");
    wd.wait_for(
        "the hidden person gone again",
        short,
        &count_is(before.len() - 1),
        json!([]),
    );
    wd.js(
        "document.activeElement && document.activeElement.blur();",
        json!([]),
    );
    wd.ctrl_key("z", false);
    wd.wait_for("the hide undone", short, &count_is(before.len()), json!([]));
    assert!(cards(wd).iter().any(|c| c.0 == other));

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
    wd.screenshot(shots, "09-person");

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
    wd.screenshot(shots, "10-rejected");
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
    wd.screenshot(shots, "11-search");
    // A date range: nothing of hers before 1990; cleared, her 8 photos again.
    let set_date = |key: &str, value: &str| {
        wd.js(
            "const i = document.querySelector(`[data-testid=\"search-${arguments[0]}\"]`); \
             i.value = arguments[1]; i.dispatchEvent(new Event('change', {bubbles: true}));",
            json!([key, value]),
        );
    };
    set_date("to", "1990-01-01");
    wd.wait_for(
        "no photos before 1990",
        short,
        &hits_are("No photos.", 0),
        json!([]),
    );
    set_date("to", "");
    wd.wait_for(
        "her photos again",
        short,
        &hits_are("8 photos", 8),
        json!([]),
    );
    // A result opens the viewer, upright with her face boxes; Esc closes it.
    wd.click("[data-testid=\"search-hit\"]");
    wd.wait_for(
        "the viewer over a search result",
        short,
        "const v = document.querySelector('[data-testid=\"viewer\"]'); \
         const i = document.querySelector('[data-testid=\"viewer-image\"]'); \
         return v && i && i.complete && i.naturalWidth > 0 && \
           document.querySelectorAll('[data-testid=\"viewer-face\"]').length > 0;",
        json!([]),
    );
    wd.screenshot(shots, "11b-search-viewer");
    wd.key("\u{E00C}");
    wd.wait_for(
        "the viewer closed",
        short,
        "return document.querySelector('[data-testid=\"viewer\"]') === null;",
        json!([]),
    );
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
    wd.wait_watching(short);
    std::fs::copy(
        reference.join("images/deepface_testset/img11.jpg"),
        photos.join("img11.jpg"),
    )
    .unwrap();
    let sub = wd.wait_card_sub_changes(
        "the new photo to join her",
        big,
        "8 photos",
        Duration::from_secs(60),
    );
    println!("after a new photo: {sub}");
    assert!(
        sub == json!("9 photos") || sub == json!("8 photos · 1 to confirm"),
        "{sub}"
    );
    wd.screenshot(shots, "12-live");

    wd.quit();
    let _ = std::fs::remove_dir_all(work);
    println!("gui test took {:.1} s", started.elapsed().as_secs_f64());
}
