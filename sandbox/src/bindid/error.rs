//! BindID's errors. The vendor documents no error body: its 401 has none,
//! so a bare status (401, a 429, an injected fault, an unknown path) is
//! answered with an empty body. A 400 names the offending field in OAuth's
//! `{error, error_description}`, the shape of BindID's own `/token`, so a
//! client can show it.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::http::body::FieldViolation;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ApiError {
    Status(StatusCode),
    InvalidRequest(FieldViolation),
}

impl ApiError {
    pub(crate) fn status(status: StatusCode) -> Self {
        ApiError::Status(status)
    }

    pub(crate) fn unauthorized() -> Self {
        Self::status(StatusCode::UNAUTHORIZED)
    }
}

impl From<FieldViolation> for ApiError {
    fn from(v: FieldViolation) -> Self {
        ApiError::InvalidRequest(v)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Status(status) => status.into_response(),
            ApiError::InvalidRequest(v) => {
                let description = if v.field.is_empty() {
                    v.description
                } else {
                    format!("{}: {}", v.field, v.description)
                };
                let body = json!({ "error": "invalid_request", "error_description": description });
                (StatusCode::BAD_REQUEST, Json(body)).into_response()
            }
        }
    }
}
