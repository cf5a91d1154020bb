//! The rate limit, the request log, the clock, reset, and the outbox page.

mod common;

use std::time::{Duration, Instant};

use common::{Env, ALICE};
use enroll_sandbox::{RequestRecord, Vendor};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn beyond_the_rate_limit_requests_get_429_with_retry_after() {
    let env = Env::new();
    env.sandbox.set_rate_limit(3);
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..5 {
        let reply = env.send(env.bi(Method::GET, "/identities")).await;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            retry_after = reply.headers.get("retry-after").cloned();
            assert_eq!(reply.json["code"], "too_many_requests");
        }
        statuses.push(reply.status.as_u16());
    }
    assert_eq!(&statuses[..3], &[200, 200, 200]);
    assert!(statuses[3..].contains(&429), "{statuses:?}");
    let seconds: u64 = retry_after.unwrap().to_str().unwrap().parse().unwrap();
    assert!(seconds >= 1);
}

#[tokio::test]
async fn the_rate_limit_is_set_and_lifted_over_http() {
    let env = Env::new();
    let set = |n: u32| {
        env.http
            .post(env.url("/_sandbox/rate-limit"))
            .json(&json!({ "per_second": n }))
            .send()
    };
    set(1).await.unwrap();
    env.send(env.bi(Method::GET, "/identities")).await;
    let limited = env.send(env.bi(Method::GET, "/identities")).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    set(0).await.unwrap();
    let lifted = env.send(env.bi(Method::GET, "/identities")).await;
    assert_eq!(lifted.status, StatusCode::OK);
}

#[tokio::test]
async fn the_request_log_records_vendor_calls_without_queries() {
    let env = Env::new();
    env.send(env.bi(Method::GET, "/identities?page_size=1"))
        .await;
    env.send(env.http.get(env.url("/_sandbox/outbox"))).await;
    env.send(env.http.get(env.url("/"))).await;
    env.send(
        env.http
            .post(env.url("/token"))
            .form(&[("grant_type", "x")]),
    )
    .await;
    let seed = env.sandbox.seed();
    assert_eq!(
        env.sandbox.requests(),
        vec![
            RequestRecord {
                method: "GET".into(),
                path: format!(
                    "/v1/tenants/{}/realms/{}/identities",
                    seed.tenant_id, seed.realm_id
                ),
                status: Some(200),
                vendor: Vendor::BeyondIdentity,
            },
            RequestRecord {
                method: "POST".into(),
                path: "/token".into(),
                status: Some(400),
                vendor: Vendor::Bindid,
            },
        ]
    );
}

