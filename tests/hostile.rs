//! The `classify` example under hostile input, run as a subprocess exactly as a user runs it.
//!
//! Contract checked on every input: one output line per input line, in order; each output line is
//! valid JSON, either an assessment carrying the record's `id` or `{"line": N, "error": "..."}`
//! naming the field at fault; exit status 1 when any line failed and 0 otherwise; never a panic
//! (nothing on stderr says "panicked").
//!
//! # How the binary is found
//!
//! Cargo gives integration tests `CARGO_BIN_EXE_<name>` for `[[bin]]` targets only, not for
//! examples, and `cargo test --test hostile` does not build examples. So the first test that needs
//! the binary runs `cargo build --example classify` itself, with the cargo that is running the
//! tests (`$CARGO`), the same profile and the same target directory as this test executable
//! (found from `current_exe()`: `<target>/<profile>/deps/hostile-<hash>`), so it is a quick no-op
//! when the example is already up to date and is never stale. Set `KASUHARA_CLASSIFY_BIN` to test
//! another binary (e.g. a release build) instead.

use serde_json::Value;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

fn classify_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(p) = std::env::var_os("KASUHARA_CLASSIFY_BIN") {
            return PathBuf::from(p);
        }
        let exe = std::env::current_exe().expect("the test knows its own path");
        // <target>/<profile>/deps/hostile-<hash>
        let deps = exe.parent().expect("deps dir");
        let profile_dir = deps.parent().expect("profile dir");
        let target_dir = profile_dir.parent().expect("target dir");
        let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") | None => "dev",
            Some(other) => other,
        };
        // The cargo running the tests, else the one that compiled them, else the one on PATH.
        let cargo = std::env::var_os("CARGO")
            .or_else(|| option_env!("CARGO").map(Into::into))
            .unwrap_or_else(|| "cargo".into());
        let out = Command::new(&cargo)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args([
                "build",
                "--quiet",
                "--example",
                "classify",
                "--profile",
                profile,
            ])
            .env("CARGO_TARGET_DIR", target_dir)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {cargo:?} to build the classify example: {e}"));
        assert!(
            out.status.success(),
            "`cargo build --example classify --profile {profile}` failed; build the example \
             yourself or set KASUHARA_CLASSIFY_BIN:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bin = profile_dir
            .join("examples")
            .join(format!("classify{}", std::env::consts::EXE_SUFFIX));
        assert!(bin.is_file(), "no example binary at {}", bin.display());
        bin
    })
}

/// What one run of the example gave.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs the example with `args`, feeding `input` on stdin from another thread (so a large input
/// cannot deadlock against a full stdout pipe).
fn run(args: &[&str], input: Vec<u8>) -> Run {
    let mut child = Command::new(classify_bin())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        // The example may stop reading early (it must not, but then this errors, not the test).
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("the example runs");
    writer.join().expect("writer thread");
    let run = Run {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).expect("the example writes UTF-8"),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "the example panicked:\n{}",
        run.stderr
    );
    run
}

