//! A library indexed end to end: real reference photos, a real SQLite catalog file, the real
//! models. The catalog must hold exactly what the face pipeline finds, survive bad input, and
//! never redo work it has already done.
#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};

use likeness_e2e::{cmyk_jpeg, huge_png, pipeline, reference_dir, temp_dir, test_photo};
use likeness_engine::catalog::{Catalog, FileState};
use likeness_engine::{add_root, open_catalog, IndexControl, Indexer, LibraryPaths, SystemClock};

fn reference_images() -> PathBuf {
    reference_dir()
        .expect("../shared/reference is needed for this test")
        .join("images")
}

fn photo_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walk(dir)
        .into_iter()
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| ["jpg", "jpeg", "png"].contains(&e.to_ascii_lowercase().as_str()))
        })
        .collect();
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn new_library(name: &str) -> (PathBuf, LibraryPaths, Catalog) {
    let dir = temp_dir(name);
    let paths = LibraryPaths::in_dir(&dir.join("lib"));
    let catalog = open_catalog(&paths).expect("catalog opens");
    (dir, paths, catalog)
}

#[test]
fn indexing_the_reference_photos_stores_exactly_what_the_pipeline_finds() {
    let images = reference_images();
    let (_dir, paths, mut catalog) = new_library("library-reference");
    let clock = SystemClock;
    add_root(&mut catalog, &images, &clock).expect("add root");
    let indexer = Indexer::new(pipeline(), &paths, &clock);
    let control = IndexControl::new();
    let mut samples = 0;
    let (scan, summary) = indexer
        .run(&mut catalog, &control, &mut |_| samples += 1)
        .expect("index");
    println!("scan {scan:?}\nindex {summary:?}\nprogress callbacks {samples}");

    let files = photo_files(&images);
    assert_eq!(scan.files_found as usize, files.len());
    assert_eq!(summary.photos as usize, files.len());
    let status = catalog.status().expect("status");
    assert_eq!(status.pending, 0);
    assert_eq!(catalog.integrity_check().expect("check"), "ok");

    let canonical = std::fs::canonicalize(&images).expect("canonical");
    let (mut compared_faces, mut worst) = (0usize, 0f32);
    for file in &files {
        let stored_path = canonical.join(file.strip_prefix(&images).expect("under root"));
        let expected = pipeline().analyze(file, true);
        let photo = catalog.photo_by_path(&stored_path).expect("query");
        match expected {
            Err(e) => {
                assert!(
                    photo.is_none(),
                    "{} failed in the pipeline ({e}) but has a photo",
                    file.display()
                );
                continue;
            }
            Ok(expected) => {
                let photo =
                    photo.unwrap_or_else(|| panic!("{} not in the catalog", file.display()));
                assert_eq!(
                    (photo.meta.width, photo.meta.height),
                    (expected.width, expected.height)
                );
                let faces = catalog.faces_of_photo(photo.id).expect("faces");
                assert_eq!(faces.len(), expected.faces.len(), "{}", file.display());
                for (stored, want) in faces.iter().zip(&expected.faces) {
                    let b = &want.detection.bbox;
                    assert_eq!(
                        stored.bbox,
                        [b.x1 as f32, b.y1 as f32, b.x2 as f32, b.y2 as f32],
                        "{}",
                        file.display()
                    );
                    assert_eq!(stored.score, want.detection.score);
                    let emb = want.embedding.as_ref().expect("embedding");
                    assert_eq!(stored.embedding.len(), 128);
                    for (a, b) in stored.embedding.iter().zip(&emb.0) {
                        worst = worst.max((a - b).abs());
                    }
                    compared_faces += 1;
                }
            }
        }
        let hash = catalog
            .photo_by_path(&stored_path)
            .expect("q")
            .map(|p| p.hash.to_hex());
        if let Some(hash) = hash {
            assert!(
                indexer.thumbnails().photo_path(&hash).is_file(),
                "photo thumbnail"
            );
        }
    }
    println!(
        "{compared_faces} faces equal to the pipeline's; worst embedding difference {worst:e}"
    );
    assert!(compared_faces > 100, "only {compared_faces} faces compared");
    assert!(worst < 1e-5, "embedding difference {worst}");

    // A second run finds nothing to do.
    let (scan2, again) = indexer
        .run(&mut catalog, &control, &mut |_| {})
        .expect("rerun");
    assert_eq!((scan2.added, scan2.changed, scan2.removed), (0, 0, 0));
    assert_eq!(again.photos, 0);
}

