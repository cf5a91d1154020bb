//! One file per Terraform data source: read-only lookups.

pub mod authenticator_config;
pub mod identity;

use crate::provider::ProviderData;
use std::collections::HashMap;
use std::sync::Arc;
use tf_provider::DynamicDataSource;

/// Every data source, by its name without the `enroll_` prefix.
pub fn all(data: &Arc<ProviderData>) -> HashMap<String, Box<dyn DynamicDataSource>> {
    let mut map: HashMap<String, Box<dyn DynamicDataSource>> = HashMap::new();
    map.insert(
        "identity".into(),
        Box::new(identity::IdentityDataSource::new(data.clone())),
    );
    map.insert(
        "authenticator_config".into(),
        Box::new(authenticator_config::AuthenticatorConfigDataSource::new(
            data.clone(),
        )),
    );
    map
}
