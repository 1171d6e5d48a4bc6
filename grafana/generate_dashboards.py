#!/usr/bin/env python3
"""Generates rk6's Grafana dashboards (grafana/dashboards/*.json).

Run it after changing a panel: `python3 grafana/generate_dashboards.py`. The JSON files are
committed; `tests/grafana_dashboards.rs` validates them (unique ids, no overlapping panels,
every $variable defined, every queried measure one rk6 writes, no hard-coded datasource uid).
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
TRENDS = ["http_req_duration", "http_req_waiting", "http_req_blocked", "http_req_connecting",
          "http_req_tls_handshaking", "http_req_sending", "http_req_receiving",
          "iteration_duration", "group_duration"]


class Layout:
    def __init__(self):
        self.panels, self.next_id, self.x, self.y, self.row_h = [], 1, 0, 0, 0

    def row(self, title):
        if self.x:
            self.y += self.row_h
            self.x, self.row_h = 0, 0
        self.add({"type": "row", "title": title, "collapsed": False, "panels": []}, 24, 1)

    def add(self, panel, w, h):
        if self.x + w > 24:
            self.y += self.row_h
            self.x, self.row_h = 0, 0
        panel["id"] = self.next_id
        self.next_id += 1
        panel["gridPos"] = {"x": self.x, "y": self.y, "w": w, "h": h}
        self.panels.append(panel)
        self.x += w
        self.row_h = max(self.row_h, h)
        if self.x >= 24:
            self.y += self.row_h
            self.x, self.row_h = 0, 0


def ds(kind):
    return {"type": kind, "uid": "${datasource}"}


def dashboard(uid, title, description, panels, variables, tags):
    return {
        "annotations": {"list": [{
            "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
            "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
            "name": "Annotations & Alerts", "type": "dashboard"}]},
        "description": description,
        "editable": True,
        "graphTooltip": 1,
        "links": [],
        "panels": panels,
        "refresh": "10s",
        "schemaVersion": 39,
        "tags": tags,
        "templating": {"list": variables},
        "time": {"from": "now-30m", "to": "now"},
        "timepicker": {},
        "timezone": "",
        "title": title,
        "uid": uid,
        "version": 1,
    }


def timeseries(title, targets, kind, unit="short", stack=False, thresholds=None, description=""):
    steps = [{"color": "green", "value": None}]
    if thresholds:
        steps.append({"color": "red", "value": thresholds})
    return {
        "type": "timeseries", "title": title, "description": description, "datasource": ds(kind),
        "fieldConfig": {"defaults": {
            "unit": unit,
            "custom": {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10, "showPoints": "never",
                       "stacking": {"mode": "normal" if stack else "none", "group": "A"},
                       "thresholdsStyle": {"mode": "line" if thresholds else "off"}},
            "thresholds": {"mode": "absolute", "steps": steps}}, "overrides": []},
        "options": {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["mean", "max"]},
                    "tooltip": {"mode": "multi"}},
        "targets": targets,
    }


def stat(title, targets, kind, unit, thresholds, description=""):
    return {
        "type": "stat", "title": title, "description": description, "datasource": ds(kind),
        "fieldConfig": {"defaults": {"unit": unit, "thresholds": {"mode": "absolute", "steps": [
            {"color": "green", "value": None}, {"color": "red", "value": thresholds}]}}, "overrides": []},
        "options": {"colorMode": "background", "graphMode": "area", "reduceOptions": {"calcs": ["lastNotNull"]}},
        "targets": targets,
    }


def table(title, targets, kind):
    return {"type": "table", "title": title, "datasource": ds(kind), "fieldConfig": {"defaults": {}, "overrides": []},
            "options": {"showHeader": True}, "targets": targets}


# ------------------------------------------------------------------------------- Timestream
TS = "grafana-timestream-datasource"
SRC = '"$database"."$table"'
# Runs by test_run_id; instances (k6-operator's `--tag instance_id=N`, else rk6's
# `<hostname>-<pid>`) by instance_id, so N instances writing one table can be told apart.
RUN = "test_run_id IN (${test_run:sqlstring}) AND instance_id IN (${instance:sqlstring})"


def ts_target(ref, sql):
    return {"refId": ref, "datasource": ds(TS), "rawQuery": sql, "format": 1}


def ts_rate(measure, alias, ref="A"):
    return ts_target(ref, f"""SELECT BIN(time, $__interval_ms ms) AS time,
  SUM(measure_value::double) / ($__interval_ms / 1000.0) AS "{alias}"
FROM {SRC}
WHERE $__timeFilter AND measure_name = '{measure}' AND {RUN}
GROUP BY BIN(time, $__interval_ms ms)
ORDER BY time""")


def timestream():
    L = Layout()
    L.row("Overview")
    L.add(timeseries("Virtual users", [ts_target("A", f"""SELECT time, SUM(v) AS vus FROM (
  SELECT BIN(time, $__interval_ms ms) AS time, instance_id, AVG(measure_value::double) AS v
  FROM {SRC}
  WHERE $__timeFilter AND measure_name = 'vus' AND {RUN}
  GROUP BY BIN(time, $__interval_ms ms), instance_id)
