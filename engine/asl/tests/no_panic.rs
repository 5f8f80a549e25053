//! Property tests: no input makes the validator, the path parser or the intrinsic parser panic.
//!
//! `PROPTEST_CASES=100000 cargo test --release -p stepd-asl --test no_panic` runs them for longer.

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use stepd_asl::intrinsic::Call;
use stepd_asl::path::Path;
use stepd_asl::{Options, validate, validate_bytes};

/// Any JSON value, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,8}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Values an ASL field plausibly holds, good and bad, so generated states reach deep into the checks.
fn asl_value() -> impl Strategy<Value = Value> {
    let words = prop::sample::select(vec![
        "$",
        "$.a",
        "$.a[0].b",
        "$$.Execution.Id",
        "$var.x",
        "$.a[*]",
        "$..x",
        "$.a[?(@.b > 1)]",
        "$.",
        "$[",
        "a",
        "{% $states.input %}",
        "{% 1 + %}",
        "{% $$ %}",
        "{% $states.errorOutput %}",
        "States.Format('{}', $.a)",
        "States.Array(",
        "States.Nope()",
        "2016-03-14T01:59:00Z",
        "2016-13-01",
        "A",
        "B",
        "C",
        "S",
        "INLINE",
        "DISTRIBUTED",
        "FULL",
        "NONE",
        "JSONata",
        "JSONPath",
        "States.ALL",
        "States.TaskFailed",
        "arn:aws:states:::lambda:invoke",
        "arn:aws:states:us-east-1:1:activity:a",
        "x.waitForTaskToken",
        "",
    ]);
    let leaf = prop_oneof![
        4 => words.prop_map(|s| Value::String(s.to_string())),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => (-3i64..200).prop_map(Value::from),
        1 => Just(Value::Null),
        1 => Just(json!(1.5)),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(field_name(), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn field_name() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "Type",
        "Next",
        "End",
        "Comment",
        "QueryLanguage",
        "InputPath",
        "OutputPath",
        "Parameters",
        "ResultSelector",
        "ResultPath",
        "Result",
        "Arguments",
        "Output",
        "Assign",
        "Resource",
        "TimeoutSeconds",
        "TimeoutSecondsPath",
        "HeartbeatSeconds",
        "Credentials",
        "RoleArn",
        "Retry",
        "Catch",
        "ErrorEquals",
        "IntervalSeconds",
        "MaxAttempts",
        "BackoffRate",
        "MaxDelaySeconds",
        "JitterStrategy",
        "Choices",
        "Default",
        "Variable",
        "StringEquals",
        "NumericLessThanPath",
        "TimestampEquals",
        "IsPresent",
        "And",
        "Or",
        "Not",
        "Condition",
        "Seconds",
        "SecondsPath",
        "Timestamp",
        "TimestampPath",
        "Error",
        "ErrorPath",
        "Cause",
        "CausePath",
        "Branches",
        "ItemProcessor",
        "ProcessorConfig",
        "Mode",
        "ExecutionType",
        "Iterator",
        "ItemsPath",
        "Items",
        "ItemSelector",
        "MaxConcurrency",
        "ToleratedFailurePercentage",
        "ToleratedFailureCountPath",
        "ItemReader",
        "ItemBatcher",
        "ResultWriter",
        "Label",
        "StartAt",
        "States",
        "x.$",
        "a",
    ])
    .prop_map(str::to_string)
}

/// A definition-shaped document: a `States` map of state-shaped objects with ASL-ish fields.
fn asl_definition() -> impl Strategy<Value = Value> {
    let state = (
        prop::sample::select(vec![
            "Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map", "Nope",
        ]),
        prop::collection::btree_map(field_name(), asl_value(), 0..8),
    )
        .prop_map(|(ty, fields)| {
            let mut m: Map<String, Value> = fields.into_iter().collect();
            m.insert("Type".into(), Value::String(ty.into()));
            Value::Object(m)
        });
    (
        prop::collection::btree_map(prop::sample::select(vec!["A", "B", "C", "S"]), state, 1..5),
        prop::option::of(prop::sample::select(vec!["JSONata", "JSONPath"])),
    )
        .prop_map(|(states, ql)| {
            let mut top = json!({"StartAt": "A", "States": Value::Object(states.into_iter().map(|(k, v)| (k.to_string(), v)).collect())});
            if let Some(ql) = ql {
                top["QueryLanguage"] = Value::String(ql.into());
            }
            top
        })
}

proptest! {
    #[test]
    fn validate_never_panics_on_any_json(v in any_json()) {
        let _ = validate(&v.to_string(), Options::default());
    }

    #[test]
    fn validate_never_panics_on_asl_shaped_json(v in asl_definition(), express in any::<bool>()) {
        let report = validate(&v.to_string(), Options { express });
        // Whatever it decided, an invalid definition always says why.
        prop_assert!(report.is_valid() || !report.diagnostics.is_empty());
    }

    #[test]
    fn validate_never_panics_on_any_bytes(b in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = validate_bytes(&b, Options::default());
    }

    #[test]
    fn path_and_intrinsic_parsers_never_panic(s in "[$@.\\[\\]()?*:,'\"a-z0-9 <>=!&|/~-]{0,40}") {
        let _ = Path::parse(&s);
        let _ = Path::parse_reference(&s);
        let _ = Call::parse(&format!("States.Format({s})"));
    }
}
