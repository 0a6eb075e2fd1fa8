//! Likeness imaging: turn a photo file into an upright RGB image.
//!
//! The job: sniff the container from the bytes (never trust the extension), refuse
//! decompression bombs before allocating, decode with the `image` crate, read EXIF with
//! `kamadak-exif` and apply its orientation, so that everything downstream works in the
//! *oriented* frame. This crate knows nothing about faces, models, catalogs or UIs.
//!
//! Every error names the file it is about ([`ImagingError::path`]).

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::{DynamicImage, ImageFormat, ImageReader, RgbImage};

mod exif_info;

pub use exif_info::{ExifInfo, Orientation};

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
            | ImagingError::Decode { path, .. } => path,
        }
    }
}

/// A decoded photo in its upright (EXIF-oriented) frame.
#[derive(Debug, Clone)]
pub struct DecodedPhoto {
    /// Upright RGB pixels; all detections are reported in this frame.
    pub image: RgbImage,
    /// The container found by sniffing the bytes.
    pub format: ImageFormat,
    /// Width and height as stored in the file (before orientation).
    pub stored_size: (u32, u32),
    /// EXIF facts (orientation 1 when absent).
    pub exif: ExifInfo,
}

/// How to treat the EXIF orientation tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrientationMode {
    /// Rotate/flip into the upright frame (what users see).
    #[default]
    Apply,
    /// Keep the stored pixel order (what the face_recognition reference does).
    Ignore,
}

/// Formats this build decodes.
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

/// Reads and decodes the photo at `path` with an explicit orientation mode.
pub fn load_photo_with(
    path: &Path,
    limits: &DecodeLimits,
    mode: OrientationMode,
) -> Result<DecodedPhoto, ImagingError> {
    let meta = std::fs::metadata(path).map_err(|source| ImagingError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.len() > limits.max_file_bytes {
        return Err(ImagingError::FileTooLarge {
            path: path.to_path_buf(),
            bytes: meta.len(),
            limit: limits.max_file_bytes,
        });
    }
    let bytes = std::fs::read(path).map_err(|source| ImagingError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    decode_photo(&bytes, path, limits, mode)
}

/// Sniffs the container of `bytes` (`None` when it is no image this build knows).
pub fn sniff_format(bytes: &[u8]) -> Option<ImageFormat> {
    image::guess_format(bytes).ok()
}

/// Decodes in-memory photo bytes; `path` is only used to name the file in errors.
pub fn decode_photo(
    bytes: &[u8],
    path: &Path,
    limits: &DecodeLimits,
    mode: OrientationMode,
) -> Result<DecodedPhoto, ImagingError> {
    let path_buf = || path.to_path_buf();
    if bytes.is_empty() {
        return Err(ImagingError::Empty { path: path_buf() });
    }
    let format =
        sniff_format(bytes).ok_or_else(|| ImagingError::UnknownFormat { path: path_buf() })?;
    if !SUPPORTED_FORMATS.contains(&format) {
        return Err(ImagingError::UnsupportedFormat {
            path: path_buf(),
            format: format!("{format:?}"),
        });
    }
    let decode_err = |e: image::ImageError| ImagingError::Decode {
        path: path_buf(),
        format: format!("{format:?}"),
        message: e.to_string(),
    };

    // Header first: refuse bombs before any pixel buffer is allocated.
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(decode_err)?;
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(ImagingError::TooLarge {
            path: path_buf(),
            width,
            height,
            limit: limits.max_pixels,
        });
    }

    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut decoder_limits = image::Limits::default();
    // RGBA16 is the widest buffer we accept (8 bytes per pixel), plus slack for decoders.
    decoder_limits.max_alloc = Some(limits.max_pixels.saturating_mul(8).saturating_add(64 << 20));
    reader.limits(decoder_limits);
    let decoded = reader.decode().map_err(decode_err)?;

    let exif = exif_info::read(bytes, path);
    let mut dynamic: DynamicImage = decoded;
    if mode == OrientationMode::Apply && exif.orientation.0 != 1 {
        if let Some(o) = image::metadata::Orientation::from_exif(exif.orientation.0) {
            dynamic.apply_orientation(o);
        }
    }
    let image = into_rgb8(dynamic);
    tracing::trace!(path = %path.display(), ?format, width, height, orientation = exif.orientation.0, "decoded");
    Ok(DecodedPhoto {
        image,
        format,
        stored_size: (width, height),
        exif,
    })
}

/// Converts any decoded pixel type to 8-bit RGB (alpha dropped, 16-bit scaled, grey expanded).
fn into_rgb8(image: DynamicImage) -> RgbImage {
    match image {
        DynamicImage::ImageRgb8(rgb) => rgb,
        other => other.to_rgb8(),
    }
}
