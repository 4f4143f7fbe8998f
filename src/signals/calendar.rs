//! The business calendar: is a moment outside business hours, and why. Japanese national holidays
//! are computed (the Act on National Holidays as amended in 2018: fixed days, Happy Monday days,
//! equinox days, substitute holidays and citizens' holidays, with the rules of each year since
//! 1980 and the one-off holidays), so no table needs yearly updates.

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
    let local = cal.time_zone.to_datetime(ts);
    let date = local.date();
    let minutes = local.hour() as u16 * 60 + local.minute() as u16;
    let wd = weekday_index(date.weekday());
    let (ln_start, ln_end) = cal.late_night;
    let late_night = if ln_start == ln_end {
        false
    } else if ln_start < ln_end {
        (ln_start..ln_end).contains(&minutes)
    } else {
        minutes >= ln_start || minutes < ln_end
    };
    Reading {
        local: format!(
            "{} {} {:02}:{:02}",
            DAYS[wd],
            date,
            local.hour(),
            local.minute()
        ),
        off: off_reason(cal, date, wd, minutes),
        late_night,
    }
}

/// Whether `ts` is outside business hours (`read` without the description).
pub(crate) fn is_off(cal: &CalendarRules, ts: Timestamp) -> bool {
    let local = cal.time_zone.to_datetime(ts);
    let date = local.date();
    let minutes = local.hour() as u16 * 60 + local.minute() as u16;
    off_reason(cal, date, weekday_index(date.weekday()), minutes).is_some()
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
    let mut closed: Vec<String> = Vec::new();
    if cal.japanese_holidays {
        closed.push("Japanese national holidays".into());
    }
    closed.extend(closure_runs(&cal.closed_every_year));
    let closed = if closed.is_empty() {
        String::new()
    } else {
        format!(", closed on {}", closed.join(" and "))
    };
    format!(
        "business hours {} {}{closed}",
        parts.join(", "),
        cal.time_zone_name
    )
}

/// Yearly closure days as runs of consecutive days, in the order given: `12-29 to 01-03`.
fn closure_runs(days: &[(i8, i8)]) -> Vec<String> {
    let next = |(m, d): (i8, i8)| -> (i8, i8) {
        // 2024 is a leap year, so every month-day exists.
        match Date::new(2024, m, d).and_then(|x| x.tomorrow()) {
            Ok(x) if (m, d) != (12, 31) => (x.month(), x.day()),
            _ => (1, 1),
        }
    };
    let mut runs: Vec<((i8, i8), (i8, i8))> = Vec::new();
    for &day in days {
        match runs.last_mut() {
            Some((_, end)) if next(*end) == day => *end = day,
            _ => runs.push((day, day)),
        }
    }
    runs.into_iter()
        .map(|(a, b)| {
            if a == b {
                format!("{:02}-{:02}", a.0, a.1)
            } else {
                format!("{:02}-{:02} to {:02}-{:02}", a.0, a.1, b.0, b.1)
            }
        })
        .collect()
}

/// The name of the Japanese national holiday on `date`, if it is one, under the Act on National
/// Holidays as it stood in that year (computed from 1980; earlier dates are never holidays here).
///
/// A 振替休日 (substitute holiday) is the first day after a holiday on a Sunday that is not itself a
/// holiday; a 国民の休日 (citizens' holiday) is a day between two holidays (from 1988, when the rule
/// first applied).
/// (2025-11-24 is 振替休日: 11/23 fell on a Sunday.)
pub(crate) fn japanese_holiday(date: Date) -> Option<&'static str> {
    if let Some(name) = base_holiday(date) {
        return Some(name);
    }
    if date.year() < 1980 {
        return None;
    }
    // Substitute holiday: the first non-holiday day after a holiday that fell on a Sunday (before
    // 2007 only the Monday, which the same walk finds because holidays then never ran Sunday to
    // Monday).
    let mut d = date;
    for _ in 0..7 {
        let Ok(prev) = d.yesterday() else { break };
        if base_holiday(prev).is_none() {
            break;
        }
        if prev.weekday() == Weekday::Sunday {
            return Some("振替休日");
        }
        d = prev;
    }
    // Citizens' holiday (in force from 1985-12-27): a day between two holidays (not a Sunday,
    // which is closed anyway).
    if date.year() >= 1986
        && date.weekday() != Weekday::Sunday
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

/// Vernal and autumnal equinox days by the standard approximation of the National Astronomical
/// Observatory's announcements (1980-2150; the official day is announced each February for the
/// next year and has matched this formula throughout).
fn equinox_day(year: i16, vernal: bool) -> Option<i8> {
    let base = match (year, vernal) {
        (1980..=2099, true) => 20.8431,
        (1980..=2099, false) => 23.2488,
        (2100..=2150, true) => 21.8510,
        (2100..=2150, false) => 24.2488,
        _ => return None,
    };
    let y = f64::from(year - 1980);
    Some((base + 0.242194 * y - (y / 4.0).floor()).floor() as i8)
}

