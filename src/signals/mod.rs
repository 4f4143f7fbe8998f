//! Signals: what is observed in one record — text hits, contact frequency, durations, the
//! calendar and request facts — each as a weighted piece of evidence for a category, or as a near
//! miss with its reason. Scoring them is `score`'s job.
//!
//! Behaviour and validity follow one rule: an absent fact is unknown and never fires a category.
//! A cue in the text (a count, a duration, "no fault was found") stands in for a fact the record
//! does not give, and a fact the record gives beats what the text says.

pub(crate) mod calendar;
pub(crate) mod text;

use crate::incident::{Channel, Incident, RequestKind};
use crate::policy::{CueKind, Policy, Prong, RuleId, Scope};
use crate::report::{Evidence, MissReason, Source};
use crate::text::matcher::Matcher;
use jiff::{SignedDuration, Timestamp};

/// Evidence for a category with its strength in `[0, 1]`.
#[derive(Debug, Clone)]
pub(crate) struct Signal {
    pub category: usize,
    pub weight: f64,
    pub evidence: Evidence,
}

/// A signal that did not fire, and why.
#[derive(Debug, Clone)]
pub(crate) struct Miss {
    pub category: usize,
    pub reason: MissReason,
    pub by: Option<RuleId>,
    pub evidence: Evidence,
}

/// One contact of a customer: this record, its `contacts`, or an earlier record in a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct ContactPoint {
    pub at: Timestamp,
    pub channel: Option<Channel>,
}

/// Everything observed in one record.
#[derive(Debug, Default)]
pub(crate) struct Observations {
    pub signals: Vec<Signal>,
    pub misses: Vec<Miss>,
    /// Whether contact with this customer is repeated (reached a persistence window's review
    /// count), which aggravates relative conduct.
    pub repeated: bool,
}

fn fact(rule: &str, source: Source, observed: String, threshold: String) -> Evidence {
    Evidence {
        rule: RuleId::new(rule),
        source,
        utterance: None,
        span: None,
        excerpt: None,
        observed: Some(observed),
        threshold: Some(threshold),
        obfuscation: 0,
    }
}

fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else if x.is_finite() && x.abs() < 1e15 {
        format!("{x:.2}")
    } else {
        format!("{x:e}")
    }
}

/// Sorts contact points and merges those at the same instant: one contact, whatever the number
/// of places it is listed in (the record's `contacts`, an earlier record of the stream). A merged
/// contact keeps the first known channel.
pub(crate) fn merge_points(points: &mut Vec<ContactPoint>) {
    points.sort();
    points.dedup_by(|later, kept| {
        if later.at != kept.at {
            return false;
        }
        kept.channel = kept.channel.or(later.channel);
        true
    });
}

/// The contacts a record adds to its customer's history: its listed contacts and itself, except
/// contacts listed after the record's own time (which it does not count either).
pub(crate) fn own_points(incident: &Incident) -> impl Iterator<Item = ContactPoint> + '_ {
    let until = incident.occurred_at;
    incident
        .contacts
        .iter()
        .filter(move |c| until.is_none_or(|u| c.at <= u))
        .map(|c| ContactPoint {
            at: c.at,
            channel: c.channel,
        })
        .chain(incident.occurred_at.map(|at| ContactPoint {
            at,
            channel: incident.channel,
        }))
}

/// Observes one record; `history` holds the same customer's earlier contacts from the stream.
pub(crate) fn observe(
    policy: &Policy,
    matcher: &Matcher,
    incident: &Incident,
    history: &[ContactPoint],
) -> Observations {
    let text = text::observe(policy, matcher, incident);
    let mut obs = Observations {
        signals: text.signals,
        misses: text.misses,
        repeated: false,
    };
    let cues = text.cues;

    // Contacts: the stream's history, the listed contacts and this record, one per instant.
    let mut points: Vec<ContactPoint> =
        Vec::with_capacity(history.len() + incident.contacts.len() + 1);
    points.extend_from_slice(history);
    points.extend(own_points(incident));
    merge_points(&mut points);
    // The moment the windows end: this record's time; without one, its latest known contact
    // (the record itself cannot be placed in a window, so it is not counted).
    let reference = incident.occurred_at.or_else(|| points.last().map(|p| p.at));
    if let Some(r) = reference {
        points.retain(|p| p.at <= r);
    }
    let ctx = Ctx {
        policy,
        incident,
        points: &points,
        reference,
        cues: &cues,
    };

    let stated = persistence(&ctx, &mut obs);
    off_hours(&ctx, &mut obs);
    duration(&ctx, &mut obs);
    validity(&ctx, stated, &mut obs);
    obs
}

