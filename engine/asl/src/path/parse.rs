//! The JSONPath parser: a small hand-written scanner over the path text.

use super::filter::parse_filter;
use super::{Function, Key, Path, Root, Segment, Selector};
use std::fmt;

/// Why a path is not valid, with the byte offset where reading stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    pub offset: usize,
    pub reason: String,
}

impl PathError {
    pub(crate) fn new(offset: usize, reason: impl Into<String>) -> Self {
        PathError {
            offset,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at offset {})", self.reason, self.offset)
    }
}

impl std::error::Error for PathError {}

/// Characters that end a dot-notation name.
fn ends_name(b: u8) -> bool {
    matches!(
        b,
        b'.' | b'['
            | b']'
            | b'('
            | b')'
            | b' '
            | b'\t'
            | b'\n'
            | b'\r'
            | b'\''
            | b'"'
            | b'='
            | b'!'
            | b'<'
            | b'>'
            | b'&'
            | b'|'
            | b','
    )
}

pub(crate) struct Cursor<'a> {
    pub(crate) src: &'a str,
    pub(crate) pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    pub(crate) fn peek_at(&self, n: usize) -> Option<u8> {
        self.src.as_bytes().get(self.pos + n).copied()
    }

    pub(crate) fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub(crate) fn eat_str(&mut self, s: &str) -> bool {
        if self.src[self.pos..].starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    pub(crate) fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    pub(crate) fn err(&self, reason: impl Into<String>) -> PathError {
        PathError::new(self.pos, reason)
    }

    pub(crate) fn expect(&mut self, b: u8) -> Result<(), PathError> {
        if self.eat(b) {
            Ok(())
        } else {
            Err(self.err(format!("expected '{}'", b as char)))
        }
    }

    /// A dot-notation name (may be empty).
    pub(crate) fn name(&mut self) -> &'a str {
        let start = self.pos;
        while let Some(b) = self.peek() {
            if ends_name(b) {
                break;
            }
            self.pos += 1;
        }
        &self.src[start..self.pos]
    }

    /// A quoted name, opening quote not yet consumed. As in Jayway, only the quote character itself can be
    /// escaped (`\'` inside `'...'`); any other backslash is kept as written.
    pub(crate) fn quoted(&mut self) -> Result<String, PathError> {
        let Some(q @ (b'\'' | b'"')) = self.peek() else {
            return Err(self.err("expected a quoted name"));
        };
        self.pos += 1;
        let mut out = String::new();
        let mut chars = self.src[self.pos..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.clone().next() {
                    Some((_, e)) if e as u32 == q as u32 => {
                        chars.next();
                        out.push(e);
                    }
                    _ => out.push('\\'),
                },
                c if c as u32 == q as u32 => {
                    self.pos += i + 1;
                    return Ok(out);
                }
                c => out.push(c),
            }
        }
        self.pos = self.src.len();
        Err(self.err("unterminated string"))
    }

    /// An optionally negative integer.
    pub(crate) fn int(&mut self) -> Option<i64> {
        let start = self.pos;
        self.eat(b'-');
        let digits = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        if self.pos == digits {
            self.pos = start;
            return None;
        }
        self.src[start..self.pos].parse().ok()
    }
}

pub(crate) fn parse(source: &str) -> Result<Path, PathError> {
    let mut c = Cursor {
        src: source,
        pos: 0,
    };
    let path = parse_prefix(&mut c)?;
    if c.pos != source.len() {
        return Err(c.err("unexpected character"));
    }
    Ok(path)
}

/// Reads one path starting at the cursor and stops where a path cannot continue (used by intrinsics).
pub(crate) fn parse_prefix(c: &mut Cursor<'_>) -> Result<Path, PathError> {
    let start = c.pos;
    if !c.eat(b'$') {
        return Err(c.err("a path must begin with '$'"));
    }
    let root = if c.eat(b'$') {
        Root::Context
    } else if matches!(c.peek(), Some(b) if b.is_ascii_alphabetic() || b == b'_') {
        let name_start = c.pos;
        while matches!(c.peek(), Some(b) if b.is_ascii_alphanumeric() || b == b'_') {
            c.pos += 1;
        }
        Root::Variable(c.src[name_start..c.pos].to_string())
    } else {
        Root::Input
    };
    let segments = segments(c, 0)?;
    Ok(Path {
        source: c.src[start..c.pos].to_string().into(),
        root,
        segments,
    })
}

