//! Authenticator configurations: create, read, list, partial update, delete.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::Value;

use super::auth::authorize;
use super::config_types::Config;
use super::error::{ApiError, Resource};
use super::pagination::{ListQuery, Listing};
use crate::http::body::{parse, FieldViolation};
use crate::ids;
use crate::sandbox::Sandbox;
use crate::state::ConfigRecord;

const CONFIG_FIELD: &str = "authenticator_config.config";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigRequest {
    authenticator_config: ConfigBody,
}

/// Read-only fields are accepted and ignored, as the spec says.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ConfigBody {
    display_name: Option<String>,
    config: Option<Value>,
    id: Option<IgnoredAny>,
    realm_id: Option<IgnoredAny>,
    tenant_id: Option<IgnoredAny>,
}

fn parse_request(body: &[u8]) -> Result<ConfigBody, ApiError> {
    let request: ConfigRequest = parse(body)?;
    Ok(request.authenticator_config)
}

pub(crate) async fn create(
    State(sb): State<Sandbox>,
    Path((tenant, realm)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    authorize(&sb, &headers, &tenant, &realm)?;
    let input = parse_request(&body)?;
    let config = input
        .config
        .ok_or_else(|| FieldViolation::new(CONFIG_FIELD, "missing"))?;
    let record = ConfigRecord {
        id: ids::uuid(),
        display_name: input.display_name,
        config: Config::parse_any(config, CONFIG_FIELD)?,
    };
    let view = record.view(sb.seed());
    sb.store().configs.insert(record.id.clone(), record);
    Ok(Json(view).into_response())
}

pub(crate) async fn get(
    State(sb): State<Sandbox>,
    Path((tenant, realm, id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authorize(&sb, &headers, &tenant, &realm)?;
    let view = sb.authenticator_config(&id).ok_or_else(|| not_found(&id))?;
    Ok(Json(view).into_response())
}

pub(crate) async fn list(
    State(sb): State<Sandbox>,
    Path((tenant, realm)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authorize(&sb, &headers, &tenant, &realm)?;
    let query = ListQuery::parse_unfiltered(raw.as_deref())?;
    let listing = Listing {
        kind: "authenticator_configs",
        default_size: 100,
        max_size: 100,
    };
    let views: Vec<Value> = sb
        .store()
        .configs
        .values()
        .map(|c| c.view(sb.seed()))
        .collect();
    Ok(listing
        .page(views, &query)?
        .into_response("authenticator_configs"))
}

/// Fields left out stay as they are. The spec's own example sends a
/// `config` without `type`, which its schema would refuse: such a config is
/// merged into the stored one, while a config with a different `type`
/// replaces it whole.
pub(crate) async fn update(
    State(sb): State<Sandbox>,
    Path((tenant, realm, id)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    authorize(&sb, &headers, &tenant, &realm)?;
    let input = parse_request(&body)?;
    let mut store = sb.store();
    let record = store.configs.get_mut(&id).ok_or_else(|| not_found(&id))?;
    let config = match input.config {
        None => None,
        Some(Value::Object(patch)) => {
            let stored = record.config.to_value();
            let same_type = patch.get("type").is_none_or(|t| *t == stored["type"]);
            let merged = match stored {
                Value::Object(mut merged) if same_type => {
                    merged.extend(patch);
                    Value::Object(merged)
                }
                _ => Value::Object(patch),
            };
            Some(Config::parse_any(merged, CONFIG_FIELD)?)
        }
        Some(_) => return Err(FieldViolation::new(CONFIG_FIELD, "must be an object").into()),
    };
    if let Some(config) = config {
        record.config = config;
    }
    if let Some(name) = input.display_name {
        record.display_name = Some(name);
    }
    Ok(Json(record.view(sb.seed())).into_response())
}

/// 200 with an empty body, as the spec says.
pub(crate) async fn delete(
    State(sb): State<Sandbox>,
    Path((tenant, realm, id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authorize(&sb, &headers, &tenant, &realm)?;
    if sb.delete_authenticator_config(&id) {
        Ok(StatusCode::OK.into_response())
    } else {
        Err(not_found(&id))
    }
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(Resource::AuthenticatorConfig, id)
}
