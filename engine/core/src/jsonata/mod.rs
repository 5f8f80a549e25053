//! JSONata evaluation as Step Functions runs it: `$states`, workflow variables, AWS's six extra
//! functions, AWS's error causes, and bounds that make every evaluation deterministic.
//!
//! The dialect, as recorded on AWS (the conformance corpus) and as measured by others against AWS
//! where the corpus is silent (noted where it matters):
//!
//! - `$states` and every workflow variable are bound; the context value `$` is undefined (the
//!   validator refuses top-level `$`, `$$` and bare field names anyway). `$eval` is unavailable:
//!   calling it fails with `T1006`, as on AWS; `$parse` replaces it.
//! - The extras are `$partition`, `$range`, `$hash`, `$random([seed])`, `$uuid()` and `$parse`
//!   ([`functions`]). Nothing reads a clock or ambient randomness: `$now()` and `$millis()` give the
//!   time of `$states.context.State.EnteredTime` (see [`evaluation_time`]), and `$random()`,
//!   `$uuid()` and `$shuffle()` draw from the caller's `random`.
//! - A failure's cause is `CODE: message` with jsonata-js's wording (`T0410: Argument 1 of
//!   function "abs" does not match function signature`), or one of AWS's bare sentences for the
//!   bounds ([`STACK_OVERFLOW`], [`TIMEOUT`], [`MEMORY`]), or [`UNSUPPORTED_RESULT`] when the
//!   expression yields a function. [`failure_sentence`] writes the sentence AWS puts after "An
//!   error occurred while executing the state 'S' (entered at the event id #N). " for such a cause
//!   (for `undefined` it is "The JSONata expression 'E' specified for the field 'F' returned
//!   nothing (undefined).").
//! - Numbers are `f64` inside JSONata; a result that is a whole number below 2^63 in magnitude is
//!   written as a JSON integer. A top-level arithmetic result that is not finite is written as
//!   AWS writes it, the string `"Infinity"`, `"-Infinity"` or `"NaN"`.
//!
//! Bounds: evaluation depth 100 (AWS's: a chain of 100 `+` evaluates, 101 fails), a budget of
//! [`STEP_BUDGET`] steps (jlens counts them the same on every machine; AWS uses a wall-clock
//! timeout instead; a 10 s timeout stays here only as a safety net, see [`SAFETY_TIMEOUT`]),
//! and per-value size limits (an array of at most 873,782 items, a string of at
//! most 6,990,256 bytes: AWS's memory bound as measured). The total memory of one evaluation is not bounded: each value is, and the step budget bounds how
//! many are built, but an expression such as `[1..100000].[[1..800000]]` can still hold many
//! large arrays at once.

mod functions;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use jlens_core::ast::BinaryOp;
use jlens_core::input::{Sink, Source};
use jlens_core::output::Builder;
use jlens_core::{Bindings, Expression, NodeKind, Options, Span};
use serde_json::{Map, Number, Value};

/// AWS's cause, with no JSONata code, for an evaluation nested too deep.
pub(crate) const STACK_OVERFLOW: &str = "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.";
/// AWS's cause, with no JSONata code, for an evaluation that runs too long: here, one that
/// exceeds [`STEP_BUDGET`].
pub(crate) const TIMEOUT: &str = "Expression evaluation timeout: Check for infinite loop";
/// AWS's cause, with no JSONata code, for a value too large.
pub(crate) const MEMORY: &str =
    "Expression evaluation memory limit exceeded: Check for excessive memory usage";
/// The cause [`Compiled::evaluate`] gives when the result is a function, which JSON cannot hold:
/// AWS's sentence then reads "... returned an unsupported result type." (see [`failure_sentence`]).
pub(crate) const UNSUPPORTED_RESULT: &str = "returned an unsupported result type.";

