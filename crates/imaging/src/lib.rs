//! Likeness imaging: turn a photo file into an upright RGB image.
//!
//! The job: sniff the container from the bytes (never trust the extension alone), refuse
//! decompression bombs before allocating, decode (the `image` crate for JPEG, PNG, WebP,
//! TIFF, BMP and GIF; the system libheif for HEIF/HEIC; the embedded JPEG preview of camera
//! RAW files), read EXIF with `kamadak-exif` and apply its orientation, so that everything
//! downstream works in the *oriented* frame. This crate knows nothing about faces, models,
//! catalogs or UIs.
//!
//! Every error names the file it is about ([`ImagingError::path`]).

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use image::{DynamicImage, ImageFormat, ImageReader, RgbImage};

mod exif_info;
mod heif;
mod jpeg_scaled;
mod raw;

pub use exif_info::{ExifInfo, Orientation};
pub use raw::RawFormat;

/// Limits that protect the process from hostile or broken files.
#[derive(Debug, Clone, Copy)]
pub struct DecodeLimits {
    /// Largest accepted width × height, checked from the header before decoding.
    pub max_pixels: u64,
    /// Largest accepted file size in bytes.
    pub max_file_bytes: u64,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        Self {
            // 200 MP covers every current camera (the largest consumer sensors are ~100 MP)
            // while a 20000×20000 bomb (400 MP, 1.2 GB of RGB) is refused.
            max_pixels: 200_000_000,
            max_file_bytes: 512 * 1024 * 1024,
        }
    }
}

/// Why a photo could not be loaded. Each variant carries the path.
#[derive(Debug, thiserror::Error)]
pub enum ImagingError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: empty file")]
    Empty { path: PathBuf },
    #[error("{path}: not a supported image (format not recognised from its bytes)")]
    UnknownFormat { path: PathBuf },
    #[error("{path}: {format} is not a supported format")]
    UnsupportedFormat { path: PathBuf, format: String },
    #[error("{path}: {width}×{height} pixels exceeds the limit of {limit} pixels")]
    TooLarge {
        path: PathBuf,
        width: u32,
        height: u32,
        limit: u64,
    },
    #[error("{path}: file of {bytes} bytes exceeds the limit of {limit} bytes")]
    FileTooLarge {
        path: PathBuf,
        bytes: u64,
        limit: u64,
    },
    #[error("{path}: cannot decode {format}: {message}")]
    Decode {
        path: PathBuf,
        format: String,
        message: String,
    },
    /// A camera RAW file without an embedded JPEG preview we can decode (we never develop
    /// sensor data).
    #[error("{path}: {format} file has no embedded JPEG preview")]
    NoPreview { path: PathBuf, format: String },
}

impl ImagingError {
    /// The file this error is about.
    pub fn path(&self) -> &Path {
        match self {
            ImagingError::Io { path, .. }
            | ImagingError::Empty { path }
            | ImagingError::UnknownFormat { path }
            | ImagingError::UnsupportedFormat { path, .. }
            | ImagingError::TooLarge { path, .. }
            | ImagingError::FileTooLarge { path, .. }
            | ImagingError::Decode { path, .. }
            | ImagingError::NoPreview { path, .. } => path,
        }
    }
}

/// The container of a photo, sniffed from its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhotoFormat {
    Jpeg,
    Png,
    WebP,
    Tiff,
    Bmp,
    Gif,
    /// HEIF / HEIC (ISO-BMFF with an HEVC or other HEIF brand), decoded by libheif.
    Heif,
    /// A camera RAW file: its embedded JPEG preview is decoded.
    Raw(RawFormat),
}

