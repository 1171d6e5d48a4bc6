//! VU 0: the VU that reads the script's exports and runs `setup()`, `teardown()` and
//! `handleSummary()`, on a thread of its own so that a phase can time out while the script
//! is still running (k6 cancels the phase's context; here the VU's signal interrupts it).

use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{Sender, bounded, unbounded};

use crate::js::runtime::{Phase, RunShared};
use crate::js::vu::{ScriptError, SummaryFiles, Vu};

/// A thread owning VU 0, which reads options and runs setup/teardown/handleSummary.
pub(super) struct LifecycleVu {
    tx: Sender<LifecycleCall>,
    signal: Arc<crate::js::interrupt::VuSignal>,
}

enum LifecycleCall {
    Function {
        name: &'static str,
        phase: Phase,
        arg: Option<serde_json::Value>,
        reply: Sender<Result<Option<serde_json::Value>, ScriptError>>,
    },
    HandleSummary {
        data: serde_json::Value,
        reply: Sender<Result<Option<SummaryFiles>, ScriptError>>,
    },
    /// Which of `names` the script exports as functions, and whether it exports any.
    Exports {
        names: Vec<String>,
        reply: Sender<(Vec<String>, bool)>,
    },
}

impl LifecycleVu {
    pub(super) fn start(
        shared: Arc<RunShared>,
    ) -> Result<(LifecycleVu, Arc<crate::js::interrupt::VuSignal>), ScriptError> {
        let (tx, rx) = unbounded::<LifecycleCall>();
        let (ready_tx, ready_rx) = bounded(1);
        std::thread::Builder::new()
            .name("vu-0".into())
            .stack_size(8 * 1024 * 1024)
            .spawn(move || {
                let mut vu = match Vu::new(shared, 0) {
                    Ok(v) => v,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(vu.state.borrow().signal.clone()));
                while let Ok(call) = rx.recv() {
                    match call {
                        LifecycleCall::Function {
                            name,
                            phase,
                            arg,
                            reply,
                        } => {
                            let _ = reply.send(vu.call_lifecycle(name, phase, arg.as_ref()));
                        }
                        LifecycleCall::HandleSummary { data, reply } => {
                            let _ = reply.send(vu.call_handle_summary(&data));
                        }
                        LifecycleCall::Exports { names, reply } => {
                            let found = names.into_iter().filter(|n| vu.has_function(n)).collect();
                            let _ = reply.send((found, vu.exports_any_function()));
                        }
                    }
                }
            })
            .map_err(|e| ScriptError {
                message: format!("cannot start the setup VU thread: {e}"),
                interrupted: false,
            })?;
        match ready_rx.recv() {
            Ok(Ok(signal)) => Ok((
                LifecycleVu {
                    tx,
                    signal: signal.clone(),
                },
                signal,
            )),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(ScriptError {
                message: "the setup VU failed to start".into(),
                interrupted: false,
            }),
        }
    }

    /// Calls a lifecycle function with a timeout; `Err(None)` is a timeout.
    pub(super) fn call(
        &self,
        name: &'static str,
        phase: Phase,
        arg: Option<serde_json::Value>,
        timeout: Duration,
    ) -> Result<Option<serde_json::Value>, Option<ScriptError>> {
        let (reply, rx) = bounded(1);
        let _ = self.tx.send(LifecycleCall::Function {
            name,
            phase,
            arg,
            reply,
        });
        match rx.recv_timeout(timeout) {
            Ok(r) => r.map_err(Some),
            Err(_) => {
                // Interrupt the function, as k6 cancels its context, and give it a moment to
                // end so that the samples k6 still emits for it (data_sent/data_received)
                // are not lost.
                self.signal.cancel();
                let _ = rx.recv_timeout(Duration::from_secs(2));
                Err(None)
            }
        }
    }

    pub(super) fn handle_summary(
        &self,
        data: serde_json::Value,
        timeout: Duration,
    ) -> Result<Option<SummaryFiles>, Option<ScriptError>> {
        let (reply, rx) = bounded(1);
        let _ = self.tx.send(LifecycleCall::HandleSummary { data, reply });
        match rx.recv_timeout(timeout) {
            Ok(r) => r.map_err(Some),
            Err(_) => {
                // Stops a handleSummary that spins in script code (the engine reads the flag).
                self.signal.cancel();
                Err(None)
            }
        }
    }

    pub(super) fn exports(&self, names: Vec<String>) -> (Vec<String>, bool) {
        let (reply, rx) = bounded(1);
        let _ = self.tx.send(LifecycleCall::Exports { names, reply });
        rx.recv_timeout(Duration::from_secs(30))
            .unwrap_or((Vec::new(), true))
    }
}
