//! What the server holds for a set of identities: their jobs for one
//! authenticator configuration, as one sweep of the realm's jobs found them
//! (page by page, 200 at a time, keeping only the set's). Jobs made by
//! anyone count: an earlier run that was killed, the admin console, another
//! tool.

use crate::api::beyond_identity::credential_binding_jobs::CredentialBindingJob;
use crate::api::beyond_identity::{BeyondIdentity, RealmRef};
use crate::api::ApiError;
use crate::models::credential_binding_batch::{JobEntry, Seen};
use crate::resources::renewal::{parse_time, FINISHED};
use std::collections::{BTreeSet, HashMap, HashSet};
use time::OffsetDateTime;

/// One job, with only what the decisions need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Found {
    pub id: String,
    pub state: Option<String>,
    pub expire_time: Option<String>,
    pub create_time: Option<String>,
    pub batch_id: Option<String>,
}

impl Found {
    pub fn of(job: CredentialBindingJob) -> Found {
        Found {
            id: job.id,
            state: job.state,
            expire_time: job.expire_time,
            create_time: job.create_time,
            batch_id: job.batch_id,
        }
    }

    pub fn entry(&self) -> JobEntry {
        JobEntry {
            id: tf_provider::value::Value::Value(self.id.clone()),
            state: crate::schema::plan::opt(self.state.clone()),
            expire_time: crate::schema::plan::opt(self.expire_time.clone()),
        }
    }

    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        is_live(self.state.as_deref(), self.expire_time.as_deref(), now)
    }

    pub fn is_complete(&self) -> bool {
        self.state.as_deref() == Some("COMPLETE")
    }
}

/// A link the person can still use: not finished, not failed to send, and
/// not past its expiry. A state this provider does not know yet counts as
/// live (the API adds states; it would rather not send twice).
pub(super) fn is_live(state: Option<&str>, expire_time: Option<&str>, now: OffsetDateTime) -> bool {
    if state.is_some_and(|s| FINISHED.contains(&s) || s == "FAILED_TO_SEND") {
        return false;
    }
    expire_time.and_then(parse_time).is_none_or(|t| t > now)
}

#[derive(Debug, Default)]
pub(super) struct Ledger {
    jobs: HashMap<String, Vec<Found>>,
    /// Jobs of the whole realm the sweep went through (0: not a sweep).
    pub realm_jobs: usize,
}

/// Jobs a list page holds.
const PAGE: usize = 200;

impl Ledger {
    /// One sweep of the realm's jobs, keeping those of `set` for
    /// `authenticator_config_id`.
    pub async fn sweep(
        api: &BeyondIdentity,
        realm: &RealmRef,
        authenticator_config_id: &str,
        set: &HashSet<&str>,
    ) -> Result<Ledger, ApiError> {
        let mut ledger = Ledger::default();
        ledger.realm_jobs = api
            .each_job_of_realm(realm, |page| {
                ledger.keep(page, authenticator_config_id, set)
            })
            .await?;
        Ok(ledger)
    }

