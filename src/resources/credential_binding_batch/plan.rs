//! The plan: who will be emailed (`last_sent_to`), and which entries of
//! `jobs` change; every other entry stays as it is, so a plan of 10,000
//! invitations shows only the few that change.

use super::decide::{decide, Decision, Rules};
use super::ledger::Ledger;
use crate::api::beyond_identity::{BeyondIdentity, RealmRef};
use crate::api::ApiError;
use crate::models::credential_binding_batch::{identity_set, set_of, Private, State};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use tf_provider::value::Value;

/// Whether every identity id is known: with an unknown one (ids of
/// identities this apply creates) nothing can be decided before the apply.
pub(super) fn all_known(s: &State) -> bool {
    let ids_known = match &s.identity_ids {
        Value::Value(items) => items.iter().all(|i| matches!(i, Value::Value(_))),
        _ => false,
    };
    ids_known
        && matches!(s.authenticator_config_id, Value::Value(_))
        && matches!(s.tenant_id, Value::Value(_))
        && matches!(s.realm_id, Value::Value(_))
}

/// Fills what the apply will compute. `prior` is `None` on create. Looks at
/// the server (one sweep of the realm's jobs) only when identities the
/// state does not track yet need it.
pub(super) async fn plan(
    api: &BeyondIdentity,
    realm: &RealmRef,
    planned: &mut State,
    prior: Option<&State>,
    prior_private: &Private,
    rules: &Rules,
) -> Result<(Private, BTreeSet<String>), ApiError> {
    let mut private = prior_private.clone();
    private.seen = None;
    if !all_known(planned) {
        unknown_outputs(planned);
        return Ok((private, BTreeSet::new()));
    }
    let set = identity_set(planned);
    let prior_jobs = prior.and_then(|p| match &p.jobs {
        Value::Value(m) => Some(m),
        _ => None,
    });
    let now = api.now();
    let decision = match decide(&set, prior_jobs, &private.permanent, None, rules, now) {
        Some(d) => d,
        None => {
            let wanted: HashSet<&str> = set.iter().map(String::as_str).collect();
            let config = crate::schema::plan::known_str(&planned.authenticator_config_id)
                .unwrap_or_default();
            let ledger = Ledger::sweep(api, realm, config, &wanted).await?;
            private.seen = Some(ledger.seen(api.now()));
            decide(
                &set,
                prior_jobs,
                &private.permanent,
                Some(&ledger),
                rules,
                now,
            )
            .unwrap_or_default()
        }
    };
    show(planned, prior, prior_jobs, &set, &decision);
    Ok((private, decision.held_back))
}

/// Every output left for the apply to fill.
pub(super) fn unknown_outputs(s: &mut State) {
    s.jobs = Value::Unknown;
    s.last_sent_to = Value::Unknown;
    s.failures = Value::Unknown;
    s.enrolled_count = Value::Unknown;
    s.pending_count = Value::Unknown;
    s.expired_count = Value::Unknown;
}

fn show(
    planned: &mut State,
    prior: Option<&State>,
    prior_jobs: Option<&BTreeMap<String, Value<crate::models::credential_binding_batch::JobEntry>>>,
    set: &[String],
    d: &Decision,
) {
    let mut jobs = BTreeMap::new();
    for i in set {
        let entry = if d.send.contains(i) || d.adopt.contains_key(i) {
            Value::Unknown
        } else {
            prior_jobs
                .and_then(|p| p.get(i).cloned())
                .unwrap_or(Value::Unknown)
        };
        jobs.insert(i.clone(), entry);
    }
    planned.jobs = Value::Value(jobs);
    planned.last_sent_to = if d.send.is_empty() {
        prior.map_or_else(|| set_of([]), |p| p.last_sent_to.clone())
    } else if prior.is_none() && !d.adopt.is_empty() {
        // A create that adopts links may be part of a replacement whose
        // destroy revokes them before the apply: who gets a new link is
        // only certain then.
        Value::Unknown
    } else {
        set_of(d.send.iter().cloned())
    };
    let unchanged = |f: fn(&State) -> Value<i64>| prior.map_or(Value::Unknown, f);
    if d.changes() {
        planned.failures = Value::Unknown;
        planned.enrolled_count = Value::Unknown;
        planned.pending_count = Value::Unknown;
        planned.expired_count = Value::Unknown;
    } else {
        planned.failures = prior.map_or(Value::Unknown, |p| p.failures.clone());
        planned.enrolled_count = unchanged(|p| p.enrolled_count);
        planned.pending_count = unchanged(|p| p.pending_count);
        planned.expired_count = unchanged(|p| p.expired_count);
    }
}
