//! End-to-end tests of `k6/http` failures: expected statuses and `http_req_failed`, k6's
//! error codes, and `throw`. Run by the `rk6` binary against the embedded target; every
//! expectation was confirmed by running the same script on k6 v1.1.0
//! (`RK6_E2E_REFERENCE=/opt/k6/bin/k6 cargo test --test http_errors`, see `tests/http_support`).

mod common;
mod http_support;

use common::*;
use http_support::*;

const EXPECTED: &str = r#"
import http from 'k6/http';
const B = __ENV.BASE;
const R = __ENV.REFUSED;
export const options = { iterations: 1 };
export default function () {
  http.get(`${B}/status/404`);
  http.get(`${B}/status/204`);
  http.setResponseCallback(http.expectedStatuses(404, { min: 500, max: 502 }));
  http.get(`${B}/status/404`);
  http.get(`${B}/status/200`);
  http.get(`${B}/status/501`);
  http.get(`${B}/status/503`);
  http.get(`${B}/redirect/1`);
  http.get(`${R}/`);
  http.setResponseCallback(null);
  http.get(`${B}/status/500`);
  http.get(`${R}/x`);
  http.get(`${B}/status/200`, { responseCallback: http.expectedStatuses(200) });
  http.setResponseCallback(http.expectedStatuses(0));
  http.get(`${R}/y`);
  http.get(`${B}/status/200`);
  const errs = [];
  for (const bad of [() => http.expectedStatuses('a'), () => http.expectedStatuses({ min: 'a' }), () => http.expectedStatuses(1.5), () => http.setResponseCallback(5)]) {
    try { bad(); errs.push('ok'); } catch (e) { errs.push(`${e.name}: ${e.message}`); }
  }
  const neither = 'GoError: argument number 1 to expectedStatuses was neither an integer nor an object like {min:100, max:329}';
  eq('invalid callbacks throw', errs, [neither, neither, neither, 'GoError: unsupported argument, expected http.expectedStatuses']);
}
"#;

#[test]
fn expected_statuses_drive_expected_response_and_http_req_failed() {
    let t = target();
    let base = base_url(&t);
    let refused = refused_url();
    let ws = Workspace::new();
    let o = run(
        &ws,
        EXPECTED,
        &[],
        &[("BASE", &base), ("REFUSED", &refused)],
    );
    o.assert_checks(1);
    let url = |p: &str| format!("{base}{p}");
    let failed = |u: &str, expected: &str| {
        o.values(
            "http_req_failed",
            &[("url", u), ("expected_response", expected)],
        )
    };
    // Default callback: 200-399.
    assert_eq!(failed(&url("/status/404"), "false"), vec![1.0]);
    assert_eq!(failed(&url("/status/204"), "true"), vec![0.0]);
    // expectedStatuses(404, {min: 500, max: 502}).
    assert_eq!(failed(&url("/status/404"), "true"), vec![0.0]);
    assert_eq!(failed(&url("/status/501"), "true"), vec![0.0]);
    assert_eq!(failed(&url("/status/503"), "false"), vec![1.0]);
    assert_eq!(failed(&url("/redirect/1"), "false"), vec![1.0]);
    assert_eq!(failed(&url("/get"), "false"), vec![1.0]);
    assert_eq!(failed(&format!("{refused}/"), "false"), vec![1.0]);
    // The per-request callback wins over the VU's.
    assert_eq!(failed(&url("/status/200"), "true"), vec![0.0]);
    // expectedStatuses(0): a failed request is the expected outcome.
    assert_eq!(failed(&format!("{refused}/y"), "true"), vec![0.0]);
    assert_eq!(failed(&url("/status/200"), "false"), vec![1.0, 1.0]);
    // setResponseCallback(null): no expected_response tag, no http_req_failed sample.
    for u in [url("/status/500"), format!("{refused}/x")] {
        assert_eq!(
            o.count_without("http_reqs", &[("url", &u)], &["expected_response"]),
            1,
            "{u}"
        );
        assert_eq!(o.count("http_req_failed", &[("url", &u)]), 0, "{u}");
    }
    assert_eq!(o.count("http_reqs", &[]), 14);
    assert_eq!(o.count("http_req_failed", &[]), 12);
    assert_eq!(o.sum("http_req_failed"), 7.0);
    // 4xx/5xx carry error_code 1400+N/1500+N whatever the callback says.
    assert_eq!(
        o.count("http_reqs", &[("status", "404"), ("error_code", "1404")]),
        2
    );
    assert_eq!(
        o.count("http_reqs", &[("status", "501"), ("error_code", "1501")]),
        1
    );
}

