//! End-to-end tests of `k6/http` redirects and cookie jars, run by the `rk6` binary against
//! the embedded target. Every expectation was confirmed by running the same script on k6
//! v1.1.0 (`RK6_E2E_REFERENCE=/opt/k6/bin/k6 cargo test --test http_redirects_cookies`, see
//! `tests/http_support`).

mod common;
mod http_support;

use common::*;
use http_support::*;

const REDIRECTS: &str = r#"
import http from 'k6/http';
const B = __ENV.BASE;
export const options = { iterations: 1 };
export default function () {
  let r = http.get(`${B}/redirect/3`);
  eq('followed', [r.status, r.url, r.request.url], [200, `${B}/get`, `${B}/redirect/3`]);
  eq('Referer of the last hop', r.json('headers.Referer'), `${B}/relative-redirect/1`);
  r = http.get(`${B}/absolute-redirect/2`);
  eq('absolute Location', [r.status, r.url], [200, `${B}/get`]);
  r = http.get(`${B}/redirect/12`);
  eq('stops after maxRedirects (10)', [r.status, r.url, r.error, r.error_code], [302, `${B}/relative-redirect/2`, '', 0]);
  r = http.get(`${B}/redirect/12`, { redirects: 3 });
  eq('redirects param: no warning', [r.status, r.url], [302, `${B}/relative-redirect/9`]);
  r = http.post(`${B}/redirect-to?url=/anything&status_code=307`, 'body307');
  eq('307 keeps method and body', [r.status, r.json('method'), r.json('data')], [200, 'POST', 'body307']);
  r = http.post(`${B}/redirect-to?url=/anything&status_code=308`, 'body308');
  eq('308 keeps method and body', [r.json('method'), r.json('data')], ['POST', 'body308']);
  r = http.post(`${B}/redirect-to?url=/anything&status_code=303`, 'body303', { headers: { 'Content-Type': 'text/plain', 'X-Keep': '1' } });
  eq('303 turns into GET, keeps headers', [r.json('method'), r.json('data'), r.json('headers.Content-Type'), r.json('headers.X-Keep'), r.json('headers.Content-Length')],
    ['GET', '', 'text/plain', '1', undefined]);
  for (const code of [301, 302]) {
    r = http.post(`${B}/redirect-to?url=/anything&status_code=${code}`, 'b');
    eq(`POST + ${code} turns into GET`, [r.json('method'), r.json('data')], ['GET', '']);
  }
  r = http.request('PUT', `${B}/redirect-to?url=/anything&status_code=302`, 'bodyput');
  eq('PUT + 302 turns into GET', [r.json('method'), r.json('data')], ['GET', '']);
  r = http.get(`${B}/redirect-to?url=ftp://x/`);
  eq('redirect to an unsupported scheme', [r.status, r.url, r.error, r.error_code], [0, 'ftp://x/', 'unsupported protocol scheme "ftp"', 1000]);
  r = http.get(`${B}/redirect-to?url=${encodeURIComponent(__ENV.LOCAL + '/get')}`);
  eq('redirect to another host', [r.status, r.url], [200, `${__ENV.LOCAL}/get`]);
}
"#;

#[test]
fn redirects_are_samples_of_their_own() {
    let t = target();
    let base = base_url(&t);
    let local = format!("http://localhost:{}", t.local_addr().port());
    let ws = Workspace::new();
    let o = run(&ws, REDIRECTS, &[], &[("BASE", &base), ("LOCAL", &local)]);
    o.assert_checks(13);
    // Every hop is a sample with its own URL and status.
    for (path, status) in [
        ("redirect/3", "302"),
        ("relative-redirect/2", "302"),
        ("relative-redirect/1", "302"),
    ] {
        let url = format!("{base}/{path}");
        assert!(
            o.count(
                "http_reqs",
                &[
                    ("url", &url),
                    ("name", &url),
                    ("status", status),
                    ("expected_response", "true")
                ]
            ) >= 1,
            "{url}"
        );
    }
    let redirect12 = format!("{base}/redirect/12");
    assert_eq!(o.count("http_reqs", &[("url", &redirect12)]), 2);
    // /redirect/12 without a limit: 10 hops followed, the 11th response (a 302) returned.
    let hops: usize = (1..=11)
        .map(|n| {
            o.count(
                "http_reqs",
                &[("url", &format!("{base}/relative-redirect/{n}"))],
            )
        })
        .sum();
    // redirect/3 (2 relative hops), redirect/12 twice (10 + 3 hops).
    assert_eq!(hops, 2 + 10 + 3);
    // Only the request without a limit of its own warns.
    let warnings = o.stderr_lines("Stopped after 11 redirects and returned the redirection");
    assert_eq!(warnings.len(), 1, "{}", o.run.stderr);
    assert!(warnings[0].contains(&format!("url=\"{redirect12}\"")));
    assert_eq!(o.stderr_lines("Stopped after").len(), 1);
    // The failed hop to ftp:// is a sample too.
    assert_eq!(
        o.count(
            "http_reqs",
            &[
                ("url", "ftp://x/"),
                ("status", "0"),
                ("error_code", "1000"),
                ("expected_response", "false")
            ]
        ),
        1
    );
    let cross = format!("{local}/get");
    assert_eq!(o.count("http_reqs", &[("url", &cross)]), 1);
}

