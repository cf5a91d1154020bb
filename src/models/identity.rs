//! An identity as Terraform holds it: the `enroll_identity` resource's and
//! data source's state, and the checks both make of its fields.

use crate::api::beyond_identity::identities::Identity;
use crate::api::beyond_identity::RealmRef;
use crate::schema::plan::{known_str, opt};
use crate::schema::validate;
use serde::{Deserialize, Serialize};
use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

pub const STATUSES: [&str; 2] = ["active", "suspended"];
pub const DEFAULT_STATUS: &str = "active";

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

/// The spec's name rules, an email address, a known status; anything else
/// named here is an id.
pub fn validate_fields(diags: &mut Diagnostics, fields: &[(&'static str, &Value<String>)]) {
    for (name, value) in fields {
        let Some(v) = known_str(value) else { continue };
        let checked = match *name {
            "display_name" | "username" => validate::identity_name(v),
            "email" => validate::email(v),
            "status" => validate::one_of(v, &STATUSES),
            _ => validate::path_id(v),
        };
        if let Err(m) = checked {
            diags.error(format!("Invalid {name}"), m, AttributePath::new(*name));
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
