//! Malformed rule files are refused with every problem at once, each located by file, line and
//! column (1-based, in characters) and naming the rule concerned.
//!
//! Each test writes a company file that extends the default policy (`extends = "default"`) and
//! feeds it to `Policy::from_sources`; expected places are computed from the text itself, so the
//! tests say *which token* a diagnostic must point at.

use kasuhara::{Diagnostic, DiagnosticKind as K, EngineBuilder, Incident, LoadError, Policy};
use proptest::prelude::*;

const HEADER: &str = "[policy]\nname = \"acme\"\nversion = \"1\"\nextends = \"default\"\n";

/// 1-based line and column (in chars) of the start of the `nth` (0-based) occurrence of `needle`.
fn at(src: &str, needle: &str, nth: usize) -> (usize, usize) {
    let (offset, _) = src
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("{needle:?} occurs fewer than {} times", nth + 1));
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

fn refuse(files: &[(&str, &str)]) -> LoadError {
    match Policy::from_sources(files) {
        Ok(p) => panic!("policy `{}` loaded, but it should be refused", p.name()),
        Err(e) => e,
    }
}

fn refuse_one(src: &str) -> LoadError {
    refuse(&[("acme.toml", src)])
}

/// The first problem found in a refused single file.
fn first(src: &str) -> Diagnostic {
    refuse_one(src).diagnostics()[0].clone()
}

/// Finds the diagnostic of `kind` at the start of `needle` (its `nth` occurrence) in `src`.
fn expect<'a>(
    err: &'a LoadError,
    file: &str,
    src: &str,
    needle: &str,
    nth: usize,
    kind: K,
    rule: Option<&str>,
) -> &'a Diagnostic {
    let (line, column) = at(src, needle, nth);
    let d = err
        .diagnostics()
        .iter()
        .find(|d| d.file() == file && d.line() == line && d.column() == column && d.kind() == kind)
        .unwrap_or_else(|| {
            panic!("no {kind:?} diagnostic at {file}:{line}:{column} ({needle:?}) in:\n{err}")
        });
    assert_eq!(d.rule(), rule, "rule of {d}");
    assert!(!d.message().is_empty());
    d
}

fn entry(id: &str, category: &str, weight: &str, body: &str) -> String {
    format!("\n[[entry]]\nid = \"{id}\"\ncategory = \"{category}\"\nweight = {weight}\n{body}\n")
}

// ---------------------------------------------------------------------------------------------

#[test]
fn bad_toml_is_refused_with_its_line_and_column() {
    let src = format!("{HEADER}\n[[entry]\nid = \"x\"\n");
    let err = refuse_one(&src);
    assert_eq!(err.diagnostics().len(), 1, "{err}");
    let d = &err.diagnostics()[0];
    assert_eq!(d.kind(), K::Syntax);
    assert_eq!(d.file(), "acme.toml");
    assert_eq!(d.line(), at(&src, "[[entry]", 0).0, "{d}");
    assert!(d.column() >= 1);

    let src = format!("{HEADER}weight = = 3\n");
    let d = &first(&src);
    assert_eq!((d.kind(), d.line()), (K::Syntax, 5), "{d}");

    let src = format!("{HEADER}[[entry]]\nid = \"unterminated\nweight = 1\n");
    let d = &first(&src);
    assert_eq!((d.kind(), d.line()), (K::Syntax, 6), "{d}");
}

#[test]
fn an_unknown_category_is_refused_with_a_did_you_mean() {
    let src = format!(
        "{HEADER}{}",
        entry("acme.rude", "insutl", "0.5", "phrases = [\"dunce\"]")
    );
    let err = refuse_one(&src);
    let d = expect(
        &err,
        "acme.toml",
        &src,
        "\"insutl\"",
        0,
        K::UnknownCategory,
        Some("acme.rude"),
    );
    assert!(d.message().contains("insutl"), "{d}");
    assert_eq!(d.help(), Some("did you mean `insult`?"));
    assert!(err.to_string().contains("did you mean `insult`?"));

    // Far from every category: no suggestion rather than a wrong one.
    let src = format!(
        "{HEADER}{}",
        entry("acme.odd", "zzzzzzzzzzzz", "0.5", "phrases = [\"dunce\"]")
    );
    let err = refuse_one(&src);
    let d = expect(
        &err,
        "acme.toml",
        &src,
        "\"zzzzzzzzzzzz\"",
        0,
        K::UnknownCategory,
        Some("acme.odd"),
    );
    assert_eq!(d.help(), None, "{d}");
}

