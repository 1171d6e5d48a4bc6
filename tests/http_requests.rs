//! End-to-end tests of `k6/http` requests: verbs, bodies, `asyncRequest`, `http.url`,
//! `http.batch`, request params and response fields, each run by the `rk6` binary against
//! the embedded target. Every expectation was confirmed by running the same script on k6
//! v1.1.0 (`RK6_E2E_REFERENCE=/opt/k6/bin/k6 cargo test --test http_requests`, see
//! `tests/http_support`); where rk6 deliberately differs the test branches on `is_k6()`.

mod common;
mod http_support;

use common::*;
use http_support::*;

const VERBS: &str = r#"
import http from 'k6/http';
const B = __ENV.BASE;
export const options = { iterations: 1 };
export default async function () {
  let r = http.get(`${B}/get?a=1`);
  eq('get', [r.status, r.json('args'), r.request.method], [200, { a: '1' }, 'GET']);
  r = http.post(`${B}/post`, 'plain text');
  eq('post string body', [r.json('data'), r.request.body], ['plain text', 'plain text']);
  r = http.put(`${B}/put`, JSON.stringify({ x: 1 }), { headers: { 'content-type': 'application/json' } });
  eq('put json body, canonical header', [r.json('json'), r.request.headers['Content-Type']], [{ x: 1 }, ['application/json']]);
  r = http.patch(`${B}/patch`, { a: 'b c', d: ['1', '2'], n: 3 });
  eq('object body is a form', [r.json('form'), r.json('headers.Content-Type'), r.request.body],
    [{ a: 'b c', d: ['1', '2'], n: '3' }, 'application/x-www-form-urlencoded', 'a=b+c&d=1&d=2&n=3']);
  r = http.del(`${B}/delete`);
  eq('del without body', [r.status, r.json('headers.Content-Length')], [200, undefined]);
  r = http.del(`${B}/delete`, 'delbody');
  eq('del with body', r.json('data'), 'delbody');
  r = http.head(`${B}/get`);
  eq('head', [r.status, r.body], [200, '']);
  r = http.options(`${B}/anything`);
  eq('options', [r.status, r.headers['Access-Control-Allow-Methods']], [200, 'GET, POST, PUT, DELETE, PATCH, OPTIONS']);
  r = http.request('GET', `${B}/anything/req`);
  eq('request GET', [r.status, r.json('method')], [200, 'GET']);
  r = http.request('post', `${B}/anything/lower`, 'x');
  eq('method kept as written', [r.status, r.request.method, r.json('data')], [200, 'post', 'x']);
  // Go sends Content-Length: 0 for POST/PUT/PATCH without a body, not for DELETE.
  eq('empty POST/PUT/PATCH send Content-Length 0',
    ['POST', 'PUT', 'PATCH'].map((m) => http.request(m, `${B}/anything`).json('headers.Content-Length')), ['0', '0', '0']);
  r = http.post(`${B}/post`, new Uint8Array([0, 1, 2, 255]).buffer);
  eq('ArrayBuffer body', r.json('data'), 'data:application/octet-stream;base64,AAEC/w==');
  r = http.post(`${B}/post`, { f: http.file('hello file', 'a.txt', 'text/plain'), g: 'v' });
  eq('multipart fields', [r.json('files'), r.json('form')], [{ f: 'hello file' }, { g: 'v' }]);
  ok('multipart content type', r.json('headers.Content-Type').startsWith('multipart/form-data; boundary='), r.json('headers.Content-Type'));
  ok('multipart part headers', r.request.body.includes('Content-Disposition: form-data; name="f"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello file\r\n'), r.request.body);
  const f = http.file(new Uint8Array([1, 2, 3]).buffer, 'b.bin');
  eq('http.file fields', [Object.keys(f), f.filename, f.content_type, f.data instanceof ArrayBuffer], [['data', 'filename', 'content_type'], 'b.bin', 'application/octet-stream', true]);
  r = http.post(`${B}/post`, { f });
  eq('multipart binary file', r.json('files'), { f: '\u0001\u0002\u0003' });
  for (const [name, bad] of [['undefined', undefined], ['int64', 1], ['[]uint8', new Uint8Array([1])]]) {
    try { http.file(bad); eq(`http.file(${name}) throws`, 'no exception', 'GoError'); } catch (e) {
      eq(`http.file(${name}) throws`, [e.name, e.message], ['GoError', `invalid type ${name === 'undefined' ? '<nil>' : name}, expected string or ArrayBuffer`]);
    }
  }
  // asyncRequest returns a Promise; a failure resolves with status 0 unless `throw` is set,
  // then it rejects with Go's error: no name or message, String(e) is the message.
  const p = http.asyncRequest('POST', `${B}/post`, 'abc', { tags: { name: 'asyncpost' } });
  eq('asyncRequest returns a Promise', p instanceof Promise, true);
  const [a1, a2] = await Promise.all([p, http.asyncRequest('GET', `${B}/get?async=1`)]);
  eq('asyncRequest results', [a1.status, a1.json('data'), a2.json('args')], [200, 'abc', { async: '1' }]);
  const refused = await http.asyncRequest('GET', `${__ENV.REFUSED}/`);
  eq('asyncRequest failure resolves', [refused.status, refused.error_code], [0, 1212]);
  try {
    await http.asyncRequest('GET', `${__ENV.REFUSED}/`, null, { throw: true });
    eq('asyncRequest throw rejects', 'resolved', 'rejected');
  } catch (e) {
    eq('asyncRequest throw rejects', [e instanceof Error, e.name, e.op, e.url, String(e).endsWith('connect: connection refused')],
      [false, undefined, 'Get', `${__ENV.REFUSED}/`, true]);
  }
  const id = 42;
  r = http.get(http.url`${B}/anything/item/${id}?q=${id}`);
  eq('http.url request', [r.url, r.json('args')], [`${B}/anything/item/42?q=42`, { q: '42' }]);
  http.get(http.url`${B}/anything/item/${id}`, { tags: { name: 'explicit' } });
}
"#;

