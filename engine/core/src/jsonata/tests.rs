//! Unit tests of the JSONata bridge: Step Functions functions, undefined results, errors, limits.

use serde_json::{Map, Value, json};

use super::*;

/// The `$states` of a state entered at 2024-01-02T03:04:05.678Z with `input`.
fn states(input: Value) -> Value {
    json!({
        "input": input,
        "context": {
            "Execution": {"Id": "arn:aws:states:us-east-1:1:execution:m:e", "Name": "e",
                          "StartTime": "2024-01-01T00:00:00Z", "Input": {}},
            "State": {"Name": "S", "EnteredTime": "2024-01-02T03:04:05.678Z"},
            "StateMachine": {"Id": "arn:aws:states:us-east-1:1:stateMachine:m", "Name": "m"}
        }
    })
}

/// A deterministic source of randomness, counting its calls.
struct Dice {
    next: u64,
    calls: usize,
}

impl Dice {
    fn new(seed: u64) -> Dice {
        Dice {
            next: seed,
            calls: 0,
        }
    }

    fn roll(&mut self) -> u64 {
        self.calls += 1;
        self.next = self
            .next
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        self.next
    }
}

fn eval_with(source: &str, states: &Value, vars: &Value) -> Result<Option<Value>, String> {
    let vars: Map<String, Value> = vars.as_object().cloned().unwrap_or_default();
    let mut dice = Dice::new(7);
    Compiled::new(source)?.evaluate(states, &vars, &mut || dice.roll())
}

fn eval(source: &str, input: Value) -> Result<Option<Value>, String> {
    eval_with(source, &states(input), &json!({}))
}

/// Cases: expression, `$states.input`, expected value (`null` in the table means JSON null; use
/// the `undefined` table for undefined).
fn check_values(cases: &[(&str, Value, Value)]) {
    for (source, input, expected) in cases {
        assert_eq!(
            eval(source, input.clone()),
            Ok(Some(expected.clone())),
            "{source} with {input}"
        );
    }
}

fn check_errors(cases: &[(&str, Value, &str)]) {
    for (source, input, expected) in cases {
        assert_eq!(
            eval(source, input.clone()),
            Err((*expected).to_owned()),
            "{source} with {input}"
        );
    }
}

fn check_undefined(cases: &[(&str, Value)]) {
    for (source, input) in cases {
        assert_eq!(
            eval(source, input.clone()),
            Ok(None),
            "{source} with {input}"
        );
    }
}

/// The exact JSON text, so that 7 and 7.0 differ.
fn text(result: Result<Option<Value>, String>) -> String {
    match result {
        Ok(Some(v)) => v.to_string(),
        Ok(None) => "undefined".into(),
        Err(e) => format!("error {e}"),
    }
}

#[test]
fn states_fields_and_variables_are_bound() {
    let st = json!({
        "input": {"a": 1},
        "context": {"State": {"Name": "S", "EnteredTime": "2024-01-02T03:04:05Z"}},
        "result": {"r": [1, 2]},
        "errorOutput": {"Error": "E", "Cause": "c"}
    });
    let vars = json!({"x": 5, "name": "n", "obj": {"k": [true]}, "nothing": null, "states": 1});
    let cases = [
        ("$states.input", json!({"a": 1})),
        ("$states.input.a", json!(1)),
        ("$states.context.State.Name", json!("S")),
        ("$states.result.r[1]", json!(2)),
        (
            "$states.errorOutput.Error & ':' & $states.errorOutput.Cause",
            json!("E:c"),
        ),
        ("$x * 2", json!(10)),
        ("$name & $string($x)", json!("n5")),
        ("$obj.k[0]", json!(true)),
        ("$nothing", Value::Null),
        ("$exists($nothing)", json!(true)),
        ("$type($nothing)", json!("null")),
        (
            "$keys($states)",
            json!(["input", "context", "result", "errorOutput"]),
        ),
        ("($y := $x + 1; $y * $y)", json!(36)),
    ];
    for (source, expected) in cases {
        assert_eq!(
            eval_with(source, &st, &vars),
            Ok(Some(expected)),
            "{source}"
        );
    }
}

