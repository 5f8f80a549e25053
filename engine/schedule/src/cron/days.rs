//! The two day fields: which days of a given month a cron expression selects.
//!
//! EventBridge (like Quartz, which it follows) never combines day-of-month and day-of-week: exactly one
//! of them is `?`, so the pair collapses into one [`Days`] rule. The special characters live here:
//! `L` (last day / last weekday-of-week), `W` (nearest weekday) and `#` (nth weekday-of-week).

use super::field::{self, DAY_OF_MONTH, DAY_OF_WEEK, Set, field_error};
use crate::Error;
use crate::civil::{days_in_month, weekday};

/// AWS day-of-week numbers used below (1 = Sunday … 7 = Saturday).
const SUNDAY: u8 = 1;
const SATURDAY: u8 = 7;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Days {
    /// Day-of-month values (`1,15`, `*`, `1/7`).
    Dates(Set),
    /// Day-of-month `L`.
    LastDay,
    /// Day-of-month `LW`: the last Monday-to-Friday of the month.
    LastWeekday,
    /// Day-of-month `15W`: the Monday-to-Friday nearest the 15th, without leaving the month.
    NearestWeekday(u8),
    /// Day-of-week values (`MON-FRI`, `1`, and `L` alone, which Quartz reads as 7 = Saturday).
    Weekdays(Set),
    /// Day-of-week `5L`: the last Friday of the month.
    LastOf(u8),
    /// Day-of-week `3#2`: the second Tuesday of the month (weekday, occurrence 1-5).
    Nth(u8, u8),
}

/// Combines the day-of-month and day-of-week fields, enforcing that exactly one of them is `?`.
pub(crate) fn parse(day_of_month: &str, day_of_week: &str) -> Result<Days, Error> {
    const RULE: &str = "exactly one of day-of-month and day-of-week must be '?'";
    match (day_of_month == "?", day_of_week == "?") {
        (true, true) => Err(field_error(
            DAY_OF_WEEK,
            format!("a value is required because day-of-month is '?' ({RULE})"),
        )),
        (false, false) => Err(field_error(
            DAY_OF_WEEK,
            format!("'?' is required because day-of-month is '{day_of_month}' ({RULE})"),
        )),
        (false, true) => parse_day_of_month(day_of_month),
        (true, false) => parse_day_of_week(day_of_week),
    }
}

/// Whether `text` is a single value rather than a list, range, step or wildcard.
fn is_single(text: &str) -> bool {
    !text.contains([',', '-', '/', '*'])
}

fn parse_day_of_month(text: &str) -> Result<Days, Error> {
    let upper = text.to_ascii_uppercase();
    if upper == "L" {
        return Ok(Days::LastDay);
    }
    if upper == "LW" {
        return Ok(Days::LastWeekday);
    }
    if upper.starts_with('L') {
        return Err(field_error(
            DAY_OF_MONTH,
            format!(
                "'{text}' is not valid: 'L' must stand alone or as 'LW' (offsets such as 'L-3' are not supported)"
            ),
        ));
    }
    if let Some(day) = upper.strip_suffix('W') {
        if day.is_empty() {
            return Err(field_error(
                DAY_OF_MONTH,
                "'W' needs a day before it, as in '15W'",
            ));
        }
        if is_single(day) {
            return Ok(Days::NearestWeekday(day_number(field::value(
                DAY_OF_MONTH,
                day,
            )?)));
        }
    }
    if upper.contains(['L', 'W']) {
        return Err(field_error(
            DAY_OF_MONTH,
            format!(
                "'{text}' is not valid: 'L' and 'W' must stand alone ('L', 'LW', '15W'), not in a list or range"
            ),
        ));
    }
    field::parse(DAY_OF_MONTH, text).map(Days::Dates)
}

fn parse_day_of_week(text: &str) -> Result<Days, Error> {
    let upper = text.to_ascii_uppercase();
    if upper == "L" {
        return Ok(Days::Weekdays(field::parse(DAY_OF_WEEK, "7")?));
    }
    if let Some((day, nth)) = upper.split_once('#') {
        if !is_single(day) || nth.contains('#') {
            return Err(field_error(
                DAY_OF_WEEK,
                format!("'{text}' is not valid: '#' takes one day and one number, as in '3#2'"),
            ));
        }
        let day = day_number(field::value(DAY_OF_WEEK, day)?);
        return match nth.parse::<u8>() {
            Ok(n @ 1..=5) if nth.len() == 1 => Ok(Days::Nth(day, n)),
            _ => Err(field_error(
                DAY_OF_WEEK,
                format!("the occurrence in '{text}' must be 1-5"),
            )),
        };
    }
    if let Some(day) = upper.strip_suffix('L')
        && is_single(day)
    {
        return Ok(Days::LastOf(day_number(field::value(DAY_OF_WEEK, day)?)));
    }
    if upper.contains('L') {
        return Err(field_error(
            DAY_OF_WEEK,
            format!(
                "'{text}' is not valid: 'L' must stand alone or follow one day, as in '5L', not in a list or range"
            ),
        ));
    }
    field::parse(DAY_OF_WEEK, text).map(Days::Weekdays)
}

/// Day values are at most 31, so narrowing is lossless; saturating keeps it panic-free regardless.
fn day_number(value: u16) -> u8 {
    u8::try_from(value).unwrap_or(u8::MAX)
}

impl Days {
    /// The days of `month` in `year` that match, as a bit mask (bit `d` set = day `d` matches).
    pub(crate) fn mask(&self, year: i32, month: u8) -> u32 {
        let last = days_in_month(year, month);
        let bit = |day: u8| 1_u32 << day;
        match *self {
            Days::Dates(set) => (1..=last)
                .filter(|d| set.contains(u16::from(*d)))
                .map(bit)
                .sum(),
            Days::LastDay => bit(last),
            Days::LastWeekday => match weekday(year, month, last) {
                SATURDAY => bit(last - 1),
                SUNDAY => bit(last - 2),
                _ => bit(last),
            },
            // A day the month does not have (31W in April) selects nothing, like a plain 31 would.
            Days::NearestWeekday(day) if day > last => 0,
            // Quartz's rule: Saturday moves back to Friday and Sunday forward to Monday, except that the
            // result never leaves the month (1W on a Saturday is Monday the 3rd).
            Days::NearestWeekday(day) => match weekday(year, month, day) {
                SATURDAY if day == 1 => bit(3),
                SATURDAY => bit(day - 1),
                SUNDAY if day == last => bit(day - 2),
                SUNDAY => bit(day + 1),
                _ => bit(day),
            },
            Days::Weekdays(set) => (1..=last)
                .filter(|d| set.contains(u16::from(weekday(year, month, *d))))
                .map(bit)
                .sum(),
            Days::LastOf(day) => bit(last - (weekday(year, month, last) + 7 - day) % 7),
            Days::Nth(day, n) => {
                let first = 1 + (day + 7 - weekday(year, month, 1)) % 7;
                let date = first + 7 * (n - 1);
                if date <= last { bit(date) } else { 0 }
            }
        }
    }
}
