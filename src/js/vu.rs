//! A virtual user: one Boa context with the script evaluated in it, owned by one OS thread.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use boa_engine::builtins::promise::PromiseState;
use boa_engine::object::{FunctionObjectBuilder, ObjectInitializer};
use boa_engine::property::{Attribute, PropertyDescriptor};
use boa_engine::{Context, JsError, JsObject, JsResult, JsString, JsValue, NativeFunction};

use super::event_loop::{EventLoop, Failure, call_and_drain};
use super::interrupt::{ABORT_MESSAGE, INTERRUPT_MESSAGE};
use super::loader::Loader;
use super::runtime::{Phase, RunShared, ScenarioInfo, VuRef, VuState, vu_state};
use super::util::{arg_string, error, format_exception, func};
use crate::metrics::sample::now_ns;

/// A script error with k6's presentation (message with stack).
#[derive(Debug, Clone)]
pub struct ScriptError {
    pub message: String,
    /// The error came from an interruption (abort, end of scenario), not from the script.
    pub interrupted: bool,
}

impl std::fmt::Display for ScriptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

pub enum IterationOutcome {
    Completed,
    /// The iteration called `exec.test.abort()`: it counts as complete, and the VU stops.
    Aborted,
    /// The script threw: logged, but the iteration still counts (as in k6).
    Failed,
    Interrupted,
}

/// What `handleSummary` asked to write: `(destination, bytes)` pairs, destination being
/// `stdout`, `stderr` or a file path.
pub type SummaryFiles = Vec<(String, Vec<u8>)>;

pub struct Vu {
    pub ctx: Context,
    pub event_loop: Rc<EventLoop>,
    pub state: VuRef,
    namespace: JsObject,
    /// Exec functions looked up once.
    fn_cache: std::collections::HashMap<String, Option<JsObject>>,
    /// setup()'s data as this VU's JS value, made on its first iteration and kept (keyed by
    /// the address of the run's data): in k6 each VU converts the data once, so changes an
    /// iteration makes to it are seen by that VU's later iterations (not by other VUs).
    setup_arg: Option<(usize, JsValue)>,
}

fn error_message_is(e: &JsError, what: &str) -> bool {
    match e.as_native() {
        Some(native) => native.message() == what,
        None => e.to_string().contains(what),
    }
}

fn is_interrupt(e: &JsError, _ctx: &mut Context) -> bool {
    error_message_is(e, INTERRUPT_MESSAGE) || error_message_is(e, ABORT_MESSAGE)
}

/// The directory of the module whose top-level code is running (the outermost frame, or the
/// CommonJS file being required): k6
/// v1.1.0 resolves `open()` against it, so `open('./x')` at the top of `lib/data.js` reads
/// `lib/x`, while a function of `lib/` called from the main script's top level reads
/// relative to the main script (k6 warns that this will change).
fn evaluating_module_dir(ctx: &mut Context) -> Option<PathBuf> {
    // A CommonJS file's top level runs inside a function called by its requirer: the file
    // being evaluated is tracked by the loader instead.
    let running = ctx
        .get_data::<Rc<Loader>>()
        .and_then(|l| l.commonjs_running.borrow().last().cloned());
    if let Some(p) = running {
        return p.parent().map(Path::to_path_buf);
    }
    let outermost = ctx
        .stack_trace()
        .filter_map(|f| match &f.position().path {
            boa_engine::vm::SourcePath::Path(p) => Some(p.to_path_buf()),
            _ => None,
        })
        .last()?;
    outermost.parent().map(Path::to_path_buf)
}