#[test]
fn a_duplicate_rule_id_is_refused_at_its_second_definition() {
    let src = format!(
        "{HEADER}{}{}{}",
        entry("acme.dup", "insult", "0.5", "phrases = [\"dunce\"]"),
        entry("acme.dup", "insult", "0.5", "phrases = [\"nitwit\"]"),
        // Clashes with the default policy's own rule.
        entry("threat.kill.ja", "threat", "0.9", "phrases = [\"x\"]"),
    );
    let err = refuse_one(&src);
    expect(
        &err,
        "acme.toml",
        &src,
        "\"acme.dup\"",
        1,
        K::DuplicateId,
        Some("acme.dup"),
    );
    expect(
        &err,
        "acme.toml",
        &src,
        "\"threat.kill.ja\"",
        0,
        K::DuplicateId,
        Some("threat.kill.ja"),
    );
    assert_eq!(err.diagnostics().len(), 2, "{err}");
}

#[test]
fn invalid_huge_and_deeply_nested_regexes_are_refused() {
    let nested = format!("{}a{}", "(".repeat(100), ")".repeat(100));
    let huge = r"\w{2000}\w{2000}\w{2000}";
    let rep = r"(?:(?:\w{20}){20}){20}";
    let src = format!(
        "{HEADER}{}{}{}{}{}{}",
        entry("acme.unclosed", "insult", "0.5", "regex = '(idiot'"),
        entry("acme.huge", "insult", "0.5", &format!("regex = '{huge}'")),
        entry(
            "acme.nested",
            "insult",
            "0.5",
            &format!("regex = '{nested}'")
        ),
        entry("acme.rep", "insult", "0.5", &format!("regex = '{rep}'")),
        entry("acme.empty_match", "insult", "0.5", "regex = 'x*'"),
        entry("acme.katakana", "insult", "0.5", "regex = 'バカ'"),
    );
    let err = refuse_one(&src);
    expect(
        &err,
        "acme.toml",
        &src,
        "'(idiot'",
        0,
        K::InvalidRegex,
        Some("acme.unclosed"),
    );
    let d = expect(
        &err,
        "acme.toml",
        &src,
        &format!("'{huge}'"),
        0,
        K::InvalidRegex,
        Some("acme.huge"),
    );
    assert!(d.message().contains("size limit"), "{d}");
    let d = expect(
        &err,
        "acme.toml",
        &src,
        &format!("'{nested}'"),
        0,
        K::InvalidRegex,
        Some("acme.nested"),
    );
    assert!(d.message().contains("nest"), "{d}");
    expect(
        &err,
        "acme.toml",
        &src,
        &format!("'{rep}'"),
        0,
        K::InvalidRegex,
        Some("acme.rep"),
    );
    expect(
        &err,
        "acme.toml",
        &src,
        "'x*'",
        0,
        K::EmptyPattern,
        Some("acme.empty_match"),
    );
    expect(
        &err,
        "acme.toml",
        &src,
        "'バカ'",
        0,
        K::InvalidRegex,
        Some("acme.katakana"),
    );
    assert_eq!(err.diagnostics().len(), 6, "{err}");
}

