//! The apply: the plan's decision carried out against what the server holds
//! now. It sweeps the realm's jobs again (waiting until a run killed
//! earlier has no batch still making jobs), sends only to identities that
//! still have no live link, and records every identity's job, or why it has
//! none. Nobody outside the planned `last_sent_to` is emailed.

use super::decide::{decide, Decision, Rules};
use super::ledger::Ledger;
use super::revoke::revoke_all;
use super::send::{send, Failure, Sent};
use super::sharing::{adopt_from_siblings, Sending};
use crate::api::beyond_identity::batches::JobTemplate;
use crate::api::beyond_identity::RealmRef;
use crate::api::ApiError;
use crate::clients::BeyondIdentityContext;
use crate::interrupt;
use crate::logging;
use crate::models::credential_binding_batch::{
    identity_set, set_of, JobEntry, Private, Seen, State,
};
use crate::schema::plan::{known, known_str};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tf_provider::value::Value;
use tf_provider::Diagnostics;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

const MODULE: &str = "credential_binding_batch";
/// How many identities a warning names before it counts the rest.
const NAMED: usize = 10;
/// Sweeps that must agree, this far apart, before the apply sends: a batch
/// an earlier (killed) run queued would have made a job meanwhile.
fn quiet() -> Duration {
    std::env::var("ENROLL_BATCH_QUIET_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_millis)
        .unwrap_or(Duration::from_secs(1))
}
const MAX_QUIET_ROUNDS: usize = 30;

/// Where an apply runs: the realm, and what the process's batch resources
/// share.
pub(super) struct Run<'a> {
    pub bi: &'a Arc<BeyondIdentityContext>,
    pub realm: &'a RealmRef,
    pub sending: &'a Sending,
}

