//! The start barrier (`--coordinator HOST:PORT`): every instance of a split test initialises
//! its VUs, then waits until all the instances of the sequence are ready, and they start
//! together.
//!
//! The instance whose segment starts at 0 is the coordinator: it keeps the barrier on its own
//! REST API (`POST /rk6/v1/barrier`), so no extra service is needed (k6-operator already gives
//! each runner a Service on port 6565; an Indexed Job's headless Service gives pod 0 the name
//! `<job>-0.<service>`). The others post their segment there and are answered when the last
//! one arrived; every waiting request is answered at the same moment, so the start skew is
//! the time to deliver N small responses, not a clock agreement. A request is held at most
//! [`LONG_POLL`]; the instance then asks again (so a proxy's idle timeout does no harm).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::js::console;
use crate::options::execution_segment::ExecutionTuple;

/// The path of the barrier on the coordinator's REST API.
pub const PATH: &str = "/rk6/v1/barrier";
/// How long the coordinator holds one request before answering "not yet".
pub const LONG_POLL: Duration = Duration::from_secs(20);
/// The default of `--coordinator-timeout`: how long an instance waits for the others.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);
/// Between attempts to reach a coordinator that does not answer yet (still starting).
const RETRY: Duration = Duration::from_millis(100);
/// How often a waiting instance says what it waits for.
const REPORT_EVERY: Duration = Duration::from_secs(10);

/// What an instance posts: which part of which split it is.
#[derive(Debug, Serialize, Deserialize)]
pub struct Arrival {
    pub segment: String,
    pub sequence: String,
}

/// The coordinator's answer.
#[derive(Debug, Serialize, Deserialize)]
pub struct Answer {
    /// Every instance is ready: start now.
    pub start: bool,
    pub ready: usize,
    pub expected: usize,
}

/// The barrier as the coordinator keeps it.
pub struct Barrier {
    sequence: String,
    segments: Vec<String>,
    ready: Mutex<BTreeSet<String>>,
    released: tokio::sync::watch::Sender<bool>,
}

/// This instance is the one that keeps the barrier: its segment starts the sequence.
pub fn is_coordinator(tuple: &ExecutionTuple) -> bool {
    tuple.segment().from() == crate::options::execution_segment::ExecutionSegment::full().from()
}

impl Barrier {
    pub fn new(tuple: &ExecutionTuple) -> Barrier {
        Barrier {
            sequence: tuple.sequence().to_string(),
            segments: tuple.sequence().0.iter().map(|s| s.to_string()).collect(),
            ready: Mutex::new(BTreeSet::new()),
            released: tokio::sync::watch::channel(false).0,
        }
    }

    /// Records an instance as ready; releases everyone when it was the last one.
    pub fn arrive(&self, a: &Arrival) -> Result<Answer, String> {
        if a.sequence != self.sequence {
            return Err(format!(
                "the instance of segment {} runs the sequence {}, the coordinator {}: \
                 they are not instances of the same split test",
                a.segment, a.sequence, self.sequence
            ));
        }
        if !self.segments.contains(&a.segment) {
            return Err(format!(
                "{} is not a segment of the sequence {}",
                a.segment, self.sequence
            ));
        }
        let ready = {
            let mut set = self.ready.lock();
            set.insert(a.segment.clone());
            set.len()
        };
        if ready == self.segments.len() {
            self.released.send_replace(true);
        }
        Ok(self.answer())
    }

    fn answer(&self) -> Answer {
        Answer {
            start: *self.released.borrow(),
            ready: self.ready.lock().len(),
            expected: self.segments.len(),
        }
    }

    /// Waits up to `max` for the release; the answer says whether it came.
    pub async fn wait(&self, max: Duration) -> Answer {
        let mut rx = self.released.subscribe();
        let _ = tokio::time::timeout(max, rx.wait_for(|released| *released)).await;
        self.answer()
    }

    /// The segments not ready yet (for the messages of a wait that lasts).
    fn missing(&self) -> Vec<String> {
        let ready = self.ready.lock();
        self.segments
            .iter()
            .filter(|s| !ready.contains(*s))
            .cloned()
            .collect()
    }
}

