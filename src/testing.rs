//! Policy cases as data: incidents with the categories, verdict, rules and excerpts they must (and
//! must not) produce, checked with one call from a `#[test]`.
//!
//! A case file holds `[[case]]` tables:
//!
//! ```toml
//! [[case]]
//! name = "threat, direct speech"
//! lang = "ja"
//! incident = { id = "T-1", text = "殺すぞ" }
//! expect = { categories = ["threat"], not = ["insult"], verdict = "harassment", rules = ["threat.kill.ja"], excerpts = ["殺すぞ"] }
//! ```
//!
//! Cases of the same `customer` in one file run in file order through one
//! [`Stream`](crate::Stream), so persistence can be tested.
//!
//! ```
//! use kasuhara::{Engine, testing::Cases};
//! let cases = Cases::from_sources(&[("c.toml", r#"
//! [[case]]
//! name = "kneel"
//! lang = "en"
//! incident = { id = "K-1", text = "Get on your knees and apologize!" }
//! expect = { categories = ["kneel_demand"], verdict = "harassment" }
//! "#)]).unwrap();
//! let report = cases.run(&Engine::default());
//! report.assert_passed();
//! ```

use crate::engine::{Engine, EngineBuilder};
use crate::error::{Diagnostic, DiagnosticKind, LoadError, line_col};
use crate::incident::Incident;
use crate::policy::RuleId;
use crate::report::{Assessment, Verdict};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCases {
    #[serde(default)]
    case: Vec<toml::Spanned<RawCase>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    name: String,
    lang: String,
    incident: toml::Value,
    expect: Expect,
}

/// What a case expects.
///
/// ```
/// let e = kasuhara::testing::Expect::default();
/// assert!(e.categories.is_empty() && e.verdict.is_none());
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Categories that must all be found.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Categories that must not be found.
    #[serde(default)]
    pub not: Vec<String>,
    /// The verdict, when the case pins it.
    #[serde(default)]
    pub verdict: Option<Verdict>,
    /// Rule ids that must appear in the findings' evidence.
    #[serde(default)]
    pub rules: Vec<String>,
    /// Excerpts that must appear in the findings' evidence.
    #[serde(default)]
    pub excerpts: Vec<String>,
}

/// One loaded case.
///
/// ```
/// # use kasuhara::testing::Cases;
/// let c = Cases::from_sources(&[("c.toml", "[[case]]\nname = \"n\"\nlang = \"en\"\nincident = { id = \"x\" }\nexpect = {}\n")]).unwrap();
/// assert_eq!(c.cases()[0].name, "n");
/// ```
#[derive(Debug, Clone)]
pub struct Case {
    /// The case name, shown on failure.
    pub name: String,
    /// `ja`, `en` or `mixed`.
    pub lang: String,
    /// The file it came from.
    pub file: String,
    /// Its line in that file.
    pub line: usize,
    /// The record.
    pub incident: Incident,
    /// What must (not) happen.
    pub expect: Expect,
}

/// A set of cases, grouped by file.
///
/// ```
/// let cases = kasuhara::testing::Cases::default_policy_cases();
/// assert!(cases.cases().len() >= 100);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Cases {
    cases: Vec<Case>,
}

/// The shipped cases of the default policy.
const DEFAULT_CASES: &[(&str, &str)] = &[
    (
        "rules/cases/ja.toml",
        include_str!("../rules/cases/ja.toml"),
    ),
    (
        "rules/cases/en.toml",
        include_str!("../rules/cases/en.toml"),
    ),
    (
        "rules/cases/negatives.toml",
        include_str!("../rules/cases/negatives.toml"),
    ),
    (
        "rules/cases/behaviour.toml",
        include_str!("../rules/cases/behaviour.toml"),
    ),
    (
        "rules/cases/scenarios.toml",
        include_str!("../rules/cases/scenarios.toml"),
    ),
];

impl Cases {
    /// The cases shipped with the default policy (`rules/cases/`).
    ///
    /// ```
    /// use kasuhara::{Engine, testing::Cases};
    /// Cases::default_policy_cases().run(&Engine::default()).assert_passed();
    /// ```
    pub fn default_policy_cases() -> Cases {
        match Cases::from_sources(DEFAULT_CASES) {
            Ok(c) => c,
            Err(e) => panic!("the shipped cases are invalid: {e}"),
        }
    }

