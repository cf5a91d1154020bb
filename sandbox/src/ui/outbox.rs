//! Every link the sandbox "sent": what a person would have found in their
//! mailbox.

use serde::{Deserialize, Serialize};

use crate::harness::requests::Vendor;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxKind {
    CredentialBindingJob,
    BindidActivation,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub id: String,
    pub vendor: Vendor,
    pub kind: OutboxKind,
    pub recipient: String,
    pub link: String,
    /// RFC 3339 on the sandbox clock.
    pub sent_at: String,
    /// RFC 3339 on the sandbox clock.
    pub expire_time: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_id: Option<String>,
}
