//! End-to-end tests of the `stepd` binary's `validate` command: real process, real files, exit codes.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn stepd(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(crate::common::STEPD)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("stepd starts");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(bytes) = stdin {
        input.write_all(bytes).expect("write stdin");
    }
    drop(input);
    child.wait_with_output().expect("stepd finishes")
}

fn write(dir: &tempfile::TempDir, name: &str, body: &[u8]) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, body).expect("write file");
    path.to_string_lossy().into_owned()
}

const VALID: &str = r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}"#;

#[test]
fn valid_files_exit_zero() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = write(&dir, "a.json", VALID.as_bytes());
    let out = stepd(&["validate", &a], None);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{a}: valid (1 states)\n")
    );
}

#[test]
fn invalid_files_exit_one_with_every_diagnostic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ok = write(&dir, "ok.json", VALID.as_bytes());
    let bad = write(
        &dir,
        "bad.json",
        br#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nope", "Bogus": 1}}}"#,
    );
    let out = stepd(&["validate", &ok, &bad], None);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("{ok}: valid")), "{text}");
    assert!(
        text.contains(&format!(
            "{bad}: error: SCHEMA_VALIDATION_FAILED: Field 'Bogus' is not supported at /States/A"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "{bad}: error: MISSING_TRANSITION_TARGET: Missing 'Next' target: Nope at /States/A/Next"
        )),
        "{text}"
    );
}

#[test]
fn json_syntax_errors_show_file_line_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = write(
        &dir,
        "syntax.json",
        b"{\n  \"StartAt\": \"A\",\n  \"States\": [\n}",
    );
    let out = stepd(&["validate", &bad], None);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(&format!(
            "{bad}:4:1: error: INVALID_JSON_DESCRIPTION: Invalid JSON:"
        )),
        "{text}"
    );
}

#[test]
fn json_output_is_one_object_per_file() {
    let out = stepd(
        &["validate", "--json", "-"],
        Some(br#"{"StartAt": "A", "States": {}}"#),
    );
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(report["file"], "-");
    assert_eq!(report["result"], "FAIL");
    assert_eq!(report["diagnostics"][0]["code"], "SCHEMA_VALIDATION_FAILED");
    assert_eq!(report["diagnostics"][0]["location"], "/States");
    assert_eq!(report["diagnostics"][0]["severity"], "ERROR");
    let ok = stepd(&["validate", "--json", "-"], Some(VALID.as_bytes()));
    assert_eq!(ok.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&ok.stdout).expect("one JSON object");
    assert_eq!(report["result"], "OK");
    assert_eq!(report["diagnostics"], serde_json::json!([]));
}

#[test]
fn express_flag_refuses_callbacks() {
    let def = br#"{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true}}}"#;
    assert_eq!(stepd(&["validate", "-"], Some(def)).status.code(), Some(0));
    let out = stepd(&["validate", "--express", "-"], Some(def));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Express state machine does not support")
    );
}

#[test]
fn usage_and_io_errors_exit_two() {
    assert_eq!(stepd(&["validate"], None).status.code(), Some(2));
    assert_eq!(stepd(&["frobnicate"], None).status.code(), Some(2));
    let dir = tempfile::tempdir().expect("tempdir");
    let ok = write(&dir, "ok.json", VALID.as_bytes());
    let missing = dir.path().join("missing.json");
    let out = stepd(&["validate", &ok, &missing.to_string_lossy()], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.json: error:"));
}

#[test]
fn oversized_and_binary_input_are_invalid_not_crashes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let big = write(&dir, "big.json", &vec![b' '; 3 * 1024 * 1024]);
    let out = stepd(&["validate", &big], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("exceeds the maximum size of 1048576 bytes")
    );
    let bin = write(&dir, "bin.json", &[0xff, 0xfe, 0x00, 0x7b]);
    let out = stepd(&["validate", &bin], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("not UTF-8"));
}

fn run_line(args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let out = stepd(args, None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.lines().count(),
        1,
        "exactly one line: {text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.code(),
        serde_json::from_str(text.trim()).expect("a JSON line"),
    )
}

#[test]
fn run_prints_one_json_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let def = write(
        &dir,
        "def.json",
        br#"{"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"got.$": "$.x", "n.$": "States.MathAdd($.n, 1)"}, "End": true}}}"#,
    );
    let input = write(&dir, "in.json", br#"{"x": "hello", "n": 41}"#);
    let (code, line) = run_line(&["run", &def, "--input", &format!("@{input}")]);
    assert_eq!(code, Some(0));
    assert_eq!(
        line,
        serde_json::json!({"status": "SUCCEEDED", "output": {"got": "hello", "n": 42}})
    );
    let (code, line) = run_line(&["run", &def, "--input", r#"{"n": 1}"#]);
    assert_eq!(code, Some(1));
    assert_eq!(line["status"], "FAILED");
    assert_eq!(line["error"], "States.Runtime");
}

#[test]
fn run_answers_tasks_from_mocks_with_retries_and_history() {
    let dir = tempfile::tempdir().expect("tempdir");
    let def = write(
        &dir,
        "def.json",
        br#"{"StartAt": "Submit", "States": {"Submit": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Retry": [{"ErrorEquals": ["Busy"], "IntervalSeconds": 1, "MaxAttempts": 1}], "End": true}}}"#,
    );
    let mocks = write(&dir, "mocks.json", br#"{"Submit": {"0": {"Throw": {"Error": "Busy", "Cause": "later"}}, "1": {"Return": {"jobId": 7}}}}"#);
    let started = std::time::Instant::now();
    let (code, line) = run_line(&["run", &def, "--mock", &mocks, "--history"]);
    assert_eq!(code, Some(0));
    assert_eq!(line["output"], serde_json::json!({"jobId": 7}));
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(900),
        "the retry back-off really waits"
    );
    let kinds: Vec<&str> = line["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "TaskScheduled").count(), 2);
    assert_eq!(kinds.last(), Some(&"ExecutionSucceeded"));
}

#[test]
fn run_without_a_mock_names_the_resource() {
    let dir = tempfile::tempdir().expect("tempdir");
    let def = write(
        &dir,
        "def.json",
        br#"{"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke", "End": true}}}"#,
    );
    let (code, line) = run_line(&["run", &def]);
    assert_eq!(code, Some(1));
    assert_eq!(line["error"], "States.TaskFailed");
    assert!(
        line["cause"]
            .as_str()
            .unwrap_or_default()
            .contains("arn:aws:states:::http:invoke"),
        "{line}"
    );
}

#[test]
fn run_reports_invalid_definitions_and_bad_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = write(
        &dir,
        "bad.json",
        br#"{"StartAt": "Nope", "States": {"A": {"Type": "Succeed"}}}"#,
    );
    let (code, line) = run_line(&["run", &bad]);
    assert_eq!(code, Some(1));
    assert_eq!(line["error"], "InvalidDefinition");
    assert!(
        line["cause"]
            .as_str()
            .unwrap_or_default()
            .contains("MISSING_TRANSITION_TARGET")
    );
    let ok = write(&dir, "ok.json", VALID.as_bytes());
    let out = stepd(&["run", &ok, "--input", "{not json"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--input is not valid JSON"));
}
