//! Signals: what is observed in one record — text hits, contact frequency, durations, the
//! calendar and request facts — each as a weighted piece of evidence for a category, or as a near
//! miss with its reason. Scoring them is `score`'s job.

pub(crate) mod calendar;
pub(crate) mod text;

use crate::incident::{Channel, Incident, RequestKind};
use crate::policy::{CueKind, Policy, RuleId};
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
    } else {
        format!("{x:.2}")
    }
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

    // Contacts: this record, its listed contacts and the stream's history, deduplicated.
    let mut points: Vec<ContactPoint> = history.to_vec();
    points.extend(incident.contacts.iter().map(|c| ContactPoint {
        at: c.at,
        channel: c.channel,
    }));
    if let Some(at) = incident.occurred_at {
        points.push(ContactPoint {
            at,
            channel: incident.channel,
        });
    }
    points.sort();
    points.dedup_by(|a, b| a.at == b.at);
    let reference = incident
        .occurred_at
        .or_else(|| points.iter().map(|p| p.at).max());

    persistence(policy, &points, reference, &cues, &mut obs);
    off_hours(policy, incident, &points, reference, &cues, &mut obs);
    duration(policy, incident, &cues, &mut obs);
    validity(policy, incident, &points, reference, &cues, &mut obs);
    obs
}

fn count_in_window(
    points: &[ContactPoint],
    reference: Timestamp,
    hours: i64,
    channels: &[Channel],
) -> usize {
    let from = reference
        .checked_sub(SignedDuration::from_hours(hours))
        .unwrap_or(Timestamp::MIN);
    points
        .iter()
        .filter(|p| p.at > from && p.at <= reference)
        .filter(|p| channels.is_empty() || p.channel.is_some_and(|c| channels.contains(&c)))
        .count()
}

