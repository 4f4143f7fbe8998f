//! A company's own policy built on the default one (`examples/custom_policy/`): it loads, adds its
//! own category, changes thresholds, switches rules off, and its cases pass.

use kasuhara::testing::Cases;
use kasuhara::{Basis, CategoryId, Engine, EngineBuilder, Incident, Policy, Prong, Verdict};
use std::path::PathBuf;

fn dir(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn acme() -> Policy {
    Policy::from_path(dir("examples/custom_policy/rules")).unwrap_or_else(|e| panic!("{e}"))
}

fn acme_engine() -> Engine {
    EngineBuilder::new(acme())
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn loads_on_top_of_the_default() {
    let policy = acme();
    assert_eq!(policy.name(), "acme-hotels");
    assert_eq!(policy.version(), "2026-01-01");
    // The default's 19 categories and ACME's own.
    assert_eq!(
        policy.categories().len(),
        Policy::default().categories().len() + 1
    );
    let rx = policy
        .category(&CategoryId::new("review_extortion"))
        .expect("the review_extortion category exists");
    assert_eq!(rx.prong(), Prong::Conduct);
    assert_eq!(rx.basis(), Basis::Always);
    assert_eq!(rx.section(), Some("ACME-4.2"));

    let ids: Vec<String> = policy
        .rule_ids()
        .iter()
        .map(|r| r.as_str().to_string())
        .collect();
    let has = |id: &str| ids.iter().any(|r| r == id);
    // ACME's rules are added, the default's kept, the disabled ones gone.
    for id in [
        "acme.review_extortion.ja",
        "acme.review_extortion.en",
        "acme.persistence.day",
        "acme.persistence.week",
        "threat.kill.ja",
    ] {
        assert!(has(id), "missing rule {id}");
    }
    for id in [
        "intimidation.mild.ja",
        "intimidation.mild.en",
        "employee.name.en",
        "persistence.day",
    ] {
        assert!(!has(id), "rule {id} should be gone");
    }
}

#[test]
fn custom_policy_cases_pass() {
    let cases =
        Cases::from_path(dir("examples/custom_policy/cases")).unwrap_or_else(|e| panic!("{e}"));
    assert!(cases.cases().len() >= 30);
    let langs = |cat: &str, lang: &str| {
        cases
            .cases()
            .iter()
            .filter(|c| c.lang == lang && c.expect.categories.iter().any(|x| x == cat))
            .count()
    };
    assert!(langs("review_extortion", "ja") >= 3);
    assert!(langs("review_extortion", "en") >= 3);

    let report = cases.run(&acme_engine());
    report.assert_passed();
    // Every rule ACME added is exercised by its cases.
    let unexercised: Vec<&str> = report
        .unexercised_rules()
        .iter()
        .map(|r| r.as_str())
        .filter(|r| r.starts_with("acme."))
        .collect();
    assert!(unexercised.is_empty(), "unexercised: {unexercised:?}");
}

#[test]
fn review_extortion_findings_cite_acme_section_and_responses() {
    let a = acme_engine()
        .classify(&Incident::from_text(
            "RX",
            "I'll delete my review if you refund the second night.",
        ))
        .unwrap();
    assert_eq!(a.verdict, Verdict::Harassment);
    assert_eq!(a.policy.name, "acme-hotels");
    let f = a
        .findings
        .iter()
        .find(|f| f.category.as_str() == "review_extortion")
        .expect("a review_extortion finding");
    assert_eq!(f.section.as_deref(), Some("ACME-4.2"));
    assert!(f.explanation.contains("ACME-4.2"), "{}", f.explanation);
    let responses: Vec<&str> = f.responses.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        responses,
        [
            "refuse_clearly",
            "preserve_evidence",
            "notify_manager",
            "record"
        ]
    );
    // The default policy has no such category.
    let d = Engine::default()
        .classify(&Incident::from_text(
            "RX",
            "I'll delete my review if you refund the second night.",
        ))
        .unwrap();
    assert!(!d.has("review_extortion"));
}

#[test]
fn the_changed_thresholds_differ_from_the_default() {
    let third_call = Incident::from_json(
        r#"{"id": "P-3", "channel": "phone", "occurred_at": "2026-02-03T16:00:00+09:00",
            "text": "Me again, about my booking.",
            "contacts": [{"at": "2026-02-03T10:00:00+09:00"}, {"at": "2026-02-03T13:00:00+09:00"}]}"#,
    )
    .unwrap();
    let acme = acme_engine().classify(&third_call).unwrap();
    let default = Engine::default().classify(&third_call).unwrap();
    assert_eq!(acme.verdict, Verdict::Harassment);
    assert_eq!(
        default.verdict,
        Verdict::NeedsReview,
        "the default fires at 5"
    );

    let saturday_morning = Incident::from_json(
        r#"{"id": "S-1", "channel": "phone", "occurred_at": "2026-02-07T10:30:00+09:00",
            "text": "Could I reserve a parking space for next week?"}"#,
    )
    .unwrap();
    assert!(
        !acme_engine()
            .classify(&saturday_morning)
            .unwrap()
            .has("off_hours_contact")
    );
    assert!(
        Engine::default()
            .classify(&saturday_morning)
            .unwrap()
            .has("off_hours_contact")
    );
}
