//! Hostile and broken input: refused with a typed error, never a panic.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use likeness_xmp::{
    jpeg_xmp_packet, merge_into_jpeg, merge_sidecar, read_xmp, ExportOptions, XmpError,
    MAX_XMP_BYTES,
};

const BILLION_LAUGHS: &str = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>&lol9;</dc:title></rdf:Description>
</rdf:RDF></x:xmpmeta>"#;

fn opts() -> ExportOptions {
    ExportOptions { keywords: true }
}

#[test]
fn billion_laughs_and_external_entities_are_forbidden() {
    let xxe = r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description>&e;</rdf:Description></rdf:RDF>"#;
    for p in [BILLION_LAUGHS, xxe] {
        let e = read_xmp(p.as_bytes()).unwrap_err();
        assert!(matches!(e, XmpError::Forbidden { .. }), "{e:?}");
        let e = merge_sidecar(Some(p.as_bytes()), (1, 1), &[], &opts()).unwrap_err();
        assert_eq!(e.code(), "forbidden");
        assert!(e.to_string().contains("DOCTYPE"), "{e}");
    }
    // An undeclared entity in text or in an attribute, without any DOCTYPE.
    let undeclared = EXIFTOOL_STYLE.replace(">Dave<", ">&lol;<");
    assert!(matches!(
        read_xmp(undeclared.as_bytes()),
        Err(XmpError::Forbidden { .. })
    ));
    let in_attr = PICASA_STYLE.replace("\"Erin\"", "\"&lol;\"");
    assert!(matches!(
        read_xmp(in_attr.as_bytes()),
        Err(XmpError::Forbidden { .. })
    ));
}

#[test]
fn a_20_mb_file_is_refused_before_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.jpg.xmp");
    let mut big = EXIFTOOL_STYLE.replace("<?xpacket end='w'?>", "");
    big.push_str(&" ".repeat(20 * 1000 * 1000));
    std::fs::write(&path, &big).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > MAX_XMP_BYTES);
    match read_xmp(&bytes) {
        Err(XmpError::TooLarge { bytes: n, limit }) => {
            assert_eq!((n, limit), (bytes.len(), MAX_XMP_BYTES))
        }
        other => panic!("{other:?}"),
    }
    let e = merge_sidecar(
        Some(&bytes),
        (1, 1),
        &[own("f", "A", 0.5, 0.5, 0.1, 0.1)],
        &opts(),
    );
    assert_eq!(e.unwrap_err().code(), "too_large");
}

#[test]
fn deep_nesting_is_refused() {
    let depth = 10_000;
    let deep = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
    assert!(matches!(
        read_xmp(deep.as_bytes()),
        Err(XmpError::Forbidden { .. })
    ));
}

#[test]
fn truncated_packets_never_panic() {
    for (name, sample, dims) in samples() {
        let b = sample.as_bytes();
        for cut in 0..b.len() {
            let part = &b[..cut];
            let _ = read_xmp(part);
            if let Ok(out) = merge_sidecar(
                Some(part),
                dims,
                &[own("f", "A", 0.5, 0.5, 0.1, 0.1)],
                &opts(),
            ) {
                // Whatever we accept, we leave readable.
                read_xmp(&out).unwrap_or_else(|e| panic!("{name} cut at {cut}: {e}"));
            }
        }
    }
}

#[test]
fn randomly_mutated_packets_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let alphabet: &[u8] =
        b"<>/=\"' &;:#x!?-[]rdf:liBagDescriptionparseTypeResource\n\xff\xfe\x00\xc3\xa7";
    let own_regions = [own("likeness:1", "A", 0.5, 0.5, 0.1, 0.1)];
    let mut accepted = 0;
    for i in 0..6000 {
        let samples = samples();
        let (_, sample, dims) = samples[i % samples.len()];
        let mut b = sample.as_bytes().to_vec();
        for _ in 0..1 + rng.below(4) {
            if b.is_empty() {
                break;
            }
            let at = rng.below(b.len());
            match rng.below(4) {
                0 => b[at] = alphabet[rng.below(alphabet.len())],
                1 => {
                    b.remove(at);
                }
                2 => b.insert(at, alphabet[rng.below(alphabet.len())]),
                _ => {
                    let end = (at + rng.below(40)).min(b.len());
                    b.drain(at..end);
                }
            }
        }
        let _ = read_xmp(&b);
        if let Ok(out) = merge_sidecar(Some(&b), dims, &own_regions, &opts()) {
            accepted += 1;
            let t = read_xmp(&out).unwrap_or_else(|e| {
                panic!(
                    "merge accepted a mutant but wrote unreadable XMP: {e}\n{}",
                    String::from_utf8_lossy(&out)
                )
            });
            assert!(t
                .regions
                .iter()
                .any(|r| r.likeness_face.as_deref() == Some("likeness:1")));
        }
    }
    assert!(
        accepted > 100,
        "too few mutants parsed ({accepted}): the test is not testing merges"
    );
}

#[test]
fn broken_jpegs_never_panic() {
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x30];
    jpeg.extend_from_slice(b"http://ns.adobe.com/xap/1.0/\0<a/>");
    jpeg.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 1, 2, 3, 0xFF, 0xD9]);
    let mut rng = Rng(42);
    for cut in 0..jpeg.len() {
        let _ = jpeg_xmp_packet(&jpeg[..cut]);
        let _ = merge_into_jpeg(&jpeg[..cut], (1, 1), &[], &opts());
    }
    for _ in 0..2000 {
        let mut j = jpeg.clone();
        let at = rng.below(j.len());
        j[at] = rng.next() as u8;
        let _ = jpeg_xmp_packet(&j);
        let _ = merge_into_jpeg(&j, (1, 1), &[own("f", "A", 0.5, 0.5, 0.1, 0.1)], &opts());
    }
    assert_eq!(jpeg_xmp_packet(b"GIF89a").unwrap_err().code(), "not_jpeg");
}