#[test]
fn verbs_bodies_async_requests_and_url_names() {
    let t = target();
    let base = base_url(&t);
    let refused = refused_url();
    let ws = Workspace::new();
    let o = run(&ws, VERBS, &[], &[("BASE", &base), ("REFUSED", &refused)]);
    o.assert_checks(25);
    // 22 requests; the refused ones have samples too (status 0).
    assert_eq!(o.count("http_reqs", &[]), 22);
    assert_eq!(
        o.count("http_reqs", &[("status", "0"), ("error_code", "1212")]),
        2
    );
    // The method tag is the method as written.
    assert_eq!(o.count("http_reqs", &[("method", "post")]), 1);
    assert_eq!(o.count("http_reqs", &[("method", "HEAD")]), 1);
    assert_eq!(o.count("http_reqs", &[("method", "OPTIONS")]), 1);
    // http.url: name and url tags are the template with `${}` for every expression; a
    // `name` tag in params wins.
    let template = "${}/anything/item/${}?q=${}";
    assert_eq!(
        o.count("http_reqs", &[("name", template), ("url", template)]),
        1
    );
    assert_eq!(
        o.count("http_reqs", &[("name", "explicit"), ("url", "explicit")]),
        1
    );
    assert_eq!(
        o.count(
            "http_reqs",
            &[
                ("name", "asyncpost"),
                ("url", "asyncpost"),
                ("method", "POST")
            ]
        ),
        1
    );
    let get = format!("{base}/get?a=1");
    assert_eq!(
        o.count(
            "http_reqs",
            &[
                ("name", &get),
                ("url", &get),
                ("status", "200"),
                ("proto", "HTTP/1.1"),
                ("expected_response", "true"),
                ("scenario", "default"),
                ("group", "")
            ]
        ),
        1
    );
    // Every request has all nine per-request samples.
    for m in [
        "http_req_duration",
        "http_req_blocked",
        "http_req_connecting",
        "http_req_tls_handshaking",
        "http_req_sending",
        "http_req_waiting",
        "http_req_receiving",
        "http_req_failed",
    ] {
        assert_eq!(o.count(m, &[]), 22, "{m}");
    }
}

