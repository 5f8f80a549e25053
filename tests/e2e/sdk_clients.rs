//! The real AWS CLI and boto3 against a real `stepd serve`: create from a file, start, callback with
//! `send-task-success`, history, typed errors, an activity worker. Needs `aws` and `boto3` installed
//! (`pip install awscli boto3`; `.ci/run` does it).

#![allow(clippy::unwrap_used)] // helpers outside #[test] functions

use serde_json::Value;
use std::process::{Command, Output};

use crate::common;

fn aws(url: &str, args: &[&str]) -> Output {
    Command::new("aws")
        .args([
            "stepfunctions",
            "--endpoint-url",
            url,
            "--region",
            "us-east-1",
            "--output",
            "json",
        ])
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("the AWS CLI is installed (pip install awscli)")
}

fn aws_json(url: &str, args: &[&str]) -> Value {
    let out = aws(url, args);
    assert!(
        out.status.success(),
        "aws {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

#[test]
fn the_aws_cli_drives_a_callback_workflow() {
    let dir = tempfile::tempdir().unwrap();
    let s = common::local(&dir.path().join("data"));
    let def = dir.path().join("def.json");
    std::fs::write(
        &def,
        r#"{"StartAt": "Queue", "States": {"Queue": {"Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"token.$": "$$.Task.Token", "job.$": "$.job"}, "ResultPath": "$.placement", "End": true}}}"#,
    )
    .unwrap();
    let created = aws_json(
        &s.url,
        &[
            "create-state-machine",
            "--name",
            "poller",
            "--definition",
            &format!("file://{}", def.display()),
            "--role-arn",
            "arn:aws:iam::123456789012:role/r",
        ],
    );
    let sm = created["stateMachineArn"].as_str().unwrap().to_string();
    let started = aws_json(
        &s.url,
        &[
            "start-execution",
            "--state-machine-arn",
            &sm,
            "--name",
            "cli-1",
            "--input",
            r#"{"job": "etl"}"#,
        ],
    );
    let arn = started["executionArn"].as_str().unwrap().to_string();
    let history = aws_json(&s.url, &["get-execution-history", "--execution-arn", &arn]);
    let scheduled = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "TaskScheduled")
        .unwrap();
    let params: Value = serde_json::from_str(
        scheduled["taskScheduledEventDetails"]["parameters"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let token = params["token"].as_str().unwrap();
    aws_json(
        &s.url,
        &[
            "send-task-success",
            "--task-token",
            token,
            "--task-output",
            r#"{"cluster": "slurm-a"}"#,
        ],
    );
    let described = aws_json(&s.url, &["describe-execution", "--execution-arn", &arn]);
    assert_eq!(described["status"], "SUCCEEDED");
    let output: Value = serde_json::from_str(described["output"].as_str().unwrap()).unwrap();
    assert_eq!(output["placement"]["cluster"], "slurm-a");
    // Errors are parsed by the CLI into AWS's error names.
    let missing = aws(
        &s.url,
        &[
            "describe-execution",
            "--execution-arn",
            "arn:aws:states:us-east-1:123456789012:execution:x:y",
        ],
    );
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("ExecutionDoesNotExist"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
    let reused = aws(
        &s.url,
        &[
            "send-task-success",
            "--task-token",
            token,
            "--task-output",
            "{}",
        ],
    );
    assert!(String::from_utf8_lossy(&reused.stderr).contains("TaskDoesNotExist"));
}

#[test]
fn boto3_gets_typed_exceptions_and_runs_an_activity_worker() {
    let dir = tempfile::tempdir().unwrap();
    let s = common::local(&dir.path().join("data"));
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/clients/boto3_worker.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(&s.url)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "boto3 script failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
