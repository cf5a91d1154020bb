//! The Beyond Identity error body: `{code, message, details}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::http::body::{BodyError, FieldViolation};

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type")]
pub(crate) enum Detail {
    FieldViolations {
        field_violations: Vec<FieldViolation>,
    },
    ResourceInfo {
        resource_type: String,
        id: String,
        description: String,
    },
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ApiError {
    #[serde(skip)]
    status: StatusCode,
    code: String,
    message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    details: Vec<Detail>,
}

/// The API's `code`: the status name in lower snake case (`bad_request`).
pub(crate) fn code_of(status: StatusCode) -> String {
    status
        .canonical_reason()
        .unwrap_or("error")
        .to_ascii_lowercase()
        .replace([' ', '-'], "_")
}

impl ApiError {
    /// The bare `{code, message}` for a status, e.g. an injected 503.
    pub(crate) fn status(status: StatusCode) -> Self {
        let code = code_of(status);
        ApiError {
            status,
            message: code.replace('_', " "),
            code,
            details: Vec::new(),
        }
    }

    fn with(status: StatusCode, message: impl Into<String>, details: Vec<Detail>) -> Self {
        ApiError {
            status,
            code: code_of(status),
            message: message.into(),
            details,
        }
    }

    pub(crate) fn unauthorized() -> Self {
        Self::status(StatusCode::UNAUTHORIZED)
    }

    /// The spec's "Malformed Request": the body is not JSON.
    pub(crate) fn malformed() -> Self {
        Self::with(StatusCode::BAD_REQUEST, "invalid request", Vec::new())
    }

    pub(crate) fn invalid(violation: FieldViolation) -> Self {
        Self::with(
            StatusCode::BAD_REQUEST,
            "invalid parameters",
            vec![Detail::FieldViolations {
                field_violations: vec![violation],
            }],
        )
    }

    pub(crate) fn not_found(resource: Resource, id: &str) -> Self {
        Self::about(
            StatusCode::NOT_FOUND,
            resource,
            id,
            &format!("{} not found", resource.noun()),
        )
    }

    /// An error about one resource, with the `ResourceInfo` detail the spec
    /// promises for 404, 409 and 422.
    pub(crate) fn about(
        status: StatusCode,
        resource: Resource,
        id: &str,
        description: &str,
    ) -> Self {
        Self::with(
            status,
            description,
            vec![Detail::ResourceInfo {
                resource_type: resource.type_name().to_owned(),
                id: id.to_owned(),
                description: description.to_owned(),
            }],
        )
    }

    /// An error with a message of its own and no details.
    pub(crate) fn plain(status: StatusCode, message: &str) -> Self {
        Self::with(status, message, Vec::new())
    }

    #[cfg(test)]
    pub(crate) fn http_status(&self) -> StatusCode {
        self.status
    }
}

impl From<BodyError> for ApiError {
    fn from(err: BodyError) -> Self {
        match err {
            BodyError::Malformed(_) => ApiError::malformed(),
            BodyError::Invalid(v) => ApiError::invalid(v),
        }
    }
}

impl From<FieldViolation> for ApiError {
    fn from(v: FieldViolation) -> Self {
        ApiError::invalid(v)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(&self)).into_response()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resource {
    Realm,
    Application,
    Identity,
    AuthenticatorConfig,
    CredentialBindingJob,
    BatchCredentialBindingJob,
}

impl Resource {
    fn type_name(self) -> &'static str {
        match self {
            Resource::Realm => "Realm",
            Resource::Application => "Application",
            Resource::Identity => "Identity",
            Resource::AuthenticatorConfig => "AuthenticatorConfig",
            Resource::CredentialBindingJob => "CredentialBindingJob",
            Resource::BatchCredentialBindingJob => "BatchCredentialBindingJob",
        }
    }

    pub(crate) fn noun(self) -> &'static str {
        match self {
            Resource::Realm => "realm",
            Resource::Application => "application",
            Resource::Identity => "identity",
            Resource::AuthenticatorConfig => "authenticator configuration",
            Resource::CredentialBindingJob => "credential binding job",
            Resource::BatchCredentialBindingJob => "batch credential binding job",
        }
    }
}