/// What every behavioural rule reads.
struct Ctx<'a> {
    policy: &'a Policy,
    incident: &'a Incident,
    /// Sorted, merged, none after `reference`.
    points: &'a [ContactPoint],
    reference: Option<Timestamp>,
    cues: &'a [text::CueHit],
}

impl Ctx<'_> {
    /// Contacts in the `hours` up to the reference, this one included: `(r - hours, r]`.
    fn count_in_window(&self, hours: i64, channels: &[Channel]) -> usize {
        let Some(r) = self.reference else { return 0 };
        let from = window_start(r, hours);
        let first = self.points.partition_point(|p| p.at <= from);
        self.points[first..]
            .iter()
            .filter(|p| channels.is_empty() || p.channel.is_some_and(|c| channels.contains(&c)))
            .count()
    }

    fn cue_kind(&self, c: &text::CueHit) -> &CueKind {
        &self.policy.cues[c.cue].kind
    }

    fn source_text(&self, e: &Evidence) -> Option<&str> {
        match e.source {
            Source::Text => self.incident.text.as_deref(),
            Source::Utterance => self
                .incident
                .utterances
                .get(e.utterance?)
                .map(|u| u.text.as_str()),
            _ => None,
        }
    }
}

/// The exclusive start of a window of `hours` ending at `r`; saturates at the earliest instant.
fn window_start(r: Timestamp, hours: i64) -> Timestamp {
    SignedDuration::try_from_hours(hours)
        .and_then(|d| r.checked_sub(d).ok())
        .unwrap_or(Timestamp::MIN)
}

/// Characters that end a sentence (a `.` only before a space or the end, not in "1.5").
/// Whether `gap` has at most `n` chars, counting no further than needed (a char is at most 4
/// bytes, so a longer gap is not counted at all).
fn within_chars(gap: &str, n: usize) -> bool {
    gap.len() <= n.saturating_mul(4) && gap.chars().take(n.saturating_add(1)).count() <= n
}

