//! Camera RAW files: we never develop the sensor data, we decode the largest JPEG preview the
//! camera embedded (full-size or close to it on current bodies) and orient it with the RAW's
//! own EXIF.
//!
//! Where the previews are:
//! - TIFF-based (CR2, NEF, ARW, DNG, ORF, RW2): every IFD reachable from IFD0 through the IFD
//!   chain, `SubIFDs` (0x014A) and the Exif IFD is examined for `JPEGInterchangeFormat` /
//!   `JPEGInterchangeFormatLength` (0x0201/0x0202), strips with `Compression` 6 or 7 (old-style
//!   and new-style JPEG; CFA / linear-raw photometrics are sensor data and skipped) and the
//!   Panasonic `JpgFromRaw` (0x002E). Each candidate must start with SOI and carry a baseline,
//!   extended or progressive SOF (lossless JPEG — Canon's and DNG's raw data — is not a
//!   preview); the largest by SOF pixel count wins. Maker-note-only previews (most ORF) are not
//!   read: such a file is [`ImagingError::NoPreview`].
//! - RAF: the header's JPEG offset and length (big-endian, at 0x54 and 0x58).
//! - CR3 (ISO-BMFF, brand `crx `): the `PRVW` box inside the top-level preview `uuid` box, and
//!   the `THMB` box inside the Canon `uuid` box of `moov`; the larger wins.
//!
//! Orientation: TIFF-based files use IFD0 `Orientation`; CR3 the `CMT1` box (IFD0); RAF has no
//! EXIF of its own outside the embedded JPEG, whose APP1 *is* the camera's EXIF block (that is
//! where exiftool reads RAF EXIF from), so there it comes from the JPEG.

use std::path::Path;

use crate::exif_info::{self, ExifInfo};
use crate::ImagingError;

/// The RAW containers whose embedded preview we decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RawFormat {
    /// Canon (TIFF-based, `CR` marker at byte 8).
    Cr2,
    /// Canon (ISO-BMFF, brand `crx `).
    Cr3,
    /// Nikon.
    Nef,
    /// Sony.
    Arw,
    /// Adobe Digital Negative (IFD0 carries `DNGVersion`).
    Dng,
    /// Olympus / OM System (`IIRO`, `IIRS` or `MMOR` magic).
    Orf,
    /// Fujifilm (`FUJIFILMCCD-RAW` header).
    Raf,
    /// Panasonic (`IIU\0` magic).
    Rw2,
}

impl RawFormat {
    /// Upper-case name, as in file extensions.
    pub fn name(self) -> &'static str {
        match self {
            RawFormat::Cr2 => "CR2",
            RawFormat::Cr3 => "CR3",
            RawFormat::Nef => "NEF",
            RawFormat::Arw => "ARW",
            RawFormat::Dng => "DNG",
            RawFormat::Orf => "ORF",
            RawFormat::Raf => "RAF",
            RawFormat::Rw2 => "RW2",
        }
    }
}

const RAF_MAGIC: &[u8] = b"FUJIFILMCCD-RAW";
const CANON_UUID: [u8; 16] = [
    0x85, 0xc0, 0xb6, 0x87, 0x82, 0x0f, 0x11, 0xe0, 0x81, 0x11, 0xf4, 0xce, 0x46, 0x2b, 0x6a, 0x48,
];
const PREVIEW_UUID: [u8; 16] = [
    0xea, 0xf4, 0x2b, 0x5e, 0x1c, 0x98, 0x4b, 0x88, 0xb9, 0xfb, 0xb7, 0xdc, 0x40, 0x6e, 0x4d, 0x16,
];

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
}

