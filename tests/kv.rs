//! End-to-end tests of `k6/x/kv` through the rk6 binary: every method and option, the atomicity
//! of `incrementBy` under 100 VUs, a producer/consumer run, durability after SIGKILL, option
//! conflicts, file mode and file locking. Return shapes and error names follow xk6-kv
//! (oleiade/xk6-kv and the oshokin/xk6-kv fork); k6 v1.1.0 has no `k6/x/kv` without an xk6
//! build, so these expectations come from the extension's source, not from a k6 run.

mod common;

use std::io::{BufRead as _, BufReader};
use std::os::unix::fs::PermissionsExt as _;
use std::process::{Child, Command, Stdio};

use common::*;

/// (passed, failed) check points of a run.
fn checks(ws: &Workspace) -> (usize, usize) {
    let pts = points(&ws.path("out.json"));
    let mut passed = 0;
    let mut failed = 0;
    for p in pts.iter().filter(|p| p["metric"] == "checks") {
        if p["data"]["value"].as_f64() == Some(1.0) {
            passed += 1;
        } else {
            failed += 1;
        }
    }
    (passed, failed)
}

/// Names of the failed checks, for assertion messages.
fn failed_checks(ws: &Workspace) -> Vec<String> {
    points(&ws.path("out.json"))
        .iter()
        .filter(|p| p["metric"] == "checks" && p["data"]["value"].as_f64() != Some(1.0))
        .map(|p| {
            p["data"]["tags"]["check"]
                .as_str()
                .unwrap_or("?")
                .to_string()
        })
        .collect()
}

fn assert_all_checks_pass(ws: &Workspace, r: &RunResult, expected: usize) {
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let (passed, failed) = checks(ws);
    assert_eq!(
        failed,
        0,
        "failed checks: {:?}\nstderr: {}",
        failed_checks(ws),
        r.stderr
    );
    assert_eq!(passed, expected, "stderr: {}", r.stderr);
}

/// Every method, option, return shape and error name, run once per backend.
const API: &str = r#"
import { check } from 'k6';
import { openKv } from 'k6/x/kv';

const kv = openKv({ backend: __ENV.BACKEND, path: __ENV.KV_PATH });
// Same options again: shares the store.
const again = openKv({ backend: __ENV.BACKEND, path: __ENV.KV_PATH });

async function rejection(p) {
  try { await p; return { name: 'resolved', message: '' }; } catch (e) { return e; }
}

export const options = { iterations: 1, vus: 1 };