fn sentence_bounds(text: &str, span: (usize, usize)) -> (usize, usize) {
    let ends = |i: usize, c: char| -> bool {
        match c {
            '。' | '!' | '?' | '！' | '？' | '\n' => true,
            '.' => text[i + 1..].chars().next().is_none_or(char::is_whitespace),
            _ => false,
        }
    };
    let start = text[..span.0]
        .char_indices()
        .rev()
        .find(|&(i, c)| ends(i, c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let end = text[span.1..]
        .char_indices()
        .find(|&(i, c)| ends(span.1 + i, c))
        .map_or(text.len(), |(i, _)| span.1 + i);
    (start, end)
}

/// Counts stated in text: the largest per cue window, with its hit.
struct Stated<'a> {
    hits: Vec<(f64, i64, &'a text::CueHit)>,
}

impl Stated<'_> {
    /// The largest count stated over a window no longer than `hours`.
    fn within(&self, hours: i64) -> Option<(f64, &text::CueHit)> {
        self.hits
            .iter()
            .filter(|(_, w, _)| *w <= hours)
            .map(|(n, _, c)| (*n, *c))
            // The first of equal counts: cues in rule file order, then text order.
            .reduce(|best, x| if x.0 > best.0 { x } else { best })
    }

    fn max(&self) -> f64 {
        self.hits.iter().map(|h| h.0).fold(0.0, f64::max)
    }
}

fn persistence<'a>(ctx: &Ctx<'a>, obs: &mut Observations) -> Stated<'a> {
    let policy = ctx.policy;
    let rules = &policy.persistence;
    let stated = Stated {
        hits: ctx
            .cues
            .iter()
            .filter_map(|c| match ctx.cue_kind(c) {
                CueKind::ContactCount {
                    window_hours,
                    value,
                } => {
                    c.n.or(*value)
                        .filter(|n| n.is_finite())
                        .map(|n| (n, *window_hours, c))
                }
                _ => None,
            })
            .collect(),
    };
    let mut best: Option<(f64, Evidence)> = None;
    let mut below: Option<Evidence> = None;
    for w in &rules.windows {
        let from_facts = ctx.count_in_window(w.hours, &w.channels);
        // A count stated in text over a window no longer than this one applies to it.
        let stated_here = stated
            .within(w.hours)
            .filter(|(n, _)| *n >= from_facts as f64);
        let count = stated_here.map_or(from_facts as f64, |(n, _)| n);
        // The evidence is written only for a window that fires or is cited as a near miss.
        let evidence = || {
            let threshold = format!(
                "{} contacts in {} h (review from {})",
                w.fire, w.hours, w.review
            );
            match stated_here {
                Some((n, c)) => {
                    let mut ev = c.evidence.clone();
                    ev.observed = Some(format!("{} contacts stated in text", fmt_num(n)));
                    ev.threshold = Some(threshold);
                    ev
                }
                None => fact(
                    w.id.as_str(),
                    Source::Contacts,
                    format!("{from_facts} contacts in the {} h up to this one", w.hours),
                    threshold,
                ),
            }
        };
        let weight = if count >= w.fire as f64 {
            rules.weight
        } else if count >= w.review as f64 {
            rules.review_weight
        } else {
            if count >= 2.0 && below.is_none() {
                below = Some(evidence());
            }
            continue;
        };
        obs.repeated = true;
        if best.as_ref().is_none_or(|(bw, _)| weight > *bw) {
            best = Some((weight, evidence()));
        }
    }
    match (best, below) {
        // Contact about an emergency is not persistence, however often.
        (Some((_, evidence)), _)
            if rules.emergency_exempt
                && let Some(e) = emergency(ctx) =>
        {
            obs.repeated = false;
            obs.misses.push(exempted(rules.category, &e, evidence));
        }
        (Some((weight, evidence)), _) => obs.signals.push(Signal {
            category: rules.category,
            weight,
            evidence,
        }),
        (None, Some(evidence)) => obs.misses.push(Miss {
            category: rules.category,
            reason: MissReason::BelowThreshold,
            by: Some(evidence.rule.clone()),
            evidence,
        }),
        (None, None) => {}
    }
    stated
}

/// Whether a negation cue (one that applies to every category) cancels cue hit `c`: "not an
/// emergency", 「火事ではなかった」. Tighter than for lexicon hits: no comma in between.
fn negated(ctx: &Ctx<'_>, c: &text::CueHit) -> bool {
    let (Some((cs, ce)), Some(text)) = (c.evidence.span, ctx.source_text(&c.evidence)) else {
        return false;
    };
    ctx.cues.iter().any(|x| {
        let CueKind::Negation {
            scope,
            within,
            applies_to,
        } = ctx.cue_kind(x)
        else {
            return false;
        };
        let Some((xs, xe)) = x.evidence.span else {
            return false;
        };
        if !applies_to.is_empty()
            || x.evidence.source != c.evidence.source
            || x.evidence.utterance != c.evidence.utterance
        {
            return false;
        }
        let gap = match scope {
            Scope::Before if xs < cs && xe <= cs => text.get(xe..cs),
            Scope::After if xs >= ce && xe > ce => text.get(ce..xs),
            _ => None,
        };
        gap.is_some_and(|g| {
            within_chars(g, *within)
                && !g.chars().any(|ch| {
                    matches!(
                        ch,
                        '。' | '.' | '!' | '?' | '！' | '？' | '\n' | ',' | '、' | '，' | ';'
                    )
                })
        })
    })
}

/// The near miss a signal of `category` becomes when the emergency `by` exempts the record.
fn exempted(category: usize, by: &Evidence, evidence: Evidence) -> Miss {
    Miss {
        category,
        reason: MissReason::EmergencyExemption,
        by: Some(by.rule.clone()),
        evidence,
    }
}

