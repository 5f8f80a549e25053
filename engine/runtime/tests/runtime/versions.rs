//! UpdateStateMachine and versions: running executions keep the definition they started with (also after
//! a restart, when they are rebuilt from disk), new ones take the current one, and a version ARN runs that
//! version.

#![allow(clippy::unwrap_used)] // helpers outside #[test] functions

use serde_json::{Value, json};
use std::sync::Arc;
use stepd_runtime::{Config, Error, Runtime};
use stepd_store::RedbStore;

use crate::common;
use common::process;

/// Waits for a callback, then answers with a fixed `said`.
fn definition(said: &str) -> String {
    json!({"StartAt": "Ask", "States": {
        "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"t.$": "$$.Task.Token"}, "ResultPath": null, "Next": "Say"},
        "Say": {"Type": "Pass", "Result": said, "End": true}}})
    .to_string()
}

async fn output(rt: &Runtime, arn: &str) -> Value {
    let r = common::settled(rt, arn).await;
    match r.outcome {
        Some(stepd_core::Outcome::Succeeded { output }) => output,
        _ => panic!("{arn} did not succeed: {r:?}"),
    }
}

#[test]
fn executions_keep_their_definition_and_versions_run_theirs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stepd.redb");
    let open =
        || Runtime::start(Arc::new(RedbStore::open(&path).unwrap()), Config::default()).unwrap();
    let (sm, old, v1) = process().block_on(async {
        let rt = open();
        let (sm, v1) = rt
            .create_state_machine(stepd_runtime::MachineSpec {
                role_arn: "arn:aws:iam::123456789012:role/etl".into(),
                publish: Some("first".into()),
                ..stepd_runtime::MachineSpec::new("m", &definition("one"))
            })
            .await
            .unwrap();
        let v1 = v1.unwrap();
        assert_eq!(v1, format!("{sm}:1"));
        let old = rt.start_execution(&sm, "old", json!({})).await.unwrap();
        let updated = rt
            .update_state_machine(&sm, Some(&definition("two")), None, Some("second"))
            .await
            .unwrap();
        assert_eq!(
            updated.version_arn.as_deref(),
            Some(format!("{sm}:2").as_str())
        );
        let current = rt.state_machine(&sm).unwrap().definition_id;
        assert_eq!(rt.definition_text(&current).unwrap(), definition("two"));
        let again = rt.publish_version(&sm, None, "same").await.unwrap();
        assert_eq!(
            again.arn,
            format!("{sm}:2"),
            "the same revision answers the latest version"
        );
        assert!(matches!(
            rt.publish_version(&sm, Some("stale"), "x").await,
            Err(Error::Conflict(_))
        ));
        let listed: Vec<String> = rt
            .versions(&sm)
            .unwrap()
            .into_iter()
            .map(|v| v.arn)
            .collect();
        assert_eq!(listed, [format!("{sm}:2"), v1.clone()], "newest first");
        let (version, text) = rt.version(&v1).unwrap();
        assert_eq!(
            (version.description.as_str(), text),
            ("first", definition("one"))
        );
        (sm, old, v1)
    }); // restart: the old execution is rebuilt from disk with its own definition
    process().block_on(async {
        let rt = open();
        let new = rt.start_execution(&sm, "new", json!({})).await.unwrap();
        let pinned = rt.start_execution(&v1, "pinned", json!({})).await.unwrap();
        assert_eq!(rt.describe_execution(&pinned).unwrap().version, Some(1));
        assert_eq!(
            rt.describe_execution(&pinned).unwrap().state_machine_arn,
            sm
        );
        for t in rt.pending_tokens().unwrap() {
            rt.send_task_success(&t, json!({})).await.unwrap();
        }
        assert_eq!(
            output(&rt, &old).await,
            json!("one"),
            "started before the update"
        );
        assert_eq!(output(&rt, &new).await, json!("two"), "started after it");
        assert_eq!(
            output(&rt, &pinned).await,
            json!("one"),
            "started on version 1"
        );
        let history = rt.history(&old).unwrap();
        assert_eq!(history.last().unwrap()["type"], "ExecutionSucceeded");
        assert_eq!(
            history[0]["executionStartedEventDetails"]["roleArn"],
            "arn:aws:iam::123456789012:role/etl",
            "executions report their machine's role"
        );
        rt.delete_version(&v1).await.unwrap();
        assert_eq!(rt.versions(&sm).unwrap().len(), 1);
        assert!(matches!(
            rt.start_execution(&v1, "gone", json!({})).await,
            Err(Error::StateMachineDoesNotExist(_))
        ));
        assert!(matches!(
            rt.update_state_machine(&sm, Some("{\"StartAt\": 1}"), None, None)
                .await,
            Err(Error::InvalidDefinition(_))
        ));
        rt.delete_state_machine(&sm).await.unwrap();
        assert!(rt.versions(&sm).is_err(), "versions go with their machine");
        assert_eq!(
            output(&rt, &old).await,
            json!("one"),
            "history outlives the machine"
        );
        assert!(rt.history(&old).unwrap().len() > 3);
    });
}
