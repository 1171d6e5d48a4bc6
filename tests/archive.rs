//! Test archives both ways with real k6 v1.1.0: `rk6 archive` makes an archive of a script
//! with a local module, an `open()`ed file, a remote module (served over HTTPS by the test) and
//! `-e` variables; with the server gone and the sources deleted, the archive runs on rk6 and on
//! k6 alike. A `k6 archive` of the same script runs on rk6. Both archives have the same
//! entries.

mod common;
mod module_support;

use std::path::Path;
use std::process::Command;

use common::{Workspace, rk6};
use module_support::{Answer, module_server, pki, real_k6};

fn k6_cmd(bin: &Path, dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> (i32, String) {
    let out = Command::new(bin)
        .current_dir(dir)
        .args(args)
        .env("K6_NO_USAGE_REPORT", "true")
        .envs(envs.iter().copied())
        .output()
        .expect("k6 runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

const LIB: &str = "export function twice(x) { return 2 * x; }\n";

fn script(base: &str) -> String {
    format!(
        "import {{ twice }} from './lib/math.js';
import {{ answer }} from '{base}/m/answer.js';
const words = open('./data/words.txt').trim().split('\\n');
export const options = {{ iterations: 2, vus: 1 }};
export default function () {{
  console.log(`iter ${{__ITER}}: ${{twice(answer())}} ${{words[__ITER]}} ${{__ENV.GREETING}}`);
}}
"
    )
}

/// Entry types and names of a tar file, in order.
fn entries(tar: &Path) -> Vec<String> {
    let bytes = std::fs::read(tar).expect("archive written");
    let mut archive = tar::Archive::new(bytes.as_slice());
    archive
        .entries()
        .expect("a tar file")
        .map(|e| {
            let e = e.expect("entry");
            format!(
                "{:?} {}",
                e.header().entry_type(),
                e.path().expect("path").display()
            )
        })
        .collect()
}

const EXPECTED: [&str; 2] = ["iter 0: 84 alpha hello", "iter 1: 84 beta hello"];

fn assert_ran(who: &str, code: i32, stderr: &str) {
    assert_eq!(code, 0, "{who}: {stderr}");
    for line in EXPECTED {
        assert!(stderr.contains(line), "{who}: {stderr}");
    }
}

#[test]
fn archives_run_offline_on_rk6_and_k6_both_ways() {
    let pki = pki(&["127.0.0.1"]);
    let ca = pki.ca_file.display().to_string();
    let src = Workspace::new();
    let out = Workspace::new();
    let cache = out.path("cache").display().to_string();
    let server = module_server(
        &pki,
        &[(
            "/m/answer.js",
            Answer::Module("export function answer() { return 42; }\n"),
        )],
    );
    src.write("lib/math.js", LIB);
    src.write("data/words.txt", "alpha\nbeta\n");
    let main = src.write("script.js", &script(&format!("https://{}", server.addr)));
    let main = main.display().to_string();
    let rk6_tar = out.path("rk6.tar").display().to_string();
    let envs = [("SSL_CERT_FILE", ca.as_str()), ("RK6_MODULE_CACHE", &cache)];
    let r = rk6(
        src.dir.path(),
        &["archive", "-e", "GREETING=hello", "-O", &rk6_tar, &main],
        &envs,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let k6 = real_k6();
    let k6_tar = out.path("k6.tar").display().to_string();
    if let Some(k6) = &k6 {
        let (code, stderr) = k6_cmd(
            k6,
            src.dir.path(),
            &["archive", "-e", "GREETING=hello", "-O", &k6_tar, &main],
            &envs,
        );
        assert_eq!(code, 0, "{stderr}");
        // The same entries, in the same order.
        assert_eq!(entries(Path::new(&rk6_tar)), entries(Path::new(&k6_tar)));
    }
    // Offline: no server, no sources, an empty module cache.
    drop(server);
    drop(src);
    let offline = [("RK6_MODULE_CACHE", cache.as_str())];
    let run = ["run", "-q", "--no-summary", "--log-format=raw"];
    let r = rk6(out.dir.path(), &[&run[..], &[&rk6_tar]].concat(), &offline);
    assert_ran("rk6 running its archive", r.code, &r.stderr);
    assert!(!r.stderr.contains("module cache"), "{}", r.stderr);
    if let Some(k6) = &k6 {
        let (code, stderr) = k6_cmd(
            k6,
            out.dir.path(),
            &[&run[..], &["--address=", &rk6_tar]].concat(),
            &[],
        );
        assert_ran("k6 running rk6's archive", code, &stderr);
        let r = rk6(out.dir.path(), &[&run[..], &[&k6_tar]].concat(), &offline);
        assert_ran("rk6 running k6's archive", r.code, &r.stderr);
    }
    // The environment and options recorded: -e wins over the archive's env, and flags over
    // the archived options.
    let r = rk6(
        out.dir.path(),
        &[&run[..], &["-e", "GREETING=bye", "-i", "1", &rk6_tar]].concat(),
        &offline,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("iter 0: 84 alpha bye") && !r.stderr.contains("iter 1"),
        "{}",
        r.stderr
    );
}
