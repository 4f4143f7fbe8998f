//! Arbitrary TOML text → `Policy::from_sources`. A policy that loads must compile and classify
//! without panics; one that is refused must locate every problem inside its file.
//!
//! When the first byte is odd, the rest is appended to an `extends = "default"` header, so the
//! fuzzer spends its time on rules layered over the real default policy.
#![no_main]

#[path = "common.rs"]
mod common;

use kasuhara::{DiagnosticKind, EngineBuilder, Incident, Policy};
use libfuzzer_sys::fuzz_target;

const HEADER: &str = "[policy]\nname = \"fuzz\"\nversion = \"1\"\nextends = \"default\"\n";

const PROBES: &[&str] = &[
    "",
    "殺すぞ、バカ野郎！土下座しろ",
    "you f u c k i n g 1d10t, I'll kill you",
    "水漏れです。夜中にすみません",
    "called 12 times for 3 hours",
];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(body) = std::str::from_utf8(rest) else {
        return;
    };
    let src = if mode & 1 == 1 {
        format!("{HEADER}{body}")
    } else {
        body.to_string()
    };
    match Policy::from_sources(&[("fuzz.toml", &src)]) {
        Ok(policy) => {
            let engine = EngineBuilder::new(policy)
                .near_misses(true)
                .build()
                .expect("a policy that loads compiles");
            for t in PROBES {
                let inc = Incident::from_text("probe", *t);
                if let Ok(a) = engine.classify(&inc) {
                    common::check_assessment(&engine, &inc, &a);
                }
            }
        }
        Err(err) => {
            assert!(!err.diagnostics().is_empty(), "refused without a reason");
            let lines: Vec<&str> = src.split('\n').collect();
            for d in err.diagnostics() {
                // Policy-wide problems (a missing section, too many patterns) have no place.
                let policy_wide = d.kind() == DiagnosticKind::Missing
                    || (d.kind() == DiagnosticKind::Limit && d.line() == 0);
                if policy_wide || d.file() != "fuzz.toml" {
                    continue;
                }
                assert!(d.line() >= 1 && d.line() <= lines.len(), "{d}");
                let len = lines[d.line() - 1].chars().count();
                assert!(d.column() >= 1 && d.column() <= len + 1, "{d}");
            }
            let _ = err.to_string();
        }
    }
});