GROUP BY time ORDER BY time""")], TS), 6, 8)
    L.add(timeseries("Requests per second", [ts_rate("http_reqs", "requests/s")], TS, "reqps"), 6, 8)
    L.add(timeseries("Errors per second", [ts_rate("http_req_failed", "failed requests/s")], TS, "reqps",
                     thresholds=1), 6, 8)
    L.add(timeseries("Data per second", [ts_rate("data_received", "received", "A"),
                                         ts_rate("data_sent", "sent", "B")], TS, "Bps"), 6, 8)
    L.add(timeseries("Iterations per second", [ts_rate("iterations", "iterations/s")], TS, "short"), 8, 8)
    L.add(timeseries("Requests per second by status", [ts_target("A", f"""SELECT BIN(time, $__interval_ms ms) AS time, status,
  SUM(measure_value::double) / ($__interval_ms / 1000.0) AS "requests/s"
FROM {SRC}
WHERE $__timeFilter AND measure_name = 'http_reqs' AND {RUN}
GROUP BY BIN(time, $__interval_ms ms), status
ORDER BY time""")], TS, "reqps", stack=True), 16, 8)
    L.row("Instances")
    L.add(timeseries("Requests per second by instance", [ts_target("A", f"""SELECT BIN(time, $__interval_ms ms) AS time, instance_id,
  SUM(measure_value::double) / ($__interval_ms / 1000.0) AS "requests/s"
FROM {SRC}
WHERE $__timeFilter AND measure_name = 'http_reqs' AND {RUN}
GROUP BY BIN(time, $__interval_ms ms), instance_id
ORDER BY time""")], TS, "reqps", stack=True,
                     description="Stacked: the whole test's rate, and each instance's share."), 12, 8)
    L.add(timeseries("p(95) http_req_duration by instance", [ts_target("A", f"""SELECT BIN(time, $__interval_ms ms) AS time, instance_id,
  APPROX_PERCENTILE(measure_value::double, 0.95) AS "p(95)"
FROM {SRC}
WHERE $__timeFilter AND measure_name = 'http_req_duration' AND {RUN}
GROUP BY BIN(time, $__interval_ms ms), instance_id
ORDER BY time""")], TS, "ms", thresholds=500,
                     description="One instance far from the others points at that instance (its machine, "
                                 "region or network), not at the target."), 12, 8)
    L.row("Thresholds and checks")
    L.add(stat("p(95) http_req_duration", [ts_target("A", f"""SELECT APPROX_PERCENTILE(measure_value::double, 0.95) AS "p(95)"
FROM {SRC}
WHERE $__timeFilter AND measure_name = 'http_req_duration' AND {RUN}""")], TS, "ms", 500,
               "Red above 500 ms, k6's common `http_req_duration: ['p(95)<500']` threshold."), 6, 6)
    L.add(stat("http_req_failed rate", [ts_target("A", f"""SELECT AVG(measure_value::double) AS "rate"
FROM {SRC}
WHERE $__timeFilter AND measure_name = 'http_req_failed' AND {RUN}""")], TS, "percentunit", 0.01,
               "Red above 1%, k6's common `http_req_failed: ['rate<0.01']` threshold."), 6, 6)
    L.add(stat("checks rate", [ts_target("A", f"""SELECT AVG(measure_value::double) AS "rate"
FROM {SRC}
WHERE $__timeFilter AND measure_name = 'checks' AND {RUN}""")], TS, "percentunit", 0.99), 6, 6)
    L.add(stat("dropped iterations", [ts_target("A", f"""SELECT COALESCE(SUM(measure_value::double), 0) AS "dropped"
FROM {SRC}
WHERE $__timeFilter AND measure_name = 'dropped_iterations' AND {RUN}""")], TS, "short", 1), 6, 6)
    L.add(table("Checks", [ts_target("A", f"""SELECT "check", SUM(measure_value::double) AS passes,
  COUNT(*) - SUM(measure_value::double) AS fails,
  AVG(measure_value::double) AS rate
