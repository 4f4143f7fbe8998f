//! The whole-process yardstick: a program that only runs rustrict over the same JSONL lines the
//! `classify` example reads, for timing the two programs side by side.
//!
//! ```text
//! cargo run --release --example rustrict_lines -- [FILE...]
//! ```
//!
//! Lines are read and parsed exactly as `classify` reads them (same reader, same record type);
//! each record's text and utterances go through `rustrict::Censor::analyze`, and one JSON line per
//! input line says whether rustrict finds it inappropriate. Nothing else is computed, so the
//! difference in wall time between the two programs is the difference in classification.
//!
//! ```text
//! hyperfine 'target/release/examples/classify FILE' 'target/release/examples/rustrict_lines FILE'
//! ```

#[path = "common/input.rs"]
mod input;

use rustrict::{Censor, Type};
use std::io::{BufWriter, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut inputs: Vec<String> = std::env::args().skip(1).collect();
    if inputs.iter().any(|a| a == "-h" || a == "--help") {
        eprintln!("usage: rustrict_lines [FILE...]");
        return ExitCode::from(2);
    }
    if inputs.is_empty() {
        inputs.push("-".into());
    }
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut failed = false;
    let mut text = String::new();
    let all_read = input::read_lines(&inputs, |event| {
        let input::Event::Line { number, record, .. } = event else {
            failed = true;
            return;
        };
        let written = match record {
            Ok(inc) => {
                text.clear();
                text.push_str(inc.text.as_deref().unwrap_or(""));
                for u in &inc.utterances {
                    text.push('\n');
                    text.push_str(&u.text);
                }
                let t = Censor::from_str(&text).analyze();
                let inappropriate = t.is(Type::INAPPROPRIATE);
                writeln!(
                    out,
                    "{{\"line\":{number},\"inappropriate\":{inappropriate}}}"
                )
            }
            Err(_) => {
                failed = true;
                writeln!(out, "{{\"line\":{number},\"error\":true}}")
            }
        };
        if written.is_err() {
            failed = true;
        }
    });
    if out.flush().is_err() || failed || !all_read {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