/// How each input line should come out.
#[derive(Debug, Clone)]
enum Expect {
    /// An assessment of the record with this id.
    Ok(String),
    /// An error record whose message contains each of these strings (e.g. the field's name).
    Err(Vec<&'static str>),
}

fn ok(id: &str) -> Expect {
    Expect::Ok(id.to_string())
}

fn err(needles: &[&'static str]) -> Expect {
    Expect::Err(needles.to_vec())
}

/// Feeds the lines (joined with `eol`, with `eol` after the last) and checks the contract.
fn check(lines: &[(Vec<u8>, Expect)], eol: &[u8]) -> Run {
    let mut input = Vec::new();
    for (l, _) in lines {
        input.extend_from_slice(l);
        input.extend_from_slice(eol);
    }
    let r = run(&[], input);
    check_output(
        &r,
        &lines.iter().map(|(_, e)| e.clone()).collect::<Vec<_>>(),
    );
    r
}

fn check_output(r: &Run, expect: &[Expect]) {
    let out: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        out.len(),
        expect.len(),
        "lines in != lines out\nstdout:\n{}\nstderr:\n{}",
        short(&r.stdout),
        r.stderr
    );
    let mut any_failed = false;
    for (i, (line, exp)) in out.iter().zip(expect).enumerate() {
        let v: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("output line {} is not JSON ({e}): {}", i + 1, short(line)));
        match exp {
            Expect::Ok(id) => {
                assert_eq!(
                    v.get("id").and_then(Value::as_str),
                    Some(id.as_str()),
                    "line {}: expected the assessment of `{}`, got {}",
                    i + 1,
                    short(id),
                    short(line)
                );
                assert!(v.get("verdict").is_some(), "line {}: no verdict", i + 1);
            }
            Expect::Err(needles) => {
                any_failed = true;
                assert_eq!(
                    v.get("line").and_then(Value::as_u64),
                    Some(i as u64 + 1),
                    "line {}: expected an error record, got {}",
                    i + 1,
                    short(line)
                );
                let msg = v
                    .get("error")
                    .and_then(Value::as_str)
                    .unwrap_or_else(|| panic!("line {}: no `error` in {}", i + 1, short(line)));
                for n in needles {
                    assert!(
                        msg.contains(n),
                        "line {}: error {msg:?} does not mention {n:?}",
                        i + 1
                    );
                }
            }
        }
    }
    let expected_code = if any_failed { 1 } else { 0 };
    assert_eq!(
        r.code,
        Some(expected_code),
        "exit status; stderr:\n{}",
        r.stderr
    );
}

fn short(s: &str) -> String {
    if s.len() <= 300 {
        s.to_string()
    } else {
        let mut end = 300;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}… ({} bytes)", &s[..end], s.len())
    }
}

