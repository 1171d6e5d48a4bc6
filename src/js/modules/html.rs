//! `k6/html`: `parseHTML(src)` and `res.html()`, a jQuery-like Selection API over an HTML5
//! tree (html5ever through the `scraper` crate, CSS selectors from `selectors`).
//!
//! Behaviour follows k6 v1.1.0 (goquery/cascadia over golang.org/x/net/html), checked by
//! running the same probes on both: element accessors are methods (`el.nodeName()`),
//! `html()` renders like Go's `html.Render` (`<br/>`, `&#39;`, `&#34;`), `map()` callbacks get
//! a Selection while `each()` callbacks get an Element, `serialize*()` follow k6's form rules.

use std::collections::HashSet;
use std::rc::Rc;

use boa_engine::object::ObjectInitializer;
use boa_engine::object::builtins::JsArray;
use boa_engine::property::PropertyDescriptor;
use boa_engine::{
    Context, Finalize, JsArgs, JsData, JsObject, JsResult, JsString, JsValue, NativeFunction, Trace,
};
use ego_tree::{NodeId, NodeRef};
use scraper::{ElementRef, Html, Node, Selector};

use crate::js::gc::note_native_bytes;
use crate::js::util::{error, func, to_rust_string, type_error};

pub const EXPORTS: &[&str] = &["parseHTML"];

pub fn exports(ctx: &mut Context) -> JsResult<JsObject> {
    let parse = func(ctx, "parseHTML", 1, NativeFunction::from_fn_ptr(parse_html));
    Ok(ObjectInitializer::new(ctx)
        .property(JsString::from("parseHTML"), parse, crate::js::util::ALL)
        .build())
}

/// `res.html([selector])` for k6/http Responses (installed as a
/// [`super::http::ResponseHtmlHook`] at VU start, so it works without importing k6/html).
pub fn response_html(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let Some(body) = super::http::response_body_text(this) else {
        return Err(error(
            "the body is null so we can't transform it to HTML - this likely was because of a request error getting the response",
        ));
    };
    let url = match this.as_object() {
        Some(o) => {
            let u = o.get(JsString::from("url"), ctx)?;
            if u.is_undefined() || u.is_null() {
                String::new()
            } else {
                to_rust_string(&u, ctx)?
            }
        }
        None => String::new(),
    };
    let sel = Sel::document(&body, url);
    note_native_bytes(ctx, DOC_BYTES_PER_SOURCE_BYTE * body.len());
    match args.first() {
        Some(v) if !v.is_undefined() => {
            let s = to_rust_string(v, ctx)?;
            let found = sel.find_str(&s);
            selection_value(found, ctx)
        }
        _ => selection_value(sel, ctx),
    }
}

fn parse_html(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let src = to_rust_string(args.get_or_undefined(0), ctx)?;
    note_native_bytes(ctx, DOC_BYTES_PER_SOURCE_BYTE * src.len());
    selection_value(Sel::document(&src, String::new()), ctx)
}

// ------------------------------------------------------------------------------------------
// Document and selections
// ------------------------------------------------------------------------------------------

/// A parsed document's tree (nodes, attributes, text copies) next to its source size, as
/// counted towards the VU's garbage collection budget (`gc::NATIVE_GC_BUDGET`).
const DOC_BYTES_PER_SOURCE_BYTE: usize = 4;

struct Doc {
    html: Html,
    /// The response URL for `res.html()` (relative `href`/`src`/`action` resolve against it).
    url: String,
}

#[derive(Clone)]
struct Sel {
    doc: Rc<Doc>,
    nodes: Vec<NodeId>,
    /// The selection this one was derived from, for `end()`.
    prev: Option<Rc<Sel>>,
}

fn compile(selector: &str) -> Option<Selector> {
    // cascadia rejects an empty selector too; k6 then yields an empty selection.
    if selector.trim().is_empty() {
        return None;
    }
    Selector::parse(selector).ok()
}

fn matches(node: NodeRef<'_, Node>, selector: &Selector) -> bool {
    ElementRef::wrap(node).is_some_and(|e| selector.matches(&e))
}

fn is_element(node: NodeRef<'_, Node>) -> bool {
    node.value().is_element()
}

impl Sel {
    fn document(src: &str, url: String) -> Sel {
        let html = Html::parse_document(src);
        let root = html.tree.root().id();
        Sel {
            doc: Rc::new(Doc { html, url }),
            nodes: vec![root],
            prev: None,
        }
    }

    fn node(&self, id: NodeId) -> Option<NodeRef<'_, Node>> {
        self.doc.html.tree.get(id)
    }

    fn refs(&self) -> impl Iterator<Item = NodeRef<'_, Node>> {
        self.nodes.iter().filter_map(|id| self.node(*id))
    }

    fn first(&self) -> Option<NodeRef<'_, Node>> {
        self.nodes.first().and_then(|id| self.node(*id))
    }

    /// A new selection of `nodes` (deduplicated, first occurrence kept) derived from `self`.
    fn derive(&self, nodes: impl IntoIterator<Item = NodeId>) -> Sel {
        let mut seen = HashSet::new();
        let nodes = nodes.into_iter().filter(|n| seen.insert(*n)).collect();
        Sel {
            doc: self.doc.clone(),
            nodes,
            prev: Some(Rc::new(self.clone())),
        }
    }

    fn single(&self, id: NodeId) -> Sel {
        Sel {
            doc: self.doc.clone(),
            nodes: vec![id],
            prev: None,
        }
    }

    fn same_doc(&self, other: &Sel) -> bool {
        Rc::ptr_eq(&self.doc, &other.doc)
    }

    fn find_str(&self, selector: &str) -> Sel {
        let Some(s) = compile(selector) else {
            return self.derive([]);
        };
        let found: Vec<NodeId> = self
            .refs()
            .flat_map(|n| n.descendants().skip(1))
            .filter(|n| matches(*n, &s))
            .map(|n| n.id())
            .collect();
        self.derive(found)
    }

    fn is_descendant_of_any(&self, id: NodeId) -> bool {
        let Some(n) = self.node(id) else { return false };
        n.ancestors().any(|a| self.nodes.contains(&a.id()))
    }

    fn filter_str(&self, selector: &str) -> Vec<NodeId> {
        let Some(s) = compile(selector) else {
            return Vec::new();
        };
        self.refs()
            .filter(|n| matches(*n, &s))
            .map(|n| n.id())
            .collect()
    }

    fn filtered(&self, nodes: Vec<NodeId>, filter: Option<&str>) -> Sel {
        match filter {
            None => self.derive(nodes),
            Some(f) => {
                let tmp = self.derive(nodes);
                self.derive(tmp.filter_str(f))
            }
        }
    }

    fn text(&self) -> String {
        let mut out = String::new();
        for n in self.refs() {
            for d in n.descendants() {
                if let Node::Text(t) = d.value() {
                    out.push_str(t);
                }
            }
        }
        out
    }

    fn inner_html(&self) -> String {
        let mut out = String::new();
        if let Some(n) = self.first() {
            for c in n.children() {
                render(c, &mut out);
            }
        }
        out
    }

    fn attr(&self, name: &str) -> Option<String> {
        let n = self.first()?;
        attr_of(n, name).map(str::to_string)
    }

    fn node_name(&self) -> String {
        self.first().map(node_name).unwrap_or_default()
    }
}

fn attr_of<'a>(n: NodeRef<'a, Node>, name: &str) -> Option<&'a str> {
    let el = n.value().as_element()?;
    el.attrs
        .iter()
        .find(|(k, _)| &*k.local == name)
        .map(|(_, v)| &**v)
}

