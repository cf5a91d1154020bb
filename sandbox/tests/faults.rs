//! Injected faults: status before or after the side effect, dropped
//! connections, latency.

mod common;

use std::time::{Duration, Instant};

use common::{Env, ALICE};
use enroll_sandbox::{Fault, FaultMode};
use reqwest::{Method, StatusCode};
use serde_json::json;

fn on_jobs(mode: FaultMode) -> Fault {
    Fault {
        method: Some("POST".into()),
        path_contains: Some("credential-binding-jobs".into()),
        status: Some(503),
        mode,
        ..Fault::default()
    }
}

async fn post_job(env: &Env, config: &str) -> Result<reqwest::Response, reqwest::Error> {
    env.bi(
        Method::POST,
        &format!("/identities/{ALICE}/credential-binding-jobs"),
    )
    .json(&json!({"job": {"delivery_method": "EMAIL", "authenticator_config_id": config}}))
    .send()
    .await
}

#[tokio::test]
async fn before_answers_the_status_and_does_nothing() {
    let env = Env::new();
    let config = env.create_config().await;
    env.sandbox.add_fault(Fault {
        retry_after: Some("2".into()),
        ..on_jobs(FaultMode::Before)
    });
    let reply = env
        .send(
            env.bi(
                Method::POST,
                &format!("/identities/{ALICE}/credential-binding-jobs"),
            )
            .json(&json!({"job": {"delivery_method": "EMAIL", "authenticator_config_id": config}})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.headers["retry-after"], "2");
    assert_eq!(reply.json["code"], "service_unavailable");
    assert!(env.sandbox.outbox().is_empty());
}

#[tokio::test]
async fn a_fault_applies_only_to_the_next_count_requests() {
    let env = Env::new();
    let config = env.create_config().await;
    env.sandbox.add_fault(on_jobs(FaultMode::Before));
    assert_eq!(post_job(&env, &config).await.unwrap().status(), 503);
    assert_eq!(post_job(&env, &config).await.unwrap().status(), 200);
}

#[tokio::test]
async fn after_does_the_work_then_answers_the_status() {
    let env = Env::new();
    let config = env.create_config().await;
    env.sandbox.add_fault(Fault {
        status: Some(500),
        ..on_jobs(FaultMode::After)
    });
    let response = post_job(&env, &config).await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let outbox = env.sandbox.outbox();
    assert_eq!(
        outbox.len(),
        1,
        "the email went out although the client saw 500"
    );
    let job_id = outbox[0].job_id.as_deref().unwrap();
    assert!(env.sandbox.job(job_id).is_some());
}

#[tokio::test]
async fn drop_before_breaks_the_connection_and_does_nothing() {
    let env = Env::new();
    let config = env.create_config().await;
    env.sandbox.add_fault(on_jobs(FaultMode::DropBefore));
    let err = post_job(&env, &config).await.unwrap_err();
    assert!(!err.is_timeout(), "{err:?}");
    assert!(env.sandbox.outbox().is_empty());
    let logged = env.sandbox.requests();
    assert_eq!(logged.last().unwrap().status, None);
}

#[tokio::test]
async fn drop_after_breaks_the_connection_after_the_work() {
    let env = Env::new();
    let config = env.create_config().await;
    env.sandbox.add_fault(on_jobs(FaultMode::DropAfter));
    assert!(post_job(&env, &config).await.is_err());
    assert_eq!(env.sandbox.outbox().len(), 1);
}

#[tokio::test]
async fn the_next_request_after_a_dropped_connection_is_served() {
    let env = Env::new();
    let config = env.create_config().await;
    env.sandbox.add_fault(on_jobs(FaultMode::DropBefore));
    assert!(post_job(&env, &config).await.is_err());
    assert_eq!(post_job(&env, &config).await.unwrap().status(), 200);
}

#[tokio::test]
async fn latency_delays_the_answer() {
    let env = Env::new();
    env.sandbox.add_fault(Fault {
        path_contains: Some("/identities/".into()),
        latency_ms: 300,
        ..Fault::default()
    });
    let started = Instant::now();
    let reply = env
        .send(env.bi(Method::GET, &format!("/identities/{ALICE}")))
        .await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "a latency-only rule passes the answer through"
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn a_client_timeout_during_after_latency_still_creates_the_job() {
    let env = Env::new();
    let config = env.create_config().await;
    env.sandbox.add_fault(Fault {
        status: None,
        latency_ms: 2_000,
        ..on_jobs(FaultMode::After)
    });
    let result = env
        .bi(
            Method::POST,
            &format!("/identities/{ALICE}/credential-binding-jobs"),
        )
        .timeout(Duration::from_millis(300))
        .json(&json!({"job": {"delivery_method": "EMAIL", "authenticator_config_id": config}}))
        .send()
        .await;
    assert!(result.unwrap_err().is_timeout());
    assert_eq!(env.sandbox.outbox().len(), 1);
}

#[tokio::test]
async fn faults_are_set_and_cleared_over_http() {
    let env = Env::new();
    let rule = json!({
        "method": "GET", "path_contains": "/identities", "status": 502,
        "count": 0, "mode": "before",
    });
    let set = env
        .http
        .post(env.url("/_sandbox/faults"))
        .json(&rule)
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), StatusCode::OK);
    for _ in 0..2 {
        let reply = env.send(env.bi(Method::GET, "/identities")).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_GATEWAY,
            "count 0 applies until cleared"
        );
    }
    env.http
        .delete(env.url("/_sandbox/faults"))
        .send()
        .await
        .unwrap();
    let reply = env.send(env.bi(Method::GET, "/identities")).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn an_unknown_fault_field_is_refused() {
    let env = Env::new();
    let reply = env
        .send(
            env.http
                .post(env.url("/_sandbox/faults"))
                .json(&json!({"statsu": 500})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}
