//! Arbitrary text → `Incident::from_text` → classify, alone and as a customer utterance; and
//! normalization must be idempotent on it.
#![no_main]

#[path = "common.rs"]
mod common;

use kasuhara::{Incident, Speaker, Utterance};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let once = kasuhara::text::normalize(&text);
    let twice = kasuhara::text::normalize(once.as_str());
    assert_eq!(
        once.as_str(),
        twice.as_str(),
        "normalization is not idempotent"
    );

    let engine = common::engine();
    let inc = Incident::from_text("fuzz", text.as_ref());
    let a = engine
        .classify(&inc)
        .expect("text under the limit classifies");
    common::check_assessment(engine, &inc, &a);

    let mut utt = Incident::from_text("fuzz-u", "");
    utt.utterances = vec![
        Utterance {
            speaker: Speaker::Customer,
            text: text.to_string(),
        },
        Utterance {
            speaker: Speaker::Staff,
            text: text.to_string(),
        },
    ];
    let a = engine
        .classify(&utt)
        .expect("utterances under the limit classify");
    common::check_assessment(engine, &utt, &a);
});
