//! The Management API token endpoint and the bearer check in front of every
//! other `/v1` call.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::error::{ApiError, Resource};
use crate::http::oauth::{self, OAuthError};
use crate::ids;
use crate::sandbox::Sandbox;

const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// `POST /v1/tenants/{t}/realms/{r}/applications/{a}/token`: client
/// credentials in HTTP Basic, as the Management API application uses.
pub(crate) async fn token(
    State(sb): State<Sandbox>,
    Path((tenant, realm, application)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let seed = sb.seed();
    if tenant != seed.tenant_id || realm != seed.realm_id {
        return ApiError::not_found(Resource::Realm, &realm).into_response();
    }
    if application != seed.application_id {
        return ApiError::not_found(Resource::Application, &application).into_response();
    }
    let authenticated = oauth::basic_credentials(&headers)
        .is_some_and(|(id, secret)| id == seed.client_id && secret == seed.client_secret);
    if !authenticated {
        return OAuthError::invalid_client().into_response();
    }
    if let Err(e) = oauth::form(&headers, &body) {
        return e.into_response();
    }
    let token = ids::opaque_token();
    let expires = sb.now() + TOKEN_LIFETIME;
    sb.store().bi_tokens.insert(token.clone(), expires);
    oauth::token_response(&token, TOKEN_LIFETIME.as_secs())
}

/// A valid token for this tenant and realm. The spec answers 403 for
/// "any request for resources outside of your tenant" and 404 `Realm` for
/// an unknown realm.
pub(crate) fn authorize(
    sb: &Sandbox,
    headers: &HeaderMap,
    tenant: &str,
    realm: &str,
) -> Result<(), ApiError> {
    let seed = sb.seed();
    let token = oauth::bearer(headers).ok_or_else(ApiError::unauthorized)?;
    let now = sb.now();
    let valid = token == seed.api_token
        || sb
            .store()
            .bi_tokens
            .get(token)
            .is_some_and(|expires| *expires > now);
    if !valid {
        return Err(ApiError::unauthorized());
    }
    if tenant != seed.tenant_id {
        return Err(ApiError::status(StatusCode::FORBIDDEN));
    }
    if realm != seed.realm_id {
        return Err(ApiError::not_found(Resource::Realm, realm));
    }
    Ok(())
}
