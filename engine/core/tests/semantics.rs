//! Interpreter semantics the AWS-recorded corpus does not cover: Retry/Catch/timeouts/heartbeats through
//! scripted tasks, Map concurrency, Parallel cancellation, variable scopes, callbacks, limits.

mod common;

use common::{Answer, T0, compact, line, run};
use serde_json::{Value, json};
use stepd_core::{Effect, Event, HistoryKind, Outcome};

fn task(extra: Value) -> Value {
    let mut t = json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true});
    if let (Some(t), Some(e)) = (t.as_object_mut(), extra.as_object()) {
        t.extend(e.clone());
    }
    t
}

#[test]
fn retry_backs_off_exponentially_then_succeeds() {
    let def = json!({"StartAt": "T", "States": {"T": task(json!({
        "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "BackoffRate": 2.0, "MaxAttempts": 3}]
    }))}});
    let r = run(
        &def,
        json!({}),
        &[(
            "T",
            vec![
                Answer::Throw("Flaky".into(), "1".into()),
                Answer::Throw("Flaky".into(), "2".into()),
                Answer::Return(json!({"ok": true})),
            ],
        )],
    );
    assert_eq!(
        line(&r.outcome),
        json!({"status": "SUCCEEDED", "output": {"ok": true}})
    );
    let at: Vec<i64> = r.invocations.iter().map(|(t, _)| t - T0).collect();
    assert_eq!(at, [0, 1000, 3000], "1 s, then 2 s later");
    let keys: Vec<&str> = r
        .invocations
        .iter()
        .map(|(_, i)| i.idempotency_key.as_str())
        .collect();
    assert_eq!(keys.len(), 3);
    assert!(
        keys[0] != keys[1] && keys[1] != keys[2],
        "each attempt has its own idempotency key"
    );
}

#[test]
fn retry_respects_max_delay_and_gives_up_to_catch() {
    let def = json!({"StartAt": "T", "States": {
        "T": task(json!({
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 10, "BackoffRate": 10.0, "MaxAttempts": 2, "MaxDelaySeconds": 15}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Handled"}],
            "End": null, "Next": "Done"
        })),
        "Handled": {"Type": "Pass", "End": true},
        "Done": {"Type": "Succeed"}
    }});
    let mut def = def;
    def["States"]["T"].as_object_mut().unwrap().remove("End");
    let r = run(
        &def,
        json!({"job": 1}),
        &[("T", vec![Answer::Throw("Boom".into(), "bad".into())])],
    );
    let at: Vec<i64> = r.invocations.iter().map(|(t, _)| t - T0).collect();
    assert_eq!(at, [0, 10_000, 25_000], "10 s, then min(100 s, 15 s)");
    assert_eq!(
        line(&r.outcome),
        json!({"status": "SUCCEEDED", "output": {"job": 1, "error": {"Error": "Boom", "Cause": "bad"}}})
    );
}

#[test]
fn task_timeout_and_heartbeat_raise_their_errors() {
    for (field, error) in [
        ("TimeoutSeconds", "States.Timeout"),
        ("HeartbeatSeconds", "States.HeartbeatTimeout"),
    ] {
        let mut extra = json!({"TimeoutSeconds": 60});
        extra[field] = json!(5);
        let def = json!({"StartAt": "T", "States": {"T": task(extra)}});
        let r = run(&def, json!({}), &[("T", vec![Answer::Never])]);
        match &r.outcome {
            Outcome::Failed { error: e, .. } => assert_eq!(e, error),
            other => panic!("{other:?}"),
        }
        assert_eq!(r.ended_at - T0, 5000);
        assert!(
            r.history
                .iter()
                .any(|e| e.kind == HistoryKind::TaskTimedOut)
        );
    }
}

