//! The writer pool shared by every network output (Timestream, InfluxDB).
//!
//! An output encodes samples into sink records on its own thread and hands them to
//! [`WriterPool::submit`]. The pool keeps them in one bounded queue; `writers` OS threads take
//! batches of up to `max_batch` records (as soon as a batch is full, or when the oldest queued
//! record has waited `flush_interval`) and write them through the [`Sink`] on a private tokio
//! runtime. Each writer has at most one call in flight, so `writers` bounds the calls in flight.
//!
//! What happens to every sample is counted, in samples (a record carries a *weight*: the number
//! of samples it holds), so that at the end `produced = written + rejected + dropped` holds
//! exactly:
//! - **written**: the sink confirmed it;
//! - **rejected**: the sink (or the encoder, or a client-side validator) refused it for good
//!   (counted per reason; retrying would not help);
//! - **dropped**: given up without a verdict: the queue was full, retries were exhausted, or the
//!   shutdown deadline passed (also counted per reason).
//!
//! Queue overflow policy ([`OverflowPolicy`]): `Block(max_wait)` (default, 5 s) makes
//! `submit` wait up to `max_wait` for room, which slows the output thread (never the VUs: the
//! metrics engine feeds each output through its own bounded queue and counts what does not
//! fit there as dropped rather than wait) and drops only what still does not fit; `Drop`
//! never waits and drops immediately. Both count what they drop. The wait rides out a
//! throttled or briefly stalled sink (backoff reaches 5 s) without losing samples.
//!
//! Errors ([`WriteOutcome`]): `Retryable` (throttling, 5xx, timeouts, connection errors) is
//! retried with exponential backoff and full jitter up to `max_attempts`; `InvalidBatch` (the
//! whole request refused because of its content) is bisected until the bad records are
//! isolated and rejected one by one, so one bad record never costs the other 99; `Rejected`
//! (per-record permanent rejections) counts those and the rest as written; `Fatal` rejects the
//! batch with its reason.
//!
//! Shutdown ([`WriterPool::shutdown`]) flushes the queue regardless of the interval and stops
//! every retry, backoff and in-flight call at the deadline; whatever was not confirmed by then
//! is counted as dropped. The deadline is hard for the whole flush: [`WriterPool::stop_clock`]
//! lets the runner start it from its own thread the moment the test ends, while the output's
//! thread may still be handing the pool its backlog (and would otherwise wait for room in a
//! queue that a hung endpoint never drains); from then on nothing waits past it.
//!
//! Failed writes are logged while the test runs (k6's `Couldn't write stats`), at most once
//! every [`ERROR_LOG_INTERVAL`] per output, with the number of failures not shown since.

use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

/// A record a sink writes. Its weight is the number of samples it carries.
pub trait PoolRecord: Send + Sync + 'static {
    fn weight(&self) -> u64;
}

/// One record a sink refused for good, by its index in the batch passed to [`Sink::write`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    pub index: usize,
    pub reason: String,
}

/// The result of one write call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteOutcome {
    /// Every record was written.
    Ok,
    /// These records were refused permanently; all others were written.
    Rejected(Vec<Rejection>),
    /// The sink reports how many *samples* it refused but not which ones (InfluxDB's
    /// "partial write ... dropped=N"); the others were written.
    RejectedCount { count: u64, reason: String },
    /// Transient: throttling, 5xx, timeout, connection error. Retried with backoff.
    Retryable(String),
    /// The whole request was refused because of its content: split it to find the culprit.
    InvalidBatch(String),
    /// Permanent failure unrelated to the records' content (auth, missing table): the batch is
    /// rejected with this reason.
    Fatal(String),
}

/// The sink-specific half of a network output: how to write one batch.
pub trait Sink: Send + Sync + 'static {
    type Record: PoolRecord;
    /// Writes `batch` (never empty, at most `max_batch` records). Runs on the pool's runtime;
    /// the pool applies the write timeout and retries, so a sink should not retry itself.
    fn write<'a>(
        &'a self,
        batch: &'a [Self::Record],
    ) -> impl Future<Output = WriteOutcome> + Send + 'a;
}

/// What `submit` does when the queue is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverflowPolicy {
    /// Wait up to this long for room, then drop what still does not fit.
    Block(Duration),
    /// Drop what does not fit at once.
    Drop,
}

impl OverflowPolicy {
    /// `block:5s`, the default of every network output.
    pub const fn default_block() -> Self {
        OverflowPolicy::Block(DEFAULT_BLOCK_WAIT)
    }

    /// Parses `block`, `block:250ms`, `drop`.
    pub fn parse(s: &str) -> anyhow::Result<Self> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("drop") {
            return Ok(OverflowPolicy::Drop);
        }
        if s.eq_ignore_ascii_case("block") {
            return Ok(OverflowPolicy::Block(DEFAULT_BLOCK_WAIT));
        }
        if let Some(d) = s.strip_prefix("block:") {
            return Ok(OverflowPolicy::Block(parse_duration(d)?));
        }
        anyhow::bail!(
            "invalid queue overflow policy {s:?}: expected 'block', 'block:<duration>' or 'drop'"
        )
    }
}

const DEFAULT_BLOCK_WAIT: Duration = Duration::from_secs(5);

/// At most one `Couldn't write stats` line per output this often: an endpoint that is down
/// fails every call of every writer, and k6's one line per failed flush would bury the
/// script's own logs.
pub const ERROR_LOG_INTERVAL: Duration = Duration::from_secs(5);

/// Retries of `Retryable` outcomes: exponential backoff with full jitter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per batch including the first one (1 = no retry).
    pub max_attempts: u32,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// Delay before attempt `attempt + 1`: uniform in `[0, min(max, initial * 2^attempt)]`
    /// ("full jitter") so writers that failed together do not retry together.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let cap = self
            .initial_backoff
            .saturating_mul(1u32 << attempt.min(20))
            .min(self.max_backoff);
        let nanos = cap.as_nanos().min(u64::MAX as u128) as u64;
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(rand::random_range(0..=nanos))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct PoolConfig {
    /// Writer threads = calls in flight at most.
    pub writers: usize,
    /// Records per write call.
    pub max_batch: usize,
    /// A partly filled batch is written once its oldest record has waited this long.
    pub flush_interval: Duration,
    /// Records the queue holds at most.
    pub queue_capacity: usize,
    pub overflow: OverflowPolicy,
    /// One write call is abandoned (and retried) after this long.
    pub write_timeout: Duration,
    pub retry: RetryPolicy,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            writers: 4,
            max_batch: 100,
            flush_interval: Duration::from_secs(1),
            queue_capacity: 100_000,
            overflow: OverflowPolicy::default_block(),
            write_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
        }
    }
}