export default async function () {
  const c = {};
  c['clear → true'] = (await kv.clear()) === true;
  c['empty size'] = (await kv.size()) === 0;

  // set/get JSON round trips
  const obj = { b: [1, 2.5, 'x', null, true], a: { nested: { deep: -3 } }, s: 'é✓' };
  c['set resolves to its value'] = (await kv.set('obj', obj)) === obj;
  const got = await kv.get('obj');
  c['object round-trips'] = JSON.stringify(got) === JSON.stringify({ a: { nested: { deep: -3 } }, b: [1, 2.5, 'x', null, true], s: 'é✓' });
  c['numbers are numbers'] = typeof got.b[1] === 'number' && got.b[1] === 2.5;
  await kv.set('int', 42);
  c['int'] = (await kv.get('int')) === 42;
  await kv.set('big', 2 ** 53 - 1);
  c['2^53-1'] = (await kv.get('big')) === 2 ** 53 - 1;
  await kv.set('str', 'hello');
  c['string'] = (await kv.get('str')) === 'hello';
  await kv.set('null', null);
  c['null'] = (await kv.get('null')) === null;
  c['undefined resolves undefined'] = (await kv.set('undef', undefined)) === undefined;
  c['undefined stored as null'] = (await kv.get('undef')) === null;
  await kv.set('arr', [1, [2, [3]]]);
  c['array'] = JSON.stringify(await kv.get('arr')) === '[1,[2,[3]]]';
  await kv.set('date', new Date(0));
  c['Date via toJSON'] = (await kv.get('date')) === '1970-01-01T00:00:00.000Z';
  await kv.set('bool', false);
  c['false'] = (await kv.get('bool')) === false;

  // errors: plain { name, message } objects
  const nf = await rejection(kv.get('missing'));
  c['KeyNotFoundError'] = nf.name === 'KeyNotFoundError' && nf.message.includes('missing');
  c['rejection is not an Error'] = !(nf instanceof Error);
  c['empty key'] = (await rejection(kv.set('', 1))).name === 'InvalidKeyError';
  c['undefined key'] = (await rejection(kv.get(undefined))).name === 'InvalidOptionsError';
  c['object key'] = (await rejection(kv.get({}))).name === 'InvalidOptionsError';
  const fn = await rejection(kv.set('f', () => 1));
  c['function rejected'] = fn.name === 'SerializerError' && fn.message.includes('function');
  c['nested function rejected'] = (await rejection(kv.set('f', { a: { b() {} } }))).name === 'SerializerError';
  const cyc = { a: 1 }; cyc.self = cyc;
  const cy = await rejection(kv.set('c', cyc));
  c['cycle rejected'] = cy.name === 'SerializerError' && cy.message.includes('cycle');
  c['NaN rejected'] = (await rejection(kv.set('n', NaN))).name === 'SerializerError';
  c['BigInt rejected'] = (await rejection(kv.set('n', 10n))).name === 'SerializerError';
  c['failed set stores nothing'] = (await kv.exists('f')) === false && (await kv.exists('c')) === false;
  const deep = []; let cur = deep; for (let i = 0; i < 200; i++) { const n = []; cur.push(n); cur = n; }
  c['too deep rejected'] = (await rejection(kv.set('deep', deep))).name === 'SerializerError';
  const big = 'x'.repeat(33 * 1024);
  c['key too large'] = (await rejection(kv.set(big, 1))).name === 'InvalidKeyError';
  const thrower = { toJSON() { throw new Error('boom'); } };
  const th = await rejection(kv.set('t', thrower));
  c['toJSON exception passed on'] = th instanceof Error && th.message === 'boom';

  // delete / exists
  c['exists'] = (await kv.exists('int')) === true;
  c['delete → true'] = (await kv.delete('int')) === true;
  c['delete missing → true'] = (await kv.delete('int')) === true;
  c['gone'] = (await kv.exists('int')) === false;

  // list
  await kv.clear();
  for (const k of ['b:2', 'a:1', 'b:1', 'b:10', 'c']) await kv.set(k, k);
  const all = await kv.list();
  c['list all sorted'] = all.map((e) => e.key).join() === 'a:1,b:1,b:10,b:2,c';
  c['list entry shape'] = all[0].key === 'a:1' && all[0].value === 'a:1';
  c['list prefix'] = (await kv.list({ prefix: 'b:' })).map((e) => e.key).join() === 'b:1,b:10,b:2';
  c['list limit only'] = (await kv.list({ limit: 2 })).map((e) => e.key).join() === 'a:1,b:1';
  c['list prefix+limit'] = (await kv.list({ prefix: 'b:', limit: 1 })).map((e) => e.key).join() === 'b:1';
  c['list limit 0 = all'] = (await kv.list({ limit: 0 })).length === 5;
  c['list empty options'] = (await kv.list({})).length === 5;
  c['list bad options'] = (await rejection(kv.list('b:'))).name === 'InvalidOptionsError';
  c['size'] = (await kv.size()) === 5;
  c['count prefix'] = (await kv.count({ prefix: 'b:' })) === 3;
  c['count all'] = (await kv.count()) === 5;
  c['other handle sees it'] = (await again.size()) === 5;

  // scan with a cursor
  let cursor = ''; const seen = []; let pages = 0;
  for (;;) {
    const page = await kv.scan({ prefix: 'b:', limit: 2, cursor });
    pages++;
    seen.push(...page.entries.map((e) => e.key));
    if (page.done) { c['last page cursor empty'] = page.cursor === ''; break; }
    c['cursor non-empty'] = page.cursor !== '';
    cursor = page.cursor;
  }
  c['scan pages'] = pages === 2 && seen.join() === 'b:1,b:10,b:2';
  const whole = await kv.scan();
  c['scan no options'] = whole.done === true && whole.entries.length === 5 && whole.cursor === '';
  c['bad cursor'] = (await rejection(kv.scan({ cursor: '%%%' }))).name === 'InvalidCursorError';

  // randomKey
  const rk = await kv.randomKey({ prefix: 'b:' });
  c['randomKey prefix'] = ['b:1', 'b:10', 'b:2'].includes(rk);
  c['randomKey none'] = (await kv.randomKey({ prefix: 'zzz' })) === '';
  c['randomKey any'] = typeof (await kv.randomKey()) === 'string';

  // atomic helpers
  await kv.clear();
  c['incrementBy absent'] = (await kv.incrementBy('n', 5)) === 5;
  c['incrementBy negative'] = (await kv.incrementBy('n', -2)) === 3;
  c['counter reads as number'] = (await kv.get('n')) === 3;
  await kv.set('n2', 10);
  c['incrementBy on set number'] = (await kv.incrementBy('n2', 1)) === 11;
  await kv.set('o', { a: 1 });
  c['incrementBy non-number'] = (await rejection(kv.incrementBy('o', 1))).name === 'ValueParseError';
  c['delta 1.5'] = (await rejection(kv.incrementBy('n', 1.5))).name === 'ValueNumberRequiredError';
  c['delta string'] = (await rejection(kv.incrementBy('n', '1'))).name === 'ValueNumberRequiredError';

  const g1 = await kv.getOrSet('g', { v: 1 });
  c['getOrSet sets'] = g1.loaded === false && g1.value.v === 1;
  const g2 = await kv.getOrSet('g', { v: 2 });
  c['getOrSet gets'] = g2.loaded === true && g2.value.v === 1;

  const s1 = await kv.swap('sw', 'a');
  c['swap absent'] = s1.loaded === false && s1.previous === null;
  const s2 = await kv.swap('sw', 'b');
  c['swap present'] = s2.loaded === true && s2.previous === 'a' && (await kv.get('sw')) === 'b';

  c['CAS absent with null'] = (await kv.compareAndSwap('cas', null, 1)) === true;
  c['CAS absent fails when present'] = (await kv.compareAndSwap('cas', undefined, 2)) === false;
  c['CAS match'] = (await kv.compareAndSwap('cas', 1, 2)) === true;
  c['CAS mismatch'] = (await kv.compareAndSwap('cas', 1, 3)) === false && (await kv.get('cas')) === 2;
  await kv.set('caso', { x: 1, y: [1] });
  c['CAS object, other key order'] = (await kv.compareAndSwap('caso', { y: [1], x: 1 }, 'next')) === true;
  c['setIfAbsent'] = (await kv.setIfAbsent('sia', 1)) === true && (await kv.setIfAbsent('sia', 2)) === false;

  c['deleteIfExists present'] = (await kv.deleteIfExists('cas')) === true;
  c['deleteIfExists absent'] = (await kv.deleteIfExists('cas')) === false;
  await kv.set('cad', { k: 'v' });
  c['compareAndDelete mismatch'] = (await kv.compareAndDelete('cad', { k: 'w' })) === false;
  c['compareAndDelete match'] = (await kv.compareAndDelete('cad', { k: 'v' })) === true && !(await kv.exists('cad'));
  await kv.set('cadnull', null);
  c['compareAndDelete null is a value'] = (await kv.compareAndDelete('cadnull', null)) === true;

  // batches
  const sm = await kv.setMany({ m1: 1, m2: { two: 2 }, m3: 'three' });
  c['setMany written'] = sm.written === 3;
  const gm = await kv.getMany(['m2', 'nope', 'm1']);
  c['getMany'] = gm.length === 3 && gm[0].key === 'm2' && gm[0].exists && gm[0].value.two === 2
    && gm[1].key === 'nope' && gm[1].exists === false && gm[1].value === null && gm[2].value === 1;
  const dm = await kv.deleteMany(['m1', 'm3', 'nope']);
  c['deleteMany'] = dm.deleted === 2 && dm.missing === 1;
  c['setMany array rejected'] = (await rejection(kv.setMany([1]))).name === 'InvalidOptionsError';
  c['getMany non-array rejected'] = (await rejection(kv.getMany('m2'))).name === 'InvalidOptionsError';

  // backup / restore
  await kv.clear();
  await kv.setMany({ b1: 1, b2: [2] });
  const bk = await kv.backup({ fileName: __ENV.SNAP });
  c['backup summary'] = bk.totalEntries === 2 && bk.bytesWritten > 0 && bk.bestEffort === false;
  await kv.clear();
  await kv.set('after', 1);
  const rs = await kv.restore({ fileName: __ENV.SNAP });
  c['restore summary'] = rs.totalEntries === 2;
  c['restore replaces'] = (await kv.size()) === 2 && JSON.stringify(await kv.get('b2')) === '[2]' && !(await kv.exists('after'));
  c['restore budget'] = (await rejection(kv.restore({ fileName: __ENV.SNAP, maxEntries: 1 }))).name === 'SnapshotBudgetExceededError';
  c['restore missing file'] = (await rejection(kv.restore({ fileName: __ENV.SNAP + '.nope' }))).name === 'SnapshotNotFoundError';

  // promises really are promises
  c['returns a Promise'] = kv.size() instanceof Promise;

  check(null, Object.fromEntries(Object.entries(c).map(([k, v]) => [k, () => v])));
}

