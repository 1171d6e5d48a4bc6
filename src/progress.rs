//! The progress display, rendered like k6's: a `running (...)` line with the run's counters,
//! then one bar per scenario (name, status, percentage or bar, VUs, elapsed/total,
//! iterations). On a terminal the block is redrawn in place every 100ms; otherwise a block is
//! printed every second. The last block is printed once more at the very end.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::executor::VuPool;
use crate::executor::control::{ExecutionStatus, RunControl};
use crate::executor::progress::{BarStatus, ScenarioProgress, fixed_length_duration, int_width};
use crate::js::runtime::RunShared;

/// Longest scenario name shown before it is cut with `...`.
const MAX_LEFT: usize = 30;
/// k6's default bar width and the width below which it shows a percentage instead.
const DEFAULT_WIDTH: i64 = 40;
const MIN_WIDTH: i64 = 8;
const TERM_PADDING: i64 = 1;

/// What the display shows.
pub struct DisplaySource {
    pub bars: Vec<Arc<ScenarioProgress>>,
    pub shared: Arc<RunShared>,
    pub pool: Arc<VuPool>,
    pub control: Arc<RunControl>,
    /// k6's max possible VUs and max duration of the execution plan (they size the counters).
    pub max_vus: u64,
    pub max_duration: Duration,
    /// VUs initialised before the test (for the "Init" bar).
    pub planned_vus: u64,
    /// When the test started (set by the runner after the pause, before setup).
    pub started: Arc<Mutex<Option<Instant>>>,
}

/// One rendered bar, split like k6's `ProgressBarRender`.
struct Rendered {
    left: String,
    status: BarStatus,
    fraction: f64,
    right: Vec<String>,
}

pub struct Renderer {
    tty: bool,
    color: bool,
    /// The bars' width, adjusted at each render to fit the terminal as k6 does.
    width: i64,
    width_delta: i64,
    term_width: i64,
}

impl Renderer {
    pub fn new(tty: bool, color: bool) -> Renderer {
        Renderer {
            tty,
            color,
            width: DEFAULT_WIDTH,
            width_delta: if tty { 0 } else { -DEFAULT_WIDTH },
            term_width: 80,
        }
    }

    fn progress_text(&self, fraction: f64) -> String {
        let fraction = fraction.clamp(0.0, 1.0);
        if self.width <= MIN_WIDTH {
            return format!("[ {:>3.0}% ]", fraction * 100.0);
        }
        let space = (self.width - 2) as usize;
        let filled = (space as f64 * fraction) as usize;
        let fill = if filled == 0 {
            String::new()
        } else if filled < space {
            format!("{}>", "=".repeat(filled - 1))
        } else {
            "=".repeat(filled)
        };
        let pad = "-".repeat(space - filled);
        let pad = if self.color {
            format!("\x1b[2m{pad}\x1b[22m")
        } else {
            pad
        };
        format!("[{fill}{pad}]")
    }

    fn status_text(&self, s: BarStatus) -> String {
        let sym = s.symbol();
        if !self.color {
            return sym.to_string();
        }
        match s {
            BarStatus::Interrupted => format!("\x1b[31m{sym}\x1b[0m"),
            BarStatus::Done => format!("\x1b[32m{sym}\x1b[0m"),
            BarStatus::Waiting => format!("\x1b[2m{sym}\x1b[22m"),
            _ => sym.to_string(),
        }
    }

    /// k6's `renderMultipleBars`: the run's line (a bar until setup is over, then a text),
    /// then the scenarios' bars with aligned columns. `max_left` is fixed for the whole run.
    fn render(
        &mut self,
        first: &Line,
        bars: &[Rendered],
        max_left: usize,
        go_back: bool,
    ) -> String {
        self.width = (self.width + self.width_delta).clamp(MIN_WIDTH, DEFAULT_WIDTH);
        let line_end = if self.tty { "\x1b[K\n" } else { "\n" };
        let all: Vec<&Rendered> = match first {
            Line::Bar(b) => std::iter::once(b).chain(bars.iter()).collect(),
            Line::Text(_) => bars.iter().collect(),
        };
        let mut col_len = [0usize; 2];
        for b in &all {
            for (i, r) in b.right.iter().enumerate() {
                if i + 1 == b.right.len() || i >= 2 {
                    break;
                }
                col_len[i] = col_len[i].max(r.len());
            }
        }
        let mut out = String::from(line_end);
        let mut line_breaks = 0i64;
        let mut longest = 0i64;
        if let Line::Text(t) = first {
            out.push_str(t);
            out.push_str(line_end);
            line_breaks += (t.chars().count() as i64 - TERM_PADDING) / self.term_width;
        }
        for b in all {
            let left = if b.left.chars().count() > max_left {
                let cut: String = b.left.chars().take(max_left.saturating_sub(3)).collect();
                format!("{cut}...")
            } else {
                b.left.clone()
            };
            let mut right = String::new();
            for (i, r) in b.right.iter().enumerate() {
                let pad = col_len.get(i).copied().unwrap_or(0) + 1;
                right.push_str(&format!(" {r:<pad$}"));
            }
            let plain_len = max_left.max(left.chars().count())
                + 3
                + self.progress_plain_len(b.fraction)
                + right.chars().count();
            longest = longest.max(plain_len as i64);
            line_breaks += (plain_len as i64 - TERM_PADDING) / self.term_width;
            out.push_str(&format!(
                "{left:<max_left$} {} {}{right}{line_end}",
                self.status_text(b.status),
                self.progress_text(b.fraction)
            ));
        }
        if self.tty {
            self.width_delta = self.term_width - longest - TERM_PADDING;
            if go_back {
                let lines = bars.len() as i64 + 1;
                out.push_str(&format!("\r\x1b[J\x1b[{}A", lines + line_breaks + 1));
            }
        }
        out
    }

