//! ES module loading: built-in `k6*` modules become synthetic modules, relative and absolute
//! paths are files, `https://` imports resolve from a local cache or a built-in equivalent.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use boa_engine::error::JsNativeErrorKind;
use boa_engine::module::{ModuleLoader, ModuleRequest, Referrer};
use boa_engine::{Context, JsError, JsNativeError, JsResult, JsString, Module, Source};

use super::modules;
use super::runtime::RunShared;
use super::util::error;

/// jslib.k6.io modules that rk6 ships built in, so unmodified scripts work offline.
const BUILTIN_REMOTE: &[(&str, &str)] = &[
    (
        "https://jslib.k6.io/k6-summary/0.1.0/index.js",
        include_str!("jslib/k6-summary.js"),
    ),
    (
        "https://jslib.k6.io/k6-summary/0.0.4/index.js",
        include_str!("jslib/k6-summary.js"),
    ),
    (
        "https://jslib.k6.io/k6-summary/0.0.3/index.js",
        include_str!("jslib/k6-summary.js"),
    ),
    (
        "https://jslib.k6.io/k6-summary/0.0.2/index.js",
        include_str!("jslib/k6-summary.js"),
    ),
    (
        "https://jslib.k6.io/k6-summary/0.0.1/index.js",
        include_str!("jslib/k6-summary.js"),
    ),
    (
        "https://jslib.k6.io/k6-utils/1.0.0/index.js",
        include_str!("jslib/k6-utils.js"),
    ),
    (
        "https://jslib.k6.io/k6-utils/1.1.0/index.js",
        include_str!("jslib/k6-utils.js"),
    ),
    (
        "https://jslib.k6.io/k6-utils/1.2.0/index.js",
        include_str!("jslib/k6-utils.js"),
    ),
    (
        "https://jslib.k6.io/k6-utils/1.3.0/index.js",
        include_str!("jslib/k6-utils.js"),
    ),
    (
        "https://jslib.k6.io/k6-utils/1.4.0/index.js",
        include_str!("jslib/k6-utils.js"),
    ),
    (
        "https://jslib.k6.io/k6-utils/1.5.0/index.js",
        include_str!("jslib/k6-utils.js"),
    ),
    (
        "https://jslib.k6.io/k6-utils/1.6.0/index.js",
        include_str!("jslib/k6-utils.js"),
    ),
];

/// Boa's syntax errors say "line 2, col 11" but not which file; k6 prefixes the file URL, and
/// with imports the user needs it to find the mistake.
fn name_the_file(e: JsError, path: &Path, ctx: &mut Context) -> JsError {
    match e.try_native(ctx) {
        Ok(native) if matches!(native.kind(), JsNativeErrorKind::Syntax) => JsNativeError::syntax()
            .with_message(format!("file://{}: {}", path.display(), native.message()))
            .into(),
        _ => e,
    }
}

/// Where `https://host/path` imports are looked up: `$RK6_MODULE_CACHE/host/path`, default
/// `~/.cache/rk6/modules/host/path`.
pub fn remote_cache_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let base = std::env::var_os("RK6_MODULE_CACHE")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/rk6/modules"))
        })?;
    Some(base.join(rest.split(['?', '#']).next().unwrap_or(rest)))
}

pub struct Loader {
    shared: Arc<RunShared>,
    cache: RefCell<HashMap<String, Module>>,
}

impl Loader {
    pub fn new(shared: Arc<RunShared>) -> Self {
        Loader {
            shared,
            cache: RefCell::default(),
        }
    }

    /// Normalises `a/./b/../c` without touching the file system (symlinks are kept as given).
    fn normalize(p: &Path) -> PathBuf {
        let mut out = PathBuf::new();
        for c in p.components() {
            match c {
                Component::ParentDir => {
                    out.pop();
                }
                Component::CurDir => {}
                other => out.push(other.as_os_str()),
            }
        }
        out
    }

