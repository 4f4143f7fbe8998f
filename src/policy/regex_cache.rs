//! What loading reads from each regex of the default policy (what its matches need, its groups,
//! its trigger literals, whether its prefilter pays), computed ahead of time and kept in `rules/regex_cache.json`: reading
//! it takes a fraction of the time that parsing and analysing some 250 regexes does at every
//! load. An entry is used only for the exact source it was computed from, so an edited regex is
//! simply analysed at load; the test `regex_cache_is_current` keeps the file in step with the
//! rules (`KASUHARA_BLESS=1 cargo test --lib regex_cache` rewrites it).

use super::model::RuleRegex;
use crate::text::matcher::Needs;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// The file's text, embedded like the rule files.
const TEXT: &str = include_str!("../../rules/regex_cache.json");

/// One regex's analysis. A trigger literal is written `=text`, or `#hex` when it is not UTF-8 (a
/// literal cut to its first bytes may end inside a character).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Analysis {
    source: String,
    needs: Needs,
    has_n: bool,
    has_hit: bool,
    triggers: Vec<Vec<String>>,
    prefilter: bool,
}

impl Analysis {
    /// The analysis of a checked regex.
    #[cfg(test)]
    pub(crate) fn of(re: &RuleRegex) -> Analysis {
        Analysis {
            source: re.source.clone(),
            needs: re.needs,
            has_n: re.has_n,
            has_hit: re.has_hit,
            triggers: re
                .triggers
                .iter()
                .map(|g| g.iter().map(|l| hex(l)).collect())
                .collect(),
            prefilter: re.prefilter,
        }
    }

    fn to_regex(&self) -> Option<RuleRegex> {
        let triggers = self
            .triggers
            .iter()
            .map(|g| g.iter().map(|l| unhex(l)).collect::<Option<Vec<_>>>())
            .collect::<Option<Vec<_>>>()?;
        Some(RuleRegex::checked(
            self.source.clone(),
            self.needs,
            self.has_n,
            self.has_hit,
            triggers,
            self.prefilter,
        ))
    }
}

#[cfg(test)]
fn hex(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => format!("={text}"),
        Err(_) => std::iter::once("#".to_string())
            .chain(bytes.iter().map(|b| format!("{b:02x}")))
            .collect(),
    }
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if let Some(text) = s.strip_prefix('=') {
        return Some(text.as_bytes().to_vec());
    }
    let s = s.strip_prefix('#')?;
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

/// The cached analysis of `source`, checked as the loader would check it, if the file has it.
pub(crate) fn lookup(source: &str) -> Option<Arc<RuleRegex>> {
    static CACHE: OnceLock<HashMap<String, Analysis>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| {
        // An unreadable file only costs time: every regex is then analysed at load.
        serde_json::from_str::<Vec<Analysis>>(TEXT)
            .unwrap_or_default()
            .into_iter()
            .map(|a| (a.source.clone(), a))
            .collect()
    });
    cache.get(source)?.to_regex().map(Arc::new)
}

/// The file's text for `analyses`, one entry per line, sorted by source.
#[cfg(test)]
pub(crate) fn render(mut analyses: Vec<Analysis>) -> String {
    analyses.sort_by(|a, b| a.source.cmp(&b.source));
    let lines: Vec<String> = analyses
        .iter()
        .filter_map(|a| serde_json::to_string(a).ok())
        .collect();
    format!("[\n{}\n]\n", lines.join(",\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_cache_is_current() {
        let mut analyses = Vec::new();
        for src in super::super::load::default_regex_sources() {
            let re = super::super::load::check_regex(&src)
                .unwrap_or_else(|e| panic!("default regex {src:?} is invalid: {e:?}"));
            analyses.push(Analysis::of(&re));
        }
        assert!(analyses.len() > 100, "{}", analyses.len());
        let fresh = render(analyses);
        if std::env::var_os("KASUHARA_BLESS").is_some() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/regex_cache.json");
            std::fs::write(path, &fresh).unwrap();
            return;
        }
        assert!(
            fresh == TEXT,
            "rules/regex_cache.json is out of date with the rule regexes; \
             rewrite it with `KASUHARA_BLESS=1 cargo test --lib regex_cache`"
        );
    }

    #[test]
    fn cached_entries_equal_a_fresh_check_and_others_miss() {
        // The first cached one: a regex just added to the rules is not cached until the cache is
        // blessed, which `regex_cache_is_current` reports on its own.
        let (src, cached) = super::super::load::default_regex_sources()
            .into_iter()
            .find_map(|s| lookup(&s).map(|c| (s, c)))
            .expect("the default regexes are cached");
        let fresh = super::super::load::check_regex(&src).unwrap();
        assert_eq!(Analysis::of(&cached), Analysis::of(&fresh));
        assert!(lookup(r"(?-u:\b)not a rule of the default policy").is_none());
        assert_eq!(unhex(&hex(&[0, 0xe3, 0x81])), Some(vec![0, 0xe3, 0x81]));
        assert_eq!(hex("死ね".as_bytes()), "=死ね");
        assert_eq!(unhex("=死ね"), Some("死ね".as_bytes().to_vec()));
        assert_eq!(unhex("#zz"), None);
        assert_eq!(unhex("zz"), None);
    }
}