const ERRORS: &str = r#"
import http from 'k6/http';
const B = __ENV.BASE;
export const options = { iterations: 1 };
export default function () {
  const get = (u, p) => { const r = http.get(u, p); return [r.status, r.error, r.error_code, r.url, r.body === null ? 'null' : typeof r.body, r.proto]; };
  eq('refused: 1212', get(`${__ENV.REFUSED}/`), [0, 'dial: connection refused', 1212, `${__ENV.REFUSED}/`, 'null', '']);
  eq('invalid URL: 1020', get('http://exa mple.com/'), [0, 'invalid URL: parse "http://exa mple.com/": invalid character " " in host name', 1020, '', 'object', '']);
  eq('no scheme: 1000', get('example.com/x'), [0, 'unsupported protocol scheme ""', 1000, 'example.com/x', 'null', '']);
  eq('ftp: 1000', get('ftp://127.0.0.1/'), [0, 'unsupported protocol scheme "ftp"', 1000, 'ftp://127.0.0.1/', 'null', '']);
  eq('bad port: 1210', get('http://127.0.0.1:99999/'), [0, 'dial tcp: address 99999: invalid port', 1210, 'http://127.0.0.1:99999/', 'null', '']);
  eq('empty URL: 1000', get(''), [0, 'unsupported protocol scheme ""', 1000, '', 'null', '']);
  eq('reset: 1220', get(`${B}/reset`), [0, 'read: connection reset by peer', 1220, `${B}/reset`, 'null', '']);
  eq('request timeout: 1050', get(`${B}/delay/1`, { timeout: 100 }), [0, 'request timeout', 1050, `${B}/delay/1`, 'null', '']);
  eq('https to a plain-HTTP port: 1301', get(B.replace('http://', 'https://') + '/get'),
    [0, 'tls: first record does not look like a TLS handshake', 1301, B.replace('http://', 'https://') + '/get', 'null', '']);
  eq('bad gzip body: 1701', get(`${B}/response-headers?Content-Encoding=gzip`),
    [0, 'error decompressing response body (error decompressing response body (gzip: invalid header))', 1701, `${B}/response-headers?Content-Encoding=gzip`, 'null', '']);
  eq('bad deflate body: 1701', get(`${B}/response-headers?Content-Encoding=deflate`).slice(0, 3),
    [0, 'error decompressing response body (error decompressing response body (zlib: invalid header))', 1701]);
  eq('unknown encoding is left alone', get(`${B}/response-headers?Content-Encoding=foo`).slice(0, 3), [200, '', 0]);
  eq('no decoding with responseType none', get(`${B}/response-headers?Content-Encoding=gzip`, { responseType: 'none' }).slice(0, 3), [200, '', 0]);
  eq('404: 1404', get(`${B}/status/404`).slice(0, 3), [404, '', 1404]);
  eq('503: 1503', get(`${B}/status/503`).slice(0, 3), [503, '', 1503]);
  let r = http.get(null);
  eq('null URL', [r.status, r.error, r.error_code], [0, "invalid URL: '#<nil>'", 1020]);
  r = http.get({});
  eq('object URL', [r.status, r.error, r.error_code], [0, "invalid URL: '#map[]'", 1020]);
  // A name Go's resolver refuses without asking a server (a label starting with '-'), so the
  // test needs no DNS; a real NXDOMAIN gives the same error and code (compared by hand).
  eq('DNS: no such host, 1101', get('http://-x.invalid/'), [0, 'lookup: no such host', 1101, 'http://-x.invalid/', 'null', '']);
}
"#;

