//! `enroll_credential_binding_job`: the Beyond Identity job whose creation
//! emails an enrollment link (or returns it). Create is the one call that
//! sends; plan, refresh, import and no-op applies never do.

mod adoption;
mod errors;

use super::claims::Claims;
use super::common::{
    api_error, attr, check_ids, done_unless, forget_if_gone, import_realm_ids, plan_realm, present,
    realm_of,
};
use super::renewal::{before_expiry, check_before_expiry, Renewal, FINISHED};
use crate::api::beyond_identity::credential_binding_jobs::DeliveryMethod;
use crate::api::beyond_identity::credential_binding_jobs::NewCredentialBindingJob;
use crate::clients::ProviderData;
use crate::models::attempt::Attempt;
use crate::models::credential_binding_job::{imported, refresh, unresolved, Private, State};
use crate::schema::attrs::*;
use crate::schema::plan::{known, known_str, opt, or_default, replace_if_changed};
use crate::schema::validate;
use adoption::unresolve;
use async_trait::async_trait;
use errors::create_failed;
use std::sync::Arc;
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};
use time::OffsetDateTime;

pub struct CredentialBindingJobResource {
    data: Arc<ProviderData>,
    claims: Claims,
}

impl CredentialBindingJobResource {
    pub fn new(data: Arc<ProviderData>) -> Self {
        Self {
            data,
            claims: Claims::default(),
        }
    }
}

