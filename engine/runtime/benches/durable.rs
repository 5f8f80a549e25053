//! Benchmarks (preliminary, for the durable-runtime issue), side by side with the fsync ceiling measured in
//! the same run (a raw `write` + `fdatasync` loop on the same disk):
//! (a) durable state transitions per second with 1,000 executions started concurrently (median of 5 runs);
//! (a') the same with every transition driven from outside: 1,000 executions loop 10 times over an activity
//!     task that 256 workers take and answer, so each answer is its own durable journal entry (median of 3);
//! (b) callback round trip: SendTaskSuccess accepted (durable) with the next Task scheduled and its token
//!     durable in the same commit — p50 and p99 over 2,000 callbacks in a loop of callback tasks.
//!
//! `cargo bench -p stepd-runtime --bench durable`

mod common;
use common::{fsync_ceiling, median};
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;
use stepd_runtime::{Config, Runtime};
use stepd_store::RedbStore;

const EXECUTIONS: usize = 1_000;
const STATES: usize = 10;
const RUNS: usize = 5;

fn definition() -> String {
    let mut states = serde_json::Map::new();
    for i in 0..STATES {
        let s = if i + 1 == STATES {
            json!({"Type": "Succeed"})
        } else {
            json!({"Type": "Pass", "Next": format!("S{}", i + 1)})
        };
        states.insert(format!("S{i}"), s);
    }
    json!({"StartAt": "S0", "States": states}).to_string()
}

/// A loop of callback tasks: every answer schedules the next task.
const CALLBACK_LOOP: &str = r#"{"StartAt": "Ask", "States": {
  "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
          "Parameters": {"token.$": "$$.Task.Token"}, "ResultPath": null, "Next": "Again?"},
  "Again?": {"Type": "Choice", "Choices": [{"Variable": "$.stop", "IsPresent": true, "Next": "Done"}], "Default": "Ask"},
  "Done": {"Type": "Succeed"}}}"#;

/// Workers answering activity tasks in (a').
const WORKERS: usize = 256;

/// Ten rounds of an activity task per execution.
fn activity_loop(activity: &str) -> String {
    json!({"StartAt": "Work", "States": {
        "Work": {"Type": "Task", "Resource": activity, "Next": "Count"},
        "Count": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "Again?"},
        "Again?": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericLessThan": 10, "Next": "Work"}],
                   "Default": "Done"},
        "Done": {"Type": "Succeed"}}})
    .to_string()
}

/// Answers per second with 1,000 executions answering 10 activity tasks each.
async fn driven_rate(run: usize) -> f64 {
    let dir = tempfile::tempdir().expect("dir");
    let store = Arc::new(RedbStore::open(dir.path().join("stepd.redb")).expect("store"));
    let runtime = Runtime::start(store, Config::default()).expect("runtime");
    let activity = runtime
        .create_activity(&format!("work{run}"))
        .await
        .expect("activity");
    let sm = runtime
        .register("driven", &activity_loop(&activity))
        .await
        .expect("register");
    let mut starts = Vec::new();
    for i in 0..EXECUTIONS {
        let (runtime, sm) = (runtime.clone(), sm.clone());
        starts.push(tokio::spawn(async move {
            runtime
                .start_execution(&sm, &format!("d{i}"), json!({"n": 0}))
                .await
        }));
    }
    for s in starts {
        s.await.expect("join").expect("start");
    }
    let start = Instant::now();
    let total = EXECUTIONS * 10;
    let answered = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..WORKERS {
        let (runtime, activity, answered) =
            (runtime.clone(), activity.clone(), Arc::clone(&answered));
        workers.push(tokio::spawn(async move {
            use std::sync::atomic::Ordering;
            while answered.load(Ordering::Relaxed) < total {
                let wait = std::time::Duration::from_millis(50);
                if let Some((token, input)) = runtime
                    .get_activity_task(&activity, wait)
                    .await
                    .expect("poll")
                {
                    runtime
                        .send_task_success(&token, input)
                        .await
                        .expect("answer");
                    answered.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for w in workers {
        w.await.expect("worker");
    }
    total as f64 / start.elapsed().as_secs_f64()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio");
    let (mut rates, mut ceilings) = (Vec::new(), Vec::new());
    for run in 0..RUNS {
        let dir = tempfile::tempdir().expect("dir");
        ceilings.push(fsync_ceiling(dir.path()));
        let rate = rt.block_on(async {
            let store = Arc::new(RedbStore::open(dir.path().join("stepd.redb")).expect("store"));
            let runtime = Runtime::start(store, Config::default()).expect("runtime");
            let sm = runtime
                .register("chain", &definition())
                .await
                .expect("register");
            let start = Instant::now();
            let mut handles = Vec::with_capacity(EXECUTIONS);
            for i in 0..EXECUTIONS {
                let (runtime, sm) = (runtime.clone(), sm.clone());
                handles.push(tokio::spawn(async move {
                    runtime
                        .start_execution(&sm, &format!("e{run}-{i}"), json!({"i": i}))
                        .await
                }));
            }
            for h in handles {
                h.await.expect("join").expect("start");
            }
            // Each start applies the whole Pass chain in the same commit: every transition is durable here.
            (EXECUTIONS * STATES) as f64 / start.elapsed().as_secs_f64()
        });
        rates.push(rate);
    }
    let driven: Vec<f64> = (0..3).map(|run| rt.block_on(driven_rate(run))).collect();
    let latencies = rt.block_on(async {
        let dir = tempfile::tempdir().expect("dir");
        let store = Arc::new(RedbStore::open(dir.path().join("stepd.redb")).expect("store"));
        let runtime = Runtime::start(store, Config::default()).expect("runtime");
        let sm = runtime
            .register("loop", CALLBACK_LOOP)
            .await
            .expect("register");
        runtime
            .start_execution(&sm, "loop", json!({}))
            .await
            .expect("start");
        let mut latencies = Vec::with_capacity(2_000);
        for _ in 0..2_000 {
            let token = runtime
                .pending_tokens()
                .expect("tokens")
                .pop()
                .expect("a token");
            let start = Instant::now();
            runtime
                .send_task_success(&token, json!({}))
                .await
                .expect("callback");
            latencies.push(start.elapsed().as_secs_f64() * 1e3);
        }
        latencies.sort_by(f64::total_cmp);
        latencies
    });
    println!("{EXECUTIONS} concurrent executions x {STATES} states, redb file, group commit");
    println!("durable transitions/s   median {:>10.0}", median(rates));
    println!(
        "  (a Pass chain runs inside one journaled event: one row per execution, however many states)"
    );
    println!(
        "externally driven: answers/s median {:>10.0}  (1,000 executions x 10 activity answers, 256 workers;\n  each answer is one journal entry and moves its execution through 4 states: {:.0} state transitions/s)",
        median(driven.clone()),
        4.0 * median(driven)
    );
    println!(
        "fsync ceiling (write+fdatasync)/s median {:>10.0}",
        median(ceilings)
    );
    println!(
        "callback round trip (accepted -> next task durable): p50 {:.2} ms, p99 {:.2} ms (goal p99 <= 5 ms)",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99)
    );
}
