//! HEIF / HEIC decoding with the system libheif (Debian 12: 1.15.1) through `libheif-rs` 0.18,
//! the last release whose `libheif-sys` (1.14.x) accepts libheif < 1.17.
//!
//! **Orientation.** libheif applies the container's `irot` (rotation) and `imir` (mirror)
//! transformations while decoding, so the pixels we get are already upright. HEIF writers
//! (Apple's included) *also* copy the rotation into the EXIF `Orientation` tag; applying
//! that as well would rotate twice. So for HEIF the EXIF orientation is reported in
//! [`crate::ExifInfo`] but never applied: the container's transformations are the only ones.
//! (libheif-rs 0.18 frees its `DecodingOptions` before passing them to libheif, so we never
//! pass any: transformations stay on and decoding asks for 8-bit interleaved RGB, which
//! libheif's colour conversion produces from 8- and 10-bit streams alike.)

use std::path::Path;

use image::RgbImage;
use libheif_rs::{ColorSpace, HeifContext, RgbChroma};

use crate::{DecodeLimits, ImagingError};

const FORMAT: &str = "HEIF";

fn err(path: &Path, message: impl std::fmt::Display) -> ImagingError {
    ImagingError::Decode {
        path: path.to_path_buf(),
        format: FORMAT.to_string(),
        message: message.to_string(),
    }
}

/// Header facts of the primary image: stored size (`ispe`, before transformations) and the
/// displayed size (after `irot`/`imir`).
pub(crate) struct HeifHeader {
    pub stored: (u32, u32),
    pub upright: (u32, u32),
}

fn header(ctx: &HeifContext, path: &Path) -> Result<HeifHeader, ImagingError> {
    let handle = ctx.primary_image_handle().map_err(|e| err(path, e))?;
    let upright = (handle.width(), handle.height());
    let ispe = (handle.ispe_width(), handle.ispe_height());
    let stored = match (u32::try_from(ispe.0), u32::try_from(ispe.1)) {
        (Ok(w), Ok(h)) if w > 0 && h > 0 => (w, h),
        _ => upright,
    };
    Ok(HeifHeader { stored, upright })
}

fn check_limits(h: &HeifHeader, path: &Path, limits: &DecodeLimits) -> Result<(), ImagingError> {
    for (width, height) in [h.stored, h.upright] {
        if u64::from(width) * u64::from(height) > limits.max_pixels {
            return Err(ImagingError::TooLarge {
                path: path.to_path_buf(),
                width,
                height,
                limit: limits.max_pixels,
            });
        }
    }
    Ok(())
}

/// Reads the header only and applies the pixel limit.
pub(crate) fn probe(
    bytes: &[u8],
    path: &Path,
    limits: &DecodeLimits,
) -> Result<HeifHeader, ImagingError> {
    let ctx = HeifContext::read_from_bytes(bytes).map_err(|e| err(path, e))?;
    let h = header(&ctx, path)?;
    check_limits(&h, path, limits)?;
    Ok(h)
}

/// Decodes the primary image, upright (container transformations applied), as 8-bit RGB.
/// The pixel limit is checked on the header before anything is decoded.
pub(crate) fn decode(
    bytes: &[u8],
    path: &Path,
    limits: &DecodeLimits,
) -> Result<(RgbImage, HeifHeader), ImagingError> {
    // `bytes` outlives `ctx` (the context reads from it without copying).
    let ctx = HeifContext::read_from_bytes(bytes).map_err(|e| err(path, e))?;
    let h = header(&ctx, path)?;
    check_limits(&h, path, limits)?;
    let handle = ctx.primary_image_handle().map_err(|e| err(path, e))?;
    let image = handle
        .decode(ColorSpace::Rgb(RgbChroma::Rgb), None)
        .map_err(|e| err(path, e))?;
    let planes = image.planes();
    let plane = planes
        .interleaved
        .ok_or_else(|| err(path, "no interleaved RGB plane after decoding"))?;
    if plane.storage_bits_per_pixel != 24 {
        return Err(err(
            path,
            format!(
                "unexpected {} bits per interleaved pixel",
                plane.storage_bits_per_pixel
            ),
        ));
    }
    let (w, h_px) = (plane.width, plane.height);
    let row = w as usize * 3;
    let mut raw = Vec::with_capacity(row * h_px as usize);
    for y in 0..h_px as usize {
        let start = y * plane.stride;
        let line = plane
            .data
            .get(start..start + row)
            .ok_or_else(|| err(path, "decoded plane shorter than its size"))?;
        raw.extend_from_slice(line);
    }
    let rgb = RgbImage::from_raw(w, h_px, raw)
        .ok_or_else(|| err(path, "decoded plane does not match its size"))?;
    Ok((rgb, h))
}
