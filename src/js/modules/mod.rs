//! Built-in modules. Each one is a synthetic ES module whose named exports are the properties
//! of one exports object, which is also the default export (`import http from 'k6/http'` and
//! `import { get } from 'k6/http'` both work).

pub mod crypto;
pub mod data;
pub mod encoding;
pub mod execution;
pub mod html;
pub mod http;
pub mod k6;
pub mod kv;
pub mod metrics;
pub mod timers;
pub mod webcrypto;

use boa_engine::module::SyntheticModuleInitializer;
use boa_engine::{Context, JsObject, JsResult, JsString, Module};

type Builder = fn(&mut Context) -> JsResult<JsObject>;

/// Every built-in module: specifier, export names, builder of the exports object.
pub const BUILTINS: &[(&str, &[&str], Builder)] = &[
    ("k6", k6::EXPORTS, k6::exports),
    ("k6/http", http::EXPORTS, http::exports),
    ("k6/metrics", metrics::EXPORTS, metrics::exports),
    ("k6/execution", execution::EXPORTS, execution::exports),
    ("k6/timers", timers::EXPORTS, timers::exports),
    ("k6/data", data::EXPORTS, data::exports),
    ("k6/encoding", encoding::EXPORTS, encoding::exports),
    ("k6/crypto", crypto::EXPORTS, crypto::exports),
    ("k6/html", html::EXPORTS, html::exports),
    ("k6/x/kv", kv::EXPORTS, kv::exports),
];

/// The synthetic module for a built-in specifier, or `None` when `spec` is not built in.
pub fn builtin(spec: &str, ctx: &mut Context) -> JsResult<Option<Module>> {
    let Some((_, names, build)) = BUILTINS.iter().find(|(s, _, _)| *s == spec) else {
        return Ok(None);
    };
    let names: &'static [&'static str] = names;
    let build: Builder = *build;
    let mut export_names: Vec<JsString> = names.iter().map(|n| JsString::from(*n)).collect();
    export_names.push(JsString::from("default"));
    let init = SyntheticModuleInitializer::from_copy_closure(move |m, ctx| {
        let obj = build(ctx)?;
        for name in names {
            let v = obj.get(JsString::from(*name), ctx)?;
            m.set_export(&JsString::from(*name), v)?;
        }
        m.set_export(&JsString::from("default"), obj.into())?;
        Ok(())
    });
    Ok(Some(Module::synthetic(
        &export_names,
        init,
        None,
        None,
        ctx,
    )))
}
