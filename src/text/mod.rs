//! Text: normalization with an offset map back to the original bytes, and the compiled matcher.
//!
//! Matching always runs over [`normalize`]d text; evidence is cited in the original through
//! [`Normalized::original_span`].

pub(crate) mod matcher;
mod normalize;

pub(crate) use normalize::normalize_pattern;
pub use normalize::{Normalized, normalize};
