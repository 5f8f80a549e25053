//! Schedules end to end: created through the REST surface, the JSON API and the CLI; bad expressions
//! refused with the field named; fires start executions on time; after the server was down for several
//! periods, the missed fire runs once, not once per period.

#![allow(clippy::unwrap_used)] // helpers outside #[test] functions

use crate::common::{self, rest};

use serde_json::json;
use std::time::{Duration, Instant};

/// Fire times (ms) of the executions a schedule started, from their names.
fn fires(url: &str, machine_arn: &str, schedule: &str) -> Vec<i64> {
    let (status, v) = common::aws_call(
        url,
        "ListExecutions",
        &json!({"stateMachineArn": machine_arn, "maxResults": 1000}),
    );
    assert_eq!(status, 200, "{v}");
    let mut out: Vec<i64> = v["executions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| {
            e["name"]
                .as_str()?
                .strip_prefix(&format!("{schedule}-"))?
                .parse()
                .ok()
        })
        .collect();
    out.sort();
    out
}

#[test]
fn schedules_fire_and_a_missed_fire_runs_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = common::server(dir.path());
    let machine = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
    let (status, v) = common::aws_call(
        &server.url,
        "CreateStateMachine",
        &json!({"name": "nightly", "definition": machine.to_string(), "roleArn": "arn:aws:iam::123456789012:role/r"}),
    );
    assert_eq!(status, 200, "{v}");
    let arn = v["stateMachineArn"].as_str().unwrap().to_string();

    // Bad expressions name what is wrong, over both surfaces; nothing is created.
    for (expression, tz, want) in [
        ("rate(5 parsecs)", None, "rate"),
        ("cron(0 10 * * * *)", None, "day-of-week"),
        ("cron(61 10 * * ? *)", None, "minutes"),
        ("every day", None, "scheduleExpression"),
        ("rate(5 minutes)", Some("Mars/Base"), "Mars/Base"),
    ] {
        let body = json!({"name": "bad", "expression": expression, "timezone": tz, "stateMachine": "nightly"});
        let (status, v) = rest("POST", &format!("{}/schedules", server.url), Some(&body));
        assert_eq!(status, 400, "{expression}: {v}");
        assert_eq!(v["__type"], "ValidationException", "{v}");
        assert!(
            v["message"].as_str().unwrap().contains(want),
            "{expression}: {v}"
        );
        let (status, v) = common::aws_call(
            &server.url,
            "CreateSchedule",
            &json!({"Name": "bad2", "ScheduleExpression": expression,
            "ScheduleExpressionTimezone": tz, "FlexibleTimeWindow": {"Mode": "OFF"}, "Target": {"Arn": arn, "RoleArn": "arn:aws:iam::123456789012:role/r"}}),
        );
        assert_eq!(
            (status, v["__type"].as_str()),
            (400, Some("ValidationException")),
            "{v}"
        );
    }
    let (status, v) = rest(
        "POST",
        &format!("{}/schedules", server.url),
        Some(&json!({"name": "orphan", "expression": "rate(1 minute)", "stateMachine": "missing"})),
    );
    assert_eq!(
        (status, v["__type"].as_str()),
        (400, Some("StateMachineDoesNotExist")),
        "{v}"
    );
    let (_, all) = rest("GET", &format!("{}/schedules", server.url), None);
    let names: Vec<&str> = all["schedules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    // Only the job layer's own schedule, which every server keeps.
    assert_eq!(
        names,
        ["stepd-job-scheduler"],
        "refused schedules leave nothing behind"
    );

    // One schedule through the JSON API (EventBridge Scheduler's shapes), one through the CLI.
    let (status, v) = common::aws_call(
        &server.url,
        "CreateSchedule",
        &json!({"Name": "every-2s", "ScheduleExpression": "rate(2 seconds)",
        "FlexibleTimeWindow": {"Mode": "OFF"}, "Target": {"Arn": arn, "RoleArn": "arn:aws:iam::123456789012:role/r", "Input": "{\"from\": \"schedule\"}"}}),
    );
    assert_eq!(status, 200, "{v}");
    assert!(
        v["ScheduleArn"]
            .as_str()
            .unwrap()
            .ends_with(":schedule/default/every-2s"),
        "{v}"
    );
    let (status, v) = common::aws_call(
        &server.url,
        "CreateSchedule",
        &json!({"Name": "every-2s", "ScheduleExpression": "rate(2 seconds)",
        "FlexibleTimeWindow": {"Mode": "OFF"}, "Target": {"Arn": arn, "RoleArn": "r"}}),
    );
    assert_eq!(
        (status, v["__type"].as_str()),
        (409, Some("ConflictException")),
        "{v}"
    );
    let cli = std::process::Command::new(common::STEPD)
        .args([
            "schedules",
            "create",
            "yearly",
            "--expression",
            "cron(0 0 1 1 ? *)",
            "--timezone",
            "Europe/Berlin",
            "--state-machine",
            "nightly",
            "--endpoint",
            &server.url,
        ])
        .output()
        .unwrap();
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    let (_, yearly) = common::aws_call(&server.url, "GetSchedule", &json!({"Name": "yearly"}));
    assert_eq!(
        yearly["ScheduleExpressionTimezone"], "Europe/Berlin",
        "{yearly}"
    );

    // It fires, every two seconds, with its input.
    let deadline = Instant::now() + Duration::from_secs(30);
    while fires(&server.url, &arn, "every-2s").len() < 3 {
        assert!(
            Instant::now() < deadline,
            "the schedule did not fire three times"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let before = fires(&server.url, &arn, "every-2s");
    for w in before.windows(2) {
        assert_eq!(w[1] - w[0], 2000, "fires on the rate's grid: {before:?}");
    }
    let one = common::aws_call(&server.url, "DescribeExecution",
        &json!({"executionArn": format!("{}:{}-{}", arn.replace(":stateMachine:", ":execution:"), "every-2s", before[0])})).1;
    assert_eq!(one["input"], "{\"from\":\"schedule\"}", "{one}");

    // Down for about five periods: the missed fire runs once when the server is back.
    drop(server);
    let down = chrono_ms();
    std::thread::sleep(Duration::from_secs(10));
    server = common::server(dir.path());
    let up = chrono_ms();
    std::thread::sleep(Duration::from_millis(1500));
    let after = fires(&server.url, &arn, "every-2s");
    // Down for five periods: once per missed period would have fired at five grid points. The catch-up
    // fire is the latest missed one; a loaded machine may take long enough to start that the next
    // regular fire also falls before `up`, so at most two.
    let since_down = after.iter().filter(|&&t| t > down && t <= up).count();
    assert!(
        (1..=2).contains(&since_down),
        "one catch-up fire for the downtime, not one per period: {after:?} (down {down}, up {up})"
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while fires(&server.url, &arn, "every-2s")
        .iter()
        .filter(|&&t| t >= up)
        .count()
        < 2
    {
        assert!(
            Instant::now() < deadline,
            "the schedule did not go on after the restart"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let (status, _) = rest(
        "DELETE",
        &format!("{}/schedules/every-2s", server.url),
        None,
    );
    assert_eq!(status, 200);
    let (_, v) = common::aws_call(&server.url, "ListSchedules", &json!({}));
    let names: Vec<&str> = v["Schedules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Name"].as_str().unwrap())
        .collect();
    // The job layer's own schedule is listed beside it.
    assert_eq!(names, ["stepd-job-scheduler", "yearly"], "{v}");
}

fn chrono_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}
