//! `Obj`: reads the fields of one JSON object, reporting missing, mistyped and leftover fields.

use super::msg;
use crate::diagnostic::{Code, Diagnostic};
use crate::json::{drop_deep, pointer_push};
use serde_json::{Map, Value};

/// An object being read. Fields are moved out as they are read; whatever remains at `finish` is unknown.
pub(crate) struct Obj {
    pub(crate) ptr: String,
    map: Map<String, Value>,
    /// Required fields found missing, reported together by `finish`.
    missing: Vec<String>,
}

impl Obj {
    pub(crate) fn new(ptr: String, map: Map<String, Value>) -> Self {
        Obj { ptr, map, missing: Vec::new() }
    }

    /// Reads an object value, or reports it is not one.
    pub(crate) fn from_value(ptr: String, v: Value, d: &mut Vec<Diagnostic>) -> Option<Obj> {
        match v {
            Value::Object(map) => Some(Obj::new(ptr, map)),
            other => {
                d.push(Diagnostic::error(Code::SchemaValidationFailed, ptr, msg::wrong_type("OBJECT")));
                drop_deep(other);
                None
            }
        }
    }

    pub(crate) fn field_ptr(&self, key: &str) -> String {
        pointer_push(&self.ptr, key)
    }

    pub(crate) fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    pub(crate) fn take(&mut self, key: &str) -> Option<Value> {
        self.map.shift_remove(key)
    }

    pub(crate) fn error(&self, key: &str, message: String, d: &mut Vec<Diagnostic>) {
        d.push(Diagnostic::error(Code::SchemaValidationFailed, self.field_ptr(key), message));
    }

    /// Notes a required field as missing; `finish` reports all of an object's missing fields at once.
    pub(crate) fn missing(&mut self, key: &str) {
        self.missing.push(key.to_string());
    }

    fn typed<T>(&mut self, key: &str, ty: &str, d: &mut Vec<Diagnostic>, f: impl FnOnce(&Value) -> Option<T>) -> Option<T> {
        let v = self.take(key)?;
        let out = f(&v);
        if out.is_none() {
            self.error(key, msg::wrong_type(ty), d);
        }
        drop_deep(v);
        out
    }

    pub(crate) fn string(&mut self, key: &str, d: &mut Vec<Diagnostic>) -> Option<String> {
        match self.take(key)? {
            Value::String(s) => Some(s),
            other => {
                self.error(key, msg::wrong_type("STRING"), d);
                drop_deep(other);
                None
            }
        }
    }

    pub(crate) fn req_string(&mut self, key: &str, d: &mut Vec<Diagnostic>) -> Option<String> {
        if !self.has(key) {
            self.missing(key);
            return None;
        }
        self.string(key, d)
    }

    pub(crate) fn bool(&mut self, key: &str, d: &mut Vec<Diagnostic>) -> Option<bool> {
        self.typed(key, "BOOLEAN", d, Value::as_bool)
    }

    /// A non-negative integer (AWS accepts `5.0`-style integers written as floats too).
    pub(crate) fn uint(&mut self, key: &str, d: &mut Vec<Diagnostic>) -> Option<u64> {
        if self.map.get(key).and_then(Value::as_f64).is_some_and(|f| f < 0.0) {
            self.take(key);
            self.error(key, msg::minimum(0), d);
            return None;
        }
        self.typed(key, "INTEGER", d, as_uint)
    }

    pub(crate) fn number(&mut self, key: &str, d: &mut Vec<Diagnostic>) -> Option<f64> {
        self.typed(key, "NUMBER", d, Value::as_f64)
    }

    pub(crate) fn array(&mut self, key: &str, d: &mut Vec<Diagnostic>) -> Option<Vec<Value>> {
        match self.take(key)? {
            Value::Array(a) => Some(a),
            other => {
                self.error(key, msg::wrong_type("ARRAY"), d);
                drop_deep(other);
                None
            }
        }
    }

    pub(crate) fn object(&mut self, key: &str, d: &mut Vec<Diagnostic>) -> Option<Obj> {
        let v = self.take(key)?;
        let ptr = self.field_ptr(key);
        Obj::from_value(ptr, v, d)
    }

    /// Reports missing required fields, then every field nobody read (at the object, as AWS does), with `why`
    /// deciding the message for each name.
    pub(crate) fn finish_with(self, d: &mut Vec<Diagnostic>, why: impl Fn(&str) -> String) {
        let Obj { ptr, map, missing } = self;
        if !missing.is_empty() {
            d.push(Diagnostic::error(Code::SchemaValidationFailed, ptr.clone(), msg::missing(&missing)));
        }
        for (k, v) in map {
            d.push(Diagnostic::error(Code::SchemaValidationFailed, ptr.clone(), why(&k)));
            drop_deep(v);
        }
    }

    pub(crate) fn finish(self, d: &mut Vec<Diagnostic>) {
        self.finish_with(d, msg::unknown_field);
    }
}

pub(crate) fn as_uint(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64().filter(|f| *f >= 0.0 && f.fract() == 0.0 && *f <= u64::MAX as f64).map(|f| f as u64)
        }),
        _ => None,
    }
}

impl Obj {
    /// Gives up the remaining fields in order (used for `States`, whose keys are names, not fields).
    pub(crate) fn into_entries(self) -> (String, Map<String, Value>) {
        debug_assert!(self.missing.is_empty());
        (self.ptr, self.map)
    }
}
