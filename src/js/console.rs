//! `console.*` to stderr in k6's (logrus) format: `time="…" level=info msg="…" source=console`,
//! or `INFO[0003] msg  source=console` when stderr is a terminal.

use crate::go_strconv::go_quote;
use std::io::Write;
use std::sync::OnceLock;
use std::time::Instant;

use boa_engine::object::ObjectInitializer;
use boa_engine::{Context, JsResult, JsString, JsValue, NativeFunction};

use super::util::display_value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    fn logrus(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warning",
            Level::Error => "error",
        }
    }
    fn tty(self) -> &'static str {
        match self {
            Level::Debug => "DEBU",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERRO",
        }
    }
}

/// `--log-format`: k6's text (logrus), `raw` (the message only) or `json`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    #[default]
    Text,
    Raw,
    Json,
}

impl LogFormat {
    pub fn parse(s: &str) -> Result<LogFormat, String> {
        match s {
            "" | "text" => Ok(LogFormat::Text),
            "raw" => Ok(LogFormat::Raw),
            "json" => Ok(LogFormat::Json),
            other => Err(format!(
                "invalid log format {other:?}: use \"text\", \"raw\" or \"json\""
            )),
        }
    }
}

/// `--log-output`: where log lines go.
#[derive(Debug, Default)]
pub enum LogOutput {
    #[default]
    Stderr,
    Stdout,
    None,
    File(parking_lot::Mutex<std::fs::File>),
}

impl LogOutput {
    /// `stderr`, `stdout`, `none` or `file=PATH` (k6's `level=` suboption is accepted; rk6
    /// filters by `--verbose` only). k6's `loki` output is not supported.
    pub fn parse(s: &str) -> Result<LogOutput, String> {
        match s {
            "" | "stderr" => Ok(LogOutput::Stderr),
            "stdout" => Ok(LogOutput::Stdout),
            "none" => Ok(LogOutput::None),
            _ => {
                let Some(rest) = s.strip_prefix("file=") else {
                    return Err(format!(
                        "unsupported log output '{s}': rk6 supports stderr, stdout, none and file=PATH"
                    ));
                };
                let path = rest.split(',').next().unwrap_or_default();
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map(|f| LogOutput::File(parking_lot::Mutex::new(f)))
                    .map_err(|e| format!("open {path}: {e}"))
            }
        }
    }
}

struct LogConfig {
    start: Instant,
    tty: bool,
    verbose: bool,
    format: LogFormat,
    output: LogOutput,
}

static LOG: OnceLock<LogConfig> = OnceLock::new();

/// Called once by the CLI; `verbose` enables debug-level lines.
pub fn init_logging(verbose: bool) {
    configure_logging(verbose, LogFormat::Text, LogOutput::Stderr);
}

/// The CLI's logging settings; the first call wins.
pub fn configure_logging(verbose: bool, format: LogFormat, output: LogOutput) {
    let tty = format == LogFormat::Text
        && matches!(output, LogOutput::Stderr)
        && is_terminal::is_terminal(std::io::stderr());
    let _ = LOG.set(LogConfig {
        start: Instant::now(),
        tty,
        verbose,
        format,
        output,
    });
}

/// logrus's rule: only characters outside `[A-Za-z0-9-._/@^+]` need quotes, so an empty
/// value is printed bare (`group= iter=0`, as k6 prints it).
fn needs_quoting(s: &str) -> bool {
    !s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-._/@^+".contains(c))
}

fn fmt_field(v: &str) -> String {
    if needs_quoting(v) {
        go_quote(v)
    } else {
        v.to_string()
    }
}

/// Where `--console-output` sends the script's `console.*` lines instead of stderr.
static CONSOLE_FILE: OnceLock<parking_lot::Mutex<std::fs::File>> = OnceLock::new();

/// `--console-output FILE` / `K6_CONSOLE_OUTPUT`: appends the script's console lines to
/// `path` (created if missing), in k6's plain format without the `source` field.
pub fn set_console_output(path: &std::path::Path) -> std::io::Result<()> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let _ = CONSOLE_FILE.set(parking_lot::Mutex::new(file));
    Ok(())
}

fn config() -> &'static LogConfig {
    LOG.get_or_init(|| LogConfig {
        start: Instant::now(),
        tty: false,
        verbose: false,
        format: LogFormat::Text,
        output: LogOutput::Stderr,
    })
}

