//! `js-api/` (the TypeScript declarations, package `@rk6/types`) and `examples/` against the
//! running engine:
//!
//! - the declarations, read with the TypeScript compiler API (`tests/js_api/declarations.cjs`),
//!   are compared both ways with what rk6 exposes (`tests/js_api/probe.js`, run by rk6): each
//!   built-in module's exports, the globals, and the members of every object type the API hands
//!   out. A name on one side only fails the test.
//! - every `examples/*.js` is type-checked with `tsc --noEmit --allowJs --checkJs` against
//!   js-api (TypeScript 6.0.3 and 7.0.2, plain and `--strict`), runs on rk6 against the embedded
//!   target, and (but for `k6/x/kv` ones) runs unchanged on k6 v1.1.0.
//!
//! Node, TypeScript and k6 come from `.ci/setup-outputs.sh` (TypeScript into `$RK6_TS_DIR`,
//! default `/opt/rk6-ci/ts`; k6 at `$RK6_K6`, default `/opt/k6/bin/k6`). Without them these tests
//! fail and say so.
//!
//! Confirmed on k6 v1.1.0: the probe run there (without `k6/x/kv`) lists the same module exports
//! and object members as rk6 except for the differences docs/typescript.md documents (k6 also has the
//! `OCSP_REASON_*` constants, more element accessors, the
//! CommonJS globals; it lacks `Response.toJSON` and `console.trace`); `examples_run_unchanged_on_k6`
//! runs every example but the kv one there. The examples' latency thresholds (`p(95)<500` and the
//! like) are two orders of magnitude above what either engine measures on 127.0.0.1.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Declared modules with no run-time counterpart, in k6 as in rk6.
const TYPE_ONLY_MODULES: &[&str] = &["k6/options"];

/// Declared types no script receives from rk6, so there is no object to compare them with:
/// what scripts pass in (parameters, options, callbacks), JSON data, and opaque handles.
const NOT_RUNTIME_OBJECTS: &[(&str, &str)] = &[
    ("k6.Checker", "callback passed to check()"),
    ("k6.Checkers", "argument of check()"),
    ("k6.JSONArray", "JSON data"),
    ("k6.JSONObject", "JSON data"),
    ("k6/http.Params", "request parameters"),
    ("k6/http.RefinedParams", "request parameters"),
    ("k6/http.StructuredRequestBody", "request body"),
    ("k6/http.ObjectBatchRequest", "argument of batch()"),
    (
        "k6/http.ExpectedStatusesObject",
        "argument of expectedStatuses()",
    ),
    ("k6/http.CookieOptions", "argument of CookieJar.set()"),
    ("k6/http.CookieJarCookies", "a name -> values map"),
    (
        "k6/http.ExpectedStatusesCallback",
        "opaque: only passed back to k6/http",
    ),
    ("k6/http.HttpURL", "opaque: only passed back to k6/http"),
    ("k6/html.Tester", "callback"),
    ("k6/html.Handler", "callback"),
    ("k6/html.Mapper", "callback"),
    ("k6/x/kv.OpenKvOptions", "argument of openKv()"),
    ("k6/net/grpc.Metadata", "call parameters"),
    ("k6/net/grpc.ConnectParams", "argument of connect()"),
    ("k6/net/grpc.TLSParams", "argument of connect()"),
    ("k6/net/grpc.Params", "call parameters"),
    (
        "k6/net/grpc.StreamEvents",
        "event name -> listener argument",
    ),
    ("k6/x/kv.ListOptions", "method options"),
    ("k6/x/kv.ScanOptions", "method options"),
    ("k6/x/kv.PrefixOptions", "method options"),
    ("k6/x/kv.BackupOptions", "method options"),
    ("k6/x/kv.RestoreOptions", "method options"),
    ("k6/ws.Params", "argument of connect()"),
    (
        "k6/experimental/websockets.Params",
        "argument of new WebSocket()",
    ),
    (
        "k6/experimental/websockets.BlobOptions",
        "argument of new Blob()",
    ),
    ("k6/experimental/csv.Options", "parse()/Parser options"),
    (
        "k6/experimental/streams.UnderlyingSource",
        "constructor argument",
    ),
    (
        "k6/experimental/streams.QueuingStrategy",
        "constructor argument",
    ),
    ("k6/experimental/redis.NodeOptions", "Client options"),
    ("k6/experimental/redis.SocketOptions", "Client options"),
    ("k6/experimental/redis.SocketOptions.tls", "Client options"),
    ("k6/experimental/redis.SentinelOptions", "Client options"),
    ("k6/experimental/redis.ClusterOptions", "Client options"),
    (
        "k6/experimental/redis.ClusterOptions.cluster",
        "Client options",
    ),
    (
        "global.RK6HmacKeyGenParams",
        "WebCrypto algorithm parameters",
    ),
    (
        "global.RK6HmacImportParams",
        "WebCrypto algorithm parameters",
    ),
    (
        "global.RK6AesKeyGenParams",
        "WebCrypto algorithm parameters",
    ),
    ("global.RK6AesGcmParams", "WebCrypto algorithm parameters"),
    ("global.RK6AesCbcParams", "WebCrypto algorithm parameters"),
    ("global.RK6AesCtrParams", "WebCrypto algorithm parameters"),
    ("global.RK6EcKeyGenParams", "WebCrypto algorithm parameters"),
    (
        "global.RK6EcKeyImportParams",
        "WebCrypto algorithm parameters",
    ),
    ("global.RK6EcdsaParams", "WebCrypto algorithm parameters"),
    (
        "global.RK6EcdhKeyDeriveParams",
        "WebCrypto algorithm parameters",
    ),
    (
        "global.RK6RsaHashedKeyGenParams",
        "WebCrypto algorithm parameters",
    ),
    (
        "global.RK6RsaHashedImportParams",
        "WebCrypto algorithm parameters",
    ),
    ("global.RK6RsaPssParams", "WebCrypto algorithm parameters"),
    ("global.RK6RsaOaepParams", "WebCrypto algorithm parameters"),
];

