//! Provider logs: one JSON object per line on stderr, in the shape
//! Terraform's plugin client parses (`@level`, `@message`, `@module`,
//! `@timestamp`), so `TF_LOG_PROVIDER=DEBUG` shows them at the right level.
//!
//! The level is read once from `TF_LOG_PROVIDER` (else `TF_LOG`); with
//! neither set nothing is formatted at all, which keeps the hot path free.

use std::io::Write;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Trace = 0,
    Debug = 1,
    Info = 2,
    Warn = 3,
    Error = 4,
    Off = 5,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Off => "off",
        }
    }

    /// Terraform's own spelling: TRACE, DEBUG, INFO, WARN, ERROR, OFF; JSON
    /// means TRACE; anything else that is set means TRACE as in Terraform.
    pub fn parse(value: &str) -> Level {
        match value.trim().to_ascii_uppercase().as_str() {
            "" | "OFF" => Level::Off,
            "DEBUG" => Level::Debug,
            "INFO" => Level::Info,
            "WARN" => Level::Warn,
            "ERROR" => Level::Error,
            _ => Level::Trace,
        }
    }
}

fn threshold() -> Level {
    static LEVEL: OnceLock<Level> = OnceLock::new();
    *LEVEL.get_or_init(|| {
        let var = std::env::var("TF_LOG_PROVIDER")
            .or_else(|_| std::env::var("TF_LOG"))
            .unwrap_or_default();
        Level::parse(&var)
    })
}

pub fn enabled(level: Level) -> bool {
    level >= threshold() && threshold() != Level::Off
}

/// Writes one record. `fields` are extra key/value pairs; callers must never
/// pass a header, token, secret or link.
pub fn log(level: Level, module: &str, message: &str, fields: &[(&str, serde_json::Value)]) {
    if !enabled(level) {
        return;
    }
    let line = render(level, module, message, fields);
    let stderr = std::io::stderr();
    let mut lock = stderr.lock();
    // A closed stderr must not take the provider down.
    let _ = writeln!(lock, "{line}");
}

pub fn render(
    level: Level,
    module: &str,
    message: &str,
    fields: &[(&str, serde_json::Value)],
) -> String {
    let mut obj = serde_json::Map::new();
    obj.insert("@level".into(), level.as_str().into());
    obj.insert("@message".into(), message.into());
    obj.insert("@module".into(), format!("provider.enroll.{module}").into());
    obj.insert("@timestamp".into(), now_rfc3339().into());
    for (k, v) in fields {
        obj.insert((*k).to_owned(), v.clone());
    }
    serde_json::Value::Object(obj).to_string()
}

fn now_rfc3339() -> String {
    crate::timefmt::rfc3339_micros(time::OffsetDateTime::now_utc())
}

pub fn debug(module: &str, message: &str, fields: &[(&str, serde_json::Value)]) {
    log(Level::Debug, module, message, fields)
}

pub fn info(module: &str, message: &str, fields: &[(&str, serde_json::Value)]) {
    log(Level::Info, module, message, fields)
}

pub fn warn(module: &str, message: &str, fields: &[(&str, serde_json::Value)]) {
    log(Level::Warn, module, message, fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_has_the_fields_terraform_parses() {
        let line = render(Level::Debug, "http", "GET /x", &[("status", 200.into())]);
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["@level"], "debug");
        assert_eq!(v["@message"], "GET /x");
        assert_eq!(v["@module"], "provider.enroll.http");
        assert!(v["@timestamp"].as_str().unwrap().contains('T'));
        assert_eq!(v["status"], 200);
    }

    #[test]
    fn levels_parse_like_terraform() {
        assert_eq!(Level::parse("debug"), Level::Debug);
        assert_eq!(Level::parse("JSON"), Level::Trace);
        assert_eq!(Level::parse(""), Level::Off);
    }
}
