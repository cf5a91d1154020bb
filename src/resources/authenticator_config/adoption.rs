//! Which configuration a lost create made. A configuration has no natural
//! key and no creation time, and realms often hold several alike (every
//! `hosted_web` with the defaults looks the same). So a create first notes
//! which configurations exist; after a lost answer, the one it made is a
//! configuration with exactly the requested settings that did not exist
//! before and that no other resource of this apply has claimed.

use crate::api::beyond_identity::authenticator_configs::AuthenticatorConfig;
use crate::api::beyond_identity::{BeyondIdentity, RealmRef};
use crate::api::ApiError;
use crate::models::attempt::Attempt;
use crate::resources::claims::Claims;
use crate::resources::common::api_error;
use crate::resources::unresolved::{log_lost, look_twice, quiet, settle_time, warn_unresolved};
use tf_provider::Diagnostics;
use time::OffsetDateTime;

/// What anything referring to an unresolved configuration meets.
const CONSEQUENCE: &str = "resources that refer to its id fail in this apply.";

/// The configurations `attempt` could have made: new since it started and
/// set up exactly as `wanted`.
fn candidates(
    configs: Vec<AuthenticatorConfig>,
    wanted: &AuthenticatorConfig,
    attempt: &Attempt,
) -> Vec<AuthenticatorConfig> {
    configs
        .into_iter()
        .filter(|c| {
            let id = c.id.as_deref().unwrap_or_default();
            !id.is_empty()
                && !attempt.existing.iter().any(|e| e == id)
                && c.config == wanted.config
                && (wanted.display_name.is_none() || c.display_name == wanted.display_name)
        })
        .collect()
}

/// The ids of a realm's configurations, before a create.
async fn existing(api: &BeyondIdentity, realm: &RealmRef) -> Result<Vec<String>, ApiError> {
    let all = api.list_authenticator_configs(realm).await?;
    Ok(all.into_iter().filter_map(|c| c.id).collect())
}

/// Creates the configuration, telling `made_here` its id when the create
/// answered. After a lost answer it looks for the one the
/// create made (twice, giving the server time to finish). When it finds
/// none it does not create again in this apply: a server slower still
/// would leave an unused twin. `Some(Err(attempt))`: not known whether it
/// was made; the next refresh adopts it or forgets the resource, so the
/// plan creates it once. `None`: an error was reported.
pub(super) async fn create(
    diags: &mut Diagnostics,
    claims: &Claims,
    api: &BeyondIdentity,
    realm: &RealmRef,
    body: &AuthenticatorConfig,
    made_here: impl FnOnce(&str),
) -> Option<Result<AuthenticatorConfig, Attempt>> {
    let existing = match existing(api, realm).await {
        Ok(ids) => ids,
        Err(e) => return create_failed(diags, &e),
    };
    let mut attempt = Attempt::new(OffsetDateTime::now_utc(), existing);
    let sent = std::time::Instant::now();
    let create = claims.create(api.create_authenticator_config(realm, body), |c| {
        c.id.as_deref().unwrap_or_default()
    });
    let lost = match create.await {
        Ok(made) => {
            if let Some(id) = &made.id {
                made_here(id);
            }
            return Some(Ok(made));
        }
        Err(e) if e.ambiguous() => e,
        Err(e) => return create_failed(diags, &e),
    };
    log_lost("authenticator_config", &lost);
    let settle = settle_time(sent.elapsed());
    let look = look_twice(settle, || made_by(claims, api, realm, body, &attempt)).await;
    let look_err = match look {
        Ok(Some(made)) => return Some(Ok(made)),
        Ok(None) => None,
        Err(e) => Some(e),
    };
    let what = "authenticator configuration";
    warn_unresolved(diags, what, CONSEQUENCE, &lost, look_err.as_ref());
    // Configurations that siblings made meanwhile are theirs.
    attempt.existing.extend(claims.snapshot());
    Some(Err(attempt.give_up(sent.elapsed())))
}

/// The configuration a lost create made, looked for by a refresh when the
/// server is long done: the one candidate, or none when it made nothing.
/// Several candidates cannot be told apart (look-alikes that siblings made
/// after the lost create gave up): none is adopted, so the plan creates
/// the configuration again, and the warning names those to check.
/// `None`: an error was reported.
pub(super) async fn resolve(
    diags: &mut Diagnostics,
    api: &BeyondIdentity,
    realm: &RealmRef,
    wanted: &AuthenticatorConfig,
    attempt: &Attempt,
) -> Option<Option<AuthenticatorConfig>> {
    quiet("authenticator_config", attempt).await;
    let all = match api.list_authenticator_configs(realm).await {
        Ok(all) => all,
        Err(e) => {
            let summary = "Cannot look for the configuration a lost create made";
            api_error(diags, summary, &e, None);
            return None;
        }
    };
    let mut found = candidates(all, wanted, attempt);
    if found.len() > 1 {
        let ids: Vec<String> = found.iter().filter_map(|c| c.id.clone()).collect();
        diags.root_warning(
            "A lost create may have left an unused authenticator configuration",
            format!(
                "Configurations {} all look like the one a lost create may have made, so none \
                 is adopted and a new one will be created. Delete those that nothing uses.",
                ids.join(", ")
            ),
        );
        return Some(None);
    }
    Some(found.pop())
}

/// Reports a create that failed for sure; `None` always.
fn create_failed<T>(diags: &mut Diagnostics, e: &ApiError) -> Option<T> {
    api_error(
        diags,
        "Cannot create the authenticator configuration",
        e,
        None,
    );
    None
}

/// During the apply of the lost create: the configuration it made, claimed.
async fn made_by(
    claims: &Claims,
    api: &BeyondIdentity,
    realm: &RealmRef,
    wanted: &AuthenticatorConfig,
    attempt: &Attempt,
) -> Result<Option<AuthenticatorConfig>, ApiError> {
    let look = async {
        let all = api.list_authenticator_configs(realm).await?;
        Ok(candidates(all, wanted, attempt))
    };
    claims
        .adopt(look, |c| c.id.as_deref().unwrap_or_default())
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::beyond_identity::authenticator_configs::AuthenticatorSettings;
    use time::OffsetDateTime;

    fn config(id: &str, origins: &[&str]) -> AuthenticatorConfig {
        AuthenticatorConfig {
            id: Some(id.into()),
            tenant_id: None,
            realm_id: None,
            display_name: None,
            config: AuthenticatorSettings::Platform {
                trusted_origins: Some(origins.iter().map(|o| o.to_string()).collect()),
            },
        }
    }

    #[test]
    fn only_a_new_configuration_with_the_same_settings_is_a_candidate() {
        let attempt = Attempt::new(OffsetDateTime::now_utc(), vec!["old".into()]);
        let wanted = config("", &["https://a.example.com"]);
        let found = candidates(
            vec![
                config("old", &["https://a.example.com"]),
                config("other", &["https://b.example.com"]),
                config("new", &["https://a.example.com"]),
            ],
            &wanted,
            &attempt,
        );
        let ids: Vec<_> = found.into_iter().filter_map(|c| c.id).collect();
        assert_eq!(ids, ["new"]);
    }
}
