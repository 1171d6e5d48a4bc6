//! k6's REST API (`--address`, default `localhost:6565`): `GET /v1/status`,
//! `PATCH /v1/status` (pause/resume, scale the externally-controlled executor, stop),
//! `GET /v1/metrics` and `GET /v1/metrics/{id}`, with the JSON:API shapes k6 v1.1.0 serves.

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
}

/// The running server; dropping it stops accepting connections.
pub struct ApiServer {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub local_addr: std::net::SocketAddr,
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// Starts the API on `address` (`host:port`).
pub fn start(
    address: &str,
    rt: &tokio::runtime::Handle,
    state: ApiState,
) -> Result<ApiServer, String> {
    let addr = address
        .to_socket_addrs()
        .map_err(|e| format!("listen tcp {address}: {e}"))?
        .next()
        .ok_or_else(|| format!("listen tcp {address}: no address"))?;
    let std_listener =
        std::net::TcpListener::bind(addr).map_err(|e| format!("listen tcp {addr}: bind: {e}"))?;
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
    let state = Arc::new(state);
    rt.spawn(async move {
        loop {
            tokio::select! {
                _ = &mut stop_rx => break,
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let state = state.clone();
                    tokio::spawn(async move {
                        let svc = service_fn(move |req| {
                            let state = state.clone();
                            async move { Ok::<_, Infallible>(handle(req, state).await) }
                        });
                        let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                            .serve_connection(TokioIo::new(stream), svc)
                            .await;
                    });
                }
            }
        }
    });
    Ok(ApiServer {
        stop: Some(stop_tx),
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

async fn handle(req: Request<Incoming>, state: Arc<ApiState>) -> Response<Full<Bytes>> {
    let path = req.uri().path().trim_end_matches('/').to_string();
    match (req.method().clone(), path.as_str()) {
        (Method::GET, "/v1/status") => status_response(&state).await,
        (Method::PATCH, "/v1/status") => {
            let body = match req.into_body().collect().await {
                Ok(b) => b.to_bytes(),
                Err(e) => return api_error(400, "Couldn't read request", &e.to_string()),
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
                None => {
                    // k6 sends this JSON with a text/plain content type.
                    let mut r = api_error(404, "Not Found", "No metric with that ID was found");
                    r.headers_mut().insert(
                        hyper::header::CONTENT_TYPE,
                        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
                    );
                    r
                }
            }
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

fn parse_patch(body: &[u8]) -> Result<StatusPatch, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let attrs = v
        .get("data")
        .and_then(|d| d.get("attributes"))
        .cloned()
        .unwrap_or(Value::Null);
    let int = |k: &str| -> Result<Option<i64>, String> {
        match attrs.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| {
                format!("json: cannot unmarshal number {n} into Go value of type int64")
            }),
            Some(other) => Err(format!(
                "json: cannot unmarshal {other} into Go value of type int64"
            )),
        }
    };
    let paused = match attrs.get("paused") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(other) => {
            return Err(format!(
                "json: cannot unmarshal {other} into Go value of type bool"
            ));
        }
    };
    Ok(StatusPatch {
        paused,
        vus: int("vus")?,
        vus_max: int("vus-max")?,
        stopped: attrs
            .get("stopped")
            .and_then(Value::as_bool)
            .unwrap_or(false),
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
            st.shared.request_abort(AbortReason::Signal);
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
        assert!(parse_patch(b"garbage").is_err());
        assert!(parse_patch(br#"{"data":{"attributes":{"vus":"x"}}}"#).is_err());
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
