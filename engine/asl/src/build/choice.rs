//! Reading a Choice state: its rules (comparisons, type tests, `And`/`Or`/`Not`, JSONata `Condition`) and targets.

use super::fields::{self, jsonata_text};
use super::msg;
use super::obj::Obj;
use crate::check::graph::{Vertex, Via};
use crate::diagnostic::{Code, Diagnostic};
use crate::json::{At, Loc};
use crate::model::{
    Choice, ChoiceRule, Cmp, Condition, Operand, QueryLanguage, Rhs, Test, TypeTest,
};
use crate::node::Node;
use crate::path::Path;
use crate::timestamp::is_rfc3339;

/// Every comparison operator and type test, in AWS's order.
const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringEqualsPath",
    "StringLessThan",
    "StringLessThanPath",
    "StringGreaterThan",
    "StringGreaterThanPath",
    "StringLessThanEquals",
    "StringLessThanEqualsPath",
    "StringGreaterThanEquals",
    "StringGreaterThanEqualsPath",
    "StringMatches",
    "NumericEquals",
    "NumericEqualsPath",
    "NumericLessThan",
    "NumericLessThanPath",
    "NumericGreaterThan",
    "NumericGreaterThanPath",
    "NumericLessThanEquals",
    "NumericLessThanEqualsPath",
    "NumericGreaterThanEquals",
    "NumericGreaterThanEqualsPath",
    "BooleanEquals",
    "BooleanEqualsPath",
    "TimestampEquals",
    "TimestampEqualsPath",
    "TimestampLessThan",
    "TimestampLessThanPath",
    "TimestampGreaterThan",
    "TimestampGreaterThanPath",
    "TimestampLessThanEquals",
    "TimestampLessThanEqualsPath",
    "TimestampGreaterThanEquals",
    "TimestampGreaterThanEqualsPath",
    "IsNull",
    "IsPresent",
    "IsNumeric",
    "IsString",
    "IsBoolean",
    "IsTimestamp",
];

const RULE_KINDS: &[&str] = &["And", "Or", "Not", "Variable", "Condition"];

pub(crate) fn choice(
    o: &mut Obj<'_>,
    ql: QueryLanguage,
    node: &mut Vertex<'_>,
    d: &mut Vec<Diagnostic>,
) -> Choice {
    let mut choices = Vec::new();
    if !o.has("Choices") {
        o.missing("Choices");
    } else if let Some(items) = o.array("Choices", d) {
        let base = o.at.key("Choices");
        if items.is_empty() {
            d.push(Diagnostic::error(
                Code::SchemaValidationFailed,
                base.render(),
                msg::EMPTY,
            ));
        }
        for (i, v) in items.into_iter().enumerate() {
            let Some(mut r) = Obj::from_node(base.index(i), v, d) else {
                continue;
            };
            let next = r.req_string("Next", d);
            if let Some(n) = &next {
                node.targets.push((n.clone(), Via::Choice(i)));
            }
            let comment = r.string("Comment", d);
            let assign = fields::assign(&mut r, false, ql, d);
            let output = match ql {
                QueryLanguage::JSONata => fields::any_template(&mut r, "Output", false, ql, d),
                QueryLanguage::JSONPath => None,
            };
            let condition = rule(&mut r, ql, d);
            finish_rule(r, ql, d);
            if let (Some(condition), Some(next)) = (condition, next) {
                choices.push(ChoiceRule {
                    condition,
                    next,
                    comment,
                    assign,
                    output,
                });
            }
        }
    }
    let default = o.string("Default", d);
    if let Some(def) = &default {
        node.targets.push((def.clone(), Via::Default));
    }
    Choice { choices, default }
}

fn finish_rule(r: Obj<'_>, ql: QueryLanguage, d: &mut Vec<Diagnostic>) {
    r.finish_with(d, |k| match (k, ql) {
        ("Output" | "Condition", QueryLanguage::JSONPath) => msg::not_for_language(k, ql),
        _ => msg::unknown_field(k),
    });
}

/// The boolean part of a rule object (everything but `Next`, `Comment`, `Assign`, `Output`).
fn rule(r: &mut Obj<'_>, ql: QueryLanguage, d: &mut Vec<Diagnostic>) -> Option<Condition> {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
        let kinds: Vec<&str> = RULE_KINDS.iter().copied().filter(|k| r.has(k)).collect();
        let has_operator = OPERATORS.iter().any(|k| r.has(k));
        if kinds.len() != 1 || (kinds[0] != "Variable" && has_operator) {
            let m = format!(
                "The object must have only one of the following fields, [{}]",
                RULE_KINDS.join(", ")
            );
            d.push(Diagnostic::error(Code::SchemaValidationFailed, r.here(), m));
            discard(r, RULE_KINDS.iter().chain(OPERATORS));
            return None;
        }
        match kinds[0] {
            "Condition" => condition(r, ql, d),
            "And" | "Or" => {
                let key = kinds[0];
                let items = r.array(key, d)?;
                let base = r.at.key(key);
                if items.is_empty() {
                    d.push(Diagnostic::error(
                        Code::SchemaValidationFailed,
                        base.render(),
                        msg::EMPTY,
                    ));
                }
                let mut rules = Vec::with_capacity(items.len());
                for (i, v) in items.into_iter().enumerate() {
                    if let Some(c) = nested(base.index(i), v, ql, d) {
                        rules.push(c);
                    }
                }
                Some(if key == "And" {
                    Condition::And(rules)
                } else {
                    Condition::Or(rules)
                })
            }
            "Not" => {
                let v = r.take("Not")?;
                let inner = nested(r.at.key("Not"), v, ql, d)?;
                Some(Condition::Not(Box::new(inner)))
            }
            _ => comparison(r, d),
        }
    })
}

