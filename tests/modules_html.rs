//! End-to-end tests of k6/html: `parseHTML()` and `res.html()` against the embedded target's
//! `/html` page. Every expected value below was produced by running the same script on k6
//! v1.1.0 against the same embedded target (results written by handleSummary, compared
//! value by value).

mod common;

use common::*;
use serde_json::{Value, json};

/// Wraps `body` (a list of `p('name', () => expr)` probes run in setup) into a script that
/// writes the results to `results.json` from handleSummary.
fn probe_script(imports: &str, body: &str) -> String {
    format!(
        r#"
{imports}
import http from 'k6/http';
export const options = {{ iterations: 1 }};
const R = {{}};
const show = (v) => (v === undefined ? '<undefined>' : v);
const p = (n, f) => {{ try {{ R[n] = show(f()); }} catch (e) {{ R[n] = 'THROW: ' + e.message; }} }};
export function setup() {{
  const res = http.get(`${{__ENV.BASE}}/html`);
  {body}
  return R;
}}
export default function () {{}}
export function handleSummary(data) {{
  return {{ 'results.json': JSON.stringify(data.setup_data) }};
}}
"#
    )
}

fn run_probes(imports: &str, body: &str) -> Value {
    let t = target();
    let ws = Workspace::new();
    let r = run_script(
        &ws,
        &probe_script(imports, body),
        &[],
        &[("BASE", &base_url(&t))],
    );
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let text = std::fs::read_to_string(ws.path("results.json")).unwrap_or_default();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("results.json: {e}: {text}"))
}

fn assert_results(got: &Value, expected: &[(&str, Value)]) {
    let mut bad = Vec::new();
    for (name, want) in expected {
        if &got[*name] != want {
            bad.push(format!("{name}: got {} want {want}", got[*name]));
        }
    }
    assert!(
        bad.is_empty(),
        "differences from k6 v1.1.0:\n{}",
        bad.join("\n")
    );
}

