//! k6 1.x's end-of-test text summary (`compact` and `full` modes), reproduced from k6
//! v1.1.0's embedded `summary.js`, including its quirks: metric name column widths counted
//! from `name + displayName`, sections picked by name prefix (a custom `checks_x` metric is
//! hidden, `http_reqs_x` goes to HTTP), truncated percentages, JS number formatting.

use std::cmp::Ordering;

use super::groups::CheckCount;
use super::sample::{MetricType, ValueType};
use super::summary::{ChecksSummary, GroupReport, MetricSummary, SummaryData, SummaryMode};

const TITLE_PREFIX: &str = "█";
const SUBTITLE_PREFIX: &str = "↳";
const SUCCESS_MARK: &str = "✓";
const FAIL_MARK: &str = "✗";

/// Renders what k6 writes to stdout at the end of a test (leading and trailing blank lines
/// included). Colors are used when `!no_color && is_stdout_tty`. `Legacy` mode is rendered
/// as `Compact` (rk6 does not reproduce the pre-1.0 layout).
pub fn render_text_summary(data: &SummaryData, mode: SummaryMode) -> String {
    let r = Renderer {
        fmt: Formatter {
            colors: !data.no_color && data.is_stdout_tty,
        },
        trend_stats: &data.trend_stats,
        time_unit: &data.time_unit,
        duration_secs: data.test_run_duration.as_secs_f64(),
    };
    let full = mode == SummaryMode::Full;
    let mut sections: Vec<(String, Vec<String>)> = Vec::new();

    let mut with_thresholds: Vec<&MetricSummary> = data
        .metrics
        .iter()
        .filter(|m| !m.thresholds.is_empty())
        .collect();
    if !with_thresholds.is_empty() {
        sort_by_metric_name(&mut with_thresholds);
        sections.push(("THRESHOLDS".into(), r.thresholds(&with_thresholds, 1)));
    }

    let mut total = r.checks(data.checks.as_ref(), 0);
    total.extend(r.metric_sections(&data.metrics, full, 0));
    sections.push(("TOTAL RESULTS".into(), total));

    if full {
        for (name, g) in &data.groups {
            sections.push((format!("GROUP: {name}"), r.group_content(g, 0)));
        }
        let mut scenarios: Vec<&(String, GroupReport)> = data.scenarios.iter().collect();
        scenarios.sort_by(|a, b| locale_compare(&a.0, &b.0));
        for (name, g) in scenarios {
            sections.push((format!("SCENARIO: {name}"), r.group_content(g, 0)));
        }
    }

    let mut out = String::new();
    for (title, content) in sections {
        let items = std::iter::once(r.title(&title, 0, TITLE_PREFIX))
            .chain(content)
            .chain(std::iter::once("\n".to_string()));
        for item in items {
            if item != "\n" {
                out.push('\n');
            }
            out.push_str(&item);
        }
    }
    format!("\n{out}\n\n")
}

struct Formatter {
    colors: bool,
}

impl Formatter {
    fn decorate(&self, text: &str, color: &str, faint: bool) -> String {
        if !self.colors {
            return text.to_string();
        }
        let code = match color {
            "green" => "32",
            "red" => "31",
            "cyan" => "36",
            _ => "37",
        };
        if faint {
            format!("\x1b[2;{code}m{text}\x1b[0m")
        } else {
            format!("\x1b[{code}m{text}\x1b[0m")
        }
    }

