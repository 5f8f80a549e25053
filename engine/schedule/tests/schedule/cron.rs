//! Cron tables: the EventBridge documentation's examples, then each special character, in UTC and zones.
//!
//! Weekdays were checked against `date -d`: 2024-01-01 and 2024-01-08 are Mondays, 2024-01-05 a Friday.

use crate::check::check;

#[test]
fn aws_documentation_examples() {
    let z = None;
    // 10:00 every day.
    check(
        "cron(0 10 * * ? *)",
        z,
        "2024-01-01T00:00:00Z",
        &["2024-01-01T10:00:00+00:00", "2024-01-02T10:00:00+00:00"],
    );
    // 12:15 every day; a start exactly on a fire does not return that fire.
    check(
        "cron(15 12 * * ? *)",
        z,
        "2024-01-01T12:15:00Z",
        &["2024-01-02T12:15:00+00:00", "2024-01-03T12:15:00+00:00"],
    );
    // 18:00 Monday to Friday: from Friday's fire to Monday.
    check(
        "cron(0 18 ? * MON-FRI *)",
        z,
        "2024-01-05T18:00:00Z",
        &["2024-01-08T18:00:00+00:00", "2024-01-09T18:00:00+00:00"],
    );
    // 08:00 on the first of every month.
    check(
        "cron(0 8 1 * ? *)",
        z,
        "2024-01-01T08:00:00Z",
        &["2024-02-01T08:00:00+00:00", "2024-03-01T08:00:00+00:00"],
    );
    // Every 15 minutes.
    check(
        "cron(0/15 * * * ? *)",
        z,
        "2024-01-01T00:07:00Z",
        &[
            "2024-01-01T00:15:00+00:00",
            "2024-01-01T00:30:00+00:00",
            "2024-01-01T00:45:00+00:00",
            "2024-01-01T01:00:00+00:00",
        ],
    );
    // Every 10 minutes, Monday to Friday: Friday night runs into Monday 00:00.
    check(
        "cron(0/10 * ? * MON-FRI *)",
        z,
        "2024-01-05T23:45:00Z",
        &[
            "2024-01-05T23:50:00+00:00",
            "2024-01-08T00:00:00+00:00",
            "2024-01-08T00:10:00+00:00",
        ],
    );
    // Every 5 minutes between 08:00 and 17:55, Monday to Friday.
    check(
        "cron(0/5 8-17 ? * MON-FRI *)",
        z,
        "2024-01-05T17:52:00Z",
        &[
            "2024-01-05T17:55:00+00:00",
            "2024-01-08T08:00:00+00:00",
            "2024-01-08T08:05:00+00:00",
        ],
    );
    // 09:00 on the first Monday of each month (2 = Monday): Jan 1, Feb 5, Mar 4 2024.
    check(
        "cron(0 9 ? * 2#1 *)",
        z,
        "2024-01-01T00:00:00Z",
        &[
            "2024-01-01T09:00:00+00:00",
            "2024-02-05T09:00:00+00:00",
            "2024-03-04T09:00:00+00:00",
        ],
    );
    // 10:15 on the last Friday of each month: Jan 26, Feb 23, Mar 29 2024.
    check(
        "cron(15 10 ? * 6L *)",
        z,
        "2024-01-01T00:00:00Z",
        &[
            "2024-01-26T10:15:00+00:00",
            "2024-02-23T10:15:00+00:00",
            "2024-03-29T10:15:00+00:00",
        ],
    );
    // Every 5 minutes, written the way the job scheduler's workflows write it.
    check(
        "cron(0/5 * * * ? *)",
        z,
        "2024-01-01T00:00:00Z",
        &["2024-01-01T00:05:00+00:00", "2024-01-01T00:10:00+00:00"],
    );
}

#[test]
fn day_of_month_specials() {
    let z = None;
    // L: the last day, including a leap February.
    check(
        "cron(0 0 L * ? *)",
        z,
        "2024-01-15T00:00:00Z",
        &[
            "2024-01-31T00:00:00+00:00",
            "2024-02-29T00:00:00+00:00",
            "2024-03-31T00:00:00+00:00",
            "2024-04-30T00:00:00+00:00",
        ],
    );
    // 15W: Jun 15 2024 is a Saturday (Friday the 14th), Jul 15 a Monday, Aug 15 a Thursday, Sep 15 a
    // Sunday (Monday the 16th).
    check(
        "cron(0 0 15W * ? *)",
        z,
        "2024-05-20T00:00:00Z",
        &[
            "2024-06-14T00:00:00+00:00",
            "2024-07-15T00:00:00+00:00",
            "2024-08-15T00:00:00+00:00",
            "2024-09-16T00:00:00+00:00",
        ],
    );
    // 1W never leaves the month: Jun 1 2024 is a Saturday, so Monday Jun 3, not Friday May 31.
    check(
        "cron(0 0 1W * ? *)",
        z,
        "2024-05-15T00:00:00Z",
        &["2024-06-03T00:00:00+00:00", "2024-07-01T00:00:00+00:00"],
    );
    // LW: Mar 31 2024 is a Sunday (Friday 29th), Apr 30 a Tuesday, May 31 a Friday.
    check(
        "cron(0 0 LW * ? *)",
        z,
        "2024-03-01T00:00:00Z",
        &[
            "2024-03-29T00:00:00+00:00",
            "2024-04-30T00:00:00+00:00",
            "2024-05-31T00:00:00+00:00",
        ],
    );
    // The 31st skips the months that have none; the 29th of February waits for a leap year.
    check(
        "cron(0 12 31 * ? *)",
        z,
        "2024-01-31T12:00:00Z",
        &["2024-03-31T12:00:00+00:00", "2024-05-31T12:00:00+00:00"],
    );
    check(
        "cron(0 0 29 2 ? *)",
        z,
        "2024-03-01T00:00:00Z",
        &["2028-02-29T00:00:00+00:00", "2032-02-29T00:00:00+00:00"],
    );
    // Steps in day-of-month: 1, 11, 21, 31.
    check(
        "cron(0 0 1/10 * ? *)",
        z,
        "2024-01-02T00:00:00Z",
        &[
            "2024-01-11T00:00:00+00:00",
            "2024-01-21T00:00:00+00:00",
            "2024-01-31T00:00:00+00:00",
            "2024-02-01T00:00:00+00:00",
        ],
    );
}

