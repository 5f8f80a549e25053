//! The bounds every payload shares, wherever it enters or is made: execution inputs, callback outputs,
//! adapter results, state outputs, variables and the literal parts of a definition's templates.
//!
//! A payload that fits them can always be stored, read back (serde_json reads at most 128 levels), cloned,
//! compared and dropped without deep recursion, so nothing accepted can later crash or poison the server.

use serde_json::Value;

/// The deepest nesting of arrays and objects a payload may have (`[[1]]` is 2 levels). AWS documents no
/// number; 100 leaves room under serde_json's read limit (128) for the records that wrap a payload.
pub const MAX_PAYLOAD_DEPTH: usize = 100;

/// The largest payload Step Functions passes between states, in bytes of UTF-8 JSON (AWS counts bytes:
/// "Length constraints apply to the payload size, and are expressed as bytes in UTF-8 encoding").
pub const MAX_PAYLOAD_BYTES: usize = 262_144;

/// The size of a value's compact JSON text and its nesting depth, measured without recursion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Measure {
    pub bytes: usize,
    pub depth: usize,
}

impl Measure {
    /// Whether the value fits both payload limits.
    pub fn fits(&self) -> bool {
        self.bytes <= MAX_PAYLOAD_BYTES && self.depth <= MAX_PAYLOAD_DEPTH
    }

    /// Why the value does not fit, in a sentence (None when it fits).
    pub fn problem(&self) -> Option<String> {
        if self.depth > MAX_PAYLOAD_DEPTH {
            Some(format!(
                "the value is nested {} levels deep, more than the maximum of {MAX_PAYLOAD_DEPTH}",
                self.depth
            ))
        } else if self.bytes > MAX_PAYLOAD_BYTES {
            Some(format!(
                "the value is {} bytes, more than the maximum of {MAX_PAYLOAD_BYTES}",
                self.bytes
            ))
        } else {
            None
        }
    }
}

/// Measures `v`: the bytes of its compact JSON text (as `serde_json::to_string` writes it) and its depth.
pub fn measure(v: &Value) -> Measure {
    let mut m = Measure::default();
    // (value, its depth); an explicit stack so any depth is safe.
    let mut stack: Vec<(&Value, usize)> = vec![(v, 0)];
    while let Some((v, d)) = stack.pop() {
        match v {
            Value::Null => m.bytes += 4,
            Value::Bool(b) => m.bytes += if *b { 4 } else { 5 },
            Value::Number(n) => m.bytes += number_len(n),
            Value::String(s) => m.bytes += string_len(s),
            Value::Array(items) => {
                m.depth = m.depth.max(d + 1);
                m.bytes += 2 + items.len().saturating_sub(1);
                stack.extend(items.iter().map(|i| (i, d + 1)));
            }
            Value::Object(map) => {
                m.depth = m.depth.max(d + 1);
                m.bytes += 2 + map.len().saturating_sub(1);
                for (k, v) in map {
                    m.bytes += string_len(k) + 1;
                    stack.push((v, d + 1));
                }
            }
        }
    }
    m
}

/// Whether `v` nests deeper than `max` levels; stops looking as soon as it does.
pub fn deeper_than(v: &Value, max: usize) -> bool {
    let mut stack: Vec<(&Value, usize)> = vec![(v, 0)];
    while let Some((v, d)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match v {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(map) => Box::new(map.values()),
            _ => continue,
        };
        if d + 1 > max {
            return true;
        }
        stack.extend(children.map(|c| (c, d + 1)));
    }
    false
}

fn number_len(n: &serde_json::Number) -> usize {
    // Integers are the common case; their length needs no allocation.
    if let Some(i) = n.as_u64() {
        return i.checked_ilog10().map_or(1, |l| l as usize + 1);
    }
    if let Some(i) = n.as_i64() {
        return i
            .unsigned_abs()
            .checked_ilog10()
            .map_or(1, |l| l as usize + 1)
            + 1;
    }
    n.to_string().len()
}

/// The length of a string as JSON text: quotes, and escapes where serde_json writes them.
fn string_len(s: &str) -> usize {
    2 + s.len()
        + s.bytes()
            .map(|b| match b {
                b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 1,
                0..=0x1f => 5,
                _ => 0,
            })
            .sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bytes_match_serde_json_text() {
        for v in [
            json!(null),
            json!(true),
            json!(false),
            json!(0),
            json!(-17),
            json!(123456789),
            json!(u64::MAX),
            json!(i64::MIN),
            json!(1.5),
            json!(-2.5e-7),
            json!("plain"),
            json!("quote \" back \\ nl \n tab \t ctl \u{1} é 😀"),
            json!([]),
            json!({}),
            json!([1, [2, [3]], {"a": {"b\"": [null, false]}}]),
        ] {
            assert_eq!(
                measure(&v).bytes,
                serde_json::to_string(&v).unwrap().len(),
                "{v}"
            );
        }
    }

    #[test]
    fn depth_counts_containers() {
        assert_eq!(measure(&json!(1)).depth, 0);
        assert_eq!(measure(&json!([])).depth, 1);
        assert_eq!(measure(&json!({"a": [1, {"b": []}]})).depth, 4);
        assert!(deeper_than(&json!([[[]]]), 2));
        assert!(!deeper_than(&json!([[[]]]), 3));
        assert!(!deeper_than(&json!("x"), 0));
    }

    #[test]
    fn very_deep_values_are_measured_without_recursion() {
        let mut v = json!(1);
        for _ in 0..200_000 {
            v = Value::Array(vec![v]);
        }
        assert_eq!(measure(&v).depth, 200_000);
        assert!(deeper_than(&v, MAX_PAYLOAD_DEPTH));
        assert!(!measure(&v).fits());
        crate::drop_deep(v);
    }
}