/// Node and the TypeScript packages `.ci/setup-outputs.sh` installs.
struct TypeScript {
    node: PathBuf,
    /// typescript@6.0.3: the compiler API and a tsc.
    ts6: PathBuf,
    /// typescript@7.0.2 (installed as `typescript-7`): the current tsc.
    ts7: PathBuf,
}

fn typescript() -> TypeScript {
    const HINT: &str = "run .ci/setup-outputs.sh (installs node, npm and TypeScript; \
                        RK6_TS_DIR overrides /opt/rk6-ci/ts)";
    let dir = std::env::var("RK6_TS_DIR").unwrap_or_else(|_| "/opt/rk6-ci/ts".into());
    let modules = Path::new(&dir).join("node_modules");
    let node = std::env::var("RK6_NODE").unwrap_or_else(|_| "node".into());
    let ok = Command::new(&node)
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(ok, "node not found ({node}): {HINT}");
    let ts = TypeScript {
        node: node.into(),
        ts6: modules.join("typescript"),
        ts7: modules.join("typescript-7"),
    };
    for (pkg, want) in [(&ts.ts6, "6.0.3"), (&ts.ts7, "7.0.2")] {
        let manifest = std::fs::read_to_string(pkg.join("package.json")).unwrap_or_default();
        let version = serde_json::from_str::<Value>(&manifest).unwrap_or(Value::Null)["version"]
            .as_str()
            .unwrap_or("")
            .to_string();
        assert_eq!(
            version,
            want,
            "TypeScript {want} not found at {}: {HINT}",
            pkg.display()
        );
    }
    ts
}

fn node_json(ts: &TypeScript, args: &[&Path]) -> Value {
    let out = Command::new(&ts.node)
        .args(args)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "node {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("declarations.cjs prints JSON")
}

/// The JSON the probe logs (`msg="PROBE {...}"`). The message is Go-quoted, which for the
/// printable ASCII text JSON.stringify makes is also a valid JSON string.
fn probe_output(stderr: &str) -> Value {
    let line = stderr
        .lines()
        .find(|l| l.contains("msg=\"PROBE "))
        .unwrap_or_else(|| panic!("no PROBE line in rk6's output:\n{stderr}"));
    let quoted = &line[line.find("msg=").expect("msg=") + 4..];
    let msg: String = serde_json::Deserializer::from_str(quoted)
        .into_iter::<String>()
        .next()
        .expect("a quoted message")
        .expect("a JSON-compatible quoted message");
    serde_json::from_str(&msg["PROBE ".len()..]).expect("the probe's JSON")
}

