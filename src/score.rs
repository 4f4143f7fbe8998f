//! Scoring: signals + weights → findings, prong scores and the verdict, with explanations.
//!
//! A finding's score is its category's weight times the noisy-OR of its evidence weights
//! (`1 - Π(1 - wᵢ)`), so independent evidence adds up without exceeding 1. A finding below the
//! review threshold is a near miss, not a finding. The verdict follows the decision table in
//! `rules/policy.toml` (`[verdict]`) and the README.

use crate::incident::Incident;
use crate::policy::{Basis, Lang, Policy, Prong, Severity};
use crate::report::{
    Assessment, Evidence, Finding, MissReason, NearMiss, PolicyStamp, Prongs, ResponseAdvice,
    Source, Verdict, round3,
};
use crate::signals::{Miss, Observations, Signal};

/// Options that shape the output, fixed when the engine is built.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options {
    pub lang: Lang,
    pub near_misses: bool,
}

/// `1 - Π(1 - w)`, multiplied in ascending order of weight: floating-point products depend on
/// their order, and the order of the findings follows the order of categories in the rule files,
/// which must not change a score.
fn noisy_or(weights: impl IntoIterator<Item = f64>) -> f64 {
    // A record has a handful of weights: sort them on the stack when they fit.
    let mut small = [0.0f64; 16];
    let mut n = 0;
    let mut spill: Vec<f64> = Vec::new();
    for w in weights {
        let w = w.clamp(0.0, 1.0);
        if n < small.len() {
            small[n] = w;
            n += 1;
        } else {
            spill.push(w);
        }
    }
    let ws: &mut [f64] = if spill.is_empty() {
        &mut small[..n]
    } else {
        spill.extend_from_slice(&small);
        &mut spill
    };
    ws.sort_unstable_by(f64::total_cmp);
    1.0 - ws.iter().fold(1.0, |acc, w| acc * (1.0 - w))
}

/// Hits of one rule that share text become one hit over their union, with the stronger weight:
/// 「家族がどうなっても」 and 「どうなっても知らない」 of one rule are one threat, and 「口コミに星」 and
/// 「星1」 in 「口コミに星1」 one rating. Facts (no span) are left as they are.
fn merge_same_rule(signals: &mut Vec<Signal>) {
    signals.sort_by(|a, b| {
        (rule_place(&a.evidence), a.evidence.span).cmp(&(rule_place(&b.evidence), b.evidence.span))
    });
    // `dedup_by` hands each hit with the last one kept before it: joined, it is dropped.
    signals.dedup_by(|next, last| {
        let joined = rule_place(&next.evidence) == rule_place(&last.evidence)
            && join(&mut last.evidence, &next.evidence);
        if joined {
            last.weight = last.weight.max(next.weight);
        }
        joined
    });
}

/// A hit's rule and the text it is in.
fn rule_place(e: &Evidence) -> (&str, Source, Option<usize>) {
    (e.rule.as_str(), e.source, e.utterance)
}

/// The spans of two hits in the same text (the record's text, or one utterance).
fn spans_in_same_text(a: &Evidence, b: &Evidence) -> Option<((usize, usize), (usize, usize))> {
    (a.source == b.source && a.utterance == b.utterance).then_some((a.span?, b.span?))
}

/// Whether two hits in the same text share a byte of it.
fn share_text(a: &Evidence, b: &Evidence) -> bool {
    spans_in_same_text(a, b).is_some_and(|((a0, a1), (b0, b1))| a0 < b1 && b0 < a1)
}

/// Widens `kept` to also cover `other`, a hit in the same text that starts no earlier, if the two
/// share text: the span becomes their union and the excerpt the text of that union. Returns
/// whether they shared text.
fn join(kept: &mut Evidence, other: &Evidence) -> bool {
    let (Some((k0, k1)), Some((o0, o1))) = (kept.span, other.span) else {
        return false;
    };
    if o0 >= k1 || o1 <= k0 || o0 < k0 {
        return false;
    }
    if o1 <= k1 {
        // Inside it already.
        kept.obfuscation = kept.obfuscation.max(other.obfuscation);
        return true;
    }
    // Each excerpt is the original text of its span, so the union is this excerpt followed by
    // the part of the other past its end.
    let union = match (kept.excerpt.as_deref(), other.excerpt.as_deref()) {
        (Some(k), Some(o)) => o.get(k1 - o0..).map(|tail| format!("{k}{tail}")),
        _ => None,
    };
    let Some(union) = union else {
        return false;
    };
    kept.span = Some((k0, o1));
    kept.excerpt = Some(union);
    kept.obfuscation = kept.obfuscation.max(other.obfuscation);
    true
}

