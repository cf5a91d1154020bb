//! One file per Terraform resource type.

pub mod authenticator_config;
pub mod bindid_activation;
pub mod credential_binding_job;
mod diagnostics;
pub mod identity;
mod import_id;

use crate::api::beyond_identity::RealmRef;
use crate::provider::{BeyondIdentityContext, ProviderData};
use crate::schema::plan::known_str;
use std::collections::HashMap;
use std::sync::Arc;
use tf_provider::value::Value;
use tf_provider::{Diagnostics, DynamicResource};

pub use diagnostics::api_error;
pub use import_id::split_import_id;

/// Every resource, by its name without the `enroll_` prefix.
pub fn all(data: &Arc<ProviderData>) -> HashMap<String, Box<dyn DynamicResource>> {
    let mut map: HashMap<String, Box<dyn DynamicResource>> = HashMap::new();
    map.insert(
        "authenticator_config".into(),
        Box::new(authenticator_config::AuthenticatorConfigResource::new(
            data.clone(),
        )),
    );
    map.insert(
        "credential_binding_job".into(),
        Box::new(credential_binding_job::CredentialBindingJobResource::new(
            data.clone(),
        )),
    );
    map.insert(
        "identity".into(),
        Box::new(identity::IdentityResource::new(data.clone())),
    );
    map.insert(
        "bindid_activation".into(),
        Box::new(bindid_activation::BindIdActivationResource::new(
            data.clone(),
        )),
    );
    map
}

/// A state that Terraform guarantees is there (prior state of an update,
/// planned state of a create); a null one is a protocol error.
pub fn present<T>(diags: &mut Diagnostics, v: Value<T>) -> Option<T> {
    match v {
        Value::Value(x) => Some(x),
        _ => {
            diags.root_error_short("Terraform sent an empty state where one was expected");
            None
        }
    }
}

/// The realm a Beyond Identity resource lives in: its own ids, else the
/// provider's defaults; reports which are missing.
pub fn realm_of(
    diags: &mut Diagnostics,
    bi: &BeyondIdentityContext,
    tenant_id: &Value<String>,
    realm_id: &Value<String>,
) -> Option<RealmRef> {
    match bi.realm(known_str(tenant_id), known_str(realm_id)) {
        Ok(r) => Some(r),
        Err(m) => {
            diags.root_error("Missing tenant or realm", m);
            None
        }
    }
}

/// An import ID of the form `tenant_id/realm_id/id`, or `id` in the
/// provider's default realm.
pub fn import_realm_id<'a>(
    diags: &mut Diagnostics,
    bi: &BeyondIdentityContext,
    import_id: &'a str,
) -> Option<(RealmRef, &'a str)> {
    let parts = match split_import_id(import_id, &[3, 1], &["tenant_id/realm_id/id", "id"]) {
        Ok(p) => p,
        Err(m) => {
            diags.root_error("Invalid import ID", m);
            return None;
        }
    };
    let (tenant, realm, id) = match parts.as_slice() {
        [t, r, i] => (Some(*t), Some(*r), *i),
        [i] => (None, None, *i),
        _ => return None,
    };
    match bi.realm(tenant, realm) {
        Ok(r) => Some((r, id)),
        Err(m) => {
            diags.root_error("Missing tenant or realm", m);
            None
        }
    }
}
