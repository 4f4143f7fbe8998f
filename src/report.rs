//! The output: an [`Assessment`] with its findings, evidence, explanations and responses, exactly as
//! SPEC's JSON, plus span conversions for callers in other languages.

use crate::incident::Incident;
use crate::policy::{CategoryId, Lang, Prong, RuleId, Severity};
use crate::score::describe_evidence;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// An immutable string shared with the policy it came from (a clause, a response, a policy
/// name): every assessment cites the same few texts, and cloning one costs no allocation. Reads
/// like a `&str` and serializes as a plain JSON string.
///
/// ```
/// use kasuhara::Text;
/// let t = Text::from("Record the contact.");
/// assert_eq!(t, "Record the contact.");
/// assert!(t.starts_with("Record"));
/// assert_eq!(serde_json::to_string(&t).unwrap(), "\"Record the contact.\"");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Text(Arc<str>);

impl Text {
    /// The text as a `&str`.
    ///
    /// ```
    /// assert_eq!(kasuhara::Text::from("a").as_str(), "a");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text(Arc::from(s))
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text(Arc::from(s))
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        &*self.0 == other.as_str()
    }
}

/// The decision for one record.
///
/// ```
/// use kasuhara::Verdict;
/// assert_eq!(serde_json::to_string(&Verdict::NeedsReview).unwrap(), "\"needs_review\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Customer harassment under the policy.
    Harassment,
    /// A person should look at it: a grey zone, or relative conduct over a valid request.
    NeedsReview,
    /// Not customer harassment.
    NotHarassment,
}

impl Verdict {
    /// The snake_case id used in JSON.
    ///
    /// ```
    /// assert_eq!(kasuhara::Verdict::Harassment.as_str(), "harassment");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Harassment => "harassment",
            Verdict::NeedsReview => "needs_review",
            Verdict::NotHarassment => "not_harassment",
        }
    }
}

/// Scores of the two prongs, each in `[0, 1]`.
///
/// ```
/// let p = kasuhara::Prongs { validity: 0.0, conduct: 0.9 };
/// assert!(p.conduct > p.validity);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Prongs {
    /// How strongly the request lacks validity.
    pub validity: f64,
    /// How strongly the means or manner is inappropriate (counted conduct only).
    pub conduct: f64,
}

/// Which policy and engine produced an assessment.
///
/// ```
/// # use kasuhara::{Engine, Incident};
/// let a = Engine::default().classify(&Incident::from_text("a", "hi")).unwrap();
/// assert_eq!(a.policy.name, "kyoritsu-basic");
/// assert!(a.policy.engine.starts_with("kasuhara "));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyStamp {
    /// Policy name from the rule files.
    pub name: Text,
    /// Policy version from the rule files.
    pub version: Text,
    /// `kasuhara <crate version>`.
    pub engine: Text,
}

/// `kasuhara <version>`, cited in every assessment and summary.
static ENGINE_STAMP: std::sync::LazyLock<Text> =
    std::sync::LazyLock::new(|| Text::from(concat!("kasuhara ", env!("CARGO_PKG_VERSION"))));

impl PolicyStamp {
    /// The stamp of `policy` with this crate's version.
    pub(crate) fn of(policy: &crate::policy::Policy) -> PolicyStamp {
        PolicyStamp {
            name: policy.name.clone(),
            version: policy.version.clone(),
            engine: ENGINE_STAMP.clone(),
        }
    }
}

/// Where a piece of evidence comes from.
///
/// ```
/// use kasuhara::Source;
/// assert_eq!(serde_json::to_string(&Source::OccurredAt).unwrap(), "\"occurred_at\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The record's `text`; `span` is into it.
    Text,
    /// One of `utterances`; `utterance` is its index and `span` is into its text.
    Utterance,
    /// The record's `occurred_at`.
    OccurredAt,
    /// The record's `contacts` and the stream's history of the same customer.
    Contacts,
    /// The record's `duration_minutes`.
    DurationMinutes,
    /// The record's `request`.
    Request,
    /// The record's `emergency` flag.
    Emergency,
}

