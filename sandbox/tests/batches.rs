//! Batch credential binding jobs: asynchronous at the configured rate, the
//! realm's queue limit, per-identity errors, paginated results, faults and
//! the clock; and seeding identities by the thousand.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant, SystemTime};

use common::{is_hex16, violated_field, Env, ALICE, BOB, DAVE_NO_EMAIL};
use enroll_sandbox::{Fault, FaultMode};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const BATCHES: &str = "/batch-credential-binding-jobs";
const UNKNOWN_IDENTITY: &str = "0123456789abcdef";
const DAY: Duration = Duration::from_secs(24 * 3600);

/// Long enough for a loaded two-core machine; the tests that wait pick
/// rates that finish in a few seconds.
const PATIENCE: Duration = Duration::from_secs(60);

fn batch_body(ids: &[String], config: &str) -> Value {
    json!({"batch_credential_binding_job": {
        "identity_ids": ids,
        "job_template": {
            "authenticator_config_id": config,
            "post_binding_redirect_uri": "http://example.com/callback",
        },
    }})
}

fn strings(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| (*s).to_owned()).collect()
}

async fn create_batch(env: &Env, ids: &[String], config: &str) -> common::Reply {
    env.bi_json(Method::POST, BATCHES, batch_body(ids, config))
        .await
}

/// Creates the batch, which must be accepted; its id.
async fn accepted_batch(env: &Env, ids: &[String], config: &str) -> String {
    let reply = create_batch(env, ids, config).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    reply.json["id"].as_str().expect("batch id").to_owned()
}

/// Waits, without a request in flight, for the batch to leave `RUNNING`.
async fn finished(env: &Env, id: &str) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let batch = env.sandbox.batch(id).expect("the batch exists");
        if batch["state"] != "RUNNING" {
            return batch;
        }
        assert!(Instant::now() < deadline, "still running: {batch}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn results(env: &Env, id: &str, query: &str) -> common::Reply {
    env.send(env.bi(Method::GET, &format!("{BATCHES}/{id}:listResults{query}")))
        .await
}

fn time(value: &Value) -> SystemTime {
    humantime::parse_rfc3339(value.as_str().expect("a time")).expect("RFC 3339")
}

#[tokio::test]
async fn a_new_batch_is_answered_running_with_its_template() {
    let env = Env::new();
    env.sandbox.set_batch_rate(1);
    let config = env.create_config().await;
    let reply = create_batch(&env, &strings(&[ALICE, BOB]), &config).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    let batch = &reply.json;
    let seed = env.sandbox.seed();
    assert!(is_hex16(batch["id"].as_str().unwrap()), "{batch}");
    assert_eq!(batch["tenant_id"], seed.tenant_id.as_str());
    assert_eq!(batch["realm_id"], seed.realm_id.as_str());
    assert_eq!(batch["identity_ids"], json!([ALICE, BOB]));
    assert_eq!(batch["state"], "RUNNING");
    assert_eq!(batch["state_commentary"], json!({}));
    let template = &batch["job_template"];
    assert_eq!(template["authenticator_config_id"], config.as_str());
    assert_eq!(
        template["post_binding_redirect_uri"],
        "http://example.com/callback"
    );
    let created = time(&batch["create_time"]);
    assert_eq!(time(&template["expire_time"]), created + 7 * DAY);
    assert_eq!(batch["update_time"], batch["create_time"]);
    assert!(
        batch["create_time"].as_str().unwrap().ends_with('Z')
            && batch["create_time"].as_str().unwrap().len() == 27,
        "microseconds in UTC: {batch}"
    );
}

#[tokio::test]
async fn jobs_are_made_at_the_configured_rate() {
    let env = Env::new();
    let config = env.create_config().await;
    let ids = env.sandbox.seed_identities(20, "rate");
    env.sandbox.set_batch_rate(10);
    let started = Instant::now();
    let id = accepted_batch(&env, &ids, &config).await;
    assert!(
        env.sandbox.outbox().len() < ids.len(),
        "20 jobs at 10 a second take two seconds"
    );
    let batch = finished(&env, &id).await;
    let took = started.elapsed();
    assert_eq!(batch["state"], "SUCCESS", "{batch}");
    assert!(took >= Duration::from_millis(1_900), "{took:?}");
    assert_eq!(env.sandbox.outbox().len(), 20);
}

