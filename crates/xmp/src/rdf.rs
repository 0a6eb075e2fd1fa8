//! The RDF/XMP data model over the element tree: every property becomes a [`Value`] no
//! matter which RDF spelling the writer chose (attributes, `rdf:parseType="Resource"`, nested
//! `rdf:Description`, `rdf:value` qualifiers, arrays).

use crate::dom::{Elem, RDF_NS, XML_NS};

pub(crate) const MWG_RS: &str = "http://www.metadataworkinggroup.com/schemas/regions/";
pub(crate) const ST_AREA: &str = "http://ns.adobe.com/xmp/sType/Area#";
pub(crate) const ST_DIM: &str = "http://ns.adobe.com/xap/1.0/sType/Dimensions#";
pub(crate) const IPTC_EXT: &str = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/";
pub(crate) const DC: &str = "http://purl.org/dc/elements/1.1/";
pub(crate) const LR: &str = "http://ns.adobe.com/lightroom/1.0/";
pub(crate) const MP: &str = "http://ns.microsoft.com/photo/1.2/";
pub(crate) const MP_RI: &str = "http://ns.microsoft.com/photo/1.2/t/RegionInfo#";
pub(crate) const MP_REG: &str = "http://ns.microsoft.com/photo/1.2/t/Region#";
pub(crate) const DIGIKAM: &str = "http://www.digikam.org/ns/1.0/";

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Text(String),
    Struct(Vec<Field>),
    Array(Vec<Value>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Field {
    pub ns: Option<String>,
    pub local: String,
    pub value: Value,
}

impl Value {
    pub fn field(&self, ns: &str, local: &str) -> Option<&Value> {
        match self {
            Value::Struct(fields) => find_field(fields, ns, local),
            _ => None,
        }
    }

    pub fn text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            // A one-item array read as a simple value (lenient, e.g. a single-name Bag).
            Value::Array(items) if items.len() == 1 => items[0].text(),
            _ => None,
        }
    }

    /// Array items; a simple value is treated as a one-item array.
    pub fn items(&self) -> Vec<&Value> {
        match self {
            Value::Array(items) => items.iter().collect(),
            Value::Text(t) if !t.trim().is_empty() => vec![self],
            _ => Vec::new(),
        }
    }

    /// Texts of the array items, trimmed, empty ones left out.
    pub fn texts(&self) -> Vec<String> {
        self.items()
            .into_iter()
            .filter_map(|v| v.text())
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect()
    }
}

pub(crate) fn find_field<'a>(fields: &'a [Field], ns: &str, local: &str) -> Option<&'a Value> {
    fields
        .iter()
        .find(|f| f.local == local && f.ns.as_deref() == Some(ns))
        .map(|f| &f.value)
}

fn is_array_container(e: &Elem) -> bool {
    e.is_rdf("Bag") || e.is_rdf("Seq") || e.is_rdf("Alt")
}

/// The `rdf:Bag`/`Seq`/`Alt` child of a property element.
pub(crate) fn array_container(prop: &Elem) -> Option<&Elem> {
    prop.children.iter().find(|c| is_array_container(c))
}

/// The `rdf:li` items of an array container.
pub(crate) fn array_items(container: &Elem) -> impl Iterator<Item = &Elem> {
    container.children.iter().filter(|c| c.is_rdf("li"))
}

/// Attributes of a node or property element that are struct fields (not rdf:*, xml:*,
/// unqualified).
fn attr_fields(e: &Elem) -> Vec<Field> {
    e.attrs
        .iter()
        .filter(|a| match a.ns.as_deref() {
            None => false,
            Some(ns) => ns != XML_NS && (ns != RDF_NS || a.local == "value"),
        })
        .map(|a| Field {
            ns: a.ns.clone(),
            local: a.local.clone(),
            value: Value::Text(a.value.clone()),
        })
        .collect()
}

/// Fields of a node element (`rdf:Description`) or of a `parseType="Resource"` property:
/// attributes plus child property elements.
pub(crate) fn node_fields(e: &Elem) -> Vec<Field> {
    let mut fields = attr_fields(e);
    for c in &e.children {
        fields.push(Field {
            ns: c.ns.clone(),
            local: c.local.clone(),
            value: property_value(c),
        });
    }
    fields
}

fn struct_or_value(fields: Vec<Field>) -> Value {
    // A qualified simple value: <rdf:value> plus qualifiers.
    if let Some(v) = find_field(&fields, RDF_NS, "value") {
        return v.clone();
    }
    Value::Struct(fields)
}

/// The value of a property element (or an `rdf:li`) in any RDF form.
pub(crate) fn property_value(e: &Elem) -> Value {
    if let Some(r) = e.attr(RDF_NS, "resource") {
        return Value::Text(r.to_string());
    }
    if e.attr(RDF_NS, "parseType") == Some("Resource") {
        return struct_or_value(node_fields(e));
    }
    if let Some(c) = array_container(e) {
        return Value::Array(array_items(c).map(property_value).collect());
    }
    if let Some(d) = e.children.iter().find(|c| c.is_rdf("Description")) {
        return struct_or_value(node_fields(d));
    }
    if !e.children.is_empty() {
        return struct_or_value(node_fields(e));
    }
    let fields = attr_fields(e);
    if !fields.is_empty() {
        return struct_or_value(fields);
    }
    Value::Text(e.text.clone())
}

/// The `rdf:RDF` element of a packet.
pub(crate) fn rdf_root(root: &Elem) -> Option<&Elem> {
    root.find(RDF_NS, "RDF")
}

/// The `rdf:Description` children of `rdf:RDF`.
pub(crate) fn descriptions(rdf: &Elem) -> impl Iterator<Item = &Elem> {
    rdf.children.iter().filter(|c| c.is_rdf("Description"))
}

/// All top-level properties of a packet, from every description.
pub(crate) fn top_fields(rdf: &Elem) -> Vec<Field> {
    descriptions(rdf).flat_map(node_fields).collect()
}

/// Parses a real number as XMP writers write it (a decimal comma is accepted).
pub(crate) fn parse_real(s: &str) -> Option<f64> {
    let t = s.trim();
    let v = t.parse::<f64>().ok().or_else(|| {
        if t.contains(',') && !t.contains('.') {
            t.replace(',', ".").parse::<f64>().ok()
        } else {
            None
        }
    })?;
    v.is_finite().then_some(v)
}
