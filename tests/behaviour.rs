//! Behaviour and validity: the calendar (business hours, Japanese national holidays, the year-end
//! closure, time zones with DST), persistence windows, durations, request validity, the emergency
//! exemption, and stream history (bounded, out of order, independent of batch boundaries).
//! Every threshold is pinned one below, at and one above.

use jiff::civil::{Date, Weekday, date};
use kasuhara::testing::Cases;
use kasuhara::{
    Assessment, Engine, EngineBuilder, Incident, IncidentError, MissReason, Policy, Verdict,
};
use serde_json::{Value, json};

fn engine() -> Engine {
    EngineBuilder::new(Policy::default())
        .near_misses(true)
        .build()
        .unwrap()
}

fn inc(v: Value) -> Incident {
    Incident::from_json(&v.to_string()).unwrap()
}

fn classify(e: &Engine, v: Value) -> Assessment {
    e.classify(&inc(v)).unwrap()
}

/// Every evidence rule id of the findings.
fn rules(a: &Assessment) -> Vec<String> {
    a.findings
        .iter()
        .flat_map(|f| f.evidence.iter().map(|e| e.rule.to_string()))
        .collect()
}

fn fired(a: &Assessment, rule: &str) -> bool {
    rules(a).iter().any(|r| r == rule)
}

fn score(a: &Assessment, category: &str) -> Option<f64> {
    a.findings
        .iter()
        .find(|f| f.category.as_str() == category)
        .map(|f| f.score)
}

fn near_miss(a: &Assessment, category: &str, reason: MissReason) -> bool {
    a.near_misses
        .iter()
        .any(|m| m.category.as_str() == category && m.reason == reason)
}

/// A polite in-hours request with no text signal of its own.
const POLITE: &str = "Could you tell me the status of my request?";

fn json_of(results: &[Result<Assessment, IncidentError>]) -> Vec<String> {
    results
        .iter()
        .map(|r| match r {
            Ok(a) => serde_json::to_string(a).unwrap(),
            Err(e) => format!("error: {e}"),
        })
        .collect()
}

// ---- persistence ---------------------------------------------------------------------------------

/// A Monday 16:00 JST contact with `earlier` contacts the same day from 09:00 on.
fn same_day(earlier: usize) -> Value {
    let contacts: Vec<Value> = (0..earlier)
        .map(|i| json!({"at": format!("2025-10-06T09:{:02}:00+09:00", i * 5), "channel": "phone"}))
        .collect();
    json!({"id": format!("day-{earlier}"), "channel": "phone", "occurred_at": "2025-10-06T16:00:00+09:00",
           "text": POLITE, "contacts": contacts})
}

#[test]
fn persistence_day_window_pins_3_4_5_6() {
    let e = engine();
    // 2 contacts: below the review count, a near miss.
    let a = classify(&e, same_day(1));
    assert!(!a.has("persistent_contact"));
    assert_eq!(a.verdict, Verdict::NotHarassment);
    assert!(near_miss(
        &a,
        "persistent_contact",
        MissReason::BelowThreshold
    ));
    // 3rd and 4th contact in a day: grey zone, needs review on its own.
    for earlier in [2, 3] {
        let a = classify(&e, same_day(earlier));
        assert!(a.has("persistent_contact"), "{earlier}");
        assert!(fired(&a, "persistence.day"));
        assert_eq!(
            a.verdict,
            Verdict::NeedsReview,
            "{} earlier: {}",
            earlier,
            a.reason
        );
    }
    // 5th and 6th: persistent contact.
    for earlier in [4, 5] {
        let a = classify(&e, same_day(earlier));
        assert!(fired(&a, "persistence.day"), "{earlier}");
        assert_eq!(a.verdict, Verdict::Harassment, "{earlier}");
        let ev = &a.findings[0].evidence[0];
        assert_eq!(
            ev.observed.as_deref(),
            Some(format!("{} contacts in the 24 h up to this one", earlier + 1).as_str())
        );
    }
}

#[test]
fn the_day_window_is_half_open() {
    let e = engine();
    let with_first = |at: &str| {
        let mut v = same_day(3);
        v["contacts"]
            .as_array_mut()
            .unwrap()
            .push(json!({"at": at}));
        classify(&e, v)
    };
    // Exactly 24 hours earlier is outside the day: 4 contacts, needs review.
    let a = with_first("2025-10-05T16:00:00+09:00");
    assert_eq!(a.verdict, Verdict::NeedsReview, "{}", a.reason);
    // One minute later is inside: 5 contacts.
    let a = with_first("2025-10-05T16:01:00+09:00");
    assert_eq!(a.verdict, Verdict::Harassment);
    assert!(fired(&a, "persistence.day"));
}

/// A Friday 2025-10-10 16:00 contact with earlier contacts two a day, Mon-Thu, and `extra` more.
fn same_week(extra: &[&str]) -> Value {
    let mut contacts: Vec<Value> = (6..=9)
        .flat_map(|d| {
            [10, 14].map(
                |h| json!({"at": format!("2025-10-{d:02}T{h}:00:00+09:00"), "channel": "email"}),
            )
        })
        .collect();
    contacts.extend(extra.iter().map(|at| json!({"at": at})));
    json!({"id": "week", "channel": "email", "occurred_at": "2025-10-10T16:00:00+09:00", "text": POLITE,
           "contacts": contacts})
}

#[test]
fn persistence_week_window_pins_9_10_11() {
    let e = engine();
    // 9 in the week (8 earlier + this one), never more than 2 in a day: grey zone.
    let a = classify(&e, same_week(&[]));
    assert!(fired(&a, "persistence.week"));
    assert!(!fired(&a, "persistence.day"));
    assert_eq!(a.verdict, Verdict::NeedsReview, "{}", a.reason);
    // The boundary 168 h earlier is outside.
    let a = classify(&e, same_week(&["2025-10-03T16:00:00+09:00"]));
    assert_eq!(a.verdict, Verdict::NeedsReview);
    // 10 and 11 in the week.
    let a = classify(&e, same_week(&["2025-10-03T17:00:00+09:00"]));
    assert!(fired(&a, "persistence.week"));
    assert_eq!(a.verdict, Verdict::Harassment);
    let a = classify(
        &e,
        same_week(&["2025-10-03T17:00:00+09:00", "2025-10-04T11:00:00+09:00"]),
    );
    assert_eq!(a.verdict, Verdict::Harassment);
    // 5 in the week is below the week's review count of 6 (and 1 in the day): nothing.
    let v = json!({"id": "w5", "occurred_at": "2025-10-10T16:00:00+09:00", "text": POLITE,
        "contacts": [{"at": "2025-10-06T10:00:00+09:00"}, {"at": "2025-10-07T10:00:00+09:00"},
                     {"at": "2025-10-08T10:00:00+09:00"}, {"at": "2025-10-09T10:00:00+09:00"}]});
    assert_eq!(classify(&e, v).verdict, Verdict::NotHarassment);
}

