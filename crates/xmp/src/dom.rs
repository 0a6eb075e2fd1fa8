//! A small XML element tree that remembers where every element is in the source text, so the
//! merge can splice new text in without re-serialising anything it does not own.
//!
//! Safety: the size is checked by the callers ([`crate::MAX_XMP_BYTES`]); here any DOCTYPE and
//! any entity reference other than the five predefined ones (and character references) is
//! refused, and nesting is capped at [`crate::MAX_XMP_DEPTH`].

use crate::{XmpError, MAX_XMP_DEPTH};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::rc::Rc;

pub(crate) const RDF_NS: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
pub(crate) const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
const FORBIDDEN_ENTITY: &str = "DOCTYPE/entity";

/// In-scope namespace bindings (prefix, uri); "" is the default namespace. Later entries win.
pub(crate) type Scope = Rc<Vec<(String, String)>>;

pub(crate) fn lookup<'a>(scope: &'a Scope, prefix: &str) -> Option<&'a str> {
    scope
        .iter()
        .rev()
        .find(|(p, _)| p == prefix)
        .map(|(_, u)| u.as_str())
}

#[derive(Debug, Clone)]
pub(crate) struct Attr {
    /// Namespace URI (None: unprefixed or unbound prefix).
    pub ns: Option<String>,
    pub local: String,
    pub value: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Elem {
    pub ns: Option<String>,
    pub local: String,
    /// The name as written, e.g. `rdf:li`.
    pub qname: String,
    /// Attributes other than namespace declarations.
    pub attrs: Vec<Attr>,
    pub children: Vec<Elem>,
    /// Character data directly inside this element (text, CDATA, references resolved).
    pub text: String,
    /// Byte offset of `<` of the start tag.
    pub start: usize,
    /// One past `>` of the start tag.
    pub start_tag_end: usize,
    /// Offset of `</` of the end tag (== `start_tag_end` for an empty element).
    pub end_tag_start: usize,
    /// One past the element.
    pub end: usize,
    /// Written as `<x/>`.
    pub empty: bool,
    /// Namespace bindings in scope inside this element (its own declarations included).
    pub scope: Scope,
}

impl Elem {
    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.local == local && self.ns.as_deref() == Some(ns)
    }

    pub fn is_rdf(&self, local: &str) -> bool {
        self.is(RDF_NS, local)
    }

    pub fn attr(&self, ns: &str, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.local == local && a.ns.as_deref() == Some(ns))
            .map(|a| a.value.as_str())
    }

    pub fn child(&self, ns: &str, local: &str) -> Option<&Elem> {
        self.children.iter().find(|c| c.is(ns, local))
    }

    /// Depth-first search.
    pub fn find(&self, ns: &str, local: &str) -> Option<&Elem> {
        if self.is(ns, local) {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(ns, local))
    }
}

/// A parsed document: the root element and the text offset (UTF-8 BOM skipped).
#[derive(Debug)]
pub(crate) struct Doc {
    pub root: Elem,
}

fn malformed_at(pos: u64, what: impl std::fmt::Display) -> XmpError {
    XmpError::malformed(format!("{what} (at byte {pos})"))
}

fn predefined(name: &str) -> Option<char> {
    Some(match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        "apos" => '\'',
        _ => return None,
    })
}

fn char_ref(body: &str) -> Option<char> {
    let n = if let Some(hex) = body.strip_prefix('x').or_else(|| body.strip_prefix('X')) {
        u32::from_str_radix(hex, 16).ok()?
    } else {
        body.parse::<u32>().ok()?
    };
    char::from_u32(n).filter(|c| *c != '\0')
}

/// Resolves one reference body (`amp`, `#38`, `#x26`).
fn resolve_ref(body: &str) -> Result<char, XmpError> {
    if let Some(num) = body.strip_prefix('#') {
        return char_ref(num)
            .ok_or_else(|| XmpError::malformed(format!("bad character reference &{body};")));
    }
    predefined(body).ok_or(XmpError::Forbidden {
        what: FORBIDDEN_ENTITY,
    })
}

