//! The two-prong decision table of SPEC, row by row, and the pinned text report.

use kasuhara::{Engine, EngineBuilder, Incident, Lang, MissReason, Policy, Verdict, render_text};

fn classify(json: &str) -> kasuhara::Assessment {
    Engine::default()
        .classify(&Incident::from_json(json).unwrap())
        .unwrap()
}

struct Row {
    name: &'static str,
    json: &'static str,
    verdict: Verdict,
}

const ROWS: &[Row] = &[
    Row {
        name: "a real-defect complaint with one rude word is needs_review at most",
        json: r#"{"id":"v1","text":"The heater broke again, this is stupid. Please send someone.","request":{"kind":"repair","defect_found":true}}"#,
        verdict: Verdict::NeedsReview,
    },
    Row {
        name: "an angry but valid complaint without abuse is not harassment",
        json: r#"{"id":"v2","text":"This is unacceptable! The water has been off for two days. Fix it today!","request":{"kind":"repair","defect_found":true}}"#,
        verdict: Verdict::NotHarassment,
    },
    Row {
        name: "an invalid request made politely is needs_review",
        json: r#"{"id":"v3","text":"点検で異常なしとのことですが、念のため全額返金していただけないでしょうか。","request":{"kind":"refund","defect_found":false}}"#,
        verdict: Verdict::NeedsReview,
    },
    Row {
        name: "relative conduct over a valid request is needs_review (a single 金返せ over a real defect)",
        json: r#"{"id":"v4","text":"金返せ！","request":{"kind":"refund","defect_found":true}}"#,
        verdict: Verdict::NeedsReview,
    },
    Row {
        name: "severe conduct over a valid request is harassment",
        json: r#"{"id":"v5","text":"直らないなら殺すぞ","request":{"kind":"repair","defect_found":true}}"#,
        verdict: Verdict::Harassment,
    },
    Row {
        name: "an invalid request pressed with mild inappropriate conduct is harassment",
        json: r#"{"id":"v6","text":"このバカ、さっさと返金しろ","request":{"kind":"refund","defect_found":false}}"#,
        verdict: Verdict::Harassment,
    },
    Row {
        name: "an absurd demand is harassment however politely made",
        json: r#"{"id":"v7","text":"I would kindly ask for compensation of 100 million yen for the cake.","request":{"kind":"compensation","defect_found":true,"amount_requested":100000000,"amount_charged":3000}}"#,
        verdict: Verdict::Harassment,
    },
    Row {
        name: "a money demand with repeated contact counts as conduct",
        json: r#"{"id":"v8","customer":"C-9","occurred_at":"2025-10-06T16:00:00+09:00","text":"金返せ！","request":{"kind":"refund","defect_found":true},
          "contacts":[{"at":"2025-10-06T09:10:00+09:00"},{"at":"2025-10-06T10:10:00+09:00"},{"at":"2025-10-06T11:10:00+09:00"},{"at":"2025-10-06T12:10:00+09:00"}]}"#,
        verdict: Verdict::Harassment,
    },
    Row {
        name: "a single polite contact outside business hours is needs_review",
        json: r#"{"id":"v9","occurred_at":"2025-10-04T10:00:00+09:00","text":"Could you tell me when the inspection is?"}"#,
        verdict: Verdict::NeedsReview,
    },
    Row {
        name: "an emergency call at night is not harassment",
        json: r#"{"id":"v10","occurred_at":"2025-10-04T02:10:00+09:00","text":"夜分に申し訳ありません、天井から水漏れしています。"}"#,
        verdict: Verdict::NotHarassment,
    },
];