fn evidence_key(e: &Evidence) -> (Source, Option<usize>, Option<(usize, usize)>, &str) {
    (e.source, e.utterance, e.span, e.rule.as_str())
}

/// One piece of evidence per place. Of text hits that nest (one inside the other, or on the same
/// span) the strongest is kept, then the longest, then the first by rule id: "ugly bitch" (0.6)
/// does not hide "bitch" (0.85), and "your tits" is not counted twice for the "tits" inside it.
/// Two hits of one rule that partly overlap are one hit over both places (「家族がどうなっても」 and
/// 「どうなっても知らない」 are one threat). The evidence then cites the whole phrase around a kept
/// hit, under the rule that gave its weight. Hits of different rules that only partly overlap
/// both count, and so do facts (no span). Then at most
/// `max_per_rule` hits per rule, in text order.
fn prune(mut signals: Vec<Signal>, max_per_rule: usize) -> Vec<Signal> {
    merge_same_rule(&mut signals);
    let len = |e: &Evidence| e.span.map_or(0, |(s, e)| e - s);
    signals.sort_by(|a, b| {
        b.weight
            .total_cmp(&a.weight)
            .then(len(&b.evidence).cmp(&len(&a.evidence)))
            .then(evidence_key(&a.evidence).cmp(&evidence_key(&b.evidence)))
    });
    let nests = |a: &Evidence, b: &Evidence| {
        spans_in_same_text(a, b)
            .is_some_and(|((a0, a1), (b0, b1))| (a0 <= b0 && b1 <= a1) || (b0 <= a0 && a1 <= b1))
    };
    let mut kept: Vec<Signal> = Vec::with_capacity(signals.len());
    for s in &signals {
        if !kept.iter().any(|k| nests(&k.evidence, &s.evidence)) {
            kept.push(s.clone());
        }
    }
    // Cite the whole phrase: a kept hit's evidence widens to the longest hit around it that holds
    // no other kept hit, nor shares text with another of its rule ("grabbed her" → "grabbed her
    // butt"); its weight stays the stronger one.
    let within =
        |outer: &Evidence, inner: &Evidence| nests(outer, inner) && len(outer) >= len(inner);
    for i in 0..kept.len() {
        let rule = &kept[i].evidence.rule;
        let widest = signals
            .iter()
            .filter(|o| within(&o.evidence, &kept[i].evidence))
            .filter(|o| {
                kept.iter().enumerate().all(|(j, k)| {
                    j == i
                        || !(within(&o.evidence, &k.evidence)
                            || (k.evidence.rule == *rule && share_text(&o.evidence, &k.evidence)))
                })
            })
            .max_by(|a, b| {
                len(&a.evidence)
                    .cmp(&len(&b.evidence))
                    .then(evidence_key(&b.evidence).cmp(&evidence_key(&a.evidence)))
            });
        if let Some(w) = widest
            && len(&w.evidence) > len(&kept[i].evidence)
        {
            // The rule that gave the weight stays the one cited; only the place widens.
            let e = &mut kept[i].evidence;
            e.span = w.evidence.span;
            e.excerpt.clone_from(&w.evidence.excerpt);
            e.obfuscation = e.obfuscation.max(w.evidence.obfuscation);
        }
    }
    kept.sort_by(|a, b| evidence_key(&a.evidence).cmp(&evidence_key(&b.evidence)));
    let mut per_rule: Vec<(crate::policy::RuleId, usize)> = Vec::new();
    kept.retain(|s| {
        let rule = &s.evidence.rule;
        match per_rule.iter_mut().find(|(r, _)| r == rule) {
            Some((_, n)) if *n >= max_per_rule => false,
            Some((_, n)) => {
                *n += 1;
                true
            }
            None => {
                per_rule.push((rule.clone(), 1));
                true
            }
        }
    });
    kept
}

/// Whether two pieces of evidence are one place in the same text: their spans overlap, or only a
/// short run of spaces, quotes, brackets or a colon on one line lies between them (「慰謝料」
/// 「100万円払え」; "on Facebook that" "your manager is a thief").
fn joined(incident: &Incident, a: &Evidence, b: &Evidence) -> bool {
    if share_text(a, b) {
        return true;
    }
    between(incident, a, b).is_some_and(|(_, g)| {
        g.chars().count() <= MAX_JOIN_GAP
            && g.chars().all(|c| {
                matches!(
                    c,
                    ' ' | '\t'
                        | '\u{3000}'
                        | '「'
                        | '」'
                        | '『'
                        | '』'
                        | '"'
                        | '\''
                        | '“'
                        | '”'
                        | '‘'
                        | '’'
                        | '（'
                        | '）'
                        | '('
                        | ')'
                        | '【'
                        | '】'
                        | ':'
                        | '：'
                )
            })
    })
}

