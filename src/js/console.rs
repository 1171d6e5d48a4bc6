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
            line.push_str(&format!(
                "time=\"{time}\" level={} msg={}",
                level.logrus(),
                fmt_field(msg)
            ));
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

fn console_fn(level: Level) -> NativeFunction {
    let f = move |_: &JsValue, args: &[JsValue], ctx: &mut Context| -> JsResult<JsValue> {
        let parts: Vec<String> = args.iter().map(|a| display_value(a, ctx)).collect();
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
    fn logrus_quoting() {
        assert_eq!(fmt_field("hello"), "hello");
        assert_eq!(fmt_field("setup here"), "\"setup here\"");
        assert_eq!(fmt_field("{\"a\":1}"), "\"{\\\"a\\\":1}\"");
        assert_eq!(fmt_field("a\nb"), "\"a\\nb\"");
    }
}
