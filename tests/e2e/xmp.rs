//! XMP face regions end to end: real reference photos (with EXIF orientations written by the
//! tests), real models, a real SQLite catalog, and exiftool (Debian `libimage-exiftool-perl`)
//! as the independent third-party reader and writer.
//!
//! A missing exiftool or missing shared data fails the test (`likeness_testdata::skip_or_fail`;
//! `LIKENESS_ALLOW_SKIP=1` makes it a skip outside CI).
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use likeness_e2e::{
    jpeg_with_orientation, pipeline, reference_images, stored_for_orientation, temp_dir,
    TestLibrary,
};
// White-box: an automatic assignment written by hand, as clustering would.
use likeness_catalog::FaceAssignment;
use likeness_engine::catalog::{Catalog, FaceId, FaceRow, ImportConflictReason, Provenance};
use likeness_engine::people::{self, MoveTarget};
use likeness_engine::xmp::{
    self, ExportOutcome, ExportScope, ImportAction, ImportWarning, ManualEmbedding, SidecarStyle,
};
use likeness_engine::{Clock, SystemClock, XmpAutoExport, XmpOptions};
use serde_json::Value;

/// True when exiftool runs; missing: `skip_or_fail` (a failure unless skips are allowed).
fn exiftool_present() -> bool {
    likeness_testdata::have_program(
        "exiftool",
        "-ver",
        "apt-get install libimage-exiftool-perl; scripts/setup.sh installs it",
    )
}

fn exiftool(args: &[&str]) {
    let out = Command::new("exiftool").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "exiftool {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `exiftool -j -struct -XMP:all FILE`, the first (only) object.
fn exif_xmp(path: &Path) -> Value {
    let out = Command::new("exiftool")
        .args(["-j", "-struct", "-XMP:all"])
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success(), "exiftool read {}", path.display());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v[0].clone()
}

fn reference(rel: &str) -> PathBuf {
    reference_images().join(rel)
}

/// A library of the given (name, bytes) photos, indexed with the real models.
fn library(name: &str, photos: &[(String, Vec<u8>)]) -> (TestLibrary, Catalog) {
    let dir = temp_dir(name);
    let folder = dir.join("photos");
    std::fs::create_dir_all(&folder).unwrap();
    for (n, bytes) in photos {
        std::fs::write(folder.join(n), bytes).unwrap();
    }
    let lib = TestLibrary {
        photos: std::fs::canonicalize(&folder).unwrap(),
        paths: likeness_engine::LibraryPaths::in_dir(&dir.join("lib")),
        dir,
    };
    let mut cat = lib.open();
    likeness_engine::add_root(&mut cat, &lib.photos, &SystemClock).unwrap();
    let (_, summary) = lib.index(&mut cat);
    assert_eq!(summary.errors, 0, "{summary:?}");
    (lib, cat)
}

fn upright(rel: &str) -> image::RgbImage {
    image::open(reference(rel)).unwrap().to_rgb8()
}

fn faces_of_file(cat: &Catalog, path: &Path) -> Vec<FaceRow> {
    let photo = cat.photo_by_path(path).unwrap().expect("indexed");
    let mut faces = cat.faces_of_photo(photo.id).unwrap();
    faces.sort_by(|a, b| a.bbox[0].total_cmp(&b.bbox[0]));
    faces
}

/// Upright normalised point → stored normalised point, derived from the image operations
/// `stored_for_orientation` applies (rotate90 = clockwise: (p, q) → (1−q, p); rotate270:
/// (p, q) → (q, 1−p); flips), NOT from likeness-xmp's table.
fn to_stored(o: u16, p: f64, q: f64) -> (f64, f64) {
    let rot90 = |(p, q): (f64, f64)| (1.0 - q, p);
    let rot270 = |(p, q): (f64, f64)| (q, 1.0 - p);
    let flip_h = |(p, q): (f64, f64)| (1.0 - p, q);
    match o {
        1 => (p, q),
        2 => flip_h((p, q)),
        3 => (1.0 - p, 1.0 - q),
        4 => (p, 1.0 - q),
        5 => flip_h(rot90((p, q))),
        6 => rot270((p, q)),
        7 => flip_h(rot270((p, q))),
        8 => rot90((p, q)),
        _ => unreachable!(),
    }
}

/// The stored-frame MWG area (centre x, y, w, h; clipped to the image) of an upright box.
fn expected_area(o: u16, b: [f32; 4], w: u32, h: u32) -> [f64; 4] {
    let (w, h) = (f64::from(w), f64::from(h));
    let (a, c) = (
        to_stored(o, f64::from(b[0]) / w, f64::from(b[1]) / h),
        to_stored(o, f64::from(b[2]) / w, f64::from(b[3]) / h),
    );
    let clip = |v: f64| v.clamp(0.0, 1.0);
    let (x1, x2) = (clip(a.0.min(c.0)), clip(a.0.max(c.0)));
    let (y1, y2) = (clip(a.1.min(c.1)), clip(a.1.max(c.1)));
    [(x1 + x2) / 2.0, (y1 + y2) / 2.0, x2 - x1, y2 - y1]
}

