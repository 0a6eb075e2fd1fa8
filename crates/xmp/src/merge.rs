//! Merging Likeness's faces into an existing packet by splicing text: only elements Likeness
//! owns are deleted, replaced or inserted; every other byte of the input is kept.

use crate::dom::{lookup, parse_bytes, Elem, Scope, RDF_NS};
use crate::jpeg::{jpeg_xmp_packet, replace_packet};
use crate::rdf::{
    array_container, array_items, descriptions, parse_real, property_value, rdf_root, Value, DC,
    IPTC_EXT, LR, MWG_RS, ST_AREA, ST_DIM,
};
use crate::{ExportOptions, OwnRegion, XmpError, LIKENESS_NS};

/// One text replacement in the source.
#[derive(Debug)]
struct Edit {
    start: usize,
    end: usize,
    text: String,
}

/// A top-level property: namespace, preferred prefix, local name.
#[derive(Debug, Clone, Copy)]
struct Prop {
    ns: &'static str,
    prefix: &'static str,
    local: &'static str,
}

const REGIONS: Prop = Prop {
    ns: MWG_RS,
    prefix: "mwg-rs",
    local: "Regions",
};
const PERSON_IN_IMAGE: Prop = Prop {
    ns: IPTC_EXT,
    prefix: "Iptc4xmpExt",
    local: "PersonInImage",
};
const SUBJECT: Prop = Prop {
    ns: DC,
    prefix: "dc",
    local: "subject",
};
const HIER_SUBJECT: Prop = Prop {
    ns: LR,
    prefix: "lr",
    local: "hierarchicalSubject",
};
const MARK_NAMES: Prop = Prop {
    ns: LIKENESS_NS,
    prefix: "likeness",
    local: "Names",
};
const MARK_SUBJECTS: Prop = Prop {
    ns: LIKENESS_NS,
    prefix: "likeness",
    local: "Subjects",
};
const MARK_HIER: Prop = Prop {
    ns: LIKENESS_NS,
    prefix: "likeness",
    local: "HierarchicalSubjects",
};

/// Chooses prefixes for the namespaces an inserted element uses: one bound in scope, else a
/// new declaration on the inserted element itself.
struct NsCtx<'a> {
    scope: &'a Scope,
    decls: Vec<(String, String)>,
}

impl<'a> NsCtx<'a> {
    fn new(scope: &'a Scope) -> Self {
        NsCtx {
            scope,
            decls: Vec::new(),
        }
    }

    fn prefix(&mut self, uri: &str, preferred: &str) -> String {
        if let Some((p, _)) = self.decls.iter().find(|(_, u)| u == uri) {
            return p.clone();
        }
        if let Some((p, _)) = self
            .scope
            .iter()
            .rev()
            .find(|(p, u)| u == uri && !p.is_empty() && lookup(self.scope, p) == Some(uri))
        {
            return p.clone();
        }
        let taken =
            |c: &str| lookup(self.scope, c).is_some() || self.decls.iter().any(|(p, _)| p == c);
        let mut cand = preferred.to_string();
        let mut n = 1;
        while taken(&cand) {
            cand = format!("{preferred}{n}");
            n += 1;
        }
        self.decls.push((cand.clone(), uri.to_string()));
        cand
    }

    /// ` xmlns:p="uri"` for the declarations needed so far.
    fn decl_attrs(&self) -> String {
        self.decls
            .iter()
            .map(|(p, u)| format!(" xmlns:{p}=\"{}\"", esc_attr(u)))
            .collect()
    }
}

fn esc_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn esc_attr(s: &str) -> String {
    esc_text(s)
        .replace('"', "&quot;")
        .replace('\t', "&#9;")
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
}

