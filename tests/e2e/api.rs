//! The API server through real HTTP: AWS error names for bad requests and bad callbacks, and the execution
//! unharmed by them.

#![allow(clippy::unwrap_used)] // helpers outside #[test] functions

use serde_json::{Value, json};

use crate::common;
use common::server;

fn call(url: &str, op: &str, body: Value) -> (u16, Value) {
    common::aws_call(url, op, &body)
}

fn error_name(r: &(u16, Value)) -> (u16, &str) {
    (r.0, r.1["__type"].as_str().unwrap_or("?"))
}

const CALLBACK: &str = r#"{"StartAt": "Ask", "States": {"Ask": {"Type": "Task",
  "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "Parameters": {"token.$": "$$.Task.Token"}, "End": true}}}"#;

#[test]
fn malformed_requests_get_aws_errors_not_500s() {
    let dir = tempfile::tempdir().unwrap();
    let s = common::local(dir.path());
    let url = &s.url;
    const SM: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:none";
    const EX: &str = "arn:aws:states:us-east-1:123456789012:execution:none:e";
    // (X-Amz-Target, body, expected HTTP status and AWS error name)
    let table: &[(&str, String, u16, &str)] = &[
        (
            "AWSStepFunctions.NoSuchThing",
            "{}".into(),
            400,
            "UnknownOperationException",
        ),
        ("Nope", "{}".into(), 400, "UnknownOperationException"),
        ("", "{}".into(), 400, "UnknownOperationException"),
        (
            "AWSStepFunctions.StartExecution",
            "{not json".into(),
            400,
            "SerializationException",
        ),
        (
            "AWSStepFunctions.StartExecution",
            "[1]".into(),
            400,
            "SerializationException",
        ),
        (
            "AWSStepFunctions.StartExecution",
            "".into(),
            400,
            "SerializationException",
        ),
        (
            "AWSStepFunctions.StartExecution",
            "\u{0}\u{ff}".into(),
            400,
            "SerializationException",
        ),
        (
            "AWSStepFunctions.StartExecution",
            "{}".into(),
            400,
            "ValidationException",
        ),
        // A field of the wrong JSON type fails deserialization, before validation, as on AWS.
        (
            "AWSStepFunctions.StartExecution",
            r#"{"stateMachineArn": 7}"#.into(),
            400,
            "SerializationException",
        ),
        (
            "AWSStepFunctions.StartExecution",
            r#"{"stateMachineArn": "arn:nope"}"#.into(),
            400,
            "InvalidArn",
        ),
        (
            "AWSStepFunctions.StartExecution",
            json!({"stateMachineArn": SM}).to_string(),
            400,
            "StateMachineDoesNotExist",
        ),
        (
            "AWSStepFunctions.StartExecution",
            json!({"stateMachineArn": SM, "input": "{"}).to_string(),
            400,
            "InvalidExecutionInput",
        ),
        (
            "AWSStepFunctions.StartExecution",
            json!({"stateMachineArn": SM, "name": 5}).to_string(),
            400,
            "SerializationException",
        ),
        (
            "AWSStepFunctions.DescribeExecution",
            r#"{"executionArn": "arn:nope"}"#.into(),
            400,
            "InvalidArn",
        ),
        (
            "AWSStepFunctions.DescribeExecution",
            json!({"executionArn": SM}).to_string(),
            400,
            "InvalidArn",
        ),
        (
            "AWSStepFunctions.DescribeExecution",
            json!({"executionArn": EX}).to_string(),
            400,
            "ExecutionDoesNotExist",
        ),
        (
            "AWSStepFunctions.GetExecutionHistory",
            json!({"executionArn": EX}).to_string(),
            400,
            "ExecutionDoesNotExist",
        ),
        (
            "AWSStepFunctions.StopExecution",
            json!({"executionArn": EX}).to_string(),
            400,
            "ExecutionDoesNotExist",
        ),
        (
            "AWSStepFunctions.ListExecutions",
            json!({"stateMachineArn": SM, "nextToken": "zz"}).to_string(),
            400,
            "StateMachineDoesNotExist",
        ),
        (
            "AWSStepFunctions.DescribeStateMachine",
            json!({"stateMachineArn": format!("{SM}:9")}).to_string(),
            400,
            "StateMachineDoesNotExist",
        ),
        (
            "AWSStepFunctions.DeleteStateMachineVersion",
            json!({"stateMachineVersionArn": SM}).to_string(),
            400,
            "InvalidArn",
        ),
        (
            "AWSStepFunctions.UpdateStateMachine",
            json!({"stateMachineArn": SM, "definition": "{}"}).to_string(),
            400,
            "StateMachineDoesNotExist",
        ),
        (
            "AWSStepFunctions.DescribeActivity",
            r#"{"activityArn": "arn:aws:states:us-east-1:123456789012:stateMachine:x"}"#.into(),
            400,
            "InvalidArn",
        ),
        (
            "AWSStepFunctions.SendTaskSuccess",
            r#"{"taskToken": "", "output": "{}"}"#.into(),
            400,
            "InvalidToken",
        ),
        (
            "AWSStepFunctions.SendTaskSuccess",
            json!({"taskToken": "x".repeat(1025), "output": "{}"}).to_string(),
            400,
            "InvalidToken",
        ),
        (
            "AWSStepFunctions.SendTaskSuccess",
            r#"{"taskToken": "t", "output": "{bad"}"#.into(),
            400,
            "InvalidOutput",
        ),
        (
            "AWSStepFunctions.SendTaskSuccess",
            r#"{"taskToken": "t", "output": "{}"}"#.into(),
            400,
            "TaskDoesNotExist",
        ),
        (
            "AWSStepFunctions.SendTaskFailure",
            r#"{"taskToken": 3}"#.into(),
            400,
            "SerializationException",
        ),
        (
            "AWSStepFunctions.TagResource",
            json!({"resourceArn": EX, "tags": []}).to_string(),
            400,
            "InvalidArn",
        ),
        (
            "AWSStepFunctions.CreateStateMachine",
            r#"{"name": "x", "definition": 1, "roleArn": "r"}"#.into(),
            400,
            "SerializationException",
        ),
        (
            "AWSStepFunctions.CreateStateMachine",
            json!({"name": "a:b", "definition": "{}", "roleArn": "r"}).to_string(),
            400,
            "InvalidName",
        ),
        (
            "AWSStepFunctions.CreateStateMachine",
            json!({"name": "x".repeat(81), "definition": "{}", "roleArn": "r"}).to_string(),
            400,
            "InvalidName",
        ),
        (
            "AWSStepFunctions.StartExecution",
            json!({"stateMachineArn": SM, "name": "has space"}).to_string(),
            400,
            "InvalidName",
        ),
        (
            "AWSStepFunctions.CreateActivity",
            r#"{"name": "bad/name"}"#.into(),
            400,
            "InvalidName",
        ),
        (
            "AWSStepFunctions.CreateStateMachine",
            r#"{"name": "x", "definition": "{}", "roleArn": "r", "publish": "yes"}"#.into(),
            400,
            "SerializationException",
        ),
    ];
    for (target, body, status, name) in table {
        let got = common::aws_raw(url, target, body);
        assert_eq!(
            error_name(&got),
            (*status, *name),
            "{target} {body}: {got:?}"
        );
    }
    let bad = call(
        url,
        "CreateStateMachine",
        json!({"name": "bad", "definition": "{\"StartAt\": \"X\", \"States\": {}}", "roleArn": "r"}),
    );
    assert_eq!(error_name(&bad), (400, "InvalidDefinition"));
    assert!(
        bad.1["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid State Machine Definition: '")
    );
    // Input nested past serde_json's depth limit is refused before anything is written.
    let pass = r#"{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}"#;
    let sm = call(
        url,
        "CreateStateMachine",
        json!({"name": "pass", "definition": pass, "roleArn": "r"}),
    );
    let sm = sm.1["stateMachineArn"].as_str().unwrap().to_string();
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let started = call(
        url,
        "StartExecution",
        json!({"stateMachineArn": sm, "name": "deep", "input": deep}),
    );
    assert_eq!(error_name(&started), (400, "InvalidExecutionInput"));
    let listed = call(url, "ListExecutions", json!({"stateMachineArn": sm}));
    assert_eq!(listed.1["executions"], json!([]), "{listed:?}");
    // The server answers 413 from the Content-Length alone and may close before the client has written
    // all 5 MiB, so a broken pipe while sending is also a refusal; a response, if any, must be 413.
    let huge = "x".repeat(5 * 1024 * 1024);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let sent = agent
        .post(url.as_str())
        .header("X-Amz-Target", "AWSStepFunctions.StartExecution")
        .send(huge);
    match sent {
        Ok(resp) => assert_eq!(resp.status().as_u16(), 413, "oversized bodies are refused"),
        Err(ureq::Error::Io(e)) => assert!(
            matches!(
                e.kind(),
                std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
            ),
            "{e}"
        ),
        Err(e) => panic!("unexpected error sending an oversized body: {e}"),
    }
}

