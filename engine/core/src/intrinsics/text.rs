//! The string and JSON intrinsics: Format, StringSplit, StringToJson, JsonToString, JsonMerge.

use super::{clone, java, single};
use serde_json::{Map, Value};

/// `States.Format(template, values...)`: each `{}` takes the next value as Java prints it (strings bare,
/// `null`, `1.5`, `{a=1, b=[x]}`). `\{` and `\}` (kept escaped by the parser) are literal braces; any other
/// brace, and a count of values that differs from the count of `{}`, is refused.
pub(super) fn format(args: &[Value]) -> Option<Value> {
    let (Value::String(template), mut values) = args.split_first()? else {
        return None;
    };
    let mut out = String::with_capacity(template.len());
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if matches!(chars.peek(), Some('{' | '}')) => out.push(chars.next()?),
            '{' if chars.peek() == Some(&'}') => {
                chars.next();
                let (value, rest) = values.split_first()?;
                out.push_str(&java::to_string(value));
                values = rest;
            }
            '{' | '}' => return None,
            c => out.push(c),
        }
    }
    values.is_empty().then_some(Value::String(out))
}

/// `States.StringSplit(text, delimiters)`: splits at every character of `delimiters` and, like Java's
/// `StringTokenizer`, drops empty pieces (`",a,,b,"` gives `["a", "b"]`, `""` gives `[]`).
pub(super) fn string_split(args: &[Value]) -> Option<Value> {
    let [Value::String(text), Value::String(delimiters)] = args else {
        return None;
    };
    let pieces = text
        .split(|c| delimiters.contains(c))
        .filter(|piece| !piece.is_empty());
    Some(Value::Array(pieces.map(Value::from).collect()))
}

/// `States.StringToJson(text)`: parses the first JSON value of the text as Jackson's `readTree` does, so
/// text after it is ignored and blank text gives `null`; `-0` reads as `0`.
pub(super) fn string_to_json(args: &[Value]) -> Option<Value> {
    let Value::String(text) = single(args)? else {
        return None;
    };
    if text.trim_matches([' ', '\t', '\n', '\r']).is_empty() {
        return Some(Value::Null);
    }
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    let value = values.next()?.ok()?;
    Some(without_negative_zero(value))
}

/// serde_json reads `-0` as the float -0.0; Jackson reads it as the integer 0. (Parsed values are at most
/// 128 levels deep, serde_json's recursion limit, so plain recursion is safe here.)
fn without_negative_zero(value: Value) -> Value {
    match value {
        Value::Number(n) if n.as_f64().is_some_and(|f| f == 0.0 && f.is_sign_negative()) => {
            Value::from(0)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(without_negative_zero).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, without_negative_zero(v)))
                .collect(),
        ),
        other => other,
    }
}

/// `States.JsonToString(value)`: compact JSON as Jackson writes it.
pub(super) fn json_to_string(args: &[Value]) -> Option<Value> {
    single(args).map(|value| Value::String(java::to_json(value)))
}

