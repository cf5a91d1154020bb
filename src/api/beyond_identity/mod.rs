//! Beyond Identity v1: the client, and one module per API area.

pub mod authenticator_configs;
pub mod batches;
pub mod credential_binding_jobs;
pub mod identities;

use super::auth::TokenSource;
use super::error::ApiError;
use super::http::{Effect, HttpClient, Request};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// One page of a list answer: its items (under a key that differs per API
/// area) and the token of the next page.
trait Page: DeserializeOwned {
    type Item;
    fn into_parts(self) -> (Vec<Self::Item>, Option<String>);
}

/// Where a realm's objects live.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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

    /// The API's time (see `HttpClient::server_now`).
    pub fn now(&self) -> time::OffsetDateTime {
        self.http.server_now(&self.api_url)
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

    /// Every item of a list, following `next_page_token` to the end. `url`
    /// carries the page size and any filter: the spec wants them repeated
    /// with every page token.
    async fn all_pages<P: Page>(&self, url: Url) -> Result<Vec<P::Item>, ApiError> {
        let mut out = Vec::new();
        self.each_page::<P>(url, |items| out.extend(items)).await?;
        Ok(out)
    }

    /// Hands each page's items to `each` as it arrives, so a long list is
    /// never held twice.
    async fn each_page<P: Page>(
        &self,
        url: Url,
        mut each: impl FnMut(Vec<P::Item>),
    ) -> Result<(), ApiError> {
        let mut page_token: Option<String> = None;
        loop {
            let mut page_url = url.clone();
            if let Some(t) = &page_token {
                page_url.query_pairs_mut().append_pair("page_token", t);
            }
            let page: P = self
                .call(Request::new(Method::GET, page_url, Effect::RetrySafe))
                .await?;
            let (items, next) = page.into_parts();
            each(items);
            match next {
                // A token that repeats would loop forever.
                Some(t) if !t.is_empty() && Some(&t) != page_token.as_ref() => page_token = Some(t),
                _ => return Ok(()),
            }
        }
    }
}
