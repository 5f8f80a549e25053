//! Depth-safe work on JSON values (copying, equality, compact text) and Jayway's number rules.
//!
//! serde_json's own `clone`, `==` and `Display` recurse once per nesting level; input may nest tens of
//! thousands of levels, so everything here walks an explicit stack.

use serde_json::{Map, Number, Value, map};
use std::cmp::Ordering;
use std::slice;
use stepd_asl::drop_deep;

enum Frame<'a> {
    Array(slice::Iter<'a, Value>, Vec<Value>),
    /// The iterator, the copy so far, and the key of the child being copied.
    Object(map::Iter<'a>, Map<String, Value>, Option<String>),
}

impl Frame<'_> {
    fn push(&mut self, v: Value) {
        match self {
            Frame::Array(_, out) => out.push(v),
            Frame::Object(_, out, key) => {
                if let Some(k) = key.take() {
                    out.insert(k, v);
                }
            }
        }
    }
}

/// A copy of `v`, or `None` when it holds more than `budget` nodes (the budget is spent as nodes are
/// copied, so one budget can bound several copies).
pub(super) fn clone_value(v: &Value, budget: &mut usize) -> Option<Value> {
    let mut stack = Vec::new();
    let copied = copy_into(v, budget, &mut stack);
    // A copy abandoned half way may already hold deep subtrees.
    for frame in stack {
        drop_deep(match frame {
            Frame::Array(_, out) => Value::Array(out),
            Frame::Object(_, out, _) => Value::Object(out),
        });
    }
    copied
}

fn copy_into<'a>(v: &'a Value, budget: &mut usize, stack: &mut Vec<Frame<'a>>) -> Option<Value> {
    fn open<'a>(v: &'a Value, budget: &mut usize) -> Option<Result<Value, Frame<'a>>> {
        *budget = budget.checked_sub(1)?;
        Some(match v {
            Value::Array(a) => Err(Frame::Array(a.iter(), Vec::with_capacity(a.len()))),
            Value::Object(m) => Err(Frame::Object(m.iter(), Map::new(), None)),
            scalar => Ok(scalar.clone()),
        })
    }
    match open(v, budget)? {
        Ok(scalar) => return Some(scalar),
        Err(frame) => stack.push(frame),
    }
    loop {
        let top = stack.last_mut()?;
        let child = match top {
            Frame::Array(it, _) => it.next(),
            Frame::Object(it, _, key) => it.next().map(|(k, c)| {
                *key = Some(k.clone());
                c
            }),
        };
        match child {
            Some(c) => match open(c, budget)? {
                Ok(scalar) => top.push(scalar),
                Err(frame) => stack.push(frame),
            },
            None => {
                let done = match stack.pop()? {
                    Frame::Array(_, out) => Value::Array(out),
                    Frame::Object(_, out, _) => Value::Object(out),
                };
                match stack.last_mut() {
                    Some(parent) => parent.push(done),
                    None => return Some(done),
                }
            }
        }
    }
}

/// Structural equality (objects regardless of key order; numbers as serde_json compares them).
pub(super) fn deep_eq(a: &Value, b: &Value) -> bool {
    let mut stack = vec![(a, b)];
    while let Some(pair) = stack.pop() {
        match pair {
            (Value::Array(x), Value::Array(y)) => {
                if x.len() != y.len() {
                    return false;
                }
                stack.extend(x.iter().zip(y));
            }
            (Value::Object(x), Value::Object(y)) => {
                if x.len() != y.len() {
                    return false;
                }
                for (k, v) in x {
                    match y.get(k) {
                        Some(w) => stack.push((v, w)),
                        None => return false,
                    }
                }
            }
            (Value::Array(_) | Value::Object(_), _) | (_, Value::Array(_) | Value::Object(_)) => {
                return false;
            }
            (x, y) => {
                if x != y {
                    return false;
                }
            }
        }
    }
    true
}