/// Carries out the plan. `prior` is `None` on create. `Err(())`: nothing
/// could be sent and an error was reported; the state stays as it was.
pub(super) async fn apply(
    diags: &mut Diagnostics,
    run: &Run<'_>,
    planned: State,
    prior: Option<&State>,
    planned_private: &Private,
    rules: &Rules,
) -> Result<(State, Private), ()> {
    let (bi, realm) = (run.bi, run.realm);
    let api = &bi.api;
    let set = identity_set(&planned);
    let prior_jobs = prior.and_then(|p| known(&p.jobs));
    let permanent = &planned_private.permanent;
    let config = known_str(&planned.authenticator_config_id)
        .unwrap_or_default()
        .to_owned();
    let tracked: HashSet<&str> = prior_jobs
        .into_iter()
        .flatten()
        .filter_map(|(_, e)| known(e).and_then(|e| known_str(&e.id)))
        .collect();
    let now = api.now();
    let (decision, mut ledger) = match decide(&set, prior_jobs, permanent, None, rules, now) {
        Some(d) if !d.changes() => (d, Ledger::default()),
        _ => {
            let wanted: HashSet<&str> = set.iter().map(String::as_str).collect();
            let seen = planned_private.seen.as_ref();
            let fresh = bi.config_made_here(&config);
            match quiet_sweep(api, realm, &config, &wanted, &tracked, seen, fresh).await {
                Ok(ledger) => {
                    let d = decide(&set, prior_jobs, permanent, Some(&ledger), rules, api.now())
                        .unwrap_or_default();
                    (d, ledger)
                }
                Err(e) => {
                    let what = "Cannot read the realm's credential binding jobs";
                    crate::resources::common::api_error(diags, what, &e, None);
                    return Err(());
                }
            }
        }
    };

    // The plan named who changes; the apply changes no one else.
    let planned_changing: Option<BTreeSet<String>> = known(&planned.jobs).map(|m| {
        m.iter()
            .filter(|(_, e)| e.is_unknown())
            .map(|(i, _)| i.clone())
            .collect()
    });
    let allowed = |i: &String| planned_changing.as_ref().is_none_or(|c| c.contains(i));
    let to_send: BTreeSet<String> = decision
        .send
        .iter()
        .filter(|i| allowed(i))
        .cloned()
        .collect();
    let planned_send: BTreeSet<String> = match (&planned_changing, known(&planned.last_sent_to)) {
        (Some(_), Some(l)) => l.iter().filter_map(|i| known(i).cloned()).collect(),
        _ => to_send.clone(),
    };
    let adopted_instead: Vec<&String> = planned_send
        .iter()
        .filter(|i| !to_send.contains(*i))
        .collect();
    if !adopted_instead.is_empty() {
        diags.root_warning(
            "Some identities already had a link",
            format!(
                "Since the plan, {} got a live link made outside this apply (an earlier run, the admin console or another tool). It was adopted and no second email was sent.",
                names(adopted_instead.iter().map(|s| s.as_str()))
            ),
        );
    }

    // A sibling resource of this run that took an identity first sends it;
    // this one adopts that link afterwards.
    let (taken, siblings) = run.sending.take(realm, &config, &to_send);
    let ours: BTreeSet<&String> = to_send
        .iter()
        .filter(|i| !siblings.contains_key(*i))
        .collect();
    let mut failed: BTreeMap<String, Failure> = BTreeMap::new();
    // Revoke before sending, so that nobody holds two live links.
    let first: Vec<(String, String)> = decision
        .revoke_first
        .iter()
        .filter(|(i, _)| ours.contains(i))
        .cloned()
        .collect();
    for (i, e) in revoke_all(bi, realm, first).await {
        failed.insert(
            i,
            Failure {
                message: format!("not sent: its earlier link could not be revoked ({e})"),
                permanent: false,
            },
        );
    }
    let removed: Vec<(String, String)> = decision.revoke_removed.clone();
    let removal_failures = revoke_all(bi, realm, removed).await;
    if !removal_failures.is_empty() {
        diags.root_warning(
            "Some removed identities keep their link",
            format!(
                "Revoking the links of {} failed: {}",
                names(removal_failures.iter().map(|(i, _)| i.as_str())),
                removal_failures[0].1
            ),
        );
    }

    let template = JobTemplate {
        authenticator_config_id: config.clone(),
        post_binding_redirect_uri: known(&planned.post_binding_redirect_uri).cloned(),
    };
    let sending: Vec<String> = ours
        .iter()
        .filter(|i| !failed.contains_key(**i))
        .map(|i| (*i).clone())
        .collect();
    let sent = if sending.is_empty() {
        Sent::default()
    } else {
        logging::info(MODULE, "sending", &[("identities", sending.len().into())]);
        let queue = bi.batch_queue(realm);
        send(api, realm, &queue, &template, sending, interrupt::requested).await
    };
    failed.extend(sent.failed.clone());
    drop(taken);
    let shared: Vec<String> = siblings.keys().cloned().collect();
    if !siblings.is_empty() {
        failed.extend(adopt_from_siblings(api, realm, &config, siblings, &mut ledger).await);
        report_shared(diags, &shared, &failed);
    }

    let nothing_sent = !to_send.is_empty()
        && sent.made.is_empty()
        && decision.adopt.is_empty()
        && shared.iter().all(|i| failed.contains_key(i));
    report(diags, &sent, &failed, &decision, prior, nothing_sent);
    if nothing_sent {
        return Err(());
    }

    let state = assemble(
        planned,
        prior,
        &set,
        &decision,
        &ledger,
        &sent,
        &failed,
        planned_changing.as_ref(),
        &to_send,
        api.now(),
    );
    let mut private = Private {
        permanent: planned_private
            .permanent
            .iter()
            .filter(|i| set.contains(i) && !to_send.contains(*i))
            .cloned()
            .collect(),
        seen: None,
        batches: planned_private.batches.clone(),
        // The realm holds at least what the sweep saw and what this apply
        // made: a refresh then reads its own batches' results rather than
        // the realm's whole list, which sibling resources grow too.
        realm_jobs: match ledger.realm_jobs {
            0 => planned_private.realm_jobs,
            n => n,
        } + sent.made.len(),
    };
    private.permanent.extend(
        failed
            .iter()
            .filter(|(_, f)| f.permanent)
            .map(|(i, _)| i.clone()),
    );
    // Where a refresh finds the tracked jobs: the batches that made them
    // (a refresh drops those that no longer hold any).
    let adopted = decision.adopt.iter().filter_map(|(i, e)| {
        let id = known_str(&e.id)?;
        ledger.of(i).iter().find(|j| j.id == id)?.batch_id.clone()
    });
    let made = sent.made.values().filter_map(|j| j.batch_id.clone());
    let from_siblings = shared
        .iter()
        .filter_map(|i| ledger.holder(i, None, api.now())?.batch_id.clone());
    private
        .batches
        .extend(made.chain(adopted).chain(from_siblings).collect::<Vec<_>>());
    Ok((state, private))
}

