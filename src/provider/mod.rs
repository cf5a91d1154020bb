//! The `enroll` provider: its schema, configuration, and the clients it
//! hands to resources.

pub mod settings;

use crate::api::auth::{TokenEndpoint, TokenSource};
use crate::api::beyond_identity::{BeyondIdentity, RealmRef};
use crate::api::bindid::BindId;
use crate::api::http::{Backoff, HttpClient, HttpSettings};
use crate::schema::attrs::*;
use crate::{data_sources, resources};
use async_trait::async_trait;
use settings::{BeyondIdentityAuth, BindIdAuth, ProviderConfig, Settings};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use tf_provider::schema::Schema;
use tf_provider::value::ValueEmpty;
use tf_provider::{AttributePath, Diagnostics, DynamicDataSource, DynamicResource, Provider};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The Beyond Identity client with the provider's default tenant and realm.
pub struct BeyondIdentityContext {
    pub api: BeyondIdentity,
    pub tenant_id: Option<String>,
    pub realm_id: Option<String>,
}

impl BeyondIdentityContext {
    /// The realm of a resource: its own ids, else the provider's defaults.
    pub fn realm(
        &self,
        tenant_id: Option<&str>,
        realm_id: Option<&str>,
    ) -> Result<RealmRef, String> {
        let tenant = tenant_id
            .map(str::to_owned)
            .or_else(|| self.tenant_id.clone());
        let realm = realm_id
            .map(str::to_owned)
            .or_else(|| self.realm_id.clone());
        match (tenant, realm) {
            (Some(tenant_id), Some(realm_id)) => Ok(RealmRef {
                tenant_id,
                realm_id,
            }),
            (t, r) => {
                let mut missing = Vec::new();
                if t.is_none() {
                    missing.push("`tenant_id` (in the resource, or the provider's `beyond_identity` block or BEYOND_IDENTITY_TENANT_ID)");
                }
                if r.is_none() {
                    missing.push("`realm_id` (in the resource, or the provider's `beyond_identity` block or BEYOND_IDENTITY_REALM_ID)");
                }
                Err(format!("Set {}.", missing.join(" and ")))
            }
        }
    }
}

pub struct BindIdContext {
    pub api: BindId,
}

/// What `configure` produced; `Err` carries the message for a resource that
/// needs the missing credential.
pub struct Clients {
    pub beyond_identity: Result<Arc<BeyondIdentityContext>, String>,
    pub bindid: Result<Arc<BindIdContext>, String>,
}

/// Shared between the provider and its resources: resources are made
/// before Terraform configures the provider.
#[derive(Default)]
pub struct ProviderData {
    clients: RwLock<Option<Arc<Clients>>>,
}

impl ProviderData {
    pub fn clients(&self, diags: &mut Diagnostics) -> Option<Arc<Clients>> {
        let clients = self.clients.read().ok().and_then(|c| c.clone());
        if clients.is_none() {
            diags.root_error(
                "Provider not configured",
                "The enroll provider was used before Terraform configured it.",
            );
        }
        clients
    }

    /// The Beyond Identity client, or an error naming what is missing.
    pub fn beyond_identity(&self, diags: &mut Diagnostics) -> Option<Arc<BeyondIdentityContext>> {
        match &self.clients(diags)?.beyond_identity {
            Ok(bi) => Some(bi.clone()),
            Err(msg) => {
                diags.root_error("Missing Beyond Identity credentials", msg.clone());
                None
            }
        }
    }

    /// The BindID client, or an error naming what is missing.
    pub fn bindid(&self, diags: &mut Diagnostics) -> Option<Arc<BindIdContext>> {
        match &self.clients(diags)?.bindid {
            Ok(b) => Some(b.clone()),
            Err(msg) => {
                diags.root_error("Missing BindID credentials", msg.clone());
                None
            }
        }
    }

    fn set(&self, clients: Clients) {
        if let Ok(mut slot) = self.clients.write() {
            *slot = Some(Arc::new(clients));
        }
    }
}

pub struct EnrollProvider {
    data: Arc<ProviderData>,
    backoff: Backoff,
}

impl EnrollProvider {
    pub fn new() -> Self {
        Self::with_backoff(Backoff::default())
    }

    /// Tests shrink the backoff so retry scenarios run in milliseconds.
    pub fn with_backoff(backoff: Backoff) -> Self {
        Self {
            data: Arc::new(ProviderData::default()),
            backoff,
        }
    }
}

