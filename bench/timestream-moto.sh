#!/usr/bin/env bash
# bench/timestream-moto.sh : end-to-end throughput of `--out timestream` into moto's Timestream
# emulator, for both record formats. By hand, not a test. Prints one line per format:
#   format samples written wall_s samples_per_s bytes_per_http_request
# Needs moto (`bash .ci/setup-outputs.sh`) and a release build (built here unless SKIP_BUILD=1).
#   ITERATIONS=20000 VUS=20 bench/timestream-moto.sh
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
[ "${SKIP_BUILD:-}" = 1 ] || cargo build --release --bin rk6
RK6=$CARGO_TARGET_DIR/release/rk6
MOTO=${RK6_MOTO_SERVER:-${RK6_CI_VENV:-/opt/rk6-ci/venv}/bin/moto_server}
ITERATIONS=${ITERATIONS:-20000}
VUS=${VUS:-20}
MOTO_PORT=${MOTO_PORT:-18090}
TARGET_PORT=${TARGET_PORT:-18091}
WORK=/tmp/rk6-bench/timestream
mkdir -p "$WORK"

"$MOTO" -H 127.0.0.1 -p "$MOTO_PORT" >"$WORK/moto.log" 2>&1 &
MOTO_PID=$!
"$RK6" target --listen "127.0.0.1:$TARGET_PORT" >"$WORK/target.log" 2>&1 &
TARGET_PID=$!
trap 'kill $MOTO_PID $TARGET_PID 2>/dev/null' EXIT
for _ in $(seq 100); do
  curl -sf -o /dev/null "http://127.0.0.1:$MOTO_PORT/moto-api/" && curl -sf -o /dev/null "http://127.0.0.1:$TARGET_PORT/get" && break
  sleep 0.1
done

cat >"$WORK/script.js" <<'EOF'
import http from 'k6/http';
import { check } from 'k6';
export const options = {
  vus: Number(__ENV.VUS), iterations: Number(__ENV.ITERATIONS),
  userAgent: 'Grafana k6/1.1.0',
};
export default function () {
  const r = http.get(`${__ENV.BASE}/get`);
  check(r, { 'is 200': (x) => x.status === 200 });
}
EOF

printf 'format samples written wall_s samples_per_s bytes_per_http_request\n'
for format in single multi; do
  start=$(date +%s.%N)
  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
  K6_TIMESTREAM_REGION=us-east-1 K6_TIMESTREAM_ENDPOINT="http://127.0.0.1:$MOTO_PORT" \
  K6_TIMESTREAM_CREATE_IF_MISSING=true K6_TIMESTREAM_RECORD_FORMAT=$format \
  BASE="http://127.0.0.1:$TARGET_PORT" VUS=$VUS ITERATIONS=$ITERATIONS \
    "$RK6" run -q --address= --no-summary --out "timestream=bench$format.samples$RANDOM" \
    "$WORK/script.js" >"$WORK/$format.log" 2>&1
  end=$(date +%s.%N)
  line=$(grep 'output timestream' "$WORK/$format.log" | tail -1)
  produced=$(sed -E 's/.* ([0-9]+) samples produced.*/\1/' <<<"$line")
  written=$(sed -E 's/.* ([0-9]+) written.*/\1/' <<<"$line")
  per_req=$(sed -E 's/.* ([0-9]+) metered bytes per HTTP request.*/\1/' <<<"$line")
  awk -v f="$format" -v p="$produced" -v w="$written" -v s="$start" -v e="$end" -v b="$per_req" \
    'BEGIN { printf "%s %d %d %.2f %.0f %s\n", f, p, w, e - s, w / (e - s), b }'
done
