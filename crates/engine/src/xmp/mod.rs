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

pub use auto::XmpAutoExport;
pub use export::{export, ExportOutcome, ExportScope, ExportSummary, FileExport, PhotoExport};
pub use import::{import, ImportAction, ImportSummary, ImportWarning, PhotoImport, RegionOrigin};
pub use manual::{manual_face, ManualEmbedding};

// The settings live with the rest of the configuration (below every feature module).
pub use crate::config::{SidecarStyle, XmpConfig, XmpOptions};
