#!/usr/bin/env bash
# bench/outputs.sh : throughput of the network outputs (samples/s, bytes per request) against
# local servers it starts on 127.0.0.1 and stops again: PostgreSQL (throwaway cluster),
# Prometheus 2.42 (remote-write receiver), ClickHouse 18.16 (Debian) and, when chDB is
# installed, the current ClickHouse engine behind tests/outputs_common/chdb_http.py.
#   SAMPLES=2000000 bench/outputs.sh        (.ci/setup-outputs.sh installs the servers)
# PROFILE=dev uses the debug build (faster to build, slower to run). Run as root: the
# PostgreSQL cluster runs as the `postgres` user.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/.."
SAMPLES=${SAMPLES:-1000000}
PROFILE=${PROFILE:-release}
if [ "$PROFILE" = release ]; then
  [ "${SKIP_BUILD:-}" = 1 ] || cargo build --release --example outputs; BIN=target/release/examples/outputs
else
  [ "${SKIP_BUILD:-}" = 1 ] || cargo build --example outputs; BIN=target/debug/examples/outputs
fi
W=$(mktemp -d); PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "${PGBIN:-}" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$W/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$W"
}
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1); PGP=$(port)
chown postgres "$W"
runuser -u postgres -- "$PGBIN/initdb" -D "$W/pg" -U rk6 --auth=trust --no-sync >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$W/pg" -l "$W/pg.log" -w \
  -o "-p $PGP -k $W -c listen_addresses=127.0.0.1" start >/dev/null

PP=$(port); printf 'global:\n  scrape_interval: 1h\n' > "$W/p.yml"
prometheus --config.file="$W/p.yml" --storage.tsdb.path="$W/prom" --web.listen-address=127.0.0.1:$PP \
  --web.enable-remote-write-receiver --enable-feature=native-histograms --log.level=error 2>/dev/null &
PIDS+=($!)

CP=$(port); mkdir -p "$W/ch"
cat > "$W/ch/config.xml" <<XML
<?xml version="1.0"?>
<yandex><logger><level>error</level><console>1</console></logger>
<http_port>$CP</http_port><tcp_port>$(port)</tcp_port><listen_host>127.0.0.1</listen_host>
<path>$W/ch/data/</path><tmp_path>$W/ch/tmp/</tmp_path><users_config>$W/ch/users.xml</users_config>
<default_profile>default</default_profile><default_database>default</default_database>
<mark_cache_size>5368709</mark_cache_size></yandex>
XML
cat > "$W/ch/users.xml" <<XML
<?xml version="1.0"?>
<yandex><profiles><default></default></profiles><users><default><password></password>
<networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
<quotas><default></default></quotas></yandex>
XML
clickhouse-server --config-file="$W/ch/config.xml" >/dev/null 2>&1 &
PIDS+=($!)
CHDB_PY=${RK6_CHDB_PYTHON:-/opt/rk6-ci/chdb/bin/python}
if [ -x "$CHDB_PY" ]; then
  DP=$(port); "$CHDB_PY" tests/outputs_common/chdb_http.py "$DP" "$W/chdb" >/dev/null 2>&1 &
  PIDS+=($!)
fi
for u in "http://127.0.0.1:$PP/-/ready" "http://127.0.0.1:$CP/ping" ${DP:+"http://127.0.0.1:$DP/ping"}; do
  for _ in $(seq 300); do curl -sf -o /dev/null "$u" && break; sleep 0.2; done
done

"$BIN" timescaledb "postgresql://rk6@127.0.0.1:$PGP/bench?sslmode=disable" "$SAMPLES"
K6_PROMETHEUS_RW_SERVER_URL=http://127.0.0.1:$PP/api/v1/write K6_PROMETHEUS_RW_PUSH_INTERVAL=1s \
  "$BIN" experimental-prometheus-rw "" "$SAMPLES"
K6_PROMETHEUS_RW_SERVER_URL=http://127.0.0.1:$PP/api/v1/write K6_PROMETHEUS_RW_PUSH_INTERVAL=1s \
  K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM=true "$BIN" experimental-prometheus-rw "" "$SAMPLES"
"$BIN" clickhouse "http://127.0.0.1:$CP/bench" "$SAMPLES"
if [ -n "${DP:-}" ]; then
  K6_CLICKHOUSE_CONCURRENT_WRITES=1 "$BIN" clickhouse "http://127.0.0.1:$DP/bench" "$SAMPLES"
fi
