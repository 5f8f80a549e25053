//! Payload templates (`Parameters`, `ResultSelector`, `Arguments`, `Output`, `Assign`...) and JSONata expressions.

use crate::intrinsic::Call;
use crate::path::Path;
use serde_json::Value;

/// A JSON value some of whose leaves are computed. In JSONPath templates, a key `"name.$"` is stored as `name`
/// with a `Path` or `Intrinsic` value; in JSONata ones, a string `"{% expr %}"` becomes an `Expr`.
/// Subtrees with nothing computed collapse to one `Literal`.
#[derive(Debug)]
pub enum Template {
    Literal(Value),
    Path(Path),
    Intrinsic(Call),
    Expr(Expr),
    Object(Vec<(String, Template)>),
    Array(Vec<Template>),
}

/// A JSONata expression as written between `{%` and `%}`, already checked for syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expr {
    pub source: String,
}

impl Drop for Template {
    /// Takes nested templates apart iteratively: a payload may nest as deep as the document limit allows.
    fn drop(&mut self) {
        let nested = match self {
            Template::Object(fields) => fields.iter().any(|(_, t)| t.is_container()),
            Template::Array(items) => items.iter().any(Template::is_container),
            Template::Literal(v) => v.is_array() || v.is_object(),
            _ => false,
        };
        if !nested {
            return; // Children, if any, are leaves: the ordinary drop is shallow.
        }
        let mut stack: Vec<Template> = Vec::new();
        take_children(self, &mut stack);
        while let Some(mut t) = stack.pop() {
            take_children(&mut t, &mut stack);
        }
    }
}

impl Template {
    fn is_container(&self) -> bool {
        matches!(
            self,
            Template::Object(_) | Template::Array(_) | Template::Literal(_)
        )
    }
}

fn take_children(t: &mut Template, out: &mut Vec<Template>) {
    match t {
        Template::Object(fields) => out.extend(fields.drain(..).map(|(_, v)| v)),
        Template::Array(items) => out.append(items),
        Template::Literal(v) => crate::json::drop_deep(std::mem::take(v)),
        _ => {}
    }
}
