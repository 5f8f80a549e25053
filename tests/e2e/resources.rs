//! A Task resource nothing on the server runs is reported as a warning naming the resource and what does
//! run — by `stepd validate`, at upload over REST, and by ValidateStateMachineDefinition — instead of
//! surfacing as an execution that waits at it forever. A job started as a plain execution with a bad or
//! reused job fails its execution with the error named, and nothing is queued for it.

#![allow(clippy::unwrap_used)] // helpers outside #[test] functions

use crate::common;

use serde_json::{Value, json};
use std::process::Command;

const TYPO: &str = r#"{"StartAt": "Q", "States": {
  "Q": {"Type": "Task", "Resource": "arn:aws:states:::stepd:queue.waitForTaskTokn", "Next": "H"},
  "H": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke", "Parameters": {"ApiEndpoint": "http://x", "Method": "GET"}, "End": true}}}"#;

#[test]
fn unknown_resources_are_warned_of_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("typo.json");
    std::fs::write(&file, TYPO).unwrap();
    let out = Command::new(common::STEPD)
        .arg("validate")
        .arg(&file)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "a warning leaves the file valid: {text}"
    );
    assert!(text.contains("warning: UNKNOWN_RESOURCE"), "{text}");
    assert!(
        text.contains("'arn:aws:states:::stepd:queue.waitForTaskTokn'"),
        "{text}"
    );
    assert!(text.contains("at /States/Q/Resource"), "{text}");
    assert!(
        !text.contains("/States/H"),
        "the HTTP task is run here: {text}"
    );

    let s = common::server(&dir.path().join("data"));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent
        .post(&format!("{}/state-machines/typo", s.url))
        .send(TYPO)
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let body: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    let warnings = body["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{body}");
    assert_eq!(warnings[0]["code"], "UNKNOWN_RESOURCE");
    assert!(
        warnings[0]["message"]
            .as_str()
            .unwrap()
            .contains("stepd:cluster.{startJobRun"),
        "names what runs: {body}"
    );

    let (status, v) = common::aws_call(
        &s.url,
        "ValidateStateMachineDefinition",
        &json!({"definition": TYPO}),
    );
    assert_eq!(status, 200);
    assert_eq!(v["result"], "OK", "{v}");
    assert_eq!(v["diagnostics"][0]["severity"], "WARNING", "{v}");
    assert_eq!(v["diagnostics"][0]["code"], "UNKNOWN_RESOURCE", "{v}");

    let shipped = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../workflows/job-poller.asl.json"
    );
    let (_, v) = common::aws_call(
        &s.url,
        "ValidateStateMachineDefinition",
        &json!({"definition": std::fs::read_to_string(shipped).unwrap()}),
    );
    assert_eq!(
        v["diagnostics"],
        json!([]),
        "the shipped workflows run here: {v}"
    );
}

#[test]
fn a_job_started_as_a_plain_execution_is_checked_too() {
    let dir = tempfile::tempdir().unwrap();
    let s = common::local(dir.path());
    let poller = "arn:aws:states:us-east-1:123456789012:stateMachine:stepd-job-poller";
    let wait_for = |name: &str| -> Value {
        let arn =
            format!("arn:aws:states:us-east-1:123456789012:execution:stepd-job-poller:{name}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let (_, d) =
                common::aws_call(&s.url, "DescribeExecution", &json!({"executionArn": arn}));
            if d["status"] != "RUNNING" {
                return d;
            }
            assert!(std::time::Instant::now() < deadline, "{d}");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    };
    let start = |name: &str, job: Value| {
        let (status, v) = common::aws_call(
            &s.url,
            "StartExecution",
            &json!({"stateMachineArn": poller, "name": name, "input": json!({"job": job}).to_string()}),
        );
        assert_eq!(status, 200, "{v}");
    };
    start("bad", json!({"command": "true", "cpus": -2}));
    let d = wait_for("bad");
    assert_eq!(
        (d["status"].as_str(), d["error"].as_str()),
        (Some("FAILED"), Some("Job.InvalidSpec")),
        "{d}"
    );
    assert!(d["cause"].as_str().unwrap().starts_with("job.cpus"), "{d}");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let r = agent.get(&format!("{}/jobs/bad", s.url)).call().unwrap();
    assert_eq!(r.status().as_u16(), 400, "nothing was queued for it");

    start(
        "first",
        json!({"id": "shared", "command": ["true"], "memoryMiB": 32}),
    );
    assert_eq!(wait_for("first")["status"], "SUCCEEDED");
    start(
        "second",
        json!({"id": "shared", "command": ["true"], "memoryMiB": 32}),
    );
    let d = wait_for("second");
    assert_eq!(d["error"], "Job.DuplicateId", "{d}");
}
