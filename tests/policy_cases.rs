//! The default policy's cases as data (`rules/cases/`): they all pass, they cover every category
//! in both languages, and a changed expectation makes the run fail with the case's name.

use kasuhara::Engine;
use kasuhara::testing::Cases;
use std::collections::BTreeMap;
use std::path::Path;

/// The case files that count: every `.toml` under `rules/cases` except `pending.toml`, which holds
/// cases the policy cannot classify yet.
fn shipped_cases() -> Cases {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/cases");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("rules/cases is readable")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter(|p| p.file_name().is_some_and(|n| n != "pending.toml"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("a readable case file");
            (p.display().to_string(), text)
        })
        .collect();
    files.sort();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    Cases::from_sources(&refs).unwrap_or_else(|e| panic!("invalid case files: {e}"))
}

#[test]
fn default_policy_cases_pass() {
    let report = Cases::default_policy_cases().run(&Engine::default());
    let unexercised: Vec<&str> = report
        .unexercised_rules()
        .iter()
        .map(|r| r.as_str())
        .collect();
    println!(
        "{} cases; rules no case exercised ({}): {}",
        report.results().len(),
        unexercised.len(),
        unexercised.join(", ")
    );
    report.assert_passed();
}

#[test]
fn every_category_has_five_cases_per_language_and_sixty_negatives() {
    let cases = shipped_cases();
    let engine = Engine::default();
    let categories: Vec<String> = engine
        .policy()
        .categories()
        .iter()
        .map(|c| c.id().as_str().to_string())
        .collect();
    assert_eq!(categories.len(), 19, "the default policy has 19 categories");

    // category -> lang -> number of cases that expect it
    let mut counts: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    for case in cases.cases() {
        for c in &case.expect.categories {
            *counts
                .entry(c.as_str())
                .or_default()
                .entry(case.lang.as_str())
                .or_default() += 1;
        }
    }
    let mut missing = Vec::new();
    for cat in &categories {
        for lang in ["ja", "en"] {
            let n = counts
                .get(cat.as_str())
                .and_then(|m| m.get(lang))
                .copied()
                .unwrap_or(0);
            println!("{cat:24} {lang}: {n}");
            if n < 5 {
                missing.push(format!("{cat} ({lang}: {n})"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "categories expected by fewer than 5 cases in a language: {}",
        missing.join(", ")
    );
    // No case may expect a category the policy does not have.
    for case in cases.cases() {
        for c in case.expect.categories.iter().chain(&case.expect.not) {
            assert!(
                categories.contains(c),
                "case `{}` names an unknown category `{c}`",
                case.name
            );
        }
    }

    let negatives: Vec<_> = cases
        .cases()
        .iter()
        .filter(|c| c.file.ends_with("negatives.toml"))
        .collect();
    println!("negatives: {}", negatives.len());
    assert!(
        negatives.len() >= 60,
        "negatives.toml has {} cases, expected at least 60",
        negatives.len()
    );
    for n in &negatives {
        assert!(
            !n.expect.not.is_empty(),
            "negative case `{}` names no category that must not fire",
            n.name
        );
        assert!(
            n.expect.categories.iter().all(|c| c == "off_hours_contact"),
            "negative case `{}` expects a finding",
            n.name
        );
    }
}

#[test]
fn a_changed_expectation_fails_and_names_the_case() {
    let case = r#"
[[case]]
name = "kneel demand at the front desk"
lang = "ja"
incident = { id = "FLIP-1", channel = "in_person", text = "申し訳ないと思うなら土下座しろ。" }
expect = { categories = ["kneel_demand"], verdict = "harassment" }
"#;
    let engine = Engine::default();
    let ok = Cases::from_sources(&[("flip.toml", case)]).unwrap();
    ok.run(&engine).assert_passed();

    let flipped = case.replace(r#"verdict = "harassment""#, r#"verdict = "not_harassment""#);
    let report = Cases::from_sources(&[("flip.toml", &flipped)])
        .unwrap()
        .run(&engine);
    assert!(!report.passed());
    let summary = report.summary();
    assert!(
        summary.contains("kneel demand at the front desk"),
        "{summary}"
    );
    assert!(summary.contains("flip.toml"), "{summary}");
    assert!(
        summary.contains("expected verdict `not_harassment`"),
        "{summary}"
    );
    assert!(summary.contains("0 passed, 1 failed"), "{summary}");

    // A category that must not fire, but does, fails the same way.
    let not_kneel = case.replace(
        r#"categories = ["kneel_demand"]"#,
        r#"not = ["kneel_demand"]"#,
    );
    let report = Cases::from_sources(&[("flip.toml", &not_kneel)])
        .unwrap()
        .run(&engine);
    assert!(!report.passed());
    assert!(
        report
            .summary()
            .contains("category `kneel_demand` must not be found"),
        "{}",
        report.summary()
    );
}

#[test]
fn pending_cases_load() {
    // pending.toml is not run by default (its cases fail by design), but it must stay valid.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/cases/pending.toml");
    let pending = Cases::from_path(path).unwrap_or_else(|e| panic!("{e}"));
    assert!(!pending.cases().is_empty());
}
