//! State shared by every VU of a test run (`RunShared`, `Send + Sync`) and per-VU host state
//! (`VuState`, owned by the VU's thread and reachable from native functions via the Context).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Instant;

use boa_engine::Context;
use crossbeam_channel::Sender;
use parking_lot::Mutex;

use crate::metrics::registry::{BuiltinMetrics, Registry};
use crate::metrics::sample::{MetricRef, Sample, SampleBatch, TagSet, now_ns};
use crate::options::Options;

use super::interrupt::VuSignal;

/// Why the test must stop early, set from a VU (`exec.test.abort()`, `fail` in setup) or by
/// thresholds with `abortOnFail`.
#[derive(Clone, Debug, PartialEq)]
pub enum AbortReason {
    /// `exec.test.abort(msg)`: exit code 108. The message to log when the run ends (empty
    /// when it was logged already).
    ScriptAbort(String),
    /// A threshold with `abortOnFail` crossed: exit code 99.
    Threshold(String),
    /// SIGINT/SIGTERM: exit code 105.
    Signal,
}

/// Counters exposed by `k6/execution` and the progress display.
#[derive(Default)]
pub struct ExecutionCounters {
    pub iterations_completed: AtomicU64,
    pub iterations_interrupted: AtomicU64,
    pub vus_active: AtomicI64,
    pub vus_initialized: AtomicU64,
    pub iterations_in_test: AtomicU64,
    /// `exec.test.fail()` was called: the run exits with code 110.
    pub test_failed: std::sync::atomic::AtomicBool,
}

pub struct RunShared {
    pub registry: Arc<Registry>,
    pub builtin: BuiltinMetrics,
    pub samples: Sender<SampleBatch>,
    pub options: Arc<Options>,
    /// `__ENV`: system environment plus `-e K=V`.
    pub env: BTreeMap<String, String>,
    pub script_path: PathBuf,
    pub script_dir: PathBuf,
    pub tokio: tokio::runtime::Handle,
    pub counters: ExecutionCounters,
    pub abort: Mutex<Option<AbortReason>>,
    /// Wakes the scheduler when an abort is requested.
    pub abort_tx: Sender<AbortReason>,
    /// Raised by [`RunShared::request_abort`] itself, before it returns: executors stop
    /// starting iterations at once (a flag set later by another thread let a VU start its
    /// next iteration, or count dropped iterations, after `exec.test.abort()`).
    pub stop_all: Arc<std::sync::atomic::AtomicBool>,
    pub test_start: Mutex<Option<Instant>>,
    /// File contents read by `open()`, shared so 1000 VUs do not read a file 1000 times.
    pub files: Mutex<HashMap<PathBuf, Arc<[u8]>>>,
    /// Module sources, shared for the same reason.
    pub sources: Mutex<HashMap<PathBuf, Arc<str>>>,
    /// What each module file imports and whether it is CommonJS, analysed once per test.
    pub module_info: Mutex<HashMap<PathBuf, Arc<super::commonjs::ModuleInfo>>>,
    /// Enabled system tags.
    pub system_tags: SystemTags,
    /// Global `options.tags` (or `--tag`, which replaces them), in every sample.
    pub global_tags: Vec<(Arc<str>, Arc<str>)>,
    /// Values shared between VUs by `k6/data` SharedArray, keyed by name.
    pub shared_arrays: Mutex<HashMap<String, Arc<super::modules::data::Slot>>>,
    pub quiet: bool,
    pub http_config: Arc<crate::http::transport::TransportConfig>,
    /// The test archive being run: its files stand in for the file system (and for remote
    /// modules it holds).
    pub archive: Option<Arc<crate::archive::Archive>>,
}

impl RunShared {
    pub fn request_abort(&self, reason: AbortReason) {
        let mut a = self.abort.lock();
        if a.is_none() {
            *a = Some(reason.clone());
            self.stop_all
                .store(true, std::sync::atomic::Ordering::Relaxed);
            let _ = self.abort_tx.send(reason);
        }
    }

    pub fn aborted(&self) -> bool {
        self.abort.lock().is_some()
    }

