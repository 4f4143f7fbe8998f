//! The input record: an incident as SPEC's JSON describes it. Absent facts are unknown (`None`),
//! never false; unknown fields are ignored; a malformed field is an error that names it.

use crate::error::IncidentError;
use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize};

/// The channel a contact came through.
///
/// ```
/// use kasuhara::Channel;
/// let c: Channel = serde_json::from_str("\"in_person\"").unwrap();
/// assert_eq!(c, Channel::InPerson);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Telephone.
    Phone,
    /// Email.
    Email,
    /// Face to face.
    InPerson,
    /// Chat or messaging.
    Chat,
    /// Social media.
    SocialMedia,
    /// Letter or fax.
    Letter,
    /// Anything else.
    Other,
}

impl Channel {
    /// The snake_case id used in JSON and in rule files.
    ///
    /// ```
    /// assert_eq!(kasuhara::Channel::SocialMedia.as_str(), "social_media");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Phone => "phone",
            Channel::Email => "email",
            Channel::InPerson => "in_person",
            Channel::Chat => "chat",
            Channel::SocialMedia => "social_media",
            Channel::Letter => "letter",
            Channel::Other => "other",
        }
    }
    /// Every channel, for validation and summaries.
    ///
    /// ```
    /// assert_eq!(kasuhara::Channel::ALL.len(), 7);
    /// ```
    pub const ALL: [Channel; 7] = [
        Channel::Phone,
        Channel::Email,
        Channel::InPerson,
        Channel::Chat,
        Channel::SocialMedia,
        Channel::Letter,
        Channel::Other,
    ];
}

/// What the customer asked for.
///
/// ```
/// use kasuhara::RequestKind;
/// assert_eq!(RequestKind::FeeReduction.as_str(), "fee_reduction");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// Money back.
    Refund,
    /// A lower fee or charge.
    FeeReduction,
    /// Compensation for damage.
    Compensation,
    /// A repair.
    Repair,
    /// An exchange.
    Exchange,
    /// An apology.
    Apology,
    /// Information.
    Information,
    /// Anything else.
    Other,
}

impl RequestKind {
    /// The snake_case id used in JSON and in rule files.
    ///
    /// ```
    /// assert_eq!(kasuhara::RequestKind::Refund.as_str(), "refund");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Refund => "refund",
            RequestKind::FeeReduction => "fee_reduction",
            RequestKind::Compensation => "compensation",
            RequestKind::Repair => "repair",
            RequestKind::Exchange => "exchange",
            RequestKind::Apology => "apology",
            RequestKind::Information => "information",
            RequestKind::Other => "other",
        }
    }
    /// Every kind, for validation.
    ///
    /// ```
    /// assert_eq!(kasuhara::RequestKind::ALL.len(), 8);
    /// ```
    pub const ALL: [RequestKind; 8] = [
        RequestKind::Refund,
        RequestKind::FeeReduction,
        RequestKind::Compensation,
        RequestKind::Repair,
        RequestKind::Exchange,
        RequestKind::Apology,
        RequestKind::Information,
        RequestKind::Other,
    ];
}

/// Who spoke a transcript turn. Only the customer's turns are evidence of the customer's conduct.
///
/// ```
/// let s: kasuhara::Speaker = serde_json::from_str("\"staff\"").unwrap();
/// assert_eq!(s, kasuhara::Speaker::Staff);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    /// The customer: evidence.
    Customer,
    /// A staff member: context only.
    Staff,
    /// Anyone else: context only.
    Other,
}

/// One turn of a transcript.
///
/// ```
/// let u: kasuhara::Utterance =
///     serde_json::from_str(r#"{"speaker": "customer", "text": "殺すぞ"}"#).unwrap();
/// assert_eq!(u.text, "殺すぞ");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Utterance {
    /// Who said it.
    pub speaker: Speaker,
    /// What was said.
    pub text: String,
}

