//! Fixtures shared by the catalog tests: real SQLite files in temp folders.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use likeness_catalog::*;

pub const MODEL: &str = "mtcnn+dlib-resnet-v1";

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub cat: Catalog,
    pub root: Root,
}

/// A catalog file with one root at `<tmp>/lib`.
pub fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("catalog.sqlite");
    let mut cat = Catalog::open(&db).expect("open");
    let root = cat.add_root(&dir.path().join("lib"), 100).expect("root");
    Fixture { dir, db, cat, root }
}

impl Fixture {
    pub fn p(&self, rel: &str) -> PathBuf {
        self.root.path.join(rel)
    }

    /// Adds `rel` files through a scan; returns their ids in order.
    pub fn add_files(&mut self, rels: &[&str]) -> Vec<FileId> {
        let changes = ScanChanges {
            upsert: rels.iter().map(|r| cand(&self.p(r), 1000, 1)).collect(),
            ..Default::default()
        };
        self.cat
            .apply_scan(self.root.id, &changes, 200)
            .expect("scan");
        rels.iter().map(|r| self.file_id(r)).collect()
    }

    pub fn file_id(&self, rel: &str) -> FileId {
        self.cat.file_stamps(self.root.id).expect("stamps")[&self.p(rel)].id
    }

    /// Indexes `file` as a new photo with content `seed` and faces at `boxes`.
    pub fn analyze(&mut self, file: FileId, seed: u8, boxes: &[[f32; 4]]) -> PhotoId {
        let out = IndexOutcome::Analyzed {
            file,
            size: 1000,
            mtime_ns: 1,
            photo: photo(seed, boxes),
        };
        self.cat.commit_batch(&[out], 300).expect("commit");
        self.photo_of(file)
    }

    pub fn photo_of(&self, file: FileId) -> PhotoId {
        let path = self
            .cat
            .file_stamps(self.root.id)
            .expect("stamps")
            .into_iter()
            .find(|(_, s)| s.id == file)
            .expect("file row")
            .0;
        self.cat
            .photo_by_path(&path)
            .expect("query")
            .expect("indexed")
            .id
    }
}

pub fn cand(path: &Path, size: u64, mtime_ns: i64) -> FileCandidate {
    FileCandidate {
        path: path.to_path_buf(),
        size,
        mtime_ns,
    }
}

pub fn hash(seed: u8) -> ContentHash {
    ContentHash([seed; 32])
}

pub fn meta(taken_at: Option<&str>) -> PhotoMeta {
    PhotoMeta {
        width: 1000,
        height: 800,
        stored_width: 1000,
        stored_height: 800,
        orientation: 1,
        format: "jpeg".into(),
        taken_at: taken_at.map(str::to_owned),
        taken_source: TakenSource::Exif,
        camera_make: Some("Canon".into()),
        camera_model: None,
        gps: Some((48.85, 2.35)),
        file_size: 1000,
    }
}

pub fn face(b: [f32; 4], seed: f32) -> NewFace {
    NewFace {
        bbox: b,
        landmarks: [b[0], b[1], b[2], b[1], b[0], b[3], b[2], b[3], b[0], b[2]],
        score: 0.99,
        embedding: (0..128).map(|i| seed + i as f32 * 0.001).collect(),
        quality: None,
    }
}

pub fn photo(seed: u8, boxes: &[[f32; 4]]) -> NewPhoto {
    photo_taken(seed, boxes, Some("2020-06-01T12:00:00"))
}

pub fn photo_taken(seed: u8, boxes: &[[f32; 4]], taken: Option<&str>) -> NewPhoto {
    NewPhoto {
        hash: hash(seed),
        meta: meta(taken),
        model: MODEL.into(),
        faces: boxes
            .iter()
            .enumerate()
            .map(|(i, b)| face(*b, seed as f32 + i as f32))
            .collect(),
    }
}

pub const BOX_A: [f32; 4] = [100.0, 100.0, 200.0, 220.0];
pub const BOX_B: [f32; 4] = [500.0, 300.0, 620.0, 450.0];

/// Sets up one assignment the way the app makes it: Confirmed through the user's edit
/// (`move_faces`), Automatic or Suggested through the matcher's path (`assign_automatic`).
pub fn assign(
    cat: &mut Catalog,
    face: FaceId,
    person: PersonId,
    provenance: Provenance,
    confidence: Option<f32>,
    now: i64,
) -> Result<(), CatalogError> {
    if provenance == Provenance::Confirmed {
        cat.move_faces(&[face], person, now).map(|_| ())
    } else {
        let one = FaceAssignment {
            face,
            person,
            provenance,
            confidence,
        };
        cat.assign_automatic(&[one], now).map(|_| ())
    }
}

/// "Not this person" for one face (the user's edit).
pub fn reject(
    cat: &mut Catalog,
    face: FaceId,
    person: PersonId,
    now: i64,
) -> Result<(), CatalogError> {
    cat.reject_faces(&[face], person, now).map(|_| ())
}