#[tokio::test]
async fn each_made_job_is_an_email_job_of_the_batch_in_the_outbox() {
    let env = Env::new();
    env.sandbox.set_batch_rate(0);
    let config = env.create_config().await;
    let id = accepted_batch(&env, &strings(&[ALICE, BOB]), &config).await;
    let batch = finished(&env, &id).await;
    assert_eq!(batch["state"], "SUCCESS", "{batch}");
    assert!(time(&batch["update_time"]) >= time(&batch["create_time"]));

    let outbox = env.sandbox.outbox();
    let recipients: Vec<&str> = outbox.iter().map(|m| m.recipient.as_str()).collect();
    assert_eq!(recipients, ["alice@example.com", "bob@example.com"]);
    let job = env
        .sandbox
        .job(outbox[0].job_id.as_deref().unwrap())
        .unwrap();
    assert_eq!(job["batch_id"], id.as_str());
    assert_eq!(job["identity_id"], ALICE);
    assert_eq!(job["delivery_method"], "EMAIL");
    assert_eq!(job["state"], "LINK_SENT");
    assert_eq!(job["authenticator_config_id"], config.as_str());
    assert_eq!(
        job["post_binding_redirect_uri"],
        "http://example.com/callback"
    );
    assert_eq!(job["expire_time"], batch["job_template"]["expire_time"]);
    assert_eq!(outbox[0].expire_time, job["expire_time"].as_str().unwrap());
}

#[tokio::test]
async fn identities_that_cannot_be_sent_are_in_state_commentary() {
    let env = Env::new();
    env.sandbox.set_batch_rate(0);
    let config = env.create_config().await;
    let ids = strings(&[ALICE, DAVE_NO_EMAIL, UNKNOWN_IDENTITY]);
    let id = accepted_batch(&env, &ids, &config).await;
    let batch = finished(&env, &id).await;
    assert_eq!(batch["state"], "PARTIAL_SUCCESS", "{batch}");
    assert_eq!(
        batch["state_commentary"],
        json!({"errors": {
            DAVE_NO_EMAIL: {"last_error": "Identity missing email address", "failed_permanently": true},
            UNKNOWN_IDENTITY: {"last_error": "identity not found", "failed_permanently": true},
        }})
    );
    let reply = results(&env, &id, "").await;
    assert_eq!(reply.json["total_size"], 1, "{}", reply.json);
    assert_eq!(reply.json["job_results"][0]["identity_id"], ALICE);
    assert_eq!(env.sandbox.outbox().len(), 1);
}

#[tokio::test]
async fn a_batch_where_every_identity_fails_is_failed() {
    let env = Env::new();
    env.sandbox.set_batch_rate(0);
    let config = env.create_config().await;
    let ids = strings(&[DAVE_NO_EMAIL, UNKNOWN_IDENTITY]);
    let id = accepted_batch(&env, &ids, &config).await;
    assert_eq!(finished(&env, &id).await["state"], "FAILED");
    assert!(env.sandbox.outbox().is_empty());
}

