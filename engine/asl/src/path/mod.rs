//! JSONPath as Step Functions accepts it (Jayway flavour): the AST, the parser, and reference-path rules.
//!
//! Roots are `$` (the state's input or effective input), `$$` (the context object) and `$name` (a variable).
//! Reference paths (`ResultPath`, ...) may only name a single node with `.name`, `['name']` and `[n]`.

mod filter;
pub(crate) mod parse;

pub use filter::{Filter, FilterOp, FilterValue};
pub use parse::PathError;

use std::borrow::Cow;
use std::fmt;

/// A parsed JSONPath.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    /// The text as written (`Cow` so the default `$` costs no allocation).
    pub source: Cow<'static, str>,
    pub root: Root,
    pub segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Root {
    /// `$`
    Input,
    /// `$$`
    Context,
    /// `$name`: a workflow variable.
    Variable(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// `.x`, `[...]`
    Child(Selector),
    /// `..x`, `..[...]`
    Descendant(Selector),
    /// A trailing Jayway function such as `.length()`.
    Function(Function),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Selector {
    Name(String),
    Wildcard,
    Index(i64),
    /// `['a','b']` or `[0,2]`.
    Union(Vec<Key>),
    Slice {
        start: Option<i64>,
        end: Option<i64>,
        step: Option<i64>,
    },
    Filter(Box<Filter>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    Name(String),
    Index(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    Length,
    Min,
    Max,
    Avg,
    Stddev,
    Sum,
    Keys,
    First,
    Last,
}

impl Function {
    pub(crate) fn from_name(name: &str) -> Option<Function> {
        Some(match name {
            "length" | "size" => Function::Length,
            "min" => Function::Min,
            "max" => Function::Max,
            "avg" => Function::Avg,
            "stddev" => Function::Stddev,
            "sum" => Function::Sum,
            "keys" => Function::Keys,
            "first" => Function::First,
            "last" => Function::Last,
            _ => return None,
        })
    }
}

impl Path {
    /// Parses any JSONPath (`$`, `$$` or `$variable` rooted).
    pub fn parse(source: &str) -> Result<Path, PathError> {
        parse::parse(source)
    }

    /// Parses a reference path: `$`-rooted, only names and indexes, one node.
    pub fn parse_reference(source: &str) -> Result<Path, PathError> {
        let path = parse::parse(source)?;
        if path.is_reference() {
            Ok(path)
        } else {
            Err(PathError::new(
                0,
                "a reference path may use only '.name', ['name'] and [index]",
            ))
        }
    }

    /// Parses a reference path that is only read: `$` or `$variable` rooted, only names and indexes.
    pub fn parse_read_reference(source: &str) -> Result<Path, PathError> {
        let path = parse::parse(source)?;
        let names_only = path
            .segments
            .iter()
            .all(|s| matches!(s, Segment::Child(Selector::Name(_) | Selector::Index(_))));
        if names_only && matches!(path.root, Root::Input | Root::Variable(_)) {
            Ok(path)
        } else {
            Err(PathError::new(
                0,
                "a reference path may use only '.name', ['name'] and [index]",
            ))
        }
    }

    /// True for `$`-rooted paths made only of names and indexes.
    pub fn is_reference(&self) -> bool {
        self.root == Root::Input
            && self
                .segments
                .iter()
                .all(|s| matches!(s, Segment::Child(Selector::Name(_) | Selector::Index(_))))
    }

    /// True when the path can only ever select one node (no wildcard, filter, slice, union or descent).
    pub fn is_definite(&self) -> bool {
        self.segments.iter().all(|s| {
            matches!(
                s,
                Segment::Child(Selector::Name(_) | Selector::Index(_)) | Segment::Function(_)
            )
        })
    }

    /// The root path `$`.
    pub fn root() -> Path {
        Path {
            source: Cow::Borrowed("$"),
            root: Root::Input,
            segments: Vec::new(),
        }
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

#[cfg(test)]
mod tests;