/// Whether the record is an emergency: the caller's `emergency` flag when given, otherwise an
/// emergency cue in the text that is not negated.
fn emergency(ctx: &Ctx<'_>) -> Option<Evidence> {
    match ctx.incident.emergency {
        Some(true) => Some(fact(
            "off_hours.emergency",
            Source::Emergency,
            "emergency: true".into(),
            "emergencies are exempt".into(),
        )),
        Some(false) => None,
        None => {
            let hits: Vec<&text::CueHit> = ctx
                .cues
                .iter()
                .filter(|c| *ctx.cue_kind(c) == CueKind::Emergency)
                .collect();
            // Overlapping cues are one phrase: a negated "water leak" also negates the "leak"
            // inside it and the "no water" that overlaps it ("there is no water leak").
            let overlap =
                |a: &text::CueHit, b: &text::CueHit| match (a.evidence.span, b.evidence.span) {
                    (Some((a0, a1)), Some((b0, b1))) => {
                        a.evidence.source == b.evidence.source
                            && a.evidence.utterance == b.evidence.utterance
                            && a0 < b1
                            && b0 < a1
                    }
                    _ => false,
                };
            let negated_hits: Vec<&&text::CueHit> =
                hits.iter().filter(|c| negated(ctx, c)).collect();
            hits.iter()
                .find(|c| !negated_hits.iter().any(|n| overlap(n, c)))
                .map(|c| c.evidence.clone())
        }
    }
}

fn off_hours(ctx: &Ctx<'_>, obs: &mut Observations) {
    let Some(at) = ctx.incident.occurred_at else {
        return;
    };
    let rules = &ctx.policy.off_hours;
    // A post on social media or a letter is not a contact with staff at that hour. A record
    // whose channel is unknown counts.
    let counts = |c: Option<Channel>| {
        rules.channels.is_empty() || c.is_none_or(|c| rules.channels.contains(&c))
    };
    if !counts(ctx.incident.channel) {
        return;
    }
    let cal = &ctx.policy.calendar;
    let reading = calendar::read(cal, at);
    let Some(reason) = &reading.off else { return };
    let why = match reason {
        calendar::OffReason::Holiday(name) => format!("national holiday {name}"),
        calendar::OffReason::Closed => "company closure day".into(),
        calendar::OffReason::ClosedWeekday => "closed weekday".into(),
        calendar::OffReason::BeforeOpening => "before opening".into(),
        calendar::OffReason::AfterClosing => "after closing".into(),
    };
    let late = if reading.late_night {
        ", late night"
    } else {
        ""
    };
    let threshold = calendar::describe_hours(cal);
    let (rule, mut weight) = if reading.late_night {
        ("off_hours.late_night", rules.late_night_weight)
    } else {
        ("off_hours.outside_hours", rules.weight)
    };
    let mut ev = fact(
        rule,
        Source::OccurredAt,
        format!("{} ({why}{late})", reading.local),
        threshold.clone(),
    );
    // Repeated off-hours contact in the window, this one included.
    let from = window_start(at, rules.window_hours);
    let first = ctx.points.partition_point(|p| p.at <= from);
    let off = ctx.points[first..]
        .iter()
        .filter(|p| counts(p.channel) && calendar::is_off(cal, p.at))
        .count();
    if off >= rules.repeated {
        weight = weight.max(rules.repeated_weight);
        ev = fact(
            "off_hours.repeated",
            Source::Contacts,
            format!(
                "{off} contacts outside business hours in {} h, this one {} ({why}{late})",
                rules.window_hours, reading.local
            ),
            format!("{} or more ({threshold})", rules.repeated),
        );
    }
    match emergency(ctx) {
        Some(e) => obs.misses.push(exempted(rules.category, &e, ev)),
        None => obs.signals.push(Signal {
            category: rules.category,
            weight,
            evidence: ev,
        }),
    }
}

