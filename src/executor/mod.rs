//! Scenarios and executors: VU threads, the VU pool, and the controllers that decide when VUs
//! iterate. Each executor is its own file; they share the machinery here.
//!
//! A VU is an OS thread that owns its JS context and waits for an [`Activation`]: "run
//! iterations of `exec` for scenario S while the activation's [`IterationGate`] allows". The
//! controller of a scenario activates VUs, ends activations (gracefully: no new iterations;
//! hard: cancel the running iteration), and gets the VU back when its activation is over.
//! VUs are initialised before the test (k6's planned VUs) and shared by all scenarios; a VU
//! that a scenario gave back can be used by a scenario that starts later.

pub mod arrival;
pub mod constant_arrival_rate;
pub mod constant_vus;
pub mod control;
pub mod externally_controlled;
mod init_slot;
pub mod per_vu_iterations;
pub mod progress;
pub mod ramping_arrival_rate;
pub mod ramping_vus;
pub mod shared_iterations;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TryRecvError, bounded, unbounded};
use parking_lot::{Condvar, Mutex};

use crate::js::interrupt::VuSignal;
use crate::js::runtime::{RunShared, ScenarioInfo};
use crate::js::vu::{IterationOutcome, ScriptError, Vu};
use crate::metrics::sample::{Sample, TagSet, now_ns};
use crate::options::{ExecutorConfig, ScenarioConfig};

use control::RunControl;
use init_slot::InitSlot;
use progress::ScenarioProgress;

/// Decides, before each iteration, whether an activated VU may start another one.
pub trait IterationGate: Send + Sync {
    /// Blocks until VU `vu` may start its next iteration; `false` ends the activation.
    /// `done_here` is how many iterations this VU ran in this activation.
    fn next(&self, vu: u64, done_here: u64) -> bool;
}

/// A request to a VU thread.
pub struct Activation {
    pub scenario: Arc<ScenarioInfo>,
    pub gate: Arc<dyn IterationGate>,
    pub setup_data: Arc<Option<serde_json::Value>>,
    /// Where the VU reports (its id) that the activation ended.
    pub done: Sender<u64>,
    /// The VU counts as active (`vus`, `exec.instance.vusActive`) only while it runs an
    /// iteration, as in k6's arrival-rate executors; otherwise for the whole activation,
    /// counted by the controller when it activates the VU.
    pub active_per_iteration: bool,
}

enum VuCommand {
    Run(Activation),
    Shutdown,
}

/// A VU thread's commands. An idle VU sleeps here between activations: crossbeam's blocking
/// `recv` spins and yields before it sleeps, which with 1000 VU threads sharing a core was
/// ~10% of the CPU of starting them (bench/PROFILE.md); a condition variable sleeps at once.
#[derive(Default)]
struct Inbox {
    queue: Mutex<VecDeque<VuCommand>>,
    arrived: Condvar,
}

impl Inbox {
    fn send(&self, cmd: VuCommand) {
        self.queue.lock().push_back(cmd);
        self.arrived.notify_one();
    }

    fn recv(&self) -> VuCommand {
        let mut queue = self.queue.lock();
        loop {
            if let Some(cmd) = queue.pop_front() {
                return cmd;
            }
            self.arrived.wait(&mut queue);
        }
    }
}

type CommandTx = Arc<Inbox>;

/// The controller's handle on one VU thread.
pub struct VuHandle {
    pub id: u64,
    tx: CommandTx,
    pub signal: Arc<VuSignal>,
}

impl VuHandle {
    pub fn activate(self, activation: Activation) {
        self.tx.send(VuCommand::Run(activation));
    }
}

/// Stack size for VU threads: Boa runs deep recursion on its own heap, not the native stack,
/// so a modest stack is enough and keeps 1000s of VUs cheap.
const VU_STACK: usize = 2 * 1024 * 1024;

type Ready = Receiver<Result<Arc<VuSignal>, ScriptError>>;