    pub fn read_source(&self, path: &Path) -> JsResult<Arc<str>> {
        if let Some(s) = self.shared.sources.lock().get(path) {
            return Ok(s.clone());
        }
        let text = std::fs::read_to_string(path).map_err(|e| {
            error(format!(
                "The moduleSpecifier \"{}\" couldn't be found on local disk. Make sure that you've specified the right path to the file. ({e})",
                path.display()
            ))
        })?;
        let text: Arc<str> = Arc::from(text);
        self.shared
            .sources
            .lock()
            .insert(path.to_path_buf(), text.clone());
        Ok(text)
    }

    pub fn parse_file(&self, path: &Path, ctx: &mut Context) -> JsResult<Module> {
        let src = self.read_source(path)?;
        Module::parse(
            Source::from_bytes(src.as_bytes()).with_path(path),
            None,
            ctx,
        )
        .map_err(|e| name_the_file(e, path, ctx))
    }

    fn load(&self, referrer: &Referrer, spec: &str, ctx: &mut Context) -> JsResult<Module> {
        if let Some(m) = self.cache.borrow().get(spec) {
            return Ok(m.clone());
        }
        if let Some(m) = modules::builtin(spec, ctx)? {
            self.cache.borrow_mut().insert(spec.to_string(), m.clone());
            return Ok(m);
        }
        if spec.starts_with("k6/") || spec == "k6" {
            return Err(error(format!(
                "unknown module: {spec} (rk6 supports k6, k6/http, k6/metrics, k6/execution, k6/data, k6/encoding, k6/crypto, k6/timers, k6/html and k6/x/kv)"
            )));
        }
        if spec.starts_with("https://") || spec.starts_with("http://") {
            return self.load_remote(spec, ctx);
        }
        let base_dir = referrer
            .path()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| self.shared.script_dir.clone());
        let raw = spec.strip_prefix("file://").unwrap_or(spec);
        let path = if Path::new(raw).is_absolute() {
            PathBuf::from(raw)
        } else if raw.starts_with("./") || raw.starts_with("../") {
            base_dir.join(raw)
        } else {
            return Err(error(format!(
                "The moduleSpecifier \"{spec}\" couldn't be found: bare module names are not supported; use a relative path such as \"./{spec}\""
            )));
        };
        let path = Self::normalize(&path);
        let key = path.to_string_lossy().to_string();
        if let Some(m) = self.cache.borrow().get(&key) {
            return Ok(m.clone());
        }
        let m = self.parse_file(&path, ctx)?;
        self.cache.borrow_mut().insert(key, m.clone());
        Ok(m)
    }

    fn load_remote(&self, url: &str, ctx: &mut Context) -> JsResult<Module> {
        if let Some((_, src)) = BUILTIN_REMOTE.iter().find(|(u, _)| *u == url) {
            let m = Module::parse(
                Source::from_bytes(src.as_bytes()).with_path(Path::new(url)),
                None,
                ctx,
            )?;
            self.cache.borrow_mut().insert(url.to_string(), m.clone());
            return Ok(m);
        }
        let Some(path) = remote_cache_path(url) else {
            return Err(error(format!("cannot resolve remote module {url}")));
        };
        if !path.is_file() {
            return Err(error(format!(
                "remote module {url} is not available offline: rk6 does not download modules. Vendor it: download the file and save it as {} (or set RK6_MODULE_CACHE to a directory laid out as <host>/<path>), or copy it next to your script and import it with a relative path",
                path.display()
            )));
        }
        let m = self.parse_file(&path, ctx)?;
        self.cache.borrow_mut().insert(url.to_string(), m.clone());
        Ok(m)
    }
}

impl ModuleLoader for Loader {
    fn load_imported_module(
        self: Rc<Self>,
        referrer: Referrer,
        request: ModuleRequest,
        context: &RefCell<&mut Context>,
    ) -> impl Future<Output = JsResult<Module>> {
        let spec: &JsString = request.specifier();
        let spec = spec.to_std_string_escaped();
        let r = self.load(&referrer, &spec, &mut context.borrow_mut());
        async move { r }
    }
}
