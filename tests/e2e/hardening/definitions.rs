//! Large definitions (issue 9, item 10): every definition created or updated stayed parsed in memory
//! until a restart (about 13 MB per 1 MiB definition), and a start parsed them all again. Now parsed
//! definitions are a cache bounded by the bytes of text they come from, and a start parses none.

use crate::common::{aws_call, rss_kib, server};
use serde_json::{Value, json};

/// A valid definition of about 0.9 MiB: a chain of Pass states, `k` making each one distinct.
fn large_definition(k: usize) -> String {
    let n = 2_200;
    let mut states = serde_json::Map::new();
    for i in 0..n {
        let mut state = json!({"Type": "Pass", "Parameters": {"k": k, "a.$": "$.a",
            "b": {"c": [1, 2, 3], "d.$": "$.a"}, "pad": "p".repeat(300)}});
        if i + 1 < n {
            state["Next"] = json!(format!("S{}", i + 1));
        } else {
            state["End"] = json!(true);
        }
        states.insert(format!("S{i}"), state);
    }
    json!({"StartAt": "S0", "States": states}).to_string()
}

#[test]
fn parsed_definitions_are_a_bounded_cache_and_a_start_parses_none() {
    const MACHINES: usize = 24;
    let dir = tempfile::tempdir().unwrap();
    let texts: Vec<String> = (0..MACHINES).map(large_definition).collect();
    assert!(texts[0].len() > 900_000);
    {
        let s = server(dir.path());
        for (k, text) in texts.iter().enumerate() {
            let (status, v) = aws_call(
                &s.url,
                "CreateStateMachine",
                &json!({"name": format!("big-{k}"), "definition": text,
                        "roleArn": "arn:aws:iam::123456789012:role/r"}),
            );
            assert_eq!(status, 200, "{v}");
        }
        let mib = rss_kib(s.child.id()) / 1024;
        println!("RSS after creating {MACHINES} definitions of 0.9 MiB: {mib} MiB");
        // Before: about 13 MB each stayed (about 390 MiB here).
        assert!(mib < 200, "{mib} MiB resident");
    }
    let s = server(dir.path());
    let mib = rss_kib(s.child.id()) / 1024;
    println!("RSS after a restart: {mib} MiB");
    assert!(mib < 100, "{mib} MiB resident after a restart");
    // Every machine still answers with its own definition, and one long evicted still runs.
    for (k, text) in texts.iter().enumerate() {
        let arn = format!("arn:aws:states:us-east-1:123456789012:stateMachine:big-{k}");
        let (status, d) = aws_call(
            &s.url,
            "DescribeStateMachine",
            &json!({"stateMachineArn": arn}),
        );
        assert_eq!(status, 200, "{d}");
        assert!(d["definition"].as_str() == Some(text.as_str()), "big-{k}");
    }
    let (status, v) = aws_call(
        &s.url,
        "StartSyncExecution",
        &json!({"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:big-0"}),
    );
    // A STANDARD machine: StartExecution it is.
    assert_eq!(v["__type"], "StateMachineTypeNotSupported", "{status} {v}");
    let (status, v) = aws_call(
        &s.url,
        "StartExecution",
        &json!({"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:big-0",
                "input": json!({"a": 1}).to_string()}),
    );
    assert_eq!(status, 200, "{v}");
    let arn = v["executionArn"].as_str().unwrap().to_string();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let d: Value = loop {
        let (_, d) = aws_call(&s.url, "DescribeExecution", &json!({"executionArn": arn}));
        if d["status"] != "RUNNING" {
            break d;
        }
        assert!(std::time::Instant::now() < deadline, "still running");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(d["status"], "SUCCEEDED", "{d}");
    let mib = rss_kib(s.child.id()) / 1024;
    println!("RSS after describing all and running one: {mib} MiB");
    assert!(mib < 200, "{mib} MiB resident");
}