/// At most this many characters between two hits that are one place.
const MAX_JOIN_GAP: usize = 3;

/// For two hits apart in the same text, the earlier hit's text and the text between them. None
/// when they are in different texts or overlap, or a span is off a char boundary.
fn between<'i>(incident: &'i Incident, a: &Evidence, b: &Evidence) -> Option<(&'i str, &'i str)> {
    let ((a0, a1), (b0, b1)) = spans_in_same_text(a, b)?;
    let (first, gap) = if a1 <= b0 {
        (a0..a1, a1..b0)
    } else {
        (b0..b1, b1..a0)
    };
    let text = match (a.source, a.utterance) {
        (Source::Text, _) => incident.text.as_deref(),
        (Source::Utterance, Some(i)) => incident.utterances.get(i).map(|u| u.text.as_str()),
        _ => None,
    }?;
    Some((text.get(first)?, text.get(gap)?))
}

/// Whether two text hits read one clause of the same text: at most [`MAX_CLAUSE_GAP`] characters
/// lie between them, none of them punctuation or a line break (「迷惑料として3万円を払え」 is
/// one demand that two rules read; 「全額返せ、それに加えて慰謝料を払え」 lists two).
fn same_clause(incident: &Incident, a: &Evidence, b: &Evidence) -> bool {
    let breaks = |c: char| {
        c.is_ascii_punctuation()
            || c.is_control()
            || matches!(
                c,
                '、' | '。' | '，' | '．' | '！' | '？' | '・' | '；' | '：'
            )
    };
    // The earlier hit may end on its own sentence's 。.
    between(incident, a, b).is_some_and(|(first, gap)| {
        !first.chars().next_back().is_some_and(breaks)
            && gap.chars().count() <= MAX_CLAUSE_GAP
            && !gap.chars().any(breaks)
    })
}

/// At most this many characters (a particle or two: として, in the) between two hits of one clause.
const MAX_CLAUSE_GAP: usize = 8;

/// Gives each signal whose category yields to another (`yields_to`) to that category when one of
/// its hits is in the same place ([`joined`]): 「SNSに『店長は詐欺師』と書き込んでやる」 and "tell
/// everyone on Facebook that your manager is a thief" are online defamation, and the claim is its
/// evidence, not defamation as well. A claim made apart from the post ("told the neighbours ...
/// and will post it too") stays where it is.
fn give_to_yield_targets(policy: &Policy, incident: &Incident, signals: &mut [Signal]) {
    let target_of = |s: &Signal| -> Option<usize> {
        let targets = &policy.categories[s.category].yields_to;
        if targets.is_empty() {
            return None;
        }
        signals
            .iter()
            .find(|o| targets.contains(&o.category) && joined(incident, &s.evidence, &o.evidence))
            .map(|o| o.category)
    };
    // Decided on the categories as observed, then applied: only the signals that move are listed,
    // so a record with none allocates nothing.
    let moves: Vec<(usize, usize)> = signals
        .iter()
        .enumerate()
        .filter_map(|(i, s)| target_of(s).map(|c| (i, c)))
        .collect();
    for (i, category) in moves {
        signals[i].category = category;
    }
}

/// A finding before the verdict decides whether it counts.
struct Draft {
    category: usize,
    score: f64,
    /// The score of its strongest single signal: several rules reading one demand are one demand,
    /// so only this says whether the conduct is severe.
    strongest: f64,
    evidence: Vec<Evidence>,
    /// How many separate times the category showed: hits that share text are one occurrence.
    occurrences: usize,
}

/// How many separate places `signals` (already pruned) come from: text hits in one place
/// ([`joined`]) or in one clause ([`same_clause`]) are one occurrence (「社長名で謝罪」 and
/// 「謝罪文を送」, 「迷惑料として」 and 「3万円をお支払いいただきたい」 are one demand, not a
/// demand made twice); two demands listed with a comma or in two sentences are two places
/// (「全額返せ、それに加えて慰謝料を払え」); every other signal is a place of its own.
fn occurrences(incident: &Incident, signals: &[Signal]) -> usize {
    let mut n = 0;
    for (i, s) in signals.iter().enumerate() {
        let joins_earlier = signals[..i].iter().any(|e| {
            joined(incident, &e.evidence, &s.evidence)
                || same_clause(incident, &e.evidence, &s.evidence)
        });
        n += usize::from(!joins_earlier);
    }
    n
}