/// Sniffs a RAW container from its first bytes (and, for plain TIFF magic, the extension).
pub(crate) fn sniff(bytes: &[u8], path: &Path) -> Option<RawFormat> {
    if bytes.starts_with(RAF_MAGIC) {
        return Some(RawFormat::Raf);
    }
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" && &bytes[8..12] == b"crx " {
        return Some(RawFormat::Cr3);
    }
    let magic = bytes.get(..4)?;
    match magic {
        b"IIRO" | b"IIRS" | b"MMOR" => return Some(RawFormat::Orf),
        b"IIU\0" => return Some(RawFormat::Rw2),
        b"II*\0" | b"MM\0*" => {}
        _ => return None,
    }
    if bytes.get(8..10) == Some(b"CR") {
        return Some(RawFormat::Cr2);
    }
    let tiff = Tiff::new(bytes)?;
    if tiff
        .ifd(tiff.first_ifd()?)
        .is_some_and(|ifd| ifd.iter().any(|e| e.tag == 0xC612))
    {
        return Some(RawFormat::Dng);
    }
    // Plain TIFF magic: the extension (the one table, `crate::EXTENSION_FORMATS`) tells a
    // TIFF-based RAW from an ordinary TIFF.
    match crate::format_for_extension(&extension(path)?)? {
        crate::PhotoFormat::Raw(k) if k != RawFormat::Cr3 && k != RawFormat::Raf => Some(k),
        _ => None,
    }
}

/// The embedded JPEG chosen for decoding and the RAW's EXIF facts.
pub(crate) struct RawPreview<'a> {
    pub jpeg: &'a [u8],
    pub exif: ExifInfo,
}

fn no_preview(path: &Path, format: RawFormat) -> ImagingError {
    ImagingError::NoPreview {
        path: path.to_path_buf(),
        format: format.name().to_string(),
    }
}

/// Finds the largest decodable JPEG preview of a RAW file.
pub(crate) fn preview<'a>(
    bytes: &'a [u8],
    format: RawFormat,
    path: &Path,
) -> Result<RawPreview<'a>, ImagingError> {
    let (jpeg, exif) = match format {
        RawFormat::Raf => {
            let jpeg = raf_preview(bytes).ok_or_else(|| no_preview(path, format))?;
            (jpeg, exif_info::read(jpeg, path))
        }
        RawFormat::Cr3 => cr3_preview(bytes, path).ok_or_else(|| no_preview(path, format))?,
        _ => {
            let tiff = Tiff::new(bytes).ok_or_else(|| no_preview(path, format))?;
            let jpeg = tiff_preview(&tiff).ok_or_else(|| no_preview(path, format))?;
            (jpeg, tiff_exif(bytes, path))
        }
    };
    Ok(RawPreview { jpeg, exif })
}

/// EXIF of a TIFF-based RAW; ORF and RW2 have their own magic number, which the EXIF reader
/// does not accept, so a copy gets the standard one.
fn tiff_exif(bytes: &[u8], path: &Path) -> ExifInfo {
    match bytes.get(..4) {
        Some(b"II*\0") | Some(b"MM\0*") => exif_info::read_tiff(bytes.to_vec(), path),
        Some(m) => {
            let mut copy = bytes.to_vec();
            copy[2..4].copy_from_slice(if m.starts_with(b"II") { b"*\0" } else { b"\0*" });
            exif_info::read_tiff(copy, path)
        }
        None => ExifInfo::default(),
    }
}

// ---------------------------------------------------------------------------------------------
// JPEG checks

/// `(width, height)` of a JPEG whose frame is baseline (SOF0), extended (SOF1) or progressive
/// (SOF2); `None` for anything else (lossless, arithmetic, hierarchical, garbage).
pub(crate) fn jpeg_frame_size(jpeg: &[u8]) -> Option<(u32, u32)> {
    if !jpeg.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut i = 2usize;
    while i + 4 <= jpeg.len() {
        if jpeg[i] != 0xFF {
            return None;
        }
        let marker = jpeg[i + 1];
        if marker == 0xFF {
            i += 1; // fill byte
            continue;
        }
        if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            i += 2;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
        match marker {
            0xC0..=0xC2 => {
                let seg = jpeg.get(i + 4..i + 9)?;
                let h = u32::from(u16::from_be_bytes([seg[1], seg[2]]));
                let w = u32::from(u16::from_be_bytes([seg[3], seg[4]]));
                return (w > 0 && h > 0).then_some((w, h));
            }
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF | 0xDA | 0xD9 => return None,
            _ => {}
        }
        if len < 2 {
            return None;
        }
        i += 2 + len;
    }
    None
}

