//! Documented limits. Rule files beyond them are refused at load time; records beyond them get an
//! error record, never a truncated assessment.

/// Most literal phrases plus regexes in one policy.
///
/// ```
/// assert!(kasuhara::limits::MAX_PATTERNS >= 10_000);
/// ```
pub const MAX_PATTERNS: usize = 100_000;

/// Longest phrase, in characters.
///
/// ```
/// assert_eq!(kasuhara::limits::MAX_PATTERN_CHARS, 256);
/// ```
pub const MAX_PATTERN_CHARS: usize = 256;

/// Longest rule id, in bytes.
///
/// ```
/// assert_eq!(kasuhara::limits::MAX_RULE_ID_BYTES, 128);
/// ```
pub const MAX_RULE_ID_BYTES: usize = 128;

/// Size limit of each rule regex's compiled automaton (bytes), as `regex::RegexBuilder::size_limit`;
/// checked when the policy loads, before the regex is first compiled for searching.
///
/// ```
/// assert_eq!(kasuhara::limits::REGEX_SIZE_LIMIT, 1 << 20);
/// ```
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Nesting limit of each user regex, as `regex::RegexBuilder::nest_limit`.
///
/// ```
/// assert_eq!(kasuhara::limits::REGEX_NEST_LIMIT, 64);
/// ```
pub const REGEX_NEST_LIMIT: u32 = 64;

/// The largest `max_text_bytes` a policy may set (the default policy sets 1 MiB).
///
/// ```
/// assert_eq!(kasuhara::limits::MAX_TEXT_BYTES_CEILING, 64 << 20);
/// ```
pub const MAX_TEXT_BYTES_CEILING: usize = 64 << 20;

/// Most earlier contacts read from one record; more is an error record.
///
/// ```
/// assert_eq!(kasuhara::limits::MAX_CONTACTS, 100_000);
/// ```
pub const MAX_CONTACTS: usize = 100_000;

/// Most utterances in one record; more is an error record.
///
/// ```
/// assert_eq!(kasuhara::limits::MAX_UTTERANCES, 10_000);
/// ```
pub const MAX_UTTERANCES: usize = 10_000;

/// Most contact times a stream remembers per customer (the oldest are forgotten first).
///
/// ```
/// assert_eq!(kasuhara::limits::MAX_HISTORY_PER_CUSTOMER, 10_000);
/// ```
pub const MAX_HISTORY_PER_CUSTOMER: usize = 10_000;