/// The answer to a `POST` of the barrier (`body` is an [`Arrival`]).
pub async fn serve(barrier: &Barrier, body: &[u8]) -> Result<Answer, String> {
    let arrival: Arrival =
        serde_json::from_slice(body).map_err(|e| format!("not a barrier request: {e}"))?;
    let answer = barrier.arrive(&arrival)?;
    if answer.start {
        return Ok(answer);
    }
    Ok(barrier.wait(LONG_POLL).await)
}

/// Where and how this instance meets the others.
pub struct Meeting<'a> {
    /// `host:port` (or a URL) of the coordinator's REST API.
    pub coordinator: &'a str,
    pub tuple: &'a ExecutionTuple,
    /// On the coordinator: the barrier its REST API serves.
    pub local: Option<Arc<Barrier>>,
    pub timeout: Duration,
}

/// Waits until every instance is ready (or the run is aborted). Errors when the others did
/// not all arrive within the timeout, or the coordinator refused this instance.
pub fn wait_for_all(
    rt: &tokio::runtime::Handle,
    m: &Meeting<'_>,
    aborted: &dyn Fn() -> bool,
) -> Result<(), String> {
    let started = Instant::now();
    let deadline = started + m.timeout;
    let arrival = Arrival {
        segment: m.tuple.segment().to_string(),
        sequence: m.tuple.sequence().to_string(),
    };
    console::log(
        console::Level::Info,
        "waiting for every instance to be ready",
        &[
            ("coordinator", m.coordinator),
            ("instances", &m.tuple.sequence().0.len().to_string()),
        ],
    );
    let mut last_report = Instant::now();
    if let Some(barrier) = &m.local {
        barrier.arrive(&arrival)?;
        loop {
            let step = deadline
                .saturating_duration_since(Instant::now())
                .min(Duration::from_millis(250));
            if rt.block_on(barrier.wait(step)).start {
                return Ok(());
            }
            if aborted() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(gave_up(m, &barrier.missing()));
            }
            if last_report.elapsed() >= REPORT_EVERY {
                last_report = Instant::now();
                report_wait(started, &barrier.missing().join(", "));
            }
        }
    }
    let url = url(m.coordinator, PATH)?;
    let body = Bytes::from(serde_json::to_vec(&arrival).map_err(|e| e.to_string())?);
    let client = super::http_client();
    loop {
        if aborted() {
            return Ok(());
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(gave_up(m, &[]));
        }
        let attempt = match rt.block_on(super::post_json(
            &client,
            &url,
            body.clone(),
            left.min(LONG_POLL * 2),
        )) {
            Err(e) => Err(Failure::Retry(e)),
            Ok((status, bytes)) if !status.is_success() => {
                // The REST API's JSON:API error: its detail says what is wrong.
                let detail = serde_json::from_slice::<serde_json::Value>(&bytes)
                    .ok()
                    .and_then(|v| v["errors"][0]["detail"].as_str().map(str::to_string))
                    .unwrap_or_else(|| {
                        format!("{status}: {}", String::from_utf8_lossy(&bytes).trim())
                    });
                Err(Failure::Fatal(detail))
            }
            Ok((_, bytes)) => serde_json::from_slice::<Answer>(&bytes)
                .map_err(|e| Failure::Fatal(format!("not a barrier answer: {e}"))),
        };
        match attempt {
            Ok(a) if a.start => return Ok(()),
            Ok(a) => {
                if last_report.elapsed() >= REPORT_EVERY {
                    last_report = Instant::now();
                    report_wait(started, &format!("{} of {} ready", a.ready, a.expected));
                }
            }
            Err(Failure::Fatal(msg)) => {
                return Err(format!(
                    "the coordinator {} refused this instance: {msg}",
                    m.coordinator
                ));
            }
            Err(Failure::Retry(why)) => {
                if last_report.elapsed() >= REPORT_EVERY {
                    last_report = Instant::now();
                    report_wait(
                        started,
                        &format!("the coordinator does not answer yet: {why}"),
                    );
                }
                std::thread::sleep(RETRY);
            }
        }
    }
}

