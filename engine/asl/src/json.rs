//! Reading definition text into JSON safely: size and depth limits, no recursion limits on the stack.
//!
//! A definition may legitimately nest thousands of levels (Parallel inside Parallel), so the parser runs on
//! `serde_stacker`, which grows the stack on the heap, and deep values are taken apart iteratively when dropped.

use crate::diagnostic::{Code, Diagnostic};
use crate::node::Node;
use serde::Deserialize;
use serde_json::Value;

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

/// A location inside a payload, rendered to text only when a diagnostic needs it.
pub(crate) enum Loc<'a> {
    At(&'a str),
    Key(&'a Loc<'a>, &'a str),
    Index(&'a Loc<'a>, usize),
}

impl Loc<'_> {
    /// The location in AWS's notation; iterative, as payloads may nest deeply.
    pub(crate) fn render(&self) -> String {
        let mut steps = Vec::new();
        let mut at = self;
        let base = loop {
            match at {
                Loc::At(s) => break *s,
                Loc::Key(parent, _) | Loc::Index(parent, _) => {
                    steps.push(at);
                    at = parent;
                }
            }
        };
        let mut out = base.to_string();
        for step in steps.iter().rev() {
            match step {
                Loc::Key(_, k) => {
                    out.push('/');
                    out.push_str(k);
                }
                Loc::Index(_, i) => out.push_str(&format!("[{i}]")),
                Loc::At(_) => {}
            }
        }
        out
    }
}

/// Appends a field name to a location the way AWS writes them: `/States/a/b` for the state `a/b` (no escaping).
pub fn pointer_push(base: &str, token: &str) -> String {
    let mut out = String::with_capacity(base.len() + 1 + token.len());
    out.push_str(base);
    out.push('/');
    out.push_str(token);
    out
}

/// Appends an array index to a location the way AWS writes them: `/Branches[0]`.
pub fn pointer_index(base: &str, index: usize) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(base.len() + 4);
    out.push_str(base);
    let _ = write!(out, "[{index}]");
    out
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
        assert_eq!(
            pointer_index(&pointer_push("/States", "a/b"), 2),
            "/States/a/b[2]"
        );
    }
}
