//! End to end through the public API: SPEC's record, every category in Japanese and English from
//! the shipped example file, hard negatives, valid spans, determinism, and the example file's
//! answers line for line.

use kasuhara::{Engine, EngineBuilder, Incident, Lang, Policy, Source, Verdict};

const INCIDENTS: &str = include_str!("../examples/incidents.jsonl");

fn records() -> Vec<Incident> {
    INCIDENTS
        .lines()
        .map(|l| Incident::from_json(l).expect("example records parse"))
        .collect()
}

#[test]
fn spec_example_record_is_classified_with_evidence_against_thresholds() {
    let json = r#"{"id":"INC-0001","customer":"C-1042","channel":"phone",
      "occurred_at":"2025-10-03T22:40:00+09:00","duration_minutes":95,
      "text":"いい加減にしろ、殺すぞ","language":"ja","emergency":false,"target_employee":"E-17",
      "request":{"kind":"fee_reduction","related_to_service":true,"defect_found":false,
        "amount_requested":80000,"amount_charged":9800,"within_contract":true},
      "contacts":[{"at":"2025-10-03T21:10:00+09:00","channel":"phone","duration_minutes":4}]}"#;
    let inc = Incident::from_json(json).unwrap();
    let a = Engine::default().classify(&inc).unwrap();
    assert_eq!(a.verdict, Verdict::Harassment);
    for c in [
        "threat",
        "off_hours_contact",
        "prolonged_restraint",
        "no_defect",
        "unreasonable_reduction",
    ] {
        assert!(a.has(c), "{c} missing: {a:#?}");
    }
    let off = a
        .findings
        .iter()
        .find(|f| f.category.as_str() == "off_hours_contact")
        .unwrap();
    let ev = &off.evidence[0];
    assert_eq!(ev.source, Source::OccurredAt);
    assert!(
        ev.observed
            .as_deref()
            .unwrap()
            .starts_with("Fri 2025-10-03 22:40")
    );
    assert!(
        ev.threshold
            .as_deref()
            .unwrap()
            .contains("Mon-Fri 09:00-18:00")
    );
    assert_eq!(a.policy.name, "kyoritsu-basic");
    assert_eq!(a.policy.version, "2025-10-01");
    assert_eq!(
        a.policy.engine,
        format!("kasuhara {}", env!("CARGO_PKG_VERSION"))
    );
}

/// Which category each example record must show.
const EXPECTED: &[(&str, &str)] = &[
    ("threat", "JA-01"),
    ("insult", "JA-02"),
    ("defamation", "JA-03"),
    ("intimidation", "JA-04"),
    ("discrimination", "JA-05"),
    ("sexual", "JA-06"),
    ("money_demand", "JA-07"),
    ("apology_demand", "JA-08"),
    ("kneel_demand", "JA-09"),
    ("persistent_contact", "JA-10"),
    ("prolonged_restraint", "JA-11"),
    ("off_hours_contact", "JA-12"),
    ("excessive_demand", "JA-13"),
    ("employee_attack", "JA-14"),
    ("online_defamation", "JA-15"),
    ("physical_attack", "JA-16"),
    ("no_defect", "JA-17"),
    ("unrelated_request", "JA-18"),
    ("unreasonable_reduction", "JA-19"),
    ("threat", "EN-01"),
    ("insult", "EN-02"),
    ("defamation", "EN-03"),
    ("intimidation", "EN-04"),
    ("discrimination", "EN-05"),
    ("sexual", "EN-06"),
    ("money_demand", "EN-07"),
    ("apology_demand", "EN-08"),
    ("kneel_demand", "EN-09"),
    ("persistent_contact", "EN-10"),
    ("prolonged_restraint", "EN-11"),
    ("off_hours_contact", "EN-12"),
    ("excessive_demand", "EN-13"),
    ("employee_attack", "EN-14"),
    ("online_defamation", "EN-15"),
    ("physical_attack", "EN-16"),
    ("no_defect", "EN-17"),
    ("unrelated_request", "EN-18"),
    ("unreasonable_reduction", "EN-19"),
];

