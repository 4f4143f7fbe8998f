//! Normalization with an offset map: every normalized character remembers the byte range of the
//! original text it came from, so evidence found in normalized text cites the original exactly.
//!
//! Steps, in order (each one is idempotent, and so is the whole):
//! 1. per character: invisible and control characters dropped; NFKD then recomposition of kana
//!    voicing marks and Hangul (so half-width ｶﾞ → ガ); other combining marks dropped (é → e, Zalgo);
//!    lowercase; Cyrillic/Greek look-alikes → Latin; katakana → hiragana; whitespace → one space;
//! 2. leetspeak inside Latin words (sh1t, $hit, h3ll0) but not in numbers (25, $100, covid19);
//! 3. letters split by separators joined ("f u c k", "k.i.l.l"), and spaces or dots between Japanese
//!    characters dropped (「死 ね」);
//! 4. stretched letters collapsed: 3+ identical Latin letters → one; repeated 「ー」「〜」「っ」 → one.
//!
//! Steps 1's width, case and kana folding are ordinary; everything else counts as an obfuscation
//! edit, reported per piece of evidence.

use icu_normalizer::DecomposingNormalizerBorrowed;
use icu_normalizer::properties::CanonicalCompositionBorrowed;

/// Normalized text with the map back to the original bytes.
///
/// ```
/// use kasuhara::text::normalize;
/// let n = normalize("ｼﾈ! You are S T U P I D");
/// assert_eq!(n.as_str(), "しね! you are stupid");
/// // "stupid" in the normalized text maps back to "S T U P I D" in the original
/// let start = n.as_str().find("stupid").unwrap();
/// let (s, e) = n.original_span(start, start + "stupid".len());
/// assert_eq!(&"ｼﾈ! You are S T U P I D"[s..e], "S T U P I D");
/// ```
#[derive(Debug, Clone, Default)]
pub struct Normalized {
    text: String,
    /// Per byte of `text`: start of the original character(s) it came from.
    src_start: Vec<u32>,
    /// Per byte of `text`: end of the original character(s) it came from.
    src_end: Vec<u32>,
    /// Per byte of `text`: obfuscation edits counted up to and including its character.
    edits_upto: Vec<u32>,
}

impl Normalized {
    /// The normalized text.
    ///
    /// ```
    /// assert_eq!(kasuhara::text::normalize("ＡＢＣ").as_str(), "abc");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The original byte range of the normalized byte range `start..end` (char boundaries of the
    /// normalized text). The result lies on char boundaries of the original.
    ///
    /// ```
    /// let n = kasuhara::text::normalize("バーーカ");
    /// assert_eq!(n.as_str(), "ばーか");
    /// assert_eq!(n.original_span(0, n.as_str().len()), (0, "バーーカ".len()));
    /// ```
    pub fn original_span(&self, start: usize, end: usize) -> (usize, usize) {
        if self.text.is_empty() || start >= end || end > self.text.len() {
            let at = self
                .src_start
                .get(start)
                .copied()
                .unwrap_or_else(|| self.src_end.last().copied().unwrap_or(0));
            return (at as usize, at as usize);
        }
        (
            self.src_start[start] as usize,
            self.src_end[end - 1] as usize,
        )
    }

    /// How many obfuscation edits (skipped, replaced or joined characters) lie in `start..end`.
    ///
    /// ```
    /// let n = kasuhara::text::normalize("k.i.l.l");
    /// assert_eq!(n.as_str(), "kill");
    /// assert_eq!(n.edits_in(0, 4), 3);
    /// ```
    pub fn edits_in(&self, start: usize, end: usize) -> u32 {
        if start >= end || end > self.text.len() {
            return 0;
        }
        let before = if start == 0 {
            0
        } else {
            self.edits_upto[start - 1]
        };
        self.edits_upto[end - 1] - before
    }
}

/// One normalized character and where it came from.
#[derive(Debug, Clone, Copy)]
struct Unit {
    c: char,
    s: u32,
    e: u32,
    edits: u32,
}

