//! `enroll_credential_binding_batch`: a whole set of identities invited
//! through Beyond Identity's batch API, in one resource. Its promise is a
//! state, not an action: every listed identity holds exactly one live
//! enrollment link for the authenticator configuration, or has enrolled.
//! Links made by anyone are adopted, not duplicated, so a run killed
//! half-way is finished by the next one without a second email.

mod apply;
mod decide;
mod ledger;
mod plan;
mod revoke;
mod send;
mod sharing;
mod size;

use super::common::{api_error, attr, check_ids, plan_realm, present, realm_of};
use super::renewal::{before_expiry, check_before_expiry, Renewal};
use crate::clients::ProviderData;
use crate::models::credential_binding_batch::{identity_set, JobEntry, Private, State};
use crate::schema::attrs::*;
use crate::schema::plan::{known, known_str, or_default, replace_if_changed};
use crate::schema::validate;
use async_trait::async_trait;
use decide::Rules;
use ledger::Ledger;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use tf_provider::schema::{AttributeType, Schema};
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

/// The most identities DESIGN.md lets one resource hold. Fewer fit in
/// practice: about 14,800, the most whose state Terraform can hand the
/// provider (size.rs).
const MAX_IDENTITIES: usize = 100_000;

pub struct CredentialBindingBatchResource {
    data: Arc<ProviderData>,
    /// Who is sending to whom among this process's batch resources.
    sending: sharing::Sending,
}

impl CredentialBindingBatchResource {
    pub fn new(data: Arc<ProviderData>) -> Self {
        Self {
            data,
            sending: sharing::Sending::default(),
        }
    }
}

fn job_type() -> AttributeType {
    AttributeType::Map(Box::new(AttributeType::Object(HashMap::from([
        ("id".to_owned(), AttributeType::String),
        ("state".to_owned(), AttributeType::String),
        ("expire_time".to_owned(), AttributeType::String),
    ]))))
}

/// Identity ids, as a list. A set would say it better, but Terraform checks
/// a set's planned and applied values pairwise, in time that grows with the
/// square of its size: 5,000 ids took 155 s to apply as a set and 9 s as a
/// list (docs/performance.md). Order does not matter to the provider, and
/// an id listed twice counts once.
fn id_list() -> AttributeType {
    AttributeType::List(Box::new(AttributeType::String))
}

fn rules(s: &State, prior: Option<&State>) -> Rules {
    Rules {
        renewal: Renewal {
            when_expired: matches!(s.resend_when_expired, Value::Value(true)),
            revoked_counts: true,
            before_expiry: before_expiry(&s.resend_before_expiry),
        },
        triggers_changed: prior.is_some_and(|p| p.triggers != s.triggers),
        revoke_on_destroy: !matches!(s.revoke_on_destroy, Value::Value(false)),
    }
}

fn validate_config(diags: &mut Diagnostics, c: &State) {
    check_ids(
        diags,
        &[
            ("authenticator_config_id", &c.authenticator_config_id),
            ("tenant_id", &c.tenant_id),
            ("realm_id", &c.realm_id),
        ],
    );
    if let Value::Value(ids) = &c.identity_ids {
        if ids.is_empty() || ids.len() > MAX_IDENTITIES {
            diags.error(
                "Invalid identity_ids",
                format!(
                    "{} identities; a batch resource holds 1 to {MAX_IDENTITIES}. Split a larger set over several resources.",
                    ids.len()
                ),
                attr("identity_ids"),
            );
        }
        if ids.len() <= MAX_IDENTITIES {
            size::check(diags, ids);
        }
        let mut seen = HashSet::new();
        let twice: Vec<&str> = ids
            .iter()
            .filter_map(known)
            .filter(|id| !seen.insert(id.as_str()))
            .map(String::as_str)
            .take(5)
            .collect();
        if !twice.is_empty() {
            diags.warning(
                "Identities listed twice",
                format!(
                    "{} appear more than once in `identity_ids`; each is invited once.",
                    twice.join(", ")
                ),
                attr("identity_ids"),
            );
        }
        let bad: Vec<String> = ids
            .iter()
            .filter_map(known)
            .filter_map(|id| validate::path_id(id).err())
            .take(3)
            .collect();
        if !bad.is_empty() {
            diags.error("Invalid identity_ids", bad.join("\n"), attr("identity_ids"));
        }
    }
    if let Some(u) = known_str(&c.post_binding_redirect_uri) {
        if let Err(m) = validate::absolute_url(u) {
            diags.error(
                "Invalid post_binding_redirect_uri",
                m,
                attr("post_binding_redirect_uri"),
            );
        }
    }
    check_before_expiry(diags, &c.resend_before_expiry);
}