fn node_name(n: NodeRef<'_, Node>) -> String {
    match n.value() {
        Node::Element(e) => e.name.local.to_string(),
        Node::Text(_) => "#text".into(),
        Node::Comment(_) => "#comment".into(),
        Node::Document | Node::Fragment => "#document".into(),
        Node::Doctype(d) => d.name().to_string(),
        Node::ProcessingInstruction(p) => p.target.to_string(),
    }
}

fn element_children(n: NodeRef<'_, Node>) -> impl Iterator<Item = NodeRef<'_, Node>> {
    n.children().filter(|c| is_element(*c))
}

// ------------------------------------------------------------------------------------------
// Rendering like Go's html.Render (which goquery's Html() and so k6 use)
// ------------------------------------------------------------------------------------------

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param",
    "source", "track", "wbr",
];
const RAW_TEXT: &[&str] = &[
    "iframe",
    "noembed",
    "noframes",
    "noscript",
    "plaintext",
    "script",
    "style",
    "xmp",
];

fn escape_into(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&#39;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}

fn is_html_ns(e: &scraper::node::Element) -> bool {
    &*e.name.ns == "http://www.w3.org/1999/xhtml"
}

fn render(n: NodeRef<'_, Node>, out: &mut String) {
    match n.value() {
        Node::Document | Node::Fragment => {
            for c in n.children() {
                render(c, out);
            }
        }
        Node::Doctype(d) => {
            out.push_str("<!DOCTYPE ");
            out.push_str(d.name());
            let (p, s) = (d.public_id(), d.system_id());
            if !p.is_empty() {
                out.push_str(" PUBLIC \"");
                out.push_str(p);
                out.push('"');
                if !s.is_empty() {
                    out.push_str(" \"");
                    out.push_str(s);
                    out.push('"');
                }
            } else if !s.is_empty() {
                out.push_str(" SYSTEM \"");
                out.push_str(s);
                out.push('"');
            }
            out.push('>');
        }
        Node::Comment(c) => {
            out.push_str("<!--");
            out.push_str(c);
            out.push_str("-->");
        }
        Node::Text(t) => {
            let raw = n
                .parent()
                .and_then(|p| p.value().as_element().map(|e| (e, p)))
                .is_some_and(|(e, _)| is_html_ns(e) && RAW_TEXT.contains(&&*e.name.local));
            if raw {
                out.push_str(t);
            } else {
                escape_into(t, out);
            }
        }
        Node::ProcessingInstruction(_) => {}
        Node::Element(e) => {
            let name = &*e.name.local;
            out.push('<');
            out.push_str(name);
            for (k, v) in e.attrs.iter() {
                out.push(' ');
                if let Some(p) = &k.prefix {
                    out.push_str(p);
                    out.push(':');
                }
                out.push_str(&k.local);
                out.push_str("=\"");
                escape_into(v, out);
                out.push('"');
            }
            if VOID.contains(&name) {
                out.push_str("/>");
                return;
            }
            out.push('>');
            if let Some(first) = n.first_child()
                && let Node::Text(t) = first.value()
                && t.starts_with('\n')
                && matches!(name, "pre" | "listing" | "textarea")
            {
                out.push('\n');
            }
            for c in n.children() {
                render(c, out);
            }
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }
    }
}

// ------------------------------------------------------------------------------------------
// JS objects
// ------------------------------------------------------------------------------------------

#[derive(Trace, Finalize, JsData)]
struct SelectionObject {
    #[unsafe_ignore_trace]
    sel: Sel,
}

#[derive(Trace, Finalize, JsData)]
struct ElementObject {
    #[unsafe_ignore_trace]
    sel: Sel,
}

/// Prototypes built once per VU.
struct Protos {
    selection: JsObject,
    element: JsObject,
}

type Method = fn(&JsValue, &[JsValue], &mut Context) -> JsResult<JsValue>;

fn protos(ctx: &mut Context) -> JsResult<(JsObject, JsObject)> {
    if let Some(p) = ctx.get_data::<Protos>() {
        return Ok((p.selection.clone(), p.element.clone()));
    }
    let selection = ObjectInitializer::new(ctx).build();
    for (name, len, f) in SELECTION_METHODS {
        let fobj = func(ctx, name, *len, NativeFunction::from_fn_ptr(*f));
        selection.set(JsString::from(*name), fobj, false, ctx)?;
    }
    let url_getter = func(ctx, "get url", 0, NativeFunction::from_fn_ptr(sel_url));
    selection.define_property_or_throw(
        JsString::from("url"),
        PropertyDescriptor::builder()
            .get(url_getter)
            .enumerable(true)
            .configurable(true),
        ctx,
    )?;
    let element = ObjectInitializer::new(ctx).build();
    for (name, len, f) in ELEMENT_METHODS {
        let fobj = func(ctx, name, *len, NativeFunction::from_fn_ptr(*f));
        element.set(JsString::from(*name), fobj, false, ctx)?;
    }
    ctx.insert_data(Protos {
        selection: selection.clone(),
        element: element.clone(),
    });
    Ok((selection, element))
}

fn selection_value(sel: Sel, ctx: &mut Context) -> JsResult<JsValue> {
    let (proto, _) = protos(ctx)?;
    Ok(JsObject::from_proto_and_data(Some(proto), SelectionObject { sel }).into())
}

fn element_value(sel: &Sel, id: Option<NodeId>, ctx: &mut Context) -> JsResult<JsValue> {
    let Some(id) = id else {
        return Ok(JsValue::undefined());
    };
    let (_, proto) = protos(ctx)?;
    Ok(JsObject::from_proto_and_data(
        Some(proto),
        ElementObject {
            sel: sel.single(id),
        },
    )
    .into())
}

fn element_list(
    sel: &Sel,
    ids: impl IntoIterator<Item = NodeId>,
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let mut items = Vec::new();
    for id in ids {
        items.push(element_value(sel, Some(id), ctx)?);
    }
    Ok(JsArray::from_iter(items, ctx).into())
}

fn this_sel(this: &JsValue) -> JsResult<Sel> {
    this.as_object()
        .and_then(|o| o.downcast_ref::<SelectionObject>().map(|s| s.sel.clone()))
        .ok_or_else(|| type_error("not a Selection (k6/html)"))
}

fn this_el(this: &JsValue) -> JsResult<Sel> {
    this.as_object()
        .and_then(|o| o.downcast_ref::<ElementObject>().map(|s| s.sel.clone()))
        .ok_or_else(|| type_error("not an Element (k6/html)"))
}

fn sel_of(v: &JsValue) -> Option<Sel> {
    v.as_object()
        .and_then(|o| o.downcast_ref::<SelectionObject>().map(|s| s.sel.clone()))
}

fn el_of(v: &JsValue) -> Option<Sel> {
    v.as_object()
        .and_then(|o| o.downcast_ref::<ElementObject>().map(|s| s.sel.clone()))
}

/// Go type names for k6's "cannot use a 'T' as a selector" errors.
fn go_type_name(v: &JsValue) -> &'static str {
    if v.is_undefined() || v.is_null() {
        "<nil>"
    } else if let Some(n) = v.as_number() {
        if n.fract() == 0.0 { "int64" } else { "float64" }
    } else if v.is_boolean() {
        "bool"
    } else if el_of(v).is_some() {
        "html.Element"
    } else if v.as_callable().is_some() {
        "func(goja.FunctionCall) goja.Value"
    } else {
        "map[string]interface {}"
    }
}

fn invalid_selector(v: &JsValue) -> boa_engine::JsError {
    error(format!(
        "invalid argument, cannot use a '{}' as a selector",
        go_type_name(v)
    ))
}