/// The largest decodable JPEG among `(offset, length)` candidates.
fn largest(bytes: &[u8], candidates: impl IntoIterator<Item = (u64, u64)>) -> Option<&[u8]> {
    candidates
        .into_iter()
        .filter_map(|(off, len)| {
            let start = usize::try_from(off).ok()?;
            let end = start.checked_add(usize::try_from(len).ok()?)?;
            let jpeg = bytes.get(start..end)?;
            let (w, h) = jpeg_frame_size(jpeg)?;
            Some((u64::from(w) * u64::from(h), jpeg))
        })
        .max_by_key(|(pixels, _)| *pixels)
        .map(|(_, jpeg)| jpeg)
}

// ---------------------------------------------------------------------------------------------
// TIFF walking

#[derive(Debug, Clone, Copy)]
struct Entry {
    tag: u16,
    kind: u16,
    count: u32,
    /// File offset of the entry's 4-byte value/offset field.
    field: usize,
}

struct Tiff<'a> {
    b: &'a [u8],
    le: bool,
}

impl<'a> Tiff<'a> {
    fn new(b: &'a [u8]) -> Option<Self> {
        let le = match b.get(..2)? {
            b"II" => true,
            b"MM" => false,
            _ => return None,
        };
        Some(Self { b, le })
    }

    fn u16(&self, at: usize) -> Option<u16> {
        let s: [u8; 2] = self.b.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if self.le {
            u16::from_le_bytes(s)
        } else {
            u16::from_be_bytes(s)
        })
    }

    fn u32(&self, at: usize) -> Option<u32> {
        let s: [u8; 4] = self.b.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.le {
            u32::from_le_bytes(s)
        } else {
            u32::from_be_bytes(s)
        })
    }

    fn first_ifd(&self) -> Option<usize> {
        usize::try_from(self.u32(4)?).ok()
    }

    /// The entries of the IFD at `at` (`None` when it does not fit in the file).
    fn ifd(&self, at: usize) -> Option<Vec<Entry>> {
        let n = usize::from(self.u16(at)?);
        let end = at.checked_add(2 + 12 * n + 4)?;
        if end > self.b.len() {
            return None;
        }
        (0..n)
            .map(|i| {
                let e = at + 2 + 12 * i;
                Some(Entry {
                    tag: self.u16(e)?,
                    kind: self.u16(e + 2)?,
                    count: self.u32(e + 4)?,
                    field: e + 8,
                })
            })
            .collect()
    }

    fn next_ifd(&self, at: usize, entries: usize) -> Option<usize> {
        let off = self.u32(at + 2 + 12 * entries)?;
        (off != 0).then(|| usize::try_from(off).ok()).flatten()
    }

    /// Unsigned integer values of a SHORT / LONG / IFD entry.
    fn values(&self, e: &Entry) -> Vec<u64> {
        let size = match e.kind {
            3 => 2usize,
            4 | 13 => 4,
            _ => return Vec::new(),
        };
        let count = e.count as usize;
        let Some(total) = size.checked_mul(count) else {
            return Vec::new();
        };
        let base = if total <= 4 {
            e.field
        } else {
            match self.u32(e.field).and_then(|o| usize::try_from(o).ok()) {
                Some(o) => o,
                None => return Vec::new(),
            }
        };
        (0..count.min(1 << 16))
            .map_while(|i| match size {
                2 => self.u16(base + 2 * i).map(u64::from),
                _ => self.u32(base + 4 * i).map(u64::from),
            })
            .collect()
    }

    fn first(&self, entries: &[Entry], tag: u16) -> Option<u64> {
        let e = entries.iter().find(|e| e.tag == tag)?;
        self.values(e).first().copied()
    }
}

