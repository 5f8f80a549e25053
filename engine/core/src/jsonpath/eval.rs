//! Jayway's evaluation of a path's segments against one document.
//!
//! Jayway evaluates token by token, depth first; evaluating segment by segment over the ordered list of
//! current nodes gives the same results in the same order. What it treats as an error (a "throw") depends
//! on whether every token before the current one is definite; the caller turns a throw into "not found"
//! for a definite path and into an empty list for an indefinite one.

use super::filter::Regexes;
use super::value::{clone_value, number_value};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::cell::Cell;
use stepd_asl::drop_deep;
use stepd_asl::path::{Function, Key, Root, Segment, Selector};

/// Jayway threw (`PathNotFoundException`, `InvalidPathException` or a function's `JsonPathException`).
#[derive(Debug)]
pub(super) struct Thrown;

pub(super) type Matches<'d> = Vec<Cow<'d, Value>>;

/// Drops matches without recursion: computed ones (a merged `['a','b']`) may hold deep copies.
pub(super) fn release<'a>(found: impl IntoIterator<Item = Cow<'a, Value>>) {
    for m in found {
        if let Cow::Owned(v) = m {
            drop_deep(v);
        }
    }
}

/// The `.*` Jayway appends to the argument path of a scanning `length()`.
static WILDCARD: Segment = Segment::Child(Selector::Wildcard);

/// Nodes one `select` may copy into its result: far above any payload Step Functions accepts (256 KiB),
/// low enough that `$..*` over deeply nested input fails instead of exhausting memory. Smaller under test,
/// so that reaching it is quick.
const COPY_BUDGET: usize = if cfg!(test) { 1 << 20 } else { 1 << 24 };

/// A path's segments, optionally followed by one extra segment.
#[derive(Clone, Copy)]
pub(super) struct Segs<'p> {
    main: &'p [Segment],
    tail: Option<&'p Segment>,
}

impl<'p> Segs<'p> {
    pub(super) fn new(main: &'p [Segment]) -> Self {
        Segs { main, tail: None }
    }

    fn len(self) -> usize {
        self.main.len() + usize::from(self.tail.is_some())
    }

    fn get(self, i: usize) -> Option<&'p Segment> {
        match self.main.get(i) {
            Some(s) => Some(s),
            None if i == self.main.len() => self.tail,
            None => None,
        }
    }

    /// `$..x.fn()`: Jayway rewrites it to `fn()` applied to the document with `$..x` as its argument.
    fn inverted(self) -> Option<(Function, Segs<'p>)> {
        if self.tail.is_some() {
            return None;
        }
        match (self.main.first()?, self.main.split_last()?) {
            (Segment::Descendant(_), (Segment::Function(f), rest)) if !rest.is_empty() => {
                Some((*f, Segs::new(rest)))
            }
            _ => None,
        }
    }

    /// Jayway's `isDefinite()`: a single result (or "not found") rather than a list.
    pub(super) fn is_definite(self) -> bool {
        if self.inverted().is_some() {
            return true;
        }
        let n = self.len();
        (0..n).all(|i| self.get(i).is_some_and(|s| token_definite(s, i + 1 == n)))
    }
}

fn token_definite(seg: &Segment, leaf: bool) -> bool {
    match seg {
        Segment::Child(Selector::Name(_) | Selector::Index(_)) | Segment::Function(_) => true,
        // A trailing `['a','b']` merges into one object.
        Segment::Child(Selector::Union(keys)) => leaf && names(keys).is_some(),
        _ => false,
    }
}

/// The names of a union of names (`None` for a union of indexes).
fn names(keys: &[Key]) -> Option<Vec<&str>> {
    keys.iter()
        .map(|k| match k {
            Key::Name(n) => Some(n.as_str()),
            Key::Index(_) => None,
        })
        .collect()
}

fn is_container(v: &&Value) -> bool {
    matches!(v, Value::Array(_) | Value::Object(_))
}

pub(super) struct Eval<'d> {
    /// Jayway's root document: what `$` means inside a filter.
    pub(super) root: &'d Value,
    pub(super) context: &'d Value,
    pub(super) variable: &'d dyn Fn(&str) -> Option<&'d Value>,
    pub(super) regexes: Regexes,
    budget: Cell<usize>,
}

