#!/usr/bin/env bash
# bench/run.sh : builds rk6 (release, or $PROFILE), starts the targets (nginx on 127.0.0.1:18081, CPU 1;
# rk6's embedded target on 127.0.0.1:18082, CPU 1, for the fixed-delay and gRPC workloads) and runs
# bench/run.py, which measures rk6 and k6 side by side and prints the ratios table.
#   REPS=3 REPS_BIG=1 ONLY=rps,rps500k,vus,startup,startup5000,sharedcsv,delay,arrival,ws,grpc,pipeline bench/run.sh
# Needs: nginx (apt-get install -y nginx-light), wrk, k6 at /opt/k6/bin/k6 (or K6=...).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
# PROFILE=profiling: the same code generation with symbols (for perf); default: the shipped build.
PROFILE=${PROFILE:-release}
[ "${SKIP_BUILD:-}" = 1 ] || cargo build --profile "$PROFILE" --bin rk6 --example pipeline
export RK6=$CARGO_TARGET_DIR/$PROFILE/rk6 PIPELINE=$CARGO_TARGET_DIR/$PROFILE/examples/pipeline
"$HERE/target.sh" start
mkdir -p /tmp/rk6-bench
if ! curl -sf -o /dev/null http://127.0.0.1:18082/get; then
  taskset -c 1 "$RK6" target --listen 127.0.0.1:18082 >/tmp/rk6-bench/delay-target.log 2>&1 &
  echo $! >/tmp/rk6-bench/delay-target.pid
  for _ in $(seq 50); do curl -sf -o /dev/null http://127.0.0.1:18082/get && break; sleep 0.1; done
fi
trap '[ -f /tmp/rk6-bench/delay-target.pid ] && kill "$(cat /tmp/rk6-bench/delay-target.pid)" 2>/dev/null; rm -f /tmp/rk6-bench/delay-target.pid' EXIT
python3 "$HERE/run.py"