enum Matcher {
    Css(String),
    Nodes(Sel),
    Func(JsObject),
}

fn matcher(v: &JsValue, allow_fn: bool) -> Option<Matcher> {
    if let Some(s) = v.as_string() {
        return Some(Matcher::Css(s.to_std_string_escaped()));
    }
    if let Some(s) = sel_of(v) {
        return Some(Matcher::Nodes(s));
    }
    if allow_fn && let Some(f) = v.as_callable() {
        return Some(Matcher::Func(f.clone()));
    }
    None
}

/// Applies a string/Selection/function predicate to each node (`fn(index, Selection)` with
/// the function itself as `this`, as k6 calls it).
fn test_each(sel: &Sel, m: &Matcher, ctx: &mut Context) -> JsResult<Vec<bool>> {
    match m {
        Matcher::Css(s) => {
            let c = compile(s);
            Ok(sel
                .refs()
                .map(|n| c.as_ref().is_some_and(|c| matches(n, c)))
                .collect())
        }
        Matcher::Nodes(other) => Ok(sel
            .nodes
            .iter()
            .map(|n| sel.same_doc(other) && other.nodes.contains(n))
            .collect()),
        Matcher::Func(f) => {
            let mut out = Vec::with_capacity(sel.nodes.len());
            for (i, id) in sel.nodes.iter().enumerate() {
                let arg = selection_value(sel.single(*id), ctx)?;
                let r = f.call(&f.clone().into(), &[(i as i32).into(), arg], ctx)?;
                out.push(r.to_boolean());
            }
            Ok(out)
        }
    }
}

fn opt_string(args: &[JsValue], i: usize, ctx: &mut Context) -> JsResult<Option<String>> {
    match args.get(i) {
        Some(v) if !v.is_undefined() && !v.is_null() => Ok(Some(to_rust_string(v, ctx)?)),
        _ => Ok(None),
    }
}

fn int_arg(args: &[JsValue], i: usize, ctx: &mut Context) -> JsResult<i64> {
    let v = args.get_or_undefined(i);
    if v.is_undefined() {
        return Ok(0);
    }
    let n = v.to_number(ctx)?;
    Ok(if n.is_finite() { n.trunc() as i64 } else { 0 })
}

// ------------------------------------------------------------------------------------------
// Selection methods
// ------------------------------------------------------------------------------------------

const SELECTION_METHODS: &[(&str, usize, Method)] = &[
    ("add", 1, sel_add),
    ("attr", 2, sel_attr),
    ("children", 1, sel_children),
    ("closest", 1, sel_closest),
    ("contents", 0, sel_contents),
    ("data", 1, sel_data),
    ("each", 1, sel_each),
    ("end", 0, sel_end),
    ("eq", 1, sel_eq),
    ("filter", 1, sel_filter),
    ("find", 1, sel_find),
    ("first", 0, sel_first),
    ("get", 1, sel_get),
    ("has", 1, sel_has),
    ("html", 0, sel_html),
    ("index", 1, sel_index),
    ("is", 1, sel_is),
    ("last", 0, sel_last),
    ("map", 1, sel_map),
    ("next", 1, sel_next),
    ("nextAll", 1, sel_next_all),
    ("nextUntil", 2, sel_next_until),
    ("not", 1, sel_not),
    ("parent", 1, sel_parent),
    ("parents", 1, sel_parents),
    ("parentsUntil", 2, sel_parents_until),
    ("prev", 1, sel_prev),
    ("prevAll", 1, sel_prev_all),
    ("prevUntil", 2, sel_prev_until),
    ("serialize", 0, sel_serialize),
    ("serializeArray", 0, sel_serialize_array),
    ("serializeObject", 0, sel_serialize_object),
    ("siblings", 1, sel_siblings),
    ("size", 0, sel_size),
    ("slice", 2, sel_slice),
    ("text", 0, sel_text),
    ("toArray", 0, sel_to_array),
    ("val", 0, sel_val),
];

fn sel_url(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    Ok(JsString::from(s.doc.url.as_str()).into())
}

fn sel_find(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let arg = args.get_or_undefined(0);
    let out = match matcher(arg, false) {
        Some(Matcher::Css(c)) => s.find_str(&c),
        Some(Matcher::Nodes(o)) if s.same_doc(&o) => {
            let keep: Vec<NodeId> = o
                .nodes
                .iter()
                .copied()
                .filter(|n| s.is_descendant_of_any(*n))
                .collect();
            s.derive(keep)
        }
        Some(Matcher::Nodes(_)) => s.derive([]),
        _ => return Err(invalid_selector(arg)),
    };
    selection_value(out, ctx)
}

fn sel_add(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let arg = args.get_or_undefined(0);
    let extra: Vec<NodeId> = match matcher(arg, false) {
        Some(Matcher::Css(c)) => s.single(s.doc.html.tree.root().id()).find_str(&c).nodes,
        Some(Matcher::Nodes(o)) if s.same_doc(&o) => o.nodes.clone(),
        Some(Matcher::Nodes(_)) => Vec::new(),
        _ => return Err(invalid_selector(arg)),
    };
    let all: Vec<NodeId> = s.nodes.iter().copied().chain(extra).collect();
    selection_value(s.derive(all), ctx)
}

fn sel_closest(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let arg = args.get_or_undefined(0);
    let m = matcher(arg, false).ok_or_else(|| invalid_selector(arg))?;
    let css = match &m {
        Matcher::Css(c) => compile(c),
        _ => None,
    };
    let mut out = Vec::new();
    for n in s.refs() {
        let mut cur = Some(n);
        while let Some(c) = cur {
            if !is_element(c) {
                break;
            }
            let hit = match &m {
                Matcher::Css(_) => css.as_ref().is_some_and(|x| matches(c, x)),
                Matcher::Nodes(o) => s.same_doc(o) && o.nodes.contains(&c.id()),
                Matcher::Func(_) => false,
            };
            if hit {
                out.push(c.id());
                break;
            }
            cur = c.parent();
        }
    }
    selection_value(s.derive(out), ctx)
}

fn sel_has(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let arg = args.get_or_undefined(0);
    let keep: Vec<NodeId> = match matcher(arg, false) {
        Some(Matcher::Css(c)) => {
            let css = compile(&c);
            s.refs()
                .filter(|n| {
                    css.as_ref()
                        .is_some_and(|x| n.descendants().skip(1).any(|d| matches(d, x)))
                })
                .map(|n| n.id())
                .collect()
        }
        Some(Matcher::Nodes(o)) => s
            .refs()
            .filter(|n| {
                s.same_doc(&o)
                    && o.nodes.iter().any(|id| {
                        s.node(*id)
                            .is_some_and(|x| x.ancestors().any(|a| a.id() == n.id()))
                    })
            })
            .map(|n| n.id())
            .collect(),
        _ => return Err(invalid_selector(arg)),
    };
    selection_value(s.derive(keep), ctx)
}

fn sel_children(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let f = opt_string(args, 0, ctx)?;
    let kids: Vec<NodeId> = s
        .refs()
        .flat_map(element_children)
        .map(|n| n.id())
        .collect();
    selection_value(s.filtered(kids, f.as_deref()), ctx)
}

fn sel_contents(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let kids: Vec<NodeId> = s
        .refs()
        .flat_map(|n| n.children())
        .map(|n| n.id())
        .collect();
    selection_value(s.derive(kids), ctx)
}

