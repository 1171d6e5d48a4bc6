//! ES module loading: built-in `k6*` modules become synthetic modules, other specifiers are
//! resolved as k6 resolves them (`specifier.rs`) to files or to remote modules, downloaded
//! once per run (`remote.rs`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use boa_engine::error::JsNativeErrorKind;
use boa_engine::module::SyntheticModuleInitializer;
use boa_engine::module::{ModuleLoader, ModuleRequest, Referrer};
use boa_engine::{
    Context, JsError, JsNativeError, JsObject, JsResult, JsString, Module, Source, js_string,
};

use super::commonjs::ModuleInfo;
use super::modules;
use super::modules::encoding::go_error;
use super::runtime::RunShared;
use super::specifier::{self, ModuleRef};
use super::typescript;
use super::util::error;

/// k6's words after `The moduleSpecifier "<spec>"` for a local module that cannot be read.
pub const NOT_ON_DISK: &str = "couldn't be found on local disk. Make sure that you've specified the right path to the file. If you're running k6 using the Docker image make sure you have mounted the local directory (-v /local/path/:/inside/docker/path) containing your script and modules so that they're accessible by k6 from inside of the container, see https://grafana.com/docs/k6/latest/using-k6/modules/#use-modules-with-docker.";

/// Boa's syntax errors say "line 2, col 11" but not which file; k6 prefixes the file URL, and
/// with imports the user needs it to find the mistake.
fn name_the_file(e: JsError, path: &Path, ctx: &mut Context) -> JsError {
    match e.try_native(ctx) {
        Ok(native) if matches!(native.kind(), JsNativeErrorKind::Syntax) => JsNativeError::syntax()
            .with_message(format!(
                "{}: {}",
                ModuleRef::from_key(path).display_url(),
                native.message()
            ))
            .into(),
        _ => e,
    }
}

pub struct Loader {
    shared: Arc<RunShared>,
    /// Module records: built-ins by specifier (plus the extra names asked of them), files by
    /// path (CommonJS files plus the names imported from them), remote modules by URL.
    cache: RefCell<HashMap<String, Module>>,
    /// The exports object of each built-in module, shared by `import` and `require`.
    builtin_exports: RefCell<HashMap<String, JsObject>>,
    /// The `module` object of each CommonJS file evaluated in this VU.
    commonjs: RefCell<HashMap<PathBuf, JsObject>>,
    /// The CommonJS files whose top-level code is running, innermost last (`open()`
    /// resolves against the innermost, as k6 does).
    pub commonjs_running: RefCell<Vec<PathBuf>>,
}

impl Loader {
    pub fn new(shared: Arc<RunShared>) -> Self {
        Loader {
            shared,
            cache: RefCell::default(),
            builtin_exports: RefCell::default(),
            commonjs: RefCell::default(),
            commonjs_running: RefCell::default(),
        }
    }

    /// What `path` imports and whether it is CommonJS, analysed once per test.
    pub fn info(&self, path: &Path, src: &str) -> Arc<ModuleInfo> {
        if let Some(i) = self.shared.module_info.lock().get(path) {
            return i.clone();
        }
        let info = Arc::new(ModuleInfo::analyze(src));
        self.shared
            .module_info
            .lock()
            .insert(path.to_path_buf(), info.clone());
        info
    }

