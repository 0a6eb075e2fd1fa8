//! The `likeness` binary, run as a user runs it: models and the runtime are found without
//! any environment variable (the dev build walks up to the repository's `models/`).
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::path::Path;
use std::process::{Command, Output};

use likeness_testdata::{models_dir, repo_root};

fn likeness(args: &[&str]) -> Output {
    likeness_testdata::output_of(
        Command::new(env!("CARGO_BIN_EXE_likeness"))
            .args(args)
            .env_remove("LIKENESS_MODELS_DIR")
            .env_remove("LIKENESS_ORT_LIBRARY")
            .current_dir(std::env::temp_dir()),
    )
}

fn photo(name: &str) -> String {
    models_dir()
        .join("test_photos")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn doctor_finds_runtime_models_and_a_provider() {
    let out = likeness(&["doctor", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    println!("{}", serde_json::to_string_pretty(&v).unwrap());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(v["ok"], true);
    // MTCNN's three stages, YuNet, CenterFace, RetinaFace, the dlib ResNet and shape predictor.
    assert_eq!(v["models"].as_array().unwrap().len(), 8);
    assert!(v["models"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["ok"] == true));
    assert!(v["activeProvider"].is_string());
    // This machine has no GPU: CUDA (compiled in) must have been tried and fallen back.
    let tried = v["providersTried"].as_array().unwrap();
    assert_eq!(tried.last().unwrap()["used"], true);
    let text = likeness(&["doctor"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("execution provider"));
}

#[test]
fn faces_prints_boxes_landmarks_and_optional_embeddings() {
    let out = likeness(&["faces", &photo("obama2.jpg")]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let face = &v[0]["faces"][0];
    assert_eq!(face["box"].as_array().unwrap().len(), 4);
    assert_eq!(face["landmarks"].as_array().unwrap().len(), 5);
    assert!(face["score"].as_f64().unwrap() > 0.9);
    assert!(face.get("embedding").is_none());

    let out = likeness(&["faces", "--embeddings", "--jsonl", &photo("obama2.jpg")]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["faces"][0]["embedding"].as_array().unwrap().len(), 128);
}

#[test]
fn compare_says_same_and_different() {
    let out = likeness(&[
        "compare",
        "--json",
        &photo("obama.jpg"),
        &photo("obama3.jpg"),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["samePerson"], true, "{v}");
    let out = likeness(&["compare", &photo("obama.jpg"), &photo("biden.jpg")]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("different people"), "{text}");
}

#[test]
fn a_folder_with_bad_files_reports_each_and_exits_2() {
    let dir = repo_root().join("target/test-tmp/cli-folder");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(photo("biden.jpg"), dir.join("biden.jpg")).unwrap();
    std::fs::write(dir.join("empty.jpg"), b"").unwrap();
    std::fs::write(dir.join("text.jpeg"), "not a photo").unwrap();
    std::fs::write(dir.join("readme.txt"), "ignored: not a photo extension").unwrap();
    let out = likeness(&["faces", &dir.display().to_string()]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let photos = v.as_array().unwrap();
    assert_eq!(photos.len(), 3);
    let by_name = |n: &str| {
        photos
            .iter()
            .find(|p| Path::new(p["path"].as_str().unwrap()).ends_with(n))
            .unwrap()
    };
    assert_eq!(by_name("empty.jpg")["error"]["code"], "empty");
    assert_eq!(by_name("text.jpeg")["error"]["code"], "unknown_format");
    assert!(!by_name("biden.jpg")["faces"].as_array().unwrap().is_empty());
}

#[test]
fn missing_file_is_an_io_error_naming_it() {
    let out = likeness(&["faces", "/nonexistent/photo.jpg"]);
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["error"]["code"], "not_found");
    assert!(v[0]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("/nonexistent/photo.jpg"));
}
