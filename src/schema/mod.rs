//! Small shared helpers for resource schemas: attribute builders,
//! validators and plan helpers.

pub mod attrs;
pub mod plan;
pub mod validate;
