//! `enroll_identity`: a person of a Beyond Identity realm, so that test
//! users can be created and sent their enrollment link in one plan.

use super::common::{
    api_error, attr, done_unless, forget_if_gone, import_realm_ids, plan_realm, present, realm_of,
};
use crate::api::beyond_identity::identities::{
    Identity, IdentityFilter, IdentityPatch, NewIdentity,
};
use crate::api::beyond_identity::{BeyondIdentity, RealmRef};
use crate::api::ApiError;
use crate::clients::ProviderData;
use crate::logging;
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

/// The diagnostic for a username that is taken: the fix is an import,
/// so name the command, with the existing identity's id when it can be
/// found.
async fn username_taken(
    diags: &mut Diagnostics,
    api: &BeyondIdentity,
    realm: &RealmRef,
    username: &str,
) {
    let existing = api
        .list_identities(realm, IdentityFilter::Username(username))
        .await
        .ok()
        .and_then(|found| found.into_iter().next().map(|i| i.id));
    let id = existing.as_deref().unwrap_or("IDENTITY_ID");
    let import_id = format!("{}/{}/{id}", realm.tenant_id, realm.realm_id);
    diags.error(
        "Username already taken",
        format!(
            "An identity with username {username:?} already exists in realm {}. To manage it with \
             Terraform, import it instead of creating it:\n\n  terraform import enroll_identity.NAME {import_id}\n\n\
             or add an import block:\n\n  import {{\n    to = enroll_identity.NAME\n    id = \"{import_id}\"\n  }}\n\n\
             (NAME is this resource's name.) Otherwise choose another username.",
            realm.realm_id
        ),
        attr("username"),
    );
}

impl IdentityResource {
    /// Creates the identity. After a failure that may hide a success, the
    /// identity is looked up by its (unique) username before one more
    /// attempt, so the retry is not refused as a duplicate of itself.
    async fn create_once(
        &self,
        api: &BeyondIdentity,
        realm: &RealmRef,
        new: &NewIdentity,
    ) -> Result<Identity, ApiError> {
        match api.create_identity(realm, new).await {
            Err(e) if e.ambiguous() => {
                logging::warn(
                    "identity",
                    "create failed after the request may have been sent; looking the identity up",
                    &[("error", e.to_string().into())],
                );
                let found = api
                    .list_identities(realm, IdentityFilter::Username(&new.username))
                    .await?;
                match found.into_iter().next() {
                    Some(identity) => Ok(identity),
                    None => api.create_identity(realm, new).await,
                }
            }
            other => other,
        }
    }
}

#[async_trait]
impl Resource for IdentityResource {
    type State<'a> = Value<State>;
    type PrivateState<'a> = ValueEmpty;
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
        Some((Value::Value(planned), ValueEmpty::Null))
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
        match self.create_once(&bi.api, &realm, &new).await {
            Ok(api) => Some((Value::Value(from_api(api, &realm)), ValueEmpty::Null)),
            Err(e) if e.status() == Some(409) => {
                username_taken(diags, &bi.api, &realm, &new.username).await;
                None
            }
            Err(e) => {
                let on = match e.status() {
                    Some(400) => field_of(&e),
                    _ => None,
                };
                api_error(diags, "Cannot create the identity", &e, on);
                None
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
                let on = field_of(&e);
                api_error(diags, "Cannot update the identity", &e, on);
                None
            }
        }
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        _private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let prior = present(diags, prior)?;
        let bi = self.data.beyond_identity(diags)?;
        let realm = realm_of(diags, &bi, &prior.tenant_id, &prior.realm_id)?;
        let id = known_str(&prior.id).unwrap_or_default();
        let deleted = bi.api.delete_identity(&realm, id).await;
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
            Ok(api) => Some((Value::Value(from_api(api, &realm)), ValueEmpty::Null)),
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

/// The attribute a 400's field violation names, so the error lands there.
fn field_of(e: &ApiError) -> Option<AttributePath> {
    let ApiError::Status(s) = e else { return None };
    s.violations.iter().find_map(|v| {
        let name = match v.field.rsplit('.').next()? {
            "display_name" => "display_name",
            "username" => "username",
            "primary_email_address" => "email",
            "status" => "status",
            _ => return None,
        };
        Some(attr(name))
    })
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