/// A number as written to the file: at most 6 decimals, no trailing zeros.
fn fmt_num(v: f64) -> String {
    let v = if v.is_finite() { v } else { 0.0 };
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// Indentation unit for elements Likeness adds below an existing one.
const UNIT: &str = " ";

fn indent_of(text: &str, pos: usize) -> &str {
    let line_start = text[..pos].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let s = &text[line_start..pos];
    if s.chars().all(|c| c == ' ' || c == '\t') {
        s
    } else {
        ""
    }
}

/// Start of the whitespace run right before `pos`.
fn ws_before(text: &str, pos: usize) -> usize {
    let b = text.as_bytes();
    let mut i = pos;
    while i > 0 && matches!(b[i - 1], b' ' | b'\t' | b'\n' | b'\r') {
        i -= 1;
    }
    i
}

fn child_indent(text: &str, e: &Elem) -> String {
    match e.children.first() {
        Some(c) => indent_of(text, c.start).to_string(),
        None => format!("{}{UNIT}", indent_of(text, e.start)),
    }
}

/// An edit that adds `blocks` (each starting with a newline + indent) as the last children of
/// `e`.
fn append_children(text: &str, e: &Elem, blocks: String) -> Edit {
    if e.empty {
        // `<x …/>` → `<x …>blocks\n</x>`
        return Edit {
            start: e.end - 2,
            end: e.end,
            text: format!(">{blocks}\n{}</{}>", indent_of(text, e.start), e.qname),
        };
    }
    if let Some(last) = e.children.last() {
        return Edit {
            start: last.end,
            end: last.end,
            text: blocks,
        };
    }
    let inner = &text[e.start_tag_end..e.end_tag_start];
    let tail = if inner.contains('\n') {
        String::new()
    } else {
        format!("\n{}", indent_of(text, e.start))
    };
    Edit {
        start: e.start_tag_end,
        end: e.start_tag_end,
        text: format!("{blocks}{tail}"),
    }
}

fn delete(text: &str, e: &Elem) -> Edit {
    Edit {
        start: ws_before(text, e.start),
        end: e.end,
        text: String::new(),
    }
}

// ---- generators: each returns an element's text; inner lines are indented from `ind` ----

fn gen_dims(ctx: &mut NsCtx<'_>, dims: (u32, u32)) -> String {
    let m = ctx.prefix(MWG_RS, "mwg-rs");
    let d = ctx.prefix(ST_DIM, "stDim");
    format!(
        "<{m}:AppliedToDimensions {d}:w=\"{}\" {d}:h=\"{}\" {d}:unit=\"pixel\"/>",
        dims.0, dims.1
    )
}

fn gen_region(ctx: &mut NsCtx<'_>, r: &OwnRegion, ind: &str) -> String {
    let rdf = ctx.prefix(RDF_NS, "rdf");
    let m = ctx.prefix(MWG_RS, "mwg-rs");
    let a = ctx.prefix(ST_AREA, "stArea");
    let l = ctx.prefix(LIKENESS_NS, "likeness");
    let area = r.area.clamped();
    let i = format!("{ind}{UNIT}");
    format!(
        "<{rdf}:li {rdf}:parseType=\"Resource\">\n\
         {i}<{m}:Area {a}:x=\"{}\" {a}:y=\"{}\" {a}:w=\"{}\" {a}:h=\"{}\" {a}:unit=\"normalized\"/>\n\
         {i}<{m}:Name>{}</{m}:Name>\n\
         {i}<{m}:Type>Face</{m}:Type>\n\
         {i}<{l}:Face>{}</{l}:Face>\n\
         {ind}</{rdf}:li>",
        fmt_num(area.x),
        fmt_num(area.y),
        fmt_num(area.w),
        fmt_num(area.h),
        esc_text(r.name.trim()),
        esc_text(&r.face),
    )
}

/// Regions as new `rdf:li` blocks (each starting with "\n" + ind), namespaces from `scope`.
fn region_blocks(scope: &Scope, own: &[OwnRegion], ind: &str) -> String {
    own.iter()
        .map(|r| {
            let mut ctx = NsCtx::new(scope);
            let body = gen_region(&mut ctx, r, ind);
            with_decls(body, &ctx)
        })
        .map(|b| format!("\n{ind}{b}"))
        .collect()
}

/// Puts the namespace declarations of `ctx` into the first start tag of `body`.
fn with_decls(body: String, ctx: &NsCtx<'_>) -> String {
    let decls = ctx.decl_attrs();
    if decls.is_empty() {
        return body;
    }
    // The first start tag ends at the first '>' (possibly "/>"); names never contain '>'.
    let Some(gt) = body.find('>') else {
        return body;
    };
    let at = if body[..gt].ends_with('/') {
        gt - 1
    } else {
        gt
    };
    format!("{}{}{}", &body[..at], decls, &body[at..])
}

fn gen_region_list(ctx: &mut NsCtx<'_>, own: &[OwnRegion], ind: &str) -> String {
    let m = ctx.prefix(MWG_RS, "mwg-rs");
    let rdf = ctx.prefix(RDF_NS, "rdf");
    let i1 = format!("{ind}{UNIT}");
    let i2 = format!("{i1}{UNIT}");
    let items: String = own
        .iter()
        .map(|r| format!("\n{i2}{}", gen_region(ctx, r, &i2)))
        .collect();
    format!("<{m}:RegionList>\n{i1}<{rdf}:Bag>{items}\n{i1}</{rdf}:Bag>\n{ind}</{m}:RegionList>")
}

fn gen_regions(ctx: &mut NsCtx<'_>, dims: (u32, u32), own: &[OwnRegion], ind: &str) -> String {
    let m = ctx.prefix(MWG_RS, "mwg-rs");
    let rdf = ctx.prefix(RDF_NS, "rdf");
    let i1 = format!("{ind}{UNIT}");
    let d = gen_dims(ctx, dims);
    let list = gen_region_list(ctx, own, &i1);
    format!("<{m}:Regions {rdf}:parseType=\"Resource\">\n{i1}{d}\n{i1}{list}\n{ind}</{m}:Regions>")
}

fn gen_bag(ctx: &mut NsCtx<'_>, p: Prop, values: &[String], ind: &str) -> String {
    let pp = ctx.prefix(p.ns, p.prefix);
    let rdf = ctx.prefix(RDF_NS, "rdf");
    let i1 = format!("{ind}{UNIT}");
    let i2 = format!("{i1}{UNIT}");
    let items: String = values
        .iter()
        .map(|v| format!("\n{i2}<{rdf}:li>{}</{rdf}:li>", esc_text(v)))
        .collect();
    format!(
        "<{pp}:{l}>\n{i1}<{rdf}:Bag>{items}\n{i1}</{rdf}:Bag>\n{ind}</{pp}:{l}>",
        l = p.local
    )
}

/// A new top-level property to insert.
enum NewProp {
    Regions,
    Bag(Prop, Vec<String>),
}

/// Where things are in the parsed packet.
struct Packet<'d> {
    text: &'d str,
    rdf: &'d Elem,
}

