//! XMP face tags for Likeness: read face regions and names from XMP packets (sidecars and
//! JPEG-embedded), and merge Likeness's own faces into existing XMP without losing anything
//! another tool wrote.
//!
//! This crate knows XML/RDF, the XMP face-region vocabularies, JPEG segment structure and
//! EXIF orientation arithmetic — and nothing about catalogs, SQL, models, pixels or UIs. It
//! takes and returns bytes and plain data; the engine decides which files to touch.
//!
//! # Formats read ([`read_xmp`])
//! - **MWG regions** (`mwg-rs:Regions`, namespace
//!   `http://www.metadataworkinggroup.com/schemas/regions/`): `AppliedToDimensions`
//!   (`stDim:w`/`h`), `RegionList` items with `Area` (`stArea:x`/`y` = CENTRE, `w`, `h`,
//!   normalised; a `unit` of `pixel` is converted with AppliedToDimensions), `Type` (missing →
//!   `Face`), `Name`. Written by Lightroom, Picasa, digiKam, exiftool, Apple Photos exports…
//! - **Microsoft Photo regions** (`MP:RegionInfo` / `MPRI:Regions` / `MPReg:Rectangle`
//!   `"x, y, w, h"` with x, y the TOP-LEFT corner, normalised; `MPReg:PersonDisplayName`), used
//!   only when the packet has no MWG region.
//! - `Iptc4xmpExt:PersonInImage` (bag of names) and digiKam's `digiKam:TagsList` entries under
//!   `People/` (leaf names).
//!
//! Every RDF spelling of a struct is understood: fields as attributes
//! (`<mwg-rs:Area stArea:x="…"/>`), as elements inside `rdf:parseType="Resource"`, inside a
//! nested `rdf:Description` (with attribute or element fields), and `rdf:li` items in any of
//! these forms. Namespaces are matched by URI, never by prefix.
//!
//! # Merge rules ([`merge_sidecar`], [`merge_into_jpeg`])
//! The existing packet is edited in place: only elements Likeness owns are deleted, replaced
//! or inserted; every other byte stays as it was (foreign properties, foreign regions,
//! comments, formatting, the xpacket wrapper and its padding).
//! - Our regions are `rdf:li` items of `mwg-rs:RegionList` that carry the field
//!   `likeness:Face` (namespace [`LIKENESS_NS`] = `https://likeness.invalid/ns/1.0/`, value the
//!   stable face id given in [`OwnRegion::face`]). They are replaced as a block at the place of
//!   the first old one (or appended to the bag); items without the field are never touched.
//! - `mwg-rs:AppliedToDimensions` is set to the stored-frame size when we write regions.
//!   If our regions in the file already say the same (face ids, names, areas to 1e-6, in
//!   order) they are left as they are, whatever their layout (e.g. after exiftool rewrote the
//!   file).
//! - `Iptc4xmpExt:PersonInImage` keeps every foreign name; our names are added; a name is
//!   removed only if Likeness had added it. The values Likeness added (and only those: a name
//!   that was already there stays foreign) are listed in the bag `likeness:Names`; with
//!   [`ExportOptions::keywords`], `dc:subject` gets `Name` and `lr:hierarchicalSubject` gets
//!   `People|Name`, tracked the same way in `likeness:Subjects` and
//!   `likeness:HierarchicalSubjects`. Without the option, keywords we had added are removed.
//! - A property that only held Likeness's entries is removed when they all go, so removing all
//!   our faces gives the original bytes back — except that an empty-element
//!   `<rdf:Description …/>` we had added to keeps its end tag, and an `rdf:Description` we had
//!   to create stays (empty).
//! - New properties go into the first `rdf:Description` (one is created if there is none); a
//!   namespace prefix not in scope there is declared on the inserted element itself (a prefix
//!   bound to another URI is never reused: `likeness1`, …).
//! - Merging the result again with the same input returns identical bytes.
//! - A new sidecar is an `<?xpacket?>`-wrapped `x:xmpmeta` with one `rdf:Description`.
//!
//! # JPEG
//! [`jpeg_xmp_packet`] returns the standard packet (APP1 `http://ns.adobe.com/xap/1.0/\0`);
//! extended XMP (`http://ns.adobe.com/xmp/extension/`) is neither read nor written.
//! [`merge_into_jpeg`] replaces that one segment, or inserts it after the leading APP0/Exif
//! segments; all other bytes (segments, scan data) are copied unchanged. A packet over
//! [`MAX_JPEG_PACKET`] bytes is refused.
//!
//! # Safety limits
//! Input larger than [`MAX_XMP_BYTES`] is refused before parsing; any `<!DOCTYPE` and any
//! entity reference other than the five predefined ones and character references is refused
//! (no entity is ever expanded); element nesting deeper than [`MAX_XMP_DEPTH`] is refused;
//! input must be UTF-8. No input makes these functions panic (tested with truncated and
//! randomly mutated packets).
//!
//! # Orientation
//! Likeness stores boxes in the upright frame (EXIF orientation applied); XMP regions refer to
//! the stored frame. With (u, v) a normalised stored-frame point and (p, q) the same point in
//! the upright frame:
//!
//! | EXIF | stored → upright | upright → stored |
//! |---|---|---|
//! | 1 | p = u, q = v | u = p, v = q |
//! | 2 (mirror ↔) | p = 1−u, q = v | u = 1−p, v = q |
//! | 3 (180°) | p = 1−u, q = 1−v | u = 1−p, v = 1−q |
//! | 4 (mirror ↕) | p = u, q = 1−v | u = p, v = 1−q |
//! | 5 (transpose) | p = v, q = u | u = q, v = p |
//! | 6 (90° CW) | p = 1−v, q = u | u = q, v = 1−p |
//! | 7 (transverse) | p = 1−v, q = 1−u | u = 1−q, v = 1−p |
//! | 8 (90° CCW) | p = v, q = 1−u | u = 1−q, v = p |
//!
//! A box's centre maps like a point; for 5–8 the normalised width and height swap
//! (w_stored = h_upright / H_upright, h_stored = w_upright / W_upright). Orientations outside
//! 1..=8 are treated as 1.