#[test]
fn counts_stated_in_text_count() {
    let e = engine();
    let cases = [
        (
            "He has called 25 times this week about the same noise complaint.",
            "count.week.en",
            true,
        ),
        (
            "The guest called 6 times today asking for a room change.",
            "count.day.en",
            true,
        ),
        (
            "今週だけで20回以上電話をかけてきている。",
            "count.week.ja",
            true,
        ),
        ("本日5回目の電話です。", "count.day.ja", true),
        ("管理人室に30件以上の電話があった。", "count.times.ja", true),
        (
            "The tenant called four times today about the parcel.",
            "count.day.en",
            false,
        ),
        ("本日3回目のお問い合わせです。", "count.day.ja", false),
    ];
    for (text, rule, harassment) in cases {
        let a = classify(&e, json!({"id": "t", "text": text}));
        assert!(a.has("persistent_contact"), "{text}");
        assert!(fired(&a, rule), "{text}: {:?}", rules(&a));
        let want = if harassment {
            Verdict::Harassment
        } else {
            Verdict::NeedsReview
        };
        assert_eq!(a.verdict, want, "{text}: {}", a.reason);
    }
    // Every day for a week reads as 7 contacts: the week's grey zone.
    let a = classify(
        &e,
        json!({"id": "d", "text": "The owner of 402 calls every night about the neighbours."}),
    );
    assert!(fired(&a, "count.daily.en"), "{:?}", rules(&a));
    // A count below the facts gives way to them.
    let mut v = same_day(5);
    v["text"] = json!("She called twice today.");
    let a = classify(&e, v);
    assert!(fired(&a, "persistence.day"));
}

// ---- durations -----------------------------------------------------------------------------------

fn lasting(minutes: u32, channel: &str) -> Value {
    json!({"id": format!("m{minutes}"), "channel": channel, "occurred_at": "2025-10-06T11:00:00+09:00",
           "duration_minutes": minutes, "text": POLITE})
}

#[test]
fn durations_pin_30_31_89_90() {
    let e = engine();
    let a = classify(&e, lasting(30, "phone"));
    assert!(!a.has("prolonged_restraint"));
    assert_eq!(a.verdict, Verdict::NotHarassment);
    assert!(near_miss(
        &a,
        "prolonged_restraint",
        MissReason::BelowThreshold
    ));
    for m in [31, 89] {
        let a = classify(&e, lasting(m, "phone"));
        assert!(fired(&a, "duration.long"), "{m}");
        assert_eq!(a.verdict, Verdict::NeedsReview, "{m}");
    }
    for m in [90, 91, 240] {
        let a = classify(&e, lasting(m, "in_person"));
        assert!(fired(&a, "duration.restrictive"), "{m}");
        assert_eq!(a.verdict, Verdict::Harassment, "{m}");
    }
    assert!(!classify(&e, lasting(0, "phone")).has("prolonged_restraint"));
    assert!(classify(&e, lasting(u32::MAX, "phone")).has("prolonged_restraint"));
}

#[test]
fn per_channel_duration_thresholds() {
    let rules_toml = r#"
[policy]
name = "front-desk"
version = "1"
extends = "default"

[duration]
category = "prolonged_restraint"
long_minutes = 31
restrictive_minutes = 90
long_weight = 0.35
restrictive_weight = 0.85

[[duration.channel]]
channel = "in_person"
long_minutes = 61
restrictive_minutes = 120
"#;
    let policy = Policy::from_sources(&[("front-desk.toml", rules_toml)]).unwrap();
    let e = EngineBuilder::new(policy).build().unwrap();
    let check = |m: u32, ch: &str| -> (bool, bool) {
        let a = classify(&e, lasting(m, ch));
        (
            fired(&a, "duration.long"),
            fired(&a, "duration.restrictive"),
        )
    };
    assert_eq!(check(60, "in_person"), (false, false));
    assert_eq!(check(61, "in_person"), (true, false));
    assert_eq!(check(119, "in_person"), (true, false));
    assert_eq!(check(120, "in_person"), (false, true));
    // Other channels keep the section's thresholds.
    assert_eq!(check(31, "phone"), (true, false));
    assert_eq!(check(90, "phone"), (false, true));
}

#[test]
fn durations_in_text_count_only_when_tied_to_conduct() {
    let e = engine();
    let tied = [
        "客は3時間居座った。",
        "The guest shouted at the night manager for two hours.",
        "お客様が1時間半にわたり大声で怒鳴り続けた。",
        "He yelled at the concierge for an hour and a half.",
    ];
    for text in tied {
        let a = classify(&e, json!({"id": "tied", "text": text}));
        assert!(a.has("prolonged_restraint"), "{text}: {:?}", rules(&a));
        assert!(
            rules(&a).iter().any(|r| r.starts_with("duration.")),
            "{text}: {:?}",
            rules(&a)
        );
    }
    let untied = [
        "The repair took about three hours.",
        "修理に3時間かかりました。",
        "修理に3時間かかった。その後、客は担当者をバカと言った。",
        "3時間後にまた怒鳴りながら電話してきた。",
        "3時間も待たされた、ふざけるな。",
    ];
    for text in untied {
        let a = classify(&e, json!({"id": "untied", "text": text}));
        assert!(!a.has("prolonged_restraint"), "{text}: {:?}", rules(&a));
    }
    let a = classify(
        &e,
        json!({"id": "r", "text": "The repair took about three hours."}),
    );
    assert!(near_miss(&a, "prolonged_restraint", MissReason::NotConduct));
    assert_eq!(a.verdict, Verdict::NotHarassment);
}

// ---- validity ------------------------------------------------------------------------------------

