//! XMP face tags: export the library's named faces as MWG regions (sidecars by default, into
//! the JPEG only on request), import regions other tools wrote, and keep sidecars current
//! automatically after people edits.
//!
//! The XML side (reading, byte-preserving merging, orientation arithmetic, atomic writes) is
//! `likeness-xmp`; the catalog side (what is named, what changed since the last export, one
//! undoable import edit) is `likeness-catalog`. This module decides which files to touch and
//! turns one bad file into a recorded warning, never an abort.
//!
//! - [`export`]: per photo, its Confirmed and Automatic faces of named, visible people
//!   (never Suggested), boxes converted from the upright frame to the stored frame through
//!   the EXIF orientation, merged into `photo.jpg.xmp` (or `photo.xmp`) with every other
//!   property and every foreign region kept. A file whose bytes would not change is not
//!   written. A foreign region with the same name over the same face (IoU ≥ 0.5) already says
//!   what we would: ours is not added (no duplicates after an import). When only the other
//!   style's sidecar exists (`photo.xmp` written by Lightroom, say), that file is merged into
//!   instead of starting a second one.
//! - [`import`]: regions of `X.jpg.xmp`, `X.xmp` and the JPEG's own packet, converted to the
//!   upright frame, matched one-to-one to the photo's faces (IoU ≥ 0.5 best first, then a
//!   face and a region that each contain the other's centre), confirmed to people by name
//!   (created on demand) in ONE undoable edit; a user decision is never overridden (a
//!   conflict is reported instead); an unmatched named region becomes a manual face whose
//!   embedding is computed from the region ([`ManualEmbedding`]).
//! - [`XmpAutoExport`]: a debounced background export of the photos the catalog marked
//!   (`xmp_dirty`, filled by SQL triggers on every change of an exported face).

mod auto;
mod export;
mod import;
mod manual;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use auto::XmpAutoExport;
pub use export::{export, ExportOutcome, ExportScope, ExportSummary, FileExport, PhotoExport};
pub use import::{import, ImportAction, ImportSummary, ImportWarning, PhotoImport, RegionOrigin};
pub use manual::{manual_face, ManualEmbedding};

/// Where a photo's sidecar lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SidecarStyle {
    /// `photo.jpg.xmp` (default: unambiguous when `photo.jpg` and `photo.cr2` sit together;
    /// darktable, digiKam).
    #[default]
    PhotoJpgXmp,
    /// `photo.xmp` (Lightroom, exiftool's `%d%f.xmp`).
    PhotoXmp,
}

impl SidecarStyle {
    /// The sidecar path of `photo` in this style.
    pub fn sidecar_path(self, photo: &Path) -> PathBuf {
        match self {
            SidecarStyle::PhotoJpgXmp => {
                let mut s = photo.as_os_str().to_owned();
                s.push(".xmp");
                PathBuf::from(s)
            }
            SidecarStyle::PhotoXmp => photo.with_extension("xmp"),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            SidecarStyle::PhotoJpgXmp => "jpg-xmp",
            SidecarStyle::PhotoXmp => "xmp",
        }
    }
}

/// How an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct XmpOptions {
    pub sidecar_style: SidecarStyle,
    /// Write into JPEG files themselves instead of a sidecar (other formats still get a
    /// sidecar). Off by default: it changes the photo's bytes, so the next scan sees new
    /// content (decisions follow the faces by IoU).
    pub embed_in_jpeg: bool,
    /// Also write `dc:subject` `Name` and `lr:hierarchicalSubject` `People|Name`.
    pub keywords: bool,
    /// Report what would change; write nothing (no file, no catalog row).
    pub dry_run: bool,
}

/// Automatic export after people edits (in `EngineConfig::xmp`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmpConfig {
    /// Export the marked photos after people edits and clustering. Default ON (sidecars only):
    /// the issue asks for "automatic on every people edit"; a user who does not want sidecars
    /// turns it off (CLI: `--no-xmp-export` / `LIKENESS_NO_XMP_EXPORT=1`).
    pub auto_export: bool,
    /// Quiet time after the last edit before the automatic export runs. Default 2 s.
    pub debounce: Duration,
    /// What the automatic export writes (never `dry_run`).
    pub options: XmpOptions,
}

impl Default for XmpConfig {
    fn default() -> Self {
        Self {
            auto_export: true,
            debounce: Duration::from_secs(2),
            options: XmpOptions::default(),
        }
    }
}
