//! Per-metric aggregation with k6's `metrics/sink.go` semantics.

use std::fmt;
use std::time::Duration;

use super::sample::MetricType;
use super::trend::TrendDigest;

/// Counter: sum of values; the rate is per second of test run duration.
#[derive(Clone, Debug, Default)]
pub struct CounterSink {
    pub value: f64,
    pub samples: u64,
}

impl CounterSink {
    pub fn rate(&self, elapsed: Duration) -> f64 {
        per_second(self.value, elapsed)
    }
}

/// `count / seconds`, 0 for a zero duration (k6's summary does the same to avoid NaN/Inf).
pub fn per_second(count: f64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs == 0.0 { 0.0 } else { count / secs }
}

/// Gauge: last value, min and max. As in k6, `max` starts at 0 and is only raised, so a gauge
/// of only negative values reports `max = 0` (confirmed on k6 v1.1.0).
#[derive(Clone, Debug, Default)]
pub struct GaugeSink {
    pub value: f64,
    pub min: f64,
    pub max: f64,
    pub min_set: bool,
}

/// Rate: share of non-zero values.
#[derive(Clone, Debug, Default)]
pub struct RateSink {
    pub trues: u64,
    pub total: u64,
}

impl RateSink {
    pub fn rate(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.trues as f64 / self.total as f64
        }
    }

    pub fn fails(&self) -> u64 {
        self.total - self.trues
    }
}

#[derive(Clone, Debug)]
pub enum Sink {
    Counter(CounterSink),
    Gauge(GaugeSink),
    Rate(RateSink),
    Trend(TrendDigest),
}

impl Sink {
    pub fn new(mtype: MetricType) -> Sink {
        match mtype {
            MetricType::Counter => Sink::Counter(CounterSink::default()),
            MetricType::Gauge => Sink::Gauge(GaugeSink::default()),
            MetricType::Rate => Sink::Rate(RateSink::default()),
            MetricType::Trend => Sink::Trend(TrendDigest::new()),
        }
    }

    pub fn metric_type(&self) -> MetricType {
        match self {
            Sink::Counter(_) => MetricType::Counter,
            Sink::Gauge(_) => MetricType::Gauge,
            Sink::Rate(_) => MetricType::Rate,
            Sink::Trend(_) => MetricType::Trend,
        }
    }

    #[inline]
    pub fn add(&mut self, v: f64) {
        match self {
            Sink::Counter(c) => {
                c.value += v;
                c.samples += 1;
            }
            Sink::Gauge(g) => {
                g.value = v;
                if v > g.max {
                    g.max = v;
                }
                if v < g.min || !g.min_set {
                    g.min = v;
                    g.min_set = true;
                }
            }
            Sink::Rate(r) => {
                r.total += 1;
                if v != 0.0 {
                    r.trues += 1;
                }
            }
            Sink::Trend(t) => t.add(v),
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Sink::Counter(c) => c.samples == 0,
            Sink::Gauge(g) => !g.min_set,
            Sink::Rate(r) => r.total == 0,
            Sink::Trend(t) => t.is_empty(),
        }
    }

    /// Value of a trend column; `None` for non-trend sinks.
    pub fn trend_stat(&mut self, stat: TrendStat) -> Option<f64> {
        let Sink::Trend(t) = self else { return None };
        Some(match stat {
            TrendStat::Avg => t.avg(),
            TrendStat::Min => t.min(),
            TrendStat::Med => t.percentile(0.5),
            TrendStat::Max => t.max(),
            TrendStat::Count => t.count() as f64,
            TrendStat::Percentile(p) => t.percentile(p / 100.0),
        })
    }
}

/// One `summaryTrendStats` column.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TrendStat {
    Avg,
    Min,
    Med,
    Max,
    Count,
    /// In percent, `0..=100`.
    Percentile(f64),
}

/// An invalid `summaryTrendStats` entry; the message is k6's, and k6 exits with code 255.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidTrendStat(pub String);

impl InvalidTrendStat {
    /// k6's exit code for an invalid trend stat (confirmed on k6 v1.1.0).
    pub const EXIT_CODE: i32 = 255;
}

impl TrendStat {
    pub fn parse(stat: &str) -> Result<TrendStat, InvalidTrendStat> {
        match stat {
            "avg" => return Ok(TrendStat::Avg),
            "min" => return Ok(TrendStat::Min),
            "med" => return Ok(TrendStat::Med),
            "max" => return Ok(TrendStat::Max),
            "count" => return Ok(TrendStat::Count),
            _ => {}
        }
        let Some(inner) = stat.strip_prefix("p(").and_then(|s| s.strip_suffix(')')) else {
            return Err(InvalidTrendStat(format!(
                "invalid trend stat '{stat}', unknown format"
            )));
        };
        match parse_go_float(inner) {
            Some(p) if (0.0..=100.0).contains(&p) => Ok(TrendStat::Percentile(p)),
            _ => Err(InvalidTrendStat(format!(
                "invalid percentile trend stat value '{stat}', provide a number between 0 and 100"
            ))),
        }
    }
}

