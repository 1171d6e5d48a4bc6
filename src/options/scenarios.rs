//! `options.scenarios`: typed executor configurations with k6's defaults and validation, the
//! derivation of a scenario from the shortcut options (`vus`/`duration`/`iterations`/`stages`),
//! and k6's execution plan (how many VUs every scenario needs when), which decides how many
//! VUs are initialised before the test starts.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Map, Value};

use super::duration::{duration_from_json, format_go, parse_duration};
use super::execution_segment::{ExecutionTuple, Rat, Stripe};

#[derive(Clone, Debug, PartialEq)]
pub struct Stage {
    pub duration: Duration,
    pub target: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExecutorConfig {
    SharedIterations {
        vus: u64,
        iterations: u64,
        max_duration: Duration,
    },
    PerVuIterations {
        vus: u64,
        iterations: u64,
        max_duration: Duration,
    },
    ConstantVus {
        vus: u64,
        duration: Duration,
    },
    RampingVus {
        start_vus: u64,
        stages: Vec<Stage>,
        graceful_ramp_down: Duration,
    },
    ConstantArrivalRate {
        rate: u64,
        time_unit: Duration,
        duration: Duration,
        pre_allocated_vus: u64,
        max_vus: u64,
    },
    RampingArrivalRate {
        start_rate: u64,
        time_unit: Duration,
        stages: Vec<Stage>,
        pre_allocated_vus: u64,
        max_vus: u64,
    },
    /// `duration` zero means "until the test is stopped".
    ExternallyControlled {
        vus: u64,
        max_vus: u64,
        duration: Duration,
    },
}

impl ExecutorConfig {
    pub fn name(&self) -> &'static str {
        match self {
            ExecutorConfig::SharedIterations { .. } => "shared-iterations",
            ExecutorConfig::PerVuIterations { .. } => "per-vu-iterations",
            ExecutorConfig::ConstantVus { .. } => "constant-vus",
            ExecutorConfig::RampingVus { .. } => "ramping-vus",
            ExecutorConfig::ConstantArrivalRate { .. } => "constant-arrival-rate",
            ExecutorConfig::RampingArrivalRate { .. } => "ramping-arrival-rate",
            ExecutorConfig::ExternallyControlled { .. } => "externally-controlled",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioConfig {
    pub name: String,
    pub executor: ExecutorConfig,
    pub start_time: Duration,
    pub graceful_stop: Duration,
    pub exec: String,
    /// `exec` was given explicitly (k6 then shows it in the banner).
    pub exec_set: bool,
    pub env: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
    /// This instance's share of the scenario when the test is split by execution segments.
    pub share: Share,
}

/// What an instance running one execution segment needs besides its scaled counts (see
/// [`ScenarioConfig::for_segment`]); the whole test by default.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Share {
    /// The instance's tuple: ramping-vus scales the VU count of every step with it.
    pub tuple: ExecutionTuple,
    /// Which of the whole scenario's iterations (and, for arrival rates, starts) are this
    /// instance's: `exec.scenario.iterationInTest` of its n-th is `iterations.nth(n)`.
    pub iterations: Stripe,
    /// Arrival rates: the share of the rate shown in the banner (k6's `GetDescription`).
    pub rate: Option<Rat>,
    /// Ramping-arrival-rate shows `maxVUs: a-b` when the whole test's maxVUs exceed its
    /// preAllocatedVUs, whatever the scaled values.
    pub vus_range: bool,
}

/// One step of k6's execution plan: from `offset` on, `planned` VUs are reserved and up to
/// `unplanned` more may be initialised during the run (arrival-rate executors).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExecutionStep {
    pub offset: Duration,
    pub planned: u64,
    pub unplanned: u64,
}

fn step(offset: Duration, planned: u64, unplanned: u64) -> ExecutionStep {
    ExecutionStep {
        offset,
        planned,
        unplanned,
    }
}

fn stages_duration(stages: &[Stage]) -> Duration {
    stages.iter().map(|s| s.duration).sum()
}

impl ScenarioConfig {
    /// The most VUs this scenario ever needs at once (k6's `GetMaxVUs`).
    pub fn max_vus(&self) -> u64 {
        match &self.executor {
            ExecutorConfig::RampingVus { .. } => max_planned(&self.execution_requirements()),
            ExecutorConfig::ConstantArrivalRate {
                pre_allocated_vus,
                max_vus,
                ..
            }
            | ExecutorConfig::RampingArrivalRate {
                pre_allocated_vus,
                max_vus,
                ..
            } => (*max_vus).max(*pre_allocated_vus),
            ExecutorConfig::SharedIterations { vus, .. }
            | ExecutorConfig::PerVuIterations { vus, .. }
            | ExecutorConfig::ConstantVus { vus, .. } => *vus,
            ExecutorConfig::ExternallyControlled { vus, max_vus, .. } => (*max_vus).max(*vus),
        }
    }

    /// k6's `GetExecutionRequirements`: the VUs this scenario reserves over time, relative to
    /// its own start, including the graceful stop.
    pub fn execution_requirements(&self) -> Vec<ExecutionStep> {
        let gs = self.graceful_stop;
        match &self.executor {
            ExecutorConfig::SharedIterations {
                vus, max_duration, ..
            }
            | ExecutorConfig::PerVuIterations {
                vus, max_duration, ..
            } => vec![
                step(Duration::ZERO, *vus, 0),
                step(*max_duration + gs, 0, 0),
            ],
            ExecutorConfig::ConstantVus { vus, duration } => {
                vec![step(Duration::ZERO, *vus, 0), step(*duration + gs, 0, 0)]
            }
            ExecutorConfig::RampingVus {
                start_vus,
                stages,
                graceful_ramp_down,
            } => ramping_vus_graceful_steps(
                *start_vus,
                stages,
                *graceful_ramp_down,
                gs,
                &self.share.tuple,
            )
            .into_iter()
            .map(|(t, v)| step(t, v, 0))
            .collect(),
            ExecutorConfig::ConstantArrivalRate {
                duration,
                pre_allocated_vus,
                max_vus,
                ..
            } => vec![
                step(
                    Duration::ZERO,
                    *pre_allocated_vus,
                    max_vus.saturating_sub(*pre_allocated_vus),
                ),
                step(*duration + gs, 0, 0),
            ],
            ExecutorConfig::RampingArrivalRate {
                stages,
                pre_allocated_vus,
                max_vus,
                ..
            } => vec![
                step(
                    Duration::ZERO,
                    *pre_allocated_vus,
                    max_vus.saturating_sub(*pre_allocated_vus),
                ),
                step(stages_duration(stages) + gs, 0, 0),
            ],
            ExecutorConfig::ExternallyControlled {
                max_vus, duration, ..
            } => {
                let mut v = vec![step(Duration::ZERO, *max_vus, 0)];
                if !duration.is_zero() {
                    v.push(step(*duration, 0, 0));
                }
                v
            }
        }
    }

    /// The scenario's regular duration (without the graceful stop) and its longest possible
    /// duration (k6's end offset of the execution requirements).
    pub fn durations(&self) -> (Duration, Duration) {
        let base = match &self.executor {
            ExecutorConfig::SharedIterations { max_duration, .. }
            | ExecutorConfig::PerVuIterations { max_duration, .. } => *max_duration,
            ExecutorConfig::ConstantVus { duration, .. }
            | ExecutorConfig::ConstantArrivalRate { duration, .. }
            | ExecutorConfig::ExternallyControlled { duration, .. } => *duration,
            ExecutorConfig::RampingVus { stages, .. }
            | ExecutorConfig::RampingArrivalRate { stages, .. } => stages_duration(stages),
        };
        let end = self
            .execution_requirements()
            .last()
            .map(|s| s.offset)
            .unwrap_or_default();
        (base, end.max(base))
    }

