//! Where bearer tokens come from: a ready token, or a client-credentials
//! grant whose answer is cached until shortly before it expires.

use super::error::ApiError;
use super::http::{Credentials, Effect, HttpClient, Request, Response};
use super::secret::Secret;
use crate::logging;
use reqwest::{Method, Url};
use serde::Deserialize;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// A token endpoint and the credentials it takes.
#[derive(Debug, Clone)]
pub enum TokenEndpoint {
    /// Beyond Identity: HTTP Basic `client_id:client_secret`.
    BeyondIdentity {
        url: Url,
        client_id: String,
        client_secret: Secret,
    },
    /// Transmit BindID: the credentials go in the form body.
    BindId {
        url: Url,
        credentials_id: String,
        credentials_secret: Secret,
    },
}

#[derive(Debug)]
enum Source {
    Ready(Secret),
    Endpoint(TokenEndpoint),
}

#[derive(Debug, Clone)]
struct Cached {
    token: Secret,
    refresh_at: Instant,
}

/// Hands out the bearer token for one vendor. The lock is held while a
/// token is fetched, so parallel resources share one token request.
#[derive(Debug)]
pub struct TokenSource {
    source: Source,
    cache: Mutex<Option<Cached>>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl TokenSource {
    pub fn ready(token: Secret) -> Self {
        Self {
            source: Source::Ready(token),
            cache: Mutex::new(None),
        }
    }

    pub fn endpoint(endpoint: TokenEndpoint) -> Self {
        Self {
            source: Source::Endpoint(endpoint),
            cache: Mutex::new(None),
        }
    }

    pub async fn token(&self, http: &HttpClient) -> Result<Secret, ApiError> {
        let endpoint = match &self.source {
            Source::Ready(t) => return Ok(t.clone()),
            Source::Endpoint(e) => e,
        };
        let mut cache = self.cache.lock().await;
        if let Some(c) = cache.as_ref() {
            if Instant::now() < c.refresh_at {
                return Ok(c.token.clone());
            }
        }
        let fresh = fetch(http, endpoint).await?;
        let token = fresh.token.clone();
        *cache = Some(fresh);
        Ok(token)
    }

    /// Forgets `stale` so the next call fetches anew; a token another task
    /// already replaced is left alone, so one 401 burst costs one request.
    pub async fn invalidate(&self, stale: &Secret) {
        let mut cache = self.cache.lock().await;
        if cache.as_ref().is_some_and(|c| &c.token == stale) {
            *cache = None;
        }
    }

    pub fn can_refresh(&self) -> bool {
        matches!(self.source, Source::Endpoint(_))
    }

    /// Sends `req` with a bearer token; on one of `refresh_on` it fetches a
    /// fresh token and tries exactly once more (never a loop).
    pub async fn send(
        &self,
        http: &HttpClient,
        req: &Request,
        refresh_on: &[u16],
    ) -> Result<Response, ApiError> {
        let token = self.token(http).await?;
        match http.send(req, Credentials::Bearer(&token)).await {
            Err(e) if self.can_refresh() && e.status().is_some_and(|s| refresh_on.contains(&s)) => {
                logging::debug(
                    "auth",
                    "token refused, fetching a fresh one",
                    &[("path", req.url.path().into())],
                );
                self.invalidate(&token).await;
                let token = self.token(http).await?;
                http.send(req, Credentials::Bearer(&token)).await
            }
            other => other,
        }
    }
}

async fn fetch(http: &HttpClient, endpoint: &TokenEndpoint) -> Result<Cached, ApiError> {
    let (req, creds) = match endpoint {
        TokenEndpoint::BeyondIdentity {
            url,
            client_id,
            client_secret,
        } => (
            Request::new(Method::POST, url.clone(), Effect::RetrySafe)
                .form(vec![("grant_type", "client_credentials".to_owned())]),
            Credentials::Basic(client_id.as_str(), client_secret),
        ),
        TokenEndpoint::BindId {
            url,
            credentials_id,
            credentials_secret,
        } => (
            Request::new(Method::POST, url.clone(), Effect::RetrySafe).form(vec![
                ("grant_type", "client_credentials".to_owned()),
                ("client_id", credentials_id.clone()),
                ("client_secret", credentials_secret.expose().to_owned()),
            ]),
            Credentials::None,
        ),
    };
    let started = Instant::now();
    let resp = http.send(&req, creds).await?;
    let answer: TokenAnswer = resp.decode(&req)?;
    if answer.access_token.is_empty() {
        return Err(ApiError::Decode {
            method: "POST".into(),
            path: req.url.path().to_owned(),
            detail: "the token answer has an empty access_token".into(),
        });
    }
    let lifetime = Duration::from_secs(answer.expires_in.unwrap_or(300));
    Ok(Cached {
        token: Secret::new(answer.access_token),
        refresh_at: started + lifetime.saturating_sub(refresh_margin(lifetime)),
    })
}

/// Refresh a little early so a token never expires in flight: a tenth of
/// its life, at most a minute.
fn refresh_margin(lifetime: Duration) -> Duration {
    (lifetime / 10).min(Duration::from_secs(60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_is_a_tenth_capped_at_a_minute() {
        assert_eq!(
            refresh_margin(Duration::from_secs(100)),
            Duration::from_secs(10)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(3600)),
            Duration::from_secs(60)
        );
    }
}
