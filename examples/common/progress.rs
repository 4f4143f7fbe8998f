//! A progress line on standard error for long runs, shared by the examples
//! (`#[path = "common/progress.rs"] mod progress;`).
//!
//! It shows only when standard error is a terminal, and not when standard output is the same
//! terminal and carries the results (the two would interleave). In pipes, redirections and CI
//! it is silent. It redraws at most ten times a second, on one line, and erases itself at the end.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Counts records and redraws `label: N records (M errors) · P% · R/s` on standard error.
pub struct Progress {
    label: &'static str,
    enabled: bool,
    records: u64,
    errors: u64,
    bytes: u64,
    total_bytes: Option<u64>,
    start: Instant,
    last: Instant,
    shown: bool,
}

impl Progress {
    /// A progress line for `label`. `stdout_is_output`: the program writes its results to
    /// standard output (then a terminal there turns the line off).
    pub fn new(label: &'static str, stdout_is_output: bool) -> Progress {
        let enabled = std::io::stderr().is_terminal()
            && !(stdout_is_output && std::io::stdout().is_terminal());
        let now = Instant::now();
        Progress {
            label,
            enabled,
            records: 0,
            errors: 0,
            bytes: 0,
            total_bytes: None,
            start: now,
            last: now,
            shown: false,
        }
    }

    /// The input's total size, when known (files), to show a percentage.
    pub fn set_total_bytes(&mut self, total: Option<u64>) {
        self.total_bytes = total;
    }

    /// One input line read (`bytes` long); `ok` is false if it failed.
    pub fn tick(&mut self, bytes: usize, ok: bool) {
        self.records += 1;
        self.bytes += bytes as u64;
        if !ok {
            self.errors += 1;
        }
        if self.enabled
            && self.records % 64 == 0
            && self.last.elapsed() >= Duration::from_millis(100)
        {
            self.last = Instant::now();
            self.draw();
        }
    }

    fn draw(&mut self) {
        let secs = self.start.elapsed().as_secs_f64().max(1e-3);
        let mut line = format!("{}: {} records", self.label, self.records);
        if self.errors > 0 {
            line.push_str(&format!(" ({} errors)", self.errors));
        }
        if let Some(total) = self.total_bytes.filter(|&t| t > 0) {
            let pct = (self.bytes as f64 / total as f64 * 100.0).min(100.0);
            line.push_str(&format!(" · {pct:.0}%"));
        }
        line.push_str(&format!(" · {:.0}/s", self.records as f64 / secs));
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{line}\x1b[K");
        let _ = err.flush();
        self.shown = true;
    }

    /// Erases the line, so a message can be printed on standard error.
    pub fn clear(&mut self) {
        if self.shown {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[K");
            let _ = err.flush();
            self.shown = false;
        }
    }

    /// Erases the line at the end of the run.
    pub fn finish(&mut self) {
        self.clear();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.clear();
    }
}

/// The total size of the named inputs, when all are regular files (`-` is standard input).
pub fn total_size(names: &[String]) -> Option<u64> {
    names
        .iter()
        .map(|n| {
            if n == "-" {
                None
            } else {
                std::fs::metadata(n)
                    .ok()
                    .filter(|m| m.is_file())
                    .map(|m| m.len())
            }
        })
        .sum()
}
