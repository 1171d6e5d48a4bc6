//! The web dashboard and its HTML report, loaded in headless Chromium (Debian's `chromium`,
//! installed by .ci/setup-outputs.sh; `RK6_CHROMIUM` overrides the binary) driven over the
//! DevTools protocol: the live page during a run against the embedded target, and the
//! exported report afterwards. The tests read the rendered DOM (charts drawn, updates arriving,
//! numbers equal to the end-of-test summary), check that the page raised no console error or
//! exception and requested nothing but 127.0.0.1, that a phone-sized screen needs no
//! sideways scrolling, and save screenshots (desktop and phone) under target/web-dashboard/.
//!
//! Without chromium the browser tests are skipped locally; under CI (`CI=true`) they fail.

mod browser_support;
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use browser_support::{Browser, chromium, left_localhost};
use common::http_api::{free_port, try_request};
use common::{Workspace, base_url, rk6, target};
use serde_json::{Value, json};

fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/web-dashboard");
    std::fs::create_dir_all(&dir).expect("artifact dir");
    dir
}

const DESKTOP: (u32, u32) = (1280, 1700);
/// A phone held upright (CSS pixels), tall enough to capture the whole page.
const PHONE: (u32, u32) = (390, 2600);

/// Loads `url` and waits until the page has drawn its data (`ready` true in the page).
fn open(browser: &Path, url: &str, size: (u32, u32), mobile: bool, ready: &str) -> Browser {
    let mut b = Browser::start(browser);
    b.viewport(size.0, size.1, mobile);
    b.navigate(url);
    b.wait_for(ready, Duration::from_secs(20));
    b
}

fn assert_clean(what: &str, b: &Browser) {
    assert!(b.errors.is_empty(), "{what}: page errors {:?}", b.errors);
    let away = b.requests_away();
    assert!(away.is_empty(), "{what}: requests left 127.0.0.1: {away:?}");
}

/// Saves a screenshot and checks that nothing is wider than the screen.
fn screenshot(b: &mut Browser, name: &str) {
    let shot = artifacts().join(name);
    b.screenshot(&shot);
    assert!(
        std::fs::metadata(&shot).is_ok_and(|m| m.len() > 10_000),
        "{name} written"
    );
    let fits = b.eval("document.documentElement.scrollWidth <= window.innerWidth");
    assert_eq!(
        fits,
        json!(true),
        "{name}: the page is wider than the screen"
    );
}

/// `1234` as the page writes counts (`toLocaleString("en-US")`).
fn grouped(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The text of the `.value` element of the card `id`.
fn card_value<'a>(dom: &'a str, id: &str) -> &'a str {
    let start = dom
        .find(&format!("id=\"card-{id}\""))
        .unwrap_or_else(|| panic!("no card {id} in the page"));
    let rest = &dom[start..];
    let v = rest.find("class=\"value\">").expect("card value") + "class=\"value\">".len();
    let end = rest[v..].find('<').expect("value end");
    &rest[v..v + end]
}

/// A duration card (`12.34ms`) in milliseconds.
fn card_ms(dom: &str, id: &str) -> f64 {
    let v = card_value(dom, id);
    v.strip_suffix("ms")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("card {id}: {v:?} is not in ms"))
}

/// The `load` scenario's requests end early (2 VUs × 15 iterations, one request each); the
/// `idle` scenario keeps the test running without requests, so the live page's totals are
/// final while the test still runs.
const LOAD_REQUESTS: u64 = 30;
const SCRIPT: &str = r#"
import http from 'k6/http';
import { check, group, sleep } from 'k6';
export const options = {
  scenarios: {
    load: { executor: 'per-vu-iterations', vus: 2, iterations: 15, exec: 'load' },
    idle: { executor: 'constant-vus', vus: 1, duration: __ENV.IDLE || '12s', exec: 'idle' },
  },
  thresholds: { http_req_duration: ['p(95)<2000'], checks: ['rate>0.9'] },
};
export function load() {
  group('pages', () => {
    const res = http.get(`${__ENV.BASE}/delay/0.01`);
    check(res, { 'status is 200': (r) => r.status === 200 });
  });
  sleep(0.05);
}
export function idle() { sleep(0.5); }
"#;

