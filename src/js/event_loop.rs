//! The per-VU event loop: microtasks (promise jobs), host futures (async native functions) and
//! timers (`setTimeout`/`setInterval`).
//!
//! Boa's built-in executor busy-spins while a host future is pending; this one really awaits,
//! so an idle VU costs no CPU. It runs on the VU's own thread inside `futures_lite::block_on`
//! with the shared tokio runtime entered, so host futures can use tokio timers and sockets.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;
use std::time::{Duration, Instant};

use boa_engine::builtins::promise::{OperationType, PromiseState};
use boa_engine::context::HostHooks;
use boa_engine::job::{GenericJob, Job, JobExecutor, NativeAsyncJob, PromiseJob};
use boa_engine::object::JsObject;
use boa_engine::object::builtins::JsPromise;
use boa_engine::{Context, JsError, JsNativeError, JsResult, JsValue};
use futures_concurrency::future::FutureGroup;
use futures_lite::StreamExt;

use super::interrupt::VuSignal;
use super::runtime::VuRef;

struct Timer {
    id: u32,
    callback: JsObject,
    args: Vec<JsValue>,
    interval: Option<Duration>,
}

/// Job queue and timers of one VU.
#[derive(Default)]
pub struct EventLoop {
    promise_jobs: RefCell<VecDeque<PromiseJob>>,
    async_jobs: RefCell<VecDeque<NativeAsyncJob>>,
    generic_jobs: RefCell<VecDeque<GenericJob>>,
    timers: RefCell<BTreeMap<(Instant, u32), Timer>>,
    next_timer_id: Cell<u32>,
    /// Set by `VuSignal` holders; checked between jobs so a cancelled iteration stops.
    signal: RefCell<Option<std::sync::Arc<VuSignal>>>,
    /// Rejected promises nobody handles yet (the context's HostPromiseRejectionTracker).
    pub rejections: Rc<RejectionTracker>,
    /// While a VU function runs (see `call_and_drain`): an unhandled rejection ends it.
    report_uncaught: Cell<bool>,
    /// The reason of the rejection that ended the call.
    uncaught: RefCell<Option<JsValue>>,
}

/// Tracks rejected promises that have no handler, as k6's event loop does: one still without
/// a handler once the pending jobs have run ends the iteration with
/// `Uncaught (in promise) ...`, like a rejection the function itself returns.
#[derive(Default)]
pub struct RejectionTracker {
    unhandled: RefCell<Vec<JsObject>>,
}

impl HostHooks for RejectionTracker {
    fn promise_rejection_tracker(
        &self,
        promise: &JsObject<boa_engine::builtins::promise::Promise>,
        operation: OperationType,
        _context: &mut Context,
    ) {
        let promise = promise.clone().upcast();
        let mut unhandled = self.unhandled.borrow_mut();
        match operation {
            OperationType::Reject => unhandled.push(promise),
            OperationType::Handle => unhandled.retain(|p| p != &promise),
        }
    }
}

impl RejectionTracker {
    /// The reason of the first rejection still without a handler; forgets them all.
    fn take(&self) -> Option<JsValue> {
        let pending = std::mem::take(&mut *self.unhandled.borrow_mut());
        pending
            .into_iter()
            .find_map(|p| match JsPromise::from_object(p).ok()?.state() {
                PromiseState::Rejected(reason) => Some(reason),
                _ => None,
            })
    }
}

impl JobExecutor for EventLoop {
    fn enqueue_job(self: Rc<Self>, job: Job, _context: &mut Context) {
        match job {
            Job::PromiseJob(j) => self.promise_jobs.borrow_mut().push_back(j),
            Job::AsyncJob(j) => self.async_jobs.borrow_mut().push_back(j),
            Job::GenericJob(j) => self.generic_jobs.borrow_mut().push_back(j),
            // rk6 implements timers itself (see `set_timer`); Boa only emits these for its
            // own runtime extensions, which are not installed.
            _ => {}
        }
    }

    fn run_jobs(self: Rc<Self>, context: &mut Context) -> JsResult<()> {
        let cell = RefCell::new(context);
        futures_lite::future::block_on(self.drive(&cell, None))
    }

    async fn run_jobs_async(self: Rc<Self>, context: &RefCell<&mut Context>) -> JsResult<()> {
        self.drive(context, None).await
    }
}

