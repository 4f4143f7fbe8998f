//! Loading: TOML text → serde mirror → validated [`Policy`]. Every problem is reported, each with
//! file, line, column and rule id; a policy that loads is guaranteed to compile and run.

use super::model::*;
use super::raw::*;
use crate::error::{Diagnostic, DiagnosticKind as K, LoadError, did_you_mean, line_col};
use crate::incident::{Channel, RequestKind};
use crate::limits;
use crate::report::Text;
use crate::text::matcher::Needs;
use crate::text::normalize_pattern;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use toml::Spanned;

/// The embedded default policy: every file of `rules/` except the cases.
pub(crate) const DEFAULT_RULES: &[(&str, &str)] = &[
    ("rules/policy.toml", include_str!("../../rules/policy.toml")),
    (
        "rules/categories.toml",
        include_str!("../../rules/categories.toml"),
    ),
    (
        "rules/responses.toml",
        include_str!("../../rules/responses.toml"),
    ),
    (
        "rules/lexicon/ja.toml",
        include_str!("../../rules/lexicon/ja.toml"),
    ),
    (
        "rules/lexicon/en.toml",
        include_str!("../../rules/lexicon/en.toml"),
    ),
    (
        "rules/lexicon/cues.toml",
        include_str!("../../rules/lexicon/cues.toml"),
    ),
    (
        "rules/lexicon/exceptions.toml",
        include_str!("../../rules/lexicon/exceptions.toml"),
    ),
];

impl Default for Policy {
    /// The embedded default policy (Kyoritsu basic policy). Its validity is asserted by the
    /// crate's tests, so this does not fail.
    fn default() -> Self {
        match Policy::from_sources(DEFAULT_RULES) {
            Ok(p) => p,
            Err(e) => panic!("the embedded default policy is invalid: {e}"),
        }
    }
}

impl Policy {
    /// Loads a policy from named TOML texts (the name is used in error messages).
    ///
    /// ```
    /// use kasuhara::Policy;
    /// let err = Policy::from_sources(&[("bad.toml", "[[entry]\n")]).unwrap_err();
    /// assert_eq!(err.diagnostics()[0].line(), 1);
    /// let mine = "[policy]\nname = \"mine\"\nversion = \"1\"\nextends = \"default\"\n\
    ///             [[entry]]\nid = \"mine.slur\"\ncategory = \"insult\"\nweight = 0.9\nphrases = [\"dunderhead\"]\n";
    /// let p = Policy::from_sources(&[("mine.toml", mine)]).unwrap();
    /// assert_eq!(p.name(), "mine");
    /// ```
    pub fn from_sources(sources: &[(&str, &str)]) -> Result<Policy, LoadError> {
        let owned: Vec<(String, String)> = sources
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        load(owned, Vec::new())
    }

    /// Loads a policy from a `.toml` file or a directory of them (recursively, in path order,
    /// skipping any `cases/` directory). A file whose `[policy]` says `extends = "default"` adds to
    /// the embedded default policy instead of replacing it.
    ///
    /// ```
    /// use kasuhara::Policy;
    /// let p = Policy::from_path("examples/custom_policy/rules").unwrap();
    /// assert_eq!(p.name(), "acme-hotels");
    /// let err = Policy::from_path("no/such/dir").unwrap_err();
    /// assert_eq!(err.diagnostics()[0].kind(), kasuhara::DiagnosticKind::Io);
    /// ```
    pub fn from_path(path: impl AsRef<Path>) -> Result<Policy, LoadError> {
        let path = path.as_ref();
        let mut files = Vec::new();
        let mut io = Vec::new();
        collect_files(path, &mut files, &mut io);
        let mut sources = Vec::new();
        for f in files {
            match std::fs::read_to_string(&f) {
                Ok(t) => sources.push((f.display().to_string(), t)),
                Err(e) => io.push(io_diag(&f, &e)),
            }
        }
        if sources.is_empty() && io.is_empty() {
            io.push(Diagnostic {
                file: path.display().to_string(),
                line: 0,
                column: 0,
                rule: None,
                kind: K::Io,
                message: "no `.toml` rule files found".into(),
                help: None,
            });
        }
        load(sources, io)
    }
}

fn io_diag(path: &Path, e: &std::io::Error) -> Diagnostic {
    Diagnostic {
        file: path.display().to_string(),
        line: 0,
        column: 0,
        rule: None,
        kind: K::Io,
        message: format!("cannot read: {e}"),
        help: None,
    }
}

fn collect_files(path: &Path, out: &mut Vec<std::path::PathBuf>, io: &mut Vec<Diagnostic>) {
    match std::fs::metadata(path) {
        Err(e) => io.push(io_diag(path, &e)),
        Ok(m) if m.is_file() => out.push(path.to_path_buf()),
        Ok(_) => match std::fs::read_dir(path) {
            Err(e) => io.push(io_diag(path, &e)),
            Ok(rd) => {
                let mut entries: Vec<_> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
                entries.sort();
                for p in entries {
                    if p.is_dir() {
                        if p.file_name().is_some_and(|n| n != "cases") {
                            collect_files(&p, out, io);
                        }
                    } else if p.extension().is_some_and(|x| x == "toml") {
                        out.push(p);
                    }
                }
            }
        },
    }
}

/// Diagnostics collected against the loaded files.
struct Ctx {
    files: Vec<(String, String)>,
    diags: Vec<Diagnostic>,
    /// Every rule regex of the files, checked up front on all cores (by source after
    /// [`ascii_word_boundaries`]).
    regexes: HashMap<String, Result<Arc<RuleRegex>, RegexProblem>>,
}

/// Why a rule regex is refused.
#[derive(Debug, Clone)]
pub(crate) enum RegexProblem {
    /// Syntax, nesting or size, with the message to show.
    Invalid(String),
    /// It can match an empty span, so evidence could quote nothing.
    Empty,
}

/// Checks one rule regex as the `regex` crate would compile it (same syntax and nesting limit,
/// the size limit on its automaton) and reads what its matches need, from one parse. The regex
/// itself compiles on first use ([`RuleRegex::get`]).
pub(crate) fn check_regex(src: &str) -> Result<Arc<RuleRegex>, RegexProblem> {
    use regex_automata::nfa::thompson;
    let hir = regex_syntax::ParserBuilder::new()
        .nest_limit(limits::REGEX_NEST_LIMIT)
        .build()
        .parse(src)
        .map_err(|e| RegexProblem::Invalid(e.to_string()))?;
    let config = thompson::Config::new()
        .nfa_size_limit(Some(limits::REGEX_SIZE_LIMIT))
        .shrink(false)
        .which_captures(thompson::WhichCaptures::None);
    // Compiling is a third of the time it takes to load a policy: only a regex that might be
    // too large is compiled to find out.
    if nfa_size_bound(&hir) > limits::REGEX_SIZE_LIMIT
        && let Err(e) = thompson::Compiler::new()
            .configure(config)
            .build_from_hir(&hir)
    {
        return Err(RegexProblem::Invalid(match e.size_limit() {
            Some(limit) => format!("compiled regex exceeds size limit of {limit} bytes"),
            None => e.to_string(),
        }));
    }
    if hir.properties().minimum_len() == Some(0) {
        return Err(RegexProblem::Empty);
    }
    Ok(Arc::new(RuleRegex::checked(
        src.to_string(),
        Needs::of_hir(&hir),
        hir_has_group(&hir, "n"),
        hir_has_group(&hir, "hit"),
        crate::text::matcher::triggers_of(&hir),
        crate::text::matcher::prefilter_pays(&hir),
    )))
}

