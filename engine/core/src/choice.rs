//! Choice rules: comparisons, type tests and boolean combinations (JSONPath), or a JSONata `Condition`.

use crate::clock::parse_timestamp;
use crate::dataflow::Env;
use crate::failure::{self, Failure};
use crate::jsonpath::Missing;
use serde_json::Value;
use std::cmp::Ordering;
use stepd_asl::model::{Cmp, Condition, Operand, Rhs, Test, TypeTest};

/// Evaluates a rule against the Choice state's effective input (`states` is `$states` for JSONata rules).
/// `rule` is the rule's index in `Choices`, for AWS's field path in causes (`Choices[0]/Condition`).
pub(crate) fn holds(
    env: &Env<'_>,
    c: &Condition,
    input: &Value,
    states: &Value,
    rule: usize,
) -> Result<bool, Failure> {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || match c {
        Condition::Expr(e) => {
            let field = format!("Choices[{rule}]/Condition");
            match env.jsonata(e, states, &field)? {
                Value::Bool(b) => Ok(b),
                other => Err(env.fail(
                    failure::QUERY,
                    unexpected_type(&e.source, &field, "boolean", &other),
                )),
            }
        }
        Condition::And(rules) => {
            for r in rules {
                if !holds(env, r, input, states, rule)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Condition::Or(rules) => {
            for r in rules {
                if holds(env, r, input, states, rule)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Condition::Not(inner) => Ok(!holds(env, inner, input, states, rule)?),
        Condition::Test { variable, test } => {
            let value = match env.select(variable, input) {
                Ok(v) => Some(v),
                Err(Missing::NotFound) => None,
                Err(Missing::UndefinedVariable(name)) => {
                    return Err(env.fail(
                        failure::RUNTIME,
                        format!("The variable '{name}' is not defined."),
                    ));
                }
            };
            match test {
                Test::Is(TypeTest::IsPresent, want) => Ok(value.is_some() == *want),
                Test::Is(tt, want) => Ok(value.as_ref().is_some_and(|v| is_type(*tt, v)) == *want),
                _ => {
                    let Some(value) = value else {
                        return Err(env.fail(
                            failure::RUNTIME,
                            format!("Invalid path '{}': The choice state's condition path references an invalid value.", variable.source),
                        ));
                    };
                    compare(env, test, &value, input)
                }
            }
        }
    })
}

fn is_type(tt: TypeTest, v: &Value) -> bool {
    match tt {
        TypeTest::IsNull => v.is_null(),
        TypeTest::IsPresent => true,
        TypeTest::IsNumeric => v.is_number(),
        TypeTest::IsString => v.is_string(),
        TypeTest::IsBoolean => v.is_boolean(),
        TypeTest::IsTimestamp => v.as_str().is_some_and(|s| parse_timestamp(s).is_some()),
    }
}

fn compare(env: &Env<'_>, test: &Test, value: &Value, input: &Value) -> Result<bool, Failure> {
    match test {
        Test::Matches(pattern) => Ok(value.as_str().is_some_and(|s| glob(pattern, s))),
        Test::Compare { operand, cmp, rhs } => {
            let rhs = match rhs {
                Rhs::Literal(v) => v.clone(),
                Rhs::Path(p) => env.select(p, input).map_err(|_| {
                    env.fail(
                        failure::RUNTIME,
                        format!("Invalid path '{}': No results for path", p.source),
                    )
                })?,
            };
            let ord = match operand {
                Operand::String => match (value.as_str(), rhs.as_str()) {
                    (Some(a), Some(b)) => Some(a.cmp(b)),
                    _ => None,
                },
                Operand::Numeric => match (value.as_f64(), rhs.as_f64()) {
                    (Some(a), Some(b)) if value.is_number() && rhs.is_number() => a.partial_cmp(&b),
                    _ => None,
                },
                Operand::Boolean => match (value.as_bool(), rhs.as_bool()) {
                    (Some(a), Some(b)) => Some(a.cmp(&b)),
                    _ => None,
                },
                Operand::Timestamp => match (
                    value.as_str().and_then(parse_timestamp),
                    rhs.as_str().and_then(parse_timestamp),
                ) {
                    (Some(a), Some(b)) => Some(a.cmp(&b)),
                    _ => None,
                },
            };
            Ok(ord.is_some_and(|o| satisfies(*cmp, o)))
        }
        Test::Is(..) => Ok(false),
    }
}

fn satisfies(cmp: Cmp, o: Ordering) -> bool {
    match cmp {
        Cmp::Equals => o == Ordering::Equal,
        Cmp::LessThan => o == Ordering::Less,
        Cmp::GreaterThan => o == Ordering::Greater,
        Cmp::LessThanEquals => o != Ordering::Greater,
        Cmp::GreaterThanEquals => o != Ordering::Less,
    }
}

/// `StringMatches`: `*` matches any run of characters; `\*` and `\\` are literal.
pub(crate) fn glob(pattern: &str, s: &str) -> bool {
    #[derive(PartialEq)]
    enum Tok {
        Star,
        Char(char),
    }
    let mut toks = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => toks.push(Tok::Char(chars.next().unwrap_or('\\'))),
            '*' => toks.push(Tok::Star),
            c => toks.push(Tok::Char(c)),
        }
    }
    let text: Vec<char> = s.chars().collect();
    // Classic two-pointer wildcard match with backtracking to the last star.
    let (mut t, mut p) = (0usize, 0usize);
    let (mut star, mut mark) = (None, 0usize);
    while t < text.len() {
        match toks.get(p) {
            Some(Tok::Char(c)) if *c == text[t] => {
                t += 1;
                p += 1;
            }
            Some(Tok::Star) => {
                star = Some(p);
                mark = t;
                p += 1;
            }
            _ => match star {
                Some(sp) => {
                    p = sp + 1;
                    mark += 1;
                    t = mark;
                }
                None => return false,
            },
        }
    }
    toks[p..].iter().all(|t| *t == Tok::Star)
}

/// AWS's cause when an expression yields the wrong type.
pub(crate) fn unexpected_type(source: &str, field: &str, expected: &str, v: &Value) -> String {
    format!(
        "The JSONata expression '{source}' specified for the field '{field}' returned an unexpected result type. Expected '{expected}', but was '{}' for value: {v}",
        type_name(v)
    )
}

pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs_match_like_string_matches() {
        for (p, s, want) in [
            ("log-*.txt", "log-1.txt", true),
            ("log-*.txt", "log-.txt", true),
            ("log-*.txt", "log-1.csv", false),
            ("*", "", true),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxbyy", false),
            ("a\\*b", "a*b", true),
            ("a\\*b", "axb", false),
            ("a\\\\b", "a\\b", true),
            ("", "", true),
            ("", "x", false),
        ] {
            assert_eq!(glob(p, s), want, "{p} ~ {s}");
        }
    }
}