#[test]
fn day_of_week_specials_and_names() {
    let z = None;
    // L alone in day-of-week is 7: every Saturday.
    check(
        "cron(0 12 ? * L *)",
        z,
        "2024-01-01T00:00:00Z",
        &["2024-01-06T12:00:00+00:00", "2024-01-13T12:00:00+00:00"],
    );
    // 6#5, the fifth Friday, exists only in some months: Mar 29 and May 31 2024.
    check(
        "cron(0 9 ? * 6#5 *)",
        z,
        "2024-01-01T00:00:00Z",
        &["2024-03-29T09:00:00+00:00", "2024-05-31T09:00:00+00:00"],
    );
    // Names are case-insensitive (Quartz upper-cases the expression); 1 = Sunday, 7 = Saturday.
    check(
        "cron(0 0 ? jan,MAR mon *)",
        z,
        "2024-01-01T00:00:00Z",
        &["2024-01-08T00:00:00+00:00", "2024-01-15T00:00:00+00:00"],
    );
    check(
        "cron(0 0 ? * 1,7 *)",
        z,
        "2024-01-01T00:00:00Z",
        &["2024-01-06T00:00:00+00:00", "2024-01-07T00:00:00+00:00"],
    );
    // FRI-MON wraps past Saturday: Fri, Sat, Sun, Mon.
    check(
        "cron(0 0 ? * FRI-MON *)",
        z,
        "2024-01-04T00:00:00Z",
        &[
            "2024-01-05T00:00:00+00:00",
            "2024-01-06T00:00:00+00:00",
            "2024-01-07T00:00:00+00:00",
            "2024-01-08T00:00:00+00:00",
            "2024-01-12T00:00:00+00:00",
        ],
    );
}

#[test]
fn hours_years_and_wrapping_ranges() {
    let z = None;
    // 22-2/2 wraps midnight: 22, 0, 2.
    check(
        "cron(30 22-2/2 * * ? *)",
        z,
        "2024-01-01T21:00:00Z",
        &[
            "2024-01-01T22:30:00+00:00",
            "2024-01-02T00:30:00+00:00",
            "2024-01-02T02:30:00+00:00",
            "2024-01-02T22:30:00+00:00",
        ],
    );
    // A bounded year range runs out.
    check(
        "cron(0 0 1 1 ? 2025-2026)",
        z,
        "2024-06-01T00:00:00Z",
        &[
            "2025-01-01T00:00:00+00:00",
            "2026-01-01T00:00:00+00:00",
            "-",
        ],
    );
    // The last minute the year field allows, then nothing.
    check(
        "cron(59 23 31 12 ? *)",
        z,
        "2199-06-01T00:00:00Z",
        &["2199-12-31T23:59:00+00:00", "-"],
    );
    // A start long before 1970 still finds the first fire of 1970.
    check(
        "cron(0 0 1 1 ? 1970)",
        z,
        "1900-01-01T00:00:00Z",
        &["1970-01-01T00:00:00+00:00", "-"],
    );
    // An expression that can never fire (February 30th) is accepted, as AWS accepts it, and never fires.
    check("cron(0 0 30 2 ? *)", z, "2024-01-01T00:00:00Z", &["-"]);
}

#[test]
fn cron_in_time_zones() {
    let berlin = Some("Europe/Berlin");
    check(
        "cron(0 9 * * ? *)",
        berlin,
        "2024-01-01T00:00:00Z",
        &["2024-01-01T09:00:00+01:00", "2024-01-02T09:00:00+01:00"],
    );
    check(
        "cron(0 9 * * ? *)",
        berlin,
        "2024-07-01T00:00:00Z",
        &["2024-07-01T09:00:00+02:00"],
    );
    // Half-hour offset: 09:00 IST is 03:30Z; Friday's fire, then Monday's.
    check(
        "cron(0 9 ? * MON-FRI *)",
        Some("Asia/Kolkata"),
        "2024-01-05T03:30:00Z",
        &["2024-01-08T09:00:00+05:30"],
    );
    // The offset changes between fires; the wall time does not.
    check(
        "cron(0 0 1 * ? *)",
        Some("America/New_York"),
        "2024-01-31T12:00:00Z",
        &[
            "2024-02-01T00:00:00-05:00",
            "2024-03-01T00:00:00-05:00",
            "2024-04-01T00:00:00-04:00",
        ],
    );
    // Weekday and last-day rules apply to the local date, not the UTC one: Saturday 2024-01-06 00:30 in
    // Tokyo is still Friday in UTC.
    check(
        "cron(30 0 ? * SAT *)",
        Some("Asia/Tokyo"),
        "2024-01-01T00:00:00Z",
        &["2024-01-06T00:30:00+09:00"],
    );
    check(
        "cron(30 23 L * ? *)",
        Some("Pacific/Auckland"),
        "2024-02-01T00:00:00Z",
        &["2024-02-29T23:30:00+13:00"],
    );
}
