//! merge_sidecar: our regions in, everything else byte for byte.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use likeness_xmp::{merge_sidecar, read_xmp, ExportOptions, OwnRegion, XmpError, LIKENESS_NS};

const KW: ExportOptions = ExportOptions { keywords: true };
const NO_KW: ExportOptions = ExportOptions { keywords: false };

fn set_a() -> Vec<OwnRegion> {
    vec![
        own("likeness:1", "Alice", 0.25, 0.3, 0.1, 0.2),
        own("likeness:2", "Bob <B> & \"Co\"", 0.75, 0.5, 0.05, 0.08),
    ]
}

fn set_b() -> Vec<OwnRegion> {
    vec![
        own("likeness:2", "Bob <B> & \"Co\"", 0.7, 0.5, 0.05, 0.08),
        own("likeness:3", "Dave", 0.5, 0.5, 0.2, 0.25),
        own("likeness:4", "Zoë", 0.1, 0.9, 0.1, 0.1),
    ]
}

fn merge(existing: Option<&[u8]>, own: &[OwnRegion], opts: &ExportOptions) -> Vec<u8> {
    merge_sidecar(existing, (4000, 3000), own, opts).unwrap()
}

#[test]
fn new_sidecar_reads_back() {
    let out = merge(None, &set_a(), &KW);
    let t = read_xmp(&out).unwrap();
    assert_eq!(t.applied_to, Some((4000, 3000)));
    assert_eq!(t.regions.len(), 2);
    for (r, o) in t.regions.iter().zip(set_a()) {
        assert_eq!(r.name.as_deref(), Some(o.name.as_str()));
        assert_eq!(r.likeness_face.as_deref(), Some(o.face.as_str()));
        assert!(close(r.area.x, o.area.x) && close(r.area.y, o.area.y));
        assert!(close(r.area.w, o.area.w) && close(r.area.h, o.area.h));
    }
    assert_eq!(t.persons_in_image, vec!["Alice", "Bob <B> & \"Co\""]);
    let s = String::from_utf8(out).unwrap();
    assert!(s.contains(LIKENESS_NS));
    assert!(s.contains("<lr:hierarchicalSubject>") && s.contains("People|Alice"));
}

#[test]
fn merging_twice_changes_nothing() {
    let mut inputs: Vec<Option<Vec<u8>>> = vec![None, Some(Vec::new()), Some(b" \n".to_vec())];
    inputs.extend(
        samples()
            .into_iter()
            .map(|(_, s, _)| Some(s.as_bytes().to_vec())),
    );
    for input in inputs {
        for set in [set_a(), set_b()] {
            for opts in [KW, NO_KW] {
                let once = merge(input.as_deref(), &set, &opts);
                let twice = merge(Some(&once), &set, &opts);
                assert_eq!(
                    String::from_utf8_lossy(&once),
                    String::from_utf8_lossy(&twice),
                    "not idempotent"
                );
            }
        }
    }
}

#[test]
fn foreign_bytes_survive_every_change_and_removal_restores_the_file() {
    for (name, sample, dims) in samples() {
        let m = |existing: &[u8], own: &[OwnRegion], opts: &ExportOptions| {
            merge_sidecar(Some(existing), dims, own, opts).unwrap()
        };
        let a = m(sample.as_bytes(), &set_a(), &KW);
        assert_ne!(a, sample.as_bytes(), "{name}: nothing written");
        let t = read_xmp(&a).unwrap();
        let ours = t
            .regions
            .iter()
            .filter(|r| r.likeness_face.is_some())
            .count();
        assert_eq!(ours, 2, "{name}");
        // Replace our set, switch keywords off, then remove everything of ours: the file must
        // be the original, byte for byte — so nothing outside our elements was ever touched.
        let b = m(&a, &set_b(), &KW);
        let c = m(&b, &set_a(), &NO_KW);
        let gone = m(&c, &[], &NO_KW);
        // The one exception: an empty-element `<rdf:Description …/>` we added to stays an
        // element with an end tag.
        let gone = String::from_utf8(gone)
            .unwrap()
            .replace("\"Red\">\n</rdf:Description>", "\"Red\"/>");
        if name == "hostile" {
            // There was no rdf:Description: the one we added stays (empty).
            assert!(gone.starts_with(&sample[..sample.len() - "</rdf:RDF>".len()]));
            assert!(!gone.contains("likeness.invalid/ns/1.0/\">\n") && !gone.contains("<rdf:li"));
            assert_eq!(read_xmp(gone.as_bytes()).unwrap(), Default::default());
            continue;
        }
        assert_eq!(
            gone, sample,
            "{name}: removing our faces did not restore the original"
        );
    }
}