/// The new state: the changed entries from what this apply did, every other
/// one as the plan showed it.
#[allow(clippy::too_many_arguments)]
fn assemble(
    mut s: State,
    prior: Option<&State>,
    set: &[String],
    d: &Decision,
    ledger: &Ledger,
    sent: &Sent,
    failed: &BTreeMap<String, Failure>,
    planned_changing: Option<&BTreeSet<String>>,
    to_send: &BTreeSet<String>,
    now: OffsetDateTime,
) -> State {
    let prior_jobs = prior.and_then(|p| known(&p.jobs));
    let prior_failures = prior.and_then(|p| known(&p.failures));
    let mut jobs = BTreeMap::new();
    let mut failures = BTreeMap::new();
    for i in set {
        let changing = planned_changing.is_none_or(|c| c.contains(i));
        let prior_entry = prior_jobs.and_then(|p| p.get(i)).cloned();
        let entry = if let Some(job) = sent.made.get(i) {
            job.entry()
        } else if let (true, Some(e)) = (changing, d.adopt.get(i)) {
            e.clone()
        } else if changing && (to_send.contains(i) || prior_entry.is_none()) {
            ledger
                .holder(i, None, now)
                .filter(|_| !failed.contains_key(i))
                .map(|j| j.entry())
                .unwrap_or_else(JobEntry::none)
        } else {
            match prior_entry {
                Some(Value::Value(e)) => e,
                _ => JobEntry::none(),
            }
        };
        if let Some(f) = failed.get(i) {
            failures.insert(i.clone(), Value::Value(f.message.clone()));
        } else if !to_send.contains(i) && !d.adopt.contains_key(i) {
            // Untouched: its last failure, if any, still stands.
            if let Some(old) = prior_failures.and_then(|p| p.get(i)) {
                failures.insert(i.clone(), old.clone());
            }
        }
        jobs.insert(i.clone(), Value::Value(entry));
    }
    let (enrolled, pending, expired) = counts(&jobs, now);
    s.jobs = Value::Value(jobs);
    s.failures = Value::Value(failures);
    s.enrolled_count = Value::Value(enrolled);
    s.pending_count = Value::Value(pending);
    s.expired_count = Value::Value(expired);
    if !matches!(s.last_sent_to, Value::Value(_)) {
        s.last_sent_to = if to_send.is_empty() {
            prior.map_or_else(|| set_of([]), |p| p.last_sent_to.clone())
        } else {
            set_of(to_send.iter().cloned())
        };
    }
    if !matches!(s.id, Value::Value(_)) {
        s.id = Value::Value(uuid::Uuid::new_v4().to_string());
    }
    s
}

/// (enrolled, pending, expired): identities that completed their job, that
/// hold a live link, and whose link expired or was revoked.
pub(super) fn counts(
    jobs: &BTreeMap<String, Value<JobEntry>>,
    now: OffsetDateTime,
) -> (i64, i64, i64) {
    let (mut enrolled, mut pending, mut expired) = (0, 0, 0);
    for e in jobs.values().filter_map(known) {
        let state = known_str(&e.state);
        if state == Some("COMPLETE") {
            enrolled += 1;
        } else if known_str(&e.id).is_none() {
            continue;
        } else if super::ledger::is_live(state, known_str(&e.expire_time), now) {
            pending += 1;
        } else {
            expired += 1;
        }
    }
    (enrolled, pending, expired)
}

/// Names the identities another batch resource of this run sent to.
fn report_shared(diags: &mut Diagnostics, shared: &[String], failed: &BTreeMap<String, Failure>) {
    let adopted: Vec<&str> = shared
        .iter()
        .filter(|i| !failed.contains_key(*i))
        .map(String::as_str)
        .collect();
    if !adopted.is_empty() {
        diags.root_warning(
            "Some identities are listed by another batch resource",
            format!(
                "{} are also listed, for the same authenticator configuration, by another enroll_credential_binding_batch of this run, which sent their link first. This resource adopted that link; no second email was sent.",
                names(adopted.into_iter())
            ),
        );
    }
}

fn names<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    let all: Vec<&str> = ids.collect();
    let mut shown = all
        .iter()
        .take(NAMED)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if all.len() > NAMED {
        shown.push_str(&format!(" and {} more", all.len() - NAMED));
    }
    shown
}

