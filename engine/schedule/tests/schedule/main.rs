//! stepd-schedule's integration tests, in one binary so that the 2-core CI links it once.

mod catch_up;
mod check;
mod cron;
mod dst;
mod errors;
mod oracle;
mod props;
mod rate_at;