fn open_fn(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let vu = vu_state(ctx);
    let shared = vu.borrow().shared.clone();
    if vu.borrow().phase != Phase::Init {
        return Err(error(
            "The \"open()\" function is only available in the init stage (i.e. the global scope), see https://grafana.com/docs/k6/latest/using-k6/test-lifecycle for more information",
        ));
    }
    let name = arg_string(args, 0, ctx)?;
    let binary = matches!(args.get(1).and_then(|v| v.as_string()), Some(s) if s.to_std_string_escaped() == "b");
    let path = match evaluating_module_dir(ctx) {
        Some(dir) if !Path::new(name.strip_prefix("file://").unwrap_or(&name)).is_absolute() => {
            dir.join(name.strip_prefix("file://").unwrap_or(&name))
        }
        _ => shared.resolve_path(&name),
    };
    let cached = shared.files.lock().get(&path).cloned();
    let bytes = match cached {
        Some(b) => b,
        None => {
            let data: Arc<[u8]> = match &shared.archive {
                // A test archive holds every file the test opens.
                Some(archive) => archive
                    .files
                    .get(&path)
                    .map(|d| d.as_slice().into())
                    .ok_or_else(|| {
                        error(format!(
                            "open {}: file does not exist in the test archive",
                            path.display()
                        ))
                    })?,
                None => std::fs::read(&path)
                    .map_err(|e| error(format!("open {}: {e}", path.display())))?
                    .into(),
            };
            shared.files.lock().insert(path.clone(), data.clone());
            data
        }
    };
    if binary {
        super::bytes::array_buffer(&bytes, ctx)
    } else {
        Ok(JsString::from(String::from_utf8_lossy(&bytes).as_ref()).into())
    }
}

impl Vu {
    /// Builds the context and evaluates the script (the init context). `id` 0 is the VU that
    /// reads options and runs setup/teardown/handleSummary.
    pub fn new(shared: Arc<RunShared>, id: u64) -> Result<Vu, ScriptError> {
        let event_loop = Rc::new(EventLoop::default());
        let loader = Rc::new(Loader::new(shared.clone()));
        let mut ctx = Context::builder()
            .job_executor(event_loop.clone())
            .host_hooks(event_loop.rejections.clone())
            .module_loader(loader.clone())
            .build()
            .map_err(|e| ScriptError {
                message: format!("creating the JS runtime: {e}"),
                interrupted: false,
            })?;
        let state = Rc::new(RefCell::new(VuState::new(shared.clone(), id)));
        event_loop.set_signal(state.borrow().signal.clone());
        ctx.set_interrupt_flag(Some(state.borrow().signal.engine_flag()));
        super::limits::apply(&mut ctx);
        ctx.insert_data::<VuRef>(state.clone());
        ctx.insert_data::<Rc<EventLoop>>(event_loop.clone());
        let _guard = shared.tokio.enter();
        let setup = (|| -> JsResult<JsObject> {
            install_globals(&mut ctx, id)?;
            super::commonjs::install_globals(&mut ctx, loader.clone(), shared.script_path.clone())?;
            // As in k6, a script without import/export declarations is CommonJS: its
            // `module.exports` (`exports.default = ...`, `exports.options`) are its exports.
            let src = loader.read_source(&shared.script_path, &mut ctx)?;
            if !loader.info(&shared.script_path, &src).esm {
                let module = super::commonjs::evaluate(&loader, &shared.script_path, &mut ctx)?;
                let cell = RefCell::new(&mut ctx);
                futures_lite::future::block_on(event_loop.drive(&cell, None))?;
                let exports = module.get(JsString::from("exports"), &mut ctx)?;
                return Ok(exports
                    .as_object()
                    .unwrap_or_else(|| JsObject::with_object_proto(ctx.intrinsics())));
            }
            let module = loader.parse_file(&shared.script_path, &mut ctx)?;
            let promise = module.load_link_evaluate(&mut ctx);
            let cell = RefCell::new(&mut ctx);
            futures_lite::future::block_on(event_loop.drive(&cell, None))?;
            match promise.state() {
                PromiseState::Fulfilled(_) => Ok(module.namespace(&mut ctx)),
                PromiseState::Rejected(e) => Err(JsError::from_opaque(e)),
                PromiseState::Pending => Err(error(
                    "the script's top-level code never finished (a top-level await that never settles)",
                )),
            }
        })();
        let namespace = match setup {
            Ok(m) => m,
            Err(e) => {
                let message = format_exception(&e, &mut ctx);
                return Err(ScriptError {
                    message,
                    interrupted: false,
                });
            }
        };
        state.borrow_mut().flush();
        Ok(Vu {
            ctx,
            event_loop,
            state,
            namespace,
            fn_cache: Default::default(),
            setup_arg: None,
        })
    }

    pub fn export(&mut self, name: &str) -> JsValue {
        self.namespace
            .get(JsString::from(name), &mut self.ctx)
            .unwrap_or_default()
    }