#[test]
fn empty_and_oversized_phrases_are_refused() {
    let long = "x".repeat(kasuhara::limits::MAX_PATTERN_CHARS + 1);
    let src = format!(
        "{HEADER}{}{}{}{}",
        entry("acme.empty", "insult", "0.5", "phrases = [\"ok\", \"\"]"),
        entry(
            "acme.invisible",
            "insult",
            "0.5",
            "phrases = [\"\\u200B\\u00AD \", \"*\"]"
        ),
        entry("acme.none", "insult", "0.5", ""),
        entry(
            "acme.long",
            "insult",
            "0.5",
            &format!("phrases = [\"{long}\"]")
        ),
    );
    let err = refuse_one(&src);
    expect(
        &err,
        "acme.toml",
        &src,
        "\"\"]",
        0,
        K::EmptyPattern,
        Some("acme.empty"),
    );
    expect(
        &err,
        "acme.toml",
        &src,
        "\"\\u200B",
        0,
        K::EmptyPattern,
        Some("acme.invisible"),
    );
    expect(
        &err,
        "acme.toml",
        &src,
        "\"*\"",
        0,
        K::EmptyPattern,
        Some("acme.invisible"),
    );
    expect(
        &err,
        "acme.toml",
        &src,
        "\"acme.none\"",
        0,
        K::EmptyPattern,
        Some("acme.none"),
    );
    expect(
        &err,
        "acme.toml",
        &src,
        &format!("\"{long}\""),
        0,
        K::Limit,
        Some("acme.long"),
    );
}

#[test]
fn out_of_range_weights_and_thresholds_are_refused() {
    let src = format!(
        "{HEADER}{}{}{}{}\n{}",
        entry("acme.heavy", "insult", "1.5", "phrases = [\"a1\"]"),
        entry("acme.zero", "insult", "0.0", "phrases = [\"a2\"]"),
        entry("acme.nan", "insult", "nan", "phrases = [\"a3\"]"),
        entry("acme.neg", "insult", "-0.5", "phrases = [\"a4\"]"),
        "[verdict]\nharassment = 0.3\nreview = 0.6\ninvalid_request = 2\nabsurd_request = 0.9\n\
         severe = 0.75\nrepeated_hits = 0\n\
         [verdict.responses]\nharassment = [\"record\"]\nneeds_review = [\"record\"]\n\
         not_harassment = [\"respond_normally\"]\n\
         [text]\nmax_hits_per_rule = 3\nmax_text_bytes = 99999999999\n\
         [duration]\ncategory = \"prolonged_restraint\"\nlong_minutes = 31\n\
         restrictive_minutes = 90\nlong_weight = 0.35\nrestrictive_weight = 0.85\ntie_within = 0\n",
    );
    let err = refuse_one(&src);
    for (value, rule) in [
        ("1.5", "acme.heavy"),
        ("0.0", "acme.zero"),
        ("nan", "acme.nan"),
        ("-0.5", "acme.neg"),
    ] {
        let d = expect(
            &err,
            "acme.toml",
            &src,
            &format!("{value}\nphrases"),
            0,
            K::OutOfRange,
            Some(rule),
        );
        assert!(d.message().contains("weight"), "{d}");
    }
    for needle in [
        "review = 0.6",
        "invalid_request = 2",
        "repeated_hits = 0",
        "max_text_bytes = 99999999999",
        "tie_within = 0",
    ] {
        // The diagnostic points at the value, after `name = `.
        let (line, name_col) = at(&src, needle, 0);
        let column = name_col + needle.find(" = ").unwrap() + 3;
        assert!(
            err.diagnostics()
                .iter()
                .any(|d| d.kind() == K::OutOfRange && d.line() == line && d.column() == column),
            "no OutOfRange at {line}:{column} for {needle:?}:\n{err}"
        );
    }
}

