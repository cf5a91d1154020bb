//! `data "enroll_credential_binding_jobs"`: the credential binding jobs of a
//! realm, or of one identity, filtered by authenticator configuration and
//! state, for reports such as "who has not enrolled yet".

use crate::api::beyond_identity::credential_binding_jobs::CredentialBindingJob;
use crate::api::beyond_identity::{BeyondIdentity, RealmRef};
use crate::clients::ProviderData;
use crate::models::credential_binding_jobs::{job_from_api, State, JOB_FIELDS};
use crate::resources::common::{api_error, attr, check_ids, realm_of};
use crate::resources::renewal::parse_time;
use crate::schema::attrs::*;
use crate::schema::plan::{known, known_str};
use async_trait::async_trait;
use std::collections::BTreeSet;
use std::sync::Arc;
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{DataSource, Diagnostics};

pub struct CredentialBindingJobsDataSource {
    data: Arc<ProviderData>,
}

impl CredentialBindingJobsDataSource {
    pub fn new(data: Arc<ProviderData>) -> Self {
        Self { data }
    }
}

/// The job states the API documents today.
const KNOWN_STATES: [&str; 7] = [
    "LINK_SENT",
    "LINK_OPENED",
    "REQUEST_DELIVERED",
    "COMPLETE",
    "EXPIRED",
    "FAILED_TO_SEND",
    "REVOKED",
];

/// The identity path segment that lists every identity's jobs.
const EVERY_IDENTITY: &str = "-";

/// What validate makes of one element of `states`.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Known,
    /// Shaped like a state but not one this provider knows: the API's list
    /// grows (clients that enumerated it broke on `EXPIRED`), so a newer
    /// state is filtered on as given, with a warning in case it is a typo.
    Unknown,
    /// Cannot be a state at all, such as `link_sent`: the API compares
    /// states exactly, so it would match nothing.
    Invalid(String),
}

fn judge(state: &str) -> Verdict {
    if KNOWN_STATES.contains(&state) {
        return Verdict::Known;
    }
    if let Some(known) = KNOWN_STATES
        .iter()
        .find(|k| k.eq_ignore_ascii_case(state.trim()))
    {
        return Verdict::Invalid(format!(
            "{state:?} is not a job state: states are written in upper case, exactly as the API reports them; use {known:?}"
        ));
    }
    let shaped = state.starts_with(|c: char| c.is_ascii_uppercase())
        && state
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if shaped {
        Verdict::Unknown
    } else {
        Verdict::Invalid(format!(
            "{state:?} is not a job state: states are upper-case words joined by underscores; the API's are {}",
            KNOWN_STATES.join(", ")
        ))
    }
}

fn check_states(diags: &mut Diagnostics, states: &Value<Vec<Value<String>>>) {
    for state in known(states).into_iter().flatten().filter_map(known_str) {
        match judge(state) {
            Verdict::Known => {}
            Verdict::Unknown => diags.warning(
                "Unknown job state",
                format!(
                    "{state:?} is not one of the job states this provider knows ({}). It is used as given, since the API adds states over time; if it is a typo, it matches no job.",
                    KNOWN_STATES.join(", ")
                ),
                attr("states"),
            ),
            Verdict::Invalid(m) => diags.error("Invalid states", m, attr("states")),
        }
    }
}

/// Which jobs the configuration asks for.
#[derive(Debug, Default)]
struct Filter {
    /// `None`: every identity of the realm.
    identity: Option<String>,
    config: Option<String>,
    /// Empty: every state.
    states: BTreeSet<String>,
}

impl Filter {
    fn of(c: &State) -> Filter {
        Filter {
            identity: known_str(&c.identity_id)
                .filter(|i| *i != EVERY_IDENTITY)
                .map(str::to_owned),
            config: known_str(&c.authenticator_config_id).map(str::to_owned),
            states: known(&c.states)
                .into_iter()
                .flatten()
                .filter_map(known_str)
                .map(str::to_owned)
                .collect(),
        }
    }

    /// The identity is the listing's business; the rest is filtered here,
    /// since the API filters job lists on nothing.
    fn keeps(&self, job: &CredentialBindingJob) -> bool {
        let config_ok = self
            .config
            .as_deref()
            .is_none_or(|c| job.authenticator_config_id.as_deref() == Some(c));
        let state_ok = self.states.is_empty()
            || job
                .state
                .as_deref()
                .is_some_and(|s| self.states.contains(s));
        config_ok && state_ok
    }

