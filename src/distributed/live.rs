//! `abortOnFail` judged on the whole test while it runs (`--coordinator`): every 2 s (k6's
//! threshold interval) each instance's metrics pipeline exports its aggregates; the others
//! post theirs to the coordinator (`POST /rk6/v1/live`), which adds the latest of every
//! instance to its own, evaluates the thresholds on the sum and, when an `abortOnFail`
//! threshold fails, aborts itself and answers "abort" to every instance at its next report.
//! So a threshold that only the whole test crosses stops every instance, and one that a
//! single share crosses but the whole does not stops none.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use crossbeam_channel::{Receiver, Sender};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::js::console;
use crate::js::runtime::{AbortReason, RunShared};
use crate::metrics::engine::{EngineState, MetricsEngine};
use crate::metrics::registry::Registry;
use crate::metrics::thresholds::ThresholdsConfig;

/// The path of the live reports on the coordinator's REST API.
pub const PATH: &str = "/rk6/v1/live";
/// How long an instance waits for the coordinator's answer to one report.
const REPORT_TIMEOUT: Duration = Duration::from_secs(5);

/// What an instance posts: its segment and its aggregates so far.
#[derive(Serialize, Deserialize)]
pub struct Report {
    pub segment: String,
    pub state: EngineState,
}

/// The coordinator's answer: whether the whole test crossed an `abortOnFail` threshold.
#[derive(Debug, Serialize, Deserialize)]
pub struct Verdict {
    pub abort: Option<String>,
}

/// The coordinator's view of the running test.
pub struct LiveBoard {
    thresholds: ThresholdsConfig,
    latest: Mutex<HashMap<String, EngineState>>,
    abort: Mutex<Option<String>>,
    /// The instances answered "abort" so far: the coordinator waits for all of them before
    /// it exits (its REST API with it).
    told: Mutex<BTreeSet<String>>,
}

impl LiveBoard {
    pub fn new(thresholds: ThresholdsConfig) -> LiveBoard {
        LiveBoard {
            thresholds,
            latest: Mutex::new(HashMap::new()),
            abort: Mutex::new(None),
            told: Mutex::new(BTreeSet::new()),
        }
    }

    /// Keeps an instance's latest aggregates; answers whether the test is to stop.
    pub fn report(&self, r: Report) -> Verdict {
        let abort = self.abort.lock().clone();
        if abort.is_some() {
            self.told.lock().insert(r.segment.clone());
        }
        self.latest.lock().insert(r.segment, r.state);
        Verdict { abort }
    }