#[test]
fn an_unknown_field_or_section_is_refused_with_its_place() {
    let src = format!(
        "{HEADER}{}",
        entry(
            "acme.typo",
            "insult",
            "0.5",
            "phrases = [\"dunce\"]\nphrase = [\"oops\"]"
        )
    );
    let err = refuse_one(&src);
    let d = &err.diagnostics()[0];
    assert_eq!(d.kind(), K::Syntax, "{d}");
    assert!(d.message().contains("unknown field"), "{d}");
    assert!(d.message().contains("phrase"), "{d}");
    assert_eq!(d.line(), at(&src, "phrase = ", 0).0, "{d}");

    let src = format!("{HEADER}[verdikt]\nharassment = 0.6\n");
    let d = &first(&src);
    assert_eq!(d.kind(), K::Syntax, "{d}");
    assert!(d.message().contains("verdikt"), "{d}");
    assert_eq!(d.line(), 5, "{d}");

    let src =
        format!("{HEADER}[text]\nmax_hits_per_rule = 3\nmax_text_bytes = 10\nmax_bytes = 1\n");
    let d = &first(&src);
    assert_eq!(d.kind(), K::Syntax, "{d}");
    assert!(d.message().contains("max_bytes"), "{d}");
    assert_eq!(d.line(), 8, "{d}");
}

#[test]
fn unknown_references_are_refused_with_suggestions() {
    let src = format!(
        "{HEADER}disable = [\"threat.kil.ja\"]\n\
         [[cue]]\nid = \"acme.cue\"\nkind = \"negaton\"\nphrases = [\"nope\"]\n\
         [[category]]\nid = \"acme_cat\"\nprong = \"conduct\"\nbasis = \"sometimes\"\nweight = 0.5\n\
         name = {{ en = \"a\", ja = \"a\" }}\nclause = {{ en = \"a\", ja = \"a\" }}\n\
         responses = [\"recrod\"]\n\
         [[entry]]\nid = \"acme.b\"\ncategory = \"insult\"\nweight = 0.5\nlang = \"fr\"\n\
         boundary = \"word\"\nscript = \"hiragana\"\nphrases = [\"x\"]\n"
    );
    let err = refuse_one(&src);
    let d = expect(
        &err,
        "acme.toml",
        &src,
        "\"threat.kil.ja\"",
        0,
        K::UnknownReference,
        Some("threat.kil.ja"),
    );
    assert_eq!(d.help(), Some("did you mean `threat.kill.ja`?"), "{d}");
    let d = expect(
        &err,
        "acme.toml",
        &src,
        "\"negaton\"",
        0,
        K::UnknownReference,
        Some("acme.cue"),
    );
    assert_eq!(d.help(), Some("did you mean `negation`?"), "{d}");
    expect(
        &err,
        "acme.toml",
        &src,
        "\"sometimes\"",
        0,
        K::UnknownReference,
        Some("acme_cat"),
    );
    let d = expect(
        &err,
        "acme.toml",
        &src,
        "\"recrod\"",
        0,
        K::UnknownReference,
        Some("acme_cat"),
    );
    assert_eq!(d.help(), Some("did you mean `record`?"), "{d}");
    for needle in ["\"fr\"", "\"word\"", "\"hiragana\""] {
        expect(
            &err,
            "acme.toml",
            &src,
            needle,
            0,
            K::UnknownReference,
            Some("acme.b"),
        );
    }
}

#[test]
fn only_the_default_policy_can_be_extended() {
    let src = "[policy]\nname = \"acme\"\nversion = \"1\"\nextends = \"kyoritsu\"\n";
    let err = refuse_one(src);
    expect(
        &err,
        "acme.toml",
        src,
        "\"kyoritsu\"",
        0,
        K::UnknownReference,
        None,
    );
}

#[test]
fn a_policy_without_its_sections_names_each_missing_one() {
    let src = "[policy]\nname = \"bare\"\nversion = \"1\"\n";
    let err = refuse_one(src);
    let missing: Vec<&str> = err
        .diagnostics()
        .iter()
        .filter(|d| d.kind() == K::Missing)
        .map(|d| d.message())
        .collect();
    for section in [
        "verdict",
        "severity",
        "calendar",
        "off_hours",
        "persistence",
        "duration",
        "validity",
        "text",
        "templates",
    ] {
        assert!(
            missing
                .iter()
                .any(|m| m.contains(&format!("`[{section}]`"))),
            "{section} not reported missing:\n{err}"
        );
    }
}

