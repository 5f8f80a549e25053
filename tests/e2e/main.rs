//! The end-to-end suite, one test binary: the `stepd` binary (`stepd-e2e`, built from `stepd::cli`) and its
//! server driven over real HTTP by the tests' own clients, the AWS CLI and boto3. Each module is one
//! surface; `common` holds the helpers they share.

#![allow(clippy::unwrap_used)] // test code

mod common;

mod api;
mod auth;
mod cli;
mod crash;
mod hardening;
mod job_api;
mod jobs;
mod readme;
mod resources;
mod rest;
mod schedules;
mod sdk_clients;
