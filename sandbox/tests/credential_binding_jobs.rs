//! Credential binding jobs: the call that sends enrollment links.

mod common;

use std::time::Duration;

use common::{is_hex16, violated_field, Env, ALICE, BOB, DAVE_NO_EMAIL};
use enroll_sandbox::{OutboxKind, Vendor};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const DAY: Duration = Duration::from_secs(24 * 3600);

fn job_path(job: &Value) -> String {
    format!(
        "/identities/{}/credential-binding-jobs/{}",
        job["identity_id"].as_str().unwrap(),
        job["id"].as_str().unwrap()
    )
}

#[tokio::test]
async fn an_email_job_is_link_sent_and_lands_in_the_outbox() {
    let env = Env::new();
    let config = env.create_config().await;
    let reply = env.create_job(ALICE, "EMAIL", &config).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    assert!(reply.json.get("credential_binding_link").is_none());
    let job = &reply.json["credential_binding_job"];
    assert!(is_hex16(job["id"].as_str().unwrap()));
    assert_eq!(job["state"], "LINK_SENT");
    assert_eq!(job["delivery_method"], "EMAIL");
    assert_eq!(job["identity_id"], ALICE);
    assert_eq!(job["authenticator_config_id"], config.as_str());

    let outbox = env.sandbox.outbox();
    assert_eq!(outbox.len(), 1);
    let message = &outbox[0];
    assert_eq!(message.recipient, "alice@example.com");
    assert_eq!(message.vendor, Vendor::BeyondIdentity);
    assert_eq!(message.kind, OutboxKind::CredentialBindingJob);
    assert_eq!(message.job_id.as_deref(), job["id"].as_str());
    assert_eq!(message.identity_id.as_deref(), Some(ALICE));
    assert_eq!(message.expire_time, job["expire_time"].as_str().unwrap());
}

#[tokio::test]
async fn a_job_expires_seven_days_after_it_is_created() {
    let env = Env::new();
    let job = env.email_job().await;
    let created = humantime::parse_rfc3339(job["create_time"].as_str().unwrap()).unwrap();
    let expires = humantime::parse_rfc3339(job["expire_time"].as_str().unwrap()).unwrap();
    assert_eq!(expires.duration_since(created).unwrap(), 7 * DAY);
}

#[tokio::test]
async fn a_return_job_answers_the_link_and_sends_nothing() {
    let env = Env::new();
    let config = env.create_config().await;
    let reply = env.create_job(BOB, "RETURN", &config).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    let link = reply.json["credential_binding_link"].as_str().unwrap();
    assert!(link.starts_with(&env.sandbox.url()), "{link}");
    assert!(link.contains(":invokeAuthenticator?token="), "{link}");
    assert_eq!(reply.json["credential_binding_job"]["state"], "LINK_SENT");
    assert!(env.sandbox.outbox().is_empty());
}

#[tokio::test]
async fn the_returned_link_opens_a_page() {
    let env = Env::new();
    let config = env.create_config().await;
    let reply = env.create_job(BOB, "RETURN", &config).await;
    let link = reply.json["credential_binding_link"].as_str().unwrap();
    let page = env.http.get(link).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("bob@example.com"));
}

#[tokio::test]
async fn an_email_job_for_an_identity_without_email_is_422() {
    let env = Env::new();
    let config = env.create_config().await;
    let reply = env.create_job(DAVE_NO_EMAIL, "EMAIL", &config).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json["code"], "unprocessable_entity");
    assert_eq!(reply.json["message"], "Identity missing email address");
    assert_eq!(reply.json["details"][0]["id"], DAVE_NO_EMAIL);
    assert!(env.sandbox.outbox().is_empty());
}

#[tokio::test]
async fn a_job_for_an_unknown_identity_is_404() {
    let env = Env::new();
    let config = env.create_config().await;
    let reply = env.create_job("0123456789abcdef", "EMAIL", &config).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.json["details"][0]["resource_type"], "Identity");
}

