//! DST in local-time schedules, with the 2024 transitions `zdump -v` reports:
//! Europe/Berlin springs 02:00→03:00 on Mar 31 and falls 03:00→02:00 on Oct 27; America/New_York springs
//! 02:00→03:00 on Mar 10 and falls 02:00→01:00 on Nov 3.
//!
//! EventBridge Scheduler documents the rules: a cron time that the spring-forward skips does not fire
//! that day, and a time the fall-back repeats fires only once (here: at its first occurrence).

use crate::check::check;

const BERLIN: Option<&str> = Some("Europe/Berlin");
const NEW_YORK: Option<&str> = Some("America/New_York");

#[test]
fn daily_0230_in_berlin() {
    // Mar 31 has no 02:30: skipped.
    check(
        "cron(30 2 * * ? *)",
        BERLIN,
        "2024-03-29T12:00:00Z",
        &["2024-03-30T02:30:00+01:00", "2024-04-01T02:30:00+02:00"],
    );
    // Oct 27 has two 02:30s: only the first (CEST) fires.
    check(
        "cron(30 2 * * ? *)",
        BERLIN,
        "2024-10-26T12:00:00Z",
        &["2024-10-27T02:30:00+02:00", "2024-10-28T02:30:00+01:00"],
    );
    // Asked during the repeated hour, after the first 02:30 and before the second: the second never fires.
    check(
        "cron(30 2 * * ? *)",
        BERLIN,
        "2024-10-27T02:10:00+01:00",
        &["2024-10-28T02:30:00+01:00"],
    );
}

#[test]
fn daily_0230_in_new_york() {
    check(
        "cron(30 2 * * ? *)",
        NEW_YORK,
        "2024-03-08T12:00:00Z",
        &["2024-03-09T02:30:00-05:00", "2024-03-11T02:30:00-04:00"],
    );
    // New York repeats 01:00-01:59, so 02:30 on Nov 3 is an ordinary (25 hours later) fire.
    check(
        "cron(30 2 * * ? *)",
        NEW_YORK,
        "2024-11-02T12:00:00Z",
        &["2024-11-03T02:30:00-05:00", "2024-11-04T02:30:00-05:00"],
    );
    // …while 01:30 is repeated, and fires once.
    check(
        "cron(30 1 * * ? *)",
        NEW_YORK,
        "2024-11-02T12:00:00Z",
        &["2024-11-03T01:30:00-04:00", "2024-11-04T01:30:00-05:00"],
    );
}

#[test]
fn frequent_schedules_across_transitions() {
    // Spring: 02:00 and 02:30 do not exist; the schedule resumes at 03:00 EDT, one real half hour later.
    check(
        "cron(0/30 * * * ? *)",
        NEW_YORK,
        "2024-03-10T01:15:00-05:00",
        &[
            "2024-03-10T01:30:00-05:00",
            "2024-03-10T03:00:00-04:00",
            "2024-03-10T03:30:00-04:00",
        ],
    );
    // Fall: the repeated 01:00 and 01:30 (EST) do not fire again; next is 02:00 EST.
    check(
        "cron(0/30 * * * ? *)",
        NEW_YORK,
        "2024-11-03T00:15:00-04:00",
        &[
            "2024-11-03T00:30:00-04:00",
            "2024-11-03T01:00:00-04:00",
            "2024-11-03T01:30:00-04:00",
            "2024-11-03T02:00:00-05:00",
        ],
    );
    check(
        "cron(0 * * * ? *)",
        BERLIN,
        "2024-03-31T00:30:00+01:00",
        &[
            "2024-03-31T01:00:00+01:00",
            "2024-03-31T03:00:00+02:00",
            "2024-03-31T04:00:00+02:00",
        ],
    );
    check(
        "cron(0 * * * ? *)",
        BERLIN,
        "2024-10-27T01:30:00+02:00",
        &["2024-10-27T02:00:00+02:00", "2024-10-27T03:00:00+01:00"],
    );
}

#[test]
fn half_hour_dst_shift() {
    // Lord Howe Island moves its clocks by 30 minutes: 02:00→02:30 on 2024-10-06 and 02:00→01:30 on
    // 2024-04-07. 02:15 is skipped in October; 01:45 is repeated in April and fires once.
    let lord_howe = Some("Australia/Lord_Howe");
    check(
        "cron(15 2 * * ? *)",
        lord_howe,
        "2024-10-04T12:00:00Z",
        &["2024-10-05T02:15:00+10:30", "2024-10-07T02:15:00+11:00"],
    );
    check(
        "cron(45 1 * * ? *)",
        lord_howe,
        "2024-04-05T12:00:00Z",
        &[
            "2024-04-06T01:45:00+11:00",
            "2024-04-07T01:45:00+11:00",
            "2024-04-08T01:45:00+10:30",
        ],
    );
}
