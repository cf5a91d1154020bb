//! Authenticator configurations: how a realm's identities authenticate.

use super::{BeyondIdentity, Page, RealmRef};
use crate::api::error::ApiError;
use crate::api::http::{Effect, Request};
use reqwest::Method;
use serde::{Deserialize, Serialize};

/// Authentication method names the API knows today.
pub const AUTHENTICATION_METHODS: [&str; 3] = [
    "email_one_time_password",
    "software_passkey",
    "webauthn_passkey",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthenticationMethod {
    #[serde(rename = "type")]
    pub kind: String,
}

/// `config` of an authenticator configuration: one variant per `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AuthenticatorSettings {
    HostedWeb {
        authentication_methods: Vec<AuthenticationMethod>,
        trusted_origins: Vec<String>,
    },
    Embedded {
        invoke_url: String,
        trusted_origins: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        invocation_type: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        authentication_methods: Option<Vec<AuthenticationMethod>>,
    },
    Platform {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        trusted_origins: Option<Vec<String>>,
    },
    /// A type this provider does not manage (e.g. `console`): readable, so
    /// a refresh does not fail, but never sent.
    #[serde(other)]
    Unsupported,
}

impl AuthenticatorSettings {
    pub fn type_name(&self) -> &'static str {
        match self {
            AuthenticatorSettings::HostedWeb { .. } => "hosted_web",
            AuthenticatorSettings::Embedded { .. } => "embedded",
            AuthenticatorSettings::Platform { .. } => "platform",
            AuthenticatorSettings::Unsupported => "unsupported",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthenticatorConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub realm_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    pub config: AuthenticatorSettings,
}

#[derive(Debug, Clone, Deserialize)]
struct ConfigPage {
    #[serde(default)]
    authenticator_configs: Vec<AuthenticatorConfig>,
    #[serde(default)]
    next_page_token: Option<String>,
}

impl Page for ConfigPage {
    type Item = AuthenticatorConfig;
    fn into_parts(self) -> (Vec<AuthenticatorConfig>, Option<String>) {
        (self.authenticator_configs, self.next_page_token)
    }
}

impl BeyondIdentity {
    pub async fn create_authenticator_config(
        &self,
        realm: &RealmRef,
        config: &AuthenticatorConfig,
    ) -> Result<AuthenticatorConfig, ApiError> {
        let body = serde_json::json!({ "authenticator_config": config });
        let url = self.url(realm, &["authenticator-configs"]);
        // Creating a config emails nobody, but a retried create after a lost
        // answer would leave a twin behind: only retry when provably unsent.
        self.call(Request::new(Method::POST, url, Effect::NotRepeatable).json(body))
            .await
    }

    /// Every configuration of the realm, following `next_page_token` to the
    /// end (configurations are few: a realm has tens, not thousands).
    pub async fn list_authenticator_configs(
        &self,
        realm: &RealmRef,
    ) -> Result<Vec<AuthenticatorConfig>, ApiError> {
        let mut url = self.url(realm, &["authenticator-configs"]);
        url.query_pairs_mut().append_pair("page_size", "100");
        self.all_pages::<ConfigPage>(url).await
    }

    pub async fn get_authenticator_config(
        &self,
        realm: &RealmRef,
        id: &str,
    ) -> Result<AuthenticatorConfig, ApiError> {
        let url = self.url(realm, &["authenticator-configs", id]);
        self.call(Request::new(Method::GET, url, Effect::RetrySafe))
            .await
    }

    /// Partial update. `config.type` is always sent: the spec's schema
    /// requires it even though its own PATCH example omits it.
    pub async fn update_authenticator_config(
        &self,
        realm: &RealmRef,
        id: &str,
        display_name: Option<&str>,
        config: Option<&AuthenticatorSettings>,
    ) -> Result<AuthenticatorConfig, ApiError> {
        let mut patch = serde_json::Map::new();
        if let Some(name) = display_name {
            patch.insert("display_name".into(), name.into());
        }
        if let Some(c) = config {
            patch.insert(
                "config".into(),
                serde_json::to_value(c).unwrap_or(serde_json::Value::Null),
            );
        }
        let body = serde_json::json!({ "authenticator_config": patch });
        let url = self.url(realm, &["authenticator-configs", id]);
        self.call(Request::new(Method::PATCH, url, Effect::RetrySafe).json(body))
            .await
    }

    pub async fn delete_authenticator_config(
        &self,
        realm: &RealmRef,
        id: &str,
    ) -> Result<(), ApiError> {
        let url = self.url(realm, &["authenticator-configs", id]);
        self.call_empty(Request::new(Method::DELETE, url, Effect::RetrySafe))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosted_web_serialises_with_type_and_method_objects() {
        let c = AuthenticatorConfig {
            id: None,
            tenant_id: None,
            realm_id: None,
            display_name: Some("Web".into()),
            config: AuthenticatorSettings::HostedWeb {
                authentication_methods: vec![AuthenticationMethod {
                    kind: "software_passkey".into(),
                }],
                trusted_origins: vec![],
            },
        };
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"display_name":"Web","config":{"type":"hosted_web",
                "authentication_methods":[{"type":"software_passkey"}],"trusted_origins":[]}})
        );
    }

    #[test]
    fn an_unmanaged_config_type_still_decodes() {
        let c: AuthenticatorConfig = serde_json::from_str(
            r#"{"id":"x","config":{"type":"console","onboarding_configuration":{}}}"#,
        )
        .unwrap();
        assert_eq!(c.config, AuthenticatorSettings::Unsupported);
    }
}
