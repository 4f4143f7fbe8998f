//! Criterion benchmarks of the matching core, with yardsticks in the same run: a raw aho-corasick
//! scan of the same lexicon over the same (already normalized) text, and rustrict on the same
//! English messages. Each benchmark asserts its expected result before timing.
//!
//! `cargo bench --bench classify` (add `-- GROUP` to run one group).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use kasuhara::{Engine, Incident, Policy, text::normalize};
use std::hint::black_box;

const SHORT_JA: &str =
    "お客様から「ふざけるな、殺すぞ。今すぐ責任者を出せ」と電話があり、担当者が対応しました。";
const SHORT_EN: &str = "Customer called about the broken heater and said: you idiots, I'll post this online if it's not fixed.";
const NO_HITS: &str = "Resident asked about the schedule for the elevator inspection next week and the parking permit renewal.";
const OBFUSCATED: &str = "ｼﾈ!! I'll k.i.l.l y0u, s t u p i d 1d10t, 死 ね, バーーーカ, f\u{200B}u\u{200B}c\u{200B}k off, іdіоt";

/// A ~10 KB email: ordinary correspondence with a few abusive lines in it.
fn long_email() -> String {
    let para = "Dear management office, I am writing again about the noise from the apartment above mine. \
                The inspection last month did not find the cause, and the maintenance staff said they would call back. \
                管理会社様、上の階の騒音の件で再度ご連絡いたします。先月の点検では原因が分からず、折り返し連絡をいただけるとのことでした。\n";
    let mut s = String::new();
    while s.len() < 9_500 {
        s.push_str(para);
    }
    s.push_str("If nobody comes this week I will post this online. You are useless idiots. 誠意を見せろ。\n");
    s
}

/// English messages for the rustrict comparison (same texts for both).
const EN_MESSAGES: &[&str] = &[
    SHORT_EN,
    "You stupid bitch, fix my sink now or I'll kill you.",
    "Thank you for the quick repair yesterday, everything works fine now.",
    "Could you tell me when the garbage collection day is?",
    "The shower is broken again, this is the third time. Please send someone.",
    "Go fuck yourself, you useless piece of shit.",
    "I want to speak to your manager about the bill.",
    "Shut up and listen, you moron.",
];

fn lexicon_phrases() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/lexicon");
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in files {
        let v: toml::Value = toml::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        for table in ["entry", "cue", "exception"] {
            for t in v
                .get(table)
                .and_then(|x| x.as_array())
                .into_iter()
                .flatten()
            {
                for p in t
                    .get("phrases")
                    .and_then(|x| x.as_array())
                    .into_iter()
                    .flatten()
                {
                    let p = p.as_str().unwrap().trim_end_matches('*');
                    let n = normalize(p).as_str().trim().to_string();
                    if !n.is_empty() {
                        out.push(n);
                    }
                }
            }
        }
    }
    out
}

fn raw_ac(phrases: &[String]) -> AhoCorasick {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .build(phrases)
        .unwrap()
}

fn build(c: &mut Criterion) {
    let mut g = c.benchmark_group("build");
    g.bench_function("load_and_build_default_policy", |b| {
        b.iter(|| Engine::new(Policy::default()).unwrap())
    });
    let engine = Engine::default();
    eprintln!("engine memory_usage: {} bytes", engine.memory_usage());
    g.finish();
}

fn normalize_only(c: &mut Criterion) {
    let email = long_email();
    let mut g = c.benchmark_group("normalize");
    for (name, text) in [
        ("short_ja", SHORT_JA),
        ("short_en", SHORT_EN),
        ("email_10k", email.as_str()),
        ("obfuscated", OBFUSCATED),
    ] {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(name), text, |b, t| {
            b.iter(|| normalize(black_box(t)))
        });
    }
    g.finish();
}

fn matching(c: &mut Criterion) {
    let engine = Engine::default();
    let phrases = lexicon_phrases();
    let ac = raw_ac(&phrases);
    let email = long_email();
    let mut g = c.benchmark_group("match");
    for (name, text) in [("short_ja", SHORT_JA), ("email_10k", email.as_str())] {
        let n = normalize(text);
        let norm = n.as_str().to_string();
        assert!(engine.raw_hit_count(&norm) > 0);
        assert!(ac.find_overlapping_iter(&norm).count() > 0);
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(BenchmarkId::new("engine_scan", name), &norm, |b, t| {
            b.iter(|| engine.raw_hit_count(black_box(t)))
        });
        g.bench_with_input(BenchmarkId::new("raw_aho_corasick", name), &norm, |b, t| {
            b.iter(|| ac.find_overlapping_iter(black_box(t.as_str())).count())
        });
    }
    g.finish();
}

