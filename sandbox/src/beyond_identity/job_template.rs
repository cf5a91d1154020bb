//! What a credential binding job is made from, and the making of one: a
//! single job's body and a batch's `job_template` name the authenticator
//! and the redirect alike, and both end in the same stored job and email.

use std::time::{Duration, SystemTime};

use serde::Deserialize;
use serde_json::Value;

use super::config_types::{Config, ConfigType};
use super::error::{ApiError, Resource};
use crate::harness::clock::rfc3339;
use crate::harness::requests::Vendor;
use crate::http::body::{join, FieldViolation};
use crate::ids;
use crate::sandbox::Sandbox;
use crate::state::{DeliveryMethod, JobRecord, JobState, JobTemplate, Store};
use crate::ui::outbox::{OutboxKind, OutboxMessage};

/// How long a link lives.
pub(crate) const LINK_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InlineConfig {
    config: Value,
}

/// Where the job's authenticator comes from: a stored config, or (for
/// embedded and platform only, per the spec) one given inline.
pub(crate) enum Authenticator {
    ById(String),
    Inline(Config),
}

impl Authenticator {
    /// Exactly one of `authenticator_config_id` and `authenticator_config`,
    /// found under `prefix` in the request.
    pub(crate) fn parse(
        id: Option<String>,
        inline: Option<InlineConfig>,
        prefix: &str,
    ) -> Result<Authenticator, ApiError> {
        match (id, inline) {
            (Some(_), Some(_)) => Err(FieldViolation::new(
                join(prefix, "authenticator_config"),
                "only one of authenticator_config_id and authenticator_config may be set",
            )
            .into()),
            (None, Some(inline)) => Ok(Authenticator::Inline(Config::parse(
                inline.config,
                &join(prefix, "authenticator_config.config"),
                &[ConfigType::Embedded, ConfigType::Platform],
            )?)),
            (Some(id), None) if !id.is_empty() => Ok(Authenticator::ById(id)),
            _ => Err(
                FieldViolation::new(join(prefix, "authenticator_config_id"), "empty string").into(),
            ),
        }
    }

    /// The job's `(authenticator_config_id, authenticator_config)`; a config
    /// id the realm does not hold is the spec's 404 naming the config.
    pub(crate) fn resolve(
        self,
        store: &Store,
    ) -> Result<(Option<String>, Option<Config>), ApiError> {
        match self {
            Authenticator::ById(id) if store.configs.contains_key(&id) => Ok((Some(id), None)),
            Authenticator::ById(id) => Err(ApiError::not_found(Resource::AuthenticatorConfig, &id)),
            Authenticator::Inline(config) => Ok((None, Some(config))),
        }
    }
}

/// `post_binding_redirect_uri`, which must be an absolute URI when given.
pub(crate) fn redirect_uri(uri: Option<String>, field: &str) -> Result<Option<String>, ApiError> {
    match uri {
        Some(uri) if !is_absolute_uri(&uri) => {
            Err(FieldViolation::new(field, "must be an absolute URI").into())
        }
        uri => Ok(uri),
    }
}

fn is_absolute_uri(uri: &str) -> bool {
    uri.split_once("://").is_some_and(|(scheme, rest)| {
        !rest.is_empty()
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    })
}

/// A job to make, everything about it checked.
pub(crate) struct NewJob {
    pub identity_id: String,
    pub delivery_method: DeliveryMethod,
    /// Where an EMAIL job's link goes.
    pub email: Option<String>,
    pub template: JobTemplate,
    pub batch_id: Option<String>,
}

/// Stores the job, `LINK_SENT`, and for EMAIL puts its link in the outbox;
/// returns the job's id and link (the link is what RETURN answers).
pub(crate) fn issue(
    sb: &Sandbox,
    store: &mut Store,
    job: NewJob,
    now: SystemTime,
) -> (String, String) {
    let seed = sb.seed();
    let id = ids::hex16();
    let link_token = ids::opaque_token();
    let link = format!(
        "{}/v1/tenants/{}/realms/{}/identities/{}/credential-binding-jobs/{id}:invokeAuthenticator?token={link_token}",
        sb.url(),
        seed.tenant_id,
        seed.realm_id,
        job.identity_id,
    );
    if let (DeliveryMethod::Email, Some(recipient)) = (job.delivery_method, job.email) {
        store.outbox.push(OutboxMessage {
            id: ids::hex16(),
            vendor: Vendor::BeyondIdentity,
            kind: OutboxKind::CredentialBindingJob,
            recipient,
            link: link.clone(),
            sent_at: rfc3339(now),
            expire_time: rfc3339(job.template.expire_time),
            job_id: Some(id.clone()),
            identity_id: Some(job.identity_id.clone()),
        });
    }
    store.jobs.insert(JobRecord {
        id: id.clone(),
        identity_id: job.identity_id,
        delivery_method: job.delivery_method,
        state: JobState::LinkSent,
        template: job.template,
        credential_id: None,
        batch_id: job.batch_id,
        create_time: now,
        update_time: now,
        link_token,
    });
    (id, link)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_must_be_absolute() {
        assert!(is_absolute_uri("http://example.com/callback"));
        assert!(is_absolute_uri("myapp+x://done"));
        assert!(!is_absolute_uri("/callback"));
        assert!(!is_absolute_uri("://x"));
        assert!(!is_absolute_uri("http://"));
    }

    #[test]
    fn a_redirect_uri_is_checked_only_when_given() {
        assert_eq!(redirect_uri(None, "f").ok(), Some(None));
        assert!(redirect_uri(Some(String::new()), "f").is_err());
        assert!(redirect_uri(Some("/x".into()), "f").is_err());
    }
}
