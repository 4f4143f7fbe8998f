//! Batch summaries for compliance reporting: how many records of each verdict, category, prong,
//! channel and month, and the contact timelines of repeat customers.
//!
//! A [`Summary`] is built from `(&Incident, &Assessment)` pairs, in one go with
//! [`Summary::from_batch`] or record by record with [`Summary::add`] (memory grows with the number
//! of customers, not of records). It serializes to JSON with stable ordering: maps are
//! `BTreeMap`s, lists are in time order.
//!
//! Months and local times are read in the policy's time zone (`Asia/Tokyo` in the default
//! policy), and a contact is *off hours* when it falls outside the policy's business calendar.
//!
//! ```
//! use kasuhara::{Engine, Incident, Verdict, summary::Summary};
//!
//! let engine = Engine::default();
//! let records: Vec<Incident> = [
//!     r#"{"id":"a","customer":"C-1","channel":"phone","occurred_at":"2025-10-06T23:10:00+09:00","text":"殺すぞ"}"#,
//!     r#"{"id":"b","customer":"C-1","channel":"phone","occurred_at":"2025-10-07T10:00:00+09:00","text":"修理はいつですか"}"#,
//!     r#"{"id":"c","channel":"email","occurred_at":"2025-11-04T10:00:00+09:00","text":"Thank you."}"#,
//! ].iter().map(|j| Incident::from_json(j).unwrap()).collect();
//! let assessments: Vec<_> = engine.classify_batch(&records).into_iter().map(Result::unwrap).collect();
//!
//! let s = Summary::from_batch(engine.policy(), records.iter().zip(&assessments));
//! assert_eq!(s.records, 3);
//! assert_eq!(s.verdicts.get(Verdict::Harassment), 1);
//! assert_eq!(s.months["2025-10"].total(), 2);
//! let c1 = &s.repeat_customers["C-1"];
//! assert_eq!(c1.records, 2);
//! assert_eq!(c1.off_hours(), 1); // 23:10 on a Monday
//! let json = serde_json::to_string(&s).unwrap();
//! assert!(json.contains(r#""time_zone":"Asia/Tokyo""#));
//! ```

use crate::incident::{Channel, Incident};
use crate::policy::model::CalendarRules;
use crate::policy::{CategoryId, Policy, Prong};
use crate::report::{Assessment, PolicyStamp, Verdict};
use crate::signals::calendar;
use jiff::Timestamp;
use serde::{Serialize, Serializer};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The most contacts a customer's timeline keeps; older ones are dropped and
/// [`CustomerSummary::truncated`] is set. Bounds memory whatever the input.
///
/// ```
/// assert_eq!(kasuhara::summary::MAX_TIMELINE, kasuhara::limits::MAX_HISTORY_PER_CUSTOMER);
/// ```
pub const MAX_TIMELINE: usize = crate::limits::MAX_HISTORY_PER_CUSTOMER;

/// Record counts by verdict.
///
/// ```
/// use kasuhara::{Verdict, summary::VerdictCounts};
/// let mut c = VerdictCounts::default();
/// c.add(Verdict::Harassment);
/// c.add(Verdict::NotHarassment);
/// assert_eq!((c.harassment, c.needs_review, c.total()), (1, 0, 2));
/// assert_eq!(serde_json::to_string(&c).unwrap(),
///            r#"{"harassment":1,"needs_review":0,"not_harassment":1}"#);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
pub struct VerdictCounts {
    /// Records judged customer harassment.
    pub harassment: usize,
    /// Records that need a person's review.
    pub needs_review: usize,
    /// Records judged not customer harassment.
    pub not_harassment: usize,
}

impl VerdictCounts {
    /// Counts one record of verdict `v`.
    ///
    /// ```
    /// # use kasuhara::{Verdict, summary::VerdictCounts};
    /// let mut c = VerdictCounts::default();
    /// c.add(Verdict::NeedsReview);
    /// assert_eq!(c.needs_review, 1);
    /// ```
    pub fn add(&mut self, v: Verdict) {
        match v {
            Verdict::Harassment => self.harassment += 1,
            Verdict::NeedsReview => self.needs_review += 1,
            Verdict::NotHarassment => self.not_harassment += 1,
        }
    }

