//! Batch credential binding jobs: one request for up to 1000 identities,
//! answered at once as `RUNNING`; the realm's queue makes the jobs later
//! (`batch_worker.rs`), and `:listResults` pages through what it made.

use std::collections::HashSet;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::json;

use super::auth::authorize;
use super::error::{ApiError, Resource};
use super::job_template::{redirect_uri, Authenticator, InlineConfig, LINK_LIFETIME};
use super::jobs::JOB_LISTING;
use super::pagination::{ListQuery, Listing};
use crate::http::body::{parse, FieldViolation};
use crate::http::ratelimit::retry_after;
use crate::ids;
use crate::sandbox::Sandbox;
use crate::state::{BatchRecord, JobRecord, JobState, JobTemplate, QueueFull};

/// The spec's `maxItems` of `identity_ids`.
const MAX_IDENTITIES: usize = 1000;

const RESULTS: Listing = Listing {
    kind: "job_results",
    ..JOB_LISTING
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchRequest {
    batch_credential_binding_job: BatchBody,
}

/// Read-only fields are accepted and ignored, as the spec says.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct BatchBody {
    identity_ids: Vec<String>,
    job_template: TemplateBody,
    id: Option<IgnoredAny>,
    tenant_id: Option<IgnoredAny>,
    realm_id: Option<IgnoredAny>,
    state: Option<IgnoredAny>,
    state_commentary: Option<IgnoredAny>,
    create_time: Option<IgnoredAny>,
    update_time: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct TemplateBody {
    authenticator_config_id: Option<String>,
    authenticator_config: Option<InlineConfig>,
    post_binding_redirect_uri: Option<String>,
    expire_time: Option<IgnoredAny>,
}

/// The spec's `minItems`, `maxItems` and `minLength`. It says nothing of
/// repeats, but `state_commentary.errors` is keyed by identity and so
/// cannot report one identity twice: a repeat is refused, which catches a
/// client that fails to deduplicate.
fn check_identity_ids(ids: &[String]) -> Result<(), FieldViolation> {
    const FIELD: &str = "batch_credential_binding_job.identity_ids";
    if ids.is_empty() {
        return Err(FieldViolation::new(FIELD, "must contain at least 1 item"));
    }
    if ids.len() > MAX_IDENTITIES {
        return Err(FieldViolation::new(
            FIELD,
            format!("must contain at most {MAX_IDENTITIES} items"),
        ));
    }
    let mut seen = HashSet::with_capacity(ids.len());
    for (index, id) in ids.iter().enumerate() {
        let field = || format!("{FIELD}[{index}]");
        if id.is_empty() {
            return Err(FieldViolation::new(field(), "empty string"));
        }
        if !seen.insert(id.as_str()) {
            return Err(FieldViolation::new(field(), "duplicate identity id"));
        }
    }
    Ok(())
}

/// `POST …/batch-credential-binding-jobs`: the batch, `RUNNING`. The body
/// is the bare batch, unlike the single create's wrapper, as the spec says.
pub(crate) async fn create(
    State(sb): State<Sandbox>,
    Path((tenant, realm)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    authorize(&sb, &headers, &tenant, &realm)?;
    let BatchRequest {
        batch_credential_binding_job: input,
    } = parse(&body)?;
    check_identity_ids(&input.identity_ids)?;
    let template = input.job_template;
    let authenticator = Authenticator::parse(
        template.authenticator_config_id,
        template.authenticator_config,
        "batch_credential_binding_job.job_template",
    )?;
    let redirect = redirect_uri(
        template.post_binding_redirect_uri,
        "batch_credential_binding_job.job_template.post_binding_redirect_uri",
    )?;

    let now = sb.now();
    let view = {
        let mut store = sb.store();
        let (config_id, inline_config) = authenticator.resolve(&store)?;
        let id = ids::hex16();
        if let Err(full) = store.batch_queue.admit(&id, input.identity_ids.len()) {
            return Ok(queue_full(full));
        }
        let template = JobTemplate {
            authenticator_config_id: config_id,
            authenticator_config: inline_config,
            post_binding_redirect_uri: redirect,
            expire_time: now + LINK_LIFETIME,
        };
        let batch = BatchRecord::new(id.clone(), input.identity_ids, template, now);
        let view = batch.view(sb.seed());
        store.batches.insert(id, batch);
        view
    };
    sb.wake_batch_worker();
    Ok(Json(view).into_response())
}

/// The spec's 429: its message (with the vendor's "sized"), and `RateLimit-*`
/// headers that count queue places rather than requests per window.
fn queue_full(full: QueueFull) -> Response {
    let message = format!(
        "Maximum queue sized reached. Maximum: {} Current Total: {} Overage: {}",
        full.limit, full.current, full.overage
    );
    let mut response = ApiError::plain(StatusCode::TOO_MANY_REQUESTS, &message).into_response();
    let headers = response.headers_mut();
    headers.insert("ratelimit-limit", HeaderValue::from(full.limit));
    headers.insert(
        "ratelimit-remaining",
        HeaderValue::from(full.limit.saturating_sub(full.current)),
    );
    headers.insert("retry-after", retry_after(full.retry_after));
    response
}

/// `GET …/batch-credential-binding-jobs/{id}`, or `…/{id}:listResults`:
/// the verb shares the id's path segment, so it is split off here.
pub(crate) async fn get(
    State(sb): State<Sandbox>,
    Path((tenant, realm, segment)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authorize(&sb, &headers, &tenant, &realm)?;
    if let Some(id) = segment.strip_suffix(":listResults") {
        return list_results(&sb, id, raw.as_deref());
    }
    let store = sb.store();
    let batch = store
        .batches
        .get(&segment)
        .ok_or_else(|| not_found(&segment))?;
    Ok(Json(batch.view(sb.seed())).into_response())
}

/// The jobs the batch has made so far, a page at a time, in the order they
/// were made.
///
/// The counts classify those results by their state now, as the spec's
/// example does (its three results, `COMPLETE`, `LINK_OPENED` and `REVOKED`,
/// count one success, one pending and one failure): success is `COMPLETE`;
/// failure is a job that ended without enrolling (`EXPIRED`, `REVOKED`,
/// `FAILED_TO_SEND`); pending is a job still open (`LINK_SENT`,
/// `LINK_OPENED`, `REQUEST_DELIVERED`). They add up to `total_size`. An
/// identity the batch could not make a job for is not a result (it is in
/// the batch's `state_commentary`), nor is one the queue has not reached
/// yet (the batch is still `RUNNING`).
fn list_results(sb: &Sandbox, batch_id: &str, raw: Option<&str>) -> Result<Response, ApiError> {
    let query = ListQuery::parse_unfiltered(raw)?;
    let now = sb.now();
    let store = sb.store();
    let batch = store
        .batches
        .get(batch_id)
        .ok_or_else(|| not_found(batch_id))?;
    // A job deleted with its identity is no longer a result.
    let jobs: Vec<&JobRecord> = batch
        .job_ids
        .iter()
        .filter_map(|id| store.jobs.get(id))
        .collect();
    let (mut success, mut failure, mut pending) = (0, 0, 0);
    for job in &jobs {
        match job.state_at(now) {
            JobState::Complete => success += 1,
            state if state.is_finished() => failure += 1,
            _ => pending += 1,
        }
    }
    let window = RESULTS.window(jobs.len(), &query)?;
    let views = jobs[window.range.clone()]
        .iter()
        .map(|j| j.view(sb.seed(), now))
        .collect();
    let mut body = window.page(views).into_body("job_results");
    body["total_success_count"] = json!(success);
    body["total_failure_count"] = json!(failure);
    body["total_pending_count"] = json!(pending);
    Ok(Json(body).into_response())
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(Resource::BatchCredentialBindingJob, id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn identity_ids_follow_the_spec_limits() {
        assert!(check_identity_ids(&ids(&["a", "b"])).is_ok());
        assert!(check_identity_ids(&[]).is_err());
        assert!(check_identity_ids(&vec!["x".to_owned(); 1]).is_ok());
        let too_many: Vec<String> = (0..=MAX_IDENTITIES).map(|n| n.to_string()).collect();
        assert!(check_identity_ids(&too_many).is_err());
        let empty = check_identity_ids(&ids(&["a", ""])).unwrap_err();
        assert_eq!(empty.field, "batch_credential_binding_job.identity_ids[1]");
    }

    #[test]
    fn a_repeated_identity_is_refused() {
        let err = check_identity_ids(&ids(&["a", "b", "a"])).unwrap_err();
        assert_eq!(err.field, "batch_credential_binding_job.identity_ids[2]");
        assert_eq!(err.description, "duplicate identity id");
    }
}
