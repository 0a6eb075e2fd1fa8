//! Round trips through the real exiftool (Debian libimage-exiftool-perl): it reads what we
//! write, we read what it writes, and a sidecar it wrote keeps every foreign property.
//! Without exiftool these tests fail (`likeness_testdata::skip_or_fail`; with
//! `LIKENESS_ALLOW_SKIP=1` outside CI they print a skip).
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use likeness_xmp::{
    merge_sidecar, oriented_box_to_stored_area, read_xmp, ExportOptions, NormArea, OwnRegion,
    RegionKind, RegionSource,
};
use serde_json::Value as J;
use std::path::Path;

fn num(v: &J) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| v.as_str().unwrap().parse().unwrap())
}

/// (Name, area) of each region exiftool sees in `file`.
fn exiftool_regions(json: &serde_json::Map<String, J>) -> Vec<(String, NormArea)> {
    let Some(info) = json.get("XMP-mwg-rs:RegionInfo") else {
        return Vec::new();
    };
    info["RegionList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let a = &r["Area"];
            (
                r["Name"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| r["Name"].to_string()),
                NormArea {
                    x: num(&a["X"]),
                    y: num(&a["Y"]),
                    w: num(&a["W"]),
                    h: num(&a["H"]),
                },
            )
        })
        .collect()
}

fn write(path: &Path, bytes: &[u8]) {
    likeness_xmp::write_atomic(path, bytes).unwrap();
}

