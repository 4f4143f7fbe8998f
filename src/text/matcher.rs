//! The compiled matcher: every literal phrase of the policy in one aho-corasick automaton, and the
//! regexes, each run only where that automaton found all of its trigger groups. It reports raw
//! hits over normalized text; deciding what they mean (exceptions, negation, speakers) is the
//! signals layer's job.
//!
//! Why not one `RegexSet` for the regexes: a lazy DFA over the union of fifty rule regexes meets
//! new states on almost every new text, so on real rows it spent most of its time determinizing
//! (and fell back to the PikeVM when its cache thrashed): about 300 µs a row against 13 µs for
//! the same regexes run one by one. One by one, each regex keeps a small DFA of its own that
//! caches well, and the triggers keep most of them from running at all.

use super::normalize::is_word_char;
use crate::policy::model::RuleRegex;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex_syntax::hir::literal::{ExtractKind, Extractor, Seq};
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
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

/// Trigger groups of a regex: sets of literals such that every match contains a literal of each
/// set. The regex runs only on text where every group has one; no group means it always runs.
///
/// A set is the prefixes or suffixes of the whole match or, since every part of a concatenation is
/// in every match, of each part (so `\b(?:i|we)\s+(?:kill|shoot)` needs "kill" or "shoot", not
/// just "i"); an alternation needs the union of its branches' best sets. Each literal has at least
/// [`MIN_TRIGGER_LEN`] bytes (or is a rare pair such as "f*"). The [`MAX_GROUPS`] best sets are
/// kept, best first: the longest shortest literal (up to 6 bytes), then the fewest literals. Two
/// required parts together are far more selective than either: "you" is everywhere, "you" with
/// "sexy" and "legs" is not.
pub(crate) fn triggers_of(hir: &Hir) -> Vec<Vec<Vec<u8>>> {
    let mut sets = Vec::new();
    required_sets(hir, MIN_TRIGGER_LEN, MAX_DEPTH, &mut sets);
    if sets.is_empty() {
        // Better a common pair ("up", "ck") than running on every text.
        required_sets(hir, 2, MAX_DEPTH, &mut sets);
    }
    sets.sort_by_key(|s| std::cmp::Reverse(score(s)));
    let mut groups: Vec<Vec<Vec<u8>>> = Vec::new();
    for seq in sets {
        let Some(literals) = seq.literals() else {
            continue;
        };
        let group = minimal(literals.iter().map(|l| l.as_bytes()));
        if !groups.contains(&group) {
            groups.push(group);
        }
        if groups.len() == MAX_GROUPS {
            break;
        }
    }
    groups
}

/// The fewest literals that say what `literals` say: a literal holding another one of the set is
/// dropped, since the text holds the shorter one wherever it holds the longer. Sorted.
fn minimal<'a>(literals: impl Iterator<Item = &'a [u8]>) -> Vec<Vec<u8>> {
    let mut by_len: Vec<&[u8]> = literals.collect();
    by_len.sort_by_key(|l| (l.len(), *l));
    by_len.dedup();
    let mut kept: Vec<&[u8]> = Vec::with_capacity(by_len.len());
    for l in by_len {
        if !kept
            .iter()
            .any(|k| k.is_empty() || l.windows(k.len()).any(|w| w == *k))
        {
            kept.push(l);
        }
    }
    let mut group: Vec<Vec<u8>> = kept.into_iter().map(<[u8]>::to_vec).collect();
    group.sort();
    group
}

/// Whether the regex engine's own prefilter pays for itself on `hir`: a literal search for where
/// matches start. It does not when some match starts with a literal that occurs all over a text
/// (a 1–2-letter word such as "a" or "we", or a single kana): every occurrence restarts the
/// automaton for nothing, and the triggers have already told the matcher the regex is worth
/// running. Turning it off there cut the instructions of a short English record by a quarter.
pub(crate) fn prefilter_pays(hir: &Hir) -> bool {
    let seq = Extractor::new().kind(ExtractKind::Prefix).extract(hir);
    seq.literals().is_none_or(|literals| {
        literals.iter().all(|l| {
            let l = l.as_bytes();
            l.len() >= MIN_TRIGGER_LEN && (l.is_ascii() || l.len() >= 2 * MIN_TRIGGER_LEN)
        })
    })
}