const BATCH: &str = r#"
import http from 'k6/http';
const B = __ENV.BASE;
const L = __ENV.LOCAL;
export const options = { iterations: 1, batch: 3, batchPerHost: 1 };
export default function () {
  let t0 = Date.now();
  let rs = http.batch([
    `${B}/delay/0.2`,
    ['GET', `${B}/delay/0.2`],
    ['POST', `${L}/post`, 'body', { tags: { name: 'batchpost' } }],
    { method: 'GET', url: `${L}/get?obj=1` },
    { method: 'PUT', url: `${L}/put`, body: { a: 1 }, params: { headers: { 'X-A': 'b' } } },
    http.url`${L}/anything/${1}`,
    ['GET', http.url`${L}/anything/${2}`],
  ]);
  // batchPerHost: 1 runs the two delays to the same host one after the other.
  ok('batchPerHost serialises a host', Date.now() - t0 >= 390, Date.now() - t0);
  eq('array form keeps order and shape', [Array.isArray(rs), rs.map((r) => [r.status, r.url, r.request.method])], [true, [
    [200, `${B}/delay/0.2`, 'GET'], [200, `${B}/delay/0.2`, 'GET'], [200, `${L}/post`, 'POST'], [200, `${L}/get?obj=1`, 'GET'],
    [200, `${L}/put`, 'PUT'], [200, `${L}/anything/1`, 'GET'], [200, `${L}/anything/2`, 'GET']]]);
  eq('batch bodies and params', [rs[2].json('data'), rs[4].json('form'), rs[4].json('headers.X-A')], ['body', { a: '1' }, 'b']);
  rs = http.batch({ a: `${B}/get?k=a`, b: ['POST', `${B}/post`, 'x'], c: { method: 'GET', url: `${B}/status/404` } });
  eq('object form', Object.keys(rs).sort().map((k) => [k, rs[k].status]), [['a', 200], ['b', 200], ['c', 404]]);
  eq('empty batch', http.batch([]).length, 0);
  rs = http.batch([`${B}/get`, 'not a url', `${B}/get`]);
  eq('unsendable entry fails alone', rs.map((r) => [r.status, r.error_code]), [[200, 0], [0, 1000], [200, 0]]);
  rs = http.batch([`${B}/get`, 123]);
  eq('invalid entry: nothing is sent', rs.map((r) => r && [r.status, r.error, r.error_code]), [[0, '', 0], [0, "invalid URL: '#123'", 1020]]);
}
"#;

#[test]
fn batch_array_and_object_forms_with_limits() {
    let t = target();
    let base = base_url(&t);
    // `localhost` is another host for batchPerHost, the same server.
    let local = format!("http://localhost:{}", t.local_addr().port());
    let ws = Workspace::new();
    let o = run(&ws, BATCH, &[], &[("BASE", &base), ("LOCAL", &local)]);
    o.assert_checks(7);
    assert_eq!(o.count("http_reqs", &[]), 7 + 3 + 3);
    assert_eq!(
        o.count("http_reqs", &[("name", "batchpost"), ("method", "POST")]),
        1
    );
    assert_eq!(o.count("http_reqs", &[("name", "${}/anything/${}")]), 2);
    assert_eq!(
        o.count(
            "http_reqs",
            &[("url", "not%20a%20url"), ("error_code", "1000")]
        ),
        1
    );
    assert_eq!(o.stderr_lines("A batch request failed").len(), 1);
}

const BATCH_LIMIT: &str = r#"
import http from 'k6/http';
export const options = { iterations: 1, batch: 1 };
export default function () {
  const t0 = Date.now();
  const rs = http.batch([`${__ENV.BASE}/delay/0.2`, `${__ENV.LOCAL}/delay/0.2`]);
  ok('batch: 1 runs one request at a time', Date.now() - t0 >= 390, Date.now() - t0);
  eq('both done', rs.map((r) => r.status), [200, 200]);
}
"#;

