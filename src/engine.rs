//! The engine: a policy compiled once into an immutable, cheap-to-clone, `Send + Sync` matcher that
//! classifies records with `&self`; and a [`Stream`] that remembers each customer's contacts.

use crate::error::IncidentError;
use crate::incident::Incident;
use crate::limits;
use crate::policy::{Boundary, Lang, Policy};
use crate::report::Assessment;
use crate::score::{self, Options};
use crate::signals::{self, ContactPoint};
use crate::text::matcher::{Matcher, MatcherInput, Owner};
use jiff::{SignedDuration, Timestamp};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// A policy that could not be compiled (e.g. an automaton over its size limits).
///
/// ```
/// use kasuhara::{EngineBuilder, Policy};
/// assert!(EngineBuilder::new(Policy::default()).build().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot build the engine: {message}")]
pub struct BuildError {
    message: String,
}

/// Builds an [`Engine`] from a [`Policy`]: choose the explanation language and whether to report
/// near misses, then `build`.
///
/// ```
/// use kasuhara::{EngineBuilder, Incident, Lang, Policy};
/// let engine = EngineBuilder::new(Policy::default()).lang(Lang::Ja).build().unwrap();
/// let a = engine.classify(&Incident::from_text("a", "バカ野郎！")).unwrap();
/// assert!(a.findings[0].explanation.contains("方針"));
/// ```
#[derive(Debug, Clone)]
pub struct EngineBuilder {
    policy: Policy,
    lang: Lang,
    near_misses: bool,
}

impl EngineBuilder {
    /// Starts from a loaded policy; English explanations, no near misses.
    ///
    /// ```
    /// let b = kasuhara::EngineBuilder::new(kasuhara::Policy::default());
    /// assert!(b.build().is_ok());
    /// ```
    pub fn new(policy: Policy) -> Self {
        EngineBuilder {
            policy,
            lang: Lang::En,
            near_misses: false,
        }
    }

    /// The language of explanations and responses.
    ///
    /// ```
    /// let b = kasuhara::EngineBuilder::new(kasuhara::Policy::default()).lang(kasuhara::Lang::Ja);
    /// assert!(b.build().is_ok());
    /// ```
    pub fn lang(mut self, lang: Lang) -> Self {
        self.lang = lang;
        self
    }

    /// Also report the signals that did not fire a category, and why.
    ///
    /// ```
    /// use kasuhara::{EngineBuilder, Incident, Policy};
    /// let e = EngineBuilder::new(Policy::default()).near_misses(true).build().unwrap();
    /// let a = e.classify(&Incident::from_text("a", "バカンスの予約")).unwrap();
    /// assert!(a.findings.is_empty());
    /// ```
    pub fn near_misses(mut self, on: bool) -> Self {
        self.near_misses = on;
        self
    }

    /// Compiles the policy.
    ///
    /// ```
    /// let engine = kasuhara::EngineBuilder::new(kasuhara::Policy::default()).build().unwrap();
    /// assert!(engine.memory_usage() > 0);
    /// ```
    pub fn build(self) -> Result<Engine, BuildError> {
        let p = &self.policy;
        let inputs = p
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (Owner::Entry(i), &e.patterns))
            .chain(
                p.cues
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (Owner::Cue(i), &c.patterns)),
            )
            .map(|(owner, pat)| MatcherInput {
                owner,
                phrases: &pat.phrases,
                regex: pat.regex.as_ref(),
                word_boundaries: pat.boundary == Boundary::Auto,
            })
            .chain(p.exceptions.iter().enumerate().map(|(i, x)| MatcherInput {
                owner: Owner::Exception(i),
                phrases: &x.phrases,
                regex: None,
                word_boundaries: false,
            }));
        let matcher = Matcher::build(inputs).map_err(|message| BuildError { message })?;
        Ok(Engine {
            inner: Arc::new(Inner {
                matcher,
                options: Options {
                    lang: self.lang,
                    near_misses: self.near_misses,
                },
                policy: self.policy,
            }),
        })
    }
}

#[derive(Debug)]
struct Inner {
    policy: Policy,
    matcher: Matcher,
    options: Options,
}

/// A compiled policy. Immutable, `Clone` (an `Arc`), `Send + Sync`: build once, share everywhere.
///
/// `classify` never panics; it returns an error only for records beyond the engine's limits
/// (text longer than the policy's `max_text_bytes`, too many contacts or utterances).
///
/// ```
/// use kasuhara::{Engine, Incident, Verdict};
/// let engine = Engine::default();
/// let a = engine.classify(&Incident::from_text("INC-1", "The guest said \"I'll kill you\" and slammed the counter.")).unwrap();
/// assert_eq!(a.verdict, Verdict::Harassment);
/// assert!(a.has("threat") && a.has("intimidation"));
/// ```
#[derive(Debug, Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

