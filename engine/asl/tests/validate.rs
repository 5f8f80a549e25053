//! Data-driven validator tests: every file under `cases/valid` must validate cleanly, every file under
//! `cases/invalid` is snapshotted with all its diagnostics, and a table pins the code and location of
//! specific rules (including AWS-recorded rejections).

use serde_json::{Value, json};
use stepd_asl::{Code, Options, validate};

/// Validates `definition` and compares (code, location) of every diagnostic with `expect`, in order.
fn check(definition: Value, options: Options, expect: &[(Code, Option<&str>)]) {
    let report = validate(&definition.to_string(), options);
    let got: Vec<(Code, Option<&str>)> = report
        .diagnostics
        .iter()
        .map(|d| (d.code, d.location.as_deref()))
        .collect();
    assert_eq!(got, expect, "diagnostics: {:#?}", report.diagnostics);
    assert_eq!(report.is_valid(), expect.is_empty());
}

#[test]
fn valid_cases_have_no_diagnostics() {
    insta::glob!("cases/valid/*.json", |path| {
        let text = std::fs::read_to_string(path).expect("readable case");
        let report = validate(&text, Options::default());
        assert!(
            report.is_valid() && report.diagnostics.is_empty(),
            "{}: {:#?}",
            path.display(),
            report.diagnostics
        );
    });
}

#[test]
fn shipped_workflows_are_valid() {
    insta::glob!("../../../workflows", "*.asl.json", |path| {
        let text = std::fs::read_to_string(path).expect("readable workflow");
        let report = validate(&text, Options::default());
        assert!(
            report.is_valid(),
            "{}: {:#?}",
            path.display(),
            report.diagnostics
        );
    });
}

#[test]
fn invalid_cases_report_every_problem() {
    insta::glob!("cases/invalid/*.json", |path| {
        let text = std::fs::read_to_string(path).expect("readable case");
        let report = validate(&text, Options::default());
        assert!(!report.is_valid());
        insta::assert_json_snapshot!(report.diagnostics);
    });
}

#[test]
fn aws_recorded_rejections() {
    use Code::*;
    // Each of these was rejected by AWS with this code at this location.
    let machine = |state: Value| json!({"StartAt": "S", "States": {"S": state}});
    for ts in [
        "2016-12-05 21:29:29Z",
        "2016-12-05T21:29:29",
        "2016-13-05T21:29:29Z",
        "2016-12-05T25:29:29Z",
        "{% '2016-03-14T01:59:00Z' %}",
    ] {
        check(
            machine(json!({"Type": "Wait", "Timestamp": ts, "End": true})),
            Options::default(),
            &[(SchemaValidationFailed, Some("/States/S/Timestamp"))],
        );
    }
    for creds in [json!({}), json!({"InvalidField": "invalid"})] {
        let report = validate(
            &json!({"StartAt": "S", "QueryLanguage": "JSONata", "States": {"S": {"Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke", "Arguments": "{% $state.input %}", "Credentials": creds, "End": true}}})
            .to_string(),
            Options::default(),
        );
        let first = &report.diagnostics[0];
        assert_eq!(
            first.to_string(),
            "SCHEMA_VALIDATION_FAILED: The field 'RoleArn' is required but was missing at /States/S/Credentials"
        );
    }
    check(
        json!({"StartAt": "Pass", "States": {"Pass": {"Type": "Pass", "End": true, "QueryLanguage": "JSONPath"}}, "QueryLanguage": "JSONata"}),
        Options::default(),
        &[(SchemaValidationFailed, Some("/States/Pass"))],
    );
    check(
        json!({"StartAt": "Map", "QueryLanguage": "JSONPath", "States": {"Map": {"Type": "Map", "QueryLanguage": "JSONata",
            "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Pass",
            "States": {"Pass": {"QueryLanguage": "JSONPath", "Type": "Pass", "End": true}}}, "End": true}}}),
        Options::default(),
        &[],
    );
    let report = validate(
        &json!({"StartAt": "X", "States": {"X": {"Type": "TypeThatDoesNotExist", "End": true}}})
            .to_string(),
        Options::default(),
    );
    assert_eq!(
        stepd_asl::invalid_definition_message(&report.diagnostics),
        "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The field 'Type' should have one of these values: \
         [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map] at /States/X/Type'"
    );
}

#[test]
fn express_machines_refuse_activities_and_callbacks() {
    use Code::*;
    let task = |resource: &str| json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource, "End": true}}});
    let express = Options { express: true };
    for r in [
        "arn:aws:states:us-east-1:123456789012:activity:worker",
        "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "arn:aws:states:::states:startExecution.sync:2",
    ] {
        check(
            task(r),
            express,
            &[(SchemaValidationFailed, Some("/States/T/Resource"))],
        );
        check(task(r), Options::default(), &[]);
    }
}

