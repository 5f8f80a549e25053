//! RedriveExecution: a failed (or aborted) execution runs again from the state it stopped in, with that
//! state's input and the variables it had, also after a restart; successful and running ones refuse.

#![allow(clippy::unwrap_used)] // helpers outside #[test] functions

use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use stepd_runtime::{Config, Error, Runtime};
use stepd_store::RedbStore;

use crate::common;
use common::{process, settled};

const FLOW: &str = r#"{"StartAt": "Prepare", "States": {
  "Prepare": {"Type": "Pass", "Assign": {"owner": "ops"}, "Result": {"step": 1}, "ResultPath": "$.prepared", "Next": "Submit"},
  "Submit": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
             "Parameters": {"t.$": "$$.Task.Token"}, "ResultPath": "$.submitted", "Next": "Report"},
  "Report": {"Type": "Pass", "Parameters": {"owner.$": "$owner", "prepared.$": "$.prepared", "submitted.$": "$.submitted",
             "redrives.$": "$$.Execution.RedriveCount"}, "End": true}}}"#;

fn types(history: &[Value]) -> Vec<String> {
    history
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_failed_execution_runs_again_from_the_failed_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stepd.redb");
    let open =
        || Runtime::start(Arc::new(RedbStore::open(&path).unwrap()), Config::default()).unwrap();
    let arn = process().block_on(async {
        let rt = open();
        let sm = rt.register("flow", FLOW).await.unwrap();
        let arn = rt
            .start_execution(&sm, "job", json!({"job": "etl"}))
            .await
            .unwrap();
        assert!(
            matches!(
                rt.redrive_execution(&arn, None).await,
                Err(Error::ExecutionNotRedrivable(_))
            ),
            "running"
        );
        let token = rt.pending_tokens().unwrap().remove(0);
        rt.send_task_failure(&token, "Cluster.Down", "no nodes")
            .await
            .unwrap();
        assert_eq!(settled(&rt, &arn).await.status(), "FAILED");
        let at = rt.redrive_execution(&arn, Some("client-1")).await.unwrap();
        let again = rt.redrive_execution(&arn, Some("client-1")).await.unwrap();
        assert_eq!(again, at, "a retried request answers the redrive it made");
        assert!(matches!(
            rt.redrive_execution(&arn, Some("client-2")).await,
            Err(Error::ExecutionNotRedrivable(_))
        ));
        let record = rt.describe_execution(&arn).unwrap();
        assert_eq!((record.status(), record.redrive_count), ("RUNNING", 1));
        assert_eq!(
            rt.pending_tokens().unwrap().len(),
            1,
            "the failed Task is scheduled again"
        );
        arn
    }); // restart: the redriven execution is rebuilt from its journal
    process().block_on(async {
        let rt = open();
        let token = rt.pending_tokens().unwrap().remove(0);
        rt.send_task_success(&token, json!({"jobId": 7})).await.unwrap();
        let record = settled(&rt, &arn).await;
        let Some(stepd_core::Outcome::Succeeded { output }) = &record.outcome else {
            panic!("{record:?}");
        };
        assert_eq!(
            output,
            &json!({"owner": "ops", "prepared": {"step": 1}, "submitted": {"jobId": 7}, "redrives": 1}),
            "the state ran again with its input and the variables it had"
        );
        let history = rt.history(&arn).unwrap();
        for (i, e) in history.iter().enumerate() {
            assert_eq!(e["id"], json!(i + 1));
        }
        let kinds = types(&history);
        let failed = kinds.iter().position(|k| k == "ExecutionFailed").unwrap();
        assert_eq!(kinds[failed + 1], "ExecutionRedriven");
        assert_eq!(history[failed + 1]["executionRedrivenEventDetails"]["redriveCount"], 1);
        assert_eq!(kinds[failed + 2], "TaskStateEntered");
        assert_eq!(kinds.iter().filter(|k| *k == "PassStateEntered").count(), 2, "Prepare is not run again");
        assert!(matches!(rt.redrive_execution(&arn, None).await, Err(Error::ExecutionNotRedrivable(_))), "succeeded");
        assert!(matches!(
            rt.redrive_execution("arn:aws:states:us-east-1:123456789012:execution:flow:nope", None).await,
            Err(Error::ExecutionDoesNotExist(_))
        ));

        // An aborted execution can be redriven too.
        let sm = rt.state_machine_arn("flow");
        let stopped = rt.start_execution(&sm, "stopped", json!({})).await.unwrap();
        rt.stop_execution(&stopped, None, None).await.unwrap();
        rt.redrive_execution(&stopped, None).await.unwrap();
        assert_eq!(rt.describe_execution(&stopped).unwrap().status(), "RUNNING");
    });
}

#[test]
fn a_redriven_map_runs_only_the_iterations_that_failed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stepd.redb");
    process().block_on(async {
        let rt = Runtime::start(Arc::new(RedbStore::open(&path).unwrap()), Config::default()).unwrap();
        let activity = rt.create_activity("items").await.unwrap();
        let def = json!({"StartAt": "Each", "States": {
            "Each": {"Type": "Map", "ItemsPath": "$.items", "End": true, "ItemProcessor": {
                "StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": activity, "End": true}}}}}});
        let sm = rt.register("map", &def.to_string()).await.unwrap();
        let arn = rt.start_execution(&sm, "m", json!({"items": [0, 1, 2]})).await.unwrap();
        let mut tasks = Vec::new();
        for _ in 0..3 {
            tasks.push(rt.get_activity_task(&activity, Duration::from_secs(5)).await.unwrap().unwrap());
        }
        // The others succeed first: a failure cancels the iterations still running.
        tasks.sort_by_key(|(_, input)| input == &json!(1));
        for (token, input) in tasks {
            if input == json!(1) {
                rt.send_task_failure(&token, "Item.Bad", "one").await.unwrap();
            } else {
                rt.send_task_success(&token, json!(format!("done {input}"))).await.unwrap();
            }
        }
        assert_eq!(settled(&rt, &arn).await.status(), "FAILED");
        rt.redrive_execution(&arn, None).await.unwrap();
        let (token, input) = rt.get_activity_task(&activity, Duration::from_secs(5)).await.unwrap().unwrap();
        assert_eq!(input, json!(1), "only the failed iteration runs again");
        assert!(
            rt.get_activity_task(&activity, Duration::from_millis(200)).await.unwrap().is_none(),
            "and no other"
        );
        rt.send_task_success(&token, json!("done again 1")).await.unwrap();
        let record = settled(&rt, &arn).await;
        let Some(stepd_core::Outcome::Succeeded { output }) = &record.outcome else {
            panic!("{record:?}");
        };
        assert_eq!(output, &json!(["done 0", "done again 1", "done 2"]), "results keep their order");
        let history = rt.history(&arn).unwrap();
        let after = types(&history).iter().skip_while(|k| *k != "ExecutionRedriven").filter(|k| *k == "MapIterationStarted").count();
        assert_eq!(after, 1, "one iteration started after the redrive");
    });
}