#[test]
fn decision_table_rows() {
    let mut failures = Vec::new();
    for row in ROWS {
        let a = classify(row.json);
        if a.verdict != row.verdict {
            failures.push(format!(
                "{}: expected {}, got {} ({}) {:?}",
                row.name,
                row.verdict.as_str(),
                a.verdict.as_str(),
                a.reason,
                a.findings
                    .iter()
                    .map(|f| (f.category.as_str(), f.score, f.counted))
                    .collect::<Vec<_>>()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn relative_conduct_over_a_valid_request_is_listed_but_not_counted() {
    let a = classify(ROWS[3].json);
    let f = a
        .findings
        .iter()
        .find(|f| f.category.as_str() == "money_demand")
        .unwrap();
    assert!(!f.counted);
    assert_eq!(a.prongs.conduct, 0.0);
    assert!(f.explanation.contains("not counted"));
}

#[test]
fn near_misses_say_why_a_signal_did_not_fire() {
    let engine = EngineBuilder::new(Policy::default())
        .near_misses(true)
        .build()
        .unwrap();
    let a = engine
        .classify(&Incident::from_json(ROWS[9].json).unwrap())
        .unwrap();
    let m = a
        .near_misses
        .iter()
        .find(|m| m.category.as_str() == "off_hours_contact")
        .unwrap();
    assert_eq!(m.reason, MissReason::EmergencyExemption);
    assert!(m.explanation.contains("emergency"), "{}", m.explanation);
    let a = engine
        .classify(&Incident::from_text("n", "I'm not going to kill you."))
        .unwrap();
    assert!(
        a.near_misses
            .iter()
            .any(|m| m.reason == MissReason::Negation)
    );
    // A customer reporting a neighbour's shouting: the shouting is the neighbour's, not theirs.
    let a = engine
        .classify(&Incident::from_text(
            "t",
            "隣の部屋の人が夜中に怒鳴っていて眠れません。",
        ))
        .unwrap();
    assert!(a.findings.is_empty(), "{:?}", a.findings);
    let m = a
        .near_misses
        .iter()
        .find(|m| m.category.as_str() == "intimidation")
        .unwrap();
    assert_eq!(m.reason, MissReason::NotCustomer);
    assert_eq!(m.by.as_ref().map(|r| r.as_str()), Some("third_party.ja"));
    // But "your staff are incompetent" insults the staff: their people are the target there.
    let a = engine
        .classify(&Incident::from_text(
            "s",
            "Your staff are incompetent idiots.",
        ))
        .unwrap();
    assert!(a.has("insult"));
}

const SNAPSHOT_RECORD: &str = r#"{"id":"SNAP-1","occurred_at":"2025-10-06T11:00:00+09:00","utterances":[
  {"speaker":"staff","text":"We cannot accept threats."},
  {"speaker":"customer","text":"Shut up, you idiot. Get on your knees!"}]}"#;

const SNAPSHOT_EN: &str = "SNAP-1 — HARASSMENT (score 0.99; validity 0.00, conduct 0.99)
  conduct 0.99 reaches the harassment threshold 0.6
  [0] staff: We cannot accept threats.
  [1] customer: 【Shut up】, you 【idiot】. 【Get on your knees】!
  - insult (2.2(b), High, 0.82)
    Insult or verbal abuse: \u{201c}Shut up\u{201d} (utterance 1); \u{201c}idiot\u{201d} (utterance 1). Policy 2.2(b): mental attacks: insults and verbal abuse
    · insult.directed.en: \u{201c}Shut up\u{201d} (utterance 1)
    · insult.mild.en: \u{201c}idiot\u{201d} (utterance 1)
    → Tell the customer calmly that such language or behaviour is not acceptable. Record the contact: date, time, channel and what was said, verbatim where possible. If it continues after the warning, end the contact.
  - kneel_demand (2.2(f), High, 0.95)
    Demand to kneel (dogeza): \u{201c}Get on your knees\u{201d} (utterance 1). Policy 2.2(f): demands to kneel down (dogeza)
    · kneel.en: \u{201c}Get on your knees\u{201d} (utterance 1)
    → Refuse clearly and politely; do not promise what cannot be done. Report to a manager at once; do not handle it alone. Record the contact: date, time, channel and what was said, verbatim where possible.
  response: Record the contact: date, time, channel and what was said, verbatim where possible. Report to a manager at once; do not handle it alone. Share the case with the team so that responses stay consistent.

";

#[test]
fn text_report_snapshot() {
    let inc = Incident::from_json(SNAPSHOT_RECORD).unwrap();
    let a = Engine::default().classify(&inc).unwrap();
    let got = render_text(&inc, &a, Lang::En, false);
    assert_eq!(got, SNAPSHOT_EN, "\n--- got ---\n{got}");
    let ja = EngineBuilder::new(Policy::default())
        .lang(Lang::Ja)
        .build()
        .unwrap();
    let a = ja.classify(&inc).unwrap();
    let got = render_text(&inc, &a, Lang::Ja, false);
    assert!(got.starts_with("SNAP-1 — カスハラに該当"), "{got}");
    assert!(got.contains("「Get on your knees」（発話 1）"), "{got}");
    assert!(got.contains("方針 2.2(f)：土下座の要求"), "{got}");
    let colored = render_text(&inc, &a, Lang::Ja, true);
    assert!(colored.contains("\x1b[1;31mGet on your knees\x1b[0m"));
}