/// One piece of evidence: a quoted span of text, or an observed value against its threshold.
///
/// ```
/// use kasuhara::{Engine, Incident};
/// let inc = Incident::from_text("a", "お前、殺すぞ！");
/// let a = Engine::default().classify(&inc).unwrap();
/// let ev = &a.findings[0].evidence[0];
/// let (s, e) = ev.span.unwrap();
/// assert_eq!(&inc.text.as_deref().unwrap()[s..e], ev.excerpt.as_deref().unwrap());
/// assert_eq!(ev.char_span(&inc), Some((3, 6)));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// The rule that produced it.
    pub rule: RuleId,
    /// Where it comes from.
    pub source: Source,
    /// The utterance index, when `source` is `utterance`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utterance: Option<usize>,
    /// Byte range into the original text (char boundaries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<(usize, usize)>,
    /// `text[span]`, exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
    /// The observed value, for facts ("Fri 22:40", "6 contacts in 24 h").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed: Option<String>,
    /// The threshold it was compared with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<String>,
    /// How many characters had to be skipped, replaced or joined to match (0 = written plainly).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub obfuscation: u32,
}

fn is_zero(x: &u32) -> bool {
    *x == 0
}

impl Evidence {
    /// The text this evidence's span refers to, in `incident`.
    fn text<'a>(&self, incident: &'a Incident) -> Option<&'a str> {
        match self.source {
            Source::Text => incident.text.as_deref(),
            Source::Utterance => incident
                .utterances
                .get(self.utterance?)
                .map(|u| u.text.as_str()),
            _ => None,
        }
    }

    /// The span in Unicode scalar values (chars), for callers that index by code point.
    ///
    /// ```
    /// # use kasuhara::{Engine, Incident};
    /// let inc = Incident::from_text("a", "😀 you idiot");
    /// let a = Engine::default().classify(&inc).unwrap();
    /// assert_eq!(a.findings[0].evidence[0].char_span(&inc), Some((6, 11)));
    /// ```
    pub fn char_span(&self, incident: &Incident) -> Option<(usize, usize)> {
        let text = self.text(incident)?;
        let (s, e) = self.span?;
        let s_chars = text.get(..s)?.chars().count();
        Some((s_chars, s_chars + text.get(s..e)?.chars().count()))
    }

    /// The span in UTF-16 code units, for JavaScript, Java and C# callers.
    ///
    /// ```
    /// # use kasuhara::{Engine, Incident};
    /// let inc = Incident::from_text("a", "😀 you idiot");
    /// let a = Engine::default().classify(&inc).unwrap();
    /// assert_eq!(a.findings[0].evidence[0].utf16_span(&inc), Some((7, 12)));
    /// ```
    pub fn utf16_span(&self, incident: &Incident) -> Option<(usize, usize)> {
        let text = self.text(incident)?;
        let (s, e) = self.span?;
        let s16: usize = text.get(..s)?.chars().map(char::len_utf16).sum();
        let len16: usize = text.get(s..e)?.chars().map(char::len_utf16).sum();
        Some((s16, s16 + len16))
    }
}

/// A recommended response, from the rule files.
///
/// ```
/// # use kasuhara::{Engine, Incident};
/// let a = Engine::default().classify(&Incident::from_text("a", "殺すぞ")).unwrap();
/// assert!(a.findings[0].responses.iter().any(|r| r.id == "notify_manager"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseAdvice {
    /// The response id in the rule files.
    pub id: Text,
    /// The advice, in the engine's language.
    pub text: Text,
}

/// One matched category with its evidence, explanation, clause and responses.
///
/// ```
/// # use kasuhara::{Engine, Incident, Prong};
/// let a = Engine::default().classify(&Incident::from_text("a", "I'll kill you")).unwrap();
/// let f = &a.findings[0];
/// assert_eq!(f.category.as_str(), "threat");
/// assert_eq!(f.prong, Prong::Conduct);
/// assert!(f.counted);
/// assert!(f.explanation.contains("kill you"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The category.
    pub category: CategoryId,
    /// Its prong.
    pub prong: Prong,
    /// From the score and the policy's bands.
    pub severity: Severity,
    /// The category's weight times the combined strength of its evidence, in `[0, 1]`.
    pub score: f64,
    /// Whether it counted toward the verdict (relative conduct over a valid request does not).
    pub counted: bool,
    /// The policy clause it rests on.
    pub clause: Text,
    /// The company's section id for the clause, if the rule file gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<Text>,
    /// The evidence, in text order then by rule id.
    pub evidence: Vec<Evidence>,
    /// A sentence a person can check.
    pub explanation: String,
    /// What to do, from the manual's response patterns.
    pub responses: Vec<ResponseAdvice>,
}

