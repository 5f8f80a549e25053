//! Reading the field kinds many states share: paths, templates, JSONata strings, dynamic numbers,
//! Retry and Catch.

use super::msg;
use super::obj::Obj;
use crate::diagnostic::{Code, Diagnostic};
use crate::intrinsic::Call;
use crate::json::Loc;
use crate::model::{Catcher, Dyn, Expr, Jitter, QueryLanguage, Retrier, Template};
use crate::node::Node;
use crate::path::Path;
use serde_json::Value;

/// Largest number AWS accepts in second counts and attempt counts.
pub(crate) const MAX_SECONDS: u64 = 99_999_999;

/// Splits `{% expr %}` into its expression text; `None` for any other string.
pub(crate) fn jsonata_text(s: &str) -> Option<&str> {
    let t = s.strip_prefix("{%")?.strip_suffix("%}")?;
    Some(t)
}

/// Reads a JSONata `{% %}` string into a checked expression. `$states.errorOutput` exists only in a Catch.
pub(crate) fn expr(
    s: &str,
    at: &Loc<'_, '_>,
    in_catch: bool,
    d: &mut Vec<Diagnostic>,
) -> Option<Expr> {
    let text = jsonata_text(s)?;
    match crate::jsonata::check(text, in_catch) {
        Ok(()) => Some(Expr {
            source: text.trim().to_string(),
        }),
        Err((code, message)) => {
            d.push(Diagnostic::error(code, at.render(), message));
            None
        }
    }
}

/// What a path field may hold.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathMode {
    /// Any JSONPath (`InputPath`, `SecondsPath`, `Variable`...).
    Any,
    /// A reference path into a variable or the input, read only (`ItemsPath`).
    Read,
    /// A reference path written into the input (`ResultPath`): `$`-rooted.
    Write,
}

/// `InputPath`/`OutputPath`/`ResultPath`/`ItemsPath`: absent means `$`, `null` means none.
pub(crate) fn io_path(
    o: &mut Obj<'_>,
    key: &str,
    mode: PathMode,
    d: &mut Vec<Diagnostic>,
) -> Option<Path> {
    let v = match o.take(key) {
        None => return Some(Path::root()),
        Some(v) => v,
    };
    match v {
        Node::Null => None,
        Node::Str(s) => Some(parse_path(o, key, &s, mode, d).unwrap_or_else(Path::root)),
        _ => {
            o.error(key, msg::wrong_type("STRING"), d);
            Some(Path::root())
        }
    }
}

fn parse_path(
    o: &Obj<'_>,
    key: &str,
    s: &str,
    mode: PathMode,
    d: &mut Vec<Diagnostic>,
) -> Option<Path> {
    let parsed = match mode {
        PathMode::Any => Path::parse(s),
        PathMode::Read => Path::parse_read_reference(s),
        PathMode::Write => Path::parse_reference(s),
    };
    match parsed {
        Ok(p) => Some(p),
        Err(e) => {
            let m = match mode {
                PathMode::Any => msg::JSONPATH.to_string(),
                PathMode::Read | PathMode::Write => msg::reference_path(&e.reason),
            };
            o.error(key, m, d);
            None
        }
    }
}

/// A string field holding a JSONPath (`SecondsPath`, `Variable`...), or `None` when absent or invalid.
pub(crate) fn path(o: &mut Obj<'_>, key: &str, d: &mut Vec<Diagnostic>) -> Option<Path> {
    let s = o.string(key, d)?;
    parse_path(o, key, &s, PathMode::Any, d)
}

/// A count or duration: a literal integer, `<key>Path` in JSONPath, or a `{% %}` string in JSONata.
pub(crate) fn dyn_uint(
    o: &mut Obj<'_>,
    key: &str,
    min: u64,
    max: u64,
    ql: QueryLanguage,
    d: &mut Vec<Diagnostic>,
) -> Option<Dyn<u64>> {
    let path_key = format!("{key}Path");
    if o.has(key) && o.has(&path_key) {
        d.push(Diagnostic::error(
            Code::SchemaValidationFailed,
            o.here(),
            msg::only_one(&[key, &path_key]),
        ));
        o.take(key);
    }
    if ql == QueryLanguage::JSONPath && o.has(&path_key) {
        return path(o, &path_key, d).map(Dyn::Path);
    }
    let v = o.take(key)?;
    match (&v, ql) {
        (Node::Str(s), QueryLanguage::JSONata) if jsonata_text(s).is_some() => {
            expr(s, &Loc::Key(&Loc::At(&o.at), key), false, d).map(Dyn::Expr)
        }
        _ => match v.as_uint() {
            Some(n) if n < min => {
                o.error(key, msg::minimum(min), d);
                None
            }
            Some(n) if n > max => {
                o.error(key, msg::maximum(max), d);
                None
            }
            Some(n) => Some(Dyn::Fixed(n)),
            None if v.is_number() => {
                o.error(key, msg::minimum(min), d);
                None
            }
            None => {
                o.error(key, msg::wrong_type("INTEGER"), d);
                None
            }
        },
    }
}