impl PhotoFormat {
    /// Short upper-case name (`"JPEG"`, `"HEIF"`, `"CR3"`…).
    pub fn name(self) -> &'static str {
        match self {
            PhotoFormat::Jpeg => "JPEG",
            PhotoFormat::Png => "PNG",
            PhotoFormat::WebP => "WebP",
            PhotoFormat::Tiff => "TIFF",
            PhotoFormat::Bmp => "BMP",
            PhotoFormat::Gif => "GIF",
            PhotoFormat::Heif => "HEIF",
            PhotoFormat::Raw(r) => r.name(),
        }
    }

    /// The `image` crate format that decodes it (`None` for HEIF and RAW).
    fn image_format(self) -> Option<ImageFormat> {
        Some(match self {
            PhotoFormat::Jpeg => ImageFormat::Jpeg,
            PhotoFormat::Png => ImageFormat::Png,
            PhotoFormat::WebP => ImageFormat::WebP,
            PhotoFormat::Tiff => ImageFormat::Tiff,
            PhotoFormat::Bmp => ImageFormat::Bmp,
            PhotoFormat::Gif => ImageFormat::Gif,
            PhotoFormat::Heif | PhotoFormat::Raw(_) => return None,
        })
    }
}

impl std::fmt::Display for PhotoFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Every file extension (lower case, no dot) whose photos this build decodes, with the
/// container it names: the project's one photo-extension table. The content is still sniffed
/// from the bytes; the extension only tells a TIFF-based RAW from a plain TIFF (`raw.rs`).
pub const EXTENSION_FORMATS: &[(&str, PhotoFormat)] = &[
    ("jpg", PhotoFormat::Jpeg),
    ("jpeg", PhotoFormat::Jpeg),
    ("jpe", PhotoFormat::Jpeg),
    ("jfif", PhotoFormat::Jpeg),
    ("png", PhotoFormat::Png),
    ("webp", PhotoFormat::WebP),
    ("tif", PhotoFormat::Tiff),
    ("tiff", PhotoFormat::Tiff),
    ("bmp", PhotoFormat::Bmp),
    ("gif", PhotoFormat::Gif),
    ("heic", PhotoFormat::Heif),
    ("heif", PhotoFormat::Heif),
    ("hif", PhotoFormat::Heif),
    ("cr2", PhotoFormat::Raw(RawFormat::Cr2)),
    ("cr3", PhotoFormat::Raw(RawFormat::Cr3)),
    ("nef", PhotoFormat::Raw(RawFormat::Nef)),
    ("nrw", PhotoFormat::Raw(RawFormat::Nef)),
    ("arw", PhotoFormat::Raw(RawFormat::Arw)),
    ("srf", PhotoFormat::Raw(RawFormat::Arw)),
    ("sr2", PhotoFormat::Raw(RawFormat::Arw)),
    ("dng", PhotoFormat::Raw(RawFormat::Dng)),
    ("orf", PhotoFormat::Raw(RawFormat::Orf)),
    ("raf", PhotoFormat::Raw(RawFormat::Raf)),
    ("rw2", PhotoFormat::Raw(RawFormat::Rw2)),
];

/// The extensions of [`EXTENSION_FORMATS`]: what the scanner, the watcher, the CLI and XMP
/// import pick up (through `likeness_scan::ScanOptions`).
pub const PHOTO_EXTENSIONS: &[&str] = &extension_names();

const fn extension_names() -> [&'static str; EXTENSION_FORMATS.len()] {
    let mut names = [""; EXTENSION_FORMATS.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = EXTENSION_FORMATS[i].0;
        i += 1;
    }
    names
}

/// The container a file extension names (case-insensitive; `None` when this build does not
/// decode it).
pub fn format_for_extension(ext: &str) -> Option<PhotoFormat> {
    EXTENSION_FORMATS
        .iter()
        .find(|(e, _)| e.eq_ignore_ascii_case(ext))
        .map(|(_, f)| *f)
}