/// Why a signal did not become a finding.
///
/// ```
/// use kasuhara::MissReason;
/// assert_eq!(serde_json::to_string(&MissReason::Negation).unwrap(), "\"negation\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissReason {
    /// The hit lies inside an innocent word or harmless phrase.
    Exception,
    /// The words right after the hit give it another sense (its rule's `not_followed_by`:
    /// "Chinese" in "the Chinese restaurant").
    FollowedBy,
    /// A negation cancels it ("I'm not going to ...", 「〜つもりはない」).
    Negation,
    /// A staff member or someone other than the customer said it.
    NotCustomer,
    /// Off-hours contact in an emergency.
    EmergencyExemption,
    /// A count, duration or ratio below its threshold.
    BelowThreshold,
    /// A duration stated in text but not tied to the customer's conduct.
    NotConduct,
    /// Relative conduct over a request not known to lack validity, without aggravation.
    RelativeOverValidRequest,
}

/// A signal that was present but did not fire a category, and why (on request).
///
/// ```
/// use kasuhara::{EngineBuilder, Incident, MissReason, Policy};
/// let engine = EngineBuilder::new(Policy::default()).near_misses(true).build().unwrap();
/// let a = engine.classify(&Incident::from_text("a", "I'm not going to kill you")).unwrap();
/// assert!(a.findings.is_empty());
/// assert_eq!(a.near_misses[0].reason, MissReason::Negation);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearMiss {
    /// The category that did not fire.
    pub category: CategoryId,
    /// Why.
    pub reason: MissReason,
    /// The rule that cancelled it or whose threshold was not reached, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<RuleId>,
    /// The signal that was present.
    pub evidence: Evidence,
    /// A sentence a person can check.
    pub explanation: String,
}

/// The assessment of one record.
///
/// ```
/// use kasuhara::{Engine, Incident, Verdict};
/// let a = Engine::default().classify(&Incident::from_text("INC-1", "土下座しろ！")).unwrap();
/// assert_eq!(a.id, "INC-1");
/// assert_eq!(a.verdict, Verdict::Harassment);
/// let json = serde_json::to_string(&a).unwrap();
/// assert!(json.contains("\"kneel_demand\""));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// The record id.
    pub id: String,
    /// The decision.
    pub verdict: Verdict,
    /// The overall score: the larger of the two prongs.
    pub score: f64,
    /// Scores per prong.
    pub prongs: Prongs,
    /// Why the verdict, naming the row of the decision table that applied.
    pub reason: String,
    /// Which policy and engine produced this.
    pub policy: PolicyStamp,
    /// The findings, ordered by prong, category and rule id.
    pub findings: Vec<Finding>,
    /// What to do about the case as a whole.
    pub responses: Vec<ResponseAdvice>,
    /// Signals that did not fire, when the engine was built with near misses on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub near_misses: Vec<NearMiss>,
}

impl Assessment {
    /// Whether a category was found.
    ///
    /// ```
    /// # use kasuhara::{Engine, Incident};
    /// let a = Engine::default().classify(&Incident::from_text("a", "死ね")).unwrap();
    /// assert!(a.has("insult"));
    /// assert!(!a.has("threat"));
    /// ```
    pub fn has(&self, category: &str) -> bool {
        self.findings
            .iter()
            .any(|f| f.category.as_str() == category)
    }
}