    /// The count for verdict `v`.
    ///
    /// ```
    /// # use kasuhara::{Verdict, summary::VerdictCounts};
    /// let c = VerdictCounts { harassment: 3, needs_review: 2, not_harassment: 1 };
    /// assert_eq!(c.get(Verdict::NeedsReview), 2);
    /// ```
    pub fn get(&self, v: Verdict) -> usize {
        match v {
            Verdict::Harassment => self.harassment,
            Verdict::NeedsReview => self.needs_review,
            Verdict::NotHarassment => self.not_harassment,
        }
    }

    /// All records, whatever the verdict.
    ///
    /// ```
    /// # use kasuhara::summary::VerdictCounts;
    /// let c = VerdictCounts { harassment: 3, needs_review: 2, not_harassment: 1 };
    /// assert_eq!(c.total(), 6);
    /// ```
    pub fn total(&self) -> usize {
        self.harassment + self.needs_review + self.not_harassment
    }
}

/// One contact on a customer's timeline: a record's own `occurred_at`, or a contact a record
/// lists in `contacts`. One entry per instant, however many records mention it.
///
/// ```
/// # use kasuhara::{Engine, Incident, summary::Summary};
/// let engine = Engine::default();
/// let inc = Incident::from_json(r#"{"id":"a","customer":"C-9","occurred_at":"2025-10-10T17:30:00+09:00",
///     "contacts":[{"at":"2025-10-09T22:00:00+09:00","channel":"phone"}]}"#).unwrap();
/// let a = engine.classify(&inc).unwrap();
/// let s = Summary::from_batch(engine.policy(), [(&inc, &a)]);
/// let t: Vec<_> = s.repeat_customers["C-9"].timeline.values().collect();
/// assert!(t[0].records.is_empty() && t[0].off_hours);        // listed, Thu 22:00
/// assert_eq!(t[1].records, ["a"]);
/// assert_eq!(t[1].local, "Fri 2025-10-10 17:30");
/// assert!(!t[1].off_hours);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineEntry {
    /// When (serialized as RFC 3339 in UTC).
    pub at: Timestamp,
    /// The same instant in the policy's time zone, e.g. `Fri 2025-10-10 17:30`.
    pub local: String,
    /// The ids of the records that happened at this instant, in input order; empty for a contact
    /// known only from a record's `contacts`.
    pub records: Vec<String>,
    /// The channel, when known (a record's own channel first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// The duration in minutes, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_minutes: Option<u32>,
    /// The most serious verdict of the records at this instant (`None` for a listed contact).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    /// Outside business hours by the policy's calendar (whether or not it was an emergency).
    pub off_hours: bool,
    /// A record at this instant has a finding of the policy's off-hours category
    /// (`off_hours_contact` in the default policy): off hours and not an emergency.
    pub flagged: bool,
}

/// What a batch says about one customer.
///
/// ```
/// # use kasuhara::{Engine, Incident, summary::Summary};
/// let engine = Engine::default();
/// let recs: Vec<Incident> = (0..3).map(|i| Incident::from_json(&format!(
///     r#"{{"id":"r{i}","customer":"C-1","occurred_at":"2025-10-06T1{i}:00:00+09:00","text":"バカ"}}"#
/// )).unwrap()).collect();
/// let out: Vec<_> = engine.classify_batch(&recs).into_iter().map(Result::unwrap).collect();
/// let s = Summary::from_batch(engine.policy(), recs.iter().zip(&out));
/// let c = &s.repeat_customers["C-1"];
/// assert_eq!((c.records, c.timeline.len()), (3, 3));
/// assert_eq!(c.categories[&kasuhara::CategoryId::new("insult")], 3);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CustomerSummary {
    /// Records of this customer in the batch.
    pub records: usize,
    /// Those records by verdict.
    pub verdicts: VerdictCounts,
    /// Records of this customer with a finding of each category.
    pub categories: BTreeMap<CategoryId, usize>,
    /// Records without `occurred_at` (counted in `records`, absent from the timeline).
    pub undated: usize,
    /// Contacts by instant, in time order (serialized as a list of [`TimelineEntry`]).
    #[serde(serialize_with = "values")]
    pub timeline: BTreeMap<Timestamp, TimelineEntry>,
    /// Whether older contacts were dropped to keep [`MAX_TIMELINE`].
    pub truncated: bool,
}

fn values<S: Serializer>(
    map: &BTreeMap<Timestamp, TimelineEntry>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(map.values())
}

