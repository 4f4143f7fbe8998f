//! The plain serde mirror of the TOML rule files (`deny_unknown_fields`): what a file says,
//! before validation. Spanned fields keep byte offsets so errors can name line and column.

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// One rule file. Every section is optional; a policy is the union of its files.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFile {
    pub policy: Option<Spanned<RawMeta>>,
    pub verdict: Option<Spanned<RawVerdict>>,
    pub severity: Option<Spanned<RawSeverity>>,
    pub calendar: Option<Spanned<RawCalendar>>,
    pub off_hours: Option<Spanned<RawOffHours>>,
    pub persistence: Option<Spanned<RawPersistence>>,
    pub duration: Option<Spanned<RawDuration>>,
    pub validity: Option<Spanned<RawValidity>>,
    pub text: Option<Spanned<RawText>>,
    pub templates: Option<Spanned<RawTemplates>>,
    #[serde(default)]
    pub response: Vec<RawResponse>,
    #[serde(default)]
    pub category: Vec<RawCategory>,
    #[serde(default)]
    pub entry: Vec<RawEntry>,
    #[serde(default)]
    pub cue: Vec<RawCue>,
    #[serde(default)]
    pub exception: Vec<RawException>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMeta {
    pub name: Spanned<String>,
    pub version: Spanned<String>,
    /// Where the policy comes from, for the record.
    #[serde(default)]
    #[allow(dead_code)]
    pub source: Option<String>,
    /// `"default"`: start from the embedded default policy and add this directory's rules.
    #[serde(default)]
    pub extends: Option<Spanned<String>>,
    /// Rule ids of the extended policy to switch off.
    #[serde(default)]
    pub disable: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVerdict {
    pub harassment: Spanned<f64>,
    pub review: Spanned<f64>,
    pub invalid_request: Spanned<f64>,
    pub absurd_request: Spanned<f64>,
    pub severe: Spanned<f64>,
    pub repeated_hits: Spanned<i64>,
    pub responses: RawVerdictResponses,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVerdictResponses {
    pub harassment: Vec<Spanned<String>>,
    pub needs_review: Vec<Spanned<String>>,
    pub not_harassment: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSeverity {
    pub high: Spanned<f64>,
    pub medium: Spanned<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCalendar {
    pub time_zone: Spanned<String>,
    /// `"jp"` for the computed Japanese national holidays, `"none"` for no public holidays.
    pub national_holidays: Spanned<String>,
    /// Yearly closure days as `MM-DD`.
    #[serde(default)]
    pub closed_every_year: Vec<Spanned<String>>,
    /// One-off closure days as `YYYY-MM-DD`.
    #[serde(default)]
    pub closed_dates: Vec<Spanned<String>>,
    /// One-off working days as `YYYY-MM-DD` (open with the hours of their weekday).
    #[serde(default)]
    pub open_dates: Vec<Spanned<String>>,
    /// `HH:MM-HH:MM`, may wrap past midnight.
    pub late_night: Spanned<String>,
    /// Weekday (`mon`..`sun`) to `HH:MM-HH:MM` or `closed`.
    pub hours: Spanned<BTreeMap<String, Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOffHours {
    pub category: Spanned<String>,
    pub weight: Spanned<f64>,
    pub late_night_weight: Spanned<f64>,
    pub repeated: Spanned<i64>,
    pub repeated_weight: Spanned<f64>,
    pub window_hours: Spanned<i64>,
    /// Only contacts by these channels count (empty: all, and a contact of unknown channel).
    #[serde(default)]
    pub channels: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPersistence {
    pub category: Spanned<String>,
    pub weight: Spanned<f64>,
    pub review_weight: Spanned<f64>,
    #[serde(default)]
    pub emergency_exempt: bool,
    pub window: Vec<RawWindow>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWindow {
    pub id: Spanned<String>,
    pub hours: Spanned<i64>,
    pub review: Spanned<i64>,
    pub fire: Spanned<i64>,
    /// Channels this window counts; empty = all.
    #[serde(default)]
    pub channels: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDuration {
    pub category: Spanned<String>,
    pub long_minutes: Spanned<f64>,
    pub restrictive_minutes: Spanned<f64>,
    pub long_weight: Spanned<f64>,
    pub restrictive_weight: Spanned<f64>,
    /// How many chars may lie between a duration stated in text and the customer's conduct it
    /// is tied to (absent: anywhere in the same sentence).
    #[serde(default)]
    pub tie_within: Option<Spanned<i64>>,
    /// Per-channel thresholds that replace the two above for that channel.
    #[serde(default)]
    pub channel: Vec<RawChannelDuration>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawChannelDuration {
    pub channel: Spanned<String>,
    pub long_minutes: Spanned<f64>,
    pub restrictive_minutes: Spanned<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawValidity {
    pub no_defect: RawNoDefect,
    pub unrelated: RawSimple,
    pub reduction: RawReduction,
    pub excess: RawExcess,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSimple {
    pub category: Spanned<String>,
    pub weight: Spanned<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNoDefect {
    pub category: Spanned<String>,
    pub weight: Spanned<f64>,
    /// Request kinds that are demands (a demand without a defect lacks validity).
    pub kinds: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawReduction {
    pub category: Spanned<String>,
    pub kinds: Vec<Spanned<String>>,
    pub ratio: Spanned<f64>,
    pub weight: Spanned<f64>,
    pub absurd_kinds: Vec<Spanned<String>>,
    pub absurd_ratio: Spanned<f64>,
    pub absurd_weight: Spanned<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExcess {
    pub category: Spanned<String>,
    pub weight: Spanned<f64>,
    pub repeated: Spanned<i64>,
    pub repeated_weight: Spanned<f64>,
    /// How far back earlier contacts count as repetition; absent: the longest persistence window.
    #[serde(default)]
    pub window_hours: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawText {
    pub max_hits_per_rule: Spanned<i64>,
    pub max_text_bytes: Spanned<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTemplates {
    pub finding: RawLangText,
    pub near_miss: RawLangText,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLangText {
    pub en: String,
    pub ja: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawResponse {
    pub id: Spanned<String>,
    pub en: String,
    pub ja: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCategory {
    pub id: Spanned<String>,
    pub prong: Spanned<String>,
    #[serde(default)]
    pub basis: Option<Spanned<String>>,
    pub weight: Spanned<f64>,
    pub name: RawLangText,
    pub clause: RawLangText,
    #[serde(default)]
    pub section: Option<String>,
    pub responses: Vec<Spanned<String>>,
    #[serde(default)]
    pub explanation: Option<RawLangText>,
    /// Categories whose hits on the same words take this category's hits.
    #[serde(default)]
    pub yields_to: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEntry {
    pub id: Spanned<String>,
    pub category: Spanned<String>,
    pub weight: Spanned<f64>,
    #[serde(default)]
    pub lang: Option<Spanned<String>>,
    #[serde(default)]
    pub phrases: Vec<Spanned<String>>,
    #[serde(default)]
    pub regex: Option<Spanned<String>>,
    #[serde(default)]
    pub boundary: Option<Spanned<String>>,
    /// `katakana`: the hit counts only where the original text is written in katakana
    /// (カス, not the かす of 動かす).
    #[serde(default)]
    pub script: Option<Spanned<String>>,
    /// A regex that, matching right after a hit, gives it another sense: the hit does not count
    /// ("chinese" + " restaurant").
    #[serde(default)]
    pub not_followed_by: Option<Spanned<String>>,
    /// For people reading the file; the engine ignores it.
    #[serde(default)]
    #[allow(dead_code)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCue {
    pub id: Spanned<String>,
    pub kind: Spanned<String>,
    #[serde(default)]
    pub lang: Option<Spanned<String>>,
    #[serde(default)]
    pub phrases: Vec<Spanned<String>>,
    #[serde(default)]
    pub regex: Option<Spanned<String>>,
    #[serde(default)]
    pub boundary: Option<Spanned<String>>,
    /// For negation cues: `before` or `after` the hit.
    #[serde(default)]
    pub scope: Option<Spanned<String>>,
    /// For negation cues: how many characters from the hit the cue may be.
    #[serde(default)]
    pub within: Option<Spanned<i64>>,
    /// For negation cues: the categories it applies to (empty = all text categories).
    #[serde(default)]
    pub applies_to: Vec<Spanned<String>>,
    /// For count and duration cues: the fixed value when the regex captures no `n`.
    #[serde(default)]
    pub value: Option<Spanned<f64>>,
    /// For count cues: the window the count is stated over, in hours.
    #[serde(default)]
    pub window_hours: Option<Spanned<i64>>,
    /// For duration cues: minutes per unit of `n` (60 for hours).
    #[serde(default)]
    pub unit_minutes: Option<Spanned<f64>>,
    /// For people reading the file; the engine ignores it.
    #[serde(default)]
    #[allow(dead_code)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawException {
    pub id: Spanned<String>,
    #[serde(default)]
    pub phrases: Vec<Spanned<String>>,
    /// A harmless context written as a regex ("touched her (car|bag|…)").
    #[serde(default)]
    pub regex: Option<Spanned<String>>,
    /// For people reading the file; the engine ignores it.
    #[serde(default)]
    #[allow(dead_code)]
    pub note: Option<String>,
}