    /// Loads cases from named TOML texts.
    ///
    /// ```
    /// let err = kasuhara::testing::Cases::from_sources(&[("c.toml", "[[case]]\nname = 1\n")]).unwrap_err();
    /// assert_eq!(err.diagnostics()[0].file(), "c.toml");
    /// ```
    pub fn from_sources(sources: &[(&str, &str)]) -> Result<Cases, LoadError> {
        let mut cases = Vec::new();
        let mut diags = Vec::new();
        for (name, text) in sources {
            let diag = |span: std::ops::Range<usize>, msg: String| {
                let (line, column) = line_col(text, span.start);
                Diagnostic {
                    file: name.to_string(),
                    line,
                    column,
                    rule: None,
                    kind: DiagnosticKind::Syntax,
                    message: msg,
                    help: None,
                }
            };
            let raw: RawCases = match toml::from_str(text) {
                Ok(r) => r,
                Err(e) => {
                    diags.push(diag(e.span().unwrap_or(0..0), e.message().to_string()));
                    continue;
                }
            };
            for c in raw.case {
                let span = c.span();
                let c = c.into_inner();
                if !matches!(c.lang.as_str(), "ja" | "en" | "mixed") {
                    diags.push(diag(
                        span.clone(),
                        format!(
                            "case `{}`: unknown lang `{}`, expected `ja`, `en` or `mixed`",
                            c.name, c.lang
                        ),
                    ));
                }
                match Incident::deserialize(c.incident) {
                    Ok(incident) => cases.push(Case {
                        name: c.name,
                        lang: c.lang,
                        file: name.to_string(),
                        line: line_col(text, span.start).0,
                        incident,
                        expect: c.expect,
                    }),
                    Err(e) => diags.push(diag(
                        span,
                        format!("case `{}`: incident: {}", c.name, e.message()),
                    )),
                }
            }
        }
        if diags.is_empty() {
            Ok(Cases { cases })
        } else {
            Err(LoadError { diagnostics: diags })
        }
    }

    /// Loads every `.toml` case file under a directory (or one file), in path order.
    ///
    /// ```
    /// let cases = kasuhara::testing::Cases::from_path("rules/cases").unwrap();
    /// assert!(!cases.cases().is_empty());
    /// ```
    pub fn from_path(path: impl AsRef<Path>) -> Result<Cases, LoadError> {
        let path = path.as_ref();
        let mut files = Vec::new();
        let io = |p: &Path, e: std::io::Error| LoadError {
            diagnostics: vec![Diagnostic {
                file: p.display().to_string(),
                line: 0,
                column: 0,
                rule: None,
                kind: DiagnosticKind::Io,
                message: format!("cannot read: {e}"),
                help: None,
            }],
        };
        if path.is_dir() {
            let rd = std::fs::read_dir(path).map_err(|e| io(path, e))?;
            let mut paths: Vec<_> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
            paths.sort();
            for p in paths {
                if p.extension().is_some_and(|x| x == "toml") {
                    let t = std::fs::read_to_string(&p).map_err(|e| io(&p, e))?;
                    files.push((p.display().to_string(), t));
                }
            }
        } else {
            let t = std::fs::read_to_string(path).map_err(|e| io(path, e))?;
            files.push((path.display().to_string(), t));
        }
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        Cases::from_sources(&refs)
    }

    /// The cases, in file order.
    ///
    /// ```
    /// assert!(kasuhara::testing::Cases::default().cases().is_empty());
    /// ```
    pub fn cases(&self) -> &[Case] {
        &self.cases
    }

    /// Runs every case against `engine` (with near misses on, for the coverage count).
    ///
    /// ```
    /// use kasuhara::{Engine, testing::Cases};
    /// let report = Cases::default_policy_cases().run(&Engine::default());
    /// assert!(report.passed());
    /// assert!(report.unexercised_rules().is_empty());
    /// ```
    pub fn run(&self, engine: &Engine) -> Report {
        let engine = EngineBuilder::new(engine.policy().clone())
            .near_misses(true)
            .build()
            .unwrap_or_else(|_| engine.clone());
        let mut results = Vec::new();
        let mut exercised: BTreeSet<String> = BTreeSet::new();
        let mut file = None;
        let mut stream = engine.stream();
        for case in &self.cases {
            if file != Some(&case.file) {
                stream = engine.stream();
                file = Some(&case.file);
            }
            let outcome = stream.classify(&case.incident);
            let failures = match &outcome {
                Ok(a) => {
                    for f in &a.findings {
                        exercised.extend(f.evidence.iter().map(|e| e.rule.to_string()));
                    }
                    for m in &a.near_misses {
                        exercised.insert(m.evidence.rule.to_string());
                        if let Some(b) = &m.by {
                            exercised.insert(b.to_string());
                        }
                    }
                    check(&case.expect, a)
                }
                Err(e) => vec![format!("the record was refused: {e}")],
            };
            results.push(CaseResult {
                case: case.clone(),
                assessment: outcome.ok(),
                failures,
            });
        }
        let unexercised = engine
            .policy()
            .rule_ids()
            .into_iter()
            .filter(|r| !exercised.contains(r.as_str()))
            .collect();
        Report {
            results,
            unexercised,
        }
    }
}