#[test]
fn bad_files_are_recorded_and_indexing_finishes() {
    let (dir, paths, mut catalog) = new_library("library-bad");
    let root = dir.join("photos");
    std::fs::create_dir_all(root.join("nested")).expect("mkdir");
    let obama = std::fs::read(test_photo("obama.jpg")).expect("read");
    std::fs::copy(test_photo("obama.jpg"), root.join("good.jpg")).expect("copy");
    std::fs::write(root.join("empty.jpg"), b"").expect("write");
    std::fs::write(root.join("notes.jpg"), "not pixels\n".repeat(40)).expect("write");
    std::fs::write(root.join("nested/truncated.jpg"), &obama[..300]).expect("write");
    huge_png(&root.join("huge.png"), 20_000, 20_000);
    let img = image::open(test_photo("obama.jpg"))
        .expect("decode")
        .to_rgb8();
    cmyk_jpeg(&root.join("cmyk.jpg"), &img);
    // A symlink loop and a link to a folder that does not exist.
    std::os::unix::fs::symlink(&root, root.join("nested/loop")).expect("symlink");
    std::os::unix::fs::symlink(dir.join("nowhere"), root.join("dangling")).expect("symlink");
    // Not photos: ignored.
    std::fs::write(root.join("readme.txt"), "hello").expect("write");
    std::fs::create_dir_all(root.join(".hidden")).expect("mkdir");
    std::fs::copy(test_photo("obama.jpg"), root.join(".hidden/secret.jpg")).expect("copy");

    let clock = SystemClock;
    add_root(&mut catalog, &root, &clock).expect("add root");
    let indexer = Indexer::new(pipeline(), &paths, &clock);
    let control = IndexControl::new();
    let (scan, summary) = indexer
        .run(&mut catalog, &control, &mut |_| {})
        .expect("index");
    println!("{scan:?}\n{summary:?}");
    assert_eq!(
        scan.files_found, 6,
        "good, empty, notes, truncated, huge, cmyk"
    );
    assert!(scan.issues >= 1, "the symlink loop is recorded");
    let issues = catalog.scan_issues(50).expect("issues");
    println!("{issues:#?}");
    assert!(
        issues.iter().any(|i| i.code == "symlink_loop"),
        "{issues:?}"
    );

    let failures = catalog.failures(50).expect("failures");
    println!("{failures:#?}");
    let code_of = |name: &str| {
        failures
            .iter()
            .find(|f| f.path.ends_with(name))
            .map(|f| f.code.clone())
    };
    assert_eq!(code_of("empty.jpg").as_deref(), Some("empty"));
    assert_eq!(code_of("notes.jpg").as_deref(), Some("unknown_format"));
    assert_eq!(code_of("huge.png").as_deref(), Some("too_large"));
    assert!(code_of("truncated.jpg").is_some());
    for f in &failures {
        assert!(
            f.message.contains(&f.path.display().to_string()),
            "names the file: {f:?}"
        );
    }
    assert!(code_of("good.jpg").is_none() && code_of("cmyk.jpg").is_none());
    let good = catalog
        .photo_by_path(&std::fs::canonicalize(root.join("good.jpg")).expect("c"))
        .expect("q")
        .expect("good photo indexed");
    let expected = pipeline()
        .analyze(&test_photo("obama.jpg"), false)
        .expect("pipeline");
    assert_eq!(good.face_count as usize, expected.faces.len());
    let status = catalog.status().expect("status");
    assert_eq!((status.pending, status.failed), (0, 4));

    // Failed files are not retried while unchanged; fixed ones are.
    let (_, again) = indexer
        .run(&mut catalog, &control, &mut |_| {})
        .expect("rerun");
    assert_eq!(again.photos, 0);
    std::fs::copy(test_photo("obama.jpg"), root.join("nested/truncated.jpg")).expect("fix");
    let (scan, fixed) = indexer
        .run(&mut catalog, &control, &mut |_| {})
        .expect("rerun");
    assert_eq!(scan.changed, 1);
    assert_eq!(
        (fixed.photos, fixed.reused),
        (1, 1),
        "same bytes as good.jpg: linked"
    );
    assert_eq!(catalog.status().expect("status").failed, 3);
}