export function teardown() {
  // close() is synchronous; other handles keep the store open until the last one is closed.
  check(null, { 'close returns undefined': () => kv.close() === undefined && kv.close() === undefined });
}
"#;

/// The number of checks in `API` (every `c['…']` plus the teardown one).
fn api_check_count() -> usize {
    let mut names: Vec<&str> = API
        .match_indices("c['")
        .map(|(i, _)| {
            let rest = &API[i + 3..];
            &rest[..rest.find("']").unwrap_or(0)]
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    names.len() + 1
}

fn api_on(backend: &str) {
    let ws = Workspace::new();
    let kv_path = ws.path("store.kv");
    let snap = ws.path("snap.kv");
    let r = run_script(
        &ws,
        API,
        &[],
        &[
            ("BACKEND", backend),
            ("KV_PATH", kv_path.to_str().unwrap_or_default()),
            ("SNAP", snap.to_str().unwrap_or_default()),
        ],
    );
    assert_all_checks_pass(&ws, &r, api_check_count());
    if backend == "disk" {
        let mode = std::fs::metadata(&kv_path)
            .expect("the disk store file exists")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "disk store file mode");
        let mode = std::fs::metadata(&snap)
            .expect("the snapshot exists")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "snapshot file mode");
    } else {
        assert!(!kv_path.exists(), "the memory backend writes no store file");
    }
}