fn reduction(kind: &str, requested: f64, charged: f64) -> Assessment {
    classify(
        &engine(),
        json!({"id": "red", "text": "I would kindly ask you to consider this.",
               "request": {"kind": kind, "amount_requested": requested, "amount_charged": charged}}),
    )
}

#[test]
fn reduction_ratio_pins_0_99_1_0_1_01_and_the_absurd() {
    let a = reduction("fee_reduction", 9_900.0, 10_000.0);
    assert!(!a.has("unreasonable_reduction"));
    assert!(near_miss(
        &a,
        "unreasonable_reduction",
        MissReason::BelowThreshold
    ));
    assert_eq!(a.verdict, Verdict::NotHarassment);
    for requested in [10_000.0, 10_100.0] {
        let a = reduction("fee_reduction", requested, 10_000.0);
        assert!(fired(&a, "validity.reduction"), "{requested}");
        // An invalid request made politely.
        assert_eq!(a.verdict, Verdict::NeedsReview);
    }
    assert!(fired(
        &reduction("refund", 3_000.0, 3_000.0),
        "validity.reduction"
    ));
    // Repairs and exchanges are not reductions.
    assert!(!reduction("repair", 30_000.0, 3_000.0).has("unreasonable_reduction"));
    // Absurd from 100 times the charge, however politely: ¥100 million over a ¥3,000 cake.
    let a = reduction("compensation", 299_999.0, 3_000.0);
    assert!(!a.has("unreasonable_reduction"));
    for (kind, requested) in [
        ("compensation", 300_000.0),
        ("compensation", 100_000_000.0),
        ("refund", 1e12),
    ] {
        let a = reduction(kind, requested, 3_000.0);
        assert!(fired(&a, "validity.absurd"), "{kind} {requested}");
        assert_eq!(a.verdict, Verdict::Harassment);
    }
    // Nothing charged: any demand is unbounded.
    assert!(fired(&reduction("refund", 100.0, 0.0), "validity.absurd"));
    assert!(!reduction("refund", 0.0, 0.0).has("unreasonable_reduction"));
}

#[test]
fn absent_facts_never_fire_and_text_cues_stand_in() {
    let e = engine();
    let polite = "Could you refund the cleaning fee, please?";
    // Nothing known: nothing fires.
    let a = classify(
        &e,
        json!({"id": "v", "text": polite, "request": {"kind": "refund"}}),
    );
    for c in [
        "no_defect",
        "unrelated_request",
        "unreasonable_reduction",
        "excessive_demand",
    ] {
        assert!(!a.has(c), "{c}");
    }
    assert_eq!(a.verdict, Verdict::NotHarassment);
    // Facts.
    let a = classify(
        &e,
        json!({"id": "v", "text": polite, "request": {"kind": "refund", "defect_found": false}}),
    );
    assert!(fired(&a, "validity.no_defect"));
    assert_eq!(a.verdict, Verdict::NeedsReview);
    let a = classify(
        &e,
        json!({"id": "v", "text": polite, "request": {"kind": "information", "defect_found": false}}),
    );
    assert!(
        !a.has("no_defect"),
        "asking for information is not a demand"
    );
    let a = classify(
        &e,
        json!({"id": "v", "text": polite, "request": {"related_to_service": false}}),
    );
    assert!(fired(&a, "validity.unrelated"));
    assert_eq!(a.verdict, Verdict::NeedsReview);
    // Text cues stand in for absent facts.
    let a = classify(
        &e,
        json!({"id": "v", "text": format!("The inspection found no fault. {polite}"), "request": {"kind": "refund"}}),
    );
    assert!(fired(&a, "no_defect.en"), "{:?}", rules(&a));
    let a = classify(
        &e,
        json!({"id": "v", "text": "点検の結果、異常は見られませんでした。返金をお願いします。", "request": {"kind": "refund"}}),
    );
    assert!(fired(&a, "no_defect.ja"));
    let a = classify(
        &e,
        json!({"id": "v", "text": "当社とは無関係の隣家の騒音について対応を求められた。"}),
    );
    assert!(fired(&a, "unrelated.ja"));
    // A fact given beats the text.
    let a = classify(
        &e,
        json!({"id": "v", "text": format!("The inspection found no fault. {polite}"),
                               "request": {"kind": "refund", "defect_found": true}}),
    );
    assert!(!a.has("no_defect"));
}

#[test]
fn excessive_demand_needs_repetition() {
    let e = engine();
    let text = "Please also repaint my private balcony.";
    let once = json!({"id": "x1", "occurred_at": "2025-10-06T11:00:00+09:00", "text": text,
                      "request": {"kind": "other", "within_contract": false}});
    let a = classify(&e, once.clone());
    assert!(fired(&a, "validity.outside_contract"));
    assert_eq!(a.verdict, Verdict::NeedsReview, "{}", a.reason);
    let mut twice = once.clone();
    twice["contacts"] = json!([{"at": "2025-10-03T11:00:00+09:00"}]);
    let a = classify(&e, twice);
    assert!(fired(&a, "validity.outside_contract_repeated"));
    assert_eq!(a.verdict, Verdict::Harassment, "{}", a.reason);
    // Without the fact, 「契約外」 stands in; unknown is never false.
    let a = classify(
        &e,
        json!({"id": "x3", "text": "契約外の清掃を無償でやるよう求められた。"}),
    );
    assert!(fired(&a, "outside_contract.ja"), "{:?}", rules(&a));
    let a = classify(
        &e,
        json!({"id": "x4", "text": text, "request": {"kind": "other"}}),
    );
    assert!(!a.has("excessive_demand"));
    let a = classify(
        &e,
        json!({"id": "x5", "text": "契約外の清掃を求められた。", "request": {"within_contract": true}}),
    );
    assert!(!a.has("excessive_demand"));
}

// ---- off hours -----------------------------------------------------------------------------------

fn at(e: &Engine, when: &str) -> Assessment {
    classify(
        e,
        json!({"id": when, "channel": "phone", "occurred_at": when, "text": POLITE}),
    )
}

fn off(e: &Engine, when: &str) -> bool {
    at(e, when).has("off_hours_contact")
}

