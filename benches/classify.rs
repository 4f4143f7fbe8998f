//! Criterion benchmarks (see issue 7); filled in by the performance work.
use criterion::{Criterion, criterion_group, criterion_main};
use kasuhara::{Engine, Incident};

fn classify_short(c: &mut Criterion) {
    let engine = Engine::default();
    let inc = Incident::from_text(
        "b",
        "ふざけるな、殺すぞ！ You idiot, I'll post this online.",
    );
    let a = engine.classify(&inc).unwrap();
    assert!(a.has("threat") && a.has("insult") && a.has("online_defamation"));
    c.bench_function("classify/short", |b| {
        b.iter(|| engine.classify(&inc).unwrap())
    });
}

criterion_group!(benches, classify_short);
criterion_main!(benches);
