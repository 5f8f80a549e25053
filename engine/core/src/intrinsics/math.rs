//! The number intrinsics: MathRandom and MathAdd.

use super::{java, rounded_int, truncated_int, truncated_long};
use serde_json::Value;

/// `States.MathRandom(start, end[, seed])`: an integer in [start, end). With a seed the draw is
/// `new java.util.Random(seed).nextInt(end - start) + start`, so the same seed always gives the same number.
pub(super) fn math_random(args: &[Value], random: &mut dyn FnMut() -> u64) -> Option<Value> {
    let (start, end, seed) = match args {
        [start, end] => (start, end, None),
        [start, end, seed] => (start, end, Some(seed)),
        _ => return None,
    };
    let start = truncated_int(start)?;
    let end = truncated_int(end)?;
    // end - start is a Java int: a span wider than that is refused, as an empty one is.
    let bound = i32::try_from(i64::from(end) - i64::from(start))
        .ok()
        .filter(|b| *b > 0)?;
    let offset = match seed {
        Some(seed) => java::Random::new(truncated_long(seed)?).next_int(bound),
        None => (random() % u64::from(bound.unsigned_abs())) as i32, // bound > 0
    };
    Some(Value::from(i64::from(start) + i64::from(offset)))
}

/// `States.MathAdd(a, b)`: both rounded to Java `int`s (`Math.round`), and the sum must be one too.
pub(super) fn math_add(args: &[Value]) -> Option<Value> {
    let [a, b] = args else {
        return None;
    };
    let sum = i64::from(rounded_int(a)?) + i64::from(rounded_int(b)?);
    i32::try_from(sum).ok().map(Value::from)
}

#[cfg(test)]
mod tests {
    use super::super::apply;
    use super::super::testing::{counter, run, table};
    use serde_json::json;
    use stepd_asl::intrinsic::Function;

    #[test]
    fn math_random() {
        // test_math_operations::test_math_random exec_hist_resp_1, 2 (any number in range).
        for (args, range) in [
            (json!([9999, 99999]), 9999..99999),
            (json!([-99999, -9999]), -99999..-9999),
            (json!([12.5, 44.51]), 12..44),
            (json!([1.6, 5.4]), 1..5),
            (json!([0, 1]), 0..1),
            (json!([-2147483647, 0]), -2147483647..0),
            (json!([2147483640, 2147483647, 1]), 2147483640..2147483647),
            (json!([1, 10, -10]), 1..10),
            (json!([1, 10, 0]), 1..10),
            (json!([1, 10, 2.6]), 1..10),
        ] {
            for _ in 0..20 {
                let n = run(Function::MathRandom, &args)
                    .expect("a number")
                    .as_i64()
                    .expect("an integer");
                assert!(range.contains(&n), "{args} gave {n}");
            }
        }
        // Unseeded draws come from `random`; seeded ones do not.
        let mut random = counter();
        let draws: Vec<_> = (0..5)
            .map(|_| apply(Function::MathRandom, &[json!(0), json!(1000)], &mut random))
            .collect();
        assert!(draws.windows(2).any(|w| w[0] != w[1]));
        let mut random = counter();
        let seeded: Vec<_> = (0..5)
            .map(|_| {
                apply(
                    Function::MathRandom,
                    &[json!(0), json!(999), json!(3)],
                    &mut random,
                )
            })
            .collect();
        assert!(seeded.windows(2).all(|w| w[0] == w[1]));
        // new java.util.Random(42).nextInt(10) is 0.
        assert_eq!(run(Function::MathRandom, &json!([0, 10, 42])), Ok(json!(0)));
        assert_eq!(run(Function::MathRandom, &json!([5, 15, 42])), Ok(json!(5)));
        table(
            Function::MathRandom,
            &[
                (json!([1, 1]), None),
                (json!([10, 5]), None),
                (json!([1.49, 1.49]), None),
                (json!([1.4, 1.6]), None),
                (json!([-2147483648, 2147483647]), None),
                (json!([-2147483648, 0]), None),
                (json!([1, 3000000000u64]), None),
                (json!(["a", 10]), None),
                (json!([1, "b"]), None),
                (json!([1, 10, "seed"]), None),
                (json!([1, 10, null]), None),
                (json!([1, 10, 18446744073709551615u64]), None),
                (json!([1]), None),
                (json!([1, 10, 5, 99]), None),
            ],
        );
    }

    #[test]
    fn math_add() {
        table(
            Function::MathAdd,
            &[
                // test_math_operations::test_math_add exec_hist_resp_1..20: each operand rounded half up.
                (json!([1.49, 1.5]), Some(json!(3))),
                (json!([1.5, 1.51]), Some(json!(4))),
                (json!([-1.49, -1.5]), Some(json!(-2))),
                (json!([-1.5, -1.51]), Some(json!(-3))),
                (json!([1.49, -1.49]), Some(json!(0))),
                (json!([1.5, 0]), Some(json!(2))),
                (json!([1.51, 0]), Some(json!(2))),
                (json!([0.5, 0]), Some(json!(1))),
                (json!([3.5, 0]), Some(json!(4))),
                (json!([-0.5, 0.5]), Some(json!(1))),
                (json!([-1.5, 0]), Some(json!(-1))),
                (json!([-2.5, 0]), Some(json!(-2))),
                (json!([-3.5, 0]), Some(json!(-3))),
                // BASE_REFERENCE_IN_INTRINSIC_FUNCTION; MAP_STATE_CONFIG_DISTRIBUTED_REENTRANT.
                (json!([5, 3]), Some(json!(8))),
                (json!([3, -1]), Some(json!(2))),
                (json!([1.6, 2.7]), Some(json!(5))),
                (json!([0.1, 0.2]), Some(json!(0))),
                (json!([2147483646, 1]), Some(json!(2147483647))),
                (json!([-2147483647, -1]), Some(json!(-2147483648))),
                (json!([2147483647, 1]), None),
                (json!([-2147483648, -1]), None),
                (json!([3000000000u64, 1]), None),
                (json!([-3000000000i64, 1]), None),
                (json!([2147483647.5, 0]), None),
                (json!(["a", 1]), None),
                (json!(["1.5", 2]), None),
                (json!([1, "b"]), None),
                (json!([null, 1]), None),
                (json!([true, 1]), None),
                (json!([-1, [0, 1]]), None),
                (json!([1]), None),
                (json!([1, 2, 999]), None),
            ],
        );
    }
}
