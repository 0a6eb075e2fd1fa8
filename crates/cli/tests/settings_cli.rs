//! `likeness settings`: the CLI reads and writes the same `settings.json` as the app, and the
//! commands that follow use it.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

use likeness_testdata::repo_root;
use serde_json::Value;

fn likeness(catalog: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_likeness"))
        .arg("--catalog")
        .arg(catalog)
        .args(args)
        .env_remove("LIKENESS_CATALOG")
        .env_remove("LIKENESS_NO_XMP_EXPORT")
        .output()
        .unwrap()
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn settings_are_the_apps_file_and_one_set_changes_only_what_it_names() {
    let dir = repo_root().join("target/test-tmp/cli-settings");
    let _ = std::fs::remove_dir_all(&dir);
    let catalog = dir.join("lib/catalog.sqlite");

    // A new library: the app's defaults.
    let shown = json(&likeness(&catalog, &["settings", "--json"]));
    assert_eq!(
        shown,
        serde_json::json!({"detector": likeness_engine::DetectorKind::default().name(),
                           "detection": "normal", "clustering": "balanced",
                           "provider": "auto", "xmpAutoExport": false,
                           "includeLowQuality": false})
    );

    // Two settings changed; the others stay.
    let set = json(&likeness(
        &catalog,
        &[
            "settings",
            "set",
            "--clustering",
            "strict",
            "--xmp-auto-export",
            "on",
            "--detector",
            "retinaface",
            "--include-low-quality",
            "on",
            "--json",
        ],
    ));
    assert_eq!(set["clustering"], "strict");
    assert_eq!(set["detector"], "retinaface");
    assert_eq!(set["includeLowQuality"], true);
    assert_eq!(set["xmpAutoExport"], true);
    assert_eq!(set["detection"], "normal");

    // Written where the app reads it, in the app's format.
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("lib/settings.json")).unwrap())
            .unwrap();
    assert_eq!(file["clustering"], "strict");
    assert_eq!(file["xmpAutoExport"], true);
    assert_eq!(file["detector"], "retinaface");
    assert_eq!(file["includeLowQuality"], true);

    // Read back by the next command.
    let again = json(&likeness(&catalog, &["settings", "--json"]));
    assert_eq!(again, set);
    let text = likeness(&catalog, &["settings"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("clustering       strict"), "{text}");

    // An unknown level is refused by name, and nothing changes.
    let bad = likeness(&catalog, &["settings", "set", "--clustering", "tight"]);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("tight"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    assert_eq!(json(&likeness(&catalog, &["settings", "--json"])), set);
}