fn names(v: &Value) -> BTreeSet<String> {
    match v {
        Value::Object(m) => m.keys().cloned().collect(),
        Value::Array(a) => a
            .iter()
            .filter_map(|s| s.as_str().map(String::from))
            .collect(),
        _ => BTreeSet::new(),
    }
}

/// `what`: names on one side only, as problem lines.
fn compare(
    problems: &mut Vec<String>,
    what: &str,
    runtime: &BTreeSet<String>,
    declared: &BTreeSet<String>,
) {
    for n in runtime.difference(declared) {
        problems.push(format!("{what}: rk6 has `{n}`, js-api does not declare it"));
    }
    for n in declared.difference(runtime) {
        problems.push(format!(
            "{what}: js-api declares `{n}`, rk6 does not have it"
        ));
    }
}

#[test]
fn declarations_match_the_runtime_both_ways() {
    let ts = typescript();
    let script = Path::new(ROOT).join("tests/js_api/declarations.cjs");
    let decl = node_json(&ts, &[&script, &ts.ts6, &Path::new(ROOT).join("js-api")]);

    let target = target();
    let ws = Workspace::new();
    let probe_js = Path::new(ROOT).join("tests/js_api/probe.js");
    let probe_path = probe_js.display().to_string();
    let res = rk6(
        ws.dir.path(),
        &["run", "-q", "--no-summary", &probe_path],
        &[("BASE_URL", &base_url(&target))],
    );
    assert_eq!(res.code, 0, "probe failed:\n{}", res.stderr);
    let probe = probe_output(&res.stderr);
    let mut problems = Vec::new();

    // Modules: rk6's built-ins, the probe's imports and the declared modules are one set.
    let builtins: BTreeSet<String> = rk6::js::modules::BUILTINS
        .iter()
        .map(|(name, _, _)| name.to_string())
        .collect();
    let probed = names(&probe["modules"]);
    assert_eq!(
        probed, builtins,
        "tests/js_api/probe.js must import every built-in module"
    );
    let declared_modules: BTreeSet<String> = names(&decl["modules"])
        .into_iter()
        .filter(|m| !TYPE_ONLY_MODULES.contains(&m.as_str()))
        .collect();
    compare(&mut problems, "modules", &builtins, &declared_modules);

    for module in builtins.intersection(&declared_modules) {
        let rt = &probe["modules"][module];
        let dm = &decl["modules"][module];
        let exports = names(&rt["exports"]);
        compare(
            &mut problems,
            &format!("`{module}` exports"),
            &exports,
            &names(dm),
        );
        // `import x from` gives the exports object: the same names (TypeScript types the
        // default import of these modules as the namespace).
        if rt["hasDefault"] != true || names(&rt["defaultKeys"]) != exports {
            problems.push(format!(
                "`{module}`: the default export does not hold exactly the named exports ({})",
                rt["defaultKeys"]
            ));
        }
        for name in exports.intersection(&names(dm)) {
            let d = &dm[name];
            let r = &rt["exports"][name];
            let callable = d["kind"] == "function" || d["kind"] == "class" || d["callable"] == true;
            if callable != (r["type"] == "function") {
                problems.push(format!(
                    "`{module}`.{name}: declared {} but is a {} in rk6",
                    d["kind"], r["type"]
                ));
            }
            if !d["value"].is_null() && d["value"] != r["value"] {
                problems.push(format!(
                    "`{module}`.{name}: declared {} but is {} in rk6",
                    d["value"], r["value"]
                ));
            }
        }
    }

    // Globals: what rk6 adds to the ECMAScript ones TypeScript's esnext lib knows.
    let es = names(&decl["esGlobals"]);
    let declared_globals = names(&decl["globals"]);
    for phase in ["initGlobals", "vuGlobals"] {
        let mut rt: BTreeSet<String> = names(&probe[phase]).difference(&es).cloned().collect();
        if phase == "initGlobals" {
            // `__ITER` exists once an iteration has started, in k6 v1.1.0 as in rk6.
            rt.insert("__ITER".to_string());
        }
        compare(
            &mut problems,
            &format!("globals ({phase})"),
            &rt,
            &declared_globals,
        );
    }

    // Object types: every declared interface/class is either compared with the objects rk6
    // hands out, or listed above as something no script receives.
    let samples = probe["samples"].as_object().expect("samples");
    let types = decl["types"].as_object().expect("types");
    let exempt: BTreeMap<&str, &str> = NOT_RUNTIME_OBJECTS.iter().copied().collect();
    for name in exempt.keys() {
        if !types.contains_key(*name) {
            problems.push(format!(
                "NOT_RUNTIME_OBJECTS lists `{name}`, which js-api no longer declares"
            ));
        }
        if samples.contains_key(*name) {
            problems.push(format!(
                "`{name}` is probed and listed in NOT_RUNTIME_OBJECTS"
            ));
        }
    }
    for name in samples.keys() {
        if !types.contains_key(name) {
            problems.push(format!(
                "rk6 hands out `{name}` objects, js-api declares no such type"
            ));
        }
    }
    for (name, t) in types {
        let module = name.rsplit_once('.').map(|(m, _)| m).unwrap_or("");
        if exempt.contains_key(name.as_str())
            || TYPE_ONLY_MODULES
                .iter()
                .any(|m| module == *m || module.starts_with(&format!("{m}.")))
        {
            continue;
        }
        let Some(seen) = samples.get(name).and_then(Value::as_array) else {
            problems.push(format!(
                "js-api declares `{name}`: probe it in tests/js_api/probe.js or list it in \
                 NOT_RUNTIME_OBJECTS"
            ));
            continue;
        };
        let members = t["members"].as_object().expect("members");
        let declared: BTreeSet<String> = members.keys().cloned().collect();
        let union: BTreeSet<String> = seen.iter().flat_map(names).collect();
        compare(
            &mut problems,
            &format!("`{name}` members"),
            &union,
            &declared,
        );
        // Required members are on every object of the type.
        for (m, optional) in members {
            if optional == &Value::Bool(false) && union.contains(m) {
                let missing = seen.iter().filter(|s| !names(s).contains(m)).count();
                if missing > 0 {
                    problems.push(format!(
                        "`{name}.{m}` is declared required, rk6 left it out of {missing} of {} objects",
                        seen.len()
                    ));
                }
            }
        }
    }

    assert!(
        problems.is_empty(),
        "js-api/*.d.ts and rk6 differ ({} problems, TypeScript {}):\n  {}",
        problems.len(),
        decl["typescript"],
        problems.join("\n  ")
    );
}

