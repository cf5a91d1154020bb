//! OAuth 2.0 as both vendors use it: client-credentials token requests
//! (HTTP Basic or form fields), RFC 6749 §5.2 error bodies, and the bearer
//! token (RFC 6750) every other call carries.

use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::json;

use super::body::is_form;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: &'static str,
}

impl OAuthError {
    pub(crate) fn invalid_client() -> Self {
        OAuthError {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: "client authentication failed",
        }
    }

    fn invalid_request(description: &'static str) -> Self {
        OAuthError {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
            description,
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = Json(json!({ "error": self.error, "error_description": self.description }));
        if self.status == StatusCode::UNAUTHORIZED {
            let challenge = [(WWW_AUTHENTICATE, "Basic realm=\"token\"")];
            (self.status, challenge, body).into_response()
        } else {
            (self.status, body).into_response()
        }
    }
}

/// The fields of a client-credentials token request.
pub(crate) fn form(headers: &HeaderMap, body: &[u8]) -> Result<Vec<(String, String)>, OAuthError> {
    if !is_form(headers) {
        return Err(OAuthError::invalid_request(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|_| OAuthError::invalid_request("the form cannot be decoded"))?;
    match field(&form, "grant_type") {
        Some("client_credentials") => Ok(form),
        Some(_) => Err(OAuthError {
            status: StatusCode::BAD_REQUEST,
            error: "unsupported_grant_type",
            description: "only client_credentials is supported",
        }),
        None => Err(OAuthError::invalid_request("grant_type is required")),
    }
}

pub(crate) fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

pub(crate) fn token_response(token: &str, expires_in: u64) -> Response {
    Json(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": expires_in,
    }))
    .into_response()
}

/// The credentials of an `Authorization` header in `scheme`, which HTTP
/// matches without regard to case.
fn authorization<'a>(headers: &'a HeaderMap, scheme: &str) -> Option<&'a str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (given, credentials) = value.split_once(' ')?;
    given
        .eq_ignore_ascii_case(scheme)
        .then_some(credentials.trim())
}

/// Client id and secret sent in HTTP Basic (RFC 6749 §2.3.1).
pub(crate) fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let encoded = authorization(headers, "basic")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    authorization(headers, "bearer").filter(|token| !token.is_empty())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn with_authorization(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn the_scheme_is_matched_without_regard_to_case() {
        assert_eq!(bearer(&with_authorization("bEaReR abc")), Some("abc"));
        let basic = with_authorization(&format!("BASIC {}", STANDARD.encode("id:secret")));
        assert_eq!(
            basic_credentials(&basic),
            Some(("id".to_owned(), "secret".to_owned()))
        );
    }

    #[test]
    fn a_bearer_header_without_a_token_is_no_token() {
        assert_eq!(bearer(&with_authorization("Bearer  ")), None);
        assert_eq!(bearer(&with_authorization("Basic abc")), None);
    }
}
