//! `--out timescaledb=postgresql://user:pass@host:port/db`: samples and thresholds in
//! xk6-output-timescaledb's tables ([`schema`]), written with binary `COPY` through a
//! connection pool ([`sink`]) on the shared writer pool (batching, retries, accounting).
//! Settings are in [`config`].
//!
//! The schema is set up on the first connection that succeeds: at start if the server is
//! reachable, else by the first write that reaches it, so a server that comes up late still
//! gets its tables and thresholds. Threshold rows are inserted then, and their `last_failed`
//! is rewritten whenever an evaluation changes a verdict, and once more with the final
//! verdicts when the test ends.

pub mod config;
pub mod schema;
pub mod sink;

use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::metrics::sample::SampleBatch;
use crate::metrics::threshold_board::ThresholdBoard;
use crate::output::writer_pool::{
    PoolReport, Sink, StopClock, WriteOutcome, WriterPool, io_runtime, startup_check, stop_clock_of,
};
use crate::output::{Output, OutputContext, OutputReport};

pub use config::{TimescaleConfig, TlsMode};
use schema::{Layout, pg_error};
use sink::{RowEncoder, SampleRow, TimescaleSink, classify};

pub const NAME: &str = "timescaledb";

/// The rustls client of the connections: libpq's `require` and `prefer` do not check the
/// server's certificate; `verify-*` check it against the system's roots.
fn tls_connector(mode: TlsMode) -> anyhow::Result<MakeRustlsConnect> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow::anyhow!("TLS setup failed: {e}"))?;
    let config = if mode == TlsMode::Verify {
        builder
            .with_root_certificates(crate::tls::system_roots())
            .with_no_client_auth()
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(crate::tls::AcceptAnyServerCert(provider)))
            .with_no_client_auth()
    };
    Ok(MakeRustlsConnect::new(config))
}

/// Where the schema and the threshold rows stand.
struct Setup {
    cfg: tokio_postgres::Config,
    tls: MakeRustlsConnect,
    board: Arc<ThresholdBoard>,
    /// Threshold row ids once inserted, and the board's change count last written.
    done: tokio::sync::Mutex<Option<(Layout, Vec<i32>, u64)>>,
}

impl Setup {
    async fn connect(
        &self,
        cfg: &tokio_postgres::Config,
    ) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
        let (client, conn) = cfg.connect(self.tls.clone()).await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(client)
    }

    /// Connects, creating the database first when the server says it does not exist.
    async fn connect_creating(&self) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
        match self.connect(&self.cfg).await {
            Err(e) if e.code().map(|c| c.code()) == Some("3D000") => {
                let name = self
                    .cfg
                    .get_dbname()
                    .unwrap_or("myk6timescaleDB")
                    .to_string();
                let mut admin = self.cfg.clone();
                admin.dbname("postgres");
                let client = self.connect(&admin).await?;
                match client
                    .batch_execute(&format!("CREATE DATABASE {}", schema::quote_ident(&name)))
                    .await
                {
                    // Another rk6 instance may have created it meanwhile.
                    Err(e) if e.code().map(|c| c.code()) != Some("42P04") => return Err(e),
                    _ => {}
                }
                self.connect(&self.cfg).await
            }
            other => other,
        }
    }

    /// Sets up the schema and thresholds once; `Err` is the pool outcome for the write.
    async fn ensure(&self) -> Result<(), WriteOutcome> {
        let mut done = self.done.lock().await;
        if done.is_some() {
            return Ok(());
        }
        let client = self.connect_creating().await.map_err(|e| classify(&e))?;
        let layout = schema::ensure_schema(&client)
            .await
            .map_err(|e| classify(&e))?;
        let rows = self.board.snapshot();
        // The samples matter more than the thresholds: a role that may write samples but
        // not thresholds still writes samples.
        let ids = match schema::insert_thresholds(&client, &rows).await {
            Ok(ids) => ids,
            Err(e) => {
                tracing::warn!(
                    "TimescaleDB: inserting the thresholds failed: {}",
                    pg_error(&e)
                );
                Vec::new()
            }
        };
        tracing::debug!(?layout, thresholds = ids.len(), "TimescaleDB schema ready");
        *done = Some((layout, ids, u64::MAX));
        Ok(())
    }

    /// Rewrites `last_failed` when a verdict changed since the last write (or `force`).
    async fn write_thresholds(&self, pool: &Pool, force: bool) -> Result<(), String> {
        let mut done = self.done.lock().await;
        let Some((_, ids, written)) = done.as_mut() else {
            return Ok(());
        };
        let changes = self.board.changes();
        if ids.is_empty() || (!force && changes == *written) {
            return Ok(());
        }
        let rows = self.board.snapshot();
        let client = pool.get().await.map_err(|e| e.to_string())?;
        schema::update_thresholds(&**client, ids, &rows)
            .await
            .map_err(|e| pg_error(&e))?;
        *written = changes;
        Ok(())
    }
}

/// The COPY sink behind a one-time schema setup.
struct SetupThenCopy {
    setup: Arc<Setup>,
    copy: TimescaleSink,
}

impl Sink for SetupThenCopy {
    type Record = SampleRow;

    async fn write(&self, batch: &[SampleRow]) -> WriteOutcome {
        if let Err(outcome) = self.setup.ensure().await {
            return outcome;
        }
        self.copy.write(batch).await
    }
}

