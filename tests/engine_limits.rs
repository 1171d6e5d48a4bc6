//! End-to-end tests of the JS engine under hostile data (issue 15): deeply nested data and
//! code never abort the process, unbounded recursion is a catchable RangeError, and a VU
//! spinning in script code (a `while (true) {}`, a catastrophically backtracking regular
//! expression) is stopped by gracefulStop, `exec.test.abort()`, SIGINT and the setup timeout.
//! Each run must end with k6's exit code, its teardown and its summary. Expectations were
//! confirmed by running the same scripts on k6 v1.1.0 (see each test); the bounds on time are
//! generous (before the engine watched an interrupt flag, these runs never ended).

mod common;

use common::*;
use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Each case in its own `outcome()`: the value, or the error a script can catch.
const DEEP: &str = r#"
import http from 'k6/http';
export const options = { iterations: 1 };
const BASE = __ENV.BASE;
function depth(v) { let d = 0; while (Array.isArray(v) && v.length) { v = v[0]; d++; } return d; }
function outcome(f) { try { return String(f()); } catch (e) { return `${e.name}: ${e.message}`; } }
// 9999 nested arrays, base64-encoded for the target's /base64/ endpoint ('[[[' is 'W1tb').
const DEEP_BODY = `${BASE}/base64/${'W1tb'.repeat(3333)}${'XV1d'.repeat(3333)}`;
export default function () {
  const cases = {
    'JSON.parse 10000 levels': () => depth(JSON.parse('['.repeat(10000) + ']'.repeat(10000))),
    'JSON.parse 100000 levels': () => depth(JSON.parse('['.repeat(100000) + ']'.repeat(100000))),
    'res.json() 9999 levels': () => depth(http.get(DEEP_BODY).json()),
    'JSON.parse(res.body) 9999 levels': () => depth(JSON.parse(http.get(DEEP_BODY).body)),
    'JSON.stringify 3000 levels': () => {
      let o = {};
      for (let i = 0; i < 3000; i++) o = { a: o };
      return JSON.stringify(o).length;
    },
    'String() of 2000 nested arrays': () => {
      let a = [1];
      for (let i = 0; i < 2000; i++) a = [a];
      return String(a);
    },
    'eval of 2000 nested parentheses': () => eval('('.repeat(2000) + '1' + ')'.repeat(2000)),
    '100000-long prototype chain': () => {
      let o = { found: 7 };
      for (let i = 0; i < 100000; i++) o = Object.create(o);
      return o.found + String(o.missing);
    },
    'unbounded recursion': () => { function f(n) { return f(n + 1) + 1; } return f(0); },
  };
  for (const [name, f] of Object.entries(cases)) console.log(`${name} => ${outcome(f)}`);
}
export function teardown() { console.log('teardown ran'); }
"#;

