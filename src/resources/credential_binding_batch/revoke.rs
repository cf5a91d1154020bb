//! Revoking many jobs. The API has no batch revoke, so it is one request per
//! job: a few at a time, paced like every request of the process (the
//! request budget, and the pacing a 429 teaches).

use crate::api::beyond_identity::RealmRef;
use crate::api::ApiError;
use crate::clients::BeyondIdentityContext;
use std::sync::Arc;
use tokio::task::JoinSet;

/// Requests in flight at once: enough to hide the round trip, few enough
/// that the pacing decides the rate.
const IN_FLIGHT: usize = 8;

/// Revokes `(identity, job id)` pairs. A job that is gone (404) or finished
/// meanwhile (409) needs no revoking; the other failures come back.
pub(super) async fn revoke_all(
    bi: &Arc<BeyondIdentityContext>,
    realm: &RealmRef,
    jobs: Vec<(String, String)>,
) -> Vec<(String, ApiError)> {
    let mut failures = Vec::new();
    let mut running = JoinSet::new();
    let mut pending = jobs.into_iter();
    loop {
        while running.len() < IN_FLIGHT {
            let Some((identity, job)) = pending.next() else {
                break;
            };
            let bi = bi.clone();
            let realm = realm.clone();
            running.spawn(async move {
                let result = bi
                    .api
                    .revoke_credential_binding_job(&realm, &identity, &job)
                    .await;
                (identity, result)
            });
        }
        let Some(done) = running.join_next().await else {
            break;
        };
        match done {
            Ok((_, Ok(_))) => {}
            Ok((_, Err(e))) if matches!(e.status(), Some(404 | 409)) => {}
            Ok((identity, Err(e))) => failures.push((identity, e)),
            Err(join) => failures.push((
                String::new(),
                ApiError::Decode {
                    method: "POST".into(),
                    path: ":revoke".into(),
                    detail: join.to_string(),
                },
            )),
        }
    }
    failures
}