fn text_path_vs_raw(c: &mut Criterion) {
    // The whole text path (normalize with offset map + match + score) against the yardstick:
    // raw aho-corasick over the same text, already normalized.
    let engine = Engine::default();
    let ac = raw_ac(&lexicon_phrases());
    let email = long_email();
    let inc = Incident::from_text("email", email.clone());
    let a = engine.classify(&inc).unwrap();
    assert!(a.has("insult") && a.has("online_defamation"));
    let norm = normalize(&email).as_str().to_string();
    let mut g = c.benchmark_group("text_path");
    g.throughput(Throughput::Bytes(email.len() as u64));
    g.bench_function("classify_email_10k", |b| {
        b.iter(|| engine.classify(black_box(&inc)).unwrap())
    });
    g.bench_function("raw_aho_corasick_email_10k", |b| {
        b.iter(|| ac.find_overlapping_iter(black_box(norm.as_str())).count())
    });
    g.finish();
}

fn classify_shapes(c: &mut Criterion) {
    let engine = Engine::default();
    let email = long_email();
    let history: Vec<String> = (0..2000)
        .map(|i| {
            format!(
                r#"{{"at":"2025-10-{:02}T{:02}:{:02}:00+09:00"}}"#,
                1 + i / 100 % 6,
                9 + i % 9,
                i % 60
            )
        })
        .collect();
    let long_history = Incident::from_json(&format!(
        r#"{{"id":"h","occurred_at":"2025-10-06T17:00:00+09:00","text":"calling again","contacts":[{}]}}"#,
        history.join(",")
    ))
    .unwrap();
    let cases: Vec<(&str, Incident, &[&str])> = vec![
        (
            "short_chat_ja",
            Incident::from_text("s", SHORT_JA),
            &["threat", "insult"],
        ),
        (
            "short_chat_en",
            Incident::from_text("s", SHORT_EN),
            &["insult", "online_defamation"],
        ),
        (
            "email_10k",
            Incident::from_text("e", email),
            &["insult", "online_defamation"],
        ),
        ("no_hits", Incident::from_text("n", NO_HITS), &[]),
        (
            "obfuscated",
            Incident::from_text("o", OBFUSCATED),
            &["insult", "threat"],
        ),
        (
            "long_contact_history",
            long_history,
            &["persistent_contact"],
        ),
    ];
    let mut g = c.benchmark_group("classify");
    for (name, inc, expect) in &cases {
        let a = engine.classify(inc).unwrap();
        for e in *expect {
            assert!(a.has(e), "{name}: expected {e}: {:?}", a.findings);
        }
        if expect.is_empty() {
            assert!(a.findings.is_empty(), "{name}: {:?}", a.findings);
        }
        g.throughput(Throughput::Elements(1));
        g.bench_with_input(BenchmarkId::from_parameter(name), inc, |b, i| {
            b.iter(|| engine.classify(black_box(i)).unwrap())
        });
    }
    g.finish();
}

/// 2,000 different short records (every third abusive), so that the automata meet new text on
/// every record as they do on real data; a single repeated text keeps every cache warm.
fn varied_records() -> Vec<(Incident, bool)> {
    const THINGS_EN: &[&str] = &[
        "the heater",
        "a leaking tap",
        "noise from the elevator",
        "the parking permit",
        "a late checkout",
        "a broken window",
        "the wifi password",
        "the rent invoice",
        "the garbage day",
        "the front door lock",
    ];
    const OPENINGS_EN: &[&str] = &[
        "The resident of room {n} called about {t}",
        "A guest in room {n} emailed about {t}",
        "The tenant of unit {n} wrote to the office regarding {t}",
        "Someone from apartment {n} came to the front desk about {t}",
    ];
    const BENIGN_EN: &[&str] = &[
        " and asked when a technician could come.",
        " and asked us to check it again tomorrow morning.",
        " and thanked the staff for the quick reply.",
        ", saying it has happened twice this month, and asked for a written answer.",
    ];
    const ABUSIVE_EN: &[&str] = &[
        " and said: you useless idiots, I will post this online.",
        " and said he would kill the manager.",
        " and called the clerk a stupid bitch.",
        " and said he would burn the building down.",
    ];
    const THINGS_JA: &[&str] = &[
        "エアコンの故障",
        "水漏れ",
        "エレベーターの騒音",
        "駐車場の許可証",
        "チェックアウトの延長",
        "窓ガラスの破損",
        "Wi-Fiのパスワード",
        "家賃の請求書",
        "ゴミの収集日",
        "玄関の鍵",
    ];
    const OPENINGS_JA: &[&str] = &[
        "{n}号室の入居者から{t}について電話があり、",
        "{n}号室のお客様から{t}の件でメールがあり、",
        "{n}号室の方がフロントに来て{t}について話され、",
    ];
    const BENIGN_JA: &[&str] = &[
        "修理の日程を確認された。",
        "明日もう一度確認してほしいとのことだった。",
        "迅速な対応にお礼を言われた。",
    ];
    const ABUSIVE_JA: &[&str] = &[
        "「ふざけるな、殺すぞ」と怒鳴られた。",
        "「このバカ野郎、早く直せ」と言われた。",
        "「ネットに晒してやる」と言われた。",
    ];
    (0..2000usize)
        .map(|i| {
            let abusive = i % 3 == 0;
            let n = 101 + (i * 37) % 900;
            let (openings, things, tails) = if i % 2 == 0 {
                (
                    OPENINGS_EN,
                    THINGS_EN,
                    if abusive { ABUSIVE_EN } else { BENIGN_EN },
                )
            } else {
                (
                    OPENINGS_JA,
                    THINGS_JA,
                    if abusive { ABUSIVE_JA } else { BENIGN_JA },
                )
            };
            let text = openings[(i / 2) % openings.len()]
                .replace("{n}", &n.to_string())
                .replace("{t}", things[(i / 7) % things.len()])
                + tails[(i / 11) % tails.len()];
            (Incident::from_text(format!("v{i}"), text), abusive)
        })
        .collect()
}

