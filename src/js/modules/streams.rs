//! `k6/experimental/streams`: `ReadableStream`, `CountQueuingStrategy` and
//! `ReadableStreamDefaultReader` as k6 v1.1.0 exposes them. The implementation is JavaScript
//! (`streams.js`, a step-by-step port of k6's Go code, which follows the WHATWG algorithms):
//! the module is promise and callback plumbing from end to end, which JS expresses directly
//! and native code would only re-create through Boa's API. It is compiled in a VU only when
//! its script imports the module.

use boa_engine::{Context, JsObject, JsResult, Source};

use crate::js::util::type_error;

pub const EXPORTS: &[&str] = &[
    "ReadableStream",
    "CountQueuingStrategy",
    "ReadableStreamDefaultReader",
];

const SOURCE: &str = include_str!("streams.js");

pub fn exports(ctx: &mut Context) -> JsResult<JsObject> {
    let source =
        Source::from_bytes(SOURCE).with_path(std::path::Path::new("k6/experimental/streams"));
    ctx.eval(source)?
        .as_object()
        .ok_or_else(|| type_error("k6/experimental/streams did not evaluate to its exports"))
}
