//! Payloads that are deep or large: each once crashed the server, bricked its data directory, made a
//! record unreadable or exhausted memory. Now each is refused or fails its execution with AWS's error.

use crate::common::{aws_call, peak_rss_kib, server};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const ROLE: &str = "arn:aws:iam::123456789012:role/r";

fn nested(levels: usize) -> String {
    format!("{}1{}", "[".repeat(levels), "]".repeat(levels))
}

/// Waits (bounded) until the execution has left RUNNING; its DescribeExecution then.
fn settled(url: &str, arn: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, d) = aws_call(url, "DescribeExecution", &json!({"executionArn": arn}));
        assert_eq!(status, 200, "{d}");
        if d["status"] != "RUNNING" {
            return d;
        }
        assert!(Instant::now() < deadline, "{arn} still running");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn create(url: &str, name: &str, definition: &str) -> (u16, Value) {
    aws_call(
        url,
        "CreateStateMachine",
        &json!({"name": name, "definition": definition, "roleArn": ROLE}),
    )
}

#[test]
fn templates_nested_deeper_than_any_payload_are_refused() {
    // Was: a 5,000-level Parameters passed validation and its first StartExecution aborted the process
    // ("has overflowed its stack").
    let dir = tempfile::tempdir().unwrap();
    let s = server(dir.path());
    let deep = nested(5_000);
    for (field, state) in [
        (
            "Parameters",
            format!(r#"{{"Type":"Pass","Parameters":{{"a":{deep}}},"End":true}}"#),
        ),
        (
            "Result",
            format!(r#"{{"Type":"Pass","Result":{deep},"End":true}}"#),
        ),
        (
            "Assign",
            format!(r#"{{"Type":"Pass","Assign":{{"v":{deep}}},"End":true}}"#),
        ),
        (
            "Output",
            format!(r#"{{"Type":"Pass","QueryLanguage":"JSONata","Output":{deep},"End":true}}"#),
        ),
    ] {
        let definition = format!(r#"{{"StartAt":"P","States":{{"P":{state}}}}}"#);
        let (status, v) = aws_call(
            &s.url,
            "ValidateStateMachineDefinition",
            &json!({"definition": definition}),
        );
        assert_eq!(
            (status, &v["result"]),
            (200, &json!("FAIL")),
            "{field}: {v}"
        );
        assert_eq!(
            v["diagnostics"][0]["location"],
            format!("/States/P/{field}")
        );
        let (status, v) = create(&s.url, "deep", &definition);
        assert_eq!(
            (status, &v["__type"]),
            (400, &json!("InvalidDefinition")),
            "{v}"
        );
    }
    // At the limit it runs.
    let ok = format!(
        r#"{{"StartAt":"P","States":{{"P":{{"Type":"Pass","Result":{},"End":true}}}}}}"#,
        nested(100)
    );
    let (status, v) = create(&s.url, "ok", &ok);
    assert_eq!(status, 200, "{v}");
    let arn = aws_call(
        &s.url,
        "StartExecution",
        &json!({"stateMachineArn": v["stateMachineArn"]}),
    )
    .1["executionArn"]
        .clone();
    let d = settled(&s.url, arn.as_str().unwrap());
    assert_eq!(d["status"], "SUCCEEDED", "{d}");
}

#[test]
fn a_value_grown_behind_a_wait_fails_its_execution_and_restarts_are_clean() {
    // Was: the value grew until cloning it overflowed the stack; the overdue timer replayed into the same
    // overflow on every restart, bricking the data directory.
    let dir = tempfile::tempdir().unwrap();
    let definition = r#"{"StartAt": "Nap", "States": {
      "Nap": {"Type": "Wait", "Seconds": 0, "Next": "Grow"},
      "Grow": {"Type": "Pass", "Parameters": {"a.$": "$", "b": [[[[[[[[[[1]]]]]]]]]]}, "Next": "Again"},
      "Again": {"Type": "Choice", "Choices": [{"Variable": "$.a", "IsPresent": true, "Next": "Nap"}],
                "Default": "Done"},
      "Done": {"Type": "Succeed"}}}"#;
    let (machine, arn) = {
        let s = server(dir.path());
        let (status, v) = create(&s.url, "grow", definition);
        assert_eq!(status, 200, "{v}");
        let machine = v["stateMachineArn"].as_str().unwrap().to_string();
        let (_, v) = aws_call(
            &s.url,
            "StartExecution",
            &json!({"stateMachineArn": machine}),
        );
        (machine, v["executionArn"].as_str().unwrap().to_string())
        // killed with SIGKILL here, mid-loop
    };
    for _ in 0..2 {
        let s = server(dir.path());
        let d = settled(&s.url, &arn);
        assert_eq!(d["status"], "FAILED", "{d}");
        assert_eq!(d["error"], "States.DataLimitExceeded", "{d}");
        let (status, v) = aws_call(
            &s.url,
            "ListExecutions",
            &json!({"stateMachineArn": machine}),
        );
        assert_eq!(status, 200, "{v}");
        let (status, v) = aws_call(
            &s.url,
            "GetExecutionHistory",
            &json!({"executionArn": arn, "maxResults": 1000}),
        );
        assert_eq!(status, 200, "{v}");
    }
}

#[test]
fn inputs_and_outputs_too_deep_to_read_back_are_refused() {
    // Was: an input nested 125-127 levels was accepted and its record could not be read back (serde_json
    // reads 128): ListExecutions answered 500 forever, the execution stayed RUNNING, DeleteStateMachine
    // stayed DELETING.
    let dir = tempfile::tempdir().unwrap();
    let callback = r#"{"StartAt": "Ask", "States": {"Ask": {"Type": "Task",
      "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
      "Parameters": {"token.$": "$$.Task.Token"}, "End": true}}}"#;
    let machine = {
        let s = server(dir.path());
        let (_, v) = create(&s.url, "ask", callback);
        let machine = v["stateMachineArn"].as_str().unwrap().to_string();
        for levels in [101, 120, 125, 127] {
            let (status, v) = aws_call(
                &s.url,
                "StartExecution",
                &json!({"stateMachineArn": machine, "input": format!(r#"{{"a":{}}}"#, nested(levels - 1))}),
            );
            assert_eq!(
                (status, &v["__type"]),
                (400, &json!("InvalidExecutionInput")),
                "{levels}: {v}"
            );
        }
        let (status, v) = aws_call(
            &s.url,
            "StartExecution",
            &json!({"stateMachineArn": machine, "name": "at-limit", "input": nested(100)}),
        );
        assert_eq!(status, 200, "{v}");
        let arn = v["executionArn"].as_str().unwrap().to_string();
        // The task's token, from the history.
        let (_, h) = aws_call(&s.url, "GetExecutionHistory", &json!({"executionArn": arn}));
        let token = h["events"]
            .as_array()
            .unwrap()
            .iter()
            .find_map(|e| e["taskScheduledEventDetails"]["parameters"].as_str())
            .and_then(|p| serde_json::from_str::<Value>(p).ok())
            .and_then(|p| p["token"].as_str().map(str::to_string))
            .unwrap();
        let (status, v) = aws_call(
            &s.url,
            "SendTaskSuccess",
            &json!({"taskToken": token, "output": nested(126)}),
        );
        assert_eq!(
            (status, &v["__type"]),
            (400, &json!("InvalidOutput")),
            "{v}"
        );
        machine
    };
    let s = server(dir.path());
    let (status, v) = aws_call(
        &s.url,
        "ListExecutions",
        &json!({"stateMachineArn": machine}),
    );
    assert_eq!(status, 200, "{v}");
    let only = &v["executions"][0];
    assert_eq!(only["status"], "RUNNING");
    let (status, v) = aws_call(
        &s.url,
        "StopExecution",
        &json!({"executionArn": only["executionArn"]}),
    );
    assert_eq!(status, 200, "{v}");
    let (status, v) = aws_call(
        &s.url,
        "DeleteStateMachine",
        &json!({"stateMachineArn": machine}),
    );
    assert_eq!(status, 200, "{v}");
    let (status, v) = aws_call(
        &s.url,
        "DescribeStateMachine",
        &json!({"stateMachineArn": machine}),
    );
    assert_eq!(
        (status, &v["__type"]),
        (400, &json!("StateMachineDoesNotExist")),
        "{v}"
    );
}

#[test]
fn a_map_copying_a_large_value_over_many_items_stays_bounded() {
    // Was: one 250 KB request (25,000 items, each ItemSelector copying a 200 KB string) drove the server
    // past 4 GB in 12 s, and did so again on every restart.
    let dir = tempfile::tempdir().unwrap();
    let s = server(dir.path());
    let definition = r#"{"StartAt": "Each", "States": {"Each": {"Type": "Map", "End": true,
      "ItemsPath": "$.items", "ItemSelector": {"big.$": "$.big"},
      "ItemProcessor": {"StartAt": "Keep", "States": {"Keep": {"Type": "Pass", "End": true}}}}}}"#;
    let (_, v) = create(&s.url, "fan", definition);
    let input = json!({"items": vec![0; 25_000], "big": "x".repeat(200_000)}).to_string();
    assert!(input.len() < 262_144);
    let (status, v) = aws_call(
        &s.url,
        "StartExecution",
        &json!({"stateMachineArn": v["stateMachineArn"], "input": input}),
    );
    assert_eq!(status, 200, "{v}");
    let d = settled(&s.url, v["executionArn"].as_str().unwrap());
    assert_eq!(d["error"], "States.DataLimitExceeded", "{d}");
    let peak_mib = peak_rss_kib(s.child.id()) / 1024;
    eprintln!("peak RSS after the Map: {peak_mib} MiB");
    assert!(peak_mib < 400, "peak RSS {peak_mib} MiB");
}
