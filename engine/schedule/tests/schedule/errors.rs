//! What EventBridge rejects, rejected here too, with the message an operator sees.

use stepd_schedule::{Error, Schedule};

fn rejects(expression: &str, tz: Option<&str>, message: &str) {
    match Schedule::parse(expression, tz) {
        Ok(_) => panic!("{expression} was accepted"),
        Err(e) => assert_eq!(e.to_string(), message, "{expression}"),
    }
}

#[test]
fn form_and_size() {
    rejects("", None, "schedule expression is empty");
    let long = format!("cron(0 0 1 1 ? {})", "2024,".repeat(50) + "2025");
    rejects(
        &long,
        None,
        "schedule expression is 270 characters long; at most 256 are allowed",
    );
    rejects(
        "every(5 minutes)",
        None,
        "schedule expression 'every(5 minutes)' is not one of at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(fields)",
    );
    rejects(
        " rate(5 minutes)",
        None,
        "schedule expression ' rate(5 minutes)' is not one of at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(fields)",
    );
    rejects(
        "rate(5 minutes",
        None,
        "schedule expression 'rate(5 minutes' is not one of at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(fields)",
    );
    rejects(
        "0 10 * * ? *",
        None,
        "schedule expression '0 10 * * ? *' is not one of at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(fields)",
    );
    // 256 characters exactly is allowed.
    let exact = format!("cron(0 0 1 1 ? {})", "2024,".repeat(47) + "20245");
    assert_eq!(exact.len(), 256);
    assert!(matches!(
        Schedule::parse(&exact, None),
        Err(Error::CronField { field: "year", .. })
    ));
}

#[test]
fn rate() {
    rejects(
        "rate(5 minute)",
        None,
        "rate: 'minute' needs the value 1; write rate(5 minutes)",
    );
    rejects(
        "rate(1 minutes)",
        None,
        "rate: 'minutes' needs a value greater than 1; write rate(1 minute)",
    );
    rejects(
        "rate(2 day)",
        None,
        "rate: 'day' needs the value 1; write rate(2 days)",
    );
    rejects(
        "rate(0 minutes)",
        None,
        "rate: the value must be a positive whole number, not 0",
    );
    rejects(
        "rate(-5 minutes)",
        None,
        "rate: the value '-5' is not a positive whole number",
    );
    rejects(
        "rate(5.5 minutes)",
        None,
        "rate: the value '5.5' is not a positive whole number",
    );
    rejects(
        "rate(5 weeks)",
        None,
        "rate: unknown unit 'weeks' (expected minute(s), hour(s) or day(s); stepd also accepts second(s))",
    );
    rejects(
        "rate(5 Minutes)",
        None,
        "rate: unknown unit 'Minutes' (expected minute(s), hour(s) or day(s); stepd also accepts second(s))",
    );
    rejects(
        "rate(5)",
        None,
        "rate: expected 'value unit' separated by one space, as in rate(5 minutes), got '5'",
    );
    rejects(
        "rate(5  minutes)",
        None,
        "rate: expected 'value unit' separated by one space, as in rate(5 minutes), got '5  minutes'",
    );
    rejects(
        "rate(99999999999999999 days)",
        None,
        "rate: the period 99999999999999999 days is too long",
    );
}

#[test]
fn cron_shape_and_the_question_mark_rule() {
    rejects(
        "cron(0 10 * * ?)",
        None,
        "cron: expected 6 fields (minutes hours day-of-month month day-of-week year), got 5",
    );
    rejects(
        "cron(0 0 10 * * ? *)",
        None,
        "cron: expected 6 fields (minutes hours day-of-month month day-of-week year), got 7",
    );
    rejects(
        "cron()",
        None,
        "cron: expected 6 fields (minutes hours day-of-month month day-of-week year), got 0",
    );
    rejects(
        "cron(0 10 * * MON *)",
        None,
        "cron: day-of-week: '?' is required because day-of-month is '*' (exactly one of day-of-month and day-of-week must be '?')",
    );
    rejects(
        "cron(0 10 * * * *)",
        None,
        "cron: day-of-week: '?' is required because day-of-month is '*' (exactly one of day-of-month and day-of-week must be '?')",
    );
    rejects(
        "cron(0 10 ? * ? *)",
        None,
        "cron: day-of-week: a value is required because day-of-month is '?' (exactly one of day-of-month and day-of-week must be '?')",
    );
    rejects(
        "cron(? 10 * * ? *)",
        None,
        "cron: minutes: '?' is only allowed alone, in day-of-month or day-of-week",
    );
    rejects(
        "cron(0 0 ?,1 * ? *)",
        None,
        "cron: day-of-month: '?' is only allowed alone, in day-of-month or day-of-week",
    );
}

