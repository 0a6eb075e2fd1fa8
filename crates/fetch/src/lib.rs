//! Installs the GPU pack ([`likeness_vision::gpu`]) from the PyPI wheels its manifest pins.
//!
//! This is the only code in Likeness that uses the network, and it runs only when the user asks
//! for the GPU (`likeness gpu install`, Settings → "Use my NVIDIA GPU"). Indexing, the catalog
//! and everything else never reach the network.
//!
//! How an install goes:
//! 1. everything is put together in `<target>.partial/` next to the target folder;
//! 2. each wheel is downloaded (streamed to `<file>.part`, its size and SHA-256 checked against
//!    the manifest), the libraries the pack takes from it are extracted to `lib/` (each checked
//!    against its own size and SHA-256), and the wheel is deleted;
//! 3. `pack.toml` (the manifest) is written last, then the folder is renamed into place: a pack
//!    that [`likeness_vision::gpu::check_pack`] accepts is always whole.
//!
//! A cancelled or failed install keeps the libraries already extracted in `<target>.partial/`,
//! so the next one downloads only the wheels still missing. Wheels can also come from a folder
//! (an offline machine: copy the wheels, no network) or another server (a mirror):
//! [`PackSource`].

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use likeness_vision::gpu::{GpuPackManifest, PackMember, PackWheel, PACK_LIB_DIR, PACK_MARKER};
use sha2::{Digest, Sha256};

/// Environment variable naming where the wheels come from instead of PyPI: a folder holding
/// them (offline install) or an `http(s)://` base URL (a mirror serving them by file name).
pub const WHEELS_ENV: &str = "LIKENESS_GPU_WHEELS";

/// Where the wheels come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackSource {
    /// The URLs the manifest pins (PyPI's file host).
    Pypi,
    /// A folder holding the wheel files under their PyPI names.
    Folder(PathBuf),
    /// A server holding them under `<base>/<file name>`.
    Mirror(String),
}

impl PackSource {
    /// `$LIKENESS_GPU_WHEELS` when set, else PyPI.
    pub fn from_env() -> Self {
        match std::env::var(WHEELS_ENV) {
            Ok(v) if v.starts_with("http://") || v.starts_with("https://") => {
                Self::Mirror(v.trim_end_matches('/').to_string())
            }
            Ok(v) if !v.is_empty() => Self::Folder(PathBuf::from(v)),
            _ => Self::Pypi,
        }
    }

    /// Says where, for messages.
    pub fn describe(&self) -> String {
        match self {
            Self::Pypi => "PyPI (files.pythonhosted.org)".into(),
            Self::Folder(p) => format!("the folder {}", p.display()),
            Self::Mirror(base) => base.clone(),
        }
    }
}

/// Everything an install can stop on; each names what it is about.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("downloading {url}: {message}")]
    Http { url: String, message: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{what}: {detail}; the download was damaged or changed, so nothing was installed from it"
    )]
    Checksum { what: String, detail: String },
    #[error("{path}: not a readable wheel: {message}")]
    Zip { path: PathBuf, message: String },
    #[error(
        "the GPU pack install was cancelled (what was already unpacked is kept for the next try)"
    )]
    Cancelled,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FetchError + '_ {
    move |source| FetchError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What an install is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchPhase {
    Downloading,
    Unpacking,
    Done,
}

/// Progress of an install, reported at most ~5 times a second (and at every phase change).
#[derive(Debug, Clone)]
pub struct FetchProgress {
    pub phase: FetchPhase,
    /// The wheel being worked on.
    pub item: String,
    /// Bytes downloaded (or skipped: already unpacked) of `bytes_total`.
    pub bytes_done: u64,
    /// The whole download (every wheel).
    pub bytes_total: u64,
}

/// What an install did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallSummary {
    /// The installed pack folder.
    pub pack: PathBuf,
    /// Bytes downloaded in this run (less than the whole when a previous try was resumed).
    pub downloaded: u64,
    /// Wheels whose libraries were already unpacked by an earlier try.
    pub resumed: usize,
    pub elapsed: Duration,
}

/// The staging folder of an install into `target`.
pub fn staging_dir(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    target.with_file_name(name)
}

