//! How rk6 holds up against a hostile user, beside k6 v1.1.0: exit codes and messages for bad
//! input, signals, outputs that hang, servers that misbehave, and the process limits rk6 sets
//! for itself. Each expectation was confirmed on k6 v1.1.0 with the same input (the comments
//! say what k6 did); the REST API's cases are in `tests/rest_api.rs`.

mod common;

use common::*;

const OK_SCRIPT: &str = "export default function () {}\n";

/// Runs `rk6 run <args>` in a workspace holding `ok.js`, `arr.json` (`[1,2,3]`) and
/// `null.json`, and returns the exit code and stderr.
fn run_with(args: &[&str]) -> RunResult {
    let ws = Workspace::new();
    ws.write("ok.js", OK_SCRIPT);
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
