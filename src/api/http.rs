//! The one HTTP client of a provider process: timeouts, user agent, retries,
//! error decoding and request logging. Every vendor call goes through here.

use super::budget::Budget;
use super::error::ApiError;
use super::pace::Pacer;
use super::secret::Secret;
use crate::logging;
use reqwest::{Method, Url};
use std::time::{Duration, Instant};

/// Whether repeating a request is harmless.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Reads, updates, deletes, revokes and token requests.
    RetrySafe,
    /// A create: repeating it after a lost answer would send a second email
    /// or leave a twin object, so it is retried only when the failure proves
    /// the server did not act on it (a refused connection, 429, 503).
    NotRepeatable,
    /// A create into a bounded queue (a batch of jobs): as `NotRepeatable`,
    /// but a 429 is the queue being full, not a rate limit. It comes back to
    /// the caller, who sizes the next batch by the capacity the answer
    /// states, and does not slow the host's other requests.
    Queued,
}

#[derive(Debug, Clone)]
pub enum Payload {
    Empty,
    Json(serde_json::Value),
    Form(Vec<(&'static str, String)>),
}

#[derive(Debug, Clone)]
pub enum Credentials<'a> {
    None,
    Bearer(&'a Secret),
    Basic(&'a str, &'a Secret),
}

#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub url: Url,
    pub effect: Effect,
    pub payload: Payload,
}

impl Request {
    pub fn new(method: Method, url: Url, effect: Effect) -> Self {
        Self {
            method,
            url,
            effect,
            payload: Payload::Empty,
        }
    }

    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.payload = Payload::Json(body);
        self
    }