#[test]
fn batch_option_limits_parallel_requests() {
    let t = target();
    let base = base_url(&t);
    let local = format!("http://localhost:{}", t.local_addr().port());
    let ws = Workspace::new();
    let o = run(&ws, BATCH_LIMIT, &[], &[("BASE", &base), ("LOCAL", &local)]);
    o.assert_checks(2);
}

const PARAMS: &str = r#"
import http from 'k6/http';
const B = __ENV.BASE;
const H = B.replace('http://', '');
export const options = { iterations: 1 };
export default function () {
  let r = http.get(`${B}/headers`, { headers: { 'x-my-header': 'v1', 'X-OTHER': 'v2', 'X-Num': 5 }, tags: { my: 'tag', name: 'named' } });
  eq('headers sent with canonical names', [r.json('headers.X-My-Header'), r.json('headers.X-Other'), r.json('headers.X-Num'), Object.keys(r.request.headers).sort()],
    ['v1', 'v2', '5', ['User-Agent', 'X-My-Header', 'X-Num', 'X-Other']]);
  r = http.get(`${B}/delay/2`, { timeout: '300ms' });
  eq('timeout string', [r.status, r.error, r.error_code, r.body], [0, 'request timeout', 1050, null]);
  ok('timeout waited', r.timings.duration >= 290, r.timings);
  r = http.get(`${B}/delay/2`, { timeout: 200 });
  eq('timeout ms', [r.status, r.error_code], [0, 1050]);
  r = http.get(`${B}/redirect/3`, { redirects: 1 });
  eq('redirects: 1', [r.status, r.url, r.headers.Location], [302, `${B}/relative-redirect/2`, '/relative-redirect/1']);
  r = http.get(`${B}/redirect/3`, { redirects: 0 });
  eq('redirects: 0', [r.status, r.url], [302, `${B}/redirect/3`]);
  r = http.get(`http://user:pass@${H}/basic-auth/user/pass`);
  eq('URL credentials', [r.status, r.json('authenticated'), r.url, r.request.url], [200, true, `http://user:pass@${H}/basic-auth/user/pass`, `http://user:pass@${H}/basic-auth/user/pass`]);
  r = http.get(`http://user:pass@${H}/basic-auth/user/pass`, { auth: 'basic' });
  eq('auth basic', r.status, 200);
  r = http.get(`http://user:wrong@${H}/basic-auth/user/pass`);
  eq('wrong password', [r.status, r.error_code], [401, 1401]);
  r = http.get(`http://user:pass@${H}/digest-auth/auth/user/pass`, { auth: 'digest' });
  eq('auth digest', [r.status, r.json('authenticated'), r.url, r.request.url], [200, true, `${B}/digest-auth/auth/user/pass`, `http://user:pass@${H}/digest-auth/auth/user/pass`]);
  r = http.get(`http://user:bad@${H}/digest-auth/auth/user/pass`, { auth: 'digest' });
  eq('auth digest, wrong password', [r.status, r.error_code], [401, 1401]);
  r = http.get(`${B}/cookies`, { cookies: { a: '1', b: { value: '2' } } });
  // (k6 sends the params' cookies in Go map order, so only the set is compared.)
  eq('cookies param', [r.json('cookies.a'), r.json('cookies.b'), r.request.cookies.a], ['1', '2', [{ name: 'a', value: '1', replace: false }]]);
  http.get(`${B}/cookies/set?c=jar&a=jarA`);
  r = http.get(`${B}/cookies`, { cookies: { a: 'param' } });
  eq('cookies param then jar, in jar order', [r.request.headers.Cookie, r.json('cookies')], [['a=param; c=jar; a=jarA'], { a: 'jarA', c: 'jar' }]);
  r = http.get(`${B}/cookies`, { cookies: { a: { value: 'repl', replace: true } } });
  eq('cookie replace', [r.request.headers.Cookie, r.json('cookies')], [['a=repl; c=jar'], { a: 'repl', c: 'jar' }]);
  r = http.get(`${B}/bytes/5`, { responseType: 'binary' });
  eq('responseType binary', [r.body instanceof ArrayBuffer, r.body.byteLength], [true, 5]);
  r = http.get(`${B}/get`, { responseType: 'none' });
  eq('responseType none', [r.status, r.body], [200, null]);
  r = http.get(`${B}/get`, { responseType: 'text' });
  eq('responseType text', typeof r.body, 'string');
  r = http.get(`${B}/status/404`, { responseCallback: http.expectedStatuses(404) });
  r = http.get(`${B}/status/200`, { responseCallback: http.expectedStatuses({ min: 400, max: 499 }) });
  r = http.get(`${B}/status/500`, { responseCallback: null });
  const body = 'hello hello hello hello hello';
  for (const [c, magic] of [['gzip', 'H4s'], ['deflate', 'eJ'], ['br', ''], ['zstd', 'KLUv']]) {
    r = http.post(`${B}/post`, body, { compression: c });
    eq(`compression ${c}`, [r.json('headers.Content-Encoding'), r.json('data').startsWith(`data:application/octet-stream;base64,${magic}`), r.request.body], [c, true, body]);
  }
  r = http.post(`${B}/post`, body, { compression: 'gzip, deflate' });
  eq('compression chain', [r.json('headers.Content-Encoding'), r.json('data').startsWith('data:application/octet-stream;base64,eJ')], ['gzip, deflate', true]);
  for (const [name, p, msg] of [
    ['compression', { compression: 'foo' }, 'unknown compression algorithm foo, supported algorithms are [gzip deflate zstd br]'],
    ['responseType', { responseType: 'foo' }, 'foo does not belong to ResponseType values'],
    ['timeout', { timeout: 'abc' }, 'invalid timeout value: time: invalid duration "abc"'],
    ['responseCallback', { responseCallback: (x) => true }, 'unsupported responseCallback'],
  ]) {
    r = http.post(`${B}/post`, 'x', p);
    eq(`invalid ${name}: no request`, [r.status, r.error, r.error_code], [0, msg, 0]);
  }
}
"#;