#[test]
fn heartbeats_keep_a_task_alive() {
    let def = json!({"StartAt": "T", "States": {"T": task(json!({"HeartbeatSeconds": 5, "TimeoutSeconds": 100}))}});
    let mut d = stepd_core::Driver::new(common::execution(&def, 1));
    d.push(Event::Start { input: json!({}) });
    let task = d.run(T0).unwrap()[0].task;
    for i in 1..=4 {
        d.schedule(T0 + i * 4000, Event::TaskHeartbeat { task });
    }
    d.schedule(
        T0 + 18_000,
        Event::TaskSucceeded {
            task,
            output: json!("done"),
        },
    );
    let mut now = T0;
    while d.outcome().is_none() {
        now = d.next_due().unwrap();
        d.run(now).unwrap();
    }
    assert_eq!(
        d.outcome(),
        Some(&Outcome::Succeeded {
            output: json!("done")
        })
    );
    assert_eq!(now, T0 + 18_000);
}

#[test]
fn states_all_does_not_catch_runtime_errors() {
    let def = json!({"StartAt": "P", "States": {
        "P": {"Type": "Pass", "InputPath": "$.missing", "Next": "T"},
        "T": task(json!({"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "X"}]})),
        "X": {"Type": "Succeed"}
    }});
    let r = run(&def, json!({}), &[]);
    assert!(
        matches!(&r.outcome, Outcome::Failed { error, .. } if error == "States.Runtime"),
        "{:?}",
        r.outcome
    );
}

#[test]
fn map_honours_max_concurrency_and_keeps_order() {
    let def = json!({"StartAt": "M", "States": {"M": {
        "Type": "Map", "MaxConcurrency": 2, "End": true,
        "ItemProcessor": {"StartAt": "Work", "States": {"Work": task(json!({}))}}
    }}});
    // Later items answer sooner: results must still come back in item order.
    let answers: Vec<Answer> = (0..6)
        .map(|i| Answer::After(1000 * (6 - i), Box::new(Answer::Return(json!(i)))))
        .collect();
    let r = run(&def, json!([10, 11, 12, 13, 14, 15]), &[("Work", answers)]);
    assert_eq!(
        line(&r.outcome),
        json!({"status": "SUCCEEDED", "output": [0, 1, 2, 3, 4, 5]})
    );
    assert_eq!(r.max_in_flight, 2);
    let inputs: Vec<Value> = r.invocations.iter().map(|(_, i)| i.input.clone()).collect();
    assert_eq!(
        inputs,
        [
            json!(10),
            json!(11),
            json!(12),
            json!(13),
            json!(14),
            json!(15)
        ]
    );
}

#[test]
fn map_tolerates_failures_up_to_the_threshold() {
    let def = |count: u64| {
        json!({"StartAt": "M", "States": {"M": {
            "Type": "Map", "ToleratedFailureCount": count, "End": true,
            "ItemProcessor": {"StartAt": "Work", "States": {"Work": task(json!({}))}}
        }}})
    };
    let script = vec![
        Answer::Throw("Bad".into(), "1".into()),
        Answer::Return(json!("ok")),
        Answer::Throw("Bad".into(), "2".into()),
    ];
    let tolerated = run(&def(2), json!([1, 2, 3]), &[("Work", script.clone())]);
    assert!(
        matches!(tolerated.outcome, Outcome::Succeeded { .. }),
        "{:?}",
        tolerated.outcome
    );
    let exceeded = run(&def(1), json!([1, 2, 3]), &[("Work", script)]);
    assert!(
        matches!(&exceeded.outcome, Outcome::Failed { error, .. } if error == "States.ExceedToleratedFailureThreshold"),
        "{:?}",
        exceeded.outcome
    );
}

#[test]
fn parallel_branch_failure_cancels_siblings() {
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "Slow", "States": {"Slow": task(json!({}))}},
        {"StartAt": "Bad", "States": {"Bad": {"Type": "Fail", "Error": "BranchBroke", "Cause": "no"}}}
    ]}}});
    let mut d = stepd_core::Driver::new(common::execution(&def, 1));
    d.push(Event::Start { input: json!({}) });
    let mut exec = d.exec;
    let t = exec.apply(Event::Start { input: json!({}) }, T0).unwrap();
    let task = t.effects.iter().find_map(|e| match e {
        Effect::InvokeTask(i) => Some(i.task),
        _ => None,
    });
    assert!(
        t.effects.contains(&Effect::CancelTask {
            task: task.unwrap()
        }),
        "{:?}",
        t.effects
    );
    assert!(
        matches!(exec.outcome(), Some(Outcome::Failed { error, .. }) if error == "BranchBroke")
    );
}