fn classify_varied(c: &mut Criterion) {
    let engine = Engine::default();
    let records = varied_records();
    for (inc, abusive) in &records {
        let a = engine.classify(inc).unwrap();
        assert_eq!(
            !a.findings.is_empty(),
            *abusive,
            "{:?}: {:?}",
            inc.text,
            a.findings
        );
    }
    let mut g = c.benchmark_group("classify_varied");
    g.throughput(Throughput::Elements(records.len() as u64));
    g.bench_function("2000_different_short_records", |b| {
        b.iter(|| {
            records
                .iter()
                .map(|(i, _)| engine.classify(black_box(i)).unwrap().findings.len())
                .sum::<usize>()
        })
    });
    g.finish();
}

fn versus_rustrict(c: &mut Criterion) {
    let engine = Engine::default();
    let incidents: Vec<Incident> = EN_MESSAGES
        .iter()
        .map(|m| Incident::from_text("m", *m))
        .collect();
    let flagged: Vec<bool> = incidents
        .iter()
        .map(|i| !engine.classify(i).unwrap().findings.is_empty())
        .collect();
    // The abusive ones, and only those: 1, 2, 6 and 8.
    assert_eq!(
        flagged,
        [true, true, false, false, false, true, false, true]
    );
    let mut g = c.benchmark_group("vs_rustrict");
    g.throughput(Throughput::Elements(EN_MESSAGES.len() as u64));
    g.bench_function("kasuhara_classify_messages", |b| {
        b.iter(|| {
            incidents
                .iter()
                .map(|i| engine.classify(black_box(i)).unwrap().findings.len())
                .sum::<usize>()
        })
    });
    g.bench_function("rustrict_is_inappropriate_messages", |b| {
        use rustrict::CensorStr;
        b.iter(|| {
            EN_MESSAGES
                .iter()
                .filter(|m| black_box(**m).is_inappropriate())
                .count()
        })
    });
    g.finish();
}

fn batch(c: &mut Criterion) {
    let engine = Engine::default();
    let texts = [
        SHORT_JA,
        SHORT_EN,
        NO_HITS,
        "Thanks, the repair is done.",
        "バカ野郎、早く直せ",
    ];
    let records: Vec<Incident> = (0..100_000)
        .map(|i| {
            let mut inc = Incident::from_text(format!("r{i}"), texts[i % texts.len()]);
            inc.customer = Some(format!("C-{}", i % 5000));
            inc
        })
        .collect();
    let seq: Vec<_> = {
        let mut s = engine.stream();
        records.iter().map(|r| s.classify(r)).collect()
    };
    assert_eq!(engine.classify_batch(&records), seq);
    let mut s = engine.stream();
    let chunked: Vec<_> = records
        .chunks(1024)
        .flat_map(|c| s.classify_batch(c))
        .collect();
    assert_eq!(chunked, seq);
    let mut g = c.benchmark_group("batch_100k");
    g.sample_size(10);
    g.throughput(Throughput::Elements(records.len() as u64));
    g.bench_function("one_thread", |b| {
        b.iter_batched(
            || engine.stream(),
            // Both variants return every result, as a caller would keep them.
            |mut s| {
                records
                    .iter()
                    .map(|r| s.classify(r))
                    .collect::<Vec<_>>()
                    .len()
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("all_cores", |b| {
        b.iter(|| engine.classify_batch(black_box(&records)).len())
    });
    // As a pipeline runs: each answer used and dropped before the next chunk (the `classify`
    // example's way), so memory is reused instead of 100,000 answers being kept.
    let used = |r: &Result<kasuhara::Assessment, _>| r.as_ref().map_or(0, |a| a.findings.len());
    g.bench_function("one_thread_streamed", |b| {
        b.iter(|| {
            let mut s = engine.stream();
            records
                .iter()
                .map(|r| used(&s.classify(black_box(r))))
                .sum::<usize>()
        })
    });
    g.bench_function("all_cores_in_chunks_of_1024", |b| {
        b.iter(|| {
            let mut s = engine.stream();
            records
                .chunks(1024)
                .map(|c| {
                    s.classify_batch(black_box(c))
                        .iter()
                        .map(used)
                        .sum::<usize>()
                })
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(
    benches,
    build,
    normalize_only,
    matching,
    text_path_vs_raw,
    classify_shapes,
    classify_varied,
    versus_rustrict,
    batch
);
criterion_main!(benches);
