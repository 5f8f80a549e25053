//! Property test at the API level: deep and wide definitions and inputs go through create → start →
//! describe → history → restart on one real server. Whatever is generated, no request answers 5xx, the
//! server never dies, every restart serves, and every acknowledged execution can still be described.

use crate::common::{Server, aws_call, server};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use std::cell::RefCell;

/// A JSON value up to `depth` levels of arrays/objects, each up to `width` wide.
fn value(depth: u32, width: usize) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        "[a-z$.]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(depth, 4 * width as u32, width as u32, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..width).prop_map(Value::Array),
            prop::collection::vec(("[a-z]{1,6}", inner), 0..width)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A value nested exactly `levels` deep (what the generator above rarely reaches).
fn chain(levels: usize, leaf: Value) -> Value {
    (0..levels).fold(leaf, |v, i| {
        if i % 2 == 0 {
            json!([v])
        } else {
            json!({"k": v})
        }
    })
}

#[derive(Debug, Clone)]
struct Case {
    /// Extra nesting around the generated template and input (0 to 140: around the 100 and 128 limits).
    template_depth: usize,
    input_depth: usize,
    template: Value,
    input: Value,
    /// Parallel states wrapped around the work.
    parallels: usize,
    /// Map items.
    items: usize,
}

fn case() -> impl Strategy<Value = Case> {
    (
        0usize..140,
        0usize..140,
        value(6, 6),
        value(6, 6),
        0usize..12,
        0usize..60,
    )
        .prop_map(
            |(template_depth, input_depth, template, input, parallels, items)| Case {
                template_depth,
                input_depth,
                template,
                input,
                parallels,
                items,
            },
        )
}

/// The definition: `parallels` nested Parallel states around a Map whose ItemSelector and Result are the
/// generated template, each iteration copying the whole input.
fn definition(c: &Case) -> String {
    let template = chain(c.template_depth, c.template.clone());
    let mut inner = json!({"StartAt": "Each", "States": {"Each": {"Type": "Map", "End": true,
        "ItemsPath": "$.items",
        "ItemSelector": {"all.$": "$", "t": template.clone()},
        "ItemProcessor": {"StartAt": "Keep", "States": {
            "Keep": {"Type": "Pass", "Result": template, "ResultPath": "$.kept", "End": true}}}}}});
    for i in 0..c.parallels {
        inner = json!({"StartAt": format!("P{i}"), "States": {format!("P{i}"): {
            "Type": "Parallel", "End": true, "OutputPath": "$[0]", "Branches": [inner]}}});
    }
    inner.to_string()
}

fn ok_or_aws_error(op: &str, r: &(u16, Value)) {
    assert!(
        r.0 == 200 || (r.0 == 400 && r.1["__type"].is_string()),
        "{op} answered {} {}",
        r.0,
        r.1
    );
}

#[test]
fn deep_and_wide_definitions_and_inputs_never_crash_or_poison_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let srv: RefCell<Server> = RefCell::new(server(dir.path()));
    let started: RefCell<Vec<String>> = RefCell::new(Vec::new());
    let cases = std::env::var("STEPD_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(48);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let count = std::cell::Cell::new(0usize);
    runner
        .run(&case(), |c| {
            count.set(count.get() + 1);
            let n = count.get();
            let url = srv.borrow().url.clone();
            let name = format!("m{n}");
            let created = aws_call(
                &url,
                "CreateStateMachine",
                &json!({"name": name, "definition": definition(&c),
                        "roleArn": "arn:aws:iam::123456789012:role/r"}),
            );
            ok_or_aws_error("CreateStateMachine", &created);
            let mut input = chain(c.input_depth, c.input.clone());
            input = json!({"items": vec![0; c.items], "x": input});
            let input = input.to_string();
            if created.0 == 200 {
                let machine = created.1["stateMachineArn"].clone();
                let r = aws_call(
                    &url,
                    "StartExecution",
                    &json!({"stateMachineArn": machine, "input": input}),
                );
                ok_or_aws_error("StartExecution", &r);
                if let Some(arn) = r.1["executionArn"].as_str() {
                    started.borrow_mut().push(arn.to_string());
                    let d = aws_call(&url, "DescribeExecution", &json!({"executionArn": arn}));
                    ok_or_aws_error("DescribeExecution", &d);
                    assert_eq!(d.0, 200);
                    let h = aws_call(
                        &url,
                        "GetExecutionHistory",
                        &json!({"executionArn": arn, "maxResults": 50}),
                    );
                    ok_or_aws_error("GetExecutionHistory", &h);
                }
            }
            // Every 16 cases: kill -9 and restart on the same data; everything acknowledged answers.
            if n.is_multiple_of(16) {
                let mut s = srv.borrow_mut();
                s.child.kill().unwrap();
                s.child.wait().unwrap();
                *s = server(dir.path()); // (dropping the old one kills it again: harmless)
                drop(s);
                let url = srv.borrow().url.clone();
                for arn in started.borrow().iter() {
                    let d = aws_call(&url, "DescribeExecution", &json!({"executionArn": arn}));
                    assert_eq!(d.0, 200, "{arn} after restart: {}", d.1);
                }
            }
            Ok(())
        })
        .unwrap();
    eprintln!(
        "{} generated cases, {} executions started",
        count.get(),
        started.borrow().len()
    );
}
