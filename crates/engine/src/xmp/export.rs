//! Writing named faces into XMP.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use likeness_catalog::{Catalog, PersonId, PhotoId, XmpPhoto, XmpScope};
use likeness_xmp::{
    jpeg_xmp_packet, merge_into_jpeg, merge_sidecar, oriented_box_to_stored_area, read_xmp,
    write_atomic, ExportOptions, NormArea, OwnRegion, RegionKind, XmpError, MAX_XMP_BYTES,
};

use super::{SidecarStyle, XmpOptions};
use crate::clock::Clock;
use crate::error::EngineError;

/// Which photos [`export`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportScope {
    /// Every photo with a named face, and every photo exported before (to remove faces that
    /// are no longer named).
    All,
    /// The photos of one person.
    Person(PersonId),
    /// The photos the catalog marked since the last export (the automatic export). A photo
    /// whose content digest equals the recorded one is not even read.
    Dirty,
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportOutcome {
    Written,
    /// Dry run: would be written.
    WouldWrite,
    /// The merged bytes equal the file's (or there is nothing of ours to write): untouched.
    Unchanged,
    /// Not written, not an error (e.g. `--embed` on a PNG: a sidecar is written instead).
    Skipped {
        reason: String,
    },
    /// This file failed (a warning: the export went on). The file was left as it was.
    Failed {
        code: &'static str,
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct FileExport {
    /// The sidecar (or the JPEG with `embed_in_jpeg`).
    pub target: PathBuf,
    pub outcome: ExportOutcome,
}

/// One photo's export.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoExport {
    pub photo: PhotoId,
    /// (name, stored-frame area) of the faces exported.
    pub regions: Vec<(String, NormArea)>,
    /// One entry per live file of the photo (duplicates each get their sidecar).
    pub files: Vec<FileExport>,
    /// Why nothing was looked at (no live file, nothing named and never exported).
    pub skipped: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExportSummary {
    pub photos: Vec<PhotoExport>,
    /// Files written (or, in a dry run, that would be).
    pub written: u64,
    pub unchanged: u64,
    pub skipped: u64,
    pub failed: u64,
    pub dry_run: bool,
    pub cancelled: bool,
    pub elapsed: Duration,
}

impl ExportSummary {
    fn count(&mut self, outcome: &ExportOutcome) {
        match outcome {
            ExportOutcome::Written | ExportOutcome::WouldWrite => self.written += 1,
            ExportOutcome::Unchanged => self.unchanged += 1,
            ExportOutcome::Skipped { .. } => self.skipped += 1,
            ExportOutcome::Failed { .. } => self.failed += 1,
        }
    }
}

/// Exports the named faces of the photos in `scope` (see the module docs). A failing photo or
/// file is recorded in the summary and the export goes on; only a catalog error is an `Err`.
/// `cancel` stops between photos (`cancelled` in the summary; marks of `Dirty` photos not yet
/// done are put back).
pub fn export(
    catalog: &mut Catalog,
    scope: ExportScope,
    opts: &XmpOptions,
    clock: &dyn Clock,
    cancel: &AtomicBool,
) -> Result<ExportSummary, EngineError> {
    let started = Instant::now();
    let ids = catalog.xmp_photos(match scope {
        ExportScope::All => XmpScope::All,
        ExportScope::Person(p) => XmpScope::Person(p),
        ExportScope::Dirty => XmpScope::Dirty,
    })?;
    let mut summary = ExportSummary {
        dry_run: opts.dry_run,
        ..ExportSummary::default()
    };
    for (i, &id) in ids.iter().enumerate() {
        if cancel.load(Ordering::Relaxed) {
            summary.cancelled = true;
            if scope == ExportScope::Dirty {
                catalog.mark_xmp_dirty(&ids[i..])?;
            }
            break;
        }
        let Some(x) = catalog.xmp_photo(id)? else {
            continue;
        };
        let report = export_photo(&x, scope, opts);
        let failed = report
            .files
            .iter()
            .any(|f| matches!(f.outcome, ExportOutcome::Failed { .. }));
        for f in &report.files {
            summary.count(&f.outcome);
            if let ExportOutcome::Failed { code, message } = &f.outcome {
                tracing::warn!(file = %f.target.display(), code, %message, "XMP export failed");
            }
        }
        if report.skipped.is_some() {
            summary.skipped += 1;
        }
        if !opts.dry_run && !failed && report.skipped.is_none() {
            let digest = (!report.regions.is_empty()).then(|| digest(&x, &report.regions, opts));
            if digest != x.exported {
                catalog.record_xmp_export(id, digest.as_deref(), clock.now())?;
            }
        }
        summary.photos.push(report);
    }
    if opts.dry_run && scope == ExportScope::Dirty {
        // A dry run takes nothing away: the marks stay for the real export.
        catalog.mark_xmp_dirty(&ids)?;
    }
    summary.elapsed = started.elapsed();
    tracing::info!(
        photos = summary.photos.len(),
        written = summary.written,
        unchanged = summary.unchanged,
        failed = summary.failed,
        elapsed_ms = summary.elapsed.as_millis() as u64,
        "XMP export"
    );
    Ok(summary)
}

fn own_regions(x: &XmpPhoto) -> Vec<OwnRegion> {
    let m = &x.photo.meta;
    x.faces
        .iter()
        .map(|f| {
            let b = f.bbox.map(f64::from);
            OwnRegion {
                face: format!("likeness:{}", f.face),
                name: f.name.clone(),
                area: oriented_box_to_stored_area(b, (m.width, m.height), u16::from(m.orientation)),
            }
        })
        .collect()
}

/// What was exported for a photo, as a digest: sizes, orientation, options and every
/// region (name + area bits). Equal digests = identical bytes to write.
fn digest(x: &XmpPhoto, regions: &[(String, NormArea)], opts: &XmpOptions) -> Vec<u8> {
    let m = &x.photo.meta;
    let mut h = blake3::Hasher::new();
    h.update(
        format!(
            "v1|{}x{}|{}x{}|{}|{}|{}|{}",
            m.stored_width,
            m.stored_height,
            m.width,
            m.height,
            m.orientation,
            opts.sidecar_style.as_str(),
            opts.embed_in_jpeg,
            opts.keywords
        )
        .as_bytes(),
    );
    for p in &x.photo.paths {
        h.update(p.as_os_str().as_encoded_bytes());
        h.update(b"\0");
    }
    for (name, a) in regions {
        h.update(name.as_bytes());
        h.update(b"\0");
        for v in [a.x, a.y, a.w, a.h] {
            h.update(&v.to_bits().to_le_bytes());
        }
    }
    h.finalize().as_bytes().to_vec()
}

fn export_photo(x: &XmpPhoto, scope: ExportScope, opts: &XmpOptions) -> PhotoExport {
    let own = own_regions(x);
    let mut report = PhotoExport {
        photo: x.photo.id,
        regions: own.iter().map(|r| (r.name.clone(), r.area)).collect(),
        files: Vec::new(),
        skipped: None,
    };
    if x.photo.paths.is_empty() {
        report.skipped = Some("no live file".into());
        return report;
    }
    if own.is_empty() && x.exported.is_none() {
        report.skipped = Some("no named face, never exported".into());
        return report;
    }
    let skip_by_digest = scope == ExportScope::Dirty
        && !opts.dry_run
        && x.exported.is_some()
        && x.exported == (!own.is_empty()).then(|| digest(x, &report.regions, opts));
    let m = &x.photo.meta;
    let dims = (m.stored_width, m.stored_height);
    let xo = ExportOptions {
        keywords: opts.keywords,
    };
    for path in &x.photo.paths {
        let embed = opts.embed_in_jpeg && m.format.eq_ignore_ascii_case("jpeg");
        let target = if embed {
            path.clone()
        } else {
            sidecar_target(opts.sidecar_style, path)
        };
        let outcome = if skip_by_digest {
            ExportOutcome::Unchanged
        } else if embed {
            export_into_jpeg(path, dims, &own, &xo, opts.dry_run)
        } else {
            export_sidecar(&target, dims, &own, &xo, opts.dry_run, x.exported.is_some())
        };
        if opts.embed_in_jpeg && !embed {
            tracing::debug!(file = %path.display(), "not a JPEG: sidecar written instead");
        }
        report.files.push(FileExport { target, outcome });
    }
    report
}

/// The sidecar in the configured style; but when only the other style's sidecar exists
/// (another tool's), that one: merge into it rather than start a second file.
fn sidecar_target(style: SidecarStyle, photo: &Path) -> PathBuf {
    let preferred = style.sidecar_path(photo);
    let other = match style {
        SidecarStyle::PhotoJpgXmp => SidecarStyle::PhotoXmp,
        SidecarStyle::PhotoXmp => SidecarStyle::PhotoJpgXmp,
    }
    .sidecar_path(photo);
    if !preferred.exists() && other != preferred && other.is_file() {
        other
    } else {
        preferred
    }
}

fn failed(e: &XmpError) -> ExportOutcome {
    ExportOutcome::Failed {
        code: e.code(),
        message: e.to_string(),
    }
}

fn io_failed(path: &Path, e: &std::io::Error) -> ExportOutcome {
    ExportOutcome::Failed {
        code: "io",
        message: format!("{}: {e}", path.display()),
    }
}

/// Our regions minus those a foreign region already states (same name, IoU ≥ 0.5 in the
/// stored frame), and whether the packet holds regions of ours.
fn against_existing(packet: &[u8], own: &[OwnRegion]) -> Result<(Vec<OwnRegion>, bool), XmpError> {
    let tags = read_xmp(packet)?;
    let ours = tags.regions.iter().any(|r| r.likeness_face.is_some());
    let keep = own
        .iter()
        .filter(|o| {
            !tags.regions.iter().any(|r| {
                r.likeness_face.is_none()
                    && r.kind == RegionKind::Face
                    && r.name
                        .as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(&o.name))
                    && area_iou(&r.area, &o.area) >= 0.5
            })
        })
        .cloned()
        .collect();
    Ok((keep, ours))
}

pub(crate) fn area_iou(a: &NormArea, b: &NormArea) -> f64 {
    let c = |r: &NormArea| {
        [
            r.x - r.w / 2.0,
            r.y - r.h / 2.0,
            r.x + r.w / 2.0,
            r.y + r.h / 2.0,
        ]
    };
    likeness_geometry::iou(c(a), c(b))
}

fn export_sidecar(
    target: &Path,
    dims: (u32, u32),
    own: &[OwnRegion],
    xo: &ExportOptions,
    dry_run: bool,
    exported_before: bool,
) -> ExportOutcome {
    let existing = match std::fs::metadata(target) {
        Ok(meta) if meta.len() > MAX_XMP_BYTES as u64 => {
            return failed(&XmpError::TooLarge {
                bytes: usize::try_from(meta.len()).unwrap_or(usize::MAX),
                limit: MAX_XMP_BYTES,
            })
        }
        Ok(_) => match std::fs::read(target) {
            Ok(b) => Some(b),
            Err(e) => return io_failed(target, &e),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return io_failed(target, &e),
    };
    let (own, ours) = match &existing {
        Some(bytes) => match against_existing(bytes, own) {
            Ok(v) => v,
            Err(e) => return failed(&e),
        },
        None => (own.to_vec(), false),
    };
    if own.is_empty() && !ours && (existing.is_none() || !exported_before) {
        return ExportOutcome::Unchanged;
    }
    let merged = match merge_sidecar(existing.as_deref(), dims, &own, xo) {
        Ok(b) => b,
        Err(e) => return failed(&e),
    };
    write_if_changed(target, existing.as_deref(), &merged, dry_run)
}

fn export_into_jpeg(
    path: &Path,
    dims: (u32, u32),
    own: &[OwnRegion],
    xo: &ExportOptions,
    dry_run: bool,
) -> ExportOutcome {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return io_failed(path, &e),
    };
    let (own, _) = match jpeg_xmp_packet(&bytes) {
        Ok(Some(packet)) => match against_existing(&packet, own) {
            Ok(v) => v,
            Err(e) => return failed(&e),
        },
        Ok(None) => (own.to_vec(), false),
        Err(e) => return failed(&e),
    };
    let merged = match merge_into_jpeg(&bytes, dims, &own, xo) {
        Ok(b) => b,
        Err(e) => return failed(&e),
    };
    write_if_changed(path, Some(&bytes), &merged, dry_run)
}

fn write_if_changed(
    target: &Path,
    existing: Option<&[u8]>,
    merged: &[u8],
    dry_run: bool,
) -> ExportOutcome {
    if existing == Some(merged) {
        return ExportOutcome::Unchanged;
    }
    if dry_run {
        return ExportOutcome::WouldWrite;
    }
    match write_atomic(target, merged) {
        Ok(()) => ExportOutcome::Written,
        Err(e) => failed(&e),
    }
}
