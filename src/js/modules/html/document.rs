//! The document: a parsed HTML5 tree (html5ever through `scraper`), selections of its nodes
//! as k6's goquery keeps them, tree walking, CSS matching (Servo's `selectors`, standing in for
//! cascadia), and rendering as Go's `html.Render` does.

use super::*;

/// A parsed document's tree (nodes, attributes, text copies) next to its source size, as
/// counted towards the VU's garbage collection budget (`gc::NATIVE_GC_BUDGET`).
pub(super) const DOC_BYTES_PER_SOURCE_BYTE: usize = 4;

pub(super) struct Doc {
    pub(super) html: Html,
    /// The response URL for `res.html()` (relative `href`/`src`/`action` resolve against it).
    pub(super) url: String,
}

#[derive(Clone)]
pub(super) struct Sel {
    pub(super) doc: Rc<Doc>,
    pub(super) nodes: Vec<NodeId>,
    /// The selection this one was derived from, for `end()`.
    pub(super) prev: Option<Rc<Sel>>,
}

pub(super) fn compile(selector: &str) -> Option<Selector> {
    // cascadia rejects an empty selector too; k6 then yields an empty selection.
    if selector.trim().is_empty() {
        return None;
    }
    Selector::parse(selector).ok()
}

pub(super) fn matches(node: NodeRef<'_, Node>, selector: &Selector) -> bool {
    ElementRef::wrap(node).is_some_and(|e| selector.matches(&e))
}

pub(super) fn is_element(node: NodeRef<'_, Node>) -> bool {
    node.value().is_element()
}

impl Sel {
    pub(super) fn document(src: &str, url: String) -> Sel {
        let html = Html::parse_document(src);
        let root = html.tree.root().id();
        Sel {
            doc: Rc::new(Doc { html, url }),
            nodes: vec![root],
            prev: None,
        }
    }

    pub(super) fn node(&self, id: NodeId) -> Option<NodeRef<'_, Node>> {
        self.doc.html.tree.get(id)
    }

    pub(super) fn refs(&self) -> impl Iterator<Item = NodeRef<'_, Node>> {
        self.nodes.iter().filter_map(|id| self.node(*id))
    }

    pub(super) fn first(&self) -> Option<NodeRef<'_, Node>> {
        self.nodes.first().and_then(|id| self.node(*id))
    }

    /// A new selection of `nodes` (deduplicated, first occurrence kept) derived from `self`.
    pub(super) fn derive(&self, nodes: impl IntoIterator<Item = NodeId>) -> Sel {
        let mut seen = HashSet::new();
        let nodes = nodes.into_iter().filter(|n| seen.insert(*n)).collect();
        Sel {
            doc: self.doc.clone(),
            nodes,
            prev: Some(Rc::new(self.clone())),
        }
    }

    pub(super) fn single(&self, id: NodeId) -> Sel {
        Sel {
            doc: self.doc.clone(),
            nodes: vec![id],
            prev: None,
        }
    }

    pub(super) fn same_doc(&self, other: &Sel) -> bool {
        Rc::ptr_eq(&self.doc, &other.doc)
    }

    pub(super) fn find_str(&self, selector: &str) -> Sel {
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

    pub(super) fn is_descendant_of_any(&self, id: NodeId) -> bool {
        let Some(n) = self.node(id) else { return false };
        n.ancestors().any(|a| self.nodes.contains(&a.id()))
    }

    pub(super) fn filter_str(&self, selector: &str) -> Vec<NodeId> {
        let Some(s) = compile(selector) else {
            return Vec::new();
        };
        self.refs()
            .filter(|n| matches(*n, &s))
            .map(|n| n.id())
            .collect()
    }

    pub(super) fn filtered(&self, nodes: Vec<NodeId>, filter: Option<&str>) -> Sel {
        match filter {
            None => self.derive(nodes),
            Some(f) => {
                let tmp = self.derive(nodes);
                self.derive(tmp.filter_str(f))
            }
        }
    }

    pub(super) fn text(&self) -> String {
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

    pub(super) fn inner_html(&self) -> String {
        let mut out = String::new();
        if let Some(n) = self.first() {
            for c in n.children() {
                render(c, &mut out);
            }
        }
        out
    }

    pub(super) fn attr(&self, name: &str) -> Option<String> {
        let n = self.first()?;
        attr_of(n, name).map(str::to_string)
    }

    pub(super) fn node_name(&self) -> String {
        self.first().map(node_name).unwrap_or_default()
    }
}

pub(super) fn attr_of<'a>(n: NodeRef<'a, Node>, name: &str) -> Option<&'a str> {
    let el = n.value().as_element()?;
    el.attrs
        .iter()
        .find(|(k, _)| &*k.local == name)
        .map(|(_, v)| &**v)
}

pub(super) fn node_name(n: NodeRef<'_, Node>) -> String {
    match n.value() {
        Node::Element(e) => e.name.local.to_string(),
        Node::Text(_) => "#text".into(),
        Node::Comment(_) => "#comment".into(),
        Node::Document | Node::Fragment => "#document".into(),
        Node::Doctype(d) => d.name().to_string(),
        Node::ProcessingInstruction(p) => p.target.to_string(),
    }
}

pub(super) fn element_children(n: NodeRef<'_, Node>) -> impl Iterator<Item = NodeRef<'_, Node>> {
    n.children().filter(|c| is_element(*c))
}

// ------------------------------------------------------------------------------------------
// Rendering like Go's html.Render (which goquery's Html() and so k6 use)
// ------------------------------------------------------------------------------------------

pub(super) const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param",
    "source", "track", "wbr",
];
pub(super) const RAW_TEXT: &[&str] = &[
    "iframe",
    "noembed",
    "noframes",
    "noscript",
    "plaintext",
    "script",
    "style",
    "xmp",
];

pub(super) fn escape_into(s: &str, out: &mut String) {
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

pub(super) fn is_html_ns(e: &scraper::node::Element) -> bool {
    &*e.name.ns == "http://www.w3.org/1999/xhtml"
}

pub(super) fn render(n: NodeRef<'_, Node>, out: &mut String) {
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
}
