//! The job layer, end to end with the local cluster: on an idle server, the latency from a job's enqueue
//! to its placement and to its run being accepted by the cluster (p50/p99 over 100 jobs submitted one at a
//! time); and jobs completed per second with 1,000 trivial jobs submitted at once, side by side with the
//! ceiling of starting the same 1,000 processes directly (no engine). Figures come from the jobs' own
//! records (server clock). Run: `cargo bench -p stepd --bench jobs`.

#![allow(clippy::unwrap_used)]

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Kill(Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const CONFIG: &str = r#"
[scheduler]
tick_seconds = 5
[[clusters]]
name = "local"
kind = "local"
cpus = 2000
memory = "4000GiB"
enforce_memory = false
"#;

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

fn get(agent: &ureq::Agent, url: &str) -> Value {
    let text = agent
        .get(url)
        .call()
        .unwrap()
        .body_mut()
        .with_config()
        .limit(1 << 30)
        .read_to_string()
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn post(agent: &ureq::Agent, url: &str, body: &Value) -> Value {
    let mut r = agent
        .post(url)
        .header("content-type", "application/json")
        .send(body.to_string())
        .unwrap();
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().unwrap();
    assert!((200..300).contains(&status), "{text}");
    serde_json::from_str(&text).unwrap()
}

fn server(dir: &std::path::Path) -> (Kill, String) {
    let config = dir.join("stepd.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_stepd"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir)
        .arg("--config")
        .arg(&config)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (
        Kill(child),
        line.trim().trim_start_matches("listening on ").to_string(),
    )
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn all_jobs(agent: &ureq::Agent, url: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = match &next {
            Some(n) => get(agent, &format!("{url}/jobs?limit=1000&next={n}")),
            None => get(agent, &format!("{url}/jobs?limit=1000")),
        };
        out.extend(page["jobs"].as_array().cloned().unwrap_or_default());
        match page["next"].as_str() {
            Some(n) => next = Some(n.to_string()),
            None => return out,
        }
    }
}

fn ended(j: &Value) -> bool {
    matches!(
        j["state"].as_str(),
        Some("SUCCEEDED" | "FAILED" | "CANCELLED")
    )
}

fn main() {
    let agent = agent();
    let dir = tempfile::tempdir().unwrap();
    let (_server, url) = server(dir.path());

    // Latency on an idle system: one job at a time, each waited for until its run was accepted.
    let (mut placed, mut running) = (Vec::new(), Vec::new());
    for i in 0..100 {
        let id = format!("lat-{i}");
        post(
            &agent,
            &format!("{url}/jobs"),
            &json!({"id": id, "command": ["true"], "cpus": 0.1, "memoryMiB": 16}),
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        let job = loop {
            let job = get(&agent, &format!("{url}/jobs/{id}"));
            if job["startedMs"].is_i64() {
                break job;
            }
            assert!(Instant::now() < deadline, "{job}");
            std::thread::sleep(Duration::from_millis(2));
        };
        let q = job["enqueuedMs"].as_i64().unwrap() as f64;
        placed.push(job["placement"]["atMs"].as_i64().unwrap() as f64 - q);
        running.push(job["startedMs"].as_i64().unwrap() as f64 - q);
    }
    println!(
        "idle system, 100 jobs one at a time: enqueue -> placed p50 {:.0} ms p99 {:.0} ms; enqueue -> running (accepted by the cluster) p50 {:.0} ms p99 {:.0} ms",
        percentile(&mut placed, 0.5),
        percentile(&mut placed, 0.99),
        percentile(&mut running, 0.5),
        percentile(&mut running, 0.99)
    );

    // Throughput: 1,000 trivial jobs at once.
    let n = 1000;
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..8 {
            let (agent, url) = (agent.clone(), url.clone());
            s.spawn(move || {
                for i in (t..n).step_by(8) {
                    post(&agent, &format!("{url}/jobs"), &json!({"id": format!("tp-{i}"), "command": ["true"], "cpus": 0.1, "memoryMiB": 16}));
                }
            });
        }
    });
    let submitted = start.elapsed().as_secs_f64();
    loop {
        let jobs = all_jobs(&agent, &url);
        if jobs
            .iter()
            .filter(|j| j["spec"]["id"].as_str().unwrap().starts_with("tp-") && ended(j))
            .count()
            == n
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let wall = start.elapsed().as_secs_f64();
    println!(
        "1,000 trivial jobs at once: submitted in {submitted:.2} s, all ended after {wall:.2} s: {:.0} jobs/s (each is a Job Poller execution polled once a second)",
        n as f64 / wall
    );

    // The ceiling: the same processes started directly, 8 at a time, through the same wrapper shell.
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for _ in 0..n / 8 {
                    Command::new("/bin/sh")
                        .args(["-c", "true"])
                        .status()
                        .unwrap();
                }
            });
        }
    });
    let direct = start.elapsed().as_secs_f64();
    println!(
        "ceiling: 1,000 `sh -c true` started directly in {direct:.2} s: {:.0} processes/s",
        n as f64 / direct
    );
}
