//! Shared helpers for Likeness end-to-end tests: one pipeline per test process, and
//! generators for the photo variants the tests need (EXIF-oriented copies, huge and odd
//! PNGs, CMYK JPEGs). All fixtures are made from real photos at test time, in a temp folder.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use image::RgbImage;
use likeness_engine::{EngineConfig, FacePipeline};

pub use likeness_testdata::*;

/// The pipeline over the fetched models and runtime (loaded once per test binary).
pub fn pipeline() -> &'static FacePipeline {
    static PIPELINE: OnceLock<FacePipeline> = OnceLock::new();
    PIPELINE.get_or_init(|| {
        let config = EngineConfig {
            models_dir: Some(models_dir()),
            ort_library: Some(ort_library()),
            ..EngineConfig::default()
        };
        FacePipeline::open(&config).expect("pipeline loads")
    })
}

/// The face_recognition 1.3.0 test photos fetched by set-up.
pub fn test_photo(name: &str) -> PathBuf {
    let p = models_dir().join("test_photos").join(name);
    assert!(p.is_file(), "{} missing: run scripts/setup.sh", p.display());
    p
}

/// A fresh temporary folder under the target dir (kept for inspection after a failure).
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = repo_root().join("target/test-tmp").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A big-endian TIFF/EXIF block holding only an Orientation tag.
pub fn exif_orientation_block(orientation: u16) -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(b"MM\0\x2a\0\0\0\x08"); // header, IFD0 at offset 8
    t.extend_from_slice(&1u16.to_be_bytes()); // one entry
    t.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    t.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    t.extend_from_slice(&1u32.to_be_bytes()); // count
    t.extend_from_slice(&orientation.to_be_bytes());
    t.extend_from_slice(&[0, 0]); // value padding
    t.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    t
}

/// Stored pixels that, displayed with EXIF `orientation`, look like `upright`.
pub fn stored_for_orientation(upright: &RgbImage, orientation: u16) -> RgbImage {
    use image::imageops::{flip_horizontal, flip_vertical, rotate180, rotate270, rotate90};
    // Display transform D(o) maps stored → upright; we need stored = D(o)^-1(upright).
    match orientation {
        1 => upright.clone(),
        2 => flip_horizontal(upright),
        3 => rotate180(upright),
        4 => flip_vertical(upright),
        // 5: transpose (self-inverse).
        5 => flip_horizontal(&rotate90(upright)),
        // 6: display rotates 90° clockwise → stored is rotated 90° counter-clockwise.
        6 => rotate270(upright),
        // 7: transverse (self-inverse).
        7 => flip_horizontal(&rotate270(upright)),
        8 => rotate90(upright),
        _ => panic!("orientation {orientation}"),
    }
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut h = crc32fast::Hasher::new();
    h.update(kind);
    h.update(data);
    out.extend_from_slice(&h.finalize().to_be_bytes());
}

/// PNG bytes of `img` with an `eXIf` chunk carrying `orientation`.
pub fn png_with_orientation(img: &RgbImage, orientation: u16) -> Vec<u8> {
    let mut plain = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut plain),
        image::ImageFormat::Png,
    )
    .unwrap();
    // Insert eXIf right after IHDR (signature 8 bytes + IHDR chunk 25 bytes).
    let split = 8 + 25;
    let mut out = plain[..split].to_vec();
    png_chunk(&mut out, b"eXIf", &exif_orientation_block(orientation));
    out.extend_from_slice(&plain[split..]);
    out
}

/// JPEG bytes of `img` (quality 95) with an APP1 Exif segment carrying `orientation`.
pub fn jpeg_with_orientation(img: &RgbImage, orientation: u16) -> Vec<u8> {
    let mut plain = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 95);
    img.write_with_encoder(enc).unwrap();
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(&exif_orientation_block(orientation));
    let mut out = plain[..2].to_vec(); // SOI
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&plain[2..]);
    out
}

/// A valid PNG header and stream for a `w`×`h` 1-bit image of zeros (compresses to a few
/// hundred KB even at 20000×20000): a decompression bomb.
pub fn huge_png(path: &Path, w: u32, h: u32) {
    use std::io::Write;
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[1, 0, 0, 0, 0]); // 1-bit greyscale
    png_chunk(&mut out, b"IHDR", &ihdr);
    let row = vec![0u8; 1 + w.div_ceil(8) as usize];
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    for _ in 0..h {
        z.write_all(&row).unwrap();
    }
    let idat = z.finish().unwrap();
    png_chunk(&mut out, b"IDAT", &idat);
    png_chunk(&mut out, b"IEND", &[]);
    std::fs::write(path, out).unwrap();
}

/// A CMYK JPEG (Adobe-style inverted CMYK is what decoders expect) of `img`.
pub fn cmyk_jpeg(path: &Path, img: &RgbImage) {
    let mut cmyk = Vec::with_capacity((img.width() * img.height() * 4) as usize);
    for p in img.pixels() {
        let [r, g, b] = p.0;
        let k = 255 - r.max(g).max(b);
        let scale = |c: u8| -> u8 {
            if k == 255 {
                0
            } else {
                (((255 - c) as u32 - k as u32) * 255 / (255 - k as u32)) as u8
            }
        };
        cmyk.extend_from_slice(&[scale(r), scale(g), scale(b), k]);
    }
    let enc = jpeg_encoder::Encoder::new_file(path, 95).unwrap();
    enc.encode(
        &cmyk,
        img.width() as u16,
        img.height() as u16,
        jpeg_encoder::ColorType::Cmyk,
    )
    .unwrap();
}