    pub fn elapsed_ms(&self) -> f64 {
        self.test_start
            .lock()
            .map(|t| t.elapsed().as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    }

    pub fn resolve_path(&self, p: &str) -> PathBuf {
        let p = p.strip_prefix("file://").unwrap_or(p);
        let path = Path::new(p);
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.script_dir.join(path)
        }
    }
}

/// Which system tags k6 attaches (`options.systemTags`).
#[derive(Clone, Debug)]
pub struct SystemTags {
    enabled: u32,
}

pub const SYSTEM_TAG_NAMES: [&str; 18] = [
    "proto",
    "subproto",
    "status",
    "method",
    "url",
    "name",
    "group",
    "check",
    "error",
    "error_code",
    "tls_version",
    "scenario",
    "service",
    "expected_response",
    "vu",
    "iter",
    "ip",
    "ocsp_status",
];

impl SystemTags {
    pub fn from_option(list: Option<&[String]>) -> SystemTags {
        let mut enabled = 0u32;
        match list {
            None => {
                // Everything but vu, iter, ip, ocsp_status (k6's defaults).
                for i in 0..14 {
                    enabled |= 1 << i;
                }
            }
            Some(list) => {
                for name in list {
                    if let Some(i) = SYSTEM_TAG_NAMES.iter().position(|n| n == name) {
                        enabled |= 1 << i;
                    }
                }
            }
        }
        SystemTags { enabled }
    }

    pub fn has(&self, name: &str) -> bool {
        SYSTEM_TAG_NAMES
            .iter()
            .position(|n| *n == name)
            .is_some_and(|i| self.enabled & (1 << i) != 0)
    }
}

/// What a VU is doing, for k6's init-context-only and VU-context-only rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Init,
    Setup,
    Iteration,
    Teardown,
    HandleSummary,
}

/// The scenario a VU is currently running, as `k6/execution` and tags see it.
#[derive(Debug)]
pub struct ScenarioInfo {
    pub name: Arc<str>,
    pub executor: &'static str,
    pub exec: String,
    pub tags: Vec<(Arc<str>, Arc<str>)>,
    pub env: BTreeMap<String, String>,
    pub start: Instant,
    pub start_unix_ms: f64,
    /// Iterations started in this scenario, across VUs (`iterationInTest` per scenario).
    pub iterations_started: AtomicU64,
    /// The scenario's progress (`exec.scenario.progress`, the progress bar).
    pub progress: Arc<crate::executor::progress::ScenarioProgress>,
}

pub struct VuState {
    pub shared: Arc<RunShared>,
    /// `__VU` and `exec.vu.idInTest` (0 for the setup/teardown VU).
    pub id: u64,
    pub phase: Phase,
    /// Current group path: "" at the root, "::a::b" inside nested groups.
    pub group_path: String,
    pub scenario: Option<Arc<ScenarioInfo>>,
    /// `exec.vu.iterationInScenario`: iterations of this VU in the current scenario.
    pub iteration_in_scenario: u64,
    /// `__ITER`, `exec.vu.iterationInInstance` and the `iter` tag: iterations of this VU
    /// across scenarios.
    pub iteration_in_instance: u64,
    /// Per-VU iteration number in the scenario, shared (`exec.scenario.iterationInInstance`).
    pub iteration_in_scenario_global: u64,
    /// User tags set with `exec.vu.tags[k] = v` / `exec.vu.metrics.tags`.
    pub user_tags: BTreeMap<String, String>,
    /// Global or scenario tags deleted with `delete exec.vu.tags[k]`: gone until the VU's
    /// next activation, as in k6 (whose VU tags are one map, reset per activation).
    pub removed_tags: std::collections::BTreeSet<String>,
    pub user_metadata: BTreeMap<String, String>,
    /// Cached tag pairs common to every sample of the current iteration.
    base_tags: Option<Vec<(Arc<str>, Arc<str>)>>,
    /// Cached metadata of every sample of the current iteration (`None` inside: no metadata).
    base_metadata: Option<Option<TagSet>>,
    /// Tag sets built on `tag_cache_base`, by their extra pairs: a script's requests and
    /// checks yield the same few sets every iteration, so each is sorted and allocated once
    /// and then shared (bench/PROFILE.md: building them was ~6% of the CPU per request).
    tag_cache: TagCache,
    tag_cache_base: Vec<(Arc<str>, Arc<str>)>,
    pending: SampleBatch,
    /// When `pending` was last sent.
    last_flush: Instant,
    /// Bytes sent/received in the current iteration (k6 emits them at its end).
    pub data_sent: u64,
    pub data_received: u64,
    pub signal: Arc<VuSignal>,
    /// The VU's HTTP state (connection pool, cookie jar), created lazily.
    pub http: Option<Box<dyn std::any::Any>>,
    /// `exec.test.fail()` was called: the test ends with exit code 110.
    pub rng_seed: Option<u64>,
    /// `__ENV` as this activation's script sees it, made on first read (see `vu.rs`).
    pub env: Option<boa_engine::JsValue>,
    /// Native memory held by JS objects this VU made since its last garbage collection.
    pub native: super::gc::NativeBytes,
}