    /// The list's API path and the filters as a query: stable for the same
    /// lookup, different for a different one, and readable in `state show`.
    fn id(&self, realm: &RealmRef) -> String {
        let mut id = format!(
            "tenants/{}/realms/{}/identities/{}/credential-binding-jobs",
            realm.tenant_id,
            realm.realm_id,
            self.identity.as_deref().unwrap_or(EVERY_IDENTITY)
        );
        let mut query = Vec::new();
        if let Some(c) = &self.config {
            query.push(format!("authenticator_config_id={c}"));
        }
        if !self.states.is_empty() {
            let states: Vec<&str> = self.states.iter().map(String::as_str).collect();
            query.push(format!("states={}", states.join(",")));
        }
        if !query.is_empty() {
            id.push('?');
            id.push_str(&query.join("&"));
        }
        id
    }
}

/// Oldest first, ties by id, so the same jobs always give the same list
/// (and plans that use it stay empty). Times are compared as times: the
/// API's fractions of a second vary in length.
fn in_order(jobs: &mut [CredentialBindingJob]) {
    jobs.sort_by_cached_key(|j| (j.create_time.as_deref().and_then(parse_time), j.id.clone()));
}

/// The jobs `filter` asks for. One identity's own list is read when an
/// identity is given (a page or two); otherwise the realm's, 200 a page,
/// keeping only the matches of each page as it arrives.
async fn find(
    diags: &mut Diagnostics,
    api: &BeyondIdentity,
    realm: &RealmRef,
    filter: &Filter,
) -> Option<Vec<CredentialBindingJob>> {
    let found = match &filter.identity {
        Some(identity) => api
            .list_credential_binding_jobs(realm, identity)
            .await
            .map(|all| all.into_iter().filter(|j| filter.keeps(j)).collect()),
        None => {
            let mut kept = Vec::new();
            let walked = api
                .each_job_of_realm(realm, |page| {
                    kept.extend(page.into_iter().filter(|j| filter.keeps(j)))
                })
                .await;
            walked.map(|_| kept)
        }
    };
    match (found, &filter.identity) {
        (Ok(jobs), _) => Some(jobs),
        (Err(e), Some(identity)) if e.is_not_found() => {
            diags.error(
                "Identity not found",
                format!(
                    "Realm {} of tenant {} has no identity with id {identity:?}.",
                    realm.realm_id, realm.tenant_id
                ),
                attr("identity_id"),
            );
            None
        }
        (Err(e), _) => {
            api_error(diags, "Cannot list credential binding jobs", &e, None);
            None
        }
    }
}