impl fmt::Display for TrendStat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrendStat::Avg => f.write_str("avg"),
            TrendStat::Min => f.write_str("min"),
            TrendStat::Med => f.write_str("med"),
            TrendStat::Max => f.write_str("max"),
            TrendStat::Count => f.write_str("count"),
            TrendStat::Percentile(p) => write!(f, "p({p})"),
        }
    }
}

/// Parses a float the way Go's `strconv.ParseFloat(s, 64)` accepts common inputs
/// (no surrounding whitespace, no underscores).
pub(crate) fn parse_go_float(s: &str) -> Option<f64> {
    if s.is_empty() || s.contains('_') || s.trim() != s {
        return None;
    }
    s.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_sums_and_rates() {
        let mut s = Sink::new(MetricType::Counter);
        assert!(s.is_empty());
        s.add(2.0);
        s.add(0.0);
        s.add(4.5);
        let Sink::Counter(c) = &s else { panic!() };
        assert_eq!(c.value, 6.5);
        assert_eq!(c.rate(Duration::from_millis(500)), 13.0);
        assert_eq!(c.rate(Duration::ZERO), 0.0);
        assert!(!s.is_empty());
    }

    #[test]
    fn counter_with_zero_adds_is_not_empty() {
        // data_sent receives 0-valued samples and k6 still shows "0 B" (confirmed on k6 v1.1.0).
        let mut s = Sink::new(MetricType::Counter);
        s.add(0.0);
        assert!(!s.is_empty());
    }

    #[test]
    fn gauge_keeps_last_min_max_with_k6_max_quirk() {
        let mut s = Sink::new(MetricType::Gauge);
        s.add(7.0);
        s.add(3.0);
        let Sink::Gauge(g) = &s else { panic!() };
        assert_eq!((g.value, g.min, g.max), (3.0, 3.0, 7.0));
        // confirmed on k6 v1.1.0: gauge fed -5, -7 shows value=-7 min=-7 max=0.
        let mut s = Sink::new(MetricType::Gauge);
        s.add(-5.0);
        s.add(-7.0);
        let Sink::Gauge(g) = &s else { panic!() };
        assert_eq!((g.value, g.min, g.max), (-7.0, -7.0, 0.0));
    }

    #[test]
    fn rate_counts_non_zero_as_pass() {
        let mut s = Sink::new(MetricType::Rate);
        for v in [1.0, 0.0, 0.5, -1.0, 0.0, f64::NAN] {
            s.add(v);
        }
        let Sink::Rate(r) = &s else { panic!() };
        assert_eq!((r.trues, r.fails(), r.total), (4, 2, 6));
        assert!((r.rate() - 4.0 / 6.0).abs() < 1e-15);
        assert_eq!(RateSink::default().rate(), 0.0);
    }

    #[test]
    fn trend_stats_resolve() {
        let mut s = Sink::new(MetricType::Trend);
        for v in 1..=1000 {
            s.add(v as f64 / 7.0);
        }
        // confirmed on k6 v1.1.0 (--summary-trend-stats=count,p(99.9),p(0),avg,p(100)):
        // count 1000, p(99.9) 142.71442857142858, p(0) 0.14285714285714285, avg 71.5,
        // p(100) 142.85714285714286.
        assert_eq!(s.trend_stat(TrendStat::Count), Some(1000.0));
        assert_eq!(
            s.trend_stat(TrendStat::Percentile(99.9)),
            Some(142.71442857142858)
        );
        assert_eq!(
            s.trend_stat(TrendStat::Percentile(0.0)),
            Some(0.14285714285714285)
        );
        assert_eq!(s.trend_stat(TrendStat::Avg), Some(71.5));
        assert_eq!(
            s.trend_stat(TrendStat::Percentile(100.0)),
            Some(142.85714285714286)
        );
        assert_eq!(Sink::new(MetricType::Rate).trend_stat(TrendStat::Avg), None);
    }

    #[test]
    fn trend_stat_parsing_matches_k6_messages() {
        assert_eq!(TrendStat::parse("p(99.9)"), Ok(TrendStat::Percentile(99.9)));
        assert_eq!(TrendStat::parse("count"), Ok(TrendStat::Count));
        // confirmed on k6 v1.1.0 (exit code 255):
        assert_eq!(
            TrendStat::parse("p(101)").unwrap_err().0,
            "invalid percentile trend stat value 'p(101)', provide a number between 0 and 100"
        );
        assert_eq!(
            TrendStat::parse("p(abc)").unwrap_err().0,
            "invalid percentile trend stat value 'p(abc)', provide a number between 0 and 100"
        );
        assert_eq!(
            TrendStat::parse("foo").unwrap_err().0,
            "invalid trend stat 'foo', unknown format"
        );
        assert_eq!(
            TrendStat::parse("").unwrap_err().0,
            "invalid trend stat '', unknown format"
        );
        assert_eq!(TrendStat::Percentile(99.9).to_string(), "p(99.9)");
    }
}
