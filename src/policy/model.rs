//! The validated, typed policy: what a loaded rule set means. Fields are private so a policy can
//! only come from the loader, which guarantees it compiles and runs.

use crate::report::Text;
use regex_automata::meta::Regex;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::{Arc, OnceLock};

/// A category id such as `threat` or a company's own `stalking` (snake_case, from the rule files).
///
/// ```
/// use kasuhara::{CategoryId, Policy};
/// let policy = Policy::default();
/// let threat = policy.category(&CategoryId::new("threat")).unwrap();
/// assert_eq!(threat.id().as_str(), "threat");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CategoryId(Arc<str>);

impl CategoryId {
    /// Wraps a category id.
    ///
    /// ```
    /// assert_eq!(kasuhara::CategoryId::new("insult").as_str(), "insult");
    /// ```
    pub fn new(id: impl Into<String>) -> Self {
        CategoryId(Arc::from(id.into()))
    }
    /// The id as written in the rule files and in JSON.
    ///
    /// ```
    /// assert_eq!(kasuhara::CategoryId::new("sexual").as_str(), "sexual");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CategoryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The id of a rule (lexicon entry, cue, exception or behavioural rule) such as `threat.kill.ja`.
///
/// ```
/// assert_eq!(kasuhara::RuleId::new("threat.kill.ja").as_str(), "threat.kill.ja");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RuleId(Arc<str>);

impl RuleId {
    /// Wraps a rule id.
    ///
    /// ```
    /// let id = kasuhara::RuleId::new("insult.baka.ja");
    /// assert_eq!(id.to_string(), "insult.baka.ja");
    /// ```
    pub fn new(id: impl Into<String>) -> Self {
        RuleId(Arc::from(id.into()))
    }
    /// The id as written in the rule files.
    ///
    /// ```
    /// assert_eq!(kasuhara::RuleId::new("a.b").as_str(), "a.b");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The two prongs of the MHLW definition.
///
/// ```
/// use kasuhara::Prong;
/// assert_eq!(serde_json::to_string(&Prong::Conduct).unwrap(), "\"conduct\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Prong {
    /// The request lacks validity or reasonableness.
    Validity,
    /// The means or manner of the conduct is socially inappropriate.
    Conduct,
}

/// Whether conduct is inappropriate whatever the request, or judged in light of its validity.
///
/// ```
/// use kasuhara::{Basis, CategoryId, Policy};
/// let p = Policy::default();
/// assert_eq!(p.category(&CategoryId::new("money_demand")).unwrap().basis(), Basis::Relative);
/// assert_eq!(p.category(&CategoryId::new("threat")).unwrap().basis(), Basis::Always);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Inappropriate on its own.
    Always,
    /// Ordinary over a valid complaint; counts when the request lacks validity or the conduct is
    /// repeated or severe.
    Relative,
}

/// How serious a finding is, from its score and the policy's severity bands.
///
/// ```
/// use kasuhara::Severity;
/// assert!(Severity::High > Severity::Low);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Below the medium band.
    Low,
    /// At or above the medium band.
    Medium,
    /// At or above the high band.
    High,
}

/// The language of explanations and responses.
///
/// ```
/// use kasuhara::Lang;
/// assert_eq!("ja".parse::<Lang>().unwrap(), Lang::Ja);
/// assert!("fr".parse::<Lang>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Japanese.
    Ja,
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "en" => Ok(Lang::En),
            "ja" => Ok(Lang::Ja),
            other => Err(format!("unknown language `{other}`, expected `en` or `ja`")),
        }
    }
}

/// A text in English and Japanese.
///
/// ```
/// use kasuhara::{CategoryId, Lang, Policy};
/// let p = Policy::default();
/// let name = p.category(&CategoryId::new("kneel_demand")).unwrap().name();
/// assert!(name.get(Lang::Ja).contains("土下座"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LangText {
    pub(crate) en: Text,
    pub(crate) ja: Text,
}

impl LangText {
    /// The text in `lang`.
    ///
    /// ```
    /// # use kasuhara::{CategoryId, Lang, Policy};
    /// # let p = Policy::default();
    /// let clause = p.category(&CategoryId::new("threat")).unwrap().clause();
    /// assert!(!clause.get(Lang::En).is_empty());
    /// ```
    pub fn get(&self, lang: Lang) -> &str {
        self.shared(lang)
    }

