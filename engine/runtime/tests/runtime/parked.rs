//! Parked executions (a cache of one, so every request rebuilds its execution from the store), adapter
//! tasks delivered again after a crash with the same idempotency key, and the HTTP invoke resource against
//! a real HTTP server.

#![allow(clippy::unwrap_used)] // helpers outside #[test] functions

use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use stepd_runtime::{Adapter, Config, Error, Runtime, Task, TaskError, TaskFuture};

use crate::common;
use common::{ids_are_contiguous, open, process, settled as finished};

/// A callback and a timer side by side in a Parallel, then a Map of callbacks.
const MIX: &str = r#"{"StartAt": "Both", "States": {
  "Both": {"Type": "Parallel", "Next": "Each", "ResultPath": "$.both", "Branches": [
    {"StartAt": "Ask", "States": {"Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
       "Parameters": {"t.$": "$$.Task.Token"}, "End": true}}},
    {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 1, "End": true}}}]},
  "Each": {"Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.each", "End": true, "ItemProcessor": {
    "StartAt": "Item", "States": {"Item": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
       "Parameters": {"t.$": "$$.Task.Token"}, "End": true}}}}}}"#;

/// Answers every pending token with the number of tokens it has answered so far.
async fn answer_all(rt: &Runtime, answered: &mut u64) {
    for t in rt.pending_tokens().unwrap() {
        rt.send_task_success(&t, json!(*answered)).await.unwrap();
        *answered += 1;
    }
}

#[test]
fn parked_executions_are_rebuilt_from_the_store_on_every_request() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stepd.redb");
    let tiny = || Config {
        cache: 1,
        ..Config::default()
    };
    let (sm, arns) = process().block_on(async {
        let rt = open(&path, tiny());
        let sm = rt.register("mix", MIX).await.unwrap();
        let mut arns = Vec::new();
        for i in 0..12 {
            let input = json!({"items": [i, i + 1]});
            arns.push(
                rt.start_execution(&sm, &format!("m{i}"), input)
                    .await
                    .unwrap(),
            );
        }
        // Idempotent StartExecution reads a parked execution's record.
        let again = rt
            .start_execution(&sm, "m0", json!({"items": [0, 1]}))
            .await;
        assert_eq!(again.unwrap(), arns[0]);
        assert!(matches!(
            rt.start_execution(&sm, "m0", json!({"items": []})).await,
            Err(Error::ExecutionAlreadyExists(_))
        ));
        let mut answered = 0;
        answer_all(&rt, &mut answered).await; // the Parallel's callbacks
        (sm, arns)
    }); // crash: timers and Map callbacks pending
    process().block_on(async {
        let rt = open(&path, tiny());
        let mut answered = 100;
        for arn in &arns {
            // Wait until the timer fired and the Map's two callbacks are out.
            common::until(
                &rt,
                "the timer fired and the Map's callbacks are out",
                || {
                    rt.history(arn)
                        .unwrap()
                        .iter()
                        .filter(|e| e["type"] == "TaskScheduled")
                        .count()
                        == 3
                },
            )
            .await;
        }
        answer_all(&rt, &mut answered).await;
        for arn in &arns {
            let record = finished(&rt, arn).await;
            let Some(stepd_core::Outcome::Succeeded { output }) = record.outcome else {
                panic!("{arn}: {record:?}");
            };
            assert_eq!(
                output["both"][1]["items"], output["items"],
                "the Wait branch passes its input on"
            );
            assert!(
                output["each"][0].as_u64().unwrap() >= 100,
                "answered after the restart"
            );
            ids_are_contiguous(&rt.history(arn).unwrap());
        }
        let listed = rt.executions(&sm).unwrap();
        assert_eq!(listed.len(), 12);
        assert!(
            listed.windows(2).all(|w| w[0].start >= w[1].start),
            "newest first"
        );
        let succeeded = stepd_runtime::ExecutionFilter {
            status: Some("SUCCEEDED"),
            ..Default::default()
        };
        let (page, next) = rt.list_executions(&sm, &succeeded, None, 5).unwrap();
        let (rest, _) = rt
            .list_executions(&sm, &Default::default(), next.as_deref(), 100)
            .unwrap();
        assert_eq!(page.len() + rest.len(), 12, "pages neither skip nor repeat");
        assert!(rt.pending_tokens().unwrap().is_empty());
    });
}

/// An adapter that records each idempotency key; it answers only when `answer` is set, else never.
struct Recorder {
    keys: Arc<Mutex<Vec<String>>>,
    answer: Option<Result<Value, TaskError>>,
}

