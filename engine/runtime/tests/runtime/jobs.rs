//! The job layer inside the runtime, with no cluster: a job's queue row commits with its token and
//! survives a crash; `scheduler.place` places what fits by priority and answers the tokens in the same
//! commit, never more than a cluster holds; a job no cluster can hold fails with `Job.Unschedulable`; ended
//! jobs go with retention.

#![allow(clippy::unwrap_used)] // helpers outside #[test] functions

use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use stepd_runtime::jobs::{JobFilter, JobState, JobsConfig, Known};
use stepd_runtime::{Config, Runtime};
use stepd_store::RedbStore;

use crate::common;
use common::process;

/// The queue task, then an hour as if running: enough to watch the queue (no cluster tasks needed).
const QUEUED: &str = r#"{"StartAt": "Q", "States": {
  "Q": {"Type": "Task", "Resource": "arn:aws:states:::stepd:queue.waitForTaskToken",
        "Parameters": {"job.$": "$.job"}, "ResultPath": "$.placed", "Next": "Run"},
  "Run": {"Type": "Wait", "Seconds": 3600, "End": true}}}"#;

/// The queue task alone.
const QUEUED_ONLY: &str = r#"{"StartAt": "Q", "States": {
  "Q": {"Type": "Task", "Resource": "arn:aws:states:::stepd:queue.waitForTaskToken",
        "Parameters": {"job.$": "$.job"}, "ResultPath": "$.placed", "End": true}}}"#;

fn place(cpus: u64, memory: u64) -> String {
    json!({"StartAt": "P", "States": {"P": {"Type": "Task", "Resource": "arn:aws:states:::stepd:scheduler.place",
        "Parameters": {"capacity": [{"name": "c", "labels": [], "available": true,
            "total": {"cpuMilli": cpus, "memoryMiB": memory}, "used": {"cpuMilli": 0, "memoryMiB": 0}, "atMs": 0}]},
        "End": true}}})
    .to_string()
}

fn config(retention: Duration) -> Config {
    Config {
        retention,
        sweep_every: Duration::from_millis(20),
        jobs: JobsConfig {
            known: Known {
                clusters: [("c".to_string(), vec![])].into_iter().collect(),
                tenants: vec![],
            },
            ..JobsConfig::default()
        },
        ..Config::default()
    }
}

/// Runs one tick of the place machine: its output.
async fn tick(rt: &Runtime, placer: &str, name: &str) -> Value {
    let arn = rt.start_execution(placer, name, json!({})).await.unwrap();
    let out = output(rt, &arn).await;
    out["Succeeded"]["output"].clone()
}

/// The jobs a tick placed, in the order placed.
fn placed(out: &Value) -> Vec<&str> {
    out["placements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["job"].as_str().unwrap())
        .collect()
}

async fn output(rt: &Runtime, arn: &str) -> Value {
    let record = common::settled(rt, arn).await;
    serde_json::to_value(record.outcome).unwrap()
}

#[test]
fn the_queue_is_durable_and_place_books_only_what_fits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stepd.redb");
    process().block_on(async {
        let rt = Runtime::start(Arc::new(RedbStore::open(&path).unwrap()), config(Duration::from_secs(3600))).unwrap();
        let sm = rt.register("queued", QUEUED).await.unwrap();
        for (id, priority) in [("low", 10), ("high", 900), ("mid", 500)] {
            rt.start_execution(&sm, id, json!({"job": {"command": ["true"], "cpus": 2, "memoryMiB": 100, "priority": priority}}))
                .await
                .unwrap();
        }
        // Acknowledged means queued.
        let queued = rt.jobs(&JobFilter { state: Some(JobState::Queued), ..JobFilter::default() }, None, 10).unwrap();
        assert_eq!(queued.jobs.len(), 3);
    });
    // A crash, then a start on the same file: the queue is still there.
    process().block_on(async {
        let rt = Runtime::start(
            Arc::new(RedbStore::open(&path).unwrap()),
            config(Duration::from_secs(3600)),
        )
        .unwrap();
        let placer = rt.register("place", &place(4000, 1000)).await.unwrap();
        let out = tick(&rt, &placer, "tick-1").await;
        assert_eq!(
            placed(&out),
            ["high", "mid"],
            "by priority, as many as fit in 4 CPUs: {out}"
        );
        let high = rt.job("high").unwrap().unwrap();
        assert_eq!(
            high.state,
            JobState::Placed,
            "its token was answered with the placement: {high:?}"
        );
        assert_eq!(high.placement.as_ref().unwrap().cluster, "c");
        assert_eq!(rt.job("low").unwrap().unwrap().state, JobState::Queued);
        // The placed jobs hold their room from the moment they were placed: another tick books nothing.
        let out = tick(&rt, &placer, "tick-2").await;
        assert_eq!(out["placed"], 0, "{out}");
        // Stopping one ends its job (CANCELLED) and frees its room: the next tick places the job left.
        rt.stop_execution(&high.execution, None, None)
            .await
            .unwrap();
        assert_eq!(rt.job("high").unwrap().unwrap().state, JobState::Cancelled);
        let out = tick(&rt, &placer, "tick-3").await;
        assert_eq!(placed(&out), ["low"], "{out}");
    });
}

#[test]
fn a_job_too_big_for_every_cluster_fails_and_ended_jobs_go_with_retention() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stepd.redb");
    process().block_on(async {
        // Long enough to read the outcomes first.
        let rt = Runtime::start(
            Arc::new(RedbStore::open(&path).unwrap()),
            config(Duration::from_secs(2)),
        )
        .unwrap();
        let sm = rt.register("queued", QUEUED_ONLY).await.unwrap();
        let job = rt
            .start_execution(
                &sm,
                "huge",
                json!({"job": {"command": ["true"], "cpus": 64}}),
            )
            .await
            .unwrap();
        let placer = rt.register("place", &place(4000, 1000)).await.unwrap();
        let tick = rt
            .start_execution(&placer, "tick", json!({}))
            .await
            .unwrap();
        let out = output(&rt, &tick).await;
        assert_eq!(out["Succeeded"]["output"]["unschedulable"], 1, "{out}");
        let failed = output(&rt, &job).await;
        assert_eq!(failed["Failed"]["error"], "Job.Unschedulable", "{failed}");
        assert!(
            failed["Failed"]["cause"]
                .as_str()
                .unwrap()
                .contains("64 CPU"),
            "{failed}"
        );
        // After the retention period the job's record goes with its execution.
        assert!(rt.job("huge").unwrap().is_some());
        common::until(&rt, "the ended job goes with retention", || {
            rt.job("huge").unwrap().is_none()
        })
        .await;
        assert!(
            rt.job("huge").unwrap().is_none(),
            "the ended job outlived retention"
        );
    });
}
