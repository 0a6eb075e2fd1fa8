//! `likeness library|index|status|photos` on a real folder, a real catalog file and the real
//! models, run as a user runs them.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use likeness_engine::catalog::Catalog;
use likeness_testdata::{models_dir, repo_root};
use serde_json::Value;

fn likeness_cmd(catalog: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_likeness"));
    cmd.arg("--catalog")
        .arg(catalog)
        .args(args)
        .env_remove("LIKENESS_MODELS_DIR")
        .env_remove("LIKENESS_ORT_LIBRARY")
        .env_remove("LIKENESS_CATALOG");
    cmd
}

fn run(cmd: &mut Command) -> Output {
    likeness_testdata::output_of(cmd)
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn scratch(name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let dir = repo_root().join("target/test-tmp").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let photos = dir.join("photos");
    std::fs::create_dir_all(photos.join("2019")).unwrap();
    (dir.clone(), photos, dir.join("lib/catalog.sqlite"))
}

fn copy_photo(name: &str, to: &Path) {
    std::fs::copy(models_dir().join("test_photos").join(name), to).unwrap();
}

#[test]
fn add_index_status_and_search_by_people() {
    let (dir, photos, catalog) = scratch("cli-library");
    copy_photo("obama.jpg", &photos.join("obama.jpg"));
    copy_photo("obama2.jpg", &photos.join("2019/obama2.jpg"));
    copy_photo("biden.jpg", &photos.join("2019/biden.jpg"));
    std::fs::write(photos.join("broken.jpg"), b"\xff\xd8\xff\xe0 not really").unwrap();

    let added = json(&run(
        likeness_cmd(&catalog, &["library", "add", "--json"]).arg(&photos)
    ));
    let root = std::fs::canonicalize(&photos).unwrap();
    assert_eq!(added[0]["path"], root.display().to_string());
    // Adding it again is a no-op; a folder inside it is refused with a clear message.
    json(&run(
        likeness_cmd(&catalog, &["library", "add", "--json"]).arg(&photos)
    ));
    let nested = run(likeness_cmd(&catalog, &["library", "add"]).arg(photos.join("2019")));
    assert_eq!(nested.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&nested.stderr).contains("overlaps"));
    let list = json(&run(&mut likeness_cmd(
        &catalog,
        &["library", "list", "--json"],
    )));
    assert_eq!(list.as_array().unwrap().len(), 1);

    let summary = json(&run(&mut likeness_cmd(&catalog, &["index", "--json"])));
    println!("{summary:#}");
    assert_eq!(summary["scan"]["filesFound"], 4);
    assert_eq!(summary["photos"], 4);
    assert_eq!(summary["errors"], 1);
    assert!(summary["faces"].as_u64().unwrap() >= 3);
    assert!(
        catalog.parent().unwrap().join("cache/photos").is_dir(),
        "thumbnails beside the catalog"
    );

    let status = json(&run(&mut likeness_cmd(
        &catalog,
        &["status", "--json", "--errors"],
    )));
    println!("{status:#}");
    assert_eq!(status["files"], 4);
    assert_eq!(status["indexed"], 3);
    assert_eq!(status["failed"], 1);
    assert_eq!(status["lastIndexJob"]["state"], "completed");
    assert!(status["failures"][0]["path"]
        .as_str()
        .unwrap()
        .ends_with("broken.jpg"));
    assert_eq!(status["failures"][0]["code"], "decode");

    // Name people straight in the catalog (the people commands come with the people issue).
    {
        let mut c = Catalog::open(&catalog).unwrap();
        let barack = c.create_person("Barack", 0).unwrap();
        let joe = c.create_person("Joe", 0).unwrap();
        for (file, person) in [
            ("obama.jpg", barack),
            ("2019/obama2.jpg", barack),
            ("2019/biden.jpg", joe),
        ] {
            let photo = c.photo_by_path(&root.join(file)).unwrap().unwrap();
            let face = &c.faces_of_photo(photo.id).unwrap()[0];
            c.move_faces(&[face.id], person, 0).unwrap();
        }
    }
    let hits = json(&run(&mut likeness_cmd(
        &catalog,
        &["photos", "--person", "Barack", "--json"],
    )));
    let mut paths: Vec<String> = hits
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["path"].as_str().unwrap().to_string())
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        vec![
            root.join("2019/obama2.jpg").display().to_string(),
            root.join("obama.jpg").display().to_string()
        ]
    );
    let together = json(&run(&mut likeness_cmd(
        &catalog,
        &["photos", "--person", "barack", "--person", "Joe", "--json"],
    )));
    assert_eq!(together.as_array().unwrap().len(), 0, "no photo has both");
    let unknown = run(&mut likeness_cmd(
        &catalog,
        &["photos", "--person", "Nobody"],
    ));
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no person named"));
    // Dates: every photo falls back to its file time (today) — an old range finds none.
    let old = json(&run(&mut likeness_cmd(
        &catalog,
        &[
            "photos",
            "--from",
            "1990-01-01",
            "--to",
            "1999-12-31",
            "--json",
        ],
    )));
    assert_eq!(old.as_array().unwrap().len(), 0);
    let all = json(&run(&mut likeness_cmd(&catalog, &["photos", "--json"])));
    assert_eq!(all.as_array().unwrap().len(), 3);

    // Removing the folder keeps faces and names for when it comes back.
    json(&run(likeness_cmd(
        &catalog,
        &["library", "remove", "--json"],
    )
    .arg(&photos)));
    let status = json(&run(&mut likeness_cmd(&catalog, &["status", "--json"])));
    assert_eq!(
        (status["files"].as_u64(), status["orphanPhotos"].as_u64()),
        (Some(0), Some(3))
    );
    json(&run(
        likeness_cmd(&catalog, &["library", "add", "--json"]).arg(&photos)
    ));
    let again = json(&run(&mut likeness_cmd(&catalog, &["index", "--json"])));
    assert_eq!(
        again["reused"], 3,
        "known content is linked, not re-analysed"
    );
    let hits = json(&run(&mut likeness_cmd(
        &catalog,
        &["photos", "--person", "Barack", "--json"],
    )));
    assert_eq!(
        hits.as_array().unwrap().len(),
        2,
        "names came back with the folder"
    );
    let _ = dir;
}

