//! Helpers shared by the local cluster's tests: configurations, job specs, polling a job with a deadline,
//! and reading /proc for what is left of a job's processes.

#![allow(dead_code)] // each test file uses its own part of these

use std::path::Path;
use std::time::{Duration, Instant};
use stepd_adapter::{Cluster, JobSpec, JobState, JobStatus, Resources};
use stepd_cluster_local::LocalConfig;

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

pub fn config(dir: &Path, cpus: u64, memory_mib: u64) -> LocalConfig {
    LocalConfig::new("test", dir, Resources::new(cpus * 1000, memory_mib))
}

/// A job running `script` with `sh -c`, demanding `cpus` CPUs and 64 MiB.
pub fn job(name: &str, script: &str, cpus: u64) -> JobSpec {
    JobSpec {
        name: name.into(),
        job_id: format!("stepd-{name}"),
        command: vec!["/bin/sh".into(), "-c".into(), script.into()],
        env: Default::default(),
        workdir: None,
        demand: Resources::new(cpus * 1000, 64),
        time_limit_seconds: None,
    }
}

/// Polls a job until `done` holds of its status, failing past `within`.
pub async fn wait_until(
    cluster: &dyn Cluster,
    id: &str,
    within: Duration,
    done: impl Fn(&JobStatus) -> bool,
) -> Result<JobStatus, String> {
    let deadline = Instant::now() + within;
    loop {
        let status = cluster.status(id).await.map_err(|e| e.to_string())?;
        if done(&status) {
            return Ok(status);
        }
        if Instant::now() > deadline {
            return Err(format!("job {id} still {status:?} after {within:?}"));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Polls a job until it has ended and its end is recorded (`ended_ms` set).
pub async fn wait_ended(
    cluster: &dyn Cluster,
    id: &str,
    within: Duration,
) -> Result<JobStatus, String> {
    wait_until(cluster, id, within, |s| {
        s.state.is_final() && s.ended_ms.is_some()
    })
    .await
}

pub async fn wait_state(
    cluster: &dyn Cluster,
    id: &str,
    state: JobState,
    within: Duration,
) -> Result<JobStatus, String> {
    wait_until(cluster, id, within, |s| s.state == state).await
}

/// The pids of every process in process group `pgid`, from /proc.
pub fn group_members(pgid: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                return false;
            };
            // After the command name's closing parenthesis: state, ppid, pgrp.
            let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
                return false;
            };
            let fields: Vec<&str> = rest.split_whitespace().collect();
            fields.get(2).and_then(|g| g.parse::<i32>().ok()) == Some(pgid)
                && fields.first() != Some(&"Z")
        })
        .collect()
}

/// Polls until process group `pgid` has no live process left.
pub async fn wait_group_gone(pgid: i32, within: Duration) -> Result<(), String> {
    let deadline = Instant::now() + within;
    loop {
        let left = group_members(pgid);
        if left.is_empty() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("process group {pgid} still has {left:?}"));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The wrapper pid a running job wrote (its process group id).
pub fn job_pid(dir: &Path, id: &str) -> Option<i32> {
    std::fs::read_to_string(dir.join("jobs").join(id).join("pid"))
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Polls until the running job has written its pid.
pub async fn wait_pid(dir: &Path, id: &str, within: Duration) -> Result<i32, String> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(pid) = job_pid(dir, id) {
            return Ok(pid);
        }
        if Instant::now() > deadline {
            return Err(format!("job {id} wrote no pid within {within:?}"));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