/// Holidays named in the Act (and one-off holidays by special law), before substitute and
/// citizens' holidays.
fn base_holiday(date: Date) -> Option<&'static str> {
    let (y, m, d) = (date.year(), date.month(), date.day());
    if y < 1980 {
        return None;
    }
    // One-off holidays and the Olympic moves of 2020 and 2021.
    let special = match (y, m, d) {
        (1989, 2, 24) => Some("昭和天皇の大喪の礼"),
        (1990, 11, 12) => Some("即位礼正殿の儀"),
        (1993, 6, 9) => Some("皇太子徳仁親王の結婚の儀"),
        (2019, 5, 1) => Some("天皇の即位の日"),
        (2019, 10, 22) => Some("即位礼正殿の儀"),
        (2020, 7, 23) | (2021, 7, 22) => Some("海の日"),
        (2020, 7, 24) | (2021, 7, 23) => Some("スポーツの日"),
        (2020, 8, 10) | (2021, 8, 8) => Some("山の日"),
        _ => None,
    };
    if special.is_some() {
        return special;
    }
    let moved = y == 2020 || y == 2021;
    Some(match (m, d) {
        (1, 1) => "元日",
        (1, 15) if y <= 1999 => "成人の日",
        (1, _) if y >= 2000 && nth_monday(date, 2) => "成人の日",
        (2, 11) => "建国記念の日",
        (2, 23) if y >= 2020 => "天皇誕生日",
        (3, d) if Some(d) == equinox_day(y, true) => "春分の日",
        (4, 29) if y <= 1988 => "天皇誕生日",
        (4, 29) if y <= 2006 => "みどりの日",
        (4, 29) => "昭和の日",
        (5, 3) => "憲法記念日",
        (5, 4) if y >= 2007 => "みどりの日",
        (5, 5) => "こどもの日",
        (7, 20) if (1996..=2002).contains(&y) => "海の日",
        (7, _) if y >= 2003 && !moved && nth_monday(date, 3) => "海の日",
        (8, 11) if y >= 2016 && !moved => "山の日",
        (9, 15) if y <= 2002 => "敬老の日",
        (9, _) if y >= 2003 && nth_monday(date, 3) => "敬老の日",
        (9, d) if Some(d) == equinox_day(y, false) => "秋分の日",
        (10, 10) if y <= 1999 => "体育の日",
        (10, _) if (2000..=2019).contains(&y) && nth_monday(date, 2) => "体育の日",
        (10, _) if y >= 2022 && nth_monday(date, 2) => "スポーツの日",
        (11, 3) => "文化の日",
        (11, 23) => "勤労感謝の日",
        (12, 23) if (1989..=2018).contains(&y) => "天皇誕生日",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn year(y: i16) -> Vec<(i8, i8)> {
        let mut found = Vec::new();
        let mut d = date(y, 1, 1);
        while d.year() == y {
            if japanese_holiday(d).is_some() {
                found.push((d.month(), d.day()));
            }
            d = d.tomorrow().unwrap();
        }
        found
    }

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
        assert_eq!(year(2025), expected);
    }

    #[test]
    fn citizens_holiday_2026() {
        assert_eq!(japanese_holiday(date(2026, 9, 22)), Some("国民の休日"));
        assert_eq!(japanese_holiday(date(2026, 5, 6)), Some("振替休日"));
    }

    /// Years whose rules differ from today's: the Olympic moves, the accession of 2019, the old
    /// fixed days, and the first citizens' holidays.
    #[test]
    #[rustfmt::skip]
    fn past_rules_and_one_off_holidays() {
        let y2019 = [
            (1, 1), (1, 14), (2, 11), (3, 21), (4, 29), (4, 30), (5, 1), (5, 2), (5, 3), (5, 4),
            (5, 5), (5, 6), (7, 15), (8, 11), (8, 12), (9, 16), (9, 23), (10, 14), (10, 22),
            (11, 3), (11, 4), (11, 23),
        ];
        assert_eq!(year(2019), y2019);
        let y2020 = [
            (1, 1), (1, 13), (2, 11), (2, 23), (2, 24), (3, 20), (4, 29), (5, 3), (5, 4), (5, 5),
            (5, 6), (7, 23), (7, 24), (8, 10), (9, 21), (9, 22), (11, 3), (11, 23),
        ];
        assert_eq!(year(2020), y2020);
        let y2021 = [
            (1, 1), (1, 11), (2, 11), (2, 23), (3, 20), (4, 29), (5, 3), (5, 4), (5, 5), (7, 22),
            (7, 23), (8, 8), (8, 9), (9, 20), (9, 23), (11, 3), (11, 23),
        ];
        assert_eq!(year(2021), y2021);
        let y1990 = [
            (1, 1), (1, 15), (2, 11), (2, 12), (3, 21), (4, 29), (4, 30), (5, 3), (5, 4), (5, 5),
            (9, 15), (9, 23), (9, 24), (10, 10), (11, 3), (11, 12), (11, 23), (12, 23), (12, 24),
        ];
        assert_eq!(year(1990), y1990);
        // 1982: 5/4 between two holidays, before the citizens' holiday existed.
        assert_eq!(japanese_holiday(date(1982, 5, 4)), None);
        assert_eq!(japanese_holiday(date(1988, 5, 4)), Some("国民の休日"));
        assert_eq!(japanese_holiday(date(2009, 9, 22)), Some("国民の休日"));
        assert_eq!(japanese_holiday(date(2006, 4, 29)), Some("みどりの日"));
        assert_eq!(japanese_holiday(date(2018, 12, 23)), Some("天皇誕生日"));
        assert_eq!(japanese_holiday(date(2019, 12, 23)), None);
    }

    #[test]
    fn far_dates_never_panic() {
        for d in [
            date(-9999, 1, 1),
            date(1979, 12, 31),
            date(2150, 3, 20),
            date(9999, 12, 31),
        ] {
            let _ = japanese_holiday(d);
        }
        assert_eq!(japanese_holiday(date(2200, 1, 1)), Some("元日"));
        assert_eq!(japanese_holiday(date(1970, 1, 1)), None);
    }
}
