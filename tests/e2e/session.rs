//! The engine's `Library` session, on a real catalog over real photos and the real models:
//! one writer, one job slot, settings that every front end sees, the XMP trigger inside every
//! change, and batch edits that undo as one.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use likeness_e2e::{copy_tree, models_dir, ort_library, reference_dir, temp_dir};
use likeness_engine::catalog::PersonId;
use likeness_engine::people;
use likeness_engine::{
    ClusteringStrictness, EngineConfig, EngineError, JobKind, Library, LibraryPaths, Overrides,
    ProviderPreference, Settings, SystemClock,
};

fn base_config() -> EngineConfig {
    let mut config = EngineConfig {
        models_dir: Some(models_dir()),
        ort_library: Some(ort_library()),
        ..EngineConfig::default()
    };
    config.xmp.debounce = Duration::from_millis(200);
    config
}

/// A library over a copy of the reference pack's face_recognition photos (6 files).
fn library(name: &str) -> Option<(PathBuf, LibraryPaths)> {
    let reference = reference_dir()?;
    let dir = temp_dir(name);
    let photos = dir.join("photos");
    copy_tree(
        &reference.join("images/face_recognition_test_images"),
        &photos,
    );
    Some((
        std::fs::canonicalize(&photos).unwrap(),
        LibraryPaths::in_dir(&dir.join("lib")),
    ))
}

fn index(lib: &Library) {
    let job = lib.start_job(JobKind::Index).unwrap();
    let run = lib.index(&job, true, &mut |_| {}).unwrap();
    assert_eq!(run.summary.errors, 0, "{run:?}");
    assert!(run.summary.faces > 0, "{run:?}");
}

fn unnamed_groups(lib: &Library) -> Vec<PersonId> {
    let catalog = lib.catalog().unwrap();
    people::overview(&catalog, true)
        .unwrap()
        .iter()
        .filter(|p| p.name.is_none())
        .map(|p| p.id)
        .collect()
}

#[test]
fn one_writer_and_one_job_at_a_time() {
    let Some((photos, paths)) = library("session-jobs") else {
        return;
    };
    let lib = Library::open(paths.clone(), base_config(), Overrides::default()).unwrap();
    lib.add_folder(&photos).unwrap();
    // A second session on the same library is refused while this one lives.
    let second = Library::open(paths.clone(), base_config(), Overrides::default());
    assert!(
        matches!(second, Err(EngineError::LibraryBusy { .. })),
        "{second:?}"
    );
    let job = lib.start_job(JobKind::Index).unwrap();
    // Clustering (the Settings screen's "group again") waits for no one: it is refused.
    let busy = lib.recluster().unwrap_err();
    assert_eq!(busy.code(), "indexing_running", "{busy}");
    assert!(busy.to_string().contains("indexing"), "{busy}");
    let watch = lib.start_job(JobKind::Watch).unwrap_err();
    assert_eq!(watch.code(), "indexing_running");
    let (kind, _) = lib.job().unwrap();
    assert_eq!(kind, JobKind::Index);
    let run = lib.index(&job, true, &mut |_| {}).unwrap();
    assert!(run.summary.faces > 0, "{run:?}");
    drop(job);
    assert!(lib.job().is_none());
    // Free again: clustering runs, and holds the slot meanwhile.
    let summary = lib.recluster().unwrap();
    assert!(summary.clusters > 0, "{summary:?}");
    drop(lib);
    // The lock went with the session.
    Library::open(paths, base_config(), Overrides::default()).unwrap();
}

