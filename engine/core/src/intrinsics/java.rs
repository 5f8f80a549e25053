//! What AWS's Java runtime does to values, reproduced where it shows in results: `String.valueOf` of the
//! converted value (`States.Format` prints `{a=1, b=[x]}`), Jackson's compact JSON with `Double.toString`
//! numbers (`States.JsonToString`), `Math.round`, `HashSet` iteration order (`States.ArrayUnique` returns
//! `[false, true]` for `[true, false]`) and `java.util.Random` (seeded `States.MathRandom`).
//!
//! Values are converted the way Jackson converts them: integers that fit an `int` become `Integer`, then
//! `Long`, then `BigInteger`; other numbers `Double`; objects `LinkedHashMap`; arrays `ArrayList`.

use serde_json::{Number, Value};
use std::collections::HashSet;
use std::fmt::Write;

/// Stack kept free before recursing into a nested value, and the size of each extra segment.
const RED_ZONE: usize = 64 * 1024;
const STACK_SEGMENT: usize = 1024 * 1024;

/// `String.valueOf(value)`: strings as they are, maps as `{k=v, ...}`, lists as `[a, b]`.
pub(super) fn to_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => {
            let mut out = String::new();
            write_plain(&mut out, other);
            out
        }
    }
}

fn write_plain(out: &mut String, value: &Value) {
    stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number(n)),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_plain(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(key);
                out.push('=');
                write_plain(out, item);
            }
            out.push('}');
        }
    })
}

/// Compact JSON as Jackson writes it: no spaces, `Double.toString` numbers, upper-case `\u00XX` escapes.
pub(super) fn to_json(value: &Value) -> String {
    let mut out = String::new();
    write_json(&mut out, value, false);
    out
}

/// Writes `value` as compact JSON; with `sorted_keys`, members in key order, which makes values Java's
/// `equals` calls equal (member order aside; `1` differs from `1.0`, `"1"` from `1`) equal texts.
fn write_json(out: &mut String, value: &Value, sorted_keys: bool) {
    stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || match value {
        Value::String(s) => write_json_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, item, sorted_keys);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut members: Vec<_> = map.iter().collect();
            if sorted_keys {
                members.sort_unstable_by_key(|(key, _)| *key);
            }
            out.push('{');
            for (i, (key, item)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(out, key);
                out.push(':');
                write_json(out, item, sorted_keys);
            }
            out.push('}');
        }
        scalar => write_plain(out, scalar),
    })
}

fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if c < ' ' => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A number as Java prints the boxed value: integers in full, floats with `Double.toString`.
fn number(n: &Number) -> String {
    match n.as_f64() {
        Some(f) if n.is_f64() => double_to_string(f),
        _ => n.to_string(),
    }
}

/// `Double.toString`: the shortest digits that round-trip, written `123.45` when 10^-3 <= |f| < 10^7 and
/// `1.2345E-5` otherwise; there is always a digit after the point (`1.0`, `1.0E20`).
pub(super) fn double_to_string(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    let sign = if f.is_sign_negative() { "-" } else { "" };
    if f.is_infinite() {
        return format!("{sign}Infinity");
    }
    // Rust's `{:e}` gives the same shortest digits ("1.2345e-5", "1e20", "0e0"). Where one digit is enough,
    // Java picks the closest two-digit decimal instead (4.9E-324, not 5E-324), then drops a trailing zero.
    let mut sci = format!("{:e}", f.abs());
    if sci.split_once('e').is_some_and(|(m, _)| m.len() == 1) {
        sci = format!("{:.1e}", f.abs());
    }
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let mut digits = mantissa.replace('.', "");
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
    }
    let (first, rest) = digits.split_at(1.min(digits.len()));
    if !(-3..7).contains(&exponent) {
        let rest = if rest.is_empty() { "0" } else { rest };
        return format!("{sign}{first}.{rest}E{exponent}");
    }
    if exponent < 0 {
        let zeros = "0".repeat(exponent.unsigned_abs() as usize - 1);
        return format!("{sign}0.{zeros}{digits}");
    }
    let int_len = exponent as usize + 1;
    if digits.len() <= int_len {
        let zeros = "0".repeat(int_len - digits.len());
        format!("{sign}{digits}{zeros}.0")
    } else {
        let (int_part, fraction) = digits.split_at(int_len);
        format!("{sign}{int_part}.{fraction}")
    }
}

/// `Math.round`: the closest integer, halves rounded up (-1.5 gives -1); NaN gives 0, huge values saturate.
pub(super) fn round(f: f64) -> i64 {
    if f.is_nan() {
        return 0;
    }
    let floor = f.floor();
    // `f - floor` is exact, so 0.49999999999999994 stays below one half (unlike `(f + 0.5).floor()`).
    let rounded = if f - floor >= 0.5 { floor + 1.0 } else { floor };
    rounded as i64
}