fn sel_each(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let Some(f) = args.get_or_undefined(0).as_callable() else {
        return Err(error("argument to each() must be a function"));
    };
    for (i, id) in s.nodes.iter().enumerate() {
        let el = element_value(&s, Some(*id), ctx)?;
        f.call(&f.clone().into(), &[(i as i32).into(), el], ctx)?;
    }
    Ok(this.clone())
}

fn sel_end(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let out = match &s.prev {
        Some(p) => (**p).clone(),
        None => Sel {
            doc: s.doc.clone(),
            nodes: Vec::new(),
            prev: None,
        },
    };
    selection_value(out, ctx)
}

fn resolve_index(i: i64, len: usize) -> Option<usize> {
    let len = len as i64;
    let i = if i < 0 { i + len } else { i };
    (0..len).contains(&i).then_some(i as usize)
}

fn sel_eq(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let i = int_arg(args, 0, ctx)?;
    let nodes: Vec<NodeId> = resolve_index(i, s.nodes.len())
        .map(|i| vec![s.nodes[i]])
        .unwrap_or_default();
    selection_value(s.derive(nodes), ctx)
}

fn sel_first(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let n: Vec<NodeId> = s.nodes.first().copied().into_iter().collect();
    selection_value(s.derive(n), ctx)
}

fn sel_last(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let n: Vec<NodeId> = s.nodes.last().copied().into_iter().collect();
    selection_value(s.derive(n), ctx)
}

fn sel_filter(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let Some(m) = matcher(args.get_or_undefined(0), true) else {
        return Err(error(
            "the argument to filter() must be a function, a selector or a selection",
        ));
    };
    let keep = test_each(&s, &m, ctx)?;
    let nodes: Vec<NodeId> = s
        .nodes
        .iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(n, _)| *n)
        .collect();
    selection_value(s.derive(nodes), ctx)
}

fn sel_not(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let arg = args.get_or_undefined(0);
    let Some(m) = matcher(arg, true) else {
        return Err(invalid_selector(arg));
    };
    let drop = test_each(&s, &m, ctx)?;
    let nodes: Vec<NodeId> = s
        .nodes
        .iter()
        .zip(drop)
        .filter(|(_, d)| !*d)
        .map(|(n, _)| *n)
        .collect();
    selection_value(s.derive(nodes), ctx)
}

fn sel_is(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let Some(m) = matcher(args.get_or_undefined(0), true) else {
        return Err(error(
            "the argument to is() must be a function, a selector or a selection",
        ));
    };
    Ok(test_each(&s, &m, ctx)?.into_iter().any(|b| b).into())
}

fn sel_get(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    if args.get_or_undefined(0).is_undefined() {
        return element_list(&s, s.nodes.clone(), ctx);
    }
    let i = int_arg(args, 0, ctx)?;
    let id = resolve_index(i, s.nodes.len()).map(|i| s.nodes[i]);
    element_value(&s, id, ctx)
}

fn sel_html(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    Ok(JsString::from(s.inner_html()).into())
}

fn sel_text(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    Ok(JsString::from(s.text()).into())
}

/// Position of a node among its parent's element children.
fn element_index(n: NodeRef<'_, Node>) -> i64 {
    n.prev_siblings().filter(|p| is_element(*p)).count() as i64
}

fn sel_index(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let arg = args.get_or_undefined(0);
    let pos = |hay: &[NodeId], needle: Option<NodeId>| -> i64 {
        needle
            .and_then(|n| hay.iter().position(|h| *h == n))
            .map_or(-1, |p| p as i64)
    };
    let r = if arg.is_undefined() {
        s.first().map_or(-1, element_index)
    } else if let Some(c) = arg.as_string() {
        let all = s
            .single(s.doc.html.tree.root().id())
            .find_str(&c.to_std_string_escaped());
        pos(&all.nodes, s.nodes.first().copied())
    } else if let Some(o) = sel_of(arg) {
        if s.same_doc(&o) {
            pos(&s.nodes, o.nodes.first().copied())
        } else {
            -1
        }
    } else if let Some(e) = el_of(arg) {
        if s.same_doc(&e) {
            pos(&s.nodes, e.nodes.first().copied())
        } else {
            -1
        }
    } else {
        -1
    };
    let _ = ctx;
    Ok((r as f64).into())
}

fn sel_map(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let Some(f) = args.get_or_undefined(0).as_callable() else {
        return Err(error("argument to map() must be a function"));
    };
    let mut out = Vec::with_capacity(s.nodes.len());
    for (i, id) in s.nodes.iter().enumerate() {
        let arg = selection_value(s.single(*id), ctx)?;
        match f.call(&f.clone().into(), &[(i as i32).into(), arg], ctx) {
            Ok(v) => out.push(v),
            // k6 v1.1.0 returns an empty array when the callback throws.
            Err(_) => return Ok(JsArray::new(ctx)?.into()),
        }
    }
    Ok(JsArray::from_iter(out, ctx).into())
}