mod dom;
mod error;
mod fsio;
mod jpeg;
mod merge;
mod orient;
mod rdf;
mod read;

pub use error::XmpError;
pub use fsio::write_atomic;
pub use jpeg::{jpeg_xmp_packet, MAX_JPEG_PACKET};
pub use merge::{merge_into_jpeg, merge_sidecar};
pub use orient::{oriented_box_to_stored_area, stored_area_to_oriented_box};
pub use read::read_xmp;

/// Largest packet or sidecar accepted (16 MiB), checked before parsing.
pub const MAX_XMP_BYTES: usize = 16 * 1024 * 1024;
/// Deepest element nesting accepted.
pub const MAX_XMP_DEPTH: usize = 128;
/// Namespace of Likeness's own marker properties (`likeness:Face`, `likeness:Names`,
/// `likeness:Subjects`, `likeness:HierarchicalSubjects`). A fixed, never-resolved URI (`.invalid` is reserved, RFC 2606).
pub const LIKENESS_NS: &str = "https://likeness.invalid/ns/1.0/";

/// A rectangle normalised to 0..1 of an image, MWG convention: `x`, `y` = CENTRE.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NormArea {
    /// Centre, fraction of the width.
    pub x: f64,
    /// Centre, fraction of the height.
    pub y: f64,
    /// Width, fraction of the width.
    pub w: f64,
    /// Height, fraction of the height.
    pub h: f64,
}

impl NormArea {
    /// The area clipped to the image (0..1 on both axes), as [`merge_sidecar`] writes it.
    pub fn clamped(&self) -> NormArea {
        let x1 = (self.x - self.w.abs() / 2.0).clamp(0.0, 1.0);
        let x2 = (self.x + self.w.abs() / 2.0).clamp(0.0, 1.0);
        let y1 = (self.y - self.h.abs() / 2.0).clamp(0.0, 1.0);
        let y2 = (self.y + self.h.abs() / 2.0).clamp(0.0, 1.0);
        let fix = |v: f64| if v.is_finite() { v } else { 0.0 };
        NormArea {
            x: fix((x1 + x2) / 2.0),
            y: fix((y1 + y2) / 2.0),
            w: fix(x2 - x1),
            h: fix(y2 - y1),
        }
    }
}

/// `mwg-rs:Type` of a region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionKind {
    /// `Face` (also a region without a type).
    Face,
    /// `Pet`.
    Pet,
    /// Anything else (`Focus`, `BarCode`, …), verbatim.
    Other(String),
}

/// Where a region was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionSource {
    /// `mwg-rs:Regions`.
    Mwg,
    /// `MP:RegionInfo` (Windows Photo Gallery / Microsoft Photo).
    MicrosoftPhoto,
}

/// One region read from a packet.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    /// `mwg-rs:Name` / `MPReg:PersonDisplayName`, trimmed; None when missing or empty.
    pub name: Option<String>,
    /// The region type.
    pub kind: RegionKind,
    /// In the STORED (unrotated) image frame, as in the file.
    pub area: NormArea,
    /// Which vocabulary it came from.
    pub source: RegionSource,
    /// Our marker (`likeness:Face`); None for foreign regions.
    pub likeness_face: Option<String>,
}

/// What was read from one XMP packet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaceTags {
    /// `mwg-rs:AppliedToDimensions` w, h (pixels).
    pub applied_to: Option<(u32, u32)>,
    /// MWG regions; Microsoft Photo regions only when there is no MWG region.
    pub regions: Vec<Region>,
    /// `Iptc4xmpExt:PersonInImage`.
    pub persons_in_image: Vec<String>,
    /// `digiKam:TagsList` entries under `People/` (leaf names).
    pub digikam_people: Vec<String>,
}

/// One face Likeness wants in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnRegion {
    /// Stable id written as `likeness:Face`, e.g. `likeness:<face id>`.
    pub face: String,
    /// The person's name (`mwg-rs:Name`).
    pub name: String,
    /// Stored-frame area (see [`oriented_box_to_stored_area`]); clipped to 0..1 when written.
    pub area: NormArea,
}

/// Options of an export.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportOptions {
    /// Also write `dc:subject` (`Name`) and `lr:hierarchicalSubject` (`People|Name`).
    pub keywords: bool,
}
