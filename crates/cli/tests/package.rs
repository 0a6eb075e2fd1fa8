//! The installed product, not the development build: the Debian package `scripts/package.sh`
//! made (scripts/test.sh builds it before the tests) is extracted into a scratch prefix with
//! `dpkg-deb -x`, and its `likeness` runs as a new user would run it — an empty HOME, no
//! LIKENESS_* variable, from an unrelated folder. It must find its own runtime and models
//! (`<prefix>/lib/likeness`), pass `doctor`, and index the 82 reference photos into the
//! default library with the same faces as the development build. Then the library is made to
//! look like one from the previous version and opened again (an upgrade), and a package with a
//! damaged model says what is wrong and what to do.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use likeness_engine::catalog::Catalog;
use likeness_testdata::{copy_tree, extract_package, package_deb, reference_dir, repo_root};
use serde_json::Value;

/// The packaged CLI, with nothing of this checkout's environment.
fn packaged(prefix: &Path, home: &Path, cwd: &Path, args: &[&str]) -> Output {
    likeness_testdata::output_of(
        Command::new(prefix.join("usr/bin/likeness"))
            .args(args)
            .env_clear()
            .env("HOME", home)
            .env("PATH", "/usr/bin:/bin")
            .env("LANG", "C.UTF-8")
            .current_dir(cwd),
    )
}

fn ok_json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "failed ({}): {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every image under `dir` → its faces' boxes, from a catalog that indexed `dir`.
fn faces_by_photo(catalog: &Path, dir: &Path) -> BTreeMap<String, Vec<[f32; 4]>> {
    let cat = Catalog::open_read_only(catalog).unwrap();
    let mut out = BTreeMap::new();
    for entry in walk(dir) {
        let Some(photo) = cat.photo_by_path(&entry).unwrap() else {
            continue;
        };
        let faces = cat.faces_of_photo(photo.id).unwrap();
        let rel = entry.strip_prefix(dir).unwrap().display().to_string();
        out.insert(rel, faces.iter().map(|f| f.bbox).collect());
    }
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files.extend(walk(&p));
        } else {
            files.push(p);
        }
    }
    files.sort();
    files
}

struct Scratch {
    prefix: PathBuf,
    home: PathBuf,
    cwd: PathBuf,
    work: PathBuf,
}

