//! `enroll_identity`: a person of a Beyond Identity realm, so that test
//! users can be created and sent their enrollment link in one plan.

mod creation;

use super::common::{
    api_error, done_unless, forget_if_gone, import_realm_ids, plan_realm, present, realm_of,
};
use crate::api::beyond_identity::identities::{Identity, IdentityPatch, NewIdentity};
use crate::api::beyond_identity::RealmRef;
use crate::clients::ProviderData;
use crate::models::attempt::Attempt;
use crate::models::identity::{from_api, validate_fields, State, DEFAULT_STATUS};
use crate::schema::attrs::*;
use crate::schema::plan::{known_str, or_default, replace_if_changed};
use async_trait::async_trait;
use std::sync::Arc;
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

pub struct IdentityResource {
    data: Arc<ProviderData>,
}

impl IdentityResource {
    pub fn new(data: Arc<ProviderData>) -> Self {
        Self { data }
    }
}

fn opt_state(made: Option<Identity>, realm: &RealmRef) -> Value<State> {
    match made {
        Some(i) => Value::Value(from_api(i, realm)),
        None => Value::Null,
    }
}

/// What a PATCH must send to turn `prior` into `planned`.
fn patch_between(prior: &State, planned: &State) -> IdentityPatch {
    let changed = |a: &Value<String>, b: &Value<String>| {
        (known_str(a) != known_str(b)).then(|| known_str(b).unwrap_or_default().to_owned())
    };
    IdentityPatch {
        display_name: changed(&prior.display_name, &planned.display_name),
        email: changed(&prior.email, &planned.email),
        status: changed(&prior.status, &planned.status),
    }
}

