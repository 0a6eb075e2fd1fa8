//! Reading face tags out of a packet.

use crate::dom::parse_bytes;
use crate::rdf::{
    find_field, parse_real, rdf_root, top_fields, Value, DIGIKAM, IPTC_EXT, MP, MP_REG, MP_RI,
    MWG_RS, ST_AREA, ST_DIM,
};
use crate::{FaceTags, NormArea, Region, RegionKind, RegionSource, XmpError, LIKENESS_NS};

/// Reads face regions and person names from one XMP packet (a sidecar file or an embedded
/// packet). Regions are in the stored frame, as in the file.
pub fn read_xmp(packet: &[u8]) -> Result<FaceTags, XmpError> {
    let (doc, _) = parse_bytes(packet)?;
    let rdf = rdf_root(&doc.root)
        .ok_or_else(|| XmpError::malformed("no rdf:RDF element: not an XMP packet"))?;
    let fields = top_fields(rdf);
    let mut tags = FaceTags::default();

    if let Some(regions) = find_field(&fields, MWG_RS, "Regions") {
        tags.applied_to = regions
            .field(MWG_RS, "AppliedToDimensions")
            .and_then(dimensions);
        if let Some(list) = regions.field(MWG_RS, "RegionList") {
            for item in list.items() {
                match mwg_region(item, tags.applied_to) {
                    Some(r) => tags.regions.push(r),
                    None => tracing::debug!("skipping an MWG region without a usable area"),
                }
            }
        }
    }
    if tags.regions.is_empty() {
        if let Some(list) =
            find_field(&fields, MP, "RegionInfo").and_then(|ri| ri.field(MP_RI, "Regions"))
        {
            for item in list.items() {
                match mp_region(item) {
                    Some(r) => tags.regions.push(r),
                    None => {
                        tracing::debug!("skipping a Microsoft Photo region without a rectangle")
                    }
                }
            }
        }
    }
    if let Some(p) = find_field(&fields, IPTC_EXT, "PersonInImage") {
        tags.persons_in_image = p.texts();
    }
    if let Some(t) = find_field(&fields, DIGIKAM, "TagsList") {
        for tag in t.texts() {
            if let Some(rest) = tag.strip_prefix("People/") {
                if let Some(leaf) = rest.rsplit('/').next().map(str::trim) {
                    if !leaf.is_empty() {
                        tags.digikam_people.push(leaf.to_string());
                    }
                }
            }
        }
    }
    Ok(tags)
}

fn dimensions(v: &Value) -> Option<(u32, u32)> {
    let w = parse_real(v.field(ST_DIM, "w")?.text()?)?;
    let h = parse_real(v.field(ST_DIM, "h")?.text()?)?;
    let to_u32 = |x: f64| (x >= 1.0 && x <= f64::from(u32::MAX)).then(|| x.round() as u32);
    Some((to_u32(w)?, to_u32(h)?))
}

fn name_of(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::text)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

pub(crate) fn mwg_region(item: &Value, applied_to: Option<(u32, u32)>) -> Option<Region> {
    let area = item.field(MWG_RS, "Area")?;
    let num = |k: &str| {
        area.field(ST_AREA, k)
            .and_then(Value::text)
            .and_then(parse_real)
    };
    let (x, y) = (num("x")?, num("y")?);
    let (mut w, mut h) = match (num("w"), num("h"), num("d")) {
        (Some(w), Some(h), _) => (w, h),
        (_, _, Some(d)) => (d, d), // a circle: its bounding square (relative to each axis)
        _ => (0.0, 0.0),           // a point
    };
    let (mut x, mut y) = (x, y);
    let unit = area
        .field(ST_AREA, "unit")
        .and_then(Value::text)
        .map(str::trim)
        .unwrap_or("normalized");
    if unit.eq_ignore_ascii_case("pixel") {
        let (dw, dh) = applied_to?;
        let (dw, dh) = (f64::from(dw), f64::from(dh));
        x /= dw;
        w /= dw;
        y /= dh;
        h /= dh;
    }
    let kind = match item
        .field(MWG_RS, "Type")
        .and_then(Value::text)
        .map(str::trim)
    {
        None | Some("") | Some("Face") => RegionKind::Face,
        Some("Pet") => RegionKind::Pet,
        Some(other) => RegionKind::Other(other.to_string()),
    };
    Some(Region {
        name: name_of(item.field(MWG_RS, "Name")),
        kind,
        area: NormArea { x, y, w, h },
        source: RegionSource::Mwg,
        likeness_face: name_of(item.field(LIKENESS_NS, "Face")),
    })
}

fn mp_region(item: &Value) -> Option<Region> {
    let rect = item.field(MP_REG, "Rectangle")?.text()?;
    let nums: Vec<f64> = rect.split(',').filter_map(parse_real).collect();
    let [x, y, w, h] = nums[..] else {
        return None;
    };
    Some(Region {
        name: name_of(item.field(MP_REG, "PersonDisplayName")),
        kind: RegionKind::Face,
        area: NormArea {
            x: x + w / 2.0,
            y: y + h / 2.0,
            w,
            h,
        },
        source: RegionSource::MicrosoftPhoto,
        likeness_face: None,
    })
}