#[test]
fn a_file_deleted_before_indexing_and_one_still_being_written_are_recorded_then_resolved() {
    let (dir, paths, mut catalog) = new_library("library-racing");
    let root = dir.join("photos");
    std::fs::create_dir_all(&root).expect("mkdir");
    for name in ["a.jpg", "b.jpg"] {
        std::fs::copy(test_photo("obama.jpg"), root.join(name)).expect("copy");
    }
    let biden = std::fs::read(test_photo("biden.jpg")).expect("read");
    std::fs::write(root.join("growing.jpg"), &biden[..biden.len() / 3]).expect("write");
    let clock = SystemClock;
    add_root(&mut catalog, &root, &clock).expect("add root");
    let indexer = Indexer::new(pipeline(), &paths, &clock);
    let control = IndexControl::new();
    likeness_engine::scan_library(&mut catalog, &control, &clock, &mut |_| {}).expect("scan");
    // Between the scan and the indexing: one file goes away, one is still being written.
    std::fs::remove_file(root.join("b.jpg")).expect("rm");
    let summary = indexer
        .index_pending(&mut catalog, &control, &mut |_| {})
        .expect("index");
    println!("{summary:?}\n{:#?}", catalog.failures(10).expect("f"));
    assert_eq!(summary.photos, 3);
    let failures = catalog.failures(10).expect("failures");
    assert!(failures
        .iter()
        .any(|f| f.path.ends_with("b.jpg") && f.code == "not_found"));
    // A third of a JPEG either fails to decode (recorded) or decodes as a partial image (the
    // decoder fills the rest): both are fine as long as the finished file replaces it.
    let growing_failed = failures.iter().any(|f| f.path.ends_with("growing.jpg"));
    println!("growing.jpg recorded as failed: {growing_failed}");

    // The writer finishes; the next run picks both up: the deleted file leaves the catalog,
    // the finished one is indexed.
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(root.join("growing.jpg"), &biden).expect("write");
    let (scan, summary) = indexer
        .run(&mut catalog, &control, &mut |_| {})
        .expect("rerun");
    println!("{scan:?}\n{summary:?}");
    assert_eq!(scan.removed, 1);
    assert_eq!(summary.analyzed, 1);
    let status = catalog.status().expect("status");
    assert_eq!((status.files, status.failed, status.pending), (2, 0, 0));
    let growing = catalog
        .photo_by_path(&std::fs::canonicalize(root.join("growing.jpg")).expect("c"))
        .expect("q")
        .expect("indexed");
    let expected = pipeline()
        .analyze(&test_photo("biden.jpg"), false)
        .expect("pipeline");
    assert_eq!(growing.face_count as usize, expected.faces.len());
    let state = catalog
        .file_stamps(catalog.roots().expect("roots")[0].id)
        .expect("stamps")
        .values()
        .all(|s| s.state == FileState::Indexed);
    assert!(state);
}

#[test]
fn pause_holds_indexing_and_resume_finishes_it_cancel_keeps_the_rest_pending() {
    use std::sync::{mpsc, Arc};
    use std::time::Duration;
    let images = reference_images();
    let (_dir, paths, mut catalog) = new_library("library-pause");
    let clock = SystemClock;
    add_root(&mut catalog, &images, &clock).expect("add root");
    likeness_engine::scan_library(&mut catalog, &IndexControl::new(), &clock, &mut |_| {})
        .expect("scan");
    let total = catalog.count_pending().expect("pending");
    let control = Arc::new(IndexControl::new());
    let (tx, rx) = mpsc::channel::<(u64, bool)>();
    let (c, p) = (Arc::clone(&control), paths.clone());
    let job = std::thread::spawn(move || {
        let clock = SystemClock;
        let indexer = Indexer::new(pipeline(), &p, &clock);
        let summary = indexer
            .index_pending(&mut catalog, &c, &mut |p| {
                let _ = tx.send((p.photos_done, p.paused));
            })
            .expect("index");
        (summary, catalog)
    });
    // Pause once some photos are done.
    while let Ok((done, _)) = rx.recv_timeout(Duration::from_secs(60)) {
        if done >= 5 {
            break;
        }
    }
    control.pause();
    // In-flight photos finish and commit (on a loaded 2-core machine a big photo can take
    // longer than a fixed sleep): wait until the count holds still for 1.5 s, at most 30 s.
    let reader = Catalog::open_read_only(&paths.catalog).expect("reader");
    let mut held = reader.count_pending().expect("pending");
    for _ in 0..20 {
        std::thread::sleep(Duration::from_millis(1500));
        let now = reader.count_pending().expect("pending");
        if now == held {
            break;
        }
        held = now;
    }
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        reader.count_pending().expect("pending"),
        held,
        "no progress while paused"
    );
    assert!(
        held > 0 && held < total,
        "paused mid-way: {held} of {total} pending"
    );
    assert!(
        rx.try_iter().any(|(_, paused)| paused),
        "progress says paused"
    );
    control.resume();
    // Let it run a little, then cancel: what is done stays, the rest stays pending.
    std::thread::sleep(Duration::from_millis(1500));
    control.cancel();
    let (summary, mut catalog) = job.join().expect("join");
    println!("{summary:?}");
    assert!(summary.cancelled);
    let left = catalog.count_pending().expect("pending");
    assert!(left < held, "resumed: {left} < {held}");
    assert_eq!(
        summary.photos,
        total - left,
        "every finished photo is committed"
    );
    assert_eq!(
        catalog
            .last_job("index")
            .expect("job")
            .expect("a job")
            .state,
        likeness_engine::catalog::JobState::Cancelled
    );
    // A new run picks up exactly the rest.
    let indexer = Indexer::new(pipeline(), &paths, &clock);
    let rest = indexer
        .index_pending(&mut catalog, &IndexControl::new(), &mut |_| {})
        .expect("rest");
    assert_eq!(rest.photos, left);
    assert_eq!(catalog.count_pending().expect("pending"), 0);
}