#[test]
fn exiftool_reads_back_our_regions_for_all_8_orientations() {
    if !have_exiftool() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Upright photo 3000×2000 (stored 2000×3000 for orientations 5–8).
    let upright = (3000u32, 2000u32);
    let boxes = [
        ("José Ñúñez", [100.0, 200.0, 400.0, 650.0]),
        ("A & B <c> \"d\"", [2500.5, 1500.25, 2999.0, 1999.0]),
        ("Émile", [1200.0, 10.0, 1260.0, 90.0]),
    ];
    for o in 1..=8u16 {
        let stored = if o >= 5 {
            (upright.1, upright.0)
        } else {
            upright
        };
        let own: Vec<OwnRegion> = boxes
            .iter()
            .enumerate()
            .map(|(i, (n, b))| OwnRegion {
                face: format!("likeness:{i}"),
                name: n.to_string(),
                area: oriented_box_to_stored_area(*b, upright, o),
            })
            .collect();
        let bytes = merge_sidecar(None, stored, &own, &ExportOptions { keywords: true }).unwrap();
        let path = dir.path().join(format!("o{o}.jpg.xmp"));
        write(&path, &bytes);
        let json = exiftool_xmp_json(&path);
        let got = exiftool_regions(&json);
        assert_eq!(got.len(), own.len(), "o={o}: {json:?}");
        for ((name, area), want) in got.iter().zip(&own) {
            assert_eq!(name, &want.name, "o={o}");
            let w = want.area.clamped();
            assert!(
                close(area.x, w.x)
                    && close(area.y, w.y)
                    && close(area.w, w.w)
                    && close(area.h, w.h),
                "o={o} {name}: exiftool {area:?} vs ours {w:?}"
            );
        }
        let dims = &json["XMP-mwg-rs:RegionInfo"]["AppliedToDimensions"];
        assert_eq!((num(&dims["W"]) as u32, num(&dims["H"]) as u32), stored);
        let names: Vec<&str> = json["XMP-iptcExt:PersonInImage"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(names, boxes.iter().map(|b| b.0).collect::<Vec<_>>());
        let hier = json["XMP-lr:HierarchicalSubject"].as_array().unwrap();
        assert_eq!(hier[0], "People|José Ñúñez");
    }
}

#[test]
fn regions_written_by_exiftool_are_read() {
    if !have_exiftool() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // 1. exiftool's struct syntax on the command line.
    let a = dir.path().join("a.xmp");
    exiftool(&[
        "-q",
        "-o",
        a.to_str().unwrap(),
        "-XMP-mwg-rs:RegionInfo={AppliedToDimensions={W=640,H=480,Unit=pixel},RegionList=[{Area={X=0.5,Y=0.5,W=0.2,H=0.25,Unit=normalized},Name=Ann Lee,Type=Face},{Area={X=0.1,Y=0.2,W=0.05,H=0.05,Unit=normalized},Name=Rex,Type=Pet}]}",
        "-XMP-iptcExt:PersonInImage=Ann Lee",
    ]);
    let t = read_xmp(&std::fs::read(&a).unwrap()).unwrap();
    assert_eq!(t.applied_to, Some((640, 480)));
    assert_eq!(t.regions.len(), 2);
    assert_eq!(t.regions[0].name.as_deref(), Some("Ann Lee"));
    assert_eq!(t.regions[0].kind, RegionKind::Face);
    let r = &t.regions[0].area;
    assert!(close(r.x, 0.5) && close(r.y, 0.5) && close(r.w, 0.2) && close(r.h, 0.25));
    assert_eq!(t.regions[1].kind, RegionKind::Pet);
    assert_eq!(t.persons_in_image, vec!["Ann Lee"]);

    // 2. exiftool's JSON import (-json=FILE) into an existing sidecar.
    let b = dir.path().join("b.xmp");
    exiftool(&["-q", "-o", b.to_str().unwrap(), "-XMP-dc:Title=x"]);
    let json = dir.path().join("regions.json");
    std::fs::write(
        &json,
        r#"[{"SourceFile":"*","XMP-mwg-rs:RegionInfo":{"AppliedToDimensions":{"W":4000,"H":3000,"Unit":"pixel"},
            "RegionList":[{"Area":{"X":0.31,"Y":0.42,"W":0.11,"H":0.12,"Unit":"normalized"},"Name":"Zoë","Type":"Face"}]}}]"#,
    )
    .unwrap();
    exiftool(&[
        "-q",
        "-overwrite_original",
        &format!("-json={}", json.display()),
        b.to_str().unwrap(),
    ]);
    let t = read_xmp(&std::fs::read(&b).unwrap()).unwrap();
    assert_eq!(
        t.regions.len(),
        1,
        "{}",
        std::fs::read_to_string(&b).unwrap()
    );
    assert_eq!(t.regions[0].name.as_deref(), Some("Zoë"));
    assert!(close(t.regions[0].area.x, 0.31) && close(t.regions[0].area.h, 0.12));

    // 3. Microsoft Photo regions (top-left rectangles) as written by exiftool.
    let c = dir.path().join("c.xmp");
    exiftool(&[
        "-q",
        "-o",
        c.to_str().unwrap(),
        "-XMP-MP:RegionInfoMP={Regions=[{PersonDisplayName=Bob,Rectangle=0.1|, 0.2|, 0.3|, 0.4}]}",
    ]);
    let t = read_xmp(&std::fs::read(&c).unwrap()).unwrap();
    assert_eq!(t.regions.len(), 1);
    assert_eq!(t.regions[0].source, RegionSource::MicrosoftPhoto);
    assert_eq!(t.regions[0].name.as_deref(), Some("Bob"));
    let r = &t.regions[0].area;
    assert!(close(r.x, 0.25) && close(r.y, 0.4) && close(r.w, 0.3) && close(r.h, 0.4));
}

/// Everything exiftool sees, minus what Likeness owns.
fn foreign_view(mut j: serde_json::Map<String, J>) -> serde_json::Map<String, J> {
    let markers = j.clone();
    j.retain(|k, _| !k.starts_with("XMP-likeness:"));
    if let Some(info) = j.get_mut("XMP-mwg-rs:RegionInfo") {
        let list = info["RegionList"].as_array_mut().unwrap();
        list.retain(|r| r.get("Face").is_none());
        info.as_object_mut().unwrap().remove("AppliedToDimensions");
    }
    for (k, marker) in [
        ("XMP-iptcExt:PersonInImage", "Names"),
        ("XMP-dc:Subject", "Subjects"),
        ("XMP-lr:HierarchicalSubject", "HierarchicalSubjects"),
    ] {
        let ours: Vec<J> = markers
            .get(&format!("XMP-likeness:{marker}"))
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default();
        if let Some(J::Array(items)) = j.get_mut(k) {
            items.retain(|v| !ours.contains(v));
        }
    }
    j
}

