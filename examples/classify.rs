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

#[path = "common/input.rs"]
mod input;
#[path = "common/progress.rs"]
mod progress;

use kasuhara::{Lang, render_text};
use std::io::{BufWriter, IsTerminal, Write};
use std::process::ExitCode;

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
    let mut out = BufWriter::new(stdout.lock());
    let mut stream = engine.stream();
    let mut failed = false;
    let inputs: Vec<String> = if args.files.is_empty() {
        vec!["-".into()]
    } else {
        args.files.clone()
    };
    let mut progress = progress::Progress::new("classify", true);
    progress.set_total_bytes(progress::total_size(&inputs));
    let mut write_error: Option<std::io::Error> = None;
    let all_read = input::read_lines(&inputs, |event| {
        let (number, bytes, record) = match event {
            input::Event::IoError { file, message } => {
                progress.clear();
                eprintln!("`{file}`: {message}");
                return;
            }
            input::Event::Line {
                number,
                bytes,
                record,
                ..
            } => (number, bytes, record),
        };
        if write_error.is_some() {
            return;
        }
        let result = record.and_then(|inc| {
            let inc = *inc;
            stream
                .classify(&inc)
                .map(|a| (inc, a))
                .map_err(|e| e.to_string())
        });
        progress.tick(bytes, result.is_ok());
        let written = match result {
            Ok((inc, a)) => match args.format {
                Format::Json => serde_json::to_string(&a)
                    .map_err(std::io::Error::other)
                    .and_then(|j| writeln!(out, "{j}")),
                Format::Text => write!(out, "{}", render_text(&inc, &a, args.lang, color)),
            },
            Err(msg) => {
                failed = true;
                match args.format {
                    Format::Json => {
                        let rec = serde_json::json!({ "line": number, "error": msg });
                        writeln!(out, "{rec}")
                    }
                    Format::Text => writeln!(out, "line {number}: error: {msg}\n"),
                }
            }
        };
        if let Err(e) = written {
            write_error = Some(e);
        }
    });
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