impl<'d> Packet<'d> {
    /// The first occurrence of a top-level property: (its description, the property element).
    fn find(&self, p: Prop) -> Option<(&'d Elem, &'d Elem)> {
        descriptions(self.rdf).find_map(|d| {
            d.children
                .iter()
                .find(|c| c.is(p.ns, p.local))
                .map(|c| (d, c))
        })
    }
}

fn li_text(li: &Elem) -> String {
    property_value(li)
        .text()
        .map(|t| t.trim().to_string())
        .unwrap_or_default()
}

/// The items of a top-level text array (empty when missing or not an array).
fn bag_values(pk: &Packet<'_>, p: Prop) -> Vec<String> {
    pk.find(p)
        .map(|(_, e)| property_value(e).texts())
        .unwrap_or_default()
}

fn dedup(values: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        if !v.is_empty() && !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// A text bag shared with other tools: remove what we had added and no longer want, add what
/// we want and is missing. Returns the values that are ours afterwards (for the marker).
fn merge_shared_bag(
    pk: &Packet<'_>,
    target: Prop,
    wanted: &[String],
    old_ours: &[String],
    edits: &mut Vec<Edit>,
    new_props: &mut Vec<NewProp>,
) -> Vec<String> {
    let existing = bag_values(pk, target);
    let add: Vec<String> = wanted
        .iter()
        .filter(|v| !existing.contains(v))
        .cloned()
        .collect();
    let ours_after: Vec<String> = wanted
        .iter()
        .filter(|v| add.contains(v) || (old_ours.contains(v) && existing.contains(v)))
        .cloned()
        .collect();
    let remove = |v: &str| old_ours.iter().any(|o| o == v) && !wanted.iter().any(|w| w == v);
    match pk.find(target) {
        None => {
            if !add.is_empty() {
                new_props.push(NewProp::Bag(target, add));
            }
        }
        Some((_, prop)) => {
            let Some(arr) = array_container(prop) else {
                tracing::warn!(
                    "{}:{} is not an array; left as it is",
                    target.prefix,
                    target.local
                );
                return Vec::new();
            };
            let items: Vec<&Elem> = array_items(arr).collect();
            let gone: Vec<&Elem> = items
                .iter()
                .copied()
                .filter(|li| remove(&li_text(li)))
                .collect();
            if !gone.is_empty() && gone.len() == items.len() && add.is_empty() {
                edits.push(delete(pk.text, prop));
                return ours_after;
            }
            for li in &gone {
                edits.push(delete(pk.text, li));
            }
            if !add.is_empty() {
                let ind = child_indent(pk.text, arr);
                let blocks: String = add
                    .iter()
                    .map(|v| {
                        let mut ctx = NsCtx::new(&arr.scope);
                        let rdf = ctx.prefix(RDF_NS, "rdf");
                        let b = format!("<{rdf}:li>{}</{rdf}:li>", esc_text(v));
                        format!("\n{ind}{}", with_decls(b, &ctx))
                    })
                    .collect();
                edits.push(append_children(pk.text, arr, blocks));
            }
        }
    }
    ours_after
}

/// A property only Likeness writes: replaced whole when its values change.
fn set_marker(
    pk: &Packet<'_>,
    p: Prop,
    values: &[String],
    edits: &mut Vec<Edit>,
    new_props: &mut Vec<NewProp>,
) {
    match pk.find(p) {
        None => {
            if !values.is_empty() {
                new_props.push(NewProp::Bag(p, values.to_vec()));
            }
        }
        Some((desc, prop)) => {
            if property_value(prop).texts() == values {
                return;
            }
            if values.is_empty() {
                edits.push(delete(pk.text, prop));
            } else {
                let ind = indent_of(pk.text, prop.start);
                let mut ctx = NsCtx::new(&desc.scope);
                let body = gen_bag(&mut ctx, p, values, ind);
                edits.push(Edit {
                    start: prop.start,
                    end: prop.end,
                    text: with_decls(body, &ctx),
                });
            }
        }
    }
}

fn is_ours(li: &Elem) -> bool {
    property_value(li).field(LIKENESS_NS, "Face").is_some()
}

fn same_dims(v: &Value, dims: (u32, u32)) -> bool {
    let n = |k: &str| {
        v.field(ST_DIM, k)
            .and_then(Value::text)
            .and_then(parse_real)
    };
    let unit_ok = v
        .field(ST_DIM, "unit")
        .and_then(Value::text)
        .is_none_or(|u| u.trim() == "pixel");
    n("w") == Some(f64::from(dims.0)) && n("h") == Some(f64::from(dims.1)) && unit_ok
}

/// True when our regions in the file already say what `own` says (whatever their layout,
/// e.g. after exiftool rewrote the file): then they are left as they are.
fn same_regions(ours: &[&Elem], own: &[OwnRegion]) -> bool {
    ours.len() == own.len()
        && ours.iter().zip(own).all(|(li, o)| {
            let Some(r) = crate::read::mwg_region(&property_value(li), None) else {
                return false;
            };
            let a = o.area.clamped();
            let near = |x: f64, y: f64| (x - y).abs() < 1e-6;
            let name = o.name.trim();
            r.likeness_face.as_deref() == Some(o.face.as_str())
                && r.name.as_deref().unwrap_or("") == name
                && r.kind == crate::RegionKind::Face
                && near(r.area.x, a.x)
                && near(r.area.y, a.y)
                && near(r.area.w, a.w)
                && near(r.area.h, a.h)
        })
}

/// The element whose children are the fields of the `mwg-rs:Regions` struct.
fn struct_container(prop: &Elem) -> Option<&Elem> {
    if prop.empty {
        return None;
    }
    if prop.attr(RDF_NS, "parseType") == Some("Resource") {
        return Some(prop);
    }
    if let Some(d) = prop.children.iter().find(|c| c.is_rdf("Description")) {
        return (!d.empty).then_some(d);
    }
    (!prop.children.is_empty()).then_some(prop)
}

fn merge_regions(
    pk: &Packet<'_>,
    dims: (u32, u32),
    own: &[OwnRegion],
    edits: &mut Vec<Edit>,
    new_props: &mut Vec<NewProp>,
) -> Result<(), XmpError> {
    let text = pk.text;
    let want = !own.is_empty();
    let Some((desc, prop)) = pk.find(REGIONS) else {
        if want {
            new_props.push(NewProp::Regions);
        }
        return Ok(());
    };
    let Some(container) = struct_container(prop) else {
        // `<mwg-rs:Regions/>` or a simple value: nothing a reader could use; replace it.
        if want {
            let ind = indent_of(text, prop.start);
            let mut ctx = NsCtx::new(&desc.scope);
            let body = gen_regions(&mut ctx, dims, own, ind);
            edits.push(Edit {
                start: prop.start,
                end: prop.end,
                text: with_decls(body, &ctx),
            });
        }
        return Ok(());
    };
    let list = container.child(MWG_RS, "RegionList");
    let bag = list.and_then(array_container);
    let items: Vec<&Elem> = bag.map(|b| array_items(b).collect()).unwrap_or_default();
    let ours: Vec<&Elem> = items.iter().copied().filter(|li| is_ours(li)).collect();
    if !want {
        if ours.is_empty() {
            return Ok(());
        }
        if ours.len() == items.len() {
            // Only our regions were there: the whole property goes.
            edits.push(delete(text, prop));
        } else {
            for li in ours {
                edits.push(delete(text, li));
            }
        }
        return Ok(());
    }
    // AppliedToDimensions first (an insertion at the same point as the list comes before it).
    match container.child(MWG_RS, "AppliedToDimensions") {
        Some(a) => {
            if !same_dims(&property_value(a), dims) {
                let mut ctx = NsCtx::new(&container.scope);
                let body = gen_dims(&mut ctx, dims);
                edits.push(Edit {
                    start: a.start,
                    end: a.end,
                    text: with_decls(body, &ctx),
                });
            }
        }
        None => {
            let ind = child_indent(text, container);
            let mut ctx = NsCtx::new(&container.scope);
            let body = with_decls(gen_dims(&mut ctx, dims), &ctx);
            let block = format!("\n{ind}{body}");
            if container.empty || container.children.is_empty() {
                edits.push(append_children(text, container, block));
            } else {
                let at = container.start_tag_end;
                let first = &container.children[0];
                // Put it before the first field, on its own line.
                let at = if text[at..first.start].contains('\n') {
                    ws_before(text, first.start)
                } else {
                    at
                };
                edits.push(Edit {
                    start: at,
                    end: at,
                    text: block,
                });
            }
        }
    }
    match (list, bag) {
        (_, Some(_)) if same_regions(&ours, own) => {}
        (_, Some(bag)) => {
            let ind = child_indent(text, bag);
            let blocks = region_blocks(&bag.scope, own, &ind);
            if let Some((first, rest)) = ours.split_first() {
                edits.push(Edit {
                    start: ws_before(text, first.start),
                    end: first.end,
                    text: blocks,
                });
                for li in rest {
                    edits.push(delete(text, li));
                }
            } else {
                edits.push(append_children(text, bag, blocks));
            }
        }
        (Some(list), None) => {
            // A RegionList that is no array: replace it.
            let ind = indent_of(text, list.start);
            let mut ctx = NsCtx::new(&container.scope);
            let body = gen_region_list(&mut ctx, own, ind);
            edits.push(Edit {
                start: list.start,
                end: list.end,
                text: with_decls(body, &ctx),
            });
        }
        (None, None) => {
            let ind = child_indent(text, container);
            let mut ctx = NsCtx::new(&container.scope);
            let body = with_decls(gen_region_list(&mut ctx, own, &ind), &ctx);
            edits.push(append_children(text, container, format!("\n{ind}{body}")));
        }
    }
    Ok(())
}

fn apply(text: &str, mut edits: Vec<Edit>) -> Result<String, XmpError> {
    // Stable: insertions at the same point keep their order.
    edits.sort_by_key(|e| e.start);
    let mut out =
        String::with_capacity(text.len() + edits.iter().map(|e| e.text.len()).sum::<usize>());
    let mut pos = 0;
    for e in &edits {
        if e.start < pos || e.end < e.start || e.end > text.len() {
            return Err(XmpError::malformed("overlapping edits (internal error)"));
        }
        out.push_str(&text[pos..e.start]);
        out.push_str(&e.text);
        pos = e.end;
    }
    out.push_str(&text[pos..]);
    Ok(out)
}

const PACKET_ID: &str = "W5M0MpCehiHzreSzNTczkc9d";

/// A new, empty packet declaring the namespaces Likeness writes.
fn empty_packet(opts: &ExportOptions) -> String {
    let mut ns = vec![
        ("Iptc4xmpExt", IPTC_EXT),
        ("likeness", LIKENESS_NS),
        ("mwg-rs", MWG_RS),
        ("stArea", ST_AREA),
        ("stDim", ST_DIM),
    ];
    if opts.keywords {
        ns.push(("dc", DC));
        ns.push(("lr", LR));
        ns.sort();
    }
    let decls: String = ns
        .iter()
        .map(|(p, u)| format!("\n    xmlns:{p}=\"{u}\""))
        .collect();
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"{PACKET_ID}\"?>\n\
         <x:xmpmeta xmlns:x=\"adobe:ns:meta/\" x:xmptk=\"Likeness\">\n\
         \x20<rdf:RDF xmlns:rdf=\"{RDF_NS}\">\n\
         \x20 <rdf:Description rdf:about=\"\"{decls}>\n\
         \x20 </rdf:Description>\n\
         \x20</rdf:RDF>\n\
         </x:xmpmeta>\n\
         <?xpacket end=\"w\"?>\n"
    )
}

