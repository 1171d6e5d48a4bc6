//! Built-in modules. Each one is a synthetic ES module whose named exports are the properties
//! of one exports object, which is also the default export (`import http from 'k6/http'` and
//! `import { get } from 'k6/http'` both work).

pub mod crypto;
pub mod csv;
pub mod data;
pub mod encoding;
pub mod execution;
pub mod fs;
pub mod grpc;
pub mod grpc_stream;
pub mod html;
pub mod http;
pub mod http_navigation;
pub mod k6;
pub mod kv;
pub mod metrics;
pub mod redis;
pub mod streams;
pub mod timers;
pub mod webcrypto;
pub mod websockets;
pub mod ws;

use boa_engine::module::SyntheticModuleInitializer;
use std::rc::Rc;

use boa_engine::{Context, JsObject, JsResult, JsString, Module};

use super::loader::Loader;
use super::util::error;

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
    ("k6/ws", ws::EXPORTS, ws::exports),
    (
        "k6/experimental/websockets",
        websockets::EXPORTS,
        websockets::exports,
    ),
    // k6 v2's name for the same module (k6 v1.1.0 does not know it).
    ("k6/websockets", websockets::EXPORTS, websockets::exports),
    ("k6/net/grpc", grpc::EXPORTS, grpc::exports),
    ("k6/experimental/fs", fs::EXPORTS, fs::exports),
    ("k6/experimental/csv", csv::EXPORTS, csv::exports),
    (
        "k6/experimental/streams",
        streams::EXPORTS,
        streams::exports,
    ),
    ("k6/experimental/redis", redis::EXPORTS, redis::exports),
];

/// The builder of a built-in module's exports object, or `None` when `spec` is not built in.
pub fn builder(spec: &str) -> Option<Builder> {
    BUILTINS
        .iter()
        .find(|(s, _, _)| *s == spec)
        .map(|(_, _, build)| *build)
}

/// Whether built-in module `spec` exports `name`.
pub fn exports_name(spec: &str, name: &str) -> bool {
    BUILTINS
        .iter()
        .any(|(s, names, _)| *s == spec && names.contains(&name))
}

/// The synthetic module for built-in `spec`. Its exports come from the VU's one exports object
/// for `spec` (shared with `require`); `extra` are names the importer asks for that the module
/// does not have: they are `undefined`, as in k6.
pub fn builtin_module(spec: &str, extra: &[String], ctx: &mut Context) -> JsResult<Module> {
    let names: &[&str] = BUILTINS
        .iter()
        .find(|(s, _, _)| *s == spec)
        .map(|(_, names, _)| *names)
        .unwrap_or_default();
    let mut export_names: Vec<JsString> = names.iter().map(|n| JsString::from(*n)).collect();
    export_names.extend(extra.iter().map(|n| JsString::from(n.as_str())));
    export_names.push(JsString::from("default"));
    let captured = (JsString::from(spec), export_names.clone());
    let init = SyntheticModuleInitializer::from_copy_closure_with_captures(
        |m, (spec, names), ctx| {
            let spec = spec.to_std_string_escaped();
            let loader = ctx
                .get_data::<Rc<Loader>>()
                .cloned()
                .ok_or_else(|| error("built-in modules are not available in this context"))?;
            let Some(obj) = loader.builtin_exports(&spec, ctx)? else {
                return Err(error(format!("unknown module: {spec}")));
            };
            let default = JsString::from("default");
            for name in names.iter() {
                if *name == default {
                    m.set_export(name, obj.clone().into())?;
                } else {
                    let v = obj.get(name.clone(), ctx)?;
                    m.set_export(name, v)?;
                }
            }
            Ok(())
        },
        captured,
    );
    Ok(Module::synthetic(&export_names, init, None, None, ctx))
}
