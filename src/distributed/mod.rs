//! One test across N instances: a synchronized start (`--coordinator`'s barrier, `--start-at`), each instance's metrics
//! snapshot (`rk6 run --snapshot-out`) and their merge into the whole test's summary and
//! thresholds (`rk6 merge`). See docs/distributed.md.
pub mod barrier;
pub mod live;
pub mod merge;
pub mod snapshot;
pub mod start;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// The plain-HTTP client instances use to reach the coordinator's REST API.
pub(crate) type ApiClient = Client<HttpConnector, Full<Bytes>>;

pub(crate) fn http_client() -> ApiClient {
    Client::builder(TokioExecutor::new()).build_http()
}

/// POSTs a JSON body; the answer's status and body, or why there was none (the coordinator
/// not listening yet, a broken connection, no answer within `timeout`).
pub(crate) async fn post_json(
    client: &ApiClient,
    url: &str,
    body: Bytes,
    timeout: Duration,
) -> Result<(hyper::StatusCode, Bytes), String> {
    let req = hyper::Request::post(url)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .body(Full::new(body))
        .map_err(|e| e.to_string())?;
    let exchange = async {
        let res = client
            .request(req)
            .await
            .map_err(|e| crate::output::http_client::error_chain(&e))?;
        let status = res.status();
        let bytes = res
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok((status, bytes))
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| format!("no answer within {timeout:?}"))?
}

/// The id the outputs give this run (Timestream's and ClickHouse's `test_run_id`), so that
/// the N instances of one split test write one run: `K6_TEST_RUN_ID` when set (e.g. an
/// Indexed Job's `controller-uid` through the downward API), else k6-operator's
/// `testrun_name` tag (the same on every runner of a `TestRun`), else `None` (each process
/// then draws its own).
pub fn shared_test_run_id(
    env: &HashMap<String, String>,
    tags: &BTreeMap<String, String>,
) -> Option<String> {
    env.get("K6_TEST_RUN_ID")
        .or_else(|| tags.get("testrun_name"))
        .map(|id| id.trim().to_string())
        .filter(|id| !id.is_empty())
}

/// The instance's name in the outputs' `instance_id` column or dimension: the test-wide
/// `instance_id` tag (k6-operator's `--tag instance_id=N`, the Indexed Job's), if any.
pub fn instance_tag(tags: &BTreeMap<String, String>) -> Option<String> {
    tags.get("instance_id")
        .map(|id| id.trim().to_string())
        .filter(|id| !id.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_split_test_shares_one_run_id() {
        let tags: BTreeMap<String, String> = [
            ("testrun_name".to_string(), "checkout".to_string()),
            ("instance_id".to_string(), "3".to_string()),
        ]
        .into();
        let mut env = HashMap::new();
        assert_eq!(shared_test_run_id(&env, &tags).as_deref(), Some("checkout"));
        env.insert("K6_TEST_RUN_ID".to_string(), "uid-1".to_string());
        assert_eq!(shared_test_run_id(&env, &tags).as_deref(), Some("uid-1"));
        assert_eq!(shared_test_run_id(&HashMap::new(), &BTreeMap::new()), None);
        assert_eq!(instance_tag(&tags).as_deref(), Some("3"));
    }
}