fn merge_text(
    text: &str,
    dims: (u32, u32),
    own: &[OwnRegion],
    opts: &ExportOptions,
) -> Result<String, XmpError> {
    let (doc, text) = parse_bytes(text.as_bytes())?;
    let rdf = rdf_root(&doc.root)
        .ok_or_else(|| XmpError::malformed("no rdf:RDF element: not an XMP packet"))?;
    let pk = Packet { text, rdf };
    let mut edits = Vec::new();
    let mut new_props = Vec::new();

    merge_regions(&pk, dims, own, &mut edits, &mut new_props)?;

    let names = dedup(own.iter().map(|r| r.name.trim().to_string()));
    let tracked: [(Prop, Prop, Vec<String>); 3] = [
        (PERSON_IN_IMAGE, MARK_NAMES, names.clone()),
        (
            SUBJECT,
            MARK_SUBJECTS,
            if opts.keywords {
                names.clone()
            } else {
                Vec::new()
            },
        ),
        (
            HIER_SUBJECT,
            MARK_HIER,
            if opts.keywords {
                names.iter().map(|n| format!("People|{n}")).collect()
            } else {
                Vec::new()
            },
        ),
    ];
    let mut markers = Vec::new();
    for (target, marker, wanted) in &tracked {
        let old_ours = bag_values(&pk, *marker);
        let ours = merge_shared_bag(&pk, *target, wanted, &old_ours, &mut edits, &mut new_props);
        markers.push((*marker, ours));
    }
    // Markers after the properties they track.
    for (marker, ours) in &markers {
        set_marker(&pk, *marker, ours, &mut edits, &mut new_props);
    }

    if !new_props.is_empty() {
        match descriptions(rdf).next() {
            Some(desc) => {
                let ind = child_indent(text, desc);
                let blocks: String = new_props
                    .iter()
                    .map(|np| {
                        let mut ctx = NsCtx::new(&desc.scope);
                        let body = match np {
                            NewProp::Regions => gen_regions(&mut ctx, dims, own, &ind),
                            NewProp::Bag(p, values) => gen_bag(&mut ctx, *p, values, &ind),
                        };
                        format!("\n{ind}{}", with_decls(body, &ctx))
                    })
                    .collect();
                edits.push(append_children(text, desc, blocks));
            }
            None => {
                let ind = child_indent(text, rdf);
                let i1 = format!("{ind}{UNIT}");
                let mut ctx = NsCtx::new(&rdf.scope);
                let rdfp = ctx.prefix(RDF_NS, "rdf");
                let inner: String = new_props
                    .iter()
                    .map(|np| {
                        let body = match np {
                            NewProp::Regions => gen_regions(&mut ctx, dims, own, &i1),
                            NewProp::Bag(p, values) => gen_bag(&mut ctx, *p, values, &i1),
                        };
                        format!("\n{i1}{body}")
                    })
                    .collect();
                let body = format!(
                    "<{rdfp}:Description {rdfp}:about=\"\">{inner}\n{ind}</{rdfp}:Description>"
                );
                edits.push(append_children(
                    text,
                    rdf,
                    format!("\n{ind}{}", with_decls(body, &ctx)),
                ));
            }
        }
    }
    apply(text, edits)
}

