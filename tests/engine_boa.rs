//! Boa's own unit tests for what `vendor/` patches (vendor/PATCHES.md), run with rk6's tests.
//!
//! The patched crates are not workspace members: clippy with `-D warnings` would lint Boa's
//! code, and `cargo test` would build their whole suites (over 15 minutes). This test runs the
//! subset that covers the patches through `vendor/boa-tests.sh`, which tests each crate against
//! the other patched ones in a throwaway manifest with its own target directory
//! (`target/vendor-tests/`, so this nested cargo does not wait for the outer one's lock):
//! String, RegExp and JSON built-ins, the VM's recursion limits and interrupt flag, the native
//! stack growth, the built-ins created on first use with the promise and module paths that
//! avoid filling them, boa_string's search and slices, boa_parser's nesting limit, and
//! regress's Latin1, interrupt, anchored and linear-time paths.

use std::path::Path;
use std::process::Command;

/// One crate's tests: `args` go to `cargo test` after the crate name.
fn boa_tests(crate_name: &str, args: &[&str]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("bash")
        .arg(root.join("vendor/boa-tests.sh"))
        .arg(crate_name)
        .args(args)
        .env("CARGO", env!("CARGO"))
        .output()
        .expect("bash runs vendor/boa-tests.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{crate_name} {args:?} failed:\n{stdout}\n{}",
        stderr
            .lines()
            .rev()
            .take(60)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // A filter that matches nothing would pass silently: every run must have run tests.
    let ran: usize = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("test result: ok. "))
        .filter_map(|l| l.split(' ').next()?.parse::<usize>().ok())
        .sum();
    assert!(ran > 0, "{crate_name} {args:?} ran no test:\n{stdout}");
}

/// The crates are tested one after the other (they share `target/vendor-tests/`).
#[test]
fn boa_tests_of_the_patched_parts_pass() {
    // regress's integration suites, and its unit tests of the translation (its other unit
    // tests take minutes unoptimized and cover nothing patched).
    let regress = ["--features", "linear,utf16"];
    boa_tests(
        "regress",
        &[
            &regress[..],
            &[
                "--test",
                "linear",
                "--test",
                "latin1",
                "--test",
                "interrupt",
            ],
        ]
        .concat(),
    );
    boa_tests("regress", &[&regress[..], &["--test", "tests"]].concat());
    boa_tests(
        "regress",
        &[&regress[..], &["--lib", "--", "linear::"]].concat(),
    );
    boa_tests("boa_string", &["--lib"]);
    boa_tests("boa_parser", &["--lib", "--", "parser::tests::nesting"]);
    boa_tests(
        "boa_engine",
        &[
            "--lib",
            "--",
            "builtins::string::",
            "builtins::regexp::",
            "builtins::json::",
            "vm::tests::",
            "builtins::lazy::",
            "builtins::promise::",
            "module::",
        ],
    );
}
