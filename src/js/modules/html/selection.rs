//! The Selection API (`parseHTML(src).find(...)`, `res.html()`): k6's goquery-backed,
//! jQuery-like methods, including k6's form rules for `val()` and `serialize*()` and its
//! `data()` name conversions.

use super::*;

pub(super) const SELECTION_METHODS: &[(&str, usize, Method)] = &[
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

pub(super) fn sel_url(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    Ok(JsString::from(s.doc.url.as_str()).into())
}

pub(super) fn sel_find(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
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

pub(super) fn sel_add(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
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

pub(super) fn sel_closest(
    this: &JsValue,
    args: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
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

pub(super) fn sel_has(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
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

pub(super) fn sel_children(
    this: &JsValue,
    args: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let f = opt_string(args, 0, ctx)?;
    let kids: Vec<NodeId> = s
        .refs()
        .flat_map(element_children)
        .map(|n| n.id())
        .collect();
    selection_value(s.filtered(kids, f.as_deref()), ctx)
}

pub(super) fn sel_contents(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let kids: Vec<NodeId> = s
        .refs()
        .flat_map(|n| n.children())
        .map(|n| n.id())
        .collect();
    selection_value(s.derive(kids), ctx)
}

pub(super) fn sel_each(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
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

pub(super) fn sel_end(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
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

pub(super) fn resolve_index(i: i64, len: usize) -> Option<usize> {
    let len = len as i64;
    let i = if i < 0 { i + len } else { i };
    (0..len).contains(&i).then_some(i as usize)
}

pub(super) fn sel_eq(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let i = int_arg(args, 0, ctx)?;
    let nodes: Vec<NodeId> = resolve_index(i, s.nodes.len())
        .map(|i| vec![s.nodes[i]])
        .unwrap_or_default();
    selection_value(s.derive(nodes), ctx)
}

pub(super) fn sel_first(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let n: Vec<NodeId> = s.nodes.first().copied().into_iter().collect();
    selection_value(s.derive(n), ctx)
}

pub(super) fn sel_last(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let n: Vec<NodeId> = s.nodes.last().copied().into_iter().collect();
    selection_value(s.derive(n), ctx)
}

pub(super) fn sel_filter(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
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

pub(super) fn sel_not(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
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

pub(super) fn sel_is(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let Some(m) = matcher(args.get_or_undefined(0), true) else {
        return Err(error(
            "the argument to is() must be a function, a selector or a selection",
        ));
    };
    Ok(test_each(&s, &m, ctx)?.into_iter().any(|b| b).into())
}

pub(super) fn sel_get(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    if args.get_or_undefined(0).is_undefined() {
        return element_list(&s, s.nodes.clone(), ctx);
    }
    let i = int_arg(args, 0, ctx)?;
    let id = resolve_index(i, s.nodes.len()).map(|i| s.nodes[i]);
    element_value(&s, id, ctx)
}

pub(super) fn sel_html(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    Ok(JsString::from(s.inner_html()).into())
}

pub(super) fn sel_text(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    Ok(JsString::from(s.text()).into())
}

/// Position of a node among its parent's element children.
pub(super) fn element_index(n: NodeRef<'_, Node>) -> i64 {
    n.prev_siblings().filter(|p| is_element(*p)).count() as i64
}

pub(super) fn sel_index(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
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

pub(super) fn sel_map(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
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

pub(super) fn siblings_after(n: NodeRef<'_, Node>) -> impl Iterator<Item = NodeRef<'_, Node>> {
    n.next_siblings().filter(|x| is_element(*x))
}

pub(super) fn siblings_before(n: NodeRef<'_, Node>) -> impl Iterator<Item = NodeRef<'_, Node>> {
    n.prev_siblings().filter(|x| is_element(*x))
}

pub(super) fn element_ancestors(n: NodeRef<'_, Node>) -> impl Iterator<Item = NodeRef<'_, Node>> {
    n.ancestors().take_while(|x| is_element(*x))
}

pub(super) fn sel_next(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let f = opt_string(args, 0, ctx)?;
    let n: Vec<NodeId> = s
        .refs()
        .filter_map(|n| siblings_after(n).next())
        .map(|n| n.id())
        .collect();
    selection_value(s.filtered(n, f.as_deref()), ctx)
}

pub(super) fn sel_next_all(
    this: &JsValue,
    args: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let f = opt_string(args, 0, ctx)?;
    let n: Vec<NodeId> = s.refs().flat_map(siblings_after).map(|n| n.id()).collect();
    selection_value(s.filtered(n, f.as_deref()), ctx)
}

pub(super) fn sel_prev(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let f = opt_string(args, 0, ctx)?;
    let n: Vec<NodeId> = s
        .refs()
        .filter_map(|n| siblings_before(n).next())
        .map(|n| n.id())
        .collect();
    selection_value(s.filtered(n, f.as_deref()), ctx)
}

pub(super) fn sel_prev_all(
    this: &JsValue,
    args: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let f = opt_string(args, 0, ctx)?;
    let n: Vec<NodeId> = s.refs().flat_map(siblings_before).map(|n| n.id()).collect();
    selection_value(s.filtered(n, f.as_deref()), ctx)
}

pub(super) fn sel_parent(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let f = opt_string(args, 0, ctx)?;
    let n: Vec<NodeId> = s
        .refs()
        .filter_map(|n| n.parent().filter(|p| is_element(*p)))
        .map(|n| n.id())
        .collect();
    selection_value(s.filtered(n, f.as_deref()), ctx)
}

pub(super) fn sel_parents(
    this: &JsValue,
    args: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let f = opt_string(args, 0, ctx)?;
    let n: Vec<NodeId> = s
        .refs()
        .flat_map(element_ancestors)
        .map(|n| n.id())
        .collect();
    selection_value(s.filtered(n, f.as_deref()), ctx)
}

pub(super) fn sel_siblings(
    this: &JsValue,
    args: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
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
pub(super) fn until_impl<'a, I>(
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

pub(super) fn next_ids(n: NodeRef<'_, Node>) -> std::vec::IntoIter<NodeId> {
    siblings_after(n)
        .map(|x| x.id())
        .collect::<Vec<_>>()
        .into_iter()
}

pub(super) fn prev_ids(n: NodeRef<'_, Node>) -> std::vec::IntoIter<NodeId> {
    siblings_before(n)
        .map(|x| x.id())
        .collect::<Vec<_>>()
        .into_iter()
}

pub(super) fn parent_ids(n: NodeRef<'_, Node>) -> std::vec::IntoIter<NodeId> {
    element_ancestors(n)
        .map(|x| x.id())
        .collect::<Vec<_>>()
        .into_iter()
}

pub(super) fn sel_next_until(
    this: &JsValue,
    args: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    until_impl(this, args, ctx, next_ids)
}

pub(super) fn sel_prev_until(
    this: &JsValue,
    args: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    until_impl(this, args, ctx, prev_ids)
}

pub(super) fn sel_parents_until(
    this: &JsValue,
    args: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    until_impl(this, args, ctx, parent_ids)
}

pub(super) fn sel_size(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    Ok((this_sel(this)?.nodes.len() as i32).into())
}

pub(super) fn sel_slice(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
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

pub(super) fn sel_to_array(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let mut items = Vec::with_capacity(s.nodes.len());
    for id in &s.nodes {
        items.push(selection_value(s.single(*id), ctx)?);
    }
    Ok(JsArray::from_iter(items, ctx).into())
}

pub(super) fn sel_attr(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let name = to_rust_string(args.get_or_undefined(0), ctx)?;
    Ok(match s.attr(&name) {
        Some(v) => JsString::from(v).into(),
        None => args.get(1).cloned().unwrap_or_default(),
    })
}

/// The `value` attribute, else the inner HTML (options without a value).
pub(super) fn value_or_html(s: &Sel) -> String {
    s.attr("value").unwrap_or_else(|| s.inner_html())
}

/// k6's `val()`: a string, an array (multiple select) or undefined.
pub(super) enum FormVal {
    One(String),
    Many(Vec<String>),
    None,
}

pub(super) fn form_val(s: &Sel) -> FormVal {
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

pub(super) fn form_val_js(v: FormVal, ctx: &mut Context) -> JsValue {
    match v {
        FormVal::One(s) => JsString::from(s).into(),
        FormVal::Many(v) => {
            let items: Vec<JsValue> = v.into_iter().map(|s| JsString::from(s).into()).collect();
            JsArray::from_iter(items, ctx).into()
        }
        FormVal::None => JsValue::undefined(),
    }
}

pub(super) fn sel_val(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    Ok(form_val_js(form_val(&s), ctx))
}

/// Go initialisms that snaker upper-cases when k6 camel-cases `data-*` names.
pub(super) const INITIALISMS: &[&str] = &[
    "ACL", "API", "ASCII", "CPU", "CSS", "DNS", "EOF", "GUID", "HTML", "HTTP", "HTTPS", "ID", "IP",
    "JSON", "LHS", "QPS", "RAM", "RHS", "RPC", "SLA", "SMTP", "SQL", "SSH", "TCP", "TLS", "TTL",
    "UDP", "UI", "UID", "UUID", "URI", "URL", "UTF8", "VM", "XML", "XMPP", "XSRF", "XSS",
];

/// `data-user-id` → `userID` (k6: first segment kept, the rest snake-to-camel).
pub(super) fn attr_to_property(s: &str) -> String {
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
pub(super) fn property_to_attr(s: &str) -> String {
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

pub(super) fn data_value(val: &str, ctx: &mut Context) -> JsResult<JsValue> {
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

pub(super) fn sel_data(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
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
pub(super) fn serialize_pairs(s: &Sel) -> Vec<(String, FormVal)> {
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

pub(super) fn sel_serialize_array(
    this: &JsValue,
    _: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
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

pub(super) fn sel_serialize_object(
    this: &JsValue,
    _: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let s = this_sel(this)?;
    let obj = ObjectInitializer::new(ctx).build();
    for (name, val) in serialize_pairs(&s) {
        let v = form_val_js(val, ctx);
        obj.set(JsString::from(name), v, false, ctx)?;
    }
    Ok(obj.into())
}

/// Go's `url.QueryEscape`.
pub(super) fn query_escape(s: &str) -> String {
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

pub(super) fn sel_serialize(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
