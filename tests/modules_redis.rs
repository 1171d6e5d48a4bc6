//! `k6/experimental/redis` end to end, against `redis-server`s the tests start themselves
//! (single node, TLS, cluster, sentinel). What k6 v1.1.0 does with each command and error is
//! compared live by the conformance corpus (`173_experimental_redis.js`); these tests cover
//! what that script cannot: many VUs on one key, TLS with client certificates, cluster and
//! sentinel topologies, k6's dialer rules and byte counting, and unreachable servers.
//! Without `redis-server` (installed by `.ci/setup-outputs.sh`) each test is skipped loudly.

mod common;

use common::redis::{RedisServer, command, free_port, ping, write_file};
use common::*;

/// (passed, failed) check points, and the names of failed checks.
fn checks(ws: &Workspace) -> (usize, Vec<String>) {
    let mut passed = 0;
    let mut failed = Vec::new();
    for p in points(&ws.path("out.json"))
        .iter()
        .filter(|p| p["metric"] == "checks")
    {
        if p["data"]["value"].as_f64() == Some(1.0) {
            passed += 1;
        } else {
            failed.push(
                p["data"]["tags"]["check"]
                    .as_str()
                    .unwrap_or("?")
                    .to_string(),
            );
        }
    }
    (passed, failed)
}

fn assert_checks(ws: &Workspace, r: &RunResult, expected: usize) {
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let (passed, failed) = checks(ws);
    assert!(
        failed.is_empty(),
        "failed checks {failed:?}\nstderr: {}",
        r.stderr
    );
    assert_eq!(passed, expected, "stderr: {}", r.stderr);
}

#[test]
fn many_vus_increment_one_key_and_pipeline_their_commands() {
    let Some(server) = RedisServer::start(&[]) else {
        return;
    };
    let ws = Workspace::new();
    let script = r#"
import redis from 'k6/experimental/redis';
import { check } from 'k6';
export const options = {
  scenarios: { inc: { executor: 'per-vu-iterations', vus: 20, iterations: 25 } },
};
const client = new redis.Client(__ENV.REDIS_URL);
export default async function () {
  // Five commands in flight at once on the VU's connection.
  const replies = await Promise.all([1, 2, 3, 4, 5].map(() => client.incr('shared')));
  check(replies, { 'five increments': (r) => r.length === 5 && r.every((n) => n >= 1) });
}
export async function teardown() {
  check(await client.get('shared'), { 'every increment counted': (v) => v === '2500' });
}
"#;
    let r = run_script(&ws, script, &[], &[("REDIS_URL", &server.url())]);
    assert_checks(&ws, &r, 501);
    assert_eq!(command(server.port, "GET shared"), "$4\r\n2500\r\n");
}

#[test]
fn unreachable_server_rejects_with_go_dial_error() {
    let port = free_port();
    let ws = Workspace::new();
    let script = format!(
        r#"
import redis from 'k6/experimental/redis';
import {{ check }} from 'k6';
export const options = {{ iterations: 1 }};
const client = new redis.Client('redis://127.0.0.1:{port}');
export default async function () {{
  const err = await client.set('k', 'v').then(() => null, (e) => String(e));
  check(err, {{ 'refused': (e) => e === 'dial tcp 127.0.0.1:{port}: connect: connection refused' }});
  check(client.isConnected(), {{ 'client instantiated anyway': (c) => c === true }});
  await client.get('k');
}}
"#
    );
    let r = run_script(&ws, &script, &[], &[]);
    assert_checks(&ws, &r, 2);
    // An uncaught rejection fails the iteration with the same text, as in k6.
    assert!(
        r.stderr.contains(&format!(
            "dial tcp 127.0.0.1:{port}: connect: connection refused"
        )),
        "{}",
        r.stderr
    );
}

