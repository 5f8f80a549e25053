//! Choice rules: comparisons, type tests, `And`/`Or`/`Not`, and JSONata `Condition`.

use super::Expr;
use crate::path::Path;
use serde_json::Value;

/// A boolean rule of a Choice state.
#[derive(Debug)]
pub enum Condition {
    /// JSONata `Condition`: an expression that must yield a boolean.
    Expr(Expr),
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
    /// `Variable` compared or tested.
    Test {
        variable: Path,
        test: Test,
    },
}

/// What is done with the `Variable`.
#[derive(Debug)]
pub enum Test {
    /// `StringEquals`, `NumericLessThanPath`, `TimestampGreaterThanEquals`...
    Compare {
        operand: Operand,
        cmp: Cmp,
        rhs: Rhs,
    },
    /// `StringMatches` with its `*` glob (escapes `\*` and `\\`).
    Matches(String),
    /// `IsNull`, `IsPresent`... with the expected answer.
    Is(TypeTest, bool),
}

/// The operand type of a comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operand {
    String,
    Numeric,
    Boolean,
    Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Equals,
    LessThan,
    GreaterThan,
    LessThanEquals,
    GreaterThanEquals,
}

/// The right-hand side: a literal of the operator's type, or a path (`...Path` operators).
#[derive(Debug)]
pub enum Rhs {
    Literal(Value),
    Path(Path),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeTest {
    IsNull,
    IsPresent,
    IsNumeric,
    IsString,
    IsBoolean,
    IsTimestamp,
}

impl Drop for Condition {
    /// Takes nested rules apart iteratively so a deeply nested `Not`/`And` cannot overflow the stack.
    fn drop(&mut self) {
        let nested = match self {
            Condition::And(v) | Condition::Or(v) => v
                .iter()
                .any(|c| !matches!(c, Condition::Test { .. } | Condition::Expr(_))),
            Condition::Not(inner) => {
                !matches!(**inner, Condition::Test { .. } | Condition::Expr(_))
            }
            _ => false,
        };
        if !nested {
            return; // Only leaf rules below: the ordinary drop is shallow.
        }
        let mut stack: Vec<Condition> = Vec::new();
        take_children(self, &mut stack);
        while let Some(mut c) = stack.pop() {
            take_children(&mut c, &mut stack);
        }
    }
}

fn take_children(c: &mut Condition, out: &mut Vec<Condition>) {
    match c {
        Condition::And(v) | Condition::Or(v) => out.append(v),
        Condition::Not(inner) => {
            let placeholder = Condition::And(Vec::new());
            out.push(std::mem::replace(inner.as_mut(), placeholder));
        }
        _ => {}
    }
}