impl CustomerSummary {
    /// Contacts on the timeline outside business hours.
    ///
    /// ```
    /// let c = kasuhara::summary::CustomerSummary::default();
    /// assert_eq!(c.off_hours(), 0);
    /// ```
    pub fn off_hours(&self) -> usize {
        self.timeline.values().filter(|e| e.off_hours).count()
    }

    /// Whether this customer is a repeat customer: two or more records in the batch, or one
    /// record whose listed contacts make two or more distinct contacts.
    ///
    /// ```
    /// let c = kasuhara::summary::CustomerSummary { records: 2, ..Default::default() };
    /// assert!(c.is_repeat());
    /// ```
    pub fn is_repeat(&self) -> bool {
        self.records >= 2 || self.timeline.len() >= 2
    }
}

/// Counts of a batch of assessed records, for charts and statistics.
///
/// Every category of the policy, both prongs and every channel appear in the maps, zero
/// included. A record counts once per category and prong it has a finding of (counted toward the
/// verdict or not). Only repeat customers (see [`CustomerSummary::is_repeat`]) are listed; the
/// others are counted in `customers`.
///
/// ```
/// use kasuhara::{Engine, Incident, Prong, summary::Summary};
/// let engine = Engine::default();
/// let inc = Incident::from_text("a", "土下座しろ");
/// let a = engine.classify(&inc).unwrap();
/// let mut s = Summary::new(engine.policy());
/// s.add(&inc, &a);
/// assert_eq!(s.prongs[&Prong::Conduct].harassment, 1);
/// assert_eq!(s.prongs[&Prong::Validity].total(), 0);
/// assert_eq!((s.undated, s.no_channel, s.customers), (1, 1, 0));
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The policy's name and version, and this crate's version.
    pub policy: PolicyStamp,
    /// The time zone months and local times are read in (the policy's business calendar).
    pub time_zone: String,
    /// Records summarized.
    pub records: usize,
    /// Records by verdict.
    pub verdicts: VerdictCounts,
    /// Records with a finding in each prong, by verdict.
    pub prongs: BTreeMap<Prong, VerdictCounts>,
    /// Records with a finding of each category, by verdict.
    pub categories: BTreeMap<CategoryId, VerdictCounts>,
    /// Records by channel, by verdict.
    pub channels: BTreeMap<Channel, VerdictCounts>,
    /// Records without a channel.
    pub no_channel: usize,
    /// Records by month of `occurred_at` (`YYYY-MM` in [`Summary::time_zone`]), by verdict.
    pub months: BTreeMap<String, VerdictCounts>,
    /// Records without `occurred_at`.
    pub undated: usize,
    /// Distinct customers among the records that name one.
    pub customers: usize,
    /// Repeat customers, with their contact timelines.
    pub repeat_customers: BTreeMap<String, CustomerSummary>,
    #[serde(skip)]
    calendar: CalendarRules,
    #[serde(skip)]
    off_hours_category: Option<CategoryId>,
    /// Customers seen once so far, until they become repeat customers.
    #[serde(skip)]
    once: HashMap<String, CustomerSummary>,
}

impl Summary {
    /// An empty summary for assessments made with `policy`.
    ///
    /// ```
    /// let s = kasuhara::summary::Summary::new(&kasuhara::Policy::default());
    /// assert_eq!(s.records, 0);
    /// assert_eq!(s.categories.len(), 19);
    /// assert_eq!(s.time_zone, "Asia/Tokyo");
    /// ```
    pub fn new(policy: &Policy) -> Summary {
        let zero = VerdictCounts::default();
        Summary {
            policy: PolicyStamp::of(policy),
            time_zone: policy.calendar.time_zone_name.clone(),
            records: 0,
            verdicts: zero,
            prongs: [(Prong::Validity, zero), (Prong::Conduct, zero)].into(),
            categories: policy
                .categories()
                .iter()
                .map(|c| (c.id().clone(), zero))
                .collect(),
            channels: Channel::ALL.iter().map(|&c| (c, zero)).collect(),
            no_channel: 0,
            months: BTreeMap::new(),
            undated: 0,
            customers: 0,
            repeat_customers: BTreeMap::new(),
            calendar: policy.calendar.clone(),
            off_hours_category: policy
                .categories()
                .get(policy.off_hours.category)
                .map(|c| c.id().clone()),
            once: HashMap::new(),
        }
    }

