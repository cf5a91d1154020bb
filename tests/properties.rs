//! Whatever a server (or a proxy in front of it) answers, the provider does
//! not panic (import IDs: `src/resources/common.rs`): a panic kills
//! the plugin mid-apply and Terraform loses what it was doing.

use enroll_provider::api::auth::decode_token_answer;
use enroll_provider::api::beyond_identity::authenticator_configs::AuthenticatorConfig;
use enroll_provider::api::beyond_identity::credential_binding_jobs::{
    CreatedJob, CredentialBindingJob,
};
use enroll_provider::api::beyond_identity::identities::{Identity, IdentityPage};
use enroll_provider::api::bindid::ActivationAnswer;
use enroll_provider::api::http::{parse_retry_after, Effect, Request, Response};
use enroll_provider::api::ApiError;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Bodies the real APIs send, to be cut short and mutated.
fn real_bodies() -> Vec<Value> {
    vec![
        json!({"credential_binding_job": {"id": "a1", "identity_id": "i", "state": "LINK_SENT",
            "delivery_method": "EMAIL", "authenticator_config_id": "c", "create_time": "2026-01-01T00:00:00Z",
            "expire_time": "2026-01-08T00:00:00Z"}, "credential_binding_link": "https://x/?token=t"}),
        json!({"id": "a1", "state": "COMPLETE", "credential_id": "cr"}),
        json!({"id": "c", "tenant_id": "t", "realm_id": "r", "display_name": "Web",
            "config": {"type": "hosted_web", "authentication_methods": [{"type": "software_passkey"}],
            "trusted_origins": []}}),
        json!({"status": "success", "activationResult": {"channelsResult": [
            {"channelType": "email", "target": "a@example.com", "status": "success"}]}}),
        json!({"identities": [{"id": "e372db224c06e850", "realm_id": "r", "tenant_id": "t",
            "display_name": "Test", "status": "active", "enrollment_status": "UNENROLLED",
            "traits": {"type": "traits_v0", "username": "test", "primary_email_address": "t@example.com"}}],
            "total_size": 1, "next_page_token": "p2"}),
        json!({"access_token": "tok", "token_type": "Bearer", "expires_in": 3600}),
        json!({"code": "bad_request", "message": "invalid", "details": [
            {"type": "FieldViolations", "field_violations": [{"field": "job.x", "description": "d"}]},
            {"type": "ResourceInfo", "resource_type": "Identity", "id": "i"}]}),
        json!({"error": "invalid_client", "error_description": "client authentication failed"}),
    ]
}

/// Any JSON value, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Keys the decoders look for, and others.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "id",
            "state",
            "code",
            "message",
            "details",
            "type",
            "field_violations",
            "field",
            "description",
            "resource_type",
            "error",
            "error_description",
            "access_token",
            "expires_in",
            "credential_binding_job",
            "credential_binding_link",
            "config",
            "authentication_methods",
            "trusted_origins",
            "invoke_url",
            "status",
            "activationResult",
            "channelsResult",
            "channelType",
            "target",
            "create_time",
        ])
        .prop_map(str::to_owned),
        "[a-z_]{1,12}",
    ]
}

/// Bytes a body might be: random, a random JSON document, or a real body
/// that was truncated or had one byte flipped.
fn any_body() -> impl Strategy<Value = Vec<u8>> {
    let real = real_bodies()
        .into_iter()
        .map(|v| serde_json::to_vec(&v).unwrap())
        .collect::<Vec<_>>();
    let truncated = (
        prop::sample::select(real.clone()),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(b, i)| b[..i.index(b.len() + 1)].to_vec());
    let flipped = (
        prop::sample::select(real),
        any::<prop::sample::Index>(),
        any::<u8>(),
    )
        .prop_map(|(mut b, i, byte)| {
            let at = i.index(b.len());
            b[at] = byte;
            b
        });
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256),
        any_json().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        truncated,
        flipped,
    ]
}

fn request() -> Request {
    Request::new(
        reqwest::Method::POST,
        reqwest::Url::parse("https://api.example.com/v1/x").unwrap(),
        Effect::RetrySafe,
    )
}

