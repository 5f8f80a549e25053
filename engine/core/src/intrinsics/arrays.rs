//! The array intrinsics: Array, ArrayPartition, ArrayContains, ArrayRange, ArrayGetItem, ArrayLength,
//! ArrayUnique.

use super::{clone, java, single, truncated_int};
use serde_json::Value;

/// Most items ArrayRange may produce.
const MAX_RANGE_ITEMS: i64 = 1000;

/// `States.Array(values...)`: the values as an array.
pub(super) fn array(args: &[Value]) -> Option<Value> {
    Some(Value::Array(args.iter().map(clone).collect()))
}

/// `States.ArrayPartition(array, size)`: chunks of `size` items, the last one shorter; size must be >= 1.
pub(super) fn array_partition(args: &[Value]) -> Option<Value> {
    let [Value::Array(items), size] = args else {
        return None;
    };
    let size = usize::try_from(truncated_int(size)?)
        .ok()
        .filter(|s| *s >= 1)?;
    let chunks = items
        .chunks(size)
        .map(|chunk| Value::Array(chunk.iter().map(clone).collect()));
    Some(Value::Array(chunks.collect()))
}

/// `States.ArrayContains(array, value)`. AWS compares the printed forms (`String.valueOf`), so `true`
/// matches `"true"`, `1` matches `"1"`, and `{"a":1,"b":2}` does not match `{"b":2,"a":1}`.
pub(super) fn array_contains(args: &[Value]) -> Option<Value> {
    let [Value::Array(items), wanted] = args else {
        return None;
    };
    let wanted = java::to_string(wanted);
    Some(Value::Bool(
        items.iter().any(|item| java::to_string(item) == wanted),
    ))
}

/// `States.ArrayRange(start, end, step)`: `start`, `start + step`, ... up to and including `end`; empty when
/// the step points away from `end`. The step must not be 0 and the result must not exceed 1000 items.
pub(super) fn array_range(args: &[Value]) -> Option<Value> {
    let [start, end, step] = args else {
        return None;
    };
    let start = i64::from(truncated_int(start)?);
    let end = i64::from(truncated_int(end)?);
    let step = i64::from(truncated_int(step)?);
    let count = match step {
        0 => return None,
        s if (s > 0 && start <= end) || (s < 0 && start >= end) => (end - start) / step + 1,
        _ => 0,
    };
    if count > MAX_RANGE_ITEMS {
        return None;
    }
    Some(Value::Array(
        (0..count).map(|i| Value::from(start + i * step)).collect(),
    ))
}

/// `States.ArrayGetItem(array, index)`. A negative or too large index is refused, except that AWS returns
/// `null` for any index into an empty array.
pub(super) fn array_get_item(args: &[Value]) -> Option<Value> {
    let [Value::Array(items), index] = args else {
        return None;
    };
    let index = usize::try_from(truncated_int(index)?).ok()?;
    if items.is_empty() {
        return Some(Value::Null);
    }
    items.get(index).map(clone)
}

/// `States.ArrayLength(array)`.
pub(super) fn array_length(args: &[Value]) -> Option<Value> {
    single(args)?.as_array().map(|items| items.len().into())
}

