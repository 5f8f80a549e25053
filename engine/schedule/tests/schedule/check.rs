//! The one `check` helper: parse an expression, walk `next_after` from a start, compare with a table.
//!
//! Times in tables are RFC 3339 with the offset the schedule's zone has at that instant, so a row reads as
//! the wall clock an operator would see; `-` means "no further fire".

use jiff::Timestamp;
use jiff::tz::TimeZone;
use stepd_schedule::Schedule;

/// Epoch ms of an RFC 3339 timestamp.
pub fn ms(text: &str) -> i64 {
    text.parse::<Timestamp>()
        .unwrap_or_else(|e| panic!("bad test time {text}: {e}"))
        .as_millisecond()
}

/// An instant as the wall clock in `tz` shows it, with its offset.
pub fn local(instant_ms: i64, tz: Option<&str>) -> String {
    let zone = TimeZone::get(tz.unwrap_or("UTC")).expect("test zone exists");
    let ts = Timestamp::from_millisecond(instant_ms).expect("in range");
    ts.to_zoned_datetime(zone)
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// Checks the fires after `after`, with the rate anchor at `after` too (a schedule created then).
pub fn check(expression: &str, tz: Option<&str>, after: &str, expected: &[&str]) {
    check_anchored(expression, tz, after, after, expected);
}

pub fn check_anchored(
    expression: &str,
    tz: Option<&str>,
    anchor: &str,
    after: &str,
    expected: &[&str],
) {
    let schedule = Schedule::parse(expression, tz).unwrap_or_else(|e| panic!("{expression}: {e}"));
    let anchor = ms(anchor);
    let mut cursor = ms(after);
    let mut got = Vec::new();
    for _ in expected {
        match schedule.next_after(cursor, anchor) {
            Some(next) => {
                assert!(next > cursor, "{expression}: {next} is not after {cursor}");
                got.push(local(next, tz));
                cursor = next;
            }
            None => {
                got.push("-".to_owned());
                break;
            }
        }
    }
    assert_eq!(
        got,
        expected,
        "{expression} in {} after {after}",
        tz.unwrap_or("UTC")
    );
}
