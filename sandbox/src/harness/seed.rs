//! The fixed tenant, realm, credentials and identities every sandbox starts
//! with. They never change between runs so examples and docs can hard-code
//! them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seed {
    pub tenant_id: String,
    pub realm_id: String,
    pub application_id: String,
    pub client_id: String,
    pub client_secret: String,
    pub api_token: String,
    pub bindid_credentials_id: String,
    pub bindid_credentials_secret: String,
    pub bindid_client_id: String,
    pub identities: Vec<SeedIdentity>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedIdentity {
    pub id: String,
    pub username: String,
    pub email: Option<String>,
}

impl Default for Seed {
    fn default() -> Self {
        let identity = |id: &str, username: &str, email: Option<&str>| SeedIdentity {
            id: id.to_owned(),
            username: username.to_owned(),
            email: email.map(str::to_owned),
        };
        Seed {
            // Ids have the real API's shapes: 16 lowercase hex for tenants,
            // realms and identities, a UUID for applications.
            tenant_id: "000176d94fd7b4d1".to_owned(),
            realm_id: "8b1ac7f1e5b7d6c3".to_owned(),
            application_id: "5f0c3a2e-8d4b-4c1a-9e7f-2b6d1a0c9e34".to_owned(),
            client_id: "enroll-sandbox-client".to_owned(),
            client_secret: "enroll-sandbox-client-secret".to_owned(),
            api_token: "enroll-sandbox-api-token".to_owned(),
            bindid_credentials_id: "5a1db0c4.management_api_app.tid_sandbox.bindid.io".to_owned(),
            bindid_credentials_secret: "enroll-sandbox-bindid-secret".to_owned(),
            bindid_client_id: "3d70edce.sandbox_client.tid_sandbox.bindid.io".to_owned(),
            identities: vec![
                identity("a11ce0d9e2b7c401", "alice", Some("alice@example.com")),
                identity("b0b00d9e2b7c4022", "bob", Some("bob@example.com")),
                identity("ca7010d9e2b7c403", "carol", Some("carol@example.com")),
                // No email address: the identity a Beyond Identity EMAIL job
                // must refuse with 422.
                identity("da7e0d9e2b7c4044", "dave", None),
            ],
        }
    }
}