impl PoolConfig {
    /// rk6's own pool settings, shared by the network outputs: JSON `maxBatch`,
    /// `queueCapacity`, `queueFullPolicy`, `writeTimeout`, `maxAttempts`, or the environment
    /// variables `<env_prefix>MAX_BATCH`, `..._QUEUE_CAPACITY`, `..._QUEUE_FULL_POLICY`,
    /// `..._WRITE_TIMEOUT`, `..._MAX_ATTEMPTS`.
    pub fn apply_settings(&mut self, s: &Settings, env_prefix: &str) -> anyhow::Result<()> {
        let key = |name: &str| format!("{env_prefix}{name}");
        if let Some(n) = s.parse::<usize>("maxBatch", &key("MAX_BATCH"))? {
            anyhow::ensure!(n > 0, "{} must be positive", key("MAX_BATCH"));
            self.max_batch = n;
        }
        if let Some(n) = s.parse::<usize>("queueCapacity", &key("QUEUE_CAPACITY"))? {
            anyhow::ensure!(n > 0, "{} must be positive", key("QUEUE_CAPACITY"));
            self.queue_capacity = n;
        }
        if let Some(p) = s.get("queueFullPolicy", &key("QUEUE_FULL_POLICY")) {
            self.overflow = OverflowPolicy::parse(&p)?;
        }
        if let Some(d) = s.duration("writeTimeout", &key("WRITE_TIMEOUT"))? {
            self.write_timeout = d;
        }
        if let Some(n) = s.parse::<u32>("maxAttempts", &key("MAX_ATTEMPTS"))? {
            self.retry.max_attempts = n.max(1);
        }
        Ok(())
    }
}

/// The pool's final accounting, in samples.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PoolReport {
    pub produced: u64,
    pub written: u64,
    pub rejected: u64,
    pub dropped: u64,
    /// Reason -> samples, sorted by reason.
    pub rejected_reasons: Vec<(String, u64)>,
    pub dropped_reasons: Vec<(String, u64)>,
    /// Write calls made, including retries and bisection halves.
    pub write_calls: u64,
    pub retries: u64,
}

impl PoolReport {
    /// Summary lines for `OutputReport::notes`.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        for (reason, n) in &self.rejected_reasons {
            notes.push(format!("rejected {n}: {reason}"));
        }
        for (reason, n) in &self.dropped_reasons {
            notes.push(format!("dropped {n}: {reason}"));
        }
        notes
    }

    /// The output's final report: what never reached the pool because the output did not
    /// start (`unstarted` samples, all dropped) plus the pool's own accounting.
    pub fn into_output_report(
        pool: Option<Self>,
        name: &str,
        unstarted: u64,
    ) -> super::OutputReport {
        let mut report = super::OutputReport {
            name: name.into(),
            produced: unstarted,
            dropped: unstarted,
            ..super::OutputReport::default()
        };
        if unstarted > 0 {
            report
                .notes
                .push(format!("dropped {unstarted}: output not started"));
        }
        if let Some(r) = pool {
            report.produced += r.produced;
            report.written += r.written;
            report.rejected += r.rejected;
            report.dropped += r.dropped;
            report.notes.extend(r.notes());
        }
        report
    }
}

/// Distinct reasons kept per kind; more are folded into one line so a flood of unique
/// messages cannot grow memory.
const MAX_REASONS: usize = 32;
const MAX_REASON_LEN: usize = 300;

#[derive(Default)]
struct Stats {
    produced: AtomicU64,
    written: AtomicU64,
    rejected: AtomicU64,
    dropped: AtomicU64,
    write_calls: AtomicU64,
    retries: AtomicU64,
    /// Weight taken from the queue by writers and not yet accounted: lets `shutdown` account
    /// for a batch whose writer thread died.
    in_flight: AtomicU64,
    rejected_reasons: Mutex<BTreeMap<String, u64>>,
    dropped_reasons: Mutex<BTreeMap<String, u64>>,
}

fn add_reason(map: &Mutex<BTreeMap<String, u64>>, reason: &str, n: u64) {
    let mut reason = reason.trim();
    if reason.len() > MAX_REASON_LEN {
        let mut cut = MAX_REASON_LEN;
        while !reason.is_char_boundary(cut) {
            cut -= 1;
        }
        reason = &reason[..cut];
    }
    let mut map = map.lock();
    if let Some(v) = map.get_mut(reason) {
        *v += n;
    } else if map.len() < MAX_REASONS {
        map.insert(reason.to_string(), n);
    } else {
        *map.entry("(other reasons)".to_string()).or_insert(0) += n;
    }
}

impl Stats {
    fn reject(&self, n: u64, reason: &str) {
        if n == 0 {
            return;
        }
        self.rejected.fetch_add(n, Ordering::Relaxed);
        add_reason(&self.rejected_reasons, reason, n);
    }

    fn drop_samples(&self, n: u64, reason: &str) {
        if n == 0 {
            return;
        }
        self.dropped.fetch_add(n, Ordering::Relaxed);
        add_reason(&self.dropped_reasons, reason, n);
    }

    fn write(&self, n: u64) {
        self.written.fetch_add(n, Ordering::Relaxed);
    }
}

struct Queue<R> {
    items: VecDeque<R>,
    /// When the oldest record still queued was enqueued (approximately: reset only when
    /// the queue empties, so leftovers of a taken batch are flushed early rather than late).
    oldest: Option<Instant>,
    closing: bool,
    deadline: Option<Instant>,
}

struct Shared<R> {
    queue: Mutex<Queue<R>>,
    /// Writers wait here for work.
    has_work: Condvar,
    /// Producers wait here for room.
    has_room: Condvar,
    /// Backoff sleeps wait here so that shutdown can cut them short.
    wake: Condvar,
    wake_lock: Mutex<()>,
    /// The shutdown deadline once shutdown begins, for calls in flight: a call that has not
    /// answered by then is abandoned (its records counted as dropped), so the deadline holds
    /// even while a stalled endpoint keeps a call open for its whole write timeout.
    deadline_watch: tokio::sync::watch::Sender<Option<Instant>>,
    cfg: PoolConfig,
    stats: Stats,
    errors: ErrorLog,
}

/// The rate-limited `Couldn't write stats` lines of one output.
struct ErrorLog {
    output: String,
    /// When the last line was written, and the failures not shown since.
    state: Mutex<(Option<Instant>, u64)>,
}

