//! Requests that are well-formed HTTP but stretch the API's rules: parameters of the wrong type or outside
//! their enum or range, ARNs of another region, account or partition, names that are not UTF-8 once
//! percent-decoded, payloads measured in characters instead of bytes, and a disk that fills up.

use crate::common::{Server, aws_call, aws_raw, server};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const OWN: &str = "arn:aws:states:us-east-1:123456789012";
const PARKED: &str =
    r#"{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 100000, "End": true}}}"#;

fn create(url: &str, name: &str) -> String {
    let (status, body) = aws_call(
        url,
        "CreateStateMachine",
        &json!({"name": name, "definition": PARKED, "roleArn": "arn:aws:iam::123456789012:role/r"}),
    );
    assert_eq!(status, 200, "{body}");
    body["stateMachineArn"].as_str().unwrap().to_string()
}

fn start(url: &str, sm: &str, name: &str, input: &str) -> (u16, Value) {
    aws_call(
        url,
        "StartExecution",
        &json!({"stateMachineArn": sm, "name": name, "input": input}),
    )
}

/// A REST request: (status, content type, body as JSON or as a string).
fn rest(method: &str, url: &str, body: &str) -> (u16, String, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let answer = match method {
        "GET" => agent.get(url).call(),
        _ => agent.post(url).send(body.to_string()),
    };
    let mut resp = answer.unwrap();
    let status = resp.status().as_u16();
    let kind = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, kind, body)
}

fn error(answer: &(u16, Value)) -> (u16, &str) {
    (answer.0, answer.1["__type"].as_str().unwrap_or_default())
}

/// Before: `maxResults` of any type (a string, a boolean, 5000) and any `statusFilter` ("", "BOGUS") were
/// accepted and answered 200; botocore's model makes `maxResults` an integer 0–1000 and `statusFilter` an
/// enum, and AWS refuses the rest (a wrong type before validation, as its front end deserializes first).
#[test]
fn parameters_are_checked_against_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let s = server(dir.path());
    let sm = create(&s.url, "m");
    let list = |extra: Value| {
        let mut body = json!({"stateMachineArn": sm});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        aws_call(&s.url, "ListExecutions", &body)
    };
    for bad in [json!("5"), json!(true), json!([1]), json!(2.5)] {
        let answer = list(json!({ "maxResults": bad }));
        assert_eq!(
            error(&answer),
            (400, "SerializationException"),
            "{bad}: {}",
            answer.1
        );
    }
    let answer = list(json!({"maxResults": {}}));
    assert_eq!(error(&answer), (400, "SerializationException"));
    for bad in [json!(1001), json!(-1)] {
        let answer = list(json!({ "maxResults": bad }));
        assert_eq!(error(&answer), (400, "ValidationException"), "{bad}");
        assert!(
            answer.1["message"]
                .as_str()
                .unwrap()
                .contains("'maxResults'")
        );
    }
    for bad in ["", "BOGUS", "running"] {
        let answer = list(json!({ "statusFilter": bad }));
        assert_eq!(error(&answer), (400, "ValidationException"), "{bad:?}");
        let message = answer.1["message"].as_str().unwrap();
        assert!(message.contains("enum value set"), "{message}");
    }
    // Both at once: AWS lists every validation error in one message.
    let answer = list(json!({"maxResults": 5000, "statusFilter": "X"}));
    assert!(
        answer.1["message"]
            .as_str()
            .unwrap()
            .starts_with("2 validation errors detected"),
        "{}",
        answer.1
    );
    assert_eq!(
        list(json!({"maxResults": 0, "statusFilter": "RUNNING"})).0,
        200
    );
    assert_eq!(
        list(json!({"maxResults": 1000, "statusFilter": null})).0,
        200
    );

    // The same check covers every operation's fields, nested ones included.
    let exec = format!("{OWN}:execution:m:e");
    for (op, body) in [
        (
            "GetExecutionHistory",
            json!({"executionArn": exec, "reverseOrder": "yes"}),
        ),
        (
            "GetExecutionHistory",
            json!({"executionArn": exec, "maxResults": "1"}),
        ),
        ("DescribeExecution", json!({"executionArn": 12})),
        (
            "StartExecution",
            json!({"stateMachineArn": sm, "input": {"a": 1}}),
        ),
        (
            "CreateStateMachine",
            json!({"name": "x", "definition": PARKED, "tags": "t"}),
        ),
    ] {
        let answer = aws_call(&s.url, op, &body);
        assert_eq!(
            error(&answer),
            (400, "SerializationException"),
            "{op} {body}: {}",
            answer.1
        );
    }
    for (op, body) in [
        (
            "DescribeExecution",
            json!({"executionArn": exec, "includedData": "SOME"}),
        ),
        (
            "ListExecutions",
            json!({"stateMachineArn": sm, "redriveFilter": ""}),
        ),
        ("ListStateMachines", json!({"maxResults": 1001})),
        (
            "CreateStateMachineAlias",
            json!({"name": "a", "routingConfiguration": [{"stateMachineVersionArn": format!("{sm}:1"), "weight": 101}]}),
        ),
    ] {
        let answer = aws_call(&s.url, op, &body);
        assert_eq!(
            error(&answer),
            (400, "ValidationException"),
            "{op} {body}: {}",
            answer.1
        );
    }

    // REST's `limit` and `status` follow the same rules (before: any text was taken as the default or
    // as a filter matching nothing).
    for query in ["limit=abc", "limit=1001", "status=", "status=BOGUS"] {
        let (status, kind, body) = rest(
            "GET",
            &format!("{}/state-machines/m/executions?{query}", s.url),
            "",
        );
        assert_eq!(
            (status, body["__type"].as_str()),
            (400, Some("ValidationException")),
            "{query}"
        );
        assert!(kind.contains("json"), "{kind}");
    }
    let (status, _, _) = rest(
        "GET",
        &format!(
            "{}/state-machines/m/executions?limit=0&status=RUNNING",
            s.url
        ),
        "",
    );
    assert_eq!(status, 200);
    let (status, _, body) = rest(
        "POST",
        &format!("{}/state-machines/n?type=express", s.url),
        PARKED,
    );
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("ValidationException")),
        "{body}"
    );
}