#[tokio::test]
async fn a_job_with_an_unknown_config_is_404_naming_the_config() {
    let env = Env::new();
    let reply = env
        .create_job(ALICE, "EMAIL", "00000000-0000-4000-8000-000000000000")
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(
        reply.json["details"][0]["resource_type"],
        "AuthenticatorConfig"
    );
    assert!(env.sandbox.outbox().is_empty());
}

#[tokio::test]
async fn a_missing_delivery_method_is_a_field_violation() {
    let env = Env::new();
    let config = env.create_config().await;
    let reply = env
        .bi_json(
            Method::POST,
            &format!("/identities/{ALICE}/credential-binding-jobs"),
            json!({"job": {"authenticator_config_id": config}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json["message"], "invalid parameters");
    assert_eq!(violated_field(&reply.json), Some("job.delivery_method"));
}

#[tokio::test]
async fn an_unknown_delivery_method_is_a_field_violation() {
    let env = Env::new();
    let config = env.create_config().await;
    let reply = env.create_job(ALICE, "SMS", &config).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(violated_field(&reply.json), Some("job.delivery_method"));
}

#[tokio::test]
async fn an_empty_config_id_is_the_spec_field_violation() {
    let env = Env::new();
    let reply = env.create_job(ALICE, "EMAIL", "").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.json["details"][0]["field_violations"][0],
        json!({"field": "job.authenticator_config_id", "description": "empty string"})
    );
}

#[tokio::test]
async fn get_returns_the_bare_job() {
    let env = Env::new();
    let job = env.email_job().await;
    let reply = env.send(env.bi(Method::GET, &job_path(&job))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json, job);
    assert_eq!(env.sandbox.job(job["id"].as_str().unwrap()), Some(job));
}

#[tokio::test]
async fn a_job_reads_as_expired_after_eight_days() {
    let env = Env::new();
    let job = env.email_job().await;
    env.sandbox.advance_clock(8 * DAY);
    let reply = env.send(env.bi(Method::GET, &job_path(&job))).await;
    assert_eq!(reply.json["state"], "EXPIRED");
}

#[tokio::test]
async fn revoke_returns_the_bare_job_revoked() {
    let env = Env::new();
    let job = env.email_job().await;
    let reply = env
        .bi_json(
            Method::POST,
            &format!("{}:revoke", job_path(&job)),
            json!({}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    assert_eq!(reply.json["state"], "REVOKED");
    assert_eq!(reply.json["id"], job["id"]);
}

#[tokio::test]
async fn revoke_accepts_an_empty_body() {
    let env = Env::new();
    let job = env.email_job().await;
    let reply = env
        .send(env.bi(Method::POST, &format!("{}:revoke", job_path(&job))))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
}

#[tokio::test]
async fn revoking_a_revoked_job_is_409() {
    let env = Env::new();
    let job = env.email_job().await;
    let path = format!("{}:revoke", job_path(&job));
    env.bi_json(Method::POST, &path, json!({})).await;
    let reply = env.bi_json(Method::POST, &path, json!({})).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.json["code"], "conflict");
    assert_eq!(
        reply.json["details"][0]["resource_type"],
        "CredentialBindingJob"
    );
}

#[tokio::test]
async fn revoking_a_complete_job_is_409() {
    let env = Env::new();
    let job = env.email_job().await;
    assert!(env.sandbox.complete_job(job["id"].as_str().unwrap()));
    let reply = env
        .bi_json(
            Method::POST,
            &format!("{}:revoke", job_path(&job)),
            json!({}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn revoking_an_expired_job_is_409() {
    let env = Env::new();
    let job = env.email_job().await;
    env.sandbox.advance_clock(8 * DAY);
    let reply = env
        .bi_json(
            Method::POST,
            &format!("{}:revoke", job_path(&job)),
            json!({}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_completed_job_has_a_credential_and_enrolls_the_identity() {
    let env = Env::new();
    let job = env.email_job().await;
    assert!(env.sandbox.complete_job(job["id"].as_str().unwrap()));
    let reply = env.send(env.bi(Method::GET, &job_path(&job))).await;
    assert_eq!(reply.json["state"], "COMPLETE");
    assert!(is_hex16(reply.json["credential_id"].as_str().unwrap()));
    let identity = env
        .send(env.bi(Method::GET, &format!("/identities/{ALICE}")))
        .await;
    assert_eq!(identity.json["enrollment_status"], "ENROLLED");
}

#[tokio::test]
async fn a_completed_job_never_expires() {
    let env = Env::new();
    let job = env.email_job().await;
    env.sandbox.complete_job(job["id"].as_str().unwrap());
    env.sandbox.advance_clock(30 * DAY);
    assert_eq!(
        env.sandbox.job(job["id"].as_str().unwrap()).unwrap()["state"],
        "COMPLETE"
    );
}

#[tokio::test]
async fn list_with_dash_covers_every_identity() {
    let env = Env::new();
    let config = env.create_config().await;
    env.create_job(ALICE, "EMAIL", &config).await;
    env.create_job(BOB, "RETURN", &config).await;
    let all = env
        .send(env.bi(Method::GET, "/identities/-/credential-binding-jobs"))
        .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.json);
    assert_eq!(all.json["total_size"], 2);
    let alices = env
        .send(env.bi(
            Method::GET,
            &format!("/identities/{ALICE}/credential-binding-jobs"),
        ))
        .await;
    assert_eq!(alices.json["total_size"], 1);
    assert_eq!(
        alices.json["credential_binding_jobs"][0]["identity_id"],
        ALICE
    );
}

#[tokio::test]
async fn job_lists_are_paginated() {
    let env = Env::new();
    let config = env.create_config().await;
    for _ in 0..3 {
        env.create_job(ALICE, "RETURN", &config).await;
    }
    let first = env
        .send(env.bi(
            Method::GET,
            "/identities/-/credential-binding-jobs?page_size=2",
        ))
        .await;
    assert_eq!(
        first.json["credential_binding_jobs"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let token = first.json["next_page_token"].as_str().unwrap();
    let second = env
        .send(
            env.bi(Method::GET, "/identities/-/credential-binding-jobs")
                .query(&[("page_token", token)]),
        )
        .await;
    assert_eq!(
        second.json["credential_binding_jobs"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_job_under_another_identity_is_404() {
    let env = Env::new();
    let job = env.email_job().await;
    let path = format!(
        "/identities/{BOB}/credential-binding-jobs/{}",
        job["id"].as_str().unwrap()
    );
    let reply = env.send(env.bi(Method::GET, &path)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(
        reply.json["details"][0]["resource_type"],
        "CredentialBindingJob"
    );
}

#[tokio::test]
async fn an_identity_with_a_pending_job_is_pending() {
    let env = Env::new();
    env.email_job().await;
    let identity = env
        .send(env.bi(Method::GET, &format!("/identities/{ALICE}")))
        .await;
    assert_eq!(identity.json["enrollment_status"], "PENDING");
}

#[tokio::test]
async fn an_inline_embedded_config_is_accepted() {
    let env = Env::new();
    let reply = env
        .bi_json(
            Method::POST,
            &format!("/identities/{ALICE}/credential-binding-jobs"),
            json!({"job": {"delivery_method": "RETURN", "authenticator_config": {"config": {
                "type": "embedded",
                "invoke_url": "http://localhost:8092",
                "trusted_origins": [],
            }}}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    let job = &reply.json["credential_binding_job"];
    assert_eq!(job["authenticator_config"]["config"]["type"], "embedded");
    assert!(job.get("authenticator_config_id").is_none());
}

#[tokio::test]
async fn an_inline_hosted_web_config_is_rejected() {
    let env = Env::new();
    let reply = env
        .bi_json(
            Method::POST,
            &format!("/identities/{ALICE}/credential-binding-jobs"),
            json!({"job": {"delivery_method": "RETURN", "authenticator_config": {"config": {
                "type": "hosted_web",
                "authentication_methods": [],
                "trusted_origins": [],
            }}}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        violated_field(&reply.json),
        Some("job.authenticator_config.config.type")
    );
}
