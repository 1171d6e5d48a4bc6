//! The deployment files, checked offline (no cluster, no docker here or in CI):
//! `deploy/k6-operator/` against k6-operator's TestRun CRD schema (kept as data in
//! `tests/fixtures/k6-operator/`), the Indexed Job's command run with each completion index
//! (it must hand each pod the segment k6-operator would), and the Dockerfile's structure.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// python3 with jsonschema and PyYAML (`.ci/setup-outputs.sh` installs them).
fn python_with_yaml() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import jsonschema, yaml"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!(
            "\n*** SKIPPED: python3 with jsonschema and yaml is missing (run .ci/setup-outputs.sh) ***\n"
        );
    }
    ok
}

fn validate(manifest: &Path) -> (bool, String) {
    let out = Command::new("python3")
        .arg(repo("tests/fixtures/k6-operator/validate_testrun.py"))
        .arg(repo("tests/fixtures/k6-operator/k6.io_testruns.yaml"))
        .arg(manifest)
        .output()
        .expect("python3 runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn testrun_matches_k6_operators_crd() {
    if !python_with_yaml() {
        return;
    }
    let (ok, out) = validate(&repo("deploy/k6-operator/testrun.yaml"));
    assert!(ok, "{out}");
    assert!(out.contains("TestRun rk6-test is valid"), "{out}");
    // The validator refuses what the API server would (so the check above can fail).
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("bad.yaml");
    let text = std::fs::read_to_string(repo("deploy/k6-operator/testrun.yaml")).expect("read");
    std::fs::write(
        &bad,
        text.replace("parallelism: 4", "parallelism: four\n  paralelism: 4"),
    )
    .expect("write");
    let (ok, out) = validate(&bad);
    assert!(!ok, "{out}");
    assert!(out.contains("spec/parallelism"), "{out}");
    assert!(out.contains("'paralelism' was unexpected"), "{out}");
}

/// The Job's container command, read with PyYAML.
fn job_command() -> (Vec<String>, String) {
    let script = r#"
import json, sys, yaml
for doc in yaml.safe_load_all(open(sys.argv[1])):
    if doc["kind"] == "Job":
        spec = doc["spec"]
        c = spec["template"]["spec"]["containers"][0]
        env = {e["name"]: e.get("value") for e in c.get("env", [])}
        print(json.dumps({"command": c["command"], "instances": env["INSTANCES"],
                          "completions": spec["completions"], "mode": spec["completionMode"]}))
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(repo("deploy/indexed-job/job.yaml"))
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["mode"], "Indexed");
    assert_eq!(
        v["completions"].to_string(),
        v["instances"].as_str().expect("a string")
    );
    let command = v["command"]
        .as_array()
        .expect("a command")
        .iter()
        .map(|s| s.as_str().expect("strings").to_string())
        .collect();
    (
        command,
        v["instances"].as_str().unwrap_or_default().to_string(),
    )
}

#[test]
fn indexed_job_gives_each_pod_the_segment_k6_operator_would() {
    if !python_with_yaml() {
        return;
    }
    let (command, instances) = job_command();
    assert_eq!(&command[..2], ["sh", "-c"]);
    // A `k6` that prints its arguments stands in for rk6.
    let bin = tempfile::tempdir().expect("temp dir");
    let fake = bin.path().join("k6");
    std::fs::write(&fake, "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done\n").expect("write");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let n: usize = instances.parse().expect("a count");
    for index in 0..n {
        let out = Command::new("sh")
            .args(["-c", &command[2]])
            .env("PATH", &path)
            .env("INSTANCES", &instances)
            .env("JOB_COMPLETION_INDEX", index.to_string())
            .output()
            .expect("sh runs");
        assert!(out.status.success());
        let args: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect();
        // k6-operator's runner i (from 1) of N: `--execution-segment=<i-1>/N:<i>/N` and
        // `--execution-segment-sequence=0,1/N,...,(N-1)/N,1` (pkg/segmentation).
        let sequence: Vec<String> = std::iter::once("0".to_string())
            .chain((1..n).map(|j| format!("{j}/{n}")))
            .chain(std::iter::once("1".to_string()))
            .collect();
        assert_eq!(args[0], "run");
        assert!(
            args.contains(&format!(
                "--execution-segment={index}/{n}:{}/{n}",
                index + 1
            )),
            "{args:?}"
        );
        assert!(
            args.contains(&format!(
                "--execution-segment-sequence={}",
                sequence.join(",")
            )),
            "{args:?}"
        );
        assert!(
            args.contains(&format!("instance_id={}", index + 1)),
            "{args:?}"
        );
        // Pod 0 (the headless Service's rk6-test-0) keeps the start barrier.
        assert!(
            args.contains(&"--coordinator=rk6-test-0.rk6-test:6565".to_string()),
            "{args:?}"
        );
        assert_eq!(args.last().map(String::as_str), Some("/test/test.js"));
    }
}

#[test]
fn dockerfile_puts_rk6_on_path_as_k6() {
    let text = std::fs::read_to_string(repo("Dockerfile")).expect("Dockerfile");
    let ignored = std::fs::read_to_string(repo(".dockerignore")).expect(".dockerignore");
    let ignored: Vec<&str> = ignored.lines().map(str::trim).collect();
    // Join continuation lines into instructions.
    let mut instructions: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || (line.is_empty() && current.is_empty()) {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(part) => current.push_str(part),
            None => {
                current.push_str(line);
                instructions.push(std::mem::take(&mut current));
            }
        }
    }
    let stages: Vec<usize> = instructions
        .iter()
        .enumerate()
        .filter(|(_, i)| i.starts_with("FROM "))
        .map(|(n, _)| n)
        .collect();
    assert!(stages.len() >= 2, "a multi-stage build");
    let last = &instructions[*stages.last().expect("a stage")..];
    // A Debian base has sh (k6-operator runs `sh -c`); k6 on PATH is rk6.
    assert!(last[0].contains("debian"), "{}", last[0]);
    assert!(
        last.iter()
            .any(|i| i.starts_with("RUN ") && i.contains("ln -s /usr/bin/rk6 /usr/bin/k6")),
        "{last:?}"
    );
    assert!(
        last.iter()
            .any(|i| i.starts_with("COPY --from=") && i.ends_with("/usr/bin/rk6")),
        "{last:?}"
    );
    assert!(last.iter().any(|i| i == "ENTRYPOINT [\"k6\"]"), "{last:?}");
    // Every file copied from the build context exists and is not excluded from it.
    for i in instructions
        .iter()
        .filter(|i| i.starts_with("COPY ") && !i.contains("--from"))
    {
        let parts: Vec<&str> = i.split_whitespace().collect();
        for src in &parts[1..parts.len() - 1] {
            assert!(repo(src).exists(), "{src} is copied but missing");
            assert!(
                !ignored.contains(src),
                "{src} is copied but in .dockerignore"
            );
        }
    }
}