impl ErrorLog {
    fn failed(&self, error: &str) {
        let now = Instant::now();
        let mut state = self.state.lock();
        if state.0.is_some_and(|t| now < t + ERROR_LOG_INTERVAL) {
            state.1 += 1;
            return;
        }
        let not_shown = std::mem::take(&mut state.1);
        state.0 = Some(now);
        drop(state);
        let not_shown = not_shown.to_string();
        let mut fields = vec![("error", error), ("output", self.output.as_str())];
        if not_shown != "0" {
            fields.push(("failures_not_shown", not_shown.as_str()));
        }
        crate::js::console::log(
            crate::js::console::Level::Error,
            "Couldn't write stats",
            &fields,
        );
    }
}

impl<R> Shared<R> {
    fn deadline(&self) -> Option<Instant> {
        self.queue.lock().deadline
    }

    /// Sets (or brings forward) the deadline of the flush and wakes every wait that must
    /// respect it.
    fn set_deadline(&self, at: Instant, closing: bool) -> Instant {
        let mut q = self.queue.lock();
        let at = q.deadline.map_or(at, |d| d.min(at));
        q.deadline = Some(at);
        q.closing |= closing;
        self.deadline_watch.send_replace(Some(at));
        drop(q);
        self.has_work.notify_all();
        self.has_room.notify_all();
        let _g = self.wake_lock.lock();
        self.wake.notify_all();
        at
    }

    /// Sleeps until `until` or until shutdown begins, whichever is first.
    fn sleep_until(&self, until: Instant) {
        let mut guard = self.wake_lock.lock();
        loop {
            let now = Instant::now();
            if now >= until {
                return;
            }
            let limit = match self.deadline() {
                Some(d) if d <= now => return,
                Some(d) => d.min(until),
                None => until,
            };
            if self.wake.wait_until(&mut guard, limit).timed_out() && limit == until {
                return;
            }
        }
    }
}

/// The pool. Create it with [`WriterPool::start`], feed it with [`WriterPool::submit`], end it
/// with [`WriterPool::shutdown`].
pub struct WriterPool<R: PoolRecord> {
    shared: Arc<Shared<R>>,
    threads: Vec<JoinHandle<()>>,
}

/// A private runtime for a network output's I/O: one worker thread drives sockets and timers;
/// the writer threads poll their calls themselves through `Handle::block_on`.
pub fn io_runtime(name: &str) -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(format!("rk6-{name}-io"))
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the {name} output's I/O runtime: {e}"))
}

/// How long an output's start-up check (creating its database or tables, describing its table)
/// may hold back the start of the test.
pub const STARTUP_CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// Runs a network output's start-up check on its runtime, for [`STARTUP_CHECK_TIMEOUT`] at the
/// most, whatever the output's write timeout: an endpoint that accepts connections and never
/// answers must not keep the test from starting. `None` (the check did not answer in time) is
/// said loudly; the output then starts as it would after a failed check, and its writes tell
/// the rest: their failures are logged while the test runs and every sample not written is
/// counted in the output's end-of-test accounting.
pub fn startup_check<T>(
    rt: &tokio::runtime::Runtime,
    output: &str,
    what: &str,
    check: impl Future<Output = T>,
) -> Option<T> {
    // The timer is made inside the runtime, which it needs.
    let answered = rt.block_on(async { tokio::time::timeout(STARTUP_CHECK_TIMEOUT, check).await });
    if answered.is_err() {
        let message = format!(
            "{what} got no answer within {}s at start-up; the test starts anyway, failed writes \
             are logged while it runs and samples not written are counted at the end",
            STARTUP_CHECK_TIMEOUT.as_secs()
        );
        crate::js::console::log(
            crate::js::console::Level::Warn,
            &message,
            &[("output", output)],
        );
    }
    answered.ok()
}

/// [`Output::stop_clock`](crate::output::Output::stop_clock) of an output that writes
/// through `pool` (none before it started).
pub fn stop_clock_of<R: PoolRecord>(
    pool: Option<&WriterPool<R>>,
    stop_timeout: Duration,
) -> Option<Arc<dyn StopClock>> {
    pool.map(|pool| pool.stop_clock(stop_timeout))
}

