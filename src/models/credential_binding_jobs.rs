//! The `enroll_credential_binding_jobs` data source as Terraform holds it:
//! its filters, and each job found as an object of `jobs`.

use crate::api::beyond_identity::credential_binding_jobs::CredentialBindingJob;
use crate::schema::plan::opt;
use serde::{Deserialize, Serialize};
use tf_provider::value::Value;

/// One job of `jobs`: every field the API returns about it, so a report
/// needs no second lookup. Its tenant and realm are the data source's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Job {
    #[serde(default)]
    pub id: Value<String>,
    #[serde(default)]
    pub identity_id: Value<String>,
    #[serde(default)]
    pub authenticator_config_id: Value<String>,
    #[serde(default)]
    pub delivery_method: Value<String>,
    #[serde(default)]
    pub state: Value<String>,
    #[serde(default)]
    pub post_binding_redirect_uri: Value<String>,
    #[serde(default)]
    pub credential_id: Value<String>,
    #[serde(default)]
    pub batch_id: Value<String>,
    #[serde(default)]
    pub create_time: Value<String>,
    #[serde(default)]
    pub update_time: Value<String>,
    #[serde(default)]
    pub expire_time: Value<String>,
}

/// The fields of `Job`, for the object type in the schema; a unit test
/// keeps the two in step.
pub const JOB_FIELDS: [&str; 11] = [
    "id",
    "identity_id",
    "authenticator_config_id",
    "delivery_method",
    "state",
    "post_binding_redirect_uri",
    "credential_id",
    "batch_id",
    "create_time",
    "update_time",
    "expire_time",
];

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    #[serde(default)]
    pub identity_id: Value<String>,
    #[serde(default)]
    pub authenticator_config_id: Value<String>,
    #[serde(default)]
    pub states: Value<Vec<Value<String>>>,
    #[serde(default)]
    pub tenant_id: Value<String>,
    #[serde(default)]
    pub realm_id: Value<String>,
    #[serde(default)]
    pub id: Value<String>,
    #[serde(default)]
    pub jobs: Value<Vec<Job>>,
}

/// A job as the API returns it; what it leaves out is null.
pub fn job_from_api(job: CredentialBindingJob) -> Job {
    Job {
        id: Value::Value(job.id),
        identity_id: opt(job.identity_id),
        authenticator_config_id: opt(job.authenticator_config_id),
        delivery_method: opt(job.delivery_method),
        state: opt(job.state),
        post_binding_redirect_uri: opt(job.post_binding_redirect_uri),
        credential_id: opt(job.credential_id),
        batch_id: opt(job.batch_id),
        create_time: opt(job.create_time),
        update_time: opt(job.update_time),
        expire_time: opt(job.expire_time),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_lists_exactly_the_fields_of_a_job() {
        let json = serde_json::to_value(Job::default()).unwrap();
        let mut have: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut want = JOB_FIELDS.to_vec();
        have.sort_unstable();
        want.sort_unstable();
        assert_eq!(have, want);
    }

    #[test]
    fn what_the_api_leaves_out_is_null() {
        let job: CredentialBindingJob =
            serde_json::from_str(r#"{"id":"j","state":"LINK_SENT","batch_id":"b"}"#).unwrap();
        let j = job_from_api(job);
        assert_eq!(j.batch_id, Value::Value("b".to_owned()));
        assert_eq!(j.credential_id, Value::Null);
    }
}
