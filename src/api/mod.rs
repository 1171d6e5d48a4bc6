//! k6's REST API (`--address`, default `localhost:6565`): `GET /v1/status`,
//! `PATCH /v1/status` (pause/resume, scale the externally-controlled executor, stop),
//! `GET /v1/metrics`, `GET /v1/metrics/{id}`, `GET /v1/groups`, `GET /v1/groups/{id}` and
//! `GET /v1/setup`, with the JSON:API shapes k6 v1.1.0 serves.

pub mod client;

use std::convert::Infallible;
use std::net::ToSocketAddrs;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use crossbeam_channel::{Sender, bounded};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{Map, Value, json};

use crate::executor::VuPool;
use crate::executor::control::{ControlError, RunControl};
use crate::js::runtime::{AbortReason, RunShared};
use crate::metrics::summary::{MetricSummary, SummaryData};

/// A request for a snapshot of the metrics, answered by the metrics pipeline thread.
pub type MetricsQuery = Sender<SummaryData>;

/// What the API reads and controls.
pub struct ApiState {
    pub control: Arc<RunControl>,
    pub shared: Arc<RunShared>,
    pub pool: Arc<VuPool>,
    /// Where to ask the metrics pipeline for a snapshot.
    pub metrics: Sender<MetricsQuery>,
    /// `setup()`'s result once it ran (`GET /v1/setup`).
    pub setup_data: Arc<parking_lot::Mutex<Option<Value>>>,
    /// The start barrier, on the instance that coordinates a split test (`--coordinator`).
    pub barrier: Option<Arc<crate::distributed::barrier::Barrier>>,
    /// The whole test's live aggregates, on the coordinator when `abortOnFail` is used.
    pub live: Option<Arc<crate::distributed::live::LiveBoard>>,
}

/// The running server; dropping it stops accepting connections.
pub struct ApiServer {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    /// Signalled once the connections open at stop time have been answered (or given up on).
    drained: Option<std::sync::mpsc::Receiver<()>>,
    pub local_addr: std::net::SocketAddr,
}

/// How long the end of the run waits for API requests already being answered: a `PATCH
/// /v1/status` that unpauses a short test must still get its reply before the process exits.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);

impl Drop for ApiServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(drained) = self.drained.take() {
            let _ = drained.recv_timeout(DRAIN_TIMEOUT + Duration::from_millis(200));
        }
    }
}

/// Starts the API on `address` (`host:port`).
pub fn start(
    address: &str,
    rt: &tokio::runtime::Handle,
    state: ApiState,
) -> Result<ApiServer, String> {
    // Go's wording: "listen tcp 127.0.0.1:6565: bind: address already in use".
    let os_error = crate::go_strconv::os_error_text;
    let addr = address
        .to_socket_addrs()
        .map_err(|e| format!("listen tcp: {address}: {}", os_error(&e)))?
        .next()
        .ok_or_else(|| format!("listen tcp: {address}: no such host"))?;
    let std_listener = std::net::TcpListener::bind(addr)
        .map_err(|e| format!("listen tcp {addr}: bind: {}", os_error(&e)))?;
    std_listener
        .set_nonblocking(true)
        .map_err(|e| format!("listen tcp {addr}: {e}"))?;
    let local_addr = std_listener
        .local_addr()
        .map_err(|e| format!("listen tcp {addr}: {e}"))?;
    let listener = {
        let _guard = rt.enter();
        tokio::net::TcpListener::from_std(std_listener)
            .map_err(|e| format!("listen tcp {addr}: {e}"))?
    };
    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (drained_tx, drained_rx) = std::sync::mpsc::channel::<()>();
    let state = Arc::new(state);
    rt.spawn(async move {
        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        loop {
            tokio::select! {
                _ = &mut stop_rx => break,
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let state = state.clone();
                    let svc = service_fn(move |req| {
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(handle(req, state).await) }
                    });
                    let conn = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), svc)
                        .into_owned();
                    let conn = graceful.watch(conn);
                    tokio::spawn(async move {
                        let _ = conn.await;
                    });
                }
            }
        }
        drop(listener);
        // Idle keep-alive connections close at once; requests in flight finish first.
        let _ = tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await;
        let _ = drained_tx.send(());
    });
    Ok(ApiServer {
        stop: Some(stop_tx),
        drained: Some(drained_rx),
        local_addr,
    })
}

