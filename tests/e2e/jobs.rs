//! The job layer end to end: a real `stepd serve` with two local clusters of different sizes runs 200 jobs
//! of mixed priorities, tenants and sizes as real processes, and is killed with SIGKILL twice on the way.
//! Every job must run exactly once and end; the placement log must never put more on a cluster than it
//! holds; placements must follow the rank order (priority with aging) except where backfill placed a job
//! behind a reserved one; a job larger than every cluster fails with `Job.Unschedulable`; a failing
//! command's error output reaches its execution's cause; a cancelled job's process is gone.

#![allow(clippy::unwrap_used)] // helpers outside #[test] functions

use crate::common::{self, rest};

use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

const JOBS: usize = 200;
/// Milliseconds of waiting one point of priority is worth in this test's policy.
const AGING_MS: i64 = 20;

const CONFIG: &str = r#"
tenants = ["alpha", "beta", "gamma"]
[scheduler]
tick_seconds = 1
aging_seconds_per_point = 0.02
backfill = true
[[clusters]]
name = "small"
kind = "local"
cpus = 2
memory = "1GiB"
[[clusters]]
name = "large"
kind = "local"
cpus = 4
memory = "6GiB"
labels = ["big"]
"#;

fn capacity(cluster: &str) -> (i64, i64) {
    match cluster {
        "small" => (2000, 1024),
        _ => (4000, 6144),
    }
}

fn start(data: &Path) -> common::Server {
    let config = data.join("stepd.toml");
    std::fs::write(&config, CONFIG).unwrap();
    common::server_with(
        data,
        &[
            "--listen",
            "127.0.0.1:0",
            "--config",
            config.to_str().unwrap(),
        ],
    )
}

fn all_jobs(url: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let path = match &next {
            Some(n) => format!("{url}/jobs?limit=1000&next={n}"),
            None => format!("{url}/jobs?limit=1000"),
        };
        let (status, page) = rest("GET", &path, None);
        assert_eq!(status, 200, "{page}");
        out.extend(page["jobs"].as_array().cloned().unwrap_or_default());
        match page["next"].as_str() {
            Some(n) => next = Some(n.to_string()),
            None => return out,
        }
    }
}

/// The 200 jobs: each appends its id to `runs` when it runs (so a second run would show), sleeps a little;
/// every 25th fails with a message on stderr.
fn jobs(runs: &Path) -> Vec<Value> {
    let tenants = ["alpha", "beta", "gamma"];
    (0..JOBS)
        .map(|i| {
            let cpus = [0.5, 1.0, 1.5, 2.0, 3.0][i % 5];
            let memory = [128, 256, 512, 768, 2048][(i * 3) % 5];
            let ms = 100 + (i * 37) % 500;
            let id = format!("job-{i:03}");
            let fail = if i % 25 == 7 { format!("; echo 'boom from {id}' >&2; exit 3") } else { String::new() };
            let priority = [0, 100, 500, 1000][(i * 7) % 4];
            let mut job = json!({
                "id": id,
                "tenant": tenants[i % 3],
                "priority": priority,
                "cpus": cpus,
                "memoryMiB": memory,
                "pollSeconds": 1,
                "command": format!("echo {id} >> {}; sleep {}.{:03}{fail}", runs.display(), ms / 1000, ms % 1000),
            });
            if cpus > 2.0 || memory > 1024 {
                job["labels"] = json!(["big"]);
            }
            job
        })
        .collect()
}

