//! read_xmp over the RDF forms real tools write.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use likeness_xmp::{read_xmp, RegionKind, RegionSource, XmpError};

#[test]
fn reads_exiftool_element_form() {
    let t = read_xmp(EXIFTOOL_STYLE.as_bytes()).unwrap();
    assert_eq!(t.applied_to, Some((4000, 3000)));
    assert_eq!(t.regions.len(), 1);
    let r = &t.regions[0];
    assert_eq!(r.name.as_deref(), Some("Dave"));
    assert_eq!(r.kind, RegionKind::Face);
    assert_eq!(r.source, RegionSource::Mwg);
    assert_eq!(r.likeness_face, None);
    assert_eq!(
        (r.area.x, r.area.y, r.area.w, r.area.h),
        (0.5, 0.5, 0.2, 0.25)
    );
    assert_eq!(t.persons_in_image, vec!["Dave"]);
}

#[test]
fn reads_picasa_attribute_forms_digikam_tags_and_ignores_mp_when_mwg_present() {
    let t = read_xmp(PICASA_STYLE.as_bytes()).unwrap();
    assert_eq!(t.applied_to, Some((2048, 1536)));
    assert_eq!(t.regions.len(), 2, "{:?}", t.regions);
    assert_eq!(t.regions[0].name.as_deref(), Some("Erin"));
    assert_eq!((t.regions[0].area.x, t.regions[0].area.h), (0.3, 0.15));
    assert_eq!(t.regions[1].name.as_deref(), Some("Rex"));
    assert_eq!(t.regions[1].kind, RegionKind::Pet);
    assert!(t.regions.iter().all(|r| r.source == RegionSource::Mwg));
    assert_eq!(t.digikam_people, vec!["Erin"]);
}

#[test]
fn reads_nested_descriptions_pixel_units_and_references() {
    let t = read_xmp(NESTED_STYLE.as_bytes()).unwrap();
    assert_eq!(t.applied_to, Some((640, 480)));
    assert_eq!(t.regions.len(), 1);
    let r = &t.regions[0];
    assert_eq!(r.name.as_deref(), Some("François & Co"));
    assert!(
        close(r.area.x, 0.5)
            && close(r.area.y, 0.5)
            && close(r.area.w, 0.1)
            && close(r.area.h, 0.1)
    );
    assert_eq!(t.persons_in_image, vec!["François & Co"]);
}

#[test]
fn microsoft_photo_regions_are_the_fallback() {
    let mp_only = PICASA_STYLE.replace("mwg-rs:Regions", "mwg-rs:NotRegions");
    let t = read_xmp(mp_only.as_bytes()).unwrap();
    assert_eq!(t.regions.len(), 1);
    let r = &t.regions[0];
    assert_eq!(r.source, RegionSource::MicrosoftPhoto);
    assert_eq!(r.name.as_deref(), Some("Erin"));
    // "x, y, w, h" top-left → centre
    assert!(
        close(r.area.x, 0.3)
            && close(r.area.y, 0.4)
            && close(r.area.w, 0.1)
            && close(r.area.h, 0.15)
    );

    // Windows Live Photo Gallery: an rdf:Description inside the li.
    let wlpg = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
      <rdf:Description rdf:about="" xmlns:MP="http://ns.microsoft.com/photo/1.2/">
       <MP:RegionInfo><rdf:Description xmlns:MPRI="http://ns.microsoft.com/photo/1.2/t/RegionInfo#"><MPRI:Regions><rdf:Bag>
        <rdf:li><rdf:Description xmlns:MPReg="http://ns.microsoft.com/photo/1.2/t/Region#" MPReg:PersonDisplayName="Gus"><MPReg:Rectangle>0.5, 0.5, 0.2, 0.2</MPReg:Rectangle></rdf:Description></rdf:li>
       </rdf:Bag></MPRI:Regions></rdf:Description></MP:RegionInfo>
      </rdf:Description></rdf:RDF></x:xmpmeta>"#;
    let t = read_xmp(wlpg.as_bytes()).unwrap();
    assert_eq!(t.regions.len(), 1);
    assert_eq!(t.regions[0].name.as_deref(), Some("Gus"));
    assert!(close(t.regions[0].area.x, 0.6));
}

#[test]
fn namespaces_are_matched_by_uri_not_prefix() {
    let p = r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:q="http://www.metadataworkinggroup.com/schemas/regions/" xmlns:z="http://ns.adobe.com/xmp/sType/Area#" xmlns:mwg-rs="http://example.com/other/">
      <mwg-rs:Regions><rdf:Bag/></mwg-rs:Regions>
      <q:Regions rdf:parseType="Resource"><q:RegionList><rdf:Seq><rdf:li q:Name=" Hal " z:dummy="1"><q:Area z:x="0.1" z:y="0.2" z:w="0.3" z:h="0.4"/></rdf:li></rdf:Seq></q:RegionList></q:Regions>
    </rdf:Description></rdf:RDF>"#;
    let t = read_xmp(p.as_bytes()).unwrap();
    assert_eq!(t.regions.len(), 1);
    assert_eq!(t.regions[0].name.as_deref(), Some("Hal"));
    assert_eq!(
        t.regions[0].kind,
        RegionKind::Face,
        "a region without a type is a face"
    );
}

#[test]
fn not_xmp_is_malformed() {
    for bad in ["", "hello", "<a><b></a>", "<html><body/></html>", "<a>"] {
        match read_xmp(bad.as_bytes()) {
            Err(XmpError::Malformed { .. }) => {}
            other => panic!("{bad:?}: {other:?}"),
        }
    }
}