const MAX_REDIRECTS_OPTION: &str = r#"
import http from 'k6/http';
export const options = { iterations: 1, maxRedirects: 2 };
export default function () {
  const r = http.get(`${__ENV.BASE}/redirect/3`);
  eq('maxRedirects option', [r.status, r.url], [302, `${__ENV.BASE}/relative-redirect/1`]);
}
"#;

#[test]
fn max_redirects_option_stops_silently() {
    let t = target();
    let base = base_url(&t);
    let ws = Workspace::new();
    let o = run(&ws, MAX_REDIRECTS_OPTION, &[], &[("BASE", &base)]);
    o.assert_checks(1);
    assert_eq!(o.count("http_reqs", &[]), 3);
    assert!(
        o.stderr_lines("Stopped after").is_empty(),
        "{}",
        o.run.stderr
    );
    // The same through the CLI flag.
    let ws = Workspace::new();
    let script = MAX_REDIRECTS_OPTION.replace(", maxRedirects: 2", "");
    let o = run(&ws, &script, &["--max-redirects=2"], &[("BASE", &base)]);
    o.assert_checks(1);
    assert!(
        o.stderr_lines("Stopped after").is_empty(),
        "{}",
        o.run.stderr
    );
}

const JAR: &str = r#"
import http from 'k6/http';
const B = __ENV.BASE;
export const options = {
  scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 2 } },
  noCookiesReset: __ENV.NO_RESET === '1',
};
export default function () {
  const start = http.get(`${B}/cookies`).json('cookies');
  if (__ENV.NO_RESET === '1') {
    // A VU keeps its own jar across iterations, never another VU's.
    eq(`iteration ${__ITER} starts with the VU's cookies`, start, __ITER === 0 ? {} : { j2: 'v2', vu: String(__VU) });
  } else {
    eq(`iteration ${__ITER} starts with an empty jar`, start, {});
  }
  http.get(`${B}/cookies/set?vu=${__VU}`);
  eq('set by the server', http.get(`${B}/cookies`).json('cookies.vu'), String(__VU));
  const jar = http.cookieJar();
  eq('cookieJar() is the VU jar', jar.cookiesForURL(`${B}/`).vu, [String(__VU)]);
  jar.set(B, 'j1', 'v1');
  jar.set(B, 'j2', 'v2', { path: '/cookies', max_age: 100 });
  jar.set(B, 'jsec', 'v', { secure: true });
  jar.set(B, 'jdom', 'v', { domain: 'other.example' });
  jar.set(B, 'jexp', 'v', { expires: 'Thu, 01 Jan 1970 00:00:00 GMT' });
  const sorted = (o) => Object.keys(o).sort();
  eq('path, secure, domain and expiry rules', [sorted(jar.cookiesForURL(`${B}/cookies/x`)), sorted(jar.cookiesForURL(`${B}/other`))], [['j1', 'j2', 'vu'], ['j1', 'vu']]);
  eq('jar cookies are sent', sorted(http.get(`${B}/cookies`).json('cookies')), ['j1', 'j2', 'vu']);
  jar.delete(B, 'j1');
  eq('delete', sorted(jar.cookiesForURL(`${B}/cookies`)), ['j2', 'vu']);
  jar.clear(B);
  eq('clear removes the cookies of the URL path', jar.cookiesForURL(`${B}/cookies`), { j2: ['v2'] });
  const own = new http.CookieJar();
  own.set(B, 'own', '1');
  eq('jar param', http.get(`${B}/cookies`, { jar: own }).json('cookies'), { own: '1' });
  http.get(`${B}/cookies/set?viaown=1`, { jar: own });
  eq('responses fill the jar param', sorted(own.cookiesForURL(`${B}/`)), ['own', 'viaown']);
  eq('the VU jar is untouched', http.get(`${B}/cookies`).json('cookies'), { j2: 'v2' });
  http.get(`${B}/cookies/set?d=1`);
  http.get(`${B}/cookies/delete?d`);
  eq('expired by the server', http.get(`${B}/cookies`).json('cookies'), { j2: 'v2' });
  // What cookieJar() answers before any request of the iteration, and that the jar of the
  // next iteration is the same object.
  eq('cookieJar() returns a new wrapper', http.cookieJar() === http.cookieJar(), false);
  http.cookieJar().set(B, 'vu', String(__VU));
}
"#;

#[test]
fn cookie_jar_is_reset_each_iteration() {
    let t = target();
    let base = base_url(&t);
    let ws = Workspace::new();
    let o = run(&ws, JAR, &[], &[("BASE", &base)]);
    o.assert_checks(13);
    let (passes, _) = o.checks()["iteration 1 starts with an empty jar"];
    assert_eq!(passes, 2, "both VUs ran their second iteration");
}

#[test]
fn no_cookies_reset_keeps_the_vu_jar() {
    let t = target();
    let base = base_url(&t);
    let ws = Workspace::new();
    let o = run(&ws, JAR, &[], &[("BASE", &base), ("NO_RESET", "1")]);
    o.assert_checks(13);
    let (passes, _) = o.checks()["iteration 1 starts with the VU's cookies"];
    assert_eq!(passes, 2);
}