#[async_trait]
impl DataSource for CredentialBindingJobsDataSource {
    type State<'a> = Value<State>;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 1,
            block: block(
                "Lists the credential binding jobs of a Beyond Identity realm, or of one identity, optionally only those for one authenticator configuration or in some states: for reports such as who has not enrolled yet. Reading it never sends anything.",
                [
                    ("identity_id", optional(string(), "Only the jobs of this identity, read from the identity's own list (fewer pages than the realm's). Unset, or `\"-\"`: every identity of the realm.")),
                    ("authenticator_config_id", optional(string(), "Only the jobs that enroll into this authenticator configuration.")),
                    ("states", optional(set_of_strings(), "Only the jobs in one of these states, as the API reports them: `LINK_SENT`, `LINK_OPENED`, `REQUEST_DELIVERED`, `COMPLETE`, `EXPIRED`, `FAILED_TO_SEND` or `REVOKED`. An upper-case state the provider does not know yet is used as given, with a warning, since the API adds states over time. Unset or empty: every state.")),
                    ("tenant_id", optional_computed(string(), "Tenant to list in. Defaults to the provider's `tenant_id`.")),
                    ("realm_id", optional_computed(string(), "Realm to list in. Defaults to the provider's `realm_id`.")),
                    ("id", computed(string(), "An id for this lookup, made of the list's API path and the filters, such as `tenants/<tenant_id>/realms/<realm_id>/identities/-/credential-binding-jobs?states=LINK_SENT`.")),
                    ("jobs", computed(list_of_string_objects(&JOB_FIELDS), "The jobs found, oldest first (by `create_time`, then `id`), with every field the API returns.")),
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
                    ("identity_id", &c.identity_id),
                    ("authenticator_config_id", &c.authenticator_config_id),
                    ("tenant_id", &c.tenant_id),
                    ("realm_id", &c.realm_id),
                ],
            );
            check_states(diags, &c.states);
        }
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::State<'a>> {
        let Value::Value(mut state) = config else {
            return Some(Value::Null);
        };
        let bi = self.data.beyond_identity(diags)?;
        let realm = realm_of(diags, &bi, &state.tenant_id, &state.realm_id)?;
        let filter = Filter::of(&state);
        let mut jobs = find(diags, &bi.api, &realm, &filter).await?;
        in_order(&mut jobs);
        state.id = Value::Value(filter.id(&realm));
        state.jobs = Value::Value(jobs.into_iter().map(job_from_api).collect());
        state.tenant_id = Value::Value(realm.tenant_id);
        state.realm_id = Value::Value(realm.realm_id);
        Some(Value::Value(state))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_states_pass_and_newer_ones_are_only_warned_about() {
        assert_eq!(judge("LINK_SENT"), Verdict::Known);
        assert_eq!(judge("LINK_CLICKED"), Verdict::Unknown);
        assert_eq!(judge("STATE_2"), Verdict::Unknown);
    }

    #[test]
    fn what_cannot_be_a_state_is_refused() {
        for bad in [
            "link_sent",
            "Complete",
            "sent",
            "",
            "LINK SENT",
            "_X",
            "LINK-SENT",
        ] {
            assert!(
                matches!(judge(bad), Verdict::Invalid(_)),
                "{bad:?} is refused"
            );
        }
        let Verdict::Invalid(m) = judge("link_sent") else {
            unreachable!()
        };
        assert!(m.contains("\"LINK_SENT\""), "{m}");
    }

    fn job(id: &str, config: &str, state: &str, created: &str) -> CredentialBindingJob {
        serde_json::from_value(serde_json::json!({
            "id": id, "authenticator_config_id": config, "state": state, "create_time": created,
        }))
        .unwrap()
    }

    #[test]
    fn filters_combine() {
        let f = Filter {
            config: Some("web".into()),
            states: ["LINK_SENT".to_owned()].into(),
            ..Filter::default()
        };
        let t = "2026-01-01T00:00:00Z";
        assert!(f.keeps(&job("1", "web", "LINK_SENT", t)));
        assert!(!f.keeps(&job("2", "app", "LINK_SENT", t)));
        assert!(!f.keeps(&job("3", "web", "COMPLETE", t)));
        assert!(Filter::default().keeps(&job("4", "app", "NEWER", t)));
    }

    #[test]
    fn jobs_are_ordered_by_create_time_as_a_time_then_id() {
        let mut jobs = vec![
            job("b", "c", "LINK_SENT", "2026-01-01T00:00:01Z"),
            job("c", "c", "LINK_SENT", "2026-01-01T00:00:00.5Z"),
            job("a", "c", "LINK_SENT", "2026-01-01T00:00:01.000000Z"),
        ];
        in_order(&mut jobs);
        let ids: Vec<&str> = jobs.iter().map(|j| j.id.as_str()).collect();
        assert_eq!(ids, ["c", "a", "b"]);
    }

    #[test]
    fn the_id_names_the_realm_and_the_filters() {
        let realm = RealmRef {
            tenant_id: "t".into(),
            realm_id: "r".into(),
        };
        let all = Filter::default();
        assert_eq!(
            all.id(&realm),
            "tenants/t/realms/r/identities/-/credential-binding-jobs"
        );
        let some = Filter {
            identity: Some("i".into()),
            config: Some("c".into()),
            states: ["REVOKED".to_owned(), "LINK_SENT".to_owned()].into(),
        };
        assert_eq!(
            some.id(&realm),
            "tenants/t/realms/r/identities/i/credential-binding-jobs?authenticator_config_id=c&states=LINK_SENT,REVOKED"
        );
    }

    #[test]
    fn a_dash_for_identity_means_every_identity() {
        let c = State {
            identity_id: Value::Value("-".into()),
            ..State::default()
        };
        assert_eq!(Filter::of(&c).identity, None);
    }
}
