//! `k6/html`: `parseHTML(src)` and `res.html()`, a jQuery-like Selection API over an HTML5
//! tree (html5ever through the `scraper` crate, CSS selectors from `selectors`).
//!
//! Behaviour follows k6 v1.1.0 (goquery/cascadia over golang.org/x/net/html), checked by
//! running the same probes on both: element accessors are methods (`el.nodeName()`),
//! `html()` renders like Go's `html.Render` (`<br/>`, `&#39;`, `&#34;`), `map()` callbacks get
//! a Selection while `each()` callbacks get an Element, `serialize*()` follow k6's form rules.

mod document;
mod element;
mod selection;

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
use document::*;
use element::*;
use selection::*;

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
        // k6 throws it with `common.Throw`: a GoError, as for `res.json()`.
        return Err(super::encoding::go_error(
            "the body is null so we can't transform it to HTML - this likely was because of a request error getting the response",
            ctx,
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

// JS objects: the Selection and Element wrappers and their prototypes, built once per VU.
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
