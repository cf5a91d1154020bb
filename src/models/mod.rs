//! State types shared by a resource and its data source, with the
//! conversions between them and the API's wire types.

pub(crate) mod attempt;
pub(crate) mod authenticator_config;
pub(crate) mod bindid_activation;
pub(crate) mod credential_binding_batch;
pub(crate) mod credential_binding_job;
pub(crate) mod credential_binding_jobs;
pub(crate) mod identity;