fn score(seq: &Seq) -> (usize, std::cmp::Reverse<usize>) {
    let min = seq.min_literal_len().unwrap_or(0);
    (
        min.min(6),
        std::cmp::Reverse(seq.len().unwrap_or(usize::MAX)),
    )
}

/// Pushes onto `out` every usable literal set that each match of `hir` must contain one of.
fn required_sets(hir: &Hir, min_len: usize, depth: usize, out: &mut Vec<Seq>) {
    // A part that can match fewer than two bytes has a literal set holding such a short one, which
    // is never usable: only its sub-parts can give triggers.
    let kinds = if hir.properties().minimum_len().is_some_and(|n| n >= 2) {
        &[ExtractKind::Prefix, ExtractKind::Suffix][..]
    } else {
        &[]
    };
    for kind in kinds.iter().cloned() {
        let mut seq = Extractor::new()
            .kind(kind)
            .limit_literal_len(MAX_TRIGGER_LEN)
            .limit_total(MAX_TRIGGERS)
            .extract(hir);
        seq.sort();
        seq.dedup();
        out.extend(usable(seq, min_len));
    }
    if depth == 0 {
        return;
    }
    let depth = depth - 1;
    match hir.kind() {
        HirKind::Concat(parts) => parts
            .iter()
            .for_each(|p| required_sets(p, min_len, depth, out)),
        // A group is not a level of its own.
        HirKind::Capture(c) => required_sets(&c.sub, min_len, depth + 1, out),
        HirKind::Repetition(r) if r.min >= 1 => required_sets(&r.sub, min_len, depth, out),
        HirKind::Alternation(branches) => {
            let mut union = Some(Seq::empty());
            for b in branches {
                let mut sets = Vec::new();
                required_sets(b, min_len, depth, &mut sets);
                let best = sets.into_iter().max_by_key(score);
                union = union.zip(best).map(|(mut u, mut t)| {
                    u.union(&mut t);
                    u
                });
            }
            if let Some(mut union) = union {
                union.sort();
                union.dedup();
                out.extend(usable(union, min_len));
            }
        }
        _ => {}
    }
}

fn usable(seq: Seq, min_len: usize) -> Option<Seq> {
    let literals = seq.literals()?;
    (literals.len() <= MAX_TRIGGERS && literals.iter().all(|l| selective(l.as_bytes(), min_len)))
        .then_some(seq)
}

/// Whether a trigger literal is rare enough to be worth gating on: `min_len` bytes, or
/// two with a symbol in them (the "f*" of a masked word).
fn selective(literal: &[u8], min_len: usize) -> bool {
    literal.len() >= min_len
        || literal.len() == 2
            && literal
                .iter()
                .any(|b| b.is_ascii_punctuation() && !matches!(b, b'\'' | b'.' | b','))
}

/// How deep into the regex's structure required parts are looked for: deeper parts are rarely
/// better triggers, and each level extracts every literal below it again.
const MAX_DEPTH: usize = 3;
/// At most this many trigger groups per regex.
const MAX_GROUPS: usize = 3;
/// Shorter trigger literals (a single ASCII letter, "we") occur in most texts and save nothing.
const MIN_TRIGGER_LEN: usize = 3;
/// Beyond this many, the regex is simply run.
const MAX_TRIGGERS: usize = 256;
/// Literals are cut to this many bytes: longer ones select no better, and extracting them costs.
const MAX_TRIGGER_LEN: usize = 12;

/// Which trigger groups a text holds: a bitset, on the stack for up to 256 groups.
enum Bits {
    Inline([u64; 4]),
    Heap(Vec<u64>),
}

impl Bits {
    fn new(n: usize) -> Bits {
        if n <= 256 {
            Bits::Inline([0; 4])
        } else {
            Bits::Heap(vec![0; n.div_ceil(64)])
        }
    }

    fn words(&self) -> &[u64] {
        match self {
            Bits::Inline(w) => w,
            Bits::Heap(w) => w,
        }
    }

