//! The `thumb:` URI scheme: serves thumbnails from the library's cache, and the viewer's full
//! photo from inside the library's folders, and nothing else.
//!
//! The webview asks for `thumb://localhost/face/<face id>`, `thumb://localhost/photo/<photo
//! id>` or `thumb://localhost/full/<photo id>` (`http://thumb.localhost/…` on Windows). Ids are
//! looked up in the catalog and mapped to the cache's own file names (content hash + face
//! index), so no request can name a path: the file system outside the cache is out of reach by
//! construction. `full` maps the id to one of the photo's live files that lies inside a
//! current library root (re-checked on every request, [`likeness_engine::display_file`]) and
//! answers it decoded upright and downscaled to JPEG ([`likeness_engine::render_display`]).

use std::borrow::Cow;
use std::path::PathBuf;

use likeness_engine::ThumbnailCache;
use tauri::http::{header, Response, StatusCode};

use crate::state::Library;

/// What a `thumb:` URL asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThumbRequest {
    Face(i64),
    Photo(i64),
    /// The full photo, upright, long side ≤ `DISPLAY_MAX_SIDE`.
    Full(i64),
}

impl ThumbRequest {
    /// Parses the URL path (`/face/12`, `/photo/7`); anything else is `None`.
    pub fn parse(path: &str) -> Option<Self> {
        let mut parts = path.trim_start_matches('/').split('/');
        let (kind, id, rest) = (parts.next()?, parts.next()?, parts.next());
        if rest.is_some() || id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let id: i64 = id.parse().ok()?;
        match kind {
            "face" => Some(Self::Face(id)),
            "photo" => Some(Self::Photo(id)),
            "full" => Some(Self::Full(id)),
            _ => None,
        }
    }
}

/// The cache file for `request`, if the catalog knows the id.
fn cache_file(lib: &Library, request: ThumbRequest) -> Option<PathBuf> {
    let catalog = lib.reader().ok()?;
    let cache = ThumbnailCache::new(&lib.paths().cache);
    let (photo, face_idx) = match request {
        ThumbRequest::Face(id) => {
            let face = catalog.face(id).ok()??;
            (face.photo, Some(face.idx))
        }
        ThumbRequest::Photo(id) => (id, None),
        // Not a cache file: rendered from the photo itself (`full_photo`).
        ThumbRequest::Full(_) => return None,
    };
    let hash = catalog.photo(photo).ok()??.hash.to_hex();
    if !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(match face_idx {
        Some(i) => cache.face_path(&hash, i),
        None => cache.photo_path(&hash),
    })
}

/// The viewer's image of photo `id`: one of its files inside a current root, rendered.
fn full_photo(lib: &Library, id: i64) -> Option<Vec<u8>> {
    // The reader is released before decoding: thumbnails keep flowing meanwhile.
    let file = {
        let catalog = lib.reader().ok()?;
        likeness_engine::display_file(&catalog, id)
    };
    let file = match file {
        Ok(Some(f)) => f,
        Ok(None) => {
            tracing::warn!(photo = id, "no file of this photo inside a library folder");
            return None;
        }
        Err(e) => {
            tracing::warn!(photo = id, error = %e, "photo lookup failed");
            return None;
        }
    };
    let limits = lib.config().ok()?.limits;
    match likeness_engine::render_display(&file, &limits, likeness_engine::DISPLAY_MAX_SIDE) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            tracing::warn!(photo = id, error = %e, "photo could not be rendered");
            None
        }
    }
}

/// Answers one `thumb:` request (called off the UI thread).
pub fn respond(lib: Option<&Library>, path: &str) -> Response<Cow<'static, [u8]>> {
    let bytes = lib
        .zip(ThumbRequest::parse(path))
        .and_then(|(l, r)| match r {
            ThumbRequest::Full(id) => full_photo(l, id),
            _ => {
                let f = cache_file(l, r)?;
                let f = f.starts_with(&l.paths().cache).then_some(f)?;
                std::fs::read(f).ok()
            }
        });
    let builder = Response::builder();
    let response = match bytes {
        Some(b) => builder
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "image/jpeg")
            .header(header::CACHE_CONTROL, "max-age=3600")
            .body(Cow::Owned(b)),
        None => builder
            .status(StatusCode::NOT_FOUND)
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Cow::Borrowed(&b"no such thumbnail"[..])),
    };
    response.unwrap_or_else(|_| Response::new(Cow::Borrowed(&[][..])))
}

#[cfg(test)]
mod tests {
    use super::ThumbRequest;

    #[test]
    fn only_face_photo_and_full_ids_parse() {
        assert_eq!(
            ThumbRequest::parse("/face/12"),
            Some(ThumbRequest::Face(12))
        );
        assert_eq!(
            ThumbRequest::parse("/photo/7"),
            Some(ThumbRequest::Photo(7))
        );
        assert_eq!(ThumbRequest::parse("/full/9"), Some(ThumbRequest::Full(9)));
        for bad in [
            "/full/",
            "/full/9/x",
            "/full/..%2f..%2fetc",
            "/full//etc/passwd",
            "/face/",
            "/face/-1",
            "/face/1/2",
            "/face/../../etc/passwd",
            "/etc/passwd",
            "/face/%2e%2e",
            "/photo/1e3",
            "",
        ] {
            assert_eq!(ThumbRequest::parse(bad), None, "{bad}");
        }
    }
}
