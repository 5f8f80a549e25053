//! The `stepd` command line as a library: subcommands parsed with clap, each in its own module, and the
//! server's entry point (`serve::serve`) for tests that start it in their own process. `src/main.rs` is the
//! binary: the allocator and `cli()`.

mod client;
mod config;
mod demo;
mod jobs;
mod mocks;
mod run;
mod schedules;
pub mod serve;
mod sign;
mod validate;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// stepd: a self-hosted, durable engine for Amazon States Language workflows.
#[derive(Parser)]
#[command(name = "stepd", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check ASL definition files and report every problem (exit 0 valid, 1 invalid, 2 usage or I/O error).
    Validate(validate::Args),
    /// Run one execution in memory and print its outcome as one JSON line (Tasks answer from --mock).
    Run(run::Args),
    /// Serve the Step Functions API (AWS JSON 1.0 at POST /) on a durable store.
    Serve(serve::Args),
    /// Submit, list, show, cancel and follow jobs on a running server.
    Jobs(jobs::Args),
    /// Create, list, show and delete schedules on a running server.
    Schedules(schedules::Args),
    /// Start a server with two local clusters, submit a few dozen jobs and watch them run.
    Demo(demo::Args),
}

/// Runs the command line given to the process.
pub fn cli() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Validate(args) => validate::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Jobs(args) => jobs::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Schedules(args) => schedules::run(&args),
    }
}