impl Default for Engine {
    /// The embedded default policy, English explanations.
    fn default() -> Self {
        match EngineBuilder::new(Policy::default()).build() {
            Ok(e) => e,
            Err(e) => panic!("the embedded default policy does not compile: {e}"),
        }
    }
}

impl Engine {
    /// Builds an engine with the defaults of [`EngineBuilder`] (English, no near misses).
    ///
    /// ```
    /// let engine = kasuhara::Engine::new(kasuhara::Policy::default()).unwrap();
    /// assert_eq!(engine.policy().version(), "2025-10-01");
    /// ```
    pub fn new(policy: Policy) -> Result<Engine, BuildError> {
        EngineBuilder::new(policy).build()
    }

    /// The policy this engine was built from.
    ///
    /// ```
    /// assert_eq!(kasuhara::Engine::default().policy().name(), "kyoritsu-basic");
    /// ```
    pub fn policy(&self) -> &Policy {
        &self.inner.policy
    }

    /// Approximate heap bytes held by the compiled matcher and policy.
    ///
    /// ```
    /// assert!(kasuhara::Engine::default().memory_usage() < 32 << 20);
    /// ```
    pub fn memory_usage(&self) -> usize {
        self.inner.matcher.memory_usage()
            + self.inner.policy.entries.len() * 256
            + self.inner.policy.cues.len() * 256
    }

    /// Checks a record against the limits.
    fn check(&self, incident: &Incident) -> Result<(), IncidentError> {
        let max = self.inner.policy.text.max_text_bytes;
        let err = |field: &str, message: String| IncidentError {
            field: field.to_string(),
            message,
        };
        if let Some(t) = &incident.text
            && t.len() > max
        {
            return Err(err(
                "text",
                format!("text is {} bytes, more than the limit of {max}", t.len()),
            ));
        }
        if incident.contacts.len() > limits::MAX_CONTACTS {
            return Err(err(
                "contacts",
                format!(
                    "{} contacts, more than the limit of {}",
                    incident.contacts.len(),
                    limits::MAX_CONTACTS
                ),
            ));
        }
        if incident.utterances.len() > limits::MAX_UTTERANCES {
            return Err(err(
                "utterances",
                format!(
                    "{} utterances, more than the limit of {}",
                    incident.utterances.len(),
                    limits::MAX_UTTERANCES
                ),
            ));
        }
        let total: usize = incident.utterances.iter().map(|u| u.text.len()).sum();
        if total > max {
            return Err(err(
                "utterances",
                format!("utterances hold {total} bytes of text, more than the limit of {max}"),
            ));
        }
        Ok(())
    }

    /// Classifies one record on its own (no stream history).
    ///
    /// ```
    /// use kasuhara::{Engine, Incident, Verdict};
    /// let a = Engine::default().classify(&Incident::from_text("a", "Kill the power to the boiler before you start.")).unwrap();
    /// assert_eq!(a.verdict, Verdict::NotHarassment);
    /// ```
    pub fn classify(&self, incident: &Incident) -> Result<Assessment, IncidentError> {
        self.classify_with_history(incident, &[])
    }

    fn classify_with_history(
        &self,
        incident: &Incident,
        history: &[ContactPoint],
    ) -> Result<Assessment, IncidentError> {
        self.check(incident)?;
        let inner = &*self.inner;
        let obs = signals::observe(&inner.policy, &inner.matcher, incident, history);
        Ok(score::assess(&inner.policy, inner.options, incident, obs))
    }