#[test]
fn foreign_regions_are_kept_verbatim() {
    let out = String::from_utf8(merge(Some(EXIFTOOL_STYLE.as_bytes()), &set_b(), &KW)).unwrap();
    let dave_li = &EXIFTOOL_STYLE[EXIFTOOL_STYLE
        .find("<rdf:li rdf:parseType='Resource'>")
        .unwrap()
        ..EXIFTOOL_STYLE.find("</rdf:li>\n    </rdf:Bag>").unwrap() + 9];
    assert!(out.contains(dave_li));
    let t = read_xmp(out.as_bytes()).unwrap();
    assert_eq!(t.regions.len(), 4);
    assert_eq!(t.regions[0].name.as_deref(), Some("Dave"));
    assert_eq!(t.regions[0].likeness_face, None);
    // Dave was there before: a foreign name is kept, and not claimed as ours.
    assert_eq!(t.persons_in_image, vec!["Dave", "Bob <B> & \"Co\"", "Zoë"]);
    let removed = merge(Some(out.as_bytes()), &[], &KW);
    assert_eq!(read_xmp(&removed).unwrap().persons_in_image, vec!["Dave"]);
}

#[test]
fn person_names_we_added_go_when_our_faces_go() {
    let a = merge(None, &set_a(), &NO_KW);
    let only_alice = merge(Some(&a), &set_a()[..1], &NO_KW);
    let t = read_xmp(&only_alice).unwrap();
    assert_eq!(t.persons_in_image, vec!["Alice"]);
    assert_eq!(t.regions.len(), 1);
}

#[test]
fn applied_to_dimensions_follow_the_photo() {
    let out = merge_sidecar(
        Some(EXIFTOOL_STYLE.as_bytes()),
        (3000, 2000),
        &set_a(),
        &NO_KW,
    )
    .unwrap();
    assert_eq!(read_xmp(&out).unwrap().applied_to, Some((3000, 2000)));
    // Same dims as the file: the foreign element stays as it is.
    let out = merge(Some(EXIFTOOL_STYLE.as_bytes()), &set_a(), &NO_KW);
    assert!(String::from_utf8(out)
        .unwrap()
        .contains("<stDim:h>3000</stDim:h>"));
}

#[test]
fn areas_are_clipped_to_the_image() {
    let out = merge(
        None,
        &[own("likeness:9", "Edge", 0.02, 0.5, 0.1, 0.2)],
        &NO_KW,
    );
    let r = &read_xmp(&out).unwrap().regions[0];
    assert!(
        close(r.area.x, 0.035) && close(r.area.w, 0.07),
        "{:?}",
        r.area
    );
}

#[test]
fn hostile_prefixes_get_fresh_ones() {
    let out = merge(Some(HOSTILE_PREFIXES.as_bytes()), &set_a(), &KW);
    let s = String::from_utf8(out.clone()).unwrap();
    assert!(s.starts_with('\u{feff}'));
    assert!(
        s.contains("xmlns:likeness1=\"https://likeness.invalid/ns/1.0/\""),
        "{s}"
    );
    let t = read_xmp(&out).unwrap();
    assert_eq!(t.regions.len(), 2);
    assert!(t.regions.iter().all(|r| r.likeness_face.is_some()));
}

#[test]
fn broken_existing_files_are_errors_not_overwrites() {
    for bad in ["<x:xmpmeta", "<a/>", "\u{0}\u{1}garbage"] {
        let e = merge_sidecar(Some(bad.as_bytes()), (10, 10), &set_a(), &KW).unwrap_err();
        assert!(matches!(e, XmpError::Malformed { .. }), "{bad:?}: {e:?}");
    }
    let e = merge_sidecar(Some(&[0xff, 0xfe, 0x3c]), (10, 10), &set_a(), &KW).unwrap_err();
    assert_eq!(e.code(), "malformed");
}
