//! `stepd demo`: the product's main job on its embedded default, in one command. It starts a server on a
//! fresh data directory with two local clusters of different sizes, submits a few dozen jobs of mixed
//! priorities, tenants and sizes (a few fail, one is larger than every cluster), shows them being queued,
//! placed and run per cluster until all have ended, and prints a summary.

use crate::client::Client;
use crate::jobs::text;
use anyhow::{Context, Result, anyhow};
use clap::Args as ClapArgs;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

#[derive(ClapArgs)]
pub(crate) struct Args {
    /// How many jobs to submit.
    #[arg(long, default_value_t = 36)]
    jobs: usize,
    /// Where the server keeps its data (default: a new directory under the system's temporary one).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Leave the server running at the end (it prints its address).
    #[arg(long)]
    keep: bool,
}

const CONFIG: &str = r#"# The demo's clusters: two local process clusters of different sizes on this machine.
tenants = ["analytics", "ml", "reports"]

[scheduler]
tick_seconds = 1
aging_seconds_per_point = 0.05
backfill = true

[[clusters]]
name = "small"
kind = "local"
cpus = 2
memory = "2GiB"

[[clusters]]
name = "large"
kind = "local"
cpus = 4
memory = "6GiB"
labels = ["ssd"]
"#;

/// The server child; killed when dropped unless kept.
struct Server {
    child: Child,
    keep: bool,
}