/// A decoded photo in its upright (EXIF-oriented) frame.
#[derive(Debug, Clone)]
pub struct DecodedPhoto {
    /// Upright RGB pixels; all detections are reported in this frame.
    pub image: RgbImage,
    /// The container found by sniffing the bytes.
    pub format: PhotoFormat,
    /// Width and height as stored in the file (before orientation). For a RAW file, those of
    /// the embedded preview that was decoded.
    pub stored_size: (u32, u32),
    /// EXIF facts (orientation 1 when absent). For HEIF the orientation is informational only:
    /// libheif already applied the container's rotation and mirroring (see `heif.rs`).
    pub exif: ExifInfo,
    /// Upright width and height at full resolution: `image`'s size unless the photo was
    /// decoded reduced (see [`decode_photo_reduced`]).
    pub full_size: (u32, u32),
    /// 1 for a full-resolution decode; 2, 4 or 8 when a JPEG was decoded at that fraction of
    /// its size by DCT scaling (each side `ceil(side / reduction)`).
    pub reduction: u32,
}

/// What [`probe_photo`] learns from a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoProbe {
    pub format: PhotoFormat,
    /// Width and height as stored (RAW: the embedded preview that would be decoded).
    pub stored_size: (u32, u32),
}

/// How to treat the EXIF orientation tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrientationMode {
    /// Rotate/flip into the upright frame (what users see).
    #[default]
    Apply,
    /// Keep the stored pixel order (what the face_recognition reference does). HEIF files are
    /// still decoded with their container transformations (libheif applies them; they are
    /// part of the image, not EXIF metadata).
    Ignore,
}

/// Formats this build decodes through the `image` crate.
pub const SUPPORTED_FORMATS: &[ImageFormat] = &[
    ImageFormat::Jpeg,
    ImageFormat::Png,
    ImageFormat::WebP,
    ImageFormat::Tiff,
    ImageFormat::Bmp,
    ImageFormat::Gif,
];

/// Reads and decodes the photo at `path`, applying EXIF orientation.
pub fn load_photo(path: &Path, limits: &DecodeLimits) -> Result<DecodedPhoto, ImagingError> {
    load_photo_with(path, limits, OrientationMode::Apply)
}

fn read_file(path: &Path, limits: &DecodeLimits) -> Result<Vec<u8>, ImagingError> {
    let io = |source| ImagingError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.len() > limits.max_file_bytes {
        return Err(ImagingError::FileTooLarge {
            path: path.to_path_buf(),
            bytes: meta.len(),
            limit: limits.max_file_bytes,
        });
    }
    std::fs::read(path).map_err(io)
}

/// Reads and decodes the photo at `path` with an explicit orientation mode.
pub fn load_photo_with(
    path: &Path,
    limits: &DecodeLimits,
    mode: OrientationMode,
) -> Result<DecodedPhoto, ImagingError> {
    let bytes = read_file(path, limits)?;
    decode_photo(&bytes, path, limits, mode)
}

/// Sniffs the container of `bytes`; `path` only matters for TIFF-magic files, where a RAW
/// extension (`.nef`, `.arw`…) tells a RAW from an ordinary TIFF (CR2 and DNG are recognised
/// from their bytes). `None` when it is no photo this build knows.
pub fn sniff_photo_format(bytes: &[u8], path: &Path) -> Option<PhotoFormat> {
    if let Some(raw) = raw::sniff(bytes, path) {
        return Some(PhotoFormat::Raw(raw));
    }
    if is_heif(bytes) {
        return Some(PhotoFormat::Heif);
    }
    match image::guess_format(bytes).ok()? {
        ImageFormat::Jpeg => Some(PhotoFormat::Jpeg),
        ImageFormat::Png => Some(PhotoFormat::Png),
        ImageFormat::WebP => Some(PhotoFormat::WebP),
        ImageFormat::Tiff => Some(PhotoFormat::Tiff),
        ImageFormat::Bmp => Some(PhotoFormat::Bmp),
        ImageFormat::Gif => Some(PhotoFormat::Gif),
        _ => None,
    }
}

