//! JSON text kept as is.

use serde::{Deserialize, Serialize};

/// JSON text kept as is: built once by the server (no intermediate
/// `serde_json::Value` tree on the hot path), stored as TEXT, and sent back
/// verbatim inside API responses. Always valid JSON: it is checked when
/// made from text and never re-checked when serialized.
#[derive(Debug, Clone)]
pub struct RawJson(Box<serde_json::value::RawValue>);

impl PartialEq for RawJson {
    fn eq(&self, other: &RawJson) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for RawJson {}

impl RawJson {
    /// JSON text; text that is not JSON becomes `null` (the store never
    /// writes such text).
    pub fn from_serialized(text: String) -> RawJson {
        match serde_json::value::RawValue::from_string(text) {
            Ok(raw) => RawJson(raw),
            Err(_) => RawJson::null(),
        }
    }

    /// Serializes `v` straight to JSON text.
    pub fn serialize_from<T: Serialize + ?Sized>(v: &T) -> serde_json::Result<RawJson> {
        serde_json::value::to_raw_value(v).map(RawJson)
    }

    pub fn from_value(v: &serde_json::Value) -> RawJson {
        RawJson::serialize_from(v).unwrap_or_else(|_| RawJson::null())
    }

    pub fn null() -> RawJson {
        RawJson(serde_json::value::RawValue::NULL.to_owned())
    }

    pub fn as_str(&self) -> &str {
        self.0.get()
    }

    /// Parses it into a `Value` tree.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::from_str(self.as_str()).unwrap_or(serde_json::Value::Null)
    }
}

impl Serialize for RawJson {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for RawJson {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Box::<serde_json::value::RawValue>::deserialize(d).map(RawJson)
    }
}