#[test]
fn params_headers_tags_timeouts_auth_cookies_types_compression() {
    let t = target();
    let base = base_url(&t);
    let ws = Workspace::new();
    let o = run(&ws, PARAMS, &[], &[("BASE", &base)]);
    o.assert_checks(26);
    // User tags go on every sample of the request; `name` also sets `url`.
    assert_eq!(
        o.count(
            "http_reqs",
            &[("my", "tag"), ("name", "named"), ("url", "named")]
        ),
        1
    );
    assert_eq!(o.count("http_req_duration", &[("my", "tag")]), 1);
    // Timeouts: status 0, error tag and code.
    assert_eq!(
        o.count(
            "http_reqs",
            &[
                ("status", "0"),
                ("error_code", "1050"),
                ("error", "request timeout")
            ]
        ),
        2
    );
    // URL credentials are masked in tags.
    let host = base.trim_start_matches("http://");
    let masked = format!("http://****:****@{host}/basic-auth/user/pass");
    assert_eq!(o.count("http_reqs", &[("url", &masked)]), 3);
    // Digest: the 401 challenge is a sample of its own, counted as expected.
    let digest = format!("{base}/digest-auth/auth/user/pass");
    assert_eq!(
        o.count(
            "http_reqs",
            &[
                ("url", &digest),
                ("status", "401"),
                ("expected_response", "true")
            ]
        ),
        2
    );
    assert_eq!(
        o.count("http_reqs", &[("url", &digest), ("status", "200")]),
        1
    );
    assert_eq!(
        o.count(
            "http_reqs",
            &[
                ("url", &digest),
                ("status", "401"),
                ("expected_response", "false")
            ]
        ),
        1
    );
    // responseCallback per request.
    let s404 = format!("{base}/status/404");
    assert_eq!(
        o.count(
            "http_req_failed",
            &[("url", &s404), ("expected_response", "true")]
        ),
        1
    );
    let s200 = format!("{base}/status/200");
    assert_eq!(
        o.values(
            "http_req_failed",
            &[("url", &s200), ("expected_response", "false")]
        ),
        vec![1.0]
    );
    // `responseCallback: null`: no expected_response tag and no http_req_failed sample.
    let s500 = format!("{base}/status/500");
    assert_eq!(
        o.count_without(
            "http_reqs",
            &[("url", &s500), ("error_code", "1500")],
            &["expected_response"]
        ),
        1
    );
    assert_eq!(o.count("http_req_failed", &[("url", &s500)]), 0);
    // Invalid params: warnings, no samples.
    assert_eq!(o.stderr_lines("unsupported responseCallback").len(), 1);
    let post = format!("{base}/post");
    assert_eq!(o.count("http_reqs", &[("url", &post)]), 5);
}

