//! `rate(value unit)`: a fixed period counted from the schedule's anchor (its creation or start time).
//!
//! EventBridge Scheduler measures rates in elapsed time, not wall time: "days" are 24-hour durations, so
//! a `rate(1 day)` schedule drifts by an hour against the wall clock across a DST change, exactly as on
//! AWS. The time zone therefore plays no part here.

use crate::Error;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rate {
    period_ms: i64,
}

/// Units as (singular, plural, milliseconds). `second(s)` is a stepd extension, not EventBridge's: the
/// job scheduler ticks with `rate(5 seconds)`, and minute precision would make a queue wait up to a minute.
const UNITS: [(&str, &str, i64); 4] = [
    ("second", "seconds", 1_000),
    ("minute", "minutes", 60_000),
    ("hour", "hours", 3_600_000),
    ("day", "days", 86_400_000),
];

/// Parses the text between `rate(` and `)`.
pub(crate) fn parse(body: &str) -> Result<Rate, Error> {
    let problem = |text: String| Err(Error::Rate(text));
    let mut words = body.split(' ');
    let (Some(value), Some(unit), None) = (words.next(), words.next(), words.next()) else {
        return problem(format!(
            "expected 'value unit' separated by one space, as in rate(5 minutes), got '{body}'"
        ));
    };
    let Some(value) = value
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| value.parse::<u64>().ok())
        .flatten()
    else {
        return problem(format!(
            "the value '{value}' is not a positive whole number"
        ));
    };
    if value == 0 {
        return problem("the value must be a positive whole number, not 0".to_owned());
    }
    let Some(&(singular, plural, unit_ms)) =
        UNITS.iter().find(|(s, p, _)| unit == *s || unit == *p)
    else {
        return problem(format!(
            "unknown unit '{unit}' (expected minute(s), hour(s) or day(s); stepd also accepts second(s))"
        ));
    };
    // AWS's own rule: the unit is singular exactly when the value is 1.
    if unit == singular && value != 1 {
        return problem(format!(
            "'{singular}' needs the value 1; write rate({value} {plural})"
        ));
    }
    if unit == plural && value == 1 {
        return problem(format!(
            "'{plural}' needs a value greater than 1; write rate(1 {singular})"
        ));
    }
    match i64::try_from(value)
        .ok()
        .and_then(|v| v.checked_mul(unit_ms))
    {
        Some(period_ms) => Ok(Rate { period_ms }),
        None => problem(format!("the period {value} {unit} is too long")),
    }
}

impl Rate {
    /// Fires are at `anchor + k * period` for k = 0, 1, 2, … — the anchor itself included, since AWS starts
    /// a schedule without a start date immediately.
    pub(crate) fn next_after(self, after_ms: i64, anchor_ms: i64) -> Option<i64> {
        if after_ms < anchor_ms {
            return Some(anchor_ms);
        }
        // i128 because `after - anchor` and `anchor + k * period` can exceed i64 for hostile inputs.
        let period = i128::from(self.period_ms);
        let periods = (i128::from(after_ms) - i128::from(anchor_ms)) / period + 1;
        i64::try_from(i128::from(anchor_ms) + periods * period).ok()
    }
}