#[test]
fn business_hours_boundaries() {
    let e = engine();
    // Monday 2025-10-06.
    assert!(off(&e, "2025-10-06T08:59:00+09:00"));
    assert!(!off(&e, "2025-10-06T09:00:00+09:00"));
    assert!(!off(&e, "2025-10-06T17:59:00+09:00"));
    assert!(off(&e, "2025-10-06T18:00:00+09:00"));
    // Seconds do not move the boundary: 17:59:59 is in hours.
    assert!(!off(&e, "2025-10-06T17:59:59+09:00"));
    // The same instants written in UTC.
    assert!(off(&e, "2025-10-05T23:59:00Z"));
    assert!(!off(&e, "2025-10-06T00:00:00Z"));
    // Saturday and Sunday.
    assert!(off(&e, "2025-10-04T10:00:00+09:00"));
    assert!(off(&e, "2025-10-05T10:00:00+09:00"));
    // Late night 22:00-06:00.
    let rule = |when: &str| -> Vec<String> { rules(&at(&e, when)) };
    assert_eq!(
        rule("2025-10-06T21:59:00+09:00"),
        ["off_hours.outside_hours"]
    );
    assert_eq!(rule("2025-10-06T22:00:00+09:00"), ["off_hours.late_night"]);
    assert_eq!(rule("2025-10-07T05:59:00+09:00"), ["off_hours.late_night"]);
    assert_eq!(
        rule("2025-10-07T06:00:00+09:00"),
        ["off_hours.outside_hours"]
    );
    assert_eq!(rule("2025-10-04T23:30:00+09:00"), ["off_hours.late_night"]);
    // A single polite contact outside hours, even late at night, is at most needs review.
    for when in [
        "2025-10-06T18:00:00+09:00",
        "2025-10-07T02:00:00+09:00",
        "2025-10-04T10:00:00+09:00",
    ] {
        let a = at(&e, when);
        assert_eq!(a.verdict, Verdict::NeedsReview, "{when}");
    }
    // No time, no off-hours finding.
    let a = classify(&e, json!({"id": "t", "text": POLITE}));
    assert!(!a.has("off_hours_contact"));
}

#[test]
fn repeated_off_hours_contact_is_harassment() {
    let e = engine();
    let v = |contacts: Value| json!({"id": "r", "occurred_at": "2025-10-08T23:00:00+09:00", "text": POLITE, "contacts": contacts});
    // Two off-hours contacts in the week (this one included): a single-contact weight.
    let a = classify(&e, v(json!([{"at": "2025-10-06T22:30:00+09:00"}])));
    assert!(fired(&a, "off_hours.late_night"));
    assert_eq!(a.verdict, Verdict::NeedsReview);
    // Three.
    let a = classify(
        &e,
        v(json!([{"at": "2025-10-06T22:30:00+09:00"}, {"at": "2025-10-04T20:00:00+09:00"}])),
    );
    assert!(fired(&a, "off_hours.repeated"));
    assert_eq!(a.verdict, Verdict::Harassment);
    // In-hours contacts do not count toward it.
    let a = classify(
        &e,
        v(json!([{"at": "2025-10-06T12:30:00+09:00"}, {"at": "2025-10-07T10:00:00+09:00"}])),
    );
    assert!(!fired(&a, "off_hours.repeated"));
}

/// The Cabinet Office's lists of national holidays.
const HOLIDAYS: &[(i16, &[(i8, i8)])] = &[
    (
        2025,
        &[
            (1, 1),
            (1, 13),
            (2, 11),
            (2, 23),
            (2, 24),
            (3, 20),
            (4, 29),
            (5, 3),
            (5, 4),
            (5, 5),
            (5, 6),
            (7, 21),
            (8, 11),
            (9, 15),
            (9, 23),
            (10, 13),
            (11, 3),
            (11, 23),
            (11, 24),
        ],
    ),
    (
        2026,
        &[
            (1, 1),
            (1, 12),
            (2, 11),
            (2, 23),
            (3, 20),
            (4, 29),
            (5, 3),
            (5, 4),
            (5, 5),
            (5, 6),
            (7, 20),
            (8, 11),
            (9, 21),
            (9, 22),
            (9, 23),
            (10, 12),
            (11, 3),
            (11, 23),
        ],
    ),
    (
        2027,
        &[
            (1, 1),
            (1, 11),
            (2, 11),
            (2, 23),
            (3, 21),
            (3, 22),
            (4, 29),
            (5, 3),
            (5, 4),
            (5, 5),
            (7, 19),
            (8, 11),
            (9, 20),
            (9, 23),
            (10, 11),
            (11, 3),
            (11, 23),
        ],
    ),
];

fn year_end(d: Date) -> bool {
    matches!((d.month(), d.day()), (12, 29..=31) | (1, 1..=3))
}

fn ten_am(d: Date) -> String {
    format!("{d}T10:00:00+09:00")
}

#[test]
fn every_national_holiday_2025_to_2027_is_off_hours() {
    let e = engine();
    for &(year, days) in HOLIDAYS {
        for &(m, d) in days {
            let day = date(year, m, d);
            let a = at(&e, &ten_am(day));
            assert!(a.has("off_hours_contact"), "{day} is a national holiday");
            let observed = a.findings[0].evidence[0]
                .observed
                .clone()
                .unwrap_or_default();
            // New Year's Day is also a closure day, which the calendar names first.
            assert!(
                observed.contains("national holiday") || (m, d) == (1, 1),
                "{day}: {observed}"
            );
            // The ordinary weekdays around it are in hours.
            for step in [-1i64, 1] {
                let mut n = day;
                loop {
                    n = if step < 0 {
                        n.yesterday()
                    } else {
                        n.tomorrow()
                    }
                    .unwrap();
                    let listed = days.contains(&(n.month(), n.day())) && n.year() == year;
                    let weekend = matches!(n.weekday(), Weekday::Saturday | Weekday::Sunday);
                    if !listed && !weekend && !year_end(n) && n.year() == year {
                        assert!(
                            !off(&e, &ten_am(n)),
                            "{n}, next to the holiday {day}, is a working day"
                        );
                        break;
                    }
                    if n.year() != year {
                        break;
                    }
                }
            }
        }
    }
}

