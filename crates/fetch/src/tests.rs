//! Installs from a real HTTP server on loopback (and from a folder), with wheels made here:
//! the download, the checks, resuming, cancelling and replacing are the real code paths.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;

use likeness_vision::gpu::check_pack;

use super::*;

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A zip ("wheel") holding `files`, and its manifest entry.
fn wheel(package: &str, files: &[(&str, Vec<u8>)]) -> (PackWheel, Vec<u8>) {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        z.start_file(format!("{package}-1.0.dist-info/METADATA"), opts)
            .expect("start");
        z.write_all(b"Name: test\n").expect("write");
        for (path, data) in files {
            z.start_file(*path, opts).expect("start");
            z.write_all(data).expect("write");
        }
        z.finish().expect("finish");
    }
    let bytes = buf.into_inner();
    let file = format!("{package}-1.0-py3-none-manylinux_2_17_x86_64.whl");
    let entry = PackWheel {
        package: package.into(),
        version: "1.0".into(),
        url: format!("https://files.pythonhosted.org/never/{file}"),
        file,
        size: bytes.len() as u64,
        sha256: sha(&bytes),
        members: files
            .iter()
            .map(|(path, data)| PackMember {
                path: (*path).into(),
                size: data.len() as u64,
                sha256: sha(data),
            })
            .collect(),
    };
    (entry, bytes)
}

fn lib_bytes(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

/// Two wheels, three libraries; the wheel bytes by file name.
fn test_pack() -> (GpuPackManifest, HashMap<String, Vec<u8>>) {
    let (a, a_bytes) = wheel(
        "onnxruntime_gpu",
        &[
            (
                "onnxruntime/capi/libonnxruntime.so.1.31.1",
                lib_bytes(1, 300_000),
            ),
            (
                "onnxruntime/capi/libonnxruntime_providers_cuda.so",
                lib_bytes(2, 2_500_000),
            ),
        ],
    );
    let (b, b_bytes) = wheel(
        "nvidia_cuda_runtime",
        &[("nvidia/cu13/lib/libcudart.so.13", lib_bytes(3, 80_000))],
    );
    let files = HashMap::from([(a.file.clone(), a_bytes), (b.file.clone(), b_bytes)]);
    let manifest = GpuPackManifest {
        name: "test-pack".into(),
        title: "test pack".into(),
        os: "linux".into(),
        arch: "x86_64".into(),
        onnxruntime: "1.31.1".into(),
        min_ort_api: 31,
        library: "libonnxruntime.so.1.31.1".into(),
        cuda: "13.0".into(),
        min_driver_cuda: 13000,
        min_driver_linux: "580".into(),
        preload: vec!["libcudart.so.13".into()],
        wheels: vec![a, b],
    };
    manifest.validate().expect("valid");
    (manifest, files)
}

/// Serves `files` by name over HTTP/1.1 on loopback; returns the base URL and a request counter.
fn serve(files: HashMap<String, Vec<u8>>) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).map_or(true, |n| n == 0) || line == "\r\n" {
                    break;
                }
            }
            counter.fetch_add(1, Ordering::SeqCst);
            let path = request
                .split_whitespace()
                .nth(1)
                .unwrap_or("/")
                .trim_start_matches('/');
            match files.get(path) {
                Some(body) => {
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(head.as_bytes());
                    let _ = stream.write_all(body);
                }
                None => {
                    let _ = stream.write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                }
            }
        }
    });
    (base, hits)
}

#[test]
fn a_pack_is_downloaded_checked_and_put_in_place_whole() {
    let (manifest, files) = test_pack();
    let (base, hits) = serve(files);
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("gpu").join(&manifest.name);
    let mut seen = Vec::new();
    let summary = install_pack(
        &manifest,
        &target,
        &PackSource::Mirror(base),
        &AtomicBool::new(false),
        &mut |p| seen.push(p.clone()),
    )
    .expect("installed");
    assert_eq!(summary.downloaded, manifest.download_bytes());
    assert_eq!(summary.resumed, 0);
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    check_pack(&target, &manifest).expect("the installed pack passes the loader's check");
    assert!(verify_pack(&manifest, &target).expect("hashed").is_empty());
    assert!(!staging_dir(&target).exists(), "no staging folder left");
    // Only libraries and the marker: the wheels are gone.
    let mut names: Vec<String> = std::fs::read_dir(&target)
        .expect("read")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["lib", "pack.toml"]);
    // Progress: downloading, unpacking, done; bytes reach the total.
    assert_eq!(
        seen.first().map(|p| &p.phase),
        Some(&FetchPhase::Downloading)
    );
    assert!(seen.iter().any(|p| p.phase == FetchPhase::Unpacking));
    let last = seen.last().expect("progress");
    assert_eq!(last.phase, FetchPhase::Done);
    assert_eq!(last.bytes_done, last.bytes_total);
}

