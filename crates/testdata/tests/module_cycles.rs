//! Modules depend one way inside every crate (STYLE.md habit 11): this test fails, listing
//! every cycle, when two sibling modules of a crate name each other, directly or around a loop.
//!
//! **Which crates.** Every package under `crates/`, plus `src-tauri/` and `tests/`: each
//! crate root in its `src/` (`lib.rs`, `main.rs`, `bin/*.rs`) and the module tree reached
//! from it through `mod name;` declarations (`name.rs`, `name/mod.rs`, `#[path]`).
//!
//! **The rule.** Modules are nodes of a tree; the siblings under each parent (the crate
//! root's top-level modules, the children of `index/`, …) form one graph. There is an edge
//! `A → B` between siblings `A` and `B` when code in `A` (any file or inline module inside
//! it) names an item of `B` (or of anything inside `B`) through a path that starts with
//! `crate::` or `super::` (a `use` or a path in code, including `use crate::{a::X, b::Y}`
//! groups and `$crate::`). A name the crate root only re-exports (`crate::Catalog` for
//! `pub use db::Catalog`, globs included) counts as the module that defines it. A parent
//! naming its child, or a child naming its parent's own items, is not an edge: the tree
//! already orders them. Items under `#[cfg(test)]` are skipped: tests sit above the crate
//! and may use anything. Comments and string literals are not code. Each graph's strongly
//! connected components of two or more modules are the cycles.
//!
//! `LIKENESS_MODULE_GRAPH=1 cargo test -p likeness-testdata --test module_cycles -- --nocapture`
//! prints every edge with the first place it was seen.
//!
//! The parser is a small tokenizer, not rustc: it sees the names that are written, which is
//! what a reader (and this rule) cares about.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Punct(char),
    Open(char),
    Close(char),
    Lit,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
}

