//! Durability under kill -9: a real `stepd serve` on a temp data dir is killed at random moments 20 times
//! while a client keeps starting executions and answering callbacks (success and retryable failure); each
//! time it is restarted on the same file. At the end every acknowledged execution reaches SUCCEEDED with
//! its expected output, every acknowledged callback is in its history, no history has a gap or a
//! duplicate, and the file opens cleanly.

#![allow(clippy::unwrap_used)] // helpers outside #[test] functions

use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const EXECUTIONS: usize = 1_200;
const KILLS: usize = 20;

const DEFINITION: &str = r#"{"StartAt": "Queue", "States": {
  "Queue": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"token.$": "$$.Task.Token", "n.$": "$.n"}, "ResultPath": "$.placement",
            "Retry": [{"ErrorEquals": ["Transient"], "IntervalSeconds": 1, "MaxAttempts": 3}], "Next": "Nap"},
  "Nap": {"Type": "Wait", "Seconds": 1, "Next": "Fan"},
  "Fan": {"Type": "Parallel", "ResultPath": "$.fan", "Next": "Done", "Branches": [
      {"StartAt": "Twice", "States": {"Twice": {"Type": "Pass", "Parameters": {"n.$": "$.n"}, "End": true}}},
      {"StartAt": "Each", "States": {"Each": {"Type": "Map", "ItemsPath": "$.items", "End": true,
          "ItemProcessor": {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": true}}}}}}]},
  "Done": {"Type": "Succeed"}}}"#;

use crate::common;
use common::server as start_server;

/// One API call; `None` when the server is gone (the call may or may not have taken effect).
fn call(agent: &ureq::Agent, url: &str, op: &str, body: &Value) -> Option<(u16, Value)> {
    let resp = agent
        .post(url)
        .header("X-Amz-Target", &format!("AWSStepFunctions.{op}"))
        .header("Content-Type", "application/x-amz-json-1.0")
        .send(body.to_string());
    let mut resp = resp.ok()?;
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().ok()?;
    Some((status, serde_json::from_str(&text).ok()?))
}

fn agent() -> ureq::Agent {
    common::agent_within(Duration::from_secs(10))
}

/// The token a running execution waits on, if any: the last TaskScheduled not yet answered.
fn open_token(history: &[Value]) -> Option<String> {
    let mut token = None;
    for e in history {
        match e["type"].as_str() {
            Some("TaskScheduled") => {
                let params: Value =
                    serde_json::from_str(e["taskScheduledEventDetails"]["parameters"].as_str()?)
                        .ok()?;
                token = params["token"].as_str().map(str::to_string);
            }
            Some("TaskSucceeded" | "TaskFailed" | "TaskTimedOut") => token = None,
            _ => {}
        }
    }
    token
}

fn history(agent: &ureq::Agent, url: &str, arn: &str) -> Option<Vec<Value>> {
    let mut events = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut body = json!({"executionArn": arn, "maxResults": 1000});
        if let Some(t) = &next {
            body["nextToken"] = json!(t);
        }
        let (status, page) = call(agent, url, "GetExecutionHistory", &body)?;
        if status != 200 {
            return None;
        }
        events.extend(page["events"].as_array()?.iter().cloned());
        match page["nextToken"].as_str() {
            Some(t) => next = Some(t.to_string()),
            None => return Some(events),
        }
    }
}

fn expected_output(n: u64) -> Value {
    let items: Vec<u64> = (0..n % 4).collect();
    json!({"n": n, "items": items, "placement": {"cluster": format!("c{n}")}, "fan": [{"n": n}, items]})
}

#[derive(Default)]
struct Ledger {
    /// Acknowledged executions: ARN → n.
    started: HashMap<String, u64>,
    /// Acknowledged callbacks: token → "success" or "failure".
    answered: HashMap<String, &'static str>,
}

/// Does one round of client work until the server dies (or the work runs out).
fn work(url: &str, sm: &str, ledger: &Mutex<Ledger>, round: usize, stop: &AtomicBool) {
    let agent = agent();
    let per_round = EXECUTIONS.div_ceil(KILLS);
    for i in 0..per_round {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let n = (round * per_round + i) as u64;
        if n as usize >= EXECUTIONS {
            break;
        }
        let items: Vec<u64> = (0..n % 4).collect();
        let input = json!({"n": n, "items": items}).to_string();
        let body = json!({"stateMachineArn": sm, "name": format!("job-{n}"), "input": input});
        match call(&agent, url, "StartExecution", &body) {
            Some((200, out)) => {
                ledger
                    .lock()
                    .unwrap()
                    .started
                    .insert(out["executionArn"].as_str().unwrap().to_string(), n);
            }
            Some((status, out)) => panic!("StartExecution {status}: {out}"),
            None => return,
        }
    }
    answer_open(&agent, url, ledger, stop);
}

/// Answers every open callback once: the first attempt of odd executions fails with a retryable error.
fn answer_open(agent: &ureq::Agent, url: &str, ledger: &Mutex<Ledger>, stop: &AtomicBool) {
    let started: Vec<(String, u64)> = ledger
        .lock()
        .unwrap()
        .started
        .iter()
        .map(|(a, n)| (a.clone(), *n))
        .collect();
    for (arn, n) in started {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let Some(h) = history(agent, url, &arn) else {
            return;
        };
        let Some(token) = open_token(&h) else {
            continue;
        };
        let failed_before = h.iter().any(|e| e["type"] == "TaskFailed");
        let (op, body, kind) = if n % 2 == 1 && !failed_before {
            (
                "SendTaskFailure",
                json!({"taskToken": token, "error": "Transient", "cause": "try again"}),
                "failure",
            )
        } else {
            let output = json!({"cluster": format!("c{n}")}).to_string();
            (
                "SendTaskSuccess",
                json!({"taskToken": token, "output": output}),
                "success",
            )
        };
        match call(agent, url, op, &body) {
            Some((200, _)) => {
                ledger.lock().unwrap().answered.insert(token, kind);
            }
            Some((400, e)) if e["__type"] == "TaskDoesNotExist" => {}
            Some((status, e)) => panic!("{op} {status}: {e}"),
            None => return,
        }
    }
}

#[test]
fn kill_dash_nine_twenty_times_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let mut server = start_server(&data);
    let agent = agent();
    let body = json!({"name": "poller", "definition": DEFINITION, "roleArn": "arn:aws:iam::123456789012:role/r"});
    let (status, out) = call(&agent, &server.url, "CreateStateMachine", &body).unwrap();
    assert_eq!(status, 200, "{out}");
    let sm = out["stateMachineArn"].as_str().unwrap().to_string();

    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    for round in 0..KILLS {
        let stop = Arc::new(AtomicBool::new(false));
        let (url, sm2, ledger2, stop2) = (
            server.url.clone(),
            sm.clone(),
            Arc::clone(&ledger),
            Arc::clone(&stop),
        );
        let client = std::thread::spawn(move || work(&url, &sm2, &ledger2, round, &stop2));
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_millis(50 + seed % 400));
        server.child.kill().unwrap(); // SIGKILL
        server.child.wait().unwrap();
        stop.store(true, Ordering::Relaxed);
        client.join().unwrap();
        server = start_server(&data);
    }

    // However the kills fell, run at least 1,000 executions: top up on the last server.
    let mut n = EXECUTIONS as u64;
    while ledger.lock().unwrap().started.len() < 1_000 {
        let items: Vec<u64> = (0..n % 4).collect();
        let input = json!({"n": n, "items": items}).to_string();
        let body = json!({"stateMachineArn": sm, "name": format!("job-{n}"), "input": input});
        let (status, out) = call(&agent, &server.url, "StartExecution", &body).unwrap();
        assert_eq!(status, 200, "{out}");
        ledger
            .lock()
            .unwrap()
            .started
            .insert(out["executionArn"].as_str().unwrap().to_string(), n);
        n += 1;
    }

    // Let everything finish on the last server.
    let deadline = Instant::now() + Duration::from_secs(120);
    let stop = AtomicBool::new(false);
    loop {
        let started: Vec<String> = ledger.lock().unwrap().started.keys().cloned().collect();
        let running: Vec<String> = started
            .into_iter()
            .filter(|arn| {
                let (_, d) = call(
                    &agent,
                    &server.url,
                    "DescribeExecution",
                    &json!({"executionArn": arn}),
                )
                .unwrap();
                d["status"] == "RUNNING"
            })
            .collect();
        if running.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} executions still running",
            running.len()
        );
        answer_open(&agent, &server.url, &ledger, &stop);
        std::thread::sleep(Duration::from_millis(200));
    }

    let ledger = ledger.lock().unwrap();
    assert!(
        ledger.started.len() >= 1_000,
        "only {} starts were acknowledged",
        ledger.started.len()
    );
    let mut seen_tokens = HashSet::new();
    for (arn, n) in &ledger.started {
        let (_, d) = call(
            &agent,
            &server.url,
            "DescribeExecution",
            &json!({"executionArn": arn}),
        )
        .unwrap();
        assert_eq!(d["status"], "SUCCEEDED", "{arn}: {d}");
        let output: Value = serde_json::from_str(d["output"].as_str().unwrap()).unwrap();
        assert_eq!(output, expected_output(*n), "{arn}");
        let h = history(&agent, &server.url, arn).unwrap();
        for (i, e) in h.iter().enumerate() {
            assert_eq!(
                e["id"],
                json!(i + 1),
                "{arn}: history has a gap or duplicate at {i}"
            );
        }
        for e in &h {
            if e["type"] == "TaskScheduled" {
                let params: Value = serde_json::from_str(
                    e["taskScheduledEventDetails"]["parameters"]
                        .as_str()
                        .unwrap(),
                )
                .unwrap();
                seen_tokens.insert(params["token"].as_str().unwrap().to_string());
            }
        }
        // An odd execution whose failure callback was acknowledged shows the retry.
        if n % 2 == 1 && h.iter().any(|e| e["type"] == "TaskFailed") {
            assert!(
                h.iter().filter(|e| e["type"] == "TaskScheduled").count() >= 2,
                "{arn}: failure without retry"
            );
        }
    }
    for (token, kind) in &ledger.answered {
        assert!(
            seen_tokens.contains(token),
            "an acknowledged {kind} callback names a token no history has"
        );
    }
    // Every acknowledged callback took effect: its task's outcome is in the history.
    let mut effects = 0;
    for arn in ledger.started.keys() {
        let h = history(&agent, &server.url, arn).unwrap();
        let mut current = None;
        for e in &h {
            match e["type"].as_str() {
                Some("TaskScheduled") => {
                    let params: Value = serde_json::from_str(
                        e["taskScheduledEventDetails"]["parameters"]
                            .as_str()
                            .unwrap(),
                    )
                    .unwrap();
                    current = params["token"].as_str().map(str::to_string);
                }
                Some(kind @ ("TaskSucceeded" | "TaskFailed")) => {
                    if let Some(t) = current.take()
                        && let Some(k) = ledger.answered.get(&t)
                    {
                        let want = if *k == "success" {
                            "TaskSucceeded"
                        } else {
                            "TaskFailed"
                        };
                        assert_eq!(kind, want, "{arn}: callback for {t} took the wrong effect");
                        effects += 1;
                    }
                }
                _ => {}
            }
        }
    }
    assert_eq!(
        effects,
        ledger.answered.len(),
        "every acknowledged callback appears exactly once"
    );
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    // The file opens cleanly after all that.
    let mut last = start_server(&data);
    last.child.kill().unwrap();
    last.child.wait().unwrap();
    eprintln!(
        "{} executions, {} acknowledged callbacks, {KILLS} kill -9s",
        ledger.started.len(),
        ledger.answered.len()
    );
}