#[test]
fn variables_flow_inward_but_not_outward() {
    let def = json!({"StartAt": "Init", "States": {
        "Init": {"Type": "Pass", "Assign": {"outer": 1, "items": [1, 2]}, "Next": "M"},
        "M": {"Type": "Map", "ItemsPath": "$items", "Next": "After",
              "ItemProcessor": {"StartAt": "In", "States": {
                  "In": {"Type": "Pass", "Assign": {"inner.$": "$outer"}, "Parameters": {"seen.$": "$outer"}, "End": true}}}},
        "After": {"Type": "Pass", "Parameters": {"outer.$": "$outer"}, "End": true}
    }});
    let r = run(&def, json!({}), &[]);
    assert_eq!(
        line(&r.outcome),
        json!({"status": "SUCCEEDED", "output": {"outer": 1}})
    );
    let leak = json!({"StartAt": "Init", "States": {
        "Init": {"Type": "Pass", "Assign": {"items": [1]}, "Next": "M"},
        "M": {"Type": "Map", "ItemsPath": "$items", "Next": "After",
              "ItemProcessor": {"StartAt": "In", "States": {"In": {"Type": "Pass", "Assign": {"inner": 1}, "End": true}}}},
        "After": {"Type": "Pass", "Parameters": {"x.$": "$inner"}, "End": true}
    }});
    let r = run(&leak, json!({}), &[]);
    assert!(
        matches!(&r.outcome, Outcome::Failed { error, .. } if error == "States.Runtime"),
        "{:?}",
        r.outcome
    );
}