/// Whether a duration stated in text is tied to the customer's conduct: a conduct finding of the
/// customer's in the same sentence ("shouted at the desk for two hours", 「3時間居座った」), not
/// "the repair took three hours"; and, with `tie_within`, at most that many chars away, so a
/// duration of the problem later in a long sentence ("compensation for the stress caused by the
/// lift being out of service for two hours") is not the length of the demand. A finding that
/// holds the duration's own words does not tie it.
fn tied_to_conduct(ctx: &Ctx<'_>, obs: &Observations, c: &text::CueHit) -> bool {
    let (Some(span), Some(text)) = (c.evidence.span, ctx.source_text(&c.evidence)) else {
        return false;
    };
    let (start, end) = sentence_bounds(text, span);
    let near = |(a, b): (usize, usize)| match ctx.policy.duration.tie_within {
        None => true,
        Some(within) => {
            let gap = if b <= span.0 {
                &text[b..span.0]
            } else if a >= span.1 {
                &text[span.1..a]
            } else {
                ""
            };
            within_chars(gap, within)
        }
    };
    obs.signals.iter().any(|s| {
        ctx.policy.categories[s.category].prong == Prong::Conduct
            && s.evidence.source == c.evidence.source
            && s.evidence.utterance == c.evidence.utterance
            && s.evidence.span.is_some_and(|(a, b)| {
                // Another finding than the duration's own words (「長時間にわたり」 holds 「長時間」).
                let overlaps = a < span.1 && b > span.0;
                a < end && b > start && !overlaps && near((a, b))
            })
    })
}

fn duration(ctx: &Ctx<'_>, obs: &mut Observations) {
    let rules = &ctx.policy.duration;
    let stated = |c: &text::CueHit| matches!(ctx.cue_kind(c), CueKind::Duration { .. });
    if ctx.incident.duration_minutes.is_none() && !ctx.cues.iter().any(stated) {
        return;
    }
    let (long, restrictive) = ctx
        .incident
        .channel
        .and_then(|ch| rules.per_channel.iter().find(|(c, _, _)| *c == ch))
        .map_or(
            (rules.long_minutes, rules.restrictive_minutes),
            |(_, l, r)| (*l, *r),
        );
    let channel = ctx
        .incident
        .channel
        .filter(|ch| rules.per_channel.iter().any(|(c, _, _)| c == ch))
        .map_or(String::new(), |ch| format!(" ({})", ch.as_str()));
    let threshold = format!(
        "long from {} min, restrictive from {} min{channel}",
        fmt_num(long),
        fmt_num(restrictive)
    );
    // (minutes, evidence, tied to the customer's conduct)
    let mut candidates: Vec<(f64, Evidence, bool)> = Vec::new();
    if let Some(m) = ctx.incident.duration_minutes {
        candidates.push((
            f64::from(m),
            fact(
                "duration",
                Source::DurationMinutes,
                format!("{m} min"),
                threshold.clone(),
            ),
            true,
        ));
    }
    for c in ctx.cues {
        let CueKind::Duration {
            unit_minutes,
            value,
        } = ctx.cue_kind(c)
        else {
            continue;
        };
        let minutes = match (c.n, value) {
            (Some(n), _) => n * unit_minutes,
            (None, Some(v)) => *v,
            (None, None) => continue,
        };
        if !minutes.is_finite() {
            continue;
        }
        let mut ev = c.evidence.clone();
        ev.observed = Some(format!("{} min stated in text", fmt_num(minutes)));
        ev.threshold = Some(threshold.clone());
        let tied = tied_to_conduct(ctx, obs, c);
        candidates.push((minutes, ev, tied));
    }
    // The longest tied duration, else the longest untied one (a near miss at most).
    let Some((minutes, mut ev, tied)) = candidates.into_iter().max_by(|a, b| {
        (a.2, a.0)
            .partial_cmp(&(b.2, b.0))
            .unwrap_or(std::cmp::Ordering::Equal)
    }) else {
        return;
    };
    let rule = if minutes >= restrictive {
        Some(("duration.restrictive", rules.restrictive_weight))
    } else if minutes >= long {
        Some(("duration.long", rules.long_weight))
    } else {
        None
    };
    if ev.source == Source::DurationMinutes {
        ev.rule = RuleId::new(rule.map_or("duration.long", |r| r.0));
    }
    match rule {
        Some((_, weight)) if tied => obs.signals.push(Signal {
            category: rules.category,
            weight,
            evidence: ev,
        }),
        Some(_) => obs.misses.push(Miss {
            category: rules.category,
            reason: MissReason::NotConduct,
            by: None,
            evidence: ev,
        }),
        // Half the long threshold or more: say why it did not count.
        None if tied && minutes * 2.0 >= long => obs.misses.push(Miss {
            category: rules.category,
            reason: MissReason::BelowThreshold,
            by: Some(ev.rule.clone()),
            evidence: ev,
        }),
        None => {}
    }
}

