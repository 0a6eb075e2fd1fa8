//! Hand-built camera RAW containers around real JPEG previews (std only, so the end-to-end
//! tests can include this file too). Layouts follow the public descriptions of each format:
//! TIFF 6.0 / TIFF-EP IFDs with SubIFDs (CR2, NEF, ARW, DNG, ORF, RW2), the RAF header, and
//! the CR3 ISO-BMFF box tree (Canon `uuid` in `moov` with CMT1/CMT2/CMT4/THMB, and the
//! preview `uuid` with PRVW).
#![allow(dead_code, clippy::unwrap_used)]

/// A TIFF value.
#[derive(Debug, Clone)]
pub enum Val {
    Short(Vec<u16>),
    Long(Vec<u32>),
    Ascii(String),
    Rational(Vec<(u32, u32)>),
    /// UNDEFINED bytes stored elsewhere in the file: (offset, length).
    UndefinedAt(u32, u32),
}

/// A TIFF file under construction: blobs and IFDs are appended, children before parents.
#[derive(Debug)]
pub struct TiffFile {
    pub le: bool,
    pub buf: Vec<u8>,
    first_ifd_at: usize,
}

impl TiffFile {
    /// `magic` is the 4-byte header start (`II*\0`, `MM\0*`, `IIRO`, `IIU\0`…); `cr2` adds
    /// Canon's `CR\x02\0` + raw-IFD-offset after the IFD0 offset.
    pub fn new(magic: &[u8; 4], cr2: bool) -> Self {
        let le = &magic[..2] == b"II";
        let mut buf = magic.to_vec();
        buf.extend_from_slice(&[0; 4]);
        if cr2 {
            buf.extend_from_slice(b"CR\x02\0\0\0\0\0");
        }
        Self {
            le,
            buf,
            first_ifd_at: 4,
        }
    }

    fn u16b(&self, v: u16) -> [u8; 2] {
        if self.le {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    }

    fn u32b(&self, v: u32) -> [u8; 4] {
        if self.le {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    }

    fn align(&mut self) {
        if self.buf.len() % 2 == 1 {
            self.buf.push(0);
        }
    }

    /// Appends raw bytes, returns their offset.
    pub fn blob(&mut self, data: &[u8]) -> u32 {
        self.align();
        let at = self.buf.len() as u32;
        self.buf.extend_from_slice(data);
        at
    }

    /// Appends an IFD (entries sorted by tag here) whose next-IFD link is `next` (0 = none);
    /// returns its offset.
    pub fn ifd(&mut self, entries: &[(u16, Val)], next: u32) -> u32 {
        let mut entries = entries.to_vec();
        entries.sort_by_key(|(t, _)| *t);
        // Out-of-line values first, so the IFD can point at them.
        let mut encoded = Vec::new();
        for (tag, v) in &entries {
            let (kind, count, bytes): (u16, u32, Vec<u8>) = match v {
                Val::Short(s) => (
                    3,
                    s.len() as u32,
                    s.iter().flat_map(|x| self.u16b(*x)).collect(),
                ),
                Val::Long(l) => (
                    4,
                    l.len() as u32,
                    l.iter().flat_map(|x| self.u32b(*x)).collect(),
                ),
                Val::Ascii(a) => {
                    let mut b = a.as_bytes().to_vec();
                    b.push(0);
                    (2, b.len() as u32, b)
                }
                Val::Rational(r) => (
                    5,
                    r.len() as u32,
                    r.iter()
                        .flat_map(|(n, d)| {
                            let mut v = self.u32b(*n).to_vec();
                            v.extend_from_slice(&self.u32b(*d));
                            v
                        })
                        .collect(),
                ),
                Val::UndefinedAt(off, len) => {
                    encoded.push((*tag, 7u16, *len, self.u32b(*off)));
                    continue;
                }
            };
            let field = if bytes.len() <= 4 {
                let mut f = [0u8; 4];
                f[..bytes.len()].copy_from_slice(&bytes);
                f
            } else {
                let at = self.blob(&bytes);
                self.u32b(at)
            };
            encoded.push((*tag, kind, count, field));
        }
        self.align();
        let at = self.buf.len() as u32;
        let n = self.u16b(encoded.len() as u16);
        self.buf.extend_from_slice(&n);
        for (tag, kind, count, field) in encoded {
            let (t, k, c) = (self.u16b(tag), self.u16b(kind), self.u32b(count));
            self.buf.extend_from_slice(&t);
            self.buf.extend_from_slice(&k);
            self.buf.extend_from_slice(&c);
            self.buf.extend_from_slice(&field);
        }
        let next = self.u32b(next);
        self.buf.extend_from_slice(&next);
        at
    }

    pub fn finish(mut self, ifd0: u32) -> Vec<u8> {
        let b = self.u32b(ifd0);
        let at = self.first_ifd_at;
        self.buf[at..at + 4].copy_from_slice(&b);
        self.buf
    }
}

/// A JPEG-looking stream with a lossless (SOF3) frame of `w`×`h`: what Canon and DNG store
/// their sensor data as. Never a preview.
pub fn lossless_jpeg_stub(w: u16, h: u16) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xC3, 0x00, 0x0B, 0x0C];
    b.extend_from_slice(&h.to_be_bytes());
    b.extend_from_slice(&w.to_be_bytes());
    b.extend_from_slice(&[0x01, 0x01, 0x11, 0x00]);
    b.extend_from_slice(&[0x5A; 4096]);
    b.extend_from_slice(&[0xFF, 0xD9]);
    b
}

