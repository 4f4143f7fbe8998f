//! `kasuhara` classifies customer-harassment (カスタマーハラスメント) incident records against a
//! company policy kept as data, and explains every decision with evidence a person can check.
//!
//! The primary types:
//! - [`Policy`]: rule files (TOML) loaded and validated; [`Policy::default()`] is the embedded
//!   Kyoritsu Maintenance Group basic policy (after the MHLW manual), or load your own with
//!   [`Policy::from_path`];
//! - [`Engine`]: the policy compiled once (immutable, `Clone`, `Send + Sync`), built by
//!   [`EngineBuilder`]; [`Engine::classify`] one record, [`Engine::stream`] a sequence with
//!   per-customer history, [`Engine::classify_batch`] on every core;
//! - [`Incident`] in, [`Assessment`] out: a [`Verdict`], two prong scores, and [`Finding`]s with
//!   [`Evidence`] (byte spans into the original text, or observed values against thresholds),
//!   the policy clause, an explanation and recommended responses.
//!
//! ```
//! use kasuhara::{Engine, Incident, Verdict};
//!
//! let engine = Engine::default();
//! let incident = Incident::from_json(r#"{
//!     "id": "INC-0001", "channel": "phone", "occurred_at": "2025-10-03T22:40:00+09:00",
//!     "text": "ふざけるな！殺すぞ。今すぐ来い"
//! }"#).unwrap();
//! let a = engine.classify(&incident).unwrap();
//! assert_eq!(a.verdict, Verdict::Harassment);
//! assert!(a.has("threat") && a.has("off_hours_contact"));
//! let ev = &a.findings.iter().find(|f| f.category.as_str() == "threat").unwrap().evidence[0];
//! assert_eq!(ev.excerpt.as_deref(), Some("殺すぞ"));
//! ```
//!
//! Data flows one way: record → normalized text + facts → signals → findings → verdict.
//!
//! # Untrusted input
//!
//! Records: any text gives an assessment or an [`IncidentError`]; `classify` never panics. Text
//! longer than the policy's `max_text_bytes` and records beyond [`limits`] are refused, never
//! truncated. Matching is linear in the text (aho-corasick and the `regex` crate).
//!
//! Rule files: a policy either loads (and is then guaranteed to compile and run) or is refused
//! with every problem located by file, line and column. Each rule regex is checked at load (syntax,
//! size, nesting, empty matches) and compiled for searching the first time a record needs it.
//! Regexes are bounded by
//! [`limits::REGEX_SIZE_LIMIT`] and [`limits::REGEX_NEST_LIMIT`], phrases by
//! [`limits::MAX_PATTERN_CHARS`] and [`limits::MAX_PATTERNS`].

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod engine;
mod error;
mod incident;
pub mod limits;
mod policy;
mod report;
mod score;
mod signals;
pub mod summary;
pub mod testing;
pub mod text;

pub use engine::{BuildError, Engine, EngineBuilder, Stream};
pub use error::{Diagnostic, DiagnosticKind, IncidentError, LoadError};
pub use incident::{Channel, Contact, Incident, Request, RequestKind, Speaker, Utterance};
pub use policy::{Basis, Category, CategoryId, Lang, LangText, Policy, Prong, RuleId, Severity};
pub use report::{
    Assessment, Evidence, Finding, MissReason, NearMiss, PolicyStamp, Prongs, ResponseAdvice,
    Source, Text, Verdict, render_text,
};
pub use score::describe_evidence;

/// The README's Rust examples, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The crate's property tests run with a fixed seed, so CI is repeatable; setting
/// `PROPTEST_RNG_SEED` (and `PROPTEST_CASES`) explores instead.
#[cfg(test)]
pub(crate) fn proptest_config(seed: u64) -> proptest::prelude::ProptestConfig {
    use proptest::prelude::ProptestConfig;
    ProptestConfig {
        rng_seed: match std::env::var("PROPTEST_RNG_SEED") {
            Ok(_) => ProptestConfig::default().rng_seed,
            Err(_) => proptest::test_runner::RngSeed::Fixed(seed),
        },
        ..ProptestConfig::default()
    }
}