#[test]
fn selection_api_matches_k6() {
    let got = run_probes(
        "import { parseHTML } from 'k6/html';",
        r#"
  const d = parseHTML(res.body);
  p('size all', () => d.find('*').size());
  p('title', () => d.find('title').text());
  p('li text', () => d.find('li').text());
  p('attr', () => d.find('li a').attr('href'));
  p('attr missing', () => d.find('h1').attr('nope'));
  p('attr default', () => d.find('h1').attr('nope', 'dflt'));
  p('html nav', () => d.find('nav').html());
  p('html empty', () => d.find('blink').html());
  p('children', () => d.find('ul').children().size());
  p('children filtered', () => d.find('ul').children('.active').size());
  p('contents', () => d.find('#chapter-1').contents().size());
  p('closest', () => d.find('a.external').closest('ul').attr('id'));
  p('each', () => { const r = []; d.find('li').each((i, e) => r.push([i, e.nodeName(), e.textContent()])); return r; });
  p('eq', () => d.find('li').eq(1).text());
  p('eq neg', () => d.find('li').eq(-1).text());
  p('eq out', () => d.find('li').eq(9).size());
  p('filter str', () => d.find('li').filter('.active').text());
  p('filter fn', () => d.find('li').filter((i, s) => i > 0).size());
  p('filter sel', () => d.find('li').filter(d.find('.active')).size());
  p('first last', () => d.find('td').first().text() + '|' + d.find('td').last().text());
  p('get', () => d.find('td').get(0).nodeName());
  p('get all', () => d.find('td').get().length);
  p('get out', () => d.find('td').get(99));
  p('has', () => d.find('li').has('a.external').size());
  p('is', () => [d.find('li').is('.active'), d.find('li').is((i) => i == 2), d.find('li').is(d.find('h1'))]);
  p('map', () => d.find('li').map((i, s) => s.text()));
  p('map throws', () => d.find('li').map((i, s) => s.nodeName()));
  p('next', () => d.find('li.active').next().text());
  p('nextAll', () => d.find('li.active').nextAll().size());
  p('nextUntil', () => [d.find('#username').nextUntil('select').size(), d.find('#username').nextUntil('select', 'input').size()]);
  p('prev', () => d.find('li').last().prev().text());
  p('prevAll', () => d.find('li').last().prevAll().text());
  p('prevUntil', () => d.find('#ship').prevUntil('#username').size());
  p('parent', () => [d.find('a').parent().size(), d.find('a').parent('.active').size()]);
  p('parents', () => [d.find('a.external').parents().size(), d.find('a.external').parents('ul').attr('id')]);
  p('parentsUntil', () => d.find('a.external').parentsUntil('header').size());
  p('not', () => [d.find('li').not('.active').size(), d.find('li').not((i) => i == 0).size()]);
  p('slice', () => [d.find('li').slice(1).size(), d.find('li').slice(0, 2).text(), d.find('li').slice(-2).text()]);
  p('siblings', () => d.find('li.active').siblings().size());
  p('end', () => d.find('ul').find('li').end().size());
  p('add', () => d.find('h1').add('h2').size());
  p('index', () => d.find('li.active').next().index());
  p('toArray', () => d.find('li').toArray().map((s) => s.text()));
  p('val', () => [d.find('#username').val(), d.find('#password').val(), d.find('#remember').val(),
                  d.find('#ship').val(), d.find('option').last().val(), d.find('#notes').val(),
                  d.find('button').val()]);
  p('val none', () => d.find('h1').val());
  p('data', () => d.find('#chapter-1').data());
  p('data key', () => [d.find('#chapter-1').data('chapter'), d.find('#chapter-1').data('title'), d.find('h1').data('level')]);
  p('data none', () => d.find('h2').data());
  p('serialize', () => d.find('form').serialize());
  p('serializeArray', () => d.find('form').serializeArray());
  p('serializeObject', () => d.find('form').serializeObject());
  p('bad selector', () => d.find('li[').size());
  p('number selector', () => d.find(5).size());
  p('filter bad', () => d.find('li').filter(5).size());
  p('text ws', () => d.find('ul').text());
  p('doc', () => [d.size(), d.get(0).nodeName(), d.get(0).nodeType(), d.text().length]);
  p('doc html', () => d.html().slice(0, 60));
  p('url', () => d.url);
"#,
    );
    assert_results(
        &got,
        &[
            ("size all", json!(52)),
            ("title", json!("rk6 sample page")),
            ("li text", json!("GetAnythingExample")),
            ("attr", json!("/get")),
            ("attr missing", json!("<undefined>")),
            ("attr default", json!("dflt")),
            (
                "html nav",
                json!(
                    "\n<ul id=\"nav\" class=\"menu\">\n<li class=\"item active\" data-id=\"1\"><a href=\"/get\" class=\"link\">Get</a></li>\n<li class=\"item\" data-id=\"2\"><a href=\"/anything/page?x=1\" class=\"link external\" rel=\"nofollow\">Anything</a></li>\n<li class=\"item\" data-id=\"3\"><a href=\"https://example.com/\" class=\"link\" target=\"_blank\">Example</a></li>\n</ul>\n"
                ),
            ),
            ("html empty", json!("")),
            ("children", json!(3)),
            ("children filtered", json!(1)),
            ("contents", json!(7)),
            ("closest", json!("nav")),
            (
                "each",
                json!([
                    [0, "li", "Get"],
                    [1, "li", "Anything"],
                    [2, "li", "Example"]
                ]),
            ),
            ("eq", json!("Anything")),
            ("eq neg", json!("Example")),
            ("eq out", json!(0)),
            ("filter str", json!("Get")),
            ("filter fn", json!(2)),
            ("filter sel", json!(1)),
            ("first last", json!("Ahab|Harpooneer")),
            ("get", json!("td")),
            ("get all", json!(6)),
            ("get out", json!("<undefined>")),
            ("has", json!(1)),
            ("is", json!([true, true, false])),
            ("map", json!(["Get", "Anything", "Example"])),
            // k6 returns an empty array when the callback throws (a Selection has no
            // nodeName()); JSON.stringify shows [] in the script (k6's setup_data copy of
            // this Go nil slice reads null).
            ("map throws", json!([])),
            ("next", json!("Anything")),
            ("nextAll", json!(2)),
            ("nextUntil", json!([3, 2])),
            ("prev", json!("Anything")),
            ("prevAll", json!("AnythingGet")),
            ("prevUntil", json!(3)),
            ("parent", json!([3, 1])),
            ("parents", json!([6, "nav"])),
            ("parentsUntil", json!(3)),
            ("not", json!([2, 2])),
            ("slice", json!([2, "GetAnything", "AnythingExample"])),
            ("siblings", json!(2)),
            ("end", json!(1)),
            ("add", json!(2)),
            ("index", json!(1)),
            ("toArray", json!(["Get", "Anything", "Example"])),
            (
                "val",
                json!([
                    "ishmael",
                    "",
                    "yes",
                    "pequod",
                    "rachel",
                    "Thar she blows",
                    ""
                ]),
            ),
            ("val none", json!("<undefined>")),
            ("data", json!({"chapter": 1, "title": "Loomings"})),
            ("data key", json!([1, "Loomings", 1])),
            ("data none", json!("<undefined>")),
            (
                "serialize",
                json!(
                    "csrf_token=a1b2c3d4e5&notes=Thar+she+blows&password=&ship=pequod&username=ishmael"
                ),
            ),
            // Keys as the script sees them in k6 (JSON.stringify in the VU); k6's Go-side
            // setup_data copy would show the struct names Name/Value.
            (
                "serializeArray",
                json!([
                    {"name": "csrf_token", "value": "a1b2c3d4e5"},
                    {"name": "username", "value": "ishmael"},
                    {"name": "password", "value": ""},
                    {"name": "ship", "value": "pequod"},
                    {"name": "notes", "value": "Thar she blows"}
                ]),
            ),
            (
                "serializeObject",
                json!({"csrf_token": "a1b2c3d4e5", "username": "ishmael", "password": "",
                       "ship": "pequod", "notes": "Thar she blows"}),
            ),
            ("bad selector", json!(0)),
            (
                "number selector",
                json!("THROW: invalid argument, cannot use a 'int64' as a selector"),
            ),
            (
                "filter bad",
                json!(
                    "THROW: the argument to filter() must be a function, a selector or a selection"
                ),
            ),
            ("text ws", json!("\nGet\nAnything\nExample\n")),
            ("doc", json!([1, "#document", 9, 539])),
            (
                "doc html",
                json!("<!DOCTYPE html><html lang=\"en\"><head>\n<meta charset=\"utf-8\"/"),
            ),
            ("url", json!("")),
        ],
    );
}

