//! The ClickHouse [`Sink`]: each batch is one `INSERT ... FORMAT RowBinary` over the HTTP
//! interface (one insert is stored whole or not at all on a MergeTree table), encoded on the
//! writer thread in the table's layout. The schema is set up on the first request that
//! reaches the server. ClickHouse's answers are mapped by its exception code: the codes it
//! documents as transient (too many parts or queries, timeouts, network and memory limits,
//! read-only replicas, unknown insert status) and HTTP 5xx without a code are retried; parse
//! and type errors fail the batch for its content (bisected); the rest (unknown table,
//! authentication, rights) is fatal.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, USER_AGENT};

use super::config::ClickHouseConfig;
use super::row_binary;
use super::schema::{self, Layout};
use crate::metrics::sample::{SampleBatch, now_ns};
use crate::metrics::threshold_board::{ThresholdBoard, ThresholdStatus};
use crate::output::http_client::{HttpsClient, basic_auth, error_chain, http_client, read_body};
use crate::output::writer_pool::{PoolRecord, Sink, WriteOutcome};

/// A batch of samples as the VUs sent it; rows are encoded when written.
#[derive(Clone)]
pub struct SampleChunk(pub Arc<SampleBatch>);

impl PoolRecord for SampleChunk {
    fn weight(&self) -> u64 {
        self.0.len() as u64
    }
}

/// ClickHouse exception codes worth another attempt.
const RETRYABLE_CODES: &[u32] = &[
    3,   // UNEXPECTED_END_OF_FILE (the body was cut)
    32,  // ATTEMPT_TO_READ_AFTER_EOF
    159, // TIMEOUT_EXCEEDED
    164, // READONLY (a replica in read-only mode)
    202, // TOO_MANY_SIMULTANEOUS_QUERIES
    203, // NO_FREE_CONNECTION
    209, // SOCKET_TIMEOUT
    210, // NETWORK_ERROR
    236, // ABORTED
    241, // MEMORY_LIMIT_EXCEEDED
    242, // TABLE_IS_READ_ONLY
    252, // TOO_MANY_PARTS
    285, // TOO_FEW_LIVE_REPLICAS
    319, // UNKNOWN_STATUS_OF_INSERT
    394, // QUERY_WAS_CANCELLED
    425, // SYSTEM_ERROR
    999, // KEEPER_EXCEPTION
];

/// Codes that blame the data sent.
const DATA_CODES: &[u32] = &[
    6,   // CANNOT_PARSE_TEXT
    26,  // CANNOT_PARSE_QUOTED_STRING
    27,  // CANNOT_PARSE_INPUT_ASSERTION_FAILED
    33,  // CANNOT_READ_ALL_DATA
    38,  // CANNOT_PARSE_DATE
    41,  // CANNOT_PARSE_DATETIME
    53,  // TYPE_MISMATCH
    69,  // ARGUMENT_OUT_OF_BOUND
    117, // INCORRECT_DATA
    131, // TOO_LARGE_STRING_SIZE
];

