//! The XMP APP1 segment of a JPEG: find it, replace it, or insert one. Everything else in the
//! file (other segments, the scan data) is copied byte for byte.

use crate::XmpError;

/// The APP1 identifier of the standard XMP packet.
pub(crate) const XMP_APP1_ID: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
/// Largest packet that fits one APP1 segment (65535 − 2 length bytes − identifier).
pub const MAX_JPEG_PACKET: usize = 65535 - 2 - 29;

/// One marker segment before the scan: `start` is the 0xFF of the marker, `end` is one past
/// the segment; `payload` is the range after the length bytes.
#[derive(Debug, Clone)]
pub(crate) struct Segment {
    pub marker: u8,
    pub start: usize,
    pub end: usize,
    pub payload: std::ops::Range<usize>,
}

fn not_jpeg(reason: impl Into<String>) -> XmpError {
    XmpError::NotJpeg {
        reason: reason.into(),
    }
}

/// The segments between SOI and the first SOS (or EOI).
pub(crate) fn header_segments(jpeg: &[u8]) -> Result<Vec<Segment>, XmpError> {
    if jpeg.len() < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8 {
        return Err(not_jpeg("no SOI marker"));
    }
    let mut segs = Vec::new();
    let mut i = 2usize;
    loop {
        if i >= jpeg.len() {
            return Err(not_jpeg(format!("truncated at byte {i} (no scan)")));
        }
        if jpeg[i] != 0xFF {
            return Err(not_jpeg(format!("expected a marker at byte {i}")));
        }
        let start = i;
        // Fill bytes: any number of 0xFF before the marker code.
        while i < jpeg.len() && jpeg[i] == 0xFF {
            i += 1;
        }
        let Some(&marker) = jpeg.get(i) else {
            return Err(not_jpeg("truncated marker"));
        };
        i += 1;
        match marker {
            0xD9 => break, // EOI without a scan
            0x01 | 0xD0..=0xD7 => {
                segs.push(Segment {
                    marker,
                    start,
                    end: i,
                    payload: i..i,
                });
                continue;
            }
            _ => {}
        }
        if i + 2 > jpeg.len() {
            return Err(not_jpeg("truncated segment length"));
        }
        let len = usize::from(u16::from_be_bytes([jpeg[i], jpeg[i + 1]]));
        if len < 2 || i + len > jpeg.len() {
            return Err(not_jpeg(format!(
                "segment 0xFF{marker:02X} at byte {start} runs past the end"
            )));
        }
        let seg = Segment {
            marker,
            start,
            end: i + len,
            payload: i + 2..i + len,
        };
        i += len;
        let is_sos = marker == 0xDA;
        segs.push(seg);
        if is_sos {
            break;
        }
    }
    Ok(segs)
}

fn is_xmp(jpeg: &[u8], s: &Segment) -> bool {
    s.marker == 0xE1 && jpeg[s.payload.clone()].starts_with(XMP_APP1_ID)
}

/// The standard XMP packet of a JPEG, if it has one. Extended XMP
/// (`http://ns.adobe.com/xmp/extension/` segments) is not read.
pub fn jpeg_xmp_packet(jpeg: &[u8]) -> Result<Option<Vec<u8>>, XmpError> {
    let segs = header_segments(jpeg)?;
    Ok(segs
        .iter()
        .find(|s| is_xmp(jpeg, s))
        .map(|s| jpeg[s.payload.start + XMP_APP1_ID.len()..s.payload.end].to_vec()))
}

/// The packet of the XMP segment (None if there is none) and a function that writes a new
/// JPEG with `packet` in place of it (or inserted after the leading APP0/APP1 Exif segments).
pub(crate) fn replace_packet(jpeg: &[u8], packet: &[u8]) -> Result<Vec<u8>, XmpError> {
    if packet.len() > MAX_JPEG_PACKET {
        return Err(XmpError::TooLarge {
            bytes: packet.len(),
            limit: MAX_JPEG_PACKET,
        });
    }
    let segs = header_segments(jpeg)?;
    let mut seg_bytes = Vec::with_capacity(packet.len() + 33);
    seg_bytes.extend_from_slice(&[0xFF, 0xE1]);
    let len =
        u16::try_from(packet.len() + XMP_APP1_ID.len() + 2).map_err(|_| XmpError::TooLarge {
            bytes: packet.len(),
            limit: MAX_JPEG_PACKET,
        })?;
    seg_bytes.extend_from_slice(&len.to_be_bytes());
    seg_bytes.extend_from_slice(XMP_APP1_ID);
    seg_bytes.extend_from_slice(packet);
    let (cut_start, cut_end) = match segs.iter().find(|s| is_xmp(jpeg, s)) {
        Some(s) => (s.start, s.end),
        None => {
            // After SOI and the leading APP0 (JFIF/JFXX) and APP1 (Exif) segments.
            let mut at = 2;
            for s in &segs {
                if s.marker == 0xE0
                    || (s.marker == 0xE1 && jpeg[s.payload.clone()].starts_with(b"Exif\0"))
                {
                    at = s.end;
                } else {
                    break;
                }
            }
            (at, at)
        }
    };
    let mut out = Vec::with_capacity(jpeg.len() + seg_bytes.len());
    out.extend_from_slice(&jpeg[..cut_start]);
    out.extend_from_slice(&seg_bytes);
    out.extend_from_slice(&jpeg[cut_end..]);
    Ok(out)
}