    /// The text in `lang`, shared: for output that cites it.
    pub(crate) fn shared(&self, lang: Lang) -> &Text {
        match lang {
            Lang::En => &self.en,
            Lang::Ja => &self.ja,
        }
    }
}

/// A category of the policy: its prong, basis, weight, clause and recommended responses.
///
/// ```
/// use kasuhara::{Policy, Prong};
/// let p = Policy::default();
/// assert_eq!(p.categories().len(), 19);
/// assert!(p.categories().iter().any(|c| c.prong() == Prong::Validity));
/// ```
#[derive(Debug, Clone)]
pub struct Category {
    pub(crate) id: CategoryId,
    pub(crate) prong: Prong,
    pub(crate) basis: Basis,
    pub(crate) weight: f64,
    pub(crate) name: LangText,
    pub(crate) clause: LangText,
    pub(crate) section: Option<Text>,
    pub(crate) responses: Vec<usize>,
    pub(crate) explanation: Option<LangText>,
    /// The categories (indices) whose hits on the same words take this category's hits.
    pub(crate) yields_to: Vec<usize>,
}

impl Category {
    /// The category id.
    ///
    /// ```
    /// # let p = kasuhara::Policy::default();
    /// assert_eq!(p.categories()[0].id().as_str(), "no_defect");
    /// ```
    pub fn id(&self) -> &CategoryId {
        &self.id
    }
    /// The prong this category belongs to.
    ///
    /// ```
    /// # let p = kasuhara::Policy::default();
    /// assert_eq!(p.categories()[0].prong(), kasuhara::Prong::Validity);
    /// ```
    pub fn prong(&self) -> Prong {
        self.prong
    }
    /// `always` or `relative` (validity categories are `always`).
    ///
    /// ```
    /// # let p = kasuhara::Policy::default();
    /// assert_eq!(p.categories()[0].basis(), kasuhara::Basis::Always);
    /// ```
    pub fn basis(&self) -> Basis {
        self.basis
    }
    /// The multiplier applied to the category's evidence, in `(0, 1]`.
    ///
    /// ```
    /// # let p = kasuhara::Policy::default();
    /// assert!(p.categories().iter().all(|c| c.weight() > 0.0 && c.weight() <= 1.0));
    /// ```
    pub fn weight(&self) -> f64 {
        self.weight
    }
    /// Display name in English and Japanese.
    ///
    /// ```
    /// # let p = kasuhara::Policy::default();
    /// assert!(!p.categories()[0].name().get(kasuhara::Lang::En).is_empty());
    /// ```
    pub fn name(&self) -> &LangText {
        &self.name
    }
    /// The policy clause this category rests on.
    ///
    /// ```
    /// # let p = kasuhara::Policy::default();
    /// assert!(!p.categories()[0].clause().get(kasuhara::Lang::Ja).is_empty());
    /// ```
    pub fn clause(&self) -> &LangText {
        &self.clause
    }
    /// The company's own section id for the clause, when the rule file gives one.
    ///
    /// ```
    /// # let p = kasuhara::Policy::default();
    /// assert!(p.categories().iter().all(|c| c.section().is_some()));
    /// ```
    pub fn section(&self) -> Option<&str> {
        self.section.as_deref()
    }
}

/// How a literal phrase must sit in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Boundary {
    /// Word boundaries where the phrase starts or ends with a letter or digit of a spaced script;
    /// a trailing `*` in the phrase allows any continuation ("fuck*" → "fucking").
    Auto,
    /// Anywhere, even inside a longer word.
    None,
}

/// Literal phrases and/or one regex, matched over normalized text.
#[derive(Debug, Clone)]
pub(crate) struct Patterns {
    pub phrases: Vec<String>,
    /// Each phrase normalized (without a trailing `*`), as the loader checked it.
    pub normalized: Vec<String>,
    pub regex: Option<Arc<RuleRegex>>,
    pub boundary: Boundary,
}

