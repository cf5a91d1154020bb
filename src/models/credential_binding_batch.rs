//! A batch of invitations as Terraform holds it: the
//! `enroll_credential_binding_batch` state. Each identity's entry in `jobs`
//! holds three short strings and nothing else: Terraform's own cost grows
//! with the bytes of state, and this map has up to 100,000 entries.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use tf_provider::value::Value;

/// A list of ids, kept sorted and distinct where the provider writes it.
pub type Set = Value<Vec<Value<String>>>;
pub type StringMap = Value<BTreeMap<String, Value<String>>>;
pub type Jobs = Value<BTreeMap<String, Value<JobEntry>>>;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    #[serde(default)]
    pub id: Value<String>,
    #[serde(default)]
    pub identity_ids: Set,
    #[serde(default)]
    pub authenticator_config_id: Value<String>,
    #[serde(default)]
    pub post_binding_redirect_uri: Value<String>,
    #[serde(default)]
    pub tenant_id: Value<String>,
    #[serde(default)]
    pub realm_id: Value<String>,
    #[serde(default)]
    pub triggers: StringMap,
    #[serde(default)]
    pub resend_when_expired: Value<bool>,
    #[serde(default)]
    pub resend_before_expiry: Value<String>,
    #[serde(default)]
    pub revoke_on_destroy: Value<bool>,
    #[serde(default)]
    pub jobs: Jobs,
    #[serde(default)]
    pub last_sent_to: Set,
    #[serde(default)]
    pub failures: StringMap,
    #[serde(default)]
    pub enrolled_count: Value<i64>,
    #[serde(default)]
    pub pending_count: Value<i64>,
    #[serde(default)]
    pub expired_count: Value<i64>,
}

/// The job that holds an identity's link; all null when it has none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobEntry {
    #[serde(default)]
    pub id: Value<String>,
    #[serde(default)]
    pub state: Value<String>,
    #[serde(default)]
    pub expire_time: Value<String>,
}

impl JobEntry {
    /// No job: the identity could not be sent a link (see `failures`).
    pub fn none() -> JobEntry {
        JobEntry {
            id: Value::Null,
            state: Value::Null,
            expire_time: Value::Null,
        }
    }
}

/// What the plan and the state do not show.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Private {
    /// Identities the API failed permanently (`failed_permanently`): plans
    /// do not retry them until `triggers` change or the id is removed and
    /// added again.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub permanent: BTreeSet<String>,
    /// What the plan's sweep saw of the set's jobs: an apply that sees the
    /// same, late enough, knows no earlier run's batch is still making jobs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen: Option<Seen>,
    /// The batches that made the tracked jobs: a refresh reads their
    /// results when that is fewer pages than the realm's whole list.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub batches: BTreeSet<String>,
    /// How many jobs the realm held at the last sweep.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub realm_jobs: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A summary of a sweep: how many jobs of the set it found, the newest
/// one's creation time, and when it ran (RFC 3339).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    pub jobs: usize,
    #[serde(default)]
    pub newest: String,
    pub at: String,
}

/// The strings of a known set or list, skipping unknown elements.
pub fn strings(v: &Set) -> Vec<String> {
    match v {
        Value::Value(items) => items
            .iter()
            .filter_map(|i| match i {
                Value::Value(s) => Some(s.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The distinct identity ids of a state, sorted.
pub fn identity_set(s: &State) -> Vec<String> {
    let distinct: BTreeSet<String> = strings(&s.identity_ids).into_iter().collect();
    distinct.into_iter().collect()
}

/// A known set of strings.
pub fn set_of<I: IntoIterator<Item = String>>(items: I) -> Set {
    let sorted: BTreeSet<String> = items.into_iter().collect();
    Value::Value(sorted.into_iter().map(Value::Value).collect())
}
