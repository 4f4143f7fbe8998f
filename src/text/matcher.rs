//! The compiled matcher: every literal phrase of the policy in one aho-corasick automaton, and the
//! regexes behind one `RegexSet` prefilter. It reports raw hits over normalized text; deciding what
//! they mean (exceptions, negation, speakers) is the signals layer's job.

use super::normalize::is_word_char;
use crate::policy::model::RuleRegex;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::RegexSet;
use regex_syntax::hir::{Class, Hir, HirKind};
use std::sync::Arc;

/// Who a pattern belongs to: an index into the policy's entries, cues or exceptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Owner {
    Entry(usize),
    Cue(usize),
    Exception(usize),
}

/// One raw match over normalized text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RawHit {
    pub owner: Owner,
    pub start: usize,
    pub end: usize,
    /// The number captured by a regex's `n` group, if any.
    pub n: Option<f64>,
}

#[derive(Debug, Clone)]
struct Literal {
    owner: Owner,
    check_start: bool,
    check_end: bool,
}

/// Literal phrases and regexes to compile, in owner order.
pub(crate) struct MatcherInput<'a> {
    pub owner: Owner,
    pub phrases: &'a [String],
    /// `phrases` as the loader normalized them (without a trailing `*`), one for one.
    pub normalized: &'a [String],
    pub regex: Option<&'a Arc<RuleRegex>>,
    pub word_boundaries: bool,
}

/// What every match of a regex must contain, read from its syntax. Text without it cannot match,
/// so the regex is not run there: English rules are skipped over Japanese text and the reverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Needs {
    /// An ASCII letter.
    Latin,
    /// A character outside ASCII (kana, kanji, curly quotes).
    NonAscii,
    /// Nothing that can be checked cheaply.
    Anything,
}

impl Needs {
    /// Reads what `pattern` needs from its syntax (`Anything` if it does not parse).
    #[cfg(test)]
    pub(crate) fn of(pattern: &str) -> Needs {
        match regex_syntax::Parser::new().parse(pattern) {
            Ok(hir) => Needs::of_hir(&hir),
            Err(_) => Needs::Anything,
        }
    }

    /// What every match of the parsed regex `hir` needs.
    pub(crate) fn of_hir(hir: &Hir) -> Needs {
        let latin = |lo: u32, hi: u32| {
            (u32::from(b'a')..=u32::from(b'z')).contains(&lo) && hi <= u32::from(b'z')
                || (u32::from(b'A')..=u32::from(b'Z')).contains(&lo) && hi <= u32::from(b'Z')
        };
        if requires(hir, &latin) {
            Needs::Latin
        } else if requires(hir, &|lo, _| lo > 0x7F) {
            Needs::NonAscii
        } else {
            Needs::Anything
        }
    }

    fn present(self, text: &str) -> bool {
        match self {
            Needs::Latin => text.bytes().any(|b| b.is_ascii_alphabetic()),
            Needs::NonAscii => !text.is_ascii(),
            Needs::Anything => true,
        }
    }
}

/// Whether every match of `hir` holds a character in a range that `inside(lo, hi)` accepts
/// whole. Sound, not complete: `false` only means the regex is always run.
fn requires(hir: &Hir, inside: &dyn Fn(u32, u32) -> bool) -> bool {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => false,
        HirKind::Literal(lit) => {
            std::str::from_utf8(&lit.0).is_ok_and(|s| s.chars().any(|c| inside(c as u32, c as u32)))
        }
        HirKind::Class(Class::Unicode(c)) => {
            !c.ranges().is_empty()
                && c.ranges()
                    .iter()
                    .all(|r| inside(r.start() as u32, r.end() as u32))
        }
        HirKind::Class(Class::Bytes(c)) => {
            !c.ranges().is_empty()
                && c.ranges()
                    .iter()
                    .all(|r| r.end() < 0x80 && inside(r.start().into(), r.end().into()))
        }
        HirKind::Repetition(r) => r.min >= 1 && requires(&r.sub, inside),
        HirKind::Capture(c) => requires(&c.sub, inside),
        HirKind::Concat(hs) => hs.iter().any(|h| requires(h, inside)),
        HirKind::Alternation(hs) => hs.iter().all(|h| requires(h, inside)),
    }
}

