//! Errors of the API layer, decoded from the vendors' answers.

use serde::Deserialize;
use std::time::Duration;

/// One field the API refused, from a `FieldViolations` error detail.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FieldViolation {
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub description: String,
}

/// What went wrong with one API call. Messages carry the HTTP status and the
/// API's own words; they never contain a header, token or request body.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// The server answered with a non-success status.
    #[error("{0}")]
    Status(Box<StatusError>),
    /// No connection could be made: the request was never sent.
    #[error("{method} {path}: cannot connect: {detail}")]
    Connect {
        method: String,
        path: String,
        detail: String,
    },
    /// The server's TLS certificate was refused (untrusted issuer, wrong
    /// host, expired): nothing was sent, and trying again will not help.
    #[error("{method} {path}: the server's TLS certificate is not trusted: {detail}")]
    Certificate {
        method: String,
        path: String,
        detail: String,
    },
    /// The request may have reached the server, but no answer came in time.
    #[error("{method} {path}: no answer within {timeout:?}")]
    Timeout {
        method: String,
        path: String,
        timeout: Duration,
    },
    /// The connection broke after the request may have been written.
    #[error("{method} {path}: the connection failed: {detail}")]
    Transport {
        method: String,
        path: String,
        detail: String,
    },
    /// A 2xx answer whose body is not what the API documents: the server
    /// did what was asked, but its answer cannot be read.
    #[error("{method} {path}: unexpected response: {detail}")]
    Decode {
        method: String,
        path: String,
        detail: String,
    },
    /// Getting an access token failed, so the request itself was never
    /// sent. Kept apart so the token endpoint's status (a 404 for a wrong
    /// application id, a 500) is never taken for the request's own.
    #[error("cannot get an access token: {0}")]
    Token(Box<ApiError>),
}

/// A non-success answer, decoded. Boxed in `ApiError` so that the happy
/// path's `Result` stays small.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{method} {path} returned HTTP {status}{}: {message}", code_suffix(.code))]
pub struct StatusError {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub code: Option<String>,
    pub message: String,
    pub violations: Vec<FieldViolation>,
    /// `resource_type` of a `ResourceInfo` detail, e.g. `Identity`.
    pub resource_type: Option<String>,
    pub retry_after: Option<Duration>,
    /// `RateLimit-Remaining` of a 429 from a bounded queue: how many more
    /// items it takes now.
    pub rate_limit_remaining: Option<u64>,
}

fn code_suffix(code: &Option<String>) -> String {
    match code {
        Some(c) if !c.is_empty() => format!(" ({c})"),
        _ => String::new(),
    }
}

impl ApiError {
    /// The HTTP status of the request's own answer; `None` when there was
    /// none, including when the token request failed before it was sent.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status(e) => Some(e.status),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// True when the request provably had no effect on the server: nothing
    /// was sent, or the server said it did not process it.
    pub fn provably_not_applied(&self) -> bool {
        match self {
            ApiError::Connect { .. } | ApiError::Certificate { .. } | ApiError::Token(_) => true,
            ApiError::Status(e) => matches!(e.status, 429 | 503),
            _ => false,
        }
    }

    /// True when a create may have taken effect although no answer says
    /// so: the request was written but the answer was lost, was a
    /// gateway-style failure, or was a 2xx that cannot be read.
    pub fn ambiguous(&self) -> bool {
        match self {
            ApiError::Timeout { .. } | ApiError::Transport { .. } | ApiError::Decode { .. } => true,
            ApiError::Status(e) => matches!(e.status, 500 | 502 | 504),
            _ => false,
        }
    }

    /// Lines a person can act on, for a diagnostic's detail.
    pub fn detail(&self) -> String {
        if let ApiError::Token(inner) = self {
            return format!("cannot get an access token: {}", inner.detail());
        }
        let mut out = self.to_string();
        if let ApiError::Status(e) = self {
            for v in &e.violations {
                out.push_str(&format!("\n  - {}: {}", v.field, v.description));
            }
        }
        out
    }