/// Starts a VU thread, which builds its context and runs the init code on its own; the
/// returned receiver says when that is done. Starting many at once initialises them in
/// parallel on every core.
fn start_vu(shared: Arc<RunShared>, id: u64) -> Result<(CommandTx, Ready), ScriptError> {
    let tx = CommandTx::default();
    let rx = tx.clone();
    let (ready_tx, ready_rx) = bounded::<Result<Arc<VuSignal>, ScriptError>>(1);
    std::thread::Builder::new()
        .name(format!("vu-{id}"))
        .stack_size(VU_STACK)
        .spawn(move || {
            let mut slot = InitSlot::acquire();
            // On the slot's warm stack (see init_slot): this thread's own stack never holds
            // the deep frames of initialisation.
            let mut vu = match slot.run(|| Vu::new(shared.clone(), id)) {
                Ok(vu) => vu,
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            };
            // Initialisation was this thread's busiest allocation burst (see alloc): its
            // cache of freed memory does not need to stay with the thread.
            crate::alloc::flush_thread_cache();
            drop(slot);
            let signal = vu.state.borrow().signal.clone();
            shared
                .counters
                .vus_initialized
                .fetch_add(1, Ordering::Relaxed);
            let _ = ready_tx.send(Ok(signal.clone()));
            vu_loop(&mut vu, &shared, rx, signal, id);
        })
        .map_err(|e| ScriptError {
            message: format!("could not start a thread for VU {id}: {e}"),
            interrupted: false,
        })?;
    Ok((tx, ready_rx))
}

fn ready_result(
    id: u64,
    r: Result<Result<Arc<VuSignal>, ScriptError>, ()>,
) -> Result<Arc<VuSignal>, ScriptError> {
    match r {
        Ok(Ok(signal)) => Ok(signal),
        Ok(Err(e)) => Err(e),
        Err(()) => Err(ScriptError {
            message: format!("VU {id} failed to initialize"),
            interrupted: false,
        }),
    }
}

fn vu_loop(vu: &mut Vu, shared: &Arc<RunShared>, rx: CommandTx, signal: Arc<VuSignal>, id: u64) {
    // `exec.vu.iterationInScenario` continues where it was when the VU comes back to a
    // scenario (k6 keeps one counter per scenario and VU).
    let mut per_scenario: HashMap<Arc<str>, u64> = HashMap::new();
    loop {
        let act = match rx.recv() {
            VuCommand::Run(a) => a,
            VuCommand::Shutdown => break,
        };
        vu.activate(act.scenario.clone());
        vu.state.borrow_mut().iteration_in_scenario =
            per_scenario.get(&act.scenario.name).copied().unwrap_or(0);
        let exec = act.scenario.exec.clone();
        let progress = &act.scenario.progress;
        let mut done_here = 0u64;
        while !signal.is_cancelled() && act.gate.next(id, done_here) {
            if signal.is_cancelled() {
                break;
            }
            // k6's scenario-wide iteration number, taken when the iteration starts.
            let n = act
                .scenario
                .iterations_started
                .fetch_add(1, Ordering::Relaxed);
            vu.state.borrow_mut().iteration_in_scenario_global = n;
            crate::js::modules::http::reset_for_iteration(&mut vu.ctx);
            progress.vus_running.fetch_add(1, Ordering::Relaxed);
            if act.active_per_iteration {
                shared.counters.vus_active.fetch_add(1, Ordering::Relaxed);
            }
            let outcome = vu.run_iteration(&exec, act.setup_data.as_ref().as_ref());
            if act.active_per_iteration {
                shared.counters.vus_active.fetch_sub(1, Ordering::Relaxed);
            }
            progress.vus_running.fetch_sub(1, Ordering::Relaxed);
            progress.iterations_done.fetch_add(1, Ordering::Relaxed);
            done_here += 1;
            if matches!(
                outcome,
                IterationOutcome::Interrupted | IterationOutcome::Aborted
            ) {
                break;
            }
        }
        per_scenario.insert(
            act.scenario.name.clone(),
            vu.state.borrow().iteration_in_scenario,
        );
        vu.flush_samples();
        // The VU may stay idle for long now: its allocator cache is better off shared.
        crate::alloc::flush_thread_cache();
        if !act.active_per_iteration {
            shared.counters.vus_active.fetch_sub(1, Ordering::Relaxed);
        }
        let _ = act.done.send(id);
    }
}

/// A VU being initialised in the background (arrival-rate executors beyond
/// `preAllocatedVUs`), so that the start schedule is not delayed by it.
pub struct PendingVu {
    id: u64,
    tx: CommandTx,
    ready: Ready,
}