impl<'d> Eval<'d> {
    pub(super) fn new(
        root: &'d Value,
        context: &'d Value,
        variable: &'d dyn Fn(&str) -> Option<&'d Value>,
    ) -> Self {
        Eval {
            root,
            context,
            variable,
            regexes: Regexes::default(),
            budget: Cell::new(COPY_BUDGET),
        }
    }

    /// The document a root names (`None` for an undefined variable).
    pub(super) fn document(&self, root: &Root) -> Option<&'d Value> {
        match root {
            Root::Input => Some(self.root),
            Root::Context => Some(self.context),
            Root::Variable(name) => (self.variable)(name),
        }
    }

    /// An owned copy of a match, charged to this evaluation's copy budget.
    pub(super) fn own(&self, m: Cow<'d, Value>) -> Result<Value, Thrown> {
        match m {
            Cow::Owned(v) => Ok(v),
            Cow::Borrowed(v) => self.copy(v),
        }
    }

    fn copy(&self, v: &Value) -> Result<Value, Thrown> {
        let mut budget = self.budget.get();
        let copied = clone_value(v, &mut budget);
        self.budget.set(budget);
        copied.ok_or(Thrown)
    }

    /// Every match of `segs` in `doc`, in document order. `strict` is Jayway's `REQUIRE_PROPERTIES` (a
    /// missing property anywhere throws), used for existence checks in filters.
    pub(super) fn eval(
        &self,
        doc: &'d Value,
        segs: Segs<'_>,
        strict: bool,
    ) -> Result<Matches<'d>, Thrown> {
        if let Some((f, argument)) = segs.inverted() {
            return Ok(vec![self.scan_function(f, doc, argument, strict)?]);
        }
        let n = segs.len();
        let mut current = vec![doc];
        let mut upstream = true;
        for i in 0..n {
            let Some(seg) = segs.get(i) else { break };
            let leaf = i + 1 == n;
            let mut out = Vec::new();
            for &node in &current {
                match seg {
                    Segment::Child(sel) => {
                        self.child(sel, node, upstream, leaf, strict, &mut out)?
                    }
                    Segment::Descendant(sel) => self.scan(sel, node, leaf, strict, &mut out)?,
                    Segment::Function(f) => out.push(self.apply(*f, node)?),
                }
            }
            if leaf {
                return Ok(out);
            }
            upstream = upstream && token_definite(seg, leaf);
            // Only a last segment computes values; everything before it selects existing nodes.
            current = out
                .into_iter()
                .filter_map(|m| match m {
                    Cow::Borrowed(v) => Some(v),
                    Cow::Owned(v) => {
                        drop_deep(v);
                        None
                    }
                })
                .collect();
        }
        Ok(current.into_iter().map(Cow::Borrowed).collect())
    }

    /// One child selector applied to one node.
    fn child(
        &self,
        sel: &Selector,
        node: &'d Value,
        upstream: bool,
        leaf: bool,
        strict: bool,
        out: &mut Matches<'d>,
    ) -> Result<(), Thrown> {
        match sel {
            Selector::Name(name) => property(node, name, upstream, true, leaf, strict, out),
            Selector::Union(keys) => match names(keys) {
                Some(names) if leaf => self.merge(node, &names, upstream, strict, out),
                Some(names) => {
                    if !node.is_object() {
                        return if upstream { Err(Thrown) } else { Ok(()) };
                    }
                    for name in names {
                        property(node, name, upstream, false, false, strict, out)?;
                    }
                    Ok(())
                }
                None => {
                    if let Some(items) = array(node, upstream)? {
                        for key in keys {
                            if let Key::Index(i) = key {
                                push_index(items, *i, out);
                            }
                        }
                    }
                    Ok(())
                }
            },
            Selector::Index(i) => {
                if let Some(items) = array(node, upstream)? {
                    push_index(items, *i, out);
                }
                Ok(())
            }
            Selector::Slice { start, end, .. } => {
                if let Some(items) = array(node, upstream)? {
                    slice(items, *start, *end, out);
                }
                Ok(())
            }
            Selector::Wildcard => {
                match node {
                    Value::Object(m) => out.extend(m.values().map(Cow::Borrowed)),
                    Value::Array(a) => out.extend(a.iter().map(Cow::Borrowed)),
                    _ => {}
                }
                Ok(())
            }
            // On an object the filter tests the object itself; on an array, each element.
            Selector::Filter(f) => match node {
                Value::Object(_) => {
                    if self.accept(f, node) {
                        out.push(Cow::Borrowed(node));
                    }
                    Ok(())
                }
                Value::Array(a) => {
                    out.extend(
                        a.iter()
                            .filter(|item| self.accept(f, item))
                            .map(Cow::Borrowed),
                    );
                    Ok(())
                }
                _ if upstream => Err(Thrown),
                _ => Ok(()),
            },
        }
    }

    /// A trailing `['a','b']`: one object holding the named members that exist.
    fn merge(
        &self,
        node: &'d Value,
        names: &[&str],
        upstream: bool,
        strict: bool,
        out: &mut Matches<'d>,
    ) -> Result<(), Thrown> {
        let Value::Object(m) = node else {
            return if upstream { Err(Thrown) } else { Ok(()) };
        };
        let mut merged = Map::new();
        for &name in names {
            let copied = match m.get(name) {
                Some(v) => self.copy(v),
                None if strict => Err(Thrown),
                None => continue,
            };
            match copied {
                Ok(v) => {
                    merged.insert(name.to_string(), v);
                }
                Err(thrown) => {
                    drop_deep(Value::Object(merged));
                    return Err(thrown);
                }
            }
        }
        out.push(Cow::Owned(Value::Object(merged)));
        Ok(())
    }

    /// `..sel`: every object and array under `node` (itself included) in pre-order; where `sel` can
    /// apply, its matches come before those found deeper.
    fn scan(
        &self,
        sel: &Selector,
        node: &'d Value,
        leaf: bool,
        strict: bool,
        out: &mut Matches<'d>,
    ) -> Result<(), Thrown> {
        let mut stack = vec![node];
        while let Some(node) = stack.pop() {
            match node {
                Value::Object(m) => {
                    if self.scan_applies(sel, node, leaf) {
                        self.child(sel, node, false, leaf, strict, out)?;
                    }
                    stack.extend(m.values().rev().filter(is_container));
                }
                Value::Array(a) => {
                    if self.scan_applies(sel, node, leaf) {
                        if leaf {
                            self.child(sel, node, false, leaf, strict, out)?;
                        } else {
                            // Jayway's ScanPathToken.walkArray hands every element to the next segment,
                            // whatever the selector (so `$..[0].x` reads `x` of every element).
                            out.extend(a.iter().map(Cow::Borrowed));
                        }
                    }
                    stack.extend(a.iter().rev().filter(is_container));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Jayway's scan predicates: which nodes a selector after `..` is tried on.
    fn scan_applies(&self, sel: &Selector, node: &'d Value, leaf: bool) -> bool {
        match sel {
            Selector::Name(n) => node.as_object().is_some_and(|m| m.contains_key(n)),
            Selector::Union(keys) => match names(keys) {
                Some(names) => node
                    .as_object()
                    .is_some_and(|m| !leaf || names.iter().all(|n| m.contains_key(*n))),
                None => node.is_array(),
            },
            Selector::Index(_) | Selector::Slice { .. } => node.is_array(),
            Selector::Wildcard => true,
            Selector::Filter(f) => self.accept(f, node),
        }
    }

    /// A trailing function applied to one node.
    fn apply(&self, f: Function, node: &'d Value) -> Result<Cow<'d, Value>, Thrown> {
        Ok(match f {
            Function::Length => Cow::Owned(match node {
                Value::Array(a) => a.len().into(),
                Value::Object(m) => m.len().into(),
                // Jayway's Length answers only for arrays and objects.
                _ => Value::Null,
            }),
            Function::Keys => Cow::Owned(match node {
                Value::Object(m) => {
                    Value::Array(m.keys().map(|k| Value::String(k.clone())).collect())
                }
                _ => Value::Null,
            }),
            Function::First => match node {
                Value::Array(a) => Cow::Borrowed(a.first().ok_or(Thrown)?),
                _ => return Err(Thrown),
            },
            // Jayway computes `size - 1` and insists it be > 0, so `last()` of one element throws.
            Function::Last => match node {
                Value::Array(a) if a.len() > 1 => Cow::Borrowed(a.last().ok_or(Thrown)?),
                _ => return Err(Thrown),
            },
            aggregation => Cow::Owned(aggregate(aggregation, numbers(node).collect())?),
        })
    }

    /// `fn()` over `$..x`, rewritten by Jayway to `fn()` on `doc` with the scan as its argument.
    fn scan_function(
        &self,
        f: Function,
        doc: &'d Value,
        argument: Segs<'_>,
        strict: bool,
    ) -> Result<Cow<'d, Value>, Thrown> {
        match f {
            // Counts the children of every match: the argument path gets `.*` appended.
            Function::Length => {
                let children = Segs {
                    main: argument.main,
                    tail: Some(&WILDCARD),
                };
                Ok(Cow::Owned(self.eval(doc, children, strict)?.len().into()))
            }
            Function::Keys | Function::First | Function::Last => self.apply(f, doc),
            // The document's own numbers (when it is an array), then every numeric match; the argument is
            // evaluated against the root document.
            aggregation => {
                let mut values: Vec<f64> = numbers(doc).collect();
                let found = self.eval(self.root, argument, strict)?;
                values.extend(found.iter().filter_map(|v| v.as_f64()));
                release(found);
                Ok(Cow::Owned(aggregate(aggregation, values)?))
            }
        }
    }
}

fn property<'d>(
    node: &'d Value,
    name: &str,
    upstream: bool,
    token_definite: bool,
    leaf: bool,
    strict: bool,
    out: &mut Matches<'d>,
) -> Result<(), Thrown> {
    let Value::Object(m) = node else {
        return if upstream { Err(Thrown) } else { Ok(()) };
    };
    match m.get(name) {
        Some(v) => {
            out.push(Cow::Borrowed(v));
            Ok(())
        }
        None if strict || (!leaf && upstream && token_definite) => Err(Thrown),
        None => Ok(()),
    }
}

/// Jayway's `checkArrayModel`: indexes and slices need an array.
fn array(node: &Value, upstream: bool) -> Result<Option<&Vec<Value>>, Thrown> {
    match node {
        Value::Array(items) => Ok(Some(items)),
        _ if upstream => Err(Thrown),
        _ => Ok(None),
    }
}

/// Jayway's `handleArrayIndex`: negative indexes count from the end, out-of-range ones select nothing.
fn push_index<'d>(items: &'d [Value], index: impl Into<i128>, out: &mut Matches<'d>) {
    let len = items.len() as i128;
    let index = index.into();
    let at = if index < 0 { len + index } else { index };
    if let Some(v) = usize::try_from(at).ok().and_then(|i| items.get(i)) {
        out.push(Cow::Borrowed(v));
    }
}

/// Jayway's ArraySliceToken. The step is ignored (Jayway reads only `start:end`); `[start:end]` does not
/// normalise a negative start, each index wraps on its own (`[-4:1]` of six items is 2,3,4,5,0).
fn slice<'d>(items: &'d [Value], start: Option<i64>, end: Option<i64>, out: &mut Matches<'d>) {
    let len = items.len() as i128;
    let (from, to) = match (start.map(i128::from), end.map(i128::from)) {
        (Some(s), None) => ((if s < 0 { len + s } else { s }).max(0), len),
        // Indexes below -len wrap to nothing, so start there at the earliest.
        (Some(s), Some(e)) => (s.max(-len), e.min(len)),
        (None, Some(e)) => (0, (if e < 0 { len + e } else { e }).min(len)),
        (None, None) => (0, len),
    };
    for i in from..to {
        push_index(items, i, out);
    }
}

/// The numbers directly inside an array (other values are skipped, as Jayway does).
fn numbers(node: &Value) -> impl Iterator<Item = f64> + '_ {
    node.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_f64)
}

/// Jayway's numeric functions: `double` arithmetic, and an empty input throws.
fn aggregate(f: Function, values: Vec<f64>) -> Result<Value, Thrown> {
    if values.is_empty() {
        return Err(Thrown);
    }
    let count = values.len() as f64;
    let sum: f64 = values.iter().sum();
    let x = match f {
        Function::Min => values.iter().copied().fold(f64::MAX, f64::min),
        Function::Max => values.iter().copied().fold(-f64::MAX, f64::max),
        Function::Sum => sum,
        Function::Avg => sum / count,
        Function::Stddev => {
            let squares: f64 = values.iter().map(|v| v * v).sum();
            // Population deviation; rounding can leave a tiny negative variance.
            (squares / count - sum * sum / count / count)
                .max(0.0)
                .sqrt()
        }
        _ => return Err(Thrown),
    };
    number_value(x).ok_or(Thrown)
}
