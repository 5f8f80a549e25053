//! The runtime's integration tests, one test binary: the runtime on a real redb file (or a store that
//! fails on purpose), "processes" that die without warning (a tokio runtime dropped mid-flight), and the
//! waits of `common`, which look again after each committed change instead of sleeping.

#![allow(clippy::unwrap_used)] // test code

mod common;

mod backpressure;
mod disk_full;
mod durable;
mod jobs;
mod parked;
mod quarantine;
mod redrive;
mod versions;
