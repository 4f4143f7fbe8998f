//! The business calendar: is a moment outside business hours, and why. Japanese national holidays
//! are computed (the Act on National Holidays as amended in 2018: fixed days, Happy Monday days,
//! equinox days, substitute holidays and citizens' holidays), so no table needs yearly updates.

use crate::policy::model::CalendarRules;
use jiff::Timestamp;
use jiff::civil::{Date, Weekday};

/// Why a moment is outside business hours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OffReason {
    Holiday(&'static str),
    Closed,
    ClosedWeekday,
    BeforeOpening,
    AfterClosing,
}

/// The calendar's reading of one moment.
#[derive(Debug, Clone)]
pub(crate) struct Reading {
    /// E.g. `Fri 2025-10-03 22:40`.
    pub local: String,
    pub off: Option<OffReason>,
    pub late_night: bool,
}

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn weekday_index(w: Weekday) -> usize {
    w.to_monday_zero_offset() as usize
}

/// Reads `ts` against the calendar.
pub(crate) fn read(cal: &CalendarRules, ts: Timestamp) -> Reading {
    let zoned = ts.to_zoned_datetime(cal.time_zone.clone());
    let date = zoned.date();
    let minutes = zoned.hour() as u16 * 60 + zoned.minute() as u16;
    let wd = weekday_index(date.weekday());
    let local = format!(
        "{} {} {:02}:{:02}",
        DAYS[wd],
        date,
        zoned.hour(),
        zoned.minute()
    );
    let (ln_start, ln_end) = cal.late_night;
    let late_night = if ln_start == ln_end {
        false
    } else if ln_start < ln_end {
        (ln_start..ln_end).contains(&minutes)
    } else {
        minutes >= ln_start || minutes < ln_end
    };
    let off = off_reason(cal, date, wd, minutes);
    Reading {
        local,
        off,
        late_night,
    }
}

fn off_reason(cal: &CalendarRules, date: Date, wd: usize, minutes: u16) -> Option<OffReason> {
    let forced_open = cal.open_dates.contains(&date);
    if !forced_open {
        if cal.closed_dates.contains(&date)
            || cal.closed_every_year.contains(&(date.month(), date.day()))
        {
            return Some(OffReason::Closed);
        }
        if cal.japanese_holidays
            && let Some(name) = japanese_holiday(date)
        {
            return Some(OffReason::Holiday(name));
        }
    }
    let Some(hours) = cal.hours[wd] else {
        return Some(OffReason::ClosedWeekday);
    };
    if minutes < hours.open {
        Some(OffReason::BeforeOpening)
    } else if minutes >= hours.close {
        Some(OffReason::AfterClosing)
    } else {
        None
    }
}

/// The business hours as a sentence, for evidence thresholds: `Mon-Fri 09:00-18:00 Asia/Tokyo`.
pub(crate) fn describe_hours(cal: &CalendarRules) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < 7 {
        let Some(h) = cal.hours[i] else {
            i += 1;
            continue;
        };
        let mut j = i;
        while j + 1 < 7 && cal.hours[j + 1] == Some(h) {
            j += 1;
        }
        let days = if i == j {
            DAYS[i].to_string()
        } else {
            format!("{}-{}", DAYS[i], DAYS[j])
        };
        parts.push(format!(
            "{days} {:02}:{:02}-{:02}:{:02}",
            h.open / 60,
            h.open % 60,
            h.close / 60,
            h.close % 60
        ));
        i = j + 1;
    }
    if parts.is_empty() {
        parts.push("never open".into());
    }
    let holidays = if cal.japanese_holidays {
        ", closed on Japanese national holidays"
    } else {
        ""
    };
    format!(
        "business hours {} {}{holidays}",
        parts.join(", "),
        cal.time_zone_name
    )
}

/// The name of the Japanese national holiday on `date`, if it is one (rules in force from 2022).
///
/// ```ignore
/// assert_eq!(japanese_holiday(date(2025, 11, 24)), Some("振替休日"));
/// ```
pub(crate) fn japanese_holiday(date: Date) -> Option<&'static str> {
    if let Some(name) = base_holiday(date) {
        return Some(name);
    }
    // Substitute holiday: the first non-holiday day after a holiday that fell on a Sunday.
    let mut d = date;
    loop {
        let Ok(prev) = d.yesterday() else { break };
        if base_holiday(prev).is_none() {
            break;
        }
        if prev.weekday() == Weekday::Sunday {
            return Some("振替休日");
        }
        d = prev;
    }
    // Citizens' holiday: a day between two holidays (not itself a Sunday).
    if date.weekday() != Weekday::Sunday
        && let (Ok(p), Ok(n)) = (date.yesterday(), date.tomorrow())
        && base_holiday(p).is_some()
        && base_holiday(n).is_some()
    {
        return Some("国民の休日");
    }
    None
}

fn nth_monday(date: Date, n: i8) -> bool {
    date.weekday() == Weekday::Monday && (date.day() - 1) / 7 + 1 == n
}

/// Vernal and autumnal equinox days by the standard approximation (valid 1980-2099).
fn equinox_day(year: i16, vernal: bool) -> i8 {
    let y = f64::from(year - 1980);
    let base = if vernal { 20.8431 } else { 23.2488 };
    (base + 0.242194 * y - (y / 4.0).floor()).floor() as i8
}

fn base_holiday(date: Date) -> Option<&'static str> {
    let (y, m, d) = (date.year(), date.month(), date.day());
    if !(1980..=2099).contains(&y) {
        return None;
    }
    Some(match (m, d) {
        (1, 1) => "元日",
        (2, 11) => "建国記念の日",
        (2, 23) if y >= 2020 => "天皇誕生日",
        (4, 29) => "昭和の日",
        (5, 3) => "憲法記念日",
        (5, 4) => "みどりの日",
        (5, 5) => "こどもの日",
        (8, 11) if y >= 2016 => "山の日",
        (11, 3) => "文化の日",
        (11, 23) => "勤労感謝の日",
        (3, d) if d == equinox_day(y, true) => "春分の日",
        (9, d) if d == equinox_day(y, false) => "秋分の日",
        (1, _) if nth_monday(date, 2) => "成人の日",
        (7, _) if nth_monday(date, 3) => "海の日",
        (9, _) if nth_monday(date, 3) => "敬老の日",
        (10, _) if nth_monday(date, 2) => "スポーツの日",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn holidays_2025_match_the_cabinet_office_list() {
        let expected = [
            (1, 1),
            (1, 13),
            (2, 11),
            (2, 23),
            (2, 24),
            (3, 20),
            (4, 29),
            (5, 3),
            (5, 4),
            (5, 5),
            (5, 6),
            (7, 21),
            (8, 11),
            (9, 15),
            (9, 23),
            (10, 13),
            (11, 3),
            (11, 23),
            (11, 24),
        ];
        let mut found = Vec::new();
        let mut d = date(2025, 1, 1);
        while d.year() == 2025 {
            if japanese_holiday(d).is_some() {
                found.push((d.month(), d.day()));
            }
            d = d.tomorrow().unwrap();
        }
        assert_eq!(found, expected);
    }

    #[test]
    fn citizens_holiday_2026() {
        assert_eq!(japanese_holiday(date(2026, 9, 22)), Some("国民の休日"));
        assert_eq!(japanese_holiday(date(2026, 5, 6)), Some("振替休日"));
    }
}