    fn words_mut(&mut self) -> &mut [u64] {
        match self {
            Bits::Inline(w) => w,
            Bits::Heap(w) => w,
        }
    }

    fn set(&mut self, i: usize) {
        self.words_mut()[i / 64] |= 1 << (i % 64);
    }

    /// The set bits, in increasing order.
    fn ones(&self) -> impl Iterator<Item = usize> + '_ {
        self.words().iter().enumerate().flat_map(|(k, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                (w != 0).then(|| {
                    let bit = w.trailing_zeros() as usize;
                    w &= w - 1;
                    k * 64 + bit
                })
            })
        })
    }

    fn get(&self, i: usize) -> bool {
        self.words()[i / 64] & (1 << (i % 64)) != 0
    }
}

/// All patterns of a policy, compiled once.
#[derive(Debug, Clone)]
pub(crate) struct Matcher {
    ac: AhoCorasick,
    literals: Vec<Literal>,
    /// Each rule regex (compiled on first use) and its owner.
    regexes: Vec<(Arc<RuleRegex>, Owner)>,
    /// For each automaton pattern past `literals` (a trigger literal), the groups it belongs to.
    triggers: Vec<Vec<usize>>,
    /// For each regex, its trigger groups (numbered across all regexes); empty: it always runs.
    groups: Vec<std::ops::Range<usize>>,
    /// For each trigger group, the regex it belongs to.
    group_regex: Vec<usize>,
    /// The regexes without trigger groups, which run on every text (as a bitset's words).
    ungated: Vec<u64>,
}

