//! Beyond Identity v1: wire types and calls for authenticator
//! configurations, identities and credential binding jobs.

use super::auth::TokenSource;
use super::error::ApiError;
use super::http::{Effect, HttpClient, Request};
use reqwest::{Method, Url};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

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

/// Delivery of a credential binding link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeliveryMethod {
    #[serde(rename = "EMAIL")]
    Email,
    #[serde(rename = "RETURN")]
    Return,
}

impl DeliveryMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryMethod::Email => "EMAIL",
            DeliveryMethod::Return => "RETURN",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "EMAIL" => Some(DeliveryMethod::Email),
            "RETURN" => Some(DeliveryMethod::Return),
            _ => None,
        }
    }
}

/// What a create request carries (`{"job": {...}}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewCredentialBindingJob {
    pub delivery_method: DeliveryMethod,
    pub authenticator_config_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_binding_redirect_uri: Option<String>,
}

/// A job as the API returns it. `state` stays a string: the spec's list of
/// states grows (clients that enumerate it broke on `EXPIRED`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct CredentialBindingJob {
    pub id: String,
    #[serde(default)]
    pub identity_id: Option<String>,
    #[serde(default)]
    pub tenant_id: Option<String>,
    #[serde(default)]
    pub realm_id: Option<String>,
    #[serde(default)]
    pub authenticator_config_id: Option<String>,
    #[serde(default)]
    pub delivery_method: Option<String>,
    #[serde(default)]
    pub post_binding_redirect_uri: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub credential_id: Option<String>,
    #[serde(default)]
    pub create_time: Option<String>,
    #[serde(default)]
    pub update_time: Option<String>,
    #[serde(default)]
    pub expire_time: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CreatedJob {
    pub credential_binding_job: CredentialBindingJob,
    #[serde(default)]
    pub credential_binding_link: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct JobPage {
    #[serde(default)]
    credential_binding_jobs: Vec<CredentialBindingJob>,
    #[serde(default)]
    next_page_token: Option<String>,
}

/// Where a realm's objects live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealmRef {
    pub tenant_id: String,
    pub realm_id: String,
}

pub struct BeyondIdentity {
    http: Arc<HttpClient>,
    api_url: Url,
    tokens: TokenSource,
}

/// Beyond Identity answers 401 for an unknown token and 403 for one
/// without the scope; both are worth one fresh token.
const REFRESH_ON: &[u16] = &[401, 403];

impl BeyondIdentity {
    pub fn new(http: Arc<HttpClient>, api_url: Url, tokens: TokenSource) -> Self {
        Self {
            http,
            api_url,
            tokens,
        }
    }

    /// `segments` are percent-encoded one by one, so an id can never change
    /// which path is called.
    pub(super) fn url(&self, realm: &RealmRef, segments: &[&str]) -> Url {
        let mut url = self.api_url.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend([
                "v1",
                "tenants",
                realm.tenant_id.as_str(),
                "realms",
                realm.realm_id.as_str(),
            ]);
            path.extend(segments);
        }
        url
    }

    pub(super) async fn call<T: serde::de::DeserializeOwned>(
        &self,
        req: Request,
    ) -> Result<T, ApiError> {
        let resp = self.tokens.send(&self.http, &req, REFRESH_ON).await?;
        resp.decode(&req)
    }

    pub(super) async fn call_empty(&self, req: Request) -> Result<(), ApiError> {
        self.tokens
            .send(&self.http, &req, REFRESH_ON)
            .await
            .map(|_| ())
    }

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

    /// The one call that emails a person (for `EMAIL`). Never retried
    /// unless the failure proves nothing was sent.
    pub async fn create_credential_binding_job(
        &self,
        realm: &RealmRef,
        identity_id: &str,
        job: &NewCredentialBindingJob,
    ) -> Result<CreatedJob, ApiError> {
        let body = serde_json::json!({ "job": job });
        let url = self.url(
            realm,
            &["identities", identity_id, "credential-binding-jobs"],
        );
        let effect = match job.delivery_method {
            // No email is involved in RETURN: a twin job is harmless.
            DeliveryMethod::Return => Effect::RetrySafe,
            DeliveryMethod::Email => Effect::NotRepeatable,
        };
        self.call(Request::new(Method::POST, url, effect).json(body))
            .await
    }

    /// GET of a job returns the bare object (only create wraps it).
    pub async fn get_credential_binding_job(
        &self,
        realm: &RealmRef,
        identity_id: &str,
        job_id: &str,
    ) -> Result<CredentialBindingJob, ApiError> {
        let url = self.url(
            realm,
            &["identities", identity_id, "credential-binding-jobs", job_id],
        );
        self.call(Request::new(Method::GET, url, Effect::RetrySafe))
            .await
    }

    /// Every job of an identity, following `next_page_token` to the end.
    pub async fn list_credential_binding_jobs(
        &self,
        realm: &RealmRef,
        identity_id: &str,
    ) -> Result<Vec<CredentialBindingJob>, ApiError> {
        let mut out = Vec::new();
        let mut page_token: Option<String> = None;
        loop {
            let mut url = self.url(
                realm,
                &["identities", identity_id, "credential-binding-jobs"],
            );
            url.query_pairs_mut().append_pair("page_size", "100");
            if let Some(t) = &page_token {
                url.query_pairs_mut().append_pair("page_token", t);
            }
            let page: JobPage = self
                .call(Request::new(Method::GET, url, Effect::RetrySafe))
                .await?;
            out.extend(page.credential_binding_jobs);
            match page.next_page_token {
                Some(t) if !t.is_empty() && Some(&t) != page_token.as_ref() => page_token = Some(t),
                _ => return Ok(out),
            }
        }
    }

    pub async fn revoke_credential_binding_job(
        &self,
        realm: &RealmRef,
        identity_id: &str,
        job_id: &str,
    ) -> Result<CredentialBindingJob, ApiError> {
        let action = format!("{job_id}:revoke");
        let url = self.url(
            realm,
            &[
                "identities",
                identity_id,
                "credential-binding-jobs",
                &action,
            ],
        );
        self.call(Request::new(Method::POST, url, Effect::RetrySafe).json(serde_json::json!({})))
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

    #[test]
    fn job_with_an_unknown_future_state_decodes() {
        let j: CredentialBindingJob =
            serde_json::from_str(r#"{"id":"a","state":"SOMETHING_NEW"}"#).unwrap();
        assert_eq!(j.state.as_deref(), Some("SOMETHING_NEW"));
    }
}
