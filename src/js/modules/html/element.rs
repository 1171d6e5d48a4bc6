//! The Element API (what `selection.get(i)` and `each()` callbacks get): k6's DOM-like
//! accessors, all methods (`el.nodeName()`), plus the subset of k6's element-type accessors
//! rk6 installs on every element.

use super::*;

pub(super) const ELEMENT_METHODS: &[(&str, usize, Method)] = &[
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

pub(super) fn el_node<'a>(s: &'a Sel) -> JsResult<NodeRef<'a, Node>> {
    s.first()
        .ok_or_else(|| type_error("detached k6/html element"))
}

pub(super) fn el_attributes(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
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

pub(super) fn attr_ns_prefix(s: &Sel, name: &str) -> String {
    s.first()
        .and_then(|n| n.value().as_element())
        .and_then(|e| e.attrs.iter().find(|(k, _)| &*k.local == name))
        .and_then(|(k, _)| k.prefix.as_ref().map(|p| p.to_string()))
        .unwrap_or_default()
}

pub(super) fn namespace_uri(prefix: &str) -> &'static str {
    match prefix {
        "svg" => "http://www.w3.org/2000/svg",
        "math" => "http://www.w3.org/1998/Math/MathML",
        _ => "http://www.w3.org/1999/xhtml",
    }
}

pub(super) fn attribute_object(
    owner: &JsValue,
    s: &Sel,
    name: &str,
    ctx: &mut Context,
) -> JsResult<JsValue> {
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

pub(super) fn el_get_attribute_node(
    this: &JsValue,
    args: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let name = to_rust_string(args.get_or_undefined(0), ctx)?;
    if s.attr(&name).is_none() {
        return Ok(JsValue::undefined());
    }
    attribute_object(this, &s, &name, ctx)
}

pub(super) fn el_child_element_count(
    this: &JsValue,
    _: &[JsValue],
    _: &mut Context,
) -> JsResult<JsValue> {
    let s = this_el(this)?;
    Ok((element_children(el_node(&s)?).count() as i32).into())
}

pub(super) fn el_child_nodes(
    this: &JsValue,
    _: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let ids: Vec<NodeId> = el_node(&s)?.children().map(|n| n.id()).collect();
    element_list(&s, ids, ctx)
}

pub(super) fn el_children(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let ids: Vec<NodeId> = element_children(el_node(&s)?).map(|n| n.id()).collect();
    element_list(&s, ids, ctx)
}

pub(super) fn el_class_list(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let classes: Vec<JsValue> = s
        .attr("class")
        .unwrap_or_default()
        .split_whitespace()
        .map(|c| JsString::from(c).into())
        .collect();
    Ok(JsArray::from_iter(classes, ctx).into())
}

pub(super) fn attr_or_undefined(this: &JsValue, name: &str) -> JsResult<JsValue> {
    let s = this_el(this)?;
    Ok(s.attr(name)
        .map(|v| JsString::from(v).into())
        .unwrap_or_default())
}

pub(super) fn attr_or_empty(this: &JsValue, name: &str) -> JsResult<JsValue> {
    let s = this_el(this)?;
    Ok(JsString::from(s.attr(name).unwrap_or_default()).into())
}

pub(super) fn el_class_name(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    attr_or_undefined(this, "class")
}

pub(super) fn is_ancestor(s: &Sel, anc: NodeId, node: NodeId) -> bool {
    s.node(node)
        .is_some_and(|n| n.ancestors().any(|a| a.id() == anc))
}

pub(super) fn el_contains(this: &JsValue, args: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let Some(o) = el_of(args.get_or_undefined(0)) else {
        return Ok(false.into());
    };
    let (Some(me), Some(other)) = (s.nodes.first(), o.nodes.first()) else {
        return Ok(false.into());
    };
    Ok((s.same_doc(&o) && me != other && is_ancestor(&s, *me, *other)).into())
}

pub(super) fn el_first_child(
    this: &JsValue,
    _: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let id = el_node(&s)?.first_child().map(|n| n.id());
    element_value(&s, id, ctx)
}

pub(super) fn el_last_child(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let id = el_node(&s)?.last_child().map(|n| n.id());
    element_value(&s, id, ctx)
}

pub(super) fn el_first_element_child(
    this: &JsValue,
    _: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let id = element_children(el_node(&s)?).next().map(|n| n.id());
    element_value(&s, id, ctx)
}

pub(super) fn el_last_element_child(
    this: &JsValue,
    _: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let id = element_children(el_node(&s)?).last().map(|n| n.id());
    element_value(&s, id, ctx)
}

pub(super) fn el_get_attribute(
    this: &JsValue,
    args: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let name = to_rust_string(args.get_or_undefined(0), ctx)?;
    attr_or_undefined(this, &name)
}

pub(super) fn el_has_attribute(
    this: &JsValue,
    args: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let name = to_rust_string(args.get_or_undefined(0), ctx)?;
    Ok(this_el(this)?.attr(&name).is_some().into())
}

pub(super) fn el_has_attributes(
    this: &JsValue,
    _: &[JsValue],
    _: &mut Context,
) -> JsResult<JsValue> {
    let s = this_el(this)?;
    Ok(el_node(&s)?
        .value()
        .as_element()
        .is_some_and(|e| !e.attrs.is_empty())
        .into())
}

pub(super) fn el_has_child_nodes(
    this: &JsValue,
    _: &[JsValue],
    _: &mut Context,
) -> JsResult<JsValue> {
    let s = this_el(this)?;
    Ok(el_node(&s)?.has_children().into())
}

pub(super) fn el_by_class(
    this: &JsValue,
    args: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let name = to_rust_string(args.get_or_undefined(0), ctx)?;
    let found = s.find_str(&format!(".{name}"));
    element_list(&s, found.nodes, ctx)
}

pub(super) fn el_by_tag(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let name = to_rust_string(args.get_or_undefined(0), ctx)?;
    let found = s.find_str(&name);
    element_list(&s, found.nodes, ctx)
}

pub(super) fn el_query_selector(
    this: &JsValue,
    args: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let sel = to_rust_string(args.get_or_undefined(0), ctx)?;
    let found = s.find_str(&sel);
    element_value(&s, found.nodes.first().copied(), ctx)
}

pub(super) fn el_query_selector_all(
    this: &JsValue,
    args: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    el_by_tag(this, args, ctx)
}

pub(super) fn el_id(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    attr_or_empty(this, "id")
}

pub(super) fn el_inner_html(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    Ok(JsString::from(this_el(this)?.inner_html()).into())
}

pub(super) fn el_ns(s: &Sel) -> String {
    s.first()
        .and_then(|n| n.value().as_element().map(|e| e.name.ns.to_string()))
        .unwrap_or_default()
}

pub(super) fn el_is_default_namespace(
    this: &JsValue,
    _: &[JsValue],
    _: &mut Context,
) -> JsResult<JsValue> {
    let ns = el_ns(&this_el(this)?);
    Ok((ns.is_empty() || ns == "http://www.w3.org/1999/xhtml").into())
}

pub(super) fn el_namespace_uri(
    this: &JsValue,
    _: &[JsValue],
    _: &mut Context,
) -> JsResult<JsValue> {
    let ns = el_ns(&this_el(this)?);
    let uri = match ns.as_str() {
        "http://www.w3.org/2000/svg" => "http://www.w3.org/2000/svg",
        "http://www.w3.org/1998/Math/MathML" => "http://www.w3.org/1998/Math/MathML",
        _ => "http://www.w3.org/1999/xhtml",
    };
    Ok(JsString::from(uri).into())
}

pub(super) fn el_is_equal_node(
    this: &JsValue,
    args: &[JsValue],
    _: &mut Context,
) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let Some(o) = el_of(args.get_or_undefined(0)) else {
        return Ok(false.into());
    };
    Ok((s.inner_html() == o.inner_html()).into())
}

