//! Helpers for planning: known values, replacement triggers.

use tf_provider::value::Value;
use tf_provider::AttributePath;

/// The value when it is known and set.
pub fn known<T>(v: &Value<T>) -> Option<&T> {
    match v {
        Value::Value(x) => Some(x),
        _ => None,
    }
}

pub fn known_str(v: &Value<String>) -> Option<&str> {
    known(v).map(String::as_str)
}

/// A list whose every element is known, as plain values.
pub fn known_list(v: &Value<Vec<Value<String>>>) -> Option<Vec<String>> {
    known(v)?
        .iter()
        .map(|e| known(e).cloned())
        .collect::<Option<Vec<_>>>()
}

pub fn to_list(items: &[String]) -> Value<Vec<Value<String>>> {
    Value::Value(items.iter().cloned().map(Value::Value).collect())
}

pub fn opt(v: Option<String>) -> Value<String> {
    match v {
        Some(s) => Value::Value(s),
        None => Value::Null,
    }
}

/// Adds `name` to `replace` when the planned value differs from the prior
/// one (an unknown planned value counts as a change).
pub fn replace_if_changed<T: PartialEq>(
    replace: &mut Vec<AttributePath>,
    name: &'static str,
    prior: &Value<T>,
    planned: &Value<T>,
) {
    if prior != planned {
        replace.push(AttributePath::new(name));
    }
}

/// Optional+computed: the configured value; else, on update, the prior
/// one (even when that is null: the API chose no value); else, on create,
/// unknown until the API answers.
pub fn config_or_prior<T: Clone>(config: &Value<T>, prior: Option<&Value<T>>) -> Value<T> {
    match (config, prior) {
        (Value::Null, Some(p)) => p.clone(),
        (Value::Null, None) => Value::Unknown,
        (other, _) => other.clone(),
    }
}

/// The tenant or realm of a resource: configured, else the provider's
/// default, else (on update) what the state already has.
pub fn realm_part(
    config: &Value<String>,
    default: Option<&String>,
    prior: Option<&Value<String>>,
) -> Value<String> {
    match config {
        Value::Null => match default {
            Some(d) => Value::Value(d.clone()),
            None => prior.cloned().unwrap_or(Value::Null),
        },
        other => other.clone(),
    }
}

/// An optional argument with a default: the configured value, else the
/// default (so the plan shows what will be used).
pub fn or_default<T: Clone>(config: &Value<T>, default: T) -> Value<T> {
    match config {
        Value::Null => Value::Value(default),
        other => other.clone(),
    }
}
