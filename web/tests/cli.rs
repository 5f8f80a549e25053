//! End-to-end tests of the `stepd` binary's `validate` command: real process, real files, exit codes.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn stepd(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stepd"))
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
