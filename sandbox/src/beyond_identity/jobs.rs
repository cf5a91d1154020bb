//! Credential binding jobs: the call that sends the enrollment email.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::authorize;
use super::error::{ApiError, Resource};
use super::job_template::{
    issue, redirect_uri, Authenticator, InlineConfig, NewJob, LINK_LIFETIME,
};
use super::pagination::{ListQuery, Listing};
use crate::http::body::{parse, parse_json, FieldViolation};
use crate::sandbox::Sandbox;
use crate::state::{DeliveryMethod, JobRecord, JobState, JobTemplate};
use crate::ui::page;

/// The spec's sizes for every list of jobs.
pub(crate) const JOB_LISTING: Listing = Listing {
    kind: "credential_binding_jobs",
    default_size: 20,
    max_size: 200,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JobRequest {
    job: JobBody,
}

/// Read-only fields are accepted and ignored, as the spec says.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct JobBody {
    delivery_method: DeliveryMethod,
    authenticator_config_id: Option<String>,
    authenticator_config: Option<InlineConfig>,
    post_binding_redirect_uri: Option<String>,
    id: Option<IgnoredAny>,
    identity_id: Option<IgnoredAny>,
    realm_id: Option<IgnoredAny>,
    tenant_id: Option<IgnoredAny>,
    credential_id: Option<IgnoredAny>,
    batch_id: Option<IgnoredAny>,
    state: Option<IgnoredAny>,
    expire_time: Option<IgnoredAny>,
    create_time: Option<IgnoredAny>,
    update_time: Option<IgnoredAny>,
}