/// `States.ArrayUnique(array)`: the distinct items, in the order AWS's Java `HashSet` gives them
/// (`[true, false]` comes back as `[false, true]`).
pub(super) fn array_unique(args: &[Value]) -> Option<Value> {
    let items = single(args)?.as_array()?;
    Some(Value::Array(java::hash_set_order(items)))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{run, table};
    use serde_json::json;
    use stepd_asl::intrinsic::Function;

    #[test]
    fn array() {
        table(
            Function::Array,
            &[
                // test_array::test_array_0 and test_array_2.
                (json!([]), Some(json!([]))),
                (json!([" ", " "]), Some(json!([" ", " "]))),
                (
                    json!([null, 1, 1.1, {"Arg1": 1, "Arg2": []}]),
                    Some(json!([null, 1, 1.1, {"Arg1": 1, "Arg2": []}])),
                ),
            ],
        );
    }

    #[test]
    fn array_partition() {
        table(
            Function::ArrayPartition,
            &[
                // test_array::test_array_partition exec_hist_resp_0..24.
                (json!([[], 1]), Some(json!([]))),
                (json!([[], 5]), Some(json!([]))),
                (json!([[0], 1]), Some(json!([[0]]))),
                (json!([[0], 4]), Some(json!([[0]]))),
                (json!([[0, 1], 1]), Some(json!([[0], [1]]))),
                (json!([[0, 1, 2], 2]), Some(json!([[0, 1], [2]]))),
                (json!([[0, 1, 2, 3], 3]), Some(json!([[0, 1, 2], [3]]))),
                (json!([[0, 1, 2, 3], 5]), Some(json!([[0, 1, 2, 3]]))),
                (json!([[1, 2, 3], 2147483647]), Some(json!([[1, 2, 3]]))),
                // AWS truncates a fractional size: 2.6 acts as 2, 0.6 as 0 (refused).
                (
                    json!([[1, 2, 3, 4, 5], 2.6]),
                    Some(json!([[1, 2], [3, 4], [5]])),
                ),
                (
                    json!([[[1], {"a": 1}], 1]),
                    Some(json!([[[1]], [{"a": 1}]])),
                ),
                (json!([[1, 2, 3], 0]), None),
                (json!([[1, 2, 3], -1]), None),
                (json!([[1, 2, 3], 0.6]), None),
                (json!([[1, 2, 3], -0.4]), None),
                (json!([[1, 2, 3], 3000000000u64]), None),
                (json!([[1, 2, 3], "2"]), None),
                (json!([[1, 2, 3], null]), None),
                (json!(["not-array", 2]), None),
                (json!([[1, 2, 3]]), None),
                (json!([[1, 2, 3], 2, 999]), None),
            ],
        );
    }

    #[test]
    fn array_contains() {
        table(
            Function::ArrayContains,
            &[
                // test_array::test_array_contains exec_hist_resp_1, 2, 4, 6, 7.
                (json!([[], []]), Some(json!(false))),
                (json!([[], 1]), Some(json!(false))),
                (json!([[[1, 2, 3], 2], [1, 2, 3]]), Some(json!(true))),
                (
                    json!([[{"1": 2, "2": []}], {"1": 2, "2": []}]),
                    Some(json!(true)),
                ),
                (json!([[true, false], true]), Some(json!(true))),
                (json!([[true, false], false]), Some(json!(true))),
                (json!([[[1, 2, 3], 2], null]), Some(json!(false))),
                (json!([[1, null, 3], null]), Some(json!(true))),
                (
                    json!([[{"a": 1}], {"a": 1, "extra": null}]),
                    Some(json!(false)),
                ),
                (json!([[0, 1, -1, -1.5], false]), Some(json!(false))),
                // AWS compares printed forms: member order counts, "true" matches true.
                (
                    json!([[{"a": 1, "b": 2}], {"b": 2, "a": 1}]),
                    Some(json!(false)),
                ),
                (json!([["true", "false"], true]), Some(json!(true))),
                (
                    json!([["-1", "9007199254740991"], 9007199254740991u64]),
                    Some(json!(true)),
                ),
                (json!([[1.0], 1]), Some(json!(false))),
                (json!(["not-array", "x"]), None),
                (json!([{"a": 1}, 1]), None),
                (json!([[1, 2, 3]]), None),
                (json!([[1, 2, 3], 2, 999]), None),
            ],
        );
    }

    #[test]
    fn array_range() {
        table(
            Function::ArrayRange,
            &[
                // test_array::test_array_range exec_hist_resp_0, 3; MAP_STATE_CONFIG_DISTRIBUTED_REENTRANT.
                (json!([0, 9, 3]), Some(json!([0, 3, 6, 9]))),
                (json!([1, 9, 2]), Some(json!([1, 3, 5, 7, 9]))),
                (json!([0, 10, 3]), Some(json!([0, 3, 6, 9]))),
                (json!([1, 9, 9]), Some(json!([1]))),
                (json!([0, 3, 1]), Some(json!([0, 1, 2, 3]))),
                (json!([-2, 2, 2]), Some(json!([-2, 0, 2]))),
                (json!([3, 3, -1]), Some(json!([3]))),
                (json!([5, 1, -2]), Some(json!([5, 3, 1]))),
                (json!([5, 1, 1]), Some(json!([]))),
                (json!([1, 5, -1]), Some(json!([]))),
                // AWS truncates fractions: (1.6, 1.4, 1) acts as (1, 1, 1), (5.4, -0.6, -2.4) as (5, 0, -2).
                (json!([1.4, 5.6, 2.2]), Some(json!([1, 3, 5]))),
                (json!([1.6, 1.4, 1]), Some(json!([1]))),
                (json!([5.4, -0.6, -2.4]), Some(json!([5, 3, 1]))),
                (json!([1, 10, 0]), None),
                (json!([1, 10, 0.49]), None),
                (json!([1, 1001, 1]), None),
                (json!([1001, 1, -1]), None),
                (json!([-2147483648, 2147483647, 1]), None),
                (json!([3000000000u64, 3000000001u64, 1]), None),
                (json!(["a", 5, 1]), None),
                (json!([1, "b", 1]), None),
                (json!([1, 5, "c"]), None),
                (json!([1, 5, null]), None),
                (json!([1, 5]), None),
                (json!([1, 5, 1, 99]), None),
            ],
        );
        for (args, first, last) in [
            (json!([1, 1000, 1]), 1, 1000),
            (json!([1000, 1, -1]), 1000, 1),
        ] {
            let out = run(Function::ArrayRange, &args).expect("1000 items are allowed");
            let items = out.as_array().expect("an array");
            assert_eq!(
                (items.len(), items.first(), items.last()),
                (1000, Some(&json!(first)), Some(&json!(last)))
            );
        }
    }

    #[test]
    fn array_get_item() {
        table(
            Function::ArrayGetItem,
            &[
                // test_array::test_array_get_item exec_hist_resp_0.
                (json!([[1, 2, 3, 4, 5, 6, 7, 8, 9], 5]), Some(json!(6))),
                (json!([["a", "b", "c"], 0]), Some(json!("a"))),
                (json!([[null], 0]), Some(json!(null))),
                (json!([[{"a": 1}, {"b": 2}], 1]), Some(json!({"b": 2}))),
                (json!([[10, 20, 30], 1.2]), Some(json!(20))),
                (json!([[], 999]), Some(json!(null))),
                (json!([[], 0]), Some(json!(null))),
                (json!([[10, 20, 30], 3]), None),
                (json!([[10, 20, 30], -1]), None),
                (json!([[10, 20, 30], "1"]), None),
                (json!([[10, 20, 30], 3000000000u64]), None),
                (json!(["not-array", 0]), None),
                (json!([[10, 20, 30]]), None),
                (json!([[10, 20, 30], 1, 999]), None),
            ],
        );
    }

    #[test]
    fn array_length() {
        table(
            Function::ArrayLength,
            &[
                // test_array::test_array_length exec_hist_resp_0 (an integer, not 9.0).
                (json!([[1, 2, 3, 4, 5, 6, 7, 8, 9]]), Some(json!(9))),
                (json!([[]]), Some(json!(0))),
                (json!([[[1], [2], [3]]]), Some(json!(3))),
                (json!(["not-array"]), None),
                (json!([{"k": 1}]), None),
                (json!([null]), None),
                (json!([]), None),
                (json!([[1], 999]), None),
            ],
        );
    }

    #[test]
    fn array_unique() {
        table(
            Function::ArrayUnique,
            &[
                (json!([[1, 2, 2, 3, 3, 4]]), Some(json!([1, 2, 3, 4]))),
                (
                    json!([["a", "b", "a", "c", "b"]]),
                    Some(json!(["a", "b", "c"])),
                ),
                (json!([[null, null, 1, null]]), Some(json!([null, 1]))),
                (json!([[1, "1", 1, "01"]]), Some(json!([1, "1", "01"]))),
                (
                    json!([[{"a": 1, "b": 2}, {"b": 2, "a": 1}]]),
                    Some(json!([{"a": 1, "b": 2}])),
                ),
                (json!([[]]), Some(json!([]))),
                // Java HashSet order, as AWS returns it.
                (
                    json!([[true, false, true, false]]),
                    Some(json!([false, true])),
                ),
                (
                    json!([[[1, 2], [1, 2], [2, 1]]]),
                    Some(json!([[2, 1], [1, 2]])),
                ),
                (json!(["not-array"]), None),
                (json!([{"a": 1}]), None),
                (json!([]), None),
                (json!([[1, 1], 123]), None),
            ],
        );
    }
}