#[test]
fn every_method_memory() {
    api_on("memory");
}

#[test]
fn every_method_disk() {
    api_on("disk");
}

#[test]
fn default_options_use_disk_at_dot_k6_kv() {
    let ws = Workspace::new();
    let script = r#"
import { check } from 'k6';
import { openKv } from 'k6/x/kv';
const kv = openKv();
export default async function () {
  await kv.set('k', { v: 1 });
  check(null, { 'stored': () => true });
}
"#;
    let r = run_script(&ws, script, &["-i", "1"], &[]);
    assert_all_checks_pass(&ws, &r, 1);
    let file = ws.path(".k6.kv");
    let mode = std::fs::metadata(&file)
        .expect("./.k6.kv was created in the working directory")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    // A second run on the same file sees the data of the first: the disk store persists.
    let script = r#"
import { check } from 'k6';
import { openKv } from 'k6/x/kv';
const kv = openKv({ backend: 'disk', path: '.k6.kv' });
export default async function () {
  const v = await kv.get('k');
  check(v, { 'persisted across runs': (x) => x.v === 1 });
}
"#;
    let r = run_script(&ws, script, &["-i", "1"], &[]);
    assert_all_checks_pass(&ws, &r, 1);
}

#[test]
fn string_serialization() {
    let ws = Workspace::new();
    let script = r#"
import { check } from 'k6';
import { openKv } from 'k6/x/kv';
const kv = openKv({ backend: 'memory', serialization: 'string' });
export default async function () {
  await kv.set('s', 'plain');
  await kv.set('n', 42);
  await kv.set('b', true);
  const c = await kv.incrementBy('c', 7);
  const cas = await kv.compareAndSwap('n', 42, 'x');
  const s = await kv.get('s');
  const n = await kv.get('x-missing').catch((e) => e.name);
  const list = await kv.list();
  check(null, {
    'get string': () => s === 'plain',
    'numbers come back as strings': () => list.find((e) => e.key === 'b').value === 'true',
    'counter': () => c === 7,
    'CAS compares string forms': () => cas === true,
    'counter reads as a string': () => list.find((e) => e.key === 'c').value === '7',
    'missing': () => n === 'KeyNotFoundError',
  });
}
"#;
    let r = run_script(&ws, script, &["-i", "1"], &[]);
    assert_all_checks_pass(&ws, &r, 6);
}

