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
use rayon::prelude::*;
use std::collections::HashMap;
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
                normalized: &pat.normalized,
                regex: pat.regex.as_ref(),
                word_boundaries: pat.boundary == Boundary::Auto,
            })
            .chain(p.exceptions.iter().enumerate().map(|(i, x)| MatcherInput {
                owner: Owner::Exception(i),
                phrases: &x.phrases,
                normalized: &x.normalized,
                regex: x.regex.as_ref(),
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
    /// The compiled matcher, for the matcher's own tests.
    #[cfg(test)]
    pub(crate) fn matcher(&self) -> &Matcher {
        &self.inner.matcher
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

    /// Compiles every rule regex now instead of on the first record that needs it.
    ///
    /// Building an engine checks each rule regex but compiles it for searching only when a
    /// record first needs it (most rules never match most records), which costs that record up to
    /// a few milliseconds once. A service that wants flat latency from its first request calls
    /// this after building; results are the same either way.
    ///
    /// ```
    /// let engine = kasuhara::Engine::default();
    /// engine.warm();
    /// let a = engine.classify(&kasuhara::Incident::from_text("a", "I'll kill you")).unwrap();
    /// assert!(a.has("threat"));
    /// ```
    pub fn warm(&self) {
        self.inner.matcher.warm();
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

    /// The number of raw pattern hits (literals and regexes, before boundaries of Japanese words,
    /// exceptions, negation and speakers are applied) in text that is already normalized with
    /// [`crate::text::normalize`]. For benchmarks and diagnostics: it times matching alone.
    ///
    /// ```
    /// use kasuhara::{Engine, text::normalize};
    /// let engine = Engine::default();
    /// let n = normalize("ｼﾈ、バカ");
    /// assert!(engine.raw_hit_count(n.as_str()) >= 2);
    /// ```
    pub fn raw_hit_count(&self, normalized: &str) -> usize {
        let mut hits = Vec::new();
        self.inner.matcher.scan(normalized, &mut hits);
        hits.len()
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
        let window = self.history_horizon();
        Stream {
            engine: self,
            history: HashMap::new(),
            clock: None,
            retention: window.checked_mul(2).unwrap_or(window),
        }
    }

    /// Classifies records in order with history, like [`Engine::stream`], using every core.
    /// The results equal the sequential ones: records are grouped by customer, each customer's
    /// records keep their order, and the output keeps the input order. To carry history from one
    /// batch to the next, use [`Stream::classify_batch`].
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
        self.stream().classify_batch(records)
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
        SignedDuration::try_from_hours(hours).unwrap_or(SignedDuration::MAX)
    }
}

/// Customers a [`Stream`] remembers before it forgets the longest idle ones.
const MAX_STREAM_CUSTOMERS: usize = 1_000_000;

/// Classifies records in order, remembering each customer's contacts.
///
/// History semantics:
/// - A customer's history is the contacts of the earlier records (in input order) with the same
///   `customer`: each record's `occurred_at` and its listed `contacts`, one contact per instant
///   (a contact listed by several records counts once). Records without `customer` have none.
/// - A record counts only contacts at or before its own `occurred_at`; contacts it lists after
///   its own time are ignored, and not remembered. A contact that arrives after a record (in a
///   later record) does not count for it.
/// - Records may arrive out of order: a record up to one longest window (7 days with the default
///   policy) older than its customer's newest contact still sees every earlier-arrived contact in
///   its windows. Customers are independent, so records sorted by customer, by time, or
///   interleaved give the same results.
/// - Memory is bounded per customer: contacts more than twice the policy's longest window older
///   than the customer's newest one are forgotten, and at most
///   [`limits::MAX_HISTORY_PER_CUSTOMER`] are kept. Beyond 1,000,000 customers, those idle for
///   longest (relative to the latest `occurred_at` seen) are forgotten first.
/// - Results do not depend on how the records are split between [`Stream::classify`] and
///   [`Stream::classify_batch`] calls, nor on threads: the same records in the same order give
///   byte-identical assessments.
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
    /// Per customer: contacts, sorted by time, one per instant.
    history: HashMap<String, Vec<ContactPoint>>,
    /// The latest `occurred_at` seen so far.
    clock: Option<Timestamp>,
    /// How long contacts are kept: the longest window plus as much again for late records.
    retention: SignedDuration,
}

/// One record of one customer: classify against the history, then add the record's contacts to
/// it and forget what is older than `retention` before the newest contact.
fn step(
    engine: &Engine,
    history: &mut Vec<ContactPoint>,
    retention: SignedDuration,
    incident: &Incident,
) -> Result<Assessment, IncidentError> {
    let result = engine.classify_with_history(incident, history)?;
    history.extend(signals::own_points(incident));
    signals::merge_points(history);
    if let Some(newest) = history.last().map(|p| p.at) {
        let cutoff = newest.checked_sub(retention).unwrap_or(Timestamp::MIN);
        let old = history.partition_point(|p| p.at <= cutoff);
        history.drain(..old);
    }
    let excess = history
        .len()
        .saturating_sub(limits::MAX_HISTORY_PER_CUSTOMER);
    history.drain(..excess);
    Ok(result)
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
        self.clock = self.clock.max(incident.occurred_at);
        let Some(customer) = incident.customer.as_deref() else {
            return self.engine.classify(incident);
        };
        if !self.history.contains_key(customer) && self.history.len() >= MAX_STREAM_CUSTOMERS {
            self.forget_idle();
        }
        let history = match self.history.get_mut(customer) {
            Some(h) => h,
            None => self.history.entry(customer.to_string()).or_default(),
        };
        step(self.engine, history, self.retention, incident)
    }

    /// Classifies records in order on every core, continuing this stream's history: the results
    /// and the history afterwards equal those of calling [`Stream::classify`] on each record.
    /// The work runs on rayon's global thread pool (its size, and so the cores used, is the
    /// caller's to set with `rayon::ThreadPoolBuilder`); its threads live on, so the regex
    /// engines' per-thread caches stay warm from one call to the next.
    ///
    /// ```
    /// use kasuhara::{Engine, Incident};
    /// let engine = Engine::default();
    /// let records: Vec<Incident> = (0..6)
    ///     .map(|i| Incident::from_json(&format!(
    ///         r#"{{"id":"r{i}","customer":"C-1","occurred_at":"2025-10-06T1{i}:00:00+09:00"}}"#
    ///     )).unwrap())
    ///     .collect();
    /// let mut split = engine.stream();
    /// let mut results = split.classify_batch(&records[..2]);
    /// results.extend(split.classify_batch(&records[2..]));
    /// assert_eq!(results, engine.classify_batch(&records));
    /// assert!(results[4].as_ref().unwrap().has("persistent_contact"));
    /// ```
    pub fn classify_batch(
        &mut self,
        records: &[Incident],
    ) -> Vec<Result<Assessment, IncidentError>> {
        let threads = rayon::current_num_threads().min(records.len().max(1));
        // Partition by customer so each thread owns whole histories; records without a customer
        // have no history and go anywhere.
        let mut groups: Vec<Vec<usize>> = vec![Vec::new(); threads];
        let mut group_of: Vec<usize> = Vec::with_capacity(records.len());
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
            group_of.push(g);
        }
        let new = owner
            .keys()
            .filter(|c| !self.history.contains_key(**c))
            .count();
        if threads == 1 || self.history.len() + new > MAX_STREAM_CUSTOMERS {
            // One core, or customers would have to be forgotten mid-batch: in order, one by one.
            return records.iter().map(|r| self.classify(r)).collect();
        }
        let mut histories: Vec<HashMap<String, Vec<ContactPoint>>> = vec![HashMap::new(); threads];
        for (c, &g) in &owner {
            if let Some(h) = self.history.remove(*c) {
                histories[g].insert(c.to_string(), h);
            }
        }
        let (engine, retention) = (self.engine, self.retention);
        // Each thread answers its group's records in input order; the answers are then dealt
        // back into input order, each group's in turn. On rayon's pool, whose threads live on,
        // the regex engines' caches (kept per thread) stay warm from one batch to the next.
        let answered: Vec<_> = groups
            .into_par_iter()
            .zip(histories)
            .map(|(idx, mut hist)| {
                let results: Vec<_> = idx
                    .iter()
                    .map(|&i| {
                        let r = &records[i];
                        match r.customer.as_deref() {
                            None => engine.classify(r),
                            Some(c) => {
                                let h = match hist.get_mut(c) {
                                    Some(h) => h,
                                    None => hist.entry(c.to_string()).or_default(),
                                };
                                step(engine, h, retention, r)
                            }
                        }
                    })
                    .collect();
                (results, hist)
            })
            .collect();
        let mut answers = Vec::with_capacity(threads);
        for (results, hist) in answered {
            answers.push(results.into_iter());
            self.history.extend(hist);
        }
        for r in records {
            self.clock = self.clock.max(r.occurred_at);
        }
        group_of
            .iter()
            .map(|&g| {
                answers[g].next().unwrap_or_else(|| {
                    Err(IncidentError {
                        field: ".".into(),
                        message: "record was not classified".into(),
                    })
                })
            })
            .collect()
    }

    /// Makes room for new customers: forgets those with no contact within the retention before
    /// the latest `occurred_at` seen, then, if that is not enough, the longest idle, down to nine
    /// tenths of the limit (amortized constant time per record).
    fn forget_idle(&mut self) {
        let (clock, retention) = (self.clock, self.retention);
        self.history.retain(|_, h| {
            let newest = h.last().map(|p| p.at);
            match (newest, clock) {
                (None, _) => false,
                (Some(n), Some(c)) => !n.checked_add(retention).is_ok_and(|until| until < c),
                (Some(_), None) => true,
            }
        });
        let target = MAX_STREAM_CUSTOMERS - MAX_STREAM_CUSTOMERS / 10;
        if self.history.len() > target {
            let mut by_age: Vec<(Option<Timestamp>, String)> = self
                .history
                .iter()
                .map(|(c, h)| (h.last().map(|p| p.at), c.clone()))
                .collect();
            by_age.sort();
            for (_, c) in by_age.into_iter().take(self.history.len() - target) {
                self.history.remove(&c);
            }
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