pub(crate) async fn create(
    State(sb): State<Sandbox>,
    Path((tenant, realm, identity_id)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    authorize(&sb, &headers, &tenant, &realm)?;
    let JobRequest { job: input } = parse(&body)?;
    let authenticator = Authenticator::parse(
        input.authenticator_config_id,
        input.authenticator_config,
        "job",
    )?;
    let redirect = redirect_uri(
        input.post_binding_redirect_uri,
        "job.post_binding_redirect_uri",
    )?;
    let now = sb.now();
    let mut store = sb.store();

    let identity = store
        .identities
        .get(&identity_id)
        .ok_or_else(|| ApiError::not_found(Resource::Identity, &identity_id))?;
    let email = identity.email().map(str::to_owned);
    let (config_id, inline_config) = authenticator.resolve(&store)?;
    if input.delivery_method == DeliveryMethod::Email && email.is_none() {
        return Err(ApiError::about(
            StatusCode::UNPROCESSABLE_ENTITY,
            Resource::Identity,
            &identity_id,
            "Identity missing email address",
        ));
    }

    let new = NewJob {
        identity_id,
        delivery_method: input.delivery_method,
        email,
        template: JobTemplate {
            authenticator_config_id: config_id,
            authenticator_config: inline_config,
            post_binding_redirect_uri: redirect,
            expire_time: now + LINK_LIFETIME,
        },
        batch_id: None,
    };
    let (id, link) = issue(&sb, &mut store, new, now);
    let job = store.jobs.get(&id).ok_or_else(|| job_not_found(&id))?;
    let mut response = json!({ "credential_binding_job": job.view(sb.seed(), now) });
    if input.delivery_method == DeliveryMethod::Return {
        response["credential_binding_link"] = json!(link);
    }
    Ok(Json(response).into_response())
}

/// `identity_id` may be `-`: every job in the realm. Only the requested
/// page is rendered, so a sweep of a large realm costs a page per request.
pub(crate) async fn list(
    State(sb): State<Sandbox>,
    Path((tenant, realm, identity_id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authorize(&sb, &headers, &tenant, &realm)?;
    let query = ListQuery::parse_unfiltered(raw.as_deref())?;
    let now = sb.now();
    let store = sb.store();
    let view = |j: &JobRecord| j.view(sb.seed(), now);
    let page = if identity_id == "-" {
        let window = JOB_LISTING.window(store.jobs.len(), &query)?;
        let views = window
            .range
            .clone()
            .filter_map(|i| store.jobs.get_index(i))
            .map(view)
            .collect();
        window.page(views)
    } else {
        let jobs: Vec<&JobRecord> = store.jobs.of_identity(&identity_id).collect();
        let window = JOB_LISTING.window(jobs.len(), &query)?;
        let views = jobs[window.range.clone()].iter().map(|j| view(j)).collect();
        window.page(views)
    };
    Ok(page.into_response("credential_binding_jobs"))
}

/// `GET …/credential-binding-jobs/{id}` (the bare job), or the link itself,
/// `…/{id}:invokeAuthenticator?token=…`, which a person opens in a browser.
pub(crate) async fn get(
    State(sb): State<Sandbox>,
    Path((tenant, realm, identity_id, job_id)): Path<(String, String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(job_id) = job_id.strip_suffix(":invokeAuthenticator") {
        return Ok(invoke_authenticator(
            &sb,
            &identity_id,
            job_id,
            raw.as_deref(),
        ));
    }
    authorize(&sb, &headers, &tenant, &realm)?;
    let now = sb.now();
    let store = sb.store();
    let job = store
        .jobs
        .get(&job_id)
        .filter(|j| j.identity_id == identity_id)
        .ok_or_else(|| job_not_found(&job_id))?;
    Ok(Json(job.view(sb.seed(), now)).into_response())
}

/// `POST …/credential-binding-jobs/{id}:revoke`: the path segment carries
/// the verb, Google API style.
pub(crate) async fn post_verb(
    State(sb): State<Sandbox>,
    Path((tenant, realm, identity_id, segment)): Path<(String, String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    authorize(&sb, &headers, &tenant, &realm)?;
    let Some(job_id) = segment.strip_suffix(":revoke") else {
        return Err(ApiError::plain(StatusCode::NOT_FOUND, "not found"));
    };
    // The request body is an empty object, or nothing at all.
    if !body.iter().all(u8::is_ascii_whitespace) {
        match parse_json(&body)? {
            Value::Object(fields) => {
                if let Some(key) = fields.keys().next() {
                    return Err(FieldViolation::new(key.as_str(), "unknown field").into());
                }
            }
            _ => return Err(ApiError::malformed()),
        }
    }
    let now = sb.now();
    let mut store = sb.store();
    let job = store
        .jobs
        .get_mut(job_id)
        .filter(|j| j.identity_id == identity_id)
        .ok_or_else(|| job_not_found(job_id))?;
    let why = match job.state_at(now) {
        JobState::Complete => "credential binding job is already complete",
        JobState::Expired => "credential binding job has expired",
        JobState::Revoked => "credential binding job is already revoked",
        JobState::FailedToSend => "credential binding job failed to send",
        _ => {
            job.state = JobState::Revoked;
            job.update_time = now;
            return Ok(Json(job.view(sb.seed(), now)).into_response());
        }
    };
    Err(ApiError::about(
        StatusCode::CONFLICT,
        Resource::CredentialBindingJob,
        job_id,
        why,
    ))
}

fn invoke_authenticator(
    sb: &Sandbox,
    identity_id: &str,
    job_id: &str,
    query: Option<&str>,
) -> Response {
    let token = query
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "token"))
        .map(|(_, v)| v);
    let now = sb.now();
    let store = sb.store();
    let job = store.jobs.get(job_id).filter(|j| {
        j.identity_id == identity_id && token.as_deref() == Some(j.link_token.as_str())
    });
    match job {
        Some(job) => {
            let recipient = store
                .identities
                .get(identity_id)
                .and_then(|i| i.email().or(i.username()))
                .unwrap_or(identity_id);
            page::job_link(job, recipient, now).into_response()
        }
        None => page::invalid_link().into_response(),
    }
}

fn job_not_found(id: &str) -> ApiError {
    ApiError::not_found(Resource::CredentialBindingJob, id)
}
