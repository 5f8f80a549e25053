//! `Obj`: reads the fields of one JSON object, reporting missing, mistyped and leftover fields.

use super::msg;
use crate::diagnostic::{Code, Diagnostic};
use crate::json::At;
use crate::node::{Fields, Node};
use std::borrow::Cow;

/// An object being read. Fields are taken out as they are read; whatever remains at `finish` is unknown.
pub(crate) struct Obj<'a> {
    pub(crate) at: At<'a>,
    /// `Node::Taken` once read.
    fields: Fields<'a>,
    /// How many fields are still there to read.
    left: usize,
    /// Required fields found missing, reported together by `finish`.
    missing: Vec<&'static str>,
}

impl<'a> Obj<'a> {
    pub(crate) fn new(at: At<'a>, fields: Fields<'a>) -> Self {
        Obj {
            at,
            left: fields.0.len(),
            fields,
            missing: Vec::new(),
        }
    }

    /// Reads an object value, or reports it is not one.
    pub(crate) fn from_node(at: At<'a>, v: Node<'a>, d: &mut Vec<Diagnostic>) -> Option<Obj<'a>> {
        match v {
            Node::Object(fields) => Some(Obj::new(at, fields)),
            _ => {
                d.push(Diagnostic::error(
                    Code::SchemaValidationFailed,
                    at.render(),
                    msg::wrong_type("OBJECT"),
                ));
                None
            }
        }
    }

    /// This object's location, as text (for diagnostics).
    pub(crate) fn here(&self) -> String {
        self.at.render()
    }

    /// A field's location, as text (for diagnostics).
    pub(crate) fn field_ptr(&self, key: &str) -> String {
        let mut s = self.at.render();
        s.push('/');
        s.push_str(key);
        s
    }

    pub(crate) fn has(&self, key: &str) -> bool {
        self.left > 0
            && self
                .fields
                .0
                .iter()
                .any(|(k, v)| k == key && !matches!(v, Node::Taken))
    }

    /// Takes a field out. When a key is repeated the last one wins, as with most JSON readers.
    pub(crate) fn take(&mut self, key: &str) -> Option<Node<'a>> {
        if self.left == 0 {
            return None;
        }
        let mut found = None;
        for (k, v) in &mut self.fields.0 {
            if k == key && !matches!(v, Node::Taken) {
                found = Some(std::mem::replace(v, Node::Taken));
                self.left -= 1;
            }
        }
        found
    }

    pub(crate) fn error(&self, key: &str, message: String, d: &mut Vec<Diagnostic>) {
        d.push(Diagnostic::error(
            Code::SchemaValidationFailed,
            self.field_ptr(key),
            message,
        ));
    }

    /// Notes a required field as missing; `finish` reports all of an object's missing fields at once.
    pub(crate) fn missing(&mut self, key: &'static str) {
        self.missing.push(key);
    }

    fn typed<T>(
        &mut self,
        key: &str,
        ty: &str,
        d: &mut Vec<Diagnostic>,
        f: impl FnOnce(&Node<'a>) -> Option<T>,
    ) -> Option<T> {
        let v = self.take(key)?;
        let out = f(&v);
        if out.is_none() {
            self.error(key, msg::wrong_type(ty), d);
        }
        out
    }

    pub(crate) fn string(&mut self, key: &str, d: &mut Vec<Diagnostic>) -> Option<String> {
        self.str(key, d).map(Cow::into_owned)
    }

    /// Like `string`, without copying text that can be borrowed.
    pub(crate) fn str(&mut self, key: &str, d: &mut Vec<Diagnostic>) -> Option<Cow<'a, str>> {
        match self.take(key)? {
            Node::Str(s) => Some(s),
            _ => {
                self.error(key, msg::wrong_type("STRING"), d);
                None
            }
        }
    }

    pub(crate) fn req_string(
        &mut self,
        key: &'static str,
        d: &mut Vec<Diagnostic>,
    ) -> Option<String> {
        if !self.has(key) {
            self.missing(key);
            return None;
        }
        self.string(key, d)
    }

    pub(crate) fn bool(&mut self, key: &str, d: &mut Vec<Diagnostic>) -> Option<bool> {
        self.typed(key, "BOOLEAN", d, Node::as_bool)
    }

    /// A non-negative integer; a negative number is reported as below the minimum.
    pub(crate) fn uint(&mut self, key: &str, d: &mut Vec<Diagnostic>) -> Option<u64> {
        let v = self.take(key)?;
        match v.as_uint() {
            Some(n) => Some(n),
            None if v.as_f64().is_some_and(|f| f < 0.0) => {
                self.error(key, msg::minimum(0), d);
                None
            }
            None => {
                self.error(key, msg::wrong_type("INTEGER"), d);
                None
            }
        }
    }

    pub(crate) fn number(&mut self, key: &str, d: &mut Vec<Diagnostic>) -> Option<f64> {
        self.typed(key, "NUMBER", d, Node::as_f64)
    }

    pub(crate) fn array(&mut self, key: &str, d: &mut Vec<Diagnostic>) -> Option<Vec<Node<'a>>> {
        match self.take(key)? {
            Node::Array(mut items) => Some(std::mem::take(&mut items.0)),
            _ => {
                self.error(key, msg::wrong_type("ARRAY"), d);
                None
            }
        }
    }

    pub(crate) fn object(&mut self, key: &'static str, d: &mut Vec<Diagnostic>) -> Option<Obj<'a>> {
        let v = self.take(key)?;
        Obj::from_node(self.at.key(key), v, d)
    }

    /// Reports missing required fields, then every field nobody read (at the object, as AWS does), with `why`
    /// deciding the message for each name.
    pub(crate) fn finish_with(self, d: &mut Vec<Diagnostic>, why: impl Fn(&str) -> String) {
        if !self.missing.is_empty() {
            d.push(Diagnostic::error(
                Code::SchemaValidationFailed,
                self.here(),
                msg::missing(&self.missing),
            ));
        }
        if self.left == 0 {
            return;
        }
        for (k, _) in self
            .fields
            .0
            .iter()
            .filter(|(_, v)| !matches!(v, Node::Taken))
        {
            d.push(Diagnostic::error(
                Code::SchemaValidationFailed,
                self.here(),
                why(k),
            ));
        }
    }

    pub(crate) fn finish(self, d: &mut Vec<Diagnostic>) {
        self.finish_with(d, msg::unknown_field);
    }

    /// Gives up the remaining fields in order (used for `States`, whose keys are names, not fields).
    pub(crate) fn into_entries(self) -> (At<'a>, Vec<(Cow<'a, str>, Node<'a>)>) {
        debug_assert!(self.missing.is_empty());
        let entries = self
            .fields
            .into_vec()
            .into_iter()
            .filter(|(_, v)| !matches!(v, Node::Taken))
            .collect();
        (self.at, entries)
    }
}