#[test]
fn element_api_matches_k6() {
    let got = run_probes(
        "import { parseHTML } from 'k6/html';",
        r#"
  const d = parseHTML(res.body);
  const h1 = d.find('h1').get(0);
  p('kind', () => [typeof h1.nodeName, h1.nodeName(), h1.nodeType(), h1.nodeValue(), h1.textContent()]);
  p('id class', () => [h1.id(), d.find('main').get(0).id(), h1.className(), h1.classList()]);
  p('attributes', () => [h1.getAttribute('data-level'), h1.getAttribute('x'), h1.hasAttribute('class'), h1.hasAttributes()]);
  p('attributes()', () => { const a = d.find('a').get(1).attributes(); return Object.keys(a).map((k) => [k, a[k].name, a[k].value]); });
  p('innerHTML', () => d.find('li').get(0).innerHTML());
  p('namespace', () => [h1.namespaceURI(), h1.isDefaultNamespace()]);
  const ul = d.find('ul').get(0);
  p('children', () => [ul.childNodes().length, ul.children().length, ul.childElementCount(), ul.hasChildNodes()]);
  p('child nodes', () => ul.childNodes().map((n) => n.nodeName()));
  p('first last', () => [ul.firstChild().nodeName(), ul.firstChild().nodeValue(), ul.firstElementChild().textContent(), ul.lastChild().nodeName(), ul.lastElementChild().textContent()]);
  p('parents', () => [d.find('html').get(0).parentNode().nodeName(), d.find('html').get(0).parentElement(), h1.ownerDocument().nodeName()]);
  p('siblings', () => { const li = d.find('li'); return [li.get(0).nextSibling().nodeName(), li.get(0).nextElementSibling().textContent(), li.get(1).previousSibling().nodeName(), li.get(1).previousElementSibling().textContent(), li.get(0).previousElementSibling()]; });
  p('lang', () => [d.find('html').get(0).lang(), h1.lang()]);
  p('query', () => [ul.getElementsByTagName('a').map((n) => n.textContent()), ul.querySelector('a').nodeName(), ul.querySelectorAll('a').length, h1.querySelector('div'), d.find('html').get(0).getElementsByClassName('item').length]);
  p('matches', () => [d.find('li').get(0).matches('.active'), d.find('li').get(1).matches('.active')]);
  p('toString', () => [String(h1), String(ul.firstChild())]);
  p('same', () => h1.isSameNode(d.find('h1').get(0)));
  p('selection', () => d.find('p').get(0).selection().attr('class'));
  p('text node', () => { const t = d.find('#chapter-1').contents().get(0); return [t.nodeName(), t.nodeType(), t.nodeValue(), t.textContent()]; });
  p('typed', () => { const a = d.find('a'); return [a.get(1).href(), a.get(1).text(), a.get(1).rel(), a.get(2).target()]; });
  p('inputs', () => { const u = d.find('#username').get(0); return [u.value(), u.type(), u.name(), d.find('#remember').get(0).checked()]; });
  p('img', () => { const i = d.find('img').get(0); return [i.src(), i.width(), i.alt()]; });
  p('form', () => { const f = d.find('form').get(0); return [f.action(), f.method(), f.elements().length]; });
  p('select', () => { const s = d.find('select').get(0); return [s.options().length, s.value(), s.selectedIndex(), d.find('option').get(0).selected(), d.find('option').get(0).text()]; });
  p('misc', () => [d.find('table').get(0).rows().length, d.find('td').get(1).cellIndex(), d.find('title').get(0).text(), d.find('meta').get(1).content(), d.find('button').get(0).type(), d.find('label').get(0).htmlFor()]);
  p('each element', () => { const r = []; d.find('li').each((i, e) => r.push(typeof e.find)); return r; });
"#,
    );
    assert_results(
        &got,
        &[
            (
                "kind",
                json!(["function", "h1", 1, null, "Herman Melville - Moby-Dick"]),
            ),
            (
                "id class",
                json!(["", "content", "title main-title", ["title", "main-title"]]),
            ),
            ("attributes", json!(["1", null, true, true])),
            (
                "attributes()",
                json!([
                    ["href", "href", "/anything/page?x=1"],
                    ["class", "class", "link external"],
                    ["rel", "rel", "nofollow"]
                ]),
            ),
            (
                "innerHTML",
                json!("<a href=\"/get\" class=\"link\">Get</a>"),
            ),
            ("namespace", json!(["http://www.w3.org/1999/xhtml", true])),
            ("children", json!([7, 3, 3, true])),
            (
                "child nodes",
                json!(["#text", "li", "#text", "li", "#text", "li", "#text"]),
            ),
            (
                "first last",
                json!(["#text", "\n", "Get", "#text", "Example"]),
            ),
            ("parents", json!(["#document", null, "#document"])),
            (
                "siblings",
                json!(["#text", "Anything", "#text", "Get", null]),
            ),
            ("lang", json!(["en", null])),
            (
                "query",
                json!([["Get", "Anything", "Example"], "a", 3, null, 3]),
            ),
            ("matches", json!([true, false])),
            ("toString", json!(["[object html.Node]", "[object #text]"])),
            ("same", json!(true)),
            ("selection", json!("text first")),
            ("text node", json!(["#text", 3, "\n", "\n"])),
            (
                "typed",
                json!(["/anything/page?x=1", "Anything", "nofollow", "_blank"]),
            ),
            ("inputs", json!(["ishmael", "text", "username", true])),
            ("img", json!(["/image/whale.png", 100, "A whale"])),
            ("form", json!(["/post", "post", 7])),
            ("select", json!([2, "pequod", 0, true, "Pequod"])),
            (
                "misc",
                json!([
                    4,
                    1,
                    "rk6 sample page",
                    "Sample page for rk6 parsing tests",
                    "submit",
                    "username"
                ]),
            ),
            (
                "each element",
                json!(["undefined", "undefined", "undefined"]),
            ),
        ],
    );
}

