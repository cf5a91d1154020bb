//! The `enroll` provider: it validates and resolves its configuration,
//! builds the vendor clients, and serves the resources and data sources
//! of its registry.

mod configure;
mod hosts;
mod registry;
mod schema;
mod settings;

use crate::api::http::Backoff;
use crate::clients::ProviderData;
use async_trait::async_trait;
use schema::ProviderConfig;
use std::collections::HashMap;
use std::sync::Arc;
use tf_provider::schema::Schema;
use tf_provider::value::ValueEmpty;
use tf_provider::{Diagnostics, DynamicDataSource, DynamicResource, Provider};

pub struct EnrollProvider {
    data: Arc<ProviderData>,
    backoff: Backoff,
}

impl EnrollProvider {
    /// Tests shrink the backoff so retry scenarios run in milliseconds.
    pub fn with_backoff(backoff: Backoff) -> Self {
        Self {
            data: Arc::new(ProviderData::default()),
            backoff,
        }
    }
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn report(diags: &mut Diagnostics, errors: Vec<settings::SettingError>) {
    for e in errors {
        diags.error(e.summary, e.detail, e.path);
    }
}

#[async_trait]
impl Provider for EnrollProvider {
    type Config<'a> = ProviderConfig;
    type MetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 1,
            block: schema::provider_block(),
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::Config<'a>) -> Option<()> {
        // Only what HCL says is judged here; environment variables are read
        // at configure time, where an invalid one names the variable.
        if let Err(errors) = settings::resolve(&config, &|_| None) {
            report(diags, errors);
        }
        Some(())
    }

    async fn configure<'a>(
        &self,
        diags: &mut Diagnostics,
        terraform_version: String,
        config: Self::Config<'a>,
    ) -> Option<()> {
        let settings = match settings::resolve(&config, &env_var) {
            Ok(s) => s,
            Err(errors) => {
                report(diags, errors);
                return None;
            }
        };
        match configure::build_clients(settings, &terraform_version, self.backoff) {
            Ok(clients) => {
                self.data.set(clients);
                Some(())
            }
            Err(m) => {
                diags.root_error("Cannot configure the enroll provider", m);
                None
            }
        }
    }

    fn get_resources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
        Some(registry::resources(&self.data))
    }

    fn get_data_sources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicDataSource>>> {
        Some(registry::data_sources(&self.data))
    }
}
