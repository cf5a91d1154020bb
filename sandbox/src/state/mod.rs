//! The vendors' data: what a tenant holds, in memory. Jobs and batches
//! have files of their own; identities and configs are here.

mod batches;
mod jobs;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime};

use indexmap::IndexMap;
use serde_json::{json, Map, Value};

pub(crate) use self::batches::{BatchQueue, BatchRecord, IdentityError, QueueFull};
pub(crate) use self::jobs::{DeliveryMethod, JobRecord, JobState, JobTemplate, Jobs};
use crate::beyond_identity::config_types::Config;
use crate::harness::clock::rfc3339;
use crate::harness::seed::Seed;
use crate::ui::outbox::OutboxMessage;

/// When the seeded identities were "created", so their reads never change.
const SEED_TIME: Duration = Duration::from_secs(1_704_067_200); // 2024-01-01T00:00:00Z

#[derive(Debug, Default)]
pub(crate) struct Store {
    pub configs: IndexMap<String, ConfigRecord>,
    pub identities: IndexMap<String, IdentityRecord>,
    pub jobs: Jobs,
    pub batches: IndexMap<String, BatchRecord>,
    /// The queue and its settings (limit, rate): `reset` puts them back too.
    pub batch_queue: BatchQueue,
    pub outbox: Vec<OutboxMessage>,
    /// Beyond Identity access tokens and when they expire.
    pub bi_tokens: HashMap<String, SystemTime>,
    pub bindid_tokens: HashMap<String, BindidToken>,
    /// Lowercased BindID targets whose email channel fails.
    pub failing_targets: HashSet<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct BindidToken {
    pub credentials_id: String,
    pub expires: SystemTime,
}

impl Store {
    pub(crate) fn new(seed: &Seed) -> Store {
        let created = SystemTime::UNIX_EPOCH + SEED_TIME;
        let identities = seed
            .identities
            .iter()
            .map(|s| {
                let record = IdentityRecord::active(
                    s.id.clone(),
                    display_name_of(&s.username),
                    &s.username,
                    s.email.as_deref(),
                    created,
                );
                (s.id.clone(), record)
            })
            .collect();
        Store {
            identities,
            ..Store::default()
        }
    }

    pub(crate) fn identity_view(
        &self,
        identity: &IdentityRecord,
        seed: &Seed,
        now: SystemTime,
    ) -> Value {
        let mut view = json!({
            "id": identity.id,
            "realm_id": seed.realm_id,
            "tenant_id": seed.tenant_id,
            "display_name": identity.display_name,
            "create_time": rfc3339(identity.create_time),
            "update_time": rfc3339(identity.update_time),
            "status": identity.status,
            "traits": identity.traits,
        });
        view["enrollment_status"] = json!(self.enrollment_status(&identity.id, now));
        view
    }

    /// Derived from the identity's jobs, as the spec defines the values.
    fn enrollment_status(&self, identity_id: &str, now: SystemTime) -> &'static str {
        let states: Vec<JobState> = self
            .jobs
            .of_identity(identity_id)
            .map(|j| j.state_at(now))
            .collect();
        if states.contains(&JobState::Complete) {
            "ENROLLED"
        } else if states.iter().any(|s| !s.is_finished()) {
            "PENDING"
        } else {
            "UNENROLLED"
        }
    }
}

/// `alice` → `Alice`.
fn display_name_of(username: &str) -> String {
    let mut chars = username.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[derive(Debug, Clone)]
pub(crate) struct ConfigRecord {
    pub id: String,
    pub display_name: Option<String>,
    pub config: Config,
}

impl ConfigRecord {
    pub(crate) fn view(&self, seed: &Seed) -> Value {
        let mut view = json!({
            "id": self.id,
            "realm_id": seed.realm_id,
            "tenant_id": seed.tenant_id,
            "config": self.config.to_value(),
        });
        if let Some(name) = &self.display_name {
            view["display_name"] = json!(name);
        }
        view
    }
}

#[derive(Debug, Clone)]
pub(crate) struct IdentityRecord {
    pub id: String,
    pub display_name: String,
    pub status: String,
    /// Validated `Traits_v0` fields, `type` included.
    pub traits: Map<String, Value>,
    pub create_time: SystemTime,
    pub update_time: SystemTime,
}

impl IdentityRecord {
    /// An active identity made outside the API (the seed, a test), with
    /// the traits the API would have stored for it.
    pub(crate) fn active(
        id: String,
        display_name: String,
        username: &str,
        email: Option<&str>,
        created: SystemTime,
    ) -> IdentityRecord {
        let mut traits = Map::new();
        traits.insert("type".into(), json!("traits_v0"));
        traits.insert("username".into(), json!(username));
        if let Some(email) = email {
            traits.insert("primary_email_address".into(), json!(email));
        }
        IdentityRecord {
            id,
            display_name,
            status: "active".to_owned(),
            traits,
            create_time: created,
            update_time: created,
        }
    }

    pub(crate) fn username(&self) -> Option<&str> {
        self.traits.get("username").and_then(Value::as_str)
    }

    pub(crate) fn email(&self) -> Option<&str> {
        self.traits
            .get("primary_email_address")
            .and_then(Value::as_str)
            .filter(|e| !e.is_empty())
    }
}