/// Decodes `body` as `T` through the client's own path; Ok or a Decode
/// error, never a panic.
fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) {
    let resp = Response {
        status: 200,
        body: body.to_vec(),
    };
    match resp.decode::<T>(&request()) {
        Ok(_) => {}
        Err(e) => {
            assert!(matches!(e, ApiError::Decode { .. }), "{e}");
            assert!(e.ambiguous(), "an unreadable 2xx may have been acted on");
            let _ = e.detail();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn error_bodies_never_panic(status in any::<u16>(), body in any_body(), secs in any::<Option<u64>>()) {
        let e = ApiError::from_response("POST", "/v1/x", status, &body, secs.map(Duration::from_secs));
        prop_assert_eq!(e.status(), Some(status));
        let text = e.detail();
        prop_assert!(text.contains(&format!("HTTP {status}")), "{}", text);
        let _ = e.provably_not_applied();
        let _ = e.ambiguous();
    }

    #[test]
    fn success_bodies_never_panic(body in any_body()) {
        decode::<CreatedJob>(&body);
        decode::<CredentialBindingJob>(&body);
        decode::<AuthenticatorConfig>(&body);
        decode::<ActivationAnswer>(&body);
        decode::<Identity>(&body);
        decode::<IdentityPage>(&body);
    }

    #[test]
    fn token_answers_never_panic_and_never_overflow_the_clock(body in any_body()) {
        if let Ok((token, lifetime)) = decode_token_answer(&body) {
            prop_assert!(!token.is_empty());
            prop_assert!(Instant::now().checked_add(lifetime).is_some());
            prop_assert!(lifetime <= Duration::from_secs(24 * 3600));
        }
    }

    #[test]
    fn any_expires_in_gives_a_usable_lifetime(expires_in in any_json()) {
        let body = serde_json::to_vec(&json!({"access_token": "t", "expires_in": expires_in})).unwrap();
        let (_, lifetime) = decode_token_answer(&body).expect("a token with any expires_in is usable");
        prop_assert!(Instant::now().checked_add(lifetime).is_some());
    }

    #[test]
    fn retry_after_never_panics(value in ".{0,40}") {
        let _ = parse_retry_after(&value);
    }
}

#[test]
fn a_huge_error_message_is_clipped() {
    let body = serde_json::to_vec(&json!({"code": "x", "message": "é".repeat(2_000_000)})).unwrap();
    let e = ApiError::from_response("GET", "/v1/x", 500, &body, None);
    assert!(
        e.detail().chars().count() < 1_000,
        "{} chars",
        e.detail().len()
    );
}

#[test]
fn many_field_violations_are_capped() {
    let many: Vec<Value> = (0..10_000)
        .map(|i| json!({"field": format!("f{i}"), "description": "d"}))
        .collect();
    let body = serde_json::to_vec(&json!({"code": "bad_request", "message": "m",
        "details": [{"type": "FieldViolations", "field_violations": many}]}))
    .unwrap();
    let e = ApiError::from_response("POST", "/v1/x", 400, &body, None);
    assert!(
        e.detail().lines().count() <= 21,
        "{}",
        e.detail().lines().count()
    );
}

#[test]
fn deeply_nested_bodies_are_refused_without_overflowing_the_stack() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let e = ApiError::from_response("GET", "/v1/x", 502, deep.as_bytes(), None);
    assert_eq!(e.to_string(), "GET /v1/x returned HTTP 502: Bad Gateway");
    decode::<CredentialBindingJob>(deep.as_bytes());
    assert!(decode_token_answer(deep.as_bytes()).is_err());
}

#[test]
fn a_huge_body_of_the_wrong_type_is_a_decode_error() {
    let body = serde_json::to_vec(&json!({"id": vec!["x"; 100_000]})).unwrap();
    decode::<CredentialBindingJob>(&body);
    let resp = Response { status: 200, body };
    assert!(resp.decode::<CredentialBindingJob>(&request()).is_err());
}
