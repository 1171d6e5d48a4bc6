//! k6's small commands: `rk6 new` and `rk6 status|pause|resume|scale|stats` against a
//! running test's REST API. The expected outputs are k6 v1.1.0's, taken by running the same
//! commands against a running k6 (`k6 run -a 127.0.0.1:PORT` of the script below).

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::http_api::free_port;
use common::{Workspace, rk6};

#[test]
fn new_writes_a_starter_script_once() {
    let ws = Workspace::new();
    let r = rk6(ws.dir.path(), &["new"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "New script created: script.js (minimal template).\n"
    );
    let script = std::fs::read_to_string(ws.path("script.js")).unwrap();
    assert!(script.contains("export default function"));
    // It is a valid script: its options read back.
    let r = rk6(ws.dir.path(), &["inspect", "script.js"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("\"vus\": 10"), "{}", r.stdout);
    // k6: exit 255 and this message when the file exists.
    let r = rk6(ws.dir.path(), &["new", "script.js"], &[]);
    assert_eq!(r.code, 255);
    assert!(
        r.stderr
            .contains("script.js already exists. Use the `--force` flag to overwrite it"),
        "{}",
        r.stderr
    );
    let r = rk6(ws.dir.path(), &["new", "-f", "script.js"], &[]);
    assert_eq!(r.code, 0);
}

const EXTERNAL: &str = r#"
import { sleep } from 'k6';
export const options = { scenarios: { ext: { executor: 'externally-controlled', vus: 1, maxVUs: 5, duration: '20s' } } };
export default function () { sleep(0.2); }
"#;

#[test]
fn status_pause_resume_scale_and_stats_talk_to_a_running_test() {
    let ws = Workspace::new();
    let script = ws.write("script.js", EXTERNAL);
    let addr = format!("127.0.0.1:{}", free_port());
    let mut child = Command::new(env!("CARGO_BIN_EXE_rk6"))
        .args(["run", "-q", "--address", &addr])
        .arg(&script)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("rk6 starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    let dir = ws.dir.path();
    loop {
        let r = rk6(dir, &["status", "-a", &addr], &[]);
        if r.code == 0 && r.stdout.contains("running: true") {
            break;
        }
        assert!(Instant::now() < deadline, "never running: {}", r.stderr);
        std::thread::sleep(Duration::from_millis(200));
    }
    let status = |paused: &str, vus: &str| {
        format!(
            "status: 7\npaused: \"{paused}\"\nvus: \"{vus}\"\nvus-max: \"5\"\nstopped: false\nrunning: true\ntainted: false\n"
        )
    };
    let r = rk6(dir, &["status", "-a", &addr], &[]);
    assert_eq!(r.stdout, status("false", "1"));
    let r = rk6(dir, &["pause", "-a", &addr], &[]);
    assert_eq!(r.stdout, status("true", "0"));
    let r = rk6(dir, &["resume", "-a", &addr], &[]);
    assert_eq!(r.stdout, status("false", "1"));
    let r = rk6(dir, &["scale", "-a", &addr, "-u", "3"], &[]);
    assert_eq!(r.stdout, status("false", "3"));
    let r = rk6(dir, &["scale", "-a", &addr, "-u", "9"], &[]);
    assert_eq!(r.code, 255);
    assert!(
        r.stderr.contains("Config update error: invalid configuration supplied: the number of active VUs (9) must be less than or equal to the number of maxVUs (5)"),
        "{}",
        r.stderr
    );
    // vus and vus_max are sampled once a second: wait for the first sample.
    let want = "- name: vus_max\n  type:\n    type: gauge\n    valid: true\n  contains:\n    type: default\n    valid: true\n  tainted: \"\"\n  sample:\n    value: 5\n";
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = rk6(dir, &["stats", "-a", &addr], &[]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        if r.stdout.contains(want) {
            break;
        }
        assert!(Instant::now() < deadline, "{}", r.stdout);
        std::thread::sleep(Duration::from_millis(200));
    }
    let _ = child.kill();
    let _ = child.wait();
    // Nothing listens any more: Go's dial error, exit 255.
    let r = rk6(dir, &["status", "-a", &addr], &[]);
    assert_eq!(r.code, 255);
    assert!(
        r.stderr.contains(&format!(
            "Get \\\"http://{addr}/v1/status\\\": dial tcp {addr}: connect: connection refused"
        )) || r.stderr.contains(&format!(
            "Get \"http://{addr}/v1/status\": dial tcp {addr}: connect: connection refused"
        )),
        "{}",
        r.stderr
    );
}
