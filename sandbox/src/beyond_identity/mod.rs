//! Beyond Identity's v1 API, as the published OpenAPI spec describes it.

mod auth;
pub(crate) mod batch_worker;
mod batches;
pub(crate) mod config_types;
mod configs;
pub(crate) mod error;
mod identities;
mod job_template;
mod jobs;
mod pagination;

use axum::routing::{get, post};
use axum::Router;

use crate::sandbox::Sandbox;

const REALM: &str = "/v1/tenants/:tenant_id/realms/:realm_id";

pub(crate) fn routes() -> Router<Sandbox> {
    let path = |rest: &str| format!("{REALM}{rest}");
    Router::new()
        .route(
            &path("/applications/:application_id/token"),
            post(auth::token),
        )
        .route(
            &path("/authenticator-configs"),
            get(configs::list).post(configs::create),
        )
        .route(
            &path("/authenticator-configs/:authenticator_config_id"),
            get(configs::get)
                .patch(configs::update)
                .delete(configs::delete),
        )
        .route(
            &path("/identities"),
            get(identities::list).post(identities::create),
        )
        .route(
            &path("/identities/:identity_id"),
            get(identities::get)
                .patch(identities::update)
                .delete(identities::delete),
        )
        .route(
            &path("/identities/:identity_id/credential-binding-jobs"),
            get(jobs::list).post(jobs::create),
        )
        // `{job_id}`, `{job_id}:revoke` and `{job_id}:invokeAuthenticator`
        // share one path segment, so the handlers split the verb off.
        .route(
            &path("/identities/:identity_id/credential-binding-jobs/:job"),
            get(jobs::get).post(jobs::post_verb),
        )
        .route(
            &path("/batch-credential-binding-jobs"),
            post(batches::create),
        )
        // `{id}` and `{id}:listResults` share one path segment too.
        .route(
            &path("/batch-credential-binding-jobs/:batch"),
            get(batches::get),
        )
}