/// A string that may instead come from `<key>Path` (JSONPath) or a `{% %}` expression (JSONata).
pub(crate) fn dyn_string(
    o: &mut Obj<'_>,
    key: &str,
    ql: QueryLanguage,
    d: &mut Vec<Diagnostic>,
) -> Option<Dyn<String>> {
    let path_key = format!("{key}Path");
    if o.has(key) && o.has(&path_key) {
        d.push(Diagnostic::error(
            Code::SchemaValidationFailed,
            o.here(),
            msg::only_one(&[key, &path_key]),
        ));
        o.take(key);
    }
    if ql == QueryLanguage::JSONPath && o.has(&path_key) {
        let s = o.string(&path_key, d)?;
        // ErrorPath/CausePath may also hold an intrinsic function call.
        if Call::looks_like_call(&s) {
            return match Call::parse(&s) {
                Ok(call) => Some(Dyn::Intrinsic(call)),
                Err(_) => {
                    o.error(&path_key, msg::path_or_intrinsic(&path_key), d);
                    None
                }
            };
        }
        return parse_path(o, &path_key, &s, PathMode::Any, d).map(Dyn::Path);
    }
    let s = o.string(key, d)?;
    if ql == QueryLanguage::JSONata && jsonata_text(&s).is_some() {
        return expr(&s, &Loc::Key(&Loc::At(&o.at), key), false, d).map(Dyn::Expr);
    }
    Some(Dyn::Fixed(s))
}

/// Reads a payload template in the state's query language (`in_catch` for a catcher's `Output`/`Assign`).
pub(crate) fn template(
    v: Node<'_>,
    at: &Loc<'_, '_>,
    in_catch: bool,
    ql: QueryLanguage,
    d: &mut Vec<Diagnostic>,
) -> Template {
    if too_deep(&v, at, d) {
        return Template::Literal(serde_json::Value::Null);
    }
    match ql {
        QueryLanguage::JSONPath => jsonpath_template(v, at, d),
        QueryLanguage::JSONata => jsonata_template(v, at, in_catch, d),
    }
}

/// Reports a payload template nested deeper than any payload may be (its values could never be passed on).
pub(crate) fn too_deep(v: &Node<'_>, at: &Loc<'_, '_>, d: &mut Vec<Diagnostic>) -> bool {
    use crate::limits::MAX_PAYLOAD_DEPTH;
    let deep = v.deeper_than(MAX_PAYLOAD_DEPTH);
    if deep {
        d.push(Diagnostic::error(
            Code::SchemaValidationFailed,
            at.render(),
            format!("The value is nested deeper than the maximum of {MAX_PAYLOAD_DEPTH} levels"),
        ));
    }
    deep
}

/// A template field that must be an object in JSONPath (`Parameters`, `ResultSelector`...).
pub(crate) fn object_template(
    o: &mut Obj<'_>,
    key: &str,
    ql: QueryLanguage,
    d: &mut Vec<Diagnostic>,
) -> Option<Template> {
    let v = o.take(key)?;
    let ok = match (&v, ql) {
        (Node::Object(_), _) => true,
        (Node::Str(s), QueryLanguage::JSONata) => jsonata_text(s).is_some(),
        _ => false,
    };
    if !ok {
        o.error(key, msg::wrong_type("OBJECT"), d);
        return None;
    }
    Some(template(v, &Loc::Key(&Loc::At(&o.at), key), false, ql, d))
}

/// A template field that may hold any JSON value (`Output`, `Items`, `Arguments`).
pub(crate) fn any_template(
    o: &mut Obj<'_>,
    key: &str,
    in_catch: bool,
    ql: QueryLanguage,
    d: &mut Vec<Diagnostic>,
) -> Option<Template> {
    let v = o.take(key)?;
    Some(template(
        v,
        &Loc::Key(&Loc::At(&o.at), key),
        in_catch,
        ql,
        d,
    ))
}