/// 100 VUs × 1000 `incrementBy` on one key end at exactly 100000, and the 100000 values handed
/// out are all distinct (each increment saw every earlier one: linearizable).
const INCREMENT: &str = r#"
import { check } from 'k6';
import { openKv } from 'k6/x/kv';
const kv = openKv({ backend: __ENV.BACKEND, path: __ENV.KV_PATH });
export const options = {
  scenarios: { inc: { executor: 'per-vu-iterations', vus: 100, iterations: 1, maxDuration: '10m' } },
};
export async function setup() { await kv.clear(); }
export default async function () {
  const got = [];
  for (let i = 0; i < 1000; i++) got.push(await kv.incrementBy('counter', 1));
  await kv.set(`seen:${__VU}`, got);
}
export async function teardown() {
  const total = await kv.get('counter');
  const seen = await kv.list({ prefix: 'seen:' });
  const values = new Set();
  let n = 0;
  for (const e of seen) for (const v of e.value) { values.add(v); n++; }
  let inRange = true;
  for (const v of values) if (v < 1 || v > 100000) inRange = false;
  const ok = check(null, {
    'counter is 100000': () => total === 100000,
    'every VU reported': () => seen.length === 100 && n === 100000,
    'all returned values distinct': () => values.size === 100000 && inRange,
  });
  if (!ok) throw new Error(`counter=${total} vus=${seen.length} n=${n} distinct=${values.size}`);
}
"#;

fn increment_on(backend: &str) {
    let ws = Workspace::new();
    let kv_path = ws.path("inc.kv");
    let r = run_script(
        &ws,
        INCREMENT,
        &[],
        &[
            ("BACKEND", backend),
            ("KV_PATH", kv_path.to_str().unwrap_or_default()),
        ],
    );
    assert_all_checks_pass(&ws, &r, 3);
    let pts = points(&ws.path("out.json"));
    assert_eq!(counts_by_metric(&pts)["iterations"], 100);
}

#[test]
fn increment_by_100_vus_memory() {
    increment_on("memory");
}

#[test]
fn increment_by_100_vus_disk() {
    increment_on("disk");
}

fn producer_consumer_on(backend: &str) {
    let ws = Workspace::new();
    let kv_path = ws.path("tokens.kv");
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/kv-producer-consumer.js"
    );
    let script = std::fs::read_to_string(example).expect("the example exists");
    let r = run_script(
        &ws,
        &script,
        &[],
        &[
            ("KV_BACKEND", backend),
            ("KV_PATH", kv_path.to_str().unwrap_or_default()),
            ("TOKENS", "300"),
        ],
    );
    assert_all_checks_pass(&ws, &r, 3);
    let pts = points(&ws.path("out.json"));
    assert_eq!(sum_of(&pts, "tokens_consumed"), 300.0, "tokens consumed");
    assert_eq!(sum_of(&pts, "tokens_consumed_twice"), 0.0);
    let by_metric = counts_by_metric(&pts);
    assert_eq!(
        by_metric["iterations"],
        300 + 10,
        "300 produce + 10 consume"
    );
}

