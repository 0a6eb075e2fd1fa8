//! The GPU pack on machines without a GPU: with the pack absent, broken, or loaded for real
//! behind a driver that has no GPU, `likeness` runs on the CPU, says why, and finds the same
//! faces. Never a crash.
//!
//! The pack is the real one (`scripts/fetch-models.sh --gpu`, run by scripts/test.sh): its 21
//! NVIDIA and ONNX Runtime libraries are loaded by the engine exactly as on a GPU machine. The
//! driver is a stand-in (`tests/data/stub_libcuda.c`, built here with `cc`) found through
//! `LD_LIBRARY_PATH`, as the real `libcuda.so.1` is found through the system's library path.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use likeness_testdata::{models_dir, repo_root};
use serde_json::Value;

use likeness_testdata::{gpu_pack as real_pack, stub_libcuda as stub_driver};

/// `likeness` as a user runs it (runtime and models found from the program), with `env`.
fn likeness(env: &[(&str, OsString)], args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_likeness"));
    cmd.args(args)
        .env_remove("LIKENESS_MODELS_DIR")
        .env_remove("LIKENESS_ORT_LIBRARY")
        .env_remove("LIKENESS_GPU_PACK")
        .env_remove("LIKENESS_CATALOG")
        .env_remove("LD_LIBRARY_PATH")
        .current_dir(std::env::temp_dir());
    for (k, v) in env {
        cmd.env(k, v);
    }
    likeness_testdata::output_of(&mut cmd)
}

