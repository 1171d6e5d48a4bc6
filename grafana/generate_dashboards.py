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
RUN = "test_run_id IN (${test_run:sqlstring})"


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


def influxdb():
    L = Layout()
    L.row("Overview")
    L.add(timeseries("Virtual Users", [iq("A", 'SELECT max("value") FROM "vus" WHERE $timeFilter GROUP BY time($__interval) fill(none)', "vus")], IF), 6, 8)
    L.add(timeseries("Requests per Second", [iq("A", 'SELECT sum("value") / ($__interval_ms / 1000) FROM "http_reqs" WHERE $timeFilter GROUP BY time($__interval) fill(0)', "requests/s")], IF, "reqps"), 6, 8)
    L.add(timeseries("Errors Per Second", [iq("A", 'SELECT sum("value") / ($__interval_ms / 1000) FROM "http_req_failed" WHERE $timeFilter GROUP BY time($__interval) fill(0)', "failed requests/s")], IF, "reqps", thresholds=1), 6, 8)
    L.add(timeseries("Checks Per Second", [iq("A", 'SELECT count("value") / ($__interval_ms / 1000) FROM "checks" WHERE $timeFilter GROUP BY time($__interval) fill(0)', "checks/s")], IF), 6, 8)
    L.add(timeseries("Data per Second", [
        iq("A", 'SELECT sum("value") / ($__interval_ms / 1000) FROM "data_received" WHERE $timeFilter GROUP BY time($__interval) fill(0)', "received"),
        iq("B", 'SELECT sum("value") / ($__interval_ms / 1000) FROM "data_sent" WHERE $timeFilter GROUP BY time($__interval) fill(0)', "sent")], IF, "Bps"), 8, 8)
    L.add(timeseries("Iterations per Second", [iq("A", 'SELECT sum("value") / ($__interval_ms / 1000) FROM "iterations" WHERE $timeFilter GROUP BY time($__interval) fill(0)', "iterations/s")], IF), 8, 8)
    L.add(timeseries("Requests per Second by status", [iq("A", 'SELECT sum("value") / ($__interval_ms / 1000) FROM "http_reqs" WHERE $timeFilter GROUP BY time($__interval), "status" fill(none)', "$tag_status")], IF, "reqps", stack=True), 8, 8)
    L.row("Thresholds and checks")
    L.add(stat("p(95) http_req_duration", [iq("A", 'SELECT percentile("value", 95) FROM "http_req_duration" WHERE $timeFilter')], IF, "ms", 500), 8, 6)
    L.add(stat("http_req_failed rate", [iq("A", 'SELECT mean("value") FROM "http_req_failed" WHERE $timeFilter')], IF, "percentunit", 0.01), 8, 6)
    L.add(stat("checks rate", [iq("A", 'SELECT mean("value") FROM "checks" WHERE $timeFilter')], IF, "percentunit", 0.99), 8, 6)
    L.add(table("Checks", [dict(iq("A", 'SELECT sum("value") AS "passes", count("value") - sum("value") AS "fails", mean("value") AS "rate" FROM "checks" WHERE $timeFilter GROUP BY "check"'), resultFormat="table")], IF), 24, 8)
    L.row("$Measurement")
    L.add(dict(timeseries("$Measurement", [
        iq("A", 'SELECT mean("value") FROM /^$Measurement$/ WHERE $timeFilter GROUP BY time($__interval) fill(none)', "mean"),
        iq("B", 'SELECT max("value") FROM /^$Measurement$/ WHERE $timeFilter GROUP BY time($__interval) fill(none)', "max"),
        iq("C", 'SELECT percentile("value", 90) FROM /^$Measurement$/ WHERE $timeFilter GROUP BY time($__interval) fill(none)', "p90"),
        iq("D", 'SELECT percentile("value", 95) FROM /^$Measurement$/ WHERE $timeFilter GROUP BY time($__interval) fill(none)', "p95"),
        iq("E", 'SELECT min("value") FROM /^$Measurement$/ WHERE $timeFilter GROUP BY time($__interval) fill(none)', "min")],
        IF, "ms", thresholds=500), repeat="Measurement", repeatDirection="h", maxPerRow=2), 12, 8)
    variables = [
        {"name": "datasource", "label": "Data source", "type": "datasource", "query": IF, "current": {}, "hide": 0},
        {"name": "Measurement", "label": "Trend metric", "type": "custom", "multi": True, "includeAll": True,
         "query": ",".join(TRENDS),
         "current": {"text": ["http_req_duration"], "value": ["http_req_duration"]},
         "options": [{"text": t, "value": t, "selected": t == "http_req_duration"} for t in TRENDS], "hide": 0},
    ]
    return dashboard("rk6-influxdb", "k6 Load Testing Results (rk6, InfluxDB)",
                     "k6's InfluxDB layout (one measurement per metric, field value) as written by rk6 and k6; "
                     "laid out like the classic 'k6 Load Testing Results' dashboard.", L.panels, variables,
                     ["rk6", "k6", "influxdb"])


for name, d in [("rk6-timestream.json", timestream()), ("rk6-influxdb.json", influxdb())]:
    with open(os.path.join(HERE, "dashboards", name), "w") as f:
        json.dump(d, f, indent=2)
        f.write("\n")