fn siblings_after(n: NodeRef<'_, Node>) -> impl Iterator<Item = NodeRef<'_, Node>> {
    n.next_siblings().filter(|x| is_element(*x))
}

fn siblings_before(n: NodeRef<'_, Node>) -> impl Iterator<Item = NodeRef<'_, Node>> {
    n.prev_siblings().filter(|x| is_element(*x))
}

fn element_ancestors(n: NodeRef<'_, Node>) -> impl Iterator<Item = NodeRef<'_, Node>> {
    n.ancestors().take_while(|x| is_element(*x))
}

fn sel_next(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let f = opt_string(args, 0, ctx)?;
    let n: Vec<NodeId> = s
        .refs()
        .filter_map(|n| siblings_after(n).next())
        .map(|n| n.id())
        .collect();
    selection_value(s.filtered(n, f.as_deref()), ctx)
}

fn sel_next_all(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let f = opt_string(args, 0, ctx)?;
    let n: Vec<NodeId> = s.refs().flat_map(siblings_after).map(|n| n.id()).collect();
    selection_value(s.filtered(n, f.as_deref()), ctx)
}

fn sel_prev(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let f = opt_string(args, 0, ctx)?;
    let n: Vec<NodeId> = s
        .refs()
        .filter_map(|n| siblings_before(n).next())
        .map(|n| n.id())
        .collect();
    selection_value(s.filtered(n, f.as_deref()), ctx)
}

fn sel_prev_all(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let f = opt_string(args, 0, ctx)?;
    let n: Vec<NodeId> = s.refs().flat_map(siblings_before).map(|n| n.id()).collect();
    selection_value(s.filtered(n, f.as_deref()), ctx)
}

fn sel_parent(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let f = opt_string(args, 0, ctx)?;
    let n: Vec<NodeId> = s
        .refs()
        .filter_map(|n| n.parent().filter(|p| is_element(*p)))
        .map(|n| n.id())
        .collect();
    selection_value(s.filtered(n, f.as_deref()), ctx)
}

fn sel_parents(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let f = opt_string(args, 0, ctx)?;
    let n: Vec<NodeId> = s
        .refs()
        .flat_map(element_ancestors)
        .map(|n| n.id())
        .collect();
    selection_value(s.filtered(n, f.as_deref()), ctx)
}

fn sel_siblings(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let f = opt_string(args, 0, ctx)?;
    let n: Vec<NodeId> = s
        .refs()
        .flat_map(|n| {
            let me = n.id();
            n.parent()
                .into_iter()
                .flat_map(element_children)
                .filter(move |c| c.id() != me)
        })
        .map(|n| n.id())
        .collect();
    selection_value(s.filtered(n, f.as_deref()), ctx)
}

/// nextUntil/prevUntil/parentsUntil: `(until: selector | Selection | null, filter?)`.
fn until_impl<'a, I>(
    this: &'a JsValue,
    args: &[JsValue],
    ctx: &mut Context,
    walk: fn(NodeRef<'_, Node>) -> I,
) -> JsResult<JsValue>
where
    I: Iterator<Item = NodeId>,
{
    let s = this_sel(this)?;
    let until_arg = args.get_or_undefined(0);
    let until = if until_arg.is_undefined() || until_arg.is_null() {
        None
    } else {
        match matcher(until_arg, false) {
            Some(m) => Some(m),
            None => return Err(invalid_selector(until_arg)),
        }
    };
    let css = match &until {
        Some(Matcher::Css(c)) => compile(c),
        _ => None,
    };
    let filter = opt_string(args, 1, ctx)?;
    let mut out = Vec::new();
    for n in s.refs() {
        for id in walk(n) {
            let Some(x) = s.node(id) else { break };
            let stop = match &until {
                None => false,
                Some(Matcher::Css(_)) => css.as_ref().is_some_and(|c| matches(x, c)),
                Some(Matcher::Nodes(o)) => s.same_doc(o) && o.nodes.contains(&id),
                Some(Matcher::Func(_)) => false,
            };
            if stop {
                break;
            }
            out.push(id);
        }
    }
    selection_value(s.filtered(out, filter.as_deref()), ctx)
}

fn next_ids(n: NodeRef<'_, Node>) -> std::vec::IntoIter<NodeId> {
    siblings_after(n)
        .map(|x| x.id())
        .collect::<Vec<_>>()
        .into_iter()
}

fn prev_ids(n: NodeRef<'_, Node>) -> std::vec::IntoIter<NodeId> {
    siblings_before(n)
        .map(|x| x.id())
        .collect::<Vec<_>>()
        .into_iter()
}

fn parent_ids(n: NodeRef<'_, Node>) -> std::vec::IntoIter<NodeId> {
    element_ancestors(n)
        .map(|x| x.id())
        .collect::<Vec<_>>()
        .into_iter()
}

fn sel_next_until(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    until_impl(this, args, ctx, next_ids)
}

fn sel_prev_until(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    until_impl(this, args, ctx, prev_ids)
}

fn sel_parents_until(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    until_impl(this, args, ctx, parent_ids)
}

fn sel_size(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    Ok((this_sel(this)?.nodes.len() as i32).into())
}

fn sel_slice(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let len = s.nodes.len() as i64;
    let norm = |i: i64| -> usize { (if i < 0 { i + len } else { i }).clamp(0, len) as usize };
    let start = norm(int_arg(args, 0, ctx)?);
    let end = if args.get_or_undefined(1).is_undefined() {
        len as usize
    } else {
        norm(int_arg(args, 1, ctx)?)
    };
    let nodes: Vec<NodeId> = if start < end {
        s.nodes[start..end].to_vec()
    } else {
        Vec::new()
    };
    selection_value(s.derive(nodes), ctx)
}

fn sel_to_array(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let mut items = Vec::with_capacity(s.nodes.len());
    for id in &s.nodes {
        items.push(selection_value(s.single(*id), ctx)?);
    }
    Ok(JsArray::from_iter(items, ctx).into())
}

fn sel_attr(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let name = to_rust_string(args.get_or_undefined(0), ctx)?;
    Ok(match s.attr(&name) {
        Some(v) => JsString::from(v).into(),
        None => args.get(1).cloned().unwrap_or_default(),
    })
}

/// The `value` attribute, else the inner HTML (options without a value).
fn value_or_html(s: &Sel) -> String {
    s.attr("value").unwrap_or_else(|| s.inner_html())
}

/// k6's `val()`: a string, an array (multiple select) or undefined.
enum FormVal {
    One(String),
    Many(Vec<String>),
    None,
}

fn form_val(s: &Sel) -> FormVal {
    match s.node_name().as_str() {
        "input" => FormVal::One(s.attr("value").unwrap_or_else(
            || match s.attr("type").as_deref() {
                Some("radio" | "checkbox") => "on".into(),
                _ => String::new(),
            },
        )),
        "button" => FormVal::One(s.attr("value").unwrap_or_default()),
        "textarea" => FormVal::One(s.inner_html()),
        "option" => FormVal::One(value_or_html(s)),
        "select" => {
            let first = s.derive(s.nodes.first().copied());
            let selected = first.find_str("option[selected]");
            if s.attr("multiple").is_some() {
                FormVal::Many(
                    selected
                        .nodes
                        .iter()
                        .map(|id| value_or_html(&selected.single(*id)))
                        .collect(),
                )
            } else {
                FormVal::One(value_or_html(&selected))
            }
        }
        _ => FormVal::None,
    }
}

fn form_val_js(v: FormVal, ctx: &mut Context) -> JsValue {
    match v {
        FormVal::One(s) => JsString::from(s).into(),
        FormVal::Many(v) => {
            let items: Vec<JsValue> = v.into_iter().map(|s| JsString::from(s).into()).collect();
            JsArray::from_iter(items, ctx).into()
        }
        FormVal::None => JsValue::undefined(),
    }
}

fn sel_val(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    Ok(form_val_js(form_val(&s), ctx))
}

/// Go initialisms that snaker upper-cases when k6 camel-cases `data-*` names.
const INITIALISMS: &[&str] = &[
    "ACL", "API", "ASCII", "CPU", "CSS", "DNS", "EOF", "GUID", "HTML", "HTTP", "HTTPS", "ID", "IP",
    "JSON", "LHS", "QPS", "RAM", "RHS", "RPC", "SLA", "SMTP", "SQL", "SSH", "TCP", "TLS", "TTL",
    "UDP", "UI", "UID", "UUID", "URI", "URL", "UTF8", "VM", "XML", "XMPP", "XSRF", "XSS",
];

/// `data-user-id` → `userID` (k6: first segment kept, the rest snake-to-camel).
fn attr_to_property(s: &str) -> String {
    let Some(idx) = s.find('-') else {
        return s.to_string();
    };
    let mut out = s[..idx].to_string();
    for part in s[idx + 1..].split(['-', '_']) {
        if part.is_empty() {
            continue;
        }
        let upper = part.to_ascii_uppercase();
        if INITIALISMS.contains(&upper.as_str()) {
            out.push_str(&upper);
        } else {
            let mut cs = part.chars();
            if let Some(c) = cs.next() {
                out.extend(c.to_uppercase());
                out.push_str(cs.as_str());
            }
        }
    }
    out
}

/// `userId` → `user-id`.
fn property_to_attr(s: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev_lower = i > 0 && !chars[i - 1].is_uppercase() && chars[i - 1] != '-';
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if i > 0 && (prev_lower || (next_lower && chars[i - 1].is_uppercase())) {
                out.push('-');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(*c);
        }
    }
    out.replace('_', "-")
}

fn data_value(val: &str, ctx: &mut Context) -> JsResult<JsValue> {
    if val.is_empty() {
        return Ok(JsValue::undefined());
    }
    if val.starts_with('{') || val.starts_with('[') {
        return Ok(match serde_json::from_str::<serde_json::Value>(val) {
            Ok(j) => JsValue::from_json(&j, ctx)?,
            Err(_) => JsString::from(val).into(),
        });
    }
    Ok(match val {
        "true" => true.into(),
        "false" => false.into(),
        "null" | "undefined" => JsValue::undefined(),
        _ => match val.parse::<f64>() {
            // Numbers only when they print back unchanged ("1.50" and "1e2" stay strings).
            Ok(f) if f.is_finite() && format!("{f}") == val => f.into(),
            _ => JsString::from(val).into(),
        },
    })
}

fn sel_data(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let Some(el) = s.first().and_then(|n| n.value().as_element()) else {
        return Ok(JsValue::undefined());
    };
    if el.attrs.is_empty() {
        return Ok(JsValue::undefined());
    }
    if let Some(key) = opt_string(args, 0, ctx)? {
        let name = format!("data-{}", property_to_attr(&key));
        return match s.attr(&name) {
            Some(v) => data_value(&v, ctx),
            None => Ok(JsValue::undefined()),
        };
    }
    let obj = ObjectInitializer::new(ctx).build();
    let pairs: Vec<(String, String)> = el
        .attrs
        .iter()
        .filter_map(|(k, v)| {
            let k = k.local.to_string();
            (k.len() > 5 && k.starts_with("data-")).then(|| (k[5..].to_string(), v.to_string()))
        })
        .collect();
    for (k, v) in pairs {
        let val = data_value(&v, ctx)?;
        obj.set(JsString::from(attr_to_property(&k)), val, false, ctx)?;
    }
    Ok(obj.into())
}

/// k6's submittable controls and their values, in document order.
fn serialize_pairs(s: &Sel) -> Vec<(String, FormVal)> {
    const SUBMITTABLE: &str = "input,select,textarea,keygen";
    let is_form = compile("form").is_some_and(|f| s.refs().any(|n| matches(n, &f)));
    let controls = if is_form {
        s.find_str(SUBMITTABLE)
    } else {
        s.derive(s.filter_str(SUBMITTABLE))
    };
    let mut out = Vec::new();
    for id in &controls.nodes {
        let one = controls.single(*id);
        let a = |n: &str| one.attr(n).unwrap_or_default();
        let (name, typ) = (a("name"), a("type"));
        let ok = !name.is_empty()
            && a("disabled") != "disabled"
            && !matches!(
                typ.as_str(),
                "submit" | "button" | "reset" | "image" | "file"
            )
            && (a("checked") == "checked" || !matches!(typ.as_str(), "checkbox" | "radio"));
        if ok {
            out.push((name, form_val(&one)));
        }
    }
    out
}

fn sel_serialize_array(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let mut items = Vec::new();
    for (name, val) in serialize_pairs(&s) {
        let v = form_val_js(val, ctx);
        let o = ObjectInitializer::new(ctx).build();
        o.set(JsString::from("name"), JsString::from(name), false, ctx)?;
        o.set(JsString::from("value"), v, false, ctx)?;
        items.push(o.into());
    }
    Ok(JsArray::from_iter(items, ctx).into())
}

fn sel_serialize_object(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let obj = ObjectInitializer::new(ctx).build();
    for (name, val) in serialize_pairs(&s) {
        let v = form_val_js(val, ctx);
        obj.set(JsString::from(name), v, false, ctx)?;
    }
    Ok(obj.into())
}

/// Go's `url.QueryEscape`.
fn query_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn sel_serialize(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    // Go's url.Values: a later control replaces an earlier one; Encode sorts by key.
    let mut values: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (name, val) in serialize_pairs(&s) {
        match val {
            FormVal::One(v) => {
                values.insert(name, vec![v]);
            }
            FormVal::Many(v) => {
                values.insert(name, v);
            }
            FormVal::None => {}
        }
    }
    let mut parts = Vec::new();
    for (k, vs) in &values {
        for v in vs {
            parts.push(format!("{}={}", query_escape(k), query_escape(v)));
        }
    }
    Ok(JsString::from(parts.join("&")).into())
}

// ------------------------------------------------------------------------------------------
// Element methods
// ------------------------------------------------------------------------------------------

const ELEMENT_METHODS: &[(&str, usize, Method)] = &[
    ("attributes", 0, el_attributes),
    ("childElementCount", 0, el_child_element_count),
    ("childNodes", 0, el_child_nodes),
    ("children", 0, el_children),
    ("classList", 0, el_class_list),
    ("className", 0, el_class_name),
    ("contains", 1, el_contains),
    ("firstChild", 0, el_first_child),
    ("firstElementChild", 0, el_first_element_child),
    ("getAttribute", 1, el_get_attribute),
    ("getAttributeNode", 1, el_get_attribute_node),
    ("getElementsByClassName", 1, el_by_class),
    ("getElementsByTagName", 1, el_by_tag),
    ("hasAttribute", 1, el_has_attribute),
    ("hasAttributes", 0, el_has_attributes),
    ("hasChildNodes", 0, el_has_child_nodes),
    ("id", 0, el_id),
    ("innerHTML", 0, el_inner_html),
    ("isDefaultNamespace", 0, el_is_default_namespace),
    ("isEqualNode", 1, el_is_equal_node),
    ("isSameNode", 1, el_is_same_node),
    ("lang", 0, el_lang),
    ("lastChild", 0, el_last_child),
    ("lastElementChild", 0, el_last_element_child),
    ("matches", 1, el_matches),
    ("namespaceURI", 0, el_namespace_uri),
    ("nextElementSibling", 0, el_next_element_sibling),
    ("nextSibling", 0, el_next_sibling),
    ("nodeName", 0, el_node_name),
    ("nodeType", 0, el_node_type),
    ("nodeValue", 0, el_node_value),
    ("ownerDocument", 0, el_owner_document),
    ("parentElement", 0, el_parent_element),
    ("parentNode", 0, el_parent_node),
    ("previousElementSibling", 0, el_previous_element_sibling),
    ("previousSibling", 0, el_previous_sibling),
    ("querySelector", 1, el_query_selector),
    ("querySelectorAll", 1, el_query_selector_all),
    ("selection", 0, el_selection),
    ("textContent", 0, el_text_content),
    ("toString", 0, el_to_string),
    // Element-type accessors k6 has on specific elements (a, img, input, form, ...).
    ("href", 0, el_href),
    ("src", 0, el_src),
    ("action", 0, el_action),
    ("alt", 0, el_alt),
    ("rel", 0, el_rel),
    ("target", 0, el_target),
    ("name", 0, el_name),
    ("type", 0, el_type),
    ("method", 0, el_method),
    ("content", 0, el_content),
    ("placeholder", 0, el_placeholder),
    ("htmlFor", 0, el_html_for),
    ("text", 0, el_text_content),
    ("value", 0, el_value),
    ("checked", 0, el_checked),
    ("selected", 0, el_selected),
    ("disabled", 0, el_disabled),
    ("multiple", 0, el_multiple),
    ("width", 0, el_width),
    ("height", 0, el_height),
    ("options", 0, el_options),
    ("elements", 0, el_elements),
    ("selectedIndex", 0, el_selected_index),
    ("rows", 0, el_rows),
    ("cellIndex", 0, el_cell_index),
];

fn el_node<'a>(s: &'a Sel) -> JsResult<NodeRef<'a, Node>> {
    s.first()
        .ok_or_else(|| type_error("detached k6/html element"))
}