fn validate_config(diags: &mut Diagnostics, c: &State) {
    check_ids(
        diags,
        &[
            ("identity_id", &c.identity_id),
            ("authenticator_config_id", &c.authenticator_config_id),
            ("tenant_id", &c.tenant_id),
            ("realm_id", &c.realm_id),
        ],
    );
    if let Some(d) = known_str(&c.delivery_method) {
        if let Err(m) = validate::one_of(d, &["EMAIL", "RETURN"]) {
            diags.error("Invalid delivery_method", m, attr("delivery_method"));
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

/// The arguments whose default the plan shows.
fn plan_defaults(p: &mut State, config: &State) {
    p.delivery_method = or_default(&config.delivery_method, "EMAIL".to_owned());
    p.resend_when_expired = or_default(&config.resend_when_expired, false);
    p.revoke_on_destroy = or_default(&config.revoke_on_destroy, true);
}

#[async_trait]
impl Resource for CredentialBindingJobResource {
    type State<'a> = Value<State>;
    type PrivateState<'a> = Value<Private>;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 1,
            block: block(
                "A Beyond Identity credential binding job: creating it emails the identity a passkey enrollment link (`EMAIL`) or returns the link (`RETURN`). Creation is the only step that sends; plans, refreshes and imports never do. Any change of an input, or of `triggers`, replaces the job and so sends exactly one new link.",
                [
                    ("id", computed(string(), "Id of the credential binding job, made by Beyond Identity.")),
                    ("identity_id", required(string(), "Identity that receives the enrollment link. Changing it sends a new link.")),
                    ("authenticator_config_id", required(string(), "Authenticator configuration the link enrolls into. Changing it sends a new link.")),
                    ("delivery_method", optional_computed(string(), "How the link is delivered: `EMAIL` (the default) emails it to the identity's address; `RETURN` only returns it in `credential_binding_link`. Changing it sends a new link.")),
                    ("post_binding_redirect_uri", optional(string(), "Absolute URL the user is sent to after enrolling. Changing it sends a new link.")),
                    ("tenant_id", optional_computed(string(), "Tenant of the identity. Defaults to the provider's `tenant_id`; changing it sends a new link.")),
                    ("realm_id", optional_computed(string(), "Realm of the identity. Defaults to the provider's `realm_id`; changing it sends a new link.")),
                    ("triggers", optional(map_of_strings(), "Arbitrary values whose change replaces the job, i.e. sends a new link (for example a date to re-invite on).")),
                    ("resend_when_expired", optional_computed(boolean(), "When true, a job that expired before it was completed is planned for replacement, so the next apply sends a new link. Defaults to false.")),
                    ("resend_before_expiry", optional(string(), "A duration such as `\"24h\"` or `\"90m\"`: once less than this is left before `expire_time` on a job that is not complete, the plan replaces it, so the person gets a fresh link before the old one stops working. It implies nothing about `resend_when_expired`, which alone renews links that already expired.")),
                    ("revoke_on_destroy", optional_computed(boolean(), "When true (the default), destroying an unfinished job revokes it so its link stops working; when false, destroy only forgets it.")),
                    ("state", computed(string(), "State of the job as last read: `LINK_SENT`, `LINK_OPENED`, `REQUEST_DELIVERED`, `COMPLETE`, `EXPIRED`, `FAILED_TO_SEND`, `REVOKED`, or a newer one.")),
                    ("create_time", computed(string(), "When the job was created (RFC 3339).")),
                    ("update_time", computed(string(), "When the job last changed (RFC 3339).")),
                    ("expire_time", computed(string(), "When the link stops working (RFC 3339).")),
                    ("credential_id", computed(string(), "Credential bound by the job, once the user has enrolled.")),
                    ("credential_binding_link", sensitive(computed(string(), "The enrollment link, for `RETURN` delivery only. Known only from the create response and kept in state, so protect the state."))),
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
        let bi = self.data.beyond_identity(diags)?;
        let realm = realm_of(diags, &bi, &state.tenant_id, &state.realm_id)?;
        let identity = known_str(&state.identity_id).unwrap_or_default().to_owned();
        if let Some(attempt) = unresolved(&private) {
            // A lost create: the server is long done. Adopt the job it made,
            // or forget the resource so the next plan sends exactly once.
            let found = adoption::resolve(diags, &self.claims, &bi.api, &realm, &state, attempt);
            return Some(match found.await? {
                Some(job) => {
                    refresh(&mut state, &job);
                    (Value::Value(state), Value::Null)
                }
                None => (Value::Null, Value::Null),
            });
        }
        let id = known_str(&state.id).unwrap_or_default().to_owned();
        // Spoken for: an unresolved sibling refreshed by this process must
        // not take it.
        self.claims.claim(&id);
        let read = bi
            .api
            .get_credential_binding_job(&realm, &identity, &id)
            .await;
        forget_if_gone(
            diags,
            "Cannot read the credential binding job",
            read.map(|job| {
                refresh(&mut state, &job);
                state
            }),
            private,
        )
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
        plan_defaults(&mut p, &config);
        for v in [
            &mut p.id,
            &mut p.state,
            &mut p.create_time,
            &mut p.update_time,
            &mut p.expire_time,
            &mut p.credential_id,
        ] {
            *v = Value::Unknown;
        }
        p.credential_binding_link = match known_str(&p.delivery_method) {
            Some("EMAIL") => Value::Null,
            _ => Value::Unknown,
        };
        Some((Value::Value(p), Value::Null))
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
        plan_defaults(&mut p, &config);

        let mut replace = Vec::new();
        replace_if_changed(
            &mut replace,
            "identity_id",
            &prior.identity_id,
            &p.identity_id,
        );
        replace_if_changed(
            &mut replace,
            "authenticator_config_id",
            &prior.authenticator_config_id,
            &p.authenticator_config_id,
        );
        replace_if_changed(
            &mut replace,
            "delivery_method",
            &prior.delivery_method,
            &p.delivery_method,
        );
        replace_if_changed(
            &mut replace,
            "post_binding_redirect_uri",
            &prior.post_binding_redirect_uri,
            &p.post_binding_redirect_uri,
        );
        replace_if_changed(&mut replace, "tenant_id", &prior.tenant_id, &p.tenant_id);
        replace_if_changed(&mut replace, "realm_id", &prior.realm_id, &p.realm_id);
        if !(imported(&private) && prior.triggers.is_null()) {
            replace_if_changed(&mut replace, "triggers", &prior.triggers, &p.triggers);
        }

        // Re-send an expired, never completed link, or one about to expire,
        // only when asked to. The plan shows `state` going to unknown with
        // "forces replacement", which is the reason a reader needs.
        let renewal = Renewal {
            when_expired: matches!(p.resend_when_expired, Value::Value(true)),
            revoked_counts: false,
            before_expiry: before_expiry(&p.resend_before_expiry),
        };
        if renewal.due(
            known_str(&prior.state),
            known_str(&prior.expire_time),
            bi.api.now(),
        ) {
            p.state = Value::Unknown;
            replace.push(attr("state"));
        }
        Some((Value::Value(p), private, replace))
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
        _private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let mut s = present(diags, planned)?;
        let bi = self.data.beyond_identity(diags)?;
        let realm = realm_of(diags, &bi, &s.tenant_id, &s.realm_id)?;
        let identity = known_str(&s.identity_id).unwrap_or_default().to_owned();
        let Some(delivery_method) = known_str(&s.delivery_method).and_then(DeliveryMethod::parse)
        else {
            diags.error_short(
                "delivery_method must be EMAIL or RETURN",
                attr("delivery_method"),
            );
            return None;
        };
        let job = NewCredentialBindingJob {
            delivery_method,
            authenticator_config_id: known_str(&s.authenticator_config_id)
                .unwrap_or_default()
                .to_owned(),
            post_binding_redirect_uri: known(&s.post_binding_redirect_uri).cloned(),
        };
        let attempt = Attempt::new(OffsetDateTime::now_utc(), vec![]);
        let sent = std::time::Instant::now();
        let create = bi
            .api
            .create_credential_binding_job(&realm, &identity, &job);
        let lost = match self
            .claims
            .create(create, |c| c.credential_binding_job.id.as_str())
            .await
        {
            Ok(created) => {
                refresh(&mut s, &created.credential_binding_job);
                s.credential_binding_link = match delivery_method {
                    DeliveryMethod::Return => opt(created.credential_binding_link),
                    DeliveryMethod::Email => Value::Null,
                };
                return Some((Value::Value(s), Value::Null));
            }
            // RETURN sends nothing: its create is retried like a read.
            Err(e) if delivery_method == DeliveryMethod::Email && e.ambiguous() => e,
            Err(e) => {
                create_failed(diags, &e);
                return None;
            }
        };
        let took = sent.elapsed();
        let found = adoption::after_lost_create(
            diags,
            &self.claims,
            &bi.api,
            &realm,
            &identity,
            &s,
            attempt,
            lost,
            took,
        )
        .await;
        match found {
            Ok(job) => {
                refresh(&mut s, &job);
                s.credential_binding_link = Value::Null;
                Some((Value::Value(s), Value::Null))
            }
            Err(private) => {
                unresolve(&mut s);
                Some((Value::Value(s), Value::Value(private)))
            }
        }
    }

    /// Only the provider-side flags (and an imported job's triggers) change
    /// in place; no request is made.
    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        _prior: Self::State<'a>,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        _private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let planned = present(diags, planned)?;
        Some((Value::Value(planned), Value::Null))
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let prior = present(diags, prior)?;
        if !matches!(prior.revoke_on_destroy, Value::Value(true) | Value::Null) {
            return Some(());
        }
        if known_str(&prior.state).is_some_and(|s| FINISHED.contains(&s)) {
            return Some(());
        }
        let bi = self.data.beyond_identity(diags)?;
        let realm = realm_of(diags, &bi, &prior.tenant_id, &prior.realm_id)?;
        let identity = known_str(&prior.identity_id).unwrap_or_default();
        let id = match (known_str(&prior.id), unresolved(&private)) {
            (Some(id), _) => id.to_owned(),
            // Destroyed before a refresh resolved a lost create.
            (None, Some(attempt)) => {
                let found =
                    adoption::resolve(diags, &self.claims, &bi.api, &realm, &prior, attempt);
                match found.await? {
                    Some(job) => job.id,
                    None => return Some(()),
                }
            }
            (None, None) => return Some(()),
        };
        let revoked = bi
            .api
            .revoke_credential_binding_job(&realm, identity, &id)
            .await;
        // Finished meanwhile (409) or already gone (404): nothing to revoke.
        done_unless(
            diags,
            "Cannot revoke the credential binding job",
            revoked,
            &[409, 404],
        )
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let bi = self.data.beyond_identity(diags)?;
        let (realm, ids) = import_realm_ids(diags, &bi, &id, &["identity_id", "job_id"])?;
        let (identity, job_id) = (ids[0], ids[1]);
        let job = match bi
            .api
            .get_credential_binding_job(&realm, identity, job_id)
            .await
        {
            Ok(j) => j,
            Err(e) => {
                api_error(
                    diags,
                    format!("Cannot import credential binding job {job_id:?}"),
                    &e,
                    None,
                );
                return None;
            }
        };
        let mut s = State {
            identity_id: Value::Value(
                job.identity_id
                    .clone()
                    .unwrap_or_else(|| identity.to_owned()),
            ),
            authenticator_config_id: opt(job.authenticator_config_id.clone()),
            delivery_method: opt(job.delivery_method.clone()),
            post_binding_redirect_uri: opt(job.post_binding_redirect_uri.clone()),
            tenant_id: Value::Value(realm.tenant_id.clone()),
            realm_id: Value::Value(realm.realm_id.clone()),
            triggers: Value::Null,
            resend_when_expired: Value::Value(false),
            revoke_on_destroy: Value::Value(true),
            // The link is only ever in the create response.
            credential_binding_link: Value::Null,
            ..Default::default()
        };
        refresh(&mut s, &job);
        Some((
            Value::Value(s),
            Value::Value(Private {
                imported: true,
                unresolved: None,
            }),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uri_must_be_absolute() {
        let mut d = Diagnostics::default();
        let c = State {
            post_binding_redirect_uri: Value::Value("/done".into()),
            delivery_method: Value::Value("SMS".into()),
            ..Default::default()
        };
        validate_config(&mut d, &c);
        let paths: Vec<String> = d.errors.iter().map(|e| e.attribute.to_string()).collect();
        assert_eq!(d.errors.len(), 2, "{paths:?}");
    }
}
