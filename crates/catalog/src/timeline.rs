//! The timeline: every live photo by date taken, newest first, paged by keyset, with per-day
//! counts so a front end can lay out the whole library (exact heights) before loading it; and
//! one photo's faces as a viewer shows them.
//!
//! Order: `taken_at DESC, id DESC`, undated photos last (SQLite sorts NULL lowest). A page
//! starts strictly after a [`TimelineCursor`] (the last photo of the previous page), or at
//! the first photo of a day ([`TimelineCursor::day_start`]) plus a small `skip` inside that day,
//! so a jump to any place of a 100k library costs one index seek and at most one day's rows.
//! Both read the partial index `photos_live_taken (taken_at, id, …) WHERE orphaned_at IS NULL`
//! in order: no sort, no temporary B-tree. A live photo is one with `orphaned_at IS NULL`
//! (it has a file), as in [`Catalog::photos`]; its path is its smallest live file path.

use rusqlite::{Connection, OptionalExtension};

use crate::db::Catalog;
use crate::error::{CatalogError, Res};
use crate::paths;
use crate::types::{ContentHash, FaceId, PersonId, PhotoHit, PhotoId, Provenance};

/// Where a timeline page starts: strictly after `(taken_at, photo)` in timeline order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineCursor {
    pub taken_at: Option<String>,
    pub photo: PhotoId,
}

impl TimelineCursor {
    /// The position of a photo (the next page starts after it).
    pub fn after(hit: &PhotoHit) -> Self {
        Self {
            taken_at: hit.taken_at.clone(),
            photo: hit.photo,
        }
    }

    /// Just before the first photo of `day` (`YYYY-MM-DD`; `None` = the undated photos).
    pub fn day_start(day: Option<&str>) -> Self {
        Self {
            // Above every taken_at with that prefix, below the next day's.
            taken_at: day.map(|d| format!("{d}{}", char::MAX)),
            photo: PhotoId::MAX,
        }
    }
}

/// Photos taken on one day (`None` = no date), as [`Catalog::timeline_days`] lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineDay {
    /// `YYYY-MM-DD`, or `None` for the photos without a date.
    pub day: Option<String>,
    pub count: u64,
}

/// A photo as a viewer shows it: its oriented size and faces.
#[derive(Debug, Clone)]
pub struct PhotoView {
    pub photo: PhotoId,
    pub taken_at: Option<String>,
    /// Oriented (upright) full-resolution size: the frame of the face boxes.
    pub width: u32,
    pub height: u32,
    pub format: String,
    pub camera: Option<String>,
    /// The smallest live file path (None for an orphan).
    pub path: Option<std::path::PathBuf>,
    pub faces: Vec<ViewFace>,
}

/// One face of a [`PhotoView`].
#[derive(Debug, Clone)]
pub struct ViewFace {
    pub id: FaceId,
    /// `[x1, y1, x2, y2]` in oriented pixels of the photo's full size.
    pub bbox: [f32; 4],
    pub person: Option<ViewPerson>,
    /// The user said this is not a face.
    pub not_face: bool,
    pub manual: bool,
}

/// The person a face is assigned to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewPerson {
    pub id: PersonId,
    pub name: Option<String>,
    pub provenance: Provenance,
    pub hidden: bool,
}

const HIT_COLUMNS: &str = "p.id, p.taken_at, p.width, p.height, p.hash,
    (SELECT min(path) FROM files WHERE photo_id = p.id)";

