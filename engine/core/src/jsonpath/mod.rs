//! JSONPath at run time, as Step Functions evaluates it (Jayway JsonPath): selecting, and writing ResultPath.
//!
//! Jayway's rules are followed where they surprise: a trailing `['a','b']` merges into one object; a filter
//! on an object tests the object itself; `==` compares a string and a number by their text; a slice's step
//! is ignored; `..x.fn()` applies `fn` to all of `..x` at once. An indefinite path whose evaluation fails
//! yields `[]`, as AWS answers (`$.items[1:]` on `{}` is `[]`).

mod eval;
mod filter;
mod value;

use eval::{Eval, Segs};
use serde_json::{Map, Value};
use stepd_asl::drop_deep;
use stepd_asl::path::{Key, Path, Root, Segment, Selector};

/// The values a path's root can name: `$` the input, `$$` the context object, `$name` a variable.
pub(crate) struct Roots<'a> {
    pub input: &'a Value,
    pub context: &'a Value,
    pub variable: &'a dyn Fn(&str) -> Option<&'a Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Missing {
    /// The path selects nothing (a definite path whose node does not exist).
    NotFound,
    /// `$name` names a variable that is not defined.
    UndefinedVariable(String),
}

/// Evaluates a JSONPath the way Step Functions does (Jayway JsonPath semantics): a definite path (only names
/// and indexes, optionally a trailing function like `.length()`) yields its single node or `Err(NotFound)`;
/// an indefinite path (wildcard, filter, slice, union, `..`) yields an array of every match (possibly empty,
/// in document order).
///
/// Jayway also counts a trailing `['a','b']` (one merged object) and `$..x.fn()` as definite. Also
/// `Err(NotFound)`: a function Jayway rejects (`avg()` of no numbers, `first()` of `[]`), and a result of
/// more than 16 million nodes (`$..*` over deeply nested input).
pub(crate) fn select(path: &Path, roots: &Roots<'_>) -> Result<Value, Missing> {
    let doc = match &path.root {
        Root::Input => roots.input,
        Root::Context => roots.context,
        Root::Variable(name) => {
            (roots.variable)(name).ok_or_else(|| Missing::UndefinedVariable(name.clone()))?
        }
    };
    // Jayway's root document is the one the path starts from: `$` inside a filter means that document.
    let ev = Eval::new(doc, roots.context, roots.variable);
    let segs = Segs::new(&path.segments);
    let definite = segs.is_definite();
    match ev.eval(doc, segs, false) {
        Ok(mut found) if definite => {
            let last = found.pop().ok_or(Missing::NotFound)?;
            ev.own(last).map_err(|_| Missing::NotFound)
        }
        Ok(found) => {
            let mut out = Vec::with_capacity(found.len());
            let mut found = found.into_iter();
            while let Some(m) = found.next() {
                match ev.own(m) {
                    Ok(v) => out.push(v),
                    Err(_) => {
                        // Copies may be deep: drop them without recursion.
                        drop_deep(Value::Array(out));
                        eval::release(found);
                        return Err(Missing::NotFound);
                    }
                }
            }
            Ok(Value::Array(out))
        }
        Err(_) if definite => Err(Missing::NotFound),
        Err(_) => Ok(Value::Array(Vec::new())),
    }
}

/// Writes `value` at a reference path inside `target` (ResultPath semantics): `$` replaces the whole target;
/// missing intermediate object fields are created; `Err(reason)` when the path runs into a non-object, or an
/// array index that does not exist. The interpreter turns the reason into a `States.Runtime` failure.
///
/// On error `target` is unchanged, and the reason is AWS's: `Unable to apply ReferencePath $.a.b to input
/// {"a":1}`. Negative indexes count from the end, as they do when selecting.
pub(crate) fn set(target: &mut Value, path: &Path, value: Value) -> Result<(), String> {
    if !path.is_reference() {
        drop_deep(value);
        return Err(format!("{path} is not a reference path"));
    }
    match place(target, &path.segments, value) {
        Ok(replaced) => {
            // The input may nest deeply; what the write replaces is dropped without recursion.
            if let Some(old) = replaced {
                drop_deep(old);
            }
            Ok(())
        }
        Err(value) => {
            drop_deep(value);
            Err(format!(
                "Unable to apply ReferencePath {path} to input {}",
                value::to_text(target)
            ))
        }
    }
}