fn format_line(
    level: Level,
    msg: &str,
    fields: &[(&str, &str)],
    tty: bool,
    format: LogFormat,
) -> String {
    let mut line = String::with_capacity(msg.len() + 64);
    match format {
        LogFormat::Raw => line.push_str(msg),
        // logrus's JSON formatter: one object, keys sorted.
        LogFormat::Json => {
            let time = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
            let mut obj: std::collections::BTreeMap<&str, &str> = fields.iter().copied().collect();
            obj.insert("level", level.logrus());
            obj.insert("msg", msg);
            obj.insert("time", &time);
            line.push_str(&serde_json::to_string(&obj).unwrap_or_default());
        }
        LogFormat::Text if tty => {
            let secs = config().start.elapsed().as_secs();
            line.push_str(&format!("{}[{:04}] {:<44}", level.tty(), secs, msg));
            for (k, v) in fields {
                line.push_str(&format!(" {k}={}", fmt_field(v)));
            }
        }
        LogFormat::Text => {
            let time = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
            line.push_str(&format!("time=\"{time}\" level={}", level.logrus()));
            // logrus's text formatter leaves `msg` out when the message is empty
            // (`console.log('')` in k6 is `level=info source=console`).
            if !msg.is_empty() {
                line.push_str(&format!(" msg={}", fmt_field(msg)));
            }
            for (k, v) in fields {
                line.push_str(&format!(" {k}={}", fmt_field(v)));
            }
        }
    }
    line.push('\n');
    line
}

/// Writes one log line with extra `key=value` fields, in k6's format.
pub fn log(level: Level, msg: &str, fields: &[(&str, &str)]) {
    let cfg = config();
    if level == Level::Debug && !cfg.verbose {
        return;
    }
    let line = format_line(level, msg, fields, cfg.tty, cfg.format);
    let _ = match &cfg.output {
        LogOutput::Stderr => std::io::stderr().lock().write_all(line.as_bytes()),
        LogOutput::Stdout => std::io::stdout().lock().write_all(line.as_bytes()),
        LogOutput::None => Ok(()),
        LogOutput::File(f) => f.lock().write_all(line.as_bytes()),
    };
}

/// A line of the script's `console`: to the `--console-output` file when one is set.
fn log_console(level: Level, msg: &str) {
    match CONSOLE_FILE.get() {
        Some(file) => {
            if level == Level::Debug && !config().verbose {
                return;
            }
            let line = format_line(level, msg, &[], false, LogFormat::Text);
            let _ = file.lock().write_all(line.as_bytes());
        }
        None => log(level, msg, &[("source", "console")]),
    }
}

pub fn warn(msg: &str) {
    log(Level::Warn, msg, &[]);
}

pub fn error(msg: &str) {
    log(Level::Error, msg, &[]);
}

/// One `console.*` argument as k6 prints it (Sobek's `MarshalJSON`): strings as they are;
/// objects, arrays, typed arrays, Dates and functions through `JSON.stringify` (`null` when
/// it gives nothing, as for a function; the value's string when it throws, as on a cycle:
/// `[object Object]`); other primitives as strings, a Symbol as its description.
/// Confirmed on k6 v1.1.0: `new Uint8Array([1,2])` is `{"0":1,"1":2}`, `new Error('x')` is
/// `{}`, `{get g() {return 5}, u: undefined}` is `{"g":5}`.
fn console_text(v: &JsValue, ctx: &mut Context) -> String {
    if let Some(s) = v.as_string() {
        return s.to_std_string_escaped();
    }
    if let Some(sym) = v.as_symbol() {
        return sym
            .description()
            .map(|d| d.to_std_string_escaped())
            .unwrap_or_default();
    }
    if v.is_object() {
        let json = ctx.intrinsics().objects().json();
        let stringified = json.get(JsString::from("stringify"), ctx).and_then(|f| {
            f.as_callable()
                .map(|f| f.call(&json.clone().into(), std::slice::from_ref(v), ctx))
                .unwrap_or(Ok(JsValue::undefined()))
        });
        match stringified {
            Ok(s) if s.is_string() => return go_json_escaped(&display_value(&s, ctx)),
            Ok(_) => return "null".into(),
            Err(_) => {}
        }
    }
    v.to_string(ctx)
        .map(|s| s.to_std_string_escaped())
        .unwrap_or_else(|_| display_value(v, ctx))
}

