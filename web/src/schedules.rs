//! `stepd schedules …`: create, list, show and delete schedules on a running server (`rate(5 minutes)`,
//! `cron(0/5 * * * ? *)`, `at(2026-12-24T10:00:00)`, with a time zone).

use crate::client::Client;
use crate::jobs::text;
use anyhow::{Context, Result};
use clap::{Args as ClapArgs, Subcommand};
use serde_json::{Value, json};
use std::process::ExitCode;

#[derive(ClapArgs)]
pub(crate) struct Args {
    #[command(flatten)]
    remote: crate::client::Remote,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start executions of a state machine on a schedule.
    Create {
        name: String,
        /// `rate(5 minutes)`, `cron(0 2 * * ? *)` or `at(2026-12-24T10:00:00)`.
        #[arg(long)]
        expression: String,
        /// An IANA time zone such as Europe/Berlin (default UTC).
        #[arg(long)]
        timezone: Option<String>,
        /// The state machine's name or ARN.
        #[arg(long)]
        state_machine: String,
        /// The input each execution starts with (JSON).
        #[arg(long, default_value = "{}")]
        input: String,
        /// Replace the schedule of this name if there is one.
        #[arg(long)]
        replace: bool,
    },
    List,
    Show {
        name: String,
    },
    Delete {
        name: String,
    },
}

pub(crate) fn run(args: &Args) -> ExitCode {
    match go(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stepd schedules: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn line(s: &Value) -> String {
    format!(
        "{}\t{}\t{}\t{}\tnext {}",
        text(&s["name"]),
        text(&s["expression"]),
        text(&s["timezone"]),
        text(&s["stateMachineArn"]),
        text(&s["nextMs"])
    )
}

fn go(args: &Args) -> Result<()> {
    let client = Client::new(&args.remote.endpoint);
    let out = match &args.command {
        Command::Create {
            name,
            expression,
            timezone,
            state_machine,
            input,
            replace,
        } => {
            let input: Value = serde_json::from_str(input).context("--input is not JSON")?;
            let body = json!({"name": name, "expression": expression, "timezone": timezone,
                              "stateMachine": state_machine, "input": input});
            if *replace {
                client.put(&format!("/schedules/{name}"), &body)?
            } else {
                client.post("/schedules", &body)?
            }
        }
        Command::List => client.get("/schedules")?,
        Command::Show { name } => client.get(&format!("/schedules/{name}"))?,
        Command::Delete { name } => client.delete(&format!("/schedules/{name}"))?,
    };
    if args.remote.json {
        println!("{out}");
    } else if let Some(all) = out["schedules"].as_array() {
        for s in all {
            println!("{}", line(s));
        }
    } else if out["name"].is_string() {
        println!("{}", line(&out));
    }
    Ok(())
}
