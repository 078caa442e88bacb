//! Custom file types as Device Control policies define them
//! (`configuration.files.customtypes`).

use serde_json::{Map, Value};

use crate::lang::{DefinitionError, Program, get_ci, only_keys, pointer_token, scalar_text};
use crate::table::{CUSTOM_FIRST, CUSTOM_LAST};

/// A custom file type: an id in the custom range, a unique name, optional
/// informative extensions, and the steps that recognise it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomType {
    /// In `0x000F0000..=0x000FFFFF`.
    pub id: u32,
    /// Unique among the custom types of a policy.
    pub name: String,
    /// Informative extensions as written (`.mkv`); not used by detection.
    pub ext: Vec<String>,
    /// The signature.
    pub program: Program,
}

impl CustomType {
    /// Parses one definition in the seed's form. Errors carry a JSON pointer
    /// relative to `value` (e.g. `/steps/3/offset`).
    pub fn from_json(value: &Value) -> Result<CustomType, DefinitionError> {
        parse(value, true)
    }

    /// Writes the definition back in the seed's form.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), Value::String(self.name.clone()));
        m.insert("id".into(), Value::String(format!("0x{:08X}", self.id)));
        match self.ext.as_slice() {
            [] => {}
            [one] => {
                m.insert("ext".into(), Value::String(one.clone()));
            }
            many => {
                m.insert(
                    "ext".into(),
                    Value::Array(many.iter().cloned().map(Value::String).collect()),
                );
            }
        }
        m.insert("steps".into(), self.program.to_json());
        Value::Object(m)
    }

    /// The steps of the signature.
    pub fn steps(&self) -> &[crate::Step] {
        self.program.steps()
    }

    /// Whether `src` is of this type.
    pub fn matches(&self, src: &mut dyn crate::ByteSource) -> std::io::Result<bool> {
        self.program.matches(src)
    }
}

/// Parses a list of custom types, checking that names are unique.
pub fn parse_custom_types(value: &Value) -> Result<Vec<CustomType>, DefinitionError> {
    let Value::Array(items) = value else {
        return Err(DefinitionError::new(
            "",
            "expected an array of custom file types",
        ));
    };
    let mut out: Vec<CustomType> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let t = CustomType::from_json(item).map_err(|e| e.under(&format!("/{i}")))?;
        if let Some(j) = out.iter().position(|o| o.name == t.name) {
            return Err(DefinitionError::new(
                format!("/{i}/name"),
                format!("custom type name `{}` is already used by /{j}", t.name),
            ));
        }
        out.push(t);
    }
    Ok(out)
}

/// Parses a definition; `custom_range` enforces the custom id range (the
/// built-in signatures use the same parser without it).
pub(crate) fn parse(value: &Value, custom_range: bool) -> Result<CustomType, DefinitionError> {
    let Value::Object(obj) = value else {
        return Err(DefinitionError::new(
            "",
            "expected a custom file type object with `name`, `id` and `steps`",
        ));
    };
    only_keys(obj, &["name", "id", "ext", "steps"])?;
    let name = match get_ci(obj, "name") {
        Some((k, v)) => match v {
            Value::String(s) if !s.trim().is_empty() => s.clone(),
            _ => {
                return Err(DefinitionError::new(
                    format!("/{}", pointer_token(k)),
                    "expected a non-empty name",
                ));
            }
        },
        None => return Err(DefinitionError::new("", "missing `name`")),
    };
    let Some((ik, iv)) = get_ci(obj, "id") else {
        return Err(DefinitionError::new(
            "",
            "missing `id`: hexadecimal in 0x000F0000 to 0x000FFFFF",
        ));
    };
    let text = scalar_text(iv).unwrap_or_default();
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(&text);
    let id = u32::from_str_radix(digits, 16)
        .ok()
        .filter(|_| !digits.is_empty());
    let id = match id {
        Some(id) if !custom_range || (CUSTOM_FIRST..=CUSTOM_LAST).contains(&id) => id,
        _ => {
            return Err(DefinitionError::new(
                format!("/{}", pointer_token(ik)),
                format!("expected a hexadecimal id in 0x000F0000 to 0x000FFFFF, found `{text}`"),
            ));
        }
    };
    let ext = match get_ci(obj, "ext") {
        None => Vec::new(),
        Some((_, Value::String(s))) => vec![s.clone()],
        Some((k, Value::Array(items))) => {
            let mut out = Vec::new();
            for (i, e) in items.iter().enumerate() {
                match e {
                    Value::String(s) => out.push(s.clone()),
                    _ => {
                        return Err(DefinitionError::new(
                            format!("/{}/{i}", pointer_token(k)),
                            "expected an extension string",
                        ));
                    }
                }
            }
            out
        }
        Some((k, _)) => {
            return Err(DefinitionError::new(
                format!("/{}", pointer_token(k)),
                "expected an extension string such as `.mkv`",
            ));
        }
    };
    let Some((sk, sv)) = get_ci(obj, "steps") else {
        return Err(DefinitionError::new("", "missing `steps`"));
    };
    let program =
        Program::from_json(sv).map_err(|e| e.under(&format!("/{}", pointer_token(sk))))?;
    Ok(CustomType {
        id,
        name,
        ext,
        program,
    })
}

impl serde::Serialize for CustomType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for CustomType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        CustomType::from_json(&v).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn id_range_and_unique_names() {
        let err =
            CustomType::from_json(&json!({"name":"x","id":"0x00020000","steps":[]})).unwrap_err();
        assert_eq!(err.pointer, "/id");
        let err = parse_custom_types(&json!([
            {"name":"x","id":"0x000F0001","steps":[]},
            {"name":"x","id":"0x000F0002","steps":[]},
        ]))
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "/1/name: custom type name `x` is already used by /0"
        );
        let err = parse_custom_types(&json!([
            {"name":"x","id":"0x000F0001","steps":[{"action":"Move"}]},
        ]))
        .unwrap_err();
        assert!(
            err.to_string().starts_with("/0/steps/0: missing `offset`"),
            "{err}"
        );
    }
}
