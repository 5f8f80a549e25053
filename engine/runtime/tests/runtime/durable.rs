//! The runtime on a real redb file: callbacks, timers, bad tokens, and recovery after the "process" (a
//! tokio runtime with every task in it) is torn down without warning.

#![allow(clippy::unwrap_used)] // helpers outside #[test] functions

use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use stepd_runtime::{Config, Error, Runtime};
use stepd_store::RedbStore;

use crate::common;
use common::{ids_are_contiguous, process};

fn open(path: &Path) -> Runtime {
    common::open(path, Config::default())
}

/// Waits (bounded) until the execution has left RUNNING.
async fn finished(rt: &Runtime, arn: &str) -> String {
    common::settled(rt, arn).await.status().to_string()
}

const CALLBACK_THEN_WAIT: &str = r#"{"StartAt": "Queue", "States": {
  "Queue": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"token.$": "$$.Task.Token", "job.$": "$.job"}, "ResultPath": "$.placement", "Next": "Nap"},
  "Nap": {"Type": "Wait", "Seconds": 1, "Next": "Done"},
  "Done": {"Type": "Succeed"}}}"#;

#[test]
fn callback_then_timer_completes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stepd.redb");
    process().block_on(async {
        let rt = open(&path);
        let sm = rt.register("poller", CALLBACK_THEN_WAIT).await.unwrap();
        let arn = rt.start_execution(&sm, "job-1", json!({"job": "etl"})).await.unwrap();
        let tokens = rt.pending_tokens().unwrap();
        assert_eq!(tokens.len(), 1, "the token is durable when StartExecution returns");
        rt.send_task_success(&tokens[0], json!({"cluster": "slurm-a"})).await.unwrap();
        assert_eq!(finished(&rt, &arn).await, "SUCCEEDED");
        let record = rt.describe_execution(&arn).unwrap();
        assert!(matches!(record.outcome, Some(stepd_core::Outcome::Succeeded { ref output }) if output["placement"]["cluster"] == "slurm-a"));
        ids_are_contiguous(&rt.history(&arn).unwrap());
        assert!(rt.pending_tokens().unwrap().is_empty());
    });
}

#[test]
fn bad_tokens_and_names_get_aws_errors() {
    let dir = tempfile::tempdir().unwrap();
    process().block_on(async {
        let rt = open(&dir.path().join("stepd.redb"));
        assert!(matches!(
            rt.send_task_success("no-such-token", json!(1)).await,
            Err(Error::TaskDoesNotExist(_))
        ));
        let sm = rt.register("poller", CALLBACK_THEN_WAIT).await.unwrap();
        assert!(matches!(
            rt.start_execution("arn:nope", "x", json!({})).await,
            Err(Error::StateMachineDoesNotExist(_))
        ));
        rt.start_execution(&sm, "dup", json!({"job": "d"}))
            .await
            .unwrap();
        assert!(
            rt.start_execution(&sm, "dup", json!({"job": "d"}))
                .await
                .is_ok(),
            "same name and input while running: idempotent"
        );
        assert!(matches!(
            rt.start_execution(&sm, "dup", json!({"job": "other"}))
                .await,
            Err(Error::ExecutionAlreadyExists(_))
        ));
        let token = rt.pending_tokens().unwrap().remove(0);
        rt.send_task_success(&token, json!({})).await.unwrap();
        assert!(
            matches!(
                rt.send_task_success(&token, json!({})).await,
                Err(Error::TaskDoesNotExist(_))
            ),
            "a token works once"
        );
        assert!(matches!(
            rt.register("bad", "{\"StartAt\": 1}").await,
            Err(Error::InvalidDefinition(_))
        ));
    });
}