fn check(expect: &Expect, a: &Assessment) -> Vec<String> {
    let mut fails = Vec::new();
    for c in &expect.categories {
        if !a.has(c) {
            fails.push(format!("expected category `{c}`, not found"));
        }
    }
    for c in &expect.not {
        if a.has(c) {
            fails.push(format!("category `{c}` must not be found, but was"));
        }
    }
    if let Some(v) = expect.verdict
        && a.verdict != v
    {
        fails.push(format!(
            "expected verdict `{}`, got `{}` ({})",
            v.as_str(),
            a.verdict.as_str(),
            a.reason
        ));
    }
    let evidence = || a.findings.iter().flat_map(|f| f.evidence.iter());
    for r in &expect.rules {
        if !evidence().any(|e| e.rule.as_str() == r) {
            fails.push(format!("expected rule `{r}` to fire, it did not"));
        }
    }
    for x in &expect.excerpts {
        if !evidence().any(|e| e.excerpt.as_deref() == Some(x.as_str())) {
            fails.push(format!("expected excerpt `{x}` in the evidence, not found"));
        }
    }
    fails
}

/// The outcome of one case.
///
/// ```
/// # use kasuhara::{Engine, testing::Cases};
/// let r = Cases::default_policy_cases().run(&Engine::default());
/// assert!(r.results().iter().all(|c| c.failures.is_empty()));
/// ```
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The case.
    pub case: Case,
    /// Its assessment, unless the record was refused.
    pub assessment: Option<Assessment>,
    /// What did not hold; empty when the case passed.
    pub failures: Vec<String>,
}

/// The outcome of a run: per-case results and the rules no case exercised.
///
/// ```
/// # use kasuhara::{Engine, testing::Cases};
/// let r = Cases::default_policy_cases().run(&Engine::default());
/// println!("{}", r.summary());
/// ```
#[derive(Debug, Clone)]
pub struct Report {
    results: Vec<CaseResult>,
    unexercised: Vec<RuleId>,
}

impl Report {
    /// Every case's result, in order.
    ///
    /// ```
    /// # use kasuhara::{Engine, testing::Cases};
    /// assert!(!Cases::default_policy_cases().run(&Engine::default()).results().is_empty());
    /// ```
    pub fn results(&self) -> &[CaseResult] {
        &self.results
    }

    /// Whether every case passed.
    ///
    /// ```
    /// # use kasuhara::{Engine, testing::Cases};
    /// assert!(Cases::default_policy_cases().run(&Engine::default()).passed());
    /// ```
    pub fn passed(&self) -> bool {
        self.results.iter().all(|r| r.failures.is_empty())
    }

    /// The rules of the policy that no case made fire (or cancel, or exempt).
    ///
    /// ```
    /// # use kasuhara::{Engine, testing::Cases};
    /// let r = Cases::default_policy_cases().run(&Engine::default());
    /// assert_eq!(r.unexercised_rules(), &[] as &[kasuhara::RuleId]);
    /// ```
    pub fn unexercised_rules(&self) -> &[RuleId] {
        &self.unexercised
    }

    /// A readable account: counts, then each failing case with what was expected, what fired and
    /// the evidence.
    ///
    /// ```
    /// # use kasuhara::{Engine, testing::Cases};
    /// let s = Cases::default_policy_cases().run(&Engine::default()).summary();
    /// assert!(s.contains("passed"));
    /// ```
    pub fn summary(&self) -> String {
        let failed: Vec<&CaseResult> = self
            .results
            .iter()
            .filter(|r| !r.failures.is_empty())
            .collect();
        let mut s = format!(
            "{} passed, {} failed\n",
            self.results.len() - failed.len(),
            failed.len()
        );
        for r in failed {
            let _ = writeln!(
                s,
                "\ncase `{}` ({}:{}, {})",
                r.case.name, r.case.file, r.case.line, r.case.lang
            );
            for f in &r.failures {
                let _ = writeln!(s, "  - {f}");
            }
            if let Some(a) = &r.assessment {
                let _ = writeln!(s, "  verdict: {} ({})", a.verdict.as_str(), a.reason);
                for f in &a.findings {
                    let _ = writeln!(
                        s,
                        "  fired: {} score {} — {}",
                        f.category, f.score, f.explanation
                    );
                }
                for m in &a.near_misses {
                    let _ = writeln!(s, "  near miss: {}", m.explanation);
                }
            }
        }
        if !self.unexercised.is_empty() {
            let ids: Vec<&str> = self.unexercised.iter().map(RuleId::as_str).collect();
            let _ = writeln!(s, "\nrules no case exercised: {}", ids.join(", "));
        }
        s
    }

    /// Panics with [`Report::summary`] if any case failed: the one call for a user's `#[test]`.
    ///
    /// ```
    /// # use kasuhara::{Engine, testing::Cases};
    /// Cases::default_policy_cases().run(&Engine::default()).assert_passed();
    /// ```
    pub fn assert_passed(&self) {
        assert!(self.passed(), "{}", self.summary());
    }
}