/// The exception code: the `X-ClickHouse-Exception-Code` header, else `Code: N` in the body.
pub fn exception_code(header: Option<&str>, body: &str) -> Option<u32> {
    if let Some(c) = header.and_then(|h| h.trim().parse().ok()) {
        return Some(c);
    }
    let rest = &body[body.find("Code: ")? + "Code: ".len()..];
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

pub fn classify(status: u16, code: Option<u32>, body: &str) -> WriteOutcome {
    let msg: String = body.trim().chars().take(400).collect();
    let text = format!("HTTP {status}: {msg}");
    match code {
        Some(c) if RETRYABLE_CODES.contains(&c) => WriteOutcome::Retryable(text),
        Some(c) if DATA_CODES.contains(&c) => WriteOutcome::InvalidBatch(text),
        Some(_) => WriteOutcome::Fatal(text),
        None if status == 429 || status >= 500 => WriteOutcome::Retryable(text),
        None if status == 400 || status == 413 => WriteOutcome::InvalidBatch(text),
        None => WriteOutcome::Fatal(text),
    }
}

pub struct ClickHouseSink {
    client: HttpsClient,
    cfg: ClickHouseConfig,
    auth: HeaderValue,
    board: Arc<ThresholdBoard>,
    /// The layout once the schema is set up, and the board's change count last written.
    ready: tokio::sync::Mutex<Option<(Layout, u64)>>,
    pub requests: std::sync::atomic::AtomicU64,
    pub sent_bytes: std::sync::atomic::AtomicU64,
}

impl ClickHouseSink {
    pub fn new(cfg: &ClickHouseConfig, board: Arc<ThresholdBoard>) -> anyhow::Result<Self> {
        Ok(ClickHouseSink {
            client: http_client(cfg.insecure, None)?,
            auth: basic_auth(&cfg.username, cfg.password.as_deref().unwrap_or(""))?,
            cfg: cfg.clone(),
            board,
            ready: tokio::sync::Mutex::new(None),
            requests: Default::default(),
            sent_bytes: Default::default(),
        })
    }

    /// Runs one statement with `data` as its input (the statement in the URL, the data as
    /// the body; a statement without data is the body, since old servers refuse a POST
    /// without a length); the answer's text or the write outcome.
    async fn post(&self, query: &str, data: Vec<u8>) -> Result<String, WriteOutcome> {
        let (uri, body) = if data.is_empty() {
            (format!("{}/", self.cfg.addr), query.as_bytes().to_vec())
        } else {
            let q = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("query", query)
                .finish();
            (format!("{}/?{q}", self.cfg.addr), data)
        };
        let uri: hyper::Uri = uri
            .parse()
            .map_err(|e| WriteOutcome::Fatal(format!("invalid ClickHouse URL: {e}")))?;
        let req = hyper::Request::post(uri)
            .header(AUTHORIZATION, self.auth.clone())
            .header(CONTENT_TYPE, "application/octet-stream")
            .header(USER_AGENT, concat!("rk6/", env!("CARGO_PKG_VERSION")))
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| WriteOutcome::Fatal(format!("cannot build the request: {e}")))?;
        let resp = self
            .client
            .request(req)
            .await
            .map_err(|e| WriteOutcome::Retryable(error_chain(&e)))?;
        let status = resp.status();
        let header = resp
            .headers()
            .get("x-clickhouse-exception-code")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let text = read_body(resp.into_body()).await;
        if status.is_success() {
            Ok(text)
        } else {
            let code = exception_code(header.as_deref(), &text);
            Err(classify(status.as_u16(), code, &text))
        }
    }

    /// Creates the database and tables when missing and learns the samples table's layout.
    async fn setup(&self) -> Result<Layout, WriteOutcome> {
        let (db, table) = (&self.cfg.db, &self.cfg.table);
        let version = self.post("SELECT version()", Vec::new()).await?;
        let layout_new = schema::parse_version(&version)
            .map(schema::layout_for_version)
            .unwrap_or(Layout::Current);
        self.post(&schema::create_database(db), Vec::new()).await?;
        let columns = self
            .post(
                &format!(
                    "SELECT name, type FROM system.columns WHERE database = {} AND table = {} FORMAT TabSeparated",
                    schema::literal(db),
                    schema::literal(table)
                ),
                Vec::new(),
            )
            .await?;
        let columns: Vec<(String, String)> = columns
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        let layout = if columns.is_empty() {
            self.post(&schema::create_samples(layout_new, db, table), Vec::new())
                .await?;
            layout_new
        } else {
            schema::layout_of_columns(&columns).ok_or_else(|| {
                WriteOutcome::Fatal(format!(
                    "the ClickHouse table {db}.{table} exists but is not one rk6 writes (no `tags` Map or `tags.key`/`ts_us` columns); name another with K6_CLICKHOUSE_TABLE"
                ))
            })?
        };
        self.post(
            &schema::create_thresholds(layout, db, &self.cfg.thresholds_table),
            Vec::new(),
        )
        .await?;
        tracing::debug!(?layout, "ClickHouse schema ready");
        Ok(layout)
    }

    async fn layout(&self) -> Result<Layout, WriteOutcome> {
        let mut ready = self.ready.lock().await;
        if let Some((layout, _)) = *ready {
            return Ok(layout);
        }
        let layout = self.setup().await?;
        *ready = Some((layout, u64::MAX));
        Ok(layout)
    }

    fn encode(&self, layout: Layout, batch: &[SampleChunk]) -> Vec<u8> {
        let rows: usize = batch.iter().map(|c| c.0.len()).sum();
        let mut out = Vec::with_capacity(rows * 160);
        for chunk in batch {
            for s in chunk.0.iter() {
                row_binary::time(&mut out, layout, s.time_ns);
                row_binary::string(&mut out, &self.cfg.test_run_id);
                row_binary::string(&mut out, &self.cfg.instance_id);
                row_binary::string(&mut out, &s.metric.name);
                row_binary::f64_le(&mut out, s.value);
                row_binary::tags(&mut out, layout, Some(&s.tags));
                row_binary::tags(&mut out, layout, s.metadata.as_ref());
            }
        }
        out
    }

    /// Writes the thresholds' state as new rows when it changed since the last write (or
    /// `force`, or never written).
    pub async fn write_thresholds(&self, force: bool) -> Result<(), WriteOutcome> {
        let rows = self.board.snapshot();
        if rows.is_empty() {
            return Ok(());
        }
        let layout = self.layout().await?;
        let changes = self.board.changes();
        {
            let ready = self.ready.lock().await;
            if let Some((_, written)) = *ready
                && written == changes
                && !force
            {
                return Ok(());
            }
        }
        let body = encode_thresholds(&self.cfg, layout, &rows, now_ns());
        let query = format!(
            "INSERT INTO {}.{} ({}) FORMAT RowBinary",
            schema::ident(&self.cfg.db),
            schema::ident(&self.cfg.thresholds_table),
            schema::threshold_columns(layout)
        );
        self.post(&query, body).await?;
        if let Some((_, written)) = self.ready.lock().await.as_mut() {
            *written = changes;
        }
        Ok(())
    }
}

