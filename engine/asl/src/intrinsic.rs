//! Intrinsic functions (`States.Format('{}', $.x)` ...): the call syntax and the list of known functions.
//!
//! Only syntax and names are checked here; argument types and counts are checked when the call runs, where
//! AWS raises `States.IntrinsicFailure`.

use crate::path::parse::{Cursor, parse_prefix};
use crate::path::{Path, PathError};
use serde_json::Value;

/// Calls nest at most this deep.
const MAX_CALL_DEPTH: usize = 32;

/// One intrinsic function call.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub function: Function,
    pub args: Vec<Arg>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// A quoted string, a number, `true`, `false` or `null`.
    Literal(Value),
    Path(Path),
    Call(Call),
}

macro_rules! functions {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// The 18 intrinsic functions of Step Functions.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Function { $($variant),* }

        impl Function {
            /// The name as written, e.g. `States.Format`.
            pub fn name(self) -> &'static str {
                match self { $(Function::$variant => $name),* }
            }

            pub fn from_name(name: &str) -> Option<Function> {
                match name { $($name => Some(Function::$variant),)* _ => None }
            }
        }
    };
}

functions! {
    Format => "States.Format",
    StringToJson => "States.StringToJson",
    JsonToString => "States.JsonToString",
    Array => "States.Array",
    ArrayPartition => "States.ArrayPartition",
    ArrayContains => "States.ArrayContains",
    ArrayRange => "States.ArrayRange",
    ArrayGetItem => "States.ArrayGetItem",
    ArrayLength => "States.ArrayLength",
    ArrayUnique => "States.ArrayUnique",
    Base64Encode => "States.Base64Encode",
    Base64Decode => "States.Base64Decode",
    Hash => "States.Hash",
    JsonMerge => "States.JsonMerge",
    MathRandom => "States.MathRandom",
    MathAdd => "States.MathAdd",
    StringSplit => "States.StringSplit",
    Uuid => "States.UUID",
}

impl Call {
    /// Parses a whole string as one call, e.g. the value of a `"key.$"` field.
    pub fn parse(source: &str) -> Result<Call, PathError> {
        let mut c = Cursor {
            src: source,
            pos: 0,
        };
        c.skip_ws();
        let call = call(&mut c, 0)?;
        c.skip_ws();
        if c.pos != source.len() {
            return Err(c.err("unexpected text after the call"));
        }
        Ok(call)
    }

    /// True when the text looks like an attempt at an intrinsic call rather than a path.
    pub fn looks_like_call(source: &str) -> bool {
        source.trim_start().starts_with("States.")
    }
}

fn call(c: &mut Cursor<'_>, depth: usize) -> Result<Call, PathError> {
    if depth > MAX_CALL_DEPTH {
        return Err(c.err("intrinsic calls nested too deeply"));
    }
    let start = c.pos;
    while matches!(c.peek(), Some(b) if b.is_ascii_alphanumeric() || b == b'.' || b == b'_') {
        c.pos += 1;
    }
    let name = &c.src[start..c.pos];
    let Some(function) = Function::from_name(name) else {
        return Err(PathError::new(
            start,
            format!("unknown intrinsic function '{name}'"),
        ));
    };
    c.skip_ws();
    c.expect(b'(')?;
    let mut args = Vec::new();
    c.skip_ws();
    if !c.eat(b')') {
        loop {
            c.skip_ws();
            // Only States.Format's template gives `{}` a meaning, so only there do `\{` and `\}` stay escaped.
            let template = function == Function::Format && args.is_empty();
            args.push(arg(c, depth, template)?);
            c.skip_ws();
            if c.eat(b')') {
                break;
            }
            c.expect(b',')?;
        }
    }
    Ok(Call { function, args })
}

fn arg(c: &mut Cursor<'_>, depth: usize, template: bool) -> Result<Arg, PathError> {
    match c.peek() {
        Some(b'$') => Ok(Arg::Path(parse_prefix(c)?)),
        Some(b'\'') => string(c, template).map(|s| Arg::Literal(Value::String(s))),
        Some(b'-' | b'0'..=b'9') => number(c),
        Some(b'S') => Ok(Arg::Call(call(c, depth + 1)?)),
        _ => {
            for (w, v) in [
                ("true", Value::Bool(true)),
                ("false", Value::Bool(false)),
                ("null", Value::Null),
            ] {
                if c.eat_str(w) {
                    return Ok(Arg::Literal(v));
                }
            }
            Err(c.err("expected a string, number, boolean, null, path or call"))
        }
    }
}

/// A single-quoted string; `\'`, `\{`, `\}` and `\\` are escapes, any other backslash is an error. In a
/// Format template (`template`) `\{` and `\}` stay escaped so Format can tell them from placeholders.
fn string(c: &mut Cursor<'_>, template: bool) -> Result<String, PathError> {
    c.pos += 1;
    let mut out = String::new();
    let mut chars = c.src[c.pos..].char_indices();
    while let Some((i, ch)) = chars.next() {
        match ch {
            '\\' => match chars.next() {
                Some((_, e @ ('\'' | '{' | '}' | '\\'))) => {
                    if template && matches!(e, '{' | '}') {
                        out.push('\\');
                    }
                    out.push(e);
                }
                _ => return Err(PathError::new(c.pos + i, "invalid escape in string")),
            },
            '\'' => {
                c.pos += i + 1;
                return Ok(out);
            }
            ch => out.push(ch),
        }
    }
    c.pos = c.src.len();
    Err(c.err("unterminated string"))
}

fn number(c: &mut Cursor<'_>) -> Result<Arg, PathError> {
    let start = c.pos;
    c.eat(b'-');
    while matches!(c.peek(), Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'+')) {
        c.pos += 1;
    }
    let text = &c.src[start..c.pos];
    serde_json::from_str::<serde_json::Number>(text)
        .map(|n| Arg::Literal(Value::Number(n)))
        .map_err(|_| PathError::new(start, format!("'{text}' is not a number")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_calls_with_every_argument_kind() {
        let c = Call::parse(
            "States.Format('a {} \\'b\\' \\{\\}', $.x, 3, -1.5, true, null, $$.Execution.Id, $v)",
        )
        .unwrap();
        assert_eq!(c.function, Function::Format);
        assert_eq!(c.args.len(), 8);
        assert_eq!(
            c.args[0],
            Arg::Literal(Value::String("a {} 'b' \\{\\}".into()))
        );
        let nested =
            Call::parse("States.JsonToString(States.Array($.a[0], States.UUID()))").unwrap();
        assert!(matches!(&nested.args[0], Arg::Call(inner) if inner.args.len() == 2));
    }

    #[test]
    fn rejects_bad_calls() {
        for s in [
            "States.Nope()",
            "States.Format(",
            "States.Format('x'",
            "States.Format('x' $.a)",
            "States.Format('\\n')",
            "States.Array() extra",
            "States.Array(foo)",
            "States.Array($.)",
        ] {
            assert!(Call::parse(s).is_err(), "{s:?} should be rejected");
        }
        let deep = format!("{}{}", "States.Array(".repeat(1000), ")".repeat(1000));
        assert!(Call::parse(&deep).is_err());
    }
}
