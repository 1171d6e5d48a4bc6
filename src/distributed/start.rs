//! `--start-at <RFC 3339 time>`: every instance of a split test initialises its VUs, then
//! waits for the same wall-clock moment to start, so instances in different places (other
//! clusters, regions, machines without a shared coordinator) start together within their
//! clocks' agreement (NTP keeps that to milliseconds).

use std::time::{Duration, SystemTime};

use crate::js::console;

/// The longest single sleep: an abort (Ctrl+C) while waiting is noticed within this.
const POLL: Duration = Duration::from_millis(50);

/// Parses `--start-at` / `K6_START_AT`: RFC 3339 with an offset, e.g.
/// `2026-12-06T10:00:00Z` or `2026-12-06T11:00:00.250+01:00`.
pub fn parse_start_at(s: &str) -> Result<SystemTime, String> {
    let t = chrono::DateTime::parse_from_rfc3339(s.trim()).map_err(|e| {
        format!(
            "invalid --start-at {s:?}: {e}; give an RFC 3339 time with its offset, e.g. 2026-12-06T10:00:00Z"
        )
    })?;
    Ok(SystemTime::from(t))
}

/// The banner's line: `start at: 2026-12-06T10:00:00.000Z`.
pub fn describe(at: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(at).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Waits until `at` (wall clock), or until `aborted()`. A moment already past starts at
/// once, with a warning (the instance was late: the others may have started already).
pub fn wait_until(at: SystemTime, aborted: &dyn Fn() -> bool) {
    match at.duration_since(SystemTime::now()) {
        Err(late) => {
            console::warn(&format!(
                "the start time {} passed {:.3}s ago: starting now",
                describe(at),
                late.duration().as_secs_f64()
            ));
            return;
        }
        Ok(wait) => console::log(
            console::Level::Info,
            "waiting for the start time",
            &[
                ("start", &describe(at)),
                ("in", &format!("{:.3}s", wait.as_secs_f64())),
            ],
        ),
    }
    // Sleeps in short steps on the wall clock, so a clock step (NTP) while waiting is
    // followed and an abort is noticed.
    while let Ok(left) = at.duration_since(SystemTime::now()) {
        if aborted() || left.is_zero() {
            return;
        }
        std::thread::sleep(left.min(POLL));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc3339_with_offsets() {
        let utc = parse_start_at("2026-12-06T10:00:00Z").unwrap();
        let offset = parse_start_at("2026-12-06T11:00:00.000+01:00").unwrap();
        assert_eq!(utc, offset);
        assert_eq!(describe(utc), "2026-12-06T10:00:00.000Z");
        let err = parse_start_at("10:00").unwrap_err();
        assert!(err.contains("RFC 3339"), "{err}");
        // No offset: ambiguous between instances in different zones, so refused.
        assert!(parse_start_at("2026-12-06T10:00:00").is_err());
    }

    #[test]
    fn waits_until_the_moment_and_not_past_it() {
        let at = SystemTime::now() + Duration::from_millis(150);
        wait_until(at, &|| false);
        let now = SystemTime::now();
        assert!(now >= at, "started early");
        // A past moment returns at once; an abort ends the wait.
        let t = std::time::Instant::now();
        wait_until(SystemTime::now() - Duration::from_secs(5), &|| false);
        wait_until(SystemTime::now() + Duration::from_secs(60), &|| true);
        assert!(t.elapsed() < Duration::from_secs(30));
    }
}