/// ISO-BMFF `ftyp` with a HEIF major brand (HEVC stills and sequences, and the generic
/// `mif1` / `msf1` brands).
fn is_heif(bytes: &[u8]) -> bool {
    bytes.len() >= 12
        && &bytes[4..8] == b"ftyp"
        && matches!(
            &bytes[8..12],
            b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"mif1" | b"msf1"
        )
}

/// Sniffs the container of `bytes` as the `image` crate sees it (`None` when it is no image
/// the `image` crate knows). Prefer [`sniff_photo_format`], which also knows HEIF and RAW.
pub fn sniff_format(bytes: &[u8]) -> Option<ImageFormat> {
    image::guess_format(bytes).ok()
}

fn unknown_or_unsupported(bytes: &[u8], path: &Path) -> ImagingError {
    match image::guess_format(bytes) {
        Ok(format) => ImagingError::UnsupportedFormat {
            path: path.to_path_buf(),
            format: format!("{format:?}"),
        },
        Err(_) => ImagingError::UnknownFormat {
            path: path.to_path_buf(),
        },
    }
}

fn check_pixels(
    path: &Path,
    (width, height): (u32, u32),
    limits: &DecodeLimits,
) -> Result<(), ImagingError> {
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(ImagingError::TooLarge {
            path: path.to_path_buf(),
            width,
            height,
            limit: limits.max_pixels,
        });
    }
    Ok(())
}

/// Reads only what is needed to know the format and stored size of the photo at `path`, and
/// applies the limits (file size, pixel count) — no pixel is decoded. For formats the `image`
/// crate reads, only the header is read from disk; HEIF and RAW files are read whole (their
/// headers can sit anywhere in the file) but only parsed.
pub fn probe_photo(path: &Path, limits: &DecodeLimits) -> Result<PhotoProbe, ImagingError> {
    let io = |source| ImagingError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.len() > limits.max_file_bytes {
        return Err(ImagingError::FileTooLarge {
            path: path.to_path_buf(),
            bytes: meta.len(),
            limit: limits.max_file_bytes,
        });
    }
    let mut head = Vec::with_capacity(4096);
    std::fs::File::open(path)
        .map_err(io)?
        .take(4096)
        .read_to_end(&mut head)
        .map_err(io)?;
    if head.is_empty() {
        return Err(ImagingError::Empty {
            path: path.to_path_buf(),
        });
    }
    let format =
        sniff_photo_format(&head, path).ok_or_else(|| unknown_or_unsupported(&head, path))?;
    let stored_size = match format {
        PhotoFormat::Heif => heif::probe(&read_file(path, limits)?, path, limits)?.stored,
        PhotoFormat::Raw(kind) => {
            let bytes = read_file(path, limits)?;
            let preview = raw::preview(&bytes, kind, path)?;
            raw::jpeg_frame_size(preview.jpeg).ok_or_else(|| ImagingError::NoPreview {
                path: path.to_path_buf(),
                format: kind.name().to_string(),
            })?
        }
        other => {
            let image_format = other
                .image_format()
                .ok_or_else(|| unknown_or_unsupported(&head, path))?;
            let file = std::fs::File::open(path).map_err(io)?;
            ImageReader::with_format(std::io::BufReader::new(file), image_format)
                .into_dimensions()
                .map_err(|e| ImagingError::Decode {
                    path: path.to_path_buf(),
                    format: other.name().to_string(),
                    message: e.to_string(),
                })?
        }
    };
    check_pixels(path, stored_size, limits)?;
    Ok(PhotoProbe {
        format,
        stored_size,
    })
}

/// Decodes in-memory photo bytes; `path` names the file in errors (and its extension tells
/// TIFF-based RAW files from plain TIFFs).
pub fn decode_photo(
    bytes: &[u8],
    path: &Path,
    limits: &DecodeLimits,
    mode: OrientationMode,
) -> Result<DecodedPhoto, ImagingError> {
    decode_photo_reduced(bytes, path, limits, mode, 0)
}

