//! An authenticator configuration as Terraform holds it: the
//! `enroll_authenticator_config` resource's and data source's state, and
//! its conversions to and from the API's wire form.

use crate::api::beyond_identity::authenticator_configs::{
    AuthenticationMethod, AuthenticatorConfig, AuthenticatorSettings,
};
use crate::api::beyond_identity::RealmRef;
use crate::schema::plan::{known, known_list, known_str, opt, to_list};
use serde::{Deserialize, Serialize};
use tf_provider::value::Value;
use tf_provider::{AttributePath, Diagnostics};

pub const TYPES: [&str; 3] = ["hosted_web", "embedded", "platform"];

pub type List = Value<Vec<Value<String>>>;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    #[serde(default)]
    pub id: Value<String>,
    #[serde(default)]
    pub tenant_id: Value<String>,
    #[serde(default)]
    pub realm_id: Value<String>,
    #[serde(default, rename = "type")]
    pub kind: Value<String>,
    #[serde(default)]
    pub display_name: Value<String>,
    #[serde(default)]
    pub trusted_origins: List,
    #[serde(default)]
    pub authentication_methods: List,
    #[serde(default)]
    pub invoke_url: Value<String>,
    #[serde(default)]
    pub invocation_type: Value<String>,
}

/// The wire form of a fully known planned state.
pub fn to_api(diags: &mut Diagnostics, s: &State) -> Option<AuthenticatorConfig> {
    let methods = |l: &List| {
        known_list(l).map(|v| {
            v.into_iter()
                .map(|kind| AuthenticationMethod { kind })
                .collect::<Vec<_>>()
        })
    };
    let origins = known_list(&s.trusted_origins);
    let config = match known_str(&s.kind) {
        Some("hosted_web") => AuthenticatorSettings::HostedWeb {
            authentication_methods: methods(&s.authentication_methods).unwrap_or_default(),
            trusted_origins: origins.unwrap_or_default(),
        },
        Some("embedded") => AuthenticatorSettings::Embedded {
            invoke_url: known_str(&s.invoke_url).unwrap_or_default().to_owned(),
            trusted_origins: origins.unwrap_or_default(),
            invocation_type: known(&s.invocation_type).cloned(),
            authentication_methods: methods(&s.authentication_methods),
        },
        Some("platform") => AuthenticatorSettings::Platform {
            trusted_origins: origins,
        },
        other => {
            diags.error(
                "Invalid authenticator type",
                format!("{other:?} is not one of \"hosted_web\", \"embedded\", \"platform\""),
                AttributePath::new("type"),
            );
            return None;
        }
    };
    Some(AuthenticatorConfig {
        id: None,
        tenant_id: None,
        realm_id: None,
        display_name: known(&s.display_name).cloned(),
        config,
    })
}

/// State from what the API returned.
pub fn from_api(api: AuthenticatorConfig, realm: &RealmRef) -> State {
    let methods =
        |m: Vec<AuthenticationMethod>| to_list(&m.into_iter().map(|m| m.kind).collect::<Vec<_>>());
    let mut s = State {
        id: opt(api.id),
        tenant_id: Value::Value(api.tenant_id.unwrap_or_else(|| realm.tenant_id.clone())),
        realm_id: Value::Value(api.realm_id.unwrap_or_else(|| realm.realm_id.clone())),
        kind: Value::Value(api.config.type_name().to_owned()),
        display_name: opt(api.display_name),
        ..Default::default()
    };
    match api.config {
        AuthenticatorSettings::HostedWeb {
            authentication_methods,
            trusted_origins,
        } => {
            s.authentication_methods = methods(authentication_methods);
            s.trusted_origins = to_list(&trusted_origins);
        }
        AuthenticatorSettings::Embedded {
            invoke_url,
            trusted_origins,
            invocation_type,
            authentication_methods,
        } => {
            s.invoke_url = Value::Value(invoke_url);
            s.trusted_origins = to_list(&trusted_origins);
            s.invocation_type = Value::Value(invocation_type.unwrap_or_else(|| "automatic".into()));
            s.authentication_methods = match authentication_methods {
                Some(m) => methods(m),
                None => Value::Null,
            };
        }
        AuthenticatorSettings::Platform { trusted_origins } => {
            s.trusted_origins = trusted_origins
                .as_deref()
                .map(to_list)
                .unwrap_or(Value::Null);
        }
        AuthenticatorSettings::Unsupported => {}
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_round_trip_keeps_every_attribute() {
        let realm = RealmRef {
            tenant_id: "t".into(),
            realm_id: "r".into(),
        };
        let s = State {
            kind: Value::Value("embedded".into()),
            invoke_url: Value::Value("https://app.example.com".into()),
            display_name: Value::Value("App".into()),
            trusted_origins: Value::Value(vec![]),
            authentication_methods: to_list(&["software_passkey".to_owned()]),
            invocation_type: Value::Value("manual".into()),
            ..Default::default()
        };
        let mut d = Diagnostics::default();
        let mut api = to_api(&mut d, &s).unwrap();
        api.id = Some("id1".into());
        let back = from_api(api, &realm);
        assert_eq!(back.invoke_url, s.invoke_url);
        assert_eq!(back.authentication_methods, s.authentication_methods);
        assert_eq!(back.invocation_type, s.invocation_type);
        assert_eq!(back.tenant_id, Value::Value("t".to_owned()));
    }

    #[test]
    fn an_embedded_config_without_invocation_type_reads_as_automatic() {
        let realm = RealmRef {
            tenant_id: "t".into(),
            realm_id: "r".into(),
        };
        let api = AuthenticatorConfig {
            id: Some("c".into()),
            tenant_id: None,
            realm_id: None,
            display_name: None,
            config: AuthenticatorSettings::Embedded {
                invoke_url: "https://app.example.com".into(),
                trusted_origins: vec![],
                invocation_type: None,
                authentication_methods: None,
            },
        };
        let s = from_api(api, &realm);
        assert_eq!(s.invocation_type, Value::Value("automatic".to_owned()));
        assert!(s.authentication_methods.is_null());
    }
}