#[tokio::test]
async fn results_are_paginated_with_counts_by_job_state() {
    let env = Env::new();
    env.sandbox.set_batch_rate(0);
    let config = env.create_config().await;
    let ids = env.sandbox.seed_identities(45, "page");
    let id = accepted_batch(&env, &ids, &config).await;
    finished(&env, &id).await;

    let first = results(&env, &id, "").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.json);
    assert_eq!(first.json["job_results"].as_array().unwrap().len(), 20);
    assert_eq!(first.json["total_size"], 45);
    let mut seen: Vec<String> = Vec::new();
    let mut page = first.json;
    loop {
        for job in page["job_results"].as_array().unwrap() {
            assert_eq!(job["batch_id"], id.as_str());
            seen.push(job["identity_id"].as_str().unwrap().to_owned());
        }
        let Some(token) = page["next_page_token"].as_str() else {
            break;
        };
        page = results(&env, &id, &format!("?page_token={token}"))
            .await
            .json;
    }
    assert_eq!(
        seen, ids,
        "every identity once, in the order they were made"
    );

    let jobs: Vec<String> = env
        .sandbox
        .outbox()
        .iter()
        .map(|m| m.job_id.clone().unwrap())
        .collect();
    assert!(env.sandbox.complete_job(&jobs[0]));
    let job = env.sandbox.job(&jobs[1]).unwrap();
    let revoke = format!(
        "/identities/{}/credential-binding-jobs/{}:revoke",
        job["identity_id"].as_str().unwrap(),
        jobs[1]
    );
    let revoked = env.send(env.bi(Method::POST, &revoke)).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.json);

    let all = results(&env, &id, "?page_size=500").await.json;
    assert_eq!(all["job_results"].as_array().unwrap().len(), 45);
    assert!(all.get("next_page_token").is_none());
    assert_eq!(all["total_success_count"], 1);
    assert_eq!(all["total_failure_count"], 1);
    assert_eq!(all["total_pending_count"], 43);
}

#[tokio::test]
async fn results_of_a_running_batch_are_the_jobs_made_so_far() {
    let env = Env::new();
    env.sandbox.set_batch_rate(1);
    let config = env.create_config().await;
    let ids = env.sandbox.seed_identities(30, "slow");
    let id = accepted_batch(&env, &ids, &config).await;
    let reply = results(&env, &id, "").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    let made = reply.json["total_size"].as_u64().unwrap();
    assert!(made < 30, "one a second: {}", reply.json);
    assert_eq!(reply.json["total_pending_count"], made);
    assert_eq!(env.sandbox.batch(&id).unwrap()["state"], "RUNNING");
}

#[tokio::test]
async fn a_batch_beyond_the_queue_limit_is_429_and_queues_nothing() {
    let env = Env::new();
    env.sandbox.set_batch_rate(1);
    let config = env.create_config().await;
    let ids = env.sandbox.seed_identities(1_100, "queue");
    accepted_batch(&env, &ids[..600], &config).await;

    let reply = create_batch(&env, &ids[600..], &config).await;
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.json
    );
    assert_eq!(reply.json["code"], "too_many_requests");
    let message = reply.json["message"].as_str().unwrap();
    let numbers: Vec<u64> = message
        .split(' ')
        .filter_map(|word| word.parse().ok())
        .collect();
    let [maximum, current, overage] = numbers[..] else {
        panic!("{message}");
    };
    assert!(
        message.starts_with("Maximum queue sized reached. Maximum: 1000 Current Total: "),
        "{message}"
    );
    assert_eq!(maximum, 1000);
    assert!((590..=600).contains(&current), "{message}");
    assert_eq!(overage, current + 500 - 1000);
    let header = |name: &str| reply.headers[name].to_str().unwrap().to_owned();
    assert_eq!(header("ratelimit-limit"), "1000");
    assert_eq!(header("ratelimit-remaining"), (1000 - current).to_string());
    let retry_after: u64 = header("retry-after").parse().unwrap();
    assert_eq!(retry_after, overage, "one job a second");

    assert_eq!(env.sandbox.batches().len(), 1, "nothing was queued");
    assert!(env.sandbox.batch_queue_len() <= 600);
    assert_eq!(env.sandbox.batch_queue_high_water(), 600);
}