    /// This instance's part of the scenario when the test is split by execution segments
    /// (k6's `GetExecutionRequirements`, `GetVUs`, `GetIterations` and `Init` of each
    /// executor with the instance's tuple): the VU counts scaled by the tuple; the
    /// iterations of shared-iterations by the tuple re-cut by its VUs; arrival rates keep
    /// the whole test's schedule and run the starts of the stripe of the tuple re-cut by
    /// their `maxVUs`. With whether the segment gets any work (k6 runs only those, and
    /// still describes the others in the banner).
    pub fn for_segment(&self, tuple: &ExecutionTuple) -> (ScenarioConfig, bool) {
        let mut sc = self.clone();
        sc.share = Share {
            tuple: tuple.clone(),
            iterations: tuple.stripe(),
            rate: None,
            vus_range: false,
        };
        if tuple.is_full() {
            return (sc, true);
        }
        let scale = |v: u64| tuple.scale(v);
        let has_work = match &mut sc.executor {
            ExecutorConfig::SharedIterations {
                vus, iterations, ..
            } => {
                // k6: no iterations when the segment gets none of the VUs.
                match tuple.for_value(*vus) {
                    Ok(recut) => {
                        *iterations = recut.scale(*iterations);
                        sc.share.iterations = recut.stripe();
                    }
                    Err(_) => *iterations = 0,
                }
                *vus = scale(*vus);
                *vus > 0 && *iterations > 0
            }
            ExecutorConfig::PerVuIterations {
                vus, iterations, ..
            } => {
                *vus = scale(*vus);
                *vus > 0 && *iterations > 0
            }
            ExecutorConfig::ConstantVus { vus, .. } => {
                *vus = scale(*vus);
                *vus > 0
            }
            ExecutorConfig::RampingVus { .. } => true,
            ExecutorConfig::ConstantArrivalRate {
                pre_allocated_vus,
                max_vus,
                ..
            } => {
                let whole_max = *max_vus;
                *pre_allocated_vus = scale(*pre_allocated_vus);
                *max_vus = scale(*max_vus);
                // k6 shows the rate times the share of maxVUs.
                sc.share.rate = Some(Rat::new(*max_vus as i128, whole_max.max(1) as i128));
                if let Ok(recut) = tuple.for_value(whole_max) {
                    sc.share.iterations = recut.stripe();
                }
                *max_vus > 0
            }
            ExecutorConfig::RampingArrivalRate {
                pre_allocated_vus,
                max_vus,
                ..
            } => {
                let whole_max = *max_vus;
                sc.share.vus_range = whole_max > *pre_allocated_vus;
                *pre_allocated_vus = scale(*pre_allocated_vus);
                *max_vus = scale(*max_vus);
                // k6 shows the peak rate times the segment's length.
                sc.share.rate = Some(tuple.segment().length());
                if let Ok(recut) = tuple.for_value(whole_max) {
                    sc.share.iterations = recut.stripe();
                }
                *max_vus > 0
            }
            ExecutorConfig::ExternallyControlled { vus, max_vus, .. } => {
                *vus = scale(*vus);
                *max_vus = scale(*max_vus);
                true
            }
        };
        let has_work = has_work
            && (!matches!(sc.executor, ExecutorConfig::RampingVus { .. })
                || max_planned(&sc.execution_requirements()) > 0);
        (sc, has_work)
    }

