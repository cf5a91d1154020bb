//! Request bodies parsed strictly, with the dotted path of the first bad
//! field so each vendor can report it in its own error format.

use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderMap;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::strict::Strict;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct FieldViolation {
    pub field: String,
    pub description: String,
}

impl FieldViolation {
    pub(crate) fn new(field: impl Into<String>, description: impl Into<String>) -> Self {
        FieldViolation {
            field: field.into(),
            description: description.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// Not JSON at all.
    Malformed(String),
    /// JSON, but not what the endpoint takes.
    Invalid(FieldViolation),
}

impl From<FieldViolation> for BodyError {
    fn from(v: FieldViolation) -> Self {
        BodyError::Invalid(v)
    }
}

/// Every request body of both APIs is a JSON object.
pub(crate) fn parse_json(bytes: &[u8]) -> Result<Value, BodyError> {
    match serde_json::from_slice(bytes) {
        Ok(Value::Object(fields)) => Ok(Value::Object(fields)),
        Ok(_) => Err(BodyError::Malformed("the body is not a JSON object".into())),
        Err(e) => Err(BodyError::Malformed(e.to_string())),
    }
}

/// A whole request body as `T`: a JSON object, or the first bad field.
pub(crate) fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, BodyError> {
    Ok(from_value(parse_json(bytes)?, "")?)
}

/// Deserializes `value`, naming the offending field as `prefix.path`.
pub(crate) fn from_value<T: DeserializeOwned>(
    value: Value,
    prefix: &str,
) -> Result<T, FieldViolation> {
    serde_path_to_error::deserialize(Strict(value)).map_err(|err| {
        let path = err.path().to_string();
        let path = if path == "." { String::new() } else { path };
        let message = err.into_inner().to_string();
        violation(&join(prefix, &path), &message)
    })
}

/// Whether the body is an HTML form (`application/x-www-form-urlencoded`),
/// as OAuth token requests and the outbox page's buttons send.
pub(crate) fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

pub(crate) fn join(prefix: &str, field: &str) -> String {
    match (prefix.is_empty(), field.is_empty()) {
        (true, _) => field.to_owned(),
        (_, true) => prefix.to_owned(),
        _ => format!("{prefix}.{field}"),
    }
}

/// Turns serde's wording into the API's: a missing or unknown field is
/// named in `field`, not buried in the description.
fn violation(path: &str, message: &str) -> FieldViolation {
    let backticked = |rest: &str| rest.split('`').nth(1).map(str::to_owned);
    if let Some(name) = message.strip_prefix("missing field ").and_then(backticked) {
        return FieldViolation::new(join(path, &name), "missing");
    }
    if let Some(name) = message.strip_prefix("unknown field ").and_then(backticked) {
        let field = if path.ends_with(&name) {
            path.to_owned()
        } else {
            join(path, &name)
        };
        return FieldViolation::new(field, "unknown field");
    }
    FieldViolation::new(path, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        inner: Inner,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        name: String,
        #[serde(default)]
        items: Vec<u32>,
    }

    #[test]
    fn a_missing_field_is_named_with_its_full_path() {
        let err = from_value::<Outer>(json!({"inner": {}}), "req").unwrap_err();
        assert_eq!(err, FieldViolation::new("req.inner.name", "missing"));
    }

    #[test]
    fn an_unknown_field_is_named_with_its_full_path() {
        let err = from_value::<Outer>(json!({"inner": {"name": "x", "nmae": 1}}), "").unwrap_err();
        assert_eq!(err, FieldViolation::new("inner.nmae", "unknown field"));
    }

    #[test]
    fn an_array_is_not_taken_for_a_struct() {
        let err = from_value::<Outer>(json!({"inner": ["x", []]}), "").unwrap_err();
        assert_eq!(err.field, "inner");
        assert!(
            err.description.contains("expected an object"),
            "{}",
            err.description
        );
    }

    #[test]
    fn a_body_that_is_not_an_object_is_malformed() {
        assert!(matches!(parse_json(b"[]"), Err(BodyError::Malformed(_))));
        assert!(matches!(
            parse_json(b"{\"a\":"),
            Err(BodyError::Malformed(_))
        ));
    }

    #[test]
    fn a_wrong_type_names_the_array_element() {
        let err = from_value::<Outer>(json!({"inner": {"name": "x", "items": [1, "2"]}}), "")
            .unwrap_err();
        assert_eq!(err.field, "inner.items[1]");
        assert!(
            err.description.contains("invalid type"),
            "{}",
            err.description
        );
    }
}
