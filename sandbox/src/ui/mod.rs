//! What a person sees: the outbox of every link the sandbox "sent", and the
//! HTML pages those links open.

pub(crate) mod outbox;
pub(crate) mod page;

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::sandbox::Sandbox;

pub(crate) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/", get(outbox_page))
        .route("/_sandbox/links/:id", get(link))
}

async fn outbox_page(State(sb): State<Sandbox>) -> Html<String> {
    page::outbox(&sb)
}

/// Where a BindID activation link leads; Beyond Identity's links lead to
/// its own `:invokeAuthenticator` path.
async fn link(State(sb): State<Sandbox>, Path(id): Path<String>) -> Response {
    match sb.outbox_message(&id) {
        Some(message) => page::message(&message).into_response(),
        None => page::invalid_link(),
    }
}
