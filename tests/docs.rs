//! The docs cannot rot: every fenced block marked ```` ```sh rk6-test ```` in `README.md`,
//! `CONTRIBUTING.md` and `docs/**/*.md` runs against the embedded target, and every relative
//! link and `#anchor` in them resolves.
//!
//! A runnable block runs with `bash -e -o pipefail`, in a fresh temporary directory holding a
//! link to the repository's `examples/`, with the freshly built `rk6` first on `PATH`, the
//! embedded target (started here on a free port) in place of `127.0.0.1:8080` and as
//! `BASE_URL`, and `DURATION=2s` (the examples' default test length, shortened). It must exit 0
//! within two minutes.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::os::unix::process::CommandExt;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// The info string's second word that marks a block as run by this test.
const RUNNABLE: &str = "rk6-test";
/// The address the docs use for the embedded target.
const DOCS_TARGET: &str = "127.0.0.1:8080";
const BLOCK_TIMEOUT: Duration = Duration::from_secs(120);

/// What one Markdown file holds that this test checks.
#[derive(Debug, Default)]
struct Doc {
    /// Runnable shell blocks: (line, script).
    runnable: Vec<(usize, String)>,
    /// Link and image destinations: (line, destination).
    links: Vec<(usize, String)>,
    /// The anchors its headings get on GitHub.
    anchors: BTreeSet<String>,
}

fn parse(text: &str) -> Doc {
    let line_of = |offset: usize| text[..offset].matches('\n').count() + 1;
    let mut doc = Doc::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut heading: Option<String> = None;
    let mut block: Option<(usize, String)> = None;
    for (event, range) in Parser::new(text).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                let mut words = info.split_whitespace();
                if words.next() == Some("sh") && words.any(|w| w == RUNNABLE) {
                    block = Some((line_of(range.start), String::new()));
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(b) = block.take() {
                    doc.runnable.push(b);
                }
            }
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::End(TagEnd::Heading(_)) => {
                if let Some(text) = heading.take() {
                    let base = slug(&text);
                    let n = seen.entry(base.clone()).or_insert(0);
                    doc.anchors.insert(if *n == 0 {
                        base.clone()
                    } else {
                        format!("{base}-{n}")
                    });
                    *n += 1;
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, b)) = block.as_mut() {
                    b.push_str(&t);
                }
                if let Some(h) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                doc.links.push((line_of(range.start), dest_url.to_string()));
            }
            _ => {}
        }
    }
    doc
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// README.md, CONTRIBUTING.md and every Markdown file under docs/.
fn markdown_files(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ["README.md", "CONTRIBUTING.md"]
        .iter()
        .map(|f| root.join(f))
        .filter(|p| p.is_file())
        .collect();
    let mut dirs = vec![root.join("docs")];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// `a/./b/../c` as `a/c`, without touching the file system (the target may not exist).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Every relative link of `files` that does not resolve, as `file:line: why`.
fn broken_links(root: &Path, files: &[PathBuf]) -> Vec<String> {
    let docs: HashMap<PathBuf, Doc> = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            (normalize(f), parse(&text))
        })
        .collect();
    let anchors_of = |path: &Path| -> Option<BTreeSet<String>> {
        if let Some(doc) = docs.get(path) {
            return Some(doc.anchors.clone());
        }
        std::fs::read_to_string(path)
            .ok()
            .map(|text| parse(&text).anchors)
    };
    let mut problems = Vec::new();
    for file in files {
        let doc = &docs[&normalize(file)];
        let shown = file.strip_prefix(root).unwrap_or(file).display();
        for (line, dest) in &doc.links {
            if dest.contains("://") || dest.starts_with("mailto:") {
                continue;
            }
            let (path_part, anchor) = match dest.split_once('#') {
                Some((p, a)) => (p, Some(a)),
                None => (dest.as_str(), None),
            };
            let target = if path_part.is_empty() {
                normalize(file)
            } else {
                normalize(&file.parent().unwrap_or(root).join(path_part))
            };
            if !target.exists() {
                problems.push(format!("{shown}:{line}: `{dest}`: no such file"));
                continue;
            }
            let Some(anchor) = anchor else { continue };
            if target.extension().is_none_or(|e| e != "md") {
                continue;
            }
            match anchors_of(&target) {
                Some(anchors) if anchors.contains(anchor) => {}
                _ => problems.push(format!(
                    "{shown}:{line}: `{dest}`: no heading with the anchor #{anchor}"
                )),
            }
        }
    }
    problems
}

