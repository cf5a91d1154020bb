//! Batch credential binding jobs: one request asks for up to 1000 jobs, the
//! server makes them asynchronously (the batch is `RUNNING` until then), and
//! each realm queues at most 1000 jobs at a time.

use super::credential_binding_jobs::CredentialBindingJob;
use super::{BeyondIdentity, Page, RealmRef};
use crate::api::error::ApiError;
use crate::api::http::{Effect, Request};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The most identities one batch may name.
pub const MAX_BATCH: usize = 1000;
/// The most jobs a realm holds in its batch queue at a time.
pub const QUEUE_LIMIT: usize = 1000;

/// The template every job of a batch is made from. The batch API has no
/// delivery method: its jobs email their links.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobTemplate {
    pub authenticator_config_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_binding_redirect_uri: Option<String>,
}

/// What a create carries (`{"batch_credential_binding_job": {...}}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewBatch<'a> {
    pub identity_ids: &'a [String],
    pub job_template: &'a JobTemplate,
}

/// Why the batch could not make an identity's job.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct IdentityError {
    #[serde(default)]
    pub last_error: String,
    /// The server gave up on it: retrying the same request will not help.
    #[serde(default)]
    pub failed_permanently: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct StateCommentary {
    #[serde(default)]
    pub errors: BTreeMap<String, IdentityError>,
}

/// A batch as the API returns it. `state` stays a string (`RUNNING`,
/// `SUCCESS`, `PARTIAL_SUCCESS`, `FAILED`, or a newer one).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Batch {
    pub id: String,
    #[serde(default)]
    pub identity_ids: Vec<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub state_commentary: Option<StateCommentary>,
    #[serde(default)]
    pub create_time: Option<String>,
    #[serde(default)]
    pub update_time: Option<String>,
}

impl Batch {
    /// Still making its jobs.
    pub fn is_running(&self) -> bool {
        self.state.as_deref().is_none_or(|s| s == "RUNNING")
    }

    /// How long the server took, by its own clock: from the batch's creation
    /// to its last update, which for a finished batch is its last job.
    pub fn took(&self) -> Option<std::time::Duration> {
        let at = |t: &Option<String>| {
            time::OffsetDateTime::parse(
                t.as_deref()?,
                &time::format_description::well_known::Rfc3339,
            )
            .ok()
        };
        (at(&self.update_time)? - at(&self.create_time)?)
            .try_into()
            .ok()
    }

    /// The identities the batch could not make a job for.
    pub fn errors(&self) -> impl Iterator<Item = (&String, &IdentityError)> {
        self.state_commentary.iter().flat_map(|c| c.errors.iter())
    }
}

#[derive(Debug, Clone, Deserialize)]
struct ResultPage {
    #[serde(default)]
    job_results: Vec<CredentialBindingJob>,
    #[serde(default)]
    next_page_token: Option<String>,
}

impl Page for ResultPage {
    type Item = CredentialBindingJob;
    fn into_parts(self) -> (Vec<CredentialBindingJob>, Option<String>) {
        (self.job_results, self.next_page_token)
    }
}

impl BeyondIdentity {
    /// Queues a batch. Every job it makes emails a person, so it is never
    /// repeated unless the failure proves nothing was queued; a 429 is the
    /// realm's queue being full and comes back with its
    /// `rate_limit_remaining`, for the caller to size the next batch.
    pub async fn create_batch(
        &self,
        realm: &RealmRef,
        batch: &NewBatch<'_>,
    ) -> Result<Batch, ApiError> {
        let body = serde_json::json!({ "batch_credential_binding_job": batch });
        let url = self.url(realm, &["batch-credential-binding-jobs"]);
        self.call(Request::new(Method::POST, url, Effect::Queued).json(body))
            .await
    }

    pub async fn get_batch(&self, realm: &RealmRef, id: &str) -> Result<Batch, ApiError> {
        let url = self.url(realm, &["batch-credential-binding-jobs", id]);
        self.call(Request::new(Method::GET, url, Effect::RetrySafe))
            .await
    }

    /// The jobs a batch made, handed to `each` a page of 200 at a time.
    pub async fn each_batch_result(
        &self,
        realm: &RealmRef,
        id: &str,
        each: impl FnMut(Vec<CredentialBindingJob>),
    ) -> Result<(), ApiError> {
        let verb = format!("{id}:listResults");
        let mut url = self.url(realm, &["batch-credential-binding-jobs", &verb]);
        url.query_pairs_mut().append_pair("page_size", "200");
        self.each_page::<ResultPage>(url, each).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_create_body_is_what_the_spec_shows() {
        let template = JobTemplate {
            authenticator_config_id: "c".into(),
            post_binding_redirect_uri: None,
        };
        let ids = vec!["a".to_owned(), "b".to_owned()];
        let body = serde_json::to_value(NewBatch {
            identity_ids: &ids,
            job_template: &template,
        })
        .unwrap();
        assert_eq!(
            body,
            serde_json::json!({"identity_ids": ["a", "b"], "job_template": {"authenticator_config_id": "c"}})
        );
    }

    #[test]
    fn a_batch_with_per_identity_errors_decodes() {
        let b: Batch = serde_json::from_str(
            r#"{"id":"b","identity_ids":["x","y"],"state":"PARTIAL_SUCCESS",
               "state_commentary":{"errors":{"y":{"last_error":"Identity missing email address","failed_permanently":true}}}}"#,
        )
        .unwrap();
        assert!(!b.is_running());
        let errors: Vec<_> = b.errors().collect();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].1.failed_permanently);
        let empty: Batch =
            serde_json::from_str(r#"{"id":"b","state":"RUNNING","state_commentary":{}}"#).unwrap();
        assert!(empty.is_running());
        assert_eq!(empty.errors().count(), 0);
    }
}