impl EventLoop {
    pub fn set_signal(&self, signal: std::sync::Arc<VuSignal>) {
        *self.signal.borrow_mut() = Some(signal);
    }

    fn cancelled(&self) -> bool {
        self.signal
            .borrow()
            .as_ref()
            .is_some_and(|s| s.is_cancelled())
    }

    /// Schedules `callback(...args)` after `delay`; repeats every `delay` when `repeat`.
    pub fn set_timer(
        &self,
        callback: JsObject,
        args: Vec<JsValue>,
        delay: Duration,
        repeat: bool,
    ) -> u32 {
        let id = self.next_timer_id.get().wrapping_add(1).max(1);
        self.next_timer_id.set(id);
        self.timers.borrow_mut().insert(
            (Instant::now() + delay, id),
            Timer {
                id,
                callback,
                args,
                interval: repeat.then_some(delay),
            },
        );
        id
    }

    pub fn clear_timer(&self, id: u32) {
        self.timers.borrow_mut().retain(|_, t| t.id != id);
    }

    /// Drops every pending timer and job: used when an iteration is interrupted.
    pub fn reset(&self) {
        self.timers.borrow_mut().clear();
        self.promise_jobs.borrow_mut().clear();
        self.generic_jobs.borrow_mut().clear();
        self.async_jobs.borrow_mut().clear();
    }

    fn run_microtasks(&self, ctx: &RefCell<&mut Context>) -> JsResult<()> {
        loop {
            let job = self.promise_jobs.borrow_mut().pop_front();
            if let Some(j) = job {
                j.call(&mut ctx.borrow_mut())?;
                continue;
            }
            let g = self.generic_jobs.borrow_mut().pop_front();
            match g {
                Some(g) => {
                    g.call(&mut ctx.borrow_mut())?;
                }
                None => break,
            }
        }
        ctx.borrow_mut().clear_kept_objects();
        Ok(())
    }

    fn run_due_timers(&self, ctx: &RefCell<&mut Context>) -> JsResult<bool> {
        let now = Instant::now();
        let mut ran = false;
        loop {
            let due = {
                let mut timers = self.timers.borrow_mut();
                match timers.first_key_value() {
                    Some((k, _)) if k.0 <= now => timers.pop_first(),
                    _ => None,
                }
            };
            let Some(((_, _), timer)) = due else { break };
            ran = true;
            if let Some(every) = timer.interval {
                self.timers.borrow_mut().insert(
                    (now + every, timer.id),
                    Timer {
                        id: timer.id,
                        callback: timer.callback.clone(),
                        args: timer.args.clone(),
                        interval: timer.interval,
                    },
                );
            }
            timer
                .callback
                .call(&JsValue::undefined(), &timer.args, &mut ctx.borrow_mut())?;
            self.run_microtasks(ctx)?;
        }
        Ok(ran)
    }

    /// Runs jobs until `until` settles, or with `None` until no work is left at all
    /// (no microtasks, host futures or timers): an iteration ends when its event loop is empty.
    pub async fn drive(
        &self,
        ctx: &RefCell<&mut Context>,
        until: Option<&JsPromise>,
    ) -> JsResult<()> {
        let mut group = FutureGroup::new();
        loop {
            if self.cancelled() {
                return Err(interrupted_error());
            }
            self.run_microtasks(ctx)?;
            self.run_due_timers(ctx)?;
            if self.report_uncaught.get()
                && let Some(reason) = self.rejections.take()
            {
                *self.uncaught.borrow_mut() = Some(reason.clone());
                return Err(JsError::from_opaque(reason));
            }
            let pending: Vec<NativeAsyncJob> = self.async_jobs.borrow_mut().drain(..).collect();
            for job in pending {
                group.insert(job.call(ctx));
            }
            if let Some(p) = until
                && !matches!(p.state(), PromiseState::Pending)
                && self.promise_jobs.borrow().is_empty()
            {
                return Ok(());
            }
            if !self.promise_jobs.borrow().is_empty() || !self.generic_jobs.borrow().is_empty() {
                continue;
            }
            // About to wait, no script code running: the one point of a long iteration (a
            // socket held for minutes) where its garbage can be collected, as at an
            // iteration end.
            let vu = ctx.borrow().get_data::<VuRef>().cloned();
            if let Some(vu) = vu {
                super::gc::collect_if_due(&vu);
            }
            let next_timer = self.timers.borrow().first_key_value().map(|(k, _)| k.0);
            if group.is_empty() {
                match next_timer {
                    Some(at) => {
                        let wait = at.saturating_duration_since(Instant::now());
                        self.wait(wait).await;
                        continue;
                    }
                    None => return Ok(()),
                }
            }
            let next = group.next();
            let outcome = match next_timer {
                Some(at) => {
                    let wait = at.saturating_duration_since(Instant::now());
                    futures_lite::future::or(async { Some(next.await) }, async {
                        self.wait(wait).await;
                        None
                    })
                    .await
                }
                None => Some(next.await),
            };
            if let Some(Some(Err(e))) = outcome {
                return Err(e);
            }
        }
    }