    fn bold(&self, text: &str) -> String {
        if self.colors {
            format!("\x1b[1m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// `RenderContext.indentLevel(level)`: `(base + level) * 2` spaces.
fn indent(base: usize, level: usize) -> String {
    " ".repeat((base + level) * 2)
}

/// Display width: characters outside ANSI escape sequences.
fn str_width(s: &str) -> usize {
    let mut width = 0;
    let mut in_esc = false;
    let mut in_long = false;
    for c in s.chars() {
        if c == '\x1b' {
            in_esc = true;
            continue;
        }
        if in_esc && c == '[' {
            in_long = true;
            continue;
        }
        let code = c as u32;
        if in_esc && in_long && (0x40..=0x7e).contains(&code) {
            in_esc = false;
            in_long = false;
            continue;
        }
        if in_esc && !in_long && (0x40..=0x5f).contains(&code) {
            in_esc = false;
            continue;
        }
        if !in_esc && !in_long {
            width += 1;
        }
    }
    width
}

/// `metric{sub}` → `  { sub }`; other names unchanged.
fn display_name(name: &str) -> String {
    match name.find('{') {
        Some(pos) if name.len() > pos + 1 => {
            format!("  {{ {} }}", &name[pos + 1..name.len() - 1])
        }
        Some(_) => "  {  }".to_string(),
        None => name.to_string(),
    }
}

fn parent_name(name: &str) -> &str {
    name.split('{').next().unwrap_or(name)
}

/// A metric as the JS renderer sees it (checks metrics are synthesized).
struct View<'a> {
    name: &'a str,
    mtype: MetricType,
    contains: ValueType,
    values: Vec<(&'a str, f64)>,
    thresholds: &'a [super::summary::ThresholdResult],
}

impl<'a> View<'a> {
    fn of(m: &'a MetricSummary, with_threshold_values: bool) -> View<'a> {
        let mut values: Vec<(&str, f64)> = m.values.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        if with_threshold_values {
            for (k, v) in &m.threshold_values {
                if !values.iter().any(|(vk, _)| vk == k) {
                    values.push((k.as_str(), *v));
                }
            }
        }
        View {
            name: &m.name,
            mtype: m.mtype,
            contains: m.contains,
            values,
            thresholds: &m.thresholds,
        }
    }

    fn get(&self, key: &str) -> Option<f64> {
        self.values.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

/// `computeSummaryInfo`'s result.
struct Info<'a> {
    max_name_width: usize,
    non_trend_values: Vec<(&'a str, String)>,
    non_trend_extras: Vec<(&'a str, Vec<String>)>,
    trend_cols: Vec<(&'a str, Vec<String>)>,
    trend_keys: Vec<(&'a str, Vec<(String, String)>)>,
    trend_col_max: Vec<usize>,
    max_non_trend_len: usize,
    extra_max: Vec<usize>,
}

fn lookup<'b, T>(list: &'b [(&str, T)], name: &str) -> Option<&'b T> {
    list.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
}

struct Renderer<'a> {
    fmt: Formatter,
    trend_stats: &'a [String],
    time_unit: &'a str,
    duration_secs: f64,
}

impl Renderer<'_> {
    fn title(&self, title: &str, base: usize, prefix: &str) -> String {
        format!("{}{prefix} {} \n", indent(base, 1), self.fmt.bold(title))
    }

    fn humanize(&self, v: f64, mtype: MetricType, contains: ValueType) -> String {
        humanize_value(v, mtype, contains, self.time_unit)
    }

    fn trend_value(&self, v: Option<f64>, stat: &str, view: &View) -> String {
        let Some(v) = v else {
            return "undefined".to_string();
        };
        if stat == "count" {
            js_to_string(v)
        } else {
            self.humanize(v, view.mtype, view.contains)
        }
    }

    fn non_trend_values(&self, view: &View) -> Vec<String> {
        let h = |k: &str| match view.get(k) {
            Some(v) => self.humanize(v, view.mtype, view.contains),
            None => "undefined".to_string(),
        };
        match view.mtype {
            MetricType::Counter => vec![h("count"), format!("{}/s", h("rate"))],
            MetricType::Gauge => vec![
                h("value"),
                format!("min={}", h("min")),
                format!("max={}", h("max")),
            ],
            MetricType::Rate => {
                let passes = view.get("passes").unwrap_or(0.0);
                let fails = view.get("fails").unwrap_or(0.0);
                vec![
                    h("rate"),
                    format!(
                        "{} out of {}",
                        js_to_string(passes),
                        js_to_string(passes + fails)
                    ),
                ]
            }
            MetricType::Trend => vec!["[no data]".to_string()],
        }
    }

    fn summary_info<'v>(&self, views: &'v [View<'v>], base: usize) -> Info<'v> {
        let mut info = Info {
            max_name_width: 0,
            non_trend_values: Vec::new(),
            non_trend_extras: Vec::new(),
            trend_cols: Vec::new(),
            trend_keys: Vec::new(),
            trend_col_max: vec![0; self.trend_stats.len()],
            max_non_trend_len: 0,
            extra_max: Vec::new(),
        };
        for v in views {
            let shown = format!("{}{}{}", indent(base, 1), v.name, display_name(v.name));
            info.max_name_width = info.max_name_width.max(str_width(&shown));
            if v.mtype == MetricType::Trend {
                let keys = v
                    .values
                    .iter()
                    .filter(|(k, _)| !self.trend_stats.iter().any(|s| s == k))
                    .map(|(k, val)| (k.to_string(), self.trend_value(Some(*val), k, v)))
                    .collect();
                let cols: Vec<String> = self
                    .trend_stats
                    .iter()
                    .map(|s| self.trend_value(v.get(s), s, v))
                    .collect();
                for (i, c) in cols.iter().enumerate() {
                    info.trend_col_max[i] = info.trend_col_max[i].max(str_width(c));
                }
                info.trend_cols.push((v.name, cols));
                info.trend_keys.push((v.name, keys));
            } else {
                let mut values = self.non_trend_values(v);
                let main = values.remove(0);
                info.max_non_trend_len = info.max_non_trend_len.max(str_width(&main));
                for (i, e) in values.iter().enumerate() {
                    let w = str_width(e);
                    if i >= info.extra_max.len() {
                        info.extra_max.push(w);
                    } else if w > info.extra_max[i] {
                        info.extra_max[i] = w;
                    }
                }
                info.non_trend_values.push((v.name, main));
                info.non_trend_extras.push((v.name, values));
            }
        }
        info
    }

    fn metric_line(&self, v: &View, info: &Info, base: usize) -> String {
        let shown = display_name(v.name);
        let fmt_indent = indent(base, 1);
        let dots =
            (info.max_name_width + 3).saturating_sub(str_width(&shown) + str_width(&fmt_indent));
        let dotted = format!(
            "{shown}{}",
            self.fmt
                .decorate(&format!("{}:", ".".repeat(dots)), "white", true)
        );
        let data = if v.mtype == MetricType::Trend {
            let cols = lookup(&info.trend_cols, v.name)
                .cloned()
                .unwrap_or_default();
            cols.iter()
                .enumerate()
                .map(|(i, col)| {
                    let pad = info.trend_col_max[i].saturating_sub(str_width(col));
                    format!(
                        "{}={}{}",
                        self.trend_stats[i],
                        self.fmt.decorate(col, "cyan", false),
                        " ".repeat(pad)
                    )
                })
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            let value = lookup(&info.non_trend_values, v.name)
                .cloned()
                .unwrap_or_default();
            let extras = lookup(&info.non_trend_extras, v.name)
                .cloned()
                .unwrap_or_default();
            let mut s = self.fmt.decorate(&value, "cyan", false);
            s.push_str(&" ".repeat(info.max_non_trend_len.saturating_sub(str_width(&value))));
            if extras.len() == 1 {
                s.push(' ');
                s.push_str(&self.fmt.decorate(&extras[0], "cyan", true));
            } else if extras.len() > 1 {
                let parts: Vec<String> = extras
                    .iter()
                    .enumerate()
                    .map(|(i, e)| {
                        let pad = info
                            .extra_max
                            .get(i)
                            .copied()
                            .unwrap_or(0)
                            .saturating_sub(str_width(e));
                        format!("{}{}", self.fmt.decorate(e, "cyan", true), " ".repeat(pad))
                    })
                    .collect();
                s.push(' ');
                s.push_str(&parts.join(" "));
            }
            s
        };
        format!("{fmt_indent}{dotted} {data}")
    }

    /// `renderThresholds` at indentation `base`.
    fn thresholds(&self, metrics: &[&MetricSummary], base: usize) -> Vec<String> {
        let views: Vec<View> = metrics.iter().map(|m| View::of(m, true)).collect();
        let info = self.summary_info(&views, base);
        let mut out = Vec::new();
        for v in &views {
            let parent = parent_name(v.name);
            let is_sub = v.name.len() > parent.len();
            let parent_exists = views.iter().any(|o| o.name == parent);
            let inner = if is_sub && parent_exists {
                base + 1
            } else {
                base
            };
            let label = if is_sub && parent_exists {
                &v.name[parent.len()..]
            } else {
                v.name
            };
            out.push(format!("{}{label}", indent(inner, 1)));
            if v.thresholds.is_empty() {
                continue;
            }
            for t in v.thresholds {
                let status = if t.ok {
                    self.fmt.decorate(SUCCESS_MARK, "green", false)
                } else {
                    self.fmt.decorate(FAIL_MARK, "red", false)
                };
                let source = self
                    .fmt
                    .decorate(&format!("'{}'", t.source.trim()), "white", false);
                let value = self.threshold_value(v, &t.source, &info);
                out.push(format!("{}{status} {source} {value}", indent(inner, 1)));
            }
            out.push("\n".into());
        }
        out
    }

    fn threshold_value(&self, v: &View, source: &str, info: &Info) -> String {
        let agg = source.split(['=', '>', '<']).next().unwrap_or("").trim();
        let value = match v.mtype {
            MetricType::Trend => match self.trend_stats.iter().position(|s| s == agg) {
                Some(i) => lookup(&info.trend_cols, v.name).and_then(|c| c.get(i).cloned()),
                None => lookup(&info.trend_keys, v.name)
                    .and_then(|ks| ks.iter().find(|(k, _)| k == agg).map(|(_, s)| s.clone())),
            },
            MetricType::Counter if agg != "count" => {
                lookup(&info.non_trend_extras, v.name).and_then(|e| e.first().cloned())
            }
            _ => lookup(&info.non_trend_values, v.name).cloned(),
        };
        let value = value.unwrap_or_else(|| "undefined".to_string());
        format!(
            "{}={}",
            self.fmt.decorate(agg, "white", false),
            self.fmt.decorate(&value, "cyan", false)
        )
    }

    /// `_renderChecks` at context `base`.
    fn checks(&self, checks: Option<&ChecksSummary>, base: usize) -> Vec<String> {
        let Some(c) = checks else { return Vec::new() };
        let inner = base + 1;
        let total = c.total() as f64;
        let passes = c.passes as f64;
        let failed = total - passes;
        let metrics = [
            (
                "checks_total",
                MetricType::Counter,
                vec![
                    ("count", total),
                    ("rate", total / self.duration_secs_nonzero()),
                ],
            ),
            (
                "checks_succeeded",
                MetricType::Rate,
                vec![
                    ("rate", if total > 0.0 { passes / total } else { 0.0 }),
                    ("passes", passes),
                    ("fails", failed),
                ],
            ),
            // k6 swaps passes and fails here and divides by zero without checks ("NaN%").
            (
                "checks_failed",
                MetricType::Rate,
                vec![
                    ("passes", failed),
                    ("fails", passes),
                    ("rate", failed / total),
                ],
            ),
        ];
        let views: Vec<View> = metrics
            .into_iter()
            .map(|(name, mtype, values)| View {
                name,
                mtype,
                contains: ValueType::Default,
                values,
                thresholds: &[],
            })
            .collect();
        let info = self.summary_info(&views, inner);
        let mut out: Vec<String> = views
            .iter()
            .map(|v| self.metric_line(v, &info, inner))
            .collect();
        out.push("\n".into());
        out.extend(c.ordered.iter().map(|ch| self.check_line(ch, inner)));
        out.push("\n".into());
        out
    }

    fn duration_secs_nonzero(&self) -> f64 {
        if self.duration_secs == 0.0 {
            f64::INFINITY
        } else {
            self.duration_secs
        }
    }

    fn check_line(&self, c: &CheckCount, base: usize) -> String {
        if c.fails == 0 {
            return format!(
                "{}{}",
                indent(base, 1),
                self.fmt
                    .decorate(&format!("{SUCCESS_MARK} {}", c.name), "green", false)
            );
        }
        let pct = (100 * c.passes) / (c.passes + c.fails);
        let name = self
            .fmt
            .decorate(&format!("{FAIL_MARK} {}", c.name), "red", false);
        let results = self.fmt.decorate(
            &format!(
                "{SUBTITLE_PREFIX}  {pct}% — {SUCCESS_MARK} {} / {FAIL_MARK} {}",
                c.passes, c.fails
            ),
            "red",
            false,
        );
        // k6 passes `base + 1` as the level, doubling the base indentation.
        format!(
            "{}{name}\n{}{results}",
            indent(base, 1),
            indent(base, base + 1)
        )
    }

    /// `_renderMetrics`: sections (custom first) at context `base`.
    fn metric_sections(&self, metrics: &[MetricSummary], full: bool, base: usize) -> Vec<String> {
        let inner = base + 1;
        let mut sections: Vec<(&str, Vec<&MetricSummary>)> =
            SECTIONS.iter().map(|s| (*s, Vec::new())).collect();
        for m in metrics {
            if let Some(section) = section_of(&m.name, full)
                && let Some((_, list)) = sections.iter_mut().find(|(s, _)| *s == section)
            {
                list.push(m);
            }
        }
        let all: Vec<View> = sections
            .iter()
            .flat_map(|(_, l)| l.iter().map(|m| View::of(m, false)))
            .collect();
        let info = self.summary_info(&all, inner);
        let mut ordered: Vec<(&str, Vec<&MetricSummary>)> = Vec::new();
        for (name, list) in sections {
            if list.is_empty() {
                continue;
            }
            if name == "custom" {
                ordered.insert(0, (name, list));
            } else {
                ordered.push((name, list));
            }
        }
        let mut out = Vec::new();
        for (name, mut list) in ordered {
            out.push(format!(
                "{}{}",
                indent(inner, 1),
                self.fmt.bold(&name.to_uppercase())
            ));
            sort_by_metric_name(&mut list);
            for m in list {
                out.push(self.metric_line(&View::of(m, false), &info, inner));
            }
            out.push("\n".into());
        }
        out
    }

    fn group_content(&self, g: &GroupReport, base: usize) -> Vec<String> {
        let mut out = self.checks(g.checks.as_ref(), base);
        out.extend(self.metric_sections(&g.metrics, true, base));
        let nested = base + 1;
        for (name, child) in &g.groups {
            out.push(self.title(&format!("GROUP: {name}"), nested, SUBTITLE_PREFIX));
            out.extend(self.group_content(child, nested));
        }
        out
    }
}

/// Section keys in k6's order (custom is moved first when rendering).
const SECTIONS: [&str; 8] = [
    "http",
    "execution",
    "network",
    "browser",
    "web_vitals",
    "grpc",
    "websocket",
    "custom",
];

fn has_any_prefix(name: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|p| name.starts_with(p))
}

/// k6's classification, by name prefix; `None` for metrics the summary skips.
fn section_of(name: &str, full: bool) -> Option<&'static str> {
    const HTTP_TIMINGS: [&str; 6] = [
        "http_req_blocked",
        "http_req_connecting",
        "http_req_receiving",
        "http_req_sending",
        "http_req_tls_handshaking",
        "http_req_waiting",
    ];
    if has_any_prefix(name, &["checks", "group_duration"])
        || (!full && has_any_prefix(name, &HTTP_TIMINGS))
    {
        return None;
    }
    if has_any_prefix(name, &["http_reqs", "http_req_failed", "http_req_duration"])
        || has_any_prefix(name, &HTTP_TIMINGS)
    {
        return Some("http");
    }
    if has_any_prefix(
        name,
        &[
            "vus",
            "vus_max",
            "iterations",
            "iteration_duration",
            "dropped_iterations",
        ],
    ) {
        return Some("execution");
    }
    if has_any_prefix(name, &["data_sent", "data_received"]) {
        return Some("network");
    }
    if name.starts_with("browser_web_vital_") {
        return Some("web_vitals");
    }
    if name.starts_with("browser_") {
        return Some("browser");
    }
    if name.starts_with("grpc_") {
        return Some("grpc");
    }
    if name.starts_with("ws_") {
        return Some("websocket");
    }
    Some("custom")
}

/// `sortMetricsByName`: parents by locale order, then the `{...}` part.
fn sort_by_metric_name(list: &mut [&MetricSummary]) {
    list.sort_by(|a, b| {
        let (pa, pb) = (parent_name(&a.name), parent_name(&b.name));
        locale_compare(pa, pb)
            .then_with(|| locale_compare(&a.name[pa.len()..], &b.name[pb.len()..]))
    });
}

/// Approximates `String.prototype.localeCompare` (Unicode root collation as used by k6's
/// JS runtime) for the characters metric names and selectors use: punctuation before
/// digits before letters, letters case-insensitively first, lowercase before uppercase on
/// ties. Confirmed on k6 v1.1.0: `a_m < A_m < a_z < a0 < a1 < aa < Ab < B_m`.
pub(crate) fn locale_compare(a: &str, b: &str) -> Ordering {
    let primary = |s: &str| s.chars().map(primary_weight).collect::<Vec<_>>();
    primary(a)
        .cmp(&primary(b))
        .then_with(|| {
            let tertiary = |s: &str| s.chars().map(|c| c.is_uppercase()).collect::<Vec<_>>();
            tertiary(a).cmp(&tertiary(b))
        })
        .then_with(|| a.cmp(b))
}

fn primary_weight(c: char) -> u32 {
    // DUCET order of ASCII punctuation and symbols.
    const PUNCT: &str = "\t\n\r _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$";
    if let Some(i) = PUNCT.find(c) {
        return i as u32;
    }
    if c.is_ascii_digit() {
        return 100 + (c as u32 - '0' as u32);
    }
    if c.is_ascii_alphabetic() {
        return 200 + (c.to_ascii_lowercase() as u32 - 'a' as u32);
    }
    1000 + c as u32
}

/// `humanizeValue` from k6's summary.js.
pub(crate) fn humanize_value(
    v: f64,
    mtype: MetricType,
    contains: ValueType,
    time_unit: &str,
) -> String {
    if mtype == MetricType::Rate {
        return format!("{}%", js_to_fixed((v * 100.0 * 100.0).trunc() / 100.0, 2));
    }
    match contains {
        ValueType::Data => humanize_bytes(v),
        ValueType::Time => humanize_duration(v, time_unit),
        ValueType::Default => to_fixed_no_trailing_zeros(v, 6),
    }
}

fn humanize_bytes(bytes: f64) -> String {
    const UNITS: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
    if bytes < 10.0 || bytes.is_nan() {
        return format!("{} B", js_to_string(bytes));
    }
    let e = (bytes.ln() / 1000f64.ln()).floor();
    let suffix = UNITS.get(e as usize).copied().unwrap_or("undefined");
    let val = ((bytes / 1000f64.powf(e)) * 10.0 + 0.5).floor() / 10.0;
    format!(
        "{} {suffix}",
        js_to_fixed(val, if val < 10.0 { 1 } else { 0 })
    )
}

fn humanize_duration(ms: f64, time_unit: &str) -> String {
    let coef = match time_unit {
        "s" => Some((0.001, "s")),
        "ms" => Some((1.0, "ms")),
        "us" => Some((1000.0, "µs")),
        _ => None,
    };
    match coef {
        Some((c, unit)) => format!("{}{unit}", js_to_fixed(ms * c, 2)),
        None => humanize_generic_duration(ms),
    }
}

fn humanize_generic_duration(d: f64) -> String {
    if d == 0.0 {
        return "0s".into();
    }
    if d < 0.001 {
        return format!("{}ns", js_to_string((d * 1_000_000.0).trunc()));
    }
    if d < 1.0 {
        return format!("{}µs", to_fixed_no_trailing_zeros_trunc(d * 1000.0, 2));
    }
    if d < 1000.0 {
        return format!("{}ms", to_fixed_no_trailing_zeros_trunc(d, 2));
    }
    let mut fixed = format!(
        "{}s",
        to_fixed_no_trailing_zeros_trunc((d % 60000.0) / 1000.0, if d > 60000.0 { 0 } else { 2 })
    );
    let mut rem = (d / 60000.0).trunc();
    if rem < 1.0 {
        return fixed;
    }
    fixed = format!("{}m{fixed}", js_to_string(rem % 60.0));
    rem = (rem / 60.0).trunc();
    if rem < 1.0 {
        return fixed;
    }
    format!("{}h{fixed}", js_to_string(rem))
}

fn to_fixed_no_trailing_zeros(v: f64, prec: usize) -> String {
    let fixed = js_to_fixed(v, prec);
    match fixed.parse::<f64>() {
        Ok(p) => js_to_string(p),
        Err(_) => fixed,
    }
}

fn to_fixed_no_trailing_zeros_trunc(v: f64, prec: usize) -> String {
    let mult = 10f64.powi(prec as i32);
    to_fixed_no_trailing_zeros((mult * v).trunc() / mult, prec)
}

/// JS `Number.prototype.toString()`.
pub(crate) fn js_to_string(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    if v == 0.0 {
        return "0".into();
    }
    // Shortest round-trip digits and exponent, from Rust's `{:e}` ("d.ddde±x").
    let sci = format!("{:e}", v.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    let k = digits.len() as i32;
    let n = exp + 1;
    let sign = if v < 0.0 { "-" } else { "" };
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let esign = if e < 0 { "-" } else { "+" };
        if k == 1 {
            format!("{digits}e{esign}{}", e.abs())
        } else {
            format!("{}.{}e{esign}{}", &digits[..1], &digits[1..], e.abs())
        }
    };
    format!("{sign}{body}")
}

/// JS `Number.prototype.toFixed(digits)`: exact decimal rounding, ties away from zero.
pub(crate) fn js_to_fixed(v: f64, digits: usize) -> String {
    if !v.is_finite() || v.abs() >= 1e21 {
        return js_to_string(v);
    }
    let neg = v < 0.0;
    let a = v.abs();
    let s = if is_decimal_tie(a, digits) {
        // Rust rounds exact ties to even; JS picks the larger magnitude.
        round_up_decimal(&format!("{:.*}", digits + 1, a))
    } else {
        format!("{:.*}", digits, a)
    };
    // JS keeps the sign even when the digits round to zero: (-0.001).toFixed(2) is "-0.00".
    if neg { format!("-{s}") } else { s }
}

/// Whether `a * 10^digits` lies exactly halfway between two integers.
fn is_decimal_tie(a: f64, digits: usize) -> bool {
    if a == 0.0 || !a.is_finite() {
        return false;
    }
    let bits = a.to_bits();
    let exp_bits = ((bits >> 52) & 0x7ff) as i64;
    let frac = bits & ((1u64 << 52) - 1);
    let (mut m, mut e) = if exp_bits == 0 {
        (frac, -1074i64)
    } else {
        (frac | (1u64 << 52), exp_bits - 1075)
    };
    // a = m * 2^e; with m made odd, a*10^d*2 = m * 5^d * 2^(e+d+1) is an odd integer
    // exactly when e+d+1 == 0.
    let tz = m.trailing_zeros() as i64;
    m >>= tz;
    e += tz;
    debug_assert!(m & 1 == 1);
    e + digits as i64 + 1 == 0
}

/// Given `x.yyy5` (exactly one extra digit, a 5), rounds away from zero to one digit less.
fn round_up_decimal(s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    chars.pop();
    if chars.last() == Some(&'.') {
        chars.pop();
    }
    let mut i = chars.len();
    loop {
        if i == 0 {
            chars.insert(0, '1');
            break;
        }
        i -= 1;
        match chars[i] {
            '.' => continue,
            '9' => chars[i] = '0',
            c => {
                chars[i] = char::from_digit(c.to_digit(10).unwrap_or(0) + 1, 10).unwrap_or('0');
                break;
            }
        }
    }
    chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::groups::{CheckNode, md5_hex};
    use crate::metrics::summary::{GroupSummary, ThresholdResult};
    use serde_json::Value;
    use std::time::Duration;

    #[test]
    fn js_number_formatting() {
        assert_eq!(js_to_string(63.120152), "63.120152");
        assert_eq!(js_to_string(3.0), "3");
        assert_eq!(js_to_string(1e21), "1e+21");
        assert_eq!(js_to_string(1.5e-7), "1.5e-7");
        assert_eq!(js_to_string(0.000001), "0.000001");
        assert_eq!(js_to_string(-2.5), "-2.5");
        assert_eq!(
            js_to_string(123456789012345680000.0),
            "123456789012345680000"
        );
        assert_eq!(js_to_fixed(0.5, 0), "1");
        assert_eq!(js_to_fixed(2.5, 0), "3");
        assert_eq!(js_to_fixed(0.125, 2), "0.13");
        assert_eq!(js_to_fixed(1.005, 2), "1.00");
        assert_eq!(js_to_fixed(9.95, 1), "9.9");
        assert_eq!(js_to_fixed(99.5, 0), "100");
        assert_eq!(js_to_fixed(-1.25, 1), "-1.3");
        assert_eq!(js_to_fixed(f64::NAN, 2), "NaN");
    }

    #[test]
    fn humanized_values_confirmed_on_k6() {
        let t = |v| humanize_value(v, MetricType::Trend, ValueType::Time, "");
        assert_eq!(t(43.099933), "43.09ms");
        assert_eq!(t(0.453245), "453.24µs");
        assert_eq!(t(122222.67456), "2m2s");
        assert_eq!(t(61789.728), "1m1s");
        assert_eq!(t(0.0), "0s");
        assert_eq!(t(123.456), "123.45ms");
        assert_eq!(t(0.0000005), "0ns");
        assert_eq!(
            humanize_value(61789.728, MetricType::Trend, ValueType::Time, "s"),
            "61.79s"
        );
        assert_eq!(
            humanize_value(3.07121, MetricType::Trend, ValueType::Time, "us"),
            "3071.21µs"
        );
        let d = |v| humanize_value(v, MetricType::Counter, ValueType::Data, "");
        assert_eq!(d(1008.0), "1.0 kB");
        assert_eq!(d(10604.185570933087), "11 kB");
        assert_eq!(d(477.0), "477 B");
        assert_eq!(d(0.0), "0 B");
        assert_eq!(d(6360.0), "6.4 kB");
        let r = |v| humanize_value(v, MetricType::Rate, ValueType::Default, "");
        assert_eq!(r(0.5), "50.00%");
        assert_eq!(r(f64::NAN), "NaN%");
        assert_eq!(r(1.0), "100.00%");
        let n = |v| humanize_value(v, MetricType::Counter, ValueType::Default, "");
        assert_eq!(n(63.120152207935035), "63.120152");
        assert_eq!(n(142.71442857142858), "142.714429");
    }

    #[test]
    fn locale_order_confirmed_on_k6() {
        let mut names = vec![
            "B_m",
            "zz",
            "a1",
            "Ab",
            "a_z",
            "aa",
            "A_m",
            "a0",
            "a_m",
            "neg_gauge",
        ];
        names.sort_by(|a, b| locale_compare(a, b));
        assert_eq!(
            names,
            [
                "a_m",
                "A_m",
                "a_z",
                "a0",
                "a1",
                "aa",
                "Ab",
                "B_m",
                "neg_gauge",
                "zz"
            ]
        );
        let mut subs = vec!["{b:\"x y\"}", "{ab:1}", "{A:1}", "{a:1}", "{a_:1}", "{_:1}"];
        subs.sort_by(|a, b| locale_compare(a, b));
        assert_eq!(
            subs,
            ["{_:1}", "{a_:1}", "{a:1}", "{A:1}", "{ab:1}", "{b:\"x y\"}"]
        );
    }

    // ---- Golden tests against real k6 v1.1.0 output ----
    //
    // testdata/<case>.sum.json and testdata/<case>.txt come from one `k6 run -q
    // --summary-export=<case>.sum.json <script> > <case>.txt` (scripts in testdata/). The
    // export holds the same numbers the text summary was rendered from, so rebuilding
    // SummaryData from it and rendering must give k6's text byte for byte.

    fn fixture(name: &str) -> String {
        let path = format!("{}/src/metrics/testdata/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    const TIME_METRICS: [&str; 10] = [
        "http_req_duration",
        "http_req_blocked",
        "http_req_connecting",
        "http_req_tls_handshaking",
        "http_req_sending",
        "http_req_waiting",
        "http_req_receiving",
        "iteration_duration",
        "group_duration",
        "my_time",
    ];

    fn metric_from_export(
        name: &str,
        o: &serde_json::Map<String, Value>,
        trend_stats: &[String],
    ) -> MetricSummary {
        let num = |k: &str| o.get(k).and_then(Value::as_f64).unwrap_or(0.0);
        let parent = name.find('{').map(|p| name[..p].to_string());
        let base = parent.clone().unwrap_or_else(|| name.to_string());
        let (mtype, values): (MetricType, Vec<(String, f64)>) = if o.contains_key("passes") {
            (
                MetricType::Rate,
                vec![
                    ("rate".into(), num("value")),
                    ("passes".into(), num("passes")),
                    ("fails".into(), num("fails")),
                ],
            )
        } else if o.contains_key("rate")
            && o.keys()
                .all(|k| ["count", "rate", "thresholds"].contains(&k.as_str()))
        {
            (
                MetricType::Counter,
                vec![("count".into(), num("count")), ("rate".into(), num("rate"))],
            )
        } else if o.contains_key("value") {
            (
                MetricType::Gauge,
                vec![
                    ("value".into(), num("value")),
                    ("min".into(), num("min")),
                    ("max".into(), num("max")),
                ],
            )
        } else {
            (
                MetricType::Trend,
                trend_stats.iter().map(|s| (s.clone(), num(s))).collect(),
            )
        };
        let contains = if TIME_METRICS.contains(&base.as_str()) {
            ValueType::Time
        } else if base == "data_sent" || base == "data_received" {
            ValueType::Data
        } else {
            ValueType::Default
        };
        let thresholds = o
            .get("thresholds")
            .and_then(Value::as_object)
            .map(|t| {
                t.iter()
                    .map(|(src, failed)| ThresholdResult {
                        source: src.clone(),
                        ok: !failed.as_bool().unwrap_or(false),
                    })
                    .collect()
            })
            .unwrap_or_default();
        MetricSummary {
            name: name.into(),
            parent,
            mtype,
            contains,
            values,
            threshold_values: Vec::new(),
            thresholds,
        }
    }

    fn group_from_export(g: &Value) -> GroupSummary {
        let s = |k: &str| g[k].as_str().unwrap_or("").to_string();
        GroupSummary {
            name: s("name"),
            path: s("path"),
            id: s("id"),
            groups: g["groups"]
                .as_object()
                .map(|m| m.values().map(group_from_export).collect())
                .unwrap_or_default(),
            checks: g["checks"]
                .as_object()
                .map(|m| {
                    m.values()
                        .map(|c| CheckNode {
                            name: c["name"].as_str().unwrap_or("").into(),
                            path: c["path"].as_str().unwrap_or("").into(),
                            id: md5_hex(c["path"].as_str().unwrap_or("")),
                            passes: c["passes"].as_u64().unwrap_or(0),
                            fails: c["fails"].as_u64().unwrap_or(0),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    fn collect_checks(g: &GroupSummary, out: &mut Vec<(String, u64, u64)>) {
        for c in &g.checks {
            out.push((c.name.clone(), c.passes, c.fails));
        }
        for sub in &g.groups {
            collect_checks(sub, out);
        }
    }

    /// Rebuilds SummaryData from a k6 summary export. `check_order` lists the check names
    /// in the order the script first ran them (k6 merges same-named checks).
    fn data_from_export(
        case: &str,
        trend_stats: &[&str],
        time_unit: &str,
        check_order: &[&str],
    ) -> SummaryData {
        let v: Value = serde_json::from_str(&fixture(&format!("{case}.sum.json"))).unwrap();
        let stats: Vec<String> = trend_stats.iter().map(|s| s.to_string()).collect();
        let mut metrics: Vec<MetricSummary> = v["metrics"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(n, o)| metric_from_export(n, o.as_object().unwrap(), &stats))
            .collect();
        metrics.sort_by(|a, b| a.name.cmp(&b.name));
        let iterations = metrics.iter().find(|m| m.name == "iterations").unwrap();
        let secs = iterations.value("count").unwrap() / iterations.value("rate").unwrap();
        let root_group = group_from_export(&v["root_group"]);
        let checks = metrics.iter().find(|m| m.name == "checks").map(|c| {
            let mut all = Vec::new();
            collect_checks(&root_group, &mut all);
            let ordered = check_order
                .iter()
                .map(|name| {
                    let (p, f) = all
                        .iter()
                        .filter(|(n, _, _)| n == name)
                        .fold((0, 0), |(p, f), (_, cp, cf)| (p + cp, f + cf));
                    CheckCount {
                        name: name.to_string(),
                        passes: p,
                        fails: f,
                    }
                })
                .collect();
            ChecksSummary {
                passes: c.value("passes").unwrap() as u64,
                fails: c.value("fails").unwrap() as u64,
                ordered,
            }
        });
        SummaryData {
            test_run_duration: Duration::from_secs_f64(secs),
            trend_stats: stats,
            time_unit: time_unit.into(),
            no_color: false,
            is_stdout_tty: false,
            is_stderr_tty: false,
            metrics,
            checks,
            root_group,
            groups: Vec::new(),
            scenarios: Vec::new(),
            setup_data: None,
        }
    }

    /// The export lists a metric's thresholds in Go map order; k6's text follows the
    /// order of the options, restored here.
    fn order_thresholds(d: &mut SummaryData, metric: &str, order: &[&str]) {
        let m = d.metrics.iter_mut().find(|m| m.name == metric).unwrap();
        m.thresholds
            .sort_by_key(|t| order.iter().position(|o| *o == t.source));
    }

    const DEFAULT_STATS: [&str; 6] = ["avg", "min", "med", "max", "p(90)", "p(95)"];

    fn assert_same_text(got: &str, want: &str) {
        if got != want {
            for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
                assert_eq!(g, w, "first difference at line {}", i + 1);
            }
            assert_eq!(got, want);
        }
    }

    #[test]
    fn golden_f1_thresholds_checks_groups_http() {
        // confirmed on k6 v1.1.0: testdata/f1.js
        let mut d = data_from_export("f1", &DEFAULT_STATS, "", &["status 200", "fails"]);
        order_thresholds(&mut d, "my_trend", &["avg<2", "max>100"]);
        assert_same_text(
            &render_text_summary(&d, SummaryMode::Compact),
            &fixture("f1.txt"),
        );
    }

    #[test]
    fn golden_f2_gauges_vus_prefix_sections_and_threshold_percentiles() {
        // confirmed on k6 v1.1.0: testdata/f2.js (checks_custom hidden, http_reqs_custom
        // under HTTP, vus/vus_max under EXECUTION, p(99)/p(99.9) shown for thresholds).
        let mut d = data_from_export(
            "f2",
            &DEFAULT_STATS,
            "",
            &["status 200", "inner check", "zzz", "root check"],
        );
        // The export omits percentiles that are not trend stats; k6 printed p(99)=82.51ms
        // and p(99.9)=82.61ms.
        let dur = d
            .metrics
            .iter_mut()
            .find(|m| m.name == "http_req_duration")
            .unwrap();
        dur.threshold_values = vec![("p(99)".into(), 82.515), ("p(99.9)".into(), 82.615)];
        order_thresholds(
            &mut d,
            "http_req_duration",
            &["p(99)<500", "p(99.9)<600", "avg<100"],
        );
        order_thresholds(&mut d, "my_counter", &["rate>1", "count>1"]);
        assert_same_text(
            &render_text_summary(&d, SummaryMode::Compact),
            &fixture("f2.txt"),
        );
    }

    #[test]
    fn golden_f3_sorting_negative_gauge_and_empty_checks() {
        // confirmed on k6 v1.1.0: testdata/f3.js
        let d = data_from_export("f3", &DEFAULT_STATS, "", &[]);
        assert_same_text(
            &render_text_summary(&d, SummaryMode::Compact),
            &fixture("f3.txt"),
        );
    }

    #[test]
    fn golden_f4_trend_stats_and_time_units() {
        // confirmed on k6 v1.1.0: testdata/f4.js with three option sets. The p(99)
        // threshold shows values the export does not carry, so they are supplied.
        let cases: [(&str, &[&str], &str, f64); 3] = [
            (
                "f4a",
                &["count", "p(99.9)", "p(0)", "avg", "p(100)"],
                "",
                122222.67456,
            ),
            ("f4b", &DEFAULT_STATS, "s", 122222.67456),
            ("f4c", &["avg", "min", "p(95)"], "us", 122222.67456),
        ];
        for (case, stats, unit, p99) in cases {
            let mut d = data_from_export(case, stats, unit, &[]);
            let t = d.metrics.iter_mut().find(|m| m.name == "my_time").unwrap();
            t.threshold_values = vec![("p(99)".into(), p99)];
            order_thresholds(&mut d, "my_time", &["p(99)<5000", "avg<10"]);
            assert_same_text(
                &render_text_summary(&d, SummaryMode::Compact),
                &fixture(&format!("{case}.txt")),
            );
        }
    }

    #[test]
    fn golden_f6_colors() {
        // confirmed on k6 v1.1.0: testdata/f5.js run on a TTY (k6's own "\x1b[0K" line
        // erasures and "\r" from the terminal removed).
        let mut d = data_from_export(
            "f6",
            &DEFAULT_STATS,
            "",
            &["z ok", "z bad", "inner check", "root check"],
        );
        d.is_stdout_tty = true;
        assert_same_text(
            &render_text_summary(&d, SummaryMode::Compact),
            &fixture("f6.txt"),
        );
        d.no_color = true;
        assert!(!render_text_summary(&d, SummaryMode::Compact).contains('\x1b'));
    }

    #[test]
    fn golden_f5_full_mode_groups() {
        // confirmed on k6 v1.1.0: testdata/f5.js with --summary-mode=full.
        let d0 = data_from_export(
            "f5",
            &DEFAULT_STATS,
            "",
            &["z ok", "z bad", "inner check", "root check"],
        );
        let secs = d0.test_run_duration.as_secs_f64();
        let by_name = |n: &str| d0.metrics.iter().find(|m| m.name == n).unwrap().clone();
        let counter = |count: f64| {
            let mut m = by_name("my_counter");
            m.values = vec![("count".into(), count), ("rate".into(), count / secs)];
            m
        };
        let mut inner_trend = by_name("my_trend");
        inner_trend.thresholds.clear();
        inner_trend.values = DEFAULT_STATS.iter().map(|s| (s.to_string(), 5.0)).collect();
        let http: Vec<MetricSummary> = d0
            .metrics
            .iter()
            .filter(|m| m.name.starts_with("http_") && m.parent.is_none())
            .cloned()
            .collect();
        let checks = |list: &[(&str, u64, u64)]| ChecksSummary {
            passes: list.iter().map(|c| c.1).sum(),
            fails: list.iter().map(|c| c.2).sum(),
            ordered: list
                .iter()
                .map(|(n, p, f)| CheckCount {
                    name: n.to_string(),
                    passes: *p,
                    fails: *f,
                })
                .collect(),
        };
        let mut d = d0.clone();
        d.groups = vec![
            (
                "zeta".into(),
                GroupReport {
                    checks: Some(checks(&[("z ok", 2, 0), ("z bad", 0, 2)])),
                    metrics: http,
                    groups: vec![(
                        "inner".into(),
                        GroupReport {
                            checks: Some(checks(&[("inner check", 2, 0)])),
                            metrics: vec![counter(4.0), inner_trend],
                            groups: vec![],
                        },
                    )],
                },
            ),
            (
                "alpha".into(),
                GroupReport {
                    checks: None,
                    metrics: vec![counter(2.0)],
                    groups: vec![],
                },
            ),
        ];
        assert_same_text(
            &render_text_summary(&d, SummaryMode::Full),
            &fixture("f5.txt"),
        );
    }

    #[test]
    fn threshold_value_quirks() {
        // confirmed on k6 v1.1.0: 'rate!=0' renders as "rate!=0.00%", a counter rate
        // threshold shows the "/s" value, an aggregation outside the trend stats without a
        // value shows "undefined".
        let m = |name: &str, mtype, values: Vec<(&str, f64)>, th: &[&str]| MetricSummary {
            name: name.into(),
            parent: None,
            mtype,
            contains: ValueType::Default,
            values: values
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            threshold_values: vec![],
            thresholds: th
                .iter()
                .map(|s| ThresholdResult {
                    source: s.to_string(),
                    ok: true,
                })
                .collect(),
        };
        let d = SummaryData {
            test_run_duration: Duration::from_secs(1),
            trend_stats: vec!["p(95)".into()],
            time_unit: String::new(),
            no_color: false,
            is_stdout_tty: false,
            is_stderr_tty: false,
            metrics: vec![
                m(
                    "never_rate",
                    MetricType::Rate,
                    vec![("rate", 0.0), ("passes", 0.0), ("fails", 0.0)],
                    &["rate!=0"],
                ),
                m(
                    "my_counter",
                    MetricType::Counter,
                    vec![("count", 0.0), ("rate", 0.0)],
                    &["rate<1"],
                ),
                m(
                    "my_trend",
                    MetricType::Trend,
                    vec![("p(95)", 1.0)],
                    &["avg<1"],
                ),
            ],
            checks: None,
            root_group: GroupSummary {
                name: String::new(),
                path: String::new(),
                id: md5_hex(""),
                groups: vec![],
                checks: vec![],
            },
            groups: vec![],
            scenarios: vec![],
            setup_data: None,
        };
        let text = render_text_summary(&d, SummaryMode::Compact);
        assert!(text.contains("    ✓ 'rate!=0' rate!=0.00%\n"), "{text}");
        assert!(text.contains("    ✓ 'rate<1' rate=0/s\n"), "{text}");
        assert!(text.contains("    ✓ 'avg<1' avg=undefined\n"), "{text}");
    }
}
