//! Beyond Identity v1: the client, and one module per API area.

pub mod authenticator_configs;
pub mod credential_binding_jobs;
pub mod identities;

use super::auth::TokenSource;
use super::error::ApiError;
use super::http::{HttpClient, Request};
use reqwest::Url;
use std::sync::Arc;

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
    fn url(&self, realm: &RealmRef, segments: &[&str]) -> Url {
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

    async fn call<T: serde::de::DeserializeOwned>(&self, req: Request) -> Result<T, ApiError> {
        let resp = self.tokens.send(&self.http, &req, REFRESH_ON).await?;
        resp.decode(&req)
    }

    async fn call_empty(&self, req: Request) -> Result<(), ApiError> {
        self.tokens
            .send(&self.http, &req, REFRESH_ON)
            .await
            .map(|_| ())
    }
}
