//! Reading face regions other tools (or we) wrote, into the catalog.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use likeness_catalog::{
    Catalog, EditSummary, FaceId, FaceRow, ImportConflictReason, ImportItem, ImportTarget, NewFace,
    PersonId, PhotoId, PhotoRow,
};
use likeness_xmp::{
    jpeg_xmp_packet, read_xmp, stored_area_to_oriented_box, FaceTags, RegionKind, XmpError,
    MAX_XMP_BYTES,
};

use likeness_geometry::iou;

use super::manual::{manual_face, ManualEmbedding};
use super::SidecarStyle;
use crate::clock::Clock;
use crate::error::EngineError;
use crate::pipeline::FacePipeline;

/// Where a region was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionOrigin {
    Sidecar(PathBuf),
    /// The packet inside the JPEG.
    Embedded,
}

/// What the import did (or, in a dry run, would do) with one named face region.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportAction {
    /// A detected face confirmed to `name`.
    Confirmed {
        face: FaceId,
        name: String,
        person: PersonId,
        person_created: bool,
    },
    /// No face matched: a manual face was created (ids provisional in a dry run).
    ManualFace {
        face: FaceId,
        name: String,
        person: PersonId,
        person_created: bool,
        /// Upright box, pixels.
        bbox: [f32; 4],
        embedding: ManualEmbedding,
    },
    /// Already so in the catalog.
    Unchanged { face: FaceId, name: String },
    /// The user decided otherwise; the user's decision was kept.
    Conflict {
        face: FaceId,
        name: String,
        reason: ImportConflictReason,
    },
}

/// Something in one photo's files that was not imported.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportWarning {
    /// A sidecar or packet could not be read (malformed, too large, DOCTYPE, I/O); the other
    /// sources of the photo were still read.
    Unreadable {
        origin: RegionOrigin,
        code: &'static str,
        message: String,
    },
    /// A region without a name, or not a face (pet, focus…), ignored.
    Ignored {
        origin: RegionOrigin,
        name: Option<String>,
        reason: String,
    },
    /// Names (PersonInImage, digiKam tags) with no region: they say who is in the photo,
    /// not which face, so nothing is assigned.
    NamesWithoutRegion { names: Vec<String> },
    /// The region's manual face could not be made (the photo did not decode…).
    ManualFaceFailed { name: String, message: String },
}

/// One photo's import.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoImport {
    pub path: PathBuf,
    /// `None`: not in the catalog (index it first) — or not a photo at all.
    pub photo: Option<PhotoId>,
    /// Sidecars / packets that held XMP.
    pub sources: Vec<RegionOrigin>,
    /// Named face regions found (after merging duplicates across sources).
    pub regions: usize,
    pub actions: Vec<ImportAction>,
    pub warnings: Vec<ImportWarning>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportSummary {
    pub photos: Vec<PhotoImport>,
    /// The one undoable edit; `None` when nothing changed or in a dry run.
    pub edit: Option<EditSummary>,
    pub confirmed: u64,
    pub manual_faces: u64,
    pub people_created: u64,
    pub unchanged: u64,
    pub conflicts: u64,
    pub warnings: u64,
    /// Paths given that are not photos of the catalog.
    pub not_in_catalog: u64,
    pub dry_run: bool,
    pub cancelled: bool,
    pub elapsed: Duration,
}