/// All patterns of a policy, compiled once.
#[derive(Debug, Clone)]
pub(crate) struct Matcher {
    ac: AhoCorasick,
    literals: Vec<Literal>,
    /// Each rule regex (compiled on first use) and its owner.
    regexes: Vec<(Arc<RuleRegex>, Owner)>,
    /// One `RegexSet` per kind of text its regexes need, with the index of each of its regexes.
    sets: Vec<(Needs, RegexSet, Vec<usize>)>,
}

impl Matcher {
    pub(crate) fn build<'a>(
        inputs: impl IntoIterator<Item = MatcherInput<'a>>,
    ) -> Result<Matcher, String> {
        let mut pats: Vec<String> = Vec::new();
        let mut literals = Vec::new();
        let mut regexes = Vec::new();
        for input in inputs {
            for (phrase, norm) in input.phrases.iter().zip(input.normalized) {
                let prefix = phrase.ends_with('*');
                if norm.is_empty() {
                    continue;
                }
                let first = norm.chars().next().is_some_and(is_word_char);
                let last = norm.chars().next_back().is_some_and(is_word_char);
                literals.push(Literal {
                    owner: input.owner,
                    check_start: input.word_boundaries && first,
                    check_end: input.word_boundaries && last && !prefix,
                });
                pats.push(norm.clone());
            }
            if let Some(re) = input.regex {
                regexes.push((Arc::clone(re), input.owner));
            }
        }
        let groups: Vec<(Needs, Vec<usize>)> = [Needs::Latin, Needs::NonAscii, Needs::Anything]
            .into_iter()
            .map(|kind| {
                (
                    kind,
                    (0..regexes.len())
                        .filter(|&i| regexes[i].0.needs == kind)
                        .collect(),
                )
            })
            .filter(|(_, members): &(Needs, Vec<usize>)| !members.is_empty())
            .collect();
        let build_set = |members: &[usize]| {
            RegexSet::new(members.iter().map(|&i| regexes[i].0.source.as_str()))
                .map_err(|e| e.to_string())
        };
        let build_ac = || {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .build(&pats)
                .map_err(|e| e.to_string())
        };
        // The automaton and the regex sets build independently: on several cores, side by side.
        let parallel = std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
        let (ac, built) = if parallel {
            std::thread::scope(|scope| {
                let handles: Vec<_> = groups
                    .iter()
                    .map(|(_, members)| scope.spawn(|| build_set(members)))
                    .collect();
                let ac = build_ac();
                let built: Vec<Result<RegexSet, String>> = handles
                    .into_iter()
                    .map(|h| {
                        h.join()
                            .unwrap_or_else(|_| Err("regex set build failed".into()))
                    })
                    .collect();
                (ac, built)
            })
        } else {
            let built = groups.iter().map(|(_, m)| build_set(m)).collect();
            (build_ac(), built)
        };
        let ac = ac?;
        let mut sets = Vec::with_capacity(groups.len());
        for ((kind, members), set) in groups.into_iter().zip(built) {
            sets.push((kind, set?, members));
        }
        Ok(Matcher {
            ac,
            literals,
            regexes,
            sets,
        })
    }

    /// Every hit in `text` (already normalized), literals first then regexes, each in text order.
    pub(crate) fn scan(&self, text: &str, out: &mut Vec<RawHit>) {
        for m in self.ac.find_overlapping_iter(text) {
            let lit = &self.literals[m.pattern().as_usize()];
            let (s, e) = (m.start(), m.end());
            if !text.is_char_boundary(s) || !text.is_char_boundary(e) {
                continue;
            }
            if lit.check_start && text[..s].chars().next_back().is_some_and(is_word_char) {
                continue;
            }
            if lit.check_end && text[e..].chars().next().is_some_and(is_word_char) {
                continue;
            }
            out.push(RawHit {
                owner: lit.owner,
                start: s,
                end: e,
                n: None,
            });
        }
        for (needs, set, members) in &self.sets {
            if needs.present(text) {
                for i in set.matches(text).iter() {
                    self.run_regex(members[i], text, out);
                }
            }
        }
    }

    /// Every match of regex `idx` in `text`.
    fn run_regex(&self, idx: usize, text: &str, out: &mut Vec<RawHit>) {
        let (rule, owner) = &self.regexes[idx];
        let re = rule.get();
        if rule.has_n || rule.has_hit {
            for caps in re.captures_iter(text) {
                // A `hit` group narrows the evidence to the word itself, without its context.
                let Some(m) = caps.name("hit").or_else(|| caps.get(0)) else {
                    continue;
                };
                if m.is_empty() {
                    continue;
                }
                let n = caps.name("n").and_then(|g| parse_number(g.as_str()));
                out.push(RawHit {
                    owner: *owner,
                    start: m.start(),
                    end: m.end(),
                    n,
                });
            }
        } else {
            for m in re.find_iter(text).filter(|m| !m.is_empty()) {
                out.push(RawHit {
                    owner: *owner,
                    start: m.start(),
                    end: m.end(),
                    n: None,
                });
            }
        }
    }

    /// Compiles every rule regex now (they compile on first use otherwise).
    pub(crate) fn warm(&self) {
        for (rule, _) in &self.regexes {
            rule.get();
        }
    }

    /// Approximate heap bytes held by the automaton and regexes.
    pub(crate) fn memory_usage(&self) -> usize {
        self.ac.memory_usage()
            + self.literals.len() * std::mem::size_of::<Literal>()
            + self
                .regexes
                .iter()
                .map(|(r, _)| r.source.len() * 64)
                .sum::<usize>()
    }
}

