//! Reading one state: its type, transition, query language, I/O fields and its type's own fields.

use super::fields::{self, MAX_SECONDS, PathMode};
use super::obj::Obj;
use super::{Builder, choice, map, msg, query_language};
use crate::check::graph::{Vertex, Via};
use crate::diagnostic::{Code, Diagnostic};
use crate::json::{At, Loc};
use crate::model::{
    Dyn, Fail, Io, Kind, MachineId, Parallel, QueryLanguage, State, Task, Transition, Wait, WaitFor,
};
use crate::node::Node;
use crate::timestamp::is_rfc3339;

const TYPES: [&str; 8] = [
    "Task", "Wait", "Pass", "Succeed", "Fail", "Choice", "Parallel", "Map",
];

/// Fields that exist only in JSONPath states.
const JSONPATH_ONLY: &[&str] = &[
    "InputPath",
    "OutputPath",
    "Parameters",
    "ResultSelector",
    "ResultPath",
    "Result",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "SecondsPath",
    "TimestampPath",
    "ErrorPath",
    "CausePath",
    "ItemsPath",
    "MaxConcurrencyPath",
    "ToleratedFailurePercentagePath",
    "ToleratedFailureCountPath",
];

/// Fields that exist only in JSONata states.
const JSONATA_ONLY: &[&str] = &["Arguments", "Output", "Items"];

/// Reads the state `name`; returns `None` when it is too broken to model (diagnostics say why).
pub(crate) fn build<'a>(
    b: &mut Builder<'a>,
    name: String,
    here: At<'a>,
    v: Node<'a>,
    at: (MachineId, usize),
    node: &mut Vertex<'_>,
) -> Option<State> {
    let d = &mut b.d;
    let mut o = Obj::from_node(here, v, d)?;
    let ty = o.req_string("Type", d);
    let comment = o.string("Comment", d);
    let own_ql = query_language(&mut o, d);
    if own_ql == Some(QueryLanguage::JSONPath) && b.top_ql == QueryLanguage::JSONata {
        d.push(Diagnostic::error(
            Code::SchemaValidationFailed,
            o.here(),
            "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
        ));
    }
    // States inherit the top-level language, even inside a Map or Parallel that set its own.
    let ql = own_ql.unwrap_or(b.top_ql);
    let ty = match ty {
        Some(t) if TYPES.contains(&t.as_str()) => t,
        // A state too broken to read counts as possibly terminal, so one mistake does not cascade into
        // "no terminal state".
        Some(_) => {
            let m = format!(
                "The field 'Type' should have one of these values: [{}]",
                TYPES.join(", ")
            );
            o.error("Type", m, d);
            node.terminal = true;
            return None;
        }
        None => {
            o.finish(d);
            node.terminal = true;
            return None;
        }
    };
    let transition = transition(&mut o, &ty, node, d);
    let io = io(&mut o, &ty, ql, d);
    let kind = match ty.as_str() {
        "Pass" => Kind::Pass {
            result: pass_result(&mut o, ql, d),
        },
        "Task" => Kind::Task(task(&mut o, ql, b.options, d)),
        "Choice" => Kind::Choice(choice::choice(&mut o, ql, node, d)),
        "Wait" => Kind::Wait(wait(&mut o, ql, d)?),
        "Succeed" => Kind::Succeed,
        "Fail" => Kind::Fail(fail(&mut o, ql, d)),
        "Parallel" => Kind::Parallel(parallel(b, &mut o, at, ql)),
        _ => Kind::Map(Box::new(map::map(b, &mut o, at, ql)?)),
    };
    let d = &mut b.d;
    if let Some((_, catch)) = kind.error_handling() {
        for (i, c) in catch.iter().enumerate().filter(|(_, c)| !c.next.is_empty()) {
            node.targets.push((c.next.clone(), Via::Catch(i)));
        }
    }
    node.terminal |= matches!(kind, Kind::Succeed | Kind::Fail(_));
    finish(o, ql, d);
    Some(State {
        name,
        comment,
        query_language: ql,
        transition,
        io,
        kind,
    })
}

/// Reports leftover fields: a field of the other query language says so, anything else is "not supported".
fn finish(o: Obj<'_>, ql: QueryLanguage, d: &mut Vec<Diagnostic>) {
    o.finish_with(d, |k| {
        let wrong_lang = match ql {
            QueryLanguage::JSONata => JSONPATH_ONLY.contains(&k),
            QueryLanguage::JSONPath => JSONATA_ONLY.contains(&k),
        };
        if wrong_lang {
            msg::not_for_language(k, ql)
        } else {
            msg::unknown_field(k)
        }
    });
}

