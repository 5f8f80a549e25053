//! An independent model of cron for the property tests: random expressions, and a matcher written
//! against jiff's calendar rather than the crate's, so the properties compare two implementations.
//!
//! The day rules are stated the way the documentation states them, not the way the crate computes them:
//! `15W` is "the Monday-to-Friday of the same month closest to the 15th", `5L` "a Friday with no Friday
//! after it in the month", `3#2` "a Tuesday preceded by exactly one Tuesday in the month".

use jiff::civil::{Date, DateTime, Weekday};
use proptest::prelude::*;

#[derive(Clone, Debug)]
pub enum Values {
    Any,
    One(u16),
    /// Inclusive; wraps past the field's end when the start is larger (not generated for years).
    Range(u16, u16),
    /// `start/step`: from start to the field's end.
    Step(u16, u16),
    List(Vec<u16>),
}

impl Values {
    fn text(&self) -> String {
        match self {
            Values::Any => "*".to_owned(),
            Values::One(v) => v.to_string(),
            Values::Range(a, b) => format!("{a}-{b}"),
            Values::Step(a, n) => format!("{a}/{n}"),
            Values::List(vs) => vs.iter().map(u16::to_string).collect::<Vec<_>>().join(","),
        }
    }

    fn contains(&self, v: u16) -> bool {
        match self {
            Values::Any => true,
            Values::One(a) => v == *a,
            Values::Range(a, b) if a <= b => (*a..=*b).contains(&v),
            Values::Range(a, b) => v >= *a || v <= *b,
            Values::Step(a, n) => v >= *a && (v - a).is_multiple_of(*n),
            Values::List(vs) => vs.contains(&v),
        }
    }
}

#[derive(Clone, Debug)]
pub enum Days {
    Dom(Values),
    Last,
    LastWeekday,
    Nearest(u16),
    Dow(Values),
    LastOf(u16),
    Nth(u16, u16),
}

#[derive(Clone, Debug)]
pub struct Spec {
    minutes: Values,
    hours: Values,
    days: Days,
    months: Values,
    years: Option<(u16, u16)>,
}

impl Spec {
    pub fn expression(&self) -> String {
        let (dom, dow) = match &self.days {
            Days::Dom(v) => (v.text(), "?".to_owned()),
            Days::Last => ("L".to_owned(), "?".to_owned()),
            Days::LastWeekday => ("LW".to_owned(), "?".to_owned()),
            Days::Nearest(d) => (format!("{d}W"), "?".to_owned()),
            Days::Dow(v) => ("?".to_owned(), v.text()),
            Days::LastOf(w) => ("?".to_owned(), format!("{w}L")),
            Days::Nth(w, k) => ("?".to_owned(), format!("{w}#{k}")),
        };
        let years = self
            .years
            .map_or("*".to_owned(), |(a, b)| format!("{a}-{b}"));
        format!(
            "cron({} {} {dom} {} {dow} {years})",
            self.minutes.text(),
            self.hours.text(),
            self.months.text()
        )
    }

    pub fn matches(&self, dt: DateTime) -> bool {
        let year = dt.year() as u16;
        dt.second() == 0
            && dt.subsec_nanosecond() == 0
            && self.years.is_none_or(|(a, b)| (a..=b).contains(&year))
            && self.months.contains(dt.month() as u16)
            && self.hours.contains(dt.hour() as u16)
            && self.minutes.contains(dt.minute() as u16)
            && self.day_matches(dt.date())
    }

    fn day_matches(&self, date: Date) -> bool {
        let day = date.day() as u16;
        let last = date.days_in_month() as u16;
        let aws_weekday = |d: Date| d.weekday().to_sunday_one_offset() as u16;
        let is_workday = |d: Date| !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday);
        let month_days =
            || (1..=last).map(|d| date.with().day(d as i8).build().expect("day in month"));
        match &self.days {
            Days::Dom(v) => v.contains(day),
            Days::Last => day == last,
            Days::LastWeekday => month_days().rfind(|d| is_workday(*d)) == Some(date),
            Days::Nearest(n) => {
                *n <= last
                    && month_days()
                        .filter(|d| is_workday(*d))
                        .min_by_key(|d| (d.day() as i32 - *n as i32).abs())
                        == Some(date)
            }
            Days::Dow(v) => v.contains(aws_weekday(date)),
            Days::LastOf(w) => aws_weekday(date) == *w && day + 7 > last,
            Days::Nth(w, k) => aws_weekday(date) == *w && (day - 1) / 7 + 1 == *k,
        }
    }
}

fn values(min: u16, max: u16) -> impl Strategy<Value = Values> {
    prop_oneof![
        Just(Values::Any),
        (min..=max).prop_map(Values::One),
        (min..=max, min..=max).prop_map(|(a, b)| Values::Range(a, b)),
        (min..=max, 1..=(max - min + 1)).prop_map(|(a, n)| Values::Step(a, n)),
        prop::collection::vec(min..=max, 1..4).prop_map(Values::List),
    ]
}

pub fn spec() -> impl Strategy<Value = Spec> {
    let days = prop_oneof![
        values(1, 31).prop_map(Days::Dom),
        Just(Days::Last),
        Just(Days::LastWeekday),
        (1_u16..=31).prop_map(Days::Nearest),
        values(1, 7).prop_map(Days::Dow),
        (1_u16..=7).prop_map(Days::LastOf),
        (1_u16..=7, 1_u16..=5).prop_map(|(w, k)| Days::Nth(w, k)),
    ];
    let years = prop::option::weighted(
        0.2,
        (2024_u16..=2030, 0_u16..=4).prop_map(|(a, n)| (a, a + n)),
    );
    (values(0, 59), values(0, 23), days, values(1, 12), years).prop_map(
        |(minutes, hours, days, months, years)| Spec {
            minutes,
            hours,
            days,
            months,
            years,
        },
    )
}

/// Specs that fire at least hourly on every day, so that a walk from just before a DST transition is
/// sure to meet the gap or the fold.
pub fn dense_spec() -> impl Strategy<Value = Spec> {
    values(0, 59).prop_map(|minutes| Spec {
        minutes,
        hours: Values::Any,
        days: Days::Dom(Values::Any),
        months: Values::Any,
        years: None,
    })
}