/// Parses a count or duration as written: digits ("25", "2.5"), kanji numerals (「三」「二十」
/// 「百五十」), or English number words ("two", "twenty five", "an", "half").
pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(v) = s.replace(',', "").parse::<f64>() {
        return v.is_finite().then_some(v);
    }
    if let Some(v) = parse_kanji(s) {
        return Some(v);
    }
    parse_english(s)
}

fn parse_kanji(s: &str) -> Option<f64> {
    let digit = |c: char| -> Option<u64> {
        Some(match c {
            '〇' | '零' => 0,
            '一' => 1,
            '二' => 2,
            '三' => 3,
            '四' => 4,
            '五' => 5,
            '六' => 6,
            '七' => 7,
            '八' => 8,
            '九' => 9,
            _ => return None,
        })
    };
    let mut total: u64 = 0;
    let mut section: u64 = 0;
    let mut current: Option<u64> = None;
    let mut any = false;
    for c in s.chars() {
        if let Some(d) = digit(c) {
            current = Some(current.unwrap_or(0).checked_mul(10)?.checked_add(d)?);
            any = true;
            continue;
        }
        let unit = match c {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            '万' => 10_000,
            _ => return None,
        };
        any = true;
        if unit == 10_000 {
            section = section.checked_add(current.take().unwrap_or(0))?;
            total = total.checked_add(section.max(1).checked_mul(unit)?)?;
            section = 0;
        } else {
            section = section.checked_add(current.take().unwrap_or(1).checked_mul(unit)?)?;
        }
    }
    if !any {
        return None;
    }
    let v = total
        .checked_add(section)?
        .checked_add(current.unwrap_or(0))?;
    Some(v as f64)
}

