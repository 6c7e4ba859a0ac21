//! hive's comparison of a response with the expected one: speconly results are checked against
//! the method's result schema; otherwise error `message`s are dropped wherever both sides have
//! one, and the rest must match exactly (key order free, numbers compared as numbers).

use crate::schema::ResultSchemas;
use serde_json::Value;

/// Compares one exchange. `Err` explains the difference.
pub fn compare_response(
    method: &str,
    speconly: bool,
    expected: &str,
    actual: &str,
    schemas: &ResultSchemas,
) -> Result<(), String> {
    let mut actual: Value =
        serde_json::from_str(actual).map_err(|e| format!("response is not JSON: {e}"))?;
    let mut expected: Value =
        serde_json::from_str(expected).map_err(|e| format!("expected line is not JSON: {e}"))?;
    if speconly && actual.get("error").is_none() {
        let result = actual
            .get("result")
            .ok_or_else(|| "response has neither result nor error".to_string())?;
        return schemas.validate_result(method, result);
    }
    drop_shared_error_messages(&mut expected, &mut actual);
    match first_difference(&expected, &actual, "") {
        None => Ok(()),
        Some(difference) => Err(difference),
    }
}

/// Removes `error.message` from both sides wherever both hold an error object with a message,
/// at any depth (eth_simulateV1 nests errors in `calls[]`).
pub fn drop_shared_error_messages(expected: &mut Value, actual: &mut Value) {
    match (expected, actual) {
        (Value::Object(left), Value::Object(right)) => {
            let both_have_message = [&*left, &*right].iter().all(|side| {
                side.get("error")
                    .and_then(Value::as_object)
                    .is_some_and(|error| error.contains_key("message"))
            });
            if both_have_message {
                for side in [&mut *left, &mut *right] {
                    if let Some(Value::Object(error)) = side.get_mut("error") {
                        error.remove("message");
                    }
                }
            }
            for (key, left_value) in left.iter_mut() {
                if let Some(right_value) = right.get_mut(key) {
                    drop_shared_error_messages(left_value, right_value);
                }
            }
        }
        (Value::Array(left), Value::Array(right)) => {
            for (left_value, right_value) in left.iter_mut().zip(right.iter_mut()) {
                drop_shared_error_messages(left_value, right_value);
            }
        }
        _ => {}
    }
}

/// The first place where two JSON values differ, by path, or `None` when they are equal.
pub fn first_difference(expected: &Value, actual: &Value, path: &str) -> Option<String> {
    let here = || {
        if path.is_empty() {
            "$".to_string()
        } else {
            path.to_string()
        }
    };
    match (expected, actual) {
        (Value::Object(left), Value::Object(right)) => {
            if let Some(key) = left.keys().find(|key| !right.contains_key(*key)) {
                return Some(format!("{}: missing field {key}", here()));
            }
            if let Some(key) = right.keys().find(|key| !left.contains_key(*key)) {
                return Some(format!("{}: unexpected field {key}", here()));
            }
            left.iter().find_map(|(key, value)| {
                first_difference(value, &right[key], &format!("{path}.{key}"))
            })
        }
        (Value::Array(left), Value::Array(right)) => {
            if left.len() != right.len() {
                return Some(format!(
                    "{}: {} elements expected, {} found",
                    here(),
                    left.len(),
                    right.len()
                ));
            }
            left.iter()
                .zip(right)
                .enumerate()
                .find_map(|(i, (l, r))| first_difference(l, r, &format!("{path}[{i}]")))
        }
        (Value::Number(left), Value::Number(right)) => {
            let equal = match (left.as_i128(), right.as_i128()) {
                (Some(l), Some(r)) => l == r,
                _ => left.as_f64() == right.as_f64(),
            };
            (!equal).then(|| format!("{}: expected {left}, got {right}", here()))
        }
        _ if expected == actual => None,
        _ => Some(format!(
            "{}: expected {}, got {}",
            here(),
            abbreviate(expected),
            abbreviate(actual)
        )),
    }
}

/// A value short enough for a one-line report.
fn abbreviate(value: &Value) -> String {
    let text = value.to_string();
    if text.len() <= 120 {
        text
    } else {
        let cut = (0..=117)
            .rev()
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0);
        format!("{}...", &text[..cut])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn no_schemas() -> ResultSchemas {
        ResultSchemas::from_openrpc(&json!({"methods": [
            {"name": "eth_blockNumber", "result": {"schema": {"type": "string", "pattern": "^0x[0-9a-f]+$"}}}
        ]}))
    }

    #[test]
    fn exact_match_ignores_key_order_and_number_form() {
        let s = no_schemas();
        let expected = r#"{"jsonrpc":"2.0","id":1,"result":{"a":1,"b":[1,2]}}"#;
        let actual = r#"{"result":{"b":[1,2],"a":1.0},"id":1,"jsonrpc":"2.0"}"#;
        assert_eq!(compare_response("m", false, expected, actual, &s), Ok(()));
        let wrong = r#"{"jsonrpc":"2.0","id":1,"result":{"a":1,"b":[2,1]}}"#;
        assert!(compare_response("m", false, expected, wrong, &s).is_err());
        let extra = r#"{"jsonrpc":"2.0","id":1,"result":{"a":1,"b":[1,2],"c":0}}"#;
        assert!(compare_response("m", false, expected, extra, &s).is_err());
    }

    #[test]
    fn error_messages_drop_only_when_both_have_one() {
        let s = no_schemas();
        let expected =
            r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"nonce too high"}}"#;
        let actual = r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"other words"}}"#;
        assert_eq!(compare_response("m", false, expected, actual, &s), Ok(()));
        let other_code = r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"x"}}"#;
        assert!(compare_response("m", false, expected, other_code, &s).is_err());
        let extra_data =
            r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"x","data":"y"}}"#;
        assert!(compare_response("m", false, expected, extra_data, &s).is_err());
        let nested_expected =
            r#"{"id":1,"result":[{"calls":[{"error":{"code":3,"message":"a"}}]}]}"#;
        let nested_actual = r#"{"id":1,"result":[{"calls":[{"error":{"code":3,"message":"b"}}]}]}"#;
        assert_eq!(
            compare_response("m", false, nested_expected, nested_actual, &s),
            Ok(())
        );
    }

    #[test]
    fn speconly_checks_the_schema_and_falls_through_on_errors() {
        let s = no_schemas();
        let expected = r#"{"jsonrpc":"2.0","id":1,"result":"0x36"}"#;
        let ok = r#"{"jsonrpc":"2.0","id":1,"result":"0x99"}"#;
        assert_eq!(
            compare_response("eth_blockNumber", true, expected, ok, &s),
            Ok(())
        );
        let bad = r#"{"jsonrpc":"2.0","id":1,"result":7}"#;
        assert!(compare_response("eth_blockNumber", true, expected, bad, &s).is_err());
        let error = r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"x"}}"#;
        assert!(compare_response("eth_blockNumber", true, expected, error, &s).is_err());
        assert!(compare_response("eth_blockNumber", true, expected, "not json", &s).is_err());
    }
}