fn scratch(name: &str, deb: &Path) -> Scratch {
    // Outside this checkout: a program walking up from the package must not find the
    // checkout's models/ (it would, from target/).
    let work = std::env::temp_dir().join(format!("likeness-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let prefix = work.join("root");
    extract_package(deb, &prefix);
    let home = work.join("home");
    let cwd = work.join("somewhere-else");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&cwd).unwrap();
    Scratch {
        prefix,
        home,
        cwd,
        work,
    }
}

#[test]
fn the_packaged_cli_runs_from_an_extracted_package_and_finds_the_dev_builds_faces() {
    let Some(deb) = package_deb() else { return };
    let Some(reference) = reference_dir() else {
        return;
    };
    let s = scratch("package-cli", &deb);
    let run = |args: &[&str]| packaged(&s.prefix, &s.home, &s.cwd, args);

    // The size targets (issue 16): the .deb ≤ 60 MB, installed ≤ 200 MB.
    let deb_bytes = std::fs::metadata(&deb).unwrap().len();
    let field = |name: &str| {
        let out = Command::new("dpkg-deb")
            .arg("-f")
            .arg(&deb)
            .arg(name)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let installed_kib: u64 = field("Installed-Size").parse().unwrap();
    println!("package: {deb_bytes} bytes, installed {installed_kib} KiB");
    assert!(deb_bytes <= 60_000_000, "{deb_bytes} bytes");
    assert!(installed_kib * 1024 <= 200_000_000, "{installed_kib} KiB");
    // Dependencies read from the binaries, with versions: the system libraries they link.
    let depends = field("Depends");
    println!("Depends: {depends}");
    for lib in [
        "libc6 (>= ",
        "libheif1 (>= ",
        "libwebkit2gtk-4.1-0",
        "libstdc++6 (>= ",
    ] {
        assert!(depends.contains(lib), "{lib} not in {depends}");
    }

    // What the package holds: both programs, the runtime, the models; stripped binaries.
    let lib = s.prefix.join("usr/lib/likeness");
    for f in [
        "usr/bin/likeness",
        "usr/bin/likeness-desktop",
        "usr/lib/likeness/libonnxruntime.so",
        "usr/lib/likeness/models/dlib_resnet_v1.onnx",
        "usr/lib/likeness/models/mtcnn_pnet.onnx",
    ] {
        assert!(s.prefix.join(f).is_file(), "{f} missing from the package");
    }
    for bin in ["usr/bin/likeness", "usr/bin/likeness-desktop"] {
        let out = Command::new("file")
            .arg(s.prefix.join(bin))
            .output()
            .unwrap();
        let what = String::from_utf8_lossy(&out.stdout);
        assert!(
            what.contains("stripped") && !what.contains("not stripped"),
            "{what}"
        );
    }

    // doctor: everything found inside the package, nothing from this checkout.
    let doctor = ok_json(&run(&["doctor", "--json"]));
    println!("{doctor:#}");
    assert_eq!(doctor["ok"], true);
    assert_eq!(doctor["install"], "package");
    assert!(doctor["problems"].as_array().unwrap().is_empty());
    let lib_str = lib.canonicalize().unwrap().display().to_string();
    assert!(
        doctor["runtimeLibrary"]["Ok"]
            .as_str()
            .unwrap()
            .starts_with(&lib_str),
        "{}",
        doctor["runtimeLibrary"]
    );
    assert!(doctor["modelsDir"]["Ok"]
        .as_str()
        .unwrap()
        .starts_with(&lib_str));
    assert!(doctor["models"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["ok"] == true));
    let text = run(&["doctor"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("all good"));

    // Index the reference photos into the default library (under the empty HOME).
    let photos = s.work.join("photos");
    copy_tree(&reference.join("images"), &photos);
    let photos_arg = photos.display().to_string();
    ok_json(&run(&["library", "add", "--json", &photos_arg]));
    let started = std::time::Instant::now();
    let summary = ok_json(&run(&["index", "--json"]));
    println!(
        "packaged index: {summary} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(summary["photos"], 82);
    assert_eq!(summary["errors"], 0);
    let catalog = s.home.join(".local/share/likeness/catalog.sqlite");
    assert!(catalog.is_file(), "the default library under HOME");

    // The development build on the same photos.
    let dev_catalog = s.work.join("dev/catalog.sqlite");
    let dev = |args: &[&str]| {
        likeness_testdata::output_of(
            Command::new(env!("CARGO_BIN_EXE_likeness"))
                .arg("--catalog")
                .arg(&dev_catalog)
                .args(args)
                .env_remove("LIKENESS_MODELS_DIR")
                .env_remove("LIKENESS_ORT_LIBRARY")
                .env_remove("LIKENESS_CATALOG"),
        )
    };
    ok_json(&dev(&["library", "add", "--json", &photos_arg]));
    let dev_summary = ok_json(&dev(&["index", "--json"]));
    assert_eq!(dev_summary["faces"], summary["faces"], "{dev_summary}");
    let ours = faces_by_photo(&catalog, &photos);
    let theirs = faces_by_photo(&dev_catalog, &photos);
    assert_eq!(ours.len(), 82);
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        theirs.keys().collect::<Vec<_>>()
    );
    let mut worst = 0f32;
    for (photo, boxes) in &ours {
        let dev_boxes = &theirs[photo];
        assert_eq!(boxes.len(), dev_boxes.len(), "faces in {photo}");
        for (a, b) in boxes.iter().zip(dev_boxes) {
            for k in 0..4 {
                worst = worst.max((a[k] - b[k]).abs());
            }
        }
    }
    println!(
        "same faces: {} in {} photos, largest box difference {worst:.4} px",
        summary["faces"],
        ours.len()
    );
    assert!(worst <= 1.0, "box difference {worst} px");

    // Name someone, then make the library look like the previous version's (schema 6: before
    // the "not the same person" table) — what an upgrade from the last package finds.
    let people = ok_json(&run(&["people", "list", "--json"]));
    let first = people[0]["id"].as_i64().unwrap().to_string();
    ok_json(&run(&["people", "name", &first, "Ann Example", "--json"]));
    assert_eq!(Catalog::rewind_newest(&catalog).unwrap(), 6);
    let after = run(&["people", "list", "--json"]);
    let stderr = String::from_utf8_lossy(&after.stderr).to_string();
    println!("upgrade: {stderr}");
    let after = ok_json(&after);
    assert!(
        stderr.contains("updated this library from an older version"),
        "{stderr}"
    );
    let backup = s
        .home
        .join(".local/share/likeness/catalog-v6-backup.sqlite");
    assert!(backup.is_file(), "backup made before migrating");
    assert!(after
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "Ann Example"));
    assert!(!Catalog::is_older(&catalog).unwrap());
    let _ = std::fs::remove_dir_all(&s.work);
}

#[test]
fn a_package_with_a_damaged_or_missing_model_says_what_to_do_and_never_crashes() {
    let Some(deb) = package_deb() else { return };
    let s = scratch("package-cli-broken", &deb);
    let run = |args: &[&str]| packaged(&s.prefix, &s.home, &s.cwd, args);
    let models = s.prefix.join("usr/lib/likeness/models");

    // A damaged embedder: doctor names it and the fix, exit 1; indexing fails clearly.
    let model = models.join("dlib_resnet_v1.onnx");
    let mut bytes = std::fs::read(&model).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&model, &bytes).unwrap();
    let out = run(&["doctor"]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    println!("{text}");
    assert_eq!(out.status.code(), Some(1));
    assert!(text.contains("Likeness cannot find faces yet"), "{text}");
    assert!(text.contains("dlib_resnet_v1 is damaged"), "{text}");
    assert!(
        text.contains("sudo apt install --reinstall likeness"),
        "{text}"
    );
    let photos = s.work.join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    std::fs::copy(
        repo_root().join("models/data/test_photos/obama.jpg"),
        photos.join("obama.jpg"),
    )
    .unwrap();
    ok_json(&run(&[
        "library",
        "add",
        "--json",
        &photos.display().to_string(),
    ]));
    let index = run(&["index"]);
    let err = String::from_utf8_lossy(&index.stderr).to_string();
    println!("index with a damaged model: {err}");
    assert!(!index.status.success());
    assert!(err.contains("sha256"), "{err}");

    // A missing detector stage: the same, named as missing.
    std::fs::write(&model, {
        bytes[mid] ^= 0xff;
        &bytes
    })
    .unwrap();
    std::fs::remove_file(models.join("mtcnn_onet.onnx")).unwrap();
    let doctor = run(&["doctor", "--json"]);
    assert_eq!(doctor.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&doctor.stdout).unwrap();
    let problems = v["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{v:#}");
    assert!(problems[0]["what"]
        .as_str()
        .unwrap()
        .contains("mtcnn_onet is missing"));
    // A model the settings do not use (YuNet) is reported, not a problem.
    std::fs::remove_file(models.join("yunet_2023mar.onnx")).unwrap();
    let v: Value = serde_json::from_slice(&run(&["doctor", "--json"]).stdout).unwrap();
    assert_eq!(v["problems"].as_array().unwrap().len(), 1, "{v:#}");

    // No runtime at all.
    std::fs::remove_file(s.prefix.join("usr/lib/likeness/libonnxruntime.so")).unwrap();
    let out = run(&["doctor"]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    println!("{text}");
    assert_eq!(out.status.code(), Some(1));
    assert!(text.contains("runtime (ONNX Runtime) is missing"), "{text}");
    let _ = std::fs::remove_dir_all(&s.work);
}

#[test]
fn the_packaged_cli_finds_the_gpu_pack_in_the_users_data_folder() {
    let Some(deb) = package_deb() else { return };
    let Some(pack) = likeness_testdata::gpu_pack() else {
        return;
    };
    let s = scratch("gpu", &deb);
    let run = |env: &[(&str, &Path)], args: &[&str]| {
        let mut cmd = Command::new(s.prefix.join("usr/bin/likeness"));
        cmd.args(args)
            .env_clear()
            .env("HOME", &s.home)
            .env("PATH", "/usr/bin:/bin")
            .env("LANG", "C.UTF-8")
            .current_dir(&s.cwd);
        for (k, v) in env {
            cmd.env(k, v);
        }
        likeness_testdata::output_of(&mut cmd)
    };
    // Nothing installed: the CPU, the reason, and where `gpu install` would put the pack.
    let target = s.home.join(".local/share/likeness/gpu/cuda13-linux-x86_64");
    let status = ok_json(&run(&[], &["gpu", "status", "--json"]));
    println!("{status:#}");
    assert_eq!(status["installed"], false);
    // No NVIDIA driver on this machine: that comes first (the pack would not help).
    let reason = status["cpuReason"].as_str().unwrap();
    assert!(
        reason.starts_with("no NVIDIA driver is installed"),
        "{reason}"
    );
    // With a driver (the stand-in): the missing pack, and the GPU it found.
    let driver = likeness_testdata::stub_libcuda();
    let status = ok_json(&run(
        &[("LD_LIBRARY_PATH", &driver)],
        &["gpu", "status", "--json"],
    ));
    assert_eq!(
        status["cpuReason"],
        "the GPU pack is not installed (found Stub GPU (no device behind it))"
    );
    assert_eq!(status["packDir"], target.display().to_string().as_str());
    assert_eq!(status["downloadBytes"], 1_566_186_840u64);

    // The pack where `likeness gpu install` puts it (a link to the fetched one), and a driver:
    // the packaged program loads the pack's ONNX Runtime from the user's data folder.
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&pack, &target).unwrap();
    let doctor = ok_json(&run(&[("LD_LIBRARY_PATH", &driver)], &["doctor", "--json"]));
    let library = doctor["runtimeLibrary"]["Ok"].as_str().unwrap();
    assert!(library.starts_with(target.to_str().unwrap()), "{library}");
    assert!(doctor["runtimeVersion"]
        .as_str()
        .unwrap()
        .starts_with("1.31.1"));
    assert_eq!(doctor["gpu"]["installed"], true);
    let reason = doctor["gpu"]["cpuReason"].as_str().unwrap();
    assert!(
        reason.starts_with("the GPU did not start: CUDA failure"),
        "{reason}"
    );
    // No driver at all: the package's own CPU runtime.
    let doctor = ok_json(&run(&[], &["doctor", "--json"]));
    assert!(doctor["runtimeLibrary"]["Ok"]
        .as_str()
        .unwrap()
        .contains("usr/lib/likeness"));
    assert!(doctor["gpu"]["cpuReason"]
        .as_str()
        .unwrap()
        .starts_with("no NVIDIA driver"));
    std::fs::remove_file(&target).unwrap();
    let _ = std::fs::remove_dir_all(&s.work);
}
