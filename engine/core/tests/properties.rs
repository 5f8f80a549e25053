//! Property tests: `apply` never panics on generated definitions, inputs and task answers, and replaying
//! the same events rebuilds the same history.

mod common;

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use stepd_core::{Driver, Event, Execution, Invocation, Millis, drive};

const NAMES: [&str; 5] = ["A", "B", "C", "D", "E"];

fn small_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-5i64..50).prop_map(Value::from),
        prop::sample::select(vec!["a", "b", "2024-01-01T00:00:00Z", "x"])
            .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec!["a", "b", "items", "n"]),
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

fn path() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "$",
        "$.a",
        "$.b",
        "$.items",
        "$.n",
        "$.a[0]",
        "$$.Execution.Input",
        "$.items[*]",
    ])
    .prop_map(str::to_string)
}

fn target() -> impl Strategy<Value = String> {
    prop::sample::select(NAMES.to_vec()).prop_map(str::to_string)
}

/// The shape of one state; `build` names it and wires `Next` to the following state, so every state is
/// reachable along the chain (Choice rules may jump anywhere, loops included).
#[derive(Debug, Clone)]
enum Shape {
    Task {
        result_path: Option<String>,
        retries: Option<u64>,
        catch: bool,
    },
    Pass {
        input_path: Option<String>,
        result: Option<Value>,
    },
    Choice {
        variable: String,
        n: i64,
        target: String,
    },
    Wait(u64),
    Map {
        items: String,
        max: u64,
    },
    Parallel,
    Fail,
}

fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        (
            prop::option::of(path()),
            prop::option::of(0u64..3),
            any::<bool>()
        )
            .prop_map(|(result_path, retries, catch)| Shape::Task {
                result_path,
                retries,
                catch
            }),
        (prop::option::of(path()), prop::option::of(small_json()))
            .prop_map(|(input_path, result)| Shape::Pass { input_path, result }),
        (path(), -2i64..3, target()).prop_map(|(variable, n, target)| Shape::Choice {
            variable,
            n,
            target
        }),
        (0u64..3).prop_map(Shape::Wait),
        (path(), 0u64..3).prop_map(|(items, max)| Shape::Map { items, max }),
        Just(Shape::Parallel),
        Just(Shape::Fail),
    ]
}

fn build(name: &str, next: &str, shape: Shape) -> Value {
    let task = || json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 5});
    match shape {
        Shape::Task {
            result_path,
            retries,
            catch,
        } => {
            let mut s = task();
            s["Next"] = json!(next);
            if let Some(rp) = result_path.filter(|p| !p.contains('*') && !p.contains("$$")) {
                s["ResultPath"] = json!(rp);
            }
            if let Some(r) = retries {
                s["Retry"] = json!([{"ErrorEquals": ["States.ALL"], "MaxAttempts": r, "IntervalSeconds": 1}]);
            }
            if catch {
                s["Catch"] = json!([{"ErrorEquals": ["States.ALL"], "Next": "E"}]);
            }
            s
        }
        Shape::Pass { input_path, result } => {
            let mut s = json!({"Type": "Pass", "Next": next});
            if let Some(ip) = input_path {
                s["InputPath"] = json!(ip);
            }
            if let Some(r) = result {
                s["Result"] = r;
            }
            s
        }
        Shape::Choice {
            variable,
            n,
            target,
        } => {
            json!({"Type": "Choice", "Choices": [{"Variable": variable, "NumericGreaterThan": n, "Next": target}], "Default": next})
        }
        Shape::Wait(seconds) => json!({"Type": "Wait", "Seconds": seconds, "Next": next}),
        Shape::Map { items, max } => {
            let mut inner = task();
            inner["End"] = json!(true);
            let items = if items.contains('*') || items.contains("$$") {
                "$.items".to_string()
            } else {
                items
            };
            json!({"Type": "Map", "ItemsPath": items, "MaxConcurrency": max, "Next": next,
                   "ItemProcessor": {"StartAt": format!("I{name}"), "States": {format!("I{name}"): inner}}})
        }
        Shape::Parallel => {
            let mut inner = task();
            inner["End"] = json!(true);
            json!({"Type": "Parallel", "Next": next, "Branches": [
                {"StartAt": format!("P{name}"), "States": {format!("P{name}"): {"Type": "Pass", "End": true}}},
                {"StartAt": format!("Q{name}"), "States": {format!("Q{name}"): inner}}]})
        }
        Shape::Fail => json!({"Type": "Fail", "Error": "E"}),
    }
}