#[test]
fn response_html_works_without_importing_k6_html() {
    // Only k6/http is imported: k6 offers res.html() regardless.
    let got = run_probes(
        "",
        r#"
  const h = res.html();
  const base = __ENV.BASE;
  p('size', () => h.size());
  p('url', () => h.url === `${base}/html`);
  p('title', () => h.find('title').text());
  p('href', () => h.find('a').toArray().map((a) => a.get(0).href().replace(base, 'BASE')));
  p('src', () => h.find('img').get(0).src().replace(base, 'BASE'));
  p('action', () => h.find('form').get(0).action().replace(base, 'BASE'));
  p('selector arg', () => [res.html('td.name').text(), res.html('td').size()]);
  p('json body', () => http.get(`${base}/json`).html().find('body').size());
  p('null body', () => http.get(`${base}/html`, { responseType: 'none' }).html().size());
"#,
    );
    assert_results(
        &got,
        &[
            ("size", json!(1)),
            ("url", json!(true)),
            ("title", json!("rk6 sample page")),
            (
                "href",
                json!(["BASE/get", "BASE/anything/page?x=1", "https://example.com/"]),
            ),
            ("src", json!("BASE/image/whale.png")),
            ("action", json!("BASE/post")),
            ("selector arg", json!(["AhabStarbuckQueequeg", 6])),
            ("json body", json!(1)),
            (
                "null body",
                json!(
                    "THROW: the body is null so we can't transform it to HTML - this likely was because of a request error getting the response"
                ),
            ),
        ],
    );
}

