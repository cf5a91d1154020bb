//! Which job a lost create made. A job has no natural key: the only way to
//! know whether a create whose answer was lost emailed the link is to list
//! the identity's jobs and recognise one the attempt could have made.

use crate::api::beyond_identity::credential_binding_jobs::CredentialBindingJob;
use crate::api::beyond_identity::{BeyondIdentity, RealmRef};
use crate::api::ApiError;
use crate::models::attempt::Attempt;
use crate::models::credential_binding_job::{Private, State};
use crate::resources::claims::Claims;
use crate::resources::common::api_error;
use crate::resources::unresolved::{log_lost, look_twice, quiet, settle_time, warn_unresolved};
use crate::schema::plan::known_str;
use std::sync::Mutex;
use std::time::Duration;
use tf_provider::value::Value;
use tf_provider::Diagnostics;

/// What waiting on an unresolved job means.
const CONSEQUENCE: &str = "no second email is sent in this apply.";

/// What the lost create asked for.
pub(super) struct Wanted<'a> {
    pub authenticator_config_id: &'a str,
    pub delivery_method: &'a str,
}

fn wanted(s: &State) -> Wanted<'_> {
    Wanted {
        authenticator_config_id: known_str(&s.authenticator_config_id).unwrap_or_default(),
        delivery_method: known_str(&s.delivery_method).unwrap_or_default(),
    }
}

/// The job a lost create made, claimed for this resource: the newest job
/// the attempt could have made that no other resource of this process
/// holds.
async fn made_by(
    claims: &Claims,
    api: &BeyondIdentity,
    realm: &RealmRef,
    identity_id: &str,
    wanted: &Wanted<'_>,
    attempt: &Attempt,
    seen: &Mutex<Vec<String>>,
) -> Result<Option<CredentialBindingJob>, ApiError> {
    let look = async {
        let jobs = api.list_credential_binding_jobs(realm, identity_id).await?;
        let found = candidates(jobs, wanted, attempt);
        let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
        *seen = found.iter().map(|j| j.id.clone()).collect();
        Ok(found)
    };
    claims.adopt(look, |j| j.id.as_str()).await
}

/// A refresh (or destroy) of a job whose create's answer was lost, when
/// the server is long done: the job the attempt made, or none when it made
/// nothing. `None`: the look failed and an error was reported.
pub(super) async fn resolve(
    diags: &mut Diagnostics,
    claims: &Claims,
    api: &BeyondIdentity,
    realm: &RealmRef,
    state: &State,
    attempt: &Attempt,
) -> Option<Option<CredentialBindingJob>> {
    quiet("credential_binding_job", attempt).await;
    let identity_id = known_str(&state.identity_id).unwrap_or_default();
    let seen = Mutex::default();
    match made_by(
        claims,
        api,
        realm,
        identity_id,
        &wanted(state),
        attempt,
        &seen,
    )
    .await
    {
        Ok(found) => Some(found),
        Err(e) => {
            let summary = "Cannot look for the job a lost create made";
            api_error(diags, summary, &e, None);
            None
        }
    }
}

/// After the answer to an EMAIL job's create was lost: the job it made, if
/// the identity's jobs show it (looked for twice, giving the server time to
/// finish the request). Otherwise the private state that records the
/// attempt: nothing is sent again in this apply, and the next refresh
/// adopts the job or forgets the resource so the plan sends exactly once.
#[allow(clippy::too_many_arguments)]
pub(super) async fn after_lost_create(
    diags: &mut Diagnostics,
    claims: &Claims,
    api: &BeyondIdentity,
    realm: &RealmRef,
    identity_id: &str,
    planned: &State,
    attempt: Attempt,
    lost: ApiError,
    took: Duration,
) -> Result<CredentialBindingJob, Private> {
    let settle = settle_time(took);
    log_lost("credential_binding_job", &lost);
    let wanted = wanted(planned);
    let seen = Mutex::default();
    let look = look_twice(settle, || {
        made_by(claims, api, realm, identity_id, &wanted, &attempt, &seen)
    })
    .await;
    let look_err = match look {
        Ok(Some(job)) => return Ok(job),
        Ok(None) => None,
        Err(e) => Some(e),
    };
    let what = "credential binding job";
    warn_unresolved(diags, what, CONSEQUENCE, &lost, look_err.as_ref());
    // Look-alikes seen now were made by siblings (this one's would have
    // been adopted): a later refresh must not take them for the lost one.
    let mut attempt = attempt.give_up(took);
    attempt.existing = seen.into_inner().unwrap_or_else(|p| p.into_inner());
    Err(Private {
        imported: false,
        unresolved: Some(attempt),
    })
}

/// A job recorded without an id: nothing says yet whether it was made.
pub(super) fn unresolve(s: &mut State) {
    for v in [
        &mut s.id,
        &mut s.state,
        &mut s.create_time,
        &mut s.update_time,
        &mut s.expire_time,
        &mut s.credential_id,
        &mut s.credential_binding_link,
    ] {
        *v = Value::Null;
    }
}

/// The jobs the attempt could have made, newest first: same authenticator
/// configuration and delivery method, created around the attempt.
fn candidates(
    jobs: Vec<CredentialBindingJob>,
    wanted: &Wanted,
    attempt: &Attempt,
) -> Vec<CredentialBindingJob> {
    let mut found: Vec<CredentialBindingJob> = jobs
        .into_iter()
        .filter(|j| {
            j.authenticator_config_id.as_deref() == Some(wanted.authenticator_config_id)
                && j.delivery_method.as_deref() == Some(wanted.delivery_method)
                && j.create_time.is_some()
                && attempt.could_have_made(j.create_time.as_deref())
                && !attempt.existing.contains(&j.id)
        })
        .collect();
    found.sort_by(|a, b| b.create_time.cmp(&a.create_time));
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::format_description::well_known::Rfc3339;
    use time::OffsetDateTime;

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
            batch_id: None,
        }
    }

    fn ids(jobs: Vec<CredentialBindingJob>) -> Vec<String> {
        jobs.into_iter().map(|j| j.id).collect()
    }

    const WANTED: Wanted = Wanted {
        authenticator_config_id: "c",
        delivery_method: "EMAIL",
    };

    fn attempt() -> Attempt {
        Attempt::new(
            OffsetDateTime::parse("2026-01-01T00:00:00Z", &Rfc3339).unwrap(),
            vec![],
        )
    }

    #[test]
    fn jobs_made_around_the_attempt_come_newest_first() {
        let jobs = vec![
            job("old", "c", "EMAIL", "2025-12-31T23:00:00Z"),
            job("a", "c", "EMAIL", "2026-01-01T00:00:01Z"),
            job("b", "c", "EMAIL", "2026-01-01T00:00:02Z"),
            job("later", "c", "EMAIL", "2026-01-01T02:00:00Z"),
        ];
        assert_eq!(ids(candidates(jobs, &WANTED, &attempt())), ["b", "a"]);
    }

    #[test]
    fn another_config_or_delivery_method_is_not_a_candidate() {
        let jobs = vec![
            job("x", "other", "EMAIL", "2026-01-01T00:00:01Z"),
            job("y", "c", "RETURN", "2026-01-01T00:00:01Z"),
        ];
        assert!(candidates(jobs, &WANTED, &attempt()).is_empty());
    }
}