impl Default for EnrollProvider {
    fn default() -> Self {
        Self::new()
    }
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn report(diags: &mut Diagnostics, errors: Vec<settings::SettingError>) {
    for e in errors {
        diags.error(e.summary, e.detail, e.path);
    }
}

pub fn user_agent(terraform_version: &str) -> String {
    let tf = if terraform_version.is_empty() {
        "unknown"
    } else {
        terraform_version
    };
    format!("terraform-provider-enroll/{VERSION} (+https://www.terraform.io) Terraform/{tf}")
}

fn build_clients(
    settings: Settings,
    terraform_version: &str,
    backoff: Backoff,
) -> Result<Clients, String> {
    let http = Arc::new(HttpClient::new(HttpSettings {
        request_timeout: settings.request_timeout,
        max_retries: settings.max_retries,
        user_agent: user_agent(terraform_version),
        backoff,
        max_requests_per_second: settings.max_requests_per_second,
    })?);
    let bi = settings.beyond_identity;
    let beyond_identity = bi.auth.map(|auth| {
        let tokens = match auth {
            BeyondIdentityAuth::Token(t) => TokenSource::ready(t),
            BeyondIdentityAuth::ClientCredentials {
                application_id,
                client_id,
                client_secret,
            } => {
                let mut url = bi.auth_url.clone();
                if let Ok(mut p) = url.path_segments_mut() {
                    p.pop_if_empty().extend([
                        "v1",
                        "tenants",
                        bi.tenant_id.as_deref().unwrap_or_default(),
                        "realms",
                        bi.realm_id.as_deref().unwrap_or_default(),
                        "applications",
                        &application_id,
                        "token",
                    ]);
                }
                TokenSource::endpoint(TokenEndpoint::BeyondIdentity {
                    url,
                    client_id,
                    client_secret,
                })
            }
        };
        BeyondIdentityContext {
            api: BeyondIdentity::new(http.clone(), bi.api_url.clone(), tokens),
            tenant_id: bi.tenant_id.clone(),
            realm_id: bi.realm_id.clone(),
        }
    });
    let bd = settings.bindid;
    let bindid = match (bd.credentials_id, bd.auth) {
        (Ok(credentials_id), Ok(auth)) => {
            let tokens = match auth {
                BindIdAuth::AccessToken(t) => TokenSource::ready(t),
                BindIdAuth::Credentials(secret) => {
                    let mut url = bd.signin_url.clone();
                    if let Ok(mut p) = url.path_segments_mut() {
                        p.pop_if_empty().push("token");
                    }
                    TokenSource::endpoint(TokenEndpoint::BindId {
                        url,
                        credentials_id: credentials_id.clone(),
                        credentials_secret: secret,
                    })
                }
            };
            Ok(BindIdContext {
                api: BindId::new(http.clone(), bd.admin_url.clone(), tokens, credentials_id),
            })
        }
        (Err(a), Err(b)) => Err(format!("{a} {b}")),
        (Err(m), _) | (_, Err(m)) => Err(m),
    };
    Ok(Clients {
        beyond_identity: beyond_identity.map(Arc::new),
        bindid: bindid.map(Arc::new),
    })
}

#[async_trait]
impl Provider for EnrollProvider {
    type Config<'a> = ProviderConfig;
    type MetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 1,
            block: provider_block(),
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::Config<'a>) -> Option<()> {
        // Only what HCL says is judged here; environment variables are read
        // at configure time, where an invalid one names the variable.
        if let Err(errors) = settings::resolve(&config, &|_| None) {
            report(diags, errors);
        }
        Some(())
    }

    async fn configure<'a>(
        &self,
        diags: &mut Diagnostics,
        terraform_version: String,
        config: Self::Config<'a>,
    ) -> Option<()> {
        let settings = match settings::resolve(&config, &env_var) {
            Ok(s) => s,
            Err(errors) => {
                report(diags, errors);
                return None;
            }
        };
        match build_clients(settings, &terraform_version, self.backoff) {
            Ok(clients) => {
                self.data.set(clients);
                Some(())
            }
            Err(m) => {
                diags.root_error("Cannot configure the enroll provider", m);
                None
            }
        }
    }

    fn get_resources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
        Some(resources::all(&self.data))
    }

    fn get_data_sources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicDataSource>>> {
        Some(data_sources::all(&self.data))
    }
}

/// Where a diagnostic about a provider setting points.
pub fn provider_path(block: &'static str, name: &'static str) -> AttributePath {
    AttributePath::new(block).index(0).attribute(name)
}

