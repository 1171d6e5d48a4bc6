#!/usr/bin/env bash
# Runs the unit tests of the patched Boa crates (vendor/PATCHES.md), against each other as rk6
# builds them: `bash vendor/boa-tests.sh [crate] [cargo test args…]`, e.g.
#   bash vendor/boa-tests.sh boa_engine --lib builtins::regexp
#   bash vendor/boa-tests.sh regress
# The crates are not workspace members (clippy and `cargo test` of rk6 must not lint or build
# Boa's test suites), so each is tested through a throwaway manifest under target/vendor-tests/
# that patches in the other vendored crates and leaves out the dev-dependencies only Boa's
# benchmarks need (criterion, jemallocator, husky-rs: minutes of C and crate builds).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
crate="${1:-boa_engine}"
shift || true
harness="$root/target/vendor-tests/harness/$crate"
mkdir -p "$harness"
python3 - "$root/vendor/$crate" "$harness/Cargo.toml" "$root/vendor" <<'EOF'
import re, sys
src, out, vendor = sys.argv[1:4]
text = open(f"{src}/Cargo.toml").read()
sections = re.split(r"(?m)^(?=\[)", text)
kept = []
for s in sections:
    head = s.split("\n", 1)[0].strip()
    if head.startswith(("[[bench]]", "[[example]]", "[workspace")):
        continue
    if re.match(r"\[(target\.[^\]]*\.)?dev-dependencies\.(criterion|jemallocator|husky-rs)\]", head):
        continue
    if head in ("[lib]", "[[test]]"):
        s = re.sub(r'(?m)^path = "(.*)"', lambda m: f'path = "{src}/{m.group(1)}"', s)
        s = re.sub(r'(?ms)^crate-type = \[.*?\]\n', "", s)
    kept.append(s)
manifest = "".join(kept)
manifest = re.sub(r"(?m)^autotests = false\n", "", manifest)
manifest += "\n[workspace]\n\n[patch.crates-io]\n"
for dep in ("boa_engine", "boa_parser", "boa_string", "regress"):
    if dep != src.rsplit("/", 1)[-1]:
        manifest += f'{dep} = {{ path = "{vendor}/{dep}" }}\n'
open(out, "w").write(manifest)
EOF
# Start from the crate's published lock file, so its dependencies are the versions it was
# released and tested with.
if [ ! -f "$harness/Cargo.lock" ] && [ -f "$root/vendor/$crate/Cargo.lock" ]; then
    cp "$root/vendor/$crate/Cargo.lock" "$harness/Cargo.lock"
fi
# Unit tests and the integration tests the published crate ships (add --lib for unit tests only).
exec cargo test --manifest-path "$harness/Cargo.toml" --target-dir "$root/target/vendor-tests" "$@"
