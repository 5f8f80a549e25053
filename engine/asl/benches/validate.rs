//! Benchmark: parse + validate a generated 5,000-state definition, side by side with serde_json parsing the
//! same text into a `Value` (the floor: what reading the JSON alone costs). Prints medians.
//!
//! `cargo bench -p stepd-asl --bench validate`

use std::time::{Duration, Instant};

/// The `stepd` binary uses mimalloc; measure with the same allocator.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;
use stepd_asl::{Options, validate};

const STATES: usize = 5_000;
const RUNS: usize = 31;

/// A definition of `n` states cycling through every type with realistic fields.
fn generate(n: usize) -> String {
    let mut states = serde_json::Map::new();
    for i in 0..n {
        let next = format!("S{}", i + 1);
        let last = i + 1 == n;
        let mut s = match i % 6 {
            0 => serde_json::json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "f", "Payload.$": "$", "id.$": "States.Format('{}-{}', $$.Execution.Name, $.n)"},
                "ResultSelector": {"body.$": "$.Payload"}, "ResultPath": "$.r", "TimeoutSeconds": 30,
                "Retry": [{"ErrorEquals": ["States.Timeout"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2.0}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "Failed"}]}),
            1 => serde_json::json!({"Type": "Choice", "Choices": [
                {"Variable": "$.r.body.state", "StringEquals": "DONE", "Next": next},
                {"And": [{"Variable": "$.n", "NumericGreaterThan": 3}, {"Variable": "$.flag", "IsPresent": true}], "Next": next}],
                "Default": next}),
            2 => {
                serde_json::json!({"Type": "Pass", "Parameters": {"a.$": "$.a", "list": [1, 2, {"b.$": "$.b[0]"}]}, "ResultPath": "$.p"})
            }
            3 => serde_json::json!({"Type": "Wait", "SecondsPath": "$.wait"}),
            4 => serde_json::json!({"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 10,
                "ItemProcessor": {"StartAt": format!("M{i}"), "States": {format!("M{i}"): {"Type": "Pass", "End": true}}}}),
            _ => serde_json::json!({"Type": "Parallel", "Branches": [
                {"StartAt": format!("B{i}"), "States": {format!("B{i}"): {"Type": "Pass", "End": true}}}]}),
        };
        if i % 6 == 1 && last {
            s = serde_json::json!({"Type": "Succeed"});
        } else if i % 6 != 1 {
            let obj = s.as_object_mut().expect("object");
            if last {
                obj.insert("End".into(), true.into());
            } else {
                obj.insert("Next".into(), next.into());
            }
        }
        states.insert(format!("S{i}"), s);
    }
    states.insert(
        "Failed".into(),
        serde_json::json!({"Type": "Fail", "Error": "Failed"}),
    );
    serde_json::json!({"StartAt": "S0", "States": states}).to_string()
}

/// `levels` Parallel states, each nested in the previous one's only branch.
fn nested_parallel(levels: usize) -> String {
    let mut text = String::new();
    for i in 0..levels {
        text.push_str(&format!(
            r#"{{"StartAt":"P{i}","States":{{"P{i}":{{"Type":"Parallel","End":true,"Branches":["#
        ));
    }
    text.push_str(r#"{"StartAt":"Leaf","States":{"Leaf":{"Type":"Succeed"}}}"#);
    for _ in 0..levels {
        text.push_str("]}}}");
    }
    text
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Median time of `f`; the result is dropped outside the timed region (freeing the model is not part of
/// parsing and validating, and a server keeps it).
fn time<T>(f: impl Fn() -> T) -> Duration {
    let mut runs = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        let out = std::hint::black_box(f());
        runs.push(start.elapsed());
        drop(out);
    }
    median(runs)
}

fn main() {
    let text = generate(STATES);
    let report = validate(&text, Options::default());
    assert!(report.is_valid(), "{:?}", report.diagnostics.first());
    let total = report.definition.as_ref().map_or(0, |d| d.state_count());
    let floor = time(|| serde_json::from_str::<serde_json::Value>(&text));
    let full = time(|| validate(&text, Options::default()));
    let nested = nested_parallel(10_000);
    let deep = time(|| validate(&nested, Options::default()));
    println!(
        "definition: {STATES} top-level states ({total} with branches and processors), {} KiB",
        text.len() / 1024
    );
    println!(
        "serde_json parse only   median {:>8.2} ms",
        floor.as_secs_f64() * 1e3
    );
    println!(
        "parse + validate        median {:>8.2} ms   (goal <= 20 ms; {:.1}x the parse floor)",
        full.as_secs_f64() * 1e3,
        full.as_secs_f64() / floor.as_secs_f64()
    );
    println!(
        "10,000 nested Parallels median {:>8.2} ms   ({} KiB)",
        deep.as_secs_f64() * 1e3,
        nested.len() / 1024
    );
}