/// A rule's regex: checked when the policy loads (syntax, size, nesting, empty matches) and
/// compiled for searching the first time a record needs it. Compiling every rule regex up front
/// was most of the time a policy took to load, and most rules never match most records: a regex
/// runs (and compiles) only on text where the engine's automaton found all its `triggers` groups.
#[derive(Debug)]
pub(crate) struct RuleRegex {
    /// The pattern as the regex sees it (`\b` already made ASCII).
    pub source: String,
    /// What every match contains, so the matcher can skip text without it.
    pub needs: crate::text::matcher::Needs,
    /// Whether it has an `n` group (a count or duration).
    pub has_n: bool,
    /// Whether it has a `hit` group (the evidence span within the match).
    pub has_hit: bool,
    /// Groups of literals, read from its syntax, such that every match holds a literal of each
    /// group: the regex runs only on text where the matcher's automaton found all its groups.
    /// Empty: nothing selective, it always runs.
    pub triggers: Vec<Vec<Vec<u8>>>,
    /// Whether the regex engine should look for where matches start with its own literal search
    /// ([`crate::text::matcher::prefilter_pays`]).
    pub prefilter: bool,
    compiled: OnceLock<Regex>,
}

impl RuleRegex {
    /// A regex the loader has checked.
    pub(crate) fn checked(
        source: String,
        needs: crate::text::matcher::Needs,
        has_n: bool,
        has_hit: bool,
        triggers: Vec<Vec<Vec<u8>>>,
        prefilter: bool,
    ) -> Self {
        RuleRegex {
            source,
            needs,
            has_n,
            has_hit,
            triggers,
            prefilter,
            compiled: OnceLock::new(),
        }
    }

    /// The compiled regex, compiled on first use.
    pub(crate) fn get(&self) -> &Regex {
        self.compiled.get_or_init(|| {
            // `regex::Regex`'s settings (leftmost-first, UTF-8 spans) on the meta regex beneath
            // it, which also lets the prefilter be turned off.
            //
            // The loader checked the syntax and the size of the forward automaton against
            // `REGEX_SIZE_LIMIT`; the regex's other automata are of the same order, so the
            // second attempt cannot fail on size. The last resort matches nothing and is
            // unreachable for a checked pattern.
            let build = |limit: usize, source: &str| {
                Regex::builder()
                    .configure(
                        Regex::config()
                            .match_kind(regex_automata::MatchKind::LeftmostFirst)
                            .utf8_empty(true)
                            .auto_prefilter(self.prefilter)
                            .nfa_size_limit(Some(limit))
                            .hybrid_cache_capacity(crate::limits::REGEX_SIZE_LIMIT),
                    )
                    .syntax(
                        regex_automata::util::syntax::Config::new()
                            .utf8(true)
                            .nest_limit(crate::limits::REGEX_NEST_LIMIT),
                    )
                    .build(source)
                    .ok()
            };
            build(crate::limits::REGEX_SIZE_LIMIT, &self.source)
                .or_else(|| build(usize::MAX, &self.source))
                .or_else(|| build(usize::MAX, NEVER))
                .unwrap_or_else(|| unreachable!("a regex that matches nothing always compiles"))
        })
    }
}

/// `RuleRegex::get`'s last resort, for a pattern that passed the loader's check but would not
/// compile (none is known): a regex that matches nothing.
pub(crate) const NEVER: &str = r"[^\s\S]";

/// A lexicon entry: text evidence for a category.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub id: RuleId,
    pub category: usize,
    pub weight: f64,
    pub patterns: Patterns,
    /// The hit counts only where the original text is katakana.
    pub katakana_only: bool,
    /// Anchored at the end of a hit (`\A(?:…)`): where it matches, the hit has another sense.
    pub not_followed_by: Option<Arc<RuleRegex>>,
}

/// Where a negation cue must sit relative to the hit it cancels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    Before,
    After,
}

/// What a cue tells the engine.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CueKind {
    /// An emergency (gas, water leak, fire, locked out): exempts off-hours contact.
    Emergency,
    /// Cancels text hits of `applies_to` (all text categories when empty) within `within` chars.
    Negation {
        scope: Scope,
        within: usize,
        applies_to: Vec<usize>,
    },
    /// Attributes text hits of `applies_to` to someone other than the customer: a third party
    /// named as the subject (「隣の部屋の人が」, "your porter was ..."), within `within` chars.
    ThirdParty {
        scope: Scope,
        within: usize,
        applies_to: Vec<usize>,
    },
    /// A count of contacts stated in text, over `window_hours`.
    ContactCount {
        window_hours: i64,
        value: Option<f64>,
    },
    /// A duration stated in text, `n × unit_minutes`.
    Duration {
        unit_minutes: f64,
        value: Option<f64>,
    },
    /// Text says no defect was found (stands in for `defect_found: false`).
    NoDefect,
    /// Text says the demand is outside the contract (stands in for `within_contract: false`).
    OutsideContract,
    /// Text says the request is unrelated to the service (stands in for `related_to_service: false`).
    Unrelated,
}

