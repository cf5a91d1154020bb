//! The log of vendor requests, so tests can assert what the provider sent
//! (or that it sent nothing at all).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vendor {
    BeyondIdentity,
    Bindid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    pub method: String,
    /// Without the query string.
    pub path: String,
    /// `None` when a fault closed the connection without an answer.
    pub status: Option<u16>,
    pub vendor: Vendor,
}