impl<R: PoolRecord> WriterPool<R> {
    pub fn start<S: Sink<Record = R>>(
        name: &str,
        sink: Arc<S>,
        mut cfg: PoolConfig,
        rt: tokio::runtime::Handle,
    ) -> anyhow::Result<Self> {
        cfg.writers = cfg.writers.max(1);
        cfg.max_batch = cfg.max_batch.max(1);
        cfg.queue_capacity = cfg.queue_capacity.max(cfg.max_batch);
        cfg.retry.max_attempts = cfg.retry.max_attempts.max(1);
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue {
                items: VecDeque::with_capacity(cfg.queue_capacity.min(1 << 16)),
                oldest: None,
                closing: false,
                deadline: None,
            }),
            has_work: Condvar::new(),
            has_room: Condvar::new(),
            wake: Condvar::new(),
            wake_lock: Mutex::new(()),
            deadline_watch: tokio::sync::watch::Sender::new(None),
            cfg,
            stats: Stats::default(),
            errors: ErrorLog {
                output: name.to_string(),
                state: Mutex::new((None, 0)),
            },
        });
        let mut threads = Vec::with_capacity(shared.cfg.writers);
        for i in 0..shared.cfg.writers {
            let shared = shared.clone();
            let sink = sink.clone();
            let rt = rt.clone();
            let handle = std::thread::Builder::new()
                .name(format!("rk6-{name}-writer-{i}"))
                .spawn(move || writer_loop(&shared, &*sink, &rt))
                .map_err(|e| anyhow::anyhow!("cannot start a {name} writer thread: {e}"))?;
            threads.push(handle);
        }
        Ok(WriterPool { shared, threads })
    }

    pub fn config(&self) -> &PoolConfig {
        &self.shared.cfg
    }

    /// The handle through which the runner starts this pool's stop deadline
    /// (`stop_timeout` after the end of the test) from its own thread.
    pub fn stop_clock(&self, stop_timeout: Duration) -> Arc<dyn StopClock> {
        Arc::new(PoolStopClock {
            shared: self.shared.clone(),
            stop_timeout,
        })
    }

    /// Queues `records` (draining the vector, which keeps its capacity for reuse). Never
    /// waits longer than the overflow policy allows; what does not fit is counted as dropped.
    pub fn submit(&self, records: &mut Vec<R>) {
        if records.is_empty() {
            return;
        }
        let total: u64 = records.iter().map(PoolRecord::weight).sum();
        let stats = &self.shared.stats;
        stats.produced.fetch_add(total, Ordering::Relaxed);
        let cap = self.shared.cfg.queue_capacity;
        let mut q = self.shared.queue.lock();
        let late = q.deadline.is_some_and(|d| Instant::now() >= d);
        if q.closing || late {
            drop(q);
            let reason = if late {
                "not written before the shutdown deadline"
            } else {
                "submitted after shutdown began"
            };
            stats.drop_samples(total, reason);
            records.clear();
            return;
        }
        if q.items.len() + records.len() > cap
            && let OverflowPolicy::Block(max_wait) = self.shared.cfg.overflow
        {
            // Never past the stop deadline once the test has ended.
            let mut until = Instant::now() + max_wait;
            while q.items.len() + records.len() > cap && !q.closing {
                if let Some(d) = q.deadline {
                    until = until.min(d);
                }
                if self.shared.has_room.wait_until(&mut q, until).timed_out() {
                    break;
                }
            }
        }
        let room = cap.saturating_sub(q.items.len());
        let was_empty = q.items.is_empty();
        let mut dropped = 0u64;
        for (i, r) in records.drain(..).enumerate() {
            if i < room {
                q.items.push_back(r);
            } else {
                dropped += r.weight();
            }
        }
        if was_empty && !q.items.is_empty() {
            q.oldest = Some(Instant::now());
        }
        let len = q.items.len();
        drop(q);
        if was_empty || len >= self.shared.cfg.max_batch {
            self.shared.has_work.notify_one();
        }
        stats.drop_samples(dropped, "queue full");
    }

    /// Accounts samples the encoder could not turn into records (e.g. a NaN value).
    pub fn reject_unencodable(&self, samples: u64, reason: &str) {
        self.shared
            .stats
            .produced
            .fetch_add(samples, Ordering::Relaxed);
        self.shared.stats.reject(samples, reason);
    }

    /// Snapshot of the counters (for progress output and tests).
    pub fn snapshot(&self) -> PoolReport {
        report_of(&self.shared.stats)
    }

    /// Flushes the queue within `deadline` (or the stop clock's deadline, if earlier), stops
    /// the writers and reports.
    pub fn shutdown(mut self, deadline: Duration) -> PoolReport {
        self.shared.set_deadline(Instant::now() + deadline, true);
        for t in self.threads.drain(..) {
            if t.join().is_err() {
                crate::js::console::error("an output writer thread panicked");
            }
        }
        let stats = &self.shared.stats;
        let left: u64 = {
            let mut q = self.shared.queue.lock();
            q.items.drain(..).map(|r| r.weight()).sum()
        };
        stats.drop_samples(left, "not written before the shutdown deadline");
        let lost = stats.in_flight.swap(0, Ordering::Relaxed);
        stats.drop_samples(lost, "writer thread failed");
        // The runner prints what was lost, with the reasons.
        report_of(stats)
    }
}

impl<R: PoolRecord> Drop for WriterPool<R> {
    fn drop(&mut self) {
        if self.threads.is_empty() {
            return;
        }
        // Dropped without shutdown (error path): stop the writers without waiting for them.
        self.shared.set_deadline(Instant::now(), true);
    }
}

fn report_of(stats: &Stats) -> PoolReport {
    PoolReport {
        produced: stats.produced.load(Ordering::Relaxed),
        written: stats.written.load(Ordering::Relaxed),
        rejected: stats.rejected.load(Ordering::Relaxed),
        dropped: stats.dropped.load(Ordering::Relaxed),
        rejected_reasons: stats
            .rejected_reasons
            .lock()
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect(),
        dropped_reasons: stats
            .dropped_reasons
            .lock()
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect(),
        write_calls: stats.write_calls.load(Ordering::Relaxed),
        retries: stats.retries.load(Ordering::Relaxed),
    }
}

/// Starts an output's stop deadline from another thread than the output's own.
pub trait StopClock: Send + Sync {
    /// The test ended: the output has until `cap` at the latest to write what it holds.
    /// Returns the deadline it keeps, which may be earlier (its own stop timeout).
    fn start(&self, cap: Instant) -> Instant;
}

struct PoolStopClock<R> {
    shared: Arc<Shared<R>>,
    stop_timeout: Duration,
}

impl<R: PoolRecord> StopClock for PoolStopClock<R> {
    fn start(&self, cap: Instant) -> Instant {
        self.shared
            .set_deadline(cap.min(Instant::now() + self.stop_timeout), false)
    }
}

/// Takes the next batch, waiting for a full batch, the flush interval or shutdown. `None` once
/// the pool is closing and the queue is empty.
fn next_batch<R>(shared: &Shared<R>, out: &mut Vec<R>) -> bool {
    let cfg = &shared.cfg;
    let mut q = shared.queue.lock();
    loop {
        let len = q.items.len();
        let due = match q.oldest {
            Some(t) => t.elapsed() >= cfg.flush_interval,
            None => false,
        };
        // Once the stop clock runs, partial batches go out at once.
        let flushing = q.closing || q.deadline.is_some();
        if len >= cfg.max_batch || (len > 0 && (flushing || due)) {
            let n = len.min(cfg.max_batch);
            out.extend(q.items.drain(..n));
            if q.items.is_empty() {
                q.oldest = None;
            } else {
                // More work is left: let another writer start on it right away.
                shared.has_work.notify_one();
            }
            drop(q);
            shared.has_room.notify_all();
            return true;
        }
        if q.closing {
            return false;
        }
        match q.oldest {
            Some(t) => {
                let until = t + cfg.flush_interval;
                shared.has_work.wait_until(&mut q, until);
            }
            None => shared.has_work.wait(&mut q),
        }
    }
}

fn writer_loop<S: Sink>(shared: &Shared<S::Record>, sink: &S, rt: &tokio::runtime::Handle) {
    let mut batch: Vec<S::Record> = Vec::with_capacity(shared.cfg.max_batch);
    while next_batch(shared, &mut batch) {
        let weight: u64 = batch.iter().map(PoolRecord::weight).sum();
        shared.stats.in_flight.fetch_add(weight, Ordering::Relaxed);
        write_batch(shared, sink, rt, &batch);
        shared.stats.in_flight.fetch_sub(weight, Ordering::Relaxed);
        batch.clear();
    }
}

fn weight_of<R: PoolRecord>(records: &[R]) -> u64 {
    records.iter().map(PoolRecord::weight).sum()
}