    /// Summarizes a batch of records with their assessments (made with `policy`).
    ///
    /// ```
    /// use kasuhara::{Engine, Incident, Verdict, summary::Summary};
    /// let engine = Engine::default();
    /// let recs = [Incident::from_text("a", "殺すぞ"), Incident::from_text("b", "ありがとう")];
    /// let out: Vec<_> = recs.iter().map(|r| engine.classify(r).unwrap()).collect();
    /// let s = Summary::from_batch(engine.policy(), recs.iter().zip(&out));
    /// assert_eq!(s.verdicts.get(Verdict::NotHarassment), 1);
    /// assert_eq!(s.categories[&kasuhara::CategoryId::new("threat")].harassment, 1);
    /// ```
    pub fn from_batch<'a>(
        policy: &Policy,
        batch: impl IntoIterator<Item = (&'a Incident, &'a Assessment)>,
    ) -> Summary {
        let mut s = Summary::new(policy);
        s.extend(batch);
        s
    }

    /// Adds one record and its assessment.
    ///
    /// ```
    /// use kasuhara::{Channel, Engine, Incident, summary::Summary};
    /// let engine = Engine::default();
    /// let inc = Incident::from_json(r#"{"id":"a","channel":"chat","occurred_at":"2025-12-31T12:00:00Z"}"#).unwrap();
    /// let mut s = Summary::new(engine.policy());
    /// s.add(&inc, &engine.classify(&inc).unwrap());
    /// assert_eq!(s.channels[&Channel::Chat].total(), 1);
    /// assert!(s.months.contains_key("2025-12")); // 21:00 in Tokyo
    /// ```
    pub fn add(&mut self, incident: &Incident, assessment: &Assessment) {
        let v = assessment.verdict;
        self.records += 1;
        self.verdicts.add(v);
        let categories: BTreeSet<&CategoryId> =
            assessment.findings.iter().map(|f| &f.category).collect();
        let prongs: BTreeSet<Prong> = assessment.findings.iter().map(|f| f.prong).collect();
        for p in prongs {
            self.prongs.entry(p).or_default().add(v);
        }
        for &c in &categories {
            match self.categories.get_mut(c) {
                Some(n) => n.add(v),
                None => self.categories.entry(c.clone()).or_default().add(v),
            }
        }
        match incident.channel {
            Some(c) => self.channels.entry(c).or_default().add(v),
            None => self.no_channel += 1,
        }
        match incident.occurred_at {
            Some(at) => {
                let d = self.calendar.time_zone.to_datetime(at);
                let month = format!("{:04}-{:02}", d.year(), d.month());
                self.months.entry(month).or_default().add(v);
            }
            None => self.undated += 1,
        }
        let Some(customer) = incident.customer.as_deref() else {
            return;
        };
        let flagged = self
            .off_hours_category
            .as_ref()
            .is_some_and(|id| categories.contains(id));
        let cal = &self.calendar;
        if let Some(c) = self.repeat_customers.get_mut(customer) {
            add_to_customer(cal, c, incident, assessment, &categories, flagged);
            return;
        }
        let c = match self.once.get_mut(customer) {
            Some(c) => c,
            None => {
                self.customers += 1;
                self.once.entry(customer.to_string()).or_default()
            }
        };
        add_to_customer(cal, c, incident, assessment, &categories, flagged);
        if c.is_repeat()
            && let Some(c) = self.once.remove(customer)
        {
            self.repeat_customers.insert(customer.to_string(), c);
        }
    }
}

fn add_to_customer(
    cal: &CalendarRules,
    c: &mut CustomerSummary,
    incident: &Incident,
    a: &Assessment,
    categories: &BTreeSet<&CategoryId>,
    flagged: bool,
) {
    c.records += 1;
    c.verdicts.add(a.verdict);
    for &id in categories {
        match c.categories.get_mut(id) {
            Some(n) => *n += 1,
            None => {
                c.categories.insert(id.clone(), 1);
            }
        }
    }
    match incident.occurred_at {
        None => c.undated += 1,
        Some(at) => {
            let entry = c
                .timeline
                .entry(at)
                .or_insert_with(|| new_entry(cal, at, None, None));
            entry.records.push(a.id.clone());
            entry.channel = incident.channel.or(entry.channel);
            entry.duration_minutes = incident.duration_minutes.or(entry.duration_minutes);
            entry.verdict = Some(entry.verdict.map_or(a.verdict, |w| w.min(a.verdict)));
            entry.flagged |= flagged;
        }
    }
    for contact in &incident.contacts {
        if c.truncated
            && c.timeline
                .first_key_value()
                .is_some_and(|(first, _)| contact.at < *first)
        {
            continue;
        }
        let entry = c.timeline.entry(contact.at).or_insert_with(|| {
            new_entry(cal, contact.at, contact.channel, contact.duration_minutes)
        });
        entry.channel = entry.channel.or(contact.channel);
        entry.duration_minutes = entry.duration_minutes.or(contact.duration_minutes);
    }
    while c.timeline.len() > MAX_TIMELINE {
        c.timeline.pop_first();
        c.truncated = true;
    }
}