#[test]
fn table_of_single_rules() {
    use Code::*;
    let d = Options::default();
    let pass = |extra: Value| {
        let mut s = json!({"Type": "Pass", "End": true});
        s.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({"StartAt": "P", "States": {"P": s}})
    };
    check(
        pass(json!({"ResultPath": "$$.x"})),
        d,
        &[(SchemaValidationFailed, Some("/States/P/ResultPath"))],
    );
    check(pass(json!({"InputPath": "$.a[?(@.b > 1)]"})), d, &[]);
    check(
        pass(json!({"Parameters": {"a.$": "States.Format('{}', $.x"}})),
        d,
        &[(SchemaValidationFailed, Some("/States/P/Parameters"))],
    );
    check(
        pass(json!({"Parameters": {"in": {"deep": [{"k.$": "bad"}]}}})),
        d,
        &[(
            SchemaValidationFailed,
            Some("/States/P/Parameters/in/deep[0]"),
        )],
    );
    check(
        pass(json!({"Parameters": "x"})),
        d,
        &[(SchemaValidationFailed, Some("/States/P/Parameters"))],
    );
    check(
        pass(json!({"Assign": {"x.$": "$.a", "y": "{% not jsonata in JSONPath %}"}})),
        d,
        &[],
    );
    check(
        pass(json!({"End": false})),
        d,
        &[
            (SchemaValidationFailed, Some("/States/P")),
            (MissingEndState, None),
        ],
    );
    check(
        json!({"StartAt": "A", "States": {}}),
        d,
        &[(SchemaValidationFailed, Some("/States"))],
    );
    check(json!([]), d, &[(InvalidJsonDescription, None)]);
    check(
        json!({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}, "TimeoutSeconds": 0}),
        d,
        &[(SchemaValidationFailed, Some("/TimeoutSeconds"))],
    );
    check(
        json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": {"StartAt": "L", "States": {"L": {"Type": "Pass", "Next": "L"}}}, "End": true}}}),
        d,
        &[],
    );
}

#[test]
fn warnings_leave_the_definition_valid() {
    let text = json!({"StartAt": "P", "States": {"P": {"Type": "Pass",
        "Parameters": {"forgot": "$.input.id", "fine": "plain text"},
        "Result": {"static.$": "$.x"}, "End": true}}})
    .to_string();
    let report = validate(&text, Options::default());
    assert!(report.is_valid());
    let got: Vec<(Code, stepd_asl::Severity, Option<&str>)> = report
        .diagnostics
        .iter()
        .map(|d| (d.code, d.severity, d.location.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (
                Code::NoDollar,
                stepd_asl::Severity::Warning,
                Some("/States/P/Parameters/forgot")
            ),
            (
                Code::PassResultIsStatic,
                stepd_asl::Severity::Warning,
                Some("/States/P/Result")
            ),
        ]
    );
}

#[test]
fn json_syntax_errors_have_line_and_column() {
    let report = validate(
        "{\n  \"StartAt\": \"A\",\n  \"States\": {,}\n}",
        Options::default(),
    );
    let d = &report.diagnostics[0];
    assert_eq!(
        (d.code, d.line, d.column),
        (Code::InvalidJsonDescription, Some(3), Some(14))
    );
}

#[test]
fn oversized_definitions_are_rejected() {
    let pad = "x".repeat(stepd_asl::MAX_DEFINITION_BYTES);
    let text =
        json!({"Comment": pad, "StartAt": "A", "States": {"A": {"Type": "Succeed"}}}).to_string();
    let report = validate(&text, Options::default());
    assert_eq!(report.diagnostics.len(), 1);
    assert_eq!(report.diagnostics[0].code, Code::InvalidJsonDescription);
    assert!(report.diagnostics[0].message.contains("maximum size"));
}

/// Builds `levels` Parallel states each nested in the previous one's only branch.
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

#[test]
fn ten_thousand_nested_parallels_do_not_overflow() {
    // Test threads have a 2 MiB stack: recursion anywhere in parse, validate or drop would overflow it.
    let text = nested_parallel(10_000);
    assert!(text.len() < stepd_asl::MAX_DEFINITION_BYTES);
    let report = validate(&text, Options::default());
    assert!(report.is_valid(), "{:?}", report.diagnostics.first());
    let def = report.definition.expect("valid");
    assert_eq!(def.machines.len(), 10_001);
    assert_eq!(def.state_count(), 10_001);
    assert_eq!(
        def.state_location(stepd_asl::model::MachineId(2), 0),
        "/States/P0/Branches[0]/States/P1/Branches[0]/States/P2"
    );
    let leaf = stepd_asl::model::MachineId(10_000);
    assert!(
        def.state_location(leaf, 0)
            .ends_with("/States/P9999/Branches[0]/States/Leaf")
    );
}

#[test]
fn deep_payloads_and_rules_do_not_overflow() {
    let n = 50_000;
    let deep = format!("{}1{}", "[".repeat(n), "]".repeat(n));
    let text = format!(
        r#"{{"StartAt":"P","States":{{"P":{{"Type":"Pass","Result":{deep},"Parameters":{{"a":{deep}}},"End":true}}}}}}"#
    );
    // Refused (no payload may nest that deep), and refused without overflowing the stack.
    let report = validate(&text, Options::default());
    let found: Vec<(String, String)> = report
        .diagnostics
        .iter()
        .map(|d| (d.location.clone().unwrap_or_default(), d.message.clone()))
        .collect();
    let msg = "The value is nested deeper than the maximum of 100 levels".to_string();
    assert_eq!(
        found,
        [
            ("/States/P/Parameters".to_string(), msg.clone()),
            ("/States/P/Result".to_string(), msg)
        ]
    );
    // At the limit itself, the same definition is valid.
    let ok = format!("{}1{}", "[".repeat(99), "]".repeat(99));
    let text = format!(
        r#"{{"StartAt":"P","States":{{"P":{{"Type":"Pass","Result":{ok},"Parameters":{{"a":{ok}}},"End":true}}}}}}"#
    );
    assert!(validate(&text, Options::default()).is_valid());
    let mut rule = r#"{"Variable":"$.a","IsNull":true}"#.to_string();
    for _ in 0..5_000 {
        rule = format!(r#"{{"Not":{rule}}}"#);
    }
    let rule = rule.replacen("{", r#"{"Next":"S","#, 1);
    let text = format!(
        r#"{{"StartAt":"C","States":{{"C":{{"Type":"Choice","Choices":[{rule}]}},"S":{{"Type":"Succeed"}}}}}}"#
    );
    let report = validate(&text, Options::default());
    assert!(report.is_valid(), "{:?}", report.diagnostics.first());
}
