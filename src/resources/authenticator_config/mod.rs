//! `enroll_authenticator_config`: how identities of a realm authenticate
//! (Beyond Identity authenticator configurations).

mod adoption;

use super::claims::Claims;
use super::common::{
    api_error, attr, check_ids, done_unless, forget_if_gone, import_realm_ids, plan_realm, present,
    realm_of,
};
use crate::api::beyond_identity::authenticator_configs::AUTHENTICATION_METHODS;
use crate::clients::ProviderData;
use crate::models::attempt::Attempt;
use crate::models::authenticator_config::{from_api, to_api, List, State, TYPES};
use crate::schema::attrs::*;
use crate::schema::plan::{config_or_prior, known, known_str, replace_if_changed, to_list};
use crate::schema::validate;
use async_trait::async_trait;
use std::sync::Arc;
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

const INVOCATION_TYPES: [&str; 2] = ["automatic", "manual"];

pub struct AuthenticatorConfigResource {
    data: Arc<ProviderData>,
    claims: Claims,
}

impl AuthenticatorConfigResource {
    pub fn new(data: Arc<ProviderData>) -> Self {
        Self {
            data,
            claims: Claims::default(),
        }
    }
}

/// Values the API needs but the user may leave out. `hosted_web` requires
/// both lists in the spec, so `type = "hosted_web"` alone gets all methods
/// and no extra origins.
fn default_methods(kind: &str) -> Value<Vec<Value<String>>> {
    match kind {
        "hosted_web" | "embedded" => to_list(&AUTHENTICATION_METHODS.map(str::to_owned)),
        _ => Value::Null,
    }
}

fn default_origins(kind: &str) -> List {
    match kind {
        "hosted_web" | "embedded" => Value::Value(vec![]),
        _ => Value::Null,
    }
}

fn default_invocation(kind: &str) -> Value<String> {
    match kind {
        "embedded" => Value::Value("automatic".into()),
        _ => Value::Null,
    }
}

/// Fills the attributes that follow from `type` when the config leaves
/// them out; an unknown `type` leaves them unknown.
fn apply_type_defaults(planned: &mut State, config: &State) {
    let Some(kind) = known_str(&config.kind).map(str::to_owned) else {
        if config.authentication_methods.is_null() {
            planned.authentication_methods = Value::Unknown;
        }
        if config.trusted_origins.is_null() {
            planned.trusted_origins = Value::Unknown;
        }
        if config.invocation_type.is_null() {
            planned.invocation_type = Value::Unknown;
        }
        return;
    };
    if config.authentication_methods.is_null() {
        planned.authentication_methods = default_methods(&kind);
    }
    if config.trusted_origins.is_null() {
        planned.trusted_origins = default_origins(&kind);
    }
    if config.invocation_type.is_null() {
        planned.invocation_type = default_invocation(&kind);
    }
}

fn validate_config(diags: &mut Diagnostics, c: &State) {
    let kind = known_str(&c.kind);
    if let Some(k) = kind {
        if let Err(m) = validate::one_of(k, &TYPES) {
            diags.error("Invalid authenticator type", m, attr("type"));
        }
    }
    check_ids(
        diags,
        &[("tenant_id", &c.tenant_id), ("realm_id", &c.realm_id)],
    );
    if let Some(methods) = known(&c.authentication_methods) {
        if kind == Some("platform") {
            diags.error(
                "authentication_methods is not used by platform authenticators",
                "Remove `authentication_methods`: the API takes it only for `hosted_web` and `embedded`.",
                attr("authentication_methods"),
            );
        }
        if methods.is_empty() && kind == Some("hosted_web") {
            diags.error(
                "Invalid authentication_methods",
                "A hosted_web authenticator needs at least one authentication method.",
                attr("authentication_methods"),
            );
        }
        let mut seen = Vec::new();
        for (i, m) in methods.iter().enumerate() {
            if let Some(m) = known_str(m) {
                if let Err(msg) = validate::one_of(m, &AUTHENTICATION_METHODS) {
                    diags.error(
                        "Invalid authentication method",
                        msg,
                        attr("authentication_methods").index(i as i64),
                    );
                } else if seen.contains(&m) {
                    diags.error(
                        "Duplicate authentication method",
                        format!("{m:?} is listed twice."),
                        attr("authentication_methods").index(i as i64),
                    );
                }
                seen.push(m);
            }
        }
    }
    if let Some(origins) = known(&c.trusted_origins) {
        for (i, o) in origins.iter().enumerate() {
            if let Some(o) = known_str(o) {
                if let Err(m) = validate::absolute_url(o) {
                    diags.error(
                        "Invalid trusted origin",
                        m,
                        attr("trusted_origins").index(i as i64),
                    );
                }
            }
        }
    }
    match (kind, &c.invoke_url) {
        (Some("embedded"), Value::Null) => diags.error(
            "Missing invoke_url",
            "An embedded authenticator needs `invoke_url`: the URL of the app that receives the authentication challenge.",
            attr("invoke_url"),
        ),
        (Some(k), Value::Value(_)) if k != "embedded" => diags.error(
            "invoke_url is only for embedded authenticators",
            format!("Remove `invoke_url`, or set `type = \"embedded\"` (it is {k:?})."),
            attr("invoke_url"),
        ),
        (_, Value::Value(u)) => {
            if let Err(m) = validate::absolute_url(u) {
                diags.error("Invalid invoke_url", m, attr("invoke_url"));
            }
        }
        _ => {}
    }
    match (kind, &c.invocation_type) {
        (Some(k), Value::Value(_)) if k != "embedded" => diags.error(
            "invocation_type is only for embedded authenticators",
            format!("Remove `invocation_type`, or set `type = \"embedded\"` (it is {k:?})."),
            attr("invocation_type"),
        ),
        (_, Value::Value(t)) => {
            if let Err(m) = validate::one_of(t, &INVOCATION_TYPES) {
                diags.error("Invalid invocation_type", m, attr("invocation_type"));
            }
        }
        _ => {}
    }
}

