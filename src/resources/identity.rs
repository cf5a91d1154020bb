//! `enroll_identity`: a person of a Beyond Identity realm, so that test
//! users can be created and sent their enrollment link in one plan.

use super::{api_error, import_realm_id, present, realm_of};
use crate::api::beyond_identity::{BeyondIdentity, RealmRef};
use crate::api::identities::{Identity, IdentityFilter, IdentityPatch, NewIdentity};
use crate::api::ApiError;
use crate::logging;
use crate::provider::ProviderData;
use crate::schema::attrs::*;
use crate::schema::plan::{known_str, opt, realm_part, replace_if_changed};
use crate::schema::validate;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

pub const STATUSES: [&str; 2] = ["active", "suspended"];
const DEFAULT_STATUS: &str = "active";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    #[serde(default)]
    pub id: Value<String>,
    #[serde(default)]
    pub tenant_id: Value<String>,
    #[serde(default)]
    pub realm_id: Value<String>,
    #[serde(default)]
    pub display_name: Value<String>,
    #[serde(default)]
    pub username: Value<String>,
    #[serde(default)]
    pub email: Value<String>,
    #[serde(default)]
    pub status: Value<String>,
    #[serde(default)]
    pub enrollment_status: Value<String>,
    #[serde(default)]
    pub create_time: Value<String>,
    #[serde(default)]
    pub update_time: Value<String>,
}

pub struct IdentityResource {
    data: Arc<ProviderData>,
}

impl IdentityResource {
    pub fn new(data: Arc<ProviderData>) -> Self {
        Self { data }
    }
}

fn path(name: &'static str) -> AttributePath {
    AttributePath::new(name)
}

/// Checks shared with the data source: the spec's name rules, an email
/// address, a known status.
pub fn validate_fields(
    diags: &mut Diagnostics,
    fields: &[(&'static str, &Value<String>)],
) -> Option<()> {
    for (name, value) in fields {
        let Some(v) = known_str(value) else { continue };
        let checked = match *name {
            "display_name" | "username" => validate::identity_name(v),
            "email" => validate::email(v),
            "status" => validate::one_of(v, &STATUSES),
            _ => validate::path_id(v),
        };
        if let Err(m) = checked {
            diags.error(format!("Invalid {name}"), m, path(name));
        }
    }
    Some(())
}

/// An email of `""` is how the API keeps a cleared trait.
fn email_of(identity: &Identity) -> Value<String> {
    opt(identity
        .traits
        .primary_email_address
        .clone()
        .filter(|e| !e.is_empty()))
}

pub fn from_api(api: Identity, realm: &RealmRef) -> State {
    State {
        email: email_of(&api),
        id: Value::Value(api.id),
        tenant_id: Value::Value(api.tenant_id.unwrap_or_else(|| realm.tenant_id.clone())),
        realm_id: Value::Value(api.realm_id.unwrap_or_else(|| realm.realm_id.clone())),
        display_name: opt(api.display_name),
        username: opt(api.traits.username),
        status: Value::Value(api.status.unwrap_or_else(|| DEFAULT_STATUS.to_owned())),
        enrollment_status: opt(api.enrollment_status),
        create_time: opt(api.create_time),
        update_time: opt(api.update_time),
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
        path("username"),
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
        match bi.api.get_identity(&realm, id).await {
            Ok(api) => Some((Value::Value(from_api(api, &realm)), private_state)),
            Err(e) if e.is_not_found() => Some((Value::Null, private_state)),
            Err(e) => {
                api_error(diags, "Cannot read the identity", &e, None);
                None
            }
        }
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
        planned.tenant_id = realm_part(&config.tenant_id, bi.tenant_id.as_ref(), None);
        planned.realm_id = realm_part(&config.realm_id, bi.realm_id.as_ref(), None);
        if planned.tenant_id.is_null() || planned.realm_id.is_null() {
            realm_of(diags, &bi, &planned.tenant_id, &planned.realm_id)?;
        }
        planned.status = status_or_default(&config.status);
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
        planned.tenant_id = realm_part(
            &config.tenant_id,
            bi.tenant_id.as_ref(),
            Some(&prior.tenant_id),
        );
        planned.realm_id = realm_part(
            &config.realm_id,
            bi.realm_id.as_ref(),
            Some(&prior.realm_id),
        );
        planned.status = status_or_default(&config.status);
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
        match bi.api.delete_identity(&realm, id).await {
            Ok(()) => Some(()),
            Err(e) if e.is_not_found() => Some(()),
            Err(e) => {
                api_error(diags, "Cannot delete the identity", &e, None);
                None
            }
        }
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let bi = self.data.beyond_identity(diags)?;
        let (realm, identity_id) = import_realm_id(diags, &bi, &id)?;
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

fn status_or_default(config: &Value<String>) -> Value<String> {
    match config {
        Value::Null => Value::Value(DEFAULT_STATUS.to_owned()),
        other => other.clone(),
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
        Some(path(name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_cleared_email_reads_back_as_null() {
        let mut api = Identity {
            id: "i".into(),
            ..Default::default()
        };
        api.traits.primary_email_address = Some(String::new());
        let realm = RealmRef {
            tenant_id: "t".into(),
            realm_id: "r".into(),
        };
        let s = from_api(api, &realm);
        assert!(s.email.is_null());
        assert_eq!(s.status, Value::Value("active".to_owned()));
        assert_eq!(s.tenant_id, Value::Value("t".to_owned()));
    }

    #[test]
    fn bad_values_are_refused_on_their_attribute() {
        let mut d = Diagnostics::default();
        let bad_name = Value::Value("a/b".to_owned());
        let bad_email = Value::Value("nope".to_owned());
        let bad_status = Value::Value("disabled".to_owned());
        validate_fields(
            &mut d,
            &[
                ("username", &bad_name),
                ("email", &bad_email),
                ("status", &bad_status),
            ],
        );
        let at: Vec<String> = d.errors.iter().map(|e| e.attribute.to_string()).collect();
        assert_eq!(at.len(), 3, "{at:?}");
        assert!(at[0].contains("username") && at[1].contains("email") && at[2].contains("status"));
    }
}
