//! The Management API token endpoint and the bearer check.

mod common;

use std::time::Duration;

use common::{Env, ALICE};
use reqwest::{Method, StatusCode};
use serde_json::json;

fn token_url(env: &Env) -> String {
    let seed = env.sandbox.seed();
    env.realm_url(&format!("/applications/{}/token", seed.application_id))
}

async fn fetch_token(env: &Env) -> String {
    let seed = env.sandbox.seed();
    let reply = env
        .send(
            env.http
                .post(token_url(env))
                .basic_auth(&seed.client_id, Some(&seed.client_secret))
                .form(&[("grant_type", "client_credentials")]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    assert_eq!(reply.json["token_type"], "Bearer");
    assert_eq!(reply.json["expires_in"], 3600);
    reply.json["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn client_credentials_give_a_token_that_the_api_accepts() {
    let env = Env::new();
    let token = fetch_token(&env).await;
    let reply = env
        .send(
            env.http
                .get(env.realm_url(&format!("/identities/{ALICE}")))
                .bearer_auth(&token),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    assert_eq!(reply.json["traits"]["username"], "alice");
}

#[tokio::test]
async fn wrong_client_secret_is_refused_with_401() {
    let env = Env::new();
    let seed = env.sandbox.seed();
    let reply = env
        .send(
            env.http
                .post(token_url(&env))
                .basic_auth(&seed.client_id, Some("wrong"))
                .form(&[("grant_type", "client_credentials")]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json["error"], "invalid_client");
}

#[tokio::test]
async fn a_grant_other_than_client_credentials_is_refused() {
    let env = Env::new();
    let seed = env.sandbox.seed();
    let reply = env
        .send(
            env.http
                .post(token_url(&env))
                .basic_auth(&seed.client_id, Some(&seed.client_secret))
                .form(&[("grant_type", "password")]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn a_call_without_a_bearer_token_gets_the_spec_401() {
    let env = Env::new();
    let reply = env
        .send(env.http.get(env.realm_url("/authenticator-configs")))
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.json,
        json!({"code": "unauthorized", "message": "unauthorized"})
    );
}

#[tokio::test]
async fn an_unknown_bearer_token_gets_401() {
    let env = Env::new();
    let reply = env
        .send(
            env.http
                .get(env.realm_url("/authenticator-configs"))
                .bearer_auth("not-a-token"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_issued_token_expires_on_the_sandbox_clock() {
    let env = Env::new();
    let token = fetch_token(&env).await;
    env.sandbox.advance_clock(Duration::from_secs(3601));
    let reply = env
        .send(
            env.http
                .get(env.realm_url("/authenticator-configs"))
                .bearer_auth(&token),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn another_tenant_is_forbidden() {
    let env = Env::new();
    let seed = env.sandbox.seed();
    let url = env.url(&format!(
        "/v1/tenants/0001ffffffffffff/realms/{}/identities",
        seed.realm_id
    ));
    let reply = env
        .send(env.http.get(url).bearer_auth(&seed.api_token))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.json["code"], "forbidden");
}

#[tokio::test]
async fn an_unknown_realm_is_not_found() {
    let env = Env::new();
    let seed = env.sandbox.seed();
    let url = env.url(&format!(
        "/v1/tenants/{}/realms/ffffffffffffffff/identities",
        seed.tenant_id
    ));
    let reply = env
        .send(env.http.get(url).bearer_auth(&seed.api_token))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.json["message"], "realm not found");
    assert_eq!(reply.json["details"][0]["resource_type"], "Realm");
}

#[tokio::test]
async fn an_unknown_api_path_gets_a_json_404() {
    let env = Env::new();
    let reply = env.send(env.bi(Method::GET, "/widgets")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.json["code"], "not_found");
}