/// Before: an execution ARN of another region, account or partition was acted upon (keys keep only the
/// part after the account, so `…:eu-west-1:…:execution:m:e` was the local `m:e`): it was described,
/// stopped, and its machine could be deleted through a foreign ARN.
#[test]
fn arns_of_another_region_account_or_partition_name_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let s = server(dir.path());
    let sm = create(&s.url, "m");
    let (status, body) = start(&s.url, &sm, "e", "{}");
    assert_eq!(status, 200, "{body}");
    let exec = format!("{OWN}:execution:m:e");
    let foreign = [
        (
            exec.replace("us-east-1", "eu-west-1"),
            "ExecutionDoesNotExist",
        ),
        (
            exec.replace("123456789012", "210987654321"),
            "ExecutionDoesNotExist",
        ),
        (exec.replace("arn:aws:", "arn:aws-cn:"), "InvalidArn"),
    ];
    for (arn, expected) in &foreign {
        for op in ["DescribeExecution", "StopExecution", "GetExecutionHistory"] {
            let answer = aws_call(&s.url, op, &json!({"executionArn": arn}));
            assert_eq!(error(&answer), (400, *expected), "{op} {arn}: {}", answer.1);
        }
    }
    let (_, described) = aws_call(&s.url, "DescribeExecution", &json!({"executionArn": exec}));
    assert_eq!(
        described["status"], "RUNNING",
        "a foreign StopExecution stopped it"
    );

    let foreign_sm = sm.replace("us-east-1", "ap-south-1");
    let answer = start(&s.url, &foreign_sm, "f", "{}");
    assert_eq!(
        error(&answer),
        (400, "StateMachineDoesNotExist"),
        "{}",
        answer.1
    );
    let answer = aws_call(
        &s.url,
        "DeleteStateMachine",
        &json!({"stateMachineArn": foreign_sm}),
    );
    assert_eq!(error(&answer), (400, "StateMachineDoesNotExist"));
    let answer = aws_call(
        &s.url,
        "TagResource",
        &json!({"resourceArn": sm.replace("123456789012", "000000000000"), "tags": [{"key": "k", "value": "v"}]}),
    );
    assert_eq!(error(&answer), (400, "ResourceNotFound"));
    let answer = aws_call(
        &s.url,
        "DescribeActivity",
        &json!({"activityArn": format!("{}:activity:a", OWN.replace("us-east-1", "us-west-2"))}),
    );
    assert_eq!(error(&answer), (400, "ActivityDoesNotExist"));
    let (_, machine) = aws_call(
        &s.url,
        "DescribeStateMachine",
        &json!({"stateMachineArn": sm}),
    );
    assert_eq!(
        machine["status"], "ACTIVE",
        "a foreign DeleteStateMachine deleted it"
    );
}