/// Imports the face regions of `paths` (photos, their sidecars, or folders walked
/// recursively) — see the module docs. `pipeline` computes manual faces' embeddings (a dry
/// run computes nothing); without one, unmatched regions are warnings and nothing else. One bad file is a warning of its
/// photo; only a catalog error is an `Err`.
pub fn import(
    catalog: &mut Catalog,
    pipeline: Option<&FacePipeline>,
    paths: &[PathBuf],
    dry_run: bool,
    clock: &dyn Clock,
    cancel: &AtomicBool,
) -> Result<ImportSummary, EngineError> {
    let started = Instant::now();
    let mut summary = ImportSummary {
        dry_run,
        ..ImportSummary::default()
    };
    let mut items: Vec<ImportItem> = Vec::new();
    // (photo report index, action template) per item.
    let mut owners: Vec<(usize, Pending)> = Vec::new();
    for path in photo_paths(paths) {
        if cancel.load(Ordering::Relaxed) {
            summary.cancelled = true;
            break;
        }
        let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        let photo = catalog.photo_by_path(&canonical)?;
        let mut report = PhotoImport {
            path: path.clone(),
            photo: photo.as_ref().map(|p| p.id),
            sources: Vec::new(),
            regions: 0,
            actions: Vec::new(),
            warnings: Vec::new(),
        };
        let Some(photo) = photo else {
            summary.not_in_catalog += 1;
            summary.photos.push(report);
            continue;
        };
        let regions = read_regions(&canonical, &photo, &mut report);
        report.regions = regions.len();
        let faces = catalog.faces_of_photo(photo.id)?;
        let matched = match_regions(&regions, &faces);
        let index = summary.photos.len();
        let mut decoded: Option<Result<image::RgbImage, EngineError>> = None;
        for (r, region) in regions.iter().enumerate() {
            // Our own region on a face still assigned (Confirmed or Automatic) to that name:
            // nothing to import (re-importing an export must not turn automatic faces into
            // confirmed ones).
            if let (true, Some(face)) = (region.ours, matched[r]) {
                if assigned_name(catalog, &faces, face)?
                    .is_some_and(|n| n.eq_ignore_ascii_case(&region.name))
                {
                    report.actions.push(ImportAction::Unchanged {
                        face,
                        name: region.name.clone(),
                    });
                    summary.unchanged += 1;
                    continue;
                }
            }
            let target = match matched[r] {
                Some(face) => ImportTarget::Face(face),
                None => {
                    let made = match (pipeline, dry_run) {
                        (Some(p), false) => {
                            let image = decoded
                                .get_or_insert_with(|| p.decode(&canonical).map(|d| d.image));
                            match image {
                                Ok(img) => manual_face(p, img, region.bbox, true),
                                Err(e) => Err(EngineError::Invalid {
                                    message: e.to_string(),
                                }),
                            }
                        }
                        (_, true) => Ok((placeholder(region.bbox), ManualEmbedding::NotComputed)),
                        (None, false) => Err(EngineError::Invalid {
                            message: "no face pipeline to compute its embedding".into(),
                        }),
                    };
                    match made {
                        Ok((face, how)) => {
                            owners.push((
                                index,
                                Pending::Manual {
                                    bbox: face.bbox,
                                    how,
                                },
                            ));
                            items.push(ImportItem {
                                target: ImportTarget::NewFace {
                                    photo: photo.id,
                                    face,
                                },
                                name: region.name.clone(),
                            });
                            continue;
                        }
                        Err(e) => {
                            report.warnings.push(ImportWarning::ManualFaceFailed {
                                name: region.name.clone(),
                                message: e.to_string(),
                            });
                            continue;
                        }
                    }
                }
            };
            owners.push((index, Pending::Face));
            items.push(ImportItem {
                target,
                name: region.name.clone(),
            });
        }
        summary.photos.push(report);
    }
    let label = format!(
        "imported XMP face regions of {} photos",
        summary.photos.len()
    );
    let applied = if items.is_empty() {
        Default::default()
    } else {
        catalog.import_faces(&items, &label, clock.now(), dry_run)?
    };
    let created: BTreeSet<PersonId> = applied.created_people.iter().map(|p| p.0).collect();
    for &(i, face, person) in &applied.confirmed {
        summary.photos[owners[i].0]
            .actions
            .push(ImportAction::Confirmed {
                face,
                name: items[i].name.trim().to_string(),
                person,
                person_created: created.contains(&person),
            });
    }
    for &(i, face, person) in &applied.created_faces {
        let (bbox, embedding) = match &owners[i].1 {
            Pending::Manual { bbox, how } => (*bbox, *how),
            Pending::Face => ([0.0; 4], ManualEmbedding::NotComputed),
        };
        summary.photos[owners[i].0]
            .actions
            .push(ImportAction::ManualFace {
                face,
                name: items[i].name.trim().to_string(),
                person,
                person_created: created.contains(&person),
                bbox,
                embedding,
            });
    }
    for &i in &applied.unchanged {
        if let ImportTarget::Face(face) = items[i].target {
            summary.photos[owners[i].0]
                .actions
                .push(ImportAction::Unchanged {
                    face,
                    name: items[i].name.trim().to_string(),
                });
        }
    }
    for c in &applied.conflicts {
        summary.photos[owners[c.item].0]
            .actions
            .push(ImportAction::Conflict {
                face: c.face,
                name: c.name.clone(),
                reason: c.reason.clone(),
            });
    }
    summary.confirmed = applied.confirmed.len() as u64;
    summary.manual_faces = applied.created_faces.len() as u64;
    summary.people_created = applied.created_people.len() as u64;
    summary.unchanged += applied.unchanged.len() as u64;
    summary.conflicts = applied.conflicts.len() as u64;
    summary.warnings = summary.photos.iter().map(|p| p.warnings.len() as u64).sum();
    summary.edit = applied.edit;
    summary.elapsed = started.elapsed();
    for p in &summary.photos {
        for w in &p.warnings {
            tracing::warn!(photo = %p.path.display(), warning = ?w, "XMP import");
        }
    }
    Ok(summary)
}

