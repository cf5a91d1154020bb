//! The vendors' HTTP APIs. Nothing in here knows about Terraform.

pub mod auth;
pub mod beyond_identity;
pub mod bindid;
pub mod budget;
pub mod error;
pub mod http;
pub mod pace;
pub mod secret;

pub use error::ApiError;
pub use secret::Secret;
