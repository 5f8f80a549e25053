//! The REST surface through real HTTP: upload an ASL file as the raw body, start with the input as the body,
//! follow the execution as server-sent events while a job wrapper answers its token with a plain POST, list
//! and describe, and AWS's errors for bad requests.

#![allow(clippy::unwrap_used)] // helpers outside #[test] functions

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};

use crate::common;

fn send(method: &str, url: &str, body: &str) -> (u16, Value) {
    common::http(method, url, body)
}

const JOB: &str = r#"{"StartAt": "Queue", "States": {
  "Queue": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"token.$": "$$.Task.Token", "job.$": "$.job"}, "ResultPath": "$.placement", "Next": "Nap"},
  "Nap": {"Type": "Wait", "Seconds": 0, "Next": "Done"},
  "Done": {"Type": "Succeed"}}}"#;

#[test]
fn upload_start_follow_and_answer_over_rest() {
    let dir = tempfile::tempdir().unwrap();
    let s = common::local(dir.path());
    let url = s.url.clone();

    let (status, doc) = send("GET", &format!("{url}/openapi.json"), "");
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.0.3");
    let documented: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    assert_eq!(documented.len(), 18, "{documented:?}");

    let (status, bad) = send(
        "POST",
        &format!("{url}/state-machines/job"),
        r#"{"StartAt": "X", "States": {}}"#,
    );
    assert_eq!(
        (status, bad["__type"].as_str()),
        (400, Some("InvalidDefinition"))
    );
    assert!(!bad["diagnostics"].as_array().unwrap().is_empty(), "{bad}");
    let (status, created) = send("POST", &format!("{url}/state-machines/job"), JOB);
    assert_eq!(status, 201, "{created}");
    assert!(
        created["stateMachineArn"]
            .as_str()
            .unwrap()
            .ends_with(":stateMachine:job")
    );
    let (status, _) = send("POST", &format!("{url}/state-machines/job"), JOB);
    assert_eq!(status, 200, "uploading again updates");

    let (status, started) = send(
        "POST",
        &format!("{url}/state-machines/job/executions?name=one"),
        r#"{"job": "etl"}"#,
    );
    assert_eq!(status, 201, "{started}");
    assert!(
        started["executionArn"]
            .as_str()
            .unwrap()
            .ends_with(":execution:job:one")
    );

    // Follow the execution while the token is answered.
    let events_url = format!("{url}/state-machines/job/executions/one/events");
    let follower = std::thread::spawn(move || {
        let mut resp = common::agent().get(&events_url).call().unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let mut events = Vec::new();
        for line in BufReader::new(resp.body_mut().as_reader()).lines() {
            let line = line.unwrap();
            if let Some(data) = line.strip_prefix("data:") {
                events.push(serde_json::from_str::<Value>(data.trim()).unwrap());
            }
        }
        events // the server ends the stream after the last event
    });
    let (_, history) = send(
        "GET",
        &format!("{url}/state-machines/job/executions/one/history"),
        "",
    );
    let params = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "TaskScheduled")
        .map(|e| {
            e["taskScheduledEventDetails"]["parameters"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .unwrap();
    let token = serde_json::from_str::<Value>(&params).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _) = send(
        "POST",
        &format!("{url}/tasks/{token}/success"),
        r#"{"cluster": "slurm-a"}"#,
    );
    assert_eq!(status, 200);
    let events = follower.join().unwrap();
    for (i, e) in events.iter().enumerate() {
        assert_eq!(
            e["id"],
            json!(i + 1),
            "the stream has no gap or duplicate: {e}"
        );
    }
    assert_eq!(events.last().unwrap()["type"], "ExecutionSucceeded");

    let (_, listed) = send(
        "GET",
        &format!("{url}/state-machines/job/executions?status=SUCCEEDED"),
        "",
    );
    assert_eq!(
        listed["executions"].as_array().unwrap().len(),
        1,
        "{listed}"
    );
    let (_, described) = send(
        "GET",
        &format!("{url}/state-machines/job/executions/one"),
        "",
    );
    assert_eq!(described["status"], "SUCCEEDED");
    let output: Value = serde_json::from_str(described["output"].as_str().unwrap()).unwrap();
    assert_eq!(output["placement"]["cluster"], "slurm-a");
    let (_, machines) = send("GET", &format!("{url}/state-machines"), "");
    assert_eq!(machines["stateMachines"][0]["name"], "job");
    let (_, one) = send("GET", &format!("{url}/state-machines/job"), "");
    assert_eq!(one["definition"], JOB);

    // Stop, failure and the errors.
    send(
        "POST",
        &format!("{url}/state-machines/job/executions?name=two"),
        r#"{"job": "x"}"#,
    );
    let (status, stopped) = send(
        "POST",
        &format!("{url}/state-machines/job/executions/two/stop"),
        r#"{"error": "Ops"}"#,
    );
    assert_eq!((status, stopped["status"].as_str()), (200, Some("ABORTED")));
    let errors = [
        (
            "POST",
            format!("{url}/tasks/{token}/success"),
            "{}",
            "TaskDoesNotExist",
        ),
        (
            "POST",
            format!("{url}/tasks/nope/failure"),
            r#"{"error": "E"}"#,
            "TaskDoesNotExist",
        ),
        (
            "POST",
            format!("{url}/tasks/nope/heartbeat"),
            "",
            "TaskDoesNotExist",
        ),
        (
            "POST",
            format!("{url}/tasks/nope/success"),
            "{bad",
            "InvalidOutput",
        ),
        (
            "POST",
            format!("{url}/state-machines/job/executions"),
            "[",
            "InvalidExecutionInput",
        ),
        (
            "POST",
            format!("{url}/state-machines/nope/executions"),
            "{}",
            "StateMachineDoesNotExist",
        ),
        (
            "GET",
            format!("{url}/state-machines/nope"),
            "",
            "StateMachineDoesNotExist",
        ),
        (
            "GET",
            format!("{url}/state-machines/job/executions/nope"),
            "",
            "ExecutionDoesNotExist",
        ),
        (
            "GET",
            format!("{url}/state-machines/job/executions/nope/events"),
            "",
            "ExecutionDoesNotExist",
        ),
        (
            "GET",
            format!("{url}/state-machines/job/executions?next=zz"),
            "",
            "InvalidToken",
        ),
    ];
    for (method, u, body, name) in errors {
        let (status, e) = send(method, &u, body);
        assert_eq!(
            (status, e["__type"].as_str()),
            (400, Some(name)),
            "{method} {u}: {e}"
        );
    }
    let (status, _) = send("DELETE", &format!("{url}/state-machines/job"), "");
    assert_eq!(status, 200);
}