/// `Assign`: an object whose keys are variable names (with `.$` in JSONPath for computed values).
pub(crate) fn assign(
    o: &mut Obj<'_>,
    in_catch: bool,
    ql: QueryLanguage,
    d: &mut Vec<Diagnostic>,
) -> Option<Template> {
    let v = o.take("Assign")?;
    let at = Loc::Key(&Loc::At(&o.at), "Assign");
    let Node::Object(map) = &v else {
        o.error("Assign", msg::wrong_type("OBJECT"), d);
        return None;
    };
    for key in map.keys() {
        let name = key
            .strip_suffix(".$")
            .filter(|_| ql == QueryLanguage::JSONPath)
            .unwrap_or(key);
        let at = || Loc::Key(&at, key).render();
        if name == "states" {
            let m = "Cannot assign to reserved variable '$states'.";
            d.push(Diagnostic::error(Code::ReservedVariableName, at(), m));
        } else if !valid_variable_name(name) {
            let m = format!(
                "Invalid variable name '{name}': the variable name contains invalid characters."
            );
            d.push(Diagnostic::error(Code::InvalidVariableName, at(), m));
        }
    }
    Some(template(v, &at, in_catch, ql, d))
}

/// Letters, digits and `_`, not starting with a digit, at most 80 characters.
fn valid_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
        && name.chars().count() <= 80
}

fn jsonpath_template(v: Node<'_>, at: &Loc<'_, '_>, d: &mut Vec<Diagnostic>) -> Template {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || match v {
        Node::Object(map) => {
            let map = map.into_vec();
            let mut fields = Vec::with_capacity(map.len());
            for (k, v) in map {
                if let Some(name) = k.strip_suffix(".$") {
                    let t = match &v {
                        Node::Str(s) if Call::looks_like_call(s) => {
                            Call::parse(s).ok().map(Template::Intrinsic)
                        }
                        Node::Str(s) => Path::parse(s).ok().map(Template::Path),
                        _ => None,
                    };
                    match t {
                        Some(t) => fields.push((name.to_string(), t)),
                        None => d.push(Diagnostic::error(
                            Code::SchemaValidationFailed,
                            at.render(),
                            msg::path_or_intrinsic(&k),
                        )),
                    }
                } else {
                    if let Node::Str(s) = &v
                        && (s.starts_with("$.") || s.starts_with("$$.") || s.starts_with("States."))
                    {
                        let m = format!(
                            "The value of the field '{k}' looks like a path or intrinsic function, but the key does \
                             not end in '.$', so it is passed as text"
                        );
                        d.push(Diagnostic::warning(
                            Code::NoDollar,
                            Loc::Key(at, &k).render(),
                            m,
                        ));
                    }
                    let t = jsonpath_template(v, &Loc::Key(at, &k), d);
                    fields.push((k.into_owned(), t));
                }
            }
            collapse_object(fields)
        }
        Node::Array(items) => {
            let items: Vec<Template> = items
                .into_vec()
                .into_iter()
                .enumerate()
                .map(|(i, v)| jsonpath_template(v, &Loc::Index(at, i), d))
                .collect();
            collapse_array(items)
        }
        other => Template::Literal(other.into_value()),
    })
}

fn jsonata_template(
    v: Node<'_>,
    at: &Loc<'_, '_>,
    in_catch: bool,
    d: &mut Vec<Diagnostic>,
) -> Template {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || match v {
        Node::Str(s) if jsonata_text(&s).is_some() => match expr(&s, at, in_catch, d) {
            Some(e) => Template::Expr(e),
            None => Template::Literal(Value::String(s.into_owned())),
        },
        Node::Object(map) => {
            let fields = map
                .into_vec()
                .into_iter()
                .map(|(k, v)| {
                    let t = jsonata_template(v, &Loc::Key(at, &k), in_catch, d);
                    (k.into_owned(), t)
                })
                .collect();
            collapse_object(fields)
        }
        Node::Array(items) => {
            let items = items
                .into_vec()
                .into_iter()
                .enumerate()
                .map(|(i, v)| jsonata_template(v, &Loc::Index(at, i), in_catch, d))
                .collect();
            collapse_array(items)
        }
        other => Template::Literal(other.into_value()),
    })
}

/// Turns an object whose fields are all literal back into one literal value.
fn collapse_object(mut fields: Vec<(String, Template)>) -> Template {
    if fields
        .iter()
        .all(|(_, t)| matches!(t, Template::Literal(_)))
    {
        let map = fields
            .iter_mut()
            .map(|(k, t)| (std::mem::take(k), take_literal(t)))
            .collect();
        Template::Literal(Value::Object(map))
    } else {
        Template::Object(fields)
    }
}

fn collapse_array(mut items: Vec<Template>) -> Template {
    if items.iter().all(|t| matches!(t, Template::Literal(_))) {
        Template::Literal(Value::Array(items.iter_mut().map(take_literal).collect()))
    } else {
        Template::Array(items)
    }
}

fn take_literal(t: &mut Template) -> Value {
    match t {
        Template::Literal(v) => std::mem::take(v),
        _ => Value::Null,
    }
}