impl Catalog {
    /// Up to `limit` live photos in timeline order, starting after `after` (from the newest
    /// when `None`) and skipping `skip` photos first.
    pub fn timeline_page(
        &self,
        after: Option<&TimelineCursor>,
        skip: u32,
        limit: u32,
    ) -> Result<Vec<PhotoHit>, CatalogError> {
        self.read(|c| {
            let mut hits = Vec::new();
            let (mut skip, limit) = (i64::from(skip), i64::from(limit));
            // Dated photos first (unless the cursor is already among the undated ones).
            let undated_after = match after {
                Some(TimelineCursor {
                    taken_at: None,
                    photo,
                }) => *photo,
                _ => {
                    let got = match after {
                        Some(TimelineCursor {
                            taken_at: Some(t),
                            photo,
                        }) => {
                            let sql = format!(
                                "SELECT {HIT_COLUMNS} FROM photos p
                                 WHERE p.orphaned_at IS NULL AND (p.taken_at, p.id) < (?1, ?2)
                                 ORDER BY p.taken_at DESC, p.id DESC LIMIT ?3 OFFSET ?4"
                            );
                            collect(c, &sql, rusqlite::params![t, photo, limit, skip], &mut hits)?
                        }
                        _ => {
                            let sql = format!(
                                "SELECT {HIT_COLUMNS} FROM photos p
                                 WHERE p.orphaned_at IS NULL AND p.taken_at IS NOT NULL
                                 ORDER BY p.taken_at DESC, p.id DESC LIMIT ?1 OFFSET ?2"
                            );
                            collect(c, &sql, rusqlite::params![limit, skip], &mut hits)?
                        }
                    };
                    // Rows came: the skip was used up. None: it may reach past the dated
                    // photos into the undated ones.
                    skip = if got > 0 || skip == 0 {
                        0
                    } else {
                        (skip - dated_before(c, after)?).max(0)
                    };
                    PhotoId::MAX
                }
            };
            let left = limit - hits.len() as i64;
            if left > 0 {
                let sql = format!(
                    "SELECT {HIT_COLUMNS} FROM photos p
                     WHERE p.orphaned_at IS NULL AND p.taken_at IS NULL AND p.id < ?1
                     ORDER BY p.id DESC LIMIT ?2 OFFSET ?3"
                );
                collect(
                    c,
                    &sql,
                    rusqlite::params![undated_after, left, skip],
                    &mut hits,
                )?;
            }
            Ok(hits)
        })
    }

    /// Live photos per day taken, newest day first, the undated photos last (`day: None`).
    pub fn timeline_days(&self) -> Result<Vec<TimelineDay>, CatalogError> {
        self.read(|c| {
            // Walks the covering partial index in order and groups neighbours in Rust: no sort.
            let mut st = c.prepare_cached(
                "SELECT taken_at FROM photos INDEXED BY photos_live_taken
                 WHERE orphaned_at IS NULL ORDER BY taken_at DESC",
            )?;
            let mut rows = st.query([])?;
            let mut days: Vec<TimelineDay> = Vec::new();
            while let Some(r) = rows.next()? {
                let day = r
                    .get_ref(0)?
                    .as_str_or_null()
                    .map_err(rusqlite::Error::from)?
                    .map(|t| t.get(..10).unwrap_or(t));
                match days.last_mut() {
                    Some(last) if last.day.as_deref() == day => last.count += 1,
                    _ => days.push(TimelineDay {
                        day: day.map(str::to_owned),
                        count: 1,
                    }),
                }
            }
            Ok(days)
        })
    }

    /// A photo with its oriented size and faces (by index, with each face's person), or
    /// `None` if there is no such photo.
    pub fn photo_view(&self, photo: PhotoId) -> Result<Option<PhotoView>, CatalogError> {
        self.read(|c| {
            let Some(mut view) = c
                .prepare_cached(
                    "SELECT p.id, p.taken_at, p.width, p.height, p.format,
                            trim(coalesce(p.camera_make, '') || ' ' || coalesce(p.camera_model, '')),
                            (SELECT min(path) FROM files WHERE photo_id = p.id)
                     FROM photos p WHERE p.id = ?1",
                )?
                .query_row([photo], |r| {
                    Ok(PhotoView {
                        photo: r.get(0)?,
                        taken_at: r.get(1)?,
                        width: r.get(2)?,
                        height: r.get(3)?,
                        format: r.get(4)?,
                        camera: r.get::<_, String>(5).ok().filter(|s| !s.is_empty()),
                        path: r.get::<_, Option<Vec<u8>>>(6)?.map(paths::from_blob),
                        faces: Vec::new(),
                    })
                })
                .optional()?
            else {
                return Ok(None);
            };
            let mut st = c.prepare_cached(
                "SELECT f.id, f.x1, f.y1, f.x2, f.y2, f.not_face, f.source,
                        a.person_id, a.provenance, pe.name, pe.hidden
                 FROM faces f
                 LEFT JOIN assignments a ON a.face_id = f.id
                 LEFT JOIN people pe ON pe.id = a.person_id
                 WHERE f.photo_id = ?1 ORDER BY f.idx",
            )?;
            let rows = st.query_map([photo], |r| {
                let person = match r.get::<_, Option<PersonId>>(7)? {
                    Some(id) => Some(ViewPerson {
                        id,
                        provenance: r.get(8)?,
                        name: r.get(9)?,
                        hidden: r.get::<_, Option<bool>>(10)?.unwrap_or(false),
                    }),
                    None => None,
                };
                Ok(ViewFace {
                    id: r.get(0)?,
                    bbox: [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?],
                    not_face: r.get(5)?,
                    manual: r.get::<_, String>(6)? == "manual",
                    person,
                })
            })?;
            view.faces = rows.collect::<Result<_, _>>()?;
            Ok(Some(view))
        })
    }