#[test]
fn callback_tasks_get_a_token_in_the_context() {
    let def = json!({"StartAt": "Q", "States": {"Q": {"Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"token.$": "$$.Task.Token"}, "End": true}}});
    let r = run(
        &def,
        json!({}),
        &[("Q", vec![Answer::Return(json!({"placed": "slurm"}))])],
    );
    let inv = &r.invocations[0].1;
    let token = inv.token.clone().expect("a token");
    assert!(token.len() >= 32);
    assert_eq!(inv.input, json!({"token": token}));
    assert_eq!(
        line(&r.outcome),
        json!({"status": "SUCCEEDED", "output": {"placed": "slurm"}})
    );
}

#[test]
fn execution_timeout_and_stop_end_the_execution() {
    let def = json!({"StartAt": "W", "TimeoutSeconds": 3, "States": {"W": {"Type": "Wait", "Seconds": 10, "End": true}}});
    let r = run(&def, json!({}), &[]);
    assert!(matches!(r.outcome, Outcome::TimedOut { .. }));
    assert_eq!(r.ended_at - T0, 3000);
    let mut exec = common::execution(&def, 1);
    exec.apply(Event::Start { input: json!({}) }, T0).unwrap();
    let t = exec
        .apply(
            Event::Stop {
                error: Some("Op".into()),
                cause: None,
            },
            T0 + 10,
        )
        .unwrap();
    assert_eq!(
        t.events.last().map(|e| e.kind),
        Some(HistoryKind::ExecutionAborted)
    );
    assert!(
        t.effects
            .iter()
            .any(|e| matches!(e, Effect::CancelTimer { .. }))
    );
    assert!(
        exec.apply(
            Event::Stop {
                error: None,
                cause: None
            },
            T0 + 20
        )
        .is_err()
    );
}

#[test]
fn oversized_results_fail_with_data_limit() {
    let def = json!({"StartAt": "T", "States": {"T": task(json!({"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "X"}]})), "X": {"Type": "Succeed"}}});
    let big = json!("x".repeat(300 * 1024));
    let r = run(&def, json!({}), &[("T", vec![Answer::Return(big)])]);
    assert!(
        matches!(&r.outcome, Outcome::Failed { error, .. } if error == "States.DataLimitExceeded"),
        "{:?}",
        r.outcome
    );
}

#[test]
fn same_events_replay_to_the_same_history() {
    let def = json!({"StartAt": "T", "States": {"T": task(json!({
        "Retry": [{"ErrorEquals": ["States.ALL"], "JitterStrategy": "FULL", "MaxAttempts": 5}]
    }))}});
    let script = [(
        "T",
        vec![
            Answer::Throw("E".into(), "".into()),
            Answer::Throw("E".into(), "".into()),
            Answer::Return(json!(1)),
        ],
    )];
    let (a, b) = (run(&def, json!({}), &script), run(&def, json!({}), &script));
    assert_eq!(compact(&a.history), compact(&b.history));
}

#[test]
fn job_poller_history() {
    let def: Value =
        serde_json::from_str(include_str!("../../../workflows/job-poller.asl.json")).unwrap();
    let r = run(
        &def,
        json!({"job": {"name": "etl", "priority": 5, "cpus": 4, "memoryMiB": 8192, "pollSeconds": 30,
                       "command": ["spark-submit", "etl.py"]}}),
        &[
            (
                "JobQueueRequest",
                vec![Answer::After(
                    60_000,
                    Box::new(Answer::Return(json!({"cluster": "slurm-a", "job": {
                        "id": "etl", "name": "etl", "tenant": "default", "priority": 5, "cpus": 4,
                        "memoryMiB": 8192, "command": ["spark-submit", "etl.py"], "pollSeconds": 30}}))),
                )],
            ),
            (
                "StartJobRun",
                vec![
                    Answer::Throw("Cluster.Unavailable".into(), "busy".into()),
                    Answer::Return(json!({"jobId": "j-7", "cluster": "slurm-a"})),
                ],
            ),
            (
                "GetJobStatus",
                vec![
                    Answer::Return(
                        json!({"state": "RUNNING", "exitCode": null, "errorOutput": ""}),
                    ),
                    Answer::Return(json!({"state": "COMPLETED", "exitCode": 0, "errorOutput": ""})),
                ],
            ),
        ],
    );
    assert_eq!(line(&r.outcome)["status"], "SUCCEEDED");
    insta::assert_json_snapshot!(
        json!({"outcome": line(&r.outcome), "history": compact(&r.history)})
    );
}

#[test]
fn payloads_growing_in_a_loop_stop_at_the_depth_limit() {
    // Each turn wraps the state's input in one more object; once a state's output would nest deeper than
    // 100 levels the execution fails with States.DataLimitExceeded (uncatchable by States.ALL) instead of
    // growing until cloning it overflows the stack.
    let def = json!({"StartAt": "Grow", "States": {
        "Grow": {"Type": "Parallel", "Next": "Again",
                 "Branches": [{"StartAt": "Wrap", "States": {"Wrap": {"Type": "Pass", "Parameters": {"a.$": "$"}, "End": true}}}],
                 "OutputPath": "$[0]",
                 "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]},
        "Again": {"Type": "Choice", "Choices": [{"Variable": "$.a", "IsPresent": true, "Next": "Grow"}]},
        "Caught": {"Type": "Succeed"}
    }});
    let r = run(&def, json!({}), &[]);
    assert_eq!(
        line(&r.outcome),
        json!({"status": "FAILED", "error": "States.DataLimitExceeded",
               "cause": "The state/task 'Wrap' returned a result nested deeper than the maximum of 100 levels."})
    );
    // A JSONata Output template, a variable and a Succeed state's output are held to the same bound.
    let def = json!({"QueryLanguage": "JSONata", "StartAt": "Grow", "States": {
        "Grow": {"Type": "Pass", "Output": {"a": "{% $states.input %}"}, "Assign": {"v": "{% $states.input %}"},
                 "Next": "Again"},
        "Again": {"Type": "Choice", "Choices": [{"Condition": "{% $exists($states.input.a) %}", "Next": "Grow"}],
                  "Default": "Done"},
        "Done": {"Type": "Succeed"}
    }});
    let r = run(&def, json!({}), &[]);
    assert_eq!(line(&r.outcome)["error"], "States.DataLimitExceeded");
}

#[test]
fn a_large_map_stops_at_the_history_limit_exactly() {
    // 30,000 iterations start in one step: the history holds 25,000 events, the last ExecutionFailed
    // (before, the limit was checked between steps only and this history grew past 100,000 events).
    let def = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}}});
    let items: Vec<u32> = (0..30_000).collect();
    let r = run(&def, json!(items), &[]);
    assert_eq!(
        line(&r.outcome),
        json!({"status": "FAILED", "error": "States.Runtime",
               "cause": "The execution reached the limit of 25000 history events."})
    );
    assert_eq!(r.history.len(), 25_000);
    assert_eq!(
        r.history.last().map(|e| e.kind),
        Some(HistoryKind::ExecutionFailed)
    );
    assert!(
        r.history
            .iter()
            .enumerate()
            .all(|(i, e)| e.id == i as u64 + 1)
    );
}

#[test]
fn a_map_that_would_hold_too_much_fails_instead_of_exhausting_memory() {
    // Each iteration's input copies a 200 KB string: 2,000 of them would be 400 MB. The execution's
    // fan-out budget (64 MiB) stops it with States.DataLimitExceeded while the inputs are prepared.
    let def = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
        "ItemsPath": "$.items", "ItemSelector": {"big.$": "$.big"},
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}}});
    let items: Vec<u32> = (0..2_000).collect();
    let r = run(
        &def,
        json!({"items": items, "big": "x".repeat(200_000)}),
        &[],
    );
    let out = line(&r.outcome);
    assert_eq!(out["error"], "States.DataLimitExceeded", "{out}");
    assert!(r.history.len() < 10, "failed before any iteration started");
    // Results count too: small inputs, large outputs (each iteration returns a 200 KB literal).
    let def = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true, "MaxConcurrency": 1,
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass",
            "Result": "x".repeat(200_000), "End": true}}}}}});
    let items: Vec<u32> = (0..1_000).collect();
    let r = run(&def, json!(items), &[]);
    let out = line(&r.outcome);
    assert_eq!(out["error"], "States.DataLimitExceeded", "{out}");
    let iterations = r
        .history
        .iter()
        .filter(|e| e.kind == HistoryKind::MapIterationSucceeded)
        .count();
    assert!(
        (300..400).contains(&iterations),
        "{iterations} iterations kept"
    );
}

