//! Transmit BindID management API: send-activation.

use super::auth::TokenSource;
use super::error::ApiError;
use super::http::{Effect, HttpClient, Request};
use reqwest::{Method, Url};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Alias {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompletionLink {
    pub redirect_uri: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompletionMessage {
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<CompletionLink>,
}

/// The body of send-activation. Omitted optionals are left out of the JSON,
/// never sent as null.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Activation {
    pub client_id: String,
    pub credentials_id: String,
    pub verifications: Vec<String>,
    pub scopes: Vec<String>,
    pub user_email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmed_user: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<Alias>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secondary_completion_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion_message: Option<CompletionMessage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelResult {
    #[serde(default)]
    pub channel_type: String,
    #[serde(default)]
    pub target: String,
    #[serde(default)]
    pub status: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivationResult {
    #[serde(default)]
    pub channels_result: Vec<ChannelResult>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivationAnswer {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub activation_result: ActivationResult,
}

pub struct BindId {
    http: Arc<HttpClient>,
    admin_url: Url,
    tokens: TokenSource,
    credentials_id: String,
}

impl BindId {
    pub fn new(
        http: Arc<HttpClient>,
        admin_url: Url,
        tokens: TokenSource,
        credentials_id: String,
    ) -> Self {
        Self {
            http,
            admin_url,
            tokens,
            credentials_id,
        }
    }

    /// The credentials id the token was issued for; the body must carry it.
    pub fn credentials_id(&self) -> &str {
        &self.credentials_id
    }

    /// Sends the registration link. Never retried unless the failure proves
    /// nothing was sent: there is no API to read an activation back.
    pub async fn send_activation(
        &self,
        activation: &Activation,
    ) -> Result<ActivationAnswer, ApiError> {
        let mut url = self.admin_url.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty()
                .extend(["api", "v1", "mgmt", "send-activation"]);
        }
        // Cannot fail (strings, lists and a bool). Not a `Decode` error,
        // which would mean "sent, answer unreadable".
        let body = serde_json::to_value(activation).unwrap_or_default();
        let req = Request::new(Method::POST, url, Effect::NotRepeatable).json(body);
        // BindID answers 401 (no body) for an expired token or one issued for
        // another credentials id: one fresh token settles which it is.
        let resp = self.tokens.send(&self.http, &req, &[401]).await?;
        resp.decode(&req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn omitted_optionals_are_left_out_of_the_body() {
        let a = Activation {
            client_id: "c".into(),
            credentials_id: "k".into(),
            verifications: vec!["ts.bindid.iac.email".into()],
            scopes: vec![],
            user_email: "a@example.com".into(),
            confirmed_user: None,
            alias: Some(Alias {
                kind: "email".into(),
                value: None,
            }),
            custom_message: None,
            secondary_completion_message: None,
            completion_message: None,
        };
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"clientId":"c","credentialsId":"k","verifications":["ts.bindid.iac.email"],
                "scopes":[],"userEmail":"a@example.com","alias":{"type":"email"}})
        );
    }
}
