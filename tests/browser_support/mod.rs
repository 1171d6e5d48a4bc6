//! Headless Chromium driven over the DevTools protocol, for the web dashboard tests.
//!
//! Chromium's one-shot modes (`--dump-dom`, `--screenshot`) cannot test a live page: they
//! dump at the load event, and under `--virtual-time-budget` a server-sent event stream, a
//! fetch that never ends, breaks. So the tests start the browser with
//! `--remote-debugging-port=0`, talk to one page over its WebSocket, wait in real time for what
//! the page shows, and record every console message, uncaught exception, log entry and
//! request the page made.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{self, Message, WebSocket};

/// The browser: `RK6_CHROMIUM`, else `chromium` on the PATH. Without one the tests skip,
/// except under CI (`CI=true`), where .ci/setup-outputs.sh installs it: there they fail.
pub fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("RK6_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let found = Command::new("chromium")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if found {
        return Some(PathBuf::from("chromium"));
    }
    assert!(
        std::env::var("CI").map_or(true, |v| v != "true"),
        "chromium not found under CI=true: .ci/setup-outputs.sh installs it (or set RK6_CHROMIUM)"
    );
    eprintln!(
        "\n\n*** SKIPPED: chromium not found (install it with .ci/setup-outputs.sh or set RK6_CHROMIUM) ***\n\n"
    );
    None
}

/// One browser with one page.
pub struct Browser {
    child: Child,
    _profile: tempfile::TempDir,
    ws: WebSocket<TcpStream>,
    session: String,
    next_id: u64,
    /// Console messages of level error, uncaught exceptions and error log entries.
    pub errors: Vec<String>,
    /// Every URL the page requested.
    pub urls: Vec<String>,
}

impl Browser {
    pub fn start(binary: &Path) -> Browser {
        let profile = tempfile::tempdir().expect("profile dir");
        let mut child = Command::new(binary)
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
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("chromium starts");
        // "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID"
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stderr).lines();
        let url = loop {
            let line = lines
                .next()
                .and_then(Result::ok)
                .expect("chromium printed its DevTools address");
            if let Some(i) = line.find("ws://") {
                break line[i..].trim().to_string();
            }
        };
        // Keep draining stderr so the browser never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let host = url
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .expect("host")
            .to_string();
        let stream = TcpStream::connect(&host).expect("DevTools port");
        let (ws, _) =
            tungstenite::client::client(url.as_str(), stream).expect("DevTools handshake");
        let mut b = Browser {
            child,
            _profile: profile,
            ws,
            session: String::new(),
            next_id: 0,
            errors: Vec::new(),
            urls: Vec::new(),
        };
        let target = b.call("Target.createTarget", json!({"url": "about:blank"}));
        let target_id = target["targetId"].as_str().expect("targetId").to_string();
        let attached = b.call(
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
        );
        b.session = attached["sessionId"]
            .as_str()
            .expect("sessionId")
            .to_string();
        for domain in [
            "Page.enable",
            "Runtime.enable",
            "Network.enable",
            "Log.enable",
        ] {
            b.call(domain, json!({}));
        }
        b
    }

    /// Sends one command (to the page once attached) and returns its result; events that
    /// arrive meanwhile are recorded.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if !self.session.is_empty() {
            msg["sessionId"] = json!(self.session);
        }
        self.ws
            .send(Message::text(msg.to_string()))
            .expect("DevTools send");
        loop {
            let m = self.ws.read().expect("DevTools answer");
            let Ok(text) = m.to_text() else { continue };
            let Ok(v) = serde_json::from_str::<Value>(text) else {
                continue;
            };
            if v["id"].as_u64() == Some(id) {
                assert!(v.get("error").is_none(), "{method}: {}", v["error"]);
                return v["result"].clone();
            }
            self.record(&v);
        }
    }

    fn record(&mut self, v: &Value) {
        let p = &v["params"];
        match v["method"].as_str().unwrap_or_default() {
            "Network.requestWillBeSent" => {
                if let Some(u) = p["request"]["url"].as_str() {
                    self.urls.push(u.to_string());
                }
            }
            "Runtime.exceptionThrown" => self.errors.push(format!(
                "exception: {}",
                p["exceptionDetails"]["exception"]["description"]
                    .as_str()
                    .or(p["exceptionDetails"]["text"].as_str())
                    .unwrap_or_default()
            )),
            "Runtime.consoleAPICalled" if p["type"] == "error" || p["type"] == "assert" => {
                self.errors.push(format!("console.error: {}", p["args"]))
            }
            "Log.entryAdded" if p["entry"]["level"] == "error" => self.errors.push(format!(
                "log: {} {}",
                p["entry"]["text"].as_str().unwrap_or_default(),
                p["entry"]["url"].as_str().unwrap_or_default()
            )),
            _ => {}
        }
    }

    /// The viewport: `mobile` also makes the page lay out as on a phone.
    pub fn viewport(&mut self, width: u32, height: u32, mobile: bool) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}),
        );
    }

    pub fn navigate(&mut self, url: &str) {
        self.call("Page.navigate", json!({"url": url}));
    }

    /// The value of a JavaScript expression in the page.
    pub fn eval(&mut self, expr: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expr, "returnByValue": true}),
        );
        r["result"]["value"].clone()
    }

    /// Waits (real time) until `expr` is true in the page.
    pub fn wait_for(&mut self, expr: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.eval(expr) != json!(true) {
            assert!(
                Instant::now() < deadline,
                "the page never showed `{expr}`; errors {:?}",
                self.errors
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn dom(&mut self) -> String {
        self.eval("document.documentElement.outerHTML")
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// A screenshot of the whole page (not just the viewport) as PNG.
    pub fn screenshot(&mut self, path: &Path) {
        let r = self.call(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true}),
        );
        let png = base64::engine::general_purpose::STANDARD
            .decode(r["data"].as_str().expect("screenshot data"))
            .expect("base64 PNG");
        std::fs::write(path, png).expect("screenshot written");
    }

    /// Requests to anything but 127.0.0.1 (`data:` and `file:` URLs are local by nature).
    pub fn requests_away(&self) -> Vec<&String> {
        left_localhost(&self.urls)
    }
}

pub fn left_localhost(urls: &[String]) -> Vec<&String> {
    urls.iter()
        .filter(|u| u.contains("://") && !u.starts_with("file://") && !u.starts_with("data:"))
        .filter(|u| !u.starts_with("http://127.0.0.1:") && !u.starts_with("ws://127.0.0.1:"))
        .collect()
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