/// All VUs of the run. Idle VUs wait in a queue, as in k6's pool (a Go channel): the
/// initialised VUs in id order, and a VU a scenario gives back goes to the end, so a later
/// scenario first gets VUs no scenario used yet (k6 v1.1.0 does the same).
pub struct VuPool {
    shared: Arc<RunShared>,
    senders: Mutex<HashMap<u64, CommandTx>>,
    idle: Mutex<VecDeque<VuHandle>>,
    next_id: AtomicU64,
    initialized: AtomicU64,
}

impl VuPool {
    pub fn new(shared: Arc<RunShared>) -> Arc<VuPool> {
        Arc::new(VuPool {
            shared,
            senders: Mutex::new(Default::default()),
            idle: Mutex::new(VecDeque::new()),
            next_id: AtomicU64::new(1),
            initialized: AtomicU64::new(0),
        })
    }

    /// Initialises `n` VUs in parallel (each VU builds its own context on its own thread)
    /// and adds them to the idle VUs.
    pub fn init(&self, n: u64) -> Result<(), ScriptError> {
        let mut pending = Vec::with_capacity(n as usize);
        for _ in 0..n {
            pending.push(self.start_new()?);
        }
        let mut handles = Vec::with_capacity(pending.len());
        let mut first_error = None;
        for p in pending {
            let r = ready_result(p.id, p.ready.recv().map_err(|_| ()));
            match r {
                Ok(signal) => handles.push(self.register(p.id, p.tx, signal)),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        self.give_back(handles);
        match first_error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Starts initialising one more VU without waiting for it.
    pub fn start_new(&self) -> Result<PendingVu, ScriptError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, ready) = start_vu(self.shared.clone(), id)?;
        Ok(PendingVu { id, tx, ready })
    }

    /// The VU once its initialisation finished; `None` while it is still running.
    pub fn poll(&self, p: &PendingVu) -> Option<Result<VuHandle, ScriptError>> {
        let r = match p.ready.try_recv() {
            Err(TryRecvError::Empty) => return None,
            Ok(r) => Ok(r),
            Err(TryRecvError::Disconnected) => Err(()),
        };
        Some(ready_result(p.id, r).map(|signal| self.register(p.id, p.tx.clone(), signal)))
    }

    /// Waits for a pending VU's initialisation.
    pub fn wait(&self, p: PendingVu) -> Result<VuHandle, ScriptError> {
        let r = ready_result(p.id, p.ready.recv().map_err(|_| ()))?;
        Ok(self.register(p.id, p.tx, r))
    }

    fn register(&self, id: u64, tx: CommandTx, signal: Arc<VuSignal>) -> VuHandle {
        self.senders.lock().insert(id, tx.clone());
        self.initialized.fetch_add(1, Ordering::Relaxed);
        VuHandle { id, tx, signal }
    }

    fn give_back(&self, handles: Vec<VuHandle>) {
        self.idle.lock().extend(handles);
    }

    /// Takes the idle VU that waited longest. When none is idle (a scenario of the plan still
    /// holds its VUs a little longer than planned) a new one is initialised.
    pub fn acquire(&self) -> Result<VuHandle, ScriptError> {
        if let Some(h) = self.idle.lock().pop_front() {
            return Ok(h);
        }
        let p = self.start_new()?;
        self.wait(p)
    }

    /// A handle on VU `id` (for a controller that keeps a VU between activations).
    pub fn handle(&self, id: u64, signal: Arc<VuSignal>) -> Option<VuHandle> {
        let tx = self.senders.lock().get(&id).cloned()?;
        Some(VuHandle { id, tx, signal })
    }

    /// Returns a VU whose activation ended.
    pub fn release(&self, h: VuHandle) {
        self.give_back(vec![h]);
    }

    pub fn shutdown(&self) {
        for tx in self.senders.lock().values() {
            tx.send(VuCommand::Shutdown);
        }
    }

    /// VUs initialised so far (`vus_max`).
    pub fn initialized(&self) -> u64 {
        self.initialized.load(Ordering::Relaxed)
    }
}

/// What every executor controller gets.
pub struct ScenarioRun {
    pub config: ScenarioConfig,
    pub info: Arc<ScenarioInfo>,
    pub progress: Arc<ScenarioProgress>,
    pub pool: Arc<VuPool>,
    pub shared: Arc<RunShared>,
    pub control: Arc<RunControl>,
    pub setup_data: Arc<Option<serde_json::Value>>,
    /// Set when the whole test must stop now (abort, signal): controllers end at once.
    pub stop_all: Arc<AtomicBool>,
    /// When the executor started.
    pub start: Instant,
}

impl ScenarioRun {
    pub fn aborted(&self) -> bool {
        self.stop_all.load(Ordering::Relaxed)
    }

