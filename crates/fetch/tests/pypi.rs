//! The GPU pack manifest resolves on PyPI: every pinned wheel exists there under the pinned
//! version, at the pinned URL, with the pinned size and SHA-256 (PyPI's Simple API, JSON form,
//! PEP 691: a few kilobytes of metadata per package, no wheel is downloaded). That the pinned
//! ONNX Runtime is one `ort` accepts is checked by likeness-vision's unit tests
//! (`the_builtin_manifest_is_consistent_and_accepted_by_ort`).
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use likeness_vision::gpu::{GpuPackManifest, CUDA_LINUX_X86_64};
use serde_json::Value;

#[test]
fn every_pinned_wheel_is_on_pypi_with_its_size_and_sha256() {
    let manifest =
        GpuPackManifest::parse(CUDA_LINUX_X86_64, std::path::Path::new("builtin")).unwrap();
    let agent = likeness_fetch::agent();
    for wheel in &manifest.wheels {
        let url = format!("https://pypi.org/simple/{}/", wheel.package);
        let response = agent
            .get(&url)
            .header("Accept", "application/vnd.pypi.simple.v1+json")
            .call();
        let mut response = match response {
            Ok(r) => r,
            Err(e) => {
                // PyPI is a package registry: reachable wherever set-up is (CI included).
                likeness_testdata::skip_or_fail(&format!("PyPI not reachable ({url}: {e})"));
                return;
            }
        };
        let index: Value =
            serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
        let files = index["files"].as_array().unwrap();
        let file = files
            .iter()
            .find(|f| f["filename"] == wheel.file.as_str())
            .unwrap_or_else(|| panic!("{} is not on PyPI any more", wheel.file));
        assert_eq!(file["url"], wheel.url.as_str(), "{}: URL", wheel.file);
        assert_eq!(file["size"], wheel.size, "{}: size", wheel.file);
        assert_eq!(
            file["hashes"]["sha256"],
            wheel.sha256.as_str(),
            "{}: sha256",
            wheel.file
        );
        assert!(
            file["yanked"] == false || file["yanked"].is_null(),
            "{} was yanked: {}",
            wheel.file,
            file["yanked"]
        );
        assert!(
            wheel.file.contains(&format!("-{}-", wheel.version)),
            "{}: version",
            wheel.file
        );
        println!(
            "{} {}: on PyPI, {} bytes, sha256 {}",
            wheel.package,
            wheel.version,
            wheel.size,
            &wheel.sha256[..16]
        );
    }
    println!(
        "{} wheels, {} bytes to download, {} bytes installed",
        manifest.wheels.len(),
        manifest.download_bytes(),
        manifest.installed_bytes()
    );
}