/// `Next` xor `End: true` for the types that move on; neither for Choice, Succeed and Fail.
fn transition(
    o: &mut Obj<'_>,
    ty: &str,
    node: &mut Vertex<'_>,
    d: &mut Vec<Diagnostic>,
) -> Option<Transition> {
    if matches!(ty, "Choice" | "Succeed" | "Fail") {
        return None; // Leftover Next/End are reported as not belonging to the type.
    }
    let present = o.has("Next") || o.has("End");
    let next = o.string("Next", d);
    let end = o.bool("End", d);
    match (next, end) {
        (Some(n), None | Some(false)) => {
            node.targets.push((n.clone(), Via::Next));
            Some(Transition::Next(n))
        }
        (None, Some(true)) => {
            node.terminal = true;
            Some(Transition::End)
        }
        (Some(n), Some(true)) => {
            d.push(Diagnostic::error(
                Code::SchemaValidationFailed,
                o.here(),
                msg::only_one(&["Next", "End"]),
            ));
            node.targets.push((n, Via::Next));
            None
        }
        (None, _) => {
            // A Next or End of the wrong type has been reported already.
            if !present || end == Some(false) {
                d.push(Diagnostic::error(
                    Code::SchemaValidationFailed,
                    o.here(),
                    msg::need_one(&["Next", "End"]),
                ));
            }
            None
        }
    }
}

/// The I/O fields the type and query language allow; anything else is left for `finish` to report.
fn io(o: &mut Obj<'_>, ty: &str, ql: QueryLanguage, d: &mut Vec<Diagnostic>) -> Io {
    let mut io = Io::default();
    let has_result = matches!(ty, "Pass" | "Task" | "Parallel" | "Map");
    let computes = matches!(ty, "Task" | "Parallel" | "Map");
    match ql {
        QueryLanguage::JSONPath if ty != "Fail" => {
            io.input_path = fields::io_path(o, "InputPath", PathMode::Any, d);
            io.output_path = fields::io_path(o, "OutputPath", PathMode::Any, d);
            if has_result {
                io.result_path = fields::io_path(o, "ResultPath", PathMode::Write, d);
                // A Map's Parameters is its legacy ItemSelector, read with the Map's own fields.
                if ty != "Map" {
                    io.parameters = fields::object_template(o, "Parameters", ql, d);
                }
            }
            if computes {
                io.result_selector = fields::object_template(o, "ResultSelector", ql, d);
            }
        }
        QueryLanguage::JSONata if ty != "Fail" => {
            io.output = fields::any_template(o, "Output", false, ql, d);
            if matches!(ty, "Task" | "Parallel") {
                io.arguments = fields::any_template(o, "Arguments", false, ql, d);
            }
        }
        _ => {}
    }
    if !matches!(ty, "Succeed" | "Fail") {
        io.assign = fields::assign(o, false, ql, d);
    }
    io
}

/// `Result` (JSONPath only): a fixed value. Keys ending in `.$` are not evaluated there, which AWS warns about.
fn pass_result(
    o: &mut Obj<'_>,
    ql: QueryLanguage,
    d: &mut Vec<Diagnostic>,
) -> Option<crate::model::Template> {
    if ql != QueryLanguage::JSONPath {
        return None;
    }
    let v = o.take("Result")?;
    if super::fields::too_deep(&v, &Loc::Key(&Loc::At(&o.at), "Result"), d) {
        return None;
    }
    if let Node::Object(fields) = &v
        && let Some(k) = fields.keys().find(|k| k.ends_with(".$"))
    {
        let m = format!(
            "The field '{k}' of a Pass state's 'Result' is not evaluated: use 'Parameters' to compute values"
        );
        d.push(Diagnostic::warning(
            Code::PassResultIsStatic,
            o.field_ptr("Result"),
            m,
        ));
    }
    Some(crate::model::Template::Literal(v.into_value()))
}

fn task(
    o: &mut Obj<'_>,
    ql: QueryLanguage,
    options: crate::Options,
    d: &mut Vec<Diagnostic>,
) -> Task {
    let resource = o.req_string("Resource", d).unwrap_or_default();
    if !resource.is_empty() {
        check_resource(o, &resource, options, d);
    }
    let timeout_seconds = fields::dyn_uint(o, "TimeoutSeconds", 1, MAX_SECONDS, ql, d);
    let heartbeat_seconds = fields::dyn_uint(o, "HeartbeatSeconds", 1, MAX_SECONDS, ql, d);
    if let (Some(Dyn::Fixed(t)), Some(Dyn::Fixed(h))) = (&timeout_seconds, &heartbeat_seconds)
        && h >= t
    {
        // AWS's wording for this rule is not on record; this says what is wrong in its style.
        o.error(
            "HeartbeatSeconds",
            format!("Maximum value is {} (TimeoutSeconds - 1)", t - 1),
            d,
        );
    }
    let credentials = credentials(o, ql, d);
    let retry = fields::retry(o, d);
    let catch = fields::catch(o, ql, d);
    Task {
        resource,
        timeout_seconds,
        heartbeat_seconds,
        credentials,
        retry,
        catch,
    }
}