/// The name of the person `face` is assigned to (not a suggestion).
fn assigned_name(
    catalog: &Catalog,
    faces: &[FaceRow],
    face: FaceId,
) -> Result<Option<String>, EngineError> {
    let person = faces
        .iter()
        .find(|f| f.id == face)
        .and_then(|f| f.person)
        .filter(|(_, p)| *p != likeness_catalog::Provenance::Suggested);
    Ok(match person {
        Some((p, _)) => catalog.person(p)?.and_then(|row| row.name),
        None => None,
    })
}

#[derive(Debug, Clone, Copy)]
enum Pending {
    Face,
    Manual {
        bbox: [f32; 4],
        how: ManualEmbedding,
    },
}

fn placeholder(bbox: [f64; 4]) -> NewFace {
    NewFace {
        bbox: bbox.map(|v| v as f32),
        landmarks: [0.0; 10],
        score: 0.0,
        embedding: Vec::new(),
        quality: None,
    }
}

/// A named face region in the photo's upright frame.
#[derive(Debug, Clone)]
struct UprightRegion {
    name: String,
    bbox: [f64; 4],
    /// Written by Likeness (`likeness:Face`): it states what the catalog said when exported.
    ours: bool,
}

/// The photos `paths` name: a photo file; a sidecar (`X.jpg.xmp` → `X.jpg`, `X.xmp` → the
/// photo `X.<ext>` beside it); a folder, walked as the library walks a root
/// ([`crate::index::photos_in_folder`]).
fn photo_paths(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for p in paths {
        if p.is_dir() {
            for f in crate::index::photos_in_folder(p) {
                if seen.insert(f.clone()) {
                    out.push(f);
                }
            }
        } else if is_xmp(p) {
            for f in photos_of_sidecar(p) {
                if seen.insert(f.clone()) {
                    out.push(f);
                }
            }
        } else if seen.insert(p.clone()) {
            out.push(p.clone());
        }
    }
    out
}

fn is_xmp(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xmp"))
}

fn is_photo(p: &Path) -> bool {
    likeness_scan::is_photo_path(p, likeness_imaging::PHOTO_EXTENSIONS)
}

fn photos_of_sidecar(sidecar: &Path) -> Vec<PathBuf> {
    let stem = sidecar.with_extension("");
    if is_photo(&stem) {
        return vec![stem];
    }
    let (Some(dir), Some(name)) = (sidecar.parent(), stem.file_name()) else {
        return Vec::new();
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| is_photo(p) && p.with_extension("").file_name() == Some(name))
        .collect();
    out.sort();
    out
}

/// A packet's bytes (`None`: no such file / no packet in the JPEG).
type PacketRead = Result<Option<Vec<u8>>, XmpError>;

