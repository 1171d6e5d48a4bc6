//! End-to-end tests of the script surface around modules: `k6/timers`, module resolution
//! (missing files, remote `https://` imports from the local cache) and the CSV output's time
//! formats. Every expectation was confirmed by running the same script on k6 v1.1.0 (remote
//! imports: k6 downloads them; rk6 reads its cache, see docs/modules.md).

mod common;

use common::*;

const TIMERS: &str = r#"
import { setTimeout as st, clearTimeout as ct, setInterval as si, clearInterval as ci } from 'k6/timers';
import timers from 'k6/timers';
import { check } from 'k6';
export const options = { iterations: 2 };
export default async function () {
  let n = 0, cleared = 0;
  const h = st(() => { cleared++; }, 5);
  ct(h);
  await new Promise((r) => { const i = si(() => { n++; if (n === 3) { ci(i); r(); } }, 2); });
  const order = [];
  st(() => order.push('b'), 10); st(() => order.push('a'), 1);
  await new Promise((r) => timers.setTimeout(r, 20));
  check(null, {
    'interval ran 3 times': () => n === 3,
    'cleared timeout never ran': () => cleared === 0,
    'timers fire by due time': () => order.join('') === 'ab',
    'module exports are the globals': () => st === globalThis.setTimeout && timers.clearInterval === globalThis.clearInterval,
  });
  // Not awaited: the iteration still waits for it (k6 logs it inside the iteration).
  st(() => console.log(`late timer ${__ITER}`), 30);
}
"#;

