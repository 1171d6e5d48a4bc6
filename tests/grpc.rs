//! End-to-end runs of `k6/net/grpc` against the embedded target's gRPC services (plain text,
//! and TLS with a certificate made here): what the conformance corpus cannot compare with k6
//! on one plain-text target (TLS, protosets, import paths, interrupted streams, event
//! ordering), and the metrics' tags checked on rk6 alone. Behaviour stated as k6's was
//! confirmed on k6 v1.1.0 against the same target (see the comments).

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::*;
use rk6::target::BackgroundTarget;
use serde_json::Value;

/// The target's protos, from the repository.
const PROTOS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/target/protos");

fn address(t: &BackgroundTarget) -> String {
    t.local_addr().to_string()
}

/// The tag names of a metric's points.
fn tag_names(points: &[Value], metric: &str) -> BTreeSet<String> {
    points
        .iter()
        .filter(|p| p["metric"] == metric)
        .flat_map(|p| {
            p["data"]["tags"]
                .as_object()
                .map(|o| o.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        })
        .collect()
}

fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn unary_and_stream_samples_carry_k6_s_tags_and_count_the_traffic() {
    let t = target();
    let ws = Workspace::new();
    let script = format!(
        r#"
import grpc from 'k6/net/grpc';
export const options = {{ iterations: 1 }};
const client = new grpc.Client();
client.load(['{PROTOS}'], 'testing.proto');
function drain(method, send) {{
  return new Promise((resolve) => {{
    const s = new grpc.Stream(client, method);
    s.on('end', resolve);
    send(s);
  }});
}}
export default async function () {{
  client.connect(__ENV.ADDR, {{ plaintext: true }});
  client.invoke('rk6.Testing/Echo', {{ fString: 'x'.repeat(1000) }});
  await drain('rk6.Testing/Count', (s) => s.write({{ count: 3 }}));
  await drain('rk6.Testing/Sum', (s) => {{ s.write({{ value: 1 }}); s.write({{ value: 2 }}); s.end(); }});
  client.close();
}}
"#
    );
    let r = run_script(&ws, &script, &[], &[("ADDR", &address(&t))]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let pts = points(&ws.path("out.json"));
    let counts = counts_by_metric(&pts);
    assert_eq!(counts.get("grpc_req_duration"), Some(&3), "{counts:?}");
    assert_eq!(counts.get("grpc_streams"), Some(&2));
    assert_eq!(counts.get("grpc_streams_msgs_sent"), Some(&3));
    assert_eq!(counts.get("grpc_streams_msgs_received"), Some(&4));
    // k6's system tags: url, service, method, name, and status once the call ended.
    let call = names(&[
        "group", "method", "name", "scenario", "service", "status", "url",
    ]);
    assert_eq!(tag_names(&pts, "grpc_req_duration"), call);
    let open = names(&["group", "method", "name", "scenario", "service", "url"]);
    assert_eq!(tag_names(&pts, "grpc_streams"), open);
    assert_eq!(tag_names(&pts, "grpc_streams_msgs_sent"), open);
    // k6 counts the one response of a method without server streaming after the call ended,
    // so its sample has the status (confirmed on k6 v1.1.0); a server stream's do not.
    let received: Vec<&Value> = pts
        .iter()
        .filter(|p| p["metric"] == "grpc_streams_msgs_received")
        .collect();
    let with_status = received
        .iter()
        .filter(|p| p["data"]["tags"]["status"] == "0")
        .count();
    assert_eq!(with_status, 1, "{received:?}");
    assert!(
        received
            .iter()
            .filter(|p| p["data"]["tags"]["method"] == "Count")
            .all(|p| p["data"]["tags"].get("status").is_none())
    );
    let url = format!("{}/rk6.Testing/Echo", address(&t));
    assert!(
        pts.iter()
            .any(|p| p["metric"] == "grpc_req_duration" && p["data"]["tags"]["url"] == url.as_str())
    );
    // The 1000-byte request went out, and its echo came back, on the connection's bytes.
    assert!(
        sum_of(&pts, "data_sent") > 1000.0,
        "{}",
        sum_of(&pts, "data_sent")
    );
    assert!(sum_of(&pts, "data_received") > 1000.0);
}

#[test]
fn listeners_see_promise_jobs_run_between_stream_events() {
    // The script waits for the first echo before it writes the second message: the promise
    // its `data` listener resolves must settle while the stream is still open.
    let t = target();
    let ws = Workspace::new();
    let script = format!(
        r#"
import grpc from 'k6/net/grpc';
export const options = {{ iterations: 1 }};
const client = new grpc.Client();
client.load(['{PROTOS}'], 'testing.proto');
export default async function () {{
  client.connect(__ENV.ADDR, {{ plaintext: true }});
  const s = new grpc.Stream(client, 'rk6.Testing/Chat');
  let next = null;
  s.on('data', (m) => {{ if (next) {{ const r = next; next = null; r(m.fString); }} }});
  const ended = new Promise((resolve) => s.on('end', resolve));
  const first = new Promise((resolve) => {{ next = resolve; }});
  s.write({{ fString: 'one' }});
  console.log('got ' + (await first));
  const second = new Promise((resolve) => {{ next = resolve; }});
  s.write({{ fString: 'two' }});
  console.log('got ' + (await second));
  s.end();
  await ended;
  console.log('ended');
}}
"#
    );
    let r = run_script(&ws, &script, &[], &[("ADDR", &address(&t))]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(console_messages(&r.stderr), ["got one", "got two", "ended"]);
}

#[test]
fn a_stream_left_open_ends_with_the_scenario() {
    // A bidirectional stream the script never ends keeps its iteration going (as in k6) until
    // the scenario's graceful stop interrupts it; the run then finishes normally.
    let t = target();
    let ws = Workspace::new();
    let script = format!(
        r#"
import grpc from 'k6/net/grpc';
export const options = {{
  scenarios: {{ open: {{ executor: 'constant-vus', vus: 2, duration: '1s', gracefulStop: '1s' }} }},
}};
const client = new grpc.Client();
client.load(['{PROTOS}'], 'testing.proto');
export default function () {{
  client.connect(__ENV.ADDR, {{ plaintext: true }});
  const s = new grpc.Stream(client, 'rk6.Testing/Chat');
  s.write({{ fString: 'hello' }});
}}
"#
    );
    let start = Instant::now();
    let r = run_script(&ws, &script, &[], &[("ADDR", &address(&t))]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(start.elapsed() < Duration::from_secs(20), "the run hung");
    let pts = points(&ws.path("out.json"));
    let counts = counts_by_metric(&pts);
    assert_eq!(counts.get("grpc_streams"), Some(&2), "{counts:?}");
    assert_eq!(counts.get("grpc_streams_msgs_received"), Some(&2));
    // Interrupted iterations are not counted, and the unfinished calls have no duration.
    assert_eq!(counts.get("iterations"), None);
    assert_eq!(counts.get("grpc_req_duration"), None);
}

#[test]
fn protosets_import_paths_and_compile_errors() {
    let t = target();
    let ws = Workspace::new();
    ws.write(
        "defs/api/greeter.proto",
        "syntax = \"proto2\";\npackage api;\nimport \"types/hello.proto\";\n\
         service Greeter { rpc SayHello(hello.HelloRequest) returns (hello.HelloResponse); }\n",
    );
    let hello = std::fs::read_to_string(format!("{PROTOS}/hello.proto")).expect("hello.proto");
    ws.write("defs/types/hello.proto", &hello);
    ws.write(
        "bad.proto",
        "syntax = \"proto3\";\n\nmessage X {\n  int32 a = 1\n}\n",
    );
    // A protoset as `protoc --descriptor_set_out` makes it (protox writes the same format).
    let mut compiler = protox::Compiler::new([PROTOS]).expect("include path");
    compiler.include_imports(true);
    compiler
        .open_file("hello.proto")
        .expect("hello.proto compiles");
    std::fs::write(
        ws.path("hello.protoset"),
        compiler.encode_file_descriptor_set(),
    )
    .expect("write protoset");
    let script = r#"
import grpc from 'k6/net/grpc';
export const options = { iterations: 1 };
const fromSet = new grpc.Client();
const setMethods = fromSet.loadProtoset('hello.protoset');
const nested = new grpc.Client();
const nestedMethods = nested.load(['defs'], 'api/greeter.proto');
function threw(f) { try { f(); return 'no exception'; } catch (e) { return String(e); } }
console.log(setMethods.map((m) => m.full_method).join());
console.log(nestedMethods.map((m) => m.full_method).join());
console.log(threw(() => new grpc.Client().load([], 'bad.proto')));
console.log(threw(() => new grpc.Client().load(['defs'], 'missing.proto')));
console.log(threw(() => new grpc.Client().loadProtoset('bad.proto')));
export default function () {
  fromSet.connect(__ENV.ADDR, { plaintext: true });
  console.log(fromSet.invoke('hello.HelloService/SayHello', { greeting: 'set' }).message.reply);
  // The target has no api.Greeter: the call reaches it and comes back Unimplemented.
  nested.connect(__ENV.ADDR, { plaintext: true });
  console.log(String(nested.invoke('api.Greeter/SayHello', {}).status));
}
"#;
    let r = run_script(&ws, script, &[], &[("ADDR", &address(&t))]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines = console_messages(&r.stderr);
    // Init code runs once per VU and once more to read the options: compare the last run.
    let n = lines.len();
    assert!(n >= 7, "{lines:?}");
    let lines = &lines[n - 7..];
    assert_eq!(
        lines[0],
        "/hello.HelloService/SayHello,/hello.HelloService/LotsOfReplies,\
         /hello.HelloService/LotsOfGreetings,/hello.HelloService/BidiHello"
    );
    // As in k6 (confirmed on k6 v1.1.0), the services of imported files are loaded too, the
    // imports first.
    assert_eq!(
        lines[1],
        "/hello.HelloService/SayHello,/hello.HelloService/LotsOfReplies,\
         /hello.HelloService/LotsOfGreetings,/hello.HelloService/BidiHello,/api.Greeter/SayHello"
    );
    // k6 reports the same position, with its parser's wording: `bad.proto:5:1: syntax error:
    // expecting ';'` (confirmed on k6 v1.1.0).
    assert!(
        lines[2].starts_with("GoError: bad.proto:5:1: "),
        "a syntax error names file, line and column: {}",
        lines[2]
    );
    // k6's message for a file found in no import path (confirmed on k6 v1.1.0).
    assert_eq!(
        lines[3],
        format!(
            "GoError: stat {}: no such file or directory",
            ws.path("defs/missing.proto").display()
        )
    );
    assert!(
        lines[4].starts_with("GoError: couldn't unmarshal protoset file bad.proto: "),
        "{}",
        lines[4]
    );
    assert_eq!(lines[5], "hello set");
    assert_eq!(lines[6], "Unimplemented");
}

const TLS_SCRIPT: &str = r#"
import grpc from 'k6/net/grpc';
export const options = { iterations: 1 };
const client = new grpc.Client();
client.load([__ENV.PROTOS], 'hello.proto');
const ca = open(__ENV.CA);
function attempt(name, f) {
  try { console.log(name + ': ' + f()); } catch (e) { console.log(name + ': ' + String(e)); }
}
export default function () {
  attempt('no ca', () => client.connect(__ENV.ADDR, { timeout: '5s' }));
  attempt('ca list', () => {
    client.connect(__ENV.ADDR, { tls: { cacerts: [ca] } });
    return client.invoke('hello.HelloService/SayHello', { greeting: 'tls' }).message.reply;
  });
  attempt('ca string', () => {
    client.connect(__ENV.ADDR.replace('127.0.0.1', 'localhost'), { tls: { cacerts: ca } });
    return client.invoke('hello.HelloService/SayHello', {}).message.reply;
  });
  attempt('bad ca', () => client.connect(__ENV.ADDR, { tls: { cacerts: ['not a certificate'] } }));
  attempt('password', () => client.connect(__ENV.ADDR, { tls: { cert: ca, key: ca, password: 'x' } }));
  attempt('plain text', () => client.connect(__ENV.ADDR, { plaintext: true, timeout: '5s' }));
}
"#;

#[test]
fn tls_connections_trust_the_given_certificates() {
    let tls = tls_target();
    let ws = Workspace::new();
    let addr = address(&tls.target);
    let ca = tls.cert.display().to_string();
    let env = [
        ("ADDR", addr.as_str()),
        ("CA", ca.as_str()),
        ("PROTOS", PROTOS),
    ];
    let r = run_script(&ws, TLS_SCRIPT, &[], &env);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines = console_messages(&r.stderr);
    assert_eq!(lines.len(), 6, "{lines:?}");
    assert!(
        lines[0].starts_with(
            "no ca: GoError: connection error: desc = \"transport: authentication handshake failed: "
        ),
        "{}",
        lines[0]
    );
    assert_eq!(lines[1], "ca list: hello tls");
    assert_eq!(lines[2], "ca string: hello noname");
    // k6's messages (confirmed on k6 v1.1.0).
    assert_eq!(
        lines[3],
        "bad ca: GoError: failed to append ca certificate [0] from PEM"
    );
    assert!(
        lines[4].contains("encrypted private keys (tls.password) are not supported"),
        "{}",
        lines[4]
    );
    // grpc-go waits for the server's HTTP/2 preface; a TLS server sends none in plain text.
    assert!(
        lines[5].starts_with(
            "plain text: GoError: connection error: desc = \"error reading server preface: "
        ),
        "{}",
        lines[5]
    );

    // With insecureSkipTLSVerify, no CA is needed.
    let ws = Workspace::new();
    let r = run_script(&ws, TLS_SCRIPT, &["--insecure-skip-tls-verify"], &env);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(console_messages(&r.stderr)[0], "no ca: true");
}