#[test]
fn bad_callbacks_leave_the_execution_unharmed() {
    let dir = tempfile::tempdir().unwrap();
    let s = common::local(dir.path());
    let url = &s.url;
    let (_, sm) = call(
        url,
        "CreateStateMachine",
        json!({"name": "ask", "definition": CALLBACK, "roleArn": "r"}),
    );
    let sm = sm["stateMachineArn"].as_str().unwrap().to_string();
    let (status, started) = call(
        url,
        "StartExecution",
        json!({"stateMachineArn": sm, "name": "one", "input": "{}"}),
    );
    assert_eq!(status, 200);
    let arn = started["executionArn"].as_str().unwrap().to_string();
    let (_, h) = call(url, "GetExecutionHistory", json!({"executionArn": arn}));
    let scheduled = h["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "TaskScheduled")
        .unwrap()
        .clone();
    let params: Value = serde_json::from_str(
        scheduled["taskScheduledEventDetails"]["parameters"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let token = params["token"].as_str().unwrap().to_string();

    assert_eq!(
        error_name(&call(
            url,
            "SendTaskSuccess",
            json!({"taskToken": "unknown", "output": "{}"})
        )),
        (400, "TaskDoesNotExist")
    );
    assert_eq!(
        error_name(&call(
            url,
            "SendTaskSuccess",
            json!({"taskToken": "", "output": "{}"})
        )),
        (400, "InvalidToken")
    );
    assert_eq!(
        error_name(&call(
            url,
            "SendTaskSuccess",
            json!({"taskToken": token, "output": "{oops"})
        )),
        (400, "InvalidOutput")
    );
    let big = json!({"x": "y".repeat(300 * 1024)}).to_string();
    assert_eq!(
        error_name(&call(
            url,
            "SendTaskSuccess",
            json!({"taskToken": token, "output": big})
        )),
        (400, "ValidationException")
    );
    let (_, d) = call(url, "DescribeExecution", json!({"executionArn": arn}));
    assert_eq!(d["status"], "RUNNING", "bad callbacks changed nothing");

    assert_eq!(
        call(
            url,
            "SendTaskSuccess",
            json!({"taskToken": token, "output": "{\"ok\": 1}"})
        )
        .0,
        200
    );
    assert_eq!(
        error_name(&call(
            url,
            "SendTaskSuccess",
            json!({"taskToken": token, "output": "{}"})
        )),
        (400, "TaskDoesNotExist"),
        "a token works once"
    );
    let (_, d) = call(url, "DescribeExecution", json!({"executionArn": arn}));
    assert_eq!(d["status"], "SUCCEEDED");
    assert_eq!(d["output"], "{\"ok\":1}");
}

#[test]
fn activity_workers_take_tasks_with_get_activity_task() {
    let dir = tempfile::tempdir().unwrap();
    let s = common::local(dir.path());
    let url = &s.url;
    let (status, a) = call(url, "CreateActivity", json!({"name": "crunch"}));
    assert_eq!(status, 200, "{a}");
    let activity = a["activityArn"].as_str().unwrap().to_string();
    assert_eq!(
        call(url, "DescribeActivity", json!({"activityArn": activity})).1["name"],
        "crunch"
    );
    assert_eq!(
        error_name(&call(
            url,
            "DescribeActivity",
            json!({"activityArn": "arn:aws:states:us-east-1:123456789012:activity:nope"})
        )),
        (400, "ActivityDoesNotExist")
    );
    let def = json!({"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": activity, "Parameters": {"n.$": "$.n"}, "End": true}}});
    let (_, sm) = call(
        url,
        "CreateStateMachine",
        json!({"name": "uses-activity", "definition": def.to_string(), "roleArn": "r"}),
    );
    let sm = sm["stateMachineArn"].as_str().unwrap().to_string();
    let (_, e) = call(
        url,
        "StartExecution",
        json!({"stateMachineArn": sm, "input": "{\"n\": 21}"}),
    );
    let arn = e["executionArn"].as_str().unwrap().to_string();
    // The worker's long poll returns the task at once, with the state's input.
    let (status, task) = call(
        url,
        "GetActivityTask",
        json!({"activityArn": activity, "workerName": "w1"}),
    );
    assert_eq!(status, 200, "{task}");
    let input: Value = serde_json::from_str(task["input"].as_str().unwrap()).unwrap();
    assert_eq!(input, json!({"n": 21}));
    let token = task["taskToken"].as_str().unwrap();
    assert_eq!(
        call(
            url,
            "SendTaskSuccess",
            json!({"taskToken": token, "output": "{\"doubled\": 42}"})
        )
        .0,
        200
    );
    let (_, d) = call(url, "DescribeExecution", json!({"executionArn": arn}));
    assert_eq!(
        (d["status"].as_str(), d["output"].as_str()),
        (Some("SUCCEEDED"), Some("{\"doubled\":42}"))
    ); // Deleting: the activity is gone for Describe and for workers, who are told at once rather than
    // left in a 60-second poll; deleting again succeeds, as in AWS.
    for _ in 0..2 {
        let deleted = call(url, "DeleteActivity", json!({"activityArn": activity}));
        assert_eq!(deleted.0, 200, "{deleted:?}");
    }
    assert_eq!(
        error_name(&call(
            url,
            "DescribeActivity",
            json!({"activityArn": activity})
        )),
        (400, "ActivityDoesNotExist")
    );
    let started = std::time::Instant::now();
    assert_eq!(
        error_name(&call(
            url,
            "GetActivityTask",
            json!({"activityArn": activity})
        )),
        (400, "ActivityDoesNotExist")
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    assert_eq!(
        call(url, "ListActivities", json!({})).1["activities"],
        json!([])
    );
}

#[test]
fn deleting_a_state_machine_waits_for_its_running_executions_even_across_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let s = server(dir.path());
    let def = json!({"StartAt": "Wait", "States": {"Wait": {"Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": "f", "Payload": {"token.$": "$$.Task.Token"}}, "End": true}}});
    let (_, sm) = call(
        &s.url,
        "CreateStateMachine",
        json!({"name": "doomed", "definition": def.to_string(), "roleArn": "r"}),
    );
    let sm = sm["stateMachineArn"].as_str().unwrap().to_string();
    let (_, e) = call(&s.url, "StartExecution", json!({"stateMachineArn": sm}));
    let execution = e["executionArn"].as_str().unwrap().to_string();
    let deleted = call(&s.url, "DeleteStateMachine", json!({"stateMachineArn": sm}));
    assert_eq!(deleted.0, 200, "{deleted:?}");
    drop(s); // SIGKILL: the DELETING mark and the running execution must both survive.

    let s = server(dir.path());
    let url = &s.url;
    let described = call(url, "DescribeStateMachine", json!({"stateMachineArn": sm}));
    assert_eq!(described.1["status"], "DELETING", "{described:?}");
    assert_eq!(
        error_name(&call(url, "StartExecution", json!({"stateMachineArn": sm}))),
        (400, "StateMachineDeleting")
    );
    assert_eq!(
        error_name(&call(
            url,
            "CreateStateMachine",
            json!({"name": "doomed", "definition": def.to_string(), "roleArn": "r"})
        )),
        (400, "StateMachineDeleting")
    );
    // The running execution still finishes; with it the machine is gone.
    let history = call(
        url,
        "GetExecutionHistory",
        json!({"executionArn": execution}),
    );
    let token = history.1["events"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|e| e["taskScheduledEventDetails"]["parameters"].as_str())
        .map(|p| serde_json::from_str::<Value>(p).unwrap()["Payload"]["token"].clone())
        .unwrap();
    let sent = call(
        url,
        "SendTaskSuccess",
        json!({"taskToken": token, "output": "{}"}),
    );
    assert_eq!(sent.0, 200, "{sent:?}");
    let (_, d) = call(url, "DescribeExecution", json!({"executionArn": execution}));
    assert_eq!(d["status"], "SUCCEEDED");
    assert_eq!(
        error_name(&call(
            url,
            "DescribeStateMachine",
            json!({"stateMachineArn": sm})
        )),
        (400, "StateMachineDoesNotExist")
    );
    // Only the workflows every server ships are left.
    let listed = call(url, "ListStateMachines", json!({})).1;
    let names: Vec<&str> = listed["stateMachines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["stepd-job-poller", "stepd-job-scheduler"],
        "{listed}"
    );
    // Deleting an idle machine removes it at once; deleting it again succeeds, as in AWS.
    let (_, idle) = call(
        url,
        "CreateStateMachine",
        json!({"name": "idle", "definition": def.to_string(), "roleArn": "r"}),
    );
    let idle = idle["stateMachineArn"].as_str().unwrap().to_string();
    for _ in 0..2 {
        assert_eq!(
            call(url, "DeleteStateMachine", json!({"stateMachineArn": idle})).0,
            200
        );
    }
    assert_eq!(
        error_name(&call(
            url,
            "DescribeStateMachine",
            json!({"stateMachineArn": idle})
        )),
        (400, "StateMachineDoesNotExist")
    );
}

