//! Provider configuration resolution: HCL wins over the environment, which
//! wins over region defaults. Pure functions, so precedence is unit-tested
//! without Terraform.

mod budget;

use super::hosts::{environment_hosts, region_hosts, ENVIRONMENTS, REGIONS};
use super::schema::{BeyondIdentityBlock, BindIdBlock, ProviderConfig};
use crate::api::Secret;
use crate::schema::validate;
use reqwest::Url;
use std::time::Duration;
use tf_provider::value::Value;
use tf_provider::AttributePath;

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_MAX_RETRIES: u32 = 4;
/// More retries than this only delays a failure the user should see.
pub const MAX_MAX_RETRIES: i64 = 10;

/// A problem with one setting, on the attribute it came from (or named by
/// its environment variable when that is where the value came from).
#[derive(Debug, Clone, PartialEq)]
pub struct SettingError {
    pub path: AttributePath,
    pub summary: String,
    pub detail: String,
}

#[derive(Debug, Clone)]
pub enum BeyondIdentityAuth {
    Token(Secret),
    ClientCredentials {
        application_id: String,
        client_id: String,
        client_secret: Secret,
    },
}

#[derive(Debug, Clone)]
pub struct BeyondIdentitySettings {
    pub api_url: Url,
    pub auth_url: Url,
    pub tenant_id: Option<String>,
    pub realm_id: Option<String>,
    /// `Err` says which arguments and variables are missing.
    pub auth: Result<BeyondIdentityAuth, String>,
}

#[derive(Debug, Clone)]
pub enum BindIdAuth {
    AccessToken(Secret),
    Credentials(Secret),
}

#[derive(Debug, Clone)]
pub struct BindIdSettings {
    pub admin_url: Url,
    pub signin_url: Url,
    /// Needed in every send-activation body, whichever way the token comes.
    pub credentials_id: Result<String, String>,
    pub auth: Result<BindIdAuth, String>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub beyond_identity: BeyondIdentitySettings,
    pub bindid: BindIdSettings,
    pub request_timeout: Duration,
    pub max_retries: u32,
    pub max_requests_per_second: Option<f64>,
}

/// One setting: the HCL value if set, else the environment variable.
struct Source<'e> {
    env: &'e dyn Fn(&str) -> Option<String>,
}

#[derive(Debug, Clone)]
enum Origin {
    Hcl(AttributePath),
    Env(&'static str),
    Default,
}

impl Source<'_> {
    fn get(
        &self,
        hcl: &Value<String>,
        path: AttributePath,
        var: &'static str,
    ) -> Option<(String, Origin)> {
        // An empty string is "not set", as with the variables: a template
        // that renders `api_token = ""` must not hide BEYOND_IDENTITY_API_TOKEN.
        if let Value::Value(v) = hcl {
            if !v.is_empty() {
                return Some((v.clone(), Origin::Hcl(path)));
            }
        }
        (self.env)(var)
            .filter(|v| !v.is_empty())
            .map(|v| (v, Origin::Env(var)))
    }
}

fn error_at(
    origin: &Origin,
    block_path: &AttributePath,
    what: &str,
    message: String,
) -> SettingError {
    match origin {
        Origin::Hcl(path) => SettingError {
            path: path.clone(),
            summary: format!("Invalid {what}"),
            detail: message,
        },
        Origin::Env(var) => SettingError {
            path: block_path.clone(),
            summary: format!("Invalid {what} in environment variable {var}"),
            detail: message,
        },
        Origin::Default => SettingError {
            path: block_path.clone(),
            summary: format!("Invalid {what}"),
            detail: message,
        },
    }
}