    /// Names `referrer` imports from `spec` (empty when unknown).
    fn imported_names(&self, referrer: &Referrer, spec: &str) -> Vec<String> {
        let Some(path) = referrer.path() else {
            return Vec::new();
        };
        let Some(info) = self.shared.module_info.lock().get(path).cloned() else {
            return Vec::new();
        };
        info.imports
            .get(spec)
            .map(|names| names.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The exports object of a built-in module, built once per VU; `None` if `spec` is not
    /// built in.
    pub fn builtin_exports(&self, spec: &str, ctx: &mut Context) -> JsResult<Option<JsObject>> {
        if let Some(o) = self.builtin_exports.borrow().get(spec) {
            return Ok(Some(o.clone()));
        }
        let Some(build) = modules::builder(spec) else {
            if spec.starts_with("k6/") || spec == "k6" {
                return Err(unknown_builtin(spec, ctx));
            }
            return Ok(None);
        };
        let obj = build(ctx)?;
        self.builtin_exports
            .borrow_mut()
            .insert(spec.to_string(), obj.clone());
        Ok(Some(obj))
    }

    pub fn commonjs_module(&self, path: &Path) -> Option<JsObject> {
        self.commonjs.borrow().get(path).cloned()
    }

    pub fn remember_commonjs_module(&self, path: &Path, module: JsObject) {
        self.commonjs
            .borrow_mut()
            .insert(path.to_path_buf(), module);
    }

    /// The module `spec` names when `referrer` (a module key, see `specifier.rs`) imports or
    /// requires it: its key.
    pub fn resolve(&self, spec: &str, referrer: &Path) -> JsResult<PathBuf> {
        specifier::resolve(spec, referrer)
            .map(|m| m.key())
            .map_err(error)
    }

    /// The source of a module, read (or downloaded) once per run and shared by every VU.
    pub fn read_source(&self, path: &Path, ctx: &mut Context) -> JsResult<Arc<str>> {
        self.read_source_as(path, &path.to_string_lossy(), ctx)
    }

    /// [`Loader::read_source`], naming the module as the script wrote it (`spec`) in errors.
    /// A module that cannot be read is a GoError in k6 (`GoError: The moduleSpecifier ...`).
    pub fn read_source_as(&self, path: &Path, spec: &str, ctx: &mut Context) -> JsResult<Arc<str>> {
        if let Some(s) = self.shared.sources.lock().get(path) {
            return Ok(s.clone());
        }
        let module = ModuleRef::from_key(path);
        let archived = self.shared.archive.as_ref().map(|a| a.files.get(path));
        let mut text: Arc<str> = match (&module, archived) {
            (_, Some(Some(data))) => Arc::from(String::from_utf8_lossy(data).as_ref()),
            // An archive holds every local file the test needs (k6 reads nothing else).
            (ModuleRef::File(_), Some(None)) => {
                return Err(go_error(
                    format!(
                        "The moduleSpecifier \"{spec}\" couldn't be found on local disk. Make sure that you've specified the right path to the file. (it is not in the test archive)"
                    ),
                    ctx,
                ));
            }
            (ModuleRef::Remote(url), _) => {
                super::remote::fetch(url, spec, &self.shared.tokio).map_err(|e| go_error(e, ctx))?
            }
            // k6's words, with the specifier as the script wrote it.
            (ModuleRef::File(_), None) => match std::fs::read_to_string(path) {
                Ok(text) => Arc::from(text),
                Err(_) => {
                    return Err(go_error(
                        format!("The moduleSpecifier \"{spec}\" {NOT_ON_DISK}"),
                        ctx,
                    ));
                }
            },
        };
        if typescript::is_typescript(path)
            && let Some(js) =
                typescript::to_javascript(&text, &module.display_url()).map_err(error)?
        {
            text = Arc::from(js);
        }
        self.shared
            .sources
            .lock()
            .insert(path.to_path_buf(), text.clone());
        Ok(text)
    }

    pub fn parse_file(&self, path: &Path, ctx: &mut Context) -> JsResult<Module> {
        let src = self.read_source(path, ctx)?;
        // Its imports decide how the modules it imports are linked (see `load_builtin`).
        self.info(path, &src);
        Module::parse(
            Source::from_bytes(src.as_bytes()).with_path(path),
            None,
            ctx,
        )
        .map_err(|e| name_the_file(e, path, ctx))
    }

    fn load(&self, referrer: &Referrer, spec: &str, ctx: &mut Context) -> JsResult<Module> {
        if modules::builder(spec).is_some() {
            return self.load_builtin(referrer, spec, ctx);
        }
        if spec.starts_with("k6/") || spec == "k6" {
            return Err(unknown_builtin(spec, ctx));
        }
        let referrer_key = referrer
            .path()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| self.shared.script_path.clone());
        let path = self.resolve(spec, &referrer_key)?;
        self.load_file(referrer, spec, &path, ctx)
    }

    /// k6's built-in modules give `undefined` for a name they do not export (an ES module
    /// would fail to link), so such names become exports of this module record.
    fn load_builtin(&self, referrer: &Referrer, spec: &str, ctx: &mut Context) -> JsResult<Module> {
        let extra: Vec<String> = self
            .imported_names(referrer, spec)
            .into_iter()
            .filter(|n| !modules::exports_name(spec, n))
            .collect();
        let key = format!("{spec}\0{}", extra.join("\0"));
        if let Some(m) = self.cache.borrow().get(&key) {
            return Ok(m.clone());
        }
        let m = modules::builtin_module(spec, &extra, ctx)?;
        self.cache.borrow_mut().insert(key, m.clone());
        Ok(m)
    }

    /// An ES module file, or a CommonJS file seen through a synthetic module whose default
    /// export is `module.exports` and whose named exports are the names the importer asks for.
    fn load_file(
        &self,
        referrer: &Referrer,
        spec: &str,
        path: &Path,
        ctx: &mut Context,
    ) -> JsResult<Module> {
        let path_key = path.to_string_lossy().to_string();
        if let Some(m) = self.cache.borrow().get(&path_key) {
            return Ok(m.clone());
        }
        let src = self.read_source_as(path, spec, ctx)?;
        if self.info(path, &src).esm {
            let m = self.parse_file(path, ctx)?;
            self.cache.borrow_mut().insert(path_key, m.clone());
            return Ok(m);
        }
        let names = self.imported_names(referrer, spec);
        let key = format!("{path_key}\0{}", names.join("\0"));
        if let Some(m) = self.cache.borrow().get(&key) {
            return Ok(m.clone());
        }
        let m = commonjs_module(path, &names, ctx);
        self.cache.borrow_mut().insert(key, m.clone());
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

/// k6's `GoError` for a module that cannot be loaded (the script fails with exit code 107).
/// Browser tests get their own message: rk6 runs protocol-level tests only.
fn unknown_builtin(spec: &str, ctx: &mut Context) -> JsError {
    if spec == "k6/browser" || spec == "k6/experimental/browser" {
        return go_error(
            format!(
                "{spec}: rk6 does not run browser tests (it has no browser to drive). Run browser \
             tests with k6 itself (`k6 run script.js`), and keep the protocol-level tests \
             (HTTP, WebSockets, gRPC...) in scripts of their own for rk6"
            ),
            ctx,
        );
    }
    let supported: Vec<&str> = modules::BUILTINS.iter().map(|(s, _, _)| *s).collect();
    go_error(
        format!(
            "unknown module: {spec} (rk6 supports {})",
            supported.join(", ")
        ),
        ctx,
    )
}

/// The module record through which ES code imports a CommonJS file: evaluating it runs the
/// file once per VU (shared with `require`). As in k6, the default import is
/// `module.exports.default` when `module.exports` has a `default` property (what bundlers'
/// `exports.default = ...` gives, `__esModule` or not), else `module.exports` itself.
fn commonjs_module(path: &Path, names: &[String], ctx: &mut Context) -> Module {
    let mut export_names: Vec<JsString> =
        names.iter().map(|n| JsString::from(n.as_str())).collect();
    export_names.push(JsString::from("default"));
    let captured = (
        JsString::from(path.to_string_lossy().as_ref()),
        export_names.clone(),
    );
    let init = SyntheticModuleInitializer::from_copy_closure_with_captures(
        |m, (path, names), ctx| {
            let loader = ctx
                .get_data::<Rc<Loader>>()
                .cloned()
                .ok_or_else(|| error("CommonJS modules are not available in this context"))?;
            let path = PathBuf::from(path.to_std_string_escaped());
            let module = super::commonjs::evaluate(&loader, &path, ctx)?;
            let exports = module.get(JsString::from("exports"), ctx)?;
            for name in names.iter() {
                let v = if name == &JsString::from("default") {
                    match exports.as_object() {
                        Some(o) if o.has_property(js_string!("default"), ctx)? => {
                            o.get(js_string!("default"), ctx)?
                        }
                        _ => exports.clone(),
                    }
                } else if let Some(o) = exports.as_object() {
                    o.get(name.clone(), ctx)?
                } else {
                    boa_engine::JsValue::undefined()
                };
                m.set_export(name, v)?;
            }
            Ok(())
        },
        captured,
    );
    Module::synthetic(&export_names, init, Some(path.to_path_buf()), None, ctx)
}