#[test]
fn a_loop_without_waits_yields_before_its_events_outgrow_a_transition() {
    // 300 rounds copying a 100 KB string: 60 MB of state inputs and outputs in one transition, held by
    // the writer and by every reader replaying it. Past MAX_TRANSITION_BYTES the rest waits for a timer
    // due at once; the history is the one an uninterrupted run gives.
    let def = json!({"StartAt": "Grow", "States": {
        "Grow": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)", "pad.$": "$.pad"},
                 "Next": "Again"},
        "Again": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericLessThan": 300, "Next": "Grow"}],
                  "Default": "Done"},
        "Done": {"Type": "Succeed"}}});
    let input = json!({"n": 0, "pad": "x".repeat(100_000)});
    let mut exec = common::execution(&def, 1);
    let first = exec
        .apply(
            Event::Start {
                input: input.clone(),
            },
            T0,
        )
        .unwrap();
    let resume: Vec<(u64, i64)> = first
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::ArmTimer { timer, due } => Some((*timer, *due)),
            _ => None,
        })
        .collect();
    assert_eq!(resume.len(), 1, "one resume timer: {:?}", first.effects);
    assert_eq!(resume[0].1, T0, "due at once");
    let carried: usize = first.events.len();
    assert!(
        carried < 300 * 4 / 2,
        "the first transition stopped early ({carried} events)"
    );
    assert!(exec.outcome().is_none());
    // Driven to the end (the resume timers fire), the run succeeds with every round in its history.
    let r = run(&def, input, &[]);
    assert!(
        matches!(r.outcome, Outcome::Succeeded { .. }),
        "{:?}",
        line(&r.outcome)
    );
    let rounds = r
        .history
        .iter()
        .filter(|e| e.kind == HistoryKind::PassStateExited)
        .count();
    assert_eq!(rounds, 300);
    let ids: Vec<u64> = r.history.iter().map(|e| e.id).collect();
    assert_eq!(
        ids,
        (1..=ids.len() as u64).collect::<Vec<_>>(),
        "ids contiguous"
    );
}