    /// The one-line description k6 prints in the banner.
    pub fn describe(&self) -> String {
        let base = |mut facts: Vec<String>| {
            if self.exec_set {
                facts.push(format!("exec: {}", self.exec));
            }
            if !self.start_time.is_zero() {
                facts.push(format!("startTime: {}", format_go(self.start_time)));
            }
            if !self.graceful_stop.is_zero()
                && !matches!(self.executor, ExecutorConfig::ExternallyControlled { .. })
            {
                facts.push(format!("gracefulStop: {}", format_go(self.graceful_stop)));
            }
            if facts.is_empty() {
                String::new()
            } else {
                format!(" ({})", facts.join(", "))
            }
        };
        let vus_range = |pre: u64, max: u64| {
            if max > pre {
                format!("maxVUs: {pre}-{max}")
            } else {
                format!("maxVUs: {pre}")
            }
        };
        match &self.executor {
            ExecutorConfig::SharedIterations {
                vus,
                iterations,
                max_duration,
            } => format!(
                "{iterations} iterations shared among {vus} VUs{}",
                base(vec![format!("maxDuration: {}", format_go(*max_duration))])
            ),
            ExecutorConfig::PerVuIterations {
                vus,
                iterations,
                max_duration,
            } => format!(
                "{iterations} iterations for each of {vus} VUs{}",
                base(vec![format!("maxDuration: {}", format_go(*max_duration))])
            ),
            ExecutorConfig::ConstantVus { vus, duration } => format!(
                "{vus} looping VUs for {}{}",
                format_go(*duration),
                base(vec![])
            ),
            ExecutorConfig::RampingVus {
                start_vus,
                stages,
                graceful_ramp_down,
            } => format!(
                "Up to {} looping VUs for {} over {} stages{}",
                self.share
                    .tuple
                    .scale(stages.iter().map(|s| s.target).fold(*start_vus, u64::max)),
                format_go(stages_duration(stages)),
                stages.len(),
                base(vec![format!(
                    "gracefulRampDown: {}",
                    format_go(*graceful_ramp_down)
                )])
            ),
            ExecutorConfig::ConstantArrivalRate {
                rate,
                time_unit,
                duration,
                pre_allocated_vus,
                max_vus,
            } => format!(
                "{:.2} iterations/s for {}{}",
                self.shared_rate(per_second(*rate, *time_unit)),
                format_go(*duration),
                base(vec![vus_range(*pre_allocated_vus, *max_vus)])
            ),
            ExecutorConfig::RampingArrivalRate {
                stages,
                time_unit,
                start_rate,
                pre_allocated_vus,
                max_vus,
            } => {
                let peak = stages.iter().map(|s| s.target).fold(*start_rate, u64::max);
                format!(
                    "Up to {:.2} iterations/s for {} over {} stages{}",
                    self.shared_rate(per_second(peak, *time_unit)),
                    format_go(stages_duration(stages)),
                    stages.len(),
                    base(vec![if self.share.vus_range {
                        format!("maxVUs: {pre_allocated_vus}-{max_vus}")
                    } else {
                        vus_range(*pre_allocated_vus, *max_vus)
                    }])
                )
            }
            ExecutorConfig::ExternallyControlled {
                vus,
                max_vus,
                duration,
            } => format!(
                "Externally controlled execution with {vus} VUs, {max_vus} max VUs, {} duration",
                if duration.is_zero() {
                    "infinite".to_string()
                } else {
                    format_go(*duration)
                }
            ),
        }
    }
}

impl ScenarioConfig {
    /// This instance's share of a whole-test rate, for the banner.
    fn shared_rate(&self, per_second: f64) -> f64 {
        match self.share.rate {
            Some(r) => per_second * (*r.numer() as f64) / (*r.denom() as f64),
            None => per_second,
        }
    }
}

/// Iterations per second of an arrival rate.
pub fn per_second(rate: u64, time_unit: Duration) -> f64 {
    let unit = time_unit.as_secs_f64();
    if unit > 0.0 { rate as f64 / unit } else { 0.0 }
}

/// k6's `getRawExecutionSteps` for ramping-vus: when the number of looping VUs changes
/// (offset from the scenario start, VUs from then on). With `zero_end`, a last step drops to 0
/// at the end of the stages.
///
/// For an execution segment k6 walks only the segment's VUs (their global numbers); the
/// steps are the same as the whole test's steps with each VU count replaced by the segment's
/// share of it (`tuple.scale`), keeping a step only where that share changes.
pub fn ramping_vus_raw_steps(
    start_vus: u64,
    stages: &[Stage],
    zero_end: bool,
    tuple: &ExecutionTuple,
) -> Vec<(Duration, u64)> {
    let whole = whole_test_ramping_steps(start_vus, stages);
    let mut steps: Vec<(Duration, u64)> = Vec::with_capacity(whole.len() + 1);
    for (t, v) in whole {
        let v = tuple.scale(v);
        if steps.last().is_none_or(|l| l.1 != v) {
            steps.push((t, v));
        }
    }
    if zero_end && steps.last().is_some_and(|l| l.1 != 0) {
        steps.push((stages_duration(stages), 0));
    }
    steps
}

fn whole_test_ramping_steps(start_vus: u64, stages: &[Stage]) -> Vec<(Duration, u64)> {
    let mut steps: Vec<(Duration, u64)> = vec![(Duration::ZERO, start_vus)];
    let add = |steps: &mut Vec<(Duration, u64)>, t: i128, v: i64| {
        let v = v.max(0) as u64;
        if steps.last().is_none_or(|l| l.1 != v) {
            steps.push((Duration::from_nanos(t.max(0) as u64), v));
        }
    };
    let mut time_till_end: i128 = 0;
    let mut from = start_vus as i64;
    // k6 walks a VU index that ends one past the target after a ramp up; the next stage's
    // first step starts from there.
    let mut index = from;
    for stage in stages {
        let end = stage.target as i64;
        let dur = stage.duration.as_nanos() as i128;
        time_till_end += dur;
        let diff = (end - from) as i128;
        if diff == 0 {
            continue;
        }
        if dur == 0 {
            add(&mut steps, time_till_end, end);
            from = end;
            index = end;
            continue;
        }
        if index > end {
            while index > end {
                let t = time_till_end - dur * (end - index + 1) as i128 / diff;
                add(&mut steps, t, index - 1);
                index -= 1;
            }
        } else {
            while index <= end {
                let t = time_till_end - dur * (end - index) as i128 / diff;
                add(&mut steps, t, index);
                index += 1;
            }
        }
        from = end;
    }
    steps
}

/// k6's `reserveVUsForGracefulRampDowns`: keeps ramped-down VUs reserved for
/// `gracefulRampDown` so that they can finish their iteration.
fn reserve_for_graceful_ramp_downs(
    raw: &[(Duration, u64)],
    graceful_ramp_down: Duration,
    executor_end: Duration,
) -> Vec<(Duration, u64)> {
    let mut out: Vec<(Duration, u64)> = Vec::new();
    let mut last_planned = 0u64;
    let mut last_downward = 0usize;
    let mut i = 0usize;
    while i < raw.len() {
        let (offset, planned) = raw[i];
        if i == 0 || planned > last_planned {
            out.push(raw[i]);
            last_planned = planned;
            i += 1;
            continue;
        }
        if planned == last_planned {
            i += 1;
            continue;
        }
        let with_timeout = offset + graceful_ramp_down;
        let mut skipped = false;
        let mut was_ramping_down = true;
        let mut adv = last_downward.max(i + 1);
        while adv < raw.len() {
            let (a_off, a_planned) = raw[adv];
            if a_off > with_timeout {
                break;
            }
            if a_planned >= last_planned {
                i = adv - 1;
                skipped = true;
                break;
            }
            if was_ramping_down {
                if raw[adv - 1].1 > a_planned {
                    last_downward = adv;
                } else {
                    was_ramping_down = false;
                }
            }
            adv += 1;
        }
        if skipped {
            i += 1;
            continue;
        }
        if with_timeout >= executor_end {
            break;
        }
        out.push((with_timeout, planned));
        last_planned = planned;
        i += 1;
    }
    out
}

/// k6's ramping-vus execution requirements: the raw steps with VUs kept for graceful
/// ramp-downs, ending with 0 VUs at `stages + gracefulStop` at the latest.
pub fn ramping_vus_graceful_steps(
    start_vus: u64,
    stages: &[Stage],
    graceful_ramp_down: Duration,
    graceful_stop: Duration,
    tuple: &ExecutionTuple,
) -> Vec<(Duration, u64)> {
    let mut steps = ramping_vus_raw_steps(start_vus, stages, false, tuple);
    let end = stages_duration(stages) + graceful_stop;
    if !graceful_ramp_down.is_zero() {
        steps = reserve_for_graceful_ramp_downs(&steps, graceful_ramp_down, end);
    }
    if steps.last().is_some_and(|l| l.1 != 0) {
        steps.push((end, 0));
    }
    steps
}

/// k6's consolidated execution plan of all scenarios (each shifted by its `startTime`);
/// scenarios must be in k6's order (see [`parse_scenarios`]).
pub fn execution_plan(scenarios: &[ScenarioConfig]) -> Vec<ExecutionStep> {
    let mut tracked: Vec<(Duration, usize, ExecutionStep)> = Vec::new();
    for (id, sc) in scenarios.iter().enumerate() {
        for s in sc.execution_requirements() {
            tracked.push((s.offset + sc.start_time, id, s));
        }
    }
    tracked.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut planned = vec![0u64; scenarios.len()];
    let mut unplanned = vec![0u64; scenarios.len()];
    let mut out: Vec<ExecutionStep> = Vec::new();
    let commit = |out: &mut Vec<ExecutionStep>, at: Duration, p: &[u64], u: &[u64]| {
        let s = step(at, p.iter().sum(), u.iter().sum());
        if out
            .last()
            .is_none_or(|l| l.planned != s.planned || l.unplanned != s.unplanned)
        {
            out.push(s);
        }
    };
    let mut current: Option<Duration> = None;
    for (at, id, s) in tracked {
        if let Some(c) = current
            && c != at
        {
            commit(&mut out, c, &planned, &unplanned);
        }
        current = Some(at);
        planned[id] = s.planned;
        unplanned[id] = s.unplanned;
    }
    if let Some(c) = current {
        commit(&mut out, c, &planned, &unplanned);
    }
    out
}

/// VUs initialised before the test starts (k6's `GetMaxPlannedVUs`).
pub fn max_planned(plan: &[ExecutionStep]) -> u64 {
    plan.iter().map(|s| s.planned).max().unwrap_or(0)
}

/// The most VUs the test may ever have (k6's `GetMaxPossibleVUs`, shown in the banner).
pub fn max_possible(plan: &[ExecutionStep]) -> u64 {
    plan.iter()
        .map(|s| s.planned + s.unplanned)
        .max()
        .unwrap_or(0)
}

/// A duration that may be negative, as k6 reads it (validation rejects negatives later, with
/// k6's message).
#[derive(Clone, Copy, Debug, PartialEq)]
struct SignedDuration {
    negative: bool,
    abs: Duration,
}

impl SignedDuration {
    fn go(&self) -> String {
        format!(
            "{}{}",
            if self.negative { "-" } else { "" },
            format_go(self.abs)
        )
    }
}

fn signed_duration(v: &Value) -> Result<SignedDuration, String> {
    match v {
        Value::String(s) => {
            let t = s.trim();
            if let Some(rest) = t.strip_prefix('-') {
                let abs =
                    parse_duration(rest).map_err(|_| format!("time: invalid duration {s:?}"))?;
                return Ok(SignedDuration {
                    negative: !abs.is_zero(),
                    abs,
                });
            }
            parse_duration(t)
                .map(|abs| SignedDuration {
                    negative: false,
                    abs,
                })
                .map_err(|_| format!("time: invalid duration {s:?}"))
        }
        Value::Number(n) => match n.as_f64() {
            Some(ms) if ms < 0.0 => Ok(SignedDuration {
                negative: true,
                abs: Duration::from_nanos((-ms * 1e6).round() as u64),
            }),
            _ => duration_from_json(v).map(|abs| SignedDuration {
                negative: false,
                abs,
            }),
        },
        other => Err(format!("invalid duration {other}")),
    }
}

/// A whole number that may be negative (validated later).
fn signed_int(key: &str, v: &Value) -> Result<i64, String> {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
            _ => Err(format!(
                "json: cannot unmarshal number {n} into field {key} of type int64"
            )),
        },
        other => Err(format!(
            "json: cannot unmarshal {} into field {key} of type int64",
            json_kind(other)
        )),
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "string",
        Value::Bool(_) => "bool",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::Null => "null",
        Value::Number(_) => "number",
    }
}