#[test]
fn parse_html_rendering_and_data_attributes_match_k6() {
    let got = run_probes(
        "import { parseHTML } from 'k6/html';",
        r#"
  p('data types', () => parseHTML('<div data-a="1.50" data-b="true" data-c=\'{"x":1}\' data-d="[1,2]" data-foo-bar="x" data-g="1e2" data-h="-3" data-i="{bad" data-user-id="5" data-my-html="h"></div>').find('div').data());
  p('data camel', () => parseHTML('<div data-foo-bar="x" data-user-id="7"></div>').find('div').data('fooBar') + parseHTML('<div data-user-id="7"></div>').find('div').data('userId'));
  p('entities', () => [parseHTML('<p>a &amp; b &lt; c</p>').find('p').html(), parseHTML('<p>a &amp; b &lt; c</p>').find('p').text()]);
  p('void', () => parseHTML('<p>x<br>y<img src="a"></p>').find('p').html());
  p('quotes', () => parseHTML("<p title=\"it's\">it's \"q\" &gt;</p>").find('body').html());
  p('attr quote', () => parseHTML('<p><a title="a&quot;b" href="x&amp;y">z</a></p>').find('p').html());
  p('script', () => parseHTML('<div><script>if (a < b) {}</script></div>').find('div').html());
  p('pre', () => parseHTML('<div><pre>\n\nx</pre><textarea>\nq</textarea></div>').find('div').html());
  p('doctype', () => parseHTML('<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd"><p>x</p>').html());
  p('svg', () => [parseHTML('<div><svg viewBox="0 0 1 1"><foreignObject/><path d="M0"/></svg></div>').find('div').html(), parseHTML('<svg><circle/></svg>').find('circle').get(0).namespaceURI()]);
  p('comment', () => { const c = parseHTML('<div><!-- hi --></div>').find('div').contents().get(0); return [c.nodeName(), c.nodeType(), c.nodeValue()]; });
  p('fragment', () => [parseHTML('<p>a</p><p>b</p>').find('p').size(), parseHTML('').find('body').size()]);
  p('multi select', () => { const f = parseHTML('<form><select name="s" multiple><option value="a" selected>A</option><option selected>B</option></select><input type="checkbox" name="c" value="1"><input type="radio" name="r" value="x" checked="checked"><input name="n" disabled value="d"><input type="submit" name="go" value="Go"><input name="sp" value="a b&c"><input name="sp" value="2"><input type="file" name="f"><input value="noname"></form>').find('form'); return [f.serializeArray(), f.serialize()]; });
  p('textarea val', () => parseHTML('<textarea>a &amp; b</textarea>').find('textarea').val());
"#,
    );
    assert_results(
        &got,
        &[
            (
                "data types",
                json!({"a": "1.50", "b": true, "c": {"x": 1}, "d": [1, 2], "fooBar": "x",
                       "g": "1e2", "h": -3, "i": "{bad", "userID": 5, "myHTML": "h"}),
            ),
            ("data camel", json!("x7")),
            ("entities", json!(["a &amp; b &lt; c", "a & b < c"])),
            ("void", json!("x<br/>y<img src=\"a\"/>")),
            (
                "quotes",
                json!("<p title=\"it&#39;s\">it&#39;s &#34;q&#34; &gt;</p>"),
            ),
            (
                "attr quote",
                json!("<a title=\"a&#34;b\" href=\"x&amp;y\">z</a>"),
            ),
            ("script", json!("<script>if (a < b) {}</script>")),
            ("pre", json!("<pre>\n\nx</pre><textarea>q</textarea>")),
            (
                "doctype",
                json!(
                    "<!DOCTYPE html PUBLIC \"-//W3C//DTD HTML 4.01//EN\" \"http://www.w3.org/TR/html4/strict.dtd\"><html><head></head><body><p>x</p></body></html>"
                ),
            ),
            (
                "svg",
                json!([
                    "<svg viewBox=\"0 0 1 1\"><foreignObject></foreignObject><path d=\"M0\"></path></svg>",
                    "http://www.w3.org/2000/svg"
                ]),
            ),
            ("comment", json!(["#comment", 8, ""])),
            ("fragment", json!([2, 1])),
            (
                "multi select",
                json!([
                    [
                        {"name": "s", "value": ["a", "B"]},
                        {"name": "r", "value": "x"},
                        {"name": "n", "value": "d"},
                        {"name": "sp", "value": "a b&c"},
                        {"name": "sp", "value": "2"}
                    ],
                    "n=d&r=x&s=a&s=B&sp=2"
                ]),
            ),
            ("textarea val", json!("a &amp; b")),
        ],
    );
}