    /// Whether the script exports any function at all (k6 refuses to load one that does not).
    pub fn exports_any_function(&mut self) -> bool {
        let keys = self
            .namespace
            .own_property_keys(&mut self.ctx)
            .unwrap_or_default();
        keys.into_iter().any(|k| {
            self.namespace
                .get(k, &mut self.ctx)
                .is_ok_and(|v| v.is_callable())
        })
    }

    pub fn has_function(&mut self, name: &str) -> bool {
        self.function(name).is_some()
    }

    pub fn function(&mut self, name: &str) -> Option<JsObject> {
        if let Some(f) = self.fn_cache.get(name) {
            return f.clone();
        }
        let f = self.export(name).as_callable();
        self.fn_cache.insert(name.to_string(), f.clone());
        f
    }

    /// `export const options`, as JSON.
    pub fn options_json(&mut self) -> Result<Option<serde_json::Value>, ScriptError> {
        let v = self.export("options");
        if v.is_undefined() || v.is_null() {
            return Ok(None);
        }
        v.to_json(&mut self.ctx).map_err(|e| ScriptError {
            message: format!("the exported options could not be read as JSON: {e}"),
            interrupted: false,
        })
    }

    fn set_phase(&mut self, phase: Phase) {
        let mut st = self.state.borrow_mut();
        st.phase = phase;
        // k6 runs setup()/teardown() inside the groups `::setup`/`::teardown`, so groups
        // opened there nest under them (`::setup::prepare`).
        st.group_path = match phase {
            Phase::Setup => "::setup".to_string(),
            Phase::Teardown => "::teardown".to_string(),
            _ => String::new(),
        };
        st.invalidate_tags();
    }

    fn data_arg(&mut self, data: Option<&serde_json::Value>) -> JsResult<JsValue> {
        match data {
            None => Ok(JsValue::undefined()),
            Some(v) => JsValue::from_json(v, &mut self.ctx),
        }
    }

    /// The setup data argument of an iteration: one JS value per VU and run.
    fn iteration_data_arg(&mut self, data: Option<&serde_json::Value>) -> JsResult<JsValue> {
        let Some(v) = data else {
            return Ok(JsValue::undefined());
        };
        let key = v as *const serde_json::Value as usize;
        if let Some((k, arg)) = &self.setup_arg
            && *k == key
        {
            return Ok(arg.clone());
        }
        let arg = JsValue::from_json(v, &mut self.ctx)?;
        self.setup_arg = Some((key, arg.clone()));
        Ok(arg)
    }

    /// Runs a lifecycle function (setup/teardown/handleSummary) to completion.
    pub fn call_lifecycle(
        &mut self,
        name: &str,
        phase: Phase,
        arg: Option<&serde_json::Value>,
    ) -> Result<Option<serde_json::Value>, ScriptError> {
        let Some(f) = self.function(name) else {
            return Ok(None);
        };
        self.set_phase(phase);
        let shared = self.state.borrow().shared.clone();
        let _guard = shared.tokio.enter();
        let start = Instant::now();
        let result = (|| -> Result<_, Failure> {
            let arg = self.data_arg(arg)?;
            let v = futures_lite::future::block_on(call_and_drain(
                &self.event_loop,
                &mut self.ctx,
                &f,
                &[arg],
            ))?;
            // Only setup()'s result goes anywhere (teardown's is dropped, as in k6).
            if phase != Phase::Setup {
                return Ok(Ok(None));
            }
            Ok(
                super::setup_data::export(&v, &mut self.ctx).map(|x| match x {
                    super::setup_data::Exported::Data(d) => Ok(d),
                    super::setup_data::Exported::Unsupported(msg) => Err(msg),
                })?,
            )
        })();
        self.finish_call(
            start,
            false,
            phase == Phase::Setup || phase == Phase::Teardown,
        );
        match result {
            Ok(Ok(d)) => Ok(d),
            Ok(Err(message)) => Err(ScriptError {
                message,
                interrupted: false,
            }),
            Err(e) => {
                let interrupted = is_interrupt(&e.error, &mut self.ctx);
                Err(ScriptError {
                    message: e.format(&mut self.ctx),
                    interrupted,
                })
            }
        }
    }