FROM {SRC}
WHERE $__timeFilter AND measure_name = 'checks' AND {RUN}
GROUP BY "check" ORDER BY "check\"""")], TS), 24, 8)
    L.row("Latency percentiles: $metric")
    L.add(dict(timeseries("$metric", [ts_target("A", f"""SELECT BIN(time, $__interval_ms ms) AS time,
  APPROX_PERCENTILE(measure_value::double, 0.5) AS "p(50)",
  APPROX_PERCENTILE(measure_value::double, 0.9) AS "p(90)",
  APPROX_PERCENTILE(measure_value::double, 0.95) AS "p(95)",
  APPROX_PERCENTILE(measure_value::double, 0.99) AS "p(99)",
  MAX(measure_value::double) AS "max"
FROM {SRC}
WHERE $__timeFilter AND measure_name = '$metric' AND {RUN}
GROUP BY BIN(time, $__interval_ms ms)
ORDER BY time""")], TS, "ms", thresholds=500), repeat="metric", repeatDirection="h", maxPerRow=2), 12, 8)
    L.row("HTTP requests, multi-measure format (K6_TIMESTREAM_RECORD_FORMAT=multi)")
    L.add(timeseries("http_req_duration percentiles (multi format)", [ts_target("A", f"""SELECT BIN(time, $__interval_ms ms) AS time,
  APPROX_PERCENTILE(http_req_duration, 0.95) AS "p(95)",
  APPROX_PERCENTILE(http_req_duration, 0.99) AS "p(99)",
  SUM(http_reqs) / ($__interval_ms / 1000.0) AS "requests/s"
FROM {SRC}
WHERE $__timeFilter AND measure_name = 'http_req' AND {RUN}
GROUP BY BIN(time, $__interval_ms ms)
ORDER BY time""")], TS, "ms"), 24, 8)
    variables = [
        {"name": "datasource", "label": "Data source", "type": "datasource", "query": TS, "current": {}, "hide": 0},
        {"name": "database", "label": "Database", "type": "textbox", "query": "rk6",
         "current": {"text": "rk6", "value": "rk6"}, "hide": 0},
        {"name": "table", "label": "Table", "type": "textbox", "query": "samples",
         "current": {"text": "samples", "value": "samples"}, "hide": 0},
        {"name": "test_run", "label": "Test run", "type": "query", "datasource": ds(TS), "refresh": 2,
         "multi": True, "includeAll": True, "current": {},
         "query": {"refId": "test_run", "rawQuery": f"""SELECT DISTINCT test_run_id FROM {SRC} WHERE $__timeFilter AND measure_name = 'vus' ORDER BY test_run_id"""},
         "definition": "distinct test_run_id", "hide": 0},
        {"name": "instance", "label": "Instance", "type": "query", "datasource": ds(TS), "refresh": 2,
         "multi": True, "includeAll": True, "current": {},
         "query": {"refId": "instance", "rawQuery": f"""SELECT DISTINCT instance_id FROM {SRC} WHERE $__timeFilter AND measure_name = 'vus' AND test_run_id IN (${{test_run:sqlstring}}) ORDER BY instance_id"""},
         "definition": "distinct instance_id", "hide": 0},
        {"name": "metric", "label": "Trend metric", "type": "custom", "multi": True, "includeAll": False,
         "query": ",".join(TRENDS),
         "current": {"text": ["http_req_duration"], "value": ["http_req_duration"]},
         "options": [{"text": t, "value": t, "selected": t == "http_req_duration"} for t in TRENDS], "hide": 0},
    ]
    return dashboard("rk6-timestream", "rk6 load test (Timestream)",
                     "rk6 / xk6-output-timestream records in Amazon Timestream (single-measure format; "
                     "the last row reads the multi-measure format).", L.panels, variables, ["rk6", "k6", "timestream"])


# ------------------------------------------------------------------------------- InfluxDB
IF = "influxdb"


def iq(ref, q, alias=None):
    t = {"refId": ref, "datasource": ds(IF), "rawQuery": True, "query": q, "resultFormat": "time_series"}
    if alias:
        t["alias"] = alias
    return t


# Instances by their `instance_id` tag (k6-operator's `--tag instance_id=N`; see
# docs/distributed.md). "All" is `.*`, which also matches samples without the tag (a run
# on one machine).
IF_INSTANCE = '("instance_id" =~ /^$instance$/)'