#[test]
fn the_whole_calendar_of_2025_to_2027_at_ten_am() {
    // Off exactly on weekends, the listed holidays and the year-end closure.
    let e = engine();
    for &(year, days) in HOLIDAYS {
        let mut d = date(year, 1, 1);
        while d.year() == year {
            let weekend = matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday);
            let expected = weekend || year_end(d) || days.contains(&(d.month(), d.day()));
            assert_eq!(off(&e, &ten_am(d)), expected, "{d} ({:?})", d.weekday());
            d = d.tomorrow().unwrap();
        }
    }
}

#[test]
fn the_year_end_closure() {
    let e = engine();
    assert!(!off(&e, "2025-12-26T10:00:00+09:00")); // Friday, open
    for d in ["2025-12-29", "2025-12-30", "2025-12-31", "2026-01-02"] {
        let a = at(&e, &format!("{d}T10:00:00+09:00"));
        assert!(a.has("off_hours_contact"), "{d}");
        let observed = a.findings[0].evidence[0].observed.clone().unwrap();
        assert!(observed.contains("company closure day"), "{d}: {observed}");
    }
    assert!(!off(&e, "2026-01-05T09:00:00+09:00")); // Monday, open again
    let a = at(&e, "2025-12-30T10:00:00+09:00");
    let threshold = a.findings[0].evidence[0].threshold.clone().unwrap();
    assert!(threshold.contains("12-29 to 01-03"), "{threshold}");
}

fn london() -> Engine {
    let rules_toml = r#"
[policy]
name = "london-office"
version = "1"
extends = "default"

[calendar]
time_zone = "Europe/London"
national_holidays = "none"
closed_every_year = ["12-25", "12-26"]
late_night = "22:00-06:00"

[calendar.hours]
mon = "09:00-18:00"
tue = "09:00-18:00"
wed = "09:00-18:00"
thu = "09:00-18:00"
fri = "09:00-18:00"
sat = "closed"
sun = "closed"
"#;
    let policy = Policy::from_sources(&[("london.toml", rules_toml)]).unwrap();
    EngineBuilder::new(policy)
        .near_misses(true)
        .build()
        .unwrap()
}

#[test]
fn a_calendar_in_europe_london_follows_dst() {
    let e = london();
    // 08:30 UTC is 09:30 BST in summer (open) and 08:30 GMT in winter (before opening).
    assert!(!off(&e, "2025-07-07T08:30:00Z"));
    assert!(off(&e, "2025-01-06T08:30:00Z"));
    // The Mondays after the changes (30 March and 26 October 2025).
    assert!(!off(&e, "2025-03-31T08:30:00Z"));
    assert!(off(&e, "2025-03-28T08:30:00Z"));
    assert!(off(&e, "2025-10-27T08:30:00Z"));
    assert!(!off(&e, "2025-10-24T08:30:00Z"));
    // Late night is local: 21:30 UTC is 22:30 BST but 21:30 GMT.
    assert_eq!(
        rules(&at(&e, "2025-07-07T21:30:00Z")),
        ["off_hours.late_night"]
    );
    assert_eq!(
        rules(&at(&e, "2025-01-06T21:30:00Z")),
        ["off_hours.outside_hours"]
    );
    // Japanese holidays are off for this policy; its own closures apply.
    assert!(!off(&e, "2025-11-24T10:00:00Z"));
    assert!(off(&e, "2025-12-25T10:00:00Z"));
    let a = at(&e, "2025-01-06T08:30:00Z");
    let ev = &a.findings[0].evidence[0];
    assert!(
        ev.observed
            .as_deref()
            .unwrap()
            .starts_with("Mon 2025-01-06 08:30"),
        "{ev:?}"
    );
    assert!(ev.threshold.as_deref().unwrap().contains("Europe/London"));
}

// ---- emergencies ---------------------------------------------------------------------------------

#[test]
fn emergencies_at_night_are_exempt() {
    let e = engine();
    let night = "2025-10-05T02:10:00+09:00";
    let cases = [
        (
            json!({"id": "f", "occurred_at": night, "emergency": true, "text": POLITE}),
            "off_hours.emergency",
        ),
        (
            json!({"id": "ja", "occurred_at": night, "text": "夜分に申し訳ありません、天井から水漏れしています。"}),
            "emergency.ja",
        ),
        (
            json!({"id": "ja2", "occurred_at": night, "text": "エレベーターに閉じ込められています。"}),
            "emergency.ja",
        ),
        (
            json!({"id": "en", "occurred_at": night, "text": "Sorry to call so late, there is water leaking through the ceiling."}),
            "emergency.en",
        ),
        (
            json!({"id": "en2", "occurred_at": night, "text": "I'm locked out of my room and it's freezing."}),
            "emergency.en",
        ),
    ];
    for (v, by) in cases {
        let a = classify(&e, v.clone());
        assert!(!a.has("off_hours_contact"), "{v}");
        assert_eq!(a.verdict, Verdict::NotHarassment, "{v}: {}", a.reason);
        let m = a
            .near_misses
            .iter()
            .find(|m| m.category.as_str() == "off_hours_contact")
            .unwrap_or_else(|| panic!("{v}: no near miss"));
        assert_eq!(m.reason, MissReason::EmergencyExemption);
        assert_eq!(m.by.as_ref().map(|r| r.as_str()), Some(by), "{v}");
        assert_eq!(m.evidence.rule.as_str(), "off_hours.late_night");
    }
    // Without near misses requested, none are listed.
    let a = Engine::default()
        .classify(&inc(
            json!({"id": "f", "occurred_at": night, "emergency": true}),
        ))
        .unwrap();
    assert!(a.near_misses.is_empty() && a.findings.is_empty());
    // The caller's `emergency: false` beats the text; a negated cue is no emergency.
    let a = classify(
        &e,
        json!({"id": "nf", "occurred_at": night, "emergency": false, "text": "水漏れの件で折り返しください。"}),
    );
    assert!(a.has("off_hours_contact"));
    let a = classify(
        &e,
        json!({"id": "neg", "occurred_at": night, "text": "This is not an emergency, but please call me back about the invoice."}),
    );
    assert!(a.has("off_hours_contact"), "{:?}", a.near_misses);
    assert_eq!(a.verdict, Verdict::NeedsReview);
}

// ---- stream history --------------------------------------------------------------------------------

