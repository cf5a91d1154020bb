//! The log of vendor requests, so tests can assert what the provider sent
//! (or that it sent nothing at all).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vendor {
    BeyondIdentity,
    Bindid,
}

impl Vendor {
    /// Which vendor a path belongs to; `None` for the sandbox's own pages
    /// and controls, which are never logged, faulted or rate limited.
    pub(crate) fn of_path(path: &str) -> Option<Vendor> {
        if path.starts_with("/v1/") {
            Some(Vendor::BeyondIdentity)
        } else if path == "/token" || path.starts_with("/api/") {
            Some(Vendor::Bindid)
        } else {
            None
        }
    }
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
