//! Embedding into a JPEG: only the XMP APP1 segment changes; exiftool reads the regions and
//! every other tag as before; the pixels decode identically.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use likeness_xmp::{
    jpeg_xmp_packet, merge_into_jpeg, read_xmp, ExportOptions, OwnRegion, XmpError,
};
use serde_json::Value as J;
use std::path::Path;

const XMP_ID: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";

/// The JPEG with its standard XMP segment cut out (an independent little parser).
fn without_xmp(jpeg: &[u8]) -> Vec<u8> {
    let mut i = 2;
    while i + 4 <= jpeg.len() && jpeg[i] == 0xFF && jpeg[i + 1] != 0xDA {
        let len = u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]) as usize;
        if jpeg[i + 1] == 0xE1 && jpeg[i + 4..].starts_with(XMP_ID) {
            let mut out = jpeg[..i].to_vec();
            out.extend_from_slice(&jpeg[i + 2 + len..]);
            return out;
        }
        i += 2 + len;
    }
    jpeg.to_vec()
}

fn all_tags(path: &Path) -> serde_json::Map<String, J> {
    let s = exiftool(&["-j", "-a", "-G1", "-struct", path.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_str(&s).unwrap();
    v[0].as_object().unwrap().clone()
}

fn regions() -> Vec<OwnRegion> {
    vec![
        own("likeness:1", "Barack Obama", 0.52, 0.33, 0.3, 0.22),
        own("likeness:2", "Émile", 0.1, 0.9, 0.05, 0.04),
    ]
}

fn check_embedding(name: &str, original: &[u8], dims: (u32, u32)) {
    let opts = ExportOptions { keywords: true };
    let out = merge_into_jpeg(original, dims, &regions(), &opts).unwrap();
    // Only the XMP segment differs.
    assert_eq!(
        without_xmp(&out),
        without_xmp(original),
        "{name}: bytes outside XMP changed"
    );
    let a = image::load_from_memory(original).unwrap().to_rgb8();
    let b = image::load_from_memory(&out).unwrap().to_rgb8();
    assert!(a == b, "{name}: pixels differ");
    // Our packet reads back; merging again changes nothing.
    let t = read_xmp(&jpeg_xmp_packet(&out).unwrap().unwrap()).unwrap();
    assert_eq!(
        t.regions
            .iter()
            .filter(|r| r.likeness_face.is_some())
            .count(),
        2
    );
    assert_eq!(merge_into_jpeg(&out, dims, &regions(), &opts).unwrap(), out);
    // Removing our faces gives the original file back when it had a packet.
    let removed = merge_into_jpeg(&out, dims, &[], &opts).unwrap();
    if jpeg_xmp_packet(original).unwrap().is_some() {
        assert!(
            removed == original,
            "{name}: removing our faces did not restore the file"
        );
    }

    if !have_exiftool() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (p0, p1) = (dir.path().join("before.jpg"), dir.path().join("after.jpg"));
    std::fs::write(&p0, original).unwrap();
    likeness_xmp::write_atomic(&p1, &out).unwrap();
    let (mut before, mut after) = (all_tags(&p0), all_tags(&p1));
    let info = &after["XMP-mwg-rs:RegionInfo"];
    let list = info["RegionList"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{name}");
    assert_eq!(list[0]["Name"], "Barack Obama");
    assert!(close(list[0]["Area"]["X"].as_f64().unwrap(), 0.52));
    assert!(close(list[1]["Area"]["H"].as_f64().unwrap(), 0.04));
    assert_eq!(info["AppliedToDimensions"]["W"], dims.0);
    // Every other tag exiftool sees is unchanged.
    let ours = |k: &String| {
        k.starts_with("XMP-mwg-rs:")
            || k.starts_with("XMP-likeness:")
            || k.starts_with("System:")
            || k.starts_with("ExifTool:")
            || k == "SourceFile"
            || k == "XMP-iptcExt:PersonInImage"
            || k == "XMP-dc:Subject"
            || k == "XMP-lr:HierarchicalSubject"
            || k == "XMP-x:XMPToolkit"
            || k.starts_with("File:")
    };
    before.retain(|k, _| !ours(k));
    after.retain(|k, _| !ours(k));
    assert_eq!(
        J::Object(after),
        J::Object(before),
        "{name}: other tags changed"
    );
}

#[test]
fn embedding_into_a_reference_photo_with_adobe_xmp() {
    let Some(refdir) = likeness_testdata::reference_dir() else {
        return;
    };
    let path = refdir.join("images/face_recognition_test_images/obama.jpg");
    let original = std::fs::read(&path).unwrap();
    assert!(
        jpeg_xmp_packet(&original).unwrap().is_some(),
        "expected Photoshop's XMP packet"
    );
    check_embedding("obama.jpg", &original, (910, 1137));
}

#[test]
fn embedding_into_a_jpeg_without_xmp() {
    let img = image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 5) as u8, 77])
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode_image(&img)
        .unwrap();
    assert!(jpeg_xmp_packet(&jpeg).unwrap().is_none());
    check_embedding("generated", &jpeg, (64, 48));
}

#[test]
fn a_packet_too_big_for_one_segment_is_refused() {
    let img = image::RgbImage::new(8, 8);
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new(&mut jpeg)
        .encode_image(&img)
        .unwrap();
    let many: Vec<OwnRegion> = (0..400)
        .map(|i| {
            own(
                &format!("likeness:{i}"),
                &format!("Person number {i}"),
                0.5,
                0.5,
                0.1,
                0.1,
            )
        })
        .collect();
    let e = merge_into_jpeg(&jpeg, (8, 8), &many, &ExportOptions::default()).unwrap_err();
    assert!(matches!(e, XmpError::TooLarge { .. }), "{e:?}");
}