#[test]
fn a_sidecar_written_by_exiftool_keeps_every_foreign_property() {
    if !have_exiftool() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("IMG_1.jpg.xmp");
    exiftool(&[
        "-q",
        "-o",
        path.to_str().unwrap(),
        "-XMP-dc:Title=Beach day",
        "-XMP-dc:Subject=beach",
        "-XMP-dc:Subject=Carol",
        "-XMP-xmp:Rating=4",
        "-XMP-lr:HierarchicalSubject=Places|Beach",
        "-XMP-iptcExt:PersonInImage=Carol",
        "-XMP-photoshop:City=Brest",
        "-XMP-mwg-rs:RegionInfo={AppliedToDimensions={W=4000,H=3000,Unit=pixel},RegionList=[{Area={X=0.5,Y=0.5,W=0.2,H=0.25,Unit=normalized},Name=Carol,Type=Face,Description=by hand}]}",
    ]);
    let before_bytes = std::fs::read(&path).unwrap();
    let before = exiftool_xmp_json(&path);
    let mine = vec![
        own("likeness:1", "Alice", 0.2, 0.3, 0.1, 0.1),
        own("likeness:2", "Bob", 0.8, 0.3, 0.1, 0.1),
        own("likeness:3", "Carol", 0.5, 0.5, 0.2, 0.25),
    ];
    let kw = ExportOptions { keywords: true };
    let merged = merge_sidecar(Some(&before_bytes), (4000, 3000), &mine, &kw).unwrap();
    write(&path, &merged);
    let after = exiftool_xmp_json(&path);

    // Ours are there…
    let regions = exiftool_regions(&after);
    assert_eq!(regions.len(), 4);
    assert_eq!(regions[0].0, "Carol");
    let people: Vec<&str> = after["XMP-iptcExt:PersonInImage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(people, ["Carol", "Alice", "Bob"]);
    // …and everything else is exactly what exiftool saw before.
    assert_eq!(
        J::Object(foreign_view(after.clone())),
        J::Object(foreign_view(before.clone()))
    );
    // Carol was a foreign name: not claimed as ours.
    assert_eq!(
        after["XMP-likeness:Names"],
        serde_json::json!(["Alice", "Bob"])
    );

    // Removing our faces gives the very same file back.
    let removed = merge_sidecar(Some(&merged), (4000, 3000), &[], &kw).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&removed),
        String::from_utf8_lossy(&before_bytes)
    );
}

#[test]
fn a_sidecar_exiftool_rewrote_is_merged_without_duplicates() {
    if !have_exiftool() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("IMG_2.jpg.xmp");
    let mine = vec![own("likeness:7", "Alice", 0.2, 0.3, 0.1, 0.1)];
    let opts = ExportOptions { keywords: false };
    write(
        &path,
        &merge_sidecar(None, (4000, 3000), &mine, &opts).unwrap(),
    );
    // exiftool rewrites the whole file in its own layout (our marker field included).
    exiftool(&[
        "-q",
        "-overwrite_original",
        "-XMP-xmp:Rating=2",
        path.to_str().unwrap(),
    ]);
    let rewritten = std::fs::read(&path).unwrap();
    let t = read_xmp(&rewritten).unwrap();
    assert_eq!(t.regions.len(), 1);
    assert_eq!(
        t.regions[0].likeness_face.as_deref(),
        Some("likeness:7"),
        "exiftool dropped our marker"
    );
    // Same faces again: nothing to write.
    let again = merge_sidecar(Some(&rewritten), (4000, 3000), &mine, &opts).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&again),
        String::from_utf8_lossy(&rewritten)
    );
    // A moved face: replaced, not duplicated; the rating stays.
    let moved = vec![own("likeness:7", "Alice", 0.25, 0.3, 0.1, 0.1)];
    write(
        &path,
        &merge_sidecar(Some(&rewritten), (4000, 3000), &moved, &opts).unwrap(),
    );
    let json = exiftool_xmp_json(&path);
    let regions = exiftool_regions(&json);
    assert_eq!(regions.len(), 1);
    assert!(close(regions[0].1.x, 0.25));
    assert_eq!(json["XMP-xmp:Rating"], 2);
    assert_eq!(
        json["XMP-iptcExt:PersonInImage"],
        serde_json::json!(["Alice"])
    );
}