/// Normalizes `text` for matching; see the module docs for the steps.
///
/// Idempotent: normalizing the normalized text changes nothing.
///
/// ```
/// use kasuhara::text::normalize;
/// assert_eq!(normalize("ＫＩＬＬ").as_str(), "kill");
/// assert_eq!(normalize("sh1t").as_str(), "shit");
/// assert_eq!(normalize("call 25 times").as_str(), "call 25 times");
/// assert_eq!(normalize("死 ね").as_str(), "死ね");
/// let once = normalize("ｽﾄｰｰｰｶｰ  s.t.u.p.i.d");
/// assert_eq!(normalize(once.as_str()).as_str(), once.as_str());
/// ```
pub fn normalize(text: &str) -> Normalized {
    let mut units = decompose(text);
    leet(&mut units);
    let units = join_separated(units);
    let units = collapse_stretches(units);
    let mut out = Normalized {
        text: String::with_capacity(text.len()),
        src_start: Vec::with_capacity(text.len()),
        src_end: Vec::with_capacity(text.len()),
        edits_upto: Vec::with_capacity(text.len()),
    };
    let mut edits = 0u32;
    for u in units {
        edits += u.edits;
        out.text.push(u.c);
        for _ in 0..u.c.len_utf8() {
            out.src_start.push(u.s);
            out.src_end.push(u.e);
            out.edits_upto.push(edits);
        }
    }
    out
}

/// Normalizes a rule's phrase exactly as text is normalized, so authors write words naturally.
pub(crate) fn normalize_pattern(pattern: &str) -> String {
    normalize(pattern).text.trim().to_string()
}

fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}' | '\u{E0000}'..='\u{E0FFF}')
        || (c.is_control() && c != '\n' && c != '\t')
}

fn is_combining(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}' | '\u{0483}'..='\u{0489}' | '\u{0591}'..='\u{05BD}'
        | '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}' | '\u{0E31}' | '\u{0E34}'..='\u{0E3A}'
        | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}'
        | '\u{3099}' | '\u{309A}' | '\u{FE20}'..='\u{FE2F}')
}

/// Japanese scripts: kana, CJK ideographs, the long-vowel mark and iteration marks.
pub(crate) fn is_japanese(c: char) -> bool {
    matches!(c,
        '\u{3005}' | '\u{3007}' | '\u{3041}'..='\u{309F}' | '\u{30A0}'..='\u{30FF}'
        | '\u{31F0}'..='\u{31FF}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FFFF}')
}

/// A character of a spaced script, for word boundaries (Latin letters, digits, Greek, Cyrillic).
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() && !is_japanese(c) && !('\u{AC00}'..='\u{D7AF}').contains(&c)
}

fn confusable(c: char) -> Option<char> {
    Some(match c {
        'а' | 'α' => 'a',
        'в' | 'β' => 'b',
        'с' | 'ϲ' => 'c',
        'ԁ' => 'd',
        'е' | 'ε' | 'ё' => 'e',
        'ɡ' => 'g',
        'һ' => 'h',
        'і' | 'ι' | 'ı' => 'i',
        'ј' => 'j',
        'к' | 'κ' => 'k',
        'м' => 'm',
        'η' => 'n',
        'о' | 'ο' | 'σ' => 'o',
        'р' | 'ρ' => 'p',
        'ԛ' => 'q',
        'г' => 'r',
        'ѕ' => 's',
        'т' | 'τ' => 't',
        'υ' | 'μ' => 'u',
        'ν' | 'ѵ' => 'v',
        'ԝ' | 'ω' => 'w',
        'х' | 'χ' => 'x',
        'у' | 'γ' => 'y',
        'ᴢ' => 'z',
        _ => return None,
    })
}

fn fold_kana(c: char) -> char {
    match c {
        // Katakana ァ..ヶ and ヽヾ → hiragana.
        '\u{30A1}'..='\u{30F6}' | '\u{30FD}' | '\u{30FE}' => {
            char::from_u32(c as u32 - 0x60).unwrap_or(c)
        }
        // Fullwidth tilde / wave dash variants → 〜.
        '\u{FF5E}' | '\u{301C}' | '~' => '〜',
        _ => c,
    }
}