fn json_response(status: StatusCode, body: &Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

fn api_error(status: u16, title: &str, detail: &str) -> Response<Full<Bytes>> {
    json_response(
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        &json!({"errors": [{"status": status.to_string(), "title": title, "detail": detail}]}),
    )
}

fn control_error(e: ControlError) -> Response<Full<Bytes>> {
    api_error(e.status, e.title, &e.detail)
}

fn not_found() -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from_static(b"404 page not found\n")));
    *r.status_mut() = StatusCode::NOT_FOUND;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// The largest request body the API reads: a status PATCH, a barrier call or an instance's
/// totals are a few KB; a bound keeps a stray client from holding the process's memory.
const MAX_REQUEST_BODY: usize = 16 << 20;

/// A request's body, or the error response k6 gives for one it cannot read.
async fn read_body(req: Request<Incoming>) -> Result<Bytes, Response<Full<Bytes>>> {
    match http_body_util::Limited::new(req.into_body(), MAX_REQUEST_BODY)
        .collect()
        .await
    {
        Ok(b) => Ok(b.to_bytes()),
        Err(e) => Err(api_error(400, "Couldn't read request", &e.to_string())),
    }
}

/// k6's 404 for an unknown metric or group: its JSON error with a text/plain content type.
fn not_found_as_text(detail: &str) -> Response<Full<Bytes>> {
    let mut r = api_error(404, "Not Found", detail);
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

async fn handle(req: Request<Incoming>, state: Arc<ApiState>) -> Response<Full<Bytes>> {
    let path = req.uri().path().trim_end_matches('/').to_string();
    match (req.method().clone(), path.as_str()) {
        (Method::GET, "/v1/status") => status_response(&state).await,
        (Method::PATCH, "/v1/status") => {
            let body = match read_body(req).await {
                Ok(b) => b,
                Err(r) => return r,
            };
            patch_status(&state, &body).await
        }
        (Method::GET, "/v1/metrics") => match snapshot(&state).await {
            Some(s) => json_response(
                StatusCode::OK,
                &json!({"data": s.metrics.iter().map(metric_json).collect::<Vec<_>>()}),
            ),
            None => api_error(500, "Encoding error", "the metrics are not available"),
        },
        (Method::GET, p) if p.starts_with("/v1/metrics/") => {
            let id = &p["/v1/metrics/".len()..];
            let Some(s) = snapshot(&state).await else {
                return api_error(500, "Encoding error", "the metrics are not available");
            };
            match s.metrics.iter().find(|m| m.name == id) {
                Some(m) => json_response(StatusCode::OK, &json!({"data": metric_json(m)})),
                None => not_found_as_text("No metric with that ID was found"),
            }
        }
        (Method::GET, "/v1/groups") => match snapshot(&state).await {
            Some(s) => {
                let mut out = Vec::new();
                groups_json(&s.root_group, None, &mut out);
                json_response(StatusCode::OK, &json!({ "data": out }))
            }
            None => api_error(500, "Encoding error", "the metrics are not available"),
        },
        (Method::GET, p) if p.starts_with("/v1/groups/") => {
            let id = &p["/v1/groups/".len()..];
            let Some(s) = snapshot(&state).await else {
                return api_error(500, "Encoding error", "the metrics are not available");
            };
            let mut all = Vec::new();
            groups_json(&s.root_group, None, &mut all);
            match all.into_iter().find(|g| g["id"] == id) {
                Some(g) => json_response(StatusCode::OK, &json!({ "data": g })),
                None => not_found_as_text("No group with that ID was found"),
            }
        }
        (Method::POST, crate::distributed::barrier::PATH) => {
            let Some(barrier) = state.barrier.clone() else {
                return api_error(
                    404,
                    "Not Found",
                    "this instance does not coordinate a split test (--coordinator)",
                );
            };
            let body = match read_body(req).await {
                Ok(b) => b,
                Err(r) => return r,
            };
            match crate::distributed::barrier::serve(&barrier, &body).await {
                Ok(answer) => json_response(StatusCode::OK, &json!(answer)),
                Err(e) => api_error(409, "Barrier error", &e),
            }
        }
        (Method::POST, crate::distributed::live::PATH) => {
            let Some(board) = state.live.clone() else {
                return api_error(
                    404,
                    "Not Found",
                    "this instance does not judge the thresholds of a split test (--coordinator)",
                );
            };
            let body = match read_body(req).await {
                Ok(b) => b,
                Err(r) => return r,
            };
            match serde_json::from_slice::<crate::distributed::live::Report>(&body) {
                Ok(report) => json_response(StatusCode::OK, &json!(board.report(report))),
                Err(e) => api_error(400, "Couldn't parse request", &e.to_string()),
            }
        }
        (Method::GET, "/v1/setup") => {
            let data = state.setup_data.lock().clone();
            let attrs = match data {
                Some(d) => json!({ "data": d }),
                None => json!({}),
            };
            json_response(
                StatusCode::OK,
                &json!({"data": {"type": "setupData", "id": "default", "attributes": attrs}}),
            )
        }
        (_, "/v1/status" | "/v1/metrics") => {
            let mut r = Response::new(Full::new(Bytes::new()));
            *r.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
            r
        }
        _ => not_found(),
    }
}

/// Asks the metrics pipeline for a snapshot (off the async threads, since it blocks).
async fn snapshot(state: &Arc<ApiState>) -> Option<SummaryData> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        let (tx, rx) = bounded(1);
        state.metrics.send(tx).ok()?;
        rx.recv_timeout(Duration::from_secs(5)).ok()
    })
    .await
    .ok()
    .flatten()
}

