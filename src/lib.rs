//! terraform-provider-enroll: a Terraform provider that sends passwordless
//! enrollment links through the Beyond Identity and Transmit BindID APIs.
//!
//! The layers, each importing only from the ones below it:
//! `provider` (schema, settings, configure, registry) → `resources` and
//! `data_sources` → `models` (state types) and `clients` (what a resource
//! receives) → `api` (HTTP only, no Terraform types) and `schema`
//! (attribute builders, validators, plan helpers).

/// The vendors' HTTP clients; public so the property tests can feed their
/// decoders whatever a server might answer.
pub mod api;
mod clients;
mod data_sources;
#[cfg(unix)]
mod fds;
#[cfg(unix)]
mod handshake;
mod interrupt;
#[cfg(unix)]
mod linger;
mod logging;
mod models;
mod parent_watch;
mod provider;
mod resources;
mod schema;
mod serve;
mod timefmt;

pub use serve::run;
