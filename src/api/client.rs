//! `rk6 status|pause|resume|scale|stats`: k6's commands that talk to a running test's REST
//! API (`--address`), printing what they read as k6 v1.1.0 does (YAML; errors logged with
//! exit 255, in Go's words for a refused connection).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use serde_json::{Map, Value, json};

/// One request to the API, answered with its JSON body (or the API's error, as k6 shows it:
/// `title: detail`).
fn call(address: &str, method: Method, path: &str, body: Option<Value>) -> Result<Value, String> {
    let url = format!("http://{address}{path}");
    let verb = match method {
        Method::GET => "Get",
        _ => "Patch",
    };
    let go_error = |e: String| format!("{verb} \"{url}\": {e}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let (status, bytes) = rt.block_on(async {
        let stream = tokio::net::TcpStream::connect(address).await.map_err(|e| {
            go_error(format!(
                "dial tcp {address}: connect: {}",
                crate::go_strconv::os_error_text(&e)
            ))
        })?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| go_error(e.to_string()))?;
        tokio::spawn(conn);
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", address)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| go_error(e.to_string()))?;
        let resp = sender
            .send_request(req)
            .await
            .map_err(|e| go_error(e.to_string()))?;
        let status = resp.status();
        let bytes = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| go_error(e.to_string()))?
            .to_bytes();
        Ok::<_, String>((status, bytes))
    })?;
    let v: Value = serde_json::from_slice(&bytes)
        .map_err(|e| go_error(format!("the API answered {status} with no JSON: {e}")))?;
    if let Some(err) = v.get("errors").and_then(|e| e.get(0)) {
        let s = |k: &str| {
            err.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        return Err(format!("{}: {}", s("title"), s("detail")));
    }
    Ok(v)
}

/// A YAML scalar as Go's yaml.v3 writes it for k6's types.
fn scalar(v: &Value) -> String {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => format!("{f}"),
            _ => n.to_string(),
        },
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

/// k6 prints the status attributes in this order; `paused`, `vus` and `vus-max` are quoted
/// (nullable types that yaml.v3 writes through their text form).
fn print_status(v: &Value) -> Result<(), String> {
    let a = v
        .pointer("/data/attributes")
        .ok_or("the API answered without status attributes")?;
    let get = |k: &str| a.get(k).map(scalar).unwrap_or_else(|| "null".into());
    let out = format!(
        "status: {}\npaused: \"{}\"\nvus: \"{}\"\nvus-max: \"{}\"\nstopped: {}\nrunning: {}\ntainted: {}\n",
        get("status"),
        get("paused"),
        get("vus"),
        get("vus-max"),
        get("stopped"),
        get("running"),
        get("tainted")
    );
    crate::runner::print_stdout(&out);
    Ok(())
}

fn patch(attributes: Value) -> Value {
    json!({"data": {"type": "status", "id": "default", "attributes": attributes}})
}

pub fn status(address: &str) -> Result<(), String> {
    print_status(&call(address, Method::GET, "/v1/status", None)?)
}

pub fn set_paused(address: &str, paused: bool) -> Result<(), String> {
    let v = call(
        address,
        Method::PATCH,
        "/v1/status",
        Some(patch(json!({ "paused": paused }))),
    )?;
    print_status(&v)
}

pub fn scale(address: &str, vus: i64, max: Option<i64>) -> Result<(), String> {
    let mut attrs = Map::new();
    attrs.insert("vus".into(), json!(vus));
    if let Some(m) = max {
        attrs.insert("vus-max".into(), json!(m));
    }
    let v = call(
        address,
        Method::PATCH,
        "/v1/status",
        Some(patch(Value::Object(attrs))),
    )?;
    print_status(&v)
}

/// The metrics as k6 prints them: a YAML list of `name`, `type`, `contains`, `tainted` and
/// `sample` (its values in key order).
pub fn stats(address: &str) -> Result<(), String> {
    let v = call(address, Method::GET, "/v1/metrics", None)?;
    let metrics = v
        .get("data")
        .and_then(Value::as_array)
        .ok_or("the API answered without metrics")?;
    crate::runner::print_stdout(&stats_yaml(metrics));
    Ok(())
}

fn stats_yaml(metrics: &[Value]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for m in metrics {
        let a = m.get("attributes").cloned().unwrap_or_default();
        let name = m.get("id").map(scalar).unwrap_or_default();
        let text = |k: &str| a.get(k).map(scalar).unwrap_or_default();
        let _ = write!(
            out,
            "- name: {name}\n  type:\n    type: {}\n    valid: true\n  contains:\n    type: {}\n    valid: true\n  tainted: \"{}\"\n  sample:\n",
            text("type"),
            text("contains"),
            a.get("tainted")
                .filter(|t| !t.is_null())
                .map(scalar)
                .unwrap_or_default()
        );
        let mut sample: Vec<(&String, &Value)> = a
            .get("sample")
            .and_then(Value::as_object)
            .map(|s| s.iter().collect())
            .unwrap_or_default();
        sample.sort_by(|x, y| x.0.cmp(y.0));
        for (k, v) in sample {
            let _ = writeln!(out, "    {k}: {}", scalar(v));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_print_as_k6_prints_them() {
        let m = json!([{"type":"metrics","id":"iterations","attributes":{
            "type":"counter","contains":"default","tainted":null,
            "sample":{"rate":1.966242391200277,"count":6}}}]);
        assert_eq!(
            stats_yaml(m.as_array().unwrap()),
            "- name: iterations\n  type:\n    type: counter\n    valid: true\n  contains:\n    type: default\n    valid: true\n  tainted: \"\"\n  sample:\n    count: 6\n    rate: 1.966242391200277\n"
        );
    }

    #[test]
    fn a_refused_connection_reads_as_go_writes_it() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let e = status(&addr).unwrap_err();
        assert_eq!(
            e,
            format!(
                "Get \"http://{addr}/v1/status\": dial tcp {addr}: connect: connection refused"
            )
        );
    }
}
