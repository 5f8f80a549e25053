//! Property tests: fires strictly increase, each one is a wall time the expression selects (at its first
//! occurrence), none is missed in between, and `catch_up` agrees with stepping through every fire.

use crate::oracle::{Spec, dense_spec, spec};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use proptest::prelude::*;
use stepd_schedule::{Schedule, catch_up};

/// Zones with DST, half- and quarter-hour offsets, a 30-minute DST shift and the southern hemisphere.
const ZONES: [&str; 7] = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "America/St_Johns",
    "Pacific/Auckland",
];

const MINUTE: i64 = 60_000;
const DAY: i64 = 86_400_000;
/// 2023-06-01T00:00Z and 2027-01-01T00:00Z.
const FROM: i64 = 1_685_577_600_000;
const UNTIL: i64 = 1_798_761_600_000;

/// A start time: anywhere in [FROM, UNTIL), or (half the time) in the three hours before a DST transition
/// of the zone, where the interesting cases are.
fn start(zone: &TimeZone, base: i64, lead: i64, near_transition: bool) -> i64 {
    if !near_transition {
        return base;
    }
    let ts = Timestamp::from_millisecond(base).expect("in range");
    zone.following(ts)
        .next()
        .map_or(base, |t| t.timestamp().as_millisecond() - lead)
}

/// Whether `instant` is a fire of `spec` in `zone`: a selected wall time, at its first occurrence.
fn is_fire(spec: &Spec, zone: &TimeZone, instant: i64) -> bool {
    let ts = Timestamp::from_millisecond(instant).expect("in range");
    let wall = zone.to_datetime(ts);
    spec.matches(wall) && zone.to_ambiguous_timestamp(wall).earlier().ok() == Some(ts)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn cron_fires_increase_match_and_skip_nothing(
        spec in prop_oneof![spec(), dense_spec()],
        zone_index in 0..ZONES.len(),
        base in FROM..UNTIL,
        lead in 0..3 * 3_600_000_i64,
        near_transition in any::<bool>(),
    ) {
        let tz = ZONES[zone_index];
        let expression = spec.expression();
        let schedule = Schedule::parse(&expression, Some(tz)).map_err(|e| TestCaseError::fail(format!("{expression}: {e}")))?;
        let zone = TimeZone::get(tz).expect("zone exists");
        let after = start(&zone, base, lead, near_transition);

        let mut cursor = after;
        let mut first = None;
        for _ in 0..8 {
            let Some(next) = schedule.next_after(cursor, 0) else { break };
            prop_assert!(next > cursor, "{} in {}: {} after {}", expression, tz, next, cursor);
            prop_assert!(is_fire(&spec, &zone, next), "{} in {}: {} is not a fire", expression, tz, next);
            first.get_or_insert(next);
            cursor = next;
        }

        // Nothing was skipped between `after` and the first fire (checked over at most two days).
        let limit = first.unwrap_or(i64::MAX).min(after + 2 * DAY);
        let mut minute = (after.div_euclid(MINUTE) + 1) * MINUTE;
        while minute < limit {
            prop_assert!(!is_fire(&spec, &zone, minute), "{} in {}: missed {} after {}", expression, tz, minute, after);
            minute += MINUTE;
        }
    }

    #[test]
    fn rate_fires_stay_on_the_anchor_grid(
        value in 1_i64..500,
        unit in 0..4_usize,
        anchor in FROM..UNTIL,
        after in FROM - DAY..UNTIL,
    ) {
        let (singular, plural, unit_ms) = [("second", "seconds", 1_000), ("minute", "minutes", MINUTE), ("hour", "hours", 3_600_000), ("day", "days", DAY)][unit];
        let expression = format!("rate({value} {})", if value == 1 { singular } else { plural });
        let schedule = Schedule::parse(&expression, None).expect("valid");
        let period = value * unit_ms;
        let next = schedule.next_after(after, anchor).expect("rates never end");
        prop_assert!(next > after && next >= anchor);
        prop_assert_eq!((next - anchor) % period, 0);
        // The previous grid point (or the anchor itself) is not after `after`: no fire was skipped.
        prop_assert!(next == anchor || next - period <= after);
    }

    #[test]
    fn catch_up_runs_the_latest_missed_fire(
        spec in spec(),
        zone_index in 0..ZONES.len(),
        created in FROM..UNTIL,
        down in 0..3 * DAY,
        fired in prop::option::of(0.0..1.0_f64),
    ) {
        let tz = ZONES[zone_index];
        let schedule = Schedule::parse(&spec.expression(), Some(tz)).expect("valid");
        let now = created + down;
        let last_fired = fired.map(|f| created + (down as f64 * f) as i64);

        // Step through every fire in the window; skip windows too busy to step through cheaply.
        let mut cursor = last_fired.unwrap_or(created - 1);
        let mut latest = None;
        for _ in 0..5_000 {
            match schedule.next_after(cursor, created) {
                Some(next) if next <= now => { latest = Some(next); cursor = next; }
                _ => {
                    let (due, next) = catch_up(&schedule, last_fired, created, now);
                    prop_assert_eq!(due, latest);
                    prop_assert_eq!(next, schedule.next_after(now, created));
                    return Ok(());
                }
            }
        }
    }
}
