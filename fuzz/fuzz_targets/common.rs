//! Checks shared by the fuzz targets: the invariants SPEC promises for every assessment. A failed
//! check panics, which libFuzzer reports as a crash with the input that caused it.

use kasuhara::{Assessment, Engine, EngineBuilder, Evidence, Incident, Policy, Source};
use std::sync::OnceLock;

/// The default policy with near misses on, built once per process.
#[allow(dead_code)] // not every target classifies with the default policy
pub fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        EngineBuilder::new(Policy::default())
            .near_misses(true)
            .build()
            .expect("the default policy compiles")
    })
}

fn source_text<'a>(inc: &'a Incident, e: &Evidence) -> Option<&'a str> {
    match e.source {
        Source::Text => inc.text.as_deref(),
        Source::Utterance => inc.utterances.get(e.utterance?).map(|u| u.text.as_str()),
        _ => None,
    }
}

/// Spans on char boundaries with excerpts equal to the text, scores in [0, 1], the record's id,
/// and the same JSON when classified again.
pub fn check_assessment(engine: &Engine, inc: &Incident, a: &Assessment) {
    assert_eq!(a.id, inc.id);
    for x in [a.score, a.prongs.validity, a.prongs.conduct] {
        assert!((0.0..=1.0).contains(&x), "score {x} out of [0, 1]");
    }
    let evidence = a
        .findings
        .iter()
        .flat_map(|f| f.evidence.iter())
        .chain(a.near_misses.iter().map(|m| &m.evidence));
    for e in evidence {
        let Some((s, end)) = e.span else { continue };
        let text = source_text(inc, e).expect("a span has a text");
        assert!(
            s < end && end <= text.len(),
            "span {s}..{end} of {}",
            text.len()
        );
        assert!(text.is_char_boundary(s) && text.is_char_boundary(end));
        assert_eq!(e.excerpt.as_deref(), Some(&text[s..end]));
        assert!(e.char_span(inc).is_some() && e.utf16_span(inc).is_some());
    }
    let again = engine
        .classify(inc)
        .expect("classified once, classified again");
    assert_eq!(
        serde_json::to_string(a).unwrap(),
        serde_json::to_string(&again).unwrap(),
        "not deterministic"
    );
}