fn validity(ctx: &Ctx<'_>, stated: Stated<'_>, obs: &mut Observations) {
    let policy = ctx.policy;
    let v = &policy.validity;
    let req = ctx.incident.request.clone().unwrap_or_default();
    let cue = |kind: CueKind| ctx.cues.iter().find(|c| *ctx.cue_kind(c) == kind);
    let has_text = |cat: usize| obs.signals.iter().any(|s| s.category == cat);
    // Is there a demand? The request kind says so, or the text shows a relative demand (money,
    // apology, beyond the contract).
    let kind = req.kind;
    let demand_in_text = policy
        .categories
        .iter()
        .enumerate()
        .any(|(i, c)| c.basis == crate::policy::Basis::Relative && has_text(i));
    let is_demand = kind.map_or(demand_in_text, |k| v.demand_kinds.contains(&k));
    let kind_name = kind.map_or("a demand in the text", RequestKind::as_str);

    let mut fire = Vec::new();
    // no_defect: a demand although no defect or negligence was found.
    match (req.defect_found, cue(CueKind::NoDefect)) {
        (Some(false), _) if is_demand => fire.push((
            v.no_defect_category,
            v.no_defect_weight,
            fact(
                "validity.no_defect",
                Source::Request,
                format!("{kind_name} with defect_found: false"),
                "a demand needs a defect or negligence".into(),
            ),
        )),
        (None, Some(c)) if is_demand => {
            let mut ev = c.evidence.clone();
            ev.observed = Some(format!("{kind_name}; the text says no defect was found"));
            ev.threshold = Some("a demand needs a defect or negligence".into());
            fire.push((v.no_defect_category, v.no_defect_weight, ev));
        }
        _ => {}
    }
    // unrelated_request
    match (req.related_to_service, cue(CueKind::Unrelated)) {
        (Some(false), _) => fire.push((
            v.unrelated_category,
            v.unrelated_weight,
            fact(
                "validity.unrelated",
                Source::Request,
                "related_to_service: false".into(),
                "requests must concern the company's products or services".into(),
            ),
        )),
        (None, Some(c)) => {
            let mut ev = c.evidence.clone();
            ev.observed = Some("the text says the request is unrelated to the service".into());
            ev.threshold = Some("requests must concern the company's products or services".into());
            fire.push((v.unrelated_category, v.unrelated_weight, ev));
        }
        _ => {}
    }
    // unreasonable_reduction: requested / charged.
    if let (Some(k), Some(requested), Some(charged)) =
        (kind, req.amount_requested, req.amount_charged)
    {
        let ratio = if charged > 0.0 {
            requested / charged
        } else if requested > 0.0 {
            f64::INFINITY
        } else {
            0.0
        };
        let observed = format!(
            "{} requested of {} charged (ratio {})",
            fmt_num(requested),
            fmt_num(charged),
            if ratio.is_finite() {
                format!("{ratio:.2}")
            } else {
                "unbounded".into()
            }
        );
        let reduction_threshold = format!(
            "unreasonable from {}× the charge",
            fmt_num(v.reduction_ratio)
        );
        if v.absurd_kinds.contains(&k) && ratio >= v.absurd_ratio {
            fire.push((
                v.reduction_category,
                v.absurd_weight,
                fact(
                    "validity.absurd",
                    Source::Request,
                    observed,
                    format!("absurd from {}× the charge", fmt_num(v.absurd_ratio)),
                ),
            ));
        } else if v.reduction_kinds.contains(&k) && ratio >= v.reduction_ratio {
            fire.push((
                v.reduction_category,
                v.reduction_weight,
                fact(
                    "validity.reduction",
                    Source::Request,
                    observed,
                    reduction_threshold,
                ),
            ));
        } else if v.reduction_kinds.contains(&k) && ratio >= v.reduction_ratio / 2.0 {
            obs.misses.push(Miss {
                category: v.reduction_category,
                reason: MissReason::BelowThreshold,
                by: Some(RuleId::new("validity.reduction")),
                evidence: fact(
                    "validity.reduction",
                    Source::Request,
                    observed,
                    reduction_threshold,
                ),
            });
        }
    }
    // excessive_demand: beyond the contract; repeated makes it excessive.
    let outside = match (req.within_contract, cue(CueKind::OutsideContract)) {
        (Some(false), _) => Some(fact(
            "validity.outside_contract",
            Source::Request,
            "within_contract: false".into(),
            "demands must stay within the contract".into(),
        )),
        (None, Some(c)) => {
            let mut ev = c.evidence.clone();
            ev.observed = Some("the text says the demand is outside the contract".into());
            ev.threshold = Some("demands must stay within the contract".into());
            Some(ev)
        }
        _ => None,
    };
    if let Some(mut ev) = outside {
        let window = v.excess_window_hours.unwrap_or_else(|| {
            policy
                .persistence
                .windows
                .iter()
                .map(|w| w.hours)
                .max()
                .unwrap_or(168)
        });
        let contacts = (ctx.count_in_window(window, &[]) as f64).max(stated.max());
        let repeated_text = has_text(v.excess_category);
        let repeated = contacts >= v.excess_repeated as f64 || repeated_text;
        let rule = if repeated {
            ev.observed = Some(format!(
                "{}; {} contacts in {window} h{}",
                ev.observed.as_deref().unwrap_or_default(),
                fmt_num(contacts),
                if repeated_text {
                    ", and an excessive demand in the text"
                } else {
                    ""
                }
            ));
            ev.threshold = Some(format!(
                "beyond the contract; excessive when repeated ({} contacts or more)",
                v.excess_repeated
            ));
            "validity.outside_contract_repeated"
        } else {
            "validity.outside_contract"
        };
        let weight = if repeated {
            v.excess_repeated_weight
        } else {
            v.excess_weight
        };
        if ev.source == Source::Request {
            ev.rule = RuleId::new(rule);
        }
        fire.push((v.excess_category, weight, ev));
    }
    for (category, weight, evidence) in fire {
        obs.signals.push(Signal {
            category,
            weight,
            evidence,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_end_at_terminators_not_decimal_points() {
        let t = "The repair took 1.5 hours. He shouted for an hour!";
        let s = t.find("1.5").unwrap();
        assert_eq!(sentence_bounds(t, (s, s + 3)), (0, t.find(". He").unwrap()));
        let s = t.find("an hour").unwrap();
        let (a, b) = sentence_bounds(t, (s, s + 7));
        assert_eq!(&t[a..b], " He shouted for an hour");
        let j = "修理に3時間かかった。客は2時間居座った。";
        let s = j.find("2時間").unwrap();
        let (a, b) = sentence_bounds(j, (s, s + "2時間".len()));
        assert_eq!(&j[a..b], "客は2時間居座った");
    }

    #[test]
    fn merged_points_keep_a_known_channel() {
        let at: Timestamp = "2025-10-06T10:00:00Z".parse().unwrap();
        let mut p = vec![
            ContactPoint {
                at,
                channel: Some(Channel::Phone),
            },
            ContactPoint { at, channel: None },
        ];
        merge_points(&mut p);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].channel, Some(Channel::Phone));
    }

    #[test]
    fn windows_saturate_instead_of_overflowing() {
        assert_eq!(window_start(Timestamp::MIN, 168), Timestamp::MIN);
        assert!(window_start(Timestamp::MAX, 24) < Timestamp::MAX);
        assert_eq!(window_start(Timestamp::MAX, i64::MAX), Timestamp::MIN);
    }
}
