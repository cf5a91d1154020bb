//! Identities: the spec's `Identity` shape, filter, pagination, uniqueness.

mod common;

use common::{violated_field, Env, ALICE, DAVE_NO_EMAIL};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn a_seeded_identity_has_the_spec_shape() {
    let env = Env::new();
    let reply = env
        .send(env.bi(Method::GET, &format!("/identities/{ALICE}")))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let identity = reply.json;
    assert_eq!(identity["id"], ALICE);
    assert_eq!(identity["display_name"], "Alice");
    assert_eq!(identity["status"], "active");
    assert_eq!(identity["enrollment_status"], "UNENROLLED");
    assert_eq!(identity["traits"]["type"], "traits_v0");
    assert_eq!(
        identity["traits"]["primary_email_address"],
        "alice@example.com"
    );
    assert!(identity["create_time"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn dave_has_no_email_address() {
    let env = Env::new();
    let reply = env
        .send(env.bi(Method::GET, &format!("/identities/{DAVE_NO_EMAIL}")))
        .await;
    assert!(reply.json["traits"].get("primary_email_address").is_none());
}

#[tokio::test]
async fn an_unknown_identity_is_404_with_resource_info() {
    let env = Env::new();
    let reply = env
        .send(env.bi(Method::GET, "/identities/0123456789abcdef"))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(
        reply.json,
        json!({
            "code": "not_found",
            "message": "identity not found",
            "details": [{
                "type": "ResourceInfo",
                "resource_type": "Identity",
                "id": "0123456789abcdef",
                "description": "identity not found",
            }],
        })
    );
}

#[tokio::test]
async fn the_username_filter_finds_one_identity() {
    let env = Env::new();
    let reply = env
        .send(
            env.bi(Method::GET, "/identities")
                .query(&[("filter", r#"traits.username eq "bob""#)]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    assert_eq!(reply.json["total_size"], 1);
    assert_eq!(reply.json["identities"][0]["traits"]["username"], "bob");
}

#[tokio::test]
async fn an_unsupported_filter_is_a_400_on_filter() {
    let env = Env::new();
    let reply = env
        .send(
            env.bi(Method::GET, "/identities")
                .query(&[("filter", r#"display_name co "A""#)]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(violated_field(&reply.json), Some("filter"));
}

#[tokio::test]
async fn pages_cover_every_identity_once() {
    let env = Env::new();
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut request = env
            .bi(Method::GET, "/identities")
            .query(&[("page_size", "3")]);
        if let Some(t) = &token {
            request = request.query(&[("page_token", t)]);
        }
        let reply = env.send(request).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.json["total_size"], 4);
        for identity in reply.json["identities"].as_array().unwrap() {
            seen.push(identity["id"].as_str().unwrap().to_owned());
        }
        match reply.json.get("next_page_token").and_then(Value::as_str) {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 4);
}

#[tokio::test]
async fn an_invalid_page_token_is_a_400() {
    let env = Env::new();
    let reply = env
        .send(
            env.bi(Method::GET, "/identities")
                .query(&[("page_token", "garbage")]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(violated_field(&reply.json), Some("page_token"));
}

#[tokio::test]
async fn create_then_patch_then_delete_an_identity() {
    let env = Env::new();
    let created = env
        .bi_json(
            Method::POST,
            "/identities",
            json!({"identity": {"display_name": "Erin", "traits": {
                "type": "traits_v0", "username": "erin", "primary_email_address": "erin@example.com",
            }}}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.json);
    let id = created.json["id"].as_str().unwrap();
    assert!(common::is_hex16(id));

    let patched = env
        .bi_json(
            Method::PATCH,
            &format!("/identities/{id}"),
            json!({"identity": {"traits": {"type": "traits_v0", "given_name": "Erin"}}}),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.json);
    assert_eq!(patched.json["traits"]["given_name"], "Erin");
    assert_eq!(patched.json["traits"]["username"], "erin");

    let deleted = env
        .send(env.bi(Method::DELETE, &format!("/identities/{id}")))
        .await;
    assert_eq!(deleted.status, StatusCode::OK);
    let gone = env
        .send(env.bi(Method::GET, &format!("/identities/{id}")))
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_taken_username_is_a_409_whatever_its_case() {
    let env = Env::new();
    let reply = env
        .bi_json(
            Method::POST,
            "/identities",
            json!({"identity": {"display_name": "Alice Again", "traits": {
                "type": "traits_v0", "username": "ALICE",
            }}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(
        reply.json,
        json!({"code": "conflict", "message": "username already exists"})
    );
}

#[tokio::test]
async fn traits_without_their_type_are_rejected() {
    let env = Env::new();
    let reply = env
        .bi_json(
            Method::POST,
            "/identities",
            json!({"identity": {"display_name": "Erin", "traits": {"username": "erin"}}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(violated_field(&reply.json), Some("identity.traits.type"));
}