/// Before: `?name=%FF` and `?name=%FE` both decoded to U+FFFD (lossily), so two spellings named one
/// execution; a path segment that is not UTF-8 was answered with axum's plain-text 400.
#[test]
fn rest_names_that_are_not_utf8_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = server(dir.path());
    create(&s.url, "m");
    for name in ["%FF", "%FE", "ok%C3", "%C3%28"] {
        let url = format!("{}/state-machines/m/executions?name={name}", s.url);
        let (status, kind, body) = rest("POST", &url, "{}");
        assert_eq!(status, 400, "{name}: {body}");
        assert_eq!(body["__type"], "ValidationException", "{name}: {body}");
        assert!(kind.contains("json"), "{kind}");
    }
    let (_, _, listed) = rest("GET", &format!("{}/state-machines/m/executions", s.url), "");
    assert_eq!(listed["executions"], json!([]), "nothing was started");
    for path in [
        "/state-machines/%FF",
        "/state-machines/m/executions/%FF",
        "/state-machines/m/executions/%FE/history",
    ] {
        let (status, kind, body) = rest("GET", &format!("{}{path}", s.url), "");
        assert_eq!(status, 400, "{path}: {body}");
        assert!(kind.contains("json"), "{path}: {kind}");
        assert_eq!(body["__type"], "ValidationException", "{path}: {body}");
    }
    // Proper UTF-8 still decodes (it is then an invalid name, as AWS's name rules have it, or a name).
    let url = format!("{}/state-machines/m/executions?name=caf%C3%A9", s.url);
    let (status, _, body) = rest("POST", &url, "{}");
    assert_eq!(
        (status, body["name"].as_str()),
        (201, Some("café")),
        "{body}"
    );
}

/// Before: the JSON API counted 262,144 characters and REST 262,144 bytes, so 150,000 `é` (300,002 bytes)
/// were accepted by StartExecution and refused by REST. AWS counts bytes of UTF-8; both now do, at the
/// same boundary.
#[test]
fn the_payload_limit_is_bytes_of_utf8_on_every_entry_point() {
    let dir = tempfile::tempdir().unwrap();
    let s = server(dir.path());
    let sm = create(&s.url, "m");
    // `{"s":""}` is 8 bytes; each é is 2.
    let at_limit = format!("{{\"s\":\"{}\"}}", "é".repeat((262_144 - 8) / 2));
    assert_eq!(at_limit.len(), 262_144);
    let over = format!("{{\"s\":\"{}\"}}", "é".repeat(150_000));
    assert!(over.chars().count() < 262_144 && over.len() > 262_144);
    let json_api = |name: &str, input: &str| start(&s.url, &sm, name, input).0;
    let rest_api = |name: &str, input: &str| {
        let url = format!("{}/state-machines/m/executions?name={name}", s.url);
        rest("POST", &url, input).0
    };
    assert_eq!(json_api("a", &at_limit), 200);
    assert_eq!(rest_api("b", &at_limit), 201);
    let answer = start(&s.url, &sm, "c", &over);
    assert_eq!(error(&answer), (400, "ValidationException"), "{}", answer.1);
    assert_eq!(rest_api("d", &over), 400);
    let one_more = format!("{at_limit} ");
    assert_eq!(json_api("e", &one_more), 400);
    assert_eq!(rest_api("f", &one_more), 400);
}

