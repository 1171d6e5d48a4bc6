//! The target on its own runtime and thread, for tests and the CLI.

use std::io;
use std::net::SocketAddr;
use std::sync::mpsc as std_mpsc;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use super::TargetConfig;
use super::server;

/// Worker threads of the target's runtime: enough to keep up with a load generator sharing the machine.
const WORKER_THREADS: usize = 2;

/// A target running on a background thread; dropping it stops the server and waits for the thread.
#[derive(Debug)]
pub struct BackgroundTarget {
    local_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl BackgroundTarget {
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }
}

impl Drop for BackgroundTarget {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            // Bounded by the shutdown grace period; a panic on that thread has nowhere better to go.
            let _ = thread.join();
        }
    }
}

pub(crate) fn spawn(cfg: TargetConfig) -> io::Result<BackgroundTarget> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKER_THREADS)
        .thread_name("rk6-target")
        .enable_all()
        .build()?;
    let (started_tx, started_rx) = std_mpsc::channel::<io::Result<SocketAddr>>();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("rk6-target-main".into())
        .spawn(move || {
            runtime.block_on(async move {
                let handle = match server::start(cfg).await {
                    Ok(handle) => handle,
                    Err(err) => {
                        let _ = started_tx.send(Err(err));
                        return;
                    }
                };
                if started_tx.send(Ok(handle.local_addr())).is_err() {
                    return;
                }
                // Also resolves when the sender is dropped without sending.
                let _ = stop_rx.await;
                handle.shutdown().await;
            });
            // Dropping the runtime here cancels whatever outlived the grace period.
        })?;
    // `recv` fails only if the thread died before reporting, i.e. it panicked.
    let started = started_rx
        .recv()
        .map_err(|_| io::Error::other("target thread exited during startup"));
    match started.and_then(|r| r) {
        Ok(local_addr) => Ok(BackgroundTarget {
            local_addr,
            stop: Some(stop_tx),
            thread: Some(thread),
        }),
        Err(err) => {
            let _ = thread.join();
            Err(err)
        }
    }
}