impl Matcher {
    pub(crate) fn build<'a>(
        inputs: impl IntoIterator<Item = MatcherInput<'a>>,
    ) -> Result<Matcher, String> {
        let mut pats: Vec<Vec<u8>> = Vec::new();
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
                pats.push(norm.clone().into_bytes());
            }
            if let Some(re) = input.regex {
                regexes.push((Arc::clone(re), input.owner));
            }
        }
        // Trigger literals go into the same automaton, after the phrases, one pattern each: trigger
        // `id` is pattern `literals.len() + id`.
        let mut triggers: Vec<Vec<usize>> = Vec::new();
        let mut trigger_ids: std::collections::HashMap<&[u8], usize> = Default::default();
        let mut groups = Vec::with_capacity(regexes.len());
        let mut next_group = 0;
        for (re, _) in &regexes {
            groups.push(next_group..next_group + re.triggers.len());
            for group in &re.triggers {
                for t in group {
                    let id = *trigger_ids.entry(t.as_slice()).or_insert_with(|| {
                        triggers.push(Vec::new());
                        pats.push(t.clone());
                        triggers.len() - 1
                    });
                    triggers[id].push(next_group);
                }
                next_group += 1;
            }
        }
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(&pats)
            .map_err(|e| e.to_string())?;
        let group_regex = groups
            .iter()
            .enumerate()
            .flat_map(|(i, g)| g.clone().map(move |_| i))
            .collect();
        let mut ungated = Bits::new(regexes.len());
        for (i, g) in groups.iter().enumerate() {
            if g.is_empty() {
                ungated.set(i);
            }
        }
        let ungated = ungated.words().to_vec();
        Ok(Matcher {
            ac,
            literals,
            regexes,
            triggers,
            groups,
            group_regex,
            ungated,
        })
    }

    /// Every hit in `text` (already normalized), literals first then regexes, each in text order.
    pub(crate) fn scan(&self, text: &str, out: &mut Vec<RawHit>) {
        self.scan_with(text, out, true);
    }

    /// `scan`; `gated: false` runs every regex everywhere (the reference the gates must equal).
    fn scan_with(&self, text: &str, out: &mut Vec<RawHit>, gated: bool) {
        let mut fired = Bits::new(self.groups.last().map_or(0, |g| g.end));
        // The regexes that may run: those without triggers, and those with a trigger group found
        // (whether all of their groups were found is checked after the scan).
        let mut candidates = Bits::new(self.regexes.len());
        for (w, &u) in candidates.words_mut().iter_mut().zip(&self.ungated) {
            *w = u;
        }
        for m in self.ac.find_overlapping_iter(text) {
            let Some(lit) = self.literals.get(m.pattern().as_usize()) else {
                // A trigger literal: its groups are present.
                let id = m.pattern().as_usize() - self.literals.len();
                for &g in &self.triggers[id] {
                    fired.set(g);
                    candidates.set(self.group_regex[g]);
                }
                continue;
            };
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
        if !gated {
            for i in 0..self.regexes.len() {
                self.run_regex(i, text, out);
            }
            return;
        }
        let mut present = [None; 3];
        for i in candidates.ones() {
            let re = &self.regexes[i].0;
            if !self.groups[i].clone().all(|g| fired.get(g)) {
                continue;
            }
            let kind = re.needs as usize;
            if *present[kind].get_or_insert_with(|| re.needs.present(text)) {
                self.run_regex(i, text, out);
            }
        }
    }

    /// Every match of regex `idx` in `text`.
    fn run_regex(&self, idx: usize, text: &str, out: &mut Vec<RawHit>) {
        let (rule, owner) = &self.regexes[idx];
        let re = rule.get();
        if rule.has_n || rule.has_hit {
            // Most regexes that run do not match: finding that out needs no capture slots.
            if !re.is_match(text) {
                return;
            }
            for caps in re.captures_iter(text) {
                // A `hit` group narrows the evidence to the word itself, without its context.
                let Some(m) = caps
                    .get_group_by_name("hit")
                    .or_else(|| caps.get_match().map(|m| m.span()))
                else {
                    continue;
                };
                if m.is_empty() {
                    continue;
                }
                let n = caps
                    .get_group_by_name("n")
                    .and_then(|g| parse_number(&text[g.range()]));
                out.push(RawHit {
                    owner: *owner,
                    start: m.start,
                    end: m.end,
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

    fn triggers(src: &str) -> Vec<Vec<String>> {
        let hir = regex_syntax::parse(src).unwrap();
        triggers_of(&hir)
            .into_iter()
            .map(|g| {
                g.into_iter()
                    .map(|t| String::from_utf8(t).unwrap())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn triggers_come_from_the_most_selective_required_parts() {
        let t = |v: &[&[&str]]| -> Vec<Vec<String>> {
            v.iter()
                .map(|g| g.iter().map(|s| s.to_string()).collect())
                .collect()
        };
        // The subject ("i", "we") is too short to select anything; the verbs are required too.
        assert_eq!(
            triggers(r"\b(?:i|we)\s+(?:will\s+)?(?:kill|shoot)\b"),
            t(&[&["kill", "shoot"]])
        );
        // Two required parts: both must be present.
        assert_eq!(
            triggers(r"\byou\s+have\s+(?:nice|sexy)\s+legs"),
            t(&[&["legs"], &["have"], &["nice", "sexy"]])
        );
        // An alternation is triggered by what triggers each branch.
        assert_eq!(
            triggers(r"(?:i|we)\s+hate\s+\w+|\w+\s+must\s+go"),
            t(&[&["hate", "must"]])
        );
        // A branch with nothing selective leaves the regex ungated.
        assert!(triggers(r"(?:i|we)\s+hate|\d+").is_empty());
        // With nothing of three bytes, a pair is better than running everywhere.
        assert_eq!(
            triggers(r"\b(?:i|we)\s+(?:f\W*ck|bang)\s+up"),
            t(&[&["up"], &["bang", "ck"]])
        );
        assert!(triggers(r"\b\w+\b").is_empty());
        // An optional part is not required, so it cannot trigger.
        assert_eq!(
            triggers(r"(?:please\s+)?go"),
            t(&[&["go"], &["go", "please"]])
        );
        assert_eq!(
            triggers(r"殺(?:す|してやる)"),
            // Literals are cut to 12 bytes (four kana): "殺してやる" becomes "殺してや".
            t(&[&["殺してや", "殺す"], &["してやる", "殺す"], &["殺"]])
        );
    }

    #[test]
    fn the_regex_prefilter_is_kept_only_where_matches_start_with_rare_literals() {
        let pays = |src: &str| prefilter_pays(&regex_syntax::parse(src).unwrap());
        assert!(pays(r"\b(?:kill|murder)\s+you"));
        assert!(pays(r"殺してやる|ぶっ殺す"));
        // Some match starts with a short word, or with a single kana.
        assert!(!pays(r"\b(?:i|we)\s+(?:kill|shoot)"));
        assert!(!pays(
            r"(?:useless|pathetic)\s+lot|(?:a|the)\s+monkey\s+could"
        ));
        assert!(!pays(r"(?:おまえ|き)\s*死ね"));
        // No literal prefix to speak of: the regex engine decides.
        assert!(pays(r"(?:^|[^a-z])kill"));
    }

    /// Every text of the shipped policy cases and edge texts gives the same hits with the gates
    /// (triggers, needs) as with every regex run everywhere.
    #[test]
    fn gated_scans_equal_running_every_regex() {
        let engine = crate::Engine::default();
        let m = engine.matcher();
        let mut texts: Vec<String> = Vec::new();
        fn collect(v: &toml::Value, out: &mut Vec<String>) {
            match v {
                toml::Value::Table(t) => {
                    for (k, v) in t {
                        match v {
                            toml::Value::String(s) if k == "text" => out.push(s.clone()),
                            _ => collect(v, out),
                        }
                    }
                }
                toml::Value::Array(a) => a.iter().for_each(|v| collect(v, out)),
                _ => {}
            }
        }
        for src in [
            include_str!("../../rules/cases/en.toml"),
            include_str!("../../rules/cases/ja.toml"),
            include_str!("../../rules/cases/negatives.toml"),
            include_str!("../../rules/cases/behaviour.toml"),
        ] {
            collect(&src.parse::<toml::Table>().unwrap().into(), &mut texts);
        }
        assert!(texts.len() > 500, "{}", texts.len());
        texts.extend(["", "kill", "殺", "i will", "x".repeat(300).as_str()].map(String::from));
        let mut regex_hits = 0;
        for t in &texts {
            let norm = crate::text::normalize::normalize(t);
            let (mut gated, mut every) = (Vec::new(), Vec::new());
            m.scan_with(norm.as_str(), &mut gated, true);
            m.scan_with(norm.as_str(), &mut every, false);
            assert_eq!(gated, every, "{t}");
            regex_hits += gated
                .iter()
                .filter(|h| m.regexes.iter().any(|(_, o)| *o == h.owner))
                .count();
        }
        assert!(regex_hits > 100, "{regex_hits}");
    }

    proptest::proptest! {
        #![proptest_config(crate::proptest_config(11))]
        /// Texts stitched from pieces of the lexicon's words: the gates never hide a match.
        #[test]
        fn gates_never_hide_a_match(words in proptest::collection::vec(proptest::sample::select(&[
            "i", "we", "'ll", " ", "will", "kill", "shoot", "you", "all", "hope", "die", "dead",
            "fucking", "stupid", "bitch", "go back", "to", "your", "country", "touch", "ass",
            "25", "times", "hours", "殺す", "ぞ", "お前", "ばか", "女", "は", "黙ってろ", "死ね",
            "回", "電話", "時間", "外国人", "出ていけ", "。", "!", "\n",
        ][..]), 0..14)) {
            static ENGINE: std::sync::OnceLock<crate::Engine> = std::sync::OnceLock::new();
            let engine = ENGINE.get_or_init(crate::Engine::default);
            let text = crate::text::normalize::normalize(&words.concat()).as_str().to_string();
            let (mut gated, mut every) = (Vec::new(), Vec::new());
            engine.matcher().scan_with(&text, &mut gated, true);
            engine.matcher().scan_with(&text, &mut every, false);
            proptest::prop_assert_eq!(gated, every, "{:?}", text);
        }
    }

    #[test]
    fn bitsets_list_their_members_in_order() {
        for n in [10, 256, 300] {
            let mut b = Bits::new(n);
            for i in [n - 1, 0, 63, 64, 5] {
                b.set(i);
            }
            let mut want = vec![0, 5, 63, 64, n - 1];
            want.sort();
            want.dedup();
            assert_eq!(b.ones().collect::<Vec<_>>(), want);
            assert!(b.get(63) && !b.get(1));
        }
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