/// Resolves the configuration. Errors are returned together with the best
/// settings that could be made, so every problem is reported at once.
pub fn resolve(
    config: &ProviderConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Settings, Vec<SettingError>> {
    let src = Source { env };
    let mut errors = Vec::new();

    let bi_block = config
        .beyond_identity
        .as_ref_option()
        .cloned()
        .unwrap_or_default();
    let bi_path = AttributePath::new("beyond_identity").index(0);
    let bi = resolve_beyond_identity(&src, &bi_block, &bi_path, &mut errors);

    let bd_block = config.bindid.as_ref_option().cloned().unwrap_or_default();
    let bd_path = AttributePath::new("bindid").index(0);
    let bindid = resolve_bindid(&src, &bd_block, &bd_path, &mut errors);

    let root = AttributePath::root();
    let request_timeout = match src.get(
        &config.request_timeout,
        AttributePath::new("request_timeout"),
        "ENROLL_REQUEST_TIMEOUT",
    ) {
        Some((v, origin)) => match validate::duration(&v) {
            Ok(d) => d,
            Err(m) => {
                errors.push(error_at(&origin, &root, "request_timeout", m));
                DEFAULT_TIMEOUT
            }
        },
        None => DEFAULT_TIMEOUT,
    };

    let max_retries = match &config.max_retries {
        Value::Value(n) => match check_retries(*n) {
            Ok(n) => n,
            Err(m) => {
                errors.push(error_at(
                    &Origin::Hcl(AttributePath::new("max_retries")),
                    &root,
                    "max_retries",
                    m,
                ));
                DEFAULT_MAX_RETRIES
            }
        },
        _ => match env("ENROLL_MAX_RETRIES").filter(|v| !v.is_empty()) {
            Some(v) => match v
                .trim()
                .parse::<i64>()
                .map_err(|e| e.to_string())
                .and_then(check_retries)
            {
                Ok(n) => n,
                Err(m) => {
                    errors.push(error_at(
                        &Origin::Env("ENROLL_MAX_RETRIES"),
                        &root,
                        "max_retries",
                        m,
                    ));
                    DEFAULT_MAX_RETRIES
                }
            },
            None => DEFAULT_MAX_RETRIES,
        },
    };

    let max_requests_per_second =
        budget::resolve(&config.max_requests_per_second, env, &mut errors);

    match (bi, bindid) {
        (Some(beyond_identity), Some(bindid)) if errors.is_empty() => Ok(Settings {
            beyond_identity,
            bindid,
            request_timeout,
            max_retries,
            max_requests_per_second,
        }),
        _ => Err(errors),
    }
}

fn check_retries(n: i64) -> Result<u32, String> {
    if (0..=MAX_MAX_RETRIES).contains(&n) {
        Ok(n as u32)
    } else {
        Err(format!("{n} is not between 0 and {MAX_MAX_RETRIES}"))
    }
}

/// A URL argument of a vendor block: its HCL value, variable and default.
struct UrlArg<'a> {
    hcl: &'a Value<String>,
    name: &'static str,
    var: &'static str,
    default: &'a str,
}

fn url_setting(
    src: &Source,
    arg: UrlArg,
    block_path: &AttributePath,
    errors: &mut Vec<SettingError>,
) -> Option<Url> {
    let (value, origin) = src
        .get(arg.hcl, block_path.clone().attribute(arg.name), arg.var)
        .unwrap_or_else(|| (arg.default.to_owned(), Origin::Default));
    match validate::api_url(&value) {
        Ok(u) => Some(u),
        Err(m) => {
            errors.push(error_at(&origin, block_path, arg.name, m));
            None
        }
    }
}

