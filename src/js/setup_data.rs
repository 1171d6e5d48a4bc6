//! setup()'s return value as k6 hands it on: Sobek's `Export()` followed by Go's
//! `json.Marshal`, not `JSON.stringify`. The two differ where scripts notice: a `Date` becomes
//! an RFC 3339 string, `undefined` properties and array items become `null`, a `Map` becomes
//! an array of `[key, value]` pairs and a `Set` an array, `toJSON` methods are not called, and
//! `NaN`, `±Infinity` and functions fail the run (exit 255) instead of turning into `null`.

use boa_engine::{Context, JsResult, JsValue, Script, Source};

/// The conversion, in JS: it runs once per test, and Boa's own `to_json` then serialises the
/// plain data it returns. A failure is thrown as a string starting with `json: `.
const EXPORT_JS: &str = r#"(function (root) {
  const parents = [];
  function ex(v) {
    switch (typeof v) {
      case 'undefined':
      case 'symbol':
        return null;
      case 'boolean':
      case 'string':
        return v;
      case 'bigint':
        return Number(v);
      case 'number':
        if (Number.isNaN(v)) throw 'json: unsupported value: NaN';
        if (v === Infinity) throw 'json: unsupported value: +Inf';
        if (v === -Infinity) throw 'json: unsupported value: -Inf';
        return v;
      case 'function':
        throw 'json: unsupported type: func(sobek.FunctionCall) sobek.Value';
    }
    if (v === null) return null;
    if (v instanceof Date) {
      // Go's time.Time in JSON: RFC 3339 with trailing zeros of the fraction dropped.
      if (Number.isNaN(v.getTime())) return null;
      return v.toISOString().replace(/\.?0+Z$/, 'Z');
    }
    if (parents.indexOf(v) >= 0) {
      throw 'json: unsupported value: encountered a cycle via map[string]interface {}';
    }
    parents.push(v);
    let out;
    if (v instanceof Map) {
      out = Array.from(v, (e) => [ex(e[0]), ex(e[1])]);
    } else if (v instanceof Set || Array.isArray(v) || ArrayBuffer.isView(v)) {
      out = Array.from(v, ex);
    } else {
      out = {};
      // Go marshals a map in key order: the first failing key is the same as in k6.
      for (const k of Object.keys(v).sort()) out[k] = ex(v[k]);
    }
    parents.pop();
    return out;
  }
  return ex(root);
})"#;

/// How k6's error about data it cannot marshal begins.
pub const ERROR_PREFIX: &str = "error marshaling setup() data to JSON";

/// What became of setup()'s return value.
pub enum Exported {
    Data(Option<serde_json::Value>),
    /// k6's message: `error marshaling setup() data to JSON: json: ...`.
    Unsupported(String),
}

/// Converts setup()'s return value as k6 does; `undefined` means no data.
pub fn export(v: &JsValue, ctx: &mut Context) -> JsResult<Exported> {
    if v.is_undefined() {
        return Ok(Exported::Data(None));
    }
    let f = Script::parse(Source::from_bytes(EXPORT_JS), None, ctx)?.evaluate(ctx)?;
    let Some(f) = f.as_callable() else {
        return Ok(Exported::Data(v.to_json(ctx)?));
    };
    match f.call(&JsValue::undefined(), std::slice::from_ref(v), ctx) {
        Ok(plain) => Ok(Exported::Data(plain.to_json(ctx)?)),
        Err(e) => {
            let thrown = e.as_opaque().and_then(|o| o.as_string());
            match thrown.map(|s| s.to_std_string_escaped()) {
                Some(msg) if msg.starts_with("json: ") => {
                    Ok(Exported::Unsupported(format!("{ERROR_PREFIX}: {msg}")))
                }
                _ => Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(src: &str) -> Exported {
        let mut ctx = Context::default();
        let v = ctx
            .eval(Source::from_bytes(src))
            .expect("the test value evaluates");
        export(&v, &mut ctx).expect("export runs")
    }

    fn data(src: &str) -> Option<serde_json::Value> {
        match run(src) {
            Exported::Data(d) => d,
            Exported::Unsupported(m) => panic!("unexpected failure: {m}"),
        }
    }

    fn failure(src: &str) -> String {
        match run(src) {
            Exported::Data(d) => panic!("unexpected data: {d:?}"),
            Exported::Unsupported(m) => m,
        }
    }

    // Confirmed on k6 v1.1.0 by logging what default() receives.
    #[test]
    fn values_convert_as_sobek_export_and_go_json_do() {
        assert_eq!(data("undefined"), None);
        assert_eq!(
            data(
                "({ d: new Date(0), u: undefined, a: [undefined, 1], m: new Map([['k', 2]]), s: new Set([3]), r: /x/g })"
            ),
            Some(
                json!({"a": [null, 1], "d": "1970-01-01T00:00:00Z", "m": [["k", 2]], "r": {}, "s": [3], "u": null})
            )
        );
        assert_eq!(
            data("new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 120))"),
            Some(json!("2024-01-02T03:04:05.12Z"))
        );
        assert_eq!(
            data("new (class { constructor() { this.x = 1; } m() {} })()"),
            Some(json!({"x": 1}))
        );
    }

    #[test]
    fn unsupported_values_fail_with_gos_message() {
        assert_eq!(
            failure("({ n: NaN, i: Infinity })"),
            "error marshaling setup() data to JSON: json: unsupported value: +Inf"
        );
        assert_eq!(
            failure("[() => 1]"),
            "error marshaling setup() data to JSON: json: unsupported type: func(sobek.FunctionCall) sobek.Value"
        );
        assert!(failure("const o = {}; o.self = o; o").contains("encountered a cycle"));
    }
}