/// Installs `manifest`'s pack into `target` (replacing any pack there once the new one is
/// whole), from `source`. `cancel` stops it between blocks.
pub fn install_pack(
    manifest: &GpuPackManifest,
    target: &Path,
    source: &PackSource,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&FetchProgress),
) -> Result<InstallSummary, FetchError> {
    let started = Instant::now();
    let staging = staging_dir(target);
    let lib = staging.join(PACK_LIB_DIR);
    std::fs::create_dir_all(&lib).map_err(io(&lib))?;
    let mut report = Reporter::new(manifest.download_bytes(), progress);
    let mut downloaded = 0;
    let mut resumed = 0;
    for wheel in &manifest.wheels {
        if cancel.load(Ordering::Relaxed) {
            return Err(FetchError::Cancelled);
        }
        if wheel.members.iter().all(|m| is_unpacked(&lib, m)) {
            resumed += 1;
            report.skip(&wheel.file, wheel.size);
            continue;
        }
        let file = staging.join(&wheel.file);
        fetch_wheel(wheel, source, &file, cancel, &mut report)?;
        downloaded += wheel.size;
        report.phase(FetchPhase::Unpacking, &wheel.file);
        let unpacked = unpack(wheel, &file, &lib, cancel);
        // The wheel is not needed once its libraries are out (or if it is bad).
        if let Err(e) = std::fs::remove_file(&file) {
            tracing::warn!(path = %file.display(), error = %e, "downloaded wheel not removed");
        }
        unpacked?;
    }
    let marker = staging.join(PACK_MARKER);
    let text = toml::to_string(manifest).map_err(|e| FetchError::Io {
        path: marker.clone(),
        source: std::io::Error::other(e),
    })?;
    std::fs::write(&marker, text).map_err(io(&marker))?;
    if target.exists() {
        let old = target.with_extension("old");
        let _ = std::fs::remove_dir_all(&old);
        std::fs::rename(target, &old).map_err(io(target))?;
        std::fs::remove_dir_all(&old).map_err(io(&old))?;
    }
    std::fs::rename(&staging, target).map_err(io(target))?;
    report.phase(FetchPhase::Done, "");
    tracing::info!(pack = %target.display(), downloaded, resumed, "GPU pack installed");
    Ok(InstallSummary {
        pack: target.to_path_buf(),
        downloaded,
        resumed,
        elapsed: started.elapsed(),
    })
}

/// Removes an installed pack (and any unfinished install next to it).
pub fn remove_pack(target: &Path) -> Result<bool, FetchError> {
    let staging = staging_dir(target);
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(io(&staging))?;
    }
    if target.exists() {
        std::fs::remove_dir_all(target).map_err(io(target))?;
        return Ok(true);
    }
    Ok(false)
}

/// Hashes every library of an installed pack against the manifest (the full check; loading
/// checks sizes only). Returns the libraries that differ.
pub fn verify_pack(manifest: &GpuPackManifest, root: &Path) -> Result<Vec<String>, FetchError> {
    let lib = root.join(PACK_LIB_DIR);
    let mut bad = Vec::new();
    for m in manifest.members() {
        let path = lib.join(m.file_name());
        match File::open(&path) {
            Ok(mut f) => {
                let mut h = Sha256::new();
                std::io::copy(&mut f, &mut h).map_err(io(&path))?;
                if hex::encode(h.finalize()) != m.sha256 {
                    bad.push(m.file_name().to_string());
                }
            }
            Err(_) => bad.push(m.file_name().to_string()),
        }
    }
    Ok(bad)
}

fn is_unpacked(lib: &Path, m: &PackMember) -> bool {
    std::fs::metadata(lib.join(m.file_name())).is_ok_and(|meta| meta.len() == m.size)
}

/// Gets one wheel into `dest` (checked), from the source.
fn fetch_wheel(
    wheel: &PackWheel,
    source: &PackSource,
    dest: &Path,
    cancel: &AtomicBool,
    report: &mut Reporter<'_>,
) -> Result<(), FetchError> {
    report.phase(FetchPhase::Downloading, &wheel.file);
    let part = dest.with_extension("whl.part");
    let mut out = File::create(&part).map_err(io(&part))?;
    let mut hasher = Sha256::new();
    let mut got: u64 = 0;
    let mut copy = |reader: &mut dyn Read, what: &str| -> Result<(), FetchError> {
        let mut buf = vec![0u8; 1 << 20];
        loop {
            if cancel.load(Ordering::Relaxed) {
                return Err(FetchError::Cancelled);
            }
            let n = reader.read(&mut buf).map_err(|e| FetchError::Http {
                url: what.to_string(),
                message: e.to_string(),
            })?;
            if n == 0 {
                return Ok(());
            }
            got += n as u64;
            if got > wheel.size {
                return Err(FetchError::Checksum {
                    what: what.to_string(),
                    detail: format!("more than the pinned {} bytes", wheel.size),
                });
            }
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n]).map_err(io(&part))?;
            report.advance(n as u64);
        }
    };
    match source {
        PackSource::Folder(dir) => {
            let from = dir.join(&wheel.file);
            let mut f = File::open(&from).map_err(io(&from))?;
            copy(&mut f, &from.display().to_string())?;
        }
        PackSource::Pypi | PackSource::Mirror(_) => {
            let url = match source {
                PackSource::Mirror(base) => format!("{base}/{}", wheel.file),
                _ => wheel.url.clone(),
            };
            let response = agent().get(&url).call().map_err(|e| FetchError::Http {
                url: url.clone(),
                message: e.to_string(),
            })?;
            let mut reader = response.into_body().into_reader();
            copy(&mut reader, &url)?;
        }
    }
    out.flush().map_err(io(&part))?;
    drop(out);
    let sum = hex::encode(hasher.finalize());
    if got != wheel.size || sum != wheel.sha256 {
        let _ = std::fs::remove_file(&part);
        return Err(FetchError::Checksum {
            what: wheel.file.clone(),
            detail: format!(
                "got {got} bytes with sha256 {sum}; the manifest pins {} bytes with {}",
                wheel.size, wheel.sha256
            ),
        });
    }
    std::fs::rename(&part, dest).map_err(io(dest))
}

