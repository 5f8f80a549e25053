//! One cron field's plain values: `,` lists, `-` ranges, `*` and `/` steps, month and day names.
//!
//! The special characters (`?`, `L`, `W`, `#`) only mean something in the two day fields and are handled
//! in `days.rs` before a field gets here; what reaches this parser is the grammar common to all six fields.

use crate::Error;

/// What one field accepts. Values are `u16` because the year field goes up to 2199.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Field {
    pub(crate) name: &'static str,
    pub(crate) min: u16,
    pub(crate) max: u16,
    /// Names standing for `min`, `min + 1`, … (JAN = 1, SUN = 1), matched case-insensitively like Quartz.
    names: &'static [&'static str],
    /// What a value must look like, for error messages.
    expected: &'static str,
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

pub(crate) const MINUTES: Field = Field {
    name: "minutes",
    min: 0,
    max: 59,
    names: &[],
    expected: "0-59",
};
pub(crate) const HOURS: Field = Field {
    name: "hours",
    min: 0,
    max: 23,
    names: &[],
    expected: "0-23",
};
pub(crate) const DAY_OF_MONTH: Field = Field {
    name: "day-of-month",
    min: 1,
    max: 31,
    names: &[],
    expected: "1-31",
};
pub(crate) const MONTH: Field = Field {
    name: "month",
    min: 1,
    max: 12,
    names: &MONTHS,
    expected: "1-12 or JAN-DEC",
};
pub(crate) const DAY_OF_WEEK: Field = Field {
    name: "day-of-week",
    min: 1,
    max: 7,
    names: &DAYS,
    expected: "1-7 or SUN-SAT (1 = Sunday)",
};
pub(crate) const YEAR: Field = Field {
    name: "year",
    min: 1970,
    max: 2199,
    names: &[],
    expected: "1970-2199",
};

/// A set of field values, stored as bits offset by the field's minimum (the year field needs 230 bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Set {
    min: u16,
    bits: [u64; 4],
}

impl Set {
    fn empty(field: Field) -> Set {
        Set {
            min: field.min,
            bits: [0; 4],
        }
    }

    fn insert(&mut self, value: u16) {
        let i = usize::from(value - self.min);
        self.bits[i / 64] |= 1 << (i % 64);
    }

    pub(crate) fn contains(&self, value: u16) -> bool {
        let Some(i) = value.checked_sub(self.min).map(usize::from) else {
            return false;
        };
        i < 256 && self.bits[i / 64] & (1 << (i % 64)) != 0
    }

    /// The smallest member that is at least `from`, if any.
    pub(crate) fn first_from(&self, from: u16) -> Option<u16> {
        let mut i = usize::from(from.saturating_sub(self.min));
        while i < 256 {
            let word = self.bits[i / 64] >> (i % 64);
            if word != 0 {
                return u16::try_from(i + word.trailing_zeros() as usize)
                    .ok()
                    .map(|v| v + self.min);
            }
            i = (i / 64 + 1) * 64;
        }
        None
    }
}

pub(crate) fn field_error(field: Field, problem: impl Into<String>) -> Error {
    Error::CronField {
        field: field.name,
        problem: problem.into(),
    }
}

/// Parses a whole field (`0/5`, `MON-FRI`, `1,15,20-25`, `*`) into the set of values it selects.
pub(crate) fn parse(field: Field, text: &str) -> Result<Set, Error> {
    let mut set = Set::empty(field);
    for item in text.split(',') {
        if item.is_empty() {
            return Err(field_error(
                field,
                format!("empty value in the list '{text}'"),
            ));
        }
        parse_item(field, item, &mut set)?;
    }
    Ok(set)
}