#[test]
fn every_category_is_detected_in_japanese_and_english_example_records() {
    let engine = Engine::default();
    let by_id: std::collections::HashMap<String, kasuhara::Assessment> = records()
        .iter()
        .map(|r| (r.id.clone(), engine.classify(r).unwrap()))
        .collect();
    let mut failures = Vec::new();
    for (category, id) in EXPECTED {
        let a = &by_id[*id];
        if !a.has(category) {
            failures.push(format!(
                "{id}: expected {category}, got {:?}",
                a.findings
                    .iter()
                    .map(|f| f.category.as_str())
                    .collect::<Vec<_>>()
            ));
        }
        if a.verdict == Verdict::NotHarassment {
            failures.push(format!("{id}: {category} record judged not_harassment"));
        }
    }
    let policy = Policy::default();
    for c in policy.categories() {
        for lang in ["JA", "EN"] {
            assert!(
                EXPECTED
                    .iter()
                    .any(|(cat, id)| *cat == c.id().as_str() && id.starts_with(lang)),
                "no {lang} example for {}",
                c.id()
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn hard_negatives_in_the_example_file_are_not_flagged() {
    let engine = Engine::default();
    for r in records().iter().filter(|r| r.id.starts_with("NEG-")) {
        let a = engine.classify(r).unwrap();
        assert_eq!(a.verdict, Verdict::NotHarassment, "{}: {a:#?}", r.id);
        assert!(a.findings.is_empty(), "{}: {:?}", r.id, a.findings);
    }
}

#[test]
fn every_span_is_on_char_boundaries_and_its_excerpt_equals_the_text() {
    let engine = EngineBuilder::new(Policy::default())
        .near_misses(true)
        .build()
        .unwrap();
    let mut checked = 0;
    for r in records() {
        let a = engine.classify(&r).unwrap();
        let evidence = a
            .findings
            .iter()
            .flat_map(|f| f.evidence.iter())
            .chain(a.near_misses.iter().map(|m| &m.evidence));
        for ev in evidence {
            let Some((s, e)) = ev.span else { continue };
            let text = match ev.source {
                Source::Text => r.text.as_deref().unwrap(),
                Source::Utterance => &r.utterances[ev.utterance.unwrap()].text,
                other => panic!("span on a {other:?} evidence"),
            };
            assert!(
                text.is_char_boundary(s) && text.is_char_boundary(e) && s < e,
                "{}: {ev:?}",
                r.id
            );
            assert_eq!(Some(&text[s..e]), ev.excerpt.as_deref(), "{}", r.id);
            checked += 1;
        }
    }
    assert!(checked > 40, "only {checked} spans checked");
}

#[test]
fn same_input_and_policy_give_byte_identical_output() {
    let recs = records();
    // Rule regexes compile on first use unless the engine is warmed: the same output either way.
    let run = |warm: bool| -> Vec<String> {
        let engine = EngineBuilder::new(Policy::default())
            .near_misses(true)
            .build()
            .unwrap();
        if warm {
            engine.warm();
        }
        let mut s = engine.stream();
        recs.iter()
            .map(|r| serde_json::to_string(&s.classify(r).unwrap()).unwrap())
            .collect()
    };
    let cold = run(false);
    assert_eq!(cold, run(false));
    assert_eq!(cold, run(true));
    let engine = Engine::default();
    let batch: Vec<String> = engine
        .classify_batch(&recs)
        .into_iter()
        .map(|a| serde_json::to_string(&a.unwrap()).unwrap())
        .collect();
    let mut s = engine.stream();
    let seq: Vec<String> = recs
        .iter()
        .map(|r| serde_json::to_string(&s.classify(r).unwrap()).unwrap())
        .collect();
    assert_eq!(batch, seq);
}

#[test]
fn every_finding_has_an_explanation_clause_and_response_in_both_languages() {
    for lang in [Lang::En, Lang::Ja] {
        let engine = EngineBuilder::new(Policy::default())
            .lang(lang)
            .build()
            .unwrap();
        for r in records() {
            let a = engine.classify(&r).unwrap();
            assert!(!a.reason.is_empty() && !a.responses.is_empty(), "{}", r.id);
            for f in &a.findings {
                assert!(!f.explanation.is_empty(), "{} {}", r.id, f.category);
                assert!(
                    f.explanation.contains(f.clause.as_str()),
                    "{} {}: {}",
                    r.id,
                    f.category,
                    f.explanation
                );
                assert!(!f.responses.is_empty(), "{} {}", r.id, f.category);
                let ja_text = f
                    .explanation
                    .chars()
                    .any(|c| ('\u{3040}'..='\u{30ff}').contains(&c));
                if lang == Lang::Ja {
                    assert!(ja_text, "{} {}: {}", r.id, f.category, f.explanation);
                }
            }
        }
    }
}

#[test]
fn findings_are_ordered_by_prong_then_category() {
    let engine = Engine::default();
    for r in records() {
        let a = engine.classify(&r).unwrap();
        let keys: Vec<_> = a
            .findings
            .iter()
            .map(|f| (f.prong, f.category.as_str().to_string()))
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "{}", r.id);
    }
}

#[test]
fn over_long_text_is_an_error_not_a_truncation() {
    let inc = Incident::from_text("big", "あ".repeat(400_000));
    let err = Engine::default().classify(&inc).unwrap_err();
    assert_eq!(err.field(), "text");
}

#[test]
fn the_classify_example_answers_every_line_in_order() {
    // The example binary is built by `cargo test` (examples are test targets); find it beside
    // this test's executable.
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().join("examples");
    let bin = dir.join(format!("classify{}", std::env::consts::EXE_SUFFIX));
    assert!(bin.exists(), "{} not built", bin.display());
    let input =
        format!("{INCIDENTS}{{\"id\": 5}}\nnot json\n{{\"id\":\"x\",\"channel\":\"fax\"}}\n");
    let mut child = std::process::Command::new(&bin)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "a bad line makes the exit status non-zero"
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let n = INCIDENTS.lines().count();
    assert_eq!(lines.len(), n + 3);
    for (i, (line, rec)) in lines.iter().zip(INCIDENTS.lines()).enumerate() {
        let id = serde_json::from_str::<serde_json::Value>(rec).unwrap()["id"].clone();
        assert_eq!(line["id"], id, "line {}", i + 1);
    }
    assert_eq!(lines[n]["line"], n + 1);
    assert!(lines[n]["error"].as_str().unwrap().contains("`id`"));
    assert_eq!(lines[n + 1]["line"], n + 2);
    assert!(
        lines[n + 2]["error"]
            .as_str()
            .unwrap()
            .starts_with("field `channel`")
    );
}
