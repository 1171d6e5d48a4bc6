//! How rk6 holds up against a hostile user, beside k6 v1.1.0: exit codes and messages for bad
//! input, signals, outputs that hang, servers that misbehave, and the process limits rk6 sets
//! for itself. Each expectation was confirmed on k6 v1.1.0 with the same input (the comments
//! say what k6 did); the REST API's cases are in `tests/rest_api.rs`.

mod common;

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;

const OK_SCRIPT: &str = "export default function () {}\n";

/// Runs `rk6 run <args>` in a workspace holding `ok.js`, `scen.js` (one scenario),
/// `arr.json` (`[1,2,3]`) and `null.json`, and returns the exit code and stderr.
fn run_with(args: &[&str]) -> RunResult {
    let ws = Workspace::new();
    ws.write("ok.js", OK_SCRIPT);
    ws.write(
        "scen.js",
        "export const options = { scenarios: { a: { executor: 'shared-iterations' } } };\nexport default function () {}\n",
    );
    ws.write("arr.json", "[1,2,3]");
    ws.write("null.json", "null");
    std::fs::create_dir(ws.path("adir")).expect("mkdir");
    let mut all = vec!["run", "-q"];
    all.extend_from_slice(args);
    rk6(ws.dir.path(), &all, &[])
}