const RESPONSE: &str = r#"
import http from 'k6/http';
const B = __ENV.BASE;
export const options = { iterations: 1 };
export default function () {
  let r = http.get(`${B}/response-headers?x-lower=1&X-UPPER=2&set-cookie=k%3Dv%3B%20Path%3D%2F%3B%20HttpOnly&content-type=text/plain`);
  eq('status', [r.status, r.status_text, r.proto, r.error, r.error_code, r.tls_version], [200, '200 OK', 'HTTP/1.1', '', 0, '']);
  eq('header keys are canonical', [Object.keys(r.headers).sort(), r.headers['X-Lower'], r.headers['x-lower'], r.headers['X-Upper']],
    [['Access-Control-Allow-Credentials', 'Access-Control-Allow-Origin', 'Content-Length', 'Content-Type', 'Date', 'Set-Cookie', 'X-Lower', 'X-Upper'], '1', undefined, '2']);
  eq('cookies', r.cookies, { k: [{ name: 'k', value: 'v', domain: '', path: '/', http_only: true, secure: false, max_age: 0, expires: -6795364578871 }] });
  eq('url and remote address', [r.url, r.remote_ip, r.remote_port], [`${B}/response-headers?x-lower=1&X-UPPER=2&set-cookie=k%3Dv%3B%20Path%3D%2F%3B%20HttpOnly&content-type=text/plain`, '127.0.0.1', Number(B.split(':')[2])]);
  eq('request', [Object.keys(r.request).sort(), r.request.method, r.request.url, r.request.body, r.request.cookies], [['body', 'cookies', 'headers', 'method', 'url'], 'GET', r.url, '', {}]);
  eq('timings fields', Object.keys(r.timings).sort(), ['blocked', 'connecting', 'duration', 'looking_up', 'receiving', 'sending', 'tls_handshaking', 'waiting']);
  ok('timings are numbers', Object.values(r.timings).every((v) => typeof v === 'number' && v >= 0), r.timings);
  ok('duration = sending + waiting + receiving', Math.abs(r.timings.duration - (r.timings.sending + r.timings.waiting + r.timings.receiving)) < 0.001, r.timings);
  r = http.get(`${B}/delay/0.3`);
  ok('waiting is measured', r.timings.waiting >= 290, r.timings);
  r = http.get(`${B}/json`);
  const sel = ['slideshow.author', 'slideshow.slides.#', 'slideshow.slides.1.title', 'slideshow.slides.0.items', 'slideshow.missing', 'slideshow.slides.#.title', 'slideshow.slides.5', ''];
  eq('json selectors', sel.map((s) => { const v = r.json(s); return v === undefined ? 'undefined' : v; }),
    ['Yours Truly', 2, 'Overview', 'undefined', 'undefined', ['Wake up to WonderWidgets!', 'Overview'], 'undefined', 'undefined']);
  eq('json()', Object.keys(r.json()), ['slideshow']);
  eq('json(undefined) is a query', r.json(undefined), undefined);
  r = http.get(`${B}/html`);
  eq('html()', [r.html().find('h1').text(), r.html('h1').text()], ['Herman Melville - Moby-Dick', 'Herman Melville - Moby-Dick']);
  eq('json selector on a non-JSON body', r.json('a'), undefined);
  try { r.json(); eq('json() on a non-JSON body throws', 'no exception', 'GoError'); } catch (e) {
    eq('json() on a non-JSON body throws', [e.name, e.message], ['GoError', "cannot parse json due to an error at line 1, character 2 , error: invalid character '<' looking for beginning of value"]);
  }
  r = http.get(`${B}/get`, { responseType: 'none' });
  try { r.json(); eq('json() without body throws', 'no exception', 'GoError'); } catch (e) {
    eq('json() without body throws', [e.name, e.message], ['GoError', "the body is null so we can't transform it to JSON - this likely was because of a request error getting the response"]);
  }
  eq('status texts', [418, 201, 599].map((s) => { const x = http.get(`${B}/status/${s}`); return [x.status_text, x.error_code]; }),
    [["418 I'm a teapot", 1418], ['201 Created', 0], ['599 <none>', 1599]]);
  r = http.get(`${B}/cookies/set?a=1&b=2`, { redirects: 0 });
  eq('cookies of a redirect', Object.keys(r.cookies).sort().map((k) => [k, r.cookies[k][0].value, r.cookies[k][0].path]), [['a', '1', '/'], ['b', '2', '/']]);
  const j = JSON.parse(JSON.stringify(http.get(`${B}/get`)));
  eq('JSON.stringify(res)', [j.status, j.url, typeof j.body, typeof j.timings, j.request.method], [200, `${B}/get`, 'string', 'object', 'GET']);
}
"#;