/// Reads the fields of one scenario's JSON object, remembering which were read so that
/// unknown keys are rejected (k6 unmarshals scenarios strictly). Parse errors end the
/// parsing; validation errors are collected, as k6 lists them all.
struct Fields<'a> {
    obj: &'a Map<String, Value>,
    used: Vec<&'static str>,
    errors: Vec<String>,
}

impl<'a> Fields<'a> {
    fn raw(&mut self, key: &'static str) -> Option<&'a Value> {
        self.used.push(key);
        self.obj.get(key).filter(|v| !v.is_null())
    }

    fn int(&mut self, key: &'static str) -> Result<Option<i64>, String> {
        self.raw(key).map(|v| signed_int(key, v)).transpose()
    }

    fn dur(&mut self, key: &'static str) -> Result<Option<SignedDuration>, String> {
        self.raw(key).map(signed_duration).transpose()
    }

    fn invalid(&mut self, msg: impl Into<String>) {
        self.errors.push(msg.into());
    }

    fn string_map(&mut self, key: &'static str) -> Result<BTreeMap<String, String>, String> {
        match self.raw(key) {
            None => Ok(BTreeMap::new()),
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => Ok((k.clone(), s.clone())),
                    other => Err(format!(
                        "json: cannot unmarshal {} into field {key}.{k} of type string",
                        json_kind(other)
                    )),
                })
                .collect(),
            Some(v) => Err(format!(
                "json: cannot unmarshal {} into field {key} of type map[string]string",
                json_kind(v)
            )),
        }
    }

    /// A count that must be more than 0 (`vus` of the looping executors).
    fn positive_vus(&mut self, key: &'static str, default: i64) -> Result<u64, String> {
        let v = self.int(key)?.unwrap_or(default);
        if v <= 0 {
            self.invalid("the number of VUs must be more than 0");
        }
        Ok(v.max(0) as u64)
    }

    /// A duration of at least 1s (k6's minimum for durations of looping executors).
    fn min_duration(
        &mut self,
        key: &'static str,
        default: Option<Duration>,
        what: &str,
    ) -> Result<Duration, String> {
        let d = match (self.dur(key)?, default) {
            (Some(d), _) => d,
            (None, Some(abs)) => SignedDuration {
                negative: false,
                abs,
            },
            (None, None) => {
                self.invalid("the duration is unspecified");
                return Ok(Duration::ZERO);
            }
        };
        if d.negative || d.abs < SECOND {
            self.invalid(format!("the {what} must be at least 1s, but is {}", d.go()));
        }
        Ok(d.abs)
    }

    fn stages(&mut self, key: &'static str) -> Result<Vec<Stage>, String> {
        let Some(v) = self.raw(key) else {
            self.invalid("at least one stage has to be specified");
            return Ok(Vec::new());
        };
        let Value::Array(items) = v else {
            return Err(format!(
                "json: cannot unmarshal {} into field stages of type []executor.Stage",
                json_kind(v)
            ));
        };
        if items.is_empty() {
            self.invalid("at least one stage has to be specified");
        }
        let mut out = Vec::with_capacity(items.len());
        for (i, s) in items.iter().enumerate() {
            let n = i + 1;
            let Value::Object(o) = s else {
                return Err(format!(
                    "json: cannot unmarshal {} into field stages of type executor.Stage",
                    json_kind(s)
                ));
            };
            for k in o.keys() {
                if k != "duration" && k != "target" {
                    return Err(format!("json: unknown field {k:?}"));
                }
            }
            let duration = match o.get("duration").filter(|v| !v.is_null()) {
                None => {
                    self.invalid(format!("stage {n} doesn't have a duration"));
                    Duration::ZERO
                }
                Some(d) => {
                    let d = signed_duration(d)?;
                    if d.negative {
                        self.invalid(format!("the duration for stage {n} can't be negative"));
                    }
                    d.abs
                }
            };
            let target = match o.get("target").filter(|v| !v.is_null()) {
                None => {
                    self.invalid(format!("stage {n} doesn't have a target"));
                    0
                }
                Some(t) => {
                    let t = signed_int("target", t)?;
                    if t < 0 {
                        self.invalid(format!("the target for stage {n} can't be negative"));
                    }
                    t.max(0) as u64
                }
            };
            out.push(Stage { duration, target });
        }
        Ok(out)
    }

    fn time_unit(&mut self) -> Result<Duration, String> {
        let d = self.dur("timeUnit")?.unwrap_or(SignedDuration {
            negative: false,
            abs: SECOND,
        });
        if d.negative || d.abs.is_zero() {
            self.invalid("the timeUnit must be more than 0");
        }
        Ok(d.abs)
    }

    fn pre_and_max_vus(&mut self) -> Result<(u64, u64), String> {
        let pre = self.int("preAllocatedVUs")?;
        let pre = match pre {
            None => {
                self.invalid("the number of preAllocatedVUs isn't specified");
                0
            }
            Some(p) if p < 0 => {
                self.invalid("the number of preAllocatedVUs can't be negative");
                0
            }
            Some(p) => p as u64,
        };
        let max = match self.int("maxVUs")? {
            None => pre,
            Some(m) if m < pre as i64 => {
                self.invalid("maxVUs can't be less than preAllocatedVUs");
                pre
            }
            Some(m) => m as u64,
        };
        Ok((pre, max))
    }
}

/// k6 accepts only what a Go JSON string of a stage list would be; the shortcut `stages`
/// option uses the same format.
pub fn parse_stages(v: &Value) -> Result<Vec<Stage>, String> {
    let empty = Map::new();
    let mut f = Fields {
        obj: &empty,
        used: Vec::new(),
        errors: Vec::new(),
    };
    let Value::Array(_) = v else {
        return Err(format!("'stages' must be an array, got {v}"));
    };
    let mut holder = Map::new();
    holder.insert("stages".into(), v.clone());
    f.obj = &holder;
    let stages = f.stages("stages")?;
    if f.errors.is_empty() {
        return Ok(stages);
    }
    // Only the `stages` shortcut comes here: k6 reports its problems as the default
    // scenario's.
    Err(format!(
        "There were problems with the specified script configuration:\n\t- scenario default has configuration errors: {}",
        f.errors.join(", ")
    ))
}

const SECOND: Duration = Duration::from_secs(1);

/// Parses `options.scenarios`, applying k6's defaults and validation, and returns the
/// scenarios in k6's order: by start time, then by name.
pub fn parse_scenarios(v: &Value) -> Result<Vec<ScenarioConfig>, String> {
    let Value::Object(map) = v else {
        return Err(format!("'scenarios' must be an object, got {v}"));
    };
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (name, cfg) in map {
        match parse_scenario(name, cfg)? {
            Ok(sc) => out.push(sc),
            Err(errors) => problems.push(format!(
                "scenario {name} has configuration errors: {}",
                errors.join(", ")
            )),
        }
    }
    if !problems.is_empty() {
        return Err(format!(
            "There were problems with the specified script configuration:\n\t- {}",
            problems.join("\n\t- ")
        ));
    }
    out.sort_by(|a, b| a.start_time.cmp(&b.start_time).then(a.name.cmp(&b.name)));
    Ok(out)
}

