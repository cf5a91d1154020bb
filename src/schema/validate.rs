//! Validators for attribute values. Each returns a message a person can act
//! on; the resource attaches it to the attribute's path.

use reqwest::Url;
use std::net::IpAddr;
use std::time::Duration;

pub fn one_of(value: &str, allowed: &[&str]) -> Result<(), String> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "{value:?} is not one of {}",
            allowed
                .iter()
                .map(|a| format!("{a:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

/// An API base URL: `https://`, or `http://` on a loopback host only, so
/// credentials never travel in clear text beyond this machine.
pub fn api_url(value: &str) -> Result<Url, String> {
    let url = Url::parse(value).map_err(|e| format!("{value:?} is not a valid URL: {e}"))?;
    let host = url
        .host_str()
        .ok_or_else(|| format!("{value:?} has no host"))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(host) => Ok(url),
        "http" => Err(format!(
            "{value:?} uses http:// on a host that is not loopback; use https:// \
             (http:// is accepted only for 127.0.0.0/8, ::1 and localhost)"
        )),
        other => Err(format!("{value:?} has scheme {other:?}; use https://")),
    }
}

pub fn is_loopback(host: &str) -> bool {
    let trimmed = host.trim_start_matches('[').trim_end_matches(']');
    if trimmed.eq_ignore_ascii_case("localhost") {
        return true;
    }
    trimmed.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// An absolute URL with a scheme and a host (redirect targets).
pub fn absolute_url(value: &str) -> Result<(), String> {
    match Url::parse(value) {
        Ok(u) if u.has_host() && matches!(u.scheme(), "http" | "https") => Ok(()),
        Ok(_) => Err(format!("{value:?} is not an absolute http(s) URL")),
        Err(e) => Err(format!("{value:?} is not an absolute URL: {e}")),
    }
}

/// A positive duration in Terraform's usual spelling: "30s", "1m30s", "2h".
pub fn duration(value: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(value.trim())
        .map_err(|e| format!("{value:?} is not a duration such as \"30s\" or \"5m\": {e}"))?;
    if d.is_zero() {
        return Err(format!("{value:?} must be longer than zero"));
    }
    Ok(d)
}

/// A plausible email address: one `@`, a local part, a dotted domain, no
/// spaces. Deliverability is the vendor's business.
pub fn email(value: &str) -> Result<(), String> {
    let bad = || Err(format!("{value:?} is not an email address"));
    let Some((local, domain)) = value.split_once('@') else {
        return bad();
    };
    if local.is_empty()
        || domain.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || value.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return bad();
    }
    Ok(())
}

/// A Beyond Identity `display_name` or `username`: the spec allows 1 to 64
/// characters, none of them ``{}[]<>;:?\/|*^%$#=~`!``.
pub fn identity_name(value: &str) -> Result<(), String> {
    const FORBIDDEN: &str = "{}[]<>;:?\\/|*^%$#=~`!";
    if value.is_empty() {
        return Err("must not be empty".into());
    }
    if value.chars().count() > 64 {
        return Err(format!(
            "{value:?} is {} characters long; the API allows at most 64",
            value.chars().count()
        ));
    }
    if let Some(c) = value.chars().find(|c| FORBIDDEN.contains(*c)) {
        return Err(format!(
            "{value:?} contains {c:?}; the API refuses any of {FORBIDDEN}"
        ));
    }
    Ok(())
}

/// An id that goes into a URL path: non-empty, no slash, no whitespace.
pub fn path_id(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err("must not be empty".into());
    }
    if value.contains('/') || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "{value:?} is not an id: ids contain no slashes or spaces"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_is_refused_off_loopback() {
        assert!(api_url("https://api-us.beyondidentity.com").is_ok());
        assert!(api_url("http://127.0.0.1:8080").is_ok());
        assert!(api_url("http://127.9.9.9").is_ok());
        assert!(api_url("http://localhost:1").is_ok());
        assert!(api_url("http://[::1]:1").is_ok());
        assert!(api_url("http://10.0.0.1").is_err());
        assert!(api_url("http://example.com").is_err());
        assert!(api_url("ftp://localhost").is_err());
        assert!(api_url("not a url").is_err());
    }

    #[test]
    fn durations_must_be_positive() {
        assert_eq!(duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(duration("1m30s"), Ok(Duration::from_secs(90)));
        assert!(duration("0s").is_err());
        assert!(duration("-1s").is_err());
        assert!(duration("soon").is_err());
    }

    #[test]
    fn emails() {
        assert!(email("a@example.com").is_ok());
        assert!(email("a@b").is_err());
        assert!(email("@example.com").is_err());
        assert!(email("a b@example.com").is_err());
        assert!(email("a@@example.com").is_err());
    }

    #[test]
    fn identity_names() {
        assert!(identity_name("Alice Example").is_ok());
        assert!(identity_name("alice.example+test@corp").is_ok());
        assert!(identity_name("").is_err());
        assert!(identity_name("a/b").is_err());
        assert!(identity_name(&"x".repeat(65)).is_err());
        assert!(identity_name(&"é".repeat(64)).is_ok());
    }

    #[test]
    fn absolute_urls() {
        assert!(absolute_url("https://app.example.com/done").is_ok());
        assert!(absolute_url("/done").is_err());
        assert!(absolute_url("mailto:a@example.com").is_err());
    }
}