#[test]
fn ordinary_expressions_as_aws_records_them() {
    check_values(&[
        // evaluate_jsonata/test_base_evaluate_expressions (regular expressions, $number, $merge)
        (
            r"$contains('hello$world', /^hello\$/)",
            json!({}),
            json!(true),
        ),
        (
            r"$contains('hello$world', /^hello\ /)",
            json!({}),
            json!(false),
        ),
        ("$number('2')", json!({}), json!(2)),
        ("$variable := 1", json!({}), json!(1)),
        (
            "$merge([$states.input.part1, $states.input.part2])",
            json!({"part1": {"hello": "world"}, "part2": {"foo": "bar"}}),
            json!({"hello": "world", "foo": "bar"}),
        ),
        // scenarios: Choice conditions
        (
            "$not($states.input.type = 'Private')",
            json!({"type": "Private"}),
            json!(false),
        ),
        (
            "$states.input.value >= 20 and $states.input.value < 30",
            json!({"value": 22}),
            json!(true),
        ),
        ("$states.input = '\"'", json!("\""), json!(true)),
        ("[1, 'two', 3]", json!({}), json!([1, "two", 3])),
        ("[]", json!({}), json!([])),
        ("$states.input.items", json!({"items": [0]}), json!([0])),
        (
            "$states.input.items.n",
            json!({"items": [{"n": 3}, {"n": 9}]}),
            json!([3, 9]),
        ),
        (
            "$states.input.items.n",
            json!({"items": [{"n": 3}]}),
            json!(3),
        ),
        ("{'key': true}", json!({}), json!({"key": true})),
        ("null", json!({}), Value::Null),
    ]);
}

#[test]
fn undefined_results_are_none() {
    check_undefined(&[
        ("$doesNotExist", json!({})),
        ("$states.input.missing", json!({})),
        ("$states.input.a.b.c", json!({"a": 1})),
        ("$states.nothing", json!({})),
        ("{'a': 1}.b", json!({})),
        ("$substring($states.input.none, 1)", json!({})),
        ("$states.input[x > 5]", json!([{"x": 1}])),
        ("$", json!({"a": 1})),
        ("$$", json!({"a": 1})),
    ]);
}

#[test]
fn a_function_result_is_an_unsupported_result_type() {
    // scenarios/test_base_scenarios::test_map_state_items_eval_jsonata_fail[function]
    for source in [
        "$fn := function($x){$x}",
        "function($x){$x}",
        "$string",
        "$partition",
        "$substring(?, 1)",
    ] {
        assert_eq!(
            eval(source, json!({})),
            Err(UNSUPPORTED_RESULT.into()),
            "{source}"
        );
    }
    assert_eq!(
        failure_sentence("$fn := function($x){$x}", "Items", UNSUPPORTED_RESULT),
        "The JSONata expression '$fn := function($x){$x}' specified for the field 'Items' returned an unsupported result type."
    );
}

