// rk6 web dashboard and HTML report. Live: events from /events (config, snapshot,
// cumulative, stop). Report: the saved run embedded as window.RK6_REPORT.
(function () {
  "use strict";
  var state = { config: null, snapshots: [], totals: {}, thresholds: [], checks: [], summary: null, ended: false, scopes: [""] };
  var charts = [];
  var scope = "";

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function ms(v) {
    if (v == null || isNaN(v)) return "–";
    if (Math.abs(v) >= 1000) return (v / 1000).toFixed(2) + "s";
    if (Math.abs(v) >= 1) return v.toFixed(2) + "ms";
    return (v * 1000).toFixed(0) + "µs";
  }
  function pct(v) { return v == null ? "–" : (v * 100).toFixed(2) + "%"; }
  function num(v) { return v == null ? "–" : (Math.round(v * 100) / 100).toLocaleString("en-US"); }
  function val(metric, stat) {
    var m = state.totals[metric];
    return m && m.values ? m.values[stat] : undefined;
  }

  // Charts: one per panel, series read from the period snapshots of the chosen scope.
  var PANELS = [
    { title: "Request rate", series: [["http_reqs", "rate", "requests/s", "#3b82f6"], ["http_req_failed", "passes", "failed requests", "#cf222e"]] },
    { title: "Request duration", unit: "ms", series: [["http_req_duration", "avg", "avg", "#64748b"], ["http_req_duration", "p(90)", "p(90)", "#f59e0b"], ["http_req_duration", "p(95)", "p(95)", "#ef4444"], ["http_req_duration", "p(99)", "p(99)", "#7c3aed"]] },
    { title: "VUs and iterations", series: [["vus", "value", "VUs", "#0ea5e9"], ["iterations", "rate", "iterations/s", "#22c55e"]] },
    { title: "Checks and failures", unit: "%", series: [["checks", "rate", "checks passed", "#1a7f37"], ["http_req_failed", "rate", "requests failed", "#cf222e"]] },
    { title: "Iteration duration", unit: "ms", series: [["iteration_duration", "avg", "avg", "#64748b"], ["iteration_duration", "p(95)", "p(95)", "#ef4444"]] }
  ];

  function seriesData(panel) {
    var xs = [], ys = panel.series.map(function () { return []; });
    var start = state.config ? state.config.start : (state.snapshots.length ? state.snapshots[0].t : 0);
    state.snapshots.forEach(function (s) {
      var sc = s.s[scope];
      // Seconds since the test started.
      xs.push(Math.round((s.t - start) / 100) / 10);
      panel.series.forEach(function (d, i) {
        var m = sc && sc[d[0]];
        var v = m ? m[d[1]] : null;
        if (v != null && panel.unit === "%") v = v * 100;
        ys[i].push(v == null ? null : v);
      });
    });
    return [xs].concat(ys);
  }

  function chartWidth(div) { return Math.max(260, div.clientWidth - 4); }

  function buildCharts() {
    var box = $("charts");
    box.textContent = "";
    charts = [];
    PANELS.forEach(function (p) {
      var panel = el("div", "panel");
      panel.appendChild(el("h2", null, p.title));
      var div = el("div", "chart");
      div.setAttribute("data-chart", p.title);
      panel.appendChild(div);
      box.appendChild(panel);
      var fmt = p.unit === "ms" ? ms : p.unit === "%" ? function (v) { return v == null ? "–" : v.toFixed(2) + "%"; } : num;
      // Axis labels: short, so that they fit the axis.
      var tick = p.unit === "ms" ? function (v) { return v >= 1000 ? +(v / 1000).toFixed(1) + "s" : +v.toFixed(v < 10 ? 1 : 0) + "ms"; }
        : p.unit === "%" ? function (v) { return +v.toFixed(0) + "%"; } : function (v) { return +v.toFixed(1) + ""; };
      var opts = {
        width: chartWidth(div),
        height: 220,
        series: [{ label: "elapsed", value: function (u, v) { return v == null ? "–" : v + "s"; } }].concat(p.series.map(function (d) {
          return { label: d[2], stroke: d[3], width: 2, spanGaps: true, value: function (u, v) { return fmt(v); } };
        })),
        scales: { x: { time: false } },
        axes: [{ values: function (u, vs) { return vs.map(function (v) { return v + "s"; }); } }, { size: 64, values: function (u, vs) { return vs.map(tick); } }],
        legend: { live: true }
      };
      charts.push({ panel: p, plot: new uPlot(opts, seriesData(p), div), div: div });
    });
  }

  function refreshCharts() {
    charts.forEach(function (c) { c.plot.setData(seriesData(c.panel)); });
  }

  function card(id, label, value, sub) {
    var c = el("div", "card");
    c.id = "card-" + id;
    c.appendChild(el("div", "label", label));
    c.appendChild(el("div", "value", value));
    if (sub) c.appendChild(el("div", "sub", sub));
    return c;
  }

  function renderCards() {
    var box = $("cards");
    box.textContent = "";
    box.appendChild(card("http_reqs", "HTTP requests", num(val("http_reqs", "count")), num(val("http_reqs", "rate")) + "/s"));
    box.appendChild(card("http_req_failed", "Failed requests", pct(val("http_req_failed", "rate")), num(val("http_req_failed", "passes")) + " failed"));
    box.appendChild(card("http_req_duration", "Duration p(95)", ms(val("http_req_duration", "p(95)")), "avg " + ms(val("http_req_duration", "avg"))));
    box.appendChild(card("iterations", "Iterations", num(val("iterations", "count")), num(val("iterations", "rate")) + "/s"));
    box.appendChild(card("vus", "VUs", num(val("vus", "value")), "max " + num(val("vus_max", "value") != null ? val("vus_max", "value") : val("vus_max", "max"))));
    box.appendChild(card("checks", "Checks passed", pct(val("checks", "rate")), num(val("checks", "passes")) + " of " + num((val("checks", "passes") || 0) + (val("checks", "fails") || 0))));
  }

  function row(tbody, cells, cls) {
    var tr = el("tr");
    cells.forEach(function (c, i) { tr.appendChild(el("td", cls && cls[i], c)); });
    tbody.appendChild(tr);
  }

  function renderTables() {
    var tb = $("thresholds").tBodies[0];
    tb.textContent = "";
    if (!state.thresholds.length) row(tb, ["no thresholds"], ["empty"]);
    state.thresholds.forEach(function (t) {
      row(tb, [t.ok ? "✓" : "✗", t.metric, t.source], [t.ok ? "ok" : "bad", null, null]);
    });
    var cb = $("checks").tBodies[0];
    cb.textContent = "";
    if (!state.checks.length) row(cb, ["no checks"], ["empty"]);
    state.checks.forEach(function (c) {
      var ok = c.fails === 0;
      row(cb, [ok ? "✓" : "✗", c.path, c.passes + " passed, " + c.fails + " failed"], [ok ? "ok" : "bad", null, null]);
    });
    var sb = $("summary").tBodies[0];
    sb.textContent = "";
    var metrics = (state.summary && state.summary.metrics) || state.totals;
    Object.keys(metrics).forEach(function (name) {
      var m = metrics[name], v = m.values || {};
      var parts = Object.keys(v).map(function (k) {
        var x = v[k];
        var shown = m.contains === "time" && k !== "count" ? ms(x) : (m.type === "rate" && k === "rate" ? pct(x) : num(x));
        return k + "=" + shown;
      });
      row(sb, [name, parts.join("  ")]);
    });
  }

  function renderScopes() {
    var sel = $("scope");
    var have = {};
    Array.prototype.forEach.call(sel.options, function (o) { have[o.value] = true; });
    state.scopes.forEach(function (s) {
      if (!have[s]) { var o = el("option", null, s); o.value = s; sel.appendChild(o); }
    });
  }

  function status() {
    var n = state.snapshots.length;
    var elapsed = n && state.config ? Math.max(0, (state.snapshots[n - 1].t - state.config.start) / 1000) : 0;
    $("status").textContent = (state.ended ? "test ended" : "running") + " · " + elapsed.toFixed(0) + "s · " + n + " periods of " + (state.config ? state.config.period / 1000 : "?") + "s";
  }

  function noteScopes(snap) {
    Object.keys(snap.s).forEach(function (k) { if (state.scopes.indexOf(k) < 0) state.scopes.push(k); });
  }

  function flatChecks(g, out) {
    (g.checks || []).forEach(function (c) { out.push({ path: (g.path ? g.path + " › " : "") + c.name, passes: c.passes, fails: c.fails }); });
    (g.groups || []).forEach(function (s) { flatChecks(s, out); });
    return out;
  }

  function thresholdsOf(summary) {
    var out = [];
    Object.keys(summary.metrics || {}).forEach(function (name) {
      var th = summary.metrics[name].thresholds || {};
      Object.keys(th).forEach(function (src) { out.push({ metric: name, source: src, ok: th[src].ok }); });
    });
    return out;
  }

  function renderAll() { renderCards(); renderTables(); renderScopes(); refreshCharts(); status(); }

  function startReport(rec) {
    $("kind").textContent = "report" + (rec.name ? " · " + rec.name : "");
    document.title = "rk6 report" + (rec.name ? " · " + rec.name : "");
    var tl = rec.timeline || {};
    state.config = tl.config || null;
    state.snapshots = tl.snapshots || [];
    state.snapshots.forEach(noteScopes);
    state.summary = rec.summary || {};
    state.totals = state.summary.metrics || {};
    state.thresholds = thresholdsOf(state.summary);
    state.checks = flatChecks(state.summary.root_group || {}, []);
    state.ended = true;
    buildCharts();
    renderAll();
    $("status").textContent = "script " + (rec.script || "?") + " · " + ((rec.durationMs || 0) / 1000).toFixed(1) + "s · saved " + (rec.savedAt || "");
  }

  function startLive() {
    buildCharts();
    renderAll();
    var es = new EventSource("/events");
    es.addEventListener("config", function (e) { state.config = JSON.parse(e.data); status(); });
    es.addEventListener("snapshot", function (e) {
      var s = JSON.parse(e.data);
      state.snapshots.push(s);
      noteScopes(s);
    });
    es.addEventListener("cumulative", function (e) {
      var c = JSON.parse(e.data);
      state.totals = c.metrics || {};
      state.thresholds = c.thresholds || [];
      state.checks = c.checks || [];
      renderAll();
    });
    es.addEventListener("stop", function () {
      state.ended = true;
      es.close();
      status();
      document.body.setAttribute("data-ended", "true");
    });
    es.onerror = function () { if (!state.ended) $("status").textContent = "disconnected (the test may have ended)"; };
  }

  function main() {
    $("scope").addEventListener("change", function (e) { scope = e.target.value; refreshCharts(); });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.plot.setSize({ width: chartWidth(c.div), height: 220 }); });
    });
    if (window.RK6_REPORT) startReport(window.RK6_REPORT); else startLive();
    document.body.setAttribute("data-ready", "true");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", main); else main();
})();
