//! What a resource or data source receives from the provider: the
//! configured vendor clients and the realm defaults. It sits over `api/`
//! and below everything Terraform-facing, so a resource never needs to read
//! the provider to learn what it is given.

use crate::api::beyond_identity::batches::QUEUE_LIMIT;
use crate::api::beyond_identity::{BeyondIdentity, RealmRef};
use crate::api::bindid::BindId;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use tf_provider::Diagnostics;
use tokio::sync::Semaphore;

/// The Beyond Identity client with the provider's default tenant and realm.
pub(crate) struct BeyondIdentityContext {
    pub api: BeyondIdentity,
    pub tenant_id: Option<String>,
    pub realm_id: Option<String>,
    /// Authenticator configurations this provider process created (their
    /// create answered): no earlier run can have sent links for one, so a
    /// batch resource need not wait for such a run's batches to show.
    pub configs_made: Mutex<HashSet<String>>,
    /// Each realm's batch queue, shared by the batch resources of this
    /// process: a resource takes room for a batch before sending it and
    /// gives it back when the batch is done, so resources applied side by
    /// side wait their turn instead of drawing 429s for small leftovers.
    queues: Mutex<HashMap<RealmRef, Arc<Semaphore>>>,
}

impl BeyondIdentityContext {
    pub fn new(api: BeyondIdentity, tenant_id: Option<String>, realm_id: Option<String>) -> Self {
        BeyondIdentityContext {
            api,
            tenant_id,
            realm_id,
            configs_made: Mutex::default(),
            queues: Mutex::default(),
        }
    }

    pub fn note_config_made(&self, id: &str) {
        let mut made = self.configs_made.lock().unwrap_or_else(|p| p.into_inner());
        made.insert(id.to_owned());
    }

    /// The room of `realm`'s batch queue this process may use.
    pub fn batch_queue(&self, realm: &RealmRef) -> Arc<Semaphore> {
        let mut queues = self.queues.lock().unwrap_or_else(|p| p.into_inner());
        queues
            .entry(realm.clone())
            .or_insert_with(|| Arc::new(Semaphore::new(QUEUE_LIMIT)))
            .clone()
    }

    pub fn config_made_here(&self, id: &str) -> bool {
        let made = self.configs_made.lock().unwrap_or_else(|p| p.into_inner());
        made.contains(id)
    }

    /// The realm of a resource: its own ids, else the provider's defaults.
    pub fn realm(
        &self,
        tenant_id: Option<&str>,
        realm_id: Option<&str>,
    ) -> Result<RealmRef, String> {
        let tenant = tenant_id
            .map(str::to_owned)
            .or_else(|| self.tenant_id.clone());
        let realm = realm_id
            .map(str::to_owned)
            .or_else(|| self.realm_id.clone());
        match (tenant, realm) {
            (Some(tenant_id), Some(realm_id)) => Ok(RealmRef {
                tenant_id,
                realm_id,
            }),
            (t, r) => {
                let mut missing = Vec::new();
                if t.is_none() {
                    missing.push("`tenant_id` (in the resource, or the provider's `beyond_identity` block or BEYOND_IDENTITY_TENANT_ID)");
                }
                if r.is_none() {
                    missing.push("`realm_id` (in the resource, or the provider's `beyond_identity` block or BEYOND_IDENTITY_REALM_ID)");
                }
                Err(format!("Set {}.", missing.join(" and ")))
            }
        }
    }
}

pub(crate) struct BindIdContext {
    pub api: BindId,
}

/// What `configure` produced; `Err` carries the message for a resource that
/// needs the missing credential.
pub(crate) struct Clients {
    pub beyond_identity: Result<Arc<BeyondIdentityContext>, String>,
    pub bindid: Result<Arc<BindIdContext>, String>,
}

/// Shared between the provider and its resources: Terraform asks for the
/// resources before it configures the provider, so they hold this slot and
/// find the clients in it once `configure` has filled it.
#[derive(Default)]
pub(crate) struct ProviderData {
    clients: RwLock<Option<Arc<Clients>>>,
}

impl ProviderData {
    fn clients(&self, diags: &mut Diagnostics) -> Option<Arc<Clients>> {
        let clients = self.clients.read().ok().and_then(|c| c.clone());
        if clients.is_none() {
            diags.root_error(
                "Provider not configured",
                "The enroll provider was used before Terraform configured it.",
            );
        }
        clients
    }

    /// The Beyond Identity client, or an error naming what is missing.
    pub fn beyond_identity(&self, diags: &mut Diagnostics) -> Option<Arc<BeyondIdentityContext>> {
        match &self.clients(diags)?.beyond_identity {
            Ok(bi) => Some(bi.clone()),
            Err(msg) => {
                diags.root_error("Missing Beyond Identity credentials", msg.clone());
                None
            }
        }
    }

    /// The BindID client, or an error naming what is missing.
    pub fn bindid(&self, diags: &mut Diagnostics) -> Option<Arc<BindIdContext>> {
        match &self.clients(diags)?.bindid {
            Ok(b) => Some(b.clone()),
            Err(msg) => {
                diags.root_error("Missing BindID credentials", msg.clone());
                None
            }
        }
    }

    pub fn set(&self, clients: Clients) {
        if let Ok(mut slot) = self.clients.write() {
            *slot = Some(Arc::new(clients));
        }
    }
}
