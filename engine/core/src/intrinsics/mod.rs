//! The 18 intrinsic functions (`States.Format`, `States.ArrayRange`, ...) applied to evaluated arguments,
//! with the argument rules, limits and quirks AWS Step Functions shows at run time.
//!
//! Every refusal has the one cause AWS gives, `Invalid arguments in States.<Name>` (wrong count, wrong type,
//! out of range, over a limit). Numbers that must be integers are Java `int`s: an integer outside that range
//! is refused, a fraction is truncated toward zero, except in `States.MathAdd`, which rounds half up as
//! `Math.round` does (1.5 gives 2, -1.5 gives -1). Values print as AWS's Java runtime prints them.
//!
//! `arrays.rs`, `text.rs` (strings and JSON), `math.rs` and `codec.rs` (Base64, Hash, UUID) hold the
//! functions; `java.rs` the Java behaviours they reproduce.

mod arrays;
mod codec;

pub(crate) use codec::{digest, uuid_v4};
mod java;
mod math;
mod text;

use serde_json::{Number, Value};
use stepd_asl::intrinsic::Function;

/// Applies an intrinsic function to arguments that are already evaluated (paths resolved, nested calls
/// already applied). `random` supplies randomness (the core is deterministic: no ambient RNG or clock).
/// `Err(cause)`: the interpreter raises `States.IntrinsicFailure` with this cause text.
pub(crate) fn apply(
    function: Function,
    args: &[Value],
    random: &mut dyn FnMut() -> u64,
) -> Result<Value, String> {
    evaluate(function, args, random)
        .ok_or_else(|| format!("Invalid arguments in {}", function.name()))
}

fn evaluate(function: Function, args: &[Value], random: &mut dyn FnMut() -> u64) -> Option<Value> {
    match function {
        Function::Format => text::format(args),
        Function::StringToJson => text::string_to_json(args),
        Function::JsonToString => text::json_to_string(args),
        Function::Array => arrays::array(args),
        Function::ArrayPartition => arrays::array_partition(args),
        Function::ArrayContains => arrays::array_contains(args),
        Function::ArrayRange => arrays::array_range(args),
        Function::ArrayGetItem => arrays::array_get_item(args),
        Function::ArrayLength => arrays::array_length(args),
        Function::ArrayUnique => arrays::array_unique(args),
        Function::Base64Encode => codec::base64_encode(args),
        Function::Base64Decode => codec::base64_decode(args),
        Function::Hash => codec::hash(args),
        Function::JsonMerge => text::json_merge(args),
        Function::MathRandom => math::math_random(args, random),
        Function::MathAdd => math::math_add(args),
        Function::StringSplit => text::string_split(args),
        Function::Uuid => codec::uuid(args, random),
    }
}

/// The argument of a one-argument function.
pub(super) fn single(args: &[Value]) -> Option<&Value> {
    match args {
        [arg] => Some(arg),
        _ => None,
    }
}

/// A number as a Java `int`: integers must fit, fractions are truncated (saturating, as Java casts).
pub(super) fn truncated_int(value: &Value) -> Option<i32> {
    let n = number(value)?;
    if n.is_f64() {
        n.as_f64().map(|f| f as i32)
    } else {
        i32::try_from(n.as_i64()?).ok()
    }
}

/// A number as a Java `long`, fractions truncated (the seed of MathRandom).
pub(super) fn truncated_long(value: &Value) -> Option<i64> {
    let n = number(value)?;
    if n.is_f64() {
        n.as_f64().map(|f| f as i64)
    } else {
        n.as_i64()
    }
}

/// A number rounded as `Math.round` does; integers and results must fit a Java `int`.
pub(super) fn rounded_int(value: &Value) -> Option<i32> {
    let n = number(value)?;
    let i = if n.is_f64() {
        java::round(n.as_f64()?)
    } else {
        n.as_i64()?
    };
    i32::try_from(i).ok()
}

fn number(value: &Value) -> Option<&Number> {
    match value {
        Value::Number(n) => Some(n),
        _ => None,
    }
}

/// `Value::clone` without recursion limits: the derived clone of a deeply nested value overflows the stack.
pub(super) fn clone(value: &Value) -> Value {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || match value {
        Value::Array(items) => Value::Array(items.iter().map(clone).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), clone(v))).collect())
        }
        scalar => scalar.clone(),
    })
}

/// Helpers for the tests of every file here.
#[cfg(test)]
mod testing {
    use super::apply;
    use serde_json::Value;
    use stepd_asl::intrinsic::Function;

    /// A deterministic `random`: the multiples of the golden-ratio constant.
    pub(super) fn counter() -> impl FnMut() -> u64 {
        let mut n = 0u64;
        move || {
            n += 1;
            n.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        }
    }

    pub(super) fn run(function: Function, args: &Value) -> Result<Value, String> {
        apply(
            function,
            args.as_array().expect("arguments as an array"),
            &mut counter(),
        )
    }

    pub(super) fn refused(function: Function) -> Result<Value, String> {
        Err(format!("Invalid arguments in {}", function.name()))
    }

