//! Proleptic Gregorian calendar arithmetic on wall-clock minutes, with no time zone attached.
//!
//! Cron matching happens entirely in local wall time, so it needs dates, weekdays and month lengths but
//! never offsets; keeping that here (instead of going through jiff for every candidate) keeps the search
//! loop allocation-free and lets `zone.rs` be the only place that knows about UTC offsets.

/// A wall-clock minute: what a cron expression matches against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Minute {
    pub(crate) year: i32,
    pub(crate) month: u8,
    pub(crate) day: u8,
    pub(crate) hour: u8,
    pub(crate) minute: u8,
}

/// Weekday in the AWS numbering that cron's day-of-week field uses: 1 = Sunday … 7 = Saturday.
pub(crate) fn weekday(year: i32, month: u8, day: u8) -> u8 {
    // 1970-01-01 was a Thursday (AWS 5); rem_euclid keeps dates before the epoch correct.
    let days = days_from_civil(year, month, day);
    ((days + 4).rem_euclid(7) + 1) as u8
}

pub(crate) fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub(crate) fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`, valid for every i32 year we can meet).
pub(crate) fn days_from_civil(year: i32, month: u8, day: u8) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`]: (year, month, day) for a day count since 1970-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

impl Minute {
    /// Seconds since 1970-01-01T00:00 *as if this wall time were UTC*; `zone.rs` subtracts the offset.
    pub(crate) fn local_seconds(self) -> i64 {
        let days = days_from_civil(self.year, self.month, self.day);
        days * 86_400 + i64::from(self.hour) * 3_600 + i64::from(self.minute) * 60
    }

    /// The wall minute containing `local_seconds` (floor), or None if its year does not fit an i32.
    pub(crate) fn from_local_seconds(local_seconds: i64) -> Option<Minute> {
        let days = local_seconds.div_euclid(86_400);
        let secs = local_seconds.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        Some(Minute {
            year: i32::try_from(year).ok()?,
            month,
            day,
            hour: (secs / 3_600) as u8,
            minute: (secs % 3_600 / 60) as u8,
        })
    }

    /// The following wall minute, rolling over hours, days, months and years.
    pub(crate) fn succ(self) -> Minute {
        let mut next = self;
        if next.minute < 59 {
            next.minute += 1;
            return next;
        }
        next.minute = 0;
        if next.hour < 23 {
            next.hour += 1;
            return next;
        }
        next.hour = 0;
        if next.day < days_in_month(next.year, next.month) {
            next.day += 1;
            return next;
        }
        next.day = 1;
        if next.month < 12 {
            next.month += 1;
            return next;
        }
        next.month = 1;
        next.year = next.year.saturating_add(1);
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekdays_follow_the_aws_numbering() {
        // 2024-01-01 was a Monday (AWS 2); 1970-01-01 a Thursday (5); 2000-02-29 a Tuesday (3).
        assert_eq!(weekday(2024, 1, 1), 2);
        assert_eq!(weekday(1970, 1, 1), 5);
        assert_eq!(weekday(2000, 2, 29), 3);
        assert_eq!(weekday(1969, 12, 31), 4);
    }

    #[test]
    fn day_counts_round_trip() {
        for days in [-800_000_i64, -1, 0, 1, 19_723, 60_000, 84_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y as i32, m, d), days);
        }
        assert_eq!(days_from_civil(2024, 1, 1), 19_723);
    }

    #[test]
    fn succ_rolls_over_a_leap_february_and_a_year() {
        let m = Minute {
            year: 2024,
            month: 2,
            day: 28,
            hour: 23,
            minute: 59,
        };
        assert_eq!(
            m.succ(),
            Minute {
                year: 2024,
                month: 2,
                day: 29,
                hour: 0,
                minute: 0
            }
        );
        let m = Minute {
            year: 2024,
            month: 12,
            day: 31,
            hour: 23,
            minute: 59,
        };
        assert_eq!(
            m.succ(),
            Minute {
                year: 2025,
                month: 1,
                day: 1,
                hour: 0,
                minute: 0
            }
        );
    }
}