/// Steps one evaluation may take (jlens counts each node evaluated and each function called back).
/// `$join($map([1..100000], $string))` takes fewer than 1,000,000; an infinite loop reaches the
/// budget in about 0.3 s in a debug build.
pub(crate) const STEP_BUDGET: u64 = 10_000_000;
/// Evaluation depth, AWS's.
const MAX_DEPTH: usize = 100;
/// Items of one array, AWS's: `[1..873782]` evaluates there, one more item fails.
const MAX_ARRAY_ITEMS: usize = 873_782;
/// Bytes of one string: AWS accepts 2^22 characters and refuses 2^23.
const MAX_STRING_BYTES: usize = 6_990_256;
/// Bytes of the result as compact JSON text.
const MAX_RESULT_BYTES: usize = 64 << 20;
/// A safety net only: [`STEP_BUDGET`] ends every evaluation long before, except one spent in a
/// regular expression backtracking (jlens counts 1,024 of its steps as one), such as
/// `/(a*)*b/` against 60 `a`s. Both end with [`TIMEOUT`], so only such an expression can end
/// differently on a slower machine.
const SAFETY_TIMEOUT: Duration = Duration::from_secs(10);

/// A JSONata expression compiled once (per definition) and evaluated many times; Send + Sync.
pub(crate) struct Compiled {
    expression: Expression,
    /// Whether the text names `$random`, `$uuid` or `$shuffle`: only then is `random` drawn from.
    /// A function can only be reached through its name (`$eval` is unavailable).
    draws: bool,
    /// When the whole expression is one arithmetic operation: its operands, to write a result that
    /// is not finite as AWS does.
    arithmetic: Option<Arithmetic>,
    /// `$type(<expression>)`, which tells a function result from an undefined one.
    type_of: Option<Expression>,
}

/// The top-level operation of an expression such as `$x / 0`.
struct Arithmetic {
    op: BinaryOp,
    span: Span,
    lhs: Expression,
    rhs: Expression,
}

impl Compiled {
    /// Compiles the text between `{%` and `%}` (already syntax-checked by the validator; still return Err, never panic).
    pub(crate) fn new(source: &str) -> Result<Compiled, String> {
        let expression = Expression::compile(source).map_err(|e| cause(&e))?;
        let arithmetic = arithmetic(&expression);
        let type_of = Expression::compile(&format!("$type(\n{source}\n)")).ok();
        let draws = ["$random", "$uuid", "$shuffle"]
            .iter()
            .any(|name| source.contains(name));
        Ok(Compiled {
            expression,
            draws,
            arithmetic,
            type_of,
        })
    }

    /// Evaluates with `$states` bound to `states` (an object with `input`, `context`, and when present `result` /
    /// `errorOutput`) and every workflow variable in `vars` bound as `$name`. `random` supplies randomness for
    /// `$random()` / `$uuid()` (the interpreter core is deterministic: no ambient RNG; see below about clocks).
    /// Ok(None) when the expression yields JSONata's `undefined`. Err(cause): the interpreter raises
    /// `States.QueryEvaluationError` with that cause.
    ///
    /// `$now()` and `$millis()` read [`evaluation_time`] of `states`. `random` is called once, and
    /// only when the expression names `$random`, `$uuid` or `$shuffle`.
    pub(crate) fn evaluate(
        &self,
        states: &Value,
        vars: &Map<String, Value>,
        random: &mut dyn FnMut() -> u64,
    ) -> Result<Option<Value>, String> {
        let entropy = self
            .draws
            .then(|| Arc::new(functions::Entropy::new(random())));
        let seed = entropy.as_ref().map_or(0, |e| e.next());
        let options = Options::new()
            .now(evaluation_time(states))
            .seed(seed)
            .max_depth(MAX_DEPTH)
            .max_steps(STEP_BUDGET)
            .max_array_length(MAX_ARRAY_ITEMS)
            .max_string_length(MAX_STRING_BYTES)
            .max_result_size(MAX_RESULT_BYTES)
            .timeout(SAFETY_TIMEOUT);
        let mut bindings = functions::bind(Bindings::new(), entropy);
        for (name, value) in vars {
            bindings = bindings.var(name.as_str(), value.clone());
        }
        let bindings = bindings.var("states", states.clone());
        let run = |expression: &Expression| {
            expression.evaluate_source_to(&NoInput, &bindings, &options, |out| out.write(&mut Json))
        };
        match run(&self.expression) {
            Ok(Some(Value::Null)) => Ok(Some(self.not_finite(&run, None).unwrap_or(Value::Null))),
            Ok(Some(value)) => Ok(Some(value)),
            Ok(None) => match self.type_of.as_ref().map(run) {
                Some(Ok(Some(Value::String(kind)))) if kind == "function" => {
                    Err(UNSUPPORTED_RESULT.to_owned())
                }
                _ => Ok(None),
            },
            Err(e) => match self.not_finite(&run, Some(&e)) {
                Some(value) => Ok(Some(value)),
                None => Err(cause(&e)),
            },
        }
    }

