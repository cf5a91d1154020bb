//! Identities: the users enrollment links go to.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::auth::authorize;
use super::error::{ApiError, Resource};
use super::pagination::{ListQuery, Listing};
use crate::http::body::{parse, FieldViolation};
use crate::ids;
use crate::sandbox::Sandbox;
use crate::state::{IdentityRecord, Store};

/// Every property of the spec's `Traits_v0` besides `type`.
const TRAITS: &[&str] = &[
    "username",
    "primary_email_address",
    "secondary_email_address",
    "external_id",
    "family_name",
    "given_name",
    "formatted_name",
    "middle_name",
    "honorific_prefix",
    "honorific_suffix",
    "nick_name",
    "title",
    "primary_phone",
    "secondary_phone",
    "profile_url",
    "photo",
    "preferred_language",
    "locale",
    "timezone",
    "formatted_address",
    "street_address",
    "locality",
    "region",
    "postal_code",
    "country",
    "user_type",
    "employee_number",
    "cost_center",
    "organization",
    "division",
    "department",
    "manager_id",
    "manager_name",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentityRequest {
    identity: IdentityBody,
}

/// Read-only fields are accepted and ignored, as the spec says.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct IdentityBody {
    display_name: Option<String>,
    status: Option<String>,
    traits: Option<Value>,
    id: Option<IgnoredAny>,
    realm_id: Option<IgnoredAny>,
    tenant_id: Option<IgnoredAny>,
    create_time: Option<IgnoredAny>,
    update_time: Option<IgnoredAny>,
    enrollment_status: Option<IgnoredAny>,
}

fn parse_request(body: &[u8]) -> Result<IdentityBody, ApiError> {
    let request: IdentityRequest = parse(body)?;
    Ok(request.identity)
}

/// The spec's `display_name` / `username` rules: 1 to 64 characters, none
/// of `{}[]<>;:?\/|*^%$#=~`!`.
fn check_name(field: &str, value: &str) -> Result<(), FieldViolation> {
    const FORBIDDEN: &str = "{}[]<>;:?\\/|*^%$#=~`!";
    if value.is_empty() {
        return Err(FieldViolation::new(field, "empty string"));
    }
    if value.chars().count() > 64 {
        return Err(FieldViolation::new(field, "longer than 64 characters"));
    }
    if value.chars().any(|c| FORBIDDEN.contains(c)) {
        return Err(FieldViolation::new(
            field,
            format!("must not contain any of {FORBIDDEN}"),
        ));
    }
    Ok(())
}

fn check_status(status: &str) -> Result<(), FieldViolation> {
    match status {
        "active" | "suspended" => Ok(()),
        _ => Err(FieldViolation::new(
            "identity.status",
            "must be active or suspended",
        )),
    }
}

/// `traits` as written: `type` must be `traits_v0` on every write, every
/// other key a known trait with a string value.
fn parse_traits(value: Value) -> Result<Map<String, Value>, FieldViolation> {
    let Value::Object(traits) = value else {
        return Err(FieldViolation::new("identity.traits", "must be an object"));
    };
    match traits.get("type") {
        Some(Value::String(t)) if t == "traits_v0" => {}
        None => return Err(FieldViolation::new("identity.traits.type", "missing")),
        Some(_) => {
            return Err(FieldViolation::new(
                "identity.traits.type",
                "must be traits_v0",
            ))
        }
    }
    for (key, value) in &traits {
        let field = format!("identity.traits.{key}");
        if key == "type" {
            continue;
        }
        if !TRAITS.contains(&key.as_str()) {
            return Err(FieldViolation::new(field, "unknown field"));
        }
        let Some(text) = value.as_str() else {
            return Err(FieldViolation::new(field, "must be a string"));
        };
        if key == "username" {
            check_name(&field, text)?;
        }
    }
    Ok(traits)
}

fn username_taken(store: &Store, username: &str, except: Option<&str>) -> bool {
    store.identities.values().any(|i| {
        Some(i.id.as_str()) != except
            && i.username()
                .is_some_and(|u| u.eq_ignore_ascii_case(username))
    })
}

fn conflict() -> ApiError {
    ApiError::plain(StatusCode::CONFLICT, "username already exists")
}