/// Rust source → tokens; comments dropped, literals collapsed.
fn lex(src: &str) -> Vec<Token> {
    let b: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let n = b.len();
    let newlines =
        |from: usize, to: usize, b: &[char]| b[from..to].iter().filter(|c| **c == '\n').count();
    while i < n {
        let c = b[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && i + 1 < n && b[i + 1] == '/' {
            while i < n && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && i + 1 < n && b[i + 1] == '*' {
            let start = i;
            let mut depth = 0;
            while i < n {
                if b[i] == '/' && i + 1 < n && b[i + 1] == '*' {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && i + 1 < n && b[i + 1] == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            line += newlines(start, i.min(n), &b);
        } else if (c == 'r' || c == 'b' || c == 'c') && raw_string_start(&b, i).is_some() {
            let (hashes, body) = raw_string_start(&b, i).unwrap_or((0, i));
            let start = i;
            i = body;
            'raw: while i < n {
                if b[i] == '"' {
                    let mut k = 0;
                    while k < hashes && i + 1 + k < n && b[i + 1 + k] == '#' {
                        k += 1;
                    }
                    if k == hashes {
                        i += 1 + hashes;
                        break 'raw;
                    }
                }
                i += 1;
            }
            line += newlines(start, i.min(n), &b);
            out.push(Token {
                tok: Tok::Lit,
                line,
            });
        } else if c == '"' || ((c == 'b' || c == 'c') && i + 1 < n && b[i + 1] == '"') {
            let start = i;
            i += if c == '"' { 1 } else { 2 };
            while i < n && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            line += newlines(start, i.min(n), &b);
            out.push(Token {
                tok: Tok::Lit,
                line,
            });
        } else if c == '\'' || (c == 'b' && i + 1 < n && b[i + 1] == '\'') {
            // A char literal ('x', '\n', b'x') or a lifetime ('a).
            let q = if c == '\'' { i } else { i + 1 };
            if q + 1 < n && b[q + 1] == '\\' {
                let mut j = q + 2;
                while j < n && b[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
                out.push(Token {
                    tok: Tok::Lit,
                    line,
                });
            } else if q + 2 < n && b[q + 2] == '\'' {
                i = q + 3;
                out.push(Token {
                    tok: Tok::Lit,
                    line,
                });
            } else {
                i = q + 1;
                while i < n && (b[i].is_alphanumeric() || b[i] == '_') {
                    i += 1;
                }
                out.push(Token {
                    tok: Tok::Lit,
                    line,
                });
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < n && (b[i].is_alphanumeric() || b[i] == '_') {
                i += 1;
            }
            let word: String = b[start..i].iter().collect();
            let word = word.strip_prefix("r#").map(str::to_owned).unwrap_or(word);
            out.push(Token {
                tok: Tok::Ident(word),
                line,
            });
        } else if c.is_ascii_digit() {
            while i < n && (b[i].is_alphanumeric() || b[i] == '_' || b[i] == '.') {
                if b[i] == '.' && !(i + 1 < n && b[i + 1].is_ascii_digit()) {
                    break;
                }
                i += 1;
            }
            out.push(Token {
                tok: Tok::Lit,
                line,
            });
        } else if "([{".contains(c) {
            out.push(Token {
                tok: Tok::Open(c),
                line,
            });
            i += 1;
        } else if ")]}".contains(c) {
            out.push(Token {
                tok: Tok::Close(c),
                line,
            });
            i += 1;
        } else {
            out.push(Token {
                tok: Tok::Punct(c),
                line,
            });
            i += 1;
        }
    }
    out
}

/// `r"`, `r#"`, `br##"`, `cr"` at `i` → (number of hashes, index after the opening quote).
fn raw_string_start(b: &[char], i: usize) -> Option<(usize, usize)> {
    let mut j = i;
    if b[j] == 'b' || b[j] == 'c' {
        j += 1;
    }
    if j >= b.len() || b[j] != 'r' {
        return None;
    }
    // Not the tail of an identifier such as `for`.
    if i > 0 && (b[i - 1].is_alphanumeric() || b[i - 1] == '_') {
        return None;
    }
    j += 1;
    let mut hashes = 0;
    while j < b.len() && b[j] == '#' {
        hashes += 1;
        j += 1;
    }
    (j < b.len() && b[j] == '"').then_some((hashes, j + 1))
}

fn ident(t: Option<&Token>) -> Option<&str> {
    match t.map(|t| &t.tok) {
        Some(Tok::Ident(s)) => Some(s),
        _ => None,
    }
}

fn is_punct(t: Option<&Token>, c: char) -> bool {
    matches!(t.map(|t| &t.tok), Some(Tok::Punct(p)) if *p == c)
}

fn is_path_sep(toks: &[Token], i: usize) -> bool {
    is_punct(toks.get(i), ':') && is_punct(toks.get(i + 1), ':')
}

/// Index just past the group opened at `i`.
fn group_end(toks: &[Token], i: usize) -> usize {
    let mut depth = 0usize;
    let mut j = i;
    while j < toks.len() {
        match toks[j].tok {
            Tok::Open(_) => depth += 1,
            Tok::Close(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
        j += 1;
    }
    toks.len()
}

/// An attribute starting at `i` (the `#`) → (index past it, whether it is `#[cfg(test)]`).
fn attribute(toks: &[Token], i: usize) -> Option<(usize, bool)> {
    if !is_punct(toks.get(i), '#') {
        return None;
    }
    let mut j = i + 1;
    if is_punct(toks.get(j), '!') {
        j += 1;
    }
    if !matches!(toks.get(j).map(|t| &t.tok), Some(Tok::Open('['))) {
        return None;
    }
    let end = group_end(toks, j);
    let inner = &toks[j + 1..end.saturating_sub(1)];
    let words: Vec<&str> = inner.iter().filter_map(|t| ident(Some(t))).collect();
    let test = words.first() == Some(&"cfg") && words.contains(&"test") && !words.contains(&"not");
    Some((end, test))
}

/// The module tree of one crate root.
#[derive(Debug, Default)]
struct ModTree {
    /// module path (segments below the root) → its file (None for inline modules)
    files: BTreeMap<Vec<String>, PathBuf>,
    /// modules skipped as `#[cfg(test)]`
    test_only: BTreeSet<Vec<String>>,
}

/// `#[path = "x"] mod name;` in a file's text → name → x.
fn path_attrs(src: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut pending: Option<String> = None;
    for line in src.lines() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("#[path") {
            if let Some(q) = rest.split('"').nth(1) {
                pending = Some(q.to_owned());
            }
            continue;
        }
        if let Some(p) = pending.take() {
            let words: Vec<&str> = t
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .filter(|w| !w.is_empty())
                .collect();
            if let Some(k) = words.iter().position(|w| *w == "mod") {
                if let Some(name) = words.get(k + 1) {
                    out.insert((*name).to_owned(), p);
                }
            }
        }
    }
    out
}

fn discover(tree: &mut ModTree, module: Vec<String>, file: &Path, is_dir_owner: bool) {
    let Ok(src) = fs::read_to_string(file) else {
        return;
    };
    tree.files.insert(module.clone(), file.to_owned());
    let toks = lex(&src);
    let paths = path_attrs(&src);
    let dir = file.parent().map(Path::to_owned).unwrap_or_default();
    let child_dir = if is_dir_owner {
        dir.clone()
    } else {
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        dir.join(stem)
    };
    // Only `mod x;` at the file's top level (inline `mod x { mod y; }` is not used here).
    let mut i = 0;
    let mut test_attr = false;
    while i < toks.len() {
        if let Some((end, test)) = attribute(&toks, i) {
            test_attr |= test;
            i = end;
            continue;
        }
        match &toks[i].tok {
            Tok::Open(_) => {
                i = group_end(&toks, i);
                test_attr = false;
                continue;
            }
            Tok::Ident(w) if w == "mod" => {
                if let (Some(name), true) = (ident(toks.get(i + 1)), is_punct(toks.get(i + 2), ';'))
                {
                    let mut child = module.clone();
                    child.push(name.to_owned());
                    if test_attr {
                        tree.test_only.insert(child);
                    } else {
                        let candidates = match paths.get(name) {
                            Some(p) => vec![(dir.join(p), false)],
                            None => vec![
                                (child_dir.join(format!("{name}.rs")), false),
                                (child_dir.join(name).join("mod.rs"), true),
                            ],
                        };
                        if let Some((f, owner)) = candidates.into_iter().find(|(f, _)| f.is_file())
                        {
                            discover(tree, child, &f, owner);
                        }
                    }
                    test_attr = false;
                    i += 3;
                    continue;
                }
            }
            Tok::Punct(';') => test_attr = false,
            _ => {}
        }
        i += 1;
    }
}

/// One `use` tree → (path, bound name or "*").
fn use_tree(
    toks: &[Token],
    mut i: usize,
    prefix: Vec<String>,
    out: &mut Vec<(Vec<String>, String)>,
) -> usize {
    let mut path = prefix;
    if is_path_sep(toks, i) {
        i += 2;
    }
    loop {
        match toks.get(i).map(|t| &t.tok) {
            Some(Tok::Ident(w)) => {
                path.push(w.clone());
                i += 1;
                if is_path_sep(toks, i) {
                    i += 2;
                    continue;
                }
                let mut name = w.clone();
                if ident(toks.get(i)) == Some("as") {
                    name = ident(toks.get(i + 1)).unwrap_or("_").to_owned();
                    i += 2;
                }
                if name == "self" {
                    path.pop();
                    name = path.last().cloned().unwrap_or_default();
                }
                out.push((path, name));
                return i;
            }
            Some(Tok::Punct('*')) => {
                out.push((path, "*".to_owned()));
                return i + 1;
            }
            Some(Tok::Open('{')) => {
                let end = group_end(toks, i);
                let mut j = i + 1;
                while j < end - 1 {
                    if is_punct(toks.get(j), ',') {
                        j += 1;
                        continue;
                    }
                    let next = use_tree(toks, j, path.clone(), out);
                    j = next.max(j + 1);
                }
                return end;
            }
            _ => return i + 1,
        }
    }
}

/// Names the crate root binds (its items and `use`s) → the top-level module defining them.
fn root_names(tree: &ModTree) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(root) = tree.files.get(&Vec::new()) else {
        return out;
    };
    let Ok(src) = fs::read_to_string(root) else {
        return out;
    };
    let toks = lex(&src);
    let top: BTreeSet<String> = tree
        .files
        .keys()
        .filter(|k| k.len() == 1)
        .map(|k| k[0].clone())
        .collect();
    let mut i = 0;
    while i < toks.len() {
        if ident(toks.get(i)) == Some("use") {
            let mut uses = Vec::new();
            i = use_tree(&toks, i + 1, Vec::new(), &mut uses);
            for (mut path, name) in uses {
                if matches!(path.first().map(String::as_str), Some("crate" | "self")) {
                    path.remove(0);
                }
                let Some(m) = path.first().filter(|m| top.contains(*m)) else {
                    continue;
                };
                if name == "*" {
                    let module: Vec<String> = path.clone();
                    for item in pub_items(tree, &module) {
                        out.entry(item).or_insert_with(|| m.clone());
                    }
                } else {
                    out.insert(name, m.clone());
                }
            }
            continue;
        }
        i += 1;
    }
    out
}

/// `pub` items defined in a module's file (for glob re-exports).
fn pub_items(tree: &ModTree, module: &[String]) -> Vec<String> {
    let Some(src) = tree
        .files
        .get(module)
        .and_then(|f| fs::read_to_string(f).ok())
    else {
        return Vec::new();
    };
    let toks = lex(&src);
    let mut out = Vec::new();
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate() {
        match &t.tok {
            Tok::Open(_) => depth += 1,
            Tok::Close(_) => depth = depth.saturating_sub(1),
            Tok::Ident(w)
                if depth == 0
                    && matches!(
                        w.as_str(),
                        "struct"
                            | "enum"
                            | "fn"
                            | "type"
                            | "const"
                            | "static"
                            | "trait"
                            | "union"
                            | "mod"
                    ) =>
            {
                if let Some(name) = ident(toks.get(i + 1)) {
                    out.push(name.to_owned());
                }
            }
            _ => {}
        }
    }
    out
}

/// A reference found in code: from module `from` (full path) to module path `to`, at a line.
#[derive(Debug)]
struct Reference {
    from: Vec<String>,
    to: Vec<String>,
    file: PathBuf,
    line: usize,
}

fn references(tree: &ModTree, names: &BTreeMap<String, String>) -> Vec<Reference> {
    let mut out = Vec::new();
    for (module, file) in &tree.files {
        let Ok(src) = fs::read_to_string(file) else {
            continue;
        };
        let toks = lex(&src);
        scan(
            tree,
            names,
            &toks,
            0,
            toks.len(),
            module.clone(),
            file,
            &mut out,
        );
    }
    out
}

/// The module path a path `segments` (after `crate::`) points into: the longest prefix that
/// is a module; a root name resolved through the root's re-exports.
fn resolve(
    tree: &ModTree,
    names: &BTreeMap<String, String>,
    segments: &[String],
) -> Option<Vec<String>> {
    let first = segments.first()?;
    if !tree.files.keys().any(|k| k.first() == Some(first)) {
        // A root name: the rest of the path names items inside the defining module.
        return Some(vec![names.get(first)?.clone()]);
    }
    let mut path = vec![first.clone()];
    for s in &segments[1..] {
        let mut next = path.clone();
        next.push(s.clone());
        if tree.files.keys().any(|k| k.starts_with(&next)) {
            path = next;
        } else {
            break;
        }
    }
    Some(path)
}

#[allow(clippy::too_many_arguments)]
fn scan(
    tree: &ModTree,
    names: &BTreeMap<String, String>,
    toks: &[Token],
    mut i: usize,
    end: usize,
    module: Vec<String>,
    file: &Path,
    out: &mut Vec<Reference>,
) {
    let mut test_attr = false;
    while i < end {
        if let Some((e, test)) = attribute(toks, i) {
            test_attr |= test;
            i = e;
            continue;
        }
        if test_attr {
            // Skip the item: up to `;` or through its first top-level `{ }`.
            while i < end {
                match toks[i].tok {
                    Tok::Punct(';') => {
                        i += 1;
                        break;
                    }
                    Tok::Open('{') => {
                        i = group_end(toks, i);
                        break;
                    }
                    Tok::Open(_) => i = group_end(toks, i),
                    _ => i += 1,
                }
            }
            test_attr = false;
            continue;
        }
        match &toks[i].tok {
            Tok::Ident(w) if w == "mod" => {
                if let (Some(name), Some(Tok::Open('{'))) =
                    (ident(toks.get(i + 1)), toks.get(i + 2).map(|t| &t.tok))
                {
                    let close = group_end(toks, i + 2);
                    let mut inner = module.clone();
                    inner.push(name.to_owned());
                    scan(tree, names, toks, i + 3, close - 1, inner, file, out);
                    i = close;
                    continue;
                }
            }
            Tok::Ident(w) if (w == "crate" || w == "super") && is_path_sep(toks, i + 1) => {
                // Count `super::super::…`.
                let mut base: Option<Vec<String>> = Some(Vec::new());
                let mut j = i;
                if w == "super" {
                    let mut m = module.clone();
                    while ident(toks.get(j)) == Some("super") && is_path_sep(toks, j + 1) {
                        if m.pop().is_none() {
                            base = None;
                        }
                        j += 3;
                    }
                    base = base.map(|_| m);
                } else {
                    j += 3;
                }
                let Some(base) = base else {
                    i = j;
                    continue;
                };
                let mut uses = Vec::new();
                let next = use_tree(toks, j, Vec::new(), &mut uses);
                for (path, _) in uses {
                    let target = if base.is_empty() {
                        resolve(tree, names, &path)
                    } else {
                        let mut full = base.clone();
                        full.extend(path.iter().cloned());
                        resolve(tree, names, &full).or(Some(base.clone()))
                    };
                    if let Some(to) = target {
                        out.push(Reference {
                            from: module.clone(),
                            to,
                            file: file.to_owned(),
                            line: toks[i].line,
                        });
                    }
                }
                i = next.max(i + 1);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
}

/// Sibling edges: parent module → (from child, to child) → first place seen.
type Edges = BTreeMap<Vec<String>, BTreeMap<(String, String), String>>;

fn sibling_edges(refs: &[Reference], root: &Path) -> Edges {
    let mut edges = Edges::new();
    for r in refs {
        let common = r.from.iter().zip(&r.to).take_while(|(a, b)| a == b).count();
        if common >= r.from.len() || common >= r.to.len() {
            continue; // within one module, or between a module and its ancestor/descendant
        }
        let parent = r.from[..common].to_vec();
        let key = (r.from[common].clone(), r.to[common].clone());
        let at = format!(
            "{}:{}",
            r.file.strip_prefix(root).unwrap_or(&r.file).display(),
            r.line
        );
        edges.entry(parent).or_default().entry(key).or_insert(at);
    }
    edges
}

/// Tarjan's strongly connected components of size ≥ 2.
fn cycles(edges: &BTreeMap<(String, String), String>) -> Vec<Vec<String>> {
    let nodes: BTreeSet<&String> = edges.keys().flat_map(|(a, b)| [a, b]).collect();
    let nodes: Vec<&String> = nodes.into_iter().collect();
    let idx = |s: &String| nodes.iter().position(|n| *n == s).unwrap_or(0);
    let adj: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| {
            edges
                .keys()
                .filter(|(a, _)| a == *n)
                .map(|(_, b)| idx(b))
                .collect()
        })
        .collect();
    struct St {
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    fn visit(v: usize, adj: &[Vec<usize>], st: &mut St) {
        st.index[v] = Some(st.next);
        st.low[v] = st.next;
        st.next += 1;
        st.stack.push(v);
        st.on[v] = true;
        for &w in &adj[v] {
            match st.index[w] {
                None => {
                    visit(w, adj, st);
                    st.low[v] = st.low[v].min(st.low[w]);
                }
                Some(iw) if st.on[w] => st.low[v] = st.low[v].min(iw),
                _ => {}
            }
        }
        if Some(st.low[v]) == st.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = st.stack.pop() {
                st.on[w] = false;
                comp.push(w);
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                st.out.push(comp);
            }
        }
    }
    let mut st = St {
        index: vec![None; nodes.len()],
        low: vec![0; nodes.len()],
        on: vec![false; nodes.len()],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in 0..nodes.len() {
        if st.index[v].is_none() {
            visit(v, &adj, &mut st);
        }
    }
    st.out
        .into_iter()
        .map(|c| {
            let mut names: Vec<String> = c.into_iter().map(|v| nodes[v].clone()).collect();
            names.sort();
            names
        })
        .collect()
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every crate root under `crates/*/src`, `src-tauri/src`, `tests/src`.
fn crate_roots(root: &Path) -> Vec<(String, PathBuf)> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(root.join("crates"))
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    dirs.push(root.join("src-tauri"));
    dirs.push(root.join("tests"));
    dirs.sort();
    let mut out = Vec::new();
    for d in dirs {
        if !d.join("Cargo.toml").is_file() {
            continue;
        }
        let name = d
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let src = d.join("src");
        for f in ["lib.rs", "main.rs"] {
            if src.join(f).is_file() {
                out.push((format!("{name} ({f})"), src.join(f)));
            }
        }
        if let Ok(rd) = fs::read_dir(src.join("bin")) {
            let mut bins: Vec<PathBuf> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
            bins.sort();
            for b in bins {
                let main = if b.is_dir() {
                    b.join("main.rs")
                } else {
                    b.clone()
                };
                if main.extension().is_some_and(|e| e == "rs") && main.is_file() {
                    let bin = b
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    out.push((format!("{name} (bin {bin})"), main));
                }
            }
        }
    }
    out
}

/// Every cycle of every crate: (crate, parent module, modules in the cycle, edges inside it).
fn all_cycles() -> Vec<(String, String, Vec<String>, Vec<String>)> {
    let root = workspace_root();
    let mut found = Vec::new();
    for (name, file) in crate_roots(&root) {
        let mut tree = ModTree::default();
        let owner = file
            .file_name()
            .is_some_and(|f| f == "lib.rs" || f == "main.rs");
        discover(&mut tree, Vec::new(), &file, owner);
        let names = root_names(&tree);
        let refs = references(&tree, &names);
        for (parent, edges) in sibling_edges(&refs, &root) {
            if std::env::var_os("LIKENESS_MODULE_GRAPH").is_some() {
                for ((a, b), at) in &edges {
                    eprintln!("{name}: crate::{}: {a} -> {b} ({at})", parent.join("::"));
                }
            }
            for cycle in cycles(&edges) {
                let inside: Vec<String> = edges
                    .iter()
                    .filter(|((a, b), _)| cycle.contains(a) && cycle.contains(b))
                    .map(|((a, b), at)| format!("{a} -> {b} ({at})"))
                    .collect();
                let parent = if parent.is_empty() {
                    "crate".to_owned()
                } else {
                    format!("crate::{}", parent.join("::"))
                };
                found.push((name.clone(), parent, cycle, inside));
            }
        }
    }
    found
}

#[test]
fn no_module_cycles_in_any_crate() {
    let found = all_cycles();
    let mut report = String::new();
    for (krate, parent, cycle, edges) in &found {
        report.push_str(&format!("{krate}: {parent}: {{{}}}\n", cycle.join(", ")));
        for e in edges {
            report.push_str(&format!("    {e}\n"));
        }
    }
    assert!(
        found.is_empty(),
        "{} module cycle(s):\n{report}",
        found.len()
    );
}

#[test]
fn the_checker_sees_cycles_and_skips_comments_strings_and_tests() {
    let dir = std::env::temp_dir().join(format!("likeness-module-cycles-{}", std::process::id()));
    let src = dir.join("src");
    fs::create_dir_all(src.join("c")).expect("dir");
    fs::write(
        src.join("lib.rs"),
        "mod a;\nmod b;\nmod c;\nmod d;\npub use d::*;\n",
    )
    .expect("lib");
    fs::write(
        src.join("a.rs"),
        "use crate::{b::X, c};\n// crate::d::Y\nconst S: &str = \"crate::d\";\n",
    )
    .expect("a");
    fs::write(
        src.join("b.rs"),
        "pub struct X;\nfn f() { super::c::g(); }\n#[cfg(test)]\nmod tests { use crate::a; }\n",
    )
    .expect("b");
    fs::write(src.join("c/mod.rs"), "mod inner;\npub fn g() {}\n").expect("c");
    fs::write(
        src.join("c/inner.rs"),
        "fn h() { let _ = crate::Z; let _ = super::super::b::X; }\n",
    )
    .expect("inner");
    fs::write(
        src.join("d.rs"),
        "pub struct Z;\nfn k() { let _ = 'x'; let _ = r#\"crate::a\"#; }\n",
    )
    .expect("d");
    let mut tree = ModTree::default();
    discover(&mut tree, Vec::new(), &src.join("lib.rs"), true);
    let names = root_names(&tree);
    let refs = references(&tree, &names);
    let edges = sibling_edges(&refs, &dir);
    let top = &edges[&Vec::new()];
    let keys: BTreeSet<(&str, &str)> = top.keys().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let expected: BTreeSet<(&str, &str)> =
        [("a", "b"), ("a", "c"), ("b", "c"), ("c", "b"), ("c", "d")].into();
    assert_eq!(keys, expected);
    assert_eq!(cycles(top), vec![vec!["b".to_owned(), "c".to_owned()]]);
    let _ = fs::remove_dir_all(&dir);
}