    /// Decode a vendor error body (`{code, message, details}`, or an OAuth
    /// token endpoint's `{error, error_description}`). Each field is read on
    /// its own, so a field of the wrong type loses only itself, and anything
    /// else (a proxy's HTML page, a truncated body) falls back to the status
    /// line: never a panic, whatever the body.
    pub fn from_response(
        method: &str,
        path: &str,
        status: u16,
        body: &[u8],
        retry_after: Option<Duration>,
    ) -> Self {
        let parsed: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        let text = |key: &str| {
            parsed
                .get(key)
                .and_then(|v| v.as_str())
                .filter(|s| !s.is_empty())
                .map(clip)
        };
        let code = text("code").or_else(|| text("error"));
        let message = text("message").or_else(|| text("error_description"));
        let mut violations = Vec::new();
        let mut resource_type = None;
        let details = parsed.get("details").and_then(|d| d.as_array());
        for d in details.into_iter().flatten() {
            match d.get("type").and_then(|t| t.as_str()) {
                Some("FieldViolations") => {
                    let list = d.get("field_violations").and_then(|l| l.as_array());
                    for v in list.into_iter().flatten() {
                        if let Ok(mut v) = serde_json::from_value::<FieldViolation>(v.clone()) {
                            v.field = clip(&v.field);
                            v.description = clip(&v.description);
                            violations.push(v);
                        }
                    }
                }
                Some("ResourceInfo") => {
                    resource_type = d.get("resource_type").and_then(|t| t.as_str()).map(clip);
                }
                _ => {}
            }
        }
        violations.truncate(MAX_VIOLATIONS);
        let message = message.unwrap_or_else(|| reason_phrase(status).to_owned());
        ApiError::Status(Box::new(StatusError {
            method: method.to_owned(),
            path: path.to_owned(),
            status,
            code,
            message,
            violations,
            resource_type,
            retry_after,
            rate_limit_remaining: None,
        }))
    }
}

/// Longest piece of an error body shown to a person: a server that puts a
/// megabyte in `message` must not flood the terminal.
const MAX_TEXT: usize = 500;
const MAX_VIOLATIONS: usize = 20;

fn clip(s: &str) -> String {
    if s.chars().count() <= MAX_TEXT {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(MAX_TEXT).collect();
    out.push('…');
    out
}

fn reason_phrase(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("no message")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_field_violations_and_resource_info() {
        let body = br#"{"code":"bad_request","message":"invalid parameters","details":[
            {"type":"FieldViolations","field_violations":[{"field":"job.delivery_method","description":"invalid"}]},
            {"type":"ResourceInfo","resource_type":"Identity","id":"x"}]}"#;
        let e = ApiError::from_response("POST", "/v1/x", 400, body, None);
        let ApiError::Status(st) = &e else {
            panic!("not a status error")
        };
        let StatusError {
            code,
            message,
            violations,
            resource_type,
            ..
        } = st.as_ref();
        assert_eq!(code.as_deref(), Some("bad_request"));
        assert_eq!(message, "invalid parameters");
        assert_eq!(violations[0].field, "job.delivery_method");
        assert_eq!(resource_type.as_deref(), Some("Identity"));
        assert!(e.detail().contains("job.delivery_method: invalid"));
        assert!(e.to_string().contains("HTTP 400 (bad_request)"));
    }

    #[test]
    fn non_json_body_falls_back_to_the_reason_phrase() {
        let e = ApiError::from_response("GET", "/v1/x", 502, b"<html>bad gateway</html>", None);
        assert_eq!(e.to_string(), "GET /v1/x returned HTTP 502: Bad Gateway");
    }

    #[test]
    fn details_of_the_wrong_type_are_ignored() {
        let body = br#"{"code":"x","message":"m","details":[{"type":"FieldViolations","field_violations":"no"},{"type":7},3]}"#;
        let e = ApiError::from_response("GET", "/", 400, body, None);
        assert_eq!(e.status(), Some(400));
    }

    #[test]
    fn only_connect_429_and_503_are_provably_not_applied() {
        let s = |status| ApiError::from_response("POST", "/", status, b"", None);
        assert!(s(429).provably_not_applied());
        assert!(s(503).provably_not_applied());
        assert!(!s(500).provably_not_applied());
        assert!(!s(504).provably_not_applied());
        let t = ApiError::Timeout {
            method: "POST".into(),
            path: "/".into(),
            timeout: Duration::from_secs(1),
        };
        assert!(!t.provably_not_applied());
    }
}