/// Outer error: the config could not be read at all; inner error: validation errors.
fn parse_scenario(name: &str, cfg: &Value) -> Result<Result<ScenarioConfig, Vec<String>>, String> {
    let Value::Object(obj) = cfg else {
        return Err(format!(
            "json: cannot unmarshal {} into scenario '{name}'",
            json_kind(cfg)
        ));
    };
    let executor_name = match obj.get("executor") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        None | Some(Value::Null) | Some(Value::String(_)) => {
            return Err(format!(
                "scenario '{name}' doesn't have a specified executor type"
            ));
        }
        Some(v) => {
            return Err(format!(
                "json: cannot unmarshal {} into field executor of type string",
                json_kind(v)
            ));
        }
    };
    let mut f = Fields {
        obj,
        used: vec!["executor"],
        errors: Vec::new(),
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        f.invalid(format!(
            "the scenario name should contain only numbers, latin letters, underscores, and dashes, got '{name}'"
        ));
    }
    let start_time = f.dur("startTime")?.unwrap_or(SignedDuration {
        negative: false,
        abs: Duration::ZERO,
    });
    if start_time.negative {
        f.invalid("the startTime can't be negative");
    }
    let graceful_stop_raw = f.dur("gracefulStop")?;
    let graceful_stop = graceful_stop_raw.unwrap_or(SignedDuration {
        negative: false,
        abs: 30 * SECOND,
    });
    if graceful_stop.negative {
        f.invalid("the gracefulStop timeout can't be negative");
    }
    let (exec, exec_set) = match f.raw("exec") {
        None => ("default".to_string(), false),
        Some(Value::String(s)) if !s.is_empty() => (s.clone(), true),
        Some(Value::String(_)) => {
            f.invalid("exec value cannot be empty");
            ("default".to_string(), false)
        }
        Some(v) => {
            return Err(format!(
                "json: cannot unmarshal {} into field exec of type string",
                json_kind(v)
            ));
        }
    };
    let env = f.string_map("env")?;
    let tags = f.string_map("tags")?;
    let mut graceful_stop = graceful_stop.abs;
    let executor = match executor_name.as_str() {
        "shared-iterations" => {
            let vus = f.positive_vus("vus", 1)?;
            let iterations = f.int("iterations")?.unwrap_or(1);
            let max_duration = f.min_duration("maxDuration", Some(600 * SECOND), "maxDuration")?;
            if vus > 0 && iterations < vus as i64 {
                f.invalid(format!(
                    "the number of iterations ({iterations}) can't be less than the number of VUs ({vus})"
                ));
            }
            ExecutorConfig::SharedIterations {
                vus,
                iterations: iterations.max(0) as u64,
                max_duration,
            }
        }
        "per-vu-iterations" => {
            let vus = f.positive_vus("vus", 1)?;
            let iterations = f.int("iterations")?.unwrap_or(1);
            let max_duration = f.min_duration("maxDuration", Some(600 * SECOND), "maxDuration")?;
            if iterations <= 0 {
                f.invalid("the number of iterations must be more than 0");
            }
            ExecutorConfig::PerVuIterations {
                vus,
                iterations: iterations.max(0) as u64,
                max_duration,
            }
        }
        "constant-vus" => {
            let vus = f.positive_vus("vus", 1)?;
            let duration = f.min_duration("duration", None, "duration")?;
            ExecutorConfig::ConstantVus { vus, duration }
        }
        "ramping-vus" => {
            let start_vus = f.int("startVUs")?.unwrap_or(1);
            if start_vus < 0 {
                f.invalid("the number of start VUs can't be negative");
            }
            let stages = f.stages("stages")?;
            let grd = f.dur("gracefulRampDown")?.unwrap_or(SignedDuration {
                negative: false,
                abs: 30 * SECOND,
            });
            if grd.negative {
                f.invalid("the gracefulRampDown timeout can't be negative");
            }
            let start_vus = start_vus.max(0) as u64;
            if stages.iter().map(|s| s.target).fold(start_vus, u64::max) == 0 {
                f.invalid(
                    "either startVUs or one of the stages' target values must be greater than 0",
                );
            }
            ExecutorConfig::RampingVus {
                start_vus,
                stages,
                graceful_ramp_down: grd.abs,
            }
        }
        "constant-arrival-rate" => {
            let rate = match f.int("rate")? {
                None => {
                    f.invalid("the iteration rate isn't specified");
                    0
                }
                Some(r) if r <= 0 => {
                    f.invalid("the iteration rate must be more than 0");
                    0
                }
                Some(r) => r as u64,
            };
            let time_unit = f.time_unit()?;
            let duration = f.min_duration("duration", None, "duration")?;
            let (pre_allocated_vus, max_vus) = f.pre_and_max_vus()?;
            ExecutorConfig::ConstantArrivalRate {
                rate,
                time_unit,
                duration,
                pre_allocated_vus,
                max_vus,
            }
        }
        "ramping-arrival-rate" => {
            let start_rate = f.int("startRate")?.unwrap_or(0);
            if start_rate < 0 {
                f.invalid("the startRate value can't be negative");
            }
            let time_unit = f.time_unit()?;
            let stages = f.stages("stages")?;
            let (pre_allocated_vus, max_vus) = f.pre_and_max_vus()?;
            ExecutorConfig::RampingArrivalRate {
                start_rate: start_rate.max(0) as u64,
                time_unit,
                stages,
                pre_allocated_vus,
                max_vus,
            }
        }
        "externally-controlled" => {
            let vus = f.int("vus")?.unwrap_or(0);
            let max_vus = f.int("maxVUs")?.unwrap_or(vus);
            if vus < 0 {
                f.invalid("the number of VUs can't be negative");
            }
            if max_vus < vus {
                f.invalid(format!(
                    "the number of active VUs ({vus}) must be less than or equal to the number of maxVUs ({max_vus})"
                ));
            }
            let duration = match f.dur("duration")? {
                None => {
                    f.invalid("the duration must be specified, for infinite duration use 0");
                    Duration::ZERO
                }
                Some(d) if d.negative => {
                    f.invalid("the duration can't be negative, for infinite duration use 0");
                    Duration::ZERO
                }
                Some(d) => d.abs,
            };
            if graceful_stop_raw.is_some() {
                f.invalid("gracefulStop is not supported by the externally controlled executor");
            }
            // No graceful stop: the executor interrupts its VUs when its duration is over.
            graceful_stop = Duration::ZERO;
            ExecutorConfig::ExternallyControlled {
                vus: vus.max(0) as u64,
                max_vus: max_vus.max(0) as u64,
                duration,
            }
        }
        other => return Err(format!("unknown executor type '{other}'")),
    };
    for key in obj.keys() {
        if !f.used.contains(&key.as_str()) {
            return Err(format!("json: unknown field {key:?}"));
        }
    }
    if !f.errors.is_empty() {
        return Ok(Err(f.errors));
    }
    Ok(Ok(ScenarioConfig {
        name: name.to_string(),
        executor,
        start_time: start_time.abs,
        graceful_stop,
        exec,
        exec_set,
        env,
        tags,
        share: Share::default(),
    }))
}

/// `exec.test.options.scenarios` as k6 shows it: per scenario (sorted by name) every key of
/// its executor, with the values as the script set them (durations in Go's format) and
/// `null` for the unset ones. `raw` is the `scenarios` option; scenarios derived from the
/// shortcut options show their derived values.
pub fn options_json(configs: &[ScenarioConfig], raw: Option<&Value>) -> Value {
    const COMMON: [&str; 6] = [
        "executor",
        "startTime",
        "gracefulStop",
        "env",
        "exec",
        "tags",
    ];
    let durations = [
        "startTime",
        "gracefulStop",
        "maxDuration",
        "duration",
        "timeUnit",
        "gracefulRampDown",
    ];
    let normalize = |key: &str, v: &Value| -> Value {
        match v {
            Value::Null => Value::Null,
            _ if durations.contains(&key) => signed_duration(v)
                .map(|d| Value::from(d.go()))
                .unwrap_or_else(|_| v.clone()),
            Value::Array(stages) if key == "stages" => Value::Array(
                stages
                    .iter()
                    .map(|s| {
                        let d = s.get("duration").cloned().unwrap_or(Value::Null);
                        let mut m = Map::new();
                        m.insert("duration".into(), normalize_duration(&d));
                        m.insert(
                            "target".into(),
                            s.get("target").cloned().unwrap_or(Value::Null),
                        );
                        Value::Object(m)
                    })
                    .collect(),
            ),
            _ => v.clone(),
        }
    };
    let mut sorted: Vec<&ScenarioConfig> = configs.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out = Map::new();
    for sc in sorted {
        let specific: &[&str] = match sc.executor {
            ExecutorConfig::SharedIterations { .. } | ExecutorConfig::PerVuIterations { .. } => {
                &["vus", "iterations", "maxDuration"]
            }
            ExecutorConfig::ConstantVus { .. } => &["vus", "duration"],
            ExecutorConfig::RampingVus { .. } => &["startVUs", "stages", "gracefulRampDown"],
            ExecutorConfig::ConstantArrivalRate { .. } => {
                &["rate", "timeUnit", "duration", "preAllocatedVUs", "maxVUs"]
            }
            ExecutorConfig::RampingArrivalRate { .. } => &[
                "startRate",
                "timeUnit",
                "stages",
                "preAllocatedVUs",
                "maxVUs",
            ],
            ExecutorConfig::ExternallyControlled { .. } => &["vus", "duration", "maxVUs"],
        };
        let given = raw.and_then(|r| r.get(&sc.name));
        let derived = derived_values(sc);
        let mut m = Map::new();
        for key in COMMON.iter().chain(specific.iter()) {
            let v = match given {
                Some(g) => g.get(*key).cloned().unwrap_or(Value::Null),
                None => derived.get(*key).cloned().unwrap_or(Value::Null),
            };
            m.insert(key.to_string(), normalize(key, &v));
        }
        m.insert("executor".into(), Value::from(sc.executor.name()));
        out.insert(sc.name.clone(), Value::Object(m));
    }
    Value::Object(out)
}

