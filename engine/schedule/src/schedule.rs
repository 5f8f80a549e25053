//! [`Schedule`]: a parsed expression plus its time zone, and the rule for its next fire time.

use crate::at;
use crate::civil::Minute;
use crate::cron::{self, Cron};
use crate::rate::{self, Rate};
use crate::zone::{Local, Zone};
use crate::{Error, MAX_EXPRESSION_LEN};

/// A parsed EventBridge Scheduler expression (`rate(...)`, `cron(...)` or `at(...)`) and its time zone.
#[derive(Clone, Debug)]
pub struct Schedule {
    expression: String,
    timezone: String,
    kind: Kind,
    zone: Zone,
}

#[derive(Clone, Debug)]
enum Kind {
    Rate(Rate),
    Cron(Cron),
    /// The one fire time, already resolved in the time zone (epoch ms).
    At(i64),
}

/// Below this no cron year (1970+) can fire in any zone, so searches start here: 1969-12-29T00:00Z.
const EARLIEST_MS: i64 = -3 * 86_400_000;
/// After this no cron year (up to 2199) can fire in any zone: 2200-01-03T00:00Z.
const LATEST_MS: i64 = 84_008 * 86_400_000;

impl Schedule {
    /// Parses an expression exactly as EventBridge Scheduler accepts it, evaluated in `timezone` (an IANA
    /// name such as `Europe/Berlin`; `None` means UTC). The one extension is `rate(n second(s))`.
    pub fn parse(expression: &str, timezone: Option<&str>) -> Result<Schedule, Error> {
        if expression.is_empty() {
            return Err(Error::Empty);
        }
        let len = expression.chars().count();
        if len > MAX_EXPRESSION_LEN {
            return Err(Error::TooLong { len });
        }
        let body = |prefix: &str| {
            expression
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_suffix(')'))
        };
        let zone = || timezone.map_or_else(|| Ok(Zone::utc()), Zone::lookup);
        // The expression is checked before the zone so that a bad expression is reported as such even when
        // the zone is bad too; the zone is needed only to resolve an `at` time.
        let (kind, zone) = if let Some(body) = body("rate(") {
            (Kind::Rate(rate::parse(body)?), zone()?)
        } else if let Some(body) = body("cron(") {
            (Kind::Cron(cron::parse(body)?), zone()?)
        } else if let Some(body) = body("at(") {
            let wall = at::parse(body)?;
            let zone = zone()?;
            // A wall time in a spring-forward gap is read with the offset before the gap (02:30 becomes
            // 03:30), and one in a fall-back fold means its first occurrence. EventBridge documents
            // neither; this is what RFC 5545 and Temporal's "compatible" choose, and it never drops a
            // one-time schedule.
            let instant = match zone.resolve(wall) {
                Some(Local::Unique(s) | Local::Gap { shifted: s } | Local::Fold { earlier: s }) => {
                    s
                }
                None => {
                    return Err(Error::At(format!(
                        "'{body}' is outside the supported range of dates"
                    )));
                }
            };
            (Kind::At(instant * 1_000), zone)
        } else {
            return Err(Error::UnknownForm {
                expression: expression.to_owned(),
            });
        };
        Ok(Schedule {
            expression: expression.to_owned(),
            timezone: timezone.unwrap_or("UTC").to_owned(),
            kind,
            zone,
        })
    }

    /// The first fire time strictly after `after_ms` (epoch ms), or None when there is none (an `at` in the
    /// past, a cron whose years are over). `anchor_ms` is when a rate schedule started counting (its
    /// creation or start date); cron and at schedules ignore it.
    pub fn next_after(&self, after_ms: i64, anchor_ms: i64) -> Option<i64> {
        match &self.kind {
            Kind::Rate(rate) => rate.next_after(after_ms, anchor_ms),
            Kind::At(instant) => (*instant > after_ms).then_some(*instant),
            Kind::Cron(cron) => next_cron(cron, &self.zone, after_ms),
        }
    }

    /// The expression as given.
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The time zone as given, or `UTC` when none was.
    pub fn timezone(&self) -> &str {
        &self.timezone
    }
}

/// Walks the wall-clock matches in order and returns the first whose instant is after `after_ms`.
///
/// DST, as EventBridge Scheduler documents it: a wall time that a spring-forward gap removes is skipped,
/// and a wall time that a fall-back fold repeats fires once, at its first occurrence. Because the earliest
/// instant of a wall time only grows with the wall time, starting from the wall minute that contains
/// `after_ms` and skipping candidates at or before it (at most a fold's worth) yields the first fire.
fn next_cron(cron: &Cron, zone: &Zone, after_ms: i64) -> Option<i64> {
    if after_ms >= LATEST_MS {
        return None;
    }
    let from = after_ms.max(EARLIEST_MS).div_euclid(1_000);
    let mut cursor = Minute::from_local_seconds(zone.local_seconds(from)?)?;
    loop {
        let found = cron.first_at_or_after(cursor)?;
        match zone.resolve(found.local_seconds())? {
            Local::Gap { .. } => {}
            Local::Unique(s) | Local::Fold { earlier: s } => {
                if s * 1_000 > after_ms {
                    return Some(s * 1_000);
                }
            }
        }
        cursor = found.succ();
    }
}
