//! From resolved settings to the clients resources receive: one HTTP
//! client for the process, a token source per vendor.

use super::settings::{BeyondIdentityAuth, BindIdAuth, Settings};
use crate::api::auth::{TokenEndpoint, TokenSource};
use crate::api::beyond_identity::BeyondIdentity;
use crate::api::bindid::BindId;
use crate::api::http::{Backoff, HttpClient, HttpSettings};
use crate::clients::{BeyondIdentityContext, BindIdContext, Clients};
use std::sync::Arc;

const VERSION: &str = env!("CARGO_PKG_VERSION");

pub fn user_agent(terraform_version: &str) -> String {
    let tf = if terraform_version.is_empty() {
        "unknown"
    } else {
        terraform_version
    };
    format!("terraform-provider-enroll/{VERSION} (+https://www.terraform.io) Terraform/{tf}")
}

pub fn build_clients(
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
        BeyondIdentityContext::new(
            BeyondIdentity::new(http.clone(), bi.api_url.clone(), tokens),
            bi.tenant_id.clone(),
            bi.realm_id.clone(),
        )
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
