//! The `provider "enroll"` block: its schema, and the value Terraform
//! sends for it.

use crate::schema::attrs::*;
use serde::{Deserialize, Serialize};
use tf_provider::value::{self, Value};

/// The `provider "enroll"` block as Terraform sends it.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct ProviderConfig {
    #[serde(default, with = "value::serde_as_vec")]
    pub beyond_identity: Value<BeyondIdentityBlock>,
    #[serde(default, with = "value::serde_as_vec")]
    pub bindid: Value<BindIdBlock>,
    #[serde(default)]
    pub request_timeout: Value<String>,
    #[serde(default)]
    pub max_retries: Value<i64>,
    #[serde(default)]
    pub max_requests_per_second: Value<f64>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct BeyondIdentityBlock {
    #[serde(default)]
    pub region: Value<String>,
    #[serde(default)]
    pub api_url: Value<String>,
    #[serde(default)]
    pub auth_url: Value<String>,
    #[serde(default)]
    pub tenant_id: Value<String>,
    #[serde(default)]
    pub realm_id: Value<String>,
    #[serde(default)]
    pub api_token: Value<String>,
    #[serde(default)]
    pub application_id: Value<String>,
    #[serde(default)]
    pub client_id: Value<String>,
    #[serde(default)]
    pub client_secret: Value<String>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct BindIdBlock {
    #[serde(default)]
    pub environment: Value<String>,
    #[serde(default)]
    pub admin_url: Value<String>,
    #[serde(default)]
    pub signin_url: Value<String>,
    #[serde(default)]
    pub credentials_id: Value<String>,
    #[serde(default)]
    pub credentials_secret: Value<String>,
    #[serde(default)]
    pub access_token: Value<String>,
}

pub fn provider_block() -> tf_provider::schema::Block {
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