fn report(
    diags: &mut Diagnostics,
    sent: &Sent,
    failed: &BTreeMap<String, Failure>,
    d: &Decision,
    prior: Option<&State>,
    nothing_sent: bool,
) {
    let mut by_message: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (i, f) in failed {
        by_message
            .entry(f.message.as_str())
            .or_default()
            .push(i.as_str());
    }
    let detail: Vec<String> = by_message
        .iter()
        .map(|(m, ids)| format!("{}: {m}", names(ids.iter().copied())))
        .chain(sent.errors.iter().take(3).cloned())
        .collect();
    if nothing_sent {
        diags.root_error(
            "No enrollment link could be sent",
            format!(
                "{}\nNothing was recorded; fix the cause and apply again.",
                detail.join("\n")
            ),
        );
        return;
    }
    if !failed.is_empty() {
        diags.root_warning(
            format!("{} identities got no enrollment link", failed.len()),
            format!(
                "{}\nThey are listed in `failures`. A failure the API calls permanent is not retried until `triggers` change or the id is removed and added again; the others are retried by the next apply.",
                detail.join("\n")
            ),
        );
    }
    warn_held_back(diags, &d.held_back, prior);
}

/// The warning every plan and apply repeats while identities the API
/// failed permanently stay in the set.
pub(super) fn warn_held_back(
    diags: &mut Diagnostics,
    held: &BTreeSet<String>,
    prior: Option<&State>,
) {
    if held.is_empty() {
        return;
    }
    let messages = prior.and_then(|p| known(&p.failures));
    let first = held
        .iter()
        .find_map(|i| messages.and_then(|m| m.get(i)).and_then(known))
        .cloned()
        .unwrap_or_default();
    diags.root_warning(
        format!("{} identities cannot be sent a link", held.len()),
        format!(
            "The API failed {} permanently ({first}). Fix them (e.g. give them an email address), then change `triggers` or remove and re-add their ids.",
            names(held.iter().map(String::as_str))
        ),
    );
}

/// A sweep the apply can trust: when the plan's sweep saw the same a while
/// ago, or two sweeps `quiet()` apart agree, no batch of an earlier run is
/// still making jobs for the set. Batches of an earlier run that are still
/// `RUNNING` are followed to their end first. One sweep does when this
/// provider process created the configuration (`fresh_config`): no earlier
/// run knew its id.
async fn quiet_sweep(
    api: &crate::api::beyond_identity::BeyondIdentity,
    realm: &RealmRef,
    config: &str,
    set: &HashSet<&str>,
    tracked: &HashSet<&str>,
    planned: Option<&Seen>,
    fresh_config: bool,
) -> Result<Ledger, ApiError> {
    let mut ledger = Ledger::sweep(api, realm, config, set).await?;
    let mut seen = ledger.seen(api.now());
    let mut others_running = false;
    for id in ledger.batches_beside(tracked) {
        if let Ok(mut batch) = api.get_batch(realm, &id).await {
            while batch.is_running() {
                others_running = true;
                logging::info(
                    MODULE,
                    "waiting for an earlier run's batch to finish",
                    &[("batch", id.clone().into())],
                );
                tokio::time::sleep(Duration::from_secs(1)).await;
                batch = api.get_batch(realm, &id).await?;
            }
        }
    }
    let since_plan = planned.and_then(|p| {
        let at = OffsetDateTime::parse(&p.at, &Rfc3339).ok()?;
        (p.jobs == seen.jobs && p.newest == seen.newest).then_some(api.now() - at)
    });
    if !others_running && (fresh_config || since_plan.is_some_and(|d| d >= quiet())) {
        return Ok(ledger);
    }
    // The plan's sweep, when it saw the same, counts as the first.
    let mut wait = match since_plan.and_then(|d| Duration::try_from(d).ok()) {
        Some(d) if !others_running => quiet().saturating_sub(d),
        _ => quiet(),
    };
    for _ in 0..MAX_QUIET_ROUNDS {
        tokio::time::sleep(wait).await;
        wait = quiet();
        let next = Ledger::sweep(api, realm, config, set).await?;
        let next_seen = next.seen(api.now());
        let same = next_seen.jobs == seen.jobs && next_seen.newest == seen.newest;
        ledger = next;
        if same {
            break;
        }
        seen = next_seen;
    }
    Ok(ledger)
}
