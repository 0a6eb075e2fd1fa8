//! Reduced-size JPEG decoding by DCT scaling with `jpeg-decoder` (`Decoder::scale`): the
//! inverse DCT runs at 4×4, 2×2 or 1×1 per 8×8 block, so a 1/4 decode of a 24 MP photo
//! costs a fraction of the time and never allocates the full-size image. (`zune-jpeg`, which
//! the `image` crate uses for full decodes, has no scaled decoding.)

use std::io::Cursor;

use image::RgbImage;
use jpeg_decoder::{Decoder, PixelFormat};

use crate::DecodeLimits;

/// Decodes at `1/reduction` (2, 4 or 8) of `size`. `Ok(None)` when the pixel format is not one
/// we take from this decoder (CMYK and 16-bit go to the regular decoder).
pub(crate) fn decode(
    bytes: &[u8],
    size: (u32, u32),
    reduction: u32,
    limits: &DecodeLimits,
) -> Result<Option<RgbImage>, jpeg_decoder::Error> {
    let mut decoder = Decoder::new(Cursor::new(bytes));
    decoder.set_max_decoding_buffer_size(
        usize::try_from(limits.max_pixels.saturating_mul(3)).unwrap_or(usize::MAX),
    );
    decoder.read_info()?;
    let Some(info) = decoder.info() else {
        return Ok(None);
    };
    if !matches!(info.pixel_format, PixelFormat::L8 | PixelFormat::RGB24) {
        return Ok(None);
    }
    let want = |side: u32| u16::try_from(side.div_ceil(reduction)).unwrap_or(u16::MAX);
    let (w, h) = decoder.scale(want(size.0), want(size.1))?;
    let pixels = decoder.decode()?;
    let (w, h) = (u32::from(w), u32::from(h));
    let rgb = match info.pixel_format {
        PixelFormat::RGB24 => pixels,
        _ => pixels.iter().flat_map(|&l| [l, l, l]).collect(),
    };
    Ok(RgbImage::from_raw(w, h, rgb))
}