    /// `EXPLAIN QUERY PLAN` of the dated part of [`Catalog::timeline_page`] after a cursor
    /// (one line per step), for tests and the benchmark.
    pub fn explain_timeline_page(&self) -> Result<Vec<String>, CatalogError> {
        self.read(|c| {
            let sql = format!(
                "EXPLAIN QUERY PLAN SELECT {HIT_COLUMNS} FROM photos p
                 WHERE p.orphaned_at IS NULL AND (p.taken_at, p.id) < (?1, ?2)
                 ORDER BY p.taken_at DESC, p.id DESC LIMIT ?3 OFFSET ?4"
            );
            let mut st = c.prepare(&sql)?;
            let rows = st.query_map(rusqlite::params!["2020", 1, 10, 0], |r| {
                r.get::<_, String>(3)
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }
}

/// Runs a hit query, appends its rows; returns how many rows it gave.
fn collect(
    c: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
    hits: &mut Vec<PhotoHit>,
) -> Res<i64> {
    let mut st = c.prepare_cached(sql)?;
    let rows = st.query_map(args, |r| {
        Ok(PhotoHit {
            photo: r.get(0)?,
            taken_at: r.get(1)?,
            width: r.get(2)?,
            height: r.get(3)?,
            hash: ContentHash(r.get(4)?),
            path: r
                .get::<_, Option<Vec<u8>>>(5)?
                .map(paths::from_blob)
                .unwrap_or_default(),
        })
    })?;
    let before = hits.len();
    for row in rows {
        hits.push(row?);
    }
    Ok((hits.len() - before) as i64)
}

/// How many dated live photos come after `after` (all of them when `None`).
fn dated_before(c: &Connection, after: Option<&TimelineCursor>) -> Res<i64> {
    Ok(
        match after.and_then(|a| a.taken_at.as_ref().map(|t| (t, a.photo))) {
            None => c
                .prepare_cached(
                    "SELECT count(*) FROM photos
                 WHERE orphaned_at IS NULL AND taken_at IS NOT NULL",
                )?
                .query_row([], |r| r.get(0))?,
            Some((t, photo)) => c
                .prepare_cached(
                    "SELECT count(*) FROM photos
                 WHERE orphaned_at IS NULL AND (taken_at, id) < (?1, ?2)",
                )?
                .query_row(rusqlite::params![t, photo], |r| r.get(0))?,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    /// A real catalog file with `dated` photos spread over days (several per day, ids not
    /// in date order), `undated` photos without a date and one orphan.
    fn library(dir: &std::path::Path, dated: usize, undated: usize) -> (Catalog, Connection) {
        let path = dir.join("timeline.sqlite");
        let catalog = Catalog::open(&path).expect("open");
        let mut conn = Connection::open(&path).expect("second connection");
        let tx = conn.transaction().expect("tx");
        tx.execute(
            "INSERT INTO roots (id, path, added_at) VALUES (1, CAST('/lib' AS BLOB), 1)",
            [],
        )
        .expect("root");
        let mut id = 0i64;
        let mut insert = |taken: Option<String>, orphan: bool| {
            id += 1;
            let mut hash = [0u8; 32];
            hash[..8].copy_from_slice(&id.to_le_bytes());
            tx.execute(
                "INSERT INTO photos (id, hash, model, width, height, stored_width, stored_height,
                     orientation, format, taken_at, taken_source, file_size, face_count,
                     created_at, orphaned_at)
                 VALUES (?1, ?2, 'm', 40, 30, 30, 40, 6, 'jpeg', ?3, 'exif', 5, 0, 1, ?4)",
                rusqlite::params![id, hash.to_vec(), taken, orphan.then_some(7)],
            )
            .expect("photo");
            if !orphan {
                tx.execute(
                    "INSERT INTO files (root_id, path, size, mtime_ns, state, photo_id,
                         seen_at, state_at)
                     VALUES (1, CAST(?1 AS BLOB), 5, 1, 'indexed', ?2, 1, 1)",
                    rusqlite::params![format!("/lib/{id:06}.jpg"), id],
                )
                .expect("file");
            }
        };
        for i in 0..dated {
            // Days go backwards as i grows in steps of 3 photos per day; within a day,
            // times go forwards (so ids are not in timeline order).
            let day = 28 - (i / 3) % 28;
            let month = 1 + (i / 84) % 12;
            let year = 2020 - (i / 1008) as i32;
            let taken = format!("{year}-{month:02}-{day:02}T{:02}:00:00", (i % 3) * 5 % 24);
            insert(Some(taken), false);
        }
        for _ in 0..undated {
            insert(None, false);
        }
        insert(Some("2099-01-01T00:00:00".into()), true);
        tx.commit().expect("commit");
        (catalog, conn)
    }

    /// Every live photo in timeline order, straight from SQL (the oracle).
    fn expected(conn: &Connection) -> Vec<(Option<String>, i64)> {
        let mut st = conn
            .prepare(
                "SELECT taken_at, id FROM photos WHERE orphaned_at IS NULL
                 ORDER BY taken_at IS NULL, taken_at DESC, id DESC",
            )
            .expect("prepare");
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    }

    fn key(h: &PhotoHit) -> (Option<String>, i64) {
        (h.taken_at.clone(), h.photo)
    }

    #[test]
    fn keyset_pages_walk_every_live_photo_once_in_order_undated_last() {
        let dir = tempfile::tempdir().expect("tmp");
        let (catalog, conn) = library(dir.path(), 50, 7);
        let want = expected(&conn);
        assert_eq!(want.len(), 57);
        for limit in [1u32, 4, 10, 57, 100] {
            let mut got = Vec::new();
            let mut after: Option<TimelineCursor> = None;
            loop {
                let page = catalog
                    .timeline_page(after.as_ref(), 0, limit)
                    .expect("page");
                assert!(page.len() <= limit as usize);
                let Some(last) = page.last() else { break };
                after = Some(TimelineCursor::after(last));
                got.extend(page.iter().map(key));
            }
            assert_eq!(got, want, "limit {limit}");
        }
        let first = &catalog.timeline_page(None, 0, 1).expect("first")[0];
        assert_eq!(
            first.path,
            std::path::PathBuf::from(format!("/lib/{:06}.jpg", first.photo))
        );
        assert_eq!((first.width, first.height), (40, 30));
    }

    #[test]
    fn day_start_and_skip_reach_any_position() {
        let dir = tempfile::tempdir().expect("tmp");
        let (catalog, conn) = library(dir.path(), 50, 7);
        let want = expected(&conn);
        let days = catalog.timeline_days().expect("days");
        assert_eq!(days.iter().map(|d| d.count).sum::<u64>(), 57);
        assert_eq!(
            days.last().map(|d| (d.day.clone(), d.count)),
            Some((None, 7))
        );
        // Every position, reached from the start of its day plus a skip.
        let mut start = 0usize;
        for d in &days {
            for k in 0..d.count as usize {
                let page = catalog
                    .timeline_page(
                        Some(&TimelineCursor::day_start(d.day.as_deref())),
                        k as u32,
                        3,
                    )
                    .expect("page");
                let got: Vec<_> = page.iter().map(key).collect();
                let end = (start + k + 3).min(want.len());
                assert_eq!(got, want[start + k..end], "day {:?} skip {k}", d.day);
            }
            start += d.count as usize;
        }
        // A skip from the start runs on into the undated photos.
        let page = catalog.timeline_page(None, 52, 3).expect("page");
        assert_eq!(page.iter().map(key).collect::<Vec<_>>(), want[52..55]);
        let page = catalog.timeline_page(None, 60, 3).expect("past the end");
        assert!(page.is_empty());
    }

    #[test]
    fn days_are_newest_first_and_count_only_live_photos() {
        let dir = tempfile::tempdir().expect("tmp");
        let (catalog, conn) = library(dir.path(), 9, 0);
        let days = catalog.timeline_days().expect("days");
        let got: Vec<_> = days
            .iter()
            .map(|d| (d.day.clone().unwrap_or_default(), d.count))
            .collect();
        assert_eq!(
            got,
            vec![
                ("2020-01-28".to_string(), 3),
                ("2020-01-27".to_string(), 3),
                ("2020-01-26".to_string(), 3)
            ]
        );
        drop(conn);
        let empty = tempfile::tempdir().expect("tmp");
        let catalog = Catalog::open(&empty.path().join("e.sqlite")).expect("open");
        assert!(catalog.timeline_days().expect("days").is_empty());
        assert!(catalog.timeline_page(None, 0, 10).expect("page").is_empty());
    }

    #[test]
    fn the_page_query_reads_the_index_in_order_without_sorting() {
        let dir = tempfile::tempdir().expect("tmp");
        let (catalog, _conn) = library(dir.path(), 3, 0);
        let plan = catalog.explain_timeline_page().expect("plan").join("\n");
        assert!(plan.contains("photos_live_taken"), "{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }

    #[test]
    fn photo_view_gives_oriented_size_and_faces_with_their_people() {
        let dir = tempfile::tempdir().expect("tmp");
        let (catalog, conn) = library(dir.path(), 2, 0);
        conn.execute_batch(
            "INSERT INTO faces (id, photo_id, idx, x1, y1, x2, y2, landmarks, score, embedding)
             VALUES (10, 1, 0, 1, 2, 11, 12, zeroblob(40), 0.9, zeroblob(512)),
                    (11, 1, 1, 20, 5, 30, 15, zeroblob(40), 0.9, zeroblob(512)),
                    (12, 1, 2, 3, 3, 6, 6, zeroblob(40), 0.9, zeroblob(512));
             UPDATE faces SET not_face = 1 WHERE id = 12;
             INSERT INTO people (id, name, created_at) VALUES (5, 'Ada', 1);
             INSERT INTO assignments (face_id, person_id, provenance, decided_at, photo_id,
                 taken_at, live)
             VALUES (10, 5, 'confirmed', 1, 1, NULL, 1);",
        )
        .expect("faces");
        let view = catalog.photo_view(1).expect("view").expect("exists");
        assert_eq!((view.width, view.height), (40, 30));
        assert_eq!(view.path, Some(std::path::PathBuf::from("/lib/000001.jpg")));
        assert_eq!(view.faces.len(), 3);
        assert_eq!(view.faces[0].bbox, [1.0, 2.0, 11.0, 12.0]);
        assert_eq!(
            view.faces[0].person,
            Some(ViewPerson {
                id: 5,
                name: Some("Ada".into()),
                provenance: Provenance::Confirmed,
                hidden: false
            })
        );
        assert_eq!(view.faces[1].person, None);
        assert!(view.faces[2].not_face && !view.faces[1].not_face);
        assert!(catalog.photo_view(999).expect("view").is_none());
    }

    /// 100,000 photos: timing of the days and of pages anywhere (`cargo test --release -p
    /// likeness-catalog timeline -- --ignored --nocapture`).
    #[test]
    #[ignore]
    #[allow(clippy::print_stdout)]
    fn timeline_at_100k_photos() {
        let dir = tempfile::tempdir().expect("tmp");
        let (catalog, _conn) = library(dir.path(), 99_000, 1_000);
        let t = std::time::Instant::now();
        let days = catalog.timeline_days().expect("days");
        let days_ms = t.elapsed().as_secs_f64() * 1e3;
        let t = std::time::Instant::now();
        let first = catalog.timeline_page(None, 0, 120).expect("first");
        let first_ms = t.elapsed().as_secs_f64() * 1e3;
        let t = std::time::Instant::now();
        let next = catalog
            .timeline_page(first.last().map(TimelineCursor::after).as_ref(), 0, 120)
            .expect("next");
        let next_ms = t.elapsed().as_secs_f64() * 1e3;
        let mid = &days[days.len() / 2];
        let t = std::time::Instant::now();
        let jump = catalog
            .timeline_page(Some(&TimelineCursor::day_start(mid.day.as_deref())), 2, 120)
            .expect("jump");
        let jump_ms = t.elapsed().as_secs_f64() * 1e3;
        assert_eq!((first.len(), next.len(), jump.len()), (120, 120, 120));
        println!(
            "100k photos, {} days: timeline_days {days_ms:.1} ms, first page {first_ms:.2} ms, \
             next page {next_ms:.2} ms, jump into a day {jump_ms:.2} ms",
            days.len()
        );
    }
}
