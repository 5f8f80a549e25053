//! Hostile or simply large requests against a real `stepd serve` (issue: hardening): each module is one
//! family of attacks, each test a request that once crashed, poisoned, exhausted or fooled the server.

#![allow(clippy::unwrap_used)] // test helpers

mod api;

mod auth;
mod definitions;
mod fuzz;
mod history;
mod payloads;
mod tokens;