fn provider_block() -> tf_provider::schema::Block {
    let bi = block(
        "Beyond Identity Secure Access: where its API lives and how to authenticate. Use either `api_token` or the client credentials of a Management API application (`application_id`, `client_id`, `client_secret`).",
        [
            ("region", optional(string(), "Region of the tenant: `us`, `eu` or `us-gov`. Picks the API and auth hosts. Defaults to `BEYOND_IDENTITY_REGION`, else `us`.")),
            ("api_url", optional(string(), "Base URL of the API, overriding the region's host. Must be `https://` (`http://` only for loopback hosts). Defaults to `BEYOND_IDENTITY_API_URL`.")),
            ("auth_url", optional(string(), "Base URL of the token endpoint, overriding the region's auth host. Must be `https://` (`http://` only for loopback hosts). Defaults to `BEYOND_IDENTITY_AUTH_URL`.")),
            ("tenant_id", optional(string(), "Tenant of every Beyond Identity resource that does not set its own. Defaults to `BEYOND_IDENTITY_TENANT_ID`.")),
            ("realm_id", optional(string(), "Realm of every Beyond Identity resource that does not set its own, and of the Management API application. Defaults to `BEYOND_IDENTITY_REALM_ID`.")),
            ("api_token", sensitive(optional(string(), "A ready API access token, e.g. created in the Admin Console. Defaults to `BEYOND_IDENTITY_API_TOKEN`."))),
            ("application_id", optional(string(), "Id of the Management API application whose client credentials are used. Defaults to `BEYOND_IDENTITY_APPLICATION_ID`.")),
            ("client_id", optional(string(), "Client id of the Management API application. Defaults to `BEYOND_IDENTITY_CLIENT_ID`.")),
            ("client_secret", sensitive(optional(string(), "Client secret of the Management API application. Defaults to `BEYOND_IDENTITY_CLIENT_SECRET`."))),
        ],
        [],
    );
    let bindid = block(
        "Transmit BindID: where its management API lives and the API credentials that authorize it.",
        [
            ("environment", optional(string(), "BindID environment: `sandbox`, `production` or `production-eu`. Picks the admin and sign-in hosts. Defaults to `BINDID_ENVIRONMENT`, else `sandbox`.")),
            ("admin_url", optional(string(), "Base URL of the management API, overriding the environment's admin host. Must be `https://` (`http://` only for loopback hosts). Defaults to `BINDID_ADMIN_URL`.")),
            ("signin_url", optional(string(), "Base URL of the `/token` endpoint, overriding the environment's sign-in host. Must be `https://` (`http://` only for loopback hosts). Defaults to `BINDID_SIGNIN_URL`.")),
            ("credentials_id", optional(string(), "Id of the API credentials (Admin Portal > Settings > API Credentials); sent in every request. Defaults to `BINDID_CREDENTIALS_ID`.")),
            ("credentials_secret", sensitive(optional(string(), "Secret of the API credentials, exchanged for an access token. Defaults to `BINDID_CREDENTIALS_SECRET`."))),
            ("access_token", sensitive(optional(string(), "A ready access token issued for `credentials_id`, used instead of `credentials_secret`. Defaults to `BINDID_ACCESS_TOKEN`."))),
        ],
        [],
    );
    block(
        "The enroll provider sends passwordless (passkey) enrollment links through the Beyond Identity and Transmit BindID management APIs.",
        [
            ("request_timeout", optional(string(), "Longest time one HTTP request may take, as a duration such as `\"30s\"`. Defaults to `ENROLL_REQUEST_TIMEOUT`, else `30s`.")),
            ("max_retries", optional(number(), "How many times a retry-safe request is retried after a transient failure (0 to 10). Requests that send a link are retried only when the failure proves nothing was sent. Defaults to `ENROLL_MAX_RETRIES`, else 4.")),
            ("max_requests_per_second", optional(number(), "The most requests a second this provider sends to each API host (`host:port`), shared by all its resources, such as `20` or `0.5`; they leave evenly spaced, so no second carries more. Set it to the share of the vendor's rate limit this configuration may use. Terraform may start a few provider processes per command, but one does the apply's work. 429 answers are still handled (`Retry-After`, pacing). Defaults to `ENROLL_MAX_REQUESTS_PER_SECOND`, else no limit.")),
        ],
        [
            ("beyond_identity", optional_block(bi)),
            ("bindid", optional_block(bindid)),
        ],
    )
}
