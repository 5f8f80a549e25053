//! `Node`: the JSON tree the validator reads definitions into. Strings borrow from the text when they can,
//! objects are vectors of fields (no hashing; the few fields of a state are found faster by a scan), and
//! containers drop iteratively, so a document nested as deep as the limit allows never overflows the stack.

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

/// One JSON value of the definition text.
#[derive(Debug)]
pub(crate) enum Node<'a> {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    Str(Cow<'a, str>),
    Array(Items<'a>),
    Object(Fields<'a>),
    /// A field already read by the builder (`Obj::take`); never produced by parsing.
    Taken,
}

/// The elements of an array.
#[derive(Debug, Default)]
pub(crate) struct Items<'a>(pub(crate) Vec<Node<'a>>);

/// The fields of an object, in document order (duplicates kept: readers decide).
#[derive(Debug, Default)]
pub(crate) struct Fields<'a>(pub(crate) Vec<(Cow<'a, str>, Node<'a>)>);

impl<'a> Node<'a> {
    pub(crate) fn is_container(&self) -> bool {
        matches!(self, Node::Array(_) | Node::Object(_))
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_bool(&self) -> Option<bool> {
        match self {
            Node::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub(crate) fn as_f64(&self) -> Option<f64> {
        match self {
            Node::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    pub(crate) fn is_number(&self) -> bool {
        matches!(self, Node::Number(_))
    }

    pub(crate) fn is_string(&self) -> bool {
        matches!(self, Node::Str(_))
    }

    pub(crate) fn is_boolean(&self) -> bool {
        matches!(self, Node::Bool(_))
    }

    /// A non-negative integer (`5.0` counts, as AWS accepts it).
    pub(crate) fn as_uint(&self) -> Option<u64> {
        match self {
            Node::Number(n) => n.as_u64().or_else(|| {
                n.as_f64()
                    .filter(|f| *f >= 0.0 && f.fract() == 0.0 && *f <= u64::MAX as f64)
                    .map(|f| f as u64)
            }),
            _ => None,
        }
    }

    /// Whether this value nests arrays and objects deeper than `max` levels (checked without recursion).
    pub(crate) fn deeper_than(&self, max: usize) -> bool {
        let mut stack: Vec<(&Node<'a>, usize)> = vec![(self, 0)];
        while let Some((n, d)) = stack.pop() {
            match n {
                Node::Array(items) if d < max => stack.extend(items.0.iter().map(|c| (c, d + 1))),
                Node::Object(fields) if d < max => {
                    stack.extend(fields.0.iter().map(|(_, c)| (c, d + 1)))
                }
                Node::Array(_) | Node::Object(_) => return true,
                _ => {}
            }
        }
        false
    }

    /// Converts to a `serde_json::Value` (used for the literal parts of payloads).
    pub(crate) fn into_value(self) -> Value {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || match self {
            Node::Null | Node::Taken => Value::Null,
            Node::Bool(b) => Value::Bool(b),
            Node::Number(n) => Value::Number(n),
            Node::Str(s) => Value::String(s.into_owned()),
            Node::Array(mut items) => Value::Array(
                std::mem::take(&mut items.0)
                    .into_iter()
                    .map(Node::into_value)
                    .collect(),
            ),
            Node::Object(mut fields) => Value::Object(
                std::mem::take(&mut fields.0)
                    .into_iter()
                    .map(|(k, v)| (k.into_owned(), v.into_value()))
                    .collect(),
            ),
        })
    }
}

impl<'a> Items<'a> {
    /// The elements, leaving this container empty.
    pub(crate) fn into_vec(mut self) -> Vec<Node<'a>> {
        std::mem::take(&mut self.0)
    }
}

impl<'a> Fields<'a> {
    /// The fields, leaving this container empty.
    pub(crate) fn into_vec(mut self) -> Vec<(Cow<'a, str>, Node<'a>)> {
        std::mem::take(&mut self.0)
    }

    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_ref())
    }
}

/// Drops the children of a container without recursion: nested containers are emptied one by one, so each
/// drop below sees an empty vector.
fn drain_iteratively<'a>(children: impl Iterator<Item = Node<'a>>) {
    let mut stack: Vec<Node<'a>> = children.filter(Node::is_container).collect();
    while let Some(mut n) = stack.pop() {
        match &mut n {
            Node::Array(items) => stack.extend(
                std::mem::take(&mut items.0)
                    .into_iter()
                    .filter(Node::is_container),
            ),
            Node::Object(fields) => stack.extend(
                std::mem::take(&mut fields.0)
                    .into_iter()
                    .map(|(_, v)| v)
                    .filter(Node::is_container),
            ),
            _ => {}
        }
    }
}

impl Drop for Items<'_> {
    fn drop(&mut self) {
        if self.0.iter().any(Node::is_container) {
            drain_iteratively(std::mem::take(&mut self.0).into_iter());
        }
    }
}

impl Drop for Fields<'_> {
    fn drop(&mut self) {
        if self.0.iter().any(|(_, v)| v.is_container()) {
            drain_iteratively(std::mem::take(&mut self.0).into_iter().map(|(_, v)| v));
        }
    }
}

impl<'de> Deserialize<'de> for Node<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Node<'de>, E> {
        Ok(Node::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Node<'de>, E> {
        Ok(Node::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Node<'de>, E> {
        Ok(Node::Number(n.into()))
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Node<'de>, E> {
        serde_json::Number::from_f64(n)
            .map(Node::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Owned(s.to_string())))
    }

    fn visit_string<E>(self, s: String) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Owned(s)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node<'de>, A::Error> {
        let mut items = Items(Vec::with_capacity(seq.size_hint().unwrap_or(0)));
        while let Some(n) = seq.next_element()? {
            items.0.push(n);
        }
        Ok(Node::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node<'de>, A::Error> {
        let mut fields = Fields(Vec::with_capacity(map.size_hint().unwrap_or(0)));
        while let Some(k) = map.next_key_seed(KeySeed)? {
            let v = map.next_value()?;
            fields.0.push((k, v));
        }
        Ok(Node::Object(fields))
    }
}

/// Reads an object key, borrowing it from the text when it has no escapes.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(s))
    }

    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(s.to_string()))
    }

    fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(s))
    }
}