#[test]
fn k6_timers_module_matches_k6() {
    let ws = Workspace::new();
    let r = run_script(&ws, TIMERS, &[], &[]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    // k6 v1.1.0: all four checks pass in both iterations; both late timers log.
    let checks = &summary(&ws)["root_group"]["checks"];
    for name in [
        "interval ran 3 times",
        "cleared timeout never ran",
        "timers fire by due time",
        "module exports are the globals",
    ] {
        assert_eq!(checks[name]["passes"], 2, "{name}: {}", checks[name]);
        assert_eq!(checks[name]["fails"], 0, "{name}");
    }
    assert!(r.stderr.contains("late timer 0"), "stderr: {}", r.stderr);
    assert!(r.stderr.contains("late timer 1"), "stderr: {}", r.stderr);
    // The iteration lasted until the late timer fired (k6: ~78 ms).
    let min = summary(&ws)["metrics"]["iteration_duration"]["min"]
        .as_f64()
        .unwrap_or_default();
    assert!(min >= 50.0, "iteration_duration min {min} ms");
}

#[test]
fn missing_module_file_is_a_script_exception() {
    let ws = Workspace::new();
    let r = run_script(
        &ws,
        "import x from './nope.js';\nexport default function () {}\n",
        &[],
        &[],
    );
    // k6 v1.1.0: exit 107, a GoError naming the module as the script wrote it, with k6's
    // Docker advice.
    assert_eq!(r.code, 107, "stderr: {}", r.stderr);
    assert!(
        r.stderr.contains(
            r#"msg="GoError: The moduleSpecifier \"./nope.js\" couldn't be found on local disk. Make sure that you've specified the right path to the file. If you're running k6 using the Docker image make sure you have mounted the local directory"#
        ),
        "stderr: {}",
        r.stderr
    );
}

#[test]
fn console_lines_and_failed_request_warnings_read_as_in_k6() {
    let ws = Workspace::new();
    let r = run_script(
        &ws,
        "import http from 'k6/http';\nexport default function () {\n  console.log('');\n  console.log('after');\n  http.get('http://user:secret@127.0.0.1:1/x');\n}\n",
        &[],
        &[],
    );
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    // k6 v1.1.0 (logrus): an empty message has no `msg` field at all; Go's HTTP client
    // shows the password of a URL in an error as `***`.
    assert!(
        r.stderr.contains(" level=info source=console\n")
            && r.stderr.contains(" level=info msg=after source=console\n"),
        "stderr: {}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains(r#"error="Get \"http://user:***@127.0.0.1:1/x\": "#)
            && !r.stderr.contains("secret"),
        "stderr: {}",
        r.stderr
    );
}

const REMOTE: &str = r#"
import { answer } from 'https://modules.example.test/lib/answer.js?v=1';
export default function () {
  if (answer() !== 42) throw new Error('wrong module');
  console.log(`remote says ${answer()}`);
}
"#;

#[test]
fn undownloadable_remote_imports_come_from_the_module_cache_or_fail_clearly() {
    let ws = Workspace::new();
    let cache = ws.path("cache");
    let cache_env = cache.display().to_string();

    // Not downloadable (the name does not resolve) and not in the cache: k6's error (107),
    // plus where rk6 looked.
    let r = run_script(&ws, REMOTE, &[], &[("RK6_MODULE_CACHE", &cache_env)]);
    assert_eq!(r.code, 107, "stderr: {}", r.stderr);
    assert!(
        r.stderr.contains(r#"msg="GoError: The moduleSpecifier \"https://modules.example.test/lib/answer.js?v=1\""#)
            && r.stderr
                .contains("https://modules.example.test/lib/answer.js?v=1")
            && r.stderr
                .contains("couldn't be retrieved from the resolved url")
            && r.stderr.contains("no copy in the module cache either")
            && r.stderr.contains("modules.example.test/lib/answer.js"),
        "stderr: {}",
        r.stderr
    );

    // Vendored as <cache>/<host>/<path> (query dropped): it runs, with a warning.
    ws.write(
        "cache/modules.example.test/lib/answer.js",
        "import { helper } from './helper.js';\nexport function answer() { return helper() * 2; }\n",
    );
    ws.write(
        "cache/modules.example.test/lib/helper.js",
        "export function helper() { return 21; }\n",
    );
    let r = run_script(&ws, REMOTE, &[], &[("RK6_MODULE_CACHE", &cache_env)]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    assert!(r.stderr.contains("remote says 42"), "stderr: {}", r.stderr);
    assert!(
        r.stderr.contains("kept in the module cache"),
        "stderr: {}",
        r.stderr
    );
}

const CSV: &str = r#"
import { Counter } from 'k6/metrics';
const c = new Counter('my_counter');
export const options = { iterations: 2 };
export default function () { c.add(3, { k: 'v' }); }
"#;

fn csv_rows(ws: &Workspace, time_format: &str) -> Vec<Vec<String>> {
    let csv = ws.path(&format!("out-{time_format}.csv"));
    let r = run_script(
        ws,
        CSV,
        &[&format!("--out=csv={}", csv.display())],
        &[("K6_CSV_TIME_FORMAT", time_format)],
    );
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    std::fs::read_to_string(&csv)
        .expect("csv written")
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn csv_time_formats_match_k6() {
    let ws = Workspace::new();
    // k6 v1.1.0's header and rows for this script (K6_CSV_TIME_FORMAT=unix_milli):
    //   metric_name,timestamp,metric_value,check,...,extra_tags,metadata
    //   my_counter,1796478753366,3.000000,,,,,,,,,default,,,,,,k=v,
    let rows = csv_rows(&ws, "unix_milli");
    assert_eq!(
        rows[0].join(","),
        "metric_name,timestamp,metric_value,check,error,error_code,expected_response,group,method,name,proto,scenario,service,status,subproto,tls_version,url,extra_tags,metadata"
    );
    let counters: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "my_counter").collect();
    assert_eq!(counters.len(), 2);
    for r in &counters {
        assert_eq!(r[2], "3.000000");
        assert_eq!(r[11], "default");
        assert_eq!(r[17], "k=v");
        assert_eq!(r[1].len(), 13, "milliseconds since the epoch: {}", r[1]);
        assert!(r[1].bytes().all(|b| b.is_ascii_digit()));
    }
    // rfc3339_nano: 2026-12-05T13:52:33.510356828Z (Go trims trailing zeros of the fraction,
    // and the offset is the machine's zone).
    let rows = csv_rows(&ws, "rfc3339_nano");
    let t = &rows.iter().find(|r| r[0] == "my_counter").expect("a row")[1];
    assert!(t.len() <= 35 && t.as_bytes()[10] == b'T', "{t}");
    assert!(
        t.len() <= 20 || t.as_bytes()[19] == b'.' || t.as_bytes()[19] == b'+',
        "{t}"
    );
}

const COMMONJS: &str = r#"
const http = require('k6/http');
const { check } = require('k6');
const lib = require('./cjs-lib.js');
const again = require('./cjs-lib.js');
import esm, { twice, missing } from './cjs-lib.js';
import { get, notAnExport } from 'k6/http';
let unknownBuiltin, missingFile;
try { require('k6/nope'); } catch (e) { unknownBuiltin = String(e); }
try { require('./nope.js'); } catch (e) { missingFile = String(e); }
export const options = { iterations: 1 };
export default function () {
  let lateRequire;
  try { require('k6'); } catch (e) { lateRequire = String(e); }
  check(null, {
    'require builtin': () => typeof http.get === 'function' && http.get === get && typeof check === 'function',
    'require commonjs file': () => lib.twice(21) === 42 && lib.name === 'lib',
    'required once': () => lib === again && lib.loads === 1,
    'import of commonjs is module.exports': () => esm === lib && twice === lib.twice && missing === undefined,
    'missing builtin export is undefined': () => notAnExport === undefined,
    'global is globalThis': () => global === globalThis,
    'unknown builtin throws': () => /unknown module: k6\/nope/.test(unknownBuiltin),
    'missing file throws': () => /couldn't be found on local disk/.test(missingFile),
    'require only in init': () => /only available in the init stage/.test(lateRequire),
  });
}
"#;

#[test]
fn commonjs_require_and_lenient_builtin_imports_match_k6() {
    let ws = Workspace::new();
    ws.write(
        "cjs-lib.js",
        "const helper = require('./sub/helper.js');\nglobal.__loads = (global.__loads || 0) + 1;\nmodule.exports = { twice: (x) => helper.id(x) * 2, name: 'lib', loads: global.__loads };\n",
    );
    ws.write(
        "sub/helper.js",
        "exports.id = function (x) { return x; };\n",
    );
    let r = run_script(&ws, COMMONJS, &[], &[]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    // k6 v1.1.0: every check passes (same script, same files).
    let checks = &summary(&ws)["root_group"]["checks"];
    let obj = checks.as_object().expect("checks");
    assert_eq!(obj.len(), 9, "{checks}");
    for (name, c) in obj {
        assert_eq!(c["passes"], 1, "{name}: {c}");
    }
}

#[test]
fn missing_export_of_an_es_module_is_a_script_exception() {
    let ws = Workspace::new();
    ws.write("esm-lib.js", "export const a = 1;\n");
    let r = run_script(
        &ws,
        "import { nothing } from './esm-lib.js';\nexport default function () {}\n",
        &[],
        &[],
    );
    // k6 v1.1.0: exit 107, "does not provide an export named \"nothing\"".
    assert_eq!(r.code, 107, "stderr: {}", r.stderr);
    assert!(r.stderr.contains("nothing"), "stderr: {}", r.stderr);
}

/// ECMAScript Annex B, which Sobek (k6) implements and scripts still use (`substr` above all).
#[test]
fn annex_b_builtins_exist_as_in_k6() {
    let ws = Workspace::new();
    let script = r#"
import { check } from 'k6';
export const options = { iterations: 1 };
export default function () {
  check(null, {
    'substr': () => 'abcdef'.substr(1, 2) === 'bc' && 'abcdef'.substr(-2) === 'ef',
    'trimLeft/trimRight': () => '  a'.trimLeft() === 'a' && 'a  '.trimRight() === 'a',
    'escape/unescape': () => escape('a b') === 'a%20b' && unescape('a%20b') === 'a b',
    'RegExp compile': () => typeof /a/.compile === 'function',
    'proto literal': () => Object.getPrototypeOf({ __proto__: Array.prototype }) === Array.prototype,
  });
}
"#;
    let r = run_script(&ws, script, &[], &[]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    // k6 v1.1.0: all five pass.
    let checks = &summary(&ws)["root_group"]["checks"];
    let obj = checks.as_object().expect("checks");
    assert_eq!(obj.len(), 5, "{checks}");
    for (name, c) in obj {
        assert_eq!(c["passes"], 1, "{name}: {c}");
    }
}

const CONSOLE: &str = r#"
export const options = { iterations: 2, consoleOutput: 'ignored.log', foo: 1 };
export default function () { console.log('hello', 1, { a: 2 }); console.warn('w'); console.error('e'); }
"#;

#[test]
fn console_output_file_and_unknown_options_warning_match_k6() {
    let ws = Workspace::new();
    // k6 v1.1.0: `consoleOutput` is not a script option; it warns about the first unknown
    // key in sorted order, and `--console-output` appends the console lines, without the
    // `source` field, to the file instead of stderr.
    let r = run_script(&ws, CONSOLE, &["--console-output", "console.log"], &[]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    assert!(
        r.stderr.contains(
            "level=warning msg=\"There were unknown fields in the options exported in the script\" error=\"json: unknown field \\\"consoleOutput\\\"\""
        ),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("hello"), "{}", r.stderr);
    let text = std::fs::read_to_string(ws.path("console.log")).unwrap_or_default();
    let lines: Vec<String> = text
        .lines()
        .map(|l| {
            l.split_once(' ')
                .map(|x| x.1)
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    let one = [
        r#"level=info msg="hello 1 {\"a\":2}""#,
        "level=warning msg=w",
        "level=error msg=e",
    ];
    assert_eq!(lines, [one, one].concat(), "{text}");
    assert!(!ws.path("ignored.log").exists());
    // Appends, and K6_CONSOLE_OUTPUT is the same setting.
    let r = run_script(&ws, CONSOLE, &[], &[("K6_CONSOLE_OUTPUT", "console.log")]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let text = std::fs::read_to_string(ws.path("console.log")).unwrap_or_default();
    assert_eq!(text.lines().count(), 12);
    // A file that cannot be opened: k6's message and exit code 255.
    let r = run_script(
        &ws,
        CONSOLE,
        &["--console-output", "no/such/dir/x.log"],
        &[],
    );
    assert_eq!(r.code, 255);
    assert!(
        r.stderr
            .contains("open no/such/dir/x.log: no such file or directory"),
        "{}",
        r.stderr
    );
}

const LOGS: &str = r#"
export const options = { iterations: 1, foo: 1 };
export default function () { console.log('hello'); }
"#;

/// k6 v1.1.0's `--log-format` and `--log-output`, its exit code 255 for a bad flag, and
/// the last of a repeated flag winning. Deliberate differences: rk6 refuses (255) what it
/// cannot honour where k6 would act or fall back silently (`--log-format=xml` is text in k6,
/// `loki=` logs to Loki, `--execution-segment` works there); a bad `--local-ips` is a flag error.
#[test]
fn log_format_log_output_and_flag_errors_match_k6() {
    let ws = Workspace::new();
    let r = run_script(&ws, LOGS, &["--no-summary", "--log-format=json"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<serde_json::Value> = r
        .stderr
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert_eq!(lines.len(), 2, "{}", r.stderr);
    assert_eq!(lines[0]["error"], "json: unknown field \"foo\"");
    assert_eq!(lines[1]["msg"], "hello");
    assert_eq!(lines[1]["source"], "console");
    assert_eq!(lines[1]["level"], "info");
    let keys: Vec<&String> = lines[1]
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    assert_eq!(keys, ["level", "msg", "source", "time"]);

    let r = run_script(
        &ws,
        LOGS,
        &["--no-summary", "--log-format=raw", "--log-output=stdout"],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "");
    assert!(
        r.stdout
            .contains("There were unknown fields in the options exported in the script\nhello\n"),
        "{}",
        r.stdout
    );

    let r = run_script(
        &ws,
        LOGS,
        &["--no-summary", "--log-output=file=logs.txt"],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(ws.path("logs.txt")).unwrap_or_default();
    assert!(
        text.contains("level=info msg=hello source=console"),
        "{text}"
    );
    assert!(!r.stderr.contains("hello"));

    for bad in [
        "--bogus",
        "--log-format=xml",
        "--log-output=loki=http://127.0.0.1:1",
        "--local-ips=not-an-ip",
        // k6 v1.1.0: "segment start(0.50) must be less than its end(0.33)", exit 255.
        "--execution-segment=1/2:1/3",
        "--execution-segment-sequence=0,1/2,1/3",
    ] {
        let r = run_script(&ws, LOGS, &[bad], &[]);
        assert_eq!(r.code, 255, "{bad}: {}", r.stderr);
    }
    // Accepted for compatibility, and a flag given twice: the last wins.
    let r = run_script(
        &ws,
        LOGS,
        &[
            "--no-usage-report",
            "--compatibility-mode=base",
            "--traces-output=none",
            "--include-system-env-vars",
            "--iterations=5",
            "--iterations=2",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(summary(&ws)["metrics"]["iterations"]["count"], 2);
}

/// `--linger`: the run ends but rk6 waits for SIGINT, then exits with the test's code.
#[test]
fn linger_waits_for_a_signal() {
    let ws = Workspace::new();
    let path = ws.write("script.js", LOGS);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rk6"))
        .current_dir(ws.dir.path())
        .args(["run", "-q", "--address=", "--no-summary", "--linger"])
        .arg(&path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("rk6 starts");
    let mut stderr = std::io::BufReader::new(child.stderr.take().expect("piped"));
    let mut seen = String::new();
    let mut line = String::new();
    while std::io::BufRead::read_line(&mut stderr, &mut line).unwrap_or(0) > 0 {
        seen.push_str(&line);
        if line.contains("Linger set; waiting for Ctrl+C...") {
            break;
        }
        line.clear();
    }
    assert!(seen.contains("Linger set"), "{seen}");
    assert!(
        child.try_wait().ok().flatten().is_none(),
        "rk6 exited before the signal"
    );
    let _ = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let status = child.wait().expect("rk6 exits");
    assert_eq!(status.code(), Some(0));
}