fn definition() -> impl Strategy<Value = Value> {
    prop::collection::vec(shape(), 4..=4).prop_map(|shapes| {
        let mut m = Map::new();
        for (i, shape) in shapes.into_iter().enumerate() {
            m.insert(NAMES[i].to_string(), build(NAMES[i], NAMES[i + 1], shape));
        }
        m.insert("E".into(), json!({"Type": "Succeed"}));
        json!({"StartAt": "A", "States": m})
    })
}

/// Task answers: success with a value, or a failure.
fn answers() -> impl Strategy<Value = Vec<Result<Value, String>>> {
    prop::collection::vec(
        prop_oneof![small_json().prop_map(Ok), Just(Err("Boom".to_string()))],
        1..8,
    )
}

/// Runs in virtual time; returns the compact history.
fn drive(def: &Value, input: &Value, answers: &[Result<Value, String>]) -> Option<Vec<String>> {
    let report = stepd_asl::validate(&def.to_string(), stepd_asl::Options::default());
    let def = report.definition?;
    let exec = Execution::new(
        std::sync::Arc::new(def),
        Default::default(),
        stepd_core::Identity::local("p", "p", common::T0),
        7,
    );
    let mut d = Driver::new(exec);
    d.push(Event::Start {
        input: input.clone(),
    });
    // Every answer comes 100 ms after its call, in the order given, round and round; the run ends when the
    // execution does, nothing is due, or after 2,000 rounds (a loop of Choices may never end).
    struct Cycling<'a> {
        answers: &'a [Result<Value, String>],
        now: Millis,
        n: usize,
        rounds: usize,
    }
    impl drive::Host for Cycling<'_> {
        type Stop = ();
        fn now(&mut self) -> Millis {
            self.now
        }
        async fn invoke(&mut self, d: &mut Driver, inv: Invocation, now: Millis) -> Result<(), ()> {
            let task = inv.task;
            let event = match &self.answers[self.n % self.answers.len()] {
                Ok(v) => Event::TaskSucceeded {
                    task,
                    output: v.clone(),
                },
                Err(e) => Event::TaskFailed {
                    task,
                    error: e.clone(),
                    cause: String::new(),
                },
            };
            self.n += 1;
            d.schedule(now + 100, event);
            Ok(())
        }
        async fn wait(&mut self, _: &mut Driver, due: Option<Millis>) -> Result<bool, ()> {
            self.rounds += 1;
            match due {
                Some(t) if self.rounds < 2_000 => self.now = t,
                _ => return Ok(false),
            }
            Ok(true)
        }
    }
    let mut host = Cycling {
        answers,
        now: common::T0,
        n: 0,
        rounds: 0,
    };
    let end = drive::block_on(drive::drive(&mut d, &mut host));
    assert!(
        !matches!(end, drive::End::Broken(_)),
        "the driver keeps the protocol: {end:?}"
    );
    Some(common::compact(&d.history))
}

#[test]
fn most_generated_definitions_are_valid() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let valid = (0..400)
        .filter(|_| {
            let def = definition().new_tree(&mut runner).expect("tree").current();
            stepd_asl::validate(&def.to_string(), stepd_asl::Options::default()).is_valid()
        })
        .count();
    assert!(
        valid >= 100,
        "only {valid} of 400 generated definitions are valid: the property would test little"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn apply_never_panics_and_replays_identically(def in definition(), input in small_json(), answers in answers()) {
        let first = drive(&def, &input, &answers);
        let second = drive(&def, &input, &answers);
        prop_assert_eq!(first, second);
    }
}
