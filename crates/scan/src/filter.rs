//! Which paths are photos and which folders are never entered.

use std::ffi::OsStr;
use std::path::Path;

/// Folder names (compared case-insensitively) that hold NAS or OS metadata, trash or
/// thumbnails rather than the user's photos. Hidden names (leading `.`) are skipped too.
const SKIPPED_DIR_NAMES: &[&str] = &[
    // Synology: thumbnails, recycle bin, snapshots
    "@eaDir",
    "#recycle",
    "#snapshot",
    // QNAP
    "@__thumb",
    "@Recycle",
    "@Recently-Snapshot",
    // Windows
    "$RECYCLE.BIN",
    "System Volume Information",
    // ext2/3/4
    "lost+found",
];

/// Whether `path`'s extension is one of `extensions` (which must be lower case), ignoring
/// case: `IMG_1.JPG` matches `"jpg"`. A file with no extension is never a photo here.
pub fn is_photo_path(path: &Path, extensions: &[impl AsRef<str>]) -> bool {
    let Some(ext) = path.extension().and_then(OsStr::to_str) else {
        return false;
    };
    extensions
        .iter()
        .any(|e| e.as_ref().eq_ignore_ascii_case(ext))
}

/// Whether a folder with this name is never descended into: hidden folders (name starting
/// with `.`, which covers `.Trash-1000`, `.thumbnails`, `.git`, `.AppleDouble`, …) and the
/// system, trash and thumbnail folders of NASes and operating systems (`@eaDir`, `#recycle`,
/// `$RECYCLE.BIN`, `System Volume Information`, `lost+found`, …).
pub fn is_skipped_dir(name: &OsStr) -> bool {
    if is_hidden(name) {
        return true;
    }
    let Some(name) = name.to_str() else {
        return false;
    };
    SKIPPED_DIR_NAMES
        .iter()
        .any(|s| s.eq_ignore_ascii_case(name))
}

/// Hidden by the Unix convention (leading `.`); this also drops macOS `._IMG_1.JPG`
/// AppleDouble files, which carry a photo's extension but no photo.
pub(crate) fn is_hidden(name: &OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_match_case_insensitively() {
        let photos = &["jpg", "heic", "rw2"];
        assert!(is_photo_path(Path::new("/a/b/IMG_1.JPG"), photos));
        assert!(is_photo_path(Path::new("x.Heic"), photos));
        assert!(is_photo_path(Path::new("x.rw2"), photos));
        assert!(!is_photo_path(Path::new("x.txt"), photos));
        assert!(!is_photo_path(Path::new("jpg"), photos));
        assert!(!is_photo_path(Path::new("x.jpg.part"), photos));
        assert!(!is_photo_path(Path::new("x.jpg"), &["png"]));
    }

    #[test]
    fn skipped_dirs() {
        for name in [
            ".hidden",
            ".Trash-1000",
            ".thumbnails",
            "@eaDir",
            "@EADIR",
            "#recycle",
            "$RECYCLE.BIN",
            "$Recycle.Bin",
            "System Volume Information",
            "lost+found",
        ] {
            assert!(is_skipped_dir(OsStr::new(name)), "{name} should be skipped");
        }
        for name in ["2019", "Holidays", "eaDir", "recycle", "lost", "a.b"] {
            assert!(
                !is_skipped_dir(OsStr::new(name)),
                "{name} should be entered"
            );
        }
    }
}