#[test]
fn every_problem_in_every_file_is_reported_at_once_in_file_and_line_order() {
    let a = format!(
        "{HEADER}{}{}{}{}{}{}",
        entry("acme.one", "insutl", "0.5", "phrases = [\"dunce\"]"),
        entry("acme.one", "insult", "0.5", "phrases = [\"nitwit\"]"),
        entry("acme.two", "insult", "2", "regex = '(unclosed'"),
        entry("acme.three", "insult", "0.5", "phrases = [\"\"]"),
        entry(
            "acme.four",
            "insult",
            "0.5",
            &format!("regex = '{}x{}'", "(".repeat(80), ")".repeat(80))
        ),
        entry("acme bad id!", "insult", "0.5", "phrases = [\"x\"]"),
    );
    let b = "[[entry]]\nid = \"acme.b\"\ncategory = \"insult\"\nweight = 0.5\nphrases = [\"ok\"]\n";
    let c = "[[exception]\n";
    let err = refuse(&[("a.toml", &a), ("b.toml", b), ("c.toml", c)]);
    let got: Vec<(String, K, Option<String>)> = err
        .diagnostics()
        .iter()
        .map(|d| (d.file().to_string(), d.kind(), d.rule().map(str::to_string)))
        .collect();
    let want = [
        ("a.toml", K::UnknownCategory, Some("acme.one")),
        ("a.toml", K::DuplicateId, Some("acme.one")),
        ("a.toml", K::OutOfRange, Some("acme.two")),
        ("a.toml", K::InvalidRegex, Some("acme.two")),
        ("a.toml", K::EmptyPattern, Some("acme.three")),
        ("a.toml", K::InvalidRegex, Some("acme.four")),
        ("a.toml", K::Syntax, Some("acme bad id!")),
        ("c.toml", K::Syntax, None),
    ];
    let want: Vec<(String, K, Option<String>)> = want
        .iter()
        .map(|(f, k, r)| (f.to_string(), *k, r.map(str::to_string)))
        .collect();
    assert_eq!(got, want, "\n{err}");
    // In file, line and column order, each with a place.
    let places: Vec<(String, usize, usize)> = err
        .diagnostics()
        .iter()
        .map(|d| (d.file().to_string(), d.line(), d.column()))
        .collect();
    let mut sorted = places.clone();
    sorted.sort();
    assert_eq!(places, sorted);
    assert!(places.iter().all(|(_, l, c)| *l >= 1 && *c >= 1));
    // The message lists them all, one per line, as file:line:column.
    let text = err.to_string();
    assert!(text.starts_with("policy has 8 problems"), "{text}");
    assert_eq!(text.lines().count(), 9, "{text}");
    for d in err.diagnostics() {
        assert!(
            text.contains(&format!("{}:{}:{}: ", d.file(), d.line(), d.column())),
            "{text}"
        );
    }
}

#[test]
fn columns_count_characters_not_bytes() {
    let src = format!(
        "{HEADER}[[entry]]\nid = \"acme.ja\"\ncategory = \"insult\"\nweight = 0.5\n\
         phrases = [\"馬鹿者\", \"\"]\n"
    );
    let err = refuse_one(&src);
    let d = &err.diagnostics()[0];
    assert_eq!(d.kind(), K::EmptyPattern);
    // `phrases = ["馬鹿者", ` is 18 characters (24 bytes), so the empty phrase starts at 19.
    assert_eq!((d.line(), d.column()), (9, 19), "{d}");
}

// ---------------------------------------------------------------------------------------------

/// A valid company file, the seed of the mutation property below.
fn valid_extension() -> String {
    format!(
        "{HEADER}disable = [\"insult.fool.ja\"]\n{}{}\n[[cue]]\nid = \"acme.neg\"\nkind = \"negation\"\n\
         scope = \"before\"\nwithin = 5\nphrases = [\"hardly\"]\n\n[[exception]]\nid = \"acme.x\"\n\
         phrases = [\"dunce cap\"]\n",
        entry(
            "acme.rude",
            "insult",
            "0.6",
            "phrases = [\"dunce\", \"nitwit*\"]"
        ),
        entry(
            "acme.re",
            "threat",
            "0.9",
            "regex = '(?:燃やす|もやす)ぞ'\nboundary = \"none\""
        ),
    )
}