/// Records of three customers (and some without one), interleaved, with listed contacts that
/// repeat earlier records, a late record, and a gap of more than a week before the last ones.
fn history_records() -> Vec<Incident> {
    let mut out = Vec::new();
    let mut push = |v: Value| out.push(inc(v));
    let day = |d: u32, h: u32, m: u32| format!("2025-10-{d:02}T{h:02}:{m:02}:00+09:00");
    for i in 0..6u32 {
        push(
            json!({"id": format!("A{i}"), "customer": "C-A", "channel": "phone",
                    "occurred_at": day(6, 10 + i, 0), "text": POLITE}),
        );
        push(
            json!({"id": format!("B{i}"), "customer": "C-B", "channel": "email",
                    "occurred_at": day(6 + i, 21, 30), "text": "Please call me back about my parcel."}),
        );
        if i % 2 == 0 {
            push(json!({"id": format!("N{i}"), "occurred_at": day(7, 9 + i, 0), "text": POLITE}));
        }
    }
    // C-C lists contacts that are also its own earlier records, and one arrives late.
    push(json!({"id": "C0", "customer": "C-C", "occurred_at": day(8, 11, 0), "text": POLITE}));
    push(
        json!({"id": "C2", "customer": "C-C", "occurred_at": day(8, 13, 0), "text": POLITE,
                "contacts": [{"at": day(8, 11, 0)}, {"at": day(8, 12, 30)}]}),
    );
    push(json!({"id": "C1", "customer": "C-C", "occurred_at": day(8, 12, 0), "text": POLITE}));
    push(
        json!({"id": "C3", "customer": "C-C", "occurred_at": day(8, 14, 0), "text": "I want a refund for the whole month.",
                "request": {"kind": "refund", "within_contract": false}}),
    );
    // More than a week later: history of the first weeks no longer counts.
    for i in 0..5u32 {
        push(
            json!({"id": format!("A-late{i}"), "customer": "C-A", "channel": "phone",
                    "occurred_at": day(28, 10 + i, 0), "text": POLITE}),
        );
    }
    out
}

#[test]
fn one_batch_one_stream_and_any_split_give_identical_json() {
    let records = history_records();
    let n = records.len();
    for engine in [engine(), Engine::default()] {
        let sequential: Vec<_> = {
            let mut s = engine.stream();
            records.iter().map(|r| s.classify(r)).collect()
        };
        let expected = json_of(&sequential);
        assert_eq!(json_of(&engine.classify_batch(&records)), expected);
        // One stream, fed in two batches split at every boundary, or record by record and in batches.
        for k in 0..=n {
            let mut s = engine.stream();
            let mut got = s.classify_batch(&records[..k]);
            got.extend(s.classify_batch(&records[k..]));
            assert_eq!(json_of(&got), expected, "split at {k}");
            let mut s = engine.stream();
            let mut got: Vec<_> = records[..k].iter().map(|r| s.classify(r)).collect();
            got.extend(s.classify_batch(&records[k..]));
            assert_eq!(json_of(&got), expected, "sequential then batch at {k}");
        }
        // Two separate streams are equivalent when no customer's history crosses between them:
        // split by customer ...
        let (mut s1, mut s2) = (engine.stream(), engine.stream());
        let by_customer: Vec<_> = records
            .iter()
            .map(|r| match r.customer.as_deref() {
                Some("C-A") | Some("C-C") => s1.classify(r),
                _ => s2.classify(r),
            })
            .collect();
        assert_eq!(json_of(&by_customer), expected);
        // ... or at a gap in time longer than every window (the late records of C-A).
        let gap = records.iter().position(|r| r.id == "A-late0").unwrap();
        let mut first = engine.classify_batch(&records[..gap]);
        first.extend(engine.classify_batch(&records[gap..]));
        assert_eq!(json_of(&first), expected);
    }
}

#[test]
fn history_counts_what_the_stream_has_seen() {
    let records = history_records();
    let results = engine().classify_batch(&records);
    let get = |id: &str| -> &Assessment {
        let i = records.iter().position(|r| r.id == id).unwrap();
        results[i].as_ref().unwrap()
    };
    // C-A: the 3rd and 4th contact of the day are a grey zone, the 5th and 6th persistent.
    assert!(!get("A1").has("persistent_contact"));
    assert_eq!(get("A2").verdict, Verdict::NeedsReview);
    assert_eq!(get("A3").verdict, Verdict::NeedsReview);
    assert_eq!(get("A4").verdict, Verdict::Harassment);
    assert!(fired(get("A5"), "persistence.day"));
    // Records without a customer have no history.
    assert!(!get("N4").has("persistent_contact"));
    // C-B: one late-night email a day; the third in a week is repeated off-hours contact.
    assert_eq!(get("B0").verdict, Verdict::NeedsReview);
    assert!(fired(get("B2"), "off_hours.repeated"));
    // C-C: listed contacts that repeat earlier records count once (11:00, 12:30, 13:00).
    assert!(fired(get("C2"), "persistence.day"));
    assert_eq!(score(get("C2"), "persistent_contact"), Some(0.35));
    // The late C1 (12:00) counts what came before it in time, not C2 at 13:00: 11:00 and itself.
    let c1 = get("C1");
    assert!(!c1.has("persistent_contact"));
    let m = c1
        .near_misses
        .iter()
        .find(|m| m.category.as_str() == "persistent_contact")
        .unwrap();
    assert_eq!(
        m.evidence.observed.as_deref(),
        Some("2 contacts in the 24 h up to this one")
    );
    // C3 (14:00) sees all five: 11:00, 12:00, 12:30, 13:00 and itself; and repeats a demand
    // beyond the contract.
    assert!(fired(get("C3"), "persistence.day"));
    assert!(fired(get("C3"), "validity.outside_contract_repeated"));
    // Three weeks later C-A starts afresh: the 3rd contact of that day is only a grey zone.
    assert!(!get("A-late1").has("persistent_contact"));
    assert_eq!(get("A-late2").verdict, Verdict::NeedsReview);
    assert!(fired(get("A-late4"), "persistence.day"));
}

