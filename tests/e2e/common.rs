//! The end-to-end tests' one set of helpers: a real `stepd serve` child process on a free loopback port
//! (where a process is the point: kill -9, memory, exit codes), a server in this process (everywhere else),
//! and the JSON API and REST calls over real HTTP.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The `stepd` binary under test (this package's copy of it: `bin.rs`, the same `stepd::cli`).
pub const STEPD: &str = env!("CARGO_BIN_EXE_stepd-e2e");

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
pub fn server(data: &std::path::Path) -> Server {
    server_with(data, &["--listen", "127.0.0.1:0"])
}

/// Starts `stepd serve` on `data` with other arguments (`--listen` among them).
pub fn server_with(data: &std::path::Path, args: &[&str]) -> Server {
    let mut child = Command::new(STEPD)
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
pub fn peak_rss_kib(pid: u32) -> u64 {
    proc_status_kib(pid, "VmHWM:")
}

/// The current resident set (VmRSS) of process `pid`, in KiB, from `/proc` (Linux).
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
pub fn aws_call(url: &str, op: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
    aws_raw(url, &format!("AWSStepFunctions.{op}"), &body.to_string())
}

/// A JSON 1.0 API request with any target and body text (no time limit: GetActivityTask long-polls).
pub fn aws_raw(url: &str, target: &str, body: &str) -> (u16, serde_json::Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    answer(
        agent
            .post(url)
            .header("X-Amz-Target", target)
            .header("Content-Type", "application/x-amz-json-1.0")
            .send(body.to_string()),
    )
}

/// CreateStateMachine then StartExecution with `input` (JSON text), both asserted to succeed; answers the
/// execution's ARN.
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

/// An HTTP client that answers every status (not only 2xx) and gives up on a call after 30 seconds.
pub fn agent() -> ureq::Agent {
    agent_within(std::time::Duration::from_secs(30))
}

/// `agent`, giving up on a call after `timeout`.
pub fn agent_within(timeout: std::time::Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .build()
        .into()
}

/// Any HTTP request with a body text as it is: (status, body as JSON, or as a string when it is not
/// JSON); a transport failure is status 0 with its message.
pub fn http(method: &str, url: &str, body: &str) -> (u16, serde_json::Value) {
    let request = match ureq::http::Request::builder()
        .method(method)
        .uri(url)
        .body(body.to_string())
    {
        Ok(r) => r,
        Err(e) => return (0, serde_json::Value::String(e.to_string())),
    };
    answer(agent().run(request))
}

/// A REST call with an optional JSON body (sent as `application/json`).
pub fn rest(method: &str, url: &str, body: Option<&serde_json::Value>) -> (u16, serde_json::Value) {
    let agent = agent();
    let result = match (method, body) {
        ("GET", _) => agent.get(url).call(),
        ("DELETE", _) => agent.delete(url).call(),
        (_, Some(b)) => agent
            .post(url)
            .header("content-type", "application/json")
            .send(b.to_string()),
        (_, None) => agent.post(url).send(""),
    };
    answer(result)
}

fn answer(
    result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> (u16, serde_json::Value) {
    match result {
        Ok(mut r) => {
            let status = r.status().as_u16();
            let text = r
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
        Err(e) => (0, serde_json::Value::String(e.to_string())),
    }
}

/// A server in this process (`stepd::serve::start` on a free loopback port, in its own tokio runtime on its
/// own thread), for tests that need no process of their own; dropping it stops it.
pub struct Local {
    pub url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Local {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// `stepd serve --data DATA` in this process.
pub fn local(data: &std::path::Path) -> Local {
    local_with(data, &[])
}

/// `stepd serve --data DATA ARGS…` in this process (its `--listen` is not used: the port is a free one).
pub fn local_with(data: &std::path::Path, args: &[&str]) -> Local {
    let mut argv: Vec<std::ffi::OsString> = args.iter().map(Into::into).collect();
    argv.extend(["--data".into(), data.as_os_str().to_owned()]);
    let args = stepd::serve::Args::parse_from(argv).expect("serve's arguments");
    let (url_tx, url_rx) = std::sync::mpsc::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("a free loopback port");
            let serving = stepd::serve::start(listener, &args)
                .await
                .expect("the server starts");
            let _ = url_tx.send(format!("http://{}", serving.addr()));
            serving
                .run(async {
                    let _ = stopped.await;
                })
                .await;
        });
        // Whatever still runs (a commit in flight, a long poll) is given a moment, not waited for.
        runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    });
    let url = url_rx.recv().expect("the server started");
    Local {
        url,
        stop: Some(stop),
        thread: Some(thread),
    }
}