    /// Tags of executor-emitted samples (`dropped_iterations`): the run's tags plus the
    /// `scenario` (and `vu`) system tags, as k6's `getMetricTags` (not the scenario's tags).
    pub fn metric_tags(&self, vu: Option<u64>) -> TagSet {
        let mut pairs: Vec<(Arc<str>, Arc<str>)> = self.shared.global_tags.clone();
        if self.shared.system_tags.has("scenario") {
            pairs.push((Arc::from("scenario"), self.info.name.clone()));
        }
        if let Some(id) = vu
            && self.shared.system_tags.has("vu")
        {
            pairs.push((Arc::from("vu"), Arc::from(id.to_string().as_str())));
        }
        TagSet::from_pairs(pairs)
    }

    /// Counts iterations that could not start; like k6, nothing is counted once the whole
    /// test is stopping.
    pub fn emit_dropped(&self, count: u64, tags: TagSet) {
        if count == 0 || self.aborted() {
            return;
        }
        let _ = self.shared.samples.send(vec![Sample {
            metric: self.shared.builtin.dropped_iterations.clone(),
            time_ns: now_ns(),
            value: count as f64,
            tags,
            metadata: None,
        }]);
    }

    /// Stops the progress bar's clock for the graceful stop.
    pub fn stopping(&self) {
        self.progress
            .mark_stopping(self.config.graceful_stop, self.aborted());
    }
}

/// VUs activated by a controller, to be ended gracefully or hard.
pub struct Activations {
    done_tx: Sender<u64>,
    done_rx: Receiver<u64>,
    running: Vec<(u64, Arc<VuSignal>)>,
    /// Keep ended VUs for the controller instead of giving them back to the pool.
    keep: bool,
    pub kept: Vec<VuHandle>,
    /// VUs count as active only during their iterations (arrival-rate executors).
    active_per_iteration: bool,
}

impl Default for Activations {
    fn default() -> Self {
        Self::new()
    }
}

impl Activations {
    pub fn new() -> Self {
        let (done_tx, done_rx) = unbounded();
        Activations {
            done_tx,
            done_rx,
            running: Vec::new(),
            keep: false,
            kept: Vec::new(),
            active_per_iteration: false,
        }
    }

    /// Activations of arrival-rate executors, whose VUs count as active only while they run
    /// an iteration (k6 v1.1.0's `vus` gauge shows them that way).
    pub fn per_iteration() -> Self {
        Activations {
            active_per_iteration: true,
            ..Self::new()
        }
    }

    /// Activations whose VUs the controller keeps when they end.
    pub fn keeping() -> Self {
        Activations {
            keep: true,
            ..Self::new()
        }
    }

    pub fn start(&mut self, run: &ScenarioRun, vu: VuHandle, gate: Arc<dyn IterationGate>) {
        self.running.push((vu.id, vu.signal.clone()));
        run.progress.vus_held.fetch_add(1, Ordering::Relaxed);
        if !self.active_per_iteration {
            // Counted here, not by the VU thread, so that the count is right as soon as the
            // controller returns (the REST API answers a PATCH with it).
            run.shared
                .counters
                .vus_active
                .fetch_add(1, Ordering::Relaxed);
        }
        vu.activate(Activation {
            scenario: run.info.clone(),
            gate,
            setup_data: run.setup_data.clone(),
            done: self.done_tx.clone(),
            active_per_iteration: self.active_per_iteration,
        });
    }

    pub fn active(&self) -> usize {
        self.running.len()
    }

    pub fn is_running(&self, id: u64) -> bool {
        self.running.iter().any(|(i, _)| *i == id)
    }

    fn collect(&mut self, run: &ScenarioRun, id: u64) {
        if let Some(pos) = self.running.iter().position(|(i, _)| *i == id) {
            let (_, signal) = self.running.swap_remove(pos);
            run.progress.vus_held.fetch_sub(1, Ordering::Relaxed);
            if let Some(h) = run.pool.handle(id, signal) {
                if self.keep {
                    self.kept.push(h);
                } else {
                    run.pool.release(h);
                }
            }
        }
    }

    /// Collects VUs whose activation ended, without waiting.
    pub fn reap(&mut self, run: &ScenarioRun) {
        while let Ok(h) = self.done_rx.try_recv() {
            self.collect(run, h);
        }
    }

