//! Reading definition text into JSON safely: size and depth limits, no recursion limits on the stack.
//!
//! A definition may legitimately nest thousands of levels (Parallel inside Parallel), so the parser runs on
//! `serde_stacker`, which grows the stack on the heap, and deep values are taken apart iteratively when dropped.

use crate::diagnostic::{Code, Diagnostic};
use crate::node::Node;
use serde::Deserialize;
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;
use std::rc::Rc;

/// The largest definition AWS accepts: 1 MiB of UTF-8.
pub const MAX_DEFINITION_BYTES: usize = 1024 * 1024;

/// Deepest JSON nesting we accept (`TOO_DEEPLY_NESTED` beyond). Ten thousand nested Parallel states need four
/// levels each; AWS documents no number.
pub const MAX_NESTING_DEPTH: usize = 100_000;

/// Parses definition text into a JSON value, or explains (with line and column) why it cannot be read.
pub(crate) fn read_document(text: &str) -> Result<Node<'_>, Diagnostic> {
    if text.len() > MAX_DEFINITION_BYTES {
        return Err(Diagnostic::unlocated(
            Code::InvalidJsonDescription,
            format!("Definition exceeds the maximum size of {MAX_DEFINITION_BYTES} bytes"),
        ));
    }
    if let Some((depth_at, line, column)) = too_deep(text) {
        let mut d = Diagnostic::unlocated(
            Code::TooDeeplyNested,
            format!("JSON nesting exceeds {MAX_NESTING_DEPTH} levels (at byte {depth_at})"),
        );
        d.line = Some(line);
        d.column = Some(column);
        return Err(d);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    de.disable_recursion_limit();
    let node = Node::deserialize(serde_stacker::Deserializer::new(&mut de)).map_err(syntax)?;
    de.end().map_err(syntax)?;
    Ok(node)
}

fn syntax(e: serde_json::Error) -> Diagnostic {
    let mut d = Diagnostic::unlocated(
        Code::InvalidJsonDescription,
        format!("Invalid JSON: {}", strip_position(&e.to_string())),
    );
    if e.line() > 0 {
        d.line = Some(e.line());
        d.column = Some(e.column());
    }
    d
}

/// serde_json appends " at line L column C"; we report those separately.
fn strip_position(msg: &str) -> &str {
    match msg.rfind(" at line ") {
        Some(i) => &msg[..i],
        None => msg,
    }
}

/// Finds the first place the nesting depth exceeds the limit, skipping string contents.
fn too_deep(text: &str) -> Option<(usize, usize, usize)> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let (mut line, mut line_start) = (1usize, 0usize);
    for (i, b) in text.bytes().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_NESTING_DEPTH {
                    return Some((i, line, i - line_start + 1));
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            b'\n' => {
                line += 1;
                line_start = i + 1;
            }
            _ => {}
        }
    }
    None
}

/// Drops a value of any depth without recursion (the derived drop of a deep `Value` overflows the stack).
pub fn drop_deep(value: Value) {
    // Scalars and shallow containers drop normally; only nesting needs the explicit stack.
    let shallow = match &value {
        Value::Array(a) => a.iter().all(is_scalar),
        Value::Object(m) => m.values().all(is_scalar),
        _ => true,
    };
    if shallow {
        return;
    }
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => stack.extend(map.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Array(_) | Value::Object(_))
}

/// Where an object sits in the definition, shared with everything under it and rendered to text (AWS's
/// notation: `/States/P/Branches[0]/States/A`) only when a diagnostic needs it. Building a child location is
/// O(1), so ten thousand nested states cost no quadratic copying of ever longer strings.
#[derive(Clone, Default)]
pub(crate) struct At<'a>(Option<Rc<Step<'a>>>);

struct Step<'a> {
    parent: At<'a>,
    seg: Seg<'a>,
}

enum Seg<'a> {
    Key(Cow<'a, str>),
    Index(usize),
}

impl<'a> At<'a> {
    /// The whole document.
    pub(crate) fn root() -> Self {
        At(None)
    }

    pub(crate) fn key(&self, key: impl Into<Cow<'a, str>>) -> At<'a> {
        At(Some(Rc::new(Step {
            parent: self.clone(),
            seg: Seg::Key(key.into()),
        })))
    }

    pub(crate) fn index(&self, index: usize) -> At<'a> {
        At(Some(Rc::new(Step {
            parent: self.clone(),
            seg: Seg::Index(index),
        })))
    }