/// (name, [x, y, w, h]) of every MWG region exiftool reads from `path`.
fn exif_regions(v: &Value) -> Vec<(String, [f64; 4])> {
    let list = v["RegionInfo"]["RegionList"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    list.iter()
        .map(|r| {
            let a = &r["Area"];
            let f = |k: &str| a[k].as_f64().unwrap_or(f64::NAN);
            (
                r["Name"].as_str().unwrap_or_default().to_string(),
                [f("X"), f("Y"), f("W"), f("H")],
            )
        })
        .collect()
}

fn files_under(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(ext))
        .collect();
    out.sort();
    out
}

/// `small` appears in `big` in order with only insertions between its bytes.
fn only_insertions(small: &[u8], big: &[u8]) -> bool {
    let mut it = big.iter();
    small.iter().all(|b| it.any(|c| c == b))
}

#[test]
fn export_is_read_back_by_exiftool_for_all_8_orientations_and_keeps_foreign_metadata() {
    if !exiftool_present() {
        return;
    }
    let Some(_) = likeness_e2e::reference_dir() else {
        return;
    };
    let couple = upright("deepface_testset/couple.jpg");
    let biden = upright("face_recognition_test_images/biden.jpg");
    let mut photos = Vec::new();
    for o in 1..=8u16 {
        photos.push((
            format!("couple_o{o}.jpg"),
            jpeg_with_orientation(&stored_for_orientation(&couple, o), o),
        ));
        photos.push((
            format!("biden_o{o}.jpg"),
            jpeg_with_orientation(&stored_for_orientation(&biden, o), o),
        ));
    }
    let (lib, mut cat) = library("xmp-export", &photos);
    let clock = SystemClock;
    let cancel = AtomicBool::new(false);

    // Name faces: in each couple copy the leftmost (upright) face is Ann, the next Ben; Joe
    // in the biden copies.
    let (mut ann, mut ben, mut joe) = (Vec::new(), Vec::new(), Vec::new());
    for o in 1..=8u16 {
        let c = faces_of_file(&cat, &lib.photos.join(format!("couple_o{o}.jpg")));
        assert!(c.len() >= 2, "couple o={o}: {} faces", c.len());
        ann.push(c[0].id);
        ben.push(c[1].id);
        let b = faces_of_file(&cat, &lib.photos.join(format!("biden_o{o}.jpg")));
        assert!(!b.is_empty(), "biden o={o}");
        joe.push(b[0].id);
    }
    for (faces, name) in [(&ann, "Ann"), (&ben, "Ben"), (&joe, "Joe")] {
        people::move_faces(&mut cat, &clock, faces, MoveTarget::Named(name)).unwrap();
    }

    // A sidecar another tool wrote, with foreign properties and a foreign region.
    let couple1 = lib.photos.join("couple_o1.jpg");
    let foreign = SidecarStyle::PhotoJpgXmp.sidecar_path(&couple1);
    let (cw, chh) = (couple.width(), couple.height());
    exiftool(&[
        "-q",
        "-XMP-dc:Title=Beach day",
        "-XMP-xmp:Rating=4",
        "-XMP-dc:Creator=Someone Else",
        &format!(
            "-XMP-mwg-rs:RegionInfo={{AppliedToDimensions={{W={cw},H={chh},Unit=pixel}},\
             RegionList=[{{Area={{X=0.1,Y=0.1,W=0.05,H=0.05,Unit=normalized}},\
             Name=Stranger,Type=Face}},{{Area={{X=0.9,Y=0.9,W=0.1,H=0.1,Unit=normalized}},\
             Type=Focus}}]}}"
        ),
        foreign.to_str().unwrap(),
    ]);
    let foreign_before = std::fs::read(&foreign).unwrap();
    let foreign_tags_before = exif_xmp(&foreign);

    // Dry run: says what it would write, writes nothing.
    let dry = xmp::export(
        &mut cat,
        ExportScope::All,
        &XmpOptions {
            dry_run: true,
            ..XmpOptions::default()
        },
        &clock,
        &cancel,
    )
    .unwrap();
    assert_eq!(dry.written, 16, "{dry:?}");
    assert_eq!(files_under(&lib.photos, ".xmp"), vec![foreign.clone()]);
    assert_eq!(std::fs::read(&foreign).unwrap(), foreign_before);

    let started = Instant::now();
    let summary = xmp::export(
        &mut cat,
        ExportScope::All,
        &XmpOptions::default(),
        &clock,
        &cancel,
    )
    .unwrap();
    let took = started.elapsed();
    assert_eq!((summary.written, summary.failed), (16, 0), "{summary:?}");
    let regions: usize = summary.photos.iter().map(|p| p.regions.len()).sum();
    println!(
        "export of 16 photos, {regions} named faces: {:.1} ms",
        took.as_secs_f64() * 1000.0
    );

    // exiftool reads back exactly the names and boxes, for every orientation.
    let mut worst = 0f64;
    for o in 1..=8u16 {
        for stem in ["couple", "biden"] {
            let photo = lib.photos.join(format!("{stem}_o{o}.jpg"));
            let row = cat.photo_by_path(&photo).unwrap().unwrap();
            assert_eq!(row.meta.orientation as u16, o);
            let sidecar = SidecarStyle::PhotoJpgXmp.sidecar_path(&photo);
            let tags = exif_xmp(&sidecar);
            let dims = &tags["RegionInfo"]["AppliedToDimensions"];
            assert_eq!(
                (dims["W"].as_u64(), dims["H"].as_u64()),
                (
                    Some(u64::from(row.meta.stored_width)),
                    Some(u64::from(row.meta.stored_height))
                ),
                "{stem} o={o}"
            );
            let mut got: Vec<(String, [f64; 4])> = exif_regions(&tags)
                .into_iter()
                .filter(|(n, _)| n != "Stranger" && !n.is_empty())
                .collect();
            let mut want: Vec<(String, [f64; 4])> = cat
                .faces_of_photo(row.id)
                .unwrap()
                .into_iter()
                .filter_map(|f| {
                    let (p, _) = f.person?;
                    let name = cat.person(p).unwrap()?.name?;
                    Some((
                        name,
                        expected_area(o, f.bbox, row.meta.width, row.meta.height),
                    ))
                })
                .collect();
            got.sort_by(|a, b| a.0.cmp(&b.0));
            want.sort_by(|a, b| a.0.cmp(&b.0));
            assert_eq!(
                got.iter().map(|g| &g.0).collect::<Vec<_>>(),
                want.iter().map(|w| &w.0).collect::<Vec<_>>(),
                "{stem} o={o}"
            );
            for (g, w) in got.iter().zip(&want) {
                for k in 0..4 {
                    let d = (g.1[k] - w.1[k]).abs();
                    worst = worst.max(d);
                    assert!(d < 1e-4, "{stem} o={o} {}: {:?} vs {:?}", g.0, g.1, w.1);
                }
            }
            let mut persons: Vec<String> = tags["PersonInImage"]
                .as_array()
                .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
                .or_else(|| tags["PersonInImage"].as_str().map(|s| vec![s.to_string()]))
                .unwrap_or_default();
            persons.sort();
            let mut names: Vec<String> = want.iter().map(|w| w.0.clone()).collect();
            names.dedup();
            assert_eq!(persons, names, "{stem} o={o} PersonInImage");
        }
    }
    println!("exiftool read-back: worst box difference {worst:.2e} over 8 orientations");

    // Foreign metadata kept: the same tags as before, plus ours; the old bytes are all still
    // there in order (only insertions).
    let after = exif_xmp(&foreign);
    for key in ["Title", "Rating", "Creator"] {
        assert_eq!(after[key], foreign_tags_before[key], "{key}");
    }
    let regions = exif_regions(&after);
    assert!(regions
        .iter()
        .any(|(n, a)| n == "Stranger" && (a[0] - 0.1).abs() < 1e-9));
    assert_eq!(
        after["RegionInfo"]["RegionList"].as_array().unwrap().len(),
        4,
        "Stranger, the focus region, Ann, Ben"
    );
    let foreign_after = std::fs::read(&foreign).unwrap();
    assert!(only_insertions(&foreign_before, &foreign_after));

    // Nothing changed: nothing written (bytes and mtimes as they were).
    let stamp = |p: &Path| {
        (
            std::fs::read(p).unwrap(),
            std::fs::metadata(p).unwrap().modified().unwrap(),
        )
    };
    let sidecars = files_under(&lib.photos, ".xmp");
    assert_eq!(sidecars.len(), 16);
    let before: Vec<_> = sidecars.iter().map(|p| stamp(p)).collect();
    std::thread::sleep(Duration::from_millis(20));
    let again = xmp::export(
        &mut cat,
        ExportScope::All,
        &XmpOptions::default(),
        &clock,
        &cancel,
    )
    .unwrap();
    assert_eq!((again.written, again.unchanged), (0, 16), "{again:?}");
    let dirty = xmp::export(
        &mut cat,
        ExportScope::Dirty,
        &XmpOptions::default(),
        &clock,
        &cancel,
    )
    .unwrap();
    assert_eq!(dirty.written, 0);
    assert_eq!(
        sidecars.iter().map(|p| stamp(p)).collect::<Vec<_>>(),
        before
    );
    // The photos themselves were never touched.
    for (n, bytes) in &photos {
        assert_eq!(&std::fs::read(lib.photos.join(n)).unwrap(), bytes, "{n}");
    }

    // A rename reaches the files through the marks; removing a name removes only our
    // regions (the foreign ones stay).
    let ben_id = cat.person_by_name("Ben").unwrap().unwrap().id;
    people::rename(&mut cat, &clock, ben_id, "Benjamin").unwrap();
    let renamed = xmp::export(
        &mut cat,
        ExportScope::Dirty,
        &XmpOptions::default(),
        &clock,
        &cancel,
    )
    .unwrap();
    assert_eq!(renamed.written, 8, "{renamed:?}");
    let tags = exif_xmp(&foreign);
    let names: Vec<String> = exif_regions(&tags).into_iter().map(|r| r.0).collect();
    assert!(names.contains(&"Benjamin".to_string()) && !names.contains(&"Ben".to_string()));
    let ann_id = cat.person_by_name("Ann").unwrap().unwrap().id;
    people::reject(&mut cat, &clock, &ann, ann_id).unwrap();
    xmp::export(
        &mut cat,
        ExportScope::Dirty,
        &XmpOptions::default(),
        &clock,
        &cancel,
    )
    .unwrap();
    let names: Vec<String> = exif_regions(&exif_xmp(&foreign))
        .into_iter()
        .map(|r| r.0)
        .collect();
    assert!(names.contains(&"Stranger".to_string()), "{names:?}");
    assert!(!names.contains(&"Ann".to_string()), "{names:?}");
    assert_eq!(exif_xmp(&foreign)["Title"], foreign_tags_before["Title"]);

    // Embedding (explicit only): into the JPEG itself, read back by exiftool from the photo;
    // the image data is untouched (the same pixels decode), a second run writes nothing.
    let joe_id = cat.person_by_name("Joe").unwrap().unwrap().id;
    let embed = XmpOptions {
        embed_in_jpeg: true,
        ..XmpOptions::default()
    };
    let sidecars_before: Vec<_> = sidecars.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let done = xmp::export(
        &mut cat,
        ExportScope::Person(joe_id),
        &embed,
        &clock,
        &cancel,
    )
    .unwrap();
    assert_eq!((done.written, done.failed), (8, 0), "{done:?}");
    for o in 1..=8u16 {
        let photo = lib.photos.join(format!("biden_o{o}.jpg"));
        let row = cat.photo_by_path(&photo).unwrap().unwrap();
        let regions = exif_regions(&exif_xmp(&photo));
        let f = &faces_of_file(&cat, &photo)[0];
        let want = expected_area(o, f.bbox, row.meta.width, row.meta.height);
        assert_eq!(regions.len(), 1, "o={o}: {regions:?}");
        assert_eq!(regions[0].0, "Joe");
        for k in 0..4 {
            assert!((regions[0].1[k] - want[k]).abs() < 1e-4, "o={o}");
        }
        let original = &photos
            .iter()
            .find(|p| p.0 == format!("biden_o{o}.jpg"))
            .unwrap()
            .1;
        let a = image::load_from_memory(original).unwrap().to_rgb8();
        let b = image::open(&photo).unwrap().to_rgb8();
        assert!(a == b, "o={o}: pixels changed");
    }
    let again = xmp::export(
        &mut cat,
        ExportScope::Person(joe_id),
        &embed,
        &clock,
        &cancel,
    )
    .unwrap();
    assert_eq!(again.written, 0);
    assert_eq!(
        sidecars
            .iter()
            .map(|p| std::fs::read(p).unwrap())
            .collect::<Vec<_>>(),
        sidecars_before,
        "--embed touched sidecars"
    );
}

