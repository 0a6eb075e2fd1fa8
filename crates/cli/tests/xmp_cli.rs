//! `likeness xmp export|import` and the automatic export after people commands, end to end
//! with `--json`: a real copy of reference photos indexed by `likeness index` with the real
//! models into a real catalog.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use likeness_testdata::{reference_dir, repo_root};
use serde_json::Value;

fn likeness(catalog: &Path, args: &[&str]) -> Output {
    likeness_testdata::output_of(
        Command::new(env!("CARGO_BIN_EXE_likeness"))
            .arg("--catalog")
            .arg(catalog)
            .args(args)
            .env_remove("LIKENESS_MODELS_DIR")
            .env_remove("LIKENESS_ORT_LIBRARY")
            .env_remove("LIKENESS_CATALOG")
            .env_remove("LIKENESS_NO_XMP_EXPORT"),
    )
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn ok(catalog: &Path, args: &[&str]) -> Value {
    let out = likeness(catalog, args);
    assert!(
        out.status.success(),
        "{args:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    json(&out)
}

fn sidecars(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".jpg.xmp"))
        .collect();
    out.sort();
    out
}

#[test]
fn names_reach_sidecars_automatically_and_by_command() {
    let Some(reference) = reference_dir() else {
        return;
    };
    let dir: PathBuf = repo_root().join("target/test-tmp/cli-xmp");
    let _ = std::fs::remove_dir_all(&dir);
    let photos = dir.join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    for n in ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"] {
        std::fs::copy(
            reference
                .join("images/face_recognition_test_images")
                .join(n),
            photos.join(n),
        )
        .unwrap();
    }
    let cat = dir.join("lib/catalog.sqlite");
    let cat = cat.as_path();
    ok(cat, &["library", "add", "--json", photos.to_str().unwrap()]);
    ok(cat, &["index", "--json"]);
    assert!(sidecars(&photos).is_empty(), "nobody is named yet");

    // The library's settings decide, as in the app: automatic export is off by default, so
    // naming the biggest group writes nothing...
    let list = ok(cat, &["people", "list", "--json"]);
    let group = list.as_array().unwrap()[0]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    ok(cat, &["people", "name", &group, "Barack", "--json"]);
    assert!(
        sidecars(&photos).is_empty(),
        "exported with the setting off"
    );
    ok(cat, &["people", "undo", "--json"]);
    // ...until the app's Settings turn it on (the same settings.json the desktop writes).
    std::fs::write(
        dir.join("lib/settings.json"),
        r#"{"version": 1, "xmpAutoExport": true}"#,
    )
    .unwrap();
    ok(cat, &["people", "name", &group, "Barack", "--json"]);
    let written = sidecars(&photos);
    assert!(!written.is_empty(), "no sidecar after naming");
    for s in &written {
        assert!(std::fs::read_to_string(s).unwrap().contains("Barack"));
    }

    // Nothing changed: an export writes nothing; a dry run neither.
    let dry = ok(cat, &["xmp", "export", "--dry-run", "--json"]);
    assert_eq!(dry["written"], 0, "{dry}");
    let all = ok(cat, &["xmp", "export", "--all", "--json"]);
    assert_eq!(all["written"], 0, "{all}");
    assert_eq!(all["unchanged"].as_u64(), Some(written.len() as u64));

    // Automatic export off: the rename waits for `xmp export --changed`.
    let off = likeness(
        cat,
        &[
            "--no-xmp-export",
            "people",
            "rename",
            "Barack",
            "Barack Obama",
            "--json",
        ],
    );
    assert!(off.status.success());
    let text = std::fs::read_to_string(&written[0]).unwrap();
    assert!(!text.contains("Barack Obama"), "exported although off");
    let would = ok(cat, &["xmp", "export", "--changed", "--dry-run", "--json"]);
    assert_eq!(
        would["written"].as_u64(),
        Some(written.len() as u64),
        "{would}"
    );
    assert_eq!(would["photos"][0]["files"][0]["outcome"], "would_write");
    assert_eq!(
        std::fs::read_to_string(&written[0]).unwrap(),
        text,
        "dry run wrote"
    );
    let done = ok(cat, &["xmp", "export", "--changed", "--json"]);
    assert_eq!(
        done["written"].as_u64(),
        Some(written.len() as u64),
        "{done}"
    );
    assert!(std::fs::read_to_string(&written[0])
        .unwrap()
        .contains("Barack Obama"));
    let person = ok(
        cat,
        &["xmp", "export", "--person", "Barack Obama", "--json"],
    );
    assert_eq!(person["written"], 0);

    // Import of our own sidecars: nothing to do. A broken one is a warning (exit 2).
    let back = ok(cat, &["xmp", "import", photos.to_str().unwrap(), "--json"]);
    assert_eq!(
        (back["confirmed"].as_u64(), back["manualFaces"].as_u64()),
        (Some(0), Some(0))
    );
    assert!(back["edit"].is_null(), "{back}");
    std::fs::write(photos.join("biden.jpg.xmp"), "<x:xmpmeta><rdf:RDF").unwrap();
    let out = likeness(cat, &["xmp", "import", photos.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let v = json(&out);
    let warning = v["photos"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["path"].as_str().unwrap().ends_with("biden.jpg"))
        .unwrap()["warnings"][0]
        .clone();
    assert_eq!(warning["kind"], "unreadable");
    assert_eq!(warning["code"], "malformed");
    let human = likeness(
        cat,
        &["xmp", "import", "--dry-run", photos.to_str().unwrap()],
    );
    println!("{}", String::from_utf8_lossy(&human.stdout));
}