fn doctor(env: &[(&str, OsString)]) -> Value {
    let out = likeness(env, &["doctor", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert!(out.status.success(), "doctor failed: {v}");
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["activeProvider"], "CPU", "{v}");
    v
}

fn cpu_reason(v: &Value) -> String {
    v["gpu"]["cpuReason"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn temp(name: &str) -> PathBuf {
    let dir = repo_root().join("target/test-tmp").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A pack folder of links to the real pack's files, without `leave_out`.
fn linked_pack(real: &Path, name: &str, leave_out: &str) -> PathBuf {
    let dir = temp(name);
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    std::fs::copy(real.join("pack.toml"), dir.join("pack.toml")).unwrap();
    for entry in std::fs::read_dir(real.join("lib")).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() != leave_out {
            std::os::unix::fs::symlink(entry.path(), dir.join("lib").join(entry.file_name()))
                .unwrap();
        }
    }
    dir
}

/// Faces per photo, with descriptors, from `likeness faces --embeddings --jsonl`.
fn faces(env: &[(&str, OsString)], extra: &[&str], folder: &Path) -> Vec<Value> {
    let mut args: Vec<&str> = extra.to_vec();
    let folder = folder.display().to_string();
    args.extend(["faces", "--embeddings", "--jsonl", folder.as_str()]);
    let out = likeness(env, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn without_a_pack_or_with_a_broken_one_the_cpu_runs_and_says_why() {
    // No pack where LIKENESS_GPU_PACK points.
    let empty = temp("gpu-no-pack");
    let env = [("LIKENESS_GPU_PACK", empty.clone().into_os_string())];
    let v = doctor(&env);
    let reason = cpu_reason(&v);
    println!("no pack: {reason}");
    assert!(reason.contains("not installed completely"), "{reason}");
    assert_eq!(v["gpu"]["installed"], false);
    assert_eq!(v["gpu"]["downloadBytes"], 1_566_186_840u64);
    let text = String::from_utf8_lossy(&likeness(&env, &["doctor"]).stdout).into_owned();
    assert!(
        text.contains("running on CPU: the GPU pack")
            && text.contains("'likeness gpu install' downloads 1.57 GB"),
        "{text}"
    );
    let photo = models_dir().join("test_photos/obama2.jpg");
    let out = likeness(&env, &["faces", photo.to_str().unwrap()]);
    assert!(out.status.success());

    let Some(real) = real_pack() else { return };
    // A library missing from the pack: named, and the CPU runs (indexing included).
    let broken = linked_pack(&real, "gpu-broken-pack", "libcublasLt.so.13");
    let env = [
        ("LIKENESS_GPU_PACK", broken.into_os_string()),
        ("LD_LIBRARY_PATH", stub_driver().into_os_string()),
    ];
    let v = doctor(&env);
    let reason = cpu_reason(&v);
    println!("broken pack: {reason}");
    assert!(
        reason.contains("incomplete: libcublasLt.so.13 missing"),
        "{reason}"
    );
    assert!(
        v["runtimeVersion"].as_str().unwrap().starts_with("1.32"),
        "the CPU runtime: {v}"
    );

    let lib = temp("gpu-broken-pack-library");
    let photos = models_dir().join("test_photos");
    let catalog = lib.join("catalog.sqlite");
    let catalog = catalog.to_str().unwrap();
    let added = likeness(
        &env,
        &[
            "--catalog",
            catalog,
            "library",
            "add",
            photos.to_str().unwrap(),
        ],
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let index = likeness(&env, &["--catalog", catalog, "index", "--json"]);
    let stderr = String::from_utf8_lossy(&index.stderr);
    assert!(index.status.success(), "{stderr}");
    assert!(
        stderr.contains("running on CPU: the GPU pack at")
            && stderr.contains("libcublasLt.so.13 missing"),
        "{stderr}"
    );
    let done: Value = serde_json::from_slice(&index.stdout).unwrap();
    assert_eq!(done["errors"], 0, "{done}");
    assert!(done["faces"].as_u64().unwrap() > 0);
}

#[test]
fn the_pack_loads_behind_a_driver_and_the_cpu_takes_over_when_the_gpu_does_not_start() {
    let Some(real) = real_pack() else { return };
    if !likeness_testdata::have_program("cc", "--version", "apt-get install gcc") {
        return;
    }
    let driver = stub_driver();
    let env = |extra: &[(&'static str, &str)]| -> Vec<(&'static str, OsString)> {
        let mut v = vec![
            ("LIKENESS_GPU_PACK", real.clone().into_os_string()),
            ("LD_LIBRARY_PATH", driver.clone().into_os_string()),
        ];
        v.extend(extra.iter().map(|(k, val)| (*k, OsString::from(val))));
        v
    };

    // The driver answers: the pack's libraries load (no LD_LIBRARY_PATH for them), ONNX
    // Runtime comes from the pack, its CUDA provider loads and fails at cudaSetDevice.
    let v = doctor(&env(&[]));
    println!("{}", serde_json::to_string_pretty(&v["gpu"]).unwrap());
    let library = v["runtimeLibrary"]["Ok"].as_str().unwrap();
    assert!(library.starts_with(real.to_str().unwrap()), "{library}");
    assert!(
        v["runtimeVersion"].as_str().unwrap().starts_with("1.31.1"),
        "{v}"
    );
    let cuda = v["providersTried"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["provider"] == "CUDA (GPU)")
        .cloned()
        .unwrap();
    assert_eq!(cuda["used"], false);
    let reason = cpu_reason(&v);
    assert!(
        reason.starts_with("the GPU did not start: CUDA failure"),
        "{reason}"
    );
    assert!(
        !reason.contains("onnxruntime_src"),
        "said in a few words: {reason}"
    );

    // The faces are the CPU runtime's: ONNX Runtime 1.31.1 (the pack's, on its CPU provider)
    // against 1.32.0 (the CPU runtime, --cpu).
    let folder = likeness_testdata::reference_dir()
        .expect("shared reference")
        .join("images");
    let from_pack = faces(&env(&[]), &[], &folder);
    let from_cpu = faces(&env(&[]), &["--cpu"], &folder);
    assert_eq!(from_pack.len(), from_cpu.len());
    let (mut n, mut worst) = (0, 0f64);
    for (a, b) in from_pack.iter().zip(&from_cpu) {
        let (fa, fb) = (
            a["faces"].as_array().unwrap(),
            b["faces"].as_array().unwrap(),
        );
        assert_eq!(fa.len(), fb.len(), "{}", a["path"]);
        for (x, y) in fa.iter().zip(fb) {
            for (p, q) in x["embedding"]
                .as_array()
                .unwrap()
                .iter()
                .zip(y["embedding"].as_array().unwrap())
            {
                worst = worst.max((p.as_f64().unwrap() - q.as_f64().unwrap()).abs());
            }
            n += 1;
        }
    }
    println!("{n} faces; worst descriptor difference pack runtime vs CPU runtime {worst:e}");
    assert!(n > 100 && worst < 1e-5, "{n} faces, {worst}");

    // What the driver says decides, before anything of the pack is loaded.
    let old = cpu_reason(&doctor(&env(&[("LIKENESS_STUB_VERSION", "12040")])));
    assert!(
        old.contains("supports CUDA 12.4; the GPU pack needs CUDA 13.0 (driver 580 or newer)"),
        "{old}"
    );
    let none = cpu_reason(&doctor(&env(&[("LIKENESS_STUB_DEVICES", "0")])));
    assert!(none.contains("sees no GPU"), "{none}");
    let init = cpu_reason(&doctor(&env(&[("LIKENESS_STUB_CUINIT", "100")])));
    assert!(init.contains("CUDA_ERROR_NO_DEVICE"), "{init}");
    // The user's choice comes first.
    let v = likeness(&env(&[]), &["--cpu", "doctor", "--json"]);
    let v: Value = serde_json::from_slice(&v.stdout).unwrap();
    assert!(cpu_reason(&v).starts_with("CPU only is chosen"), "{v}");
    assert!(
        v["runtimeVersion"].as_str().unwrap().starts_with("1.32"),
        "{v}"
    );
}
