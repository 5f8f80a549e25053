//! Jobs over the JSON API (`SubmitJob`, `DescribeJob`, `ListJobs`, `CancelJob`): the same checks and
//! answers as the REST routes, with AWS's error shapes.

#![allow(clippy::unwrap_used)] // helpers outside #[test] functions

use crate::common;

use serde_json::json;
use std::time::{Duration, Instant};

#[test]
fn jobs_over_the_json_api() {
    let dir = tempfile::tempdir().unwrap();
    let s = common::local(dir.path());
    let call = |op: &str, body: serde_json::Value| common::aws_call(&s.url, op, &body);

    let (status, v) = call(
        "SubmitJob",
        json!({"job": {"id": "api-1", "command": ["sh", "-c", "echo hi; exit 4"], "memoryMiB": 64}}),
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["jobId"], "api-1");
    assert!(
        v["executionArn"]
            .as_str()
            .unwrap()
            .ends_with(":execution:stepd-job-poller:api-1"),
        "{v}"
    );

    for (job, name, field) in [
        (
            json!({"command": "true", "cpus": 0}),
            "ValidationException",
            "job.cpus",
        ),
        (
            json!({"command": "true", "cluster": "moon"}),
            "ValidationException",
            "job.cluster",
        ),
        (
            json!({"id": "api-1", "command": "true"}),
            "JobAlreadyExists",
            "job.id",
        ),
    ] {
        let (status, v) = call("SubmitJob", json!({"job": job}));
        assert_eq!((status, v["__type"].as_str()), (400, Some(name)), "{v}");
        assert!(v["message"].as_str().unwrap().starts_with(field), "{v}");
    }
    let (status, v) = call("SubmitJob", json!({}));
    assert_eq!(
        (status, v["__type"].as_str()),
        (400, Some("ValidationException")),
        "{v}"
    );

    let deadline = Instant::now() + Duration::from_secs(30);
    let job = loop {
        let (_, v) = call("DescribeJob", json!({"jobId": "api-1"}));
        if v["job"]["state"] == "FAILED" {
            break v["job"].clone();
        }
        assert!(Instant::now() < deadline, "{v}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(job["exitCode"], 4, "{job}");
    assert!(
        job["cause"].as_str().unwrap().contains("exit code 4"),
        "{job}"
    );
    assert!(
        job.get("waiting").is_none(),
        "the queue token is never shown: {job}"
    );

    let (_, v) = call(
        "SubmitJob",
        json!({"job": {"id": "api-2", "command": ["sleep", "300"], "memoryMiB": 64}}),
    );
    assert_eq!(v["jobId"], "api-2");
    let (_, v) = call("ListJobs", json!({"state": "FAILED"}));
    let ids: Vec<&str> = v["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["spec"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["api-1"], "{v}");
    let (_, v) = call("ListJobs", json!({"maxResults": 1}));
    assert_eq!(v["jobs"].as_array().unwrap().len(), 1);
    let (_, next) = call(
        "ListJobs",
        json!({"maxResults": 1, "nextToken": v["nextToken"]}),
    );
    assert_eq!(next["jobs"][0]["spec"]["id"], "api-2", "{next}");
    let (status, v) = call("CancelJob", json!({"jobId": "api-2"}));
    assert_eq!(
        (status, v["state"].as_str()),
        (200, Some("CANCELLED")),
        "{v}"
    );
    let (_, v) = call("DescribeJob", json!({"jobId": "api-2"}));
    assert_eq!(v["job"]["state"], "CANCELLED", "{v}");
    let (status, v) = call("DescribeJob", json!({"jobId": "nope"}));
    assert_eq!(
        (status, v["__type"].as_str()),
        (400, Some("ResourceNotFound")),
        "{v}"
    );
    let (status, v) = call("CancelJob", json!({"jobId": "nope"}));
    assert_eq!(
        (status, v["__type"].as_str()),
        (400, Some("ResourceNotFound")),
        "{v}"
    );
}