#[async_trait]
impl Resource for AuthenticatorConfigResource {
    type State<'a> = Value<State>;
    type PrivateState<'a> = Value<Attempt>;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 1,
            block: block(
                "An authenticator configuration of a Beyond Identity realm: how identities authenticate with a passkey (the hosted web authenticator, an embedded SDK app, or the platform authenticator). Credential binding jobs name one to say where the enrollment link leads.",
                [
                    ("id", computed(string(), "Id of the authenticator configuration, made by Beyond Identity.")),
                    ("tenant_id", optional_computed(string(), "Tenant of the configuration. Defaults to the provider's `tenant_id`; changing it replaces the configuration.")),
                    ("realm_id", optional_computed(string(), "Realm of the configuration. Defaults to the provider's `realm_id`; changing it replaces the configuration.")),
                    ("type", required(string(), "Kind of authenticator: `hosted_web`, `embedded` or `platform`. Changing it replaces the configuration.")),
                    ("display_name", optional_computed(string(), "Human-readable name shown in the Admin Console.")),
                    ("trusted_origins", optional_computed(list_of_strings(), "Origins (`scheme://host[:port]`) allowed to call the Beyond Identity API from a browser (CORS). Defaults to an empty list for `hosted_web` and `embedded`.")),
                    ("authentication_methods", optional_computed(list_of_strings(), "Authentication methods offered: `email_one_time_password`, `software_passkey`, `webauthn_passkey`. Defaults to all three for `hosted_web` and `embedded`; not used by `platform`.")),
                    ("invoke_url", optional(string(), "URL of the app that receives the authentication challenge. Required for `embedded`, refused for the other types.")),
                    ("invocation_type", optional_computed(string(), "How an `embedded` authenticator invokes `invoke_url`: `automatic` (a redirect, the default) or `manual` (the challenge is returned as JSON).")),
                ],
                [],
            ),
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        if let Value::Value(c) = &config {
            validate_config(diags, c);
        }
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let Value::Value(state) = state else {
            return Some((Value::Null, private_state));
        };
        let bi = self.data.beyond_identity(diags)?;
        let realm = realm_of(diags, &bi, &state.tenant_id, &state.realm_id)?;
        if let Value::Value(attempt) = &private_state {
            let wanted = to_api(diags, &state)?;
            let found = adoption::resolve(diags, &bi.api, &realm, &wanted, attempt).await?;
            let state = found.map(|c| from_api(c, &realm));
            return Some((state.map_or(Value::Null, Value::Value), Value::Null));
        }
        let id = known_str(&state.id).unwrap_or_default();
        let read = bi.api.get_authenticator_config(&realm, id).await;
        forget_if_gone(
            diags,
            "Cannot read the authenticator configuration",
            read.map(|api| from_api(api, &realm)),
            private_state,
        )
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let mut planned = present(diags, proposed)?;
        let config = present(diags, config)?;
        let bi = self.data.beyond_identity(diags)?;
        planned.id = Value::Unknown;
        (planned.tenant_id, planned.realm_id) =
            plan_realm(diags, &bi, (&config.tenant_id, &config.realm_id), None)?;
        planned.display_name = config_or_prior(&config.display_name, None);
        apply_type_defaults(&mut planned, &config);
        Some((Value::Value(planned), Value::Null))
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        prior_private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        let prior = present(diags, prior)?;
        let mut planned = present(diags, proposed)?;
        let config = present(diags, config)?;
        let bi = self.data.beyond_identity(diags)?;
        planned.id = prior.id.clone();
        (planned.tenant_id, planned.realm_id) = plan_realm(
            diags,
            &bi,
            (&config.tenant_id, &config.realm_id),
            Some((&prior.tenant_id, &prior.realm_id)),
        )?;
        planned.display_name = config_or_prior(&config.display_name, Some(&prior.display_name));
        apply_type_defaults(&mut planned, &config);
        let mut replace = Vec::new();
        replace_if_changed(&mut replace, "type", &prior.kind, &planned.kind);
        replace_if_changed(
            &mut replace,
            "tenant_id",
            &prior.tenant_id,
            &planned.tenant_id,
        );
        replace_if_changed(&mut replace, "realm_id", &prior.realm_id, &planned.realm_id);
        Some((Value::Value(planned), prior_private, replace))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Self::State<'a>,
        prior_private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(prior_private)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        _private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let planned = present(diags, planned)?;
        let bi = self.data.beyond_identity(diags)?;
        let realm = realm_of(diags, &bi, &planned.tenant_id, &planned.realm_id)?;
        let body = to_api(diags, &planned)?;
        match adoption::create(diags, &self.claims, &bi.api, &realm, &body, |id| {
            bi.note_config_made(id)
        })
        .await?
        {
            Ok(made) => Some((Value::Value(from_api(made, &realm)), Value::Null)),
            Err(attempt) => {
                let mut s = planned;
                s.id = Value::Null;
                if s.display_name.is_unknown() {
                    s.display_name = Value::Null;
                }
                Some((Value::Value(s), Value::Value(attempt)))
            }
        }
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let prior = present(diags, prior)?;
        let planned = present(diags, planned)?;
        let bi = self.data.beyond_identity(diags)?;
        let realm = realm_of(diags, &bi, &planned.tenant_id, &planned.realm_id)?;
        let id = known_str(&prior.id).unwrap_or_default().to_owned();
        let wanted = to_api(diags, &planned)?;
        let current = to_api(diags, &prior)?;
        let name = (wanted.display_name != current.display_name)
            .then_some(wanted.display_name.as_deref())
            .flatten();
        let settings = (wanted.config != current.config).then_some(&wanted.config);
        if name.is_none() && settings.is_none() {
            return Some((Value::Value(planned), private));
        }
        match bi
            .api
            .update_authenticator_config(&realm, &id, name, settings)
            .await
        {
            Ok(api) => Some((Value::Value(from_api(api, &realm)), private)),
            Err(e) => {
                api_error(
                    diags,
                    "Cannot update the authenticator configuration",
                    &e,
                    None,
                );
                None
            }
        }
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        _private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let prior = present(diags, prior)?;
        let bi = self.data.beyond_identity(diags)?;
        let realm = realm_of(diags, &bi, &prior.tenant_id, &prior.realm_id)?;
        // Destroyed before a refresh resolved a lost create: nothing known
        // to delete; the refresh that precedes a destroy resolves it.
        let Some(id) = known_str(&prior.id) else {
            return Some(());
        };
        let deleted = bi.api.delete_authenticator_config(&realm, id).await;
        done_unless(
            diags,
            "Cannot delete the authenticator configuration",
            deleted,
            &[404],
        )
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let bi = self.data.beyond_identity(diags)?;
        let (realm, ids) = import_realm_ids(diags, &bi, &id, &["id"])?;
        let config_id = ids[0];
        match bi.api.get_authenticator_config(&realm, config_id).await {
            Ok(api) => Some((Value::Value(from_api(api, &realm)), Value::Null)),
            Err(e) => {
                api_error(
                    diags,
                    format!("Cannot import authenticator configuration {config_id:?}"),
                    &e,
                    None,
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::plan::known_list;

    fn cfg(kind: &str) -> State {
        State {
            kind: Value::Value(kind.into()),
            ..Default::default()
        }
    }

    fn errors_at(c: &State) -> Vec<String> {
        let mut d = Diagnostics::default();
        validate_config(&mut d, c);
        d.errors.iter().map(|e| e.attribute.to_string()).collect()
    }

    #[test]
    fn hosted_web_alone_is_valid_and_defaults_to_every_method() {
        assert!(errors_at(&cfg("hosted_web")).is_empty());
        let mut planned = cfg("hosted_web");
        apply_type_defaults(&mut planned, &cfg("hosted_web"));
        assert_eq!(
            known_list(&planned.authentication_methods).unwrap().len(),
            3
        );
        assert_eq!(known_list(&planned.trusted_origins).unwrap().len(), 0);
        assert!(planned.invocation_type.is_null());
    }

    #[test]
    fn embedded_needs_invoke_url() {
        let errs = errors_at(&cfg("embedded"));
        assert_eq!(errs.len(), 1);
        assert!(errs[0].contains("invoke_url"), "{errs:?}");
    }

    #[test]
    fn unknown_type_and_method_are_refused_on_their_attribute() {
        let mut c = cfg("roaming");
        c.authentication_methods = to_list(&["face_id".to_owned()]);
        let errs = errors_at(&c);
        assert!(errs.iter().any(|e| e.contains("type")), "{errs:?}");
        assert!(
            errs.iter().any(|e| e.contains("authentication_methods")),
            "{errs:?}"
        );
    }

    #[test]
    fn platform_refuses_methods_and_invoke_url() {
        let mut c = cfg("platform");
        c.authentication_methods = to_list(&["software_passkey".to_owned()]);
        c.invoke_url = Value::Value("https://app.example.com".into());
        assert_eq!(errors_at(&c).len(), 2);
    }
}