fn parse_english(s: &str) -> Option<f64> {
    let word = |w: &str| -> Option<f64> {
        Some(match w {
            "a" | "an" | "one" | "once" => 1.0,
            "half" => 0.5,
            "two" | "twice" | "couple" => 2.0,
            "three" | "thrice" | "few" => 3.0,
            "four" => 4.0,
            "five" => 5.0,
            "six" => 6.0,
            "seven" => 7.0,
            "eight" => 8.0,
            "nine" => 9.0,
            "ten" => 10.0,
            "eleven" => 11.0,
            "twelve" | "dozen" => 12.0,
            "thirteen" => 13.0,
            "fourteen" => 14.0,
            "fifteen" => 15.0,
            "sixteen" => 16.0,
            "seventeen" => 17.0,
            "eighteen" => 18.0,
            "nineteen" => 19.0,
            "twenty" => 20.0,
            "thirty" => 30.0,
            "forty" => 40.0,
            "fifty" => 50.0,
            "sixty" => 60.0,
            "seventy" => 70.0,
            "eighty" => 80.0,
            "ninety" => 90.0,
            "hundred" => 100.0,
            _ => return None,
        })
    };
    let mut total = 0.0;
    let mut any = false;
    for w in s.split([' ', '-']) {
        if w.is_empty() || w == "and" {
            continue;
        }
        let v = word(w)?;
        any = true;
        if v == 100.0 {
            total = if total == 0.0 { 100.0 } else { total * 100.0 };
        } else {
            total += v;
        }
    }
    any.then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_regex_needs_is_read_from_its_syntax() {
        assert_eq!(Needs::of(r"\bi\s+will\s+(?P<hit>kill)"), Needs::Latin);
        assert_eq!(Needs::of(r"(?i)(?:a|b)c?"), Needs::Latin);
        assert_eq!(Needs::of(r"(?P<n>\d+)\s*回"), Needs::NonAscii);
        assert_eq!(Needs::of(r"(?:殺す|ころす)ぞ"), Needs::NonAscii);
        // A branch without a letter, an optional letter or a class wider than the letters: the
        // regex may match text without one, so it always runs.
        assert_eq!(Needs::of(r"kill|\d+"), Needs::Anything);
        assert_eq!(Needs::of(r"x?\d"), Needs::Anything);
        assert_eq!(Needs::of(r"[a-z0-9]+"), Needs::Anything);
        assert_eq!(Needs::of(r"\w+"), Needs::Anything);
        assert_eq!(Needs::of(r"死|die"), Needs::Anything);
        assert!(Needs::Latin.present("call 25 times") && !Needs::Latin.present("25回"));
        assert!(Needs::NonAscii.present("25回") && !Needs::NonAscii.present("kill"));
    }

    #[test]
    fn regexes_are_skipped_only_over_text_they_cannot_match() {
        let rule = |src: &str| crate::policy::load::check_regex(src).unwrap();
        let en = rule(r"(?P<n>\d+)\s+times");
        let ja = rule(r"(?P<n>\d+)回");
        let any = rule(r"\d{3}");
        let m = Matcher::build([
            MatcherInput {
                owner: Owner::Cue(0),
                phrases: &[],
                normalized: &[],
                regex: Some(&en),
                word_boundaries: true,
            },
            MatcherInput {
                owner: Owner::Cue(1),
                phrases: &[],
                normalized: &[],
                regex: Some(&ja),
                word_boundaries: true,
            },
            MatcherInput {
                owner: Owner::Cue(2),
                phrases: &[],
                normalized: &[],
                regex: Some(&any),
                word_boundaries: true,
            },
        ])
        .unwrap();
        let hits = |t: &str| {
            let mut v = Vec::new();
            m.scan(t, &mut v);
            v.iter().map(|h| (h.owner, h.n)).collect::<Vec<_>>()
        };
        assert_eq!(
            hits("called 125 times"),
            [(Owner::Cue(0), Some(125.0)), (Owner::Cue(2), None)]
        );
        assert_eq!(
            hits("125回"),
            [(Owner::Cue(1), Some(125.0)), (Owner::Cue(2), None)]
        );
        assert_eq!(
            hits("125 times, 12回"),
            [
                (Owner::Cue(0), Some(125.0)),
                (Owner::Cue(1), Some(12.0)),
                (Owner::Cue(2), None)
            ]
        );
    }

    #[test]
    fn numbers_in_three_notations() {
        assert_eq!(parse_number("25"), Some(25.0));
        assert_eq!(parse_number("1,200"), Some(1200.0));
        assert_eq!(parse_number("三"), Some(3.0));
        assert_eq!(parse_number("二十"), Some(20.0));
        assert_eq!(parse_number("二十五"), Some(25.0));
        assert_eq!(parse_number("百五十"), Some(150.0));
        assert_eq!(parse_number("十"), Some(10.0));
        assert_eq!(parse_number("一万"), Some(10_000.0));
        assert_eq!(parse_number("two"), Some(2.0));
        assert_eq!(parse_number("twenty five"), Some(25.0));
        assert_eq!(parse_number("an"), Some(1.0));
        assert_eq!(parse_number("lots"), None);
        assert_eq!(parse_number("nan"), None);
    }

    #[test]
    fn word_boundaries_apply_to_latin_edges_only() {
        let phrases = vec!["ass".to_string(), "ばか".to_string(), "fuck*".to_string()];
        let normalized: Vec<String> = phrases
            .iter()
            .map(|p| super::super::normalize::normalize_pattern(p.trim_end_matches('*')))
            .collect();
        let m = Matcher::build([MatcherInput {
            owner: Owner::Entry(0),
            phrases: &phrases,
            normalized: &normalized,
            regex: None,
            word_boundaries: true,
        }])
        .unwrap();
        let mut hits = Vec::new();
        m.scan("assessment class ass", &mut hits);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].start, 17);
        hits.clear();
        m.scan("おまえばかだな fucking", &mut hits);
        assert_eq!(hits.len(), 2);
    }
}