fn el_attributes(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let obj = ObjectInitializer::new(ctx).build();
    let names: Vec<String> = el_node(&s)?
        .value()
        .as_element()
        .map(|e| e.attrs.iter().map(|(k, _)| k.local.to_string()).collect())
        .unwrap_or_default();
    for n in names {
        let a = attribute_object(this, &s, &n, ctx)?;
        obj.set(JsString::from(n), a, false, ctx)?;
    }
    Ok(obj.into())
}

fn attr_ns_prefix(s: &Sel, name: &str) -> String {
    s.first()
        .and_then(|n| n.value().as_element())
        .and_then(|e| e.attrs.iter().find(|(k, _)| &*k.local == name))
        .and_then(|(k, _)| k.prefix.as_ref().map(|p| p.to_string()))
        .unwrap_or_default()
}

fn namespace_uri(prefix: &str) -> &'static str {
    match prefix {
        "svg" => "http://www.w3.org/2000/svg",
        "math" => "http://www.w3.org/1998/Math/MathML",
        _ => "http://www.w3.org/1999/xhtml",
    }
}

fn attribute_object(owner: &JsValue, s: &Sel, name: &str, ctx: &mut Context) -> JsResult<JsValue> {
    let value = s.attr(name).unwrap_or_default();
    let prefix = attr_ns_prefix(s, name);
    let local = JsString::from(name);
    let ns = JsString::from(namespace_uri(&prefix));
    let pre = JsString::from(prefix.as_str());
    let o = ObjectInitializer::new(ctx).build();
    o.set(JsString::from("owner_element"), owner.clone(), false, ctx)?;
    o.set(JsString::from("name"), JsString::from(name), false, ctx)?;
    o.set(JsString::from("value"), JsString::from(value), false, ctx)?;
    for (k, v) in [("localName", local), ("namespaceURI", ns), ("prefix", pre)] {
        let f = NativeFunction::from_copy_closure_with_captures(
            |_, _, v: &JsString, _| Ok(v.clone().into()),
            v,
        );
        let f = func(ctx, k, 0, f);
        o.set(JsString::from(k), f, false, ctx)?;
    }
    Ok(o.into())
}

