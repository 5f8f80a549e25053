//! Time zones: looking an IANA name up, and converting between instants and wall-clock time.
//!
//! This is the crate's one contact with the outside world: jiff reads a zone's rules from the system
//! zoneinfo database (`/usr/share/zoneinfo`, or `$TZDIR`) the first time the name is looked up, and caches
//! them. We deliberately do not bundle a copy of the database: the OS's tzdata package is updated when
//! governments change their rules, a copy compiled into the binary is not. Once a [`Zone`] exists every
//! conversion is pure. `UTC` is built in, so the default time zone works even without tzdata.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, TimeZone};

use crate::Error;
use crate::civil::civil_from_days;

/// AWS's limit for `ScheduleExpressionTimezone`.
const MAX_NAME_LEN: usize = 50;

#[derive(Clone, Debug)]
pub(crate) struct Zone {
    tz: TimeZone,
}

/// What a wall-clock time is in a zone: one instant, none (a spring-forward gap) or two (a fall-back fold).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Local {
    /// The wall time happens exactly once, at this instant (epoch seconds).
    Unique(i64),
    /// The wall time is skipped; `shifted` is where it lands when read with the offset in force before the
    /// gap (02:30 in a 02:00→03:00 gap becomes 03:30), the "compatible" reading of RFC 5545 and Temporal.
    Gap { shifted: i64 },
    /// The wall time happens twice; `earlier` is the first of the two instants.
    Fold { earlier: i64 },
}

impl Zone {
    pub(crate) fn utc() -> Zone {
        Zone { tz: TimeZone::UTC }
    }

    pub(crate) fn lookup(name: &str) -> Result<Zone, Error> {
        let unknown = |detail: &str| Error::UnknownTimeZone {
            name: name.to_owned(),
            detail: detail.to_owned(),
        };
        if name == "UTC" {
            return Ok(Zone::utc());
        }
        // IANA names are short ASCII paths; refusing anything else up front also keeps a hostile name such as
        // `../../etc/passwd` from ever reaching the file system lookup.
        let plausible = !name.is_empty()
            && name.len() <= MAX_NAME_LEN
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/_+-".contains(&b))
            && !name.starts_with('/')
            && !name.contains("//");
        if !plausible {
            return Err(unknown(""));
        }
        match jiff::tz::db().get(name) {
            Ok(tz) => Ok(Zone { tz }),
            Err(_) if jiff::tz::db().is_definitively_empty() => Err(unknown(
                ": no time zone database was found (install the tzdata package, which provides /usr/share/zoneinfo, or set TZDIR)",
            )),
            Err(_) => Err(unknown("")),
        }
    }

    /// The wall-clock time of an instant, as seconds since 1970-01-01T00:00 read as if it were UTC.
    /// None only for instants beyond jiff's range (years ±9999).
    pub(crate) fn local_seconds(&self, instant: i64) -> Option<i64> {
        let ts = Timestamp::from_second(instant).ok()?;
        Some(instant + i64::from(self.tz.to_offset(ts).seconds()))
    }

    /// The instant(s) a wall-clock time (same encoding as [`Zone::local_seconds`]) stands for.
    pub(crate) fn resolve(&self, local: i64) -> Option<Local> {
        let (year, month, day) = civil_from_days(local.div_euclid(86_400));
        let secs = local.rem_euclid(86_400);
        let civil = DateTime::new(
            i16::try_from(year).ok()?,
            month as i8,
            day as i8,
            (secs / 3_600) as i8,
            (secs % 3_600 / 60) as i8,
            (secs % 60) as i8,
            0,
        )
        .ok()?;
        let at = |offset: jiff::tz::Offset| local - i64::from(offset.seconds());
        Some(match self.tz.to_ambiguous_timestamp(civil).offset() {
            AmbiguousOffset::Unambiguous { offset } => Local::Unique(at(offset)),
            AmbiguousOffset::Gap { before, .. } => Local::Gap {
                shifted: at(before),
            },
            // `before` is the offset in force before the clocks went back, i.e. the larger one.
            AmbiguousOffset::Fold { before, .. } => Local::Fold {
                earlier: at(before),
            },
        })
    }
}