/// Every JPEG candidate of every IFD reachable from IFD0; the largest decodable one.
fn tiff_preview<'a>(tiff: &Tiff<'a>) -> Option<&'a [u8]> {
    let mut queue = vec![tiff.first_ifd()?];
    let mut seen = Vec::new();
    let mut candidates: Vec<(u64, u64)> = Vec::new();
    while let Some(at) = queue.pop() {
        // A hostile file can make the IFD graph cyclic or huge.
        if at < 8 || seen.contains(&at) || seen.len() >= 256 {
            continue;
        }
        seen.push(at);
        let Some(entries) = tiff.ifd(at) else {
            continue;
        };
        if let (Some(off), Some(len)) = (tiff.first(&entries, 0x0201), tiff.first(&entries, 0x0202))
        {
            candidates.push((off, len));
        }
        let compression = tiff.first(&entries, 0x0103);
        let photometric = tiff.first(&entries, 0x0106);
        if matches!(compression, Some(6 | 7)) && !matches!(photometric, Some(32803 | 34892)) {
            let offsets = entries
                .iter()
                .find(|e| e.tag == 0x0111)
                .map(|e| tiff.values(e))
                .unwrap_or_default();
            let counts = entries
                .iter()
                .find(|e| e.tag == 0x0117)
                .map(|e| tiff.values(e))
                .unwrap_or_default();
            if let (Some(&first), true) = (offsets.first(), offsets.len() == counts.len()) {
                // One JPEG stream split over contiguous strips.
                let contiguous = offsets
                    .windows(2)
                    .zip(&counts)
                    .all(|(w, c)| w[0] + c == w[1]);
                if contiguous {
                    candidates.push((first, counts.iter().sum()));
                }
            }
        }
        if let Some(e) = entries.iter().find(|e| e.tag == 0x002E && e.kind == 7) {
            if let Some(off) = tiff.u32(e.field) {
                candidates.push((u64::from(off), u64::from(e.count)));
            }
        }
        for e in &entries {
            if e.tag == 0x014A || e.tag == 0x8769 {
                queue.extend(
                    tiff.values(e)
                        .into_iter()
                        .filter_map(|v| usize::try_from(v).ok()),
                );
            }
        }
        if let Some(next) = tiff.next_ifd(at, entries.len()) {
            queue.push(next);
        }
    }
    largest(tiff.b, candidates)
}

// ---------------------------------------------------------------------------------------------
// RAF

fn raf_preview(bytes: &[u8]) -> Option<&[u8]> {
    let be = |at: usize| -> Option<u64> {
        let s: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
        Some(u64::from(u32::from_be_bytes(s)))
    };
    largest(bytes, [(be(0x54)?, be(0x58)?)])
}

// ---------------------------------------------------------------------------------------------
// CR3 (ISO base media file format)

/// One box: its 4CC, the user type for `uuid` boxes and the payload range.
struct BmffBox {
    kind: [u8; 4],
    uuid: Option<[u8; 16]>,
    payload: std::ops::Range<usize>,
}

/// The boxes laid end to end in `b[range]`.
fn boxes(b: &[u8], range: std::ops::Range<usize>) -> Vec<BmffBox> {
    let mut out = Vec::new();
    let mut at = range.start;
    while at + 8 <= range.end && out.len() < 4096 {
        let Some(size) = b
            .get(at..at + 4)
            .and_then(|s| <[u8; 4]>::try_from(s).ok())
            .map(u32::from_be_bytes)
        else {
            break;
        };
        let Some(kind) = b
            .get(at + 4..at + 8)
            .and_then(|s| <[u8; 4]>::try_from(s).ok())
        else {
            break;
        };
        let (header, size) = match size {
            0 => (8, (range.end - at) as u64),
            1 => {
                let Some(large) = b
                    .get(at + 8..at + 16)
                    .and_then(|s| <[u8; 8]>::try_from(s).ok())
                    .map(u64::from_be_bytes)
                else {
                    break;
                };
                (16, large)
            }
            n => (8, u64::from(n)),
        };
        let Some(end) = usize::try_from(size).ok().and_then(|s| at.checked_add(s)) else {
            break;
        };
        if size < header as u64 || end > range.end {
            break;
        }
        let mut start = at + header;
        let mut uuid = None;
        if &kind == b"uuid" {
            uuid = b.get(start..start + 16).and_then(|s| s.try_into().ok());
            if uuid.is_none() {
                break;
            }
            start += 16;
        }
        out.push(BmffBox {
            kind,
            uuid,
            payload: start..end,
        });
        at = end;
    }
    out
}