/// A plan, or the error of the sweep it needed.
fn planned_or_error<T>(
    diags: &mut Diagnostics,
    planned: Result<T, crate::api::ApiError>,
) -> Option<T> {
    match planned {
        Ok(p) => Some(p),
        Err(e) => {
            api_error(
                diags,
                "Cannot read the realm's credential binding jobs",
                &e,
                None,
            );
            None
        }
    }
}

fn defaults(p: &mut State, config: &State) {
    p.resend_when_expired = or_default(&config.resend_when_expired, false);
    p.revoke_on_destroy = or_default(&config.revoke_on_destroy, true);
}

#[async_trait]
impl Resource for CredentialBindingBatchResource {
    type State<'a> = Value<State>;
    type PrivateState<'a> = Value<Private>;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 1,
            block: block(
                "Invites a whole set of identities (up to about 14,800 in one resource) through Beyond Identity's batch API. Its promise is a state, not an action: every listed identity holds exactly one live enrollment link for the authenticator configuration, or has enrolled. An apply sends links only to identities that have none, adopting links made by anyone (an earlier run that was killed, the admin console, another tool), so it never emails anyone twice. The plan shows who will be emailed in `last_sent_to`.",
                [
                    ("id", computed(string(), "A UUID made by the provider.")),
                    ("identity_ids", required(id_list(), "The identities to invite, 1 to about 14,800 (the most whose state fits in the 4 MiB messages Terraform hands the provider; split a larger set over several resources, see the guide) (a list for speed: order does not matter, and an id listed twice is invited once). Adding ids sends to the added ones only; removing ids revokes their unfinished job (with `revoke_on_destroy`); both in place.")),
                    ("authenticator_config_id", required(string(), "Authenticator configuration the links enroll into. Changing it replaces the resource.")),
                    ("post_binding_redirect_uri", optional(string(), "Absolute URL people are sent to after enrolling. Changing it replaces the resource.")),
                    ("tenant_id", optional_computed(string(), "Tenant of the identities. Defaults to the provider's `tenant_id`; changing it replaces the resource.")),
                    ("realm_id", optional_computed(string(), "Realm of the identities. Defaults to the provider's `realm_id`; changing it replaces the resource.")),
                    ("triggers", optional(map_of_strings(), "Arbitrary values whose change sends every identity that has not enrolled a new link (its unfinished job is revoked first), in place.")),
                    ("resend_when_expired", optional_computed(boolean(), "When true, the plan sends a new link to each identity whose link expired, or was revoked outside Terraform, and who has not enrolled. Defaults to false.")),
                    ("resend_before_expiry", optional(string(), "A duration such as `\"24h\"`: the plan sends a new link to each identity with less than this left on its live link (the old one is revoked first).")),
                    ("revoke_on_destroy", optional_computed(boolean(), "When true (the default), destroy, and removal of an id, revoke unfinished jobs.")),
                    ("jobs", computed(job_type(), "The job that holds each identity's link, keyed by identity id: its `id`, `state` and `expire_time` (all null when the identity has none; see `failures`). Kept this small on purpose; the `enroll_credential_binding_jobs` data source gives every field.")),
                    ("last_sent_to", computed(id_list(), "The identities the last apply sent a link to, sorted. The plan shows the new value, so a reviewer sees exactly who will be emailed; unchanged when an apply sends nothing.")),
                    ("failures", computed(map_of_strings(), "The API's last error for each identity that could not be sent a link (e.g. no email address), keyed by identity id.")),
                    ("enrolled_count", computed(number(), "Identities that have enrolled, as of the last refresh.")),
                    ("pending_count", computed(number(), "Identities holding a live link, as of the last refresh.")),
                    ("expired_count", computed(number(), "Identities whose link expired or was revoked and who have not enrolled, as of the last refresh.")),
                ],
                [],
            ),
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        if let Value::Value(c) = &config {
            validate_config(diags, c);
        }
        Some(())
    }

    /// Reads every tracked job in one sweep of the realm's jobs, and adopts
    /// a live link made since by anyone for an identity whose own expired.
    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let Value::Value(mut state) = state else {
            return Some((Value::Null, private));
        };
        let Some(jobs) = known(&state.jobs).cloned() else {
            return Some((Value::Value(state), private));
        };
        let bi = self.data.beyond_identity(diags)?;
        let realm = realm_of(diags, &bi, &state.tenant_id, &state.realm_id)?;
        let config = known_str(&state.authenticator_config_id)
            .unwrap_or_default()
            .to_owned();
        let mut private = match private {
            Value::Value(p) => p,
            _ => Private::default(),
        };
        let tracked: HashMap<&str, &str> = jobs
            .iter()
            .map(|(i, e)| {
                let id = known(e).and_then(|e| known_str(&e.id)).unwrap_or_default();
                (i.as_str(), id)
            })
            .collect();
        let read = Ledger::tracked(
            &bi.api,
            &realm,
            &config,
            &tracked,
            &private.batches,
            private.realm_jobs,
        )
        .await;
        let ledger = match read {
            Ok(l) => l,
            Err(e) => {
                api_error(diags, "Cannot read the credential binding jobs", &e, None);
                return None;
            }
        };
        if ledger.realm_jobs > 0 {
            private.realm_jobs = ledger.realm_jobs;
        }
        let now = bi.api.now();
        let mut fresh = BTreeMap::new();
        let mut batches = std::collections::BTreeSet::new();
        for (i, entry) in &jobs {
            let tracked = known(entry).and_then(|e| known_str(&e.id));
            let entry = match ledger.holder(i, tracked, now) {
                Some(job) => {
                    batches.extend(job.batch_id.clone());
                    job.entry()
                }
                None => JobEntry::none(),
            };
            fresh.insert(i.clone(), Value::Value(entry));
        }
        private.batches = batches;
        let (enrolled, pending, expired) = apply::counts(&fresh, now);
        state.jobs = Value::Value(fresh);
        state.enrolled_count = Value::Value(enrolled);
        state.pending_count = Value::Value(pending);
        state.expired_count = Value::Value(expired);
        Some((Value::Value(state), Value::Value(private)))
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let mut p = present(diags, proposed)?;
        let config = present(diags, config)?;
        let bi = self.data.beyond_identity(diags)?;
        (p.tenant_id, p.realm_id) =
            plan_realm(diags, &bi, (&config.tenant_id, &config.realm_id), None)?;
        defaults(&mut p, &config);
        p.id = Value::Unknown;
        let realm = realm_of(diags, &bi, &p.tenant_id, &p.realm_id);
        let private = match realm {
            Some(realm) => {
                let rules = rules(&p, None);
                let none = Private::default();
                let planned = plan::plan(&bi.api, &realm, &mut p, None, &none, &rules);
                planned_or_error(diags, planned.await)?.0
            }
            None => {
                plan::unknown_outputs(&mut p);
                Private::default()
            }
        };
        Some((Value::Value(p), Value::Value(private)))
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        let prior = present(diags, prior)?;
        let mut p = present(diags, proposed)?;
        let config = present(diags, config)?;
        let bi = self.data.beyond_identity(diags)?;
        (p.tenant_id, p.realm_id) = plan_realm(
            diags,
            &bi,
            (&config.tenant_id, &config.realm_id),
            Some((&prior.tenant_id, &prior.realm_id)),
        )?;
        defaults(&mut p, &config);
        p.id = prior.id.clone();
        let mut replace = Vec::new();
        for (name, a, b) in [
            (
                "authenticator_config_id",
                &prior.authenticator_config_id,
                &p.authenticator_config_id,
            ),
            (
                "post_binding_redirect_uri",
                &prior.post_binding_redirect_uri,
                &p.post_binding_redirect_uri,
            ),
            ("tenant_id", &prior.tenant_id, &p.tenant_id),
            ("realm_id", &prior.realm_id, &p.realm_id),
        ] {
            replace_if_changed(&mut replace, name, a, b);
        }
        let prior_private = match &private {
            Value::Value(p) => p.clone(),
            _ => Private::default(),
        };
        if !replace.is_empty() {
            plan::unknown_outputs(&mut p);
            return Some((Value::Value(p), Value::Value(prior_private), replace));
        }
        let realm = realm_of(diags, &bi, &p.tenant_id, &p.realm_id)?;
        let rules = rules(&p, Some(&prior));
        let planned = plan::plan(
            &bi.api,
            &realm,
            &mut p,
            Some(&prior),
            &prior_private,
            &rules,
        );
        let (private, held_back) = planned_or_error(diags, planned.await)?;
        apply::warn_held_back(diags, &held_back, Some(&prior));
        Some((Value::Value(p), Value::Value(private), replace))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(private)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let planned = present(diags, planned)?;
        self.carry_out(diags, planned, None, private).await
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let prior = present(diags, prior)?;
        let planned = present(diags, planned)?;
        self.carry_out(diags, planned, Some(&prior), private).await
    }

    /// Revokes every unfinished job (with `revoke_on_destroy`), a few at a
    /// time; a job gone or finished meanwhile needs nothing.
    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        _private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let prior = present(diags, prior)?;
        if matches!(prior.revoke_on_destroy, Value::Value(false)) {
            return Some(());
        }
        let bi = self.data.beyond_identity(diags)?;
        let realm = realm_of(diags, &bi, &prior.tenant_id, &prior.realm_id)?;
        let now = bi.api.now();
        let unfinished: Vec<(String, String)> = known(&prior.jobs)
            .into_iter()
            .flatten()
            .filter_map(|(i, e)| {
                let e = known(e)?;
                let id = known_str(&e.id)?;
                let live = ledger::is_live(known_str(&e.state), known_str(&e.expire_time), now);
                live.then(|| (i.clone(), id.to_owned()))
            })
            .collect();
        let failures = revoke::revoke_all(&bi, &realm, unfinished).await;
        if let Some((_, e)) = failures.first() {
            let summary = format!("Cannot revoke {} credential binding jobs", failures.len());
            api_error(diags, summary, e, None);
            return None;
        }
        Some(())
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        _id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        diags.root_error(
            "enroll_credential_binding_batch cannot be imported",
            "There is nothing to import: declare the resource with the identities, and the apply adopts the live links they already hold instead of sending new ones.",
        );
        None
    }
}

impl CredentialBindingBatchResource {
    /// Create and update: carry out the plan.
    async fn carry_out(
        &self,
        diags: &mut Diagnostics,
        planned: State,
        prior: Option<&State>,
        private: Value<Private>,
    ) -> Option<(Value<State>, Value<Private>)> {
        let bi = self.data.beyond_identity(diags)?;
        let realm = realm_of(diags, &bi, &planned.tenant_id, &planned.realm_id)?;
        let planned_private = match private {
            Value::Value(p) => p,
            _ => Private::default(),
        };
        if identity_set(&planned).is_empty() {
            diags.error_short(
                "identity_ids must name at least one identity",
                attr("identity_ids"),
            );
            return None;
        }
        let rules = rules(&planned, prior);
        let run = apply::Run {
            bi: &bi,
            realm: &realm,
            sending: &self.sending,
        };
        match apply::apply(diags, &run, planned, prior, &planned_private, &rules).await {
            Ok((state, private)) => Some((Value::Value(state), Value::Value(private))),
            Err(()) => None,
        }
    }
}