fn tainted(m: &MetricSummary) -> Value {
    if m.thresholds.is_empty() {
        Value::Null
    } else {
        Value::Bool(m.thresholds.iter().any(|t| !t.ok))
    }
}

/// The group tree as k6's `/v1/groups` lists it: each group (depth first, root first) with its
/// checks and links to its children and parent.
fn groups_json(
    g: &crate::metrics::summary::GroupSummary,
    parent: Option<&str>,
    out: &mut Vec<Value>,
) {
    let checks = if g.checks.is_empty() {
        Value::Null
    } else {
        Value::Array(
            g.checks
                .iter()
                .map(|c| {
                    json!({"id": c.id, "path": c.path, "name": c.name,
                        "passes": c.passes, "fails": c.fails})
                })
                .collect(),
        )
    };
    let children: Vec<Value> = g
        .groups
        .iter()
        .map(|c| json!({"type": "groups", "id": c.id}))
        .collect();
    out.push(json!({
        "type": "groups",
        "id": g.id,
        "attributes": {"path": g.path, "name": g.name, "checks": checks},
        "relationships": {
            "groups": {"data": children},
            "parent": {"data": parent.map(|p| json!({"type": "groups", "id": p}))},
        },
    }));
    for c in &g.groups {
        groups_json(c, Some(&g.id), out);
    }
}

/// A metric as k6's `/v1/metrics` shows it: its sink's values (gauge `value`, rate `rate`,
/// counter `count`/`rate`, trend the summary trend stats).
pub fn metric_json(m: &MetricSummary) -> Value {
    use crate::metrics::sample::MetricType;
    let keep: &[&str] = match m.mtype {
        MetricType::Gauge => &["value"],
        MetricType::Rate => &["rate"],
        MetricType::Counter => &["count", "rate"],
        MetricType::Trend => &[],
    };
    let mut sample = Map::new();
    for (k, v) in &m.values {
        if keep.is_empty() || keep.contains(&k.as_str()) {
            sample.insert(k.clone(), crate::metrics::summary::js_number(*v));
        }
    }
    json!({
        "type": "metrics",
        "id": m.name,
        "attributes": {
            "type": m.mtype.as_str(),
            "contains": m.contains.as_str(),
            "tainted": tainted(m),
            "sample": Value::Object(sample),
        }
    })
}

async fn status_response(state: &Arc<ApiState>) -> Response<Full<Bytes>> {
    json_response(StatusCode::OK, &status_json(state).await)
}

/// `GET /v1/status`'s body.
async fn status_json(state: &Arc<ApiState>) -> Value {
    let c = &state.control;
    let tainted = snapshot(state)
        .await
        .is_some_and(|s| s.metrics.iter().any(|m| tainted(m) == Value::Bool(true)));
    json!({
        "data": {
            "type": "status",
            "id": "default",
            "attributes": {
                "status": c.status(),
                "paused": c.is_paused(),
                "vus": state.shared.counters.vus_active.load(Ordering::Relaxed).max(0),
                "vus-max": state.pool.initialized(),
                "stopped": c.stopped(),
                "running": c.is_running(),
                "tainted": tainted,
            }
        }
    })
}

