//! What happens around every vendor request: added latency, the rate
//! limit, injected faults, and the request log. What the sandbox answers
//! itself is in the error format of the vendor the request is for.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use tokio::sync::Notify;
use tokio::time::sleep;

use super::ratelimit::retry_after;
use crate::harness::faults::{Fault, FaultMode};
use crate::harness::requests::{RequestRecord, Vendor};
use crate::sandbox::Sandbox;
use crate::{beyond_identity, bindid};

/// Which vendor a path belongs to; `None` for the sandbox's own pages
/// and controls, which are never logged, faulted or rate limited.
pub(crate) fn vendor_of(path: &str) -> Option<Vendor> {
    if path.starts_with("/v1/") {
        Some(Vendor::BeyondIdentity)
    } else if path == "/token" || path.starts_with("/api/") {
        Some(Vendor::Bindid)
    } else {
        None
    }
}

/// A bare status in `vendor`'s own error format. A client decodes an error
/// by the API it called, so an answer the sandbox makes up (a fault, the
/// rate limit, a path that does not exist) must look like that API's.
pub(crate) fn error_response(vendor: Vendor, status: StatusCode) -> Response {
    match vendor {
        Vendor::BeyondIdentity => beyond_identity::error::ApiError::status(status).into_response(),
        Vendor::Bindid => bindid::error::ApiError::status(status).into_response(),
    }
}

/// Put on every request by the server loop: notifying it closes the
/// connection without an answer.
#[derive(Clone)]
pub(crate) struct ConnectionKill(pub Arc<Notify>);

enum Outcome {
    Answer(Response),
    Drop,
}

pub(crate) async fn layer(State(sb): State<Sandbox>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let Some(vendor) = vendor_of(&path) else {
        return next.run(request).await;
    };
    let method = request.method().as_str().to_owned();
    let kill = request.extensions().get::<ConnectionKill>().cloned();

    let latency = sb.latency();
    if !latency.is_zero() {
        sleep(latency).await;
    }
    let outcome = match sb.check_rate_limit() {
        Err(wait) => Outcome::Answer(too_many_requests(vendor, wait)),
        Ok(()) => match sb.take_fault(&method, &path) {
            None => Outcome::Answer(next.run(request).await),
            Some(fault) if fault.mode == FaultMode::Late => {
                return late(sb, fault, vendor, method, path, request, next).await;
            }
            Some(fault) => apply(&fault, vendor, request, next).await,
        },
    };
    let status = match &outcome {
        Outcome::Answer(response) => Some(response.status().as_u16()),
        Outcome::Drop => None,
    };
    sb.record(RequestRecord {
        method,
        path,
        status,
        vendor,
    });
    match (outcome, kill) {
        (Outcome::Answer(response), _) => dated(&sb, response),
        (Outcome::Drop, Some(kill)) => {
            kill.0.notify_one();
            // The connection task drops this future along with the socket.
            std::future::pending().await
        }
        (Outcome::Drop, None) => StatusCode::BAD_GATEWAY.into_response(),
    }
}

async fn apply(fault: &Fault, vendor: Vendor, request: Request, next: Next) -> Outcome {
    let delay = Duration::from_millis(fault.latency_ms);
    let injected = fault.status.map(|s| {
        fault_response(
            fault,
            StatusCode::from_u16(s).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            vendor,
        )
    });
    match fault.mode {
        FaultMode::Before => {
            sleep(delay).await;
            match injected {
                Some(response) => Outcome::Answer(response),
                None => Outcome::Answer(next.run(request).await),
            }
        }
        FaultMode::After => {
            let real = next.run(request).await;
            sleep(delay).await;
            Outcome::Answer(injected.unwrap_or(real))
        }
        FaultMode::DropBefore => {
            sleep(delay).await;
            Outcome::Drop
        }
        FaultMode::DropAfter => {
            let _lost = next.run(request).await;
            sleep(delay).await;
            Outcome::Drop
        }
        // Handled by `late`, which outlives the connection.
        FaultMode::Late => Outcome::Answer(next.run(request).await),
    }
}

/// A `late` fault: the work runs on a task of its own after the delay, so
/// it happens even when the client gives up and closes the connection
/// first (which drops this future); the request is logged when it is done.
async fn late(
    sb: Sandbox,
    fault: Fault,
    vendor: Vendor,
    method: String,
    path: String,
    request: Request,
    next: Next,
) -> Response {
    let delay = Duration::from_millis(fault.latency_ms);
    sb.late_work_started();
    let sb_for_date = sb.clone();
    let work = tokio::spawn(async move {
        sleep(delay).await;
        let real = next.run(request).await;
        let response = match fault.status {
            Some(s) => fault_response(
                &fault,
                StatusCode::from_u16(s).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                vendor,
            ),
            None => real,
        };
        sb.record(RequestRecord {
            method,
            path,
            status: Some(response.status().as_u16()),
            vendor,
        });
        sb.late_work_done();
        response
    });
    match work.await {
        Ok(response) => dated(&sb_for_date, response),
        Err(_) => error_response(vendor, StatusCode::INTERNAL_SERVER_ERROR),
    }
}

/// A `Date` header on the sandbox clock: a test that moves the clock moves
/// the time clients judge expiry by, as the real API's clock would.
fn dated(sb: &Sandbox, mut response: Response) -> Response {
    if let Ok(value) = HeaderValue::from_str(&httpdate::fmt_http_date(sb.now())) {
        response
            .headers_mut()
            .insert(axum::http::header::DATE, value);
    }
    response
}

/// The rule's body, or the vendor's own error.
fn fault_response(fault: &Fault, status: StatusCode, vendor: Vendor) -> Response {
    let mut response = match &fault.body {
        Some(body) => (status, Json(body.clone())).into_response(),
        None => error_response(vendor, status),
    };
    if let Some(value) = fault
        .retry_after
        .as_deref()
        .and_then(|v| HeaderValue::from_str(v).ok())
    {
        response.headers_mut().insert(RETRY_AFTER, value);
    }
    response
}

/// 429 with `Retry-After`.
fn too_many_requests(vendor: Vendor, wait: Duration) -> Response {
    let mut response = error_response(vendor, StatusCode::TOO_MANY_REQUESTS);
    response
        .headers_mut()
        .insert(RETRY_AFTER, retry_after(wait));
    response
}