/// The page's number of periods received so far (its status line says "N periods").
const PERIODS: &str =
    "+(document.getElementById('status').textContent.match(/(\\d+) periods/) || [0, 0])[1]";

#[test]
fn the_live_dashboard_and_the_report_render_in_a_browser() {
    let Some(browser) = chromium() else { return };
    let t = target();
    let ws = Workspace::new();
    let dir = ws.dir.path();
    let script = ws.write("script.js", SCRIPT);
    let port = free_port();
    let api = format!("127.0.0.1:{}", free_port());
    let child = Command::new(env!("CARGO_BIN_EXE_rk6"))
        .args(["run", "--summary-export=summary.json"])
        .arg(format!("--address={api}"))
        .arg(&script)
        .current_dir(dir)
        .env("BASE", base_url(&t))
        .env("K6_WEB_DASHBOARD", "true")
        .env("K6_WEB_DASHBOARD_PORT", port.to_string())
        .env("K6_WEB_DASHBOARD_PERIOD", "1s")
        .env("K6_WEB_DASHBOARD_EXPORT", "report.html")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rk6 starts");
    let url = format!("http://127.0.0.1:{port}/");
    let addr = format!("127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(Instant::now() < deadline, "the dashboard never listened");
        std::thread::sleep(Duration::from_millis(50));
    }

    // The page opened early: it draws, and updates arrive as the run goes on.
    let mut live = open(&browser, &url, DESKTOP, false, &format!("{PERIODS} >= 1"));
    let first = live.eval(PERIODS).as_u64().unwrap_or(0);
    live.wait_for(
        &format!("{PERIODS} >= {}", first + 2),
        Duration::from_secs(20),
    );

    // Once the load scenario's requests are all made (REST API), the page's totals reach the
    // run's final ones while the test still runs.
    loop {
        let count = try_request(&api, "GET", "/v1/metrics/http_reqs", None)
            .filter(|r| r.status == 200)
            .and_then(|r| r.json()["data"]["attributes"]["sample"]["count"].as_u64());
        if count == Some(LOAD_REQUESTS) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the load scenario never finished ({count:?})"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let reqs_shown = format!(
        "document.querySelector('#card-http_reqs .value').textContent === '{LOAD_REQUESTS}'"
    );
    live.wait_for(&reqs_shown, Duration::from_secs(20));
    live.wait_for(
        "document.getElementById('checks').textContent.includes('status is 200')",
        Duration::from_secs(5),
    );
    let live_dom = live.dom();
    screenshot(&mut live, "dashboard.png");
    let mut phone = open(&browser, &url, PHONE, true, &reqs_shown);
    screenshot(&mut phone, "dashboard-phone.png");
    assert_clean("live page on a phone", &phone);

    let out = child.wait_with_output().expect("rk6 ends");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The page sees the end of the test.
    live.wait_for(
        "document.body.getAttribute('data-ended') === 'true'",
        Duration::from_secs(10),
    );
    assert_clean("live page", &live);
    assert!(
        live.urls.iter().any(|u| u.ends_with("/events")),
        "the page subscribed to the events: {:?}",
        live.urls
    );
    // k6's banner line.
    assert!(
        stdout.contains(&format!(
            " web dashboard: http://127.0.0.1:{port}\n        output: -\n"
        )),
        "{stdout}"
    );
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(ws.path("summary.json")).unwrap()).unwrap();
    let count = |m: &str, k: &str| summary["metrics"][m][k].as_f64().unwrap() as u64;
    let p95 = summary["metrics"]["http_req_duration"]["p(95)"]
        .as_f64()
        .unwrap();
    assert_eq!(count("http_reqs", "count"), LOAD_REQUESTS);

    // What the live page showed: charts, scopes, totals equal to the summary's.
    assert!(
        live_dom.matches("<canvas").count() >= 5,
        "charts drawn: {live_dom}"
    );
    assert!(live_dom.contains("scenario:load"), "scenario view offered");
    assert!(live_dom.contains("group:::pages"), "group view offered");
    // Both keep the same digest; the page shows two decimals.
    let live_p95 = card_ms(&live_dom, "http_req_duration");
    assert!(
        (live_p95 - p95).abs() <= 0.01,
        "live p95 {live_p95} vs summary {p95}"
    );
    assert!(live_dom.contains("p(95)&lt;2000"), "thresholds listed live");
    assert!(
        live_dom.contains(&format!(
            "::pages › status is 200</td><td>{LOAD_REQUESTS} passed, 0 failed"
        )),
        "checks listed live: {live_dom}"
    );

    // The report: one file, nothing linked, numbers from the end-of-test summary.
    let html = std::fs::read_to_string(ws.path("report.html")).expect("report written");
    assert!(!html.contains("src=\"/") && !html.contains("href=\"/"));
    let report_url = format!("file://{}", ws.path("report.html").display());
    let ready = "document.body.getAttribute('data-ready') === 'true'";
    let mut report = open(&browser, &report_url, DESKTOP, false, ready);
    let dom = report.dom();
    assert!(dom.matches("<canvas").count() >= 5);
    assert_eq!(
        card_value(&dom, "http_reqs"),
        grouped(count("http_reqs", "count"))
    );
    assert_eq!(
        card_value(&dom, "iterations"),
        grouped(count("iterations", "count"))
    );
    assert_eq!(card_value(&dom, "http_req_duration"), format!("{p95:.2}ms"));
    assert!(dom.contains("status is 200"), "checks listed");
    assert!(dom.contains("p(95)&lt;2000"), "thresholds listed");
    screenshot(&mut report, "report.png");
    assert_clean("report", &report);
    let mut phone = open(&browser, &report_url, PHONE, true, ready);
    screenshot(&mut phone, "report-phone.png");
    assert_clean("report on a phone", &phone);

    // `rk6 report` from the run saved by name draws the same page.
    let r = rk6(
        dir,
        &[
            "run",
            "-q",
            "--run-name",
            "saved",
            &script.display().to_string(),
        ],
        &[("BASE", &base_url(&t)), ("IDLE", "1s")],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = rk6(dir, &["report", "saved", "-o", "saved.html"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let saved_url = format!("file://{}", ws.path("saved.html").display());
    let mut saved = open(&browser, &saved_url, DESKTOP, false, ready);
    let dom = saved.dom();
    assert_clean("rk6 report", &saved);
    assert!(dom.contains("report · saved"), "{dom}");
    assert!(dom.matches("<canvas").count() >= 5);
    assert_eq!(card_value(&dom, "http_reqs"), grouped(LOAD_REQUESTS));
}

/// The checks above can fail: a page that throws is seen, and so would be a request away.
#[test]
fn the_browser_checks_see_errors_and_requests_away() {
    let Some(browser) = chromium() else { return };
    let ws = Workspace::new();
    let page = ws.write(
        "throws.html",
        "<!doctype html><body><script>console.error('bad'); setTimeout(() => { throw new Error('boom') }, 10); window.done = true;</script></body>",
    );
    let url = format!("file://{}", page.display());
    let mut b = open(&browser, &url, (800, 600), false, "window.done === true");
    // The exception comes a little later; events are read with each command's answer.
    std::thread::sleep(Duration::from_millis(300));
    b.eval("1");
    assert!(
        b.errors.iter().any(|e| e.contains("boom")),
        "{:?}",
        b.errors
    );
    assert!(b.errors.iter().any(|e| e.contains("bad")), "{:?}", b.errors);
    let urls = [
        "http://127.0.0.1:5665/events".to_string(),
        "file:///tmp/report.html".to_string(),
        "https://cdn.example.com/uPlot.js".to_string(),
        "http://localhost.example:5665/".to_string(),
    ];
    assert_eq!(
        left_localhost(&urls),
        vec![&urls[2], &urls[3]],
        "only 127.0.0.1 is local"
    );
}