/// The attributes a PATCH may carry (k6's `v1.Status` with nullable fields).
#[derive(Debug, Default, PartialEq)]
struct StatusPatch {
    paused: Option<bool>,
    vus: Option<i64>,
    vus_max: Option<i64>,
    stopped: bool,
}

/// Go's `encoding/json` name for the kind of a JSON value, as its errors show it.
pub(crate) fn go_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// serde's syntax errors in Go's words ("invalid character 'g' looking for beginning of
/// value", "unexpected end of JSON input"), which k6's API returns.
fn go_syntax_error(body: &[u8], e: &serde_json::Error) -> String {
    if e.is_eof() {
        return "unexpected end of JSON input".into();
    }
    let text = String::from_utf8_lossy(body);
    let line = text.lines().nth(e.line().saturating_sub(1)).unwrap_or("");
    match line.chars().nth(e.column().saturating_sub(1)) {
        Some(c) => format!("invalid character '{c}' looking for beginning of value"),
        None => e.to_string(),
    }
}

/// Reads a PATCH body the way k6's `v1.StatusJSONAPI` unmarshals it: `vus`/`vus-max` are
/// `null.Int` (numbers or numeric strings), `paused` a `null.Bool`, `stopped` a bool.
fn parse_patch(body: &[u8]) -> Result<StatusPatch, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| go_syntax_error(body, &e))?;
    let data = match &v {
        Value::Object(o) => o.get("data").cloned().unwrap_or(Value::Null),
        Value::Null => Value::Null,
        other => {
            return Err(format!(
                "json: cannot unmarshal {} into Go value of type v1.StatusJSONAPI",
                go_kind(other)
            ));
        }
    };
    let attrs = match &data {
        Value::Object(o) => o.get("attributes").cloned().unwrap_or(Value::Null),
        Value::Null => Value::Null,
        other => {
            return Err(format!(
                "json: cannot unmarshal {} into Go struct field StatusJSONAPI.data of type v1.statusData",
                go_kind(other)
            ));
        }
    };
    let int = |k: &str| -> Result<Option<i64>, String> {
        match attrs.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| {
                format!(
                    "json: cannot unmarshal number {n} into Go struct field Status.data.attributes.{k} of type int64"
                )
            }),
            Some(Value::String(s)) => s
                .parse::<i64>()
                .map(Some)
                .map_err(|_| format!("strconv.ParseInt: parsing {s:?}: invalid syntax")),
            // Go prints no kind for arrays and objects here (k6 v1.1.0: "cannot unmarshal  into").
            Some(Value::Array(_) | Value::Object(_)) => {
                Err("json: cannot unmarshal  into Go value of type null.Int".into())
            }
            Some(other) => Err(format!(
                "json: cannot unmarshal {} into Go value of type null.Int",
                go_kind(other)
            )),
        }
    };
    let paused = match attrs.get("paused") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::Number(_)) => {
            return Err("json: cannot unmarshal float64 into Go value of type null.Bool".into());
        }
        Some(other) => {
            return Err(format!(
                "json: cannot unmarshal {} into Go value of type null.Bool",
                go_kind(other)
            ));
        }
    };
    let stopped = match attrs.get("stopped") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(format!(
                "json: cannot unmarshal {} into Go struct field Status.data.attributes.stopped of type bool",
                go_kind(other)
            ));
        }
    };
    Ok(StatusPatch {
        paused,
        vus: int("vus")?,
        vus_max: int("vus-max")?,
        stopped,
    })
}

