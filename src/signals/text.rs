//! Text signals: lexicon hits in the record's text and customer turns, after exceptions, negation
//! and speaker rules; and the cues (emergency, counts, durations, request facts) from all text.

use super::{Miss, Signal};
use crate::incident::{Incident, Speaker};
use crate::policy::{Boundary, CueKind, Policy, Scope};
use crate::report::{Evidence, MissReason, Source};
use crate::text::matcher::{Matcher, Owner, RawHit};
use crate::text::normalize;

/// A cue found in text.
#[derive(Debug, Clone)]
pub(crate) struct CueHit {
    pub cue: usize,
    pub n: Option<f64>,
    pub evidence: Evidence,
}

/// Everything the text of one record says.
#[derive(Debug, Default)]
pub(crate) struct TextObservations {
    pub signals: Vec<Signal>,
    pub misses: Vec<Miss>,
    pub cues: Vec<CueHit>,
}

/// Scans the record's text and utterances.
pub(crate) fn observe(policy: &Policy, matcher: &Matcher, incident: &Incident) -> TextObservations {
    let mut out = TextObservations::default();
    let mut raw = Vec::new();
    if let Some(text) = incident.text.as_deref() {
        scan_one(
            policy,
            matcher,
            text,
            Source::Text,
            None,
            true,
            &mut raw,
            &mut out,
        );
    }
    for (i, u) in incident.utterances.iter().enumerate() {
        let customer = u.speaker == Speaker::Customer;
        scan_one(
            policy,
            matcher,
            &u.text,
            Source::Utterance,
            Some(i),
            customer,
            &mut raw,
            &mut out,
        );
    }
    // In text order, then by rule id: whichever cue is cited first must not depend on the order
    // of rules in the files.
    out.cues.sort_by(|a, b| {
        let key = |c: &CueHit| (c.evidence.source, c.evidence.utterance, c.evidence.span);
        key(a)
            .cmp(&key(b))
            .then_with(|| a.evidence.rule.cmp(&b.evidence.rule))
    });
    out
}

fn is_katakana(c: char) -> bool {
    matches!(c, '\u{30A1}'..='\u{30FA}' | '\u{30FC}' | '\u{FF66}'..='\u{FF9F}')
}

/// Whether `[s, e)` of the original is katakana that continues into a longer katakana word
/// (バカ in バカンス): such a hit is a different word, not a near miss.
fn inside_katakana_word(text: &str, s: usize, e: usize) -> bool {
    let span = &text[s..e];
    if span.is_empty() || !span.chars().all(is_katakana) {
        return false;
    }
    let before = text[..s].chars().next_back().is_some_and(is_katakana);
    let after = text[e..].chars().next().is_some_and(is_katakana);
    before || after
}

fn ends_sentence(c: char) -> bool {
    matches!(c, '。' | '.' | '!' | '?' | '\n' | '」' | '』')
}

/// Whether `gap` holds the end of a sentence. A closing quote that another quote follows (after at
/// most a comma or a middle dot) is a list of quotes, one sentence: 「バカ」「アホ」って言い合ってる.
fn gap_ends_sentence(gap: &str) -> bool {
    let mut chars = gap.chars().peekable();
    while let Some(c) = chars.next() {
        if !ends_sentence(c) {
            continue;
        }
        if matches!(c, '」' | '』') {
            let mut rest = chars.clone();
            while rest
                .next_if(|n| matches!(n, '、' | ',' | '・' | ' '))
                .is_some()
            {}
            if rest.peek().is_some_and(|n| matches!(n, '「' | '『')) {
                continue;
            }
        }
        return true;
    }
    false
}