fn el_get_attribute_node(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let name = to_rust_string(args.get_or_undefined(0), ctx)?;
    if s.attr(&name).is_none() {
        return Ok(JsValue::undefined());
    }
    attribute_object(this, &s, &name, ctx)
}

fn el_child_element_count(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    Ok((element_children(el_node(&s)?).count() as i32).into())
}

fn el_child_nodes(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let ids: Vec<NodeId> = el_node(&s)?.children().map(|n| n.id()).collect();
    element_list(&s, ids, ctx)
}

fn el_children(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let ids: Vec<NodeId> = element_children(el_node(&s)?).map(|n| n.id()).collect();
    element_list(&s, ids, ctx)
}

fn el_class_list(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let classes: Vec<JsValue> = s
        .attr("class")
        .unwrap_or_default()
        .split_whitespace()
        .map(|c| JsString::from(c).into())
        .collect();
    Ok(JsArray::from_iter(classes, ctx).into())
}

fn attr_or_undefined(this: &JsValue, name: &str) -> JsResult<JsValue> {
    let s = this_el(this)?;
    Ok(s.attr(name)
        .map(|v| JsString::from(v).into())
        .unwrap_or_default())
}

fn attr_or_empty(this: &JsValue, name: &str) -> JsResult<JsValue> {
    let s = this_el(this)?;
    Ok(JsString::from(s.attr(name).unwrap_or_default()).into())
}

fn el_class_name(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    attr_or_undefined(this, "class")
}

fn is_ancestor(s: &Sel, anc: NodeId, node: NodeId) -> bool {
    s.node(node)
        .is_some_and(|n| n.ancestors().any(|a| a.id() == anc))
}

fn el_contains(this: &JsValue, args: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let Some(o) = el_of(args.get_or_undefined(0)) else {
        return Ok(false.into());
    };
    let (Some(me), Some(other)) = (s.nodes.first(), o.nodes.first()) else {
        return Ok(false.into());
    };
    Ok((s.same_doc(&o) && me != other && is_ancestor(&s, *me, *other)).into())
}

fn el_first_child(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let id = el_node(&s)?.first_child().map(|n| n.id());
    element_value(&s, id, ctx)
}

fn el_last_child(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let id = el_node(&s)?.last_child().map(|n| n.id());
    element_value(&s, id, ctx)
}

fn el_first_element_child(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let id = element_children(el_node(&s)?).next().map(|n| n.id());
    element_value(&s, id, ctx)
}

fn el_last_element_child(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let id = element_children(el_node(&s)?).last().map(|n| n.id());
    element_value(&s, id, ctx)
}

fn el_get_attribute(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let name = to_rust_string(args.get_or_undefined(0), ctx)?;
    attr_or_undefined(this, &name)
}

fn el_has_attribute(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let name = to_rust_string(args.get_or_undefined(0), ctx)?;
    Ok(this_el(this)?.attr(&name).is_some().into())
}

fn el_has_attributes(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    Ok(el_node(&s)?
        .value()
        .as_element()
        .is_some_and(|e| !e.attrs.is_empty())
        .into())
}

fn el_has_child_nodes(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    Ok(el_node(&s)?.has_children().into())
}

fn el_by_class(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let name = to_rust_string(args.get_or_undefined(0), ctx)?;
    let found = s.find_str(&format!(".{name}"));
    element_list(&s, found.nodes, ctx)
}

fn el_by_tag(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let name = to_rust_string(args.get_or_undefined(0), ctx)?;
    let found = s.find_str(&name);
    element_list(&s, found.nodes, ctx)
}

fn el_query_selector(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let sel = to_rust_string(args.get_or_undefined(0), ctx)?;
    let found = s.find_str(&sel);
    element_value(&s, found.nodes.first().copied(), ctx)
}

fn el_query_selector_all(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    el_by_tag(this, args, ctx)
}

fn el_id(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    attr_or_empty(this, "id")
}

fn el_inner_html(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    Ok(JsString::from(this_el(this)?.inner_html()).into())
}

fn el_ns(s: &Sel) -> String {
    s.first()
        .and_then(|n| n.value().as_element().map(|e| e.name.ns.to_string()))
        .unwrap_or_default()
}

fn el_is_default_namespace(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let ns = el_ns(&this_el(this)?);
    Ok((ns.is_empty() || ns == "http://www.w3.org/1999/xhtml").into())
}

fn el_namespace_uri(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let ns = el_ns(&this_el(this)?);
    let uri = match ns.as_str() {
        "http://www.w3.org/2000/svg" => "http://www.w3.org/2000/svg",
        "http://www.w3.org/1998/Math/MathML" => "http://www.w3.org/1998/Math/MathML",
        _ => "http://www.w3.org/1999/xhtml",
    };
    Ok(JsString::from(uri).into())
}

fn el_is_equal_node(this: &JsValue, args: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let Some(o) = el_of(args.get_or_undefined(0)) else {
        return Ok(false.into());
    };
    Ok((s.inner_html() == o.inner_html()).into())
}

fn el_is_same_node(this: &JsValue, args: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let Some(o) = el_of(args.get_or_undefined(0)) else {
        return Ok(false.into());
    };
    Ok((s.same_doc(&o) && s.nodes.first() == o.nodes.first()).into())
}

fn el_lang(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    attr_or_undefined(this, "lang")
}

fn el_matches(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let sel = to_rust_string(args.get_or_undefined(0), ctx)?;
    Ok((!s.filter_str(&sel).is_empty()).into())
}

fn el_next_element_sibling(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let id = siblings_after(el_node(&s)?).next().map(|n| n.id());
    element_value(&s, id, ctx)
}

fn el_previous_element_sibling(
    this: &JsValue,
    _: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let id = siblings_before(el_node(&s)?).next().map(|n| n.id());
    element_value(&s, id, ctx)
}

fn el_next_sibling(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let id = el_node(&s)?.next_sibling().map(|n| n.id());
    element_value(&s, id, ctx)
}

fn el_previous_sibling(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let id = el_node(&s)?.prev_sibling().map(|n| n.id());
    element_value(&s, id, ctx)
}