#[test]
fn producer_consumer_exactly_once_memory() {
    producer_consumer_on("memory");
}

#[test]
fn producer_consumer_exactly_once_disk() {
    producer_consumer_on("disk");
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_rk6(dir: &std::path::Path, args: &[&str], envs: &[(&str, &str)]) -> KillOnDrop {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rk6"));
    cmd.current_dir(dir)
        .args(args)
        .env("RK6_TEST", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    KillOnDrop(cmd.spawn().expect("rk6 starts"))
}

/// Every write acknowledged before a SIGKILL is in the store when it is reopened.
#[test]
fn acknowledged_writes_survive_sigkill() {
    let ws = Workspace::new();
    let kv_path = ws.path("crash.kv");
    let kv_path_s = kv_path.to_str().unwrap_or_default().to_string();
    let writer = ws.write(
        "writer.js",
        r#"
import { openKv } from 'k6/x/kv';
const kv = openKv({ backend: 'disk', path: __ENV.KV_PATH });
export const options = { vus: 8, duration: '2m' };
export default async function () {
  const key = `k:${__VU}:${__ITER}`;
  await kv.set(key, { vu: __VU, iter: __ITER, pad: 'p'.repeat(200) });
  console.log(`ACK ${key}`);
}
"#,
    );
    let mut child = spawn_rk6(
        ws.dir.path(),
        &["run", "-q", writer.to_str().unwrap_or_default()],
        &[("KV_PATH", &kv_path_s)],
    );
    let stderr = child.0.stderr.take().expect("stderr is piped");
    let mut acked: Vec<String> = Vec::new();
    let mut lines = BufReader::new(stderr).lines();
    while acked.len() < 400 {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(i) = line.find("ACK ") {
            let key: String = line[i + 4..]
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '"')
                .collect();
            acked.push(key);
        }
    }
    assert_eq!(acked.len(), 400, "the writer acknowledged 400 writes");
    // SIGKILL in the middle of the writes.
    child.0.kill().expect("SIGKILL");
    let _ = child.0.wait();
    // Lines already written to the pipe are acknowledged writes too.
    for line in lines.map_while(Result::ok) {
        if let Some(i) = line.find("ACK ") {
            let key: String = line[i + 4..]
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '"')
                .collect();
            acked.push(key);
        }
    }

    ws.write("acked.json", &serde_json::to_string(&acked).expect("json"));
    let checker = r#"
import { check } from 'k6';
import { openKv } from 'k6/x/kv';
const kv = openKv({ backend: 'disk', path: __ENV.KV_PATH });
const acked = JSON.parse(open('./acked.json'));
export default async function () {
  const items = await kv.getMany(acked);
  const missing = items.filter((it) => !it.exists).map((it) => it.key);
  const wrong = items.filter((it) => it.exists && `k:${it.value.vu}:${it.value.iter}` !== it.key);
  check(null, {
    'every acknowledged write is present': () => missing.length === 0,
    'values intact': () => wrong.length === 0,
  });
  if (missing.length) console.error(`missing: ${missing.slice(0, 10)}`);
}
"#;
    let r = run_script(&ws, checker, &["-i", "1"], &[("KV_PATH", &kv_path_s)]);
    assert_all_checks_pass(&ws, &r, 2);
}