impl Adapter for Recorder {
    fn handles(&self, resource: &str) -> bool {
        resource == "arn:aws:states:::test:work"
    }
    fn describe(&self) -> String {
        "arn:aws:states:::test:work".into()
    }
    fn invoke(&self, task: Task) -> TaskFuture {
        let mut keys = self.keys.lock().unwrap();
        keys.push(task.idempotency_key.clone());
        // The first attempt of each execution fails when asked to, to exercise Retry.
        let answer = match (&self.answer, keys.len()) {
            (Some(Err(e)), 1) => Some(Err(e.clone())),
            (Some(Err(_)), _) => Some(Ok(json!({"in": task.input}))),
            (Some(Ok(v)), _) => Some(Ok(v.clone())),
            (None, _) => None,
        };
        match answer {
            Some(a) => Box::pin(async move { a }),
            None => Box::pin(std::future::pending()),
        }
    }
}

const WORK: &str = r#"{"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "arn:aws:states:::test:work",
  "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1}], "End": true}}}"#;

#[test]
fn adapter_tasks_are_delivered_again_after_a_crash_with_the_same_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stepd.redb");
    let keys = Arc::new(Mutex::new(Vec::new()));
    let with = |answer| Config {
        adapters: vec![Arc::new(Recorder {
            keys: Arc::clone(&keys),
            answer,
        })],
        ..Config::default()
    };
    let arn = process().block_on(async {
        let rt = open(&path, with(None));
        let sm = rt.register("work", WORK).await.unwrap();
        let arn = rt.start_execution(&sm, "w", json!({"n": 1})).await.unwrap();
        common::until(&rt, "the adapter is called", || {
            !keys.lock().unwrap().is_empty()
        })
        .await;
        arn
    }); // crash while the adapter works
    assert_eq!(
        keys.lock().unwrap().len(),
        1,
        "dispatched once, after the commit"
    );
    process().block_on(async {
        let rt = open(&path, with(Some(Ok(json!("done")))));
        let record = finished(&rt, &arn).await;
        assert_eq!(record.status(), "SUCCEEDED");
        let history = rt.history(&arn).unwrap();
        ids_are_contiguous(&history);
        let scheduled = history
            .iter()
            .filter(|e| e["type"] == "TaskScheduled")
            .count();
        assert_eq!(scheduled, 1, "redelivery adds nothing to the history");
    });
    let seen = keys.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[0], seen[1],
        "the redelivery carries the same idempotency key"
    );
}

#[test]
fn each_retry_gets_its_own_key_and_an_unclaimed_resource_fails_the_task() {
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(Mutex::new(Vec::new()));
    let flaky = TaskError {
        error: "Flaky".into(),
        cause: "first try".into(),
    };
    let config = Config {
        adapters: vec![Arc::new(Recorder {
            keys: Arc::clone(&keys),
            answer: Some(Err(flaky)),
        })],
        ..Config::default()
    };
    process().block_on(async {
        let rt = open(&dir.path().join("stepd.redb"), config);
        let sm = rt.register("work", WORK).await.unwrap();
        let arn = rt.start_execution(&sm, "w", json!({"n": 2})).await.unwrap();
        let record = finished(&rt, &arn).await;
        let Some(stepd_core::Outcome::Succeeded { output }) = record.outcome else {
            panic!("{record:?}");
        };
        assert_eq!(output, json!({"in": {"n": 2}}));
        let seen = keys.lock().unwrap().clone();
        assert_eq!(seen.len(), 2);
        assert_ne!(seen[0], seen[1], "a retry is a new attempt");

        let other = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}});
        let sm = rt.register("nobody", &other.to_string()).await.unwrap();
        let arn = rt.start_execution(&sm, "n", json!({})).await.unwrap();
        let record = finished(&rt, &arn).await;
        assert!(matches!(record.outcome, Some(stepd_core::Outcome::Failed { ref error, .. }) if error == "States.TaskFailed"));
    });
}