/// Reads and decodes the photo at `path`, possibly at reduced size: see
/// [`decode_photo_reduced`].
pub fn load_photo_reduced(
    path: &Path,
    limits: &DecodeLimits,
    mode: OrientationMode,
    min_long_side: u32,
) -> Result<DecodedPhoto, ImagingError> {
    let bytes = read_file(path, limits)?;
    decode_photo_reduced(&bytes, path, limits, mode, min_long_side)
}

/// The largest DCT scaling denominator (8, 4 or 2) that keeps the longer side of a
/// `width`×`height` JPEG at least `min_long_side`; 1 when none does or `min_long_side` is 0.
pub fn jpeg_reduction_for(width: u32, height: u32, min_long_side: u32) -> u32 {
    if min_long_side == 0 {
        return 1;
    }
    let long = width.max(height);
    [8, 4, 2]
        .into_iter()
        .find(|d| long.div_ceil(*d) >= min_long_side)
        .unwrap_or(1)
}

/// Like [`decode_photo`], but JPEGs (and the JPEG previews of RAW files) whose longer side is
/// at least twice `min_long_side` are decoded at 1/2, 1/4 or 1/8 of their size by DCT scaling
/// (`jpeg-decoder`'s `Decoder::scale`: the reduced inverse DCT, so the full image is never
/// built), the longer side staying ≥ `min_long_side`. `0` decodes at full resolution, as does
/// any other format, CMYK or 16-bit JPEG, or a JPEG the scaling decoder refuses (the regular
/// decoder then gets its chance). Limits are checked on the full-size header either way.
pub fn decode_photo_reduced(
    bytes: &[u8],
    path: &Path,
    limits: &DecodeLimits,
    mode: OrientationMode,
    min_long_side: u32,
) -> Result<DecodedPhoto, ImagingError> {
    if bytes.is_empty() {
        return Err(ImagingError::Empty {
            path: path.to_path_buf(),
        });
    }
    let format =
        sniff_photo_format(bytes, path).ok_or_else(|| unknown_or_unsupported(bytes, path))?;
    match format {
        PhotoFormat::Heif => {
            let (image, header) = heif::decode(bytes, path, limits)?;
            let exif = exif_info::read(bytes, path);
            tracing::trace!(path = %path.display(), size = ?header.upright, "decoded HEIF");
            Ok(DecodedPhoto {
                full_size: image.dimensions(),
                image,
                format,
                stored_size: header.stored,
                exif,
                reduction: 1,
            })
        }
        PhotoFormat::Raw(kind) => {
            let preview = raw::preview(bytes, kind, path)?;
            let (dynamic, stored_size, reduction) =
                decode_jpeg(preview.jpeg, format, path, limits, min_long_side)?;
            // The preview's own EXIF (if any) only fills facts the RAW lacks; orientation
            // always comes from the RAW.
            let mut preview_exif = exif_info::read(preview.jpeg, path);
            if kind != RawFormat::Raf {
                preview_exif.orientation = Orientation::default();
            }
            let exif = preview.exif.or(preview_exif);
            Ok(finish(
                dynamic,
                format,
                stored_size,
                reduction,
                exif,
                mode,
                path,
            ))
        }
        other => {
            let image_format = other
                .image_format()
                .ok_or_else(|| unknown_or_unsupported(bytes, path))?;
            let (dynamic, stored_size, reduction) = if other == PhotoFormat::Jpeg {
                decode_jpeg(bytes, format, path, limits, min_long_side)?
            } else {
                let (d, size) = decode_with_image(bytes, image_format, format, path, limits)?;
                (d, size, 1)
            };
            let exif = exif_info::read(bytes, path);
            Ok(finish(
                dynamic,
                format,
                stored_size,
                reduction,
                exif,
                mode,
                path,
            ))
        }
    }
}