fn resolve_beyond_identity(
    src: &Source,
    b: &BeyondIdentityBlock,
    path: &AttributePath,
    errors: &mut Vec<SettingError>,
) -> Option<BeyondIdentitySettings> {
    let p = |name: &'static str| path.clone().attribute(name);
    let region = src
        .get(&b.region, p("region"), "BEYOND_IDENTITY_REGION")
        .unwrap_or_else(|| ("us".to_owned(), Origin::Default));
    let hosts = match region_hosts(&region.0) {
        Some(h) => h,
        None => {
            let m = validate::one_of(&region.0, &REGIONS)
                .err()
                .unwrap_or_default();
            errors.push(error_at(&region.1, path, "region", m));
            region_hosts("us")?
        }
    };
    let api_url = url_setting(
        src,
        UrlArg {
            hcl: &b.api_url,
            name: "api_url",
            var: "BEYOND_IDENTITY_API_URL",
            default: hosts.0,
        },
        path,
        errors,
    );
    let auth_url = url_setting(
        src,
        UrlArg {
            hcl: &b.auth_url,
            name: "auth_url",
            var: "BEYOND_IDENTITY_AUTH_URL",
            default: hosts.1,
        },
        path,
        errors,
    );

    let get = |v: &Value<String>, name: &'static str, var: &'static str| {
        src.get(v, p(name), var).map(|x| x.0)
    };
    let tenant_id = get(&b.tenant_id, "tenant_id", "BEYOND_IDENTITY_TENANT_ID");
    let realm_id = get(&b.realm_id, "realm_id", "BEYOND_IDENTITY_REALM_ID");
    let api_token = get(&b.api_token, "api_token", "BEYOND_IDENTITY_API_TOKEN");
    let application_id = get(
        &b.application_id,
        "application_id",
        "BEYOND_IDENTITY_APPLICATION_ID",
    );
    let client_id = get(&b.client_id, "client_id", "BEYOND_IDENTITY_CLIENT_ID");
    let client_secret = get(
        &b.client_secret,
        "client_secret",
        "BEYOND_IDENTITY_CLIENT_SECRET",
    );

    let auth = if let Some(token) = api_token {
        Ok(BeyondIdentityAuth::Token(Secret::new(token)))
    } else {
        let mut missing = Vec::new();
        let need = [
            (
                application_id.is_none(),
                "`application_id` (BEYOND_IDENTITY_APPLICATION_ID)",
            ),
            (
                client_id.is_none(),
                "`client_id` (BEYOND_IDENTITY_CLIENT_ID)",
            ),
            (
                client_secret.is_none(),
                "`client_secret` (BEYOND_IDENTITY_CLIENT_SECRET)",
            ),
            (
                tenant_id.is_none(),
                "`tenant_id` (BEYOND_IDENTITY_TENANT_ID)",
            ),
            (realm_id.is_none(), "`realm_id` (BEYOND_IDENTITY_REALM_ID)"),
        ];
        for (is_missing, what) in need {
            if is_missing {
                missing.push(what);
            }
        }
        match (application_id, client_id, client_secret) {
            (Some(application_id), Some(client_id), Some(client_secret)) if missing.is_empty() => {
                Ok(BeyondIdentityAuth::ClientCredentials {
                    application_id,
                    client_id,
                    client_secret: Secret::new(client_secret),
                })
            }
            _ => Err(format!(
                "Set `api_token` (BEYOND_IDENTITY_API_TOKEN) in the provider's `beyond_identity` block, \
                 or the client credentials of a Management API application; missing: {}.",
                missing.join(", ")
            )),
        }
    };
    Some(BeyondIdentitySettings {
        api_url: api_url?,
        auth_url: auth_url?,
        tenant_id,
        realm_id,
        auth,
    })
}

