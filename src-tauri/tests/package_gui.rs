//! The installed desktop app, not the development build: the Debian package `scripts/package.sh`
//! made (scripts/test.sh builds it first) is extracted with `dpkg-deb -x` into a scratch
//! prefix, and its `likeness-desktop` is started in a real WebKitGTK window over WebDriver, as
//! a new user: an empty HOME, none of this checkout's LIKENESS_* variables. The app must find
//! its own runtime and models, and a person goes from the first screen to named people with one
//! folder choice (the folder dialog answers through `$LIKENESS_PICK_FOLDER`: a native dialog
//! cannot be driven over WebDriver). The name survives a restart. A package with a damaged
//! model, or without its runtime, shows the full-window set-up message and keeps running.
//! Screenshots: `target/gui-screenshots/package-*.png`.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::path::PathBuf;
use std::time::Duration;

use likeness_testdata::{copy_tree, extract_package, package_deb, repo_root};
use likeness_webdriver::{cards, os, Desktop, Prerequisites};
use serde_json::json;

struct Scratch {
    app: PathBuf,
    home: PathBuf,
    photos: PathBuf,
    shots: PathBuf,
    work: PathBuf,
    prefix: PathBuf,
}

fn scratch(name: &str) -> Option<Scratch> {
    let deb = package_deb()?;
    let reference = likeness_testdata::reference_dir()?;
    // Outside this checkout: a program walking up from the package must not find the
    // checkout's models/ (it would, from target/).
    let work = std::env::temp_dir().join(format!("likeness-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let prefix = work.join("root");
    extract_package(&deb, &prefix);
    let home = work.join("home");
    std::fs::create_dir_all(&home).unwrap();
    // All 82 reference photos (the target: from install to people on them).
    let photos = work.join("Pictures");
    copy_tree(&reference.join("images"), &photos);
    let shots = repo_root().join("target/gui-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    Some(Scratch {
        app: prefix.join("usr/bin/likeness-desktop"),
        home,
        photos,
        shots,
        work,
        prefix,
    })
}

impl Scratch {
    fn env(&self) -> Vec<(&'static str, std::ffi::OsString)> {
        vec![
            ("HOME", os(&self.home)),
            ("LIKENESS_PICK_FOLDER", os(&self.photos)),
        ]
    }

    fn launch(&self, pre: &Prerequisites, logs: &str) -> Desktop {
        Desktop::launch_clean(pre, &self.app, &self.env(), &self.work.join(logs))
    }
}

#[test]
fn the_packaged_app_goes_from_one_folder_choice_to_named_people_and_keeps_them() {
    let Some(s) = scratch("package-gui") else {
        return;
    };
    let Some(pre) = Prerequisites::find() else {
        return;
    };
    let short = Duration::from_secs(30);
    {
        let desktop = s.launch(&pre, "logs1");
        let wd = &desktop.wd;
        // First start on a clean account: the welcome screen, no set-up message.
        wd.wait_for(
            "the first-run screen",
            short,
            "return document.querySelector('[data-testid=\"empty-state\"]') !== null;",
            json!([]),
        );
        assert_eq!(
            wd.js(
                "return document.querySelector('[data-testid=\"setup-problem\"]') === null;",
                json!([])
            ),
            json!(true),
            "the package's runtime and models are found"
        );
        wd.screenshot(&s.shots, "package-01-first-start");

        // The one step: choose a folder. Indexing starts by itself.
        let clicked = std::time::Instant::now();
        wd.click("[data-testid=\"add-folder\"]");
        let headline = wd.wait_indexing_done();
        println!("packaged app: {headline}");
        assert!(
            headline.starts_with("Done: 82 photos indexed"),
            "headline: {headline}"
        );
        wd.screenshot(&s.shots, "package-02-indexed");

        wd.click("[data-testid=\"nav-people\"]");
        wd.wait_for(
            "people cards",
            short,
            "return document.querySelectorAll('[data-testid=\"person-card\"]').length >= 5;",
            json!([]),
        );
        println!(
            "folder chosen → people on screen: {:.1} s",
            clicked.elapsed().as_secs_f64()
        );
        let people = cards(wd);
        println!("people: {people:?}");
        wd.screenshot(&s.shots, "package-03-people");
        wd.name_card(people[0].0, "Angelina Jolie");
        let named = cards(wd);
        assert!(named.iter().any(|c| c.1 == "Angelina Jolie"), "{named:?}");
        wd.screenshot(&s.shots, "package-04-named");
        wd.quit();
    }
    // The library is where a user's data goes (under HOME), not beside the program.
    let catalog = s.home.join(".local/share/likeness/catalog.sqlite");
    assert!(catalog.is_file(), "library under HOME");
    assert!(!s.prefix.join("usr/lib/likeness/catalog.sqlite").exists());

    // Restart: the name is still there.
    let desktop = s.launch(&pre, "logs2");
    let wd = &desktop.wd;
    wd.click("[data-testid=\"nav-people\"]");
    wd.wait_for(
        "the named person after a restart",
        short,
        "return [...document.querySelectorAll('[data-testid=\"person-card\"] .name-input')]\
         .some(i => i.value === 'Angelina Jolie');",
        json!([]),
    );
    wd.screenshot(&s.shots, "package-05-after-restart");
    wd.quit();
    drop(desktop);
    let _ = std::fs::remove_dir_all(&s.work);
}

/// Waits for the full-window set-up message and returns its text.
fn setup_message(wd: &likeness_webdriver::WebDriver) -> String {
    let text = wd.wait_for(
        "the set-up message",
        Duration::from_secs(30),
        "const e = document.querySelector('[data-testid=\"setup-problem\"]'); \
         return e && e.innerText;",
        json!([]),
    );
    // Full window: it covers the sidebar too.
    let rect = wd.js(
        "const r = document.querySelector('[data-testid=\"setup-problem\"]').getBoundingClientRect(); \
         return [r.left, r.width, window.innerWidth];",
        json!([]),
    );
    assert_eq!(rect[0], json!(0), "{rect}");
    assert_eq!(rect[1], rect[2], "{rect}");
    text.as_str().unwrap().to_string()
}

#[test]
fn a_packaged_app_with_a_damaged_model_or_no_runtime_says_what_to_do_and_keeps_running() {
    let Some(s) = scratch("package-gui-broken") else {
        return;
    };
    let Some(pre) = Prerequisites::find() else {
        return;
    };
    let model = s.prefix.join("usr/lib/likeness/models/dlib_resnet_v1.onnx");
    let mut bytes = std::fs::read(&model).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&model, &bytes).unwrap();
    {
        let desktop = s.launch(&pre, "logs1");
        let wd = &desktop.wd;
        let text = setup_message(wd);
        println!("damaged model: {text}");
        assert!(text.contains("Likeness cannot find faces yet"), "{text}");
        assert!(text.contains("dlib_resnet_v1 is damaged"), "{text}");
        assert!(
            text.contains("sudo apt install --reinstall likeness"),
            "{text}"
        );
        wd.screenshot(&s.shots, "package-10-damaged-model");
        // Still the same after "Check again"; "Continue without faces" opens the library.
        wd.click("[data-testid=\"setup-check-again\"]");
        // The answer replaces the message (a new one, its button enabled again).
        wd.wait_for(
            "the second check",
            Duration::from_secs(30),
            "const b = document.querySelector('[data-testid=\"setup-check-again\"]'); \
             return b && !b.disabled;",
            json!([]),
        );
        let again = setup_message(wd);
        assert!(again.contains("dlib_resnet_v1 is damaged"), "{again}");
        wd.click("[data-testid=\"setup-continue\"]");
        wd.wait_for(
            "the first-run screen",
            Duration::from_secs(20),
            "return document.querySelector('[data-testid=\"empty-state\"]') !== null \
             && document.querySelector('[data-testid=\"setup-problem\"]') === null;",
            json!([]),
        );
        wd.screenshot(&s.shots, "package-11-continued");
        // Indexing says the same thing in the progress panel; the app does not crash.
        wd.click("[data-testid=\"add-folder\"]");
        let headline = wd.wait_indexing_done();
        println!("indexing with a damaged model: {headline}");
        let panel = wd
            .js(
                "return document.querySelector('[data-testid=\"progress-panel\"]').innerText;",
                json!([]),
            )
            .as_str()
            .unwrap()
            .to_string();
        assert!(panel.contains("sha256"), "{panel}");
        wd.screenshot(&s.shots, "package-12-index-refused");
        wd.quit();
    }

    // The model repaired, the runtime gone.
    bytes[mid] ^= 0xff;
    std::fs::write(&model, &bytes).unwrap();
    std::fs::remove_file(s.prefix.join("usr/lib/likeness/libonnxruntime.so")).unwrap();
    let desktop = s.launch(&pre, "logs2");
    let wd = &desktop.wd;
    let text = setup_message(wd);
    println!("no runtime: {text}");
    assert!(text.contains("runtime (ONNX Runtime) is missing"), "{text}");
    wd.screenshot(&s.shots, "package-13-no-runtime");
    wd.quit();
    drop(desktop);
    let _ = std::fs::remove_dir_all(&s.work);
}