/// The region of `face` as another tool would write it: a box 10 % bigger, stored frame.
fn tool_area(o: u16, f: &FaceRow, w: u32, h: u32) -> [f64; 4] {
    let a = expected_area(o, f.bbox, w, h);
    [a[0], a[1], a[2] * 1.1, a[3] * 1.1]
}

fn region_arg(w: u32, h: u32, regions: &[(&str, [f64; 4])]) -> String {
    let list: Vec<String> = regions
        .iter()
        .map(|(n, a)| {
            format!(
                "{{Area={{X={},Y={},W={},H={},Unit=normalized}},Name={n},Type=Face}}",
                a[0], a[1], a[2], a[3]
            )
        })
        .collect();
    format!(
        "-XMP-mwg-rs:RegionInfo={{AppliedToDimensions={{W={w},H={h},Unit=pixel}},RegionList=[{}]}}",
        list.join(",")
    )
}

#[test]
fn regions_written_by_exiftool_are_imported_as_one_undoable_edit() {
    if !exiftool_present() {
        return;
    }
    let Some(_) = likeness_e2e::reference_dir() else {
        return;
    };
    let obama = upright("face_recognition_test_images/obama.jpg");
    let photos = vec![
        (
            "obama_o6.jpg".to_string(),
            jpeg_with_orientation(&stored_for_orientation(&obama, 6), 6),
        ),
        (
            "couple.jpg".to_string(),
            std::fs::read(reference("deepface_testset/couple.jpg")).unwrap(),
        ),
        (
            "biden.jpg".to_string(),
            std::fs::read(reference("face_recognition_test_images/biden.jpg")).unwrap(),
        ),
        (
            "obama2.jpg".to_string(),
            std::fs::read(reference("face_recognition_test_images/obama2.jpg")).unwrap(),
        ),
    ];
    let (lib, mut cat) = library("xmp-import", &photos);
    let clock = SystemClock;
    let cancel = AtomicBool::new(false);
    let p = |n: &str| lib.photos.join(n);

    // obama_o6.jpg.xmp: his face (a bigger box, as another tool draws it) and a region where
    // the detector found nothing (a manual face).
    let o6 = cat.photo_by_path(&p("obama_o6.jpg")).unwrap().unwrap();
    let face_o6 = faces_of_file(&cat, &p("obama_o6.jpg"))[0].clone();
    let (sw, sh) = (o6.meta.stored_width, o6.meta.stored_height);
    let ghost_upright = [10.0f32, 10.0, 90.0, 100.0];
    exiftool(&[
        "-q",
        "-XMP-dc:Title=Portrait",
        &region_arg(
            sw,
            sh,
            &[
                (
                    "Barack Obama",
                    tool_area(6, &face_o6, o6.meta.width, o6.meta.height),
                ),
                (
                    "Ghost",
                    expected_area(6, ghost_upright, o6.meta.width, o6.meta.height),
                ),
            ],
        ),
        SidecarStyle::PhotoJpgXmp
            .sidecar_path(&p("obama_o6.jpg"))
            .to_str()
            .unwrap(),
    ]);
    // couple.xmp (Lightroom's naming): Carol on a face the user already confirmed to Bob,
    // Dana on the other.
    let couple = cat.photo_by_path(&p("couple.jpg")).unwrap().unwrap();
    let cf = faces_of_file(&cat, &p("couple.jpg"));
    people::move_faces(&mut cat, &clock, &[cf[0].id], MoveTarget::Named("Bob")).unwrap();
    let (w, h) = (couple.meta.width, couple.meta.height);
    exiftool(&[
        "-q",
        &region_arg(
            w,
            h,
            &[
                ("Carol", expected_area(1, cf[0].bbox, w, h)),
                ("Dana", expected_area(1, cf[1].bbox, w, h)),
            ],
        ),
        SidecarStyle::PhotoXmp
            .sidecar_path(&p("couple.jpg"))
            .to_str()
            .unwrap(),
    ]);
    // biden.jpg: the region embedded in the JPEG itself.
    let bf = faces_of_file(&cat, &p("biden.jpg"));
    let biden = cat.photo_by_path(&p("biden.jpg")).unwrap().unwrap();
    exiftool(&[
        "-q",
        "-overwrite_original",
        &region_arg(
            biden.meta.stored_width,
            biden.meta.stored_height,
            &[(
                "Joe Biden",
                expected_area(1, bf[0].bbox, biden.meta.width, biden.meta.height),
            )],
        ),
        p("biden.jpg").to_str().unwrap(),
    ]);
    // obama2.jpg.xmp: Microsoft Photo region (top-left corner, width, height).
    let of = faces_of_file(&cat, &p("obama2.jpg"));
    let o2 = cat.photo_by_path(&p("obama2.jpg")).unwrap().unwrap();
    let (w2, h2) = (f64::from(o2.meta.width), f64::from(o2.meta.height));
    let b = of[0].bbox.map(f64::from);
    exiftool(&[
        "-q",
        &format!(
            "-XMP-MP:RegionInfoMP={{Regions=[{{PersonDisplayName=Barack Obama,Rectangle={}|, {}|, {}|, {}}}]}}",
            b[0] / w2,
            b[1] / h2,
            (b[2] - b[0]) / w2,
            (b[3] - b[1]) / h2
        ),
        SidecarStyle::PhotoJpgXmp
            .sidecar_path(&p("obama2.jpg"))
            .to_str()
            .unwrap(),
    ]);
    let sidecars_before: Vec<(PathBuf, Vec<u8>)> = files_under(&lib.photos, ".xmp")
        .into_iter()
        .map(|f| {
            let b = std::fs::read(&f).unwrap();
            (f, b)
        })
        .collect();

    let before = cat.snapshot().unwrap();
    let decided_before = cat.decisions().unwrap();
    // Dry run: the same report, nothing written.
    let dry = xmp::import(
        &mut cat,
        None,
        std::slice::from_ref(&lib.photos),
        true,
        &clock,
        &cancel,
    )
    .unwrap();
    assert!(cat.snapshot().unwrap().diff(&before).is_empty());
    let summary = xmp::import(
        &mut cat,
        Some(pipeline()),
        std::slice::from_ref(&lib.photos),
        false,
        &clock,
        &cancel,
    )
    .unwrap();
    println!("{summary:#?}");
    assert_eq!(
        (dry.confirmed, dry.manual_faces, dry.conflicts),
        (summary.confirmed, summary.manual_faces, summary.conflicts)
    );
    assert!(summary.edit.is_some());
    assert_eq!(summary.warnings, 0, "{summary:#?}");
    let person_of = |cat: &Catalog, face: FaceId| {
        let (pid, prov) = cat.face(face).unwrap().unwrap().person.unwrap();
        (cat.person(pid).unwrap().unwrap().name.unwrap(), prov)
    };
    // Matched regions: confirmed to people created by name (orientation 6 converted).
    assert_eq!(
        person_of(&cat, face_o6.id),
        ("Barack Obama".to_string(), Provenance::Confirmed)
    );
    assert_eq!(
        person_of(&cat, of[0].id),
        ("Barack Obama".to_string(), Provenance::Confirmed),
        "Microsoft Photo region"
    );
    assert_eq!(
        person_of(&cat, bf[0].id),
        ("Joe Biden".to_string(), Provenance::Confirmed),
        "embedded packet"
    );
    assert_eq!(
        person_of(&cat, cf[1].id),
        ("Dana".to_string(), Provenance::Confirmed)
    );
    // The user's decision stays; the conflict is reported.
    assert_eq!(
        person_of(&cat, cf[0].id),
        ("Bob".to_string(), Provenance::Confirmed)
    );
    let conflicts: Vec<&ImportAction> = summary
        .photos
        .iter()
        .flat_map(|p| &p.actions)
        .filter(|a| matches!(a, ImportAction::Conflict { .. }))
        .collect();
    assert_eq!(conflicts.len(), 1);
    assert!(matches!(
        conflicts[0],
        ImportAction::Conflict { name, reason: ImportConflictReason::ConfirmedToOther { name: Some(bob), .. }, .. }
            if name == "Carol" && bob == "Bob"
    ));
    // The unmatched region: a manual face with a real embedding, the region's box.
    let manual: Vec<(FaceId, ManualEmbedding, [f32; 4])> = summary
        .photos
        .iter()
        .flat_map(|p| &p.actions)
        .filter_map(|a| match a {
            ImportAction::ManualFace {
                face,
                name,
                embedding,
                bbox,
                ..
            } if name == "Ghost" => Some((*face, *embedding, *bbox)),
            _ => None,
        })
        .collect();
    assert_eq!(manual.len(), 1, "{summary:#?}");
    let row = cat.face(manual[0].0).unwrap().unwrap();
    assert!(row.manual);
    assert_eq!(row.embedding.len(), 128);
    assert!(row.embedding.iter().all(|v| v.is_finite()));
    for k in 0..4 {
        assert!(
            (row.bbox[k] - ghost_upright[k]).abs() < 0.5,
            "{:?}",
            row.bbox
        );
    }
    println!("manual face: {:?}", manual[0].1);
    assert_eq!(person_of(&cat, row.id).0, "Ghost");
    // Files are never written by an import.
    for (f, b) in &sidecars_before {
        assert_eq!(&std::fs::read(f).unwrap(), b, "{}", f.display());
    }

    // Re-import: nothing changes, no edit.
    let after = cat.snapshot().unwrap();
    let again = xmp::import(
        &mut cat,
        Some(pipeline()),
        std::slice::from_ref(&lib.photos),
        false,
        &clock,
        &cancel,
    )
    .unwrap();
    assert_eq!(again.edit, None, "{again:#?}");
    assert_eq!((again.confirmed, again.manual_faces), (0, 0));
    assert!(cat.snapshot().unwrap().diff(&after).is_empty());

    // Undo restores the catalog exactly; redo the import exactly.
    let undone = people::undo(&mut cat, &clock).unwrap();
    assert_eq!(Some(undone.id), summary.edit.as_ref().map(|e| e.id));
    let diff = cat.snapshot().unwrap().diff(&before);
    assert!(diff.is_empty(), "undo of the import:\n{}", diff.join("\n"));
    assert_eq!(cat.decisions().unwrap(), decided_before);
    people::redo(&mut cat, &clock).unwrap();
    let diff = cat.snapshot().unwrap().diff(&after);
    assert!(diff.is_empty(), "redo of the import:\n{}", diff.join("\n"));

    // Exporting now duplicates nothing: the foreign regions already say it all.
    let exported = xmp::export(
        &mut cat,
        ExportScope::All,
        &XmpOptions::default(),
        &clock,
        &cancel,
    )
    .unwrap();
    println!("{exported:#?}");
    let o6_sidecar = SidecarStyle::PhotoJpgXmp.sidecar_path(&p("obama_o6.jpg"));
    let regions = exif_regions(&exif_xmp(&o6_sidecar));
    assert_eq!(regions.len(), 2, "{regions:?}");
    // couple.xmp (the only sidecar of couple.jpg) is merged into: Bob added, Carol kept.
    assert!(!SidecarStyle::PhotoJpgXmp
        .sidecar_path(&p("couple.jpg"))
        .exists());
    let names: Vec<String> = exif_regions(&exif_xmp(&p("couple.xmp")))
        .into_iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.contains(&"Bob".into()) && names.contains(&"Carol".into()));
    // Importing what we exported (our region and Carol's on the same face) is a no-op: no
    // manual duplicate, Carol still a conflict.
    let after_export = cat.snapshot().unwrap();
    let back = xmp::import(
        &mut cat,
        Some(pipeline()),
        std::slice::from_ref(&lib.photos),
        false,
        &clock,
        &cancel,
    )
    .unwrap();
    assert_eq!(
        (back.edit.is_none(), back.manual_faces, back.conflicts),
        (true, 0, 1),
        "{back:#?}"
    );
    assert!(cat.snapshot().unwrap().diff(&after_export).is_empty());
}

