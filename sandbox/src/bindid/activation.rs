//! `POST /api/v1/mgmt/send-activation`, strict to the vendor's field table.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::ApiError;
use crate::harness::clock::rfc3339;
use crate::harness::requests::Vendor;
use crate::http::body::{from_value, parse_json, BodyError, FieldViolation};
use crate::http::oauth::bearer;
use crate::ids;
use crate::sandbox::Sandbox;
use crate::ui::outbox::{OutboxKind, OutboxMessage};

/// "valid for 30 minutes from the time it is sent" by default.
const LINK_LIFETIME: Duration = Duration::from_secs(30 * 60);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
struct SendActivation {
    client_id: String,
    credentials_id: String,
    verifications: Vec<Verification>,
    scopes: Vec<Scope>,
    user_email: String,
    confirmed_user: Option<bool>,
    alias: Option<Alias>,
    custom_message: Option<String>,
    secondary_completion_message: Option<String>,
    completion_message: Option<CompletionMessage>,
}

#[derive(Debug, Deserialize)]
enum Verification {
    #[serde(rename = "ts.bindid.iac.email")]
    Email,
    #[serde(rename = "ts.bindid.iac.phone_number")]
    PhoneNumber,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Scope {
    Email,
    Phone,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Alias {
    #[serde(rename = "type")]
    kind: AliasType,
    value: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum AliasType {
    None,
    Email,
    Alias,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct CompletionMessage {
    text: String,
    link: Option<CompletionLink>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
struct CompletionLink {
    redirect_uri: String,
    label: String,
}

pub(crate) async fn send(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let now = sb.now();
    let token_credentials = {
        let store = sb.store();
        bearer(&headers)
            .and_then(|t| store.bindid_tokens.get(t))
            .filter(|t| t.expires > now)
            .map(|t| t.credentials_id.clone())
    };
    let token_credentials = token_credentials.ok_or_else(ApiError::unauthorized)?;
    let value = parse_json(&body).map_err(|e| match e {
        BodyError::Malformed(_) => FieldViolation::new("", "the body is not valid JSON"),
        BodyError::Invalid(v) => v,
    })?;
    // A token only authorizes requests for the credentials it was issued to.
    if let Some(Value::String(credentials_id)) = value.get("credentialsId") {
        if *credentials_id != token_credentials {
            return Err(ApiError::unauthorized());
        }
    }
    let request: SendActivation = from_value(value, "")?;
    validate(&sb, &request)?;

    let target = request.user_email.clone();
    let failing = sb
        .store()
        .failing_targets
        .contains(&target.to_ascii_lowercase());
    let channel_status = if failing { "failed" } else { "success" };
    if !failing {
        let id = ids::hex16();
        let message = OutboxMessage {
            link: format!("{}/_sandbox/links/{id}", sb.url()),
            id,
            vendor: Vendor::Bindid,
            kind: OutboxKind::BindidActivation,
            recipient: target.clone(),
            sent_at: rfc3339(now),
            expire_time: rfc3339(now + LINK_LIFETIME),
            job_id: None,
            identity_id: None,
        };
        sb.store().outbox.push(message);
    }
    Ok(Json(json!({
        "status": "success",
        "activationResult": {
            "channelsResult": [
                { "channelType": "email", "target": target, "status": channel_status }
            ]
        }
    }))
    .into_response())
}

/// The rules the field table states in prose.
fn validate(sb: &Sandbox, request: &SendActivation) -> Result<(), FieldViolation> {
    if request.client_id != sb.seed().bindid_client_id {
        return Err(FieldViolation::new("clientId", "unknown client"));
    }
    if !is_email(&request.user_email) {
        return Err(FieldViolation::new("userEmail", "not an email address"));
    }
    if request.verifications.is_empty() {
        return Err(FieldViolation::new("verifications", "must not be empty"));
    }
    match (&request.alias, request.confirmed_user) {
        (None, Some(false)) => {}
        (None, _) => {
            return Err(FieldViolation::new(
                "alias",
                "required when confirmedUser is absent or true",
            ))
        }
        (Some(alias), _) => match (alias.kind, alias.value.as_deref()) {
            (AliasType::Alias, Some(v)) if !v.is_empty() => {}
            (AliasType::Alias, _) => {
                return Err(FieldViolation::new(
                    "alias.value",
                    "required when alias.type is alias",
                ))
            }
            (_, Some(_)) => {
                return Err(FieldViolation::new(
                    "alias.value",
                    "only allowed when alias.type is alias",
                ))
            }
            (_, None) => {}
        },
    }
    if let Some(message) = &request.completion_message {
        if message.text.is_empty() {
            return Err(FieldViolation::new(
                "completionMessage.text",
                "empty string",
            ));
        }
        if let Some(link) = &message.link {
            let absolute = ["https://", "http://"]
                .iter()
                .any(|s| link.redirect_uri.starts_with(s));
            if !absolute {
                return Err(FieldViolation::new(
                    "completionMessage.link.redirectUri",
                    "must be an http(s) URL",
                ));
            }
        }
    }
    Ok(())
}

fn is_email(value: &str) -> bool {
    value.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !domain.contains('@') && !value.contains(' ')
    })
}