/// Which TIFF-based RAW to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TiffRaw {
    /// IFD0 = full-size JPEG in a strip (Compression 6), IFD1 thumbnail, IFD3 lossless raw.
    Cr2,
    /// IFD0 thumbnail; SubIFD0 = JPEG via JPEGInterchangeFormat; SubIFD1 = CFA raw.
    Nef,
    /// IFD0 with the preview via JPEGInterchangeFormat (Sony style), raw in a SubIFD.
    Arw,
    /// DNGVersion; SubIFD0 = raw (Compression 7, CFA); SubIFD1 = preview (Compression 7,
    /// YCbCr) split over two contiguous strips.
    Dng,
    /// `IIRO` magic, preview via JPEGInterchangeFormat in IFD1.
    Orf,
    /// `IIU\0` magic, preview in the Panasonic JpgFromRaw tag (0x002E).
    Rw2,
    /// Like NEF but with no JPEG at all: only sensor data.
    NefWithoutPreview,
}

impl TiffRaw {
    pub fn extension(self) -> &'static str {
        match self {
            TiffRaw::Cr2 => "cr2",
            TiffRaw::Nef | TiffRaw::NefWithoutPreview => "nef",
            TiffRaw::Arw => "arw",
            TiffRaw::Dng => "dng",
            TiffRaw::Orf => "orf",
            TiffRaw::Rw2 => "rw2",
        }
    }
}

