//! Reading a Map state: item source, selector, processor (inline or distributed), concurrency, failure
//! tolerance, reader, batcher, writer and label.

use super::fields::{self, MAX_SECONDS, jsonata_text};
use super::obj::Obj;
use super::{Builder, msg};
use crate::diagnostic::{Code, Diagnostic};
use crate::json::Loc;
use crate::model::{
    BatchSpec, Dyn, ItemReader, MachineId, Map, MapMode, QueryLanguage, ResultWriter,
};
use crate::node::Node;

/// Longest Map label AWS accepts.
pub const MAX_LABEL_CHARS: usize = 40;

pub(crate) fn map<'a>(
    b: &mut Builder<'a>,
    o: &mut Obj<'a>,
    at: (MachineId, usize),
    ql: QueryLanguage,
) -> Option<Map> {
    let (processor, mode, execution_type, legacy_iterator) = processor(b, o, at)?;
    let d = &mut b.d;
    let (items_path, items) = match ql {
        QueryLanguage::JSONPath => (
            fields::io_path(o, "ItemsPath", fields::PathMode::Read, d),
            None,
        ),
        QueryLanguage::JSONata => (None, items(o, d)),
    };
    let mut item_selector = fields::object_template(o, "ItemSelector", ql, d);
    if ql == QueryLanguage::JSONPath && o.has("Parameters") {
        if item_selector.is_some() {
            let m = msg::only_one(&["ItemSelector", "Parameters"]);
            d.push(Diagnostic::error(Code::SchemaValidationFailed, o.here(), m));
        }
        item_selector = fields::object_template(o, "Parameters", ql, d);
    }
    let max_concurrency = fields::dyn_uint(o, "MaxConcurrency", 0, MAX_SECONDS, ql, d);
    let tolerated_failure_percentage = percentage(o, ql, d);
    let tolerated_failure_count = fields::dyn_uint(o, "ToleratedFailureCount", 0, u64::MAX, ql, d);
    let item_reader = item_reader(o, ql, d);
    let item_batcher = item_batcher(o, ql, d);
    let result_writer = result_writer(o, ql, d);
    let label = label(b, o);
    let d = &mut b.d;
    let retry = fields::retry(o, d);
    let catch = fields::catch(o, ql, d);
    Some(Map {
        processor,
        mode,
        execution_type,
        legacy_iterator,
        items_path,
        items,
        item_selector,
        max_concurrency,
        tolerated_failure_percentage,
        tolerated_failure_count,
        item_reader,
        item_batcher,
        result_writer,
        label,
        retry,
        catch,
    })
}

/// `ItemProcessor` (with `ProcessorConfig`) or the legacy `Iterator`; queues the processor's states.
fn processor<'a>(
    b: &mut Builder<'a>,
    o: &mut Obj<'a>,
    at: (MachineId, usize),
) -> Option<(MachineId, MapMode, Option<String>, bool)> {
    let d = &mut b.d;
    let (key, legacy) = match (o.has("ItemProcessor"), o.has("Iterator")) {
        (true, false) => ("ItemProcessor", false),
        (false, true) => ("Iterator", true),
        (true, true) => {
            let m = msg::only_one(&["ItemProcessor", "Iterator"]);
            d.push(Diagnostic::error(Code::SchemaValidationFailed, o.here(), m));
            o.take("Iterator");
            ("ItemProcessor", false)
        }
        (false, false) => {
            o.missing("ItemProcessor");
            return None;
        }
    };
    let mut p = o.object(key, d)?;
    let (mut mode, mut execution_type) = (MapMode::Inline, None);
    if let Some(mut cfg) = p.object("ProcessorConfig", d) {
        match cfg.string("Mode", d).as_deref() {
            None | Some("INLINE") => {}
            Some("DISTRIBUTED") => mode = MapMode::Distributed,
            Some(_) => cfg.error("Mode", msg::one_of(&["INLINE", "DISTRIBUTED"]), d),
        }
        execution_type = cfg.string("ExecutionType", d);
        match (execution_type.as_deref(), mode) {
            (None, _) => {}
            (Some("STANDARD" | "EXPRESS"), MapMode::Distributed) => {}
            (Some(_), MapMode::Distributed) => {
                cfg.error("ExecutionType", msg::one_of(&["STANDARD", "EXPRESS"]), d)
            }
            (Some(_), MapMode::Inline) => {
                let m = "Field 'ExecutionType' is only supported for a Map with ProcessorConfig Mode DISTRIBUTED";
                cfg.error("ExecutionType", m.into(), d);
            }
        }
        cfg.finish(d);
    }
    Some((
        b.enqueue(p, at, key.to_string()),
        mode,
        execution_type,
        legacy,
    ))
}

/// JSONata `Items`: an array, or an expression yielding one.
fn items(o: &mut Obj<'_>, d: &mut Vec<Diagnostic>) -> Option<crate::model::Template> {
    let v = o.take("Items")?;
    match &v {
        Node::Array(_) => {}
        Node::Str(s) if jsonata_text(s).is_some() => {}
        _ => {
            let m = "Items must be an array or a JSONata expression '{% ... %}'";
            d.push(Diagnostic::error(
                Code::SchemaValidationFailed,
                o.field_ptr("Items"),
                m,
            ));
            return None;
        }
    }
    Some(fields::template(
        v,
        &Loc::Key(&Loc::At(&o.at), "Items"),
        false,
        QueryLanguage::JSONata,
        d,
    ))
}