/// The request the customer made, as far as the caller knows it.
///
/// ```
/// let r: kasuhara::Request = serde_json::from_str(r#"{"kind": "refund", "defect_found": false}"#).unwrap();
/// assert_eq!(r.defect_found, Some(false));
/// assert_eq!(r.within_contract, None); // unknown, not false
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// What was asked for.
    #[serde(default)]
    pub kind: Option<RequestKind>,
    /// Whether the request concerns the company's products or services.
    #[serde(default)]
    pub related_to_service: Option<bool>,
    /// Whether a defect or negligence was found.
    #[serde(default)]
    pub defect_found: Option<bool>,
    /// Amount requested (refund, reduction or compensation), in the charge's currency.
    #[serde(default, deserialize_with = "non_negative")]
    pub amount_requested: Option<f64>,
    /// Amount charged for the product or service.
    #[serde(default, deserialize_with = "non_negative")]
    pub amount_charged: Option<f64>,
    /// Whether what is demanded is within the contract.
    #[serde(default)]
    pub within_contract: Option<bool>,
}

/// An earlier contact by the same customer.
///
/// ```
/// let c: kasuhara::Contact = serde_json::from_str(r#"{"at": "2025-10-03T21:10:00+09:00"}"#).unwrap();
/// assert!(c.channel.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    /// When the contact happened (RFC 3339 with an offset).
    #[serde(deserialize_with = "timestamp")]
    pub at: Timestamp,
    /// The channel, when known.
    #[serde(default)]
    pub channel: Option<Channel>,
    /// How long it lasted, in minutes, when known.
    #[serde(default)]
    pub duration_minutes: Option<u32>,
}

/// An incident record: free text and/or a transcript, plus the facts the caller knows.
///
/// ```
/// use kasuhara::Incident;
/// let inc = Incident::from_json(r#"{"id": "INC-1", "text": "殺すぞ", "foo": 1}"#).unwrap();
/// assert_eq!(inc.id, "INC-1");
/// assert_eq!(inc.emergency, None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// The record id (required).
    pub id: String,
    /// The customer id; earlier records of the same customer in a stream count as history.
    #[serde(default)]
    pub customer: Option<String>,
    /// The channel of this contact.
    #[serde(default)]
    pub channel: Option<Channel>,
    /// When it happened (RFC 3339 with an offset).
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub occurred_at: Option<Timestamp>,
    /// How long it lasted, in minutes.
    #[serde(default)]
    pub duration_minutes: Option<u32>,
    /// Free text: a transcript, a message, or a staff narrative.
    #[serde(default)]
    pub text: Option<String>,
    /// A transcript by speaker, instead of or beside `text`.
    #[serde(default)]
    pub utterances: Vec<Utterance>,
    /// The language of the text, if the caller knows it (`ja`, `en`, ...). Informational.
    #[serde(default)]
    pub language: Option<String>,
    /// Whether the caller knows this was an emergency (exempts off-hours contact).
    #[serde(default)]
    pub emergency: Option<bool>,
    /// The employee the conduct was aimed at, if any.
    #[serde(default)]
    pub target_employee: Option<String>,
    /// The request, if known.
    #[serde(default)]
    pub request: Option<Request>,
    /// The customer's earlier contacts, if known.
    #[serde(default)]
    pub contacts: Vec<Contact>,
}

impl Incident {
    /// A record with only an id and a text.
    ///
    /// ```
    /// let inc = kasuhara::Incident::from_text("a", "hello");
    /// assert_eq!(inc.text.as_deref(), Some("hello"));
    /// ```
    pub fn from_text(id: impl Into<String>, text: impl Into<String>) -> Self {
        Incident {
            id: id.into(),
            text: Some(text.into()),
            ..Incident::default()
        }
    }

