//! Validates the Grafana dashboards in `grafana/dashboards/`: unique panel ids, panels inside
//! the 24-column grid and not overlapping, every `$variable` defined, no hard-coded data
//! source uid, and every metric queried is one rk6 writes.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use rk6::metrics::registry::{BuiltinMetrics, Registry, ThresholdIndex};
use serde_json::Value;

fn dashboards() -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("grafana/dashboards");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            let text = std::fs::read_to_string(&p).unwrap();
            let v: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            out.push((p.file_name().unwrap().to_string_lossy().into_owned(), v));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(
        out.len() >= 5,
        "expected the Timestream, InfluxDB, TimescaleDB, ClickHouse and Prometheus dashboards"
    );
    out
}

/// Every panel, including those nested in rows.
fn panels(d: &Value) -> Vec<&Value> {
    fn walk<'a>(list: &'a Value, out: &mut Vec<&'a Value>) {
        for p in list.as_array().into_iter().flatten() {
            out.push(p);
            walk(&p["panels"], out);
        }
    }
    let mut out = Vec::new();
    walk(&d["panels"], &mut out);
    out
}

fn strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// Variable names referenced as `$name`, `${name}`, `${name:format}` or `[[name]]`.
fn variable_refs(s: &str) -> Vec<String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let ident = |from: usize| {
        let mut end = from;
        while end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'_') {
            end += 1;
        }
        end
    };
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            let braced = b.get(i + 1) == Some(&b'{');
            let start = i + 1 + usize::from(braced);
            let end = ident(start);
            if end > start {
                out.push(s[start..end].to_string());
            }
            i = end.max(i + 1);
        } else if b[i] == b'[' && b.get(i + 1) == Some(&b'[') {
            let end = ident(i + 2);
            if end > i + 2 {
                out.push(s[i + 2..end].to_string());
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

fn is_builtin(name: &str) -> bool {
    // Grafana's global variables, the InfluxDB data source's $timeFilter/$interval, and the
    // InfluxDB alias patterns ($tag_<name>, $col, $m).
    name.starts_with("__")
        || matches!(name, "timeFilter" | "interval" | "col" | "m")
        || name.starts_with("tag_")
}

#[test]
fn panel_ids_are_unique_and_panels_do_not_overlap() {
    for (name, d) in dashboards() {
        let all = panels(&d);
        let mut ids = BTreeSet::new();
        for p in &all {
            let id = p["id"]
                .as_u64()
                .unwrap_or_else(|| panic!("{name}: panel without id: {}", p["title"]));
            assert!(ids.insert(id), "{name}: panel id {id} is used twice");
        }
        let rects: Vec<(u64, u64, u64, u64, &str)> = d["panels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let g = &p["gridPos"];
                let (x, y, w, h) = (
                    g["x"].as_u64().unwrap(),
                    g["y"].as_u64().unwrap(),
                    g["w"].as_u64().unwrap(),
                    g["h"].as_u64().unwrap(),
                );
                assert!(
                    w > 0 && h > 0 && x + w <= 24,
                    "{name}: panel {} is outside the grid",
                    p["title"]
                );
                (x, y, w, h, p["title"].as_str().unwrap_or(""))
            })
            .collect();
        for (i, a) in rects.iter().enumerate() {
            for b in &rects[i + 1..] {
                let overlap =
                    a.0 < b.0 + b.2 && b.0 < a.0 + a.2 && a.1 < b.1 + b.3 && b.1 < a.1 + a.3;
                assert!(!overlap, "{name}: panels {:?} and {:?} overlap", a.4, b.4);
            }
        }
    }
}

#[test]
fn every_variable_used_is_defined_and_datasources_are_variables() {
    for (name, d) in dashboards() {
        let defined: BTreeSet<String> = d["templating"]["list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["name"].as_str().unwrap().to_string())
            .collect();
        assert!(
            defined.contains("datasource"),
            "{name}: no datasource variable"
        );
        let mut all = Vec::new();
        strings(&d["panels"], &mut all);
        strings(&d["templating"], &mut all);
        for s in all {
            for v in variable_refs(s) {
                assert!(
                    is_builtin(&v) || defined.contains(&v),
                    "{name}: ${v} is not defined (in {s:?})"
                );
            }
        }
        // No hard-coded data source uid anywhere but Grafana's own annotations.
        fn check_ds(v: &Value, name: &str) {
            match v {
                Value::Object(o) => {
                    if let Some(ds) = o.get("datasource")
                        && let Some(uid) = ds.get("uid").and_then(|u| u.as_str())
                    {
                        assert!(
                            uid == "${datasource}"
                                || uid == "$datasource"
                                || uid == "-- Grafana --",
                            "{name}: hard-coded datasource uid {uid}"
                        );
                    }
                    o.values().for_each(|x| check_ds(x, name));
                }
                Value::Array(a) => a.iter().for_each(|x| check_ds(x, name)),
                _ => {}
            }
        }
        check_ds(&d, &name);
    }
}

/// Custom variables that pick a trend statistic (a series name suffix), not a metric.
const STAT_VARIABLES: &[&str] = &["quantile_stat"];

/// The options of each custom variable naming metrics, to expand `$var` in measure names.
fn custom_options(d: &Value) -> HashMap<String, Vec<String>> {
    d["templating"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| {
            v["type"] == "custom" && !STAT_VARIABLES.contains(&v["name"].as_str().unwrap_or(""))
        })
        .map(|v| {
            let opts = v["query"]
                .as_str()
                .unwrap()
                .split(',')
                .map(|s| s.trim().to_string())
                .collect();
            (v["name"].as_str().unwrap().to_string(), opts)
        })
        .collect()
}

fn expand(name: &str, vars: &HashMap<String, Vec<String>>) -> Vec<String> {
    let refs = variable_refs(name);
    match refs.first() {
        Some(v) => {
            let opts = vars.get(v).unwrap_or_else(|| {
                panic!("measure {name} uses ${v}, which is not a custom variable")
            });
            opts.iter()
                .map(|o| {
                    name.replace(&format!("${{{v}}}"), o)
                        .replace(&format!("${v}"), o)
                })
                .collect()
        }
        None => vec![name.to_string()],
    }
}

/// Names following `marker` up to `end` (e.g. `measure_name = '` ... `'`).
fn after<'a>(s: &'a str, marker: &str, end: char) -> Vec<&'a str> {
    s.match_indices(marker)
        .filter_map(|(i, _)| {
            let rest = &s[i + marker.len()..];
            rest.find(end).map(|e| &rest[..e])
        })
        .collect()
}