pub(crate) async fn create(
    State(sb): State<Sandbox>,
    Path((tenant, realm)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    authorize(&sb, &headers, &tenant, &realm)?;
    let input = parse_request(&body)?;
    let display_name = input.display_name.unwrap_or_default();
    check_name("identity.display_name", &display_name)?;
    let status = input.status.unwrap_or_else(|| "active".to_owned());
    check_status(&status)?;
    let traits = parse_traits(
        input
            .traits
            .ok_or_else(|| FieldViolation::new("identity.traits", "missing"))?,
    )?;
    let username = traits
        .get("username")
        .and_then(Value::as_str)
        .ok_or_else(|| FieldViolation::new("identity.traits.username", "missing"))?;

    let now = sb.now();
    let mut store = sb.store();
    if username_taken(&store, username, None) {
        return Err(conflict());
    }
    let record = IdentityRecord {
        id: ids::hex16(),
        display_name,
        status,
        traits,
        create_time: now,
        update_time: now,
    };
    let view = store.identity_view(&record, sb.seed(), now);
    store.identities.insert(record.id.clone(), record);
    Ok(Json(view).into_response())
}

pub(crate) async fn get(
    State(sb): State<Sandbox>,
    Path((tenant, realm, id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authorize(&sb, &headers, &tenant, &realm)?;
    let now = sb.now();
    let store = sb.store();
    let identity = store.identities.get(&id).ok_or_else(|| not_found(&id))?;
    Ok(Json(store.identity_view(identity, sb.seed(), now)).into_response())
}

/// The one filter the spec supports: `traits.username eq "NAME"`.
fn username_filter(filter: &str) -> Result<String, FieldViolation> {
    let unsupported = || {
        FieldViolation::new(
            "filter",
            "unsupported filter: only traits.username eq \"USERNAME\" is supported",
        )
    };
    let mut parts = filter.splitn(3, char::is_whitespace);
    let (Some(attribute), Some(op), Some(value)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(unsupported());
    };
    let value = value.trim();
    if attribute != "traits.username" || !op.eq_ignore_ascii_case("eq") {
        return Err(unsupported());
    }
    let quoted = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .ok_or_else(unsupported)?;
    Ok(quoted.replace("\\\"", "\"").replace("\\\\", "\\"))
}

pub(crate) async fn list(
    State(sb): State<Sandbox>,
    Path((tenant, realm)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authorize(&sb, &headers, &tenant, &realm)?;
    let query = ListQuery::parse(raw.as_deref())?;
    let username = query.filter().map(username_filter).transpose()?;
    let now = sb.now();
    let store = sb.store();
    let matching: Vec<&IdentityRecord> = store
        .identities
        .values()
        .filter(|i| {
            username
                .as_deref()
                .is_none_or(|name| i.username().is_some_and(|u| u.eq_ignore_ascii_case(name)))
        })
        .collect();
    let listing = Listing {
        kind: "identities",
        default_size: 20,
        max_size: 200,
    };
    // Only the page is rendered: a view reads the identity's jobs.
    let window = listing.window(matching.len(), &query)?;
    let views: Vec<Value> = matching[window.range.clone()]
        .iter()
        .map(|i| store.identity_view(i, sb.seed(), now))
        .collect();
    Ok(window.page(views).into_response("identities"))
}

pub(crate) async fn update(
    State(sb): State<Sandbox>,
    Path((tenant, realm, id)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    authorize(&sb, &headers, &tenant, &realm)?;
    let input = parse_request(&body)?;
    if let Some(name) = &input.display_name {
        check_name("identity.display_name", name)?;
    }
    if let Some(status) = &input.status {
        check_status(status)?;
    }
    let traits = input.traits.map(parse_traits).transpose()?;

    let now = sb.now();
    let mut store = sb.store();
    if !store.identities.contains_key(&id) {
        return Err(not_found(&id));
    }
    let new_username = traits
        .as_ref()
        .and_then(|t| t.get("username"))
        .and_then(Value::as_str);
    if new_username.is_some_and(|u| username_taken(&store, u, Some(&id))) {
        return Err(conflict());
    }
    let record = store
        .identities
        .get_mut(&id)
        .ok_or_else(|| not_found(&id))?;
    if let Some(name) = input.display_name {
        record.display_name = name;
    }
    if let Some(status) = input.status {
        record.status = status;
    }
    if let Some(traits) = traits {
        record.traits.extend(traits);
    }
    record.update_time = now;
    let record = record.clone();
    Ok(Json(store.identity_view(&record, sb.seed(), now)).into_response())
}

/// Its binding jobs go with it.
pub(crate) async fn delete(
    State(sb): State<Sandbox>,
    Path((tenant, realm, id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authorize(&sb, &headers, &tenant, &realm)?;
    let mut store = sb.store();
    if store.identities.shift_remove(&id).is_none() {
        return Err(not_found(&id));
    }
    store.jobs.remove_identity(&id);
    Ok(StatusCode::OK.into_response())
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(Resource::Identity, id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_username_filter_is_parsed() {
        assert_eq!(
            username_filter(r#"traits.username eq "alice""#).unwrap(),
            "alice"
        );
        assert_eq!(
            username_filter(r#"traits.username EQ "a b""#).unwrap(),
            "a b"
        );
        assert!(username_filter(r#"traits.username co "al""#).is_err());
        assert!(username_filter(r#"display_name eq "Alice""#).is_err());
        assert!(username_filter("traits.username eq alice").is_err());
    }

    #[test]
    fn names_follow_the_spec_pattern() {
        assert!(check_name("f", "Alice Smith").is_ok());
        assert!(check_name("f", "").is_err());
        assert!(check_name("f", "a<b").is_err());
        assert!(check_name("f", &"x".repeat(65)).is_err());
    }
}
