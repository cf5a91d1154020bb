//! What every integration test needs: a sandbox on loopback and a client.
#![allow(dead_code)] // each test binary uses its own part of this

use std::time::Duration;

use enroll_sandbox::{SandboxConfig, SandboxHandle};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{json, Value};

pub const ALICE: &str = "a11ce0d9e2b7c401";
pub const BOB: &str = "b0b00d9e2b7c4022";
pub const DAVE_NO_EMAIL: &str = "da7e0d9e2b7c4044";

pub struct Env {
    pub sandbox: SandboxHandle,
    pub http: reqwest::Client,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub json: Value,
}

impl Env {
    pub fn new() -> Env {
        let sandbox = SandboxHandle::spawn(SandboxConfig::default()).expect("sandbox starts");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .no_proxy()
            .build()
            .expect("client builds");
        Env { sandbox, http }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.url())
    }

    /// `…/v1/tenants/{tenant}/realms/{realm}{rest}`.
    pub fn realm_url(&self, rest: &str) -> String {
        let seed = self.sandbox.seed();
        self.url(&format!(
            "/v1/tenants/{}/realms/{}{rest}",
            seed.tenant_id, seed.realm_id
        ))
    }

    /// A Beyond Identity call with the seeded API token.
    pub fn bi(&self, method: Method, rest: &str) -> RequestBuilder {
        self.http
            .request(method, self.realm_url(rest))
            .bearer_auth(&self.sandbox.seed().api_token)
    }

    pub async fn send(&self, request: RequestBuilder) -> Reply {
        let response = request.send().await.expect("request is answered");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body is read");
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Reply {
            status,
            headers,
            json,
        }
    }

    pub async fn bi_json(&self, method: Method, rest: &str, body: Value) -> Reply {
        self.send(self.bi(method, rest).json(&body)).await
    }

    /// A valid hosted-web config; its id.
    pub async fn create_config(&self) -> String {
        let reply = self
            .bi_json(
                Method::POST,
                "/authenticator-configs",
                json!({"authenticator_config": {"config": {
                    "type": "hosted_web",
                    "authentication_methods": [{"type": "software_passkey"}],
                    "trusted_origins": [],
                }}}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
        reply.json["id"].as_str().expect("config id").to_owned()
    }

    pub async fn create_job(&self, identity: &str, delivery_method: &str, config: &str) -> Reply {
        self.bi_json(
            Method::POST,
            &format!("/identities/{identity}/credential-binding-jobs"),
            json!({"job": {"delivery_method": delivery_method, "authenticator_config_id": config}}),
        )
        .await
    }

    /// Creates an EMAIL job for alice; the job object.
    pub async fn email_job(&self) -> Value {
        let config = self.create_config().await;
        let reply = self.create_job(ALICE, "EMAIL", &config).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
        reply.json["credential_binding_job"].clone()
    }

    pub async fn bindid_token(&self) -> String {
        let seed = self.sandbox.seed();
        let reply = self
            .send(self.http.post(self.url("/token")).form(&[
                ("grant_type", "client_credentials"),
                ("client_id", seed.bindid_credentials_id.as_str()),
                ("client_secret", seed.bindid_credentials_secret.as_str()),
            ]))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
        reply.json["access_token"]
            .as_str()
            .expect("token")
            .to_owned()
    }

    /// A send-activation body the field table accepts.
    pub fn activation(&self, email: &str) -> Value {
        let seed = self.sandbox.seed();
        json!({
            "clientId": seed.bindid_client_id,
            "credentialsId": seed.bindid_credentials_id,
            "verifications": ["ts.bindid.iac.email"],
            "scopes": [],
            "userEmail": email,
            "alias": {"type": "email"},
        })
    }

    pub async fn send_activation(&self, token: &str, body: &Value) -> Reply {
        self.send(
            self.http
                .post(self.url("/api/v1/mgmt/send-activation"))
                .bearer_auth(token)
                .json(body),
        )
        .await
    }
}

pub fn is_hex16(s: &str) -> bool {
    s.len() == 16
        && s.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

/// The field named by the first `FieldViolations` detail.
pub fn violated_field(error: &Value) -> Option<&str> {
    error["details"]
        .as_array()?
        .iter()
        .find(|d| d["type"] == "FieldViolations")?["field_violations"][0]["field"]
        .as_str()
}