fn normalize_duration(v: &Value) -> Value {
    signed_duration(v)
        .map(|d| Value::from(d.go()))
        .unwrap_or_else(|_| v.clone())
}

/// The values k6 sets on a scenario it derives from the shortcut options.
fn derived_values(sc: &ScenarioConfig) -> Map<String, Value> {
    let mut m = Map::new();
    let dur = |d: Duration| Value::from(format_go(d));
    match &sc.executor {
        ExecutorConfig::SharedIterations {
            vus, iterations, ..
        }
        | ExecutorConfig::PerVuIterations {
            vus, iterations, ..
        } => {
            m.insert("vus".into(), Value::from(*vus));
            m.insert("iterations".into(), Value::from(*iterations));
        }
        ExecutorConfig::ConstantVus { vus, duration } => {
            m.insert("vus".into(), Value::from(*vus));
            m.insert("duration".into(), dur(*duration));
        }
        ExecutorConfig::RampingVus {
            start_vus, stages, ..
        } => {
            m.insert("startVUs".into(), Value::from(*start_vus));
            m.insert(
                "stages".into(),
                Value::Array(
                    stages
                        .iter()
                        .map(|s| serde_json::json!({"duration": format_go(s.duration), "target": s.target}))
                        .collect(),
                ),
            );
        }
        _ => {}
    }
    m
}

