//! `at(yyyy-mm-ddThh:mm:ss)`: one wall-clock time in the schedule's time zone, with no offset in the text.

use crate::Error;
use crate::civil::{days_from_civil, days_in_month};

/// Parses the text between `at(` and `)` into wall-clock seconds (1970-01-01T00:00 read as UTC), which
/// `zone.rs` turns into an instant.
pub(crate) fn parse(body: &str) -> Result<i64, Error> {
    let shape = || {
        Error::At(format!(
            "expected yyyy-mm-ddThh:mm:ss (no offset or fraction), got '{body}'"
        ))
    };
    let bytes = body.as_bytes();
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if !body.is_ascii() || bytes.len() != 19 || separators.iter().any(|&(i, c)| bytes[i] != c) {
        return Err(shape());
    }
    let number = |from: usize, to: usize| -> Result<u16, Error> {
        let digits = &body[from..to];
        if digits.bytes().all(|b| b.is_ascii_digit()) {
            digits.parse().map_err(|_| shape())
        } else {
            Err(shape())
        }
    };
    let (year, month, day) = (number(0, 4)?, number(5, 7)?, number(8, 10)?);
    let (hour, minute, second) = (number(11, 13)?, number(14, 16)?, number(17, 19)?);
    let year = i32::from(year);
    if !(1..=12).contains(&month) {
        return Err(Error::At(format!(
            "month {month} is out of range 01-12 in '{body}'"
        )));
    }
    let month = month as u8;
    if day == 0 || day > u16::from(days_in_month(year, month)) {
        return Err(Error::At(format!("{} is not a date", &body[..10])));
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err(Error::At(format!(
            "{} is not a time of day (00:00:00-23:59:59)",
            &body[11..]
        )));
    }
    let days = days_from_civil(year, month, day as u8);
    Ok(days * 86_400 + i64::from(hour) * 3_600 + i64::from(minute) * 60 + i64::from(second))
}