#[test]
fn http_invoke_calls_a_real_server() {
    use axum::routing::{get, post};
    let dir = tempfile::tempdir().unwrap();
    process().block_on(async {
        let app = axum::Router::new()
            .route(
                "/jobs",
                post(|headers: axum::http::HeaderMap, query: axum::extract::RawQuery, body: String| async move {
                    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                    let kind = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                    axum::Json(json!({"body": body, "query": query.0, "key": key, "type": kind}))
                }),
            )
            .route("/text", get(|| async { "plain words" }))
            .route("/missing", get(|| async { (axum::http::StatusCode::NOT_FOUND, "no such job") }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

        let http = Config {
            adapters: vec![Arc::new(stepd_adapter_http::HttpInvoke::new())],
            ..Config::default()
        };
        let rt = open(&dir.path().join("stepd.redb"), http);
        let def = json!({"StartAt": "Submit", "States": {
            "Submit": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke", "ResultPath": "$.submit", "Next": "Form",
                "Parameters": {"ApiEndpoint": format!("{base}/jobs"), "Method": "POST",
                    "Authentication": {"ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/x/y"},
                    "QueryParameters": {"q": "a b"}, "RequestBody": {"job.$": "$.job"}}},
            "Form": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke", "ResultPath": "$.form", "Next": "Text",
                "Parameters": {"ApiEndpoint": format!("{base}/jobs"), "Method": "POST", "Headers": {"Idempotency-Key": "mine"},
                    "RequestBody": {"ids": [1, 2]},
                    "Transform": {"RequestBodyEncoding": "URL_ENCODED", "RequestEncodingOptions": {"ArrayFormat": "BRACKETS"}}}},
            "Text": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke", "ResultPath": "$.text", "Next": "Missing",
                "Parameters": {"ApiEndpoint": format!("{base}/text"), "Method": "GET"}},
            "Missing": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke", "End": true,
                "Parameters": {"ApiEndpoint": format!("{base}/missing"), "Method": "GET"},
                "Catch": [{"ErrorEquals": ["States.Http.StatusCode.404"], "ResultPath": "$.caught", "Next": "Caught"}]},
            "Caught": {"Type": "Pass", "End": true}}});
        let sm = rt.register("http", &def.to_string()).await.unwrap();
        let arn = rt.start_execution(&sm, "h", json!({"job": "etl"})).await.unwrap();
        let record = finished(&rt, &arn).await;
        let Some(stepd_core::Outcome::Succeeded { output }) = record.outcome else {
            panic!("{record:?}");
        };
        let submit = &output["submit"];
        assert_eq!(submit["StatusCode"], 200);
        assert_eq!(submit["StatusText"], "OK");
        assert_eq!(submit["Headers"]["content-type"][0], "application/json");
        assert_eq!(submit["ResponseBody"]["body"], r#"{"job":"etl"}"#);
        assert_eq!(submit["ResponseBody"]["type"], "application/json");
        assert_eq!(submit["ResponseBody"]["query"], "q=a%20b");
        assert!(submit["ResponseBody"]["key"].as_str().unwrap().contains(&arn), "the idempotency key is sent");
        assert_eq!(output["form"]["ResponseBody"]["body"], "ids%5B%5D=1&ids%5B%5D=2");
        assert_eq!(output["form"]["ResponseBody"]["type"], "application/x-www-form-urlencoded");
        assert_eq!(output["form"]["ResponseBody"]["key"], "mine");
        assert_eq!(output["text"]["ResponseBody"], "plain words");
        assert_eq!(output["caught"]["Error"], "States.Http.StatusCode.404");
        let cause: Value = serde_json::from_str(output["caught"]["Cause"].as_str().unwrap()).unwrap();
        assert_eq!(cause["StatusCode"], 404);
        assert_eq!(cause["ResponseBody"], "no such job");

        let closed = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke",
            "Parameters": {"ApiEndpoint": "http://127.0.0.1:1/", "Method": "GET"}, "End": true}}});
        let sm = rt.register("closed", &closed.to_string()).await.unwrap();
        let arn = rt.start_execution(&sm, "c", json!({})).await.unwrap();
        let record = finished(&rt, &arn).await;
        assert!(matches!(record.outcome, Some(stepd_core::Outcome::Failed { ref error, .. }) if error == "States.Http.Socket"), "{record:?}");
    });
}

#[test]
fn a_follower_reads_only_what_was_committed_since_it_last_looked() {
    let dir = tempfile::tempdir().unwrap();
    process().block_on(async {
        let rt = open(&dir.path().join("stepd.redb"), Config::default());
        let sm = rt.register("mix", MIX).await.unwrap();
        let arn = rt
            .start_execution(&sm, "f", json!({"items": [1]}))
            .await
            .unwrap();
        let mut follower = rt.follow(&arn).unwrap();
        let mut seen = follower.next_events().unwrap();
        assert!(!seen.is_empty());
        assert!(
            follower.next_events().unwrap().is_empty(),
            "nothing new yet"
        );
        let mut answered = 0;
        while rt.describe_execution(&arn).unwrap().status() == "RUNNING" {
            answer_all(&rt, &mut answered).await;
            let new = follower.next_events().unwrap();
            if let Some(first) = new.first() {
                assert_eq!(
                    first["id"],
                    json!(seen.len() + 1),
                    "continues where it stopped"
                );
            }
            seen.extend(new);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        seen.extend(follower.next_events().unwrap());
        assert_eq!(
            seen,
            rt.history(&arn).unwrap(),
            "the pieces make the whole history"
        );
        assert_eq!(seen.last().unwrap()["type"], "ExecutionSucceeded");
    });
}