/// A TIFF-based RAW holding `preview` (the largest JPEG) and `thumb` (a smaller one), with
/// IFD0 `Orientation` = `orientation` and camera make `make`.
pub fn tiff_raw(kind: TiffRaw, preview: &[u8], thumb: &[u8], orientation: u16) -> Vec<u8> {
    let magic: &[u8; 4] = match kind {
        TiffRaw::Orf => b"IIRO",
        TiffRaw::Rw2 => b"IIU\0",
        TiffRaw::Nef | TiffRaw::NefWithoutPreview => b"MM\0*",
        _ => b"II*\0",
    };
    let mut t = TiffFile::new(magic, kind == TiffRaw::Cr2);
    let raw = lossless_jpeg_stub(6000, 4000);
    let raw_at = t.blob(&raw);
    let thumb_at = t.blob(thumb);
    let prev_at = t.blob(preview);
    let (plen, tlen, rlen) = (preview.len() as u32, thumb.len() as u32, raw.len() as u32);
    let common = |make: &str| {
        vec![
            (0x010F, Val::Ascii(make.into())),
            (0x0110, Val::Ascii("Test Body".into())),
            (0x0112, Val::Short(vec![orientation])),
            (0x0132, Val::Ascii("2022:08:09 10:11:12".into())),
        ]
    };
    let cfa_ifd = |t: &mut TiffFile| {
        t.ifd(
            &[
                (0x0100, Val::Long(vec![6000])),
                (0x0101, Val::Long(vec![4000])),
                (0x0103, Val::Short(vec![7])),
                (0x0106, Val::Short(vec![32803])),
                (0x0111, Val::Long(vec![raw_at])),
                (0x0117, Val::Long(vec![rlen])),
            ],
            0,
        )
    };
    let ifd0 = match kind {
        TiffRaw::Cr2 => {
            let ifd3 = t.ifd(
                &[
                    (0x0103, Val::Short(vec![6])),
                    (0x0111, Val::Long(vec![raw_at])),
                    (0x0117, Val::Long(vec![rlen])),
                ],
                0,
            );
            let ifd2 = t.ifd(&[(0x0103, Val::Short(vec![1]))], ifd3);
            let ifd1 = t.ifd(
                &[
                    (0x0103, Val::Short(vec![6])),
                    (0x0201, Val::Long(vec![thumb_at])),
                    (0x0202, Val::Long(vec![tlen])),
                ],
                ifd2,
            );
            let mut e = common("Canon");
            e.extend([
                (0x0103, Val::Short(vec![6])),
                (0x0111, Val::Long(vec![prev_at])),
                (0x0117, Val::Long(vec![plen])),
            ]);
            t.ifd(&e, ifd1)
        }
        TiffRaw::Nef | TiffRaw::NefWithoutPreview => {
            let raw_ifd = cfa_ifd(&mut t);
            let mut subs = vec![raw_ifd];
            if kind == TiffRaw::Nef {
                let prev_ifd = t.ifd(
                    &[
                        (0x0103, Val::Short(vec![6])),
                        (0x0201, Val::Long(vec![prev_at])),
                        (0x0202, Val::Long(vec![plen])),
                    ],
                    0,
                );
                subs.insert(0, prev_ifd);
            }
            let mut e = common("NIKON CORPORATION");
            e.push((0x014A, Val::Long(subs)));
            if kind == TiffRaw::Nef {
                // IFD0 carries a small uncompressed thumbnail in real files; here nothing.
            }
            t.ifd(&e, 0)
        }
        TiffRaw::Arw => {
            let raw_ifd = cfa_ifd(&mut t);
            let mut e = common("SONY");
            e.extend([
                (0x014A, Val::Long(vec![raw_ifd])),
                (0x0201, Val::Long(vec![prev_at])),
                (0x0202, Val::Long(vec![plen])),
            ]);
            t.ifd(&e, 0)
        }
        TiffRaw::Dng => {
            let raw_ifd = cfa_ifd(&mut t);
            let half = plen / 2;
            let prev_ifd = t.ifd(
                &[
                    (0x00FE, Val::Long(vec![1])),
                    (0x0103, Val::Short(vec![7])),
                    (0x0106, Val::Short(vec![6])),
                    (0x0111, Val::Long(vec![prev_at, prev_at + half])),
                    (0x0117, Val::Long(vec![half, plen - half])),
                ],
                0,
            );
            let mut e = common("Leica");
            e.extend([
                (0xC612, Val::Long(vec![0x0104_0000])),
                (0x014A, Val::Long(vec![raw_ifd, prev_ifd])),
                (0x0103, Val::Short(vec![6])),
                (0x0201, Val::Long(vec![thumb_at])),
                (0x0202, Val::Long(vec![tlen])),
            ]);
            t.ifd(&e, 0)
        }
        TiffRaw::Orf => {
            let ifd1 = t.ifd(
                &[
                    (0x0103, Val::Short(vec![6])),
                    (0x0201, Val::Long(vec![prev_at])),
                    (0x0202, Val::Long(vec![plen])),
                ],
                0,
            );
            let mut e = common("OLYMPUS CORPORATION");
            e.extend([
                (0x0111, Val::Long(vec![raw_at])),
                (0x0117, Val::Long(vec![rlen])),
            ]);
            t.ifd(&e, ifd1)
        }
        TiffRaw::Rw2 => {
            let mut e = common("Panasonic");
            e.extend([
                (0x002E, Val::UndefinedAt(prev_at, plen)),
                (0x0111, Val::Long(vec![raw_at])),
                (0x0117, Val::Long(vec![rlen])),
            ]);
            t.ifd(&e, 0)
        }
    };
    t.finish(ifd0)
}

/// A RAF: header (magic, version, camera id and name, directory version), the JPEG
/// offset/length at 0x54/0x58, CFA header/data pointers, then the JPEG and a fake CFA blob.
pub fn raf(preview: &[u8]) -> Vec<u8> {
    let mut b = b"FUJIFILMCCD-RAW 0201FF383501".to_vec();
    let mut name = b"X-T4".to_vec();
    name.resize(32, 0);
    b.extend_from_slice(&name);
    b.extend_from_slice(b"0100");
    b.resize(0x54, 0);
    let jpeg_at = 0x100u32;
    let cfa = vec![0x33u8; 2048];
    let cfa_at = jpeg_at + preview.len() as u32;
    for v in [
        jpeg_at,
        preview.len() as u32,
        cfa_at,
        cfa.len() as u32,
        cfa_at,
        cfa.len() as u32,
    ] {
        b.extend_from_slice(&v.to_be_bytes());
    }
    b.resize(jpeg_at as usize, 0);
    b.extend_from_slice(preview);
    b.extend_from_slice(&cfa);
    b
}