pub type VuRef = Rc<RefCell<VuState>>;

/// Gets the VU state from a context (installed by `vu::build`).
pub fn vu_state(ctx: &Context) -> VuRef {
    match ctx.get_data::<VuRef>() {
        Some(v) => v.clone(),
        // Every context rk6 creates has a VuState; reaching this is a bug in rk6 itself.
        None => unreachable!("rk6 context without VU state"),
    }
}

/// Tag sets a VU keeps for reuse (see `VuState::tag_cache`).
const TAG_CACHE_MAX: usize = 64;

type TagCache = HashMap<Vec<(Arc<str>, Arc<str>)>, TagSet, foldhash::fast::RandomState>;

/// How many buffered samples make a VU flush to the metrics engine mid-iteration.
const FLUSH_AT: usize = 256;

/// How stale a VU's buffered samples may get before an iteration end sends them. Sending one
/// batch per iteration woke the metrics thread once per request at high request rates (a
/// context switch each, ~7% of the CPU per request); k6's outputs flush every second anyway.
const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

impl VuState {
    pub fn new(shared: Arc<RunShared>, id: u64) -> VuState {
        VuState {
            shared,
            id,
            phase: Phase::Init,
            group_path: String::new(),
            scenario: None,
            iteration_in_scenario: 0,
            iteration_in_instance: 0,
            iteration_in_scenario_global: 0,
            user_tags: BTreeMap::new(),
            removed_tags: Default::default(),
            user_metadata: BTreeMap::new(),
            base_tags: None,
            base_metadata: None,
            tag_cache: TagCache::default(),
            tag_cache_base: Vec::new(),
            pending: Vec::new(),
            last_flush: Instant::now(),
            data_sent: 0,
            data_received: 0,
            signal: Arc::new(VuSignal::default()),
            http: None,
            rng_seed: None,
            env: None,
            native: super::gc::NativeBytes::default(),
        }
    }

    pub fn invalidate_tags(&mut self) {
        self.base_tags = None;
        self.base_metadata = None;
    }

    /// Tags every sample of the current context carries: global tags, scenario tags, user VU
    /// tags, and the `group`/`scenario` system tags.
    pub fn base_tags(&mut self) -> &[(Arc<str>, Arc<str>)] {
        if self.base_tags.is_none() {
            let shared = &self.shared;
            let mut v: Vec<(Arc<str>, Arc<str>)> = shared.global_tags.clone();
            if let Some(sc) = &self.scenario {
                v.extend(sc.tags.iter().cloned());
            }
            if !self.removed_tags.is_empty() {
                v.retain(|(k, _)| !self.removed_tags.contains(&**k));
            }
            for (k, val) in &self.user_tags {
                v.push((Arc::from(k.as_str()), Arc::from(val.as_str())));
            }
            if shared.system_tags.has("group") {
                let g: &str = match self.phase {
                    Phase::Setup if self.group_path.is_empty() => "::setup",
                    Phase::Teardown if self.group_path.is_empty() => "::teardown",
                    _ => &self.group_path,
                };
                v.push((Arc::from("group"), Arc::from(g)));
            }
            if let (Some(sc), true) = (&self.scenario, shared.system_tags.has("scenario")) {
                v.push((Arc::from("scenario"), sc.name.clone()));
            }
            if v != self.tag_cache_base {
                self.tag_cache.clear();
                self.tag_cache_base.clone_from(&v);
            }
            self.base_tags = Some(v);
        }
        self.base_tags.as_deref().unwrap_or(&[])
    }

