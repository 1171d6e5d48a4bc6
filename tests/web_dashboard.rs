//! The web dashboard and its HTML report, loaded in headless Chromium (Debian's `chromium`,
//! installed by .ci/setup-outputs.sh; `RK6_CHROMIUM` overrides the binary): the live page
//! during a run against the embedded target, and the exported report afterwards. The tests
//! read the rendered DOM (charts drawn, numbers equal to the end-of-test summary), check the
//! browser's log for script errors and its network log for any request that left 127.0.0.1,
//! and save screenshots under target/web-dashboard/.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::http_api::free_port;
use common::{Workspace, base_url, target};
use serde_json::Value;

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("RK6_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let found = Command::new("chromium")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    found.then(|| PathBuf::from("chromium"))
}

fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/web-dashboard");
    std::fs::create_dir_all(&dir).expect("artifact dir");
    dir
}

/// What one headless load of `url` gave: the DOM (or nothing for a screenshot), the
/// browser's log and the URLs it requested.
struct Load {
    dom: String,
    log: String,
    urls: Vec<String>,
}

fn load(browser: &Path, ws: &Workspace, url: &str, mode: &str, budget_ms: u32) -> Load {
    let profile = tempfile::tempdir().expect("profile dir");
    let netlog = ws.path(&format!("netlog-{}.json", ws_unique()));
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1280,1800",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--log-net-log={}", netlog.display()))
        .arg(format!("--virtual-time-budget={budget_ms}"))
        .arg(mode)
        .arg(url)
        .current_dir(ws.dir.path())
        .output()
        .expect("chromium runs");
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    let mut urls = Vec::new();
    if let Ok(text) = std::fs::read_to_string(&netlog) {
        // A net log cut short (the browser exits right after the load) may lack its closing
        // brackets; the URLs are read from the text either way.
        for part in text.split("\"url\":\"").skip(1) {
            if let Some(end) = part.find('"') {
                urls.push(part[..end].to_string());
            }
        }
    }
    Load {
        dom: String::from_utf8_lossy(&out.stdout).into_owned(),
        log,
        urls,
    }
}

fn ws_unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// Script errors the page raised, from the browser's log.
fn console_errors(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| l.contains("CONSOLE") && (l.contains("Uncaught") || l.contains("rror")))
        .collect()
}

fn assert_stayed_local(urls: &[String]) {
    let away: Vec<&String> = urls
        .iter()
        .filter(|u| u.starts_with("http") || u.starts_with("ws"))
        .filter(|u| !u.starts_with("http://127.0.0.1:") && !u.starts_with("ws://127.0.0.1:"))
        .collect();
    assert!(away.is_empty(), "requests left 127.0.0.1: {away:?}");
}