/// Writes one batch to completion: retries, bisection and accounting of every record.
fn write_batch<S: Sink>(
    shared: &Shared<S::Record>,
    sink: &S,
    rt: &tokio::runtime::Handle,
    batch: &[S::Record],
) {
    let cfg = &shared.cfg;
    let stats = &shared.stats;
    // (start, end, attempt); popped from the end, so the first half of a split goes last in.
    let mut work: Vec<(usize, usize, u32)> = vec![(0, batch.len(), 0)];
    while let Some((start, end, attempt)) = work.pop() {
        let part = &batch[start..end];
        let deadline = shared.deadline();
        let mut timeout = cfg.write_timeout;
        if let Some(d) = deadline {
            let left = d.saturating_duration_since(Instant::now());
            if left.is_zero() {
                stats.drop_samples(weight_of(part), "not written before the shutdown deadline");
                continue;
            }
            timeout = timeout.min(left);
        }
        stats.write_calls.fetch_add(1, Ordering::Relaxed);
        let mut shutdown = shared.deadline_watch.subscribe();
        let outcome = rt.block_on(async {
            tokio::select! {
                r = tokio::time::timeout(timeout, sink.write(part)) => Some(r),
                () = shutdown_deadline(&mut shutdown) => None,
            }
        });
        let Some(outcome) = outcome else {
            stats.drop_samples(weight_of(part), "not written before the shutdown deadline");
            continue;
        };
        let outcome = outcome.unwrap_or_else(|_| {
            WriteOutcome::Retryable(format!("write timed out after {timeout:?}"))
        });
        match &outcome {
            WriteOutcome::Ok => {}
            WriteOutcome::Rejected(r) => {
                if let Some(first) = r.first() {
                    shared.errors.failed(&first.reason);
                }
            }
            WriteOutcome::RejectedCount { reason: e, .. }
            | WriteOutcome::Retryable(e)
            | WriteOutcome::InvalidBatch(e)
            | WriteOutcome::Fatal(e) => shared.errors.failed(e),
        }
        match outcome {
            WriteOutcome::Ok => stats.write(weight_of(part)),
            WriteOutcome::Rejected(rejections) => {
                let mut seen = vec![false; part.len()];
                for r in &rejections {
                    if r.index < part.len() && !seen[r.index] {
                        seen[r.index] = true;
                        stats.reject(part[r.index].weight(), &r.reason);
                    }
                }
                let ok: u64 = part
                    .iter()
                    .zip(&seen)
                    .filter(|(_, s)| !**s)
                    .map(|(r, _)| r.weight())
                    .sum();
                stats.write(ok);
            }
            WriteOutcome::RejectedCount { count, reason } => {
                let w = weight_of(part);
                let bad = count.min(w);
                stats.reject(bad, &reason);
                stats.write(w - bad);
            }
            WriteOutcome::Retryable(err) => {
                if attempt + 1 >= cfg.retry.max_attempts {
                    stats.drop_samples(
                        weight_of(part),
                        &format!("gave up after {} attempts: {err}", attempt + 1),
                    );
                    continue;
                }
                tracing::debug!(attempt, error = %err, "retrying output write");
                stats.retries.fetch_add(1, Ordering::Relaxed);
                shared.sleep_until(Instant::now() + cfg.retry.backoff(attempt));
                work.push((start, end, attempt + 1));
            }
            WriteOutcome::InvalidBatch(err) => {
                if part.len() == 1 {
                    stats.reject(part[0].weight(), &err);
                } else {
                    let mid = start + part.len() / 2;
                    work.push((mid, end, 0));
                    work.push((start, mid, 0));
                }
            }
            WriteOutcome::Fatal(err) => stats.reject(weight_of(part), &err),
        }
    }
}

