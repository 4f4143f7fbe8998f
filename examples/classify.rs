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

#[path = "common/progress.rs"]
mod progress;

use kasuhara::{EngineBuilder, Incident, Lang, Policy, render_text};
use std::io::{BufRead, BufReader, BufWriter, IsTerminal, Read, Write};
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
    let policy = match &args.policy {
        Some(p) => match Policy::from_path(p) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        },
        None => Policy::default(),
    };
    let engine = match EngineBuilder::new(policy)
        .lang(args.lang)
        .near_misses(args.explain)
        .build()
    {
        Ok(e) => e,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let color = args.format == Format::Text
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut stream = engine.stream();
    let mut failed = false;
    let mut line_no = 0usize;
    let inputs: Vec<String> = if args.files.is_empty() {
        vec!["-".into()]
    } else {
        args.files.clone()
    };
    let mut progress = progress::Progress::new("classify", true);
    progress.set_total_bytes(progress::total_size(&inputs));
    for name in inputs {
        let reader: Box<dyn Read> = if name == "-" {
            Box::new(std::io::stdin())
        } else {
            match std::fs::File::open(&name) {
                Ok(f) => Box::new(f),
                Err(e) => {
                    progress.clear();
                    eprintln!("cannot open `{name}`: {e}");
                    failed = true;
                    continue;
                }
            }
        };
        let mut reader = BufReader::new(reader);
        let mut buf = Vec::new();
        let mut first = true;
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    progress.clear();
                    eprintln!("cannot read `{name}`: {e}");
                    failed = true;
                    break;
                }
            }
            line_no += 1;
            let line_len = buf.len();
            let mut bytes: &[u8] = &buf;
            if first {
                bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
                first = false;
            }
            while let Some(b) = bytes
                .strip_suffix(b"\n")
                .or_else(|| bytes.strip_suffix(b"\r"))
            {
                bytes = b;
            }
            let result = match std::str::from_utf8(bytes) {
                Err(e) => Err(format!("invalid UTF-8 at byte {}", e.valid_up_to())),
                Ok(s) if s.trim().is_empty() => Err("empty line".to_string()),
                Ok(s) => Incident::from_json(s)
                    .map_err(|e| e.to_string())
                    .and_then(|inc| {
                        stream
                            .classify(&inc)
                            .map(|a| (inc, a))
                            .map_err(|e| e.to_string())
                    }),
            };
            progress.tick(line_len, result.is_ok());
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
                            let rec = serde_json::json!({ "line": line_no, "error": msg });
                            writeln!(out, "{rec}")
                        }
                        Format::Text => writeln!(out, "line {line_no}: error: {msg}\n"),
                    }
                }
            };
            if let Err(e) = written {
                if e.kind() == std::io::ErrorKind::BrokenPipe {
                    return ExitCode::from(if failed { 1 } else { 0 });
                }
                progress.clear();
                eprintln!("cannot write: {e}");
                return ExitCode::from(2);
            }
        }
    }
    progress.finish();
    if out.flush().is_err() {
        return ExitCode::from(2);
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