    /// The tracked jobs, read from the results of the batches that made them
    /// when that is fewer pages than the realm's list; a tracked job no
    /// batch lists is looked up in its identity's own list, unless there are
    /// more such than a page of the realm's list costs, when the realm is
    /// swept after all. The realm's size is asked (one request) when the
    /// last sweep's count (`realm_jobs`) says a sweep would be cheaper:
    /// other resources may have grown it since.
    pub async fn tracked(
        api: &BeyondIdentity,
        realm: &RealmRef,
        authenticator_config_id: &str,
        tracked: &HashMap<&str, &str>,
        batches: &BTreeSet<String>,
        realm_jobs: usize,
    ) -> Result<Ledger, ApiError> {
        let set: HashSet<&str> = tracked.keys().copied().collect();
        let mut realm_pages = realm_jobs.div_ceil(PAGE);
        let batch_pages = tracked.len().div_ceil(PAGE) + batches.len();
        if batches.is_empty() {
            return Ledger::sweep(api, realm, authenticator_config_id, &set).await;
        }
        if batch_pages >= realm_pages {
            if let Some(now) = api.count_jobs_of_realm(realm).await? {
                realm_pages = realm_pages.max(now.div_ceil(PAGE));
            }
            if batch_pages >= realm_pages {
                return Ledger::sweep(api, realm, authenticator_config_id, &set).await;
            }
        }
        let mut ledger = Ledger::default();
        for batch in batches {
            let read = api
                .each_batch_result(realm, batch, |page| {
                    ledger.keep(page, authenticator_config_id, &set)
                })
                .await;
            match read {
                Ok(()) => {}
                // A batch the API no longer has: its jobs are looked up below.
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        let missing: Vec<&str> = tracked
            .iter()
            .filter(|(i, job)| !job.is_empty() && !ledger.of(i).iter().any(|j| j.id == **job))
            .map(|(i, _)| *i)
            .collect();
        if missing.len() > realm_pages {
            return Ledger::sweep(api, realm, authenticator_config_id, &set).await;
        }
        for identity in missing {
            let jobs = api.list_credential_binding_jobs(realm, identity).await?;
            ledger.keep(jobs, authenticator_config_id, &set);
        }
        Ok(ledger)
    }

    pub fn keep(&mut self, page: Vec<CredentialBindingJob>, config: &str, set: &HashSet<&str>) {
        for job in page {
            let ours = job.authenticator_config_id.as_deref() == Some(config)
                && job.identity_id.as_deref().is_some_and(|i| set.contains(i));
            if ours {
                let identity = job.identity_id.clone().unwrap_or_default();
                let jobs = self.jobs.entry(identity).or_default();
                if !jobs.iter().any(|j| j.id == job.id) {
                    jobs.push(Found::of(job));
                }
            }
        }
    }

    /// Adds another sweep's jobs (of other identities).
    pub fn merge(&mut self, other: Ledger) {
        for (identity, jobs) in other.jobs {
            for job in jobs {
                self.add(identity.clone(), job);
            }
        }
    }

    pub fn add(&mut self, identity: String, job: Found) {
        let jobs = self.jobs.entry(identity).or_default();
        if !jobs.iter().any(|j| j.id == job.id) {
            jobs.push(job);
        }
    }

    pub fn of(&self, identity: &str) -> &[Found] {
        self.jobs
            .get(identity)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The newest live job of the identity.
    pub fn live(&self, identity: &str, now: OffsetDateTime) -> Option<&Found> {
        self.of(identity)
            .iter()
            .filter(|j| j.is_live(now))
            .max_by(|a, b| a.create_time.cmp(&b.create_time))
    }

    /// A job the identity completed: it has enrolled.
    pub fn enrolled(&self, identity: &str) -> Option<&Found> {
        self.of(identity).iter().find(|j| j.is_complete())
    }

    /// The job that should hold the identity's link now: one it completed,
    /// else the tracked one while it is live, else the newest live one
    /// (made by anyone), else the tracked one as it is now.
    pub fn holder(
        &self,
        identity: &str,
        tracked: Option<&str>,
        now: OffsetDateTime,
    ) -> Option<&Found> {
        let tracked = tracked.and_then(|id| self.of(identity).iter().find(|j| j.id == id));
        self.enrolled(identity)
            .or(tracked.filter(|j| j.is_live(now)))
            .or_else(|| self.live(identity, now))
            .or(tracked)
    }

    /// The batches that made jobs of the set which `tracked` does not
    /// hold: an earlier run's batch may still be making more.
    pub fn batches_beside(&self, tracked: &HashSet<&str>) -> BTreeSet<String> {
        self.jobs
            .values()
            .flatten()
            .filter(|j| !tracked.contains(j.id.as_str()))
            .filter_map(|j| j.batch_id.clone())
            .collect()
    }

    /// A summary to tell whether another sweep saw anything new.
    pub fn seen(&self, at: OffsetDateTime) -> Seen {
        let all = self.jobs.values().flatten();
        Seen {
            jobs: self.jobs.values().map(Vec::len).sum(),
            newest: all
                .filter_map(|j| j.create_time.clone())
                .max()
                .unwrap_or_default(),
            at: crate::timefmt::rfc3339_micros(at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> OffsetDateTime {
        parse_time(s).unwrap()
    }

    fn found(id: &str, state: &str, created: &str, expires: &str) -> Found {
        Found {
            id: id.into(),
            state: Some(state.into()),
            expire_time: Some(expires.into()),
            create_time: Some(created.into()),
            batch_id: None,
        }
    }

    #[test]
    fn the_holder_prefers_enrolled_then_tracked_live_then_newest_live() {
        let now = at("2026-01-05T00:00:00Z");
        let mut l = Ledger::default();
        l.add(
            "i".into(),
            found(
                "old",
                "LINK_SENT",
                "2026-01-01T00:00:00Z",
                "2026-01-08T00:00:00Z",
            ),
        );
        l.add(
            "i".into(),
            found(
                "new",
                "LINK_SENT",
                "2026-01-02T00:00:00Z",
                "2026-01-09T00:00:00Z",
            ),
        );
        assert_eq!(l.holder("i", Some("old"), now).unwrap().id, "old");
        assert_eq!(l.holder("i", None, now).unwrap().id, "new");
        l.add(
            "i".into(),
            found(
                "done",
                "COMPLETE",
                "2026-01-03T00:00:00Z",
                "2026-01-10T00:00:00Z",
            ),
        );
        assert_eq!(l.holder("i", Some("old"), now).unwrap().id, "done");
    }

    #[test]
    fn expired_revoked_and_failed_links_are_not_live() {
        let now = at("2026-01-10T00:00:00Z");
        assert!(!is_live(
            Some("LINK_SENT"),
            Some("2026-01-09T00:00:00Z"),
            now
        ));
        assert!(!is_live(Some("REVOKED"), Some("2026-01-11T00:00:00Z"), now));
        assert!(!is_live(Some("FAILED_TO_SEND"), None, now));
        assert!(is_live(
            Some("LINK_OPENED"),
            Some("2026-01-11T00:00:00Z"),
            now
        ));
        assert!(is_live(Some("SOMETHING_NEW"), None, now));
        let mut l = Ledger::default();
        l.add(
            "i".into(),
            found(
                "x",
                "EXPIRED",
                "2026-01-01T00:00:00Z",
                "2026-01-08T00:00:00Z",
            ),
        );
        assert!(l.live("i", now).is_none());
        assert_eq!(l.holder("i", Some("x"), now).unwrap().id, "x");
    }
}