/// Go's `json.Marshal` re-encodes what a `MarshalJSON` gives with HTML escaping: `<`, `>`,
/// `&`, U+2028 and U+2029 become `\u003c`, `\u003e`, `\u0026`, `\u2028`, `\u2029` (k6 logs
/// `{"a":"\u003cb\u003e"}` for `console.log({a: '<b>'})`).
fn go_json_escaped(json: &str) -> String {
    if !json.contains(['<', '>', '&', '\u{2028}', '\u{2029}']) {
        return json.to_owned();
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

fn console_fn(level: Level) -> NativeFunction {
    let f = move |_: &JsValue, args: &[JsValue], ctx: &mut Context| -> JsResult<JsValue> {
        let parts: Vec<String> = args.iter().map(|a| console_text(a, ctx)).collect();
        log_console(level, &parts.join(" "));
        Ok(JsValue::undefined())
    };
    // The closure captures only a Copy enum: no GC values.
    unsafe { NativeFunction::from_closure(f) }
}

pub fn install(ctx: &mut Context) -> JsResult<()> {
    let console = ObjectInitializer::new(ctx)
        .function(console_fn(Level::Info), JsString::from("log"), 0)
        .function(console_fn(Level::Info), JsString::from("info"), 0)
        .function(console_fn(Level::Warn), JsString::from("warn"), 0)
        .function(console_fn(Level::Error), JsString::from("error"), 0)
        .function(console_fn(Level::Debug), JsString::from("debug"), 0)
        .function(console_fn(Level::Info), JsString::from("trace"), 0)
        .build();
    ctx.register_global_property(
        JsString::from("console"),
        console,
        boa_engine::property::Attribute::all(),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_values_print_as_in_k6() {
        let mut ctx = Context::default();
        // Each expectation was printed by k6 v1.1.0 for `console.log(<source>)`.
        let cases = [
            ("new Uint8Array([1, 2])", r#"{"0":1,"1":2}"#),
            ("new Date(0)", r#""1970-01-01T00:00:00.000Z""#),
            ("({ a: 1, toJSON() { return 'custom'; } })", r#""custom""#),
            (
                "({ get g() { return 5; }, u: undefined, n: null, f() {} })",
                r#"{"g":5,"n":null}"#,
            ),
            ("[1, undefined, () => 1]", "[1,null,null]"),
            ("new Map([[1, 2]])", "{}"),
            ("new Error('boom')", "{}"),
            ("(function named() {})", "null"),
            (
                "(() => { const c = { a: 1 }; c.self = c; return c; })()",
                "[object Object]",
            ),
            ("({ s: Symbol('x'), b: true })", r#"{"b":true}"#),
            ("Symbol('q')", "q"),
            ("'text <b>'", "text <b>"),
            (
                "({ h: '<b>&</b>' })",
                r#"{"h":"\u003cb\u003e\u0026\u003c/b\u003e"}"#,
            ),
            ("123", "123"),
            ("undefined", "undefined"),
        ];
        for (src, want) in cases {
            let v = ctx
                .eval(boa_engine::Source::from_bytes(src))
                .unwrap_or_else(|e| panic!("{src}: {e}"));
            assert_eq!(console_text(&v, &mut ctx), want, "{src}");
        }
    }

    #[test]
    fn empty_message_has_no_msg_field_in_text() {
        let line = format_line(
            Level::Info,
            "",
            &[("source", "console")],
            false,
            LogFormat::Text,
        );
        assert!(line.ends_with(" level=info source=console\n"), "{line}");
        let line = format_line(Level::Info, "hi", &[], false, LogFormat::Text);
        assert!(line.ends_with(" level=info msg=hi\n"), "{line}");
        let json = format_line(Level::Info, "", &[], false, LogFormat::Json);
        assert!(json.contains("\"msg\":\"\""), "{json}");
    }

    #[test]
    fn logrus_quoting() {
        assert_eq!(fmt_field("hello"), "hello");
        assert_eq!(fmt_field("setup here"), "\"setup here\"");
        assert_eq!(fmt_field("{\"a\":1}"), "\"{\\\"a\\\":1}\"");
        assert_eq!(fmt_field("a\nb"), "\"a\\nb\"");
    }
}