    /// After an abort, on the coordinator: waits (at most `max`) until each of the `others`
    /// instances has been told, so that none runs on because the coordinator, and its REST
    /// API, went away first. The instances report every second.
    pub fn wait_until_told(&self, others: usize, max: Duration) {
        if self.abort.lock().is_none() {
            return;
        }
        let deadline = std::time::Instant::now() + max;
        while self.told.lock().len() < others && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Evaluates the thresholds on the whole test: this instance's aggregates plus every
    /// other instance's latest. The abort message, once any `abortOnFail` threshold failed.
    pub fn judge(&self, segment: &str, own: EngineState, elapsed: Duration) -> Option<String> {
        if let Some(msg) = self.abort.lock().clone() {
            return Some(msg);
        }
        let mut engine = MetricsEngine::new(
            Arc::new(Registry::new(self.thresholds.index())),
            self.thresholds.clone(),
        );
        {
            let mut latest = self.latest.lock();
            latest.insert(segment.to_string(), own);
            for (seg, state) in latest.iter() {
                if let Err(e) = engine.absorb(state) {
                    console::warn(&format!(
                        "the live metrics of the instance of segment {seg} do not add up: {e}"
                    ));
                }
            }
        }
        let msg = engine.evaluate_thresholds(elapsed).abort?;
        *self.abort.lock() = Some(msg.clone());
        Some(msg)
    }
}

/// What the metrics pipeline does with its aggregates at each threshold evaluation.
pub enum LiveHook {
    /// The coordinator judges the whole test itself.
    Coordinator {
        board: Arc<LiveBoard>,
        segment: String,
    },
    /// The others hand their aggregates to the thread that reports them.
    Member { reports: Sender<EngineState> },
}

impl LiveHook {
    /// Called by the pipeline every 2 s. `Some`: the whole test is to stop now.
    pub fn tick(&self, engine: &MetricsEngine, elapsed: Duration) -> Option<String> {
        match self {
            LiveHook::Coordinator { board, segment } => {
                board.judge(segment, engine.export_state(), elapsed)
            }
            LiveHook::Member { reports } => {
                // The reporter takes the latest only; if it is still busy, skip this one.
                let _ = reports.try_send(engine.export_state());
                None
            }
        }
    }
}

/// The thread of a member instance that posts its aggregates to the coordinator and aborts
/// the run when the coordinator says so. It ends when the pipeline drops its sender.
pub fn spawn_reporter(
    coordinator: &str,
    segment: String,
    shared: Arc<RunShared>,
    states: Receiver<EngineState>,
) -> Result<std::thread::JoinHandle<()>, String> {
    let url = super::barrier::url(coordinator, PATH)?;
    let rt = shared.tokio.clone();
    std::thread::Builder::new()
        .name("live-report".into())
        .spawn(move || {
            let client = super::http_client();
            let mut warned = false;
            while let Ok(state) = states.recv() {
                let body = match serde_json::to_vec(&Report {
                    segment: segment.clone(),
                    state,
                }) {
                    Ok(b) => b,
                    Err(_) => continue,
                };
                let answer = rt.block_on(super::post_json(
                    &client,
                    &url,
                    Bytes::from(body),
                    REPORT_TIMEOUT,
                ));
                match answer.and_then(|(_, bytes)| {
                    serde_json::from_slice::<Verdict>(&bytes).map_err(|e| e.to_string())
                }) {
                    Ok(Verdict { abort: Some(msg) }) => {
                        console::error(&msg);
                        shared.request_abort(AbortReason::Threshold(msg));
                        return;
                    }
                    Ok(_) => {}
                    Err(e) if !warned => {
                        warned = true;
                        console::warn(&format!(
                            "cannot report this instance's metrics to the coordinator \
                             (abortOnFail is judged on the instances it hears from): {e}"
                        ));
                    }
                    Err(_) => {}
                }
            }
        })
        .map_err(|e| format!("cannot start a thread: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::engine::tests::{SampleBuilder, setup};
    use serde_json::json;

    #[test]
    fn judges_the_sum_of_the_instances() {
        let thresholds = json!({"my_counter": [{"threshold": "count<10", "abortOnFail": true}]});
        let config =
            ThresholdsConfig::from_options(&json!({ "thresholds": thresholds.clone() })).unwrap();
        let board = LiveBoard::new(config);
        let state_of = |n: usize| {
            let (reg, mut engine) = setup(thresholds.clone());
            let b = SampleBuilder { registry: &reg };
            for _ in 0..n {
                engine.ingest(&vec![b.sample("my_counter", 1.0, &[])]);
            }
            engine.export_state()
        };
        // Each share passes (6 < 10, 3 < 10); alone, neither would abort.
        assert!(
            board
                .judge("0:1/2", state_of(6), Duration::from_secs(2))
                .is_none()
        );
        assert!(
            board
                .report(Report {
                    segment: "1/2:1".into(),
                    state: state_of(3),
                })
                .abort
                .is_none()
        );
        // Together they cross: the coordinator stops, and so does everyone it answers.
        let msg = board
            .judge("0:1/2", state_of(7), Duration::from_secs(4))
            .expect("the whole test crossed");
        assert!(msg.contains("my_counter"), "{msg}");
        let v = board.report(Report {
            segment: "1/2:1".into(),
            state: state_of(3),
        });
        assert_eq!(v.abort, Some(msg));
    }
}