/// A rule inside `And`/`Or`/`Not`: no `Next`, `Assign` or `Output` of its own.
fn nested<'a>(
    at: At<'a>,
    v: Node<'a>,
    ql: QueryLanguage,
    d: &mut Vec<Diagnostic>,
) -> Option<Condition> {
    let mut r = Obj::from_node(at, v, d)?;
    r.take("Comment");
    let c = rule(&mut r, ql, d);
    finish_rule(r, ql, d);
    c
}

fn condition(r: &mut Obj<'_>, ql: QueryLanguage, d: &mut Vec<Diagnostic>) -> Option<Condition> {
    if ql != QueryLanguage::JSONata {
        return None; // left in place: reported as a JSONata-only field
    }
    let at = r.at.key("Condition");
    match r.take("Condition")? {
        Node::Str(s) if jsonata_text(&s).is_some() => {
            fields::expr(&s, &Loc::At(&at), false, d).map(Condition::Expr)
        }
        Node::Bool(b) => Some(Condition::Expr(crate::model::Expr {
            source: b.to_string(),
        })),
        _ => {
            let m = "Condition must be a JSONata expression '{% ... %}' or a boolean";
            d.push(Diagnostic::error(
                Code::SchemaValidationFailed,
                at.render(),
                m,
            ));
            None
        }
    }
}

/// `Variable` with exactly one operator.
fn comparison(r: &mut Obj<'_>, d: &mut Vec<Diagnostic>) -> Option<Condition> {
    let variable = fields::path(r, "Variable", d);
    let ops: Vec<&str> = OPERATORS.iter().copied().filter(|k| r.has(k)).collect();
    if ops.len() != 1 {
        let m = if ops.is_empty() {
            msg::need_one(OPERATORS)
        } else {
            msg::only_one(OPERATORS)
        };
        d.push(Diagnostic::error(Code::SchemaValidationFailed, r.here(), m));
        discard(r, OPERATORS.iter());
        return None;
    }
    let op = ops[0];
    let at = r.at.key(op);
    let v = r.take(op)?;
    let test = test(op, v, &at, d)?;
    Some(Condition::Test {
        variable: variable?,
        test,
    })
}

fn test(op: &str, v: Node<'_>, at: &At<'_>, d: &mut Vec<Diagnostic>) -> Option<Test> {
    let err = |d: &mut Vec<Diagnostic>, m: String| {
        d.push(Diagnostic::error(
            Code::SchemaValidationFailed,
            at.render(),
            m,
        ));
        None
    };
    if let Some(tt) = type_test(op) {
        return match v {
            Node::Bool(b) => Some(Test::Is(tt, b)),
            _ => err(d, msg::wrong_type("BOOLEAN")),
        };
    }
    if op == "StringMatches" {
        return match v {
            Node::Str(s) => Some(Test::Matches(s.into_owned())),
            _ => err(d, msg::wrong_type("STRING")),
        };
    }
    let (operand, rest) = [
        ("String", Operand::String),
        ("Numeric", Operand::Numeric),
        ("Boolean", Operand::Boolean),
        ("Timestamp", Operand::Timestamp),
    ]
    .into_iter()
    .find_map(|(p, o)| op.strip_prefix(p).map(|rest| (o, rest)))?;
    let (rest, is_path) = match rest.strip_suffix("Path") {
        Some(r) => (r, true),
        None => (rest, false),
    };
    let cmp = match rest {
        "Equals" => Cmp::Equals,
        "LessThan" => Cmp::LessThan,
        "GreaterThan" => Cmp::GreaterThan,
        "LessThanEquals" => Cmp::LessThanEquals,
        _ => Cmp::GreaterThanEquals,
    };
    let rhs = if is_path {
        match v.as_str().map(Path::parse) {
            Some(Ok(p)) => Rhs::Path(p),
            Some(Err(_)) => return err(d, msg::JSONPATH.into()),
            None => return err(d, msg::wrong_type("STRING")),
        }
    } else {
        let ok = match operand {
            Operand::String => v.is_string(),
            Operand::Numeric => v.is_number(),
            Operand::Boolean => v.is_boolean(),
            Operand::Timestamp => v.is_string(),
        };
        if !ok {
            let ty = match operand {
                Operand::Numeric => "NUMBER",
                Operand::Boolean => "BOOLEAN",
                _ => "STRING",
            };
            return err(d, msg::wrong_type(ty));
        }
        if operand == Operand::Timestamp && !v.as_str().is_some_and(is_rfc3339) {
            return err(d, "String does not match RFC3339 timestamp".into());
        }
        Rhs::Literal(v.into_value())
    };
    Some(Test::Compare { operand, cmp, rhs })
}

/// Removes fields already reported as a group, so they are not reported again one by one.
fn discard<'a>(r: &mut Obj<'_>, keys: impl Iterator<Item = &'a &'a str>) {
    for k in keys {
        r.take(k);
    }
}

fn type_test(op: &str) -> Option<TypeTest> {
    Some(match op {
        "IsNull" => TypeTest::IsNull,
        "IsPresent" => TypeTest::IsPresent,
        "IsNumeric" => TypeTest::IsNumeric,
        "IsString" => TypeTest::IsString,
        "IsBoolean" => TypeTest::IsBoolean,
        "IsTimestamp" => TypeTest::IsTimestamp,
        _ => return None,
    })
}