#[test]
fn slugs_are_githubs() {
    assert_eq!(slug("Set-up: two commands"), "set-up-two-commands");
    assert_eq!(slug("`k6/execution`"), "k6execution");
    assert_eq!(
        slug("Where rk6 differs from k6 v1.1.0"),
        "where-rk6-differs-from-k6-v110"
    );
    assert_eq!(
        slug("Differences from @types/k6"),
        "differences-from-typesk6"
    );
}

#[test]
fn a_broken_link_or_anchor_is_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("page.md");
    std::fs::write(dir.path().join("other.md"), "# Other\n\n## A section\n").expect("write");
    std::fs::write(
        &page,
        "# Page\n\n[ok](other.md#a-section) [ok](#page) [ok](other.md)\n\n\
         [gone](missing.md) [bad anchor](other.md#no-section) [bad local](#nowhere)\n",
    )
    .expect("write");
    let problems = broken_links(dir.path(), &[page, dir.path().join("other.md")]);
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(
        problems[0].starts_with("page.md:5: `missing.md`"),
        "{problems:#?}"
    );
}

#[test]
fn every_relative_link_and_anchor_resolves() {
    let root = Path::new(ROOT);
    let files = markdown_files(root);
    assert!(files.len() > 10, "found only {files:?}");
    let problems = broken_links(root, &files);
    assert!(
        problems.is_empty(),
        "broken links in the docs:\n{}",
        problems.join("\n")
    );
}

#[test]
fn runnable_blocks_pass_against_the_embedded_target() {
    let root = Path::new(ROOT);
    let target = common::target();
    let addr = target.local_addr().to_string();
    let rk6 = PathBuf::from(env!("CARGO_BIN_EXE_rk6"));
    let bin_dir = rk6.parent().expect("the binary's directory");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut ran = 0;
    let mut failures = Vec::new();
    for file in markdown_files(root) {
        let text = std::fs::read_to_string(&file).expect("read a doc");
        let shown = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .display()
            .to_string();
        for (line, script) in parse(&text).runnable {
            ran += 1;
            let dir = tempfile::tempdir().expect("temp dir");
            std::os::unix::fs::symlink(root.join("examples"), dir.path().join("examples"))
                .expect("link examples/");
            let script = script.replace(DOCS_TARGET, &addr);
            // Its own process group, so a timeout stops whatever the block started too.
            let child = Command::new("bash")
                .process_group(0)
                .args(["-e", "-o", "pipefail", "-c", &script])
                .current_dir(dir.path())
                .env("PATH", &path)
                .env("BASE_URL", format!("http://{addr}"))
                .env("DURATION", "2s")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("bash runs");
            if let Err(why) = wait_for(child) {
                failures.push(format!("{shown}:{line}:\n{script}\n{why}"));
            }
        }
    }
    assert!(ran >= 5, "only {ran} runnable blocks found");
    assert!(
        failures.is_empty(),
        "{} of {ran} runnable doc blocks failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Waits for a block's shell, at most `BLOCK_TIMEOUT`; its output when it failed.
fn wait_for(mut child: std::process::Child) -> Result<(), String> {
    let deadline = Instant::now() + BLOCK_TIMEOUT;
    // Drained on threads so a chatty block cannot fill a pipe and stall.
    let mut out = child.stdout.take().expect("stdout piped");
    let mut err = child.stderr.take().expect("stderr piped");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut out, &mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for bash") {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let tail = |s: String| {
        let lines: Vec<&str> = s.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    };
    let (out, err) = (
        tail(out.join().unwrap_or_default()),
        tail(err.join().unwrap_or_default()),
    );
    match status {
        Some(s) if s.success() => Ok(()),
        Some(s) => Err(format!("exited with {s}\nstdout:\n{out}\nstderr:\n{err}")),
        None => Err(format!(
            "did not end within {BLOCK_TIMEOUT:?}\nstdout:\n{out}\nstderr:\n{err}"
        )),
    }
}

#[test]
fn runnable_blocks_are_found() {
    let doc = parse("# T\n\n```sh rk6-test\nrk6 version\n```\n\n```sh\nnot run\n```\n");
    assert_eq!(doc.runnable, vec![(3, "rk6 version\n".to_string())]);
    assert!(doc.anchors.contains("t"));
}