/// Reads segments until something that cannot continue a path; `depth` bounds filter nesting.
pub(crate) fn segments(c: &mut Cursor<'_>, depth: usize) -> Result<Vec<Segment>, PathError> {
    let mut out = Vec::new();
    loop {
        if matches!(out.last(), Some(Segment::Function(_))) && matches!(c.peek(), Some(b'.' | b'['))
        {
            return Err(c.err("a function must be the last segment"));
        }
        match c.peek() {
            Some(b'.') if c.peek_at(1) == Some(b'.') => {
                c.pos += 2;
                let sel = if c.peek() == Some(b'[') {
                    bracket(c, depth)?
                } else if c.eat(b'*') {
                    Selector::Wildcard
                } else {
                    let n = c.name();
                    if n.is_empty() {
                        return Err(c.err("expected a name after '..'"));
                    }
                    Selector::Name(n.to_string())
                };
                out.push(Segment::Descendant(sel));
            }
            Some(b'.') => {
                c.pos += 1;
                if c.eat(b'*') {
                    out.push(Segment::Child(Selector::Wildcard));
                    continue;
                }
                let n = c.name();
                if n.is_empty() {
                    return Err(c.err("expected a name after '.'"));
                }
                if c.peek() == Some(b'(') {
                    let Some(f) = Function::from_name(n) else {
                        return Err(c.err(format!("unknown function '{n}()'")));
                    };
                    c.pos += 1;
                    c.skip_ws();
                    c.expect(b')')?;
                    out.push(Segment::Function(f));
                } else {
                    out.push(Segment::Child(Selector::Name(n.to_string())));
                }
            }
            Some(b'[') => out.push(Segment::Child(bracket(c, depth)?)),
            _ => return Ok(out),
        }
    }
}

/// `[...]`: wildcard, quoted names, indexes, unions, slices or a filter.
fn bracket(c: &mut Cursor<'_>, depth: usize) -> Result<Selector, PathError> {
    c.expect(b'[')?;
    c.skip_ws();
    let sel = match c.peek() {
        Some(b'*') => {
            c.pos += 1;
            Selector::Wildcard
        }
        Some(b'?') => {
            c.pos += 1;
            c.skip_ws();
            c.expect(b'(')?;
            let f = parse_filter(c, depth + 1)?;
            c.skip_ws();
            c.expect(b')')?;
            Selector::Filter(Box::new(f))
        }
        Some(b'\'' | b'"') => {
            let mut keys = vec![Key::Name(c.quoted()?)];
            c.skip_ws();
            while c.eat(b',') {
                c.skip_ws();
                keys.push(Key::Name(c.quoted()?));
                c.skip_ws();
            }
            one_or_union(keys)
        }
        _ => index_or_slice(c)?,
    };
    c.skip_ws();
    c.expect(b']')?;
    Ok(sel)
}

fn index_or_slice(c: &mut Cursor<'_>) -> Result<Selector, PathError> {
    let first = c.int();
    c.skip_ws();
    if c.peek() == Some(b':') {
        c.pos += 1;
        c.skip_ws();
        let end = c.int();
        c.skip_ws();
        let step = if c.eat(b':') {
            c.skip_ws();
            c.int()
        } else {
            None
        };
        if step == Some(0) {
            return Err(c.err("slice step cannot be 0"));
        }
        return Ok(Selector::Slice {
            start: first,
            end,
            step,
        });
    }
    let Some(first) = first else {
        return Err(c.err("expected an index, a quoted name, '*' or '?('"));
    };
    let mut keys = vec![Key::Index(first)];
    while c.eat(b',') {
        c.skip_ws();
        let Some(i) = c.int() else {
            return Err(c.err("expected an index"));
        };
        keys.push(Key::Index(i));
        c.skip_ws();
    }
    Ok(one_or_union(keys))
}

fn one_or_union(mut keys: Vec<Key>) -> Selector {
    if keys.len() == 1 {
        match keys.pop() {
            Some(Key::Name(n)) => Selector::Name(n),
            Some(Key::Index(i)) => Selector::Index(i),
            None => Selector::Union(keys),
        }
    } else {
        Selector::Union(keys)
    }
}