fn el_node_name(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    Ok(JsString::from(this_el(this)?.node_name()).into())
}

fn el_node_type(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    Ok(match el_node(&s)?.value() {
        Node::Element(_) => 1.into(),
        Node::Text(_) => 3.into(),
        Node::Comment(_) => 8.into(),
        Node::Document | Node::Fragment => 9.into(),
        Node::Doctype(_) => 10.into(),
        Node::ProcessingInstruction(_) => JsValue::undefined(),
    })
}

fn el_node_value(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    Ok(match el_node(&s)?.value() {
        // goquery's Text() of a comment is empty, and so is k6's nodeValue for it.
        Node::Text(_) | Node::Comment(_) => JsString::from(s.text()).into(),
        _ => JsValue::undefined(),
    })
}

fn el_owner_document(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let root = s.doc.html.tree.root().id();
    element_value(&s, Some(root), ctx)
}

fn el_parent_element(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let id = el_node(&s)?
        .parent()
        .filter(|p| is_element(*p))
        .map(|n| n.id());
    element_value(&s, id, ctx)
}

fn el_parent_node(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let id = el_node(&s)?.parent().map(|n| n.id());
    element_value(&s, id, ctx)
}

fn el_selection(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    selection_value(this_el(this)?, ctx)
}

fn el_text_content(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    Ok(JsString::from(this_el(this)?.text()).into())
}

fn el_to_string(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let n = el_node(&s)?;
    Ok(if is_element(n) {
        JsString::from("[object html.Node]").into()
    } else {
        JsString::from(format!("[object {}]", node_name(n))).into()
    })
}

/// An attribute as a URL resolved against the response URL (as given without one).
fn url_attr(this: &JsValue, name: &str) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let val = s.attr(name);
    if s.doc.url.is_empty() {
        return Ok(JsString::from(val.unwrap_or_default()).into());
    }
    let Some(val) = val else {
        return Ok(JsString::from("").into());
    };
    Ok(
        match url::Url::parse(&s.doc.url).and_then(|b| b.join(&val)) {
            Ok(u) => JsString::from(u.as_str()).into(),
            Err(_) => JsString::from("").into(),
        },
    )
}

fn el_href(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    url_attr(this, "href")
}

fn el_src(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    url_attr(this, "src")
}

fn el_action(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    url_attr(this, "action")
}

fn el_alt(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    attr_or_empty(this, "alt")
}

fn el_rel(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    attr_or_empty(this, "rel")
}

fn el_target(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    attr_or_empty(this, "target")
}

fn el_name(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    attr_or_empty(this, "name")
}

fn el_type(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let t = s.attr("type").unwrap_or_else(|| {
        match s.node_name().as_str() {
            "input" => "text",
            "button" => "submit",
            _ => "",
        }
        .to_string()
    });
    Ok(JsString::from(t).into())
}

fn el_method(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let m = s.attr("method").unwrap_or_default().to_ascii_lowercase();
    Ok(JsString::from(if m == "post" { "post" } else { "get" }).into())
}

fn el_content(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    attr_or_empty(this, "content")
}

fn el_placeholder(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    attr_or_empty(this, "placeholder")
}

fn el_html_for(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    attr_or_empty(this, "for")
}

fn el_value(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    Ok(match s.node_name().as_str() {
        // k6's TextAreaElement.value() reads the (absent) value attribute.
        "textarea" => JsString::from(s.attr("value").unwrap_or_default()).into(),
        "input" | "button" | "option" | "select" => form_val_js(form_val(&s), ctx),
        _ => attr_or_undefined(this, "value")?,
    })
}

fn bool_attr(this: &JsValue, name: &str) -> JsResult<JsValue> {
    Ok(this_el(this)?.attr(name).is_some().into())
}

fn el_checked(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    bool_attr(this, "checked")
}

fn el_selected(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    bool_attr(this, "selected")
}

fn el_disabled(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    bool_attr(this, "disabled")
}

fn el_multiple(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    bool_attr(this, "multiple")
}

fn int_attr(this: &JsValue, name: &str) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let n = s
        .attr(name)
        .and_then(|v| v.parse::<i32>().ok())
        .unwrap_or(0);
    Ok(n.into())
}

fn el_width(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    int_attr(this, "width")
}

fn el_height(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    int_attr(this, "height")
}

fn el_options(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let found = s.find_str("option");
    element_list(&s, found.nodes, ctx)
}

fn el_elements(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let found = s.find_str("input,select,textarea,button,fieldset,object,output");
    element_list(&s, found.nodes, ctx)
}

fn el_selected_index(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let opts = s.find_str("option");
    let i = opts
        .nodes
        .iter()
        .position(|id| opts.single(*id).attr("selected").is_some())
        .map_or(-1, |i| i as i32);
    Ok(i.into())
}

fn el_rows(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let found = s.find_str("tr");
    element_list(&s, found.nodes, ctx)
}

fn el_cell_index(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let n = el_node(&s)?;
    let i = n
        .prev_siblings()
        .filter(|p| matches!(node_name(*p).as_str(), "td" | "th"))
        .count();
    Ok((i as i32).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "<!DOCTYPE html><html lang=\"en\"><head><title>t</title></head>\
        <body><ul id=\"nav\"><li class=\"a\">One</li><li>Two &amp; <b>2</b></li></ul>\
        <p title=\"it's\">x<br>y</p><pre>\n\nz</pre></body></html>";

    #[test]
    fn render_matches_go_html_render() {
        // Outputs confirmed on k6 v1.1.0 (golang.org/x/net/html rendering).
        let d = Sel::document(PAGE, String::new());
        assert_eq!(
            d.find_str("ul").inner_html(),
            "<li class=\"a\">One</li><li>Two &amp; <b>2</b></li>"
        );
        assert_eq!(
            d.find_str("body").inner_html(),
            "<ul id=\"nav\"><li class=\"a\">One</li><li>Two &amp; <b>2</b></li></ul>\
             <p title=\"it&#39;s\">x<br/>y</p><pre>\n\nz</pre>"
        );
        assert!(
            d.inner_html()
                .starts_with("<!DOCTYPE html><html lang=\"en\"><head>")
        );
    }

    #[test]
    fn text_and_traversal() {
        let d = Sel::document(PAGE, String::new());
        assert_eq!(d.find_str("li").text(), "OneTwo & 2");
        assert_eq!(d.find_str("li").nodes.len(), 2);
        assert_eq!(d.find_str("li[").nodes.len(), 0);
        assert_eq!(d.find_str("").nodes.len(), 0);
        assert_eq!(d.find_str("li.a").attr("class").as_deref(), Some("a"));
        assert_eq!(d.find_str("li").attr("nope"), None);
    }

    #[test]
    fn data_attribute_names_and_values() {
        // Confirmed on k6 v1.1.0: data-user-id -> userID, data-x-y-z -> xYZ, data-http-ok -> httpOk.
        assert_eq!(attr_to_property("user-id"), "userID");
        assert_eq!(attr_to_property("x-y-z"), "xYZ");
        assert_eq!(attr_to_property("http-ok"), "httpOk");
        assert_eq!(attr_to_property("my-html"), "myHTML");
        assert_eq!(attr_to_property("foo_bar"), "foo_bar");
        assert_eq!(property_to_attr("fooBar"), "foo-bar");
        assert_eq!(property_to_attr("userID"), "user-id");
        assert_eq!(property_to_attr("foo-bar"), "foo-bar");
    }

    #[test]
    fn go_query_escape() {
        assert_eq!(query_escape("a b&c~*"), "a+b%26c~%2A");
    }
}