/// Every `examples/*.js`, sorted.
fn examples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(Path::new(ROOT).join("examples"))
        .expect("examples/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "js"))
        .collect();
    v.sort();
    assert!(v.len() >= 9, "examples/ lost files: {v:?}");
    v
}

#[test]
fn examples_type_check_against_js_api() {
    let ts = typescript();
    let config = Path::new(ROOT).join("examples/jsconfig.json");
    let config = config.display().to_string();
    let mut failures = Vec::new();
    for (tsc_pkg, label) in [(&ts.ts6, "6.0.3"), (&ts.ts7, "7.0.2")] {
        let tsc = tsc_pkg.join("bin/tsc");
        for strict in [false, true] {
            let mut cmd = Command::new(&ts.node);
            cmd.arg(&tsc).args([
                "-p",
                &config,
                "--noEmit",
                "--allowJs",
                "--checkJs",
                "--listFiles",
                "--pretty",
                "false",
            ]);
            if strict {
                cmd.arg("--strict");
            }
            let out = cmd.output().expect("node runs tsc");
            let stdout = String::from_utf8_lossy(&out.stdout);
            let what = format!("tsc {label}{}", if strict { " --strict" } else { "" });
            if !out.status.success() {
                failures.push(format!(
                    "{what}:\n{stdout}{}",
                    String::from_utf8_lossy(&out.stderr)
                ));
                continue;
            }
            // The config must pick up every example (and the declarations).
            for ex in examples()
                .iter()
                .chain([&Path::new(ROOT).join("js-api/index.d.ts")])
            {
                let canonical = ex.canonicalize().expect("file exists");
                let listed = stdout.lines().any(|l| {
                    Path::new(l.trim())
                        .canonicalize()
                        .is_ok_and(|p| p == canonical)
                });
                if !listed {
                    failures.push(format!("{what} did not check {}", ex.display()));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Points per metric and the summary export of one example run.
struct ExampleRun {
    name: String,
    code: i32,
    stdout: String,
    stderr: String,
    dir: tempfile::TempDir,
}

impl ExampleRun {
    fn points(&self) -> Vec<Value> {
        points(&self.dir.path().join("out.json"))
    }
    fn export(&self) -> Value {
        let text = std::fs::read_to_string(self.dir.path().join("export.json")).unwrap_or_default();
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }
}

/// Runs every example at once (each in its own working directory, as the examples write files
/// there: handleSummary's JSON, a disk kv store), through `run`.
fn run_examples(
    which: impl Fn(&Path) -> bool,
    run: impl Fn(&Path, &Path) -> (i32, String, String) + Sync,
) -> Vec<ExampleRun> {
    std::thread::scope(|s| {
        let handles: Vec<_> = examples()
            .into_iter()
            .filter(|ex| which(ex))
            .map(|ex| {
                let run = &run;
                s.spawn(move || {
                    let dir = tempfile::tempdir().expect("temp dir");
                    let (code, stdout, stderr) = run(&ex, dir.path());
                    ExampleRun {
                        name: ex.file_name().expect("name").to_string_lossy().into_owned(),
                        code,
                        stdout,
                        stderr,
                        dir,
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("example thread"))
            .collect()
    })
}

fn uses_kv(example: &Path) -> bool {
    std::fs::read_to_string(example).is_ok_and(|s| s.contains("'k6/x/kv'"))
}

/// Arguments shared by the rk6 and k6 runs: short durations, JSON output and summary export in
/// the run's directory.
fn example_args(example: &Path, dir: &Path, base: &str) -> Vec<String> {
    vec![
        "run".into(),
        "-q".into(),
        format!("--out=json={}", dir.join("out.json").display()),
        format!("--summary-export={}", dir.join("export.json").display()),
        "-e".into(),
        format!("BASE_URL={base}"),
        // quickstart.js takes its duration from DURATION (5s by default).
        "-e".into(),
        "DURATION=2s".into(),
        example.display().to_string(),
    ]
}

/// What every example run must show: exit code 0, iterations, no failed check, no error logged.
fn check_run(r: &ExampleRun, engine: &str, failures: &mut Vec<String>) {
    let fail = |failures: &mut Vec<String>, why: String| {
        failures.push(format!(
            "{engine} {}: {why}\n--- stdout\n{}\n--- stderr\n{}",
            r.name, r.stdout, r.stderr
        ))
    };
    if r.code != 0 {
        fail(failures, format!("exit code {}", r.code));
        return;
    }
    let export = r.export();
    if export["metrics"]["iterations"]["count"]
        .as_f64()
        .unwrap_or(0.0)
        < 1.0
    {
        fail(failures, "no iterations".into());
    }
    let checks = &export["metrics"]["checks"];
    if !checks.is_null() && (checks["fails"] != 0 || checks["passes"].as_f64().unwrap_or(0.0) < 1.0)
    {
        fail(failures, format!("checks: {checks}"));
    }
    if r.stderr.contains("level=error") {
        fail(failures, "an error was logged".into());
    }
}

#[test]
fn examples_run_on_rk6_against_the_embedded_target() {
    let target = target();
    let base = base_url(&target);
    let runs = run_examples(
        |_| true,
        |ex, dir| {
            let args = example_args(ex, dir, &base);
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            let r = rk6(dir, &refs, &[]);
            (r.code, r.stdout, r.stderr)
        },
    );
    let mut failures = Vec::new();
    for r in &runs {
        check_run(r, "rk6", &mut failures);
        if r.code != 0 {
            continue;
        }
        let pts = r.points();
        let count = |metric: &str| pts.iter().filter(|p| p["metric"] == metric).count();
        // What each example is about, beyond running clean.
        let mut expect = |ok: bool, what: &str| {
            if !ok {
                failures.push(format!("rk6 {}: {what}\n--- stderr\n{}", r.name, r.stderr));
            }
        };
        match r.name.as_str() {
            "handle-summary.js" => {
                expect(
                    r.stdout.contains("all thresholds passed"),
                    "handleSummary's text on stdout",
                );
                let file =
                    std::fs::read_to_string(r.dir.path().join("summary.json")).unwrap_or_default();
                let data: Value = serde_json::from_str(&file).unwrap_or(Value::Null);
                expect(
                    data["metrics"]["http_reqs"]["values"]["count"] == 10,
                    "summary.json with 10 requests",
                );
            }
            "kv-producer-consumer.js" => {
                // 500 tokens, each consumed once; teardown's three checks passed.
                expect(count("tokens_consumed") == 500, "500 tokens consumed");
                expect(
                    count("tokens_consumed_twice") == 0,
                    "no token consumed twice",
                );
                expect(
                    r.export()["metrics"]["checks"]["passes"] == 3,
                    "teardown's checks",
                );
            }
            "setup-teardown.js" => {
                expect(
                    r.stderr.contains("teardown: token "),
                    "teardown logs the setup token",
                );
                expect(count("http_reqs") == 7, "1 setup request + 6 iterations");
            }
            "timestream.js" | "influxdb.js" => {
                // Run without --out: the test-wide tag (a Timestream dimension / InfluxDB tag)
                // is on every sample.
                let id = r.name.trim_end_matches(".js").to_string() + "-example";
                expect(
                    !pts.is_empty()
                        && pts
                            .iter()
                            .all(|p| p["data"]["tags"]["testid"] == id.as_str()),
                    "every sample tagged testid",
                );
            }
            _ => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The settings the output examples document in their comments are ones rk6 reads.
#[test]
fn examples_document_real_settings() {
    let mut src = String::new();
    let mut stack = vec![Path::new(ROOT).join("src")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("src/").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                src.push_str(&std::fs::read_to_string(&p).unwrap_or_default());
            }
        }
    }
    let mut unknown = Vec::new();
    let mut seen = 0;
    for ex in examples() {
        let text = std::fs::read_to_string(&ex).expect("example");
        for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if word.starts_with("K6_") && word.len() > 3 {
                seen += 1;
                if !src.contains(&format!("\"{word}\"")) {
                    unknown.push(format!("{}: {word}", ex.display()));
                }
            }
        }
    }
    assert!(
        seen >= 10,
        "the output examples document their K6_* settings"
    );
    assert!(
        unknown.is_empty(),
        "settings rk6 does not read: {unknown:?}"
    );
}

/// The real k6 binary: `$RK6_K6` or where `.ci/setup-outputs.sh` installs k6 v1.1.0.
fn k6_binary() -> PathBuf {
    let p = std::env::var("RK6_K6")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("/opt/k6/bin/k6"));
    assert!(
        p.exists(),
        "k6 v1.1.0 not found at {}: run .ci/setup-outputs.sh (or set RK6_K6)",
        p.display()
    );
    p
}

/// The examples promise to run unchanged on k6 v1.1.0, but for `k6/x/kv` ones (k6 needs an xk6
/// build for that).
#[test]
fn examples_run_unchanged_on_k6() {
    let k6 = k6_binary();
    let target = target();
    let base = base_url(&target);
    let runs = run_examples(
        |ex| !uses_kv(ex),
        |ex, dir| {
            let mut args = example_args(ex, dir, &base);
            args.insert(1, "--address=".into());
            let out = Command::new(&k6)
                .args(&args)
                .current_dir(dir)
                .env("K6_NO_USAGE_REPORT", "true")
                .output()
                .expect("k6 runs");
            (
                out.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        },
    );
    let mut failures = Vec::new();
    for r in &runs {
        check_run(r, "k6", &mut failures);
    }
    assert!(runs.len() >= 8, "k6 ran {} examples", runs.len());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