pub struct TimescaleDbOutput {
    cfg: TimescaleConfig,
    board: Arc<ThresholdBoard>,
    encoder: RowEncoder,
    runtime: Option<tokio::runtime::Runtime>,
    pool: Option<WriterPool<SampleRow>>,
    pg_pool: Option<Pool>,
    setup: Option<Arc<Setup>>,
    thresholds_task: Option<tokio::task::JoinHandle<()>>,
    scratch: Vec<SampleRow>,
    unstarted: u64,
}

impl TimescaleDbOutput {
    /// Parses the settings; no network access until [`Output::start`].
    pub fn new(arg: Option<&str>, ctx: &OutputContext) -> anyhow::Result<Self> {
        Ok(TimescaleDbOutput {
            cfg: TimescaleConfig::load(arg, ctx)?,
            board: ctx.thresholds.clone(),
            encoder: RowEncoder::default(),
            runtime: None,
            pool: None,
            pg_pool: None,
            setup: None,
            thresholds_task: None,
            scratch: Vec::with_capacity(64),
            unstarted: 0,
        })
    }

    pub fn config(&self) -> &TimescaleConfig {
        &self.cfg
    }
}

impl Output for TimescaleDbOutput {
    fn description(&self) -> String {
        format!("TimescaleDB ({})", self.cfg.addr)
    }

    fn start(&mut self) -> anyhow::Result<()> {
        let rt = io_runtime("timescaledb")?;
        let mut pg = self.cfg.pg.clone();
        pg.ssl_mode(match self.cfg.tls {
            TlsMode::Disable => SslMode::Disable,
            TlsMode::Prefer => SslMode::Prefer,
            TlsMode::Require | TlsMode::Verify => SslMode::Require,
        });
        if pg.get_connect_timeout().is_none() {
            pg.connect_timeout(Duration::from_secs(10));
        }
        let tls = tls_connector(self.cfg.tls)?;
        let manager = Manager::from_config(
            pg.clone(),
            tls.clone(),
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pg_pool = Pool::builder(manager)
            .max_size(self.cfg.pool.writers + 1)
            .runtime(Runtime::Tokio1)
            .create_timeout(Some(Duration::from_secs(10)))
            .wait_timeout(Some(self.cfg.pool.write_timeout))
            .build()
            .map_err(|e| anyhow::anyhow!("cannot build the TimescaleDB connection pool: {e}"))?;
        let setup = Arc::new(Setup {
            cfg: pg,
            tls,
            board: self.board.clone(),
            done: tokio::sync::Mutex::new(None),
        });
        // Set up now if the server is there (xk6 only logs when it is not: so does rk6, and
        // the first write that reaches the server sets up instead).
        let what = format!("setting up the tables at {}", self.cfg.addr);
        if let Some(Err(outcome)) = startup_check(&rt, NAME, &what, setup.ensure()) {
            tracing::warn!(
                "TimescaleDB at {}: setting up the tables failed for now: {outcome:?}",
                self.cfg.addr
            );
        }
        let sink = SetupThenCopy {
            setup: setup.clone(),
            copy: TimescaleSink::new(pg_pool.clone()),
        };
        let pool = WriterPool::start(
            NAME,
            Arc::new(sink),
            self.cfg.pool.clone(),
            rt.handle().clone(),
        )?;
        if !self.board.is_empty() {
            let (setup, pg_pool, every) = (setup.clone(), pg_pool.clone(), self.cfg.push_interval);
            self.thresholds_task = Some(rt.spawn(async move {
                let mut tick = tokio::time::interval(every.max(Duration::from_millis(100)));
                loop {
                    tick.tick().await;
                    if let Err(e) = setup.write_thresholds(&pg_pool, false).await {
                        tracing::debug!("TimescaleDB: writing threshold state failed: {e}");
                    }
                }
            }));
        }
        self.setup = Some(setup);
        self.pg_pool = Some(pg_pool);
        self.pool = Some(pool);
        self.runtime = Some(rt);
        Ok(())
    }

    fn add_batch(&mut self, batch: &Arc<SampleBatch>) {
        let Some(pool) = self.pool.as_ref() else {
            self.unstarted += batch.len() as u64;
            return;
        };
        self.encoder.encode(batch, &mut self.scratch);
        pool.submit(&mut self.scratch);
    }

    fn stop_clock(&self) -> Option<Arc<dyn StopClock>> {
        stop_clock_of(self.pool.as_ref(), self.cfg.stop_timeout)
    }

    fn stop(&mut self, deadline: Duration) -> anyhow::Result<OutputReport> {
        let deadline = deadline.min(self.cfg.stop_timeout);
        let started = std::time::Instant::now();
        let pool = self.pool.take().map(|pool| pool.shutdown(deadline));
        let mut report = PoolReport::into_output_report(pool, NAME, self.unstarted);
        if let Some(task) = self.thresholds_task.take() {
            task.abort();
        }
        if let (Some(rt), Some(setup), Some(pg_pool)) =
            (&self.runtime, self.setup.take(), &self.pg_pool)
        {
            // The final verdicts, within what is left of the deadline.
            let left = deadline
                .saturating_sub(started.elapsed())
                .max(Duration::from_secs(1));
            let wrote = rt.block_on(async {
                tokio::time::timeout(left, setup.write_thresholds(pg_pool, true)).await
            });
            match wrote {
                Ok(Ok(())) => {}
                Ok(Err(e)) => report
                    .notes
                    .push(format!("threshold state not written: {e}")),
                Err(_) => report
                    .notes
                    .push("threshold state not written before the deadline".into()),
            }
        }
        if let Some(p) = self.pg_pool.take() {
            p.close();
        }
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(Duration::from_millis(100));
        }
        Ok(report)
    }
}
