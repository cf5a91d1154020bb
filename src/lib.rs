//! terraform-provider-enroll: a Terraform provider that sends passwordless
//! enrollment links through the Beyond Identity and Transmit BindID APIs.

pub mod api;
pub mod data_sources;
#[cfg(unix)]
mod handshake;
pub mod logging;
mod parent_watch;
pub mod provider;
pub mod resources;
pub mod schema;
mod serve;

pub use serve::run;