#[test]
fn region_and_account_are_configurable_and_history_can_leave_data_out() {
    let dir = tempfile::tempdir().unwrap();
    let s = common::local_with(
        dir.path(),
        &[
            "--listen",
            "127.0.0.1:0",
            "--region",
            "eu-west-1",
            "--account",
            "111122223333",
        ],
    );
    let url = &s.url;
    let pass = r#"{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}"#;
    let (_, created) = call(
        url,
        "CreateStateMachine",
        json!({"name": "here", "definition": pass, "roleArn": "r"}),
    );
    let sm = created["stateMachineArn"].as_str().unwrap().to_string();
    assert_eq!(
        sm,
        "arn:aws:states:eu-west-1:111122223333:stateMachine:here"
    );
    let (_, started) = call(
        url,
        "StartExecution",
        json!({"stateMachineArn": sm, "name": "e", "input": "{\"secret\": 1}"}),
    );
    let arn = started["executionArn"].as_str().unwrap();
    assert!(arn.starts_with("arn:aws:states:eu-west-1:111122223333:execution:here:"));
    let (_, full) = call(url, "GetExecutionHistory", json!({"executionArn": arn}));
    assert!(full.to_string().contains("secret"));
    let (_, bare) = call(
        url,
        "GetExecutionHistory",
        json!({"executionArn": arn, "includeExecutionData": false}),
    );
    assert_eq!(
        bare["events"].as_array().unwrap().len(),
        full["events"].as_array().unwrap().len()
    );
    assert!(!bare.to_string().contains("secret"), "{bare}");
}