/// How close a manual face's embedding comes to the indexed one of the same face, with the
/// region = the detected box: through the detector in the crop, and through the template
/// landmarks alone (the fallback).
#[test]
fn manual_face_embeddings_land_near_the_detected_ones() {
    let Some(_) = likeness_e2e::reference_dir() else {
        return;
    };
    let names = [
        "face_recognition_test_images/obama.jpg",
        "face_recognition_test_images/biden.jpg",
        "face_recognition_test_images/obama2.jpg",
        "face_recognition_test_images/obama3.jpg",
        "deepface_testset/couple.jpg",
        "deepface_testset/img1.jpg",
        "deepface_testset/img2.jpg",
        "deepface_testset/img3.jpg",
    ];
    let (mut detected, mut template) = (Vec::new(), Vec::new());
    let mut missed = 0usize;
    for n in names {
        let path = reference(n);
        let faces = pipeline().analyze(&path, true).unwrap();
        let image = pipeline().decode(&path).unwrap().image;
        for f in &faces.faces {
            let b = [
                f.detection.bbox.x1,
                f.detection.bbox.y1,
                f.detection.bbox.x2,
                f.detection.bbox.y2,
            ];
            let want = f.embedding.as_ref().unwrap();
            let dist = |e: &[f32]| {
                e.iter()
                    .zip(&want.0)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f32>()
                    .sqrt()
            };
            let (a, how) = xmp::manual_face(pipeline(), &image, b, true).unwrap();
            if matches!(how, ManualEmbedding::Detected { .. }) {
                detected.push(dist(&a.embedding));
            } else {
                println!(
                    "{n}: face {b:?} (score {}) not found again in its region",
                    f.detection.score
                );
                missed += 1;
            }
            let (t, how) = xmp::manual_face(pipeline(), &image, b, false).unwrap();
            assert_eq!(how, ManualEmbedding::EstimatedLandmarks);
            template.push(dist(&t.embedding));
        }
    }
    let stats = |v: &mut Vec<f32>| {
        v.sort_by(f32::total_cmp);
        (v[v.len() / 2], v[v.len() - 1])
    };
    let (dm, dx) = stats(&mut detected);
    let (tm, tx) = stats(&mut template);
    println!(
        "manual faces vs indexed ({} faces, {missed} not re-detected): detector in the crop \
         median {dm:.3} max {dx:.3}; template landmarks median {tm:.3} max {tx:.3}",
        template.len()
    );
    assert!(
        missed * 10 <= template.len(),
        "{missed} of {} not re-detected",
        template.len()
    );
    assert!(dx < 0.3, "detected path: max distance {dx}");
    assert!(
        tm < 0.6,
        "template path: median distance {tm} (same person < 0.6)"
    );
}