async fn patch_status(state: &Arc<ApiState>, body: &[u8]) -> Response<Full<Bytes>> {
    let patch = match parse_patch(body) {
        Ok(p) => p,
        Err(e) => return api_error(400, "Invalid data", &e),
    };
    let st = state.clone();
    // Applying may wait for VUs to finish their iterations: keep it off the async threads.
    let applied = tokio::task::spawn_blocking(move || -> Result<(), ControlError> {
        if patch.stopped {
            st.control.request_stop();
            crate::js::console::error("test run stopped from REST API");
            st.shared.request_abort(AbortReason::StoppedFromApi);
            return Ok(());
        }
        if let Some(p) = patch.paused {
            st.control.set_paused(p)?;
        }
        if patch.vus.is_some() || patch.vus_max.is_some() {
            st.control.update_external(patch.vus, patch.vus_max)?;
        }
        Ok(())
    })
    .await;
    match applied {
        Ok(Ok(())) => status_response(state).await,
        Ok(Err(e)) => control_error(e),
        Err(e) => api_error(500, "Internal error", &e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::sample::{MetricType, ValueType};
    use crate::metrics::summary::ThresholdResult;

    #[test]
    fn patches_are_read_like_k6() {
        let p = parse_patch(
            br#"{"data":{"type":"status","id":"default","attributes":{"paused":false,"vus":3}}}"#,
        )
        .unwrap();
        assert_eq!(
            p,
            StatusPatch {
                paused: Some(false),
                vus: Some(3),
                vus_max: None,
                stopped: false
            }
        );
        let p = parse_patch(br#"{"data":{"attributes":{"vus-max":7,"stopped":true}}}"#).unwrap();
        assert_eq!(p.vus_max, Some(7));
        assert!(p.stopped);
        // k6 v1.1.0's answers to the same bodies.
        let err = |b: &[u8]| parse_patch(b).unwrap_err();
        assert_eq!(
            err(b"garbage"),
            "invalid character 'g' looking for beginning of value"
        );
        assert_eq!(err(b"{"), "unexpected end of JSON input");
        assert_eq!(
            err(br#"{"data":{"attributes":{"vus":"x"}}}"#),
            r#"strconv.ParseInt: parsing "x": invalid syntax"#
        );
        assert_eq!(
            parse_patch(br#"{"data":{"attributes":{"vus":"3"}}}"#).map(|p| p.vus),
            Ok(Some(3))
        );
        assert_eq!(
            err(br#"{"data":{"attributes":{"vus":true}}}"#),
            "json: cannot unmarshal bool into Go value of type null.Int"
        );
        assert_eq!(
            err(br#"{"data":{"attributes":{"vus-max":1.5}}}"#),
            "json: cannot unmarshal number 1.5 into Go struct field Status.data.attributes.vus-max of type int64"
        );
        assert_eq!(
            err(br#"{"data":{"attributes":{"paused":1}}}"#),
            "json: cannot unmarshal float64 into Go value of type null.Bool"
        );
        assert_eq!(
            err(br#"{"data":{"attributes":{"paused":"yes"}}}"#),
            "json: cannot unmarshal string into Go value of type null.Bool"
        );
        assert_eq!(
            err(br#"{"data":{"attributes":{"stopped":1}}}"#),
            "json: cannot unmarshal number into Go struct field Status.data.attributes.stopped of type bool"
        );
        assert_eq!(
            err(b"[1]"),
            "json: cannot unmarshal array into Go value of type v1.StatusJSONAPI"
        );
        assert_eq!(
            err(br#"{"data":5}"#),
            "json: cannot unmarshal number into Go struct field StatusJSONAPI.data of type v1.statusData"
        );
    }

    fn summary(mtype: MetricType, values: &[(&str, f64)], thresholds: &[bool]) -> MetricSummary {
        MetricSummary {
            name: "m".into(),
            parent: None,
            mtype,
            contains: ValueType::Default,
            values: values.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            threshold_values: Vec::new(),
            thresholds: thresholds
                .iter()
                .map(|ok| ThresholdResult {
                    source: "count>0".into(),
                    ok: *ok,
                })
                .collect(),
        }
    }

    #[test]
    fn metrics_have_k6s_shape() {
        let g = metric_json(&summary(
            MetricType::Gauge,
            &[("value", 5.0), ("min", 5.0), ("max", 5.0)],
            &[],
        ));
        assert_eq!(
            g,
            json!({"type":"metrics","id":"m","attributes":{"type":"gauge","contains":"default","tainted":null,"sample":{"value":5}}})
        );
        let r = metric_json(&summary(
            MetricType::Rate,
            &[("rate", 0.5), ("passes", 1.0), ("fails", 1.0)],
            &[false],
        ));
        assert_eq!(r["attributes"]["sample"], json!({"rate": 0.5}));
        assert_eq!(r["attributes"]["tainted"], json!(true));
        let c = metric_json(&summary(
            MetricType::Counter,
            &[("count", 34.0), ("rate", 10.1)],
            &[true],
        ));
        assert_eq!(
            c["attributes"]["sample"],
            json!({"count": 34, "rate": 10.1})
        );
        assert_eq!(c["attributes"]["tainted"], json!(false));
    }
}