/// A cue: text that is not evidence of a category but changes how signals are read.
#[derive(Debug, Clone)]
pub(crate) struct Cue {
    pub id: RuleId,
    pub kind: CueKind,
    pub patterns: Patterns,
}

/// Phrases inside which no lexicon hit counts ("バカンス", "kill time").
#[derive(Debug, Clone)]
pub(crate) struct Exception {
    pub id: RuleId,
    pub phrases: Vec<String>,
    /// Each phrase normalized, as the loader checked it.
    pub normalized: Vec<String>,
    pub regex: Option<Arc<RuleRegex>>,
}

/// A recommended response from the manual's response patterns.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub id: Text,
    pub text: LangText,
}

/// Verdict thresholds.
#[derive(Debug, Clone)]
pub(crate) struct VerdictRules {
    pub harassment: f64,
    pub review: f64,
    pub invalid_request: f64,
    pub absurd_request: f64,
    pub severe: f64,
    pub repeated_hits: usize,
    pub responses_harassment: Vec<usize>,
    pub responses_review: Vec<usize>,
    pub responses_none: Vec<usize>,
}

/// Severity bands on a finding's score.
#[derive(Debug, Clone)]
pub(crate) struct SeverityBands {
    pub high: f64,
    pub medium: f64,
}

/// Opening hours of one weekday, minutes from midnight, `open < close`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hours {
    pub open: u16,
    pub close: u16,
}

/// The business calendar.
#[derive(Debug, Clone)]
pub(crate) struct CalendarRules {
    pub time_zone_name: String,
    pub time_zone: jiff::tz::TimeZone,
    pub japanese_holidays: bool,
    pub closed_every_year: Vec<(i8, i8)>,
    pub closed_dates: Vec<jiff::civil::Date>,
    pub open_dates: Vec<jiff::civil::Date>,
    /// Minutes from midnight; `start > end` wraps past midnight.
    pub late_night: (u16, u16),
    /// Monday first.
    pub hours: [Option<Hours>; 7],
}

#[derive(Debug, Clone)]
pub(crate) struct OffHoursRules {
    pub category: usize,
    pub weight: f64,
    pub late_night_weight: f64,
    pub repeated: usize,
    pub repeated_weight: f64,
    pub window_hours: i64,
    /// Only contacts by these channels are contacts outside business hours (empty: all).
    pub channels: Vec<crate::incident::Channel>,
}

#[derive(Debug, Clone)]
pub(crate) struct Window {
    pub id: RuleId,
    pub hours: i64,
    pub review: usize,
    pub fire: usize,
    pub channels: Vec<crate::incident::Channel>,
}

#[derive(Debug, Clone)]
pub(crate) struct PersistenceRules {
    pub category: usize,
    pub weight: f64,
    pub review_weight: f64,
    /// Whether an emergency exempts the record: calling again and again about a gas smell or a
    /// leak is not persistence.
    pub emergency_exempt: bool,
    pub windows: Vec<Window>,
}

#[derive(Debug, Clone)]
pub(crate) struct DurationRules {
    pub category: usize,
    pub long_minutes: f64,
    pub restrictive_minutes: f64,
    pub long_weight: f64,
    pub restrictive_weight: f64,
    /// Most chars between a duration stated in text and the conduct it is tied to.
    pub tie_within: Option<usize>,
    pub per_channel: Vec<(crate::incident::Channel, f64, f64)>,
}

