//! CommonJS, as k6 v1.1.0 supports it: `require()` of built-in modules and of CommonJS files in
//! the init context, `global`, and ES `import` of CommonJS files (the default import is their
//! `module.exports`, named imports are its properties). A file is CommonJS when it has no
//! `import`/`export` declaration, which is also k6's rule.
//!
//! The loader also needs to know which names a module imports from each specifier: k6's
//! built-in modules and CommonJS files give `undefined` for a name they do not export, where
//! an ES module import of a missing name is a SyntaxError.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use boa_engine::ast::ModuleItem;
use boa_engine::ast::declaration::{ExportEntry, ImportName, ReExportImportName};
use boa_engine::ast::scope::Scope;
use boa_engine::interner::{Interner, Sym};
use boa_engine::object::FunctionObjectBuilder;
use boa_engine::object::builtins::JsFunction;
use boa_engine::parser::Parser;
use boa_engine::property::Attribute;
use boa_engine::{
    Context, JsArgs, JsObject, JsResult, JsString, JsValue, NativeFunction, Script, Source,
    js_string,
};

use super::loader::Loader;
use super::runtime::{Phase, vu_state};
use super::util::error;

/// What rk6 needs to know of a source file before loading it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ModuleInfo {
    /// Has an `import` or `export` declaration (else it is CommonJS).
    pub esm: bool,
    /// Named imports (and re-exports) per module specifier, `default` excluded.
    pub imports: HashMap<String, BTreeSet<String>>,
}

impl ModuleInfo {
    /// Parses `src` once. A file that does not parse as a module is reported as ES, so that
    /// the regular module parser reports the syntax error with its location.
    pub fn analyze(src: &str) -> ModuleInfo {
        let mut interner = Interner::default();
        let scope = Scope::new_global();
        let Ok(module) =
            Parser::new(Source::from_bytes(src.as_bytes())).parse_module(&scope, &mut interner)
        else {
            return ModuleInfo {
                esm: true,
                ..ModuleInfo::default()
            };
        };
        let items = module.items();
        let esm = items.items().iter().any(|i| {
            matches!(
                i,
                ModuleItem::ImportDeclaration(_) | ModuleItem::ExportDeclaration(_)
            )
        });
        let mut imports: HashMap<String, BTreeSet<String>> = HashMap::new();
        let name = |s: Sym| interner.resolve_expect(s).to_string();
        let mut add = |spec: Sym, import: Sym| {
            if import != Sym::DEFAULT {
                imports.entry(name(spec)).or_default().insert(name(import));
            }
        };
        for e in items.import_entries() {
            if let ImportName::Name(n) = e.import_name() {
                add(e.module_request(), n);
            }
        }
        for e in items.export_entries() {
            if let ExportEntry::ReExport(r) = e
                && let ReExportImportName::Name(n) = r.import_name()
            {
                add(r.module_request(), n);
            }
        }
        ModuleInfo { esm, imports }
    }
}

/// Installs `require` and `global` (k6 has both; `global` is `globalThis`).
pub fn install_globals(ctx: &mut Context, loader: Rc<Loader>, script: PathBuf) -> JsResult<()> {
    let global = ctx.global_object();
    ctx.register_global_property(js_string!("global"), global, Attribute::all())?;
    ctx.insert_data(loader);
    let require = require_function(script, ctx);
    ctx.register_global_property(js_string!("require"), require, Attribute::all())?;
    Ok(())
}

/// A `require` that resolves specifiers as imports of `referrer` (the requiring module: a
/// file's path or a remote module's URL).
fn require_function(referrer: PathBuf, ctx: &mut Context) -> JsFunction {
    let f = move |_: &JsValue, args: &[JsValue], ctx: &mut Context| -> JsResult<JsValue> {
        let spec = args
            .get_or_undefined(0)
            .to_string(ctx)?
            .to_std_string_escaped();
        if vu_state(ctx).borrow().phase != Phase::Init {
            return Err(error(
                "the \"require\" function is only available in the init stage (i.e. the global scope), see https://grafana.com/docs/k6/latest/using-k6/test-lifecycle/ for more information",
            ));
        }
        let loader = loader(ctx)?;
        if let Some(exports) = loader.builtin_exports(&spec, ctx)? {
            return Ok(exports.into());
        }
        let path = loader.resolve(&spec, &referrer)?;
        let src = loader.read_source_as(&path, &spec, ctx)?;
        if loader.info(&path, &src).esm {
            return Err(error(format!(
                "require() of the ES module {} is not supported: import it with an import declaration",
                path.display()
            )));
        }
        let module = evaluate(&loader, &path, ctx)?;
        module.get(js_string!("exports"), ctx)
    };
    // The closure captures a PathBuf only: no GC values to trace.
    let native = unsafe { NativeFunction::from_closure(f) };
    FunctionObjectBuilder::new(ctx.realm(), native)
        .name(js_string!("require"))
        .length(1)
        .build()
}

fn loader(ctx: &Context) -> JsResult<Rc<Loader>> {
    ctx.get_data::<Rc<Loader>>()
        .cloned()
        .ok_or_else(|| error("require is not available in this context"))
}

/// Runs the CommonJS file at `path` once per VU and returns its `module` object (cached first,
/// so that require cycles see the partly filled `module.exports`, as in Node and k6).
pub fn evaluate(loader: &Loader, path: &Path, ctx: &mut Context) -> JsResult<JsObject> {
    if let Some(m) = loader.commonjs_module(path) {
        return Ok(m);
    }
    let src = loader.read_source(path, ctx)?;
    // The wrapper's first line is the file's first line, so positions in errors stay right.
    let wrapped =
        format!("(function (exports, require, module, __filename, __dirname) {{{src}\n}})");
    let script = Script::parse(
        Source::from_bytes(wrapped.as_bytes()).with_path(path),
        None,
        ctx,
    )?;
    let wrapper = script.evaluate(ctx)?;
    let Some(wrapper) = wrapper.as_callable() else {
        return Err(error(format!("{}: not a CommonJS module", path.display())));
    };
    let exports = JsObject::with_object_proto(ctx.intrinsics());
    let module = JsObject::with_object_proto(ctx.intrinsics());
    module.set(js_string!("exports"), exports.clone(), false, ctx)?;
    loader.remember_commonjs_module(path, module.clone());
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let require = require_function(path.to_path_buf(), ctx);
    loader
        .commonjs_running
        .borrow_mut()
        .push(path.to_path_buf());
    let result = wrapper.call(
        &exports.clone().into(),
        &[
            exports.into(),
            require.into(),
            module.clone().into(),
            JsString::from(path.to_string_lossy().as_ref()).into(),
            JsString::from(dir.to_string_lossy().as_ref()).into(),
        ],
        ctx,
    );
    loader.commonjs_running.borrow_mut().pop();
    result?;
    Ok(module)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_kinds_and_named_imports() {
        let info = ModuleInfo::analyze(
            "import http, { get, nothing as n } from 'k6/http';\nimport * as ns from 'k6';\nexport { a } from './lib.js';\nexport default function () {}\n",
        );
        assert!(info.esm);
        assert_eq!(
            info.imports["k6/http"],
            BTreeSet::from(["get".to_string(), "nothing".to_string()])
        );
        assert!(!info.imports.contains_key("k6"));
        assert_eq!(info.imports["./lib.js"], BTreeSet::from(["a".to_string()]));

        let cjs = ModuleInfo::analyze("const x = require('./x.js');\nexports.importer = 1;\n");
        assert!(!cjs.esm);
        // A syntax error is left to the module parser, which names file and position.
        assert!(ModuleInfo::analyze("export default function ( {").esm);
    }
}