/// Every case was run on k6 v1.1.0 (`k6 run -q <args>`): its exit code, and the message it
/// logged (rk6 logs the same words unless a comment says otherwise).
#[test]
fn bad_input_exits_as_k6() {
    let cases: &[(&[&str], i32, &str)] = &[
        // Flag values k6's flag parser refuses: 255.
        (
            &["-d", "abc", "ok.js"],
            255,
            r#"invalid argument \"abc\" for \"-d, --duration\" flag: time: invalid duration \"abc\""#,
        ),
        (
            &["-d", "5", "ok.js"],
            255,
            r#"time: missing unit in duration \"5\""#,
        ),
        (
            &["--vus", "abc", "ok.js"],
            255,
            r#"invalid argument \"abc\" for \"-u, --vus\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax"#,
        ),
        (
            &["-i", "x", "ok.js"],
            255,
            r#"for \"-i, --iterations\" flag: strconv.ParseInt: parsing \"x\": invalid syntax"#,
        ),
        (
            &["--tag", "X", "ok.js"],
            255,
            "error parsing tag 'X': invalid tag, empty value",
        ),
        (
            &["--tag", "=v", "ok.js"],
            255,
            "error parsing tag '=v': invalid tag, empty name",
        ),
        (
            &["-e", "1X=2", "ok.js"],
            255,
            "invalid environment variable name '1X'",
        ),
        (
            &["-s", "1s:x", "ok.js"],
            255,
            r#"error for stage 0: strconv.ParseInt: parsing \"x\": invalid syntax"#,
        ),
        (
            &["-s", "abc:1", "ok.js"],
            255,
            r#"error for stage 0: time: invalid duration \"abc\""#,
        ),
        (
            &["-s", ":1", "ok.js"],
            255,
            "stage 0 doesn't have a specified duration",
        ),
        // Outputs that cannot be created or started: 255.
        (
            &["--out", "nope", "ok.js"],
            255,
            "invalid output type 'nope', available types are:",
        ),
        (
            &["--out", "json=/nonexistent/dir/x.json", "ok.js"],
            255,
            "open /nonexistent/dir/x.json: no such file or directory",
        ),
        (
            &["--out", "csv=/nonexistent/x.csv", "ok.js"],
            255,
            "could not create the 'csv' output: open /nonexistent/x.csv: no such file or directory",
        ),
        // k6: `could not create the 'influxdb' output: parse "http://[::1": missing ']' in
        // host`; rk6 names the URL problem in the url crate's words.
        (
            &["--out", "influxdb=http://[::1", "ok.js"],
            255,
            "could not create the 'influxdb' output: ",
        ),
        // A script that cannot be read: 255 (nothing ran, so not 107).
        (
            &["missing.js"],
            255,
            r#"The moduleSpecifier \"missing.js\" couldn't be found on local disk. Make sure that you've specified the right path to the file. If you're running k6 using the Docker image"#,
        ),
        (&["adir"], 255, "read adir: is a directory"),
        // Values that parse but make an invalid configuration: 104.
        (
            &["--vus", "-5", "-d", "1s", "ok.js"],
            104,
            r"scenario default has configuration errors: the number of VUs must be more than 0",
        ),
        (
            &["-i", "-1", "ok.js"],
            104,
            "the number of iterations (-1) can't be less than the number of VUs (1)",
        ),
        (
            &["-d", "-1s", "ok.js"],
            104,
            "`duration` option should be more than 0, for infinite duration use the externally-controlled executor",
        ),
        (
            &["-s", "1s", "ok.js"],
            104,
            r"There were problems with the specified script configuration:\n\t- scenario default has configuration errors: stage 1 doesn't have a target",
        ),
        (
            &["-s", "1s:-1", "ok.js"],
            104,
            "the target for stage 1 can't be negative",
        ),
        (
            &["-c", "arr.json", "ok.js"],
            104,
            r#"failed to load the configuration file from the local file system: couldn't parse the configuration from \"arr.json\": json: cannot unmarshal array into Go value of type cmd.Config"#,
        ),
        (
            &["-c", "nofile.json", "ok.js"],
            104,
            "failed to load the configuration file from the local file system: stat nofile.json: no such file or directory",
        ),
        (
            &["-c", "adir", "ok.js"],
            104,
            r#"couldn't load the configuration from \"adir\": read adir: is a directory"#,
        ),
        // Accepted by k6: `vus` alone is ignored with a warning; a null config is empty.
        (
            &["--vus", "-5", "ok.js"],
            0,
            "`vus=-5` option will be ignored, it only works in conjunction with `iterations`, `duration`, or `stages`",
        ),
        (&["-c", "null.json", "ok.js"], 0, ""),
        // A higher layer's execution options replace the script's scenarios, with a warning.
        (
            &["-i", "2", "scen.js"],
            0,
            r#"msg="\"cli\" level configuration overrode scenarios configuration entirely""#,
        ),
        (&["--tag", "a=b=c", "-e", "X", "ok.js"], 0, ""),
    ];
    let mut failures = Vec::new();
    for (args, code, message) in cases {
        let r = run_with(args);
        if r.code != *code || !r.stderr.contains(message) {
            failures.push(format!(
                "{args:?}: exit {} (want {code}), stderr: {}",
                r.code, r.stderr
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `rk6 run` in the background, its output collected as it comes, so a test can wait for a
/// line, send a signal, and read the peak RSS at the exit.
struct Background {
    child: Child,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    readers: Vec<std::thread::JoinHandle<()>>,
    reaped: bool,
    _ws: Workspace,
}

struct Finished {
    code: i32,
    stdout: String,
    stderr: String,
    /// Peak resident set size, in KiB.
    max_rss_kib: i64,
}

fn collect(
    from: impl Read + Send + 'static,
    into: Arc<Mutex<String>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut reader = std::io::BufReader::new(from);
        let mut line = String::new();
        while matches!(std::io::BufRead::read_line(&mut reader, &mut line), Ok(n) if n > 0) {
            into.lock().expect("output lock").push_str(&line);
            line.clear();
        }
    })
}

impl Background {
    /// `rk6 run -q --address= <args>` in `ws`.
    fn start(ws: Workspace, args: &[&str], envs: &[(&str, &str)]) -> Background {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rk6"));
        cmd.current_dir(ws.dir.path())
            .args(["run", "-q", "--address="])
            .args(args)
            .envs(envs.iter().copied());
        Background::spawn(cmd, ws)
    }

    fn spawn(mut cmd: Command, ws: Workspace) -> Background {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("rk6 starts");
        let (stdout, stderr) = (Arc::default(), Arc::default());
        let readers = vec![
            collect(child.stdout.take().expect("stdout"), Arc::clone(&stdout)),
            collect(child.stderr.take().expect("stderr"), Arc::clone(&stderr)),
        ];
        Background {
            child,
            stdout,
            stderr,
            readers,
            reaped: false,
            _ws: ws,
        }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().expect("stderr lock").clone()
    }

    /// Waits (at most 60 s) until stderr contains `text`.
    fn wait_for(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.stderr().contains(text) {
            assert!(
                Instant::now() < deadline,
                "no {text:?} after 60 s: {}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on the pid of a child this test started and has not reaped.
        let r = unsafe { libc::kill(self.child.id() as i32, sig) };
        assert_eq!(r, 0, "kill failed");
    }

    /// Waits for the exit, at most `limit` (then kills rk6 and fails the test).
    fn finish(mut self, limit: Duration) -> Finished {
        let deadline = Instant::now() + limit;
        let pid = self.child.id() as i32;
        let mut status = 0;
        // SAFETY: a zeroed rusage is a valid value for wait4 to overwrite.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        loop {
            // SAFETY: wait4 on our own child, writing into the two locals.
            let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
            if r == pid {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "rk6 still running after {limit:?}: {}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        self.reaped = true;
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
        let code = if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            -1
        };
        Finished {
            code,
            stdout: self.stdout.lock().expect("stdout lock").clone(),
            stderr: self.stderr(),
            max_rss_kib: usage.ru_maxrss,
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if !self.reaped {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn workspace_with(name: &str, script: &str) -> Workspace {
    let ws = Workspace::new();
    ws.write(name, script);
    ws
}

/// The first SIGINT/SIGTERM stops the test gracefully: k6 v1.1.0 ran teardown, printed the
/// summary, exited 105 and logged (error level) "test run was aborted because k6 received a
/// 'interrupt' signal" ('terminated' for SIGTERM).
#[test]
fn first_signal_stops_the_test_gracefully() {
    let script = r#"
import { sleep } from 'k6';
export const options = { vus: 1, duration: '60s' };
export default function () { console.log('iteration'); sleep(0.2); }
export function teardown() { console.log('teardown ran'); }
"#;
    for (sig, name) in [(libc::SIGINT, "interrupt"), (libc::SIGTERM, "terminated")] {
        let run = Background::start(workspace_with("s.js", script), &["s.js"], &[]);
        run.wait_for("iteration");
        run.signal(sig);
        let f = run.finish(Duration::from_secs(60));
        assert_eq!(f.code, 105, "{name}: {}", f.stderr);
        assert!(f.stderr.contains("teardown ran"), "{}", f.stderr);
        assert!(
            f.stderr.contains(&format!(
                "level=error msg=\"test run was aborted because k6 received a '{name}' signal\""
            )),
            "{}",
            f.stderr
        );
        assert!(
            f.stdout.contains("TOTAL RESULTS"),
            "no summary: {}",
            f.stdout
        );
    }
}

/// A second signal exits at once: k6 v1.1.0, interrupted again during a teardown that
/// would run for two minutes, logged `level=error msg="Aborting k6 in response to signal"
/// sig=interrupt` and exited 105 without finishing the teardown or printing a summary.
#[test]
fn second_signal_exits_at_once() {
    let script = r#"
import { sleep } from 'k6';
export const options = { vus: 1, duration: '60s' };
export default function () { console.log('iteration'); sleep(0.2); }
export function teardown() {
  console.log('teardown started');
  const t = Date.now();
  while (Date.now() - t < 120000) {}
  console.log('teardown finished');
}
"#;
    for (sig, name) in [(libc::SIGINT, "interrupt"), (libc::SIGTERM, "terminated")] {
        let run = Background::start(workspace_with("s.js", script), &["s.js"], &[]);
        run.wait_for("iteration");
        run.signal(sig);
        run.wait_for("teardown started");
        run.signal(sig);
        let f = run.finish(Duration::from_secs(60));
        assert_eq!(f.code, 105, "{name}: {}", f.stderr);
        assert!(
            f.stderr.contains(&format!(
                "level=error msg=\"Aborting k6 in response to signal\" sig={name}"
            )),
            "{}",
            f.stderr
        );
        assert!(!f.stderr.contains("teardown finished"), "{}", f.stderr);
        assert!(f.stdout.is_empty(), "a summary: {}", f.stdout);
    }
}

/// A TCP server that accepts connections and never answers (an endpoint that hangs).
fn hanging_server() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        let mut open = Vec::new();
        for stream in listener.incoming().flatten() {
            open.push(stream);
        }
    });
    addr
}

/// An output's `stopTimeout` bounds the whole flush, from the end of the test: with an
/// endpoint that never answers, a write timeout of an hour and a full queue that blocks for
/// an hour, rk6 still ends about `stopTimeout` after the test and counts what it could not
/// write. (rk6's own setting: k6's InfluxDB output has no stop timeout.)
#[test]
fn output_stop_timeout_is_a_hard_deadline() {
    let addr = hanging_server();
    let script =
        "export const options = { vus: 1, duration: '2s' };\nexport default function () {}\n";
    let out = format!("--out=influxdb=http://{addr}/db");
    let run = Background::start(
        workspace_with("s.js", script),
        &[out.as_str(), "s.js"],
        &[
            ("K6_INFLUXDB_WRITE_TIMEOUT", "1h"),
            ("K6_INFLUXDB_STOP_TIMEOUT", "2s"),
            ("K6_INFLUXDB_QUEUE_CAPACITY", "100"),
            ("K6_INFLUXDB_MAX_BATCH", "10"),
            ("K6_INFLUXDB_QUEUE_FULL_POLICY", "block:1h"),
        ],
    );
    let f = run.finish(Duration::from_secs(90));
    assert_eq!(f.code, 0, "{}", f.stderr);
    assert!(f.stderr.contains("output influxdb: "), "{}", f.stderr);
    assert!(
        f.stderr
            .contains("not written before the shutdown deadline")
            || f.stderr
                .contains("still queued for the output at the stop deadline"),
        "{}",
        f.stderr
    );
}

/// An output's start-up check does not hold the test back on an endpoint that accepts
/// connections and never answers: the Timestream table check gives up after 5 s (not the 30 s
/// write timeout, which made this case take 38 s), says so, and the test runs; the flush
/// then ends by the stop timeout and the accounting line counts every sample as dropped.
/// (The Timestream output is an extension's in k6: this is rk6's own behaviour.)
#[test]
fn output_start_up_check_does_not_wait_for_a_hanging_endpoint() {
    let addr = hanging_server();
    let script =
        "export const options = { vus: 1, duration: '3s' };\nexport default function () {}\n";
    let endpoint = format!("http://{addr}");
    let run = Background::start(
        workspace_with("s.js", script),
        &["--out=timestream=rk6db.tbl", "s.js"],
        &[
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("K6_TIMESTREAM_REGION", "us-east-1"),
            ("K6_TIMESTREAM_ENDPOINT", endpoint.as_str()),
            ("K6_TIMESTREAM_STOP_TIMEOUT", "5s"),
            ("K6_TIMESTREAM_WRITE_TIMEOUT", "30s"),
        ],
    );
    // 5 s check + 3 s test + 5 s stop timeout, and a margin for a loaded machine; well below
    // the 30 s the write timeout alone would have held the start back.
    let f = run.finish(Duration::from_secs(30));
    assert_eq!(f.code, 0, "{}", f.stderr);
    assert!(
        f.stderr.contains("got no answer within 5s at start-up"),
        "{}",
        f.stderr
    );
    let accounting = f
        .stderr
        .lines()
        .find(|l| l.contains("output timestream: "))
        .unwrap_or_else(|| panic!("no accounting line: {}", f.stderr));
    let counts: Vec<u64> = accounting
        .split_once("output timestream: ")
        .and_then(|(_, rest)| rest.split_once(" dropped"))
        .map_or("", |(counts, _)| counts)
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    let [produced, written, rejected, dropped] = counts[..] else {
        panic!("{accounting}");
    };
    assert!(produced > 0, "{accounting}");
    assert_eq!(
        (written, rejected, dropped),
        (0, 0, produced),
        "{accounting}"
    );
}

/// Failed writes are logged while the test runs, as k6 v1.1.0 does (`level=error
/// msg="Couldn't write stats" error=... output=InfluxDBv1`, once per failed flush), but at
/// most once every 5 s per output, with the number of failures not shown since.
#[test]
fn output_write_errors_are_logged_during_the_test() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a port");
    let script = r#"
import { sleep } from 'k6';
export const options = { vus: 1, duration: '7s' };
export default function () { console.log('tick'); sleep(1); }
"#;
    let out = format!("--out=influxdb=http://{closed}/db");
    let run = Background::start(
        workspace_with("s.js", script),
        &[out.as_str(), "s.js"],
        &[
            ("K6_INFLUXDB_PUSH_INTERVAL", "200ms"),
            ("K6_INFLUXDB_MAX_ATTEMPTS", "1"),
        ],
    );
    let f = run.finish(Duration::from_secs(60));
    assert_eq!(f.code, 0, "{}", f.stderr);
    let first_error = f
        .stderr
        .find("msg=\"Couldn't write stats\"")
        .expect("an error line");
    let last_tick = f.stderr.rfind("msg=tick").expect("ticks");
    assert!(
        first_error < last_tick,
        "logged only at the end: {}",
        f.stderr
    );
    let lines = f.stderr.matches("msg=\"Couldn't write stats\"").count();
    assert!(lines <= 3, "{lines} lines: {}", f.stderr);
    assert!(f.stderr.contains("failures_not_shown="), "{}", f.stderr);
    assert!(f.stderr.contains("output=influxdb"), "{}", f.stderr);
}

/// Go's transport (k6's) sends a request again on a new connection when the server closed
/// a kept-alive connection just as it was reused (`/keepalive-close` answers, then closes the
/// connection under the next request): any request of which nothing was written, and a
/// replayable one (GET, HEAD, OPTIONS, TRACE, or one with an Idempotency-Key header) of
/// which nothing was answered. Others fail with EOF (1000). k6 v1.1.0 gave exactly these
/// results with the same script, and counted each retried request once in http_reqs.
#[test]
fn requests_on_a_connection_closed_by_the_server_are_retried_as_in_go() {
    let target = target();
    let script = r#"
import http from 'k6/http';
export const options = { iterations: 1 };
export default function () {
  const B = __ENV.B;
  const cases = [
    ['GET', null, {}], ['HEAD', null, {}], ['OPTIONS', null, {}],
    ['POST idempotent', 'x', { headers: { 'Idempotency-Key': 'k1' } }],
    ['POST', 'x', {}], ['PUT', 'x', {}], ['DELETE', null, {}],
  ];
  const out = {};
  for (const [name, body, params] of cases) {
    http.get(`${B}/keepalive-close`);
    const r = http.request(name.split(' ')[0], `${B}/anything`, body, params);
    out[name] = `${r.status} ${r.error_code} ${r.error}`;
  }
  console.log(`RESULTS ${JSON.stringify(out)}`);
}
"#;
    let ws = Workspace::new();
    let r = run_script(
        &ws,
        script,
        &["-e", &format!("B={}", base_url(&target))],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let line = r
        .stderr
        .lines()
        .find(|l| l.contains("RESULTS"))
        .expect("results");
    let json = line
        .split_once("RESULTS ")
        .map(|(_, j)| {
            j.trim_end_matches("\" source=console")
                .replace("\\\"", "\"")
        })
        .expect("json");
    let got: serde_json::Value = serde_json::from_str(&json).expect("results are JSON");
    let eof = "0 1000 EOF";
    assert_eq!(
        got,
        serde_json::json!({
            "GET": "200 0 ", "HEAD": "200 0 ", "OPTIONS": "200 0 ", "POST idempotent": "200 0 ",
            "POST": eof, "PUT": eof, "DELETE": eof,
        })
    );
    let reqs = counts_by_metric(&points(&ws.path("out.json")))["http_reqs"];
    assert_eq!(
        reqs, 14,
        "one http_reqs point per request, retries not counted"
    );
}

/// What the HTTP/2 test server does wrong.
#[derive(Clone, Copy)]
enum H2Fault {
    /// GOAWAY (NO_ERROR, last stream 0) on the first connection, under its first request.
    GoAwayFirstConnection,
    /// GOAWAY (INTERNAL_ERROR, last stream 0) on every connection, under its first request.
    GoAwayWithErrorAlways,
    /// RST_STREAM(REFUSED_STREAM) on the first stream of the first connection.
    RefuseFirstStream,
}

/// An HTTP/2 server over TLS (h2 crate) answering 200 but for `fault`; returns its port and
/// the (connection, stream id) of every request it saw, stream 0 for a connection's start.
/// The (connection, stream id) of every request the HTTP/2 server saw.
type SeenStreams = Arc<Mutex<Vec<(usize, u32)>>>;

fn h2_server(fault: H2Fault) -> (u16, SeenStreams) {
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).expect("cert");
    let key = rustls_pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
    let mut tls = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocols")
    .with_no_client_auth()
    .with_single_cert(vec![cert.cert.der().clone()], key)
    .expect("TLS config");
    tls.alpn_protocols = vec![b"h2".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("address").port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            for n in 1.. {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let (acceptor, log) = (acceptor.clone(), log.clone());
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let Ok(mut conn) = h2::server::handshake(tls).await else {
                        return;
                    };
                    log.lock().expect("log").push((n, 0));
                    if !matches!(fault, H2Fault::RefuseFirstStream) {
                        // Let the request arrive (unread) first, as in the k6 run: the GOAWAY
                        // then names stream 0 as the last one processed, below the request's.
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                    match fault {
                        H2Fault::GoAwayFirstConnection if n == 1 => {
                            conn.abrupt_shutdown(h2::Reason::NO_ERROR)
                        }
                        H2Fault::GoAwayWithErrorAlways => {
                            conn.abrupt_shutdown(h2::Reason::INTERNAL_ERROR)
                        }
                        _ => {}
                    }
                    while let Some(Ok((_req, mut respond))) = conn.accept().await {
                        let stream = respond.stream_id().as_u32();
                        log.lock().expect("log").push((n, stream));
                        if matches!(fault, H2Fault::RefuseFirstStream) && n == 1 && stream == 1 {
                            respond.send_reset(h2::Reason::REFUSED_STREAM);
                        } else {
                            let ok = http::Response::builder()
                                .status(200)
                                .body(())
                                .expect("response");
                            let _ = respond.send_response(ok, true);
                        }
                    }
                });
            }
        });
    });
    (port, seen)
}

/// Go's HTTP/2 transport (k6's) sends a request again when the server did not act on it: a
/// GOAWAY whose last stream id is below the request's sends it on a new connection, a refused
/// stream (REFUSED_STREAM) on the same connection; a POST as well as a GET. A GOAWAY with an
/// error code on a connection's first request is not retried. k6 v1.1.0 against a server
/// doing each of these (raw frames, same order of events) gave the same statuses and the same
/// (connection, stream) pairs on the server; its error for the last case was 1000 "http2:
/// Transport received GOAWAY from server ErrCode:INTERNAL_ERROR", rk6's is its own HTTP/2 code.
#[test]
fn http2_requests_the_server_did_not_process_are_retried_as_in_go() {
    let script = r#"
import http from 'k6/http';
export const options = { iterations: 1, insecureSkipTLSVerify: true };
export default function () {
  const u = `https://127.0.0.1:${__ENV.P}/`;
  const a = http.get(u);
  const b = http.post(u, 'x');
  console.log(`RESULT ${a.status} ${a.proto} ${a.error_code} ${b.status} ${b.proto} ${b.error_code}`);
}
"#;
    let run = |fault| {
        let (port, seen) = h2_server(fault);
        let ws = Workspace::new();
        let r = run_script(&ws, script, &["-e", &format!("P={port}")], &[]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let result = console_messages(&r.stderr)
            .into_iter()
            .find_map(|m| m.strip_prefix("RESULT ").map(str::to_string))
            .unwrap_or_else(|| panic!("no result: {}", r.stderr));
        let reqs = counts_by_metric(&points(&ws.path("out.json")))["http_reqs"];
        assert_eq!(
            reqs, 2,
            "one http_reqs point per request, retries not counted"
        );
        let seen = seen.lock().expect("log").clone();
        (result, seen)
    };
    let (result, seen) = run(H2Fault::GoAwayFirstConnection);
    assert_eq!(result, "200 HTTP/2.0 0 200 HTTP/2.0 0");
    assert_eq!(seen, [(1, 0), (2, 0), (2, 1), (2, 3)]);
    let (result, seen) = run(H2Fault::RefuseFirstStream);
    assert_eq!(result, "200 HTTP/2.0 0 200 HTTP/2.0 0");
    assert_eq!(seen, [(1, 0), (1, 1), (1, 3), (1, 5)]);
    let (result, seen) = run(H2Fault::GoAwayWithErrorAlways);
    assert_eq!(result, "0  1613 0  1613");
    assert_eq!(seen, [(1, 0), (2, 0)]);
}

/// Response heads as large as Go's transport reads: k6 v1.1.0 accepted 1000 (and 100 000)
/// header lines and a 500 KiB header block; past Go's 10 MiB it failed the request with
/// "net/http: server response headers exceeded 10485760 bytes; aborted" (1000), its
/// "Request Failed" warning saying "HTTP/1.x transport connection broken: " before that.
/// 24 000 header lines (the most the `http` crate's header map holds) all reach the script.
#[test]
fn large_response_heads_are_read_up_to_gos_limit() {
    let target = target();
    let script = r#"
import http from 'k6/http';
export const options = { iterations: 1 };
export default function () {
  const B = __ENV.B;
  const out = {};
  for (const path of ['/many-headers/1000', '/big-headers/500', '/big-headers/10300']) {
    const r = http.get(`${B}${path}`);
    out[path] = `${r.status} ${r.error_code} ${r.error} ${Object.keys(r.headers).length > 1000}`;
  }
  out.listed = `${Object.keys(http.get(`${B}/many-headers/24000`).headers).length}`;
  console.log(`RESULTS ${JSON.stringify(out)}`);
}
"#;
    let ws = Workspace::new();
    let r = run_script(
        &ws,
        script,
        &["-e", &format!("B={}", base_url(&target))],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let line = r
        .stderr
        .lines()
        .find(|l| l.contains("RESULTS"))
        .expect("results");
    assert!(
        line.contains(r#"\"/many-headers/1000\":\"200 0  true\""#),
        "{line}"
    );
    assert!(
        line.contains(r#"\"/big-headers/500\":\"200 0  false\""#),
        "{line}"
    );
    assert!(
        line.contains(r#"\"/big-headers/10300\":\"0 1000 net/http: server response headers exceeded 10485760 bytes; aborted false\""#),
        "{line}"
    );
    assert!(line.contains(r#"\"listed\":\"24004\""#), "{line}");
    assert!(
        r.stderr.contains(r#"/big-headers/10300\": net/http: HTTP/1.x transport connection broken: net/http: server response headers exceeded 10485760 bytes; aborted""#),
        "{}",
        r.stderr
    );
}

/// `discardResponseBodies`: the body is read and dropped as it arrives. A 200 MB download
/// peaked at 38 MB RSS in k6 v1.1.0 (768 MB without discarding); rk6 must not hold it
/// either (it peaked at 285 MB when it buffered bodies it then discarded).
#[test]
fn discarded_bodies_are_not_buffered() {
    let target = target();
    let script = r#"
import http from 'k6/http';
export const options = { discardResponseBodies: true, iterations: 1 };
export default function () {
  const r = http.get(`${__ENV.B}/big-body/209715200`, { timeout: '120s' });
  console.log(`RESULT ${r.status} ${r.body === null}`);
}
"#;
    let b = format!("B={}", base_url(&target));
    let run = Background::start(
        workspace_with("s.js", script),
        &["-e", b.as_str(), "--summary-export=sum.json", "s.js"],
        &[],
    );
    let f = run.finish(Duration::from_secs(120));
    assert_eq!(f.code, 0, "{}", f.stderr);
    assert!(f.stderr.contains("RESULT 200 true"), "{}", f.stderr);
    assert!(
        f.max_rss_kib < 150 * 1024,
        "peak RSS {} KiB for a discarded 200 MB body",
        f.max_rss_kib
    );
}

/// The open-files soft limit is raised to the hard limit at start, as Go's runtime does for
/// k6 (started with 256 of 4096, k6 v1.1.0 ran with 4095 here; the hard limit is what rk6
/// and Go's runtime aim at).
#[test]
fn open_files_soft_limit_is_raised_at_start() {
    use std::os::unix::process::CommandExt as _;
    let script = r#"
import { sleep } from 'k6';
export default function () { console.log('ready'); sleep(2); }
"#;
    let ws = workspace_with("s.js", script);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rk6"));
    cmd.current_dir(ws.dir.path())
        .args(["run", "-q", "--address=", "s.js"]);
    // SAFETY: the closure only calls getrlimit/setrlimit, which are async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            let mut lim = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 {
                lim.rlim_cur = lim.rlim_max.min(256);
                libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
            }
            Ok(())
        });
    }
    let run = Background::spawn(cmd, ws);
    run.wait_for("ready");
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", run.child.id()))
        .expect("/proc/PID/limits");
    let f = run.finish(Duration::from_secs(60));
    assert_eq!(f.code, 0, "{}", f.stderr);
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .expect("the open files line");
    let numbers: Vec<&str> = line.split_whitespace().skip(3).take(2).collect();
    assert_eq!(numbers[0], numbers[1], "soft and hard limits: {line}");
}