#[test]
fn whole_numbers_are_json_integers() {
    let cases = [
        // outputdecl/test_output::test_base_cases[BASE_DIRECT_EXPR]: 7, not 7.0
        ("$sum($states.input.values) + 1", "7"),
        ("$states.input.values", "[1,2,3]"),
        ("6 / 2", "3"),
        ("2.5 * 2", "5"),
        ("$number('2')", "2"),
        ("100000000000000000 * 10", "1000000000000000000"),
        ("-4.0", "-4"),
        ("0.1 + 0.2", "0.30000000000000004"),
        ("1.5", "1.5"),
        ("1e300", "1e+300"),
        ("$average([1, 2])", "1.5"),
        ("{'n': 10 / 5, 'm': [2 * 2.5]}", r#"{"n":2,"m":[5]}"#),
        ("$parse('1.0')", "1"),
        ("$parse('1.1')", "1.1"),
        ("$round(2.5)", "2"),
    ];
    for (source, expected) in cases {
        assert_eq!(
            text(eval(source, json!({"values": [1, 2, 3]}))),
            expected,
            "{source}"
        );
    }
}

#[test]
fn object_keys_keep_their_order() {
    assert_eq!(
        text(eval(
            "{'z': 1, 'a': 2, 'm': $states.input}",
            json!({"y": 1, "b": 2})
        )),
        r#"{"z":1,"a":2,"m":{"y":1,"b":2}}"#
    );
}

#[test]
fn partition_as_aws_has_it() {
    // intrinsic_functions/test_array_jsonata::test_array_partition (exec_hist_resp_3..19)
    let recorded = [
        (json!([0]), 4, json!([[0]])),
        (json!([0, 1]), 1, json!([[0], [1]])),
        (json!([0, 1]), 3, json!([[0, 1]])),
        (json!([0, 1]), 4, json!([[0, 1]])),
        (json!([0, 1, 2]), 1, json!([[0], [1], [2]])),
        (json!([0, 1, 2]), 2, json!([[0, 1], [2]])),
        (json!([0, 1, 2]), 3, json!([[0, 1, 2]])),
        (json!([0, 1, 2]), 4, json!([[0, 1, 2]])),
        (json!([0, 1, 2]), 5, json!([[0, 1, 2]])),
        (json!([0, 1, 2, 3]), 1, json!([[0], [1], [2], [3]])),
        (json!([0, 1, 2, 3]), 2, json!([[0, 1], [2, 3]])),
        (json!([0, 1, 2, 3]), 5, json!([[0, 1, 2, 3]])),
    ];
    for (array, size, expected) in recorded {
        let input = json!({"FunctionInput": {"fst": array, "snd": size}});
        assert_eq!(
            eval(
                "$partition($states.input.FunctionInput.fst, $states.input.FunctionInput.snd)",
                input.clone()
            ),
            Ok(Some(expected)),
            "{input}"
        );
    }
    check_values(&[
        (
            "$partition([1, 2, 3, 4, 5, 6, 7, 8, 9], 3)",
            json!({}),
            json!([[1, 2, 3], [4, 5, 6], [7, 8, 9]]),
        ),
        (
            "$partition([1, 2, 3], 2.9)",
            json!({}),
            json!([[1, 2], [3]]),
        ),
        ("$partition([1, 2, 3])", json!({}), json!([[1, 2, 3]])),
        ("$partition([])", json!({}), json!([[]])),
        ("$partition([1, 2], $nothing)", json!({}), json!([[1, 2]])),
        (
            "$partition([{'a': 1}, 'b'], 1)",
            json!({}),
            json!([[{"a": 1}], ["b"]]),
        ),
    ]);
    check_undefined(&[
        ("$partition($nothing, 2)", json!({})),
        ("$partition([], 2)", json!({})),
        ("$partition([1, 2], 0)", json!({})),
        ("$partition([1, 2], -0.5)", json!({})),
    ]);
    check_errors(&[
        (
            "$partition([1], -2)",
            json!({}),
            "D3137: Second argument must be zero or greater",
        ),
        (
            "$partition(1, 2)",
            json!({}),
            r#"T0412: Argument 1 of function "partition" must be an array of undefined"#,
        ),
        (
            "$partition([1], 'a')",
            json!({}),
            r#"T0410: Argument 2 of function "partition" does not match function signature"#,
        ),
        (
            "$partition([1], 1, 2)",
            json!({}),
            r#"T0410: Argument 3 of function "partition" does not match function signature"#,
        ),
    ]);
}

#[test]
fn range_as_aws_has_it() {
    // intrinsic_functions/test_array_jsonata::test_array_range: one number is that number.
    let recorded = [
        ((0, 9, 3), json!([0, 3, 6, 9])),
        ((1, 9, 9), json!(1)),
        ((1, 9, 2), json!([1, 3, 5, 7, 9])),
    ];
    for ((start, end, step), expected) in recorded {
        let input = json!({"FunctionInput": {"fst": start, "snd": end, "trd": step}});
        let source = "$range($states.input.FunctionInput.fst, $states.input.FunctionInput.snd, $states.input.FunctionInput.trd)";
        assert_eq!(eval(source, input.clone()), Ok(Some(expected)), "{input}");
    }
    check_values(&[
        ("$range(0, 10, 2)", json!({}), json!([0, 2, 4, 6, 8, 10])),
        ("$range(10, 0, -3)", json!({}), json!([10, 7, 4, 1])),
        ("$range(5, 5, 1)", json!({}), json!(5)),
        ("$range(1.9, 4.2, 1.5)", json!({}), json!([1, 2, 3, 4])),
        ("$range(-1.7, 1, 1)", json!({}), json!([-1, 0, 1])),
        ("[$range(1, 1, 1)]", json!({}), json!([1])),
        ("$count($range(1, 100, 1))", json!({}), json!(100)),
        ("$count($range(1, 360145, 1))", json!({}), json!(360_145)),
    ]);
    check_undefined(&[
        ("$range(1, 5, 0)", json!({})),
        ("$range(5, 1, 1)", json!({})),
        ("$range(1, 5, -1)", json!({})),
        ("$range(1, 5)", json!({})),
        ("$range($nothing, 5, 1)", json!({})),
    ]);
    check_errors(&[
        (
            "$range('1', 5, 1)",
            json!({}),
            r#"T0410: Argument 1 of function "range" does not match function signature"#,
        ),
        (
            "$range(1, 5, true)",
            json!({}),
            r#"T0410: Argument 3 of function "range" does not match function signature"#,
        ),
        (
            "$range(1, 5, 1, 1)",
            json!({}),
            r#"T0410: Argument 4 of function "range" does not match function signature"#,
        ),
        ("$range(1, 360146, 1)", json!({}), MEMORY),
    ]);
}

#[test]
fn hash_as_aws_has_it() {
    check_values(&[
        (
            "$hash('abc', 'MD5')",
            json!({}),
            json!("900150983cd24fb0d6963f7d28e17f72"),
        ),
        (
            "$hash('abc', 'SHA-1')",
            json!({}),
            json!("a9993e364706816aba3e25717850c26c9cd0d89d"),
        ),
        (
            "$hash('abc', 'SHA-256')",
            json!({}),
            json!("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ),
        (
            "$hash('abc', 'SHA-384')",
            json!({}),
            json!(
                "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"
            ),
        ),
        (
            "$hash('abc', 'SHA-512')",
            json!({}),
            json!(
                "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
            ),
        ),
        // assign/test_assign_reference_variables (States.Hash of the same text, recorded)
        (
            "$hash($states.input.s, 'SHA-256')",
            json!({"s": "Hash this string"}),
            json!("1cac63f39fd68d8c531f27b807610fb3d50f0fc3f186995767fb6316e7200a3e"),
        ),
        (
            "$hash('', 'MD5')",
            json!({}),
            json!("d41d8cd98f00b204e9800998ecf8427e"),
        ),
        (
            "$hash('é', 'MD5')",
            json!({}),
            json!("66ddcd97cfdeabb2f6fb8a999b4bc76f"),
        ),
    ]);
    check_undefined(&[
        ("$hash($nothing, 'MD5')", json!({})),
        ("$hash('abc')", json!({})),
    ]);
    let unknown = |name: &str| {
        format!(
            "D3137: Hash algorithm '{name}' must be one of SHA-1, SHA-384, SHA-256, SHA-512, MD5"
        )
    };
    check_errors(&[
        ("$hash('abc', 'sha-256')", json!({}), &unknown("sha-256")),
        ("$hash('abc', 'SHA256')", json!({}), &unknown("SHA256")),
        ("$hash('abc', $nothing)", json!({}), &unknown("null")),
        (
            "$hash()",
            json!({}),
            r#"T0410: Argument 1 of function "hash" does not match function signature"#,
        ),
        (
            "$hash(1, 'MD5')",
            json!({}),
            r#"T0410: Argument 1 of function "hash" does not match function signature"#,
        ),
        (
            "$hash('a', 5)",
            json!({}),
            r#"T0410: Argument 2 of function "hash" does not match function signature"#,
        ),
        (
            "$hash('a', 'MD5', 1)",
            json!({}),
            r#"T0410: Argument 3 of function "hash" does not match function signature"#,
        ),
    ]);
}

#[test]
fn seeded_random_is_javas() {
    assert_eq!(functions::java_random_double(42), 0.727_563_680_032_868_1);
    assert_eq!(functions::java_random_double(0), 0.730_967_787_376_657);
    check_values(&[
        ("$random(42)", json!({}), json!(0.727_563_680_032_868_1)),
        ("$random(42.9)", json!({}), json!(0.727_563_680_032_868_1)),
        ("$random(42) = $random(42)", json!({}), json!(true)),
    ]);
    check_errors(&[
        (
            "$random('a')",
            json!({}),
            r#"T0410: Argument 1 of function "random" does not match function signature"#,
        ),
        (
            "$random(1, 2)",
            json!({}),
            r#"T0410: Argument 2 of function "random" does not match function signature"#,
        ),
    ]);
}

#[test]
fn randomness_comes_from_the_caller_only_when_named() {
    let st = states(json!({}));
    let vars = Map::new();
    let draw = |source: &str, seed: u64| {
        let mut dice = Dice::new(seed);
        let result =
            Compiled::new(source).and_then(|c| c.evaluate(&st, &vars, &mut || dice.roll()));
        (result, dice.calls)
    };
    for source in [
        "$random()",
        "$uuid()",
        "[$random(), $random(), $uuid()]",
        "$shuffle([1, 2, 3, 4, 5])",
    ] {
        let (first, calls) = draw(source, 1);
        assert_eq!(calls, 1, "{source}");
        assert_eq!(
            first,
            draw(source, 1).0,
            "{source}: same source of randomness, same result"
        );
        assert_ne!(
            first,
            draw(source, 2).0,
            "{source}: another source, another result"
        );
    }
    let (r, _) = draw("$random()", 3);
    let n = r.ok().flatten().and_then(|v| v.as_f64()).unwrap_or(-1.0);
    assert!((0.0..1.0).contains(&n), "{n}");
    let (r, _) = draw("[$random(), $random()]", 3);
    let pair = r.ok().flatten().unwrap_or_default();
    assert_ne!(pair[0], pair[1]);
    for source in ["$states.input", "1 + 1", "$random(42)"] {
        assert_eq!(
            draw(source, 1).1,
            usize::from(source.contains("$random")),
            "{source}"
        );
    }
}

#[test]
fn uuid_is_a_version_4_uuid() {
    let value = eval("$uuid()", json!({}))
        .ok()
        .flatten()
        .unwrap_or_default();
    let uuid = value.as_str().unwrap_or_default();
    let groups: Vec<&str> = uuid.split('-').collect();
    assert_eq!(
        groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
        [8, 4, 4, 4, 12],
        "{uuid}"
    );
    assert!(
        uuid.chars()
            .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    assert!(groups[2].starts_with('4'), "{uuid}");
    assert!(groups[3].starts_with(['8', '9', 'a', 'b']), "{uuid}");
    let two = eval("[$uuid(), $uuid()]", json!({}))
        .ok()
        .flatten()
        .unwrap_or_default();
    assert_ne!(two[0], two[1]);
    check_errors(&[(
        "$uuid(1)",
        json!({}),
        r#"T0410: Argument 1 of function "uuid" does not match function signature"#,
    )]);
}

#[test]
fn parse_as_aws_has_it() {
    // intrinsic_functions/test_json_manipulation_jsonata::test_parse (exec_hist_resp_2, 3, 5)
    for (text, expected) in [
        ("1.1", json!(1.1)),
        ("true", json!(true)),
        (r#"[1, 2, "HelloWorld"]"#, json!([1, 2, "HelloWorld"])),
    ] {
        let input = json!({"FunctionInput": text});
        assert_eq!(
            eval("$parse($states.input.FunctionInput)", input),
            Ok(Some(expected)),
            "{text}"
        );
    }
    check_values(&[
        (
            r#"$parse('{"key": "value"}').key"#,
            json!({}),
            json!("value"),
        ),
        (
            r#"$parse('{"a": {"b": [1, null]}}')"#,
            json!({}),
            json!({"a": {"b": [1, null]}}),
        ),
        ("$parse('null')", json!({}), Value::Null),
        (
            r#"$parse("{'a': 'it\\'s'}")"#,
            json!({}),
            json!({"a": "it's"}),
        ),
        (
            r#"$parse("{'a': 'say \"hi\"'}")"#,
            json!({}),
            json!({"a": "say \"hi\""}),
        ),
        (r#"$parse('  "x"  ')"#, json!({}), json!("x")),
        (
            "$parse('12345678901234567')",
            json!({}),
            json!(12_345_678_901_234_568_i64),
        ),
    ]);
    check_undefined(&[("$parse($nothing)", json!({})), ("$parse()", json!({}))]);
    for bad in [
        "",
        " ",
        "{",
        "[1,]",
        "1 2",
        "NaN",
        r#"{"a": 1, "a": 2}"#,
        "'open",
        "{a: 1}",
        "01",
    ] {
        let input = json!({"text": bad});
        assert_eq!(
            eval("$parse($states.input.text)", input),
            Err("D3137: Invalid JSON".into()),
            "{bad:?}"
        );
    }
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert_eq!(
        eval("$parse($states.input)", json!(deep)),
        Err("D3137: Invalid JSON".into())
    );
    check_errors(&[
        (
            "$parse(1)",
            json!({}),
            r#"T0410: Argument 1 of function "parse" does not match function signature"#,
        ),
        (
            "$parse('1', 2)",
            json!({}),
            r#"T0410: Argument 2 of function "parse" does not match function signature"#,
        ),
    ]);
}

#[test]
fn errors_carry_the_jsonata_code_and_message() {
    check_errors(&[
        (
            "$eval('1 + 1')",
            json!({}),
            "T1006: Attempted to invoke a non-function",
        ),
        (
            "$nosuch()",
            json!({}),
            "T1006: Attempted to invoke a non-function",
        ),
        (
            "$abs('x')",
            json!({}),
            r#"T0410: Argument 1 of function "abs" does not match function signature"#,
        ),
        (
            "$sum(['a'])",
            json!({}),
            r#"T0412: Argument 1 of function "sum" must be an array of "numbers""#,
        ),
        (
            "$states.input.s + 1",
            json!({"s": "a"}),
            r#"T2001: The left side of the "+" operator must evaluate to a number"#,
        ),
        (
            "1 + 'a'",
            json!({}),
            r#"T2002: The right side of the "+" operator must evaluate to a number"#,
        ),
        (
            "'a' < 1",
            json!({}),
            r#"T2009: The values "a" and 1 either side of operator "<" must be of the same data type"#,
        ),
        (
            "[1, 2] < 3",
            json!({}),
            r#"T2010: The expressions either side of operator "<" must evaluate to numeric or string values"#,
        ),
        (
            "$count(1, 2, 3)",
            json!({}),
            r#"T0410: Argument 2 of function "count" does not match function signature"#,
        ),
        ("$error('boom')", json!({}), "D3137: boom"),
        ("$assert(false, 'no')", json!({}), "D3141: no"),
        (
            "$number('x')",
            json!({}),
            r#"D3030: Unable to cast value to a number: "x""#,
        ),
        (
            "$formatNumber(1, 'x')",
            json!({}),
            "D3086: The sub-picture must not contain a passive character that is preceded by an active character and that is followed by another active character",
        ),
        ("[1/0]", json!({}), "D1001: Number out of range: null"),
        ("1/0 + 1", json!({}), "D1001: Number out of range: null"),
    ]);
}

#[test]
fn top_level_arithmetic_that_is_not_finite_is_written_as_aws_writes_it() {
    check_values(&[
        ("1/0", json!({}), json!("Infinity")),
        ("-1/0", json!({}), json!("-Infinity")),
        ("$states.input.n / 0", json!({"n": -3}), json!("-Infinity")),
        ("1e308 * 10", json!({}), json!("Infinity")),
        ("0/0", json!({}), json!("NaN")),
        ("5 % 0", json!({}), json!("NaN")),
        ("6/3", json!({}), json!(2)),
    ]);
}

#[test]
fn evaluation_is_bounded() {
    let chain = |n: usize| vec!["1"; n].join(" + ");
    // AWS: a chain of 100 evaluates, 101 nests too deep.
    assert_eq!(eval(&chain(100), json!({})), Ok(Some(json!(100))));
    check_errors(&[
        (&chain(101), json!({}), STACK_OVERFLOW),
        (
            "($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(1000))",
            json!({}),
            STACK_OVERFLOW,
        ),
        ("($f := function(){ $f() }; $f())", json!({}), TIMEOUT),
        (
            "($loop := function($i){ $i < 0 ? 0 : $loop($i + 1) }; $loop(0))",
            json!({}),
            TIMEOUT,
        ),
        ("$count([1..873783])", json!({}), MEMORY),
        ("$pad('', 7000000)", json!({}), MEMORY),
        // Catastrophic backtracking: the step budget or, in a slow build, the safety net.
        (
            "$replace($pad('', 60, 'a'), /(a*)*b/, 'x')",
            json!({}),
            TIMEOUT,
        ),
    ]);
    assert_eq!(
        eval("$count([1..873782])", json!({})),
        Ok(Some(json!(873_782)))
    );
}

#[test]
fn depth_is_bounded_where_aws_bounds_it() {
    // As measured against AWS: 99 parentheses evaluate and 100 do not; a recursion that is not a
    // tail call nests 3n + 5 levels, so n = 31 evaluates and n = 32 does not.
    let nested =
        |open: &str, close: &str, n: usize| format!("{}1{}", open.repeat(n), close.repeat(n));
    let recursion =
        |n: usize| format!("($f := function($n){{ $n = 0 ? 0 : 1 + $f($n - 1) }}; $f({n}))");
    let cases = [
        (nested("(", ")", 99), Ok(Some(json!(1)))),
        (nested("(", ")", 100), Err(STACK_OVERFLOW.to_owned())),
        (nested("[", "]", 100), Err(STACK_OVERFLOW.to_owned())),
        (recursion(25), Ok(Some(json!(25)))),
        (recursion(31), Ok(Some(json!(31)))),
        (recursion(32), Err(STACK_OVERFLOW.to_owned())),
    ];
    for (source, expected) in cases {
        assert_eq!(eval(&source, json!({})), expected, "{source:.30}");
    }
    let brackets = eval(&nested("[", "]", 99), json!({}));
    assert!(
        matches!(brackets, Ok(Some(Value::Array(_)))),
        "{brackets:?}"
    );
}

#[test]
fn now_and_millis_read_the_time_the_state_was_entered() {
    check_values(&[
        ("$millis()", json!({}), json!(1_704_164_645_678_i64)),
        ("$now()", json!({}), json!("2024-01-02T03:04:05.678Z")),
        (
            "$now('[Y0001]-[M01]-[D01]')",
            json!({}),
            json!("2024-01-02"),
        ),
        (
            "$millis() = $toMillis($states.context.State.EnteredTime)",
            json!({}),
            json!(true),
        ),
    ]);
    let execution_only =
        json!({"input": {}, "context": {"Execution": {"StartTime": "2024-01-01T00:00:00Z"}}});
    assert_eq!(
        eval_with("$millis()", &execution_only, &json!({})),
        Ok(Some(json!(1_704_067_200_000_i64)))
    );
    assert_eq!(
        eval_with("$millis()", &json!({"input": {}}), &json!({})),
        Ok(Some(json!(0)))
    );
}

#[test]
fn timestamps_are_read_as_rfc_3339() {
    let cases = [
        ("1970-01-01T00:00:00Z", Some(0)),
        ("1970-01-01T00:00:01.5Z", Some(1_500)),
        ("2024-01-02T03:04:05.678Z", Some(1_704_164_645_678)),
        ("2024-01-02T03:04:05.678912Z", Some(1_704_164_645_678)),
        ("2024-01-02T04:04:05.678+01:00", Some(1_704_164_645_678)),
        ("2024-01-02T02:34:05.678-00:30", Some(1_704_164_645_678)),
        ("2000-02-29T12:00:00Z", Some(951_825_600_000)),
        ("1969-12-31T23:59:59Z", Some(-1_000)),
        ("2024-01-02T03:04:05", None),
        ("2024-13-02T03:04:05Z", None),
        ("2024-01-02T25:04:05Z", None),
        ("2024-01-02T03:04:05Zjunk", None),
        ("not a date", None),
        ("", None),
        ("2024-01-02T03:04:05+0100", None),
    ];
    for (text, expected) in cases {
        assert_eq!(timestamp_millis(text), expected, "{text}");
    }
}

#[test]
fn failure_sentences_are_aws_sentences() {
    assert_eq!(
        failure_sentence(
            "$abs('x')",
            "Output",
            r#"T0410: Argument 1 of function "abs" does not match function signature"#
        ),
        r#"The JSONata expression '$abs('x')' specified for the field 'Output' threw an error during evaluation. T0410: Argument 1 of function "abs" does not match function signature"#
    );
    assert_eq!(
        failure_sentence("$f()", "Assign/x", TIMEOUT),
        "The JSONata expression '$f()' specified for the field 'Assign/x' threw an error during evaluation: Expression evaluation timeout: Check for infinite loop"
    );
}

#[test]
fn compile_errors_are_returned_not_raised() {
    for source in [
        "",
        "$states.input.",
        "(",
        "a[1,2)",
        "'open",
        &"(".repeat(100_000),
    ] {
        assert!(Compiled::new(source).is_err(), "{source:.20}");
    }
    assert_eq!(
        Compiled::new("1 +").err(),
        Some("S0207: Unexpected end of expression".into())
    );
}

#[test]
fn compiled_expressions_are_shared_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Compiled>();
    let compiled = Arc::new(Compiled::new("$states.input.n * $k").ok());
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let compiled = Arc::clone(&compiled);
            std::thread::spawn(move || {
                let vars: Map<String, Value> = [("k".to_owned(), json!(i))].into_iter().collect();
                compiled
                    .as_ref()
                    .as_ref()
                    .map(|c| c.evaluate(&states(json!({"n": 10})), &vars, &mut || 0))
            })
        })
        .collect();
    for (i, handle) in handles.into_iter().enumerate() {
        assert_eq!(handle.join().ok().flatten(), Some(Ok(Some(json!(10 * i)))));
    }
}

#[test]
fn hostile_expressions_fail_cleanly() {
    let sources = [
        "$partition($range(1, 360145, 1), 1)",
        "$string($states)",
        "$map([1..1000], function($v){ $hash($string($v), 'SHA-512') })",
        "$sort([1..100000], function($a, $b){ $a < $b })",
        "$reduce([1..100000], function($a, $b){ $a + $b })",
        "'a' & $join($map([1..100000], $string))",
        "$states.context.**",
        "$parse($string([[[[[[[[[[1]]]]]]]]]]))",
        "$lookup($states, 'input')",
        "$spread($states.context)",
        "$random(1e300) + $random(-1e300)",
        "$range(-9223372036854775808, 9223372036854775807, 9223372036854775807)",
        "$partition([1], 1e300)",
        "$fromMillis(1e300)",
        "$toMillis('garbage')",
        "$states.input ~> $merge()",
    ];
    for source in sources {
        let _ = eval(source, json!({"a": [1, 2]}));
    }
}
