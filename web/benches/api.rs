//! The API benchmark of the Step Functions API issue, side by side with the moto server in one run:
//! executions completed per second for a 10-state Pass/Choice workflow started over HTTP by 16 concurrent
//! clients (median of 3 runs each), and, for stepd, SendTaskSuccess → execution completed latency (p50/p99;
//! moto cannot run callback tasks: its SQS integration answers 500).
//!
//! `scripts/bench-api.sh` installs moto (`pip install "moto[server,stepfunctions]"`) and runs this. stepd is
//! durable here (one fsync per group of requests); moto keeps everything in memory.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CLIENTS: usize = 16;
const RUN: Duration = Duration::from_secs(3);
const RUNS: usize = 3;

struct Kill(Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

fn call(agent: &ureq::Agent, url: &str, op: &str, body: &Value) -> Value {
    try_call(agent, url, op, body).unwrap_or_else(|e| panic!("{op}: {e}"))
}

/// One call; a non-2xx answer is an `Err` with its body.
fn try_call(agent: &ureq::Agent, url: &str, op: &str, body: &Value) -> Result<Value, String> {
    let mut resp = agent
        .post(url)
        .header("X-Amz-Target", &format!("AWSStepFunctions.{op}"))
        .header("Content-Type", "application/x-amz-json-1.0")
        .header(
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/states/aws4_request, SignedHeaders=host, Signature=00",
        )
        .send(body.to_string())
        .expect("request");
    let text = resp.body_mut().read_to_string().expect("body");
    let v: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    if resp.status().is_success() {
        Ok(v)
    } else {
        Err(format!("HTTP {}: {v}", resp.status()))
    }
}

/// Pass, Choice, Pass, Choice … Succeed: ten states.
fn definition() -> String {
    let mut states = serde_json::Map::new();
    for i in 0..10 {
        let s = match i {
            9 => json!({"Type": "Succeed"}),
            i if i % 2 == 1 => json!({"Type": "Choice", "Default": "S9",
                "Choices": [{"Variable": "$.go", "BooleanEquals": true, "Next": format!("S{}", i + 1)}]}),
            i => {
                json!({"Type": "Pass", "Result": i, "ResultPath": "$.last", "Next": format!("S{}", i + 1)})
            }
        };
        states.insert(format!("S{i}"), s);
    }
    json!({"StartAt": "S0", "States": states}).to_string()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn stepd(dir: &std::path::Path) -> (Kill, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stepd"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir)
        .stdout(Stdio::piped())
        .spawn()
        .expect("stepd serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("line");
    let url = line.trim().trim_start_matches("listening on ").to_string();
    (Kill(child), url)
}

/// Makes moto run state machines instead of only recording executions.
const MOTO_CONFIG: &str = r#"{"stepfunctions": {"execute_state_machine": true}}"#;

fn moto() -> (Kill, String) {
    let port = free_port();
    let child = Kill(
        Command::new("moto_server")
            .args(["-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server is installed (scripts/bench-api.sh installs it)"),
    );
    let url = format!("http://127.0.0.1:{port}");
    let agent = agent();
    for _ in 0..200 {
        let ready = agent
            .post(format!("{url}/moto-api/config"))
            .send(MOTO_CONFIG);
        if ready.is_ok_and(|r| r.status().is_success()) {
            return (child, url);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("moto_server did not come up");
}

fn create(agent: &ureq::Agent, url: &str, name: &str) -> String {
    let body = json!({"name": name, "definition": definition(), "roleArn": "arn:aws:iam::123456789012:role/r"});
    call(agent, url, "CreateStateMachine", &body)["stateMachineArn"]
        .as_str()
        .expect("arn")
        .to_string()
}

/// Executions completed per second: each of `clients` clients, for `RUN`, starts an execution and asks
/// DescribeExecution until it has SUCCEEDED, then starts the next; the sum of the clients' rates. With
/// `fresh` (one client only), moto is reset and given a new state machine before each execution, outside
/// the timed part: moto 5.x's server runs one execution per process, then fails every StartExecution with
/// HTTP 500 (`copy.deepcopy` meets the first execution's `RLock`), so this is the only way it completes more
/// than one. Also answers how many starts were refused.
fn completed_rate(url: &str, run: usize, clients: usize, fresh: bool) -> (f64, usize) {
    let sm = Arc::new(create(&agent(), url, &format!("bench{run}x{clients}")));
    let threads: Vec<_> = (0..clients)
        .map(|c| {
            let (url, sm) = (url.to_string(), Arc::clone(&sm));
            std::thread::spawn(move || {
                let agent = agent();
                let (mut done, mut refused) = (0, 0);
                let (begun, mut timed) = (Instant::now(), Duration::ZERO);
                while begun.elapsed() < RUN {
                    let machine = if fresh {
                        for (path, body) in [("reset", ""), ("config", MOTO_CONFIG)] {
                            agent.post(format!("{url}/moto-api/{path}")).send(body).expect("moto api");
                        }
                        create(&agent, &url, &format!("b{run}x{clients}c{c}n{done}r{refused}"))
                    } else {
                        sm.to_string()
                    };
                    let t0 = Instant::now();
                    let body = json!({"stateMachineArn": machine, "name": format!("c{c}-{done}-{refused}"), "input": "{\"go\": true}"});
                    let arn = match try_call(&agent, &url, "StartExecution", &body) {
                        Ok(v) => v["executionArn"].as_str().expect("arn").to_string(),
                        Err(_) => {
                            refused += 1;
                            timed += t0.elapsed();
                            continue;
                        }
                    };
                    loop {
                        let d = call(&agent, &url, "DescribeExecution", &json!({"executionArn": arn}));
                        match d["status"].as_str() {
                            Some("SUCCEEDED") => break,
                            Some("RUNNING") => std::thread::sleep(Duration::from_millis(1)),
                            other => panic!("{arn}: {other:?}"),
                        }
                    }
                    done += 1;
                    timed += t0.elapsed();
                }
                (done as f64 / timed.as_secs_f64().max(1e-9), refused)
            })
        })
        .collect();
    let (mut rate, mut refused) = (0.0, 0);
    for t in threads {
        let (r, failed) = t.join().expect("client");
        rate += r;
        refused += failed;
    }
    (rate, refused)
}

/// SendTaskSuccess sent → DescribeExecution says SUCCEEDED, over 300 executions (milliseconds).
fn callback_latencies(url: &str) -> Vec<f64> {
    let agent = agent();
    let def = json!({"StartAt": "Ask", "States": {"Ask": {"Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"token.$": "$$.Task.Token"}, "End": true}}});
    let sm = call(
        &agent,
        url,
        "CreateStateMachine",
        &json!({"name": "callbacks", "definition": def.to_string(),
        "roleArn": "arn:aws:iam::123456789012:role/r"}),
    )["stateMachineArn"]
        .as_str()
        .expect("arn")
        .to_string();
    let mut out = Vec::new();
    for i in 0..300 {
        let arn = call(
            &agent,
            url,
            "StartExecution",
            &json!({"stateMachineArn": sm, "name": format!("cb{i}")}),
        )["executionArn"]
            .as_str()
            .expect("arn")
            .to_string();
        let history = call(
            &agent,
            url,
            "GetExecutionHistory",
            &json!({"executionArn": arn}),
        );
        let params = history["events"]
            .as_array()
            .and_then(|e| e.iter().find(|e| e["type"] == "TaskScheduled"))
            .and_then(|e| e["taskScheduledEventDetails"]["parameters"].as_str())
            .expect("scheduled");
        let token = serde_json::from_str::<Value>(params).expect("json")["token"].clone();
        let t0 = Instant::now();
        call(
            &agent,
            url,
            "SendTaskSuccess",
            &json!({"taskToken": token, "output": "{}"}),
        );
        while call(
            &agent,
            url,
            "DescribeExecution",
            &json!({"executionArn": arn}),
        )["status"]
            != "SUCCEEDED"
        {}
        out.push(t0.elapsed().as_secs_f64() * 1e3);
    }
    out.sort_by(f64::total_cmp);
    out
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let dir = tempfile::tempdir().expect("dir");
    let (_stepd, stepd_url) = stepd(dir.path());
    let (_moto, moto_url) = moto();
    let (mut ours, mut theirs, mut theirs_one) = (Vec::new(), Vec::new(), Vec::new());
    let (mut our_refusals, mut their_refusals, mut their_one_refusals) = (0, 0, 0);
    for run in 0..RUNS {
        let (rate, refused) = completed_rate(&stepd_url, run, CLIENTS, false);
        ours.push(rate);
        our_refusals += refused;
        let (rate, refused) = completed_rate(&moto_url, run, 1, true);
        theirs_one.push(rate);
        their_one_refusals += refused;
        let (rate, refused) = completed_rate(&moto_url, run, CLIENTS, false);
        theirs.push(rate);
        their_refusals += refused;
    }
    let (ours, theirs, theirs_one) = (median(ours), median(theirs), median(theirs_one));
    println!(
        "10-state Pass/Choice executions completed per second over HTTP, median of {RUNS} runs of {}s:",
        RUN.as_secs()
    );
    println!(
        "  stepd, {CLIENTS} clients (durable, redb)   {ours:>10.0}/s  ({our_refusals} starts refused)"
    );
    println!(
        "  moto,  {CLIENTS} clients (in memory)       {theirs:>10.0}/s  ({their_refusals} starts refused with HTTP 500)"
    );
    println!(
        "  moto,   1 client, reset before each   {theirs_one:>10.0}/s  ({their_one_refusals} starts refused)"
    );
    let best = theirs.max(theirs_one);
    println!(
        "  ratio against moto's best            {:>10.1}x (goal >= 100x)",
        ours / best
    );
    let lat = callback_latencies(&stepd_url);
    let pct = |p: f64| lat[((lat.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "stepd SendTaskSuccess -> execution SUCCEEDED (seen by DescribeExecution): p50 {:.2} ms, p99 {:.2} ms (moto cannot run callback tasks)",
        pct(0.5),
        pct(0.99)
    );
}
