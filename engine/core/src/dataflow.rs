//! Evaluating what states compute from data: paths, payload templates (JSONPath and JSONata), intrinsic
//! calls, and the JSONPath input/output pipeline (InputPath → Parameters → ResultSelector → ResultPath →
//! OutputPath). Every failure carries AWS's cause text.

use crate::exprs::Exprs;
use crate::failure::{self, Failure};
use crate::jsonpath::{self, Missing, Roots};
use crate::random::Rng;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::cell::{OnceCell, RefCell};
use stepd_asl::intrinsic::{Arg, Call};
use stepd_asl::model::{Expr, Template};
use stepd_asl::path::Path;

/// The context object, built on first use: most states never read it.
pub(crate) struct LazyContext<'a> {
    cell: OnceCell<Value>,
    make: &'a dyn Fn() -> Value,
}

impl<'a> LazyContext<'a> {
    pub(crate) fn new(make: &'a dyn Fn() -> Value) -> Self {
        LazyContext {
            cell: OnceCell::new(),
            make,
        }
    }

    /// A context that is already built.
    pub(crate) fn ready(value: Value) -> Self {
        let cell = OnceCell::new();
        let _ = cell.set(value);
        LazyContext {
            cell,
            make: &|| Value::Null,
        }
    }

    pub(crate) fn get(&self) -> &Value {
        self.cell.get_or_init(|| (self.make)())
    }
}

/// Everything an evaluation may read, for one state of one frame.
pub(crate) struct Env<'a> {
    pub state: &'a str,
    pub entered_event: u64,
    pub context: LazyContext<'a>,
    /// Variables visible here (inner scopes shadow outer ones).
    pub vars: &'a Map<String, Value>,
    pub exprs: &'a Exprs,
    pub rng: RefCell<&'a mut Rng>,
}