#[test]
fn deep_data_works_or_throws_a_catchable_error() {
    let t = target();
    let base = base_url(&t);
    let ws = Workspace::new();
    let r = run_script(&ws, DEEP, &[], &[("BASE", &base)]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    // The same values on k6 v1.1.0, except the last: k6's call stack grows on the heap until
    // memory runs out (the iteration was still running after 60 s); a VU gets V8's RangeError.
    for expected in [
        "JSON.parse 10000 levels => 9999",
        "JSON.parse 100000 levels => 99999",
        "res.json() 9999 levels => 9998",
        "JSON.parse(res.body) 9999 levels => 9998",
        "JSON.stringify 3000 levels => 18002",
        "String() of 2000 nested arrays => 1",
        "eval of 2000 nested parentheses => 1",
        "100000-long prototype chain => 7undefined",
        "unbounded recursion => RangeError: Maximum call stack size exceeded",
        "teardown ran",
    ] {
        assert!(r.stderr.contains(expected), "{expected:?} in {}", r.stderr);
    }
    assert_eq!(summary(&ws)["metrics"]["iterations"]["count"], 1);
}

/// An uncaught RangeError fails the iteration like any exception (exit code 0, as k6 does for
/// an iteration's exception), logged with its message instead of `undefined`.
#[test]
fn uncaught_recursion_is_logged_with_its_message() {
    let ws = Workspace::new();
    let r = run_script(
        &ws,
        "export const options = { iterations: 2 };\n\
         function f(n) { return f(n + 1) + 1; }\n\
         export default function () { f(0); }\n\
         export function teardown() { console.log('teardown ran'); }\n",
        &[],
        &[],
    );
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    assert!(
        r.stderr
            .contains("RangeError: Maximum call stack size exceeded"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("teardown ran"), "{}", r.stderr);
    assert_eq!(summary(&ws)["metrics"]["iterations"]["count"], 2);
}

/// VU 1 spins in a loop, VU 2 in a backtracking regular expression on a string with an
/// unpaired surrogate (which keeps the backtracking matcher). k6 v1.1.0 ends this run after
/// duration + gracefulStop (2 s) with exit code 0 and runs teardown.
#[test]
fn graceful_stop_interrupts_spinning_vus() {
    let ws = Workspace::new();
    let started = Instant::now();
    let r = run_script(
        &ws,
        "import exec from 'k6/execution';\n\
         export const options = { scenarios: { s: { executor: 'constant-vus', vus: 2, duration: '1s', gracefulStop: '1s' } } };\n\
         export default function () {\n\
           if (exec.vu.idInTest === 1) { while (true) {} }\n\
           /^(a+)+$/.test('a'.repeat(60) + '\\ud800');\n\
         }\n\
         export function teardown() { console.log('teardown ran'); }\n",
        &[],
        &[],
    );
    let took = started.elapsed();
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    assert!(r.stderr.contains("teardown ran"), "{}", r.stderr);
    assert!(took < Duration::from_secs(30), "the run took {took:?}");
    // Both interrupted iterations are counted as such: no completed iteration.
    assert!(summary(&ws)["metrics"].get("iterations").is_none());
}

/// The linear-time matcher answers catastrophic patterns on Latin1 strings at once (k6's
/// engine does too): many iterations complete within the run. The same on strings stored as
/// UTF-16 (a character above U+00FF, a surrogate pair with the `u` flag).
#[test]
fn catastrophic_patterns_run_in_linear_time() {
    let ws = Workspace::new();
    let r = run_script(
        &ws,
        "export const options = { iterations: 50 };\n\
         export default function () {\n\
           if (/^(a+)+$/.test('a'.repeat(5000) + 'b')) throw new Error('matched');\n\
           if (!/^(\\w+\\s?)+$/.test('word '.repeat(1000))) throw new Error('no match');\n\
           if (/^(a+)+$/.test('\\u20ac' + 'a'.repeat(5000) + 'b')) throw new Error('matched');\n\
           if (/^(a+)+$/u.test('a'.repeat(5000) + '\\u{1F600}')) throw new Error('matched');\n\
           if (!/^(\\w+\\s?)+\\u20ac$/.test('word '.repeat(1000) + '\\u20ac')) throw new Error('no match');\n\
         }\n",
        &[],
        &[],
    );
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    assert_eq!(summary(&ws)["metrics"]["iterations"]["count"], 50);
    assert!(!r.stderr.contains("Error"), "{}", r.stderr);
}

/// `exec.test.abort()` in VU 2 stops VU 1, which spins: exit code 108, teardown runs (k6
/// v1.1.0: the same, 1.4 s).
#[test]
fn test_abort_interrupts_a_spinning_vu() {
    let ws = Workspace::new();
    let started = Instant::now();
    let r = run_script(
        &ws,
        "import exec from 'k6/execution';\n\
         import { sleep } from 'k6';\n\
         export const options = { vus: 2, duration: '60s' };\n\
         export default function () {\n\
           if (exec.vu.idInTest === 1) { while (true) {} }\n\
           sleep(1);\n\
           exec.test.abort('enough');\n\
         }\n\
         export function teardown() { console.log('teardown ran'); }\n",
        &[],
        &[],
    );
    let took = started.elapsed();
    assert_eq!(r.code, 108, "stderr: {}", r.stderr);
    assert!(r.stderr.contains("teardown ran"), "{}", r.stderr);
    assert!(took < Duration::from_secs(30), "the run took {took:?}");
    assert_eq!(summary(&ws)["metrics"]["iterations"]["count"], 1);
}

/// A setup() that never returns ends at setupTimeout with k6's exit code 100 and message.
#[test]
fn setup_timeout_interrupts_a_spinning_setup() {
    let ws = Workspace::new();
    let started = Instant::now();
    let r = run_script(
        &ws,
        "export const options = { setupTimeout: '1s', iterations: 1 };\n\
         export function setup() { while (true) {} }\n\
         export default function () {}\n",
        &[],
        &[],
    );
    let took = started.elapsed();
    assert_eq!(r.code, 100, "stderr: {}", r.stderr);
    assert!(
        r.stderr
            .contains("setup() execution timed out after 1 seconds"),
        "{}",
        r.stderr
    );
    assert!(took < Duration::from_secs(30), "the run took {took:?}");
}

/// SIGINT during an iteration that spins: the run ends with k6's exit code for an external
/// abort (105) and still writes its summary.
#[test]
fn sigint_interrupts_a_spinning_vu() {
    let ws = Workspace::new();
    let script = ws.write(
        "script.js",
        "export const options = { vus: 1, duration: '60s' };\n\
         export default function () { console.log('spinning'); while (true) {} }\n",
    );
    let summary_path = ws.path("summary.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rk6"))
        .current_dir(ws.dir.path())
        .args(["run", "-q", "--address="])
        .arg(format!("--summary-export={}", summary_path.display()))
        .arg(&script)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rk6 starts");
    let mut stderr = std::io::BufReader::new(child.stderr.take().expect("piped"));
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap_or(0) > 0 && !line.contains("spinning") {
        line.clear();
    }
    assert!(line.contains("spinning"), "the iteration did not start");
    let interrupted = Instant::now();
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let deadline = interrupted + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("rk6 still running 30 s after SIGINT");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(105));
    assert!(summary_path.exists(), "no summary export");
}
