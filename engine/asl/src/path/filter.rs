//! JSONPath filter expressions `[?( ... )]`: `@`/`$` paths, literals, comparisons, `&&`, `||`, `!`.

use super::parse::{Cursor, PathError, segments};
use super::{Path, Root, Segment};
use serde_json::Value;

/// Filters nest at most this deep; a path is a short string and deeper nesting is surely a mistake.
const MAX_FILTER_DEPTH: usize = 32;

/// Most `&&`/`||` terms one filter level may chain (the tree they build drops recursively).
const MAX_FILTER_TERMS: usize = 256;

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Or(Box<Filter>, Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `a OP b`
    Compare(FilterValue, FilterOp, FilterValue),
    /// A bare operand: true when the path selects something.
    Exists(FilterValue),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `=~` with a regular expression.
    Matches,
    In,
    Nin,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FilterValue {
    /// `@...`: relative to the current item.
    Current(Vec<Segment>),
    /// `$...` inside a filter.
    Absolute(Path),
    Literal(Value),
    /// `/pattern/flags`
    Regex {
        pattern: String,
        flags: String,
    },
}

pub(crate) fn parse_filter(c: &mut Cursor<'_>, depth: usize) -> Result<Filter, PathError> {
    if depth > MAX_FILTER_DEPTH {
        return Err(c.err("filter expression nested too deeply"));
    }
    let mut left = and(c, depth)?;
    let mut terms = 1;
    loop {
        c.skip_ws();
        if !c.eat_str("||") {
            return Ok(left);
        }
        terms += 1;
        if terms > MAX_FILTER_TERMS {
            return Err(c.err("too many terms in filter expression"));
        }
        let right = and(c, depth)?;
        left = Filter::Or(Box::new(left), Box::new(right));
    }
}

fn and(c: &mut Cursor<'_>, depth: usize) -> Result<Filter, PathError> {
    let mut left = unary(c, depth)?;
    let mut terms = 1;
    loop {
        c.skip_ws();
        if !c.eat_str("&&") {
            return Ok(left);
        }
        terms += 1;
        if terms > MAX_FILTER_TERMS {
            return Err(c.err("too many terms in filter expression"));
        }
        let right = unary(c, depth)?;
        left = Filter::And(Box::new(left), Box::new(right));
    }
}

fn unary(c: &mut Cursor<'_>, depth: usize) -> Result<Filter, PathError> {
    c.skip_ws();
    if c.peek() == Some(b'!') && c.peek_at(1) != Some(b'=') {
        c.pos += 1;
        return Ok(Filter::Not(Box::new(unary(c, depth + 1)?)));
    }
    if c.eat(b'(') {
        let inner = parse_filter(c, depth + 1)?;
        c.skip_ws();
        c.expect(b')')?;
        return Ok(inner);
    }
    let left = value(c, depth)?;
    c.skip_ws();
    let op = if c.eat_str("==") {
        FilterOp::Eq
    } else if c.eat_str("!=") {
        FilterOp::Ne
    } else if c.eat_str("<=") {
        FilterOp::Le
    } else if c.eat_str(">=") {
        FilterOp::Ge
    } else if c.eat_str("=~") {
        FilterOp::Matches
    } else if c.eat(b'<') {
        FilterOp::Lt
    } else if c.eat(b'>') {
        FilterOp::Gt
    } else if word(c, "nin") {
        FilterOp::Nin
    } else if word(c, "in") {
        FilterOp::In
    } else {
        return Ok(Filter::Exists(left));
    };
    c.skip_ws();
    let right = value(c, depth)?;
    if op == FilterOp::Matches && !matches!(right, FilterValue::Regex { .. }) {
        return Err(c.err("'=~' needs a /regex/ on its right"));
    }
    Ok(Filter::Compare(left, op, right))
}

/// Eats a keyword operator followed by a non-name character.
fn word(c: &mut Cursor<'_>, w: &str) -> bool {
    let rest = &c.src[c.pos..];
    if rest.starts_with(w)
        && !rest[w.len()..].starts_with(|ch: char| ch.is_alphanumeric() || ch == '_')
    {
        c.pos += w.len();
        true
    } else {
        false
    }
}

fn value(c: &mut Cursor<'_>, depth: usize) -> Result<FilterValue, PathError> {
    c.skip_ws();
    match c.peek() {
        Some(b'@') => {
            c.pos += 1;
            Ok(FilterValue::Current(segments(c, depth)?))
        }
        Some(b'$') => {
            let start = c.pos;
            c.pos += 1;
            let root = if c.eat(b'$') {
                Root::Context
            } else {
                Root::Input
            };
            let segs = segments(c, depth)?;
            Ok(FilterValue::Absolute(Path {
                source: c.src[start..c.pos].to_string().into(),
                root,
                segments: segs,
            }))
        }
        Some(b'\'' | b'"') => Ok(FilterValue::Literal(Value::String(c.quoted()?))),
        Some(b'/') => regex(c),
        Some(b'[') => list(c),
        Some(b'-' | b'0'..=b'9') => number(c),
        _ => {
            for (w, v) in [
                ("true", Value::Bool(true)),
                ("false", Value::Bool(false)),
                ("null", Value::Null),
            ] {
                if word(c, w) {
                    return Ok(FilterValue::Literal(v));
                }
            }
            Err(c.err("expected '@', '$', a literal or a regex in filter"))
        }
    }
}

fn number(c: &mut Cursor<'_>) -> Result<FilterValue, PathError> {
    let start = c.pos;
    c.eat(b'-');
    while matches!(
        c.peek(),
        Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
    ) {
        c.pos += 1;
    }
    let text = &c.src[start..c.pos];
    serde_json::from_str::<serde_json::Number>(text)
        .map(|n| FilterValue::Literal(Value::Number(n)))
        .map_err(|_| PathError::new(start, format!("'{text}' is not a number")))
}

fn regex(c: &mut Cursor<'_>) -> Result<FilterValue, PathError> {
    c.pos += 1;
    let start = c.pos;
    let mut escaped = false;
    while let Some(b) = c.peek() {
        match (escaped, b) {
            (true, _) => escaped = false,
            (false, b'\\') => escaped = true,
            (false, b'/') => break,
            _ => {}
        }
        c.pos += 1;
    }
    let pattern = c.src[start..c.pos].to_string();
    c.expect(b'/')?;
    let fstart = c.pos;
    while matches!(c.peek(), Some(b'i' | b'm' | b's' | b'x' | b'u')) {
        c.pos += 1;
    }
    Ok(FilterValue::Regex {
        pattern,
        flags: c.src[fstart..c.pos].to_string(),
    })
}

/// `[lit, lit, ...]` for `in` / `nin`.
fn list(c: &mut Cursor<'_>) -> Result<FilterValue, PathError> {
    c.pos += 1;
    let mut items = Vec::new();
    c.skip_ws();
    if !c.eat(b']') {
        loop {
            match value(c, 0)? {
                FilterValue::Literal(v) => items.push(v),
                _ => return Err(c.err("a list in a filter may hold only literals")),
            }
            c.skip_ws();
            if c.eat(b']') {
                break;
            }
            c.expect(b',')?;
        }
    }
    Ok(FilterValue::Literal(Value::Array(items)))
}