#[tokio::test]
async fn a_full_queue_refuses_batches_until_it_drains() {
    let env = Env::new();
    env.sandbox.set_batch_rate(100);
    let config = env.create_config().await;
    let ids = env.sandbox.seed_identities(2_000, "drain");
    let first = accepted_batch(&env, &ids[..1000], &config).await;

    let refused = create_batch(&env, &ids[1000..], &config).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = refused.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=10).contains(&retry_after), "{retry_after}");

    env.sandbox.set_batch_rate(0);
    let deadline = Instant::now() + PATIENCE;
    let second = loop {
        let reply = create_batch(&env, &ids[1000..], &config).await;
        if reply.status == StatusCode::OK {
            break reply.json["id"].as_str().unwrap().to_owned();
        }
        assert_eq!(
            reply.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            reply.json
        );
        assert!(Instant::now() < deadline, "the queue never drained");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(finished(&env, &first).await["state"], "SUCCESS");
    assert_eq!(finished(&env, &second).await["state"], "SUCCESS");
    assert_eq!(env.sandbox.batch_queue_len(), 0);
    assert_eq!(env.sandbox.batch_queue_high_water(), 1000);
    assert_eq!(env.sandbox.outbox().len(), 2_000);
}

#[tokio::test]
async fn batches_are_worked_through_in_the_order_they_were_submitted() {
    let env = Env::new();
    env.sandbox.set_batch_rate(200);
    let config = env.create_config().await;
    let ids = env.sandbox.seed_identities(100, "order");
    let first = accepted_batch(&env, &ids[..50], &config).await;
    let second = accepted_batch(&env, &ids[50..], &config).await;
    finished(&env, &second).await;
    let made: Vec<Value> = env.sandbox.jobs();
    let batch_ids: Vec<&str> = made
        .iter()
        .map(|j| j["batch_id"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = [first.as_str(); 50]
        .into_iter()
        .chain([second.as_str(); 50])
        .collect();
    assert_eq!(batch_ids, expected);
}

#[tokio::test]
async fn a_fault_after_the_create_leaves_the_batch_made() {
    let env = Env::new();
    env.sandbox.set_batch_rate(0);
    let config = env.create_config().await;
    env.sandbox.add_fault(Fault {
        method: Some("POST".into()),
        path_contains: Some(BATCHES.into()),
        status: Some(500),
        mode: FaultMode::After,
        ..Fault::default()
    });
    let reply = create_batch(&env, &strings(&[ALICE, BOB]), &config).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.json["code"], "internal_server_error");
    let batches = env.sandbox.batches();
    assert_eq!(
        batches.len(),
        1,
        "the batch exists although the client saw 500"
    );
    let id = batches[0]["id"].as_str().unwrap();
    assert_eq!(finished(&env, id).await["state"], "SUCCESS");
    assert_eq!(env.sandbox.outbox().len(), 2);
}

#[tokio::test]
async fn faults_and_the_request_log_cover_list_results() {
    let env = Env::new();
    env.sandbox.set_batch_rate(0);
    let config = env.create_config().await;
    let id = accepted_batch(&env, &strings(&[ALICE]), &config).await;
    env.sandbox.add_fault(Fault {
        path_contains: Some(":listResults".into()),
        status: Some(503),
        retry_after: Some("3".into()),
        ..Fault::default()
    });
    let faulted = results(&env, &id, "").await;
    assert_eq!(faulted.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(faulted.headers["retry-after"], "3");
    assert_eq!(results(&env, &id, "").await.status, StatusCode::OK);
    let logged: Vec<Option<u16>> = env
        .sandbox
        .requests()
        .iter()
        .filter(|r| r.path.ends_with(":listResults"))
        .map(|r| r.status)
        .collect();
    assert_eq!(logged, [Some(503), Some(200)]);
}

#[tokio::test]
async fn the_rate_limit_applies_to_batch_calls() {
    let env = Env::new();
    env.sandbox.set_rate_limit(1);
    let first = env.send(env.bi(Method::GET, &format!("{BATCHES}/x"))).await;
    assert_eq!(first.status, StatusCode::NOT_FOUND);
    let second = env.send(env.bi(Method::GET, &format!("{BATCHES}/x"))).await;
    assert_eq!(second.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(second.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn the_sandbox_clock_dates_the_batch_and_its_jobs() {
    let env = Env::new();
    env.sandbox.set_batch_rate(0);
    let config = env.create_config().await;
    let before = SystemTime::now();
    env.sandbox.advance_clock(30 * DAY);
    let id = accepted_batch(&env, &strings(&[ALICE]), &config).await;
    let batch = finished(&env, &id).await;
    let created = time(&batch["create_time"]);
    assert!(created >= before + 30 * DAY, "{batch}");
    let expires = time(&batch["job_template"]["expire_time"]);
    assert_eq!(expires, created + 7 * DAY);
    let job = &env.sandbox.jobs()[0];
    assert!(time(&job["create_time"]) >= created);
    assert_eq!(time(&job["expire_time"]), expires);

    env.sandbox.advance_clock(8 * DAY);
    let reply = results(&env, &id, "").await;
    assert_eq!(reply.json["job_results"][0]["state"], "EXPIRED");
    assert_eq!(reply.json["total_failure_count"], 1);
}

#[tokio::test]
async fn job_lists_include_batch_jobs_with_their_batch_id() {
    let env = Env::new();
    env.sandbox.set_batch_rate(0);
    let config = env.create_config().await;
    let single = env.create_job(common::ALICE, "EMAIL", &config).await;
    assert_eq!(single.status, StatusCode::OK);
    let id = accepted_batch(&env, &strings(&[ALICE, BOB]), &config).await;
    finished(&env, &id).await;

    let realm = env
        .send(env.bi(Method::GET, "/identities/-/credential-binding-jobs"))
        .await;
    let jobs = realm.json["credential_binding_jobs"].as_array().unwrap();
    assert_eq!(realm.json["total_size"], 3);
    let batch_ids: Vec<&Value> = jobs.iter().map(|j| &j["batch_id"]).collect();
    assert_eq!(batch_ids, [&Value::Null, &json!(id), &json!(id)]);

    let bob = env
        .send(env.bi(
            Method::GET,
            &format!("/identities/{BOB}/credential-binding-jobs"),
        ))
        .await;
    let bobs = &bob.json["credential_binding_jobs"];
    assert_eq!(bob.json["total_size"], 1);
    assert_eq!(bobs[0]["batch_id"], id.as_str());
    let job_path = format!(
        "/identities/{BOB}/credential-binding-jobs/{}",
        bobs[0]["id"].as_str().unwrap()
    );
    let job = env.send(env.bi(Method::GET, &job_path)).await;
    assert_eq!(job.json["batch_id"], id.as_str());
}

#[tokio::test]
async fn an_unknown_batch_is_404_naming_the_batch() {
    let env = Env::new();
    for path in [
        format!("{BATCHES}/ea453099e207"),
        format!("{BATCHES}/ea453099e207:listResults"),
    ] {
        let reply = env.send(env.bi(Method::GET, &path)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            reply.json,
            json!({
                "code": "not_found",
                "message": "batch credential binding job not found",
                "details": [{
                    "type": "ResourceInfo",
                    "resource_type": "BatchCredentialBindingJob",
                    "id": "ea453099e207",
                    "description": "batch credential binding job not found",
                }],
            })
        );
    }
}

#[tokio::test]
async fn a_batch_call_needs_a_token() {
    let env = Env::new();
    let reply = env
        .send(env.http.get(env.realm_url(&format!("{BATCHES}/x"))))
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn identity_ids_must_number_one_to_a_thousand() {
    let env = Env::new();
    let config = env.create_config().await;
    let none = create_batch(&env, &[], &config).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        violated_field(&none.json),
        Some("batch_credential_binding_job.identity_ids")
    );
    let many: Vec<String> = (0..1001).map(|n| format!("{n:016x}")).collect();
    let too_many = create_batch(&env, &many, &config).await;
    assert_eq!(too_many.status, StatusCode::BAD_REQUEST);
    let empty = create_batch(&env, &strings(&[ALICE, ""]), &config).await;
    assert_eq!(
        violated_field(&empty.json),
        Some("batch_credential_binding_job.identity_ids[1]")
    );
    assert!(env.sandbox.batches().is_empty());
}

#[tokio::test]
async fn an_unknown_field_is_a_field_violation() {
    let env = Env::new();
    let config = env.create_config().await;
    let mut body = batch_body(&strings(&[ALICE]), &config);
    body["batch_credential_binding_job"]["job_template"]["delivery_method"] = json!("EMAIL");
    let reply = env.bi_json(Method::POST, BATCHES, body).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.json);
    assert_eq!(reply.json["code"], "bad_request");
    assert_eq!(
        violated_field(&reply.json),
        Some("batch_credential_binding_job.job_template.delivery_method")
    );
}

#[tokio::test]
async fn read_only_fields_are_ignored() {
    let env = Env::new();
    env.sandbox.set_batch_rate(1);
    let config = env.create_config().await;
    let mut body = batch_body(&strings(&[ALICE]), &config);
    let batch = &mut body["batch_credential_binding_job"];
    batch["id"] = json!("0000000000000000");
    batch["state"] = json!("SUCCESS");
    batch["state_commentary"] = json!({"errors": {}});
    batch["job_template"]["expire_time"] = json!("2000-01-01T00:00:00Z");
    let reply = env.bi_json(Method::POST, BATCHES, body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    assert_ne!(reply.json["id"], "0000000000000000");
    assert_eq!(reply.json["state"], "RUNNING");
}

#[tokio::test]
async fn an_unknown_config_is_404_naming_the_config() {
    let env = Env::new();
    let reply = create_batch(
        &env,
        &strings(&[ALICE]),
        "00000000-0000-4000-8000-000000000000",
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(
        reply.json["details"][0]["resource_type"],
        "AuthenticatorConfig"
    );
    assert!(env.sandbox.batches().is_empty());
}

#[tokio::test]
async fn the_template_is_checked_as_a_single_job_is() {
    let env = Env::new();
    let config = env.create_config().await;
    let mut relative = batch_body(&strings(&[ALICE]), &config);
    relative["batch_credential_binding_job"]["job_template"]["post_binding_redirect_uri"] =
        json!("/callback");
    let reply = env.bi_json(Method::POST, BATCHES, relative).await;
    assert_eq!(
        violated_field(&reply.json),
        Some("batch_credential_binding_job.job_template.post_binding_redirect_uri")
    );

    let hosted_web = json!({"batch_credential_binding_job": {
        "identity_ids": [ALICE],
        "job_template": {"authenticator_config": {"config": {
            "type": "hosted_web",
            "authentication_methods": [{"type": "software_passkey"}],
            "trusted_origins": [],
        }}},
    }});
    let reply = env.bi_json(Method::POST, BATCHES, hosted_web).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.json);
    assert!(violated_field(&reply.json)
        .unwrap()
        .starts_with("batch_credential_binding_job.job_template.authenticator_config"));

    let neither = json!({"batch_credential_binding_job": {
        "identity_ids": [ALICE], "job_template": {},
    }});
    let reply = env.bi_json(Method::POST, BATCHES, neither).await;
    assert_eq!(
        violated_field(&reply.json),
        Some("batch_credential_binding_job.job_template.authenticator_config_id")
    );
    assert!(env.sandbox.batches().is_empty());
}

#[tokio::test]
async fn a_repeated_identity_is_refused() {
    let env = Env::new();
    let config = env.create_config().await;
    let reply = create_batch(&env, &strings(&[ALICE, BOB, ALICE]), &config).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        violated_field(&reply.json),
        Some("batch_credential_binding_job.identity_ids[2]")
    );
}

#[tokio::test]
async fn the_batch_queue_is_set_and_read_over_http() {
    let env = Env::new();
    let set = env
        .send(
            env.http
                .post(env.url("/_sandbox/batch-queue"))
                .json(&json!({"per_second": 0, "limit": 5})),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.json);
    assert_eq!(
        set.json,
        json!({"per_second": 0, "limit": 5, "length": 0, "high_water": 0})
    );
    let config = env.create_config().await;
    let ids = env.sandbox.seed_identities(6, "limit");
    let reply = create_batch(&env, &ids, &config).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(reply.headers["ratelimit-limit"], "5");
    let id = accepted_batch(&env, &ids[..5], &config).await;
    finished(&env, &id).await;

    let listed = env.send(env.http.get(env.url("/_sandbox/batches"))).await;
    assert_eq!(listed.json[0]["id"], id.as_str());
    let queue = env
        .send(env.http.get(env.url("/_sandbox/batch-queue")))
        .await;
    assert_eq!(queue.json["high_water"], 5);
    let unknown = env
        .send(
            env.http
                .post(env.url("/_sandbox/batch-queue"))
                .json(&json!({"rate": 1})),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn reset_forgets_batches_and_restores_the_defaults() {
    let env = Env::new();
    env.sandbox.set_batch_rate(1);
    env.sandbox.set_batch_queue_limit(3);
    let config = env.create_config().await;
    accepted_batch(&env, &strings(&[ALICE, BOB]), &config).await;
    env.sandbox.reset();
    assert!(env.sandbox.batches().is_empty());
    assert_eq!(env.sandbox.batch_queue_len(), 0);
    assert_eq!(env.sandbox.batch_queue_high_water(), 0);
    assert_eq!(env.sandbox.sandbox().batch_rate(), 500);
    assert_eq!(env.sandbox.sandbox().batch_queue_limit(), 1000);
}

#[tokio::test]
async fn ten_thousand_identities_are_seeded_in_well_under_a_second() {
    let env = Env::new();
    let started = Instant::now();
    let reply = env
        .send(
            env.http
                .post(env.url("/_sandbox/identities/seed"))
                .json(&json!({"count": 10_000, "prefix": "user", "email": true})),
        )
        .await;
    let took = started.elapsed();
    println!("seeding 10,000 identities over HTTP took {took:?}");
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    let ids: Vec<&str> = reply.json["identity_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 10_000);
    assert!(ids.iter().all(|id| is_hex16(id)));
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 10_000);
    assert!(took < Duration::from_secs(5), "{took:?}");

    let last = env.sandbox.identity(ids[9_999]).unwrap();
    assert_eq!(last["traits"]["username"], "user10000");
    assert_eq!(
        last["traits"]["primary_email_address"],
        "user10000@example.com"
    );
    let listed = env.send(env.bi(Method::GET, "/identities")).await;
    assert_eq!(
        listed.json["total_size"], 10_004,
        "the four seeded and these"
    );
}

#[tokio::test]
async fn seeding_refuses_a_prefix_no_username_could_start_with() {
    let env = Env::new();
    for body in [
        json!({"count": 1, "prefix": "a/b"}),
        json!({"count": 0}),
        json!({"count": 1, "emails": true}),
    ] {
        let reply = env
            .send(
                env.http
                    .post(env.url("/_sandbox/identities/seed"))
                    .json(&body),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
    }
}

#[tokio::test]
async fn a_realm_wide_sweep_of_ten_thousand_batch_jobs_stays_cheap() {
    let env = Env::new();
    env.sandbox.set_batch_rate(0);
    let config = env.create_config().await;
    let ids = env.sandbox.seed_identities(10_000, "sweep");
    let started = Instant::now();
    for chunk in ids.chunks(1000) {
        let id = accepted_batch(&env, chunk, &config).await;
        finished(&env, &id).await;
    }
    println!(
        "making 10,000 jobs through 10 batches took {:?}",
        started.elapsed()
    );

    let started = Instant::now();
    let mut seen = HashSet::new();
    let mut pages = 0;
    let mut query = "?page_size=200".to_owned();
    loop {
        let reply = env
            .send(env.bi(
                Method::GET,
                &format!("/identities/-/credential-binding-jobs{query}"),
            ))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
        assert_eq!(reply.json["total_size"], 10_000);
        pages += 1;
        for job in reply.json["credential_binding_jobs"].as_array().unwrap() {
            assert!(job["batch_id"].is_string());
            seen.insert(job["id"].as_str().unwrap().to_owned());
        }
        match reply.json["next_page_token"].as_str() {
            Some(token) => query = format!("?page_token={token}"),
            None => break,
        }
    }
    let took = started.elapsed();
    println!("a realm-wide sweep of 10,000 jobs ({pages} pages of 200) took {took:?}");
    assert_eq!((pages, seen.len()), (50, 10_000));
    assert!(took < Duration::from_secs(30), "{took:?}");
}