#[test]
fn two_hundred_jobs_on_two_clusters_survive_two_crashes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let runs = dir.path().join("runs.log");
    let mut server = start(&data);

    // Bad jobs are refused whole, each with the field named, and nothing is queued for them.
    for (job, field) in [
        (
            json!({"id": "bad-1", "tenant": "alpha", "command": "true", "cpus": -1}),
            "job.cpus",
        ),
        (
            json!({"id": "bad-2", "tenant": "alpha", "command": "true", "memory": "lots"}),
            "job.memory",
        ),
        (
            json!({"id": "bad-3", "tenant": "alpha", "command": "true", "cluster": "moon"}),
            "job.cluster",
        ),
        (
            json!({"id": "bad-4", "command": "true", "tenant": "delta"}),
            "job.tenant",
        ),
        (
            json!({"id": "bad-5", "tenant": "alpha", "command": "x".repeat(70_000)}),
            "job.command",
        ),
        (
            json!({"id": "bad-6", "tenant": "alpha", "command": "true", "priority": 1e9}),
            "job.priority",
        ),
    ] {
        let (status, v) = rest("POST", &format!("{}/jobs", server.url), Some(&job));
        assert_eq!(status, 400, "{job}: {v}");
        assert!(v["message"].as_str().unwrap().starts_with(field), "{v}");
        let (status, _) = rest(
            "GET",
            &format!("{}/jobs/{}", server.url, job["id"].as_str().unwrap()),
            None,
        );
        assert_eq!(status, 400, "a refused job must leave nothing behind");
    }

    let submitted = jobs(&runs);
    let too_big = json!({"id": "too-big", "tenant": "alpha", "cpus": 64, "command": "true"});
    let cancel_me = json!({"id": "cancel-me", "tenant": "beta", "cpus": 0.5, "priority": 1000,
                           "command": "sleep 300 # marker-cancel-me", "pollSeconds": 1});
    for job in submitted.iter().chain([&too_big, &cancel_me]) {
        let (status, v) = rest("POST", &format!("{}/jobs", server.url), Some(job));
        assert_eq!(status, 201, "{v}");
    }
    let (status, v) = rest("POST", &format!("{}/jobs", server.url), Some(&too_big));
    assert_eq!(
        (status, v["__type"].as_str()),
        (400, Some("JobAlreadyExists")),
        "{v}"
    );

    // Cancel one job while it runs: its process must be gone.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, job) = rest("GET", &format!("{}/jobs/cancel-me", server.url), None);
        if job["clusterState"] == "RUNNING" {
            break;
        }
        assert!(Instant::now() < deadline, "cancel-me never ran: {job}");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(marker_alive("marker-cancel-me"));
    let (status, v) = rest(
        "POST",
        &format!("{}/jobs/cancel-me/cancel", server.url),
        None,
    );
    assert_eq!(status, 200, "{v}");

    // Two crashes while the jobs run, each followed by a restart on the same data.
    let mut used_samples = 0;
    for crash in 0..2 {
        let target = JOBS * (crash + 1) / 3;
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            let ended = all_jobs(&server.url)
                .iter()
                .filter(|j| {
                    matches!(
                        j["state"].as_str(),
                        Some("SUCCEEDED" | "FAILED" | "CANCELLED")
                    )
                })
                .count();
            used_samples += sample_capacity(&server.url);
            if ended >= target {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "only {ended} jobs ended before crash {crash}"
            );
            std::thread::sleep(Duration::from_millis(150));
        }
        drop(server); // SIGKILL
        server = start(&data);
    }

    let deadline = Instant::now() + Duration::from_secs(300);
    let jobs = loop {
        let jobs = all_jobs(&server.url);
        used_samples += sample_capacity(&server.url);
        if jobs.len() == JOBS + 2
            && jobs.iter().all(|j| {
                matches!(
                    j["state"].as_str(),
                    Some("SUCCEEDED" | "FAILED" | "CANCELLED")
                )
            })
        {
            break jobs;
        }
        assert!(
            Instant::now() < deadline,
            "the jobs did not all end: {:?}",
            jobs.iter()
                .filter(|j| !matches!(
                    j["state"].as_str(),
                    Some("SUCCEEDED" | "FAILED" | "CANCELLED")
                ))
                .map(|j| (&j["spec"]["id"], &j["state"]))
                .collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    assert!(used_samples > 0);
    let by_id: HashMap<&str, &Value> = jobs
        .iter()
        .map(|j| (j["spec"]["id"].as_str().unwrap(), j))
        .collect();

    // Exactly once: every job's command ran one time.
    let log = std::fs::read_to_string(&runs).unwrap();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for line in log.lines() {
        *counts.entry(line.trim()).or_default() += 1;
    }
    for job in &submitted {
        let id = job["id"].as_str().unwrap();
        assert_eq!(
            counts.get(id).copied(),
            Some(1),
            "{id} ran {:?} times",
            counts.get(id)
        );
        let record = by_id[id];
        let failing = job["command"].as_str().unwrap().contains("boom");
        let want = if failing { "FAILED" } else { "SUCCEEDED" };
        assert_eq!(record["state"], want, "{record}");
    }

    // A failing command's stderr tail reaches the execution's cause.
    let failed = by_id["job-007"];
    assert!(
        failed["cause"]
            .as_str()
            .unwrap()
            .contains("boom from job-007"),
        "{failed}"
    );
    assert!(
        failed["cause"].as_str().unwrap().contains("exit code 3"),
        "{failed}"
    );
    let (_, execution) = common::aws_call(
        &server.url,
        "DescribeExecution",
        &json!({"executionArn": failed["execution"]}),
    );
    assert!(
        execution["cause"]
            .as_str()
            .unwrap()
            .contains("boom from job-007"),
        "{execution}"
    );

    // Larger than every cluster: failed fast, named.
    let big = by_id["too-big"];
    assert_eq!(
        (big["state"].as_str(), big["error"].as_str()),
        (Some("FAILED"), Some("Job.Unschedulable")),
        "{big}"
    );
    assert!(big["placement"].is_null());

    // The cancelled job is cancelled, and its process is gone.
    assert_eq!(by_id["cancel-me"]["state"], "CANCELLED");
    let gone = Instant::now() + Duration::from_secs(20);
    while marker_alive("marker-cancel-me") {
        assert!(
            Instant::now() < gone,
            "the cancelled job's process is still running"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    check_capacity(&jobs);
    check_rank_order(&jobs);
}

/// Whether a process whose command line holds `marker` runs.
fn marker_alive(marker: &str) -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|e| {
        std::fs::read(e.path().join("cmdline"))
            .map(|c| String::from_utf8_lossy(&c).contains(marker))
            .unwrap_or(false)
    })
}

/// What each cluster reports using never exceeds what it has (sampled while the jobs run).
fn sample_capacity(url: &str) -> usize {
    let (status, v) = rest("GET", &format!("{url}/clusters"), None);
    assert_eq!(status, 200, "{v}");
    let mut n = 0;
    for c in v["clusters"].as_array().unwrap() {
        let (total, used) = (&c["total"], &c["used"]);
        assert!(
            used["cpuMilli"].as_i64() <= total["cpuMilli"].as_i64(),
            "{c}"
        );
        assert!(
            used["memoryMiB"].as_i64() <= total["memoryMiB"].as_i64(),
            "{c}"
        );
        n += 1;
    }
    n
}

/// From the placement log: at every placement, what the jobs placed on that cluster and not yet ended
/// ask for fits the cluster, in CPU and in memory.
fn check_capacity(jobs: &[Value]) {
    let placed: Vec<(&str, i64, i64, i64, i64)> = jobs
        .iter()
        .filter(|j| j["placement"].is_object())
        .map(|j| {
            let cpu = (j["spec"]["cpus"].as_f64().unwrap() * 1000.0).round() as i64;
            (
                j["placement"]["cluster"].as_str().unwrap(),
                j["placement"]["atMs"].as_i64().unwrap(),
                j["endedMs"].as_i64().unwrap(),
                cpu,
                j["spec"]["memoryMiB"].as_i64().unwrap(),
            )
        })
        .collect();
    for &(cluster, at, _, _, _) in &placed {
        let (cpu, mem) = placed
            .iter()
            .filter(|p| p.0 == cluster && p.1 <= at && p.2 > at)
            .fold((0, 0), |(c, m), p| (c + p.3, m + p.4));
        let (cap_cpu, cap_mem) = capacity(cluster);
        assert!(
            cpu <= cap_cpu && mem <= cap_mem,
            "{cluster} held {cpu} mCPU / {mem} MiB at {at}"
        );
    }
}

/// In each tick, a job placed in rank order (not backfilled) was placed only when every better-ranked job
/// then queued was placed in the same tick: higher priority first, FIFO within a priority, and a job is
/// never overtaken by one enqueued more than (1000 - priority) x aging after it, except by backfill.
fn check_rank_order(jobs: &[Value]) {
    let rank = |j: &Value| {
        j["enqueuedMs"].as_i64().unwrap() - j["spec"]["priority"].as_i64().unwrap() * AGING_MS
    };
    let placed: Vec<&Value> = jobs.iter().filter(|j| j["placement"].is_object()).collect();
    let mut overtaken = 0;
    for b in placed
        .iter()
        .filter(|j| j["placement"]["backfilled"] != true)
    {
        let t = b["placement"]["atMs"].as_i64().unwrap();
        for a in &placed {
            let a_at = a["placement"]["atMs"].as_i64().unwrap();
            let queued_then = a["enqueuedMs"].as_i64().unwrap() <= t && a_at > t;
            if queued_then && rank(a) < rank(b) {
                overtaken += 1;
                eprintln!(
                    "{} (rank {}) placed at {t} ahead of {} (rank {}, placed at {a_at})",
                    b["spec"]["id"],
                    rank(b),
                    a["spec"]["id"],
                    rank(a)
                );
            }
        }
    }
    assert_eq!(
        overtaken, 0,
        "placements out of rank order without backfill"
    );
}