    /// Emits the per-call samples k6 emits: data_sent/data_received always (when the call is
    /// a VU call), iteration_duration/iterations for full iterations.
    fn finish_call(&mut self, start: Instant, full_iteration: bool, emit_data: bool) {
        let end_ns = now_ns();
        let mut st = self.state.borrow_mut();
        st.group_path.clear();
        st.invalidate_tags();
        if emit_data || full_iteration {
            let tags = st.tags_with(std::iter::empty());
            let b = &st.shared.clone().builtin;
            let (sent, recv) = (st.data_sent, st.data_received);
            st.push_sample(&b.data_sent, sent as f64, tags.clone(), end_ns);
            st.push_sample(&b.data_received, recv as f64, tags.clone(), end_ns);
            if full_iteration {
                st.push_sample(
                    &b.iteration_duration,
                    start.elapsed().as_secs_f64() * 1000.0,
                    tags.clone(),
                    end_ns,
                );
                st.push_sample(&b.iterations, 1.0, tags, end_ns);
            }
        }
        st.data_sent = 0;
        st.data_received = 0;
        if full_iteration || st.phase == Phase::Iteration {
            st.flush_if_due();
        } else {
            st.flush();
        }
    }

    /// Sends the samples the VU still buffers (an activation ends: its samples must reach
    /// the engine before the controller reports the activation done).
    pub fn flush_samples(&mut self) {
        self.state.borrow_mut().flush();
    }

    /// Runs `handleSummary(data)` and returns what it asked to write: `(destination, bytes)`
    /// pairs where destination is `stdout`, `stderr` or a file path. `None` when the script
    /// has no handleSummary.
    pub fn call_handle_summary(
        &mut self,
        data: &serde_json::Value,
    ) -> Result<Option<SummaryFiles>, ScriptError> {
        let Some(f) = self.function("handleSummary") else {
            return Ok(None);
        };
        self.set_phase(Phase::HandleSummary);
        let shared = self.state.borrow().shared.clone();
        let _guard = shared.tokio.enter();
        let result = (|| -> Result<Option<SummaryFiles>, Failure> {
            let arg = JsValue::from_json(data, &mut self.ctx)?;
            // k6's data always has a `setup_data` key, undefined when setup() returned
            // nothing (JSON has no undefined, so it is added here).
            if let Some(o) = arg.as_object()
                && !o.has_own_property(JsString::from("setup_data"), &mut self.ctx)?
            {
                o.set(
                    JsString::from("setup_data"),
                    JsValue::undefined(),
                    false,
                    &mut self.ctx,
                )?;
            }
            let v = futures_lite::future::block_on(call_and_drain(
                &self.event_loop,
                &mut self.ctx,
                &f,
                &[arg],
            ))?;
            // k6 v1.1.0: undefined/null prints the default summary; anything else that is
            // not an object, or holds a value other than a string or binary data, is
            // reported and nothing is written.
            if v.is_undefined() || v.is_null() {
                return Ok(None);
            }
            let Some(obj) = v.as_object() else {
                summary_error("handleSummary() should return a map with string keys");
                return Ok(Some(Vec::new()));
            };
            let mut out = Vec::new();
            for key in obj.own_property_keys(&mut self.ctx)? {
                let name = match &key {
                    boa_engine::property::PropertyKey::String(s) => s.to_std_string_escaped(),
                    boa_engine::property::PropertyKey::Index(i) => i.get().to_string(),
                    boa_engine::property::PropertyKey::Symbol(_) => continue,
                };
                let val = obj.get(key, &mut self.ctx)?;
                let bytes = if let Some(s) = val.as_string() {
                    s.to_std_string_escaped().into_bytes()
                } else if let Some(b) = super::bytes::binary_bytes(&val, &mut self.ctx)? {
                    b
                } else {
                    summary_error(&format!(
                        "error handling summary object {name}: invalid type {}, it needs to be a string or ArrayBuffer",
                        go_type_name(&val)
                    ));
                    return Ok(Some(Vec::new()));
                };
                out.push((name, bytes));
            }
            Ok(Some(out))
        })();
        result.map_err(|e| ScriptError {
            message: e.format(&mut self.ctx),
            interrupted: false,
        })
    }

