//! `POST /token` with the API credentials in the form.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use crate::http::oauth::{self, OAuthError};
use crate::ids;
use crate::sandbox::Sandbox;
use crate::state::BindidToken;

/// BindID management tokens live 30 days.
const TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);

pub(crate) async fn token(State(sb): State<Sandbox>, headers: HeaderMap, body: Bytes) -> Response {
    let form = match oauth::form(&headers, &body) {
        Ok(form) => form,
        Err(e) => return e.into_response(),
    };
    let seed = sb.seed();
    let authenticated = oauth::field(&form, "client_id") == Some(&seed.bindid_credentials_id)
        && oauth::field(&form, "client_secret") == Some(&seed.bindid_credentials_secret);
    if !authenticated {
        return OAuthError::invalid_client().into_response();
    }
    let token = ids::opaque_token();
    let record = BindidToken {
        credentials_id: seed.bindid_credentials_id.clone(),
        expires: sb.now() + TOKEN_LIFETIME,
    };
    sb.store().bindid_tokens.insert(token.clone(), record);
    oauth::token_response(&token, TOKEN_LIFETIME.as_secs())
}
