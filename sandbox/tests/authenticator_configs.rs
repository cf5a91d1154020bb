//! Authenticator configurations, strict to the spec's `oneOf`.

mod common;

use common::{violated_field, Env};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn create(env: &Env, config: Value) -> common::Reply {
    env.bi_json(
        Method::POST,
        "/authenticator-configs",
        json!({"authenticator_config": {"display_name": "Pets", "config": config}}),
    )
    .await
}

fn embedded() -> Value {
    json!({
        "type": "embedded",
        "invoke_url": "http://localhost:8092",
        "trusted_origins": ["http://localhost:8092"],
    })
}

#[tokio::test]
async fn create_returns_the_bare_config_with_a_uuid() {
    let env = Env::new();
    let reply = create(&env, embedded()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    let id = reply.json["id"].as_str().unwrap();
    assert!(uuid_like(id), "{id}");
    assert_eq!(reply.json["tenant_id"], env.sandbox.seed().tenant_id);
    assert_eq!(reply.json["realm_id"], env.sandbox.seed().realm_id);
    assert_eq!(reply.json["display_name"], "Pets");
    assert_eq!(reply.json["config"]["invocation_type"], "automatic");
}

fn uuid_like(s: &str) -> bool {
    let groups: Vec<usize> = s.split('-').map(str::len).collect();
    groups == [8, 4, 4, 4, 12] && s.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

#[tokio::test]
async fn get_reads_back_what_create_made() {
    let env = Env::new();
    let created = create(&env, embedded()).await.json;
    let id = created["id"].as_str().unwrap();
    let reply = env
        .send(env.bi(Method::GET, &format!("/authenticator-configs/{id}")))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json, created);
}

#[tokio::test]
async fn a_bare_hosted_web_config_is_rejected() {
    let env = Env::new();
    let reply = create(&env, json!({"type": "hosted_web"})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json["code"], "bad_request");
    assert_eq!(reply.json["message"], "invalid parameters");
    let field = violated_field(&reply.json).unwrap();
    assert!(field.starts_with("authenticator_config.config."), "{field}");
}

#[tokio::test]
async fn authentication_methods_given_as_strings_are_rejected() {
    let env = Env::new();
    let reply = create(
        &env,
        json!({
            "type": "hosted_web",
            "authentication_methods": ["software_passkey"],
            "trusted_origins": [],
        }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        violated_field(&reply.json),
        Some("authenticator_config.config.authentication_methods[0]")
    );
}

#[tokio::test]
async fn an_unknown_authentication_method_is_rejected() {
    let env = Env::new();
    let reply = create(
        &env,
        json!({
            "type": "hosted_web",
            "authentication_methods": [{"type": "sms"}],
            "trusted_origins": [],
        }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn embedded_without_invoke_url_is_rejected() {
    let env = Env::new();
    let reply = create(&env, json!({"type": "embedded", "trusted_origins": []})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        violated_field(&reply.json),
        Some("authenticator_config.config.invoke_url")
    );
}

#[tokio::test]
async fn an_unknown_invocation_type_is_rejected() {
    let env = Env::new();
    let mut config = embedded();
    config["invocation_type"] = json!("sometimes");
    let reply = create(&env, config).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_platform_config_needs_only_its_type() {
    let env = Env::new();
    let reply = create(&env, json!({"type": "platform"})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
}

#[tokio::test]
async fn an_unknown_field_is_rejected() {
    let env = Env::new();
    let mut config = embedded();
    config["invocationType"] = json!("manual");
    let reply = create(&env, config).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        violated_field(&reply.json),
        Some("authenticator_config.config.invocationType")
    );
}

#[tokio::test]
async fn malformed_json_is_a_400() {
    let env = Env::new();
    let reply = env
        .send(
            env.bi(Method::POST, "/authenticator-configs")
                .header("content-type", "application/json")
                .body("{\"authenticator_config\":"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json["code"], "bad_request");
}

#[tokio::test]
async fn patch_without_config_type_merges_into_the_stored_config() {
    let env = Env::new();
    let id = create(&env, embedded()).await.json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The spec's own partial-update example.
    let reply = env
        .bi_json(
            Method::PATCH,
            &format!("/authenticator-configs/{id}"),
            json!({"authenticator_config": {
                "display_name": "Pet Authenticator Configuration",
                "config": {"invoke_url": "http://localhost:9000"},
            }}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    assert_eq!(
        reply.json["display_name"],
        "Pet Authenticator Configuration"
    );
    assert_eq!(reply.json["config"]["type"], "embedded");
    assert_eq!(reply.json["config"]["invoke_url"], "http://localhost:9000");
    assert_eq!(
        reply.json["config"]["trusted_origins"],
        json!(["http://localhost:8092"])
    );
}

#[tokio::test]
async fn patch_that_breaks_the_config_is_rejected_and_changes_nothing() {
    let env = Env::new();
    let created = create(&env, embedded()).await.json;
    let id = created["id"].as_str().unwrap();
    let reply = env
        .bi_json(
            Method::PATCH,
            &format!("/authenticator-configs/{id}"),
            json!({"authenticator_config": {"config": {"invocation_type": "never"}}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(env.sandbox.authenticator_config(id), Some(created));
}

#[tokio::test]
async fn delete_answers_200_with_an_empty_body_then_get_is_404() {
    let env = Env::new();
    let id = create(&env, embedded()).await.json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/authenticator-configs/{id}");
    let deleted = env.send(env.bi(Method::DELETE, &path)).await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(deleted.json, Value::Null);
    let reply = env.send(env.bi(Method::GET, &path)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(
        reply.json["details"][0]["resource_type"],
        "AuthenticatorConfig"
    );
}

#[tokio::test]
async fn a_config_deleted_behind_the_clients_back_reads_as_404() {
    let env = Env::new();
    let id = env.create_config().await;
    assert!(env.sandbox.delete_authenticator_config(&id));
    let reply = env
        .send(env.bi(Method::GET, &format!("/authenticator-configs/{id}")))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn list_pages_through_configs() {
    let env = Env::new();
    for _ in 0..3 {
        env.create_config().await;
    }
    let first = env
        .send(env.bi(Method::GET, "/authenticator-configs?page_size=2"))
        .await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.json["total_size"], 3);
    assert_eq!(
        first.json["authenticator_configs"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let token = first.json["next_page_token"].as_str().unwrap();
    let second = env
        .send(
            env.bi(Method::GET, "/authenticator-configs")
                .query(&[("page_token", token)]),
        )
        .await;
    assert_eq!(
        second.json["authenticator_configs"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert!(second.json.get("next_page_token").is_none());
}
