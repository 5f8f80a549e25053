//! Shared by the end-to-end tests: a real `stepd serve` child process on a free loopback port.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A running server; dropping it kills it with SIGKILL (a crash, not a shutdown).
pub struct Server {
    pub child: Child,
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `stepd serve` on `data` and waits for its "listening on URL" line.
#[allow(dead_code)] // not every test binary uses it
pub fn server(data: &std::path::Path) -> Server {
    server_with(data, &["--listen", "127.0.0.1:0"])
}

/// Starts `stepd serve` on `data` with other arguments (`--listen` among them).
#[allow(dead_code)] // not every test binary uses it
pub fn server_with(data: &std::path::Path, args: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stepd"))
        .arg("serve")
        .args(args)
        .arg("--data")
        .arg(data)
        // The servers' info logs would bury the tests' own output; RUST_LOG still overrides.
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn stepd serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped stdout"))
        .read_line(&mut line)
        .expect("read the listening line");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("server said: {line:?}"))
        .to_string();
    Server { child, url }
}

/// The peak resident set (VmHWM) of process `pid`, in KiB, from `/proc` (Linux).
#[allow(dead_code)] // not every test binary uses it
pub fn peak_rss_kib(pid: u32) -> u64 {
    proc_status_kib(pid, "VmHWM:")
}

/// The current resident set (VmRSS) of process `pid`, in KiB, from `/proc` (Linux).
#[allow(dead_code)] // not every test binary uses it
pub fn rss_kib(pid: u32) -> u64 {
    proc_status_kib(pid, "VmRSS:")
}

fn proc_status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// A JSON 1.0 API call through real HTTP: (status, body as JSON, or as a string when it is not JSON).
#[allow(dead_code)] // not every test binary uses it
pub fn aws_call(url: &str, op: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
    aws_raw(url, &format!("AWSStepFunctions.{op}"), &body.to_string())
}

/// A JSON 1.0 API request with any target and body text.
#[allow(dead_code)] // not every test binary uses it
pub fn aws_raw(url: &str, target: &str, body: &str) -> (u16, serde_json::Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut resp = match agent
        .post(url)
        .header("X-Amz-Target", target)
        .header("Content-Type", "application/x-amz-json-1.0")
        .send(body.to_string())
    {
        Ok(r) => r,
        Err(e) => return (0, serde_json::Value::String(e.to_string())),
    };
    let status = resp.status().as_u16();
    let text = resp
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_string()
        .unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

/// CreateStateMachine then StartExecution with `input` (JSON text), both asserted to succeed; answers the
/// execution's ARN.
#[allow(dead_code)] // not every test binary uses it
pub fn create_and_start(
    url: &str,
    name: &str,
    definition: &serde_json::Value,
    input: &str,
) -> String {
    let (status, v) = aws_call(
        url,
        "CreateStateMachine",
        &serde_json::json!({"name": name, "definition": definition.to_string(),
                            "roleArn": "arn:aws:iam::123456789012:role/r"}),
    );
    assert_eq!(status, 200, "{v}");
    let (status, v) = aws_call(
        url,
        "StartExecution",
        &serde_json::json!({"stateMachineArn": v["stateMachineArn"], "input": input}),
    );
    assert_eq!(status, 200, "{v}");
    v["executionArn"].as_str().unwrap_or_default().to_string()
}
