//! stepd-schedule: EventBridge Scheduler schedule expressions — `rate(...)`, `cron(...)`, `at(...)` —
//! parsed and evaluated in an IANA time zone.
//!
//! Pure: no clock (every "now" is an argument) and no I/O except the first lookup of a time zone name,
//! which reads the system zoneinfo database (see `zone.rs`). The grammar follows the EventBridge
//! documentation (which follows Quartz for the day fields); the one extension is `rate(n second(s))`.
//!
//! Time zones and DST, as EventBridge Scheduler documents them: cron and at expressions are wall-clock
//! times in the schedule's zone; a cron time that a spring-forward gap removes is skipped and one that a
//! fall-back fold repeats fires once (the first time); rates are elapsed time from the anchor, so "1 day"
//! is always 24 hours.

mod at;
mod catch_up;
mod civil;
mod cron;
mod error;
mod rate;
mod schedule;
mod zone;

pub use catch_up::catch_up;
pub use error::Error;
pub use schedule::Schedule;

/// AWS's limit on `ScheduleExpression`, in characters.
pub const MAX_EXPRESSION_LEN: usize = 256;
