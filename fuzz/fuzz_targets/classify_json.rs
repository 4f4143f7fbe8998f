//! Arbitrary bytes → JSON incident → classify, alone and in a stream. A record that does not parse
//! must be an error naming a field; one that parses must classify or be refused by the limits.
#![no_main]

#[path = "common.rs"]
mod common;

use kasuhara::Incident;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(json) = std::str::from_utf8(data) else {
        return;
    };
    let engine = common::engine();
    // Several records, one per line, share a stream (customer history).
    let mut stream = engine.stream();
    for line in json.lines() {
        match Incident::from_json(line) {
            Err(e) => assert!(!e.field().is_empty() && !e.message().is_empty()),
            Ok(inc) => {
                match engine.classify(&inc) {
                    Ok(a) => common::check_assessment(engine, &inc, &a),
                    Err(e) => assert!(!e.field().is_empty()),
                }
                let _ = stream.classify(&inc);
                // The record survives its own JSON round trip.
                let back = Incident::from_json(&serde_json::to_string(&inc).unwrap())
                    .expect("a parsed record serializes to JSON that parses");
                assert_eq!(back.id, inc.id);
            }
        }
    }
});
