//! What the sandbox answers by itself (the rate limit, an injected fault, a
//! path no API has) is in the error format of the vendor the request is
//! for: Beyond Identity's `{code, message}`, BindID's empty body.

mod common;

use common::Env;
use enroll_sandbox::Fault;
use reqwest::{Method, StatusCode};

/// Sends `request()` until the rate limit of one a second refuses it.
async fn first_refused(env: &Env, request: impl Fn() -> reqwest::RequestBuilder) -> common::Reply {
    env.sandbox.set_rate_limit(1);
    for _ in 0..5 {
        let reply = env.send(request()).await;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            return reply;
        }
    }
    panic!("the rate limit never answered 429");
}

fn fault_on(path: &str) -> Fault {
    Fault {
        path_contains: Some(path.into()),
        status: Some(503),
        retry_after: Some("2".into()),
        ..Fault::default()
    }
}

#[tokio::test]
async fn a_rate_limited_beyond_identity_call_gets_beyond_identity_s_error() {
    let env = Env::new();
    let reply = first_refused(&env, || env.bi(Method::GET, "/identities")).await;
    assert_eq!(reply.json["code"], "too_many_requests");
    assert_eq!(reply.json["message"], "too many requests");
    assert!(reply.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn a_rate_limited_bindid_call_gets_bindid_s_empty_body() {
    let env = Env::new();
    let token = env.bindid_token().await;
    let body = env.activation("alice@example.com");
    let reply = first_refused(&env, || {
        env.http
            .post(env.url("/api/v1/mgmt/send-activation"))
            .bearer_auth(&token)
            .json(&body)
    })
    .await;
    assert_eq!(reply.json, serde_json::Value::Null, "no body");
    assert!(!reply.headers.contains_key("content-type"));
    assert!(reply.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn an_injected_beyond_identity_fault_carries_beyond_identity_s_error() {
    let env = Env::new();
    env.sandbox.add_fault(fault_on("/identities"));
    let reply = env.send(env.bi(Method::GET, "/identities")).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.json["code"], "service_unavailable");
    assert_eq!(reply.json["message"], "service unavailable");
    assert_eq!(reply.headers["retry-after"], "2");
}

#[tokio::test]
async fn an_injected_bindid_fault_has_bindid_s_empty_body() {
    let env = Env::new();
    let token = env.bindid_token().await;
    env.sandbox.add_fault(fault_on("send-activation"));
    let reply = env
        .send_activation(&token, &env.activation("alice@example.com"))
        .await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.json, serde_json::Value::Null, "no body");
    assert_eq!(reply.headers["retry-after"], "2");
}

/// Beyond Identity's counterpart is `an_unknown_api_path_gets_a_json_404`.
#[tokio::test]
async fn an_unknown_bindid_path_gets_bindid_s_empty_404() {
    let env = Env::new();
    let reply = env
        .send(env.http.get(env.url("/api/v1/mgmt/no-such-call")))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.json, serde_json::Value::Null, "no body");
}