#[test]
fn second_open_with_other_options_throws() {
    let ws = Workspace::new();
    let script = r#"
import { check } from 'k6';
import { openKv } from 'k6/x/kv';
const kv = openKv({ backend: 'memory' });
let conflict = null;
try { openKv({ backend: 'memory', serialization: 'string' }); } catch (e) { conflict = e; }
let badBackend = null;
try { openKv({ backend: 'redis' }); } catch (e) { badBackend = e; }
let badSer = null;
try { openKv({ backend: 'memory', serialization: 'xml' }); } catch (e) { badSer = e; }
const same = openKv({ backend: 'memory', serialization: 'json', path: './.k6.kv' });
export default async function () {
  let inVu = null;
  try { openKv({ backend: 'memory' }); } catch (e) { inVu = e; }
  await kv.set('x', 1);
  const seen = await same.get('x');
  check(null, {
    'conflict thrown': () => conflict !== null && conflict.name === 'KVOptionsConflictError',
    'conflict names both option sets': () => conflict.message.includes('"json"') && conflict.message.includes('"string"'),
    'thrown value is an Error': () => conflict instanceof Error,
    'invalid backend': () => badBackend.name === 'InvalidBackendError' && badBackend.message.includes('redis'),
    'invalid serialization': () => badSer.name === 'InvalidSerializationError',
    'equal options (defaults spelled out) share the store': () => seen === 1,
    'openKv outside init throws': () => inVu !== null && inVu.message.includes('init context'),
  });
}
"#;
    let r = run_script(&ws, script, &["-i", "1"], &[]);
    assert_all_checks_pass(&ws, &r, 7);

    // Uncaught, the conflict fails the run with the message on stderr.
    let script = r#"
import { openKv } from 'k6/x/kv';
const a = openKv({ backend: 'memory' });
const b = openKv({ backend: 'disk' });
export default function () {}
"#;
    let r = run_script(&ws, script, &["-i", "1"], &[]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("KVOptionsConflictError") && r.stderr.contains("kv options conflict"),
        "stderr: {}",
        r.stderr
    );
}

#[test]
fn disk_file_locked_by_another_process_is_a_clear_error() {
    let ws = Workspace::new();
    let kv_path = ws.path("locked.kv");
    let kv_path_s = kv_path.to_str().unwrap_or_default().to_string();
    let holder = ws.write(
        "holder.js",
        r#"
import { sleep } from 'k6';
import { openKv } from 'k6/x/kv';
const kv = openKv({ backend: 'disk', path: __ENV.KV_PATH });
export const options = { vus: 1, duration: '2m' };
export default async function () {
  await kv.set('held', true);
  console.log('HOLDING');
  sleep(1);
}
"#,
    );
    let mut child = spawn_rk6(
        ws.dir.path(),
        &["run", "-q", holder.to_str().unwrap_or_default()],
        &[("KV_PATH", &kv_path_s)],
    );
    let stderr = child.0.stderr.take().expect("stderr is piped");
    let mut lines = BufReader::new(stderr).lines();
    let holding = lines.any(|l| l.is_ok_and(|l| l.contains("HOLDING")));
    assert!(holding, "the holder process opened the store");

    let script = r#"
import { openKv } from 'k6/x/kv';
const kv = openKv({ backend: 'disk', path: __ENV.KV_PATH });
export default function () {}
"#;
    let r = run_script(&ws, script, &["-i", "1"], &[("KV_PATH", &kv_path_s)]);
    assert_ne!(r.code, 0, "stderr: {}", r.stderr);
    assert!(
        r.stderr.contains("locked by another process") && r.stderr.contains("DiskStoreOpenError"),
        "stderr: {}",
        r.stderr
    );
    drop(child);
}

#[test]
fn summary_of_a_rejected_get_names_the_error() {
    // An unhandled rejection fails the iteration and shows name and message.
    let ws = Workspace::new();
    let script = r#"
import { openKv } from 'k6/x/kv';
const kv = openKv({ backend: 'memory' });
export default async function () { await kv.get('nope'); }
"#;
    let r = run_script(&ws, script, &["-i", "1"], &[]);
    assert!(
        r.stderr.contains("KeyNotFoundError") && r.stderr.contains("nope"),
        "stderr: {}",
        r.stderr
    );
}
