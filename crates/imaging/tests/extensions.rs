//! The one photo-extension list (`PHOTO_EXTENSIONS`, from `EXTENSION_FORMATS`) against what
//! the decoder really does: for every listed extension a file of the format it names, saved
//! under that extension, is probed as that format and decodes; and every format the decoder
//! knows has an extension, so the scanner never leaves a decodable kind of photo out.

#![allow(clippy::print_stdout)] // prints what it checked

mod common;

use std::path::Path;

use common::containers::{cr3, raf, tiff_raw, TiffRaw};
use common::{heif_enc, jpeg_bytes, temp_dir};
use image::{ImageFormat, RgbImage};
use likeness_imaging::{
    format_for_extension, load_photo, probe_photo, DecodeLimits, PhotoFormat, RawFormat,
    EXTENSION_FORMATS, PHOTO_EXTENSIONS,
};

/// A small picture with some structure (a gradient), 64×48.
fn picture() -> RgbImage {
    RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 5) as u8, ((x + y) * 2) as u8])
    })
}

fn encoded(img: &RgbImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), format)
        .unwrap_or_else(|e| panic!("encode {format:?}: {e}"));
    out
}

/// The bytes of a file in `format`, made in `dir`.
fn sample(dir: &Path, format: PhotoFormat) -> Vec<u8> {
    let img = picture();
    let jpeg = jpeg_bytes(&img);
    let thumb = jpeg_bytes(&image::imageops::thumbnail(&img, 16, 12));
    match format {
        PhotoFormat::Jpeg => jpeg,
        PhotoFormat::Png => encoded(&img, ImageFormat::Png),
        PhotoFormat::WebP => encoded(&img, ImageFormat::WebP),
        PhotoFormat::Tiff => encoded(&img, ImageFormat::Tiff),
        PhotoFormat::Bmp => encoded(&img, ImageFormat::Bmp),
        PhotoFormat::Gif => encoded(&img, ImageFormat::Gif),
        PhotoFormat::Heif => {
            let png = dir.join("source.png");
            img.save(&png).expect("png");
            let heic = dir.join("source.heic");
            heif_enc(&png, &heic, &[]);
            std::fs::read(&heic).expect("read heic")
        }
        PhotoFormat::Raw(kind) => match kind {
            RawFormat::Cr2 => tiff_raw(TiffRaw::Cr2, &jpeg, &thumb, 1),
            RawFormat::Nef => tiff_raw(TiffRaw::Nef, &jpeg, &thumb, 1),
            RawFormat::Arw => tiff_raw(TiffRaw::Arw, &jpeg, &thumb, 1),
            RawFormat::Dng => tiff_raw(TiffRaw::Dng, &jpeg, &thumb, 1),
            RawFormat::Orf => tiff_raw(TiffRaw::Orf, &jpeg, &thumb, 1),
            RawFormat::Rw2 => tiff_raw(TiffRaw::Rw2, &jpeg, &thumb, 1),
            RawFormat::Raf => raf(&jpeg),
            RawFormat::Cr3 => cr3(&jpeg, &thumb, 1),
        },
    }
}

#[test]
fn every_listed_extension_names_a_format_the_decoder_probes_and_decodes() {
    let dir = temp_dir("extensions");
    assert_eq!(PHOTO_EXTENSIONS.len(), EXTENSION_FORMATS.len());
    let mut checked = Vec::new();
    for (ext, (table_ext, format)) in PHOTO_EXTENSIONS.iter().zip(EXTENSION_FORMATS) {
        assert_eq!(ext, table_ext);
        assert_eq!(*ext, ext.to_ascii_lowercase(), "extensions are lower case");
        assert_eq!(format_for_extension(ext), Some(*format));
        assert_eq!(
            format_for_extension(&ext.to_ascii_uppercase()),
            Some(*format)
        );
        let path = dir.join(format!("sample.{ext}"));
        std::fs::write(&path, sample(&dir, *format)).expect("write sample");
        let probe = probe_photo(&path, &DecodeLimits::default())
            .unwrap_or_else(|e| panic!(".{ext}: probe: {e}"));
        assert_eq!(probe.format, *format, ".{ext}");
        let photo = load_photo(&path, &DecodeLimits::default())
            .unwrap_or_else(|e| panic!(".{ext}: decode: {e}"));
        assert_eq!(photo.format, *format, ".{ext}");
        assert_eq!(photo.image.dimensions(), (64, 48), ".{ext}");
        checked.push(*ext);
    }
    println!("decoded a sample for each of {checked:?}");
    let mut unique = checked.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), checked.len(), "an extension is listed twice");
}

#[test]
fn every_decodable_format_has_an_extension() {
    let all = [
        PhotoFormat::Jpeg,
        PhotoFormat::Png,
        PhotoFormat::WebP,
        PhotoFormat::Tiff,
        PhotoFormat::Bmp,
        PhotoFormat::Gif,
        PhotoFormat::Heif,
        PhotoFormat::Raw(RawFormat::Cr2),
        PhotoFormat::Raw(RawFormat::Cr3),
        PhotoFormat::Raw(RawFormat::Nef),
        PhotoFormat::Raw(RawFormat::Arw),
        PhotoFormat::Raw(RawFormat::Dng),
        PhotoFormat::Raw(RawFormat::Orf),
        PhotoFormat::Raw(RawFormat::Raf),
        PhotoFormat::Raw(RawFormat::Rw2),
    ];
    for format in all {
        assert!(
            EXTENSION_FORMATS.iter().any(|(_, f)| *f == format),
            "{} has no extension in PHOTO_EXTENSIONS",
            format.name()
        );
    }
    assert_eq!(format_for_extension("txt"), None);
    assert_eq!(format_for_extension("xmp"), None);
}
