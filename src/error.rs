//! Errors: loading a policy (every problem at once, each with its place) and reading a record.
//!
//! Wording follows cedar's style guide: lowercase, no trailing period, user values in backticks.

use std::fmt;

/// What kind of problem a [`Diagnostic`] reports.
///
/// ```
/// use kasuhara::{DiagnosticKind, Policy};
/// let src = "[policy]\nname = \"mine\"\nversion = \"1\"\nextends = \"default\"\n\
///            [[entry]]\nid = \"x\"\ncategory = \"nope\"\nweight = 0.5\nphrases = [\"a\"]\n";
/// let err = Policy::from_sources(&[("p.toml", src)]).unwrap_err();
/// assert!(err.diagnostics().iter().any(|d| d.kind() == DiagnosticKind::UnknownCategory));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DiagnosticKind {
    /// The file could not be read.
    Io,
    /// The TOML is malformed or a field has the wrong type or name.
    Syntax,
    /// A rule names a category that the policy does not define.
    UnknownCategory,
    /// A rule names a response, cue kind or other id that does not exist.
    UnknownReference,
    /// Two rules, categories or responses share an id.
    DuplicateId,
    /// A pattern or a required list is empty.
    EmptyPattern,
    /// A regular expression does not compile or exceeds the size limits.
    InvalidRegex,
    /// A number, time or date is outside its allowed range.
    OutOfRange,
    /// A required section or field is missing.
    Missing,
    /// A documented limit (patterns, pattern length) is exceeded.
    Limit,
}

/// One problem found while loading a policy: where it is, which rule, and what is wrong.
///
/// ```
/// use kasuhara::Policy;
/// let src = "[policy]\nname = \"mine\"\nversion = \"1\"\nextends = \"default\"\n\
///            [[entry]]\nid = \"a\"\ncategory = \"insult\"\nweight = 0.5\nphrases = [\"\"]\n";
/// let err = Policy::from_sources(&[("mine.toml", src)]).unwrap_err();
/// let d = &err.diagnostics()[0];
/// assert_eq!(d.file(), "mine.toml");
/// assert_eq!((d.line(), d.column()), (9, 12));
/// assert_eq!(d.rule(), Some("a"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub(crate) file: String,
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) rule: Option<String>,
    pub(crate) kind: DiagnosticKind,
    pub(crate) message: String,
    pub(crate) help: Option<String>,
}

impl Diagnostic {
    /// The file the problem is in, as given to the loader.
    pub fn file(&self) -> &str {
        &self.file
    }
    /// 1-based line of the problem (0 when the file could not be read).
    pub fn line(&self) -> usize {
        self.line
    }
    /// 1-based column, in characters.
    pub fn column(&self) -> usize {
        self.column
    }
    /// The id of the rule, category or response concerned, when there is one.
    pub fn rule(&self) -> Option<&str> {
        self.rule.as_deref()
    }
    /// What kind of problem this is.
    pub fn kind(&self) -> DiagnosticKind {
        self.kind
    }
    /// The one-line description of the problem.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// A longer hint, e.g. "did you mean `insult`?", when one helps.
    pub fn help(&self) -> Option<&str> {
        self.help.as_deref()
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if let Some(rule) = &self.rule {
            write!(f, "rule `{rule}`: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, " ({help})")?;
        }
        Ok(())
    }
}

/// A policy that could not be loaded, with every problem found.
///
/// ```
/// use kasuhara::Policy;
/// let src = "[policy]\nname = \"mine\"\nversion = \"1\"\nextends = \"default\"\n\
///            [[entry]]\nid = \"a\"\ncategory = \"insutl\"\nweight = 0.5\nphrases = [\"x\"]\n\
///            [[entry]]\nid = \"a\"\ncategory = \"insult\"\nweight = 0.5\nphrases = [\"y\"]\n\
///            [[entry]]\nid = \"b\"\ncategory = \"insult\"\nweight = 0.5\nregex = \"(\"\n";
/// let err = Policy::from_sources(&[("mine.toml", src)]).unwrap_err();
/// let kinds: Vec<_> = err.diagnostics().iter().map(|d| d.kind()).collect();
/// use kasuhara::DiagnosticKind::*;
/// assert_eq!(kinds, [UnknownCategory, DuplicateId, InvalidRegex]);
/// assert!(err.to_string().contains("did you mean `insult`"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub(crate) diagnostics: Vec<Diagnostic>,
}

impl LoadError {
    /// Every problem found, in file and line order.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.diagnostics.len();
        write!(f, "policy has {n} problem{}", if n == 1 { "" } else { "s" })?;
        for d in &self.diagnostics {
            write!(f, "\n  {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

/// A record that could not be read or is out of the engine's limits. Names the field.
///
/// ```
/// use kasuhara::Incident;
/// let err = Incident::from_json(r#"{"id": "x", "duration_minutes": -5}"#).unwrap_err();
/// assert_eq!(err.field(), "duration_minutes");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field `{field}`: {message}")]
pub struct IncidentError {
    pub(crate) field: String,
    pub(crate) message: String,
}

impl IncidentError {
    /// The path of the offending field (`request.amount_charged`, `contacts[3].at`), or `.` for
    /// the whole record.
    pub fn field(&self) -> &str {
        &self.field
    }
    /// What is wrong with it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// 1-based line and column (in chars) of a byte offset.
pub(crate) fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let mut start = offset;
    while !src.is_char_boundary(start) {
        start -= 1;
    }
    let before = &src[..start];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit_once('\n')
        .map_or(before, |(_, tail)| tail)
        .chars()
        .count()
        + 1;
    (line, col)
}

/// The closest candidate by edit distance, when it is close enough to be a likely typo.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(word, c);
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    match best {
        Some((d, c)) if d <= 2.max(word.chars().count() / 3) => {
            Some(format!("did you mean `{c}`?"))
        }
        _ => None,
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_chars_not_bytes() {
        assert_eq!(line_col("ab\n日本x", 9), (2, 3));
        assert_eq!(line_col("abc", 0), (1, 1));
    }

    #[test]
    fn did_you_mean_finds_typos_only() {
        assert_eq!(
            did_you_mean("insutl", ["insult", "threat"]).as_deref(),
            Some("did you mean `insult`?")
        );
        assert_eq!(did_you_mean("zzzzzz", ["insult", "threat"]), None);
    }
}
