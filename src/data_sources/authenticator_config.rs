//! `data "enroll_authenticator_config"`: an existing authenticator
//! configuration by id, e.g. one made in the Admin Console, for jobs to
//! point at.

use crate::clients::ProviderData;
use crate::models::authenticator_config::{from_api, State};
use crate::resources::common::{api_error, attr, check_ids, realm_of};
use crate::schema::attrs::*;
use crate::schema::plan::known_str;
use async_trait::async_trait;
use std::sync::Arc;
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{DataSource, Diagnostics};

pub struct AuthenticatorConfigDataSource {
    data: Arc<ProviderData>,
}

impl AuthenticatorConfigDataSource {
    pub fn new(data: Arc<ProviderData>) -> Self {
        Self { data }
    }
}

#[async_trait]
impl DataSource for AuthenticatorConfigDataSource {
    type State<'a> = Value<State>;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 1,
            block: block(
                "Looks up an existing authenticator configuration of a Beyond Identity realm by id, for example one made in the Admin Console, so that credential binding jobs can point at it.",
                [
                    ("id", required(string(), "Id of the authenticator configuration to read.")),
                    ("tenant_id", optional_computed(string(), "Tenant to look in. Defaults to the provider's `tenant_id`.")),
                    ("realm_id", optional_computed(string(), "Realm to look in. Defaults to the provider's `realm_id`.")),
                    ("type", computed(string(), "Kind of authenticator: `hosted_web`, `embedded`, `platform`, or `unsupported` for a type this provider does not manage.")),
                    ("display_name", computed(string(), "Human-readable name shown in the Admin Console.")),
                    ("trusted_origins", computed(list_of_strings(), "Origins allowed to call the Beyond Identity API from a browser (CORS).")),
                    ("authentication_methods", computed(list_of_strings(), "Authentication methods offered.")),
                    ("invoke_url", computed(string(), "URL of the app that receives the authentication challenge (`embedded` only).")),
                    ("invocation_type", computed(string(), "How an `embedded` authenticator invokes `invoke_url`: `automatic` or `manual`.")),
                ],
                [],
            ),
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        if let Value::Value(c) = &config {
            check_ids(
                diags,
                &[
                    ("id", &c.id),
                    ("tenant_id", &c.tenant_id),
                    ("realm_id", &c.realm_id),
                ],
            );
        }
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::State<'a>> {
        let Value::Value(config) = config else {
            return Some(Value::Null);
        };
        let bi = self.data.beyond_identity(diags)?;
        let realm = realm_of(diags, &bi, &config.tenant_id, &config.realm_id)?;
        let id = known_str(&config.id).unwrap_or_default();
        match bi.api.get_authenticator_config(&realm, id).await {
            Ok(api) => Some(Value::Value(from_api(api, &realm))),
            Err(e) if e.is_not_found() => {
                diags.error(
                    "Authenticator configuration not found",
                    format!(
                        "Realm {} of tenant {} has no authenticator configuration with id {id:?}.",
                        realm.realm_id, realm.tenant_id
                    ),
                    attr("id"),
                );
                None
            }
            Err(e) => {
                api_error(
                    diags,
                    "Cannot read the authenticator configuration",
                    &e,
                    None,
                );
                None
            }
        }
    }
}