/// Runs as root in CI, where `chmod 000` does not stop reading: the indexer is then started
/// with the capabilities that bypass file permissions dropped (util-linux `setpriv`).
#[test]
fn an_unreadable_folder_is_recorded_and_its_photos_are_not_dropped() {
    let (_dir, photos, catalog) = scratch("cli-unreadable");
    copy_photo("obama.jpg", &photos.join("obama.jpg"));
    std::fs::create_dir_all(photos.join("private")).unwrap();
    copy_photo("biden.jpg", &photos.join("private/biden.jpg"));
    json(&run(
        likeness_cmd(&catalog, &["library", "add", "--json"]).arg(&photos)
    ));
    // First run: everything readable.
    let first = json(&run(&mut likeness_cmd(&catalog, &["index", "--json"])));
    assert_eq!(first["photos"], 2);

    use std::os::unix::fs::PermissionsExt;
    let private = photos.join("private");
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o000)).unwrap();
    let is_root = std::fs::read_dir(&private).is_ok();
    let mut cmd = if is_root {
        let mut c = Command::new("setpriv");
        c.args([
            "--inh-caps=-dac_override,-dac_read_search",
            "--bounding-set=-dac_override,-dac_read_search",
        ])
        .arg(env!("CARGO_BIN_EXE_likeness"))
        .arg("--catalog")
        .arg(&catalog)
        .args(["index", "--json"])
        .env_remove("LIKENESS_MODELS_DIR")
        .env_remove("LIKENESS_ORT_LIBRARY");
        c
    } else {
        likeness_cmd(&catalog, &["index", "--json"])
    };
    let second = json(&run(&mut cmd));
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o755)).unwrap();
    println!("{second:#}");
    assert_eq!(second["scan"]["issues"], 1);
    assert_eq!(
        second["scan"]["removed"], 0,
        "photos behind an unreadable folder are kept"
    );
    let status = json(&run(&mut likeness_cmd(
        &catalog,
        &["status", "--json", "--errors"],
    )));
    println!("{status:#}");
    assert_eq!(status["files"], 2);
    assert_eq!(status["problems"][0]["code"], "unreadable");
    assert!(status["problems"][0]["path"]
        .as_str()
        .unwrap()
        .ends_with("private"));
}

#[test]
fn a_second_indexer_on_the_same_library_is_refused() {
    let (_dir, photos, catalog) = scratch("cli-busy");
    copy_photo("obama.jpg", &photos.join("obama.jpg"));
    json(&run(
        likeness_cmd(&catalog, &["library", "add", "--json"]).arg(&photos)
    ));
    let mut watcher = likeness_cmd(&catalog, &["index", "--watch"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the watcher holds the library (its first run has finished).
    let start = std::time::Instant::now();
    loop {
        let s = json(&run(&mut likeness_cmd(&catalog, &["status", "--json"])));
        if s["indexed"] == 1 {
            break;
        }
        assert!(start.elapsed().as_secs() < 60, "watcher never indexed");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let second = run(&mut likeness_cmd(&catalog, &["index"]));
    let _ = watcher.kill();
    let _ = watcher.wait();
    assert_eq!(second.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&second.stderr).contains("another Likeness process"),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    // Once the first is gone, the library is free again.
    json(&run(&mut likeness_cmd(&catalog, &["index", "--json"])));
}
