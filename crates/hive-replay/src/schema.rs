//! The JSON-schema subset the OpenRPC spec's result schemas use (type, pattern, properties,
//! required, additionalProperties, items, anyOf, oneOf, allOf, const, enum, minimum, maximum),
//! and the lookup of a method's result schema in `openrpc.json`.

use regex::Regex;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Result schemas by method name, with compiled patterns.
#[derive(Debug)]
pub struct ResultSchemas {
    schemas: HashMap<String, Value>,
    patterns: pattern_cache::PatternCache,
}

impl ResultSchemas {
    /// Reads every method's `result.schema` from an OpenRPC document.
    pub fn from_openrpc(document: &Value) -> Self {
        let schemas = document
            .get("methods")
            .and_then(Value::as_array)
            .map(|methods| {
                methods
                    .iter()
                    .filter_map(|method| {
                        let name = method.get("name")?.as_str()?.to_string();
                        let schema = method.get("result")?.get("schema")?.clone();
                        Some((name, schema))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            schemas,
            patterns: pattern_cache::PatternCache::default(),
        }
    }

    /// Checks `value` against `method`'s result schema: `Err` says where and why it does not fit.
    pub fn validate_result(&self, method: &str, value: &Value) -> Result<(), String> {
        let schema = self
            .schemas
            .get(method)
            .ok_or_else(|| format!("no result schema for {method} in openrpc.json"))?;
        validate(schema, value, "result", &self.patterns)
    }
}

/// Patterns compile once; the cache is filled on first use of each.
mod pattern_cache {
    use regex::Regex;
    use std::{collections::HashMap, sync::Mutex};

    #[derive(Debug, Default)]
    pub struct PatternCache(Mutex<HashMap<String, Result<Regex, String>>>);

    impl PatternCache {
        pub fn matches(&self, pattern: &str, text: &str) -> Result<bool, String> {
            let mut cache = self
                .0
                .lock()
                .map_err(|_| "pattern cache poisoned".to_string())?;
            let compiled = cache
                .entry(pattern.to_string())
                .or_insert_with(|| super::compile(pattern));
            compiled
                .as_ref()
                .map(|re| re.is_match(text))
                .map_err(Clone::clone)
        }
    }
}

fn compile(pattern: &str) -> Result<Regex, String> {
    Regex::new(pattern).map_err(|e| format!("bad pattern {pattern}: {e}"))
}

/// Validates `value` against `schema`; `path` names the value in messages.
fn validate(
    schema: &Value,
    value: &Value,
    path: &str,
    patterns: &pattern_cache::PatternCache,
) -> Result<(), String> {
    let Some(schema) = schema.as_object() else {
        // `true` accepts everything, `false` nothing.
        return match schema {
            Value::Bool(false) => Err(format!("{path}: not allowed")),
            _ => Ok(()),
        };
    };
    if let Some(types) = schema.get("type") {
        check_type(types, value, path)?;
    }
    if let Some(expected) = schema.get("const")
        && expected != value
    {
        return Err(format!("{path}: must be {expected}"));
    }
    if let Some(Value::Array(allowed)) = schema.get("enum")
        && !allowed.contains(value)
    {
        return Err(format!("{path}: {value} is not one of {allowed:?}"));
    }
    if let (Some(Value::String(pattern)), Value::String(text)) = (schema.get("pattern"), value)
        && !patterns.matches(pattern, text)?
    {
        return Err(format!("{path}: {text:?} does not match {pattern}"));
    }
    if let Some(number) = value.as_f64() {
        if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
            && number < min
        {
            return Err(format!("{path}: {number} < minimum {min}"));
        }
        if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
            && number > max
        {
            return Err(format!("{path}: {number} > maximum {max}"));
        }
    }
    if let Value::Object(object) = value {
        check_object(schema, object, path, patterns)?;
    }
    if let (Some(items), Value::Array(elements)) = (schema.get("items"), value) {
        for (index, element) in elements.iter().enumerate() {
            validate(items, element, &format!("{path}[{index}]"), patterns)?;
        }
    }
    if let Some(Value::Array(all)) = schema.get("allOf") {
        for sub in all {
            validate(sub, value, path, patterns)?;
        }
    }
    if let Some(Value::Array(any)) = schema.get("anyOf")
        && !any
            .iter()
            .any(|sub| validate(sub, value, path, patterns).is_ok())
    {
        return Err(format!(
            "{path}: matches none of anyOf ({})",
            first_error(any, value, path, patterns)
        ));
    }
    if let Some(Value::Array(one)) = schema.get("oneOf") {
        let matching = one
            .iter()
            .filter(|sub| validate(sub, value, path, patterns).is_ok())
            .count();
        if matching != 1 {
            return Err(format!(
                "{path}: matches {matching} of oneOf, must match exactly one ({})",
                first_error(one, value, path, patterns)
            ));
        }
    }
    Ok(())
}

fn first_error(
    schemas: &[Value],
    value: &Value,
    path: &str,
    patterns: &pattern_cache::PatternCache,
) -> String {
    // Every branch's reason: which one was meant is for the reader to see.
    schemas
        .iter()
        .enumerate()
        .filter_map(|(index, sub)| {
            validate(sub, value, path, patterns)
                .err()
                .map(|why| format!("#{index}: {why}"))
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

fn check_object(
    schema: &Map<String, Value>,
    object: &Map<String, Value>,
    path: &str,
    patterns: &pattern_cache::PatternCache,
) -> Result<(), String> {
    if let Some(Value::Array(required)) = schema.get("required") {
        for key in required.iter().filter_map(Value::as_str) {
            if !object.contains_key(key) {
                return Err(format!("{path}: missing required field {key}"));
            }
        }
    }
    let properties = schema.get("properties").and_then(Value::as_object);
    for (key, field) in object {
        let field_path = format!("{path}.{key}");
        match properties.and_then(|p| p.get(key)) {
            Some(field_schema) => validate(field_schema, field, &field_path, patterns)?,
            None => match schema.get("additionalProperties") {
                Some(Value::Bool(false)) => {
                    return Err(format!("{path}: unexpected field {key}"));
                }
                Some(extra @ Value::Object(_)) => validate(extra, field, &field_path, patterns)?,
                _ => {}
            },
        }
    }
    Ok(())
}

fn check_type(types: &Value, value: &Value, path: &str) -> Result<(), String> {
    let fits = |name: &str| match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "number" => value.is_number(),
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        _ => false,
    };
    let ok = match types {
        Value::String(name) => fits(name),
        Value::Array(names) => names.iter().filter_map(Value::as_str).any(fits),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{path}: {value} is not of type {types}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schemas() -> ResultSchemas {
        ResultSchemas::from_openrpc(&json!({"methods": [{
            "name": "m",
            "result": {"schema": {
                "type": "object",
                "additionalProperties": false,
                "required": ["n"],
                "properties": {
                    "n": {"type": "string", "pattern": "^0x(0|[1-9a-f][0-9a-f]*)$"},
                    "list": {"type": ["array", "null"], "items": {"type": "boolean"}},
                    "kind": {"oneOf": [{"enum": ["a"]}, {"const": "b"}]}
                }
            }}
        }]}))
    }

    #[test]
    fn accepts_conforming_results() {
        let s = schemas();
        assert_eq!(s.validate_result("m", &json!({"n": "0x1f"})), Ok(()));
        assert_eq!(
            s.validate_result("m", &json!({"n": "0x0", "list": null, "kind": "b"})),
            Ok(())
        );
        assert_eq!(
            s.validate_result("m", &json!({"n": "0x0", "list": [true]})),
            Ok(())
        );
    }

    #[test]
    fn refuses_what_the_schema_forbids() {
        let s = schemas();
        assert!(s.validate_result("m", &json!({})).is_err());
        assert!(s.validate_result("m", &json!({"n": "0x01"})).is_err());
        assert!(
            s.validate_result("m", &json!({"n": "0x1", "extra": 1}))
                .is_err()
        );
        assert!(
            s.validate_result("m", &json!({"n": "0x1", "list": [1]}))
                .is_err()
        );
        assert!(
            s.validate_result("m", &json!({"n": "0x1", "kind": "c"}))
                .is_err()
        );
        assert!(s.validate_result("other", &json!(1)).is_err());
    }
}