    /// Metadata every sample of the current context carries: the high-cardinality `vu` and
    /// `iter` system tags (k6 moves them out of the tags, so they do not multiply time
    /// series) and `exec.vu.metrics.metadata`.
    pub fn metadata(&mut self) -> Option<TagSet> {
        if self.base_metadata.is_none() {
            let shared = &self.shared;
            let mut v: Vec<(Arc<str>, Arc<str>)> = Vec::new();
            if shared.system_tags.has("vu") && self.id > 0 {
                v.push((Arc::from("vu"), Arc::from(self.id.to_string().as_str())));
            }
            if shared.system_tags.has("iter") && self.phase == Phase::Iteration {
                v.push((
                    Arc::from("iter"),
                    Arc::from(self.iteration_in_instance.to_string().as_str()),
                ));
            }
            for (k, val) in &self.user_metadata {
                v.push((Arc::from(k.as_str()), Arc::from(val.as_str())));
            }
            self.base_metadata = Some((!v.is_empty()).then(|| TagSet::from_pairs(v)));
        }
        self.base_metadata.clone().flatten()
    }

    /// Tags for a sample: the base tags plus `extra` (later keys win).
    pub fn tags_with(&mut self, extra: impl IntoIterator<Item = (Arc<str>, Arc<str>)>) -> TagSet {
        let extra: Vec<(Arc<str>, Arc<str>)> = extra.into_iter().collect();
        self.base_tags();
        if let Some(t) = self.tag_cache.get(&extra) {
            return t.clone();
        }
        let base = self.base_tags.as_deref().unwrap_or(&[]);
        let tags = TagSet::from_pairs(base.iter().cloned().chain(extra.iter().cloned()));
        // High-cardinality tags (a unique URL per request) must not grow the cache forever.
        if self.tag_cache.len() >= TAG_CACHE_MAX {
            self.tag_cache.clear();
        }
        self.tag_cache.insert(extra, tags.clone());
        tags
    }

    pub fn push_sample(&mut self, metric: &MetricRef, value: f64, tags: TagSet, time_ns: i64) {
        let metadata = self.metadata();
        self.pending.push(Sample {
            metric: metric.clone(),
            time_ns,
            value,
            tags,
            metadata,
        });
        if self.pending.len() >= FLUSH_AT {
            self.flush();
        }
    }

    pub fn emit(&mut self, metric: &MetricRef, value: f64, tags: TagSet) {
        self.push_sample(metric, value, tags, now_ns());
    }

    /// Sends buffered samples when there are many or they have waited [`FLUSH_EVERY`]: called
    /// at iteration ends. Whoever needs the samples delivered (end of an activation, a
    /// lifecycle call, `sleep`) calls [`VuState::flush`].
    pub fn flush_if_due(&mut self) {
        if self.pending.len() >= FLUSH_AT || self.last_flush.elapsed() >= FLUSH_EVERY {
            self.flush();
        }
    }

    /// Sends buffered samples to the metrics engine.
    pub fn flush(&mut self) {
        self.last_flush = Instant::now();
        if self.pending.is_empty() {
            return;
        }
        // The next batch starts with room for what this one held: no regrowing per sample.
        let cap = self.pending.len().min(FLUSH_AT);
        let batch = std::mem::replace(&mut self.pending, Vec::with_capacity(cap));
        // The engine only goes away at the very end of the run; samples sent after that are
        // from VUs being torn down and have nowhere to go.
        let _ = self.shared.samples.send(batch);
    }

    pub fn counters(&self) -> &ExecutionCounters {
        &self.shared.counters
    }
}

pub fn load_counter(c: &AtomicU64) -> u64 {
    c.load(Ordering::Relaxed)
}