/// Reads a sidecar, refusing one over the size limit before reading it.
fn read_limited(path: &Path) -> Result<Option<Vec<u8>>, XmpError> {
    let io = |source| XmpError::Io {
        path: path.to_path_buf(),
        source,
    };
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(e)),
        Ok(m) if m.len() > MAX_XMP_BYTES as u64 => Err(XmpError::TooLarge {
            bytes: usize::try_from(m.len()).unwrap_or(usize::MAX),
            limit: MAX_XMP_BYTES,
        }),
        Ok(_) => std::fs::read(path).map(Some).map_err(io),
    }
}

/// Every named face region of the photo's sidecars and embedded packet, in the upright
/// frame; duplicates (same name, IoU ≥ 0.5) across sources merged, the first source kept.
fn read_regions(path: &Path, photo: &PhotoRow, report: &mut PhotoImport) -> Vec<UprightRegion> {
    let mut packets: Vec<(RegionOrigin, PacketRead)> = Vec::new();
    let mut sidecars = vec![SidecarStyle::PhotoJpgXmp.sidecar_path(path)];
    let plain = SidecarStyle::PhotoXmp.sidecar_path(path);
    if plain != sidecars[0] {
        sidecars.push(plain);
    }
    for s in sidecars {
        let bytes = read_limited(&s);
        packets.push((RegionOrigin::Sidecar(s), bytes));
    }
    if photo.meta.format.eq_ignore_ascii_case("jpeg") {
        let embedded = std::fs::read(path)
            .map_err(|source| XmpError::Io {
                path: path.to_path_buf(),
                source,
            })
            .and_then(|b| jpeg_xmp_packet(&b));
        packets.push((RegionOrigin::Embedded, embedded));
    }
    let mut out: Vec<UprightRegion> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for (origin, bytes) in packets {
        let tags = match bytes.and_then(|b| b.map(|b| read_xmp(&b)).transpose()) {
            Ok(Some(tags)) => tags,
            Ok(None) => continue,
            Err(e) => {
                report.warnings.push(ImportWarning::Unreadable {
                    origin,
                    code: e.code(),
                    message: e.to_string(),
                });
                continue;
            }
        };
        report.sources.push(origin.clone());
        names.extend(tags.persons_in_image.iter().cloned());
        names.extend(tags.digikam_people.iter().cloned());
        for r in upright_regions(&tags, photo, &origin, report) {
            let dup = out
                .iter()
                .any(|o| o.name.eq_ignore_ascii_case(&r.name) && iou(o.bbox, r.bbox) >= 0.5);
            if !dup {
                out.push(r);
            }
        }
    }
    let mut orphan_names: Vec<String> = Vec::new();
    for n in names {
        let n = n.trim().to_string();
        if !n.is_empty()
            && !out.iter().any(|r| r.name.eq_ignore_ascii_case(&n))
            && !orphan_names.iter().any(|o| o.eq_ignore_ascii_case(&n))
        {
            orphan_names.push(n);
        }
    }
    if !orphan_names.is_empty() {
        report.warnings.push(ImportWarning::NamesWithoutRegion {
            names: orphan_names,
        });
    }
    out
}