#[derive(Debug, Clone)]
pub(crate) struct ValidityRules {
    pub no_defect_category: usize,
    pub no_defect_weight: f64,
    pub demand_kinds: Vec<crate::incident::RequestKind>,
    pub unrelated_category: usize,
    pub unrelated_weight: f64,
    pub reduction_category: usize,
    pub reduction_kinds: Vec<crate::incident::RequestKind>,
    pub reduction_ratio: f64,
    pub reduction_weight: f64,
    pub absurd_kinds: Vec<crate::incident::RequestKind>,
    pub absurd_ratio: f64,
    pub absurd_weight: f64,
    pub excess_category: usize,
    pub excess_weight: f64,
    pub excess_repeated: usize,
    pub excess_repeated_weight: f64,
    /// Hours back within which earlier contacts repeat a demand beyond the contract; `None`: the
    /// longest persistence window.
    pub excess_window_hours: Option<i64>,
}

#[derive(Debug, Clone)]
pub(crate) struct TextRules {
    pub max_hits_per_rule: usize,
    pub max_text_bytes: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct Templates {
    pub finding: LangText,
    pub near_miss: LangText,
}

/// A loaded, validated policy. Build an [`Engine`](crate::Engine) from it to classify.
///
/// `Policy::default()` is the embedded Kyoritsu basic policy from `rules/`.
///
/// ```
/// use kasuhara::Policy;
/// let p = Policy::default();
/// assert_eq!(p.name(), "kyoritsu-basic");
/// assert_eq!(p.version(), "2025-10-01");
/// ```
#[derive(Debug, Clone)]
pub struct Policy {
    pub(crate) name: Text,
    pub(crate) version: Text,
    pub(crate) categories: Vec<Category>,
    pub(crate) responses: Vec<Response>,
    pub(crate) entries: Vec<Entry>,
    pub(crate) cues: Vec<Cue>,
    pub(crate) exceptions: Vec<Exception>,
    pub(crate) verdict: VerdictRules,
    pub(crate) severity: SeverityBands,
    pub(crate) calendar: CalendarRules,
    pub(crate) off_hours: OffHoursRules,
    pub(crate) persistence: PersistenceRules,
    pub(crate) duration: DurationRules,
    pub(crate) validity: ValidityRules,
    pub(crate) text: TextRules,
    pub(crate) templates: Templates,
}

impl Policy {
    /// The policy name from `[policy] name`.
    ///
    /// ```
    /// assert_eq!(kasuhara::Policy::default().name(), "kyoritsu-basic");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The policy version from `[policy] version`.
    ///
    /// ```
    /// assert!(!kasuhara::Policy::default().version().is_empty());
    /// ```
    pub fn version(&self) -> &str {
        &self.version
    }
    /// All categories, in file order.
    ///
    /// ```
    /// assert_eq!(kasuhara::Policy::default().categories().len(), 19);
    /// ```
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }
    /// The category with this id.
    ///
    /// ```
    /// use kasuhara::{CategoryId, Policy};
    /// assert!(Policy::default().category(&CategoryId::new("nope")).is_none());
    /// ```
    pub fn category(&self, id: &CategoryId) -> Option<&Category> {
        self.categories.iter().find(|c| &c.id == id)
    }
    /// The ids of every rule: lexicon entries, cues, exceptions and behavioural rules, sorted.
    ///
    /// ```
    /// let ids = kasuhara::Policy::default().rule_ids();
    /// assert!(ids.iter().any(|r| r.as_str().starts_with("threat.")));
    /// ```
    pub fn rule_ids(&self) -> Vec<RuleId> {
        let mut ids: Vec<RuleId> = self
            .entries
            .iter()
            .map(|e| e.id.clone())
            .chain(self.cues.iter().map(|c| c.id.clone()))
            .chain(self.exceptions.iter().map(|e| e.id.clone()))
            .chain(self.behaviour_rule_ids())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// Ids of the rules that come from facts rather than text (for coverage reports).
    pub(crate) fn behaviour_rule_ids(&self) -> Vec<RuleId> {
        let mut ids = vec![
            RuleId::new("off_hours.outside_hours"),
            RuleId::new("off_hours.late_night"),
            RuleId::new("off_hours.repeated"),
            RuleId::new("off_hours.emergency"),
            RuleId::new("duration.long"),
            RuleId::new("duration.restrictive"),
            RuleId::new("validity.no_defect"),
            RuleId::new("validity.unrelated"),
            RuleId::new("validity.reduction"),
            RuleId::new("validity.absurd"),
            RuleId::new("validity.outside_contract"),
            RuleId::new("validity.outside_contract_repeated"),
        ];
        ids.extend(self.persistence.windows.iter().map(|w| w.id.clone()));
        ids
    }
}
