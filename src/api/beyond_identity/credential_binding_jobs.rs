//! Credential binding jobs: creating one emails (or returns) an
//! enrollment link.

use super::{BeyondIdentity, Page, RealmRef};
use crate::api::error::ApiError;
use crate::api::http::{Effect, Request};
use reqwest::Method;
use serde::{Deserialize, Serialize};

/// Delivery of a credential binding link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeliveryMethod {
    #[serde(rename = "EMAIL")]
    Email,
    #[serde(rename = "RETURN")]
    Return,
}

impl DeliveryMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryMethod::Email => "EMAIL",
            DeliveryMethod::Return => "RETURN",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "EMAIL" => Some(DeliveryMethod::Email),
            "RETURN" => Some(DeliveryMethod::Return),
            _ => None,
        }
    }
}

/// What a create request carries (`{"job": {...}}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewCredentialBindingJob {
    pub delivery_method: DeliveryMethod,
    pub authenticator_config_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_binding_redirect_uri: Option<String>,
}

/// A job as the API returns it. `state` stays a string: the spec's list of
/// states grows (clients that enumerate it broke on `EXPIRED`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct CredentialBindingJob {
    pub id: String,
    #[serde(default)]
    pub identity_id: Option<String>,
    #[serde(default)]
    pub tenant_id: Option<String>,
    #[serde(default)]
    pub realm_id: Option<String>,
    #[serde(default)]
    pub authenticator_config_id: Option<String>,
    #[serde(default)]
    pub delivery_method: Option<String>,
    #[serde(default)]
    pub post_binding_redirect_uri: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub credential_id: Option<String>,
    #[serde(default)]
    pub create_time: Option<String>,
    #[serde(default)]
    pub update_time: Option<String>,
    #[serde(default)]
    pub expire_time: Option<String>,
    /// The batch that made the job, if a batch did.
    #[serde(default)]
    pub batch_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CreatedJob {
    pub credential_binding_job: CredentialBindingJob,
    #[serde(default)]
    pub credential_binding_link: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct JobPage {
    #[serde(default)]
    credential_binding_jobs: Vec<CredentialBindingJob>,
    #[serde(default)]
    next_page_token: Option<String>,
}

/// A page read only for the list's `total_size`.
#[derive(Debug, Deserialize)]
struct JobCount {
    #[serde(default)]
    total_size: Option<usize>,
}

impl Page for JobPage {
    type Item = CredentialBindingJob;
    fn into_parts(self) -> (Vec<CredentialBindingJob>, Option<String>) {
        (self.credential_binding_jobs, self.next_page_token)
    }
}

impl BeyondIdentity {
    /// The one call that emails a person (for `EMAIL`). Never retried
    /// unless the failure proves nothing was sent.
    pub async fn create_credential_binding_job(
        &self,
        realm: &RealmRef,
        identity_id: &str,
        job: &NewCredentialBindingJob,
    ) -> Result<CreatedJob, ApiError> {
        let body = serde_json::json!({ "job": job });
        let url = self.url(
            realm,
            &["identities", identity_id, "credential-binding-jobs"],
        );
        let effect = match job.delivery_method {
            // No email is involved in RETURN: a twin job is harmless.
            DeliveryMethod::Return => Effect::RetrySafe,
            DeliveryMethod::Email => Effect::NotRepeatable,
        };
        self.call(Request::new(Method::POST, url, effect).json(body))
            .await
    }

    /// GET of a job returns the bare object (only create wraps it).
    pub async fn get_credential_binding_job(
        &self,
        realm: &RealmRef,
        identity_id: &str,
        job_id: &str,
    ) -> Result<CredentialBindingJob, ApiError> {
        let url = self.url(
            realm,
            &["identities", identity_id, "credential-binding-jobs", job_id],
        );
        self.call(Request::new(Method::GET, url, Effect::RetrySafe))
            .await
    }

    /// Every job of an identity, following `next_page_token` to the end.
    pub async fn list_credential_binding_jobs(
        &self,
        realm: &RealmRef,
        identity_id: &str,
    ) -> Result<Vec<CredentialBindingJob>, ApiError> {
        let mut url = self.url(
            realm,
            &["identities", identity_id, "credential-binding-jobs"],
        );
        url.query_pairs_mut().append_pair("page_size", "100");
        self.all_pages::<JobPage>(url).await
    }

    /// Every job of the realm (`identities/-/…`), handed to `each` a page
    /// of 200 (the most the API returns) at a time, so a realm of 100,000
    /// jobs is never held twice. Returns how many there were.
    pub async fn each_job_of_realm(
        &self,
        realm: &RealmRef,
        mut each: impl FnMut(Vec<CredentialBindingJob>),
    ) -> Result<usize, ApiError> {
        let mut url = self.url(realm, &["identities", "-", "credential-binding-jobs"]);
        url.query_pairs_mut().append_pair("page_size", "200");
        let mut total = 0;
        self.each_page::<JobPage>(url, |jobs| {
            total += jobs.len();
            each(jobs)
        })
        .await?;
        Ok(total)
    }

    /// How many jobs the realm holds (the list's `total_size`, one request
    /// for a page of one); `None` when the API does not say.
    pub async fn count_jobs_of_realm(&self, realm: &RealmRef) -> Result<Option<usize>, ApiError> {
        let mut url = self.url(realm, &["identities", "-", "credential-binding-jobs"]);
        url.query_pairs_mut().append_pair("page_size", "1");
        let page: JobCount = self
            .call(Request::new(Method::GET, url, Effect::RetrySafe))
            .await?;
        Ok(page.total_size)
    }

    pub async fn revoke_credential_binding_job(
        &self,
        realm: &RealmRef,
        identity_id: &str,
        job_id: &str,
    ) -> Result<CredentialBindingJob, ApiError> {
        let action = format!("{job_id}:revoke");
        let url = self.url(
            realm,
            &[
                "identities",
                identity_id,
                "credential-binding-jobs",
                &action,
            ],
        );
        self.call(Request::new(Method::POST, url, Effect::RetrySafe).json(serde_json::json!({})))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_with_an_unknown_future_state_decodes() {
        let j: CredentialBindingJob =
            serde_json::from_str(r#"{"id":"a","state":"SOMETHING_NEW"}"#).unwrap();
        assert_eq!(j.state.as_deref(), Some("SOMETHING_NEW"));
    }
}