#[test]
fn the_vu_dialer_rules_apply_and_bytes_are_counted() {
    let Some(server) = RedisServer::start(&[]) else {
        return;
    };
    let ws = Workspace::new();
    let script = r#"
import redis from 'k6/experimental/redis';
import { check } from 'k6';
export const options = {
  iterations: 1,
  hosts: { 'cache.test': '127.0.0.1', 'blocked.test': '127.0.0.1' },
  blockHostnames: ['blocked.test'],
};
const viaHosts = new redis.Client(`redis://cache.test:${__ENV.REDIS_PORT}`);
const blocked = new redis.Client(`redis://blocked.test:${__ENV.REDIS_PORT}`);
export default async function () {
  check(await viaHosts.set('big', 'x'.repeat(10000)), { 'hosts option resolves': (r) => r === 'OK' });
  check(await viaHosts.get('big'), { 'value back': (v) => v.length === 10000 });
  const err = await blocked.get('big').then(() => '', (e) => String(e));
  check(err, { 'blocked hostname refused': (e) => e.includes('blocked.test') && e.includes('blocked') });
}
"#;
    let port = server.port.to_string();
    let r = run_script(&ws, script, &[], &[("REDIS_PORT", &port)]);
    assert_checks(&ws, &r, 3);
    let pts = points(&ws.path("out.json"));
    // The iteration sent the 10 kB value and received it back.
    assert!(sum_of(&pts, "data_sent") > 10_000.0, "{pts:?}");
    assert!(sum_of(&pts, "data_received") > 10_000.0, "{pts:?}");
}

/// A CA, a server certificate for 127.0.0.1/localhost and a client certificate, as PEM.
struct Certs {
    ca: String,
    server_cert: String,
    server_key: String,
    client_cert: String,
    client_key: String,
}

fn certs() -> Certs {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
    // Distinct subject names: rcgen's default subject is the same for every certificate, and
    // OpenSSL (redis-server) takes a client certificate whose subject equals its issuer for a
    // self-signed one and refuses it (`unknown CA`).
    let named = |params: &mut CertificateParams, cn: &str| {
        params.distinguished_name = rcgen::DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, cn);
    };
    let ca_key = KeyPair::generate().expect("key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
    named(&mut ca_params, "rk6 test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).expect("ca");
    let issuer = rcgen::Issuer::from_params(&ca_params, &ca_key);
    let server_key = KeyPair::generate().expect("key");
    let mut server_params =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .expect("params");
    named(&mut server_params, "localhost");
    let server = server_params
        .signed_by(&server_key, &issuer)
        .expect("server cert");
    let client_key = KeyPair::generate().expect("key");
    let mut client_params = CertificateParams::new(vec!["k6-client".to_string()]).expect("params");
    named(&mut client_params, "k6-client");
    let client = client_params
        .signed_by(&client_key, &issuer)
        .expect("client cert");
    Certs {
        ca: ca.pem(),
        server_cert: server.pem(),
        server_key: server_key.serialize_pem(),
        client_cert: client.pem(),
        client_key: client_key.serialize_pem(),
    }
}

#[test]
fn tls_with_a_ca_and_a_client_certificate() {
    let c = certs();
    let port = free_port();
    let dir = tempfile::tempdir().expect("dir");
    let ca = write_file(dir.path(), "ca.pem", &c.ca);
    let cert = write_file(dir.path(), "server.pem", &c.server_cert);
    let key = write_file(dir.path(), "server.key", &c.server_key);
    let (ca, cert, key) = (
        ca.display().to_string(),
        cert.display().to_string(),
        key.display().to_string(),
    );
    let port_s = port.to_string();
    let args = [
        "--port",
        "0",
        "--tls-port",
        &port_s,
        "--tls-cert-file",
        &cert,
        "--tls-key-file",
        &key,
        "--tls-ca-cert-file",
        &ca,
        "--tls-auth-clients",
        "yes",
    ];
    // Plain PING cannot reach a TLS port: ready once it accepts connections.
    let Some(_server) = RedisServer::start_with(port, &args, |p| {
        std::net::TcpStream::connect(("127.0.0.1", p)).is_ok()
    }) else {
        return;
    };
    let ws = Workspace::new();
    ws.write("ca.pem", &c.ca);
    ws.write("client.pem", &c.client_cert);
    ws.write("client.key", &c.client_key);
    let script = r#"
import redis from 'k6/experimental/redis';
import { check } from 'k6';
export const options = { iterations: 1 };
const socket = { host: 'localhost', port: Number(__ENV.REDIS_PORT) };
const mutual = new redis.Client({
  socket: { ...socket, tls: { ca: [open('./ca.pem')], cert: open('./client.pem'), key: open('./client.key') } },
});
const noClientCert = new redis.Client({ socket: { ...socket, tls: { ca: [open('./ca.pem')] } } });
const systemRoots = new redis.Client(`rediss://localhost:${__ENV.REDIS_PORT}`);
export default async function () {
  check(await mutual.set('secure', 'yes'), { 'mutual TLS works': (r) => r === 'OK' });
  check(await mutual.get('secure'), { 'value over TLS': (v) => v === 'yes' });
  const noCert = await noClientCert.get('secure').then(() => 'ok', (e) => String(e));
  check(noCert, { 'server requires a client certificate': (e) => e !== 'ok' });
  const untrusted = await systemRoots.get('secure').then(() => 'ok', (e) => String(e));
  check(untrusted, { 'unknown CA refused': (e) => e.includes('certificate') });
}
"#;
    let r = run_script(&ws, script, &[], &[("REDIS_PORT", &port_s)]);
    assert_checks(&ws, &r, 4);
}

#[test]
fn cluster_client_spreads_keys_over_the_nodes() {
    let ports = [free_port(), free_port(), free_port()];
    let mut servers = Vec::new();
    for p in ports {
        let port_s = p.to_string();
        let conf = format!("nodes-{p}.conf");
        let args = [
            "--port",
            &port_s,
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            &conf,
        ];
        let Some(s) = RedisServer::start_with(p, &args, ping) else {
            return;
        };
        servers.push(s);
    }
    // Three masters own the 16384 slots between them.
    let nodes: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
    let created = std::process::Command::new("redis-cli")
        .arg("--cluster")
        .arg("create")
        .args(&nodes)
        .args(["--cluster-replicas", "0", "--cluster-yes"])
        .output()
        .expect("redis-cli runs");
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stdout)
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !ports
        .iter()
        .all(|p| command(*p, "CLUSTER INFO").contains("cluster_state:ok"))
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the cluster did not form"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let ws = Workspace::new();
    let script = r#"
import redis from 'k6/experimental/redis';
import { check } from 'k6';
export const options = { iterations: 1 };
const nodes = __ENV.NODES.split(',');
const byUrl = new redis.Client({ cluster: { nodes: nodes.map((n) => `redis://${n}`) } });
const byObject = new redis.Client({
  cluster: { nodes: nodes.map((n) => ({ socket: { host: '127.0.0.1', port: Number(n.split(':')[1]) } })) },
});
export default async function () {
  for (let i = 0; i < 30; i++) await byUrl.set(`key-${i}`, i);
  const values = [];
  for (let i = 0; i < 30; i++) values.push(await byObject.get(`key-${i}`));
  check(values, { 'every key back through the other client': (v) => v.join() === [...Array(30).keys()].join() });
  check(await byUrl.incrBy('key-7', 3), { 'incrBy routed': (n) => n === 10 });
}
"#;
    let r = run_script(&ws, script, &[], &[("NODES", &nodes.join(","))]);
    assert_checks(&ws, &r, 2);
    // The keys really are spread: no single node holds all 30.
    let counts: Vec<usize> = ports
        .iter()
        .map(|p| {
            command(*p, "DBSIZE")
                .trim_start_matches(':')
                .trim()
                .parse()
                .unwrap_or(0)
        })
        .collect();
    assert_eq!(counts.iter().sum::<usize>(), 30, "{counts:?}");
    assert!(counts.iter().all(|c| *c < 30), "{counts:?}");
    drop(servers);
}