#[test]
fn a_machine_created_without_a_role_reports_the_accounts_default_role() {
    let dir = tempfile::tempdir().unwrap();
    let s = common::server_with(
        dir.path(),
        &["--listen", "127.0.0.1:0", "--account", "111122223333"],
    );
    let pass = r#"{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}"#;
    let (_, created) = call(
        &s.url,
        "CreateStateMachine",
        json!({"name": "norole", "definition": pass}),
    );
    let sm = created["stateMachineArn"].as_str().unwrap();
    let (status, described) = call(
        &s.url,
        "DescribeStateMachine",
        json!({"stateMachineArn": sm}),
    );
    assert_eq!(status, 200, "{described}");
    assert_eq!(described["roleArn"], "arn:aws:iam::111122223333:role/stepd");

    // Executions see the same role: in their context object and in their history.
    let reads = r#"{"StartAt": "P", "States": {"P": {"Type": "Pass",
        "Parameters": {"role.$": "$$.Execution.RoleArn"}, "End": true}}}"#;
    let (_, created) = call(
        &s.url,
        "CreateStateMachine",
        json!({"name": "reads", "definition": reads}),
    );
    let (_, started) = call(
        &s.url,
        "StartExecution",
        json!({"stateMachineArn": created["stateMachineArn"]}),
    );
    let arn = started["executionArn"].as_str().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let done = loop {
        let (_, d) = call(&s.url, "DescribeExecution", json!({"executionArn": arn}));
        if d["status"] != "RUNNING" || std::time::Instant::now() > deadline {
            break d;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    let output: Value = serde_json::from_str(done["output"].as_str().unwrap()).unwrap();
    assert_eq!(output["role"], "arn:aws:iam::111122223333:role/stepd");
    let (_, history) = call(&s.url, "GetExecutionHistory", json!({"executionArn": arn}));
    assert_eq!(
        history["events"][0]["executionStartedEventDetails"]["roleArn"],
        "arn:aws:iam::111122223333:role/stepd",
        "{history}"
    );
}

#[test]
fn a_client_that_never_finishes_its_headers_is_disconnected() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let s = common::local(dir.path());
    let addr = s.url.trim_start_matches("http://").to_string();
    let mut slow = std::net::TcpStream::connect(&addr).unwrap();
    slow.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    slow.write_all(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AWSStep")
        .unwrap();
    let started = std::time::Instant::now();
    let mut buf = [0u8; 512];
    // The server answers 408 or just closes; either way the connection ends well before the 30 s here.
    let read = slow.read(&mut buf);
    let waited = started.elapsed().as_secs_f64();
    if let Ok(n) = read {
        let answer = String::from_utf8_lossy(&buf[..n]);
        assert!(n == 0 || answer.starts_with("HTTP/1.1 408"), "{answer}");
    }
    assert!(
        (5.0..25.0).contains(&waited),
        "closed after {waited:.1} s (the header timeout is 10 s)"
    );
    // Others are served meanwhile.
    assert_eq!(call(&s.url, "ListActivities", json!({})).0, 200);
}