impl Env<'_> {
    /// A failure with AWS's cause prefix naming the state and the event that entered it.
    pub(crate) fn fail(&self, error: &str, detail: impl AsRef<str>) -> Failure {
        Failure::new(
            error,
            format!(
                "An error occurred while executing the state '{}' (entered at the event id #{}). {}",
                self.state,
                self.entered_event,
                detail.as_ref()
            ),
        )
    }

    /// Selects a path; `None` when it matches nothing (the caller words the failure). The context object
    /// is built only for paths that mention it.
    pub(crate) fn select(&self, path: &Path, input: &Value) -> Result<Value, Missing> {
        let lookup = |name: &str| self.vars.get(name);
        let context = if path.source.contains("$$") {
            self.context.get()
        } else {
            &Value::Null
        };
        jsonpath::select(
            path,
            &Roots {
                input,
                context,
                variable: &lookup,
            },
        )
    }

    /// `InputPath` / `ItemsPath`: `None` (JSON null) gives `{}`; `$` borrows the input (no copy).
    pub(crate) fn input_path<'v>(
        &self,
        path: Option<&Path>,
        input: &'v Value,
    ) -> Result<Cow<'v, Value>, Failure> {
        let Some(path) = path else {
            return Ok(Cow::Owned(Value::Object(Map::new())));
        };
        if is_root(path) {
            return Ok(Cow::Borrowed(input));
        }
        self.select(path, input)
            .map(Cow::Owned)
            .map_err(|m| self.missing(path, m))
    }

    /// `OutputPath`: like `input_path`, consuming the value so `$` costs nothing.
    pub(crate) fn output_path(&self, path: Option<&Path>, value: Value) -> Result<Value, Failure> {
        match path {
            Some(p) if is_root(p) => Ok(value),
            _ => self.input_path(path, &value).map(Cow::into_owned),
        }
    }

    fn missing(&self, path: &Path, m: Missing) -> Failure {
        match m {
            Missing::NotFound => self.fail(
                failure::RUNTIME,
                format!(
                    "Invalid path '{}' : No results for path: {}",
                    path.source,
                    jsonpath::jayway_notation(path)
                ),
            ),
            Missing::UndefinedVariable(v) => self.fail(
                failure::RUNTIME,
                format!(
                    "Invalid path '{}': The variable '{v}' is not defined.",
                    path.source
                ),
            ),
        }
    }

    /// A `*Path` field (`SecondsPath`, `ErrorPath`...): not found is AWS's "could not be found in the input".
    pub(crate) fn field_path(
        &self,
        field: &str,
        path: &Path,
        input: &Value,
    ) -> Result<Value, Failure> {
        self.select(path, input).map_err(|_| {
            self.fail(
                failure::RUNTIME,
                format!(
                    "The JSONPath '{}' specified for the field '{field}' could not be found in the input '{}'",
                    path.source, input
                ),
            )
        })
    }

    /// Evaluates a JSONPath payload template (`Parameters`, `ResultSelector`, `ItemSelector`, `Assign`...)
    /// with `$` = `input`.
    pub(crate) fn jsonpath_template(&self, t: &Template, input: &Value) -> Result<Value, Failure> {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
            match t {
            Template::Literal(v) => Ok(v.clone()),
            Template::Path(p) => self.select(p, input).map_err(|_| {
                self.fail(
                    failure::RUNTIME,
                    format!("The JSONPath '{}' specified for the field '{}.$' could not be found in the input '{}'", p.source, "", input),
                )
            }),
            Template::Intrinsic(call) => self.intrinsic(call, input),
            Template::Expr(e) => Err(self.fail(failure::RUNTIME, format!("unexpected JSONata expression '{}'", e.source))),
            Template::Object(fields) => {
                let mut out = Map::with_capacity(fields.len());
                for (k, v) in fields {
                    let value = match v {
                        Template::Path(p) => self.select(p, input).map_err(|_| {
                            self.fail(
                                failure::RUNTIME,
                                format!(
                                    "The JSONPath '{}' specified for the field '{k}.$' could not be found in the input '{input}'",
                                    p.source
                                ),
                            )
                        })?,
                        other => self.jsonpath_template(other, input)?,
                    };
                    out.insert(k.clone(), value);
                }
                Ok(Value::Object(out))
            }
            Template::Array(items) => items.iter().map(|t| self.jsonpath_template(t, input)).collect::<Result<Vec<_>, _>>().map(Value::Array),
        }
        })
    }

    /// Evaluates an intrinsic call: arguments first (paths, nested calls), then the function.
    pub(crate) fn intrinsic(&self, call: &Call, input: &Value) -> Result<Value, Failure> {
        let mut args = Vec::with_capacity(call.args.len());
        for a in &call.args {
            args.push(match a {
                Arg::Literal(v) => v.clone(),
                Arg::Path(p) => self.select(p, input).map_err(|m| self.missing(p, m))?,
                Arg::Call(inner) => self.intrinsic(inner, input)?,
            });
        }
        let mut rng = self.rng.borrow_mut();
        let mut random = || rng.next_u64();
        // AWS reports invalid intrinsic arguments as States.Runtime ("Invalid arguments in States.X"), as
        // executions recorded on AWS show.
        crate::intrinsics::apply(call.function, &args, &mut random)
            .map_err(|cause| self.fail(failure::RUNTIME, cause))
    }

    /// Evaluates a JSONata template (`Arguments`, `Output`, `Assign`, `Items`...); `field` names it in causes
    /// (`Output/result`).
    pub(crate) fn jsonata_template(
        &self,
        t: &Template,
        states: &Value,
        field: &str,
    ) -> Result<Value, Failure> {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || match t {
            Template::Literal(v) => Ok(v.clone()),
            Template::Expr(e) => self.jsonata(e, states, field),
            Template::Object(fields) => {
                let mut out = Map::with_capacity(fields.len());
                for (k, v) in fields {
                    out.insert(
                        k.clone(),
                        self.jsonata_template(v, states, &format!("{field}/{k}"))?,
                    );
                }
                Ok(Value::Object(out))
            }
            Template::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, t)| self.jsonata_template(t, states, &format!("{field}[{i}]")))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            Template::Path(_) | Template::Intrinsic(_) => {
                Err(self.fail(failure::RUNTIME, "unexpected JSONPath in a JSONata state"))
            }
        })
    }

    /// Evaluates one JSONata expression; undefined is a `States.QueryEvaluationError`.
    pub(crate) fn jsonata(&self, e: &Expr, states: &Value, field: &str) -> Result<Value, Failure> {
        self.jsonata_optional(e, states, field)?.ok_or_else(|| {
            self.fail(
                failure::QUERY,
                format!("The JSONata expression '{}' specified for the field '{field}' returned nothing (undefined).", e.source),
            )
        })
    }

    /// Evaluates one JSONata expression; `None` for undefined.
    pub(crate) fn jsonata_optional(
        &self,
        e: &Expr,
        states: &Value,
        field: &str,
    ) -> Result<Option<Value>, Failure> {
        let compiled = self
            .exprs
            .get(&e.source)
            .map_err(|c| self.fail(failure::QUERY, c))?;
        let mut rng = self.rng.borrow_mut();
        let mut random = || rng.next_u64();
        compiled
            .evaluate(states, self.vars, &mut random)
            .map_err(|cause| {
                let sentence = crate::jsonata::failure_sentence(&e.source, field, &cause);
                self.fail(failure::QUERY, sentence)
            })
    }
}

/// True for the path `$`, which selects its input unchanged.
pub(crate) fn is_root(path: &Path) -> bool {
    path.segments.is_empty() && path.root == stepd_asl::path::Root::Input
}

/// `ResultPath`: puts `result` into `input` (`None` discards the result, `$` replaces the input).
pub(crate) fn result_path(
    env: &Env<'_>,
    path: Option<&Path>,
    input: &Value,
    result: Value,
) -> Result<Value, Failure> {
    let Some(path) = path else {
        return Ok(input.clone());
    };
    if is_root(path) {
        return Ok(result);
    }
    let mut target = input.clone();
    jsonpath::set(&mut target, path, result)
        .map_err(|reason| env.fail(failure::RUNTIME, reason))?;
    Ok(target)
}

/// The serialized size of a value in bytes, without serializing it (for `States.DataLimitExceeded`).
pub(crate) fn json_len(v: &Value) -> usize {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || match v {
        Value::Null => 4,
        Value::Bool(b) => {
            if *b {
                4
            } else {
                5
            }
        }
        Value::Number(n) => n.to_string().len(),
        Value::String(s) => s.len() + 2,
        Value::Array(a) => 2 + a.len().saturating_sub(1) + a.iter().map(json_len).sum::<usize>(),
        Value::Object(m) => {
            2 + m.len().saturating_sub(1)
                + m.iter()
                    .map(|(k, v)| k.len() + 3 + json_len(v))
                    .sum::<usize>()
        }
    })
}

/// The largest payload Step Functions accepts or passes between states: 262,144 bytes of UTF-8 (AWS's
/// model says "length constraints apply to the payload size, and are expressed as bytes in UTF-8
/// encoding"). The API's inputs and outputs are measured against this same number.
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;