#[test]
fn the_seed_extension_loads_and_classifies() {
    let p = Policy::from_sources(&[("acme.toml", &valid_extension())]).unwrap();
    let e = EngineBuilder::new(p).build().unwrap();
    let a = e
        .classify(&Incident::from_text("a", "you dunce, 燃やすぞ"))
        .unwrap();
    assert!(a.has("insult") && a.has("threat"), "{a:#?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any edit of a valid rule file (bytes deleted, inserted or replaced) either loads, and then
    /// builds an engine that classifies without panicking, or is refused with diagnostics that each
    /// point inside the file (line and column within its text) or name a missing section.
    #[test]
    fn any_edit_of_a_rule_file_loads_or_is_refused_with_located_diagnostics(
        edits in prop::collection::vec(
            (any::<prop::sample::Index>(), 0usize..4, prop::sample::select(vec![
                "", "\"", "'", "[", "]", "[[", "=", "\n", "0", "-1", "1e9", "nan", "\\", "(", "*",
                "{", "}", ",", "#", "ﾊﾞｶ", "\u{0}", "\u{FEFF}", "category = \"x\"", "id = \"acme.rude\"",
            ])),
            1..6,
        ),
    ) {
        let mut src = valid_extension();
        for (ix, del, ins) in edits {
            let mut at = ix.index(src.len() + 1);
            while !src.is_char_boundary(at) { at -= 1; }
            let mut end = (at + del).min(src.len());
            while !src.is_char_boundary(end) { end += 1; }
            src.replace_range(at..end, ins);
        }
        match Policy::from_sources(&[("acme.toml", &src)]) {
            Ok(p) => {
                let e = EngineBuilder::new(p).build();
                prop_assert!(e.is_ok(), "a loaded policy did not build: {:?}", e.err());
                let e = e.unwrap();
                for t in ["you dunce", "燃やすぞ", "バカ", "hardly an idiot", ""] {
                    prop_assert!(e.classify(&Incident::from_text("a", t)).is_ok());
                }
            }
            Err(err) => {
                prop_assert!(!err.diagnostics().is_empty());
                let lines = src.split('\n').count();
                for d in err.diagnostics() {
                    if d.kind() == K::Missing {
                        continue;
                    }
                    if d.file() != "acme.toml" {
                        // Only the default policy's own files may be cited besides ours.
                        prop_assert!(d.file().starts_with("rules/"), "{}", d);
                        continue;
                    }
                    prop_assert!(d.line() >= 1 && d.line() <= lines, "{} in {:?}", d, src);
                    let line_len = src.split('\n').nth(d.line() - 1).unwrap().chars().count();
                    prop_assert!(d.column() >= 1 && d.column() <= line_len + 1, "{} in {:?}", d, src);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Regression tests for bugs found here (fixed in 339271c)
// ---------------------------------------------------------------------------------------------

/// The loader used to refuse a regex only when it matched the empty *text* (`re.is_match("")`), but
/// a regex can match an empty *span* inside non-empty text: `\bq?` matches at every word boundary,
/// `(?P<hit>x?)dunce` has an empty `hit` group. Such a policy loaded, and then cited evidence with an
/// empty span and an empty excerpt: on "you dunce ok" it reported a threat (score 0.9, verdict
/// harassment) quoting "" three times. A rule must either be refused at load time or never yield
/// an empty span. (Fixed in 339271c.)
#[test]
fn a_regex_that_can_match_an_empty_span_is_refused_or_never_cites_an_empty_excerpt() {
    for (category, regex) in [("threat", r"\bq?"), ("insult", r"(?P<hit>x?)dunce")] {
        let src = format!(
            "{HEADER}{}",
            entry("acme.empty", category, "0.9", &format!("regex = '{regex}'"))
        );
        let Ok(policy) = Policy::from_sources(&[("acme.toml", &src)]) else {
            continue; // refused: fine
        };
        let engine = EngineBuilder::new(policy).build().unwrap();
        let a = engine
            .classify(&Incident::from_text("a", "you dunce ok"))
            .unwrap();
        for f in &a.findings {
            for e in &f.evidence {
                if let Some((s, t)) = e.span {
                    assert!(
                        s < t,
                        "regex {regex:?}: {} cites the empty span {s}..{t} ({:?}), verdict {:?}",
                        f.category,
                        e.excerpt,
                        a.verdict
                    );
                }
            }
        }
    }
}

#[test]
fn yields_to_must_name_a_category_and_never_come_back() {
    let cat = |id: &str, yields: &str| {
        format!(
            "[[category]]\nid = \"{id}\"\nprong = \"conduct\"\nweight = 0.5\n\
             name = {{ en = \"a\", ja = \"a\" }}\nclause = {{ en = \"a\", ja = \"a\" }}\n\
             responses = [\"record\"]\nyields_to = [{yields}]\n"
        )
    };
    let src = format!(
        "{HEADER}{}{}{}{}",
        cat("acme_typo", "\"insutl\""),
        cat("acme_self", "\"acme_self\""),
        cat("acme_a", "\"acme_b\""),
        cat("acme_b", "\"acme_a\""),
    ) + &cat("acme_x", "\"acme_y\"")
        + &cat("acme_y", "\"acme_z\"")
        + &cat("acme_z", "\"acme_x\"");
    let err = refuse_one(&src);
    let d = expect(
        &err,
        "acme.toml",
        &src,
        "\"insutl\"",
        0,
        K::UnknownCategory,
        Some("acme_typo"),
    );
    assert_eq!(d.help(), Some("did you mean `insult`?"), "{d}");
    expect(
        &err,
        "acme.toml",
        &src,
        "\"acme_self\"",
        1,
        K::UnknownReference,
        Some("acme_self"),
    );
    // The second of a pair that yield to each other is the one refused.
    let d = expect(
        &err,
        "acme.toml",
        &src,
        "\"acme_a\"",
        1,
        K::UnknownReference,
        Some("acme_b"),
    );
    assert!(d.message().contains("yields back"), "{d}");
    // A longer loop is refused where it closes.
    expect(
        &err,
        "acme.toml",
        &src,
        "\"acme_x\"",
        1,
        K::UnknownReference,
        Some("acme_z"),
    );
    assert_eq!(
        err.diagnostics()
            .iter()
            .filter(|d| d.message().contains("yields back"))
            .count(),
        3,
        "{err}"
    );

    // One way is fine.
    let ok = format!("{HEADER}{}", cat("acme_one_way", "\"insult\""));
    Policy::from_sources(&[("acme.toml", ok.as_str())]).unwrap();
}

#[test]
fn a_window_for_repeated_demands_beyond_the_contract_must_be_positive() {
    // The default policy's validity sections, with the excess window set to zero.
    let policy = include_str!("../rules/policy.toml");
    let start = policy.find("[validity.no_defect]").unwrap();
    let end = policy.find("[text]").unwrap();
    let validity = policy[start..end].replace("window_hours = 720", "window_hours = 0");
    assert!(validity.contains("window_hours = 0"));
    let src = format!("{HEADER}{validity}");
    let err = refuse_one(&src);
    let (line, name_col) = at(&src, "window_hours = 0", 0);
    let column = name_col + "window_hours = ".len();
    assert!(
        err.diagnostics()
            .iter()
            .any(|d| d.kind() == K::OutOfRange && d.line() == line && d.column() == column),
        "no OutOfRange at {line}:{column}:\n{err}"
    );
    // The same sections with the default's 720 load.
    let ok = format!("{HEADER}{}", &policy[start..end]);
    assert!(Policy::from_sources(&[("acme.toml", ok.as_str())]).is_ok());
}