#[test]
fn cron_values_out_of_range() {
    rejects(
        "cron(60 * * * ? *)",
        None,
        "cron: minutes: 60 is out of range (expected 0-59)",
    );
    rejects(
        "cron(0 24 * * ? *)",
        None,
        "cron: hours: 24 is out of range (expected 0-23)",
    );
    rejects(
        "cron(0 0 32 * ? *)",
        None,
        "cron: day-of-month: 32 is out of range (expected 1-31)",
    );
    rejects(
        "cron(0 0 0 * ? *)",
        None,
        "cron: day-of-month: 0 is out of range (expected 1-31)",
    );
    rejects(
        "cron(0 0 1 13 ? *)",
        None,
        "cron: month: 13 is out of range (expected 1-12 or JAN-DEC)",
    );
    rejects(
        "cron(0 0 ? * 0 *)",
        None,
        "cron: day-of-week: 0 is out of range (expected 1-7 or SUN-SAT (1 = Sunday))",
    );
    rejects(
        "cron(0 0 ? * 8 *)",
        None,
        "cron: day-of-week: 8 is out of range (expected 1-7 or SUN-SAT (1 = Sunday))",
    );
    rejects(
        "cron(0 0 1 * ? 1969)",
        None,
        "cron: year: 1969 is out of range (expected 1970-2199)",
    );
    rejects(
        "cron(0 0 1 * ? 2200)",
        None,
        "cron: year: 2200 is out of range (expected 1970-2199)",
    );
    rejects(
        "cron(0 0 1 * ? 99999)",
        None,
        "cron: year: 99999 is out of range (expected 1970-2199)",
    );
    rejects(
        "cron(0 0 1 FOO ? *)",
        None,
        "cron: month: 'FOO' is not a valid value (expected 1-12 or JAN-DEC)",
    );
    rejects(
        "cron(0 0 ? * FUN *)",
        None,
        "cron: day-of-week: 'FUN' is not a valid value (expected 1-7 or SUN-SAT (1 = Sunday))",
    );
    rejects(
        "cron(MON 0 1 * ? *)",
        None,
        "cron: minutes: 'MON' is not a valid value (expected 0-59)",
    );
    rejects(
        "cron(-1 0 1 * ? *)",
        None,
        "cron: minutes: a value is missing (expected 0-59)",
    );
}

#[test]
fn cron_lists_ranges_and_steps() {
    rejects(
        "cron(0/0 * * * ? *)",
        None,
        "cron: minutes: the step in '/0' must be at least 1",
    );
    rejects(
        "cron(0/61 * * * ? *)",
        None,
        "cron: minutes: the step 61 is larger than the field's range 0-59",
    );
    rejects(
        "cron(0/x * * * ? *)",
        None,
        "cron: minutes: the step 'x' is not a positive whole number",
    );
    rejects(
        "cron(0 0 1,,2 * ? *)",
        None,
        "cron: day-of-month: empty value in the list '1,,2'",
    );
    rejects(
        "cron(0 0 1 * ? 2030-2025)",
        None,
        "cron: year: the range 2030-2025 runs backwards (years do not wrap around)",
    );
    rejects(
        "cron(0 1-2-3 1 * ? *)",
        None,
        "cron: hours: '2-3' is not a valid value (expected 0-23)",
    );
}