    /// Waits at most `max` for one activation to end.
    pub fn reap_for(&mut self, run: &ScenarioRun, max: Duration) {
        if let Ok(h) = self.done_rx.recv_timeout(max) {
            self.collect(run, h);
        }
        self.reap(run);
    }

    /// Interrupts VU `id`'s running iteration if its activation has not ended yet.
    pub fn cancel(&self, id: u64) {
        if let Some((_, s)) = self.running.iter().find(|(i, _)| *i == id) {
            s.cancel();
        }
    }

    /// Waits until every activation ended or `deadline`; returns true when all ended.
    pub fn wait_all(&mut self, run: &ScenarioRun, deadline: Option<Instant>) -> bool {
        while !self.running.is_empty() {
            if run.aborted() {
                return false;
            }
            let wait = match deadline {
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return false;
                    }
                    (d - now).min(Duration::from_millis(50))
                }
                None => Duration::from_millis(50),
            };
            if let Ok(h) = self.done_rx.recv_timeout(wait) {
                self.collect(run, h);
            }
        }
        true
    }

    /// Cancels the running iterations of every activated VU, then waits for all of them.
    pub fn cancel_all(&mut self, run: &ScenarioRun) {
        for (_, s) in &self.running {
            s.cancel();
        }
        while !self.running.is_empty() {
            match self.done_rx.recv_timeout(Duration::from_secs(5)) {
                Ok(h) => self.collect(run, h),
                Err(_) => {
                    // A VU stuck in pure JS (an endless loop) cannot be interrupted; give up
                    // on it rather than hang the run.
                    crate::js::console::warn(&format!(
                        "{} VU(s) of scenario {} did not stop within 5s of being interrupted",
                        self.running.len(),
                        run.config.name
                    ));
                    for _ in 0..self.running.len() {
                        run.progress.vus_held.fetch_sub(1, Ordering::Relaxed);
                    }
                    self.running.clear();
                }
            }
        }
    }

    /// The common ending once no new iterations may start: wait up to `graceful`, then
    /// interrupt what is still running.
    pub fn finish(&mut self, run: &ScenarioRun, graceful: Duration) {
        let deadline = Instant::now() + graceful;
        if !self.wait_all(run, Some(deadline)) {
            self.cancel_all(run);
        }
    }
}

/// A gate that allows iterations until a flag is raised, the test stops, or a deadline
/// passes.
pub struct UntilGate {
    pub stopped: AtomicBool,
    pub end: Option<Instant>,
    pub stop_all: Arc<AtomicBool>,
}

impl UntilGate {
    pub fn new(end: Option<Instant>, stop_all: Arc<AtomicBool>) -> Arc<UntilGate> {
        Arc::new(UntilGate {
            stopped: AtomicBool::new(false),
            end,
            stop_all,
        })
    }

    pub fn open(&self) -> bool {
        !self.stopped.load(Ordering::Relaxed)
            && !self.stop_all.load(Ordering::Relaxed)
            && self.end.is_none_or(|e| Instant::now() < e)
    }

    pub fn close(&self) {
        self.stopped.store(true, Ordering::Relaxed);
    }
}

impl IterationGate for UntilGate {
    fn next(&self, _: u64, _: u64) -> bool {
        self.open()
    }
}

/// Sleeps until `deadline` or until the whole test stops; returns false when stopped.
pub fn sleep_until(deadline: Instant, stop_all: &AtomicBool) -> bool {
    loop {
        if stop_all.load(Ordering::Relaxed) {
            return false;
        }
        let now = Instant::now();
        if now >= deadline {
            return true;
        }
        std::thread::sleep((deadline - now).min(Duration::from_millis(20)));
    }
}

/// Takes `n` VUs from the pool for a scenario (the pool was sized for the plan).
pub fn acquire_vus(run: &ScenarioRun, n: u64) -> Result<Vec<VuHandle>, ScriptError> {
    (0..n).map(|_| run.pool.acquire()).collect()
}