/// Step 1: per character.
fn decompose(text: &str) -> Vec<Unit> {
    let nfkd = DecomposingNormalizerBorrowed::new_nfkd();
    let compose = CanonicalCompositionBorrowed::new();
    let mut units: Vec<Unit> = Vec::with_capacity(text.len());
    let mut pending = 0u32;
    let mut buf = [0u8; 4];
    for (s, ch) in text.char_indices() {
        let s = s as u32;
        let e = s + ch.len_utf8() as u32;
        if is_invisible(ch) {
            pending += 1;
            continue;
        }
        if ch.is_whitespace() {
            let c = if ch == '\n' { '\n' } else { ' ' };
            match units.last_mut() {
                // Runs of spaces become one; a newline wins over spaces.
                Some(last) if last.c == ' ' || last.c == '\n' => {
                    if c == '\n' {
                        last.c = '\n';
                    }
                    last.e = e;
                }
                _ => units.push(Unit {
                    c,
                    s,
                    e,
                    edits: std::mem::take(&mut pending),
                }),
            }
            continue;
        }
        if ch.is_ascii() {
            units.push(Unit {
                c: ch.to_ascii_lowercase(),
                s,
                e,
                edits: std::mem::take(&mut pending),
            });
            continue;
        }
        let decomposed = nfkd.normalize(ch.encode_utf8(&mut buf));
        let first_new = units.len();
        for d in decomposed.chars() {
            // Recompose kana voicing marks and Hangul with the preceding character.
            if let Some(last) = units.last_mut()
                && !(('\u{0300}'..='\u{036F}').contains(&d)
                    || ('\u{1AB0}'..='\u{1DFF}').contains(&d))
                && let Some(c) = compose.compose(last.c, d)
            {
                last.c = fold_kana(c);
                last.e = last.e.max(e);
                continue;
            }
            if is_combining(d) {
                pending += 1;
                continue;
            }
            if d.is_whitespace() {
                units.push(Unit {
                    c: ' ',
                    s,
                    e,
                    edits: std::mem::take(&mut pending),
                });
                continue;
            }
            for l in d.to_lowercase() {
                let (c, edit) = match confusable(l) {
                    Some(c) => (c, 1),
                    None => (fold_kana(l), 0),
                };
                units.push(Unit {
                    c,
                    s,
                    e,
                    edits: std::mem::take(&mut pending) + edit,
                });
            }
        }
        // A character that expanded keeps one source range across its pieces.
        for u in &mut units[first_new..] {
            u.s = s;
        }
    }
    units
}

fn is_latin_letter(c: char) -> bool {
    c.is_ascii_lowercase()
}

/// Step 2: leetspeak inside Latin words. A maximal run of look-alike digits and symbols is read as
/// letters when a letter touches it and it holds no other digit ("1d10t", "sh!t", "h3ll0"), but
/// not in numbers ("25", "$100", "covid19") nor as trailing punctuation ("idiot!").
fn leet(units: &mut [Unit]) {
    fn map(c: char) -> Option<char> {
        Some(match c {
            '0' => 'o',
            '1' | '!' => 'i',
            '3' => 'e',
            '4' | '@' => 'a',
            '5' | '$' => 's',
            '7' => 't',
            _ => return None,
        })
    }
    let mut i = 0;
    while i < units.len() {
        if map(units[i].c).is_none() {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < units.len() && map(units[j].c).is_some() {
            j += 1;
        }
        let before = i.checked_sub(1).map(|k| units[k].c);
        let after = units.get(j).map(|u| u.c);
        let letter = |o: Option<char>| o.is_some_and(is_latin_letter);
        let digit = |o: Option<char>| o.is_some_and(|c| c.is_ascii_digit());
        let symbols = units[i..j].iter().any(|u| !u.c.is_ascii_digit());
        let ok = !digit(before) && !digit(after) && (letter(after) || (letter(before) && !symbols));
        if ok {
            for u in &mut units[i..j] {
                if let Some(m) = map(u.c) {
                    u.c = m;
                    u.edits += 1;
                }
            }
        }
        i = j;
    }
}

fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '.' | '-' | '_' | '*' | '・' | '･' | '/' | '+')
}

/// Step 3: "f u c k", "k.i.l.l" → joined; 「死 ね」 → 「死ね」.
fn join_separated(units: Vec<Unit>) -> Vec<Unit> {
    let n = units.len();
    let mut drop = vec![false; n];
    // Latin: runs of >= 3 single letters separated by one separator each.
    let single = |i: usize| -> bool {
        is_latin_letter(units[i].c)
            && (i == 0 || !is_word_char(units[i - 1].c))
            && (i + 1 >= n || !is_word_char(units[i + 1].c))
    };
    let mut i = 0;
    while i < n {
        if !single(i) {
            i += 1;
            continue;
        }
        let mut letters = vec![i];
        let mut j = i;
        while j + 2 < n && is_separator(units[j + 1].c) && single(j + 2) {
            j += 2;
            letters.push(j);
        }
        if letters.len() >= 3 {
            for w in letters.windows(2) {
                drop[w[0] + 1] = true;
            }
        }
        i = j + 1;
    }
    // Japanese: a space or dot between two Japanese characters.
    for i in 1..n.saturating_sub(1) {
        let c = units[i].c;
        if matches!(c, ' ' | '.' | '*' | '_' | '・' | '･')
            && is_japanese(units[i - 1].c)
            && is_japanese(units[i + 1].c)
        {
            drop[i] = true;
        }
    }
    let mut out = Vec::with_capacity(n);
    let mut carry = 0;
    for (u, d) in units.into_iter().zip(drop) {
        if d {
            carry += u.edits + 1;
        } else {
            out.push(Unit {
                edits: u.edits + std::mem::take(&mut carry),
                ..u
            });
        }
    }
    out
}