#[allow(clippy::too_many_arguments)]
fn scan_one(
    policy: &Policy,
    matcher: &Matcher,
    text: &str,
    source: Source,
    utterance: Option<usize>,
    customer: bool,
    raw: &mut Vec<RawHit>,
    out: &mut TextObservations,
) {
    let norm = normalize(text);
    let ntext = norm.as_str();
    raw.clear();
    matcher.scan(ntext, raw);
    // Two phrases of one rule may normalize alike (バカ, ばか): one hit each.
    raw.sort_by_key(|h| (h.owner, h.start, h.end));
    raw.dedup_by(|a, b| (a.owner, a.start, a.end) == (b.owner, b.start, b.end));
    let evidence = |rule: &crate::policy::RuleId, h: &RawHit| -> Evidence {
        let (s, e) = norm.original_span(h.start, h.end);
        Evidence {
            rule: rule.clone(),
            source,
            utterance,
            span: Some((s, e)),
            excerpt: Some(text[s..e].to_string()),
            observed: None,
            threshold: None,
            obfuscation: norm.edits_in(h.start, h.end),
        }
    };
    // Cues from every speaker: context is context whoever gives it.
    for h in raw.iter() {
        if let Owner::Cue(c) = h.owner {
            let cue = &policy.cues[c];
            out.cues.push(CueHit {
                cue: c,
                n: h.n,
                evidence: evidence(&cue.id, h),
            });
        }
    }
    for h in raw.iter() {
        let Owner::Entry(ei) = h.owner else { continue };
        let entry = &policy.entries[ei];
        let ev = evidence(&entry.id, h);
        let (s, e) = ev.span.unwrap_or((0, 0));
        let excerpt = &text[s..e];
        if entry.katakana_only && !excerpt.chars().all(is_katakana) {
            continue;
        }
        if entry.patterns.boundary == Boundary::Auto && inside_katakana_word(text, s, e) {
            continue;
        }
        let miss = |reason, by: Option<&crate::policy::RuleId>| Miss {
            category: entry.category,
            reason,
            by: by.cloned(),
            evidence: ev.clone(),
        };
        if entry
            .not_followed_by
            .as_ref()
            .is_some_and(|g| g.get().is_match(&ntext[h.end..]))
        {
            out.misses
                .push(miss(MissReason::FollowedBy, Some(&entry.id)));
            continue;
        }
        // Of several exceptions around the hit, cite the one with the smallest id, so the
        // output does not depend on the order of rules.
        if let Some(x) = raw
            .iter()
            .filter_map(|x| match x.owner {
                Owner::Exception(xi) if x.start <= h.start && h.end <= x.end => Some(xi),
                _ => None,
            })
            .min_by(|a, b| policy.exceptions[*a].id.cmp(&policy.exceptions[*b].id))
        {
            out.misses
                .push(miss(MissReason::Exception, Some(&policy.exceptions[x].id)));
            continue;
        }
        if let Some(c) = cancelled_by(policy, ntext, h, entry.category, raw, true) {
            out.misses
                .push(miss(MissReason::NotCustomer, Some(&policy.cues[c].id)));
            continue;
        }
        if let Some(c) = cancelled_by(policy, ntext, h, entry.category, raw, false) {
            out.misses
                .push(miss(MissReason::Negation, Some(&policy.cues[c].id)));
            continue;
        }
        if !customer {
            out.misses.push(miss(MissReason::NotCustomer, None));
            continue;
        }
        out.signals.push(Signal {
            category: entry.category,
            weight: entry.weight,
            evidence: ev,
        });
    }
}

/// The negation cue (or, with `third_party`, the third-party cue) that cancels hit `h`, if any:
/// within its window, in the same sentence.
fn cancelled_by(
    policy: &Policy,
    text: &str,
    h: &RawHit,
    category: usize,
    raw: &[RawHit],
    third_party: bool,
) -> Option<usize> {
    // Of several cues, the one with the smallest id: results must not depend on rule order.
    raw.iter()
        .filter_map(|x| {
            let Owner::Cue(c) = x.owner else { return None };
            let (scope, within, applies_to) = match (&policy.cues[c].kind, third_party) {
                (
                    CueKind::Negation {
                        scope,
                        within,
                        applies_to,
                    },
                    false,
                )
                | (
                    CueKind::ThirdParty {
                        scope,
                        within,
                        applies_to,
                    },
                    true,
                ) => (scope, within, applies_to),
                _ => return None,
            };
            if !applies_to.is_empty() && !applies_to.contains(&category) {
                return None;
            }
            let gap = match scope {
                // A cue may overlap the hit ("not going to" + "going to kill you").
                Scope::After if x.end > h.end && x.start > h.start => {
                    &text[h.end..x.start.max(h.end)]
                }
                Scope::Before if x.start < h.start && x.end < h.end => {
                    &text[x.end.min(h.start)..h.start]
                }
                _ => return None,
            };
            (super::within_chars(gap, *within) && !gap_ends_sentence(gap)).then_some(c)
        })
        .min_by(|a, b| policy.cues[*a].id.cmp(&policy.cues[*b].id))
}

#[cfg(test)]
mod tests {
    use super::gap_ends_sentence;

    #[test]
    fn a_list_of_quotes_is_one_sentence() {
        assert!(!gap_ends_sentence("」「あほ"));
        assert!(!gap_ends_sentence("」、「あほ」・『くず"));
        assert!(!gap_ends_sentence("」 「あほ"));
        assert!(gap_ends_sentence("」と言った。"));
        assert!(gap_ends_sentence("」って"));
        assert!(gap_ends_sentence("。「あほ"));
        assert!(gap_ends_sentence("x.y"));
        assert!(!gap_ends_sentence(""));
    }
}