/// Mutates only once the write is known to succeed; gives back what it replaced, or the value unused.
fn place(target: &mut Value, segments: &[Segment], value: Value) -> Result<Option<Value>, Value> {
    let Some((last, parents)) = segments.split_last() else {
        return Ok(Some(std::mem::replace(target, value)));
    };
    let mut node = target;
    for (i, seg) in parents.iter().enumerate() {
        node = match (seg, node) {
            (Segment::Child(Selector::Name(name)), Value::Object(map)) => {
                if !map.contains_key(name) {
                    return create(map, &segments[i..], value).map(|()| None);
                }
                match map.get_mut(name) {
                    Some(child) => child,
                    None => return Err(value),
                }
            }
            (Segment::Child(Selector::Index(index)), Value::Array(items)) => {
                match resolve(*index, items.len()).and_then(|at| items.get_mut(at)) {
                    Some(child) => child,
                    None => return Err(value),
                }
            }
            _ => return Err(value),
        };
    }
    match (last, node) {
        (Segment::Child(Selector::Name(name)), Value::Object(map)) => {
            Ok(map.insert(name.clone(), value))
        }
        (Segment::Child(Selector::Index(index)), Value::Array(items)) => {
            match resolve(*index, items.len()).and_then(|at| items.get_mut(at)) {
                Some(slot) => Ok(Some(std::mem::replace(slot, value))),
                None => Err(value),
            }
        }
        _ => Err(value),
    }
}

/// `rest` names members that do not exist yet: objects are created down to the value. Only names can be
/// created; an index there fails before anything changes.
fn create(map: &mut Map<String, Value>, rest: &[Segment], value: Value) -> Result<(), Value> {
    let mut names = Vec::with_capacity(rest.len());
    for seg in rest {
        match seg {
            Segment::Child(Selector::Name(name)) => names.push(name),
            _ => return Err(value),
        }
    }
    let Some((first, deeper)) = names.split_first() else {
        return Err(value);
    };
    let mut node = value;
    for name in deeper.iter().rev() {
        let mut inner = Map::new();
        inner.insert((*name).clone(), node);
        node = Value::Object(inner);
    }
    map.insert((*first).clone(), node);
    Ok(())
}

fn resolve(index: i64, len: usize) -> Option<usize> {
    let at = if index < 0 {
        i128::from(len as u64) + i128::from(index)
    } else {
        i128::from(index)
    };
    usize::try_from(at).ok().filter(|&i| i < len)
}

/// The path as Jayway prints it in its messages (`$['NoSuchInputPath']`, `$['a'][0][*]`), which AWS
/// quotes: "Invalid path '$.x' : No results for path: $['x']".
pub(crate) fn jayway_notation(path: &Path) -> String {
    let mut out = match &path.root {
        Root::Input => "$".to_string(),
        Root::Context => "$$".to_string(),
        Root::Variable(name) => format!("${name}"),
    };
    for seg in &path.segments {
        let sel = match seg {
            Segment::Child(sel) => sel,
            Segment::Descendant(sel) => {
                out.push_str("..");
                sel
            }
            Segment::Function(f) => {
                out.push_str(&format!(".{}()", format!("{f:?}").to_lowercase()));
                continue;
            }
        };
        match sel {
            Selector::Name(name) => out.push_str(&format!("['{name}']")),
            Selector::Wildcard => out.push_str("[*]"),
            Selector::Index(i) => out.push_str(&format!("[{i}]")),
            Selector::Union(keys) => {
                let keys: Vec<String> = keys
                    .iter()
                    .map(|k| match k {
                        Key::Name(n) => format!("'{n}'"),
                        Key::Index(i) => i.to_string(),
                    })
                    .collect();
                out.push_str(&format!("[{}]", keys.join(",")));
            }
            Selector::Slice { start, end, .. } => {
                let bound = |b: &Option<i64>| b.map(|v| v.to_string()).unwrap_or_default();
                out.push_str(&format!("[{}:{}]", bound(start), bound(end)));
            }
            Selector::Filter(_) => out.push_str("[?]"),
        }
    }
    out
}

#[cfg(test)]
mod tests;