    /// Visible length of the progress part (without color codes).
    fn progress_plain_len(&self, fraction: f64) -> usize {
        if self.width <= MIN_WIDTH {
            format!("[ {:>3.0}% ]", fraction.clamp(0.0, 1.0) * 100.0).len()
        } else {
            self.width as usize
        }
    }
}

/// The first line of the block.
enum Line {
    /// k6's initialisation bar, shown until setup() is over.
    Bar(Rendered),
    /// `running (...)` with the run's counters, from then on.
    Text(String),
}

fn first_line(src: &DisplaySource) -> Line {
    let bar = |left: &str, fraction: f64, right: String| {
        Line::Bar(Rendered {
            left: left.into(),
            status: BarStatus::Running,
            fraction,
            right: vec![right],
        })
    };
    let status = src.control.status();
    if status <= ExecutionStatus::InitDone as u8 {
        let done = src.pool.initialized().min(src.planned_vus);
        let fraction = if src.planned_vus == 0 {
            1.0
        } else {
            done as f64 / src.planned_vus as f64
        };
        let w = int_width(src.planned_vus);
        return bar(
            "Init",
            fraction,
            format!("{done:0w$}/{} VUs initialized", src.planned_vus),
        );
    }
    if status == ExecutionStatus::PausedBeforeRun as u8 {
        return bar("Run", 1.0, "paused".into());
    }
    if status < ExecutionStatus::Running as u8 {
        return bar("setup()", 1.0, "running".into());
    }
    let c = &src.shared.counters;
    let mut text = if src.control.is_paused() {
        "paused".to_string()
    } else {
        "running".to_string()
    };
    if let Some(t) = *src.started.lock() {
        text = format!(
            "{text} ({})",
            fixed_length_duration(t.elapsed(), src.max_duration)
        );
    }
    let w = int_width(src.max_vus);
    Line::Text(format!(
        "{text}, {:0w$}/{:0w$} VUs, {} complete and {} interrupted iterations",
        c.vus_active.load(Ordering::Relaxed).max(0),
        src.pool.initialized(),
        c.iterations_completed.load(Ordering::Relaxed),
        c.iterations_interrupted.load(Ordering::Relaxed),
    ))
}

/// k6 sizes the name column once, from the scenario names and the "Init" bar.
fn max_left(src: &DisplaySource) -> usize {
    src.bars
        .iter()
        .map(|b| b.name.chars().count())
        .chain(std::iter::once(4))
        .max()
        .unwrap_or(4)
        .min(MAX_LEFT)
}

fn bars(src: &DisplaySource) -> Vec<Rendered> {
    src.bars
        .iter()
        .map(|p| {
            let snap = p.display();
            Rendered {
                left: p.name.clone(),
                status: p.status(),
                fraction: snap.as_ref().map(|s| s.fraction).unwrap_or(0.0),
                right: snap.map(|s| s.right).unwrap_or_default(),
            }
        })
        .collect()
}

/// The block k6 prints for the current state (also what a non-terminal gets every second).
pub fn render_block(src: &DisplaySource, renderer: &mut Renderer, go_back: bool) -> String {
    renderer.render(&first_line(src), &bars(src), max_left(src), go_back)
}

#[cfg(unix)]
fn terminal_width() -> Option<i64> {
    // SAFETY: TIOCGWINSZ fills a `winsize` we own; a failing call leaves it zeroed.
    unsafe {
        let mut ws: libc::winsize = std::mem::zeroed();
        if libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) == 0 && ws.ws_col > 0 {
            return Some(ws.ws_col as i64);
        }
    }
    None
}

#[cfg(not(unix))]
fn terminal_width() -> Option<i64> {
    None
}

/// The running display; [`ProgressDisplay::finish`] prints the final block.
pub struct ProgressDisplay {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<(Renderer, Arc<DisplaySource>)>>,
}