    pub fn form(mut self, fields: Vec<(&'static str, String)>) -> Self {
        self.payload = Payload::Form(fields);
        self
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Response {
    pub fn decode<T: serde::de::DeserializeOwned>(&self, req: &Request) -> Result<T, ApiError> {
        serde_json::from_slice(&self.body).map_err(|e| ApiError::Decode {
            method: req.method.to_string(),
            path: req.url.path().to_owned(),
            detail: e.to_string(),
        })
    }
}

/// Backoff bounds. Tests shrink them; users see `max_retries` only.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
    /// The longest `Retry-After` honoured; a longer one is waited this long.
    pub retry_after_cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: Duration::from_millis(250),
            max: Duration::from_secs(8),
            retry_after_cap: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub request_timeout: Duration,
    pub max_retries: u32,
    pub user_agent: String,
    pub backoff: Backoff,
    /// `max_requests_per_second`: `None` for no limit.
    pub max_requests_per_second: Option<f64>,
}

pub struct HttpClient {
    inner: reqwest::Client,
    settings: HttpSettings,
    /// Shared by every worker of this process: a 429 with `Retry-After`
    /// holds them all until then, and they resume spaced at the host's pace
    /// instead of all at once.
    pacer: Pacer,
    /// What the user allows us to send to each host (`budget.rs`).
    budget: Budget,
    /// How far each host's clock (its `Date` header) is ahead of ours.
    skew: ServerClocks,
}

impl HttpClient {
    pub fn new(settings: HttpSettings) -> Result<Self, String> {
        let inner = reqwest::Client::builder()
            .user_agent(settings.user_agent.clone())
            .timeout(settings.request_timeout)
            .connect_timeout(settings.request_timeout.min(Duration::from_secs(10)))
            .tcp_nodelay(true)
            .https_only(false) // the provider enforces https-or-loopback on every URL it accepts
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Self {
            inner,
            budget: Budget::new(settings.max_requests_per_second),
            skew: ServerClocks::default(),
            settings,
            pacer: Pacer::default(),
        })
    }

    pub fn settings(&self) -> &HttpSettings {
        &self.settings
    }

    /// The time on `url`'s host, as its last `Date` header put it (our own
    /// clock until it has answered). Expiry is judged by the API's clock,
    /// so a machine whose clock is off plans what the API will do.
    pub fn server_now(&self, url: &Url) -> time::OffsetDateTime {
        self.skew.now(&host_key(url))
    }

    /// Sends with the retry policy of `req.effect`. A non-2xx answer that is
    /// not retried comes back as `ApiError::Status`.
    pub async fn send(&self, req: &Request, creds: Credentials<'_>) -> Result<Response, ApiError> {
        let mut attempt: u32 = 0;
        let host = host_key(&req.url);
        loop {
            self.pacer.wait(&host).await;
            self.budget.wait(&host).await;
            let result = self.send_once(req, &creds, &host).await;
            let err = match result {
                Ok(resp) => return Ok(resp),
                Err(err) => err,
            };
            if attempt >= self.settings.max_retries || !retryable(req.effect, &err) {
                return Err(err);
            }
            let delay = self.delay(attempt, &err);
            logging::debug(
                "http",
                "retrying request",
                &[
                    ("method", req.method.as_str().into()),
                    ("path", req.url.path().into()),
                    ("attempt", (attempt + 1).into()),
                    ("delay_ms", (delay.as_millis() as u64).into()),
                    ("reason", err.to_string().into()),
                ],
            );
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    async fn send_once(
        &self,
        req: &Request,
        creds: &Credentials<'_>,
        host: &str,
    ) -> Result<Response, ApiError> {
        let method = req.method.as_str();
        let path = req.url.path();
        let mut builder = self.inner.request(req.method.clone(), req.url.clone());
        builder = match creds {
            Credentials::None => builder,
            Credentials::Bearer(token) => builder.bearer_auth(token.expose()),
            Credentials::Basic(user, pass) => builder.basic_auth(user, Some(pass.expose())),
        };
        builder = builder.header(reqwest::header::ACCEPT, "application/json");
        builder = match &req.payload {
            Payload::Empty => builder,
            Payload::Json(v) => builder.json(v),
            Payload::Form(fields) => builder.form(fields),
        };
        let started = Instant::now();
        let outcome = async {
            let resp = builder.send().await?;
            let status = resp.status().as_u16();
            let header = |name: &str| {
                resp.headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            if let Some(date) = header("date").as_deref().and_then(httpdate) {
                self.skew.heard(host, date);
            }
            let retry_after = header("retry-after").as_deref().and_then(parse_retry_after);
            let remaining = header("ratelimit-remaining").and_then(|v| v.trim().parse().ok());
            let body = resp.bytes().await?;
            Ok::<_, reqwest::Error>((status, retry_after, remaining, body.to_vec()))
        }
        .await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match outcome {
            Ok((status, retry_after, remaining, body)) => {
                logging::debug(
                    "http",
                    &format!("{method} {path} {status}"),
                    &[
                        ("method", method.into()),
                        ("path", path.into()),
                        ("status", status.into()),
                        ("duration_ms", elapsed_ms.into()),
                    ],
                );
                if status == 429 && req.effect == Effect::Queued {
                    // A full queue says nothing of the host's request rate.
                } else if status == 429 {
                    let cap = self.settings.backoff.retry_after_cap;
                    self.pacer
                        .throttled(host, Instant::now(), retry_after.map(|w| w.min(cap)));
                } else {
                    self.pacer.passed(host);
                }
                if (200..300).contains(&status) {
                    Ok(Response { status, body })
                } else {
                    let mut err = ApiError::from_response(method, path, status, &body, retry_after);
                    if let ApiError::Status(e) = &mut err {
                        e.rate_limit_remaining = remaining;
                    }
                    Err(err)
                }
            }
            Err(e) => {
                let err = classify(method, path, self.settings.request_timeout, &e);
                logging::debug(
                    "http",
                    &format!("{method} {path} failed"),
                    &[
                        ("method", method.into()),
                        ("path", path.into()),
                        ("error", err.to_string().into()),
                        ("duration_ms", elapsed_ms.into()),
                    ],
                );
                Err(err)
            }
        }
    }

    fn delay(&self, attempt: u32, err: &ApiError) -> Duration {
        let b = self.settings.backoff;
        if let ApiError::Status(e) = err {
            if let Some(wait) = e.retry_after {
                return wait.min(b.retry_after_cap);
            }
        }
        let exp = b.base.saturating_mul(1u32 << attempt.min(16)).min(b.max);
        // Full jitter: spreads parallel workers that failed together.
        let nanos = exp.as_nanos().min(u64::MAX as u128) as u64;
        Duration::from_nanos(fastrand::u64(nanos / 2..=nanos.max(1)))
    }
}

/// Each host's clock against ours, in whole seconds (a `Date` header has
/// no finer resolution).
#[derive(Default)]
struct ServerClocks {
    ahead: std::sync::Mutex<std::collections::HashMap<String, i64>>,
}

impl ServerClocks {
    fn heard(&self, host: &str, date: std::time::SystemTime) {
        let ours = std::time::SystemTime::now();
        let ahead = match date.duration_since(ours) {
            Ok(d) => d.as_secs() as i64,
            Err(e) => -(e.duration().as_secs() as i64),
        };
        let mut map = self.ahead.lock().unwrap_or_else(|p| p.into_inner());
        map.insert(host.to_owned(), ahead);
    }

    fn now(&self, host: &str) -> time::OffsetDateTime {
        let map = self.ahead.lock().unwrap_or_else(|p| p.into_inner());
        let ahead = map.get(host).copied().unwrap_or(0);
        // Within a second or two is the same time: a Date header rounds.
        let ahead = if ahead.abs() <= 2 { 0 } else { ahead };
        time::OffsetDateTime::now_utc() + time::Duration::seconds(ahead)
    }
}

/// Rate limits are per API host: `host:port`.
fn host_key(url: &Url) -> String {
    format!(
        "{}:{}",
        url.host_str().unwrap_or_default(),
        url.port_or_known_default().unwrap_or_default()
    )
}

fn classify(method: &str, path: &str, timeout: Duration, e: &reqwest::Error) -> ApiError {
    let (method, path) = (method.to_owned(), path.to_owned());
    if e.is_timeout() {
        ApiError::Timeout {
            method,
            path,
            timeout,
        }
    } else if e.is_connect() {
        let detail = error_chain(e);
        // rustls says "invalid peer certificate: UnknownIssuer" and the like.
        if detail.to_ascii_lowercase().contains("certificate") {
            ApiError::Certificate {
                method,
                path,
                detail,
            }
        } else {
            ApiError::Connect {
                method,
                path,
                detail,
            }
        }
    } else {
        ApiError::Transport {
            method,
            path,
            detail: error_chain(e),
        }
    }
}

/// reqwest's top-level message is terse ("error sending request"); the
/// causes say what happened (refused, reset, certificate not trusted).
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut src = e.source();
    while let Some(s) = src {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        src = s.source();
    }
    parts.join(": ")
}

fn retryable(effect: Effect, err: &ApiError) -> bool {
    if matches!(err, ApiError::Certificate { .. }) {
        return false;
    }
    match effect {
        Effect::NotRepeatable => err.provably_not_applied(),
        Effect::Queued => err.provably_not_applied() && err.status() != Some(429),
        Effect::RetrySafe => match err {
            ApiError::Connect { .. } | ApiError::Timeout { .. } | ApiError::Transport { .. } => {
                true
            }
            ApiError::Status(e) => matches!(e.status, 429 | 500 | 502 | 503 | 504),
            ApiError::Certificate { .. } | ApiError::Decode { .. } | ApiError::Token(_) => false,
        },
    }
}

/// `Retry-After` is either delay-seconds or an HTTP date (RFC 9110 §10.2.3).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate(value)?;
    let now = std::time::SystemTime::now();
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

fn httpdate(value: &str) -> Option<std::time::SystemTime> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let dt = time::PrimitiveDateTime::parse(value, &format).ok()?;
    let ts = dt.assume_utc().unix_timestamp();
    u64::try_from(ts)
        .ok()
        .map(|s| std::time::UNIX_EPOCH + Duration::from_secs(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn link_sending_requests_retry_only_when_not_applied() {
        let s = |status| ApiError::from_response("POST", "/", status, b"", None);
        assert!(retryable(Effect::NotRepeatable, &s(429)));
        assert!(retryable(Effect::NotRepeatable, &s(503)));
        assert!(!retryable(Effect::NotRepeatable, &s(500)));
        assert!(!retryable(Effect::NotRepeatable, &s(504)));
        assert!(retryable(Effect::RetrySafe, &s(500)));
        assert!(!retryable(Effect::RetrySafe, &s(404)));
    }
}
