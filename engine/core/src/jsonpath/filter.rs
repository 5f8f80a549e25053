//! Filter predicates `[?(...)]` the way Jayway evaluates them.
//!
//! Operands become Jayway's value nodes: a path that finds nothing is *undefined* (equal to nothing, so
//! `!=` holds), an indefinite path is its list of matches. `==` compares a string and a number by their
//! text (Jayway's `StringNode`/`NumberNode` equality), `<`-style operators need two numbers or two strings.

use super::eval::{Eval, Segs, release};
use super::value::{cmp_numbers, cmp_text, deep_eq, number_equals_text};
use regex::{Regex, RegexBuilder};
use serde_json::Value;
use std::borrow::Cow;
use std::cell::RefCell;
use std::cmp::Ordering;
use stepd_asl::path::{Filter, FilterOp, FilterValue, Root};

/// Compiled `=~` patterns, per evaluation (a filter runs once per candidate node).
#[derive(Default)]
pub(super) struct Regexes(RefCell<Vec<(String, String, Option<Regex>)>>);

impl Regexes {
    /// Java's `Pattern.matcher(input).matches()`: the whole input must match. A pattern the `regex`
    /// crate cannot compile (Java-only syntax such as look-around) matches nothing.
    fn full_match(&self, pattern: &str, flags: &str, input: &str) -> bool {
        let mut cache = self.0.borrow_mut();
        let at = match cache
            .iter()
            .position(|(p, f, _)| p == pattern && f == flags)
        {
            Some(at) => at,
            None => {
                let build = |text: &str| {
                    RegexBuilder::new(text)
                        .case_insensitive(flags.contains('i'))
                        .multi_line(flags.contains('m'))
                        .dot_matches_new_line(flags.contains('s'))
                        .ignore_whitespace(flags.contains('x'))
                        .size_limit(1 << 22)
                        .build()
                        .ok()
                };
                // Anchored for a whole-input match, once the pattern is known to stand on its own (so
                // `a)|(b` cannot escape the group); with `x` a newline ends a trailing `#` comment.
                let end = if flags.contains('x') { "\n" } else { "" };
                let compiled =
                    build(pattern).and_then(|_| build(&format!(r"\A(?:{pattern}{end})\z")));
                cache.push((pattern.to_string(), flags.to_string(), compiled));
                cache.len() - 1
            }
        };
        cache
            .get(at)
            .and_then(|(_, _, re)| re.as_ref())
            .is_some_and(|re| re.is_match(input))
    }
}

/// A filter operand as Jayway sees it.
enum Operand<'o> {
    /// A path that found nothing.
    Undefined,
    Value(Cow<'o, Value>),
    /// The matches of an indefinite path (a JSON array to Jayway).
    List(Vec<Cow<'o, Value>>),
    Regex(&'o str, &'o str),
}

impl<'d> Eval<'d> {
    /// Whether `item` passes the filter.
    pub(super) fn accept(&self, f: &Filter, item: &'d Value) -> bool {
        match f {
            Filter::And(..) | Filter::Or(..) => self.chain(f, item),
            Filter::Not(inner) => !self.accept(inner, item),
            Filter::Exists(operand) => self.exists(operand, item),
            Filter::Compare(left, op, right) => self.compare(left, *op, right, item),
        }
    }

    /// A run of `&&` (or of `||`), left to right with short-circuit. The parser nests such runs to the
    /// left without bound, so they are walked in a loop rather than recursively.
    fn chain(&self, f: &Filter, item: &'d Value) -> bool {
        let is_and = matches!(f, Filter::And(..));
        let mut rights = Vec::new();
        let mut leftmost = f;
        while let (Filter::And(l, r), true) | (Filter::Or(l, r), false) = (leftmost, is_and) {
            rights.push(&**r);
            leftmost = l;
        }
        let mut result = self.accept(leftmost, item);
        for right in rights.into_iter().rev() {
            if result != is_and {
                return result;
            }
            result = self.accept(right, item);
        }
        result
    }

    /// A bare operand: for a path, whether it finds something with every property required (Jayway
    /// evaluates such paths against the current item, `$` ones included).
    fn exists(&self, operand: &FilterValue, item: &'d Value) -> bool {
        let (doc, segments) = match operand {
            FilterValue::Current(segments) => (Some(item), segments),
            FilterValue::Absolute(path) => match path.root {
                Root::Input => (Some(item), &path.segments),
                _ => (self.document(&path.root), &path.segments),
            },
            FilterValue::Literal(v) => return !matches!(v, Value::Bool(false) | Value::Null),
            FilterValue::Regex { .. } => return true,
        };
        let Some(doc) = doc else { return false };
        let segs = Segs::new(segments);
        match self.eval(doc, segs, true) {
            Ok(found) => {
                let exists = !segs.is_definite() || !found.is_empty();
                release(found);
                exists
            }
            Err(_) => false,
        }
    }

    fn operand<'o>(&'o self, v: &'o FilterValue, item: &'d Value) -> Operand<'o> {
        let (doc, segments) = match v {
            FilterValue::Current(segments) => (Some(item), segments),
            FilterValue::Absolute(path) => (self.document(&path.root), &path.segments),
            FilterValue::Literal(v) => return Operand::Value(Cow::Borrowed(v)),
            FilterValue::Regex { pattern, flags } => return Operand::Regex(pattern, flags),
        };
        let Some(doc) = doc else {
            return Operand::Undefined;
        };
        let segs = Segs::new(segments);
        match self.eval(doc, segs, false) {
            Ok(mut found) if segs.is_definite() => {
                found.pop().map_or(Operand::Undefined, Operand::Value)
            }
            Ok(found) => Operand::List(found),
            Err(_) => Operand::Undefined,
        }
    }

    fn compare(
        &self,
        left: &FilterValue,
        op: FilterOp,
        right: &FilterValue,
        item: &'d Value,
    ) -> bool {
        let l = self.operand(left, item);
        let r = self.operand(right, item);
        let passed = match op {
            FilterOp::Eq => equals(&l, &r),
            FilterOp::Ne => !equals(&l, &r),
            FilterOp::Lt => order(&l, &r) == Some(Ordering::Less),
            FilterOp::Le => matches!(order(&l, &r), Some(Ordering::Less | Ordering::Equal)),
            FilterOp::Gt => order(&l, &r) == Some(Ordering::Greater),
            FilterOp::Ge => matches!(order(&l, &r), Some(Ordering::Greater | Ordering::Equal)),
            FilterOp::Matches => self.matches(&l, &r),
            FilterOp::In => contains(&r, &l) == Some(true),
            FilterOp::Nin => contains(&r, &l) == Some(false),
        };
        discard(l);
        discard(r);
        passed
    }

    /// `=~`: strings match as they are, numbers and booleans as their text, anything else as "".
    fn matches(&self, l: &Operand<'_>, r: &Operand<'_>) -> bool {
        let Operand::Regex(pattern, flags) = r else {
            return false;
        };
        let input: Cow<'_, str> = match l {
            Operand::Value(v) => match v.as_ref() {
                Value::String(s) => Cow::Borrowed(s.as_str()),
                Value::Number(n) => Cow::Owned(n.to_string()),
                Value::Bool(b) => Cow::Owned(b.to_string()),
                _ => Cow::Borrowed(""),
            },
            Operand::Regex(..) => return false,
            _ => Cow::Borrowed(""),
        };
        self.regexes.full_match(pattern, flags, &input)
    }
}

