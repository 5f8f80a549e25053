//! The functions Step Functions adds to JSONata, with the edge cases AWS has: an undefined
//! argument gives undefined, a surplus argument or one of the wrong type fails with `T0410`
//! naming it, and numbers are cut towards zero (measured against AWS by others; the corpus records
//! the ordinary cases).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use jlens_core::{Bindings, Error, HostFunction};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

type Args = [Option<Value>];
type Outcome = jlens_core::Result<Option<Value>>;

/// `$range` refuses to build more numbers than this, as AWS does.
const MAX_RANGE: i128 = 360_145;

/// Randomness drawn from the caller's source once per evaluation (SplitMix64), shared by the
/// functions of that evaluation.
pub(super) struct Entropy(AtomicU64);

impl Entropy {
    pub(super) fn new(seed: u64) -> Entropy {
        Entropy(AtomicU64::new(seed))
    }

    pub(super) fn next(&self) -> u64 {
        const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut z = self
            .0
            .fetch_add(GAMMA, Ordering::Relaxed)
            .wrapping_add(GAMMA);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in [0, 1).
    fn unit(&self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `bindings` with the six functions, and `$eval` made unavailable. `$random` and `$uuid` draw
/// from `entropy`; without it (the expression does not name them) they cannot be reached.
pub(super) fn bind(bindings: Bindings, entropy: Option<Arc<Entropy>>) -> Bindings {
    let unseeded = entropy.clone();
    bindings
        .var("eval", Value::Null)
        .function("partition", host(2, partition))
        .function("range", host(3, range))
        .function("hash", host(2, hash))
        .function("parse", host(1, parse))
        .function(
            "random",
            host(1, move |args| random(args, unseeded.as_deref())),
        )
        .function("uuid", host(0, move |args| uuid(args, entropy.as_deref())))
}

fn host(arity: usize, f: impl Fn(&Args) -> Outcome + Send + Sync + 'static) -> HostFunction {
    HostFunction::new(arity, move |args, _call| f(args)).without_input()
}

/// `T0410: Argument {index} of function "{name}" does not match function signature`.
fn mismatch(name: &str, index: usize) -> Error {
    Error::new("T0410").with("index", index).with("token", name)
}

/// `D3137: {message}`, the code of `$error`, which AWS's own functions raise.
fn failure(message: String) -> Error {
    Error::new("D3137").with("message", message)
}

/// Fails when the call has more than `count` arguments, naming the first one too many.
fn at_most(name: &str, args: &Args, count: usize) -> jlens_core::Result<()> {
    if args.len() > count {
        return Err(mismatch(name, count + 1));
    }
    Ok(())
}

/// Argument `index` (from 0), `None` when absent or undefined.
fn arg(args: &Args, index: usize) -> Option<&Value> {
    args.get(index).and_then(Option::as_ref)
}

/// A number cut towards zero, as AWS reads a count: -1.7 is -1. `T0410` for anything else.
fn whole(name: &str, value: &Value, index: usize) -> jlens_core::Result<i64> {
    match value {
        Value::Number(n) => Ok(n
            .as_i64()
            .unwrap_or_else(|| n.as_f64().unwrap_or(0.0) as i64)),
        _ => Err(mismatch(name, index + 1)),
    }
}

/// `$partition(array, size)`: the items in batches of `size`, the last one shorter. No size (or
/// an undefined one) makes one batch of all the items; no items and a size of 0 give undefined; a
/// size below 0 fails.
fn partition(args: &Args) -> Outcome {
    at_most("partition", args, 2)?;
    let Some(items) = arg(args, 0) else {
        return Ok(None);
    };
    let Value::Array(items) = items else {
        return Err(Error::new("T0412")
            .with("index", 1)
            .with("token", "partition"));
    };
    let Some(size) = arg(args, 1) else {
        return Ok(Some(Value::Array(vec![Value::Array(items.clone())])));
    };
    let size = whole("partition", size, 1)?;
    if size < 0 {
        return Err(failure("Second argument must be zero or greater".into()));
    }
    if size == 0 || items.is_empty() {
        return Ok(None);
    }
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    let batches = items
        .chunks(size)
        .map(|chunk| Value::Array(chunk.to_vec()))
        .collect();
    Ok(Some(Value::Array(batches)))
}

/// `$range(start, end, step)`: from `start` by `step` while not past `end`, each cut to a whole
/// number. A sequence, as a path gives: no number is undefined, one number is that number. Fewer
/// than three arguments, an undefined one or a step of 0 give undefined.
fn range(args: &Args) -> Outcome {
    at_most("range", args, 3)?;
    let mut bounds = [0i64; 3];
    for (index, bound) in bounds.iter_mut().enumerate() {
        let Some(value) = arg(args, index) else {
            return Ok(None);
        };
        *bound = whole("range", value, index)?;
    }
    let [start, end, step] = bounds.map(i128::from);
    if step == 0 {
        return Ok(None);
    }
    let count = if (step > 0 && start <= end) || (step < 0 && start >= end) {
        (end - start) / step + 1
    } else {
        0
    };
    if count > MAX_RANGE {
        return Err(Error::new("U1001").with("message", "$range is too large"));
    }
    let numbers: Vec<Value> = (0..count)
        .map(|i| Value::from(i64::try_from(start + i * step).unwrap_or_default()))
        .collect();
    Ok(match <[Value; 1]>::try_from(numbers) {
        Ok([one]) => Some(one),
        Err(numbers) if numbers.is_empty() => None,
        Err(numbers) => Some(Value::Array(numbers)),
    })
}

/// `$hash(text, algorithm)`: the lowercase hex digest of the UTF-8 text. Undefined text, or no
/// algorithm, gives undefined; an algorithm that is undefined or not one of the five fails.
fn hash(args: &Args) -> Outcome {
    at_most("hash", args, 2)?;
    let Some(first) = args.first() else {
        return Err(mismatch("hash", 1));
    };
    let Some(text) = first else {
        return Ok(None);
    };
    let Value::String(text) = text else {
        return Err(mismatch("hash", 1));
    };
    let algorithm = match args.get(1) {
        None => return Ok(None),
        Some(None) => "null",
        Some(Some(Value::String(algorithm))) => algorithm.as_str(),
        Some(Some(_)) => return Err(mismatch("hash", 2)),
    };
    match crate::intrinsics::digest(algorithm, text.as_bytes()) {
        Some(hex) => Ok(Some(Value::String(hex))),
        None => Err(failure(format!(
            "Hash algorithm '{algorithm}' must be one of SHA-1, SHA-384, SHA-256, SHA-512, MD5"
        ))),
    }
}

/// `$random([seed])`: a number in [0, 1). Seeded, it is what Java's `new Random(seed).nextDouble()`
/// gives, as on AWS (`$random(42)` is 0.7275636800328681); unseeded, it comes from `entropy`.
fn random(args: &Args, entropy: Option<&Entropy>) -> Outcome {
    at_most("random", args, 1)?;
    let n = match arg(args, 0) {
        Some(seed) => java_random_double(whole("random", seed, 0)?),
        None => entropy.map_or(0.0, Entropy::unit),
    };
    Ok(Some(Value::from(n)))
}

/// The first `nextDouble()` of `java.util.Random` seeded with `seed`.
pub(super) fn java_random_double(seed: i64) -> f64 {
    const MULTIPLIER: u64 = 0x5_DEEC_E66D;
    const MASK: u64 = (1 << 48) - 1;
    let mut state = (seed as u64 ^ MULTIPLIER) & MASK;
    let mut next = |bits: u32| {
        state = state.wrapping_mul(MULTIPLIER).wrapping_add(0xB) & MASK;
        state >> (48 - bits)
    };
    let high = next(26);
    let low = next(27);
    ((high << 27) + low) as f64 / (1u64 << 53) as f64
}

/// `$uuid()`: a version 4 UUID from `entropy`. It takes no argument.
fn uuid(args: &Args, entropy: Option<&Entropy>) -> Outcome {
    at_most("uuid", args, 0)?;
    let text = match entropy {
        Some(e) => crate::intrinsics::uuid_v4(&mut || e.next()),
        None => crate::intrinsics::uuid_v4(&mut || 0),
    };
    Ok(Some(Value::String(text)))
}

/// `$parse(text)`: the JSON value of the text. Undefined gives undefined; text that is not one
/// JSON value fails with `D3137: Invalid JSON`. Strings may be single-quoted and a key may not
/// repeat, as AWS's parser has it.
fn parse(args: &Args) -> Outcome {
    at_most("parse", args, 1)?;
    let Some(text) = arg(args, 0) else {
        return Ok(None);
    };
    let Value::String(text) = text else {
        return Err(mismatch("parse", 1));
    };
    let text = double_quoted(text).ok_or_else(invalid_json)?;
    let mut reader = serde_json::Deserializer::from_str(&text);
    let value = Strict
        .deserialize(&mut reader)
        .map_err(|_| invalid_json())?;
    reader.end().map_err(|_| invalid_json())?;
    Ok(Some(value))
}

fn invalid_json() -> Error {
    failure("Invalid JSON".into())
}

/// The text with each single-quoted string written double-quoted; `None` for a string left open.
fn double_quoted(text: &str) -> Option<std::borrow::Cow<'_, str>> {
    if !text.contains('\'') {
        return Some(text.into());
    }
    let mut out = String::with_capacity(text.len() + 2);
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                out.push('"');
                loop {
                    let c = chars.next()?;
                    out.push(c);
                    match c {
                        '\\' => out.push(chars.next()?),
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '\'' => {
                out.push('"');
                loop {
                    match chars.next()? {
                        '\'' => break,
                        '"' => out.push_str("\\\""),
                        '\\' => match chars.next()? {
                            '\'' => out.push('\''),
                            escaped => {
                                out.push('\\');
                                out.push(escaped);
                            }
                        },
                        c => out.push(c),
                    }
                }
                out.push('"');
            }
            c => out.push(c),
        }
    }
    Some(out.into())
}

/// Reads a JSON value, refusing an object whose key repeats. serde_json bounds the nesting.
struct Strict;

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Strict)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom("duplicate key"));
            }
            let value = map.next_value_seed(Strict)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}