fn persistence(
    policy: &Policy,
    points: &[ContactPoint],
    reference: Option<Timestamp>,
    cues: &[text::CueHit],
    obs: &mut Observations,
) {
    let rules = &policy.persistence;
    let mut best: Option<(f64, Evidence)> = None;
    let mut below: Option<Evidence> = None;
    for w in &rules.windows {
        let from_facts = reference.map_or(0, |r| count_in_window(points, r, w.hours, &w.channels));
        // A count stated in text over a window no longer than this one applies to it.
        let stated = cues
            .iter()
            .filter_map(|c| match &policy.cues[c.cue].kind {
                CueKind::ContactCount {
                    window_hours,
                    value,
                } if *window_hours <= w.hours => c.n.or(*value).map(|n| (n, c)),
                _ => None,
            })
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let threshold = format!(
            "{} contacts in {} h (review from {})",
            w.fire, w.hours, w.review
        );
        let (count, ev) = match stated {
            Some((n, c)) if n >= from_facts as f64 => {
                let mut ev = c.evidence.clone();
                ev.observed = Some(format!("{} contacts stated in text", fmt_num(n)));
                ev.threshold = Some(threshold);
                (n, ev)
            }
            _ => {
                let mut ev = fact(
                    w.id.as_str(),
                    Source::Contacts,
                    format!("{from_facts} contacts in the {} h up to this one", w.hours),
                    threshold,
                );
                ev.rule = w.id.clone();
                (from_facts as f64, ev)
            }
        };
        let weight = if count >= w.fire as f64 {
            rules.weight
        } else if count >= w.review as f64 {
            rules.review_weight
        } else {
            if count >= 2.0 && below.is_none() {
                below = Some(ev);
            }
            continue;
        };
        obs.repeated = true;
        if best.as_ref().is_none_or(|(bw, _)| weight > *bw) {
            best = Some((weight, ev));
        }
    }
    match (best, below) {
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
}

fn off_hours(
    policy: &Policy,
    incident: &Incident,
    points: &[ContactPoint],
    reference: Option<Timestamp>,
    cues: &[text::CueHit],
    obs: &mut Observations,
) {
    let Some(at) = incident.occurred_at else {
        return;
    };
    let rules = &policy.off_hours;
    let cal = &policy.calendar;
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
    // Repeated off-hours contact in the window.
    if let Some(r) = reference {
        let from = r
            .checked_sub(SignedDuration::from_hours(rules.window_hours))
            .unwrap_or(Timestamp::MIN);
        let off = points
            .iter()
            .filter(|p| p.at > from && p.at <= r)
            .filter(|p| calendar::read(cal, p.at).off.is_some())
            .count();
        if off >= rules.repeated {
            weight = weight.max(rules.repeated_weight);
            ev = fact(
                "off_hours.repeated",
                Source::Contacts,
                format!(
                    "{off} contacts outside business hours in {} h, this one {}",
                    rules.window_hours, reading.local
                ),
                format!("{} or more ({threshold})", rules.repeated),
            );
        }
    }
    let emergency = if incident.emergency == Some(true) {
        Some(fact(
            "off_hours.emergency",
            Source::Emergency,
            "emergency: true".into(),
            "emergencies are exempt".into(),
        ))
    } else {
        cues.iter()
            .find(|c| policy.cues[c.cue].kind == CueKind::Emergency)
            .map(|c| c.evidence.clone())
    };
    match emergency {
        Some(e) => obs.misses.push(Miss {
            category: rules.category,
            reason: MissReason::EmergencyExemption,
            by: Some(e.rule.clone()),
            evidence: ev,
        }),
        None => obs.signals.push(Signal {
            category: rules.category,
            weight,
            evidence: ev,
        }),
    }
}

fn duration(policy: &Policy, incident: &Incident, cues: &[text::CueHit], obs: &mut Observations) {
    let rules = &policy.duration;
    let (long, restrictive) = incident
        .channel
        .and_then(|ch| rules.per_channel.iter().find(|(c, _, _)| *c == ch))
        .map_or(
            (rules.long_minutes, rules.restrictive_minutes),
            |(_, l, r)| (*l, *r),
        );
    let threshold = format!(
        "long from {} min, restrictive from {} min",
        fmt_num(long),
        fmt_num(restrictive)
    );
    let mut candidates: Vec<(f64, Evidence, bool)> = Vec::new();
    if let Some(m) = incident.duration_minutes {
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
    // Durations stated in text count only where the text also shows the customer's conduct
    // ("shouted for 40 minutes"), not for a repair that took three hours.
    let conduct_in_text = obs.signals.iter().any(|s| {
        s.evidence.excerpt.is_some()
            && policy.categories[s.category].prong == crate::policy::Prong::Conduct
    });
    for c in cues {
        if let CueKind::Duration {
            unit_minutes,
            value,
        } = &policy.cues[c.cue].kind
        {
            let minutes = match (c.n, value) {
                (Some(n), _) => n * unit_minutes,
                (None, Some(v)) => *v,
                (None, None) => continue,
            };
            let mut ev = c.evidence.clone();
            ev.observed = Some(format!("{} min stated in text", fmt_num(minutes)));
            ev.threshold = Some(threshold.clone());
            candidates.push((minutes, ev, conduct_in_text));
        }
    }
    let Some((minutes, mut ev, tied)) = candidates.into_iter().max_by(|a, b| {
        (a.2, a.0)
            .partial_cmp(&(b.2, b.0))
            .unwrap_or(std::cmp::Ordering::Equal)
    }) else {
        return;
    };
    let (rule, weight) = if minutes >= restrictive {
        ("duration.restrictive", rules.restrictive_weight)
    } else if minutes >= long {
        ("duration.long", rules.long_weight)
    } else {
        return;
    };
    if ev.source == Source::DurationMinutes {
        ev.rule = RuleId::new(rule);
    }
    if tied {
        obs.signals.push(Signal {
            category: rules.category,
            weight,
            evidence: ev,
        });
    } else {
        obs.misses.push(Miss {
            category: rules.category,
            reason: MissReason::NotConduct,
            by: None,
            evidence: ev,
        });
    }
}

fn validity(
    policy: &Policy,
    incident: &Incident,
    points: &[ContactPoint],
    reference: Option<Timestamp>,
    cues: &[text::CueHit],
    obs: &mut Observations,
) {
    let v = &policy.validity;
    let req = incident.request.clone().unwrap_or_default();
    let cue = |kind: CueKind| cues.iter().find(|c| policy.cues[c.cue].kind == kind);
    let has_text = |cat: usize| obs.signals.iter().any(|s| s.category == cat);
    // Is there a demand? The request kind says so, or the text shows a money or excessive demand.
    let kind = req.kind;
    let demand_in_text = policy
        .categories
        .iter()
        .enumerate()
        .any(|(i, c)| c.basis == crate::policy::Basis::Relative && has_text(i));
    let is_demand = kind.map_or(demand_in_text, |k| v.demand_kinds.contains(&k));
    let kind_name = kind.map_or("a demand in the text", RequestKind::as_str);

    // no_defect
    let mut fire = Vec::new();
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
                    format!(
                        "unreasonable from {}× the charge",
                        fmt_num(v.reduction_ratio)
                    ),
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
                    format!(
                        "unreasonable from {}× the charge",
                        fmt_num(v.reduction_ratio)
                    ),
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
            Some(ev)
        }
        _ => None,
    };
    if let Some(mut ev) = outside {
        let longest = policy
            .persistence
            .windows
            .iter()
            .map(|w| w.hours)
            .max()
            .unwrap_or(168);
        let contacts = reference.map_or(0, |r| count_in_window(points, r, longest, &[]));
        let repeated_text = obs.signals.iter().any(|s| s.category == v.excess_category);
        let (weight, rule) = if contacts >= v.excess_repeated || repeated_text {
            ev.observed = Some(format!(
                "{}; {contacts} contacts in {longest} h",
                ev.observed.as_deref().unwrap_or_default()
            ));
            ev.threshold = Some(format!("repeated from {} contacts", v.excess_repeated));
            (
                v.excess_repeated_weight,
                "validity.outside_contract_repeated",
            )
        } else {
            (v.excess_weight, "validity.outside_contract")
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
