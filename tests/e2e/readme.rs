//! The README's examples run as written: its first command (`stepd demo`), and every block marked
//! `<!-- readme-test: NAME -->` — offline ones as they are, the others against a real `stepd serve`
//! (with `localhost:8080` and `stepd`'s default endpoint pointed at the test's server).

#![allow(clippy::unwrap_used)] // helpers outside #[test] functions

use crate::common;

use std::process::Command;

/// The commands of the block marked `name`: its indented lines, `\`-continued lines joined.
fn block(name: &str) -> Vec<String> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let marker = format!("<!-- readme-test: {name} -->");
    let start = readme
        .find(&marker)
        .unwrap_or_else(|| panic!("no block {name}"));
    let mut commands = Vec::new();
    let mut pending = String::new();
    for line in readme[start + marker.len()..].lines().skip(1) {
        let Some(code) = line.strip_prefix("    ") else {
            break;
        };
        let code = code.trim();
        match code.strip_suffix('\\') {
            Some(part) => pending.push_str(part),
            None => {
                pending.push_str(code);
                commands.push(std::mem::take(&mut pending));
            }
        }
    }
    assert!(!commands.is_empty(), "block {name} is empty");
    commands
}

/// Runs one README command with `stepd` being this build's binary, from the repository's root.
fn run(command: &str, endpoint: Option<&str>) -> String {
    let bin = common::STEPD;
    let mut line = command.replacen("stepd ", &format!("{bin} "), 1);
    let mut cmd = Command::new("/bin/sh");
    if let Some(url) = endpoint {
        let host = url.trim_start_matches("http://");
        line = line
            .replace("localhost:8080", host)
            .replace("127.0.0.1:8080", host);
        // What the README's `export` line sets (each command runs in its own shell).
        cmd.env("STEPD_ENDPOINT", url)
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "local")
            .env("AWS_SECRET_ACCESS_KEY", "local");
    }
    let out = cmd
        .args(["-c", &line])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "README command failed: {command}\nstdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn the_first_command_runs_the_demo_to_its_summary() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let out = run(
        &format!("stepd demo --jobs 10 --data {}", data.display()),
        None,
    );
    assert!(out.contains("summary:"), "{out}");
    assert!(out.contains("10/10 done"), "{out}");
    assert!(
        out.contains("Job.Unschedulable"),
        "the demo's too-big job is named in the summary: {out}"
    );
}

#[test]
fn the_offline_examples_run() {
    for command in block("offline") {
        let out = run(&command, None);
        assert!(out.contains("\"status\":\"SUCCEEDED\""), "{command}: {out}");
    }
}

#[test]
fn the_job_and_schedule_examples_run_against_a_server() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::local(dir.path());
    let mut outputs = Vec::new();
    for command in block("jobs").iter().chain(block("schedules").iter()) {
        outputs.push((command.clone(), run(command, Some(&server.url))));
    }
    let said = |needle: &str| {
        outputs
            .iter()
            .find(|(c, _)| c.contains(needle))
            .map(|(_, o)| o.as_str())
            .unwrap()
    };
    assert!(
        said("jobs submit --id hello-1").starts_with("hello-1\t"),
        "{outputs:?}"
    );
    assert!(
        said("jobs logs hello-1").contains("hello from a job"),
        "{outputs:?}"
    );
    assert!(
        said("jobs show hello-1").contains("SUCCEEDED"),
        "{outputs:?}"
    );
    assert!(
        said("jobs cancel long-1").contains("CANCELLED"),
        "{outputs:?}"
    );
    assert!(
        said("schedules show nightly").contains("cron(0 2 * * ? *)"),
        "{outputs:?}"
    );
}

#[test]
fn the_aws_cli_examples_run_against_a_server() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::local(dir.path());
    let mut last = String::new();
    for command in block("aws") {
        last = run(&command, Some(&server.url));
    }
    assert!(last.contains("ExecutionStarted"), "{last}");
    // The example's job really runs: its execution succeeds on the local cluster.
    let arn = "arn:aws:states:us-east-1:123456789012:execution:poller:etl-1";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let (_, d) = common::aws_call(
            &server.url,
            "DescribeExecution",
            &serde_json::json!({"executionArn": arn}),
        );
        if d["status"] == "SUCCEEDED" {
            break;
        }
        assert!(
            d["status"] == "RUNNING" && std::time::Instant::now() < deadline,
            "{d}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}
