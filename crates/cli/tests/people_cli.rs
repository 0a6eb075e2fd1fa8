//! `likeness cluster|people|suggestions` end to end with `--json`: a real copy of the
//! reference photos, indexed by `likeness index` with the real models into a real catalog.
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
            .env_remove("LIKENESS_CATALOG"),
    )
}

/// Runs a command that must succeed and print JSON.
fn ok(catalog: &Path, args: &[&str]) -> Value {
    let out = likeness(catalog, args);
    assert!(
        out.status.success(),
        "{args:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// Runs a command that must fail with `{"error": {"code": …}}`; returns the code.
fn refused(catalog: &Path, args: &[&str]) -> String {
    let out = likeness(catalog, args);
    assert_eq!(out.status.code(), Some(1), "{args:?} should fail");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["error"]["code"].as_str().unwrap().to_string()
}

/// A fresh library in `target/test-tmp/<name>` whose folder is a copy of the reference
/// photos (added, not indexed yet); returns its catalog path.
fn reference_library(name: &str) -> PathBuf {
    let dir: PathBuf = repo_root().join("target/test-tmp").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let photos = dir.join("photos");
    copy_tree(
        &reference_dir().expect("reference pack").join("images"),
        &photos,
    );
    let cat = dir.join("lib/catalog.sqlite");
    ok(
        &cat,
        &["library", "add", "--json", photos.to_str().unwrap()],
    );
    cat
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn faces(v: &Value) -> Vec<(i64, String)> {
    v["faces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_i64().unwrap(),
                f["provenance"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect()
}

#[test]
fn cluster_name_merge_correct_undo_and_suggestions_from_the_command_line() {
    let cat = reference_library("cli-people");
    let cat = cat.as_path();
    // Nobody yet.
    assert_eq!(ok(cat, &["people", "list", "--json"]), Value::Array(vec![]));

    // Indexing clusters by itself at the end.
    let index = ok(cat, &["index", "--json"]);
    println!("{}", serde_json::to_string_pretty(&index).unwrap());
    assert!(index["clustering"]["clusters"].as_u64().unwrap() >= 4);

    let list = ok(cat, &["people", "list", "--json"]);
    let groups: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"].is_null() && p["faces"].as_u64().unwrap() >= 2)
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert!(groups.len() >= 4, "{list}");
    let human = likeness(cat, &["people", "list"]);
    let text = String::from_utf8_lossy(&human.stdout);
    println!("{text}");
    assert!(text.contains(&format!("unnamed #{}", groups[0])), "{text}");

    // Name a cluster by id: its faces become confirmed.
    let g0 = groups[0].to_string();
    let named = ok(cat, &["people", "name", &g0, "Anna", "--json"]);
    assert_eq!(named["person"].as_i64(), Some(groups[0]));
    assert_eq!(named["merged"], false);
    assert_eq!(named["edit"]["kind"], "name");
    let anna = ok(cat, &["people", "show", "anna", "--json"]);
    assert_eq!(anna["person"]["name"], "Anna");
    let anna_faces = faces(&anna);
    assert!(anna_faces.len() >= 2);
    assert!(anna_faces.iter().all(|(_, p)| p == "confirmed"), "{anna}");

    // The same name on another cluster merges it into Anna.
    let g1 = format!("#{}", groups[1]);
    let merged = ok(cat, &["people", "name", &g1, "ANNA", "--json"]);
    assert_eq!(merged["merged"], true);
    assert_eq!(merged["person"].as_i64(), Some(groups[0]));
    let anna = ok(cat, &["people", "show", "Anna", "--json"]);
    assert!(faces(&anna).len() > anna_faces.len());
    // `show` lists at most --limit faces (50 by default) and says so when there are more.
    let all = faces(&anna).len();
    assert_eq!(anna["facesTotal"].as_u64(), Some(all as u64), "{anna}");
    assert_eq!(anna["limit"].as_u64(), Some(50));
    let one = ok(cat, &["people", "show", "Anna", "--limit", "1", "--json"]);
    assert_eq!(faces(&one).len(), 1);
    assert_eq!(one["facesTotal"].as_u64(), Some(all as u64));
    assert_eq!(one["limit"].as_u64(), Some(1));
    let every = ok(cat, &["people", "show", "Anna", "--limit", "0", "--json"]);
    assert_eq!(faces(&every).len(), all);
    assert!(every["limit"].is_null(), "{every}");
    let text = likeness(cat, &["people", "show", "Anna", "--limit", "1"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&format!("showing 1 of {all} faces; --limit N to see more")),
        "{text}"
    );
    let text = likeness(cat, &["people", "show", "Anna"]);
    assert!(
        !String::from_utf8_lossy(&text.stdout).contains("showing"),
        "all {all} faces fit the default limit"
    );
    // Undo un-merges, redo merges again.
    let undone = ok(cat, &["people", "undo", "--json"]);
    assert_eq!(undone["kind"], "merge");
    assert_eq!(
        faces(&ok(cat, &["people", "show", "Anna", "--json"])).len(),
        anna_faces.len()
    );
    ok(cat, &["people", "show", &g1, "--json"]);
    ok(cat, &["people", "redo", "--json"]);
    assert_eq!(
        refused(cat, &["people", "show", &g1, "--json"]),
        "unknown_person"
    );

    // Rename; a taken name is refused by rename (but merges with name).
    let g2 = groups[2].to_string();
    ok(cat, &["people", "name", &g2, "Bob", "--json"]);
    ok(cat, &["people", "rename", "Anna", "Annie", "--json"]);
    assert_eq!(
        refused(cat, &["people", "rename", "Bob", "annie", "--json"]),
        "name_taken"
    );
    assert_eq!(
        refused(cat, &["people", "show", "Nobody", "--json"]),
        "unknown_person"
    );
    assert_eq!(
        refused(cat, &["people", "reject", "Annie", "999999", "--json"]),
        "unknown_face"
    );
    assert_eq!(
        refused(cat, &["people", "name", "Bob", "  ", "--json"]),
        "invalid"
    );

    // Corrections: reject, move to a new person, not a face, hide, cover.
    let annie = ok(cat, &["people", "show", "Annie", "--json"]);
    let annie_faces = faces(&annie);
    let rejected = annie_faces[0].0.to_string();
    let r = ok(cat, &["people", "reject", "Annie", &rejected, "--json"]);
    assert_eq!(r["kind"], "reject");
    let bob_face = faces(&ok(cat, &["people", "show", "Bob", "--json"]))[0]
        .0
        .to_string();
    let moved = ok(
        cat,
        &["people", "move", &bob_face, "--new", "Cleo", "--json"],
    );
    assert_eq!(moved["created"], true);
    let cleo = ok(cat, &["people", "show", "Cleo", "--json"]);
    assert_eq!(
        faces(&cleo),
        vec![(bob_face.parse().unwrap(), "confirmed".to_string())]
    );
    let not_face = annie_faces[1].0.to_string();
    ok(cat, &["people", "not-a-face", &not_face, "--json"]);
    ok(cat, &["people", "hide", "Cleo", "--json"]);
    let visible = ok(cat, &["people", "list", "--json"]);
    assert!(visible
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["name"] != "Cleo"));
    let all = ok(cat, &["people", "list", "--all", "--json"]);
    assert!(all
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "Cleo" && p["hidden"] == true));
    let cover = annie_faces.last().unwrap().0;
    ok(
        cat,
        &["people", "cover", "Annie", &cover.to_string(), "--json"],
    );
    assert_eq!(
        ok(cat, &["people", "show", "Annie", "--json"])["person"]["coverFace"].as_i64(),
        Some(cover)
    );

    // Re-clustering keeps every decision.
    let before = ok(cat, &["people", "show", "Annie", "--json"]);
    let clustered = ok(cat, &["cluster", "--json"]);
    println!("{clustered}");
    assert!(clustered["anchors"].as_u64().unwrap() >= 3);
    let after = ok(cat, &["people", "show", "Annie", "--json"]);
    let confirmed = |v: &Value| -> Vec<i64> {
        faces(v)
            .into_iter()
            .filter(|(_, p)| p == "confirmed")
            .map(|(f, _)| f)
            .collect()
    };
    assert_eq!(confirmed(&after), confirmed(&before));
    assert!(faces(&after)
        .iter()
        .all(|(f, _)| f.to_string() != rejected && f.to_string() != not_face));

    // Suggestions: list, accept or reject (whatever clustering offered).
    let open = ok(cat, &["suggestions", "--json"]);
    println!("suggestions {open}");
    if let Some(s) = open.as_array().unwrap().first() {
        let face = s["face"].as_i64().unwrap().to_string();
        let person = s["person"].as_i64().unwrap().to_string();
        let listed = ok(cat, &["suggestions", "--person", &person, "--json"]);
        assert!(listed
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["person"].as_i64() == s["person"].as_i64()));
        let accepted = ok(cat, &["suggestions", "accept", &face, "--json"]);
        assert_eq!(accepted[0]["kind"], "accept_suggestions");
        ok(cat, &["people", "undo", "--json"]);
        let rejected = ok(cat, &["suggestions", "reject", &face, "--json"]);
        assert_eq!(rejected[0]["kind"], "reject");
    }
    let none = ok(
        cat,
        &[
            "suggestions",
            "--person",
            "Cleo",
            "accept",
            "--all",
            "--json",
        ],
    );
    assert_eq!(none, Value::Array(vec![]));

    // History, newest first; photos of a named person.
    let history = ok(cat, &["people", "history", "--json"]);
    let rows = history.as_array().unwrap();
    assert!(rows.len() >= 9, "{history}");
    assert!(rows
        .windows(2)
        .all(|w| w[0]["id"].as_i64() > w[1]["id"].as_i64()));
    let hits = ok(cat, &["photos", "--person", "Annie", "--json"]);
    assert!(!hits.as_array().unwrap().is_empty());
    let human = likeness(cat, &["people", "show", "Annie"]);
    let text = String::from_utf8_lossy(&human.stdout);
    println!("{text}");
    assert!(
        text.starts_with(&format!("Annie (#{})", groups[0])),
        "{text}"
    );

    // Undo everything there is; then nothing is left to undo.
    let mut undone = 0;
    while likeness(cat, &["people", "undo", "--json"])
        .status
        .success()
    {
        undone += 1;
    }
    assert!(undone >= 9);
    assert_eq!(
        refused(cat, &["people", "undo", "--json"]),
        "nothing_to_undo"
    );
    let list = ok(cat, &["people", "list", "--all", "--json"]);
    assert!(
        list.as_array().unwrap().iter().all(|p| p["name"].is_null()),
        "{list}"
    );
}

/// `likeness suggestions --merges` and `likeness unsorted` on the indexed reference photos: a
/// person split in two by the user is offered as one ("Are these the same person?"), "no" is
/// remembered, "yes" merges; unsorted faces are listed, named and dismissed, each one undo.
#[test]
fn merge_suggestions_and_unsorted_faces_from_the_command_line() {
    let cat = reference_library("cli-merges");
    let cat = cat.as_path();
    ok(cat, &["index", "--json"]);

    // Split the biggest group by hand: half its faces become "Other".
    let list = ok(cat, &["people", "list", "--json"]);
    let biggest = list.as_array().unwrap()[0]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    ok(cat, &["people", "name", &biggest, "Anna", "--json"]);
    let anna = faces(&ok(cat, &["people", "show", "Anna", "--json"]));
    assert!(anna.len() >= 4, "{anna:?}");
    let half: Vec<String> = anna[..anna.len() / 2]
        .iter()
        .map(|(f, _)| f.to_string())
        .collect();
    let mut args = vec!["people", "move"];
    args.extend(half.iter().map(String::as_str));
    args.extend(["--new", "Other", "--json"]);
    ok(cat, &args);

    let merges = ok(cat, &["suggestions", "--merges", "--json"]);
    println!("merges {merges}");
    let list = merges.as_array().unwrap();
    let pair = list
        .iter()
        .find(|m| {
            let names = [m["from"]["name"].as_str(), m["into"]["name"].as_str()];
            names.contains(&Some("Anna")) && names.contains(&Some("Other"))
        })
        .unwrap_or_else(|| panic!("Anna and Other are not offered: {merges}"));
    assert!(pair["confidence"].as_f64().unwrap() > 0.5, "{pair}");
    let ids = format!(
        "{}:{}",
        pair["from"]["id"].as_i64().unwrap(),
        pair["into"]["id"].as_i64().unwrap()
    );
    let human = likeness(cat, &["suggestions", "--merges"]);
    let text = String::from_utf8_lossy(&human.stdout);
    println!("{text}");
    assert!(text.contains(&ids), "{text}");
    // "No": never offered again, and one undo brings the question back.
    let no = ok(cat, &["suggestions", "--merges", "reject", &ids, "--json"]);
    assert_eq!(no[0]["kind"], "distinct");
    let again = ok(cat, &["suggestions", "--merges", "--json"]);
    assert!(!again.to_string().contains("\"Other\""), "{again}");
    ok(cat, &["people", "undo", "--json"]);
    // "Yes": one edit merges them.
    let yes = ok(cat, &["suggestions", "--merges", "accept", &ids, "--json"]);
    assert_eq!(yes.as_array().unwrap().len(), 1);
    assert_eq!(yes[0]["kind"], "merge");
    let people = ok(cat, &["people", "list", "--json"]).to_string();
    assert_eq!(
        people.matches("\"Anna\"").count() + people.matches("\"Other\"").count(),
        1,
        "{people}"
    );
    assert_eq!(
        refused(
            cat,
            &["suggestions", "--merges", "accept", "12-3", "--json"]
        ),
        "invalid"
    );

    // Unsorted faces: listed with their quality, named, dismissed.
    let unsorted = ok(cat, &["unsorted", "--limit", "1000", "--json"]);
    println!("unsorted {unsorted}");
    let total = unsorted["total"].as_u64().unwrap();
    let listed = unsorted["faces"].as_array().unwrap();
    assert_eq!(listed.len() as u64, total);
    assert!(total >= 2, "the reference pack has loners: {unsorted}");
    let first = listed[0]["id"].as_i64().unwrap().to_string();
    let second = listed[1]["id"].as_i64().unwrap().to_string();
    let named = ok(cat, &["unsorted", "name", "Stranger", &first, "--json"]);
    assert_eq!(named["created"], true);
    let after = ok(cat, &["unsorted", "--json"]);
    assert_eq!(after["total"].as_u64(), Some(total - 1));
    let dismissed = ok(cat, &["unsorted", "dismiss", &second, "--json"]);
    assert_eq!(dismissed["kind"], "not_face");
    assert_eq!(
        ok(cat, &["unsorted", "--json"])["total"].as_u64(),
        Some(total - 2)
    );
    ok(cat, &["people", "undo", "--json"]);
    ok(cat, &["people", "undo", "--json"]);
    assert_eq!(
        ok(cat, &["unsorted", "--json"])["total"].as_u64(),
        Some(total)
    );
    let human = likeness(cat, &["unsorted"]);
    let text = String::from_utf8_lossy(&human.stdout);
    println!("{text}");
    assert!(
        text.starts_with(&format!("{total} unsorted faces")),
        "{text}"
    );
}
