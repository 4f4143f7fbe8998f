//! Input for the examples: the engine from `--policy` and JSONL lines read so that every line is
//! answered and none is dropped (a BOM, CRLF, invalid UTF-8 and empty lines included).

// Each example uses part of this module.
#![allow(dead_code)]

use kasuhara::{Engine, EngineBuilder, Incident, Lang, Policy};
use std::io::{BufRead, BufReader, Read};
use std::process::ExitCode;

/// The policy at `path` (or the embedded default) compiled into an engine. On failure the error
/// is printed and the exit code to return (2) is given back.
pub fn build_engine(path: Option<&str>, lang: Lang, near_misses: bool) -> Result<Engine, ExitCode> {
    let policy = match path {
        Some(p) => Policy::from_path(p).map_err(|e| {
            eprintln!("{e}");
            ExitCode::from(2)
        })?,
        None => Policy::default(),
    };
    EngineBuilder::new(policy)
        .lang(lang)
        .near_misses(near_misses)
        .build()
        .map_err(|e| {
            eprintln!("{e}");
            ExitCode::from(2)
        })
}

/// What reading met: a line (numbered across all inputs, from 1) or a file that failed.
pub enum Event<'a, L = Result<Box<Incident>, String>> {
    /// One input line: its record (or, from [`read_raw_lines`], its text), or why it cannot be one.
    Line {
        number: usize,
        file: &'a str,
        bytes: usize,
        record: L,
    },
    /// A file that could not be opened or read to the end.
    IoError { file: &'a str, message: String },
}

/// Reads the named inputs (`-` is standard input) in order, line by line, and hands each line
/// (or I/O failure) to `each`. Returns false if any file failed.
pub fn read_lines(names: &[String], mut each: impl FnMut(Event<'_>)) -> bool {
    read_raw_lines(names, |event| {
        each(match event {
            Event::Line {
                number,
                file,
                bytes,
                record,
            } => Event::Line {
                number,
                file,
                bytes,
                record: record.and_then(|s| parse(&s)),
            },
            Event::IoError { file, message } => Event::IoError { file, message },
        })
    })
}

/// A line's record, or why it is none.
pub fn parse(line: &str) -> Result<Box<Incident>, String> {
    Incident::from_json(line)
        .map(Box::new)
        .map_err(|e| e.to_string())
}

/// [`read_lines`] without parsing: each line's text (BOM and line end removed), or why it is not
/// one (invalid UTF-8, empty), for a caller that parses lines on several cores.
pub fn read_raw_lines(
    names: &[String],
    mut each: impl FnMut(Event<'_, Result<String, String>>),
) -> bool {
    let mut ok = true;
    let mut number = 0usize;
    for name in names {
        let reader: Box<dyn Read> = if name == "-" {
            Box::new(std::io::stdin())
        } else {
            match std::fs::File::open(name) {
                Ok(f) => Box::new(f),
                Err(e) => {
                    ok = false;
                    each(Event::IoError {
                        file: name,
                        message: format!("cannot open: {e}"),
                    });
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
                    ok = false;
                    each(Event::IoError {
                        file: name,
                        message: format!("cannot read: {e}"),
                    });
                    break;
                }
            }
            number += 1;
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
            let record = match std::str::from_utf8(bytes) {
                Err(e) => Err(format!("invalid UTF-8 at byte {}", e.valid_up_to())),
                Ok(s) if s.trim().is_empty() => Err("empty line".to_string()),
                Ok(s) => Ok(s.to_string()),
            };
            each(Event::Line {
                number,
                file: name,
                bytes: buf.len(),
                record,
            });
        }
    }
    ok
}
