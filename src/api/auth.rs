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
    /// Seconds; some servers send it as a string. Anything unreadable
    /// means the default lifetime, not a failed token request.
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

/// Used when the answer gives no lifetime (RFC 6749 §5.1 makes it optional).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);
/// Caps a lifetime from the wire: a provider process lives minutes, and an
/// absurd `expires_in` must not overflow the clock.
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Decodes a token endpoint's 2xx answer into the token and how long to
/// use it. Never panics, whatever the bytes.
pub fn decode_token_answer(body: &[u8]) -> Result<(Secret, Duration), String> {
    let answer: TokenAnswer = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    if answer.access_token.is_empty() {
        return Err("the token answer has an empty access_token".into());
    }
    let seconds = match &answer.expires_in {
        Some(serde_json::Value::Number(n)) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| *f >= 0.0)
                .map(|f| f.min(u64::MAX as f64) as u64)
        }),
        Some(serde_json::Value::String(s)) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    let lifetime = seconds
        .map(|s| Duration::from_secs(s).min(MAX_LIFETIME))
        .unwrap_or(DEFAULT_LIFETIME);
    Ok((Secret::new(answer.access_token), lifetime))
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
        // The request this token is for was not sent: say so, so that the
        // token endpoint's status is never read as the request's own.
        let fresh = fetch(http, endpoint)
            .await
            .map_err(|e| ApiError::Token(Box::new(e)))?;
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
    let (token, lifetime) = decode_token_answer(&resp.body).map_err(|detail| ApiError::Decode {
        method: "POST".into(),
        path: req.url.path().to_owned(),
        detail,
    })?;
    let usable = lifetime.saturating_sub(refresh_margin(lifetime));
    Ok(Cached {
        token,
        refresh_at: started.checked_add(usable).unwrap_or(started),
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
    fn token_lifetimes_from_the_wire_are_capped_and_lenient() {
        let life = |body: &str| decode_token_answer(body.as_bytes()).map(|(_, d)| d);
        assert_eq!(
            life(r#"{"access_token":"t","expires_in":3600}"#),
            Ok(Duration::from_secs(3600))
        );
        assert_eq!(
            life(r#"{"access_token":"t","expires_in":"3600"}"#),
            Ok(Duration::from_secs(3600))
        );
        assert_eq!(life(r#"{"access_token":"t"}"#), Ok(DEFAULT_LIFETIME));
        assert_eq!(
            life(r#"{"access_token":"t","expires_in":-5}"#),
            Ok(DEFAULT_LIFETIME)
        );
        let huge = format!(r#"{{"access_token":"t","expires_in":{}}}"#, u64::MAX);
        assert_eq!(life(&huge), Ok(MAX_LIFETIME));
        assert!(Instant::now().checked_add(MAX_LIFETIME).is_some());
        assert!(life(r#"{"access_token":""}"#).is_err());
        assert!(life(r#"{"access_token":7}"#).is_err());
        assert!(life("{").is_err());
    }

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
