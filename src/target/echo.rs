//! httpbin's request echo: `/get`, `/post`, `/anything`, `/headers`, `/ip`, `/user-agent`, and the bodies of
//! the other endpoints that report the request back.

use std::collections::BTreeMap;
use std::convert::Infallible;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use hyper::Response;
use hyper::header;
use serde_json::{Map, Value, json};

use super::request::{Req, canonical_header_name};
use super::response::{self, ResponseBody};

/// Which fields an echo carries, matching the httpbin endpoint it imitates.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum EchoFields {
    /// `/get`: args, headers, origin, url.
    Get,
    /// `/post`, `/put`, `/patch`, `/delete`: plus data, files, form, json.
    WithBody,
    /// `/anything`: plus method.
    Anything,
    /// `/delay`: args, data, files, form, headers, origin, url (httpbin leaves out json).
    Delay,
}

pub(crate) async fn echo(req: &Req, fields: EchoFields) -> Response<ResponseBody> {
    match echo_value(req, fields).await {
        Ok(value) => response::ok_json(&value),
        Err(message) => response::bad_request(message),
    }
}

/// The echo object, keys in httpbin's (alphabetical) order.
pub(crate) async fn echo_value(req: &Req, fields: EchoFields) -> Result<Value, String> {
    let mut out = Map::new();
    out.insert("args".into(), args_value(req));
    let body = match fields {
        EchoFields::Get => None,
        _ => Some(parse_body(req).await?),
    };
    if let Some(body) = &body {
        out.insert("data".into(), Value::String(body.data.clone()));
        out.insert("files".into(), Value::Object(body.files.clone()));
        out.insert("form".into(), Value::Object(body.form.clone()));
    }
    out.insert("headers".into(), headers_value(req));
    if let Some(body) = body
        && fields != EchoFields::Delay
    {
        out.insert("json".into(), body.json);
    }
    if fields == EchoFields::Anything {
        out.insert(
            "method".into(),
            Value::String(req.method.as_str().to_owned()),
        );
    }
    out.insert("origin".into(), Value::String(req.origin()));
    out.insert("url".into(), Value::String(req.url()));
    Ok(Value::Object(out))
}

pub(crate) fn headers(req: &Req) -> Response<ResponseBody> {
    response::ok_json(&json!({ "headers": headers_value(req) }))
}

pub(crate) fn ip(req: &Req) -> Response<ResponseBody> {
    response::ok_json(&json!({ "origin": req.origin() }))
}

pub(crate) fn user_agent(req: &Req) -> Response<ResponseBody> {
    let agent = req.header_str(&header::USER_AGENT).unwrap_or("");
    response::ok_json(&json!({ "user-agent": agent }))
}

/// Query parameters; a repeated name becomes an array, as httpbin does.
pub(crate) fn args_value(req: &Req) -> Value {
    let mut args = Map::new();
    for (key, value) in req.query_pairs() {
        push_multi(
            &mut args,
            key.into_owned(),
            Value::String(value.into_owned()),
        );
    }
    Value::Object(args)
}

/// Request headers by canonical name, sorted, repeated ones joined with "," as gunicorn does.
pub(crate) fn headers_value(req: &Req) -> Value {
    let mut sorted: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in &req.headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        sorted
            .entry(canonical_header_name(name.as_str()))
            .and_modify(|joined| {
                joined.push(',');
                joined.push_str(&value);
            })
            .or_insert_with(|| value.into_owned());
    }
    // HTTP/2 carries the host in :authority, not a Host header; report it the same way in both.
    if !sorted.contains_key("Host")
        && let Some(authority) = req.uri.authority()
    {
        sorted.insert("Host".into(), authority.as_str().to_owned());
    }
    Value::Object(
        sorted
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect(),
    )
}

/// Adds a value under a key, turning the entry into an array when the key repeats.
pub(crate) fn push_multi(map: &mut Map<String, Value>, key: String, value: Value) {
    match map.get_mut(&key) {
        Some(Value::Array(values)) => values.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
        None => {
            map.insert(key, value);
        }
    }
}

struct ParsedBody {
    data: String,
    form: Map<String, Value>,
    files: Map<String, Value>,
    json: Value,
}

async fn parse_body(req: &Req) -> Result<ParsedBody, String> {
    let mut parsed = ParsedBody {
        data: String::new(),
        form: Map::new(),
        files: Map::new(),
        json: Value::Null,
    };
    match req.mime_essence().as_str() {
        "application/x-www-form-urlencoded" => {
            for (key, value) in form_urlencoded::parse(&req.body) {
                push_multi(
                    &mut parsed.form,
                    key.into_owned(),
                    Value::String(value.into_owned()),
                );
            }
        }
        "multipart/form-data" => parse_multipart(req, &mut parsed).await?,
        _ => {
            parsed.data = json_safe(&req.body, "application/octet-stream");
            parsed.json = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        }
    }
    Ok(parsed)
}

async fn parse_multipart(req: &Req, parsed: &mut ParsedBody) -> Result<(), String> {
    let content_type = req.header_str(&header::CONTENT_TYPE).unwrap_or("");
    let boundary =
        multer::parse_boundary(content_type).map_err(|e| format!("multipart body: {e}"))?;
    let stream = futures_lite::stream::once(Ok::<Bytes, Infallible>(req.body.clone()));
    let mut multipart = multer::Multipart::new(stream, boundary);
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| format!("multipart body: {e}"))?
    {
        let name = field.name().unwrap_or("").to_owned();
        let file_type = match (field.file_name(), field.content_type()) {
            (None, _) => None,
            (Some(_), Some(mime)) => Some(mime.essence_str().to_owned()),
            (Some(_), None) => Some("application/octet-stream".to_owned()),
        };
        let content = field
            .bytes()
            .await
            .map_err(|e| format!("multipart body: {e}"))?;
        match file_type {
            Some(file_type) => push_multi(
                &mut parsed.files,
                name,
                Value::String(json_safe(&content, &file_type)),
            ),
            None => push_multi(
                &mut parsed.form,
                name,
                Value::String(json_safe(&content, "text/plain")),
            ),
        }
    }
    Ok(())
}

/// Text as is; anything that is not UTF-8 as a base64 data URL, which is how httpbin keeps JSON valid.
fn json_safe(content: &[u8], content_type: &str) -> String {
    match std::str::from_utf8(content) {
        Ok(text) => text.to_owned(),
        Err(_) => format!("data:{content_type};base64,{}", BASE64.encode(content)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_become_arrays() {
        let mut map = Map::new();
        push_multi(&mut map, "a".into(), json!("1"));
        push_multi(&mut map, "a".into(), json!("2"));
        push_multi(&mut map, "a".into(), json!("3"));
        push_multi(&mut map, "b".into(), json!("x"));
        assert_eq!(Value::Object(map), json!({"a": ["1", "2", "3"], "b": "x"}));
    }

    #[test]
    fn binary_content_becomes_a_data_url() {
        assert_eq!(json_safe(b"hi", "text/plain"), "hi");
        assert_eq!(
            json_safe(&[0xff, 0x00], "image/png"),
            "data:image/png;base64,/wA="
        );
    }
}