/// Attribute value: references resolved, whitespace characters normalised to spaces.
fn attr_value(raw: &str) -> Result<String, XmpError> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find(['&', '\t', '\n', '\r']) {
        out.push_str(&rest[..i]);
        let c = rest.as_bytes()[i];
        if c == b'&' {
            let after = &rest[i + 1..];
            let end = after
                .find(';')
                .ok_or_else(|| XmpError::malformed("unterminated reference in an attribute"))?;
            out.push(resolve_ref(&after[..end])?);
            rest = &after[end + 1..];
        } else {
            out.push(' ');
            // \r\n counts once
            if c == b'\r' && rest.as_bytes().get(i + 1) == Some(&b'\n') {
                rest = &rest[i + 2..];
            } else {
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

struct Open {
    elem: Elem,
}

fn split_qname(q: &str) -> (&str, &str) {
    q.split_once(':').unwrap_or(("", q))
}

fn open_elem(
    e: &BytesStart<'_>,
    start: usize,
    start_tag_end: usize,
    parent_scope: &Scope,
) -> Result<Elem, XmpError> {
    let qname: String = e.name().as_ref().to_string();
    let mut decls: Vec<(String, String)> = Vec::new();
    let mut raw_attrs: Vec<(String, String)> = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| malformed_at(start as u64, format!("bad attribute: {err}")))?;
        let key: String = a.key.as_ref().to_string();
        let value = attr_value(&a.value)?;
        if key == "xmlns" {
            decls.push((String::new(), value));
        } else if let Some(p) = key.strip_prefix("xmlns:") {
            decls.push((p.to_string(), value));
        } else {
            raw_attrs.push((key, value));
        }
    }
    let scope = if decls.is_empty() {
        Rc::clone(parent_scope)
    } else {
        let mut v = (**parent_scope).clone();
        v.extend(decls);
        Rc::new(v)
    };
    let resolve = |prefix: &str, is_attr: bool| -> Option<String> {
        match prefix {
            "xml" => Some(XML_NS.to_string()),
            "" if is_attr => None,
            p => lookup(&scope, p)
                .filter(|u| !u.is_empty())
                .map(str::to_string),
        }
    };
    let (p, local) = split_qname(&qname);
    let ns = resolve(p, false);
    let local = local.to_string();
    let attrs = raw_attrs
        .into_iter()
        .map(|(k, value)| {
            let (p, l) = split_qname(&k);
            Attr {
                ns: resolve(p, true),
                local: l.to_string(),
                value,
            }
        })
        .collect();
    Ok(Elem {
        ns,
        local,
        qname,
        attrs,
        children: Vec::new(),
        text: String::new(),
        start,
        start_tag_end,
        end_tag_start: start_tag_end,
        end: start_tag_end,
        empty: false,
        scope,
    })
}

/// Parses `text` (UTF-8, BOM already removed by the caller or kept: it is skipped here) into a
/// tree. Offsets are into `text`.
pub(crate) fn parse(text: &str) -> Result<Doc, XmpError> {
    let base = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let body = &text[base..];
    let mut reader = Reader::from_str(body);
    {
        let cfg = reader.config_mut();
        cfg.check_end_names = true;
        cfg.expand_empty_elements = false;
        cfg.trim_text(false);
    }
    let root_scope: Scope = Rc::new(Vec::new());
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<Elem> = None;
    loop {
        let before = reader.buffer_position() as usize + base;
        let ev = reader
            .read_event()
            .map_err(|e| malformed_at(reader.error_position(), e))?;
        let after = reader.buffer_position() as usize + base;
        match ev {
            Event::DocType(_) => {
                return Err(XmpError::Forbidden {
                    what: FORBIDDEN_ENTITY,
                })
            }
            Event::Start(e) | Event::Empty(e) if root.is_some() && stack.is_empty() => {
                let _ = e;
                return Err(malformed_at(before as u64, "a second root element"));
            }
            Event::Start(e) => {
                if stack.len() >= MAX_XMP_DEPTH {
                    return Err(XmpError::Forbidden {
                        what: "element nesting deeper than MAX_XMP_DEPTH",
                    });
                }
                let scope = stack.last().map_or(&root_scope, |o| &o.elem.scope).clone();
                let elem = open_elem(&e, before, after, &scope)?;
                stack.push(Open { elem });
            }
            Event::Empty(e) => {
                if stack.len() >= MAX_XMP_DEPTH {
                    return Err(XmpError::Forbidden {
                        what: "element nesting deeper than MAX_XMP_DEPTH",
                    });
                }
                let scope = stack.last().map_or(&root_scope, |o| &o.elem.scope).clone();
                let mut elem = open_elem(&e, before, after, &scope)?;
                elem.empty = true;
                match stack.last_mut() {
                    Some(parent) => parent.elem.children.push(elem),
                    None => root = Some(elem),
                }
            }
            Event::End(_) => {
                let Some(mut open) = stack.pop() else {
                    return Err(malformed_at(before as u64, "end tag without a start tag"));
                };
                open.elem.end_tag_start = before;
                open.elem.end = after;
                match stack.last_mut() {
                    Some(parent) => parent.elem.children.push(open.elem),
                    None => root = Some(open.elem),
                }
            }
            Event::Text(t) => {
                if let Some(o) = stack.last_mut() {
                    o.elem.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(o) = stack.last_mut() {
                    o.elem.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let body = r.into_inner();
                let c = resolve_ref(&body)?;
                if let Some(o) = stack.last_mut() {
                    o.elem.text.push(c);
                }
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(XmpError::malformed(
            "unexpected end of the document (unclosed elements)",
        ));
    }
    let root = root.ok_or_else(|| XmpError::malformed("no XML element"))?;
    Ok(Doc { root })
}

/// Size check + UTF-8 check + parse.
pub(crate) fn parse_bytes(bytes: &[u8]) -> Result<(Doc, &str), XmpError> {
    if bytes.len() > crate::MAX_XMP_BYTES {
        return Err(XmpError::TooLarge {
            bytes: bytes.len(),
            limit: crate::MAX_XMP_BYTES,
        });
    }
    let text =
        std::str::from_utf8(bytes).map_err(|e| XmpError::malformed(format!("not UTF-8: {e}")))?;
    let doc = parse(text)?;
    Ok((doc, text))
}