    /// The location as text (empty for the root); iterative, as chains may be long.
    pub(crate) fn render(&self) -> String {
        let mut segs = Vec::new();
        let mut at = &self.0;
        while let Some(step) = at {
            segs.push(&step.seg);
            at = &step.parent.0;
        }
        let mut out = String::new();
        for seg in segs.iter().rev() {
            push_seg(&mut out, seg);
        }
        out
    }
}

fn push_seg(out: &mut String, seg: &Seg<'_>) {
    match seg {
        Seg::Key(k) => {
            out.push('/');
            out.push_str(k);
        }
        Seg::Index(i) => {
            use std::fmt::Write;
            let _ = write!(out, "[{i}]");
        }
    }
}

impl fmt::Debug for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

impl Drop for At<'_> {
    /// Unlinks the chain iteratively: the last owner of a long chain must not recurse through it.
    fn drop(&mut self) {
        let mut next = self.0.take();
        while let Some(rc) = next {
            next = match Rc::try_unwrap(rc) {
                Ok(mut step) => step.parent.0.take(),
                Err(_) => None,
            };
        }
    }
}

/// A location inside a payload, borrowed from the stack while the payload is read (no allocation unless a
/// diagnostic renders it).
pub(crate) enum Loc<'x, 'a> {
    At(&'x At<'a>),
    Key(&'x Loc<'x, 'a>, &'x str),
    Index(&'x Loc<'x, 'a>, usize),
}

impl Loc<'_, '_> {
    /// The location in AWS's notation; iterative, as payloads may nest deeply.
    pub(crate) fn render(&self) -> String {
        let mut steps = Vec::new();
        let mut at = self;
        let base = loop {
            match at {
                Loc::At(base) => break base,
                Loc::Key(parent, _) | Loc::Index(parent, _) => {
                    steps.push(at);
                    at = parent;
                }
            }
        };
        let mut out = base.render();
        for step in steps.iter().rev() {
            match step {
                Loc::Key(_, k) => push_seg(&mut out, &Seg::Key(Cow::Borrowed(k))),
                Loc::Index(_, i) => push_seg(&mut out, &Seg::Index(*i)),
                Loc::At(_) => {}
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let d = read_document("{\n  \"StartAt\": ,\n}").unwrap_err();
        assert_eq!(
            (d.code, d.location.clone()),
            (Code::InvalidJsonDescription, None)
        );
        assert_eq!((d.line, d.column), (Some(2), Some(14)));
    }

    #[test]
    fn trailing_garbage_is_rejected() {
        assert!(read_document("{} x").is_err());
        assert!(read_document("{}  \n").is_ok());
    }

    #[test]
    fn oversized_and_overdeep_documents_are_rejected() {
        let big = format!("{{\"a\":\"{}\"}}", "x".repeat(MAX_DEFINITION_BYTES));
        assert!(
            read_document(&big)
                .unwrap_err()
                .message
                .contains("maximum size")
        );
        let deep = "[".repeat(MAX_NESTING_DEPTH + 1);
        assert!(
            read_document(&deep)
                .unwrap_err()
                .message
                .contains("nesting exceeds")
        );
    }

    #[test]
    fn deep_values_parse_and_drop() {
        let n = 90_000;
        let text = format!("{}{}", "[".repeat(n), "]".repeat(n));
        drop(read_document(&text).unwrap());
        // A syntax error after a deep, complete value drops that value inside the parser.
        let text = format!("[{}{}, ]", "[".repeat(n), "]".repeat(n));
        assert!(read_document(&text).is_err());
        let text = format!(
            r#"{{"a": {}{}}} x"#,
            "{\"b\":".repeat(n),
            "1".to_string() + &"}".repeat(n)
        );
        assert!(read_document(&text).is_err());
    }

    #[test]
    fn locations_follow_aws_notation() {
        let at = At::root().key("States").key("a/b").index(2);
        assert_eq!(at.render(), "/States/a/b[2]");
        assert_eq!(
            Loc::Index(&Loc::Key(&Loc::At(&at), "x"), 0).render(),
            "/States/a/b[2]/x[0]"
        );
        assert_eq!(At::root().render(), "");
    }

    #[test]
    fn long_location_chains_drop_without_recursion() {
        let mut at = At::root();
        for i in 0..200_000 {
            at = at.index(i);
        }
        drop(at);
    }
}