#[test]
fn settings_are_one_source_and_overrides_win() {
    let Some((photos, paths)) = library("session-settings") else {
        return;
    };
    {
        let lib = Library::open(paths.clone(), base_config(), Overrides::default()).unwrap();
        lib.add_folder(&photos).unwrap();
        let strict = Settings {
            clustering: ClusteringStrictness::Strict,
            provider: ProviderPreference::Auto,
            ..Settings::default()
        };
        lib.set_settings(strict).unwrap();
        assert_eq!(lib.settings().unwrap(), strict);
    }
    // What the app saved is what the next session (the CLI's, here) works with.
    let lib = Library::open(
        paths.clone(),
        base_config(),
        Overrides {
            provider: Some(ProviderPreference::CpuOnly),
            xmp_auto_export: None,
            detector: None,
        },
    )
    .unwrap();
    let config = lib.config().unwrap();
    let expected = ClusteringStrictness::Strict.people_config(&base_config().people);
    assert_eq!(config.people.cluster.eps, expected.cluster.eps);
    assert_eq!(config.people.auto, expected.auto);
    assert_ne!(config.people.cluster.eps, base_config().people.cluster.eps);
    // The front end's explicit flag wins over the saved "auto".
    assert_eq!(config.provider, ProviderPreference::CpuOnly);
    assert_eq!(lib.settings().unwrap().provider, ProviderPreference::Auto);
}

#[test]
fn every_change_reaches_xmp_without_a_poke() {
    let Some((photos, paths)) = library("session-xmp") else {
        return;
    };
    let lib = Library::open(paths, base_config(), Overrides::default()).unwrap();
    lib.add_folder(&photos).unwrap();
    index(&lib);
    lib.set_settings(Settings {
        xmp_auto_export: true,
        ..lib.settings().unwrap()
    })
    .unwrap();
    let obama = photos.join("obama.jpg");
    let sidecar = likeness_engine::xmp::SidecarStyle::PhotoJpgXmp.sidecar_path(&obama);
    let face = {
        let catalog = lib.catalog().unwrap();
        let photo = catalog.photo_by_path(&obama).unwrap().unwrap();
        catalog.faces_of_photo(photo.id).unwrap()[0].id
    };
    lib.move_faces(&[face], people::MoveTarget::Named("Barack"))
        .unwrap();
    let started = Instant::now();
    while !sidecar.exists() && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(25));
    }
    assert!(sidecar.is_file(), "the edit was not exported");
    println!(
        "sidecar written {:.0} ms after the edit (debounce 200 ms)",
        started.elapsed().as_secs_f64() * 1000.0
    );
    // An undo is a change too: closing the session writes what is pending.
    lib.undo().unwrap();
    let summary = lib.close().expect("auto-export is on").unwrap();
    assert_eq!(summary.failed, 0, "{summary:?}");
    let text = std::fs::read_to_string(&sidecar).unwrap();
    assert!(!text.contains("Barack"), "{text}");
}

#[test]
fn hiding_many_people_is_one_edit() {
    let Some((photos, paths)) = library("session-batch") else {
        return;
    };
    let lib = Library::open_with_clock(
        paths,
        base_config(),
        Overrides::default(),
        Arc::new(SystemClock),
    )
    .unwrap();
    lib.add_folder(&photos).unwrap();
    index(&lib);
    // Three people: the one group the photos make, and two named from single faces.
    let mut chosen = unnamed_groups(&lib);
    assert!(!chosen.is_empty());
    for (file, name) in [("biden.jpg", "Joe"), ("obama_partial_face2.jpg", "Alex")] {
        let face = {
            let catalog = lib.catalog().unwrap();
            let photo = catalog.photo_by_path(&photos.join(file)).unwrap().unwrap();
            catalog.faces_of_photo(photo.id).unwrap()[0].id
        };
        let done = lib
            .move_faces(&[face], people::MoveTarget::Named(name))
            .unwrap();
        chosen.push(done.person);
    }
    let chosen = &chosen[..3];
    lib.set_hidden(chosen, true).unwrap();
    let visible = |lib: &Library| {
        let catalog = lib.catalog().unwrap();
        people::overview(&catalog, false)
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect::<Vec<_>>()
    };
    assert!(chosen.iter().all(|p| !visible(&lib).contains(p)));
    // One Ctrl+Z shows all three again.
    lib.undo().unwrap();
    let now = visible(&lib);
    assert!(chosen.iter().all(|p| now.contains(p)), "{now:?}");
    // The edit before it was naming Alex, not hiding one of the three.
    let before = lib.undo().unwrap();
    assert!(before.label.contains("Alex"), "{before:?}");
}