    /// Each case: the arguments, then the result, or `None` where AWS refuses the call.
    pub(super) fn table(function: Function, cases: &[(Value, Option<Value>)]) {
        for (args, expected) in cases {
            let expected = expected.clone().map_or_else(|| refused(function), Ok);
            assert_eq!(run(function, args), expected, "{}{args}", function.name());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{counter, refused};
    use super::*;
    use serde_json::json;
    use stepd_asl::intrinsic::{Arg, Call};

    /// Evaluates a call written as in a definition (literal arguments and nested calls).
    fn eval(source: &str) -> Result<Value, String> {
        fn call(c: &Call, random: &mut dyn FnMut() -> u64) -> Result<Value, String> {
            let mut args = Vec::new();
            for arg in &c.args {
                args.push(match arg {
                    Arg::Literal(v) => v.clone(),
                    Arg::Call(inner) => call(inner, random)?,
                    Arg::Path(_) => panic!("no paths in these tests"),
                });
            }
            apply(c.function, &args, random)
        }
        call(&Call::parse(source).expect("a valid call"), &mut counter())
    }

    #[test]
    fn calls_as_the_parser_hands_them_over() {
        for (source, expected) in [
            (
                r"States.Format('a \{\} {} \'q\'', 'x')",
                json!("a {} x 'q'"),
            ),
            (
                "States.JsonToString(States.Array(1, 'b', true, null))",
                json!("[1,\"b\",true,null]"),
            ),
            ("States.Array()", json!([])),
            (
                "States.ArrayGetItem(States.StringSplit('a-b-c', '-'), \
                 States.MathAdd(States.ArrayLength(States.StringSplit('a-b-c', '-')), -1))",
                json!("c"),
            ),
            (
                "States.Base64Decode(States.Base64Encode('hello'))",
                json!("hello"),
            ),
            (
                "States.StringToJson(States.JsonToString(States.Array(-1, 2.5)))",
                json!([-1, 2.5]),
            ),
        ] {
            assert_eq!(eval(source), Ok(expected), "{source}");
        }
        assert_eq!(eval("States.Format('{', 'x')"), refused(Function::Format));
    }

    #[test]
    fn no_argument_makes_a_function_panic() {
        let samples = [
            json!(null),
            json!(true),
            json!(0),
            json!(-1),
            json!(0.5),
            json!(-0.0),
            json!(2147483647),
            json!(-2147483648),
            json!(9223372036854775807i64),
            json!(18446744073709551615u64),
            json!(1e300),
            json!(-1e300),
            json!(""),
            json!("{}"),
            json!("[1"),
            json!("MD5"),
            json!("=\\{"),
            json!([]),
            json!([[1], {"a": 1}]),
            json!({}),
            json!({"a": [null]}),
        ];
        let functions = [
            Function::Format,
            Function::StringToJson,
            Function::JsonToString,
            Function::Array,
            Function::ArrayPartition,
            Function::ArrayContains,
            Function::ArrayRange,
            Function::ArrayGetItem,
            Function::ArrayLength,
            Function::ArrayUnique,
            Function::Base64Encode,
            Function::Base64Decode,
            Function::Hash,
            Function::JsonMerge,
            Function::MathRandom,
            Function::MathAdd,
            Function::StringSplit,
            Function::Uuid,
        ];
        let mut random = counter();
        for function in functions {
            let _ = apply(function, &[], &mut random);
            for a in &samples {
                let _ = apply(function, std::slice::from_ref(a), &mut random);
                for b in &samples {
                    let _ = apply(function, &[a.clone(), b.clone()], &mut random);
                    for c in &samples {
                        let _ = apply(function, &[a.clone(), b.clone(), c.clone()], &mut random);
                    }
                }
            }
        }
    }

    #[test]
    fn deeply_nested_values_do_not_overflow_the_stack() {
        fn deep() -> Value {
            let mut v = json!(0);
            for _ in 0..100_000 {
                v = Value::Array(vec![v]);
            }
            v
        }
        let calls = [
            (Function::Format, vec![json!("{}"), deep()]),
            (Function::JsonToString, vec![deep()]),
            (
                Function::ArrayContains,
                vec![Value::Array(vec![deep()]), deep()],
            ),
            (
                Function::ArrayUnique,
                vec![Value::Array(vec![deep(), deep()])],
            ),
            (Function::Hash, vec![deep(), json!("MD5")]),
            (Function::Array, vec![deep()]),
            (
                Function::ArrayGetItem,
                vec![Value::Array(vec![deep()]), json!(0)],
            ),
            (
                Function::ArrayPartition,
                vec![Value::Array(vec![deep()]), json!(1)],
            ),
            // Not `json!({"a": deep()})`: the macro serializes the value, recursively.
            (
                Function::JsonMerge,
                vec![
                    json!({}),
                    Value::Object(serde_json::Map::from_iter([("a".into(), deep())])),
                    json!(false),
                ],
            ),
        ];
        for (function, args) in calls {
            let out = apply(function, &args, &mut counter());
            match (function, &out) {
                (Function::Format | Function::JsonToString, Ok(Value::String(s))) => {
                    assert!(s.len() > 200_000)
                }
                (Function::ArrayContains, Ok(found)) => assert_eq!(found, &json!(true)),
                (Function::ArrayUnique, Ok(Value::Array(items))) => assert_eq!(items.len(), 1),
                (Function::Hash, Err(_)) => {} // its printed form is over 10,000 characters
                (_, out) => assert!(out.is_ok(), "{}", function.name()),
            }
            stepd_asl::drop_deep(out.unwrap_or_default());
            stepd_asl::drop_deep(Value::Array(args));
        }
    }
}
