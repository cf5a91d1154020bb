//! Transmit BindID: `/token` and send-activation, strict to the field table.

mod common;

use std::time::Duration;

use common::Env;
use enroll_sandbox::{OutboxKind, Vendor};
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn the_token_endpoint_issues_a_30_day_bearer_token() {
    let env = Env::new();
    let seed = env.sandbox.seed();
    let reply = env
        .send(env.http.post(env.url("/token")).form(&[
            ("grant_type", "client_credentials"),
            ("client_id", seed.bindid_credentials_id.as_str()),
            ("client_secret", seed.bindid_credentials_secret.as_str()),
        ]))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json["token_type"], "Bearer");
    assert_eq!(reply.json["expires_in"], 2_592_000);
}

#[tokio::test]
async fn wrong_credentials_get_no_token() {
    let env = Env::new();
    let seed = env.sandbox.seed();
    let reply = env
        .send(env.http.post(env.url("/token")).form(&[
            ("grant_type", "client_credentials"),
            ("client_id", seed.bindid_credentials_id.as_str()),
            ("client_secret", "wrong"),
        ]))
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_activation_is_sent_and_lands_in_the_outbox_for_30_minutes() {
    let env = Env::new();
    let token = env.bindid_token().await;
    let reply = env
        .send_activation(&token, &env.activation("erin@example.com"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    assert_eq!(
        reply.json,
        json!({"status": "success", "activationResult": {"channelsResult": [
            {"channelType": "email", "target": "erin@example.com", "status": "success"}
        ]}})
    );
    let outbox = env.sandbox.outbox();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].vendor, Vendor::Bindid);
    assert_eq!(outbox[0].kind, OutboxKind::BindidActivation);
    assert_eq!(outbox[0].recipient, "erin@example.com");
    let sent = humantime::parse_rfc3339(&outbox[0].sent_at).unwrap();
    let expires = humantime::parse_rfc3339(&outbox[0].expire_time).unwrap();
    assert_eq!(
        expires.duration_since(sent).unwrap(),
        Duration::from_secs(1800)
    );
}

#[tokio::test]
async fn the_full_seed_example_is_accepted() {
    let env = Env::new();
    let token = env.bindid_token().await;
    let mut body = env.activation("someone@email.com");
    body["verifications"] = json!(["ts.bindid.iac.email", "ts.bindid.iac.phone_number"]);
    body["scopes"] = json!(["email", "phone"]);
    body["confirmedUser"] = json!(true);
    body["customMessage"] = json!("Nearly done...");
    body["secondaryCompletionMessage"] = json!("Go back to your desktop.");
    body["completionMessage"] = json!({
        "text": "Welcome to ACME",
        "link": {"redirectUri": "https://www.acme.com", "label": "Go to our portal"},
    });
    let reply = env.send_activation(&token, &body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
}

#[tokio::test]
async fn a_token_for_other_credentials_is_401_without_a_body() {
    let env = Env::new();
    let token = env.bindid_token().await;
    let mut body = env.activation("erin@example.com");
    body["credentialsId"] = json!("99999999.management_api_app.tid_other.bindid.io");
    let reply = env.send_activation(&token, &body).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json, Value::Null);
    assert!(env.sandbox.outbox().is_empty());
}

#[tokio::test]
async fn an_unknown_token_is_401() {
    let env = Env::new();
    let reply = env
        .send_activation("nope", &env.activation("erin@example.com"))
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_token_expires_after_30_days() {
    let env = Env::new();
    let token = env.bindid_token().await;
    env.sandbox
        .advance_clock(Duration::from_secs(30 * 24 * 3600 + 1));
    let reply = env
        .send_activation(&token, &env.activation("erin@example.com"))
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

/// Sends `edit(valid body)` and expects a 400 that sends nothing.
async fn assert_rejected(edit: impl FnOnce(&mut Value)) {
    let env = Env::new();
    let token = env.bindid_token().await;
    let mut body = env.activation("erin@example.com");
    edit(&mut body);
    let reply = env.send_activation(&token, &body).await;
    assert_eq!(
        reply.status,
        StatusCode::BAD_REQUEST,
        "{body}: {}",
        reply.json
    );
    assert!(env.sandbox.outbox().is_empty());
}

#[tokio::test]
async fn a_snake_case_field_is_rejected() {
    assert_rejected(|b| {
        let email = b["userEmail"].take();
        b.as_object_mut().unwrap().remove("userEmail");
        b["user_email"] = email;
    })
    .await;
}

#[tokio::test]
async fn an_unknown_field_is_rejected() {
    assert_rejected(|b| b["linkValidity"] = json!("30m")).await;
}

#[tokio::test]
async fn missing_scopes_are_rejected() {
    assert_rejected(|b| {
        b.as_object_mut().unwrap().remove("scopes");
    })
    .await;
}

#[tokio::test]
async fn an_unknown_verification_is_rejected() {
    assert_rejected(|b| b["verifications"] = json!(["ts.bindid.iac.sms"])).await;
}

#[tokio::test]
async fn an_unknown_scope_is_rejected() {
    assert_rejected(|b| b["scopes"] = json!(["openid"])).await;
}

#[tokio::test]
async fn alias_is_required_when_confirmed_user_is_absent() {
    assert_rejected(|b| {
        b.as_object_mut().unwrap().remove("alias");
    })
    .await;
}

#[tokio::test]
async fn alias_may_be_left_out_for_an_unconfirmed_user() {
    let env = Env::new();
    let token = env.bindid_token().await;
    let mut body = env.activation("erin@example.com");
    body.as_object_mut().unwrap().remove("alias");
    body["confirmedUser"] = json!(false);
    let reply = env.send_activation(&token, &body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
}

#[tokio::test]
async fn an_alias_of_type_alias_needs_a_value() {
    assert_rejected(|b| b["alias"] = json!({"type": "alias"})).await;
}

#[tokio::test]
async fn a_value_is_refused_for_an_email_alias() {
    assert_rejected(|b| b["alias"] = json!({"type": "email", "value": "x"})).await;
}

#[tokio::test]
async fn a_completion_link_needs_its_label() {
    assert_rejected(|b| {
        b["completionMessage"] =
            json!({"text": "Welcome", "link": {"redirectUri": "https://www.acme.com"}})
    })
    .await;
}

#[tokio::test]
async fn a_completion_message_needs_its_text() {
    assert_rejected(|b| b["completionMessage"] = json!({})).await;
}

#[tokio::test]
async fn an_unknown_client_id_is_rejected() {
    assert_rejected(|b| b["clientId"] = json!("00000000.other.tid_sandbox.bindid.io")).await;
}

#[tokio::test]
async fn a_failing_target_reports_a_failed_channel_and_sends_nothing() {
    let env = Env::new();
    env.sandbox.fail_bindid_target("bounce@example.com");
    let token = env.bindid_token().await;
    let reply = env
        .send_activation(&token, &env.activation("bounce@example.com"))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json["status"], "success");
    assert_eq!(
        reply.json["activationResult"]["channelsResult"][0]["status"],
        "failed"
    );
    assert!(env.sandbox.outbox().is_empty());
}
