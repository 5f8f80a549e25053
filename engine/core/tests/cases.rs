//! Data-driven interpreter cases: every `cases/*.json` (`definition`, `input`, `mocks`) runs in virtual time
//! and its outcome and history are snapshotted (reviewed, not blindly accepted).

mod common;

use common::{Answer, compact, line, run};
use serde_json::{Value, json};

fn answers(list: &Value) -> Vec<Answer> {
    list.as_array()
        .map(|a| {
            a.iter()
                .map(|r| match (r.get("Return"), r.get("Throw")) {
                    (Some(v), _) => Answer::Return(v.clone()),
                    (_, Some(t)) => Answer::Throw(
                        t[0].as_str().unwrap_or_default().to_string(),
                        t[1].as_str().unwrap_or_default().to_string(),
                    ),
                    _ => Answer::Never,
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn cases() {
    insta::glob!("cases/*.json", |path| {
        let case: Value =
            serde_json::from_str(&std::fs::read_to_string(path).expect("readable")).expect("json");
        let mocks: Vec<(String, Vec<Answer>)> = case["mocks"]
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), answers(v))).collect())
            .unwrap_or_default();
        let script: Vec<(&str, Vec<Answer>)> =
            mocks.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        let r = run(&case["definition"], case["input"].clone(), &script);
        let history = if case["history"] == "count" {
            json!(r.history.len())
        } else {
            json!(compact(&r.history))
        };
        insta::assert_json_snapshot!(json!({"outcome": line(&r.outcome), "history": history}));
    });
}