fn resolve_bindid(
    src: &Source,
    b: &BindIdBlock,
    path: &AttributePath,
    errors: &mut Vec<SettingError>,
) -> Option<BindIdSettings> {
    let p = |name: &'static str| path.clone().attribute(name);
    let environment = src
        .get(&b.environment, p("environment"), "BINDID_ENVIRONMENT")
        .unwrap_or_else(|| ("sandbox".to_owned(), Origin::Default));
    let hosts = match environment_hosts(&environment.0) {
        Some(h) => h,
        None => {
            let m = validate::one_of(&environment.0, &ENVIRONMENTS)
                .err()
                .unwrap_or_default();
            errors.push(error_at(&environment.1, path, "environment", m));
            environment_hosts("sandbox")?
        }
    };
    let admin_url = url_setting(
        src,
        UrlArg {
            hcl: &b.admin_url,
            name: "admin_url",
            var: "BINDID_ADMIN_URL",
            default: hosts.0,
        },
        path,
        errors,
    );
    let signin_url = url_setting(
        src,
        UrlArg {
            hcl: &b.signin_url,
            name: "signin_url",
            var: "BINDID_SIGNIN_URL",
            default: hosts.1,
        },
        path,
        errors,
    );

    let get = |v: &Value<String>, name: &'static str, var: &'static str| {
        src.get(v, p(name), var).map(|x| x.0)
    };
    let credentials_id = get(&b.credentials_id, "credentials_id", "BINDID_CREDENTIALS_ID")
        .ok_or_else(|| {
            "Set `credentials_id` (BINDID_CREDENTIALS_ID) in the provider's `bindid` block: \
         every send-activation request names it."
                .to_owned()
        });
    let access_token = get(&b.access_token, "access_token", "BINDID_ACCESS_TOKEN");
    let secret = get(
        &b.credentials_secret,
        "credentials_secret",
        "BINDID_CREDENTIALS_SECRET",
    );
    let auth = match (access_token, secret) {
        (Some(t), _) => Ok(BindIdAuth::AccessToken(Secret::new(t))),
        (None, Some(s)) => Ok(BindIdAuth::Credentials(Secret::new(s))),
        (None, None) => Err(
            "Set `credentials_secret` (BINDID_CREDENTIALS_SECRET) or a ready `access_token` \
             (BINDID_ACCESS_TOKEN) in the provider's `bindid` block."
                .to_owned(),
        ),
    };
    Some(BindIdSettings {
        admin_url: admin_url?,
        signin_url: signin_url?,
        credentials_id,
        auth,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k: &str| map.get(k).cloned()
    }

    fn with_bi(block: BeyondIdentityBlock) -> ProviderConfig {
        ProviderConfig {
            beyond_identity: Value::Value(block),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_are_the_us_region_and_the_bindid_sandbox() {
        let s = resolve(&ProviderConfig::default(), &env_of(&[])).unwrap();
        assert_eq!(
            s.beyond_identity.api_url.as_str(),
            "https://api-us.beyondidentity.com/"
        );
        assert_eq!(
            s.beyond_identity.auth_url.as_str(),
            "https://auth-us.beyondidentity.com/"
        );
        assert_eq!(
            s.bindid.admin_url.as_str(),
            "https://admin.bindid-sandbox.io/"
        );
        assert_eq!(s.request_timeout, Duration::from_secs(30));
        assert_eq!(s.max_retries, 4);
    }

    #[test]
    fn every_region_and_environment_has_its_hosts() {
        let cases = [
            ("eu", "https://api-eu.beyondidentity.com/"),
            ("us-gov", "https://api.us1.beyondidentity-gov.com/"),
        ];
        for (region, api) in cases {
            let s = resolve(
                &ProviderConfig::default(),
                &env_of(&[("BEYOND_IDENTITY_REGION", region)]),
            )
            .unwrap();
            assert_eq!(s.beyond_identity.api_url.as_str(), api);
        }
        let s = resolve(
            &ProviderConfig::default(),
            &env_of(&[("BINDID_ENVIRONMENT", "production-eu")]),
        )
        .unwrap();
        assert_eq!(s.bindid.admin_url.as_str(), "https://admin.eu.bindid.io/");
        assert_eq!(
            s.bindid.signin_url.as_str(),
            "https://signin.eu.identity.security/"
        );
        let s = resolve(
            &ProviderConfig::default(),
            &env_of(&[("BINDID_ENVIRONMENT", "production")]),
        )
        .unwrap();
        assert_eq!(
            s.bindid.signin_url.as_str(),
            "https://signin.identity.security/"
        );
    }

    #[test]
    fn hcl_wins_over_the_environment() {
        let cfg = with_bi(BeyondIdentityBlock {
            tenant_id: Value::Value("from-hcl".into()),
            ..Default::default()
        });
        let s = resolve(
            &cfg,
            &env_of(&[
                ("BEYOND_IDENTITY_TENANT_ID", "from-env"),
                ("BEYOND_IDENTITY_REALM_ID", "r"),
            ]),
        )
        .unwrap();
        assert_eq!(s.beyond_identity.tenant_id.as_deref(), Some("from-hcl"));
        assert_eq!(s.beyond_identity.realm_id.as_deref(), Some("r"));
    }

    #[test]
    fn an_empty_hcl_value_falls_back_to_the_environment() {
        let cfg = with_bi(BeyondIdentityBlock {
            api_token: Value::Value(String::new()),
            ..Default::default()
        });
        let s = resolve(&cfg, &env_of(&[("BEYOND_IDENTITY_API_TOKEN", "t")])).unwrap();
        assert!(
            matches!(s.beyond_identity.auth, Ok(BeyondIdentityAuth::Token(ref t)) if t.expose() == "t")
        );
    }

    #[test]
    fn explicit_urls_override_the_region() {
        let env = env_of(&[
            ("BEYOND_IDENTITY_REGION", "eu"),
            ("BEYOND_IDENTITY_API_URL", "http://127.0.0.1:9"),
        ]);
        let s = resolve(&ProviderConfig::default(), &env).unwrap();
        assert_eq!(s.beyond_identity.api_url.as_str(), "http://127.0.0.1:9/");
        assert_eq!(
            s.beyond_identity.auth_url.as_str(),
            "https://auth-eu.beyondidentity.com/"
        );
    }

    #[test]
    fn api_token_is_preferred_over_client_credentials() {
        let env = env_of(&[
            ("BEYOND_IDENTITY_API_TOKEN", "t"),
            ("BEYOND_IDENTITY_CLIENT_ID", "c"),
        ]);
        let s = resolve(&ProviderConfig::default(), &env).unwrap();
        assert!(matches!(
            s.beyond_identity.auth,
            Ok(BeyondIdentityAuth::Token(_))
        ));
    }

    #[test]
    fn missing_credentials_name_the_arguments_and_variables() {
        let env = env_of(&[("BEYOND_IDENTITY_CLIENT_ID", "c")]);
        let s = resolve(&ProviderConfig::default(), &env).unwrap();
        let msg = s.beyond_identity.auth.unwrap_err();
        assert!(
            msg.contains("`api_token` (BEYOND_IDENTITY_API_TOKEN)"),
            "{msg}"
        );
        assert!(
            msg.contains("`client_secret` (BEYOND_IDENTITY_CLIENT_SECRET)"),
            "{msg}"
        );
        assert!(!msg.contains("`client_id` (BEYOND"), "{msg}");
        let msg = s.bindid.credentials_id.unwrap_err();
        assert!(msg.contains("BINDID_CREDENTIALS_ID"), "{msg}");
    }

    #[test]
    fn invalid_hcl_values_are_reported_on_their_attribute() {
        let cfg = ProviderConfig {
            beyond_identity: Value::Value(BeyondIdentityBlock {
                region: Value::Value("mars".into()),
                api_url: Value::Value("http://example.com".into()),
                ..Default::default()
            }),
            request_timeout: Value::Value("soon".into()),
            max_retries: Value::Value(-1),
            ..Default::default()
        };
        let errs = resolve(&cfg, &env_of(&[])).unwrap_err();
        let paths: Vec<String> = errs.iter().map(|e| e.path.to_string()).collect();
        assert_eq!(errs.len(), 4, "{errs:?}");
        assert!(paths.iter().any(|p| p.contains("region")), "{paths:?}");
        assert!(paths.iter().any(|p| p.contains("api_url")), "{paths:?}");
        assert!(
            paths.iter().any(|p| p.contains("request_timeout")),
            "{paths:?}"
        );
        assert!(paths.iter().any(|p| p.contains("max_retries")), "{paths:?}");
    }

    #[test]
    fn invalid_environment_values_name_the_variable() {
        let errs = resolve(
            &ProviderConfig::default(),
            &env_of(&[("BINDID_ENVIRONMENT", "staging")]),
        )
        .unwrap_err();
        assert!(errs[0].summary.contains("BINDID_ENVIRONMENT"), "{errs:?}");
    }
}