/// Box IoU of two faces given as `[x1, y1, x2, y2]`: the project's one (`likeness-geometry`).
pub use likeness_engine::geometry::iou;

/// The reference pack's photos (82 files in three folders).
pub fn reference_images() -> PathBuf {
    reference_dir()
        .expect("../shared/reference is needed for this test")
        .join("images")
}

/// Copies a folder tree (files and folders only).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A library over a private copy of the reference photos: `dir/photos` (the only root) and
/// `dir/lib` (catalog + cache).
#[derive(Debug, Clone)]
pub struct TestLibrary {
    pub dir: PathBuf,
    pub photos: PathBuf,
    pub paths: likeness_engine::LibraryPaths,
}

impl TestLibrary {
    pub fn open(&self) -> likeness_engine::catalog::Catalog {
        likeness_engine::open_catalog(&self.paths).unwrap()
    }

    /// Scans and indexes the photos folder (with the default people settings: new faces are
    /// matched to confirmed people, and faces are clustered when they changed).
    pub fn index(
        &self,
        catalog: &mut likeness_engine::catalog::Catalog,
    ) -> (likeness_engine::ScanSummary, likeness_engine::IndexSummary) {
        self.index_with(catalog, likeness_engine::PeopleConfig::default())
    }

    /// [`TestLibrary::index`] with these people settings.
    pub fn index_with(
        &self,
        catalog: &mut likeness_engine::catalog::Catalog,
        people: likeness_engine::PeopleConfig,
    ) -> (likeness_engine::ScanSummary, likeness_engine::IndexSummary) {
        let clock = likeness_engine::SystemClock;
        let indexer =
            likeness_engine::Indexer::new(pipeline(), &self.paths, &clock).with_people(people);
        indexer
            .run(catalog, &likeness_engine::IndexControl::new(), &mut |_| {})
            .unwrap()
    }
}

/// Copies the reference photos to `target/test-tmp/<name>/photos`, adds them to a new
/// library and indexes them (which also clusters them).
pub fn indexed_reference_library(name: &str) -> TestLibrary {
    let dir = temp_dir(name);
    let photos = dir.join("photos");
    copy_tree(&reference_images(), &photos);
    let library = TestLibrary {
        photos: std::fs::canonicalize(&photos).unwrap(),
        paths: likeness_engine::LibraryPaths::in_dir(&dir.join("lib")),
        dir,
    };
    let mut catalog = library.open();
    likeness_engine::add_root(&mut catalog, &library.photos, &likeness_engine::SystemClock)
        .unwrap();
    let (_, summary) = library.index(&mut catalog);
    assert_eq!(summary.errors, 0, "{summary:?}");
    library
}

/// The same JPEG with a comment segment inserted after SOI: other bytes (another content
/// hash), exactly the same pixels.
pub fn jpeg_with_comment(bytes: &[u8], comment: &str) -> Vec<u8> {
    assert_eq!(&bytes[..2], b"\xff\xd8", "not a JPEG");
    let mut out = bytes[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xFE]);
    out.extend_from_slice(&((comment.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(comment.as_bytes());
    out.extend_from_slice(&bytes[2..]);
    out
}

/// The user's decisions keyed by where the face is — (path under the root, face index) —
/// instead of face ids, so they compare across a content change (new photo row, new face
/// ids) and a rename (`renamed` maps old → new relative paths). Faces on photos without a
/// live file are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlacedDecisions {
    pub people: std::collections::BTreeMap<i64, (Option<String>, bool)>,
    pub confirmed: std::collections::BTreeMap<(String, u32), i64>,
    pub rejections: std::collections::BTreeSet<((String, u32), i64)>,
    pub not_face: std::collections::BTreeSet<(String, u32)>,
}

/// Where a face is: (path under `root`, index), if its photo has a live file.
pub fn face_place(
    catalog: &likeness_engine::catalog::Catalog,
    root: &Path,
    face: i64,
) -> Option<(String, u32)> {
    let row = catalog.face(face).unwrap()?;
    let photo = catalog.photo(row.photo).unwrap()?;
    let path = photo.paths.first()?;
    let rel = path.strip_prefix(root).unwrap_or(path);
    Some((rel.display().to_string(), row.idx))
}

pub fn placed_decisions(
    catalog: &likeness_engine::catalog::Catalog,
    root: &Path,
) -> PlacedDecisions {
    let d = catalog.decisions().unwrap();
    let mut out = PlacedDecisions::default();
    for (id, p) in &d.people {
        out.people.insert(*id, (p.name.clone(), p.hidden));
    }
    for (face, person) in &d.confirmed {
        if let Some(place) = face_place(catalog, root, *face) {
            out.confirmed.insert(place, *person);
        }
    }
    for (face, person) in &d.rejections {
        if let Some(place) = face_place(catalog, root, *face) {
            out.rejections.insert((place, *person));
        }
    }
    for face in &d.not_face {
        if let Some(place) = face_place(catalog, root, *face) {
            out.not_face.insert(place);
        }
    }
    out
}

/// Every (face, person) rejection whose face is nevertheless assigned to that person.
pub fn rejected_but_assigned(catalog: &likeness_engine::catalog::Catalog) -> Vec<(i64, i64)> {
    let d = catalog.decisions().unwrap();
    d.rejections
        .iter()
        .filter(|(face, person)| {
            catalog
                .face(*face)
                .unwrap()
                .and_then(|f| f.person)
                .is_some_and(|(p, _)| p == *person)
        })
        .copied()
        .collect()
}