#[test]
fn network_failures_carry_k6_error_codes_and_never_abort() {
    let t = target();
    let base = base_url(&t);
    let refused = refused_url();
    let ws = Workspace::new();
    let o = run(&ws, ERRORS, &[], &[("BASE", &base), ("REFUSED", &refused)]);
    o.assert_checks(18);
    let tagged = |code: &str, error: &str| {
        o.count(
            "http_reqs",
            &[
                ("status", "0"),
                ("error_code", code),
                ("error", error),
                ("expected_response", "false"),
            ],
        )
    };
    assert_eq!(tagged("1212", "dial: connection refused"), 1);
    assert_eq!(tagged("1220", "read: connection reset by peer"), 1);
    assert_eq!(tagged("1050", "request timeout"), 1);
    assert_eq!(
        tagged(
            "1301",
            "tls: first record does not look like a TLS handshake"
        ),
        1
    );
    assert_eq!(tagged("1000", "unsupported protocol scheme \"\""), 2);
    assert_eq!(tagged("1000", "unsupported protocol scheme \"ftp\""), 1);
    assert_eq!(tagged("1210", "dial tcp: address 99999: invalid port"), 1);
    assert_eq!(
        o.count("http_reqs", &[("status", "0"), ("error_code", "1701")]),
        2
    );
    // Requests that cannot be built (invalid URL) have no samples, only a warning.
    assert_eq!(o.count("http_reqs", &[("error_code", "1020")]), 0);
    assert_eq!(o.count("http_reqs", &[]), 15);
    // Every failure is a warning with Go's wording.
    let warn = |needle: &str| o.stderr_lines(needle).len();
    assert_eq!(warn("level=warning msg=\"Request Failed\""), 14);
    assert_eq!(
        warn(&format!(
            "error=\"Get \\\"{refused}/\\\": dial tcp {}: connect: connection refused\"",
            refused.trim_start_matches("http://")
        )),
        1
    );
    assert_eq!(
        warn("http: server gave HTTP response to HTTPS client"),
        1,
        "{}",
        o.run.stderr
    );
    assert_eq!(
        warn("error=\"error decompressing response body (gzip: invalid header)\""),
        1
    );
    assert_eq!(warn("error=\"invalid URL: '#map[]'\""), 1);
    assert_eq!(warn("read: connection reset by peer"), 1);
    assert_eq!(
        warn("error=\"Get \\\"http://-x.invalid/\\\": lookup -x.invalid: no such host\""),
        1,
        "{}",
        o.run.stderr
    );
    assert_eq!(tagged("1101", "lookup: no such host"), 1);
}

const THROW: &str = r#"
import http from 'k6/http';
const B = __ENV.BASE;
const R = __ENV.REFUSED;
export const options = { iterations: 1 };
export default function () {
  const attempt = (f) => { try { const r = f(); return ['ok', r && r.status]; } catch (e) { return [e.name, e.message]; } };
  const global = __ENV.GLOBAL === '1';
  const refused = `Get "${R}/": dial tcp ${R.replace('http://', '')}: connect: connection refused`;
  eq('throw param', attempt(() => http.get(`${R}/`, { throw: true })), ['GoError', refused]);
  eq('throw: false wins', attempt(() => http.get(`${R}/`, { throw: false })), ['ok', 0]);
  eq('refused', attempt(() => http.get(`${R}/`)), global ? ['GoError', refused] : ['ok', 0]);
  eq('invalid URL', attempt(() => http.get('http://exa mple.com/')),
    global ? ['GoError', 'invalid URL: parse "http://exa mple.com/": invalid character " " in host name'] : ['ok', 0]);
  eq('timeout', attempt(() => http.get(`${B}/delay/1`, { timeout: 50 })), global ? ['GoError', `Get "${B}/delay/1": request timeout`] : ['ok', 0]);
  eq('HTTP errors never throw', attempt(() => http.get(`${B}/status/500`)), ['ok', 500]);
  eq('batch', attempt(() => http.batch([`${R}/`])), global ? ['GoError', refused] : ['ok', undefined]);
  eq('invalid param', attempt(() => http.get(`${B}/get`, { responseType: 'xx' })), global ? ['GoError', 'xx does not belong to ResponseType values'] : ['ok', 0]);
  eq('decompression', attempt(() => http.get(`${B}/response-headers?Content-Encoding=gzip`)),
    global ? ['GoError', 'error decompressing response body (gzip: invalid header)'] : ['ok', 0]);
  if (__ENV.UNCAUGHT === '1') http.get(`${R}/uncaught`);
}
"#;

#[test]
fn throw_option_and_param_turn_failures_into_exceptions() {
    let t = target();
    let base = base_url(&t);
    let refused = refused_url();
    let envs = [("BASE", base.as_str()), ("REFUSED", refused.as_str())];
    let ws = Workspace::new();
    let o = run(&ws, THROW, &[], &envs);
    o.assert_checks(9);
    // A thrown request still has its samples.
    let r = format!("{refused}/");
    assert_eq!(
        o.count("http_reqs", &[("url", &r), ("error_code", "1212")]),
        4
    );

    let ws = Workspace::new();
    let global = [envs[0], envs[1], ("GLOBAL", "1")];
    let o = run(&ws, THROW, &["--throw"], &global);
    o.assert_checks(9);
    assert_eq!(
        o.count("http_reqs", &[("url", &r), ("error_code", "1212")]),
        4
    );
    // Only the request with `throw: false` warns.
    assert_eq!(
        o.stderr_lines("Request Failed").len(),
        1,
        "{}",
        o.run.stderr
    );

    // An uncaught one ends the iteration with an error, not the test.
    let ws = Workspace::new();
    let uncaught = [envs[0], envs[1], ("GLOBAL", "1"), ("UNCAUGHT", "1")];
    let o = run(&ws, THROW, &["--throw"], &uncaught);
    assert_eq!(o.run.code, 0, "{}", o.run.stderr);
    let errors = o.stderr_lines("level=error");
    assert_eq!(errors.len(), 1, "{}", o.run.stderr);
    assert!(
        errors[0].contains(&format!("GoError: Get \\\"{refused}/uncaught\\\"")),
        "{}",
        errors[0]
    );
    assert_eq!(o.count("iterations", &[]), 1);
}