#[test]
fn executions_survive_a_crash_at_every_stage() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stepd.redb");
    // Process 1: start two executions; one gets its callback and is mid-Wait when the process dies.
    let (sm, waiting, napping) = process().block_on(async {
        let rt = open(&path);
        let sm = rt.register("poller", CALLBACK_THEN_WAIT).await.unwrap();
        let waiting = rt
            .start_execution(&sm, "waiting", json!({"job": "a"}))
            .await
            .unwrap();
        let napping = rt
            .start_execution(&sm, "napping", json!({"job": "b"}))
            .await
            .unwrap();
        let tokens = rt.pending_tokens().unwrap();
        assert_eq!(tokens.len(), 2);
        // Answer the second execution's callback (the token order is the key order; find it by trying).
        let mut answered = false;
        for t in &tokens {
            rt.send_task_success(t, json!({"cluster": "b"}))
                .await
                .unwrap();
            let h = rt.history(&napping).unwrap();
            if h.iter().any(|e| e["type"] == "WaitStateEntered") {
                answered = true;
                break;
            }
            // It was the other execution's token: fine, that one moves on too.
        }
        assert!(answered);
        (sm, waiting, napping)
    }); // the process dies here: no shutdown, timers and tasks vanish.

    // Process 2: recovery rebuilds both, re-arms the timer, keeps the token.
    process().block_on(async {
        let rt = open(&path);
        assert_eq!(
            finished(&rt, &napping).await,
            "SUCCEEDED",
            "the Wait's timer was re-armed"
        );
        for t in rt.pending_tokens().unwrap() {
            rt.send_task_success(&t, json!({"cluster": "a"}))
                .await
                .unwrap();
        }
        assert_eq!(finished(&rt, &waiting).await, "SUCCEEDED");
        for arn in [&waiting, &napping] {
            let h = rt.history(arn).unwrap();
            ids_are_contiguous(&h);
            assert_eq!(h.last().unwrap()["type"], "ExecutionSucceeded");
        }
        // New work still runs after recovery.
        let again = rt
            .start_execution(&sm, "after", json!({"job": "c"}))
            .await
            .unwrap();
        let t = rt.pending_tokens().unwrap().remove(0);
        rt.send_task_success(&t, json!({})).await.unwrap();
        assert_eq!(finished(&rt, &again).await, "SUCCEEDED");
    });
}

#[test]
fn stop_aborts_and_releases_the_token() {
    let dir = tempfile::tempdir().unwrap();
    process().block_on(async {
        let rt = open(&dir.path().join("stepd.redb"));
        let sm = rt.register("poller", CALLBACK_THEN_WAIT).await.unwrap();
        let arn = rt
            .start_execution(&sm, "to-stop", json!({"job": "s"}))
            .await
            .unwrap();
        let token = rt.pending_tokens().unwrap().remove(0);
        rt.stop_execution(
            &arn,
            Some("Operator".into()),
            Some("no longer needed".into()),
        )
        .await
        .unwrap();
        assert_eq!(
            rt.describe_execution(&arn).unwrap().status(),
            "ABORTED",
            "durable when StopExecution returns"
        );
        assert!(rt.pending_tokens().unwrap().is_empty());
        assert!(matches!(
            rt.send_task_success(&token, json!({})).await,
            Err(Error::TaskDoesNotExist(_))
        ));
        rt.stop_execution(&arn, None, None).await.unwrap();
        assert_eq!(
            rt.describe_execution(&arn).unwrap().status(),
            "ABORTED",
            "stopping again changes nothing"
        );
        assert!(matches!(
            rt.stop_execution("arn:no-such", None, None).await,
            Err(Error::ExecutionDoesNotExist(_))
        ));
        ids_are_contiguous(&rt.history(&arn).unwrap());
    });
}

#[test]
fn activity_tasks_wait_for_workers_and_survive_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stepd.redb");
    let (activity, arn) = process().block_on(async {
        let rt = open(&path);
        let activity = rt.create_activity("crunch").await.unwrap();
        let none = rt.get_activity_task(&activity, Duration::from_millis(50)).await.unwrap();
        assert!(none.is_none(), "no task yet: the poll ends empty");
        let def = json!({"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": activity, "End": true}}});
        let sm = rt.register("act", &def.to_string()).await.unwrap();
        let arn = rt.start_execution(&sm, "a1", json!({"n": 1})).await.unwrap();
        (activity, arn)
    }); // crash before any worker asked
    process().block_on(async {
        let rt = open(&path);
        let (token, input) = rt
            .get_activity_task(&activity, Duration::from_secs(5))
            .await
            .unwrap()
            .expect("a task");
        assert_eq!(input, json!({"n": 1}));
        rt.send_task_success(&token, json!("done")).await.unwrap();
        assert_eq!(finished(&rt, &arn).await, "SUCCEEDED");
    });
}

