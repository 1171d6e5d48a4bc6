//! End-to-end tests of `k6/ws` and `k6/experimental/websockets` through the rk6 binary, for
//! what the conformance corpus (tests/conformance/180-188) cannot compare with k6 run for run:
//! interruption (end of a scenario, SIGINT) closing every open socket, wss with the run's TLS
//! settings, `compression`, a listener that throws, the init context, `k6/websockets`, and the
//! environment's proxy.
//! Where a test states k6's behaviour, it was confirmed on k6 v1.1.0 against the same servers.

mod common;
mod module_support;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use futures_util::{SinkExt as _, StreamExt as _};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};

/// A WebSocket echo server that records, per request path, the close codes its clients send
/// (0 for a connection that ended without a close frame).
struct Recorder {
    addr: SocketAddr,
    closes: Arc<Mutex<BTreeMap<String, Vec<u16>>>>,
    opened: Arc<Mutex<usize>>,
    _runtime: tokio::runtime::Runtime,
}

impl Recorder {
    fn start() -> Recorder {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let closes: Arc<Mutex<BTreeMap<String, Vec<u16>>>> = Arc::default();
        let opened: Arc<Mutex<usize>> = Arc::default();
        let (c, o) = (closes.clone(), opened.clone());
        runtime.spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (closes, opened) = (c.clone(), o.clone());
                tokio::spawn(async move {
                    let mut path = String::new();
                    // The signature is tungstenite's handshake callback.
                    #[allow(clippy::result_large_err)]
                    let callback = |req: &Request, res: Response| {
                        path = req.uri().path().to_string();
                        Ok(res)
                    };
                    let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(tcp, callback).await
                    else {
                        return;
                    };
                    *opened.lock().expect("lock") += 1;
                    let mut code = 0;
                    while let Some(Ok(m)) = ws.next().await {
                        if let Message::Close(frame) = &m {
                            code = frame.as_ref().map(|f| u16::from(f.code)).unwrap_or(1005);
                        } else if (m.is_text() || m.is_binary()) && ws.send(m).await.is_err() {
                            break;
                        }
                    }
                    closes
                        .lock()
                        .expect("lock")
                        .entry(path)
                        .or_default()
                        .push(code);
                });
            }
        });
        Recorder {
            addr,
            closes,
            opened,
            _runtime: runtime,
        }
    }

    /// The four sockets of [`HOLD`] were closed with k6's codes: 1001 by k6/ws, 1000 by the
    /// WebSocket API.
    fn assert_held_sockets_closed(&self) {
        let closes = self.closes(4);
        assert_eq!(
            closes.get("/blocking"),
            Some(&vec![1001, 1001]),
            "{closes:?}"
        );
        assert_eq!(closes.get("/api"), Some(&vec![1000, 1000]), "{closes:?}");
    }

    fn url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    fn opened(&self) -> usize {
        *self.opened.lock().expect("lock")
    }

    /// The close codes per path, once `count` connections have ended (or after 10 s).
    fn closes(&self, count: usize) -> BTreeMap<String, Vec<u16>> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let closes = self.closes.lock().expect("lock").clone();
            if closes.values().map(Vec::len).sum::<usize>() >= count || Instant::now() > deadline {
                return closes;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Runs `script` against the embedded target (`BASE_URL`).
fn run_on_target(script: &str) -> (Workspace, RunResult) {
    let t = target();
    let ws = Workspace::new();
    let r = run_script(&ws, script, &[], &[("BASE_URL", &base_url(&t))]);
    (ws, r)
}

/// The values (1 passed, 0 failed) of a run's check points, in order.
fn check_values(pts: &[serde_json::Value]) -> Vec<f64> {
    pts.iter()
        .filter(|p| p["metric"] == "checks")
        .map(|p| p["data"]["value"].as_f64().unwrap_or(0.0))
        .collect()
}

/// Two scenarios, each with two VUs holding a socket that sends every 20 ms: k6/ws in
/// `blocking`, the WebSocket API in `api`.
const HOLD: &str = r#"
import ws from 'k6/ws';
import { WebSocket } from 'k6/experimental/websockets';
const D = __ENV.DURATION;
export const options = { scenarios: {
  blocking: { executor: 'constant-vus', vus: 2, duration: D, gracefulStop: '0s', exec: 'blocking' },
  api: { executor: 'constant-vus', vus: 2, duration: D, gracefulStop: '0s', exec: 'api' },
} };
export function blocking() {
  ws.connect(`${__ENV.WS}/blocking`, {}, (s) => {
    s.on('open', () => s.setInterval(() => s.send('x'), 20));
  });
}
export function api() {
  const w = new WebSocket(`${__ENV.WS}/api`);
  w.onopen = () => setInterval(() => w.send('x'), 20);
}
"#;

/// At the end of a scenario (gracefulStop 0s) the iterations are interrupted and every
/// socket is closed with a close frame: 1001 from k6/ws, 1000 from the WebSocket API (k6's
/// codes on interruption: k6/ws's closeConnection(CloseGoingAway), websockets' queueClose).
#[test]
fn the_end_of_a_scenario_closes_every_socket() {
    let server = Recorder::start();
    let ws = Workspace::new();
    let r = run_script(&ws, HOLD, &[], &[("WS", &server.url()), ("DURATION", "1s")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    server.assert_held_sockets_closed();
    let pts = points(&ws.path("out.json"));
    let counts = counts_by_metric(&pts);
    assert_eq!(counts.get("ws_sessions"), Some(&4));
    // k6 records no ws_session_duration for an interrupted session (its VU context is done
    // when the socket closes); the interrupted iterations are not counted either.
    assert_eq!(counts.get("ws_session_duration"), None);
    assert_eq!(counts.get("iterations"), None);
    assert!(sum_of(&pts, "ws_msgs_sent") > 0.0);
    assert!(
        sum_of(&pts, "data_sent") > 0.0,
        "bytes of interrupted sockets count"
    );
}

/// SIGINT stops the run (exit code 105, as k6) and closes the open sockets.
#[test]
fn sigint_closes_open_sockets() {
    let server = Recorder::start();
    let ws = Workspace::new();
    let script = ws.write("hold.js", HOLD);
    let mut child = Command::new(env!("CARGO_BIN_EXE_rk6"))
        .current_dir(ws.dir.path())
        .args(["run", "-q", "--address=", "--no-summary"])
        .arg(&script)
        .env("WS", server.url())
        .env("DURATION", "1m")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rk6 starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.opened() < 4 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(server.opened(), 4, "the four sockets opened");
    // SAFETY: kill(2) on the child's pid, which is still ours to signal.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("rk6 did not stop after SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(105));
    server.assert_held_sockets_closed();
}

const TLS: &str = r#"
import ws from 'k6/ws';
import { WebSocket } from 'k6/experimental/websockets';
import { check } from 'k6';
export const options = { iterations: 1, insecureSkipTLSVerify: __ENV.INSECURE === '1' };
export default function () {
  const got = [];
  const res = ws.connect(`${__ENV.WSS}/ws/messages/1`, {}, (s) => s.on('message', (m) => got.push(m)));
  check(res, { [`k6/ws: ${__ENV.EXPECT}`]: (r) => __ENV.EXPECT === 'open'
    ? r.status === 101 && got[0] === 'message 1'
    : r.status === 0 && r.error.startsWith('tls: failed to verify certificate: x509: certificate signed by unknown authority') });
  const w = new WebSocket(`${__ENV.WSS}/ws/messages/1`);
  w.onmessage = (e) => check(e, { 'api: message': (m) => m.data === 'message 1' });
  w.onerror = (e) => check(e, { 'api: tls error': (m) => m.error.startsWith('tls: failed to verify certificate') });
}
"#;

/// wss:// uses the run's TLS settings: the system's trust store (SSL_CERT_FILE here), or
/// `insecureSkipTLSVerify`; an unknown certificate fails with Go's x509 text.
#[test]
fn wss_uses_the_runs_tls_settings() {
    let tls = tls_target();
    let wss = format!("wss://localhost:{}", tls.target.local_addr().port());
    let cert = tls.cert.display().to_string();
    for (insecure, trust, expect, check) in [
        ("0", true, "open", "api: message"),
        ("1", false, "open", "api: message"),
        ("0", false, "refused", "api: tls error"),
    ] {
        let ws = Workspace::new();
        let mut env = vec![
            ("WSS", wss.as_str()),
            ("INSECURE", insecure),
            ("EXPECT", expect),
        ];
        if trust {
            env.push(("SSL_CERT_FILE", cert.as_str()));
        }
        let r = run_script(&ws, TLS, &[], &env);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let pts = points(&ws.path("out.json"));
        let passed: Vec<String> = pts
            .iter()
            .filter(|p| p["metric"] == "checks" && p["data"]["value"] == 1.0)
            .filter_map(|p| p["data"]["tags"]["check"].as_str().map(str::to_string))
            .collect();
        assert_eq!(
            passed,
            vec![format!("k6/ws: {expect}"), check.to_string()],
            "insecure={insecure} trust={trust}: {}",
            r.stderr
        );
    }
}

/// `compression: 'deflate'` is accepted (as in k6) and the connection is made without it
/// (tungstenite has no permessage-deflate); rk6 says so once per run.
#[test]
fn compression_is_accepted_and_reported_once() {
    let script = r#"
import ws from 'k6/ws';
import { WebSocket } from 'k6/experimental/websockets';
import { check } from 'k6';
export const options = { iterations: 2 };
export default function () {
  const base = __ENV.BASE_URL.replace('http', 'ws');
  const res = ws.connect(`${base}/ws/messages/1`, { compression: 'deflate' }, () => {});
  check(res, { 'k6/ws opened': (r) => r.status === 101 });
  const w = new WebSocket(`${base}/ws/headers`, null, { compression: 'deflate' });
  w.onmessage = (e) => {
    check(JSON.parse(e.data).headers, { 'no extension offered': (h) => h['Sec-Websocket-Extensions'] === undefined });
    w.close();
  };
}
"#;
    let (ws, r) = run_on_target(script);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stderr
            .matches("does not compress WebSocket messages")
            .count(),
        1,
        "{}",
        r.stderr
    );
    let pts = points(&ws.path("out.json"));
    let checks = check_values(&pts);
    assert_eq!(checks, vec![1.0; 4]);
}

/// A `message` listener that throws: k6 closes the socket, runs the error listeners (with
/// Go's text of the exception) and the close listeners, and fails the iteration, which still
/// counts; the VU goes on with its next iteration.
#[test]
fn a_throwing_listener_closes_its_socket_and_fails_the_iteration() {
    let script = r#"
import { WebSocket } from 'k6/experimental/websockets';
import { check } from 'k6';
export const options = { iterations: 2 };
export default function () {
  const w = new WebSocket(`${__ENV.BASE_URL.replace('http', 'ws')}/ws/echo`);
  const seen = [];
  w.onopen = () => w.send('x');
  w.onmessage = () => { throw new Error('listener failed'); };
  w.onerror = (e) => seen.push(e.error);
  w.onclose = () => check(seen, {
    'error then close': (s) => s.length === 1 && s[0].startsWith('Error: listener failed at file://'),
    closed: () => w.readyState === 3,
  });
}
"#;
    let (ws, r) = run_on_target(script);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stderr.matches("Error: listener failed").count(),
        2,
        "{}",
        r.stderr
    );
    let pts = points(&ws.path("out.json"));
    assert_eq!(counts_by_metric(&pts).get("iterations"), Some(&2));
    let checks = check_values(&pts);
    assert_eq!(checks, vec![1.0; 4]);
}

/// A VU holding a socket collects its garbage while the iteration goes on: events count
/// toward its budget (src/js/gc.rs) and the event loop collects when it is about to wait. A
/// dead event is gone after ~150 KB of messages, where Boa alone (1 MB of its own allocations,
/// not counting strings) kept every VU's events until the iteration ended (~0.4 MB per VU
/// more than `k6/ws` with 200 VUs × 30 s; docs/websockets.md#performance).
#[test]
fn a_held_socket_collects_its_dead_events() {
    let script = r#"
import { WebSocket } from 'k6/experimental/websockets';
import { check } from 'k6';
export const options = { iterations: 1 };
export default function () {
  const w = new WebSocket(`${__ENV.BASE_URL.replace('http', 'ws')}/ws/echo`);
  const big = 'x'.repeat(48 * 1024);
  let first;
  let n = 0;
  w.onopen = () => w.send(big);
  w.onmessage = (e) => {
    n++;
    if (n === 1) first = new WeakRef(e);
    if (n < 5) {
      w.send(big);
      return;
    }
    setTimeout(() => {
      check(first, { 'dead event collected': (r) => r.deref() === undefined });
      w.close();
    }, 50);
  };
}
"#;
    let (ws, r) = run_on_target(script);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(check_values(&points(&ws.path("out.json"))), vec![1.0]);
}

/// Neither module works in the init context. k6 v1.1.0 throws "using websockets in the init
/// context is not supported" from ws.connect (exit 107) and crashes with a nil pointer on
/// `new WebSocket`; rk6 gives both the same error.
#[test]
fn the_init_context_refuses_websockets() {
    for script in [
        "import ws from 'k6/ws';\nws.connect('ws://127.0.0.1:1/', () => {});\nexport default function () {}\n",
        "import { WebSocket } from 'k6/experimental/websockets';\nnew WebSocket('ws://127.0.0.1:1/');\nexport default function () {}\n",
    ] {
        let ws = Workspace::new();
        let r = run_script(&ws, script, &[], &[]);
        assert_eq!(r.code, 107, "{}", r.stderr);
        assert!(
            r.stderr
                .contains("using websockets in the init context is not supported"),
            "{}",
            r.stderr
        );
    }
}

/// `k6/websockets` is k6 v2's name for the module; k6 v1.1.0 answers "unknown module:
/// k6/websockets". rk6 takes both names.
#[test]
fn k6_websockets_is_the_same_module() {
    let script = r#"
import { WebSocket, Blob } from 'k6/websockets';
import * as experimental from 'k6/experimental/websockets';
import { check } from 'k6';
export default function () {
  check(null, { 'same exports': () => Object.keys(experimental).filter((k) => k !== 'default').sort().join() === 'Blob,WebSocket' });
  const w = new WebSocket(`${__ENV.BASE_URL.replace('http', 'ws')}/ws/echo`);
  w.onopen = () => w.send(new Blob(['made here']));
  w.onmessage = (e) => e.data.text().then((t) => {
    check(t, { 'a Blob made by the script is sent (k6 v1.1.0 refuses it)': (x) => x === 'made here' });
    w.close();
  });
}
"#;
    let (ws, r) = run_on_target(script);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let pts = points(&ws.path("out.json"));
    let checks = check_values(&pts);
    assert_eq!(checks, vec![1.0, 1.0], "{}", r.stderr);
}

/// Both modules through the environment's proxy: gorilla's Dialer, as k6 configures it, asks
/// `http.ProxyFromEnvironment` (ws as http, so `HTTP_PROXY`) and tunnels with CONNECT; a proxy
/// refusing the credentials fails the connection with its status text (k6/ws: status 0 and the
/// error, no exception). The host name never resolves: only the proxy knows the way. The same
/// script gives the same lines on k6 v1.1.0 (checked here when k6 is installed).
#[test]
fn websockets_go_through_the_environments_proxy() {
    let script = r#"
import ws from 'k6/ws';
import { WebSocket } from 'k6/experimental/websockets';
export default function () {
  let got = '';
  const res = ws.connect('ws://chat.test/ws/echo', {}, (s) => {
    s.on('open', () => s.send('via proxy'));
    s.on('message', (m) => { got = m; s.close(); });
  });
  console.log(`k6/ws: ${got}|${res.status}|${res.error}`);
  const w = new WebSocket('ws://chat.test/ws/echo');
  w.onopen = () => w.send('api via proxy');
  w.onmessage = (e) => { console.log(`api: ${e.data}`); w.close(); };
  w.onerror = (e) => console.log(`api error: ${e.error}`);
}
"#;
    let t = target();
    let proxy = module_support::proxy(t.local_addr(), Some("Basic dXNlcjpwdw=="));
    let ws = Workspace::new();
    let path = ws.write("script.js", script).display().to_string();
    let args = [
        "run",
        "-q",
        "--address=",
        "--no-summary",
        "--log-format=raw",
        &path,
    ];
    let lines = |tool: Option<&std::path::Path>, credentials: &str| {
        let url = format!("http://{credentials}@{}", proxy.addr);
        let envs = [("HTTP_PROXY", url.as_str())];
        let (code, stderr) = match tool {
            None => {
                let r = rk6(ws.dir.path(), &args, &envs);
                (r.code, r.stderr)
            }
            Some(k6) => {
                let out = Command::new(k6)
                    .args(args)
                    .envs(envs)
                    .current_dir(ws.dir.path())
                    .output()
                    .expect("k6 runs");
                let stderr = String::from_utf8_lossy(&out.stderr).to_string();
                (out.status.code().unwrap_or(-1), stderr)
            }
        };
        assert_eq!(code, 0, "{tool:?}: {stderr}");
        stderr.lines().map(str::to_string).collect::<Vec<_>>()
    };
    for tool in [None, module_support::real_k6()] {
        assert_eq!(
            lines(tool.as_deref(), "user:pw"),
            ["k6/ws: via proxy|101|", "api: api via proxy"],
            "{tool:?}"
        );
        assert_eq!(
            lines(tool.as_deref(), "user:wrong"),
            [
                "k6/ws: |0|Proxy Authentication Required",
                "api error: Proxy Authentication Required"
            ],
            "{tool:?}"
        );
    }
    let tunnels = proxy.requests();
    assert!(
        !tunnels.is_empty() && tunnels.iter().all(|t| t == "CONNECT chat.test:80"),
        "{tunnels:?}"
    );
}
