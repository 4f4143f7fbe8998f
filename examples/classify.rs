//! The main job: classify JSONL incident records.
//!
//! ```text
//! cargo run --release --example classify -- [--policy PATH] [--lang en|ja] [--format json|text] [--explain] [FILE...]
//! ```
//!
//! Reads JSONL from the files (or stdin) and writes one assessment per input line, in input order.
//! A line that cannot be read yields `{"line": N, "error": "..."}` in its place and processing goes
//! on; the exit status is 1 if any line failed, 2 on a usage or policy error. Earlier records of the
//! same `customer` count as history.
//!
//! Lines are classified 1,024 at a time on all cores, with exactly the results of classifying them
//! one by one; lines typed at a terminal are answered one at a time.

#[path = "common/input.rs"]
mod input;
#[path = "common/progress.rs"]
mod progress;

use kasuhara::{Incident, Lang, render_text};
use std::io::{BufWriter, IsTerminal, Write};
use std::process::ExitCode;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(PartialEq)]
enum Format {
    Json,
    Text,
}

struct Args {
    policy: Option<String>,
    lang: Lang,
    format: Format,
    explain: bool,
    files: Vec<String>,
}

const USAGE: &str =
    "usage: classify [--policy PATH] [--lang en|ja] [--format json|text] [--explain] [FILE...]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        policy: None,
        lang: Lang::En,
        format: Format::Json,
        explain: false,
        files: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--policy" => args.policy = Some(it.next().ok_or("--policy needs a path")?),
            "--lang" => args.lang = it.next().ok_or("--lang needs `en` or `ja`")?.parse()?,
            "--format" => {
                args.format = match it.next().as_deref() {
                    Some("json") => Format::Json,
                    Some("text") => Format::Text,
                    _ => return Err("--format needs `json` or `text`".into()),
                }
            }
            "--explain" => args.explain = true,
            "-h" | "--help" => return Err(USAGE.into()),
            "-" => args.files.push(a),
            s if s.starts_with("--") => return Err(format!("unknown option `{s}`\n{USAGE}")),
            _ => args.files.push(a),
        }
    }
    Ok(args)
}

/// Lines of a file classified together: they are parsed, classified
/// ([`kasuhara::Stream::classify_batch`], exactly the results of classifying them one by one) and
/// written out on all cores, then written in input order.
const CHUNK: usize = 1024;

/// Reading, classifying and writing, in input order.
struct Job<'e, W: Write> {
    stream: kasuhara::Stream<'e>,
    out: W,
    progress: progress::Progress,
    format: Format,
    lang: Lang,
    color: bool,
    /// Lines read and not yet answered: number, length, and the line's text or why it is none.
    pending: Vec<(usize, usize, Result<String, String>)>,
    failed: bool,
    write_error: Option<std::io::Error>,
    /// Standard input is a terminal: each answer is written out at once.
    interactive: bool,
}

impl<W: Write> Job<'_, W> {
    fn push(&mut self, number: usize, bytes: usize, line: Result<String, String>) {
        self.pending.push((number, bytes, line));
    }

    /// Classifies the pending lines and writes an answer for every one.
    fn flush(&mut self) {
        use rayon::prelude::*;
        let pending = std::mem::take(&mut self.pending);
        if self.write_error.is_some() {
            return;
        }
        let parsed: Vec<Result<Box<Incident>, String>> = pending
            .par_iter()
            .map(|(_, _, line)| line.as_deref().map_err(Clone::clone).and_then(input::parse))
            .collect();
        // The records, in order, and where each line's record is.
        let mut records = Vec::with_capacity(parsed.len());
        let slots: Vec<Result<usize, String>> = parsed
            .into_iter()
            .map(|r| {
                r.map(|inc| {
                    records.push(*inc);
                    records.len() - 1
                })
            })
            .collect();
        let results = self.stream.classify_batch(&records);
        let (format, lang, color) = (&self.format, self.lang, self.color);
        let answers: Vec<(bool, Vec<u8>)> = pending
            .par_iter()
            .zip(&slots)
            .map(|((number, _, _), slot)| {
                // The line's answer, or why it has none (unreadable, refused, not serializable).
                let answer = slot.clone().and_then(|i| {
                    let a = results[i].as_ref().map_err(|e| e.to_string())?;
                    Ok(match format {
                        Format::Json => {
                            let mut buf = serde_json::to_vec(a).map_err(|e| e.to_string())?;
                            buf.push(b'\n');
                            buf
                        }
                        Format::Text => render_text(&records[i], a, lang, color).into_bytes(),
                    })
                });
                match answer {
                    Ok(buf) => (true, buf),
                    Err(msg) => {
                        let line = match format {
                            Format::Json => {
                                format!("{}\n", serde_json::json!({ "line": number, "error": msg }))
                            }
                            Format::Text => format!("line {number}: error: {msg}\n\n"),
                        };
                        (false, line.into_bytes())
                    }
                }
            })
            .collect();
        for ((_, bytes, _), (ok, answer)) in pending.iter().zip(answers) {
            self.failed |= !ok;
            self.progress.tick(*bytes, ok);
            if let Err(e) = self.out.write_all(&answer) {
                self.write_error = Some(e);
                return;
            }
        }
        if self.interactive
            && let Err(e) = self.out.flush()
        {
            self.write_error = Some(e);
        }
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let engine = match input::build_engine(args.policy.as_deref(), args.lang, args.explain) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let color = args.format == Format::Text
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let stdout = std::io::stdout();
    let inputs: Vec<String> = if args.files.is_empty() {
        vec!["-".into()]
    } else {
        args.files.clone()
    };
    let mut progress = progress::Progress::new("classify", true);
    progress.set_total_bytes(progress::total_size(&inputs));
    let mut job = Job {
        stream: engine.stream(),
        out: BufWriter::new(stdout.lock()),
        progress,
        format: args.format,
        lang: args.lang,
        color,
        pending: Vec::new(),
        failed: false,
        write_error: None,
        interactive: std::io::stdin().is_terminal(),
    };
    let all_read = input::read_raw_lines(&inputs, |event| match event {
        input::Event::IoError { file, message } => {
            job.flush();
            job.progress.clear();
            eprintln!("`{file}`: {message}");
        }
        input::Event::Line {
            number,
            file,
            bytes,
            record,
        } => {
            job.push(number, bytes, record);
            // Someone typing at a terminal is answered line by line.
            if (file == "-" && job.interactive) || job.pending.len() >= CHUNK {
                job.flush();
            }
        }
    });
    job.flush();
    let Job {
        mut out,
        mut progress,
        mut failed,
        write_error,
        ..
    } = job;
    progress.finish();
    failed |= !all_read;
    if let Some(e) = write_error {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return ExitCode::from(u8::from(failed));
        }
        eprintln!("cannot write: {e}");
        return ExitCode::from(2);
    }
    if out.flush().is_err() {
        return ExitCode::from(2);
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
