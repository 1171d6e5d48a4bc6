//! Remote modules end to end: `https://` imports served by a local HTTPS server whose CA is
//! trusted through `SSL_CERT_FILE`, downloaded once per run, relative imports and redirects
//! inside them, k6's errors, the offline cache, and an HTTPS proxy (`HTTPS_PROXY`, with
//! credentials) as the only way to the server. Where real k6 v1.1.0 is installed, the same
//! scripts run on it too and must behave the same.

mod common;
mod module_support;

use std::path::Path;
use std::process::Command;

use common::{Workspace, rk6};
use module_support::{Answer, Server, module_server, pki, proxy, real_k6};

struct Outcome {
    code: i32,
    stderr: String,
}

/// `run -q --no-summary script.js` with rk6, or with k6 when `k6` is given.
fn run(ws: &Workspace, k6: Option<&Path>, envs: &[(&str, &str)]) -> Outcome {
    let script = ws.path("script.js").display().to_string();
    let args = ["run", "-q", "--no-summary", "--log-format=raw", &script];
    match k6 {
        None => {
            let r = rk6(ws.dir.path(), &args, envs);
            Outcome {
                code: r.code,
                stderr: r.stderr,
            }
        }
        Some(bin) => {
            let out = Command::new(bin)
                .current_dir(ws.dir.path())
                .args([
                    "run",
                    "--address=",
                    "-q",
                    "--no-summary",
                    "--log-format=raw",
                ])
                .arg(&script)
                .env("K6_NO_USAGE_REPORT", "true")
                .envs(envs.iter().copied())
                .output()
                .expect("k6 runs");
            Outcome {
                code: out.status.code().unwrap_or(-1),
                stderr: String::from_utf8_lossy(&out.stderr).to_string(),
            }
        }
    }
}

const INDEX: &str = "import { util } from './util.js';
import { root } from '/root.js';
import { moved } from './moved.js';
import cjs, { named } from './bundle.cjs.js';
export function answer() { return util() + root() + moved() + cjs.part + named; }
";