/// Step 4: stretched letters.
fn collapse_stretches(units: Vec<Unit>) -> Vec<Unit> {
    let mut out: Vec<Unit> = Vec::with_capacity(units.len());
    let mut i = 0;
    while i < units.len() {
        let c = units[i].c;
        let mut j = i + 1;
        while j < units.len() && units[j].c == c {
            j += 1;
        }
        let run = j - i;
        let min = if is_latin_letter(c) {
            3
        } else if matches!(c, 'ー' | '〜' | 'っ' | 'ッ') {
            2
        } else {
            usize::MAX
        };
        if run >= min {
            let extra: u32 = units[i..j].iter().map(|u| u.edits).sum();
            out.push(Unit {
                c,
                s: units[i].s,
                e: units[j - 1].e,
                edits: extra + (run as u32 - 1),
            });
        } else {
            out.extend_from_slice(&units[i..j]);
        }
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        normalize(s).as_str().to_string()
    }

    #[test]
    fn width_case_and_kana_fold() {
        assert_eq!(n("ＫＩＬＬ"), "kill");
        assert_eq!(n("ｼﾈ"), "しね");
        assert_eq!(n("ｶﾞｽ"), "がす");
        assert_eq!(n("バカ"), "ばか");
        assert_eq!(n("パワハラ"), "ぱわはら");
        assert_eq!(n("ﾊﾟﾜﾊﾗ"), "ぱわはら");
    }

    #[test]
    fn invisible_and_combining_removed_and_counted() {
        let x = normalize("ki\u{200B}ll");
        assert_eq!(x.as_str(), "kill");
        assert_eq!(x.edits_in(0, 4), 1);
        assert_eq!(n("k\u{0337}i\u{0337}l\u{0337}l\u{0337}"), "kill");
        assert_eq!(n("fück"), "fuck");
    }

    #[test]
    fn confusables_and_leet() {
        assert_eq!(n("іdіоt"), "idiot"); // Cyrillic і and о
        assert_eq!(n("1d10t"), "idiot");
        assert_eq!(n("covid19"), "covid19");
        assert_eq!(n("id1ot"), "idiot");
        assert_eq!(n("$hit"), "shit");
        assert_eq!(n("@ss"), "ass");
        assert_eq!(n("b!tch"), "bitch");
        assert_eq!(n("idiot!"), "idiot!");
        assert_eq!(n("$100 and 25 times"), "$100 and 25 times");
    }

    #[test]
    fn separators_joined() {
        assert_eq!(n("f u c k"), "fuck");
        assert_eq!(n("k.i.l.l you"), "kill you");
        assert_eq!(n("s-t-u-p-i-d"), "stupid");
        assert_eq!(n("a b"), "a b"); // two letters are not a split word
        assert_eq!(n("死 ね"), "死ね");
        assert_eq!(n("死　ね"), "死ね");
        assert_eq!(n("I am a cat"), "i am a cat");
    }

    #[test]
    fn stretches_collapsed() {
        assert_eq!(n("stuuupid"), "stupid");
        assert_eq!(n("バーーーカ"), "ばーか");
        assert_eq!(n("good"), "good");
        assert_eq!(n("ふざけんなっっっ"), "ふざけんなっ");
    }

    #[test]
    fn spans_map_to_original_char_boundaries() {
        let src = "ﾊﾞｶ！ k i l l  YOU";
        let x = normalize(src);
        for (i, _) in x.as_str().char_indices() {
            for (j, _) in x.as_str().char_indices().chain([(x.as_str().len(), ' ')]) {
                if j > i {
                    let (s, e) = x.original_span(i, j);
                    assert!(src.is_char_boundary(s) && src.is_char_boundary(e) && s <= e);
                }
            }
        }
        let at = x.as_str().find("kill").unwrap();
        let (s, e) = x.original_span(at, at + 4);
        assert_eq!(&src[s..e], "k i l l");
    }

    #[test]
    fn idempotent_on_samples() {
        for s in [
            "ｼﾈ ｼﾈ",
            "f.u.c.k.i.n.g",
            "バーーカ!!",
            "sh1t h3ll0",
            "a a a a",
            "ー ー ー",
            "ｶﾞｶﾞ",
            "Ｆｕｃｋ",
            "é\u{0301}",
            "ゝヽ",
            "l00ol",
        ] {
            let once = n(s);
            assert_eq!(n(&once), once, "not idempotent on {s:?}");
        }
    }
}