/// Merges `own` into `existing` sidecar bytes (None, empty or whitespace-only = a new file);
/// see the crate docs for the rules. Returns the new bytes; bytes identical to `existing` mean
/// nothing changed. `dims` is the stored-frame size written as `mwg-rs:AppliedToDimensions`.
pub fn merge_sidecar(
    existing: Option<&[u8]>,
    dims: (u32, u32),
    own: &[OwnRegion],
    opts: &ExportOptions,
) -> Result<Vec<u8>, XmpError> {
    match existing {
        Some(bytes) if !bytes.iter().all(u8::is_ascii_whitespace) => {
            if bytes.len() > crate::MAX_XMP_BYTES {
                return Err(XmpError::TooLarge {
                    bytes: bytes.len(),
                    limit: crate::MAX_XMP_BYTES,
                });
            }
            let text = std::str::from_utf8(bytes)
                .map_err(|e| XmpError::malformed(format!("not UTF-8: {e}")))?;
            Ok(merge_text(text, dims, own, opts)?.into_bytes())
        }
        _ => Ok(merge_text(&empty_packet(opts), dims, own, opts)?.into_bytes()),
    }
}

/// Same as [`merge_sidecar`] for the packet embedded in a JPEG: returns the whole new JPEG,
/// with only the XMP APP1 segment replaced (or inserted after the JFIF/Exif segments); every
/// other byte, the image data included, is copied unchanged. A packet that no longer fits one
/// APP1 segment is [`XmpError::TooLarge`].
pub fn merge_into_jpeg(
    jpeg: &[u8],
    dims: (u32, u32),
    own: &[OwnRegion],
    opts: &ExportOptions,
) -> Result<Vec<u8>, XmpError> {
    let old = jpeg_xmp_packet(jpeg)?;
    let new = merge_sidecar(old.as_deref(), dims, own, opts)?;
    if old.as_deref() == Some(new.as_slice()) {
        return Ok(jpeg.to_vec());
    }
    replace_packet(jpeg, &new)
}