impl ProgressDisplay {
    pub fn start(src: DisplaySource, tty: bool, no_color: bool) -> ProgressDisplay {
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let src = Arc::new(src);
        let thread = std::thread::Builder::new()
            .name("progress".into())
            .spawn(move || {
                let mut r = Renderer::new(tty, tty && !no_color);
                let every = if tty {
                    Duration::from_millis(100)
                } else {
                    Duration::from_secs(1)
                };
                let mut next = Instant::now() + every;
                while !stop2.load(Ordering::Relaxed) {
                    if Instant::now() < next {
                        std::thread::sleep(Duration::from_millis(20).min(next - Instant::now()));
                        continue;
                    }
                    next += every;
                    if tty && let Some(w) = terminal_width() {
                        r.term_width = w;
                    }
                    let block = render_block(&src, &mut r, true);
                    let mut out = std::io::stdout().lock();
                    let _ = out.write_all(block.as_bytes());
                    let _ = out.flush();
                }
                (r, src)
            })
            .ok();
        ProgressDisplay { stop, thread }
    }

    /// Stops the updates (before the summary is printed); the returned block is printed
    /// after the summary, as k6 does.
    pub fn stop(&mut self) -> Option<FinalBlock> {
        self.stop.store(true, Ordering::Relaxed);
        let (renderer, src) = self.thread.take().and_then(|t| t.join().ok())?;
        Some(FinalBlock { renderer, src })
    }
}

/// The display's last block, printed once the summary is out.
pub struct FinalBlock {
    renderer: Renderer,
    src: Arc<DisplaySource>,
}

impl FinalBlock {
    /// Only on a terminal: k6 prints no last block when stdout is not one.
    pub fn print(mut self) {
        if !self.renderer.tty {
            return;
        }
        let block = render_block(&self.src, &mut self.renderer, false);
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(block.as_bytes());
        let _ = out.flush();
    }
}

impl Drop for ProgressDisplay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(left: &str, status: BarStatus, fraction: f64, right: &[&str]) -> Rendered {
        Rendered {
            left: left.into(),
            status,
            fraction,
            right: right.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn non_terminal_block_matches_k6() {
        // Lines captured from k6 v1.1.0 with stdout redirected to a file.
        let mut r = Renderer::new(false, false);
        let bars = [
            bar(
                "a_long_scenario_name",
                BarStatus::Running,
                0.33,
                &["2 VUs", "1.0s/3s"],
            ),
            bar("ext", BarStatus::Running, 0.33, &["1/3 VUs", "1.0s/3s", ""]),
            bar(
                "pvi",
                BarStatus::Done,
                1.0,
                &["2 VUs", "00m00.9s/10m0s", "6/6 iters, 3 per VU"],
            ),
            bar(
                "rar",
                BarStatus::Running,
                0.5,
                &["1/1 VUs", "1.0s/2s", "3.00 iters/s"],
            ),
            bar("rvu", BarStatus::Running, 0.5, &["1/3 VUs", "1.0s/2.0s"]),
            bar(
                "si",
                BarStatus::Running,
                0.6,
                &["2 VUs", "00m01.0s/10m0s", "06/10 shared iters"],
            ),
            bar(
                "car",
                BarStatus::Running,
                0.25,
                &["2/2 VUs", "0.5s/2s", "5.00 iters/s"],
            ),
        ];
        let out = r.render(
            &Line::Text(
                "running (00m01.0s), 09/15 VUs, 26 complete and 0 interrupted iterations".into(),
            ),
            &bars,
            20,
            true,
        );
        let expected = "\nrunning (00m01.0s), 09/15 VUs, 26 complete and 0 interrupted iterations\n\
a_long_scenario_name   [  33% ] 2 VUs    1.0s/3s        \n\
ext                    [  33% ] 1/3 VUs  1.0s/3s          \n\
pvi                  ✓ [ 100% ] 2 VUs    00m00.9s/10m0s  6/6 iters, 3 per VU\n\
rar                    [  50% ] 1/1 VUs  1.0s/2s         3.00 iters/s\n\
rvu                    [  50% ] 1/3 VUs  1.0s/2.0s      \n\
si                     [  60% ] 2 VUs    00m01.0s/10m0s  06/10 shared iters\n\
car                    [  25% ] 2/2 VUs  0.5s/2s         5.00 iters/s\n";
        assert_eq!(out, expected);
    }

    #[test]
    fn paused_block_matches_k6() {
        // k6 v1.1.0 --paused, before the resume: the init bar is still a bar.
        let mut r = Renderer::new(false, false);
        let out = r.render(
            &Line::Bar(bar("Run", BarStatus::Running, 1.0, &["paused"])),
            &[bar("ext", BarStatus::Idle, 0.0, &[])],
            4,
            true,
        );
        assert_eq!(out, "\nRun    [ 100% ] paused\next    [   0% ]\n");
    }

    #[test]
    fn terminal_bars_fill_and_go_back() {
        let mut r = Renderer::new(true, false);
        let out = r.render(
            &Line::Text("running (1.0s), 1/1 VUs, 0 complete and 0 interrupted iterations".into()),
            &[bar(
                "default",
                BarStatus::Running,
                0.5,
                &["1 VUs", "1.0s/2s"],
            )],
            7,
            true,
        );
        let lines: Vec<&str> = out.split('\n').collect();
        assert_eq!(
            lines[2],
            format!(
                "default   [{}>{}] 1 VUs  1.0s/2s\x1b[K",
                "=".repeat(18),
                "-".repeat(19)
            )
        );
        assert!(out.ends_with("\r\x1b[J\x1b[3A"));
    }
}
