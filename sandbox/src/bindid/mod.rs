//! Transmit BindID: the OIDC `/token` endpoint and the management API's
//! send-activation.

mod activation;
pub(crate) mod error;
mod token;

use axum::routing::post;
use axum::Router;

use crate::sandbox::Sandbox;

pub(crate) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/token", post(token::token))
        .route("/api/v1/mgmt/send-activation", post(activation::send))
}