/// The JPEG inside a `PRVW` or `THMB` payload: a short header (sizes, then a 32-bit JPEG
/// length at `len_at`), then the stream. The SOI is searched in the first 64 bytes, so header
/// variants between versions do not matter; the declared length is used when it fits.
fn embedded_jpeg(b: &[u8], payload: std::ops::Range<usize>, len_at: usize) -> Option<(u64, u64)> {
    let head = b.get(payload.start..payload.end.min(payload.start + 64))?;
    let soi = head.windows(3).position(|w| w == [0xFF, 0xD8, 0xFF])?;
    let start = payload.start + soi;
    let declared = b
        .get(payload.start + len_at..payload.start + len_at + 4)
        .and_then(|s| <[u8; 4]>::try_from(s).ok())
        .map(|s| u32::from_be_bytes(s) as usize);
    let len = match declared {
        Some(l) if l > 0 && start + l <= payload.end => l,
        _ => payload.end - start,
    };
    Some((start as u64, len as u64))
}

fn cr3_preview<'a>(bytes: &'a [u8], path: &Path) -> Option<(&'a [u8], ExifInfo)> {
    let top = boxes(bytes, 0..bytes.len());
    let mut candidates = Vec::new();
    let mut exif = ExifInfo::default();
    for b in &top {
        if &b.kind == b"uuid" && b.uuid == Some(PREVIEW_UUID) {
            // 8 bytes of unknown data, then the PRVW box.
            let inner = (b.payload.start + 8).min(b.payload.end)..b.payload.end;
            for p in boxes(bytes, inner) {
                if &p.kind == b"PRVW" {
                    candidates.extend(embedded_jpeg(bytes, p.payload, 12));
                }
            }
        }
        if &b.kind == b"moov" {
            for m in boxes(bytes, b.payload.clone()) {
                if &m.kind != b"uuid" || m.uuid != Some(CANON_UUID) {
                    continue;
                }
                let mut ifd0 = ExifInfo::default();
                let mut exif_ifd = ExifInfo::default();
                let mut gps = None;
                for c in boxes(bytes, m.payload) {
                    let data = &bytes[c.payload.clone()];
                    match &c.kind {
                        b"THMB" => candidates.extend(embedded_jpeg(bytes, c.payload, 8)),
                        b"CMT1" => ifd0 = exif_info::read_tiff(data.to_vec(), path),
                        b"CMT2" => exif_ifd = exif_info::read_tiff(data.to_vec(), path),
                        b"CMT4" => gps = exif_info::read_gps_tiff(data.to_vec(), path),
                        _ => {}
                    }
                }
                // Orientation, make and model from IFD0; the date from the Exif IFD first.
                let date = exif_ifd.date_taken.or(ifd0.date_taken.take());
                exif = ExifInfo {
                    date_taken: date,
                    gps,
                    ..ifd0
                };
            }
        }
    }
    largest(bytes, candidates).map(|jpeg| (jpeg, exif))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_sizes_beyond_the_parent_stop_the_walk() {
        let mut b = Vec::new();
        b.extend_from_slice(&16u32.to_be_bytes());
        b.extend_from_slice(b"free");
        b.extend_from_slice(&[0; 8]);
        b.extend_from_slice(&1000u32.to_be_bytes());
        b.extend_from_slice(b"moov");
        let found = boxes(&b, 0..b.len());
        assert_eq!(found.len(), 1);
        assert_eq!(&found[0].kind, b"free");
    }

    #[test]
    fn lossless_jpeg_is_not_a_preview() {
        // SOI, SOF3 (lossless) with a 4000×3000 frame.
        let lossless = [
            0xFF, 0xD8, 0xFF, 0xC3, 0x00, 0x0B, 0x08, 0x0B, 0xB8, 0x0F, 0xA0, 0x01, 0x01, 0x11,
            0x00,
        ];
        assert_eq!(jpeg_frame_size(&lossless), None);
        let mut baseline = lossless;
        baseline[3] = 0xC0;
        assert_eq!(jpeg_frame_size(&baseline), Some((4000, 3000)));
    }

    #[test]
    fn cyclic_ifds_terminate() {
        // IFD0 at 8 with no entries whose next IFD is itself.
        let mut b = b"II*\0\x08\0\0\0".to_vec();
        b.extend_from_slice(&0u16.to_le_bytes());
        b.extend_from_slice(&8u32.to_le_bytes());
        let tiff = Tiff::new(&b).expect("tiff");
        assert!(tiff_preview(&tiff).is_none());
    }
}
