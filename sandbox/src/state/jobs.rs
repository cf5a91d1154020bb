//! Credential binding jobs as the realm holds them: the records, and the
//! table that finds an identity's jobs without reading every job.

use std::collections::HashMap;
use std::time::SystemTime;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::beyond_identity::config_types::Config;
use crate::harness::clock::rfc3339;
use crate::harness::seed::Seed;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum DeliveryMethod {
    #[serde(rename = "RETURN")]
    Return,
    #[serde(rename = "EMAIL")]
    Email,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(dead_code)] // the spec's full set; the sandbox reaches only some
pub(crate) enum JobState {
    LinkSent,
    LinkOpened,
    RequestDelivered,
    Complete,
    Expired,
    FailedToSend,
    Revoked,
}

impl JobState {
    pub(crate) fn is_finished(self) -> bool {
        matches!(
            self,
            JobState::Complete | JobState::Expired | JobState::Revoked | JobState::FailedToSend
        )
    }
}

/// What a job is made from, and what a batch makes each of its jobs from
/// (the spec's `job_template`).
#[derive(Debug, Clone)]
pub(crate) struct JobTemplate {
    pub authenticator_config_id: Option<String>,
    pub authenticator_config: Option<Config>,
    pub post_binding_redirect_uri: Option<String>,
    pub expire_time: SystemTime,
}

impl JobTemplate {
    /// Its fields, named as a job and a batch's `job_template` name them.
    pub(crate) fn write(&self, view: &mut Value) {
        view["expire_time"] = json!(rfc3339(self.expire_time));
        if let Some(id) = &self.authenticator_config_id {
            view["authenticator_config_id"] = json!(id);
        }
        if let Some(config) = &self.authenticator_config {
            view["authenticator_config"] = json!({ "config": config.to_value() });
        }
        if let Some(uri) = &self.post_binding_redirect_uri {
            view["post_binding_redirect_uri"] = json!(uri);
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct JobRecord {
    pub id: String,
    pub identity_id: String,
    pub delivery_method: DeliveryMethod,
    pub state: JobState,
    pub template: JobTemplate,
    pub credential_id: Option<String>,
    /// The batch that made the job, if one did.
    pub batch_id: Option<String>,
    pub create_time: SystemTime,
    pub update_time: SystemTime,
    /// The `token` query parameter of the job's link.
    pub link_token: String,
}

impl JobRecord {
    /// A job nobody finished reads as `EXPIRED` once its link has expired;
    /// nothing has to run at that moment.
    pub(crate) fn state_at(&self, now: SystemTime) -> JobState {
        if !self.state.is_finished() && now >= self.template.expire_time {
            JobState::Expired
        } else {
            self.state
        }
    }

    pub(crate) fn view(&self, seed: &Seed, now: SystemTime) -> Value {
        let mut view = json!({
            "id": self.id,
            "identity_id": self.identity_id,
            "realm_id": seed.realm_id,
            "tenant_id": seed.tenant_id,
            "delivery_method": self.delivery_method,
            "state": self.state_at(now),
            "create_time": rfc3339(self.create_time),
            "update_time": rfc3339(self.update_time),
        });
        self.template.write(&mut view);
        if let Some(id) = &self.credential_id {
            view["credential_id"] = json!(id);
        }
        if let Some(id) = &self.batch_id {
            view["batch_id"] = json!(id);
        }
        view
    }
}

/// Every job of the realm in the order they were made, which is the order
/// the lists page through, with each identity's job ids beside them: the
/// enrollment status of an identity and the list of its jobs then cost what
/// that identity has, not what the realm has (100,000 jobs after a large
/// batch).
#[derive(Debug, Default)]
pub(crate) struct Jobs {
    all: IndexMap<String, JobRecord>,
    by_identity: HashMap<String, Vec<String>>,
}

impl Jobs {
    pub(crate) fn insert(&mut self, job: JobRecord) {
        self.by_identity
            .entry(job.identity_id.clone())
            .or_default()
            .push(job.id.clone());
        self.all.insert(job.id.clone(), job);
    }

    pub(crate) fn get(&self, id: &str) -> Option<&JobRecord> {
        self.all.get(id)
    }

    /// An identity's jobs cannot move to another identity, so handing out
    /// a mutable record keeps the index right.
    pub(crate) fn get_mut(&mut self, id: &str) -> Option<&mut JobRecord> {
        self.all.get_mut(id)
    }

    pub(crate) fn len(&self) -> usize {
        self.all.len()
    }

    /// The `index`th job made (of those still held).
    pub(crate) fn get_index(&self, index: usize) -> Option<&JobRecord> {
        self.all.get_index(index).map(|(_, job)| job)
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &JobRecord> {
        self.all.values()
    }

    /// The identity's jobs, oldest first.
    pub(crate) fn of_identity<'a>(
        &'a self,
        identity_id: &str,
    ) -> impl Iterator<Item = &'a JobRecord> + 'a {
        self.by_identity
            .get(identity_id)
            .into_iter()
            .flatten()
            .filter_map(|id| self.all.get(id))
    }

    /// Forgets the identity's jobs, as deleting an identity does.
    pub(crate) fn remove_identity(&mut self, identity_id: &str) {
        if self.by_identity.remove(identity_id).is_some() {
            self.all.retain(|_, j| j.identity_id != identity_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(id: &str, identity_id: &str) -> JobRecord {
        JobRecord {
            id: id.to_owned(),
            identity_id: identity_id.to_owned(),
            delivery_method: DeliveryMethod::Email,
            state: JobState::LinkSent,
            template: JobTemplate {
                authenticator_config_id: None,
                authenticator_config: None,
                post_binding_redirect_uri: None,
                expire_time: SystemTime::UNIX_EPOCH,
            },
            credential_id: None,
            batch_id: None,
            create_time: SystemTime::UNIX_EPOCH,
            update_time: SystemTime::UNIX_EPOCH,
            link_token: String::new(),
        }
    }

    fn ids<'a>(jobs: impl Iterator<Item = &'a JobRecord>) -> Vec<&'a str> {
        jobs.map(|j| j.id.as_str()).collect()
    }

    #[test]
    fn an_identity_s_jobs_are_found_and_forgotten_with_it() {
        let mut jobs = Jobs::default();
        jobs.insert(job("j1", "alice"));
        jobs.insert(job("j2", "bob"));
        jobs.insert(job("j3", "alice"));
        assert_eq!(ids(jobs.of_identity("alice")), ["j1", "j3"]);
        jobs.remove_identity("alice");
        assert_eq!(ids(jobs.values()), ["j2"]);
        assert_eq!(jobs.of_identity("alice").count(), 0);
        assert_eq!(jobs.get_index(0).map(|j| j.id.as_str()), Some("j2"));
    }

    #[test]
    fn a_batch_job_names_its_batch() {
        let mut made = job("j1", "alice");
        made.batch_id = Some("b1".into());
        let view = made.view(&Seed::default(), SystemTime::UNIX_EPOCH);
        assert_eq!(view["batch_id"], "b1");
        assert!(job("j2", "bob")
            .view(&Seed::default(), SystemTime::UNIX_EPOCH)
            .get("batch_id")
            .is_none());
    }
}
