//! Catch-up after downtime: the latest missed fire runs once, then the schedule continues.

use crate::check::ms;
use stepd_schedule::{Schedule, catch_up};

/// Checks `catch_up` with all times as RFC 3339 strings; `None` for "no such fire".
fn check(
    expression: &str,
    last_fired: Option<&str>,
    created: &str,
    now: &str,
    due: Option<&str>,
    next: Option<&str>,
) {
    let schedule = Schedule::parse(expression, None).expect("valid");
    let got = catch_up(&schedule, last_fired.map(ms), ms(created), ms(now));
    assert_eq!(
        got,
        (due.map(ms), next.map(ms)),
        "{expression} last={last_fired:?} created={created} now={now}"
    );
}

#[test]
fn rate() {
    let created = "2024-01-01T00:00:00Z";
    // Never fired, down for 3.5 hours: the 03:00 fire runs once (not 00:00, 01:00, 02:00 and 03:00).
    check(
        "rate(1 hour)",
        None,
        created,
        "2024-01-01T03:30:00Z",
        Some("2024-01-01T03:00:00Z"),
        Some("2024-01-01T04:00:00Z"),
    );
    // Up to date: nothing due.
    check(
        "rate(1 hour)",
        Some("2024-01-01T03:00:00Z"),
        created,
        "2024-01-01T03:30:00Z",
        None,
        Some("2024-01-01T04:00:00Z"),
    );
    // Just created: the first fire, at creation, is due now.
    check(
        "rate(1 hour)",
        None,
        created,
        created,
        Some(created),
        Some("2024-01-01T01:00:00Z"),
    );
    // A fire exactly at now is due now, and the next one is a period later.
    check(
        "rate(1 hour)",
        Some("2024-01-01T01:00:00Z"),
        created,
        "2024-01-01T02:00:00Z",
        Some("2024-01-01T02:00:00Z"),
        Some("2024-01-01T03:00:00Z"),
    );
    // A year of downtime at 5-second resolution still costs a bisection, not six million steps.
    check(
        "rate(5 seconds)",
        Some("2024-01-01T00:00:05Z"),
        created,
        "2025-01-01T00:00:02Z",
        Some("2025-01-01T00:00:00Z"),
        Some("2025-01-01T00:00:05Z"),
    );
}

#[test]
fn cron() {
    let created = "2023-12-01T00:00:00Z";
    check(
        "cron(0 10 * * ? *)",
        Some("2024-01-01T10:00:00Z"),
        created,
        "2024-01-05T12:00:00Z",
        Some("2024-01-05T10:00:00Z"),
        Some("2024-01-06T10:00:00Z"),
    );
    check(
        "cron(0 10 * * ? *)",
        Some("2024-01-05T10:00:00Z"),
        created,
        "2024-01-05T12:00:00Z",
        None,
        Some("2024-01-06T10:00:00Z"),
    );
    // Never fired and created after today's 10:00: nothing is due.
    check(
        "cron(0 10 * * ? *)",
        None,
        "2024-01-05T11:00:00Z",
        "2024-01-05T12:00:00Z",
        None,
        Some("2024-01-06T10:00:00Z"),
    );
    // Fires before creation never count, even with an older last fire recorded.
    check(
        "cron(0 10 * * ? *)",
        Some("2024-01-01T10:00:00Z"),
        "2024-01-05T11:00:00Z",
        "2024-01-05T12:00:00Z",
        None,
        Some("2024-01-06T10:00:00Z"),
    );
    // Years over: nothing due once the last fire ran, and no next.
    check(
        "cron(0 0 1 1 ? 2024)",
        Some("2024-01-01T00:00:00Z"),
        created,
        "2030-01-01T00:00:00Z",
        None,
        None,
    );
    check(
        "cron(0 0 1 1 ? 2024)",
        None,
        created,
        "2030-01-01T00:00:00Z",
        Some("2024-01-01T00:00:00Z"),
        None,
    );
}

#[test]
fn at() {
    let created = "2024-01-01T00:00:00Z";
    check(
        "at(2024-05-01T09:30:00)",
        None,
        created,
        "2024-04-01T00:00:00Z",
        None,
        Some("2024-05-01T09:30:00Z"),
    );
    check(
        "at(2024-05-01T09:30:00)",
        None,
        created,
        "2024-06-01T00:00:00Z",
        Some("2024-05-01T09:30:00Z"),
        None,
    );
    check(
        "at(2024-05-01T09:30:00)",
        Some("2024-05-01T09:30:00Z"),
        created,
        "2024-06-01T00:00:00Z",
        None,
        None,
    );
    // An `at` that was already past when the schedule was created never fires.
    check(
        "at(2023-05-01T09:30:00)",
        None,
        created,
        "2024-06-01T00:00:00Z",
        None,
        None,
    );
}