#[test]
fn cron_special_characters() {
    rejects(
        "cron(0 0 L-3 * ? *)",
        None,
        "cron: day-of-month: 'L-3' is not valid: 'L' must stand alone or as 'LW' (offsets such as 'L-3' are not supported)",
    );
    rejects(
        "cron(0 0 W * ? *)",
        None,
        "cron: day-of-month: 'W' needs a day before it, as in '15W'",
    );
    rejects(
        "cron(0 0 32W * ? *)",
        None,
        "cron: day-of-month: 32 is out of range (expected 1-31)",
    );
    rejects(
        "cron(0 0 15W,20 * ? *)",
        None,
        "cron: day-of-month: '15W,20' is not valid: 'L' and 'W' must stand alone ('L', 'LW', '15W'), not in a list or range",
    );
    rejects(
        "cron(0 0 1,L * ? *)",
        None,
        "cron: day-of-month: '1,L' is not valid: 'L' and 'W' must stand alone ('L', 'LW', '15W'), not in a list or range",
    );
    rejects(
        "cron(0 0 ? * 5L,6 *)",
        None,
        "cron: day-of-week: '5L,6' is not valid: 'L' must stand alone or follow one day, as in '5L', not in a list or range",
    );
    rejects(
        "cron(0 0 ? * 3#6 *)",
        None,
        "cron: day-of-week: the occurrence in '3#6' must be 1-5",
    );
    rejects(
        "cron(0 0 ? * 3#0 *)",
        None,
        "cron: day-of-week: the occurrence in '3#0' must be 1-5",
    );
    rejects(
        "cron(0 0 ? * 2-3#1 *)",
        None,
        "cron: day-of-week: '2-3#1' is not valid: '#' takes one day and one number, as in '3#2'",
    );
    rejects(
        "cron(0 0 ? * 8#1 *)",
        None,
        "cron: day-of-week: 8 is out of range (expected 1-7 or SUN-SAT (1 = Sunday))",
    );
    rejects(
        "cron(0 L * * ? *)",
        None,
        "cron: hours: 'L' is not a valid value (expected 0-23)",
    );
    rejects(
        "cron(0 0 ? * 15W *)",
        None,
        "cron: day-of-week: '15W' is not a valid value (expected 1-7 or SUN-SAT (1 = Sunday))",
    );
}

#[test]
fn at() {
    let shape = |got: &str| {
        format!("at: expected yyyy-mm-ddThh:mm:ss (no offset or fraction), got '{got}'")
    };
    rejects(
        "at(2024-01-01 00:00:00)",
        None,
        &shape("2024-01-01 00:00:00"),
    );
    rejects(
        "at(2024-01-01T00:00:00Z)",
        None,
        &shape("2024-01-01T00:00:00Z"),
    );
    rejects("at(2024-01-01T00:00)", None, &shape("2024-01-01T00:00"));
    rejects(
        "at(2024-01-01T00:00:00.5)",
        None,
        &shape("2024-01-01T00:00:00.5"),
    );
    rejects(
        "at(2024-1-01T00:00:000)",
        None,
        &shape("2024-1-01T00:00:000"),
    );
    rejects(
        "at(2024-02-30T00:00:00)",
        None,
        "at: 2024-02-30 is not a date",
    );
    rejects(
        "at(2023-02-29T00:00:00)",
        None,
        "at: 2023-02-29 is not a date",
    );
    rejects(
        "at(2024-13-01T00:00:00)",
        None,
        "at: month 13 is out of range 01-12 in '2024-13-01T00:00:00'",
    );
    rejects(
        "at(2024-01-01T24:00:00)",
        None,
        "at: 24:00:00 is not a time of day (00:00:00-23:59:59)",
    );
    rejects(
        "at(2024-01-01T23:60:00)",
        None,
        "at: 23:60:00 is not a time of day (00:00:00-23:59:59)",
    );
    rejects(
        "at(2024-01-01T00:00:0é)",
        None,
        &shape("2024-01-01T00:00:0é"),
    );
}

#[test]
fn time_zones() {
    rejects(
        "rate(5 minutes)",
        Some("Mars/Base"),
        "unknown time zone 'Mars/Base'",
    );
    rejects(
        "cron(0 0 1 * ? *)",
        Some("../../etc/passwd"),
        "unknown time zone '../../etc/passwd'",
    );
    rejects(
        "cron(0 0 1 * ? *)",
        Some("/etc/localtime"),
        "unknown time zone '/etc/localtime'",
    );
    rejects("cron(0 0 1 * ? *)", Some(""), "unknown time zone ''");
    rejects(
        "cron(0 0 1 * ? *)",
        Some("Europe/Berlin "),
        "unknown time zone 'Europe/Berlin '",
    );
    // A bad expression is reported before a bad zone.
    rejects(
        "rate(5 minute)",
        Some("Mars/Base"),
        "rate: 'minute' needs the value 1; write rate(5 minutes)",
    );
    // Zones with offsets that are not whole hours, and the built-in UTC.
    for tz in [
        "UTC",
        "Etc/UTC",
        "Asia/Kathmandu",
        "Australia/Lord_Howe",
        "America/St_Johns",
    ] {
        assert!(
            Schedule::parse("cron(0 0 1 * ? *)", Some(tz)).is_ok(),
            "{tz}"
        );
    }
}