/// An upper bound, in bytes, on the memory the compiler's NFA builder uses for `hir` (what its
/// size limit is checked against): states at 64 bytes each (more than any state takes), 8 per
/// byte-range transition and 4 per alternative of a union. Generous on purpose; the test
/// `nfa_size_bounds_hold` compiles every default regex, and generated ones, under their bound.
fn nfa_size_bound(hir: &regex_syntax::hir::Hir) -> usize {
    use regex_syntax::hir::{Class, HirKind};
    /// (states, transitions, alternatives), saturating.
    fn count(hir: &regex_syntax::hir::Hir) -> (usize, usize, usize) {
        let add = |a: (usize, usize, usize), b: (usize, usize, usize)| {
            (
                a.0.saturating_add(b.0),
                a.1.saturating_add(b.1),
                a.2.saturating_add(b.2),
            )
        };
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => (2, 0, 0),
            HirKind::Literal(lit) => (lit.0.len() + 2, lit.0.len(), 0),
            HirKind::Class(Class::Bytes(c)) => (c.ranges().len() + 2, c.ranges().len(), 0),
            HirKind::Class(Class::Unicode(c)) => {
                // UTF-8 sequences per range, counted (one when the ends share all but their last
                // byte, the common case, which needs no counting).
                let seqs: usize = c
                    .ranges()
                    .iter()
                    .map(|r| {
                        let (mut a, mut b) = ([0u8; 4], [0u8; 4]);
                        let (a, b) = (r.start().encode_utf8(&mut a), r.end().encode_utf8(&mut b));
                        let (a, b) = (a.as_bytes(), b.as_bytes());
                        if a.len() == b.len() && a[..a.len() - 1] == b[..b.len() - 1] {
                            1
                        } else {
                            regex_syntax::utf8::Utf8Sequences::new(r.start(), r.end()).count()
                        }
                    })
                    .sum();
                (4 * seqs + 4, 4 * seqs, seqs)
            }
            HirKind::Capture(c) => add(count(&c.sub), (4, 0, 0)),
            HirKind::Repetition(r) => {
                let copies = r.max.unwrap_or(r.min).max(r.min).max(1) as usize + 1;
                let (s, t, a) = count(&r.sub);
                (
                    s.saturating_add(4).saturating_mul(copies),
                    t.saturating_mul(copies),
                    a.saturating_add(2).saturating_mul(copies),
                )
            }
            HirKind::Concat(hs) => hs.iter().map(count).fold((2, 0, 0), add),
            HirKind::Alternation(hs) => hs
                .iter()
                .map(count)
                .fold((hs.len() + 4, 0, hs.len() + 2), add),
        }
    }
    // The unanchored prefix, the start, match and fail states.
    let (s, t, a) = count(hir);
    s.saturating_add(32)
        .saturating_mul(64)
        .saturating_add(t.saturating_mul(8))
        .saturating_add(a.saturating_mul(4))
}

/// Whether `hir` has a capture group named `name`.
fn hir_has_group(hir: &regex_syntax::hir::Hir, name: &str) -> bool {
    use regex_syntax::hir::HirKind;
    match hir.kind() {
        HirKind::Capture(c) => c.name.as_deref() == Some(name) || hir_has_group(&c.sub, name),
        HirKind::Repetition(r) => hir_has_group(&r.sub, name),
        HirKind::Concat(hs) | HirKind::Alternation(hs) => hs.iter().any(|h| hir_has_group(h, name)),
        _ => false,
    }
}

/// The rule regexes of `files` as the loader checks them (`\b` made ASCII, guards anchored),
/// sorted, once each.
fn regex_sources(files: &[RawFile]) -> Vec<String> {
    let mut sources: Vec<String> = files
        .iter()
        .flat_map(|f| {
            let entries = f.entry.iter().filter_map(|e| e.regex.as_ref());
            let cues = f.cue.iter().filter_map(|c| c.regex.as_ref());
            let exceptions = f.exception.iter().filter_map(|x| x.regex.as_ref());
            let guards = f.entry.iter().filter_map(|e| e.not_followed_by.as_ref());
            entries
                .chain(cues)
                .chain(exceptions)
                .map(|r| ascii_word_boundaries(r.get_ref()))
                .chain(guards.map(|g| guard_source(&ascii_word_boundaries(g.get_ref()))))
        })
        .collect();
    sources.sort();
    sources.dedup();
    sources
}

/// Whether category `from` is `to` or yields to it, directly or through others.
fn reaches(categories: &[Category], from: usize, to: usize) -> bool {
    let mut seen = vec![false; categories.len()];
    let mut stack = vec![from];
    while let Some(c) = stack.pop() {
        if c == to {
            return true;
        }
        if !std::mem::replace(&mut seen[c], true) {
            stack.extend(&categories[c].yields_to);
        }
    }
    false
}

/// The rule regexes of the default policy, as the loader checks them.
#[cfg(test)]
pub(crate) fn default_regex_sources() -> Vec<String> {
    let files: Vec<RawFile> = DEFAULT_RULES
        .iter()
        .map(|(_, text)| toml::from_str(text).expect("the default rules parse"))
        .collect();
    regex_sources(&files)
}

/// Checks `sources`: those of the default policy from the regex cache, the others on up to every
/// core (checking is most of the time it takes to load a policy, and each regex is checked on its
/// own).
fn check_regexes(sources: Vec<String>) -> HashMap<String, Result<Arc<RuleRegex>, RegexProblem>> {
    let mut checked = HashMap::with_capacity(sources.len());
    let uncached: Vec<String> = sources
        .into_iter()
        .filter_map(|s| match super::regex_cache::lookup(&s) {
            Some(re) => {
                checked.insert(s, Ok(re));
                None
            }
            None => Some(s),
        })
        .collect();
    checked.extend(check_uncached(uncached));
    checked
}