/// `ToleratedFailurePercentage` (0–100, fractions allowed) or its `Path`/expression forms.
fn percentage(o: &mut Obj<'_>, ql: QueryLanguage, d: &mut Vec<Diagnostic>) -> Option<Dyn<f64>> {
    const KEY: &str = "ToleratedFailurePercentage";
    const PATH_KEY: &str = "ToleratedFailurePercentagePath";
    if o.has(KEY) && o.has(PATH_KEY) {
        d.push(Diagnostic::error(
            Code::SchemaValidationFailed,
            o.here(),
            msg::only_one(&[KEY, PATH_KEY]),
        ));
        o.take(KEY);
    }
    if ql == QueryLanguage::JSONPath && o.has(PATH_KEY) {
        return fields::path(o, PATH_KEY, d).map(Dyn::Path);
    }
    match o.take(KEY)? {
        Node::Str(s) if ql == QueryLanguage::JSONata && jsonata_text(&s).is_some() => {
            fields::expr(&s, &Loc::Key(&Loc::At(&o.at), KEY), false, d).map(Dyn::Expr)
        }
        Node::Number(n) => match n.as_f64() {
            Some(f) if (0.0..=100.0).contains(&f) => Some(Dyn::Fixed(f)),
            Some(f) => {
                let m = if f < 0.0 {
                    msg::minimum(0)
                } else {
                    msg::maximum(100)
                };
                o.error(KEY, m, d);
                None
            }
            None => None,
        },
        _ => {
            o.error(KEY, msg::wrong_type("NUMBER"), d);
            None
        }
    }
}

/// `Parameters` in JSONPath, `Arguments` in JSONata, for a reader or writer.
fn arguments(
    o: &mut Obj<'_>,
    ql: QueryLanguage,
    d: &mut Vec<Diagnostic>,
) -> Option<crate::model::Template> {
    match ql {
        QueryLanguage::JSONPath => fields::object_template(o, "Parameters", ql, d),
        QueryLanguage::JSONata => fields::any_template(o, "Arguments", false, ql, d),
    }
}

fn item_reader(o: &mut Obj<'_>, ql: QueryLanguage, d: &mut Vec<Diagnostic>) -> Option<ItemReader> {
    let mut r = o.object("ItemReader", d)?;
    let resource = r.req_string("Resource", d).unwrap_or_default();
    let reader_config = fields::object_template(&mut r, "ReaderConfig", ql, d);
    let arguments = arguments(&mut r, ql, d);
    r.finish(d);
    Some(ItemReader {
        resource,
        reader_config,
        arguments,
    })
}

fn item_batcher(o: &mut Obj<'_>, ql: QueryLanguage, d: &mut Vec<Diagnostic>) -> Option<BatchSpec> {
    let mut r = o.object("ItemBatcher", d)?;
    let max_items_per_batch = fields::dyn_uint(&mut r, "MaxItemsPerBatch", 0, u64::MAX, ql, d);
    let max_input_bytes_per_batch = fields::dyn_uint(
        &mut r,
        "MaxInputBytesPerBatch",
        0,
        crate::limits::MAX_PAYLOAD_BYTES as u64,
        ql,
        d,
    );
    let batch_input = fields::object_template(&mut r, "BatchInput", ql, d);
    r.finish(d);
    Some(BatchSpec {
        max_items_per_batch,
        max_input_bytes_per_batch,
        batch_input,
    })
}

fn result_writer(
    o: &mut Obj<'_>,
    ql: QueryLanguage,
    d: &mut Vec<Diagnostic>,
) -> Option<ResultWriter> {
    let mut r = o.object("ResultWriter", d)?;
    let resource = r.string("Resource", d);
    let writer_config = fields::object_template(&mut r, "WriterConfig", ql, d);
    let arguments = arguments(&mut r, ql, d);
    if resource.is_none() && writer_config.is_none() {
        r.missing("Resource");
    }
    r.finish(d);
    Some(ResultWriter {
        resource,
        writer_config,
        arguments,
    })
}

/// `Label`: at most 40 characters, none of the characters AWS forbids in names, unique in the definition.
fn label(b: &mut Builder<'_>, o: &mut Obj<'_>) -> Option<String> {
    let d = &mut b.d;
    let ptr = o.field_ptr("Label");
    let label = o.string("Label", d)?;
    let why = if label.chars().count() > MAX_LABEL_CHARS {
        Some(format!(
            "Label exceeds the {MAX_LABEL_CHARS}-character limit allowed by the service"
        ))
    } else if label.is_empty() {
        Some("Label cannot be empty".to_string())
    } else if label
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c))
    {
        Some("Label contains invalid characters".to_string())
    } else {
        None
    };
    if let Some(why) = why {
        d.push(Diagnostic::error(
            Code::InvalidLabelName,
            ptr,
            format!("Invalid Label name: {why}"),
        ));
        return None;
    }
    if b.labels.insert(label.clone(), ptr.clone()).is_some() {
        d.push(Diagnostic::error(
            Code::DuplicateLabelName,
            ptr,
            format!("Duplicate Label name: {label}"),
        ));
    }
    Some(label)
}