    /// AWS's string for the result of a top-level arithmetic operation that is not finite, which
    /// jlens refuses (`D1001` for an infinity, raised by the operation itself) or writes as `null`
    /// (NaN). The operands are evaluated again to find which it was. `None` otherwise.
    fn not_finite(
        &self,
        run: &dyn Fn(&Expression) -> jlens_core::Result<Option<Value>>,
        error: Option<&jlens_core::Error>,
    ) -> Option<Value> {
        let arithmetic = self.arithmetic.as_ref()?;
        if let Some(e) = error
            && (e.code() != "D1001" || e.span() != Some(arithmetic.span))
        {
            return None;
        }
        let operand = |expression: &Expression| match run(expression) {
            Ok(Some(Value::Number(n))) => n.as_f64(),
            _ => None,
        };
        let (l, r) = (operand(&arithmetic.lhs)?, operand(&arithmetic.rhs)?);
        let n = match arithmetic.op {
            BinaryOp::Add => l + r,
            BinaryOp::Sub => l - r,
            BinaryOp::Mul => l * r,
            BinaryOp::Div => l / r,
            _ => l % r,
        };
        let name = if n.is_nan() {
            "NaN"
        } else if n == f64::INFINITY {
            "Infinity"
        } else if n == f64::NEG_INFINITY {
            "-Infinity"
        } else {
            return None;
        };
        Some(Value::String(name.to_owned()))
    }
}

/// The operands of an expression that is one arithmetic operation, compiled on their own.
fn arithmetic(expression: &Expression) -> Option<Arithmetic> {
    let root = &expression.ast().root;
    let NodeKind::Binary { op, lhs, rhs } = &root.kind else {
        return None;
    };
    if !matches!(
        op,
        BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod
    ) {
        return None;
    }
    let source = expression.source();
    let part = |span: Span| Expression::compile(source.get(span.start..span.end)?).ok();
    Some(Arithmetic {
        op: *op,
        span: root.span,
        lhs: part(lhs.span)?,
        rhs: part(rhs.span)?,
    })
}

/// The cause of a JSONata error as AWS writes it: `CODE: message`, or a bare sentence for the
/// bounds.
fn cause(error: &jlens_core::Error) -> String {
    match error.code() {
        "D1011" => STACK_OVERFLOW.to_owned(),
        "U1006" | "D1012" => TIMEOUT.to_owned(),
        "U1001" => MEMORY.to_owned(),
        code => format!("{code}: {}", error.message()),
    }
}

/// What AWS writes after "An error occurred while executing the state 'S' (entered at the event id
/// #N). " when the expression `expression` (the text between `{%` and `%}`, trimmed) of `field`
/// (`Output`, `Arguments/a/b`, `Choices[0]/Condition`, ...) failed with `cause`, an `Err` of
/// [`Compiled::evaluate`]. A coded cause is a sentence of its own; a bare one follows a colon.
pub(crate) fn failure_sentence(expression: &str, field: &str, cause: &str) -> String {
    let head = format!("The JSONata expression '{expression}' specified for the field '{field}'");
    if cause == UNSUPPORTED_RESULT {
        return format!("{head} {UNSUPPORTED_RESULT}");
    }
    let coded = cause.as_bytes().get(..6).is_some_and(|c| {
        c[0].is_ascii_uppercase() && c[1..5].iter().all(u8::is_ascii_digit) && c[5] == b':'
    });
    let separator = if coded { ". " } else { ": " };
    format!("{head} threw an error during evaluation{separator}{cause}")
}