/// `Retry`: an array of retriers.
pub(crate) fn retry(o: &mut Obj<'_>, d: &mut Vec<Diagnostic>) -> Vec<Retrier> {
    let Some(items) = o.array("Retry", d) else {
        return Vec::new();
    };
    let base = o.at.key("Retry");
    let count = items.len();
    let mut out = Vec::with_capacity(count);
    for (i, v) in items.into_iter().enumerate() {
        let Some(mut r) = Obj::from_node(base.index(i), v, d) else {
            continue;
        };
        let error_equals = error_equals(&mut r, i + 1 == count, d);
        let interval_seconds = bounded(&mut r, "IntervalSeconds", 1, d).unwrap_or(1);
        let max_attempts = bounded(&mut r, "MaxAttempts", 0, d).unwrap_or(3);
        let backoff_rate = r.number("BackoffRate", d).unwrap_or(2.0);
        if backoff_rate < 1.0 {
            r.error("BackoffRate", msg::minimum("1.0"), d);
        }
        let max_delay_seconds = bounded(&mut r, "MaxDelaySeconds", 1, d);
        let jitter = match r.string("JitterStrategy", d).as_deref() {
            None | Some("NONE") => Jitter::None,
            Some("FULL") => Jitter::Full,
            Some(_) => {
                r.error("JitterStrategy", msg::one_of(&["NONE", "FULL"]), d);
                Jitter::None
            }
        };
        r.take("Comment");
        r.finish(d);
        out.push(Retrier {
            error_equals,
            interval_seconds,
            max_attempts,
            backoff_rate,
            max_delay_seconds,
            jitter,
        });
    }
    out
}

fn bounded(o: &mut Obj<'_>, key: &str, min: u64, d: &mut Vec<Diagnostic>) -> Option<u64> {
    let n = o.uint(key, d)?;
    if n < min {
        o.error(key, msg::minimum(min), d);
    } else if n > MAX_SECONDS {
        o.error(key, msg::maximum(MAX_SECONDS), d);
    }
    Some(n)
}

/// `ErrorEquals`: non-empty strings; `States.ALL` only alone and only in the last retrier or catcher.
fn error_equals(o: &mut Obj<'_>, last: bool, d: &mut Vec<Diagnostic>) -> Vec<String> {
    if !o.has("ErrorEquals") {
        o.missing("ErrorEquals");
        return Vec::new();
    }
    let Some(items) = o.array("ErrorEquals", d) else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(items.len());
    let ptr = || o.field_ptr("ErrorEquals");
    if items.is_empty() {
        d.push(Diagnostic::error(
            Code::SchemaValidationFailed,
            ptr(),
            msg::EMPTY,
        ));
    }
    let n = items.len();
    for v in items {
        match v {
            Node::Str(s) => out.push(s.into_owned()),
            _ => {
                d.push(Diagnostic::error(
                    Code::SchemaValidationFailed,
                    ptr(),
                    msg::wrong_type("STRING"),
                ));
            }
        }
    }
    if out.iter().any(|e| e == "States.ALL") && (n > 1 || !last) {
        let m = "States.ALL must appear alone and at end of list";
        d.push(Diagnostic::error(Code::SchemaValidationFailed, ptr(), m));
    }
    out
}

/// `Catch`: an array of catchers, each with `Next`.
pub(crate) fn catch(o: &mut Obj<'_>, ql: QueryLanguage, d: &mut Vec<Diagnostic>) -> Vec<Catcher> {
    let Some(items) = o.array("Catch", d) else {
        return Vec::new();
    };
    let base = o.at.key("Catch");
    let count = items.len();
    let mut out = Vec::with_capacity(count);
    for (i, v) in items.into_iter().enumerate() {
        let Some(mut c) = Obj::from_node(base.index(i), v, d) else {
            continue;
        };
        let error_equals = error_equals(&mut c, i + 1 == count, d);
        let next = c.req_string("Next", d).unwrap_or_default();
        let (result_path, output) = match ql {
            QueryLanguage::JSONPath => (io_path(&mut c, "ResultPath", PathMode::Write, d), None),
            QueryLanguage::JSONata => (None, any_template(&mut c, "Output", true, ql, d)),
        };
        let assign = assign(&mut c, true, ql, d);
        c.take("Comment");
        c.finish_with(d, |k| match (k, ql) {
            ("ResultPath", QueryLanguage::JSONata) | ("Output", QueryLanguage::JSONPath) => {
                msg::not_for_language(k, ql)
            }
            _ => msg::unknown_field(k),
        });
        out.push(Catcher {
            error_equals,
            next,
            result_path,
            output,
            assign,
        });
    }
    out
}