def influxdb():
    L = Layout()
    L.row("Overview")
    # Each instance's VUs, added up: N instances of one test run side by side.
    L.add(timeseries("Virtual Users", [iq("A", 'SELECT sum("vus") FROM (SELECT max("value") AS "vus" FROM "vus" WHERE $timeFilter AND ' + IF_INSTANCE + ' GROUP BY time($__interval), "instance_id" fill(none)) WHERE $timeFilter GROUP BY time($__interval) fill(none)', "vus")], IF), 6, 8)
    L.add(timeseries("Requests per Second", [iq("A", 'SELECT sum("value") / ($__interval_ms / 1000) FROM "http_reqs" WHERE $timeFilter AND ' + IF_INSTANCE + ' GROUP BY time($__interval) fill(0)', "requests/s")], IF, "reqps"), 6, 8)
    L.add(timeseries("Errors Per Second", [iq("A", 'SELECT sum("value") / ($__interval_ms / 1000) FROM "http_req_failed" WHERE $timeFilter AND ' + IF_INSTANCE + ' GROUP BY time($__interval) fill(0)', "failed requests/s")], IF, "reqps", thresholds=1), 6, 8)
    L.add(timeseries("Checks Per Second", [iq("A", 'SELECT count("value") / ($__interval_ms / 1000) FROM "checks" WHERE $timeFilter AND ' + IF_INSTANCE + ' GROUP BY time($__interval) fill(0)', "checks/s")], IF), 6, 8)
    L.add(timeseries("Data per Second", [
        iq("A", 'SELECT sum("value") / ($__interval_ms / 1000) FROM "data_received" WHERE $timeFilter AND ' + IF_INSTANCE + ' GROUP BY time($__interval) fill(0)', "received"),
        iq("B", 'SELECT sum("value") / ($__interval_ms / 1000) FROM "data_sent" WHERE $timeFilter AND ' + IF_INSTANCE + ' GROUP BY time($__interval) fill(0)', "sent")], IF, "Bps"), 8, 8)
    L.add(timeseries("Iterations per Second", [iq("A", 'SELECT sum("value") / ($__interval_ms / 1000) FROM "iterations" WHERE $timeFilter AND ' + IF_INSTANCE + ' GROUP BY time($__interval) fill(0)', "iterations/s")], IF), 8, 8)
    L.add(timeseries("Requests per Second by status", [iq("A", 'SELECT sum("value") / ($__interval_ms / 1000) FROM "http_reqs" WHERE $timeFilter AND ' + IF_INSTANCE + ' GROUP BY time($__interval), "status" fill(none)', "$tag_status")], IF, "reqps", stack=True), 8, 8)
    L.row("Instances")
    L.add(timeseries("Requests per Second by instance", [iq("A", 'SELECT sum("value") / ($__interval_ms / 1000) FROM "http_reqs" WHERE $timeFilter AND ' + IF_INSTANCE + ' GROUP BY time($__interval), "instance_id" fill(0)', "$tag_instance_id")], IF, "reqps", stack=True,
                     description="Stacked: the whole test's rate, and each instance's share."), 12, 8)
    L.add(timeseries("p(95) http_req_duration by instance", [iq("A", 'SELECT percentile("value", 95) FROM "http_req_duration" WHERE $timeFilter AND ' + IF_INSTANCE + ' GROUP BY time($__interval), "instance_id" fill(none)', "$tag_instance_id")], IF, "ms", thresholds=500,
                     description="One instance far from the others points at that instance, not at the target."), 12, 8)
    L.row("Thresholds and checks")
    L.add(stat("p(95) http_req_duration", [iq("A", 'SELECT percentile("value", 95) FROM "http_req_duration" WHERE $timeFilter AND ' + IF_INSTANCE + '')], IF, "ms", 500), 8, 6)
    L.add(stat("http_req_failed rate", [iq("A", 'SELECT mean("value") FROM "http_req_failed" WHERE $timeFilter AND ' + IF_INSTANCE + '')], IF, "percentunit", 0.01), 8, 6)
    L.add(stat("checks rate", [iq("A", 'SELECT mean("value") FROM "checks" WHERE $timeFilter AND ' + IF_INSTANCE + '')], IF, "percentunit", 0.99), 8, 6)
    L.add(table("Checks", [dict(iq("A", 'SELECT sum("value") AS "passes", count("value") - sum("value") AS "fails", mean("value") AS "rate" FROM "checks" WHERE $timeFilter AND ' + IF_INSTANCE + ' GROUP BY "check"'), resultFormat="table")], IF), 24, 8)
    L.row("$Measurement")
    L.add(dict(timeseries("$Measurement", [
        iq("A", 'SELECT mean("value") FROM /^$Measurement$/ WHERE $timeFilter AND ' + IF_INSTANCE + ' GROUP BY time($__interval) fill(none)', "mean"),
        iq("B", 'SELECT max("value") FROM /^$Measurement$/ WHERE $timeFilter AND ' + IF_INSTANCE + ' GROUP BY time($__interval) fill(none)', "max"),
        iq("C", 'SELECT percentile("value", 90) FROM /^$Measurement$/ WHERE $timeFilter AND ' + IF_INSTANCE + ' GROUP BY time($__interval) fill(none)', "p90"),
        iq("D", 'SELECT percentile("value", 95) FROM /^$Measurement$/ WHERE $timeFilter AND ' + IF_INSTANCE + ' GROUP BY time($__interval) fill(none)', "p95"),
        iq("E", 'SELECT min("value") FROM /^$Measurement$/ WHERE $timeFilter AND ' + IF_INSTANCE + ' GROUP BY time($__interval) fill(none)', "min")],
        IF, "ms", thresholds=500), repeat="Measurement", repeatDirection="h", maxPerRow=2), 12, 8)
    variables = [
        {"name": "datasource", "label": "Data source", "type": "datasource", "query": IF, "current": {}, "hide": 0},
        {"name": "instance", "label": "Instance", "type": "query", "datasource": ds(IF), "refresh": 2,
         "multi": True, "includeAll": True, "allValue": ".*", "current": {},
         "query": 'SHOW TAG VALUES FROM "vus" WITH KEY = "instance_id"',
         "definition": "instance_id tag values", "hide": 0},
        {"name": "Measurement", "label": "Trend metric", "type": "custom", "multi": True, "includeAll": True,
         "query": ",".join(TRENDS),
         "current": {"text": ["http_req_duration"], "value": ["http_req_duration"]},
         "options": [{"text": t, "value": t, "selected": t == "http_req_duration"} for t in TRENDS], "hide": 0},
    ]
    return dashboard("rk6-influxdb", "k6 Load Testing Results (rk6, InfluxDB)",
                     "k6's InfluxDB layout (one measurement per metric, field value) as written by rk6 and k6; "
                     "laid out like the classic 'k6 Load Testing Results' dashboard.", L.panels, variables,
                     ["rk6", "k6", "influxdb"])