/// What a bundler's CommonJS output looks like: the default import is `exports.default`.
const BUNDLE: &str = "\"use strict\";
Object.defineProperty(exports, \"__esModule\", { value: true });
exports.default = { part: 6 };
exports.named = 1;
";

fn modules(pki: &module_support::Pki) -> Server {
    module_server(
        pki,
        &[
            ("/lib/index.js", Answer::Module(INDEX)),
            (
                "/lib/util.js",
                Answer::Module("export function util() { return 10; }\n"),
            ),
            (
                "/root.js",
                Answer::Module("export function root() { return 20; }\n"),
            ),
            ("/lib/moved.js", Answer::Redirect(302, "/new/moved.js")),
            (
                "/new/moved.js",
                Answer::Module("export function moved() { return 5; }\n"),
            ),
            ("/lib/bundle.cjs.js", Answer::Module(BUNDLE)),
            ("/broken.js", Answer::Status(500)),
        ],
    )
}

fn script(base: &str) -> String {
    format!(
        "import {{ answer }} from '{base}/lib/index.js';
export const options = {{ vus: 5, iterations: 10 }};
export default function () {{ if (answer() !== 42) throw new Error('wrong answer ' + answer()); }}
export function teardown() {{ console.log('answer ' + answer()); }}
"
    )
}

#[test]
fn https_imports_are_downloaded_once_per_run_with_relative_imports_and_redirects() {
    let pki = pki(&["127.0.0.1"]);
    let ca = pki.ca_file.display().to_string();
    let ws = Workspace::new();
    let cache = ws.path("cache").display().to_string();
    for tool in [None, real_k6()] {
        let server = modules(&pki);
        ws.write("script.js", &script(&format!("https://{}", server.addr)));
        let r = run(
            &ws,
            tool.as_deref(),
            &[("SSL_CERT_FILE", &ca), ("RK6_MODULE_CACHE", &cache)],
        );
        let who = if tool.is_some() { "k6" } else { "rk6" };
        assert_eq!(r.code, 0, "{who}: {}", r.stderr);
        assert!(r.stderr.contains("answer 42"), "{who}: {}", r.stderr);
        // Once per run for 5 VUs, first with k6's `_k6=1` marker.
        for path in ["/lib/index.js", "/lib/util.js", "/root.js", "/new/moved.js"] {
            assert_eq!(server.count(path), 1, "{who}: {:?}", server.requests());
        }
        assert!(
            server
                .requests()
                .contains(&"/lib/index.js?_k6=1".to_string()),
            "{who}: {:?}",
            server.requests()
        );
    }
}

#[test]
fn failed_downloads_name_the_url_and_status_as_k6() {
    let pki = pki(&["127.0.0.1"]);
    let ca = pki.ca_file.display().to_string();
    let server = modules(&pki);
    let ws = Workspace::new();
    let cache = ws.path("cache").display().to_string();
    let base = format!("https://{}", server.addr);
    for (path, detail) in [
        ("/missing.js", format!("not found: {base}/missing.js")),
        (
            "/broken.js",
            format!("wrong status code (500) for: {base}/broken.js"),
        ),
    ] {
        ws.write(
            "script.js",
            &format!("import x from '{base}{path}';\nexport default function () {{}}\n"),
        );
        let expected = format!(
            "The moduleSpecifier \"{base}{path}\" couldn't be retrieved from the resolved url \"{base}{path}\". Error : \"{detail}\""
        );
        for tool in [None, real_k6()] {
            let r = run(
                &ws,
                tool.as_deref(),
                &[("SSL_CERT_FILE", &ca), ("RK6_MODULE_CACHE", &cache)],
            );
            assert_eq!(r.code, 107, "{tool:?}: {}", r.stderr);
            assert!(r.stderr.contains(&expected), "{tool:?}: {}", r.stderr);
        }
    }
    // `http://` imports are refused, as in k6.
    ws.write(
        "script.js",
        "import x from 'http://127.0.0.1:1/x.js';\nexport default function () {}\n",
    );
    for tool in [None, real_k6()] {
        let r = run(&ws, tool.as_deref(), &[]);
        assert_eq!(r.code, 107, "{}", r.stderr);
        assert!(
            r.stderr.contains(
                "only supported schemes for imports are file and https, http://127.0.0.1:1/x.js has `http`"
            ),
            "{}",
            r.stderr
        );
    }
    // TLS stays verified: without the CA the download fails (and nothing is cached).
    ws.write("script.js", &script(&base));
    let r = run(&ws, None, &[("RK6_MODULE_CACHE", &cache)]);
    assert_eq!(r.code, 107, "{}", r.stderr);
    assert!(
        r.stderr.contains("couldn't be retrieved") && r.stderr.contains("certificate"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_second_run_works_offline_from_the_cache() {
    let pki = pki(&["127.0.0.1"]);
    let ca = pki.ca_file.display().to_string();
    let ws = Workspace::new();
    let cache = ws.path("cache").display().to_string();
    let envs = [("SSL_CERT_FILE", ca.as_str()), ("RK6_MODULE_CACHE", &cache)];
    let server = modules(&pki);
    ws.write("script.js", &script(&format!("https://{}", server.addr)));
    let r = run(&ws, None, &envs);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        ws.path(&format!("cache/{}/lib/index.js", server.addr))
            .is_file()
    );
    drop(server);
    let r = run(&ws, None, &envs);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("answer 42"), "{}", r.stderr);
    assert!(
        r.stderr.contains("kept in the module cache"),
        "{}",
        r.stderr
    );
    // Neither the network nor the cache: k6's error, and where rk6 looked.
    let empty = ws.path("empty").display().to_string();
    let r = run(
        &ws,
        None,
        &[("SSL_CERT_FILE", ca.as_str()), ("RK6_MODULE_CACHE", &empty)],
    );
    assert_eq!(r.code, 107, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("couldn't be retrieved from the resolved url")
            && r.stderr.contains("no copy in the module cache either"),
        "{}",
        r.stderr
    );
}

#[test]
fn modules_reached_only_through_an_authenticating_proxy() {
    // `modules.test` does not resolve: only the proxy knows where it is.
    let pki = pki(&["modules.test"]);
    let ca = pki.ca_file.display().to_string();
    let ws = Workspace::new();
    let cache = ws.path("cache").display().to_string();
    ws.write("script.js", &script("https://modules.test"));
    for tool in [None, real_k6()] {
        let server = modules(&pki);
        // base64("user:s3cret")
        let proxy = proxy(server.addr, Some("Basic dXNlcjpzM2NyZXQ="));
        let proxy_url = format!("http://user:s3cret@{}", proxy.addr);
        let envs = [
            ("SSL_CERT_FILE", ca.as_str()),
            ("RK6_MODULE_CACHE", cache.as_str()),
            ("HTTPS_PROXY", proxy_url.as_str()),
        ];
        let r = run(&ws, tool.as_deref(), &envs);
        assert_eq!(r.code, 0, "{tool:?}: {}", r.stderr);
        assert!(r.stderr.contains("answer 42"), "{tool:?}: {}", r.stderr);
        let tunnels = proxy.requests();
        assert!(!tunnels.is_empty());
        assert!(
            tunnels.iter().all(|t| t == "CONNECT modules.test:443"),
            "{tool:?}: {tunnels:?}"
        );
        assert_eq!(server.count("/lib/index.js"), 1);

        // NO_PROXY takes the host off the proxy: the name does not resolve.
        let mut no_proxy = envs.to_vec();
        no_proxy.push(("NO_PROXY", "example.com,.test"));
        let r = run(&ws, tool.as_deref(), &no_proxy);
        if tool.is_none() {
            // rk6 falls back on the copy the first run kept.
            assert_eq!(r.code, 0, "{}", r.stderr);
            assert!(
                r.stderr.contains("kept in the module cache"),
                "{}",
                r.stderr
            );
        } else {
            assert_eq!(r.code, 107, "{}", r.stderr);
        }
        assert_eq!(server.count("/lib/index.js"), 1);
    }
}

/// papaparse as published on npm, served as jslib.k6.io serves it, used as its jslib page
/// shows (a UMD bundle: CommonJS in k6).
const PAPAPARSE: &str = include_str!("fixtures/jslibs/papaparse-5.4.1/papaparse.min.js");

#[test]
fn a_real_jslib_papaparse_runs_as_on_k6() {
    let pki = pki(&["127.0.0.1"]);
    let ca = pki.ca_file.display().to_string();
    let ws = Workspace::new();
    let cache = ws.path("cache").display().to_string();
    ws.write("users.csv", "name,age\nann,31\nbob,42\n");
    let server = module_server(
        &pki,
        &[("/papaparse/5.1.1/index.js", Answer::Module(PAPAPARSE))],
    );
    ws.write(
        "script.js",
        &format!(
            "import papaparse from 'https://{}/papaparse/5.1.1/index.js';
import {{ SharedArray }} from 'k6/data';
const users = new SharedArray('users', function () {{
  return papaparse.parse(open('./users.csv'), {{ header: true, skipEmptyLines: true }}).data;
}});
export const options = {{ vus: 2, iterations: 2 }};
export default function () {{
  const u = users[__ITER % users.length];
  console.log(`user ${{u.name}} ${{u.age}} of ${{users.length}} ${{papaparse.unparse([[1, 'a,b']])}}`);
}}
",
            server.addr
        ),
    );
    let envs = [("SSL_CERT_FILE", ca.as_str()), ("RK6_MODULE_CACHE", &cache)];
    for tool in [None, real_k6()] {
        let r = run(&ws, tool.as_deref(), &envs);
        assert_eq!(r.code, 0, "{tool:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("user ann 31 of 2 1,\"a,b\""),
            "{tool:?}: {}",
            r.stderr
        );
    }
}

#[test]
fn k6_http_goes_through_the_proxy_of_the_environment() {
    let pki = pki(&["modules.test"]);
    let ca = pki.ca_file.display().to_string();
    let server = modules(&pki);
    let https_proxy = proxy(server.addr, Some("Basic dXNlcjpzM2NyZXQ="));
    let target = common::target();
    let http_proxy = proxy(target.local_addr(), None);
    let ws = Workspace::new();
    ws.write(
        "script.js",
        "import http from 'k6/http';
export default function () {
  const a = http.get('https://modules.test/lib/util.js');
  const b = http.get('http://target.test/get?x=1');
  console.log(`https ${a.status} ${a.body.includes('return 10')} http ${b.status} ${b.json('args.x')}`);
}
",
    );
    let https_url = format!("http://user:s3cret@{}", https_proxy.addr);
    let http_url = format!("{}", http_proxy.addr);
    let envs = [
        ("SSL_CERT_FILE", ca.as_str()),
        ("HTTPS_PROXY", https_url.as_str()),
        ("http_proxy", http_url.as_str()),
    ];
    for tool in [None, real_k6()] {
        let r = run(&ws, tool.as_deref(), &envs);
        assert_eq!(r.code, 0, "{tool:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("https 200 true http 200 1"),
            "{tool:?}: {}",
            r.stderr
        );
    }
    assert!(
        https_proxy
            .requests()
            .iter()
            .all(|r| r == "CONNECT modules.test:443")
    );
    // Absolute form, as Go sends requests to an HTTP proxy.
    assert!(
        http_proxy
            .requests()
            .iter()
            .all(|r| r == "GET http://target.test/get?x=1"),
        "{:?}",
        http_proxy.requests()
    );
    assert_eq!(http_proxy.requests().len(), 2);
}
