//! Which job a lost create made. A create whose answer was lost (a timeout,
//! a 502, a dropped connection) may or may not have emailed the link; the
//! only way to know is to list the identity's jobs and recognise the one it
//! made. `Claims` makes that recognition safe when several resources of one
//! apply create jobs for the same identity at once.

use crate::api::beyond_identity::credential_binding_jobs::{
    CreatedJob, CredentialBindingJob, NewCredentialBindingJob,
};
use crate::api::beyond_identity::{BeyondIdentity, RealmRef};
use crate::api::ApiError;
use std::collections::HashSet;
use std::sync::Mutex;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Clocks of client and server may disagree by a few seconds.
const CLOCK_SLACK: time::Duration = time::Duration::seconds(60);

/// The jobs this process created or adopted, and the creates in flight.
#[derive(Default)]
pub(super) struct Claims {
    /// Jobs this process created or adopted, so that an adoption after an
    /// ambiguous create never takes a job that belongs to another resource.
    claimed: Mutex<HashSet<String>>,
    /// Held shared by every create until its job is claimed, and exclusively
    /// by an adoption: a sibling's create still in flight when the lost one
    /// lists the identity's jobs would otherwise look like the lost job.
    creating: tokio::sync::RwLock<()>,
}

impl Claims {
    /// Creates the job and claims it before any adoption may list jobs.
    pub async fn create(
        &self,
        api: &BeyondIdentity,
        realm: &RealmRef,
        identity_id: &str,
        job: &NewCredentialBindingJob,
    ) -> Result<CreatedJob, ApiError> {
        let _creating = self.creating.read().await;
        let created = api
            .create_credential_binding_job(realm, identity_id, job)
            .await?;
        self.claim(&created.credential_binding_job.id);
        Ok(created)
    }

    /// After an ambiguous failure, the job this attempt created, if the API
    /// lists one; it is claimed before it is returned.
    pub async fn adopt(
        &self,
        api: &BeyondIdentity,
        realm: &RealmRef,
        identity_id: &str,
        job: &NewCredentialBindingJob,
        started: OffsetDateTime,
    ) -> Result<Option<CredentialBindingJob>, ApiError> {
        // Every create of this process that is still in flight finishes and
        // claims its job before the list is read.
        let _no_create_in_flight = self.creating.write().await;
        let jobs = api.list_credential_binding_jobs(realm, identity_id).await?;
        let mut claimed = self.claimed.lock().unwrap_or_else(|p| p.into_inner());
        let found = pick(jobs, job, started - CLOCK_SLACK, &claimed);
        if let Some(j) = &found {
            claimed.insert(j.id.clone());
        }
        Ok(found)
    }

    fn claim(&self, id: &str) {
        let mut claimed = self.claimed.lock().unwrap_or_else(|p| p.into_inner());
        claimed.insert(id.to_owned());
    }
}

/// The newest job that the lost create could have made: same
/// authenticator config and delivery method, created since `since`, and
/// not claimed by another resource.
fn pick(
    jobs: Vec<CredentialBindingJob>,
    wanted: &NewCredentialBindingJob,
    since: OffsetDateTime,
    claimed: &HashSet<String>,
) -> Option<CredentialBindingJob> {
    jobs.into_iter()
        .filter(|j| {
            j.authenticator_config_id.as_deref() == Some(wanted.authenticator_config_id.as_str())
                && j.delivery_method.as_deref() == Some(wanted.delivery_method.as_str())
                && j.create_time
                    .as_deref()
                    .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
                    .is_some_and(|t| t >= since)
                && !claimed.contains(&j.id)
        })
        .max_by_key(|j| j.create_time.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::beyond_identity::credential_binding_jobs::DeliveryMethod;

    fn job(id: &str, config: &str, delivery: &str, created: &str) -> CredentialBindingJob {
        CredentialBindingJob {
            id: id.into(),
            identity_id: Some("i".into()),
            tenant_id: None,
            realm_id: None,
            authenticator_config_id: Some(config.into()),
            delivery_method: Some(delivery.into()),
            post_binding_redirect_uri: None,
            state: Some("LINK_SENT".into()),
            credential_id: None,
            create_time: Some(created.into()),
            update_time: None,
            expire_time: None,
        }
    }

    fn wanted() -> NewCredentialBindingJob {
        NewCredentialBindingJob {
            delivery_method: DeliveryMethod::Email,
            authenticator_config_id: "c".into(),
            post_binding_redirect_uri: None,
        }
    }

    fn since() -> OffsetDateTime {
        OffsetDateTime::parse("2026-01-01T00:00:00Z", &Rfc3339).unwrap()
    }

    #[test]
    fn the_newest_matching_job_made_since_the_attempt_is_adopted() {
        let jobs = vec![
            job("old", "c", "EMAIL", "2025-12-31T23:00:00Z"),
            job("a", "c", "EMAIL", "2026-01-01T00:00:01Z"),
            job("b", "c", "EMAIL", "2026-01-01T00:00:02Z"),
        ];
        let found = pick(jobs, &wanted(), since(), &HashSet::new());
        assert_eq!(found.map(|j| j.id).as_deref(), Some("b"));
    }

    #[test]
    fn another_config_or_delivery_method_is_not_adopted() {
        let jobs = vec![
            job("x", "other", "EMAIL", "2026-01-01T00:00:01Z"),
            job("y", "c", "RETURN", "2026-01-01T00:00:01Z"),
        ];
        assert!(pick(jobs, &wanted(), since(), &HashSet::new()).is_none());
    }

    #[test]
    fn a_job_claimed_by_a_sibling_is_never_adopted() {
        let jobs = vec![
            job("mine", "c", "EMAIL", "2026-01-01T00:00:01Z"),
            job("sibling", "c", "EMAIL", "2026-01-01T00:00:02Z"),
        ];
        let claimed = HashSet::from(["sibling".to_owned()]);
        let found = pick(jobs, &wanted(), since(), &claimed);
        assert_eq!(found.map(|j| j.id).as_deref(), Some("mine"));
    }
}