fn upright_regions(
    tags: &FaceTags,
    photo: &PhotoRow,
    origin: &RegionOrigin,
    report: &mut PhotoImport,
) -> Vec<UprightRegion> {
    let m = &photo.meta;
    let (w, h) = (m.width, m.height);
    let orientation = u16::from(m.orientation);
    // A writer that applied its regions to the upright image says so by its dimensions: the
    // upright size where the stored one is swapped (5–8). Their areas are taken as upright.
    let upright_frame = matches!(orientation, 5..=8)
        && w != h
        && tags.applied_to == Some((w, h))
        && tags.applied_to != Some((m.stored_width, m.stored_height));
    let mut out = Vec::new();
    for r in &tags.regions {
        let name = match (&r.kind, &r.name) {
            (RegionKind::Face, Some(n)) if !n.trim().is_empty() => n.trim().to_string(),
            (kind, name) => {
                let reason = match kind {
                    RegionKind::Face => "face region without a name".to_string(),
                    RegionKind::Pet => "pet region".to_string(),
                    RegionKind::Other(t) => format!("{t} region"),
                };
                report.warnings.push(ImportWarning::Ignored {
                    origin: origin.clone(),
                    name: name.clone(),
                    reason,
                });
                continue;
            }
        };
        let a = &r.area;
        let bbox = if upright_frame {
            let (fw, fh) = (f64::from(w), f64::from(h));
            [
                (a.x - a.w / 2.0) * fw,
                (a.y - a.h / 2.0) * fh,
                (a.x + a.w / 2.0) * fw,
                (a.y + a.h / 2.0) * fh,
            ]
        } else {
            stored_area_to_oriented_box(a, (w, h), orientation)
        };
        if !bbox.iter().all(|v| v.is_finite()) || bbox[2] <= bbox[0] || bbox[3] <= bbox[1] {
            report.warnings.push(ImportWarning::Ignored {
                origin: origin.clone(),
                name: Some(name),
                reason: "empty or invalid area".into(),
            });
            continue;
        }
        out.push(UprightRegion {
            name,
            bbox,
            ours: r.likeness_face.is_some(),
        });
    }
    out
}

fn contains_centre(outer: [f64; 4], inner: [f64; 4]) -> bool {
    let (cx, cy) = ((inner[0] + inner[2]) / 2.0, (inner[1] + inner[3]) / 2.0);
    cx >= outer[0] && cx <= outer[2] && cy >= outer[1] && cy <= outer[3]
}

/// One-to-one: pairs with IoU ≥ 0.5, best first; then, among what is left, a face and a
/// region that each contain the other's centre (other tools draw boxes of other shapes),
/// nearest centres first; a region still left over that overlaps a face taken by another
/// region goes to that face too. Only a region over no face stays `None` (a manual face).
fn match_regions(regions: &[UprightRegion], faces: &[FaceRow]) -> Vec<Option<FaceId>> {
    let boxes: Vec<[f64; 4]> = faces.iter().map(|f| f.bbox.map(f64::from)).collect();
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    for (r, region) in regions.iter().enumerate() {
        for (f, b) in boxes.iter().enumerate() {
            let v = iou(region.bbox, *b);
            if v >= 0.5 {
                pairs.push((v, r, f));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut out = vec![None; regions.len()];
    let mut used = vec![false; faces.len()];
    for &(_, r, f) in &pairs {
        if out[r].is_none() && !used[f] {
            out[r] = Some(faces[f].id);
            used[f] = true;
        }
    }
    let centre = |b: [f64; 4]| ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
    let mut near: Vec<(f64, usize, usize)> = Vec::new();
    for (r, region) in regions.iter().enumerate() {
        if out[r].is_some() {
            continue;
        }
        for (f, b) in boxes.iter().enumerate() {
            if !used[f] && contains_centre(region.bbox, *b) && contains_centre(*b, region.bbox) {
                let (a, c) = (centre(region.bbox), centre(*b));
                near.push(((a.0 - c.0).hypot(a.1 - c.1), r, f));
            }
        }
    }
    near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    for &(_, r, f) in &near {
        if out[r].is_none() && !used[f] {
            out[r] = Some(faces[f].id);
            used[f] = true;
        }
    }
    // A region left over on a face another region took (two names for one face: two tools,
    // or ours beside another tool's) is about that face, not a new one: the catalog decides
    // (the same person: unchanged; another: a conflict).
    for (r, region) in regions.iter().enumerate() {
        if out[r].is_some() {
            continue;
        }
        out[r] = boxes
            .iter()
            .enumerate()
            .map(|(f, b)| (iou(region.bbox, *b), f, b))
            .filter(|(v, _, b)| {
                *v >= 0.5
                    || (contains_centre(region.bbox, **b) && contains_centre(**b, region.bbox))
            })
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, f, _)| faces[f].id);
    }
    out
}
