//! Rate schedules (elapsed time from the anchor) and one-time `at` schedules (wall time in a zone).

use crate::check::{check, check_anchored, ms};
use stepd_schedule::Schedule;

#[test]
fn rate_counts_from_the_anchor() {
    let anchor = "2024-01-01T00:00:07Z";
    // Before the anchor, the first fire is the anchor itself (AWS starts a schedule immediately).
    check_anchored(
        "rate(5 minutes)",
        None,
        anchor,
        "2024-01-01T00:00:00Z",
        &[
            "2024-01-01T00:00:07+00:00",
            "2024-01-01T00:05:07+00:00",
            "2024-01-01T00:10:07+00:00",
        ],
    );
    // Exactly at the anchor, and between fires: the grid stays anchored, not restarted at `after`.
    check_anchored(
        "rate(5 minutes)",
        None,
        anchor,
        anchor,
        &["2024-01-01T00:05:07+00:00"],
    );
    check_anchored(
        "rate(5 minutes)",
        None,
        anchor,
        "2024-01-01T00:12:00Z",
        &["2024-01-01T00:15:07+00:00", "2024-01-01T00:20:07+00:00"],
    );
    check_anchored(
        "rate(5 minutes)",
        None,
        anchor,
        "2024-01-01T00:15:07Z",
        &["2024-01-01T00:20:07+00:00"],
    );
}

#[test]
fn every_unit() {
    let start = "2024-01-01T00:00:00Z";
    check(
        "rate(1 minute)",
        None,
        start,
        &["2024-01-01T00:01:00+00:00"],
    );
    check(
        "rate(1 hour)",
        None,
        start,
        &["2024-01-01T01:00:00+00:00", "2024-01-01T02:00:00+00:00"],
    );
    check("rate(2 hours)", None, start, &["2024-01-01T02:00:00+00:00"]);
    check("rate(1 day)", None, start, &["2024-01-02T00:00:00+00:00"]);
    check("rate(7 days)", None, start, &["2024-01-08T00:00:00+00:00"]);
    // The stepd extension the job scheduler relies on.
    check(
        "rate(5 seconds)",
        None,
        start,
        &["2024-01-01T00:00:05+00:00", "2024-01-01T00:00:10+00:00"],
    );
    check(
        "rate(1 second)",
        None,
        start,
        &["2024-01-01T00:00:01+00:00"],
    );
}

#[test]
fn rate_days_are_24_hours_across_dst() {
    // EventBridge: "days" is a 24-hour duration, so the wall time moves by the DST shift.
    check(
        "rate(1 day)",
        Some("Europe/Berlin"),
        "2024-03-30T12:00:00+01:00",
        &["2024-03-31T13:00:00+02:00", "2024-04-01T13:00:00+02:00"],
    );
}

#[test]
fn rate_near_the_ends_of_time_does_not_overflow() {
    let schedule = Schedule::parse("rate(100000 days)", None).expect("valid");
    assert_eq!(schedule.next_after(i64::MAX - 1, i64::MIN), None);
    assert_eq!(schedule.next_after(i64::MIN, i64::MAX), Some(i64::MAX));
}

#[test]
fn at_fires_once_in_its_zone() {
    let start = "2024-01-01T00:00:00Z";
    check(
        "at(2024-05-01T09:30:00)",
        Some("Europe/Berlin"),
        start,
        &["2024-05-01T09:30:00+02:00", "-"],
    );
    check(
        "at(2024-05-01T09:30:15)",
        Some("Asia/Tokyo"),
        start,
        &["2024-05-01T09:30:15+09:00", "-"],
    );
    check(
        "at(2024-05-01T09:30:00)",
        None,
        start,
        &["2024-05-01T09:30:00+00:00", "-"],
    );
    // In the past, or exactly now: nothing.
    check(
        "at(2024-05-01T09:30:00)",
        None,
        "2024-05-01T09:30:00Z",
        &["-"],
    );
    let schedule = Schedule::parse("at(2024-05-01T09:30:00)", None).expect("valid");
    assert_eq!(
        schedule.next_after(ms("2024-05-01T09:29:59.999Z"), 0),
        Some(ms("2024-05-01T09:30:00Z"))
    );
}

#[test]
fn at_on_dst_transitions() {
    let start = "2024-01-01T00:00:00Z";
    // A wall time the spring-forward skips is read with the offset before the gap: 02:30 CET = 03:30 CEST.
    check(
        "at(2024-03-31T02:30:00)",
        Some("Europe/Berlin"),
        start,
        &["2024-03-31T03:30:00+02:00", "-"],
    );
    // A repeated wall time means its first occurrence.
    check(
        "at(2024-10-27T02:30:00)",
        Some("Europe/Berlin"),
        start,
        &["2024-10-27T02:30:00+02:00", "-"],
    );
    check(
        "at(2024-11-03T01:30:00)",
        Some("America/New_York"),
        start,
        &["2024-11-03T01:30:00-04:00", "-"],
    );
}

#[test]
fn accessors_return_what_was_given() {
    let schedule = Schedule::parse("cron(0/5 * * * ? *)", None).expect("valid");
    assert_eq!(
        (schedule.expression(), schedule.timezone()),
        ("cron(0/5 * * * ? *)", "UTC")
    );
    let schedule = Schedule::parse("rate(5 seconds)", Some("Europe/Berlin")).expect("valid");
    assert_eq!(
        (schedule.expression(), schedule.timezone()),
        ("rate(5 seconds)", "Europe/Berlin")
    );
}