fn known_measures() -> BTreeSet<String> {
    let r = Registry::new(ThresholdIndex::default());
    BuiltinMetrics::register(&r).unwrap();
    let mut names: BTreeSet<String> = r.all().iter().map(|m| m.name.to_string()).collect();
    names.insert(rk6::output::timestream::encoder::MULTI_MEASURE_NAME.to_string());
    names
}

#[test]
fn every_measure_queried_is_one_rk6_writes() {
    let known = known_measures();
    for (name, d) in dashboards() {
        let vars = custom_options(&d);
        for opts in vars.values() {
            for o in opts {
                assert!(
                    known.contains(o),
                    "{name}: variable option {o} is not a metric rk6 writes"
                );
            }
        }
        let mut queried = 0;
        let mut texts = Vec::new();
        for p in panels(&d) {
            for t in p["targets"].as_array().into_iter().flatten() {
                for key in ["rawQuery", "query", "rawSql", "expr"] {
                    if let Some(q) = t[key].as_str() {
                        texts.push(q.to_string());
                    }
                }
            }
        }
        for q in &texts {
            let mut measures: Vec<String> = Vec::new();
            for m in after(q, "measure_name = '", '\'') {
                measures.extend(expand(m, &vars));
            }
            for m in after(q, "FROM \"", '"') {
                if m != "$database" {
                    measures.extend(expand(m, &vars));
                }
            }
            // SQL dashboards (TimescaleDB, ClickHouse).
            for m in after(q, "metric = '", '\'') {
                measures.extend(expand(m, &vars));
            }
            // PromQL: k6's series names map back to the metric they are written for.
            for series in prom_series_names(q) {
                measures.push(metric_of_series(&series, &known).unwrap_or_else(|| {
                    panic!("{name}: series {series} is not one rk6 writes: {q}")
                }));
            }
            if let Some(i) = q.find("FROM /^") {
                let rest = &q[i + "FROM /^".len()..];
                let re = &rest[..rest.find("$/").unwrap()];
                measures.extend(expand(re, &vars));
            }
            for m in &measures {
                assert!(
                    known.contains(m),
                    "{name}: query reads {m:?}, which rk6 does not write: {q}"
                );
            }
            queried += measures.len();
        }
        assert!(
            queried >= 10,
            "{name}: only {queried} measures found in queries"
        );
    }
}