/// `States.JsonMerge(left, right, false)`: `left` with `right`'s members added or replacing (shallow). Deep
/// merge (`true`) is not supported; AWS takes any other third value as shallow.
pub(super) fn json_merge(args: &[Value]) -> Option<Value> {
    let [Value::Object(left), Value::Object(right), deep] = args else {
        return None;
    };
    if *deep == Value::Bool(true) {
        return None;
    }
    let mut merged: Map<String, Value> = left.iter().map(|(k, v)| (k.clone(), clone(v))).collect();
    for (key, value) in right {
        merged.insert(key.clone(), clone(value));
    }
    Some(Value::Object(merged))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{run, table};
    use serde_json::json;
    use stepd_asl::intrinsic::Function;

    #[test]
    fn format() {
        let obj = json!({"Arg1": 1, "Arg2": []});
        let template = "Formatting arguments fst={} and snd={}.";
        table(
            Function::Format,
            &[
                // test_generic::test_format_1 exec_hist_resp_3, _4; test_format_2 exec_hist_resp_0..7.
                (
                    json!(["Formatting argument {}.", null]),
                    Some(json!("Formatting argument null.")),
                ),
                (
                    json!(["Formatting argument {}.", 1]),
                    Some(json!("Formatting argument 1.")),
                ),
                (
                    json!([template, "", ""]),
                    Some(json!("Formatting arguments fst= and snd=.")),
                ),
                (
                    json!([template, " ", " "]),
                    Some(json!("Formatting arguments fst=  and snd= .")),
                ),
                (
                    json!([template, 1.1, 1.1]),
                    Some(json!("Formatting arguments fst=1.1 and snd=1.1.")),
                ),
                (
                    json!([template, obj.to_string(), obj.to_string()]),
                    Some(json!(
                        r#"Formatting arguments fst={"Arg1":1,"Arg2":[]} and snd={"Arg1":1,"Arg2":[]}."#
                    )),
                ),
                (
                    json!([template, obj, obj]),
                    Some(json!(
                        "Formatting arguments fst={Arg1=1, Arg2=[]} and snd={Arg1=1, Arg2=[]}."
                    )),
                ),
                // assign BASE_REFERENCE_IN_INTRINSIC_FUNCTION; MAP_STATE_REFERENCE_IN_INTRINSIC_FUNCTION.
                (
                    json!(["Hello {}, welcome to {}!", "John", "LocalStack"]),
                    Some(json!("Hello John, welcome to LocalStack!")),
                ),
                (json!(["It's {}!", "Pikachu"]), Some(json!("It's Pikachu!"))),
                (
                    json!(["{}|{}|{}|{}|{}", null, false, -1, 3.5, 9007199254740991u64]),
                    Some(json!("null|false|-1|3.5|9007199254740991")),
                ),
                (
                    json!(["{} {}", [1, "a", [true, null]], 1e20]),
                    Some(json!("[1, a, [true, null]] 1.0E20")),
                ),
                (json!(["no placeholders"]), Some(json!("no placeholders"))),
                (json!(["  {}  ", "x"]), Some(json!("  x  "))),
                (json!(["{}", "{}"]), Some(json!("{}"))),
                // `\{` and `\}` arrive escaped from the parser and mean literal braces.
                (json!([r"\{\} {} \{", "x"]), Some(json!("{} x {"))),
                (json!([r"a\b \n"]), Some(json!(r"a\b \n"))),
                (json!(["{} {}", "x"]), None),
                (json!(["{}", "x", "y"]), None),
                (json!(["Hello {", "x"]), None),
                (json!(["Hello {{}}", "x"]), None),
                (json!(["}"]), None),
                (json!([123, "x"]), None),
                (json!([null]), None),
                (json!([]), None),
            ],
        );
    }

    #[test]
    fn string_split() {
        table(
            Function::StringSplit,
            &[
                // test_string_operations::test_string_split exec_hist_resp_1, 4, 5.
                (json!([" , ", ","]), Some(json!([" ", " "]))),
                (
                    json!(["1,2,3,4,5", ","]),
                    Some(json!(["1", "2", "3", "4", "5"])),
                ),
                (
                    json!(["This.is+a,test=string", ".+,="]),
                    Some(json!(["This", "is", "a", "test", "string"])),
                ),
                (json!([" ", ","]), Some(json!([" "]))),
                (json!([", , ,", ","]), Some(json!([" ", " "]))),
                (json!([",,,,", ","]), Some(json!([]))),
                (
                    json!(["split on T and \nnew line", "T\n"]),
                    Some(json!(["split on ", " and ", "new line"])),
                ),
                (json!([",a,,b,", ","]), Some(json!(["a", "b"]))),
                (json!(["1a2b3ab4", "ab"]), Some(json!(["1", "2", "3", "4"]))),
                (json!(["", ","]), Some(json!([]))),
                (json!(["abc", ""]), Some(json!(["abc"]))),
                (json!(["a→b→c", "→"]), Some(json!(["a", "b", "c"]))),
                (json!([123, ","]), None),
                (json!(["a,b", 1]), None),
                (json!([null, ","]), None),
                (json!(["a,b", null]), None),
                (json!(["a,b", [","]]), None),
                (json!([]), None),
                (json!(["a,b"]), None),
                (json!(["a,b", ",", "x"]), None),
            ],
        );
    }

    #[test]
    fn string_to_json() {
        table(
            Function::StringToJson,
            &[
                // test_json_manipulation::test_string_to_json exec_hist_resp_0, 2, 3, 4, 6, 8, 9.
                (json!([""]), Some(json!(null))),
                (json!(["null"]), Some(json!(null))),
                (json!(["-0"]), Some(json!(0))),
                (json!(["1"]), Some(json!(1))),
                (json!(["true"]), Some(json!(true))),
                (
                    json!(["[1, 2, \"HelloWorld\"]"]),
                    Some(json!([1, 2, "HelloWorld"])),
                ),
                (
                    json!(["{\"Arg1\": 1, \"Arg2\": []}"]),
                    Some(json!({"Arg1": 1, "Arg2": []})),
                ),
                (
                    json!(["{\"key\":\"value\"}"]),
                    Some(json!({"key": "value"})),
                ),
                (json!(["\"hello\""]), Some(json!("hello"))),
                (json!(["1.5"]), Some(json!(1.5))),
                (json!(["0.0"]), Some(json!(0.0))),
                (json!(["[-0, {\"a\": -0}]"]), Some(json!([0, {"a": 0}]))),
                (json!([" {\"a\":1} "]), Some(json!({"a": 1}))),
                (json!([" \n\t "]), Some(json!(null))),
                (json!(["{\"a\":1} and more"]), Some(json!({"a": 1}))),
                (json!(["{bad json}"]), None),
                (json!(["{\"a\":1"]), None),
                (json!(["undefined"]), None),
                (json!([123]), None),
                (json!([{"a": 1}]), None),
                (json!([[1, 2]]), None),
                (json!([null]), None),
                (json!([]), None),
                (json!(["1", "2"]), None),
            ],
        );
    }

    #[test]
    fn json_to_string() {
        table(
            Function::JsonToString,
            &[
                // test_json_manipulation::test_json_to_string exec_hist_resp_1, 2, 4, 5, 6.
                (json!([0]), Some(json!("0"))),
                (json!([1]), Some(json!("1"))),
                (json!([true]), Some(json!("true"))),
                (json!(["HelloWorld"]), Some(json!("\"HelloWorld\""))),
                (
                    json!([[1, 2, "HelloWorld"]]),
                    Some(json!("[1,2,\"HelloWorld\"]")),
                ),
                (
                    json!([{"test": "object"}]),
                    Some(json!("{\"test\":\"object\"}")),
                ),
                (
                    json!([{"nested": {"a": 1}, "arr": [true, null]}]),
                    Some(json!("{\"nested\":{\"a\":1},\"arr\":[true,null]}")),
                ),
                (json!([null]), Some(json!("null"))),
                (
                    json!([[-1, 3.5, 1.0, 1e300]]),
                    Some(json!("[-1,3.5,1.0,1.0E300]")),
                ),
                (json!([]), None),
                (json!([1, 2]), None),
            ],
        );
    }

    #[test]
    fn json_merge() {
        let left = json!({"a": {"a1": 1, "a2": 2}, "b": 2, "d": 3});
        let right = json!({"a": {"a3": 1, "a4": 2}, "c": 3, "d": 4});
        table(
            Function::JsonMerge,
            &[
                // test_json_manipulation::test_json_merge exec_hist_resp_0; BASE_REFERENCE_IN_INTRINSIC_FUNCTION.
                (
                    json!([left, right, false]),
                    Some(json!({"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3, "d": 4})),
                ),
                (
                    json!([{"a": 1, "b": 2}, {"c": 3, "d": 4}, false]),
                    Some(json!({"a": 1, "b": 2, "c": 3, "d": 4})),
                ),
                (json!([{}, {"x": 1}, false]), Some(json!({"x": 1}))),
                (
                    json!([{"nested": {"left": true}, "keep": 1}, {"nested": null}, false]),
                    Some(json!({"nested": null, "keep": 1})),
                ),
                (json!([{}, {}, "false"]), Some(json!({}))),
                (json!([left, right, true]), None),
                (json!([null, {}, false]), None),
                (json!([{}, null, false]), None),
                (json!([[], {}, false]), None),
                (json!([{}, "x", false]), None),
                (json!([{}, {}]), None),
                (json!([{}, {}, false, 1]), None),
                (json!([]), None),
            ],
        );
        // Members keep the left object's order; new ones follow in the right object's order.
        let merged = run(Function::JsonMerge, &json!([left, right, false])).expect("merged");
        let keys: Vec<&str> = merged
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["a", "b", "d", "c"]);
    }
}