#[tokio::test]
async fn the_request_log_is_readable_and_clearable_over_http() {
    let env = Env::new();
    env.send(env.bi(Method::GET, "/identities")).await;
    let log: Value = env
        .http
        .get(env.url("/_sandbox/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log[0]["vendor"], "beyond_identity");
    assert_eq!(log[0]["status"], 200);
    env.sandbox.clear_requests();
    assert!(env.sandbox.requests().is_empty());
}

#[tokio::test]
async fn the_clock_moves_forward_over_http() {
    let env = Env::new();
    let reply = env
        .send(
            env.http
                .post(env.url("/_sandbox/clock/advance"))
                .json(&json!({"seconds": 86400})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json["offset_seconds"], 86400.0);
    let now = humantime::parse_rfc3339(reply.json["now"].as_str().unwrap()).unwrap();
    let ahead = now.duration_since(std::time::SystemTime::now()).unwrap();
    assert!(ahead > Duration::from_secs(86300));
}

#[tokio::test]
async fn a_job_is_completed_over_http() {
    let env = Env::new();
    let job = env.email_job().await;
    let id = job["id"].as_str().unwrap();
    let reply = env
        .send(
            env.http
                .post(env.url(&format!("/_sandbox/jobs/{id}/complete"))),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json["state"], "COMPLETE");
    let missing = env
        .send(
            env.http
                .post(env.url("/_sandbox/jobs/0000000000000000/complete")),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn reset_returns_to_the_seed() {
    let env = Env::new();
    env.email_job().await;
    env.sandbox.set_rate_limit(1);
    env.sandbox.advance_clock(Duration::from_secs(3600));
    let reply = env.send(env.http.post(env.url("/_sandbox/reset"))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(env.sandbox.outbox().is_empty());
    assert!(env.sandbox.requests().is_empty());
    let configs = env
        .send(env.bi(Method::GET, "/authenticator-configs"))
        .await;
    assert_eq!(configs.json["total_size"], 0);
    let identities = env.send(env.bi(Method::GET, "/identities")).await;
    assert_eq!(identities.status, StatusCode::OK, "rate limit lifted");
    assert_eq!(identities.json["total_size"], 4);
}

#[tokio::test]
async fn the_outbox_is_served_as_json_oldest_first() {
    let env = Env::new();
    let config = env.create_config().await;
    env.create_job(ALICE, "EMAIL", &config).await;
    env.create_job(common::BOB, "EMAIL", &config).await;
    let outbox: Value = env
        .http
        .get(env.url("/_sandbox/outbox"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(outbox[0]["recipient"], "alice@example.com");
    assert_eq!(outbox[1]["recipient"], "bob@example.com");
    assert_eq!(outbox[0]["kind"], "credential_binding_job");
    assert_eq!(outbox[0]["vendor"], "beyond_identity");
}

#[tokio::test]
async fn the_outbox_page_lists_a_sent_recipient_with_its_link() {
    let env = Env::new();
    let job = env.email_job().await;
    let response = env.http.get(env.url("/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = response.text().await.unwrap();
    assert!(html.contains("alice@example.com"));
    assert!(html.contains(r#"<meta http-equiv="refresh" content="5">"#));
    let link = &env.sandbox.outbox()[0].link;
    assert!(html.contains(&format!(r#"<a href="{link}">"#)), "{html}");
    assert!(html.contains(job["id"].as_str().unwrap()));
}

#[tokio::test]
async fn the_outbox_page_escapes_what_it_shows() {
    let env = Env::new();
    let token = env.bindid_token().await;
    let reply = env
        .send_activation(&token, &env.activation("<b>x</b>@example.com"))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    let html = env
        .http
        .get(env.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("<b>x</b>"));
    assert!(html.contains("&lt;b&gt;x&lt;/b&gt;@example.com"));
}

#[tokio::test]
async fn the_empty_outbox_page_says_nothing_was_sent() {
    let env = Env::new();
    let html = env
        .http
        .get(env.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Nothing has been sent yet"));
}

#[tokio::test]
async fn env_points_the_provider_at_the_sandbox() {
    let env = Env::new();
    let vars: std::collections::HashMap<_, _> = env.sandbox.env().into_iter().collect();
    let url = env.sandbox.url();
    for key in [
        "BEYOND_IDENTITY_API_URL",
        "BEYOND_IDENTITY_AUTH_URL",
        "BINDID_ADMIN_URL",
        "BINDID_SIGNIN_URL",
    ] {
        assert_eq!(vars[key], url, "{key}");
    }
    assert_eq!(vars["BEYOND_IDENTITY_TENANT_ID"], "000176d94fd7b4d1");
    assert_eq!(vars["BEYOND_IDENTITY_REALM_ID"], "8b1ac7f1e5b7d6c3");
    assert_eq!(vars.len(), 11);
}

#[tokio::test]
async fn global_latency_slows_every_vendor_call() {
    let env = Env::new();
    let set = env
        .http
        .post(env.url("/_sandbox/latency"))
        .json(&json!({"ms": 200}))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), StatusCode::OK);
    let started = Instant::now();
    env.send(env.bi(Method::GET, "/identities")).await;
    assert!(started.elapsed() >= Duration::from_millis(200));
    env.sandbox.set_latency(0);
}

#[tokio::test]
async fn a_failing_bindid_target_is_set_over_http() {
    let env = Env::new();
    env.http
        .post(env.url("/_sandbox/bindid/failing-targets"))
        .json(&json!({"target": "Bounce@Example.com"}))
        .send()
        .await
        .unwrap();
    let token = env.bindid_token().await;
    let reply = env
        .send_activation(&token, &env.activation("bounce@example.com"))
        .await;
    assert_eq!(
        reply.json["activationResult"]["channelsResult"][0]["status"],
        "failed"
    );
}