fn line(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

fn record(id: &str, text: &str) -> Vec<u8> {
    serde_json::json!({ "id": id, "text": text })
        .to_string()
        .into_bytes()
}

// ---------------------------------------------------------------------------------------------

#[test]
fn malformed_lines_each_get_an_error_record_in_place_and_processing_goes_on() {
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let nested_obj = format!(
        "{{\"id\":\"deep\",\"x\":{}1{}}}",
        "{\"a\":".repeat(50_000),
        "}".repeat(50_000)
    );
    let lines: Vec<(Vec<u8>, Expect)> = vec![
        (record("ok-1", "殺すぞ"), ok("ok-1")),
        (line("this is not json"), err(&["expected"])),
        (line("{\"id\": \"x\", \"text\": "), err(&[])),
        (
            b"{\"id\":\"bad-utf8\",\"text\":\"\xff\xfe\xc3\x28\"}".to_vec(),
            err(&["UTF-8"]),
        ),
        (
            b"{\"id\":\"overlong\",\"text\":\"\xc0\xaf\"}".to_vec(),
            err(&["UTF-8"]),
        ),
        (
            b"{\"id\":\"surrogate-bytes\",\"text\":\"\xed\xa0\x80\"}".to_vec(),
            err(&["UTF-8"]),
        ),
        (
            line(r#"{"id":"lone","text":"abc\ud800def"}"#),
            err(&["text"]),
        ),
        (line(r#"{"id":"lone2","text":"\udc00"}"#), err(&["text"])),
        (
            line(r#"{"id":"pair","text":"\ud83d\ude00 \u0000\u0007\u001b[31m idiot"}"#),
            ok("pair"),
        ),
        (
            b"{\"id\":\"raw-nul\",\"text\":\"a\x00b\"}".to_vec(),
            err(&["text"]),
        ),
        (
            b"{\"id\":\"raw-ctl\",\"text\":\"\x07\x1b\"}".to_vec(),
            err(&["text"]),
        ),
        (line(&nested), err(&[])),
        // Unknown fields are ignored, however deep (serde_json skips them without recursion).
        (line(&nested_obj), ok("deep")),
        (
            line(&format!(
                "{{\"id\":\"deep-req\",\"request\":{}{}}}",
                "[".repeat(10_000),
                "]".repeat(10_000)
            )),
            err(&["request"]),
        ),
        (
            line(r#"{"id":"big","duration_minutes":1e30}"#),
            err(&["duration_minutes"]),
        ),
        (
            line(r#"{"id":"neg","duration_minutes":-5}"#),
            err(&["duration_minutes"]),
        ),
        (
            line(r#"{"id":"frac","duration_minutes":2.5}"#),
            err(&["duration_minutes"]),
        ),
        (
            line(r#"{"id":"u32max","duration_minutes":4294967295}"#),
            ok("u32max"),
        ),
        (
            line(r#"{"id":"u32over","duration_minutes":4294967296}"#),
            err(&["duration_minutes"]),
        ),
        (
            line(r#"{"id":"amt","request":{"amount_requested":1e400}}"#),
            err(&["amount_requested"]),
        ),
        (
            line(r#"{"id":"amt-neg","request":{"amount_charged":-0.01}}"#),
            err(&["request.amount_charged"]),
        ),
        (
            line(
                r#"{"id":"amt-huge","request":{"kind":"fee_reduction","amount_requested":1.7e308,"amount_charged":5e-324}}"#,
            ),
            ok("amt-huge"),
        ),
        (
            line(r#"{"id":"no-offset","occurred_at":"2025-10-03T22:40:00"}"#),
            err(&["occurred_at"]),
        ),
        (
            line(r#"{"id":"y9999","occurred_at":"9999-12-30T12:00:00+09:00","customer":"C-9"}"#),
            ok("y9999"),
        ),
        // Past jiff's last instant (9999-12-30T22:00Z): refused, naming the field.
        (
            line(r#"{"id":"y9999-end","occurred_at":"9999-12-31T23:59:59+09:00"}"#),
            err(&["occurred_at"]),
        ),
        (
            line(r#"{"id":"y9999-west","occurred_at":"9999-12-31T23:59:59-09:00"}"#),
            err(&["occurred_at"]),
        ),
        (
            line(r#"{"id":"y0","occurred_at":"0000-01-01T00:00:00+09:00"}"#),
            ok("y0"),
        ),
        (
            line(r#"{"id":"y-big","occurred_at":"+10000-01-01T00:00:00Z"}"#),
            err(&["occurred_at"]),
        ),
        (
            line(
                r#"{"id":"span-years","customer":"C-9","occurred_at":"9999-12-30T21:00:00Z","contacts":[{"at":"-009999-01-03T00:00:00Z"},{"at":"0001-01-01T00:00:00Z"},{"at":"9999-12-30T20:00:00Z"}]}"#,
            ),
            ok("span-years"),
        ),
        (
            line(
                r#"{"id":"c-neg","contacts":[{"at":"2025-10-03T21:10:00+09:00","duration_minutes":-4}]}"#,
            ),
            err(&["contacts[0].duration_minutes"]),
        ),
        (
            line(
                r#"{"id":"c-bad","contacts":[{"at":"2025-10-03T21:10:00+09:00"},{"at":"yesterday"}]}"#,
            ),
            err(&["contacts[1].at"]),
        ),
        (line(r#"{"id":"chan","channel":"fax"}"#), err(&["channel"])),
        (
            line(r#"{"id":"kind","request":{"kind":"bribe"}}"#),
            err(&["request.kind"]),
        ),
        (
            line(r#"{"id":"spk","utterances":[{"speaker":"robot","text":"x"}]}"#),
            err(&["utterances[0].speaker"]),
        ),
        (line(r#"{"id":5}"#), err(&["id"])),
        (line(r#"{"text":"no id"}"#), err(&["id"])),
        (line("{}"), err(&["id"])),
        (line("[]"), err(&[])),
        (line("null"), err(&[])),
        (line("\"just a string\""), err(&[])),
        (line("42"), err(&[])),
        (line(r#"{"id":"a"} {"id":"b"}"#), err(&[])),
        (line(r#"{"id":"dup","id":"dup2"}"#), err(&["id"])),
        (line(""), err(&["empty"])),
        (line("   \t  "), err(&["empty"])),
        (
            line(r#"{"id":"unknown-fields","foo":{"bar":[1,2,{"baz":null}]},"text":"バカ"}"#),
            ok("unknown-fields"),
        ),
        (record("ok-last", "thank you"), ok("ok-last")),
    ];
    let r = check(&lines, b"\n");
    assert!(r.stdout.ends_with('\n'));
}

#[test]
fn crlf_line_ends_and_a_byte_order_mark_are_accepted() {
    let mut first = b"\xEF\xBB\xBF".to_vec();
    first.extend(record("bom", "バカ野郎"));
    let lines = vec![
        (first, ok("bom")),
        (record("crlf-2", "I'll kill you"), ok("crlf-2")),
        (line(""), err(&["empty"])),
        (record("crlf-4", "hello"), ok("crlf-4")),
    ];
    check(&lines, b"\r\n");
}

#[test]
fn a_byte_order_mark_after_the_first_line_is_an_error_record_not_a_panic() {
    let mut second = b"\xEF\xBB\xBF".to_vec();
    second.extend(record("bom-2", "x"));
    let lines = vec![(record("a", "x"), ok("a")), (second, err(&[]))];
    check(&lines, b"\n");
}

#[test]
fn a_last_line_without_a_newline_is_still_classified() {
    let mut input = record("one", "x");
    input.push(b'\n');
    input.extend(record("two", "殺すぞ"));
    let r = run(&[], input);
    check_output(&r, &[ok("one"), ok("two")]);
}

#[test]
fn empty_input_gives_no_output_and_success() {
    let r = run(&[], Vec::new());
    assert_eq!(r.stdout, "");
    assert_eq!(r.code, Some(0));
}

#[test]
fn only_good_lines_exit_zero() {
    let lines: Vec<(Vec<u8>, Expect)> = (0..50)
        .map(|i| {
            let id = format!("g{i}");
            (record(&id, "お世話になっております"), ok(&id))
        })
        .collect();
    let r = check(&lines, b"\n");
    assert_eq!(r.code, Some(0));
}

#[test]
fn text_over_one_mebibyte_is_an_error_record_not_a_truncated_assessment() {
    const MIB: usize = 1 << 20;
    let exactly = "a".repeat(MIB);
    let over = "a".repeat(MIB + 1);
    let megabytes = "殺すぞ ".repeat(3 * MIB / 10);
    let utter = serde_json::json!({
        "id": "utt",
        "utterances": [
            {"speaker": "customer", "text": "b".repeat(MIB / 2 + 1)},
            {"speaker": "staff", "text": "c".repeat(MIB / 2)},
        ]
    })
    .to_string();
    let lines = vec![
        (record("exactly", &exactly), ok("exactly")),
        (record("over", &over), err(&["text", "1048576"])),
        (record("megabytes", &megabytes), err(&["text"])),
        (line(&utter), err(&["utterances"])),
    ];
    check(&lines, b"\n");
}

#[test]
fn tens_of_thousands_of_contacts_and_very_long_ids_are_handled() {
    let contacts: Vec<Value> = (0..30_000)
        .map(|i| {
            let at = jiff::Timestamp::from_second(1_759_000_000 + i * 61).unwrap();
            serde_json::json!({"at": at.to_string(), "channel": "phone", "duration_minutes": i % 100})
        })
        .collect();
    let many = serde_json::json!({
        "id": "many", "customer": "C-1", "occurred_at": "2025-10-28T22:00:00+09:00",
        "text": "また電話しました", "contacts": contacts,
    })
    .to_string();
    let too_many: Vec<Value> = (0..100_001)
        .map(|_| serde_json::json!({"at": "2025-10-03T21:10:00+09:00"}))
        .collect();
    let too_many = serde_json::json!({"id": "too-many", "contacts": too_many}).to_string();
    let long_id = "I".repeat(200_000);
    let odd_id = "\u{202E}\u{0}\u{FEFF}😀\n\"'\\";
    let lines = vec![
        (line(&many), ok("many")),
        (line(&too_many), err(&["contacts", "100000"])),
        (record(&long_id, "idiot"), Expect::Ok(long_id.clone())),
        (record(odd_id, "x"), ok(odd_id)),
        (record("", "empty id"), ok("")),
    ];
    check(&lines, b"\n");
}

#[test]
fn many_records_of_one_customer_keep_lines_in_equal_to_lines_out() {
    let mut lines = Vec::new();
    for i in 0..3_000i64 {
        let id = format!("r{i}");
        let at = jiff::Timestamp::from_second(1_759_000_000 + i * 37).unwrap();
        let rec = serde_json::json!({
            "id": id, "customer": if i % 2 == 0 { "C-1" } else { "C-2" },
            "occurred_at": at.to_string(), "text": "まだですか",
        })
        .to_string();
        lines.push((line(&rec), ok(&id)));
        if i % 500 == 0 {
            lines.push((line("garbage"), err(&[])));
        }
    }
    check(&lines, b"\n");
}

#[test]
fn the_text_format_survives_control_characters_and_escapes() {
    let input = [
        record("t1", "\u{1b}[2J\u{1b}]0;pwned\u{7}殺すぞ\u{0}\r"),
        line("not json"),
        record("t3", "k\u{301}i\u{301}l\u{301}l\u{301} you ｼﾈ 😀"),
    ]
    .join(&b'\n');
    let r = run(&["--format", "text", "--explain", "--lang", "ja"], input);
    assert_eq!(r.code, Some(1));
    assert!(r.stdout.contains("t1") && r.stdout.contains("t3"));
    assert!(r.stdout.contains("line 2: error"));
}

#[test]
fn missing_and_unreadable_files_are_reported_without_a_panic() {
    let dir = std::env::temp_dir().join(format!("kasuhara-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.jsonl");
    std::fs::write(&good, b"{\"id\":\"f1\",\"text\":\"x\"}\n").unwrap();
    let missing = dir.join("missing.jsonl");
    let r = run(
        &[
            good.to_str().unwrap(),
            missing.to_str().unwrap(),
            dir.to_str().unwrap(),
            good.to_str().unwrap(),
        ],
        Vec::new(),
    );
    assert_eq!(r.code, Some(1), "stderr: {}", r.stderr);
    let ids: Vec<String> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].to_string())
        .collect();
    assert_eq!(ids, ["\"f1\"", "\"f1\""]);
    assert!(r.stderr.contains("missing.jsonl"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_options_and_bad_policies_exit_two_without_a_panic() {
    for args in [
        &["--lang", "fr"][..],
        &["--format", "xml"],
        &["--policy"],
        &["--nope"],
        &["--policy", "/no/such/policy/dir"],
    ] {
        let r = run(args, Vec::new());
        assert_eq!(r.code, Some(2), "{args:?}: {}", r.stderr);
        assert!(!r.stderr.is_empty());
    }
}

#[test]
fn a_reader_that_closes_early_does_not_make_the_example_panic() {
    let mut input = Vec::new();
    for i in 0..20_000 {
        input.extend(record(&format!("p{i}"), "殺すぞ、バカ野郎"));
        input.push(b'\n');
    }
    let mut child = Command::new(classify_bin())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(matches!(out.status.code(), Some(0 | 1)), "{:?}", out.status);
}

/// The example's side of a bug found by fuzzing (fixed in 339271c; see
/// `a_parse_error_under_an_empty_key_still_names_a_field` in `properties.rs`): the error record
/// used to say "field ``".
#[test]
fn an_error_under_an_empty_key_names_a_field_in_the_error_record() {
    let r = run(&[], b"{\"\": x}\n".to_vec());
    check_output(&r, &[err(&[])]);
    assert!(!r.stdout.contains("field ``"), "{}", r.stdout);
}