#[test]
fn response_fields() {
    let t = target();
    let base = base_url(&t);
    let ws = Workspace::new();
    let o = run(&ws, RESPONSE, &[], &[("BASE", &base)]);
    o.assert_checks(19);
    // 4xx/5xx carry error_code 1400+N/1500+N tags; 2xx none.
    assert_eq!(
        o.count("http_reqs", &[("status", "418"), ("error_code", "1418")]),
        1
    );
    assert_eq!(
        o.count("http_reqs", &[("status", "599"), ("error_code", "1599")]),
        1
    );
    assert_eq!(
        o.count_without("http_reqs", &[("status", "201")], &["error_code"]),
        1
    );
}

const NAVIGATION: &str = r#"
import http from 'k6/http';
const B = __ENV.BASE;
export const options = { iterations: 1 };
export default function () {
  const form = http.get(`${B}/forms/post`);
  let r = form.submitForm({ formSelector: 'form', fields: { custname: 'test', extradata: 'test2' } });
  eq('submitForm posts the form to its action', [r.status, r.request.method, r.url, r.request.body],
    [200, 'POST', `${B}/post`, 'comments=&custemail=&custname=test&custtel=&delivery=&extradata=test2']);
  r = form.submitForm({ fields: { custname: 'x' }, params: { tags: { name: 'submit' }, headers: { 'X-A': '1' } } });
  eq('submitForm params', [r.status, r.json().headers['X-A']], [200, '1']);
  const links = http.get(`${B}/links/5/0`);
  eq('clickLink follows the first a[href]', [links.clickLink().url], [`${B}/links/5/1`]);
  eq('clickLink selector', [links.clickLink({ selector: 'a:nth-child(3)', params: { tags: { name: 'link' } } }).url], [`${B}/links/5/3`]);
  const errs = [];
  for (const f of [() => links.clickLink({ selector: 'table' }), () => links.submitForm()]) {
    try { f(); errs.push('ok'); } catch (e) { errs.push(`${e.name}: ${e.message}`); }
  }
  eq('nothing to follow throws', errs, [
    `GoError: no element found for selector 'table' in response '${B}/links/5/0'`,
    `GoError: no form found for selector 'form' in response '${B}/links/5/0'`,
  ]);
}
"#;

/// `Response.submitForm()` and `clickLink()`: the same requests, bodies, tags and errors as
/// k6 v1.1.0 (`RK6_E2E_REFERENCE=/opt/k6/bin/k6`).
#[test]
fn submit_form_and_click_link_follow_the_page() {
    let t = target();
    let base = base_url(&t);
    let ws = Workspace::new();
    let o = run(&ws, NAVIGATION, &[], &[("BASE", &base)]);
    o.assert_checks(5);
    assert_eq!(
        o.count("http_reqs", &[("name", "submit"), ("method", "POST")]),
        1
    );
    assert_eq!(
        o.count("http_reqs", &[("name", "link"), ("method", "GET")]),
        1
    );
    assert_eq!(o.count("http_reqs", &[]), 6);
}
