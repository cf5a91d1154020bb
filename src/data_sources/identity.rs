//! `data "enroll_identity"`: one existing identity, found by id, username
//! or email, so that jobs can invite people Terraform did not create.

use crate::api::beyond_identity::identities::{Identity, IdentityFilter};
use crate::api::beyond_identity::{BeyondIdentity, RealmRef};
use crate::api::ApiError;
use crate::clients::ProviderData;
use crate::models::identity::{from_api, validate_fields, State};
use crate::resources::common::{api_error, attr, realm_of};
use crate::schema::attrs::*;
use crate::schema::plan::known_str;
use async_trait::async_trait;
use std::sync::Arc;
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{DataSource, Diagnostics};

const KEYS: [&str; 3] = ["id", "username", "email"];

pub struct IdentityDataSource {
    data: Arc<ProviderData>,
}

impl IdentityDataSource {
    pub fn new(data: Arc<ProviderData>) -> Self {
        Self { data }
    }
}

/// The lookup key the configuration sets.
#[derive(Debug, PartialEq, Eq)]
enum Key<'a> {
    Id(&'a str),
    Username(&'a str),
    Email(&'a str),
}

fn keys_set(c: &State) -> Vec<&'static str> {
    KEYS.into_iter()
        .zip([&c.id, &c.username, &c.email])
        .filter(|(_, v)| !v.is_null())
        .map(|(k, _)| k)
        .collect()
}

/// Exactly one key: none or several is a configuration error, reported on
/// the second key so Terraform points at a line to delete.
fn check_one_key(diags: &mut Diagnostics, c: &State) {
    match keys_set(c).as_slice() {
        [] => diags.root_error(
            "Missing lookup key",
            "Set exactly one of `id`, `username` or `email` to say which identity to read.",
        ),
        [_] => {}
        [first, second, ..] => diags.error(
            "Conflicting lookup keys",
            format!(
                "Set exactly one of `id`, `username` or `email`; `{first}` and `{second}` are both set."
            ),
            attr(second),
        ),
    }
}

fn key_of(c: &State) -> Option<Key<'_>> {
    known_str(&c.id)
        .map(Key::Id)
        .or_else(|| known_str(&c.username).map(Key::Username))
        .or_else(|| known_str(&c.email).map(Key::Email))
}