/// k6's shortcut → scenario derivation (`lib/executor.DeriveScenariosFromShortcuts`).
pub fn scenario_from_shortcuts(
    vus: Option<i64>,
    duration: Option<Duration>,
    iterations: Option<i64>,
    stages: Option<Vec<Stage>>,
) -> Result<ScenarioConfig, String> {
    let base = |executor| ScenarioConfig {
        name: "default".into(),
        executor,
        start_time: Duration::ZERO,
        graceful_stop: 30 * SECOND,
        exec: "default".into(),
        exec_set: false,
        env: BTreeMap::new(),
        tags: BTreeMap::new(),
        share: Share::default(),
    };
    let invalid = |msg: String| {
        format!(
            "There were problems with the specified script configuration:\n\t- scenario default has configuration errors: {msg}"
        )
    };
    let vus_v = vus.unwrap_or(1);
    if let Some(iterations) = iterations {
        if stages.is_some() {
            return Err(
                "using multiple execution config shortcuts (`iterations` and `stages`) simultaneously is not allowed"
                    .into(),
            );
        }
        if vus_v <= 0 {
            return Err(invalid("the number of VUs must be more than 0".into()));
        }
        if iterations < vus_v {
            return Err(invalid(format!(
                "the number of iterations ({iterations}) can't be less than the number of VUs ({vus_v})"
            )));
        }
        // `duration` becomes the shared-iterations scenario's maxDuration, validated as such.
        if let Some(d) = duration.filter(|d| *d < SECOND) {
            return Err(invalid(format!(
                "the maxDuration must be at least 1s, but is {}",
                format_go(d)
            )));
        }
        return Ok(base(ExecutorConfig::SharedIterations {
            vus: vus_v as u64,
            iterations: iterations as u64,
            max_duration: duration.unwrap_or(600 * SECOND),
        }));
    }
    if let Some(duration) = duration {
        if stages.is_some() {
            return Err(
                "using multiple execution config shortcuts (`duration` and `stages`) simultaneously is not allowed"
                    .into(),
            );
        }
        if duration.is_zero() {
            return Err(
                "`duration` option should be more than 0, for infinite duration use the externally-controlled executor"
                    .into(),
            );
        }
        if vus_v <= 0 {
            return Err(invalid("the number of VUs must be more than 0".into()));
        }
        if duration < SECOND {
            return Err(invalid(format!(
                "the duration must be at least 1s, but is {}",
                format_go(duration)
            )));
        }
        return Ok(base(ExecutorConfig::ConstantVus {
            vus: vus_v as u64,
            duration,
        }));
    }
    if let Some(stages) = stages.filter(|s| !s.is_empty()) {
        if vus_v < 0 {
            return Err(invalid("the number of start VUs can't be negative".into()));
        }
        return Ok(base(ExecutorConfig::RampingVus {
            start_vus: vus_v as u64,
            stages,
            graceful_ramp_down: 30 * SECOND,
        }));
    }
    // `vus` alone is ignored by k6 (with a warning): one VU runs one iteration.
    Ok(base(ExecutorConfig::PerVuIterations {
        vus: 1,
        iterations: 1,
        max_duration: 600 * SECOND,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one(v: Value) -> Result<ScenarioConfig, String> {
        parse_scenarios(&json!({ "s": v })).map(|mut v| v.remove(0))
    }

    #[test]
    fn defaults() {
        let s = one(json!({"executor": "shared-iterations"})).unwrap();
        assert_eq!(
            s.executor,
            ExecutorConfig::SharedIterations {
                vus: 1,
                iterations: 1,
                max_duration: Duration::from_secs(600)
            }
        );
        assert_eq!(s.graceful_stop, Duration::from_secs(30));
        assert_eq!(s.exec, "default");
        let car = one(json!({"executor": "constant-arrival-rate", "rate": 10, "duration": "2s", "preAllocatedVUs": 3})).unwrap();
        assert_eq!(car.max_vus(), 3);
        let ext =
            one(json!({"executor": "externally-controlled", "vus": 2, "duration": "0"})).unwrap();
        assert_eq!(
            ext.executor,
            ExecutorConfig::ExternallyControlled {
                vus: 2,
                max_vus: 2,
                duration: Duration::ZERO
            }
        );
        assert_eq!(ext.graceful_stop, Duration::ZERO);
    }

    #[test]
    fn validation_messages_are_k6s() {
        let err = |v: Value| one(v).unwrap_err();
        assert_eq!(
            err(json!({"executor": "nope"})),
            "unknown executor type 'nope'"
        );
        assert_eq!(
            err(json!({"vus": 1})),
            "scenario 's' doesn't have a specified executor type"
        );
        assert!(
            err(json!({"executor": "constant-vus", "vus": 2}))
                .ends_with("scenario s has configuration errors: the duration is unspecified")
        );
        assert!(
            err(json!({"executor": "shared-iterations", "vus": 5, "iterations": 2}))
                .ends_with("the number of iterations (2) can't be less than the number of VUs (5)")
        );
        assert!(
            err(json!({"executor": "constant-vus", "duration": "-1s"}))
                .ends_with("the duration must be at least 1s, but is -1s")
        );
        assert_eq!(
            err(json!({"executor": "constant-vus", "duration": "1s", "startTime": "soon"})),
            "time: invalid duration \"soon\""
        );
        assert_eq!(
            err(json!({"executor": "constant-vus", "duration": "1s", "rate": 5})),
            "json: unknown field \"rate\""
        );
        assert!(
            err(
                json!({"executor": "constant-arrival-rate", "duration": "1s", "preAllocatedVUs": 1})
            )
            .ends_with("the iteration rate isn't specified")
        );
        assert!(
            err(json!({"executor": "externally-controlled", "vus": 1, "duration": "1s", "gracefulStop": "1s"}))
                .ends_with("gracefulStop is not supported by the externally controlled executor")
        );
        assert!(
            err(json!({"executor": "ramping-vus", "stages": [{"duration": "-1s", "target": 1}]}))
                .ends_with("the duration for stage 1 can't be negative")
        );
        assert!(
            err(json!({"executor": "ramping-vus", "startVUs": 0, "stages": [{"duration": "1s", "target": 0}]}))
                .ends_with("either startVUs or one of the stages' target values must be greater than 0")
        );
        assert!(
            err(json!({"executor": "constant-vus", "duration": "1s", "gracefulStop": "-1s"}))
                .ends_with("the gracefulStop timeout can't be negative")
        );
        assert!(
            err(json!({"executor": "constant-vus", "vus": -1, "duration": "1s"}))
                .ends_with("the number of VUs must be more than 0")
        );
    }

    #[test]
    fn scenarios_are_sorted_by_start_time_then_name() {
        let s = parse_scenarios(&json!({
            "b": {"executor": "shared-iterations"},
            "z": {"executor": "shared-iterations", "startTime": "1s"},
            "a": {"executor": "shared-iterations"},
        }))
        .unwrap();
        let names: Vec<&str> = s.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "z"]);
    }

    #[test]
    fn shortcuts() {
        let s = scenario_from_shortcuts(Some(2), None, Some(4), None).unwrap();
        assert_eq!(s.executor.name(), "shared-iterations");
        let s = scenario_from_shortcuts(Some(2), Some(SECOND), None, None).unwrap();
        assert_eq!(s.executor.name(), "constant-vus");
        assert!(scenario_from_shortcuts(Some(2), Some(Duration::ZERO), None, None).is_err());
        let s = scenario_from_shortcuts(
            None,
            None,
            None,
            Some(vec![Stage {
                duration: SECOND,
                target: 3,
            }]),
        )
        .unwrap();
        assert_eq!(s.max_vus(), 3);
        let s = scenario_from_shortcuts(None, None, None, None).unwrap();
        assert_eq!(s.executor.name(), "per-vu-iterations");
        // Confirmed on k6 v1.1.0: `vus` alone is ignored (one VU, one iteration), and the
        // `duration` next to `iterations` is a maxDuration of at least 1s.
        let s = scenario_from_shortcuts(Some(5), None, None, None).unwrap();
        assert_eq!(s.max_vus(), 1);
        let e = scenario_from_shortcuts(None, Some(SECOND / 2), Some(1), None).unwrap_err();
        assert!(
            e.ends_with("the maxDuration must be at least 1s, but is 500ms"),
            "{e}"
        );
    }

    fn st(secs: u64, target: u64) -> Stage {
        Stage {
            duration: Duration::from_secs(secs),
            target,
        }
    }

    fn ms(steps: &[(Duration, u64)]) -> Vec<(u128, u64)> {
        steps.iter().map(|(d, v)| (d.as_millis(), *v)).collect()
    }

    #[test]
    fn ramping_vus_raw_steps_follow_k6() {
        let s = ramping_vus_raw_steps(0, &[st(2, 4), st(1, 0)], true, &ExecutionTuple::full());
        assert_eq!(
            ms(&s),
            vec![
                (0, 0),
                (500, 1),
                (1000, 2),
                (1500, 3),
                (2000, 4),
                (2250, 3),
                (2500, 2),
                (2750, 1),
                (3000, 0)
            ]
        );
        // A second ramp up continues from one past the previous target.
        let s = ramping_vus_raw_steps(1, &[st(1, 2), st(2, 4)], true, &ExecutionTuple::full());
        assert_eq!(
            ms(&s),
            vec![(0, 1), (1000, 2), (2000, 3), (3000, 4), (3000, 0)]
        );
        // An instant stage jumps at its end.
        let s = ramping_vus_raw_steps(1, &[st(0, 5), st(1, 5)], false, &ExecutionTuple::full());
        assert_eq!(ms(&s), vec![(0, 1), (0, 5)]);
    }

    fn secs(steps: &[(Duration, u64)]) -> Vec<(u64, u64)> {
        steps.iter().map(|(d, v)| (d.as_secs(), *v)).collect()
    }

    /// k6's TestRampingVUsConfigExecutionPlanExample.
    fn k6_example_stages() -> Vec<Stage> {
        vec![
            st(2, 6),
            st(5, 1),
            st(4, 5),
            st(4, 1),
            st(3, 4),
            st(2, 4),
            st(0, 1),
            st(3, 1),
        ]
    }

    #[test]
    fn ramping_vus_steps_match_k6s_execution_plan_example() {
        let stages = k6_example_stages();
        let raw: Vec<(u64, u64)> = vec![
            (0, 4),
            (1, 5),
            (2, 6),
            (3, 5),
            (4, 4),
            (5, 3),
            (6, 2),
            (7, 1),
            (8, 2),
            (9, 3),
            (10, 4),
            (11, 5),
            (12, 4),
            (13, 3),
            (14, 2),
            (15, 1),
            (16, 2),
            (17, 3),
            (18, 4),
            (20, 1),
        ];
        assert_eq!(
            secs(&ramping_vus_raw_steps(
                4,
                &stages,
                false,
                &ExecutionTuple::full()
            )),
            raw
        );
        let mut zero_end = raw.clone();
        zero_end.push((23, 0));
        assert_eq!(
            secs(&ramping_vus_raw_steps(
                4,
                &stages,
                true,
                &ExecutionTuple::full()
            )),
            zero_end
        );
        let g = |grd: u64, gs: u64| {
            secs(&ramping_vus_graceful_steps(
                4,
                &stages,
                Duration::from_secs(grd),
                Duration::from_secs(gs),
                &ExecutionTuple::full(),
            ))
        };
        assert_eq!(
            g(30, 30),
            vec![(0, 4), (1, 5), (2, 6), (33, 5), (42, 4), (50, 1), (53, 0)]
        );
        assert_eq!(
            g(30, 80),
            vec![(0, 4), (1, 5), (2, 6), (33, 5), (42, 4), (50, 1), (103, 0)]
        );
        assert_eq!(g(30, 3), vec![(0, 4), (1, 5), (2, 6), (26, 0)]);
        assert_eq!(g(30, 0), vec![(0, 4), (1, 5), (2, 6), (23, 0)]);
        assert_eq!(g(0, 0), zero_end);
        assert_eq!(max_planned(&one_plan(4, &stages)), 6);
    }

    #[test]
    fn ramping_vus_raw_steps_match_k6s_execution_tuple_test() {
        let mut stages = k6_example_stages();
        stages.extend([st(0, 5), st(3, 5), st(0, 0), st(2, 2), st(2, 0), st(4, 4)]);
        let expected: Vec<(u64, u64)> = vec![
            (0, 4),
            (1, 5),
            (2, 6),
            (3, 5),
            (4, 4),
            (5, 3),
            (6, 2),
            (7, 1),
            (8, 2),
            (9, 3),
            (10, 4),
            (11, 5),
            (12, 4),
            (13, 3),
            (14, 2),
            (15, 1),
            (16, 2),
            (17, 3),
            (18, 4),
            (20, 1),
            (23, 5),
            (26, 0),
            (27, 1),
            (28, 2),
            (29, 1),
            (30, 0),
            (31, 1),
            (32, 2),
            (33, 3),
            (34, 4),
        ];
        assert_eq!(
            secs(&ramping_vus_raw_steps(
                4,
                &stages,
                false,
                &ExecutionTuple::full()
            )),
            expected
        );
    }

    fn one_plan(start: u64, stages: &[Stage]) -> Vec<ExecutionStep> {
        let sc = ScenarioConfig {
            name: "r".into(),
            executor: ExecutorConfig::RampingVus {
                start_vus: start,
                stages: stages.to_vec(),
                graceful_ramp_down: 30 * SECOND,
            },
            start_time: Duration::ZERO,
            graceful_stop: 30 * SECOND,
            exec: "default".into(),
            exec_set: false,
            env: BTreeMap::new(),
            tags: BTreeMap::new(),
            share: Share::default(),
        };
        execution_plan(&[sc])
    }

    #[test]
    fn plan_reuses_vus_of_scenarios_that_ended() {
        let s = parse_scenarios(&json!({
            "s1": {"executor": "shared-iterations", "vus": 2, "iterations": 4, "maxDuration": "1s", "gracefulStop": "0s"},
            "s2": {"executor": "per-vu-iterations", "vus": 3, "iterations": 2, "startTime": "1s", "maxDuration": "1s", "gracefulStop": "0s"},
            "s3": {"executor": "shared-iterations", "vus": 2, "iterations": 2, "startTime": "2s"},
        }))
        .unwrap();
        let plan = execution_plan(&s);
        // k6 v1.1.0 initialises 3 VUs for this script (vus_max = 3).
        assert_eq!(max_planned(&plan), 3);
        let s = parse_scenarios(&json!({
            "a": {"executor": "constant-vus", "vus": 2, "duration": "3s"},
            "e": {"executor": "externally-controlled", "vus": 1, "maxVUs": 3, "duration": "3s"},
            "p": {"executor": "per-vu-iterations", "vus": 2, "iterations": 3},
            "r": {"executor": "ramping-arrival-rate", "startRate": 2, "stages": [{"duration": "2s", "target": 4}], "preAllocatedVUs": 1},
            "v": {"executor": "ramping-vus", "stages": [{"duration": "2s", "target": 3}], "gracefulRampDown": "0s"},
            "s": {"executor": "shared-iterations", "vus": 2, "iterations": 10},
            "c": {"executor": "constant-arrival-rate", "rate": 5, "duration": "2s", "preAllocatedVUs": 2, "maxVUs": 4, "startTime": "500ms"},
        }))
        .unwrap();
        let plan = execution_plan(&s);
        // k6 v1.1.0: vus_max 15, banner "17 max VUs".
        assert_eq!(max_planned(&plan), 15);
        assert_eq!(max_possible(&plan), 17);
    }

    #[test]
    fn options_json_has_k6s_shape() {
        let raw = json!({
            "b": {"executor": "per-vu-iterations", "vus": 2, "exec": "b", "startTime": "100ms", "env": {"X": "1"}},
            "e": {"executor": "constant-arrival-rate", "rate": 1, "duration": 1000, "preAllocatedVUs": 1},
        });
        let configs = parse_scenarios(&raw).unwrap();
        let j = options_json(&configs, Some(&raw));
        assert_eq!(
            j,
            json!({
                "b": {"executor": "per-vu-iterations", "startTime": "100ms", "gracefulStop": null, "env": {"X": "1"}, "exec": "b", "tags": null, "vus": 2, "iterations": null, "maxDuration": null},
                "e": {"executor": "constant-arrival-rate", "startTime": null, "gracefulStop": null, "env": null, "exec": null, "tags": null, "rate": 1, "timeUnit": null, "duration": "1s", "preAllocatedVUs": 1, "maxVUs": null},
            })
        );
        let derived = scenario_from_shortcuts(Some(1), None, Some(1), None).unwrap();
        let j = options_json(&[derived], None);
        assert_eq!(j["default"]["executor"], "shared-iterations");
        assert_eq!(j["default"]["iterations"], 1);
    }

    #[test]
    fn descriptions_match_k6s_banner() {
        let s = one(json!({"executor": "constant-arrival-rate", "rate": 5, "duration": "2s", "preAllocatedVUs": 2, "maxVUs": 4, "startTime": "500ms"})).unwrap();
        assert_eq!(
            s.describe(),
            "5.00 iterations/s for 2s (maxVUs: 2-4, startTime: 500ms, gracefulStop: 30s)"
        );
        let s = one(json!({"executor": "ramping-arrival-rate", "startRate": 2, "stages": [{"duration": "2s", "target": 4}], "preAllocatedVUs": 1})).unwrap();
        assert_eq!(
            s.describe(),
            "Up to 4.00 iterations/s for 2s over 1 stages (maxVUs: 1, gracefulStop: 30s)"
        );
        let s = one(
            json!({"executor": "externally-controlled", "vus": 1, "maxVUs": 3, "duration": "3s"}),
        )
        .unwrap();
        assert_eq!(
            s.describe(),
            "Externally controlled execution with 1 VUs, 3 max VUs, 3s duration"
        );
    }

    /// k6 v1.1.0's `TestRampingVUsExecutionTupleTests` (lib/executor/ramping_vus_test.go):
    /// the raw steps of one ramping-vus config for segments with and without sequences.
    #[test]
    fn ramping_vus_steps_per_segment_as_k6() {
        let stages: Vec<Stage> = [
            (2, 6),
            (5, 1),
            (4, 5),
            (4, 1),
            (3, 4),
            (2, 4),
            (0, 1),
            (3, 1),
            (0, 5),
            (3, 5),
            (0, 0),
            (2, 2),
            (2, 0),
            (4, 4),
        ]
        .iter()
        .map(|&(secs, target)| Stage {
            duration: Duration::from_secs(secs),
            target,
        })
        .collect();
        let one_third: &[(u64, u64)] = &[
            (0, 1),
            (1, 2),
            (4, 1),
            (7, 0),
            (8, 1),
            (11, 2),
            (12, 1),
            (15, 0),
            (16, 1),
            (20, 0),
            (23, 2),
            (26, 0),
            (28, 1),
            (29, 0),
            (32, 1),
        ];
        #[allow(clippy::type_complexity)] // a table, read row by row
        let cases: &[(&str, &str, &[(u64, u64)])] = &[
            (
                "",
                "",
                &[
                    (0, 4),
                    (1, 5),
                    (2, 6),
                    (3, 5),
                    (4, 4),
                    (5, 3),
                    (6, 2),
                    (7, 1),
                    (8, 2),
                    (9, 3),
                    (10, 4),
                    (11, 5),
                    (12, 4),
                    (13, 3),
                    (14, 2),
                    (15, 1),
                    (16, 2),
                    (17, 3),
                    (18, 4),
                    (20, 1),
                    (23, 5),
                    (26, 0),
                    (27, 1),
                    (28, 2),
                    (29, 1),
                    (30, 0),
                    (31, 1),
                    (32, 2),
                    (33, 3),
                    (34, 4),
                ],
            ),
            ("0:1/3", "", one_third),
            ("0:1/3", "0,1/3,1", one_third),
            ("1/3:2/3", "", one_third),
            ("2/3:1", "", one_third),
            (
                "0:1/3",
                "0,1/3,2/3,1",
                &[
                    (0, 2),
                    (5, 1),
                    (10, 2),
                    (13, 1),
                    (18, 2),
                    (20, 1),
                    (23, 2),
                    (26, 0),
                    (27, 1),
                    (30, 0),
                    (31, 1),
                    (34, 2),
                ],
            ),
            ("1/3:2/3", "0,1/3,2/3,1", one_third),
            (
                "2/3:1",
                "0,1/3,2/3,1",
                &[
                    (0, 1),
                    (2, 2),
                    (3, 1),
                    (6, 0),
                    (9, 1),
                    (14, 0),
                    (17, 1),
                    (20, 0),
                    (23, 1),
                    (26, 0),
                    (33, 1),
                ],
            ),
        ];
        use crate::options::execution_segment::{ExecutionSegment, ExecutionSegmentSequence};
        for (segment, sequence, want) in cases {
            let segment = (!segment.is_empty()).then(|| ExecutionSegment::parse(segment).unwrap());
            let sequence = ExecutionSegmentSequence::parse(sequence).unwrap();
            let tuple = ExecutionTuple::new(segment.as_ref(), &sequence).unwrap();
            let got = ramping_vus_raw_steps(4, &stages, false, &tuple);
            assert_eq!(secs(&got), want.to_vec(), "{segment:?} in {sequence}");
        }
    }
}