/// Header check, then a limited decode with the `image` crate.
fn decode_with_image(
    bytes: &[u8],
    image_format: ImageFormat,
    format: PhotoFormat,
    path: &Path,
    limits: &DecodeLimits,
) -> Result<(DynamicImage, (u32, u32)), ImagingError> {
    let decode_err = |e: image::ImageError| ImagingError::Decode {
        path: path.to_path_buf(),
        format: format.name().to_string(),
        message: e.to_string(),
    };
    // Header first: refuse bombs before any pixel buffer is allocated.
    let size = ImageReader::with_format(Cursor::new(bytes), image_format)
        .into_dimensions()
        .map_err(decode_err)?;
    check_pixels(path, size, limits)?;

    let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format);
    let mut decoder_limits = image::Limits::default();
    // RGBA16 is the widest buffer we accept (8 bytes per pixel), plus slack for decoders.
    decoder_limits.max_alloc = Some(limits.max_pixels.saturating_mul(8).saturating_add(64 << 20));
    reader.limits(decoder_limits);
    let decoded = reader.decode().map_err(decode_err)?;
    Ok((decoded, size))
}

/// A JPEG, reduced by DCT scaling when `min_long_side` allows, else in full with the `image`
/// crate. Returns the pixels, the full stored size and the reduction used.
fn decode_jpeg(
    bytes: &[u8],
    format: PhotoFormat,
    path: &Path,
    limits: &DecodeLimits,
    min_long_side: u32,
) -> Result<(DynamicImage, (u32, u32), u32), ImagingError> {
    let decode_err = |e: image::ImageError| ImagingError::Decode {
        path: path.to_path_buf(),
        format: format.name().to_string(),
        message: e.to_string(),
    };
    let size = ImageReader::with_format(Cursor::new(bytes), ImageFormat::Jpeg)
        .into_dimensions()
        .map_err(decode_err)?;
    check_pixels(path, size, limits)?;
    let reduction = jpeg_reduction_for(size.0, size.1, min_long_side);
    if reduction > 1 {
        match jpeg_scaled::decode(bytes, size, reduction, limits) {
            Ok(Some(image)) => return Ok((DynamicImage::ImageRgb8(image), size, reduction)),
            Ok(None) => {}
            Err(e) => {
                tracing::debug!(path = %path.display(), error = %e, "scaled JPEG decode failed; decoding in full");
            }
        }
    }
    let (dynamic, size) = decode_with_image(bytes, ImageFormat::Jpeg, format, path, limits)?;
    Ok((dynamic, size, 1))
}

/// Applies the orientation (unless told not to) and converts to 8-bit RGB.
fn finish(
    mut dynamic: DynamicImage,
    format: PhotoFormat,
    stored_size: (u32, u32),
    reduction: u32,
    exif: ExifInfo,
    mode: OrientationMode,
    path: &Path,
) -> DecodedPhoto {
    let applied = mode == OrientationMode::Apply && exif.orientation.0 != 1;
    if applied {
        if let Some(o) = image::metadata::Orientation::from_exif(exif.orientation.0) {
            dynamic.apply_orientation(o);
        }
    }
    let image = into_rgb8(dynamic);
    let full_size = if reduction == 1 {
        image.dimensions()
    } else if applied && exif.orientation.swaps_axes() {
        (stored_size.1, stored_size.0)
    } else {
        stored_size
    };
    tracing::trace!(path = %path.display(), %format, ?stored_size, reduction, orientation = exif.orientation.0, "decoded");
    DecodedPhoto {
        image,
        format,
        stored_size,
        exif,
        full_size,
        reduction,
    }
}

/// Converts any decoded pixel type to 8-bit RGB (alpha dropped, 16-bit scaled, grey expanded).
fn into_rgb8(image: DynamicImage) -> RgbImage {
    match image {
        DynamicImage::ImageRgb8(rgb) => rgb,
        other => other.to_rgb8(),
    }
}