    /// Switches the VU to a scenario (tags, env) before its iterations start.
    pub fn activate(&mut self, scenario: Arc<ScenarioInfo>) {
        let mut st = self.state.borrow_mut();
        let same = st
            .scenario
            .as_ref()
            .is_some_and(|s| Arc::ptr_eq(s, &scenario));
        if !same {
            st.iteration_in_scenario = 0;
        }
        // Like k6, every activation gets a fresh `__ENV`: the run's variables plus this
        // scenario's `env` (a VU that served another scenario keeps none of its variables).
        st.scenario = Some(scenario);
        // k6 resets the VU's tags to the run's and the scenario's, and drops its metadata, on
        // every activation: what `exec.vu.tags`/`exec.vu.metrics` changed does not carry over.
        st.user_tags.clear();
        st.removed_tags.clear();
        st.user_metadata.clear();
        st.phase = Phase::Iteration;
        st.signal.reset();
        st.invalidate_tags();
        st.env = None;
    }

    /// Runs one iteration of `exec` with `data` (setup's result, copied afresh).
    pub fn run_iteration(
        &mut self,
        exec: &str,
        data: Option<&serde_json::Value>,
    ) -> IterationOutcome {
        let Some(f) = self.function(exec) else {
            return IterationOutcome::Failed;
        };
        let shared = self.state.borrow().shared.clone();
        let (iter, sc) = {
            let mut st = self.state.borrow_mut();
            st.group_path.clear();
            st.invalidate_tags();
            // k6's __ITER counts the VU's iterations across scenarios.
            (st.iteration_in_instance, st.scenario.clone())
        };
        let global = self.ctx.global_object();
        let _ = global.set(JsString::from("__ITER"), iter as f64, false, &mut self.ctx);
        let _guard = shared.tokio.enter();
        let start = Instant::now();
        let result = (|| -> Result<JsValue, Failure> {
            let arg = self.iteration_data_arg(data)?;
            futures_lite::future::block_on(call_and_drain(
                &self.event_loop,
                &mut self.ctx,
                &f,
                &[arg],
            ))
        })();
        let outcome = match result {
            Ok(_) => IterationOutcome::Completed,
            Err(e) if error_message_is(&e.error, ABORT_MESSAGE) => {
                self.event_loop.reset();
                IterationOutcome::Aborted
            }
            Err(e)
                if is_interrupt(&e.error, &mut self.ctx)
                    || self.state.borrow().signal.is_cancelled() =>
            {
                self.event_loop.reset();
                IterationOutcome::Interrupted
            }
            Err(e) => {
                self.event_loop.reset();
                let msg = e.format(&mut self.ctx);
                let (executor, scenario) = sc
                    .as_ref()
                    .map(|s| (s.executor, s.name.to_string()))
                    .unwrap_or(("", String::new()));
                // k6 tags a thrown exception `source=stacktrace`, not a rejected Promise.
                let fields = [
                    ("executor", executor),
                    ("scenario", scenario.as_str()),
                    ("source", "stacktrace"),
                ];
                let fields = if e.in_promise {
                    &fields[..2]
                } else {
                    &fields[..]
                };
                super::console::log(super::console::Level::Error, &msg, fields);
                IterationOutcome::Failed
            }
        };
        let full = !matches!(outcome, IterationOutcome::Interrupted);
        if matches!(outcome, IterationOutcome::Aborted) {
            self.state.borrow().signal.cancel();
        }
        self.finish_call(start, full, true);
        {
            let mut st = self.state.borrow_mut();
            st.iteration_in_scenario += 1;
            st.iteration_in_instance += 1;
        }
        // Frees the responses and other native-backed objects earlier iterations left behind.
        super::gc::collect_if_due(&self.state);
        let c = &shared.counters;
        if full {
            c.iterations_completed.fetch_add(1, Ordering::Relaxed);
        } else {
            c.iterations_interrupted.fetch_add(1, Ordering::Relaxed);
        }
        let min = shared.options.min_iteration_duration;
        if full && !min.is_zero() {
            let spent = start.elapsed();
            if spent < min {
                let signal = self.state.borrow().signal.clone();
                signal.sleep(min - spent);
            }
        }
        outcome
    }
}

/// k6's log line for a handleSummary result it cannot use.
pub fn summary_error(error: &str) {
    super::console::log(
        super::console::Level::Error,
        "failed to handle the end-of-test summary",
        &[("error", error)],
    );
}