/// The identities whose primary email is `email`; addresses compare
/// case-insensitively, as mail systems treat them.
fn with_email(all: Vec<Identity>, email: &str) -> Vec<Identity> {
    all.into_iter()
        .filter(|i| {
            i.traits
                .primary_email_address
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
        .collect()
}

fn describe(found: &[Identity]) -> String {
    let mut names: Vec<String> = found
        .iter()
        .take(5)
        .map(|i| {
            format!(
                "{} ({})",
                i.traits.username.as_deref().unwrap_or("no username"),
                i.id
            )
        })
        .collect();
    if found.len() > 5 {
        names.push(format!("and {} more", found.len() - 5));
    }
    names.join(", ")
}

impl IdentityDataSource {
    async fn find(
        &self,
        diags: &mut Diagnostics,
        api: &BeyondIdentity,
        realm: &RealmRef,
        key: Key<'_>,
    ) -> Option<Identity> {
        let (attribute, wanted, found): (&'static str, &str, Result<Vec<Identity>, ApiError>) =
            match key {
                Key::Id(id) => (
                    "id",
                    id,
                    match api.get_identity(realm, id).await {
                        Ok(i) => Ok(vec![i]),
                        Err(e) if e.is_not_found() => Ok(vec![]),
                        Err(e) => Err(e),
                    },
                ),
                Key::Username(name) => (
                    "username",
                    name,
                    api.list_identities(realm, IdentityFilter::Username(name))
                        .await,
                ),
                // The API filters on username only: read the realm's
                // identities page by page and match here.
                Key::Email(email) => (
                    "email",
                    email,
                    api.list_identities(realm, IdentityFilter::All)
                        .await
                        .map(|all| with_email(all, email)),
                ),
            };
        let mut found = match found {
            Ok(f) => f,
            Err(e) => {
                api_error(diags, "Cannot look up the identity", &e, None);
                return None;
            }
        };
        match found.len() {
            1 => found.pop(),
            0 => {
                diags.error(
                    "No identity found",
                    format!(
                        "Realm {} of tenant {} has no identity with {attribute} {wanted:?}.",
                        realm.realm_id, realm.tenant_id
                    ),
                    attr(attribute),
                );
                None
            }
            n => {
                diags.error(
                    "Several identities match",
                    format!(
                        "{n} identities have {attribute} {wanted:?}: {}. Look the identity up by `id` or `username` instead.",
                        describe(&found)
                    ),
                    attr(attribute),
                );
                None
            }
        }
    }
}

#[async_trait]
impl DataSource for IdentityDataSource {
    type State<'a> = Value<State>;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 1,
            block: block(
                "Looks up one existing identity of a Beyond Identity realm by `id`, `username` or `email` (exactly one of them). It is an error when no identity, or more than one, matches.",
                [
                    ("id", optional_computed(string(), "Id of the identity to read; or the id of the one found by `username` or `email`.")),
                    ("username", optional_computed(string(), "Username to look up (the API matches it case-insensitively); or the username of the identity found.")),
                    ("email", optional_computed(string(), "Primary email address to look up (matched case-insensitively across every identity of the realm, page by page); or the email of the identity found.")),
                    ("tenant_id", optional_computed(string(), "Tenant to look in. Defaults to the provider's `tenant_id`.")),
                    ("realm_id", optional_computed(string(), "Realm to look in. Defaults to the provider's `realm_id`.")),
                    ("display_name", computed(string(), "Human-readable name of the identity.")),
                    ("status", computed(string(), "Administrative status: `active` or `suspended`.")),
                    ("enrollment_status", computed(string(), "Whether the identity has a passkey: `ENROLLED`, `PENDING`, `INVITE_FAILED` or `UNENROLLED`.")),
                    ("create_time", computed(string(), "When the identity was created (RFC 3339).")),
                    ("update_time", computed(string(), "When the identity was last changed (RFC 3339).")),
                ],
                [],
            ),
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        if let Value::Value(c) = &config {
            check_one_key(diags, c);
            validate_fields(
                diags,
                &[
                    ("id", &c.id),
                    ("tenant_id", &c.tenant_id),
                    ("realm_id", &c.realm_id),
                    ("username", &c.username),
                    ("email", &c.email),
                ],
            );
        }
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::State<'a>> {
        let Value::Value(config) = config else {
            return Some(Value::Null);
        };
        check_one_key(diags, &config);
        let key = key_of(&config)?;
        let bi = self.data.beyond_identity(diags)?;
        let realm = realm_of(diags, &bi, &config.tenant_id, &config.realm_id)?;
        let found = self.find(diags, &bi.api, &realm, key).await?;
        Some(Value::Value(from_api(found, &realm)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(id: Option<&str>, username: Option<&str>, email: Option<&str>) -> State {
        let v = |s: Option<&str>| s.map_or(Value::Null, |s| Value::Value(s.to_owned()));
        State {
            id: v(id),
            username: v(username),
            email: v(email),
            ..Default::default()
        }
    }

    fn errors(c: &State) -> Vec<String> {
        let mut d = Diagnostics::default();
        check_one_key(&mut d, c);
        d.errors.iter().map(|e| e.summary.to_string()).collect()
    }

    #[test]
    fn exactly_one_key_is_accepted() {
        assert!(errors(&with(Some("i"), None, None)).is_empty());
        assert!(errors(&with(None, None, Some("a@example.com"))).is_empty());
        assert_eq!(errors(&with(None, None, None)), ["Missing lookup key"]);
        assert_eq!(
            errors(&with(Some("i"), Some("u"), None)),
            ["Conflicting lookup keys"]
        );
    }

    #[test]
    fn an_unknown_key_counts_as_set() {
        let mut c = with(None, None, None);
        c.username = Value::Unknown;
        assert!(errors(&c).is_empty());
    }

    #[test]
    fn emails_match_case_insensitively() {
        let mk = |id: &str, email: &str| {
            let mut i = Identity {
                id: id.into(),
                ..Default::default()
            };
            i.traits.primary_email_address = Some(email.into());
            i
        };
        let found = with_email(
            vec![mk("1", "A@Example.com"), mk("2", "b@example.com")],
            "a@example.COM",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, "1");
        assert_eq!(
            key_of(&with(None, Some("u"), None)),
            Some(Key::Username("u"))
        );
    }
}