/// `String.length()`: the length in UTF-16 code units, which is what AWS's character limits count.
pub(super) fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// The distinct items in the order `new ArrayList<>(new HashSet<>(items))` yields them: by bucket of the
/// spread `hashCode`, then by insertion within a bucket, in a table sized the way `HashSet(Collection)` sizes
/// it (so no resize happens). Only a bucket of 8+ colliding items in a table of 64+ (a tree bin) would differ.
/// Duplicates are found through a canonical text in a SipHash set, so colliding hash codes cost no more.
pub(super) fn hash_set_order(items: &[Value]) -> Vec<Value> {
    let wanted = ((items.len() as f32 / 0.75) as usize + 1).max(16);
    let mask = wanted
        .checked_next_power_of_two()
        .unwrap_or(1 << 30)
        .min(1 << 30)
        - 1;
    let mut seen = HashSet::new();
    let mut distinct = Vec::new();
    for item in items {
        let mut key = String::new();
        write_json(&mut key, item, true);
        if seen.insert(key) {
            let h = hash_code(item) as u32;
            distinct.push(((h ^ (h >> 16)) as usize & mask, item));
        }
    }
    // Stable: within a bucket, first occurrences keep their order, as the bucket's linked list does.
    distinct.sort_by_key(|(bucket, _)| *bucket);
    distinct
        .into_iter()
        .map(|(_, item)| super::clone(item))
        .collect()
}

/// `hashCode()` of the converted value (`List`, `Map`, `String`, `Integer`, `Long`, `BigInteger`, `Double`).
fn hash_code(value: &Value) -> i32 {
    stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || match value {
        Value::Null => 0,
        Value::Bool(b) => {
            if *b {
                1231
            } else {
                1237
            }
        }
        Value::Number(n) => number_hash(n),
        Value::String(s) => string_hash(s),
        Value::Array(items) => items.iter().fold(1i32, |h, item| {
            h.wrapping_mul(31).wrapping_add(hash_code(item))
        }),
        Value::Object(map) => map.iter().fold(0i32, |h, (key, item)| {
            h.wrapping_add(string_hash(key) ^ hash_code(item))
        }),
    })
}

fn string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(i32::from(unit))
    })
}

fn number_hash(n: &Number) -> i32 {
    if let Some(i) = n.as_i64() {
        // Integer.hashCode is the value; Long.hashCode folds the halves.
        i32::try_from(i).unwrap_or((i ^ (i >> 32)) as i32)
    } else if let Some(u) = n.as_u64() {
        // BigInteger.hashCode over its two 32-bit magnitude words.
        ((u >> 32) as i32)
            .wrapping_mul(31)
            .wrapping_add(u as u32 as i32)
    } else {
        let bits = n.as_f64().unwrap_or(0.0).to_bits();
        (bits ^ (bits >> 32)) as i32
    }
}

/// `java.util.Random`: the 48-bit linear congruential generator, so a seed gives Java's sequence.
pub(super) struct Random {
    seed: i64,
}

const MULTIPLIER: i64 = 0x5_DEEC_E66D;
const MASK: i64 = (1 << 48) - 1;

impl Random {
    pub(super) fn new(seed: i64) -> Self {
        Random {
            seed: (seed ^ MULTIPLIER) & MASK,
        }
    }

    fn next(&mut self, bits: u32) -> i32 {
        self.seed = self.seed.wrapping_mul(MULTIPLIER).wrapping_add(0xB) & MASK;
        (self.seed >> (48 - bits)) as i32
    }