/// `k6_...` identifiers in a PromQL expression (`$variables` included).
fn prom_series_names(q: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = q;
    while let Some(i) = rest.find("k6_") {
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
            .unwrap_or(tail.len());
        out.push(tail[..end].to_string());
        rest = &tail[end..];
    }
    out
}

/// The metric of a series k6's remote-write output names `k6_<metric>[_<suffix>]`.
fn metric_of_series(series: &str, known: &BTreeSet<String>) -> Option<String> {
    let name = series.strip_prefix("k6_")?;
    let suffixes = [
        "_total",
        "_rate",
        "_seconds",
        "_bytes",
        "_$quantile_stat",
        "_p99",
        "",
    ];
    suffixes
        .iter()
        .filter_map(|s| name.strip_suffix(s))
        .find(|m| known.contains(*m))
        .map(str::to_string)
}

#[test]
fn prometheus_series_names_map_to_metrics() {
    let known = known_measures();
    assert_eq!(
        prom_series_names(
            "sum(irate(k6_http_reqs_total{a=\"b\"}[1m])) / k6_http_req_duration_$quantile_stat"
        ),
        vec!["k6_http_reqs_total", "k6_http_req_duration_$quantile_stat"]
    );
    assert_eq!(
        metric_of_series("k6_http_req_duration_seconds", &known).as_deref(),
        Some("http_req_duration")
    );
    assert_eq!(metric_of_series("k6_vus", &known).as_deref(), Some("vus"));
    assert_eq!(metric_of_series("k6_nope_total", &known), None);
}

#[test]
fn variable_ref_parser() {
    assert_eq!(
        variable_refs("a $x ${y} ${z:sqlstring} [[w]] $__interval"),
        vec!["x", "y", "z", "w", "__interval"]
    );
    assert_eq!(
        after(
            "measure_name = 'a' AND measure_name = 'b'",
            "measure_name = '",
            '\''
        ),
        vec!["a", "b"]
    );
}

/// N instances of one split test write into one table / database (docs/distributed.md):
/// every dashboard has an `instance` variable, and every query on the samples filters by it,
/// so one instance can be looked at alone and "All" adds them up.
#[test]
fn every_sample_query_filters_by_instance() {
    for (name, d) in dashboards() {
        let defined = d["templating"]["list"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["name"] == "instance");
        assert!(defined, "{name}: no instance variable");
        for p in panels(&d) {
            for t in p["targets"].as_array().into_iter().flatten() {
                for key in ["rawQuery", "query", "rawSql", "expr"] {
                    let Some(q) = t[key].as_str() else { continue };
                    // The thresholds tables (TimescaleDB, ClickHouse) have no instance tag.
                    if q.contains("FROM thresholds") || q.contains(".\"thresholds\"") {
                        continue;
                    }
                    assert!(
                        q.contains("$instance") || q.contains("${instance"),
                        "{name}: panel {:?} does not filter by instance: {q}",
                        p["title"]
                    );
                }
            }
        }
    }
}