fn bx(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut out = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(payload);
    out
}

fn uuid_box(uuid: &[u8; 16], payload: &[u8]) -> Vec<u8> {
    let mut p = uuid.to_vec();
    p.extend_from_slice(payload);
    bx(b"uuid", &p)
}

/// A single-IFD little-endian TIFF (`II*\0`, IFD0 at 8): the shape of CR3's CMTn boxes.
pub fn single_ifd_tiff(entries: &[(u16, Val)]) -> Vec<u8> {
    let mut t = TiffFile::new(b"II*\0", false);
    let ifd = t.ifd(entries, 0);
    t.finish(ifd)
}

/// A CR3: `ftyp crx `, `moov` holding the Canon `uuid` box (CMT1 = IFD0 with Make, Model and
/// Orientation, CMT2 = Exif IFD with DateTimeOriginal, CMT4 = GPS IFD, THMB = `thumb`), the preview `uuid`
/// box with `PRVW` = `preview`, and an `mdat` of filler.
pub fn cr3(preview: &[u8], thumb: &[u8], orientation: u16) -> Vec<u8> {
    const CANON: [u8; 16] = [
        0x85, 0xc0, 0xb6, 0x87, 0x82, 0x0f, 0x11, 0xe0, 0x81, 0x11, 0xf4, 0xce, 0x46, 0x2b, 0x6a,
        0x48,
    ];
    const PREVIEW: [u8; 16] = [
        0xea, 0xf4, 0x2b, 0x5e, 0x1c, 0x98, 0x4b, 0x88, 0xb9, 0xfb, 0xb7, 0xdc, 0x40, 0x6e, 0x4d,
        0x16,
    ];
    let mut ftyp = b"crx ".to_vec();
    ftyp.extend_from_slice(&1u32.to_be_bytes());
    ftyp.extend_from_slice(b"crx isom");
    let cmt1 = single_ifd_tiff(&[
        (0x010F, Val::Ascii("Canon".into())),
        (0x0110, Val::Ascii("Canon EOS R6".into())),
        (0x0112, Val::Short(vec![orientation])),
    ]);
    let cmt2 = single_ifd_tiff(&[(0x9003, Val::Ascii("2023:04:05 06:07:08".into()))]);
    // GPS IFD as IFD0: 35°39'31.05" S, 139°42'4.5" E... written as S / E references.
    let cmt4 = single_ifd_tiff(&[
        (0x0001, Val::Ascii("S".into())),
        (0x0002, Val::Rational(vec![(35, 1), (39, 1), (3105, 100)])),
        (0x0003, Val::Ascii("E".into())),
        (0x0004, Val::Rational(vec![(139, 1), (42, 1), (45, 10)])),
    ]);
    let mut thmb = Vec::new();
    thmb.extend_from_slice(&[0, 0, 0, 0]); // version 0, flags
    thmb.extend_from_slice(&160u16.to_be_bytes());
    thmb.extend_from_slice(&120u16.to_be_bytes());
    thmb.extend_from_slice(&(thumb.len() as u32).to_be_bytes());
    thmb.extend_from_slice(&[0, 1, 0, 0]);
    thmb.extend_from_slice(thumb);
    let mut canon = Vec::new();
    canon.extend(bx(b"CNCV", b"CanonCR3_001/00.09.00/00.00.00"));
    canon.extend(bx(b"CMT1", &cmt1));
    canon.extend(bx(b"CMT2", &cmt2));
    canon.extend(bx(b"CMT4", &cmt4));
    canon.extend(bx(b"THMB", &thmb));
    let mut moov = uuid_box(&CANON, &canon);
    moov.extend(bx(b"mvhd", &[0; 100]));
    let mut prvw = Vec::new();
    prvw.extend_from_slice(&0u32.to_be_bytes());
    prvw.extend_from_slice(&1u16.to_be_bytes());
    prvw.extend_from_slice(&1620u16.to_be_bytes());
    prvw.extend_from_slice(&1080u16.to_be_bytes());
    prvw.extend_from_slice(&1u16.to_be_bytes());
    prvw.extend_from_slice(&(preview.len() as u32).to_be_bytes());
    prvw.extend_from_slice(preview);
    let mut prvw_uuid = vec![0, 0, 0, 0, 0, 0, 0, 1];
    prvw_uuid.extend(bx(b"PRVW", &prvw));
    let mut out = bx(b"ftyp", &ftyp);
    out.extend(bx(b"moov", &moov));
    out.extend(uuid_box(&PREVIEW, &prvw_uuid));
    out.extend(bx(b"mdat", &[0x44; 4096]));
    out
}