# ------------------------------------------------------------------------------- TimescaleDB
PG = "grafana-postgresql-datasource"
# xk6-output-timescaledb's test id convention (`--tag testid=...`) and the `instance_id` tag
# k6-operator gives each runner (`--tag instance_id=N`; docs/distributed.md).
PG_RUN = ("(CASE WHEN $testid != '<all>' THEN tags->>'testid' = $testid ELSE true END)"
          " AND (CASE WHEN $instance != '<all>' THEN tags->>'instance_id' = $instance ELSE true END)")


def pg_target(ref, sql, fmt="time_series"):
    return {"refId": ref, "datasource": ds(PG), "rawQuery": True, "editorMode": "code", "format": fmt, "rawSql": sql}


def pg_rate(metric, alias, ref="A", agg="SUM(value)"):
    return pg_target(ref, f"""SELECT $__timeGroupAlias(ts, $__interval), {agg} / ($__interval_ms / 1000.0) AS "{alias}"
FROM samples
WHERE $__timeFilter(ts) AND metric = '{metric}' AND {PG_RUN}
GROUP BY 1 ORDER BY 1""")


def timescaledb():
    L = Layout()
    L.row("Overview")
    L.add(timeseries("Virtual users", [pg_target("A", f"""SELECT $__timeGroupAlias(ts, $__interval), MAX(value) AS "vus"
FROM samples
WHERE $__timeFilter(ts) AND metric = 'vus' AND {PG_RUN}
GROUP BY 1 ORDER BY 1""")], PG), 6, 8)
    L.add(timeseries("Requests per second", [pg_rate("http_reqs", "requests/s")], PG, "reqps"), 6, 8)
    L.add(timeseries("Failed requests per second", [pg_rate("http_req_failed", "failed requests/s")], PG, "reqps",
                     thresholds=1), 6, 8)
    L.add(timeseries("Data per second", [pg_rate("data_received", "received", "A"),
                                         pg_rate("data_sent", "sent", "B")], PG, "Bps"), 6, 8)
    L.add(timeseries("Iterations per second", [pg_rate("iterations", "iterations/s")], PG), 8, 8)
    L.add(timeseries("Requests per second by status", [pg_target("A", f"""SELECT $__timeGroupAlias(ts, $__interval), tags->>'status' AS metric,
  SUM(value) / ($__interval_ms / 1000.0) AS "requests/s"
FROM samples
WHERE $__timeFilter(ts) AND metric = 'http_reqs' AND {PG_RUN}
GROUP BY 1, 2 ORDER BY 1""")], PG, "reqps", stack=True), 16, 8)
    L.row("Thresholds and checks")
    L.add(stat("p(95) http_req_duration", [pg_target("A", f"""SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY value) AS "p(95)"
FROM samples
WHERE $__timeFilter(ts) AND metric = 'http_req_duration' AND {PG_RUN}""", "table")], PG, "ms", 500), 8, 6)
    L.add(stat("http_req_failed rate", [pg_target("A", f"""SELECT AVG(value) AS "rate"
FROM samples
WHERE $__timeFilter(ts) AND metric = 'http_req_failed' AND {PG_RUN}""", "table")], PG, "percentunit", 0.01), 8, 6)
    L.add(stat("checks rate", [pg_target("A", f"""SELECT AVG(value) AS "rate"
FROM samples
WHERE $__timeFilter(ts) AND metric = 'checks' AND {PG_RUN}""", "table")], PG, "percentunit", 0.99), 8, 6)
    L.add(table("Thresholds (last state)", [pg_target("A", """SELECT metric, threshold, abort_on_fail, delay_abort_eval,
  CASE WHEN last_failed THEN 'failed' ELSE 'passed' END AS "state", ts AS "started"
FROM thresholds
WHERE $__timeFilter(ts)
ORDER BY ts DESC, id
LIMIT 100""", "table")], PG), 12, 8)
    L.add(table("Checks", [pg_target("A", f"""SELECT tags->>'check' AS "check", SUM(value) AS passes,
  COUNT(*) - SUM(value) AS fails, AVG(value) AS rate
FROM samples
WHERE $__timeFilter(ts) AND metric = 'checks' AND {PG_RUN}
GROUP BY 1 ORDER BY 1""", "table")], PG), 12, 8)
    L.row("Latency percentiles: $metric")
    L.add(dict(timeseries("$metric", [pg_target("A", f"""SELECT $__timeGroupAlias(ts, $__interval),
  percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS "p(50)",
  percentile_cont(0.9) WITHIN GROUP (ORDER BY value) AS "p(90)",
  percentile_cont(0.95) WITHIN GROUP (ORDER BY value) AS "p(95)",
  percentile_cont(0.99) WITHIN GROUP (ORDER BY value) AS "p(99)",
  MAX(value) AS "max"
FROM samples
WHERE $__timeFilter(ts) AND metric = '$metric' AND {PG_RUN}
GROUP BY 1 ORDER BY 1""")], PG, "ms", thresholds=500), repeat="metric", repeatDirection="h", maxPerRow=2), 12, 8)
    tag_var = lambda name, label, tag: {
        "name": name, "label": label, "type": "query", "datasource": ds(PG), "refresh": 2,
        "includeAll": True, "allValue": "'<all>'", "multi": False, "current": {},
        "query": f"SELECT DISTINCT tags->>'{tag}' FROM samples WHERE metric = 'vus' AND $__timeFilter(ts) AND tags ? '{tag}'",
        "definition": f"distinct {tag} tag", "hide": 0}
    variables = [
        {"name": "datasource", "label": "Data source", "type": "datasource", "query": PG, "current": {}, "hide": 0},
        tag_var("testid", "Test ID", "testid"),
        tag_var("instance", "Instance", "instance_id"),
        {"name": "metric", "label": "Trend metric", "type": "custom", "multi": True, "includeAll": False,
         "query": ",".join(TRENDS),
         "current": {"text": ["http_req_duration"], "value": ["http_req_duration"]},
         "options": [{"text": t, "value": t, "selected": t == "http_req_duration"} for t in TRENDS], "hide": 0},
    ]
    return dashboard("rk6-timescaledb", "rk6 load test (TimescaleDB / PostgreSQL)",
                     "xk6-output-timescaledb's samples and thresholds tables as written by rk6 --out timescaledb "
                     "(and by xk6-output-timescaledb). Runs are told apart by the `testid` tag.", L.panels, variables,
                     ["rk6", "k6", "timescaledb", "postgresql"])