/// The resource must be an ARN (or a URI of one of our own resource schemes); Express machines refuse
/// activities and the `.sync` / `.waitForTaskToken` patterns.
fn check_resource(o: &Obj<'_>, resource: &str, options: crate::Options, d: &mut Vec<Diagnostic>) {
    let is_arn = resource.starts_with("arn:") && resource.split(':').count() >= 6;
    if !is_arn {
        o.error("Resource", "Value is not a valid resource ARN".into(), d);
        return;
    }
    if options.express {
        let fragments: Vec<&str> = resource.split(':').collect();
        let why = if fragments.get(2) == Some(&"states") && fragments.get(5) == Some(&"activity") {
            Some("Express state machine does not support Activity ARN")
        } else if resource.ends_with(".sync") || resource.contains(".sync:") {
            // AWS's messages for these two end with a space.
            Some("Express state machine does not support '.sync' service integration ")
        } else if resource.ends_with(".waitForTaskToken") {
            Some("Express state machine does not support '.waitForTaskToken' service integration ")
        } else {
            None
        };
        if let Some(why) = why {
            o.error("Resource", why.into(), d);
        }
    }
}

/// `Credentials`: an object with `RoleArn` (or `RoleArn.$` / `RoleArnPath` in JSONPath).
fn credentials(
    o: &mut Obj<'_>,
    ql: QueryLanguage,
    d: &mut Vec<Diagnostic>,
) -> Option<crate::model::Template> {
    let v = o.take("Credentials")?;
    let at = o.at.key("Credentials");
    match &v {
        Node::Object(m) => {
            let has = |k: &str| m.keys().any(|key| key == k);
            let has_role = has("RoleArn")
                || (ql == QueryLanguage::JSONPath && (has("RoleArn.$") || has("RoleArnPath")));
            if !has_role {
                let m = "The field 'RoleArn' is required but was missing";
                d.push(Diagnostic::error(
                    Code::SchemaValidationFailed,
                    at.render(),
                    m,
                ));
            }
            for k in m
                .keys()
                .filter(|k| !matches!(*k, "RoleArn" | "RoleArn.$" | "RoleArnPath"))
            {
                d.push(Diagnostic::error(
                    Code::SchemaValidationFailed,
                    at.render(),
                    msg::unknown_field(k),
                ));
            }
        }
        _ => {
            d.push(Diagnostic::error(
                Code::SchemaValidationFailed,
                at.render(),
                msg::wrong_type("OBJECT"),
            ));
            return None;
        }
    }
    Some(fields::template(v, &Loc::At(&at), false, ql, d))
}

/// Exactly one of `Seconds`, `SecondsPath`, `Timestamp`, `TimestampPath`.
fn wait(o: &mut Obj<'_>, ql: QueryLanguage, d: &mut Vec<Diagnostic>) -> Option<Wait> {
    let allowed: &[&str] = match ql {
        QueryLanguage::JSONPath => &["SecondsPath", "Seconds", "TimestampPath", "Timestamp"],
        QueryLanguage::JSONata => &["Seconds", "Timestamp"],
    };
    let present: Vec<&str> = allowed.iter().copied().filter(|k| o.has(k)).collect();
    if present.len() != 1 {
        let m = if present.is_empty() {
            msg::need_one(allowed)
        } else {
            msg::only_one(allowed)
        };
        d.push(Diagnostic::error(Code::SchemaValidationFailed, o.here(), m));
        return None;
    }
    match present[0] {
        "Seconds" | "SecondsPath" => {
            fields::dyn_uint(o, "Seconds", 0, MAX_SECONDS, ql, d).map(WaitFor::Seconds)
        }
        _ => {
            let ts = fields::dyn_string(o, "Timestamp", ql, d)?;
            if let Dyn::Fixed(s) = &ts
                && !is_rfc3339(s)
            {
                o.error(
                    "Timestamp",
                    "String does not match RFC3339 timestamp".into(),
                    d,
                );
            }
            Some(WaitFor::Timestamp(ts))
        }
    }
    .map(|until| Wait { until })
}

fn fail(o: &mut Obj<'_>, ql: QueryLanguage, d: &mut Vec<Diagnostic>) -> Fail {
    Fail {
        error: fields::dyn_string(o, "Error", ql, d),
        cause: fields::dyn_string(o, "Cause", ql, d),
    }
}

fn parallel<'a>(
    b: &mut Builder<'a>,
    o: &mut Obj<'a>,
    at: (MachineId, usize),
    ql: QueryLanguage,
) -> Parallel {
    let mut branches = Vec::new();
    if !o.has("Branches") {
        o.missing("Branches");
    } else if let Some(items) = o.array("Branches", &mut b.d) {
        if items.is_empty() {
            o.error("Branches", msg::EMPTY.into(), &mut b.d);
        }
        let base = o.at.key("Branches");
        for (i, v) in items.into_iter().enumerate() {
            if let Some(branch) = Obj::from_node(base.index(i), v, &mut b.d) {
                branches.push(b.enqueue(branch, at, format!("Branches[{i}]")));
            }
        }
    }
    let retry = fields::retry(o, &mut b.d);
    let catch = fields::catch(o, ql, &mut b.d);
    Parallel {
        branches,
        retry,
        catch,
    }
}
