//! Every resource and data source the provider serves, by its name without
//! the `enroll_` prefix.

use crate::clients::ProviderData;
use crate::{data_sources, resources};
use std::collections::HashMap;
use std::sync::Arc;
use tf_provider::{DynamicDataSource, DynamicResource};

pub fn resources(data: &Arc<ProviderData>) -> HashMap<String, Box<dyn DynamicResource>> {
    let d = || data.clone();
    let all: [(&str, Box<dyn DynamicResource>); 5] = [
        (
            "authenticator_config",
            Box::new(resources::authenticator_config::AuthenticatorConfigResource::new(d())),
        ),
        (
            "credential_binding_job",
            Box::new(resources::credential_binding_job::CredentialBindingJobResource::new(d())),
        ),
        (
            "credential_binding_batch",
            Box::new(resources::credential_binding_batch::CredentialBindingBatchResource::new(d())),
        ),
        (
            "identity",
            Box::new(resources::identity::IdentityResource::new(d())),
        ),
        (
            "bindid_activation",
            Box::new(resources::bindid_activation::BindIdActivationResource::new(
                d(),
            )),
        ),
    ];
    all.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

pub fn data_sources(data: &Arc<ProviderData>) -> HashMap<String, Box<dyn DynamicDataSource>> {
    let d = || data.clone();
    let all: [(&str, Box<dyn DynamicDataSource>); 3] = [
        (
            "identity",
            Box::new(data_sources::identity::IdentityDataSource::new(d())),
        ),
        (
            "authenticator_config",
            Box::new(data_sources::authenticator_config::AuthenticatorConfigDataSource::new(d())),
        ),
        (
            "credential_binding_jobs",
            Box::new(
                data_sources::credential_binding_jobs::CredentialBindingJobsDataSource::new(d()),
            ),
        ),
    ];
    all.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}
