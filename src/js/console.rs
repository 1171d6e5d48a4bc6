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

struct LogConfig {
    start: Instant,
    tty: bool,
    verbose: bool,
}

static LOG: OnceLock<LogConfig> = OnceLock::new();

/// Called once by the CLI; `verbose` enables debug-level lines.
pub fn init_logging(verbose: bool) {
    let _ = LOG.set(LogConfig {
        start: Instant::now(),
        tty: is_terminal::is_terminal(std::io::stderr()),
        verbose,
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
    })
}

fn format_line(level: Level, msg: &str, fields: &[(&str, &str)], tty: bool) -> String {
    let mut line = String::with_capacity(msg.len() + 64);
    if tty {
        let secs = config().start.elapsed().as_secs();
        line.push_str(&format!("{}[{:04}] {:<44}", level.tty(), secs, msg));
        for (k, v) in fields {
            line.push_str(&format!(" {k}={}", fmt_field(v)));
        }
    } else {
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
    line.push('\n');
    line
}

/// Writes one log line with extra `key=value` fields, in k6's format.
pub fn log(level: Level, msg: &str, fields: &[(&str, &str)]) {
    let cfg = config();
    if level == Level::Debug && !cfg.verbose {
        return;
    }
    let line = format_line(level, msg, fields, cfg.tty);
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// A line of the script's `console`: to the `--console-output` file when one is set.
fn log_console(level: Level, msg: &str) {
    match CONSOLE_FILE.get() {
        Some(file) => {
            if level == Level::Debug && !config().verbose {
                return;
            }
            let line = format_line(level, msg, &[], false);
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
