//! A deterministic dump of what the catalog knows, for equality checks (the crash test):
//! no row ids, no catalog timestamps, everything sorted; people are keyed by name (unnamed
//! ones as `#n`, their rank by creation).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::PathBuf;

use rusqlite::Connection;

use crate::db::Catalog;
use crate::error::{CatalogError, Res};
use crate::faces::f32s;
use crate::paths;
use crate::types::{ContentHash, FileState, PersonId, PhotoMeta, Provenance};

#[derive(Debug, Clone, PartialEq)]
pub struct CatalogSnapshot {
    pub roots: Vec<PathBuf>,
    pub files: Vec<SnapshotFile>,
    pub photos: Vec<SnapshotPhoto>,
    pub faces: Vec<SnapshotFace>,
    pub people: Vec<SnapshotPerson>,
    pub assignments: Vec<SnapshotAssignment>,
    pub rejections: Vec<SnapshotRejection>,
    pub scan_issues: Vec<SnapshotIssue>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotFile {
    pub path: PathBuf,
    pub size: u64,
    pub mtime_ns: i64,
    pub state: FileState,
    pub photo: Option<ContentHash>,
    pub error_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotPhoto {
    pub hash: ContentHash,
    pub model: String,
    pub meta: PhotoMeta,
    pub face_count: u32,
    pub orphan: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotFace {
    pub photo: ContentHash,
    pub idx: u32,
    pub bbox: [f32; 4],
    pub landmarks: Vec<f32>,
    pub score: f32,
    pub embedding: Vec<u8>,
    /// The user marked it "not a face".
    pub not_face: bool,
    /// Created from an imported XMP region (not detected).
    pub manual: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotPerson {
    pub key: String,
    pub name: Option<String>,
    pub hidden: bool,
    /// (photo, face idx) of the cover face.
    pub cover: Option<(ContentHash, u32)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotAssignment {
    pub photo: ContentHash,
    pub idx: u32,
    pub person: String,
    pub provenance: Provenance,
    pub confidence: Option<f32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotRejection {
    pub photo: ContentHash,
    pub idx: u32,
    pub person: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotIssue {
    pub root: PathBuf,
    pub path: PathBuf,
    pub code: String,
    pub message: String,
}

impl Catalog {
    /// See [`CatalogSnapshot`].
    pub fn snapshot(&self) -> Result<CatalogSnapshot, CatalogError> {
        self.read(|c| {
            let keys = person_keys(c)?;
            Ok(CatalogSnapshot {
                roots: roots(c)?,
                files: files(c)?,
                photos: photos(c)?,
                faces: faces(c)?,
                people: people(c, &keys)?,
                assignments: assignments(c, &keys)?,
                rejections: rejections(c, &keys)?,
                scan_issues: issues(c)?,
            })
        })
    }
}

impl CatalogSnapshot {
    /// Human-readable differences: `- section: entry` only in `self`, `+ section: entry` only
    /// in `other`. Empty when equal.
    pub fn diff(&self, other: &CatalogSnapshot) -> Vec<String> {
        let mut out = Vec::new();
        diff_section(&mut out, "root", &self.roots, &other.roots);
        diff_section(&mut out, "file", &self.files, &other.files);
        diff_section(&mut out, "photo", &self.photos, &other.photos);
        let (a, b) = (face_lines(&self.faces), face_lines(&other.faces));
        diff_section(&mut out, "face", &a, &b);
        diff_section(&mut out, "person", &self.people, &other.people);
        diff_section(
            &mut out,
            "assignment",
            &self.assignments,
            &other.assignments,
        );
        diff_section(&mut out, "rejection", &self.rejections, &other.rejections);
        diff_section(
            &mut out,
            "scan issue",
            &self.scan_issues,
            &other.scan_issues,
        );
        out
    }
}

/// Faces with the embedding shown as its length and a 64-bit FNV-1a digest.
fn face_lines(faces: &[SnapshotFace]) -> Vec<String> {
    faces
        .iter()
        .map(|f| {
            let digest = f.embedding.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            });
            format!(
                "{} #{} box {:?} landmarks {:?} score {} embedding {} B fnv {digest:016x}{}{}",
                f.photo.to_hex(),
                f.idx,
                f.bbox,
                f.landmarks,
                f.score,
                f.embedding.len(),
                if f.not_face { " not a face" } else { "" },
                if f.manual { " manual" } else { "" }
            )
        })
        .collect()
}

fn diff_section<T: std::fmt::Debug>(out: &mut Vec<String>, name: &str, a: &[T], b: &[T]) {
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    for x in a {
        *counts.entry(format!("{x:?}")).or_default() += 1;
    }
    for x in b {
        *counts.entry(format!("{x:?}")).or_default() -= 1;
    }
    for (line, n) in counts {
        let sign = if n > 0 { '-' } else { '+' };
        for _ in 0..n.unsigned_abs() {
            let mut s = String::new();
            let _ = write!(s, "{sign} {name}: {line}");
            out.push(s);
        }
    }
}

fn roots(c: &Connection) -> Res<Vec<PathBuf>> {
    let mut st = c.prepare("SELECT path FROM roots ORDER BY path")?;
    let rows = st.query_map([], |r| Ok(paths::from_blob(r.get(0)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn files(c: &Connection) -> Res<Vec<SnapshotFile>> {
    let mut st = c.prepare(
        "SELECT f.path, f.size, f.mtime_ns, f.state, p.hash, f.error_code
         FROM files f LEFT JOIN photos p ON p.id = f.photo_id ORDER BY f.path",
    )?;
    let rows = st.query_map([], |r| {
        Ok(SnapshotFile {
            path: paths::from_blob(r.get(0)?),
            size: r.get::<_, i64>(1)? as u64,
            mtime_ns: r.get(2)?,
            state: r.get(3)?,
            photo: r.get::<_, Option<[u8; 32]>>(4)?.map(ContentHash),
            error_code: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn photos(c: &Connection) -> Res<Vec<SnapshotPhoto>> {
    let sql = format!(
        "SELECT {}, orphaned_at IS NOT NULL FROM photos ORDER BY hash",
        crate::photos::PHOTO_COLUMNS
    );
    let mut st = c.prepare(&sql)?;
    let rows = st.query_map([], |r| {
        let row = crate::photos::photo_from_row(r)?;
        Ok(SnapshotPhoto {
            hash: row.hash,
            model: row.model,
            meta: row.meta,
            face_count: row.face_count,
            orphan: r.get(17)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn faces(c: &Connection) -> Res<Vec<SnapshotFace>> {
    let mut st = c.prepare(
        "SELECT p.hash, f.idx, f.x1, f.y1, f.x2, f.y2, f.landmarks, f.score, f.embedding,
                f.not_face, f.source = 'manual'
         FROM faces f JOIN photos p ON p.id = f.photo_id ORDER BY p.hash, f.idx",
    )?;
    let rows = st.query_map([], |r| {
        Ok(SnapshotFace {
            photo: ContentHash(r.get(0)?),
            idx: r.get(1)?,
            bbox: [r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?],
            landmarks: f32s(&r.get::<_, Vec<u8>>(6)?),
            score: r.get(7)?,
            embedding: r.get(8)?,
            not_face: r.get(9)?,
            manual: r.get(10)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Person id → snapshot key: the name, or `#n` (rank by id) for unnamed people.
fn person_keys(c: &Connection) -> Res<HashMap<PersonId, String>> {
    let mut st = c.prepare("SELECT id, name FROM people ORDER BY id")?;
    let rows = st.query_map([], |r| {
        Ok((r.get::<_, PersonId>(0)?, r.get::<_, Option<String>>(1)?))
    })?;
    let mut keys = HashMap::new();
    for (rank, row) in rows.enumerate() {
        let (id, name) = row?;
        keys.insert(id, name.unwrap_or_else(|| format!("#{rank}")));
    }
    Ok(keys)
}

fn key(keys: &HashMap<PersonId, String>, id: PersonId) -> String {
    keys.get(&id).cloned().unwrap_or_else(|| format!("?{id}"))
}

fn people(c: &Connection, keys: &HashMap<PersonId, String>) -> Res<Vec<SnapshotPerson>> {
    let mut st = c.prepare(
        "SELECT pe.id, pe.name, pe.hidden, ph.hash, f.idx
         FROM people pe LEFT JOIN faces f ON f.id = pe.cover_face_id
         LEFT JOIN photos ph ON ph.id = f.photo_id",
    )?;
    let rows = st.query_map([], |r| {
        let cover = match r.get::<_, Option<[u8; 32]>>(3)? {
            Some(h) => Some((ContentHash(h), r.get(4)?)),
            None => None,
        };
        Ok(SnapshotPerson {
            key: key(keys, r.get(0)?),
            name: r.get(1)?,
            hidden: r.get(2)?,
            cover,
        })
    })?;
    let mut out: Vec<SnapshotPerson> = rows.collect::<Result<_, _>>()?;
    out.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(out)
}

fn assignments(c: &Connection, keys: &HashMap<PersonId, String>) -> Res<Vec<SnapshotAssignment>> {
    let mut st = c.prepare(
        "SELECT p.hash, f.idx, a.person_id, a.provenance, a.confidence
         FROM assignments a JOIN faces f ON f.id = a.face_id JOIN photos p ON p.id = f.photo_id
         ORDER BY p.hash, f.idx",
    )?;
    let rows = st.query_map([], |r| {
        Ok(SnapshotAssignment {
            photo: ContentHash(r.get(0)?),
            idx: r.get(1)?,
            person: key(keys, r.get(2)?),
            provenance: r.get(3)?,
            confidence: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn rejections(c: &Connection, keys: &HashMap<PersonId, String>) -> Res<Vec<SnapshotRejection>> {
    let mut st = c.prepare(
        "SELECT p.hash, f.idx, j.person_id
         FROM rejections j JOIN faces f ON f.id = j.face_id JOIN photos p ON p.id = f.photo_id",
    )?;
    let rows = st.query_map([], |r| {
        Ok(SnapshotRejection {
            photo: ContentHash(r.get(0)?),
            idx: r.get(1)?,
            person: key(keys, r.get(2)?),
        })
    })?;
    let mut out: Vec<SnapshotRejection> = rows.collect::<Result<_, _>>()?;
    out.sort_by(|a, b| (a.photo, a.idx, &a.person).cmp(&(b.photo, b.idx, &b.person)));
    Ok(out)
}

fn issues(c: &Connection) -> Res<Vec<SnapshotIssue>> {
    let mut st = c.prepare(
        "SELECT r.path, s.path, s.code, s.message FROM scan_issues s JOIN roots r ON r.id = s.root_id
         ORDER BY r.path, s.path, s.code, s.message",
    )?;
    let rows = st.query_map([], |r| {
        Ok(SnapshotIssue {
            root: paths::from_blob(r.get(0)?),
            path: paths::from_blob(r.get(1)?),
            code: r.get(2)?,
            message: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