#[test]
fn malformed_sidecars_are_reported_per_photo_and_left_alone() {
    let Some(_) = likeness_e2e::reference_dir() else {
        return;
    };
    let names = ["biden.jpg", "obama.jpg", "obama2.jpg", "obama3.jpg"];
    let photos: Vec<(String, Vec<u8>)> = names
        .iter()
        .map(|n| {
            (
                n.to_string(),
                std::fs::read(reference(&format!("face_recognition_test_images/{n}"))).unwrap(),
            )
        })
        .collect();
    let (lib, mut cat) = library("xmp-malformed", &photos);
    let clock = SystemClock;
    let cancel = AtomicBool::new(false);
    let all: Vec<FaceId> = names
        .iter()
        .flat_map(|n| faces_of_file(&cat, &lib.photos.join(n)))
        .map(|f| f.id)
        .collect();
    people::move_faces(&mut cat, &clock, &all, MoveTarget::Named("Someone")).unwrap();
    let side = |n: &str| SidecarStyle::PhotoJpgXmp.sidecar_path(&lib.photos.join(n));
    std::fs::write(
        side("biden.jpg"),
        b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF><rdf:Description",
    )
    .unwrap();
    let mut huge = b"<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?><x:xmpmeta xmlns:x='adobe:ns:meta/'><!--".to_vec();
    huge.resize(20 * 1024 * 1024, b' ');
    huge.extend_from_slice(b"--></x:xmpmeta>");
    std::fs::write(side("obama.jpg"), &huge).unwrap();
    let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>&lol9;</dc:title></rdf:Description>
</rdf:RDF></x:xmpmeta>"#;
    std::fs::write(side("obama2.jpg"), laughs).unwrap();
    let originals: Vec<Vec<u8>> = names[..3]
        .iter()
        .map(|n| std::fs::read(side(n)).unwrap())
        .collect();

    let started = Instant::now();
    let summary = xmp::import(
        &mut cat,
        Some(pipeline()),
        std::slice::from_ref(&lib.photos),
        false,
        &clock,
        &cancel,
    )
    .unwrap();
    println!(
        "import with 3 bad sidecars: {:.0} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    let code_of = |n: &str| -> Vec<&'static str> {
        summary
            .photos
            .iter()
            .filter(|p| p.path.ends_with(n))
            .flat_map(|p| &p.warnings)
            .filter_map(|w| match w {
                ImportWarning::Unreadable { code, message, .. } => {
                    println!("{n}: {code}: {message}");
                    Some(*code)
                }
                _ => None,
            })
            .collect()
    };
    assert_eq!(code_of("biden.jpg"), vec!["malformed"]);
    assert_eq!(code_of("obama.jpg"), vec!["too_large"]);
    assert_eq!(code_of("obama2.jpg"), vec!["forbidden"]);
    assert_eq!(code_of("obama3.jpg"), Vec::<&str>::new());
    assert_eq!(summary.photos.len(), 4);

    // Export: the three bad files fail (warnings), stay byte-identical; the good photo is
    // written.
    let exported = xmp::export(
        &mut cat,
        ExportScope::All,
        &XmpOptions::default(),
        &clock,
        &cancel,
    )
    .unwrap();
    assert_eq!((exported.failed, exported.written), (3, 1), "{exported:#?}");
    for (n, original) in names[..3].iter().zip(&originals) {
        assert_eq!(&std::fs::read(side(n)).unwrap(), original, "{n}");
        let f = exported
            .photos
            .iter()
            .flat_map(|p| &p.files)
            .find(|f| f.target == side(n))
            .unwrap();
        assert!(matches!(f.outcome, ExportOutcome::Failed { .. }), "{f:?}");
    }
    assert!(side("obama3.jpg").is_file());
}