    /// Parses one JSON record; the error names the offending field.
    ///
    /// ```
    /// use kasuhara::Incident;
    /// let err = Incident::from_json(r#"{"id": "a", "occurred_at": "2025-10-03T22:40:00"}"#).unwrap_err();
    /// assert_eq!(err.field(), "occurred_at");
    /// let err = Incident::from_json(r#"{"text": "x"}"#).unwrap_err();
    /// assert!(err.message().contains("missing field `id`"));
    /// ```
    pub fn from_json(json: &str) -> Result<Incident, IncidentError> {
        // Most records are well formed: read them without tracking the path, and read a record
        // again with the path tracked only to say where it went wrong.
        if let Ok(inc) = serde_json::from_str(json) {
            return Ok(inc);
        }
        let de = &mut serde_json::Deserializer::from_str(json);
        let parsed: Result<Incident, _> = serde_path_to_error::deserialize(&mut *de);
        match parsed {
            Ok(inc) => {
                // Reject trailing data after the object, as serde_json::from_str does.
                de.end().map_err(|e| IncidentError {
                    field: ".".into(),
                    message: e.to_string(),
                })?;
                Ok(inc)
            }
            Err(e) => {
                let path = match e.path().to_string() {
                    // A key of "" has an empty path: name the record instead.
                    p if p.is_empty() || p == "." => ".".to_string(),
                    p => p,
                };
                Err(IncidentError {
                    field: path,
                    message: e.inner().to_string(),
                })
            }
        }
    }
}

fn parse_timestamp(s: &str) -> Result<Timestamp, String> {
    s.parse::<Timestamp>().map_err(|e| {
        format!("invalid timestamp `{s}`: expected RFC 3339 with an offset, e.g. `2025-10-03T22:40:00+09:00` ({e})")
    })
}

fn timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
    let s = String::deserialize(d)?;
    parse_timestamp(&s).map_err(serde::de::Error::custom)
}

fn opt_timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    s.map(|s| parse_timestamp(&s).map_err(serde::de::Error::custom))
        .transpose()
}

fn non_negative<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let v: Option<f64> = Option::deserialize(d)?;
    match v {
        Some(x) if !x.is_finite() || x < 0.0 => Err(serde::de::Error::custom(format!(
            "amount `{x}` must be a finite number at least 0"
        ))),
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_facts_are_unknown() {
        let inc = Incident::from_json(r#"{"id":"a","request":{}}"#).unwrap();
        let r = inc.request.unwrap();
        assert_eq!(r.defect_found, None);
        assert_eq!(r.related_to_service, None);
        assert!(inc.contacts.is_empty());
    }

    #[test]
    fn errors_name_nested_fields() {
        let e = Incident::from_json(
            r#"{"id":"a","contacts":[{"at":"2025-01-01T00:00:00Z"},{"at":"bad"}]}"#,
        )
        .unwrap_err();
        assert_eq!(e.field(), "contacts[1].at");
        let e = Incident::from_json(r#"{"id":"a","request":{"amount_charged":-1}}"#).unwrap_err();
        assert_eq!(e.field(), "request.amount_charged");
        let e = Incident::from_json(r#"{"id":"a","channel":"fax"}"#).unwrap_err();
        assert_eq!(e.field(), "channel");
        let e = Incident::from_json(r#"{"id":"a"} trailing"#).unwrap_err();
        assert_eq!(e.field(), ".");
    }

    #[test]
    fn spec_example_parses() {
        let json = r#"{"id":"INC-0001","customer":"C-1042","channel":"phone",
          "occurred_at":"2025-10-03T22:40:00+09:00","duration_minutes":95,"text":"x","language":"ja",
          "emergency":false,"target_employee":"E-17",
          "request":{"kind":"fee_reduction","related_to_service":true,"defect_found":false,
          "amount_requested":80000,"amount_charged":9800,"within_contract":true},
          "contacts":[{"at":"2025-10-03T21:10:00+09:00","channel":"phone","duration_minutes":4}]}"#;
        let inc = Incident::from_json(json).unwrap();
        assert_eq!(inc.duration_minutes, Some(95));
        assert_eq!(inc.request.unwrap().kind, Some(RequestKind::FeeReduction));
        assert_eq!(inc.contacts[0].duration_minutes, Some(4));
    }
}
