//! The policy: the serde mirror of the rule files (`raw`), the loader that validates them (`load`)
//! and the typed model the engine compiles (`model`).

pub(crate) mod load;
pub(crate) mod model;
mod raw;
mod regex_cache;

pub use model::{Basis, Category, CategoryId, Lang, LangText, Policy, Prong, RuleId, Severity};
pub(crate) use model::{Boundary, CueKind, Scope};