enum Failure {
    /// The coordinator is not up yet, or the connection broke: ask again.
    Retry(String),
    /// The coordinator refused this instance: waiting longer will not help.
    Fatal(String),
}

fn report_wait(started: Instant, what: &str) {
    console::log(
        console::Level::Info,
        "still waiting for the other instances",
        &[
            (
                "waited",
                &format!("{:.0}s", started.elapsed().as_secs_f64()),
            ),
            ("waiting for", what),
        ],
    );
}

fn gave_up(m: &Meeting<'_>, missing: &[String]) -> String {
    let which = if missing.is_empty() {
        String::new()
    } else {
        format!(" (missing: {})", missing.join(", "))
    };
    format!(
        "not every instance of the sequence {} was ready within {:?}{which}: an instance did \
         not start, or cannot reach the coordinator {}; raise --coordinator-timeout or check \
         the instances",
        m.tuple.sequence(),
        m.timeout,
        m.coordinator
    )
}

/// `host:port` or `http://host:port[/]` (`--coordinator`) and an API path to a URL.
pub fn url(coordinator: &str, path: &str) -> Result<String, String> {
    let base = coordinator.trim().trim_end_matches('/');
    if base.is_empty() {
        return Err("--coordinator needs the first instance's REST API address (host:port)".into());
    }
    let base = if base.contains("://") {
        if !base.starts_with("http://") {
            return Err(format!(
                "--coordinator {coordinator}: only http:// is supported (the REST API is plain HTTP)"
            ));
        }
        base.to_string()
    } else {
        format!("http://{base}")
    };
    let url = format!("{base}{path}");
    url.parse::<hyper::Uri>()
        .map_err(|e| format!("--coordinator {coordinator}: not an address: {e}"))?;
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::execution_segment::{ExecutionSegment, ExecutionSegmentSequence};

    fn tuple(segment: &str, sequence: &str) -> ExecutionTuple {
        ExecutionTuple::new(
            Some(&ExecutionSegment::parse(segment).unwrap()),
            &ExecutionSegmentSequence::parse(sequence).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn releases_when_the_last_segment_arrives() {
        let t = tuple("0:1/3", "0,1/3,2/3,1");
        assert!(is_coordinator(&t));
        assert!(!is_coordinator(&tuple("1/3:2/3", "0,1/3,2/3,1")));
        let b = Barrier::new(&t);
        let arrive = |segment: &str| {
            b.arrive(&Arrival {
                segment: segment.into(),
                sequence: "0,1/3,2/3,1".into(),
            })
            .unwrap()
        };
        assert!(!arrive("0:1/3").start);
        // The same instance asking again counts once.
        assert!(!arrive("0:1/3").start);
        let a = arrive("2/3:1");
        assert_eq!((a.start, a.ready, a.expected), (false, 2, 3));
        assert_eq!(b.missing(), vec!["1/3:2/3".to_string()]);
        assert!(arrive("1/3:2/3").start);
        // A late request is answered at once.
        assert!(arrive("2/3:1").start);
    }

    #[test]
    fn refuses_instances_of_another_split() {
        let b = Barrier::new(&tuple("0:1/2", "0,1/2,1"));
        let err = b
            .arrive(&Arrival {
                segment: "1/3:2/3".into(),
                sequence: "0,1/3,2/3,1".into(),
            })
            .unwrap_err();
        assert!(
            err.contains("not instances of the same split test"),
            "{err}"
        );
        let err = b
            .arrive(&Arrival {
                segment: "1/4:1/2".into(),
                sequence: "0,1/2,1".into(),
            })
            .unwrap_err();
        assert!(err.contains("not a segment"), "{err}");
    }

    #[test]
    fn coordinator_addresses() {
        assert_eq!(
            url("10.0.0.1:6565", PATH).unwrap(),
            "http://10.0.0.1:6565/rk6/v1/barrier"
        );
        assert_eq!(
            url("http://rk6-test-0.rk6-test:6565/", PATH).unwrap(),
            "http://rk6-test-0.rk6-test:6565/rk6/v1/barrier"
        );
        assert!(url("https://x:1", PATH).is_err());
        assert!(url("", PATH).is_err());
    }
}
