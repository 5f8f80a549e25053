//! Catching up after downtime: a missed schedule fires once, at its latest missed time, not once per
//! missed period (EventBridge's behaviour for a target that was unavailable is to deliver late, and a
//! burst of back-to-back runs of the same job after an outage is never what an operator wants).

use crate::Schedule;

/// Given the last fire time that ran (or None) and now, the one fire to run now, if any, and the next
/// fire after now.
///
/// The fires considered missed are those in `(last_fired_ms, now_ms]`, or `[created_ms, now_ms]` when the
/// schedule never fired (so a rate schedule's first fire, at its creation, counts). Fires before
/// `created_ms` never count, even if `last_fired_ms` is older. `created_ms` is also the rate anchor.
pub fn catch_up(
    schedule: &Schedule,
    last_fired_ms: Option<i64>,
    created_ms: i64,
    now_ms: i64,
) -> (Option<i64>, Option<i64>) {
    let floor = created_ms
        .saturating_sub(1)
        .max(last_fired_ms.unwrap_or(i64::MIN));
    let due = latest_in(schedule, floor, now_ms, created_ms);
    (due, schedule.next_after(now_ms, created_ms))
}

/// The latest fire in `(floor, now]`, found by bisection over `next_after` so that it costs ~60 calls no
/// matter how long the downtime or how frequent the schedule.
///
/// With L that latest fire, `next_after(x) <= now` for every x in `[floor, L)` and `next_after(L) > now`,
/// so L is the smallest x whose next fire lies beyond now.
fn latest_in(schedule: &Schedule, floor: i64, now: i64, anchor: i64) -> Option<i64> {
    let beyond = |x: i64| schedule.next_after(x, anchor).is_none_or(|next| next > now);
    if floor >= now || beyond(floor) {
        return None;
    }
    // Invariant: !beyond(lo) and beyond(hi) (next_after is strictly after its argument, so beyond(now)).
    let (mut lo, mut hi) = (floor, now);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if beyond(mid) { hi = mid } else { lo = mid }
    }
    Some(hi)
}
