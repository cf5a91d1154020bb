//! `/_sandbox/*`: the test controls over HTTP, for scripts and for tests
//! that run the sandbox as a separate process.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;

use super::clock::rfc3339;
use super::faults::Fault;
use crate::http::body::is_form;
use crate::sandbox::{CompleteError, Sandbox};

pub(crate) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/_sandbox/seed", get(seed))
        .route("/_sandbox/outbox", get(outbox))
        .route("/_sandbox/requests", get(requests).delete(clear_requests))
        .route(
            "/_sandbox/faults",
            get(faults).post(add_fault).delete(clear_faults),
        )
        .route("/_sandbox/latency", post(latency))
        .route("/_sandbox/rate-limit", post(rate_limit))
        .route("/_sandbox/clock", get(clock))
        .route("/_sandbox/clock/advance", post(advance_clock))
        .route("/_sandbox/jobs/:id/complete", post(complete_job))
        .route("/_sandbox/bindid/failing-targets", post(fail_target))
        .route("/_sandbox/identities/seed", post(seed_identities))
        .route("/_sandbox/batches", get(batches))
        .route(
            "/_sandbox/batch-queue",
            get(batch_queue).post(set_batch_queue),
        )
        .route("/_sandbox/reset", post(reset))
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// The body, or the reason it is not what the control takes.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| e.to_string())
}

fn bad_request(message: String) -> Response {
    error(StatusCode::BAD_REQUEST, &message)
}

fn ok() -> Response {
    Json(json!({ "ok": true })).into_response()
}

/// A control that only sets a value: `set` gets the parsed body.
fn set<T: DeserializeOwned>(body: &[u8], set: impl FnOnce(T)) -> Response {
    match parse::<T>(body) {
        Ok(value) => {
            set(value);
            ok()
        }
        Err(message) => bad_request(message),
    }
}

async fn seed(State(sb): State<Sandbox>) -> Response {
    Json(sb.seed().clone()).into_response()
}

async fn outbox(State(sb): State<Sandbox>) -> Response {
    Json(sb.outbox()).into_response()
}

async fn requests(State(sb): State<Sandbox>) -> Response {
    Json(sb.requests()).into_response()
}

async fn clear_requests(State(sb): State<Sandbox>) -> Response {
    sb.clear_requests();
    ok()
}

async fn faults(State(sb): State<Sandbox>) -> Response {
    Json(sb.faults()).into_response()
}

async fn add_fault(State(sb): State<Sandbox>, body: Bytes) -> Response {
    let fault: Fault = match parse(&body) {
        Ok(fault) => fault,
        Err(message) => return bad_request(message),
    };
    if let Some(status) = fault.status {
        if StatusCode::from_u16(status).is_err() {
            return error(StatusCode::BAD_REQUEST, "status is not an HTTP status");
        }
    }
    sb.add_fault(fault);
    ok()
}

async fn clear_faults(State(sb): State<Sandbox>) -> Response {
    sb.clear_faults();
    ok()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Latency {
    ms: u64,
}

async fn latency(State(sb): State<Sandbox>, body: Bytes) -> Response {
    set(&body, |l: Latency| sb.set_latency(l.ms))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RateLimit {
    per_second: u32,
}

async fn rate_limit(State(sb): State<Sandbox>, body: Bytes) -> Response {
    set(&body, |r: RateLimit| sb.set_rate_limit(r.per_second))
}

async fn clock(State(sb): State<Sandbox>) -> Response {
    Json(json!({
        "now": rfc3339(sb.now()),
        "offset_seconds": sb.clock_offset().as_secs_f64(),
    }))
    .into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    seconds: f64,
}

async fn advance_clock(State(sb): State<Sandbox>, body: Bytes) -> Response {
    let advance = match parse::<Advance>(&body) {
        Ok(a) => a,
        Err(message) => return bad_request(message),
    };
    // The clock only moves forward: expiry is one-way.
    let Ok(by) = Duration::try_from_secs_f64(advance.seconds) else {
        return error(
            StatusCode::BAD_REQUEST,
            "seconds must be a non-negative number",
        );
    };
    sb.advance_clock(by);
    clock(State(sb)).await
}

/// A browser posting the link page's form is sent back to the outbox; a
/// script gets the job as JSON.
async fn complete_job(
    State(sb): State<Sandbox>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    match sb.try_complete_job(&id) {
        Ok(_) if is_form(&headers) => Redirect::to("/").into_response(),
        Ok(job) => Json(job).into_response(),
        Err(CompleteError::NotFound) => error(StatusCode::NOT_FOUND, "no such job"),
        Err(CompleteError::Finished(state)) => error(
            StatusCode::CONFLICT,
            &format!("the job is {}", json!(state).as_str().unwrap_or("finished")),
        ),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FailingTarget {
    target: String,
}

async fn fail_target(State(sb): State<Sandbox>, body: Bytes) -> Response {
    set(&body, |t: FailingTarget| sb.fail_bindid_target(&t.target))
}

/// The most one control call seeds: the most identities one batch
/// resource holds.
const MAX_SEED: usize = 100_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedIdentities {
    count: usize,
    #[serde(default = "default_prefix")]
    prefix: String,
    #[serde(default = "yes")]
    email: bool,
}

fn default_prefix() -> String {
    "user".to_owned()
}

fn yes() -> bool {
    true
}

/// A prefix that makes usernames and addresses the API would accept.
fn valid_prefix(prefix: &str) -> bool {
    (1..=40).contains(&prefix.len())
        && prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

/// `{"count": 10000, "prefix": "user", "email": true}` → the new ids.
async fn seed_identities(State(sb): State<Sandbox>, body: Bytes) -> Response {
    let request = match parse::<SeedIdentities>(&body) {
        Ok(request) => request,
        Err(message) => return bad_request(message),
    };
    if !(1..=MAX_SEED).contains(&request.count) {
        return bad_request(format!("count must be between 1 and {MAX_SEED}"));
    }
    if !valid_prefix(&request.prefix) {
        return bad_request(
            "prefix must be 1 to 40 of the characters A-Z a-z 0-9 . _ -".to_owned(),
        );
    }
    let ids = if request.email {
        sb.seed_identities(request.count, &request.prefix)
    } else {
        sb.seed_identities_without_email(request.count, &request.prefix)
    };
    Json(json!({ "identity_ids": ids })).into_response()
}

async fn batches(State(sb): State<Sandbox>) -> Response {
    Json(sb.batches()).into_response()
}

async fn batch_queue(State(sb): State<Sandbox>) -> Response {
    Json(json!({
        "per_second": sb.batch_rate(),
        "limit": sb.batch_queue_limit(),
        "length": sb.batch_queue_len(),
        "high_water": sb.batch_queue_high_water(),
    }))
    .into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchQueueSettings {
    per_second: Option<u32>,
    limit: Option<usize>,
}

/// Either setting or both; answers the queue as `GET` does.
async fn set_batch_queue(State(sb): State<Sandbox>, body: Bytes) -> Response {
    let settings = match parse::<BatchQueueSettings>(&body) {
        Ok(settings) => settings,
        Err(message) => return bad_request(message),
    };
    if let Some(per_second) = settings.per_second {
        sb.set_batch_rate(per_second);
    }
    if let Some(limit) = settings.limit {
        sb.set_batch_queue_limit(limit);
    }
    batch_queue(State(sb)).await
}

async fn reset(State(sb): State<Sandbox>) -> Response {
    sb.reset();
    ok()
}