fn parse_item(field: Field, item: &str, set: &mut Set) -> Result<(), Error> {
    let (range, step) = match item.split_once('/') {
        Some((range, step)) => (range, Some(parse_step(field, step)?)),
        None => (item, None),
    };
    let (start, end) = if range == "*" {
        (field.min, field.max)
    } else if let Some((a, b)) = range.split_once('-') {
        (value(field, a)?, value(field, b)?)
    } else {
        // Quartz (and so EventBridge) reads `5/15` as "from 5 to the end of the field, every 15".
        let start = value(field, range)?;
        (start, if step.is_some() { field.max } else { start })
    };
    let span = field.max - field.min + 1;
    let length = if start <= end {
        end - start
    } else if field.name == YEAR.name {
        return Err(field_error(
            field,
            format!("the range {range} runs backwards (years do not wrap around)"),
        ));
    } else {
        // A reversed range wraps past the field's end, as in Quartz: hours `22-2` are 22, 23, 0, 1, 2.
        end + span - start
    };
    for k in (0..=length).step_by(usize::from(step.unwrap_or(1))) {
        set.insert(field.min + (start - field.min + k) % span);
    }
    Ok(())
}

fn parse_step(field: Field, text: &str) -> Result<u16, Error> {
    let span = field.max - field.min + 1;
    match number(text) {
        Some(0) => Err(field_error(
            field,
            format!("the step in '/{text}' must be at least 1"),
        )),
        Some(step) if step <= span => Ok(step),
        Some(step) => Err(field_error(
            field,
            format!(
                "the step {step} is larger than the field's range {}-{}",
                field.min, field.max
            ),
        )),
        None => Err(field_error(
            field,
            format!("the step '{text}' is not a positive whole number"),
        )),
    }
}

/// One value: a number in range or, for month and day-of-week, a three-letter name.
pub(crate) fn value(field: Field, text: &str) -> Result<u16, Error> {
    if let Some(n) = number(text) {
        return if (field.min..=field.max).contains(&n) {
            Ok(n)
        } else {
            Err(field_error(
                field,
                format!("{n} is out of range (expected {})", field.expected),
            ))
        };
    }
    if let Some(i) = field
        .names
        .iter()
        .position(|name| name.eq_ignore_ascii_case(text))
    {
        return Ok(field.min + i as u16);
    }
    let problem = match text {
        "" => format!("a value is missing (expected {})", field.expected),
        "?" => "'?' is only allowed alone, in day-of-month or day-of-week".to_owned(),
        _ if text.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{text} is out of range (expected {})", field.expected)
        }
        _ => format!(
            "'{text}' is not a valid value (expected {})",
            field.expected
        ),
    };
    Err(field_error(field, problem))
}

/// A plain decimal number of at most four digits (no sign, no spaces), as every cron value is.
fn number(text: &str) -> Option<u16> {
    if text.is_empty() || text.len() > 4 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(field: Field, text: &str) -> Vec<u16> {
        let set = parse(field, text).expect("valid field");
        (field.min..=field.max)
            .filter(|v| set.contains(*v))
            .collect()
    }

    #[test]
    fn steps_ranges_lists_and_names() {
        assert_eq!(values(MINUTES, "0/15"), [0, 15, 30, 45]);
        assert_eq!(values(MINUTES, "1/10"), [1, 11, 21, 31, 41, 51]);
        assert_eq!(values(MINUTES, "*/20"), [0, 20, 40]);
        assert_eq!(values(HOURS, "8-17/3"), [8, 11, 14, 17]);
        assert_eq!(values(HOURS, "22-2"), [0, 1, 2, 22, 23]);
        assert_eq!(values(DAY_OF_WEEK, "mon-FRI"), [2, 3, 4, 5, 6]);
        assert_eq!(values(DAY_OF_WEEK, "FRI-MON"), [1, 2, 6, 7]);
        assert_eq!(values(MONTH, "JAN,3,dec"), [1, 3, 12]);
        assert_eq!(values(YEAR, "2190/4"), [2190, 2194, 2198]);
    }

    #[test]
    fn first_from_finds_the_next_member() {
        let set = parse(YEAR, "1970,2100,2199").expect("valid");
        assert_eq!(set.first_from(1970), Some(1970));
        assert_eq!(set.first_from(1971), Some(2100));
        assert_eq!(set.first_from(2101), Some(2199));
        assert_eq!(set.first_from(2200), None);
        assert_eq!(set.first_from(0), Some(1970));
    }
}