    /// A stream that treats earlier records of the same `customer` as contact history.
    ///
    /// ```
    /// use kasuhara::{Engine, Incident};
    /// let engine = Engine::default();
    /// let mut stream = engine.stream();
    /// let mut last = None;
    /// for (i, hour) in [9, 10, 11, 12, 13].iter().enumerate() {
    ///     let json = format!(r#"{{"id":"c{i}","customer":"C-1","occurred_at":"2025-10-06T{hour:02}:00:00+09:00","text":"repair status?"}}"#);
    ///     last = Some(stream.classify(&Incident::from_json(&json).unwrap()).unwrap());
    /// }
    /// assert!(last.unwrap().has("persistent_contact")); // the 5th contact in 24 h
    /// ```
    pub fn stream(&self) -> Stream<'_> {
        Stream {
            engine: self,
            history: HashMap::new(),
            horizon: self.history_horizon(),
        }
    }

    /// Classifies records in order with history, like [`Engine::stream`], using every core.
    /// The results equal the sequential ones: records are grouped by customer, each customer's
    /// records keep their order, and the output keeps the input order.
    ///
    /// ```
    /// use kasuhara::{Engine, Incident};
    /// let engine = Engine::default();
    /// let records: Vec<Incident> = (0..20).map(|i| Incident::from_text(format!("r{i}"), "ok")).collect();
    /// let par = engine.classify_batch(&records);
    /// let mut stream = engine.stream();
    /// let seq: Vec<_> = records.iter().map(|r| stream.classify(r)).collect();
    /// assert_eq!(par, seq);
    /// ```
    pub fn classify_batch(&self, records: &[Incident]) -> Vec<Result<Assessment, IncidentError>> {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(records.len().max(1));
        // Partition by customer so each thread owns whole histories; records without a customer
        // have no history and go anywhere.
        let mut groups: Vec<Vec<usize>> = vec![Vec::new(); threads];
        let mut owner: HashMap<&str, usize> = HashMap::new();
        let mut next = 0usize;
        for (i, r) in records.iter().enumerate() {
            let g = match r.customer.as_deref() {
                Some(c) => *owner.entry(c).or_insert_with(|| {
                    next += 1;
                    next % threads
                }),
                None => i % threads,
            };
            groups[g].push(i);
        }
        let mut out: Vec<Option<Result<Assessment, IncidentError>>> = vec![None; records.len()];
        std::thread::scope(|s| {
            let handles: Vec<_> = groups
                .iter()
                .map(|idx| {
                    s.spawn(move || {
                        let mut stream = self.stream();
                        idx.iter()
                            .map(|&i| (i, stream.classify(&records[i])))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            for h in handles {
                match h.join() {
                    Ok(results) => {
                        for (i, r) in results {
                            out[i] = Some(r);
                        }
                    }
                    Err(p) => std::panic::resume_unwind(p),
                }
            }
        });
        out.into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(IncidentError {
                        field: ".".into(),
                        message: "record was not classified".into(),
                    })
                })
            })
            .collect()
    }

    /// How far back history matters: the longest window of any behavioural rule.
    fn history_horizon(&self) -> SignedDuration {
        let p = &self.inner.policy;
        let hours = p
            .persistence
            .windows
            .iter()
            .map(|w| w.hours)
            .chain([p.off_hours.window_hours])
            .max()
            .unwrap_or(168);
        SignedDuration::from_hours(hours)
    }
}

/// Classifies records in order, remembering each customer's contacts within the policy's longest
/// window. Memory is bounded: contacts older than the window (relative to the newest seen) are
/// forgotten, and at most [`limits::MAX_HISTORY_PER_CUSTOMER`] are kept per customer.
///
/// Records may arrive slightly out of order: history keeps every contact inside the window
/// whatever the arrival order, and only contacts at or before a record's time count for it.
///
/// ```
/// use kasuhara::{Engine, Incident};
/// let engine = Engine::default();
/// let mut s = engine.stream();
/// let a = s.classify(&Incident::from_text("a", "hello")).unwrap();
/// assert!(a.findings.is_empty());
/// ```
#[derive(Debug)]
pub struct Stream<'e> {
    engine: &'e Engine,
    history: HashMap<String, VecDeque<ContactPoint>>,
    horizon: SignedDuration,
}

impl Stream<'_> {
    /// Classifies the next record, then adds its contacts to the customer's history.
    ///
    /// ```
    /// # use kasuhara::{Engine, Incident};
    /// let engine = Engine::default();
    /// let mut s = engine.stream();
    /// assert!(s.classify(&Incident::from_text("a", "hello")).is_ok());
    /// ```
    pub fn classify(&mut self, incident: &Incident) -> Result<Assessment, IncidentError> {
        let Some(customer) = incident.customer.as_deref() else {
            return self.engine.classify(incident);
        };
        let history: Vec<ContactPoint> = self
            .history
            .get(customer)
            .map(|h| h.iter().copied().collect())
            .unwrap_or_default();
        let result = self.engine.classify_with_history(incident, &history)?;
        self.remember(customer, incident);
        Ok(result)
    }

    fn remember(&mut self, customer: &str, incident: &Incident) {
        let entry = self.history.entry(customer.to_string()).or_default();
        let new = incident
            .contacts
            .iter()
            .map(|c| ContactPoint {
                at: c.at,
                channel: c.channel,
            })
            .chain(incident.occurred_at.map(|at| ContactPoint {
                at,
                channel: incident.channel,
            }));
        for p in new {
            if !entry.iter().any(|q| q.at == p.at) {
                let pos = entry.partition_point(|q| q.at < p.at);
                entry.insert(pos, p);
            }
        }
        if let Some(newest) = entry.back().map(|p| p.at) {
            let cutoff = newest.checked_sub(self.horizon).unwrap_or(Timestamp::MIN);
            while entry.front().is_some_and(|p| p.at <= cutoff) {
                entry.pop_front();
            }
        }
        while entry.len() > limits::MAX_HISTORY_PER_CUSTOMER {
            entry.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync + Clone>() {}

    #[test]
    fn engine_is_send_sync_clone() {
        assert_send_sync::<Engine>();
        assert_send_sync::<crate::Policy>();
    }
}
