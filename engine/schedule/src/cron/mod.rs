//! `cron(minutes hours day-of-month month day-of-week year)`: parsing and the wall-clock search.
//!
//! The search works on wall-clock minutes only ([`Minute`]); turning a wall minute into an instant (and
//! skipping the ones a DST gap removes) is `schedule.rs`'s job, so this file never sees a time zone.

mod days;
mod field;

use self::days::Days;
use self::field::{HOURS, MINUTES, MONTH, Set, YEAR};
use crate::Error;
use crate::civil::{Minute, days_in_month};

/// A parsed cron expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Cron {
    minutes: Set,
    hours: Set,
    days: Days,
    months: Set,
    years: Set,
}

/// The first and last wall minute the year field can select.
const FIRST_YEAR: i32 = 1970;
const LAST_YEAR: i32 = 2199;

/// Parses the text between `cron(` and `)`.
pub(crate) fn parse(body: &str) -> Result<Cron, Error> {
    let fields: Vec<&str> = body.split_whitespace().collect();
    let [minutes, hours, day_of_month, month, day_of_week, year] = fields.as_slice() else {
        return Err(Error::Cron(format!(
            "expected 6 fields (minutes hours day-of-month month day-of-week year), got {}",
            fields.len()
        )));
    };
    Ok(Cron {
        minutes: field::parse(MINUTES, minutes)?,
        hours: field::parse(HOURS, hours)?,
        months: field::parse(MONTH, month)?,
        days: days::parse(day_of_month, day_of_week)?,
        years: field::parse(YEAR, year)?,
    })
}

impl Cron {
    /// The first wall minute at or after `start` that the expression selects, or None when the year field
    /// has no such minute left.
    pub(crate) fn first_at_or_after(&self, start: Minute) -> Option<Minute> {
        if start.year > LAST_YEAR {
            return None;
        }
        let start = if start.year < FIRST_YEAR {
            Minute {
                year: FIRST_YEAR,
                month: 1,
                day: 1,
                hour: 0,
                minute: 0,
            }
        } else {
            start
        };
        // Each level starts at `start`'s component only while every level above it is still at `start`;
        // otherwise it starts from the field's minimum. That keeps the search proportional to the number of
        // years, months and days that fail to match, never to the number of minutes in between.
        let mut year_from = u16::try_from(start.year).ok()?;
        while let Some(year) = self.years.first_from(year_from) {
            let year_i32 = i32::from(year);
            let same_year = year_i32 == start.year;
            let mut month_from = if same_year { u16::from(start.month) } else { 1 };
            while let Some(month) = self.months.first_from(month_from).filter(|m| *m <= 12) {
                let month = month as u8;
                let same_month = same_year && month == start.month;
                if let Some(found) = self.in_month(year_i32, month, same_month.then_some(start)) {
                    return Some(found);
                }
                month_from = u16::from(month) + 1;
            }
            year_from = year + 1;
        }
        None
    }

    /// The first match in one month, starting at `start` when the search begins inside this month.
    fn in_month(&self, year: i32, month: u8, start: Option<Minute>) -> Option<Minute> {
        let mask = self.days.mask(year, month);
        let first_day = start.map_or(1, |s| s.day);
        for day in first_day..=days_in_month(year, month) {
            if mask & (1 << day) == 0 {
                continue;
            }
            let start = start.filter(|s| s.day == day);
            let mut hour_from = start.map_or(0, |s| u16::from(s.hour));
            while let Some(hour) = self.hours.first_from(hour_from).filter(|h| *h <= 23) {
                let minute_from = start
                    .filter(|s| u16::from(s.hour) == hour)
                    .map_or(0, |s| u16::from(s.minute));
                if let Some(minute) = self.minutes.first_from(minute_from).filter(|m| *m <= 59) {
                    return Some(Minute {
                        year,
                        month,
                        day,
                        hour: hour as u8,
                        minute: minute as u8,
                    });
                }
                hour_from = hour + 1;
            }
        }
        None
    }

    /// Whether the expression selects `minute` (a direct check, used to test the search).
    #[cfg(test)]
    pub(crate) fn matches(&self, m: Minute) -> bool {
        u16::try_from(m.year).is_ok_and(|y| self.years.contains(y))
            && self.months.contains(u16::from(m.month))
            && self.days.mask(m.year, m.month) & (1 << m.day) != 0
            && self.hours.contains(u16::from(m.hour))
            && self.minutes.contains(u16::from(m.minute))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(year: i32, month: u8, day: u8, hour: u8, minute: u8) -> Minute {
        Minute {
            year,
            month,
            day,
            hour,
            minute,
        }
    }

    #[test]
    fn search_agrees_with_a_minute_by_minute_scan() {
        let expressions = [
            "0/7 */5 * * ? *",
            "59 23 L * ? *",
            "30 9 ? * 6L *",
            "0 12 15W * ? *",
            "0 0 LW 2 ? *",
            "0 6 ? * 3#5 *",
            "15 1-3 ? * SUN,SAT *",
            "0 0 29 2 ? 2024-2030",
        ];
        for expression in expressions {
            let cron = parse(expression).expect("valid");
            let mut minute = at(2024, 1, 25, 22, 0);
            let mut expected = minute;
            for _ in 0..20 {
                let Some(found) = cron.first_at_or_after(minute) else {
                    break;
                };
                while !cron.matches(expected) {
                    expected = expected.succ();
                    assert!(expected <= found, "{expression}: scan passed {found:?}");
                }
                assert_eq!(found, expected, "{expression}");
                minute = found.succ();
                expected = minute;
            }
        }
    }

    #[test]
    fn years_run_out() {
        let cron = parse("0 0 1 1 ? 2025").expect("valid");
        assert_eq!(
            cron.first_at_or_after(at(2024, 6, 1, 0, 0)),
            Some(at(2025, 1, 1, 0, 0))
        );
        assert_eq!(cron.first_at_or_after(at(2025, 1, 1, 0, 1)), None);
        let never = parse("0 0 30 2 ? *").expect("valid: February 30th simply never comes");
        assert_eq!(never.first_at_or_after(at(1970, 1, 1, 0, 0)), None);
    }
}