pub(crate) fn assess(
    policy: &Policy,
    opts: Options,
    incident: &Incident,
    obs: Observations,
) -> Assessment {
    let lang = opts.lang;
    let vr = &policy.verdict;
    // The signals of each category together, in category order (a stable sort keeps each
    // category's signals in the order they were observed).
    let mut signals_all = obs.signals;
    signals_all.retain(|s| s.category < policy.categories.len());
    let mut misses: Vec<Miss> = obs.misses;
    give_to_yield_targets(policy, incident, &mut signals_all);
    signals_all.sort_by_key(|s| s.category);
    let mut drafts: Vec<Draft> = Vec::new();
    let mut rest = signals_all.into_iter().peekable();
    while let Some(first) = rest.next() {
        let ci = first.category;
        let mut signals = vec![first];
        while let Some(s) = rest.next_if(|s| s.category == ci) {
            signals.push(s);
        }
        let signals = prune(signals, policy.text.max_hits_per_rule);
        let cat = &policy.categories[ci];
        let score = cat.weight * noisy_or(signals.iter().map(|s| s.weight));
        if score < vr.review {
            // Too weak to stand on its own: a near miss, never a finding.
            for s in signals {
                misses.push(Miss {
                    category: ci,
                    reason: MissReason::BelowThreshold,
                    by: None,
                    evidence: s.evidence,
                });
            }
            continue;
        }
        let strongest = cat.weight * signals.iter().map(|s| s.weight).fold(0.0, f64::max);
        drafts.push(Draft {
            category: ci,
            score,
            strongest,
            occurrences: occurrences(incident, &signals),
            evidence: signals.into_iter().map(|s| s.evidence).collect(),
        });
    }

    let validity = noisy_or(
        drafts
            .iter()
            .filter(|d| policy.categories[d.category].prong == Prong::Validity)
            .map(|d| d.score),
    );
    let invalid = validity >= vr.invalid_request;
    let counts = |d: &Draft| -> bool {
        let cat = &policy.categories[d.category];
        match (cat.prong, cat.basis) {
            (Prong::Validity, _) => true,
            (Prong::Conduct, Basis::Always) => true,
            (Prong::Conduct, Basis::Relative) => {
                invalid
                    || d.strongest >= vr.severe
                    || d.occurrences >= vr.repeated_hits
                    || obs.repeated
            }
        }
    };
    let counted: Vec<bool> = drafts.iter().map(counts).collect();
    let conduct = noisy_or(drafts.iter().zip(&counted).filter_map(|(d, &c)| {
        (c && policy.categories[d.category].prong == Prong::Conduct).then_some(d.score)
    }));
    // An uncounted demand weighs what its strongest evidence says, as when judging severity.
    let relative_uncounted = drafts
        .iter()
        .zip(&counted)
        .filter(|(_, c)| !**c)
        .map(|(d, _)| d.strongest)
        .fold(0.0, f64::max);

    // Only the engine's language is written: `t!([English format args], [Japanese format args])`.
    macro_rules! t {
        ([$($en:tt)*], [$($ja:tt)*]) => {
            match lang {
                Lang::En => format!($($en)*),
                Lang::Ja => format!($($ja)*),
            }
        };
    }
    let (verdict, reason) = if conduct >= vr.harassment {
        (
            Verdict::Harassment,
            t!(
                [
                    "conduct {:.2} reaches the harassment threshold {}",
                    conduct,
                    vr.harassment
                ],
                [
                    "言動のスコア {:.2} がハラスメントの閾値 {} 以上",
                    conduct,
                    vr.harassment
                ]
            ),
        )
    } else if validity >= vr.absurd_request {
        (
            Verdict::Harassment,
            t!(
                [
                    "the request is absurd (validity {:.2} ≥ {}), however politely made",
                    validity,
                    vr.absurd_request
                ],
                [
                    "要求内容が著しく不当（妥当性スコア {:.2} ≥ {}）。態様が丁寧でも該当",
                    validity,
                    vr.absurd_request
                ]
            ),
        )
    } else if invalid && conduct >= vr.review {
        (
            Verdict::Harassment,
            t!(
                [
                    "a request lacking validity ({:.2}) pressed with inappropriate conduct ({:.2})",
                    validity,
                    conduct
                ],
                [
                    "妥当性を欠く要求（{:.2}）を不適切な言動（{:.2}）で求めている",
                    validity,
                    conduct
                ]
            ),
        )
    } else if conduct >= vr.review {
        (
            Verdict::NeedsReview,
            t!(
                [
                    "conduct {:.2} is in the review band [{}, {})",
                    conduct,
                    vr.review,
                    vr.harassment
                ],
                [
                    "言動のスコア {:.2} が要確認の範囲 [{}, {})",
                    conduct,
                    vr.review,
                    vr.harassment
                ]
            ),
        )
    } else if invalid {
        (
            Verdict::NeedsReview,
            t!(
                [
                    "the request lacks validity ({:.2}) but the conduct is not inappropriate",
                    validity
                ],
                [
                    "要求の妥当性を欠く（{:.2}）が、言動は不適切とはいえない",
                    validity
                ]
            ),
        )
    } else if relative_uncounted >= vr.review {
        (
            Verdict::NeedsReview,
            t!(
                [
                    "a demand (money, apology, beyond the contract) over a request not known to lack validity, without aggravation"
                ],
                ["妥当性を欠くとはいえない要求に伴う金品・謝罪等の要求（悪質性の加重なし）"]
            ),
        )
    } else {
        (
            Verdict::NotHarassment,
            t!(
                ["no finding reaches the review threshold"],
                ["要確認の閾値に達する該当なし"]
            ),
        )
    };

    let mut findings: Vec<Finding> = drafts
        .into_iter()
        .zip(counted)
        .map(|(d, counted)| finding(policy, lang, d, counted))
        .collect();
    findings.sort_by(|a, b| (a.prong, a.category.as_str()).cmp(&(b.prong, b.category.as_str())));

    let verdict_responses = match verdict {
        Verdict::Harassment => &vr.responses_harassment,
        Verdict::NeedsReview => &vr.responses_review,
        Verdict::NotHarassment => &vr.responses_none,
    };
    let near_misses = if opts.near_misses {
        let mut v: Vec<NearMiss> = misses
            .into_iter()
            .map(|m| near_miss(policy, lang, m))
            .collect();
        v.sort_by(|a, b| {
            (a.category.as_str(), a.reason, evidence_key(&a.evidence)).cmp(&(
                b.category.as_str(),
                b.reason,
                evidence_key(&b.evidence),
            ))
        });
        v
    } else {
        Vec::new()
    };
    Assessment {
        id: incident.id.clone(),
        verdict,
        score: round3(conduct.max(validity).max(relative_uncounted)),
        prongs: Prongs {
            validity: round3(validity),
            conduct: round3(conduct),
        },
        reason,
        policy: PolicyStamp::of(policy),
        findings,
        responses: advice(policy, lang, verdict_responses),
        near_misses,
    }
}