#[test]
fn retention_removes_finished_executions_and_the_file_stops_growing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stepd.redb");
    process().block_on(async {
        let config = Config { retention: Duration::ZERO, sweep_every: Duration::from_millis(20), ..Config::default() };
        let rt = Runtime::start(Arc::new(RedbStore::open(&path).unwrap()), config).unwrap();
        let chain = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "x".repeat(2000), "Next": "B"}, "B": {"Type": "Succeed"}}});
        let sm = rt.register("short", &chain.to_string()).await.unwrap();
        let mut sizes = Vec::new();
        for round in 0..10 {
            let mut arns = Vec::new();
            for i in 0..300 {
                arns.push(rt.start_execution(&sm, &format!("r{round}-{i}"), json!({})).await.unwrap());
            }
            // Wait (bounded) until the sweep has removed this round.
            common::until(&rt, "the sweep removes the round", || {
                arns.iter().all(|a| matches!(rt.describe_execution(a), Err(Error::ExecutionDoesNotExist(_))))
            })
            .await;
            for a in &arns {
                assert!(matches!(rt.describe_execution(a), Err(Error::ExecutionDoesNotExist(_))), "{a} outlived retention");
                assert!(matches!(rt.history(a), Err(Error::ExecutionDoesNotExist(_))), "its history went with it");
            }
            sizes.push(std::fs::metadata(&path).unwrap().len());
        }
        eprintln!("file size after each round of 300 executions: {sizes:?}");
        // Freed pages are reused. Without retention the file would hold every round (each execution writes
        // the 2,000-byte result at least three times: Pass output, execution output, record), so it stays
        // far below that; and it plateaus: redb's allocator moves the size around a little (seen: 225 to
        // 400 KB), so later rounds are compared with the first rounds' high-water mark, not with one round.
        let written = (sizes.len() * 300 * 3 * 2000) as u64;
        let (early, late) = sizes.split_at(sizes.len() / 2);
        let (early, late) = (early.iter().max().unwrap(), late.iter().max().unwrap());
        assert!(*late < written / 8, "the file holds what retention removed: {sizes:?}, {written} written");
        assert!(*late <= early * 2, "the file keeps growing: {sizes:?}");
    });
}

#[test]
fn a_timed_out_tasks_token_answers_task_timed_out() {
    let dir = tempfile::tempdir().unwrap();
    process().block_on(async {
        let rt = open(&dir.path().join("stepd.redb"));
        let def = json!({"StartAt": "Ask", "States": {
            "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "Parameters": {"token.$": "$$.Task.Token"}, "TimeoutSeconds": 1,
                    "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Linger"}], "End": true},
            "Linger": {"Type": "Wait", "Seconds": 30, "End": true}}});
        let sm = rt.register("timeout", &def.to_string()).await.unwrap();
        let arn = rt.start_execution(&sm, "t1", json!({})).await.unwrap();
        let token = rt.pending_tokens().unwrap().remove(0);
        common::until(&rt, "the task times out", || {
            rt.history(&arn)
                .unwrap()
                .iter()
                .any(|e| e["type"] == "TaskTimedOut")
        })
        .await;
        assert!(matches!(
            rt.send_task_success(&token, json!({})).await,
            Err(Error::TaskTimedOut(_))
        ));
        assert_eq!(
            rt.describe_execution(&arn).unwrap().status(),
            "RUNNING",
            "the execution is unharmed"
        );
        assert!(rt.pending_tokens().unwrap().is_empty());
    });
}

#[test]
fn tags_written_in_one_commit_group_all_land_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stepd.redb");
    let tag = |k: &str| stepd_runtime::Tags::from([(k.to_string(), "v".to_string())]);
    let arn = process().block_on(async {
        let rt = open(&path);
        let probe = rt.create_activity("probe").await.unwrap();
        let arn = probe.replace(":probe", ":a");
        // Sent together, these are likely applied in one group: each must see the writes before it.
        let (created, first, second) = tokio::join!(
            rt.create_activity_tagged("a", tag("x")),
            rt.retag(&arn, tag("y"), Vec::new()),
            rt.retag(&arn, tag("z"), vec!["x".to_string()]),
        );
        assert_eq!(created.unwrap(), arn);
        first.unwrap();
        second.unwrap();
        arn
    });
    process().block_on(async {
        let rt = open(&path);
        let keys: Vec<String> = rt.tags(&arn).unwrap().into_keys().collect();
        assert_eq!(keys, ["y", "z"]);
        assert!(matches!(
            rt.tags("arn:nope"),
            Err(Error::ResourceNotFound(_))
        ));
    });
}