    /// `nextInt(bound)` for a positive bound: uniform in [0, bound).
    pub(super) fn next_int(&mut self, bound: i32) -> i32 {
        let bound = bound.max(1);
        let r = self.next(31);
        let m = bound - 1;
        if bound & m == 0 {
            return ((i64::from(bound) * i64::from(r)) >> 31) as i32;
        }
        let mut u = r;
        loop {
            let r = u % bound;
            if u.wrapping_sub(r).wrapping_add(m) >= 0 {
                return r;
            }
            u = self.next(31);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn double_to_string_matches_java() {
        for (f, java) in [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (1.1, "1.1"),
            (-3.5, "-3.5"),
            (100.0, "100.0"),
            (123.456, "123.456"),
            (0.001, "0.001"),
            (0.0001, "1.0E-4"),
            (1.234e-5, "1.234E-5"),
            (9_999_999.0, "9999999.0"),
            (1e7, "1.0E7"),
            (1.5e7, "1.5E7"),
            (1e20, "1.0E20"),
            (-1.7976931348623157e308, "-1.7976931348623157E308"),
            (5e-324, "4.9E-324"),
            (1e-323, "9.9E-324"),
            (0.1, "0.1"),
            (0.002, "0.002"),
            (2e-4, "2.0E-4"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
        ] {
            assert_eq!(double_to_string(f), java, "{f:e}");
        }
    }

    #[test]
    fn string_value_of_converted_values() {
        for (value, java) in [
            (json!("a b"), "a b"),
            (json!(null), "null"),
            (json!(false), "false"),
            (json!(-1), "-1"),
            (json!(9007199254740991u64), "9007199254740991"),
            (json!(18446744073709551615u64), "18446744073709551615"),
            (json!(1.5), "1.5"),
            (json!({"Arg1": 1, "Arg2": []}), "{Arg1=1, Arg2=[]}"),
            (
                json!([1, "x", [true, null], {"k": 1.0e20}]),
                "[1, x, [true, null], {k=1.0E20}]",
            ),
        ] {
            assert_eq!(to_string(&value), java);
        }
    }

    #[test]
    fn jackson_compact_json() {
        for (value, text) in [
            (json!([1, 2, "HelloWorld"]), r#"[1,2,"HelloWorld"]"#),
            (
                json!({"a": {"b": [true, null]}, "c": 1e20}),
                r#"{"a":{"b":[true,null]},"c":1.0E20}"#,
            ),
            (
                json!("q\"\\/\u{8}\t\n\u{c}\r\u{1}\u{1f}é"),
                r#""q\"\\/\b\t\n\f\r\u0001\u001Fé""#,
            ),
            (json!(0), "0"),
        ] {
            assert_eq!(to_json(&value), text);
        }
    }

    #[test]
    fn math_round_rounds_halves_up() {
        for (f, r) in [
            (0.5, 1),
            (1.49, 1),
            (1.5, 2),
            (2.5, 3),
            (-0.5, 0),
            (-1.5, -1),
            (-1.51, -2),
            (-2.5, -2),
            (0.49999999999999994, 0),
            (4.5e15, 4_500_000_000_000_000),
            (1e300, i64::MAX),
            (f64::NAN, 0),
        ] {
            assert_eq!(round(f), r, "{f}");
        }
    }

    #[test]
    fn hash_set_order_matches_java() {
        // Boolean.hashCode: true 1231 (bucket 15), false 1237 (bucket 5); lists [1,2] 994, [2,1] 1024.
        for (items, order) in [
            (json!([true, false, true, false]), json!([false, true])),
            (json!([[1, 2], [1, 2], [2, 1]]), json!([[2, 1], [1, 2]])),
            (json!([null, null, 1, null]), json!([null, 1])),
            (json!([1, "1", 1, "01"]), json!([1, "1", "01"])),
            (json!(["a", "b", "a", "c", "b"]), json!(["a", "b", "c"])),
            (json!([17, 1, 33]), json!([17, 1, 33])),
            (
                json!([{"a": 1, "b": 2}, {"b": 2, "a": 1}]),
                json!([{"a": 1, "b": 2}]),
            ),
            (json!([1, 1.0]), json!([1.0, 1])),
            (json!([]), json!([])),
        ] {
            let Value::Array(items) = items else {
                unreachable!()
            };
            assert_eq!(Value::Array(hash_set_order(&items)), order);
        }
        // 20 items (304, 288, ... 16, 0) make a 32-bucket table: multiples of 32 (bucket 0) come first.
        let items: Vec<Value> = (0..20).rev().map(|i| json!(i * 16)).collect();
        let order = hash_set_order(&items);
        assert_eq!(order.first(), Some(&json!(288)));
        assert_eq!(order.get(9), Some(&json!(0)));
        assert_eq!(order.get(10), Some(&json!(304)));
    }

    #[test]
    fn colliding_hash_codes_stay_fast() {
        // "Aa" and "BB" share a hash code, so all strings of 17 such pairs do: 131,072 in one bucket.
        let items: Vec<Value> = (0u32..1 << 17)
            .map(|bits| {
                (0..17)
                    .map(|i| if bits >> i & 1 == 1 { "Aa" } else { "BB" })
                    .collect::<String>()
            })
            .map(Value::String)
            .collect();
        assert!(items.iter().all(|v| hash_code(v) == hash_code(&items[0])));
        let mut doubled = items.clone();
        doubled.extend(items.iter().cloned());
        assert_eq!(hash_set_order(&doubled), items);
    }

    #[test]
    fn java_hash_codes() {
        assert_eq!(string_hash("01"), 1537);
        assert_eq!(string_hash("hello"), 99_162_322);
        assert_eq!(hash_code(&json!([1, 2])), 994);
        assert_eq!(hash_code(&json!({"a": 1})), 97 ^ 1);
        assert_eq!(
            hash_code(&json!(5_000_000_000i64)),
            (5_000_000_000i64 ^ 1) as i32
        );
        assert_eq!(hash_code(&json!(1.0)), 0x3FF0_0000);
    }

    #[test]
    fn random_is_java_util_random() {
        // new Random(42).nextInt() == -1170105035, so nextInt(10) == 0 and nextInt(16) == 11.
        let mut r = Random::new(42);
        assert_eq!(r.next(32), -1_170_105_035);
        assert_eq!(Random::new(42).next_int(10), 0);
        assert_eq!(Random::new(42).next_int(16), 11);
        let mut r = Random::new(-7);
        for _ in 0..1000 {
            assert!((0..999).contains(&r.next_int(999)));
        }
    }
}
