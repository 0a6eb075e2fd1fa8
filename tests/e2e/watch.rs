//! Watch mode on a real folder: photos renamed, moved and deleted while the indexer runs keep
//! their faces (no re-embedding), new photos are indexed within seconds.
#![allow(clippy::print_stdout)]

use std::path::Path;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use likeness_e2e::{pipeline, temp_dir, test_photo};
use likeness_engine::catalog::Catalog;
use likeness_engine::{
    add_root, open_catalog, IndexControl, Indexer, LibraryPaths, SystemClock, WatchEvent,
    WatchOptions,
};

/// Face ids and embeddings of the photo at `path`, read through a separate read-only handle.
fn faces_at(catalog: &Path, path: &Path) -> Option<Vec<(i64, Vec<f32>)>> {
    let reader = Catalog::open_read_only(catalog).ok()?;
    let photo = reader.photo_by_path(path).ok()??;
    Some(
        reader
            .faces_of_photo(photo.id)
            .ok()?
            .into_iter()
            .map(|f| (f.id, f.embedding))
            .collect(),
    )
}

fn wait_for<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> (T, Duration) {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return (v, start.elapsed());
        }
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

#[test]
fn renames_and_moves_keep_faces_and_new_photos_are_indexed() {
    let dir = temp_dir("watch-moves");
    let root = dir.join("photos");
    std::fs::create_dir_all(root.join("2024/summer")).expect("mkdir");
    std::fs::copy(test_photo("obama.jpg"), root.join("obama.jpg")).expect("copy");
    std::fs::copy(test_photo("biden.jpg"), root.join("2024/summer/biden.jpg")).expect("copy");
    let root = std::fs::canonicalize(&root).expect("canonical");
    let paths = LibraryPaths::in_dir(&dir.join("lib"));
    let mut catalog = open_catalog(&paths).expect("catalog");
    let clock = SystemClock;
    add_root(&mut catalog, &root, &clock).expect("root");
    let catalog_path = paths.catalog.clone();

    let control = Arc::new(IndexControl::new());
    let (events_tx, events_rx) = mpsc::channel::<WatchEvent>();
    let watcher = {
        let control = Arc::clone(&control);
        let paths = paths.clone();
        std::thread::spawn(move || {
            let clock = SystemClock;
            let indexer = Indexer::new(pipeline(), &paths, &clock);
            indexer.watch(
                &mut catalog,
                &control,
                &WatchOptions::default(),
                &mut |_| {},
                &mut |e| {
                    let _ = events_tx.send(e.clone());
                },
            )
        })
    };
    let analyzed = move |rx: &mpsc::Receiver<WatchEvent>| -> u64 {
        rx.try_iter()
            .map(|e| match e {
                WatchEvent::Indexed(s) => s.analyzed,
                _ => 0,
            })
            .sum()
    };

    let obama = root.join("obama.jpg");
    let (before, _) = wait_for("first indexing", Duration::from_secs(120), || {
        faces_at(&catalog_path, &obama).filter(|f| !f.is_empty())
    });
    let (biden_before, _) = wait_for("biden", Duration::from_secs(60), || {
        faces_at(&catalog_path, &root.join("2024/summer/biden.jpg"))
    });
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(analyzed(&events_rx), 2);

    // Rename a file, move it into another folder, rename a folder.
    let renamed = root.join("president.jpg");
    std::fs::rename(&obama, &renamed).expect("rename");
    let (after, took) = wait_for("rename", Duration::from_secs(20), || {
        faces_at(&catalog_path, &renamed)
    });
    println!("rename seen in {took:?}");
    assert_eq!(after, before, "same face rows, same embeddings");
    assert!(faces_at(&catalog_path, &obama).is_none());

    let moved = root.join("2024/president.jpg");
    std::fs::rename(&renamed, &moved).expect("move");
    let (after, _) = wait_for("move", Duration::from_secs(20), || {
        faces_at(&catalog_path, &moved)
    });
    assert_eq!(after, before);

    std::fs::rename(root.join("2024"), root.join("2025")).expect("rename dir");
    let (after, took) = wait_for("folder rename", Duration::from_secs(20), || {
        faces_at(&catalog_path, &root.join("2025/president.jpg"))
    });
    println!("folder rename seen in {took:?}");
    assert_eq!(after, before);
    let (b, _) = wait_for("folder rename (biden)", Duration::from_secs(20), || {
        faces_at(&catalog_path, &root.join("2025/summer/biden.jpg"))
    });
    assert_eq!(b, biden_before);
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(
        analyzed(&events_rx),
        0,
        "nothing re-embedded by renames and moves"
    );

    // A new photo dropped in is indexed within seconds.
    let tmp = dir.join("incoming.jpg");
    std::fs::copy(test_photo("obama2.jpg"), &tmp).expect("copy");
    let dropped = root.join("2025/new.jpg");
    let start = Instant::now();
    std::fs::rename(&tmp, &dropped).expect("drop in");
    wait_for("new photo", Duration::from_secs(30), || {
        faces_at(&catalog_path, &dropped).filter(|f| !f.is_empty())
    });
    println!("new photo indexed {:?} after it appeared", start.elapsed());

    // Deleted: gone from the catalog.
    std::fs::remove_file(&dropped).expect("rm");
    wait_for("delete", Duration::from_secs(20), || {
        faces_at(&catalog_path, &dropped).is_none().then_some(())
    });

    control.cancel();
    watcher
        .join()
        .expect("watcher thread")
        .expect("watch ends cleanly");
    let reader = Catalog::open_read_only(&catalog_path).expect("reader");
    assert_eq!(reader.integrity_check().expect("check"), "ok");
    let status = reader.status().expect("status");
    assert_eq!((status.files, status.photos, status.pending), (2, 2, 0));
}