    async fn wait(&self, d: Duration) {
        let signal = self.signal.borrow().clone();
        match signal {
            Some(s) => s.sleep_async(d).await,
            None => tokio::time::sleep(d).await,
        }
    }
}

/// The error that unwinds an interrupted iteration (end of scenario, test abort).
pub fn interrupted_error() -> JsError {
    JsNativeError::error()
        .with_message(super::interrupt::INTERRUPT_MESSAGE)
        .into()
}

/// Why a call of script code failed.
#[derive(Debug)]
pub struct Failure {
    pub error: JsError,
    /// The function returned a Promise that was rejected (an async function that threw).
    pub in_promise: bool,
}

impl From<JsError> for Failure {
    fn from(error: JsError) -> Failure {
        Failure {
            error,
            in_promise: false,
        }
    }
}

impl Failure {
    /// The text k6 logs: an exception as `format_exception` renders it; a rejection as
    /// `Uncaught (in promise) ` and the value's string form (an Error's with its stack).
    pub fn format(&self, ctx: &mut Context) -> String {
        if !self.in_promise {
            return super::util::format_exception(&self.error, ctx);
        }
        let value = self
            .error
            .clone()
            .into_opaque(ctx)
            .unwrap_or(JsValue::undefined());
        let is_error = value
            .as_object()
            .is_some_and(|o| o.is::<boa_engine::builtins::error::Error>());
        let text = if is_error {
            super::util::format_exception(&self.error, ctx)
        } else {
            // k6's WebCrypto errors have a toString (`Name: message`); a plain object, such as
            // k6/x/kv's `{name, message}`, is shown as JSON rather than `[object Object]`.
            match value.to_string(ctx).map(|s| s.to_std_string_escaped()) {
                Ok(s) if s != "[object Object]" => s,
                _ => super::util::display_value(&value, ctx),
            }
        };
        format!("Uncaught (in promise) {text}")
    }
}

/// Calls `f(args)` and runs the VU's event loop until it is empty (k6 ends an iteration when
/// its promise has settled and no timers or callbacks remain). Returns the settled value.
pub async fn call_and_drain(
    event_loop: &EventLoop,
    ctx: &mut Context,
    f: &JsObject,
    args: &[JsValue],
) -> Result<JsValue, Failure> {
    // Rejections left over from earlier calls (init code, an interrupted iteration) are not
    // this call's.
    drop(event_loop.rejections.take());
    *event_loop.uncaught.borrow_mut() = None;
    let v = f.call(&JsValue::undefined(), args, ctx)?;
    let cell = RefCell::new(ctx);
    event_loop.report_uncaught.set(true);
    let drained = event_loop.drive(&cell, None).await;
    event_loop.report_uncaught.set(false);
    if let Some(reason) = event_loop.uncaught.borrow_mut().take() {
        return Err(Failure {
            error: JsError::from_opaque(reason),
            in_promise: true,
        });
    }
    drained?;
    if let Some(PromiseState::Rejected(e)) = v.as_promise().map(|p| p.state()) {
        return Err(Failure {
            error: JsError::from_opaque(e),
            in_promise: true,
        });
    }
    Ok(settled(&v)?)
}

/// The value of a settled promise, or `v` itself when it is not a promise.
pub fn settled(v: &JsValue) -> JsResult<JsValue> {
    match v.as_promise() {
        None => Ok(v.clone()),
        Some(p) => match p.state() {
            PromiseState::Fulfilled(v) => Ok(v),
            PromiseState::Rejected(e) => Err(JsError::from_opaque(e)),
            PromiseState::Pending => Err(JsNativeError::error()
                .with_message(
                    "the promise never settled: the event loop is empty and nothing is left that could resolve it",
                )
                .into()),
        },
    }
}