impl Drop for Server {
    fn drop(&mut self) {
        if !self.keep {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

pub(crate) fn run(args: &Args) -> ExitCode {
    match go(args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("stepd demo: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// The demo's jobs: sizes, priorities and tenants mixed; every seventh fails, and the last is too big.
fn jobs(n: usize) -> Vec<Value> {
    let tenants = ["analytics", "ml", "reports"];
    let priorities = [10, 100, 500, 900];
    let mut out = Vec::new();
    for i in 0..n.saturating_sub(1) {
        let cpus = [0.5, 1.0, 1.0, 2.0, 3.0][i % 5];
        let memory = [256, 512, 1024, 1536, 3072][(i * 3) % 5];
        let seconds = 1 + (i * 7) % 4;
        let command = if i % 7 == 6 {
            format!("echo 'job {i}: the input file is missing' >&2; sleep 1; exit 3")
        } else {
            format!("echo 'job {i} starting'; sleep {seconds}; echo 'job {i} done'")
        };
        let mut job = json!({
            "id": format!("demo-{i:03}"),
            "name": format!("etl-step-{i}"),
            "tenant": tenants[i % 3],
            "priority": priorities[(i * 5) % 4],
            "cpus": cpus,
            "memoryMiB": memory,
            "command": command,
            "pollSeconds": 1,
        });
        if memory > 2048 {
            // Only the large cluster has the room (and the label says so too).
            job["labels"] = json!(["ssd"]);
        }
        out.push(job);
    }
    out.push(json!({
        "id": format!("demo-{:03}", n.saturating_sub(1)),
        "name": "too-big",
        "tenant": "analytics",
        "cpus": 64,
        "memoryMiB": 1024,
        "command": "true",
    }));
    out
}

fn start_server(data: &std::path::Path, keep: bool) -> Result<(Server, String)> {
    let config = data.join("demo.toml");
    std::fs::write(&config, CONFIG).with_context(|| format!("writing {}", config.display()))?;
    let exe = std::env::current_exe().context("finding the stepd binary")?;
    let mut child = Command::new(exe)
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .arg("--config")
        .arg(&config)
        .stdout(Stdio::piped())
        .stderr(Stdio::from(
            std::fs::File::create(data.join("server.log")).context("creating server.log")?,
        ))
        .spawn()
        .context("starting stepd serve")?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?)
        .read_line(&mut line)
        .context("reading the server's address")?;
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .ok_or_else(|| {
            anyhow!(
                "the server did not start (see {}/server.log)",
                data.display()
            )
        })?
        .to_string();
    Ok((Server { child, keep }, url))
}

fn all_jobs(client: &Client) -> Result<Vec<Value>> {
    let mut jobs = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let path = match &next {
            Some(n) => format!("/jobs?limit=1000&next={n}"),
            None => "/jobs?limit=1000".to_string(),
        };
        let page = client.get(&path)?;
        jobs.extend(page["jobs"].as_array().cloned().unwrap_or_default());
        match page["next"].as_str() {
            Some(n) => next = Some(n.to_string()),
            None => return Ok(jobs),
        }
    }
}

fn bar(done: usize, total: usize, width: usize) -> String {
    let filled = (done * width)
        .checked_div(total)
        .unwrap_or(width)
        .min(width);
    format!("[{}{}]", "#".repeat(filled), ".".repeat(width - filled))
}

fn go(args: &Args) -> Result<bool> {
    let data = match &args.data {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("stepd-demo-{}", std::process::id())),
    };
    std::fs::create_dir_all(&data).with_context(|| format!("creating {}", data.display()))?;
    println!(
        "stepd demo: a server with two local clusters (small: 2 CPU, 2 GiB; large: 4 CPU, 6 GiB, label ssd)"
    );
    println!("data in {}", data.display());
    let (_server, url) = start_server(&data, args.keep)?;
    println!(
        "server at {url} (jobs: {url}/jobs, clusters: {url}/clusters, API description: {url}/openapi.json)"
    );
    let client = Client::new(&url);
    let submitted = jobs(args.jobs);
    for job in &submitted {
        client
            .post("/jobs", job)
            .with_context(|| format!("submitting {}", job["id"]))?;
    }
    println!(
        "submitted {} jobs (priorities 10-900, 0.5-64 CPUs, three tenants); watch with `stepd jobs list --endpoint {url}`",
        submitted.len()
    );
    let tty = std::io::stdout().is_terminal();
    let started = Instant::now();
    let mut last_print = Instant::now() - Duration::from_secs(10);
    let jobs = loop {
        let jobs = all_jobs(&client)?;
        let mut states: BTreeMap<String, usize> = BTreeMap::new();
        // Per cluster: (running, done).
        let mut clusters: BTreeMap<String, (usize, usize)> =
            [("small".to_string(), (0, 0)), ("large".to_string(), (0, 0))].into();
        for j in &jobs {
            let state = text(&j["state"]);
            let on = clusters
                .entry(text(&j["placement"]["cluster"]))
                .or_default();
            match state.as_str() {
                "RUNNING" | "PLACED" => on.0 += 1,
                "SUCCEEDED" | "FAILED" if j["placement"].is_object() => on.1 += 1,
                _ => {}
            }
            *states.entry(state).or_default() += 1;
        }
        clusters.remove("-");
        let per_cluster: Vec<String> = clusters
            .iter()
            .map(|(name, (running, done))| format!("{name}: {running} running, {done} done"))
            .collect();
        let ended = ["SUCCEEDED", "FAILED", "CANCELLED"]
            .iter()
            .map(|s| states.get(*s).copied().unwrap_or(0))
            .sum::<usize>();
        let line = format!(
            "{} {ended}/{} done | queued {} | {} | succeeded {} failed {} | {:.0}s",
            bar(ended, jobs.len(), 30),
            jobs.len(),
            states.get("QUEUED").copied().unwrap_or(0),
            per_cluster.join(" | "),
            states.get("SUCCEEDED").copied().unwrap_or(0),
            states.get("FAILED").copied().unwrap_or(0),
            started.elapsed().as_secs_f64(),
        );
        if tty {
            print!("\r{line}   ");
            let _ = std::io::stdout().flush();
        } else if last_print.elapsed() >= Duration::from_secs(2) || ended == jobs.len() {
            println!("{line}");
            last_print = Instant::now();
        }
        if ended == jobs.len() && jobs.len() == submitted.len() {
            if tty {
                println!();
            }
            break jobs;
        }
        if started.elapsed() > Duration::from_secs(600) {
            return Err(anyhow!(
                "the jobs did not all end within 10 minutes (see {}/server.log)",
                data.display()
            ));
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    summary(&jobs);
    if args.keep {
        println!(
            "the server keeps running at {url} (stop it with kill; data in {})",
            data.display()
        );
    } else if args.data.is_none() {
        let _ = std::fs::remove_dir_all(&data);
    }
    Ok(true)
}

fn summary(jobs: &[Value]) {
    // Per cluster: (succeeded, failed, CPUs the succeeded ones asked for).
    let mut by_cluster: BTreeMap<String, (usize, usize, f64)> = BTreeMap::new();
    let mut waits = Vec::new();
    for j in jobs {
        if let (Some(q), Some(s)) = (j["enqueuedMs"].as_i64(), j["startedMs"].as_i64()) {
            waits.push((s - q) as f64 / 1000.0);
        }
        if !j["placement"].is_object() {
            continue;
        }
        let e = by_cluster
            .entry(text(&j["placement"]["cluster"]))
            .or_default();
        if j["state"] == "SUCCEEDED" {
            e.0 += 1;
            e.2 += j["spec"]["cpus"].as_f64().unwrap_or(0.0);
        } else {
            e.1 += 1;
        }
    }
    waits.sort_by(f64::total_cmp);
    let median = waits.get(waits.len() / 2).copied().unwrap_or(0.0);
    println!("summary:");
    for (cluster, (ok, failed, cpus)) in &by_cluster {
        println!("  {cluster:<6} {ok} succeeded ({cpus} CPUs asked in all), {failed} failed");
    }
    let longest = waits.last().copied().unwrap_or(0.0);
    println!("  wait from queued to running: median {median:.1}s, longest {longest:.1}s");
    for j in jobs.iter().filter(|j| j["state"] != "SUCCEEDED") {
        println!(
            "  {} {}: {}: {}",
            text(&j["spec"]["id"]),
            text(&j["state"]),
            text(&j["error"]),
            text(&j["cause"]).trim_end()
        );
    }
}