/// Computed operands (a merged `['a','b']`) may hold deep copies: dropped without recursion.
fn discard(operand: Operand<'_>) {
    match operand {
        Operand::Value(v) => release([v]),
        Operand::List(found) => release(found),
        _ => {}
    }
}

/// Jayway's `==`.
fn equals(l: &Operand<'_>, r: &Operand<'_>) -> bool {
    match (l, r) {
        (Operand::Value(x), Operand::Value(y)) => value_equals(x, y),
        (Operand::List(x), Operand::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| deep_eq(a, b))
        }
        (Operand::List(x), Operand::Value(y)) | (Operand::Value(y), Operand::List(x)) => {
            matches!(y.as_ref(), Value::Array(a) if list_equals(x, a))
        }
        _ => false,
    }
}

fn list_equals(x: &[Cow<'_, Value>], y: &[Value]) -> bool {
    x.len() == y.len() && x.iter().zip(y).all(|(a, b)| deep_eq(a, b))
}

/// Jayway's `ValueNode.equals` with `left` as the receiver.
fn value_equals(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Number(a), Value::Number(b)) => cmp_numbers(a, b) == Ordering::Equal,
        (Value::String(s), Value::Number(n)) => *s == n.to_string(),
        (Value::Number(n), Value::String(s)) => number_equals_text(n, s),
        (Value::String(a), Value::String(b)) => a == b,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Null, Value::Null) => true,
        (Value::Array(_) | Value::Object(_), Value::Array(_) | Value::Object(_)) => {
            deep_eq(left, right)
        }
        _ => false,
    }
}

/// `<`, `<=`, `>`, `>=`: two numbers, or two strings (Java's UTF-16 order); anything else is false.
fn order(l: &Operand<'_>, r: &Operand<'_>) -> Option<Ordering> {
    let (Operand::Value(a), Operand::Value(b)) = (l, r) else {
        return None;
    };
    match (a.as_ref(), b.as_ref()) {
        (Value::Number(x), Value::Number(y)) => Some(cmp_numbers(x, y)),
        (Value::String(x), Value::String(y)) => Some(cmp_text(x, y)),
        _ => None,
    }
}

/// `in`: `Some(found)` when the right side is a list; an object on the right holds nothing (so `nin` is
/// true); any other right side makes Jayway throw, and both `in` and `nin` are false.
fn contains(list: &Operand<'_>, x: &Operand<'_>) -> Option<bool> {
    let items: Vec<&Value> = match list {
        Operand::Value(v) => match v.as_ref() {
            Value::Array(a) => a.iter().collect(),
            Value::Object(_) => return Some(false),
            _ => return None,
        },
        Operand::List(found) => found.iter().map(|c| &**c).collect(),
        _ => return None,
    };
    Some(items.into_iter().any(|item| match x {
        Operand::Value(v) => value_equals(v, item),
        Operand::List(found) => matches!(item, Value::Array(a) if list_equals(found, a)),
        _ => false,
    }))
}