# ------------------------------------------------------------------------------- ClickHouse
CH = "grafana-clickhouse-datasource"
CH_SRC = '"$database"."samples"'
CH_RUN = "test_run_id IN (${test_run:singlequote}) AND instance_id IN (${instance:singlequote})"


def ch_target(ref, sql, fmt=0):
    # format 0: time series, 1: table (the plugin's SQL editor formats).
    return {"refId": ref, "datasource": ds(CH), "editorType": "sql", "queryType": "timeseries" if fmt == 0 else "table",
            "format": fmt, "rawSql": sql}


def ch_rate(metric, alias, ref="A"):
    return ch_target(ref, f"""SELECT $__timeInterval(ts) AS time, sum(value) / ($__interval_s) AS "{alias}"
FROM {CH_SRC}
WHERE $__timeFilter(ts) AND metric = '{metric}' AND {CH_RUN}
GROUP BY time ORDER BY time""")


def clickhouse():
    L = Layout()
    L.row("Overview")
    L.add(timeseries("Virtual users", [ch_target("A", f"""SELECT time, sum(v) AS vus FROM (
  SELECT $__timeInterval(ts) AS time, instance_id, max(value) AS v
  FROM {CH_SRC}
  WHERE $__timeFilter(ts) AND metric = 'vus' AND {CH_RUN}
  GROUP BY time, instance_id)
GROUP BY time ORDER BY time""")], CH), 6, 8)
    L.add(timeseries("Requests per second", [ch_rate("http_reqs", "requests/s")], CH, "reqps"), 6, 8)
    L.add(timeseries("Failed requests per second", [ch_rate("http_req_failed", "failed requests/s")], CH, "reqps",
                     thresholds=1), 6, 8)
    L.add(timeseries("Data per second", [ch_rate("data_received", "received", "A"),
                                         ch_rate("data_sent", "sent", "B")], CH, "Bps"), 6, 8)
    L.add(timeseries("Iterations per second", [ch_rate("iterations", "iterations/s")], CH), 8, 8)
    L.add(timeseries("Requests per second by status", [ch_target("A", f"""SELECT $__timeInterval(ts) AS time, tags['status'] AS status,
  sum(value) / ($__interval_s) AS "requests/s"
FROM {CH_SRC}
WHERE $__timeFilter(ts) AND metric = 'http_reqs' AND {CH_RUN}
GROUP BY time, status ORDER BY time""")], CH, "reqps", stack=True), 16, 8)
    L.row("Thresholds and checks")
    L.add(stat("p(95) http_req_duration", [ch_target("A", f"""SELECT quantile(0.95)(value) AS "p(95)"
FROM {CH_SRC}
WHERE $__timeFilter(ts) AND metric = 'http_req_duration' AND {CH_RUN}""", 1)], CH, "ms", 500), 8, 6)
    L.add(stat("http_req_failed rate", [ch_target("A", f"""SELECT avg(value) AS "rate"
FROM {CH_SRC}
WHERE $__timeFilter(ts) AND metric = 'http_req_failed' AND {CH_RUN}""", 1)], CH, "percentunit", 0.01), 8, 6)
    L.add(stat("checks rate", [ch_target("A", f"""SELECT avg(value) AS "rate"
FROM {CH_SRC}
WHERE $__timeFilter(ts) AND metric = 'checks' AND {CH_RUN}""", 1)], CH, "percentunit", 0.99), 8, 6)
    L.add(table("Thresholds (latest state)", [ch_target("A", """SELECT test_run_id, metric, threshold,
  if(argMax(last_failed, ts) = 1, 'failed', 'passed') AS state
FROM "$database"."thresholds"
WHERE test_run_id IN (${test_run:singlequote})
GROUP BY test_run_id, metric, threshold
ORDER BY test_run_id, metric, threshold""", 1)], CH), 12, 8)
    L.add(table("Checks", [ch_target("A", f"""SELECT tags['check'] AS check, sum(value) AS passes,
  count() - sum(value) AS fails, avg(value) AS rate
FROM {CH_SRC}
WHERE $__timeFilter(ts) AND metric = 'checks' AND {CH_RUN}
GROUP BY check ORDER BY check""", 1)], CH), 12, 8)
    L.row("Latency percentiles: $metric")
    L.add(dict(timeseries("$metric", [ch_target("A", f"""SELECT $__timeInterval(ts) AS time,
  quantile(0.5)(value) AS "p(50)", quantile(0.9)(value) AS "p(90)",
  quantile(0.95)(value) AS "p(95)", quantile(0.99)(value) AS "p(99)", max(value) AS "max"
FROM {CH_SRC}
WHERE $__timeFilter(ts) AND metric = '$metric' AND {CH_RUN}
GROUP BY time ORDER BY time""")], CH, "ms", thresholds=500), repeat="metric", repeatDirection="h", maxPerRow=2), 12, 8)
    col_var = lambda name, label, col: {
        "name": name, "label": label, "type": "query", "datasource": ds(CH), "refresh": 2,
        "multi": True, "includeAll": True, "current": {},
        "query": f"SELECT DISTINCT {col} FROM {CH_SRC} WHERE $__timeFilter(ts) AND metric = 'vus' ORDER BY {col}",
        "definition": f"distinct {col}", "hide": 0}
    variables = [
        {"name": "datasource", "label": "Data source", "type": "datasource", "query": CH, "current": {}, "hide": 0},
        {"name": "database", "label": "Database", "type": "textbox", "query": "k6",
         "current": {"text": "k6", "value": "k6"}, "hide": 0},
        col_var("test_run", "Test run", "test_run_id"),
        col_var("instance", "Instance", "instance_id"),
        {"name": "metric", "label": "Trend metric", "type": "custom", "multi": True, "includeAll": False,
         "query": ",".join(TRENDS),
         "current": {"text": ["http_req_duration"], "value": ["http_req_duration"]},
         "options": [{"text": t, "value": t, "selected": t == "http_req_duration"} for t in TRENDS], "hide": 0},
    ]
    return dashboard("rk6-clickhouse", "rk6 load test (ClickHouse)",
                     "rk6 --out clickhouse samples and thresholds (current layout: tags as a Map; ClickHouse 22 "
                     "and later, as the Grafana ClickHouse plugin needs).", L.panels, variables,
                     ["rk6", "k6", "clickhouse"])