pub(super) fn el_is_same_node(
    this: &JsValue,
    args: &[JsValue],
    _: &mut Context,
) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let Some(o) = el_of(args.get_or_undefined(0)) else {
        return Ok(false.into());
    };
    Ok((s.same_doc(&o) && s.nodes.first() == o.nodes.first()).into())
}

pub(super) fn el_lang(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    attr_or_undefined(this, "lang")
}

pub(super) fn el_matches(this: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let sel = to_rust_string(args.get_or_undefined(0), ctx)?;
    Ok((!s.filter_str(&sel).is_empty()).into())
}

pub(super) fn el_next_element_sibling(
    this: &JsValue,
    _: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let id = siblings_after(el_node(&s)?).next().map(|n| n.id());
    element_value(&s, id, ctx)
}

pub(super) fn el_previous_element_sibling(
    this: &JsValue,
    _: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let id = siblings_before(el_node(&s)?).next().map(|n| n.id());
    element_value(&s, id, ctx)
}

pub(super) fn el_next_sibling(
    this: &JsValue,
    _: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let id = el_node(&s)?.next_sibling().map(|n| n.id());
    element_value(&s, id, ctx)
}

pub(super) fn el_previous_sibling(
    this: &JsValue,
    _: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let id = el_node(&s)?.prev_sibling().map(|n| n.id());
    element_value(&s, id, ctx)
}

pub(super) fn el_node_name(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    Ok(JsString::from(this_el(this)?.node_name()).into())
}