fn new_entry(
    cal: &CalendarRules,
    at: Timestamp,
    channel: Option<Channel>,
    minutes: Option<u32>,
) -> TimelineEntry {
    let reading = calendar::read(cal, at);
    TimelineEntry {
        at,
        local: reading.local,
        records: Vec::new(),
        channel,
        duration_minutes: minutes,
        verdict: None,
        off_hours: reading.off.is_some(),
        flagged: false,
    }
}

impl<'a> Extend<(&'a Incident, &'a Assessment)> for Summary {
    /// Adds each record with its assessment, in order.
    fn extend<I: IntoIterator<Item = (&'a Incident, &'a Assessment)>>(&mut self, iter: I) {
        for (inc, a) in iter {
            self.add(inc, a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Engine;

    fn run(lines: &[&str]) -> Summary {
        let engine = Engine::default();
        let recs: Vec<Incident> = lines
            .iter()
            .map(|l| Incident::from_json(l).unwrap())
            .collect();
        let out: Vec<Assessment> = engine
            .classify_batch(&recs)
            .into_iter()
            .map(Result::unwrap)
            .collect();
        Summary::from_batch(engine.policy(), recs.iter().zip(&out))
    }

    #[test]
    fn contacts_at_one_instant_merge_and_records_win() {
        let s = run(&[
            r#"{"id":"a","customer":"C","occurred_at":"2025-10-06T10:00:00+09:00",
                "contacts":[{"at":"2025-10-06T09:30:00+09:00"}]}"#,
            r#"{"id":"b","customer":"C","channel":"email","occurred_at":"2025-10-06T09:30:00+09:00"}"#,
            r#"{"id":"c","customer":"C","occurred_at":"2025-10-06T10:00:00+09:00",
                "contacts":[{"at":"2025-10-06T09:30:00+09:00","channel":"phone"}]}"#,
        ]);
        let c = &s.repeat_customers["C"];
        assert_eq!(c.records, 3);
        let t: Vec<_> = c.timeline.values().collect();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].records, ["b"]);
        assert_eq!(t[0].channel, Some(Channel::Email));
        assert_eq!(t[1].records, ["a", "c"]);
        assert_eq!(s.customers, 1);
    }

    #[test]
    fn single_customers_are_counted_not_listed() {
        let s = run(&[
            r#"{"id":"a","customer":"X"}"#,
            r#"{"id":"b","customer":"Y","occurred_at":"2025-10-06T10:00:00+09:00"}"#,
            r#"{"id":"c","customer":"Y"}"#,
        ]);
        assert_eq!(s.customers, 2);
        assert_eq!(s.repeat_customers.keys().collect::<Vec<_>>(), ["Y"]);
        assert_eq!(s.repeat_customers["Y"].undated, 1);
        assert_eq!(s.undated, 2);
    }

    #[test]
    fn timelines_are_bounded() {
        let engine = Engine::default();
        let start = Timestamp::from_second(1_735_689_600).unwrap(); // 2025-01-01
        let contacts: Vec<String> = (0..MAX_TIMELINE as i64 + 5)
            .map(|i| {
                format!(
                    r#"{{"at":"{}"}}"#,
                    start + jiff::SignedDuration::from_secs(i)
                )
            })
            .collect();
        let json = format!(
            r#"{{"id":"a","customer":"C","occurred_at":"2025-02-01T00:00:00Z","contacts":[{}]}}"#,
            contacts.join(",")
        );
        let inc = Incident::from_json(&json).unwrap();
        let a = engine.classify(&inc).unwrap();
        let s = Summary::from_batch(engine.policy(), [(&inc, &a)]);
        let c = &s.repeat_customers["C"];
        assert_eq!(c.timeline.len(), MAX_TIMELINE);
        assert!(c.truncated);
        assert_eq!(c.timeline.last_key_value().unwrap().1.records, ["a"]);
    }
}
