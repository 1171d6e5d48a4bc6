//! `k6/experimental/fs`, `csv` and `streams` beyond what the conformance corpus compares with
//! k6 (`tests/conformance/170`-`172`): one copy of parsed CSV data for every VU, and the
//! message for browser modules, which k6 runs and rk6 does not.

mod common;

use common::*;

/// Peak RSS in kB of the largest child this process has waited for.
fn children_peak_rss_kb() -> i64 {
    // SAFETY: getrusage only writes into the struct it is given.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage.ru_maxrss
    }
}

/// 50 VUs `csv.parse` the same 8 MB file: the records are built once and shared. (k6 builds one
/// SharedArray per VU: ~50 copies.)
#[test]
fn parsed_csv_is_held_once_for_all_vus() {
    let ws = Workspace::new();
    let mut text = String::from("id,name,email,score\n");
    for i in 0..200_000 {
        text.push_str(&format!("{i},user{i},user{i}@example.com,{}\n", i % 100));
    }
    ws.write("users.csv", &text);
    let script = r#"
import { open } from 'k6/experimental/fs';
import csv from 'k6/experimental/csv';
import { check } from 'k6';
export const options = { vus: 50, iterations: 50 };
const users = await csv.parse(await open('./users.csv'), { asObjects: true });
export default function () {
  check(users, {
    'every record': (u) => u.length === 200000,
    'records by header': (u) => u[199999].email === 'user199999@example.com',
  });
}
"#;
    let r = run_script(&ws, script, &[], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let pts = points(&ws.path("out.json"));
    let failed = pts
        .iter()
        .filter(|p| p["metric"] == "checks" && p["data"]["value"] != 1)
        .count();
    assert_eq!(failed, 0, "{}", r.stderr);
    // One copy of the records is ~12 MB of JSON; fifty would be ~600 MB.
    let peak_mb = children_peak_rss_kb() / 1024;
    assert!(
        peak_mb < 250,
        "peak RSS {peak_mb} MB: the records were not shared"
    );
}

#[test]
fn browser_modules_say_rk6_does_not_run_browser_tests() {
    for module in ["k6/browser", "k6/experimental/browser"] {
        let ws = Workspace::new();
        let script = format!(
            "import {{ browser }} from '{module}';\nexport default async function () {{ await browser.newPage(); }}\n"
        );
        let r = run_script(&ws, &script, &[], &[]);
        // k6's exit code for a module that fails to load (script exception).
        assert_eq!(r.code, 107, "{}", r.stderr);
        assert!(
            r.stderr
                .contains(&format!("{module}: rk6 does not run browser tests")),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("k6 run script.js"), "{}", r.stderr);
    }
}
