//! One module per Terraform data source: read-only lookups.

pub(crate) mod authenticator_config;
pub(crate) mod credential_binding_jobs;
pub(crate) mod identity;
