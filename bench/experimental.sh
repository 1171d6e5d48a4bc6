#!/usr/bin/env bash
# bench/experimental.sh : peak memory and wall time of k6/experimental/fs and csv with 50 VUs,
# k6 beside rk6, on the same scripts (bench/scripts/experimental/) and generated files: an
# 8 MB CSV of 200,000 records and a 32 MB binary file. Every check must pass on both.
#   bench/experimental.sh               (K6=/opt/k6/bin/k6, RK6=target/release/rk6 by default)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
K6=${K6:-/opt/k6/bin/k6}
RK6=${RK6:-$HERE/../target/release/rk6}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cp "$HERE"/scripts/experimental/*.js "$W/"
cd "$W"
python3 - <<'PY'
with open('users.csv', 'w') as f:
    f.write('id,name,email,score\n')
    for i in range(200000):
        f.write(f'{i},user{i},user{i}@example.com,{i % 100}\n')
with open('blob.bin', 'wb') as f:
    f.write(b'x' * (32 * 1024 * 1024))
PY
printf '%-11s %-4s %12s %9s %s\n' script tool 'peak RSS MB' 'wall s' checks
for s in csv_parse fs_open csv_parser; do
  for tool in k6 rk6; do
    bin=$K6; [ "$tool" = rk6 ] && bin=$RK6
    /usr/bin/time -f '%M %e' -o time.txt "$bin" run -q --summary-export "$tool.json" "$s.js" >/dev/null 2>&1
    read -r kb secs < time.txt
    checks=$(python3 -c "import json; c=json.load(open('$tool.json'))['metrics']['checks']; print(f\"{c['passes']} passed, {c['fails']} failed\")")
    printf '%-11s %-4s %12d %9s %s\n' "$s" "$tool" $((kb / 1024)) "$secs" "$checks"
  done
done