fn check_uncached(sources: Vec<String>) -> HashMap<String, Result<Arc<RuleRegex>, RegexProblem>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(sources.len());
    if threads <= 1 {
        return sources
            .into_iter()
            .map(|s| {
                let c = check_regex(&s);
                (s, c)
            })
            .collect();
    }
    // Longest first, each to the least loaded thread: a few large regexes take most of the time.
    let mut order: Vec<&String> = sources.iter().collect();
    order.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut shares: Vec<(usize, Vec<&String>)> = vec![(0, Vec::new()); threads];
    for s in order {
        if let Some(least) = shares.iter_mut().min_by_key(|(load, _)| *load) {
            least.0 += s.len();
            least.1.push(s);
        }
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = shares
            .into_iter()
            .map(|(_, share)| {
                scope.spawn(move || {
                    share
                        .into_iter()
                        .map(|s| (s.clone(), check_regex(s)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

impl Ctx {
    fn report(
        &mut self,
        file: usize,
        span: Range<usize>,
        rule: Option<&str>,
        kind: K,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        let (name, text) = &self.files[file];
        let (line, column) = line_col(text, span.start);
        self.diags.push(Diagnostic {
            file: name.clone(),
            line,
            column,
            rule: rule.map(str::to_string),
            kind,
            message: message.into(),
            help,
        });
    }

    fn missing(&mut self, what: &str) {
        // A file that did not parse may well hold the section: say nothing more about it.
        if self
            .diags
            .iter()
            .any(|d| d.kind == K::Syntax || d.kind == K::Io)
        {
            return;
        }
        self.diags.push(Diagnostic {
            file: "<policy>".into(),
            line: 0,
            column: 0,
            rule: None,
            kind: K::Missing,
            message: format!("no file defines the `[{what}]` section"),
            help: Some("copy it from the default policy's rules/policy.toml".into()),
        });
    }

    fn unit(&mut self, file: usize, v: &Spanned<f64>, rule: Option<&str>, what: &str) -> f64 {
        self.range(file, v, rule, what, 0.0, 1.0, true)
    }

    #[allow(clippy::too_many_arguments)]
    fn range(
        &mut self,
        file: usize,
        v: &Spanned<f64>,
        rule: Option<&str>,
        what: &str,
        lo: f64,
        hi: f64,
        lo_open: bool,
    ) -> f64 {
        let x = *v.get_ref();
        let bad_lo = if lo_open { x <= lo } else { x < lo };
        if !x.is_finite() || bad_lo || x > hi {
            let bracket = if lo_open { "(" } else { "[" };
            self.report(
                file,
                v.span(),
                rule,
                K::OutOfRange,
                format!("`{what}` is `{x}`, expected a number in {bracket}{lo}, {hi}]"),
                None,
            );
        }
        x
    }

    fn count(
        &mut self,
        file: usize,
        v: &Spanned<i64>,
        rule: Option<&str>,
        what: &str,
        hi: i64,
    ) -> i64 {
        let x = *v.get_ref();
        if !(1..=hi).contains(&x) {
            self.report(
                file,
                v.span(),
                rule,
                K::OutOfRange,
                format!("`{what}` is `{x}`, expected a whole number from 1 to {hi}"),
                None,
            );
        }
        x.clamp(1, hi)
    }
}

/// A singleton section with the file it came from.
struct One<T> {
    file: usize,
    value: Spanned<T>,
}

fn load(user: Vec<(String, String)>, io: Vec<Diagnostic>) -> Result<Policy, LoadError> {
    let mut ctx = Ctx {
        files: Vec::new(),
        diags: io,
        regexes: HashMap::new(),
    };
    let mut parsed: Vec<(usize, RawFile)> = Vec::new();
    for (name, text) in user {
        let idx = ctx.files.len();
        ctx.files.push((name, text));
        match toml::from_str::<RawFile>(&ctx.files[idx].1) {
            Ok(raw) => parsed.push((idx, raw)),
            Err(e) => {
                let span = e.span().unwrap_or(0..0);
                let msg = e.message().trim().to_string();
                let help = unknown_field_help(&msg);
                ctx.report(idx, span, None, K::Syntax, msg, help);
            }
        }
    }
    // `extends = "default"`: the default policy's files come first, the user's refine them.
    let extends = parsed.iter().find_map(|(f, r)| {
        r.policy
            .as_ref()
            .and_then(|p| p.get_ref().extends.as_ref().map(|e| (*f, e.clone())))
    });
    let mut base_files = 0;
    let mut disabled: Vec<(usize, Spanned<String>)> = Vec::new();
    if let Some((file, ext)) = extends {
        if ext.get_ref() == "default" {
            let mut base = Vec::new();
            for (name, text) in DEFAULT_RULES {
                let idx = ctx.files.len();
                ctx.files.push((name.to_string(), text.to_string()));
                match toml::from_str::<RawFile>(text) {
                    Ok(raw) => base.push((idx, raw)),
                    Err(e) => ctx.report(
                        idx,
                        e.span().unwrap_or(0..0),
                        None,
                        K::Syntax,
                        e.message().to_string(),
                        None,
                    ),
                }
            }
            base_files = base.len();
            base.append(&mut parsed);
            parsed = base;
        } else {
            ctx.report(
                file,
                ext.span(),
                None,
                K::UnknownReference,
                format!("cannot extend `{}`", ext.get_ref()),
                Some("the only policy that can be extended is `default`".into()),
            );
        }
        for (f, r) in &parsed {
            if let Some(p) = &r.policy {
                disabled.extend(p.get_ref().disable.iter().map(|d| (*f, d.clone())));
            }
        }
    }
    let mut files: Vec<RawFile> = Vec::new();
    let mut file_ids: Vec<usize> = Vec::new();
    for (f, r) in parsed {
        file_ids.push(f);
        files.push(r);
    }
    ctx.regexes = check_regexes(regex_sources(&files));

    macro_rules! single {
        ($field:ident, $name:literal) => {{
            let mut found: Option<One<_>> = None;
            for (pos, raw) in files.iter_mut().enumerate() {
                if let Some(v) = raw.$field.take() {
                    let file = file_ids[pos];
                    if let Some(prev) = &found {
                        // A refining policy may replace a base section once.
                        if pos >= base_files && prev_is_user(prev.file, &file_ids, base_files) {
                            ctx.report(
                                file,
                                v.span(),
                                None,
                                K::DuplicateId,
                                format!("section `[{}]` is defined more than once", $name),
                                None,
                            );
                            continue;
                        }
                    }
                    found = Some(One { file, value: v });
                }
            }
            found
        }};
    }
    let meta = single!(policy, "policy");
    let verdict = single!(verdict, "verdict");
    let severity = single!(severity, "severity");
    let calendar = single!(calendar, "calendar");
    let off_hours = single!(off_hours, "off_hours");
    let persistence = single!(persistence, "persistence");
    let duration = single!(duration, "duration");
    let validity = single!(validity, "validity");
    let text = single!(text, "text");
    let templates = single!(templates, "templates");

    // Responses.
    let mut responses: Vec<Response> = Vec::new();
    let mut response_ix: HashMap<String, usize> = HashMap::new();
    for (pos, raw) in files.iter_mut().enumerate() {
        let file = file_ids[pos];
        for r in raw.response.drain(..) {
            let id = r.id.get_ref().clone();
            if response_ix.contains_key(&id) {
                ctx.report(
                    file,
                    r.id.span(),
                    Some(&id),
                    K::DuplicateId,
                    format!("response `{id}` is defined more than once"),
                    None,
                );
                continue;
            }
            if r.en.trim().is_empty() || r.ja.trim().is_empty() {
                ctx.report(
                    file,
                    r.id.span(),
                    Some(&id),
                    K::EmptyPattern,
                    "response text is empty in `en` or `ja`",
                    None,
                );
            }
            response_ix.insert(id.clone(), responses.len());
            responses.push(Response {
                id: id.into(),
                text: LangText {
                    en: r.en.into(),
                    ja: r.ja.into(),
                },
            });
        }
    }
    let resolve_responses =
        |ctx: &mut Ctx, file: usize, list: &[Spanned<String>], rule: Option<&str>| -> Vec<usize> {
            let mut out = Vec::new();
            for r in list {
                match response_ix.get(r.get_ref()) {
                    Some(&i) => out.push(i),
                    None => {
                        let help =
                            did_you_mean(r.get_ref(), response_ix.keys().map(String::as_str));
                        ctx.report(
                            file,
                            r.span(),
                            rule,
                            K::UnknownReference,
                            format!("unknown response `{}`", r.get_ref()),
                            help,
                        );
                    }
                }
            }
            out
        };

    // Categories.
    let mut categories: Vec<Category> = Vec::new();
    let mut category_ix: HashMap<String, usize> = HashMap::new();
    // Each category's `yields_to`, resolved once every category is known.
    let mut yields: Vec<(usize, usize, Vec<Spanned<String>>)> = Vec::new();
    for (pos, raw) in files.iter_mut().enumerate() {
        let file = file_ids[pos];
        for c in raw.category.drain(..) {
            let id = c.id.get_ref().clone();
            let rule = Some(id.as_str());
            if !is_snake_case(&id) {
                ctx.report(
                    file,
                    c.id.span(),
                    rule,
                    K::Syntax,
                    format!("category id `{id}` must be snake_case"),
                    None,
                );
            }
            if category_ix.contains_key(&id) {
                ctx.report(
                    file,
                    c.id.span(),
                    rule,
                    K::DuplicateId,
                    format!("category `{id}` is defined more than once"),
                    None,
                );
                continue;
            }
            let prong = match c.prong.get_ref().as_str() {
                "validity" => Prong::Validity,
                "conduct" => Prong::Conduct,
                other => {
                    ctx.report(
                        file,
                        c.prong.span(),
                        rule,
                        K::UnknownReference,
                        format!("unknown prong `{other}`"),
                        Some("expected `validity` or `conduct`".into()),
                    );
                    Prong::Conduct
                }
            };
            let basis = match c.basis.as_ref().map(|b| (b.get_ref().as_str(), b.span())) {
                None | Some(("always", _)) => Basis::Always,
                Some(("relative", _)) => Basis::Relative,
                Some((other, span)) => {
                    ctx.report(
                        file,
                        span,
                        rule,
                        K::UnknownReference,
                        format!("unknown basis `{other}`"),
                        Some("expected `always` or `relative`".into()),
                    );
                    Basis::Always
                }
            };
            let weight = ctx.unit(file, &c.weight, rule, "weight");
            let resp = resolve_responses(&mut ctx, file, &c.responses, rule);
            for (what, t) in [("name", &c.name), ("clause", &c.clause)] {
                if t.en.trim().is_empty() || t.ja.trim().is_empty() {
                    ctx.report(
                        file,
                        c.id.span(),
                        rule,
                        K::EmptyPattern,
                        format!("`{what}` is empty in `en` or `ja`"),
                        None,
                    );
                }
            }
            category_ix.insert(id.clone(), categories.len());
            yields.push((categories.len(), file, c.yields_to));
            categories.push(Category {
                id: CategoryId::new(id),
                prong,
                basis,
                weight,
                name: lang_text(&c.name),
                clause: lang_text(&c.clause),
                section: c.section.map(Text::from),
                responses: resp,
                explanation: c.explanation.as_ref().map(lang_text),
                yields_to: Vec::new(),
            });
        }
    }
    let cat = |ctx: &mut Ctx, file: usize, v: &Spanned<String>, rule: Option<&str>| -> usize {
        match category_ix.get(v.get_ref()) {
            Some(&i) => i,
            None => {
                let help = did_you_mean(v.get_ref(), category_ix.keys().map(String::as_str));
                ctx.report(
                    file,
                    v.span(),
                    rule,
                    K::UnknownCategory,
                    format!("unknown category `{}`", v.get_ref()),
                    help,
                );
                usize::MAX
            }
        }
    };
    for (ci, file, targets) in yields {
        for t in targets {
            let rule = categories[ci].id.clone();
            let ti = cat(&mut ctx, file, &t, Some(rule.as_str()));
            if ti == usize::MAX {
                continue;
            }
            if reaches(&categories, ti, ci) {
                ctx.report(
                    file,
                    t.span(),
                    Some(rule.as_str()),
                    K::UnknownReference,
                    format!(
                        "`{rule}` yields to `{}`, which yields back to it",
                        t.get_ref()
                    ),
                    Some("hits on the same words would go to neither".into()),
                );
            } else {
                categories[ci].yields_to.push(ti);
            }
        }
    }

    // Rule ids are unique across entries, cues and exceptions.
    let mut rule_seen: HashSet<String> = HashSet::new();
    let disabled_ids: HashSet<String> = disabled.iter().map(|(_, d)| d.get_ref().clone()).collect();
    let mut disabled_found: HashSet<String> = HashSet::new();
    let mut pattern_count = 0usize;
    let mut entries = Vec::new();
    let mut cues = Vec::new();
    let mut exceptions = Vec::new();
    for (pos, raw) in files.iter_mut().enumerate() {
        let file = file_ids[pos];
        for e in raw.entry.drain(..) {
            let id = e.id.get_ref().clone();
            if !check_rule_id(&mut ctx, file, &e.id, &mut rule_seen) {
                continue;
            }
            if disabled_ids.contains(&id) {
                disabled_found.insert(id);
                continue;
            }
            let rule = Some(id.as_str());
            let category = cat(&mut ctx, file, &e.category, rule);
            let weight = ctx.unit(file, &e.weight, rule, "weight");
            check_lang(&mut ctx, file, e.lang.as_ref(), rule);
            let patterns = compile_patterns(
                &mut ctx,
                file,
                &e.id,
                &e.phrases,
                e.regex.as_ref(),
                e.boundary.as_ref(),
                &mut pattern_count,
            );
            let katakana_only = match e.script.as_ref().map(|s| (s.get_ref().as_str(), s.span())) {
                None | Some(("any", _)) => false,
                Some(("katakana", _)) => true,
                Some((other, span)) => {
                    ctx.report(
                        file,
                        span,
                        rule,
                        K::UnknownReference,
                        format!("unknown script `{other}`"),
                        Some("expected `any` or `katakana`".into()),
                    );
                    false
                }
            };
            let not_followed_by = e
                .not_followed_by
                .as_ref()
                .and_then(|r| rule_regex(&mut ctx, file, rule, r, guard_source));
            entries.push(Entry {
                id: RuleId::new(id),
                category,
                weight,
                patterns,
                katakana_only,
                not_followed_by,
            });
        }
        for c in raw.cue.drain(..) {
            let id = c.id.get_ref().clone();
            if !check_rule_id(&mut ctx, file, &c.id, &mut rule_seen) {
                continue;
            }
            if disabled_ids.contains(&id) {
                disabled_found.insert(id);
                continue;
            }
            let rule = Some(id.as_str());
            check_lang(&mut ctx, file, c.lang.as_ref(), rule);
            let patterns = compile_patterns(
                &mut ctx,
                file,
                &c.id,
                &c.phrases,
                c.regex.as_ref(),
                c.boundary.as_ref(),
                &mut pattern_count,
            );
            let has_n = patterns.regex.as_ref().is_some_and(|r| r.has_n);
            let value = c
                .value
                .as_ref()
                .map(|v| ctx.range(file, v, rule, "value", 0.0, 1e6, true));
            let needs_value = |ctx: &mut Ctx| {
                if value.is_none() && !has_n {
                    ctx.report(
                        file,
                        c.id.span(),
                        rule,
                        K::Missing,
                        "a count or duration cue needs a regex with an `n` group or a `value`",
                        None,
                    );
                }
            };
            let kind = match c.kind.get_ref().as_str() {
                "emergency" => CueKind::Emergency,
                "no_defect" => CueKind::NoDefect,
                "outside_contract" => CueKind::OutsideContract,
                "unrelated" => CueKind::Unrelated,
                kind @ ("negation" | "third_party") => {
                    let scope = match c.scope.as_ref().map(|s| (s.get_ref().as_str(), s.span())) {
                        Some(("before", _)) => Scope::Before,
                        Some(("after", _)) => Scope::After,
                        Some((other, span)) => {
                            ctx.report(
                                file,
                                span,
                                rule,
                                K::UnknownReference,
                                format!("unknown scope `{other}`"),
                                Some("expected `before` or `after`".into()),
                            );
                            Scope::After
                        }
                        None => {
                            ctx.report(
                                file,
                                c.id.span(),
                                rule,
                                K::Missing,
                                "a negation or third_party cue needs `scope`",
                                None,
                            );
                            Scope::After
                        }
                    };
                    let within = match &c.within {
                        Some(w) => ctx.count(file, w, rule, "within", 200) as usize,
                        None => {
                            ctx.report(
                                file,
                                c.id.span(),
                                rule,
                                K::Missing,
                                "a negation or third_party cue needs `within`",
                                None,
                            );
                            1
                        }
                    };
                    let applies_to = c
                        .applies_to
                        .iter()
                        .map(|a| cat(&mut ctx, file, a, rule))
                        .collect();
                    if kind == "negation" {
                        CueKind::Negation {
                            scope,
                            within,
                            applies_to,
                        }
                    } else {
                        CueKind::ThirdParty {
                            scope,
                            within,
                            applies_to,
                        }
                    }
                }
                "contact_count" => {
                    needs_value(&mut ctx);
                    let window_hours = match &c.window_hours {
                        Some(w) => ctx.count(file, w, rule, "window_hours", 24 * 366),
                        None => {
                            ctx.report(
                                file,
                                c.id.span(),
                                rule,
                                K::Missing,
                                "a contact_count cue needs `window_hours`",
                                None,
                            );
                            24
                        }
                    };
                    CueKind::ContactCount {
                        window_hours,
                        value,
                    }
                }
                "duration" => {
                    needs_value(&mut ctx);
                    let unit_minutes = match &c.unit_minutes {
                        Some(u) => ctx.range(file, u, rule, "unit_minutes", 0.0, 1e5, true),
                        None => 1.0,
                    };
                    CueKind::Duration {
                        unit_minutes,
                        value,
                    }
                }
                other => {
                    let help = did_you_mean(
                        other,
                        [
                            "emergency",
                            "negation",
                            "contact_count",
                            "duration",
                            "no_defect",
                            "outside_contract",
                            "unrelated",
                        ],
                    );
                    ctx.report(
                        file,
                        c.kind.span(),
                        rule,
                        K::UnknownReference,
                        format!("unknown cue kind `{other}`"),
                        help,
                    );
                    continue;
                }
            };
            cues.push(Cue {
                id: RuleId::new(id),
                kind,
                patterns,
            });
        }
        for x in raw.exception.drain(..) {
            let id = x.id.get_ref().clone();
            if !check_rule_id(&mut ctx, file, &x.id, &mut rule_seen) {
                continue;
            }
            if disabled_ids.contains(&id) {
                disabled_found.insert(id);
                continue;
            }
            let patterns = compile_patterns(
                &mut ctx,
                file,
                &x.id,
                &x.phrases,
                x.regex.as_ref(),
                None,
                &mut pattern_count,
            );
            exceptions.push(Exception {
                id: RuleId::new(id),
                phrases: patterns.phrases,
                normalized: patterns.normalized,
                regex: patterns.regex,
            });
        }
    }
    for (file, d) in &disabled {
        if !disabled_found.contains(d.get_ref()) {
            let help = did_you_mean(d.get_ref(), rule_seen.iter().map(String::as_str));
            ctx.report(
                *file,
                d.span(),
                Some(d.get_ref()),
                K::UnknownReference,
                format!("cannot disable unknown rule `{}`", d.get_ref()),
                help,
            );
        }
    }
    if pattern_count > limits::MAX_PATTERNS {
        ctx.diags.push(Diagnostic {
            file: "<policy>".into(),
            line: 0,
            column: 0,
            rule: None,
            kind: K::Limit,
            message: format!(
                "the policy has {pattern_count} patterns, more than the limit of {}",
                limits::MAX_PATTERNS
            ),
            help: None,
        });
    }

    // Singleton sections.
    let (name, version) = match &meta {
        Some(One { value, .. }) => (
            value.get_ref().name.get_ref().clone(),
            value.get_ref().version.get_ref().clone(),
        ),
        None => {
            ctx.missing("policy");
            (String::new(), String::new())
        }
    };
    let verdict = verdict.map(|v| {
        let f = v.file;
        let r = v.value.into_inner();
        let harassment = ctx.unit(f, &r.harassment, None, "harassment");
        let review = ctx.unit(f, &r.review, None, "review");
        if review > harassment {
            ctx.report(
                f,
                r.review.span(),
                None,
                K::OutOfRange,
                format!("`review` ({review}) must not exceed `harassment` ({harassment})"),
                None,
            );
        }
        VerdictRules {
            harassment,
            review,
            invalid_request: ctx.unit(f, &r.invalid_request, None, "invalid_request"),
            absurd_request: ctx.unit(f, &r.absurd_request, None, "absurd_request"),
            severe: ctx.unit(f, &r.severe, None, "severe"),
            repeated_hits: ctx.count(f, &r.repeated_hits, None, "repeated_hits", 1000) as usize,
            responses_harassment: resolve_responses(&mut ctx, f, &r.responses.harassment, None),
            responses_review: resolve_responses(&mut ctx, f, &r.responses.needs_review, None),
            responses_none: resolve_responses(&mut ctx, f, &r.responses.not_harassment, None),
        }
    });
    let severity = severity.map(|v| {
        let f = v.file;
        let r = v.value.into_inner();
        SeverityBands {
            high: ctx.unit(f, &r.high, None, "high"),
            medium: ctx.unit(f, &r.medium, None, "medium"),
        }
    });
    let calendar = calendar.map(|v| load_calendar(&mut ctx, v.file, v.value.into_inner()));
    let off_hours = off_hours.map(|v| {
        let f = v.file;
        let r = v.value.into_inner();
        OffHoursRules {
            category: cat(&mut ctx, f, &r.category, None),
            weight: ctx.unit(f, &r.weight, None, "weight"),
            late_night_weight: ctx.unit(f, &r.late_night_weight, None, "late_night_weight"),
            repeated: ctx.count(f, &r.repeated, None, "repeated", 10_000) as usize,
            repeated_weight: ctx.unit(f, &r.repeated_weight, None, "repeated_weight"),
            window_hours: ctx.count(f, &r.window_hours, None, "window_hours", 24 * 366),
            channels: r
                .channels
                .iter()
                .filter_map(|c| channel(&mut ctx, f, c, None))
                .collect(),
        }
    });
    let persistence = persistence.map(|v| {
        let f = v.file;
        let section_span = v.value.span();
        let r = v.value.into_inner();
        let mut windows = Vec::new();
        for w in &r.window {
            let rule = Some(w.id.get_ref().as_str());
            check_rule_id(&mut ctx, f, &w.id, &mut rule_seen);
            let review = ctx.count(f, &w.review, rule, "review", 100_000) as usize;
            let fire = ctx.count(f, &w.fire, rule, "fire", 100_000) as usize;
            if review > fire {
                ctx.report(
                    f,
                    w.review.span(),
                    rule,
                    K::OutOfRange,
                    format!("`review` ({review}) must not exceed `fire` ({fire})"),
                    None,
                );
            }
            windows.push(Window {
                id: RuleId::new(w.id.get_ref().clone()),
                hours: ctx.count(f, &w.hours, rule, "hours", 24 * 366),
                review,
                fire,
                channels: w
                    .channels
                    .iter()
                    .filter_map(|c| channel(&mut ctx, f, c, rule))
                    .collect(),
            });
        }
        if windows.is_empty() {
            ctx.report(
                f,
                section_span,
                None,
                K::Missing,
                "`[persistence]` needs at least one `[[persistence.window]]`",
                None,
            );
        }
        PersistenceRules {
            category: cat(&mut ctx, f, &r.category, None),
            weight: ctx.unit(f, &r.weight, None, "weight"),
            review_weight: ctx.unit(f, &r.review_weight, None, "review_weight"),
            emergency_exempt: r.emergency_exempt,
            windows,
        }
    });
    let duration = duration.map(|v| {
        let f = v.file;
        let r = v.value.into_inner();
        let long = ctx.range(f, &r.long_minutes, None, "long_minutes", 0.0, 1e5, true);
        let restrictive = ctx.range(
            f,
            &r.restrictive_minutes,
            None,
            "restrictive_minutes",
            0.0,
            1e5,
            true,
        );
        if long > restrictive {
            ctx.report(
                f,
                r.long_minutes.span(),
                None,
                K::OutOfRange,
                "`long_minutes` must not exceed `restrictive_minutes`",
                None,
            );
        }
        let per_channel = r
            .channel
            .iter()
            .filter_map(|c| {
                let ch = channel(&mut ctx, f, &c.channel, None)?;
                let l = ctx.range(f, &c.long_minutes, None, "long_minutes", 0.0, 1e5, true);
                let rs = ctx.range(
                    f,
                    &c.restrictive_minutes,
                    None,
                    "restrictive_minutes",
                    0.0,
                    1e5,
                    true,
                );
                Some((ch, l, rs))
            })
            .collect();
        DurationRules {
            category: cat(&mut ctx, f, &r.category, None),
            long_minutes: long,
            restrictive_minutes: restrictive,
            long_weight: ctx.unit(f, &r.long_weight, None, "long_weight"),
            restrictive_weight: ctx.unit(f, &r.restrictive_weight, None, "restrictive_weight"),
            tie_within: r
                .tie_within
                .as_ref()
                .map(|w| ctx.count(f, w, None, "tie_within", 10_000) as usize),
            per_channel,
        }
    });
    let validity = validity.map(|v| {
        let f = v.file;
        let r = v.value.into_inner();
        let kinds = |ctx: &mut Ctx, list: &[Spanned<String>]| -> Vec<RequestKind> {
            list.iter()
                .filter_map(|k| request_kind(ctx, f, k))
                .collect()
        };
        ValidityRules {
            no_defect_category: cat(&mut ctx, f, &r.no_defect.category, None),
            no_defect_weight: ctx.unit(f, &r.no_defect.weight, None, "weight"),
            demand_kinds: kinds(&mut ctx, &r.no_defect.kinds),
            unrelated_category: cat(&mut ctx, f, &r.unrelated.category, None),
            unrelated_weight: ctx.unit(f, &r.unrelated.weight, None, "weight"),
            reduction_category: cat(&mut ctx, f, &r.reduction.category, None),
            reduction_kinds: kinds(&mut ctx, &r.reduction.kinds),
            reduction_ratio: ctx.range(f, &r.reduction.ratio, None, "ratio", 0.0, 1e9, true),
            reduction_weight: ctx.unit(f, &r.reduction.weight, None, "weight"),
            absurd_kinds: kinds(&mut ctx, &r.reduction.absurd_kinds),
            absurd_ratio: ctx.range(
                f,
                &r.reduction.absurd_ratio,
                None,
                "absurd_ratio",
                0.0,
                1e12,
                true,
            ),
            absurd_weight: ctx.unit(f, &r.reduction.absurd_weight, None, "absurd_weight"),
            excess_category: cat(&mut ctx, f, &r.excess.category, None),
            excess_weight: ctx.unit(f, &r.excess.weight, None, "weight"),
            excess_repeated: ctx.count(f, &r.excess.repeated, None, "repeated", 10_000) as usize,
            excess_repeated_weight: ctx.unit(f, &r.excess.repeated_weight, None, "repeated_weight"),
            excess_window_hours: r
                .excess
                .window_hours
                .as_ref()
                .map(|w| ctx.count(f, w, None, "window_hours", 24 * 366)),
        }
    });
    let text = text.map(|v| {
        let f = v.file;
        let r = v.value.into_inner();
        TextRules {
            max_hits_per_rule: ctx.count(f, &r.max_hits_per_rule, None, "max_hits_per_rule", 1000)
                as usize,
            max_text_bytes: ctx.count(
                f,
                &r.max_text_bytes,
                None,
                "max_text_bytes",
                limits::MAX_TEXT_BYTES_CEILING as i64,
            ) as usize,
        }
    });
    let templates = templates.map(|v| {
        let r = v.value.into_inner();
        Templates {
            finding: lang_text(&r.finding),
            near_miss: lang_text(&r.near_miss),
        }
    });

    macro_rules! need {
        ($v:ident, $name:literal) => {
            match $v {
                Some(v) => Some(v),
                None => {
                    ctx.missing($name);
                    None
                }
            }
        };
    }
    let verdict = need!(verdict, "verdict");
    let severity = need!(severity, "severity");
    let calendar = need!(calendar, "calendar");
    let off_hours = need!(off_hours, "off_hours");
    let persistence = need!(persistence, "persistence");
    let duration = need!(duration, "duration");
    let validity = need!(validity, "validity");
    let text = need!(text, "text");
    let templates = need!(templates, "templates");

    if !ctx.diags.is_empty() {
        let mut diags = ctx.diags;
        diags.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        return Err(LoadError { diagnostics: diags });
    }
    match (
        verdict,
        severity,
        calendar,
        off_hours,
        persistence,
        duration,
        validity,
        text,
        templates,
    ) {
        (
            Some(verdict),
            Some(severity),
            Some(calendar),
            Some(off_hours),
            Some(persistence),
            Some(duration),
            Some(validity),
            Some(text),
            Some(templates),
        ) => Ok(Policy {
            name: name.into(),
            version: version.into(),
            categories,
            responses,
            entries,
            cues,
            exceptions,
            verdict,
            severity,
            calendar,
            off_hours,
            persistence,
            duration,
            validity,
            text,
            templates,
        }),
        // Unreachable: every missing section was reported above.
        _ => Err(LoadError {
            diagnostics: Vec::new(),
        }),
    }
}

fn prev_is_user(prev_file: usize, file_ids: &[usize], base_files: usize) -> bool {
    file_ids
        .iter()
        .position(|&f| f == prev_file)
        .is_some_and(|p| p >= base_files)
}

fn unknown_field_help(msg: &str) -> Option<String> {
    msg.contains("unknown field")
        .then(|| "field names are listed in the README's rule file format".to_string())
}

fn lang_text(t: &RawLangText) -> LangText {
    LangText {
        en: t.en.as_str().into(),
        ja: t.ja.as_str().into(),
    }
}

fn is_snake_case(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn check_rule_id(
    ctx: &mut Ctx,
    file: usize,
    id: &Spanned<String>,
    seen: &mut HashSet<String>,
) -> bool {
    let s = id.get_ref();
    let ok_chars = !s.is_empty()
        && s.len() <= limits::MAX_RULE_ID_BYTES
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !ok_chars {
        ctx.report(
            file,
            id.span(),
            Some(s),
            K::Syntax,
            format!(
                "rule id `{s}` must be 1 to {} ASCII letters, digits, `.`, `_` or `-`",
                limits::MAX_RULE_ID_BYTES
            ),
            None,
        );
        return false;
    }
    if !seen.insert(s.clone()) {
        ctx.report(
            file,
            id.span(),
            Some(s),
            K::DuplicateId,
            format!("rule id `{s}` is used more than once"),
            None,
        );
        return false;
    }
    true
}

fn check_lang(ctx: &mut Ctx, file: usize, lang: Option<&Spanned<String>>, rule: Option<&str>) {
    if let Some(l) = lang
        && !matches!(l.get_ref().as_str(), "ja" | "en" | "any")
    {
        ctx.report(
            file,
            l.span(),
            rule,
            K::UnknownReference,
            format!("unknown language `{}`", l.get_ref()),
            Some("expected `ja`, `en` or `any`".into()),
        );
    }
}

fn channel(ctx: &mut Ctx, file: usize, v: &Spanned<String>, rule: Option<&str>) -> Option<Channel> {
    let found = Channel::ALL.into_iter().find(|c| c.as_str() == v.get_ref());
    if found.is_none() {
        let help = did_you_mean(v.get_ref(), Channel::ALL.iter().map(|c| c.as_str()));
        ctx.report(
            file,
            v.span(),
            rule,
            K::UnknownReference,
            format!("unknown channel `{}`", v.get_ref()),
            help,
        );
    }
    found
}

fn request_kind(ctx: &mut Ctx, file: usize, v: &Spanned<String>) -> Option<RequestKind> {
    let found = RequestKind::ALL
        .into_iter()
        .find(|c| c.as_str() == v.get_ref());
    if found.is_none() {
        let help = did_you_mean(v.get_ref(), RequestKind::ALL.iter().map(|c| c.as_str()));
        ctx.report(
            file,
            v.span(),
            None,
            K::UnknownReference,
            format!("unknown request kind `{}`", v.get_ref()),
            help,
        );
    }
    found
}

fn compile_patterns(
    ctx: &mut Ctx,
    file: usize,
    id: &Spanned<String>,
    phrases: &[Spanned<String>],
    regex: Option<&Spanned<String>>,
    boundary: Option<&Spanned<String>>,
    count: &mut usize,
) -> Patterns {
    let rule = Some(id.get_ref().as_str());
    if phrases.is_empty() && regex.is_none() {
        ctx.report(
            file,
            id.span(),
            rule,
            K::EmptyPattern,
            "a rule needs `phrases` or a `regex`",
            None,
        );
    }
    let mut out = Vec::with_capacity(phrases.len());
    let mut normalized_out = Vec::with_capacity(phrases.len());
    for p in phrases {
        let body = p.get_ref().strip_suffix('*').unwrap_or(p.get_ref());
        if body.chars().count() > limits::MAX_PATTERN_CHARS {
            ctx.report(
                file,
                p.span(),
                rule,
                K::Limit,
                format!(
                    "phrase is longer than {} characters",
                    limits::MAX_PATTERN_CHARS
                ),
                None,
            );
            continue;
        }
        let normalized = normalize_pattern(body);
        if normalized.is_empty() {
            ctx.report(
                file,
                p.span(),
                rule,
                K::EmptyPattern,
                format!("phrase `{}` is empty after normalization", p.get_ref()),
                None,
            );
            continue;
        }
        out.push(p.get_ref().clone());
        normalized_out.push(normalized);
    }
    *count += out.len();
    let compiled = regex.and_then(|r| {
        *count += 1;
        rule_regex(ctx, file, rule, r, str::to_string)
    });
    let boundary = match boundary.map(|b| (b.get_ref().as_str(), b.span())) {
        None | Some(("auto", _)) => Boundary::Auto,
        Some(("none", _)) => Boundary::None,
        Some((other, span)) => {
            ctx.report(
                file,
                span,
                rule,
                K::UnknownReference,
                format!("unknown boundary `{other}`"),
                Some("expected `auto` or `none`".into()),
            );
            Boundary::Auto
        }
    };
    Patterns {
        phrases: out,
        normalized: normalized_out,
        regex: compiled,
        boundary,
    }
}

/// Checks the rule regex `r` (its source passed through `wrap`, after `\b` is made ASCII) and
/// reports what is wrong with it.
/// A `not_followed_by` guard as it is checked and run: anchored where the hit ends.
fn guard_source(src: &str) -> String {
    format!(r"\A(?:{src})")
}

fn rule_regex(
    ctx: &mut Ctx,
    file: usize,
    rule: Option<&str>,
    r: &Spanned<String>,
    wrap: impl Fn(&str) -> String,
) -> Option<Arc<RuleRegex>> {
    let src = r.get_ref();
    if src.is_empty() {
        ctx.report(
            file,
            r.span(),
            rule,
            K::EmptyPattern,
            "regex is empty",
            None,
        );
        return None;
    }
    if src.chars().any(|c| ('\u{30A1}'..='\u{30F6}').contains(&c)) {
        ctx.report(file, r.span(), rule, K::InvalidRegex, "regex contains katakana, but it matches normalized text where katakana is folded to hiragana", Some("write the katakana in hiragana".into()));
        return None;
    }
    let src = wrap(&ascii_word_boundaries(src));
    let checked = match ctx.regexes.get(&src) {
        Some(c) => c.clone(),
        None => check_regex(&src),
    };
    match checked {
        Ok(re) => Some(re),
        Err(RegexProblem::Empty) => {
            ctx.report(
                file,
                r.span(),
                rule,
                K::EmptyPattern,
                "regex can match an empty span (e.g. only `\\b` or an optional group)",
                None,
            );
            None
        }
        Err(RegexProblem::Invalid(msg)) => {
            let first = msg
                .lines()
                .last()
                .unwrap_or("invalid regex")
                .trim()
                .to_string();
            ctx.report(
                file,
                r.span(),
                rule,
                K::InvalidRegex,
                format!("invalid regex: {first}"),
                None,
            );
            None
        }
    }
}

fn parse_hhmm(s: &str) -> Option<u16> {
    let (h, m) = s.split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24 && m < 60 && h * 60 + m <= 1440).then_some(h * 60 + m)
}

fn parse_range(s: &str) -> Option<(u16, u16)> {
    let (a, b) = s.split_once('-')?;
    Some((parse_hhmm(a.trim())?, parse_hhmm(b.trim())?))
}

fn load_calendar(ctx: &mut Ctx, f: usize, r: RawCalendar) -> CalendarRules {
    let tz_name = r.time_zone.get_ref().clone();
    let time_zone = match jiff::tz::TimeZone::get(&tz_name) {
        Ok(tz) => tz,
        Err(_) => {
            ctx.report(
                f,
                r.time_zone.span(),
                None,
                K::UnknownReference,
                format!("unknown time zone `{tz_name}`"),
                Some("use an IANA name such as `Asia/Tokyo`".into()),
            );
            jiff::tz::TimeZone::UTC
        }
    };
    let japanese_holidays = match r.national_holidays.get_ref().as_str() {
        "jp" => true,
        "none" => false,
        other => {
            ctx.report(
                f,
                r.national_holidays.span(),
                None,
                K::UnknownReference,
                format!("unknown holiday calendar `{other}`"),
                Some("expected `jp` or `none`".into()),
            );
            false
        }
    };
    let mut closed_every_year = Vec::new();
    for d in &r.closed_every_year {
        let parsed = d.get_ref().split_once('-').and_then(|(m, dd)| {
            let (m, dd): (i8, i8) = (m.parse().ok()?, dd.parse().ok()?);
            jiff::civil::Date::new(2024, m, dd).ok().map(|_| (m, dd))
        });
        match parsed {
            Some(md) => closed_every_year.push(md),
            None => ctx.report(
                f,
                d.span(),
                None,
                K::OutOfRange,
                format!("`{}` is not a month-day like `12-29`", d.get_ref()),
                None,
            ),
        }
    }
    let mut dates = |list: &[Spanned<String>]| -> Vec<jiff::civil::Date> {
        list.iter()
            .filter_map(|d| match d.get_ref().parse::<jiff::civil::Date>() {
                Ok(x) => Some(x),
                Err(_) => {
                    ctx.report(
                        f,
                        d.span(),
                        None,
                        K::OutOfRange,
                        format!("`{}` is not a date like `2025-12-29`", d.get_ref()),
                        None,
                    );
                    None
                }
            })
            .collect()
    };
    let closed_dates = dates(&r.closed_dates);
    let open_dates = dates(&r.open_dates);
    let late_night = parse_range(r.late_night.get_ref()).unwrap_or_else(|| {
        ctx.report(
            f,
            r.late_night.span(),
            None,
            K::OutOfRange,
            format!(
                "`{}` is not a time range like `22:00-06:00`",
                r.late_night.get_ref()
            ),
            None,
        );
        (0, 0)
    });
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let mut hours: [Option<Hours>; 7] = [None; 7];
    for (day, v) in r.hours.get_ref() {
        let Some(i) = DAYS.iter().position(|d| d == day) else {
            let help = did_you_mean(day, DAYS);
            ctx.report(
                f,
                v.span(),
                None,
                K::UnknownReference,
                format!("unknown weekday `{day}`"),
                help,
            );
            continue;
        };
        if v.get_ref() == "closed" {
            continue;
        }
        match parse_range(v.get_ref()) {
            Some((open, close)) if open < close => hours[i] = Some(Hours { open, close }),
            _ => ctx.report(
                f,
                v.span(),
                None,
                K::OutOfRange,
                format!(
                    "`{}` is not `closed` or opening hours like `09:00-18:00`",
                    v.get_ref()
                ),
                None,
            ),
        }
    }
    CalendarRules {
        time_zone_name: tz_name,
        time_zone,
        japanese_holidays,
        closed_every_year,
        closed_dates,
        open_dates,
        late_night,
        hours,
    }
}

/// Rewrites `\b` and `\B` as ASCII word boundaries. Normalized text spells Latin words in ASCII,
/// so the meaning is the same, and it keeps the regex engine on its fast lazy DFA: a Unicode word
/// boundary would send it to a slow fallback on Japanese text.
fn ascii_word_boundaries(src: &str) -> String {
    let mut out = String::with_capacity(src.len() + 16);
    let mut chars = src.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b') => out.push_str("(?-u:\\b)"),
            Some('B') => out.push_str("(?-u:\\B)"),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    /// The compiler's NFA builder stays within the bound, so a regex under the limit by the bound
    /// need not be compiled to be accepted.
    fn bound_holds(src: &str) {
        use regex_automata::nfa::thompson;
        let Ok(hir) = regex_syntax::ParserBuilder::new().build().parse(src) else {
            return;
        };
        let bound = super::nfa_size_bound(&hir);
        let config = thompson::Config::new()
            .nfa_size_limit(Some(bound))
            .shrink(false)
            .which_captures(thompson::WhichCaptures::None);
        let built = thompson::Compiler::new()
            .configure(config)
            .build_from_hir(&hir);
        assert!(built.is_ok(), "{src}: bound {bound} too small: {built:?}");
    }

    #[test]
    fn nfa_size_bounds_hold() {
        let sources = super::default_regex_sources();
        assert!(sources.len() > 100, "{}", sources.len());
        let mut under = 0;
        for src in &sources {
            bound_holds(src);
            let hir = regex_syntax::Parser::new().parse(src).unwrap();
            under += usize::from(super::nfa_size_bound(&hir) <= crate::limits::REGEX_SIZE_LIMIT);
        }
        // The bound spares compiling most of them.
        assert!(
            under * 10 >= sources.len() * 9,
            "{under} of {}",
            sources.len()
        );
        for src in [
            r"\w+",
            r"(?s:.){0,50}",
            r"[^a-z]{3,}",
            r"(?:ab|cd|\s*e)*?x",
            r"(?i)straße{2,4}",
            r"\b(?:a|b)\B",
            r"(?:(?:a{2}){3}){4}",
            r"[\p{Han}\p{Hiragana}]+",
            r"x{0}",
            r"",
        ] {
            bound_holds(src);
        }
        // Far too large: the bound says so, and the compiler then refuses it.
        let huge = regex_syntax::Parser::new().parse(r"\w{1000}").unwrap();
        assert!(super::nfa_size_bound(&huge) > crate::limits::REGEX_SIZE_LIMIT);
        assert!(super::check_regex(r"\w{1000}").is_err());
    }

    proptest::proptest! {
        #![proptest_config(crate::proptest_config(5))]
        /// Regexes built from the pieces rule authors use (atoms, quantifiers, groups and
        /// alternations, nested): the bound holds.
        #[test]
        fn nfa_size_bounds_hold_for_generated_regexes(src in regex_strategy()) {
            let parsed = regex_syntax::Parser::new().parse(&src);
            proptest::prop_assert!(parsed.is_ok(), "{}", src);
            bound_holds(&src);
        }
    }

    fn regex_strategy() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let atom = proptest::sample::select(
            &[
                "a",
                "kill",
                "殺す",
                r"\s",
                r"\w",
                r"\d",
                ".",
                "[a-z]",
                "[^a-z]",
                "[ぁ-ん]",
                r"\p{Han}",
                r"(?-u:\w)",
                "(?i:k)",
            ][..],
        )
        .prop_map(str::to_string);
        let quant =
            proptest::sample::select(&["", "", "*", "+", "?", "*?", "{0,20}", "{2,5}", "{3}"][..]);
        let leaf = (atom, quant).prop_map(|(a, q)| format!("{a}{q}"));
        leaf.prop_recursive(4, 48, 6, move |inner| {
            let quant = proptest::sample::select(&["", "", "*", "+", "?", "{1,4}"][..]);
            (
                proptest::collection::vec(inner.clone(), 1..5),
                proptest::collection::vec(inner, 0..3),
                quant,
                proptest::bool::ANY,
            )
                .prop_map(|(seq, alts, q, look)| {
                    let mut s = seq.concat();
                    for a in alts {
                        s = format!("{s}|{a}");
                    }
                    let b = if look { r"(?-u:\b)" } else { "" };
                    format!("{b}(?:{s}){q}")
                })
        })
    }

    use super::ascii_word_boundaries;

    #[test]
    fn checked_regexes_compile_on_first_use_and_the_last_resort_compiles() {
        let re = super::check_regex(r"(?-u:\b)(?P<n>\d+) times").unwrap();
        assert!(re.has_n && !re.has_hit);
        assert_eq!(
            re.get().find("called 25 times").map(|m| m.range()),
            Some(7..15)
        );
        // `RuleRegex::get`'s last resort, for a pattern that passed the check but would not
        // compile: it must itself compile, and match nothing.
        let never = crate::policy::model::RuleRegex::checked(
            crate::policy::model::NEVER.into(),
            crate::text::matcher::Needs::Anything,
            false,
            false,
            Vec::new(),
            true,
        );
        assert!(!never.get().is_match("any text, 日本語, \n"));
        assert!(matches!(
            super::check_regex(r"x*"),
            Err(super::RegexProblem::Empty)
        ));
        assert!(matches!(
            super::check_regex(r"(x"),
            Err(super::RegexProblem::Invalid(_))
        ));
    }

    #[test]
    fn word_boundaries_become_ascii_and_escapes_survive() {
        assert_eq!(ascii_word_boundaries(r"\bx\b"), r"(?-u:\b)x(?-u:\b)");
        assert_eq!(ascii_word_boundaries(r"\\b\d"), r"\\b\d");
        assert_eq!(ascii_word_boundaries(r"a\B"), r"a(?-u:\B)");
    }
}