const BLOCKED: &str = r#"
import http from 'k6/http';
const port = __ENV.BASE.split(':')[2];
export const options = {
  iterations: 1,
  blockHostnames: ['*.blocked.test', 'Exact.Test'],
  blacklistIPs: ['127.0.0.2/32'],
  hosts: { 'a.blocked.test': '127.0.0.1', 'exact.test': '127.0.0.1', 'blocked.test': '127.0.0.1', 'other.test': '127.0.0.2' },
};
export default function () {
  const get = (u) => { const r = http.get(u); return [r.status, r.error, r.error_code]; };
  eq('wildcard pattern: 1111', get(`http://a.blocked.test:${port}/get`), [0, 'hostname is blocked', 1111]);
  eq('the wildcard needs a subdomain', get(`http://blocked.test:${port}/get`), [200, '', 0]);
  eq('exact pattern, any case: 1111', get(`http://exact.test:${port}/get`), [0, 'hostname is blocked', 1111]);
  eq('blacklisted address of a hosts entry: 1110', get(`http://other.test:${port}/get`), [0, 'ip is blacklisted', 1110]);
  eq('blacklisted IP literal: 1110', get(`http://127.0.0.2:${port}/get`), [0, 'ip is blacklisted', 1110]);
  eq('allowed', get(`${__ENV.BASE}/get`), [200, '', 0]);
  eq('a redirect to a blocked host', get(`${__ENV.BASE}/redirect-to?url=${encodeURIComponent(`http://a.blocked.test:${port}/get`)}`), [0, 'hostname is blocked', 1111]);
}
"#;

#[test]
fn blocked_hostnames_and_blacklisted_ips_fail_requests_like_k6() {
    let t = target();
    let base = base_url(&t);
    let port = base.rsplit(':').next().unwrap_or_default().to_string();
    let ws = Workspace::new();
    let o = run(&ws, BLOCKED, &[], &[("BASE", &base)]);
    o.assert_checks(7);
    assert_eq!(
        o.count(
            "http_reqs",
            &[("error_code", "1111"), ("error", "hostname is blocked")]
        ),
        3
    );
    assert_eq!(
        o.count(
            "http_reqs",
            &[("error_code", "1110"), ("error", "ip is blacklisted")]
        ),
        2
    );
    let warn = |needle: &str| o.stderr_lines(needle).len();
    assert_eq!(
        warn(&format!(
            "error=\"Get \\\"http://a.blocked.test:{port}/get\\\": hostname (a.blocked.test) is in a blocked pattern (*.blocked.test)\""
        )),
        2,
        "{}",
        o.run.stderr
    );
    assert_eq!(
        warn("hostname (exact.test) is in a blocked pattern (exact.test)"),
        1
    );
    assert_eq!(
        warn("IP (127.0.0.2) is in a blacklisted range (127.0.0.2/32)"),
        2
    );

    // The same options from the command line; invalid ones stop the run with exit 104 and
    // k6's messages (k6 exits 255 for an invalid flag value, 104 for script options).
    let o = run(
        &ws,
        "import http from 'k6/http';\nexport default function () { eq('blocked', http.get(`http://x.b.test:${__ENV.BASE.split(':')[2]}/`).error_code, 1111); }",
        &["--block-hostnames", "*.b.test,c.test"],
        &[("BASE", &base)],
    );
    o.assert_checks(1);
    if !is_k6() {
        let bad = run(
            &ws,
            "export const options = { blockHostnames: ['a.*.com'] };\nexport default function () {}",
            &[],
            &[],
        );
        assert_eq!(bad.run.code, 104);
        assert!(
            bad.run
                .stderr
                .contains("invalid hostname pattern 'a.*.com'")
        );
        let bad = run(
            &ws,
            "export default function () {}",
            &["--blacklist-ip", "10.0.0/8"],
            &[],
        );
        assert_eq!(bad.run.code, 104);
        assert!(
            bad.run
                .stderr
                .contains("failed to parse CIDR '10.0.0/8': invalid CIDR address: 10.0.0/8"),
            "{}",
            bad.run.stderr
        );
    }
}
