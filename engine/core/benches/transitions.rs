//! Benchmark: in-memory state transitions per second, single thread, for a 100-state Pass/Choice machine
//! carrying a 1 KiB payload. Each execution runs the 100 states start to end (history included); the
//! figure is the median over runs, side by side with the cost of merely cloning the payload once per state
//! (the floor any interpreter that hands a fresh value to each state pays).
//!
//! `cargo bench -p stepd-core --bench transitions`

use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Instant;
use stepd_core::{Event, Execution, Exprs, Identity};

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const STATES: usize = 100;
const EXECUTIONS: usize = 2_000;
const RUNS: usize = 9;

fn definition() -> Value {
    let mut states = serde_json::Map::new();
    for i in 0..STATES {
        let next = if i + 1 == STATES {
            "Done".to_string()
        } else {
            format!("S{}", i + 1)
        };
        let s = if i % 2 == 0 {
            json!({"Type": "Pass", "Next": next})
        } else {
            json!({"Type": "Choice", "Choices": [
                {"Variable": "$.kind", "StringEquals": "never", "Next": "Done"},
                {"Variable": "$.count", "NumericGreaterThanEquals": 0, "Next": next}
            ], "Default": "Done"})
        };
        states.insert(format!("S{i}"), s);
    }
    states.insert("Done".into(), json!({"Type": "Succeed"}));
    json!({"StartAt": "S0", "States": states})
}

fn payload() -> Value {
    let filler = "x".repeat(900);
    json!({"kind": "job", "count": 3, "id": "job-000001", "filler": filler})
}

fn main() {
    let report = stepd_asl::validate(&definition().to_string(), stepd_asl::Options::default());
    let def = Arc::new(report.definition.expect("valid"));
    let exprs = Arc::new(Exprs::default());
    let input = payload();
    println!(
        "payload {} bytes, {STATES} states per execution, {EXECUTIONS} executions per run",
        input.to_string().len()
    );
    let mut rates = Vec::new();
    let mut floors = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        let mut transitions = 0usize;
        for n in 0..EXECUTIONS {
            let mut exec = Execution::new(
                Arc::clone(&def),
                Arc::clone(&exprs),
                Identity::local("bench", &n.to_string(), 0),
                n as u64,
            );
            let t = exec
                .apply(
                    Event::Start {
                        input: input.clone(),
                    },
                    0,
                )
                .expect("runs");
            transitions += t
                .events
                .iter()
                .filter(|e| e.kind.as_str().ends_with("StateEntered"))
                .count();
            assert!(exec.outcome().is_some());
        }
        rates.push(transitions as f64 / start.elapsed().as_secs_f64());
        let start = Instant::now();
        for _ in 0..EXECUTIONS * STATES {
            std::hint::black_box(input.clone());
        }
        floors.push((EXECUTIONS * STATES) as f64 / start.elapsed().as_secs_f64());
    }
    rates.sort_by(f64::total_cmp);
    floors.sort_by(f64::total_cmp);
    println!(
        "transitions/s          median {:>12.0}   (goal >= 1,000,000)",
        rates[RUNS / 2]
    );
    println!(
        "payload clones/s       median {:>12.0}   (one clone per state: the floor)",
        floors[RUNS / 2]
    );
}