#[test]
fn sentinel_client_finds_the_master() {
    let Some(master) = RedisServer::start(&[]) else {
        return;
    };
    let sentinel_port = free_port();
    let dir = tempfile::tempdir().expect("dir");
    let conf = write_file(
        dir.path(),
        "sentinel.conf",
        &format!(
            "port {sentinel_port}\nbind 127.0.0.1\nsentinel monitor primary 127.0.0.1 {} 1\n",
            master.port
        ),
    );
    let conf = conf.display().to_string();
    let Some(_sentinel) = RedisServer::start_with(sentinel_port, &[&conf, "--sentinel"], |p| {
        command(p, "SENTINEL get-master-addr-by-name primary").contains(&master.port.to_string())
    }) else {
        return;
    };
    let ws = Workspace::new();
    let script = r#"
import redis from 'k6/experimental/redis';
import { check } from 'k6';
export const options = { iterations: 1 };
const client = new redis.Client({
  masterName: 'primary',
  socket: { host: '127.0.0.1', port: Number(__ENV.SENTINEL_PORT) },
});
export default async function () {
  check(await client.set('via-sentinel', 'yes'), { 'set on the master': (r) => r === 'OK' });
  check(await client.get('via-sentinel'), { 'read back': (v) => v === 'yes' });
}
"#;
    let r = run_script(
        &ws,
        script,
        &[],
        &[("SENTINEL_PORT", &sentinel_port.to_string())],
    );
    assert_checks(&ws, &r, 2);
    assert_eq!(command(master.port, "GET via-sentinel"), "$3\r\nyes\r\n");
}