/// Rounds a score for output, so the JSON is short and stable.
pub(crate) fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Marks the evidence spans of `text` with ANSI colour or with 【】 when colour is off.
fn highlight(text: &str, spans: &[(usize, usize)], color: bool) -> String {
    let mut spans: Vec<(usize, usize)> = spans.to_vec();
    spans.sort();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in spans {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    let (open, close) = if color {
        ("\x1b[1;31m", "\x1b[0m")
    } else {
        ("【", "】")
    };
    let mut out = String::new();
    let mut at = 0;
    for (s, e) in merged {
        if s < at || e > text.len() || !text.is_char_boundary(s) || !text.is_char_boundary(e) {
            continue;
        }
        out.push_str(&text[at..s]);
        out.push_str(open);
        out.push_str(&text[s..e]);
        out.push_str(close);
        at = e;
    }
    out.push_str(&text[at..]);
    out
}

/// A readable report of one assessment: the verdict first, then each finding with its evidence
/// highlighted in the quoted text (ANSI bold red when `color`, 【brackets】 otherwise), the
/// explanation, clause and responses, in `lang`.
///
/// ```
/// use kasuhara::{Engine, Incident, Lang, render_text};
/// let inc = Incident::from_text("INC-1", "You idiot, I'll kill you.");
/// let a = Engine::default().classify(&inc).unwrap();
/// let report = render_text(&inc, &a, Lang::En, false);
/// assert!(report.starts_with("INC-1 — HARASSMENT"));
/// assert!(report.contains("You 【idiot】, 【I'll kill you】."));
/// ```
pub fn render_text(inc: &Incident, a: &Assessment, lang: Lang, color: bool) -> String {
    let ja = lang == Lang::Ja;
    let verdict = match (a.verdict, ja) {
        (Verdict::Harassment, false) => "HARASSMENT",
        (Verdict::NeedsReview, false) => "NEEDS REVIEW",
        (Verdict::NotHarassment, false) => "NOT HARASSMENT",
        (Verdict::Harassment, true) => "カスハラに該当",
        (Verdict::NeedsReview, true) => "要確認",
        (Verdict::NotHarassment, true) => "該当せず",
    };
    let (b, r) = if color {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("", "")
    };
    let mut s = format!(
        "{b}{} — {verdict}{r} (score {:.2}; {} {:.2}, {} {:.2})\n  {}\n",
        a.id,
        a.score,
        if ja { "妥当性" } else { "validity" },
        a.prongs.validity,
        if ja { "言動" } else { "conduct" },
        a.prongs.conduct,
        a.reason
    );
    let spans_in = |source: Source, utt: Option<usize>| -> Vec<(usize, usize)> {
        a.findings
            .iter()
            .flat_map(|f| f.evidence.iter())
            .filter(|e| e.source == source && e.utterance == utt)
            .filter_map(|e| e.span)
            .collect()
    };
    if let Some(text) = &inc.text {
        let spans = spans_in(Source::Text, None);
        s.push_str(&format!(
            "  {}: {}\n",
            if ja { "本文" } else { "text" },
            highlight(text, &spans, color)
        ));
    }
    for (i, u) in inc.utterances.iter().enumerate() {
        let spans = spans_in(Source::Utterance, Some(i));
        let who = match u.speaker {
            crate::incident::Speaker::Customer => "customer",
            crate::incident::Speaker::Staff => "staff",
            crate::incident::Speaker::Other => "other",
        };
        s.push_str(&format!(
            "  [{i}] {who}: {}\n",
            highlight(&u.text, &spans, color)
        ));
    }
    for f in &a.findings {
        s.push_str(&format!(
            "  - {} ({}, {:?}, {:.2}{})\n    {}\n",
            f.category,
            f.section.as_deref().unwrap_or("-"),
            f.severity,
            f.score,
            if f.counted {
                ""
            } else if ja {
                ", 判定に不算入"
            } else {
                ", not counted"
            },
            f.explanation
        ));
        for e in &f.evidence {
            s.push_str(&format!(
                "    · {}: {}\n",
                e.rule,
                describe_evidence(e, lang)
            ));
        }
        let resp: Vec<&str> = f.responses.iter().map(|r| r.text.as_str()).collect();
        if !resp.is_empty() {
            s.push_str(&format!("    → {}\n", resp.join(" ")));
        }
    }
    for m in &a.near_misses {
        s.push_str(&format!("  ~ {}\n", m.explanation));
    }
    let resp: Vec<&str> = a.responses.iter().map(|r| r.text.as_str()).collect();
    s.push_str(&format!(
        "  {}: {}\n\n",
        if ja { "対応" } else { "response" },
        resp.join(" ")
    ));
    s
}