#[test]
fn a_people_edit_is_exported_automatically_after_the_debounce() {
    let Some(_) = likeness_e2e::reference_dir() else {
        return;
    };
    let photos: Vec<(String, Vec<u8>)> = ["obama.jpg", "biden.jpg"]
        .iter()
        .map(|n| {
            (
                n.to_string(),
                std::fs::read(reference(&format!("face_recognition_test_images/{n}"))).unwrap(),
            )
        })
        .collect();
    let (lib, mut cat) = library("xmp-auto", &photos);
    let clock = SystemClock;
    // Indexing and clustering named nobody: nothing marked, nothing to write.
    let auto = XmpAutoExport::start(
        &lib.paths.catalog,
        XmpOptions::default(),
        Duration::from_millis(300),
        Arc::new(SystemClock),
    );
    let first = auto.flush().unwrap();
    assert_eq!(first.written, 0);
    let obama = faces_of_file(&cat, &lib.photos.join("obama.jpg"))[0].clone();
    let person = obama.person.map(|p| p.0);
    let sidecar = SidecarStyle::PhotoJpgXmp.sidecar_path(&lib.photos.join("obama.jpg"));
    match person {
        Some(p) => people::name(&mut cat, &clock, p, "Barack")
            .map(|_| ())
            .unwrap(),
        None => people::move_faces(&mut cat, &clock, &[obama.id], MoveTarget::Named("Barack"))
            .map(|_| ())
            .unwrap(),
    }
    auto.poke();
    assert!(!sidecar.exists(), "written before the debounce");
    let started = Instant::now();
    while !sidecar.exists() && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(25));
    }
    assert!(sidecar.is_file(), "no sidecar after the debounce");
    println!(
        "sidecar written {:.0} ms after the poke (debounce 300 ms)",
        started.elapsed().as_secs_f64() * 1000.0
    );
    let text = std::fs::read_to_string(&sidecar).unwrap();
    assert!(text.contains("Barack"), "{text}");
    // A rename, then flush (no waiting): the file follows.
    let id = cat.person_by_name("Barack").unwrap().unwrap().id;
    people::rename(&mut cat, &clock, id, "Barack Obama").unwrap();
    let flushed = auto.flush().unwrap();
    assert!(flushed.written >= 1, "{flushed:?}");
    assert!(std::fs::read_to_string(&sidecar)
        .unwrap()
        .contains("Barack Obama"));
    assert_eq!(cat.xmp_dirty_count().unwrap(), 0);
    // An Automatic face of a named person is exported too, and importing our own export
    // back leaves it Automatic (nothing to import, no edit).
    let biden = faces_of_file(&cat, &lib.photos.join("biden.jpg"))[0].id;
    cat.assign_automatic(
        &[FaceAssignment {
            face: biden,
            person: id,
            provenance: Provenance::Automatic,
            confidence: Some(0.9),
        }],
        clock.now(),
    )
    .unwrap();
    assert!(auto.flush().unwrap().written >= 1);
    let biden_sidecar = SidecarStyle::PhotoJpgXmp.sidecar_path(&lib.photos.join("biden.jpg"));
    assert!(std::fs::read_to_string(&biden_sidecar)
        .unwrap()
        .contains("Barack Obama"));
    let cancel = AtomicBool::new(false);
    let back = xmp::import(
        &mut cat,
        Some(pipeline()),
        std::slice::from_ref(&lib.photos),
        false,
        &clock,
        &cancel,
    )
    .unwrap();
    assert_eq!(
        (back.confirmed, back.edit.is_none()),
        (0, true),
        "{back:#?}"
    );
    assert!(back.unchanged >= 2, "{back:#?}");
    assert_eq!(
        cat.face(biden).unwrap().unwrap().person,
        Some((id, Provenance::Automatic))
    );
    cat.assign_automatic(
        &[FaceAssignment {
            face: biden,
            person: id,
            provenance: Provenance::Suggested,
            confidence: Some(0.5),
        }],
        clock.now(),
    )
    .unwrap();
    auto.flush().unwrap();
    assert!(!std::fs::read_to_string(&biden_sidecar)
        .unwrap()
        .contains("Barack Obama"));
    // Undo reaches the file too.
    people::undo(&mut cat, &clock).unwrap();
    auto.poke();
    drop(auto); // exports what is pending, then stops
    let text = std::fs::read_to_string(&sidecar).unwrap();
    assert!(
        text.contains(">Barack<") || text.contains("'Barack'") || text.contains("\"Barack\""),
        "{text}"
    );
    assert!(!text.contains("Barack Obama"), "{text}");
}