# ------------------------------------------------------------------------------- Prometheus
PR = "prometheus"
# Runs by the `testid` tag, instances by k6-operator's `instance_id` tag (docs/distributed.md).
PR_SEL = 'testid=~"$testid", instance_id=~"$instance"'


def pq(ref, expr, legend=""):
    return {"refId": ref, "datasource": ds(PR), "expr": expr, "legendFormat": legend, "range": True}


def prometheus():
    L = Layout()
    L.row("Overview")
    L.add(timeseries("Virtual users", [pq("A", f'sum(k6_vus{{{PR_SEL}}})', "vus")], PR), 6, 8)
    L.add(timeseries("Requests per second", [pq("A", f'sum(irate(k6_http_reqs_total{{{PR_SEL}}}[$__rate_interval]))', "requests/s")], PR, "reqps"), 6, 8)
    L.add(timeseries("Failed requests rate", [pq("A", f'avg(k6_http_req_failed_rate{{{PR_SEL}}})', "http_req_failed")], PR, "percentunit",
                     thresholds=0.01), 6, 8)
    L.add(timeseries("Data per second", [pq("A", f'sum(irate(k6_data_received_total{{{PR_SEL}}}[$__rate_interval]))', "received"),
                                         pq("B", f'sum(irate(k6_data_sent_total{{{PR_SEL}}}[$__rate_interval]))', "sent")], PR, "Bps"), 6, 8)
    L.add(timeseries("Iterations per second", [pq("A", f'sum(irate(k6_iterations_total{{{PR_SEL}}}[$__rate_interval]))', "iterations/s")], PR), 8, 8)
    L.add(timeseries("Requests per second by status", [pq("A", f'sum by (status) (irate(k6_http_reqs_total{{{PR_SEL}}}[$__rate_interval]))', "{{status}}")], PR, "reqps", stack=True), 16, 8)
    L.row("Thresholds and checks")
    L.add(stat("http_req_duration $quantile_stat", [pq("A", f'max(k6_http_req_duration_$quantile_stat{{{PR_SEL}}})')], PR, "s", 0.5,
               "The trend stat written by K6_PROMETHEUS_RW_TREND_STATS (default p(99)), in seconds."), 8, 6)
    L.add(stat("checks rate", [pq("A", f'avg(k6_checks_rate{{{PR_SEL}}})')], PR, "percentunit", 0.99), 8, 6)
    L.add(stat("dropped iterations", [pq("A", f'sum(k6_dropped_iterations_total{{{PR_SEL}}}) or vector(0)')], PR, "short", 1), 8, 6)
    L.add(table("Checks", [dict(pq("A", f'avg by (check) (k6_checks_rate{{{PR_SEL}}})', "{{check}}"), format="table", instant=True, range=False)], PR), 24, 8)
    L.row("Latency")
    L.add(timeseries("http_req_duration $quantile_stat by name", [pq("A", f'max by (name) (k6_http_req_duration_$quantile_stat{{{PR_SEL}}})', "{{name}}")], PR, "s"), 12, 8)
    L.add(timeseries("http_req_duration (native histograms)", [
        pq("A", f'histogram_quantile(0.99, sum(rate(k6_http_req_duration_seconds{{{PR_SEL}}}[$__rate_interval])))', "p(99)"),
        pq("B", f'histogram_quantile(0.95, sum(rate(k6_http_req_duration_seconds{{{PR_SEL}}}[$__rate_interval])))', "p(95)")],
        PR, "s", description="With K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM=true."), 12, 8)
    label_var = lambda name, label, key=None: {
        "name": name, "label": label, "type": "query", "datasource": ds(PR), "refresh": 2,
        "multi": True, "includeAll": True, "allValue": ".*", "current": {},
        "query": {"query": f"label_values(k6_vus, {key or name})", "refId": name},
        "definition": f"label_values(k6_vus, {key or name})", "hide": 0}
    variables = [
        {"name": "datasource", "label": "Data source", "type": "datasource", "query": PR, "current": {}, "hide": 0},
        label_var("testid", "Test ID"),
        label_var("instance", "Instance", "instance_id"),
        {"name": "quantile_stat", "label": "Trend stat", "type": "custom", "multi": False, "includeAll": False,
         "query": "p99,p95,p90,avg,med,min,max",
         "current": {"text": "p99", "value": "p99"},
         "options": [{"text": t, "value": t, "selected": t == "p99"} for t in ["p99", "p95", "p90", "avg", "med", "min", "max"]],
         "hide": 0},
    ]
    return dashboard("rk6-prometheus", "rk6 load test (Prometheus remote write)",
                     "k6's experimental-prometheus-rw series (k6_http_reqs_total, k6_http_req_duration_p99, ...) as "
                     "written by rk6 and k6; runs are told apart by the `testid` tag, instances by the `instance_id` tag.",
                     L.panels, variables, ["rk6", "k6", "prometheus"])


for name, d in [("rk6-timestream.json", timestream()), ("rk6-influxdb.json", influxdb()),
                ("rk6-timescaledb.json", timescaledb()), ("rk6-clickhouse.json", clickhouse()),
                ("rk6-prometheus.json", prometheus())]:
    with open(os.path.join(HERE, "dashboards", name), "w") as f:
        json.dump(d, f, indent=2)
        f.write("\n")