/// `1234` as the page writes counts (`toLocaleString("en-US")`).
fn grouped(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
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

const SCRIPT: &str = r#"
import http from 'k6/http';
import { check, group, sleep } from 'k6';
export const options = {
  scenarios: {
    browse: { executor: 'constant-vus', vus: 2, duration: '7s' },
  },
  thresholds: { http_req_duration: ['p(95)<2000'], checks: ['rate>0.9'] },
};
export default function () {
  group('pages', () => {
    const res = http.get(`${__ENV.BASE}/delay/0.01`);
    check(res, { 'status is 200': (r) => r.status === 200 });
  });
  sleep(0.1);
}
"#;

#[test]
fn the_live_dashboard_and_the_report_render_in_a_browser() {
    let Some(browser) = chromium() else {
        eprintln!(
            "\n\n*** SKIPPED: chromium not found (install it with .ci/setup-outputs.sh or set RK6_CHROMIUM) ***\n\n"
        );
        return;
    };
    let t = target();
    let ws = Workspace::new();
    let script = ws.write("script.js", SCRIPT);
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rk6"))
        .args(["run", "-q", "--address=", "--summary-export=summary.json"])
        .arg(&script)
        .current_dir(ws.dir.path())
        .env("BASE", base_url(&t))
        .env("K6_WEB_DASHBOARD", "true")
        .env("K6_WEB_DASHBOARD_PORT", port.to_string())
        .env("K6_WEB_DASHBOARD_PERIOD", "1s")
        .env("K6_WEB_DASHBOARD_EXPORT", "report.html")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rk6 starts");
    let addr = format!("127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(Instant::now() < deadline, "the dashboard never listened");
        std::thread::sleep(Duration::from_millis(100));
    }
    // A few periods in, the page has history to chart.
    std::thread::sleep(Duration::from_secs(3));
    let url = format!("http://{addr}/");
    let live = load(&browser, &ws, &url, "--dump-dom", 2500);
    let shot = artifacts().join("dashboard.png");
    let _ = std::fs::remove_file(&shot);
    let live_shot = load(
        &browser,
        &ws,
        &url,
        &format!("--screenshot={}", shot.display()),
        2500,
    );
    let out = child.wait_with_output().expect("rk6 ends");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    assert!(live.dom.contains("data-ready=\"true\""), "{}", live.dom);
    assert!(
        live.dom.matches("<canvas").count() >= 5,
        "charts drawn: {}",
        live.dom
    );
    let live_reqs = card_value(&live.dom, "http_reqs").replace(',', "");
    assert!(
        live_reqs.parse::<u64>().is_ok_and(|n| n > 0),
        "live request count {live_reqs:?}"
    );
    assert!(live.dom.contains("running"), "status shows the run");
    assert!(live.dom.contains("scenario:browse"), "scenario view offered");
    assert!(live.dom.contains("group:::pages"), "group view offered");
    for l in [&live, &live_shot] {
        assert!(
            console_errors(&l.log).is_empty(),
            "{:?}",
            console_errors(&l.log)
        );
        assert_stayed_local(&l.urls);
    }
    assert!(
        live.urls.iter().any(|u| u.ends_with("/events")),
        "the page subscribed to the events: {:?}",
        live.urls
    );
    assert!(std::fs::metadata(&shot).is_ok_and(|m| m.len() > 10_000));

    // The report: one file, nothing linked, numbers from the end-of-test summary.
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(ws.path("summary.json")).unwrap()).unwrap();
    let html = std::fs::read_to_string(ws.path("report.html")).expect("report written");
    assert!(!html.contains("src=\"/") && !html.contains("href=\"/"));
    let report_url = format!("file://{}", ws.path("report.html").display());
    let report = load(&browser, &ws, &report_url, "--dump-dom", 2000);
    let shot = artifacts().join("report.png");
    let _ = std::fs::remove_file(&shot);
    let report_shot = load(
        &browser,
        &ws,
        &report_url,
        &format!("--screenshot={}", shot.display()),
        2000,
    );
    assert!(report.dom.contains("data-ready=\"true\""), "{}", report.dom);
    assert!(report.dom.matches("<canvas").count() >= 5);
    let count = |m: &str, k: &str| summary["metrics"][m][k].as_f64().unwrap() as u64;
    assert_eq!(
        card_value(&report.dom, "http_reqs"),
        grouped(count("http_reqs", "count"))
    );
    assert_eq!(
        card_value(&report.dom, "iterations"),
        grouped(count("iterations", "count"))
    );
    let p95 = summary["metrics"]["http_req_duration"]["p(95)"].as_f64().unwrap();
    assert_eq!(
        card_value(&report.dom, "http_req_duration"),
        format!("{p95:.2}ms")
    );
    assert!(report.dom.contains("status is 200"), "checks listed");
    assert!(report.dom.contains("p(95)&lt;2000"), "thresholds listed");
    for l in [&report, &report_shot] {
        assert!(
            console_errors(&l.log).is_empty(),
            "{:?}",
            console_errors(&l.log)
        );
        assert_stayed_local(&l.urls);
    }
    assert!(std::fs::metadata(&shot).is_ok_and(|m| m.len() > 10_000));
}