#[test]
fn out_of_order_arrival_within_a_window() {
    let e = engine();
    let rec = |id: &str, hh: u32, dd: u32| {
        inc(
            json!({"id": id, "customer": "C-1", "occurred_at": format!("2025-10-{dd:02}T{hh:02}:00:00+09:00"), "text": POLITE}),
        )
    };
    // In time order 10, 11, 12, 13, 14; arriving 10, 12, 11, 14, 13.
    let arrival = [
        rec("t10", 10, 8),
        rec("t12", 12, 8),
        rec("t11", 11, 8),
        rec("t14", 14, 8),
        rec("t13", 13, 8),
    ];
    let mut s = e.stream();
    let got: Vec<Assessment> = arrival.iter().map(|r| s.classify(r).unwrap()).collect();
    // t11 arrives after t12 but counts only 10 and 11.
    assert!(!got[2].has("persistent_contact"));
    // t14 sees 10, 11, 12 and itself (t13 has not arrived): 4, a grey zone.
    assert_eq!(got[3].verdict, Verdict::NeedsReview);
    // t13 sees 10, 11, 12, 13 (not 14): 4.
    assert_eq!(got[4].verdict, Verdict::NeedsReview);
    // A record arriving two days late still sees the contacts of its day.
    let late = rec("late", 15, 8);
    let mut s = e.stream();
    for r in &arrival {
        s.classify(r).unwrap();
    }
    s.classify(&rec("later", 10, 10)).unwrap();
    let a = s.classify(&late).unwrap();
    assert!(fired(&a, "persistence.day"), "{:?}", rules(&a));
    // The same records in time order give the late record the same count.
    let mut s = e.stream();
    let mut in_order: Vec<&Incident> = arrival.iter().collect();
    in_order.sort_by_key(|r| r.occurred_at);
    for r in in_order {
        s.classify(r).unwrap();
    }
    assert_eq!(
        serde_json::to_string(&s.classify(&late).unwrap()).unwrap(),
        serde_json::to_string(&a).unwrap()
    );
}

#[test]
fn customers_are_independent_whatever_the_order_of_the_export() {
    // An export sorted by customer: the clock of the stream jumps back and forth in time, and
    // each customer still sees their own history.
    let e = engine();
    let rec = |c: &str, day: u32, h: u32| {
        inc(json!({"id": format!("{c}-{day}-{h}"), "customer": c,
                   "occurred_at": format!("2025-{day:02}-06T{h}:00:00+09:00"), "text": POLITE}))
    };
    let mut by_customer = Vec::new();
    for c in ["C-2026", "C-early", "C-late"] {
        let month = match c {
            "C-2026" => 12,
            "C-early" => 1,
            _ => 10,
        };
        for h in 10..15 {
            by_customer.push(rec(c, month, h));
        }
    }
    let mut by_time = by_customer.clone();
    by_time.sort_by_key(|r| r.occurred_at);
    let run = |records: &[Incident]| -> Vec<(String, String)> {
        let mut s = e.stream();
        let mut out: Vec<(String, String)> = records
            .iter()
            .map(|r| {
                (
                    r.id.clone(),
                    serde_json::to_string(&s.classify(r).unwrap()).unwrap(),
                )
            })
            .collect();
        out.sort();
        out
    };
    let sorted_by_customer = run(&by_customer);
    assert_eq!(sorted_by_customer, run(&by_time));
    // The fifth contact of each customer's day is persistent contact.
    let fifth: Vec<&(String, String)> = sorted_by_customer
        .iter()
        .filter(|(id, _)| id.ends_with("-14"))
        .collect();
    assert_eq!(fifth.len(), 3);
    for (id, a) in fifth {
        assert!(a.contains("persistence.day"), "{id}");
    }
}

// ---- edge cases ------------------------------------------------------------------------------------

#[test]
fn edge_cases_never_panic_and_mean_what_they_say() {
    let e = engine();
    // No occurred_at: the listed contacts still count, up to the latest of them.
    let listed: Vec<Value> = (10..15)
        .map(|h| json!({"at": format!("2025-10-06T{h}:00:00+09:00")}))
        .collect();
    let a = classify(
        &e,
        json!({"id": "no-time", "text": POLITE, "contacts": listed}),
    );
    assert!(fired(&a, "persistence.day"));
    assert!(!a.has("off_hours_contact"));
    // Contacts in the future of the record do not count.
    let future: Vec<Value> = (11..17)
        .map(|h| json!({"at": format!("2025-10-06T{h}:00:00+09:00")}))
        .collect();
    let a = classify(
        &e,
        json!({"id": "future", "occurred_at": "2025-10-06T10:00:00+09:00", "text": POLITE, "contacts": future}),
    );
    assert!(!a.has("persistent_contact"));
    // Duplicate timestamps are one contact.
    let dup: Vec<Value> = (0..8)
        .map(|_| json!({"at": "2025-10-06T10:00:00+09:00", "channel": "phone"}))
        .collect();
    let a = classify(
        &e,
        json!({"id": "dup", "occurred_at": "2025-10-06T11:00:00+09:00", "text": POLITE, "contacts": dup}),
    );
    assert!(!a.has("persistent_contact"));
    // The edges of time.
    for when in [
        "9999-12-30T21:59:59Z",
        "9999-12-31T06:00:00+09:00",
        "-009999-01-02T01:59:59Z",
        "0001-01-01T00:00:00Z",
    ] {
        let v = json!({"id": when, "customer": "edge", "occurred_at": when, "duration_minutes": u32::MAX,
                       "text": "Please call me back.", "contacts": [{"at": when}, {"at": "-009999-01-02T01:59:59Z"}, {"at": "9999-12-30T21:59:59Z"}]});
        let Ok(r) = Incident::from_json(&v.to_string()) else {
            continue;
        };
        assert!(e.classify(&r).is_ok(), "{when}");
        let mut s = e.stream();
        for _ in 0..3 {
            assert!(s.classify(&r).is_ok(), "{when}");
        }
        assert_eq!(json_of(&e.classify_batch(&[r.clone(), r.clone()])).len(), 2);
    }
    // A stream that has seen the year 9999 keeps working for ordinary records.
    let mut s = e.stream();
    s.classify(&inc(
        json!({"id": "far", "customer": "C", "occurred_at": "9999-12-30T00:00:00Z"}),
    ))
    .unwrap();
    let a = s.classify(&same_day_customer()).unwrap();
    assert!(a.has("persistent_contact"));
    // Huge amounts and counts.
    let a = classify(
        &e,
        json!({"id": "amt", "request": {"kind": "refund", "amount_requested": 1e300, "amount_charged": 1e-300}}),
    );
    assert!(fired(&a, "validity.absurd"));
    let a = classify(
        &e,
        json!({"id": "n", "text": "He called 99999999999999999999999 times this week."}),
    );
    assert!(a.has("persistent_contact"));
}