/// Resolves when the shutdown deadline (once set) has passed; never before shutdown begins.
async fn shutdown_deadline(rx: &mut tokio::sync::watch::Receiver<Option<Instant>>) {
    loop {
        let deadline = *rx.borrow_and_update();
        if let Some(d) = deadline {
            tokio::time::sleep_until(d.into()).await;
            return;
        }
        if rx.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Makes times unique per series. Timestream and InfluxDB keep one value per (series,
/// time): a second sample of the same series at the same instant (two equal checks in one
/// instant, two VUs' identical requests finishing in the same nanosecond) would be rejected
/// or would overwrite the first. [`UniqueTimes::take`] returns the first unused time at or
/// after the sample's, stepping by the sink's time unit, so a burst of n equal times becomes
/// t, t+1, ..., t+n-1 units. It remembers the last 8 runs of consecutive used times per series.
#[derive(Default)]
pub struct UniqueTimes {
    series: std::collections::HashMap<u64, RecentRuns>,
}

/// Series remembered at most; beyond that the memory is cleared (a test with unbounded tag
/// values must not grow memory without bound).
const MAX_SERIES_REMEMBERED: usize = 200_000;

impl UniqueTimes {
    /// `series` identifies the series (dimensions and measure); `t` and `unit` are in the same
    /// unit (e.g. nanoseconds and 1, or nanoseconds and 1_000_000 for millisecond precision,
    /// with `t` a multiple of `unit`).
    pub fn take(&mut self, series: u64, t: i64, unit: i64) -> i64 {
        if self.series.len() > MAX_SERIES_REMEMBERED {
            self.series.clear();
        }
        self.series.entry(series).or_default().take(t, unit.max(1))
    }
}

/// The last few runs of consecutive times used by one series (`[lo, hi]`, inclusive): a burst
/// of equal times becomes one run `t, t+1, t+2, ...`, so a burst of any length stays unique.
#[derive(Default)]
struct RecentRuns {
    runs: [(i64, i64); 8],
    len: u8,
    next: u8,
}

impl RecentRuns {
    fn run_of(&self, t: i64) -> Option<usize> {
        self.runs[..self.len as usize]
            .iter()
            .position(|&(lo, hi)| lo <= t && t <= hi)
    }

    /// Returns the first unused time at or after `t` and marks it used.
    fn take(&mut self, t: i64, unit: i64) -> i64 {
        let mut t = t;
        loop {
            match self.run_of(t) {
                Some(i) => {
                    t = self.runs[i].1.saturating_add(unit);
                    if self.run_of(t).is_none() {
                        self.runs[i].1 = t;
                        return t;
                    }
                }
                None => {
                    self.runs[self.next as usize] = (t, t);
                    self.next = (self.next + 1) % self.runs.len() as u8;
                    self.len = (self.len + 1).min(self.runs.len() as u8);
                    return t;
                }
            }
        }
    }
}

/// Layered settings of one output: defaults < the `-c` JSON config file < environment. (Each
/// output applies its `--out name=ARG` argument on top.)
///
/// The JSON section of output `name` is `{"collectors": {"<name>": {...}}}` (the key k6 uses
/// for its outputs' JSON config); `{"outputs": {"<name>": {...}}}` is accepted as well and wins
/// over `collectors` when both are present.
pub struct Settings<'a> {
    json: Option<&'a serde_json::Map<String, serde_json::Value>>,
    env: &'a std::collections::HashMap<String, String>,
}

impl<'a> Settings<'a> {
    pub fn new(ctx: &'a super::OutputContext, name: &str) -> Self {
        let json = ctx.config_file.as_ref().and_then(|c| {
            ["outputs", "collectors"].iter().find_map(|k| {
                c.get(*k)
                    .and_then(|s| s.get(name))
                    .and_then(|v| v.as_object())
            })
        });
        Settings {
            json,
            env: &ctx.env,
        }
    }

    /// The raw value: the environment variable `env_key` if set, else the JSON key (numbers
    /// and booleans as text, arrays joined with ','), else `None`.
    pub fn get(&self, json_key: &str, env_key: &str) -> Option<String> {
        if let Some(v) = self.env.get(env_key) {
            return Some(v.clone());
        }
        let v = self.json?.get(json_key)?;
        json_text(v)
    }

    /// The JSON value of `json_key` as written (for objects such as a map of headers).
    pub fn json_value(&self, json_key: &str) -> Option<&'a serde_json::Value> {
        self.json?.get(json_key)
    }

    /// Every environment variable whose name starts with `prefix`, prefix removed, sorted.
    pub fn env_with_prefix(&self, prefix: &str) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = self
            .env
            .iter()
            .filter_map(|(k, v)| k.strip_prefix(prefix).map(|k| (k.to_string(), v.clone())))
            .collect();
        v.sort();
        v
    }

    pub fn parse<T: std::str::FromStr>(
        &self,
        json_key: &str,
        env_key: &str,
    ) -> anyhow::Result<Option<T>>
    where
        T::Err: std::fmt::Display,
    {
        match self.get(json_key, env_key) {
            None => Ok(None),
            Some(s) => s.trim().parse().map(Some).map_err(|e| {
                anyhow::anyhow!("invalid value {s:?} for {env_key} ({json_key}): {e}")
            }),
        }
    }

    pub fn bool(&self, json_key: &str, env_key: &str) -> anyhow::Result<Option<bool>> {
        match self.get(json_key, env_key) {
            None => Ok(None),
            Some(s) => parse_bool(&s).map(Some).ok_or_else(|| {
                anyhow::anyhow!(
                    "invalid value {s:?} for {env_key} ({json_key}): expected true or false"
                )
            }),
        }
    }

    pub fn duration(&self, json_key: &str, env_key: &str) -> anyhow::Result<Option<Duration>> {
        match self.get(json_key, env_key) {
            None => Ok(None),
            Some(s) => parse_duration(&s)
                .map(Some)
                .map_err(|e| anyhow::anyhow!("invalid value for {env_key} ({json_key}): {e}")),
        }
    }
}

fn json_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(a) => {
            Some(a.iter().filter_map(json_text).collect::<Vec<_>>().join(","))
        }
        other => Some(other.to_string()),
    }
}

pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" | "" => Some(false),
        _ => None,
    }
}

/// Parses k6-style durations: `500ms`, `1s`, `1m30s`, `2h`, `250us`, or a bare number of
/// milliseconds (k6 accepts bare numbers as milliseconds in its config).
pub fn parse_duration(s: &str) -> anyhow::Result<Duration> {
    let s = s.trim();
    if s.is_empty() {
        anyhow::bail!("empty duration");
    }
    if let Ok(ms) = s.parse::<f64>() {
        if !(ms.is_finite() && ms >= 0.0) {
            anyhow::bail!("invalid duration {s:?}");
        }
        return Ok(Duration::from_secs_f64(ms / 1000.0));
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| anyhow::anyhow!("invalid duration {s:?}: missing unit"))?;
        if num_end == 0 {
            anyhow::bail!("invalid duration {s:?}");
        }
        let n: f64 = rest[..num_end]
            .parse()
            .map_err(|_| anyhow::anyhow!("invalid duration {s:?}"))?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_end];
        rest = &rest[unit_end..];
        let secs = match unit {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            _ => anyhow::bail!("invalid duration {s:?}: unknown unit {unit:?}"),
        };
        total += n * secs;
    }
    Ok(Duration::from_secs_f64(total))
}