/// Runs one scenario's controller to completion (on the calling thread).
fn run_executor(run: &ScenarioRun) -> Result<(), ScriptError> {
    match run.config.executor.clone() {
        ExecutorConfig::SharedIterations {
            vus,
            iterations,
            max_duration,
        } => shared_iterations::run(run, vus, iterations, max_duration),
        ExecutorConfig::PerVuIterations {
            vus,
            iterations,
            max_duration,
        } => per_vu_iterations::run(run, vus, iterations, max_duration),
        ExecutorConfig::ConstantVus { vus, duration } => constant_vus::run(run, vus, duration),
        ExecutorConfig::RampingVus {
            start_vus,
            stages,
            graceful_ramp_down,
        } => ramping_vus::run(run, start_vus, &stages, graceful_ramp_down),
        ExecutorConfig::ConstantArrivalRate {
            rate,
            time_unit,
            duration,
            pre_allocated_vus,
            max_vus,
        } => constant_arrival_rate::run(run, rate, time_unit, duration, pre_allocated_vus, max_vus),
        ExecutorConfig::RampingArrivalRate {
            start_rate,
            time_unit,
            stages,
            pre_allocated_vus,
            max_vus,
        } => ramping_arrival_rate::run(
            run,
            start_rate,
            time_unit,
            &stages,
            pre_allocated_vus,
            max_vus,
        ),
        ExecutorConfig::ExternallyControlled { duration, .. } => {
            externally_controlled::run(run, duration)
        }
    }
}

/// Everything scenarios share during a run.
#[derive(Clone)]
pub struct RunEnv {
    pub pool: Arc<VuPool>,
    pub shared: Arc<RunShared>,
    pub control: Arc<RunControl>,
    pub setup_data: Arc<Option<serde_json::Value>>,
    pub stop_all: Arc<AtomicBool>,
    /// When the scenarios start (after setup); `startTime` is relative to it.
    pub start: Instant,
}

/// The scenarios of a run, in k6's order, with their progress (shown before they start).
pub struct ScenarioSet {
    entries: Vec<(ScenarioConfig, Arc<ScenarioProgress>)>,
}

impl ScenarioSet {
    pub fn new(configs: &[ScenarioConfig]) -> ScenarioSet {
        ScenarioSet {
            entries: configs
                .iter()
                .map(|c| (c.clone(), Arc::new(ScenarioProgress::new(c))))
                .collect(),
        }
    }

    pub fn progress(&self) -> Vec<Arc<ScenarioProgress>> {
        self.entries.iter().map(|(_, p)| p.clone()).collect()
    }

    /// Runs every scenario on its own controller thread from its start time and waits for
    /// all of them; returns the errors of the controllers that failed.
    pub fn run(&self, env: &RunEnv) -> Vec<ScriptError> {
        let mut threads = Vec::new();
        let mut errors = Vec::new();
        for (config, progress) in &self.entries {
            let env = env.clone();
            let config = config.clone();
            let progress = progress.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("scenario-{}", config.name))
                .spawn(move || run_scenario(env, config, progress));
            match spawned {
                Ok(t) => threads.push(t),
                Err(e) => errors.push(ScriptError {
                    message: format!("cannot start a scenario thread: {e}"),
                    interrupted: false,
                }),
            }
        }
        for t in threads {
            match t.join() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => errors.push(e),
                Err(_) => errors.push(ScriptError {
                    message: "a scenario controller crashed".into(),
                    interrupted: false,
                }),
            }
        }
        errors
    }
}

fn run_scenario(
    env: RunEnv,
    config: ScenarioConfig,
    progress: Arc<ScenarioProgress>,
) -> Result<(), ScriptError> {
    if !config.start_time.is_zero() {
        progress.mark_waiting();
        if !sleep_until(env.start + config.start_time, &env.stop_all) {
            return Ok(());
        }
    }
    let start = progress.mark_started();
    let start_unix_ms = (now_ns() / 1_000_000) as f64;
    let info = Arc::new(ScenarioInfo {
        name: Arc::from(config.name.as_str()),
        executor: config.executor.name(),
        exec: config.exec.clone(),
        tags: config
            .tags
            .iter()
            .map(|(k, v)| (Arc::from(k.as_str()), Arc::from(v.as_str())))
            .collect(),
        env: config.env.clone(),
        start,
        start_unix_ms,
        iterations_started: Default::default(),
        iterations: config.share.iterations.clone(),
        progress: progress.clone(),
    });
    let run = ScenarioRun {
        config,
        info,
        progress,
        pool: env.pool,
        shared: env.shared,
        control: env.control,
        setup_data: env.setup_data,
        stop_all: env.stop_all,
        start,
    };
    let result = run_executor(&run);
    run.progress.mark_ended(run.aborted());
    result
}