/// The HTTP client: the system's trusted certificates (so a proxy or mirror with the
/// organisation's own CA works, as it does for pip), a proxy from `HTTPS_PROXY`/`ALL_PROXY`,
/// 30 s to connect and 60 s for the server to start answering.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::PlatformVerifier)
                .build(),
        )
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// Extracts the wheel's pack libraries into `lib`, each checked.
fn unpack(
    wheel: &PackWheel,
    file: &Path,
    lib: &Path,
    cancel: &AtomicBool,
) -> Result<(), FetchError> {
    let zip_err = |e: zip::result::ZipError| FetchError::Zip {
        path: file.to_path_buf(),
        message: e.to_string(),
    };
    let mut archive = zip::ZipArchive::new(File::open(file).map_err(io(file))?).map_err(zip_err)?;
    for m in &wheel.members {
        if cancel.load(Ordering::Relaxed) {
            return Err(FetchError::Cancelled);
        }
        let dest = lib.join(m.file_name());
        let part = lib.join(format!("{}.part", m.file_name()));
        let mut entry = archive.by_name(&m.path).map_err(zip_err)?;
        let mut out = File::create(&part).map_err(io(&part))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut got: u64 = 0;
        loop {
            let n = entry.read(&mut buf).map_err(io(file))?;
            if n == 0 {
                break;
            }
            got += n as u64;
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n]).map_err(io(&part))?;
        }
        drop(out);
        let sum = hex::encode(hasher.finalize());
        if got != m.size || sum != m.sha256 {
            let _ = std::fs::remove_file(&part);
            return Err(FetchError::Checksum {
                what: format!("{}:{}", wheel.file, m.path),
                detail: format!(
                    "{got} bytes with sha256 {sum}; the manifest pins {} bytes with {}",
                    m.size, m.sha256
                ),
            });
        }
        set_executable(&part)?;
        std::fs::rename(&part, &dest).map_err(io(&dest))?;
    }
    Ok(())
}

#[cfg(unix)]
fn set_executable(path: &Path) -> Result<(), FetchError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).map_err(io(path))
}

#[cfg(not(unix))]
fn set_executable(_: &Path) -> Result<(), FetchError> {
    Ok(())
}

/// Rate-limited progress.
struct Reporter<'a> {
    p: FetchProgress,
    last: Option<Instant>,
    sink: &'a mut dyn FnMut(&FetchProgress),
}

impl<'a> Reporter<'a> {
    fn new(total: u64, sink: &'a mut dyn FnMut(&FetchProgress)) -> Self {
        Self {
            p: FetchProgress {
                phase: FetchPhase::Downloading,
                item: String::new(),
                bytes_done: 0,
                bytes_total: total,
            },
            last: None,
            sink,
        }
    }

    fn emit(&mut self, force: bool) {
        let due = self
            .last
            .is_none_or(|t| t.elapsed() >= Duration::from_millis(200));
        if due || force {
            (self.sink)(&self.p);
            self.last = Some(Instant::now());
        }
    }

    fn phase(&mut self, phase: FetchPhase, item: &str) {
        self.p.phase = phase;
        self.p.item = item.to_string();
        self.emit(true);
    }

    fn advance(&mut self, n: u64) {
        self.p.bytes_done += n;
        self.emit(false);
    }

    fn skip(&mut self, item: &str, n: u64) {
        self.p.item = item.to_string();
        self.p.bytes_done += n;
        self.emit(true);
    }
}

#[cfg(test)]
mod tests;