/// An [`super::OutputContext`] for unit tests of the outputs.
#[cfg(test)]
pub(crate) fn test_context(
    env: &[(&str, &str)],
    json: Option<serde_json::Value>,
) -> super::OutputContext {
    use crate::metrics::registry::{BuiltinMetrics, Registry, ThresholdIndex};
    let registry = Registry::new(ThresholdIndex::default());
    let _ = BuiltinMetrics::register(&registry);
    super::OutputContext {
        registry: Arc::new(registry),
        test_run_id: "run-1".into(),
        instance_id: None,
        config_file: json,
        env: Arc::new(
            env.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        ),
        thresholds: Arc::default(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// A record of the mock sink: an id and a weight.
    #[derive(Clone, Debug)]
    pub(crate) struct Rec {
        pub id: u64,
        pub weight: u64,
    }

    impl PoolRecord for Rec {
        fn weight(&self) -> u64 {
            self.weight
        }
    }

    type Script = dyn Fn(usize, &[Rec]) -> Option<WriteOutcome> + Send + Sync;

    /// A sink whose behaviour per call is scripted: `script(call_no, batch)` returns the
    /// outcome, or `None` to hang forever (a stalled endpoint).
    pub(crate) struct MockSink {
        calls: AtomicUsize,
        script: Box<Script>,
        pub written_ids: Mutex<Vec<u64>>,
        pub max_seen_batch: AtomicUsize,
    }

    impl MockSink {
        fn new(
            script: impl Fn(usize, &[Rec]) -> Option<WriteOutcome> + Send + Sync + 'static,
        ) -> Arc<Self> {
            Arc::new(MockSink {
                calls: AtomicUsize::new(0),
                script: Box::new(script),
                written_ids: Mutex::new(Vec::new()),
                max_seen_batch: AtomicUsize::new(0),
            })
        }
    }

    impl Sink for MockSink {
        type Record = Rec;
        async fn write(&self, batch: &[Rec]) -> WriteOutcome {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            self.max_seen_batch.fetch_max(batch.len(), Ordering::SeqCst);
            match (self.script)(n, batch) {
                Some(o) => {
                    if o == WriteOutcome::Ok {
                        self.written_ids.lock().extend(batch.iter().map(|r| r.id));
                    }
                    o
                }
                None => std::future::pending().await,
            }
        }
    }

    fn fast_cfg() -> PoolConfig {
        PoolConfig {
            writers: 3,
            max_batch: 100,
            flush_interval: Duration::from_millis(20),
            queue_capacity: 10_000,
            overflow: OverflowPolicy::Block(Duration::from_secs(5)),
            write_timeout: Duration::from_millis(200),
            retry: RetryPolicy {
                max_attempts: 4,
                initial_backoff: Duration::from_millis(1),
                max_backoff: Duration::from_millis(5),
            },
        }
    }

    fn run(sink: Arc<MockSink>, cfg: PoolConfig, n: u64, deadline: Duration) -> PoolReport {
        let rt = io_runtime("test").unwrap();
        let pool = WriterPool::start("test", sink, cfg, rt.handle().clone()).unwrap();
        let mut buf = Vec::new();
        for chunk in (0..n).collect::<Vec<_>>().chunks(7) {
            buf.extend(chunk.iter().map(|&id| Rec {
                id,
                weight: 1 + id % 3,
            }));
            pool.submit(&mut buf);
        }
        let r = pool.shutdown(deadline);
        assert_eq!(r.produced, r.written + r.rejected + r.dropped, "{r:?}");
        assert_eq!(r.produced, (0..n).map(|id| 1 + id % 3).sum::<u64>());
        r
    }

    #[test]
    fn all_written_in_batches_of_at_most_max() {
        let sink = MockSink::new(|_, _| Some(WriteOutcome::Ok));
        let r = run(sink.clone(), fast_cfg(), 1000, Duration::from_secs(10));
        assert_eq!(r.written, r.produced);
        assert!(sink.max_seen_batch.load(Ordering::SeqCst) <= 100);
        let mut ids = sink.written_ids.lock().clone();
        ids.sort_unstable();
        assert_eq!(ids, (0..1000).collect::<Vec<_>>());
    }

    #[test]
    fn throttling_and_5xx_are_retried() {
        // Every call fails twice (throttle, then 503) before succeeding: nothing is lost.
        let sink = MockSink::new(|n, _| {
            Some(match n % 3 {
                0 => WriteOutcome::Retryable("ThrottlingException".into()),
                1 => WriteOutcome::Retryable("HTTP 503".into()),
                _ => WriteOutcome::Ok,
            })
        });
        let mut cfg = fast_cfg();
        cfg.writers = 1;
        cfg.retry.max_attempts = 10;
        let r = run(sink, cfg, 500, Duration::from_secs(30));
        assert_eq!(r.written, r.produced);
        assert!(r.retries > 0);
    }

    #[test]
    fn retries_exhausted_are_dropped_with_reason() {
        let sink = MockSink::new(|_, _| Some(WriteOutcome::Retryable("HTTP 500".into())));
        let r = run(sink, fast_cfg(), 50, Duration::from_secs(10));
        assert_eq!(r.written, 0);
        assert_eq!(r.dropped, r.produced);
        assert!(
            r.dropped_reasons[0]
                .0
                .contains("gave up after 4 attempts: HTTP 500")
        );
    }

    #[test]
    fn rejected_records_are_counted_and_the_rest_written() {
        // 419-style: records whose id % 10 == 0 are rejected, the rest ingested.
        let sink = MockSink::new(|_, batch| {
            let rej: Vec<Rejection> = batch
                .iter()
                .enumerate()
                .filter(|(_, r)| r.id % 10 == 0)
                .map(|(i, _)| Rejection {
                    index: i,
                    reason: "duplicate".into(),
                })
                .collect();
            Some(if rej.is_empty() {
                WriteOutcome::Ok
            } else {
                WriteOutcome::Rejected(rej)
            })
        });
        let r = run(sink, fast_cfg(), 1000, Duration::from_secs(10));
        let expected: u64 = (0..1000).filter(|i| i % 10 == 0).map(|i| 1 + i % 3).sum();
        assert_eq!(r.rejected, expected);
        assert_eq!(r.written, r.produced - expected);
        assert_eq!(
            r.rejected_reasons,
            vec![("duplicate".to_string(), expected)]
        );
    }

    #[test]
    fn validation_error_bisects_to_the_bad_records() {
        // The whole batch fails while it contains id 37 or id 512.
        let sink = MockSink::new(|_, batch| {
            Some(if batch.iter().any(|r| r.id == 37 || r.id == 512) {
                WriteOutcome::InvalidBatch("ValidationException".into())
            } else {
                WriteOutcome::Ok
            })
        });
        let r = run(sink.clone(), fast_cfg(), 1000, Duration::from_secs(10));
        assert_eq!(r.rejected, (1 + 37 % 3) + (1 + 512 % 3));
        assert_eq!(r.written, r.produced - r.rejected);
        let ids = sink.written_ids.lock();
        assert!(!ids.contains(&37) && !ids.contains(&512));
        assert_eq!(ids.len(), 998);
    }

    #[test]
    fn stalled_endpoint_is_bounded_by_the_deadline() {
        // The endpoint never answers: each call times out; shutdown ends it all.
        let sink = MockSink::new(|_, _| None);
        let mut cfg = fast_cfg();
        cfg.write_timeout = Duration::from_secs(3600);
        cfg.retry.max_attempts = u32::MAX;
        let r = run(sink, cfg, 300, Duration::from_millis(300));
        assert_eq!(r.written, 0);
        assert_eq!(r.dropped, r.produced);
        assert!(
            r.dropped_reasons
                .iter()
                .all(|(reason, _)| reason.contains("shutdown deadline")),
            "{r:?}"
        );
    }

    #[test]
    fn shutdown_deadline_abandons_calls_in_flight() {
        // Calls are already in flight (and would wait an hour) when shutdown begins: the
        // deadline still ends them.
        let sink = MockSink::new(|_, _| None);
        let mut cfg = fast_cfg();
        cfg.write_timeout = Duration::from_secs(3600);
        let rt = io_runtime("test").unwrap();
        let pool = WriterPool::start("test", sink.clone(), cfg, rt.handle().clone()).unwrap();
        let mut buf: Vec<Rec> = (0..300).map(|id| Rec { id, weight: 1 }).collect();
        pool.submit(&mut buf);
        while sink.calls.load(Ordering::SeqCst) < 3 {
            std::thread::sleep(Duration::from_millis(5));
        }
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(pool.shutdown(Duration::from_millis(300)));
        });
        // A guard against hanging the suite, not a timing assertion: the deadline is 300 ms.
        let r = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("shutdown returned despite calls stalled in flight");
        assert_eq!(r.written, 0);
        assert_eq!(r.dropped, 300);
        assert_eq!(
            r.dropped_reasons,
            vec![("not written before the shutdown deadline".to_string(), 300)]
        );
    }

    #[test]
    fn endpoint_gone_mid_test() {
        // The first 3 calls succeed, then the connection is refused for good.
        let sink = MockSink::new(|n, _| {
            Some(if n < 3 {
                WriteOutcome::Ok
            } else {
                WriteOutcome::Retryable("connection refused".into())
            })
        });
        let mut cfg = fast_cfg();
        cfg.writers = 1;
        let r = run(sink.clone(), cfg, 1000, Duration::from_secs(10));
        let written_ids = sink.written_ids.lock().len() as u64;
        assert_eq!(written_ids, 300);
        assert!(r.written > 0 && r.dropped > 0);
        assert_eq!(r.rejected, 0);
    }

    #[test]
    fn fatal_rejects_whole_batch() {
        let sink = MockSink::new(|_, _| Some(WriteOutcome::Fatal("AccessDenied".into())));
        let r = run(sink, fast_cfg(), 120, Duration::from_secs(10));
        assert_eq!(r.rejected, r.produced);
        assert_eq!(r.rejected_reasons[0].0, "AccessDenied");
    }

    #[test]
    fn partial_write_count() {
        let sink = MockSink::new(|_, _| {
            Some(WriteOutcome::RejectedCount {
                count: 2,
                reason: "partial write".into(),
            })
        });
        let mut cfg = fast_cfg();
        cfg.max_batch = 1000;
        cfg.flush_interval = Duration::from_secs(3600);
        let r = run(sink, cfg, 1000, Duration::from_secs(10));
        assert_eq!(r.write_calls, 1);
        assert_eq!(r.rejected, 2);
    }

    #[test]
    fn drop_policy_counts_overflow() {
        // A stalled sink and a tiny queue: the overflow is dropped at once, and the rest at
        // the deadline; every sample is accounted for.
        let sink = MockSink::new(|_, _| None);
        let mut cfg = fast_cfg();
        cfg.queue_capacity = 100;
        cfg.writers = 1;
        cfg.overflow = OverflowPolicy::Drop;
        let r = run(sink, cfg, 2000, Duration::from_millis(100));
        assert_eq!(r.written, 0);
        assert!(r.dropped_reasons.iter().any(|(k, _)| k == "queue full"));
    }

    #[test]
    fn block_policy_waits_then_drops() {
        let sink = MockSink::new(|_, _| None);
        let mut cfg = fast_cfg();
        cfg.queue_capacity = 100;
        cfg.writers = 1;
        cfg.overflow = OverflowPolicy::Block(Duration::from_millis(1));
        let r = run(sink, cfg, 500, Duration::from_millis(100));
        assert!(r.dropped_reasons.iter().any(|(k, _)| k == "queue full"));
        assert_eq!(r.dropped, r.produced);
    }

    #[test]
    fn flush_interval_writes_partial_batches_before_shutdown() {
        let sink = MockSink::new(|_, _| Some(WriteOutcome::Ok));
        let rt = io_runtime("test").unwrap();
        let mut cfg = fast_cfg();
        cfg.flush_interval = Duration::from_millis(10);
        let pool = WriterPool::start("t", sink.clone(), cfg, rt.handle().clone()).unwrap();
        pool.submit(&mut vec![Rec { id: 1, weight: 1 }]);
        // Wait (bounded) until the interval flush happened, without shutting down.
        for _ in 0..500 {
            if pool.snapshot().written == 1 {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(pool.snapshot().written, 1);
        let r = pool.shutdown(Duration::from_secs(1));
        assert_eq!(r.written, 1);
    }

    #[test]
    fn unique_times_per_series() {
        let mut u = UniqueTimes::default();
        let got: Vec<i64> = (0..20).map(|_| u.take(1, 100, 1)).collect();
        assert_eq!(got, (100..120).collect::<Vec<_>>());
        assert_eq!(u.take(2, 100, 1), 100, "another series is independent");
        assert_eq!(u.take(1, 105, 1), 120, "inside a used run: after it");
        assert_eq!(u.take(1, 50, 1), 50);
        assert_eq!(u.take(3, 1_000, 1_000), 1_000);
        assert_eq!(u.take(3, 1_000, 1_000), 2_000);
    }

    #[test]
    fn backoff_is_bounded() {
        let p = RetryPolicy {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
        };
        for attempt in 0..40 {
            assert!(p.backoff(attempt) <= Duration::from_secs(1));
        }
        assert!(p.backoff(0) <= Duration::from_millis(100));
    }

    #[test]
    fn durations_and_policies_parse() {
        assert_eq!(parse_duration("1s").unwrap(), Duration::from_secs(1));
        assert_eq!(parse_duration("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("1500").unwrap(), Duration::from_millis(1500));
        assert!(parse_duration("abc").is_err());
        assert!(parse_duration("5x").is_err());
        assert_eq!(OverflowPolicy::parse("drop").unwrap(), OverflowPolicy::Drop);
        assert_eq!(
            OverflowPolicy::parse("block:2s").unwrap(),
            OverflowPolicy::Block(Duration::from_secs(2))
        );
        assert!(OverflowPolicy::parse("wait").is_err());
    }

    /// Pipeline throughput with a no-op sink, samples/s. Run by hand:
    /// `cargo test --release --lib output::writer_pool::tests::noop_throughput -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn noop_throughput() {
        let sink = MockSink::new(|_, _| Some(WriteOutcome::Ok));
        let rt = io_runtime("bench").unwrap();
        let cfg = PoolConfig {
            writers: 1,
            ..PoolConfig::default()
        };
        let pool = WriterPool::start("bench", sink, cfg, rt.handle().clone()).unwrap();
        let n = 5_000_000u64;
        let t = Instant::now();
        let mut buf = Vec::with_capacity(10);
        for id in 0..n {
            buf.push(Rec { id, weight: 1 });
            if buf.len() == 10 {
                pool.submit(&mut buf);
            }
        }
        let r = pool.shutdown(Duration::from_secs(60));
        let el = t.elapsed();
        println!(
            "no-op pool: {} records in {el:?} = {:.0} records/s ({r:?})",
            n,
            n as f64 / el.as_secs_f64()
        );
    }
}
