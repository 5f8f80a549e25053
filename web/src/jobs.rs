//! `stepd jobs …`: submit, list, show, cancel and read the output of jobs on a running server, as human
//! text or (`--json`) the server's JSON.

use crate::client::Client;
use anyhow::Result;
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
    /// Queue a job: it runs once the scheduler finds room for it (prints its id and execution ARN).
    Submit {
        /// The job's id (default: generated); also its execution's name.
        #[arg(long)]
        id: Option<String>,
        #[arg(long)]
        name: Option<String>,
        /// 0 to 1000; higher runs first (waiting ages a job up).
        #[arg(long)]
        priority: Option<u32>,
        /// CPUs (fractions allowed).
        #[arg(long)]
        cpu: Option<f64>,
        /// Memory, e.g. 512MiB or 4GiB.
        #[arg(long)]
        memory: Option<String>,
        #[arg(long)]
        tenant: Option<String>,
        /// Pin the job to this cluster.
        #[arg(long)]
        cluster: Option<String>,
        /// A label the cluster must have (repeatable).
        #[arg(long = "label")]
        labels: Vec<String>,
        /// End the job past this many seconds.
        #[arg(long)]
        time_limit: Option<u64>,
        /// Seconds between status polls.
        #[arg(long)]
        poll: Option<u64>,
        /// The command and its arguments.
        #[arg(last = true, required = true)]
        command: Vec<String>,
    },
    /// List jobs.
    List {
        /// QUEUED, PLACED, RUNNING, SUCCEEDED, FAILED or CANCELLED.
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        tenant: Option<String>,
        #[arg(long)]
        cluster: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// A job's status, placement, timings, exit code and the tail of its error output.
    Show { id: String },
    /// Cancel a job: its run is ended on its cluster and its execution stopped.
    Cancel { id: String },
    /// A job's output (stdout; --stderr for its error output).
    Logs {
        id: String,
        #[arg(long)]
        stderr: bool,
        /// Keep printing as the job writes, until it ends.
        #[arg(long, short)]
        follow: bool,
    },
}

pub(crate) fn run(args: &Args) -> ExitCode {
    match go(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stepd jobs: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn go(args: &Args) -> Result<()> {
    let client = Client::new(&args.remote.endpoint);
    match &args.command {
        Command::Submit {
            id,
            name,
            priority,
            cpu,
            memory,
            tenant,
            cluster,
            labels,
            time_limit,
            poll,
            command,
        } => {
            let mut job = json!({ "command": command });
            let m = job.as_object_mut().expect("an object");
            let mut set = |k: &str, v: Value| {
                if !v.is_null() {
                    m.insert(k.into(), v);
                }
            };
            set("id", json!(id));
            set("name", json!(name));
            set("priority", json!(priority));
            set("cpus", json!(cpu));
            set("memory", json!(memory));
            set("tenant", json!(tenant));
            set("cluster", json!(cluster));
            set("timeLimitSeconds", json!(time_limit));
            set("pollSeconds", json!(poll));
            if !labels.is_empty() {
                set("labels", json!(labels));
            }
            let out = client.post("/jobs", &job)?;
            if args.remote.json {
                println!("{out}");
            } else {
                println!("{}\t{}", text(&out["id"]), text(&out["executionArn"]));
            }
        }
        Command::List {
            state,
            tenant,
            cluster,
            limit,
        } => {
            let mut query = format!("?limit={limit}");
            for (k, v) in [("state", state), ("tenant", tenant), ("cluster", cluster)] {
                if let Some(v) = v {
                    query.push_str(&format!("&{k}={}", encode(v)));
                }
            }
            let out = client.get(&format!("/jobs{query}"))?;
            if args.remote.json {
                println!("{out}");
                return Ok(());
            }
            println!(
                "{:<24} {:<10} {:>5} {:>6} {:>8} {:<12} {:<10}",
                "ID", "STATE", "PRIO", "CPUS", "MEMORY", "CLUSTER", "TENANT"
            );
            for job in out["jobs"].as_array().into_iter().flatten() {
                let spec = &job["spec"];
                println!(
                    "{:<24} {:<10} {:>5} {:>6} {:>8} {:<12} {:<10}",
                    text(&spec["id"]),
                    text(&job["state"]),
                    text(&spec["priority"]),
                    text(&spec["cpus"]),
                    format!("{}Mi", text(&spec["memoryMiB"])),
                    text(&job["placement"]["cluster"]),
                    text(&spec["tenant"]),
                );
            }
        }
        Command::Show { id } => {
            let job = client.get(&format!("/jobs/{}", encode(id)))?;
            if args.remote.json {
                println!("{job}");
            } else {
                show(&job);
            }
        }
        Command::Cancel { id } => {
            let out = client.post(&format!("/jobs/{}/cancel", encode(id)), &json!({}))?;
            if args.remote.json {
                println!("{out}");
            } else {
                println!("{}\t{}", text(&out["id"]), text(&out["state"]));
            }
        }
        Command::Logs { id, stderr, follow } => {
            let stream = if *stderr { "stderr" } else { "stdout" };
            let mut offset = 0u64;
            loop {
                let out = client.get(&format!(
                    "/jobs/{}/logs?stream={stream}&offset={offset}",
                    encode(id)
                ))?;
                let data = out["data"].as_str().unwrap_or_default();
                print!("{data}");
                offset = out["next"].as_u64().unwrap_or(offset);
                let done = out["done"].as_bool().unwrap_or(true);
                if !*follow || (done && data.is_empty()) {
                    break;
                }
                if data.is_empty() {
                    std::thread::sleep(std::time::Duration::from_millis(500));
                }
            }
        }
    }
    Ok(())
}

/// A JSON value as plain text (`-` when absent).
pub(crate) fn text(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn when(v: &Value) -> String {
    match v.as_i64() {
        Some(ms) => time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_else(|| ms.to_string()),
        None => "-".into(),
    }
}

fn show(job: &Value) {
    let spec = &job["spec"];
    println!(
        "job        {}  ({})",
        text(&spec["id"]),
        text(&spec["name"])
    );
    println!("state      {}", text(&job["state"]));
    println!("execution  {}", text(&job["execution"]));
    println!(
        "demand     {} CPU, {} MiB; priority {}; tenant {}",
        text(&spec["cpus"]),
        text(&spec["memoryMiB"]),
        text(&spec["priority"]),
        text(&spec["tenant"])
    );
    let command: Vec<String> = spec["command"]
        .as_array()
        .into_iter()
        .flatten()
        .map(text)
        .collect();
    println!("command    {}", command.join(" "));
    if job["placement"].is_object() {
        let p = &job["placement"];
        println!(
            "placed     on {} at {}{}",
            text(&p["cluster"]),
            when(&p["atMs"]),
            if p["backfilled"] == json!(true) {
                " (backfilled)"
            } else {
                ""
            }
        );
        println!("           {}", text(&p["why"]));
    }
    println!("queued     {}", when(&job["enqueuedMs"]));
    println!("started    {}", when(&job["startedMs"]));
    println!("ended      {}", when(&job["endedMs"]));
    println!(
        "run        {} ({})",
        text(&job["clusterJobId"]),
        text(&job["clusterState"])
    );
    println!("exit code  {}", text(&job["exitCode"]));
    println!("attempts   {}", text(&job["attempts"]));
    if job["error"].is_string() {
        println!(
            "error      {}: {}",
            text(&job["error"]),
            text(&job["cause"]).trim_end()
        );
    }
    if let Some(tail) = job["errorOutput"].as_str()
        && !tail.is_empty()
    {
        println!("stderr (tail):\n{tail}");
    }
}