fn same_day_customer() -> Incident {
    let mut v = same_day(5);
    v["customer"] = json!("C");
    inc(v)
}

#[test]
fn very_many_contacts() {
    let e = engine();
    let max = kasuhara::limits::MAX_CONTACTS;
    let start: jiff::Timestamp = "2025-10-01T00:00:00Z".parse().unwrap();
    let contacts: Vec<Value> = (0..max as i64)
        .map(|i| json!({"at": start.checked_add(jiff::SignedDuration::from_secs(i * 7)).unwrap().to_string()}))
        .collect();
    let v = json!({"id": "many", "customer": "bot", "occurred_at": "2025-10-08T23:00:00Z", "contacts": contacts});
    let r = inc(v.clone());
    let a = e.classify(&r).unwrap();
    assert!(fired(&a, "persistence.day") && fired(&a, "off_hours.repeated"));
    // The stream keeps at most its limit per customer and still counts them.
    let mut s = e.stream();
    s.classify(&r).unwrap();
    let next = inc(json!({"id": "next", "customer": "bot", "occurred_at": "2025-10-08T23:30:00Z"}));
    assert!(s.classify(&next).unwrap().has("persistent_contact"));
    // One more than the limit is refused, naming the field.
    let mut too_many = v;
    too_many["contacts"]
        .as_array_mut()
        .unwrap()
        .push(json!({"at": "2025-10-01T00:00:00Z"}));
    let err = e.classify(&inc(too_many)).unwrap_err();
    assert_eq!(err.field(), "contacts");
}

// ---- the shipped behaviour cases -------------------------------------------------------------------

#[test]
fn behaviour_cases_pass_and_cover_every_behaviour_rule() {
    let cases = Cases::from_sources(&[(
        "rules/cases/behaviour.toml",
        include_str!("../rules/cases/behaviour.toml"),
    )])
    .unwrap();
    let report = cases.run(&Engine::default());
    report.assert_passed();
    // At least five Japanese and five English cases that expect each category.
    for category in [
        "off_hours_contact",
        "persistent_contact",
        "prolonged_restraint",
        "no_defect",
        "unrelated_request",
        "unreasonable_reduction",
        "excessive_demand",
    ] {
        for lang in ["ja", "en"] {
            let n = cases
                .cases()
                .iter()
                .filter(|c| c.lang == lang && c.expect.categories.iter().any(|x| x == category))
                .count();
            assert!(n >= 5, "{category}: only {n} {lang} cases");
        }
    }
    // Every behaviour rule and every count, duration and fact cue is exercised.
    let policy = Policy::default();
    let mine = |id: &str| {
        [
            "off_hours.",
            "duration.",
            "validity.",
            "persistence.",
            "count.",
            "no_defect.",
            "outside_contract.",
            "unrelated.",
        ]
        .iter()
        .any(|p| id.starts_with(p))
    };
    let missing: Vec<String> = report
        .unexercised_rules()
        .iter()
        .map(|r| r.to_string())
        .filter(|r| mine(r))
        .collect();
    assert!(missing.is_empty(), "not exercised: {missing:?}");
    assert!(
        policy
            .rule_ids()
            .iter()
            .filter(|r| mine(r.as_str()))
            .count()
            > 30
    );
}

#[test]
fn a_defamation_hit_on_the_words_of_a_post_is_evidence_of_online_defamation() {
    let e = engine();
    let evidence_of = |a: &Assessment, category: &str| -> Vec<(String, String)> {
        a.findings
            .iter()
            .filter(|f| f.category.as_str() == category)
            .flat_map(|f| &f.evidence)
            .map(|e| (e.rule.to_string(), e.excerpt.clone().unwrap_or_default()))
            .collect()
    };
    // The claim joins the post by a space, by quotes, by a colon: it is the post's content.
    for text in [
        "I'm going to tell everyone on Facebook that your manager is a thief.",
        "I'll leave a bad review \"your manager is a thief\".",
        "One-star review: you are a fraud",
        "SNSに「ここの店長は詐欺師」と書き込んでやるからな。",
    ] {
        let a = classify(&e, json!({"id": "y", "text": text}));
        assert_eq!(score(&a, "defamation"), None, "{text}: {a:#?}");
        // The claim is cited under online defamation: by its own rule, or inside the post's
        // excerpt when the post's hit holds it.
        let online = evidence_of(&a, "online_defamation");
        assert!(
            online
                .iter()
                .any(|(rule, excerpt)| rule.starts_with("defamation.")
                    || ["thief", "fraud", "詐欺師"]
                        .iter()
                        .any(|w| excerpt.contains(w))),
            "{text}: the claim is not cited as online defamation: {online:?}"
        );
        // The claim keeps its weight: a strong claim in a weakly worded post is harassment.
        assert_eq!(a.verdict, Verdict::Harassment, "{text}: {a:#?}");
    }
    // In an utterance the same holds; across two utterances it does not.
    let a = classify(
        &e,
        json!({"id": "u1", "utterances": [
            {"speaker": "customer", "text": "I'm going to tell everyone on Facebook that your manager is a thief."}]}),
    );
    assert_eq!(score(&a, "defamation"), None, "{a:#?}");
    let a = classify(
        &e,
        json!({"id": "u2", "utterances": [
            {"speaker": "customer", "text": "Your manager is a thief and a liar."},
            {"speaker": "customer", "text": "I'll post about this on Facebook."}]}),
    );
    assert!(score(&a, "defamation").is_some(), "{a:#?}");
    assert!(score(&a, "online_defamation").is_some(), "{a:#?}");

    // The same claim made to neighbours, apart from the post, is still defamation; so is one on
    // another line, or far from it.
    for text in [
        "He told the neighbours our manager is a thief and said he would post it on Instagram too.",
        "Your manager is a thief.\nI will put you on blast on Twitter.",
    ] {
        let a = classify(&e, json!({"id": "y2", "text": text}));
        assert!(score(&a, "defamation").is_some(), "{text}: {a:#?}");
        assert!(score(&a, "online_defamation").is_some(), "{text}: {a:#?}");
    }
}