/// Unmounts the tmpfs (lazily: the killed server may still hold the file for a moment).
struct Mount(std::path::PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

/// A server whose data directory is a 2 MiB tmpfs, with its stderr in a file; `None` where mounting is
/// not allowed (not root, no CAP_SYS_ADMIN): the runtime's own test (`disk_full.rs`) covers it there.
fn server_on_small_disk(dir: &std::path::Path) -> Option<(Mount, Server, std::path::PathBuf)> {
    let disk = dir.join("disk");
    std::fs::create_dir_all(&disk).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=2m", "tmpfs"])
        .arg(&disk)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("skipped: cannot mount a tmpfs here");
        return None;
    }
    let mount = Mount(disk.clone());
    let log = dir.join("stderr.log");
    let mut child = std::process::Command::new(crate::common::STEPD)
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(disk.join("data"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    Some((mount, Server { child, url }, log))
}

/// Item: disk full. Before: the first failed commit answered 500 `InternalFailure` "the runtime has
/// stopped", without the cause, and nothing was logged. Now: 503 `ServiceUnavailable` naming the cause for
/// every later write, one line on stderr, reads answered, the process alive.
#[test]
fn a_full_disk_refuses_writes_with_the_cause_and_keeps_reading() {
    let dir = tempfile::tempdir().unwrap();
    let Some((_mount, mut s, log)) = server_on_small_disk(dir.path()) else {
        return;
    };
    let sm = create(&s.url, "m");
    let big = json!({"x": "a".repeat(200_000)}).to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut started = Vec::new();
    let failed = loop {
        assert!(Instant::now() < deadline, "2 MiB never filled up");
        let name = format!("e{}", started.len());
        let answer = start(&s.url, &sm, &name, &big);
        if answer.0 != 200 {
            break answer;
        }
        started.push(name);
    };
    assert!(!started.is_empty(), "the disk was full from the start");
    assert_eq!(error(&failed), (503, "ServiceUnavailable"), "{}", failed.1);
    let message = failed.1["message"].as_str().unwrap().to_string();
    assert!(message.contains("commit failed"), "{message}");
    // Later writes, small ones too, are answered the same way.
    for _ in 0..3 {
        let answer = start(&s.url, &sm, "small", "{}");
        assert_eq!(error(&answer), (503, "ServiceUnavailable"), "{}", answer.1);
        assert_eq!(answer.1["message"], message.as_str());
    }
    let answer = aws_call(&s.url, "CreateActivity", &json!({"name": "a"}));
    assert_eq!(error(&answer), (503, "ServiceUnavailable"));
    // Reads go on.
    let exec = format!("{OWN}:execution:m:{}", started[0]);
    let (status, described) = aws_call(&s.url, "DescribeExecution", &json!({"executionArn": exec}));
    assert_eq!(
        (status, described["status"].as_str()),
        (200, Some("RUNNING")),
        "{described}"
    );
    let (status, listed) = aws_call(&s.url, "ListExecutions", &json!({"stateMachineArn": sm}));
    assert_eq!(status, 200, "{listed}");
    assert_eq!(
        listed["executions"].as_array().unwrap().len(),
        started.len()
    );
    let (status, _) = aws_raw(&s.url, "AWSStepFunctions.ListStateMachines", "{}");
    assert_eq!(status, 200);
    assert!(s.child.try_wait().unwrap().is_none(), "the server exited");
    let logged = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        logged.matches("a commit failed").count(),
        1,
        "logged once, with the cause: {logged}"
    );
}