/// Compact JSON text, as AWS quotes payloads in its error causes.
pub(super) fn to_text(v: &Value) -> String {
    enum Open<'a> {
        Array(slice::Iter<'a, Value>, bool),
        Object(map::Iter<'a>, bool),
    }
    let mut out = String::new();
    let mut stack: Vec<Open<'_>> = Vec::new();
    let mut next = Some(v);
    loop {
        match next.take() {
            Some(Value::Array(a)) => {
                out.push('[');
                stack.push(Open::Array(a.iter(), true));
            }
            Some(Value::Object(m)) => {
                out.push('{');
                stack.push(Open::Object(m.iter(), true));
            }
            Some(scalar) => out.push_str(&scalar.to_string()),
            None => {}
        }
        let Some(top) = stack.last_mut() else {
            return out;
        };
        match top {
            Open::Array(it, first) => match it.next() {
                Some(c) => {
                    if !std::mem::take(first) {
                        out.push(',');
                    }
                    next = Some(c);
                }
                None => {
                    out.push(']');
                    stack.pop();
                }
            },
            Open::Object(it, first) => match it.next() {
                Some((k, c)) => {
                    if !std::mem::take(first) {
                        out.push(',');
                    }
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push(':');
                    next = Some(c);
                }
                None => {
                    out.push('}');
                    stack.pop();
                }
            },
        }
    }
}

fn integer(n: &Number) -> Option<i128> {
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

/// Numeric order (Jayway compares `BigDecimal`s; integers here compare exactly, anything else as `f64`).
pub(super) fn cmp_numbers(a: &Number, b: &Number) -> Ordering {
    match (integer(a), integer(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => {
            let x = a.as_f64().unwrap_or(f64::NAN);
            let y = b.as_f64().unwrap_or(f64::NAN);
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
    }
}

/// Jayway's `NumberNode.equals(StringNode)`: the string read as a `BigDecimal` equals the number.
pub(super) fn number_equals_text(n: &Number, text: &str) -> bool {
    let b = text.as_bytes();
    let digits_from = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let mantissa_end = b
        .iter()
        .position(|&c| c == b'e' || c == b'E')
        .unwrap_or(b.len());
    let mantissa = &b[digits_from.min(mantissa_end)..mantissa_end];
    let exponent = b.get(mantissa_end + 1..).unwrap_or(&[]);
    let exponent = exponent
        .strip_prefix(b"+")
        .or_else(|| exponent.strip_prefix(b"-"))
        .unwrap_or(exponent);
    let mantissa_ok = mantissa.iter().any(u8::is_ascii_digit)
        && mantissa.iter().filter(|&&c| c == b'.').count() <= 1
        && mantissa.iter().all(|&c| c.is_ascii_digit() || c == b'.');
    let exponent_ok = mantissa_end == b.len()
        || (!exponent.is_empty() && exponent.iter().all(u8::is_ascii_digit));
    if !(mantissa_ok && exponent_ok) {
        return false;
    }
    if mantissa_end == b.len()
        && !mantissa.contains(&b'.')
        && let (Ok(t), Some(m)) = (text.parse::<i128>(), integer(n))
    {
        return t == m;
    }
    match (text.parse::<f64>(), n.as_f64()) {
        (Ok(t), Some(m)) => t == m,
        _ => false,
    }
}

/// Java's `String.compareTo`: lexicographic over UTF-16 code units.
pub(super) fn cmp_text(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// A computed number as JSON: integral values as integers, non-finite ones as `None`.
pub(super) fn number_value(x: f64) -> Option<Value> {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
    if x.is_finite() && x.fract() == 0.0 && (-LIMIT..LIMIT).contains(&x) {
        // Exact: `x` is integral and inside i64's range.
        #[allow(clippy::cast_possible_truncation)]
        return Some(Value::from(x as i64));
    }
    Number::from_f64(x).map(Value::Number)
}
