//! One module per Terraform resource type: schema, plan, CRUD and import
//! side by side; what they share is in `common`.

pub(crate) mod authenticator_config;
pub(crate) mod bindid_activation;
pub(crate) mod claims;
pub(crate) mod common;
pub(crate) mod credential_binding_batch;
pub(crate) mod credential_binding_job;
pub(crate) mod identity;
pub(crate) mod renewal;
pub(crate) mod unresolved;
