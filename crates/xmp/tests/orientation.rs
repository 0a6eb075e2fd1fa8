//! Orientation transforms: inverse of each other for all 8 EXIF orientations, and in
//! agreement with the image crate's own application of the orientation to pixels.
#![allow(clippy::unwrap_used)]

mod common;
use common::Rng;
use image::metadata::Orientation;
use image::{DynamicImage, GenericImageView, Rgb, RgbImage};
use likeness_xmp::{oriented_box_to_stored_area, stored_area_to_oriented_box, NormArea};

#[test]
fn oriented_to_stored_to_oriented_is_identity() {
    let mut rng = Rng(7);
    for o in 1..=8u16 {
        for _ in 0..2000 {
            let dims = (1 + rng.below(6000) as u32, 1 + rng.below(6000) as u32);
            let (w, h) = (f64::from(dims.0), f64::from(dims.1));
            let x1 = rng.unit() * w;
            let y1 = rng.unit() * h;
            let b = [
                x1,
                y1,
                x1 + rng.unit() * (w - x1),
                y1 + rng.unit() * (h - y1),
            ];
            let a = oriented_box_to_stored_area(b, dims, o);
            assert!(
                a.w >= 0.0
                    && a.h >= 0.0
                    && (0.0..=1.0).contains(&a.x)
                    && (0.0..=1.0).contains(&a.y)
            );
            let back = stored_area_to_oriented_box(&a, dims, o);
            for k in 0..4 {
                assert!(
                    (back[k] - b[k]).abs() < 1e-6 * w.max(h),
                    "o={o} {b:?} → {a:?} → {back:?}"
                );
            }
            // and the other way round
            let a2 = oriented_box_to_stored_area(back, dims, o);
            assert!((a2.x - a.x).abs() < 1e-9 && (a2.w - a.w).abs() < 1e-9);
        }
    }
}

/// Paints a rectangle in a stored-frame image, lets the image crate apply the orientation,
/// finds the rectangle in the upright image and compares with our transform.
#[test]
fn agrees_with_the_image_crate_on_real_pixels() {
    let (sw, sh) = (40u32, 30u32);
    let (x1, y1, x2, y2) = (5u32, 3u32, 17u32, 11u32); // stored-frame pixels, exclusive end
    let mut img = RgbImage::new(sw, sh);
    for y in y1..y2 {
        for x in x1..x2 {
            img.put_pixel(x, y, Rgb([255, 255, 255]));
        }
    }
    let stored_area = NormArea {
        x: f64::from(x1 + x2) / 2.0 / f64::from(sw),
        y: f64::from(y1 + y2) / 2.0 / f64::from(sh),
        w: f64::from(x2 - x1) / f64::from(sw),
        h: f64::from(y2 - y1) / f64::from(sh),
    };
    for o in 1..=8u16 {
        let mut up = DynamicImage::ImageRgb8(img.clone());
        up.apply_orientation(Orientation::from_exif(o as u8).unwrap());
        let (ow, oh) = up.dimensions();
        let (mut bx1, mut by1, mut bx2, mut by2) = (u32::MAX, u32::MAX, 0, 0);
        for (x, y, p) in up.pixels() {
            if p[0] > 128 {
                bx1 = bx1.min(x);
                by1 = by1.min(y);
                bx2 = bx2.max(x + 1);
                by2 = by2.max(y + 1);
            }
        }
        let want = [bx1, by1, bx2, by2].map(f64::from);
        let got = stored_area_to_oriented_box(&stored_area, (ow, oh), o);
        for k in 0..4 {
            assert!(
                (got[k] - want[k]).abs() < 1e-9,
                "orientation {o}: {got:?} vs {want:?}"
            );
        }
        let a = oriented_box_to_stored_area(want, (ow, oh), o);
        assert!(
            (a.x - stored_area.x).abs() < 1e-12 && (a.h - stored_area.h).abs() < 1e-12,
            "o={o}"
        );
    }
}