#[test]
fn a_changed_download_is_refused_and_nothing_is_installed() {
    let (manifest, mut files) = test_pack();
    let second = manifest.wheels[1].file.clone();
    if let Some(bytes) = files.get_mut(&second) {
        let n = bytes.len();
        bytes[n / 2] ^= 0xff;
    }
    let (base, _) = serve(files);
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join(&manifest.name);
    let err = install_pack(
        &manifest,
        &target,
        &PackSource::Mirror(base),
        &AtomicBool::new(false),
        &mut |_| {},
    )
    .expect_err("refused");
    let text = err.to_string();
    assert!(matches!(err, FetchError::Checksum { .. }), "{text}");
    assert!(text.contains(&second) && text.contains("sha256"), "{text}");
    assert!(!target.exists(), "no pack is installed");
    // The first wheel's libraries stay staged for the next try; the bad wheel is not kept.
    let staged = staging_dir(&target);
    assert!(staged.join("lib/libonnxruntime.so.1.31.1").is_file());
    assert!(!staged.join(&second).exists() && !staged.join(format!("{second}.part")).exists());
}

#[test]
fn a_missing_file_on_the_server_names_the_url() {
    let (manifest, mut files) = test_pack();
    files.remove(&manifest.wheels[0].file);
    let (base, _) = serve(files);
    let dir = tempfile::tempdir().expect("tempdir");
    let err = install_pack(
        &manifest,
        &dir.path().join("p"),
        &PackSource::Mirror(base.clone()),
        &AtomicBool::new(false),
        &mut |_| {},
    )
    .expect_err("404");
    let text = err.to_string();
    assert!(
        text.contains(&format!("{base}/{}", manifest.wheels[0].file)) && text.contains("404"),
        "{text}"
    );
}

#[test]
fn a_cancelled_install_resumes_where_it_stopped() {
    let (manifest, files) = test_pack();
    let (base, hits) = serve(files);
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join(&manifest.name);
    let cancel = AtomicBool::new(false);
    // Cancel as soon as the first wheel is unpacked.
    let err = install_pack(
        &manifest,
        &target,
        &PackSource::Mirror(base.clone()),
        &cancel,
        &mut |p| {
            if p.phase == FetchPhase::Downloading && p.item == manifest.wheels[1].file {
                cancel.store(true, Ordering::SeqCst);
            }
        },
    )
    .expect_err("cancelled");
    assert!(matches!(err, FetchError::Cancelled), "{err}");
    assert!(!target.exists());
    let summary = install_pack(
        &manifest,
        &target,
        &PackSource::Mirror(base),
        &AtomicBool::new(false),
        &mut |_| {},
    )
    .expect("resumed");
    assert_eq!(summary.resumed, 1);
    assert_eq!(summary.downloaded, manifest.wheels[1].size);
    assert_eq!(
        hits.load(Ordering::SeqCst),
        3,
        "the first wheel is not downloaded twice"
    );
    check_pack(&target, &manifest).expect("whole");
}

#[test]
fn wheels_from_a_folder_install_without_a_network_and_replace_an_old_pack() {
    let (manifest, files) = test_pack();
    let dir = tempfile::tempdir().expect("tempdir");
    let wheels = dir.path().join("wheels");
    std::fs::create_dir_all(&wheels).expect("mkdir");
    for (name, bytes) in &files {
        std::fs::write(wheels.join(name), bytes).expect("write");
    }
    let target = dir.path().join(&manifest.name);
    std::fs::create_dir_all(target.join("lib")).expect("old pack");
    std::fs::write(target.join("lib/stale.so"), b"old").expect("old lib");
    install_pack(
        &manifest,
        &target,
        &PackSource::Folder(wheels.clone()),
        &AtomicBool::new(false),
        &mut |_| {},
    )
    .expect("installed");
    assert!(
        !target.join("lib/stale.so").exists(),
        "the old pack was replaced"
    );
    check_pack(&target, &manifest).expect("whole");
    // The wheels in the folder are the user's: left alone.
    assert_eq!(std::fs::read_dir(&wheels).expect("read").count(), 2);

    // A library changed after install is found by the full check.
    std::fs::write(target.join("lib/libcudart.so.13"), lib_bytes(9, 80_000)).expect("write");
    assert_eq!(
        verify_pack(&manifest, &target).expect("hashed"),
        ["libcudart.so.13"]
    );

    assert!(remove_pack(&target).expect("removed"));
    assert!(!target.exists());
    assert!(!remove_pack(&target).expect("nothing to remove"));
}

#[test]
fn the_source_comes_from_the_environment() {
    // Only the parsing: the variable itself is read by `from_env`.
    assert_eq!(PackSource::Pypi.describe(), "PyPI (files.pythonhosted.org)");
    assert!(PackSource::Folder(PathBuf::from("/w"))
        .describe()
        .contains("/w"));
}