pub fn encode_thresholds(
    cfg: &ClickHouseConfig,
    layout: Layout,
    rows: &[ThresholdStatus],
    now: i64,
) -> Vec<u8> {
    let mut out = Vec::new();
    for t in rows {
        row_binary::time(&mut out, layout, now);
        row_binary::string(&mut out, &cfg.test_run_id);
        row_binary::string(&mut out, &cfg.instance_id);
        row_binary::string(&mut out, &t.metric);
        row_binary::string(&mut out, &t.source);
        row_binary::u8_le(&mut out, t.abort_on_fail.into());
        row_binary::string(&mut out, &t.delay_abort_eval_text());
        row_binary::u8_le(&mut out, t.last_failed.into());
    }
    out
}

impl Sink for ClickHouseSink {
    type Record = SampleChunk;

    async fn write(&self, batch: &[SampleChunk]) -> WriteOutcome {
        use std::sync::atomic::Ordering::Relaxed;
        let layout = match self.layout().await {
            Ok(l) => l,
            Err(outcome) => return outcome,
        };
        let body = self.encode(layout, batch);
        self.requests.fetch_add(1, Relaxed);
        self.sent_bytes.fetch_add(body.len() as u64, Relaxed);
        let query = format!(
            "INSERT INTO {}.{} ({}) FORMAT RowBinary",
            schema::ident(&self.cfg.db),
            schema::ident(&self.cfg.table),
            schema::sample_columns(layout)
        );
        match self.post(&query, body).await {
            Ok(_) => WriteOutcome::Ok,
            Err(outcome) => outcome,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exception_codes_and_classes() {
        let old = "Code: 252, e.displayText() = DB::Exception: Too many parts (300)";
        let new = "Code: 60. DB::Exception: Table k6.nope does not exist. (UNKNOWN_TABLE)";
        assert_eq!(exception_code(None, old), Some(252));
        assert_eq!(exception_code(None, new), Some(60));
        assert_eq!(exception_code(Some("241"), ""), Some(241));
        assert_eq!(exception_code(None, "Bad Gateway"), None);
        assert!(matches!(
            classify(500, Some(252), old),
            WriteOutcome::Retryable(_)
        ));
        assert!(matches!(
            classify(404, Some(60), new),
            WriteOutcome::Fatal(_)
        ));
        assert!(matches!(
            classify(400, Some(27), ""),
            WriteOutcome::InvalidBatch(_)
        ));
        assert!(matches!(
            classify(502, None, ""),
            WriteOutcome::Retryable(_)
        ));
        assert!(matches!(classify(401, None, ""), WriteOutcome::Fatal(_)));
    }
}