fn advice(policy: &Policy, lang: Lang, ids: &[usize]) -> Vec<ResponseAdvice> {
    ids.iter()
        .map(|&i| {
            let r = &policy.responses[i];
            ResponseAdvice {
                id: r.id.clone(),
                text: r.text.shared(lang).clone(),
            }
        })
        .collect()
}

fn severity(policy: &Policy, score: f64) -> Severity {
    if score >= policy.severity.high {
        Severity::High
    } else if score >= policy.severity.medium {
        Severity::Medium
    } else {
        Severity::Low
    }
}

/// One piece of evidence as a phrase: a quote, or the observed value against the threshold.
///
/// ```
/// use kasuhara::{Engine, Incident, Lang, describe_evidence};
/// let a = Engine::default().classify(&Incident::from_text("a", "殺すぞ")).unwrap();
/// assert_eq!(describe_evidence(&a.findings[0].evidence[0], Lang::Ja), "「殺すぞ」");
/// ```
pub fn describe_evidence(e: &Evidence, lang: Lang) -> String {
    let mut s = String::new();
    write_evidence(&mut s, e, lang);
    s
}

/// [`describe_evidence`], appended to `s`.
fn write_evidence(s: &mut String, e: &Evidence, lang: Lang) {
    use std::fmt::Write;
    let start = s.len();
    // Writing to a `String` cannot fail.
    match (&e.excerpt, lang, e.utterance) {
        (Some(x), Lang::En, Some(u)) => _ = write!(s, "\u{201c}{x}\u{201d} (utterance {u})"),
        (Some(x), Lang::En, None) => _ = write!(s, "\u{201c}{x}\u{201d}"),
        (Some(x), Lang::Ja, Some(u)) => _ = write!(s, "「{x}」（発話 {u}）"),
        (Some(x), Lang::Ja, None) => _ = write!(s, "「{x}」"),
        (None, _, _) => {}
    }
    if let Some(obs) = &e.observed {
        if s.len() > start {
            s.push(' ');
        }
        _ = match (&e.threshold, lang) {
            (Some(t), Lang::En) => write!(s, "{obs}, against {t}"),
            (Some(t), Lang::Ja) => write!(s, "{obs}（基準：{t}）"),
            (None, _) => write!(s, "{obs}"),
        };
    }
    if e.obfuscation > 0 {
        _ = match lang {
            Lang::En => write!(s, " [obfuscated: {} characters undone]", e.obfuscation),
            Lang::Ja => write!(s, "［伏せ字・崩し {} 文字を復元］", e.obfuscation),
        };
    }
}