pub(super) fn el_node_type(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
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

pub(super) fn el_node_value(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    Ok(match el_node(&s)?.value() {
        // goquery's Text() of a comment is empty, and so is k6's nodeValue for it.
        Node::Text(_) | Node::Comment(_) => JsString::from(s.text()).into(),
        _ => JsValue::undefined(),
    })
}

pub(super) fn el_owner_document(
    this: &JsValue,
    _: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let root = s.doc.html.tree.root().id();
    element_value(&s, Some(root), ctx)
}

pub(super) fn el_parent_element(
    this: &JsValue,
    _: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let id = el_node(&s)?
        .parent()
        .filter(|p| is_element(*p))
        .map(|n| n.id());
    element_value(&s, id, ctx)
}

pub(super) fn el_parent_node(
    this: &JsValue,
    _: &[JsValue],
    ctx: &mut Context,
) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let id = el_node(&s)?.parent().map(|n| n.id());
    element_value(&s, id, ctx)
}

pub(super) fn el_selection(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    selection_value(this_el(this)?, ctx)
}

pub(super) fn el_text_content(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    Ok(JsString::from(this_el(this)?.text()).into())
}

pub(super) fn el_to_string(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let n = el_node(&s)?;
    Ok(if is_element(n) {
        JsString::from("[object html.Node]").into()
    } else {
        JsString::from(format!("[object {}]", node_name(n))).into()
    })
}

/// An attribute as a URL resolved against the response URL (as given without one).
pub(super) fn url_attr(this: &JsValue, name: &str) -> JsResult<JsValue> {
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

pub(super) fn el_href(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    url_attr(this, "href")
}

pub(super) fn el_src(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    url_attr(this, "src")
}

pub(super) fn el_action(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    url_attr(this, "action")
}

pub(super) fn el_alt(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    attr_or_empty(this, "alt")
}

pub(super) fn el_rel(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    attr_or_empty(this, "rel")
}

pub(super) fn el_target(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    attr_or_empty(this, "target")
}

pub(super) fn el_name(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    attr_or_empty(this, "name")
}

pub(super) fn el_type(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
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

pub(super) fn el_method(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let m = s.attr("method").unwrap_or_default().to_ascii_lowercase();
    Ok(JsString::from(if m == "post" { "post" } else { "get" }).into())
}

pub(super) fn el_content(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    attr_or_empty(this, "content")
}

pub(super) fn el_placeholder(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    attr_or_empty(this, "placeholder")
}

pub(super) fn el_html_for(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    attr_or_empty(this, "for")
}

pub(super) fn el_value(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    Ok(match s.node_name().as_str() {
        // k6's TextAreaElement.value() reads the (absent) value attribute.
        "textarea" => JsString::from(s.attr("value").unwrap_or_default()).into(),
        "input" | "button" | "option" | "select" => form_val_js(form_val(&s), ctx),
        _ => attr_or_undefined(this, "value")?,
    })
}

pub(super) fn bool_attr(this: &JsValue, name: &str) -> JsResult<JsValue> {
    Ok(this_el(this)?.attr(name).is_some().into())
}

pub(super) fn el_checked(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    bool_attr(this, "checked")
}

pub(super) fn el_selected(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    bool_attr(this, "selected")
}

pub(super) fn el_disabled(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    bool_attr(this, "disabled")
}

pub(super) fn el_multiple(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    bool_attr(this, "multiple")
}

pub(super) fn int_attr(this: &JsValue, name: &str) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let n = s
        .attr(name)
        .and_then(|v| v.parse::<i32>().ok())
        .unwrap_or(0);
    Ok(n.into())
}

pub(super) fn el_width(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    int_attr(this, "width")
}

pub(super) fn el_height(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    int_attr(this, "height")
}

pub(super) fn el_options(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let found = s.find_str("option");
    element_list(&s, found.nodes, ctx)
}

pub(super) fn el_elements(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let found = s.find_str("input,select,textarea,button,fieldset,object,output");
    element_list(&s, found.nodes, ctx)
}

pub(super) fn el_selected_index(
    this: &JsValue,
    _: &[JsValue],
    _: &mut Context,
) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let opts = s.find_str("option");
    let i = opts
        .nodes
        .iter()
        .position(|id| opts.single(*id).attr("selected").is_some())
        .map_or(-1, |i| i as i32);
    Ok(i.into())
}

pub(super) fn el_rows(this: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let found = s.find_str("tr");
    element_list(&s, found.nodes, ctx)
}

pub(super) fn el_cell_index(this: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let s = this_el(this)?;
    let n = el_node(&s)?;
    let i = n
        .prev_siblings()
        .filter(|p| matches!(node_name(*p).as_str(), "td" | "th"))
        .count();
    Ok((i as i32).into())
}
