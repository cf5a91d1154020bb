//! A credential binding job as Terraform holds it: the
//! `enroll_credential_binding_job` state and what a read copies onto it.

use super::attempt::Attempt;
use crate::api::beyond_identity::credential_binding_jobs::CredentialBindingJob;
use crate::schema::plan::opt;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tf_provider::value::Value;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    #[serde(default)]
    pub id: Value<String>,
    #[serde(default)]
    pub identity_id: Value<String>,
    #[serde(default)]
    pub authenticator_config_id: Value<String>,
    #[serde(default)]
    pub delivery_method: Value<String>,
    #[serde(default)]
    pub post_binding_redirect_uri: Value<String>,
    #[serde(default)]
    pub tenant_id: Value<String>,
    #[serde(default)]
    pub realm_id: Value<String>,
    #[serde(default)]
    pub triggers: Value<BTreeMap<String, Value<String>>>,
    #[serde(default)]
    pub resend_when_expired: Value<bool>,
    #[serde(default)]
    pub resend_before_expiry: Value<String>,
    #[serde(default)]
    pub revoke_on_destroy: Value<bool>,
    #[serde(default)]
    pub state: Value<String>,
    #[serde(default)]
    pub create_time: Value<String>,
    #[serde(default)]
    pub update_time: Value<String>,
    #[serde(default)]
    pub expire_time: Value<String>,
    #[serde(default)]
    pub credential_id: Value<String>,
    #[serde(default)]
    pub credential_binding_link: Value<String>,
}

/// Private state. `imported`: set by import, which cannot know the
/// configured `triggers`; the first plan after it adopts them without a
/// new link.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Private {
    #[serde(default)]
    pub imported: bool,
    /// A create whose answer was lost, until a refresh resolves it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unresolved: Option<Attempt>,
}

pub fn imported(p: &Value<Private>) -> bool {
    matches!(p, Value::Value(Private { imported: true, .. }))
}

pub fn unresolved(p: &Value<Private>) -> Option<&Attempt> {
    match p {
        Value::Value(p) => p.unresolved.as_ref(),
        _ => None,
    }
}

/// Copies what the API says about a job onto the state; inputs stay as
/// they are.
pub fn refresh(s: &mut State, job: &CredentialBindingJob) {
    s.id = Value::Value(job.id.clone());
    s.state = opt(job.state.clone());
    s.create_time = opt(job.create_time.clone());
    s.update_time = opt(job.update_time.clone());
    s.expire_time = opt(job.expire_time.clone());
    s.credential_id = opt(job.credential_id.clone());
}