/// Go's name for the type of an exported JS value, as k6's messages show it.
pub(crate) fn go_type_name(v: &JsValue) -> &'static str {
    if v.is_undefined() || v.is_null() {
        "<nil>"
    } else if let Some(n) = v.as_number() {
        if n.fract() == 0.0 && n.is_finite() {
            "int64"
        } else {
            "float64"
        }
    } else if v.is_boolean() {
        "bool"
    } else if v.as_object().is_some_and(|o| o.is_array()) {
        "[]interface {}"
    } else if v.as_callable().is_some() {
        "func(goja.FunctionCall) goja.Value"
    } else {
        "map[string]interface {}"
    }
}

/// Makes `__ENV` a global that builds its object when first read: the run's variables (the
/// system environment too, by default: dozens of properties) plus the current scenario's
/// `env`. Building it at init and again at every activation was ~8% of the CPU of starting
/// 1000 VUs (bench/PROFILE.md), for an object most iterations never read.
///
/// It stays an accessor (reads and assignments go through `VuState::env`): k6's is a plain
/// data property, but turning the accessor into one from its getter confuses Boa 0.22's
/// inline caches (a later read at the same site calls the new value as the getter).
fn install_lazy_env(ctx: &mut Context) -> JsResult<()> {
    let get = FunctionObjectBuilder::new(ctx.realm(), NativeFunction::from_fn_ptr(env_get))
        .name(JsString::from("get __ENV"))
        .build();
    let set = FunctionObjectBuilder::new(ctx.realm(), NativeFunction::from_fn_ptr(env_set))
        .name(JsString::from("set __ENV"))
        .length(1)
        .build();
    ctx.global_object().define_property_or_throw(
        JsString::from("__ENV"),
        PropertyDescriptor::builder()
            .get(get)
            .set(set)
            .enumerable(true)
            .configurable(true),
        ctx,
    )?;
    Ok(())
}

fn env_get(_: &JsValue, _: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    let vu = vu_state(ctx);
    let (shared, scenario) = {
        let st = vu.borrow();
        if let Some(v) = &st.env {
            return Ok(v.clone());
        }
        (st.shared.clone(), st.scenario.clone())
    };
    let scenario_env = scenario.as_ref().map(|s| &s.env);
    let mut env = ObjectInitializer::new(ctx);
    for (k, v) in shared.env.iter() {
        if scenario_env.is_some_and(|e| e.contains_key(k)) {
            continue;
        }
        env.property(
            JsString::from(k.as_str()),
            JsString::from(v.as_str()),
            Attribute::all(),
        );
    }
    for (k, v) in scenario_env.into_iter().flatten() {
        env.property(
            JsString::from(k.as_str()),
            JsString::from(v.as_str()),
            Attribute::all(),
        );
    }
    let env: JsValue = env.build().into();
    vu.borrow_mut().env = Some(env.clone());
    Ok(env)
}

fn env_set(_: &JsValue, args: &[JsValue], ctx: &mut Context) -> JsResult<JsValue> {
    vu_state(ctx).borrow_mut().env = Some(args.first().cloned().unwrap_or_default());
    Ok(JsValue::undefined())
}

fn install_globals(ctx: &mut Context, id: u64) -> JsResult<()> {
    // Boa 0.22 binds the abstract %TypedArray% constructor as a global `TypedArray`, which
    // ECMAScript (and k6) do not have; scripts feature-testing globals must see what k6 shows.
    ctx.global_object()
        .delete_property_or_throw(JsString::from("TypedArray"), ctx)?;
    super::console::install(ctx)?;
    // k6 offers res.html() whether or not the script imports k6/html.
    ctx.insert_data(super::modules::http::ResponseHtmlHook(
        super::modules::html::response_html,
    ));
    super::modules::timers::install_globals(ctx)?;
    super::modules::webcrypto::install_globals(ctx)?;
    ctx.register_global_property(JsString::from("__VU"), id as f64, Attribute::all())?;
    // No `__ITER` until the VU's first iteration sets it: in the init context, setup() and
    // teardown() it is a ReferenceError, as in k6.
    install_lazy_env(ctx)?;
    let open = func(ctx, "open", 2, NativeFunction::from_fn_ptr(open_fn));
    ctx.register_global_property(JsString::from("open"), open, Attribute::all())?;
    Ok(())
}