#[async_trait]
impl Resource for IdentityResource {
    type State<'a> = Value<State>;
    type PrivateState<'a> = Value<Attempt>;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 1,
            block: block(
                "An identity (a user) of a Beyond Identity realm. Creating one sends nothing: pair it with an `enroll_credential_binding_job` to send the user an enrollment link, or to hand the link to test automation.",
                [
                    ("id", computed(string(), "Id of the identity, made by Beyond Identity.")),
                    ("tenant_id", optional_computed(string(), "Tenant of the identity. Defaults to the provider's `tenant_id`; changing it replaces the identity.")),
                    ("realm_id", optional_computed(string(), "Realm of the identity. Defaults to the provider's `realm_id`; changing it replaces the identity.")),
                    ("display_name", required(string(), "Human-readable name of the identity, 1 to 64 characters. Changes are made in place.")),
                    ("username", required(string(), "Username, unique in the realm, 1 to 64 characters. Changing it replaces the identity; a username that is already taken is an error that names the import command.")),
                    ("email", optional(string(), "Primary email address (the `primary_email_address` trait), where enrollment emails go. Changes are made in place.")),
                    ("status", optional_computed(string(), "Administrative status: `active` (the default) or `suspended`, which stops the identity from creating passkeys and signing in. Changes are made in place.")),
                    ("enrollment_status", computed(string(), "Whether the identity has a passkey, as of the last refresh: `ENROLLED`, `PENDING` (a link is out), `INVITE_FAILED` or `UNENROLLED`.")),
                    ("create_time", computed(string(), "When the identity was created (RFC 3339).")),
                    ("update_time", computed(string(), "When the identity was last changed (RFC 3339).")),
                ],
                [],
            ),
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        if let Value::Value(c) = &config {
            validate_fields(
                diags,
                &[
                    ("tenant_id", &c.tenant_id),
                    ("realm_id", &c.realm_id),
                    ("display_name", &c.display_name),
                    ("username", &c.username),
                    ("email", &c.email),
                    ("status", &c.status),
                ],
            );
        }
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let Value::Value(state) = state else {
            return Some((Value::Null, private_state));
        };
        let bi = self.data.beyond_identity(diags)?;
        let realm = realm_of(diags, &bi, &state.tenant_id, &state.realm_id)?;
        if let Value::Value(attempt) = &private_state {
            // A lost create: the server is long done, so what it made is
            // there to adopt, or nothing was made and the plan creates it.
            let username = known_str(&state.username).unwrap_or_default();
            let made = creation::resolve(diags, &bi.api, &realm, username, attempt).await?;
            return Some((opt_state(made, &realm), Value::Null));
        }
        let id = known_str(&state.id).unwrap_or_default();
        let read = bi.api.get_identity(&realm, id).await;
        forget_if_gone(
            diags,
            "Cannot read the identity",
            read.map(|api| from_api(api, &realm)),
            private_state,
        )
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let mut planned = present(diags, proposed)?;
        let config = present(diags, config)?;
        let bi = self.data.beyond_identity(diags)?;
        (planned.tenant_id, planned.realm_id) =
            plan_realm(diags, &bi, (&config.tenant_id, &config.realm_id), None)?;
        planned.status = or_default(&config.status, DEFAULT_STATUS.to_owned());
        planned.id = Value::Unknown;
        planned.enrollment_status = Value::Unknown;
        planned.create_time = Value::Unknown;
        planned.update_time = Value::Unknown;
        Some((Value::Value(planned), Value::Null))
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        prior_private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        let prior = present(diags, prior)?;
        let mut planned = present(diags, proposed)?;
        let config = present(diags, config)?;
        let bi = self.data.beyond_identity(diags)?;
        (planned.tenant_id, planned.realm_id) = plan_realm(
            diags,
            &bi,
            (&config.tenant_id, &config.realm_id),
            Some((&prior.tenant_id, &prior.realm_id)),
        )?;
        planned.status = or_default(&config.status, DEFAULT_STATUS.to_owned());
        planned.id = prior.id.clone();
        planned.enrollment_status = prior.enrollment_status.clone();
        planned.create_time = prior.create_time.clone();
        let mut replace = Vec::new();
        replace_if_changed(&mut replace, "username", &prior.username, &planned.username);
        replace_if_changed(
            &mut replace,
            "tenant_id",
            &prior.tenant_id,
            &planned.tenant_id,
        );
        replace_if_changed(&mut replace, "realm_id", &prior.realm_id, &planned.realm_id);
        let in_place = planned.display_name != prior.display_name
            || planned.email != prior.email
            || planned.status != prior.status;
        planned.update_time = if in_place || !replace.is_empty() {
            Value::Unknown
        } else {
            prior.update_time.clone()
        };
        if !replace.is_empty() {
            planned.id = Value::Unknown;
            planned.enrollment_status = Value::Unknown;
            planned.create_time = Value::Unknown;
        }
        Some((Value::Value(planned), prior_private, replace))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Self::State<'a>,
        prior_private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(prior_private)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        _private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let planned = present(diags, planned)?;
        let bi = self.data.beyond_identity(diags)?;
        let realm = realm_of(diags, &bi, &planned.tenant_id, &planned.realm_id)?;
        let new = NewIdentity {
            display_name: known_str(&planned.display_name)
                .unwrap_or_default()
                .to_owned(),
            username: known_str(&planned.username).unwrap_or_default().to_owned(),
            email: known_str(&planned.email).map(str::to_owned),
            status: known_str(&planned.status)
                .unwrap_or(DEFAULT_STATUS)
                .to_owned(),
        };
        match creation::create(diags, &bi.api, &realm, &new).await? {
            Ok(api) => Some((Value::Value(from_api(api, &realm)), Value::Null)),
            Err(attempt) => {
                let mut s = planned;
                s.id = Value::Null;
                s.enrollment_status = Value::Null;
                s.create_time = Value::Null;
                s.update_time = Value::Null;
                Some((Value::Value(s), Value::Value(attempt)))
            }
        }
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
        let bi = self.data.beyond_identity(diags)?;
        let realm = realm_of(diags, &bi, &planned.tenant_id, &planned.realm_id)?;
        let patch = patch_between(&prior, &planned);
        if patch.is_empty() {
            let mut unchanged = planned;
            unchanged.update_time = prior.update_time;
            return Some((Value::Value(unchanged), private));
        }
        let id = known_str(&prior.id).unwrap_or_default();
        match bi.api.update_identity(&realm, id, &patch).await {
            Ok(api) => Some((Value::Value(from_api(api, &realm)), private)),
            Err(e) => {
                let on = creation::field_of(&e);
                api_error(diags, "Cannot update the identity", &e, on);
                None
            }
        }
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let prior = present(diags, prior)?;
        let bi = self.data.beyond_identity(diags)?;
        let realm = realm_of(diags, &bi, &prior.tenant_id, &prior.realm_id)?;
        let id = match (known_str(&prior.id), &private) {
            (Some(id), _) => id.to_owned(),
            // Destroyed before a refresh resolved a lost create.
            (None, Value::Value(attempt)) => {
                let username = known_str(&prior.username).unwrap_or_default();
                match creation::resolve(diags, &bi.api, &realm, username, attempt).await? {
                    Some(made) => made.id,
                    None => return Some(()),
                }
            }
            (None, Value::Null | Value::Unknown) => return Some(()),
        };
        let deleted = bi.api.delete_identity(&realm, &id).await;
        done_unless(diags, "Cannot delete the identity", deleted, &[404])
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let bi = self.data.beyond_identity(diags)?;
        let (realm, ids) = import_realm_ids(diags, &bi, &id, &["id"])?;
        let identity_id = ids[0];
        match bi.api.get_identity(&realm, identity_id).await {
            Ok(api) => Some((Value::Value(from_api(api, &realm)), Value::Null)),
            Err(e) => {
                api_error(
                    diags,
                    format!("Cannot import identity {identity_id:?}"),
                    &e,
                    None,
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::plan::opt;

    fn state(name: &str, email: Option<&str>, status: &str) -> State {
        State {
            display_name: Value::Value(name.into()),
            email: opt(email.map(str::to_owned)),
            status: Value::Value(status.into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_patch_carries_only_the_changed_fields() {
        let prior = state("A", Some("a@example.com"), "active");
        assert!(patch_between(&prior, &prior).is_empty());
        let p = patch_between(&prior, &state("B", Some("a@example.com"), "suspended"));
        assert_eq!(p.display_name.as_deref(), Some("B"));
        assert_eq!(p.status.as_deref(), Some("suspended"));
        assert_eq!(p.email, None);
    }

    #[test]
    fn removing_the_email_clears_the_trait() {
        let p = patch_between(
            &state("A", Some("a@example.com"), "active"),
            &state("A", None, "active"),
        );
        assert_eq!(p.email.as_deref(), Some(""));
    }
}