/// Fills `{name}`, `{evidence}`, `{clause}`, `{section}` and `{reason}` in one pass; any other
/// `{...}` is kept as written.
fn fill(
    template: &str,
    name: &str,
    evidence: &str,
    clause: &str,
    section: &str,
    reason: &str,
) -> String {
    let mut out = String::with_capacity(template.len() + evidence.len() + clause.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let value = [
            ("{name}", name),
            ("{evidence}", evidence),
            ("{clause}", clause),
            ("{section}", section),
            ("{reason}", reason),
        ]
        .into_iter()
        .find(|(key, _)| after.starts_with(key));
        match value {
            Some((key, v)) => {
                out.push_str(v);
                rest = &after[key.len()..];
            }
            None => {
                out.push('{');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn finding(policy: &Policy, lang: Lang, d: Draft, counted: bool) -> Finding {
    let cat = &policy.categories[d.category];
    let template = cat
        .explanation
        .as_ref()
        .unwrap_or(&policy.templates.finding)
        .get(lang);
    let sep = if lang == Lang::Ja { "、" } else { "; " };
    let mut ev = String::with_capacity(64 * d.evidence.len());
    for (i, e) in d.evidence.iter().enumerate() {
        if i > 0 {
            ev.push_str(sep);
        }
        write_evidence(&mut ev, e, lang);
    }
    let mut explanation = fill(
        template,
        cat.name.get(lang),
        &ev,
        cat.clause.get(lang),
        cat.section.as_deref().unwrap_or("-"),
        "",
    );
    if !counted {
        explanation.push_str(match lang {
            Lang::En => " (not counted toward the verdict: a demand over a request not known to lack validity, without aggravation)",
            Lang::Ja => "（判定には算入せず：妥当性を欠くとはいえない要求に伴うもので、悪質性の加重なし）",
        });
    }
    Finding {
        category: cat.id.clone(),
        prong: cat.prong,
        // An uncounted demand is as severe as its strongest evidence, so it never reads "high"
        // while the verdict says it was not severe.
        severity: severity(policy, if counted { d.score } else { d.strongest }),
        score: round3(d.score),
        counted,
        clause: cat.clause.shared(lang).clone(),
        section: cat.section.clone(),
        evidence: d.evidence,
        explanation,
        responses: advice(policy, lang, &cat.responses),
    }
}

fn near_miss(policy: &Policy, lang: Lang, m: Miss) -> NearMiss {
    let cat = &policy.categories[m.category];
    let by = m.by.as_ref().map(|r| r.as_str()).unwrap_or("-");
    let reason = match (m.reason, lang) {
        (MissReason::Exception, Lang::En) => format!("inside a harmless word or phrase ({by})"),
        (MissReason::Exception, Lang::Ja) => format!("無害な語句の一部（{by}）"),
        (MissReason::FollowedBy, Lang::En) => {
            format!("the words after it give it another sense ({by})")
        }
        (MissReason::FollowedBy, Lang::Ja) => format!("後に続く語句で別の意味になる（{by}）"),
        (MissReason::Negation, Lang::En) => format!("negated ({by})"),
        (MissReason::Negation, Lang::Ja) => format!("否定されている（{by}）"),
        (MissReason::NotCustomer, Lang::En) => {
            "said by staff or another person, not the customer".into()
        }
        (MissReason::NotCustomer, Lang::Ja) => "顧客ではなく従業員等の発言".into(),
        (MissReason::EmergencyExemption, Lang::En) => format!("emergency exemption ({by})"),
        (MissReason::EmergencyExemption, Lang::Ja) => format!("緊急時のため除外（{by}）"),
        (MissReason::BelowThreshold, Lang::En) => "below the threshold".into(),
        (MissReason::BelowThreshold, Lang::Ja) => "閾値未満".into(),
        (MissReason::NotConduct, Lang::En) => {
            "a duration in the text not tied to the customer's conduct".into()
        }
        (MissReason::NotConduct, Lang::Ja) => "顧客の言動と結びつかない記載上の時間".into(),
        (MissReason::RelativeOverValidRequest, Lang::En) => {
            "relative conduct over a valid request".into()
        }
        (MissReason::RelativeOverValidRequest, Lang::Ja) => "妥当な要求に伴う相対的な言動".into(),
    };
    let explanation = fill(
        policy.templates.near_miss.get(lang),
        cat.name.get(lang),
        &describe_evidence(&m.evidence, lang),
        cat.clause.get(lang),
        cat.section.as_deref().unwrap_or("-"),
        &reason,
    );
    NearMiss {
        category: cat.id.clone(),
        reason: m.reason,
        by: m.by,
        evidence: m.evidence,
        explanation,
    }
}

#[cfg(test)]
mod tests {
    use super::{fill, noisy_or, occurrences, prune};
    use crate::incident::Incident;
    use crate::policy::RuleId;
    use crate::report::{Evidence, Source};
    use crate::signals::Signal;

    /// A hit of `rule` (weight 0.6) on the `nth` occurrence of `w` in `t`.
    fn hit_on(t: &str, rule: &str, w: &str, nth: usize) -> Signal {
        let at = t.match_indices(w).nth(nth).unwrap().0;
        hit(t, rule, 0.6, (at, at + w.len()))
    }

    /// A text hit of `rule` with `weight` on `text[s..e]`.
    fn hit(text: &str, rule: &str, weight: f64, (s, e): (usize, usize)) -> Signal {
        Signal {
            category: 0,
            weight,
            evidence: Evidence {
                rule: RuleId::new(rule),
                source: Source::Text,
                utterance: None,
                span: Some((s, e)),
                excerpt: Some(text[s..e].to_string()),
                observed: None,
                threshold: None,
                obfuscation: 0,
            },
        }
    }

    fn cited(kept: &[Signal]) -> Vec<(&str, &str)> {
        kept.iter()
            .map(|s| {
                (
                    s.evidence.rule.as_str(),
                    s.evidence.excerpt.as_deref().unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn rules_reading_one_place_are_one_occurrence() {
        let t =
            "社長名で謝罪文を送ってください。社長名で謝罪文を送れと言っている。慰謝料100万円払え";
        let inc = Incident::from_text("t", t);
        let on = |rule: &str, w: &str, nth: usize| hit_on(t, rule, w, nth);
        let once = [
            on("apology.formal", "社長名で謝罪", 0),
            on("apology.written", "謝罪文を送", 0),
        ];
        assert_eq!(occurrences(&inc, &once), 1);
        let mut twice = once.to_vec();
        twice.push(on("apology.written", "謝罪文を送", 1));
        assert_eq!(occurrences(&inc, &twice), 2);
        // Hits that touch are one place: 「慰謝料」「100万円払え」.
        let touching = [
            on("money.noun", "慰謝料", 0),
            on("money.large", "100万円払え", 0),
        ];
        assert_eq!(occurrences(&inc, &touching), 1);
        // Across a sentence end they are two.
        let apart = [
            on("apology.written", "謝罪文を送", 1),
            on("money.noun", "慰謝料", 0),
        ];
        assert_eq!(occurrences(&inc, &apart), 2);
        // The same span in another utterance is another place.
        let mut elsewhere = once[0].clone();
        elsewhere.evidence.utterance = Some(1);
        assert_eq!(occurrences(&inc, &[once[0].clone(), elsewhere]), 2);
        // A signal without a span (a fact) is a place of its own.
        let mut fact = once[0].clone();
        fact.evidence.span = None;
        assert_eq!(occurrences(&inc, &[once[0].clone(), fact]), 2);
    }

    #[test]
    fn rules_reading_one_clause_are_one_demand_and_a_list_is_two() {
        let t = "迷惑料として3万円をお支払いいただきたい。全額返せ、それに加えて慰謝料を払え。送迎しろ。駅まで車で送迎もしろ";
        let inc = Incident::from_text("t", t);
        let on = |rule: &str, w: &str, nth: usize| hit_on(t, rule, w, nth);
        // A particle between two rules' hits: one clause, one demand.
        let one = [
            on("money.noun", "迷惑料", 0),
            on("money.pay", "3万円をお支払い", 0),
        ];
        assert_eq!(occurrences(&inc, &one), 1);
        // Two demands listed with a comma are two.
        let listed = [
            on("money.refund", "全額返せ", 0),
            on("money.noun", "慰謝料", 0),
        ];
        assert_eq!(occurrences(&inc, &listed), 2);
        // A hit that ends on its sentence's 。 does not join the next sentence's.
        let two_sentences = [
            on("excessive.order", "送迎しろ。", 0),
            on("excessive.order", "送迎もしろ", 0),
        ];
        assert_eq!(occurrences(&inc, &two_sentences), 2);
    }

    #[test]
    fn only_a_short_run_of_spaces_quotes_or_a_colon_on_one_line_joins_two_hits() {
        for (post, gap, joined) in [
            ("on Facebook that", " ", true),
            ("on Facebook", ": \"", true),
            ("SNSに", "「", true),
            ("on Facebook", "\n", false),
            ("on Facebook", "    ", false),
            ("on Facebook", " and ", false),
        ] {
            let t = format!("{post}{gap}your manager is a thief");
            let inc = Incident::from_text("t", &t);
            let a = hit(&t, "online.x", 0.5, (0, post.len()));
            let b = hit(&t, "defamation.x", 0.7, (post.len() + gap.len(), t.len()));
            assert_eq!(
                super::joined(&inc, &a.evidence, &b.evidence),
                joined,
                "{t:?}"
            );
            assert_eq!(
                super::joined(&inc, &b.evidence, &a.evidence),
                joined,
                "{t:?}"
            );
        }
    }

    #[test]
    fn hits_of_one_rule_that_share_text_are_one_hit_over_both() {
        let t = "家族がどうなっても知らないぞ";
        let a = t.find("家族").unwrap();
        let b = t.find("どうなっても").unwrap();
        let c = t.find("ぞ").unwrap();
        let kept = prune(
            vec![
                hit(t, "threat.x", 0.85, (a, c)),
                hit(t, "threat.x", 0.85, (b, t.len())),
            ],
            3,
        );
        assert_eq!(cited(&kept), [("threat.x", t)]);
        assert_eq!(kept[0].evidence.span, Some((a, t.len())));
        assert_eq!(kept[0].weight, 0.85);
        // Either order of the two hits gives the same union.
        let kept = prune(
            vec![
                hit(t, "threat.x", 0.85, (b, t.len())),
                hit(t, "threat.x", 0.85, (a, c)),
            ],
            3,
        );
        assert_eq!(cited(&kept), [("threat.x", t)]);
        // Hits of two rules that partly overlap both count.
        let kept = prune(
            vec![
                hit(t, "threat.x", 0.85, (a, c)),
                hit(t, "threat.y", 0.8, (b, t.len())),
            ],
            3,
        );
        assert_eq!(kept.len(), 2);
        // Apart, hits of one rule both count (up to the per-rule limit).
        let u = "idiot and idiot";
        let kept = prune(
            vec![
                hit(u, "insult.x", 0.9, (0, 5)),
                hit(u, "insult.x", 0.9, (10, 15)),
            ],
            3,
        );
        assert_eq!(kept.len(), 2);
    }

    /// Found by a second read: a short hit bridging two others of its rule joined only the first.
    #[test]
    fn chains_of_one_rule_merge_whole_and_widening_does_not_overlap_a_rule_with_itself() {
        let t = "aaaa bbbb";
        let kept = prune(
            vec![
                hit(t, "r.x", 0.8, (0, 4)),
                hit(t, "r.x", 0.8, (5, 9)),
                hit(t, "r.x", 0.8, (3, 6)),
            ],
            3,
        );
        assert_eq!(cited(&kept), [("r.x", t)]);
        // A weaker hit of another rule over the first and part of the second does not widen the
        // first into the second.
        let t = "abc  fgh";
        let kept = prune(
            vec![
                hit(t, "r.x", 0.8, (0, 3)),
                hit(t, "r.x", 0.8, (5, 8)),
                hit(t, "r.w", 0.5, (0, 6)),
            ],
            3,
        );
        assert_eq!(cited(&kept), [("r.x", "abc"), ("r.x", "fgh")]);
    }

    #[test]
    fn a_widened_hit_keeps_the_rule_that_gave_its_weight() {
        let t = "I will grab her butt";
        let kept = prune(
            vec![
                hit(t, "sexual.strong", 0.9, (7, 15)),
                hit(t, "sexual.phrase", 0.6, (7, t.len())),
            ],
            3,
        );
        assert_eq!(cited(&kept), [("sexual.strong", "grab her butt")]);
        assert_eq!(kept[0].weight, 0.9);
    }

    /// Found by the property `order_of_cues_in_a_file_does_not_change_results`: with the
    /// categories of one record listed in another order, the conduct score came out 0.996 against
    /// 0.995, because the product was taken in the order of the findings.
    #[test]
    fn noisy_or_does_not_depend_on_the_order_of_its_weights() {
        // 1 - 0.15 * 0.05 * 0.6 = 0.9955, which multiplied in some orders is 0.99549999...
        let [a, b, c] = [0.85, 0.95, 0.4];
        let first = noisy_or([a, b, c]).to_bits();
        for p in [[a, c, b], [b, a, c], [b, c, a], [c, a, b], [c, b, a]] {
            assert_eq!(noisy_or(p).to_bits(), first, "{p:?}");
        }
        assert!((noisy_or([0.5, 0.5]) - 0.75).abs() < 1e-12);
        assert_eq!(noisy_or([]), 0.0);
    }

    #[test]
    fn templates_fill_known_placeholders_and_keep_others() {
        assert_eq!(
            fill(
                "{name}: {evidence} ({section}) {clause} {reason} {other}",
                "N",
                "E",
                "C",
                "S",
                "R"
            ),
            "N: E (S) C R {other}"
        );
        assert_eq!(fill("no braces", "a", "b", "c", "d", "e"), "no braces");
        assert_eq!(fill("{evidence}", "a", "{name}", "c", "d", "e"), "{name}");
    }
}