/// The time `$now()` and `$millis()` give, in milliseconds since the epoch:
/// `states.context.State.EnteredTime`, else `states.context.Execution.StartTime`, else 0.
///
/// AWS reads its clock when it evaluates, which can be later than the state was entered (an
/// `Output` evaluated when a long Task returns); the core has no clock, so the time the state was
/// entered stands for it.
pub(crate) fn evaluation_time(states: &Value) -> i64 {
    let context = states.get("context");
    [("State", "EnteredTime"), ("Execution", "StartTime")]
        .iter()
        .find_map(|(object, field)| {
            let text = context?.get(object)?.get(field)?.as_str()?;
            timestamp_millis(text)
        })
        .unwrap_or(0)
}

/// Milliseconds since the epoch of an RFC 3339 timestamp (`2024-01-02T03:04:05.678Z`,
/// `...+01:00`); fractions beyond milliseconds are cut.
fn timestamp_millis(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = b.get(range)?;
        digits.iter().try_fold(0i64, |acc, d| {
            d.is_ascii_digit().then(|| acc * 10 + i64::from(d - b'0'))
        })
    };
    let sep = |i: usize, c: &[u8]| b.get(i).is_some_and(|x| c.contains(x));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    let mut i = 19;
    let mut millis = 0;
    if sep(19, b".") {
        i = 20;
        let mut scale = 100;
        while let Some(d) = b.get(i).filter(|d| d.is_ascii_digit()) {
            millis += i64::from(d - b'0') * scale;
            scale /= 10;
            i += 1;
        }
    }
    let offset = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if i + 6 == b.len() && sep(i + 3, b":") => {
            let minutes = num(i + 1..i + 3)? * 60 + num(i + 4..i + 6)?;
            if *sign == b'+' { minutes } else { -minutes }
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset * 60;
    Some(seconds * 1_000 + millis)
}

/// The input of every evaluation: undefined, as `$` has no meaning at the top of a Step Functions
/// expression.
struct NoInput;

impl<'a> Source<'a> for NoInput {
    fn read(&self, _sink: &mut Sink<'_, 'a>) -> Result<(), String> {
        Ok(())
    }
}

/// Writes a result as `serde_json` values, whole numbers below 2^63 in magnitude as integers.
struct Json;

impl Builder for Json {
    type Value = Value;
    type Array = Vec<Value>;
    type Object = Map<String, Value>;

    fn null(&mut self) -> Value {
        Value::Null
    }

    fn bool(&mut self, value: bool) -> Value {
        Value::Bool(value)
    }

    fn number(&mut self, value: f64) -> Value {
        number(value)
    }

    fn string(&mut self, value: &str) -> Value {
        Value::String(value.to_owned())
    }

    fn array(&mut self, len: usize) -> Vec<Value> {
        Vec::with_capacity(len)
    }

    fn push(&mut self, array: &mut Vec<Value>, item: Value) {
        array.push(item);
    }

    fn end_array(&mut self, array: Vec<Value>) -> Value {
        Value::Array(array)
    }

    fn object(&mut self, len: usize) -> Map<String, Value> {
        Map::with_capacity(len)
    }

    fn insert(&mut self, object: &mut Map<String, Value>, key: &str, value: Value) {
        object.insert(key.to_owned(), value);
    }

    fn end_object(&mut self, object: Map<String, Value>) -> Value {
        Value::Object(object)
    }
}

/// A JSONata number as JSON: an integer when it is a whole number below 2^63 in magnitude.
fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9_223_372_036_854_775_808.0 {
        Value::Number(Number::from(n as i64))
    } else {
        Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}
